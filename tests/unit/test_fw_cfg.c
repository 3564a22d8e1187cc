/*
 * QEMU's fw_cfg (devices/fw_cfg.c): signature, interface ID, RAM size, CPU counts, the file
 * directory (big-endian) and a file through it, reads past an item's end, unknown keys.
 */
// unit-deps: devices/fw_cfg.c lib/string.c lib/format.c
#include "tests/unit/dev_fakes.h"

static struct vm *vm;

static void sel(u16 key)
{
	port_out(vm, 0x510, 2, key);
}

static void rd(u8 *buf, u32 n)
{
	for (u32 i = 0; i < n; i++)
		buf[i] = (u8)port_in(vm, 0x511, 1);
}

static u64 le(const u8 *p, u32 n)
{
	u64 v = 0;

	for (u32 i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static u64 be(const u8 *p, u32 n)
{
	u64 v = 0;

	for (u32 i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

int main(void)
{
	u8 b[600];
	u32 count;
	int key = -1, size = 0;

	vm = fake_vm(5ULL << 30, 3);
	CHECK_INT("create", fw_cfg_create(vm), 0);
	sel(0x0000);
	rd(b, 4);
	CHECK("signature QEMU", !memcmp(b, "QEMU", 4));
	rd(b, 4);
	CHECK("reads past the end return 0", !memcmp(b, "\0\0\0\0", 4));
	sel(0x0000);
	CHECK_INT("a 16-bit read of the data port takes two bytes", port_in(vm, 0x511, 2),
		  'Q' | 'E' << 8);
	sel(0x0001);
	rd(b, 4);
	CHECK_INT("ID: traditional interface only", le(b, 4), 1);
	sel(0x0003);
	rd(b, 8);
	CHECK_U64("RAM_SIZE", le(b, 8), 5ULL << 30);
	sel(0x0005);
	rd(b, 2);
	CHECK_INT("NB_CPUS", le(b, 2), 3);
	sel(0x000f);
	rd(b, 2);
	CHECK_INT("MAX_CPUS", le(b, 2), 3);
	CHECK_INT("the selector reads back", port_in(vm, 0x510, 2), 0x000f);
	sel(0x1234);
	rd(b, 8);
	CHECK("an unknown key is empty: zeros", !memcmp(b, "\0\0\0\0\0\0\0\0", 8));

	sel(0x0019);
	rd(b, 4);
	count = (u32)be(b, 4);
	CHECK("file directory: at least one file", count >= 1 && count < 8);
	for (u32 i = 0; i < count && i < 8; i++) {
		rd(b, 64);
		if (!strncmp((char *)b + 8, "etc/macrohard/version", 56)) {
			size = (int)be(b, 4);
			key = (int)be(b + 4, 2);
		}
	}
	CHECK("file directory: etc/macrohard/version listed", key >= 0x20 && size > 0);
	sel((u16)key);
	memset(b, 0, sizeof(b));
	rd(b, (u32)size + 4);
	CHECK("etc/macrohard/version: contents", !strncmp((char *)b, "MACROHARD ", 10) &&
	      b[size - 1] == '\n' && !b[size] && !b[size + 3]);
	port_out(vm, 0x511, 1, 0xaa);
	sel((u16)key);
	rd(b, 1);
	CHECK_INT("writes to the data port are ignored", b[0], 'M');
	fw_cfg_destroy(vm);
	fake_vm_free(vm);
	return unit_summary();
}
