/*
 * The host's XSAVE layout and the start-up check that its XSAVEC writes that layout before
 * guests are offered XSAVEC (Bochs 2.7's writes the extended components elsewhere).
 */
#include "arch/x86/xstate.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define XSTATE_PROBE_FILL 0xa5
#define XSTATE_PROBE_FCW 0x027f		/* not the reset value 0x037f: x87 in use */
#define XSTATE_PROBE_K1 0x5a3c
#define XSTATE_COMPONENT_YMM 2
#define XSTATE_COMPONENT_OPMASK 5

static struct xstate_layout host_layout;
static bool xsavec_usable;
/* The probe's XSAVEC area (plus room to see that nothing is written past its end), and the
 * state it replaces for a moment. */
static u8 probe_area[4096 + 256] __attribute__((aligned(64)));
static u8 saved_area[4096] __attribute__((aligned(64)));
static const u8 probe_ymm[32] = {
	0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f,
	0xf1, 0xe2, 0xd3, 0xc4, 0xb5, 0xa6, 0x97, 0x88, 0x79, 0x6a, 0x5b, 0x4c, 0x3d, 0x2e, 0x1f, 0x01,
};

static u64 xstate_xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static void xstate_xsetbv0(u64 v)
{
	asm volatile("xsetbv" : : "c"(0), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static u64 xstate_load64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool xstate_untouched(const u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != XSTATE_PROBE_FILL)
			return false;
	return true;
}

/*
 * Checks what XSAVEC wrote for rfbm after FCW, YMM0 (with AVX) and k1 (with AVX-512) were given
 * known values; returns NULL or what is wrong (details in buf).
 */
static const char *xstate_check_xsavec(u64 rfbm, bool opmask, char *buf, size_t len)
{
	const struct xstate_layout *l = &host_layout;
	u64 xstate_bv = xstate_load64(probe_area + XSTATE_XSTATE_BV_OFFSET);
	u64 xcomp_bv = xstate_load64(probe_area + XSTATE_XCOMP_BV_OFFSET);
	bool ymm = rfbm & BIT(XSTATE_COMPONENT_YMM);
	u64 need = BIT(0) | (ymm ? BIT(1) | BIT(XSTATE_COMPONENT_YMM) : 0) |
		   (opmask ? BIT(XSTATE_COMPONENT_OPMASK) : 0);
	u32 size = xstate_compacted_size(l, rfbm);
	u16 fcw = (u16)(probe_area[0] | (probe_area[1] << 8));

	if (xcomp_bv != (XSTATE_XCOMP_BV_COMPACTED | rfbm)) {
		fmt_snprintf(buf, len, "XCOMP_BV 0x%llx, expected 0x%llx", (unsigned long long)xcomp_bv,
			     (unsigned long long)(XSTATE_XCOMP_BV_COMPACTED | rfbm));
		return buf;
	}
	if ((xstate_bv & ~rfbm) || (xstate_bv & need) != need) {
		fmt_snprintf(buf, len, "XSTATE_BV 0x%llx, expected 0x%llx within 0x%llx",
			     (unsigned long long)xstate_bv, (unsigned long long)need,
			     (unsigned long long)rfbm);
		return buf;
	}
	if (fcw != XSTATE_PROBE_FCW) {
		fmt_snprintf(buf, len, "FCW 0x%x, expected 0x%x", fcw, XSTATE_PROBE_FCW);
		return buf;
	}
	if (ymm) {
		u32 at = xstate_compacted_offset(l, rfbm, XSTATE_COMPONENT_YMM);

		if (memcmp(probe_area + 160, probe_ymm, 16)) {
			fmt_snprintf(buf, len, "XMM0 is not at offset 160");
			return buf;
		}
		if (memcmp(probe_area + at, probe_ymm + 16, 16)) {
			fmt_snprintf(buf, len, "the upper half of YMM0 is not at offset %u", at);
			return buf;
		}
	}
	if (opmask) {
		u32 at = xstate_compacted_offset(l, rfbm, XSTATE_COMPONENT_OPMASK) + 8;

		if (xstate_load64(probe_area + at) != XSTATE_PROBE_K1) {
			fmt_snprintf(buf, len, "k1 is not at offset %u", at);
			return buf;
		}
	}
	if (!xstate_untouched(probe_area + size, sizeof(probe_area) - size)) {
		fmt_snprintf(buf, len, "it wrote past the %u bytes of the compacted layout", size);
		return buf;
	}
	return NULL;
}

/* Runs XSAVEC on known register contents; the caller's extended state is kept. */
static const char *xstate_probe_xsavec(char *buf, size_t len)
{
	const struct xstate_layout *l = &host_layout;
	u64 old_xcr0 = xstate_xgetbv0(), rfbm = l->user, flags = read_rflags();
	bool opmask;
	const char *why;
	u16 fcw = XSTATE_PROBE_FCW, k1 = XSTATE_PROBE_K1;

	/* Only components whose compacted area fits the buffer, with room to spare. */
	while (rfbm > 3 && xstate_compacted_size(l, rfbm) + 256 > sizeof(probe_area))
		rfbm &= ~BIT(63 - __builtin_clzll(rfbm));
	opmask = (rfbm & BIT(XSTATE_COMPONENT_OPMASK)) && (cpuid(7, 0).ebx & BIT(16));	/* AVX512F */

	cpu_cli();
	/* Every component on, as the scheduler's own switch has them (vm/sched.c). */
	xstate_xsetbv0(l->user);
	asm volatile("xsave64 %0" : "=m"(saved_area) : "a"(~0U), "d"(~0U) : "memory");
	asm volatile("fldcw %0" : : "m"(fcw));
	/* VEX-encoded, so it needs no CR4.OSFXSR (the standalone host leaves it clear). */
	if (rfbm & BIT(XSTATE_COMPONENT_YMM))
		asm volatile("vmovdqu %0, %%ymm0" : : "m"(probe_ymm));
	if (opmask)
		asm volatile("kmovw %0, %%k1" : : "m"(k1));
	memset(probe_area, XSTATE_PROBE_FILL, sizeof(probe_area));
	asm volatile("xsavec64 %0" : "+m"(probe_area) : "a"((u32)rfbm), "d"((u32)(rfbm >> 32))
		     : "memory");
	asm volatile("xrstor64 %0" : : "m"(saved_area), "a"(~0U), "d"(~0U) : "memory");
	xstate_xsetbv0(old_xcr0);
	if (flags & BIT(9))
		cpu_sti();
	why = xstate_check_xsavec(rfbm, opmask, buf, len);
	return why;
}

void xstate_init(void)
{
	struct cpuid_regs leaf[XSTATE_COMPONENTS];
	char why_buf[128];
	const char *why;
	u64 xss = 0;
	u32 ebx;

	if (!(cpuid(1, 0).ecx & BIT(26)) || cpuid(0, 0).eax < 0xd)
		return;
	for (u32 i = 0; i < XSTATE_COMPONENTS; i++)
		leaf[i] = cpuid(0xd, i);
	xstate_layout_parse(&host_layout, leaf);
	if (!(leaf[1].eax & XSTATE_CPUID_XSAVEC)) {
		log_info("xstate: this CPU has no XSAVEC\n");
		return;
	}
	if (!(read_cr4() & BIT(18)) || !(host_layout.user & BIT(0)) || !(host_layout.user & BIT(1)) ||
	    xstate_standard_size(&host_layout, ~0ULL) > sizeof(saved_area)) {
		log_warn("xstate: XSAVEC not checked (no OSXSAVE, x87/SSE or room); not offered to "
			 "guests\n");
		return;
	}
	/* The size this CPU reports for its current XCR0 | IA32_XSS, against the layout's. */
	if ((leaf[1].eax & XSTATE_CPUID_XSAVES) && rdmsr_safe(0xda0, &xss))
		xss = 0;
	ebx = xstate_compacted_size(&host_layout, xstate_xgetbv0() | xss);
	if (leaf[1].ebx != ebx)
		log_info("xstate: CPUID 0xD.1 EBX is %u, the layout gives %u (guests get the layout's)\n",
			 leaf[1].ebx, ebx);
	why = xstate_probe_xsavec(why_buf, sizeof(why_buf));
	if (why) {
		log_warn("xstate: XSAVEC does not write the layout CPUID describes (%s); XSAVEC and "
			 "XSAVES are not offered to guests\n", why);
		return;
	}
	xsavec_usable = true;
	log_info("xstate: XSAVEC writes the layout CPUID describes; offered to guests\n");
}

const struct xstate_layout *xstate_host_layout(void)
{
	return &host_layout;
}

bool xstate_xsavec_usable(void)
{
	return xsavec_usable;
}
