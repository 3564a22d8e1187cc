/*
 * Standalone time: the TSC, its frequency from CPUID leaf 0x15 when that is
 * exact, otherwise calibrated once against PIT channel 2.
 */
#include "host/bare/bare.h"
#include "arch/x86/cpu.h"
#include "lib/log.h"

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
	log_debug("time: TSC at %llu Hz from %s (PIT measured %llu Hz)\n",
		  (unsigned long long)tsc_hz, source, (unsigned long long)pit);
}
