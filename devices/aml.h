/*
 * A small AML writer (ACPI 6.4, chapter 20) for the DSDT devices/acpi.c generates: names,
 * integers, strings, EISA IDs, packages, buffers, Scope and Device blocks, and resource
 * descriptors (chapter 6.4).  Writes never pass the buffer's end; overflow is sticky.
 */
#ifndef DEVICES_AML_H
#define DEVICES_AML_H

#include "lib/types.h"

#define AML_MAX_DEPTH 8

struct aml {
	u8 *buf;
	u32 len;
	u32 cap;
	bool overflow;		/* something did not fit, or nesting went wrong */
	u32 open[AML_MAX_DEPTH];	/* where each open package's contents start */
	u32 depth;
};

void aml_init(struct aml *a, u8 *buf, u32 cap);
void aml_byte(struct aml *a, u8 b);
void aml_bytes(struct aml *a, const void *p, u32 n);
/* "\\_SB.PCI0", "_HID", "^FOO": a NameString (segments padded with '_'). */
void aml_name(struct aml *a, const char *path);
/* The shortest encoding: Zero, One, Ones, or a Byte/Word/DWord/QWord constant. */
void aml_integer(struct aml *a, u64 v);
void aml_string(struct aml *a, const char *s);
/* EisaId("PNP0A03"): the compressed 32-bit form. */
u32 aml_eisaid(const char *id);

/* Blocks with a PkgLength: *_begin writes the opcode and opens it, aml_end closes the last one. */
void aml_scope_begin(struct aml *a, const char *name);
void aml_device_begin(struct aml *a, const char *name);
void aml_package_begin(struct aml *a, u8 elements);
void aml_buffer_begin(struct aml *a);	/* the size operand is written by aml_end */
void aml_end(struct aml *a);
/* Name(name, ...): the object follows. */
void aml_name_begin(struct aml *a, const char *name);

/* Resource descriptors, for a buffer opened with aml_buffer_begin. */
void aml_res_io(struct aml *a, u16 base, u8 len);
void aml_res_irq(struct aml *a, u16 irq_mask);
void aml_res_word_bus(struct aml *a, u16 min, u16 max);
void aml_res_word_io(struct aml *a, u16 min, u16 max);
void aml_res_dword_mem(struct aml *a, u32 min, u32 max);
void aml_res_mem32_fixed(struct aml *a, u32 base, u32 len);
void aml_res_end(struct aml *a);

#endif
