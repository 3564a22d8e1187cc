/*
 * The hypervisor's own IDT: every vector reaches arch_exception_handle() through
 * arch/x86/idt_stubs.asm; #DF, NMI and #MC run on IST stacks 1-3 of the CPU's TSS.
 * Used by every CPU in standalone mode and by the APs in firmware-hosted mode.
 */
#ifndef ARCH_X86_IDT_H
#define ARCH_X86_IDT_H

#include "lib/types.h"

#define ARCH_IST_DF 1
#define ARCH_IST_NMI 2
#define ARCH_IST_MC 3
#define ARCH_IST_COUNT 3

/* Fills the table once; code_sel is the 64-bit code selector the gates use. */
void arch_idt_init(u16 code_sel);
/* Loads it on the calling CPU. */
void arch_idt_load(void);

/* SDM vol. 3, 8.7: the 64-bit task-state segment. */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iopb_offset;
} __attribute__((packed));

struct descriptor_pointer {
	u16 limit;
	u64 base;
} __attribute__((packed));

/*
 * A CPU's own GDT and TSS: copies the calling CPU's current GDT into gdt (room for
 * gdt_bytes), appends a 64-bit TSS descriptor for tss with the IST stacks ist_top[0..2],
 * loads the new GDT and TR.  The selectors in use stay valid.  Returns 0 or -ENOSPC.
 */
int arch_cpu_tables_load(u64 *gdt, u32 gdt_bytes, struct tss64 *tss,
			 const u64 ist_top[ARCH_IST_COUNT]);

#endif
