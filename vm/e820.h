/*
 * The guest's e820 memory map, built from its guest_mem regions and vm/platform.h;
 * every loader passes it on.
 */
#ifndef VM_E820_H
#define VM_E820_H

#include "mm/guest_mem.h"

/* ACPI 6.5 table 15.4 / the BIOS INT 15h E820h address range types. */
#define E820_RAM	1
#define E820_RESERVED	2
#define E820_ACPI	3
#define E820_NVS	4

#define E820_MAX	32

struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
};

/*
 * Fills map (room for max entries) with the guest's map, sorted by address:
 * RAM [0, PLAT_LOW_RAM_END), reserved [PLAT_BIOS_START, PLAT_BIOS_END), RAM from
 * 1 MiB to the end of low RAM, reserved ECAM, IOAPIC and LAPIC pages, RAM above
 * 4 GiB.  RAM regions that touch are merged; RAM under a reserved range is left
 * out.  Returns the number of entries, or -ENOSPC when max is too small.
 */
int e820_build(const struct guest_mem *gm, struct e820_entry *map, u32 max);

/* True when [addr, addr + size) lies inside one RAM entry (size > 0, no wrap). */
bool e820_is_ram(const struct e820_entry *map, u32 count, u64 addr, u64 size);

/* The end of the RAM entry holding addr, or 0 when addr is not RAM. */
u64 e820_ram_end(const struct e820_entry *map, u32 count, u64 addr);

#endif
