/*
 * Internal to svm/: the per-vCPU back-end state and the pieces the back-end's
 * files share (VMCB set-up, exit decoding, the VMRUN consistency checker).
 * Common code sees only svm_ops (vm/vendor.h).
 */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include "svm/vmcb.h"
#include "svm/svm_exit_codes.h"
#include "vm/exit.h"
#include "vm/vendor.h"
#include "vm/vcpu_state.h"

/* What the host CPU offers, read once by the first svm_cpu_enable(). */
struct svm_check_env {
	u8 phys_bits;		/* CPUID 8000_0008h EAX[7:0] */
	bool long_mode;		/* CPUID 8000_0001h EDX[29] */
	bool npt;
	u64 cr4_allowed;	/* CR4 bits this CPU implements */
	u64 efer_allowed;	/* EFER bits that are not MBZ */
};

/* The back-end's part of a vCPU (vcpu->arch); lives in its own page. */
struct svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u64 iopm_pa;		/* SVM_IOPM_SIZE bytes */
	u64 msrpm_pa;		/* SVM_MSRPM_SIZE bytes */
	u64 last_hsave;		/* VM_HSAVE_PA of the CPU that ran this VMCB last */
	u64 tsc_offset;		/* as last written to the VMCB */
	u64 injected;		/* EVENTINJ as it went into the last VMRUN */
	bool window;		/* interrupt window requested */
	bool flush;		/* stage-2 flush due at the next VMRUN */
	/*
	 * A failed VMRUN may overwrite the save area (TCG does), so a copy of
	 * the state common code wrote last is kept for the diagnosis.
	 */
	bool snapshot_due, snapshot_valid;
	const char *precheck;	/* debug mode: what the checker found before VMRUN */
	struct vmcb_save snapshot;
};

/* svm_vmcb.c: VMCB contents, without touching hardware (unit-tested). */
struct svm_control_params {
	u64 iopm_pa, msrpm_pa;
	u32 asid;
	u64 n_cr3;
	u64 tsc_offset;
};
void svm_vmcb_init_control(struct vmcb *vmcb, const struct svm_control_params *p);
void svm_vmcb_set_sregs(struct vmcb *vmcb, const struct vcpu_sregs *s, u64 rflags);
void svm_vmcb_get_sregs(const struct vmcb *vmcb, struct vcpu_sregs *s);
u16 svm_attr_from_ar(u32 ar);
u32 svm_ar_from_attr(u16 attr, bool can_be_unusable);
void svm_iopm_init(u8 *iopm);
void svm_msrpm_init(u8 *msrpm);
/* Sets or clears the read and write intercepts of one MSR; -EINVAL outside the map. */
int svm_msrpm_set(u8 *msrpm, u32 msr, bool intercept_read, bool intercept_write);
/* Whether the map intercepts an access (MSRs outside the map always are). */
bool svm_msrpm_intercepts(const u8 *msrpm, u32 msr, bool write);

/* svm_exits.c: the exit table and the decoder (unit-tested). */
extern const struct exit_table_entry svm_exit_table[SVM_EXIT_TABLE_SIZE];
/* Dense table index of an exit code, or -ENOENT for codes the APM does not define. */
int svm_exit_index(u64 exitcode);

struct svm_exit_ctx {
	const struct vmcb *vmcb;	/* after the #VMEXIT */
	const u64 *gpr;			/* guest GPRs after the exit (RAX/RSP from the VMCB) */
	bool nrip;			/* the CPU has NRIP-save */
	bool decode_assists;
};
/* Fills exit from the VMCB: kind, raw fields, table index and name, decoded details. */
void svm_exit_decode(const struct svm_exit_ctx *ctx, struct vm_exit *exit);
/* Whether an exception vector pushes an error code (APM vol. 2, 8.2). */
bool svm_vector_has_error(u8 vector);

/* svm_check.c: the VMRUN consistency checks (APM 15.5.1), first violation by name. */
const char *svm_check_vmcb(const struct vmcb *vmcb, const struct svm_check_env *env);

/* svm_dump.c */
void svm_dump_vmcb(const struct vmcb *vmcb);

/* svm_run.asm: enters the guest once; returns after the #VMEXIT. */
void svm_vmrun(u64 vmcb_pa, u64 *gpr, u64 host_area_pa);

#endif
