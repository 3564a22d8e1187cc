/*
 * The interrupt router of devices/irq.h: every GSI feeds its IOAPIC pin; GSIs 0-15 also feed
 * the 8259 PIC, GSI 2 as ISA IRQ 0 (the PIT, per the MADT's interrupt source override) and
 * GSI n as IRQ n otherwise.  MSIs go straight to the local APICs.
 */
#include "devices/irq.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/pic.h"
#include "vm/platform.h"

void irq_set_level(struct vm *vm, u32 gsi, bool high)
{
	if (gsi >= PLAT_IOAPIC_PINS)
		return;
	ioapic_set_irq(vm, gsi, high);
	if (gsi < 16)
		pic_set_irq(vm, gsi == PLAT_GSI_PIT ? 0 : gsi, high);
}

void irq_pulse(struct vm *vm, u32 gsi)
{
	irq_set_level(vm, gsi, true);
	irq_set_level(vm, gsi, false);
}

/* SDM 10.11.1/10.11.2: address 0xFEE, destination in 19:12, DM in 2; data as an ICR's low half. */
void irq_msi(struct vm *vm, u64 addr, u32 data)
{
	u8 mode = (data >> 8) & 7;

	if ((addr >> 20) != 0xfee)
		return;
	if (mode == LAPIC_DM_SMI || mode == 3 || mode == LAPIC_DM_STARTUP)
		return;
	lapic_send(vm, (addr >> 12) & 0xff, false, addr & BIT(2), mode, data & 0xff,
		   data & BIT(15));
}
