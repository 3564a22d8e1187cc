/* The scheduler: time-slices every runnable vCPU of every VM on this CPU, round-robin. */
#ifndef VM_SCHED_H
#define VM_SCHED_H

/* Runs the VMs until every one has stopped. */
void sched_run(void);

struct vcpu;
/* Gives a new vCPU the FPU state of a CPU after INIT. */
void sched_vcpu_init_fpu(struct vcpu *vcpu);

#endif
