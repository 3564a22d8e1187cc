/*
 * The normalised exit record: each back-end turns its raw exit information
 * (VMCS exit reason and qualification, VMCB EXITCODE/EXITINFO) into one of these,
 * and the common handlers in vm/ consume it.
 */
#ifndef VM_EXIT_H
#define VM_EXIT_H

#include "lib/types.h"

enum vm_exit_kind {
	VM_EXIT_NONE,		/* handled inside the back-end; just re-enter */
	VM_EXIT_CPUID,
	VM_EXIT_MSR_READ,
	VM_EXIT_MSR_WRITE,
	VM_EXIT_IO,
	VM_EXIT_STAGE2,		/* EPT violation / nested page fault: MMIO or a bad access */
	VM_EXIT_CR_ACCESS,
	VM_EXIT_DR_ACCESS,
	VM_EXIT_HLT,
	VM_EXIT_HYPERCALL,	/* VMCALL / VMMCALL */
	VM_EXIT_EXCEPTION,	/* an intercepted guest exception */
	VM_EXIT_INTR,		/* a host interrupt arrived while the guest ran */
	VM_EXIT_NMI,		/* a host NMI */
	VM_EXIT_INTR_WINDOW,	/* the guest can now take an interrupt */
	VM_EXIT_NMI_WINDOW,
	VM_EXIT_TASK_SWITCH,
	VM_EXIT_SHUTDOWN,	/* triple fault */
	VM_EXIT_INVALID_STATE,	/* VM entry failed; see vm_exit.fail */
	VM_EXIT_XSETBV,
	VM_EXIT_INVD,		/* INVD / WBINVD / WBNOINVD: caches are the host's business */
	VM_EXIT_INVLPG,
	VM_EXIT_PAUSE,
	VM_EXIT_PREEMPT,	/* the time slice ended */
	VM_EXIT_INJECT,		/* table policy "inject": raise inject.vector (e.g. #UD for VMRUN) */
	VM_EXIT_STOP,		/* table policy "stop": end the VM with a dump */
	VM_EXIT_KIND_COUNT
};

/* Access types of a stage-2 fault. */
#define VM_ACCESS_READ BIT(0)
#define VM_ACCESS_WRITE BIT(1)
#define VM_ACCESS_FETCH BIT(2)

#define VM_INSN_MAX 15

struct vm_exit {
	enum vm_exit_kind kind;

	/* Raw vendor information, for counters and diagnostic dumps. */
	u32 reason;		/* VMX basic exit reason / SVM exit code (low 32 bits) */
	u32 table_index;	/* index into the back-end's exit table (counters) */
	u64 qual;		/* exit qualification / EXITINFO1 */
	u64 info2;		/* guest-linear address / EXITINFO2 */
	const char *name;	/* the table entry's name */

	u64 rip;		/* guest RIP of the exiting instruction */
	u8 insn_len;		/* its length, 0 when the hardware did not say */

	union {
		struct {
			u16 port;
			u8 size;	/* 1, 2 or 4 */
			bool in;
			bool string;
			bool rep;
			u8 addr_size;	/* 2, 4 or 8 (string forms) */
			u8 seg;		/* segment of the source operand for OUTS (x86 encoding), 3 = DS */
		} io;
		struct {
			u64 gpa;
			u64 gla;	/* guest-linear address, when gla_valid */
			bool gla_valid;
			u8 access;	/* VM_ACCESS_* of the faulting access */
			bool mapped;	/* a translation existed (permission fault) */
			u8 insn[VM_INSN_MAX];
			u8 insn_fetched; /* bytes the hardware supplied (AMD decode assists) */
		} stage2;
		struct {
			u32 index;
		} msr;
		struct {
			u8 cr;		/* 0, 3, 4, 8 */
			bool write;
			s8 gpr;		/* operand register (x86 encoding), -1 = decode the instruction */
			u8 type;	/* VM_CR_MOV, VM_CR_CLTS, VM_CR_LMSW */
			u16 lmsw_value;
		} cr;
		struct {
			u8 dr;
			bool write;
			s8 gpr;		/* -1 = decode the instruction */
		} dr;
		struct {
			u8 vector;
			bool has_error;
			u32 error_code;
			u64 aux;	/* CR2 for #PF; for #DB the DR6 bits the CPU did not
					 * write itself (VMX exit qualification), 0 on AMD */
		} exception;
		struct {
			u8 vector;
			bool has_error;
			u32 error_code;
		} inject;
		struct {
			u16 selector;
			u8 source;	/* 0 CALL, 1 IRET, 2 JMP, 3 task gate */
		} task;
		struct {
			int code;		/* VM-instruction error number / SVM exit code */
			const char *what;	/* which check failed, by name, or NULL */
		} fail;
	};
};

#define VM_CR_MOV 0
#define VM_CR_CLTS 1
#define VM_CR_LMSW 2

const char *vm_exit_kind_name(enum vm_exit_kind kind);

#endif
