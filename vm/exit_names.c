/* Names of the normalised exit kinds, for counters and dumps. */
#include "vm/exit.h"

static const char *const kind_names[VM_EXIT_KIND_COUNT] = {
	[VM_EXIT_NONE] = "none", [VM_EXIT_CPUID] = "cpuid", [VM_EXIT_MSR_READ] = "rdmsr",
	[VM_EXIT_MSR_WRITE] = "wrmsr", [VM_EXIT_IO] = "io", [VM_EXIT_STAGE2] = "stage-2 fault",
	[VM_EXIT_CR_ACCESS] = "cr access", [VM_EXIT_DR_ACCESS] = "dr access",
	[VM_EXIT_HLT] = "hlt", [VM_EXIT_HYPERCALL] = "hypercall",
	[VM_EXIT_EXCEPTION] = "exception", [VM_EXIT_INTR] = "host interrupt",
	[VM_EXIT_NMI] = "host nmi", [VM_EXIT_INTR_WINDOW] = "interrupt window",
	[VM_EXIT_NMI_WINDOW] = "nmi window", [VM_EXIT_TASK_SWITCH] = "task switch",
	[VM_EXIT_SHUTDOWN] = "shutdown", [VM_EXIT_INVALID_STATE] = "invalid state",
	[VM_EXIT_XSETBV] = "xsetbv", [VM_EXIT_INVD] = "invd/wbinvd",
	[VM_EXIT_INVLPG] = "invlpg", [VM_EXIT_PAUSE] = "pause", [VM_EXIT_PREEMPT] = "preempt",
	[VM_EXIT_INJECT] = "inject", [VM_EXIT_STOP] = "stop",
};

const char *vm_exit_kind_name(enum vm_exit_kind kind)
{
	return (unsigned)kind < VM_EXIT_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "?";
}
