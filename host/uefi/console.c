/*
 * Firmware-hosted console: the serial port directly (usable anywhere, even in a
 * panic) plus every firmware text console that is not itself a serial terminal,
 * so nothing is printed twice on the serial line.
 */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/uart.h"

#define MAX_SCREENS 4

static u16 serial_port;
static SIMPLE_TEXT_OUTPUT_INTERFACE *screens[MAX_SCREENS];
static u32 screen_count;

static bool path_is_serial(EFI_DEVICE_PATH *dp)
{
	/* Bounded walk: a device path is a list of nodes ending in an end node. */
	for (int i = 0; i < 64; i++) {
		u16 len = dp->Length[0] | (dp->Length[1] << 8);

		if (dp->Type == END_DEVICE_PATH_TYPE || len < 4)
			return false;
		if (dp->Type == MESSAGING_DEVICE_PATH && dp->SubType == MSG_UART_DP)
			return true;
		dp = (EFI_DEVICE_PATH *)((u8 *)dp + len);
	}
	return false;
}

void uefi_console_init(void)
{
	EFI_GUID text_guid = SIMPLE_TEXT_OUTPUT_PROTOCOL;
	EFI_GUID path_guid = DEVICE_PATH_PROTOCOL;
	EFI_HANDLE *handles = NULL;
	UINTN count = 0;

	host_console_set_serial(0x3f8, 115200);
	if (uefi_bs->LocateHandleBuffer(ByProtocol, &text_guid, NULL, &count, &handles))
		return;
	for (UINTN i = 0; i < count && screen_count < MAX_SCREENS; i++) {
		EFI_DEVICE_PATH *dp;
		SIMPLE_TEXT_OUTPUT_INTERFACE *out;

		/* The console splitter has no device path; it would mirror to serial. */
		if (uefi_bs->HandleProtocol(handles[i], &path_guid, (void **)&dp) || path_is_serial(dp))
			continue;
		if (uefi_bs->HandleProtocol(handles[i], &text_guid, (void **)&out) == EFI_SUCCESS)
			screens[screen_count++] = out;
	}
	uefi_bs->FreePool(handles);
}

void host_console_set_serial(u16 port, u32 baud)
{
	serial_port = uart_init(port, baud) ? port : 0;
}

static void screen_write(const char *s, size_t len)
{
	CHAR16 buf[128];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (n + 3 >= ARRAY_SIZE(buf)) {
			buf[n] = 0;
			for (u32 k = 0; k < screen_count; k++)
				screens[k]->OutputString(screens[k], buf);
			n = 0;
		}
		if (s[i] == '\n')
			buf[n++] = '\r';
		buf[n++] = (u8)s[i] < 0x80 ? (CHAR16)s[i] : '?';
	}
	buf[n] = 0;
	for (u32 k = 0; k < screen_count; k++)
		screens[k]->OutputString(screens[k], buf);
}

/* lib/log.c serialises callers.  APs never call the firmware: their lines go to serial only. */
void host_console_write(const char *s, size_t len)
{
	uart_write(serial_port, s, len);
	if (host_cpu_index() == 0)
		screen_write(s, len);
}

void uefi_console_drain(void)
{
	uart_drain(serial_port);
}
