/*
 * ELF executables for the PVH and Multiboot loaders (System V gABI, "ELF Header",
 * "Program Header", "Note Section").  Every field comes from a guest image and is
 * checked against the file size before use; nothing here writes guest memory.
 */
#include "vm/elf.h"
#include "lib/errno.h"
#include "lib/string.h"

#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define PHDR32_SIZE	32
#define PHDR64_SIZE	56

static u16 rd16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 rd32(const u8 *p)
{
	return (u32)rd16(p) | (u32)rd16(p + 2) << 16;
}

static u64 rd64(const u8 *p)
{
	return (u64)rd32(p) | (u64)rd32(p + 4) << 32;
}

bool elf_is_elf(const void *data, u64 size)
{
	return size >= 4 && !memcmp(data, "\x7f" "ELF", 4);
}

int elf_open(struct elf_file *f, const void *data, u64 size, const char **why)
{
	const u8 *d = data;
	u64 table;

	memset(f, 0, sizeof(*f));
	if (!elf_is_elf(data, size)) {
		*why = "not an ELF file";
		return -EINVAL;
	}
	if (size < 52) {
		*why = "ELF header truncated";
		return -EINVAL;
	}
	if (d[EI_DATA] != ELFDATA2LSB || d[EI_VERSION] != 1) {
		*why = "ELF file is not little-endian ELF version 1";
		return -EINVAL;
	}
	f->data = d;
	f->size = size;
	if (d[EI_CLASS] == ELFCLASS64) {
		if (size < 64) {
			*why = "ELF header truncated";
			return -EINVAL;
		}
		f->is64 = true;
		f->entry = rd64(d + 24);
		f->phoff = rd64(d + 32);
		f->phentsize = rd16(d + 54);
		f->phnum = rd16(d + 56);
	} else if (d[EI_CLASS] == ELFCLASS32) {
		f->entry = rd32(d + 24);
		f->phoff = rd32(d + 28);
		f->phentsize = rd16(d + 42);
		f->phnum = rd16(d + 44);
	} else {
		*why = "ELF class is neither 32- nor 64-bit";
		return -EINVAL;
	}
	f->machine = rd16(d + 18);
	if (rd16(d + 16) != ET_EXEC) {
		*why = "ELF file is not an executable (ET_EXEC)";
		return -EINVAL;
	}
	if (f->machine != ELF_EM_386 && f->machine != ELF_EM_X86_64) {
		*why = "ELF file is not for x86 (e_machine is neither EM_386 nor EM_X86_64)";
		return -EINVAL;
	}
	if (!f->phnum || f->phnum > ELF_MAX_PHNUM) {
		*why = "ELF program header count is 0 or above 128";
		return -EINVAL;
	}
	if (f->phentsize != (f->is64 ? PHDR64_SIZE : PHDR32_SIZE)) {
		*why = "ELF program header size does not match the class";
		return -EINVAL;
	}
	table = (u64)f->phnum * f->phentsize;
	if (f->phoff > size || table > size - f->phoff) {
		*why = "ELF program header table lies beyond the end of the file";
		return -EINVAL;
	}
	return 0;
}

int elf_segment(const struct elf_file *f, u32 i, struct elf_segment *s, const char **why)
{
	const u8 *p;

	if (i >= f->phnum) {
		*why = "ELF program header index out of range";
		return -EINVAL;
	}
	p = f->data + f->phoff + (u64)i * f->phentsize;
	if (f->is64) {
		s->type = rd32(p);
		s->flags = rd32(p + 4);
		s->offset = rd64(p + 8);
		s->vaddr = rd64(p + 16);
		s->paddr = rd64(p + 24);
		s->filesz = rd64(p + 32);
		s->memsz = rd64(p + 40);
		s->align = rd64(p + 48);
	} else {
		s->type = rd32(p);
		s->offset = rd32(p + 4);
		s->vaddr = rd32(p + 8);
		s->paddr = rd32(p + 12);
		s->filesz = rd32(p + 16);
		s->memsz = rd32(p + 20);
		s->flags = rd32(p + 24);
		s->align = rd32(p + 28);
	}
	if (s->type != ELF_PT_LOAD && s->type != ELF_PT_NOTE)
		return 0;
	if (s->offset > f->size || s->filesz > f->size - s->offset) {
		*why = "ELF segment lies beyond the end of the file";
		return -EINVAL;
	}
	if (s->type == ELF_PT_LOAD && s->filesz > s->memsz) {
		*why = "ELF segment has more file bytes than memory bytes";
		return -EINVAL;
	}
	if (s->paddr + s->memsz < s->paddr || s->vaddr + s->memsz < s->vaddr) {
		*why = "ELF segment address range wraps around";
		return -EINVAL;
	}
	return 0;
}

int elf_find_note(const struct elf_file *f, const char *name, u32 type, const u8 **desc,
		  u32 *desc_size, const char **why)
{
	u32 name_size = (u32)str_len(name) + 1;

	for (u32 i = 0; i < f->phnum; i++) {
		struct elf_segment s;
		u64 pos, end;
		int err = elf_segment(f, i, &s, why);

		if (err)
			return err;
		if (s.type != ELF_PT_NOTE)
			continue;
		pos = s.offset;
		end = s.offset + s.filesz;
		/* Notes: namesz, descsz, type, then name and desc, each padded to 4 bytes. */
		while (end - pos >= 12) {
			u32 nsz = rd32(f->data + pos), dsz = rd32(f->data + pos + 4);
			u32 ntype = rd32(f->data + pos + 8);
			u64 npad = ALIGN_UP((u64)nsz, 4), dpad = ALIGN_UP((u64)dsz, 4);

			pos += 12;
			if (npad > end - pos || dpad > end - pos - npad) {
				*why = "ELF note runs past the end of its segment";
				return -EINVAL;
			}
			if (ntype == type && nsz == name_size &&
			    !memcmp(f->data + pos, name, name_size)) {
				*desc = f->data + pos + npad;
				*desc_size = dsz;
				return 1;
			}
			pos += npad + dpad;
		}
	}
	return 0;
}
