/*
 * Spinlocks for state shared between host CPUs: a plain one, and a recursive one (the
 * per-VM lock and the log, which a CPU may take again from a nested path or a fault).
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "lib/types.h"

struct spinlock {
	u32 locked;
};

/* Owner is the host CPU index + 1 (0 = free); depth counts nested acquisitions. */
struct rspinlock {
	struct spinlock lock;
	u32 owner;
	u32 depth;
};

/*
 * Called on every turn of a wait for a lock: the boot CPU serves the work other CPUs
 * post to it meanwhile (host/smp.c), so a CPU that holds a lock while it waits for the
 * boot CPU cannot deadlock with a boot CPU waiting for that lock.  Weak: host unit
 * tests link without it.
 */
void spin_wait_hook(void) __attribute__((weak));

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			__builtin_ia32_pause();
			if (spin_wait_hook)
				spin_wait_hook();
		}
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* lib/spinlock.c: the recursive lock, keyed on host_cpu_index(). */
void rspin_lock(struct rspinlock *l);
/* Gives up after about max_spins turns (a CPU that died holding it); true when taken. */
bool rspin_lock_bounded(struct rspinlock *l, u64 max_spins);
void rspin_unlock(struct rspinlock *l);
/* Whether the calling CPU holds it. */
bool rspin_held(const struct rspinlock *l);
/* Frees the lock if the calling CPU holds it, however deep (a CPU that stops for good). */
void rspin_drop_if_held(struct rspinlock *l);

#endif
