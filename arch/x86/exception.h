/* Host exceptions taken while hypervisor code runs: the saved frame and its reporting. */
#ifndef ARCH_X86_EXCEPTION_H
#define ARCH_X86_EXCEPTION_H

#include "lib/types.h"

/* General registers and the hardware frame, in the order the bare-mode stubs push them. */
struct exception_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

/*
 * Called by the host's exception entry (own IDT in standalone mode, the
 * firmware's CPU protocol in firmware-hosted mode).  Returns when the fault was
 * an expected one (a probing rdmsr_safe) and the frame now resumes elsewhere;
 * otherwise reports it as a panic and never returns.
 */
void arch_exception_handle(struct exception_frame *f);

const char *arch_exception_name(u64 vector);

/* Fills f with the caller's registers (rip = return address of this call). */
void arch_capture_regs(struct exception_frame *f);

#endif
