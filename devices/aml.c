/*
 * AML writer for the generated DSDT (ACPI 6.4: 20.2 grammar, 6.4 resource descriptors).
 * PkgLengths get their shortest encoding once a block's size is known.
 */
#include "devices/aml.h"
#include "lib/string.h"

#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_DUAL_NAME 0x2e
#define AML_MULTI_NAME 0x2f
#define AML_EXT_PREFIX 0x5b
#define AML_DEVICE_OP 0x82	/* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_CHAR '^'
#define AML_ONES 0xff

/* Open blocks remember what to fill in at aml_end. */
#define AML_BLOCK_PLAIN 0
#define AML_BLOCK_BUFFER 1

void aml_init(struct aml *a, u8 *buf, u32 cap)
{
	a->buf = buf;
	a->len = 0;
	a->cap = cap;
	a->overflow = false;
	a->depth = 0;
}

void aml_byte(struct aml *a, u8 b)
{
	if (a->len >= a->cap) {
		a->overflow = true;
		return;
	}
	a->buf[a->len++] = b;
}

void aml_bytes(struct aml *a, const void *p, u32 n)
{
	for (u32 i = 0; i < n; i++)
		aml_byte(a, ((const u8 *)p)[i]);
}

static void aml_le(struct aml *a, u64 v, u32 n)
{
	for (u32 i = 0; i < n; i++)
		aml_byte(a, (u8)(v >> (8 * i)));
}

static bool aml_lead_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool aml_name_char(char c)
{
	return aml_lead_char(c) || (c >= '0' && c <= '9');
}

/* One segment of up to 4 characters from s, padded with '_'; returns characters consumed. */
static u32 aml_name_seg(struct aml *a, const char *s)
{
	u32 n = 0;

	while (s[n] && s[n] != '.' && n < 4)
		n++;
	if (!n || !aml_lead_char(s[0]) || (s[n] && s[n] != '.')) {
		a->overflow = true;	/* not a valid NameSeg: refuse to write garbage */
		return n ? n : 1;
	}
	for (u32 i = 0; i < 4; i++) {
		char c = i < n ? s[i] : '_';

		if (!aml_name_char(c))
			a->overflow = true;
		aml_byte(a, (u8)c);
	}
	return n;
}

void aml_name(struct aml *a, const char *path)
{
	u32 segs = 0;
	const char *p;

	if (*path == AML_ROOT_CHAR) {
		aml_byte(a, AML_ROOT_CHAR);
		path++;
	} else {
		while (*path == AML_PARENT_CHAR) {
			aml_byte(a, AML_PARENT_CHAR);
			path++;
		}
	}
	if (!*path) {
		aml_byte(a, 0x00);	/* NullName */
		return;
	}
	for (p = path, segs = 1; *p; p++)
		if (*p == '.')
			segs++;
	if (segs == 2) {
		aml_byte(a, AML_DUAL_NAME);
	} else if (segs > 2) {
		aml_byte(a, AML_MULTI_NAME);
		aml_byte(a, (u8)segs);
	}
	while (*path) {
		path += aml_name_seg(a, path);
		if (*path == '.')
			path++;
	}
}

void aml_integer(struct aml *a, u64 v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO);
	} else if (v == 1) {
		aml_byte(a, AML_ONE);
	} else if (v == ~0ULL) {
		aml_byte(a, AML_ONES);
	} else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffffULL) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	for (; *s; s++) {
		if ((u8)*s < 0x01 || (u8)*s > 0x7f)
			a->overflow = true;	/* AsciiCharList: 0x01-0x7F */
		aml_byte(a, (u8)*s);
	}
	aml_byte(a, 0);
}

static u8 aml_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (u8)(c - '0');
	if (c >= 'A' && c <= 'F')
		return (u8)(c - 'A' + 10);
	return 0;
}

/* Three letters in 5 bits each and four hex digits, stored big-endian (ACPI 6.4, 19.6.35). */
u32 aml_eisaid(const char *id)
{
	u16 vendor = (u16)(((id[0] - 0x40) & 0x1f) << 10 | ((id[1] - 0x40) & 0x1f) << 5 |
			   ((id[2] - 0x40) & 0x1f));
	u16 product = (u16)(aml_hex(id[3]) << 12 | aml_hex(id[4]) << 8 | aml_hex(id[5]) << 4 |
			    aml_hex(id[6]));

	return (u32)(vendor >> 8) | (u32)(vendor & 0xff) << 8 | (u32)(product >> 8) << 16 |
	       (u32)(product & 0xff) << 24;
}

/* Opens a block: its contents start here; the PkgLength is inserted in front at aml_end. */
static void aml_open(struct aml *a, u32 kind)
{
	if (a->depth == AML_MAX_DEPTH) {
		a->overflow = true;
		return;
	}
	a->open[a->depth++] = a->len << 1 | kind;
}

void aml_end(struct aml *a)
{
	u32 start, kind, body, n, total;
	u8 size_op[5];
	u32 size_len = 0;

	if (!a->depth) {
		a->overflow = true;
		return;
	}
	start = a->open[--a->depth] >> 1;
	kind = a->open[a->depth] & 1;
	if (a->overflow)
		return;
	body = a->len - start;
	if (kind == AML_BLOCK_BUFFER) {
		/* Buffer: PkgLength BufferSize ByteList; the size is a DWord constant. */
		size_op[0] = AML_DWORD_PREFIX;
		for (u32 i = 0; i < 4; i++)
			size_op[1 + i] = (u8)(body >> (8 * i));
		size_len = 5;
	}
	body += size_len;
	/* PkgLength counts itself: 1 byte up to 63, else 2-4 bytes with 4+8k bits (20.2.4). */
	n = body + 1 <= 0x3f ? 1 : body + 2 <= 0xfff ? 2 : body + 3 <= 0xfffff ? 3 : 4;
	total = body + n;
	if (a->len + n + size_len > a->cap || total > 0xfffffff) {
		a->overflow = true;
		return;
	}
	memmove(a->buf + start + n + size_len, a->buf + start, a->len - start);
	a->len += n + size_len;
	if (n == 1) {
		a->buf[start] = (u8)total;
	} else {
		a->buf[start] = (u8)((n - 1) << 6 | (total & 0xf));
		for (u32 i = 1; i < n; i++)
			a->buf[start + i] = (u8)(total >> (4 + 8 * (i - 1)));
	}
	memcpy(a->buf + start + n, size_op, size_len);
}

void aml_scope_begin(struct aml *a, const char *name)
{
	aml_byte(a, AML_SCOPE_OP);
	aml_open(a, AML_BLOCK_PLAIN);
	aml_name(a, name);
}

void aml_device_begin(struct aml *a, const char *name)
{
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	aml_open(a, AML_BLOCK_PLAIN);
	aml_name(a, name);
}

void aml_package_begin(struct aml *a, u8 elements)
{
	aml_byte(a, AML_PACKAGE_OP);
	aml_open(a, AML_BLOCK_PLAIN);
	aml_byte(a, elements);
}

void aml_buffer_begin(struct aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	aml_open(a, AML_BLOCK_BUFFER);
}

void aml_name_begin(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name(a, name);
}

/* IO port descriptor, 16-bit decode, fixed base (6.4.2.5). */
void aml_res_io(struct aml *a, u16 base, u8 len)
{
	aml_byte(a, 0x47);
	aml_byte(a, 0x01);
	aml_le(a, base, 2);
	aml_le(a, base, 2);
	aml_byte(a, 0x01);
	aml_byte(a, len);
}

/* IRQ descriptor without flags: edge, active high, exclusive (6.4.2.1). */
void aml_res_irq(struct aml *a, u16 irq_mask)
{
	aml_byte(a, 0x22);
	aml_le(a, irq_mask, 2);
}

/* Word address space descriptor (6.4.3.5.3): producer, fixed minimum and maximum. */
static void aml_res_word(struct aml *a, u8 type, u8 type_flags, u16 min, u16 max)
{
	aml_byte(a, 0x88);
	aml_le(a, 13, 2);
	aml_byte(a, type);
	aml_byte(a, 0x0c);		/* MinFixed, MaxFixed, PosDecode, ResourceProducer */
	aml_byte(a, type_flags);
	aml_le(a, 0, 2);		/* granularity */
	aml_le(a, min, 2);
	aml_le(a, max, 2);
	aml_le(a, 0, 2);		/* translation */
	aml_le(a, (u32)max - min + 1, 2);
}

void aml_res_word_bus(struct aml *a, u16 min, u16 max)
{
	aml_res_word(a, 0x02, 0x00, min, max);
}

void aml_res_word_io(struct aml *a, u16 min, u16 max)
{
	aml_res_word(a, 0x01, 0x03, min, max);	/* EntireRange */
}

/* DWord address space descriptor for memory (6.4.3.5.2): read-write, non-cacheable. */
void aml_res_dword_mem(struct aml *a, u32 min, u32 max)
{
	aml_byte(a, 0x87);
	aml_le(a, 23, 2);
	aml_byte(a, 0x00);
	aml_byte(a, 0x0c);
	aml_byte(a, 0x01);
	aml_le(a, 0, 4);
	aml_le(a, min, 4);
	aml_le(a, max, 4);
	aml_le(a, 0, 4);
	aml_le(a, (u64)max - min + 1, 4);
}

/* 32-bit fixed memory range descriptor (6.4.3.4), read-write. */
void aml_res_mem32_fixed(struct aml *a, u32 base, u32 len)
{
	aml_byte(a, 0x86);
	aml_le(a, 9, 2);
	aml_byte(a, 0x01);
	aml_le(a, base, 4);
	aml_le(a, len, 4);
}

/* End tag with checksum 0, which means "no checksum" (6.4.2.9). */
void aml_res_end(struct aml *a)
{
	aml_byte(a, 0x79);
	aml_byte(a, 0x00);
}
