/*
 * Firmware-hosted console: the serial port directly (usable anywhere, even in a
 * panic) plus every firmware text console that is not itself a serial terminal,
 * so nothing is printed twice on the serial line.
 */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
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

/* The bytes a VT100 terminal sends for the firmware's scan codes (UEFI 2.10, 12.3.3). */
static const char *const scan_bytes[] = {
	[SCAN_UP] = "\x1b[A", [SCAN_DOWN] = "\x1b[B", [SCAN_RIGHT] = "\x1b[C",
	[SCAN_LEFT] = "\x1b[D", [SCAN_HOME] = "\x1b[H", [SCAN_END] = "\x1b[F",
	[SCAN_INSERT] = "\x1b[2~", [SCAN_DELETE] = "\x7f", [SCAN_PAGE_UP] = "\x1b[5~",
	[SCAN_PAGE_DOWN] = "\x1b[6~", [SCAN_ESC] = "\x1b",
};

/* One key as UTF-8 or a VT100 sequence into buf (room for at least 4 bytes); returns the length. */
static size_t key_bytes(const EFI_INPUT_KEY *key, u8 *buf)
{
	const char *s;
	size_t n = 0;
	u32 c = key->UnicodeChar;

	if (c) {
		if (c < 0x80) {
			buf[0] = (u8)c;
			return 1;
		}
		if (c < 0x800) {
			buf[0] = (u8)(0xc0 | (c >> 6));
			buf[1] = (u8)(0x80 | (c & 0x3f));
			return 2;
		}
		buf[0] = (u8)(0xe0 | (c >> 12));
		buf[1] = (u8)(0x80 | ((c >> 6) & 0x3f));
		buf[2] = (u8)(0x80 | (c & 0x3f));
		return 3;
	}
	if (key->ScanCode >= ARRAY_SIZE(scan_bytes) || !(s = scan_bytes[key->ScanCode]))
		return 0;
	while (s[n] && n < 4) {
		buf[n] = (u8)s[n];
		n++;
	}
	return n;
}

/*
 * The firmware's serial terminal polls COM1 on its own timer and keeps what it reads, so its
 * keys are taken first (through ConIn, which also has the screen's keyboard), then whatever
 * is still waiting in the UART.  With interrupts off throughout, so that its timer cannot
 * take bytes in between: it would hold older bytes than the ones read here from the UART,
 * and they would reach the guest after them (a typed line came out as "mh34e14d45", its
 * newline, then "3abd").  The firmware's own TPL changes inside ReadKeyStroke stay below
 * TPL_HIGH_LEVEL and leave the interrupt flag alone.
 */
size_t host_console_read(u8 *buf, size_t max)
{
	SIMPLE_INPUT_INTERFACE *in = uefi_st ? uefi_st->ConIn : NULL;
	u64 flags = read_rflags();
	EFI_INPUT_KEY key;
	size_t n = 0;
	int c;

	cpu_cli();
	while (in && max - n >= 4 && in->ReadKeyStroke(in, &key) == EFI_SUCCESS)
		n += key_bytes(&key, buf + n);
	while (n < max && (c = uart_getc(serial_port)) >= 0)
		buf[n++] = (u8)c;
	if (flags & BIT(9))
		cpu_sti();
	return n;
}

void uefi_console_drain(void)
{
	uart_drain(serial_port);
}
