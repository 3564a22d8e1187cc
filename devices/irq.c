/*
 * TEMPORARY stand-in for the interrupt router (devices/irq.h), so device models that raise
 * lines link before the LAPIC/IOAPIC/PIC work lands.  It delivers nothing: there is no
 * interrupt controller to deliver to yet.  Drop this file when the real devices/irq.c is merged.
 */
#include "devices/irq.h"

void irq_set_level(struct vm *vm, u32 gsi, bool high)
{
	(void)vm;
	(void)gsi;
	(void)high;
}

void irq_pulse(struct vm *vm, u32 gsi)
{
	(void)vm;
	(void)gsi;
}

void irq_msi(struct vm *vm, u64 addr, u32 data)
{
	(void)vm;
	(void)addr;
	(void)data;
}
