/*
 * The MC146818 model (devices/rtc.c) against a fake clock: time registers in BCD/binary and
 * 12/24-hour formats, roll-over, UIP, setting the clock with and without SET, registers C
 * and D, the update, alarm and periodic interrupts, the NVRAM layout; lib/date.c on the way.
 */
// unit-deps: devices/rtc.c devices/timer.c lib/spinlock.c lib/date.c
#include "tests/unit/dev_fakes.h"
#include "vm/platform.h"
#include "lib/date.h"

#define S 1000000000ULL
#define MS 1000000ULL

static struct vm *vm;

static u8 rd(u8 idx)
{
	port_out(vm, 0x70, 1, idx);
	return (u8)port_in(vm, 0x71, 1);
}

static void wr(u8 idx, u8 v)
{
	port_out(vm, 0x70, 1, idx);
	port_out(vm, 0x71, 1, v);
}

int main(void)
{
	struct date_time d = { .year = 2024, .month = 2, .day = 29, .hour = 23, .min = 59, .sec = 58 };
	struct date_time back;
	u64 start = 10 * S, base;

	/* lib/date.c */
	CHECK_U64("date: 1970-01-01 is 0", date_to_unix(&(struct date_time){ 1970, 1, 1, 0, 0, 0, 0 }), 0);
	CHECK_U64("date: 2000-03-01", date_to_unix(&(struct date_time){ 2000, 3, 1, 0, 0, 0, 0 }),
		  951868800ULL);
	date_from_unix(date_to_unix(&d), &back);
	CHECK("date: round trip through a leap day", back.year == 2024 && back.month == 2 &&
	      back.day == 29 && back.hour == 23 && back.min == 59 && back.sec == 58);
	CHECK_INT("date: 2024-02-29 was a Thursday", back.wday, 4);
	CHECK_INT("date: February 2100 has 28 days", date_month_days(2100, 2), 28);
	CHECK_INT("date: February 2000 has 29 days", date_month_days(2000, 2), 29);

	/* The host's clock reads 2024-02-29 23:59:58.000 when fake_now = start. */
	fake_now = start;
	fake_tod_at_zero = date_to_unix(&d) * S - start;
	vm = fake_vm(256ULL << 20, 2);
	CHECK_INT("create", rtc_create(vm), 0);

	CHECK_INT("default register A (divider on, 1024 Hz)", rd(0x0a), 0x26);
	CHECK_INT("default register B (24-hour, BCD)", rd(0x0b), 0x02);
	CHECK_INT("register D: VRT", rd(0x0d), 0x80);
	CHECK_INT("BCD seconds", rd(0x00), 0x58);
	CHECK_INT("BCD minutes", rd(0x02), 0x59);
	CHECK_INT("BCD hours (24-hour)", rd(0x04), 0x23);
	CHECK_INT("day of week (Thursday = 5)", rd(0x06), 0x05);
	CHECK_INT("BCD day of month", rd(0x07), 0x29);
	CHECK_INT("BCD month", rd(0x08), 0x02);
	CHECK_INT("BCD year", rd(0x09), 0x24);
	CHECK_INT("century byte 0x32", rd(0x32), 0x20);
	CHECK_INT("index port reads all ones", port_in(vm, 0x70, 1), 0xff);
	port_out(vm, 0x70, 1, 0x80 | 0x09);		/* NMI mask bit set */
	CHECK_INT("index with the NMI-mask bit", port_in(vm, 0x71, 1), 0x24);

	wr(0x0b, 0x00);					/* 12-hour, BCD */
	CHECK_INT("12-hour: 23h is 11 PM", rd(0x04), 0x91);
	wr(0x0b, 0x06);					/* 24-hour, binary */
	CHECK_INT("binary seconds", rd(0x00), 58);
	CHECK_INT("binary year", rd(0x09), 24);
	CHECK_INT("binary century", rd(0x32), 20);

	fake_now = start + 2 * S;
	CHECK("roll-over into 2024-03-01 00:00:00", rd(0x00) == 0 && rd(0x02) == 0 && rd(0x04) == 0 &&
	      rd(0x07) == 1 && rd(0x08) == 3 && rd(0x06) == 6);
	wr(0x0b, 0x04);					/* 12-hour, binary */
	CHECK_INT("12-hour: midnight is 12 AM", rd(0x04), 12);

	/* UIP: set in the 244 us before each update. */
	fake_now = start + 3 * S - 100000;
	CHECK_INT("UIP set 100 us before the update", rd(0x0a) & 0x80, 0x80);
	fake_now = start + 3 * S + 500 * MS;
	CHECK_INT("UIP clear mid-second", rd(0x0a) & 0x80, 0);

	/* Setting the clock as Linux's mc146818_set_time does: SET, registers, clear SET. */
	wr(0x0b, 0x02 | 0x80);				/* SET, 24-hour, BCD */
	wr(0x00, 0x00);
	wr(0x02, 0x30);
	wr(0x04, 0x12);
	wr(0x07, 0x15);
	wr(0x08, 0x06);
	wr(0x09, 0x30);
	wr(0x32, 0x20);
	fake_now += 5 * S;
	CHECK_INT("SET: registers frozen", rd(0x00), 0x00);
	wr(0x0b, 0x02);
	base = fake_now;
	CHECK("cleared SET: 2030-06-15 12:30:00", rd(0x00) == 0 && rd(0x02) == 0x30 &&
	      rd(0x04) == 0x12 && rd(0x07) == 0x15 && rd(0x08) == 0x06 && rd(0x09) == 0x30);
	fake_now = base + 61 * S;
	CHECK("the new time runs", rd(0x00) == 0x01 && rd(0x02) == 0x31);
	/* A write without SET changes one field and keeps the rest. */
	wr(0x04, 0x08);
	CHECK("write without SET: hour moved, minutes kept", rd(0x04) == 0x08 && rd(0x02) == 0x31);
	/* Garbage BCD is clamped, not trusted. */
	wr(0x0b, 0x82);
	wr(0x08, 0x99);
	wr(0x0b, 0x02);
	CHECK_INT("an invalid month is clamped to January", rd(0x08), 0x01);

	/* Register C and the update-ended interrupt. */
	rd(0x0c);
	memset(fake_pulses, 0, sizeof(fake_pulses));
	base = fake_now;
	wr(0x0b, 0x02 | 0x10);				/* UIE */
	CHECK("UIE arms a timer", dev_timer_any_armed());
	advance_to(base + S + 10 * MS, 10 * MS);
	CHECK_INT("update interrupt on IRQ 8", fake_pulses[PLAT_IRQ_RTC], 1);
	/* PF is set too: the 1024 Hz rate runs whether or not PIE is on (data sheet). */
	CHECK_INT("register C: IRQF | PF | UF", rd(0x0c) & 0xd0, 0xd0);
	CHECK_INT("register C: reading clears it", rd(0x0c), 0);
	advance_to(base + 3 * S + 10 * MS, 10 * MS);
	CHECK_INT("IRQF stays set until C is read: one more edge only", fake_pulses[PLAT_IRQ_RTC], 2);
	wr(0x0b, 0x02);
	rd(0x0c);
	CHECK("no interrupt enabled: no timer", !dev_timer_any_armed());

	/* Periodic interrupt at 1024 Hz, the handler reading C each time. */
	memset(fake_pulses, 0, sizeof(fake_pulses));
	wr(0x0a, 0x26);
	wr(0x0b, 0x02 | 0x40);
	base = fake_now;
	while (fake_now < base + S) {
		fake_now += 100000;
		dev_timer_poll(fake_now);
		if (fake_pulses[PLAT_IRQ_RTC])
			rd(0x0c);			/* the handler acknowledges */
	}
	CHECK("periodic 1024 Hz: about 1024 edges in a second",
	      fake_pulses[PLAT_IRQ_RTC] >= 1000 && fake_pulses[PLAT_IRQ_RTC] <= 1030);
	wr(0x0b, 0x02);
	rd(0x0c);

	/* Alarm at hh:mm:ss three seconds ahead, then with "don't care" hours and minutes. */
	{
		u8 s = rd(0x00), m = rd(0x02), h = rd(0x04);
		u8 bin = (u8)((s >> 4) * 10 + (s & 0xf) + 3);

		if (bin >= 60)
			fake_now += 10 * S;		/* keep it within the minute */
		s = rd(0x00);
		m = rd(0x02);
		h = rd(0x04);
		bin = (u8)((s >> 4) * 10 + (s & 0xf) + 3);
		wr(0x01, (u8)((bin / 10) << 4 | bin % 10));
		wr(0x03, m);
		wr(0x05, h);
		memset(fake_pulses, 0, sizeof(fake_pulses));
		wr(0x0b, 0x02 | 0x20);			/* AIE */
		base = fake_now;
		advance_to(base + 2 * S - 1000 * 1000, 10 * MS);
		CHECK_INT("alarm: not before its second", fake_pulses[PLAT_IRQ_RTC], 0);
		advance_to(base + 4 * S, 10 * MS);
		CHECK_INT("alarm: fires on its second", fake_pulses[PLAT_IRQ_RTC], 1);
		CHECK_INT("alarm: register C has AF", rd(0x0c) & 0xa0, 0xa0);
		wr(0x01, 0xc0);				/* every second */
		wr(0x03, 0xc0);
		wr(0x05, 0xc0);
		base = fake_now;
		advance_to(base + S + 10 * MS, 10 * MS);
		CHECK_INT("alarm: don't-care values match every second", rd(0x0c) & 0x20, 0x20);
		wr(0x0b, 0x02);
	}
	/* Flags without enables: UF is set but no IRQF, no edge. */
	memset(fake_pulses, 0, sizeof(fake_pulses));
	rd(0x0c);
	fake_now += 2 * S;
	CHECK_INT("PF, AF, UF without enables: no IRQF", rd(0x0c), 0x40 | 0x20 | 0x10);
	CHECK_INT("and no edge", fake_pulses[PLAT_IRQ_RTC], 0);
	/* SET holds the time registers, but the divider keeps the periodic flag going. */
	wr(0x0b, 0x82);
	rd(0x0c);
	fake_now += 2 * S;
	CHECK_INT("SET: PF still set, no UF", rd(0x0c) & 0x50, 0x40);
	wr(0x0b, 0x02);
	/* A stopped divider: no updates, no UIP. */
	wr(0x0a, 0x70 | 0x06);
	fake_now = (fake_now / S + 1) * S - 1000;
	CHECK_INT("divider reset: no UIP", rd(0x0a), 0x76);
	wr(0x0a, 0x26);

	/* NVRAM: PC layout for 256 MiB, checksum, and plain storage. */
	CHECK_INT("base memory (KiB) at 0x15", rd(0x15) | rd(0x16) << 8, PLAT_LOW_RAM_END >> 10);
	CHECK_INT("extended memory at 0x17 (capped)", rd(0x17) | rd(0x18) << 8, 0xffff);
	CHECK_INT("extended memory at 0x30 (capped)", rd(0x30) | rd(0x31) << 8, 0xffff);
	CHECK_INT("memory above 16 MiB at 0x34 (64 KiB units)", rd(0x34) | rd(0x35) << 8,
		  (256 - 16) * 16);
	CHECK_INT("no memory above 4 GiB", rd(0x5b) | rd(0x5c) << 8 | rd(0x5d) << 16, 0);
	{
		unsigned sum = 0;

		for (u8 i = 0x10; i <= 0x2d; i++)
			sum += rd(i);
		CHECK_INT("checksum of 0x10-0x2D at 0x2E", rd(0x2e) << 8 | rd(0x2f), sum);
	}
	wr(0x40, 0xa5);
	wr(0x7f, 0x5a);
	CHECK("NVRAM keeps what was written", rd(0x40) == 0xa5 && rd(0x7f) == 0x5a);
	wr(0x0c, 0xff);
	wr(0x0d, 0x00);
	CHECK("C and D are read-only", rd(0x0d) == 0x80);
	rtc_destroy(vm);
	fake_vm_free(vm);

	/* 5 GiB: 3 GiB below the hole, 2 GiB above 4 GiB. */
	vm = fake_vm(5ULL << 30, 1);
	rtc_create(vm);
	CHECK_INT("memory above 4 GiB at 0x5B (64 KiB units)",
		  rd(0x5b) | rd(0x5c) << 8 | rd(0x5d) << 16, (2ULL << 30) >> 16);
	CHECK_INT("memory above 16 MiB stops at the PCI hole", rd(0x34) | rd(0x35) << 8,
		  (3072 - 16) * 16);
	rtc_destroy(vm);
	fake_vm_free(vm);

	/* No host date: the clock starts at 1970-01-01. */
	fake_tod_at_zero = 0 - fake_now;
	vm = fake_vm(64ULL << 20, 1);
	rtc_create(vm);
	CHECK("no host date: 1970-01-01", rd(0x09) == 0x70 && rd(0x32) == 0x19 && rd(0x08) == 1);
	rtc_destroy(vm);
	fake_vm_free(vm);
	CHECK("destroy cancels the timer", !dev_timer_any_armed());
	return unit_summary();
}
