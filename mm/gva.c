/*
 * Guest-virtual to guest-physical translation: walks the guest's own paging
 * structures (SDM vol. 3 chapter 4, APM vol. 2 chapter 5) read from guest
 * memory, with the permission checks of SDM 4.6 and the error codes of SDM 4.7.
 */
#include "mm/gva.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vm/vcpu_state.h"

/* Paging-structure entry bits shared by every mode (SDM 4.3, 4.4.2, 4.5.4). */
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PS BIT(7)
#define PTE_XD BIT(63)

/*
 * The walker assumes MAXPHYADDR = 52, the architectural maximum, so only the
 * bits no processor can use count as reserved address bits.
 */
#define GVA_MAXPHYADDR 52
#define GVA_ADDR_MASK 0x000ffffffffff000ULL	/* bits (M-1):12 */
#define GVA_BITS(hi, lo) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

/* SDM 4.4.1 table 4-8: a PAE PDPTE reserves 2:1, 8:5 and 63:M. */
#define PAE_PDPTE_RSVD (GVA_BITS(2, 1) | GVA_BITS(8, 5) | GVA_BITS(63, GVA_MAXPHYADDR))
/* SDM 4.4.2 tables 4-9 to 4-11: PAE PDEs and PTEs reserve 62:M (and 63 without NXE). */
#define PAE_RSVD GVA_BITS(62, GVA_MAXPHYADDR)

/* SDM 4.3, table 4-4: PDE bits 20:13 hold address bits 39:32 of a 4 MiB page (at most 40 bits). */
#define PSE36_SHIFT 13
#define PSE36_MASK 0xffULL
#define PSE36_RSVD BIT(21)

/* The result of a walk: the address and the rights accumulated over every level (SDM 4.6.1). */
struct gva_walk {
	u64 gpa;
	bool user;		/* U/S = 1 at every level: a user-mode address */
	bool writable;		/* R/W = 1 at every level */
	bool nx;		/* XD = 1 at some level, with EFER.NXE */
	u32 fault;		/* a failed walk: 0 (not present) or PF_ERR_P | PF_ERR_RSVD */
};

static int gva_read32(const struct guest_mem *gm, u64 pa, u32 *e)
{
	return guest_mem_read(gm, pa, e, sizeof(*e)) ? -EIO : 0;
}

static int gva_read64(const struct guest_mem *gm, u64 pa, u64 *e)
{
	return guest_mem_read(gm, pa, e, sizeof(*e)) ? -EIO : 0;
}

static int gva_not_present(struct gva_walk *w)
{
	w->fault = 0;
	return -EFAULT;
}

static int gva_reserved(struct gva_walk *w)
{
	/* SDM 4.7: a reserved-bit fault happens on a present entry, so P is set too. */
	w->fault = PF_ERR_P | PF_ERR_RSVD;
	return -EFAULT;
}

/* Folds one entry's rights into the walk (PAE PDPTEs carry none and are not passed here). */
static void gva_account(struct gva_walk *w, u64 e, bool nxe)
{
	if (!(e & PTE_RW))
		w->writable = false;
	if (!(e & PTE_US))
		w->user = false;
	if (nxe && (e & PTE_XD))
		w->nx = true;
}

/* 32-bit paging (SDM 4.3): CR3 -> page directory -> page table, 4 MiB pages with CR4.PSE. */
static int gva_walk_32(const struct guest_mem *gm, const struct gva_ctx *ctx, u32 la,
		       struct gva_walk *w)
{
	u64 pd = ctx->cr3 & 0xfffff000ULL;
	u32 pde, pte;
	int ret;

	ret = gva_read32(gm, pd + (la >> 22) * 4ULL, &pde);
	if (ret)
		return ret;
	if (!(pde & PTE_P))
		return gva_not_present(w);
	if ((ctx->cr4 & X86_CR4_PSE) && (pde & PTE_PS)) {
		/* 4 MiB page; PSE-36 supplies address bits 39:32 from bits 20:13. */
		if (pde & PSE36_RSVD)
			return gva_reserved(w);
		gva_account(w, pde, false);
		w->gpa = (pde & 0xffc00000ULL) | (((pde >> PSE36_SHIFT) & PSE36_MASK) << 32) |
			 (la & 0x3fffffULL);
		return 0;
	}
	/* Without CR4.PSE bit 7 is ignored and the entry always references a page table. */
	gva_account(w, pde, false);
	ret = gva_read32(gm, (pde & 0xfffff000ULL) + ((la >> 12) & 0x3ff) * 4ULL, &pte);
	if (ret)
		return ret;
	if (!(pte & PTE_P))
		return gva_not_present(w);
	gva_account(w, pte, false);
	w->gpa = (pte & 0xfffff000ULL) | (la & 0xfffULL);
	return 0;
}

/* PAE paging (SDM 4.4): CR3 bits 31:5 -> 4 PDPTEs -> page directory -> page table. */
static int gva_walk_pae(const struct guest_mem *gm, const struct gva_ctx *ctx, u32 la,
			struct gva_walk *w)
{
	bool nxe = ctx->efer & X86_EFER_NXE;
	u64 rsvd = PAE_RSVD | (nxe ? 0 : PTE_XD);
	u64 pdpte, pde, pte;
	int ret;

	/*
	 * The processor loads the PDPTEs into registers when CR3 is written
	 * (SDM 4.4.1) and raises #GP there for reserved bits; the walker reads
	 * them from memory now and reports reserved bits as a #PF instead.
	 */
	ret = gva_read64(gm, (ctx->cr3 & 0xffffffe0ULL) + (la >> 30) * 8ULL, &pdpte);
	if (ret)
		return ret;
	if (!(pdpte & PTE_P))
		return gva_not_present(w);
	if (pdpte & PAE_PDPTE_RSVD)
		return gva_reserved(w);

	ret = gva_read64(gm, (pdpte & GVA_ADDR_MASK) + ((la >> 21) & 0x1ff) * 8ULL, &pde);
	if (ret)
		return ret;
	if (!(pde & PTE_P))
		return gva_not_present(w);
	if (pde & PTE_PS) {
		if (pde & (rsvd | GVA_BITS(20, 13)))
			return gva_reserved(w);
		gva_account(w, pde, nxe);
		w->gpa = (pde & GVA_ADDR_MASK & ~0x1fffffULL) | (la & 0x1fffffULL);
		return 0;
	}
	if (pde & rsvd)
		return gva_reserved(w);
	gva_account(w, pde, nxe);

	ret = gva_read64(gm, (pde & GVA_ADDR_MASK) + ((la >> 12) & 0x1ff) * 8ULL, &pte);
	if (ret)
		return ret;
	if (!(pte & PTE_P))
		return gva_not_present(w);
	if (pte & rsvd)
		return gva_reserved(w);
	gva_account(w, pte, nxe);
	w->gpa = (pte & GVA_ADDR_MASK) | (la & 0xfffULL);
	return 0;
}

/*
 * 4-level and 5-level paging (SDM 4.5): level 4 is the PML5, 3 the PML4, 2
 * the PDPT (1 GiB pages), 1 the PD (2 MiB pages), 0 the page table.
 */
static int gva_walk_long(const struct guest_mem *gm, const struct gva_ctx *ctx, u64 va,
			 int levels, struct gva_walk *w)
{
	bool nxe = ctx->efer & X86_EFER_NXE;
	u64 table = ctx->cr3 & GVA_ADDR_MASK;
	int level;

	for (level = levels - 1; level >= 0; level--) {
		u32 shift = PAGE_SHIFT + 9 * (u32)level;
		u64 size = BIT(shift);
		u64 rsvd = nxe ? 0 : PTE_XD;	/* 51:M is empty with M = 52 */
		bool leaf = level == 0;
		u64 e;
		int ret;

		ret = gva_read64(gm, table + ((va >> shift) & 0x1ff) * 8, &e);
		if (ret)
			return ret;
		if (!(e & PTE_P))
			return gva_not_present(w);
		if (level >= 3) {
			rsvd |= PTE_PS;	/* tables 4-14, 4-15: reserved in PML5Es, PML4Es */
		} else if (level >= 1 && (e & PTE_PS)) {
			/* Tables 4-16, 4-18: between PAT (bit 12) and the address. */
			rsvd |= GVA_BITS(shift - 1, 13);
			leaf = true;
		}
		if (e & rsvd)
			return gva_reserved(w);
		gva_account(w, e, nxe);
		if (leaf) {
			w->gpa = (e & GVA_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = e & GVA_ADDR_MASK;
	}
	return gva_not_present(w);	/* not reached: level 0 is always a leaf */
}

/* SDM vol. 1 3.3.7.1: bits 63 down to the top implemented bit are all equal. */
static bool gva_canonical(u64 va, int levels)
{
	u32 unused = levels == 5 ? 7 : 16;

	return (u64)((s64)(va << unused) >> unused) == va;
}

/* SDM 4.6.1: may this access use a translation with these rights? */
static bool gva_allowed(const struct gva_ctx *ctx, const struct gva_walk *w, bool user,
			u32 access)
{
	bool write = access & GVA_WRITE;
	bool fetch = access & GVA_FETCH;

	if (user) {
		if (!w->user)
			return false;
		if (write && !w->writable)
			return false;	/* CR0.WP does not matter for user accesses */
		return !(fetch && w->nx);
	}
	if (fetch) {
		if (w->nx)
			return false;
		/* SMEP: no supervisor fetch from a user-mode address. */
		return !(w->user && (ctx->cr4 & X86_CR4_SMEP));
	}
	/*
	 * SMAP: supervisor data accesses to user-mode addresses fault, except
	 * explicit ones with RFLAGS.AC = 1; implicit ones always fault.
	 */
	if (w->user && (ctx->cr4 & X86_CR4_SMAP) &&
	    ((access & GVA_IMPLICIT) || !ctx->rflags_ac))
		return false;
	return !(write && !w->writable && (ctx->cr0 & X86_CR0_WP));
}

#define GVA_ACCESS_KNOWN (GVA_WRITE | GVA_FETCH | GVA_USER | GVA_IMPLICIT)

int gva_translate(const struct guest_mem *gm, const struct gva_ctx *ctx, u64 gva, u32 access,
		  u64 *gpa, u32 *pf_error)
{
	struct gva_walk w = { .user = true, .writable = true };
	bool write = access & GVA_WRITE;
	bool fetch = access & GVA_FETCH;
	bool user, pae;
	u32 code;
	int ret;

	if (pf_error)
		*pf_error = 0;
	if (!gm || !ctx || !gpa || (access & ~GVA_ACCESS_KNOWN) || (write && fetch) ||
	    ((access & GVA_USER) && (access & GVA_IMPLICIT)))
		return -EINVAL;
	/* SDM 4.6: CPL 3 makes an access user-mode unless it is an implicit supervisor access. */
	user = (access & GVA_USER) || (ctx->cpl == 3 && !(access & GVA_IMPLICIT));

	if (!(ctx->cr0 & X86_CR0_PG)) {
		/* No paging: linear addresses are 32 bits and map one to one. */
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	pae = ctx->cr4 & X86_CR4_PAE;
	if (ctx->efer & X86_EFER_LMA) {
		int levels = (ctx->cr4 & X86_CR4_LA57) ? 5 : 4;

		if (!pae)
			return -EINVAL;	/* SDM 10.8.5: long mode requires PAE */
		/* A non-canonical address is #GP (or #SS), not #PF: the caller injects it. */
		if (!gva_canonical(gva, levels))
			return -EINVAL;
		ret = gva_walk_long(gm, ctx, gva, levels, &w);
	} else if (pae) {
		ret = gva_walk_pae(gm, ctx, (u32)gva, &w);
	} else {
		ret = gva_walk_32(gm, ctx, (u32)gva, &w);
	}

	if (ret == 0) {
		if (gva_allowed(ctx, &w, user, access)) {
			*gpa = w.gpa;
			return 0;
		}
		code = PF_ERR_P;	/* a protection violation on present entries */
	} else if (ret == -EFAULT) {
		code = w.fault;
	} else {
		return ret;
	}

	/* SDM 4.7: I/D is set for fetches only with SMEP, or with NXE in PAE/4-level paging. */
	if (write)
		code |= PF_ERR_W;
	if (user)
		code |= PF_ERR_U;
	if (fetch && ((ctx->cr4 & X86_CR4_SMEP) || (pae && (ctx->efer & X86_EFER_NXE))))
		code |= PF_ERR_I;
	if (pf_error)
		*pf_error = code;
	return -EFAULT;
}

/* Bytes from va to the end of its 4 KiB page, at most left. */
static u64 gva_chunk(u64 va, u64 left)
{
	return MIN(left, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
}

int gva_read(const struct guest_mem *gm, const struct gva_ctx *ctx, u64 gva, void *buf,
	     u64 len, u32 access, u32 *pf_error, u64 *fault_gva)
{
	u8 *out = buf;
	u64 done = 0;

	if (pf_error)
		*pf_error = 0;
	if (fault_gva)
		*fault_gva = 0;
	if (access & GVA_WRITE)
		return -EINVAL;
	/* Each pass moves at least one byte and at most one page: bounded by len. */
	while (done < len) {
		u64 va = gva + done;
		u64 n = gva_chunk(va, len - done);
		u64 gpa;
		int ret;

		ret = gva_translate(gm, ctx, va, access, &gpa, pf_error);
		if (!ret && guest_mem_read(gm, gpa, out + done, n))
			ret = -EIO;	/* the page is MMIO or a hole: not ours to copy */
		if (ret) {
			/* CR2 of the fault: the first byte of this access on the failing page. */
			if (fault_gva)
				*fault_gva = va;
			return ret;
		}
		done += n;
	}
	return 0;
}

/* Translations the check pass of gva_write keeps, so short writes translate once. */
#define GVA_WRITE_CACHE 8

int gva_write(const struct guest_mem *gm, const struct gva_ctx *ctx, u64 gva, const void *buf,
	      u64 len, u32 access, u32 *pf_error, u64 *fault_gva)
{
	const u8 *in = buf;
	u64 cache[GVA_WRITE_CACHE];
	u64 done, page;

	if (pf_error)
		*pf_error = 0;
	if (fault_gva)
		*fault_gva = 0;
	if (access & GVA_FETCH)
		return -EINVAL;
	access |= GVA_WRITE;

	/* Pass 1: every page must translate and be writable RAM before anything is written. */
	for (done = 0, page = 0; done < len; page++) {
		u64 va = gva + done;
		u64 n = gva_chunk(va, len - done);
		u64 gpa;
		int ret;

		ret = gva_translate(gm, ctx, va, access, &gpa, pf_error);
		if (!ret && !guest_mem_ptr(gm, gpa, n, true))
			ret = -EIO;
		if (ret) {
			if (fault_gva)
				*fault_gva = va;
			return ret;
		}
		if (page < GVA_WRITE_CACHE)
			cache[page] = gpa;
		done += n;
	}

	/*
	 * Pass 2: copy.  Pages past the cache are translated again; if another
	 * vCPU changed the guest's tables in between, the copy stops at the page
	 * that fails now (the guest raced itself; only its own RAM is written).
	 */
	for (done = 0, page = 0; done < len; page++) {
		u64 va = gva + done;
		u64 n = gva_chunk(va, len - done);
		u64 gpa;
		int ret = 0;

		if (page < GVA_WRITE_CACHE)
			gpa = cache[page];
		else
			ret = gva_translate(gm, ctx, va, access, &gpa, pf_error);
		if (!ret && guest_mem_write(gm, gpa, in + done, n))
			ret = -EIO;
		if (ret) {
			if (fault_gva)
				*fault_gva = va;
			return ret;
		}
		done += n;
	}
	return 0;
}
