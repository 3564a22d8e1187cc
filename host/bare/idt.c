/*
 * The standalone host's IDT: every vector reaches arch_exception_handle()
 * through host/bare/idt.asm; #DF, NMI and #MC run on their own IST stacks.
 */
#include "host/bare/bare.h"
#include "arch/x86/cpu.h"

#define IDT_VECTORS 256
#define GATE_INTERRUPT 0x8E	/* present, DPL 0, 64-bit interrupt gate */

/* SDM vol. 3, 6.14.1: a 64-bit IDT gate descriptor. */
struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
} __attribute__((packed));

struct idt_pointer {
	u16 limit;
	u64 base;
} __attribute__((packed));

extern const u64 bare_idt_stubs[IDT_VECTORS];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static void idt_set(unsigned vector, u64 handler, u8 ist)
{
	struct idt_gate *g = &idt[vector];

	g->offset_low = handler & 0xFFFF;
	g->selector = BARE_SEL_CODE;
	g->ist = ist;
	g->type = GATE_INTERRUPT;
	g->offset_mid = (handler >> 16) & 0xFFFF;
	g->offset_high = handler >> 32;
	g->reserved = 0;
}

/*
 * The BIOS leaves the 8259s delivering IRQs 0-7 on vectors 8-15, where they
 * would look like exceptions.  Move them to 0x20-0x2F and mask them all: the
 * host runs with interrupts disabled and polls.
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
	struct idt_pointer idtr = { .limit = sizeof(idt) - 1, .base = (u64)(uintptr_t)idt };
	unsigned v;

	for (v = 0; v < IDT_VECTORS; v++)
		idt_set(v, bare_idt_stubs[v], 0);
	idt_set(2, bare_idt_stubs[2], BARE_IST_NMI);
	idt_set(8, bare_idt_stubs[8], BARE_IST_DF);
	idt_set(18, bare_idt_stubs[18], BARE_IST_MC);
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
	pic_remap_and_mask();
}
