/*
 * Fakes for the interrupt-controller tests (test_lapic, test_ioapic, test_pic, test_vtimer):
 * a settable clock, page allocation from the C library, device buses that record handlers,
 * vcpu_current() and a vendor back-end that records injections.
 */
#ifndef TESTS_UNIT_INTC_FAKES_H
#define TESTS_UNIT_INTC_FAKES_H

#include <stdlib.h>
#include "vm/vm.h"
#include "vm/sched.h"
#include "devices/devices.h"
#include "host/host.h"

static u64 fake_now = 1000;
static bool fake_allowed = true;
static int injected = -1;
static int injected_type = -1;
static int injections;
static bool window;
static bool fake_event_busy;
static struct vcpu *fake_current;

u64 host_time_ns(void) { return fake_now; }
u64 host_tsc_hz(void) { return 2000000000ULL; }

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

struct vcpu *vcpu_current(void) { return fake_current; }
/* One CPU here: nothing to kick, no other CPU to apply INIT or start-up on. */
void sched_kick(struct vcpu *v) { (void)v; }
u32 host_cpu_index(void) { return 0; }

static int fpu_inits;
void sched_vcpu_init_fpu(struct vcpu *v) { (void)v; fpu_inits++; }

static const char *stopped_why;
void vm_stop_with_dump(struct vcpu *v, const struct vm_exit *exit, const char *why)
{
	(void)v;
	(void)exit;
	stopped_why = why;
}

int devices_register_mmio(struct vm *vm, const struct mmio_handler *h)
{
	if (vm->dev->mmio_count == DEV_MMIO_HANDLERS)
		return -1;
	vm->dev->mmio[vm->dev->mmio_count++] = *h;
	return 0;
}

int devices_register_ports(struct vm *vm, const struct port_handler *h)
{
	if (vm->dev->port_count == DEV_PORT_HANDLERS)
		return -1;
	vm->dev->ports[vm->dev->port_count++] = *h;
	return 0;
}

static bool fake_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	(void)v;
	if (fake_event_busy)
		return false;
	injected = ev->vector;
	injected_type = ev->type;
	injections++;
	return ev->type == VCPU_EVENT_EXT_INT || ev->type == VCPU_EVENT_NMI;
}
/* An STI shadow at RIP while fake_shadow is set, until an instruction completes (rip_dirty). */
static bool fake_shadow;
static bool fake_interrupt_shadow(struct vcpu *v) { return fake_shadow && !v->rip_dirty; }
static bool fake_interrupt_allowed(struct vcpu *v)
{
	return fake_allowed && !fake_event_busy && !fake_interrupt_shadow(v);
}
/* Real mode, CS base 0: RIP is the guest-physical address of the next instruction. */
static void fake_get_sregs(struct vcpu *v, struct vcpu_sregs *s)
{
	(void)v;
	memset(s, 0, sizeof(*s));
}
static void fake_window(struct vcpu *v, bool on) { (void)v; window = on; }

static struct vendor_ops fake_ops = {
	.name = "fake", .inject_event = fake_inject,
	.interrupt_allowed = fake_interrupt_allowed, .set_interrupt_window = fake_window,
	.interrupt_shadow = fake_interrupt_shadow, .get_sregs = fake_get_sregs,
};
const struct vendor_ops *vendor = &fake_ops;

/* A VM with a device page and n vCPUs whose APICs are at power-up state. */
static __attribute__((unused)) struct vm *fake_vm(u32 n)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	vm->dev = calloc(1, sizeof(*vm->dev));
	for (u32 i = 0; i < n; i++) {
		struct vcpu *v = aligned_alloc(64, sizeof(*v));

		memset(v, 0, sizeof(*v));
		v->vm = vm;
		v->id = i;
		v->state = i ? VCPU_WAIT_SIPI : VCPU_RUNNABLE;
		v->rflags = X86_RFLAGS_IF;
		lapic_init(v);
		vm->vcpus[vm->vcpu_count++] = v;
	}
	return vm;
}

/* One MMIO access through the handler registered at gpa, as vCPU v. */
static __attribute__((unused)) u64 fake_mmio_read(struct vm *vm, struct vcpu *v, u64 gpa, u8 size)
{
	u64 val = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;

	fake_current = v;
	for (u32 i = 0; i < vm->dev->mmio_count; i++) {
		const struct mmio_handler *h = &vm->dev->mmio[i];

		if (gpa >= h->base && gpa < h->base + h->size)
			h->read(h->opaque, gpa - h->base, size, &val);
	}
	if (size < 8)
		val &= (1ULL << (size * 8)) - 1;
	return val;
}

static __attribute__((unused)) void fake_mmio_write(struct vm *vm, struct vcpu *v, u64 gpa, u8 size, u64 val)
{
	fake_current = v;
	for (u32 i = 0; i < vm->dev->mmio_count; i++) {
		const struct mmio_handler *h = &vm->dev->mmio[i];

		if (gpa >= h->base && gpa < h->base + h->size)
			h->write(h->opaque, gpa - h->base, size, val);
	}
}

#endif
