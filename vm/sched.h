/* The scheduler: time-slices every runnable vCPU of every VM on this CPU, round-robin. */
#ifndef VM_SCHED_H
#define VM_SCHED_H

#include "lib/types.h"

/*
 * Prepares this CPU for running vCPUs (host CR4.OSXSAVE for guest XSAVE state);
 * before any vCPU is created, since VT-x captures the host CR4 into each VMCS.
 */
void sched_init(void);

/* Runs the VMs until every one has stopped. */
void sched_run(void);

/* Whether vCPU state is switched with XSAVE (CPUID offers XSAVE/AVX only then). */
bool sched_xsave_usable(void);

struct vcpu;
/*
 * The vCPU whose exit this CPU is handling (NULL outside one): device models whose registers
 * are per vCPU, such as the local APIC page, use it.
 */
struct vcpu *vcpu_current(void);

/* Gives a new vCPU the FPU state of a CPU after INIT. */
void sched_vcpu_init_fpu(struct vcpu *vcpu);

#endif
