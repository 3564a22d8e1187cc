/* Reads AMD-V capabilities and lists every feature MACROHARD uses or could use. */
#include "svm/svm_caps.h"
#include "arch/x86/cpu.h"
#include "lib/string.h"

#define VM_CR_LOCK BIT(3)
#define VM_CR_SVMDIS BIT(4)
#define SVM_FEATURE_NP 0

void svm_caps_read(struct svm_caps *caps)
{
	struct cpuid_regs r;
	u64 vm_cr;

	memset(caps, 0, sizeof(*caps));
	if (cpuid(0x80000000, 0).eax < 0x8000000a)
		return;
	caps->svm = cpuid(0x80000001, 0).ecx & BIT(2);
	if (!caps->svm)
		return;
	r = cpuid(0x8000000a, 0);
	caps->revision = r.eax & 0xff;
	caps->asids = r.ebx;
	caps->features = r.edx;
	/* VM_CR is architectural, but emulators may not implement it. */
	if (rdmsr_safe(MSR_VM_CR, &vm_cr) == 0) {
		caps->vm_cr_readable = true;
		caps->svmdis = vm_cr & VM_CR_SVMDIS;
		caps->svm_locked = vm_cr & VM_CR_LOCK;
	}
}

bool svm_caps_usable(const struct svm_caps *caps)
{
	return caps->svm && !caps->svmdis && (caps->features & BIT(SVM_FEATURE_NP)) &&
	       caps->asids > 1;
}

static const struct {
	const char *name;
	u8 bit;
	enum feature_use use;
} svm_bits[] = {
	{ "nested paging (NPT)", 0, FEAT_REQUIRED },
	{ "LBR virtualization", 1, FEAT_USABLE },
	{ "SVM lock", 2, FEAT_USABLE },
	{ "NRIP save", 3, FEAT_USED },
	{ "TSC rate MSR", 4, FEAT_USABLE },
	{ "VMCB clean bits", 5, FEAT_USED },
	{ "flush by ASID", 6, FEAT_USED },
	{ "decode assists", 7, FEAT_USED },
	{ "PAUSE filter", 10, FEAT_USABLE },
	{ "PAUSE filter threshold", 12, FEAT_USABLE },
	{ "AVIC", 13, FEAT_USABLE },
	{ "virtualized VMSAVE/VMLOAD", 15, FEAT_USABLE },
	{ "virtual GIF", 16, FEAT_USABLE },
	{ "guest mode execute trap", 17, FEAT_USABLE },
	{ "x2AVIC", 18, FEAT_USABLE },
	{ "supervisor shadow stack check", 19, FEAT_USABLE },
	{ "SPEC_CTRL virtualization", 20, FEAT_USABLE },
	{ "read-only guest page tables", 21, FEAT_USABLE },
	{ "host MCE override", 23, FEAT_USABLE },
	{ "INVLPGB/TLBSYNC control", 24, FEAT_USABLE },
	{ "virtual NMI", 25, FEAT_USABLE },
	{ "IBS virtualization", 26, FEAT_USABLE },
	{ "extended LVT AVIC access", 27, FEAT_USABLE },
	{ "VMCB address check", 28, FEAT_USABLE },
	{ "bus-lock threshold", 29, FEAT_USABLE },
	{ "idle HLT intercept", 30, FEAT_USABLE },
};

size_t svm_caps_features(const struct svm_caps *caps, struct virt_feature *out, size_t max)
{
	size_t n = 0;

	if (n < max)
		out[n++] = (struct virt_feature){ "SVM", caps->svm, FEAT_REQUIRED };
	if (n < max)
		out[n++] = (struct virt_feature){ "SVM enabled (VM_CR.SVMDIS clear)",
						  caps->svm && !caps->svmdis, FEAT_REQUIRED };
	for (size_t i = 0; i < ARRAY_SIZE(svm_bits) && n < max; i++)
		out[n++] = (struct virt_feature){ svm_bits[i].name,
			caps->svm && (caps->features & BIT(svm_bits[i].bit)), svm_bits[i].use };
	return n;
}
