/* Internal to the host layers: the per-CPU block and the bookkeeping host/smp.c keeps for them. */
#ifndef HOST_SMP_H
#define HOST_SMP_H

#include "lib/types.h"

/* What the GS base points at on every CPU of the hypervisor's. */
struct host_percpu {
	struct host_percpu *self;
	u32 index;
};

/* Points the calling CPU's GS base at its block; returns the previous GS base. */
u64 host_percpu_init(u32 index);
void host_cpu_set_apic_id(u32 cpu, u32 apic_id);
/* Set when an AP's function starts, cleared when it returns or parks. */
void host_cpu_set_running(u32 cpu, bool running);
/*
 * Whether the kick vector may be sent to the BSP (firmware-hosted: only while a handler
 * for it is registered in the firmware's IDT; otherwise the BSP sees posted work at its
 * next firmware tick).
 */
void host_cpu_set_bsp_kickable(bool ok);
/* Runs the scheduler's hook for a CPU that stops for good (host_cpu_park). */
void host_cpu_run_lost_hook(void);

#endif
