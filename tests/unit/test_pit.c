/*
 * The 8254 model (devices/pit.c) against a fake clock: counts from host time in each mode,
 * latch and read-back, access modes, BCD, channel 2 through port 0x61 as Linux's TSC
 * calibration drives it, and channel 0's interrupts on GSI 2.
 */
// unit-deps: devices/pit.c devices/timer.c lib/spinlock.c
#include "tests/unit/dev_fakes.h"
#include "vm/platform.h"

#define PIT_HZ 1193182ULL
#define MS 1000000ULL
#define US 1000ULL

/* Ticks of the PIT clock in ns (as the model computes them). */
static u64 ticks(u64 ns)
{
	return ns / 1000000000ULL * PIT_HZ + ns % 1000000000ULL * PIT_HZ / 1000000000ULL;
}

static u16 read_lohi(struct vm *vm, u16 port)
{
	u8 lo = (u8)port_in(vm, port, 1);

	return (u16)(lo | port_in(vm, port, 1) << 8);
}

static void write_lohi(struct vm *vm, u16 port, u16 v)
{
	port_out(vm, port, 1, v & 0xff);
	port_out(vm, port, 1, v >> 8);
}

int main(void)
{
	struct vm *vm = fake_vm(64 << 20, 1);
	u64 t0;
	u16 c;

	CHECK_INT("create", pit_create(vm), 0);
	CHECK_INT("control word register reads all ones", port_in(vm, 0x43, 1), 0xff);
	CHECK("nothing armed before the guest programs it", !dev_timer_any_armed());

	/* Channel 0, mode 2 (rate generator) at 1 kHz, as Linux's periodic PIT clockevent. */
	port_out(vm, 0x43, 1, 0x34);
	write_lohi(vm, 0x40, 1193);
	t0 = fake_now;
	CHECK("mode 2: timer armed", dev_timer_any_armed());
	fake_now = t0 + 500 * US;
	port_out(vm, 0x43, 1, 0x00);			/* counter latch, channel 0 */
	fake_now = t0 + 700 * US;			/* the latch holds the old value */
	c = read_lohi(vm, 0x40);
	CHECK_INT("mode 2: latched count", c, 1193 - ticks(500 * US));
	c = read_lohi(vm, 0x40);
	CHECK_INT("mode 2: live count after the latch is read", c, 1193 - ticks(700 * US));
	fake_now = t0 + 1500 * US;
	c = read_lohi(vm, 0x40);
	CHECK_INT("mode 2: count reloads each period", c, 1193 - (ticks(1500 * US) % 1193));
	fake_now = t0;
	memset(fake_pulses, 0, sizeof(fake_pulses));
	advance_to(t0 + 10 * MS + 1, 100 * US);
	CHECK_INT("mode 2: ten edges on GSI 2 in 10 ms", fake_pulses[PLAT_GSI_PIT], 10);
	/* A host stall: missed periods coalesce into one edge, the grid is kept. */
	memset(fake_pulses, 0, sizeof(fake_pulses));
	advance_to(t0 + 50 * MS + 1, 40 * MS);
	CHECK_INT("mode 2: a late poll gives one edge", fake_pulses[PLAT_GSI_PIT], 1);
	advance_to(t0 + 51 * MS + 1, 100 * US);
	CHECK_INT("mode 2: then one per period again", fake_pulses[PLAT_GSI_PIT], 2);

	/* A count of 2 (600 kHz) is held to one edge per 60 ticks. */
	port_out(vm, 0x43, 1, 0x34);
	write_lohi(vm, 0x40, 2);
	memset(fake_pulses, 0, sizeof(fake_pulses));
	t0 = fake_now;
	advance_to(t0 + 1 * MS, 1 * US);
	CHECK("mode 2 with count 2: interrupts held to about 20 kHz",
	      fake_pulses[PLAT_GSI_PIT] >= 18 && fake_pulses[PLAT_GSI_PIT] <= 21);
	port_out(vm, 0x43, 1, 0x34);
	write_lohi(vm, 0x40, 1193);
	t0 = fake_now;

	/* Read-back: status then count of channel 0 (0xC2: latch both, channel 0). */
	fake_now = t0 + 100 * MS + 300 * US;
	port_out(vm, 0x43, 1, 0xc2);
	CHECK_INT("read-back: status (OUT high, lohi, mode 2, binary)", port_in(vm, 0x40, 1), 0xb4);
	c = read_lohi(vm, 0x40);
	CHECK_INT("read-back: count", c, 1193 - (ticks(100 * MS + 300 * US) % 1193));
	port_out(vm, 0x43, 1, 0xe2);			/* status only */
	CHECK_INT("read-back: status alone", port_in(vm, 0x40, 1), 0xb4);

	/* Control word stops the channel: no more edges; mode 0 with null count. */
	port_out(vm, 0x43, 1, 0x30);
	CHECK("control word cancels the timer", !dev_timer_any_armed());
	port_out(vm, 0x43, 1, 0xe2);
	CHECK_INT("mode 0 before the count: OUT low, null count", port_in(vm, 0x40, 1), 0x70);

	/* Mode 0 (interrupt on terminal count): one edge after the count. */
	memset(fake_pulses, 0, sizeof(fake_pulses));
	t0 = fake_now;
	write_lohi(vm, 0x40, 11932);			/* 10 ms */
	advance_to(t0 + 9 * MS, 100 * US);
	CHECK_INT("mode 0: no edge before terminal count", fake_pulses[PLAT_GSI_PIT], 0);
	advance_to(t0 + 30 * MS, 100 * US);
	CHECK_INT("mode 0: exactly one edge", fake_pulses[PLAT_GSI_PIT], 1);
	port_out(vm, 0x43, 1, 0xe2);
	CHECK_INT("mode 0: OUT high after terminal count", port_in(vm, 0x40, 1) & 0x80, 0x80);
	c = read_lohi(vm, 0x40);
	CHECK_INT("mode 0: the count wraps past zero", c,
		  (u16)(11932 - ticks(fake_now - t0)));

	/* Mode 4 (software-triggered strobe), Linux's one-shot clockevent. */
	memset(fake_pulses, 0, sizeof(fake_pulses));
	port_out(vm, 0x43, 1, 0x38);
	t0 = fake_now;
	write_lohi(vm, 0x40, 1193);
	advance_to(t0 + 20 * MS, 50 * US);
	CHECK_INT("mode 4: exactly one edge", fake_pulses[PLAT_GSI_PIT], 1);
	CHECK("mode 4: disarmed afterwards", !dev_timer_any_armed());

	/* Mode 3 (square wave): OUT high for the first half, low for the second. */
	memset(fake_pulses, 0, sizeof(fake_pulses));
	port_out(vm, 0x43, 1, 0x36);
	t0 = fake_now;
	write_lohi(vm, 0x40, 1000);
	fake_now = t0 + 100 * US;			/* 119 ticks: first half */
	port_out(vm, 0x43, 1, 0xe2);
	CHECK_INT("mode 3: OUT high in the first half", port_in(vm, 0x40, 1), 0xb6);
	c = read_lohi(vm, 0x40);
	CHECK_INT("mode 3: counts down by two", c, (1000 - 2 * ticks(100 * US)) & ~1u);
	fake_now = t0 + 600 * US;			/* 715 ticks: second half */
	port_out(vm, 0x43, 1, 0xe2);
	CHECK_INT("mode 3: OUT low in the second half", port_in(vm, 0x40, 1), 0x36);
	fake_now = t0;
	advance_to(t0 + 1000 * 838 * 10 + 1000, 50 * US);	/* about ten periods */
	CHECK_INT("mode 3: one edge per period", fake_pulses[PLAT_GSI_PIT], 10);

	/* Access modes: lobyte only, hibyte only. */
	port_out(vm, 0x43, 1, 0x10);			/* ch0, lobyte, mode 0 */
	t0 = fake_now;
	port_out(vm, 0x40, 1, 200);
	fake_now = t0 + 50 * US;
	CHECK_INT("lobyte access: count", port_in(vm, 0x40, 1), 200 - ticks(50 * US));
	port_out(vm, 0x43, 1, 0x20);			/* ch0, hibyte, mode 0 */
	t0 = fake_now;
	port_out(vm, 0x40, 1, 0x10);			/* 0x1000 */
	fake_now = t0 + 1 * MS;
	CHECK_INT("hibyte access: count's high byte", port_in(vm, 0x40, 1),
		  (0x1000 - ticks(1 * MS)) >> 8);

	/* BCD: 1000 decimal in mode 2. */
	port_out(vm, 0x43, 1, 0x35);
	t0 = fake_now;
	write_lohi(vm, 0x40, 0x1000);
	fake_now = t0 + 100 * US;
	port_out(vm, 0x43, 1, 0x00);
	c = read_lohi(vm, 0x40);
	{
		u32 want = 1000 - (u32)ticks(100 * US);

		CHECK_INT("BCD: count in BCD digits", c,
			  (want / 100) << 8 | (want / 10 % 10) << 4 | want % 10);
	}
	port_out(vm, 0x43, 1, 0x30);			/* leave channel 0 stopped */

	/* Channel 2 the way Linux's pit_calibrate_tsc() drives it. */
	memset(fake_pulses, 0, sizeof(fake_pulses));
	port_out(vm, 0x61, 1, (port_in(vm, 0x61, 1) & ~0x02) | 0x01);
	CHECK_INT("port 0x61: gate and speaker bits read back", port_in(vm, 0x61, 1) & 0x03, 1);
	port_out(vm, 0x61, 1, 0x0d);
	CHECK_INT("port 0x61: bits 0-3 read back", port_in(vm, 0x61, 1) & 0x0f, 0x0d);
	port_out(vm, 0x61, 1, 0x01);
	port_out(vm, 0x43, 1, 0xb0);
	t0 = fake_now;
	write_lohi(vm, 0x42, 11932);			/* 10 ms */
	fake_now = t0 + 5 * MS;
	CHECK_INT("channel 2: OUT2 low while counting", port_in(vm, 0x61, 1) & 0x20, 0);
	c = read_lohi(vm, 0x42);
	CHECK_INT("channel 2: live count (lsb then msb)", c, 11932 - ticks(5 * MS));
	fake_now = t0 + 10 * MS + 1 * US;
	CHECK_INT("channel 2: OUT2 high at terminal count", port_in(vm, 0x61, 1) & 0x20, 0x20);
	CHECK_INT("channel 2: raises no interrupt", fake_pulses[0] + fake_pulses[PLAT_GSI_PIT], 0);
	/* quick_pit_calibrate(): count 0xFFFF, the MSB must fall steadily. */
	port_out(vm, 0x43, 1, 0xb0);
	t0 = fake_now;
	write_lohi(vm, 0x42, 0xffff);
	{
		bool steady = true;
		u8 prev = 0xff;

		for (int i = 1; i <= 200; i++) {
			u8 msb;

			fake_now = t0 + (u64)i * 214 * 838;	/* about 214 ticks apart */
			port_in(vm, 0x42, 1);
			msb = (u8)port_in(vm, 0x42, 1);
			if (msb > prev || prev - msb > 1)
				steady = false;
			prev = msb;
		}
		CHECK("channel 2: MSB decreases by at most one per 256 ticks", steady);
	}
	/* Gate low pauses a mode 0 count; high resumes it. */
	port_out(vm, 0x43, 1, 0xb0);
	t0 = fake_now;
	write_lohi(vm, 0x42, 11932);
	fake_now = t0 + 2 * MS;
	port_out(vm, 0x61, 1, 0x00);			/* gate off */
	fake_now = t0 + 50 * MS;
	c = read_lohi(vm, 0x42);
	CHECK_INT("gate low: the count holds", c, 11932 - ticks(2 * MS));
	CHECK_INT("gate low: OUT2 still low", port_in(vm, 0x61, 1) & 0x20, 0);
	port_out(vm, 0x61, 1, 0x01);
	fake_now = t0 + 50 * MS + 3 * MS;
	c = read_lohi(vm, 0x42);
	CHECK("gate high: counting resumes", c <= 11932 - ticks(2 * MS) - ticks(3 * MS) + 1 &&
	      c >= 11932 - ticks(2 * MS) - ticks(3 * MS) - 1);
	/* Refresh toggle (bit 4) changes every 15 us. */
	{
		u8 a = port_in(vm, 0x61, 1) & 0x10, b;

		fake_now += 15085;
		b = port_in(vm, 0x61, 1) & 0x10;
		CHECK("port 0x61: refresh bit toggles", a != b);
	}
	/* Mode 1 on channel 2: waits for the gate's rising edge. */
	port_out(vm, 0x61, 1, 0x00);
	port_out(vm, 0x43, 1, 0xb2);
	write_lohi(vm, 0x42, 1000);
	fake_now += 10 * MS;
	CHECK_INT("mode 1: OUT high before the trigger", port_in(vm, 0x61, 1) & 0x20, 0x20);
	port_out(vm, 0x61, 1, 0x01);
	fake_now += 100 * US;
	CHECK_INT("mode 1: OUT low after the trigger", port_in(vm, 0x61, 1) & 0x20, 0);
	fake_now += 1 * MS;
	CHECK_INT("mode 1: OUT high at terminal count", port_in(vm, 0x61, 1) & 0x20, 0x20);

	pit_destroy(vm);
	CHECK("destroy cancels every timer", !dev_timer_any_armed());
	fake_vm_free(vm);
	return unit_summary();
}
