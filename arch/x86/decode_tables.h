/* Private to the instruction decoder: the VEX, XOP and EVEX opcode tables (decode_vex.c). */
#ifndef ARCH_X86_DECODE_TABLES_H
#define ARCH_X86_DECODE_TABLES_H

#include "arch/x86/decode.h"

/* What x86_decode_vex_attr() tells the decoder before it reads the ModRM byte. */
#define X86_VA_OK	BIT(0)	/* the opcode exists for this map, pp (and W where that matters) */
#define X86_VA_NOMODRM	BIT(1)	/* no ModRM byte (VZEROUPPER/VZEROALL) */
#define X86_VA_VSIB	BIT(2)	/* the SIB index is a vector register */
#define X86_VA_IB	BIT(3)	/* an Ib follows */
#define X86_VA_ID	BIT(4)	/* an Id follows (XOP map 10) */

/*
 * Looks up i's opcode (i->encoding, map, opcode, mandatory and rex_w are set) and returns
 * X86_VA_* bits plus private ones for x86_decode_vex_check(), or 0 when it is undefined.
 */
u32 x86_decode_vex_attr(const struct x86_insn *i);

/* Checks the fields of a decoded VEX/XOP/EVEX instruction (L, W, vvvv, ModRM, registers,
 * masking) against the attributes; 0 or -EINVAL (#UD). */
int x86_decode_vex_check(const struct x86_insn *i, u32 attr);

#endif
