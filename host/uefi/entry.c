/* Firmware-hosted entry: UEFI loads us, we keep boot services, and return to it on exit or panic. */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "boot/main.h"
#include "arch/x86/cpu.h"
#include "lib/log.h"

EFI_HANDLE uefi_image;
EFI_SYSTEM_TABLE *uefi_st;
EFI_BOOT_SERVICES *uefi_bs;

/* The point host_exit() returns to: efi_main's frame (host/uefi/jump.asm). */
struct uefi_jump {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
extern int uefi_setjmp(struct uefi_jump *j);
extern void uefi_longjmp(struct uefi_jump *j, int value) __attribute__((noreturn));

static struct uefi_jump exit_point;

void uefi_to_ascii(char *dst, size_t size, const CHAR16 *src)
{
	size_t i = 0;

	if (!size)
		return;
	for (; src && src[i] && i + 1 < size; i++)
		dst[i] = src[i] < 0x80 ? (char)src[i] : '?';
	dst[i] = 0;
}

void host_exit(int status)
{
	log_raw("macrohard: stopped (status %d); returning to the firmware\n", status);
	uefi_longjmp(&exit_point, status ? status : 1 << 30);
}

/* Runs the hypervisor; returns the status host_exit() was given. */
static int __attribute__((noinline)) uefi_run(void)
{
	int value = uefi_setjmp(&exit_point);

	if (value)
		return value == 1 << 30 ? 0 : value;
	macrohard_main();
}

/* gnu-efi's crt0 calls this with the System V convention, after relocating the image. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	int status;

	uefi_image = image;
	uefi_st = st;
	uefi_bs = st->BootServices;
	/* The firmware would reset the machine after five minutes otherwise. */
	uefi_bs->SetWatchdogTimer(0, 0, 0, NULL);
	uefi_console_init();
	uefi_exceptions_init();
	uefi_time_init();
	uefi_info_init();

	status = uefi_run();

	/* Back from host_exit (possibly out of an exception handler): undo what we changed. */
	uefi_exceptions_fini();
	uefi_time_fini();
	cpu_sti();
	return status ? EFI_ABORTED : EFI_SUCCESS;
}
