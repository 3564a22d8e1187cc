/*
 * Enough of an 8042 keyboard controller on ports 0x60/0x64 for the reset path and for probes:
 * the status register, the controller command byte, self-tests, the output port, and the
 * reset pulse (command 0xFE, or the output port's bit 0 cleared).  No keyboard or mouse is
 * attached: bytes for them are dropped, and no interrupts are raised.
 */
#include "devices/devices.h"
#include "vm/vm.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/errno.h"

#define KBC_DATA PLAT_PORT_KBC
#define KBC_CMD 0x64

#define ST_OBF 0x01		/* output buffer full */
#define ST_SYS 0x04		/* system flag: self-test passed */
#define ST_CMD 0x08		/* the last write went to port 0x64 */
#define ST_UNLOCKED 0x10	/* keyboard not inhibited */

#define CTR_DEFAULT 0x45	/* keyboard IRQ on, system flag, translation; mouse IRQ off */
#define OUTPORT_RESET 0x01	/* low = reset the CPU */
#define OUTPORT_DEFAULT 0x03	/* reset line high, A20 on */

struct kbc_state {
	struct vm *vm;
	u8 status;
	u8 out;			/* the output buffer, valid while ST_OBF */
	u8 ctr;			/* controller command byte (command 0x20/0x60) */
	u8 outport;
	u8 pending;		/* a command waiting for its data byte, or 0 */
};

static void kbc_reply(struct kbc_state *k, u8 v)
{
	k->out = v;
	k->status |= ST_OBF;
}

static void kbc_command(struct kbc_state *k, u8 cmd)
{
	switch (cmd) {
	case 0x20:			/* read the command byte */
		kbc_reply(k, k->ctr);
		break;
	case 0x60:			/* write the command byte */
	case 0xd1:			/* write the output port */
	case 0xd2:			/* write the keyboard output buffer */
	case 0xd3:			/* write the mouse output buffer */
	case 0xd4:			/* write to the mouse */
		k->pending = cmd;
		break;
	case 0xa7:
		k->ctr |= 0x20;		/* mouse clock off */
		break;
	case 0xa8:
		k->ctr &= ~0x20;
		break;
	case 0xa9:			/* mouse interface test: OK */
	case 0xab:			/* keyboard interface test: OK */
		kbc_reply(k, 0x00);
		break;
	case 0xaa:			/* controller self-test: passed */
		k->status |= ST_SYS;
		kbc_reply(k, 0x55);
		break;
	case 0xad:
		k->ctr |= 0x10;		/* keyboard clock off */
		break;
	case 0xae:
		k->ctr &= ~0x10;
		break;
	case 0xc0:			/* read the input port: nothing notable */
		kbc_reply(k, 0x00);
		break;
	case 0xd0:			/* read the output port */
		kbc_reply(k, k->outport);
		break;
	default:
		/* 0xF0-0xFF pulse the output lines whose bits are clear: bit 0 is the reset. */
		if (cmd >= 0xf0 && !(cmd & OUTPORT_RESET))
			vm_request_restart(k->vm, "8042 reset pulse");
		break;			/* anything else is ignored, as a busy controller might */
	}
}

static void kbc_data(struct kbc_state *k, u8 v)
{
	u8 cmd = k->pending;

	k->pending = 0;
	switch (cmd) {
	case 0x60:
		k->ctr = v;
		break;
	case 0xd1:
		k->outport = v | 0x01;
		if (!(v & OUTPORT_RESET))
			vm_request_restart(k->vm, "8042 output port");
		break;
	case 0xd2:
	case 0xd3:
		kbc_reply(k, v);	/* echoed as if the device had sent it */
		break;
	default:
		break;			/* to the keyboard or the mouse: nobody is attached */
	}
}

static void kbc_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct kbc_state *k = opaque;

	(void)size;
	if (port == KBC_CMD) {
		*val = k->status;
		return;
	}
	*val = k->out;
	k->status &= ~ST_OBF;
}

static void kbc_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct kbc_state *k = opaque;

	(void)size;
	if (port == KBC_CMD) {
		k->status |= ST_CMD;
		kbc_command(k, (u8)val);
	} else {
		k->status &= ~ST_CMD;
		kbc_data(k, (u8)val);
	}
}

int kbc_create(struct vm *vm)
{
	struct kbc_state *k = (struct kbc_state *)(uintptr_t)host_pages_alloc(1);
	struct port_handler data = {
		.base = KBC_DATA, .count = 1, .name = "kbc", .in = kbc_in, .out = kbc_out,
	};
	struct port_handler cmd = {
		.base = KBC_CMD, .count = 1, .name = "kbc", .in = kbc_in, .out = kbc_out,
	};
	int err;

	if (!k)
		return -ENOMEM;
	k->vm = vm;
	k->status = ST_SYS | ST_UNLOCKED;	/* no data, input buffer empty */
	k->ctr = CTR_DEFAULT;
	k->outport = OUTPORT_DEFAULT;
	vm->dev->kbc = k;
	data.opaque = cmd.opaque = k;
	err = devices_register_ports(vm, &data);
	if (!err)
		err = devices_register_ports(vm, &cmd);
	return err;
}

void kbc_destroy(struct vm *vm)
{
	if (vm->dev->kbc)
		host_pages_free((u64)(uintptr_t)vm->dev->kbc, 1);
	vm->dev->kbc = NULL;
}
