/* Reads the VT-x capability MSRs and lists every feature MACROHARD uses or could use. */
#include "vmx/vmx_caps.h"
#include "arch/x86/cpu.h"
#include "lib/string.h"

#define FC_LOCK BIT(0)
#define FC_VMX_OUTSIDE_SMX BIT(2)
#define VMX_BASIC_TRUE_CTLS BIT(55)
#define VMX_BASIC_INOUT_INFO BIT(54)

/* Allowed-1 settings are the high half of each control MSR (SDM A.3-A.5). */
static u32 allowed1(u32 msr, bool *ok)
{
	u64 v;

	if (rdmsr_safe(msr, &v)) {
		*ok = false;
		return 0;
	}
	return (u32)(v >> 32);
}

void vmx_caps_read(struct vmx_caps *caps)
{
	bool ok = true;

	memset(caps, 0, sizeof(*caps));
	caps->vmx = cpuid(1, 0).ecx & BIT(5);
	if (!caps->vmx)
		return;
	if (rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &caps->feature_control) == 0) {
		caps->fc_locked = caps->feature_control & FC_LOCK;
		caps->fc_vmx_outside_smx = caps->feature_control & FC_VMX_OUTSIDE_SMX;
	}
	if (rdmsr_safe(MSR_IA32_VMX_BASIC, &caps->basic))
		return;
	caps->true_ctls = caps->basic & VMX_BASIC_TRUE_CTLS;
	caps->pin_allowed1 = allowed1(caps->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				      MSR_IA32_VMX_PINBASED_CTLS, &ok);
	caps->proc_allowed1 = allowed1(caps->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				       MSR_IA32_VMX_PROCBASED_CTLS, &ok);
	caps->exit_allowed1 = allowed1(caps->true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				       MSR_IA32_VMX_EXIT_CTLS, &ok);
	caps->entry_allowed1 = allowed1(caps->true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
					MSR_IA32_VMX_ENTRY_CTLS, &ok);
	if (rdmsr_safe(MSR_IA32_VMX_MISC, &caps->misc))
		ok = false;
	/* Secondary and tertiary controls exist only where the primary ones can activate them. */
	if (caps->proc_allowed1 & BIT(31))
		caps->proc2_allowed1 = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2, &ok);
	if ((caps->proc_allowed1 & BIT(17)) &&
	    rdmsr_safe(MSR_IA32_VMX_PROCBASED_CTLS3, &caps->proc3_allowed1))
		ok = false;
	if ((caps->proc2_allowed1 & (BIT(1) | BIT(5))) &&
	    rdmsr_safe(MSR_IA32_VMX_EPT_VPID_CAP, &caps->ept_vpid))
		ok = false;
	if ((caps->proc2_allowed1 & BIT(13)) && rdmsr_safe(MSR_IA32_VMX_VMFUNC, &caps->vmfunc))
		ok = false;
	caps->msrs_readable = ok;
}

bool vmx_caps_usable(const struct vmx_caps *caps)
{
	return caps->vmx && caps->msrs_readable &&
	       (!caps->fc_locked || caps->fc_vmx_outside_smx);
}

struct vmx_bit {
	const char *name;
	u8 field;
	u8 bit;
	enum feature_use use;
};

enum { F_PIN, F_PROC, F_PROC2, F_PROC3, F_EXIT, F_ENTRY, F_EPT, F_MISC, F_BASIC };

static const struct vmx_bit vmx_bits[] = {
	{ "true capability MSRs", F_BASIC, 55, FEAT_USED },
	{ "INS/OUTS exit information", F_BASIC, 54, FEAT_USED },
	{ "external-interrupt exiting", F_PIN, 0, FEAT_REQUIRED },
	{ "NMI exiting", F_PIN, 3, FEAT_REQUIRED },
	{ "virtual NMIs", F_PIN, 5, FEAT_USED },
	{ "VMX-preemption timer", F_PIN, 6, FEAT_USED },
	{ "posted interrupts", F_PIN, 7, FEAT_USABLE },
	{ "interrupt-window exiting", F_PROC, 2, FEAT_REQUIRED },
	{ "TSC offsetting", F_PROC, 3, FEAT_USED },
	{ "HLT exiting", F_PROC, 7, FEAT_REQUIRED },
	{ "TPR shadow", F_PROC, 21, FEAT_USABLE },
	{ "NMI-window exiting", F_PROC, 22, FEAT_USED },
	{ "I/O bitmaps", F_PROC, 25, FEAT_REQUIRED },
	{ "monitor trap flag", F_PROC, 27, FEAT_USABLE },
	{ "MSR bitmaps", F_PROC, 28, FEAT_REQUIRED },
	{ "secondary controls", F_PROC, 31, FEAT_REQUIRED },
	{ "tertiary controls", F_PROC, 17, FEAT_USABLE },
	{ "EPT", F_PROC2, 1, FEAT_REQUIRED },
	{ "RDTSCP", F_PROC2, 3, FEAT_USED },
	{ "virtualize x2APIC mode", F_PROC2, 4, FEAT_USABLE },
	{ "VPID", F_PROC2, 5, FEAT_USED },
	{ "unrestricted guest", F_PROC2, 7, FEAT_USED },
	{ "APIC-register virtualization", F_PROC2, 8, FEAT_USABLE },
	{ "virtual-interrupt delivery", F_PROC2, 9, FEAT_USABLE },
	{ "PAUSE-loop exiting", F_PROC2, 10, FEAT_USABLE },
	{ "INVPCID", F_PROC2, 12, FEAT_USED },
	{ "VM functions", F_PROC2, 13, FEAT_USABLE },
	{ "VMCS shadowing", F_PROC2, 14, FEAT_USABLE },
	{ "ENCLS exiting", F_PROC2, 15, FEAT_USABLE },
	{ "page-modification logging", F_PROC2, 17, FEAT_USABLE },
	{ "EPT-violation #VE", F_PROC2, 18, FEAT_USABLE },
	{ "XSAVES/XRSTORS", F_PROC2, 20, FEAT_USED },
	{ "mode-based execute control", F_PROC2, 22, FEAT_USABLE },
	{ "TSC scaling", F_PROC2, 25, FEAT_USABLE },
	{ "user wait and pause", F_PROC2, 26, FEAT_USABLE },
	{ "bus-lock detection", F_PROC2, 30, FEAT_USABLE },
	{ "instruction timeout", F_PROC2, 31, FEAT_USABLE },
	{ "LOADIWKEY exiting", F_PROC3, 0, FEAT_USABLE },
	{ "host address-space size", F_EXIT, 9, FEAT_REQUIRED },
	{ "acknowledge interrupt on exit", F_EXIT, 15, FEAT_USABLE },
	{ "save/load IA32_PAT", F_EXIT, 19, FEAT_USED },
	{ "save/load IA32_EFER", F_EXIT, 21, FEAT_REQUIRED },
	{ "save preemption timer", F_EXIT, 22, FEAT_USED },
	{ "IA-32e mode guest", F_ENTRY, 9, FEAT_REQUIRED },
	{ "EPT 4-level walk", F_EPT, 6, FEAT_REQUIRED },
	{ "EPT 5-level walk", F_EPT, 7, FEAT_USABLE },
	{ "EPT write-back memory", F_EPT, 14, FEAT_REQUIRED },
	{ "EPT execute-only", F_EPT, 0, FEAT_USABLE },
	{ "EPT 2 MiB pages", F_EPT, 16, FEAT_USED },
	{ "EPT 1 GiB pages", F_EPT, 17, FEAT_USED },
	{ "INVEPT", F_EPT, 20, FEAT_REQUIRED },
	{ "EPT accessed/dirty flags", F_EPT, 21, FEAT_USED },
	{ "EPT advanced exit information", F_EPT, 22, FEAT_USABLE },
	{ "INVEPT single-context", F_EPT, 25, FEAT_USED },
	{ "INVEPT all-context", F_EPT, 26, FEAT_USED },
	{ "INVVPID", F_EPT, 32, FEAT_USED },
	{ "INVVPID individual-address", F_EPT, 40, FEAT_USED },
	{ "INVVPID single-context", F_EPT, 41, FEAT_USED },
	{ "INVVPID all-context", F_EPT, 42, FEAT_USED },
	{ "activity state HLT", F_MISC, 6, FEAT_USED },
	{ "activity state wait-for-SIPI", F_MISC, 8, FEAT_USED },
};

static u64 vmx_field(const struct vmx_caps *caps, u8 field)
{
	switch (field) {
	case F_PIN: return caps->pin_allowed1;
	case F_PROC: return caps->proc_allowed1;
	case F_PROC2: return caps->proc2_allowed1;
	case F_PROC3: return caps->proc3_allowed1;
	case F_EXIT: return caps->exit_allowed1;
	case F_ENTRY: return caps->entry_allowed1;
	case F_EPT: return caps->ept_vpid;
	case F_MISC: return caps->misc;
	case F_BASIC: return caps->basic;
	}
	return 0;
}

size_t vmx_caps_features(const struct vmx_caps *caps, struct virt_feature *out, size_t max)
{
	size_t n = 0;

	if (n < max)
		out[n++] = (struct virt_feature){ "VMX", caps->vmx, FEAT_REQUIRED };
	if (n < max)
		out[n++] = (struct virt_feature){ "VMX enabled by IA32_FEATURE_CONTROL",
			caps->vmx && (!caps->fc_locked || caps->fc_vmx_outside_smx), FEAT_REQUIRED };
	for (size_t i = 0; i < ARRAY_SIZE(vmx_bits) && n < max; i++) {
		const struct vmx_bit *b = &vmx_bits[i];

		out[n++] = (struct virt_feature){ b->name,
			caps->vmx && (vmx_field(caps, b->field) & BIT(b->bit)), b->use };
	}
	return n;
}
