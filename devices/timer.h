/*
 * Device timers (devices/timer.c): callbacks at absolute host times (host_time_ns), for
 * device models such as the PIT, the RTC and the local APIC timer.  The scheduler polls them
 * with the vCPU timers and bounds every guest entry by the earliest deadline.
 */
#ifndef DEVICES_TIMER_H
#define DEVICES_TIMER_H

#include "lib/types.h"
#include "lib/spinlock.h"

struct dev_timer {
	u64 deadline_ns;	/* when it fires; meaningful while armed */
	bool armed;
	/* Called once at or after the deadline, already disarmed; it may re-arm the timer. */
	void (*fire)(struct dev_timer *t, u64 now);
	void *opaque;
	/* Taken around fire() when set: the device's VM lock (struct vm.lock), see below. */
	struct rspinlock *lock;
	u32 firing;		/* a CPU has taken it off the list to fire it */
	u32 gen;		/* bumped by every arm and cancel (under the list lock) */
	struct dev_timer *next;	/* in the armed list */
};

void dev_timer_init(struct dev_timer *t, void (*fire)(struct dev_timer *, u64), void *opaque);
/*
 * Every host CPU polls the one list (under its own lock), so fire() may run on any CPU
 * while another CPU handles an exit of the device's VM: a device model gives its timers
 * its VM's lock, which is held around fire() (and never while the list lock is).  Call
 * dev_timer_poll() without holding a VM lock.
 */
void dev_timer_set_lock(struct dev_timer *t, struct rspinlock *lock);
/* Arms (or moves) the timer to fire at deadline_ns (0 is taken as 1). */
void dev_timer_arm(struct dev_timer *t, u64 deadline_ns);
/* Disarms it; harmless when not armed. */
void dev_timer_cancel(struct dev_timer *t);
/*
 * Disarms it and waits until no other CPU is still firing it: what a device calls for each
 * timer before it is freed, without holding the timer's lock (vm_destroy holds none).
 */
void dev_timer_cancel_sync(struct dev_timer *t);
/*
 * Fires every timer due at now; returns the earliest remaining deadline, 0 when none is armed.
 * A timer that its device re-armed or cancelled after the poll took it off the list, while
 * the poll waited for the device's lock, does not fire: the device's later word stands.
 */
u64 dev_timer_poll(u64 now);
bool dev_timer_any_armed(void);

#endif
