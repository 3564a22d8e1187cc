/*
 * The VMX exit table: every basic exit reason of SDM vol. 3 appendix C, with
 * its policy (handle, inject or stop), and the VM-instruction error names.
 */
#include "vmx/vmx_exits.h"
#include "vm/vcpu_state.h"

#define HANDLE(n) { .name = #n, .policy = EXIT_POLICY_HANDLE, .defined = true }
#define INJECT(n, v) { .name = #n, .policy = EXIT_POLICY_INJECT, .inject_vector = (v), \
		       .defined = true }
#define STOP(n) { .name = #n, .policy = EXIT_POLICY_STOP, .defined = true }
#define RESERVED(n) { .name = "VMX_EXIT_RESERVED_" #n, .policy = EXIT_POLICY_STOP, \
		      .defined = false }

/*
 * Policies: "handle" reasons are decoded by vmx.c into a vm_exit for the common
 * handlers.  "inject" reasons raise what a CPU without the feature raises: #UD
 * for every VMX instruction (nested virtualization is not offered) and for the
 * instructions whose CPUID bits the guest does not see.  "stop" reasons come
 * only from controls MACROHARD never enables, or mean a hypervisor bug (EPT
 * misconfiguration): the VM ends with a dump.
 */
const struct exit_table_entry vmx_exit_table[VMX_EXIT_TABLE_SIZE] = {
	/* Exception or non-maskable interrupt (NMI) */
	[VMX_EXIT_EXCEPTION_OR_NMI] = HANDLE(VMX_EXIT_EXCEPTION_OR_NMI),
	/* External interrupt: the host's, serviced after the exit */
	[VMX_EXIT_EXTERNAL_INTERRUPT] = HANDLE(VMX_EXIT_EXTERNAL_INTERRUPT),
	/* Triple fault: the guest shuts down */
	[VMX_EXIT_TRIPLE_FAULT] = HANDLE(VMX_EXIT_TRIPLE_FAULT),
	/* INIT signal: a physical INIT reached this CPU while a guest ran */
	[VMX_EXIT_INIT_SIGNAL] = STOP(VMX_EXIT_INIT_SIGNAL),
	/* Start-up IPI (SIPI): only in the wait-for-SIPI activity state, never used */
	[VMX_EXIT_SIPI] = STOP(VMX_EXIT_SIPI),
	/* I/O system-management interrupt (SMI), other SMI: dual-monitor treatment only */
	[VMX_EXIT_IO_SMI] = STOP(VMX_EXIT_IO_SMI),
	[VMX_EXIT_OTHER_SMI] = STOP(VMX_EXIT_OTHER_SMI),
	/* Interrupt window, NMI window */
	[VMX_EXIT_INTERRUPT_WINDOW] = HANDLE(VMX_EXIT_INTERRUPT_WINDOW),
	[VMX_EXIT_NMI_WINDOW] = HANDLE(VMX_EXIT_NMI_WINDOW),
	/* Task switch */
	[VMX_EXIT_TASK_SWITCH] = HANDLE(VMX_EXIT_TASK_SWITCH),
	/* CPUID (always exits) */
	[VMX_EXIT_CPUID] = HANDLE(VMX_EXIT_CPUID),
	/* GETSEC: SMX is not offered */
	[VMX_EXIT_GETSEC] = INJECT(VMX_EXIT_GETSEC, EXC_UD),
	[VMX_EXIT_HLT] = HANDLE(VMX_EXIT_HLT),
	[VMX_EXIT_INVD] = HANDLE(VMX_EXIT_INVD),
	[VMX_EXIT_INVLPG] = HANDLE(VMX_EXIT_INVLPG),
	/* RDPMC: no performance counters are offered; #GP(0) as for an invalid counter */
	[VMX_EXIT_RDPMC] = INJECT(VMX_EXIT_RDPMC, EXC_GP),
	/* RDTSC: TSC offsetting, RDTSC exiting is never enabled */
	[VMX_EXIT_RDTSC] = STOP(VMX_EXIT_RDTSC),
	/* RSM outside SMM */
	[VMX_EXIT_RSM] = INJECT(VMX_EXIT_RSM, EXC_UD),
	/* VMCALL is the hypercall instruction */
	[VMX_EXIT_VMCALL] = HANDLE(VMX_EXIT_VMCALL),
	/* The VMX instructions: nested virtualization is not offered */
	[VMX_EXIT_VMCLEAR] = INJECT(VMX_EXIT_VMCLEAR, EXC_UD),
	[VMX_EXIT_VMLAUNCH] = INJECT(VMX_EXIT_VMLAUNCH, EXC_UD),
	[VMX_EXIT_VMPTRLD] = INJECT(VMX_EXIT_VMPTRLD, EXC_UD),
	[VMX_EXIT_VMPTRST] = INJECT(VMX_EXIT_VMPTRST, EXC_UD),
	[VMX_EXIT_VMREAD] = INJECT(VMX_EXIT_VMREAD, EXC_UD),
	[VMX_EXIT_VMRESUME] = INJECT(VMX_EXIT_VMRESUME, EXC_UD),
	[VMX_EXIT_VMWRITE] = INJECT(VMX_EXIT_VMWRITE, EXC_UD),
	[VMX_EXIT_VMXOFF] = INJECT(VMX_EXIT_VMXOFF, EXC_UD),
	[VMX_EXIT_VMXON] = INJECT(VMX_EXIT_VMXON, EXC_UD),
	/* Control-register accesses */
	[VMX_EXIT_CR_ACCESS] = HANDLE(VMX_EXIT_CR_ACCESS),
	/* MOV DR */
	[VMX_EXIT_MOV_DR] = HANDLE(VMX_EXIT_MOV_DR),
	/* I/O instruction */
	[VMX_EXIT_IO_INSTRUCTION] = HANDLE(VMX_EXIT_IO_INSTRUCTION),
	[VMX_EXIT_RDMSR] = HANDLE(VMX_EXIT_RDMSR),
	[VMX_EXIT_WRMSR] = HANDLE(VMX_EXIT_WRMSR),
	/* VM-entry failure due to invalid guest state / MSR loading */
	[VMX_EXIT_INVALID_GUEST_STATE] = HANDLE(VMX_EXIT_INVALID_GUEST_STATE),
	[VMX_EXIT_MSR_LOADING] = HANDLE(VMX_EXIT_MSR_LOADING),
	[35] = RESERVED(35),
	/* MWAIT, MONITOR: CPUID does not offer them to guests */
	[VMX_EXIT_MWAIT] = INJECT(VMX_EXIT_MWAIT, EXC_UD),
	/* Monitor trap flag: never enabled */
	[VMX_EXIT_MONITOR_TRAP_FLAG] = STOP(VMX_EXIT_MONITOR_TRAP_FLAG),
	[38] = RESERVED(38),
	[VMX_EXIT_MONITOR] = INJECT(VMX_EXIT_MONITOR, EXC_UD),
	[VMX_EXIT_PAUSE] = HANDLE(VMX_EXIT_PAUSE),
	/* VM-entry failure due to machine-check event */
	[VMX_EXIT_MACHINE_CHECK] = HANDLE(VMX_EXIT_MACHINE_CHECK),
	[42] = RESERVED(42),
	/* TPR below threshold, APIC access, virtualized EOI, APIC write: APIC virtualization is not used */
	[VMX_EXIT_TPR_BELOW_THRESHOLD] = STOP(VMX_EXIT_TPR_BELOW_THRESHOLD),
	[VMX_EXIT_APIC_ACCESS] = STOP(VMX_EXIT_APIC_ACCESS),
	[VMX_EXIT_VIRTUALIZED_EOI] = STOP(VMX_EXIT_VIRTUALIZED_EOI),
	/* Access to GDTR or IDTR, to LDTR or TR: descriptor-table exiting is never enabled */
	[VMX_EXIT_GDTR_IDTR_ACCESS] = STOP(VMX_EXIT_GDTR_IDTR_ACCESS),
	[VMX_EXIT_LDTR_TR_ACCESS] = STOP(VMX_EXIT_LDTR_TR_ACCESS),
	[VMX_EXIT_EPT_VIOLATION] = HANDLE(VMX_EXIT_EPT_VIOLATION),
	/* EPT misconfiguration: the hypervisor built a bad table */
	[VMX_EXIT_EPT_MISCONFIG] = STOP(VMX_EXIT_EPT_MISCONFIG),
	[VMX_EXIT_INVEPT] = INJECT(VMX_EXIT_INVEPT, EXC_UD),
	/* RDTSCP: exits only with RDTSC exiting, never enabled */
	[VMX_EXIT_RDTSCP] = STOP(VMX_EXIT_RDTSCP),
	/* VMX-preemption timer expired: the time slice ended */
	[VMX_EXIT_PREEMPTION_TIMER] = HANDLE(VMX_EXIT_PREEMPTION_TIMER),
	[VMX_EXIT_INVVPID] = INJECT(VMX_EXIT_INVVPID, EXC_UD),
	/* WBINVD or WBNOINVD */
	[VMX_EXIT_WBINVD] = HANDLE(VMX_EXIT_WBINVD),
	[VMX_EXIT_XSETBV] = HANDLE(VMX_EXIT_XSETBV),
	[VMX_EXIT_APIC_WRITE] = STOP(VMX_EXIT_APIC_WRITE),
	/* RDRAND, INVPCID, RDSEED: their exiting controls are never enabled */
	[VMX_EXIT_RDRAND] = STOP(VMX_EXIT_RDRAND),
	[VMX_EXIT_INVPCID] = STOP(VMX_EXIT_INVPCID),
	/* VMFUNC: no VM function is enabled, so every use is invalid */
	[VMX_EXIT_VMFUNC] = INJECT(VMX_EXIT_VMFUNC, EXC_UD),
	/* ENCLS, ENCLV: SGX is not offered */
	[VMX_EXIT_ENCLS] = INJECT(VMX_EXIT_ENCLS, EXC_UD),
	[VMX_EXIT_RDSEED] = STOP(VMX_EXIT_RDSEED),
	/* Page-modification log full: PML is never enabled */
	[VMX_EXIT_PML_FULL] = STOP(VMX_EXIT_PML_FULL),
	/* XSAVES, XRSTORS: the XSS-exiting bitmap is all zero */
	[VMX_EXIT_XSAVES] = STOP(VMX_EXIT_XSAVES),
	[VMX_EXIT_XRSTORS] = STOP(VMX_EXIT_XRSTORS),
	/* PCONFIG: not offered */
	[VMX_EXIT_PCONFIG] = INJECT(VMX_EXIT_PCONFIG, EXC_UD),
	/* SPP-related event: sub-page permissions are never enabled */
	[VMX_EXIT_SPP_EVENT] = STOP(VMX_EXIT_SPP_EVENT),
	/* UMWAIT, TPAUSE: WAITPKG is not offered */
	[VMX_EXIT_UMWAIT] = INJECT(VMX_EXIT_UMWAIT, EXC_UD),
	[VMX_EXIT_TPAUSE] = INJECT(VMX_EXIT_TPAUSE, EXC_UD),
	/* LOADIWKEY: Key Locker is not offered */
	[VMX_EXIT_LOADIWKEY] = INJECT(VMX_EXIT_LOADIWKEY, EXC_UD),
	[VMX_EXIT_ENCLV] = INJECT(VMX_EXIT_ENCLV, EXC_UD),
	[71] = RESERVED(71),
	/* ENQCMD / ENQCMDS PASID translation failure: PASID translation is never enabled */
	[VMX_EXIT_ENQCMD_PASID_FAILURE] = STOP(VMX_EXIT_ENQCMD_PASID_FAILURE),
	[VMX_EXIT_ENQCMDS_PASID_FAILURE] = STOP(VMX_EXIT_ENQCMDS_PASID_FAILURE),
	/* Bus lock, instruction timeout: their controls are never enabled */
	[VMX_EXIT_BUS_LOCK] = STOP(VMX_EXIT_BUS_LOCK),
	[VMX_EXIT_INSTRUCTION_TIMEOUT] = STOP(VMX_EXIT_INSTRUCTION_TIMEOUT),
	/* SEAMCALL, TDCALL: TDX is not offered */
	[VMX_EXIT_SEAMCALL] = INJECT(VMX_EXIT_SEAMCALL, EXC_UD),
	[VMX_EXIT_TDCALL] = INJECT(VMX_EXIT_TDCALL, EXC_UD),
	/* RDMSRLIST, WRMSRLIST, URDMSR, UWRMSR, RDMSR / WRMSRNS with an immediate: not offered */
	[VMX_EXIT_RDMSRLIST] = INJECT(VMX_EXIT_RDMSRLIST, EXC_UD),
	[VMX_EXIT_WRMSRLIST] = INJECT(VMX_EXIT_WRMSRLIST, EXC_UD),
	[VMX_EXIT_URDMSR] = INJECT(VMX_EXIT_URDMSR, EXC_UD),
	[VMX_EXIT_UWRMSR] = INJECT(VMX_EXIT_UWRMSR, EXC_UD),
	[82] = RESERVED(82),
	[83] = RESERVED(83),
	[VMX_EXIT_RDMSR_IMMEDIATE] = INJECT(VMX_EXIT_RDMSR_IMMEDIATE, EXC_UD),
	[VMX_EXIT_WRMSRNS_IMMEDIATE] = INJECT(VMX_EXIT_WRMSRNS_IMMEDIATE, EXC_UD),
};

const struct exit_table_entry *vmx_exit_lookup(u32 basic_reason)
{
	if (basic_reason >= VMX_EXIT_TABLE_SIZE || !vmx_exit_table[basic_reason].name)
		return NULL;
	return &vmx_exit_table[basic_reason];
}

struct vmx_insn_error {
	const char *name;
	const char *text;
};

#define ERR(n, t) [n] = { #n, t }

/* SDM 30.4 table 30-1 (31-1 in editions from 2023). */
static const struct vmx_insn_error insn_errors[VMXERR_COUNT] = {
	ERR(VMXERR_VMCALL_IN_ROOT, "VMCALL executed in VMX root operation"),
	ERR(VMXERR_VMCLEAR_INVALID_ADDRESS, "VMCLEAR with invalid physical address"),
	ERR(VMXERR_VMCLEAR_VMXON_POINTER, "VMCLEAR with VMXON pointer"),
	ERR(VMXERR_VMLAUNCH_NONCLEAR_VMCS, "VMLAUNCH with non-clear VMCS"),
	ERR(VMXERR_VMRESUME_NONLAUNCHED_VMCS, "VMRESUME with non-launched VMCS"),
	ERR(VMXERR_VMRESUME_AFTER_VMXOFF, "VMRESUME after VMXOFF"),
	ERR(VMXERR_ENTRY_INVALID_CONTROL_FIELD, "VM entry with invalid control field(s)"),
	ERR(VMXERR_ENTRY_INVALID_HOST_STATE_FIELD, "VM entry with invalid host-state field(s)"),
	ERR(VMXERR_VMPTRLD_INVALID_ADDRESS, "VMPTRLD with invalid physical address"),
	ERR(VMXERR_VMPTRLD_VMXON_POINTER, "VMPTRLD with VMXON pointer"),
	ERR(VMXERR_VMPTRLD_INCORRECT_REVISION, "VMPTRLD with incorrect VMCS revision identifier"),
	ERR(VMXERR_UNSUPPORTED_VMCS_COMPONENT,
	    "VMREAD/VMWRITE from/to unsupported VMCS component"),
	ERR(VMXERR_VMWRITE_READ_ONLY_COMPONENT, "VMWRITE to read-only VMCS component"),
	ERR(VMXERR_VMXON_IN_ROOT, "VMXON executed in VMX root operation"),
	ERR(VMXERR_ENTRY_INVALID_EXECUTIVE_VMCS_POINTER,
	    "VM entry with invalid executive-VMCS pointer"),
	ERR(VMXERR_ENTRY_NONLAUNCHED_EXECUTIVE_VMCS, "VM entry with non-launched executive VMCS"),
	ERR(VMXERR_ENTRY_EXECUTIVE_VMCS_NOT_VMXON_POINTER,
	    "VM entry with executive-VMCS pointer not VMXON pointer"),
	ERR(VMXERR_VMCALL_NONCLEAR_VMCS, "VMCALL with non-clear VMCS"),
	ERR(VMXERR_VMCALL_INVALID_EXIT_CONTROL_FIELDS, "VMCALL with invalid VM-exit control fields"),
	ERR(VMXERR_VMCALL_INCORRECT_MSEG_REVISION, "VMCALL with incorrect MSEG revision identifier"),
	ERR(VMXERR_VMXOFF_DUAL_MONITOR, "VMXOFF under dual-monitor treatment of SMIs and SMM"),
	ERR(VMXERR_VMCALL_INVALID_SMM_MONITOR_FEATURES, "VMCALL with invalid SMM-monitor features"),
	ERR(VMXERR_ENTRY_INVALID_EXECUTIVE_VMCS_CONTROLS,
	    "VM entry with invalid VM-execution control fields in executive VMCS"),
	ERR(VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS, "VM entry with events blocked by MOV SS"),
	ERR(VMXERR_INVALID_INVEPT_INVVPID_OPERAND, "Invalid operand to INVEPT/INVVPID"),
};

const char *vmx_insn_error_name(u32 error)
{
	if (error < VMXERR_COUNT && insn_errors[error].name)
		return insn_errors[error].name;
	return "VMXERR_UNKNOWN";
}

const char *vmx_insn_error_text(u32 error)
{
	if (error < VMXERR_COUNT && insn_errors[error].text)
		return insn_errors[error].text;
	return "error number not defined by the SDM (reserved)";
}
