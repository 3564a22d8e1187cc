/* What the boot CPU is: vendor, family/model/stepping, brand string. */
#ifndef ARCH_X86_CPU_INFO_H
#define ARCH_X86_CPU_INFO_H

#include "lib/types.h"

enum cpu_vendor { CPU_VENDOR_OTHER, CPU_VENDOR_INTEL, CPU_VENDOR_AMD };

struct cpu_info {
	enum cpu_vendor vendor;
	char vendor_id[13];
	char brand[49];
	u32 family, model, stepping;
	u32 max_leaf, max_ext_leaf;
	bool has_vmx, has_svm;
	bool under_hypervisor;
	char hypervisor_id[13];
};

void cpu_info_read(struct cpu_info *ci);

#endif
