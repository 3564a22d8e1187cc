/*
 * Guest image loading.  This version knows the MACROHARD test-image format
 * (flat real-mode binaries with a small header); Linux and Multiboot loaders
 * come with the guest platform.
 */
#include "vm/loader.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

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

static void loader_real_mode_state(struct vcpu *v, u16 ip, u16 sp)
{
	struct vcpu_sregs *s = &v->sregs;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SEG_COUNT; i++) {
		s->seg[i].selector = 0;
		s->seg[i].base = 0;
		s->seg[i].limit = 0xffff;
		/* Present, accessed read/write data; CS is an accessed code segment. */
		s->seg[i].ar = SEG_AR_P | SEG_AR_S | 0x3;
	}
	s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | 0xb;
	s->tr.limit = 0xffff;
	s->tr.ar = SEG_AR_P | 0xb;		/* busy 32-bit TSS, as after RESET */
	s->ldtr.limit = 0xffff;
	s->ldtr.ar = SEG_AR_P | 0x2;
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0x3ff;
	s->cr0 = X86_CR0_ET | X86_CR0_NW | X86_CR0_CD;	/* 0x60000010 */
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->pat = 0x0007040600070406ULL;
	memset(v->gpr, 0, sizeof(v->gpr));
	v->gpr[GPR_RSP] = sp;
	v->rip = ip;
	v->rflags = X86_RFLAGS_FIXED;
}

static int loader_test_image(struct vm *vm, struct vcpu *boot, const char *path,
			     const void *data, u64 size)
{
	const struct test_image_header *h = data;
	const char *why;
	int err = loader_test_image_check(data, size, &why);

	if (err) {
		log_printf(LOG_ERROR, vm->name, "kernel %s: %s\n", path, why);
		return err;
	}
	if (h->load_gpa + size > vm->mem.ram_bytes ||
	    guest_mem_write(&vm->mem, h->load_gpa, data, size)) {
		log_printf(LOG_ERROR, vm->name, "kernel %s: does not fit the VM's RAM\n", path);
		return -E2BIG;
	}
	loader_real_mode_state(boot, (u16)h->entry, (u16)h->stack);
	if (h->flags & TEST_IMAGE_FLAG_BAD_STATE) {
		/*
		 * Diagnostics test: a stack segment of code type (SDM 26.3.1.2) and
		 * CR0.NW without CD (APM 15.5.1) — states every VM entry must refuse.
		 */
		boot->sregs.seg[SEG_SS].ar = SEG_AR_P | SEG_AR_S | 0xb;
		boot->sregs.cr0 = (boot->sregs.cr0 & ~X86_CR0_CD) | X86_CR0_NW;
		log_printf(LOG_INFO, vm->name, "test image asks for an invalid start state "
			   "(SS of code type, CR0.NW without CD)\n");
	}
	log_printf(LOG_INFO, vm->name, "test image %s: %llu bytes at 0x%x, entry 0000:%04x\n",
		   path, (unsigned long long)size, h->load_gpa, h->entry);
	return 0;
}

int loader_load(struct vm *vm, struct vcpu *boot, const struct cfg_vm *cfg)
{
	void *data;
	u64 size;
	int err = host_file_read(cfg->kernel, &data, &size);

	if (err) {
		log_printf(LOG_ERROR, vm->name, "kernel %s: cannot read (%s)\n", cfg->kernel,
			   err_name(err));
		return err;
	}
	err = loader_test_image(vm, boot, cfg->kernel, data, size);
	host_file_free(data, size);
	if (!err && cfg->initrd[0]) {
		log_printf(LOG_ERROR, vm->name, "initrd %s: test images take no initrd\n",
			   cfg->initrd);
		err = -EINVAL;
	}
	return err;
}
