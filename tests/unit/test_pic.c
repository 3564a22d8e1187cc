/*
 * The 8259A pair (devices/pic.c): the ICW sequence, IMR, EOI forms, priority and rotation,
 * the cascade on IRQ 2, auto-EOI, poll, edge and level (ELCR), spurious IRQ 7, and the
 * output reaching vCPU 0 through LINT0 (vm/vtimer.c).
 */
// unit-deps: vm/vtimer.c devices/lapic.c devices/ioapic.c devices/pic.c devices/timer.c lib/spinlock.c vm/vcpu.c mm/gva.c mm/guest_mem.c arch/x86/decode.c arch/x86/decode_vex.c lib/string.c
#include "tests/unit/unit.h"
#include "tests/unit/intc_fakes.h"
#include "devices/pic.h"

static struct vm *vm;
static struct pic *p;

static void out(u16 port, u8 val) { pic_port_write(p, port, val); }
static u8 in(u16 port) { return pic_port_read(p, port); }

static void init_pics(u8 icw4)
{
	out(0x20, 0x11);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, icw4);
	out(0xa0, 0x11);
	out(0xa1, 0x28);
	out(0xa1, 0x02);
	out(0xa1, icw4);
}

static void pulse(u32 irq)
{
	pic_set_irq(vm, irq, true);
	pic_set_irq(vm, irq, false);
}

int main(void)
{
	struct vcpu *v0;

	vm = fake_vm(1);
	v0 = vm->vcpus[0];
	CHECK_INT("create", pic_create(vm), 0);
	CHECK_INT("three port ranges", vm->dev->port_count, 3);
	p = vm->dev->pic;

	CHECK_U64("reset: every master input masked", in(0x21), 0xff);
	CHECK_U64("reset: every slave input masked", in(0xa1), 0xff);
	pulse(1);
	CHECK("reset: masked, no output", !pic_output(vm));
	out(0x21, 0x5a);
	init_pics(0x01);
	CHECK_U64("ICW1 clears IMR", in(0x21), 0);
	out(0x21, 0xfb);
	CHECK_U64("OCW1: IMR reads back", in(0x21), 0xfb);
	out(0x21, 0x00);
	CHECK("no request, no output", !pic_output(vm));
	CHECK_U64("spurious acknowledge: IRQ 7", pic_acknowledge(vm), 0x27);
	CHECK_U64("spurious: nothing in service", (out(0x20, 0x0b), in(0x20)), 0);

	/* Priorities and EOI. */
	pulse(1);
	CHECK_U64("IRR after an edge (OCW3 read IRR)", (out(0x20, 0x0a), in(0x20)), 0x02);
	CHECK("output up", pic_output(vm));
	CHECK_U64("acknowledge IRQ 1", pic_acknowledge(vm), 0x21);
	CHECK_U64("IRQ 1 in service", (out(0x20, 0x0b), in(0x20)), 0x02);
	CHECK_U64("IRR cleared by the acknowledge", (out(0x20, 0x0a), in(0x20)), 0);
	CHECK("output down while in service", !pic_output(vm));
	pulse(3);
	CHECK("a lower priority waits", !pic_output(vm));
	pulse(0);
	CHECK("a higher priority interrupts", pic_output(vm));
	CHECK_U64("acknowledge IRQ 0", pic_acknowledge(vm), 0x20);
	CHECK_U64("ISR: IRQ 0 and 1", (out(0x20, 0x0b), in(0x20)), 0x03);
	out(0x20, 0x20);
	CHECK_U64("non-specific EOI clears the highest", (out(0x20, 0x0b), in(0x20)), 0x02);
	CHECK("IRQ 3 still waits for IRQ 1", !pic_output(vm));
	out(0x20, 0x61);
	CHECK("specific EOI of IRQ 1", pic_output(vm));
	CHECK_U64("then IRQ 3", pic_acknowledge(vm), 0x23);
	out(0x20, 0x63);
	CHECK_U64("specific EOI of IRQ 3", (out(0x20, 0x0b), in(0x20)), 0);

	/* IMR. */
	out(0x21, 0x10);
	pulse(4);
	CHECK("masked IRQ 4: no output", !pic_output(vm));
	out(0x21, 0x00);
	CHECK("unmasked: output", pic_output(vm));
	CHECK_U64("IRQ 4 acknowledged", pic_acknowledge(vm), 0x24);
	out(0x20, 0x20);

	/* Cascade: slave IRQ 2 (IRQ 10) through the master's IRQ 2. */
	pulse(10);
	CHECK("slave request reaches the master", pic_output(vm));
	CHECK_U64("cascade vector", pic_acknowledge(vm), 0x2a);
	CHECK_U64("master ISR: IRQ 2", (out(0x20, 0x0b), in(0x20)), 0x04);
	CHECK_U64("slave ISR: IRQ 2", (out(0xa0, 0x0b), in(0xa0)), 0x04);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	CHECK_U64("both EOIs", (out(0x20, 0x0b), in(0x20)) | (out(0xa0, 0x0b), in(0xa0)), 0);
	out(0xa1, 0x01);
	pulse(8);
	CHECK("slave IMR masks IRQ 8", !pic_output(vm));
	out(0xa1, 0x00);
	CHECK_U64("slave IRQ 0 = vector 0x28", pic_acknowledge(vm), 0x28);
	out(0xa0, 0x20);
	out(0x20, 0x20);

	/* Rotation: set priority makes IRQ 3 the lowest, so IRQ 4 the highest. */
	out(0x20, 0xc3);
	pulse(1);
	pulse(5);
	CHECK_U64("rotated priority: IRQ 5 before IRQ 1", pic_acknowledge(vm), 0x25);
	out(0x20, 0xa0);	/* rotate on non-specific EOI: IRQ 5 becomes the lowest */
	CHECK_U64("rotate on EOI: IRQ 1 next", pic_acknowledge(vm), 0x21);
	out(0x20, 0x20);
	out(0x20, 0xc7);	/* back to IRQ 0 highest */

	/* Poll mode. */
	pulse(6);
	out(0x20, 0x0c);
	CHECK_U64("poll: 0x80 | IRQ 6", in(0x20), 0x86);
	CHECK_U64("poll acknowledges", (out(0x20, 0x0b), in(0x20)), 0x40);
	out(0x20, 0x20);
	out(0x20, 0x0c);
	CHECK_U64("poll with nothing pending", in(0x20), 0);

	/* Auto-EOI. */
	init_pics(0x03);
	pulse(5);
	CHECK_U64("auto-EOI: acknowledged", pic_acknowledge(vm), 0x25);
	CHECK_U64("auto-EOI: nothing in service", (out(0x20, 0x0b), in(0x20)), 0);
	init_pics(0x01);

	/* ELCR and level-triggered inputs. */
	out(0x4d0, 0xff);
	CHECK_U64("ELCR master: IRQ 0-2 stay edge", in(0x4d0), 0xf8);
	out(0x4d1, 0xff);
	CHECK_U64("ELCR slave: IRQ 8 and 13 stay edge", in(0x4d1), 0xde);
	out(0x4d0, 0x08);
	out(0x4d1, 0x00);
	pic_set_irq(vm, 3, true);
	CHECK_U64("level: acknowledged", pic_acknowledge(vm), 0x23);
	CHECK_U64("level: IRR stays while the line is high", (out(0x20, 0x0a), in(0x20)), 0x08);
	out(0x20, 0x20);
	CHECK("level: requests again after EOI", pic_output(vm));
	pic_set_irq(vm, 3, false);
	CHECK("level: line low withdraws the request", !pic_output(vm) &&
	      (out(0x20, 0x0a), in(0x20)) == 0);
	out(0x4d0, 0x00);

	/* To vCPU 0: LINT0 ExtINT at reset (virtual wire). */
	v0->state = VCPU_HALTED;
	v0->rflags = X86_RFLAGS_IF;
	pulse(4);
	CHECK("output wakes vCPU 0", v0->state == VCPU_RUNNABLE);
	injected = -1;
	vcpu_deliver_interrupt(v0);
	CHECK_INT("vector from the acknowledge at injection", injected, 0x24);
	CHECK_U64("IRQ 4 in service", (out(0x20, 0x0b), in(0x20)), 0x10);
	out(0x20, 0x20);
	v0->lapic.lvt[LAPIC_LVT_LINT0] = 0x10700;
	pulse(4);
	CHECK("LINT0 masked: the PIC does not reach vCPU 0", !vcpu_interrupt_pending(v0));
	v0->lapic.apic_base &= ~LAPIC_BASE_EN;
	CHECK("APIC disabled: the PIC goes straight in", vcpu_interrupt_pending(v0));
	vcpu_deliver_interrupt(v0);
	CHECK_INT("APIC disabled: injected", injected, 0x24);
	out(0x20, 0x20);
	pic_destroy(vm);
	return unit_summary();
}
