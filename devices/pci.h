/*
 * The PCI host bridge (devices/pci.c): bus 0 of segment 0, reached through configuration
 * mechanism #1 (ports 0xCF8/0xCFC) and ECAM at PLAT_ECAM_GPA.  Devices register a function with
 * a 4 KiB configuration space whose writable bits a mask names, and memory BARs the bridge
 * places in PLAT_PCI_MMIO_BASE..+SIZE and routes accesses to.
 */
#ifndef DEVICES_PCI_H
#define DEVICES_PCI_H

#include "lib/types.h"

struct vm;

#define PCI_CONFIG_SIZE 4096
#define PCI_LEGACY_CONFIG_SIZE 256	/* what mechanism #1 reaches */
#define PCI_MAX_FUNCTIONS 256		/* devfn = device << 3 | function */
#define PCI_BARS 6

#define PCI_DEVFN(dev, fn) ((u8)((dev) << 3 | (fn)))

/* Type 0 header offsets (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CACHE_LINE 0x0c
#define PCI_LATENCY 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INT_LINE 0x3c
#define PCI_INT_PIN 0x3d

#define PCI_CMD_IO 0x0001
#define PCI_CMD_MEM 0x0002
#define PCI_CMD_MASTER 0x0004
#define PCI_CMD_INTX_DISABLE 0x0400

#define PCI_BAR_MEM64 0x04
#define PCI_BAR_PREFETCH 0x08

struct pci_device;

struct pci_device_ops {
	/* Optional: refreshes *val (already read from the config array) for dynamic registers. */
	void (*config_read)(struct pci_device *f, u16 off, u8 size, u32 *val);
	/* Optional: called after a write has been merged into the config array. */
	void (*config_write)(struct pci_device *f, u16 off, u8 size, u32 val);
	/* Accesses to an enabled memory BAR; *val is pre-set to all ones. */
	void (*bar_read)(struct pci_device *f, u32 bar, u64 off, u8 size, u64 *val);
	void (*bar_write)(struct pci_device *f, u32 bar, u64 off, u8 size, u64 val);
};

struct pci_device {
	struct vm *vm;
	u8 devfn;
	const struct pci_device_ops *ops;
	void *opaque;
	u8 config[PCI_CONFIG_SIZE];
	u8 wmask[PCI_CONFIG_SIZE];	/* bits a write sets or clears */
	u8 w1cmask[PCI_CONFIG_SIZE];	/* bits a write of 1 clears (status registers) */
	u64 bar_size[PCI_BARS];		/* 0 = no BAR; the upper half of a 64-bit BAR is 0 */
};

/*
 * Registers function devfn (device << 3 | function) of bus 0 with a zeroed configuration
 * space and the common header's write masks; the caller fills in the IDs (pci_set_ids), its
 * own registers and masks, and its BARs (pci_bar_define).  -EEXIST when taken, -ENODEV
 * without a host bridge, -ENOMEM.  *out (if not NULL) receives the function.
 */
int pci_device_register(struct vm *vm, u8 devfn, const struct pci_device_ops *ops,
			  void *opaque, struct pci_device **out);
void pci_set_ids(struct pci_device *f, u16 vendor, u16 device, u32 class_code, u8 revision);
/*
 * Defines memory BAR bar (size a power of two, at least 16 bytes; flags PCI_BAR_MEM64 /
 * PCI_BAR_PREFETCH) and places it, naturally aligned, in the PCI MMIO window.  A 64-bit BAR
 * takes bar and bar + 1.  -EINVAL for a bad size or BAR, -ENOSPC when the window is full.
 */
int pci_bar_define(struct pci_device *f, u32 bar, u64 size, u8 flags);
/* The BAR's current guest-physical address (what the guest last programmed). */
u64 pci_bar_address(const struct pci_device *f, u32 bar);

/* Config space access by bus/devfn/offset, as both mechanisms do it (also for unit tests). */
u32 pci_config_read(struct vm *vm, u8 bus, u8 devfn, u16 off, u8 size);
void pci_config_write(struct vm *vm, u8 bus, u8 devfn, u16 off, u8 size, u32 val);

/* Creates the host bridge (00.0) and claims 0xCF8-0xCFF, ECAM and the BAR window. */
int pci_create(struct vm *vm);
void pci_destroy(struct vm *vm);

#endif
