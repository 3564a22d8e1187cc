/*
 * Monotonic time for both host modes: the TSC, scaled by a multiplier computed
 * once from the frequency the host layer measured (so reading time never divides).
 */
#include "host/host.h"
#include "arch/x86/cpu.h"

static u64 tsc_hz;
static u64 tsc_at_start;
static u64 ns_mult;	/* ns = (ticks * ns_mult) >> 32 */

void host_time_start(u64 hz)
{
	tsc_hz = hz < 1000000 ? 1000000 : hz;
	ns_mult = (1000000000ULL << 32) / tsc_hz;
	tsc_at_start = rdtsc();
}

/* SDM vol. 3, 19.7.3: TSC = crystal * EBX / EAX, exact only when ECX names the crystal. */
u64 host_tsc_hz_from_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (u64)r.ecx * r.ebx / r.eax;
}

u64 host_tsc_hz(void)
{
	return tsc_hz;
}

u64 host_time_ns(void)
{
	if (!ns_mult)
		return 0;
	return (u64)(((unsigned __int128)(rdtsc() - tsc_at_start) * ns_mult) >> 32);
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
	end = host_time_ns() + (us > UINT64_MAX / 4000 ? UINT64_MAX / 4 : us * 1000);
	while (host_time_ns() < end)
		cpu_relax();
}
