/* Prints a VMCB for diagnostic dumps: the control fields that matter, then the state save area. */
#include "svm/svm.h"
#include "lib/log.h"

static void dump_seg(const char *name, const struct vmcb_seg *s)
{
	log_raw("  %-4s sel=%04x attr=%03x limit=%08x base=%016llx\n", name, s->selector,
		s->attrib, s->limit, (unsigned long long)s->base);
}

#define X(v) ((unsigned long long)(v))

void svm_dump_vmcb(const struct vmcb *vmcb)
{
	const struct vmcb_control *c = &vmcb->ctl;
	const struct vmcb_save *s = &vmcb->save;

	log_raw("VMCB control area:\n");
	log_raw("  intercepts: cr=%08x dr=%08x exc=%08x misc=%08x %08x %08x\n", c->intercept_cr,
		c->intercept_dr, c->intercept_exc, c->intercept_misc1, c->intercept_misc2,
		c->intercept_misc3);
	log_raw("  iopm=%016llx msrpm=%016llx tsc_offset=%016llx\n", X(c->iopm_base_pa),
		X(c->msrpm_base_pa), X(c->tsc_offset));
	log_raw("  asid=%u tlb_control=%u vintr=%016llx int_state=%016llx\n", c->asid,
		c->tlb_control, X(c->vintr), X(c->int_state));
	log_raw("  exitcode=%016llx exitinfo1=%016llx exitinfo2=%016llx\n", X(c->exitcode),
		X(c->exitinfo1), X(c->exitinfo2));
	log_raw("  exitintinfo=%016llx eventinj=%016llx nrip=%016llx\n", X(c->exitintinfo),
		X(c->eventinj), X(c->nrip));
	log_raw("  np_control=%016llx n_cr3=%016llx clean=%08x virt_ext=%016llx\n",
		X(c->np_control), X(c->n_cr3), c->clean, X(c->virt_ext));
	log_raw("  insn bytes (%u):", c->insn_len & 0xf);
	for (u32 i = 0; i < (c->insn_len & 0xfu) && i < sizeof(c->insn_bytes); i++)
		log_raw(" %02x", c->insn_bytes[i]);
	log_raw("\nVMCB state save area:\n");
	dump_seg("es", &s->es);
	dump_seg("cs", &s->cs);
	dump_seg("ss", &s->ss);
	dump_seg("ds", &s->ds);
	dump_seg("fs", &s->fs);
	dump_seg("gs", &s->gs);
	dump_seg("gdtr", &s->gdtr);
	dump_seg("ldtr", &s->ldtr);
	dump_seg("idtr", &s->idtr);
	dump_seg("tr", &s->tr);
	log_raw("  cpl=%u efer=%016llx g_pat=%016llx\n", s->cpl, X(s->efer), X(s->g_pat));
	log_raw("  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx\n", X(s->cr0), X(s->cr2),
		X(s->cr3), X(s->cr4));
	log_raw("  dr6=%016llx dr7=%016llx rflags=%016llx\n", X(s->dr6), X(s->dr7), X(s->rflags));
	log_raw("  rip=%016llx rsp=%016llx rax=%016llx\n", X(s->rip), X(s->rsp), X(s->rax));
	log_raw("  star=%016llx lstar=%016llx cstar=%016llx sfmask=%016llx\n", X(s->star),
		X(s->lstar), X(s->cstar), X(s->sfmask));
	log_raw("  kernel_gs_base=%016llx sysenter cs=%llx esp=%016llx eip=%016llx\n",
		X(s->kernel_gs_base), X(s->sysenter_cs), X(s->sysenter_esp), X(s->sysenter_eip));
}
