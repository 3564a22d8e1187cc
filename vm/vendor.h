/*
 * The vendor ops table: everything common code asks of VT-x or AMD-V.  One image
 * serves both vendors; vendor_select() picks vmx_ops or svm_ops from CPUID at boot.
 */
#ifndef VM_VENDOR_H
#define VM_VENDOR_H

#include "vm/exit.h"
#include "vm/vcpu_state.h"
#include "mm/stage2.h"

struct vm;
struct vcpu;

/* One entry of a back-end's complete exit table. */
enum exit_policy {
	EXIT_POLICY_HANDLE,	/* decode into a vm_exit and pass it to the common handlers */
	EXIT_POLICY_INJECT,	/* raise the exception hardware raises when the feature is absent */
	EXIT_POLICY_STOP,	/* end the VM with a diagnostic dump */
};

struct exit_table_entry {
	const char *name;	/* the manual's name, e.g. "VMX_EXIT_EPT_VIOLATION" */
	enum exit_policy policy;
	u8 inject_vector;	/* for EXIT_POLICY_INJECT */
	bool defined;		/* false for reserved numbers */
};

struct vendor_ops {
	const char *name;		/* "VT-x" or "AMD-V" */
	enum stage2_format stage2_format;
	u32 stage2_flags;		/* STAGE2_ALLOW_* the hardware supports */

	/*
	 * Per physical CPU: cpu_prepare allocates, on the BSP, what CPU cpu will need
	 * (VMXON region, host save area), so an AP never allocates; cpu_enable then turns
	 * virtualization on, on the calling CPU (VMXON / EFER.SVME), after the same
	 * capability checks as on the BSP; cpu_disable turns it off.
	 */
	int (*cpu_prepare)(u32 cpu);
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);

	/* Allocates and initialises the VMCS/VMCB from vcpu->sregs, vcpu->rip, vcpu->rflags. */
	int (*vcpu_create)(struct vcpu *vcpu);
	void (*vcpu_destroy)(struct vcpu *vcpu);
	/*
	 * On the CPU that ran the vCPU: release it from this CPU (VMCLEAR), so another CPU
	 * may run it or the BSP may destroy it.  NULL when nothing is bound to a CPU.
	 */
	void (*vcpu_put)(struct vcpu *vcpu);

	/*
	 * Enters the guest (writing back vcpu->gpr, and rip/rflags/sregs when
	 * marked dirty) and returns at the next exit that needs common code,
	 * with *exit filled and vcpu->gpr, rip, rflags current.  Returns 0, or a
	 * negative error when the back-end itself failed (the VM is stopped).
	 * When rip_dirty is set, common code completed an instruction: the
	 * back-end also clears the guest's interrupt shadow (STI / MOV SS
	 * blocking).  Several vCPUs share one CPU: the back-end makes this
	 * vCPU's VMCS current (VMPTRLD) when another one was.  Called only on the
	 * CPU the vCPU is pinned to (vm/sched.c), as are the calls below.
	 */
	int (*vcpu_run)(struct vcpu *vcpu, struct vm_exit *exit);

	void (*get_sregs)(struct vcpu *vcpu, struct vcpu_sregs *sregs);
	void (*set_sregs)(struct vcpu *vcpu, const struct vcpu_sregs *sregs);

	/* Queues an event for the next entry; false if one is already pending. */
	bool (*inject_event)(struct vcpu *vcpu, const struct vcpu_event *event);
	/* Whether the guest can take an external interrupt right now (IF, shadow, pending event). */
	bool (*interrupt_allowed)(struct vcpu *vcpu);
	/* Whether an STI or MOV SS shadow covers the instruction at RIP (not yet completed). */
	bool (*interrupt_shadow)(struct vcpu *vcpu);
	/* Requests (or cancels) an exit as soon as the guest can take an interrupt. */
	void (*set_interrupt_window)(struct vcpu *vcpu, bool enable);

	/* Guest TLB / stage-2 flush after the stage-2 tables changed. */
	void (*stage2_flush)(struct vcpu *vcpu);

	/* Prints the vendor's raw state (control fields, exit information). */
	void (*dump)(struct vcpu *vcpu);

	/* The complete exit table, for counters and names. */
	const struct exit_table_entry *exit_table;
	u32 exit_table_size;
};

/*
 * Not const: their stage2_flags depend on the CPU (EPT 2 MiB/1 GiB pages and
 * accessed/dirty flags; 1 GiB NPT pages), and the first cpu_enable() fills
 * them in before any VM is created.
 */
extern struct vendor_ops vmx_ops;
extern struct vendor_ops svm_ops;

/* The back-end in use, chosen once at start-up; NULL when neither can run. */
extern const struct vendor_ops *vendor;

/* Picks the back-end from CPUID and the capability checks; returns -ENODEV when none. */
int vendor_select(void);

#endif
