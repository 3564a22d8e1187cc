/*
 * isa-debug-exit (QEMU's test device) at port 0xF4: a write of v ends the VM
 * with exit status (v << 1) | 1, so a test guest can report its result.
 */
#include "devices/devices.h"
#include "vm/vm.h"

static void debug_exit_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct vm *vm = opaque;

	(void)port;
	(void)size;
	/* A test guest that reports a failure gets its vCPUs' last events printed. */
	if (val)
		vcpu_trace_dump(vm);
	vm_stop(vm, (int)((val << 1) | 1), "isa-debug-exit 0x%02x, exit status %u", val,
		(val << 1) | 1);
}

int debug_exit_create(struct vm *vm, u16 port)
{
	struct port_handler h = {
		.base = port, .count = 1, .name = "isa-debug-exit", .out = debug_exit_out,
		.opaque = vm,
	};

	return devices_register_ports(vm, &h);
}
