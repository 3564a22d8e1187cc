/*
 * The VM's ACPI tables (ACPI 6.4 chapter 5), in guest RAM at PLAT_ACPI_GPA inside the BIOS
 * area the loaders reserve: the RSDP first (Linux also scans 0xE0000-0xFFFFF for it), then
 * the FACS, RSDT, XSDT, FADT, MADT, MCFG and DSDT.  Every table is checksummed.
 */
#include "devices/acpi.h"
#include "devices/aml.h"

#define ACPI_PCI_GSI_BASE 16	/* PCI INTx lines: IOAPIC pins 16-23 */
#include "vm/vm.h"
#include "vm/platform.h"
#include "lib/errno.h"
#include "lib/string.h"

#define ACPI_OEM_ID "MCRHRD"		/* 6 characters */
#define ACPI_OEM_TABLE_ID "MACROHRD"	/* 8 characters */
#define ACPI_CREATOR_ID "MCHD"
#define ACPI_HEADER 36

/* FADT (5.2.9): offsets of the fields we fill, revision 6 layout. */
#define FADT_SIZE 276
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT 40
#define FADT_SCI_INT 46
#define FADT_SMI_CMD 48
#define FADT_PM1A_EVT 56
#define FADT_PM1A_CNT 64
#define FADT_PM_TMR 76
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_PM_TMR_LEN 91
#define FADT_P_LVL2_LAT 96
#define FADT_P_LVL3_LAT 98
#define FADT_CENTURY 108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR 131
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT 140
#define FADT_X_PM1A_EVT 148
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM_TMR 208
#define FADT_HV_VENDOR 268

#define FADT_F_WBINVD BIT(0)
#define FADT_F_PROC_C1 BIT(2)
#define FADT_F_PWR_BUTTON BIT(4)	/* no fixed power button */
#define FADT_F_SLP_BUTTON BIT(5)	/* no fixed sleep button */
#define FADT_F_FIX_RTC BIT(6)		/* no RTC wake status in PM1 */
#define FADT_F_TMR_VAL_EXT BIT(8)
#define FADT_F_RESET_REG_SUP BIT(10)

#define BOOT_ARCH_LEGACY_DEVICES BIT(0)	/* ISA devices: the serial port */
#define BOOT_ARCH_NO_VGA BIT(2)

#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1

#define MADT_PCAT_COMPAT 1
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_ISO 2
#define MADT_LAPIC_NMI 4
#define MPS_ACTIVE_HIGH 0x1
#define MPS_EDGE 0x4
#define MPS_LEVEL 0xc

#define RTC_CENTURY_INDEX 0x32

struct acpi_builder {
	u8 *buf;
	u64 size;
	u64 gpa;
	u64 used;
};

static void put_le(u8 *p, u64 v, u32 n)
{
	for (u32 i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * i));
}

static u8 acpi_checksum(const u8 *p, u64 len)
{
	u8 sum = 0;

	for (u64 i = 0; i < len; i++)
		sum = (u8)(sum + p[i]);
	return (u8)-sum;
}

/* Reserves len bytes aligned to align; returns the offset, or -1 when it does not fit. */
static s64 acpi_alloc(struct acpi_builder *b, u64 len, u64 align)
{
	u64 off = ALIGN_UP(b->used, align);

	if (off > b->size || len > b->size - off)
		return -1;
	b->used = off + len;
	return (s64)off;
}

static void acpi_header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put_le(t + 4, len, 4);
	t[8] = rev;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put_le(t + 24, 1, 4);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put_le(t + 32, 1, 4);
}

static void acpi_finish(u8 *t, u32 len)
{
	t[9] = 0;
	t[9] = acpi_checksum(t, len);
}

/* Generic address structure (5.2.3.2). */
static void acpi_gas(u8 *p, u8 space, u8 bits, u8 access, u64 addr)
{
	p[0] = space;
	p[1] = bits;
	p[2] = 0;
	p[3] = access;
	put_le(p + 4, addr, 8);
}

/* The DSDT's AML: \_S5, and \_SB with the PCI root bridge, COM1, the RTC, motherboard resources. */
static void acpi_dsdt_body(struct aml *a)
{
	aml_name_begin(a, "\\_S5");
	aml_package_begin(a, 4);
	aml_integer(a, ACPI_SLP_TYP_S5);	/* PM1a_CNT.SLP_TYP */
	aml_integer(a, ACPI_SLP_TYP_S5);	/* PM1b_CNT.SLP_TYP (no PM1b) */
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a);

	aml_scope_begin(a, "\\_SB");

	aml_device_begin(a, "PCI0");
	aml_name_begin(a, "_HID");
	aml_integer(a, aml_eisaid("PNP0A08"));
	aml_name_begin(a, "_CID");
	aml_integer(a, aml_eisaid("PNP0A03"));
	aml_name_begin(a, "_UID");
	aml_integer(a, 0);
	aml_name_begin(a, "_SEG");
	aml_integer(a, 0);
	aml_name_begin(a, "_BBN");
	aml_integer(a, 0);
	aml_name_begin(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_word_bus(a, 0, 0);
	aml_res_io(a, PLAT_PORT_PCI_ADDR, 8);
	aml_res_word_io(a, 0x0000, PLAT_PORT_PCI_ADDR - 1);
	aml_res_word_io(a, PLAT_PORT_PCI_ADDR + 8, 0xffff);
	aml_res_dword_mem(a, (u32)PLAT_PCI_MMIO_BASE,
			  (u32)(PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE - 1));
	aml_res_end(a);
	aml_end(a);		/* Buffer */
	/*
	 * ACPI 6.4, 6.2.13: INTx routing straight to GSIs (source 0).  Pin p of slot s is GSI
	 * 16 + (s + p) mod 8, level-triggered and active low as PCI lines are (the IOAPIC's
	 * pins 16-23 carry nothing else); virtio functions use pin A (VIRTIO_INTX_GSI).
	 */
	aml_name_begin(a, "_PRT");
	aml_package_begin(a, 32 * 4);
	for (u32 slot = 0; slot < 32; slot++) {
		for (u32 pin = 0; pin < 4; pin++) {
			aml_package_begin(a, 4);
			aml_integer(a, (u64)slot << 16 | 0xffff);
			aml_integer(a, pin);
			aml_integer(a, 0);
			aml_integer(a, ACPI_PCI_GSI_BASE + (slot + pin) % 8);
			aml_end(a);
		}
	}
	aml_end(a);		/* _PRT */
	aml_end(a);		/* PCI0 */

	aml_device_begin(a, "COM1");
	aml_name_begin(a, "_HID");
	aml_integer(a, aml_eisaid("PNP0501"));
	aml_name_begin(a, "_UID");
	aml_integer(a, 1);
	aml_name_begin(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_io(a, PLAT_PORT_COM1, 8);
	aml_res_irq(a, 1u << PLAT_IRQ_COM1);
	aml_res_end(a);
	aml_end(a);
	aml_end(a);

	aml_device_begin(a, "RTC");
	aml_name_begin(a, "_HID");
	aml_integer(a, aml_eisaid("PNP0B00"));
	aml_name_begin(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_io(a, PLAT_PORT_RTC, 2);
	aml_res_irq(a, 1u << PLAT_IRQ_RTC);
	aml_res_end(a);
	aml_end(a);
	aml_end(a);

	/* Motherboard resources: ECAM must be reserved for Linux to use MMCONFIG; the PM block. */
	aml_device_begin(a, "MRES");
	aml_name_begin(a, "_HID");
	aml_integer(a, aml_eisaid("PNP0C02"));
	aml_name_begin(a, "_UID");
	aml_integer(a, 0);
	aml_name_begin(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_mem32_fixed(a, (u32)PLAT_ECAM_GPA, (u32)PLAT_ECAM_SIZE);
	aml_res_io(a, PLAT_PORT_PM_BASE, 12);
	aml_res_io(a, PLAT_PORT_FW_CFG, 2);
	aml_res_end(a);
	aml_end(a);
	aml_end(a);

	aml_end(a);		/* \_SB */
}

static s64 acpi_dsdt(struct acpi_builder *b)
{
	struct aml a;
	s64 off = acpi_alloc(b, 0, 16);

	if (off < 0 || b->size - (u64)off < ACPI_HEADER)
		return -1;
	aml_init(&a, b->buf + off + ACPI_HEADER, (u32)MIN(b->size - (u64)off - ACPI_HEADER,
							   0xffffffffULL));
	acpi_dsdt_body(&a);
	if (a.overflow || a.depth)
		return -1;
	b->used = (u64)off + ACPI_HEADER + a.len;
	acpi_header(b->buf + off, "DSDT", ACPI_HEADER + a.len, 2);	/* 2: 64-bit integers */
	acpi_finish(b->buf + off, ACPI_HEADER + a.len);
	return off;
}

static void acpi_fadt(u8 *t, u64 facs, u64 dsdt)
{
	acpi_header(t, "FACP", FADT_SIZE, 6);
	put_le(t + FADT_FIRMWARE_CTRL, facs, 4);
	put_le(t + FADT_DSDT, dsdt, 4);
	put_le(t + FADT_SCI_INT, PLAT_IRQ_SCI, 2);
	put_le(t + FADT_SMI_CMD, 0, 4);		/* no SMI: ACPI mode is always on */
	put_le(t + FADT_PM1A_EVT, PLAT_PORT_PM1A_EVT, 4);
	put_le(t + FADT_PM1A_CNT, PLAT_PORT_PM1A_CNT, 4);
	put_le(t + FADT_PM_TMR, PLAT_PORT_PM_TMR, 4);
	t[FADT_PM1_EVT_LEN] = 4;
	t[FADT_PM1_CNT_LEN] = 2;
	t[FADT_PM_TMR_LEN] = 4;
	put_le(t + FADT_P_LVL2_LAT, 101, 2);	/* > 100: no C2 */
	put_le(t + FADT_P_LVL3_LAT, 1001, 2);	/* > 1000: no C3 */
	t[FADT_CENTURY] = RTC_CENTURY_INDEX;
	put_le(t + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_NO_VGA, 2);
	put_le(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON |
	       FADT_F_SLP_BUTTON | FADT_F_FIX_RTC | FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP, 4);
	acpi_gas(t + FADT_RESET_REG, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE, PLAT_PORT_RESET);
	t[FADT_RESET_VALUE] = 6;		/* RST_CPU | SYS_RST: a hard reset */
	t[FADT_MINOR] = 0;
	put_le(t + FADT_X_FIRMWARE_CTRL, facs, 8);
	put_le(t + FADT_X_DSDT, dsdt, 8);
	acpi_gas(t + FADT_X_PM1A_EVT, GAS_SYSTEM_IO, 32, 0, PLAT_PORT_PM1A_EVT);
	acpi_gas(t + FADT_X_PM1A_CNT, GAS_SYSTEM_IO, 16, 0, PLAT_PORT_PM1A_CNT);
	acpi_gas(t + FADT_X_PM_TMR, GAS_SYSTEM_IO, 32, 0, PLAT_PORT_PM_TMR);
	memcpy(t + FADT_HV_VENDOR, "MACROHRD", 8);
	acpi_finish(t, FADT_SIZE);
}

static u32 acpi_madt_size(u32 cpus)
{
	return ACPI_HEADER + 8 + 8 * cpus + 12 + 2 * 10 + 6;
}

static void acpi_madt(u8 *t, u32 cpus)
{
	u32 len = acpi_madt_size(cpus);
	u8 *e = t + ACPI_HEADER + 8;

	acpi_header(t, "APIC", len, 5);
	put_le(t + ACPI_HEADER, PLAT_LAPIC_GPA, 4);
	put_le(t + ACPI_HEADER + 4, MADT_PCAT_COMPAT, 4);
	for (u32 i = 0; i < cpus; i++, e += 8) {
		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = (u8)i;			/* ACPI processor UID */
		e[3] = (u8)i;			/* APIC ID = vCPU index */
		put_le(e + 4, 1, 4);		/* enabled */
	}
	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = 0;				/* IOAPIC ID */
	e[3] = 0;
	put_le(e + 4, PLAT_IOAPIC_GPA, 4);
	put_le(e + 8, 0, 4);			/* GSI base */
	e += 12;
	/* ISA IRQ 0 (the PIT) is wired to GSI 2; the SCI is level-triggered, active high. */
	e[0] = MADT_ISO;
	e[1] = 10;
	e[2] = 0;				/* bus: ISA */
	e[3] = 0;
	put_le(e + 4, PLAT_GSI_PIT, 4);
	put_le(e + 8, MPS_ACTIVE_HIGH | MPS_EDGE, 2);
	e += 10;
	e[0] = MADT_ISO;
	e[1] = 10;
	e[2] = 0;
	e[3] = PLAT_IRQ_SCI;
	put_le(e + 4, PLAT_IRQ_SCI, 4);
	put_le(e + 8, MPS_ACTIVE_HIGH | MPS_LEVEL, 2);
	e += 10;
	e[0] = MADT_LAPIC_NMI;
	e[1] = 6;
	e[2] = 0xff;				/* every processor */
	put_le(e + 3, 0, 2);			/* conforming polarity and trigger */
	e[5] = 1;				/* LINT1 */
	acpi_finish(t, len);
}

#define MCFG_SIZE (ACPI_HEADER + 8 + 16)

static void acpi_mcfg(u8 *t)
{
	u8 *e = t + ACPI_HEADER + 8;

	acpi_header(t, "MCFG", MCFG_SIZE, 1);
	put_le(e, PLAT_ECAM_GPA, 8);
	put_le(e + 8, 0, 2);			/* segment */
	e[10] = 0;				/* start bus */
	e[11] = (u8)(PLAT_ECAM_SIZE / (1 << 20) - 1);	/* end bus: 1 MiB per bus */
	acpi_finish(t, MCFG_SIZE);
}

int acpi_build_tables(u8 *buf, u64 size, u64 gpa, u32 cpus)
{
	struct acpi_builder b = { .buf = buf, .size = size, .gpa = gpa };
	s64 rsdp, facs, rsdt, xsdt, fadt, madt, mcfg, dsdt;
	u32 madt_len = acpi_madt_size(cpus);

	if (!cpus || cpus > 255)
		return -EINVAL;
	memset(buf, 0, size);
	rsdp = acpi_alloc(&b, 36, 16);
	facs = acpi_alloc(&b, 64, 64);
	rsdt = acpi_alloc(&b, ACPI_HEADER + 3 * 4, 16);
	xsdt = acpi_alloc(&b, ACPI_HEADER + 3 * 8, 16);
	fadt = acpi_alloc(&b, FADT_SIZE, 16);
	madt = acpi_alloc(&b, madt_len, 16);
	mcfg = acpi_alloc(&b, MCFG_SIZE, 16);
	if (rsdp < 0 || facs < 0 || rsdt < 0 || xsdt < 0 || fadt < 0 || madt < 0 || mcfg < 0)
		return -ENOSPC;
	dsdt = acpi_dsdt(&b);
	if (dsdt < 0)
		return -ENOSPC;

	/* FACS (5.2.10): no header checksum; version 2, no global lock, no waking vector. */
	memcpy(buf + facs, "FACS", 4);
	put_le(buf + facs + 4, 64, 4);
	buf[facs + 32] = 2;

	acpi_fadt(buf + fadt, gpa + (u64)facs, gpa + (u64)dsdt);
	acpi_madt(buf + madt, cpus);
	acpi_mcfg(buf + mcfg);

	acpi_header(buf + rsdt, "RSDT", ACPI_HEADER + 3 * 4, 1);
	acpi_header(buf + xsdt, "XSDT", ACPI_HEADER + 3 * 8, 1);
	put_le(buf + rsdt + ACPI_HEADER, gpa + (u64)fadt, 4);
	put_le(buf + rsdt + ACPI_HEADER + 4, gpa + (u64)madt, 4);
	put_le(buf + rsdt + ACPI_HEADER + 8, gpa + (u64)mcfg, 4);
	put_le(buf + xsdt + ACPI_HEADER, gpa + (u64)fadt, 8);
	put_le(buf + xsdt + ACPI_HEADER + 8, gpa + (u64)madt, 8);
	put_le(buf + xsdt + ACPI_HEADER + 16, gpa + (u64)mcfg, 8);
	acpi_finish(buf + rsdt, ACPI_HEADER + 3 * 4);
	acpi_finish(buf + xsdt, ACPI_HEADER + 3 * 8);

	/* RSDP (5.2.5.3): revision 2, checksum over the first 20 bytes, extended over all 36. */
	memcpy(buf + rsdp, "RSD PTR ", 8);
	memcpy(buf + rsdp + 9, ACPI_OEM_ID, 6);
	buf[rsdp + 15] = 2;
	put_le(buf + rsdp + 16, gpa + (u64)rsdt, 4);
	put_le(buf + rsdp + 20, 36, 4);
	put_le(buf + rsdp + 24, gpa + (u64)xsdt, 8);
	buf[rsdp + 8] = acpi_checksum(buf + rsdp, 20);
	buf[rsdp + 32] = acpi_checksum(buf + rsdp, 36);
	return (int)b.used;
}

int acpi_build(struct vm *vm)
{
	u8 *p = guest_mem_ptr(&vm->mem, PLAT_ACPI_GPA, PLAT_ACPI_SIZE, true);
	int n;

	_Static_assert(PLAT_ACPI_GPA >= PLAT_BIOS_START &&
		       PLAT_ACPI_GPA + PLAT_ACPI_SIZE <= PLAT_BIOS_END, "ACPI tables in the BIOS area");
	_Static_assert(VCPU_MAX <= 255, "xAPIC IDs in the MADT");
	if (!p)
		return -EFAULT;
	n = acpi_build_tables(p, PLAT_ACPI_SIZE, PLAT_ACPI_GPA, vm->vcpu_count);
	return n < 0 ? n : 0;
}
