/* AMD-V capabilities: CPUID 0x8000000A and VM_CR (APM vol. 2, 15.4 and appendix E). */
#ifndef SVM_SVM_CAPS_H
#define SVM_SVM_CAPS_H

#include "arch/x86/virt_feature.h"

struct svm_caps {
	bool svm;		/* CPUID.80000001:ECX.SVM */
	u32 revision;
	u32 asids;
	u32 features;		/* CPUID.8000000A:EDX */
	bool vm_cr_readable;
	bool svmdis, svm_locked;
};

void svm_caps_read(struct svm_caps *caps);
/* SVM can be turned on: present, nested paging present, and not disabled in VM_CR. */
bool svm_caps_usable(const struct svm_caps *caps);
size_t svm_caps_features(const struct svm_caps *caps, struct virt_feature *out, size_t max);

#endif
