/*
 * The local APIC of each vCPU (Intel SDM vol. 3, ch. 10 "APIC"; x2APIC in 10.12): registers
 * through the xAPIC page or the x2APIC MSRs, the timer on a device timer, interrupt acceptance
 * against the processor priority, EOI, and interprocessor interrupts including INIT/start-up.
 */
#include "devices/lapic.h"
#include "devices/ioapic.h"
#include "devices/devices.h"
#include "vm/vm.h"
#include "vm/sched.h"
#include "vm/platform.h"
#include "host/host.h"
#include "arch/x86/cpu.h"

#define LAPIC_VERSION		(0x14 | ((LAPIC_LVT_COUNT - 1) << 16))	/* 6 = 7 LVT entries */
#define LVT_MASKED		BIT(16)
#define LVT_TIMER_MODE(v)	(((v) >> 17) & 3)
#define TIMER_ONESHOT		0
#define TIMER_PERIODIC		1
#define TIMER_DEADLINE		2
#define SVR_ENABLE		BIT(8)
#define ICR_DEST_LOGICAL	BIT(11)
#define ICR_LEVEL_ASSERT	BIT(14)
#define ICR_TRIGGER_LEVEL	BIT(15)
#define ICR_SHORTHAND(lo)	(((lo) >> 18) & 3)
#define NS_PER_S		1000000000ULL
/*
 * A periodic timer fires at most this often, whatever its count: a guest programming a count
 * of 1 would otherwise keep the scheduler doing nothing else.  The counter itself still runs
 * at the programmed rate.
 */
#define LAPIC_MIN_PERIOD_NS	50000ULL

/* Bits a guest may write in each LVT entry (SDM 10.5.1, figure 10-8). */
static const u32 lvt_writable[LAPIC_LVT_COUNT] = {
	[LAPIC_LVT_TIMER] = 0x000700ff,		/* vector, mask, timer mode */
	[LAPIC_LVT_THERMAL] = 0x000107ff,	/* vector, delivery mode, mask */
	[LAPIC_LVT_PERF] = 0x000107ff,
	[LAPIC_LVT_LINT0] = 0x0001a7ff,		/* + polarity, trigger mode */
	[LAPIC_LVT_LINT1] = 0x0001a7ff,
	[LAPIC_LVT_ERROR] = 0x000100ff,
	[LAPIC_LVT_CMCI] = 0x000107ff,
};

static struct lapic *lapic_of(struct vcpu *v)
{
	return &v->lapic;
}

static bool lapic_x2(const struct lapic *l)
{
	return (l->apic_base & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) == (LAPIC_BASE_EN | LAPIC_BASE_EXTD);
}

bool lapic_hw_enabled(const struct vcpu *v)
{
	return v->lapic.apic_base & LAPIC_BASE_EN;
}

bool lapic_sw_enabled(const struct vcpu *v)
{
	return lapic_hw_enabled(v) && (v->lapic.svr & SVR_ENABLE);
}

static bool reg_test(const u32 *reg, u8 vec)
{
	return reg[vec / 32] & (1u << (vec % 32));
}

static void reg_set(u32 *reg, u8 vec, bool on)
{
	if (on)
		reg[vec / 32] |= 1u << (vec % 32);
	else
		reg[vec / 32] &= ~(1u << (vec % 32));
}

static int reg_highest(const u32 *reg)
{
	for (int i = 7; i >= 0; i--)
		if (reg[i])
			return i * 32 + 31 - __builtin_clz(reg[i]);
	return -1;
}

/* SDM 10.8.3.1: PPR is TPR when TPR's class is at least the highest in-service class. */
u32 lapic_ppr(const struct vcpu *v)
{
	const struct lapic *l = &v->lapic;
	int isrv = reg_highest(l->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

int lapic_pending_vector(const struct vcpu *v)
{
	int vec;

	if (!lapic_hw_enabled(v))
		return -1;
	vec = reg_highest(v->lapic.irr);
	if (vec < 0 || ((u32)vec & 0xf0) <= (lapic_ppr(v) & 0xf0))
		return -1;
	return vec;
}

void lapic_ack(struct vcpu *v, u8 vec)
{
	struct lapic *l = lapic_of(v);

	reg_set(l->irr, vec, false);
	reg_set(l->isr, vec, true);
}

bool lapic_accepts_pic(const struct vcpu *v)
{
	u32 lint0 = v->lapic.lvt[LAPIC_LVT_LINT0];

	if (!lapic_hw_enabled(v))
		return true;
	return !(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == LAPIC_DM_EXTINT;
}

u8 lapic_get_cr8(const struct vcpu *v)
{
	return (u8)(v->lapic.tpr >> 4);
}

void lapic_set_cr8(struct vcpu *v, u8 val)
{
	v->lapic.tpr = (u32)(val & 0xf) << 4;
	vcpu_wake_if_pending(v);
}

static u32 lapic_id(const struct lapic *l)
{
	return l->vcpu->id;
}

/* SDM 10.12.10.2: the x2APIC logical ID is derived from the x2APIC ID. */
static u32 lapic_x2_ldr(const struct lapic *l)
{
	u32 id = lapic_id(l);

	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* ------------------------------------------------------------------ timer */

/* a * b / c with a 128-bit product (no libgcc here); saturates when the quotient needs more. */
static u64 lapic_muldiv(u64 a, u64 b, u64 c)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	u64 hi = (u64)(p >> 64), q, r;

	if (hi >= c)
		return ~0ULL;
	asm("divq %4" : "=a"(q), "=d"(r) : "a"((u64)p), "d"(hi), "rm"(c));
	return q;
}

static u32 lapic_divisor(u32 dcr)
{
	u32 v = ((dcr >> 1) & 4) | (dcr & 3);

	return v == 7 ? 1 : 2u << v;
}

static u64 lapic_ticks_to_ns(u64 ticks, u32 div)
{
	return lapic_muldiv(ticks * div, NS_PER_S, LAPIC_TIMER_HZ);
}

static u32 lapic_timer_mode(const struct lapic *l)
{
	return LVT_TIMER_MODE(l->lvt[LAPIC_LVT_TIMER]);
}

static u32 lapic_current_count(const struct lapic *l, u64 now)
{
	u64 ticks;

	if (!l->timer_initial || lapic_timer_mode(l) == TIMER_DEADLINE)
		return 0;
	if (now <= l->timer_start_ns)
		return l->timer_initial;
	ticks = lapic_muldiv(now - l->timer_start_ns, LAPIC_TIMER_HZ,
			     NS_PER_S * lapic_divisor(l->timer_dcr));
	if (lapic_timer_mode(l) == TIMER_PERIODIC)
		return l->timer_initial - (u32)(ticks % l->timer_initial);
	return ticks >= l->timer_initial ? 0 : l->timer_initial - (u32)ticks;
}

static void lapic_error(struct lapic *l, u32 bit);

/* An LVT entry signals: its delivery mode and vector to this vCPU, unless masked. */
static void lapic_lvt_fire(struct lapic *l, int idx)
{
	u32 lvt = l->lvt[idx];
	u8 mode = (idx == LAPIC_LVT_TIMER || idx == LAPIC_LVT_ERROR) ? LAPIC_DM_FIXED :
		  (lvt >> 8) & 7;

	if (lvt & LVT_MASKED)
		return;
	/* An error interrupt with an illegal vector would only raise another error. */
	if (idx == LAPIC_LVT_ERROR && (lvt & 0xff) < 16)
		return;
	lapic_deliver(l->vcpu, mode, lvt & 0xff,
		      (idx == LAPIC_LVT_LINT0 || idx == LAPIC_LVT_LINT1) && (lvt & BIT(15)));
}

static void lapic_error(struct lapic *l, u32 bit)
{
	bool new = !(l->esr_pending & bit);

	l->esr_pending |= bit;
	if (new)
		lapic_lvt_fire(l, LAPIC_LVT_ERROR);
}

static u64 lapic_fire_interval(const struct lapic *l)
{
	u64 p = lapic_ticks_to_ns(l->timer_initial, lapic_divisor(l->timer_dcr));

	return lapic_timer_mode(l) == TIMER_PERIODIC ? MAX(p, LAPIC_MIN_PERIOD_NS) : p;
}

static void lapic_timer_fire(struct dev_timer *t, u64 now)
{
	struct lapic *l = t->opaque;
	u64 step, next;

	switch (lapic_timer_mode(l)) {
	case TIMER_DEADLINE:
		if (!l->tsc_deadline)
			return;
		l->tsc_deadline = 0;
		lapic_lvt_fire(l, LAPIC_LVT_TIMER);
		return;
	case TIMER_PERIODIC:
		if (!l->timer_initial)
			return;
		lapic_lvt_fire(l, LAPIC_LVT_TIMER);
		/* On the grid from the start, so no drift; missed periods coalesce. */
		step = lapic_fire_interval(l);
		next = l->timer_next_ns + step;
		if (next <= now)
			next += ((now - next) / step + 1) * step;
		l->timer_next_ns = next;
		dev_timer_arm(t, next);
		return;
	default:
		if (l->timer_initial)
			lapic_lvt_fire(l, LAPIC_LVT_TIMER);
		return;
	}
}

/* Loading the initial count (re)starts the count-down (SDM 10.5.4). */
static void lapic_timer_start(struct lapic *l)
{
	dev_timer_cancel(&l->timer);
	if (!l->timer_initial || lapic_timer_mode(l) == TIMER_DEADLINE)
		return;
	l->timer_start_ns = host_time_ns();
	l->timer_next_ns = l->timer_start_ns + lapic_fire_interval(l);
	dev_timer_arm(&l->timer, l->timer_next_ns);
}

/* The host time at which the guest TSC reaches deadline (now, when it already has). */
static u64 lapic_deadline_ns(struct lapic *l, u64 deadline)
{
	u64 now_tsc = rdtsc() + l->vcpu->tsc_offset, delta, ns;

	if (deadline <= now_tsc)
		return host_time_ns();
	delta = deadline - now_tsc;
	/* Rounded up, and a nanosecond more: the interrupt must never come before the deadline. */
	ns = MIN(lapic_muldiv(delta, NS_PER_S, host_tsc_hz()), 1ULL << 62) + 2;
	return host_time_ns() + ns;
}

static void lapic_write_tsc_deadline(struct lapic *l, u64 val)
{
	/* SDM 10.5.4.1: outside TSC-deadline mode writes are ignored. */
	if (lapic_timer_mode(l) != TIMER_DEADLINE)
		return;
	l->tsc_deadline = val;
	dev_timer_cancel(&l->timer);
	if (val)
		dev_timer_arm(&l->timer, lapic_deadline_ns(l, val));
}

static void lapic_write_lvt_timer(struct lapic *l, u32 val)
{
	u32 old = lapic_timer_mode(l), mode;

	if (LVT_TIMER_MODE(val) == 3)
		val &= ~BIT(18);		/* reserved mode: one-shot or periodic by bit 17 */
	l->lvt[LAPIC_LVT_TIMER] = val;
	mode = lapic_timer_mode(l);
	if (old == mode)
		return;
	/* Into or out of TSC-deadline mode the timer is disarmed (SDM 10.5.4.1). */
	if (old == TIMER_DEADLINE || mode == TIMER_DEADLINE) {
		dev_timer_cancel(&l->timer);
		l->timer_initial = 0;
		l->tsc_deadline = 0;
		return;
	}
	/* One-shot <-> periodic: the running count goes on under the new mode. */
	dev_timer_cancel(&l->timer);
	if (l->timer_initial) {
		u64 now = host_time_ns(), step = lapic_fire_interval(l);
		u64 next = l->timer_start_ns + step;

		if (mode == TIMER_PERIODIC && next <= now)
			next += ((now - next) / step + 1) * step;
		if (mode == TIMER_PERIODIC || next > now) {
			l->timer_next_ns = next;
			dev_timer_arm(&l->timer, next);
		}
	}
}

/* ------------------------------------------------------------------ state */

static void lapic_reset_regs(struct lapic *l)
{
	dev_timer_cancel(&l->timer);
	l->tpr = 0;
	l->ldr = 0;
	l->dfr = 0xffffffff;
	l->svr = 0xff;
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	for (int i = 0; i < LAPIC_LVT_COUNT; i++)
		l->lvt[i] = LVT_MASKED;
	for (int i = 0; i < 8; i++)
		l->irr[i] = l->isr[i] = l->tmr[i] = 0;
	l->timer_initial = 0;
	l->timer_dcr = 0;
	l->tsc_deadline = 0;
	l->nmi_pending = false;
	l->extint_pending = false;
	if (lapic_x2(l))
		l->ldr = lapic_x2_ldr(l);
}

void lapic_init(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	l->vcpu = v;
	dev_timer_init(&l->timer, lapic_timer_fire, l);
	/* Its callback runs on whichever CPU polls the timers: under the VM's lock. */
	dev_timer_set_lock(&l->timer, &v->vm->lock);
	l->apic_base = PLAT_LAPIC_GPA | LAPIC_BASE_EN | (v->id == 0 ? LAPIC_BASE_BSP : 0);
	lapic_reset_regs(l);
	/*
	 * The boot processor's LINT0 as a PC BIOS leaves it: unmasked ExtINT (virtual wire
	 * mode), so the 8259 reaches vCPU 0 before the guest programs its APIC.
	 */
	if (v->id == 0)
		l->lvt[LAPIC_LVT_LINT0] = LAPIC_DM_EXTINT << 8;
}

void lapic_release(struct vcpu *v)
{
	dev_timer_cancel_sync(&v->lapic.timer);
}

/*
 * INIT (SDM 10.4.7.3, 8.4): the APIC returns to its power-up state except its ID and
 * IA32_APIC_BASE; the processor waits for a start-up IPI.
 */
static void lapic_do_init(struct vcpu *v)
{
	lapic_reset_regs(lapic_of(v));
	for (int i = 0; i < 4; i++)
		__atomic_store_n(&v->irq.pending[i], 0, __ATOMIC_SEQ_CST);
	if (v->state == VCPU_STOPPED)
		return;
	/* The register state is the target CPU's to rewrite (vm/vm.h). */
	vcpu_request_init(v);
}

/* ------------------------------------------------------------------ delivery */

void lapic_deliver(struct vcpu *v, u8 mode, u8 vector, bool level_trig)
{
	struct lapic *l = lapic_of(v);

	if (!lapic_hw_enabled(v) || v->state == VCPU_STOPPED)
		return;
	/* Waiting for a start-up IPI, a processor responds to nothing else but INIT (SDM 8.4.2). */
	if (vcpu_waits_for_sipi(v) && mode != LAPIC_DM_INIT && mode != LAPIC_DM_STARTUP)
		return;
	switch (mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		if (vector < 16) {
			lapic_error(l, LAPIC_ESR_RECV_ILLEGAL);
			return;
		}
		/* A software-disabled APIC takes only NMI, INIT and start-up (SDM 10.4.7.2). */
		if (!(l->svr & SVR_ENABLE))
			return;
		reg_set(l->irr, vector, true);
		reg_set(l->tmr, vector, level_trig);
		break;
	case LAPIC_DM_NMI:
		l->nmi_pending = true;
		break;
	case LAPIC_DM_INIT:
		lapic_do_init(v);
		return;
	case LAPIC_DM_STARTUP:
		if (vcpu_waits_for_sipi(v))
			vcpu_request_start_up(v, vector);
		return;
	case LAPIC_DM_EXTINT:
		l->extint_pending = true;
		break;
	default:
		return;		/* SMI and the reserved modes are not modelled */
	}
	/*
	 * Wakes a halted target; a runnable one waiting for its turn on this CPU ends the
	 * sender's slice, so an IPI's round trip is not a whole slice long; one on another CPU
	 * is kicked, so it exits and looks at its IRR before its next entry (vm/vtimer.c).
	 */
	vcpu_wake_if_pending(v);
}

bool lapic_match_dest(const struct vcpu *v, u32 dest, bool wide, bool logical)
{
	const struct lapic *l = &v->lapic;
	u32 bcast = wide ? 0xffffffff : 0xff;

	if (dest == bcast)
		return true;
	if (lapic_x2(l)) {
		u32 ldr = l->ldr;

		if (!logical)
			return lapic_id(l) == dest;
		/* SDM 10.12.10.2: cluster in bits 31:16, a bit per APIC in 15:0. */
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (!logical)
		return (lapic_id(l) & 0xff) == dest;
	if ((l->dfr >> 28) == 0xf)				/* flat model */
		return (l->ldr >> 24) & dest;
	/* Cluster model: cluster in bits 7:4 (15 = all clusters), members in 3:0. */
	return ((dest >> 4) == 0xf || (dest >> 4) == (l->ldr >> 28)) &&
	       ((l->ldr >> 24) & dest & 0xf);
}

/* One message; shorthand 0 uses dest, 1 self, 2 all including self, 3 all excluding self. */
static void lapic_dispatch(struct vm *vm, struct vcpu *self, u32 shorthand, u32 dest, bool wide,
			   bool logical, u8 mode, u8 vector, bool level_trig)
{
	struct vcpu *best = NULL;

	for (u32 i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *t = vm->vcpus[i];
		bool m;

		switch (shorthand) {
		case 1: m = t == self; break;
		case 2: m = true; break;
		case 3: m = t != self; break;
		default: m = lapic_match_dest(t, dest, wide, logical); break;
		}
		if (!m || !lapic_hw_enabled(t))
			continue;
		if (mode != LAPIC_DM_LOWEST) {
			lapic_deliver(t, mode, vector, level_trig);
			continue;
		}
		/* Lowest priority: the enabled APIC with the lowest processor priority. */
		if (lapic_sw_enabled(t) && (!best || lapic_ppr(t) < lapic_ppr(best)))
			best = t;
	}
	if (best)
		lapic_deliver(best, LAPIC_DM_FIXED, vector, level_trig);
}

void lapic_send(struct vm *vm, u32 dest, bool wide, bool logical, u8 mode, u8 vector,
		bool level_trig)
{
	lapic_dispatch(vm, NULL, 0, dest, wide, logical, mode, vector, level_trig);
}

/* A write to ICR (low half in xAPIC mode) sends the IPI (SDM 10.6.1). */
static void lapic_send_ipi(struct lapic *l, u32 lo, u32 dest)
{
	u8 mode = (lo >> 8) & 7, vector = lo & 0xff;

	/* INIT level de-assert: only synchronizes arbitration IDs on old CPUs. */
	if (mode == LAPIC_DM_INIT && (lo & ICR_TRIGGER_LEVEL) && !(lo & ICR_LEVEL_ASSERT))
		return;
	if ((mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST) && vector < 16) {
		lapic_error(l, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	/* SMI is not modelled and mode 3 is reserved; ExtINT makes the targets take the PIC's vector. */
	if (mode == LAPIC_DM_SMI || mode == 3)
		return;
	lapic_dispatch(l->vcpu->vm, l->vcpu, ICR_SHORTHAND(lo), dest, lapic_x2(l),
		       lo & ICR_DEST_LOGICAL, mode, vector, false);
}

static void lapic_eoi(struct lapic *l)
{
	int vec = reg_highest(l->isr);

	if (vec < 0)
		return;
	reg_set(l->isr, (u8)vec, false);
	/* Level-triggered: the IOAPIC clears remote IRR and re-delivers a line still high. */
	if (reg_test(l->tmr, (u8)vec))
		ioapic_eoi(l->vcpu->vm, (u8)vec);
	vcpu_wake_if_pending(l->vcpu);
}

/* ------------------------------------------------------------------ registers */

#define REG_OK		0
#define REG_GP		(-1)	/* x2APIC: #GP; xAPIC: an illegal register address */

static int lapic_reg_read(struct lapic *l, u32 off, u64 *val)
{
	bool x2 = lapic_x2(l);

	if (off >= 0x100 && off < 0x280) {
		const u32 *reg = off < 0x180 ? l->isr : off < 0x200 ? l->tmr : l->irr;

		*val = reg[(off & 0x7f) >> 4];
		return REG_OK;
	}
	switch (off) {
	case 0x20: *val = x2 ? lapic_id(l) : lapic_id(l) << 24; break;
	case 0x30: *val = LAPIC_VERSION; break;
	case 0x80: *val = l->tpr; break;
	case 0x90: if (x2) return REG_GP; *val = 0; break;	/* APR */
	case 0xa0: *val = lapic_ppr(l->vcpu); break;
	case 0xb0: if (x2) return REG_GP; *val = 0; break;	/* EOI is write-only */
	case 0xc0: if (x2) return REG_GP; *val = 0; break;	/* remote read */
	case 0xd0: *val = l->ldr; break;
	case 0xe0: if (x2) return REG_GP; *val = l->dfr; break;
	case 0xf0: *val = l->svr; break;
	case 0x280: *val = l->esr; break;
	case 0x2f0: *val = l->lvt[LAPIC_LVT_CMCI]; break;
	case 0x300: *val = x2 ? ((u64)l->icr_hi << 32) | l->icr_lo : l->icr_lo; break;
	case 0x310: if (x2) return REG_GP; *val = l->icr_hi; break;
	case 0x320: case 0x330: case 0x340: case 0x350: case 0x360: case 0x370:
		*val = l->lvt[(off - 0x320) >> 4];
		break;
	case 0x380: *val = l->timer_initial; break;
	case 0x390: *val = lapic_current_count(l, host_time_ns()); break;
	case 0x3e0: *val = l->timer_dcr; break;
	default: return REG_GP;		/* includes SELF IPI, write-only */
	}
	return REG_OK;
}

static void lapic_write_lvt(struct lapic *l, int idx, u32 val)
{
	val &= lvt_writable[idx];
	/* Software-disabled: every LVT entry stays masked (SDM 10.4.7.2). */
	if (!(l->svr & SVR_ENABLE))
		val |= LVT_MASKED;
	/* Remote IRR of LINT0/1 is read-only. */
	if (idx == LAPIC_LVT_LINT0 || idx == LAPIC_LVT_LINT1)
		val |= l->lvt[idx] & BIT(14);
	if (idx == LAPIC_LVT_TIMER)
		lapic_write_lvt_timer(l, val);
	else
		l->lvt[idx] = val;
	if (idx == LAPIC_LVT_LINT0)
		vcpu_wake_if_pending(l->vcpu);	/* the PIC may reach this vCPU now */
}

/* Reserved bits of the x2APIC registers: writing one raises #GP (SDM 10.12.1.2). */
static bool lapic_x2_reserved(u32 off, u64 val)
{
	u64 ok;

	switch (off) {
	case 0x80: ok = 0xff; break;
	case 0xf0: ok = 0x3ff; break;
	case 0x280: case 0xb0: ok = 0; break;
	case 0x300: ok = 0xffffffff000ccfffULL; break;
	case 0x320: ok = lvt_writable[LAPIC_LVT_TIMER] | BIT(18); break;
	case 0x330: case 0x340: case 0x2f0: ok = 0x000107ff; break;
	case 0x350: case 0x360: ok = 0x0001a7ff; break;
	case 0x370: ok = 0x000100ff; break;
	case 0x380: ok = 0xffffffff; break;
	case 0x3e0: ok = 0xb; break;
	case 0x3f0: ok = 0xff; break;
	default: ok = 0; break;
	}
	return (val & ~ok) != 0;
}

static int lapic_reg_write(struct lapic *l, u32 off, u64 val)
{
	bool x2 = lapic_x2(l);
	u32 v32 = (u32)val;

	if (x2 && lapic_x2_reserved(off, val))
		return REG_GP;
	switch (off) {
	case 0x20: case 0x30: case 0x90: case 0xa0: case 0xc0: case 0x390:
		return x2 ? REG_GP : REG_OK;	/* read-only here */
	case 0x80:
		l->tpr = v32 & 0xff;
		vcpu_wake_if_pending(l->vcpu);
		break;
	case 0xb0:
		lapic_eoi(l);
		break;
	case 0xd0:
		if (x2)
			return REG_GP;
		l->ldr = v32 & 0xff000000;
		break;
	case 0xe0:
		if (x2)
			return REG_GP;
		l->dfr = v32 | 0x0fffffff;
		break;
	case 0xf0:
		l->svr = v32 & 0x3ff;	/* vector, enable, focus checking (no effect) */
		if (!(l->svr & SVR_ENABLE))
			for (int i = 0; i < LAPIC_LVT_COUNT; i++)
				l->lvt[i] |= LVT_MASKED;
		vcpu_wake_if_pending(l->vcpu);
		break;
	case 0x280:
		/* A write loads the errors collected since the last one (back-to-back protocol). */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case 0x2f0:
		lapic_write_lvt(l, LAPIC_LVT_CMCI, v32);
		break;
	case 0x300:
		l->icr_lo = v32 & ~BIT(12);	/* delivery status: always idle */
		if (x2)
			l->icr_hi = (u32)(val >> 32);
		lapic_send_ipi(l, l->icr_lo, x2 ? l->icr_hi : l->icr_hi >> 24);
		break;
	case 0x310:
		if (x2)
			return REG_GP;
		l->icr_hi = v32 & 0xff000000;
		break;
	case 0x320: case 0x330: case 0x340: case 0x350: case 0x360: case 0x370:
		lapic_write_lvt(l, (int)((off - 0x320) >> 4), v32);
		break;
	case 0x380:
		if (lapic_timer_mode(l) == TIMER_DEADLINE)
			break;		/* ignored in TSC-deadline mode (SDM 10.5.4.1) */
		l->timer_initial = v32;
		lapic_timer_start(l);
		break;
	case 0x3e0:
		l->timer_dcr = v32 & 0xb;
		break;
	case 0x3f0:
		if (!x2)
			return REG_GP;
		lapic_deliver(l->vcpu, LAPIC_DM_FIXED, v32 & 0xff, false);
		break;
	default:
		if (off >= 0x100 && off < 0x280)
			return x2 ? REG_GP : REG_OK;	/* ISR/TMR/IRR are read-only */
		return REG_GP;
	}
	return REG_OK;
}

/* The xAPIC page: 32-bit registers on 16-byte boundaries (SDM 10.4.1). */
static void lapic_mmio_read(void *opaque, u64 offset, u8 size, u64 *val)
{
	struct vcpu *v = vcpu_current();
	struct lapic *l;
	u64 reg = 0;

	if (!v || v->vm != opaque)
		return;
	l = lapic_of(v);
	/* Disabled or in x2APIC mode, the page is not decoded: all ones, like unassigned space. */
	if (!lapic_hw_enabled(v) || lapic_x2(l))
		return;
	if ((offset & 0xf) + size > 4) {
		*val = 0;
		return;
	}
	if (lapic_reg_read(l, (u32)offset & 0xff0, &reg) != REG_OK) {
		lapic_error(l, LAPIC_ESR_ILLEGAL_REG);
		reg = 0;
	}
	*val = (u32)reg >> ((offset & 3) * 8);
}

static void lapic_mmio_write(void *opaque, u64 offset, u8 size, u64 val)
{
	struct vcpu *v = vcpu_current();
	struct lapic *l;

	if (!v || v->vm != opaque)
		return;
	l = lapic_of(v);
	if (!lapic_hw_enabled(v) || lapic_x2(l))
		return;
	/* Only aligned 32-bit writes reach a register. */
	if ((offset & 0xf) || size != 4)
		return;
	if (lapic_reg_write(l, (u32)offset & 0xff0, (u32)val) != REG_OK)
		lapic_error(l, LAPIC_ESR_ILLEGAL_REG);
}

int lapic_register_mmio(struct vm *vm)
{
	struct mmio_handler h = {
		.base = PLAT_LAPIC_GPA, .size = PAGE_SIZE, .name = "lapic",
		.read = lapic_mmio_read, .write = lapic_mmio_write, .opaque = vm,
	};

	return devices_register_mmio(vm, &h);
}

/* ------------------------------------------------------------------ MSRs */

#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_FIRST	0x800
#define MSR_X2APIC_LAST		0x8ff

bool lapic_msr_owned(u32 msr)
{
	return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

static u64 lapic_base_reserved(void)
{
	u32 maxphys = 36;

	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		maxphys = cpuid(0x80000008, 0).eax & 0xff;
	/* Bits 0-7, 9 and from MAXPHYADDR up; BSP (8) is read-only. */
	return 0x2ffULL | (maxphys < 64 ? ~0ULL << maxphys : 0);
}

/* SDM 10.12.5.1: the valid transitions between disabled, xAPIC and x2APIC modes. */
static int lapic_write_base(struct lapic *l, u64 val)
{
	u64 old = l->apic_base;
	bool en = val & LAPIC_BASE_EN, extd = val & LAPIC_BASE_EXTD;
	bool was_en = old & LAPIC_BASE_EN, was_x2 = lapic_x2(l);

	if (val & lapic_base_reserved() & ~LAPIC_BASE_BSP)
		return -1;
	if (extd && !en)
		return -1;			/* the invalid state */
	if (was_x2 && en && !extd)
		return -1;			/* x2APIC -> xAPIC must go through disabled */
	if (!was_en && extd)
		return -1;			/* disabled -> x2APIC must go through xAPIC */
	/* Relocating the APIC page is not modelled. */
	if ((val & ~0xfffULL) != PLAT_LAPIC_GPA)
		return -1;
	l->apic_base = (val & ~LAPIC_BASE_BSP) | (old & LAPIC_BASE_BSP);
	if (was_en && !en)
		lapic_reset_regs(l);		/* disabling resets the APIC */
	else if (!was_x2 && extd)
		l->ldr = lapic_x2_ldr(l);	/* xAPIC -> x2APIC: the derived logical ID */
	vcpu_wake_if_pending(l->vcpu);		/* a disabled APIC lets the PIC through */
	return 0;
}

int lapic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct lapic *l = lapic_of(v);

	if (msr == MSR_APIC_BASE) {
		*val = l->apic_base;
		return 0;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = lapic_timer_mode(l) == TIMER_DEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	if (!lapic_x2(l))
		return -1;
	return lapic_reg_read(l, (msr - MSR_X2APIC_FIRST) << 4, val) == REG_OK ? 0 : -1;
}

int lapic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct lapic *l = lapic_of(v);

	if (msr == MSR_APIC_BASE)
		return lapic_write_base(l, val);
	if (msr == MSR_TSC_DEADLINE) {
		lapic_write_tsc_deadline(l, val);
		return 0;
	}
	if (!lapic_x2(l))
		return -1;
	return lapic_reg_write(l, (msr - MSR_X2APIC_FIRST) << 4, val) == REG_OK ? 0 : -1;
}
