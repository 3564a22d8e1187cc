/*
 * The complete SVM exit table (every code of APM vol. 2, appendix C, Table C-1,
 * each with an explicit policy) and the decoder that turns a #VMEXIT into the
 * normalised vm_exit record.  Pure: the host unit tests link this file.
 */
#include "svm/svm.h"
#include "lib/errno.h"
#include "lib/string.h"

#define HANDLE(n) { .name = (n), .policy = EXIT_POLICY_HANDLE, .defined = true }
#define STOP(n) { .name = (n), .policy = EXIT_POLICY_STOP, .defined = true }
/* What a CPU without the feature does: #UD (nested virtualization is not offered). */
#define GP(n) { .name = (n), .policy = EXIT_POLICY_INJECT, .inject_vector = EXC_GP, .defined = true }
#define UD(n) { .name = (n), .policy = EXIT_POLICY_INJECT, .inject_vector = EXC_UD, .defined = true }

/*
 * CR1, CR5-CR7 and CR9-CR15 do not exist: MOV to or from them raises #UD
 * before any intercept is checked, so these exits cannot happen; should one
 * appear anyway, #UD is what the guest would have seen.  Likewise DR8-DR15.
 */
#define CR_READ(n, p) [SVM_EXIT_CR0_READ + (n)] = p("VMEXIT_CR" #n "_READ")
#define CR_WRITE(n, p) [SVM_EXIT_CR0_WRITE + (n)] = p("VMEXIT_CR" #n "_WRITE")
#define DR_READ(n, p) [SVM_EXIT_DR0_READ + (n)] = p("VMEXIT_DR" #n "_READ")
#define DR_WRITE(n, p) [SVM_EXIT_DR0_WRITE + (n)] = p("VMEXIT_DR" #n "_WRITE")
/*
 * Exceptions: only #DB, #UD, #AC and #MC are intercepted (svm_vmcb.c); any
 * vector that exits is decoded for the common exception handler, which
 * reflects it into the guest or stops the VM.
 */
#define EXCP(n, what) [SVM_EXIT_EXCP0 + (n)] = HANDLE("VMEXIT_EXCP" #n " (" what ")")
/* The CR write traps exist for SEV-ES guests only, which MACROHARD does not run. */
#define CR_TRAP(n) [SVM_EXIT_CR0_WRITE_TRAP + (n)] = STOP("VMEXIT_CR" #n "_WRITE_TRAP")

const struct exit_table_entry svm_exit_table[SVM_EXIT_TABLE_SIZE] = {
	CR_READ(0, HANDLE), CR_READ(1, UD), CR_READ(2, HANDLE), CR_READ(3, HANDLE),
	CR_READ(4, HANDLE), CR_READ(5, UD), CR_READ(6, UD), CR_READ(7, UD),
	CR_READ(8, HANDLE), CR_READ(9, UD), CR_READ(10, UD), CR_READ(11, UD),
	CR_READ(12, UD), CR_READ(13, UD), CR_READ(14, UD), CR_READ(15, UD),
	CR_WRITE(0, HANDLE), CR_WRITE(1, UD), CR_WRITE(2, HANDLE), CR_WRITE(3, HANDLE),
	CR_WRITE(4, HANDLE), CR_WRITE(5, UD), CR_WRITE(6, UD), CR_WRITE(7, UD),
	CR_WRITE(8, HANDLE), CR_WRITE(9, UD), CR_WRITE(10, UD), CR_WRITE(11, UD),
	CR_WRITE(12, UD), CR_WRITE(13, UD), CR_WRITE(14, UD), CR_WRITE(15, UD),
	DR_READ(0, HANDLE), DR_READ(1, HANDLE), DR_READ(2, HANDLE), DR_READ(3, HANDLE),
	DR_READ(4, HANDLE), DR_READ(5, HANDLE), DR_READ(6, HANDLE), DR_READ(7, HANDLE),
	DR_READ(8, UD), DR_READ(9, UD), DR_READ(10, UD), DR_READ(11, UD),
	DR_READ(12, UD), DR_READ(13, UD), DR_READ(14, UD), DR_READ(15, UD),
	DR_WRITE(0, HANDLE), DR_WRITE(1, HANDLE), DR_WRITE(2, HANDLE), DR_WRITE(3, HANDLE),
	DR_WRITE(4, HANDLE), DR_WRITE(5, HANDLE), DR_WRITE(6, HANDLE), DR_WRITE(7, HANDLE),
	DR_WRITE(8, UD), DR_WRITE(9, UD), DR_WRITE(10, UD), DR_WRITE(11, UD),
	DR_WRITE(12, UD), DR_WRITE(13, UD), DR_WRITE(14, UD), DR_WRITE(15, UD),

	EXCP(0, "#DE"), EXCP(1, "#DB"), EXCP(2, "NMI"), EXCP(3, "#BP"),
	EXCP(4, "#OF"), EXCP(5, "#BR"), EXCP(6, "#UD"), EXCP(7, "#NM"),
	EXCP(8, "#DF"), EXCP(9, "coprocessor segment overrun"), EXCP(10, "#TS"),
	EXCP(11, "#NP"), EXCP(12, "#SS"), EXCP(13, "#GP"), EXCP(14, "#PF"),
	EXCP(15, "reserved"), EXCP(16, "#MF"), EXCP(17, "#AC"), EXCP(18, "#MC"),
	EXCP(19, "#XF"), EXCP(20, "reserved"), EXCP(21, "#CP"), EXCP(22, "reserved"),
	EXCP(23, "reserved"), EXCP(24, "reserved"), EXCP(25, "reserved"),
	EXCP(26, "reserved"), EXCP(27, "reserved"), EXCP(28, "#HV"), EXCP(29, "#VC"),
	EXCP(30, "#SX"), EXCP(31, "reserved"),

	/* Physical interrupts and signals: the host takes them after STGI. */
	[SVM_EXIT_INTR] = HANDLE("VMEXIT_INTR"),
	[SVM_EXIT_NMI] = HANDLE("VMEXIT_NMI"),
	[SVM_EXIT_SMI] = HANDLE("VMEXIT_SMI"),
	[SVM_EXIT_INIT] = HANDLE("VMEXIT_INIT"),
	[SVM_EXIT_VINTR] = HANDLE("VMEXIT_VINTR"),
	[SVM_EXIT_CR0_SEL_WRITE] = HANDLE("VMEXIT_CR0_SEL_WRITE"),
	/* Not intercepted: descriptor-table access, RDTSC (the TSC offset applies), PUSHF/POPF, IRET, INTn. */
	[SVM_EXIT_IDTR_READ] = STOP("VMEXIT_IDTR_READ"),
	[SVM_EXIT_GDTR_READ] = STOP("VMEXIT_GDTR_READ"),
	[SVM_EXIT_LDTR_READ] = STOP("VMEXIT_LDTR_READ"),
	[SVM_EXIT_TR_READ] = STOP("VMEXIT_TR_READ"),
	[SVM_EXIT_IDTR_WRITE] = STOP("VMEXIT_IDTR_WRITE"),
	[SVM_EXIT_GDTR_WRITE] = STOP("VMEXIT_GDTR_WRITE"),
	[SVM_EXIT_LDTR_WRITE] = STOP("VMEXIT_LDTR_WRITE"),
	[SVM_EXIT_TR_WRITE] = STOP("VMEXIT_TR_WRITE"),
	[SVM_EXIT_RDTSC] = STOP("VMEXIT_RDTSC"),
	/* No performance counters are offered: #GP(0), as for an invalid counter (and VT-x). */
	[SVM_EXIT_RDPMC] = GP("VMEXIT_RDPMC"),
	[SVM_EXIT_PUSHF] = STOP("VMEXIT_PUSHF"),
	[SVM_EXIT_POPF] = STOP("VMEXIT_POPF"),
	[SVM_EXIT_CPUID] = HANDLE("VMEXIT_CPUID"),
	/* RSM outside SMM raises #UD; the guest never runs in SMM. */
	[SVM_EXIT_RSM] = UD("VMEXIT_RSM"),
	[SVM_EXIT_IRET] = STOP("VMEXIT_IRET"),
	[SVM_EXIT_SWINT] = STOP("VMEXIT_SWINT"),
	[SVM_EXIT_INVD] = HANDLE("VMEXIT_INVD"),
	[SVM_EXIT_PAUSE] = HANDLE("VMEXIT_PAUSE"),
	[SVM_EXIT_HLT] = HANDLE("VMEXIT_HLT"),
	[SVM_EXIT_INVLPG] = HANDLE("VMEXIT_INVLPG"),
	[SVM_EXIT_INVLPGA] = UD("VMEXIT_INVLPGA"),
	[SVM_EXIT_IOIO] = HANDLE("VMEXIT_IOIO"),
	[SVM_EXIT_MSR] = HANDLE("VMEXIT_MSR"),
	[SVM_EXIT_TASK_SWITCH] = HANDLE("VMEXIT_TASK_SWITCH"),
	/* Only with CR0.NE = 0 and the intercept set; neither is used. */
	[SVM_EXIT_FERR_FREEZE] = STOP("VMEXIT_FERR_FREEZE"),
	[SVM_EXIT_SHUTDOWN] = HANDLE("VMEXIT_SHUTDOWN"),

	/* SVM instructions: nested virtualization is not offered. */
	[SVM_EXIT_VMRUN] = UD("VMEXIT_VMRUN"),
	[SVM_EXIT_VMMCALL] = HANDLE("VMEXIT_VMMCALL"),
	[SVM_EXIT_VMLOAD] = UD("VMEXIT_VMLOAD"),
	[SVM_EXIT_VMSAVE] = UD("VMEXIT_VMSAVE"),
	[SVM_EXIT_STGI] = UD("VMEXIT_STGI"),
	[SVM_EXIT_CLGI] = UD("VMEXIT_CLGI"),
	[SVM_EXIT_SKINIT] = UD("VMEXIT_SKINIT"),
	[SVM_EXIT_RDTSCP] = STOP("VMEXIT_RDTSCP"),
	/* INT1: the back-end skips it and raises #DB itself (svm.c). */
	[SVM_EXIT_ICEBP] = HANDLE("VMEXIT_ICEBP"),
	[SVM_EXIT_WBINVD] = HANDLE("VMEXIT_WBINVD"),
	/* MONITOR/MWAIT are hidden from the guest's CPUID. */
	[SVM_EXIT_MONITOR] = UD("VMEXIT_MONITOR"),
	[SVM_EXIT_MWAIT] = UD("VMEXIT_MWAIT"),
	[SVM_EXIT_MWAIT_CONDITIONAL] = UD("VMEXIT_MWAIT_CONDITIONAL"),
	[SVM_EXIT_XSETBV] = HANDLE("VMEXIT_XSETBV"),
	[SVM_EXIT_RDPRU] = UD("VMEXIT_RDPRU"),
	[SVM_EXIT_EFER_WRITE_TRAP] = STOP("VMEXIT_EFER_WRITE_TRAP"),
	CR_TRAP(0), CR_TRAP(1), CR_TRAP(2), CR_TRAP(3), CR_TRAP(4), CR_TRAP(5),
	CR_TRAP(6), CR_TRAP(7), CR_TRAP(8), CR_TRAP(9), CR_TRAP(10), CR_TRAP(11),
	CR_TRAP(12), CR_TRAP(13), CR_TRAP(14), CR_TRAP(15),

	/* Hidden from the guest's CPUID: #UD, as on a CPU without them. */
	[SVM_EXIT_INVLPGB] = UD("VMEXIT_INVLPGB"),
	[SVM_EXIT_INVLPGB_ILLEGAL] = UD("VMEXIT_INVLPGB_ILLEGAL"),
	[SVM_EXIT_INVPCID] = UD("VMEXIT_INVPCID"),
	[SVM_EXIT_MCOMMIT] = UD("VMEXIT_MCOMMIT"),
	[SVM_EXIT_TLBSYNC] = UD("VMEXIT_TLBSYNC"),
	/* The bus-lock threshold is not armed. */
	[SVM_EXIT_BUSLOCK] = STOP("VMEXIT_BUSLOCK"),
	[SVM_EXIT_IDLE_HLT] = HANDLE("VMEXIT_IDLE_HLT"),

	[SVM_IDX_NPF] = HANDLE("VMEXIT_NPF"),
	/* AVIC, SEV-ES and page-modification logging are not enabled. */
	[SVM_IDX_AVIC_INCOMPLETE_IPI] = STOP("AVIC_INCOMPLETE_IPI"),
	[SVM_IDX_AVIC_NOACCEL] = STOP("AVIC_NOACCEL"),
	[SVM_IDX_VMGEXIT] = STOP("VMEXIT_VMGEXIT"),
	[SVM_IDX_PML_FULL] = STOP("VMEXIT_PML_FULL"),
	[SVM_IDX_INVALID] = HANDLE("VMEXIT_INVALID"),
	[SVM_IDX_BUSY] = STOP("VMEXIT_BUSY"),
	[SVM_IDX_IDLE_REQUIRED] = STOP("VMEXIT_IDLE_REQUIRED"),
	[SVM_IDX_INVALID_PMC] = STOP("VMEXIT_INVALID_PMC"),

	/* Counts codes Table C-1 does not define; such an exit stops the VM. */
	[SVM_IDX_UNKNOWN] = { .name = "unknown exit code", .policy = EXIT_POLICY_STOP },
};

int svm_exit_index(u64 code)
{
	u32 hi = (u32)(code >> 32), lo = (u32)code;

	/*
	 * The negative codes fill all 64 bits on hardware; QEMU's TCG reports
	 * them in the low 32 bits only (0x00000000FFFFFFFF).  Accept both.
	 */
	if (lo >= 0xfffffffcu && (hi == 0 || hi == 0xffffffffu))
		return SVM_IDX_INVALID + (int)(0xffffffffu - lo);
	if (hi)
		return -ENOENT;
	if (lo <= SVM_EXIT_IDLE_HLT)
		return (int)lo;
	switch (lo) {
	case SVM_EXIT_NPF:
		return SVM_IDX_NPF;
	case SVM_EXIT_AVIC_INCOMPLETE_IPI:
		return SVM_IDX_AVIC_INCOMPLETE_IPI;
	case SVM_EXIT_AVIC_NOACCEL:
		return SVM_IDX_AVIC_NOACCEL;
	case SVM_EXIT_VMGEXIT:
		return SVM_IDX_VMGEXIT;
	case SVM_EXIT_PML_FULL:
		return SVM_IDX_PML_FULL;
	}
	return -ENOENT;
}

bool svm_vector_has_error(u8 vector)
{
	switch (vector) {
	case EXC_DF: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP: case EXC_PF:
	case EXC_AC: case EXC_CP: case 29 /* #VC */: case 30 /* #SX */:
		return true;
	}
	return false;
}

/*
 * 15.7.1: NRIP holds the next instruction's address for instruction
 * intercepts only; it is zero for everything else.
 */
static bool is_instruction_intercept(u64 code)
{
	return code <= 0x3f || (code >= SVM_EXIT_CR0_SEL_WRITE && code <= SVM_EXIT_MSR) ||
	       (code >= SVM_EXIT_VMRUN && code <= SVM_EXIT_RDPRU) ||
	       (code >= SVM_EXIT_INVLPGB && code <= SVM_EXIT_TLBSYNC) || code == SVM_EXIT_IDLE_HLT;
}

static u8 length_to(u64 rip, u64 next)
{
	u64 len = next - rip;

	return next > rip && len <= VM_INSN_MAX ? (u8)len : 0;
}

static s8 decoded_gpr(const struct svm_exit_ctx *ctx, bool need_valid)
{
	u64 info = ctx->vmcb->ctl.exitinfo1;

	if (!ctx->decode_assists || (need_valid && !(info & SVM_CR_VALID)))
		return -1;
	return (s8)(info & SVM_CR_GPR_MASK);
}

/* 15.10.2: EXITINFO1 of IOIO; EXITINFO2 is the next RIP, with or without NRIP-save. */
static void decode_io(const struct svm_exit_ctx *ctx, struct vm_exit *exit)
{
	u64 info = ctx->vmcb->ctl.exitinfo1;

	exit->kind = VM_EXIT_IO;
	exit->io.port = (u16)(info >> SVM_IOIO_PORT_SHIFT);
	exit->io.in = info & SVM_IOIO_IN;
	exit->io.string = info & SVM_IOIO_STR;
	exit->io.rep = info & SVM_IOIO_REP;
	switch (info & (SVM_IOIO_SZ8 | SVM_IOIO_SZ16 | SVM_IOIO_SZ32)) {
	case SVM_IOIO_SZ8: exit->io.size = 1; break;
	case SVM_IOIO_SZ16: exit->io.size = 2; break;
	case SVM_IOIO_SZ32: exit->io.size = 4; break;
	default: exit->kind = VM_EXIT_STOP; return;	/* not a format the APM defines */
	}
	switch (info & (SVM_IOIO_A16 | SVM_IOIO_A32 | SVM_IOIO_A64)) {
	case SVM_IOIO_A16: exit->io.addr_size = 2; break;
	case SVM_IOIO_A32: exit->io.addr_size = 4; break;
	case SVM_IOIO_A64: exit->io.addr_size = 8; break;
	default: exit->io.addr_size = 0; break;
	}
	exit->io.seg = (info >> SVM_IOIO_SEG_SHIFT) & 7;
	exit->insn_len = length_to(exit->rip, ctx->vmcb->ctl.exitinfo2);
}

/* 15.25.6: EXITINFO1 is a page-fault error code, EXITINFO2 the guest-physical address. */
static void decode_npf(const struct svm_exit_ctx *ctx, struct vm_exit *exit)
{
	const struct vmcb_control *c = &ctx->vmcb->ctl;
	u8 n;

	exit->kind = VM_EXIT_STAGE2;
	exit->stage2.gpa = c->exitinfo2;
	if (c->exitinfo1 & SVM_NPF_ID)
		exit->stage2.access = VM_ACCESS_FETCH;
	else if (c->exitinfo1 & SVM_NPF_RW)
		exit->stage2.access = VM_ACCESS_WRITE;
	else
		exit->stage2.access = VM_ACCESS_READ;
	exit->stage2.mapped = c->exitinfo1 & SVM_NPF_P;
	/* 15.33.3: decode assists fetch up to 15 bytes at CS:RIP (0 when the fetch failed). */
	if (ctx->decode_assists) {
		n = MIN(c->insn_len & 0xf, VM_INSN_MAX);
		memcpy(exit->stage2.insn, c->insn_bytes, n);
		exit->stage2.insn_fetched = n;
	}
}

static void decode_exception(const struct svm_exit_ctx *ctx, struct vm_exit *exit, u8 vector)
{
	const struct vmcb *vmcb = ctx->vmcb;

	exit->kind = VM_EXIT_EXCEPTION;
	exit->exception.vector = vector;
	exit->exception.has_error = svm_vector_has_error(vector);
	if (exit->exception.has_error)
		exit->exception.error_code = (u32)vmcb->ctl.exitinfo1;
	/*
	 * 15.12: #PF puts the faulting address in EXITINFO2 (CR2 is not
	 * written).  An intercepted #DB has already updated the guest's DR6 in
	 * the VMCB, so aux stays 0 for it (vm/exit.h).
	 */
	if (vector == EXC_PF)
		exit->exception.aux = vmcb->ctl.exitinfo2;
}

/* 15.14.x: EXITINFO1 holds the new TSS selector, EXITINFO2 says how the switch began. */
static void decode_task_switch(const struct svm_exit_ctx *ctx, struct vm_exit *exit)
{
	const struct vmcb_control *c = &ctx->vmcb->ctl;

	exit->kind = VM_EXIT_TASK_SWITCH;
	exit->task.selector = (u16)c->exitinfo1;
	if (c->exitinfo2 & SVM_TASK_IRET)
		exit->task.source = 1;
	else if (c->exitinfo2 & SVM_TASK_JMP)
		exit->task.source = 2;
	else if (c->exitintinfo & SVM_EVENT_VALID)
		exit->task.source = 3;
	else
		exit->task.source = 0;
}

void svm_exit_decode(const struct svm_exit_ctx *ctx, struct vm_exit *exit)
{
	const struct vmcb *vmcb = ctx->vmcb;
	u64 code = vmcb->ctl.exitcode;
	int idx = svm_exit_index(code);
	const struct exit_table_entry *e;

	memset(exit, 0, sizeof(*exit));
	if (idx < 0)
		idx = SVM_IDX_UNKNOWN;
	e = &svm_exit_table[idx];
	exit->reason = (u32)code;
	exit->table_index = (u32)idx;
	exit->name = e->name;
	exit->qual = vmcb->ctl.exitinfo1;
	exit->info2 = vmcb->ctl.exitinfo2;
	exit->rip = vmcb->save.rip;

	if (e->policy == EXIT_POLICY_INJECT) {
		exit->kind = VM_EXIT_INJECT;
		exit->inject.vector = e->inject_vector;
		/* #GP(0) is the only injected fault that pushes an error code. */
		exit->inject.has_error = e->inject_vector == EXC_GP;
		exit->inject.error_code = 0;
		return;
	}
	if (e->policy != EXIT_POLICY_HANDLE) {
		exit->kind = VM_EXIT_STOP;
		return;
	}
	if (ctx->nrip && is_instruction_intercept(code))
		exit->insn_len = length_to(exit->rip, vmcb->ctl.nrip);

	if (idx == SVM_IDX_NPF) {
		decode_npf(ctx, exit);
		return;
	}
	if (idx == SVM_IDX_INVALID) {
		exit->kind = VM_EXIT_INVALID_STATE;
		exit->fail.code = -1;
		return;
	}
	if (code <= 0x1f) {
		exit->kind = VM_EXIT_CR_ACCESS;
		exit->cr.cr = code & 0xf;
		exit->cr.write = code >= SVM_EXIT_CR0_WRITE;
		exit->cr.type = VM_CR_MOV;
		exit->cr.gpr = decoded_gpr(ctx, true);
		return;
	}
	if (code <= 0x3f) {
		exit->kind = VM_EXIT_DR_ACCESS;
		exit->dr.dr = code & 0xf;
		exit->dr.write = code >= SVM_EXIT_DR0_WRITE;
		exit->dr.gpr = decoded_gpr(ctx, false);
		return;
	}
	if (code < SVM_EXIT_INTR) {
		decode_exception(ctx, exit, (u8)(code - SVM_EXIT_EXCP0));
		return;
	}
	switch (code) {
	case SVM_EXIT_INTR:
		exit->kind = VM_EXIT_INTR;
		break;
	case SVM_EXIT_NMI:
		exit->kind = VM_EXIT_NMI;
		break;
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		/* Stays pending and takes effect on the host after STGI; nothing for the guest. */
		exit->kind = VM_EXIT_NONE;
		break;
	case SVM_EXIT_VINTR:
		exit->kind = VM_EXIT_INTR_WINDOW;
		break;
	case SVM_EXIT_CR0_SEL_WRITE:
		exit->kind = VM_EXIT_CR_ACCESS;
		exit->cr.cr = 0;
		exit->cr.write = true;
		exit->cr.type = VM_CR_MOV;
		exit->cr.gpr = decoded_gpr(ctx, true);
		break;
	case SVM_EXIT_CPUID:
		exit->kind = VM_EXIT_CPUID;
		break;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		exit->kind = VM_EXIT_INVD;
		break;
	case SVM_EXIT_PAUSE:
		exit->kind = VM_EXIT_PAUSE;
		break;
	case SVM_EXIT_HLT:
	case SVM_EXIT_IDLE_HLT:
		exit->kind = VM_EXIT_HLT;
		break;
	case SVM_EXIT_INVLPG:
		/* With decode assists EXITINFO1 is the linear address (exit->qual). */
		exit->kind = VM_EXIT_INVLPG;
		break;
	case SVM_EXIT_IOIO:
		decode_io(ctx, exit);
		break;
	case SVM_EXIT_MSR:
		/* 15.11: EXITINFO1 is 0 for RDMSR, 1 for WRMSR; the index is the guest's ECX. */
		if (vmcb->ctl.exitinfo1 > 1) {
			exit->kind = VM_EXIT_STOP;
			break;
		}
		exit->kind = vmcb->ctl.exitinfo1 ? VM_EXIT_MSR_WRITE : VM_EXIT_MSR_READ;
		exit->msr.index = (u32)ctx->gpr[GPR_RCX];
		break;
	case SVM_EXIT_TASK_SWITCH:
		decode_task_switch(ctx, exit);
		break;
	case SVM_EXIT_SHUTDOWN:
		exit->kind = VM_EXIT_SHUTDOWN;
		break;
	case SVM_EXIT_VMMCALL:
		exit->kind = VM_EXIT_HYPERCALL;
		break;
	case SVM_EXIT_ICEBP:
		exit->kind = VM_EXIT_NONE;
		break;
	case SVM_EXIT_XSETBV:
		exit->kind = VM_EXIT_XSETBV;
		break;
	default:
		/* A handle entry without a decoder: a bug the unit test catches. */
		exit->kind = VM_EXIT_STOP;
		break;
	}
}
