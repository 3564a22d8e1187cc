/*
 * Bounds-checked reading of ELF32 and ELF64 executables (program headers and
 * notes) for the PVH and Multiboot loaders.
 */
#ifndef VM_ELF_H
#define VM_ELF_H

#include "lib/types.h"

#define ELF_PT_LOAD	1
#define ELF_PT_NOTE	4
#define ELF_EM_386	3
#define ELF_EM_X86_64	62
#define ELF_MAX_PHNUM	128	/* more program headers than any kernel has: refused */

struct elf_file {
	const u8 *data;
	u64 size;
	bool is64;
	u16 machine;
	u64 entry;
	u64 phoff;
	u32 phnum;
	u32 phentsize;
};

/* One program header, both classes widened to 64 bits. */
struct elf_segment {
	u32 type;
	u32 flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

/* True when data starts with the ELF magic. */
bool elf_is_elf(const void *data, u64 size);

/*
 * Validates the ELF header of an x86 executable (32- or 64-bit, little-endian,
 * ET_EXEC) and that its program header table lies inside the file.  0, or
 * -EINVAL with *why set.
 */
int elf_open(struct elf_file *f, const void *data, u64 size, const char **why);

/*
 * Program header i (< f->phnum).  Checks that the file part lies inside the file,
 * filesz <= memsz and that paddr + memsz does not wrap; 0, or -EINVAL with *why.
 */
int elf_segment(const struct elf_file *f, u32 i, struct elf_segment *seg, const char **why);

/*
 * Looks for a note of the given owner name and type in the PT_NOTE segments.
 * 1 with *desc and *desc_size set when found, 0 when absent, -EINVAL with *why when
 * a note segment is malformed.
 */
int elf_find_note(const struct elf_file *f, const char *name, u32 type, const u8 **desc,
		  u32 *desc_size, const char **why);

#endif
