/*
 * Stage-2 faults: an access to guest-physical memory that is not RAM is an
 * MMIO access — the instruction is fetched, decoded and emulated against the
 * device models (unassigned addresses read as all ones, writes are dropped).
 */
#include "vm/vm.h"
#include "devices/devices.h"
#include "arch/x86/decode.h"
#include "arch/x86/emulate.h"
#include "mm/gva.h"
#include "lib/errno.h"
#include "lib/string.h"


static int mmio_read(void *opaque, u64 addr, void *val, u8 size)
{
	struct vcpu *v = opaque;
	u64 data;

	devices_mmio_read(v->vm, addr, size, &data);
	memcpy(val, &data, size);
	return 0;
}

static int mmio_write(void *opaque, u64 addr, const void *val, u8 size)
{
	struct vcpu *v = opaque;
	u64 data = 0;

	memcpy(&data, val, size);
	devices_mmio_write(v->vm, addr, size, data);
	return 0;
}


/* The other side of a MOVS: guest RAM, or another device window. */
static int mmio_other_read(void *opaque, u64 gpa, void *val, u8 size)
{
	struct vcpu *v = opaque;
	const struct guest_region *r = guest_mem_find(&v->vm->mem, gpa);

	if (r && r->type == GUEST_MMIO)
		return mmio_read(opaque, gpa, val, size);
	return guest_mem_read(&v->vm->mem, gpa, val, size);
}

static int mmio_other_write(void *opaque, u64 gpa, const void *val, u8 size)
{
	struct vcpu *v = opaque;
	const struct guest_region *r = guest_mem_find(&v->vm->mem, gpa);

	if (r && r->type == GUEST_MMIO)
		return mmio_write(opaque, gpa, val, size);
	return guest_mem_write(&v->vm->mem, gpa, val, size);
}

#define MMIO_FAULT_INJECTED 1

/*
 * MOVS touches two addresses: translate DS:rSI (or its override) and ES:rDI
 * through the guest's page tables, and tell the emulator which side is the
 * device.  A page fault on either side is the guest's, as on hardware.
 */
static int mmio_movs_sides(struct vcpu *v, const struct x86_insn *insn, u64 fault_gpa,
			   struct x86_emul_ctx *ctx)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	u64 mask = insn->addr_size == 8 ? ~0ULL : insn->addr_size == 4 ? 0xffffffffULL : 0xffffULL;
	u8 size = (insn->opcode & 1) ? insn->op_size : 1;
	int seg = insn->seg >= 0 ? insn->seg : SEG_DS;
	u64 lin[2] = {
		s->seg[seg].base + (v->gpr[GPR_RSI] & mask),
		s->seg[SEG_ES].base + (v->gpr[GPR_RDI] & mask),
	};
	u64 gpa[2];
	struct gva_ctx gctx;

	vcpu_gva_ctx(v, &gctx);
	for (int k = 0; k < 2; k++) {
		u32 access = (k ? GVA_WRITE : GVA_READ) | (gctx.cpl == 3 ? GVA_USER : 0), pf = 0;
		int err;

		if (vcpu_code_size(v) != 8)
			lin[k] &= 0xffffffff;
		/* An element split across two pages is not emulated. */
		if ((lin[k] & (PAGE_SIZE - 1)) + size > PAGE_SIZE)
			return -ENOTSUP;
		err = gva_translate(&v->vm->mem, &gctx, lin[k], access, &gpa[k], &pf);
		if (err == -EFAULT) {
			vcpu_inject_page_fault(v, lin[k], pf);
			return MMIO_FAULT_INJECTED;
		}
		if (err)
			return err;
	}
	ctx->mmio_is_source = (gpa[0] >> PAGE_SHIFT) == (fault_gpa >> PAGE_SHIFT);
	ctx->addr = ctx->mmio_is_source ? gpa[0] : gpa[1];
	ctx->other_addr = ctx->mmio_is_source ? gpa[1] : gpa[0];
	ctx->other_read = mmio_other_read;
	ctx->other_write = mmio_other_write;
	return 0;
}

/*
 * Runs the instruction against the device bus.  REP string forms do one
 * iteration per exit: RIP stays until the count runs out.
 */
static int mmio_emulate(struct vcpu *v, struct vm_exit *exit, const struct x86_insn *insn,
			bool *again)
{
	struct x86_emul_ctx ctx = {
		.gpr = v->gpr, .rflags = &v->rflags, .addr = exit->stage2.gpa,
		.read = mmio_read, .write = mmio_write, .opaque = v,
	};
	int err = 0;

	if (insn->map == X86_MAP_PRIMARY && (insn->opcode == 0xa4 || insn->opcode == 0xa5) &&
	    insn->encoding == X86_ENC_LEGACY)
		err = mmio_movs_sides(v, insn, exit->stage2.gpa, &ctx);
	if (!err)
		err = x86_emulate_mmio(insn, &ctx);
	*again = ctx.again;
	return err;
}

void vm_handle_stage2(struct vcpu *v, struct vm_exit *exit)
{
	const struct guest_region *r = guest_mem_find(&v->vm->mem, exit->stage2.gpa);
	struct x86_insn insn;
	bool again = false;
	int err;

	if (!r) {
		vm_stop_with_dump(v, exit, "access to an unmapped guest-physical address");
		return;
	}
	if (r->type != GUEST_MMIO) {
		vm_stop_with_dump(v, exit, "stage-2 fault on guest RAM");
		return;
	}
	err = -EINVAL;
	if (exit->stage2.insn_fetched)
		err = x86_decode(exit->stage2.insn, exit->stage2.insn_fetched,
				 vcpu_code_size(v) == 8 ? X86_MODE_64 :
				 vcpu_code_size(v) == 4 ? X86_MODE_32 : X86_MODE_16, &insn);
	if (err)
		err = vcpu_decode(v, &insn);
	if (err) {
		vm_stop_with_dump(v, exit, "cannot decode the instruction that accessed MMIO");
		return;
	}
	err = mmio_emulate(v, exit, &insn, &again);
	if (err == MMIO_FAULT_INJECTED)
		return;
	if (err == -ENOTSUP) {
		vm_stop_with_dump(v, exit, "MMIO access by an instruction the emulator does not handle");
		return;
	}
	if (err) {
		vm_stop_with_dump(v, exit, "MMIO emulation failed");
		return;
	}
	if (v->vm->state != VM_STATE_RUNNING || again)
		return;
	v->rip = v->rip + insn.len;
	if (vcpu_code_size(v) != 8)
		v->rip &= vcpu_code_size(v) == 4 ? 0xffffffffULL : 0xffffULL;
	vcpu_instruction_done(v);
}
