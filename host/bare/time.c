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

static u64 tsc_hz;
static u64 tsc_at_boot;
/* ns = (tsc delta * ns_mult) >> 32, precomputed so reading the time never divides. */
static u64 ns_mult;

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

/* SDM vol. 3, 19.7.3: TSC = crystal * EBX / EAX, exact only when ECX names the crystal. */
static u64 time_cpuid_tsc_hz(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (u64)r.ecx * r.ebx / r.eax;
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
	u64 pit, exact;
	const char *source = "CPUID 0x15";

	tsc_at_boot = rdtsc();
	pit = time_calibrate_pit();
	exact = time_cpuid_tsc_hz();
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
	ns_mult = (1000000000ULL << 32) / tsc_hz;
	log_debug("time: TSC at %llu Hz from %s (PIT measured %llu Hz)\n",
		  (unsigned long long)tsc_hz, source, (unsigned long long)pit);
}

u64 host_tsc_hz(void)
{
	return tsc_hz;
}

u64 host_time_ns(void)
{
	u64 delta;

	if (!ns_mult)
		return 0;
	delta = rdtsc() - tsc_at_boot;
	return (u64)(((unsigned __int128)delta * ns_mult) >> 32);
}

void host_udelay(u64 us)
{
	u64 end;

	if (!ns_mult) {
		/* Before calibration: a port 0x80 write takes about 1 us on a PC. */
		while (us--)
			outb(0x80, 0);
		return;
	}
	end = host_time_ns() + (us > UINT64_MAX / 1000 ? UINT64_MAX / 2 : us * 1000);
	while (host_time_ns() < end)
		cpu_relax();
}
