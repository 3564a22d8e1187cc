/*
 * Firmware-hosted exceptions: the firmware keeps its IDT; we register handlers
 * for the exception vectors through its CPU architectural protocol, so a fault
 * in hypervisor code is reported (and an rdmsr_safe probe resumes).
 */
#include "host/uefi/uefi.h"
#include "arch/x86/exception.h"
#include "lib/log.h"

#define EXCEPTION_VECTORS 32

static struct uefi_cpu_arch *cpu_arch;
static u32 registered;	/* bitmap of vectors we own */

static void EFIAPI uefi_exception(INTN type, EFI_SYSTEM_CONTEXT ctx)
{
	EFI_SYSTEM_CONTEXT_X64 *c = ctx.SystemContextX64;
	struct exception_frame f = {
		.r15 = c->R15, .r14 = c->R14, .r13 = c->R13, .r12 = c->R12,
		.r11 = c->R11, .r10 = c->R10, .r9 = c->R9, .r8 = c->R8,
		.rbp = c->Rbp, .rdi = c->Rdi, .rsi = c->Rsi, .rdx = c->Rdx,
		.rcx = c->Rcx, .rbx = c->Rbx, .rax = c->Rax,
		.vector = (u64)type, .error_code = c->ExceptionData,
		.rip = c->Rip, .cs = c->Cs, .rflags = c->Rflags, .rsp = c->Rsp, .ss = c->Ss,
	};

	arch_exception_handle(&f);
	/* Handled (a probe): resume where the fixup says, with its result register. */
	c->Rip = f.rip;
	c->Rax = f.rax;
}

void uefi_exceptions_init(void)
{
	EFI_GUID guid = UEFI_CPU_ARCH_PROTOCOL_GUID;

	if (uefi_bs->LocateProtocol(&guid, NULL, (void **)&cpu_arch)) {
		cpu_arch = NULL;
		log_warn("no CPU architectural protocol: host exceptions stay with the firmware\n");
		return;
	}
	for (u32 v = 0; v < EXCEPTION_VECTORS; v++) {
		/* NMI and machine checks keep the firmware's handling. */
		if (v == 2 || v == 18 || v == 15 || (v >= 22 && v <= 27) || v == 31)
			continue;
		if (cpu_arch->register_interrupt_handler(cpu_arch, v, uefi_exception) == EFI_SUCCESS)
			registered |= 1U << v;
		else
			log_debug("exception vector %u stays with the firmware\n", v);
	}
}

void uefi_exceptions_fini(void)
{
	for (u32 v = 0; v < EXCEPTION_VECTORS; v++)
		if (registered & (1U << v))
			cpu_arch->register_interrupt_handler(cpu_arch, v, NULL);
	registered = 0;
}
