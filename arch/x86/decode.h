/*
 * x86 instruction decoder: length, prefixes, opcode, ModRM/SIB, displacement, immediates and the
 * memory operand of one instruction at a guest RIP, in 16-, 32- or 64-bit mode (SDM vol. 2, ch. 2).
 */
#ifndef ARCH_X86_DECODE_H
#define ARCH_X86_DECODE_H

#include "lib/types.h"

/* SDM 2.3.11: no instruction is longer than 15 bytes. */
#define X86_INSN_MAX_LEN 15

/* The code segment's default sizes: CS.D=0 (or real mode), CS.D=1, or CS.L=1 in IA-32e mode. */
enum x86_cpu_mode { X86_MODE_16, X86_MODE_32, X86_MODE_64 };

/* Prefixes seen, a bitmask in x86_insn.prefixes. */
#define X86_PFX_LOCK	BIT(0)	/* F0 */
#define X86_PFX_REPNE	BIT(1)	/* F2 (anywhere among the prefixes) */
#define X86_PFX_REP	BIT(2)	/* F3 (anywhere among the prefixes) */
#define X86_PFX_OPSIZE	BIT(3)	/* 66 */
#define X86_PFX_ADSIZE	BIT(4)	/* 67 */
#define X86_PFX_SEG	BIT(5)	/* any segment override; x86_insn.seg says which */
#define X86_PFX_REX	BIT(6)	/* a REX prefix in effect (immediately before the opcode) */
#define X86_PFX_VEX	BIT(7)	/* C5 (two-byte) or C4 (three-byte) VEX */
#define X86_PFX_EVEX	BIT(8)	/* 62 */
#define X86_PFX_XOP	BIT(9)	/* 8F with map select >= 8 */

enum x86_encoding {
	X86_ENC_LEGACY,		/* optional legacy prefixes and REX, then the opcode */
	X86_ENC_3DNOW,		/* 0F 0F ModRM ... suffix: x86_insn.opcode is the suffix byte */
	X86_ENC_VEX,
	X86_ENC_EVEX,
	X86_ENC_XOP,
};

/* Opcode maps. VEX/EVEX map 1..3 are the 0F, 0F38 and 0F3A maps; EVEX adds 5 and 6, XOP 8..10. */
enum x86_map {
	X86_MAP_PRIMARY,	/* one-byte opcodes */
	X86_MAP_0F,
	X86_MAP_0F38,
	X86_MAP_0F3A,
	X86_MAP_EVEX5 = 5,
	X86_MAP_EVEX6 = 6,
	X86_MAP_XOP8 = 8,
	X86_MAP_XOP9 = 9,
	X86_MAP_XOPA = 10,
};

/* x86_insn.mem_base / mem_index when the address has no such part. */
#define X86_REG_NONE (-1)

struct x86_insn {
	u8 len;			/* bytes, 1..15 */
	u8 mode;		/* enum x86_cpu_mode */
	u8 op_size;		/* effective operand-size attribute: 2, 4 or 8 bytes (byte forms keep it too) */
	u8 addr_size;		/* effective address size: 2, 4 or 8 bytes */
	u16 prefixes;		/* X86_PFX_* */
	u8 rep;			/* the last of F2/F3 (it decides REP/REPNE), or 0 */
	u8 mandatory;		/* 0F/0F38/0F3A maps: the last of F2/F3, else 66, else 0 (the prefix
				 * that selects SIMD forms, POPCNT, TZCNT...); VEX/EVEX/XOP: from pp */
	s8 seg;			/* last segment override as SEG_ES..SEG_GS (vm/vcpu_state.h order), or -1 */
	u8 rex;			/* the REX byte in effect, or 0 */
	bool rex_w, rex_r, rex_x, rex_b; /* from REX, or the (un-inverted) VEX/EVEX/XOP bits */
	u8 encoding;		/* enum x86_encoding */
	u8 map;			/* enum x86_map */
	u8 opcode;		/* the opcode byte within its map (3DNow!: the suffix) */

	/* VEX/EVEX/XOP fields, un-inverted. */
	u8 vvvv;		/* 0..15 (EVEX: 0..31 with V') */
	u8 vl;			/* VEX.L / EVEX.L'L */
	bool evex_z, evex_b;
	u8 evex_aaa;

	bool has_modrm;
	u8 modrm;
	u8 mod;			/* ModRM.mod; 3 for MOV CR/DR, which ignore the mod bits */
	u8 reg;			/* ModRM.reg extended by REX.R (EVEX in 64-bit mode: and R'): 0..15 (31) */
	u8 rm;			/* ModRM.rm extended by REX.B (EVEX, mod = 3: and X): 0..15 (31) */
	bool has_sib;
	u8 sib;

	s64 disp;		/* sign-extended displacement; moffs (A0-A3): the zero-extended offset */
	u8 disp_size;		/* 0, 1, 2, 4 or 8 (8 only for moffs64) */
	u8 disp_offset;		/* where it starts in the instruction */
	bool disp8_scaled;	/* EVEX disp8*N: disp is the raw disp8, the CPU scales it (SDM 2.7.5) */

	u64 imm;		/* first immediate, zero-extended raw bytes (relative branches: the rel) */
	u8 imm_size;		/* 0, 1, 2, 4 or 8 */
	u8 imm_offset;
	u64 imm2;		/* second immediate: ENTER's ib, a far pointer's selector, EXTRQ/INSERTQ's ib */
	u8 imm2_size;

	/*
	 * The explicit memory operand (ModRM with mod != 3, or the moffs of A0-A3). Implicit ones
	 * (string instructions, stack, XLAT) are not described here.
	 */
	bool has_mem;
	s8 mem_base;		/* GPR number (x86 order), or X86_REG_NONE (also for RIP-relative) */
	s8 mem_index;		/* GPR number, or X86_REG_NONE; a vector register (0..31) when vsib */
	u8 mem_scale;		/* 1, 2, 4 or 8 */
	bool rip_relative;	/* 64-bit mode, mod=00 rm=101: disp is relative to the next RIP */
	bool vsib;		/* VSIB addressing (gathers/scatters): the index is a vector register */
};

/*
 * Decodes the instruction at bytes[0..avail) for a CPU in the given mode.
 * Returns 0, -E2BIG when the instruction continues past avail (fetch more and call again),
 * or -EINVAL when the CPU raises #UD for it (an undefined or reserved encoding, an
 * instruction invalid in this mode, a LOCK where none is allowed) or when it would be longer
 * than 15 bytes; in that last case out->len is 16 and the CPU raises #GP(0) instead
 * (SDM 2.3.11). out is filled as far as decoding got, even on error.
 */
int x86_decode(const u8 *bytes, size_t avail, enum x86_cpu_mode mode, struct x86_insn *out);

/*
 * The offset (within its segment) of i's memory operand: base + index * scale + disp, or
 * next_rip + disp for RIP-relative, wrapped to the address size. gpr holds the 16 general
 * registers in x86 order; next_rip is the address of the following instruction. Segment bases
 * are not added. Returns 0 when i has no memory operand. For VSIB the index (a vector) is left
 * out, and for EVEX disp8*N the displacement is used unscaled (see disp8_scaled).
 */
u64 x86_insn_effective_address(const struct x86_insn *i, const u64 *gpr, u64 next_rip);

/*
 * The segment the memory operand uses: the override, else SS for a BP/SP/EBP/ESP/RBP/RSP base
 * (SDM 3.7.4 vol. 1), else DS. In 64-bit mode only FS and GS bases are non-zero.
 */
int x86_insn_segment(const struct x86_insn *i);

#endif
