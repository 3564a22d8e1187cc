/* The pass-through MSR list shared by the SVM and VMX back-ends (see vm/msr_passthrough.h). */
#include "vm/msr_passthrough.h"

/*
 * Each of these lives in guest state the hardware saves and restores itself:
 * FS/GS bases in the segment registers, the rest in the VMLOAD/VMSAVE set on
 * AMD (APM 15.5.2) and in the guest-state area or the MSR load lists on Intel.
 * Anything not listed here is intercepted.
 */
const u32 vm_msr_passthrough[] = {
	0xc0000100,	/* FS_BASE */
	0xc0000101,	/* GS_BASE */
	0xc0000102,	/* KERNEL_GS_BASE */
	0xc0000081,	/* STAR */
	0xc0000082,	/* LSTAR */
	0xc0000083,	/* CSTAR */
	0xc0000084,	/* SFMASK (IA32_FMASK) */
	0x00000174,	/* SYSENTER_CS */
	0x00000175,	/* SYSENTER_ESP */
	0x00000176,	/* SYSENTER_EIP */
};

const size_t vm_msr_passthrough_count = ARRAY_SIZE(vm_msr_passthrough);

bool vm_msr_is_passthrough(u32 msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_msr_passthrough); i++)
		if (vm_msr_passthrough[i] == msr)
			return true;
	return false;
}
