/* VT-x capabilities: CPUID, IA32_FEATURE_CONTROL and the VMX capability MSRs (SDM appendix A). */
#ifndef VMX_VMX_CAPS_H
#define VMX_VMX_CAPS_H

#include "arch/x86/virt_feature.h"

struct vmx_caps {
	bool vmx;		/* CPUID.1:ECX.VMX */
	bool msrs_readable;	/* every capability MSR below was read */
	u64 feature_control;
	bool fc_locked, fc_vmx_outside_smx;
	u64 basic;
	bool true_ctls;
	u32 pin_allowed1, proc_allowed1, proc2_allowed1, exit_allowed1, entry_allowed1;
	u64 proc3_allowed1;
	u64 ept_vpid;
	u64 misc;
	u64 vmfunc;
};

void vmx_caps_read(struct vmx_caps *caps);
/* VMX can be turned on: present, and IA32_FEATURE_CONTROL allows it (or is unlocked). */
bool vmx_caps_usable(const struct vmx_caps *caps);
size_t vmx_caps_features(const struct vmx_caps *caps, struct virt_feature *out, size_t max);

#endif
