/* The hypervisor CPUID leaves (docs/hypercalls.md, "Discovery"). */
#ifndef VM_CPUID_H
#define VM_CPUID_H

#define CPUID_LEAF_HV_BASE 0x40000000
#define CPUID_LEAF_HV_FEATURES 0x40000001
/* TSC and local APIC timer frequencies in kHz (EAX, EBX), as VMware and KVM report them. */
#define CPUID_LEAF_HV_TIMING 0x40000010
/* "MACROHARD\0\0\0" in EBX, ECX, EDX. */
#define CPUID_HV_SIG_EBX 0x5243414d	/* "MACR" */
#define CPUID_HV_SIG_ECX 0x5241484f	/* "OHAR" */
#define CPUID_HV_SIG_EDX 0x00000044	/* "D\0\0\0" */

#include "lib/types.h"

/* CPUID leaf 0x15 for a TSC of tsc_hz: EAX (denominator), EBX (numerator), ECX (crystal Hz). */
void cpuid_tsc_leaf15(u64 tsc_hz, u32 *den, u32 *num, u32 *crystal_hz);

#endif
