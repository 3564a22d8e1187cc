/*
 * Port I/O exits: IN/OUT go to the VM's device bus; INS/OUTS (with REP) move
 * data between the port and guest memory through the guest's page tables.
 */
#include "vm/vm.h"
#include "devices/devices.h"
#include "mm/gva.h"
#include "arch/x86/decode.h"
#include "lib/errno.h"

/* Iterations handled per exit: bounds the time spent before the guest is re-entered. */
#define IO_STRING_BATCH 4096

static u64 io_addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : addr_size == 4 ? 0xffffffffULL : 0xffffULL;
}

static void io_string(struct vcpu *v, struct vm_exit *exit)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	u8 size = exit->io.size, asz = exit->io.addr_size;
	u64 mask = io_addr_mask(asz);
	int ptr = exit->io.in ? GPR_RDI : GPR_RSI;
	/* INS always writes ES:(E)DI; OUTS reads seg:(E)SI, DS unless overridden. */
	u8 seg = exit->io.in ? SEG_ES : (exit->io.seg < SEG_COUNT ? exit->io.seg : SEG_DS);
	u64 count = exit->io.rep ? v->gpr[GPR_RCX] & mask : 1, done = 0;
	s64 step = (v->rflags & X86_RFLAGS_DF) ? -(s64)size : size;
	struct gva_ctx ctx;
	u32 access = exit->io.in ? GVA_WRITE : GVA_READ;

	vcpu_gva_ctx(v, &ctx);
	if (ctx.cpl == 3)
		access |= GVA_USER;
	while (done < count && done < IO_STRING_BATCH) {
		u64 off = v->gpr[ptr] & mask;
		u64 linear = s->seg[seg].base + off, fault_gva;
		u32 val = 0, pf = 0;
		int err;

		if (!(s->efer & X86_EFER_LMA) || vcpu_code_size(v) != 8)
			linear &= 0xffffffff;
		if (exit->io.in) {
			devices_port_in(v->vm, exit->io.port, size, &val);
			err = gva_write(&v->vm->mem, &ctx, linear, &val, size, access, &pf, &fault_gva);
		} else {
			err = gva_read(&v->vm->mem, &ctx, linear, &val, size, access, &pf, &fault_gva);
			if (!err)
				devices_port_out(v->vm, exit->io.port, size, val);
		}
		if (err == -EFAULT) {
			/* The iterations done so far stay done, as on hardware. */
			vcpu_inject_page_fault(v, fault_gva, pf);
			return;
		}
		if (err) {
			vm_stop_with_dump(v, exit, "string I/O to memory outside the guest's RAM");
			return;
		}
		v->gpr[ptr] = (v->gpr[ptr] & ~mask) | ((off + step) & mask);
		done++;
		if (exit->io.rep)
			v->gpr[GPR_RCX] = (v->gpr[GPR_RCX] & ~mask) | ((v->gpr[GPR_RCX] - 1) & mask);
		if (v->vm->state == VM_STATE_STOPPED)
			return;
	}
	/* A REP that is not finished is re-executed: RIP stays on it. */
	if (done < count)
		return;
	if (vcpu_skip_instruction(v, exit))
		vm_stop_with_dump(v, exit, "cannot decode INS/OUTS");
}

void vm_handle_io(struct vcpu *v, struct vm_exit *exit)
{
	u8 size = exit->io.size;

	if (size != 1 && size != 2 && size != 4) {
		vm_stop_with_dump(v, exit, "I/O exit with an impossible operand size");
		return;
	}
	if (exit->io.string) {
		struct x86_insn insn;

		/*
		 * The address size and segment override come from the instruction
		 * itself: not every CPU reports them (QEMU's SVM leaves EXITINFO1's
		 * A16/A32/A64 clear, and the segment needs decode assists).
		 */
		if (vcpu_decode(v, &insn) || insn.opcode < 0x6c || insn.opcode > 0x6f ||
		    insn.map != X86_MAP_PRIMARY) {
			vm_stop_with_dump(v, exit, "cannot decode the string I/O instruction");
			return;
		}
		exit->io.addr_size = insn.addr_size;
		exit->io.seg = insn.seg >= 0 ? (u8)insn.seg : SEG_DS;
		if (!exit->insn_len)
			exit->insn_len = insn.len;
		io_string(v, exit);
		return;
	}
	if (exit->io.in) {
		u32 val;

		devices_port_in(v->vm, exit->io.port, size, &val);
		/* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge. */
		if (size == 4)
			v->gpr[GPR_RAX] = val;
		else
			v->gpr[GPR_RAX] = (v->gpr[GPR_RAX] & ~((1ULL << (size * 8)) - 1)) | val;
	} else {
		devices_port_out(v->vm, exit->io.port, size, (u32)v->gpr[GPR_RAX]);
	}
	if (v->vm->state == VM_STATE_STOPPED)
		return;
	if (vcpu_skip_instruction(v, exit))
		vm_stop_with_dump(v, exit, "cannot decode IN/OUT");
}
