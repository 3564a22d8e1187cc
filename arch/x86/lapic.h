/* The host's local APIC (xAPIC through MMIO, or x2APIC through MSRs): IPIs, EOI, the timer. */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include "lib/types.h"

/* Host vectors: the cross-CPU kick and the AP timer share one; spurious is 0xFF. */
#define LAPIC_VECTOR_KICK 0xF0
#define LAPIC_VECTOR_SPURIOUS 0xFF

/* SDM vol. 3A, 11.6.1: ICR delivery modes and flags. */
#define LAPIC_ICR_FIXED 0x000
#define LAPIC_ICR_INIT 0x500
#define LAPIC_ICR_STARTUP 0x600
#define LAPIC_ICR_ASSERT 0x4000

/* Finds the APIC (IA32_APIC_BASE) on the calling CPU; false when it is disabled. */
bool lapic_host_init(void);
/*
 * Software-enables the calling CPU's APIC with the spurious vector (standalone BSP, APs)
 * and raises its task priority so only the kick vector (and NMIs, INIT, SIPI) get through.
 */
void lapic_enable(void);
/* The task priority (TPR): interrupts of this priority class and below are held. */
void lapic_set_tpr(u8 tpr);
/* Sends an IPI; 0, or -EIO when the ICR stayed busy (bounded wait). */
int lapic_send_ipi(u32 apic_id, u32 icr_low);
void lapic_host_eoi(void);
/* Measures the timer against the TSC (divide by 1); false when it does not count. */
bool lapic_timer_calibrate(void);
/* The calibrated rate (0 before). */
u64 lapic_timer_ticks_per_ms(void);
/*
 * Timer interrupt (LAPIC_VECTOR_KICK) at deadline_tsc, then again every such interval until
 * re-armed or stopped; the interval is clamped to 10 us .. the counter's range.
 */
void lapic_timer_arm(u64 deadline_tsc);
void lapic_timer_stop(void);

#endif
