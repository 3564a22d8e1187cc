/* The guest's port-I/O bus: dispatch by port range, all ones for unassigned ports. */
#include "devices/devices.h"
#include "devices/pci.h"
#include "devices/virtio/virtio_pci.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/pic.h"
#include "devices/uart.h"
#include "vm/platform.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/string.h"

int devices_register_ports(struct vm *vm, const struct port_handler *h)
{
	struct vm_devices *d = vm->dev;

	if (!h->count || (u32)h->base + h->count > 0x10000)
		return -EINVAL;
	if (d->port_count == DEV_PORT_HANDLERS)
		return -ENOSPC;
	for (u32 i = 0; i < d->port_count; i++) {
		const struct port_handler *o = &d->ports[i];

		if (h->base < o->base + o->count && o->base < h->base + h->count)
			return -EEXIST;
	}
	d->ports[d->port_count++] = *h;
	return 0;
}

static const struct port_handler *devices_find_port(struct vm *vm, u16 port)
{
	struct vm_devices *d = vm->dev;

	for (u32 i = 0; i < d->port_count; i++)
		if (port >= d->ports[i].base && port - d->ports[i].base < d->ports[i].count)
			return &d->ports[i];
	return NULL;
}

void devices_port_in(struct vm *vm, u16 port, u8 size, u32 *val)
{
	const struct port_handler *h = devices_find_port(vm, port);

	*val = size == 4 ? 0xffffffff : (1U << (size * 8)) - 1;
	if (h && h->in) {
		h->in(h->opaque, port, size, val);
		if (size < 4)
			*val &= (1U << (size * 8)) - 1;
	}
}

void devices_port_out(struct vm *vm, u16 port, u8 size, u32 val)
{
	const struct port_handler *h = devices_find_port(vm, port);

	if (h && h->out)
		h->out(h->opaque, port, size, size == 4 ? val : val & ((1U << (size * 8)) - 1));
}

int devices_register_mmio(struct vm *vm, const struct mmio_handler *h)
{
	struct vm_devices *d = vm->dev;

	if (!h->size || h->base + h->size < h->base)
		return -EINVAL;
	if (d->mmio_count == DEV_MMIO_HANDLERS)
		return -ENOSPC;
	for (u32 i = 0; i < d->mmio_count; i++) {
		const struct mmio_handler *o = &d->mmio[i];

		if (h->base < o->base + o->size && o->base < h->base + h->size)
			return -EEXIST;
	}
	d->mmio[d->mmio_count++] = *h;
	return 0;
}

static const struct mmio_handler *devices_find_mmio(struct vm *vm, u64 gpa, u8 size)
{
	struct vm_devices *d = vm->dev;

	for (u32 i = 0; i < d->mmio_count; i++) {
		const struct mmio_handler *h = &d->mmio[i];

		/* The whole access must fall inside one device's window. */
		if (gpa >= h->base && gpa - h->base < h->size && size <= h->size - (gpa - h->base))
			return h;
	}
	return NULL;
}

void devices_mmio_read(struct vm *vm, u64 gpa, u8 size, u64 *val)
{
	const struct mmio_handler *h = devices_find_mmio(vm, gpa, size);

	*val = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	if (h && h->read) {
		h->read(h->opaque, gpa - h->base, size, val);
		if (size < 8)
			*val &= (1ULL << (size * 8)) - 1;
	}
}

void devices_mmio_write(struct vm *vm, u64 gpa, u8 size, u64 val)
{
	const struct mmio_handler *h = devices_find_mmio(vm, gpa, size);

	if (h && h->write)
		h->write(h->opaque, gpa - h->base, size, size == 8 ? val :
			 val & ((1ULL << (size * 8)) - 1));
}

int devices_create(struct vm *vm, bool testdev)
{
	u64 page = host_pages_alloc(1);
	int err;

	if (!page)
		return -ENOMEM;
	vm->dev = (struct vm_devices *)(uintptr_t)page;
	err = uart_create(vm, PLAT_PORT_COM1);
	if (!err)
		err = debug_exit_create(vm, PLAT_PORT_DEBUG_EXIT);
	if (!err)
		err = pic_create(vm);
	if (!err)
		err = ioapic_create(vm);
	if (!err)
		err = lapic_register_mmio(vm);
	if (!err)
		err = pit_create(vm);
	if (!err)
		err = rtc_create(vm);
	if (!err)
		err = pm_create(vm);
	if (!err)
		err = kbc_create(vm);
	if (!err)
		err = pci_create(vm);
	if (!err)
		err = fw_cfg_create(vm);
	if (!err && testdev)
		err = testdev_create(vm);
	return err;
}

void devices_destroy(struct vm *vm)
{
	if (!vm->dev)
		return;
	uart_flush(vm);
	testdev_destroy(vm);
	pit_destroy(vm);
	rtc_destroy(vm);
	pm_destroy(vm);
	kbc_destroy(vm);
	virtio_pci_destroy_all(vm);
	pci_destroy(vm);
	fw_cfg_destroy(vm);
	pic_destroy(vm);
	ioapic_destroy(vm);
	uart_destroy(vm);
	host_pages_free((u64)(uintptr_t)vm->dev, 1);
	vm->dev = NULL;
}
