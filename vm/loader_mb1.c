/*
 * Multiboot v1 loader (the Multiboot Specification 0.6.96), for ELF kernels
 * such as kvm-unit-tests' and for images that give their load addresses in
 * the header (flag 16, the "a.out kludge").  The kernel starts in 32-bit
 * protected mode with EAX = 0x2BADB002 and EBX pointing at a multiboot_info.
 */
#include "vm/loader_internal.h"
#include "vm/elf.h"
#include "vm/platform.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Inside PLAT_BOOT_INFO: the info structure, module 0, the memory map, the loader's name. */
#define MB1_MODS_OFFSET		0x80
#define MB1_MMAP_OFFSET		0x100
#define MB1_NAME_OFFSET		0x800
#define MB1_LOADER_NAME		"MACROHARD"
/* Flags bits 0-15 are requirements: the three defined ones are all we know. */
#define MB1_REQUIRED_KNOWN	(MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY_INFO | MB1_FLAG_VIDEO_MODE)
#define MB1_VIDEO_EGA_TEXT	1

_Static_assert(MB1_MODS_OFFSET >= sizeof(struct mb1_info), "Multiboot layout");
_Static_assert(MB1_MMAP_OFFSET + E820_MAX * sizeof(struct mb1_mmap_entry) <= MB1_NAME_OFFSET,
	       "Multiboot layout");

s64 loader_mb1_find_header(const u8 *data, u64 size)
{
	u64 end = MIN(size, (u64)MB1_SEARCH);

	for (u64 off = 0; off + 12 <= end; off += 4)
		if (loader_rd32(data + off) == MB1_HEADER_MAGIC)
			return (s64)off;
	return -1;
}

/* Flag 16: the header's own addresses say what to load where (spec 3.1.3). */
static int mb1_load_aout(struct loader_boot *b, u64 off, u64 *entry)
{
	const u8 *h = b->kernel + off;
	u64 header_addr = loader_rd32(h + 12), load_addr = loader_rd32(h + 16);
	u64 load_end = loader_rd32(h + 20), bss_end = loader_rd32(h + 24);
	u64 file_off, len, total;
	int err;

	*entry = loader_rd32(h + 28);
	if (load_addr > header_addr || header_addr - load_addr > off)
		return loader_fail(b, -EINVAL, "Multiboot load_addr 0x%llx does not fit "
				   "header_addr 0x%llx at file offset 0x%llx",
				   (unsigned long long)load_addr, (unsigned long long)header_addr,
				   (unsigned long long)off);
	file_off = off - (header_addr - load_addr);
	if (!load_end)
		load_end = load_addr + (b->kernel_size - file_off);
	if (load_end < load_addr || load_end - load_addr > b->kernel_size - file_off)
		return loader_fail(b, -EINVAL, "Multiboot load_end_addr 0x%llx is before "
				   "load_addr or beyond the end of the file",
				   (unsigned long long)load_end);
	len = load_end - load_addr;
	if (!bss_end)
		bss_end = load_end;
	if (bss_end < load_end)
		return loader_fail(b, -EINVAL, "Multiboot bss_end_addr 0x%llx is below "
				   "load_end_addr 0x%llx", (unsigned long long)bss_end,
				   (unsigned long long)load_end);
	total = bss_end - load_addr;
	if (!total)
		return loader_fail(b, -EINVAL, "Multiboot header describes an empty image");
	err = loader_check_range(b, load_addr, total, "Multiboot image");
	if (!err)
		err = loader_copy(b, load_addr, b->kernel + file_off, len, total - len);
	if (err)
		return err;
	if (*entry < load_addr || *entry >= bss_end)
		return loader_fail(b, -EINVAL, "entry point 0x%llx is outside the loaded image",
				   (unsigned long long)*entry);
	b->kernel_gpa = load_addr;
	b->kernel_end = bss_end;
	return 0;
}

static int mb1_load_elf(struct loader_boot *b, u64 *entry)
{
	struct elf_file f;
	const char *why;
	int err = elf_open(&f, b->kernel, b->kernel_size, &why);

	if (err)
		return loader_fail(b, err, "%s%s", why, elf_is_elf(b->kernel, b->kernel_size) ? "" :
				   " (a Multiboot kernel that is not ELF needs the address "
				   "fields, flag 16)");
	err = loader_load_elf(b, &f);
	/* e_entry is virtual; like GRUB, take it through the segment holding it. */
	if (!err)
		err = loader_elf_entry(b, &f, f.entry, true, entry);
	if (!err && *entry >> 32)
		return loader_fail(b, -EINVAL, "entry point 0x%llx is above 4 GiB",
				   (unsigned long long)*entry);
	return err;
}

static int mb1_write_info(struct loader_boot *b, u64 initrd_gpa)
{
	struct mb1_info info;
	struct mb1_module mod;
	struct mb1_mmap_entry mmap[E820_MAX];
	u64 base = PLAT_BOOT_INFO;
	int err;

	memset(&info, 0, sizeof(info));
	info.flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
		     MB1_INFO_LOADER_NAME;
	/* KiB of conventional memory from 0, and of the RAM from 1 MiB to the first hole. */
	info.mem_lower = (u32)(MIN(e820_ram_end(b->e820, b->e820_count, 0), 640ULL << 10) >> 10);
	info.mem_upper = (u32)((b->low_ram_end - PLAT_BIOS_END) >> 10);
	info.cmdline = (u32)PLAT_BOOT_CMDLINE;
	info.mods_addr = (u32)(base + MB1_MODS_OFFSET);
	info.boot_loader_name = (u32)(base + MB1_NAME_OFFSET);
	if (b->initrd) {
		/* Module 0 is the initrd; its string is the command line, as with QEMU's -initrd. */
		mod = (struct mb1_module){ (u32)initrd_gpa, (u32)(initrd_gpa + b->initrd_size),
					   (u32)PLAT_BOOT_CMDLINE, 0 };
		info.mods_count = 1;
		err = loader_copy(b, info.mods_addr, &mod, sizeof(mod), 0);
		if (err)
			return err;
	}
	for (u32 i = 0; i < b->e820_count; i++)
		mmap[i] = (struct mb1_mmap_entry){ sizeof(mmap[i]) - 4, b->e820[i].addr,
						   b->e820[i].size, b->e820[i].type };
	info.mmap_addr = (u32)(base + MB1_MMAP_OFFSET);
	info.mmap_length = b->e820_count * (u32)sizeof(mmap[0]);
	err = loader_copy(b, info.mmap_addr, mmap, info.mmap_length, 0);
	if (!err)
		err = loader_copy(b, info.boot_loader_name, MB1_LOADER_NAME, sizeof(MB1_LOADER_NAME),
				  0);
	if (!err)
		err = loader_copy(b, base, &info, sizeof(info), 0);
	return err;
}

int loader_mb1_boot(struct loader_boot *b)
{
	s64 found = loader_mb1_find_header(b->kernel, b->kernel_size);
	u64 off, need, entry = 0, initrd_gpa = 0;
	u32 flags;
	int err;

	b->format = "Multiboot kernel";
	if (found < 0)
		return loader_fail(b, -EINVAL, "no Multiboot header in the first 8 KiB");
	off = (u64)found;
	flags = loader_rd32(b->kernel + off + 4);
	if (loader_rd32(b->kernel + off) + flags + loader_rd32(b->kernel + off + 8) != 0)
		return loader_fail(b, -EINVAL, "Multiboot header checksum is wrong");
	if (flags & 0xffff & ~MB1_REQUIRED_KNOWN)
		return loader_fail(b, -EINVAL, "Multiboot header requires features this loader "
				   "does not know (flags 0x%x)", flags);
	/* The spec: the header, with the fields its flags announce, lies within the first 8 KiB. */
	need = (flags & MB1_FLAG_VIDEO_MODE) ? 48 : (flags & MB1_FLAG_AOUT_KLUDGE) ? 32 : 12;
	if (off + need > MIN(b->kernel_size, (u64)MB1_SEARCH))
		return loader_fail(b, -EINVAL, "Multiboot header is truncated");
	/* There is no display: a text-mode request is met (nothing to report), graphics is not. */
	if ((flags & MB1_FLAG_VIDEO_MODE) &&
	    loader_rd32(b->kernel + off + 32) != MB1_VIDEO_EGA_TEXT)
		return loader_fail(b, -EINVAL, "Multiboot header requires a graphics video mode, "
				   "which MACROHARD does not offer");
	b->format = (flags & MB1_FLAG_AOUT_KLUDGE) ? "Multiboot kernel" : "Multiboot ELF";
	err = (flags & MB1_FLAG_AOUT_KLUDGE) ? mb1_load_aout(b, off, &entry) :
					       mb1_load_elf(b, &entry);
	if (!err)
		err = loader_write_cmdline(b, PLAT_BOOT_CMDLINE_SIZE - 1);
	/* Modules are always page-aligned, so flag 0 is honoured whether set or not. */
	if (!err)
		err = loader_place_initrd(b, b->kernel_end, b->low_ram_end, &initrd_gpa);
	if (!err)
		err = mb1_write_info(b, initrd_gpa);
	if (!err)
		err = loader_state_flat32(b, (u32)entry);
	b->gpr[GPR_RAX] = MB1_BOOT_MAGIC;
	b->gpr[GPR_RBX] = PLAT_BOOT_INFO;
	return err;
}
