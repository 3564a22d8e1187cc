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

/*
 * CPUs (host/smp.c, common, and each host layer's smp.c).  CPUs are numbered 0 .. count-1;
 * 0 is the boot CPU (BSP), which keeps the firmware.  host_cpu_index() reads the number
 * from the per-CPU block the GS base points at: cheap, and right on every CPU once that
 * CPU's host layer has called host_percpu_init().
 */
#define HOST_MAX_CPUS 64
/* The calling CPU's number. */
u32 host_cpu_index(void);
/* How many CPUs the host can start code on (enabled in the MP services list or the MADT). */
u32 host_cpu_count(void);
/* The local APIC ID of CPU cpu. */
u32 host_cpu_apic_id(u32 cpu);
/*
 * Starts fn(arg) on application processor cpu (1 .. count-1) and returns without waiting.
 * fn runs on a stack, GDT/TSS and IDT of the hypervisor's, with interrupts disabled, and
 * must never call the firmware.  When fn returns, the CPU goes back to the firmware
 * (firmware-hosted) or halts (standalone).  Returns 0 or a negative error.
 */
int host_cpu_start(u32 cpu, void (*fn)(void *), void *arg);
/* Whether fn has been started on cpu and has not returned (or parked) yet. */
bool host_cpu_running(u32 cpu);
/* Waits (bounded, serving posted work) until every started AP has finished. */
void host_cpus_wait_finished(u64 timeout_us);
/*
 * A fixed-vector IPI to cpu (not to the caller): a guest running there exits (external
 * interrupt / INTR intercept) and the CPU's scheduler looks at what was posted to it.
 */
void host_cpu_kick(u32 cpu);
/*
 * The same IPI to the calling CPU: held while it blocks interrupts (GIF or IF clear), so a
 * guest entered meanwhile exits (INTR intercept) at its first instruction boundary.  False
 * when nothing was sent: the firmware-hosted BSP without a handler for the vector.
 */
bool host_cpu_kick_self(void);
/* Whether the calling CPU's local APIC timer belongs to the hypervisor (APs; the BSP standalone). */
bool host_cpu_owns_timer(void);
/*
 * Stops the calling AP for good after a fault: runs the hook the scheduler registered
 * (stop the VMs of its vCPUs, drop locks this CPU holds), then returns the AP to the
 * firmware (firmware-hosted) or halts it (standalone).
 */
void host_cpu_park(void) __attribute__((noreturn));
void host_cpu_set_lost_hook(void (*hook)(void));
/* Asks every AP to stop running vCPUs (set by a panic on the BSP); APs poll it. */
void host_cpus_abort(void);
bool host_cpus_aborting(void);
/*
 * Runs fn(arg) on the boot CPU and waits for it: how an AP gets firmware services
 * (page allocation, in firmware-hosted mode).  On the BSP it simply calls fn.
 */
void host_bsp_call(void (*fn)(void *), void *arg);
/* The BSP serves a posted call, if any (its scheduler loop and lock waits call this). */
void host_bsp_service(void);
bool host_bsp_call_pending(void);

/* Final acts: never return.  host_exit returns control to the firmware where it can. */
void host_poweroff(void) __attribute__((noreturn));
void host_reboot(void) __attribute__((noreturn));
void host_halt(void) __attribute__((noreturn));
void host_exit(int status) __attribute__((noreturn));

#endif
