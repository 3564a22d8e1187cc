/*
 * Standalone time: the TSC, its frequency from CPUID leaf 0x15 when that is
 * exact, otherwise calibrated once against PIT channel 2; the date read once
 * from the machine's CMOS RTC.
 */
#include "host/bare/bare.h"
#include "arch/x86/cpu.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/string.h"

#define PIT_HZ 1193182ULL
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
#define PIT_GATE 0x61			/* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */
#define CALIBRATE_MS 50
#define CALIBRATE_TICKS (PIT_HZ * CALIBRATE_MS / 1000)	/* 59659, fits the 16-bit counter */
/* Generous: each poll is a port read of about 1 us, so this is seconds. */
#define CALIBRATE_MAX_POLLS 20000000u

/*
 * PIT channel 2 in mode 0 counts down once from CALIBRATE_TICKS with the gate
 * high; OUT2 (port 0x61 bit 5) rises at terminal count.  Returns TSC ticks per
 * second, or 0 if OUT2 never rose (no PIT).
 */
static u64 time_calibrate_pit(void)
{
	u64 start, end;
	u32 polls = 0;
	u8 gate = inb(PIT_GATE);

	outb(PIT_GATE, (gate & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(PIT_MODE, 0xB0);			/* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2_DATA, CALIBRATE_TICKS & 0xFF);
	outb(PIT_CH2_DATA, CALIBRATE_TICKS >> 8);
	start = rdtsc();
	while (!(inb(PIT_GATE) & 0x20)) {
		if (++polls == CALIBRATE_MAX_POLLS) {
			outb(PIT_GATE, gate);
			return 0;
		}
	}
	end = rdtsc();
	outb(PIT_GATE, gate);
	return (end - start) * PIT_HZ / CALIBRATE_TICKS;
}

/* Leaf 0x16: the nominal base frequency in MHz; only a last resort. */
static u64 time_cpuid_base_hz(void)
{
	if (cpuid(0, 0).eax < 0x16)
		return 0;
	return (u64)(cpuid(0x16, 0).eax & 0xFFFF) * 1000000;
}

static bool time_close(u64 a, u64 b)
{
	u64 diff = a > b ? a - b : b - a;

	return diff <= a / 50;	/* within 2 % */
}

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80	/* keep NMIs masked while the index points somewhere */
#define CMOS_UIP_MAX_POLLS 100000u	/* an update lasts under 2 ms; polls are about 1 us */

static u8 cmos_read(u8 reg)
{
	outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static u8 cmos_bin(u8 v, bool bcd)
{
	return bcd ? (u8)((v >> 4) * 10 + (v & 0xf)) : v;
}

/* MC146818: read while no update is in progress, twice until two reads agree. */
static void bare_tod_init(void)
{
	static const u8 regs[7] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32 };
	u8 a[7], b[7], regb;
	struct date_time d;
	bool bcd;
	u32 polls = 0;

	for (u32 tries = 0; tries < 5; tries++) {
		while ((cmos_read(0x0a) & 0x80) && ++polls < CMOS_UIP_MAX_POLLS)
			;
		for (u32 i = 0; i < 7; i++)
			a[i] = cmos_read(regs[i]);
		for (u32 i = 0; i < 7; i++)
			b[i] = cmos_read(regs[i]);
		if (!memcmp(a, b, sizeof(a)))
			break;
	}
	regb = cmos_read(0x0b);
	outb(CMOS_INDEX, 0x0d);		/* leave the index on a harmless register, NMIs on */
	bcd = !(regb & 0x04);
	d.sec = cmos_bin(a[0], bcd);
	d.min = cmos_bin(a[1], bcd);
	d.hour = cmos_bin(a[2] & 0x7f, bcd);
	if (!(regb & 0x02))		/* 12-hour mode: 12 AM is 0, bit 7 is PM */
		d.hour = (u8)(d.hour % 12 + ((a[2] & 0x80) ? 12 : 0));
	d.day = cmos_bin(a[3], bcd);
	d.month = cmos_bin(a[4], bcd);
	d.year = cmos_bin(a[5], bcd) + 100U * (a[6] && a[6] != 0xff ? cmos_bin(a[6], bcd) :
					       cmos_bin(a[5], bcd) < 70 ? 20 : 19);
	if (d.year < 1970 || d.month < 1 || d.month > 12 || !d.day ||
	    d.day > date_month_days(d.year, d.month) || d.hour > 23 || d.min > 59 || d.sec > 59) {
		log_warn("time: the CMOS RTC holds no valid date; guests' clocks start at 1970\n");
		host_tod_start(0);
		return;
	}
	host_tod_start(date_to_unix(&d));
}

void bare_time_init(void)
{
	u64 pit, exact, tsc_hz;
	const char *source = "CPUID 0x15";

	pit = time_calibrate_pit();
	exact = host_tsc_hz_from_cpuid();
	/*
	 * Emulators may report a CPUID crystal that does not match the rate
	 * their TSC really advances at; the PIT measurement settles that.
	 */
	if (exact && (!pit || time_close(pit, exact))) {
		tsc_hz = exact;
	} else if (pit) {
		tsc_hz = pit;
		source = "PIT calibration";
	} else {
		tsc_hz = time_cpuid_base_hz();
		source = "CPUID 0x16 (nominal)";
	}
	if (!tsc_hz) {
		tsc_hz = 1000000000ULL;
		log_warn("time: no PIT and no CPUID frequency; assuming a 1 GHz TSC\n");
		source = "a guess";
	}
	host_time_start(tsc_hz);
	bare_tod_init();
	log_debug("time: TSC at %llu Hz from %s (PIT measured %llu Hz)\n",
		  (unsigned long long)tsc_hz, source, (unsigned long long)pit);
}
