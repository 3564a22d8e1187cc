/*
 * The IOAPIC (devices/ioapic.c): 24 redirection entries at PLAT_IOAPIC_GPA (82093AA, version
 * 0x11), fed by the interrupt router (devices/irq.c), delivering to the local APICs.
 */
#ifndef DEVICES_IOAPIC_H
#define DEVICES_IOAPIC_H

#include "lib/types.h"
#include "vm/platform.h"

struct vm;

struct ioapic {
	struct vm *vm;
	u32 id;			/* bits 27:24 of the ID register */
	u32 ioregsel;
	u64 redir[PLAT_IOAPIC_PINS];
	u32 asserted;		/* input lines now high (asserted), one bit per pin */
};

/* Creates the VM's IOAPIC and maps its registers; 0 or a negative error. */
int ioapic_create(struct vm *vm);
void ioapic_destroy(struct vm *vm);
/* A pin's line level (high = asserted, whatever the entry's polarity). */
void ioapic_set_irq(struct vm *vm, u32 pin, bool high);
/* A local APIC's EOI of a level-triggered vector: clears remote IRR, re-delivers if still high. */
void ioapic_eoi(struct vm *vm, u8 vector);
/* Register access through IOREGSEL (offset 0) and IOWIN (0x10), for the MMIO bus and tests. */
u32 ioapic_mmio_read32(struct ioapic *io, u64 offset);
void ioapic_mmio_write32(struct ioapic *io, u64 offset, u32 val);

#endif
