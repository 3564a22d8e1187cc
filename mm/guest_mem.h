/*
 * A VM's guest-physical map: RAM (backed by host pages mapped into exactly this
 * VM's stage-2 tables), MMIO windows served by device models, and holes; plus
 * bounds-checked guest-physical access.
 */
#ifndef MM_GUEST_MEM_H
#define MM_GUEST_MEM_H

#include "lib/types.h"

#define GUEST_MEM_MAX_REGIONS 32

enum guest_region_type {
	GUEST_RAM,		/* backed by host memory */
	GUEST_RESERVED,		/* not RAM, not a device: accesses stop the VM / read as ones */
	GUEST_MMIO,		/* emulated device registers: every access exits */
	GUEST_ROM,		/* read-only host-backed memory (ACPI tables, firmware) */
};

struct guest_region {
	u64 gpa;
	u64 size;
	enum guest_region_type type;
	u64 hpa;		/* for RAM and ROM */
	const char *name;
};

struct guest_mem {
	struct guest_region regions[GUEST_MEM_MAX_REGIONS];
	u32 count;		/* sorted by gpa, never overlapping */
	u64 ram_bytes;
};

void guest_mem_init(struct guest_mem *gm);
/*
 * Adds a region; fails with -EEXIST on overlap (adjacent is fine), -ENOSPC
 * when full, -EINVAL when gpa or size is unaligned, size is 0, the range
 * wraps, the type is unknown, or (RAM, ROM) hpa is unaligned or the host range
 * wraps or passes 2^52.  hpa is ignored (stored as 0) for MMIO and reserved.
 */
int guest_mem_add(struct guest_mem *gm, u64 gpa, u64 size, enum guest_region_type type,
		  u64 hpa, const char *name);
/* The region containing gpa, or NULL. */
const struct guest_region *guest_mem_find(const struct guest_mem *gm, u64 gpa);

/*
 * Host pointer for [gpa, gpa + len) when it lies entirely inside one RAM (or,
 * for reads, ROM) region; NULL otherwise.  Never crosses into another region.
 */
void *guest_mem_ptr(const struct guest_mem *gm, u64 gpa, u64 len, bool write);
/*
 * Copies to/from guest RAM, crossing from one region into an adjacent one;
 * -EFAULT when any byte is outside RAM (or ROM for reads) or the range wraps,
 * and then nothing is copied.  len 0 copies nothing and returns 0.
 */
int guest_mem_read(const struct guest_mem *gm, u64 gpa, void *buf, u64 len);
int guest_mem_write(const struct guest_mem *gm, u64 gpa, const void *buf, u64 len);

#endif
