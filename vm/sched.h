/*
 * The scheduler: each host CPU time-slices the vCPUs pinned to it, round-robin; the BSP
 * also serves work APs post to it and frees stopped VMs.
 */
#ifndef VM_SCHED_H
#define VM_SCHED_H

#include "lib/types.h"

/*
 * On the BSP, after vendor_select(): prepares it for running vCPUs (host CR4.OSXSAVE
 * for guest XSAVE state; before any vCPU is created, since VT-x captures the host CR4
 * into each VMCS), then starts every AP, which enables virtualization itself and waits.
 */
void sched_init(void);

struct vcpu;
/* Pins a new vCPU to a CPU that could enable virtualization (before sched_run). */
void sched_assign(struct vcpu *vcpu);

/* Releases the APs, runs the BSP's share until every VM has stopped, waits for the APs. */
void sched_run(void);

/* Whether vCPU state is switched with XSAVE (CPUID offers XSAVE/AVX only then). */
bool sched_xsave_usable(void);

/*
 * The vCPU whose exit this CPU is handling (NULL outside one): device models whose registers
 * are per vCPU, such as the local APIC page, use it.
 */
struct vcpu *vcpu_current(void);

/* Makes the vCPU's CPU look at it soon: an IPI when that is another CPU (no-op for this one). */
void sched_kick(struct vcpu *vcpu);

/* selftest = ap-exception: the first AP that runs a vCPU executes UD2 after that slice. */
void sched_selftest_ap_exception(void);

/* Gives a new vCPU the FPU state of a CPU after INIT. */
void sched_vcpu_init_fpu(struct vcpu *vcpu);

#endif
