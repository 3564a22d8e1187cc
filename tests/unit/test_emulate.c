/*
 * Host unit test for the MMIO instruction emulator (arch/x86/emulate.c): every supported
 * instruction is run both natively on this CPU (inline asm on a memory variable) and through
 * x86_decode + x86_emulate_mmio, and memory, all sixteen registers and RFLAGS must agree.
 */
// unit-deps: arch/x86/emulate.c arch/x86/decode.c arch/x86/decode_vex.c lib/string.c
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86/decode.h"
#include "arch/x86/emulate.h"
#include "lib/errno.h"
#include "tests/unit/unit.h"

#define CF 0x001ULL
#define PF 0x004ULL
#define AF 0x010ULL
#define ZF 0x040ULL
#define SF 0x080ULL
#define DF 0x400ULL
#define OF 0x800ULL
#define STATUS (CF | PF | AF | ZF | SF | OF)
#define MMIO_GPA 0x10000ULL

/* ------------------------------------------------------------------ native execution */

/*
 * Runs one instruction with RFLAGS = *fl and the register operand's full 64-bit register
 * = *reg; the memory operand is at mem. The stack pointer steps over the red zone first.
 */
#define NATIVE(fn, text, cons)								\
static void __attribute__((unused)) fn(u8 *mem, u64 *reg, u64 *fl)						\
{											\
	u64 r = *reg, f = *fl;								\
	asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t" text		\
		     "\n\tpushfq\n\tpop %[f]\n\tcld\n\tlea 128(%%rsp), %%rsp"		\
		     : [f] "+r"(f), [r] "+" cons(r) : [m] "r"(mem) : "cc", "memory");	\
	*reg = r;									\
	*fl = f;									\
}

/* The eight group-1 operations, each in every direction and size, and with immediates. */
#define GEN_ALU(op)										\
NATIVE(nat_##op##_mr_b, #op "b %b[r], (%[m])", "c")						\
NATIVE(nat_##op##_mr_h, #op "b %h[r], (%[m])", "a")						\
NATIVE(nat_##op##_mr_sil, #op "b %b[r], (%[m])", "S")					\
NATIVE(nat_##op##_mr_w, #op "w %w[r], (%[m])", "c")						\
NATIVE(nat_##op##_mr_l, #op "l %k[r], (%[m])", "c")						\
NATIVE(nat_##op##_mr_q, #op "q %q[r], (%[m])", "c")						\
NATIVE(nat_##op##_rm_b, #op "b (%[m]), %b[r]", "c")						\
NATIVE(nat_##op##_rm_h, #op "b (%[m]), %h[r]", "a")						\
NATIVE(nat_##op##_rm_w, #op "w (%[m]), %w[r]", "c")						\
NATIVE(nat_##op##_rm_l, #op "l (%[m]), %k[r]", "c")						\
NATIVE(nat_##op##_rm_q, #op "q (%[m]), %q[r]", "c")						\
NATIVE(nat_##op##_i_b7f, #op "b $0x7f, (%[m])", "c")					\
NATIVE(nat_##op##_i_b80, #op "b $0x80, (%[m])", "c")					\
NATIVE(nat_##op##_i_w1234, #op "w $0x1234, (%[m])", "c")					\
NATIVE(nat_##op##_i_l80000000, #op "l $0x80000000, (%[m])", "c")			\
NATIVE(nat_##op##_i_qm2, #op "q $-2, (%[m])", "c")						\
NATIVE(nat_##op##_i_q7fffffff, #op "q $0x7fffffff, (%[m])", "c")			\
NATIVE(nat_##op##_s_w80, #op "w $-128, (%[m])", "c")					\
NATIVE(nat_##op##_s_l1, #op "l $1, (%[m])", "c")						\
NATIVE(nat_##op##_s_qm1, #op "q $-1, (%[m])", "c")

GEN_ALU(add) GEN_ALU(or) GEN_ALU(adc) GEN_ALU(sbb) GEN_ALU(and) GEN_ALU(sub) GEN_ALU(xor) GEN_ALU(cmp)

/* Unary operations and TEST, XCHG, MOV. */
#define GEN_SIZES(name, text_b, text_w, text_l, text_q)					\
NATIVE(nat_##name##_b, text_b, "c") NATIVE(nat_##name##_w, text_w, "c")			\
NATIVE(nat_##name##_l, text_l, "c") NATIVE(nat_##name##_q, text_q, "c")

GEN_SIZES(not, "notb (%[m])", "notw (%[m])", "notl (%[m])", "notq (%[m])")
GEN_SIZES(neg, "negb (%[m])", "negw (%[m])", "negl (%[m])", "negq (%[m])")
GEN_SIZES(inc, "incb (%[m])", "incw (%[m])", "incl (%[m])", "incq (%[m])")
GEN_SIZES(dec, "decb (%[m])", "decw (%[m])", "decl (%[m])", "decq (%[m])")
GEN_SIZES(test_mr, "testb %b[r], (%[m])", "testw %w[r], (%[m])", "testl %k[r], (%[m])", "testq %q[r], (%[m])")
GEN_SIZES(test_i, "testb $0x81, (%[m])", "testw $0x8001, (%[m])", "testl $0x80000001, (%[m])",
	  "testq $-0x7fffffff, (%[m])")
GEN_SIZES(xchg, "xchgb %b[r], (%[m])", "xchgw %w[r], (%[m])", "xchgl %k[r], (%[m])", "xchgq %q[r], (%[m])")
GEN_SIZES(mov_st, "movb %b[r], (%[m])", "movw %w[r], (%[m])", "movl %k[r], (%[m])", "movq %q[r], (%[m])")
GEN_SIZES(mov_ld, "movb (%[m]), %b[r]", "movw (%[m]), %w[r]", "movl (%[m]), %k[r]", "movq (%[m]), %q[r]")
GEN_SIZES(mov_imm, "movb $0x9c, (%[m])", "movw $0x9c8d, (%[m])", "movl $0x9c8d7e6f, (%[m])",
	  "movq $-0x63728191, (%[m])")
NATIVE(nat_xchg_h, "xchgb %h[r], (%[m])", "a")
NATIVE(nat_mov_st_h, "movb %h[r], (%[m])", "a")
NATIVE(nat_mov_ld_h, "movb (%[m]), %h[r]", "a")
NATIVE(nat_mov_ld_sil, "movb (%[m]), %b[r]", "S")
NATIVE(nat_movzbw, "movzbw (%[m]), %w[r]", "c")
NATIVE(nat_movzbl, "movzbl (%[m]), %k[r]", "c")
NATIVE(nat_movzbq, "movzbq (%[m]), %q[r]", "c")
NATIVE(nat_movzwl, "movzwl (%[m]), %k[r]", "c")
NATIVE(nat_movzwq, "movzwq (%[m]), %q[r]", "c")
NATIVE(nat_movsbw, "movsbw (%[m]), %w[r]", "c")
NATIVE(nat_movsbl, "movsbl (%[m]), %k[r]", "c")
NATIVE(nat_movsbq, "movsbq (%[m]), %q[r]", "c")
NATIVE(nat_movswl, "movswl (%[m]), %k[r]", "c")
NATIVE(nat_movswq, "movswq (%[m]), %q[r]", "c")
NATIVE(nat_movslq, "movslq (%[m]), %q[r]", "c")
NATIVE(nat_movnti_l, "movnti %k[r], (%[m])", "c")
NATIVE(nat_movnti_q, "movnti %q[r], (%[m])", "c")
/* BT family with a register offset (kept within the operand by the test) and immediates. */
GEN_SIZES(bt_r, "btw %w[r], (%[m])", "btw %w[r], (%[m])", "btl %k[r], (%[m])", "btq %q[r], (%[m])")
GEN_SIZES(bts_r, "btsw %w[r], (%[m])", "btsw %w[r], (%[m])", "btsl %k[r], (%[m])", "btsq %q[r], (%[m])")
GEN_SIZES(btr_r, "btrw %w[r], (%[m])", "btrw %w[r], (%[m])", "btrl %k[r], (%[m])", "btrq %q[r], (%[m])")
GEN_SIZES(btc_r, "btcw %w[r], (%[m])", "btcw %w[r], (%[m])", "btcl %k[r], (%[m])", "btcq %q[r], (%[m])")
GEN_SIZES(bt_i, "btw $13, (%[m])", "btw $13, (%[m])", "btl $31, (%[m])", "btq $63, (%[m])")
GEN_SIZES(bts_i, "btsw $13, (%[m])", "btsw $13, (%[m])", "btsl $31, (%[m])", "btsq $63, (%[m])")
GEN_SIZES(btr_i, "btrw $13, (%[m])", "btrw $13, (%[m])", "btrl $31, (%[m])", "btrq $63, (%[m])")
GEN_SIZES(btc_i, "btcw $13, (%[m])", "btcw $13, (%[m])", "btcl $31, (%[m])", "btcq $63, (%[m])")

/* ------------------------------------------------------------------ emulation harness */

static u8 mmio[16];
static unsigned accesses, last_size;
static u64 last_addr;
static int fail_read, fail_write;

static int mmio_read(void *opaque, u64 addr, void *val, u8 size)
{
	(void)opaque;
	accesses++;
	last_size = size;
	last_addr = addr;
	if (fail_read)
		return fail_read;
	if (addr < MMIO_GPA || addr + size > MMIO_GPA + 8 || (size != 1 && size != 2 && size != 4 && size != 8))
		return -EFAULT;
	memcpy(val, mmio + (addr - MMIO_GPA), size);
	return 0;
}

static int mmio_write(void *opaque, u64 addr, const void *val, u8 size)
{
	(void)opaque;
	accesses++;
	last_size = size;
	last_addr = addr;
	if (fail_write)
		return fail_write;
	if (addr < MMIO_GPA || addr + size > MMIO_GPA + 8 || (size != 1 && size != 2 && size != 4 && size != 8))
		return -EFAULT;
	memcpy(mmio + (addr - MMIO_GPA), val, size);
	return 0;
}

static int parse_hex(const char *hex, u8 *out, int max)
{
	int n = 0;

	while (*hex && n < max) {
		unsigned v;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (u8)v;
		hex += 2;
	}
	return n;
}

static u64 lcg = 0x1234567;

static u64 rnd64(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return lcg ^ (lcg >> 29);
}

/* Operand values that exercise carries, overflows, signs, zero and parity. */
static const u64 values[] = {
	0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xffffffffffffffffULL, 0x123456789abcdef0ULL, 0xfedcba9876543211ULL,
	0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL,
};
static const u64 flag_inputs[] = { 0x2, 0x2 | CF, 0x2 | STATUS, 0x2 | (STATUS & ~CF), 0x2 | CF | ZF | OF };

typedef void (*native_fn)(u8 *mem, u64 *reg, u64 *fl);

/*
 * One instruction form: its encoding in 64-bit mode (memory operand [rbx]), the GPR the
 * emulator should use for the register operand (x86 number; -1 none), and the native twin.
 * ignore: flags the SDM leaves undefined for it (not compared with the CPU; emulate.h says
 * what the emulator does with them, and that is checked separately).
 */
struct form {
	const char *name;
	const char *hex;
	int reg;
	native_fn native;
	u64 ignore;
	bool bit_offset;	/* the register is a bit offset: keep it inside the operand */
	u8 size;
};

/* Runs one form over all value pairs and flag inputs; one check per form. */
static void run_form(const struct form *f, enum x86_cpu_mode mode)
{
	struct x86_insn in;
	u8 bytes[16];
	unsigned cases = 0, bad = 0;
	char why[300] = "";
	int n = parse_hex(f->hex, bytes, sizeof(bytes));
	int r = x86_decode(bytes, n, mode, &in);

	if (r || in.len != n) {
		unit_check(false, f->name, "decode returned %d, length %u of %d", r, in.len, n);
		return;
	}
	for (size_t a = 0; a < ARRAY_SIZE(values); a++)
		for (size_t b = 0; b < ARRAY_SIZE(values); b++)
			for (size_t fi = 0; fi < ARRAY_SIZE(flag_inputs); fi++) {
				u64 gpr[16], native_gpr[16], native_reg, rflags, native_flags;
				u8 native_mem[16];
				struct x86_emul_ctx ctx = {
					.gpr = gpr, .rflags = &rflags, .addr = MMIO_GPA,
					.read = mmio_read, .write = mmio_write,
				};
				int native_reg_index = f->reg < 0 ? 1 : f->reg;
				bool ah = f->reg >= 4 && f->reg < 8 && f->size == 1 &&
					  !(in.prefixes & X86_PFX_REX);

				for (int k = 0; k < 16; k++)
					gpr[k] = rnd64();
				if (f->reg >= 0) {
					u64 v = f->bit_offset ? values[b] % (f->size * 8) : values[b];
					u64 m = f->size == 8 ? ~0ULL : (1ULL << (f->size * 8)) - 1;

					if (ah)
						gpr[f->reg - 4] = (gpr[f->reg - 4] & ~0xff00ULL) | ((v & 0xff) << 8);
					else
						gpr[f->reg] = (gpr[f->reg] & ~m) | (v & m);
				}
				memset(mmio, 0xa5, sizeof(mmio));
				memcpy(mmio, &values[a], 8);
				memcpy(native_mem, mmio, sizeof(mmio));
				rflags = flag_inputs[fi] | 0x200;
				native_flags = rflags;

				/* The native twin runs on the register the emulator will use. */
				memcpy(native_gpr, gpr, sizeof(gpr));
				if (ah)
					native_reg_index = f->reg - 4;
				native_reg = native_gpr[native_reg_index];
				f->native(native_mem, &native_reg, &native_flags);
				native_gpr[native_reg_index] = native_reg;

				accesses = 0;
				r = x86_emulate_mmio(&in, &ctx);
				cases++;
				if (r) {
					if (!bad++)
						snprintf(why, sizeof(why), "emulate returned %d", r);
					continue;
				}
				if (memcmp(mmio, native_mem, sizeof(mmio))) {
					if (!bad++)
						snprintf(why, sizeof(why), "memory %016llx, CPU %016llx (mem %llx reg %llx flags %llx)",
							 *(unsigned long long *)mmio, *(unsigned long long *)native_mem,
							 (unsigned long long)values[a], (unsigned long long)values[b],
							 (unsigned long long)flag_inputs[fi]);
					continue;
				}
				if (memcmp(gpr, native_gpr, sizeof(gpr))) {
					for (int k = 0; k < 16; k++)
						if (gpr[k] != native_gpr[k] && !bad++)
							snprintf(why, sizeof(why), "gpr %d = %016llx, CPU %016llx (mem %llx reg %llx)",
								 k, (unsigned long long)gpr[k],
								 (unsigned long long)native_gpr[k],
								 (unsigned long long)values[a],
								 (unsigned long long)values[b]);
					continue;
				}
				if ((rflags & ~f->ignore) != (native_flags & ~f->ignore)) {
					if (!bad++)
						snprintf(why, sizeof(why), "rflags %llx, CPU %llx (mem %llx reg %llx in %llx)",
							 (unsigned long long)rflags, (unsigned long long)native_flags,
							 (unsigned long long)values[a], (unsigned long long)values[b],
							 (unsigned long long)flag_inputs[fi]);
					continue;
				}
				/* The undefined flags: AF cleared by logic ops, the rest kept (emulate.h). */
				if (f->ignore == AF ? (rflags & AF) != 0 :
				    (rflags & f->ignore) != (flag_inputs[fi] & f->ignore)) {
					if (!bad++)
						snprintf(why, sizeof(why), "undefined flags not as documented: %llx",
							 (unsigned long long)rflags);
					continue;
				}
				if (last_size != f->size && accesses) {
					if (!bad++)
						snprintf(why, sizeof(why), "access size %u, want %u", last_size, f->size);
				}
			}
	{
		char name[200];

		snprintf(name, sizeof(name), "emulate %s (%s): %u cases agree with the CPU", f->name, f->hex, cases);
		unit_check(bad == 0, name, "%u differ; first: %s", bad, why);
	}
}

/* The group-1 operations in all forms. */
#define ALU_FORMS(op, k, und)										\
	{ #op " [rbx], cl", "%02x 0b", 1, nat_##op##_mr_b, und, false, 1 },				\
	{ #op " [rbx], ah", "%02x 23", 4, nat_##op##_mr_h, und, false, 1 },				\
	{ #op " [rbx], sil (REX)", "40 %02x 33", 6, nat_##op##_mr_sil, und, false, 1 },		\
	{ #op " [rbx], cx", "66 %02x+1 0b", 1, nat_##op##_mr_w, und, false, 2 },			\
	{ #op " [rbx], ecx", "%02x+1 0b", 1, nat_##op##_mr_l, und, false, 4 },			\
	{ #op " [rbx], r9d (REX.R)", "44 %02x+1 0b", 9, nat_##op##_mr_l, und, false, 4 },		\
	{ #op " [rbx], rcx", "48 %02x+1 0b", 1, nat_##op##_mr_q, und, false, 8 },			\
	{ #op " cl, [rbx]", "%02x+2 0b", 1, nat_##op##_rm_b, und, false, 1 },			\
	{ #op " ah, [rbx]", "%02x+2 23", 4, nat_##op##_rm_h, und, false, 1 },			\
	{ #op " cx, [rbx]", "66 %02x+3 0b", 1, nat_##op##_rm_w, und, false, 2 },			\
	{ #op " ecx, [rbx] (zero-extends)", "%02x+3 0b", 1, nat_##op##_rm_l, und, false, 4 },	\
	{ #op " r15d, [rbx]", "44 %02x+3 3b", 15, nat_##op##_rm_l, und, false, 4 },		\
	{ #op " rcx, [rbx]", "48 %02x+3 0b", 1, nat_##op##_rm_q, und, false, 8 },			\
	{ #op " byte [rbx], 0x7f (80)", "80 g 7f", -1, nat_##op##_i_b7f, und, false, 1 },		\
	{ #op " byte [rbx], 0x80 (80)", "80 g 80", -1, nat_##op##_i_b80, und, false, 1 },		\
	{ #op " word [rbx], 0x1234 (81)", "66 81 g 34 12", -1, nat_##op##_i_w1234, und, false, 2 },	\
	{ #op " dword [rbx], 0x80000000 (81)", "81 g 00 00 00 80", -1, nat_##op##_i_l80000000, und, false, 4 }, \
	{ #op " qword [rbx], -2 (81)", "48 81 g fe ff ff ff", -1, nat_##op##_i_qm2, und, false, 8 },	\
	{ #op " qword [rbx], 0x7fffffff (81)", "48 81 g ff ff ff 7f", -1, nat_##op##_i_q7fffffff, und, false, 8 }, \
	{ #op " word [rbx], -128 (83)", "66 83 g 80", -1, nat_##op##_s_w80, und, false, 2 },		\
	{ #op " dword [rbx], 1 (83)", "83 g 01", -1, nat_##op##_s_l1, und, false, 4 },		\
	{ #op " qword [rbx], -1 (83)", "48 83 g ff", -1, nat_##op##_s_qm1, und, false, 8 }

struct alu_template {
	const char *name, *hex;
	int reg;
	native_fn native;
	u64 ignore;
	bool bit_offset;
	u8 size;
};

/* Expands "%02x" (+n) to the opcode and "g" to ModRM [rbx] with /k. */
static void alu_hex(const char *tmpl, int k, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = tmpl; *p && o + 4 < size; ) {
		if (!strncmp(p, "%02x", 4)) {
			int add = 0;

			p += 4;
			if (*p == '+') {
				add = p[1] - '0';
				p += 2;
			}
			o += snprintf(out + o, size - o, "%02x", k * 8 + add);
		} else if (*p == 'g') {
			o += snprintf(out + o, size - o, "%02x", 0x03 | (k << 3));
			p++;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = 0;
}

static void run_alu(void)
{
	static const struct alu_template t[8][22] = {
		{ ALU_FORMS(add, 0, 0) }, { ALU_FORMS(or, 1, AF) }, { ALU_FORMS(adc, 2, 0) },
		{ ALU_FORMS(sbb, 3, 0) }, { ALU_FORMS(and, 4, AF) }, { ALU_FORMS(sub, 5, 0) },
		{ ALU_FORMS(xor, 6, AF) }, { ALU_FORMS(cmp, 7, 0) },
	};
	for (int k = 0; k < 8; k++)
		for (int j = 0; j < 22; j++) {
			char hex[64];
			struct form f;

			alu_hex(t[k][j].hex, k, hex, sizeof(hex));
			f = (struct form){ t[k][j].name, hex, t[k][j].reg, t[k][j].native, t[k][j].ignore,
					   false, t[k][j].size };
			run_form(&f, X86_MODE_64);
		}
}

static void run_others(void)
{
	static const struct form forms[] = {
		{ "not byte [rbx]", "f6 13", -1, nat_not_b, 0, false, 1 },
		{ "not word [rbx]", "66 f7 13", -1, nat_not_w, 0, false, 2 },
		{ "not dword [rbx]", "f7 13", -1, nat_not_l, 0, false, 4 },
		{ "not qword [rbx]", "48 f7 13", -1, nat_not_q, 0, false, 8 },
		{ "neg byte [rbx]", "f6 1b", -1, nat_neg_b, 0, false, 1 },
		{ "neg word [rbx]", "66 f7 1b", -1, nat_neg_w, 0, false, 2 },
		{ "neg dword [rbx]", "f7 1b", -1, nat_neg_l, 0, false, 4 },
		{ "neg qword [rbx]", "48 f7 1b", -1, nat_neg_q, 0, false, 8 },
		{ "inc byte [rbx]", "fe 03", -1, nat_inc_b, 0, false, 1 },
		{ "inc word [rbx]", "66 ff 03", -1, nat_inc_w, 0, false, 2 },
		{ "inc dword [rbx]", "ff 03", -1, nat_inc_l, 0, false, 4 },
		{ "inc qword [rbx]", "48 ff 03", -1, nat_inc_q, 0, false, 8 },
		{ "dec byte [rbx]", "fe 0b", -1, nat_dec_b, 0, false, 1 },
		{ "dec word [rbx]", "66 ff 0b", -1, nat_dec_w, 0, false, 2 },
		{ "dec dword [rbx]", "ff 0b", -1, nat_dec_l, 0, false, 4 },
		{ "dec qword [rbx]", "48 ff 0b", -1, nat_dec_q, 0, false, 8 },
		{ "test [rbx], cl", "84 0b", 1, nat_test_mr_b, AF, false, 1 },
		{ "test [rbx], cx", "66 85 0b", 1, nat_test_mr_w, AF, false, 2 },
		{ "test [rbx], ecx", "85 0b", 1, nat_test_mr_l, AF, false, 4 },
		{ "test [rbx], rcx", "48 85 0b", 1, nat_test_mr_q, AF, false, 8 },
		{ "test byte [rbx], 0x81", "f6 03 81", -1, nat_test_i_b, AF, false, 1 },
		{ "test byte [rbx], 0x81 (F6 /1)", "f6 0b 81", -1, nat_test_i_b, AF, false, 1 },
		{ "test word [rbx], 0x8001", "66 f7 03 01 80", -1, nat_test_i_w, AF, false, 2 },
		{ "test dword [rbx], 0x80000001", "f7 03 01 00 00 80", -1, nat_test_i_l, AF, false, 4 },
		{ "test qword [rbx], -0x7fffffff", "48 f7 03 01 00 00 80", -1, nat_test_i_q, AF, false, 8 },
		{ "xchg [rbx], cl", "86 0b", 1, nat_xchg_b, 0, false, 1 },
		{ "xchg [rbx], ah", "86 23", 4, nat_xchg_h, 0, false, 1 },
		{ "xchg [rbx], cx", "66 87 0b", 1, nat_xchg_w, 0, false, 2 },
		{ "xchg [rbx], ecx (zero-extends)", "87 0b", 1, nat_xchg_l, 0, false, 4 },
		{ "xchg [rbx], rcx", "48 87 0b", 1, nat_xchg_q, 0, false, 8 },
		{ "lock xchg [rbx], r10", "f0 4c 87 13", 10, nat_xchg_q, 0, false, 8 },
		{ "mov [rbx], cl", "88 0b", 1, nat_mov_st_b, 0, false, 1 },
		{ "mov [rbx], ah", "88 23", 4, nat_mov_st_h, 0, false, 1 },
		{ "mov [rbx], cx", "66 89 0b", 1, nat_mov_st_w, 0, false, 2 },
		{ "mov [rbx], ecx", "89 0b", 1, nat_mov_st_l, 0, false, 4 },
		{ "mov [rbx], rcx", "48 89 0b", 1, nat_mov_st_q, 0, false, 8 },
		{ "mov cl, [rbx]", "8a 0b", 1, nat_mov_ld_b, 0, false, 1 },
		{ "mov ah, [rbx]", "8a 23", 4, nat_mov_ld_h, 0, false, 1 },
		{ "mov sil, [rbx] (REX)", "40 8a 33", 6, nat_mov_ld_sil, 0, false, 1 },
		{ "mov cx, [rbx] (keeps bits 63:16)", "66 8b 0b", 1, nat_mov_ld_w, 0, false, 2 },
		{ "mov ecx, [rbx] (zero-extends)", "8b 0b", 1, nat_mov_ld_l, 0, false, 4 },
		{ "mov r11d, [rbx] (zero-extends)", "44 8b 1b", 11, nat_mov_ld_l, 0, false, 4 },
		{ "mov rcx, [rbx]", "48 8b 0b", 1, nat_mov_ld_q, 0, false, 8 },
		{ "mov byte [rbx], 0x9c", "c6 03 9c", -1, nat_mov_imm_b, 0, false, 1 },
		{ "mov word [rbx], 0x9c8d", "66 c7 03 8d 9c", -1, nat_mov_imm_w, 0, false, 2 },
		{ "mov dword [rbx], 0x9c8d7e6f", "c7 03 6f 7e 8d 9c", -1, nat_mov_imm_l, 0, false, 4 },
		{ "mov qword [rbx], -0x63728191", "48 c7 03 6f 7e 8d 9c", -1, nat_mov_imm_q, 0, false, 8 },
		{ "movzx cx, byte [rbx]", "66 0f b6 0b", 1, nat_movzbw, 0, false, 1 },
		{ "movzx ecx, byte [rbx]", "0f b6 0b", 1, nat_movzbl, 0, false, 1 },
		{ "movzx rcx, byte [rbx]", "48 0f b6 0b", 1, nat_movzbq, 0, false, 1 },
		{ "movzx ecx, word [rbx]", "0f b7 0b", 1, nat_movzwl, 0, false, 2 },
		{ "movzx rcx, word [rbx]", "48 0f b7 0b", 1, nat_movzwq, 0, false, 2 },
		{ "movsx cx, byte [rbx]", "66 0f be 0b", 1, nat_movsbw, 0, false, 1 },
		{ "movsx ecx, byte [rbx]", "0f be 0b", 1, nat_movsbl, 0, false, 1 },
		{ "movsx rcx, byte [rbx]", "48 0f be 0b", 1, nat_movsbq, 0, false, 1 },
		{ "movsx ecx, word [rbx]", "0f bf 0b", 1, nat_movswl, 0, false, 2 },
		{ "movsx rcx, word [rbx]", "48 0f bf 0b", 1, nat_movswq, 0, false, 2 },
		{ "movsxd rcx, dword [rbx]", "48 63 0b", 1, nat_movslq, 0, false, 4 },
		{ "movsxd ecx, dword [rbx] (no REX.W: a zero-extending move)", "63 0b", 1, nat_mov_ld_l, 0, false, 4 },
		{ "movsxd cx, word [rbx] (66)", "66 63 0b", 1, nat_mov_ld_w, 0, false, 2 },
		{ "movnti [rbx], ecx", "0f c3 0b", 1, nat_movnti_l, 0, false, 4 },
		{ "movnti [rbx], rcx", "48 0f c3 0b", 1, nat_movnti_q, 0, false, 8 },
		{ "bt [rbx], cx", "66 0f a3 0b", 1, nat_bt_r_w, OF | SF | AF | PF, true, 2 },
		{ "bt [rbx], ecx", "0f a3 0b", 1, nat_bt_r_l, OF | SF | AF | PF, true, 4 },
		{ "bt [rbx], rcx", "48 0f a3 0b", 1, nat_bt_r_q, OF | SF | AF | PF, true, 8 },
		{ "bts [rbx], cx", "66 0f ab 0b", 1, nat_bts_r_w, OF | SF | AF | PF, true, 2 },
		{ "bts [rbx], ecx", "0f ab 0b", 1, nat_bts_r_l, OF | SF | AF | PF, true, 4 },
		{ "bts [rbx], rcx", "48 0f ab 0b", 1, nat_bts_r_q, OF | SF | AF | PF, true, 8 },
		{ "btr [rbx], cx", "66 0f b3 0b", 1, nat_btr_r_w, OF | SF | AF | PF, true, 2 },
		{ "btr [rbx], ecx", "0f b3 0b", 1, nat_btr_r_l, OF | SF | AF | PF, true, 4 },
		{ "btr [rbx], rcx", "48 0f b3 0b", 1, nat_btr_r_q, OF | SF | AF | PF, true, 8 },
		{ "btc [rbx], cx", "66 0f bb 0b", 1, nat_btc_r_w, OF | SF | AF | PF, true, 2 },
		{ "btc [rbx], ecx", "0f bb 0b", 1, nat_btc_r_l, OF | SF | AF | PF, true, 4 },
		{ "lock btc [rbx], rcx", "f0 48 0f bb 0b", 1, nat_btc_r_q, OF | SF | AF | PF, true, 8 },
		{ "bt word [rbx], 13", "66 0f ba 23 0d", -1, nat_bt_i_w, OF | SF | AF | PF, false, 2 },
		{ "bt dword [rbx], 31", "0f ba 23 1f", -1, nat_bt_i_l, OF | SF | AF | PF, false, 4 },
		{ "bt qword [rbx], 63", "48 0f ba 23 3f", -1, nat_bt_i_q, OF | SF | AF | PF, false, 8 },
		{ "bts word [rbx], 13", "66 0f ba 2b 0d", -1, nat_bts_i_w, OF | SF | AF | PF, false, 2 },
		{ "bts dword [rbx], 31", "0f ba 2b 1f", -1, nat_bts_i_l, OF | SF | AF | PF, false, 4 },
		{ "bts qword [rbx], 63", "48 0f ba 2b 3f", -1, nat_bts_i_q, OF | SF | AF | PF, false, 8 },
		{ "btr dword [rbx], 31", "0f ba 33 1f", -1, nat_btr_i_l, OF | SF | AF | PF, false, 4 },
		{ "btr qword [rbx], 63", "48 0f ba 33 3f", -1, nat_btr_i_q, OF | SF | AF | PF, false, 8 },
		{ "btc word [rbx], 13", "66 0f ba 3b 0d", -1, nat_btc_i_w, OF | SF | AF | PF, false, 2 },
		{ "btc dword [rbx], 31 (imm 63 mod 32)", "0f ba 3b 3f", -1, nat_btc_i_l, OF | SF | AF | PF, false, 4 },
	};
	for (size_t k = 0; k < ARRAY_SIZE(forms); k++)
		run_form(&forms[k], X86_MODE_64);
}

/* The same instructions decoded in 32- and 16-bit mode keep their semantics. */
static void run_legacy_modes(void)
{
	static const struct form m32[] = {
		{ "32-bit mode: add [ebx], ecx", "01 0b", 1, nat_add_mr_l, 0, false, 4 },
		{ "32-bit mode: sub cx, [ebx] (66)", "66 2b 0b", 1, nat_sub_rm_w, 0, false, 2 },
		{ "32-bit mode: adc byte [ebx], 0x80", "80 13 80", -1, nat_adc_i_b80, 0, false, 1 },
		{ "32-bit mode: mov ah, [ebx]", "8a 23", 4, nat_mov_ld_h, 0, false, 1 },
		{ "32-bit mode: movzx ecx, word [ebx]", "0f b7 0b", 1, nat_movzwl, 0, false, 2 },
	};
	static const struct form m16[] = {
		{ "16-bit mode: add [bp+di], cx", "01 0b", 1, nat_add_mr_w, 0, false, 2 },
		{ "16-bit mode: sbb ecx, [bp+di] (66)", "66 1b 0b", 1, nat_sbb_rm_l, 0, false, 4 },
		{ "16-bit mode: neg word [bp+di]", "f7 1b", -1, nat_neg_w, 0, false, 2 },
		{ "16-bit mode: xchg [bp+di], ah", "86 23", 4, nat_xchg_h, 0, false, 1 },
	};
	for (size_t k = 0; k < ARRAY_SIZE(m32); k++)
		run_form(&m32[k], X86_MODE_32);
	for (size_t k = 0; k < ARRAY_SIZE(m16); k++)
		run_form(&m16[k], X86_MODE_16);
}

/* ------------------------------------------------------------------ string instructions */

static u8 ram[64];

static int ram_read(void *opaque, u64 addr, void *val, u8 size)
{
	(void)opaque;
	if (addr < 0x20000 || addr + size > 0x20000 + sizeof(ram))
		return -EFAULT;
	memcpy(val, ram + (addr - 0x20000), size);
	return 0;
}

static int ram_write(void *opaque, u64 addr, const void *val, u8 size)
{
	(void)opaque;
	if (addr < 0x20000 || addr + size > 0x20000 + sizeof(ram))
		return -EFAULT;
	memcpy(ram + (addr - 0x20000), val, size);
	return 0;
}

static void run_strings(void)
{
	static const struct {
		const char *name, *hex;
		enum x86_cpu_mode mode;
		u8 size;
		bool movs, df;
		u64 rcx;
	} cases[] = {
		{ "stosb", "aa", X86_MODE_64, 1, false, false, 0 },
		{ "stosw, DF=1", "66 ab", X86_MODE_64, 2, false, true, 0 },
		{ "stosd", "ab", X86_MODE_64, 4, false, false, 0 },
		{ "stosq, DF=1", "48 ab", X86_MODE_64, 8, false, true, 0 },
		{ "rep stosd, RCX=1", "f3 ab", X86_MODE_64, 4, false, false, 1 },
		{ "rep stosq, RCX=5", "f3 48 ab", X86_MODE_64, 8, false, false, 5 },
		{ "repne stosb (F2 acts as REP), RCX=3, DF=1", "f2 aa", X86_MODE_64, 1, false, true, 3 },
		{ "rep stosd, RCX=0: nothing", "f3 ab", X86_MODE_64, 4, false, false, 0 },
		{ "rep stosd with 67: ECX/EDI", "67 f3 ab", X86_MODE_64, 4, false, false, 2 },
		{ "stosw in 16-bit mode: DI only", "ab", X86_MODE_16, 2, false, false, 0 },
		{ "rep stosb in 16-bit mode, DF=1: CX/DI", "f3 aa", X86_MODE_16, 1, false, true, 1 },
		{ "stosd in 32-bit mode", "ab", X86_MODE_32, 4, false, false, 0 },
		{ "movsb, MMIO source", "a4", X86_MODE_64, 1, true, false, 0 },
		{ "movsd, MMIO destination, DF=1", "a5", X86_MODE_64, 4, true, true, 0 },
		{ "rep movsq, RCX=2", "f3 48 a5", X86_MODE_64, 8, true, false, 2 },
		{ "movsw with 67", "67 66 a5", X86_MODE_64, 2, true, false, 0 },
	};
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		for (int src = 0; src < (cases[c].movs ? 2 : 1); src++) {
			struct x86_insn in;
			u64 gpr[16], want[16], rflags, mask;
			u8 b[8];
			bool rep, again_want, ok = true;
			char name[160], why[200] = "";
			int n = parse_hex(cases[c].hex, b, 8), r;
			struct x86_emul_ctx ctx = {
				.gpr = gpr, .rflags = &rflags, .addr = MMIO_GPA, .read = mmio_read,
				.write = mmio_write, .mmio_is_source = src, .other_addr = 0x20008,
				.other_read = ram_read, .other_write = ram_write,
			};

			x86_decode(b, n, cases[c].mode, &in);
			for (int k = 0; k < 16; k++)
				gpr[k] = 0xfedcba9800000000ULL + k * 0x1111;
			gpr[0] = 0x8877665544332211ULL;
			gpr[6] = 0xfedcba980000fffeULL;		/* RSI: wraps in 16 bits */
			gpr[7] = 0xfedcba9800000002ULL;		/* RDI */
			mask = in.addr_size == 8 ? ~0ULL : in.addr_size == 4 ? 0xffffffffULL : 0xffffULL;
			gpr[1] = (gpr[1] & ~mask) | cases[c].rcx;	/* the count is RCX/ECX/CX */
			rflags = 0x202 | (cases[c].df ? DF : 0);
			memset(mmio, 0x11, sizeof(mmio));
			for (size_t k = 0; k < sizeof(ram); k++)
				ram[k] = (u8)(0x40 + k);
			memcpy(want, gpr, sizeof(want));
			rep = in.rep != 0;
			again_want = false;
			if (!rep || cases[c].rcx) {
				u64 step = cases[c].df ? -(u64)cases[c].size : cases[c].size;

				for (int reg = 6; reg <= 7; reg++) {
					u64 v;

					if (reg == 6 && !cases[c].movs)
						continue;
					v = (want[reg] + step) & mask;
					want[reg] = in.addr_size == 2 ? (want[reg] & ~0xffffULL) | v : v;
				}
				if (rep) {
					u64 v = (want[1] - 1) & mask;

					want[1] = in.addr_size == 2 ? (want[1] & ~0xffffULL) | v : v;
					again_want = v != 0;
				}
			}
			r = x86_emulate_mmio(&in, &ctx);
			if (r) {
				snprintf(why, sizeof(why), "returned %d", r);
				ok = false;
			} else if (memcmp(gpr, want, sizeof(gpr))) {
				for (int k = 0; k < 16; k++)
					if (gpr[k] != want[k]) {
						snprintf(why, sizeof(why), "gpr %d = %llx, want %llx", k,
							 (unsigned long long)gpr[k], (unsigned long long)want[k]);
						break;
					}
				ok = false;
			} else if (ctx.again != again_want || rflags != (0x202 | (cases[c].df ? DF : 0))) {
				snprintf(why, sizeof(why), "again %d, want %d; rflags %llx", ctx.again, again_want,
					 (unsigned long long)rflags);
				ok = false;
			} else if (rep && !cases[c].rcx) {
				ok = mmio[0] == 0x11 && ram[8] == 0x48;
				snprintf(why, sizeof(why), "memory changed with RCX = 0");
			} else if (!cases[c].movs) {
				ok = !memcmp(mmio, &gpr[0], cases[c].size) && mmio[cases[c].size] == 0x11;
				snprintf(why, sizeof(why), "MMIO holds %016llx", *(unsigned long long *)mmio);
			} else if (src) {
				ok = !memcmp(ram + 8, mmio, cases[c].size) && ram[8 + cases[c].size] == 0x48 + cases[c].size;
				snprintf(why, sizeof(why), "RAM got %016llx", *(unsigned long long *)(ram + 8));
			} else {
				ok = !memcmp(mmio, ram + 8, cases[c].size) && mmio[cases[c].size] == 0x11;
				snprintf(why, sizeof(why), "MMIO got %016llx", *(unsigned long long *)mmio);
			}
			snprintf(name, sizeof(name), "emulate %s (%s)%s", cases[c].name, cases[c].hex,
				 cases[c].movs ? (src ? ", MMIO is the source" : ", MMIO is the destination") : "");
			unit_check(ok, name, "%s", why);
		}
	}
}

/* A native REP STOS/MOVS with count 1 matches one emulated iteration, registers included. */
static void run_strings_native(void)
{
	/* 32-bit addresses, so the 67-prefixed forms can run natively too. */
	u8 *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (low == MAP_FAILED) {
		printf("SKIP: emulate string instructions natively (no 32-bit mapping available)\n");
		return;
	}
	for (int df = 0; df < 2; df++) {
		for (int variant = 0; variant < 4; variant++) {
			u64 di = (u64)(low + 64), si = (u64)(low + 1024), cx = 1, ax = 0x1122334455667788ULL;
			u64 f = 0x202 | (df ? DF : 0);
			u64 gpr[16] = { 0 }, rflags = f;
			struct x86_insn in;
			struct x86_emul_ctx ctx = {
				.gpr = gpr, .rflags = &rflags, .addr = MMIO_GPA, .read = mmio_read,
				.write = mmio_write, .mmio_is_source = true, .other_addr = 0x20000,
				.other_read = ram_read, .other_write = ram_write,
			};
			static const char *const hex[] = { "f3 aa", "67 f3 ab", "f3 48 a5", "67 f3 66 a5" };
			char name[120];
			u8 b[8];
			int n = parse_hex(hex[variant], b, 8), r;

			gpr[0] = ax;
			gpr[1] = cx;
			gpr[6] = si;
			gpr[7] = di;
			switch (variant) {
			case 0:
				asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\trep stosb\n\tcld\n\tlea 128(%%rsp), %%rsp"
					     : "+D"(di), "+c"(cx) : "a"(ax), [f] "r"(f) : "memory", "cc");
				break;
			case 1:
				asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\taddr32 rep stosl\n\tcld\n\tlea 128(%%rsp), %%rsp"
					     : "+D"(di), "+c"(cx) : "a"(ax), [f] "r"(f) : "memory", "cc");
				break;
			case 2:
				asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\trep movsq\n\tcld\n\tlea 128(%%rsp), %%rsp"
					     : "+D"(di), "+S"(si), "+c"(cx) : [f] "r"(f) : "memory", "cc");
				break;
			default:
				asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\taddr32 rep movsw\n\tcld\n\tlea 128(%%rsp), %%rsp"
					     : "+D"(di), "+S"(si), "+c"(cx) : [f] "r"(f) : "memory", "cc");
				break;
			}
			x86_decode(b, n, X86_MODE_64, &in);
			r = x86_emulate_mmio(&in, &ctx);
			snprintf(name, sizeof(name), "emulate %s with RCX=1, DF=%d: registers match the CPU", hex[variant], df);
			unit_check(!r && gpr[7] == di && gpr[1] == cx && (variant < 2 || gpr[6] == si) && !ctx.again,
				   name, "r=%d rdi %llx/%llx rsi %llx/%llx rcx %llx/%llx", r,
				   (unsigned long long)gpr[7], (unsigned long long)di, (unsigned long long)gpr[6],
				   (unsigned long long)si, (unsigned long long)gpr[1], (unsigned long long)cx);
		}
	}
	munmap(low, 4096);
}

/* ------------------------------------------------------------------ errors and refusals */

static int emulate_hex(const char *hex, enum x86_cpu_mode mode, u64 *gpr, u64 *rflags, struct x86_emul_ctx *ctx)
{
	struct x86_insn in;
	u8 b[16];
	int n = parse_hex(hex, b, 16), r = x86_decode(b, n, mode, &in);

	if (r)
		return 1000 + r;
	ctx->gpr = gpr;
	ctx->rflags = rflags;
	ctx->addr = MMIO_GPA;
	ctx->read = mmio_read;
	ctx->write = mmio_write;
	return x86_emulate_mmio(&in, ctx);
}

static void run_errors(void)
{
	static const struct { const char *hex, *name; } unsupported[] = {
		{ "01 c8", "add eax, ecx (no memory operand)" },
		{ "05 01 00 00 00", "add eax, imm32 (no memory operand)" },
		{ "f7 23", "mul dword [rbx]" },
		{ "ff 33", "push qword [rbx]" },
		{ "8f 03", "pop qword [rbx]" },
		{ "0f b1 0b", "cmpxchg [rbx], ecx" },
		{ "c4 e2 79 18 03", "vbroadcastss xmm0, [rbx] (VEX)" },
		{ "62 f1 7c 48 10 03", "vmovups zmm0, [rbx] (EVEX)" },
		{ "0f 10 03", "movups xmm0, [rbx]" },
		{ "a4", "movsb without the other side's callbacks" },
	};
	u64 gpr[16], rflags = 0x202, saved[16];
	struct x86_emul_ctx ctx = { 0 };
	int r;

	for (size_t k = 0; k < ARRAY_SIZE(unsupported); k++) {
		char name[120];

		memset(gpr, 0x3c, sizeof(gpr));
		memcpy(saved, gpr, sizeof(gpr));
		accesses = 0;
		r = emulate_hex(unsupported[k].hex, X86_MODE_64, gpr, &rflags, &ctx);
		snprintf(name, sizeof(name), "emulate refuses %s: -ENOTSUP, nothing touched", unsupported[k].name);
		unit_check(r == -ENOTSUP && !accesses && !memcmp(gpr, saved, sizeof(gpr)) && rflags == 0x202,
			   name, "returned %d, %u accesses", r, accesses);
	}

	/* A register bit offset outside the operand: -ENOTSUP. */
	memset(gpr, 0, sizeof(gpr));
	gpr[1] = 32;
	CHECK_INT("emulate bt [rbx], ecx with ECX=32: outside the operand", emulate_hex("0f a3 0b", X86_MODE_64, gpr, &rflags, &ctx), -ENOTSUP);
	gpr[1] = 0xffffffff;
	CHECK_INT("emulate bts [rbx], ecx with ECX=-1: before the operand", emulate_hex("0f ab 0b", X86_MODE_64, gpr, &rflags, &ctx), -ENOTSUP);
	gpr[1] = 0x8000;
	CHECK_INT("emulate bt [rbx], cx with CX=-32768", emulate_hex("66 0f a3 0b", X86_MODE_64, gpr, &rflags, &ctx), -ENOTSUP);
	gpr[1] = 0x1000000000000005ULL;
	CHECK_INT("emulate bt [rbx], ecx uses ECX only (5)", emulate_hex("0f a3 0b", X86_MODE_64, gpr, &rflags, &ctx), 0);
	CHECK_INT("emulate movsxd in 32-bit mode is ARPL", emulate_hex("63 0b", X86_MODE_32, gpr, &rflags, &ctx), -ENOTSUP);

	/* Callback errors come back unchanged and leave registers and flags alone. */
	memset(gpr, 0x3c, sizeof(gpr));
	memcpy(saved, gpr, sizeof(gpr));
	rflags = 0x202;
	fail_read = -EIO;
	r = emulate_hex("03 0b", X86_MODE_64, gpr, &rflags, &ctx);
	CHECK("emulate add ecx, [rbx] with a failing read: -EIO, nothing changed",
	      r == -EIO && !memcmp(gpr, saved, sizeof(gpr)) && rflags == 0x202);
	fail_read = 0;
	fail_write = -EIO;
	r = emulate_hex("01 0b", X86_MODE_64, gpr, &rflags, &ctx);
	CHECK("emulate add [rbx], ecx with a failing write: -EIO, flags unchanged",
	      r == -EIO && !memcmp(gpr, saved, sizeof(gpr)) && rflags == 0x202);
	r = emulate_hex("87 0b", X86_MODE_64, gpr, &rflags, &ctx);
	CHECK("emulate xchg [rbx], ecx with a failing write: -EIO, ECX unchanged",
	      r == -EIO && !memcmp(gpr, saved, sizeof(gpr)));
	r = emulate_hex("f3 ab", X86_MODE_64, gpr, &rflags, &ctx);
	CHECK("emulate rep stosd with a failing write: -EIO, RDI/RCX unchanged",
	      r == -EIO && !memcmp(gpr, saved, sizeof(gpr)));
	fail_write = 0;

	/* moffs forms address ctx->addr too. */
	memset(gpr, 0, sizeof(gpr));
	memset(mmio, 0, sizeof(mmio));
	gpr[0] = 0x1122334455667788ULL;
	r = emulate_hex("48 a3 00 00 00 00 00 00 00 00", X86_MODE_64, gpr, &rflags, &ctx);
	CHECK("emulate mov [moffs64], rax", r == 0 && !memcmp(mmio, &gpr[0], 8) && last_addr == MMIO_GPA);
	gpr[0] = 0xffffffffffffffffULL;
	memset(mmio, 0, sizeof(mmio));
	mmio[0] = 0x5a;
	r = emulate_hex("a0 00 00 00 00 00 00 00 00", X86_MODE_64, gpr, &rflags, &ctx);
	CHECK("emulate mov al, [moffs64] keeps bits 63:8", r == 0 && gpr[0] == 0xffffffffffffff5aULL);
	r = emulate_hex("a1 00 00", X86_MODE_16, gpr, &rflags, &ctx);
	CHECK("emulate mov ax, [moffs16] (16-bit mode)", r == 0 && gpr[0] == 0xffffffffffff005aULL && last_size == 2);
	r = emulate_hex("a1 00 00 00 00", X86_MODE_32, gpr, &rflags, &ctx);
	CHECK("emulate mov eax, [moffs32] (32-bit mode) zero-extends", r == 0 && gpr[0] == 0x5a && last_size == 4);

	ctx.gpr = NULL;
	CHECK_INT("emulate without registers: -EINVAL", x86_emulate_mmio(&(struct x86_insn){ .op_size = 4 }, &ctx), -EINVAL);
}

/* LODS (AC/AD): the MMIO value lands in AL/AX/EAX/RAX, rSI steps, rDI is untouched. */
static void run_lods(void)
{
	static const struct {
		const char *name, *hex;
		enum x86_cpu_mode mode;
		u64 rcx, rflags, want_rax, want_rsi, want_rcx;
		bool again;
	} cases[] = {
		{ "lodsb keeps RAX[63:8]", "ac", X86_MODE_64, 0, 0x202,
		  0x1111111111111188ULL, 0x1001, 0, false },
		{ "lodsw keeps RAX[63:16]", "66 ad", X86_MODE_64, 0, 0x202,
		  0x1111111111117788ULL, 0x1002, 0, false },
		{ "lodsd zero-extends", "ad", X86_MODE_64, 0, 0x202, 0x55667788ULL, 0x1004, 0, false },
		{ "lodsq", "48 ad", X86_MODE_64, 0, 0x202, 0x1122334455667788ULL, 0x1008, 0, false },
		{ "lodsd, DF=1", "ad", X86_MODE_64, 0, 0x602, 0x55667788ULL, 0x0ffc, 0, false },
		{ "rep lodsb, RCX=2: again", "f3 ac", X86_MODE_64, 2, 0x202,
		  0x1111111111111188ULL, 0x1001, 1, true },
		{ "rep lodsb, RCX=0: nothing", "f3 ac", X86_MODE_64, 0, 0x202,
		  0x1111111111111111ULL, 0x1000, 0, false },
		{ "lodsw in 16-bit mode", "ad", X86_MODE_16, 0, 0x202,
		  0x1111111111117788ULL, 0x1002, 0, false },
	};
	static const u8 value[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct x86_insn in;
		u64 gpr[16], rflags = cases[c].rflags;
		u8 b[8];
		int n = parse_hex(cases[c].hex, b, 8), r;
		struct x86_emul_ctx ctx = {
			.gpr = gpr, .rflags = &rflags, .addr = MMIO_GPA, .read = mmio_read,
			.write = mmio_write,
		};
		char name[128];

		for (int k = 0; k < 16; k++)
			gpr[k] = 0x1111111111111111ULL;
		gpr[1] = cases[c].rcx;
		gpr[6] = 0x1000;
		gpr[7] = 0x2000;
		memcpy(mmio, value, sizeof(value));
		x86_decode(b, n, cases[c].mode, &in);
		r = x86_emulate_mmio(&in, &ctx);
		snprintf(name, sizeof(name), "emulate %s", cases[c].name);
		unit_check(r == 0 && gpr[0] == cases[c].want_rax &&
			   (gpr[6] & 0xffff) == cases[c].want_rsi && gpr[7] == 0x2000 &&
			   gpr[1] == cases[c].want_rcx && ctx.again == cases[c].again, name,
			   "r=%d rax=%llx rsi=%llx rdi=%llx rcx=%llx again=%d", r,
			   (unsigned long long)gpr[0], (unsigned long long)gpr[6],
			   (unsigned long long)gpr[7], (unsigned long long)gpr[1], ctx.again);
	}
}

int main(void)
{
	run_alu();
	run_others();
	run_legacy_modes();
	run_strings();
	run_strings_native();
	run_lods();
	run_errors();
	return unit_summary();
}
