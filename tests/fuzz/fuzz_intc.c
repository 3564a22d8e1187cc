/* libFuzzer target for the interrupt controllers (devices/lapic.c, ioapic.c, pic.c, irq.c and
 * the delivery in vm/vtimer.c): a byte string is a program of guest register accesses, line
 * changes, MSIs, clock steps and injections on a two-vCPU VM.  The models must neither crash
 * nor leave their invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/intc_fakes.h"
#include "devices/ioapic.h"
#include "devices/irq.h"
#include "devices/pic.h"
#include "vm/platform.h"

static struct vm *vm;

struct reader {
	const uint8_t *p;
	size_t left;
};

static u64 take(struct reader *r, unsigned bytes)
{
	u64 v = 0;

	for (unsigned i = 0; i < bytes && r->left; i++, r->left--)
		v |= (u64)*r->p++ << (8 * i);
	return v;
}

static void reset(void)
{
	if (!vm) {
		vm = fake_vm(2);
	} else {
		for (u32 i = 0; i < vm->vcpu_count; i++) {
			struct vcpu *v = vm->vcpus[i];

			lapic_release(v);
			memset(&v->irq, 0, sizeof(v->irq));
			v->state = i ? VCPU_WAIT_SIPI : VCPU_RUNNABLE;
			v->rflags = X86_RFLAGS_IF;
			lapic_init(v);
		}
		pic_destroy(vm);
		ioapic_destroy(vm);
	}
	vm->dev->mmio_count = 0;
	vm->dev->port_count = 0;
	if (pic_create(vm) || ioapic_create(vm) || lapic_register_mmio(vm))
		abort();
	fake_now = 1000;
	fake_allowed = true;
	fake_event_busy = false;
}

static void check(void)
{
	for (u32 i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];
		int vec = lapic_pending_vector(v);

		/* Only vectors 16-255 are ever accepted, and a pending one is above PPR. */
		if (v->lapic.irr[0] & 0xffff)
			abort();
		if (vec >= 0 && ((u32)vec & 0xf0) <= (lapic_ppr(v) & 0xf0))
			abort();
		if (lapic_ppr(v) > 0xff)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u16 ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	static const u8 sizes[] = { 1, 2, 4, 8 };
	struct reader r = { data, size };

	reset();
	while (r.left) {
		u8 op = (u8)take(&r, 1);
		struct vcpu *v = vm->vcpus[op >> 7];
		u64 val, a;

		switch (op & 0xf) {
		case 0:
			a = take(&r, 2) & 0xfff;
			fake_mmio_write(vm, v, PLAT_LAPIC_GPA + a, sizes[a >> 10 & 3], take(&r, 4));
			break;
		case 1:
			a = take(&r, 2) & 0xfff;
			fake_mmio_read(vm, v, PLAT_LAPIC_GPA + a, sizes[a >> 10 & 3]);
			break;
		case 2:
			a = take(&r, 1);
			val = take(&r, 8);
			lapic_msr_write(v, a == 0 ? 0x1b : a == 1 ? 0x6e0 : 0x800 + (u32)a, val);
			break;
		case 3:
			a = take(&r, 1);
			lapic_msr_read(v, a == 0 ? 0x1b : a == 1 ? 0x6e0 : 0x800 + (u32)a, &val);
			break;
		case 4:
			a = take(&r, 1) & 0x1f;
			fake_mmio_write(vm, v, PLAT_IOAPIC_GPA + a, 4, take(&r, 4));
			break;
		case 5:
			fake_mmio_read(vm, v, PLAT_IOAPIC_GPA + (take(&r, 1) & 0x1f), 4);
			break;
		case 6:
			a = take(&r, 1);
			pic_port_write(vm->dev->pic, ports[a % ARRAY_SIZE(ports)], (u8)take(&r, 1));
			break;
		case 7:
			pic_port_read(vm->dev->pic, ports[take(&r, 1) % ARRAY_SIZE(ports)]);
			break;
		case 8:
			a = take(&r, 1);
			irq_set_level(vm, (u32)(a % 26), a & 0x80);
			break;
		case 9:
			a = take(&r, 1);
			irq_msi(vm, 0xfee00000 | ((a & 0xff) << 12) | (take(&r, 1) & 0xc), (u32)take(&r, 2));
			break;
		case 10:
			fake_now += take(&r, 3) * 64;
			dev_timer_poll(fake_now);
			break;
		case 11:
			fake_allowed = op & 0x10;
			fake_event_busy = op & 0x20;
			vcpu_deliver_interrupt(v);
			break;
		case 12:
			v->rflags = (op & 0x10) ? X86_RFLAGS_IF : 0;
			if (v->state == VCPU_RUNNABLE && (op & 0x20))
				v->state = VCPU_HALTED;
			break;
		case 13:
			vcpu_raise_interrupt(v, (u8)take(&r, 1));
			break;
		case 14:
			pic_acknowledge(vm);
			break;
		default:
			ioapic_eoi(vm, (u8)take(&r, 1));
			break;
		}
		check();
	}
	return 0;
}
