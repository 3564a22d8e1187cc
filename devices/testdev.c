/*
 * The test device (opt-in with `testdev = on`): a 4 KiB MMIO scratch page at
 * 0xFEBF0000 that keeps whatever is written (any size, any offset), and a
 * 32-bit scratch port at 0xE0.  Test guests use it to check MMIO emulation of
 * every instruction form and to time exits that the hypervisor handles.
 */
#include "devices/devices.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/string.h"

struct testdev {
	u8 page[PAGE_SIZE];
	u32 port;
};

static void testdev_mmio_read(void *opaque, u64 off, u8 size, u64 *val)
{
	struct testdev *t = opaque;

	*val = 0;
	memcpy(val, t->page + off, size);	/* the bus keeps off + size inside the page */
}

static void testdev_mmio_write(void *opaque, u64 off, u8 size, u64 val)
{
	struct testdev *t = opaque;

	memcpy(t->page + off, &val, size);
}

static void testdev_port_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct testdev *t = opaque;
	u8 shift = (port - TESTDEV_PORT) * 8;

	*val = (t->port >> shift) & (size == 4 ? 0xffffffffU : (1U << (size * 8)) - 1);
}

static void testdev_port_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct testdev *t = opaque;
	u8 shift = (port - TESTDEV_PORT) * 8;
	u32 mask = (size == 4 ? 0xffffffffU : (1U << (size * 8)) - 1) << shift;

	t->port = (t->port & ~mask) | ((val << shift) & mask);
}

int testdev_create(struct vm *vm)
{
	u64 pages = ALIGN_UP(sizeof(struct testdev), PAGE_SIZE) / PAGE_SIZE;
	struct testdev *t = (struct testdev *)(uintptr_t)host_pages_alloc(pages);
	struct mmio_handler m = {
		.base = TESTDEV_MMIO, .size = PAGE_SIZE, .name = "testdev",
		.read = testdev_mmio_read, .write = testdev_mmio_write,
	};
	struct port_handler p = {
		.base = TESTDEV_PORT, .count = 4, .name = "testdev",
		.in = testdev_port_in, .out = testdev_port_out,
	};
	int err;

	if (!t)
		return -ENOMEM;
	vm->dev->testdev = t;
	m.opaque = t;
	p.opaque = t;
	err = devices_register_mmio(vm, &m);
	return err ? err : devices_register_ports(vm, &p);
}

void testdev_destroy(struct vm *vm)
{
	if (vm->dev->testdev)
		host_pages_free((u64)(uintptr_t)vm->dev->testdev,
				ALIGN_UP(sizeof(struct testdev), PAGE_SIZE) / PAGE_SIZE);
	vm->dev->testdev = NULL;
}
