/*
 * The host's local APIC, SDM vol. 3A, chapter 11: xAPIC registers at the MMIO base of
 * IA32_APIC_BASE (identity-mapped in both host modes), or MSR 0x800 + offset/16 in x2APIC mode.
 */
#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"
#include "host/host.h"
#include "lib/errno.h"

#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_ENABLE BIT(11)
#define APIC_BASE_EXTD BIT(10)

#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LAPIC_LVT_MASKED BIT(16)
#define LAPIC_LVT_PERIODIC BIT(17)
#define LAPIC_ICR_BUSY BIT(12)
#define LAPIC_ICR_WAIT_LOOPS 1000000

static u64 lapic_mmio;
static bool lapic_x2;
/* Timer ticks per millisecond, the same on every CPU (one bus clock). */
static u64 lapic_ticks_per_ms;

static u32 lapic_read(u32 reg)
{
	if (lapic_x2)
		return (u32)rdmsr(0x800 + (reg >> 4));
	return *(volatile u32 *)(uintptr_t)(lapic_mmio + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	if (lapic_x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		*(volatile u32 *)(uintptr_t)(lapic_mmio + reg) = v;
}

bool lapic_host_init(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		return false;
	lapic_x2 = base & APIC_BASE_EXTD;
	lapic_mmio = base & 0xffffff000ULL;
	return true;
}

void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, (lapic_read(LAPIC_SVR) & ~0xffu) | BIT(8) | LAPIC_VECTOR_SPURIOUS);
	/*
	 * SDM 11.8.3.1: a task priority just below the kick vector's class.  Device interrupts
	 * the firmware routes with lowest-priority delivery then go to a CPU with a lower
	 * priority (the BSP, which handles them), and nothing else interrupts this CPU.
	 */
	lapic_set_tpr(LAPIC_VECTOR_KICK - 0x10);
}

void lapic_set_tpr(u8 tpr)
{
	lapic_write(LAPIC_TPR, tpr);
}

int lapic_send_ipi(u32 apic_id, u32 icr_low)
{
	u64 flags = read_rflags();
	int err = 0;

	/* The firmware's interrupt handlers on the BSP may use the ICR too: not in between. */
	cpu_cli();
	if (lapic_x2) {
		/* SDM 11.12.9: one 64-bit write, no delivery status. */
		wrmsr(0x830, ((u64)apic_id << 32) | icr_low);
	} else {
		u32 n = 0;

		while ((lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_BUSY) && n++ < LAPIC_ICR_WAIT_LOOPS)
			cpu_relax();
		lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
		lapic_write(LAPIC_ICR_LOW, icr_low);
		for (n = 0; (lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_BUSY); n++) {
			if (n >= LAPIC_ICR_WAIT_LOOPS) {
				err = -EIO;
				break;
			}
			cpu_relax();
		}
	}
	if (flags & BIT(9))
		cpu_sti();
	return err;
}

void lapic_host_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/*
 * Counts the timer against the TSC over 1 ms, the counter read next to each TSC read so
 * both measure the same interval.  The lowest of a few samples wins: an emulator's CPU
 * thread that is descheduled between the two reads only ever adds timer ticks.
 */
bool lapic_timer_calibrate(void)
{
	u64 wait = host_tsc_hz() / 1000, best = 0;

	if (lapic_ticks_per_ms)
		return true;
	if (!wait)
		return false;
	lapic_write(LAPIC_TIMER_DIVIDE, 0xb);	/* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_VECTOR_KICK);
	for (int i = 0; i < 5; i++) {
		u32 c0, c1;
		u64 t0, t1, ticks;

		lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);
		c0 = lapic_read(LAPIC_TIMER_CURRENT);
		t0 = rdtsc();
		while (rdtsc() - t0 < wait)
			cpu_relax();
		c1 = lapic_read(LAPIC_TIMER_CURRENT);
		t1 = rdtsc();
		if (c1 >= c0 || t1 <= t0)
			continue;
		ticks = (u64)(c0 - c1) * wait / (t1 - t0);
		if (ticks && (!best || ticks < best))
			best = ticks;
	}
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_ticks_per_ms = best;
	return best != 0;
}

u64 lapic_timer_ticks_per_ms(void)
{
	return lapic_ticks_per_ms;
}

void lapic_timer_arm(u64 deadline_tsc)
{
	u64 now = rdtsc(), tsc_per_ms = host_tsc_hz() / 1000, ticks = 1;

	if (!lapic_ticks_per_ms || !tsc_per_ms)
		return;
	if ((s64)(deadline_tsc - now) > 0) {
		u64 d = deadline_tsc - now;

		/* Whole milliseconds first, so the product cannot overflow. */
		ticks = d / tsc_per_ms * lapic_ticks_per_ms +
			d % tsc_per_ms * lapic_ticks_per_ms / tsc_per_ms;
	}
	/* At least 10 us between interrupts, at most what the counter holds. */
	ticks = MAX(ticks, MAX(lapic_ticks_per_ms / 100, 1ULL));
	ticks = MIN(ticks, 0xffffffffULL);
	lapic_write(LAPIC_TIMER_DIVIDE, 0xb);
	/*
	 * Periodic, not one-shot: an expiry that comes while the host is still on its way into
	 * the guest (interrupts on, so it is taken there) is followed by another one, so a
	 * guest never runs unbounded.  The scheduler re-arms before every entry.
	 */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_VECTOR_KICK | LAPIC_LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INITIAL, (u32)ticks);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_TIMER_INITIAL, 0);
}
