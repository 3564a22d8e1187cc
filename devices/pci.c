/*
 * PCI host bridge: configuration mechanism #1 on 0xCF8/0xCFC-0xCFF (PCI Local Bus 3.0, 3.2.2.3.2)
 * and ECAM at PLAT_ECAM_GPA (PCI Express Base 4.0, 7.2.2), bus 0 only, both reaching the same
 * configuration spaces; function 00.0 is the host bridge itself.  Memory BARs live in the
 * PCI MMIO window, whose accesses the bridge routes to the function owning the address.
 */
#include "devices/pci.h"
#include "devices/devices.h"
#include "vm/vm.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/string.h"

/* QEMU's generic PCIe host bridge: Linux binds it without quirks. */
#define HOST_BRIDGE_VENDOR 0x1b36
#define HOST_BRIDGE_DEVICE 0x0008
#define CLASS_HOST_BRIDGE 0x060000

#define CF8_ENABLE 0x80000000u
#define FUNCTION_PAGES (ALIGN_UP(sizeof(struct pci_device), PAGE_SIZE) / PAGE_SIZE)

struct pci_host {
	struct vm *vm;
	u32 cf8;			/* the configuration address register */
	u64 mmio_next;			/* next free address in the BAR window */
	struct pci_device *fn[PCI_MAX_FUNCTIONS];
};

static struct pci_device *pci_lookup(struct vm *vm, u8 bus, u8 devfn)
{
	struct pci_host *h = vm->dev ? vm->dev->pci : NULL;

	if (!h || bus != 0)
		return NULL;
	/* Functions 1-7 of a device are visible only when function 0 exists (PCI 3.0, 6.2.1). */
	if ((devfn & 7) && !h->fn[devfn & ~7])
		return NULL;
	return h->fn[devfn];
}

static void pci_put(u8 *p, u32 off, u8 size, u32 v)
{
	for (u32 i = 0; i < size; i++)
		p[off + i] = (u8)(v >> (8 * i));
}

static u32 pci_get(const u8 *p, u32 off, u8 size)
{
	u32 v = 0;

	for (u32 i = 0; i < size; i++)
		v |= (u32)p[off + i] << (8 * i);
	return v;
}

u32 pci_config_read(struct vm *vm, u8 bus, u8 devfn, u16 off, u8 size)
{
	struct pci_device *f = pci_lookup(vm, bus, devfn);
	u32 v;

	if (size != 1 && size != 2 && size != 4)
		return ~0u;
	if (!f || off >= PCI_CONFIG_SIZE || off + size > PCI_CONFIG_SIZE)
		return size == 4 ? ~0u : (1u << (size * 8)) - 1;	/* no device: all ones */
	v = pci_get(f->config, off, size);
	if (f->ops && f->ops->config_read)
		f->ops->config_read(f, off, size, &v);
	return v;
}

void pci_config_write(struct vm *vm, u8 bus, u8 devfn, u16 off, u8 size, u32 val)
{
	struct pci_device *f = pci_lookup(vm, bus, devfn);

	if (!f || (size != 1 && size != 2 && size != 4) || off >= PCI_CONFIG_SIZE ||
	    off + size > PCI_CONFIG_SIZE)
		return;
	for (u32 i = 0; i < size; i++) {
		u8 b = (u8)(val >> (8 * i));
		u32 o = off + i;

		f->config[o] = (u8)((f->config[o] & ~f->wmask[o]) | (b & f->wmask[o]));
		f->config[o] &= (u8)~(b & f->w1cmask[o]);
	}
	if (f->ops && f->ops->config_write)
		f->ops->config_write(f, off, size, val);
}

/* Mechanism #1: a dword at 0xCF8 is the address; 0xCFC-0xCFF are the data; 0xCF9 is reset. */
static void pci_io_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct pci_host *h = opaque;
	u32 a = h->cf8;

	if (port == PLAT_PORT_PCI_ADDR && size == 4) {
		*val = a;
		return;
	}
	if (port == PLAT_PORT_RESET && size == 1) {
		*val = reset_control_read(h->vm);
		return;
	}
	if (port < PLAT_PORT_PCI_DATA || !(a & CF8_ENABLE))
		return;		/* all ones */
	/* An access running past 0xCFF is cut at the dword's end. */
	size = (u8)MIN(size, 4 - (port - PLAT_PORT_PCI_DATA));
	*val = pci_config_read(h->vm, (u8)(a >> 16), (u8)(a >> 8),
			       (u16)((a & 0xfc) | (port - PLAT_PORT_PCI_DATA)), size);
}

static void pci_io_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct pci_host *h = opaque;
	u32 a = h->cf8;

	if (port == PLAT_PORT_PCI_ADDR && size == 4) {
		h->cf8 = val & 0x80fffffcu;	/* enable, bus, device, function, register */
		return;
	}
	if (port == PLAT_PORT_RESET && size == 1) {
		reset_control_write(h->vm, (u8)val);
		return;
	}
	if (port < PLAT_PORT_PCI_DATA || !(a & CF8_ENABLE))
		return;
	size = (u8)MIN(size, 4 - (port - PLAT_PORT_PCI_DATA));
	pci_config_write(h->vm, (u8)(a >> 16), (u8)(a >> 8),
			 (u16)((a & 0xfc) | (port - PLAT_PORT_PCI_DATA)), size, val);
}

/* ECAM: offset = bus << 20 | device << 15 | function << 12 | register. */
static void pci_ecam_read(void *opaque, u64 off, u8 size, u64 *val)
{
	struct pci_host *h = opaque;
	u8 devfn = (u8)(off >> 12);
	u16 reg = off & 0xfff;

	if (size == 8) {
		*val = pci_config_read(h->vm, 0, devfn, reg, 4) |
		       (u64)pci_config_read(h->vm, 0, devfn, (u16)(reg + 4), 4) << 32;
		return;
	}
	*val = pci_config_read(h->vm, (u8)(off >> 20), devfn, reg, size);
}

static void pci_ecam_write(void *opaque, u64 off, u8 size, u64 val)
{
	struct pci_host *h = opaque;
	u8 devfn = (u8)(off >> 12);
	u16 reg = off & 0xfff;

	if (size == 8) {
		pci_config_write(h->vm, 0, devfn, reg, 4, (u32)val);
		pci_config_write(h->vm, 0, devfn, (u16)(reg + 4), 4, (u32)(val >> 32));
		return;
	}
	pci_config_write(h->vm, (u8)(off >> 20), devfn, reg, size, (u32)val);
}

u64 pci_bar_address(const struct pci_device *f, u32 bar)
{
	u32 off = PCI_BAR0 + 4 * bar;
	u64 a;

	if (bar >= PCI_BARS)
		return 0;
	a = pci_get(f->config, off, 4) & ~0xfULL;
	if ((f->config[off] & PCI_BAR_MEM64) && bar + 1 < PCI_BARS)
		a |= (u64)pci_get(f->config, off + 4, 4) << 32;
	return a;
}

/* The function and BAR an address of the window belongs to (memory decoding enabled). */
static struct pci_device *pci_bar_find(struct pci_host *h, u64 gpa, u8 size, u32 *bar,
					 u64 *off)
{
	for (u32 d = 0; d < PCI_MAX_FUNCTIONS; d++) {
		struct pci_device *f = h->fn[d];

		if (!f || !(f->config[PCI_COMMAND] & PCI_CMD_MEM))
			continue;
		for (u32 b = 0; b < PCI_BARS; b++) {
			u64 base = pci_bar_address(f, b), sz = f->bar_size[b];

			if (sz && gpa >= base && gpa - base < sz && size <= sz - (gpa - base)) {
				*bar = b;
				*off = gpa - base;
				return f;
			}
		}
	}
	return NULL;
}

static void pci_window_read(void *opaque, u64 off, u8 size, u64 *val)
{
	struct pci_host *h = opaque;
	u64 boff;
	u32 bar;
	struct pci_device *f = pci_bar_find(h, PLAT_PCI_MMIO_BASE + off, size, &bar, &boff);

	if (f && f->ops && f->ops->bar_read)
		f->ops->bar_read(f, bar, boff, size, val);
}

static void pci_window_write(void *opaque, u64 off, u8 size, u64 val)
{
	struct pci_host *h = opaque;
	u64 boff;
	u32 bar;
	struct pci_device *f = pci_bar_find(h, PLAT_PCI_MMIO_BASE + off, size, &bar, &boff);

	if (f && f->ops && f->ops->bar_write)
		f->ops->bar_write(f, bar, boff, size, val);
}

/* The header fields every function has: command, cache line, latency, interrupt line. */
static void pci_default_masks(struct pci_device *f)
{
	pci_put(f->wmask, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | 0x0040 |
		0x0100 | PCI_CMD_INTX_DISABLE);	/* parity and SERR# responses too */
	pci_put(f->w1cmask, PCI_STATUS, 2, 0xf900);	/* the error bits */
	f->wmask[PCI_CACHE_LINE] = 0xff;
	f->wmask[PCI_LATENCY] = 0xff;
	f->wmask[PCI_INT_LINE] = 0xff;
}

int pci_device_register(struct vm *vm, u8 devfn, const struct pci_device_ops *ops,
			  void *opaque, struct pci_device **out)
{
	struct pci_host *h = vm->dev->pci;
	struct pci_device *f;

	if (!h)
		return -ENODEV;
	if (h->fn[devfn])
		return -EEXIST;
	f = (struct pci_device *)(uintptr_t)host_pages_alloc(FUNCTION_PAGES);
	if (!f)
		return -ENOMEM;
	f->vm = vm;
	f->devfn = devfn;
	f->ops = ops;
	f->opaque = opaque;
	pci_default_masks(f);
	h->fn[devfn] = f;
	if (out)
		*out = f;
	return 0;
}

void pci_set_ids(struct pci_device *f, u16 vendor, u16 device, u32 class_code, u8 revision)
{
	pci_put(f->config, PCI_VENDOR_ID, 2, vendor);
	pci_put(f->config, PCI_DEVICE_ID, 2, device);
	f->config[PCI_REVISION] = revision;
	pci_put(f->config, PCI_CLASS_PROG, 3, class_code);
}

int pci_bar_define(struct pci_device *f, u32 bar, u64 size, u8 flags)
{
	struct pci_host *h = f->vm->dev->pci;
	bool is64 = flags & PCI_BAR_MEM64;
	u32 off = PCI_BAR0 + 4 * bar;
	u64 mask, addr;

	if (bar >= PCI_BARS || (is64 && bar + 1 >= PCI_BARS) || size < 16 ||
	    (size & (size - 1)) || (!is64 && size > (1ULL << 31)) || f->bar_size[bar] ||
	    (flags & ~(PCI_BAR_MEM64 | PCI_BAR_PREFETCH)))
		return -EINVAL;
	addr = ALIGN_UP(h->mmio_next, size);
	if (addr < h->mmio_next || addr + size > PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE)
		return -ENOSPC;
	h->mmio_next = addr + size;
	f->bar_size[bar] = size;
	/* Sizing: the address bits below the size are read-only zeros (PCI 3.0, 6.2.5.1). */
	mask = ~(size - 1);
	pci_put(f->wmask, off, 4, (u32)mask & ~0xfu);
	pci_put(f->config, off, 4, ((u32)addr & ~0xfu) | flags);
	if (is64) {
		pci_put(f->wmask, off + 4, 4, (u32)(mask >> 32));
		pci_put(f->config, off + 4, 4, (u32)(addr >> 32));
	}
	return 0;
}

/* The ports 0xCF8-0xCFF, the ECAM window and the BAR window; then the host bridge at 00.0. */
int pci_create(struct vm *vm)
{
	struct pci_host *h = (struct pci_host *)(uintptr_t)host_pages_alloc(1);
	struct port_handler io = {
		.base = PLAT_PORT_PCI_ADDR, .count = 8, .name = "pci", .in = pci_io_in,
		.out = pci_io_out,
	};
	struct mmio_handler ecam = {
		.base = PLAT_ECAM_GPA, .size = PLAT_ECAM_SIZE, .name = "pci-ecam",
		.read = pci_ecam_read, .write = pci_ecam_write,
	};
	struct mmio_handler window = {
		.base = PLAT_PCI_MMIO_BASE, .size = PLAT_PCI_MMIO_SIZE, .name = "pci-bars",
		.read = pci_window_read, .write = pci_window_write,
	};
	struct pci_device *bridge;
	int err;

	_Static_assert(sizeof(struct pci_host) <= PAGE_SIZE, "PCI host state fits a page");
	_Static_assert(PLAT_PORT_RESET - PLAT_PORT_PCI_ADDR < 8, "0xCF9 lies in the PCI ports");
	if (!h)
		return -ENOMEM;
	h->vm = vm;
	h->mmio_next = PLAT_PCI_MMIO_BASE;
	vm->dev->pci = h;
	io.opaque = ecam.opaque = window.opaque = h;
	err = devices_register_ports(vm, &io);
	if (!err)
		err = devices_register_mmio(vm, &ecam);
	if (!err)
		err = devices_register_mmio(vm, &window);
	if (!err)
		err = pci_device_register(vm, PCI_DEVFN(0, 0), NULL, NULL, &bridge);
	if (err)
		return err;
	pci_set_ids(bridge, HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE, CLASS_HOST_BRIDGE, 0);
	pci_put(bridge->config, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO);
	bridge->config[PCI_HEADER_TYPE] = 0x00;
	return 0;
}

void pci_destroy(struct vm *vm)
{
	struct pci_host *h = vm->dev->pci;

	if (!h)
		return;
	for (u32 i = 0; i < PCI_MAX_FUNCTIONS; i++)
		if (h->fn[i])
			host_pages_free((u64)(uintptr_t)h->fn[i], FUNCTION_PAGES);
	host_pages_free((u64)(uintptr_t)h, 1);
	vm->dev->pci = NULL;
}
