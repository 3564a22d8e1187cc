/* Firmware-hosted time: the TSC, its frequency from CPUID or measured against the firmware's Stall. */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/cpu.h"

static u64 tsc_hz;
static u64 tsc_start;
static u64 ns_mult;	/* ns = (ticks * ns_mult) >> 32 */

/* SDM vol. 2A, CPUID leaf 15H: TSC = crystal * EBX / EAX, when all three are given. */
static u64 tsc_hz_from_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (u64)r.ecx * r.ebx / r.eax;
}

void uefi_time_init(void)
{
	u64 t0, t1;

	tsc_hz = tsc_hz_from_cpuid();
	if (!tsc_hz) {
		t0 = rdtsc();
		uefi_bs->Stall(50000);
		t1 = rdtsc();
		tsc_hz = (t1 - t0) * 20;
	}
	if (tsc_hz < 1000000)
		tsc_hz = 1000000;
	ns_mult = (1000000000ULL << 32) / tsc_hz;
	tsc_start = rdtsc();
}

u64 host_tsc_hz(void)
{
	return tsc_hz;
}

u64 host_time_ns(void)
{
	return (u64)(((unsigned __int128)(rdtsc() - tsc_start) * ns_mult) >> 32);
}

void host_udelay(u64 us)
{
	u64 end = rdtsc() + us * (tsc_hz / 1000000);

	while ((s64)(rdtsc() - end) < 0)
		cpu_relax();
}
