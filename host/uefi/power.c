/* Firmware-hosted power actions through the runtime services. */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "lib/log.h"

void uefi_console_drain(void);

void host_poweroff(void)
{
	log_raw("macrohard: powering off\n");
	uefi_console_drain();
	uefi_st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	host_halt();
}

void host_reboot(void)
{
	log_raw("macrohard: rebooting\n");
	uefi_console_drain();
	uefi_st->RuntimeServices->ResetSystem(EfiResetCold, EFI_SUCCESS, 0, NULL);
	host_halt();
}

void host_halt(void)
{
	log_raw("macrohard: system halted\n");
	uefi_console_drain();
	for (;;) {
		cpu_cli();
		cpu_hlt();
	}
}
