/*
 * Two cascaded 8259A PICs (devices/pic.c) at ports 0x20/0x21 and 0xA0/0xA1, with the ELCR at
 * 0x4D0/0x4D1; the master's output reaches vCPU 0 as ExtINT (devices/lapic.h).
 */
#ifndef DEVICES_PIC_H
#define DEVICES_PIC_H

#include "lib/types.h"

struct vm;

struct pic_chip {
	u8 irr, imr, isr;
	u8 lines;		/* input levels, for edge detection */
	u8 elcr, elcr_mask;	/* level-triggered inputs; which may be level */
	u8 irq_base;		/* ICW2 */
	u8 priority_add;	/* the IRQ with the lowest priority is priority_add - 1 */
	u8 init_state;		/* 0 ready, 1 want ICW2, 2 want ICW3, 3 want ICW4 */
	bool init4, single_mode, auto_eoi, rotate_on_auto_eoi, special_fully_nested;
	bool read_isr, poll, special_mask;
};

struct pic {
	struct vm *vm;
	struct pic_chip chip[2];	/* master, slave */
	bool output;			/* the master's INT line */
};

int pic_create(struct vm *vm);
void pic_destroy(struct vm *vm);
/* An ISA IRQ line (0-15) at a level; edge or level per the ELCR. */
void pic_set_irq(struct vm *vm, u32 irq, bool high);
/* Whether the master asks the CPU for an interrupt. */
bool pic_output(struct vm *vm);
/* The interrupt-acknowledge cycle: the vector to inject (a spurious IRQ 7 when none). */
u8 pic_acknowledge(struct vm *vm);
/* Port access, for the I/O bus and the unit tests. */
u8 pic_port_read(struct pic *p, u16 port);
void pic_port_write(struct pic *p, u16 port, u8 val);

#endif
