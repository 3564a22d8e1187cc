/* The MSR pass-through list (vm/msr_passthrough.h). */
#include "vm/msr_passthrough.h"

const u32 vm_msr_passthrough[] = {
	0xc0000100,	/* IA32_FS_BASE */
	0xc0000101,	/* IA32_GS_BASE */
	0xc0000102,	/* IA32_KERNEL_GS_BASE */
	0xc0000081,	/* IA32_STAR */
	0xc0000082,	/* IA32_LSTAR */
	0xc0000083,	/* IA32_CSTAR */
	0xc0000084,	/* IA32_FMASK (SFMASK) */
	0x174,		/* IA32_SYSENTER_CS */
	0x175,		/* IA32_SYSENTER_ESP */
	0x176,		/* IA32_SYSENTER_EIP */
};

const size_t vm_msr_passthrough_count = ARRAY_SIZE(vm_msr_passthrough);
