/*
 * MMIO instruction emulation: the data-moving and arithmetic instructions a guest uses on
 * device registers, with their flags computed as the SDM vol. 2 defines them per instruction.
 */
#include "arch/x86/emulate.h"
#include "lib/errno.h"

#define CF	BIT(0)
#define PF	BIT(2)
#define AF	BIT(4)
#define ZF	BIT(6)
#define SF	BIT(7)
#define DF	BIT(10)
#define OF	BIT(11)
#define STATUS_FLAGS	(CF | PF | AF | ZF | SF | OF)

/* Group 1 / opcode 00-3F operation numbers (SDM table A-6). */
enum alu_op {
	ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
	ALU_TEST, ALU_INC, ALU_DEC, ALU_NEG,
};

static u64 size_mask(u8 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 sign_bit(u8 size)
{
	return 1ULL << (size * 8 - 1);
}

static u64 sign_extend(u64 v, u8 from)
{
	switch (from) {
	case 1:
		return (u64)(s64)(s8)v;
	case 2:
		return (u64)(s64)(s16)v;
	case 4:
		return (u64)(s64)(s32)v;
	}
	return v;
}

/* PF: set when the low byte of the result has an even number of ones. */
static u64 parity_flag(u64 res)
{
	u8 x = (u8)res;

	x ^= x >> 4;
	x ^= x >> 2;
	x ^= x >> 1;
	return (x & 1) ? 0 : PF;
}

/* SF, ZF and PF of a result. */
static u64 szp(u64 res, u8 size)
{
	u64 f = parity_flag(res);

	if (!(res & size_mask(size)))
		f |= ZF;
	if (res & sign_bit(size))
		f |= SF;
	return f;
}

/*
 * One arithmetic or logic operation on size-byte operands dst and src. Returns the result
 * and puts the new status flags (those in *affected) into *flags. SDM vol. 1 3.4.3.1 and the
 * flag tables of ADD, ADC, SUB, SBB, CMP, AND, OR, XOR, TEST, INC, DEC, NEG.
 */
static u64 alu(enum alu_op op, u64 dst, u64 src, u8 size, u64 rflags, u64 *flags, u64 *affected)
{
	u64 m = size_mask(size), sb = sign_bit(size);
	u64 a = dst & m, b = src & m, res, f = 0;
	u64 carry_in = rflags & CF ? 1 : 0;

	*affected = STATUS_FLAGS;
	switch (op) {
	case ALU_ADD:
	case ALU_ADC:
	case ALU_INC:
		if (op == ALU_INC) {
			b = 1;
			carry_in = 0;
			*affected = STATUS_FLAGS & ~CF;	/* INC leaves CF alone */
		} else if (op == ALU_ADD) {
			carry_in = 0;
		}
		res = (a + b + carry_in) & m;
		if (carry_in ? res <= a : res < a)
			f |= CF;
		if ((a ^ res) & (b ^ res) & sb)
			f |= OF;
		if ((a ^ b ^ res) & 0x10)
			f |= AF;
		break;
	case ALU_SUB:
	case ALU_SBB:
	case ALU_CMP:
	case ALU_DEC:
	case ALU_NEG:
		if (op == ALU_DEC) {
			b = 1;
			carry_in = 0;
			*affected = STATUS_FLAGS & ~CF;	/* DEC leaves CF alone */
		} else if (op == ALU_NEG) {
			b = a;		/* NEG: 0 - dst; CF = dst != 0 */
			a = 0;
			carry_in = 0;
		} else if (op != ALU_SBB) {
			carry_in = 0;
		}
		res = (a - b - carry_in) & m;
		if (carry_in ? a <= b : a < b)
			f |= CF;
		if ((a ^ b) & (a ^ res) & sb)
			f |= OF;
		if ((a ^ b ^ res) & 0x10)
			f |= AF;
		break;
	case ALU_OR:
		res = a | b;
		break;
	case ALU_AND:
	case ALU_TEST:
		res = a & b;
		break;
	default:	/* ALU_XOR */
		res = a ^ b;
		break;
	}
	/* Logic operations clear CF and OF; AF is undefined (SDM) and cleared, as CPUs do. */
	*flags = f | szp(res, size);
	return res;
}

static void set_flags(struct x86_emul_ctx *ctx, u64 affected, u64 flags)
{
	*ctx->rflags = (*ctx->rflags & ~affected) | (flags & affected);
}

/* Register operands (SDM 3.4.1.1 vol. 1; table 3-2 vol. 2 for AH-BH vs SPL-DIL). */
static u64 reg_get(const struct x86_insn *i, const struct x86_emul_ctx *ctx, u8 reg, u8 size)
{
	if (size == 1 && !(i->prefixes & X86_PFX_REX) && reg >= 4 && reg < 8)
		return (ctx->gpr[reg - 4] >> 8) & 0xff;
	return ctx->gpr[reg & 15] & size_mask(size);
}

static void reg_set(const struct x86_insn *i, struct x86_emul_ctx *ctx, u8 reg, u8 size, u64 v)
{
	u64 *r;

	if (size == 1 && !(i->prefixes & X86_PFX_REX) && reg >= 4 && reg < 8) {
		r = &ctx->gpr[reg - 4];
		*r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
		return;
	}
	r = &ctx->gpr[reg & 15];
	switch (size) {
	case 1:
		*r = (*r & ~0xffULL) | (v & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (v & 0xffff);
		break;
	case 4:
		*r = (u32)v;		/* 32-bit results zero-extend */
		break;
	default:
		*r = v;
		break;
	}
}

static int mem_read(struct x86_emul_ctx *ctx, u8 size, u64 *v)
{
	*v = 0;
	return ctx->read(ctx->opaque, ctx->addr, v, size);
}

static int mem_write(struct x86_emul_ctx *ctx, u8 size, u64 v)
{
	return ctx->write(ctx->opaque, ctx->addr, &v, size);
}

/* The immediate of a group-1/MOV/TEST form as a size-byte operand (Ib/Iz sign-extended). */
static u64 imm_operand(const struct x86_insn *i, u8 size)
{
	return sign_extend(i->imm, i->imm_size) & size_mask(size);
}

/*
 * ALU with a memory operand: mem is the destination (write back unless CMP/TEST) or, when
 * to_reg, the source and reg the destination.
 */
static int emulate_alu(const struct x86_insn *i, struct x86_emul_ctx *ctx, enum alu_op op,
		       u8 size, u64 src, bool to_reg)
{
	u64 m, res, flags, affected;
	int r;

	r = mem_read(ctx, size, &m);
	if (r)
		return r;
	if (to_reg)
		res = alu(op, reg_get(i, ctx, i->reg, size), m, size, *ctx->rflags, &flags, &affected);
	else
		res = alu(op, m, src, size, *ctx->rflags, &flags, &affected);
	if (op != ALU_CMP && op != ALU_TEST) {
		if (to_reg) {
			reg_set(i, ctx, i->reg, size, res);
		} else {
			r = mem_write(ctx, size, res);
			if (r)
				return r;
		}
	}
	set_flags(ctx, affected, flags);
	return 0;
}

/* rDI/rSI/rCX are used and updated in the address size (SDM "MOVS", "STOS", "REP"). */
static u64 addr_reg_get(const struct x86_insn *i, const struct x86_emul_ctx *ctx, u8 reg)
{
	return ctx->gpr[reg] & size_mask(i->addr_size);
}

static void addr_reg_set(const struct x86_insn *i, struct x86_emul_ctx *ctx, u8 reg, u64 v)
{
	reg_set(i, ctx, reg, i->addr_size, v);
}

static void string_step(const struct x86_insn *i, struct x86_emul_ctx *ctx, u8 reg, u8 size)
{
	u64 v = addr_reg_get(i, ctx, reg);

	v = (*ctx->rflags & DF) ? v - size : v + size;
	addr_reg_set(i, ctx, reg, v);
}

/* STOS (AA/AB), LODS (AC/AD) and MOVS (A4/A5): one iteration, see emulate.h. */
static int emulate_string(const struct x86_insn *i, struct x86_emul_ctx *ctx)
{
	bool movs = i->opcode == 0xa4 || i->opcode == 0xa5;
	bool lods = i->opcode == 0xac || i->opcode == 0xad;
	u8 size = (i->opcode & 1) ? i->op_size : 1;
	bool rep = i->rep != 0;
	u64 v = 0;
	int r;

	if (rep && !addr_reg_get(i, ctx, 1))	/* RCX = 0: nothing to do */
		return 0;
	if (movs) {
		if (!ctx->other_read || !ctx->other_write)
			return -ENOTSUP;
		if (ctx->mmio_is_source) {
			r = ctx->read(ctx->opaque, ctx->addr, &v, size);
			if (!r)
				r = ctx->other_write(ctx->opaque, ctx->other_addr, &v, size);
		} else {
			r = ctx->other_read(ctx->opaque, ctx->other_addr, &v, size);
			if (!r)
				r = ctx->write(ctx->opaque, ctx->addr, &v, size);
		}
		if (r)
			return r;
		string_step(i, ctx, 6, size);	/* rSI */
	} else if (lods) {
		/* The MMIO side is the source DS:rSI; the value lands in AL/AX/EAX/RAX. */
		r = ctx->read(ctx->opaque, ctx->addr, &v, size);
		if (r)
			return r;
		reg_set(i, ctx, 0, size, v);
		string_step(i, ctx, 6, size);	/* rSI */
	} else {
		r = mem_write(ctx, size, ctx->gpr[0] & size_mask(size));
		if (r)
			return r;
	}
	if (!lods)
		string_step(i, ctx, 7, size);	/* rDI */
	if (rep) {
		u64 count = addr_reg_get(i, ctx, 1) - 1;

		addr_reg_set(i, ctx, 1, count);
		ctx->again = (count & size_mask(i->addr_size)) != 0;
	}
	return 0;
}

/*
 * BT, BTS, BTR, BTC (SDM "BT"): CF gets the selected bit; ZF keeps its value; OF, SF, AF and
 * PF are undefined and left alone. A register bit offset may address memory outside the
 * operand (the CPU then accesses another word); only offsets within it are handled.
 */
static int emulate_bt(const struct x86_insn *i, struct x86_emul_ctx *ctx, u8 kind, bool use_imm)
{
	u8 size = i->op_size, bits = size * 8;
	u64 m, bit, res;
	s64 offset;
	int r;

	if (use_imm) {
		offset = i->imm & (bits - 1);
	} else {
		offset = (s64)sign_extend(reg_get(i, ctx, i->reg, size), size);
		if (offset < 0 || offset >= bits)
			return -ENOTSUP;
	}
	bit = 1ULL << offset;
	r = mem_read(ctx, size, &m);
	if (r)
		return r;
	switch (kind) {
	case 1:			/* BTS */
		res = m | bit;
		break;
	case 2:			/* BTR */
		res = m & ~bit;
		break;
	case 3:			/* BTC */
		res = m ^ bit;
		break;
	default:		/* BT */
		res = m;
		break;
	}
	if (kind) {
		r = mem_write(ctx, size, res);
		if (r)
			return r;
	}
	set_flags(ctx, CF, (m & bit) ? CF : 0);
	return 0;
}

static int emulate_primary(const struct x86_insn *i, struct x86_emul_ctx *ctx)
{
	u8 op = i->opcode, reg = (i->modrm >> 3) & 7;
	u8 size = (op & 1) ? i->op_size : 1;
	u64 v, flags, affected;
	int r;

	/* String instructions address memory implicitly; everything else needs ModRM/moffs memory. */
	if (op == 0xa4 || op == 0xa5 || op == 0xaa || op == 0xab || op == 0xac || op == 0xad)
		return emulate_string(i, ctx);
	if (!i->has_mem)
		return -ENOTSUP;

	if (op < 0x40 && (op & 7) < 4) {
		/* 00-3B: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev (SDM table A-2). */
		bool to_reg = op & 2;

		return emulate_alu(i, ctx, op >> 3, size, to_reg ? 0 : reg_get(i, ctx, i->reg, size), to_reg);
	}
	switch (op) {
	case 0x63:		/* MOVSXD Gv, Ed (64-bit mode; ARPL elsewhere) */
		if (i->mode != X86_MODE_64)
			return -ENOTSUP;
		r = mem_read(ctx, i->op_size == 2 ? 2 : 4, &v);
		if (r)
			return r;
		reg_set(i, ctx, i->reg, i->op_size, i->op_size == 8 ? sign_extend(v, 4) : v);
		return 0;
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83:		/* group 1: op Ev, Ib/Iz */
		return emulate_alu(i, ctx, reg, size, imm_operand(i, size), false);
	case 0x84:
	case 0x85:		/* TEST Ev, Gv */
		return emulate_alu(i, ctx, ALU_TEST, size, reg_get(i, ctx, i->reg, size), false);
	case 0x86:
	case 0x87:		/* XCHG Ev, Gv */
		r = mem_read(ctx, size, &v);
		if (r)
			return r;
		r = mem_write(ctx, size, reg_get(i, ctx, i->reg, size));
		if (r)
			return r;
		reg_set(i, ctx, i->reg, size, v);
		return 0;
	case 0x88:
	case 0x89:		/* MOV Ev, Gv */
		return mem_write(ctx, size, reg_get(i, ctx, i->reg, size));
	case 0x8a:
	case 0x8b:		/* MOV Gv, Ev */
		r = mem_read(ctx, size, &v);
		if (r)
			return r;
		reg_set(i, ctx, i->reg, size, v);
		return 0;
	case 0xa0:
	case 0xa1:		/* MOV AL/rAX, moffs */
		r = mem_read(ctx, size, &v);
		if (r)
			return r;
		reg_set(i, ctx, 0, size, v);
		return 0;
	case 0xa2:
	case 0xa3:		/* MOV moffs, AL/rAX */
		return mem_write(ctx, size, ctx->gpr[0] & size_mask(size));
	case 0xc6:
	case 0xc7:		/* MOV Ev, Ib/Iz (/0 only: C6 F8 / C7 F8 are XABORT/XBEGIN) */
		if (reg != 0)
			return -ENOTSUP;
		return mem_write(ctx, size, imm_operand(i, size));
	case 0xf6:
	case 0xf7:		/* group 3 */
		switch (reg) {
		case 0:
		case 1:		/* TEST Ev, Ib/Iz */
			return emulate_alu(i, ctx, ALU_TEST, size, imm_operand(i, size), false);
		case 2:		/* NOT: no flags */
			r = mem_read(ctx, size, &v);
			if (r)
				return r;
			return mem_write(ctx, size, ~v & size_mask(size));
		case 3:		/* NEG */
			r = mem_read(ctx, size, &v);
			if (r)
				return r;
			v = alu(ALU_NEG, v, 0, size, *ctx->rflags, &flags, &affected);
			r = mem_write(ctx, size, v);
			if (r)
				return r;
			set_flags(ctx, affected, flags);
			return 0;
		}
		return -ENOTSUP;
	case 0xfe:
	case 0xff:		/* INC/DEC Ev */
		if (reg > 1)
			return -ENOTSUP;
		return emulate_alu(i, ctx, reg ? ALU_DEC : ALU_INC, size, 0, false);
	}
	return -ENOTSUP;
}

static int emulate_0f(const struct x86_insn *i, struct x86_emul_ctx *ctx)
{
	u8 reg = (i->modrm >> 3) & 7;
	u64 v;
	int r;

	if (!i->has_mem)
		return -ENOTSUP;
	switch (i->opcode) {
	case 0xb6:
	case 0xb7:		/* MOVZX Gv, Eb/Ew */
	case 0xbe:
	case 0xbf:		/* MOVSX Gv, Eb/Ew */
	{
		u8 from = (i->opcode & 1) ? 2 : 1;

		r = mem_read(ctx, from, &v);
		if (r)
			return r;
		if (i->opcode >= 0xbe)
			v = sign_extend(v, from);
		reg_set(i, ctx, i->reg, i->op_size, v & size_mask(i->op_size));
		return 0;
	}
	case 0xc3:		/* MOVNTI My, Gy */
		return mem_write(ctx, i->op_size, reg_get(i, ctx, i->reg, i->op_size));
	case 0xa3:		/* BT Ev, Gv */
		return emulate_bt(i, ctx, 0, false);
	case 0xab:		/* BTS */
		return emulate_bt(i, ctx, 1, false);
	case 0xb3:		/* BTR */
		return emulate_bt(i, ctx, 2, false);
	case 0xbb:		/* BTC */
		return emulate_bt(i, ctx, 3, false);
	case 0xba:		/* group 8: BT/BTS/BTR/BTC Ev, Ib */
		if (reg < 4)
			return -ENOTSUP;
		return emulate_bt(i, ctx, reg - 4, true);
	}
	return -ENOTSUP;
}

int x86_emulate_mmio(const struct x86_insn *i, struct x86_emul_ctx *ctx)
{
	if (!ctx->gpr || !ctx->rflags || !ctx->read || !ctx->write)
		return -EINVAL;
	ctx->again = false;
	if (i->encoding != X86_ENC_LEGACY)
		return -ENOTSUP;
	if (i->op_size != 2 && i->op_size != 4 && i->op_size != 8)
		return -EINVAL;
	switch (i->map) {
	case X86_MAP_PRIMARY:
		return emulate_primary(i, ctx);
	case X86_MAP_0F:
		return emulate_0f(i, ctx);
	}
	return -ENOTSUP;
}
