/*
 * PVH loader: an uncompressed ELF kernel (Linux's vmlinux) with the Xen note
 * XEN_ELFNOTE_PHYS32_ENTRY, entered in 32-bit protected mode with EBX pointing
 * at an hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h; Xen's
 * docs/misc/pvh.pandoc for the start state).
 */
#include "vm/loader_internal.h"
#include "vm/elf.h"
#include "vm/platform.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Inside PLAT_BOOT_INFO: the start info, then the module list, then the memory map. */
#define PVH_MODLIST_OFFSET	0x40
#define PVH_MEMMAP_OFFSET	0x80

_Static_assert(PVH_MODLIST_OFFSET >= sizeof(struct pvh_start_info), "PVH layout");
_Static_assert(PVH_MEMMAP_OFFSET >= PVH_MODLIST_OFFSET + sizeof(struct pvh_modlist_entry),
	       "PVH layout");
_Static_assert(PVH_MEMMAP_OFFSET + E820_MAX * sizeof(struct pvh_memmap_entry) <=
	       PLAT_BOOT_INFO_SIZE, "PVH layout");

static int pvh_entry(struct loader_boot *b, const struct elf_file *f, u64 *entry)
{
	const u8 *desc;
	u32 dsz;
	const char *why;
	int found = elf_find_note(f, "Xen", PVH_ELFNOTE_PHYS32_ENTRY, &desc, &dsz, &why);

	if (found < 0)
		return loader_fail(b, found, "%s", why);
	if (!found)
		return loader_fail(b, -EINVAL, "no PVH entry note (Xen, XEN_ELFNOTE_PHYS32_ENTRY)");
	/* A 32-bit kernel writes a 4-byte address, a 64-bit one (Linux's _ASM_PTR) 8 bytes. */
	if (dsz == 4)
		*entry = loader_rd32(desc);
	else if (dsz == 8)
		*entry = loader_rd64(desc);
	else
		return loader_fail(b, -EINVAL, "PVH entry note has a %u-byte value (want 4 or 8)",
				   dsz);
	if (*entry >> 32)
		return loader_fail(b, -EINVAL, "PVH entry point 0x%llx is above 4 GiB",
				   (unsigned long long)*entry);
	return 0;
}

int loader_pvh_boot(struct loader_boot *b)
{
	struct pvh_start_info si;
	struct pvh_modlist_entry mod;
	struct pvh_memmap_entry map[E820_MAX];
	struct elf_file f;
	const char *why;
	u64 entry = 0, phys = 0, initrd_gpa = 0;
	int err;

	b->format = "PVH ELF";
	err = elf_open(&f, b->kernel, b->kernel_size, &why);
	if (err)
		return loader_fail(b, err, "%s", why);
	err = pvh_entry(b, &f, &entry);
	if (!err)
		err = loader_load_elf(b, &f);
	if (!err)
		err = loader_elf_entry(b, &f, entry, false, &phys);
	if (!err)
		err = loader_write_cmdline(b, PLAT_BOOT_CMDLINE_SIZE - 1);
	if (!err)
		err = loader_place_initrd(b, b->kernel_end, b->low_ram_end, &initrd_gpa);
	if (err)
		return err;

	memset(&si, 0, sizeof(si));
	si.magic = PVH_START_MAGIC;
	si.version = 1;
	si.cmdline_paddr = PLAT_BOOT_CMDLINE;
	si.rsdp_paddr = PLAT_ACPI_GPA;
	if (b->initrd) {
		memset(&mod, 0, sizeof(mod));
		mod.paddr = initrd_gpa;
		mod.size = b->initrd_size;
		si.nr_modules = 1;
		si.modlist_paddr = PLAT_BOOT_INFO + PVH_MODLIST_OFFSET;
		err = loader_copy(b, si.modlist_paddr, &mod, sizeof(mod), 0);
	}
	memset(map, 0, sizeof(map));
	for (u32 i = 0; i < b->e820_count; i++) {
		map[i].addr = b->e820[i].addr;
		map[i].size = b->e820[i].size;
		map[i].type = b->e820[i].type;	/* XEN_HVM_MEMMAP_TYPE_* are the e820 types */
	}
	si.memmap_paddr = PLAT_BOOT_INFO + PVH_MEMMAP_OFFSET;
	si.memmap_entries = b->e820_count;
	if (!err)
		err = loader_copy(b, si.memmap_paddr, map, b->e820_count * sizeof(map[0]), 0);
	if (!err)
		err = loader_copy(b, PLAT_BOOT_INFO, &si, sizeof(si), 0);
	if (!err)
		err = loader_state_flat32(b, (u32)phys);
	b->gpr[GPR_RBX] = PLAT_BOOT_INFO;
	return err;
}
