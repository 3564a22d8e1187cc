/*
 * The XSAVE area layout from CPUID leaf 0xD (SDM vol. 1, ch. 13): component offsets and area
 * sizes in the standard and the compacted format.  Pure computation (tests/unit/test_xstate.c).
 */
#include "arch/x86/xstate.h"

#define U32_MAX 0xffffffffULL

void xstate_layout_parse(struct xstate_layout *l, const struct cpuid_regs *leaf)
{
	u64 known;

	*l = (struct xstate_layout){ 0 };
	l->user = ((u64)leaf[0].edx << 32) | leaf[0].eax;
	l->supervisor = ((u64)leaf[1].edx << 32) | leaf[1].ecx;
	known = l->user | l->supervisor;
	for (u32 i = 2; i < XSTATE_COMPONENTS; i++) {
		if (!(known & BIT(i)))
			continue;
		l->size[i] = leaf[i].eax;
		l->offset[i] = leaf[i].ebx;
		l->align64[i] = leaf[i].ecx & BIT(1);
	}
}

/* Where component stop starts: the listed components before it laid out (64 bits: no wrap). */
static u64 xstate_compacted_walk(const struct xstate_layout *l, u64 xcomp_bv, u32 stop)
{
	u64 at = XSTATE_EXTENDED_START;

	xcomp_bv &= ~XSTATE_XCOMP_BV_COMPACTED;	/* the format bit, not a component */
	for (u32 i = 2; i < XSTATE_COMPONENTS; i++) {
		if (!(xcomp_bv & BIT(i)))
			continue;
		if (l->align64[i])
			at = ALIGN_UP(at, 64ULL);
		if (i == stop)
			break;
		at += l->size[i];
	}
	return at;
}

u32 xstate_compacted_offset(const struct xstate_layout *l, u64 xcomp_bv, u32 i)
{
	if (i == 0)
		return 0;
	if (i == 1)
		return 160;	/* XMM0 in the legacy region (SDM vol. 1, table 10-2) */
	if (i >= XSTATE_COMPONENTS - 1 || !(xcomp_bv & BIT(i)))
		return 0;
	return (u32)MIN(xstate_compacted_walk(l, xcomp_bv, i), U32_MAX);
}

u32 xstate_compacted_size(const struct xstate_layout *l, u64 xcomp_bv)
{
	u64 end = XSTATE_EXTENDED_START;
	u32 top = 0;

	/* The end of the last component: its offset plus its size, as Linux computes it too. */
	xcomp_bv &= ~XSTATE_XCOMP_BV_COMPACTED;
	for (u32 i = 2; i < XSTATE_COMPONENTS; i++)
		if (xcomp_bv & BIT(i))
			top = i;
	if (top)
		end = xstate_compacted_walk(l, xcomp_bv, top) + l->size[top];
	return (u32)MIN(end, U32_MAX);
}

u32 xstate_standard_size(const struct xstate_layout *l, u64 xcr0)
{
	u64 end = XSTATE_EXTENDED_START;

	/* Components sit at fixed offsets, not necessarily in component order. */
	for (u32 i = 2; i < XSTATE_COMPONENTS; i++)
		if ((xcr0 & l->user & BIT(i)) && (u64)l->offset[i] + l->size[i] > end)
			end = (u64)l->offset[i] + l->size[i];
	return (u32)MIN(end, U32_MAX);
}
