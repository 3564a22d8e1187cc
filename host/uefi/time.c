/*
 * Firmware-hosted time: the TSC frequency from CPUID, or measured against the firmware's Stall;
 * the date once from the firmware's GetTime (then advanced with the TSC, host/tod.c).
 */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "lib/date.h"
#include "lib/log.h"

static void uefi_tod_init(void)
{
	EFI_TIME t;
	struct date_time d;

	if (EFI_ERROR(uefi_st->RuntimeServices->GetTime(&t, NULL)) || t.Year < 1970 ||
	    !t.Month || t.Month > 12 || !t.Day || t.Day > date_month_days(t.Year, t.Month) ||
	    t.Hour > 23 || t.Minute > 59 || t.Second > 59) {
		log_warn("time: the firmware gave no valid date; guests' clocks start at 1970\n");
		host_tod_start(0);
		return;
	}
	/* The clock as the firmware keeps it; TimeZone is not applied (often unspecified). */
	d = (struct date_time){ .year = t.Year, .month = t.Month, .day = t.Day, .hour = t.Hour,
				.min = t.Minute, .sec = t.Second };
	host_tod_start(date_to_unix(&d));
}

void uefi_time_init(void)
{
	u64 hz = host_tsc_hz_from_cpuid();

	if (!hz) {
		u64 t0 = rdtsc();

		uefi_bs->Stall(50000);
		hz = (rdtsc() - t0) * 20;
	}
	host_time_start(hz);
	uefi_tod_init();
}
