/*
 * The local APIC of each vCPU (devices/lapic.c): xAPIC registers in the page at
 * PLAT_LAPIC_GPA, x2APIC registers as MSRs 0x800-0x8FF, the timer (one-shot, periodic,
 * TSC-deadline), interrupt acceptance and priorities, IPIs with INIT and start-up.
 */
#ifndef DEVICES_LAPIC_H
#define DEVICES_LAPIC_H

#include "lib/types.h"
#include "devices/timer.h"

/*
 * The timer's input clock: also the crystal of CPUID leaf 0x15 (Linux on Intel takes the
 * APIC timer period from it) and EBX of leaf 0x40000010, on both vendors.
 */
#define LAPIC_TIMER_HZ 25000000ULL

/* Local vector table entries, in the order of the x2APIC MSRs 0x832-0x837, then CMCI. */
enum {
	LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL, LAPIC_LVT_PERF, LAPIC_LVT_LINT0, LAPIC_LVT_LINT1,
	LAPIC_LVT_ERROR, LAPIC_LVT_CMCI, LAPIC_LVT_COUNT
};

/* Delivery modes (SDM vol. 3, 10.6.1 / 10.5.1). */
#define LAPIC_DM_FIXED		0
#define LAPIC_DM_LOWEST		1
#define LAPIC_DM_SMI		2
#define LAPIC_DM_NMI		4
#define LAPIC_DM_INIT		5
#define LAPIC_DM_STARTUP	6
#define LAPIC_DM_EXTINT		7

/* IA32_APIC_BASE bits. */
#define LAPIC_BASE_BSP		BIT(8)
#define LAPIC_BASE_EXTD		BIT(10)
#define LAPIC_BASE_EN		BIT(11)

/* ESR bits (SDM 10.5.3). */
#define LAPIC_ESR_SEND_ILLEGAL	BIT(5)
#define LAPIC_ESR_RECV_ILLEGAL	BIT(6)
#define LAPIC_ESR_ILLEGAL_REG	BIT(7)

struct vcpu;
struct vm;

struct lapic {
	struct vcpu *vcpu;
	u64 apic_base;		/* IA32_APIC_BASE */
	u32 tpr, ldr, dfr, svr;
	u32 esr;		/* what the guest reads */
	u32 esr_pending;	/* errors since the last ESR write (SDM 10.5.3) */
	u32 icr_lo, icr_hi;
	u32 lvt[LAPIC_LVT_COUNT];
	u32 irr[8], isr[8], tmr[8];	/* 256-bit registers, bit n of word n / 32 */
	u32 timer_initial, timer_dcr;
	u64 timer_start_ns;	/* host time the count was loaded */
	u64 timer_next_ns;	/* the next expiry while counting */
	u64 tsc_deadline;	/* IA32_TSC_DEADLINE, 0 = disarmed */
	struct dev_timer timer;
	bool nmi_pending;
	bool extint_pending;	/* an ExtINT message: the vector comes from the PIC */
};

/* Power-up state for the vCPU's APIC (APIC_BASE with BSP for vCPU 0). */
void lapic_init(struct vcpu *v);
/* Cancels the timer of a vCPU that is going away. */
void lapic_release(struct vcpu *v);
/* Registers the xAPIC page on the VM's MMIO bus (the vCPU comes from vcpu_current()). */
int lapic_register_mmio(struct vm *vm);

/* MSRs the APIC owns: APIC_BASE, TSC_DEADLINE, the x2APIC range.  0, or -1 for #GP. */
bool lapic_msr_owned(u32 msr);
int lapic_msr_read(struct vcpu *v, u32 msr, u64 *val);
int lapic_msr_write(struct vcpu *v, u32 msr, u64 val);

/* State the interrupt delivery (vm/vtimer.c) needs. */
bool lapic_hw_enabled(const struct vcpu *v);
bool lapic_sw_enabled(const struct vcpu *v);
/* The highest vector in IRR above the processor priority, or -1. */
int lapic_pending_vector(const struct vcpu *v);
/* The vector was injected: IRR -> ISR. */
void lapic_ack(struct vcpu *v, u8 vector);
/* Whether vCPU v takes the 8259's output now: LINT0 unmasked ExtINT, or its APIC disabled. */
bool lapic_accepts_pic(const struct vcpu *v);
u32 lapic_ppr(const struct vcpu *v);

/* One interrupt message to one vCPU (from an IPI, the IOAPIC, an MSI or the APIC itself). */
void lapic_deliver(struct vcpu *v, u8 mode, u8 vector, bool level_trig);
/*
 * A message for every APIC matching the destination: dest is 8 bits (xAPIC format, the IOAPIC
 * and MSIs) unless wide (a 32-bit x2APIC destination); logical selects logical addressing.
 * Lowest-priority messages go to one of the matches.  Start-up and INIT go to each.
 */
void lapic_send(struct vm *vm, u32 dest, bool wide, bool logical, u8 mode, u8 vector,
		bool level_trig);
/* Whether APIC v matches a destination as lapic_send decodes it (no shorthand). */
bool lapic_match_dest(const struct vcpu *v, u32 dest, bool wide, bool logical);

/* Guest view of CR8 (TPR bits 7:4) in 64-bit mode. */
u8 lapic_get_cr8(const struct vcpu *v);
void lapic_set_cr8(struct vcpu *v, u8 val);

#endif
