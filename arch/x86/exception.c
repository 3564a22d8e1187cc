/* Host exceptions during hypervisor code: expected MSR probes resume, everything else panics. */
#include "arch/x86/exception.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/panic.h"

static const char *const exception_names[32] = {
	[0] = "#DE divide error", [1] = "#DB debug", [2] = "NMI", [3] = "#BP breakpoint",
	[4] = "#OF overflow", [5] = "#BR bound range", [6] = "#UD invalid opcode",
	[7] = "#NM device not available", [8] = "#DF double fault",
	[9] = "coprocessor segment overrun", [10] = "#TS invalid TSS",
	[11] = "#NP segment not present", [12] = "#SS stack fault",
	[13] = "#GP general protection", [14] = "#PF page fault", [16] = "#MF x87 error",
	[17] = "#AC alignment check", [18] = "#MC machine check", [19] = "#XM SIMD error",
	[20] = "#VE virtualization exception", [21] = "#CP control protection",
	[28] = "#HV hypervisor injection", [29] = "#VC VMM communication",
	[30] = "#SX security exception",
};

const char *arch_exception_name(u64 vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return vector < 32 ? "reserved exception" : "interrupt";
}

/* A #GP on one of the probing MSR instructions resumes at its fixup label. */
static bool exception_fixup(struct exception_frame *f)
{
	if (f->vector != 13)
		return false;
	if (f->rip == (u64)(uintptr_t)arch_rdmsr_safe_insn) {
		f->rip = (u64)(uintptr_t)arch_rdmsr_safe_fixup;
		return true;
	}
	if (f->rip == (u64)(uintptr_t)arch_wrmsr_safe_insn) {
		f->rip = (u64)(uintptr_t)arch_wrmsr_safe_fixup;
		return true;
	}
	return false;
}

void arch_exception_handle(struct exception_frame *f)
{
	char reason[96];

	if (exception_fixup(f))
		return;
	/*
	 * Interrupts reach here only on the hypervisor's own IDT: the kick IPI and the AP
	 * timer (their work is done by the exit they caused), the APIC's spurious vector and
	 * the masked 8259s' spurious IRQ 7 and 15, which need no EOI.
	 */
	if (f->vector == LAPIC_VECTOR_KICK) {
		lapic_host_eoi();
		return;
	}
	if (f->vector == LAPIC_VECTOR_SPURIOUS || f->vector == 0x27 || f->vector == 0x2f)
		return;
	/*
	 * Any other interrupt is someone else's (the APIC's task priority keeps the firmware's
	 * device interrupts away from APs): acknowledge it and carry on rather than stop the CPU.
	 */
	if (f->vector >= 32) {
		lapic_host_eoi();
		return;
	}
	fmt_snprintf(reason, sizeof(reason), "host exception %llu (%s) in hypervisor code",
		     (unsigned long long)f->vector, arch_exception_name(f->vector));
	panic_frame(reason, f);
}

u32 cpu_apic_id(void)
{
	if (cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx)
		return cpuid(0xb, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}
