/*
 * Stage-2 translation (guest-physical to host-physical): one builder, two
 * formats — Intel EPT (SDM 29.3) and AMD nested page tables (APM 15.25, the
 * long-mode page-table format).  Large pages are used where aligned and allowed.
 */
#ifndef MM_STAGE2_H
#define MM_STAGE2_H

#include "lib/types.h"

enum stage2_format { STAGE2_EPT, STAGE2_NPT };

#define STAGE2_ALLOW_2M BIT(0)
#define STAGE2_ALLOW_1G BIT(1)
#define STAGE2_EPT_AD BIT(2)	/* EPT accessed/dirty flags enabled (EPTP bit 6) */

/* Permissions of a mapping. */
#define STAGE2_R BIT(0)
#define STAGE2_W BIT(1)
#define STAGE2_X BIT(2)
#define STAGE2_RWX (STAGE2_R | STAGE2_W | STAGE2_X)

/* Page-table pages come from, and go back to, these (host_pages_* in the hypervisor). */
struct stage2_allocator {
	u64 (*alloc_page)(void *ctx);	/* a zeroed 4 KiB page, identity-addressable; 0 on failure */
	void (*free_page)(void *ctx, u64 addr);
	void *ctx;
};

struct stage2 {
	enum stage2_format format;
	u32 flags;
	u64 root;		/* PML4 physical address */
	struct stage2_allocator alloc;
	u64 table_pages;	/* page-table pages in use */
	u64 mapped_4k, mapped_2m, mapped_1g;
};

int stage2_init(struct stage2 *s2, enum stage2_format format, u32 flags,
		const struct stage2_allocator *alloc);
/*
 * Maps [gpa, gpa + size) to [hpa, hpa + size) with perms; all three 4 KiB
 * aligned; gpa + size below 2^48.  Remapping an existing range replaces it
 * (splitting large pages as needed).  Returns 0, -EINVAL or -ENOMEM.
 */
int stage2_map(struct stage2 *s2, u64 gpa, u64 hpa, u64 size, u32 perms);
/* Removes any mapping of the range (splitting large pages as needed). */
int stage2_unmap(struct stage2 *s2, u64 gpa, u64 size);
/* Looks a GPA up: 0 and fills *hpa, *perms and *page_size, or -ENOENT. */
int stage2_lookup(const struct stage2 *s2, u64 gpa, u64 *hpa, u32 *perms, u64 *page_size);
/* Frees every table page. */
void stage2_destroy(struct stage2 *s2);
/* EPTP (write-back, 4-level walk, A/D per flags) or nCR3. */
u64 stage2_pointer(const struct stage2 *s2);

#endif
