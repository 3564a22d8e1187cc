/* Device timers: an unsorted list of the armed ones (a VM has a handful), polled by the scheduler. */
#include "devices/timer.h"

static struct dev_timer *armed_list;
static struct spinlock list_lock;

void dev_timer_init(struct dev_timer *t, void (*fire)(struct dev_timer *, u64), void *opaque)
{
	t->deadline_ns = 0;
	t->armed = false;
	t->fire = fire;
	t->opaque = opaque;
	t->lock = NULL;
	t->firing = 0;
	t->gen = 0;
	t->next = NULL;
}

void dev_timer_set_lock(struct dev_timer *t, struct rspinlock *lock)
{
	t->lock = lock;
}

static void dev_timer_unlink(struct dev_timer *t)
{
	for (struct dev_timer **p = &armed_list; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = false;
}

void dev_timer_arm(struct dev_timer *t, u64 deadline_ns)
{
	spin_lock(&list_lock);
	t->gen++;
	if (!t->armed) {
		t->next = armed_list;
		armed_list = t;
		t->armed = true;
	}
	t->deadline_ns = deadline_ns ? deadline_ns : 1;
	spin_unlock(&list_lock);
}

void dev_timer_cancel(struct dev_timer *t)
{
	spin_lock(&list_lock);
	t->gen++;
	if (t->armed)
		dev_timer_unlink(t);
	spin_unlock(&list_lock);
}

void dev_timer_cancel_sync(struct dev_timer *t)
{
	dev_timer_cancel(t);
	while (__atomic_load_n(&t->firing, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	/* A periodic device re-arms from its callback: that one, too, is taken off. */
	dev_timer_cancel(t);
}

bool dev_timer_any_armed(void)
{
	return armed_list != NULL;
}

u64 dev_timer_poll(u64 now)
{
	u64 next = 0;
	bool again = true;

	/* A callback may arm or cancel any timer, so start over after each one fires. */
	while (again) {
		struct dev_timer *due = NULL;
		u32 gen = 0;

		again = false;
		spin_lock(&list_lock);
		for (struct dev_timer *t = armed_list; t; t = t->next) {
			if (t->deadline_ns <= now) {
				dev_timer_unlink(t);
				__atomic_store_n(&t->firing, 1, __ATOMIC_RELAXED);
				due = t;
				gen = t->gen;
				break;
			}
		}
		spin_unlock(&list_lock);
		if (due) {
			if (due->lock)
				rspin_lock(due->lock);
			/*
			 * Between the unlink and the lock, the vCPU that owns the device may have
			 * re-armed or cancelled it (a guest reloading its local APIC timer): this
			 * expiry is void then, and firing it would give the guest an interrupt it
			 * took back.  Arm and cancel run under the device's lock, held here.
			 */
			if (__atomic_load_n(&due->gen, __ATOMIC_RELAXED) == gen)
				due->fire(due, now);
			if (due->lock)
				rspin_unlock(due->lock);
			__atomic_store_n(&due->firing, 0, __ATOMIC_RELEASE);
			again = true;
		}
	}
	spin_lock(&list_lock);
	for (struct dev_timer *t = armed_list; t; t = t->next)
		if (!next || t->deadline_ns < next)
			next = t->deadline_ns;
	spin_unlock(&list_lock);
	return next;
}
