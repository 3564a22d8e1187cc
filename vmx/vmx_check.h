/*
 * MACROHARD's own VM-entry checker: the SDM 26.3.1 guest-state checks (and the
 * 26.2.1.3 event-injection checks) evaluated on a snapshot of the VMCS, so a
 * failed VM entry can say which rule the guest state broke.  Pure code: the
 * host unit test runs it on hand-made snapshots.
 */
#ifndef VMX_VMX_CHECK_H
#define VMX_VMX_CHECK_H

#include "lib/types.h"

/* Segments in x86 encoding order, then LDTR and TR (the VMCS field order). */
enum { VMX_SEG_ES, VMX_SEG_CS, VMX_SEG_SS, VMX_SEG_DS, VMX_SEG_FS, VMX_SEG_GS,
       VMX_SEG_LDTR, VMX_SEG_TR, VMX_SEG_COUNT };

struct vmx_check_segment {
	u16 selector;
	u64 base;
	u32 limit;
	u32 ar;			/* VMCS access-rights format, bit 16 = unusable */
};

struct vmx_guest_snapshot {
	/* Controls in effect and the capability MSRs the checks depend on. */
	u32 pin, proc, proc2, exit_ctl, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 misc;		/* IA32_VMX_MISC: supported activity states */
	u8 maxphyaddr;		/* CPUID 0x80000008 EAX[7:0] */

	u64 cr0, cr3, cr4, dr7, debugctl, efer, pat;
	u64 sysenter_esp, sysenter_eip;
	struct vmx_check_segment seg[VMX_SEG_COUNT];
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u64 rip, rflags;
	u32 activity, interruptibility;
	u64 pending_dbg;
	u64 link_pointer;
	u64 pdpte[4];

	/* The event to inject (VM-entry interruption information and friends). */
	u32 entry_intr_info, entry_error_code, entry_insn_len;
};

/*
 * Returns NULL when every implemented check passes, otherwise a description of
 * the first violated one ("SDM 26.3.1.2: CS …").
 */
const char *vmx_check_guest_state(const struct vmx_guest_snapshot *g);

#endif
