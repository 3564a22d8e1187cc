/* Device timers: an unsorted list of the armed ones (a VM has a handful), polled by the scheduler. */
#include "devices/timer.h"

static struct dev_timer *armed_list;

void dev_timer_init(struct dev_timer *t, void (*fire)(struct dev_timer *, u64), void *opaque)
{
	t->deadline_ns = 0;
	t->armed = false;
	t->fire = fire;
	t->opaque = opaque;
	t->next = NULL;
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
	if (!t->armed) {
		t->next = armed_list;
		armed_list = t;
		t->armed = true;
	}
	t->deadline_ns = deadline_ns ? deadline_ns : 1;
}

void dev_timer_cancel(struct dev_timer *t)
{
	if (t->armed)
		dev_timer_unlink(t);
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
		again = false;
		for (struct dev_timer *t = armed_list; t; t = t->next) {
			if (t->deadline_ns <= now) {
				dev_timer_unlink(t);
				t->fire(t, now);
				again = true;
				break;
			}
		}
	}
	for (struct dev_timer *t = armed_list; t; t = t->next)
		if (!next || t->deadline_ns < next)
			next = t->deadline_ns;
	return next;
}
