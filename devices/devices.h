/* The guest's port-I/O bus: each device model claims a port range on its VM. */
#ifndef DEVICES_DEVICES_H
#define DEVICES_DEVICES_H

#include "lib/types.h"

struct vm;

#define DEV_PORT_HANDLERS 16

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

struct vm_devices {
	struct port_handler ports[DEV_PORT_HANDLERS];
	u32 port_count;
	struct mmio_handler mmio[DEV_MMIO_HANDLERS];
	u32 mmio_count;
	struct uart_state *uart;
	struct testdev *testdev;
};

/* Creates the VM's platform devices (UART at 0x3F8, isa-debug-exit at 0xF4, testdev if asked). */
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

/* devices/testdev.c: MMIO scratch page and scratch port for test guests. */
#define TESTDEV_MMIO 0xfebf0000ULL
#define TESTDEV_PORT 0xe0
int testdev_create(struct vm *vm);
void testdev_destroy(struct vm *vm);

#endif
