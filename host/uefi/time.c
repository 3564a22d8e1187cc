/*
 * Firmware-hosted time: the TSC frequency from CPUID, or measured against the firmware's Stall;
 * the date once from the firmware's GetTime (then advanced with the TSC, host/tod.c); and the
 * firmware's timer tick, shortened while guests run.
 */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "lib/date.h"
#include "lib/log.h"

/*
 * The boot CPU's timer interrupt belongs to the firmware, and on a CPU without a preemption
 * timer (AMD-V) it is what ends a busy guest's run: the scheduler can fire a guest's due
 * timers only at an exit.  A 1 ms tick bounds that lateness to 1 ms; OVMF's default is 10 ms.
 */
#define TICK_100NS 10000ULL

static struct uefi_timer_arch *timer_arch;
static u64 firmware_period;

static void uefi_tick_init(void)
{
	EFI_GUID guid = UEFI_TIMER_ARCH_PROTOCOL_GUID;

	if (uefi_bs->LocateProtocol(&guid, NULL, (void **)&timer_arch) ||
	    timer_arch->get_timer_period(timer_arch, &firmware_period)) {
		timer_arch = NULL;
		log_warn("no timer architectural protocol: the firmware's tick stays as it is\n");
		return;
	}
	if (firmware_period && firmware_period <= TICK_100NS)
		return;
	if (timer_arch->set_timer_period(timer_arch, TICK_100NS)) {
		log_warn("the firmware refused a 1 ms timer tick; it stays at %llu us\n",
			 (unsigned long long)firmware_period / 10);
		timer_arch = NULL;
		return;
	}
	log_debug("firmware timer tick: %llu us -> 1000 us\n",
		  (unsigned long long)firmware_period / 10);
}

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
	uefi_tick_init();
}

/* Gives the firmware its own tick back before control returns to it. */
void uefi_time_fini(void)
{
	if (timer_arch && firmware_period)
		timer_arch->set_timer_period(timer_arch, firmware_period);
	timer_arch = NULL;
}
