/* Firmware-hosted time: the TSC frequency from CPUID, or measured against the firmware's Stall. */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/cpu.h"

void uefi_time_init(void)
{
	u64 hz = host_tsc_hz_from_cpuid();

	if (!hz) {
		u64 t0 = rdtsc();

		uefi_bs->Stall(50000);
		hz = (rdtsc() - t0) * 20;
	}
	host_time_start(hz);
}
