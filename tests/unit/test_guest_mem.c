/* Host unit test for the guest-physical map (mm/guest_mem.c): region validation, ordering,
 * overlap and limits, lookups at boundaries, host pointers, and copies across regions. */
// unit-deps: mm/guest_mem.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/guest_mem.h"
#include "tests/unit/unit.h"

#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)

static struct guest_mem gm;

static u64 hp(const void *p)
{
	return (u64)(uintptr_t)p;
}

static void test_add_invalid(void)
{
	guest_mem_init(&gm);
	CHECK_INT("init: no regions", gm.count, 0);
	CHECK_U64("init: no RAM", gm.ram_bytes, 0);
	CHECK_INT("add: unaligned gpa", guest_mem_add(&gm, 0x800, KiB(4), GUEST_RAM, 0x1000, "r"), -EINVAL);
	CHECK_INT("add: unaligned size", guest_mem_add(&gm, 0, 0x1800, GUEST_RAM, 0x1000, "r"), -EINVAL);
	CHECK_INT("add: size 0", guest_mem_add(&gm, 0, 0, GUEST_RAM, 0x1000, "r"), -EINVAL);
	CHECK_INT("add: gpa range wraps",
		  guest_mem_add(&gm, ~0ULL - KiB(4) + 1, KiB(8), GUEST_MMIO, 0, "r"), -EINVAL);
	CHECK_INT("add: gpa range ending at 2^64",
		  guest_mem_add(&gm, ~0ULL - KiB(4) + 1, KiB(4), GUEST_MMIO, 0, "r"), -EINVAL);
	CHECK_INT("add: unknown type",
		  guest_mem_add(&gm, 0, KiB(4), (enum guest_region_type)42, 0x1000, "r"), -EINVAL);
	CHECK_INT("add: RAM with unaligned hpa", guest_mem_add(&gm, 0, KiB(4), GUEST_RAM, 0x1010, "r"),
		  -EINVAL);
	CHECK_INT("add: ROM with unaligned hpa", guest_mem_add(&gm, 0, KiB(4), GUEST_ROM, 0x10, "r"),
		  -EINVAL);
	CHECK_INT("add: RAM hpa range wraps",
		  guest_mem_add(&gm, 0, KiB(8), GUEST_RAM, ~0ULL - KiB(4) + 1, "r"), -EINVAL);
	CHECK_INT("add: RAM hpa past 2^52",
		  guest_mem_add(&gm, 0, KiB(8), GUEST_RAM, BIT(52) - KiB(4), "r"), -EINVAL);
	CHECK_INT("add: nothing added by failures", gm.count, 0);
	CHECK_INT("add: MMIO ignores hpa", guest_mem_add(&gm, MiB(1), KiB(4), GUEST_MMIO, 0x123, "m"), 0);
	CHECK_U64("add: MMIO hpa stored as 0", gm.regions[0].hpa, 0);
	CHECK_INT("add: last page below 2^64",
		  guest_mem_add(&gm, ~0ULL - KiB(8) + 1, KiB(4), GUEST_RESERVED, 0, "top"), 0);
	CHECK_INT("add: RAM up to 2^52 ok",
		  guest_mem_add(&gm, MiB(2), KiB(4), GUEST_RAM, BIT(52) - KiB(4), "r"), 0);
	CHECK_U64("add: ram_bytes counts RAM only", gm.ram_bytes, KiB(4));
}

static void test_order_overlap(void)
{
	static const u64 order[] = { 5, 1, 9, 3, 7, 0, 8, 2, 6, 4 };
	unsigned i;
	bool sorted = true;

	guest_mem_init(&gm);
	/* Ten 1 MiB regions with 1 MiB gaps, added out of order. */
	for (i = 0; i < 10; i++)
		guest_mem_add(&gm, order[i] * MiB(2), MiB(1), (order[i] & 1) ? GUEST_MMIO : GUEST_RAM,
			      MiB(64) + order[i] * MiB(1), "r");
	CHECK_INT("order: ten regions", gm.count, 10);
	for (i = 0; i < gm.count; i++)
		if (gm.regions[i].gpa != i * MiB(2))
			sorted = false;
	CHECK("order: sorted by gpa", sorted);
	CHECK_U64("order: ram_bytes", gm.ram_bytes, 5 * MiB(1));
	CHECK_U64("order: hpa kept with its region", gm.regions[2].hpa, MiB(64) + MiB(2));

	CHECK_INT("overlap: identical", guest_mem_add(&gm, MiB(2), MiB(1), GUEST_RAM, 0, "x"), -EEXIST);
	CHECK_INT("overlap: tail into a region",
		  guest_mem_add(&gm, MiB(1) + KiB(4), MiB(1), GUEST_MMIO, 0, "x"), -EEXIST);
	CHECK_INT("overlap: head into a region",
		  guest_mem_add(&gm, MiB(3) - KiB(4), KiB(8), GUEST_MMIO, 0, "x"), -EEXIST);
	CHECK_INT("overlap: inside a region", guest_mem_add(&gm, MiB(4) + KiB(4), KiB(4), GUEST_MMIO, 0, "x"),
		  -EEXIST);
	CHECK_INT("overlap: covering several", guest_mem_add(&gm, MiB(1), MiB(8), GUEST_MMIO, 0, "x"),
		  -EEXIST);
	CHECK_INT("overlap: covering everything", guest_mem_add(&gm, 0, MiB(64), GUEST_MMIO, 0, "x"),
		  -EEXIST);
	CHECK_INT("overlap: last byte of the last region",
		  guest_mem_add(&gm, MiB(19) - KiB(4), KiB(4), GUEST_MMIO, 0, "x"), -EEXIST);
	CHECK_INT("overlap: nothing added", gm.count, 10);
	CHECK_INT("adjacent: filling a gap exactly", guest_mem_add(&gm, MiB(1), MiB(1), GUEST_RAM, 0, "g"), 0);
	CHECK_INT("adjacent: right after the last", guest_mem_add(&gm, MiB(19), KiB(4), GUEST_MMIO, 0, "e"), 0);
	CHECK_U64("adjacent: inserted in place", gm.regions[1].gpa, MiB(1));
	CHECK_U64("adjacent: appended", gm.regions[gm.count - 1].gpa, MiB(19));

	/* Fill to the limit. */
	for (i = gm.count; i < GUEST_MEM_MAX_REGIONS; i++)
		if (guest_mem_add(&gm, MiB(100) + i * MiB(1), MiB(1), GUEST_MMIO, 0, "f"))
			break;
	CHECK_INT("limit: filled to GUEST_MEM_MAX_REGIONS", gm.count, GUEST_MEM_MAX_REGIONS);
	CHECK_INT("limit: one more is -ENOSPC", guest_mem_add(&gm, MiB(500), MiB(1), GUEST_MMIO, 0, "x"),
		  -ENOSPC);
	CHECK_INT("limit: overlap still -EEXIST when full",
		  guest_mem_add(&gm, 0, MiB(1), GUEST_MMIO, 0, "x"), -EEXIST);
	CHECK_INT("limit: count unchanged", gm.count, GUEST_MEM_MAX_REGIONS);
}

static void test_find(void)
{
	const struct guest_region *r;

	guest_mem_init(&gm);
	guest_mem_add(&gm, MiB(1), MiB(1), GUEST_RAM, MiB(32), "low");
	guest_mem_add(&gm, MiB(2), KiB(4), GUEST_MMIO, 0, "dev");
	guest_mem_add(&gm, MiB(4), MiB(1), GUEST_ROM, MiB(40), "rom");
	CHECK("find: below the first region", guest_mem_find(&gm, MiB(1) - 1) == NULL);
	r = guest_mem_find(&gm, MiB(1));
	CHECK("find: first byte", r && r->gpa == MiB(1));
	r = guest_mem_find(&gm, MiB(2) - 1);
	CHECK("find: last byte", r && r->gpa == MiB(1) && r->type == GUEST_RAM);
	r = guest_mem_find(&gm, MiB(2));
	CHECK("find: first byte of the adjacent region", r && r->type == GUEST_MMIO);
	CHECK("find: in a gap", guest_mem_find(&gm, MiB(3)) == NULL);
	r = guest_mem_find(&gm, MiB(5) - 1);
	CHECK("find: last byte of the last region", r && r->type == GUEST_ROM);
	CHECK("find: just past the end", guest_mem_find(&gm, MiB(5)) == NULL);
	CHECK("find: far away", guest_mem_find(&gm, ~0ULL) == NULL);
	CHECK_STR("find: name kept", guest_mem_find(&gm, MiB(4))->name, "rom");
	guest_mem_init(&gm);
	CHECK("find: empty map", guest_mem_find(&gm, 0) == NULL);
}

static void test_ptr(void)
{
	guest_mem_init(&gm);
	guest_mem_add(&gm, MiB(1), MiB(1), GUEST_RAM, MiB(32), "a");
	guest_mem_add(&gm, MiB(2), MiB(1), GUEST_RAM, MiB(48), "b");
	guest_mem_add(&gm, MiB(3), KiB(4), GUEST_MMIO, 0, "dev");
	guest_mem_add(&gm, MiB(4), KiB(64), GUEST_ROM, MiB(40), "rom");
	guest_mem_add(&gm, MiB(5), KiB(4), GUEST_RESERVED, 0, "rsv");

	CHECK_U64("ptr: start of RAM", hp(guest_mem_ptr(&gm, MiB(1), 1, true)), MiB(32));
	CHECK_U64("ptr: offset in RAM", hp(guest_mem_ptr(&gm, MiB(1) + 0x1234, 16, false)), MiB(32) + 0x1234);
	CHECK_U64("ptr: whole region", hp(guest_mem_ptr(&gm, MiB(1), MiB(1), true)), MiB(32));
	CHECK_U64("ptr: last byte", hp(guest_mem_ptr(&gm, MiB(2) - 1, 1, true)), MiB(33) - 1);
	CHECK("ptr: one byte past the region", !guest_mem_ptr(&gm, MiB(2) - 1, 2, false));
	CHECK("ptr: never into the adjacent RAM", !guest_mem_ptr(&gm, MiB(2) - 8, 16, false));
	CHECK("ptr: len 0", !guest_mem_ptr(&gm, MiB(1), 0, false));
	CHECK("ptr: len wraps", !guest_mem_ptr(&gm, MiB(1), ~0ULL, false));
	CHECK("ptr: huge len", !guest_mem_ptr(&gm, MiB(1), ~0ULL - MiB(1) + 1, false));
	CHECK("ptr: MMIO", !guest_mem_ptr(&gm, MiB(3), 4, false));
	CHECK("ptr: reserved", !guest_mem_ptr(&gm, MiB(5), 4, false));
	CHECK("ptr: hole", !guest_mem_ptr(&gm, MiB(6), 4, false));
	CHECK("ptr: below everything", !guest_mem_ptr(&gm, 0, 4, false));
	CHECK_U64("ptr: ROM read", hp(guest_mem_ptr(&gm, MiB(4) + 8, 8, false)), MiB(40) + 8);
	CHECK("ptr: ROM write refused", !guest_mem_ptr(&gm, MiB(4) + 8, 8, true));
	CHECK("ptr: ROM past its end", !guest_mem_ptr(&gm, MiB(4) + KiB(64) - 4, 8, false));
	CHECK("ptr: at the top of the address space", !guest_mem_ptr(&gm, ~0ULL, 1, false));
}

/* Copies: two adjacent RAM regions, then ROM, a hole and MMIO, backed by host buffers. */
static u8 *ram_a, *ram_b, *rom;

static void setup_copy_map(void)
{
	memset(ram_a, 0x11, KiB(8));
	memset(ram_b, 0x22, KiB(8));
	memset(rom, 0x33, KiB(8));
	guest_mem_init(&gm);
	guest_mem_add(&gm, 0x10000, KiB(8), GUEST_RAM, hp(ram_a), "a");
	guest_mem_add(&gm, 0x12000, KiB(8), GUEST_RAM, hp(ram_b), "b");
	guest_mem_add(&gm, 0x14000, KiB(4), GUEST_ROM, hp(rom), "rom");
	/* hole at 0x15000 */
	guest_mem_add(&gm, 0x16000, KiB(4), GUEST_RAM, hp(rom + KiB(4)), "c");
	guest_mem_add(&gm, 0x17000, KiB(4), GUEST_MMIO, 0, "dev");
}

static bool all(const u8 *p, u8 v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_copy(void)
{
	u8 buf[64], pattern[64];
	unsigned i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (u8)(0x80 + i);
	setup_copy_map();

	CHECK_INT("write: inside one region", guest_mem_write(&gm, 0x10100, pattern, 16), 0);
	CHECK("write: landed", memcmp(ram_a + 0x100, pattern, 16) == 0);
	CHECK("write: neighbours untouched", ram_a[0xff] == 0x11 && ram_a[0x110] == 0x11);
	memset(buf, 0, sizeof(buf));
	CHECK_INT("read: inside one region", guest_mem_read(&gm, 0x10100, buf, 16), 0);
	CHECK("read: data", memcmp(buf, pattern, 16) == 0);

	CHECK_INT("write: across adjacent RAM", guest_mem_write(&gm, 0x12000 - 24, pattern, 64), 0);
	CHECK("write across: first part", memcmp(ram_a + KiB(8) - 24, pattern, 24) == 0);
	CHECK("write across: second part", memcmp(ram_b, pattern + 24, 40) == 0);
	CHECK("write across: after", ram_b[40] == 0x22);
	memset(buf, 0, sizeof(buf));
	CHECK_INT("read: across adjacent RAM", guest_mem_read(&gm, 0x12000 - 24, buf, 64), 0);
	CHECK("read across: data", memcmp(buf, pattern, 64) == 0);

	CHECK_INT("read: RAM into ROM", guest_mem_read(&gm, 0x14000 - 8, buf, 16), 0);
	CHECK("read RAM into ROM: data", all(buf, 0x22, 8) && all(buf + 8, 0x33, 8));
	CHECK_INT("read: whole ROM", guest_mem_read(&gm, 0x14000, buf, 64), 0);

	setup_copy_map();
	CHECK_INT("write: RAM into ROM", guest_mem_write(&gm, 0x14000 - 8, pattern, 16), -EFAULT);
	CHECK("write RAM into ROM: nothing written", all(ram_b, 0x22, KiB(8)) && all(rom, 0x33, KiB(4)));
	CHECK_INT("write: into ROM", guest_mem_write(&gm, 0x14000, pattern, 1), -EFAULT);
	CHECK_INT("write: into a hole", guest_mem_write(&gm, 0x15000, pattern, 1), -EFAULT);
	CHECK_INT("write: RAM then a hole", guest_mem_write(&gm, 0x14ff8, pattern, 16), -EFAULT);
	CHECK_INT("write: RAM then MMIO", guest_mem_write(&gm, 0x17000 - 4, pattern, 8), -EFAULT);
	CHECK("write RAM then MMIO: nothing written", all(rom + KiB(4), 0x33, KiB(4)));
	CHECK_INT("write: a hole then RAM", guest_mem_write(&gm, 0x16000 - 4, pattern, 8), -EFAULT);
	CHECK_INT("write: before all regions", guest_mem_write(&gm, 0x1000, pattern, 8), -EFAULT);
	CHECK_INT("write: past the end of the map", guest_mem_write(&gm, 0x18000, pattern, 8), -EFAULT);
	CHECK_INT("write: wraps", guest_mem_write(&gm, ~0ULL - 3, pattern, 8), -EFAULT);
	CHECK("write failures: RAM unchanged", all(ram_a, 0x11, KiB(8)) && all(ram_b, 0x22, KiB(8)));

	memset(buf, 0x5a, sizeof(buf));
	CHECK_INT("read: ROM then a hole", guest_mem_read(&gm, 0x15000 - 4, buf, 8), -EFAULT);
	CHECK_INT("read: MMIO", guest_mem_read(&gm, 0x17000, buf, 4), -EFAULT);
	CHECK_INT("read: across three regions into a hole",
		  guest_mem_read(&gm, 0x10000, buf, KiB(20) + 1), -EFAULT);
	CHECK("read failures: buffer untouched", all(buf, 0x5a, sizeof(buf)));
	CHECK_INT("read: wraps", guest_mem_read(&gm, ~0ULL, buf, 2), -EFAULT);
	/* Lengths that wrap around to end inside the very region they start in. */
	CHECK_INT("read: len wraps back into the region",
		  guest_mem_read(&gm, 0x10000, buf, ~0ULL - 0x7fff), -EFAULT);
	CHECK_INT("write: len wraps back into the region",
		  guest_mem_write(&gm, 0x10000, pattern, ~0ULL - 0x7fff), -EFAULT);

	CHECK_INT("read: len 0", guest_mem_read(&gm, 0x99999000, buf, 0), 0);
	CHECK_INT("write: len 0", guest_mem_write(&gm, 0x99999000, buf, 0), 0);

	/* Exactly the span of the two adjacent RAM regions, and one byte more. */
	{
		u8 *big = malloc(KiB(16) + 1);

		memset(big, 0x77, KiB(16) + 1);
		CHECK_INT("write: exactly two regions", guest_mem_write(&gm, 0x10000, big, KiB(16)), 0);
		CHECK("write two regions: all of both", all(ram_a, 0x77, KiB(8)) && all(ram_b, 0x77, KiB(8)));
		CHECK_INT("write: two regions into ROM", guest_mem_write(&gm, 0x10000, big, KiB(16) + 1), -EFAULT);
		free(big);
	}
}

int main(void)
{
	ram_a = aligned_alloc(4096, KiB(8));
	ram_b = aligned_alloc(4096, KiB(8));
	rom = aligned_alloc(4096, KiB(8));
	test_add_invalid();
	test_order_overlap();
	test_find();
	test_ptr();
	test_copy();
	free(ram_a);
	free(ram_b);
	free(rom);
	return unit_summary();
}
