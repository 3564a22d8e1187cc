/*
 * Fakes for the device-model unit tests: a fake clock (host_time_ns, host_time_of_day_ns),
 * host pages from the C heap, a port and MMIO table like devices/devices.c's, and recorders
 * for interrupt lines and VM stops.  Include once, from the test's main file.
 */
#ifndef TESTS_UNIT_DEV_FAKES_H
#define TESTS_UNIT_DEV_FAKES_H

#include <stdarg.h>
#include <stdlib.h>
#include "tests/unit/unit.h"
#include "vm/vm.h"
#include "devices/devices.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "host/host.h"

static u64 fake_now = 1000;		/* host_time_ns() */
static u64 fake_tod_at_zero;		/* host_time_of_day_ns() - host_time_ns() */
static unsigned fake_pulses[64];	/* irq_pulse per GSI */
static bool fake_level[64];		/* irq_set_level per GSI */
static int fake_stops;
static int fake_stop_status;
static char fake_stop_reason[200];

u64 host_time_ns(void) { return fake_now; }
/* One CPU here (lib/spinlock.c's recursive lock asks). */
u32 host_cpu_index(void) { return 0; }
u64 host_time_of_day_ns(void) { return fake_tod_at_zero + fake_now; }

u64 host_pages_alloc(u64 count)
{
	void *p = aligned_alloc(4096, count * 4096);

	if (p)
		memset(p, 0, count * 4096);
	return (u64)(uintptr_t)p;
}

void host_pages_free(u64 addr, u64 count)
{
	(void)count;
	free((void *)(uintptr_t)addr);
}

void irq_pulse(struct vm *vm, u32 gsi)
{
	(void)vm;
	if (gsi < 64)
		fake_pulses[gsi]++;
}

void irq_set_level(struct vm *vm, u32 gsi, bool high)
{
	(void)vm;
	if (gsi < 64)
		fake_level[gsi] = high;
}

static unsigned fake_msi_count;		/* irq_msi calls, and the last message */
static u64 fake_msi_addr;
static u32 fake_msi_data;

void irq_msi(struct vm *vm, u64 addr, u32 data)
{
	(void)vm;
	fake_msi_count++;
	fake_msi_addr = addr;
	fake_msi_data = data;
}

void vm_stop(struct vm *vm, int status, const char *fmt, ...)
{
	va_list ap;

	if (vm->state == VM_STATE_STOPPED)
		return;
	vm->state = VM_STATE_STOPPED;
	vm->exit_status = status;
	fake_stops++;
	fake_stop_status = status;
	va_start(ap, fmt);
	vsnprintf(fake_stop_reason, sizeof(fake_stop_reason), fmt, ap);
	va_end(ap);
}

void vm_request_restart(struct vm *vm, const char *why)
{
	if (vm->state == VM_STATE_STOPPED)
		return;
	vm->restart = true;
	vm_stop(vm, 0, "reset requested by the guest (%s)", why);
}

int devices_register_ports(struct vm *vm, const struct port_handler *h)
{
	struct vm_devices *d = vm->dev;

	if (d->port_count == DEV_PORT_HANDLERS)
		return -1;
	for (u32 i = 0; i < d->port_count; i++)
		if (h->base < d->ports[i].base + d->ports[i].count &&
		    d->ports[i].base < h->base + h->count)
			return -2;
	d->ports[d->port_count++] = *h;
	return 0;
}

int devices_register_mmio(struct vm *vm, const struct mmio_handler *h)
{
	struct vm_devices *d = vm->dev;

	if (d->mmio_count == DEV_MMIO_HANDLERS)
		return -1;
	d->mmio[d->mmio_count++] = *h;
	return 0;
}

/* A fresh VM with an empty device table. */
static inline struct vm *fake_vm(u64 ram_bytes, u32 vcpus)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	vm->dev = calloc(1, sizeof(*vm->dev));
	vm->mem.ram_bytes = ram_bytes;
	vm->vcpu_count = vcpus;
	vm->state = VM_STATE_RUNNING;
	vm->exit_status = -1;
	return vm;
}

static inline void fake_vm_free(struct vm *vm)
{
	free(vm->dev);
	free(vm);
}

static inline u32 port_in(struct vm *vm, u16 port, u8 size)
{
	u32 v = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

	for (u32 i = 0; i < vm->dev->port_count; i++) {
		const struct port_handler *h = &vm->dev->ports[i];

		if (port >= h->base && port - h->base < h->count) {
			if (h->in)
				h->in(h->opaque, port, size, &v);
			break;
		}
	}
	return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}

static inline void port_out(struct vm *vm, u16 port, u8 size, u32 val)
{
	for (u32 i = 0; i < vm->dev->port_count; i++) {
		const struct port_handler *h = &vm->dev->ports[i];

		if (port >= h->base && port - h->base < h->count) {
			if (h->out)
				h->out(h->opaque, port, size,
				       size == 4 ? val : val & ((1u << (size * 8)) - 1));
			break;
		}
	}
}

static inline u64 mmio_read(struct vm *vm, u64 gpa, u8 size)
{
	u64 v = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;

	for (u32 i = 0; i < vm->dev->mmio_count; i++) {
		const struct mmio_handler *h = &vm->dev->mmio[i];

		if (gpa >= h->base && gpa - h->base < h->size) {
			if (h->read)
				h->read(h->opaque, gpa - h->base, size, &v);
			break;
		}
	}
	return size == 8 ? v : v & ((1ULL << (size * 8)) - 1);
}

static inline void mmio_write(struct vm *vm, u64 gpa, u8 size, u64 val)
{
	for (u32 i = 0; i < vm->dev->mmio_count; i++) {
		const struct mmio_handler *h = &vm->dev->mmio[i];

		if (gpa >= h->base && gpa - h->base < h->size) {
			if (h->write)
				h->write(h->opaque, gpa - h->base, size, val);
			break;
		}
	}
}

/* Moves the fake clock to t, polling the device timers every step ns on the way. */
static inline void advance_to(u64 t, u64 step)
{
	while (fake_now < t) {
		fake_now = fake_now + step < t ? fake_now + step : t;
		dev_timer_poll(fake_now);
	}
}

#endif
