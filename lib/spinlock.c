/* The recursive spinlock: the owning CPU may take it again without deadlocking itself. */
#include "lib/spinlock.h"
#include "host/host.h"

static u32 rspin_self(void)
{
	return host_cpu_index() + 1;
}

bool rspin_held(const struct rspinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == rspin_self();
}

bool rspin_lock_bounded(struct rspinlock *l, u64 max_spins)
{
	u32 self = rspin_self();

	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == self) {
		l->depth++;
		return true;
	}
	for (u64 n = 0; !spin_trylock(&l->lock); n++) {
		if (max_spins && n >= max_spins)
			return false;
		__builtin_ia32_pause();
		if (spin_wait_hook)
			spin_wait_hook();
	}
	__atomic_store_n(&l->owner, self, __ATOMIC_RELAXED);
	l->depth = 1;
	return true;
}

void rspin_lock(struct rspinlock *l)
{
	rspin_lock_bounded(l, 0);
}

void rspin_unlock(struct rspinlock *l)
{
	if (--l->depth)
		return;
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
	spin_unlock(&l->lock);
}

void rspin_drop_if_held(struct rspinlock *l)
{
	if (!rspin_held(l))
		return;
	l->depth = 1;
	rspin_unlock(l);
}
