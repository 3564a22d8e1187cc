/*
 * Stage-2 faults: an access to guest-physical memory that is not RAM is an
 * MMIO access — the instruction is fetched, decoded and emulated against the
 * device models (unassigned addresses read as all ones, writes are dropped).
 */
#include "vm/vm.h"
#include "devices/devices.h"
#include "arch/x86/decode.h"
#include "arch/x86/emulate.h"
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


/*
 * Runs the instruction against the device bus.  REP string forms do one
 * iteration per exit (RIP stays until the count runs out); MOVS between MMIO
 * and RAM is not emulated yet (-ENOTSUP).
 */
static int mmio_emulate(struct vcpu *v, struct vm_exit *exit, const struct x86_insn *insn,
			bool *again)
{
	struct x86_emul_ctx ctx = {
		.gpr = v->gpr, .rflags = &v->rflags, .addr = exit->stage2.gpa,
		.read = mmio_read, .write = mmio_write, .opaque = v,
	};
	int err = x86_emulate_mmio(insn, &ctx);

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
