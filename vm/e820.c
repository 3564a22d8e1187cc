/* The guest's e820 memory map (vm/e820.h): RAM from guest_mem, reserved ranges from vm/platform.h. */
#include "vm/e820.h"
#include "vm/platform.h"
#include "lib/errno.h"

/* Ranges the map reports as reserved, in address order; RAM under them is cut out. */
static const struct { u64 addr, size; } e820_reserved[] = {
	{ PLAT_BIOS_START, PLAT_BIOS_END - PLAT_BIOS_START },	/* EBDA gap, ACPI tables, BIOS */
	{ PLAT_ECAM_GPA, PLAT_ECAM_SIZE },
	{ PLAT_IOAPIC_GPA, PLAT_APIC_PAGE_SIZE },
	{ PLAT_LAPIC_GPA, PLAT_APIC_PAGE_SIZE },
};

static int e820_add(struct e820_entry *map, u32 max, u32 *n, u64 addr, u64 size, u32 type)
{
	if (!size)
		return 0;
	if (*n >= max)
		return -ENOSPC;
	map[(*n)++] = (struct e820_entry){ addr, size, type };
	return 0;
}

/* Adds the RAM run [start, end) minus the reserved ranges. */
static int e820_add_ram(struct e820_entry *map, u32 max, u32 *n, u64 start, u64 end)
{
	for (u32 i = 0; i < ARRAY_SIZE(e820_reserved) && start < end; i++) {
		u64 rs = e820_reserved[i].addr, re = rs + e820_reserved[i].size;

		if (re <= start || rs >= end)
			continue;
		if (rs > start) {
			int err = e820_add(map, max, n, start, rs - start, E820_RAM);

			if (err)
				return err;
		}
		start = MIN(re, end);
	}
	return start < end ? e820_add(map, max, n, start, end - start, E820_RAM) : 0;
}

int e820_build(const struct guest_mem *gm, struct e820_entry *map, u32 max)
{
	u32 n = 0;
	int err = 0;

	for (u32 i = 0; i < gm->count && !err; i++) {
		u64 start = gm->regions[i].gpa, end = start + gm->regions[i].size;

		if (gm->regions[i].type != GUEST_RAM)
			continue;
		/* guest_mem keeps regions sorted: merge a run of touching RAM regions. */
		while (i + 1 < gm->count && gm->regions[i + 1].type == GUEST_RAM &&
		       gm->regions[i + 1].gpa == end) {
			i++;
			end += gm->regions[i].size;
		}
		err = e820_add_ram(map, max, &n, start, end);
	}
	for (u32 i = 0; i < ARRAY_SIZE(e820_reserved) && !err; i++)
		err = e820_add(map, max, &n, e820_reserved[i].addr, e820_reserved[i].size,
			       E820_RESERVED);
	if (err)
		return err;
	/* Insertion sort: a handful of entries. */
	for (u32 i = 1; i < n; i++) {
		struct e820_entry e = map[i];
		u32 j = i;

		for (; j > 0 && map[j - 1].addr > e.addr; j--)
			map[j] = map[j - 1];
		map[j] = e;
	}
	return (int)n;
}

bool e820_is_ram(const struct e820_entry *map, u32 count, u64 addr, u64 size)
{
	if (!size || addr + size < addr)
		return false;
	for (u32 i = 0; i < count; i++)
		if (map[i].type == E820_RAM && addr >= map[i].addr &&
		    addr + size <= map[i].addr + map[i].size)
			return true;
	return false;
}

u64 e820_ram_end(const struct e820_entry *map, u32 count, u64 addr)
{
	for (u32 i = 0; i < count; i++)
		if (map[i].type == E820_RAM && addr >= map[i].addr &&
		    addr - map[i].addr < map[i].size)
			return map[i].addr + map[i].size;
	return 0;
}
