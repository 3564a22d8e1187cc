/*
 * ACPI PM registers (devices/pm.c): the PM timer from host time, PM1 status write-1-to-clear,
 * enables and the SCI level, SCI_EN, S5 power-off and other sleep types; and the reset paths:
 * the 8042 (devices/kbc.c) status, probe commands and reset pulse.
 */
// unit-deps: devices/pm.c devices/kbc.c devices/timer.c lib/spinlock.c
#include "tests/unit/dev_fakes.h"
#include "devices/acpi.h"
#include "vm/platform.h"

#define S 1000000000ULL
#define PM_HZ 3579545ULL

int main(void)
{
	struct vm *vm = fake_vm(64 << 20, 1);
	u32 t1, t2;

	fake_now = 0;
	CHECK_INT("create", pm_create(vm), 0);
	CHECK_INT("PM1_CNT: SCI_EN set from the start", port_in(vm, PLAT_PORT_PM1A_CNT, 2), 1);
	CHECK_INT("PM1_STS: clear", port_in(vm, PLAT_PORT_PM1A_EVT, 2), 0);
	fake_now = 1 * S;
	CHECK_INT("PM timer: 3579545 ticks after one second", port_in(vm, PLAT_PORT_PM_TMR, 4),
		  PM_HZ);
	fake_now = 1 * S + 1000;
	CHECK_INT("PM timer: 1 us later", port_in(vm, PLAT_PORT_PM_TMR, 4), PM_HZ + 3);
	t1 = port_in(vm, PLAT_PORT_PM_TMR, 4);
	t2 = port_in(vm, PLAT_PORT_PM_TMR, 4);
	CHECK("PM timer: monotonic without time passing", t1 == t2);
	CHECK_INT("PM timer: byte access", port_in(vm, PLAT_PORT_PM_TMR + 1, 1), (PM_HZ + 3) >> 8 & 0xff);
	/* The counter is 32 bits (TMR_VAL_EXT): it wraps after 2^32 ticks, about 20 minutes. */
	fake_now = (1ULL << 32) * S / PM_HZ + 1 * S;
	CHECK("PM timer: wraps at 32 bits", port_in(vm, PLAT_PORT_PM_TMR, 4) <= PM_HZ + 1);
	port_out(vm, PLAT_PORT_PM_TMR, 4, 0);
	CHECK("PM timer: writes ignored", port_in(vm, PLAT_PORT_PM_TMR, 4) > PM_HZ - 10);
	/* Bit 31 toggled on the way: TMR_STS is set, write-1-to-clear. */
	CHECK_INT("TMR_STS set by the carry out of bit 31", port_in(vm, PLAT_PORT_PM1A_EVT, 2) & 1, 1);
	port_out(vm, PLAT_PORT_PM1A_EVT, 2, 0x0000);
	CHECK_INT("writing 0 keeps TMR_STS", port_in(vm, PLAT_PORT_PM1A_EVT, 2) & 1, 1);
	port_out(vm, PLAT_PORT_PM1A_EVT, 2, 0x0001);
	CHECK_INT("writing 1 clears TMR_STS", port_in(vm, PLAT_PORT_PM1A_EVT, 2) & 1, 0);
	/* TMR_EN: the SCI rises at the next carry, from a device timer. */
	port_out(vm, PLAT_PORT_PM1A_EVT + 2, 2, 0x0001);
	CHECK_INT("PM1_EN reads back", port_in(vm, PLAT_PORT_PM1A_EVT + 2, 2), 1);
	CHECK("TMR_EN arms a timer, the SCI is low", dev_timer_any_armed() && !fake_level[PLAT_IRQ_SCI]);
	advance_to(fake_now + 700 * S, 10 * S);
	CHECK("the SCI (GSI 9) is high after the carry", fake_level[PLAT_IRQ_SCI]);
	port_out(vm, PLAT_PORT_PM1A_EVT, 4, 0x00010001);	/* clear status, keep the enable */
	CHECK("clearing TMR_STS drops the SCI", !fake_level[PLAT_IRQ_SCI]);
	port_out(vm, PLAT_PORT_PM1A_EVT + 2, 2, 0);
	CHECK("no enable: no timer", !dev_timer_any_armed());

	/* Sleep types: only S5 (5) powers off; SLP_EN reads as 0; SCI_EN stays. */
	port_out(vm, PLAT_PORT_PM1A_CNT, 2, 0x0000 | (3 << 10));
	CHECK_INT("SLP_TYP stored, SCI_EN stays set", port_in(vm, PLAT_PORT_PM1A_CNT, 2), 0x0c01);
	port_out(vm, PLAT_PORT_PM1A_CNT, 2, (3 << 10) | 0x2000);
	CHECK("S3 is not offered: ignored", vm->state == VM_STATE_RUNNING && !fake_stops);
	port_out(vm, PLAT_PORT_PM1A_CNT, 1, 0x01);
	port_out(vm, PLAT_PORT_PM1A_CNT + 1, 1, (ACPI_SLP_TYP_S5 << 2) | 0x20);	/* byte write */
	CHECK("S5 with SLP_EN: the VM stops with status 0", vm->state == VM_STATE_STOPPED &&
	      fake_stops == 1 && fake_stop_status == 0);
	CHECK("S5: reported as a clean power-off", strstr(fake_stop_reason, "powered off") &&
	      strstr(fake_stop_reason, "clean"));
	pm_destroy(vm);
	fake_vm_free(vm);

	/* 8042 */
	vm = fake_vm(64 << 20, 1);
	CHECK_INT("kbc create", kbc_create(vm), 0);
	CHECK_INT("kbc status: no data, input buffer empty", port_in(vm, 0x64, 1) & 0x03, 0);
	port_out(vm, 0x64, 1, 0xaa);
	CHECK_INT("self-test: output buffer full", port_in(vm, 0x64, 1) & 0x01, 1);
	CHECK_INT("self-test: 0x55", port_in(vm, 0x60, 1), 0x55);
	CHECK_INT("reading empties the buffer", port_in(vm, 0x64, 1) & 0x01, 0);
	port_out(vm, 0x64, 1, 0x60);
	port_out(vm, 0x60, 1, 0x65);
	port_out(vm, 0x64, 1, 0x20);
	CHECK_INT("command byte written and read back", port_in(vm, 0x60, 1), 0x65);
	port_out(vm, 0x64, 1, 0xab);
	CHECK_INT("keyboard interface test: 0", port_in(vm, 0x60, 1), 0x00);
	port_out(vm, 0x64, 1, 0xd2);
	port_out(vm, 0x60, 1, 0x5a);
	CHECK_INT("0xD2 echoes the byte", port_in(vm, 0x60, 1), 0x5a);
	port_out(vm, 0x60, 1, 0xff);				/* to a keyboard that is not there */
	CHECK_INT("a keyboard command gets no reply", port_in(vm, 0x64, 1) & 0x01, 0);
	port_out(vm, 0x64, 1, 0xd0);
	CHECK_INT("output port: reset line high, A20 on", port_in(vm, 0x60, 1), 0x03);
	port_out(vm, 0x64, 1, 0xd1);
	port_out(vm, 0x60, 1, 0x03);
	CHECK("output port written with bit 0 set: no reset", vm->state == VM_STATE_RUNNING);
	port_out(vm, 0x64, 1, 0xfe);
	CHECK("0xFE pulses reset: the VM stops for a reset", vm->restart &&
	      vm->state == VM_STATE_STOPPED && strstr(fake_stop_reason, "reset requested by the guest"));
	kbc_destroy(vm);
	fake_vm_free(vm);

	vm = fake_vm(64 << 20, 1);
	kbc_create(vm);
	port_out(vm, 0x64, 1, 0xd1);
	port_out(vm, 0x60, 1, 0x02);
	CHECK("output port bit 0 cleared: reset", vm->restart);
	kbc_destroy(vm);
	fake_vm_free(vm);
	return unit_summary();
}
