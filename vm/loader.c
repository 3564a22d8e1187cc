/*
 * Guest image loading: reads the files, recognises the kernel's format and hands
 * it to its loader (vm/loader_linux.c, loader_pvh.c, loader_mb1.c, or the
 * MACROHARD test images here), then sets the boot vCPU's start state.  Also the
 * helpers the loaders share: range checks, initrd placement, the boot GDT, the
 * identity map and the start states.
 */
#include <stdarg.h>
#include "vm/loader_internal.h"
#include "vm/elf.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define SIZE_2M (2ULL << 20)
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_PS BIT(7)

/* ------------------------------------------------------------ shared helpers */

static int loader_vfail(struct loader_boot *b, bool initrd, int err, const char *fmt, va_list ap)
{
	fmt_vsnprintf(b->why, sizeof(b->why), fmt, ap);
	b->initrd_at_fault = initrd;
	return err;
}

int loader_fail(struct loader_boot *b, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = loader_vfail(b, false, err, fmt, ap);
	va_end(ap);
	return err;
}

int loader_fail_initrd(struct loader_boot *b, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = loader_vfail(b, true, err, fmt, ap);
	va_end(ap);
	return err;
}

int loader_check_range(struct loader_boot *b, u64 gpa, u64 size, const char *what)
{
	if (!size)
		return 0;
	if (gpa + size < gpa)
		return loader_fail(b, -EINVAL, "%s at 0x%llx: address range wraps around", what,
				   (unsigned long long)gpa);
	if (gpa < PLAT_BOOT_END)
		return loader_fail(b, -EINVAL, "%s at 0x%llx overlaps the boot structures "
				   "below 0x%llx", what, (unsigned long long)gpa,
				   (unsigned long long)PLAT_BOOT_END);
	if (!e820_is_ram(b->e820, b->e820_count, gpa, size))
		return loader_fail(b, -EINVAL, "%s at 0x%llx-0x%llx is not inside the VM's RAM "
				   "(or touches a reserved range)", what, (unsigned long long)gpa,
				   (unsigned long long)(gpa + size - 1));
	return 0;
}

int loader_copy(struct loader_boot *b, u64 gpa, const void *src, u64 len, u64 zero_len)
{
	static const u8 zeros[4096];

	if (guest_mem_write(b->mem, gpa, src, len))
		return loader_fail(b, -EFAULT, "cannot write 0x%llx bytes at 0x%llx",
				   (unsigned long long)len, (unsigned long long)gpa);
	gpa += len;
	while (zero_len) {
		u64 n = MIN(zero_len, sizeof(zeros));

		if (guest_mem_write(b->mem, gpa, zeros, n))
			return loader_fail(b, -EFAULT, "cannot clear memory at 0x%llx",
					   (unsigned long long)gpa);
		gpa += n;
		zero_len -= n;
	}
	return 0;
}

int loader_place_initrd(struct loader_boot *b, u64 lowest, u64 limit, u64 *gpa)
{
	u64 start;

	*gpa = 0;
	if (!b->initrd)
		return 0;
	if (!b->initrd_size)
		return loader_fail_initrd(b, -EINVAL, "file is empty");
	lowest = ALIGN_UP(MAX(lowest, PLAT_BOOT_END), PAGE_SIZE);
	limit = MIN(limit, b->low_ram_end);
	if (limit <= lowest || b->initrd_size > limit - lowest)
		return loader_fail_initrd(b, -E2BIG, "%llu bytes do not fit between the kernel "
					  "(ends at 0x%llx) and 0x%llx",
					  (unsigned long long)b->initrd_size,
					  (unsigned long long)lowest, (unsigned long long)limit);
	start = ALIGN_DOWN(limit - b->initrd_size, PAGE_SIZE);
	if (start < lowest || !e820_is_ram(b->e820, b->e820_count, start, b->initrd_size))
		return loader_fail_initrd(b, -E2BIG, "%llu bytes do not fit below 0x%llx",
					  (unsigned long long)b->initrd_size,
					  (unsigned long long)limit);
	if (guest_mem_write(b->mem, start, b->initrd, b->initrd_size))
		return loader_fail_initrd(b, -EFAULT, "cannot write it at 0x%llx",
					  (unsigned long long)start);
	*gpa = b->initrd_gpa = start;
	return 0;
}

int loader_write_cmdline(struct loader_boot *b, u64 max)
{
	u64 len = str_len(b->cmdline);

	max = MIN(max, PLAT_BOOT_CMDLINE_SIZE - 1);
	if (len > max)
		return loader_fail(b, -E2BIG, "command line is %llu bytes, the kernel takes at "
				   "most %llu", (unsigned long long)len, (unsigned long long)max);
	return loader_copy(b, PLAT_BOOT_CMDLINE, b->cmdline, len + 1, 0);
}

int loader_load_elf(struct loader_boot *b, const struct elf_file *f)
{
	u64 lo = ~0ULL, hi = 0;

	for (u32 i = 0; i < f->phnum; i++) {
		struct elf_segment s;
		const char *why;
		char what[32];
		int err = elf_segment(f, i, &s, &why);

		if (err)
			return loader_fail(b, err, "%s", why);
		if (s.type != ELF_PT_LOAD || !s.memsz)
			continue;
		fmt_snprintf(what, sizeof(what), "ELF segment %u", i);
		err = loader_check_range(b, s.paddr, s.memsz, what);
		if (!err)
			err = loader_copy(b, s.paddr, f->data + s.offset, s.filesz,
					  s.memsz - s.filesz);
		if (err)
			return err;
		lo = MIN(lo, s.paddr);
		hi = MAX(hi, s.paddr + s.memsz);
	}
	if (!hi)
		return loader_fail(b, -EINVAL, "ELF file has no loadable segment");
	b->kernel_gpa = lo;
	b->kernel_end = hi;
	return 0;
}

int loader_elf_entry(struct loader_boot *b, const struct elf_file *f, u64 entry, bool virt,
		     u64 *phys)
{
	for (u32 i = 0; i < f->phnum; i++) {
		struct elf_segment s;
		const char *why;
		u64 base;

		if (elf_segment(f, i, &s, &why))
			continue;
		base = virt ? s.vaddr : s.paddr;
		if (s.type == ELF_PT_LOAD && entry >= base && entry - base < s.memsz) {
			*phys = s.paddr + (entry - base);
			return 0;
		}
	}
	return loader_fail(b, -EINVAL, "entry point 0x%llx is outside the loaded segments",
			   (unsigned long long)entry);
}

/* Flat descriptors: base 0, limit 4 GiB (G), accessed, so the cached state matches the GDT. */
static const u64 loader_gdt[] = {
	0,
	0x00cf9b000000ffffULL,		/* 0x08: 32-bit code */
	0x00af9b000000ffffULL,		/* 0x10: 64-bit code (L) */
	0x00cf93000000ffffULL,		/* 0x18: data */
};

static struct segment loader_flat(u16 sel, u32 ar)
{
	return (struct segment){ .selector = sel, .ar = ar, .limit = 0xffffffff, .base = 0 };
}

/* The parts of the protected- and long-mode states the two share. */
static int loader_state_common(struct loader_boot *b, u16 cs, u32 cs_ar)
{
	struct vcpu_sregs *s = &b->sregs;
	int err = loader_copy(b, PLAT_BOOT_GDT, loader_gdt, sizeof(loader_gdt), 0);

	if (err)
		return err;
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SEG_COUNT; i++)
		s->seg[i] = loader_flat(LOADER_SEL_DATA, SEG_AR_P | SEG_AR_S | SEG_AR_DB |
					SEG_AR_G | 0x3);
	s->seg[SEG_CS] = loader_flat(cs, cs_ar);
	/* TR and LDTR as after RESET: VM entry needs a usable busy TSS; the guest loads its own. */
	s->tr.limit = 0xffff;
	s->tr.ar = SEG_AR_P | 0xb;
	s->ldtr.limit = 0xffff;
	s->ldtr.ar = SEG_AR_P | 0x2;
	s->gdtr.base = PLAT_BOOT_GDT;
	s->gdtr.limit = sizeof(loader_gdt) - 1;
	s->idtr.limit = 0;		/* no IDT: an exception before the guest sets one triple-faults */
	s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->pat = 0x0007040600070406ULL;
	memset(b->gpr, 0, sizeof(b->gpr));
	b->gpr[GPR_RSP] = PLAT_BOOT_STACK_TOP;
	b->rflags = X86_RFLAGS_FIXED;	/* IF, TF, VM clear */
	return 0;
}

int loader_state_flat32(struct loader_boot *b, u32 entry)
{
	int err = loader_state_common(b, LOADER_SEL_CODE32,
				      SEG_AR_P | SEG_AR_S | SEG_AR_DB | SEG_AR_G | 0xb);

	b->rip = entry;
	return err;
}

/*
 * The identity map of the first 4 GiB with 2 MiB pages (SDM 4.5): PML4 -> one
 * PDPT -> four page directories.  2 MiB rather than 1 GiB pages, because not
 * every CPU has 1 GiB pages (Ivy Bridge does not).
 */
static int loader_identity_map(struct loader_boot *b)
{
	u64 pml4 = PLAT_BOOT_PAGE_TABLES, pdpt = pml4 + PAGE_SIZE, pd = pdpt + PAGE_SIZE;
	static u64 table[512];		/* not on the stack: VMs are created one at a time */
	int err;

	memset(table, 0, sizeof(table));
	table[0] = pdpt | PTE_P | PTE_RW;
	err = loader_copy(b, pml4, table, sizeof(table), 0);
	for (u64 i = 0; i < 4; i++)
		table[i] = (pd + i * PAGE_SIZE) | PTE_P | PTE_RW;
	if (!err)
		err = loader_copy(b, pdpt, table, sizeof(table), 0);
	for (u64 i = 0; i < 4 && !err; i++) {
		for (u64 j = 0; j < 512; j++)
			table[j] = ((i * 512 + j) * SIZE_2M) | PTE_P | PTE_RW | PTE_PS;
		err = loader_copy(b, pd + i * PAGE_SIZE, table, sizeof(table), 0);
	}
	return err;
}

int loader_state_long64(struct loader_boot *b, u64 entry)
{
	int err = loader_state_common(b, LOADER_SEL_CODE64,
				      SEG_AR_P | SEG_AR_S | SEG_AR_L | SEG_AR_G | 0xb);

	if (!err)
		err = loader_identity_map(b);
	if (err)
		return err;
	b->sregs.cr0 |= X86_CR0_PG;
	b->sregs.cr3 = PLAT_BOOT_PAGE_TABLES;
	b->sregs.cr4 = X86_CR4_PAE;
	b->sregs.efer = X86_EFER_LME | X86_EFER_LMA;
	b->rip = entry;
	return 0;
}

/* ------------------------------------------------------------ test images */

int loader_test_image_check(const void *data, u64 size, const char **why)
{
	struct test_image_header h;

	if (size < sizeof(h)) {
		*why = "shorter than the test-image header";
		return -EINVAL;
	}
	memcpy(&h, data, sizeof(h));
	if (memcmp(h.magic, TEST_IMAGE_MAGIC, 8)) {
		*why = "unsupported format (not a MACROHARD test image)";
		return -EINVAL;
	}
	if (h.flags & ~TEST_IMAGE_FLAG_BAD_STATE) {
		*why = "test image flags other than bit 0 are reserved and must be 0";
		return -EINVAL;
	}
	if (h.load_gpa < TEST_IMAGE_MIN_GPA || h.load_gpa >= TEST_IMAGE_END ||
	    size > TEST_IMAGE_END - h.load_gpa) {
		*why = "test image does not fit between its load address and 0x9f000";
		return -EINVAL;
	}
	if (h.entry < h.load_gpa || h.entry >= h.load_gpa + size || h.entry > 0xffff) {
		*why = "test image entry point is outside the image or above 64 KiB";
		return -EINVAL;
	}
	if (h.stack > 0x10000 || h.stack < 0x100) {
		*why = "test image stack pointer must lie between 0x100 and 0x10000";
		return -EINVAL;
	}
	return 0;
}

static void loader_real_mode_state(struct loader_boot *b, u16 ip, u16 sp)
{
	vcpu_sregs_real_mode(&b->sregs, 0);
	memset(b->gpr, 0, sizeof(b->gpr));
	b->gpr[GPR_RSP] = sp;
	b->rip = ip;
	b->rflags = X86_RFLAGS_FIXED;
}

int loader_test_image_boot(struct loader_boot *b)
{
	const struct test_image_header *h = (const void *)b->kernel;
	const char *why;
	int err = loader_test_image_check(b->kernel, b->kernel_size, &why);

	b->format = "test image";
	if (err)
		return loader_fail(b, err, "%s", why);
	if (b->initrd)
		return loader_fail_initrd(b, -EINVAL, "test images take no initrd");
	if (h->load_gpa + b->kernel_size > b->mem->ram_bytes ||
	    guest_mem_write(b->mem, h->load_gpa, b->kernel, b->kernel_size))
		return loader_fail(b, -E2BIG, "does not fit the VM's RAM");
	loader_real_mode_state(b, (u16)h->entry, (u16)h->stack);
	if (h->flags & TEST_IMAGE_FLAG_BAD_STATE) {
		/*
		 * Diagnostics test: a stack segment of code type (SDM 26.3.1.2) and
		 * CR0.NW without CD (APM 15.5.1) — states every VM entry must refuse.
		 */
		b->sregs.seg[SEG_SS].ar = SEG_AR_P | SEG_AR_S | 0xb;
		b->sregs.cr0 = (b->sregs.cr0 & ~X86_CR0_CD) | X86_CR0_NW;
	}
	b->kernel_gpa = h->load_gpa;
	b->kernel_end = h->load_gpa + b->kernel_size;
	return 0;
}

/* ------------------------------------------------------------ dispatch */

int loader_boot_image(struct loader_boot *b)
{
	const u8 *k = b->kernel;
	u64 size = b->kernel_size;
	int n;

	b->why[0] = 0;
	b->initrd_at_fault = false;
	b->format = "unknown";
	b->kernel_gpa = b->kernel_end = b->initrd_gpa = 0;
	n = e820_build(b->mem, b->e820, E820_MAX);
	if (n < 0)
		return loader_fail(b, n, "the VM's memory map has too many ranges");
	b->e820_count = (u32)n;
	/* The RAM the boot structures and kernels use: from 1 MiB up to the PCI hole. */
	b->low_ram_end = e820_ram_end(b->e820, b->e820_count, PLAT_BIOS_END);
	if (!b->low_ram_end || e820_ram_end(b->e820, b->e820_count, 0) < PLAT_BOOT_END)
		return loader_fail(b, -EINVAL, "the VM has no RAM at 0 and 1 MiB");

	if (size >= 8 && !memcmp(k, TEST_IMAGE_MAGIC, 8))
		return loader_test_image_boot(b);
	if (size >= 0x206 && !memcmp(k + 0x202, "HdrS", 4))
		return loader_linux_boot(b);
	if (elf_is_elf(k, size)) {
		struct elf_file f;
		const u8 *desc;
		u32 dsz;
		const char *why;
		int err = elf_open(&f, k, size, &why);

		if (err)
			return loader_fail(b, err, "%s", why);
		err = elf_find_note(&f, "Xen", PVH_ELFNOTE_PHYS32_ENTRY, &desc, &dsz, &why);
		if (err < 0)
			return loader_fail(b, err, "%s", why);
		if (err > 0)
			return loader_pvh_boot(b);
		if (loader_mb1_find_header(k, size) >= 0)
			return loader_mb1_boot(b);
		return loader_fail(b, -EINVAL, "unsupported format (an ELF file with neither a "
				   "PVH entry note nor a Multiboot header)");
	}
	if (loader_mb1_find_header(k, size) >= 0)
		return loader_mb1_boot(b);
	return loader_fail(b, -EINVAL, "unsupported format (not a MACROHARD test image, Linux "
			   "bzImage, PVH ELF or Multiboot kernel)");
}

/* ------------------------------------------------------------ the host side */

static void loader_log_test_image(struct vm *vm, const char *path, const void *data, u64 size)
{
	const struct test_image_header *h = data;

	if (h->flags & TEST_IMAGE_FLAG_BAD_STATE)
		log_printf(LOG_INFO, vm->name, "test image asks for an invalid start state "
			   "(SS of code type, CR0.NW without CD)\n");
	log_printf(LOG_INFO, vm->name, "test image %s: %llu bytes at 0x%x, entry 0000:%04x\n",
		   path, (unsigned long long)size, h->load_gpa, h->entry);
}

static void loader_set_vcpu(struct vcpu *v, const struct loader_boot *b)
{
	v->sregs = b->sregs;
	memcpy(v->gpr, b->gpr, sizeof(v->gpr));
	v->rip = b->rip;
	v->rflags = b->rflags;
}

int loader_load(struct vm *vm, struct vcpu *boot, const struct cfg_vm *cfg)
{
	static struct loader_boot b;	/* VMs are created one at a time */
	void *kernel, *initrd = NULL;
	u64 kernel_size, initrd_size = 0;
	int err = host_file_read(cfg->kernel, &kernel, &kernel_size);

	if (err) {
		log_printf(LOG_ERROR, vm->name, "kernel %s: cannot read (%s)\n", cfg->kernel,
			   err_name(err));
		return err;
	}
	if (cfg->initrd[0]) {
		err = host_file_read(cfg->initrd, &initrd, &initrd_size);
		if (err) {
			log_printf(LOG_ERROR, vm->name, "initrd %s: cannot read (%s)\n",
				   cfg->initrd, err_name(err));
			host_file_free(kernel, kernel_size);
			return err;
		}
	}
	memset(&b, 0, sizeof(b));
	b.mem = &vm->mem;
	b.kernel = kernel;
	b.kernel_size = kernel_size;
	b.initrd = initrd;
	b.initrd_size = initrd_size;
	b.cmdline = cfg->cmdline;
	err = loader_boot_image(&b);
	if (err)
		log_printf(LOG_ERROR, vm->name, "%s %s: %s\n", b.initrd_at_fault ? "initrd" : "kernel",
			   b.initrd_at_fault ? cfg->initrd : cfg->kernel, b.why);
	else if (!str_cmp(b.format, "test image"))
		loader_log_test_image(vm, cfg->kernel, kernel, kernel_size);
	else
		log_printf(LOG_INFO, vm->name, "%s %s: 0x%llx-0x%llx, entry 0x%llx\n", b.format,
			   cfg->kernel, (unsigned long long)b.kernel_gpa,
			   (unsigned long long)b.kernel_end - 1, (unsigned long long)b.rip);
	if (!err && initrd)
		log_printf(LOG_INFO, vm->name, "initrd %s: %llu bytes at 0x%llx\n", cfg->initrd,
			   (unsigned long long)initrd_size, (unsigned long long)b.initrd_gpa);
	host_file_free(kernel, kernel_size);
	if (initrd)
		host_file_free(initrd, initrd_size);
	if (!err)
		loader_set_vcpu(boot, &b);
	return err;
}
