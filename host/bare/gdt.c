/*
 * The standalone host's GDT and 64-bit TSS, whose IST stacks let #DF, NMI and
 * #MC run on known-good stacks (a kernel stack overflow still gets reported).
 */
#include "host/bare/bare.h"

#define IST_STACK_SIZE (16 * 1024)

static struct tss64 tss __attribute__((aligned(16)));
static u8 ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

/* Null, 64-bit code, flat data, then the 16-byte TSS descriptor. */
static u64 gdt[5] __attribute__((aligned(16)));

void bare_gdt_init(void)
{
	struct descriptor_pointer gdtr = { .limit = sizeof(gdt) - 1, .base = (u64)(uintptr_t)gdt };
	u64 base = (u64)(uintptr_t)&tss, limit = sizeof(tss) - 1;

	tss.ist[BARE_IST_DF - 1] = (u64)(uintptr_t)&ist_stacks[0][IST_STACK_SIZE];
	tss.ist[BARE_IST_NMI - 1] = (u64)(uintptr_t)&ist_stacks[1][IST_STACK_SIZE];
	tss.ist[BARE_IST_MC - 1] = (u64)(uintptr_t)&ist_stacks[2][IST_STACK_SIZE];
	tss.iopb_offset = sizeof(tss);	/* no I/O permission bitmap */

	gdt[0] = 0;
	/* Accessed bits preset, so loading a selector never writes the table. */
	gdt[BARE_SEL_CODE / 8] = 0x00AF9B000000FFFFULL;	/* present, DPL 0, execute/read, L=1 */
	gdt[BARE_SEL_DATA / 8] = 0x00CF93000000FFFFULL;	/* present, DPL 0, read/write, flat */
	/* SDM vol. 3, 8.2.3: type 9 = available 64-bit TSS, present. */
	gdt[BARE_SEL_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
				(0x89ULL << 40) | (((limit >> 16) & 0xF) << 48) |
				(((base >> 24) & 0xFF) << 56);
	gdt[BARE_SEL_TSS / 8 + 1] = base >> 32;

	asm volatile("lgdt %0" : : "m"(gdtr) : "memory");
	/* Reload CS with a far return, then the data segments. */
	asm volatile("pushq %[cs]\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w[ds], %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "movw %%ax, %%es\n\t"
		     "movw %%ax, %%ss\n\t"
		     "xorl %%eax, %%eax\n\t"
		     "movw %%ax, %%fs\n\t"
		     "movw %%ax, %%gs"
		     : : [cs] "i"(BARE_SEL_CODE), [ds] "r"((u32)BARE_SEL_DATA) : "rax", "memory");
	asm volatile("ltr %w0" : : "r"((u16)BARE_SEL_TSS) : "memory");
}
