/*
 * The guest platform's fixed layout (docs/guest.md): where the PC devices, the ACPI tables and
 * the boot structures live in every VM.  Loaders, device models and the ACPI builder share it.
 */
#ifndef VM_PLATFORM_H
#define VM_PLATFORM_H

/* Guest-physical memory. */
#define PLAT_LOW_RAM_END	0x9f000ULL	/* conventional memory ends here (EBDA-sized gap) */
#define PLAT_BIOS_START		0x9f000ULL	/* reserved in the e820 map up to 1 MiB */
#define PLAT_BIOS_END		0x100000ULL
#define PLAT_ACPI_GPA		0xe0000ULL	/* RSDP (16-byte aligned) then the other tables */
#define PLAT_ACPI_SIZE		0x20000ULL	/* 0xE0000-0xFFFFF, the range Linux scans for the RSDP */
#define PLAT_PCI_HOLE		0xc0000000ULL	/* RAM below 4 GiB ends here */
#define PLAT_PCI_MMIO_BASE	0xc0000000ULL	/* BAR window for PCI devices */
#define PLAT_PCI_MMIO_SIZE	0x20000000ULL
#define PLAT_ECAM_GPA		0xe0000000ULL	/* PCI express configuration space, bus 0 only */
#define PLAT_ECAM_SIZE		0x100000ULL
#define PLAT_IOAPIC_GPA		0xfec00000ULL
#define PLAT_LAPIC_GPA		0xfee00000ULL
#define PLAT_APIC_PAGE_SIZE	0x1000ULL	/* the IOAPIC and LAPIC windows, as reserved in e820 */

/*
 * Boot structures the loaders (vm/loader*.c) write into low RAM, below the first
 * byte a guest image may load at.  The same pages serve every boot format.
 */
#define PLAT_BOOT_GDT		0x1000ULL	/* GDT of the start state (vm/loader.c) */
#define PLAT_BOOT_INFO		0x2000ULL	/* boot_params, hvm_start_info or multiboot_info */
#define PLAT_BOOT_INFO_SIZE	0x2000ULL
#define PLAT_BOOT_CMDLINE	0x4000ULL	/* the command line, NUL-terminated */
#define PLAT_BOOT_CMDLINE_SIZE	0x1000ULL
#define PLAT_BOOT_STACK_TOP	0x8000ULL	/* initial RSP/ESP: a scratch stack at 0x7000-0x7fff */
#define PLAT_BOOT_PAGE_TABLES	0x9000ULL	/* PML4, PDPT, 4 PDs: 4 GiB identity map (Linux) */
#define PLAT_BOOT_END		0x10000ULL	/* guest images load at or above this */

/* Ports. */
#define PLAT_PORT_PIC_MASTER	0x20
#define PLAT_PORT_PIC_SLAVE	0xa0
#define PLAT_PORT_PIT		0x40	/* 0x40-0x43 */
#define PLAT_PORT_SYSCTRL_B	0x61	/* PIT channel 2 gate and output, speaker */
#define PLAT_PORT_KBC		0x60	/* 0x60 and 0x64: enough of an 8042 for reset */
#define PLAT_PORT_RTC		0x70	/* 0x70-0x71 */
#define PLAT_PORT_DEBUG_EXIT	0xf4
#define PLAT_PORT_COM1		0x3f8
#define PLAT_PORT_FW_CFG	0x510	/* 0x510 selector, 0x511 data */
#define PLAT_PORT_PM_BASE	0x600	/* ACPI PM1a event (4), PM1a control (2), PM timer (4) */
#define PLAT_PORT_PM1A_EVT	0x600
#define PLAT_PORT_PM1A_CNT	0x604
#define PLAT_PORT_PM_TMR	0x608
#define PLAT_PORT_RESET		0xcf9	/* also the FADT reset register */
#define PLAT_PORT_PCI_ADDR	0xcf8
#define PLAT_PORT_PCI_DATA	0xcfc

/* Interrupt lines: ISA IRQ n is GSI n, except the PIT's IRQ 0, which the MADT routes to GSI 2. */
#define PLAT_IOAPIC_PINS	24
#define PLAT_GSI_PIT		2
#define PLAT_IRQ_COM1		4
#define PLAT_IRQ_RTC		8
#define PLAT_IRQ_SCI		9	/* ACPI SCI, level-triggered, active high */

#endif
