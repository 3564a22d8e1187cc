/*
 * The host interface: everything common code needs from the machine it runs on.
 * host/uefi/ (firmware-hosted) and host/bare/ (standalone) implement it.
 */
#ifndef HOST_HOST_H
#define HOST_HOST_H

#include "lib/types.h"

enum host_mode { HOST_MODE_UEFI, HOST_MODE_BARE };

struct host_mem_summary {
	u32 entries;		/* descriptors in the firmware/loader map */
	u64 usable_bytes;	/* RAM free for the hypervisor and guests */
	u64 reserved_bytes;	/* everything else the map describes */
	u64 largest_free;	/* largest contiguous usable range */
	u64 highest_addr;	/* end of the highest mapped range */
};

struct host_info {
	enum host_mode mode;
	char firmware[96];	/* vendor (and loader) as reported */
	u32 firmware_revision;
	u32 spec_revision;	/* UEFI spec revision, or 0 */
	u32 cpu_count;		/* enabled logical CPUs */
	struct host_mem_summary mem;
};

/* Console: the serial port plus, where present, the firmware's screen console. */
void host_console_write(const char *s, size_t len);
/* Selects the serial port (0 = none) and baud rate used from now on. */
void host_console_set_serial(u16 port, u32 baud);
/*
 * Console input without waiting: up to max bytes typed on the serial port (and, firmware-
 * hosted, on the firmware's text input: keys become the bytes a VT100 terminal sends).
 * Returns how many were read.
 */
size_t host_console_read(u8 *buf, size_t max);

/*
 * Monotonic time since start-up, from the TSC (host/tsc_clock.c, common to both
 * modes); each host layer measures the TSC frequency and calls host_time_start().
 */
u64 host_time_ns(void);
u64 host_tsc_hz(void);
/* Busy-waits at least us microseconds. */
void host_udelay(u64 us);
void host_time_start(u64 tsc_hz);
/* The exact TSC frequency from CPUID leaf 0x15, or 0 when the CPU does not state it. */
u64 host_tsc_hz_from_cpuid(void);

/*
 * Wall-clock time: nanoseconds since 1970-01-01 00:00:00 as the host's clock keeps it (the
 * firmware's GetTime or the RTC, read once at start-up; time zone as the machine keeps it,
 * usually UTC on Linux machines), advanced with host_time_ns().  0 when no date is known.
 */
u64 host_time_of_day_ns(void);
/* Called once by the host layer after host_time_start(), with the date it read. */
void host_tod_start(u64 unix_seconds);

/* Zeroed, 4 KiB-aligned, identity-mapped pages; 0 when none are left. */
u64 host_pages_alloc(u64 count);
void host_pages_free(u64 addr, u64 count);

/*
 * Reads a whole file from the boot medium into freshly allocated pages.
 * Paths use '/'.  Returns 0 or a negative error; *data and *size on success.
 */
int host_file_read(const char *path, void **data, u64 *size);
void host_file_free(void *data, u64 size);

/* Firmware, memory and CPU inventory, filled once at start-up. */
const struct host_info *host_get_info(void);

/* The identity of the calling CPU, for log and panic messages. */
u32 host_cpu_index(void);

/* Final acts: never return.  host_exit returns control to the firmware where it can. */
void host_poweroff(void) __attribute__((noreturn));
void host_reboot(void) __attribute__((noreturn));
void host_halt(void) __attribute__((noreturn));
void host_exit(int status) __attribute__((noreturn));

#endif
