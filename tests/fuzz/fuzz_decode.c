/*
 * libFuzzer target for the instruction decoder and the MMIO emulator: raw bytes in, decoded
 * in all three modes (never reading past the input), then emulated with dummy callbacks; the
 * decoder's results must be self-consistent and the emulator must stay within its operand.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/decode.h"
#include "arch/x86/emulate.h"
#include "lib/errno.h"

static u64 mmio_value;

static int check_size(u8 size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	return 0;
}

static int dummy_read(void *opaque, u64 addr, void *val, u8 size)
{
	if (addr != 0x1000 && addr != 0x2000)
		abort();
	(void)opaque;
	check_size(size);
	memcpy(val, &mmio_value, size);
	return (mmio_value & 0xff) == 0x42 ? -EIO : 0;	/* now and then a failing device */
}

static int dummy_write(void *opaque, u64 addr, const void *val, u8 size)
{
	u64 v = 0;

	if (addr != 0x1000 && addr != 0x2000)
		abort();
	(void)opaque;
	check_size(size);
	memcpy(&v, val, size);
	mmio_value ^= v;
	return 0;
}

static void check_insn(const struct x86_insn *i, size_t size)
{
	if (i->len < 1 || i->len > X86_INSN_MAX_LEN || i->len > size)
		abort();
	if (i->disp_size && i->disp_offset + i->disp_size > i->len)
		abort();
	if (i->imm_size && i->imm_offset + i->imm_size + i->imm2_size > i->len)
		abort();
	if ((i->op_size != 2 && i->op_size != 4 && i->op_size != 8) ||
	    (i->addr_size != 2 && i->addr_size != 4 && i->addr_size != 8))
		abort();
	if (i->mem_base < X86_REG_NONE || i->mem_base > 15 || i->mem_index < X86_REG_NONE ||
	    i->mem_index > 31 || (i->has_mem && i->mem_scale != 1 && i->mem_scale != 2 &&
				  i->mem_scale != 4 && i->mem_scale != 8))
		abort();
	if (i->reg > 31 || i->rm > 31 || i->seg < -1 || i->seg > 5)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int mode = X86_MODE_16; mode <= X86_MODE_64; mode++) {
		struct x86_insn i, j;
		int r = x86_decode(data, size, mode, &i);

		/* Every instruction is judged within 15 bytes. */
		if (r == -E2BIG && size >= X86_INSN_MAX_LEN)
			abort();
		if (r && r != -E2BIG && r != -EINVAL)
			abort();
		if (r)
			continue;
		check_insn(&i, size);
		/* The same bytes decode the same way when the input ends right after them ... */
		if (x86_decode(data, i.len, mode, &j) || j.len != i.len || memcmp(&i, &j, sizeof(i)))
			abort();
		/* ... and one byte earlier they ask for more. */
		if (x86_decode(data, i.len - 1, mode, &j) != -E2BIG)
			abort();

		u64 gpr[16], rflags = 0x202 | (data[0] & 0x8d5) | ((u64)(data[0] & 1) << 10);
		for (int k = 0; k < 16; k++)
			gpr[k] = 0x0123456789abcdefULL * (k + 1) ^ ((u64)data[k % size] << (k * 3));
		(void)x86_insn_effective_address(&i, gpr, 0xfffffffffffffff0ULL);
		if (x86_insn_segment(&i) < 0 || x86_insn_segment(&i) > 5)
			abort();

		struct x86_emul_ctx ctx = {
			.gpr = gpr, .rflags = &rflags, .addr = 0x1000,
			.read = dummy_read, .write = dummy_write,
			.mmio_is_source = data[size - 1] & 1, .other_addr = 0x2000,
			.other_read = dummy_read, .other_write = dummy_write,
		};
		u64 fixed = rflags & ~0x8d5ULL;

		mmio_value = 0x8877665544332211ULL ^ data[size / 2];
		r = x86_emulate_mmio(&i, &ctx);
		if (r && r != -ENOTSUP && r != -EIO)
			abort();
		/* Only the six status flags may change. */
		if ((rflags & ~0x8d5ULL) != fixed)
			abort();
	}
	return 0;
}
