/* The XSAVE area layout CPUID leaf 0xD describes, and the start-up check of the host's XSAVEC. */
#ifndef ARCH_X86_XSTATE_H
#define ARCH_X86_XSTATE_H

#include "lib/types.h"
#include "arch/x86/cpu.h"

/* SDM vol. 1, 13.4: the legacy region and the XSAVE header precede the extended components. */
#define XSTATE_COMPONENTS 64
#define XSTATE_LEGACY_SIZE 512
#define XSTATE_HEADER_SIZE 64
#define XSTATE_EXTENDED_START (XSTATE_LEGACY_SIZE + XSTATE_HEADER_SIZE)
#define XSTATE_XSTATE_BV_OFFSET 512
#define XSTATE_XCOMP_BV_OFFSET 520
#define XSTATE_XCOMP_BV_COMPACTED BIT(63)
/* CPUID 0xD sub-leaf 1 EAX */
#define XSTATE_CPUID_XSAVEOPT BIT(0)
#define XSTATE_CPUID_XSAVEC BIT(1)
#define XSTATE_CPUID_XSAVES BIT(3)

struct xstate_layout {
	u64 user;		/* components XCR0 may enable (sub-leaf 0 EDX:EAX) */
	u64 supervisor;		/* components IA32_XSS may enable (sub-leaf 1 EDX:ECX) */
	/* Per component i >= 2, from sub-leaf i: size (EAX), standard-format offset (EBX). */
	u32 size[XSTATE_COMPONENTS];
	u32 offset[XSTATE_COMPONENTS];
	bool align64[XSTATE_COMPONENTS];	/* ECX[1]: 64-byte aligned in the compacted format */
};

/*
 * Fills *l from leaf[i] = CPUID (EAX = 0xD, ECX = i) for i < XSTATE_COMPONENTS.  Sub-leaves of
 * components neither sub-leaf 0 nor 1 lists are ignored (their size and offset stay 0).
 */
void xstate_layout_parse(struct xstate_layout *l, const struct cpuid_regs *leaf);

/*
 * Offset of component i in a compacted area (XSAVEC, XSAVES) whose XCOMP_BV lists xcomp_bv
 * (SDM vol. 1, 13.4.3): x87 and SSE at their legacy places, then every listed extended
 * component in order, each at the end of the one before or, with align64, at the next multiple
 * of 64.  0 for an extended component xcomp_bv does not list.
 */
u32 xstate_compacted_offset(const struct xstate_layout *l, u64 xcomp_bv, u32 i);

/*
 * Bytes XSAVEC/XSAVES write for xcomp_bv: the end of the last listed component, at least the
 * legacy region and the header (576).  CPUID 0xD sub-leaf 1 EBX for XCR0 | IA32_XSS.
 */
u32 xstate_compacted_size(const struct xstate_layout *l, u64 xcomp_bv);

/* Bytes XSAVE writes for the components of xcr0: CPUID 0xD sub-leaf 0 EBX for that XCR0. */
u32 xstate_standard_size(const struct xstate_layout *l, u64 xcr0);

/*
 * At start-up, on the boot CPU with CR4.OSXSAVE set and before any vCPU runs: reads this CPU's
 * layout and, when it offers XSAVEC, executes XSAVEC on known register contents and checks that
 * the header and the components land where the layout says.  A CPU that fails is logged once
 * and its XSAVEC (and XSAVES) are not offered to guests.
 */
void xstate_init(void);

/* This CPU's layout (all zeros before xstate_init or without XSAVE). */
const struct xstate_layout *xstate_host_layout(void);

/* Whether XSAVEC may be offered to guests: the CPU has it and xstate_init found it correct. */
bool xstate_xsavec_usable(void);

#endif
