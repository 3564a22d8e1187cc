/* The guest's port-I/O bus: each device model claims a port range on its VM. */
#ifndef DEVICES_DEVICES_H
#define DEVICES_DEVICES_H

#include "lib/types.h"

struct vm;

#define DEV_PORT_HANDLERS 32

struct port_handler {
	u16 base;
	u16 count;
	const char *name;
	/* size is 1, 2 or 4; *val is pre-set to all ones (an unimplemented register). */
	void (*in)(void *opaque, u16 port, u8 size, u32 *val);
	void (*out)(void *opaque, u16 port, u8 size, u32 val);
	void *opaque;
};

#define DEV_MMIO_HANDLERS 16

struct mmio_handler {
	u64 base;
	u64 size;
	const char *name;
	/* size is 1, 2, 4 or 8; *val is pre-set to all ones. */
	void (*read)(void *opaque, u64 offset, u8 size, u64 *val);
	void (*write)(void *opaque, u64 offset, u8 size, u64 val);
	void *opaque;
};

struct uart_state;
struct testdev;
struct pit_state;
struct rtc_state;
struct pm_state;
struct kbc_state;
struct pci_host;
struct fw_cfg_state;
struct ioapic;
struct pic;

struct vm_devices {
	struct port_handler ports[DEV_PORT_HANDLERS];
	u32 port_count;
	struct mmio_handler mmio[DEV_MMIO_HANDLERS];
	u32 mmio_count;
	struct uart_state *uart;
	struct testdev *testdev;
	struct pit_state *pit;
	struct rtc_state *rtc;
	struct pm_state *pm;
	struct kbc_state *kbc;
	struct pci_host *pci;
	struct fw_cfg_state *fw_cfg;
	u8 reset_control;	/* port 0xCF9 (devices/reset.c) */
	struct ioapic *ioapic;		/* devices/ioapic.h */
	struct pic *pic;		/* devices/pic.h */
};

/*
 * Creates the VM's platform devices (docs/guest.md, "Devices"): UART, isa-debug-exit, the
 * interrupt controllers (8259 PIC pair, IOAPIC, the local APIC page; devices/irq.h routes lines
 * to them), PIT, RTC, ACPI PM registers, keyboard controller, reset control, PCI host bridge,
 * fw_cfg, and testdev if asked.  The ACPI tables come later, once the vCPUs exist
 * (devices/acpi.h).
 */
int devices_create(struct vm *vm, bool testdev);
void devices_destroy(struct vm *vm);

int devices_register_ports(struct vm *vm, const struct port_handler *h);

/*
 * One port access from the guest.  Unassigned ports read as all ones and
 * ignore writes, as on a PC.  An access that spans two devices' ranges goes
 * to the device owning its first port.
 */
void devices_port_in(struct vm *vm, u16 port, u8 size, u32 *val);
void devices_port_out(struct vm *vm, u16 port, u8 size, u32 val);

int devices_register_mmio(struct vm *vm, const struct mmio_handler *h);
/* One MMIO access; unassigned guest-physical addresses read as all ones and ignore writes. */
void devices_mmio_read(struct vm *vm, u64 gpa, u8 size, u64 *val);
void devices_mmio_write(struct vm *vm, u64 gpa, u8 size, u64 val);

/* devices/uart.c, devices/debug_exit.c */
int uart_create(struct vm *vm, u16 base);
void uart_flush(struct vm *vm);
int debug_exit_create(struct vm *vm, u16 port);

/* devices/pit.c: 8254 on 0x40-0x43 and port 0x61. */
int pit_create(struct vm *vm);
void pit_destroy(struct vm *vm);

/* devices/rtc.c: MC146818 RTC/CMOS on 0x70-0x71. */
int rtc_create(struct vm *vm);
void rtc_destroy(struct vm *vm);

/* devices/pm.c: ACPI PM1a event/control and PM timer at PLAT_PORT_PM_BASE. */
int pm_create(struct vm *vm);
void pm_destroy(struct vm *vm);

/* devices/kbc.c: the 8042 keyboard controller's reset and probe path on 0x60/0x64. */
int kbc_create(struct vm *vm);
void kbc_destroy(struct vm *vm);

/* devices/reset.c: the reset control register at 0xCF9 (reached through devices/pci.c's ports). */
u8 reset_control_read(struct vm *vm);
void reset_control_write(struct vm *vm, u8 val);

/* devices/fw_cfg.c: QEMU's fw_cfg (selector 0x510, data 0x511). */
int fw_cfg_create(struct vm *vm);
void fw_cfg_destroy(struct vm *vm);

/* devices/testdev.c: MMIO scratch page and scratch port for test guests. */
#define TESTDEV_MMIO 0xfebf0000ULL
#define TESTDEV_PORT 0xe0
int testdev_create(struct vm *vm);
void testdev_destroy(struct vm *vm);

#endif
