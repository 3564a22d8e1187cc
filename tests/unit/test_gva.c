/* Host unit test for the guest page-table walker (mm/gva.c): every paging mode, large pages at each
 * level, every permission rule and error code, reserved bits, -EIO, and copies across pages. */
// unit-deps: mm/gva.c mm/guest_mem.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/gva.h"
#include "vm/vcpu_state.h"
#include "tests/unit/unit.h"

#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

/* Guest RAM is [0, 8 MiB); 8 MiB is an MMIO page, everything above a hole. */
#define RAM_SIZE MiB(8)
#define MMIO_GPA MiB(8)
#define HOLE_GPA MiB(16)

#define P BIT(0)
#define RW BIT(1)
#define US BIT(2)
#define PS BIT(7)
#define XD BIT(63)
#define URW (P | RW | US)
#define ADDR(e) ((e) & 0x000ffffffffff000ULL)

/* The error codes, spelled as SDM 4.7 numbers them. */
#define E_P PF_ERR_P
#define E_W PF_ERR_W
#define E_U PF_ERR_U
#define E_R PF_ERR_RSVD
#define E_I PF_ERR_I

static u8 *ram;
static struct guest_mem gm;
static u64 next_table;

static void reset(void)
{
	memset(ram, 0, RAM_SIZE);
	next_table = MiB(1);
}

static u64 new_table(void)
{
	u64 pa = next_table;

	next_table += KiB(4);
	return pa;
}

static void put64(u64 gpa, u64 v)
{
	memcpy(ram + gpa, &v, 8);
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

static void put32(u64 gpa, u32 v)
{
	memcpy(ram + gpa, &v, 4);
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

/* ------------------------------------------------------------------ table builders */

/* Flags for each level of the next map_long (4 = PML5 ... 0 = PT); the leaf gets PS added when large. */
static u64 fl[5];

static void fl_default(void)
{
	int i;

	for (i = 0; i < 5; i++)
		fl[i] = URW;
}

/* Maps va to pa with a leaf at leaf (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), sharing existing tables. */
static void map_long(int levels, u64 root, u64 va, u64 pa, int leaf)
{
	u64 table = root;
	int level;

	for (level = levels - 1; level > leaf; level--) {
		u64 slot = table + ((va >> (12 + 9 * level)) & 511) * 8;
		u64 next = ADDR(get64(slot));

		if (!next)
			next = new_table();
		put64(slot, next | fl[level]);
		table = next;
	}
	put64(table + ((va >> (12 + 9 * leaf)) & 511) * 8, pa | fl[leaf] | (leaf ? PS : 0));
}

static struct gva_ctx long_ctx(u64 root, bool la57)
{
	struct gva_ctx c = { 0 };

	c.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	c.cr3 = root;
	c.cr4 = X86_CR4_PAE | (la57 ? X86_CR4_LA57 : 0);
	c.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	return c;
}

/* 32-bit paging: a PDE (4 MiB page when big) or a PDE and a PTE. */
static void map32(u64 pd, u32 va, u64 pa_or_pde_bits, bool big, u32 pde_fl, u32 pte_fl)
{
	u64 slot = pd + (va >> 22) * 4;

	if (big) {
		put32(slot, (u32)pa_or_pde_bits | pde_fl | PS);
		return;
	}
	u64 pt = new_table();
	put32(slot, (u32)pt | pde_fl);
	put32(pt + ((va >> 12) & 1023) * 4, (u32)pa_or_pde_bits | pte_fl);
}

static struct gva_ctx ctx32(u64 pd, bool pse)
{
	struct gva_ctx c = { 0 };

	c.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	c.cr3 = pd;
	c.cr4 = pse ? X86_CR4_PSE : 0;
	return c;
}

/* PAE paging: the PDPTE (at pdpt, 32-byte aligned), a PDE and (when !big) a PTE. */
static void map_pae(u64 pdpt, u32 va, u64 pa, bool big, u64 pdpte_fl, u64 pde_fl, u64 pte_fl)
{
	u64 slot = pdpt + (va >> 30) * 8;
	u64 pd = ADDR(get64(slot));

	if (!pd)
		pd = new_table();
	put64(slot, pd | pdpte_fl);
	slot = pd + ((va >> 21) & 511) * 8;
	if (big) {
		put64(slot, pa | pde_fl | PS);
		return;
	}
	u64 pt = new_table();
	put64(slot, pt | pde_fl);
	put64(pt + ((va >> 12) & 511) * 8, pa | pte_fl);
}

static struct gva_ctx pae_ctx(u64 pdpt)
{
	struct gva_ctx c = { 0 };

	c.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	c.cr3 = pdpt;
	c.cr4 = X86_CR4_PAE;
	c.efer = X86_EFER_NXE;
	return c;
}

/* ------------------------------------------------------------------ check helpers */

static u64 got_gpa;
static u32 got_pf;

static int xl(const struct gva_ctx *c, u64 va, u32 access)
{
	got_gpa = 0xdeadbeef;
	got_pf = 0xdead;
	return gva_translate(&gm, c, va, access, &got_gpa, &got_pf);
}

/* Expects a successful translation to gpa. */
static void ok(const char *what, const struct gva_ctx *c, u64 va, u32 access, u64 gpa)
{
	int ret = xl(c, va, access);

	unit_check(ret == 0 && got_gpa == gpa, what, "ret %d gpa %#llx pf %#x, want gpa %#llx", ret,
		   (unsigned long long)got_gpa, got_pf, (unsigned long long)gpa);
}

/* Expects a #PF with exactly this error code. */
static void pf(const char *what, const struct gva_ctx *c, u64 va, u32 access, u32 code)
{
	int ret = xl(c, va, access);

	unit_check(ret == -EFAULT && got_pf == code, what, "ret %d pf %#x, want -EFAULT pf %#x", ret,
		   got_pf, code);
}

/* Expects another error. */
static void err(const char *what, const struct gva_ctx *c, u64 va, u32 access, int want)
{
	int ret = xl(c, va, access);

	unit_check(ret == want, what, "ret %d, want %d", ret, want);
}

/* ------------------------------------------------------------------ no paging */

static void test_no_paging(void)
{
	struct gva_ctx c = { 0 };

	c.cr0 = X86_CR0_PE;
	ok("no paging: identity", &c, 0x12345678, GVA_READ, 0x12345678);
	ok("no paging: truncated to 32 bits", &c, 0x123456789ULL, GVA_WRITE | GVA_USER, 0x23456789);
	c.cr4 = X86_CR4_PAE;
	ok("no paging: PAE bit alone changes nothing", &c, 0xfffff000, GVA_FETCH, 0xfffff000);
	c.cr0 = 0;
	ok("no paging: real mode", &c, 0xb8000, GVA_WRITE, 0xb8000);
}

/* ------------------------------------------------------------------ 4-level and 5-level */

static void test_long_translate(void)
{
	struct gva_ctx c;
	u64 root;

	reset();
	fl_default();
	root = new_table();
	c = long_ctx(root, false);
	map_long(4, root, 0x00007f1234567000ULL, 0x3456000, 0);
	ok("4-level: 4K page", &c, 0x00007f1234567abcULL, GVA_READ, 0x3456abc);
	ok("4-level: 4K last byte", &c, 0x00007f1234567fffULL, GVA_READ, 0x3456fff);
	pf("4-level: next page not present", &c, 0x00007f1234568000ULL, GVA_READ, 0);

	map_long(4, root, 0x0000000080200000ULL, 0x123400000ULL, 1);
	ok("4-level: 2M page with offset", &c, 0x0000000080212345ULL, GVA_READ, 0x123412345ULL);
	ok("4-level: 2M last byte", &c, 0x00000000803fffffULL, GVA_READ, 0x1235fffffULL);

	map_long(4, root, 0x0000004000000000ULL, 0x700000000ULL, 2);
	ok("4-level: 1G page with offset", &c, 0x0000004000000000ULL + 0x3fffffff, GVA_READ, 0x73fffffffULL);
	ok("4-level: 1G page start", &c, 0x0000004000000000ULL, GVA_READ, 0x700000000ULL);

	map_long(4, root, 0xffff800000001000ULL, 0x5000, 0);
	ok("4-level: kernel half", &c, 0xffff800000001010ULL, GVA_READ, 0x5010);

	map_long(4, root, 0x2000, BIT(51) | 0x7000, 0);
	ok("4-level: address bit 51 is not reserved (MAXPHYADDR 52)", &c, 0x2008, GVA_READ, BIT(51) | 0x7008);

	map_long(4, root, 0x3000, 0x8000 | BIT(60) | BIT(52), 0);
	ok("4-level: bits 62:52 ignored", &c, 0x3000, GVA_READ, 0x8000);

	map_long(4, root, 0x0000000000400000ULL, 0x600000 | BIT(12), 1);
	ok("4-level: PAT bit of a 2M page", &c, 0x0000000000400010ULL, GVA_READ, 0x600010);
	map_long(4, root, 0x0000008000000000ULL, GiB(3) | BIT(12), 2);
	ok("4-level: PAT bit of a 1G page", &c, 0x0000008000000010ULL, GVA_READ, GiB(3) + 0x10);

	c.cr3 = root | 0x18 | BIT(63);	/* PWT, PCD, and the PCID no-flush bit */
	ok("4-level: CR3 low flags and bit 63 ignored", &c, 0x00007f1234567abcULL, GVA_READ, 0x3456abc);
	c.cr3 = root;

	err("4-level: non-canonical low", &c, 0x0000800000000000ULL, GVA_READ, -EINVAL);
	err("4-level: non-canonical high", &c, 0xffff7fffffffffffULL, GVA_READ, -EINVAL);
	err("4-level: non-canonical bit 63 only", &c, 0x8000000000001000ULL, GVA_READ, -EINVAL);
	pf("4-level: highest canonical, unmapped", &c, 0x00007fffffffffffULL, GVA_READ, 0);
	pf("4-level: lowest kernel address, unmapped", &c, 0xffff800000000000ULL, GVA_READ, 0);
	CHECK_U64("4-level: non-canonical leaves pf_error 0",
		  (xl(&c, 0x0000800000000000ULL, GVA_WRITE), got_pf), 0);

	c.cr4 &= ~X86_CR4_PAE;
	err("long mode without PAE", &c, 0x00007f1234567abcULL, GVA_READ, -EINVAL);
}

static void test_five_level(void)
{
	const u64 va = 0x00abcdef12345000ULL;
	struct gva_ctx c;
	u64 root;

	reset();
	fl_default();
	root = new_table();
	c = long_ctx(root, true);
	map_long(5, root, va, 0x4321000, 0);
	ok("5-level: 4K page above 2^48", &c, va + 0x123, GVA_READ, 0x4321123);
	map_long(5, root, 0x0080000040000000ULL, GiB(5), 2);
	ok("5-level: 1G page", &c, 0x0080000040000000ULL + 0x2345678, GVA_READ, GiB(5) + 0x2345678);
	map_long(5, root, 0xff00000000200000ULL, 0x800000000ULL, 1);
	ok("5-level: 2M page in the top half", &c, 0xff000000002abcdeULL, GVA_READ, 0x8000abcdeULL);
	pf("5-level: 2^47 is canonical", &c, 0x0000800000000000ULL, GVA_READ, 0);
	err("5-level: non-canonical low", &c, 0x0100000000000000ULL, GVA_READ, -EINVAL);
	err("5-level: non-canonical high", &c, 0xfe00000000000000ULL, GVA_READ, -EINVAL);
	c.cr4 &= ~X86_CR4_LA57;
	err("same address without LA57 is non-canonical", &c, va, GVA_READ, -EINVAL);
	/* Without LA57 the PML5 is read as a PML4. */
	pf("without LA57 the walk starts at the same root", &c, 0x1000, GVA_READ, 0);

	fl[4] |= PS;
	map_long(5, root, va, 0x4321000, 0);
	c.cr4 |= X86_CR4_LA57;
	pf("5-level: PS in a PML5E is reserved", &c, va, GVA_READ, E_P | E_R);
}

/* Not present at each level, with each kind of access. */
static void test_not_present(int levels)
{
	const u64 va = levels == 5 ? 0x0012345678abc000ULL : 0x00001234567ab000ULL;
	struct gva_ctx c;
	int level;

	for (level = levels - 1; level >= 0; level--) {
		u64 root;

		reset();
		fl_default();
		fl[level] &= ~P;
		root = new_table();
		map_long(levels, root, va, 0x200000, 0);
		c = long_ctx(root, levels == 5);
		pf(nm("%d-level: level %d not present, read", levels, level), &c, va, GVA_READ, 0);
		pf(nm("%d-level: level %d not present, write", levels, level), &c, va, GVA_WRITE, E_W);
		pf(nm("%d-level: level %d not present, user read", levels, level), &c, va, GVA_USER, E_U);
		pf(nm("%d-level: level %d not present, user write", levels, level), &c, va,
		   GVA_USER | GVA_WRITE, E_U | E_W);
		pf(nm("%d-level: level %d not present, fetch (NXE)", levels, level), &c, va, GVA_FETCH, E_I);
		c.efer &= ~X86_EFER_NXE;
		pf(nm("%d-level: level %d not present, fetch without NXE or SMEP", levels, level), &c, va,
		   GVA_FETCH, 0);
		c.cr4 |= X86_CR4_SMEP;
		pf(nm("%d-level: level %d not present, fetch with SMEP", levels, level), &c, va,
		   GVA_FETCH | GVA_USER, E_I | E_U);
	}
}

static void test_long_reserved(void)
{
	struct gva_ctx c;
	u64 root;

	/* PS in the PML4E. */
	reset();
	fl_default();
	fl[3] |= PS;
	root = new_table();
	map_long(4, root, 0x1000, 0x5000, 0);
	c = long_ctx(root, false);
	pf("rsvd: PS in a PML4E", &c, 0x1000, GVA_READ, E_P | E_R);
	pf("rsvd: PS in a PML4E, user write", &c, 0x1000, GVA_USER | GVA_WRITE, E_P | E_R | E_U | E_W);
	pf("rsvd: PS in a PML4E, fetch", &c, 0x1000, GVA_FETCH, E_P | E_R | E_I);

	/* Reserved bits only count in present entries. */
	reset();
	fl_default();
	fl[3] = PS | BIT(51) | XD;
	root = new_table();
	map_long(4, root, 0x1000, 0x5000, 0);
	c = long_ctx(root, false);
	c.efer &= ~X86_EFER_NXE;
	pf("rsvd: ignored in a not-present entry", &c, 0x1000, GVA_READ, 0);

	/* Large-page address bits below the page size. */
	reset();
	fl_default();
	root = new_table();
	c = long_ctx(root, false);
	map_long(4, root, GiB(1), GiB(2) | BIT(13), 2);
	pf("rsvd: 1G page bit 13", &c, GiB(1), GVA_READ, E_P | E_R);
	map_long(4, root, GiB(1), GiB(2) | BIT(29), 2);
	pf("rsvd: 1G page bit 29", &c, GiB(1) + 5, GVA_WRITE, E_P | E_R | E_W);
	map_long(4, root, GiB(1), GiB(2) | BIT(30), 2);
	ok("rsvd: 1G page bit 30 is address", &c, GiB(1) + 5, GVA_READ, GiB(3) + 5);
	map_long(4, root, MiB(2), MiB(4) | BIT(13), 1);
	pf("rsvd: 2M page bit 13", &c, MiB(2), GVA_READ, E_P | E_R);
	map_long(4, root, MiB(2), MiB(4) | BIT(20), 1);
	pf("rsvd: 2M page bit 20", &c, MiB(2), GVA_READ, E_P | E_R);
	map_long(4, root, MiB(2), MiB(4) | BIT(21), 1);
	ok("rsvd: 2M page bit 21 is address", &c, MiB(2) + 7, GVA_READ, MiB(6) + 7);

	/* XD without EFER.NXE, at the leaf and at the top. */
	reset();
	fl_default();
	fl[0] |= XD;
	root = new_table();
	map_long(4, root, 0x1000, 0x5000, 0);
	c = long_ctx(root, false);
	ok("XD with NXE: read fine", &c, 0x1000, GVA_READ, 0x5000);
	c.efer &= ~X86_EFER_NXE;
	pf("rsvd: XD in a PTE without NXE", &c, 0x1000, GVA_READ, E_P | E_R);
	pf("rsvd: XD without NXE, fetch: no I bit", &c, 0x1000, GVA_FETCH, E_P | E_R);
	reset();
	fl_default();
	fl[3] |= XD;
	root = new_table();
	map_long(4, root, 0x1000, 0x5000, 0);
	c = long_ctx(root, false);
	c.efer &= ~X86_EFER_NXE;
	pf("rsvd: XD in a PML4E without NXE", &c, 0x1000, GVA_USER, E_P | E_R | E_U);
}

/* ------------------------------------------------------------------ permissions (SDM 4.6.1) */

/* Builds one 4 KiB mapping 0x1000 -> 0x5000 whose entries carry these flags (PML4, PDPT, PD, PT). */
static struct gva_ctx perm_setup(u64 f3, u64 f2, u64 f1, u64 f0)
{
	u64 root;

	reset();
	fl[4] = URW;
	fl[3] = f3;
	fl[2] = f2;
	fl[1] = f1;
	fl[0] = f0;
	root = new_table();
	map_long(4, root, 0x1000, 0x5000, 0);
	return long_ctx(root, false);
}

static void test_permissions(void)
{
	const u64 va = 0x1000, pa = 0x5000;
	struct gva_ctx c;

	c = perm_setup(URW, URW, URW, URW);
	ok("perm: user read of a user page", &c, va, GVA_USER, pa);
	ok("perm: user write of a user RW page", &c, va, GVA_USER | GVA_WRITE, pa);
	ok("perm: user fetch of a user page", &c, va, GVA_USER | GVA_FETCH, pa);
	ok("perm: supervisor read of a user page", &c, va, GVA_READ, pa);
	ok("perm: supervisor write of a user page", &c, va, GVA_WRITE, pa);
	ok("perm: supervisor fetch of a user page", &c, va, GVA_FETCH, pa);

	c = perm_setup(URW, URW, URW, P | RW);
	pf("perm: user read, U/S=0 in the PTE", &c, va, GVA_USER, E_P | E_U);
	ok("perm: supervisor read, U/S=0 in the PTE", &c, va, GVA_READ, pa);
	c = perm_setup(P | RW, URW, URW, URW);
	pf("perm: user read, U/S=0 in the PML4E only", &c, va, GVA_USER, E_P | E_U);
	c = perm_setup(URW, P | RW, URW, URW);
	pf("perm: user write, U/S=0 in the PDPTE", &c, va, GVA_USER | GVA_WRITE, E_P | E_W | E_U);
	c = perm_setup(URW, URW, URW, URW);
	c.cpl = 3;
	ok("perm: CPL 3 without GVA_USER reads a user page", &c, va, GVA_READ, pa);
	c = perm_setup(URW, URW, P | RW, URW);
	c.cpl = 3;
	pf("perm: CPL 3 is a user access", &c, va, GVA_READ, E_P | E_U);
	ok("perm: CPL 3 implicit access is supervisor", &c, va, GVA_IMPLICIT, pa);
	c.cpl = 0;
	pf("perm: GVA_USER at CPL 0 is a user access", &c, va, GVA_USER | GVA_FETCH, E_P | E_U | E_I);

	c = perm_setup(URW, URW, P | US, URW);
	ok("perm: user read of a read-only page", &c, va, GVA_USER, pa);
	pf("perm: user write, R/W=0 in the PDE", &c, va, GVA_USER | GVA_WRITE, E_P | E_W | E_U);
	pf("perm: supervisor write, R/W=0, WP=1", &c, va, GVA_WRITE, E_P | E_W);
	c.cr0 &= ~X86_CR0_WP;
	ok("perm: supervisor write, R/W=0, WP=0", &c, va, GVA_WRITE, pa);
	pf("perm: user write, R/W=0, WP=0 still faults", &c, va, GVA_USER | GVA_WRITE, E_P | E_W | E_U);
	c = perm_setup(P | US, URW, URW, URW);
	pf("perm: supervisor write, R/W=0 in the PML4E only", &c, va, GVA_WRITE, E_P | E_W);
	c = perm_setup(URW, URW, URW, P | US);
	pf("perm: supervisor write, R/W=0 in the PTE only", &c, va, GVA_WRITE, E_P | E_W);

	/* Execute-disable. */
	c = perm_setup(URW, URW | XD, URW, URW);
	ok("perm: XD page readable", &c, va, GVA_READ, pa);
	ok("perm: XD page writable", &c, va, GVA_USER | GVA_WRITE, pa);
	pf("perm: supervisor fetch, XD in the PDPTE", &c, va, GVA_FETCH, E_P | E_I);
	pf("perm: user fetch, XD in the PDPTE", &c, va, GVA_USER | GVA_FETCH, E_P | E_U | E_I);
	c = perm_setup(URW, URW, URW, URW | XD);
	pf("perm: fetch, XD in the PTE", &c, va, GVA_FETCH, E_P | E_I);
	c = perm_setup(URW | XD, URW, URW, URW);
	pf("perm: fetch, XD in the PML4E", &c, va, GVA_FETCH, E_P | E_I);

	/* SMEP. */
	c = perm_setup(URW, URW, URW, URW);
	c.cr4 |= X86_CR4_SMEP;
	pf("smep: supervisor fetch from a user page", &c, va, GVA_FETCH, E_P | E_I);
	c.efer &= ~X86_EFER_NXE;
	pf("smep: I bit comes from SMEP without NXE", &c, va, GVA_FETCH, E_P | E_I);
	ok("smep: user fetch from a user page", &c, va, GVA_USER | GVA_FETCH, pa);
	ok("smep: supervisor read of a user page", &c, va, GVA_READ, pa);
	ok("smep: supervisor write of a user page", &c, va, GVA_WRITE, pa);
	c = perm_setup(URW, URW, URW, P | RW);
	c.cr4 |= X86_CR4_SMEP;
	ok("smep: supervisor fetch from a supervisor page", &c, va, GVA_FETCH, pa);
	pf("smep: user fetch from a supervisor page", &c, va, GVA_USER | GVA_FETCH, E_P | E_U | E_I);

	/* SMAP. */
	c = perm_setup(URW, URW, URW, URW);
	c.cr4 |= X86_CR4_SMAP;
	pf("smap: supervisor read of a user page, AC=0", &c, va, GVA_READ, E_P);
	pf("smap: supervisor write of a user page, AC=0", &c, va, GVA_WRITE, E_P | E_W);
	c.rflags_ac = true;
	ok("smap: supervisor read of a user page, AC=1", &c, va, GVA_READ, pa);
	ok("smap: supervisor write of a user page, AC=1", &c, va, GVA_WRITE, pa);
	pf("smap: implicit read of a user page, AC=1", &c, va, GVA_IMPLICIT, E_P);
	pf("smap: implicit write of a user page, AC=1", &c, va, GVA_IMPLICIT | GVA_WRITE, E_P | E_W);
	c.cpl = 3;
	pf("smap: implicit read at CPL 3: no U bit", &c, va, GVA_IMPLICIT, E_P);
	ok("smap: user read at CPL 3 unaffected", &c, va, GVA_READ, pa);
	c.cpl = 0;
	c.rflags_ac = false;
	pf("smap: implicit read, AC=0", &c, va, GVA_IMPLICIT, E_P);
	ok("smap: supervisor fetch is not a data access", &c, va, GVA_FETCH, pa);
	ok("smap: user access to a user page", &c, va, GVA_USER | GVA_WRITE, pa);
	c = perm_setup(URW, URW, URW, P | US);
	c.cr4 |= X86_CR4_SMAP;
	c.rflags_ac = true;
	pf("smap: AC=1 write to a read-only user page, WP=1", &c, va, GVA_WRITE, E_P | E_W);
	c.cr0 &= ~X86_CR0_WP;
	ok("smap: AC=1 write to a read-only user page, WP=0", &c, va, GVA_WRITE, pa);
	c = perm_setup(URW, URW, URW, P | RW);
	c.cr4 |= X86_CR4_SMAP;
	ok("smap: supervisor read of a supervisor page", &c, va, GVA_READ, pa);
	ok("smap: implicit write of a supervisor page", &c, va, GVA_IMPLICIT | GVA_WRITE, pa);

	/* Large pages take the rights of every level too. */
	reset();
	fl_default();
	fl[1] = P | RW;
	u64 root = new_table();
	map_long(4, root, MiB(2), MiB(4), 1);
	c = long_ctx(root, false);
	pf("perm: user read of a supervisor 2M page", &c, MiB(2) + 4, GVA_USER, E_P | E_U);
	fl_default();
	fl[2] = P | US | XD;
	map_long(4, root, GiB(1), GiB(1), 2);
	pf("perm: user write of a read-only 1G page", &c, GiB(1), GVA_USER | GVA_WRITE, E_P | E_W | E_U);
	pf("perm: fetch from an XD 1G page", &c, GiB(1), GVA_USER | GVA_FETCH, E_P | E_U | E_I);
}

static void test_bad_args(void)
{
	struct gva_ctx c = perm_setup(URW, URW, URW, URW);
	u64 gpa;

	err("args: WRITE and FETCH", &c, 0x1000, GVA_WRITE | GVA_FETCH, -EINVAL);
	err("args: USER and IMPLICIT", &c, 0x1000, GVA_USER | GVA_IMPLICIT, -EINVAL);
	err("args: unknown access bit", &c, 0x1000, BIT(5), -EINVAL);
	CHECK_INT("args: NULL gm", gva_translate(NULL, &c, 0x1000, 0, &gpa, NULL), -EINVAL);
	CHECK_INT("args: NULL ctx", gva_translate(&gm, NULL, 0x1000, 0, &gpa, NULL), -EINVAL);
	CHECK_INT("args: NULL gpa", gva_translate(&gm, &c, 0x1000, 0, NULL, NULL), -EINVAL);
	CHECK_INT("args: NULL pf_error is fine", gva_translate(&gm, &c, 0x1000, 0, &gpa, NULL), 0);
	CHECK_INT("args: NULL pf_error on a fault", gva_translate(&gm, &c, 0x9000, 0, &gpa, NULL), -EFAULT);
}

/* ------------------------------------------------------------------ tables outside RAM */

static void test_eio(void)
{
	struct gva_ctx c;
	u64 root;

	reset();
	fl_default();
	root = new_table();
	c = long_ctx(HOLE_GPA, false);
	err("eio: CR3 in a hole", &c, 0x1000, GVA_READ, -EIO);
	c.cr3 = MMIO_GPA;
	err("eio: CR3 in MMIO", &c, 0x1000, GVA_READ, -EIO);
	c.cr3 = root;
	put64(root, HOLE_GPA | URW);
	err("eio: PML4E points outside RAM", &c, 0x1000, GVA_READ, -EIO);
	put64(root, 0);
	map_long(4, root, 0x1000, 0x5000, 0);
	put64(ADDR(get64(ADDR(get64(root)))), MMIO_GPA | URW);
	err("eio: PDE points at MMIO", &c, 0x1000, GVA_READ, -EIO);
	map_long(4, root, 0x40000000, GiB(4), 2);
	ok("eio: a leaf outside RAM is still a translation", &c, 0x40000010, GVA_READ, GiB(4) + 0x10);

	c = ctx32(HOLE_GPA, false);
	err("eio: 32-bit CR3 outside RAM", &c, 0x1000, GVA_READ, -EIO);
	reset();
	u64 pd = new_table();
	put32(pd + 4 * 0, (u32)HOLE_GPA | URW);
	c = ctx32(pd, false);
	err("eio: 32-bit PDE points outside RAM", &c, 0x1000, GVA_READ, -EIO);
	c = pae_ctx(HOLE_GPA);
	err("eio: PAE PDPT outside RAM", &c, 0x1000, GVA_READ, -EIO);
	reset();
	u64 pdpt = new_table();
	put64(pdpt, MMIO_GPA | P);
	c = pae_ctx(pdpt);
	err("eio: PAE PDPTE points at MMIO", &c, 0x1000, GVA_READ, -EIO);
}

/* ------------------------------------------------------------------ 32-bit paging */

static void test_32bit(void)
{
	struct gva_ctx c;
	u64 pd;

	reset();
	pd = new_table();
	map32(pd, 0xc0123000, 0x00456000, false, URW, URW);
	c = ctx32(pd | 0x18, false);
	ok("32-bit: 4K page", &c, 0xc0123abc, GVA_READ, 0x456abc);
	ok("32-bit: upper gva bits ignored", &c, 0x12c0123abcULL, GVA_READ, 0x456abc);
	pf("32-bit: neighbour not present", &c, 0xc0124000, GVA_WRITE, E_W);
	pf("32-bit: PDE not present", &c, 0x00400000, GVA_USER, E_U);
	map32(pd, 0xfffff000, 0x7ffff000, false, URW, URW);
	ok("32-bit: the last page", &c, 0xffffffff, GVA_READ, 0x7fffffff);

	map32(pd, 0x80000000, 0x12c00000, true, URW, 0);
	/* Without CR4.PSE the PS PDE points at 0x12c00000 as a page table: outside RAM. */
	err("32-bit: PS without CR4.PSE is a page-table pointer", &c, 0x80000000, GVA_READ, -EIO);
	put32(pd + (0x80000000 >> 22) * 4, 0x200000 | PS | URW);
	put32(0x200000 + 5 * 4, 0x345000 | URW);
	ok("32-bit: PS ignored without PSE", &c, 0x80005010, GVA_READ, 0x345010);

	c.cr4 |= X86_CR4_PSE;
	map32(pd, 0x80000000, 0x12c00000, true, URW, 0);
	ok("32-bit: 4M page", &c, 0x80123456, GVA_READ, 0x12d23456);
	ok("32-bit: 4M page last byte", &c, 0x803fffff, GVA_READ, 0x12ffffff);
	map32(pd, 0x40000000, 0x00400000 | (0x12 << 13), true, URW, 0);
	ok("32-bit: PSE-36 high bits", &c, 0x40000010, GVA_READ, 0x1200400010ULL);
	map32(pd, 0x40000000, 0xffc00000 | (0xffu << 13), true, URW, 0);
	ok("32-bit: PSE-36 40-bit address", &c, 0x403fffff, GVA_READ, 0xffffffffffULL);
	map32(pd, 0x40000000, 0x00400000 | BIT(21), true, URW, 0);
	pf("32-bit: 4M page bit 21 reserved", &c, 0x40000000, GVA_READ, E_P | E_R);
	pf("32-bit: 4M page bit 21 reserved, user write", &c, 0x40000000, GVA_USER | GVA_WRITE,
	   E_P | E_R | E_U | E_W);
	map32(pd, 0x40000000, 0x00400000, true, P | RW, 0);
	pf("32-bit: user read of a supervisor 4M page", &c, 0x40000000, GVA_USER, E_P | E_U);

	/* Permissions. */
	map32(pd, 0x10000000, 0x100000, false, P | RW, URW);
	pf("32-bit: U/S=0 in the PDE", &c, 0x10000000, GVA_USER, E_P | E_U);
	ok("32-bit: supervisor read", &c, 0x10000000, GVA_READ, 0x100000);
	map32(pd, 0x10400000, 0x100000, false, URW, P | US);
	pf("32-bit: user write to a read-only PTE", &c, 0x10400000, GVA_USER | GVA_WRITE, E_P | E_W | E_U);
	pf("32-bit: supervisor write, WP=1", &c, 0x10400000, GVA_WRITE, E_P | E_W);
	c.cr0 &= ~X86_CR0_WP;
	ok("32-bit: supervisor write, WP=0", &c, 0x10400000, GVA_WRITE, 0x100000);
	c.cr0 |= X86_CR0_WP;

	/* No XD in 32-bit paging: the I bit only with SMEP. */
	c.efer = X86_EFER_NXE;
	pf("32-bit: fetch fault without SMEP has no I bit", &c, 0x20000000, GVA_FETCH, 0);
	ok("32-bit: fetch allowed anywhere readable", &c, 0xc0123000, GVA_USER | GVA_FETCH, 0x456000);
	c.cr4 |= X86_CR4_SMEP;
	pf("32-bit: fetch fault with SMEP has the I bit", &c, 0x20000000, GVA_FETCH, E_I);
	pf("32-bit: SMEP, supervisor fetch from a user page", &c, 0xc0123000, GVA_FETCH, E_P | E_I);
	c.cr4 |= X86_CR4_SMAP;
	pf("32-bit: SMAP, supervisor read of a user page", &c, 0xc0123000, GVA_READ, E_P);
}

/* ------------------------------------------------------------------ PAE paging */

static void test_pae(void)
{
	struct gva_ctx c;
	u64 pdpt;

	reset();
	/* CR3 bits 31:5: the PDPT need not be page-aligned. */
	pdpt = new_table() + 0x20;
	map_pae(pdpt, 0xc0345000, 0x456000, false, P, URW, URW);
	c = pae_ctx(pdpt | 0x18);
	ok("pae: 4K page", &c, 0xc0345678, GVA_READ, 0x456678);
	ok("pae: upper gva bits ignored", &c, 0xf00c0345678ULL, GVA_READ, 0x456678);
	ok("pae: PDPTE carries no rights", &c, 0xc0345678, GVA_USER | GVA_WRITE, 0x456678);
	pf("pae: PDPTE not present", &c, 0x00001000, GVA_READ, 0);
	pf("pae: PDE not present", &c, 0xc0600000, GVA_USER | GVA_FETCH, E_U | E_I);
	pf("pae: PTE not present", &c, 0xc0346000, GVA_WRITE, E_W);

	map_pae(pdpt, 0x40200000, 0x1fe00000 | BIT(12), true, P, URW, 0);
	ok("pae: 2M page (PAT bit ignored)", &c, 0x40212345, GVA_READ, 0x1fe12345);
	map_pae(pdpt, 0x40200000, 0x1fe00000 | BIT(13), true, P, URW, 0);
	pf("pae: 2M page bit 13 reserved", &c, 0x40200000, GVA_READ, E_P | E_R);
	map_pae(pdpt, 0x40200000, 0x1fe00000 | BIT(52), true, P, URW, 0);
	pf("pae: PDE bit 52 reserved (62:M)", &c, 0x40200000, GVA_READ, E_P | E_R);
	map_pae(pdpt, 0x40200000, 0x1fe00000 | BIT(51), true, P, URW, 0);
	ok("pae: PDE bit 51 is address", &c, 0x40200000, GVA_READ, 0x1fe00000 | BIT(51));

	map_pae(pdpt, 0x80001000, 0x300000 | BIT(62), false, P, URW, URW);
	pf("pae: PTE bit 62 reserved", &c, 0x80001000, GVA_READ, E_P | E_R);
	map_pae(pdpt, 0x80001000, 0x300000 | XD, false, P, URW, URW);
	ok("pae: XD page readable", &c, 0x80001000, GVA_READ, 0x300000);
	pf("pae: XD page fetch", &c, 0x80001000, GVA_FETCH, E_P | E_I);
	c.efer = 0;
	pf("pae: XD without NXE is reserved", &c, 0x80001000, GVA_READ, E_P | E_R);
	pf("pae: fetch fault without NXE has no I bit", &c, 0x00001000, GVA_FETCH, 0);
	c.efer = X86_EFER_NXE;

	/* PDPTE reserved bits: 2:1, 8:5, 63:M, whatever NXE says. */
	static const unsigned bad[] = { 1, 2, 5, 8, 52, 63 };
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		map_pae(pdpt, 0xc0345000, 0x456000, false, P | BIT(bad[i]), URW, URW);
		pf(nm("pae: PDPTE bit %u reserved", bad[i]), &c, 0xc0345000, GVA_READ, E_P | E_R);
	}
	map_pae(pdpt, 0xc0345000, 0x456000, false, P | BIT(3) | BIT(4) | BIT(9), URW, URW);
	ok("pae: PDPTE PWT, PCD and ignored bits fine", &c, 0xc0345000, GVA_READ, 0x456000);

	map_pae(pdpt, 0xc0345000, 0x456000, false, P, P | RW, URW);
	pf("pae: U/S=0 in the PDE", &c, 0xc0345000, GVA_USER, E_P | E_U);
	map_pae(pdpt, 0xc0345000, 0x456000, false, P, URW, P | US);
	pf("pae: R/W=0 in the PTE, supervisor write", &c, 0xc0345000, GVA_WRITE, E_P | E_W);
	c.cr4 |= X86_CR4_SMEP;
	pf("pae: SMEP", &c, 0xc0345000, GVA_FETCH, E_P | E_I);
}

/* ------------------------------------------------------------------ copies */

static void test_copies(void)
{
	struct gva_ctx c;
	u8 buf[128], pat[128];
	u64 fault, root;
	u32 code;
	int i;

	for (i = 0; i < 128; i++)
		pat[i] = (u8)(i * 7 + 1);
	reset();
	fl_default();
	root = new_table();
	c = long_ctx(root, false);
	map_long(4, root, 0x400000, 0x200000, 0);
	map_long(4, root, 0x401000, 0x305000, 0);
	memcpy(ram + 0x200ff0, pat, 16);
	memcpy(ram + 0x305000, pat + 16, 16);

	memset(buf, 0, sizeof(buf));
	CHECK_INT("read: across two pages", gva_read(&gm, &c, 0x400ff0, buf, 32, GVA_READ, &code, &fault), 0);
	CHECK("read: bytes from both pages", memcmp(buf, pat, 32) == 0);
	CHECK_INT("read: second page not present",
		  gva_read(&gm, &c, 0x401ff0, buf, 32, GVA_READ, &code, &fault), -EFAULT);
	CHECK_U64("read: fault_gva is the start of the failing page", fault, 0x402000);
	CHECK_U64("read: pf_error not present", code, 0);
	CHECK_INT("read: first page not present",
		  gva_read(&gm, &c, 0x3ffff0, buf, 32, GVA_USER, &code, &fault), -EFAULT);
	CHECK_U64("read: fault_gva is gva itself", fault, 0x3ffff0);
	CHECK_U64("read: pf_error user", code, E_U);
	CHECK_INT("read: len 0", gva_read(&gm, &c, 0x999000, buf, 0, GVA_READ, &code, &fault), 0);
	CHECK_INT("read: GVA_WRITE refused", gva_read(&gm, &c, 0x400000, buf, 4, GVA_WRITE, &code, &fault),
		  -EINVAL);
	CHECK_INT("read: NULL pf_error and fault_gva", gva_read(&gm, &c, 0x400ff0, buf, 32, 0, NULL, NULL), 0);

	/* A user read where the second page is supervisor-only. */
	fl[0] = P | RW;
	map_long(4, root, 0x402000, 0x306000, 0);
	CHECK_INT("read: user, second page supervisor",
		  gva_read(&gm, &c, 0x401ffc, buf, 8, GVA_USER, &code, &fault), -EFAULT);
	CHECK_U64("read: protection code", code, E_P | E_U);
	CHECK_U64("read: protection fault_gva", fault, 0x402000);

	/* Writes: all or nothing. */
	CHECK_INT("write: across two pages", gva_write(&gm, &c, 0x400ff8, pat, 16, GVA_READ, &code, &fault), 0);
	CHECK("write: first page", memcmp(ram + 0x200ff8, pat, 8) == 0);
	CHECK("write: second page", memcmp(ram + 0x305000, pat + 8, 8) == 0);
	fl[0] = P | US;
	map_long(4, root, 0x402000, 0x306000, 0);
	memset(ram + 0x305000, 0xee, KiB(4));
	memset(ram + 0x306000, 0xee, KiB(4));
	CHECK_INT("write: second page read-only",
		  gva_write(&gm, &c, 0x401ff0, pat, 32, GVA_USER, &code, &fault), -EFAULT);
	CHECK_U64("write: read-only code", code, E_P | E_W | E_U);
	CHECK_U64("write: read-only fault_gva", fault, 0x402000);
	CHECK("write: nothing written to the first page", ram[0x305ff0] == 0xee && ram[0x305fff] == 0xee);
	CHECK("write: nothing written to the second page", ram[0x306000] == 0xee);

	fl_default();
	map_long(4, root, 0x402000, 0x306000, 0);
	map_long(4, root, 0x403000, MMIO_GPA, 0);
	CHECK_INT("write: page maps MMIO", gva_write(&gm, &c, 0x402ff0, pat, 32, 0, &code, &fault), -EIO);
	CHECK_U64("write: MMIO fault_gva", fault, 0x403000);
	CHECK("write: nothing written before MMIO", ram[0x306ff0] == 0xee);
	map_long(4, root, 0x404000, HOLE_GPA, 0);
	CHECK_INT("read: page maps a hole", gva_read(&gm, &c, 0x404000, buf, 1, 0, &code, &fault), -EIO);
	CHECK_INT("write: GVA_FETCH refused", gva_write(&gm, &c, 0x400000, pat, 4, GVA_FETCH, &code, &fault),
		  -EINVAL);
	err("write: translate of a non-canonical address", &c, 0x0000800000000000ULL, GVA_WRITE, -EINVAL);
	map_long(4, root, 0x00007ffffffff000ULL, 0x308000, 0);
	CHECK_INT("write: running into non-canonical addresses",
		  gva_write(&gm, &c, 0x00007ffffffffff8ULL, pat, 16, 0, &code, &fault), -EINVAL);
	CHECK_U64("write: non-canonical fault_gva", fault, 0x0000800000000000ULL);
	CHECK("write: nothing written before the non-canonical page", ram[0x308ff8] == 0);

	/* Fetch through gva_read respects XD. */
	fl[0] = URW | XD;
	map_long(4, root, 0x405000, 0x307000, 0);
	CHECK_INT("read: fetch from an XD page", gva_read(&gm, &c, 0x405000, buf, 15, GVA_FETCH, &code, &fault),
		  -EFAULT);
	CHECK_U64("read: fetch code", code, E_P | E_I);
	fl_default();
}

/* A write longer than the walker's translation cache: twelve scattered pages. */
static void test_long_write(void)
{
	const int pages = 12;
	const u64 va = 0x800000, len = 12 * KiB(4) - 100;
	struct gva_ctx c;
	u8 *src = malloc(len), *back = malloc(len);
	u64 fault, root, i;
	u32 code;
	bool same = true;

	reset();
	fl_default();
	root = new_table();
	c = long_ctx(root, false);
	for (i = 0; i < (u64)pages; i++)
		map_long(4, root, va + i * KiB(4), MiB(4) + ((i * 5) % pages) * KiB(8), 0);
	for (i = 0; i < len; i++)
		src[i] = (u8)(i ^ (i >> 8));
	CHECK_INT("long write: twelve pages", gva_write(&gm, &c, va + 50, src, len, 0, &code, &fault), 0);
	CHECK_INT("long write: read back", gva_read(&gm, &c, va + 50, back, len, 0, &code, &fault), 0);
	CHECK("long write: data", memcmp(src, back, len) == 0);
	for (i = 0; i < (u64)pages && same; i++) {
		u64 pa = MiB(4) + ((i * 5) % pages) * KiB(8);
		u64 from = i == 0 ? 50 : 0;
		u64 to = MIN(KiB(4), len + 50 - i * KiB(4));

		same = memcmp(ram + pa + from, src + i * KiB(4) + from - 50, to - from) == 0;
	}
	CHECK("long write: each page at its physical address", same);

	/* Page 11 read-only: nothing at all is written. */
	memset(ram + MiB(4), 0, MiB(1));
	fl[0] = P;
	map_long(4, root, va + 11 * KiB(4), MiB(4) + ((11 * 5) % pages) * KiB(8), 0);
	CHECK_INT("long write: last page read-only",
		  gva_write(&gm, &c, va + 50, src, len, 0, &code, &fault), -EFAULT);
	CHECK_U64("long write: fault_gva", fault, va + 11 * KiB(4));
	for (i = 0, same = true; i < MiB(1); i++)
		if (ram[MiB(4) + i])
			same = false;
	CHECK("long write: no partial write", same);
	free(src);
	free(back);
}

static void test_copies_other_modes(void)
{
	struct gva_ctx c = { 0 };
	u8 buf[8];
	u64 pd, fault;
	u32 code;

	reset();
	memcpy(ram + 0x200000, "ABCDEFGH", 8);
	CHECK_INT("no paging: read", gva_read(&gm, &c, BIT(32) + 0x200000, buf, 8, 0, &code, &fault), 0);
	CHECK("no paging: data", memcmp(buf, "ABCDEFGH", 8) == 0);
	pd = new_table();
	map32(pd, 0x1000, 0x200000, false, URW, URW);
	/* The second page shares the first one's page table. */
	put32((get64(pd) & 0xfffff000) + 2 * 4, 0x103000 | URW);
	c = ctx32(pd, false);
	CHECK_INT("32-bit: write across pages", gva_write(&gm, &c, 0x1ffc, "abcdefgh", 8, GVA_USER, &code, &fault),
		  0);
	CHECK("32-bit: first half", memcmp(ram + 0x200ffc, "abcd", 4) == 0);
	CHECK("32-bit: second half", memcmp(ram + 0x103000, "efgh", 4) == 0);
}

/* The walker reads guest tables and never writes them (no accessed/dirty updates). */
static void test_no_ad_updates(void)
{
	struct gva_ctx c;
	u8 *before = malloc(MiB(2));
	u64 root;
	u8 b[4];

	reset();
	fl_default();
	root = new_table();
	map_long(4, root, 0x1000, 0x300000, 0);
	map_long(4, root, MiB(2), MiB(4), 1);
	c = long_ctx(root, false);
	memcpy(before, ram + MiB(1), MiB(1));
	xl(&c, 0x1000, GVA_WRITE);
	xl(&c, MiB(2), GVA_WRITE | GVA_USER);
	gva_write(&gm, &c, 0x1000, "xyzw", 4, 0, NULL, NULL);
	gva_read(&gm, &c, MiB(2), b, 4, 0, NULL, NULL);
	CHECK("no A/D: page tables unchanged", memcmp(before, ram + MiB(1), MiB(1)) == 0);
	free(before);
}

/* ------------------------------------------------------------------ hostile tables */

static u64 rng_state = 0x243f6a8885a308d3ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Random table contents (addresses mostly inside RAM, random flag bits) in
 * every mode: the walker must never step outside guest RAM (ASan watches),
 * and its results must keep their invariants.
 */
static void test_random_tables(void)
{
	u64 bad = 0, i, results[4] = { 0 };

	reset();
	for (i = MiB(1); i < MiB(2); i += 8) {
		u64 e = rng();

		/* Keep most addresses inside the first 2 MiB so walks go deep. */
		if (rng() % 8)
			e = (e & ~0x000ffffffffff000ULL) | (((rng() % 512) * KiB(4) + MiB(1)) & 0x000ffffffffff000ULL);
		put64(i, e);
	}
	for (i = 0; i < 200000; i++) {
		struct gva_ctx c = { 0 };
		u64 va = rng(), gpa = 0;
		u32 access = (u32)(rng() % 16), code = 0;
		u32 mode = (u32)(rng() % 4);
		bool user;
		int ret;

		c.cr0 = X86_CR0_PE | X86_CR0_PG | ((rng() & 1) ? X86_CR0_WP : 0);
		c.cr3 = MiB(1) + (rng() % 256) * KiB(4) + (rng() % 128) * 32;
		c.cr4 = (u32)rng() & (X86_CR4_PSE | X86_CR4_SMEP | X86_CR4_SMAP);
		c.efer = (rng() & 1) ? X86_EFER_NXE : 0;
		c.cpl = (u8)(rng() % 4);
		c.rflags_ac = rng() & 1;
		if (mode >= 1)
			c.cr4 |= X86_CR4_PAE;
		if (mode >= 2) {
			c.efer |= X86_EFER_LMA | X86_EFER_LME;
			if (mode == 3)
				c.cr4 |= X86_CR4_LA57;
			/* Mostly canonical addresses. */
			if (rng() % 4)
				va = mode == 3 ? (u64)((s64)(va << 7) >> 7) : (u64)((s64)(va << 16) >> 16);
		}
		if ((access & GVA_WRITE) && (access & GVA_FETCH))
			access &= ~GVA_FETCH;
		if ((access & GVA_USER) && (access & GVA_IMPLICIT))
			access &= ~GVA_IMPLICIT;
		user = (access & GVA_USER) || (c.cpl == 3 && !(access & GVA_IMPLICIT));
		ret = gva_translate(&gm, &c, va, access, &gpa, &code);
		switch (ret) {
		case 0:
			results[0]++;
			if (gpa >= BIT(52) || (gpa & 0xfff) != (va & 0xfff) || code)
				bad++;
			break;
		case -EFAULT:
			results[1]++;
			if ((code & ~0x1fU) || !!(code & E_W) != !!(access & GVA_WRITE) ||
			    !!(code & E_U) != user || ((code & E_I) && !(access & GVA_FETCH)) ||
			    ((code & E_R) && !(code & E_P)))
				bad++;
			break;
		case -EIO:
			results[2]++;
			break;
		case -EINVAL:
			results[3]++;
			if (mode < 2)
				bad++;	/* only non-canonical addresses here */
			break;
		default:
			bad++;
		}
	}
	CHECK_U64("random tables: invariants hold", bad, 0);
	CHECK("random tables: some walks succeed", results[0] > 1000);
	CHECK("random tables: some fault", results[1] > 1000);
	CHECK("random tables: some reach outside RAM", results[2] > 100);
}

int main(void)
{
	ram = aligned_alloc(4096, RAM_SIZE);
	if (!ram) {
		printf("FAIL: cannot allocate guest RAM\n");
		return 1;
	}
	guest_mem_init(&gm);
	guest_mem_add(&gm, 0, RAM_SIZE, GUEST_RAM, (u64)(uintptr_t)ram, "ram");
	guest_mem_add(&gm, MMIO_GPA, KiB(4), GUEST_MMIO, 0, "dev");

	test_no_paging();
	test_long_translate();
	test_five_level();
	test_not_present(4);
	test_not_present(5);
	test_long_reserved();
	test_permissions();
	test_bad_args();
	test_eio();
	test_32bit();
	test_pae();
	test_copies();
	test_long_write();
	test_copies_other_modes();
	test_no_ad_updates();
	test_random_tables();
	free(ram);
	return unit_summary();
}
