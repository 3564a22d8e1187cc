/*
 * The PCI host bridge (devices/pci.c): mechanism #1 and ECAM reach the same configuration
 * space; the host bridge's IDs and class; empty slots; access sizes and offsets; write masks;
 * BAR sizing and placement; routing of the BAR window to a registered function; 0xCF9.
 */
// unit-deps: devices/pci.c devices/reset.c lib/string.c
#include "tests/unit/dev_fakes.h"
#include "devices/pci.h"
#include "vm/platform.h"
#include "lib/errno.h"

static struct vm *vm;

static u32 cf8_read(u8 dev, u8 fn, u16 reg, u8 size)
{
	port_out(vm, 0xcf8, 4, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
	return port_in(vm, (u16)(0xcfc + (reg & 3)), size);
}

static void cf8_write(u8 dev, u8 fn, u16 reg, u8 size, u32 v)
{
	port_out(vm, 0xcf8, 4, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
	port_out(vm, (u16)(0xcfc + (reg & 3)), size, v);
}

static u64 ecam(u8 dev, u8 fn, u16 reg)
{
	return PLAT_ECAM_GPA + ((u64)dev << 15 | (u64)fn << 12 | reg);
}

static u64 bar_reads, bar_last_off;
static u32 bar_last;

static void t_bar_read(struct pci_device *f, u32 bar, u64 off, u8 size, u64 *val)
{
	(void)f;
	(void)size;
	bar_reads++;
	bar_last = bar;
	bar_last_off = off;
	*val = 0x1234;
}

static const struct pci_device_ops t_ops = { .bar_read = t_bar_read };

int main(void)
{
	struct pci_device *f, *f2;
	u64 a0, a2;

	vm = fake_vm(64 << 20, 1);
	CHECK_INT("create", pci_create(vm), 0);

	CHECK_INT("00.0: vendor/device 1b36:0008 (CF8)", cf8_read(0, 0, 0, 4), 0x00081b36);
	CHECK_INT("00.0: class 0x060000", cf8_read(0, 0, 8, 4) >> 8, 0x060000);
	CHECK_INT("00.0: header type 0, single function", cf8_read(0, 0, 0x0e, 1), 0);
	CHECK_INT("00.0: through ECAM too", mmio_read(vm, ecam(0, 0, 0), 4), 0x00081b36);
	CHECK_INT("word read at 0xCFE", cf8_read(0, 0, 2, 2), 0x0008);
	CHECK_INT("byte read at 0xCFD", cf8_read(0, 0, 1, 1), 0x1b);
	CHECK_INT("ECAM byte read at offset 1", mmio_read(vm, ecam(0, 0, 1), 1), 0x1b);
	CHECK_U64("ECAM 64-bit read", mmio_read(vm, ecam(0, 0, 0), 8),
		  0x00081b36ULL | (u64)cf8_read(0, 0, 4, 4) << 32);
	CHECK_INT("empty slot 01.0 reads all ones", cf8_read(1, 0, 0, 4), 0xffffffff);
	CHECK_INT("empty slot 1f.7 through ECAM", mmio_read(vm, ecam(31, 7, 0), 2), 0xffff);
	CHECK_INT("00.1 absent", cf8_read(0, 1, 0, 2), 0xffff);
	port_out(vm, 0xcf8, 4, 0x00000000);
	CHECK_INT("without the enable bit: all ones", port_in(vm, 0xcfc, 4), 0xffffffff);
	port_out(vm, 0xcf8, 4, 0x80000000u | 1u << 16);
	CHECK_INT("bus 1 does not exist", port_in(vm, 0xcfc, 4), 0xffffffff);
	port_out(vm, 0xcf8, 4, 0x8000000fu);
	CHECK_INT("address register keeps enable and register bits, not bits 1:0",
		  port_in(vm, 0xcf8, 4), 0x8000000c);
	CHECK_INT("extended offset beyond 255 is ECAM only", mmio_read(vm, ecam(0, 0, 0x100), 4), 0);

	/* Read-only fields stay; writable ones are shared by both mechanisms. */
	cf8_write(0, 0, 0, 4, 0xdeadbeef);
	CHECK_INT("vendor ID is read-only", cf8_read(0, 0, 0, 4), 0x00081b36);
	mmio_write(vm, ecam(0, 0, 0x3c), 1, 0x0b);
	CHECK_INT("interrupt line written via ECAM, read via CF8", cf8_read(0, 0, 0x3c, 1), 0x0b);
	cf8_write(0, 0, 0x0d, 1, 0x40);
	CHECK_INT("latency timer written via CF8 (byte at 0xCFD), read via ECAM",
		  mmio_read(vm, ecam(0, 0, 0x0d), 1), 0x40);
	cf8_write(0, 0, 0x10, 4, 0xffffffff);
	CHECK_INT("the host bridge has no BARs", cf8_read(0, 0, 0x10, 4), 0);

	/* A device at 03.0: 4 KiB 32-bit BAR0, 16 KiB 64-bit prefetchable BAR2. */
	CHECK_INT("register 03.0", pci_device_register(vm, PCI_DEVFN(3, 0), &t_ops, NULL, &f), 0);
	CHECK_INT("03.0 twice is refused", pci_device_register(vm, PCI_DEVFN(3, 0), &t_ops, NULL,
							    &f2), -EEXIST);
	pci_set_ids(f, 0x1af4, 0x1042, 0x010000, 1);
	CHECK_INT("BAR0 defined", pci_bar_define(f, 0, 4096, 0), 0);
	CHECK_INT("BAR2 defined (64-bit)", pci_bar_define(f, 2, 16384,
							  PCI_BAR_MEM64 | PCI_BAR_PREFETCH), 0);
	CHECK_INT("a size that is not a power of two is refused", pci_bar_define(f, 1, 3000, 0),
		  -EINVAL);
	CHECK_INT("a 64-bit BAR5 is refused", pci_bar_define(f, 5, 4096, PCI_BAR_MEM64), -EINVAL);
	CHECK_INT("a BAR defined twice is refused", pci_bar_define(f, 0, 4096, 0), -EINVAL);
	CHECK_INT("03.0 IDs", cf8_read(3, 0, 0, 4), 0x10421af4);
	a0 = pci_bar_address(f, 0);
	a2 = pci_bar_address(f, 2);
	CHECK("BARs placed in the window, naturally aligned, not overlapping",
	      a0 >= PLAT_PCI_MMIO_BASE && a0 + 4096 <= PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE &&
	      a0 % 4096 == 0 && a2 % 16384 == 0 && (a2 >= a0 + 4096 || a2 + 16384 <= a0));
	CHECK_INT("BAR2 reads 64-bit prefetchable", cf8_read(3, 0, 0x18, 4) & 0xf, 0xc);
	cf8_write(3, 0, 0x10, 4, 0xffffffff);
	CHECK_INT("BAR0 sizing: all ones reads back the size mask", cf8_read(3, 0, 0x10, 4),
		  0xfffff000);
	cf8_write(3, 0, 0x10, 4, (u32)a0);
	CHECK_U64("BAR0 restored", pci_bar_address(f, 0), a0);
	mmio_write(vm, ecam(3, 0, 0x18), 4, 0xffffffff);
	mmio_write(vm, ecam(3, 0, 0x1c), 4, 0xffffffff);
	CHECK("BAR2 sizing: low and high halves", cf8_read(3, 0, 0x18, 4) == 0xffffc00c &&
	      cf8_read(3, 0, 0x1c, 4) == 0xffffffff);
	cf8_write(3, 0, 0x1c, 4, 0);
	cf8_write(3, 0, 0x18, 4, (u32)a2);
	CHECK_U64("BAR2 restored", pci_bar_address(f, 2), a2);

	/* Routing: only with memory decoding on. */
	CHECK_INT("BAR access with decoding off: all ones", mmio_read(vm, a0 + 8, 4), 0xffffffff);
	CHECK_INT("no BAR callback with decoding off", bar_reads, 0);
	cf8_write(3, 0, 4, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	CHECK_INT("command register", cf8_read(3, 0, 4, 2), PCI_CMD_MEM | PCI_CMD_MASTER);
	CHECK_INT("BAR0 access reaches the function", mmio_read(vm, a0 + 8, 4), 0x1234);
	CHECK("with BAR and offset", bar_reads == 1 && bar_last == 0 && bar_last_off == 8);
	mmio_read(vm, a2 + 0x100, 4);
	CHECK("BAR2 access with its offset", bar_reads == 2 && bar_last == 2 && bar_last_off == 0x100);
	/* Moved by the guest: the new address decodes, the old one does not. */
	cf8_write(3, 0, 0x10, 4, (u32)(PLAT_PCI_MMIO_BASE + 0x100000));
	CHECK_INT("moved BAR0: the old address is unassigned", mmio_read(vm, a0 + 8, 4), 0xffffffff);
	CHECK_INT("moved BAR0: the new address decodes",
		  mmio_read(vm, PLAT_PCI_MMIO_BASE + 0x100000, 4), 0x1234);
	CHECK_INT("an unclaimed window address reads all ones",
		  mmio_read(vm, PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE - 4, 4), 0xffffffff);

	/* Functions 1-7 only with function 0; a window that fills up. */
	CHECK_INT("register 04.1 without 04.0", pci_device_register(vm, PCI_DEVFN(4, 1), NULL, NULL,
							      &f2), 0);
	pci_set_ids(f2, 0x1af4, 0x1000, 0x020000, 0);
	CHECK_INT("04.1 invisible without 04.0", cf8_read(4, 1, 0, 2), 0xffff);
	CHECK_INT("a BAR larger than the window's rest is refused",
		  pci_bar_define(f2, 0, 1ULL << 31, 0), -ENOSPC);

	/* 0xCF9 shares the dword: byte accesses are the reset control register. */
	port_out(vm, 0xcf8, 4, 0x80000000u);
	port_out(vm, 0xcf9, 1, 0x02);
	CHECK("0xCF9 byte write keeps the PCI address", port_in(vm, 0xcf8, 4) == 0x80000000u &&
	      vm->state == VM_STATE_RUNNING);
	CHECK_INT("0xCF9 reads back SYS_RST", port_in(vm, 0xcf9, 1), 0x02);
	port_out(vm, 0xcf9, 1, 0x06);
	CHECK("0xCF9 RST_CPU requests a reset", vm->restart &&
	      vm->state == VM_STATE_STOPPED && strstr(fake_stop_reason, "reset requested"));

	pci_destroy(vm);
	fake_vm_free(vm);
	return unit_summary();
}
