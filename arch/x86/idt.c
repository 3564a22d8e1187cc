/*
 * The hypervisor's IDT (shared by every CPU that loads it) and the per-CPU GDT+TSS
 * that gives each CPU its own IST stacks.
 */
#include "arch/x86/idt.h"
#include "lib/errno.h"
#include "lib/string.h"

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

extern const u64 arch_idt_stubs[IDT_VECTORS];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static void idt_set(unsigned vector, u64 handler, u16 sel, u8 ist)
{
	struct idt_gate *g = &idt[vector];

	g->offset_low = handler & 0xFFFF;
	g->selector = sel;
	g->ist = ist;
	g->type = GATE_INTERRUPT;
	g->offset_mid = (handler >> 16) & 0xFFFF;
	g->offset_high = handler >> 32;
	g->reserved = 0;
}

void arch_idt_init(u16 code_sel)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		idt_set(v, arch_idt_stubs[v], code_sel, 0);
	idt_set(2, arch_idt_stubs[2], code_sel, ARCH_IST_NMI);
	idt_set(8, arch_idt_stubs[8], code_sel, ARCH_IST_DF);
	idt_set(18, arch_idt_stubs[18], code_sel, ARCH_IST_MC);
}

void arch_idt_load(void)
{
	struct descriptor_pointer idtr = { .limit = sizeof(idt) - 1, .base = (u64)(uintptr_t)idt };

	asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

int arch_cpu_tables_load(u64 *gdt, u32 gdt_bytes, struct tss64 *tss,
			 const u64 ist_top[ARCH_IST_COUNT])
{
	struct descriptor_pointer cur, gdtr;
	u64 base = (u64)(uintptr_t)tss, limit = sizeof(*tss) - 1;
	u32 sel;

	asm volatile("sgdt %0" : "=m"(cur));
	sel = ALIGN_UP((u32)cur.limit + 1, 8);
	if (sel + 16 > gdt_bytes || sel + 16 > 0x10000)
		return -ENOSPC;
	memcpy(gdt, (const void *)(uintptr_t)cur.base, (size_t)cur.limit + 1);
	memset(tss, 0, sizeof(*tss));
	for (int i = 0; i < ARCH_IST_COUNT; i++)
		tss->ist[i] = ist_top[i];
	tss->iopb_offset = sizeof(*tss);	/* no I/O permission bitmap */
	/* SDM vol. 3, 8.2.3: type 9 = available 64-bit TSS, present; 16 bytes. */
	gdt[sel / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
		       (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[sel / 8 + 1] = base >> 32;
	gdtr.limit = (u16)(sel + 15);
	gdtr.base = (u64)(uintptr_t)gdt;
	asm volatile("lgdt %0" : : "m"(gdtr) : "memory");
	asm volatile("ltr %w0" : : "r"((u16)sel) : "memory");
	return 0;
}
