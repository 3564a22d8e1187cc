/* Shared by the format loaders (vm/loader*.c): start states, placement and error helpers. */
#ifndef VM_LOADER_INTERNAL_H
#define VM_LOADER_INTERNAL_H

#include "vm/loader.h"

/* GDT selectors of the boot GDT at PLAT_BOOT_GDT. */
#define LOADER_SEL_CODE32	0x08
#define LOADER_SEL_CODE64	0x10	/* = Linux's __BOOT_CS */
#define LOADER_SEL_DATA		0x18	/* = Linux's __BOOT_DS */

/* Little-endian fields of an image (the caller has checked the bounds). */
static inline u32 loader_rd32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u16 loader_rd16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static inline u64 loader_rd64(const u8 *p)
{
	return (u64)loader_rd32(p) | (u64)loader_rd32(p + 4) << 32;
}

static inline void loader_wr16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void loader_wr32(u8 *p, u32 v)
{
	loader_wr16(p, (u16)v);
	loader_wr16(p + 2, (u16)(v >> 16));
}

static inline void loader_wr64(u8 *p, u64 v)
{
	loader_wr32(p, (u32)v);
	loader_wr32(p + 4, (u32)(v >> 32));
}

/* Records the problem (printf-style) in b->why and returns err. */
int loader_fail(struct loader_boot *b, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for a problem with the initrd. */
int loader_fail_initrd(struct loader_boot *b, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Checks that [gpa, gpa + size) is RAM in the e820 map and clear of the boot
 * structures below PLAT_BOOT_END; what names the thing for the message.
 */
int loader_check_range(struct loader_boot *b, u64 gpa, u64 size, const char *what);

/* Copies len bytes to guest RAM, then zeroes the next zero_len bytes. */
int loader_copy(struct loader_boot *b, u64 gpa, const void *src, u64 len, u64 zero_len);

/*
 * Puts the initrd (if any) page-aligned as high as possible with
 * lowest <= start and end <= limit; *gpa gets its address (0 without initrd).
 */
int loader_place_initrd(struct loader_boot *b, u64 lowest, u64 limit, u64 *gpa);

/* Writes the command line to PLAT_BOOT_CMDLINE, refusing one longer than max bytes. */
int loader_write_cmdline(struct loader_boot *b, u64 max);

struct elf_file;
/*
 * Loads the PT_LOAD segments at their physical addresses (loader_check_range
 * for each, then file bytes and zeroed rest); sets b->kernel_gpa/kernel_end.
 */
int loader_load_elf(struct loader_boot *b, const struct elf_file *f);
/*
 * The physical address of entry: inside a loaded segment's physical range
 * (virt false) or, translated, its virtual range (virt true).  0 or -EINVAL.
 */
int loader_elf_entry(struct loader_boot *b, const struct elf_file *f, u64 entry, bool virt,
		     u64 *phys);

/* Writes the boot GDT and sets a 32-bit protected-mode, paging-off start state at entry. */
int loader_state_flat32(struct loader_boot *b, u32 entry);
/* Writes the boot GDT and 4 GiB identity map and sets a 64-bit long-mode state at entry. */
int loader_state_long64(struct loader_boot *b, u64 entry);

#endif
