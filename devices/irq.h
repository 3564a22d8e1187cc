/*
 * Interrupt lines of a VM's platform (devices/irq.c): device models raise and lower GSIs; the
 * router feeds the IOAPIC and, for ISA IRQs 0-15, the 8259 PIC, and both deliver through the
 * vCPUs' local APICs.  MSI messages from PCI devices enter here too.
 */
#ifndef DEVICES_IRQ_H
#define DEVICES_IRQ_H

#include "lib/types.h"

struct vm;

/* A level-triggered line: high = asserted.  gsi < PLAT_IOAPIC_PINS; others are ignored. */
void irq_set_level(struct vm *vm, u32 gsi, bool high);
/* An edge on the line (assert then deassert), for edge-triggered ISA devices. */
void irq_pulse(struct vm *vm, u32 gsi);
/* An MSI write (Intel SDM 10.11: address 0xFEExxxxx, data = vector, mode, trigger). */
void irq_msi(struct vm *vm, u64 addr, u32 data);

#endif
