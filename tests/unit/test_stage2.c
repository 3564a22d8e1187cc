/* Host unit test for the stage-2 builder (mm/stage2.c): exact EPT and NPT bit layouts, large-page
 * selection, splitting, unmapping, leak and out-of-memory behaviour, and a model cross-check. */
// unit-deps: mm/stage2.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/stage2.h"
#include "tests/unit/unit.h"

/* ------------------------------------------------------------------ fake page allocator */

/* Table pages come from a pool of host pages; their host addresses are the "physical" ones. */
#define POOL_PAGES 4096

static unsigned char *pool;
static bool pool_used[POOL_PAGES];
static long outstanding;	/* pages handed out and not given back */
static long allocs;		/* successful allocations since reset */
static long alloc_limit = -1;	/* fail once allocs reaches this; -1 = never */
static long bad_frees;		/* frees of pages not from the pool or not in use */

static u64 fake_alloc(void *ctx)
{
	long i;

	(void)ctx;
	if (alloc_limit >= 0 && allocs >= alloc_limit)
		return 0;
	for (i = 0; i < POOL_PAGES; i++) {
		if (pool_used[i])
			continue;
		pool_used[i] = true;
		memset(pool + i * 4096, 0, 4096);
		outstanding++;
		allocs++;
		return (u64)(uintptr_t)(pool + i * 4096);
	}
	return 0;
}

static void fake_free(void *ctx, u64 addr)
{
	uintptr_t p = (uintptr_t)addr, base = (uintptr_t)pool;
	long i;

	(void)ctx;
	if (p < base || p >= base + (uintptr_t)POOL_PAGES * 4096 || (p - base) % 4096) {
		bad_frees++;
		return;
	}
	i = (long)((p - base) / 4096);
	if (!pool_used[i]) {
		bad_frees++;
		return;
	}
	pool_used[i] = false;
	/* Poison, so a table used after it was freed shows up as garbage. */
	memset(pool + i * 4096, 0xa5, 4096);
	outstanding--;
}

static const struct stage2_allocator fake = { fake_alloc, fake_free, NULL };

static void reset_alloc(long limit)
{
	allocs = 0;
	alloc_limit = limit;
}

static const u64 *tbl(u64 pa)
{
	return (const u64 *)(uintptr_t)pa;
}

static u64 *tbl_rw(u64 pa)
{
	return (u64 *)(uintptr_t)pa;
}

#define ADDR(e) ((e) & 0x000ffffffffff000ULL)
#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

/* The entry for gpa at level (3 = PML4 ... 0 = PT), following table entries from the root. */
static u64 entry_at(const struct stage2 *s2, u64 gpa, int level)
{
	u64 pa = s2->root;
	int l;

	for (l = 3; l > level; l--) {
		u64 e = tbl(pa)[(gpa >> (12 + 9 * l)) & 511];

		if (!(e & 7))
			return 0;
		pa = ADDR(e);
	}
	return tbl(pa)[(gpa >> (12 + 9 * level)) & 511];
}

static char name[256];

static const char *nm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *nm(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return name;
}

/* ------------------------------------------------------------------ init and arguments */

static void test_init(void)
{
	struct stage2 s2;
	struct stage2_allocator no_free = { fake_alloc, NULL, NULL };

	reset_alloc(-1);
	CHECK_INT("init: NULL allocator", stage2_init(&s2, STAGE2_EPT, 0, NULL), -EINVAL);
	CHECK_INT("init: allocator without free", stage2_init(&s2, STAGE2_EPT, 0, &no_free), -EINVAL);
	CHECK_INT("init: bad format", stage2_init(&s2, (enum stage2_format)7, 0, &fake), -EINVAL);
	CHECK_INT("init: unknown flag", stage2_init(&s2, STAGE2_EPT, BIT(9), &fake), -EINVAL);
	CHECK_INT("init: EPT A/D with NPT", stage2_init(&s2, STAGE2_NPT, STAGE2_EPT_AD, &fake),
		  -EINVAL);
	CHECK_INT("init: nothing allocated by failed inits", outstanding, 0);

	reset_alloc(0);
	CHECK_INT("init: no page for the root", stage2_init(&s2, STAGE2_NPT, 0, &fake), -ENOMEM);
	CHECK_INT("init: -ENOMEM leaves nothing allocated", outstanding, 0);

	reset_alloc(-1);
	CHECK_INT("init: EPT ok", stage2_init(&s2, STAGE2_EPT, STAGE2_ALLOW_2M, &fake), 0);
	CHECK_U64("init: one table page", s2.table_pages, 1);
	CHECK("init: root page-aligned and non-zero", s2.root && !(s2.root & 0xfff));
	CHECK_U64("init: counters zero", s2.mapped_4k + s2.mapped_2m + s2.mapped_1g, 0);
	CHECK_INT("init: lookup in empty tables", stage2_lookup(&s2, 0, NULL, NULL, NULL), -ENOENT);
	stage2_destroy(&s2);
	CHECK_INT("init: destroy frees the root", outstanding, 0);
	CHECK_U64("init: destroy clears root", s2.root, 0);
	stage2_destroy(&s2);	/* twice is harmless */
	CHECK_INT("init: second destroy frees nothing", bad_frees, 0);
	CHECK_INT("map after destroy", stage2_map(&s2, 0, 0, KiB(4), STAGE2_RWX), -EINVAL);
}

static void test_invalid_args(enum stage2_format fmt, const char *f)
{
	struct stage2 s2;
	const u64 top = BIT(48), hpa_top = BIT(52);

	reset_alloc(-1);
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	CHECK_INT(nm("%s: unaligned gpa", f), stage2_map(&s2, 0x1800, 0x2000, KiB(4), STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: unaligned hpa", f), stage2_map(&s2, 0x1000, 0x2010, KiB(4), STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: unaligned size", f), stage2_map(&s2, 0x1000, 0x2000, 100, STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: size 0", f), stage2_map(&s2, 0x1000, 0x2000, 0, STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: gpa + size past 2^48", f),
		  stage2_map(&s2, top - KiB(4), 0x2000, KiB(8), STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: gpa at 2^48", f), stage2_map(&s2, top, 0x2000, KiB(4), STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: gpa + size wraps", f),
		  stage2_map(&s2, ~0ULL - KiB(4) + 1, 0, KiB(8), STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: hpa + size past 2^52", f),
		  stage2_map(&s2, 0, hpa_top - KiB(4), KiB(8), STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: hpa + size wraps", f),
		  stage2_map(&s2, 0, ~0ULL - KiB(4) + 1, KiB(8), STAGE2_RWX), -EINVAL);
	CHECK_INT(nm("%s: unknown perm bit", f), stage2_map(&s2, 0, 0, KiB(4), BIT(3)), -EINVAL);
	CHECK_INT(nm("%s: unmap unaligned", f), stage2_unmap(&s2, 0x10, KiB(4)), -EINVAL);
	CHECK_INT(nm("%s: unmap size 0", f), stage2_unmap(&s2, 0, 0), -EINVAL);
	CHECK_INT(nm("%s: unmap past 2^48", f), stage2_unmap(&s2, top - KiB(4), KiB(8)), -EINVAL);
	CHECK_INT(nm("%s: rejected calls allocate nothing", f), outstanding, 1);
	CHECK_INT(nm("%s: last page below 2^48 and 2^52", f),
		  stage2_map(&s2, top - KiB(4), hpa_top - KiB(4), KiB(4), STAGE2_RWX), 0);
	u64 hpa = 0;
	CHECK_INT(nm("%s: lookup of the last page", f),
		  stage2_lookup(&s2, top - 1, &hpa, NULL, NULL), 0);
	CHECK_U64(nm("%s: last page hpa", f), hpa, hpa_top - 1);
	CHECK_INT(nm("%s: lookup at 2^48", f), stage2_lookup(&s2, top, &hpa, NULL, NULL), -ENOENT);
	stage2_destroy(&s2);
	CHECK_INT(nm("%s: no leak", f), outstanding, 0);
}

/* ------------------------------------------------------------------ bit layouts */

static void test_ept_layout(void)
{
	struct stage2 s2;
	u64 e, hpa;
	u32 perms;
	u64 size;

	reset_alloc(-1);
	stage2_init(&s2, STAGE2_EPT, 0, &fake);
	CHECK_INT("ept: map 4K RWX", stage2_map(&s2, 0x1000, 0x123456000ULL, KiB(4), STAGE2_RWX), 0);
	CHECK_U64("ept: PML4E is table|RWX (7)", tbl(s2.root)[0] & 0xfff0000000000fffULL, 7);
	e = entry_at(&s2, 0x1000, 2);
	CHECK_U64("ept: PDPTE flags exactly 7", e & ~ADDR(e), 7);
	e = entry_at(&s2, 0x1000, 1);
	CHECK_U64("ept: PDE flags exactly 7", e & ~ADDR(e), 7);
	CHECK_U64("ept: 4K RWX leaf == hpa|0x37", entry_at(&s2, 0x1000, 0), 0x123456000ULL | 0x37);
	CHECK_U64("ept: neighbour untouched", entry_at(&s2, 0x2000, 0), 0);
	CHECK_U64("ept: 4 table pages", s2.table_pages, 4);
	CHECK_U64("ept: mapped_4k 1", s2.mapped_4k, 1);

	stage2_map(&s2, 0x2000, 0x5000, KiB(4), STAGE2_R);
	CHECK_U64("ept: R leaf == hpa|0x31", entry_at(&s2, 0x2000, 0), 0x5000 | 0x31);
	stage2_map(&s2, 0x3000, 0x6000, KiB(4), STAGE2_R | STAGE2_W);
	CHECK_U64("ept: RW leaf == hpa|0x33", entry_at(&s2, 0x3000, 0), 0x6000 | 0x33);
	stage2_map(&s2, 0x4000, 0x7000, KiB(4), STAGE2_R | STAGE2_X);
	CHECK_U64("ept: RX leaf == hpa|0x35", entry_at(&s2, 0x4000, 0), 0x7000 | 0x35);
	CHECK_INT("ept: execute-only accepted", stage2_map(&s2, 0x5000, 0x8000, KiB(4), STAGE2_X), 0);
	CHECK_U64("ept: X leaf == hpa|0x34", entry_at(&s2, 0x5000, 0), 0x8000 | 0x34);
	CHECK_INT("ept: W without R rejected", stage2_map(&s2, 0x6000, 0x9000, KiB(4), STAGE2_W), -EINVAL);
	CHECK_INT("ept: WX without R rejected",
		  stage2_map(&s2, 0x6000, 0x9000, KiB(4), STAGE2_W | STAGE2_X), -EINVAL);
	CHECK_U64("ept: rejected map wrote nothing", entry_at(&s2, 0x6000, 0), 0);
	CHECK_U64("ept: 5 leaves", s2.mapped_4k, 5);

	CHECK_INT("ept: lookup RX", stage2_lookup(&s2, 0x4abc, &hpa, &perms, &size), 0);
	CHECK_U64("ept: lookup RX hpa", hpa, 0x7abc);
	CHECK_U64("ept: lookup RX perms", perms, STAGE2_R | STAGE2_X);
	CHECK_U64("ept: lookup RX size", size, KiB(4));
	stage2_lookup(&s2, 0x5000, &hpa, &perms, &size);
	CHECK_U64("ept: lookup X-only perms", perms, STAGE2_X);

	CHECK_INT("ept: perms 0 unmaps", stage2_map(&s2, 0x1000, 0x123456000ULL, KiB(4), 0), 0);
	CHECK_U64("ept: perms 0 entry is 0", entry_at(&s2, 0x1000, 0), 0);
	CHECK_INT("ept: perms 0 lookup", stage2_lookup(&s2, 0x1000, NULL, NULL, NULL), -ENOENT);
	CHECK_U64("ept: 4 leaves after perms 0", s2.mapped_4k, 4);
	stage2_destroy(&s2);
	CHECK_INT("ept layout: no leak", outstanding, 0);

	/* Large leaves: bit 7 set, memory type WB, IPAT clear. */
	stage2_init(&s2, STAGE2_EPT, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	stage2_map(&s2, MiB(2), GiB(1), MiB(2), STAGE2_RWX);
	CHECK_U64("ept: 2M leaf == hpa|0xb7", entry_at(&s2, MiB(2), 1), GiB(1) | 0xb7);
	stage2_map(&s2, GiB(3), GiB(7), GiB(1), STAGE2_R | STAGE2_W);
	CHECK_U64("ept: 1G RW leaf == hpa|0xb3", entry_at(&s2, GiB(3), 2), GiB(7) | 0xb3);
	CHECK_U64("ept: 2M + 1G: 3 table pages", s2.table_pages, 3);
	CHECK_U64("ept: mapped_2m", s2.mapped_2m, 1);
	CHECK_U64("ept: mapped_1g", s2.mapped_1g, 1);
	CHECK_INT("ept: lookup inside 1G", stage2_lookup(&s2, GiB(3) + 0x12345678, &hpa, &perms, &size), 0);
	CHECK_U64("ept: 1G hpa keeps the offset", hpa, GiB(7) + 0x12345678);
	CHECK_U64("ept: 1G size", size, GiB(1));
	CHECK_U64("ept: 1G perms", perms, STAGE2_R | STAGE2_W);
	stage2_lookup(&s2, MiB(2) + 0x1fffff, &hpa, &perms, &size);
	CHECK_U64("ept: 2M hpa keeps the offset", hpa, GiB(1) + 0x1fffff);
	CHECK_U64("ept: 2M size", size, MiB(2));

	CHECK_U64("ept: EPTP = root|WB|walk 4", stage2_pointer(&s2), s2.root | 0x1e);
	stage2_destroy(&s2);
	stage2_init(&s2, STAGE2_EPT, STAGE2_EPT_AD, &fake);
	CHECK_U64("ept: EPTP with A/D = root|0x5e", stage2_pointer(&s2), s2.root | 0x5e);
	stage2_destroy(&s2);
	CHECK_INT("ept large: no leak", outstanding, 0);
}

static void test_npt_layout(void)
{
	struct stage2 s2;
	const u64 nx = BIT(63);
	u64 e, hpa;
	u32 perms;
	u64 size;

	reset_alloc(-1);
	stage2_init(&s2, STAGE2_NPT, 0, &fake);
	CHECK_INT("npt: map 4K RWX", stage2_map(&s2, 0x1000, 0x123456000ULL, KiB(4), STAGE2_RWX), 0);
	CHECK_U64("npt: 4K RWX leaf == hpa|0x7", entry_at(&s2, 0x1000, 0), 0x123456000ULL | 0x7);
	e = tbl(s2.root)[0];
	CHECK_U64("npt: PML4E flags exactly P|RW|US", e & ~ADDR(e), 7);
	e = entry_at(&s2, 0x1000, 2);
	CHECK_U64("npt: PDPTE flags exactly P|RW|US", e & ~ADDR(e), 7);
	e = entry_at(&s2, 0x1000, 1);
	CHECK_U64("npt: PDE flags exactly P|RW|US", e & ~ADDR(e), 7);

	stage2_map(&s2, 0x2000, 0x5000, KiB(4), STAGE2_R | STAGE2_W);
	CHECK_U64("npt: RW leaf == hpa|0x7|NX", entry_at(&s2, 0x2000, 0), 0x5000 | 7 | nx);
	stage2_map(&s2, 0x3000, 0x6000, KiB(4), STAGE2_R);
	CHECK_U64("npt: R leaf == hpa|0x5|NX", entry_at(&s2, 0x3000, 0), 0x6000 | 5 | nx);
	stage2_map(&s2, 0x4000, 0x7000, KiB(4), STAGE2_R | STAGE2_X);
	CHECK_U64("npt: RX leaf == hpa|0x5", entry_at(&s2, 0x4000, 0), 0x7000 | 5);
	CHECK_U64("npt: 4 leaves", s2.mapped_4k, 4);

	stage2_lookup(&s2, 0x2010, &hpa, &perms, &size);
	CHECK_U64("npt: lookup RW perms", perms, STAGE2_R | STAGE2_W);
	CHECK_U64("npt: lookup RW hpa", hpa, 0x5010);
	stage2_lookup(&s2, 0x1000, &hpa, &perms, &size);
	CHECK_U64("npt: lookup RWX perms", perms, STAGE2_RWX);
	stage2_lookup(&s2, 0x3000, &hpa, &perms, &size);
	CHECK_U64("npt: lookup R perms", perms, STAGE2_R);

	/* No read permission cannot be expressed: the page becomes not present. */
	CHECK_INT("npt: W-only maps as not present", stage2_map(&s2, 0x2000, 0x5000, KiB(4), STAGE2_W), 0);
	CHECK_U64("npt: W-only entry is 0", entry_at(&s2, 0x2000, 0), 0);
	CHECK_INT("npt: X-only maps as not present", stage2_map(&s2, 0x4000, 0x7000, KiB(4), STAGE2_X), 0);
	CHECK_INT("npt: X-only lookup", stage2_lookup(&s2, 0x4000, NULL, NULL, NULL), -ENOENT);
	CHECK_INT("npt: perms 0 unmaps", stage2_map(&s2, 0x3000, 0x6000, KiB(4), 0), 0);
	CHECK_U64("npt: 1 leaf left", s2.mapped_4k, 1);
	CHECK_INT("npt: W-only on empty space", stage2_map(&s2, GiB(5), 0, MiB(4), STAGE2_W), 0);
	CHECK_U64("npt: W-only on empty space allocates nothing", s2.table_pages, 4);
	stage2_destroy(&s2);

	stage2_init(&s2, STAGE2_NPT, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	stage2_map(&s2, MiB(4), MiB(8), MiB(2), STAGE2_RWX);
	CHECK_U64("npt: 2M leaf == hpa|0x87", entry_at(&s2, MiB(4), 1), MiB(8) | 0x87);
	stage2_map(&s2, GiB(1), GiB(2), GiB(1), STAGE2_R);
	CHECK_U64("npt: 1G R leaf == hpa|0x85|NX", entry_at(&s2, GiB(1), 2), GiB(2) | 0x85 | nx);
	CHECK_U64("npt: nCR3 == root", stage2_pointer(&s2), s2.root);
	stage2_lookup(&s2, GiB(1) + 0x3fffffff, &hpa, &perms, &size);
	CHECK_U64("npt: 1G lookup hpa", hpa, GiB(2) + 0x3fffffff);
	CHECK_U64("npt: 1G lookup perms", perms, STAGE2_R);
	stage2_destroy(&s2);
	CHECK_INT("npt layout: no leak", outstanding, 0);
}

/* ------------------------------------------------------------------ large-page selection */

static void test_selection(enum stage2_format fmt, const char *f)
{
	struct stage2 s2;
	u64 hpa, size;

	reset_alloc(-1);
	/* 1 GiB aligned on both sides, both sizes allowed: one 1G leaf. */
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	stage2_map(&s2, GiB(2), GiB(4), GiB(1), STAGE2_RWX);
	CHECK_U64(nm("%s: aligned 1G -> one 1G leaf", f), s2.mapped_1g, 1);
	CHECK_U64(nm("%s: aligned 1G -> no 2M/4K", f), s2.mapped_2m + s2.mapped_4k, 0);
	stage2_destroy(&s2);

	/* Only 2M allowed: 512 2M leaves. */
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M, &fake);
	stage2_map(&s2, GiB(2), GiB(4), GiB(1), STAGE2_RWX);
	CHECK_U64(nm("%s: 1G without ALLOW_1G -> 512 2M", f), s2.mapped_2m, 512);
	CHECK_U64(nm("%s: 1G without ALLOW_1G -> no 1G", f), s2.mapped_1g, 0);
	CHECK_U64(nm("%s: 1G without ALLOW_1G -> 3 tables", f), s2.table_pages, 3);
	stage2_destroy(&s2);

	/* Nothing allowed: 4K leaves. */
	stage2_init(&s2, fmt, 0, &fake);
	stage2_map(&s2, MiB(2), MiB(4), MiB(2), STAGE2_RWX);
	CHECK_U64(nm("%s: 2M without ALLOW_2M -> 512 4K", f), s2.mapped_4k, 512);
	CHECK_U64(nm("%s: 2M without ALLOW_2M -> no 2M", f), s2.mapped_2m, 0);
	stage2_destroy(&s2);

	/* gpa aligned but hpa only 4K aligned: 4K leaves. */
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	stage2_map(&s2, GiB(1), GiB(1) + KiB(4), GiB(1), STAGE2_RWX);
	CHECK_U64(nm("%s: misaligned hpa -> 4K only", f), s2.mapped_4k, 262144);
	CHECK_U64(nm("%s: misaligned hpa -> no large", f), s2.mapped_2m + s2.mapped_1g, 0);
	stage2_lookup(&s2, GiB(2) - 1, &hpa, NULL, &size);
	CHECK_U64(nm("%s: misaligned hpa: last byte", f), hpa, GiB(2) + KiB(4) - 1);
	CHECK_U64(nm("%s: misaligned hpa: tables", f), s2.table_pages, 3 + 512);
	stage2_destroy(&s2);

	/* hpa 2M aligned but not 1G aligned: 2M leaves. */
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	stage2_map(&s2, GiB(1), GiB(1) + MiB(2), GiB(1), STAGE2_RWX);
	CHECK_U64(nm("%s: 2M-aligned hpa -> 2M leaves", f), s2.mapped_2m, 512);
	CHECK_U64(nm("%s: 2M-aligned hpa -> no 1G", f), s2.mapped_1g, 0);
	stage2_destroy(&s2);

	/* A range with ragged ends: 4K, then 2M, 1G, 2M ..., then 4K. */
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	CHECK_INT(nm("%s: ragged range", f),
		  stage2_map(&s2, GiB(1) - MiB(2) - KiB(4), GiB(9) - MiB(2) - KiB(4),
			     GiB(1) + MiB(4) + KiB(8), STAGE2_RWX), 0);
	CHECK_U64(nm("%s: ragged: 4K leaves", f), s2.mapped_4k, 2);
	CHECK_U64(nm("%s: ragged: 2M leaves", f), s2.mapped_2m, 2);
	CHECK_U64(nm("%s: ragged: 1G leaves", f), s2.mapped_1g, 1);
	stage2_lookup(&s2, GiB(1) - MiB(2) - KiB(4), &hpa, NULL, &size);
	CHECK_U64(nm("%s: ragged: first page 4K", f), size, KiB(4));
	stage2_lookup(&s2, GiB(1) - MiB(2), &hpa, NULL, &size);
	CHECK_U64(nm("%s: ragged: then 2M", f), size, MiB(2));
	CHECK_U64(nm("%s: ragged: 2M hpa", f), hpa, GiB(9) - MiB(2));
	stage2_lookup(&s2, GiB(1) + 12345, &hpa, NULL, &size);
	CHECK_U64(nm("%s: ragged: then 1G", f), size, GiB(1));
	CHECK_U64(nm("%s: ragged: 1G hpa", f), hpa, GiB(9) + 12345);
	stage2_lookup(&s2, GiB(2) + MiB(2) + 5, &hpa, NULL, &size);
	CHECK_U64(nm("%s: ragged: last page 4K", f), size, KiB(4));
	CHECK_U64(nm("%s: ragged: last hpa", f), hpa, GiB(10) + MiB(2) + 5);
	CHECK_INT(nm("%s: ragged: past the end unmapped", f),
		  stage2_lookup(&s2, GiB(2) + MiB(2) + KiB(4), NULL, NULL, NULL), -ENOENT);
	CHECK_INT(nm("%s: ragged: before the start unmapped", f),
		  stage2_lookup(&s2, GiB(1) - MiB(2) - KiB(8), NULL, NULL, NULL), -ENOENT);
	stage2_destroy(&s2);
	CHECK_INT(nm("%s: selection: no leak", f), outstanding, 0);
}

/* ------------------------------------------------------------------ splitting and replacing */

static void test_split(enum stage2_format fmt, const char *f)
{
	struct stage2 s2;
	const u64 g = GiB(1), h = GiB(4), hole = GiB(1) + 0x12345000ULL;
	u64 off, hpa, size, bad = 0, bad_size = 0, big = 0;
	u32 perms;
	long before;

	reset_alloc(-1);
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	stage2_map(&s2, g, h, GiB(1), STAGE2_RWX);
	CHECK_U64(nm("%s: split: starts as 1G", f), s2.mapped_1g, 1);
	CHECK_INT(nm("%s: split: remap one 4K page", f),
		  stage2_map(&s2, hole, 0x999000, KiB(4), STAGE2_R), 0);
	stage2_lookup(&s2, hole + 0x10, &hpa, &perms, &size);
	CHECK_U64(nm("%s: split: new page hpa", f), hpa, 0x999010);
	CHECK_U64(nm("%s: split: new page perms", f), perms, STAGE2_R);
	CHECK_U64(nm("%s: split: new page size", f), size, KiB(4));
	for (off = 0; off < GiB(1); off += KiB(4)) {
		if (g + off == hole)
			continue;
		if (stage2_lookup(&s2, g + off, &hpa, &perms, &size) || hpa != h + off ||
		    perms != STAGE2_RWX)
			bad++;
		/* Only the 2M block holding the hole is split down to 4K. */
		if ((off >> 21) == ((hole - g) >> 21) ? size != KiB(4) : size != MiB(2))
			bad_size++;
		if (size == MiB(2))
			big++;
	}
	CHECK_U64(nm("%s: split: every other page unchanged", f), bad, 0);
	CHECK_U64(nm("%s: split: page sizes after the split", f), bad_size, 0);
	CHECK_U64(nm("%s: split: 511 2M blocks remain", f), big / 512, 511);
	CHECK_U64(nm("%s: split: counters 4K", f), s2.mapped_4k, 512);
	CHECK_U64(nm("%s: split: counters 2M", f), s2.mapped_2m, 511);
	CHECK_U64(nm("%s: split: counters 1G", f), s2.mapped_1g, 0);
	CHECK_U64(nm("%s: split: 4 table pages", f), s2.table_pages, 4);
	CHECK_INT(nm("%s: split: allocator agrees", f), outstanding, 4);

	/* Mapping the whole 1G again frees the PD and the PT below it. */
	before = outstanding;
	stage2_map(&s2, g, h, GiB(1), STAGE2_RWX);
	CHECK_U64(nm("%s: replace: back to one 1G leaf", f), s2.mapped_1g, 1);
	CHECK_U64(nm("%s: replace: 4K count 0", f), s2.mapped_4k, 0);
	CHECK_U64(nm("%s: replace: 2M count 0", f), s2.mapped_2m, 0);
	CHECK_INT(nm("%s: replace: PD and PT freed", f), before - outstanding, 2);
	CHECK_U64(nm("%s: replace: table_pages", f), s2.table_pages, 2);
	CHECK_INT(nm("%s: replace: no bad frees", f), bad_frees, 0);
	stage2_lookup(&s2, hole, &hpa, &perms, &size);
	CHECK_U64(nm("%s: replace: hole restored", f), hpa, h + (hole - g));

	/* A 2M leaf over a PT. */
	stage2_unmap(&s2, g, GiB(1));
	stage2_map(&s2, MiB(2), MiB(2), KiB(4), STAGE2_RWX);
	stage2_map(&s2, MiB(2) + KiB(8), MiB(2) + KiB(8), KiB(4), STAGE2_RWX);
	before = outstanding;
	stage2_map(&s2, MiB(2), MiB(6), MiB(2), STAGE2_R);
	CHECK_INT(nm("%s: 2M over a PT frees it", f), before - outstanding, 1);
	CHECK_U64(nm("%s: 2M over a PT: counters", f), s2.mapped_4k * 1000 + s2.mapped_2m, 1);
	stage2_lookup(&s2, MiB(2) + KiB(8), &hpa, &perms, &size);
	CHECK_U64(nm("%s: 2M over a PT: lookup", f), hpa, MiB(6) + KiB(8));
	stage2_destroy(&s2);
	CHECK_INT(nm("%s: split: no leak", f), outstanding, 0);
	CHECK_INT(nm("%s: split: no bad frees", f), bad_frees, 0);
}

/* Accessed/dirty bits of a large leaf are inherited by the leaves it is split into. */
static void test_split_keeps_ad(void)
{
	struct stage2 s2;
	u64 *pd;
	u64 e;

	reset_alloc(-1);
	stage2_init(&s2, STAGE2_EPT, STAGE2_ALLOW_2M | STAGE2_EPT_AD, &fake);
	stage2_map(&s2, MiB(2), MiB(4), MiB(2), STAGE2_RWX);
	pd = tbl_rw(ADDR(tbl(ADDR(tbl(s2.root)[0]))[0]));
	pd[1] |= BIT(8) | BIT(9);	/* as the processor would */
	stage2_map(&s2, MiB(2), 0x7000, KiB(4), STAGE2_RWX);
	e = entry_at(&s2, MiB(2) + KiB(4), 0);
	CHECK_U64("ept split: child keeps A and D", e, (MiB(4) + KiB(4)) | 0x37 | BIT(8) | BIT(9));
	CHECK_U64("ept split: remapped page is fresh", entry_at(&s2, MiB(2), 0), 0x7000 | 0x37);
	stage2_destroy(&s2);
}

/* ------------------------------------------------------------------ unmapping */

static void test_unmap(enum stage2_format fmt, const char *f)
{
	struct stage2 s2;
	u64 hpa, size;
	u32 perms;

	reset_alloc(-1);
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	stage2_map(&s2, 0, 0, MiB(4), STAGE2_RWX);
	CHECK_U64(nm("%s: unmap: two 2M leaves", f), s2.mapped_2m, 2);
	CHECK_INT(nm("%s: unmap 4K inside 2M", f), stage2_unmap(&s2, MiB(1), KiB(4)), 0);
	CHECK_INT(nm("%s: unmap: page gone", f), stage2_lookup(&s2, MiB(1), NULL, NULL, NULL), -ENOENT);
	CHECK_INT(nm("%s: unmap: page below kept", f),
		  stage2_lookup(&s2, MiB(1) - KiB(4), &hpa, &perms, &size), 0);
	CHECK_U64(nm("%s: unmap: page below hpa", f), hpa, MiB(1) - KiB(4));
	CHECK_U64(nm("%s: unmap: page below perms", f), perms, STAGE2_RWX);
	CHECK_INT(nm("%s: unmap: page above kept", f),
		  stage2_lookup(&s2, MiB(1) + KiB(4), &hpa, NULL, NULL), 0);
	CHECK_U64(nm("%s: unmap: page above hpa", f), hpa, MiB(1) + KiB(4));
	CHECK_U64(nm("%s: unmap: counters", f), s2.mapped_4k * 10 + s2.mapped_2m, 5110 + 1);
	stage2_lookup(&s2, MiB(3), NULL, NULL, &size);
	CHECK_U64(nm("%s: unmap: other 2M untouched", f), size, MiB(2));

	/* Unmapping something not mapped allocates nothing. */
	long before = outstanding;
	CHECK_INT(nm("%s: unmap of nothing", f), stage2_unmap(&s2, GiB(100), GiB(3)), 0);
	CHECK_INT(nm("%s: unmap of nothing allocates nothing", f), outstanding, before);

	/* Unmapping everything frees every table but the root. */
	CHECK_INT(nm("%s: unmap all", f), stage2_unmap(&s2, 0, MiB(4)), 0);
	CHECK_U64(nm("%s: unmap all: counters", f), s2.mapped_4k + s2.mapped_2m + s2.mapped_1g, 0);
	CHECK_U64(nm("%s: unmap all: only the root left", f), s2.table_pages, 1);
	CHECK_INT(nm("%s: unmap all: allocator agrees", f), outstanding, 1);
	CHECK_U64(nm("%s: unmap all: root empty", f), tbl(s2.root)[0], 0);

	/* 1G unmapped in the middle of a 3G range of 1G leaves. */
	stage2_map(&s2, GiB(1), GiB(1), GiB(3), STAGE2_RWX);
	stage2_unmap(&s2, GiB(2), GiB(1));
	CHECK_U64(nm("%s: unmap 1G: two left", f), s2.mapped_1g, 2);
	CHECK_INT(nm("%s: unmap 1G: gone", f), stage2_lookup(&s2, GiB(2) + 5, NULL, NULL, NULL), -ENOENT);
	CHECK_INT(nm("%s: unmap 1G: next kept", f), stage2_lookup(&s2, GiB(3), NULL, NULL, NULL), 0);
	stage2_destroy(&s2);
	CHECK_INT(nm("%s: unmap: no leak", f), outstanding, 0);
}

/* ------------------------------------------------------------------ out of memory */

static void test_enomem(enum stage2_format fmt, const char *f)
{
	struct stage2 s2;
	u64 size;

	/* Root only: the first map needs a PDPT, PD and PT. */
	reset_alloc(3);
	stage2_init(&s2, fmt, 0, &fake);
	CHECK_INT(nm("%s: enomem: first map", f), stage2_map(&s2, 0, 0, KiB(4), STAGE2_RWX), -ENOMEM);
	CHECK_INT(nm("%s: enomem: nothing mapped", f), stage2_lookup(&s2, 0, NULL, NULL, NULL), -ENOENT);
	CHECK_U64(nm("%s: enomem: table_pages == outstanding", f), s2.table_pages, (u64)outstanding);
	CHECK_U64(nm("%s: enomem: counters 0", f), s2.mapped_4k, 0);
	stage2_destroy(&s2);
	CHECK_INT(nm("%s: enomem: no leak", f), outstanding, 0);

	/* Midway: room for the first PT of a 4 MiB range but not the second. */
	reset_alloc(4);
	stage2_init(&s2, fmt, 0, &fake);
	CHECK_INT(nm("%s: enomem midway", f), stage2_map(&s2, 0, GiB(2), MiB(4), STAGE2_RWX), -ENOMEM);
	CHECK_U64(nm("%s: enomem midway: first 2M mapped", f), s2.mapped_4k, 512);
	CHECK_INT(nm("%s: enomem midway: first page", f), stage2_lookup(&s2, 0, NULL, NULL, NULL), 0);
	CHECK_INT(nm("%s: enomem midway: last page not", f),
		  stage2_lookup(&s2, MiB(4) - KiB(4), NULL, NULL, NULL), -ENOENT);
	CHECK_U64(nm("%s: enomem midway: table_pages == outstanding", f), s2.table_pages,
		  (u64)outstanding);
	reset_alloc(-1);
	CHECK_INT(nm("%s: enomem midway: retry succeeds", f),
		  stage2_map(&s2, 0, GiB(2), MiB(4), STAGE2_RWX), 0);
	CHECK_U64(nm("%s: enomem midway: retry counters", f), s2.mapped_4k, 1024);
	stage2_destroy(&s2);
	CHECK_INT(nm("%s: enomem midway: no leak", f), outstanding, 0);

	/* A split without a page: the large leaf stays as it was. */
	reset_alloc(2);
	stage2_init(&s2, fmt, STAGE2_ALLOW_1G, &fake);
	stage2_map(&s2, GiB(1), GiB(1), GiB(1), STAGE2_RWX);
	CHECK_INT(nm("%s: enomem split", f), stage2_map(&s2, GiB(1), 0, KiB(4), STAGE2_R), -ENOMEM);
	stage2_lookup(&s2, GiB(1), NULL, NULL, &size);
	CHECK_U64(nm("%s: enomem split: 1G intact", f), size, GiB(1));
	CHECK_INT(nm("%s: enomem unmap split", f), stage2_unmap(&s2, GiB(1), KiB(4)), -ENOMEM);
	CHECK_U64(nm("%s: enomem unmap split: still 1G", f), s2.mapped_1g, 1);
	stage2_destroy(&s2);
	CHECK_INT(nm("%s: enomem split: no leak", f), outstanding, 0);
	reset_alloc(-1);
}

/* ------------------------------------------------------------------ model cross-check */

/*
 * Random maps and unmaps over a 64 MiB window straddling a 1 GiB boundary,
 * compared page by page with a flat model after every operation.
 */
#define WIN_BASE (GiB(1) - MiB(32))
#define WIN_PAGES 16384

static u64 model_hpa[WIN_PAGES];
static u32 model_perms[WIN_PAGES];	/* 0: not mapped */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_model(enum stage2_format fmt, const char *f)
{
	static const u32 ept_perms[] = { STAGE2_R, STAGE2_R | STAGE2_W, STAGE2_RWX, STAGE2_R | STAGE2_X,
					 STAGE2_X, 0 };
	static const u32 npt_perms[] = { STAGE2_R, STAGE2_R | STAGE2_W, STAGE2_RWX, STAGE2_R | STAGE2_X,
					 STAGE2_W, 0 };
	struct stage2 s2;
	u64 op_fail = 0, page_bad = 0, count_bad = 0;
	int op;

	memset(model_perms, 0, sizeof(model_perms));
	reset_alloc(-1);
	stage2_init(&s2, fmt, STAGE2_ALLOW_2M | STAGE2_ALLOW_1G, &fake);
	for (op = 0; op < 300; op++) {
		u64 first, count, hpa, i, n4 = 0, n2 = 0;
		bool unmap = rng() % 4 == 0;
		u32 perms = fmt == STAGE2_EPT ? ept_perms[rng() % 6] : npt_perms[rng() % 6];
		bool live;

		if (rng() % 2) {	/* 2 MiB granular */
			first = (rng() % (WIN_PAGES / 512)) * 512;
			count = (1 + rng() % 8) * 512;
		} else {
			first = rng() % WIN_PAGES;
			count = 1 + rng() % 1500;
		}
		if (first + count > WIN_PAGES)
			count = WIN_PAGES - first;
		/* Same 2M phase as the gpa, or shifted by a few pages. */
		hpa = GiB(64) + MiB(2) * (rng() % 64) + first * KiB(4) + (rng() % 3 ? 0 : KiB(4) * (rng() % 4));
		if (unmap) {
			if (stage2_unmap(&s2, WIN_BASE + first * KiB(4), count * KiB(4)))
				op_fail++;
		} else if (stage2_map(&s2, WIN_BASE + first * KiB(4), hpa, count * KiB(4), perms)) {
			op_fail++;
		}
		live = !unmap && (fmt == STAGE2_EPT ? perms != 0 : (perms & STAGE2_R));
		for (i = 0; i < count; i++) {
			model_perms[first + i] = live ? perms : 0;
			model_hpa[first + i] = hpa + i * KiB(4);
		}
		for (i = 0; i < WIN_PAGES; i++) {
			u64 h = 0, size = 0;
			u32 p = 0;
			int ret = stage2_lookup(&s2, WIN_BASE + i * KiB(4) + 0x123, &h, &p, &size);

			if (!model_perms[i]) {
				if (ret != -ENOENT)
					page_bad++;
				continue;
			}
			if (ret || h != model_hpa[i] + 0x123 || p != model_perms[i])
				page_bad++;
			if (size == KiB(4))
				n4++;
			else if (size == MiB(2))
				n2++;
			else
				page_bad++;
		}
		if (s2.mapped_4k != n4 || s2.mapped_2m * 512 != n2 || s2.mapped_1g ||
		    s2.table_pages != (u64)outstanding)
			count_bad++;
	}
	CHECK_U64(nm("%s: model: every operation succeeded", f), op_fail, 0);
	CHECK_U64(nm("%s: model: every page matches", f), page_bad, 0);
	CHECK_U64(nm("%s: model: counters match the leaves", f), count_bad, 0);
	CHECK(nm("%s: model: some 2M leaves used", f), s2.mapped_2m > 0);
	stage2_unmap(&s2, WIN_BASE, WIN_PAGES * KiB(4));
	CHECK_U64(nm("%s: model: empty after unmapping all", f), s2.table_pages, 1);
	stage2_destroy(&s2);
	CHECK_INT(nm("%s: model: no leak", f), outstanding, 0);
	CHECK_INT(nm("%s: model: no bad frees", f), bad_frees, 0);
}

int main(void)
{
	pool = aligned_alloc(4096, (size_t)POOL_PAGES * 4096);
	if (!pool) {
		printf("FAIL: cannot allocate the page pool\n");
		return 1;
	}
	test_init();
	test_invalid_args(STAGE2_EPT, "ept");
	test_invalid_args(STAGE2_NPT, "npt");
	test_ept_layout();
	test_npt_layout();
	test_selection(STAGE2_EPT, "ept");
	test_selection(STAGE2_NPT, "npt");
	test_split(STAGE2_EPT, "ept");
	test_split(STAGE2_NPT, "npt");
	test_split_keeps_ad();
	test_unmap(STAGE2_EPT, "ept");
	test_unmap(STAGE2_NPT, "npt");
	test_enomem(STAGE2_EPT, "ept");
	test_enomem(STAGE2_NPT, "npt");
	test_model(STAGE2_EPT, "ept");
	test_model(STAGE2_NPT, "npt");
	CHECK_INT("allocator: no bad frees overall", bad_frees, 0);
	CHECK_INT("allocator: nothing outstanding", outstanding, 0);
	free(pool);
	return unit_summary();
}
