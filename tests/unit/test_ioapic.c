/*
 * The IOAPIC model (devices/ioapic.c) and the interrupt router (devices/irq.c): registers,
 * edge and level pins, remote IRR and re-delivery after EOI, destinations and delivery modes,
 * GSI routing to the IOAPIC and the PIC, MSI decoding.
 */
// unit-deps: vm/vtimer.c devices/lapic.c devices/ioapic.c devices/pic.c devices/irq.c devices/timer.c lib/spinlock.c vm/vcpu.c mm/gva.c mm/guest_mem.c arch/x86/decode.c arch/x86/decode_vex.c lib/string.c
#include "tests/unit/unit.h"
#include "tests/unit/intc_fakes.h"
#include "devices/ioapic.h"
#include "devices/irq.h"
#include "devices/pic.h"
#include "vm/platform.h"

static struct vm *vm;

static u32 io_rd(u32 index)
{
	fake_mmio_write(vm, vm->vcpus[0], PLAT_IOAPIC_GPA, 4, index);
	return (u32)fake_mmio_read(vm, vm->vcpus[0], PLAT_IOAPIC_GPA + 0x10, 4);
}

static void io_wr(u32 index, u32 val)
{
	fake_mmio_write(vm, vm->vcpus[0], PLAT_IOAPIC_GPA, 4, index);
	fake_mmio_write(vm, vm->vcpus[0], PLAT_IOAPIC_GPA + 0x10, 4, val);
}

static void redir(u32 pin, u32 lo, u8 dest)
{
	io_wr(0x11 + 2 * pin, (u32)dest << 24);
	io_wr(0x10 + 2 * pin, lo);
}

static bool irr(struct vcpu *v, u8 vec) { return v->lapic.irr[vec / 32] & (1u << (vec % 32)); }

static void clear_irr(void)
{
	for (u32 i = 0; i < vm->vcpu_count; i++)
		memset(vm->vcpus[i]->lapic.irr, 0, sizeof(vm->vcpus[i]->lapic.irr));
}

static void lapic_wr(struct vcpu *v, u32 off, u32 val)
{
	fake_mmio_write(vm, v, PLAT_LAPIC_GPA + off, 4, val);
}

int main(void)
{
	struct vcpu *v0, *v1;

	vm = fake_vm(2);
	v0 = vm->vcpus[0];
	v1 = vm->vcpus[1];
	v1->state = VCPU_RUNNABLE;
	CHECK_INT("create", ioapic_create(vm) | pic_create(vm) | lapic_register_mmio(vm), 0);
	lapic_wr(v0, 0xf0, 0x1ff);
	lapic_wr(v1, 0xf0, 0x1ff);

	CHECK_U64("version 0x11, 23 as the highest entry", io_rd(1), 0x00170011);
	io_wr(0, 0x0a000000);
	CHECK_U64("ID reads back", io_rd(0), 0x0a000000);
	CHECK_U64("arbitration ID follows", io_rd(2), 0x0a000000);
	CHECK_U64("IOREGSEL reads back", fake_mmio_read(vm, v0, PLAT_IOAPIC_GPA, 4), 2);
	CHECK_U64("reset: entries masked", io_rd(0x10 + 2 * 23), 0x10000);
	CHECK_U64("reset: destination 0", io_rd(0x11), 0);
	CHECK_U64("beyond the last entry reads 0", io_rd(0x10 + 2 * 24), 0);

	/* Edge pin. */
	redir(4, 0x34, 1);
	CHECK_U64("entry reads back", io_rd(0x18), 0x34);
	CHECK_U64("destination reads back", io_rd(0x19), 1u << 24);
	ioapic_set_irq(vm, 4, true);
	CHECK("edge: delivered to APIC 1", irr(v1, 0x34) && !irr(v0, 0x34));
	CHECK("edge: TMR clear", !(v1->lapic.tmr[1] & (1u << (0x34 - 32))));
	clear_irr();
	ioapic_set_irq(vm, 4, true);
	CHECK("edge: no edge, no interrupt", !irr(v1, 0x34));
	ioapic_set_irq(vm, 4, false);
	ioapic_set_irq(vm, 4, true);
	CHECK("edge: the next rising edge", irr(v1, 0x34));
	clear_irr();
	ioapic_set_irq(vm, 4, false);
	redir(4, 0x10034, 1);
	ioapic_set_irq(vm, 4, true);
	redir(4, 0x34, 1);
	CHECK("edge: lost while masked", !irr(v1, 0x34));
	ioapic_set_irq(vm, 4, false);

	/* Level pin: remote IRR until EOI, re-delivered while still asserted. */
	redir(9, 0x8039, 0);
	ioapic_set_irq(vm, 9, true);
	CHECK("level: delivered", irr(v0, 0x39));
	CHECK("level: TMR set", v0->lapic.tmr[1] & (1u << (0x39 - 32)));
	CHECK("level: remote IRR set", io_rd(0x22) & BIT(14));
	lapic_ack(v0, 0x39);
	ioapic_set_irq(vm, 9, true);
	CHECK("level: not again before EOI", !irr(v0, 0x39));
	lapic_wr(v0, 0xb0, 0);
	CHECK("level: EOI while asserted re-delivers", irr(v0, 0x39) && (io_rd(0x22) & BIT(14)));
	lapic_ack(v0, 0x39);
	ioapic_set_irq(vm, 9, false);
	lapic_wr(v0, 0xb0, 0);
	CHECK("level: EOI after deassert clears remote IRR only", !irr(v0, 0x39) &&
	      !(io_rd(0x22) & BIT(14)));
	io_wr(0x22, 0xc039);
	CHECK("remote IRR is read-only", !(io_rd(0x22) & BIT(14)));
	redir(9, 0x18039, 0);
	ioapic_set_irq(vm, 9, true);
	CHECK("level: masked, nothing", !irr(v0, 0x39));
	redir(9, 0x8039, 0);
	CHECK("level: unmasking an asserted line delivers", irr(v0, 0x39));
	lapic_ack(v0, 0x39);
	ioapic_eoi(vm, 0x38);
	CHECK("EOI of another vector leaves remote IRR", io_rd(0x22) & BIT(14));
	ioapic_set_irq(vm, 9, false);
	lapic_wr(v0, 0xb0, 0);
	redir(9, 0x10000, 0);
	clear_irr();

	/* Destinations and delivery modes. */
	lapic_wr(v0, 0xd0, 0x01000000);
	lapic_wr(v1, 0xd0, 0x02000000);
	redir(5, 0x835, 0x02);
	ioapic_set_irq(vm, 5, true);
	ioapic_set_irq(vm, 5, false);
	CHECK("logical flat destination 0x02 -> APIC 1", irr(v1, 0x35) && !irr(v0, 0x35));
	redir(5, 0x836, 0xff);
	irq_pulse(vm, 5);
	CHECK("logical broadcast", irr(v0, 0x36) && irr(v1, 0x36));
	clear_irr();
	lapic_wr(v0, 0x80, 0x40);
	redir(5, 0x937, 0x03);
	irq_pulse(vm, 5);
	CHECK("lowest priority: the APIC with the lower TPR", irr(v1, 0x37) && !irr(v0, 0x37));
	lapic_wr(v0, 0x80, 0);
	redir(5, 0x400, 1);
	irq_pulse(vm, 5);
	CHECK("NMI delivery mode", v1->lapic.nmi_pending);
	v1->lapic.nmi_pending = false;
	redir(5, 0x700, 0);
	irq_pulse(vm, 5);
	CHECK("ExtINT delivery mode", v0->lapic.extint_pending);
	v0->lapic.extint_pending = false;
	redir(5, 0x500, 1);
	irq_pulse(vm, 5);
	CHECK("INIT delivery mode: requested, not applied by the sender",
	      v1->state != VCPU_WAIT_SIPI && vcpu_start_requested(v1));
	vcpu_apply_start_requests(v1);	/* as v1's own CPU does before its next entry */
	CHECK("INIT delivery mode: wait for SIPI", v1->state == VCPU_WAIT_SIPI);
	v1->state = VCPU_RUNNABLE;
	lapic_wr(v1, 0xf0, 0x1ff);
	redir(5, 0x10000, 0);
	clear_irr();

	/* The router: GSI 2 is the PIT (PIC IRQ 0); GSIs below 16 also reach the PIC. */
	redir(2, 0x30, 0);
	pic_port_write(vm->dev->pic, 0x20, 0x11);
	pic_port_write(vm->dev->pic, 0x21, 0x08);
	pic_port_write(vm->dev->pic, 0x21, 0x04);
	pic_port_write(vm->dev->pic, 0x21, 0x01);
	pic_port_write(vm->dev->pic, 0x21, 0x00);
	pic_port_write(vm->dev->pic, 0xa0, 0x11);
	pic_port_write(vm->dev->pic, 0xa1, 0x70);
	pic_port_write(vm->dev->pic, 0xa1, 0x02);
	pic_port_write(vm->dev->pic, 0xa1, 0x01);
	pic_port_write(vm->dev->pic, 0xa1, 0x00);
	irq_pulse(vm, PLAT_GSI_PIT);
	CHECK("GSI 2: IOAPIC pin 2", irr(v0, 0x30));
	CHECK_U64("GSI 2: PIC IRQ 0 requested", pic_port_read(vm->dev->pic, 0x20), 0x01);
	CHECK("GSI 2: the PIC output is up", pic_output(vm));
	CHECK_U64("PIC acknowledge: vector 8 + 0", pic_acknowledge(vm), 0x08);
	pic_port_write(vm->dev->pic, 0x20, 0x20);
	irq_set_level(vm, 9, true);
	CHECK_U64("GSI 9: PIC IRQ 9 (slave IRR bit 1)", pic_port_read(vm->dev->pic, 0xa0), 0x02);
	irq_set_level(vm, 9, false);
	irq_set_level(vm, 20, true);
	CHECK("GSI 20: the IOAPIC only", (vm->dev->ioapic->asserted & BIT(20)) &&
	      pic_port_read(vm->dev->pic, 0xa0) == 0x02 && pic_port_read(vm->dev->pic, 0x20) == 0x04);
	irq_set_level(vm, 20, false);
	irq_set_level(vm, 24, true);
	CHECK("GSI 24: ignored", vm->dev->ioapic->asserted == 0);
	clear_irr();

	/* MSI: address 0xFEE, destination 19:12, logical bit 2; data vector, mode, trigger. */
	irq_msi(vm, 0xfee01000, 0x41);
	CHECK("MSI: physical destination 1", irr(v1, 0x41) && !irr(v0, 0x41));
	irq_msi(vm, 0xfee01004, 0x42);
	CHECK("MSI: logical destination 0x01 -> APIC 0", irr(v0, 0x42) && !irr(v1, 0x42));
	irq_msi(vm, 0xfeeff000, 0x8043);
	CHECK("MSI: broadcast, level-triggered sets TMR", irr(v0, 0x43) && irr(v1, 0x43) &&
	      (v0->lapic.tmr[2] & (1u << 3)));
	irq_msi(vm, 0xfee01000, 0x400);
	CHECK("MSI: NMI", v1->lapic.nmi_pending);
	clear_irr();
	irq_msi(vm, 0xfed01000, 0x44);
	CHECK("MSI: not 0xFEExxxxx, ignored", !irr(v1, 0x44));
	ioapic_destroy(vm);
	pic_destroy(vm);
	return unit_summary();
}
