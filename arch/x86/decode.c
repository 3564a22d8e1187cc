/*
 * x86 instruction decoder (SDM vol. 2 ch. 2 and appendix A; APM vol. 3 ch. 1 and appendix A):
 * finds the length, prefixes, opcode, ModRM/SIB, displacement and immediates of one instruction.
 */
#include "arch/x86/decode.h"
#include "arch/x86/decode_tables.h"
#include "lib/errno.h"
#include "lib/string.h"

/*
 * Opcode attributes, one u32 per opcode of the legacy maps. The low four bits say which
 * immediate follows the ModRM/SIB/displacement (SDM A.2.2 operand types).
 */
enum imm_kind {
	I_NONE,
	I_B,		/* Ib */
	I_W,		/* Iw */
	I_Z,		/* Iz: 16 bits with a 16-bit operand size, else 32 */
	I_V,		/* Iv: 16, 32 or 64 bits (B8+r only) */
	I_WB,		/* ENTER: Iw, Ib */
	I_MOFFS,	/* Ob/Ov: address-size offset */
	I_PTR,		/* Ap: 16:16 or 16:32 far pointer */
	I_JB,		/* Jb */
	I_JZ,		/* Jz: rel16/rel32; rel32 in 64-bit mode (Intel ignores 66 there) */
	I_GRP3,		/* F6/F7: Ib/Iz only for /0 and /1 (TEST) */
	I_BB,		/* EXTRQ/INSERTQ: Ib, Ib */
	I_D,		/* Id (XOP map 10) */
};

#define A_IMM(a)	((a) & 0xf)
#define M	0x00000010u	/* has a ModRM byte */
#define I64	0x00000020u	/* #UD in 64-bit mode */
#define D64	0x00000080u	/* operand size defaults to 64 bits in 64-bit mode (SDM A.2.5) */
#define F64	0x00000100u	/* operand size is 64 bits in 64-bit mode, 66 ignored (SDM A.2.5) */
#define LK	0x00000200u	/* LOCK allowed when the destination is memory (SDM "LOCK") */
#define BAD	0x00000400u	/* undefined */
#define GRP	0x00000800u	/* more checks on ModRM and prefixes: see the map's check function */
#define PN	0x00001000u	/* valid without a mandatory prefix */
#define P66	0x00002000u	/* valid with 66 as the mandatory prefix */
#define PF3	0x00004000u	/* ... with F3 */
#define PF2	0x00008000u	/* ... with F2 */
#define MEM	0x00010000u	/* ModRM must name memory */
#define REG	0x00020000u	/* ModRM must name a register */
#define PESC	0x00040000u	/* a prefix or an escape byte: never an opcode on its own */
#define PMASK	(PN | P66 | PF3 | PF2)
#define P4	PMASK
#define PX	(PN | P66)

/* The one-byte map (SDM table A-2). */
static const u32 map_primary[256] = {
	[0x00] = M | LK, [0x01] = M | LK, [0x02] = M, [0x03] = M, [0x04] = I_B, [0x05] = I_Z,
	[0x06] = I64, [0x07] = I64,
	[0x08] = M | LK, [0x09] = M | LK, [0x0a] = M, [0x0b] = M, [0x0c] = I_B, [0x0d] = I_Z,
	[0x0e] = I64, [0x0f] = PESC,
	[0x10] = M | LK, [0x11] = M | LK, [0x12] = M, [0x13] = M, [0x14] = I_B, [0x15] = I_Z,
	[0x16] = I64, [0x17] = I64,
	[0x18] = M | LK, [0x19] = M | LK, [0x1a] = M, [0x1b] = M, [0x1c] = I_B, [0x1d] = I_Z,
	[0x1e] = I64, [0x1f] = I64,
	[0x20] = M | LK, [0x21] = M | LK, [0x22] = M, [0x23] = M, [0x24] = I_B, [0x25] = I_Z,
	[0x26] = PESC, [0x27] = I64,
	[0x28] = M | LK, [0x29] = M | LK, [0x2a] = M, [0x2b] = M, [0x2c] = I_B, [0x2d] = I_Z,
	[0x2e] = PESC, [0x2f] = I64,
	[0x30] = M | LK, [0x31] = M | LK, [0x32] = M, [0x33] = M, [0x34] = I_B, [0x35] = I_Z,
	[0x36] = PESC, [0x37] = I64,
	[0x38] = M, [0x39] = M, [0x3a] = M, [0x3b] = M, [0x3c] = I_B, [0x3d] = I_Z,
	[0x3e] = PESC, [0x3f] = I64,
	/* 40-4F: INC/DEC outside 64-bit mode, REX inside it (consumed as a prefix). */
	[0x50 ... 0x5f] = D64,
	[0x60] = I64, [0x61] = I64, [0x62] = M | I64 | MEM, [0x63] = M,
	[0x64 ... 0x67] = PESC,
	[0x68] = I_Z | D64, [0x69] = M | I_Z, [0x6a] = I_B | D64, [0x6b] = M | I_B,
	[0x70 ... 0x7f] = I_JB | F64,
	[0x80] = M | I_B | LK, [0x81] = M | I_Z | LK, [0x82] = M | I_B | LK | I64,
	[0x83] = M | I_B | LK,
	[0x84] = M, [0x85] = M, [0x86] = M | LK, [0x87] = M | LK,
	[0x88 ... 0x8b] = M, [0x8c] = M | GRP, [0x8d] = M | MEM, [0x8e] = M | GRP,
	[0x8f] = M | D64 | GRP,
	[0x9a] = I_PTR | I64, [0x9c] = D64, [0x9d] = D64,
	[0xa0 ... 0xa3] = I_MOFFS, [0xa8] = I_B, [0xa9] = I_Z,
	[0xb0 ... 0xb7] = I_B, [0xb8 ... 0xbf] = I_V,
	[0xc0] = M | I_B, [0xc1] = M | I_B, [0xc2] = I_W | F64, [0xc3] = F64,
	[0xc4] = M | I64 | MEM, [0xc5] = M | I64 | MEM,
	[0xc6] = M | I_B | GRP, [0xc7] = M | I_Z | GRP,
	[0xc8] = I_WB | D64, [0xc9] = D64, [0xca] = I_W, [0xcd] = I_B, [0xce] = I64,
	[0xd0 ... 0xd3] = M, [0xd4] = I_B | I64, [0xd5] = I_B | I64, [0xd6] = I64,
	[0xd8 ... 0xdf] = M | GRP,
	[0xe0 ... 0xe3] = I_JB | F64, [0xe4 ... 0xe7] = I_B,
	[0xe8] = I_JZ | F64, [0xe9] = I_JZ | F64, [0xea] = I_PTR | I64, [0xeb] = I_JB | F64,
	[0xf0] = PESC, [0xf2] = PESC, [0xf3] = PESC,
	[0xf6] = M | I_GRP3 | GRP, [0xf7] = M | I_GRP3 | GRP,
	[0xfe] = M | LK | GRP, [0xff] = M | GRP,
};

/* The two-byte map, 0F xx (SDM table A-3). */
static const u32 map_0f[256] = {
	[0x00] = M | GRP, [0x01] = M | GRP, [0x02] = M, [0x03] = M, [0x04] = BAD,
	[0x0a] = BAD, [0x0c] = BAD, [0x0d] = M | GRP,
	[0x10] = M | P4, [0x11] = M | P4, [0x12] = M | P4 | GRP, [0x13] = M | PX | MEM,
	[0x14] = M | PX, [0x15] = M | PX, [0x16] = M | PN | P66 | PF3 | GRP,
	[0x17] = M | PX | MEM,
	[0x18 ... 0x1f] = M | GRP,
	[0x20 ... 0x23] = M | GRP, [0x24 ... 0x27] = BAD,
	[0x28] = M | PX, [0x29] = M | PX, [0x2a] = M | P4, [0x2b] = M | P4 | MEM,
	[0x2c] = M | P4, [0x2d] = M | P4, [0x2e] = M | PX, [0x2f] = M | PX,
	[0x36] = BAD, [0x37] = PN, [0x38] = PESC, [0x39] = BAD, [0x3a] = PESC, [0x3b ... 0x3f] = BAD,
	[0x40 ... 0x4f] = M,
	[0x50] = M | PX | REG, [0x51] = M | P4, [0x52] = M | PN | PF3, [0x53] = M | PN | PF3,
	[0x54 ... 0x57] = M | PX, [0x58 ... 0x5a] = M | P4, [0x5b] = M | PX | PF3,
	[0x5c ... 0x5f] = M | P4,
	[0x60 ... 0x6b] = M | PX, [0x6c] = M | P66, [0x6d] = M | P66, [0x6e] = M | PX,
	[0x6f] = M | PX | PF3,
	[0x70] = M | I_B | P4, [0x71 ... 0x73] = M | I_B | PX | REG | GRP,
	[0x74 ... 0x76] = M | PX, [0x77] = PN,
	[0x78] = M | PN | P66 | PF2 | GRP, [0x79] = M | PN | P66 | PF2 | GRP,
	[0x7a] = BAD, [0x7b] = BAD,
	[0x7c] = M | P66 | PF2, [0x7d] = M | P66 | PF2, [0x7e] = M | PX | PF3, [0x7f] = M | PX | PF3,
	[0x80 ... 0x8f] = I_JZ | F64,
	[0x90 ... 0x9f] = M,
	[0xa0] = D64, [0xa1] = D64, [0xa3] = M, [0xa4] = M | I_B, [0xa5] = M,
	[0xa6] = BAD, [0xa7] = BAD,
	[0xa8] = D64, [0xa9] = D64, [0xab] = M | LK, [0xac] = M | I_B, [0xad] = M,
	[0xae] = M | GRP, [0xaf] = M,
	[0xb0] = M | LK, [0xb1] = M | LK, [0xb2] = M | MEM, [0xb3] = M | LK,
	[0xb4] = M | MEM, [0xb5] = M | MEM, [0xb6] = M, [0xb7] = M,
	[0xb8] = M | GRP, [0xb9] = M, [0xba] = M | I_B | GRP, [0xbb] = M | LK,
	[0xbc ... 0xbf] = M,
	[0xc0] = M | LK, [0xc1] = M | LK, [0xc2] = M | I_B | P4, [0xc3] = M | PN | MEM,
	[0xc4] = M | I_B | PX, [0xc5] = M | I_B | PX | REG, [0xc6] = M | I_B | PX,
	[0xc7] = M | GRP,
	[0xd0] = M | P66 | PF2, [0xd1 ... 0xd5] = M | PX, [0xd6] = M | P66 | PF3 | PF2 | GRP,
	[0xd7] = M | PX | REG, [0xd8 ... 0xdf] = M | PX,
	[0xe0 ... 0xe5] = M | PX, [0xe6] = M | P66 | PF3 | PF2, [0xe7] = M | PX | MEM,
	[0xe8 ... 0xef] = M | PX,
	[0xf0] = M | PF2 | MEM, [0xf1 ... 0xf6] = M | PX, [0xf7] = M | PX | REG,
	[0xf8 ... 0xfe] = M | PX, [0xff] = M,
};

/* The three-byte map 0F 38 xx (SDM table A-4): all have a ModRM byte and no immediate. */
static const u32 map_0f38[256] = {
	[0x00 ... 0x0b] = PX,
	[0x10] = P66, [0x14] = P66, [0x15] = P66, [0x17] = P66,
	[0x1c ... 0x1e] = PX,
	[0x20 ... 0x25] = P66, [0x28 ... 0x29] = P66, [0x2a] = P66 | MEM, [0x2b] = P66,
	[0x30 ... 0x35] = P66, [0x37 ... 0x41] = P66,
	[0x80 ... 0x82] = P66 | MEM,
	[0xc8 ... 0xcd] = PN, [0xcf] = P66,
	[0xd8] = PF3 | GRP, [0xdb] = P66, [0xdc ... 0xdf] = P66 | PF3 | GRP,
	[0xf0] = PX | PF2 | GRP, [0xf1] = PX | PF2 | GRP,
	[0xf5] = P66 | MEM, [0xf6] = PN | P66 | PF3 | GRP,
	[0xf8] = P66 | PF3 | PF2 | MEM, [0xf9] = PN | MEM,
	[0xfa] = PF3 | REG, [0xfb] = PF3 | REG,
};

/* The three-byte map 0F 3A xx (SDM table A-5): ModRM and an Ib each. */
static const u32 map_0f3a[256] = {
	[0x08 ... 0x0e] = P66, [0x0f] = PX,
	[0x14 ... 0x17] = P66, [0x20 ... 0x22] = P66,
	[0x40 ... 0x42] = P66, [0x44] = P66,
	[0x60 ... 0x63] = P66,
	[0xcc] = PN, [0xce] = P66, [0xcf] = P66, [0xdf] = P66,
	[0xf0] = PF3 | REG | GRP,
};

/* 3DNow! suffixes (AMD "3DNow! Technology Manual" table 1, and the Athlon additions). */
static bool valid_3dnow(u8 op)
{
	switch (op) {
	case 0x0c: case 0x0d: case 0x1c: case 0x1d: case 0x8a: case 0x8e:
	case 0x90: case 0x94: case 0x96: case 0x97: case 0x9a: case 0x9e:
	case 0xa0: case 0xa4: case 0xa6: case 0xa7: case 0xaa: case 0xae:
	case 0xb0: case 0xb4: case 0xb6: case 0xb7: case 0xbb: case 0xbf:
		return true;
	}
	return false;
}

struct dec {
	const u8 *bytes;
	size_t avail;
	u8 pos;
	bool is64;
	struct x86_insn *i;
};

/* Next byte, or -EINVAL once 15 are consumed (SDM 2.3.11), or -E2BIG past the input. */
static int next(struct dec *d, u8 *b)
{
	if (d->pos >= X86_INSN_MAX_LEN) {
		d->i->len = X86_INSN_MAX_LEN + 1;
		return -EINVAL;
	}
	if (d->pos >= d->avail)
		return -E2BIG;
	*b = d->bytes[d->pos++];
	d->i->len = d->pos;
	return 0;
}

static int peek(struct dec *d, u8 *b)
{
	if (d->pos >= X86_INSN_MAX_LEN) {
		d->i->len = X86_INSN_MAX_LEN + 1;
		return -EINVAL;
	}
	if (d->pos >= d->avail)
		return -E2BIG;
	*b = d->bytes[d->pos];
	return 0;
}

/* n (1..8) little-endian bytes. */
static int take(struct dec *d, u8 n, u64 *val)
{
	u64 v = 0;

	if (d->pos + n > X86_INSN_MAX_LEN) {
		d->i->len = X86_INSN_MAX_LEN + 1;
		return -EINVAL;
	}
	if (d->pos + n > d->avail)
		return -E2BIG;
	for (u8 k = 0; k < n; k++)
		v |= (u64)d->bytes[d->pos + k] << (8 * k);
	d->pos += n;
	d->i->len = d->pos;
	*val = v;
	return 0;
}

static s64 sext(u64 v, u8 size)
{
	switch (size) {
	case 1:
		return (s8)v;
	case 2:
		return (s16)v;
	case 4:
		return (s32)v;
	}
	return (s64)v;
}

/* SDM 2.2.1.2 / table 2-4: REX.W wins over 66; in 64-bit mode some opcodes default to 64. */
static u8 operand_size(const struct dec *d, u32 a, bool use66)
{
	const struct x86_insn *i = d->i;
	bool o66 = use66 && (i->prefixes & X86_PFX_OPSIZE);

	if (d->is64) {
		if (i->rex_w || (a & F64))
			return 8;
		if (o66)
			return 2;
		return (a & D64) ? 8 : 4;
	}
	if (i->mode == X86_MODE_32)
		return o66 ? 2 : 4;
	return o66 ? 4 : 2;
}

/* The mandatory prefix as the SIMD maps see it: the last of F2/F3, else 66 (SDM 2.1.2). */
static u8 mandatory_prefix(const struct x86_insn *i)
{
	if (i->rep)
		return i->rep;
	if (i->prefixes & X86_PFX_OPSIZE)
		return 0x66;
	return 0;
}

static u32 prefix_bit(u8 mp)
{
	switch (mp) {
	case 0x66:
		return P66;
	case 0xf3:
		return PF3;
	case 0xf2:
		return PF2;
	}
	return PN;
}

/* ModRM, SIB and displacement (SDM 2.1.5, tables 2-1 to 2-3; 2.2.1.6 for RIP-relative). */
static int decode_modrm(struct dec *d, bool force_reg)
{
	struct x86_insn *i = d->i;
	u64 v;
	u8 b, dsize = 0;
	int r;

	r = next(d, &b);
	if (r)
		return r;
	i->has_modrm = true;
	i->modrm = b;
	i->mod = b >> 6;
	i->reg = ((b >> 3) & 7) | (i->rex_r << 3);
	i->rm = (b & 7) | (i->rex_b << 3);
	/* MOV to/from CR/DR: "the mod bits are ignored", always a register (SDM "MOV-Control Registers"). */
	if (force_reg)
		i->mod = 3;
	if (i->mod == 3)
		return 0;

	i->has_mem = true;
	i->mem_base = X86_REG_NONE;
	i->mem_index = X86_REG_NONE;
	i->mem_scale = 1;
	if (i->addr_size == 2) {
		/* Table 2-1: BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP (or disp16), BX. */
		static const s8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
		static const s8 index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
		u8 rm = b & 7;

		if (i->mod == 0 && rm == 6) {
			dsize = 2;
		} else {
			i->mem_base = base16[rm];
			i->mem_index = index16[rm];
			dsize = i->mod == 1 ? 1 : i->mod == 2 ? 2 : 0;
		}
	} else {
		u8 rm = b & 7;

		if (rm == 4) {
			u8 s, base, index;

			r = next(d, &s);
			if (r)
				return r;
			i->has_sib = true;
			i->sib = s;
			i->mem_scale = 1 << (s >> 6);
			index = ((s >> 3) & 7) | (i->rex_x << 3);
			base = s & 7;
			/* Table 2-3: index 100 is "none" (but R12 with REX.X, and a vector for VSIB). */
			if (i->vsib || index != 4)
				i->mem_index = index;
			/* Base 101 with mod 00: no base, a disp32; REX.B is not decoded (table 2-5). */
			if (base == 5 && i->mod == 0)
				dsize = 4;
			else
				i->mem_base = base | (i->rex_b << 3);
		} else if (rm == 5 && i->mod == 0) {
			/* disp32; in 64-bit mode relative to the next RIP, whatever REX.B says. */
			dsize = 4;
			i->rip_relative = d->is64;
		} else {
			i->mem_base = rm | (i->rex_b << 3);
		}
		if (i->mod == 1)
			dsize = 1;
		else if (i->mod == 2)
			dsize = 4;
	}
	if (dsize) {
		i->disp_offset = d->pos;
		r = take(d, dsize, &v);
		if (r)
			return r;
		i->disp = sext(v, dsize);
		i->disp_size = dsize;
	}
	return 0;
}

static int decode_imm(struct dec *d, enum imm_kind k)
{
	struct x86_insn *i = d->i;
	u8 size = 0, size2 = 0;
	u64 v;
	int r;

	switch (k) {
	case I_NONE:
		return 0;
	case I_B:
	case I_JB:
		size = 1;
		break;
	case I_W:
		size = 2;
		break;
	case I_D:
		size = 4;
		break;
	case I_Z:
		size = i->op_size == 2 ? 2 : 4;
		break;
	case I_JZ:
		size = i->op_size == 2 ? 2 : 4;
		break;
	case I_V:
		size = i->op_size;
		break;
	case I_WB:
		size = 2;
		size2 = 1;
		break;
	case I_BB:
		size = 1;
		size2 = 1;
		break;
	case I_MOFFS:
		/* The offset is part of the address, so it is recorded as the displacement. */
		i->disp_offset = d->pos;
		r = take(d, i->addr_size, &v);
		if (r)
			return r;
		i->disp = (s64)v;
		i->disp_size = i->addr_size;
		i->has_mem = true;
		i->mem_base = X86_REG_NONE;
		i->mem_index = X86_REG_NONE;
		i->mem_scale = 1;
		return 0;
	case I_PTR:
		size = i->op_size == 2 ? 2 : 4;
		size2 = 2;
		break;
	case I_GRP3:
		if (((i->modrm >> 3) & 7) >= 2)
			return 0;
		size = (i->opcode & 1) ? (i->op_size == 2 ? 2 : 4) : 1;
		break;
	}
	i->imm_offset = d->pos;
	r = take(d, size, &v);
	if (r)
		return r;
	i->imm = v;
	i->imm_size = size;
	if (size2) {
		r = take(d, size2, &v);
		if (r)
			return r;
		i->imm2 = v;
		i->imm2_size = size2;
	}
	return 0;
}

/* x87 escapes D8-DF (SDM tables ); register forms that are blank there are #UD. */
static bool valid_x87(u8 op, u8 modrm)
{
	u8 reg = (modrm >> 3) & 7;

	if (modrm < 0xc0) {
		switch (op) {
		case 0xd9:
			return reg != 1;
		case 0xdb:
			return reg != 4 && reg != 6;
		case 0xdd:
			return reg != 5;
		}
		return true;
	}
	switch (op) {
	case 0xd9:
		if (modrm >= 0xd1 && modrm <= 0xd7)
			return false;
		return modrm != 0xe2 && modrm != 0xe3 && modrm != 0xe6 && modrm != 0xe7 &&
		       modrm != 0xef;
	case 0xda:
		return modrm < 0xe0 || modrm == 0xe9;
	case 0xdb:
		return modrm < 0xe5 || (modrm >= 0xe8 && modrm < 0xf8);
	case 0xdd:
		return modrm < 0xf0;
	case 0xde:
		return modrm < 0xd8 || modrm == 0xd9 || modrm >= 0xe0;
	case 0xdf:
		return modrm < 0xe1 || (modrm >= 0xe8 && modrm < 0xf8);
	}
	return true;
}

/*
 * Group 7 with a register operand, 0F 01 C0-FF (SDM table A-6; the SVM, SNP, INVLPGB and
 * RDPRU rows from APM vol. 3 table A-7): which mandatory prefixes each ModRM value takes,
 * in every mode (low nibble) and in 64-bit mode only (high nibble).
 */
#define G7N	0x01	/* no prefix */
#define G7S	0x02	/* 66 */
#define G7R	0x04	/* F3 */
#define G7RN	0x08	/* F2 */
#define G7ANY	0x0f	/* the prefixes are ignored */
#define G7_64(x) ((x) << 4)
static const u8 grp7_reg[64] = {
	[0x00 ... 0x05] = G7N,				/* ENCLV VMCALL VMLAUNCH VMRESUME VMXOFF PCONFIG */
	[0x08 ... 0x0b] = G7N,				/* MONITOR MWAIT CLAC STAC */
	[0x0c] = G7S,					/* TDCALL */
	[0x0d] = G7_64(G7S), [0x0e] = G7_64(G7S),	/* SEAMRET SEAMOPS */
	[0x0f] = G7N | G7_64(G7S),			/* ENCLS, SEAMCALL */
	[0x10] = G7N, [0x11] = G7N,			/* XGETBV XSETBV */
	[0x14 ... 0x17] = G7N,				/* VMFUNC XEND XTEST ENCLU */
	[0x18 ... 0x1f] = G7ANY,			/* VMRUN ... INVLPGA */
	[0x20 ... 0x27] = G7ANY,			/* SMSW */
	[0x28] = G7N | G7R | G7RN,			/* SERIALIZE, SETSSBSY, XSUSLDTRK */
	[0x29] = G7RN,					/* XRESLDTRK */
	[0x2a] = G7R,					/* SAVEPREVSSP */
	[0x2c] = G7_64(G7R), [0x2d] = G7_64(G7R),	/* UIRET TESTUI */
	[0x2e] = G7N | G7_64(G7R),			/* RDPKRU, CLUI */
	[0x2f] = G7N | G7_64(G7R),			/* WRPKRU, STUI */
	[0x30 ... 0x37] = G7ANY,			/* LMSW */
	[0x38] = G7_64(G7ANY),				/* SWAPGS */
	[0x39] = G7ANY,					/* RDTSCP */
	[0x3a] = G7N | G7R,				/* MONITORX, MCOMMIT */
	[0x3b] = G7N,					/* MWAITX */
	[0x3c] = G7ANY, [0x3d] = G7ANY,			/* CLZERO RDPRU */
	[0x3e] = G7N | G7_64(G7R | G7RN),		/* INVLPGB, RMPADJUST, RMPUPDATE */
	[0x3f] = G7N | G7RN | G7_64(G7R),		/* TLBSYNC, PVALIDATE, PSMASH */
};

static bool valid_0f01(const struct dec *d, u8 mp)
{
	const struct x86_insn *i = d->i;
	u8 allowed, bit;

	if (i->mod != 3)
		return ((i->modrm >> 3) & 7) != 5 || mp == 0xf3;	/* /5: only RSTORSSP */
	allowed = grp7_reg[i->modrm & 0x3f];
	if (d->is64)
		allowed |= allowed >> 4;
	bit = mp == 0x66 ? G7S : mp == 0xf3 ? G7R : mp == 0xf2 ? G7RN : G7N;
	return allowed & bit;
}

/* ModRM- and prefix-dependent forms of the 0F map. */
static bool valid_0f_group(const struct dec *d, u8 mp, bool *lock_ok)
{
	const struct x86_insn *i = d->i;
	u8 reg = (i->modrm >> 3) & 7;
	bool mem = i->mod != 3;

	switch (i->opcode) {
	case 0x00:
		return reg < 6;
	case 0x01:
		return valid_0f01(d, mp);
	case 0x0d:
		return true;
	case 0x12:
	case 0x16:
		return mp != 0x66 || mem;	/* MOVLPD/MOVHPD take memory only */
	case 0x1a:
	case 0x1b:
		/*
		 * MPX (SDM "BNDCL", "BNDLDX", "BNDMK", "BNDMOV"): without a prefix and with a
		 * register operand (and F3 0F 1B with one) these stay hint NOPs. Otherwise only
		 * BND0-3 exist, 16-bit addressing is #UD, and so is RIP-relative BNDLDX, BNDSTX
		 * and BNDMK.
		 */
		if (!mem && (mp == 0 || (mp == 0xf3 && i->opcode == 0x1b)))
			return true;
		if (i->reg > 3)
			return false;
		if (mem && i->addr_size == 2)
			return false;
		if (!mem && mp == 0x66 && i->rm > 3)
			return false;
		if (i->rip_relative && (mp == 0 || (mp == 0xf3 && i->opcode == 0x1b)))
			return false;
		return true;
	case 0x18 ... 0x19:
	case 0x1c ... 0x1f:
		return true;
	case 0x20:
	case 0x22:
		/* CR0, CR2, CR3, CR4 and CR8; the others are reserved (#UD). */
		return i->reg == 0 || i->reg == 2 || i->reg == 3 || i->reg == 4 || i->reg == 8;
	case 0x21:
	case 0x23:
		return i->reg < 8;	/* REX.R with a debug register: #UD */
	case 0x71:
	case 0x72:
		return reg == 2 || reg == 4 || reg == 6;
	case 0x73:
		return reg == 2 || reg == 6 || (mp == 0x66 && (reg == 3 || reg == 7));
	case 0x78:
		if (mp == 0x66)
			return !mem && reg == 0;	/* EXTRQ xmm, Ib, Ib */
		if (mp == 0xf2)
			return !mem;			/* INSERTQ xmm, xmm, Ib, Ib */
		return true;				/* VMREAD */
	case 0x79:
		if (mp)
			return !mem;
		return true;
	case 0xae:
		if (mem) {
			switch (mp) {
			case 0:
				return true;
			case 0x66:
				return reg == 6 || reg == 7;	/* CLWB, CLFLUSHOPT */
			case 0xf3:
				return reg == 4 || reg == 6;	/* PTWRITE, CLRSSBSY */
			}
			return false;
		}
		switch (mp) {
		case 0:
			return reg >= 5;			/* LFENCE, MFENCE, SFENCE */
		case 0xf3:
			if (reg <= 3)
				return d->is64;		/* RD/WR FS/GS BASE */
			return reg == 4 || reg == 5 || reg == 6;	/* PTWRITE, INCSSP, UMONITOR */
		case 0x66:
			return reg == 6;			/* TPAUSE */
		case 0xf2:
			return reg == 6;			/* UMWAIT */
		}
		return false;
	case 0xb8:
		return mp == 0xf3;	/* POPCNT; without F3 it is JMPE (IA-64 only) */
	case 0xba:
		*lock_ok = reg >= 5 && mem;
		return reg >= 4;
	case 0xc7:
		/* Group 9 (SDM table A-6). */
		if (mem) {
			switch (reg) {
			case 1:
				*lock_ok = true;	/* CMPXCHG8B/16B */
				return true;
			case 3: case 4: case 5:
				return mp == 0;		/* XRSTORS, XSAVEC, XSAVES */
			case 6:
				return mp != 0xf2;	/* VMPTRLD, VMCLEAR (66), VMXON (F3) */
			case 7:
				return mp == 0;		/* VMPTRST */
			}
			return false;
		}
		if (reg == 6)
			return mp == 0 || mp == 0x66 || (mp == 0xf3 && d->is64); /* RDRAND, SENDUIPI */
		if (reg == 7)
			return mp != 0xf2;	/* RDSEED, RDPID */
		return false;
	case 0xd6:
		return mp == 0x66 || !mem;	/* MOVQ; MOVQ2DQ/MOVDQ2Q take registers */
	}
	return true;
}

/*
 * ModRM- and prefix-dependent forms of the 0F 38 and 0F 3A maps (SDM tables; Key
 * Locker from the Intel Key Locker specification).
 */
static bool valid_0f38_group(const struct dec *d, u8 mp)
{
	const struct x86_insn *i = d->i;
	u8 reg = (i->modrm >> 3) & 7;
	bool mem = i->mod != 3;

	if (i->map == X86_MAP_0F3A) {
		/* F3 0F 3A F0 C0 ib: HRESET. */
		return i->modrm == 0xc0;
	}
	switch (i->opcode) {
	case 0xd8:
		return mem && reg < 4;		/* AES{ENC,DEC}WIDE{128,256}KL */
	case 0xdc:
		return true;			/* AESENC (66); F3: LOADIWKEY (reg), AESENC128KL (mem) */
	case 0xdd: case 0xde: case 0xdf:
		return mp == 0x66 || mem;	/* AES* (66); F3: the Key Locker forms take memory */
	case 0xf0:
	case 0xf1:
		return mp == 0xf2 || mem;	/* CRC32 takes both, MOVBE only memory */
	case 0xf6:
		return mp != 0 || mem;		/* WRSS takes memory */
	}
	return true;
}

/* VEX (SDM 2.3), XOP (AMD APM vol. 6 1.2) and EVEX (SDM 2.7). b is C4, C5, 8F or 62. */
static int decode_vex(struct dec *d, u8 b)
{
	struct x86_insn *i = d->i;
	u8 p0, p1, p2 = 0, map;
	u32 attr;
	int r;

	/* SDM 2.3.2: a 66, F2, F3, LOCK or REX prefix before VEX is #UD (likewise EVEX, XOP). */
	if (i->prefixes & (X86_PFX_OPSIZE | X86_PFX_REPNE | X86_PFX_REP | X86_PFX_LOCK | X86_PFX_REX))
		return -EINVAL;
	r = next(d, &p0);
	if (r)
		return r;
	if (b == 0xc5) {
		i->prefixes |= X86_PFX_VEX;
		i->encoding = X86_ENC_VEX;
		i->rex_r = !(p0 & 0x80);
		i->vvvv = (~p0 >> 3) & 0xf;
		i->vl = (p0 >> 2) & 1;
		p1 = p0;
		map = X86_MAP_0F;
	} else {
		r = next(d, &p1);
		if (r)
			return r;
		i->rex_r = !(p0 & 0x80);
		i->rex_x = !(p0 & 0x40);
		i->rex_b = !(p0 & 0x20);
		i->rex_w = (p1 >> 7) & 1;
		map = p0 & 0x1f;
		if (b == 0x62) {
			r = next(d, &p2);
			if (r)
				return r;
			i->prefixes |= X86_PFX_EVEX;
			i->encoding = X86_ENC_EVEX;
			/* P0 bit 3 must be 0 and P1 bit 2 must be 1 (SDM table 2-30). */
			if ((p0 & 0x08) || !(p1 & 0x04))
				return -EINVAL;
			map = p0 & 7;
			if (map != 1 && map != 2 && map != 3 && map != 5 && map != 6)
				return -EINVAL;
			i->vvvv = ((~p1 >> 3) & 0xf) | ((p2 & 0x08) ? 0 : 0x10);
			i->vl = (p2 >> 5) & 3;
			i->evex_z = p2 >> 7;
			i->evex_b = (p2 >> 4) & 1;
			i->evex_aaa = p2 & 7;
		} else {
			if (b == 0x8f) {
				i->prefixes |= X86_PFX_XOP;
				i->encoding = X86_ENC_XOP;
				if (map < 8 || map > 10)
					return -EINVAL;
			} else {
				i->prefixes |= X86_PFX_VEX;
				i->encoding = X86_ENC_VEX;
				if (map < 1 || map > 3)
					return -EINVAL;
			}
			i->vvvv = (~p1 >> 3) & 0xf;
			i->vl = (p1 >> 2) & 1;
		}
	}
	i->map = map;
	switch (p1 & 3) {
	case 1:
		i->mandatory = 0x66;
		break;
	case 2:
		i->mandatory = 0xf3;
		break;
	case 3:
		i->mandatory = 0xf2;
		break;
	}
	if (!d->is64) {
		/* Outside 64-bit mode VEX.R/X/B are ignored (SDM 2.3.5). */
		i->rex_r = i->rex_x = i->rex_b = false;
	}
	r = next(d, &i->opcode);
	if (r)
		return r;
	i->op_size = (d->is64 && i->rex_w) ? 8 : (i->mode == X86_MODE_16 ? 2 : 4);
	attr = x86_decode_vex_attr(i);
	if (!(attr & X86_VA_OK))
		return -EINVAL;
	i->vsib = attr & X86_VA_VSIB;
	if (!(attr & X86_VA_NOMODRM)) {
		r = decode_modrm(d, false);
		if (r)
			return r;
	}
	if (i->encoding == X86_ENC_EVEX) {
		/* The fifth register-number bits (SDM 2.7.2): R' for reg, X for rm, V' for a VSIB index. */
		if (d->is64) {
			i->reg |= !(p0 & 0x10) << 4;
			if (i->mod == 3)
				i->rm |= i->rex_x << 4;
			if (i->vsib && i->mem_index != X86_REG_NONE)
				i->mem_index |= (i->vvvv & 0x10);
		}
		/* Compressed disp8*N (SDM 2.7.5): N depends on the instruction; disp stays raw. */
		if (i->mod != 3 && i->disp_size == 1)
			i->disp8_scaled = true;
	}
	r = x86_decode_vex_check(i, attr);
	if (r)
		return r;
	return decode_imm(d, attr & X86_VA_IB ? I_B : attr & X86_VA_ID ? I_D : I_NONE);
}

/* The legacy-map decode once the opcode (and map) is known. */
static int decode_legacy(struct dec *d, const u32 *table)
{
	struct x86_insn *i = d->i;
	u32 a = table[i->opcode];
	enum imm_kind imm;
	bool lock_ok, use66 = true;
	u8 mp = 0, reg;
	int r;

	if (i->map == X86_MAP_0F38)
		a |= M;
	if (i->map == X86_MAP_0F3A)
		a |= M | I_B;
	if (a & BAD)
		return -EINVAL;
	if (i->map >= X86_MAP_0F38 && !(a & PMASK))
		return -EINVAL;	/* unassigned three-byte opcode */
	if ((a & I64) && d->is64)
		return -EINVAL;
	if (i->map != X86_MAP_PRIMARY) {
		mp = mandatory_prefix(i);
		i->mandatory = mp;
	}
	if (a & PMASK) {
		if (!(a & prefix_bit(mp)))
			return -EINVAL;
		if (mp == 0x66)
			use66 = false;
	}
	imm = A_IMM(a);
	if (a & M) {
		r = decode_modrm(d, i->map == X86_MAP_0F && i->opcode >= 0x20 && i->opcode <= 0x23);
		if (r)
			return r;
		if ((a & MEM) && i->mod == 3)
			return -EINVAL;
		if ((a & REG) && i->mod != 3)
			return -EINVAL;
	}
	reg = (i->modrm >> 3) & 7;
	lock_ok = (a & LK) && i->has_mem;

	if (i->map == X86_MAP_PRIMARY) {
		switch (i->opcode) {
		case 0x8c:
			if (reg > 5)
				return -EINVAL;
			break;
		case 0x8e:
			if (reg > 5 || reg == 1)	/* MOV to CS is #UD */
				return -EINVAL;
			break;
		case 0x8f:
			if (reg != 0)
				return -EINVAL;
			break;
		case 0xc6:
		case 0xc7:
			/* /0 MOV; C6 F8 XABORT Ib and C7 F8 XBEGIN Jz (SDM "XABORT", "XBEGIN"). */
			if (i->modrm == 0xf8) {
				if (i->opcode == 0xc7)
					imm = I_JZ;
			} else if (reg != 0) {
				return -EINVAL;
			}
			break;
		case 0xd8 ... 0xdf:
			if (!valid_x87(i->opcode, i->modrm))
				return -EINVAL;
			break;
		case 0xf6:
		case 0xf7:
			lock_ok = (reg == 2 || reg == 3) && i->has_mem;
			break;
		case 0xfe:
			if (reg > 1)
				return -EINVAL;
			break;
		case 0xff:
			if (reg == 7 || ((reg == 3 || reg == 5) && i->mod == 3))
				return -EINVAL;
			lock_ok = reg <= 1 && i->has_mem;
			if (reg == 2 || reg == 4)
				a |= F64;
			else if (reg == 6)
				a |= D64;
			break;
		}
		if (i->opcode >= 0x80 && i->opcode <= 0x83)
			lock_ok = lock_ok && reg != 7;	/* CMP */
	} else if (i->map == X86_MAP_0F) {
		if ((a & GRP) && !valid_0f_group(d, mp, &lock_ok))
			return -EINVAL;
		/* MPX memory forms ignore 67 in 64-bit mode: addresses stay 64-bit (SDM "BNDCL"). */
		if (d->is64 && (i->opcode == 0x1a || i->opcode == 0x1b) && i->has_mem)
			i->addr_size = 8;
		if (i->opcode == 0x78 && mp && mp != 0xf3)
			imm = I_BB;	/* EXTRQ/INSERTQ */
		/* MOV CR/DR, VMREAD/VMWRITE: 64-bit operands in 64-bit mode regardless of REX.W. */
		if ((i->opcode >= 0x20 && i->opcode <= 0x23) || ((i->opcode == 0x78 || i->opcode == 0x79) && !mp))
			a |= F64;
	} else {
		if ((a & GRP) && !valid_0f38_group(d, mp))
			return -EINVAL;
		if (i->map == X86_MAP_0F38 && i->opcode >= 0x80 && i->opcode <= 0x82)
			a |= F64;	/* INVEPT/INVVPID/INVPCID: register operand is 64-bit */
	}
	if ((i->prefixes & X86_PFX_LOCK) && !lock_ok)
		return -EINVAL;	/* SDM "LOCK": #UD on other instructions or a register destination */

	i->op_size = operand_size(d, a, use66);
	return decode_imm(d, imm);
}

static int decode(struct dec *d)
{
	struct x86_insn *i = d->i;
	u8 b, b2;
	int r;

	/* Legacy prefixes in any order and REX (SDM 2.1.1, 2.2.1). Bounded by the 15-byte limit. */
	for (;;) {
		r = next(d, &b);
		if (r)
			return r;
		if (d->is64 && (b & 0xf0) == 0x40) {
			i->rex = b;
			continue;
		}
		switch (b) {
		case 0xf0:
			i->prefixes |= X86_PFX_LOCK;
			break;
		case 0xf2:
			i->prefixes |= X86_PFX_REPNE;
			i->rep = 0xf2;
			break;
		case 0xf3:
			i->prefixes |= X86_PFX_REP;
			i->rep = 0xf3;
			break;
		case 0x66:
			i->prefixes |= X86_PFX_OPSIZE;
			break;
		case 0x67:
			i->prefixes |= X86_PFX_ADSIZE;
			break;
		case 0x26:
			i->seg = 0;	/* ES */
			i->prefixes |= X86_PFX_SEG;
			break;
		case 0x2e:
			i->seg = 1;	/* CS */
			i->prefixes |= X86_PFX_SEG;
			break;
		case 0x36:
			i->seg = 2;	/* SS */
			i->prefixes |= X86_PFX_SEG;
			break;
		case 0x3e:
			i->seg = 3;	/* DS */
			i->prefixes |= X86_PFX_SEG;
			break;
		case 0x64:
			i->seg = 4;	/* FS */
			i->prefixes |= X86_PFX_SEG;
			break;
		case 0x65:
			i->seg = 5;	/* GS */
			i->prefixes |= X86_PFX_SEG;
			break;
		default:
			goto opcode;
		}
		/* A REX prefix followed by a legacy prefix is ignored (SDM 2.2.1). */
		i->rex = 0;
	}
opcode:
	if (i->rex) {
		i->prefixes |= X86_PFX_REX;
		i->rex_w = (i->rex >> 3) & 1;
		i->rex_r = (i->rex >> 2) & 1;
		i->rex_x = (i->rex >> 1) & 1;
		i->rex_b = i->rex & 1;
	}
	if (d->is64)
		i->addr_size = (i->prefixes & X86_PFX_ADSIZE) ? 4 : 8;
	else if (i->mode == X86_MODE_32)
		i->addr_size = (i->prefixes & X86_PFX_ADSIZE) ? 2 : 4;
	else
		i->addr_size = (i->prefixes & X86_PFX_ADSIZE) ? 4 : 2;

	switch (b) {
	case 0xc4:
	case 0xc5:
	case 0x62:
		/* Outside 64-bit mode these are LES/LDS/BOUND unless ModRM.mod would be 11 (SDM 2.3.5). */
		r = peek(d, &b2);
		if (r)
			return r;
		if (d->is64 || (b2 & 0xc0) == 0xc0)
			return decode_vex(d, b);
		break;
	case 0x8f:
		/* XOP when the map-select field is 8 or more, else POP Ev (APM vol. 6 1.2.1). */
		r = peek(d, &b2);
		if (r)
			return r;
		if ((b2 & 0x1f) >= 8)
			return decode_vex(d, b);
		break;
	case 0x0f:
		r = next(d, &b2);
		if (r)
			return r;
		if (b2 == 0x38 || b2 == 0x3a) {
			i->map = b2 == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
			r = next(d, &i->opcode);
			if (r)
				return r;
			return decode_legacy(d, b2 == 0x38 ? map_0f38 : map_0f3a);
		}
		if (b2 == 0x0f) {
			/* 3DNow!: 0F 0F ModRM [SIB] [disp] suffix (AMD 3DNow! manual, 1.3). */
			i->encoding = X86_ENC_3DNOW;
			i->map = X86_MAP_0F;
			r = decode_modrm(d, false);
			if (r)
				return r;
			r = next(d, &i->opcode);
			if (r)
				return r;
			if (!valid_3dnow(i->opcode) || (i->prefixes & X86_PFX_LOCK))
				return -EINVAL;
			i->op_size = operand_size(d, 0, true);
			return 0;
		}
		i->map = X86_MAP_0F;
		i->opcode = b2;
		return decode_legacy(d, map_0f);
	}
	i->map = X86_MAP_PRIMARY;
	i->opcode = b;
	return decode_legacy(d, map_primary);
}

int x86_decode(const u8 *bytes, size_t avail, enum x86_cpu_mode mode, struct x86_insn *out)
{
	struct dec d = {
		.bytes = bytes,
		.avail = avail,
		.is64 = mode == X86_MODE_64,
		.i = out,
	};

	memset(out, 0, sizeof(*out));
	out->mode = mode;
	out->seg = -1;
	out->mem_base = X86_REG_NONE;
	out->mem_index = X86_REG_NONE;
	if (mode != X86_MODE_16 && mode != X86_MODE_32 && mode != X86_MODE_64)
		return -EINVAL;
	return decode(&d);
}

u64 x86_insn_effective_address(const struct x86_insn *i, const u64 *gpr, u64 next_rip)
{
	u64 ea, mask;

	if (!i->has_mem)
		return 0;
	mask = i->addr_size == 8 ? ~0ULL : i->addr_size == 4 ? 0xffffffffULL : 0xffffULL;
	if (i->rip_relative)
		return (next_rip + (u64)i->disp) & mask;
	ea = (u64)i->disp;
	if (i->mem_base != X86_REG_NONE)
		ea += gpr[i->mem_base & 15];
	if (i->mem_index != X86_REG_NONE && !i->vsib)
		ea += gpr[i->mem_index & 15] * i->mem_scale;
	return ea & mask;
}

int x86_insn_segment(const struct x86_insn *i)
{
	if (i->seg >= 0)
		return i->seg;
	/* SDM vol. 1 3.7.4: BP/SP-based addresses use SS. */
	if (i->has_mem && (i->mem_base == 4 || i->mem_base == 5))
		return 2;
	return 3;
}
