/* vCPU helpers shared by the exit handlers: state access, instruction fetch, RIP, exceptions. */
#include "vm/vm.h"
#include "vm/sched.h"
#include "mm/gva.h"
#include "arch/x86/cpu.h"
#include "arch/x86/decode.h"
#include "lib/errno.h"
#include "lib/string.h"

struct vcpu_sregs *vcpu_sregs(struct vcpu *v)
{
	if (!v->sregs_valid) {
		vendor->get_sregs(v, &v->sregs);
		v->sregs_valid = true;
	}
	return &v->sregs;
}

void vcpu_sregs_changed(struct vcpu *v)
{
	v->sregs_dirty = true;
}

u8 vcpu_code_size(struct vcpu *v)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	u32 cs = s->seg[SEG_CS].ar;

	if (!(s->cr0 & X86_CR0_PE) || (v->rflags & X86_RFLAGS_VM))
		return 2;
	if ((s->efer & X86_EFER_LMA) && (cs & SEG_AR_L))
		return 8;
	return (cs & SEG_AR_DB) ? 4 : 2;
}

u8 vcpu_cpl(struct vcpu *v)
{
	struct vcpu_sregs *s = vcpu_sregs(v);

	if (!(s->cr0 & X86_CR0_PE))
		return 0;
	if (v->rflags & X86_RFLAGS_VM)
		return 3;
	return SEG_AR_DPL(s->seg[SEG_SS].ar);
}

void vcpu_gva_ctx(struct vcpu *v, struct gva_ctx *ctx)
{
	struct vcpu_sregs *s = vcpu_sregs(v);

	ctx->cr0 = s->cr0;
	ctx->cr3 = s->cr3;
	ctx->cr4 = s->cr4;
	ctx->efer = s->efer;
	ctx->cpl = vcpu_cpl(v);
	ctx->rflags_ac = v->rflags & X86_RFLAGS_AC;
}

static u64 vcpu_rip_mask(struct vcpu *v)
{
	switch (vcpu_code_size(v)) {
	case 2: return 0xffff;
	case 4: return 0xffffffff;
	default: return ~0ULL;
	}
}

u32 vcpu_fetch_insn(struct vcpu *v, u8 *buf, u32 max)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	struct gva_ctx ctx;
	u64 linear = s->seg[SEG_CS].base + (v->rip & vcpu_rip_mask(v)), fault;
	u32 access = GVA_FETCH, pf, got = 0;

	vcpu_gva_ctx(v, &ctx);
	if (ctx.cpl == 3)
		access |= GVA_USER;
	if (vcpu_code_size(v) != 8)
		linear &= 0xffffffff;
	/* Byte by byte up to the first unreadable page: the tail may be on one. */
	while (got < max) {
		u64 page_left = PAGE_SIZE - ((linear + got) & (PAGE_SIZE - 1));
		u32 chunk = (u32)MIN((u64)(max - got), page_left);

		if (gva_read(&v->vm->mem, &ctx, linear + got, buf + got, chunk, access, &pf, &fault))
			break;
		got += chunk;
	}
	return got;
}

int vcpu_decode(struct vcpu *v, struct x86_insn *insn)
{
	u8 bytes[VM_INSN_MAX];
	u32 got = vcpu_fetch_insn(v, bytes, sizeof(bytes));
	u8 size = vcpu_code_size(v);

	if (!got)
		return -EFAULT;
	return x86_decode(bytes, got, size == 8 ? X86_MODE_64 : size == 4 ? X86_MODE_32 :
			  X86_MODE_16, insn);
}

int vcpu_skip_instruction(struct vcpu *v, const struct vm_exit *exit)
{
	u8 len = exit ? exit->insn_len : 0;

	if (!len) {
		struct x86_insn insn;
		int err = vcpu_decode(v, &insn);

		if (err)
			return err;
		len = insn.len;
	}
	v->rip = (v->rip + len) & vcpu_rip_mask(v);
	vcpu_instruction_done(v);
	return 0;
}

/*
 * The guest stopped in an STI (or MOV SS) shadow right before a HLT, with IF set, while a
 * vector waits for it: Linux idles with "sti; hlt", and a host interrupt may end the guest's
 * turn between the two.  The CPU would run the HLT and wake it at once; the interrupt returns
 * past the HLT.  This completes the HLT here, so the vector goes in at this entry.
 *
 * Waiting for an interrupt window instead is not the same on QEMU's AMD-V: its VMRUN does not
 * restore the shadow, so the window exit comes before the HLT, the interrupt returns to the
 * HLT, and the vCPU then sleeps until its next interrupt.
 */
bool vcpu_complete_hlt_in_shadow(struct vcpu *v)
{
	u8 op;

	if (!(v->rflags & X86_RFLAGS_IF) || (v->rflags & X86_RFLAGS_TF) ||
	    !vendor->interrupt_shadow || !vendor->interrupt_shadow(v) || vcpu_cpl(v) ||
	    vcpu_fetch_insn(v, &op, 1) != 1 || op != 0xf4)
		return false;
	v->rip = (v->rip + 1) & vcpu_rip_mask(v);
	vcpu_instruction_done(v);
	vcpu_trace(v, 'C', v->rip, 0);
	return true;
}

void vcpu_instruction_done(struct vcpu *v)
{
	v->rflags &= ~X86_RFLAGS_RF;
	v->rip_dirty = true;
	/* An emulated instruction single-steps like a real one: #DB with DR6.BS (SDM 17.3.1.4). */
	if (v->rflags & X86_RFLAGS_TF) {
		struct vcpu_sregs *s = vcpu_sregs(v);

		s->dr6 |= BIT(14);
		vcpu_sregs_changed(v);
		vcpu_inject_exception(v, EXC_DB, false, 0);
	}
}

void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error_code)
{
	struct vcpu_event ev = {
		.type = VCPU_EVENT_EXCEPTION, .vector = vector,
		.has_error = has_error, .error_code = error_code,
	};

	/* Real mode pushes no error codes. */
	if (!(vcpu_sregs(v)->cr0 & X86_CR0_PE))
		ev.has_error = false;
	if (!vendor->inject_event(v, &ev))
		vm_stop_with_dump(v, NULL, "exception raised while another event was pending");
}

void vcpu_inject_page_fault(struct vcpu *v, u64 gla, u32 error_code)
{
	vcpu_sregs(v)->cr2 = gla;
	vcpu_sregs_changed(v);
	vcpu_inject_exception(v, EXC_PF, true, error_code);
}

void vcpu_real_mode_state(struct vcpu *v, u16 cs, u16 ip, u16 sp)
{
	vcpu_sregs_real_mode(&v->sregs, cs);
	memset(v->gpr, 0, sizeof(v->gpr));
	v->gpr[GPR_RSP] = sp;
	v->rip = ip;
	v->rflags = X86_RFLAGS_FIXED;
}

/*
 * INIT (SDM vol. 3, 9.1.1, table 9-1): real mode at F000:FFF0 with CS.base FFFF0000, EDX = the
 * processor signature, x87/SSE state reset; TSC, TSC_AUX and the MTRRs keep their values.
 */
void vcpu_init_state(struct vcpu *v)
{
	vcpu_real_mode_state(v, 0xf000, 0xfff0, 0);
	v->sregs.seg[SEG_CS].base = 0xffff0000;
	v->gpr[GPR_RDX] = cpuid(1, 0).eax;
	sched_vcpu_init_fpu(v);
	/* The state above is the whole state: nothing may be fetched over it from the back-end. */
	v->sregs_valid = true;
	v->sregs_dirty = true;
	v->rip_dirty = true;
	v->reset_pending = true;
}

/* SDM vol. 3, 8.4.4.1: the start-up IPI's vector names the 4 KiB page the vCPU starts in. */
void vcpu_start_up(struct vcpu *v, u8 vector)
{
	vcpu_init_state(v);
	v->sregs.seg[SEG_CS].selector = (u16)vector << 8;
	v->sregs.seg[SEG_CS].base = (u64)vector << 12;
	v->rip = 0;
	__atomic_store_n(&v->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&vcpu_wakeups, 1, __ATOMIC_RELAXED);
}

void vcpu_request_init(struct vcpu *v)
{
	__atomic_store_n(&v->start_requests, VCPU_START_INIT, __ATOMIC_SEQ_CST);
	/* Ends the sender's slice when the target shares its CPU; wakes the target's CPU. */
	__atomic_fetch_add(&vcpu_wakeups, 1, __ATOMIC_RELAXED);
	sched_kick(v);
}

void vcpu_request_start_up(struct vcpu *v, u8 vector)
{
	v->sipi_vector = vector;
	__atomic_fetch_or(&v->start_requests, VCPU_START_SIPI, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&vcpu_wakeups, 1, __ATOMIC_RELAXED);
	sched_kick(v);
}

bool vcpu_waits_for_sipi(const struct vcpu *v)
{
	u32 req = __atomic_load_n(&v->start_requests, __ATOMIC_SEQ_CST);

	if (req & VCPU_START_SIPI)
		return false;
	return (req & VCPU_START_INIT) || v->state == VCPU_WAIT_SIPI;
}

bool vcpu_start_requested(const struct vcpu *v)
{
	return __atomic_load_n(&v->start_requests, __ATOMIC_RELAXED) != 0;
}

void vcpu_apply_start_requests(struct vcpu *v)
{
	u32 req = __atomic_exchange_n(&v->start_requests, 0, __ATOMIC_SEQ_CST);

	if (!req || v->state == VCPU_STOPPED)
		return;
	if (req & VCPU_START_INIT) {
		vcpu_init_state(v);
		__atomic_store_n(&v->state, VCPU_WAIT_SIPI, __ATOMIC_SEQ_CST);
	}
	if ((req & VCPU_START_SIPI) && v->state == VCPU_WAIT_SIPI)
		vcpu_start_up(v, v->sipi_vector);
}
