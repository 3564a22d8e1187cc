/*
 * Spinlocks (lib/spinlock.h, lib/spinlock.c) under real threads: mutual exclusion of the
 * plain lock, recursion and exclusion of the recursive one, the bounded wait, and
 * dropping a lock a stopped CPU still holds.  Each thread plays one host CPU.
 */
// unit-deps: lib/spinlock.c
// unit-libs: -lpthread
#include <pthread.h>
#include "tests/unit/unit.h"
#include "lib/spinlock.h"

#define THREADS 4
#define ROUNDS 200000

static __thread u32 this_cpu;
u32 host_cpu_index(void) { return this_cpu; }

static struct spinlock plain;
static struct rspinlock rec;
static volatile u64 counter_plain, counter_rec;
static volatile int inside;
static int overlap;

static void *worker(void *arg)
{
	this_cpu = (u32)(uintptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		spin_lock(&plain);
		if (__atomic_fetch_add(&inside, 1, __ATOMIC_SEQ_CST))
			overlap = 1;
		counter_plain = counter_plain + 1;
		__atomic_fetch_sub(&inside, 1, __ATOMIC_SEQ_CST);
		spin_unlock(&plain);

		/* Twice nested, as an exit handler that stops its own VM takes the VM lock again. */
		rspin_lock(&rec);
		rspin_lock(&rec);
		counter_rec = counter_rec + 1;
		rspin_unlock(&rec);
		counter_rec = counter_rec + 1;
		rspin_unlock(&rec);
	}
	return NULL;
}

static void *try_other(void *arg)
{
	bool *got = arg;

	this_cpu = 7;
	*got = rspin_lock_bounded(&rec, 100000);
	if (*got)
		rspin_unlock(&rec);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	bool got = true;

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_U64("plain: every increment counted", counter_plain, (u64)THREADS * ROUNDS);
	CHECK("plain: never two holders at once", !overlap);
	CHECK_U64("recursive: every nested increment counted", counter_rec, 2ULL * THREADS * ROUNDS);
	CHECK("recursive: free afterwards", !rec.owner && !rec.lock.locked && !rec.depth);

	/* Held three deep by "CPU 3": another CPU's bounded wait gives up, then succeeds once freed. */
	this_cpu = 3;
	rspin_lock(&rec);
	rspin_lock(&rec);
	rspin_lock(&rec);
	CHECK("recursive: held by its owner", rspin_held(&rec));
	pthread_create(&t[0], NULL, try_other, &got);
	pthread_join(t[0], NULL);
	CHECK("recursive: another CPU's bounded wait gives up", !got);
	rspin_unlock(&rec);
	CHECK("recursive: still held after one of three unlocks", rec.lock.locked && rec.depth == 2);

	/* A CPU that stops for good drops what it holds, however deep. */
	this_cpu = 5;
	rspin_drop_if_held(&rec);
	CHECK("drop: another CPU's drop does nothing", rec.lock.locked && rec.depth == 2);
	this_cpu = 3;
	rspin_drop_if_held(&rec);
	CHECK("drop: the owner's drop frees it", !rec.lock.locked && !rec.owner && !rec.depth);
	pthread_create(&t[0], NULL, try_other, &got);
	pthread_join(t[0], NULL);
	CHECK("drop: another CPU takes it afterwards", got);

	CHECK("trylock: free lock taken", spin_trylock(&plain));
	CHECK("trylock: held lock refused", !spin_trylock(&plain));
	spin_unlock(&plain);
	return unit_summary();
}
