/* The start-up banner: version, firmware, CPU, virtualization features, memory, CPUs. */
#ifndef BOOT_BANNER_H
#define BOOT_BANNER_H

#include "arch/x86/cpu_info.h"
#include "vmx/vmx_caps.h"
#include "svm/svm_caps.h"

struct platform {
	struct cpu_info cpu;
	struct vmx_caps vmx;
	struct svm_caps svm;
};

void banner_print(struct platform *p);

#endif
