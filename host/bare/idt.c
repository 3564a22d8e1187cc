/*
 * The standalone host's interrupts: the hypervisor's IDT (arch/x86/idt.c) on the boot
 * CPU, and the legacy 8259s moved out of the exception vectors and masked.
 */
#include "host/bare/bare.h"
#include "arch/x86/cpu.h"
#include "arch/x86/idt.h"

/*
 * The BIOS leaves the 8259s delivering IRQs 0-7 on vectors 8-15, where they
 * would look like exceptions.  Move them to 0x20-0x2F and mask them all: the
 * host polls; the only interrupts it takes come from local APICs (IPIs, AP timers).
 */
static void pic_remap_and_mask(void)
{
	outb(0x20, 0x11);	/* ICW1: edge, cascade, ICW4 follows */
	outb(0xA0, 0x11);
	outb(0x21, 0x20);	/* ICW2: vector bases */
	outb(0xA1, 0x28);
	outb(0x21, 0x04);	/* ICW3: slave on IRQ2 */
	outb(0xA1, 0x02);
	outb(0x21, 0x01);	/* ICW4: 8086 mode */
	outb(0xA1, 0x01);
	outb(0x21, 0xFF);	/* mask everything */
	outb(0xA1, 0xFF);
}

void bare_idt_init(void)
{
	arch_idt_init(BARE_SEL_CODE);
	arch_idt_load();
	pic_remap_and_mask();
}
