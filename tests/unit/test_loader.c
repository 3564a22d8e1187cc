/*
 * Host unit test for the guest image loaders (vm/loader*.c, vm/elf.c, vm/e820.c): synthetic
 * bzImage, PVH and Multiboot images, good and broken, loaded into malloc'd guest RAM; the boot
 * structures they leave, the e820 map, and the start states run through both VM-entry checkers.
 * LOADER_BZIMAGE=PATH and LOADER_VMLINUX=PATH also load a real kernel (SKIP without them).
 */
// unit-deps: vm/loader.c vm/loader_linux.c vm/loader_pvh.c vm/loader_mb1.c vm/elf.c vm/e820.c mm/guest_mem.c lib/string.c lib/format.c lib/errno.c vmx/vmx_check.c svm/svm_check.c svm/svm_vmcb.c vm/msr_passthrough.c
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/loader.h"
#include "vm/elf.h"
#include "vm/platform.h"
#include "vmx/vmx_check.h"
#include "vmx/vmcs.h"
#include "svm/svm.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "tests/unit/unit.h"

#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

/* ------------------------------------------------------------ guest RAM */

static struct guest_mem gm;
static u8 *ram;
static u64 ram_size;

/* RAM [0, bytes) (below the hole), the PCI hole as MMIO, like vm/vm.c builds it. */
static void ram_setup(u64 bytes)
{
	free(ram);
	ram_size = bytes;
	ram = aligned_alloc(4096, bytes);
	if (!ram) {
		fprintf(stderr, "cannot allocate %llu bytes\n", (unsigned long long)bytes);
		exit(2);
	}
	/* Not zero: the loaders must clear what they claim is zero (bss, boot_params). */
	memset(ram, 0xa5, bytes);
	guest_mem_init(&gm);
	guest_mem_add(&gm, 0, bytes, GUEST_RAM, (u64)(uintptr_t)ram, "ram");
	guest_mem_add(&gm, PLAT_PCI_HOLE, GiB(4) - PLAT_PCI_HOLE, GUEST_MMIO, 0, "pci-hole");
	gm.ram_bytes = bytes;
}

static u8 rd8(u64 gpa)
{
	return gpa < ram_size ? ram[gpa] : 0xff;
}

static u16 rd16(u64 gpa)
{
	return (u16)(rd8(gpa) | rd8(gpa + 1) << 8);
}

static u32 rd32(u64 gpa)
{
	return rd16(gpa) | (u32)rd16(gpa + 2) << 16;
}

static u64 rd64(u64 gpa)
{
	return rd32(gpa) | (u64)rd32(gpa + 4) << 32;
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put32(u8 *p, u32 v)
{
	put16(p, (u16)v);
	put16(p + 2, (u16)(v >> 16));
}

static void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

/* ------------------------------------------------------------ running a loader */

static struct loader_boot b;
static u8 initrd_data[5000];

static int boot(const u8 *kernel, u64 size, const u8 *initrd, u64 initrd_size,
		const char *cmdline)
{
	memset(&b, 0, sizeof(b));
	b.mem = &gm;
	b.kernel = kernel;
	b.kernel_size = size;
	b.initrd = initrd;
	b.initrd_size = initrd_size;
	b.cmdline = cmdline;
	return loader_boot_image(&b);
}

/* The call fails with a message containing fragment (and names the initrd when initrd_fault). */
#define REFUSED(label, call, fragment, initrd_fault) do {				\
	const char *l_ = (label);							\
	int e_ = (call);								\
	unit_check(e_ < 0 && strstr(b.why, (fragment)) && b.initrd_at_fault == (initrd_fault), \
		   l_, "returned %d, why \"%s\" (initrd %d), want \"%s\"", e_, b.why,	\
		   b.initrd_at_fault, (fragment));					\
} while (0)

#define LOADED(label, call) do {							\
	const char *l_ = (label);							\
	int e_ = (call);								\
	unit_check(e_ == 0, l_, "returned %d: %s", e_, b.why);				\
} while (0)

/* ------------------------------------------------------------ the VM-entry checkers */

/* The VMCS as vmx/vmx.c's vmx_write_sregs() would fill it, on a CPU like Bochs' Skylake-X. */
static const char *vmx_verdict(const struct loader_boot *lb)
{
	const struct vcpu_sregs *s = &lb->sregs;
	struct vmx_guest_snapshot g;
	bool lma = (s->efer & X86_EFER_LME) && (s->cr0 & X86_CR0_PG);

	memset(&g, 0, sizeof(g));
	g.pin = PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;
	g.proc = PROC_ACTIVATE_SECONDARY_CONTROLS;
	g.proc2 = PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST;
	g.exit_ctl = EXIT_HOST_ADDRESS_SPACE_SIZE | EXIT_LOAD_IA32_EFER;
	g.entry = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT |
		  (lma ? ENTRY_IA32E_MODE_GUEST : 0);
	g.cr0_fixed0 = 0x80000021;
	g.cr0_fixed1 = 0xffffffff;
	g.cr4_fixed0 = 0x2000;
	g.cr4_fixed1 = 0x3727ff;
	g.misc = VMX_MISC_ACTIVITY_HLT | VMX_MISC_ACTIVITY_SHUTDOWN | VMX_MISC_ACTIVITY_WAIT_SIPI;
	g.maxphyaddr = 39;
	g.cr0 = (s->cr0 | (g.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG))) & g.cr0_fixed1;
	g.cr4 = (s->cr4 | g.cr4_fixed0 | X86_CR4_VMXE) & g.cr4_fixed1;
	g.cr3 = s->cr3;
	g.dr7 = s->dr7;
	g.efer = lma ? s->efer | X86_EFER_LMA : s->efer & ~X86_EFER_LMA;
	g.pat = s->pat;
	for (int i = 0; i < SEG_COUNT; i++)
		g.seg[i] = (struct vmx_check_segment){ s->seg[i].selector, s->seg[i].base,
						       s->seg[i].limit,
						       s->seg[i].ar ? s->seg[i].ar : SEG_AR_UNUSABLE };
	g.seg[VMX_SEG_LDTR] = (struct vmx_check_segment){ s->ldtr.selector, s->ldtr.base,
							  s->ldtr.limit,
							  s->ldtr.ar ? s->ldtr.ar : SEG_AR_UNUSABLE };
	g.seg[VMX_SEG_TR] = (struct vmx_check_segment){ s->tr.selector, s->tr.base, s->tr.limit,
							s->tr.ar };
	g.gdtr_base = s->gdtr.base;
	g.gdtr_limit = s->gdtr.limit;
	g.idtr_base = s->idtr.base;
	g.idtr_limit = s->idtr.limit;
	g.rip = lb->rip;
	g.rflags = lb->rflags;
	g.link_pointer = ~0ULL;
	return vmx_check_guest_state(&g);
}

static struct vmcb vmcb;

static const char *svm_verdict(const struct loader_boot *lb)
{
	static const struct svm_check_env env = {
		.phys_bits = 48, .long_mode = true, .npt = true,
		.cr4_allowed = 0x7ff | X86_CR4_LA57 | BIT(16) | BIT(17) | BIT(18) |
			       X86_CR4_SMEP | X86_CR4_SMAP,
		.efer_allowed = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE |
				X86_EFER_SVME,
	};
	struct svm_control_params p = { .iopm_pa = 0x10000, .msrpm_pa = 0x20000, .asid = 3,
					.n_cr3 = 0x30000 };

	memset(&vmcb, 0, sizeof(vmcb));
	svm_vmcb_init_control(&vmcb, &p);
	svm_vmcb_set_sregs(&vmcb, &lb->sregs, lb->rflags);
	vmcb.save.rip = lb->rip;
	return svm_check_vmcb(&vmcb, &env);
}

static void check_entry(const char *what)
{
	char name[128];
	const char *v = vmx_verdict(&b), *s = svm_verdict(&b);

	snprintf(name, sizeof(name), "%s: the start state passes the VMX entry checks", what);
	unit_check(!v, name, "%s", v ? v : "");
	snprintf(name, sizeof(name), "%s: the start state passes the VMRUN checks", what);
	unit_check(!s, name, "%s", s ? s : "");
}

/* Walks the guest's 4-level tables (2 MiB pages only) at CR3; ~0 when not mapped. */
static u64 translate(u64 cr3, u64 va)
{
	u64 e = rd64((cr3 & ~0xfffULL) + ((va >> 39) & 511) * 8);

	if (!(e & 1))
		return ~0ULL;
	e = rd64((e & 0xffffffffff000ULL) + ((va >> 30) & 511) * 8);
	if (!(e & 1) || (e & 0x80))
		return ~0ULL;
	e = rd64((e & 0xffffffffff000ULL) + ((va >> 21) & 511) * 8);
	if (!(e & 1) || !(e & 0x80) || !(e & 2))
		return ~0ULL;
	return (e & 0xfffffffe00000ULL) + (va & 0x1fffff);
}

/* The cached segment state matches the GDT descriptor its selector names. */
static bool matches_gdt(const struct segment *sg)
{
	u64 d = rd64(b.sregs.gdtr.base + (sg->selector & ~7u));
	u32 ar = (u32)((d >> 40) & 0xf0ff);
	u32 limit = (u32)((d & 0xffff) | ((d >> 32) & 0xf0000));

	if (d >> 55 & 1)
		limit = limit << 12 | 0xfff;
	return sg->selector + 7u <= b.sregs.gdtr.limit && ar == sg->ar && limit == sg->limit &&
	       sg->base == 0 && ((d >> 16) & 0xffffff) == 0 && (d >> 56) == 0;
}

/* ------------------------------------------------------------ e820 */

static void test_e820(void)
{
	struct e820_entry map[E820_MAX];
	static const struct e820_entry want[] = {
		{ 0, 0x9f000, E820_RAM },
		{ 0x9f000, 0x61000, E820_RESERVED },
		{ 0x100000, MiB(128) - 0x100000, E820_RAM },
		{ PLAT_ECAM_GPA, PLAT_ECAM_SIZE, E820_RESERVED },
		{ PLAT_IOAPIC_GPA, 0x1000, E820_RESERVED },
		{ PLAT_LAPIC_GPA, 0x1000, E820_RESERVED },
		{ GiB(4), GiB(1), E820_RAM },
	};
	int n;
	bool same = true;

	/* RAM in three touching chunks, the hole, RAM above 4 GiB: as vm_build_memory() may make it. */
	guest_mem_init(&gm);
	guest_mem_add(&gm, 0, MiB(32), GUEST_RAM, 0x10000000, "ram");
	guest_mem_add(&gm, MiB(32), MiB(64), GUEST_RAM, 0x20000000, "ram");
	guest_mem_add(&gm, MiB(96), MiB(32), GUEST_RAM, 0x30000000, "ram");
	guest_mem_add(&gm, PLAT_PCI_HOLE, GiB(4) - PLAT_PCI_HOLE, GUEST_MMIO, 0, "pci-hole");
	guest_mem_add(&gm, GiB(4), GiB(1), GUEST_RAM, 0x40000000, "ram");
	n = e820_build(&gm, map, E820_MAX);
	CHECK_INT("e820: 7 entries", n, 7);
	for (int i = 0; i < n && i < 7; i++)
		same = same && map[i].addr == want[i].addr && map[i].size == want[i].size &&
		       map[i].type == want[i].type;
	CHECK("e820: low RAM, BIOS area, RAM from 1 MiB (chunks merged), ECAM, IOAPIC, LAPIC, "
	      "high RAM", same);
	CHECK_INT("e820: no room", e820_build(&gm, map, 6), -ENOSPC);
	CHECK("e820: is_ram inside an entry", e820_is_ram(map, 7, 0x100000, MiB(127)));
	CHECK("e820: is_ram not across the BIOS area", !e820_is_ram(map, 7, 0x9e000, 0x2000));
	CHECK("e820: is_ram not for reserved", !e820_is_ram(map, 7, 0xe0000, 0x10));
	CHECK("e820: is_ram not past the end", !e820_is_ram(map, 7, MiB(128) - 0x1000, 0x1001));
	CHECK("e820: is_ram refuses size 0", !e820_is_ram(map, 7, 0x100000, 0));
	CHECK("e820: is_ram refuses a wrapping range", !e820_is_ram(map, 7, ~0ULL - 5, 0x10));
	CHECK_U64("e820: end of low RAM", e820_ram_end(map, 7, 0x100000), MiB(128));
	CHECK_U64("e820: end of conventional memory", e820_ram_end(map, 7, 0), 0x9f000);
	CHECK_U64("e820: not RAM", e820_ram_end(map, 7, 0xa0000), 0);

	/* 3 GiB of RAM ends where the hole starts; RAM overlapping a reserved range is cut. */
	guest_mem_init(&gm);
	guest_mem_add(&gm, 0, GiB(3), GUEST_RAM, 0x10000000, "ram");
	guest_mem_add(&gm, PLAT_ECAM_GPA, MiB(2), GUEST_RAM, 0x10000000, "odd");
	n = e820_build(&gm, map, E820_MAX);
	CHECK_INT("e820: RAM under ECAM: 7 entries", n, 7);
	CHECK("e820: 3 GiB of low RAM", n >= 3 && map[2].addr == 0x100000 &&
	      map[2].size == GiB(3) - 0x100000 && map[2].type == E820_RAM);
	CHECK("e820: RAM after the ECAM range", n >= 5 && map[3].addr == PLAT_ECAM_GPA &&
	      map[3].type == E820_RESERVED && map[4].addr == PLAT_ECAM_GPA + PLAT_ECAM_SIZE &&
	      map[4].size == MiB(2) - PLAT_ECAM_SIZE && map[4].type == E820_RAM);
}

/* ------------------------------------------------------------ bzImage */

#define BZ_SETUP_SECTS	4
#define BZ_PM_OFF	((BZ_SETUP_SECTS + 1) * 512)
#define BZ_PM_SIZE	0x3000
static u8 bz[BZ_PM_OFF + BZ_PM_SIZE + 64];
static u64 bz_size;

static void make_bzimage(void)
{
	memset(bz, 0, sizeof(bz));
	bz[0x1f1] = BZ_SETUP_SECTS;
	put32(bz + 0x1f4, BZ_PM_SIZE / 16);		/* syssize */
	put16(bz + 0x1fe, 0xaa55);
	bz[0x200] = 0xeb;
	bz[0x201] = 0x6a;				/* the header ends at 0x26c */
	memcpy(bz + 0x202, "HdrS", 4);
	put16(bz + 0x206, 0x020f);
	bz[0x211] = LINUX_LOADED_HIGH;
	put32(bz + 0x22c, 0x7fffffff);			/* initrd_addr_max */
	put32(bz + 0x230, 0x200000);			/* kernel_alignment */
	bz[0x234] = 1;					/* relocatable */
	put16(bz + 0x236, LINUX_XLF_KERNEL_64 | LINUX_XLF_CAN_BE_LOADED_ABOVE_4G);
	put32(bz + 0x238, 2047);			/* cmdline_size */
	put64(bz + 0x250, 0xdeadbeef);			/* setup_data: must not be passed on */
	put64(bz + 0x258, 0x1000000);			/* pref_address */
	put32(bz + 0x260, 0x800000);			/* init_size */
	for (u32 i = 0; i < BZ_PM_SIZE; i++)
		bz[BZ_PM_OFF + i] = (u8)(i * 7 + 1);
	memcpy(bz + BZ_PM_OFF + BZ_PM_SIZE, "SIGNATURE", 9);	/* beyond syssize: not loaded */
	bz_size = BZ_PM_OFF + BZ_PM_SIZE + 64;
}

static void test_bzimage_good(void)
{
	const char *cmd = "console=ttyS0 earlyprintk=serial";
	const u64 bp = PLAT_BOOT_INFO;
	u64 rd;
	bool same = true;
	u32 n;

	ram_setup(MiB(64));
	make_bzimage();
	for (u32 i = 0; i < sizeof(initrd_data); i++)
		initrd_data[i] = (u8)(i ^ 0x5a);
	LOADED("bzImage: loads", boot(bz, bz_size, initrd_data, sizeof(initrd_data), cmd));
	CHECK_STR("bzImage: format", b.format, "Linux bzImage");
	CHECK("bzImage: protected-mode kernel at pref_address",
	      !memcmp(ram + 0x1000000, bz + BZ_PM_OFF, BZ_PM_SIZE));
	CHECK("bzImage: nothing beyond syssize is loaded", rd8(0x1000000 + BZ_PM_SIZE) == 0xa5);
	CHECK_U64("bzImage: RIP = load address + 0x200", b.rip, 0x1000200);
	CHECK_U64("bzImage: RSI = boot_params", b.gpr[GPR_RSI], PLAT_BOOT_INFO);
	CHECK_U64("bzImage: RFLAGS: interrupts off", b.rflags, 2);
	CHECK("bzImage: CR0 PE and PG", (b.sregs.cr0 & (X86_CR0_PE | X86_CR0_PG)) ==
	      (X86_CR0_PE | X86_CR0_PG));
	CHECK("bzImage: CR4 PAE", b.sregs.cr4 & X86_CR4_PAE);
	CHECK_U64("bzImage: EFER LME and LMA", b.sregs.efer, X86_EFER_LME | X86_EFER_LMA);
	CHECK_U64("bzImage: CR3", b.sregs.cr3, PLAT_BOOT_PAGE_TABLES);
	CHECK_INT("bzImage: CS = __BOOT_CS", b.sregs.seg[SEG_CS].selector, LINUX_BOOT_CS);
	CHECK("bzImage: CS is 64-bit code", (b.sregs.seg[SEG_CS].ar & SEG_AR_L) &&
	      !(b.sregs.seg[SEG_CS].ar & SEG_AR_DB));
	CHECK("bzImage: DS, ES, SS = __BOOT_DS", b.sregs.seg[SEG_DS].selector == LINUX_BOOT_DS &&
	      b.sregs.seg[SEG_ES].selector == LINUX_BOOT_DS &&
	      b.sregs.seg[SEG_SS].selector == LINUX_BOOT_DS);
	CHECK("bzImage: CS matches the GDT", matches_gdt(&b.sregs.seg[SEG_CS]));
	CHECK("bzImage: DS matches the GDT", matches_gdt(&b.sregs.seg[SEG_DS]));
	CHECK("bzImage: identity map at 0", translate(b.sregs.cr3, 0) == 0);
	CHECK("bzImage: identity map at the entry", translate(b.sregs.cr3, b.rip) == b.rip);
	CHECK("bzImage: identity map at 3 GiB - 1", translate(b.sregs.cr3, GiB(3) - 1) ==
	      GiB(3) - 1);
	CHECK("bzImage: identity map at 4 GiB - 1", translate(b.sregs.cr3, GiB(4) - 1) ==
	      GiB(4) - 1);
	CHECK("bzImage: nothing mapped at 4 GiB", translate(b.sregs.cr3, GiB(4)) == ~0ULL);
	CHECK("bzImage: page tables below 0x9f000, clear of boot_params and the command line",
	      PLAT_BOOT_PAGE_TABLES >= PLAT_BOOT_CMDLINE + PLAT_BOOT_CMDLINE_SIZE &&
	      PLAT_BOOT_PAGE_TABLES + 6 * 4096 <= PLAT_BOOT_END);
	check_entry("bzImage");

	/* boot_params */
	CHECK_INT("bzImage: boot_params: setup header copied (version)", rd16(bp + 0x206), 0x020f);
	CHECK("bzImage: boot_params: setup header copied (HdrS)", rd32(bp + 0x202) == 0x53726448);
	CHECK_INT("bzImage: boot_params: zeroed before the header", rd32(bp + 0x100), 0);
	CHECK_INT("bzImage: boot_params: zeroed after the e820 table", rd32(bp + 0xff0), 0);
	CHECK_INT("bzImage: boot_params: type_of_loader", rd8(bp + 0x210), 0xff);
	CHECK_INT("bzImage: boot_params: loadflags LOADED_HIGH and CAN_USE_HEAP", rd8(bp + 0x211),
		  LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
	CHECK("bzImage: boot_params: heap_end_ptr set", rd16(bp + 0x224) != 0);
	CHECK_U64("bzImage: boot_params: cmd_line_ptr", rd32(bp + 0x228), PLAT_BOOT_CMDLINE);
	CHECK_U64("bzImage: boot_params: ext_cmd_line_ptr", rd32(bp + 0xc8), 0);
	CHECK("bzImage: command line", !memcmp(ram + PLAT_BOOT_CMDLINE, cmd, strlen(cmd) + 1));
	CHECK_U64("bzImage: boot_params: setup_data cleared", rd64(bp + 0x250), 0);
	CHECK_U64("bzImage: boot_params: acpi_rsdp_addr", rd64(bp + 0x70), PLAT_ACPI_GPA);
	rd = rd32(bp + 0x218) | (u64)rd32(bp + 0xc0) << 32;
	CHECK_U64("bzImage: initrd page-aligned at the top of RAM", rd,
		  (MiB(64) - sizeof(initrd_data)) & ~0xfffULL);
	CHECK_U64("bzImage: ramdisk_size", rd32(bp + 0x21c) | (u64)rd32(bp + 0xc4) << 32,
		  sizeof(initrd_data));
	CHECK("bzImage: initrd contents", rd + sizeof(initrd_data) <= ram_size &&
	      !memcmp(ram + rd, initrd_data, sizeof(initrd_data)));
	n = rd8(bp + 0x1e8);
	CHECK_INT("bzImage: e820_entries", n, 6);
	for (u32 i = 0; i < n && i < b.e820_count; i++)
		same = same && rd64(bp + 0x2d0 + 20 * i) == b.e820[i].addr &&
		       rd64(bp + 0x2d0 + 20 * i + 8) == b.e820[i].size &&
		       rd32(bp + 0x2d0 + 20 * i + 16) == b.e820[i].type;
	CHECK("bzImage: e820_table is the VM's map", same && n == b.e820_count);
	CHECK("bzImage: e820: RAM from 1 MiB to 64 MiB", rd64(bp + 0x2d0 + 40) == 0x100000 &&
	      rd64(bp + 0x2d0 + 48) == MiB(63) && rd32(bp + 0x2d0 + 56) == E820_RAM);

	/* Without an initrd, an older protocol (no acpi_rsdp_addr), not relocatable. */
	make_bzimage();
	put16(bz + 0x206, 0x020c);
	bz[0x234] = 0;
	LOADED("bzImage 2.12, not relocatable: loads", boot(bz, bz_size, NULL, 0, ""));
	CHECK_U64("bzImage not relocatable: at 1 MiB", b.rip, 0x100200);
	CHECK("bzImage not relocatable: kernel at 1 MiB",
	      !memcmp(ram + 0x100000, bz + BZ_PM_OFF, BZ_PM_SIZE));
	CHECK_U64("bzImage 2.12: no acpi_rsdp_addr", rd64(bp + 0x70), 0);
	CHECK_U64("bzImage without initrd: ramdisk_image 0", rd32(bp + 0x218), 0);
	CHECK_U64("bzImage without initrd: ramdisk_size 0", rd32(bp + 0x21c), 0);
	CHECK_INT("bzImage: empty command line", rd8(PLAT_BOOT_CMDLINE), 0);

	/* pref_address unusable (not aligned): the lowest aligned address above 1 MiB. */
	make_bzimage();
	put64(bz + 0x258, 0x1000100);
	LOADED("bzImage unaligned pref_address: loads", boot(bz, bz_size, NULL, 0, ""));
	CHECK_U64("bzImage unaligned pref_address: at 2 MiB", b.rip, 0x200200);

	/* The initrd stays below initrd_addr_max without XLF_CAN_BE_LOADED_ABOVE_4G. */
	make_bzimage();
	put16(bz + 0x236, LINUX_XLF_KERNEL_64);
	put32(bz + 0x22c, 0x2ffffff);
	LOADED("bzImage initrd_addr_max: loads", boot(bz, bz_size, initrd_data,
						      sizeof(initrd_data), ""));
	rd = rd32(bp + 0x218);
	CHECK_U64("bzImage initrd_addr_max: initrd ends below it", rd,
		  (0x3000000 - sizeof(initrd_data)) & ~0xfffULL);
	/* A header claiming to run past boot_params' room for it is cut at 0x290. */
	make_bzimage();
	bz[0x201] = 0xff;
	bz[0x28f] = 0x66;
	bz[0x290] = 0x77;
	LOADED("bzImage header ending at 0x301: loads", boot(bz, bz_size, NULL, 0, ""));
	CHECK("bzImage long header: copied up to 0x290, not beyond",
	      rd8(bp + 0x28f) == 0x66 && rd8(bp + 0x290) == 0);
	/* The kernel's command-line limit. */
	make_bzimage();
	put32(bz + 0x238, 12);
	LOADED("bzImage: a command line of cmdline_size bytes", boot(bz, bz_size, NULL, 0,
								    "console=ttyS"));
}

static void test_bzimage_bad(void)
{
	static u8 big_initrd[1];
	u64 cut[] = { 0x206, 0x207, 0x240, 0x26b, BZ_PM_OFF, BZ_PM_OFF + 0x100,
		      BZ_PM_OFF + BZ_PM_SIZE - 0x100 };

	ram_setup(MiB(64));
	for (u32 i = 0; i < ARRAY_SIZE(cut); i++) {
		char name[64];

		make_bzimage();
		snprintf(name, sizeof(name), "bzImage truncated at 0x%llx", (unsigned long long)cut[i]);
		if (cut[i] < 0x206)
			REFUSED(name, boot(bz, cut[i], NULL, 0, ""), "unsupported format", false);
		else
			REFUSED(name, boot(bz, cut[i], NULL, 0, ""), "truncated", false);
	}
	make_bzimage();
	REFUSED("bzImage shorter than HdrS: unsupported", boot(bz, 0x205, NULL, 0, ""),
		"unsupported format", false);
	make_bzimage();
	memcpy(bz + 0x202, "HdrZ", 4);
	REFUSED("bzImage bad magic: unsupported", boot(bz, bz_size, NULL, 0, ""),
		"unsupported format", false);
	make_bzimage();
	put16(bz + 0x206, 0x020b);
	REFUSED("bzImage protocol 2.11", boot(bz, bz_size, NULL, 0, ""), "older than 2.12", false);
	make_bzimage();
	put16(bz + 0x236, LINUX_XLF_CAN_BE_LOADED_ABOVE_4G);
	REFUSED("bzImage without XLF_KERNEL_64", boot(bz, bz_size, NULL, 0, ""), "64-bit entry",
		false);
	make_bzimage();
	put16(bz + 0x1fe, 0x55aa);
	REFUSED("bzImage bad boot_flag", boot(bz, bz_size, NULL, 0, ""), "boot_flag", false);
	make_bzimage();
	bz[0x211] = 0;
	REFUSED("zImage (loads low)", boot(bz, bz_size, NULL, 0, ""), "zImage", false);
	make_bzimage();
	bz[0x201] = 0x60;
	REFUSED("bzImage header too short for 2.12", boot(bz, bz_size, NULL, 0, ""),
		"before the fields", false);
	make_bzimage();
	put32(bz + 0x230, 0x300000);
	REFUSED("bzImage kernel_alignment not a power of two", boot(bz, bz_size, NULL, 0, ""),
		"power of two", false);
	make_bzimage();
	put32(bz + 0x260, 0x4000000);
	REFUSED("bzImage init_size beyond RAM", boot(bz, bz_size, NULL, 0, ""), "init_size", false);
	make_bzimage();
	put64(bz + 0x258, 0xfffffffffff00000ULL);
	REFUSED("bzImage pref_address near 2^64 (wraps)", boot(bz, bz_size, NULL, 0, ""), "wraps",
		false);
	make_bzimage();
	put64(bz + 0x258, GiB(3));
	REFUSED("bzImage pref_address in the PCI hole", boot(bz, bz_size, NULL, 0, ""),
		"not inside the VM's RAM", false);
	make_bzimage();
	put32(bz + 0x238, 11);
	REFUSED("bzImage command line over cmdline_size", boot(bz, bz_size, NULL, 0, "console=ttyS"),
		"command line is 12 bytes", false);
	make_bzimage();
	REFUSED("bzImage initrd too big", boot(bz, bz_size, big_initrd, MiB(60), ""),
		"do not fit", true);
	make_bzimage();
	REFUSED("bzImage empty initrd", boot(bz, bz_size, big_initrd, 0, ""), "empty", true);
	make_bzimage();
	put16(bz + 0x236, LINUX_XLF_KERNEL_64);
	put32(bz + 0x22c, 0x1000000 + 0x800000 + 0x1000);
	REFUSED("bzImage initrd above initrd_addr_max", boot(bz, bz_size, initrd_data,
							     sizeof(initrd_data), ""),
		"do not fit", true);
	make_bzimage();
	put32(bz + 0x1f4, 0xffffffff);
	REFUSED("bzImage syssize beyond the file", boot(bz, bz_size, NULL, 0, ""), "truncated",
		false);
	make_bzimage();
	bz[0x1f1] = 0xff;
	REFUSED("bzImage setup_sects beyond the file", boot(bz, bz_size, NULL, 0, ""), "truncated",
		false);
	/* A VM too small for the kernel at 16 MiB. */
	ram_setup(MiB(16));
	make_bzimage();
	REFUSED("bzImage in a 16 MiB VM", boot(bz, bz_size, NULL, 0, ""), "not inside", false);
}

/* ------------------------------------------------------------ ELF builders */

#define ELF_BUF 0x3000
static u8 elf[ELF_BUF];
static u64 elf_size;

struct seg_spec {
	u32 type;
	u64 offset, vaddr, paddr, filesz, memsz;
};

/* An ET_EXEC image: header, program headers at 64 (ELF64) or 52 (ELF32), nothing else. */
static void make_elf(bool is64, u16 machine, u64 entry, const struct seg_spec *s, u32 n)
{
	memset(elf, 0, sizeof(elf));
	memcpy(elf, "\x7f" "ELF", 4);
	elf[4] = is64 ? 2 : 1;
	elf[5] = 1;
	elf[6] = 1;
	put16(elf + 16, 2);
	put16(elf + 18, machine);
	put32(elf + 20, 1);
	if (is64) {
		put64(elf + 24, entry);
		put64(elf + 32, 64);
		put16(elf + 52, 64);
		put16(elf + 54, 56);
		put16(elf + 56, (u16)n);
		for (u32 i = 0; i < n; i++) {
			u8 *p = elf + 64 + 56 * i;

			put32(p, s[i].type);
			put32(p + 4, 5);
			put64(p + 8, s[i].offset);
			put64(p + 16, s[i].vaddr);
			put64(p + 24, s[i].paddr);
			put64(p + 32, s[i].filesz);
			put64(p + 40, s[i].memsz);
			put64(p + 48, 0x1000);
		}
	} else {
		put32(elf + 24, (u32)entry);
		put32(elf + 28, 52);
		put16(elf + 40, 52);
		put16(elf + 42, 32);
		put16(elf + 44, (u16)n);
		for (u32 i = 0; i < n; i++) {
			u8 *p = elf + 52 + 32 * i;

			put32(p, s[i].type);
			put32(p + 4, (u32)s[i].offset);
			put32(p + 8, (u32)s[i].vaddr);
			put32(p + 12, (u32)s[i].paddr);
			put32(p + 16, (u32)s[i].filesz);
			put32(p + 20, (u32)s[i].memsz);
			put32(p + 24, 5);
			put32(p + 28, 0x1000);
		}
	}
	for (u32 i = 0x800; i < ELF_BUF; i++)
		elf[i] = (u8)(i * 13 + 3);
	elf_size = ELF_BUF;
}

/* Writes a note at off; returns the offset after it. */
static u32 put_note(u32 off, const char *name, u32 type, const void *desc, u32 dsz)
{
	u32 nsz = (u32)strlen(name) + 1;

	put32(elf + off, nsz);
	put32(elf + off + 4, dsz);
	put32(elf + off + 8, type);
	memset(elf + off + 12, 0, ((nsz + 3) & ~3u) + ((dsz + 3) & ~3u));
	memcpy(elf + off + 12, name, nsz);
	memcpy(elf + off + 12 + ((nsz + 3) & ~3u), desc, dsz);
	return off + 12 + ((nsz + 3) & ~3u) + ((dsz + 3) & ~3u);
}

/* ------------------------------------------------------------ PVH */

#define PVH_TEXT	0x1000000ULL
#define PVH_DATA	0x1200000ULL
#define PVH_ENTRY	(PVH_TEXT + 0x10)

/* Two loadable segments (the second with bss) and a note segment at 0x400. */
static void make_pvh(bool is64, u64 entry, u32 desc_size)
{
	struct seg_spec s[3] = {
		{ ELF_PT_LOAD, 0x800, 0xffffffff81000000ULL, PVH_TEXT, 0x800, 0x800 },
		{ ELF_PT_LOAD, 0x1000, 0xffffffff81200000ULL, PVH_DATA, 0x1000, 0x5000 },
		{ ELF_PT_NOTE, 0x400, 0, 0, 0, 0 },
	};
	u8 desc[8];
	u32 end;

	put64(desc, entry);
	make_elf(is64, is64 ? ELF_EM_X86_64 : ELF_EM_386, 0xffffffff81000000ULL, s, 3);
	end = put_note(0x400, "GNU", 3, "buildid!", 8);
	end = put_note(end, "Xen", 6, "linux", 6);
	end = put_note(end, "Xen", PVH_ELFNOTE_PHYS32_ENTRY, desc, desc_size);
	s[2].filesz = end - 0x400;
	if (is64)
		put64(elf + 64 + 2 * 56 + 32, s[2].filesz);
	else
		put32(elf + 52 + 2 * 32 + 16, (u32)s[2].filesz);
}

static u64 pvh_phdr(u32 i, u32 field64)
{
	return 64 + 56 * i + field64;
}

static void test_pvh_good(void)
{
	const u64 si = PLAT_BOOT_INFO;
	const char *cmd = "console=hvc0 root=/dev/vda";
	u64 ml, mm;
	bool same = true;

	ram_setup(MiB(64));
	make_pvh(true, PVH_ENTRY, 8);
	LOADED("PVH: loads", boot(elf, elf_size, initrd_data, sizeof(initrd_data), cmd));
	CHECK_STR("PVH: format", b.format, "PVH ELF");
	CHECK("PVH: text segment at p_paddr", !memcmp(ram + PVH_TEXT, elf + 0x800, 0x800));
	CHECK("PVH: data segment at p_paddr", !memcmp(ram + PVH_DATA, elf + 0x1000, 0x1000));
	CHECK("PVH: bss zeroed", ram[PVH_DATA + 0x1000] == 0 && ram[PVH_DATA + 0x4fff] == 0);
	CHECK("PVH: nothing after the segment", ram[PVH_DATA + 0x5000] == 0xa5);
	CHECK_U64("PVH: RIP = the note's entry", b.rip, PVH_ENTRY);
	CHECK_U64("PVH: EBX = start_info", b.gpr[GPR_RBX], PLAT_BOOT_INFO);
	CHECK_U64("PVH: CR0 = PE (paging off)", b.sregs.cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE);
	CHECK_U64("PVH: CR4 0", b.sregs.cr4, 0);
	CHECK_U64("PVH: EFER 0", b.sregs.efer, 0);
	CHECK_U64("PVH: RFLAGS: IF, TF, VM clear", b.rflags, 2);
	CHECK("PVH: CS 32-bit flat code", (b.sregs.seg[SEG_CS].ar & (SEG_AR_DB | SEG_AR_L)) ==
	      SEG_AR_DB && b.sregs.seg[SEG_CS].limit == 0xffffffff &&
	      b.sregs.seg[SEG_CS].base == 0 && (b.sregs.seg[SEG_CS].ar & 0xf) == 0xb);
	CHECK("PVH: DS, ES, SS flat data", b.sregs.seg[SEG_DS].limit == 0xffffffff &&
	      (b.sregs.seg[SEG_SS].ar & 0xf) == 3 && b.sregs.seg[SEG_ES].base == 0);
	CHECK("PVH: CS matches the GDT", matches_gdt(&b.sregs.seg[SEG_CS]));
	CHECK("PVH: SS matches the GDT", matches_gdt(&b.sregs.seg[SEG_SS]));
	check_entry("PVH");
	CHECK_U64("PVH: start_info magic", rd32(si), PVH_START_MAGIC);
	CHECK_U64("PVH: start_info version", rd32(si + 4), 1);
	CHECK_U64("PVH: start_info nr_modules", rd32(si + 12), 1);
	CHECK_U64("PVH: start_info cmdline_paddr", rd64(si + 24), PLAT_BOOT_CMDLINE);
	CHECK("PVH: command line", !memcmp(ram + PLAT_BOOT_CMDLINE, cmd, strlen(cmd) + 1));
	CHECK_U64("PVH: start_info rsdp_paddr", rd64(si + 32), PLAT_ACPI_GPA);
	ml = rd64(si + 16);
	CHECK_U64("PVH: module 0 is the initrd, page-aligned at the top", rd64(ml),
		  (MiB(64) - sizeof(initrd_data)) & ~0xfffULL);
	CHECK_U64("PVH: module 0 size", rd64(ml + 8), sizeof(initrd_data));
	CHECK("PVH: initrd contents", !memcmp(ram + rd64(ml), initrd_data, sizeof(initrd_data)));
	mm = rd64(si + 40);
	CHECK_U64("PVH: memmap entries", rd32(si + 48), b.e820_count);
	for (u32 i = 0; i < b.e820_count; i++)
		same = same && rd64(mm + 24 * i) == b.e820[i].addr &&
		       rd64(mm + 24 * i + 8) == b.e820[i].size &&
		       rd32(mm + 24 * i + 16) == b.e820[i].type && rd32(mm + 24 * i + 20) == 0;
	CHECK("PVH: memmap is the VM's e820 map", same && b.e820_count == 6);
	CHECK("PVH: boot structures below the kernel and clear of each other",
	      mm + 24 * b.e820_count <= PLAT_BOOT_INFO + PLAT_BOOT_INFO_SIZE &&
	      ml >= si + 56 && ml + 32 <= mm);

	/* ELF32 with a 4-byte entry note, no initrd. */
	make_pvh(false, PVH_ENTRY, 4);
	LOADED("PVH ELF32: loads", boot(elf, elf_size, NULL, 0, ""));
	CHECK_U64("PVH ELF32: RIP", b.rip, PVH_ENTRY);
	CHECK_U64("PVH without initrd: nr_modules 0", rd32(si + 12), 0);
}

static void test_pvh_bad(void)
{
	u64 cut[] = { 3, 20, 60, 100, 0x420, 0x900, 0x1800 };

	ram_setup(MiB(64));
	for (u32 i = 0; i < ARRAY_SIZE(cut); i++) {
		char name[64];

		make_pvh(true, PVH_ENTRY, 8);
		snprintf(name, sizeof(name), "PVH truncated at 0x%llx", (unsigned long long)cut[i]);
		REFUSED(name, boot(elf, cut[i], NULL, 0, ""),
			cut[i] < 4 ? "unsupported format" : cut[i] < 0x420 ? "ELF" : "beyond the end",
			false);
	}
	make_pvh(true, PVH_ENTRY, 8);
	put16(elf + 56, 0);
	REFUSED("PVH phnum 0", boot(elf, elf_size, NULL, 0, ""), "program header count", false);
	make_pvh(true, PVH_ENTRY, 8);
	put16(elf + 56, 0xffff);
	REFUSED("PVH phnum 0xffff", boot(elf, elf_size, NULL, 0, ""), "program header count", false);
	make_pvh(true, PVH_ENTRY, 8);
	put16(elf + 56, 100);
	REFUSED("PVH phnum past the file", boot(elf, 0x1000, NULL, 0, ""), "program header table",
		false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + 32, 0x2ff0);
	REFUSED("PVH phoff past the file", boot(elf, elf_size, NULL, 0, ""), "program header table",
		false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + 32, 0xffffffffffffffc0ULL);
	REFUSED("PVH phoff near 2^64", boot(elf, elf_size, NULL, 0, ""), "program header table",
		false);
	make_pvh(true, PVH_ENTRY, 8);
	put16(elf + 54, 32);
	REFUSED("PVH phentsize wrong", boot(elf, elf_size, NULL, 0, ""), "program header size", false);
	make_pvh(true, PVH_ENTRY, 8);
	elf[5] = 2;
	REFUSED("PVH big-endian", boot(elf, elf_size, NULL, 0, ""), "little-endian", false);
	make_pvh(true, PVH_ENTRY, 8);
	put16(elf + 18, 40);
	REFUSED("PVH for ARM", boot(elf, elf_size, NULL, 0, ""), "not for x86", false);
	make_pvh(true, PVH_ENTRY, 8);
	put16(elf + 16, 3);
	REFUSED("PVH ET_DYN", boot(elf, elf_size, NULL, 0, ""), "ET_EXEC", false);
	make_pvh(true, PVH_ENTRY, 8);
	elf[4] = 3;
	REFUSED("PVH bad class", boot(elf, elf_size, NULL, 0, ""), "class", false);

	/* The note. */
	{
		struct seg_spec s[1] = { { ELF_PT_LOAD, 0x800, PVH_TEXT, PVH_TEXT, 0x800, 0x800 } };

		make_elf(true, ELF_EM_X86_64, PVH_TEXT, s, 1);
		REFUSED("ELF without PVH note or Multiboot header", boot(elf, elf_size, NULL, 0, ""),
			"neither a PVH entry note nor a Multiboot header", false);
		memset(&b, 0, sizeof(b));
		b.mem = &gm;
		b.kernel = elf;
		b.kernel_size = elf_size;
		b.cmdline = "";
		b.e820_count = (u32)e820_build(&gm, b.e820, E820_MAX);
		b.low_ram_end = MiB(64);
		REFUSED("PVH loader without the note", loader_pvh_boot(&b), "no PVH entry note", false);
	}
	make_pvh(true, PVH_ENTRY, 3);
	REFUSED("PVH note of 3 bytes", boot(elf, elf_size, NULL, 0, ""), "3-byte", false);
	make_pvh(true, 0x100000000ULL | PVH_ENTRY, 8);
	REFUSED("PVH entry above 4 GiB", boot(elf, elf_size, NULL, 0, ""), "above 4 GiB", false);
	make_pvh(true, PVH_TEXT + 0x900, 8);
	REFUSED("PVH entry outside the segments", boot(elf, elf_size, NULL, 0, ""),
		"outside the loaded segments", false);
	make_pvh(true, PVH_ENTRY, 8);
	put32(elf + 0x400 + 24, 0x7fffffff);		/* the second note's namesz */
	REFUSED("PVH note runs past its segment", boot(elf, elf_size, NULL, 0, ""),
		"note runs past", false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(2, 8), 0x2ff0);
	REFUSED("PVH note segment past the file", boot(elf, elf_size, NULL, 0, ""),
		"beyond the end of the file", false);

	/* The segments. */
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 24), MiB(100));
	REFUSED("PVH segment outside RAM", boot(elf, elf_size, NULL, 0, ""),
		"ELF segment 1 at 0x6400000", false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 24), MiB(64) - 0x1000);
	REFUSED("PVH segment across the end of RAM", boot(elf, elf_size, NULL, 0, ""),
		"not inside the VM's RAM", false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 24), 0x9e000);
	REFUSED("PVH segment overlapping the reserved area", boot(elf, elf_size, NULL, 0, ""),
		"reserved", false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 24), 0xe0000);
	REFUSED("PVH segment on the ACPI tables", boot(elf, elf_size, NULL, 0, ""), "reserved",
		false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 24), 0x2000);
	REFUSED("PVH segment on the boot structures", boot(elf, elf_size, NULL, 0, ""),
		"boot structures", false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 24), 0xfffffffffffff000ULL);
	REFUSED("PVH segment wrapping around", boot(elf, elf_size, NULL, 0, ""), "wraps", false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 40), 0x800);
	REFUSED("PVH filesz > memsz", boot(elf, elf_size, NULL, 0, ""), "more file bytes", false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 8), 0x2800);
	REFUSED("PVH segment file bytes past the end", boot(elf, elf_size, NULL, 0, ""),
		"beyond the end of the file", false);
	make_pvh(true, PVH_ENTRY, 8);
	put64(elf + pvh_phdr(1, 8), 0xfffffffffffff000ULL);
	REFUSED("PVH segment offset near 2^64", boot(elf, elf_size, NULL, 0, ""),
		"beyond the end of the file", false);
	make_pvh(true, PVH_ENTRY, 8);
	put32(elf + pvh_phdr(0, 0), 6);
	put32(elf + pvh_phdr(1, 0), 6);
	REFUSED("PVH without loadable segments", boot(elf, elf_size, NULL, 0, ""),
		"no loadable segment", false);
	make_pvh(true, PVH_ENTRY, 8);
	REFUSED("PVH initrd too big", boot(elf, elf_size, initrd_data, MiB(50), ""), "do not fit",
		true);
	make_pvh(true, PVH_ENTRY, 8);
	{
		static char longline[5000];

		memset(longline, 'x', sizeof(longline) - 1);
		REFUSED("PVH command line longer than its page", boot(elf, elf_size, NULL, 0, longline),
			"command line", false);
	}
}

/* ------------------------------------------------------------ Multiboot */

#define MB_HDR_OFF 0x100

static void put_mb_header(u8 *at, u32 flags, s32 checksum_delta)
{
	put32(at, MB1_HEADER_MAGIC);
	put32(at + 4, flags);
	put32(at + 8, (u32)(0u - MB1_HEADER_MAGIC - flags + (u32)checksum_delta));
}

/* An ELF32 kernel like kvm-unit-tests': one segment, virtual = physical unless told. */
static void make_mb1(u64 vaddr, u64 paddr, u32 flags)
{
	struct seg_spec s[1] = { { ELF_PT_LOAD, 0x800, vaddr, paddr, 0x1000, 0x3000 } };

	make_elf(false, ELF_EM_386, vaddr + 0x20, s, 1);
	put_mb_header(elf + MB_HDR_OFF, flags, 0);
}

static void test_mb1_good(void)
{
	const u64 mbi = PLAT_BOOT_INFO;
	const char *cmd = "testargs -v";
	u64 mods, mmap;
	bool same = true;

	ram_setup(MiB(64));
	make_mb1(0x400000, 0x400000, MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY_INFO);
	LOADED("Multiboot: loads", boot(elf, elf_size, initrd_data, sizeof(initrd_data), cmd));
	CHECK_STR("Multiboot: format", b.format, "Multiboot ELF");
	CHECK("Multiboot: segment loaded", !memcmp(ram + 0x400000, elf + 0x800, 0x1000));
	CHECK("Multiboot: bss zeroed", ram[0x401000] == 0 && ram[0x402fff] == 0);
	CHECK_U64("Multiboot: EAX magic", b.gpr[GPR_RAX], MB1_BOOT_MAGIC);
	CHECK_U64("Multiboot: EBX = multiboot_info", b.gpr[GPR_RBX], PLAT_BOOT_INFO);
	CHECK_U64("Multiboot: RIP = e_entry", b.rip, 0x400020);
	CHECK_U64("Multiboot: CR0 = PE (paging off)", b.sregs.cr0 & (X86_CR0_PE | X86_CR0_PG),
		  X86_CR0_PE);
	CHECK_U64("Multiboot: RFLAGS: IF, VM clear", b.rflags, 2);
	CHECK("Multiboot: flat 32-bit CS", b.sregs.seg[SEG_CS].limit == 0xffffffff &&
	      (b.sregs.seg[SEG_CS].ar & SEG_AR_DB) && matches_gdt(&b.sregs.seg[SEG_CS]));
	CHECK("Multiboot: flat data segments", matches_gdt(&b.sregs.seg[SEG_DS]) &&
	      matches_gdt(&b.sregs.seg[SEG_ES]) && matches_gdt(&b.sregs.seg[SEG_FS]) &&
	      matches_gdt(&b.sregs.seg[SEG_GS]) && matches_gdt(&b.sregs.seg[SEG_SS]));
	check_entry("Multiboot");
	CHECK_U64("Multiboot: info flags", rd32(mbi), MB1_INFO_MEMORY | MB1_INFO_CMDLINE |
		  MB1_INFO_MODS | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME);
	CHECK_U64("Multiboot: mem_lower (KiB)", rd32(mbi + 4), 0x9f000 / 1024);
	CHECK_U64("Multiboot: mem_upper (KiB)", rd32(mbi + 8), 63 * 1024);
	CHECK_U64("Multiboot: cmdline", rd32(mbi + 16), PLAT_BOOT_CMDLINE);
	CHECK("Multiboot: command line", !memcmp(ram + PLAT_BOOT_CMDLINE, cmd, strlen(cmd) + 1));
	CHECK_U64("Multiboot: mods_count", rd32(mbi + 20), 1);
	mods = rd32(mbi + 24);
	CHECK_U64("Multiboot: module 0 page-aligned at the top", rd32(mods),
		  (MiB(64) - sizeof(initrd_data)) & ~0xfffULL);
	CHECK_U64("Multiboot: module 0 end", rd32(mods + 4), rd32(mods) + sizeof(initrd_data));
	CHECK_U64("Multiboot: module 0 string is the command line", rd32(mods + 8),
		  PLAT_BOOT_CMDLINE);
	CHECK("Multiboot: module contents", !memcmp(ram + rd32(mods), initrd_data,
						    sizeof(initrd_data)));
	mmap = rd32(mbi + 48);
	CHECK_U64("Multiboot: mmap_length", rd32(mbi + 44), 24 * b.e820_count);
	for (u32 i = 0; i < b.e820_count; i++)
		same = same && rd32(mmap + 24 * i) == 20 && rd64(mmap + 24 * i + 4) == b.e820[i].addr &&
		       rd64(mmap + 24 * i + 12) == b.e820[i].size &&
		       rd32(mmap + 24 * i + 20) == b.e820[i].type;
	CHECK("Multiboot: mmap is the VM's e820 map", same && b.e820_count == 6);
	CHECK("Multiboot: boot loader name", !strcmp((const char *)ram + rd32(mbi + 64),
						     "MACROHARD"));
	CHECK("Multiboot: mods and mmap inside the boot info area",
	      mods >= mbi + sizeof(struct mb1_info) && mmap >= mods + 16 &&
	      mmap + 24 * b.e820_count <= PLAT_BOOT_INFO + PLAT_BOOT_INFO_SIZE);

	/* Higher-half ELF: e_entry is virtual, loaded at p_paddr. */
	make_mb1(0xc0100000, 0x100000, 0);
	LOADED("Multiboot higher-half: loads", boot(elf, elf_size, NULL, 0, ""));
	CHECK_U64("Multiboot higher-half: entry translated to physical", b.rip, 0x100020);
	CHECK("Multiboot higher-half: at p_paddr", !memcmp(ram + 0x100000, elf + 0x800, 0x1000));
	CHECK_U64("Multiboot without initrd: mods_count 0", rd32(mbi + 20), 0);

	/* An ELF64 Multiboot kernel. */
	{
		struct seg_spec s64[1] = { { ELF_PT_LOAD, 0x800, 0x600000, 0x600000, 0x1000, 0x1000 } };

		make_elf(true, ELF_EM_X86_64, 0x600100, s64, 1);
		put_mb_header(elf + MB_HDR_OFF, 0, 0);
		LOADED("Multiboot ELF64: loads", boot(elf, elf_size, NULL, 0, ""));
		CHECK_U64("Multiboot ELF64: entry", b.rip, 0x600100);
		CHECK("Multiboot ELF64: segment loaded", !memcmp(ram + 0x600000, elf + 0x800, 0x1000));
	}

	/* A text-mode request is met (no framebuffer to report). */
	make_mb1(0x400000, 0x400000, MB1_FLAG_VIDEO_MODE);
	put32(elf + MB_HDR_OFF + 32, 1);
	LOADED("Multiboot EGA text mode request: loads", boot(elf, elf_size, NULL, 0, ""));

	/* Flag 16: a flat image whose header gives the addresses; bss after the file. */
	{
		static u8 flat[0x2000];

		memset(flat, 0x77, sizeof(flat));
		put_mb_header(flat + 8, MB1_FLAG_AOUT_KLUDGE | MB1_FLAG_PAGE_ALIGN, 0);
		put32(flat + 8 + 12, 0x200008);		/* header_addr */
		put32(flat + 8 + 16, 0x200000);		/* load_addr */
		put32(flat + 8 + 20, 0);		/* load_end_addr: the whole file */
		put32(flat + 8 + 24, 0x204000);		/* bss_end_addr */
		put32(flat + 8 + 28, 0x200040);		/* entry_addr */
		LOADED("Multiboot a.out kludge: loads", boot(flat, sizeof(flat), initrd_data,
							     sizeof(initrd_data), ""));
		CHECK_U64("Multiboot a.out kludge: entry", b.rip, 0x200040);
		CHECK("Multiboot a.out kludge: file at load_addr",
		      !memcmp(ram + 0x200000, flat, sizeof(flat)));
		CHECK("Multiboot a.out kludge: bss zeroed", ram[0x202000] == 0 && ram[0x203fff] == 0);
		check_entry("Multiboot a.out kludge");
		/* load_end_addr cuts the file short. */
		put32(flat + 8 + 20, 0x201000);
		LOADED("Multiboot a.out kludge with load_end_addr: loads",
		       boot(flat, sizeof(flat), NULL, 0, ""));
		CHECK("Multiboot a.out kludge: bytes after load_end_addr are bss",
		      ram[0x200fff] == 0x77 && ram[0x201000] == 0);

		put32(flat + 8 + 16, 0x200010);
		REFUSED("Multiboot a.out: load_addr above header_addr", boot(flat, sizeof(flat), NULL,
									      0, ""),
			"load_addr", false);
		put32(flat + 8 + 16, 0x1ff000);
		REFUSED("Multiboot a.out: load_addr before the file", boot(flat, sizeof(flat), NULL,
									    0, ""),
			"load_addr", false);
		put32(flat + 8 + 16, 0x200000);
		put32(flat + 8 + 20, 0x203000);
		REFUSED("Multiboot a.out: load_end_addr past the file", boot(flat, sizeof(flat), NULL,
									      0, ""),
			"load_end_addr", false);
		put32(flat + 8 + 20, 0x1fff00);
		REFUSED("Multiboot a.out: load_end_addr before load_addr",
			boot(flat, sizeof(flat), NULL, 0, ""), "load_end_addr", false);
		put32(flat + 8 + 20, 0x201000);
		put32(flat + 8 + 24, 0x200800);
		REFUSED("Multiboot a.out: bss_end_addr below load_end_addr",
			boot(flat, sizeof(flat), NULL, 0, ""), "bss_end_addr", false);
		put32(flat + 8 + 24, 0x204000);
		put32(flat + 8 + 28, 0x204000);
		REFUSED("Multiboot a.out: entry past bss", boot(flat, sizeof(flat), NULL, 0, ""),
			"entry point", false);
		put32(flat + 8 + 28, 0x200040);
		put32(flat + 8 + 12, 0x9f008);
		put32(flat + 8 + 16, 0x9f000);
		put32(flat + 8 + 20, 0);
		put32(flat + 8 + 24, 0);
		put32(flat + 8 + 28, 0x9f040);
		REFUSED("Multiboot a.out: image on the reserved area", boot(flat, sizeof(flat), NULL,
									     0, ""),
			"reserved", false);
		put_mb_header(flat + 8, MB1_FLAG_PAGE_ALIGN, 0);
		REFUSED("Multiboot flat image without flag 16", boot(flat, sizeof(flat), NULL, 0, ""),
			"flag 16", false);
	}
}

static void test_mb1_bad(void)
{
	ram_setup(MiB(64));
	make_mb1(0x400000, 0x400000, 0);
	put_mb_header(elf + MB_HDR_OFF, 0, 1);
	REFUSED("Multiboot checksum wrong", boot(elf, elf_size, NULL, 0, ""), "checksum", false);
	make_mb1(0x400000, 0x400000, BIT(3));
	REFUSED("Multiboot unknown required flag", boot(elf, elf_size, NULL, 0, ""),
		"requires features", false);
	make_mb1(0x400000, 0x400000, MB1_FLAG_VIDEO_MODE);
	put32(elf + MB_HDR_OFF + 32, 0);
	REFUSED("Multiboot graphics mode request", boot(elf, elf_size, NULL, 0, ""),
		"graphics video mode", false);
	make_mb1(0x400000, 0x400000, BIT(17));
	LOADED("Multiboot unknown optional flag: loads", boot(elf, elf_size, NULL, 0, ""));
	memset(elf, 0, sizeof(elf));
	put_mb_header(elf + 8, MB1_FLAG_AOUT_KLUDGE, 0);
	REFUSED("Multiboot header truncated by the end of the file", boot(elf, 8 + 20, NULL, 0, ""),
		"truncated", false);
	make_mb1(0x400000, 0x400000, 0);
	put32(elf + MB_HDR_OFF, 0);
	put_mb_header(elf + 0x2000, 0, 0);
	REFUSED("Multiboot header beyond 8 KiB: not found", boot(elf, elf_size, NULL, 0, ""),
		"neither a PVH entry note nor a Multiboot header", false);
	make_mb1(0x400000, 0x400000, 0);
	put32(elf + MB_HDR_OFF, 0);
	put_mb_header(elf + 0x1ff0, MB1_FLAG_AOUT_KLUDGE, 0);
	REFUSED("Multiboot header crossing 8 KiB", boot(elf, elf_size, NULL, 0, ""), "truncated",
		false);
	make_mb1(0x400000, 0x400000, 0);
	put32(elf + MB_HDR_OFF, 0);
	put_mb_header(elf + 0x102, 0, 0);
	REFUSED("Multiboot header not 4-byte aligned: not found", boot(elf, elf_size, NULL, 0, ""),
		"neither", false);
	make_mb1(0x400000, 0x400000, 0);
	put32(elf + 24, 0x500000);
	REFUSED("Multiboot entry outside the segments", boot(elf, elf_size, NULL, 0, ""),
		"outside the loaded segments", false);
	make_mb1(0x8000000, 0x8000000, 0);
	REFUSED("Multiboot segment outside RAM", boot(elf, elf_size, NULL, 0, ""),
		"not inside the VM's RAM", false);
	make_mb1(0x9e000, 0x9e000, 0);
	REFUSED("Multiboot segment over the reserved area", boot(elf, elf_size, NULL, 0, ""),
		"reserved", false);
	make_mb1(0x400000, 0x400000, 0);
	put16(elf + 44, 0);
	REFUSED("Multiboot ELF phnum 0", boot(elf, elf_size, NULL, 0, ""), "program header count",
		false);
	make_mb1(0x400000, 0x400000, 0);
	put32(elf + 28, 0xfffffff0);
	REFUSED("Multiboot ELF bogus phoff", boot(elf, elf_size, NULL, 0, ""), "program header table",
		false);
	make_mb1(0x400000, 0x400000, 0);
	REFUSED("Multiboot ELF truncated in its segment", boot(elf, 0x1000, NULL, 0, ""),
		"beyond the end of the file", false);
	make_mb1(0x400000, 0x400000, 0);
	REFUSED("Multiboot initrd too big", boot(elf, elf_size, initrd_data, MiB(64), ""),
		"do not fit", true);
}

/* ------------------------------------------------------------ test images and loader_load */

static u8 test_image[0x200];

static void make_test_image(u32 flags)
{
	memset(test_image, 0x90, sizeof(test_image));
	memcpy(test_image, TEST_IMAGE_MAGIC, 8);
	put32(test_image + 8, 0x8000);
	put32(test_image + 12, 0x8018);
	put32(test_image + 16, 0x7000);
	put32(test_image + 20, flags);
}

/* Host stubs: files from a table, log lines into a buffer. */
static struct { const char *path; const void *data; u64 size; } files[4];
static char last_log[512];

int host_file_read(const char *path, void **data, u64 *size)
{
	for (u32 i = 0; i < ARRAY_SIZE(files); i++) {
		if (files[i].path && !strcmp(files[i].path, path)) {
			*data = malloc(files[i].size ? files[i].size : 1);
			memcpy(*data, files[i].data, files[i].size);
			*size = files[i].size;
			return 0;
		}
	}
	return -ENOENT;
}

void host_file_free(void *data, u64 size)
{
	(void)size;
	free(data);
}

void log_printf(enum log_level level, const char *vm, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(last_log, sizeof(last_log), "%d [%s] ", level, vm ? vm : "-");

	va_start(ap, fmt);
	if (level == LOG_ERROR)
		vsnprintf(last_log + n, sizeof(last_log) - n, fmt, ap);
	va_end(ap);
}

static void test_test_images(void)
{
	static struct vm vm;
	static struct vcpu vcpu;
	static struct cfg_vm cfg;

	ram_setup(MiB(16));
	make_test_image(0);
	LOADED("test image: loads", boot(test_image, sizeof(test_image), NULL, 0, ""));
	CHECK("test image: at load_gpa", !memcmp(ram + 0x8000, test_image, sizeof(test_image)));
	CHECK("test image: real mode, CS 0, IP entry, SP stack", b.rip == 0x8018 &&
	      b.gpr[GPR_RSP] == 0x7000 && b.sregs.cr0 == 0x60000010 &&
	      b.sregs.seg[SEG_CS].selector == 0 && b.sregs.seg[SEG_CS].base == 0);
	check_entry("test image");
	make_test_image(TEST_IMAGE_FLAG_BAD_STATE);
	LOADED("test image with the bad-state flag: loads", boot(test_image, sizeof(test_image),
								NULL, 0, ""));
	CHECK("test image bad state: the VMX checks refuse it", vmx_verdict(&b) != NULL);
	CHECK("test image bad state: the VMRUN checks refuse it", svm_verdict(&b) != NULL);
	make_test_image(0);
	REFUSED("test image with an initrd", boot(test_image, sizeof(test_image), initrd_data, 10,
						  ""), "test images take no initrd", true);
	make_test_image(2);
	REFUSED("test image reserved flag", boot(test_image, sizeof(test_image), NULL, 0, ""),
		"reserved", false);
	REFUSED("empty kernel", boot(test_image, 0, NULL, 0, ""), "unsupported format", false);
	REFUSED("text file", boot((const u8 *)"hello world, this is no kernel", 30, NULL, 0, ""),
		"unsupported format", false);

	/* loader_load: the files, the messages, the vCPU. */
	memset(&vm, 0, sizeof(vm));
	strcpy(vm.name, "t");
	vm.mem = gm;
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.kernel, "/k");
	make_test_image(0);
	files[0].path = "/k";
	files[0].data = test_image;
	files[0].size = sizeof(test_image);
	CHECK_INT("loader_load: test image", loader_load(&vm, &vcpu, &cfg), 0);
	CHECK_U64("loader_load: vCPU RIP set", vcpu.rip, 0x8018);
	CHECK_U64("loader_load: vCPU RSP set", vcpu.gpr[GPR_RSP], 0x7000);
	strcpy(cfg.initrd, "/missing");
	CHECK_INT("loader_load: initrd missing", loader_load(&vm, &vcpu, &cfg), -ENOENT);
	CHECK_STR("loader_load: initrd message", last_log, "0 [t] initrd /missing: cannot read "
		  "(not found)\n");
	strcpy(cfg.initrd, "/i");
	files[1].path = "/i";
	files[1].data = initrd_data;
	files[1].size = 16;
	CHECK_INT("loader_load: test image with initrd", loader_load(&vm, &vcpu, &cfg), -EINVAL);
	CHECK_STR("loader_load: initrd problem names the initrd", last_log,
		  "0 [t] initrd /i: test images take no initrd\n");
	cfg.initrd[0] = 0;
	files[0].size = 20;
	CHECK_INT("loader_load: truncated test image", loader_load(&vm, &vcpu, &cfg), -EINVAL);
	CHECK_STR("loader_load: kernel problem names the kernel", last_log,
		  "0 [t] kernel /k: shorter than the test-image header\n");
	files[0].size = 7;
	CHECK_INT("loader_load: 7-byte kernel", loader_load(&vm, &vcpu, &cfg), -EINVAL);
	CHECK_STR("loader_load: unsupported format", last_log,
		  "0 [t] kernel /k: unsupported format (not a MACROHARD test image, Linux bzImage, "
		  "PVH ELF or Multiboot kernel)\n");
	strcpy(cfg.kernel, "/nothere");
	CHECK_INT("loader_load: kernel missing", loader_load(&vm, &vcpu, &cfg), -ENOENT);
	CHECK_STR("loader_load: kernel message", last_log, "0 [t] kernel /nothere: cannot read "
		  "(not found)\n");
}

/* ------------------------------------------------------------ real kernels */

static u8 *read_file(const char *path, u64 *size)
{
	FILE *f = fopen(path, "rb");
	u8 *d;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	d = malloc(n > 0 ? (size_t)n : 1);
	if (n <= 0 || fread(d, 1, (size_t)n, f) != (size_t)n) {
		free(d);
		d = NULL;
	}
	fclose(f);
	*size = (u64)n;
	return d;
}

static void test_real_kernels(void)
{
	const char *bz_path = getenv("LOADER_BZIMAGE"), *elf_path = getenv("LOADER_VMLINUX");
	u64 size;
	u8 *k;

	if (!bz_path) {
		printf("SKIP: real bzImage (set LOADER_BZIMAGE=path to a vmlinuz)\n");
	} else if (!(k = read_file(bz_path, &size))) {
		unit_check(false, "real bzImage: readable", "cannot read %s", bz_path);
	} else {
		ram_setup(MiB(256));
		LOADED("real bzImage: loads", boot(k, size, initrd_data, sizeof(initrd_data),
						   "console=ttyS0 earlyprintk=serial"));
		printf("INFO: real bzImage: protocol %x.%02x, kernel 0x%llx-0x%llx, entry 0x%llx, "
		       "initrd at 0x%llx\n", k[0x207], k[0x206], (unsigned long long)b.kernel_gpa,
		       (unsigned long long)b.kernel_end, (unsigned long long)b.rip,
		       (unsigned long long)b.initrd_gpa);
		check_entry("real bzImage");
		ram_setup(MiB(64));
		REFUSED("real bzImage in 64 MiB: init_size does not fit",
			boot(k, size, NULL, 0, ""), "init_size", false);
		free(k);
	}
	if (!elf_path) {
		printf("SKIP: real vmlinux (set LOADER_VMLINUX=path to an uncompressed vmlinux)\n");
	} else if (!(k = read_file(elf_path, &size))) {
		unit_check(false, "real vmlinux: readable", "cannot read %s", elf_path);
	} else {
		ram_setup(MiB(256));
		LOADED("real vmlinux (PVH): loads", boot(k, size, initrd_data, sizeof(initrd_data),
							 "console=ttyS0"));
		CHECK_STR("real vmlinux: PVH", b.format, "PVH ELF");
		printf("INFO: real vmlinux: kernel 0x%llx-0x%llx, PVH entry 0x%llx\n",
		       (unsigned long long)b.kernel_gpa, (unsigned long long)b.kernel_end,
		       (unsigned long long)b.rip);
		check_entry("real vmlinux");
		free(k);
	}
}

int main(void)
{
	test_e820();
	test_bzimage_good();
	test_bzimage_bad();
	test_pvh_good();
	test_pvh_bad();
	test_mb1_good();
	test_mb1_bad();
	test_test_images();
	test_real_kernels();
	free(ram);
	return unit_summary();
}
