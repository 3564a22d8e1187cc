/*
 * The XSAVE layout from CPUID leaf 0xD (arch/x86/xstate.c): offsets and sizes in both formats
 * for constructed CPUID tables (a Skylake-SP, an AMX part, alignment corner cases, malformed
 * sizes), the compacted size against the rule Linux applies to CPUID 0xD.1 EBX for random
 * component sets, and, where the build machine has them, its own CPUID sizes and XSAVEC.
 */
// unit-deps: arch/x86/xstate.c
#include "tests/unit/unit.h"
#include "arch/x86/xstate.h"
#include <stdlib.h>

/* CPUID 0xD sub-leaves of a table: {sub-leaf, eax, ebx, ecx, edx}. */
struct subleaf {
	u32 sub, eax, ebx, ecx, edx;
};

static void layout_from(struct xstate_layout *l, const struct subleaf *t, size_t n)
{
	struct cpuid_regs leaf[XSTATE_COMPONENTS] = { { 0 } };

	for (size_t i = 0; i < n; i++)
		leaf[t[i].sub] = (struct cpuid_regs){ t[i].eax, t[i].ebx, t[i].ecx, t[i].edx };
	xstate_layout_parse(l, leaf);
}

/*
 * Linux's check (arch/x86/kernel/fpu/xstate.c, paranoid_xstate_size_valid): the size of the
 * compacted area is the offset of the highest enabled component plus its size, 576 when
 * nothing above SSE is enabled; each offset comes from walking the enabled components upwards
 * from 576, rounding up to 64 where CPUID sets the alignment bit.  Written out again here so
 * the hypervisor's EBX is compared with what the kernel will compute from the same table.
 */
static u32 linux_rule_size(const struct xstate_layout *l, u64 mask)
{
	int top = 63 - __builtin_clzll(mask | 1);
	u32 offs = 576;

	if (top <= 1)
		return 576;
	for (int i = 2; i <= top; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		if (l->align64[i])
			offs = (offs + 63) & ~63u;
		if (i == top)
			break;
		offs += l->size[i];
	}
	return offs + l->size[top];
}

/* Every listed component starts at or after the previous one's end, 64-aligned where asked. */
static bool offsets_consistent(const struct xstate_layout *l, u64 mask)
{
	u64 end = 576;

	for (u32 i = 2; i < 63; i++) {
		u32 at;

		if (!(mask & (1ULL << i)))
			continue;
		at = xstate_compacted_offset(l, mask, i);
		if (at < end || (l->align64[i] && (at & 63)) || (!l->align64[i] && at != end))
			return false;
		end = (u64)at + l->size[i];
	}
	return end == xstate_compacted_size(l, mask) || mask < 4;
}

static void random_masks(const char *what, const struct xstate_layout *l, unsigned seed)
{
	u64 all = l->user | l->supervisor;
	unsigned bad_rule = 0, bad_order = 0;
	char name[128];

	srand(seed);
	for (int n = 0; n < 2000; n++) {
		u64 m = 3;

		for (u32 i = 2; i < 63; i++)
			if ((all & (1ULL << i)) && (rand() & 1))
				m |= 1ULL << i;
		if (xstate_compacted_size(l, m) != linux_rule_size(l, m))
			bad_rule++;
		if (!offsets_consistent(l, m))
			bad_order++;
	}
	snprintf(name, sizeof(name), "%s: compacted size is Linux's for 2000 random component sets",
		 what);
	CHECK_U64(name, bad_rule, 0);
	snprintf(name, sizeof(name), "%s: compacted offsets follow each other, aligned where asked",
		 what);
	CHECK_U64(name, bad_order, 0);
}

/* An Intel Xeon Skylake-SP: x87 .. AVX-512, MPX, PKRU, and Processor Trace (supervisor). */
static const struct subleaf skylake_sp[] = {
	{ 0, 0x2ff, 0xa88, 0xa88, 0 }, { 1, 0xf, 0xa88, 0x100, 0 },
	{ 2, 0x100, 0x240, 0, 0 },	/* AVX */
	{ 3, 0x40, 0x3c0, 0, 0 },	/* MPX BNDREGS */
	{ 4, 0x40, 0x400, 0, 0 },	/* MPX BNDCSR */
	{ 5, 0x40, 0x440, 0, 0 },	/* AVX-512 opmask */
	{ 6, 0x200, 0x480, 0, 0 },	/* ZMM_Hi256 */
	{ 7, 0x400, 0x680, 0, 0 },	/* Hi16_ZMM */
	{ 8, 0x80, 0, 1, 0 },		/* PT: supervisor */
	{ 9, 0x8, 0xa80, 0, 0 },	/* PKRU */
};

/* An AMX part (Sapphire Rapids): no MPX; TILECFG and TILEDATA 64-byte aligned. */
static const struct subleaf amx[] = {
	{ 0, 0x602e7, 0, 0x2b00, 0 }, { 1, 0x1f, 0, 0x1900, 0 },
	{ 2, 0x100, 0x240, 0, 0 }, { 5, 0x40, 0x440, 0, 0 }, { 6, 0x200, 0x480, 0, 0 },
	{ 7, 0x400, 0x680, 0, 0 }, { 8, 0x80, 0, 1, 0 }, { 9, 0x8, 0xa80, 0, 0 },
	{ 11, 0x10, 0, 1, 0 }, { 12, 0x18, 0, 1, 0 },	/* CET: supervisor */
	{ 17, 0x40, 0xac0, 2, 0 }, { 18, 0x2000, 0xb00, 6, 0 },
};

/* Alignment corner cases: an 8-byte component before an aligned one, an aligned first one. */
static const struct subleaf odd[] = {
	{ 0, 0x3f, 0, 0, 0 }, { 1, 0x2, 0, 0, 0 },
	{ 2, 0x8, 0x240, 2, 0 }, { 3, 0x8, 0x248, 0, 0 }, { 4, 0x28, 0x280, 2, 0 },
	{ 5, 0x4, 0x2a8, 0, 0 },
	{ 7, 0x40, 0x300, 2, 0 },	/* not listed in sub-leaf 0: ignored */
};

/* Hostile sizes and offsets must saturate, not wrap. */
static const struct subleaf huge[] = {
	{ 0, 0x7, 0, 0, 0x1 }, { 1, 0x2, 0, 0, 0 },
	{ 2, 0xffffffff, 0xffffffff, 0, 0 }, { 32, 0xffffffff, 0xfffffff0, 2, 0 },
};

static void check_tables(void)
{
	struct xstate_layout l;

	layout_from(&l, skylake_sp, sizeof(skylake_sp) / sizeof(skylake_sp[0]));
	CHECK_U64("skylake-sp: user components", l.user, 0x2ff);
	CHECK_U64("skylake-sp: supervisor components", l.supervisor, 0x100);
	CHECK_U64("skylake-sp: standard size, all user components (0xD.0 ECX)",
		  xstate_standard_size(&l, l.user), 0xa88);
	CHECK_U64("skylake-sp: standard size, x87|SSE", xstate_standard_size(&l, 3), 576);
	CHECK_U64("skylake-sp: standard size, x87|SSE|AVX", xstate_standard_size(&l, 7), 832);
	CHECK_U64("skylake-sp: standard size, Linux's 0xe7 (AVX-512 without MPX)",
		  xstate_standard_size(&l, 0xe7), 2688);
	CHECK_U64("skylake-sp: compacted size, x87 only", xstate_compacted_size(&l, 1), 576);
	CHECK_U64("skylake-sp: compacted size, x87|SSE|AVX", xstate_compacted_size(&l, 7), 832);
	/* The size Linux 6.1 computed under Bochs' Skylake-X model (its dmesg warning). */
	CHECK_U64("skylake-sp: compacted size for 0xe7 is 2432", xstate_compacted_size(&l, 0xe7),
		  2432);
	CHECK_U64("skylake-sp: compacted size, all user components",
		  xstate_compacted_size(&l, 0x2ff), 2568);
	CHECK_U64("skylake-sp: compacted size with PT (XSAVES)", xstate_compacted_size(&l, 0x3ff),
		  2696);
	CHECK_U64("skylake-sp: compacted AVX offset", xstate_compacted_offset(&l, 0xe7, 2), 576);
	CHECK_U64("skylake-sp: compacted opmask offset without MPX",
		  xstate_compacted_offset(&l, 0xe7, 5), 832);
	CHECK_U64("skylake-sp: compacted opmask offset with MPX",
		  xstate_compacted_offset(&l, 0xff, 5), 960);
	CHECK_U64("skylake-sp: compacted Hi16_ZMM offset", xstate_compacted_offset(&l, 0xe7, 7),
		  1408);
	CHECK_U64("skylake-sp: a component not in XCOMP_BV has no offset",
		  xstate_compacted_offset(&l, 0xe3, 2), 0);
	CHECK_U64("skylake-sp: XCOMP_BV bit 63 is the format, not a component",
		  xstate_compacted_size(&l, XSTATE_XCOMP_BV_COMPACTED | 7), 832);
	CHECK_U64("skylake-sp: legacy offsets", xstate_compacted_offset(&l, 7, 0) +
		  xstate_compacted_offset(&l, 7, 1), 160);
	random_masks("skylake-sp", &l, 1);

	layout_from(&l, amx, sizeof(amx) / sizeof(amx[0]));
	CHECK_U64("amx: standard size, all user components (0xD.0 ECX)",
		  xstate_standard_size(&l, l.user), 0x2b00);
	CHECK_U64("amx: compacted TILECFG offset aligned past PKRU",
		  xstate_compacted_offset(&l, 0x602e7, 17), 2496);
	CHECK_U64("amx: compacted TILEDATA offset", xstate_compacted_offset(&l, 0x602e7, 18), 2560);
	CHECK_U64("amx: compacted size, all user components", xstate_compacted_size(&l, 0x602e7),
		  10752);
	CHECK_U64("amx: compacted size with CET, without AMX (XSAVES)",
		  xstate_compacted_size(&l, 0x1ae7), 2440 + 0x10 + 0x18);
	CHECK_U64("amx: compacted TILECFG offset after CET", xstate_compacted_offset(&l, 0x61ae7, 17),
		  2496);
	random_masks("amx", &l, 2);

	layout_from(&l, odd, sizeof(odd) / sizeof(odd[0]));
	CHECK_U64("odd: a component sub-leaf 0 does not list is ignored", l.size[7], 0);
	CHECK_U64("odd: aligned first component", xstate_compacted_offset(&l, 0x3f, 2), 576);
	CHECK_U64("odd: unaligned component right after", xstate_compacted_offset(&l, 0x3f, 3), 584);
	CHECK_U64("odd: aligned component rounds up", xstate_compacted_offset(&l, 0x3f, 4), 640);
	CHECK_U64("odd: compacted size ends at the last component", xstate_compacted_size(&l, 0x3f),
		  684);
	CHECK_U64("odd: without component 3", xstate_compacted_offset(&l, 0x37, 4), 640);
	CHECK_U64("odd: only the aligned component 4", xstate_compacted_size(&l, 0x13), 616);
	CHECK_U64("odd: standard size", xstate_standard_size(&l, 0x3f), 0x2ac);
	random_masks("odd", &l, 3);

	layout_from(&l, huge, sizeof(huge) / sizeof(huge[0]));
	CHECK_U64("huge: compacted size saturates", xstate_compacted_size(&l, l.user), 0xffffffff);
	CHECK_U64("huge: compacted offset saturates", xstate_compacted_offset(&l, l.user, 32),
		  0xffffffff);
	CHECK_U64("huge: standard size saturates", xstate_standard_size(&l, l.user), 0xffffffff);
	CHECK_U64("huge: x87|SSE only", xstate_compacted_size(&l, 3), 576);
}

/* ------------------------------------------------------------------ the build machine */

static struct cpuid_regs host_cpuid(u32 leaf, u32 sub)
{
	struct cpuid_regs r;

	asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(sub));
	return r;
}

static u64 host_xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

/*
 * The build machine's CPU as an oracle: its CPUID sizes for its current XCR0, and where its
 * own XSAVEC puts YMM0 (user mode may run XSAVEC; the kernel has set XCR0).
 */
static void check_build_machine(void)
{
	static const u8 ymm[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
				    0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f };
	struct cpuid_regs leaf[XSTATE_COMPONENTS];
	struct xstate_layout l;
	u64 xcr0, xcomp;
	u32 size;
	size_t len;
	u8 *area;

	if (host_cpuid(0, 0).eax < 0xd || !(host_cpuid(1, 0).ecx & (1u << 27))) {
		printf("SKIP: build machine: no XSAVE enabled by its OS\n");
		return;
	}
	for (u32 i = 0; i < XSTATE_COMPONENTS; i++)
		leaf[i] = host_cpuid(0xd, i);
	xstate_layout_parse(&l, leaf);
	xcr0 = host_xgetbv0();
	CHECK_U64("build machine: standard size for its XCR0 is CPUID 0xD.0 EBX",
		  xstate_standard_size(&l, xcr0), leaf[0].ebx);
	CHECK_U64("build machine: standard size for every component is CPUID 0xD.0 ECX",
		  xstate_standard_size(&l, l.user), leaf[0].ecx);
	if (!(leaf[1].eax & XSTATE_CPUID_XSAVEC)) {
		printf("SKIP: build machine: no XSAVEC\n");
		return;
	}
	/* EBX counts IA32_XSS too, which user space cannot read: compare only without it. */
	if (leaf[1].ecx | leaf[1].edx)
		printf("SKIP: build machine: CPUID 0xD.1 EBX (its IA32_XSS is unknown here)\n");
	else
		CHECK_U64("build machine: compacted size for its XCR0 is CPUID 0xD.1 EBX",
			  xstate_compacted_size(&l, xcr0), leaf[1].ebx);
	if (!(xcr0 & 4)) {
		printf("SKIP: build machine: XSAVEC of YMM0 (AVX not enabled)\n");
		return;
	}
	size = xstate_compacted_size(&l, xcr0);
	len = ((size_t)size + 4096 + 63) & ~(size_t)63;
	area = aligned_alloc(64, len);
	if (!area) {
		printf("FAIL: build machine: no memory for an XSAVE area\n");
		unit_failed++;
		return;
	}
	memset(area, 0xa5, len);
	asm volatile("vmovdqu %1, %%ymm0\n\txsavec64 %0"
		     : "+m"(*(u8(*)[len])area) : "m"(ymm), "a"((u32)xcr0),
		       "d"((u32)(xcr0 >> 32)) : "xmm0", "memory");
	memcpy(&xcomp, area + XSTATE_XCOMP_BV_OFFSET, 8);
	CHECK_U64("build machine: XSAVEC XCOMP_BV is bit 63 | XCR0", xcomp,
		  XSTATE_XCOMP_BV_COMPACTED | xcr0);
	CHECK("build machine: XSAVEC put XMM0 at 160", !memcmp(area + 160, ymm, 16));
	CHECK("build machine: XSAVEC put the upper half of YMM0 at the computed offset",
	      !memcmp(area + xstate_compacted_offset(&l, xcr0, 2), ymm + 16, 16));
	{
		size_t beyond = 0;

		for (size_t i = size; i < len; i++)
			beyond += area[i] != 0xa5;
		CHECK_U64("build machine: XSAVEC wrote nothing past the computed size", beyond, 0);
	}
	free(area);
}

int main(void)
{
	check_tables();
	check_build_machine();
	return unit_summary();
}
