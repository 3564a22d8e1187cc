/*
 * The local APIC model (devices/lapic.c) against a fake clock and vendor back-end: priorities,
 * EOI, TPR/PPR, the timer in each mode and divide value, x2APIC transitions and #GP cases,
 * ICR destinations, INIT/SIPI, and delivery through vm/vtimer.c.
 */
// unit-deps: vm/vtimer.c devices/lapic.c devices/ioapic.c devices/pic.c devices/timer.c lib/spinlock.c vm/vcpu.c mm/gva.c mm/guest_mem.c arch/x86/decode.c arch/x86/decode_vex.c lib/string.c
#include "tests/unit/unit.h"
#include "tests/unit/intc_fakes.h"
#include "vm/platform.h"
#include "arch/x86/cpu.h"

static struct vm *vm;

static void wr(struct vcpu *v, u32 off, u32 val) { fake_mmio_write(vm, v, PLAT_LAPIC_GPA + off, 4, val); }
static u32 rd(struct vcpu *v, u32 off) { return (u32)fake_mmio_read(vm, v, PLAT_LAPIC_GPA + off, 4); }

static bool irr(struct vcpu *v, u8 vec) { return v->lapic.irr[vec / 32] & (1u << (vec % 32)); }
static bool isr(struct vcpu *v, u8 vec) { return v->lapic.isr[vec / 32] & (1u << (vec % 32)); }

static void clear_irr(void)
{
	for (u32 i = 0; i < vm->vcpu_count; i++)
		memset(vm->vcpus[i]->lapic.irr, 0, sizeof(vm->vcpus[i]->lapic.irr));
}

/* Which vCPUs got vector vec, as a bit mask. */
static u32 got(u8 vec)
{
	u32 m = 0;

	for (u32 i = 0; i < vm->vcpu_count; i++)
		if (irr(vm->vcpus[i], vec))
			m |= 1u << i;
	return m;
}

static int msr_rd(struct vcpu *v, u32 msr, u64 *val) { return lapic_msr_read(v, msr, val); }
static int msr_wr(struct vcpu *v, u32 msr, u64 val) { return lapic_msr_write(v, msr, val); }

static void test_reset(void)
{
	struct vcpu *v0 = vm->vcpus[0], *v1 = vm->vcpus[1];
	u64 val = 0;

	CHECK_U64("reset: APIC_BASE of the BSP", (msr_rd(v0, 0x1b, &val), val), 0xfee00900);
	CHECK_U64("reset: APIC_BASE of an AP", (msr_rd(v1, 0x1b, &val), val), 0xfee00800);
	CHECK_U64("reset: ID register", rd(v1, 0x20), 1u << 24);
	CHECK_U64("reset: version 0x14, 7 LVT entries", rd(v0, 0x30), 0x00060014);
	CHECK_U64("reset: SVR", rd(v0, 0xf0), 0xff);
	CHECK_U64("reset: DFR flat", rd(v0, 0xe0), 0xffffffff);
	CHECK_U64("reset: LVT timer masked", rd(v0, 0x320), 0x10000);
	CHECK_U64("reset: BSP LINT0 is ExtINT (virtual wire)", rd(v0, 0x350), 0x700);
	CHECK_U64("reset: AP LINT0 masked", rd(v1, 0x350), 0x10000);
	CHECK("reset: the BSP takes the PIC", lapic_accepts_pic(v0));
	CHECK("reset: software-disabled", !lapic_sw_enabled(v0));
	/* Software-disabled: fixed interrupts are not accepted, LVT writes stay masked. */
	lapic_deliver(v0, LAPIC_DM_FIXED, 0x40, false);
	CHECK("sw-disabled: fixed interrupt dropped", !irr(v0, 0x40));
	wr(v0, 0x320, 0x40);
	CHECK_U64("sw-disabled: LVT write keeps the mask", rd(v0, 0x320), 0x10040);
	for (u32 i = 0; i < vm->vcpu_count; i++)
		wr(vm->vcpus[i], 0xf0, 0x1ff);
	CHECK("SVR 0x1ff: software-enabled", lapic_sw_enabled(v0) && lapic_sw_enabled(v1));
	wr(v0, 0xf0, 0xff);
	CHECK("SVR bit 8 clear masks every LVT", rd(v0, 0x350) & 0x10000);
	wr(v0, 0xf0, 0x1ff);
	wr(v0, 0x350, 0x700);
}

static void test_priorities(void)
{
	struct vcpu *v = vm->vcpus[0];

	lapic_deliver(v, LAPIC_DM_FIXED, 0x31, false);
	lapic_deliver(v, LAPIC_DM_FIXED, 0x52, true);
	CHECK_INT("priority: highest IRR first", lapic_pending_vector(v), 0x52);
	CHECK("priority: TMR set for a level interrupt", v->lapic.tmr[0x52 / 32] & (1u << (0x52 % 32)));
	lapic_ack(v, 0x52);
	CHECK("ack: IRR -> ISR", isr(v, 0x52) && !irr(v, 0x52));
	CHECK_U64("PPR = in-service class", rd(v, 0xa0), 0x50);
	CHECK_INT("ISR blocks a lower class", lapic_pending_vector(v), -1);
	lapic_deliver(v, LAPIC_DM_FIXED, 0x55, false);
	CHECK_INT("ISR blocks the same class", lapic_pending_vector(v), -1);
	lapic_deliver(v, LAPIC_DM_FIXED, 0x61, false);
	CHECK_INT("a higher class gets through", lapic_pending_vector(v), 0x61);
	lapic_ack(v, 0x61);
	wr(v, 0xb0, 0);
	CHECK("EOI clears the highest ISR bit", !isr(v, 0x61) && isr(v, 0x52));
	CHECK_INT("after EOI: still blocked by 0x52", lapic_pending_vector(v), -1);
	wr(v, 0xb0, 0);
	CHECK_INT("after the second EOI: 0x55", lapic_pending_vector(v), 0x55);
	/* TPR */
	wr(v, 0x80, 0x60);
	CHECK_U64("TPR reads back", rd(v, 0x80), 0x60);
	CHECK_U64("PPR = TPR without ISR", rd(v, 0xa0), 0x60);
	CHECK_INT("TPR 0x60 blocks 0x55", lapic_pending_vector(v), -1);
	wr(v, 0x80, 0x45);
	CHECK_INT("TPR 0x45 lets 0x55 through", lapic_pending_vector(v), 0x55);
	lapic_ack(v, 0x55);
	CHECK_U64("PPR: ISR class 0x50 over TPR 0x45", rd(v, 0xa0), 0x50);
	wr(v, 0x80, 0x5f);
	CHECK_U64("PPR: TPR 0x5f over ISR class 0x50", rd(v, 0xa0), 0x5f);
	CHECK_INT("CR8 = TPR[7:4]", lapic_get_cr8(v), 5);
	lapic_set_cr8(v, 0);
	CHECK_U64("CR8 write sets TPR", rd(v, 0x80), 0);
	wr(v, 0xb0, 0);
	wr(v, 0xb0, 0);	/* EOI with nothing in service: harmless */
	CHECK("both EOIs: nothing in service", !isr(v, 0x55) && !isr(v, 0x52));
	CHECK_INT("then the lowest class, still requested", lapic_pending_vector(v), 0x31);
	clear_irr();
	/* ESR */
	lapic_deliver(v, LAPIC_DM_FIXED, 5, false);
	CHECK("illegal vector not accepted", !irr(v, 5));
	wr(v, 0x280, 0);
	CHECK_U64("ESR: received illegal vector", rd(v, 0x280), 0x40);
	wr(v, 0x310, 0);
	wr(v, 0x300, 0x4003);
	wr(v, 0x280, 0);
	CHECK_U64("ESR: sent illegal vector", rd(v, 0x280), 0x20);
	wr(v, 0x280, 0);
	CHECK_U64("ESR: cleared by the next write", rd(v, 0x280), 0);
	rd(v, 0x3f0);
	wr(v, 0x280, 0);
	CHECK_U64("ESR: illegal register address", rd(v, 0x280), 0x80);
	wr(v, 0x370, 0xe5);	/* error LVT: vector 0xe5 */
	lapic_deliver(v, LAPIC_DM_FIXED, 7, false);
	CHECK("an error raises the error LVT's interrupt", irr(v, 0xe5));
	clear_irr();
	wr(v, 0x370, 0x10000);
	wr(v, 0x280, 0);
}

static void test_timer(void)
{
	struct vcpu *v = vm->vcpus[0];
	static const struct { u32 dcr, div; } divs[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 }, { 0x8, 32 }, { 0x9, 64 },
		{ 0xa, 128 }, { 0xb, 1 },
	};
	char name[96];
	u64 val, guest_tsc;

	/* One-shot, every divide value: 1 ms later the count is down by 25000 / divisor. */
	for (u32 i = 0; i < ARRAY_SIZE(divs); i++) {
		fake_now = 1000000;
		wr(v, 0x3e0, divs[i].dcr);
		wr(v, 0x320, 0x40);
		wr(v, 0x380, 1000000);
		fake_now += 1000000;
		snprintf(name, sizeof(name), "one-shot: count after 1 ms, divide by %u", divs[i].div);
		CHECK_U64(name, rd(v, 0x390), 1000000 - 25000 / divs[i].div);
	}
	CHECK_U64("DCR reads back", rd(v, 0x3e0), 0xb);
	/* One-shot to expiry: 25000 ticks at divide 1 = 1 ms. */
	fake_now = 10000000;
	wr(v, 0x380, 25000);
	CHECK_U64("one-shot: full count at the start", rd(v, 0x390), 25000);
	fake_now += 500000;
	CHECK_U64("one-shot: half way", rd(v, 0x390), 12500);
	CHECK_U64("one-shot: deadline 1 ms after the start", v->lapic.timer.deadline_ns, 11000000);
	dev_timer_poll(fake_now);
	CHECK("one-shot: nothing before the deadline", !irr(v, 0x40));
	fake_now = 11000000;
	dev_timer_poll(fake_now);
	CHECK("one-shot: fires at the deadline", irr(v, 0x40) && !v->lapic.timer.armed);
	CHECK_U64("one-shot: count 0 after expiry", rd(v, 0x390), 0);
	CHECK_U64("initial count reads back", rd(v, 0x380), 25000);
	clear_irr();
	/* Masked: counts, no interrupt. */
	wr(v, 0x320, 0x10040);
	wr(v, 0x380, 2500);
	fake_now += 100000;
	dev_timer_poll(fake_now);
	CHECK("masked timer: no interrupt", !irr(v, 0x40));
	/* Periodic: 2500 ticks = 100 us. */
	fake_now = 20000000;
	wr(v, 0x320, 0x20041);
	wr(v, 0x380, 2500);
	fake_now += 250000;
	CHECK_U64("periodic: count wraps (250 us into 100 us periods)", rd(v, 0x390), 1250);
	dev_timer_poll(fake_now);
	CHECK("periodic: fired", irr(v, 0x41));
	CHECK_U64("periodic: next deadline on the grid", v->lapic.timer.deadline_ns, 20300000);
	clear_irr();
	fake_now = 20300000;
	dev_timer_poll(fake_now);
	CHECK("periodic: fires again", irr(v, 0x41) && v->lapic.timer.deadline_ns == 20400000);
	/* Writing 0 stops it. */
	wr(v, 0x380, 0);
	CHECK("initial count 0 stops the timer", !v->lapic.timer.armed && rd(v, 0x390) == 0);
	clear_irr();
	/* TSC-deadline. */
	wr(v, 0x380, 1000);
	wr(v, 0x320, 0x40042);
	CHECK("into TSC-deadline mode: disarmed, count cleared", !v->lapic.timer.armed &&
	      rd(v, 0x380) == 0);
	wr(v, 0x380, 1000);
	CHECK_U64("TSC-deadline: initial count ignored", rd(v, 0x380), 0);
	fake_now = 30000000;
	guest_tsc = rdtsc() + v->tsc_offset;
	CHECK_INT("TSC_DEADLINE write", msr_wr(v, 0x6e0, guest_tsc + 2000000), 0);
	CHECK("TSC-deadline: armed about 1 ms ahead (2 GHz TSC)", v->lapic.timer.armed &&
	      v->lapic.timer.deadline_ns > 30000000 + 900000 &&
	      v->lapic.timer.deadline_ns <= 30000000 + 1000000);
	CHECK_U64("TSC_DEADLINE reads back", (msr_rd(v, 0x6e0, &val), val), guest_tsc + 2000000);
	fake_now = v->lapic.timer.deadline_ns;
	dev_timer_poll(fake_now);
	CHECK("TSC-deadline: fires", irr(v, 0x42));
	CHECK_U64("TSC-deadline: MSR 0 after firing", (msr_rd(v, 0x6e0, &val), val), 0);
	clear_irr();
	msr_wr(v, 0x6e0, 1);
	CHECK("TSC-deadline: a past deadline fires at once", v->lapic.timer.armed &&
	      v->lapic.timer.deadline_ns <= fake_now);
	msr_wr(v, 0x6e0, 0);
	CHECK("TSC-deadline: 0 disarms", !v->lapic.timer.armed);
	wr(v, 0x320, 0x10000);
	CHECK("TSC_DEADLINE ignored outside its mode", msr_wr(v, 0x6e0, guest_tsc + 5) == 0 &&
	      (msr_rd(v, 0x6e0, &val), val) == 0 && !v->lapic.timer.armed);
}

static void test_x2apic(void)
{
	struct vcpu *v = vm->vcpus[1];
	u64 val = 0;

	CHECK_INT("xAPIC mode: x2APIC MSR raises #GP", msr_rd(v, 0x802, &val), -1);
	CHECK_INT("EXTD without EN: #GP", msr_wr(v, 0x1b, 0xfee00400), -1);
	CHECK_INT("reserved bit 9: #GP", msr_wr(v, 0x1b, 0xfee00a00), -1);
	CHECK_INT("relocating the page: #GP", msr_wr(v, 0x1b, 0xfed00800), -1);
	CHECK_INT("xAPIC -> x2APIC", msr_wr(v, 0x1b, 0xfee00c00), 0);
	CHECK_U64("x2APIC: ID MSR is the vCPU index", (msr_rd(v, 0x802, &val), val), 1);
	CHECK_U64("x2APIC: logical ID derived (cluster 0, bit 1)", (msr_rd(v, 0x80d, &val), val), 2);
	CHECK_U64("x2APIC: the xAPIC page reads all ones", rd(v, 0x20), 0xffffffff);
	CHECK_U64("x2APIC: version", (msr_rd(v, 0x803, &val), val), 0x00060014);
	CHECK_INT("x2APIC: write to ID raises #GP", msr_wr(v, 0x802, 5), -1);
	CHECK_INT("x2APIC: write to LDR raises #GP", msr_wr(v, 0x80d, 5), -1);
	CHECK_INT("x2APIC: DFR does not exist", msr_rd(v, 0x80e, &val), -1);
	CHECK_INT("x2APIC: ICR high half does not exist", msr_rd(v, 0x831, &val), -1);
	CHECK_INT("x2APIC: EOI read raises #GP", msr_rd(v, 0x80b, &val), -1);
	CHECK_INT("x2APIC: EOI non-zero write raises #GP", msr_wr(v, 0x80b, 1), -1);
	CHECK_INT("x2APIC: EOI zero write", msr_wr(v, 0x80b, 0), 0);
	CHECK_INT("x2APIC: TPR reserved bits raise #GP", msr_wr(v, 0x808, 0x100), -1);
	CHECK_INT("x2APIC: upper half reserved", msr_wr(v, 0x808, 1ULL << 32), -1);
	CHECK_INT("x2APIC: ESR non-zero write raises #GP", msr_wr(v, 0x828, 1), -1);
	CHECK_INT("x2APIC: ICR reserved bit 13 raises #GP", msr_wr(v, 0x830, 0x2040), -1);
	CHECK_INT("x2APIC: SELF IPI read raises #GP", msr_rd(v, 0x83f, &val), -1);
	CHECK_INT("x2APIC: SELF IPI", msr_wr(v, 0x83f, 0x77), 0);
	CHECK("x2APIC: SELF IPI sets IRR", irr(v, 0x77));
	CHECK_INT("x2APIC: SELF IPI reserved bits", msr_wr(v, 0x83f, 0x177), -1);
	CHECK_INT("x2APIC: TPR", msr_wr(v, 0x808, 0x20), 0);
	CHECK_U64("x2APIC: TPR reads back", (msr_rd(v, 0x808, &val), val), 0x20);
	CHECK_INT("x2APIC: write to a read-only register (PPR)", msr_wr(v, 0x80a, 0), -1);
	CHECK_INT("x2APIC: MSR 0x8ff does not exist", msr_rd(v, 0x8ff, &val), -1);
	CHECK_U64("x2APIC: IRR word 3 via MSR 0x823", (msr_rd(v, 0x823, &val), val), 1u << (0x77 - 96));
	CHECK_INT("x2APIC -> xAPIC raises #GP", msr_wr(v, 0x1b, 0xfee00800), -1);
	CHECK_INT("x2APIC -> disabled", msr_wr(v, 0x1b, 0xfee00000), 0);
	CHECK("disabled: state reset", !irr(v, 0x77) && v->lapic.svr == 0xff && v->lapic.tpr == 0);
	CHECK_U64("disabled: the page reads all ones", rd(v, 0xf0), 0xffffffff);
	CHECK_INT("disabled -> x2APIC raises #GP", msr_wr(v, 0x1b, 0xfee00c00), -1);
	CHECK_INT("disabled -> xAPIC", msr_wr(v, 0x1b, 0xfee00800), 0);
	CHECK_U64("BSP bit is read-only", (msr_wr(v, 0x1b, 0xfee00900), msr_rd(v, 0x1b, &val), val),
		  0xfee00800);
	wr(v, 0xf0, 0x1ff);
	/* An x2APIC ID above 15 lands in cluster 1. */
	v->id = 17;
	msr_wr(v, 0x1b, 0xfee00c00);
	CHECK_U64("x2APIC: ID 17 -> cluster 1, bit 1", (msr_rd(v, 0x80d, &val), val), 0x10002);
	msr_wr(v, 0x1b, 0xfee00000);
	msr_wr(v, 0x1b, 0xfee00800);
	v->id = 1;
	wr(v, 0xf0, 0x1ff);
}

static void ipi(struct vcpu *from, u32 lo, u32 dest)
{
	wr(from, 0x310, dest << 24);
	wr(from, 0x300, lo);
	/* What each target's own CPU does before its next entry (INIT and start-up are deferred). */
	for (u32 i = 0; i < from->vm->vcpu_count; i++)
		vcpu_apply_start_requests(from->vm->vcpus[i]);
}

static void test_destinations(void)
{
	struct vcpu *v0 = vm->vcpus[0];
	u64 val;

	clear_irr();
	ipi(v0, 0x50, 2);
	CHECK_U64("physical: ID 2 only", got(0x50), 0x4);
	CHECK_U64("ICR high reads back", rd(v0, 0x310), 2u << 24);
	CHECK_U64("ICR low reads back, delivery status idle", rd(v0, 0x300), 0x50);
	clear_irr();
	ipi(v0, 0x50, 0xff);
	CHECK_U64("physical: 0xff broadcast", got(0x50), 0xf);
	clear_irr();
	ipi(v0, 0x50, 7);
	CHECK_U64("physical: no such ID", got(0x50), 0);
	/* Flat logical: one bit per vCPU. */
	for (u32 i = 0; i < 4; i++)
		wr(vm->vcpus[i], 0xd0, 1u << (24 + i));
	CHECK_U64("LDR reads back", rd(vm->vcpus[2], 0xd0), 1u << 26);
	clear_irr();
	ipi(v0, 0x850, 0x05);
	CHECK_U64("flat logical: 0x05 -> vCPUs 0 and 2", got(0x50), 0x5);
	clear_irr();
	ipi(v0, 0x850, 0xff);
	CHECK_U64("flat logical: 0xff -> all", got(0x50), 0xf);
	/* Cluster logical: cluster in LDR[31:28], member bits in [27:24]. */
	for (u32 i = 0; i < 4; i++)
		wr(vm->vcpus[i], 0xe0, 0x0fffffff);
	CHECK_U64("DFR cluster model reads back", rd(v0, 0xe0), 0x0fffffff);
	wr(vm->vcpus[0], 0xd0, 0x11000000);
	wr(vm->vcpus[1], 0xd0, 0x12000000);
	wr(vm->vcpus[2], 0xd0, 0x21000000);
	wr(vm->vcpus[3], 0xd0, 0x24000000);
	clear_irr();
	ipi(v0, 0x850, 0x13);
	CHECK_U64("cluster: cluster 1 members 1 and 2", got(0x50), 0x3);
	clear_irr();
	ipi(v0, 0x850, 0x25);
	CHECK_U64("cluster: cluster 2 members 1 and 4", got(0x50), 0xc);
	clear_irr();
	ipi(v0, 0x850, 0xf1);
	CHECK_U64("cluster: all clusters, member 1", got(0x50), 0x5);
	/* Shorthands. */
	clear_irr();
	ipi(vm->vcpus[1], 0x40050, 0);
	CHECK_U64("shorthand self", got(0x50), 0x2);
	clear_irr();
	ipi(vm->vcpus[1], 0x80050, 0);
	CHECK_U64("shorthand all including self", got(0x50), 0xf);
	clear_irr();
	ipi(vm->vcpus[1], 0xc0050, 0);
	CHECK_U64("shorthand all excluding self", got(0x50), 0xd);
	/* Lowest priority: the APIC with the lowest priority among the matches. */
	clear_irr();
	wr(vm->vcpus[0], 0x80, 0x30);
	wr(vm->vcpus[2], 0x80, 0x20);
	ipi(v0, 0x951, 0xf1);
	CHECK_U64("lowest priority: vCPU 2 (TPR 0x20 < 0x30)", got(0x51), 0x4);
	wr(vm->vcpus[0], 0x80, 0);
	wr(vm->vcpus[2], 0x80, 0);
	/* The same through lapic_send (IOAPIC and MSI messages). */
	clear_irr();
	lapic_send(vm, 0x13, false, true, LAPIC_DM_FIXED, 0x52, false);
	CHECK_U64("message: logical cluster", got(0x52), 0x3);
	/* x2APIC: physical 32-bit IDs and derived cluster logical IDs. */
	for (u32 i = 0; i < 4; i++)
		msr_wr(vm->vcpus[i], 0x1b, 0xfee00c00);
	clear_irr();
	msr_wr(v0, 0x830, (3ULL << 32) | 0x53);
	CHECK_U64("x2APIC physical: ID 3", got(0x53), 0x8);
	CHECK_U64("x2APIC ICR reads back 64 bits", (msr_rd(v0, 0x830, &val), val), (3ULL << 32) | 0x53);
	clear_irr();
	msr_wr(v0, 0x830, (0xffffffffULL << 32) | 0x53);
	CHECK_U64("x2APIC physical: broadcast", got(0x53), 0xf);
	clear_irr();
	msr_wr(v0, 0x830, (0xffULL << 32) | 0x53);
	CHECK_U64("x2APIC physical: 0xff is an ID, not a broadcast", got(0x53), 0);
	clear_irr();
	msr_wr(v0, 0x830, (0x6ULL << 32) | 0x853);
	CHECK_U64("x2APIC logical: cluster 0, bits 1-2", got(0x53), 0x6);
	clear_irr();
	msr_wr(v0, 0x830, (0x10006ULL << 32) | 0x853);
	CHECK_U64("x2APIC logical: cluster 1 is empty", got(0x53), 0);
	for (u32 i = 0; i < 4; i++) {
		msr_wr(vm->vcpus[i], 0x1b, 0xfee00000);
		msr_wr(vm->vcpus[i], 0x1b, 0xfee00800 | (i ? 0 : 0x100));
		wr(vm->vcpus[i], 0xf0, 0x1ff);
	}
	clear_irr();
}

static void test_init_sipi(void)
{
	struct vcpu *v0 = vm->vcpus[0], *v1 = vm->vcpus[1];
	struct vcpu_sregs *s = &v1->sregs;

	v1->state = VCPU_WAIT_SIPI;
	wr(v1, 0x80, 0x20);
	ipi(v0, 0x0600 | 0x9a, 1);
	CHECK("SIPI: the AP runs", v1->state == VCPU_RUNNABLE);
	CHECK("SIPI: CS = vector << 8, base vector << 12, IP 0", s->seg[SEG_CS].selector == 0x9a00 &&
	      s->seg[SEG_CS].base == 0x9a000 && s->seg[SEG_CS].limit == 0xffff && v1->rip == 0);
	CHECK("SIPI: real mode, CR0 0x60000010, EFER 0", s->cr0 == 0x60000010 && s->efer == 0 &&
	      s->cr3 == 0 && s->cr4 == 0 && v1->rflags == 2);
	CHECK("SIPI: EDX holds the processor signature", v1->gpr[GPR_RDX] == cpuid(1, 0).eax &&
	      v1->gpr[GPR_RAX] == 0 && v1->gpr[GPR_RSP] == 0);
	CHECK("SIPI: the back-end reloads everything", v1->reset_pending && v1->sregs_dirty &&
	      v1->rip_dirty && v1->sregs_valid);
	ipi(v0, 0x0600 | 0x10, 1);
	CHECK("SIPI to a running vCPU is ignored", s->seg[SEG_CS].selector == 0x9a00);
	/* INIT de-assert (level-triggered, level 0) is ignored. */
	ipi(v0, 0x8500, 1);
	CHECK("INIT de-assert ignored", v1->state == VCPU_RUNNABLE);
	v1->rip = 0x1234;
	v1->sregs.cr0 = 0x80000011;
	ipi(v0, 0xc500, 1);
	CHECK("INIT: waits for SIPI", v1->state == VCPU_WAIT_SIPI);
	CHECK("INIT: state F000:FFF0, CS.base FFFF0000, CR0 0x60000010",
	      s->seg[SEG_CS].selector == 0xf000 && s->seg[SEG_CS].base == 0xffff0000 &&
	      v1->rip == 0xfff0 && s->cr0 == 0x60000010 && v1->reset_pending);
	CHECK("INIT: APIC registers reset, APIC_BASE kept", v1->lapic.svr == 0xff &&
	      v1->lapic.tpr == 0 && v1->lapic.apic_base == 0xfee00800);
	lapic_deliver(v1, LAPIC_DM_FIXED, 0x60, false);
	CHECK("INIT: software-disabled afterwards", !irr(v1, 0x60));
	wr(v1, 0xf0, 0x1ff);
	lapic_deliver(v1, LAPIC_DM_FIXED, 0x60, false);
	lapic_deliver(v1, LAPIC_DM_NMI, 0, false);
	CHECK("waiting for SIPI: fixed and NMI ignored", !irr(v1, 0x60) && !v1->lapic.nmi_pending);
	ipi(v0, 0x0600 | 0x08, 0xff);
	CHECK("SIPI broadcast: only the waiting AP starts", v1->state == VCPU_RUNNABLE &&
	      v1->sregs.seg[SEG_CS].base == 0x8000 && v0->rip != 0 - 1ULL);
	wr(v1, 0xf0, 0x1ff);
}

static void test_delivery(void)
{
	struct vcpu *v0 = vm->vcpus[0], *v1 = vm->vcpus[1];

	/* HC_TIMER-style raise with the APIC enabled: an edge interrupt needing EOI. */
	clear_irr();
	v1->state = VCPU_HALTED;
	v1->rflags = X86_RFLAGS_IF;
	vcpu_raise_interrupt(v1, 0x45);
	/* Any CPU may raise: v1's own CPU moves the vector into its APIC before the entry. */
	CHECK("raise: pending for v1's CPU", !irr(v1, 0x45) && (v1->irq.pending[1] & (1ULL << 5)));
	CHECK("raise: wakes a halted vCPU", v1->state == VCPU_RUNNABLE);
	fake_allowed = false;
	injected = -1;
	vcpu_deliver_interrupt(v1);
	CHECK("deliver: window while blocked", window && injected == -1 && irr(v1, 0x45));
	CHECK("deliver: the raised vector went through the APIC's IRR", !v1->irq.pending[1]);
	fake_allowed = true;
	vcpu_deliver_interrupt(v1);
	CHECK("deliver: injected, IRR -> ISR", injected == 0x45 && isr(v1, 0x45) && !irr(v1, 0x45));
	vcpu_raise_interrupt(v1, 0x44);
	injected = -1;
	vcpu_deliver_interrupt(v1);
	CHECK("deliver: nothing while a same-class vector is in service", injected == -1);
	wr(v1, 0xb0, 0);
	vcpu_deliver_interrupt(v1);
	CHECK("deliver: after EOI the next one", injected == 0x44);
	wr(v1, 0xb0, 0);
	ipi(v0, 0x700, 1);
	CHECK("ExtINT IPI: the target takes the PIC's vector", v1->lapic.extint_pending);
	v1->lapic.extint_pending = false;
	ipi(v0, 0x200, 1);
	CHECK("SMI IPI: dropped", !v1->lapic.extint_pending && !v1->lapic.nmi_pending);
	/* An IPI to another runnable vCPU ends the sender's time slice. */
	{
		u64 before = vcpu_wakeups;

		v1->state = VCPU_RUNNABLE;
		ipi(v0, 0x47, 1);
		CHECK("IPI to a runnable vCPU: the sender yields", vcpu_wakeups == before + 1);
		ipi(v1, 0x40047, 0);
		CHECK("self IPI: no yield", vcpu_wakeups == before + 1);
		lapic_ack(v1, 0x47);
		wr(v1, 0xb0, 0);
	}
	/* Without a software-enabled APIC: the direct path, no EOI. */
	wr(v1, 0xf0, 0xff);
	vcpu_raise_interrupt(v1, 0x46);
	CHECK("raise, APIC software-disabled: pending set", v1->irq.pending[1] & (1ULL << 6));
	vcpu_deliver_interrupt(v1);
	CHECK("deliver: direct vector, nothing in service", injected == 0x46 && !isr(v1, 0x46) &&
	      !v1->irq.pending[1]);
	wr(v1, 0xf0, 0x1ff);
	/* NMI IPI: injected as an NMI, wakes a halted vCPU. */
	v1->state = VCPU_HALTED;
	ipi(v0, 0x400, 1);
	CHECK("NMI: pending, wakes", v1->lapic.nmi_pending && v1->state == VCPU_RUNNABLE);
	fake_allowed = false;
	vcpu_deliver_interrupt(v1);
	CHECK("NMI: injected as an NMI even with interrupts blocked",
	      injected_type == VCPU_EVENT_NMI && !v1->lapic.nmi_pending);
	fake_allowed = true;
	/* LINT0 as NMI, LINT1 */
	fake_event_busy = true;
	ipi(v0, 0x400, 1);
	vcpu_deliver_interrupt(v1);
	CHECK("NMI: kept while another event is pending", v1->lapic.nmi_pending && window);
	fake_event_busy = false;
	vcpu_deliver_interrupt(v1);
	CHECK("NMI: then injected", !v1->lapic.nmi_pending);
	/* A halted vCPU with IF = 0 is not woken by a maskable interrupt. */
	v1->state = VCPU_HALTED;
	v1->rflags = 0;
	lapic_deliver(v1, LAPIC_DM_FIXED, 0x70, false);
	CHECK("IF = 0: stays halted", v1->state == VCPU_HALTED);
	v1->rflags = X86_RFLAGS_IF;
	v1->state = VCPU_RUNNABLE;
	vcpu_deliver_interrupt(v1);
	wr(v1, 0xb0, 0);
}

int main(void)
{
	vm = fake_vm(4);
	for (u32 i = 1; i < 4; i++)
		vm->vcpus[i]->state = VCPU_RUNNABLE;
	lapic_register_mmio(vm);
	test_reset();
	test_priorities();
	test_timer();
	test_x2apic();
	test_destinations();
	test_init_sipi();
	test_delivery();
	return unit_summary();
}
