/*
 * Host unit test for the instruction decoder (arch/x86/decode.c, decode_vex.c): hand-written
 * encodings in the three modes with their fields and every truncation, then a deterministic
 * random sweep compared with Zydis (the oracle; never linked into the hypervisor).
 */
// unit-deps: arch/x86/decode.c arch/x86/decode_vex.c lib/string.c
// unit-libs: -lZydis
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "arch/x86/decode.h"
#include "lib/errno.h"
#include "tests/unit/unit.h"

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64

static const char *const mode_name[] = { "16-bit", "32-bit", "64-bit" };

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

static void hex_string(const u8 *b, int n, char *out, size_t size)
{
	size_t o = 0;

	out[0] = 0;
	for (int k = 0; k < n && o + 4 < size; k++)
		o += snprintf(out + o, size - o, "%s%02x", k ? " " : "", b[k]);
}

/* ------------------------------------------------------------------ Zydis */

static ZydisDecoder zydis[3];

static void zydis_init(void)
{
	ZydisDecoderInit(&zydis[M16], ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
	ZydisDecoderInit(&zydis[M32], ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	ZydisDecoderInit(&zydis[M64], ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
}

/*
 * Where Zydis and MACROHARD's decoder may disagree, by design. Each class is narrow and
 * explained; anything else is a failure.
 */
enum mismatch_class {
	MC_NONE,
	/*
	 * Zydis decodes Knights Corner (Xeon Phi x100) encodings even with its KNC mode off: MVEX
	 * (62 with P1 bit 2 clear) and VEX opmask/branch forms such as JKZD, KAND (L0),
	 * VPREFETCH0, DELAY, SPFLT. They are not in the SDM or the APM; every CPU MACROHARD runs
	 * on raises #UD for them, so the decoder rejects them.
	 */
	MC_KNC,
	/*
	 * VIA PadLock (F3 0F A6/A7: XSTORE, XCRYPT*, XSHA*, MONTMUL). SDM table A-3 leaves 0F A6
	 * and 0F A7 empty and Intel and AMD processors raise #UD, so the decoder rejects them.
	 */
	MC_PADLOCK,
	/*
	 * EVEX.W1 VCVTSI2SD/VCVTUSI2SD (F2 0F 2A/7B) with EVEX.b on a register, outside 64-bit
	 * mode. The SDM says EVEX.W1 is ignored there ("behaves as if the W0 version is used");
	 * Zydis accepts EVEX.b on the W0 form but rejects it on the W1 form. We follow the SDM
	 * and treat both alike (accepted).
	 */
	MC_EVEX_W1_IGNORED,
	/*
	 * Fields only: 64-bit mode, 67 prefix, SIB base 101 with mod 00 and REX.B set. SDM table
	 * 2-5: REX.B is not decoded there, there is no base and a disp32 follows. Zydis counts the
	 * disp32 in the length but reports the operand as [r13d+index] without displacement. We
	 * follow the SDM.
	 */
	MC_ZYDIS_R13D_DISP32,
	MC_COUNT
};

static const char *const class_name[MC_COUNT] = {
	[MC_KNC] = "Knights Corner (KNC/MVEX) encodings: Zydis decodes them, the SDM has no such instructions",
	[MC_PADLOCK] = "VIA PadLock 0F A6/A7: Zydis decodes them, Intel/AMD raise #UD (SDM table A-3 is empty)",
	[MC_EVEX_W1_IGNORED] = "EVEX.W1 VCVT(U)SI2SD with EVEX.b outside 64-bit mode: SDM says W1 is ignored there",
	[MC_ZYDIS_R13D_DISP32] = "memory operand of 67 + SIB base 101, mod 00, REX.B: Zydis says [r13d], the SDM no base + disp32",
};

static enum mismatch_class classify(enum x86_cpu_mode mode, int ours, const struct x86_insn *in,
				    ZyanStatus zs, const ZydisDecodedInstruction *zi)
{
	if (ZYAN_SUCCESS(zs) && ours) {
		if (zi->meta.isa_ext == ZYDIS_ISA_EXT_KNC || zi->meta.isa_ext == ZYDIS_ISA_EXT_KNCE ||
		    zi->meta.isa_ext == ZYDIS_ISA_EXT_KNCV)
			return MC_KNC;
		if (zi->meta.isa_ext == ZYDIS_ISA_EXT_PADLOCK)
			return MC_PADLOCK;
	}
	if (!ZYAN_SUCCESS(zs) && !ours && mode != M64 && in->encoding == X86_ENC_EVEX &&
	    in->map == X86_MAP_0F && (in->opcode == 0x2a || in->opcode == 0x7b) &&
	    in->mandatory == 0xf2 && in->rex_w && in->evex_b && in->mod == 3)
		return MC_EVEX_W1_IGNORED;
	return MC_NONE;
}

/* ------------------------------------------------------------------ hand-written cases */

/*
 * One instruction: mode, bytes, the expected result and length, and optional field
 * expectations as "key=value" words:
 *   os as (operand/address size)  map op  modrm  sib  dsz disp  isz imm  i2sz imm2
 *   base idx sc (memory operand; -1 = none)  rip  mem  seg (0-5, -1)  rep  rex  pfx (mask)
 *   enc (0 legacy, 1 3DNow!, 2 VEX, 3 EVEX, 4 XOP)  vvvv  vl  mp (mandatory prefix)
 *   zydis=differs  (a documented disagreement: the case says why in its name)
 */
struct hcase {
	const char *name;
	enum x86_cpu_mode mode;
	const char *hex;
	int ret;
	int len;
	const char *fields;
};

#define OK(m, h, l, f, n)	{ n, m, h, 0, l, f }
#define BAD(m, h, n)		{ n, m, h, -EINVAL, 0, "" }

static const struct hcase hcases[] = {
	/* One-byte map, ModRM and SIB in 64-bit mode. */
	OK(M64, "90", 1, "os=4 as=8 map=0 op=0x90 mem=0", "nop"),
	OK(M64, "48 8b 05 78 56 34 12", 7,
	   "os=8 as=8 op=0x8b rip=1 base=-1 idx=-1 dsz=4 disp=0x12345678 mem=1 rex=0x48",
	   "mov rax, [rip+0x12345678]"),
	OK(M64, "67 8b 05 f0 ff ff ff", 7, "os=4 as=4 rip=1 disp=-16", "mov eax, [eip-16] (67)"),
	OK(M64, "8b 04 24", 3, "base=4 idx=-1 sc=1 sib=0x24 rip=0 dsz=0 seg=-1", "mov eax, [rsp]"),
	OK(M64, "8b 44 24 08", 4, "base=4 dsz=1 disp=8", "mov eax, [rsp+8]"),
	OK(M64, "41 8b 04 24", 4, "base=12 idx=-1", "mov eax, [r12]"),
	OK(M64, "41 8b 45 00", 4, "base=13 dsz=1 disp=0", "mov eax, [r13+0]"),
	OK(M64, "42 8b 04 20", 4, "base=0 idx=12 sc=1", "mov eax, [rax+r12] (REX.X index 12)"),
	OK(M64, "8b 04 20", 3, "base=0 idx=-1", "mov eax, [rax] (SIB index 100: none)"),
	OK(M64, "8b 04 25 44 33 22 11", 7, "base=-1 idx=-1 rip=0 dsz=4 disp=0x11223344",
	   "mov eax, [0x11223344] (SIB, no base, no index)"),
	OK(M64, "43 8b 84 c8 00 01 00 00", 8, "base=8 idx=9 sc=8 dsz=4 disp=0x100",
	   "mov eax, [r8+r9*8+0x100]"),
	OK(M64, "8b 4c 8d 80", 4, "base=5 idx=1 sc=4 dsz=1 disp=-128", "mov ecx, [rbp+rcx*4-128]"),
	OK(M64, "41 8b 44 8d 80", 5, "base=13 idx=1 sc=4", "mov eax, [r13+rcx*4-128]"),
	OK(M64, "8b 05 00 00 00 00", 6, "rip=1", "mov eax, [rip]"),
	OK(M64, "41 8b 05 00 00 00 00", 7, "rip=1 base=-1", "REX.B does not turn RIP-relative into R13"),
	OK(M64, "89 c8", 2, "mem=0 modrm=0xc8 reg=1 rm=0", "mov eax, ecx (register form)"),
	OK(M64, "4d 89 c8", 3, "reg=9 rm=8 os=8", "mov r8, r9"),
	/* Prefixes: any order, repeats, REX placement, REP semantics, segments. */
	OK(M64, "66 48 89 c8", 4, "os=8 rex=0x48", "66 then REX.W: REX.W wins"),
	OK(M64, "48 66 89 c8", 4, "os=2 rex=0", "REX then 66: the REX is ignored (not last)"),
	OK(M64, "48 2e 8b 00", 4, "os=4 rex=0 seg=1", "REX then CS: ignored REX"),
	OK(M64, "40 40 41 8b 00", 5, "rex=0x41 base=8", "several REX: the last counts"),
	OK(M64, "f3 f2 a4", 3, "rep=0xf2 pfx=0x6", "F3 F2 MOVSB: the last of F2/F3 decides"),
	OK(M64, "f2 f3 a4", 3, "rep=0xf3", "F2 F3 MOVSB: REP"),
	OK(M64, "f3 66 f3 66 ab", 5, "os=2 rep=0xf3", "repeated prefixes"),
	OK(M32, "2e 3e 26 8b 00", 5, "seg=0", "several segment overrides: the last counts"),
	OK(M32, "64 8b 00", 3, "seg=4", "FS override"),
	OK(M64, "65 48 8b 04 25 28 00 00 00", 9, "seg=5 base=-1 disp=0x28", "mov rax, gs:[0x28]"),
	OK(M64, "f0 01 00", 3, "pfx=0x1", "lock add [rax], eax"),
	BAD(M64, "f0 01 c0", "lock add eax, eax: register destination is #UD"),
	BAD(M64, "f0 89 00", "lock mov [rax], eax: MOV is not lockable"),
	BAD(M64, "f0 39 00", "lock cmp: CMP is not lockable"),
	OK(M64, "f0 0f c7 08", 4, "map=1 op=0xc7", "lock cmpxchg8b [rax]"),
	OK(M64, "f0 48 0f c7 0f", 5, "os=8", "lock cmpxchg16b [rdi]"),
	OK(M64, "f0 0f ba 28 05", 5, "isz=1 imm=5", "lock bts dword [rax], 5"),
	BAD(M64, "f0 0f ba 20 05", "lock bt: BT is not lockable"),
	OK(M64, "f0 87 08", 3, "", "lock xchg [rax], ecx"),
	/* Operand size, default-64 and forced-64 opcodes. */
	OK(M64, "50", 1, "os=8", "push rax: default 64"),
	OK(M64, "66 50", 2, "os=2", "push ax"),
	OK(M64, "41 5f", 2, "os=8", "pop r15"),
	OK(M64, "e8 00 00 00 00", 5, "os=8 isz=4", "call rel32"),
	OK(M64, "66 e8 00 00 00 00", 6, "os=8 isz=4", "66 call rel32: Intel ignores 66 in 64-bit mode"),
	OK(M32, "66 e8 00 00", 4, "os=2 isz=2", "call rel16 in 32-bit mode"),
	OK(M16, "e8 34 12", 3, "os=2 isz=2 imm=0x1234", "call rel16 in 16-bit mode"),
	OK(M64, "0f 84 00 01 00 00", 6, "os=8 map=1 op=0x84 isz=4", "jz rel32"),
	OK(M64, "66 0f 84 00 01 00 00", 7, "isz=4", "66 jz: still rel32"),
	OK(M16, "0f 84 00 01", 4, "isz=2", "jz rel16"),
	OK(M64, "eb fe", 2, "isz=1 imm=0xfe", "jmp $"),
	OK(M64, "ff 25 00 00 00 00", 6, "os=8 rip=1", "jmp [rip]"),
	OK(M64, "ff 30", 2, "os=8", "push qword [rax]"),
	OK(M64, "68 78 56 34 12", 5, "os=8 isz=4", "push imm32"),
	OK(M64, "66 68 34 12", 4, "os=2 isz=2", "push imm16"),
	OK(M64, "6a ff", 2, "isz=1", "push imm8"),
	OK(M64, "c2 08 00", 3, "isz=2 imm=8", "ret 8"),
	OK(M32, "c8 10 00 01", 4, "isz=2 imm=0x10 i2sz=1 imm2=1", "enter 16, 1: Iw then Ib"),
	OK(M64, "c8 10 00 01", 4, "os=8", "enter in 64-bit mode"),
	/* Immediates that depend on the operand or address size. */
	OK(M32, "05 78 56 34 12", 5, "isz=4", "add eax, imm32"),
	OK(M32, "66 05 34 12", 4, "os=2 isz=2", "add ax, imm16"),
	OK(M16, "05 34 12", 3, "os=2 isz=2", "add ax, imm16 (16-bit mode)"),
	OK(M16, "66 05 78 56 34 12", 6, "os=4 isz=4", "add eax, imm32 (16-bit mode, 66)"),
	OK(M64, "48 05 78 56 34 12", 6, "os=8 isz=4", "add rax, simm32"),
	OK(M64, "48 b8 88 77 66 55 44 33 22 11", 10, "os=8 isz=8 imm=0x1122334455667788",
	   "mov rax, imm64"),
	OK(M64, "b8 78 56 34 12", 5, "os=4 isz=4", "mov eax, imm32"),
	OK(M64, "66 41 b8 34 12", 5, "os=2 isz=2", "mov r8w, imm16"),
	OK(M64, "48 c7 c0 ff ff ff ff", 7, "os=8 isz=4", "mov rax, simm32 (C7)"),
	OK(M32, "a1 44 33 22 11", 5, "as=4 dsz=4 disp=0x11223344 mem=1 base=-1", "mov eax, [moffs32]"),
	OK(M32, "67 a1 34 12", 4, "as=2 dsz=2 disp=0x1234", "mov eax, [moffs16]"),
	OK(M16, "a0 34 12", 3, "as=2 dsz=2", "mov al, [moffs16]"),
	OK(M16, "67 a2 78 56 34 12", 6, "as=4 dsz=4", "mov [moffs32], al (16-bit mode, 67)"),
	OK(M64, "48 a1 88 77 66 55 44 33 22 11", 10, "as=8 dsz=8 disp=0x1122334455667788",
	   "mov rax, [moffs64]"),
	OK(M64, "67 a3 44 33 22 11", 6, "as=4 dsz=4", "mov [moffs32], eax (67)"),
	OK(M32, "9a 78 56 34 12 cd ab", 7, "isz=4 imm=0x12345678 i2sz=2 imm2=0xabcd", "call far ptr16:32"),
	OK(M32, "66 ea 34 12 cd ab", 6, "isz=2 i2sz=2", "jmp far ptr16:16"),
	OK(M16, "ea 34 12 00 f0", 5, "isz=2 imm=0x1234 imm2=0xf000", "jmp far ptr16:16 (16-bit)"),
	OK(M32, "f6 00 12", 3, "isz=1 imm=0x12", "test byte [eax], 0x12 (F6 /0 has an Ib)"),
	OK(M32, "f6 08 12", 3, "isz=1", "F6 /1 (TEST alias) has an Ib"),
	OK(M32, "f6 10", 2, "isz=0", "not byte [eax] (F6 /2 has none)"),
	OK(M32, "f7 00 78 56 34 12", 6, "isz=4", "test dword [eax], imm32"),
	OK(M32, "66 f7 00 34 12", 5, "isz=2", "test word [eax], imm16"),
	OK(M32, "f7 18", 2, "isz=0", "neg dword [eax]"),
	OK(M32, "c6 f8 42", 3, "isz=1", "xabort 0x42"),
	OK(M32, "c7 f8 00 00 00 00", 6, "isz=4", "xbegin rel32"),
	OK(M32, "66 c7 f8 00 00", 5, "isz=2", "xbegin rel16"),
	BAD(M32, "c7 c8 00 00 00 00", "C7 /1 is undefined"),
	OK(M32, "6b c0 05", 3, "isz=1", "imul eax, eax, 5"),
	OK(M32, "69 c0 78 56 34 12", 6, "isz=4", "imul eax, eax, imm32"),
	OK(M32, "c0 e0 03", 3, "isz=1", "shl al, 3"),
	OK(M32, "d4 0a", 2, "isz=1", "aam"),
	/* 16-bit addressing (SDM table 2-1). */
	OK(M16, "8b 00", 2, "as=2 base=3 idx=6 sc=1 dsz=0", "mov ax, [bx+si]"),
	OK(M16, "8b 03", 2, "base=5 idx=7", "mov ax, [bp+di]"),
	OK(M16, "8b 46 fe", 3, "base=5 idx=-1 dsz=1 disp=-2 seg=-1", "mov ax, [bp-2]"),
	OK(M16, "8b 06 34 12", 4, "base=-1 idx=-1 dsz=2 disp=0x1234", "mov ax, [0x1234]"),
	OK(M16, "8b 87 34 12", 4, "base=3 idx=-1 dsz=2", "mov ax, [bx+0x1234]"),
	OK(M16, "8b 44 10", 3, "base=6 dsz=1 disp=16", "mov ax, [si+16]"),
	OK(M16, "8b 04", 2, "base=6 idx=-1", "mov ax, [si] (rm=4: no SIB in 16-bit addressing)"),
	OK(M16, "67 8b 04 24", 4, "as=4 base=4 sib=0x24", "mov ax, [esp] (67: 32-bit addressing)"),
	OK(M32, "67 8b 46 fe", 4, "as=2 base=5 disp=-2", "mov eax, [bp-2] (67 in 32-bit mode)"),
	OK(M32, "8b 05 44 33 22 11", 6, "rip=0 base=-1 dsz=4", "mov eax, [disp32] (no RIP-relative outside 64-bit)"),
	/* Instructions invalid in 64-bit mode; the same bytes in 32-bit mode. */
	BAD(M64, "06", "push es"), OK(M32, "06", 1, "", "push es (32-bit)"),
	BAD(M64, "07", "pop es"), BAD(M64, "0e", "push cs"), BAD(M64, "16", "push ss"),
	BAD(M64, "17", "pop ss"), BAD(M64, "1e", "push ds"), BAD(M64, "1f", "pop ds"),
	BAD(M64, "27", "daa"), OK(M32, "27", 1, "", "daa (32-bit)"), BAD(M64, "2f", "das"),
	BAD(M64, "37", "aaa"), BAD(M64, "3f", "aas"),
	BAD(M64, "60", "pusha"), BAD(M64, "61", "popa"), OK(M32, "60", 1, "", "pusha (32-bit)"),
	OK(M32, "62 00", 2, "op=0x62 mem=1", "bound eax, [eax] (32-bit)"),
	BAD(M64, "62 00 00 00 00", "62 is always EVEX in 64-bit mode (map 0 is reserved)"),
	OK(M32, "c4 00", 2, "op=0xc4 mem=1 enc=0", "les eax, [eax] (32-bit, mod != 11)"),
	OK(M32, "c5 00", 2, "op=0xc5 enc=0", "lds eax, [eax] (32-bit)"),
	BAD(M64, "c4 00 00 00 00", "C4 is always VEX in 64-bit mode: LES does not exist (map 0)"),
	BAD(M64, "d4 0a", "aam"), BAD(M64, "d5 0a", "aad"), BAD(M64, "d6", "salc"),
	OK(M32, "d6", 1, "", "salc (32-bit)"),
	BAD(M64, "82 c0 01", "82 alias of 80"), OK(M32, "82 c0 01", 3, "isz=1", "82 (32-bit)"),
	BAD(M64, "9a 00 00 00 00 00 00", "call far"), BAD(M64, "ea 00 00 00 00 00 00", "jmp far"),
	BAD(M64, "ce", "into"), OK(M32, "ce", 1, "", "into (32-bit)"),
	OK(M64, "48 63 c1", 3, "os=8 op=0x63", "movsxd rax, ecx"),
	OK(M32, "63 c1", 2, "op=0x63", "arpl cx, ax (32-bit)"),
	OK(M32, "40", 1, "os=4", "inc eax (32-bit), REX in 64-bit mode"),
	/* Group and register checks. */
	BAD(M64, "ff 38", "FF /7"), BAD(M64, "ff d8", "call far with a register"),
	OK(M64, "ff 18", 2, "", "call far [rax]"),
	BAD(M64, "fe 10", "FE /2"), BAD(M64, "8f 20", "8F /4 (map select 0: not XOP)"),
	OK(M64, "8f 00", 2, "enc=0 os=8", "pop qword [rax]"),
	BAD(M64, "8d c0", "lea with a register"),
	BAD(M64, "8e c8", "mov cs, ax"), OK(M64, "8e d8", 2, "", "mov ds, ax"),
	BAD(M64, "8c f0", "mov eax, sreg 6"),
	OK(M64, "0f 20 c0", 3, "os=8 map=1 op=0x20 mem=0", "mov rax, cr0"),
	OK(M64, "0f 22 18", 3, "mem=0 dsz=0 rm=0 reg=3", "mov cr3, rax: mod bits ignored, no SIB/disp"),
	OK(M32, "0f 20 05", 3, "os=4 mem=0", "mov ebp, cr0 with mod=00 rm=101: still 3 bytes"),
	OK(M64, "44 0f 20 c0", 4, "reg=8", "mov rax, cr8"),
	BAD(M64, "0f 20 c8", "mov rax, cr1"), BAD(M64, "0f 20 e8", "mov rax, cr5"),
	OK(M64, "0f 21 f8", 3, "", "mov rax, dr7"), BAD(M64, "44 0f 21 c0", "REX.R with a DR"),
	OK(M64, "0f 01 38", 3, "mem=1", "invlpg [rax]"), OK(M64, "0f 01 d8", 3, "", "vmrun"),
	OK(M64, "0f 01 c1", 3, "", "vmcall"), OK(M64, "0f 01 d9", 3, "", "vmmcall"),
	OK(M64, "0f 01 f8", 3, "", "swapgs"), BAD(M32, "0f 01 f8", "swapgs outside 64-bit mode"),
	BAD(M64, "0f 01 c6", "0F 01 C6 is unassigned"),
	OK(M64, "0f 32", 2, "", "rdmsr"), OK(M64, "0f 30", 2, "", "wrmsr"),
	OK(M64, "0f a2", 2, "", "cpuid"), OK(M64, "0f 0b", 2, "", "ud2"),
	BAD(M64, "0f 04", "0F 04"), BAD(M64, "0f 0a", "0F 0A"), BAD(M64, "0f a6 c0", "0F A6 (VIA PadLock)"),
	OK(M64, "0f 1f 44 00 00", 5, "", "nopl [rax+rax]"),
	OK(M64, "66 0f 1f 84 00 00 00 00 00", 9, "", "nopw [rax+rax+0]"),
	OK(M64, "0f 18 08", 3, "", "prefetcht0 [rax]"),
	OK(M64, "f3 0f 1e fa", 4, "mp=0xf3", "endbr64"),
	OK(M64, "f3 48 0f b8 c1", 5, "mp=0xf3 os=8", "popcnt rax, rcx"),
	BAD(M64, "0f b8 c1", "0F B8 without F3 (JMPE, IA-64 only)"),
	OK(M64, "0f ae f8", 3, "", "sfence"), OK(M64, "f3 48 0f ae c0", 5, "", "rdfsbase rax"),
	BAD(M32, "f3 0f ae c0", "rdfsbase outside 64-bit mode"),
	OK(M64, "0f c7 f0", 3, "", "rdrand eax"), BAD(M64, "0f c7 c8", "0F C7 /1 with a register"),
	OK(M64, "0f ba e0 05", 4, "isz=1", "bt eax, 5"), BAD(M64, "0f ba c0 05", "0F BA /0"),
	/* SSE mandatory prefixes. */
	OK(M64, "0f 10 00", 3, "mp=0", "movups xmm0, [rax]"),
	OK(M64, "66 0f 10 00", 4, "mp=0x66", "movupd"),
	OK(M64, "f3 0f 10 00", 4, "mp=0xf3", "movss"),
	OK(M64, "66 f2 0f 10 00", 5, "mp=0xf2", "66 F2 0F 10: F2 wins (movsd)"),
	BAD(M64, "f3 0f 28 00", "F3 0F 28 (no such MOVAPS form)"),
	BAD(M64, "66 0f 12 c0", "MOVLPD takes memory only"),
	OK(M64, "66 0f 78 c0 04 08", 6, "isz=1 imm=4 i2sz=1 imm2=8", "extrq xmm0, 4, 8 (two Ib)"),
	OK(M64, "0f 78 c0", 3, "isz=0 os=8", "vmread rax, rax (no immediate)"),
	OK(M64, "66 0f 38 00 c1", 5, "map=2 op=0x00 mp=0x66", "pshufb xmm0, xmm1"),
	BAD(M64, "0f 38 10 c1", "0F 38 10 needs 66"),
	OK(M64, "0f 38 f0 00", 4, "map=2", "movbe eax, [rax]"),
	BAD(M64, "0f 38 f0 c0", "MOVBE with a register"),
	OK(M64, "f2 0f 38 f1 c0", 5, "mp=0xf2", "crc32 eax, eax"),
	OK(M64, "66 0f 3a 0f c1 08", 6, "map=3 isz=1 imm=8", "palignr xmm0, xmm1, 8"),
	OK(M64, "66 0f 38 80 00", 5, "os=8", "invept rax, [rax]"),
	/* 3DNow! */
	OK(M32, "0f 0f c1 b4", 4, "enc=1 op=0xb4 isz=0", "pfmul mm0, mm1"),
	OK(M32, "0f 0f 40 10 9e", 5, "enc=1 op=0x9e dsz=1 disp=16", "pfadd mm0, [eax+16]"),
	OK(M64, "0f 0f 04 25 00 00 00 00 bf", 9, "enc=1 op=0xbf", "pavgusb mm0, [0] (SIB + disp32)"),
	BAD(M32, "0f 0f c1 00", "3DNow! suffix 00 is undefined"),
	/* VEX: C5/C4, and in 16/32-bit mode only with ModRM.mod = 11. */
	OK(M64, "c5 f8 77", 3, "enc=2 map=1 op=0x77 vl=0 pfx=0x80", "vzeroupper (no ModRM)"),
	OK(M64, "c5 fc 77", 3, "vl=1", "vzeroall"),
	OK(M64, "c5 f1 58 c2", 4, "enc=2 mp=0x66 vvvv=1 vl=0", "vaddpd xmm0, xmm1, xmm2"),
	OK(M64, "c4 e1 75 58 c2", 5, "enc=2 vvvv=1 vl=1", "vaddpd ymm0, ymm1, ymm2 (VEX3)"),
	OK(M64, "c4 41 7c 28 04 24", 6, "base=12 reg=8", "vmovaps ymm8, [r12]"),
	OK(M64, "c4 e3 79 0f c1 08", 6, "map=3 isz=1", "vpalignr (VEX map 3 has an Ib)"),
	OK(M64, "c4 e2 79 90 14 c8", 6, "map=2 base=0 idx=1 sc=8", "vpgatherdd xmm2, [rax+xmm1*8], xmm0"),
	BAD(M64, "c4 e2 79 90 04 c8", "vpgatherdd with the mask as destination"),
	BAD(M64, "c4 e2 79 90 00", "a gather without a SIB byte"),
	OK(M64, "c4 e2 78 f2 c1", 5, "os=4", "andn eax, eax, ecx"),
	OK(M64, "c4 e2 f8 f2 c1", 5, "os=8", "andn rax, rax, rcx (VEX.W1)"),
	BAD(M64, "66 c5 f8 77", "66 before VEX"), BAD(M64, "f3 c5 f8 77", "F3 before VEX"),
	BAD(M64, "f0 c5 f8 77", "LOCK before VEX"), BAD(M64, "40 c5 f8 77", "REX before VEX"),
	OK(M64, "2e 67 c5 f8 77", 5, "", "segment and 67 before VEX are fine"),
	BAD(M64, "c5 f1 6e c0", "vmovd with vvvv != 1111b"),
	BAD(M64, "c5 fd 6e c0", "vmovd with VEX.L=1"),
	BAD(M64, "c4 e0 78 58 c0", "VEX map 0 is reserved"),
	BAD(M64, "c4 e4 78 58 c0", "VEX map 4 is reserved"),
	OK(M32, "c5 f8 77", 3, "enc=2", "vzeroupper (32-bit)"),
	OK(M32, "c4 e1 79 6e c0", 5, "enc=2", "vmovd xmm0, eax (32-bit)"),
	OK(M16, "c5 f9 6e c0", 4, "enc=2", "vmovd xmm0, eax (16-bit mode)"),
	/* EVEX. */
	OK(M64, "62 f1 7c 48 58 c0", 6, "enc=3 map=1 vl=2 pfx=0x100", "vaddps zmm0, zmm0, zmm0"),
	OK(M64, "62 f1 7c 48 58 40 01", 7, "dsz=1 disp=1 base=0", "vaddps zmm0, zmm0, [rax+64] (disp8*64)"),
	OK(M64, "62 e1 7c 48 58 c0", 6, "reg=16", "vaddps zmm16, zmm0, zmm0 (EVEX.R')"),
	OK(M64, "62 f1 7c 18 58 c0", 6, "", "vaddps zmm0, zmm0, zmm0, {rn-sae}"),
	OK(M64, "62 f1 7c c9 58 c0", 6, "", "vaddps zmm0{k1}{z}"),
	BAD(M64, "62 f1 7c c8 58 c0", "zeroing without an opmask"),
	BAD(M64, "62 f1 7c 68 58 c0", "EVEX.L'L = 11"),
	OK(M64, "62 f1 7c 49 11 00", 6, "", "vmovups [rax]{k1}, zmm0"),
	BAD(M64, "62 f1 7c c9 11 00", "zeroing with a memory destination"),
	BAD(M64, "62 f1 7c 18 28 c0", "EVEX.b with registers on VMOVAPS"),
	OK(M64, "62 f2 7d 49 90 14 c8", 7, "vsib=1 idx=1", "vpgatherdd zmm2{k1}, [rax+zmm1*8]"),
	BAD(M64, "62 f2 7d 48 90 14 c8", "EVEX gather without an opmask"),
	OK(M64, "62 f3 fd 48 00 c1 05", 7, "map=3 isz=1 imm=5", "vpermq zmm0, zmm1, 5"),
	BAD(M64, "62 f3 7d 48 00 c1 05", "vpermq needs EVEX.W1"),
	BAD(M64, "62 f3 fd 08 00 c1 05", "vpermq has no 128-bit form"),
	OK(M32, "62 f1 7c 48 58 c0", 6, "enc=3", "vaddps zmm0 (32-bit, mod = 11)"),
	BAD(M32, "62 f1 7c 40 58 c0", "EVEX.V' = 0 outside 64-bit mode"),
	/* XOP. */
	OK(M64, "8f e9 78 e1 c1", 5, "enc=4 map=9 op=0xe1", "vphsubbw xmm0, xmm1"),
	OK(M64, "8f e8 78 a2 c1 10", 6, "enc=4 map=8 isz=1 imm=0x10", "vpcmov xmm0, xmm0, xmm1, xmm1"),
	OK(M64, "8f ea 78 10 c0 44 33 22 11", 9, "map=10 isz=4 imm=0x11223344", "bextr eax, eax, imm32"),
	BAD(M64, "8f e8 79 a2 c1 10", "XOP with pp != 0"),
	OK(M32, "8f c0", 2, "enc=0 os=4 mem=0", "pop eax via 8F /0 (map select 0)"),
	/* The 15-byte limit. */
	OK(M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 15, "", "14 prefixes + NOP: 15 bytes"),
	BAD(M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", "15 prefixes + NOP: 16 bytes"),
	OK(M64, "2e 67 f0 48 81 84 88 44 33 22 11 78 56 34 12", 15, "isz=4 dsz=4",
	   "lock add qword cs:[eax+ecx*4+disp32], imm32: exactly 15"),
	BAD(M64, "2e 2e 67 f0 48 81 84 88 44 33 22 11 78 56 34 12", "the same, 16 bytes"),
	BAD(M64, "66 66 66 66 66 66 66 66 66 66 48 b8 00 00 00 00 00 00 00 00", "mov r64, imm64 past 15 bytes"),
};

static bool expect(const char *fields, const char *key, long long *val)
{
	size_t kl = strlen(key);
	const char *p = fields;

	while ((p = strstr(p, key))) {
		if ((p == fields || p[-1] == ' ') && p[kl] == '=') {
			*val = strtoll(p + kl + 1, NULL, 0);
			return true;
		}
		p += kl;
	}
	return false;
}

/* Checks the "key=value" expectations; writes the first difference into why. */
static bool check_fields(const struct x86_insn *i, const char *fields, char *why, size_t size)
{
	static const struct { const char *key; } keys[] = {
		{ "os" }, { "as" }, { "map" }, { "op" }, { "modrm" }, { "sib" }, { "dsz" }, { "disp" },
		{ "isz" }, { "imm" }, { "i2sz" }, { "imm2" }, { "base" }, { "idx" }, { "sc" }, { "rip" },
		{ "mem" }, { "seg" }, { "rep" }, { "rex" }, { "pfx" }, { "enc" }, { "vvvv" }, { "vl" },
		{ "mp" }, { "reg" }, { "rm" }, { "vsib" },
	};
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		long long want, got;

		if (!expect(fields, keys[k].key, &want))
			continue;
		switch (k) {
		case 0: got = i->op_size; break;
		case 1: got = i->addr_size; break;
		case 2: got = i->map; break;
		case 3: got = i->opcode; break;
		case 4: got = i->modrm; break;
		case 5: got = i->sib; break;
		case 6: got = i->disp_size; break;
		case 7: got = i->disp; break;
		case 8: got = i->imm_size; break;
		case 9: got = (long long)i->imm; break;
		case 10: got = i->imm2_size; break;
		case 11: got = (long long)i->imm2; break;
		case 12: got = i->mem_base; break;
		case 13: got = i->mem_index; break;
		case 14: got = i->mem_scale; break;
		case 15: got = i->rip_relative; break;
		case 16: got = i->has_mem; break;
		case 17: got = i->seg; break;
		case 18: got = i->rep; break;
		case 19: got = i->rex; break;
		case 20: got = i->prefixes & want; break;
		case 21: got = i->encoding; break;
		case 22: got = i->vvvv; break;
		case 23: got = i->vl; break;
		case 24: got = i->mandatory; break;
		case 25: got = i->reg; break;
		case 26: got = i->rm; break;
		default: got = i->vsib; break;
		}
		if (got != want) {
			snprintf(why, size, "%s=%lld, want %lld", keys[k].key, got, want);
			return false;
		}
	}
	return true;
}

static void run_hand_cases(void)
{
	for (size_t c = 0; c < ARRAY_SIZE(hcases); c++) {
		const struct hcase *h = &hcases[c];
		char name[160], why[200] = "";
		struct x86_insn in;
		ZydisDecodedInstruction zi;
		ZyanStatus zs;
		u8 b[32];
		int n, r;
		bool ok = true;

		n = parse_hex(h->hex, b, sizeof(b));
		snprintf(name, sizeof(name), "decode %s %s: %s", mode_name[h->mode], h->hex, h->name);
		r = x86_decode(b, n, h->mode, &in);
		if (h->ret == -EINVAL && r == -E2BIG) {
			/* Invalid only once more bytes arrive: give it padding to decide. */
			memset(b + n, 0, sizeof(b) - n);
			r = x86_decode(b, sizeof(b), h->mode, &in);
		}
		if (r != h->ret) {
			snprintf(why, sizeof(why), "returned %d, want %d", r, h->ret);
			ok = false;
		} else if (!r && in.len != h->len) {
			snprintf(why, sizeof(why), "length %u, want %d", in.len, h->len);
			ok = false;
		} else if (!r && !check_fields(&in, h->fields, why, sizeof(why))) {
			ok = false;
		}
		/* Every truncation of a valid instruction asks for more bytes. */
		for (int cut = 0; ok && !r && cut < in.len; cut++) {
			struct x86_insn t;
			int rt = x86_decode(b, cut, h->mode, &t);

			if (rt != -E2BIG) {
				snprintf(why, sizeof(why), "cut at %d returned %d, want -E2BIG", cut, rt);
				ok = false;
			}
		}
		/* The >15 cases: the length says the limit was the reason. */
		if (ok && h->ret == -EINVAL && strstr(h->name, "16 bytes") && in.len != 16) {
			snprintf(why, sizeof(why), "len %u, want 16 for the length limit", in.len);
			ok = false;
		}
		/* And Zydis agrees. */
		if (ok) {
			memset(b + n, 0x90, sizeof(b) - n);
			zs = ZydisDecoderDecodeInstruction(&zydis[h->mode], NULL, b, h->ret ? sizeof(b) : (size_t)n, &zi);
			if (ZYAN_SUCCESS(zs) != (h->ret == 0) || (!h->ret && zi.length != h->len)) {
				snprintf(why, sizeof(why), "Zydis says %s (status %x, length %u)",
					 ZYAN_SUCCESS(zs) ? "valid" : "invalid", (unsigned)zs,
					 ZYAN_SUCCESS(zs) ? zi.length : 0);
				ok = false;
			}
		}
		unit_check(ok, name, "%s", why);
	}
}

/* Effective addresses and default segments, by hand. */
static void run_address_cases(void)
{
	u64 gpr[16];
	struct x86_insn i;
	u8 b[16];
	int n;

	for (int k = 0; k < 16; k++)
		gpr[k] = 0x1000ULL * (k + 1) + 0xfffff00000000ULL * (k & 1);

	n = parse_hex("43 8b 84 c8 00 01 00 00", b, 16);	/* [r8+r9*8+0x100] */
	x86_decode(b, n, M64, &i);
	CHECK_U64("ea [r8+r9*8+0x100]", x86_insn_effective_address(&i, gpr, 0),
		  gpr[8] + gpr[9] * 8 + 0x100);
	n = parse_hex("48 8b 05 f0 ff ff ff", b, 16);		/* [rip-16] */
	x86_decode(b, n, M64, &i);
	CHECK_U64("ea [rip-16] is relative to the next instruction",
		  x86_insn_effective_address(&i, gpr, 0x401007), 0x400ff7);
	n = parse_hex("67 8b 05 f0 ff ff ff", b, 16);		/* [eip-16] */
	x86_decode(b, n, M64, &i);
	CHECK_U64("ea [eip-16] wraps to 32 bits", x86_insn_effective_address(&i, gpr, 0x8), 0xfffffff8);
	n = parse_hex("67 8b 44 88 fc", b, 16);			/* [eax+ecx*4-4], 32-bit addressing */
	x86_decode(b, n, M64, &i);
	CHECK_U64("ea with 67 wraps to 32 bits", x86_insn_effective_address(&i, gpr, 0),
		  (gpr[0] + gpr[1] * 4 - 4) & 0xffffffff);
	gpr[3] = 0xfff0;
	gpr[6] = 0x20;
	n = parse_hex("8b 40 f0", b, 16);			/* [bx+si-16] */
	x86_decode(b, n, M16, &i);
	CHECK_U64("ea [bx+si-16] wraps to 16 bits", x86_insn_effective_address(&i, gpr, 0), 0x0000);
	n = parse_hex("8b 46 fe", b, 16);
	x86_decode(b, n, M16, &i);
	CHECK_INT("segment of [bp-2] is SS", x86_insn_segment(&i), 2);
	n = parse_hex("8b 04 24", b, 16);
	x86_decode(b, n, M32, &i);
	CHECK_INT("segment of [esp] is SS", x86_insn_segment(&i), 2);
	n = parse_hex("41 8b 45 00", b, 16);
	x86_decode(b, n, M64, &i);
	CHECK_INT("segment of [r13] is DS", x86_insn_segment(&i), 3);
	n = parse_hex("26 8b 45 00", b, 16);
	x86_decode(b, n, M32, &i);
	CHECK_INT("an override wins over SS", x86_insn_segment(&i), 0);
	n = parse_hex("a1 44 33 22 11", b, 16);
	x86_decode(b, n, M32, &i);
	CHECK_U64("ea of moffs", x86_insn_effective_address(&i, gpr, 0), 0x11223344);
	n = parse_hex("89 c8", b, 16);
	x86_decode(b, n, M64, &i);
	CHECK_U64("ea without a memory operand is 0", x86_insn_effective_address(&i, gpr, 0), 0);
	CHECK_INT("bad mode", x86_decode(b, n, (enum x86_cpu_mode)7, &i), -EINVAL);
}

/* Inputs that end before the instruction can be judged. */
static void run_short_cases(void)
{
	static const struct { enum x86_cpu_mode mode; const char *hex; } cases[] = {
		{ M64, "" }, { M64, "40" }, { M64, "66" }, { M64, "0f" }, { M64, "0f 38" }, { M64, "c4" },
		{ M64, "c4 e1" }, { M64, "62 f1 7c" }, { M32, "c5" }, { M32, "62" }, { M32, "8f" },
		{ M16, "0f 0f c0" }, { M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66" },
	};
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct x86_insn i;
		char name[100];
		u8 b[16];
		int n = parse_hex(cases[c].hex, b, 16);

		snprintf(name, sizeof(name), "decode %s '%s': needs more bytes", mode_name[cases[c].mode],
			 cases[c].hex);
		CHECK_INT(name, x86_decode(b, n, cases[c].mode, &i), -E2BIG);
	}
}

/* ------------------------------------------------------------------ random sweep */

static u64 lcg_state;

static u32 rnd(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (u32)(lcg_state >> 33);
}

/* Random bytes biased toward prefixes and the escape bytes (0F, C4, C5, 62, 8F). */
static void generate(u8 *b, int size, enum x86_cpu_mode mode)
{
	static const u8 prefixes[] = {
		0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0xf3, 0xf2,
		0x40, 0x41, 0x44, 0x48, 0x4c, 0x4f, 0x45, 0x49,
	};
	static const u8 evex_maps[] = { 1, 2, 3, 5, 6 };
	int p = 0, n, k;
	bool legacy = mode != M64;

	for (k = 0; k < size; k++)
		b[k] = (u8)rnd();
	k = rnd() % 100;
	n = k < 55 ? 0 : k < 75 ? 1 : k < 87 ? 2 : 3 + rnd() % 4;
	for (k = 0; k < n; k++)
		b[p++] = prefixes[rnd() % (legacy ? 14 : ARRAY_SIZE(prefixes))];
	switch (rnd() % 20) {
	case 8: case 9: case 10:
		b[p] = 0x0f;
		break;
	case 11:
		b[p] = 0x0f;
		b[p + 1] = 0x38;
		break;
	case 12:
		b[p] = 0x0f;
		b[p + 1] = 0x3a;
		break;
	case 13:
		b[p] = 0x0f;
		b[p + 1] = 0x0f;
		break;
	case 14: case 15:
		b[p] = 0xc4;
		if (rnd() % 8)
			b[p + 1] = (b[p + 1] & 0xe0) | (1 + rnd() % 3);
		if (legacy && rnd() % 8)
			b[p + 1] |= 0xc0;
		if (rnd() % 2)
			b[p + 2] = (b[p + 2] & 0xfc) | 1;	/* pp = 66, the most common */
		break;
	case 16:
		b[p] = 0xc5;
		if (legacy && rnd() % 8)
			b[p + 1] |= 0xc0;
		if (rnd() % 2)
			b[p + 1] = (b[p + 1] & 0xfc) | 1;
		break;
	case 17: case 18:
		b[p] = 0x62;
		if (rnd() % 10)
			b[p + 1] = (b[p + 1] & 0xf0) | evex_maps[rnd() % 5];
		if (legacy && rnd() % 8)
			b[p + 1] |= 0xc0;
		if (rnd() % 10)
			b[p + 2] |= 0x04;
		if (rnd() % 3)
			b[p + 2] = (b[p + 2] & 0xfc) | 1;	/* pp = 66 */
		if (rnd() % 10)
			b[p + 3] &= 0x7f;	/* z mostly clear */
		if (rnd() % 6)
			b[p + 3] &= 0xef;	/* b mostly clear */
		if ((b[p + 3] & 0x60) == 0x60 && rnd() % 8)
			b[p + 3] &= 0xbf;	/* L'L mostly valid */
		if (rnd() % 6)
			b[p + 3] |= 0x08;	/* V' mostly 1 */
		break;
	case 19:
		b[p] = 0x8f;
		if (rnd() % 4)
			b[p + 1] = (b[p + 1] & 0xe0) | (8 + rnd() % 3);
		if (rnd() % 4)
			b[p + 2] &= 0xfc;	/* XOP.pp must be 0 */
		break;
	default:
		break;	/* any byte */
	}
}

static int zydis_map(const struct x86_insn *i)
{
	if (i->encoding == X86_ENC_3DNOW)
		return ZYDIS_OPCODE_MAP_0F0F;
	if (i->encoding == X86_ENC_XOP)
		return ZYDIS_OPCODE_MAP_XOP8 + (i->map - X86_MAP_XOP8);
	return i->map;
}

static int reg_number(ZydisRegister r)
{
	if (r == ZYDIS_REGISTER_NONE)
		return X86_REG_NONE;
	return ZydisRegisterGetId(r);
}

static u64 mask_bytes(u64 v, int size)
{
	return size >= 8 ? v : v & ((1ULL << (size * 8)) - 1);
}

/* Compares what both decoders found for a valid instruction; writes the first difference. */
static bool compare_fields(const struct x86_insn *in, const ZydisDecodedInstruction *zi,
			   const ZydisDecodedOperand *ops, const u64 *gpr, char *why, size_t size)
{
	const ZydisDecodedOperand *mop = NULL;
	int zimm = 0;

	/* (Zydis gives some instructions without memory operands a fixed width, e.g. ENCLV.) */
	if (in->has_mem && (zi->address_width / 8) != in->addr_size) {
		snprintf(why, size, "address size %u, Zydis %u", in->addr_size * 8, zi->address_width);
		return false;
	}
	if ((int)zi->opcode_map != zydis_map(in) || (in->encoding != X86_ENC_3DNOW && zi->opcode != in->opcode)) {
		snprintf(why, size, "map/opcode %d/%02x, Zydis %d/%02x", zydis_map(in), in->opcode,
			 zi->opcode_map, zi->opcode);
		return false;
	}
	if (!!(zi->attributes & ZYDIS_ATTRIB_HAS_MODRM) != in->has_modrm ||
	    (in->has_modrm && ((zi->raw.modrm.mod << 6) | (zi->raw.modrm.reg << 3) | zi->raw.modrm.rm) != in->modrm)) {
		snprintf(why, size, "ModRM %d/%02x differs from Zydis", in->has_modrm, in->modrm);
		return false;
	}
	if (!!(zi->attributes & ZYDIS_ATTRIB_HAS_SIB) != in->has_sib) {
		snprintf(why, size, "SIB presence %d differs from Zydis", in->has_sib);
		return false;
	}
	if (zi->raw.disp.size / 8 != in->disp_size ||
	    (in->disp_size && (zi->raw.disp.offset != in->disp_offset ||
			       mask_bytes((u64)zi->raw.disp.value, in->disp_size) !=
			       mask_bytes((u64)in->disp, in->disp_size)))) {
		snprintf(why, size, "displacement %u bytes %" PRIx64 " at %u, Zydis %u bytes %" PRIx64 " at %u",
			 in->disp_size, (u64)in->disp, in->disp_offset, zi->raw.disp.size / 8,
			 (u64)zi->raw.disp.value, zi->raw.disp.offset);
		return false;
	}
	for (int k = 0; k < 2; k++)
		zimm += zi->raw.imm[k].size != 0;
	if (zimm != (in->imm_size != 0) + (in->imm2_size != 0) ||
	    (in->imm_size && (zi->raw.imm[0].size / 8 != in->imm_size || zi->raw.imm[0].offset != in->imm_offset ||
			      mask_bytes(zi->raw.imm[0].value.u, in->imm_size) != in->imm)) ||
	    (in->imm2_size && (zi->raw.imm[1].size / 8 != in->imm2_size ||
			       mask_bytes(zi->raw.imm[1].value.u, in->imm2_size) != in->imm2))) {
		snprintf(why, size, "immediates %u/%u bytes, Zydis %u/%u", in->imm_size, in->imm2_size,
			 zi->raw.imm[0].size / 8, zi->raw.imm[1].size / 8);
		return false;
	}
	for (int k = 0; k < zi->operand_count; k++) {
		if (ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ops[k].visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT) {
			mop = &ops[k];
			break;
		}
	}
	if (!mop != !in->has_mem) {
		snprintf(why, size, "memory operand %d, Zydis %d", in->has_mem, !!mop);
		return false;
	}
	if (mop) {
		bool zrip = mop->mem.base == ZYDIS_REGISTER_RIP || mop->mem.base == ZYDIS_REGISTER_EIP;
		int zbase = zrip ? X86_REG_NONE : reg_number(mop->mem.base);
		int zindex = reg_number(mop->mem.index);
		int zscale = mop->mem.scale ? mop->mem.scale : 1;

		if (zrip != in->rip_relative || zbase != in->mem_base || zindex != in->mem_index ||
		    (zindex != X86_REG_NONE && zscale != in->mem_scale)) {
			snprintf(why, size, "memory base/index/scale/rip %d/%d/%d/%d, Zydis %d/%d/%d/%d",
				 in->mem_base, in->mem_index, in->mem_scale, in->rip_relative,
				 zbase, zindex, zscale, zrip);
			return false;
		}
		/* The effective address, against Zydis' calculation with the same registers. */
		if (!in->vsib && !in->disp8_scaled && mop->mem.type != ZYDIS_MEMOP_TYPE_MIB) {
			static ZydisRegisterContext ctx;
			static const ZydisRegister r64[16] = {
				ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RBX,
				ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI,
				ZYDIS_REGISTER_R8, ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R11,
				ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R15,
			};
			static const ZydisRegister r32[16] = {
				ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_ECX, ZYDIS_REGISTER_EDX, ZYDIS_REGISTER_EBX,
				ZYDIS_REGISTER_ESP, ZYDIS_REGISTER_EBP, ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_EDI,
				ZYDIS_REGISTER_R8D, ZYDIS_REGISTER_R9D, ZYDIS_REGISTER_R10D, ZYDIS_REGISTER_R11D,
				ZYDIS_REGISTER_R12D, ZYDIS_REGISTER_R13D, ZYDIS_REGISTER_R14D, ZYDIS_REGISTER_R15D,
			};
			static const ZydisRegister r16[16] = {
				ZYDIS_REGISTER_AX, ZYDIS_REGISTER_CX, ZYDIS_REGISTER_DX, ZYDIS_REGISTER_BX,
				ZYDIS_REGISTER_SP, ZYDIS_REGISTER_BP, ZYDIS_REGISTER_SI, ZYDIS_REGISTER_DI,
				ZYDIS_REGISTER_R8W, ZYDIS_REGISTER_R9W, ZYDIS_REGISTER_R10W, ZYDIS_REGISTER_R11W,
				ZYDIS_REGISTER_R12W, ZYDIS_REGISTER_R13W, ZYDIS_REGISTER_R14W, ZYDIS_REGISTER_R15W,
			};
			const u64 rip = 0xfffffffffff01000ULL;
			ZyanU64 zea;
			u64 ea;

			for (int k = 0; k < 16; k++) {
				ctx.values[r64[k]] = gpr[k];
				ctx.values[r32[k]] = (u32)gpr[k];
				ctx.values[r16[k]] = (u16)gpr[k];
			}
			ea = x86_insn_effective_address(in, gpr, rip + in->len);
			if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddressEx(zi, mop, rip, &ctx, &zea)) &&
			    (u64)zea != ea) {
				snprintf(why, size, "effective address %" PRIx64 ", Zydis %" PRIx64, ea, (u64)zea);
				return false;
			}
		}
	}
	return true;
}

struct sweep_stats {
	unsigned long compared, zydis_valid, both_valid, mismatches, field_diffs;
	unsigned long valid_by_encoding[5];
	unsigned long classes[MC_COUNT];
	unsigned printed;
};

/* Decodes b[0..24) with both decoders and records the outcome in st. */
static void compare_one(const u8 *b, enum x86_cpu_mode mode, struct sweep_stats *st)
{
	struct x86_insn in;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZyanStatus zs;
	enum mismatch_class mc;
	char hex[100], why[240];
	u64 gpr[16];
	int r;

	r = x86_decode(b, 24, mode, &in);
	zs = ZydisDecoderDecodeFull(&zydis[mode], b, 24, &zi, ops);
	st->compared++;
	st->zydis_valid += ZYAN_SUCCESS(zs);
	if ((r == 0) == ZYAN_SUCCESS(zs) && (r || in.len == zi.length)) {
		if (r)
			return;
		st->both_valid++;
		st->valid_by_encoding[in.encoding]++;
		if (mode == M64 && in.addr_size == 4 && in.has_sib && in.mod == 0 &&
		    (in.sib & 7) == 5 && in.rex_b) {
			st->classes[MC_ZYDIS_R13D_DISP32]++;
			return;
		}
		for (int k = 0; k < 16; k++)
			gpr[k] = ((u64)rnd() << 32) | rnd();
		if (!compare_fields(&in, &zi, ops, gpr, why, sizeof(why))) {
			st->field_diffs++;
			if (st->printed++ < 20) {
				hex_string(b, in.len, hex, sizeof(hex));
				unit_check(false, "sweep: fields agree with Zydis", "%s, %s: %s",
					   mode_name[mode], hex, why);
			}
		}
		return;
	}
	mc = classify(mode, r, &in, zs, &zi);
	if (mc != MC_NONE) {
		st->classes[mc]++;
		return;
	}
	st->mismatches++;
	if (st->printed++ < 20) {
		hex_string(b, 16, hex, sizeof(hex));
		unit_check(false, "sweep: decoder agrees with Zydis",
			   "%s, %s: ours %d len %u, Zydis %s status %x len %u",
			   mode_name[mode], hex, r, in.len,
			   ZYAN_SUCCESS(zs) ? ZydisMnemonicGetString(zi.mnemonic) : "invalid",
			   (unsigned)zs, ZYAN_SUCCESS(zs) ? zi.length : 0);
	}
}

static void sweep(enum x86_cpu_mode mode, unsigned long count, struct sweep_stats *st)
{
	for (unsigned long t = 0; t < count; t++) {
		u8 b[24];

		generate(b, sizeof(b), mode);
		compare_one(b, mode, st);
	}
}

/*
 * Every opcode of every map, with each ModRM.reg value in a memory and a register form,
 * under several prefix sets; and every VEX/XOP/EVEX map, opcode, pp, L and W.
 */
static void structured_sweep(enum x86_cpu_mode mode, struct sweep_stats *st)
{
	static const char *const prefixes[] = { "", "66", "f3", "f2", "f0", "67", "f3 66", "48", "44 66" };
	static const char *const escapes[] = { "", "0f", "0f 38", "0f 3a" };
	static const u8 evex_maps[] = { 1, 2, 3, 5, 6 };
	static const u8 tail[24] = { 0x24, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
				     0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x90, 0x90, 0x90, 0x90, 0x90 };
	u8 b[24];

	for (size_t p = 0; p < ARRAY_SIZE(prefixes); p++) {
		if (mode != M64 && p >= 7)
			break;	/* REX prefixes are INC/DEC there */
		for (size_t e = 0; e < ARRAY_SIZE(escapes); e++)
			for (int op = 0; op < 256; op++)
				for (int m = 0; m < 16; m++) {
					int n = parse_hex(prefixes[p], b, 24);

					n += parse_hex(escapes[e], b + n, 24 - n);
					b[n++] = (u8)op;
					b[n++] = (u8)((m & 8 ? 0xc0 : 0x04) | (m & 7) << 3 | (m & 8 ? m & 7 : 0));
					memcpy(b + n, tail, 24 - n);
					compare_one(b, mode, st);
				}
	}
	for (int kind = 0; kind < 3; kind++)
		for (int map = 0; map < (kind == 2 ? 5 : 3); map++)
			for (int op = 0; op < 256; op++)
				for (int pp = 0; pp < 4; pp++)
					for (int lw = 0; lw < (kind == 2 ? 6 : 4); lw++)
						for (int m = 0; m < 4; m++) {
							int w = lw & 1, l = lw >> 1;
							u8 modrm = m == 0 ? 0x04 : m == 1 ? 0x48 : m == 2 ? 0xc1 : 0xd8;

							if (kind == 1 && pp)
								continue;
							if (kind == 2) {	/* EVEX, opmask k1 */
								b[0] = 0x62;
								b[1] = 0xf0 | evex_maps[map];
								b[2] = (u8)(w << 7 | 0x7c | pp);
								b[3] = (u8)(l << 5 | 0x09);
								b[4] = (u8)op;
								b[5] = modrm;
								memcpy(b + 6, tail, 18);
							} else {	/* VEX3 or XOP */
								b[0] = kind ? 0x8f : 0xc4;
								b[1] = (u8)(0xe0 | ((kind ? 8 : 1) + map));
								b[2] = (u8)(w << 7 | 0x78 | l << 2 | pp);
								b[3] = (u8)op;
								b[4] = modrm;
								memcpy(b + 5, tail, 19);
							}
							compare_one(b, mode, st);
						}
}

/* DECODE_SWEEP_COUNT and DECODE_SWEEP_SEED make a longer or different run by hand. */
static void run_sweep(void)
{
	const char *count_env = getenv("DECODE_SWEEP_COUNT"), *seed_env = getenv("DECODE_SWEEP_SEED");
	const unsigned long per_mode = count_env ? strtoul(count_env, NULL, 0) : 250000;
	const u64 seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x5eed0000ULL;

	for (int m = M16; m <= M64; m++) {
		struct sweep_stats st = { 0 };
		unsigned long both;
		char name[300];

		lcg_state = seed + m;
		sweep(m, per_mode, &st);
		snprintf(name, sizeof(name),
			 "sweep %s: %lu random instructions, %lu valid for Zydis, %lu valid for both "
			 "(legacy %lu, 3DNow! %lu, VEX %lu, EVEX %lu, XOP %lu): validity and length agree",
			 mode_name[m], st.compared, st.zydis_valid, st.both_valid,
			 st.valid_by_encoding[X86_ENC_LEGACY], st.valid_by_encoding[X86_ENC_3DNOW],
			 st.valid_by_encoding[X86_ENC_VEX], st.valid_by_encoding[X86_ENC_EVEX],
			 st.valid_by_encoding[X86_ENC_XOP]);
		unit_check(st.mismatches == 0, name, "%lu mismatches", st.mismatches);
		snprintf(name, sizeof(name), "sweep %s: fields of the %lu valid for both agree with Zydis "
			 "(map, opcode, ModRM, SIB, displacement, immediates, address size, memory "
			 "operand, effective address)", mode_name[m], st.both_valid);
		unit_check(st.field_diffs == 0, name, "%lu differ", st.field_diffs);
		both = st.both_valid;
		structured_sweep(m, &st);
		snprintf(name, sizeof(name),
			 "structured sweep %s: %lu encodings (each opcode x ModRM x prefixes; each "
			 "VEX/XOP/EVEX map x opcode x pp x L x W), %lu valid for both: all agree",
			 mode_name[m], st.compared - per_mode, st.both_valid - both);
		unit_check(st.mismatches == 0 && st.field_diffs == 0, name, "%lu mismatches, %lu field differences",
			   st.mismatches, st.field_diffs);
		for (int c = MC_NONE + 1; c < MC_COUNT; c++) {
			snprintf(name, sizeof(name), "sweeps %s: %lu documented disagreements: %s",
				 mode_name[m], st.classes[c], class_name[c]);
			unit_check(true, name, "%s", "");
		}
	}
}

int main(void)
{
	zydis_init();
	run_hand_cases();
	run_address_cases();
	run_short_cases();
	run_sweep();
	return unit_summary();
}
