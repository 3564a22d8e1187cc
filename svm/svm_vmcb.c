/*
 * VMCB contents: the intercept set, guest state to and from the vendor-neutral
 * vcpu_sregs, and the I/O and MSR permission maps.  Pure data: no instruction
 * here touches the hardware, so the host unit tests link this file.
 */
#include "svm/svm.h"
#include "vm/msr_passthrough.h"
#include "lib/errno.h"
#include "lib/string.h"

/*
 * The intercepts every vCPU starts with (APM 15.9-15.14).  Everything that
 * would let a guest reach the host's state, wedge the CPU or use SVM itself is
 * intercepted; with nested paging the guest owns CR0/CR3/CR4 and its page
 * tables, so CR and DR accesses run natively (EFER writes still exit through
 * the MSR map).
 */
/* 15.9: CR8 reads (bit 8) and writes (bit 24). */
#define INTERCEPT_CR8 ((1U << 8) | (1U << (16 + 8)))
#define SVM_DEFAULT_EXC (BIT(EXC_DB) | BIT(EXC_UD) | BIT(EXC_AC) | BIT(EXC_MC))
#define SVM_DEFAULT_MISC1 (SVM_INT1_INTR | SVM_INT1_NMI | SVM_INT1_SMI | SVM_INT1_INIT |	\
			   SVM_INT1_CPUID | SVM_INT1_INVD | SVM_INT1_HLT | SVM_INT1_RDPMC |			\
			   SVM_INT1_INVLPGA | SVM_INT1_IOIO_PROT | SVM_INT1_MSR_PROT |		\
			   SVM_INT1_TASK_SWITCH | SVM_INT1_SHUTDOWN)
#define SVM_DEFAULT_MISC2 (SVM_INT2_VMRUN | SVM_INT2_VMMCALL | SVM_INT2_VMLOAD |		\
			   SVM_INT2_VMSAVE | SVM_INT2_STGI | SVM_INT2_CLGI | SVM_INT2_SKINIT |	\
			   SVM_INT2_ICEBP | SVM_INT2_WBINVD | SVM_INT2_MONITOR |		\
			   SVM_INT2_MWAIT | SVM_INT2_MWAIT_CONDITIONAL | SVM_INT2_XSETBV |	\
			   SVM_INT2_RDPRU)

void svm_vmcb_init_control(struct vmcb *vmcb, const struct svm_control_params *p)
{
	struct vmcb_control *c = &vmcb->ctl;

	memset(c, 0, sizeof(*c));
	/*
	 * #DB and #AC: a guest whose IDT makes these exceptions recur forever
	 * would otherwise hold the CPU inside the guest with no intercept to
	 * stop it (CVE-2015-5307, CVE-2015-8104).  #UD: lets the core emulate
	 * or report instructions the guest cannot execute.  #MC: a machine check
	 * is the host's business.
	 */
	/*
	 * CR4 writes are validated by common code: a bit the guest's CPUID does
	 * not offer (VMXE, SMXE …) must raise #GP — QEMU's SVM would otherwise
	 * accept it and fail the next VMRUN.  CR8 reads and writes are the local
	 * APIC's TPR (devices/lapic.c), as on VT-x, not V_TPR.
	 */
	c->intercept_cr = (1U << (16 + 4)) | INTERCEPT_CR8;
	c->intercept_exc = SVM_DEFAULT_EXC;
	c->intercept_misc1 = SVM_DEFAULT_MISC1;
	c->intercept_misc2 = SVM_DEFAULT_MISC2;
	c->intercept_misc3 = 0;
	c->iopm_base_pa = p->iopm_pa;
	c->msrpm_base_pa = p->msrpm_pa;
	c->tsc_offset = p->tsc_offset;
	c->asid = p->asid;
	/* A new VMCB may inherit TLB entries of an earlier user of its ASID. */
	c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	/*
	 * 15.21.1: with V_INTR_MASKING the guest's RFLAGS.IF and CR8 act on
	 * virtual interrupts only; physical interrupts follow the host's IF and
	 * cause #VMEXIT(INTR).
	 */
	c->vintr = SVM_VINTR_MASKING;
	c->np_control = SVM_NP_ENABLE;
	c->n_cr3 = p->n_cr3;
}

/* VMX access rights (vm/vcpu_state.h) to the VMCB's 12-bit attributes (Table B-2). */
u16 svm_attr_from_ar(u32 ar)
{
	u16 attr = (u16)((ar & 0xff) | ((ar >> 4) & 0xf00));

	if (ar & SEG_AR_UNUSABLE)
		attr &= (u16)~SVM_ATTR_P;
	return attr;
}

u32 svm_ar_from_attr(u16 attr, bool can_be_unusable)
{
	u32 ar = (attr & 0xffu) | ((u32)(attr & 0xf00) << 4);

	if (can_be_unusable && !(attr & SVM_ATTR_P))
		ar |= SEG_AR_UNUSABLE;
	return ar;
}

static void seg_to_vmcb(struct vmcb_seg *d, const struct segment *s)
{
	d->selector = s->selector;
	d->attrib = svm_attr_from_ar(s->ar);
	d->limit = s->limit;
	d->base = s->base;
}

static void seg_from_vmcb(struct segment *d, const struct vmcb_seg *s, bool can_be_unusable)
{
	d->selector = s->selector;
	d->ar = svm_ar_from_attr(s->attrib, can_be_unusable);
	d->limit = s->limit;
	d->base = s->base;
}

/*
 * The VMCB keeps CPL in its own field (Table B-2, 0CBh); the VMX format has
 * none and takes SS.DPL for it.
 */
static u8 cpl_of(const struct vcpu_sregs *s, u64 rflags)
{
	if (!(s->cr0 & X86_CR0_PE))
		return 0;
	if (rflags & X86_RFLAGS_VM)
		return 3;
	return (u8)SEG_AR_DPL(s->seg[SEG_SS].ar);
}

void svm_vmcb_set_sregs(struct vmcb *vmcb, const struct vcpu_sregs *s, u64 rflags)
{
	struct vmcb_save *v = &vmcb->save;

	seg_to_vmcb(&v->es, &s->seg[SEG_ES]);
	seg_to_vmcb(&v->cs, &s->seg[SEG_CS]);
	seg_to_vmcb(&v->ss, &s->seg[SEG_SS]);
	seg_to_vmcb(&v->ds, &s->seg[SEG_DS]);
	seg_to_vmcb(&v->fs, &s->seg[SEG_FS]);
	seg_to_vmcb(&v->gs, &s->seg[SEG_GS]);
	seg_to_vmcb(&v->tr, &s->tr);
	seg_to_vmcb(&v->ldtr, &s->ldtr);
	v->gdtr = (struct vmcb_seg){ .limit = s->gdtr.limit, .base = s->gdtr.base };
	v->idtr = (struct vmcb_seg){ .limit = s->idtr.limit, .base = s->idtr.base };
	v->cpl = cpl_of(s, rflags);
	v->cr0 = s->cr0;
	v->cr2 = s->cr2;
	v->cr3 = s->cr3;
	v->cr4 = s->cr4;
	/* The guest sees EFER without SVME (SVM is not offered); VMRUN needs it set. */
	v->efer = s->efer | X86_EFER_SVME;
	v->dr6 = s->dr6;
	v->dr7 = s->dr7;
	v->g_pat = s->pat;
	v->sysenter_cs = s->sysenter_cs;
	v->sysenter_esp = s->sysenter_esp;
	v->sysenter_eip = s->sysenter_eip;
	v->star = s->star;
	v->lstar = s->lstar;
	v->cstar = s->cstar;
	v->sfmask = s->sfmask;
	v->kernel_gs_base = s->kernel_gs_base;
	/* 15.21.1: with V_INTR_MASKING, guest CR8 reads and writes go to V_TPR. */
	vmcb->ctl.vintr = (vmcb->ctl.vintr & ~SVM_VINTR_TPR_MASK) | (s->cr8 & SVM_VINTR_TPR_MASK);
}

void svm_vmcb_get_sregs(const struct vmcb *vmcb, struct vcpu_sregs *s)
{
	const struct vmcb_save *v = &vmcb->save;

	seg_from_vmcb(&s->seg[SEG_ES], &v->es, true);
	seg_from_vmcb(&s->seg[SEG_CS], &v->cs, false);
	seg_from_vmcb(&s->seg[SEG_SS], &v->ss, true);
	seg_from_vmcb(&s->seg[SEG_DS], &v->ds, true);
	seg_from_vmcb(&s->seg[SEG_FS], &v->fs, true);
	seg_from_vmcb(&s->seg[SEG_GS], &v->gs, true);
	seg_from_vmcb(&s->tr, &v->tr, false);
	seg_from_vmcb(&s->ldtr, &v->ldtr, true);
	/* The CPL field is authoritative; SS.DPL may be stale (e.g. after SYSRET). */
	s->seg[SEG_SS].ar = (s->seg[SEG_SS].ar & ~(3u << 5)) | ((u32)(v->cpl & 3) << 5);
	s->gdtr.base = v->gdtr.base;
	s->gdtr.limit = (u16)v->gdtr.limit;
	s->idtr.base = v->idtr.base;
	s->idtr.limit = (u16)v->idtr.limit;
	s->cr0 = v->cr0;
	s->cr2 = v->cr2;
	s->cr3 = v->cr3;
	s->cr4 = v->cr4;
	s->cr8 = vmcb->ctl.vintr & SVM_VINTR_TPR_MASK;
	s->efer = v->efer & ~X86_EFER_SVME;
	s->dr6 = v->dr6;
	s->dr7 = v->dr7;
	s->pat = v->g_pat;
	s->sysenter_cs = v->sysenter_cs;
	s->sysenter_esp = v->sysenter_esp;
	s->sysenter_eip = v->sysenter_eip;
	s->star = v->star;
	s->lstar = v->lstar;
	s->cstar = v->cstar;
	s->sfmask = v->sfmask;
	s->kernel_gs_base = v->kernel_gs_base;
}

/* 15.10.1: one bit per port, all set: every IN/OUT/INS/OUTS exits. */
void svm_iopm_init(u8 *iopm)
{
	memset(iopm, 0xff, SVM_IOPM_SIZE);
}

/*
 * 15.11: two bits per MSR (read, then write) in three 2 KiB blocks for
 * 0000_0000h-0000_1FFFh, C000_0000h-C000_1FFFh and C001_0000h-C001_1FFFh.
 */
static int msrpm_bit(u32 msr, u32 *bit)
{
	u32 block;

	if (msr <= 0x1fff)
		block = 0;
	else if (msr - 0xc0000000u <= 0x1fff)
		block = 1;
	else if (msr - 0xc0010000u <= 0x1fff)
		block = 2;
	else
		return -EINVAL;
	*bit = block * 0x800 * 8 + (msr & 0x1fff) * 2;
	return 0;
}

int svm_msrpm_set(u8 *msrpm, u32 msr, bool intercept_read, bool intercept_write)
{
	u32 bit;

	if (msrpm_bit(msr, &bit))
		return -EINVAL;
	/* The read bit is even, so both bits share one byte. */
	msrpm[bit / 8] &= (u8)~(3u << (bit % 8));
	msrpm[bit / 8] |= (u8)(((intercept_read ? 1u : 0u) | (intercept_write ? 2u : 0u)) << (bit % 8));
	return 0;
}

bool svm_msrpm_intercepts(const u8 *msrpm, u32 msr, bool write)
{
	u32 bit;

	if (msrpm_bit(msr, &bit))
		return true;
	bit += write;
	return msrpm[bit / 8] & (1u << (bit % 8));
}

void svm_msrpm_init(u8 *msrpm)
{
	memset(msrpm, 0xff, SVM_MSRPM_SIZE);
	for (size_t i = 0; i < vm_msr_passthrough_count; i++)
		svm_msrpm_set(msrpm, vm_msr_passthrough[i], false, false);
}
