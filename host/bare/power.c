/*
 * Standalone final acts: ACPI S5 power-off (with the Bochs shutdown port as a
 * fallback), reset through 0xCF9 / the keyboard controller / a triple fault, halt.
 */
#include "host/bare/bare.h"
#include "arch/x86/cpu.h"
#include "lib/log.h"
#include "lib/string.h"

/* ACPI 6.5, 5.2.9: FADT field offsets used here. */
#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM1B_CNT_BLK 68
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM1B_CNT_BLK 184
#define GAS_SYSTEM_IO 1

/* ACPI 6.5, 4.8.3.2.1: PM1 control register bits. */
#define PM1_SCI_EN BIT(0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN BIT(13)

/* AML opcodes (ACPI 6.5, 20.2) met while reading \_S5. */
#define AML_NAME_OP 0x08
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_BYTE_PREFIX 0x0A
#define AML_PACKAGE_OP 0x12

#define BOCHS_SHUTDOWN_PORT 0x8900

struct s5_info {
	bool valid;		/* PM1a block and \_S5 both found */
	u16 pm1a_cnt, pm1b_cnt;
	u8 slp_typ_a, slp_typ_b;
	u16 smi_cmd;
	u8 acpi_enable;
};

static struct s5_info s5;

static u32 fadt_u32(const struct bare_acpi_header *fadt, u32 off)
{
	u32 v = 0;

	if (off + 4 <= fadt->length)
		memcpy(&v, (const u8 *)fadt + off, 4);
	return v;
}

static u64 fadt_u64(const struct bare_acpi_header *fadt, u32 off)
{
	u64 v = 0;

	if (off + 8 <= fadt->length)
		memcpy(&v, (const u8 *)fadt + off, 8);
	return v;
}

/* A PM1 control block as an I/O port: the legacy field, else an I/O-space GAS. */
static u16 fadt_pm1_port(const struct bare_acpi_header *fadt, u32 legacy_off, u32 gas_off)
{
	u32 port = fadt_u32(fadt, legacy_off);
	const u8 *gas = (const u8 *)fadt + gas_off;

	if (!port && gas_off + 12 <= fadt->length && gas[0] == GAS_SYSTEM_IO)
		port = (u32)fadt_u64(fadt, gas_off + 4);
	return port <= 0xFFFF ? (u16)port : 0;
}

/* One package element: Zero, One, or BytePrefix n.  Returns bytes used, 0 if other. */
static u32 aml_small_int(const u8 *p, const u8 *end, u8 *value)
{
	if (p >= end)
		return 0;
	if (*p == AML_ZERO_OP || *p == AML_ONE_OP) {
		*value = *p;
		return 1;
	}
	if (*p == AML_BYTE_PREFIX && end - p >= 2) {
		*value = p[1];
		return 2;
	}
	return 0;
}

/*
 * Finds Name(_S5_, Package(){a, b, ...}) by its bytes: "_S5_" after NameOp
 * (optionally with the root prefix '\'), then PackageOp, PkgLength,
 * NumElements and the first two elements.  Not an AML interpreter, but
 * what firmware emits for \_S5 in practice.
 */
static bool dsdt_find_s5(const struct bare_acpi_header *dsdt, u8 *a, u8 *b)
{
	const u8 *p = (const u8 *)(dsdt + 1), *end = (const u8 *)dsdt + dsdt->length;

	for (; end - p >= 8; p++) {
		const u8 *q;
		u32 n;

		if (memcmp(p, "_S5_", 4) || p[4] != AML_PACKAGE_OP)
			continue;
		if (!((p[-1] == AML_NAME_OP) ||
		      (p[-1] == '\\' && p - 2 >= (const u8 *)(dsdt + 1) && p[-2] == AML_NAME_OP)))
			continue;
		q = p + 5;
		q += 1 + (*q >> 6);		/* PkgLength: lead byte plus 0-3 more */
		q++;				/* NumElements */
		n = aml_small_int(q, end, a);
		if (!n)
			continue;
		q += n;
		if (!aml_small_int(q, end, b))
			*b = 0;
		return true;
	}
	return false;
}

void bare_power_init(void)
{
	const struct bare_acpi_header *fadt = bare_acpi_find("FACP"), *dsdt = NULL;
	u64 dsdt_addr;

	if (!fadt)
		return;
	s5.pm1a_cnt = fadt_pm1_port(fadt, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT_BLK);
	s5.pm1b_cnt = fadt_pm1_port(fadt, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT_BLK);
	s5.smi_cmd = (u16)fadt_u32(fadt, FADT_SMI_CMD);
	s5.acpi_enable = FADT_ACPI_ENABLE < fadt->length ? ((const u8 *)fadt)[FADT_ACPI_ENABLE] : 0;
	dsdt_addr = fadt_u64(fadt, FADT_X_DSDT);
	if (!dsdt_addr || dsdt_addr >= BARE_MAPPED_LIMIT)
		dsdt_addr = fadt_u32(fadt, FADT_DSDT);
	dsdt = bare_acpi_table_at(dsdt_addr);
	if (!dsdt || memcmp(dsdt->signature, "DSDT", 4) || !s5.pm1a_cnt) {
		log_debug("power: no usable DSDT or PM1a control block\n");
		return;
	}
	if (!dsdt_find_s5(dsdt, &s5.slp_typ_a, &s5.slp_typ_b)) {
		log_debug("power: no \\_S5 package in the DSDT\n");
		return;
	}
	s5.valid = true;
	log_debug("power: S5 via PM1a 0x%x (SLP_TYP %u), PM1b 0x%x (SLP_TYP %u)\n",
		  s5.pm1a_cnt, s5.slp_typ_a, s5.pm1b_cnt, s5.slp_typ_b);
}

/* ACPI 6.5, 16.3: enter ACPI mode if the firmware left the machine in legacy mode. */
static void acpi_enable_mode(void)
{
	u32 i;

	if (inw(s5.pm1a_cnt) & PM1_SCI_EN)
		return;
	if (!s5.smi_cmd || !s5.acpi_enable)
		return;
	outb(s5.smi_cmd, s5.acpi_enable);
	for (i = 0; i < 300 && !(inw(s5.pm1a_cnt) & PM1_SCI_EN); i++)
		host_udelay(1000);
}

static void acpi_sleep_s5(void)
{
	u16 v;

	if (!s5.valid)
		return;
	acpi_enable_mode();
	v = inw(s5.pm1a_cnt) & ~PM1_SLP_TYP_MASK;
	outw(s5.pm1a_cnt, v | (s5.slp_typ_a << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
	if (s5.pm1b_cnt) {
		v = inw(s5.pm1b_cnt) & ~PM1_SLP_TYP_MASK;
		outw(s5.pm1b_cnt, v | (s5.slp_typ_b << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
	}
	host_udelay(100000);
}

static void __attribute__((noreturn)) power_halt_forever(void)
{
	for (;;) {
		cpu_cli();
		cpu_hlt();
	}
}

void host_halt(void)
{
	log_raw("macrohard: system halted\n");
	bare_console_drain();
	power_halt_forever();
}

void host_poweroff(void)
{
	const char *s;

	log_raw("macrohard: powering off\n");
	cpu_cli();
	bare_console_drain();
	acpi_sleep_s5();
	/* Still here: Bochs ends on this string (iodev/unmapped.cc). */
	for (s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*s);
	host_udelay(100000);
	power_halt_forever();
}

static bool kbc_wait_input_empty(void)
{
	u32 i;

	for (i = 0; i < 100000; i++) {
		if (!(inb(0x64) & 0x02))
			return true;
		cpu_relax();
	}
	return false;
}

void host_reboot(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	log_raw("macrohard: rebooting\n");
	cpu_cli();
	bare_console_drain();
	/* PCI reset control register: system reset, then with the CPU reset bit. */
	outb(0xCF9, 0x02);
	host_udelay(10);
	outb(0xCF9, 0x06);
	host_udelay(100000);
	/* The keyboard controller's reset line. */
	kbc_wait_input_empty();
	outb(0x64, 0xFE);
	host_udelay(100000);
	/* An exception with an empty IDT escalates to a triple fault. */
	asm volatile("lidt %0\n\tint3" : : "m"(no_idt) : "memory");
	power_halt_forever();
}

void host_exit(int status)
{
	log_raw("macrohard: stopped (status %d); system halted\n", status);
	/* APs still running vCPUs (a panic on the BSP) stop first. */
	host_cpus_abort();
	host_cpus_wait_finished(1000000);
	bare_console_drain();
	power_halt_forever();
}
