/*
 * Hostile-guest stress for the platform device models together (PIT, RTC, PM, 8042, PCI with
 * 0xCF9, fw_cfg): a seeded random mix of port and MMIO accesses of every size, with time
 * jumping forwards and the device timers polled, under ASan and UBSan.  Checks that nothing
 * faults, that every read stays within its access size, that the RTC's time registers stay
 * valid BCD in BCD mode, and that destroying the devices leaves no timer armed.
 * STRESS_SEED=S and STRESS_OPS=N pick another or a longer run.
 */
// unit-deps: devices/pit.c devices/rtc.c devices/pm.c devices/kbc.c devices/pci.c devices/reset.c devices/fw_cfg.c devices/timer.c lib/spinlock.c lib/date.c lib/string.c lib/format.c
#include "tests/unit/dev_fakes.h"
#include "devices/pci.h"
#include "vm/platform.h"

static u64 rng_state;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const u16 ports[] = {
	0x40, 0x41, 0x42, 0x43, 0x61, 0x60, 0x64, 0x70, 0x71, 0x600, 0x601, 0x602, 0x603, 0x604,
	0x605, 0x606, 0x607, 0x608, 0x609, 0x60a, 0x60b, 0xcf8, 0xcf9, 0xcfa, 0xcfb, 0xcfc, 0xcfd,
	0xcfe, 0xcff, 0x510, 0x511,
};

static struct vm *platform_vm(void)
{
	struct vm *vm = fake_vm(1ULL << 30, 4);

	if (pit_create(vm) || rtc_create(vm) || pm_create(vm) || kbc_create(vm) ||
	    pci_create(vm) || fw_cfg_create(vm))
		return NULL;
	return vm;
}

static void platform_free(struct vm *vm)
{
	pit_destroy(vm);
	rtc_destroy(vm);
	pm_destroy(vm);
	kbc_destroy(vm);
	pci_destroy(vm);
	fw_cfg_destroy(vm);
	fake_vm_free(vm);
}

static bool bcd_ok(u8 v)
{
	return (v & 0xf) <= 9 && (v >> 4) <= 9;
}

int main(void)
{
	const char *seed = getenv("STRESS_SEED"), *ops = getenv("STRESS_OPS");
	u64 n = ops ? strtoull(ops, NULL, 0) : 300000;
	struct vm *vm = platform_vm();
	unsigned wide = 0, bad_bcd = 0, restarts = 0, created = 1;
	static const u8 sizes[] = { 1, 2, 4 };

	rng_state = seed ? strtoull(seed, NULL, 0) | 1 : 0x9e3779b97f4a7c15ULL;
	fake_tod_at_zero = 1700000000ULL * 1000000000ULL;
	for (u64 i = 0; vm && i < n; i++) {
		u64 r = rng();
		u8 size = sizes[r % 3];
		u16 port = ports[(r >> 2) % ARRAY_SIZE(ports)];

		/* Mostly small steps, sometimes large jumps of time. */
		fake_now += (r >> 8) % 16 == 0 ? (rng() % 5000000000ULL) : (rng() % 200000);
		dev_timer_poll(fake_now);
		switch ((r >> 12) % 4) {
		case 0:
		case 1: {
			u32 v = port_in(vm, port, size);

			if (size < 4 && v >> (size * 8))
				wide++;
			break;
		}
		case 2:
			/* Avoid mostly-harmless reset/power-off writes stopping the VM every time. */
			if (port == 0xcf9 || port == 0x604 || port == 0x605 || port == 0x64)
				if (rng() % 8)
					break;
			port_out(vm, port, size, (u32)rng());
			break;
		default: {
			u64 gpa = (rng() & 1) ? PLAT_ECAM_GPA + rng() % PLAT_ECAM_SIZE :
				  PLAT_PCI_MMIO_BASE + rng() % PLAT_PCI_MMIO_SIZE;
			u8 msize = (u8)(1u << (rng() % 4));

			gpa &= ~(u64)(msize - 1);
			if (rng() & 1)
				mmio_write(vm, gpa, msize, rng());
			else
				mmio_read(vm, gpa, msize);
			break;
		}
		}
		/* In BCD mode without SET, the time registers must be valid BCD. */
		if (i % 997 == 0) {
			u8 b, idx = (u8)(rng() % 3) * 2;

			port_out(vm, 0x70, 1, 0x0b);
			b = (u8)port_in(vm, 0x71, 1);
			port_out(vm, 0x70, 1, idx);
			if (!(b & 0x84) && !bcd_ok((u8)(port_in(vm, 0x71, 1) & 0x7f)))
				bad_bcd++;
		}
		if (vm->state == VM_STATE_STOPPED) {
			platform_free(vm);
			vm = platform_vm();
			restarts++;
			created++;
		}
	}
	CHECK("every VM's devices created", vm != NULL);
	CHECK_INT("reads never wider than the access", wide, 0);
	CHECK_INT("RTC time registers valid BCD in BCD mode", bad_bcd, 0);
	printf("INFO: %llu operations, %u VM restarts after reset/power-off writes\n",
	       (unsigned long long)n, restarts);
	if (vm)
		platform_free(vm);
	CHECK("no device timer left armed", !dev_timer_any_armed());
	(void)created;
	return unit_summary();
}
