/*
 * The IOAPIC (Intel 82093AA datasheet): IOREGSEL/IOWIN indirect registers, 24 redirection
 * entries with mask, trigger mode and remote IRR; messages go to the local APICs.
 */
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/devices.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/errno.h"

#define IOAPIC_VERSION		(0x11 | ((PLAT_IOAPIC_PINS - 1) << 16))
#define REDIR_MASKED		BIT(16)
#define REDIR_LEVEL		BIT(15)
#define REDIR_REMOTE_IRR	BIT(14)
#define REDIR_DELIVS		BIT(12)
#define REDIR_LOGICAL		BIT(11)
/* Writable: vector, delivery mode, destination mode, polarity, trigger, mask, destination. */
#define REDIR_WRITABLE		0xff0000000001afffULL

static struct ioapic *ioapic_of(struct vm *vm)
{
	return vm && vm->dev ? vm->dev->ioapic : NULL;
}

/* Sends pin's interrupt if its entry lets it through now. */
static void ioapic_service(struct ioapic *io, u32 pin)
{
	u64 e = io->redir[pin];
	u8 mode = (e >> 8) & 7;
	bool level = e & REDIR_LEVEL;

	if (e & REDIR_MASKED)
		return;
	if (level) {
		/* A level interrupt waits for the EOI of the previous one (remote IRR). */
		if (e & REDIR_REMOTE_IRR)
			return;
		if (mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST)
			io->redir[pin] |= REDIR_REMOTE_IRR;
	}
	lapic_send(io->vm, (u32)(e >> 56), false, e & REDIR_LOGICAL, mode, e & 0xff, level);
}

void ioapic_set_irq(struct vm *vm, u32 pin, bool high)
{
	struct ioapic *io = ioapic_of(vm);
	u32 bit = 1u << pin;
	bool was;

	if (!io || pin >= PLAT_IOAPIC_PINS)
		return;
	was = io->asserted & bit;
	if (!high) {
		io->asserted &= ~bit;
		return;
	}
	io->asserted |= bit;
	/* Edge: the rising edge only (lost while masked, as on the chip).  Level: while high. */
	if ((io->redir[pin] & REDIR_LEVEL) || !was)
		ioapic_service(io, pin);
}

void ioapic_eoi(struct vm *vm, u8 vector)
{
	struct ioapic *io = ioapic_of(vm);

	if (!io)
		return;
	for (u32 pin = 0; pin < PLAT_IOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if ((e & 0xff) != vector || !(e & REDIR_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~REDIR_REMOTE_IRR;
		if ((e & REDIR_LEVEL) && (io->asserted & (1u << pin)))
			ioapic_service(io, pin);
	}
}

static u32 ioapic_read_reg(struct ioapic *io, u32 index)
{
	u32 pin = (index - 0x10) / 2;

	switch (index) {
	case 0x00: return io->id << 24;
	case 0x01: return IOAPIC_VERSION;
	case 0x02: return io->id << 24;		/* arbitration ID */
	}
	if (index >= 0x10 && pin < PLAT_IOAPIC_PINS)
		return (index & 1) ? (u32)(io->redir[pin] >> 32) : (u32)io->redir[pin];
	return 0;
}

static void ioapic_write_reg(struct ioapic *io, u32 index, u32 val)
{
	u32 pin = (index - 0x10) / 2;
	u64 e;

	if (index == 0x00) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (index < 0x10 || pin >= PLAT_IOAPIC_PINS)
		return;
	e = io->redir[pin];
	if (index & 1)
		e = (e & 0xffffffffULL) | ((u64)val << 32);
	else
		e = (e & ~0xffffffffULL) | val;
	/* Delivery status and remote IRR are read-only. */
	e = (e & REDIR_WRITABLE) | (io->redir[pin] & REDIR_REMOTE_IRR);
	if (!(e & REDIR_LEVEL))
		e &= ~REDIR_REMOTE_IRR;
	io->redir[pin] = e;
	/* Unmasked with its line high: a level interrupt is delivered now. */
	if ((e & REDIR_LEVEL) && (io->asserted & (1u << pin)))
		ioapic_service(io, pin);
}

u32 ioapic_mmio_read32(struct ioapic *io, u64 offset)
{
	if (offset == 0x00)
		return io->ioregsel;
	if (offset == 0x10)
		return ioapic_read_reg(io, io->ioregsel);
	return 0;
}

void ioapic_mmio_write32(struct ioapic *io, u64 offset, u32 val)
{
	if (offset == 0x00)
		io->ioregsel = val & 0xff;
	else if (offset == 0x10)
		ioapic_write_reg(io, io->ioregsel, val);
}

static void ioapic_mmio_read(void *opaque, u64 offset, u8 size, u64 *val)
{
	u64 base = offset & ~3ULL;

	*val = ioapic_mmio_read32(opaque, base) >> ((offset & 3) * 8);
	(void)size;
}

static void ioapic_mmio_write(void *opaque, u64 offset, u8 size, u64 val)
{
	/* IOREGSEL takes byte writes too; IOWIN only whole dwords. */
	if (offset == 0x00 || (offset == 0x10 && size == 4))
		ioapic_mmio_write32(opaque, offset, (u32)val);
}

int ioapic_create(struct vm *vm)
{
	u64 page = host_pages_alloc(1);
	struct ioapic *io = (struct ioapic *)(uintptr_t)page;
	struct mmio_handler h = {
		.base = PLAT_IOAPIC_GPA, .size = PAGE_SIZE, .name = "ioapic",
		.read = ioapic_mmio_read, .write = ioapic_mmio_write,
	};

	_Static_assert(sizeof(struct ioapic) <= PAGE_SIZE, "ioapic state fits a page");
	if (!page)
		return -ENOMEM;
	io->vm = vm;
	for (u32 i = 0; i < PLAT_IOAPIC_PINS; i++)
		io->redir[i] = REDIR_MASKED;
	vm->dev->ioapic = io;
	h.opaque = io;
	return devices_register_mmio(vm, &h);
}

void ioapic_destroy(struct vm *vm)
{
	if (vm->dev && vm->dev->ioapic) {
		host_pages_free((u64)(uintptr_t)vm->dev->ioapic, 1);
		vm->dev->ioapic = NULL;
	}
}
