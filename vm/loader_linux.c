/*
 * Linux bzImage loader, 64-bit boot protocol (Documentation/arch/x86/boot.rst,
 * "64-bit Boot Protocol"; the zero page: zero-page.rst).  The real-mode setup
 * code is not run: the setup header goes into a zeroed boot_params, the
 * protected-mode kernel is loaded high and entered at its 64-bit entry point.
 */
#include "vm/loader_internal.h"
#include "vm/platform.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Setup header offsets, the same in the image and in boot_params (boot.rst, the header table). */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_EXT_LOADER_VER	0x226
#define HDR_EXT_LOADER_TYPE	0x227
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_HARDWARE_SUBARCH	0x23c
#define HDR_SETUP_DATA		0x250
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_2_12		0x268	/* the header of protocol 2.12 ends here */
#define HDR_END_MAX		0x290	/* boot_params has room for the header up to here */

/* boot_params fields outside the setup header (zero-page.rst). */
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define BP_SIZE			4096

#define LOADER_TYPE_UNDEFINED	0xff
/* heap_end_ptr counts from the real-mode code + 0x200; the setup code is not run, so any sane value. */
#define HEAP_END_PTR		0xfe00
#define KERNEL_ENTRY_64		0x200	/* startup_64, from the start of the protected-mode kernel */
#define LOW_KERNEL		0x100000ULL

/* Where the protected-mode kernel goes and the range it runs in (init_size from its run address). */
struct linux_layout {
	u64 load, load_size;
	u64 run, init_size;
};

static int linux_place(struct loader_boot *b, const u8 *k, u64 pm_size, struct linux_layout *l)
{
	u64 pref = loader_rd64(k + HDR_PREF_ADDRESS);
	u32 align = loader_rd32(k + HDR_KERNEL_ALIGNMENT);
	int err;

	l->load_size = pm_size;
	l->init_size = MAX((u64)loader_rd32(k + HDR_INIT_SIZE), pm_size);
	if (k[HDR_RELOCATABLE]) {
		if (!align || (align & (align - 1)))
			return loader_fail(b, -EINVAL, "kernel_alignment 0x%x is not a power of two",
					   align);
		/*
		 * boot.rst: a relocating loader should use pref_address; when that is
		 * unusable, the lowest aligned address above 1 MiB.  The 64-bit entry
		 * then still moves the kernel up to pref_address (LOAD_PHYSICAL_ADDR)
		 * if it is lower, so init_size counts from the higher of the two.
		 */
		if (pref >= LOW_KERNEL && !(pref & (align - 1)))
			l->load = pref;
		else
			l->load = ALIGN_UP(LOW_KERNEL, (u64)align);
		l->run = MAX(l->load, pref);
	} else {
		/* Not relocatable: loaded at 1 MiB, it runs at its pref_address (LOAD_PHYSICAL_ADDR). */
		l->load = LOW_KERNEL;
		l->run = pref ? pref : LOW_KERNEL;
	}
	err = loader_check_range(b, l->load, l->load_size, "protected-mode kernel");
	if (!err)
		err = loader_check_range(b, l->run, l->init_size, "kernel's init_size");
	return err;
}

/* The boot_params ("zero page") of boot.rst's 64-bit protocol. */
static void linux_zero_page(struct loader_boot *b, u8 *bp, const u8 *k, u32 hdr_end,
			    const struct linux_layout *l, u64 initrd_gpa)
{
	u16 version = loader_rd16(k + HDR_VERSION);
	u32 n = MIN(b->e820_count, BP_E820_MAX);

	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_SETUP_SECTS, k + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
	bp[HDR_EXT_LOADER_VER] = 0;
	bp[HDR_EXT_LOADER_TYPE] = 0;
	bp[HDR_LOADFLAGS] |= LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	loader_wr32(bp + HDR_CODE32_START, (u32)l->load);
	loader_wr16(bp + HDR_HEAP_END_PTR, HEAP_END_PTR);
	loader_wr32(bp + HDR_CMD_LINE_PTR, (u32)PLAT_BOOT_CMDLINE);
	loader_wr32(bp + BP_EXT_CMD_LINE_PTR, (u32)(PLAT_BOOT_CMDLINE >> 32));
	loader_wr32(bp + HDR_RAMDISK_IMAGE, (u32)initrd_gpa);
	loader_wr32(bp + BP_EXT_RAMDISK_IMAGE, (u32)(initrd_gpa >> 32));
	loader_wr32(bp + HDR_RAMDISK_SIZE, (u32)b->initrd_size);
	loader_wr32(bp + BP_EXT_RAMDISK_SIZE, (u32)(b->initrd_size >> 32));
	if (!b->initrd) {
		loader_wr32(bp + HDR_RAMDISK_SIZE, 0);
		loader_wr32(bp + BP_EXT_RAMDISK_SIZE, 0);
	}
	/* What the image says here is not ours to pass on: a PC, no setup_data chain. */
	loader_wr32(bp + HDR_HARDWARE_SUBARCH, 0);
	if (hdr_end >= HDR_SETUP_DATA + 8)
		loader_wr64(bp + HDR_SETUP_DATA, 0);
	if (version >= 0x020e)
		loader_wr64(bp + BP_ACPI_RSDP_ADDR, PLAT_ACPI_GPA);
	bp[BP_E820_ENTRIES] = (u8)n;
	for (u32 i = 0; i < n; i++) {
		u8 *e = bp + BP_E820_TABLE + 20 * i;

		loader_wr64(e, b->e820[i].addr);
		loader_wr64(e + 8, b->e820[i].size);
		loader_wr32(e + 16, b->e820[i].type);
	}
}

int loader_linux_boot(struct loader_boot *b)
{
	static u8 bp[BP_SIZE];		/* VMs are created one at a time */
	const u8 *k = b->kernel;
	u64 size = b->kernel_size, pm_off, pm_size, limit, initrd_gpa = 0, syssize;
	struct linux_layout l = { 0, 0, 0, 0 };
	u16 version, xlf;
	u32 hdr_end, setup_sects;
	int err;

	b->format = "Linux bzImage";
	if (size < HDR_VERSION + 2)
		return loader_fail(b, -EINVAL, "truncated inside the setup header");
	version = loader_rd16(k + HDR_VERSION);
	if (version < LINUX_MIN_VERSION)
		return loader_fail(b, -EINVAL, "boot protocol %u.%02u is older than 2.12 (no "
				   "64-bit entry)", version >> 8, version & 0xff);
	/* boot.rst: the header ends at 0x202 + the byte at 0x201 (the jump's offset). */
	hdr_end = 0x202 + k[HDR_JUMP + 1];
	if (hdr_end < HDR_END_2_12)
		return loader_fail(b, -EINVAL, "setup header ends at 0x%x, before the fields of "
				   "protocol 2.12", hdr_end);
	if (size < hdr_end)
		return loader_fail(b, -EINVAL, "truncated inside the setup header");
	hdr_end = MIN(hdr_end, HDR_END_MAX);
	if (loader_rd16(k + HDR_BOOT_FLAG) != 0xaa55)
		return loader_fail(b, -EINVAL, "boot_flag is not 0xaa55");
	xlf = loader_rd16(k + HDR_XLOADFLAGS);
	if (!(xlf & LINUX_XLF_KERNEL_64))
		return loader_fail(b, -EINVAL, "kernel has no 64-bit entry point "
				   "(XLF_KERNEL_64 clear in xloadflags)");
	if (!(k[HDR_LOADFLAGS] & LINUX_LOADED_HIGH))
		return loader_fail(b, -EINVAL, "not a bzImage (a zImage loads below 1 MiB)");

	setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
	pm_off = (setup_sects + 1) * 512ULL;
	syssize = loader_rd32(k + HDR_SYSSIZE) * 16ULL;
	if (size <= pm_off)
		return loader_fail(b, -EINVAL, "truncated: no protected-mode kernel after the "
				   "%u setup sectors", setup_sects);
	pm_size = size - pm_off;
	/* syssize counts 16-byte paragraphs, rounded up; bytes beyond it (signatures) stay behind. */
	if (syssize) {
		if (syssize > pm_size + 15)
			return loader_fail(b, -EINVAL, "truncated: the protected-mode kernel has "
					   "%llu of its %llu bytes", (unsigned long long)pm_size,
					   (unsigned long long)syssize);
		pm_size = MIN(pm_size, syssize);
	}
	if (pm_size <= KERNEL_ENTRY_64)
		return loader_fail(b, -EINVAL, "truncated: the protected-mode kernel ends before "
				   "its 64-bit entry point");
	err = linux_place(b, k, pm_size, &l);
	if (err)
		return err;
	b->kernel_gpa = MIN(l.load, l.run);
	b->kernel_end = MAX(l.load + l.load_size, l.run + l.init_size);

	err = loader_write_cmdline(b, loader_rd32(k + HDR_CMDLINE_SIZE));
	if (err)
		return err;
	/*
	 * boot.rst: the initrd as high as possible below initrd_addr_max (the
	 * highest address it may occupy) unless the kernel takes it above 4 GiB;
	 * here it stays below the PCI hole either way.
	 */
	limit = b->low_ram_end;
	if (!(xlf & LINUX_XLF_CAN_BE_LOADED_ABOVE_4G))
		limit = MIN(limit, (u64)loader_rd32(k + HDR_INITRD_ADDR_MAX) + 1);
	err = loader_place_initrd(b, b->kernel_end, limit, &initrd_gpa);
	if (err)
		return err;
	linux_zero_page(b, bp, k, hdr_end, &l, initrd_gpa);
	err = loader_copy(b, PLAT_BOOT_INFO, bp, BP_SIZE, 0);
	if (!err)
		err = loader_copy(b, l.load, k + pm_off, pm_size, 0);
	if (!err)
		err = loader_state_long64(b, l.load + KERNEL_ENTRY_64);
	b->gpr[GPR_RSI] = PLAT_BOOT_INFO;
	return err;
}
