/*
 * The reset control register at port 0xCF9 (PIIX3/ICH "RST_CNT"): a 0-to-1 transition of bit 2
 * (RST_CPU) resets the machine, bit 1 (SYS_RST) choosing a hard reset; both restart the VM.  It
 * shares its dword with the PCI address port, so devices/pci.c passes byte accesses on here.
 */
#include "devices/devices.h"
#include "vm/vm.h"

#define RST_SYS 0x02
#define RST_CPU 0x04
#define RST_FULL 0x08

u8 reset_control_read(struct vm *vm)
{
	return vm->dev->reset_control;
}

void reset_control_write(struct vm *vm, u8 val)
{
	vm->dev->reset_control = val & (RST_SYS | RST_FULL);
	if (val & RST_CPU)
		vm_request_restart(vm, "port 0xCF9");
}
