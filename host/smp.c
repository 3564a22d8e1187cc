/*
 * What both host layers share about CPUs: the per-CPU block behind the GS base (so
 * host_cpu_index() is one load), APIC IDs, the kick IPI, the abort flag, and the
 * mailbox through which an AP has the boot CPU do what only it may do (firmware calls).
 */
#include "host/host.h"
#include "host/smp.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "lib/spinlock.h"

#define MSR_GS_BASE 0xc0000101

static struct host_percpu percpus[HOST_MAX_CPUS];
static u32 percpu_apic_ids[HOST_MAX_CPUS];
static bool percpu_running[HOST_MAX_CPUS];
static void (*lost_hook)(void);
static bool aborting;
static bool bsp_kickable = true;

/* The mailbox: one call at a time (posters serialise on the lock). */
static struct spinlock bsp_call_lock;
static void (*bsp_call_fn)(void *);
static void *bsp_call_arg;
static u32 bsp_call_done;

u64 host_percpu_init(u32 index)
{
	struct host_percpu *p = &percpus[index % HOST_MAX_CPUS];
	u64 old = rdmsr(MSR_GS_BASE);

	p->self = p;
	p->index = index;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)p);
	return old;
}

u32 host_cpu_index(void)
{
	u32 v;

	asm volatile("movl %%gs:%c1, %0" : "=r"(v) : "i"(__builtin_offsetof(struct host_percpu, index)));
	return v;
}

void host_cpu_set_apic_id(u32 cpu, u32 apic_id)
{
	if (cpu < HOST_MAX_CPUS)
		percpu_apic_ids[cpu] = apic_id;
}

u32 host_cpu_apic_id(u32 cpu)
{
	return cpu < HOST_MAX_CPUS ? percpu_apic_ids[cpu] : 0;
}

void host_cpu_set_running(u32 cpu, bool running)
{
	if (cpu < HOST_MAX_CPUS)
		__atomic_store_n(&percpu_running[cpu], running, __ATOMIC_SEQ_CST);
}

bool host_cpu_running(u32 cpu)
{
	return cpu < HOST_MAX_CPUS && __atomic_load_n(&percpu_running[cpu], __ATOMIC_SEQ_CST);
}

void host_cpus_wait_finished(u64 timeout_us)
{
	u64 end = host_time_ns() + timeout_us * 1000;

	for (u32 c = 1; c < host_cpu_count(); c++)
		while (host_cpu_running(c) && (s64)(host_time_ns() - end) < 0) {
			host_bsp_service();
			cpu_relax();
		}
}

void host_cpu_set_bsp_kickable(bool ok)
{
	bsp_kickable = ok;
}

void host_cpu_kick(u32 cpu)
{
	if (cpu >= host_cpu_count() || cpu == host_cpu_index() || (!cpu && !bsp_kickable))
		return;
	lapic_send_ipi(host_cpu_apic_id(cpu), LAPIC_ICR_FIXED | LAPIC_ICR_ASSERT | LAPIC_VECTOR_KICK);
}

bool host_cpu_kick_self(void)
{
	u32 me = host_cpu_index();

	if (!me && !bsp_kickable)
		return false;
	return !lapic_send_ipi(host_cpu_apic_id(me), LAPIC_ICR_FIXED | LAPIC_ICR_ASSERT |
			       LAPIC_VECTOR_KICK);
}

void host_cpu_set_lost_hook(void (*hook)(void))
{
	lost_hook = hook;
}

void host_cpu_run_lost_hook(void)
{
	if (lost_hook)
		lost_hook();
}

void host_cpus_abort(void)
{
	__atomic_store_n(&aborting, true, __ATOMIC_SEQ_CST);
	for (u32 c = 1; c < host_cpu_count(); c++)
		if (host_cpu_running(c))
			host_cpu_kick(c);
}

bool host_cpus_aborting(void)
{
	return __atomic_load_n(&aborting, __ATOMIC_RELAXED);
}

void host_bsp_call(void (*fn)(void *), void *arg)
{
	if (host_cpu_index() == 0) {
		fn(arg);
		return;
	}
	spin_lock(&bsp_call_lock);
	bsp_call_arg = arg;
	__atomic_store_n(&bsp_call_done, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&bsp_call_fn, fn, __ATOMIC_RELEASE);
	host_cpu_kick(0);
	while (!__atomic_load_n(&bsp_call_done, __ATOMIC_ACQUIRE))
		cpu_relax();
	spin_unlock(&bsp_call_lock);
}

void host_bsp_service(void)
{
	void (*fn)(void *) = __atomic_load_n(&bsp_call_fn, __ATOMIC_ACQUIRE);

	if (!fn || host_cpu_index() != 0)
		return;
	__atomic_store_n(&bsp_call_fn, NULL, __ATOMIC_RELAXED);
	fn(bsp_call_arg);
	__atomic_store_n(&bsp_call_done, 1, __ATOMIC_RELEASE);
}

bool host_bsp_call_pending(void)
{
	return __atomic_load_n(&bsp_call_fn, __ATOMIC_RELAXED) != NULL;
}

void spin_wait_hook(void)
{
	if (__atomic_load_n(&bsp_call_fn, __ATOMIC_RELAXED))
		host_bsp_service();
}
