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

/*
 * Allocates the root table.  -EINVAL for unknown flags (or STAGE2_EPT_AD with
 * NPT) or a missing allocator, -ENOMEM when the root cannot be allocated.
 */
int stage2_init(struct stage2 *s2, enum stage2_format format, u32 flags,
		const struct stage2_allocator *alloc);
/*
 * Maps [gpa, gpa + size) to [hpa, hpa + size) with perms; all three 4 KiB
 * aligned, size > 0, gpa + size <= 2^48, hpa + size <= 2^52.  Remapping an
 * existing range replaces it (splitting large pages as needed, freeing the
 * tables under a range replaced by a large page).  Returns 0, -EINVAL or
 * -ENOMEM; after -ENOMEM the tables are consistent and part of the range may
 * already be mapped (or split).
 *
 * Perms: EPT rejects W without R (SDM 29.3.3.1: a misconfiguration) and maps
 * perms 0 as not present; X without R needs the execute-only capability
 * (IA32_VMX_EPT_VPID_CAP bit 0), which the caller checks.  NPT cannot express
 * a present page without read (APM 15.25.5): perms without STAGE2_R unmap.
 * NPT without STAGE2_X sets NX, which is reserved unless the host runs with
 * EFER.NXE: ask for no-execute only on such a host.
 *
 * Entries are updated with single 64-bit stores and new tables are filled
 * before they are linked, but changed or removed translations stay in TLBs
 * and paging-structure caches, and table pages are given back to the
 * allocator at once: flush (the vendor's stage2_flush) on every vCPU of the
 * VM before it runs again, and do not change the tables while one is in
 * guest mode unless the allocator does not reuse pages before that flush.
 */
int stage2_map(struct stage2 *s2, u64 gpa, u64 hpa, u64 size, u32 perms);
/*
 * Removes any mapping of the range (splitting large pages as needed) and
 * frees tables left empty.  Same range rules as stage2_map; -EINVAL, or
 * -ENOMEM when a split cannot get a page (the tables stay consistent).
 */
int stage2_unmap(struct stage2 *s2, u64 gpa, u64 size);
/*
 * Looks a GPA up: 0 with the host address (including the offset inside a
 * large page), perms and page size (each output may be NULL), or -ENOENT.
 */
int stage2_lookup(const struct stage2 *s2, u64 gpa, u64 *hpa, u32 *perms, u64 *page_size);
/* Frees every table page, the root included. */
void stage2_destroy(struct stage2 *s2);
u64 stage2_pointer(const struct stage2 *s2);

#endif
