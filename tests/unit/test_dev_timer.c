/* Device timers (devices/timer.c): order, re-arming from a callback, cancelling, the poll race. */
// unit-deps: devices/timer.c lib/spinlock.c
#include "tests/unit/unit.h"
#include "devices/timer.h"
#include <string.h>

/* One CPU here (lib/spinlock.c's recursive lock asks). */
u32 host_cpu_index(void) { return 0; }

static int fired[4];
static struct dev_timer t[4];

/*
 * The race of two CPUs: this one's poll has taken timer 0 off the list and waits for the
 * device's lock, which "another CPU" holds while the guest reloads the timer.  The wait hook
 * plays that CPU: it re-arms (or cancels) timer 0 and lets the lock go.
 */
static struct rspinlock dev_lock;
static int race_action;		/* 1 re-arm at 5000, 2 cancel */

void spin_wait_hook(void)
{
	if (!race_action || !__atomic_load_n(&t[0].firing, __ATOMIC_RELAXED))
		return;
	if (race_action == 1)
		dev_timer_arm(&t[0], 5000);
	else
		dev_timer_cancel(&t[0]);
	race_action = 0;
	__atomic_store_n(&dev_lock.owner, 0, __ATOMIC_RELAXED);
	spin_unlock(&dev_lock.lock);
}

/* "CPU 1" takes the device's lock. */
static void other_cpu_holds_lock(void)
{
	unit_check(spin_trylock(&dev_lock.lock), "the other CPU takes the device lock", "%s", "");
	dev_lock.owner = 2;
	dev_lock.depth = 1;
}

static void on_fire(struct dev_timer *tm, u64 now)
{
	int i = (int)(tm - t);

	fired[i]++;
	/* Timer 2 is periodic (100 ns) and re-arms itself from its deadline. */
	if (i == 2 && fired[2] < 3)
		dev_timer_arm(tm, tm->deadline_ns + 100);
	/* Timer 3 cancels timer 1 when it fires. */
	if (i == 3)
		dev_timer_cancel(&t[1]);
	(void)now;
}

int main(void)
{
	for (int i = 0; i < 4; i++)
		dev_timer_init(&t[i], on_fire, NULL);
	unit_check(!dev_timer_any_armed() && dev_timer_poll(5) == 0, "nothing armed", "%s", "");
	dev_timer_arm(&t[0], 100);
	dev_timer_arm(&t[1], 300);
	dev_timer_arm(&t[2], 150);
	unit_check(dev_timer_poll(50) == 100 && !fired[0], "earliest deadline reported", "%s", "");
	unit_check(dev_timer_poll(100) == 150 && fired[0] == 1 && !t[0].armed,
		   "due timer fires once and is disarmed", "fired %d", fired[0]);
	dev_timer_arm(&t[1], 200);
	unit_check(dev_timer_poll(120) == 150, "moving a timer keeps one entry", "%s", "");
	unit_check(dev_timer_poll(1000) == 0 && fired[1] == 1 && fired[2] == 3,
		   "late poll fires each due timer, callbacks re-arm until done",
		   "t1 %d t2 %d", fired[1], fired[2]);
	dev_timer_arm(&t[1], 2000);
	dev_timer_arm(&t[3], 1500);
	unit_check(dev_timer_poll(1600) == 0 && fired[3] == 1 && fired[1] == 1 && !t[1].armed,
		   "a callback may cancel another timer", "t1 %d", fired[1]);
	dev_timer_arm(&t[0], 0);
	unit_check(t[0].deadline_ns == 1, "deadline 0 is taken as 1", "%s", "");
	dev_timer_cancel(&t[0]);
	dev_timer_cancel(&t[0]);
	unit_check(!dev_timer_any_armed(), "cancel twice is harmless", "%s", "");
	/* cancel_sync: nothing is firing here, so it returns at once and leaves the timer disarmed. */
	dev_timer_arm(&t[0], 1000000);
	dev_timer_cancel_sync(&t[0]);
	unit_check(!t[0].armed && !t[0].firing, "cancel_sync disarms and returns", "%s", "");

	/* A re-arm while the poll waits for the lock voids the old expiry; the new one fires. */
	u64 next;

	memset(fired, 0, sizeof(fired));
	dev_timer_set_lock(&t[0], &dev_lock);
	dev_timer_arm(&t[0], 3000);
	other_cpu_holds_lock();
	race_action = 1;
	next = dev_timer_poll(3000);
	unit_check(next == 5000 && fired[0] == 0 && t[0].armed,
		   "re-armed while the poll waited for its lock: the old expiry does not fire",
		   "fired %d, next %llu", fired[0], (unsigned long long)next);
	next = dev_timer_poll(5000);
	unit_check(next == 0 && fired[0] == 1, "... and the new deadline fires once", "fired %d",
		   fired[0]);
	/* A cancel in the same place: nothing fires. */
	dev_timer_arm(&t[0], 6000);
	other_cpu_holds_lock();
	race_action = 2;
	next = dev_timer_poll(7000);
	unit_check(next == 0 && fired[0] == 1 && !t[0].armed && !t[0].firing,
		   "cancelled while the poll waited for its lock: nothing fires", "fired %d", fired[0]);
	/* Uncontended, the lock is taken around the callback and it fires. */
	dev_timer_arm(&t[0], 8000);
	next = dev_timer_poll(8000);
	unit_check(next == 0 && fired[0] == 2 && dev_lock.owner == 0,
		   "with its lock free, a due timer fires and the lock is let go", "fired %d", fired[0]);
	return unit_summary();
}
