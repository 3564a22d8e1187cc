/*
 * Host unit test for MACROHARD's VM-entry guest-state checker (vmx/vmx_check.c):
 * valid real-mode, protected-mode and 64-bit states pass; each broken rule is named.
 */
// unit-deps: vmx/vmx_check.c
#include <stdio.h>
#include <string.h>

#include "vmx/vmx_check.h"
#include "vmx/vmcs.h"
#include "tests/unit/unit.h"

/* The state of a vCPU after reset, as an unrestricted guest (capabilities like Bochs' Skylake-X). */
static struct vmx_guest_snapshot real_mode(void)
{
	struct vmx_guest_snapshot g;

	memset(&g, 0, sizeof(g));
	g.pin = PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;
	g.proc = PROC_ACTIVATE_SECONDARY_CONTROLS;
	g.proc2 = PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST;
	g.exit_ctl = EXIT_HOST_ADDRESS_SPACE_SIZE | EXIT_LOAD_IA32_EFER;
	g.entry = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT;
	g.cr0_fixed0 = 0x80000021;
	g.cr0_fixed1 = 0xffffffff;
	g.cr4_fixed0 = 0x2000;
	g.cr4_fixed1 = 0x3727ff;
	g.misc = VMX_MISC_ACTIVITY_HLT | VMX_MISC_ACTIVITY_SHUTDOWN | VMX_MISC_ACTIVITY_WAIT_SIPI;
	g.maxphyaddr = 39;
	g.cr0 = 0x30;			/* ET, NE (forced) */
	g.cr4 = 0x2000;			/* VMXE (forced) */
	g.dr7 = 0x400;
	g.pat = 0x0007040600070406ULL;
	for (int i = VMX_SEG_ES; i <= VMX_SEG_GS; i++)
		g.seg[i] = (struct vmx_check_segment){ 0, 0, 0xffff, 0x93 };
	g.seg[VMX_SEG_CS] = (struct vmx_check_segment){ 0xf000, 0xf0000, 0xffff, 0x9b };
	g.seg[VMX_SEG_LDTR] = (struct vmx_check_segment){ 0, 0, 0xffff, 0x82 };
	g.seg[VMX_SEG_TR] = (struct vmx_check_segment){ 0, 0, 0xffff, 0x8b };
	g.gdtr_limit = g.idtr_limit = 0xffff;
	g.rip = 0xfff0;
	g.rflags = 2;
	g.link_pointer = ~0ULL;
	return g;
}

static struct vmx_guest_snapshot long_mode(void)
{
	struct vmx_guest_snapshot g = real_mode();

	g.entry |= ENTRY_IA32E_MODE_GUEST;
	g.cr0 = 0x80000031;		/* PG, NE, ET, PE */
	g.cr4 = 0x2020;			/* VMXE, PAE */
	g.cr3 = 0x10000;
	g.efer = 0x500;
	for (int i = VMX_SEG_ES; i <= VMX_SEG_GS; i++)
		g.seg[i] = (struct vmx_check_segment){ 0x10, 0, 0xffffffff, 0xc093 };
	g.seg[VMX_SEG_CS] = (struct vmx_check_segment){ 0x08, 0, 0xffffffff, 0xa09b };
	g.seg[VMX_SEG_LDTR].ar = 0x10000;
	g.seg[VMX_SEG_TR] = (struct vmx_check_segment){ 0x18, 0x5000, 0x67, 0x8b };
	g.rip = 0xffffffff81000000ULL;
	return g;
}

#define EXPECT(label, snap, fragment) do {						\
	const char *r_ = vmx_check_guest_state(&(snap));				\
	unit_check(r_ && strstr(r_, (fragment)), (label), "got \"%s\", want \"%s\"",	\
		   r_ ? r_ : "(passes)", (fragment));					\
} while (0)

int main(void)
{
	struct vmx_guest_snapshot g;

	g = real_mode();
	CHECK("reset state passes (unrestricted guest)", vmx_check_guest_state(&g) == NULL);
	g = long_mode();
	CHECK("64-bit state passes", vmx_check_guest_state(&g) == NULL);
	g = real_mode();
	g.cr0 |= 0x60000000;
	CHECK("CR0.CD/NW are not checked", vmx_check_guest_state(&g) == NULL);

	g = real_mode();
	g.proc2 &= ~PROC2_UNRESTRICTED_GUEST;
	EXPECT("real mode needs unrestricted guest", g, "IA32_VMX_CR0_FIXED0");
	g = real_mode();
	g.cr0 &= ~0x20ULL;
	EXPECT("CR0.NE is fixed", g, "CR0 has a bit clear");
	g = real_mode();
	g.cr0 |= 0x80000000;
	EXPECT("PG without PE", g, "CR0.PG is set without CR0.PE");
	g = real_mode();
	g.cr4 = 0;
	EXPECT("CR4.VMXE is fixed", g, "IA32_VMX_CR4_FIXED0");
	g = real_mode();
	g.cr4 |= BIT(22);
	EXPECT("unsupported CR4 bit", g, "IA32_VMX_CR4_FIXED1");
	g = real_mode();
	g.cr3 = 1ULL << 40;
	EXPECT("CR3 beyond MAXPHYADDR", g, "CR3 sets bits beyond");
	g = real_mode();
	g.dr7 = 1ULL << 32;
	EXPECT("DR7 high bits", g, "DR7 bits 63:32");
	g = long_mode();
	g.cr4 &= ~0x20ULL;
	EXPECT("IA-32e without PAE", g, "IA-32e mode guest needs CR0.PG and CR4.PAE");
	g = long_mode();
	g.efer &= ~0x400ULL;
	EXPECT("LMA differs from the entry control", g, "LMA differs from the IA-32e");
	g = real_mode();
	g.efer = 0x500;
	EXPECT("LMA set without the entry control", g, "LMA differs from the IA-32e");
	g = long_mode();
	g.entry &= ~ENTRY_IA32E_MODE_GUEST;
	g.efer = 0x100;
	g.seg[VMX_SEG_CS].ar = 0xc09b;
	g.rip = 0x1000;
	EXPECT("paging with LME but not LMA", g, "LMA differs from IA32_EFER.LME");
	g = real_mode();
	g.efer = BIT(12);
	EXPECT("EFER reserved bit (SVME on Intel)", g, "IA32_EFER sets reserved bits");
	g = real_mode();
	g.pat = 0x0007040600070402ULL;
	EXPECT("PAT type 2", g, "IA32_PAT holds an invalid memory type");
	g = real_mode();
	g.sysenter_eip = 0x0000800000000000ULL;
	EXPECT("SYSENTER_EIP not canonical", g, "SYSENTER");

	g = real_mode();
	g.seg[VMX_SEG_CS].ar = 0x93;
	CHECK("CS of type 3 passes for an unrestricted guest", vmx_check_guest_state(&g) == NULL);
	g.seg[VMX_SEG_CS].ar = 0x91;
	EXPECT("CS read-only data type", g, "CS type must be 9, 11, 13 or 15");
	g = real_mode();
	g.seg[VMX_SEG_CS].ar = 0x1b;
	EXPECT("CS not present", g, "CS is not present");
	g = real_mode();
	g.seg[VMX_SEG_SS].ar = 0x9b;
	EXPECT("SS code type", g, "SS type must be 3 or 7");
	g = real_mode();
	g.seg[VMX_SEG_SS].ar = 0xf3;
	g.seg[VMX_SEG_CS].ar = 0xfb;
	EXPECT("SS.DPL 3 in real mode", g, "SS.DPL must be 0 in real mode");
	g = real_mode();
	g.seg[VMX_SEG_DS].ar = 0x92;
	EXPECT("DS not accessed", g, "DS type must be accessed");
	g = real_mode();
	g.seg[VMX_SEG_ES].ar = 0x10000;
	CHECK("unusable ES passes", vmx_check_guest_state(&g) == NULL);
	g = real_mode();
	g.seg[VMX_SEG_FS].limit = 0xfffff;
	g.seg[VMX_SEG_FS].ar = 0x8093;
	CHECK("FS limit with G passes", vmx_check_guest_state(&g) == NULL);
	g.seg[VMX_SEG_FS].limit = 0x12345;
	EXPECT("G set with a limit that is not 4 KiB granular", g, "FS must be a present");
	g = long_mode();
	g.seg[VMX_SEG_CS].ar = 0xe09b;
	EXPECT("64-bit CS with D/B", g, "L = 1) must have D/B = 0");
	g = long_mode();
	g.seg[VMX_SEG_TR].ar = 0x83;
	EXPECT("16-bit TSS in IA-32e mode", g, "TR type must be a busy TSS");
	g = real_mode();
	g.seg[VMX_SEG_TR].ar = 0x89;
	EXPECT("available TSS", g, "TR type must be a busy TSS");
	g = real_mode();
	g.seg[VMX_SEG_TR].ar = 0x10000;
	EXPECT("unusable TR", g, "TR must be usable");
	g = real_mode();
	g.seg[VMX_SEG_TR].selector = 4;
	EXPECT("TR selector TI", g, "TR selector has TI set");
	g = real_mode();
	g.seg[VMX_SEG_LDTR].ar = 0x83;
	EXPECT("LDTR type", g, "usable LDTR must be a present LDT");
	g = long_mode();
	g.seg[VMX_SEG_FS].base = 0x0000800000000000ULL;
	EXPECT("FS base not canonical", g, "base is not canonical");
	g = real_mode();
	g.seg[VMX_SEG_CS].base = 1ULL << 32;
	EXPECT("CS base above 4 GiB", g, "CS base bits 63:32");
	g = real_mode();
	g.proc2 &= ~PROC2_UNRESTRICTED_GUEST;
	g.cr0 |= 0x80000001;
	g.seg[VMX_SEG_SS].selector = 3;
	g.seg[VMX_SEG_SS].ar = 0xf3;
	EXPECT("SS.RPL differs from CS.RPL (restricted guest)", g, "SS.RPL differs from CS.RPL");

	g = real_mode();
	g.rflags = 0x202 | BIT(17);
	for (int i = VMX_SEG_ES; i <= VMX_SEG_GS; i++)
		g.seg[i].ar = 0xf3;		/* virtual-8086 segments, so RFLAGS is what fails */
	EXPECT("VM flag in real mode", g, "RFLAGS.VM is set");
	g.cr0 |= 1;
	CHECK("virtual-8086 state passes", vmx_check_guest_state(&g) == NULL);
	g.seg[VMX_SEG_DS].base = 0x10;
	EXPECT("virtual-8086 DS base", g, "virtual-8086 DS");
	g = real_mode();
	g.rflags = 0;
	EXPECT("RFLAGS bit 1", g, "RFLAGS reserved bits");
	g = real_mode();
	g.rip = 1ULL << 32;
	EXPECT("RIP above 4 GiB outside 64-bit mode", g, "RIP bits 63:32");
	g = long_mode();
	g.rip = 0x0000800000000000ULL;
	EXPECT("RIP not canonical", g, "RIP is not canonical");
	g = real_mode();
	g.gdtr_limit = 0x10000;
	EXPECT("GDTR limit", g, "GDTR or IDTR limit");

	g = real_mode();
	g.interruptibility = INTERRUPTIBILITY_STI;
	EXPECT("STI blocking with IF = 0", g, "blocking by STI needs RFLAGS.IF");
	g = real_mode();
	g.rflags = 0x202;
	g.interruptibility = INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS;
	EXPECT("STI and MOV SS blocking", g, "are both set");
	g = real_mode();
	g.rflags = 0x202;
	g.interruptibility = INTERRUPTIBILITY_STI;
	g.entry_intr_info = INTR_INFO_VALID | 0x20;
	EXPECT("external interrupt in an STI shadow", g, "STI/MOV SS shadow");
	g = real_mode();
	g.entry_intr_info = INTR_INFO_VALID | 0x20;
	EXPECT("external interrupt with IF = 0", g, "RFLAGS.IF must be 1");
	g = real_mode();
	g.rflags = 0x202;
	g.interruptibility = INTERRUPTIBILITY_NMI;
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 2;
	EXPECT("NMI while virtual NMIs are blocked", g, "virtual NMIs are blocked");
	g = real_mode();
	g.interruptibility = INTERRUPTIBILITY_SMI;
	EXPECT("SMI blocking outside SMM", g, "blocking by SMI");
	g = real_mode();
	g.activity = 4;
	EXPECT("activity state 4", g, "activity state is not 0-3");
	g = real_mode();
	g.misc = 0;
	g.activity = ACTIVITY_HLT;
	EXPECT("HLT state not supported", g, "not supported by IA32_VMX_MISC");
	g = real_mode();
	g.activity = ACTIVITY_WAIT_SIPI;
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 2;
	EXPECT("event into wait-for-SIPI", g, "wait-for-SIPI");
	g = real_mode();
	g.pending_dbg = BIT(4);
	EXPECT("pending debug reserved bit", g, "pending debug exceptions set reserved");
	g = real_mode();
	g.rflags = 0x302;
	g.interruptibility = INTERRUPTIBILITY_STI;
	EXPECT("TF in an STI shadow without BS", g, "BS must be 1");
	g.pending_dbg = BIT(14);
	CHECK("TF in an STI shadow with BS passes", vmx_check_guest_state(&g) == NULL);
	g = real_mode();
	g.link_pointer = 0x1234;
	EXPECT("VMCS link pointer", g, "VMCS link pointer");

	g = real_mode();
	g.entry_intr_info = INTR_INFO_VALID | (1 << 8) | 6;
	EXPECT("event type 1", g, "event type 1 is reserved");
	g = real_mode();
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 3;
	EXPECT("NMI with vector 3", g, "an NMI must use vector 2");
	g = real_mode();
	g.entry_intr_info = INTR_INFO_VALID | INTR_INFO_ERROR_CODE_VALID |
			    (INTR_TYPE_HARDWARE_EXCEPTION << 8) | 13;
	EXPECT("error code in real mode", g, "no error code can be delivered in real mode");
	g = long_mode();
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_HARDWARE_EXCEPTION << 8) | 13;
	EXPECT("#GP without its error code", g, "needs its error code");
	g = long_mode();
	g.entry_intr_info = INTR_INFO_VALID | INTR_INFO_ERROR_CODE_VALID |
			    (INTR_TYPE_HARDWARE_EXCEPTION << 8) | 6;
	EXPECT("#UD with an error code", g, "for a vector that has none");
	g = long_mode();
	g.entry_intr_info = INTR_INFO_VALID | INTR_INFO_ERROR_CODE_VALID |
			    (INTR_TYPE_HARDWARE_EXCEPTION << 8) | 14;
	g.entry_error_code = 2;
	CHECK("#PF with its error code passes", vmx_check_guest_state(&g) == NULL);
	g = long_mode();
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_SOFTWARE_INTERRUPT << 8) | 0x80;
	EXPECT("INT n without a length", g, "instruction length of 1-15");
	g.entry_insn_len = 2;
	CHECK("INT n with length 2 passes", vmx_check_guest_state(&g) == NULL);

	/* PAE paging outside long mode takes its PDPTEs from the VMCS (26.3.1.6). */
	g = real_mode();
	g.cr0 = 0x80000031;
	g.cr4 = 0x2020;
	g.seg[VMX_SEG_CS].ar = 0xc09b;
	g.seg[VMX_SEG_CS].base = 0;
	g.seg[VMX_SEG_CS].limit = 0xffffffff;
	g.pdpte[0] = 0x5001;
	CHECK("PAE with a valid PDPTE passes", vmx_check_guest_state(&g) == NULL);
	g.pdpte[1] = 0x6003;
	EXPECT("PDPTE with a reserved bit", g, "PDPTE sets reserved bits");
	return unit_summary();
}
