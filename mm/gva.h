/*
 * Guest-virtual to guest-physical translation through the guest's own page
 * tables, in every paging mode (none, 32-bit with PSE, PAE, 4-level, 5-level),
 * with the permission checks the CPU makes (U/S, R/W with CR0.WP, NX, SMEP, SMAP).
 */
#ifndef MM_GVA_H
#define MM_GVA_H

#include "mm/guest_mem.h"

/* The paging context of the access: from CR0, CR4, EFER and the CPL. */
struct gva_ctx {
	u64 cr0, cr3, cr4, efer;
	u8 cpl;
	bool rflags_ac;		/* RFLAGS.AC, for SMAP */
};

#define GVA_READ 0
#define GVA_WRITE BIT(0)
#define GVA_FETCH BIT(1)
#define GVA_USER BIT(2)		/* an access with user privilege (CPL 3) */
#define GVA_IMPLICIT BIT(3)	/* an implicit supervisor access (descriptor tables): SMAP exempt */

/* Page-fault error code bits (SDM 4.7). */
#define PF_ERR_P BIT(0)
#define PF_ERR_W BIT(1)
#define PF_ERR_U BIT(2)
#define PF_ERR_RSVD BIT(3)
#define PF_ERR_I BIT(4)

/*
 * Translates gva; 0 and *gpa on success.  -EFAULT with *pf_error set when the
 * guest would take a #PF (inject it with CR2 = gva); -EIO when a paging
 * structure is outside guest RAM; -EINVAL for a non-canonical address (the
 * guest takes #GP or #SS, not #PF), for contradictory access flags (WRITE
 * with FETCH, USER with IMPLICIT, unknown bits) and for long mode without PAE.
 *
 * The access is user-mode when GVA_USER is set, or ctx->cpl is 3 and
 * GVA_IMPLICIT is not; otherwise supervisor-mode (SDM 4.6).  pf_error may be
 * NULL.  MAXPHYADDR is taken as 52 and 1 GiB pages as supported; protection
 * keys are not checked.  PAE PDPTEs are read from memory at each walk (the
 * CPU uses the copies it loaded at the last CR3 write).  Accessed and dirty
 * bits are never set (SDM 4.8 would set them): the walker only reads guest
 * tables, so it cannot race the guest's own updates of them; the price is
 * that a page the hypervisor writes for the guest (a hypercall output
 * buffer) keeps its D flag as it was.
 */
int gva_translate(const struct guest_mem *gm, const struct gva_ctx *ctx, u64 gva, u32 access,
		  u64 *gpa, u32 *pf_error);

/*
 * Copies len bytes at gva (which may cross pages) to/from buf, translating
 * each page.  Same return values as gva_translate, plus -EIO when a page
 * translates to guest-physical memory that is not RAM (or ROM, for reads);
 * *fault_gva is the first byte of the access on the failing page (the CR2
 * value).  gva_read rejects GVA_WRITE, gva_write GVA_FETCH (it adds GVA_WRITE
 * itself).  gva_write translates and checks every page before it writes any
 * byte; only a guest changing its own page tables on another vCPU meanwhile
 * can make it stop part-way.  pf_error and fault_gva may be NULL.
 */
int gva_read(const struct guest_mem *gm, const struct gva_ctx *ctx, u64 gva, void *buf,
	     u64 len, u32 access, u32 *pf_error, u64 *fault_gva);
int gva_write(const struct guest_mem *gm, const struct gva_ctx *ctx, u64 gva, const void *buf,
	      u64 len, u32 access, u32 *pf_error, u64 *fault_gva);

#endif
