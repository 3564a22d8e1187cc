/* The hypervisor CPUID leaves (docs/hypercalls.md, "Discovery"). */
#ifndef VM_CPUID_H
#define VM_CPUID_H

#define CPUID_LEAF_HV_BASE 0x40000000
#define CPUID_LEAF_HV_FEATURES 0x40000001
/* "MACROHARD\0\0\0" in EBX, ECX, EDX. */
#define CPUID_HV_SIG_EBX 0x5243414d	/* "MACR" */
#define CPUID_HV_SIG_ECX 0x5241484f	/* "OHAR" */
#define CPUID_HV_SIG_EDX 0x00000044	/* "D\0\0\0" */

#endif
