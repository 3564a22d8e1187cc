/*
 * TEMPORARY placeholder for the interrupt-line router (devices/irq.h), so the platform devices
 * link before the LAPIC/IOAPIC/PIC work lands on main; that work replaces this file.  Until then
 * lines go nowhere: the models keep their own state (status registers, OUT pins) correct.
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
