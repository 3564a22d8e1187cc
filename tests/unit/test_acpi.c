/*
 * The ACPI tables (devices/acpi.c) and the AML writer (devices/aml.c): the tables are built
 * into a buffer and parsed back — RSDP, RSDT/XSDT, every checksum and length, the MADT entries,
 * the FADT fields, MCFG — and the DSDT's AML is walked by a small parser here that checks
 * every PkgLength, name and resource descriptor.  Debian's iasl, when installed, must also
 * disassemble every table without complaint (SKIP when it is missing).
 */
// unit-deps: devices/acpi.c devices/aml.c mm/guest_mem.c lib/string.c
#include <stdlib.h>
#include <unistd.h>
#include "tests/unit/unit.h"
#include "devices/acpi.h"
#include "devices/aml.h"
#include "vm/platform.h"
#include "lib/errno.h"

static u8 buf[PLAT_ACPI_SIZE];
static const u64 base = PLAT_ACPI_GPA;

static u64 le(const u8 *p, u32 n)
{
	u64 v = 0;

	for (u32 i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static u8 sum(const u8 *p, u64 n)
{
	u8 s = 0;

	for (u64 i = 0; i < n; i++)
		s = (u8)(s + p[i]);
	return s;
}

/* A table by guest-physical address, checked to lie in the buffer. */
static const u8 *table_at(u64 gpa, const char *sig)
{
	const u8 *t;

	if (gpa < base || gpa - base + 36 > sizeof(buf))
		return NULL;
	t = buf + (gpa - base);
	if (sig && memcmp(t, sig, 4))
		return NULL;
	if (le(t + 4, 4) < 36 || gpa - base + le(t + 4, 4) > sizeof(buf))
		return NULL;
	return t;
}

/* ---- a small AML parser: the subset devices/aml.c emits, strictly checked ---- */

struct aml_found {
	char path[160];
	bool is_int;
	u64 ival;
	const u8 *bytes;	/* package or buffer contents */
	u32 len;
	u32 elements;
};

static struct aml_found found[64];
static int nfound;
static const char *aml_error;

static bool pkglen(const u8 **p, const u8 *end, const u8 **pkg_end)
{
	const u8 *s = *p;
	u32 n, len;

	if (s >= end)
		return false;
	n = s[0] >> 6;
	if (s + 1 + n > end)
		return false;
	if (n == 0) {
		len = s[0] & 0x3f;
	} else {
		if (s[0] & 0x30)
			return false;	/* bits 5:4 must be zero in the multi-byte form */
		len = s[0] & 0x0f;
		for (u32 i = 0; i < n; i++)
			len |= (u32)s[1 + i] << (4 + 8 * i);
	}
	if (len < n + 1 || s + len > end)
		return false;
	*pkg_end = s + len;
	*p = s + 1 + n;
	return true;
}

static bool seg_ok(const u8 *s)
{
	if (!((s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (int i = 1; i < 4; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* NameString into out ("\\_SB_.PCI0"). */
static bool name_string(const u8 **p, const u8 *end, char *out, size_t size)
{
	const u8 *s = *p;
	u32 segs = 1;
	size_t n = 0;

	out[0] = 0;
	if (s < end && *s == '\\')
		out[n++] = *s++;
	else
		while (s < end && *s == '^')
			out[n++] = *s++;
	if (s >= end)
		return false;
	if (*s == 0x00) {
		segs = 0;
		s++;
	} else if (*s == 0x2e) {
		segs = 2;
		s++;
	} else if (*s == 0x2f) {
		if (s + 1 >= end)
			return false;
		segs = s[1];
		s += 2;
	}
	for (u32 i = 0; i < segs; i++) {
		if (s + 4 > end || !seg_ok(s) || n + 6 > size)
			return false;
		if (i)
			out[n++] = '.';
		memcpy(out + n, s, 4);
		n += 4;
		s += 4;
	}
	out[n] = 0;
	*p = s;
	return true;
}

static bool data_object(const u8 **p, const u8 *end, struct aml_found *f);

static bool integer(const u8 **p, const u8 *end, u64 *v)
{
	const u8 *s = *p;
	u32 n;

	if (s >= end)
		return false;
	switch (*s) {
	case 0x00: *v = 0; *p = s + 1; return true;
	case 0x01: *v = 1; *p = s + 1; return true;
	case 0xff: *v = ~0ULL; *p = s + 1; return true;
	case 0x0a: n = 1; break;
	case 0x0b: n = 2; break;
	case 0x0c: n = 4; break;
	case 0x0e: n = 8; break;
	default: return false;
	}
	if (s + 1 + n > end)
		return false;
	*v = le(s + 1, n);
	*p = s + 1 + n;
	return true;
}

static bool data_object(const u8 **p, const u8 *end, struct aml_found *f)
{
	const u8 *s = *p, *pend;
	u64 v;

	if (s >= end)
		return false;
	if (integer(p, end, &v)) {
		if (f) {
			f->is_int = true;
			f->ival = v;
		}
		return true;
	}
	switch (*s) {
	case 0x0d:	/* String */
		for (s++; s < end && *s; s++)
			if (*s > 0x7f)
				return false;
		if (s >= end)
			return false;
		*p = s + 1;
		return true;
	case 0x12: {	/* Package */
		u32 count = 0, want;

		s++;
		if (!pkglen(&s, end, &pend) || s >= pend)
			return false;
		want = *s++;
		if (f) {
			f->bytes = s;
			f->elements = want;
		}
		while (s < pend) {
			if (!data_object(&s, pend, NULL))
				return false;
			count++;
		}
		if (count != want)
			return false;
		*p = pend;
		return true;
	}
	case 0x11: {	/* Buffer */
		s++;
		if (!pkglen(&s, end, &pend) || !integer(&s, pend, &v) || v != (u64)(pend - s))
			return false;
		if (f) {
			f->bytes = s;
			f->len = (u32)v;
		}
		*p = pend;
		return true;
	}
	default:
		return false;
	}
}

static bool term_list(const u8 *s, const u8 *end, const char *scope)
{
	char name[64], path[160];

	while (s < end) {
		const u8 *pend;

		if (*s == 0x08) {		/* Name */
			struct aml_found *f = &found[nfound < 63 ? nfound++ : 63];

			s++;
			if (!name_string(&s, end, name, sizeof(name)))
				return aml_error = "bad name in Name()", false;
			memset(f, 0, sizeof(*f));
			snprintf(f->path, sizeof(f->path), "%s%s%s", name[0] == '\\' ? "" : scope,
				 name[0] == '\\' || !scope[0] ? "" : ".", name);
			if (!data_object(&s, end, f))
				return aml_error = "bad data object", false;
		} else if (*s == 0x10 || (*s == 0x5b && s + 1 < end && s[1] == 0x82)) {
			s += *s == 0x10 ? 1 : 2;
			if (!pkglen(&s, end, &pend))
				return aml_error = "bad PkgLength", false;
			if (!name_string(&s, pend, name, sizeof(name)))
				return aml_error = "bad scope/device name", false;
			snprintf(path, sizeof(path), "%s%s%s", name[0] == '\\' ? "" : scope,
				 name[0] == '\\' || !scope[0] ? "" : ".", name);
			if (!term_list(s, pend, path))
				return false;
			s = pend;
		} else {
			return aml_error = "unexpected opcode", false;
		}
	}
	return true;
}

static const struct aml_found *find(const char *path)
{
	for (int i = 0; i < nfound; i++)
		if (!strcmp(found[i].path, path))
			return &found[i];
	return NULL;
}

/* Walks a resource template; counts descriptors of each kind; the end tag must come last. */
static bool resources(const u8 *p, u32 len, int *io, int *word_io, int *word_bus, int *mem,
		      int *irq, int *fixed_mem)
{
	u32 i = 0;

	*io = *word_io = *word_bus = *mem = *irq = *fixed_mem = 0;
	while (i < len) {
		u8 tag = p[i];
		u32 dlen;

		if (tag & 0x80) {
			if (i + 3 > len)
				return false;
			dlen = (u32)le(p + i + 1, 2);
			if (i + 3 + dlen > len)
				return false;
			if (tag == 0x88 && dlen == 13 && p[i + 3] == 1)
				(*word_io)++;
			else if (tag == 0x88 && dlen == 13 && p[i + 3] == 2)
				(*word_bus)++;
			else if (tag == 0x87 && dlen == 23 && p[i + 3] == 0)
				(*mem)++;
			else if (tag == 0x86 && dlen == 9)
				(*fixed_mem)++;
			else
				return false;
			i += 3 + dlen;
			continue;
		}
		dlen = tag & 7;
		if (i + 1 + dlen > len)
			return false;
		if ((tag >> 3) == 0x0f)		/* end tag */
			return dlen == 1 && i + 2 == len;
		if ((tag >> 3) == 0x08 && dlen == 7)
			(*io)++;
		else if ((tag >> 3) == 0x04 && (dlen == 2 || dlen == 3))
			(*irq)++;
		else
			return false;
		i += 1 + dlen;
	}
	return false;
}

/* Runs iasl -d on one table; returns 1 clean, 0 complaint, -1 no iasl. */
static int iasl_check(const u8 *t, const char *what, const char *must_contain)
{
	char dir[] = "/tmp/test_acpi_XXXXXX", cmd[512], path[300];
	FILE *f;
	int rc, ok = 1;
	static char out[65536];
	size_t n;

	if (system("command -v iasl >/dev/null 2>&1") != 0)
		return -1;
	if (!mkdtemp(dir))
		return 0;
	snprintf(path, sizeof(path), "%s/%s.dat", dir, what);
	f = fopen(path, "wb");
	fwrite(t, 1, le(t + 4, 4), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat > log.txt 2>&1", dir, what);
	rc = system(cmd);
	snprintf(path, sizeof(path), "%s/%s.dsl", dir, what);
	f = fopen(path, "r");
	n = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
	out[n] = 0;
	if (f)
		fclose(f);
	if (rc != 0 || !n || strstr(out, "Incorrect checksum") || strstr(out, "Invalid") ||
	    (must_contain && !strstr(out, must_contain)))
		ok = 0;
	if (!ok) {
		snprintf(cmd, sizeof(cmd), "cat %s/log.txt; head -c 3000 %s", dir, path);
		(void)!system(cmd);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return ok;
}

static void check_aml_writer(void)
{
	u8 b[400];
	struct aml a;

	aml_init(&a, b, sizeof(b));
	aml_name(&a, "\\_SB.PCI0");
	CHECK("aml: dual name path", a.len == 10 && b[0] == '\\' && b[1] == 0x2e &&
	      !memcmp(b + 2, "_SB_PCI0", 8));
	aml_init(&a, b, sizeof(b));
	aml_name(&a, "\\_SB.PCI0.COM");
	CHECK("aml: multi name path, short segment padded", a.len == 15 && b[1] == 0x2f &&
	      b[2] == 3 && !memcmp(b + 11, "COM_", 4));
	aml_init(&a, b, sizeof(b));
	aml_name(&a, "1BAD");
	CHECK("aml: a name starting with a digit is refused", a.overflow);
	aml_init(&a, b, sizeof(b));
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, 0x80);
	aml_integer(&a, 0x1234);
	aml_integer(&a, 0x12345678);
	aml_integer(&a, 0x123456789ULL);
	aml_integer(&a, ~0ULL);
	CHECK("aml: integer encodings", a.len == 1 + 1 + 2 + 3 + 5 + 9 + 1 && b[0] == 0 &&
	      b[1] == 1 && b[2] == 0x0a && b[4] == 0x0b && b[7] == 0x0c && b[12] == 0x0e &&
	      b[21] == 0xff);
	CHECK_INT("aml: EisaId(PNP0A03)", aml_eisaid("PNP0A03"), 0x030ad041);
	CHECK_INT("aml: EisaId(PNP0501)", aml_eisaid("PNP0501"), 0x0105d041);
	/* A 100-byte buffer needs a two-byte PkgLength. */
	aml_init(&a, b, sizeof(b));
	aml_buffer_begin(&a);
	for (int i = 0; i < 100; i++)
		aml_byte(&a, (u8)i);
	aml_end(&a);
	{
		u32 total = 100 + 5 + 2;

		CHECK("aml: two-byte PkgLength and the buffer size", a.len == 1 + total &&
		      b[1] == (0x40 | (total & 0xf)) && b[2] == (u8)(total >> 4) && b[3] == 0x0c &&
		      le(b + 4, 4) == 100 && b[8] == 0 && b[107] == 99);
	}
	aml_init(&a, b, 8);
	aml_scope_begin(&a, "\\_SB");
	aml_integer(&a, 0x12345678);
	aml_end(&a);
	CHECK("aml: overflow is detected, never written past", a.overflow && a.len <= 8);
	aml_init(&a, b, sizeof(b));
	aml_end(&a);
	CHECK("aml: an unbalanced end is an error", a.overflow);
}

int main(void)
{
	const u8 *rsdp, *rsdt, *xsdt, *fadt = NULL, *madt = NULL, *mcfg = NULL, *dsdt, *facs;
	int used, n;
	u32 cpus = 4;

	check_aml_writer();
	CHECK_INT("no vCPUs refused", acpi_build_tables(buf, sizeof(buf), base, 0), -EINVAL);
	CHECK_INT("256 vCPUs refused (xAPIC IDs)", acpi_build_tables(buf, sizeof(buf), base, 256),
		  -EINVAL);
	CHECK_INT("too small a region refused", acpi_build_tables(buf, 300, base, 1), -ENOSPC);
	CHECK_INT("a region just too small for the DSDT refused",
		  acpi_build_tables(buf, 0x400, base, 64), -ENOSPC);
	used = acpi_build_tables(buf, sizeof(buf), base, 255);
	CHECK("255 vCPUs fit", used > 0 && (u64)used <= PLAT_ACPI_SIZE);

	used = acpi_build_tables(buf, sizeof(buf), base, cpus);
	CHECK("built within PLAT_ACPI_SIZE", used > 0 && (u64)used <= PLAT_ACPI_SIZE);

	rsdp = buf;
	CHECK("RSDP: signature at the start (16-byte aligned)", !memcmp(rsdp, "RSD PTR ", 8) &&
	      base % 16 == 0);
	CHECK_INT("RSDP: checksum of the first 20 bytes", sum(rsdp, 20), 0);
	CHECK_INT("RSDP: extended checksum", sum(rsdp, 36), 0);
	CHECK_INT("RSDP: revision 2", rsdp[15], 2);
	CHECK_INT("RSDP: length 36", le(rsdp + 20, 4), 36);
	rsdt = table_at(le(rsdp + 16, 4), "RSDT");
	xsdt = table_at(le(rsdp + 24, 8), "XSDT");
	CHECK("RSDT and XSDT found", rsdt && xsdt);
	if (!rsdt || !xsdt)
		return unit_summary();
	CHECK_INT("RSDT checksum", sum(rsdt, le(rsdt + 4, 4)), 0);
	CHECK_INT("XSDT checksum", sum(xsdt, le(xsdt + 4, 4)), 0);
	n = (int)(le(xsdt + 4, 4) - 36) / 8;
	CHECK_INT("XSDT: three tables", n, 3);
	CHECK_INT("RSDT: the same three", (le(rsdt + 4, 4) - 36) / 4, 3);
	for (int i = 0; i < n; i++) {
		u64 a = le(xsdt + 36 + 8 * i, 8);
		const u8 *t = table_at(a, NULL);

		CHECK("RSDT and XSDT agree", le(rsdt + 36 + 4 * i, 4) == a);
		if (!t)
			continue;
		CHECK("table 8-byte aligned and checksummed", a % 8 == 0 && sum(t, le(t + 4, 4)) == 0);
		if (!memcmp(t, "FACP", 4))
			fadt = t;
		else if (!memcmp(t, "APIC", 4))
			madt = t;
		else if (!memcmp(t, "MCFG", 4))
			mcfg = t;
	}
	CHECK("FADT, MADT and MCFG listed", fadt && madt && mcfg);
	if (!fadt || !madt || !mcfg)
		return unit_summary();

	/* FADT */
	CHECK_INT("FADT: revision 6", fadt[8], 6);
	CHECK_INT("FADT: length 276", le(fadt + 4, 4), 276);
	CHECK_INT("FADT: SCI_INT 9", le(fadt + 46, 2), 9);
	CHECK_INT("FADT: SMI_CMD 0 (no SMI handshake)", le(fadt + 48, 4), 0);
	CHECK_INT("FADT: PM1a_EVT_BLK", le(fadt + 56, 4), PLAT_PORT_PM1A_EVT);
	CHECK_INT("FADT: PM1a_CNT_BLK", le(fadt + 64, 4), PLAT_PORT_PM1A_CNT);
	CHECK_INT("FADT: PM_TMR_BLK", le(fadt + 76, 4), PLAT_PORT_PM_TMR);
	CHECK("FADT: lengths 4/2/4", fadt[88] == 4 && fadt[89] == 2 && fadt[91] == 4);
	CHECK_INT("FADT: century index 0x32", fadt[108], 0x32);
	{
		u32 flags = (u32)le(fadt + 112, 4);

		CHECK("FADT: WBINVD, TMR_VAL_EXT, RESET_REG_SUP set", (flags & 1) &&
		      (flags & (1u << 8)) && (flags & (1u << 10)));
		CHECK("FADT: not hardware-reduced", !(flags & (1u << 20)));
	}
	CHECK("FADT: RESET_REG is system I/O 0xCF9, 8 bits, byte access",
	      fadt[116] == 1 && fadt[117] == 8 && fadt[118] == 0 && fadt[119] == 1 &&
	      le(fadt + 120, 8) == 0xcf9);
	CHECK_INT("FADT: RESET_VALUE 6", fadt[128], 6);
	CHECK("FADT: X_PM1a_EVT_BLK", fadt[148] == 1 && fadt[149] == 32 &&
	      le(fadt + 152, 8) == PLAT_PORT_PM1A_EVT);
	CHECK("FADT: X_PM1a_CNT_BLK", fadt[172] == 1 && fadt[173] == 16 &&
	      le(fadt + 176, 8) == PLAT_PORT_PM1A_CNT);
	CHECK("FADT: X_PM_TMR_BLK (32-bit)", fadt[208] == 1 && fadt[209] == 32 &&
	      le(fadt + 212, 8) == PLAT_PORT_PM_TMR);
	CHECK("FADT: DSDT and X_DSDT agree", le(fadt + 40, 4) == le(fadt + 140, 8));
	CHECK("FADT: FIRMWARE_CTRL and X_FIRMWARE_CTRL agree", le(fadt + 36, 4) == le(fadt + 132, 8));
	facs = buf + (le(fadt + 132, 8) - base);
	CHECK("FACS: 64-byte aligned, signature, length 64",
	      le(fadt + 132, 8) % 64 == 0 && !memcmp(facs, "FACS", 4) && le(facs + 4, 4) == 64);

	/* MADT */
	CHECK_INT("MADT: local APIC address", le(madt + 36, 4), PLAT_LAPIC_GPA);
	CHECK_INT("MADT: PC-AT compatible", le(madt + 40, 4) & 1, 1);
	{
		u32 len = (u32)le(madt + 4, 4), off = 44, lapics = 0, bad = 0, ioapic = 0, nmi = 0;
		bool iso0 = false, iso9 = false;

		while (off + 2 <= len) {
			const u8 *e = madt + off;

			if (e[1] < 2 || off + e[1] > len) {
				bad++;
				break;
			}
			switch (e[0]) {
			case 0:
				if (e[1] != 8 || e[2] != lapics || e[3] != lapics || le(e + 4, 4) != 1)
					bad++;
				lapics++;
				break;
			case 1:
				ioapic++;
				if (e[1] != 12 || le(e + 4, 4) != PLAT_IOAPIC_GPA || le(e + 8, 4) != 0)
					bad++;
				break;
			case 2:
				if (e[1] != 10 || e[2] != 0)
					bad++;
				if (e[3] == 0 && le(e + 4, 4) == 2 && le(e + 8, 2) == 0x5)
					iso0 = true;
				if (e[3] == 9 && le(e + 4, 4) == 9 && le(e + 8, 2) == 0xd)
					iso9 = true;
				break;
			case 4:
				nmi++;
				if (e[1] != 6 || e[2] != 0xff || e[5] != 1)
					bad++;
				break;
			default:
				bad++;
			}
			off += e[1];
		}
		CHECK_INT("MADT: entries fill the table exactly", off, len);
		CHECK_INT("MADT: one enabled local APIC per vCPU, ID = index", lapics, cpus);
		CHECK_INT("MADT: one IOAPIC at PLAT_IOAPIC_GPA, GSI base 0", ioapic, 1);
		CHECK("MADT: IRQ0 -> GSI2 edge/high", iso0);
		CHECK("MADT: IRQ9 -> GSI9 level/high", iso9);
		CHECK_INT("MADT: LAPIC NMI on LINT1 for all processors", nmi, 1);
		CHECK_INT("MADT: no malformed entry", bad, 0);
	}

	/* MCFG */
	CHECK("MCFG: ECAM at PLAT_ECAM_GPA, segment 0, buses 0-0",
	      le(mcfg + 4, 4) == 60 && le(mcfg + 44, 8) == PLAT_ECAM_GPA && le(mcfg + 52, 2) == 0 &&
	      mcfg[54] == 0 && mcfg[55] == 0);

	/* DSDT */
	dsdt = table_at(le(fadt + 140, 8), "DSDT");
	CHECK("DSDT found", dsdt != NULL);
	if (!dsdt)
		return unit_summary();
	CHECK_INT("DSDT checksum", sum(dsdt, le(dsdt + 4, 4)), 0);
	CHECK_INT("DSDT revision 2", dsdt[8], 2);
	CHECK("DSDT: AML well-formed", term_list(dsdt + 36, dsdt + le(dsdt + 4, 4), "") ||
	      (printf("  (%s)\n", aml_error), 0));
	{
		const struct aml_found *s5 = find("\\_S5_"), *f;
		int io, wio, bus, mem, irq, fmem;

		CHECK("DSDT: \\_S5 is a package of 4 starting with SLP_TYP 5",
		      s5 && s5->elements == 4 && s5->bytes[0] == 0x0a &&
		      s5->bytes[1] == ACPI_SLP_TYP_S5);
		f = find("\\_SB_.PCI0._HID");
		CHECK("DSDT: PCI0 _HID PNP0A08", f && f->is_int && f->ival == aml_eisaid("PNP0A08"));
		f = find("\\_SB_.PCI0._CID");
		CHECK("DSDT: PCI0 _CID PNP0A03", f && f->is_int && f->ival == aml_eisaid("PNP0A03"));
		CHECK("DSDT: PCI0 _UID, _SEG, _BBN are 0",
		      find("\\_SB_.PCI0._UID") && find("\\_SB_.PCI0._SEG") &&
		      find("\\_SB_.PCI0._BBN") && find("\\_SB_.PCI0._SEG")->ival == 0 &&
		      find("\\_SB_.PCI0._BBN")->ival == 0);
		f = find("\\_SB_.PCI0._CRS");
		CHECK("DSDT: PCI0 _CRS: bus range, CF8 I/O, two I/O windows, the MMIO window",
		      f && f->bytes && resources(f->bytes, f->len, &io, &wio, &bus, &mem, &irq, &fmem) &&
		      io == 1 && wio == 2 && bus == 1 && mem == 1);
		if (f && f->bytes) {
			const u8 *r = f->bytes;

			CHECK("DSDT: bus range 0-0", r[0] == 0x88 && le(r + 8, 2) == 0 && le(r + 10, 2) == 0);
			CHECK("DSDT: I/O 0xCF8, 8 ports", r[16] == 0x47 && le(r + 18, 2) == 0xcf8 &&
			      r[23] == 8);
			CHECK("DSDT: I/O window 0-0xCF7", le(r + 24 + 8, 2) == 0 &&
			      le(r + 24 + 10, 2) == 0xcf7);
			CHECK("DSDT: I/O window 0xD00-0xFFFF", le(r + 40 + 8, 2) == 0xd00 &&
			      le(r + 40 + 10, 2) == 0xffff);
			CHECK("DSDT: memory window", le(r + 56 + 10, 4) == PLAT_PCI_MMIO_BASE &&
			      le(r + 56 + 14, 4) == PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE - 1 &&
			      le(r + 56 + 22, 4) == PLAT_PCI_MMIO_SIZE);
		}
		f = find("\\_SB_.PCI0._PRT");
		CHECK("DSDT: PCI0 _PRT routes 4 pins of 32 slots", f && f->elements == 128);
		if (f && f->bytes) {
			/* The first entry: Package(4) { 0xFFFF (a Word), Zero, Zero, 16 (a Byte) }. */
			const u8 *e = f->bytes;

			CHECK("DSDT: _PRT slot 0 pin A -> GSI 16", e[0] == 0x12 && e[2] == 4 &&
			      e[3] == 0x0b && le(e + 4, 2) == 0xffff && e[6] == 0x00 && e[7] == 0x00 &&
			      e[8] == 0x0a && e[9] == 16);
		}
		f = find("\\_SB_.COM1._HID");
		CHECK("DSDT: COM1 _HID PNP0501", f && f->ival == aml_eisaid("PNP0501"));
		f = find("\\_SB_.COM1._CRS");
		CHECK("DSDT: COM1 _CRS: 0x3F8 and IRQ 4", f && resources(f->bytes, f->len, &io, &wio,
		      &bus, &mem, &irq, &fmem) && io == 1 && irq == 1 && le(f->bytes + 2, 2) == 0x3f8 &&
		      le(f->bytes + 9, 2) == 0x10);
		f = find("\\_SB_.RTC_._CRS");
		CHECK("DSDT: RTC (PNP0B00) _CRS: 0x70 and IRQ 8", find("\\_SB_.RTC_._HID") &&
		      find("\\_SB_.RTC_._HID")->ival == aml_eisaid("PNP0B00") && f &&
		      resources(f->bytes, f->len, &io, &wio, &bus, &mem, &irq, &fmem) && io == 1 &&
		      irq == 1 && le(f->bytes + 2, 2) == 0x70 && le(f->bytes + 9, 2) == 0x100);
		f = find("\\_SB_.MRES._CRS");
		CHECK("DSDT: motherboard resources reserve ECAM", f && resources(f->bytes, f->len, &io,
		      &wio, &bus, &mem, &irq, &fmem) && fmem == 1 && le(f->bytes + 4, 4) == PLAT_ECAM_GPA);
	}

	/* Malformed AML is caught by the parser (the checker checks something). */
	{
		static u8 bad[64];

		memcpy(bad, "\x10\x05\\_SB_\x00", 8);	/* PkgLength 5 cuts the name */
		CHECK("parser: a short PkgLength is caught", !term_list(bad, bad + 8, ""));
	}

	/* iasl, when installed. */
	{
		const struct { const u8 *t; const char *name, *expect; } tabs[] = {
			{ dsdt, "dsdt", "PNP0A08" }, { fadt, "facp", "Reset Register" },
			{ madt, "apic", "Interrupt Source Override" }, { mcfg, "mcfg", "E0000000" },
		};

		for (u32 i = 0; i < ARRAY_SIZE(tabs); i++) {
			char name[64];
			int r = iasl_check(tabs[i].t, tabs[i].name, tabs[i].expect);

			snprintf(name, sizeof(name), "iasl -d %s: no complaint", tabs[i].name);
			if (r < 0)
				printf("SKIP: %s (iasl not installed: apt-get install acpica-tools)\n", name);
			else
				unit_check(r == 1, name, "see the iasl output above");
		}
	}
	return unit_summary();
}
