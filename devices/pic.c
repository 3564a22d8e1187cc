/*
 * Two cascaded 8259A programmable interrupt controllers (Intel 8259A datasheet): ICW1-ICW4,
 * IMR, specific and non-specific EOI with rotation, IRR/ISR reads, poll, auto-EOI, special
 * mask and special fully nested modes, the slave on the master's IRQ 2, and the ELCR.
 */
#include "devices/pic.h"
#include "devices/lapic.h"
#include "devices/devices.h"
#include "vm/vm.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/errno.h"

#define PIC_PORT_ELCR 0x4d0

static struct pic *pic_of(struct vm *vm)
{
	return vm && vm->dev ? vm->dev->pic : NULL;
}

/* Priority 0 is the highest; the IRQ at priority p is (p + priority_add) & 7.  8 = none. */
static int pic_priority(const struct pic_chip *c, u8 mask)
{
	int p = 0;

	if (!mask)
		return 8;
	while (!(mask & (1u << ((p + c->priority_add) & 7))))
		p++;
	return p;
}

/* The IRQ the chip would raise now, or -1. */
static int pic_chip_irq(const struct pic_chip *c, bool master)
{
	int req = pic_priority(c, c->irr & ~c->imr), cur;
	u8 in_service = c->isr;

	if (req == 8)
		return -1;
	/* Special mask mode: masked in-service levels do not block lower priorities. */
	if (c->special_mask)
		in_service &= ~c->imr;
	/* Special fully nested: the slave may interrupt while its own IRQ 2 is in service. */
	if (master && c->special_fully_nested)
		in_service &= ~(1u << 2);
	cur = pic_priority(c, in_service);
	return req < cur ? (req + c->priority_add) & 7 : -1;
}

static void pic_chip_line(struct pic_chip *c, u32 irq, bool high)
{
	u8 mask = 1u << irq;

	if (c->elcr & mask) {
		if (high)
			c->irr |= mask;
		else
			c->irr &= ~mask;
	} else if (high && !(c->lines & mask)) {
		c->irr |= mask;		/* rising edge */
	}
	if (high)
		c->lines |= mask;
	else
		c->lines &= ~mask;
}

/* Recomputes the cascade and the master's output; an interrupt may wake vCPU 0. */
static void pic_update(struct pic *p)
{
	bool out;

	pic_chip_line(&p->chip[0], 2, pic_chip_irq(&p->chip[1], false) >= 0);
	out = pic_chip_irq(&p->chip[0], true) >= 0;
	p->output = out;
	if (out && p->vm && p->vm->vcpu_count && p->vm->vcpus[0])
		vcpu_wake_if_pending(p->vm->vcpus[0]);
}

static void pic_intack(struct pic_chip *c, int irq)
{
	u8 mask = 1u << irq;

	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (irq + 1) & 7;
	} else {
		c->isr |= mask;
	}
	/* A level-triggered request stays until its line drops. */
	if (!(c->elcr & mask))
		c->irr &= ~mask;
}

u8 pic_acknowledge(struct vm *vm)
{
	struct pic *p = pic_of(vm);
	int irq, irq2;
	u8 vec;

	if (!p)
		return 0xff;
	irq = pic_chip_irq(&p->chip[0], true);
	if (irq < 0) {
		vec = p->chip[0].irq_base + 7;		/* spurious */
	} else {
		pic_intack(&p->chip[0], irq);
		if (irq == 2) {
			irq2 = pic_chip_irq(&p->chip[1], false);
			if (irq2 >= 0)
				pic_intack(&p->chip[1], irq2);
			else
				irq2 = 7;
			vec = p->chip[1].irq_base + irq2;
		} else {
			vec = p->chip[0].irq_base + irq;
		}
	}
	pic_update(p);
	return vec;
}

bool pic_output(struct vm *vm)
{
	struct pic *p = pic_of(vm);

	return p && p->output;
}

void pic_set_irq(struct vm *vm, u32 irq, bool high)
{
	struct pic *p = pic_of(vm);

	if (!p || irq >= 16)
		return;
	pic_chip_line(&p->chip[irq >> 3], irq & 7, high);
	pic_update(p);
}

static void pic_chip_reset(struct pic_chip *c)
{
	u8 lines = c->lines, elcr = c->elcr, elcr_mask = c->elcr_mask;

	*c = (struct pic_chip){ .lines = lines, .elcr = elcr, .elcr_mask = elcr_mask };
	/* Edges are detected afresh; a level input that is high still requests. */
	c->irr = lines & elcr;
}

/* OCW2 (8259A datasheet, "Operation Command Words"). */
static void pic_ocw2(struct pic_chip *c, u8 val)
{
	int irq, prio;

	switch (val >> 5) {
	case 0:		/* rotate in auto-EOI mode: clear */
	case 4:		/* set */
		c->rotate_on_auto_eoi = val >> 7;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		prio = pic_priority(c, c->isr);
		if (prio == 8)
			break;
		irq = (prio + c->priority_add) & 7;
		c->isr &= ~(1u << irq);
		if (val >> 5 == 5)
			c->priority_add = (irq + 1) & 7;
		break;
	case 3:		/* specific EOI */
	case 7:		/* rotate on specific EOI */
		irq = val & 7;
		c->isr &= ~(1u << irq);
		if (val >> 5 == 7)
			c->priority_add = (irq + 1) & 7;
		break;
	case 6:		/* set priority: IRQ val & 7 becomes the lowest */
		c->priority_add = (val + 1) & 7;
		break;
	default:	/* 2: no operation */
		break;
	}
}

void pic_port_write(struct pic *p, u16 port, u8 val)
{
	struct pic_chip *c;

	if ((port & ~1) == PIC_PORT_ELCR) {
		c = &p->chip[port & 1];
		c->elcr = val & c->elcr_mask;
		pic_update(p);
		return;
	}
	c = &p->chip[port >= PLAT_PORT_PIC_SLAVE];
	if (!(port & 1)) {
		if (val & 0x10) {
			/* ICW1: clears IMR and ISR, IRQ 7 gets the lowest priority, IRR is read. */
			pic_chip_reset(c);
			c->init_state = 1;
			c->init4 = val & 1;
			c->single_mode = val & 2;
			/* Bit 3 (LTIM) is ignored: on a PC the ELCR selects level mode. */
		} else if (val & 0x08) {
			/* OCW3 */
			if (val & 0x04)
				c->poll = true;
			if (val & 0x02)
				c->read_isr = val & 1;
			if (val & 0x40)
				c->special_mask = (val >> 5) & 1;
		} else {
			pic_ocw2(c, val);
		}
	} else {
		switch (c->init_state) {
		case 0:			/* OCW1 */
			c->imr = val;
			break;
		case 1:			/* ICW2: the vector base */
			c->irq_base = val & 0xf8;
			c->init_state = c->single_mode ? (c->init4 ? 3 : 0) : 2;
			break;
		case 2:			/* ICW3: cascade wiring, fixed on a PC */
			c->init_state = c->init4 ? 3 : 0;
			break;
		default:		/* ICW4 */
			c->special_fully_nested = (val >> 4) & 1;
			c->auto_eoi = (val >> 1) & 1;
			c->init_state = 0;
			break;
		}
	}
	pic_update(p);
}

u8 pic_port_read(struct pic *p, u16 port)
{
	struct pic_chip *c;
	int irq;

	if ((port & ~1) == PIC_PORT_ELCR)
		return p->chip[port & 1].elcr;
	c = &p->chip[port >= PLAT_PORT_PIC_SLAVE];
	if (c->poll) {
		/* Poll: the highest request is acknowledged and returned as 0x80 | IRQ. */
		c->poll = false;
		irq = pic_chip_irq(c, c == &p->chip[0]);
		if (irq < 0)
			return 0;
		pic_intack(c, irq);
		pic_update(p);
		return 0x80 | irq;
	}
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void pic_in(void *opaque, u16 port, u8 size, u32 *val)
{
	(void)size;
	*val = pic_port_read(opaque, port);
}

static void pic_out(void *opaque, u16 port, u8 size, u32 val)
{
	(void)size;
	pic_port_write(opaque, port, (u8)val);
}

int pic_create(struct vm *vm)
{
	u64 page = host_pages_alloc(1);
	struct pic *p = (struct pic *)(uintptr_t)page;
	static const u16 bases[3] = { PLAT_PORT_PIC_MASTER, PLAT_PORT_PIC_SLAVE, PIC_PORT_ELCR };
	int err = 0;

	if (!page)
		return -ENOMEM;
	p->vm = vm;
	/* IRQ 0-2 (timer, keyboard, cascade) and 8, 13 (RTC, FPU) are always edge-triggered. */
	p->chip[0].elcr_mask = 0xf8;
	p->chip[1].elcr_mask = 0xde;
	/*
	 * As a PC BIOS leaves them, with every input masked: a guest without firmware must not
	 * take device interrupts at vector 0 before it has programmed the chips.
	 */
	p->chip[0].irq_base = 0x08;
	p->chip[1].irq_base = 0x70;
	p->chip[0].imr = p->chip[1].imr = 0xff;
	vm->dev->pic = p;
	for (int i = 0; i < 3 && !err; i++) {
		struct port_handler h = {
			.base = bases[i], .count = 2, .name = i == 2 ? "elcr" : "pic",
			.in = pic_in, .out = pic_out, .opaque = p,
		};

		err = devices_register_ports(vm, &h);
	}
	return err;
}

void pic_destroy(struct vm *vm)
{
	if (vm->dev && vm->dev->pic) {
		host_pages_free((u64)(uintptr_t)vm->dev->pic, 1);
		vm->dev->pic = NULL;
	}
}
