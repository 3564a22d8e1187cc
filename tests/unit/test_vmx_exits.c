/*
 * Host unit test for the VMX exit table (vmx/vmx_exits.c): an independent list of
 * every basic exit reason of SDM vol. 3 appendix C, checked entry by entry.
 */
// unit-deps: vmx/vmx_exits.c
#include <stdio.h>
#include <string.h>

#include "vmx/vmx_exits.h"
#include "tests/unit/unit.h"

struct reason {
	unsigned number;
	const char *name;	/* NULL: reserved */
};

/* Written from the SDM's appendix C table, not from vmcs.h. */
static const struct reason sdm_reasons[] = {
	{ 0, "VMX_EXIT_EXCEPTION_OR_NMI" },	{ 1, "VMX_EXIT_EXTERNAL_INTERRUPT" },
	{ 2, "VMX_EXIT_TRIPLE_FAULT" },		{ 3, "VMX_EXIT_INIT_SIGNAL" },
	{ 4, "VMX_EXIT_SIPI" },			{ 5, "VMX_EXIT_IO_SMI" },
	{ 6, "VMX_EXIT_OTHER_SMI" },		{ 7, "VMX_EXIT_INTERRUPT_WINDOW" },
	{ 8, "VMX_EXIT_NMI_WINDOW" },		{ 9, "VMX_EXIT_TASK_SWITCH" },
	{ 10, "VMX_EXIT_CPUID" },		{ 11, "VMX_EXIT_GETSEC" },
	{ 12, "VMX_EXIT_HLT" },			{ 13, "VMX_EXIT_INVD" },
	{ 14, "VMX_EXIT_INVLPG" },		{ 15, "VMX_EXIT_RDPMC" },
	{ 16, "VMX_EXIT_RDTSC" },		{ 17, "VMX_EXIT_RSM" },
	{ 18, "VMX_EXIT_VMCALL" },		{ 19, "VMX_EXIT_VMCLEAR" },
	{ 20, "VMX_EXIT_VMLAUNCH" },		{ 21, "VMX_EXIT_VMPTRLD" },
	{ 22, "VMX_EXIT_VMPTRST" },		{ 23, "VMX_EXIT_VMREAD" },
	{ 24, "VMX_EXIT_VMRESUME" },		{ 25, "VMX_EXIT_VMWRITE" },
	{ 26, "VMX_EXIT_VMXOFF" },		{ 27, "VMX_EXIT_VMXON" },
	{ 28, "VMX_EXIT_CR_ACCESS" },		{ 29, "VMX_EXIT_MOV_DR" },
	{ 30, "VMX_EXIT_IO_INSTRUCTION" },	{ 31, "VMX_EXIT_RDMSR" },
	{ 32, "VMX_EXIT_WRMSR" },		{ 33, "VMX_EXIT_INVALID_GUEST_STATE" },
	{ 34, "VMX_EXIT_MSR_LOADING" },		{ 35, NULL },
	{ 36, "VMX_EXIT_MWAIT" },		{ 37, "VMX_EXIT_MONITOR_TRAP_FLAG" },
	{ 38, NULL },				{ 39, "VMX_EXIT_MONITOR" },
	{ 40, "VMX_EXIT_PAUSE" },		{ 41, "VMX_EXIT_MACHINE_CHECK" },
	{ 42, NULL },				{ 43, "VMX_EXIT_TPR_BELOW_THRESHOLD" },
	{ 44, "VMX_EXIT_APIC_ACCESS" },		{ 45, "VMX_EXIT_VIRTUALIZED_EOI" },
	{ 46, "VMX_EXIT_GDTR_IDTR_ACCESS" },	{ 47, "VMX_EXIT_LDTR_TR_ACCESS" },
	{ 48, "VMX_EXIT_EPT_VIOLATION" },	{ 49, "VMX_EXIT_EPT_MISCONFIG" },
	{ 50, "VMX_EXIT_INVEPT" },		{ 51, "VMX_EXIT_RDTSCP" },
	{ 52, "VMX_EXIT_PREEMPTION_TIMER" },	{ 53, "VMX_EXIT_INVVPID" },
	{ 54, "VMX_EXIT_WBINVD" },		{ 55, "VMX_EXIT_XSETBV" },
	{ 56, "VMX_EXIT_APIC_WRITE" },		{ 57, "VMX_EXIT_RDRAND" },
	{ 58, "VMX_EXIT_INVPCID" },		{ 59, "VMX_EXIT_VMFUNC" },
	{ 60, "VMX_EXIT_ENCLS" },		{ 61, "VMX_EXIT_RDSEED" },
	{ 62, "VMX_EXIT_PML_FULL" },		{ 63, "VMX_EXIT_XSAVES" },
	{ 64, "VMX_EXIT_XRSTORS" },		{ 65, "VMX_EXIT_PCONFIG" },
	{ 66, "VMX_EXIT_SPP_EVENT" },		{ 67, "VMX_EXIT_UMWAIT" },
	{ 68, "VMX_EXIT_TPAUSE" },		{ 69, "VMX_EXIT_LOADIWKEY" },
	{ 70, "VMX_EXIT_ENCLV" },		{ 71, NULL },
	{ 72, "VMX_EXIT_ENQCMD_PASID_FAILURE" }, { 73, "VMX_EXIT_ENQCMDS_PASID_FAILURE" },
	{ 74, "VMX_EXIT_BUS_LOCK" },		{ 75, "VMX_EXIT_INSTRUCTION_TIMEOUT" },
	{ 76, "VMX_EXIT_SEAMCALL" },		{ 77, "VMX_EXIT_TDCALL" },
	{ 78, "VMX_EXIT_RDMSRLIST" },		{ 79, "VMX_EXIT_WRMSRLIST" },
	{ 80, "VMX_EXIT_URDMSR" },		{ 81, "VMX_EXIT_UWRMSR" },
	{ 82, NULL },				{ 83, NULL },
	{ 84, "VMX_EXIT_RDMSR_IMMEDIATE" },	{ 85, "VMX_EXIT_WRMSRNS_IMMEDIATE" },
};

/* Every VMX instruction raises #UD in the guest: nested virtualization is not offered. */
static const unsigned vmx_instructions[] = { 19, 20, 21, 22, 23, 24, 25, 26, 27, 50, 53, 59 };

/* Reasons the common handlers must see decoded. */
static const unsigned must_handle[] = { 0, 1, 2, 7, 8, 9, 10, 12, 18, 28, 30, 31, 32, 33, 34,
					41, 48, 52, 55 };

int main(void)
{
	char name[128];
	size_t n = sizeof(sdm_reasons) / sizeof(sdm_reasons[0]);

	CHECK_INT("table covers every SDM reason and nothing more", VMX_EXIT_TABLE_SIZE, n);
	for (size_t i = 0; i < n; i++) {
		const struct reason *r = &sdm_reasons[i];
		const struct exit_table_entry *e = vmx_exit_lookup(r->number);

		snprintf(name, sizeof(name), "reason %u has an entry", r->number);
		CHECK(name, e != NULL && r->number == i);
		if (!e)
			continue;
		snprintf(name, sizeof(name), "reason %u policy is valid", r->number);
		CHECK(name, e->policy == EXIT_POLICY_HANDLE || e->policy == EXIT_POLICY_INJECT ||
		      e->policy == EXIT_POLICY_STOP);
		if (r->name) {
			snprintf(name, sizeof(name), "reason %u is %s", r->number, r->name);
			CHECK_STR(name, e->name, r->name);
			snprintf(name, sizeof(name), "reason %u is defined", r->number);
			CHECK(name, e->defined);
		} else {
			snprintf(name, sizeof(name), "reason %u is reserved and stops the VM", r->number);
			CHECK(name, !e->defined && e->policy == EXIT_POLICY_STOP && e->name &&
			      strstr(e->name, "RESERVED"));
		}
		if (e->policy == EXIT_POLICY_INJECT) {
			snprintf(name, sizeof(name), "reason %u injects #UD or #GP", r->number);
			CHECK(name, e->inject_vector == 6 || e->inject_vector == 13);
		}
	}
	for (size_t i = 0; i < sizeof(vmx_instructions) / sizeof(vmx_instructions[0]); i++) {
		const struct exit_table_entry *e = vmx_exit_lookup(vmx_instructions[i]);

		snprintf(name, sizeof(name), "VMX instruction (reason %u) injects #UD",
			 vmx_instructions[i]);
		CHECK(name, e && e->policy == EXIT_POLICY_INJECT && e->inject_vector == 6);
	}
	for (size_t i = 0; i < sizeof(must_handle) / sizeof(must_handle[0]); i++) {
		const struct exit_table_entry *e = vmx_exit_lookup(must_handle[i]);

		snprintf(name, sizeof(name), "reason %u is handled", must_handle[i]);
		CHECK(name, e && e->policy == EXIT_POLICY_HANDLE);
	}
	CHECK("VMCALL is the hypercall, not #UD",
	      vmx_exit_lookup(18) && vmx_exit_lookup(18)->policy == EXIT_POLICY_HANDLE);
	CHECK("EPT misconfiguration stops the VM",
	      vmx_exit_lookup(49) && vmx_exit_lookup(49)->policy == EXIT_POLICY_STOP);
	CHECK("reason 86 (beyond the table) is rejected", vmx_exit_lookup(86) == NULL);
	CHECK("reason 0xffff is rejected", vmx_exit_lookup(0xffff) == NULL);
	CHECK("reason 2^32-1 is rejected", vmx_exit_lookup(0xffffffffu) == NULL);
	CHECK("out-of-range counter index fits the per-VM counters",
	      VMX_EXIT_INDEX_OUT_OF_RANGE < 1024);

	/* SDM 30.4: VM-instruction errors 1-28, with 14, 21 and 27 reserved. */
	for (unsigned e = 0; e < 32; e++) {
		bool reserved = e == 0 || e == 14 || e == 21 || e == 27 || e > 28;

		snprintf(name, sizeof(name), "VM-instruction error %u %s", e,
			 reserved ? "is unnamed" : "has a name");
		CHECK(name, reserved == !strcmp(vmx_insn_error_name(e), "VMXERR_UNKNOWN"));
	}
	CHECK_STR("error 7 name", vmx_insn_error_name(7), "VMXERR_ENTRY_INVALID_CONTROL_FIELD");
	CHECK_STR("error 8 name", vmx_insn_error_name(8), "VMXERR_ENTRY_INVALID_HOST_STATE_FIELD");
	CHECK_STR("error 28 text", vmx_insn_error_text(28), "Invalid operand to INVEPT/INVVPID");
	return unit_summary();
}
