/*
 * The guest-state checks a VM entry performs (SDM vol. 3 26.3.1) and the event-
 * injection checks (26.2.1.3), evaluated on a VMCS snapshot so that a failed
 * entry names the rule that was broken.  Checks needing state the VMCS does not
 * hold (SMM, shadow VMCS contents, RTM, CET details) are left out.
 */
#include "vmx/vmx_check.h"
#include "vmx/vmcs.h"

#define CR0_PE BIT(0)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_LA57 BIT(12)
#define CR4_PCIDE BIT(17)
#define CR4_CET BIT(23)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_ALLOWED (BIT(0) | BIT(8) | BIT(10) | BIT(11))
#define RFLAGS_FIXED1 BIT(1)
#define RFLAGS_RESERVED (~0x3fffffULL | BIT(15) | BIT(5) | BIT(3))
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_VM BIT(17)
#define DEBUGCTL_BTF BIT(1)
#define PENDING_DBG_BS BIT(14)
#define PENDING_DBG_RESERVED (~0x1ffffULL | BIT(15) | BIT(13) | 0xff0ULL)

#define AR_TYPE(ar) ((ar) & 0xf)
#define AR_S BIT(4)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define AR_P BIT(7)
#define AR_RESERVED_8_11 0xf00
#define AR_L BIT(13)
#define AR_DB BIT(14)
#define AR_G BIT(15)
#define AR_UNUSABLE BIT(16)
#define AR_RESERVED_17_31 0xfffe0000

static bool canonical(u64 addr, bool la57)
{
	int bits = la57 ? 57 : 48;
	s64 v = (s64)(addr << (64 - bits)) >> (64 - bits);

	return (u64)v == addr;
}

static bool beyond_phys(u64 addr, u8 maxphyaddr)
{
	return maxphyaddr < 64 && (addr >> maxphyaddr) != 0;
}

/* Limit and granularity agree (26.3.1.2, the G-bit rule shared by every register). */
static bool granularity_ok(const struct vmx_check_segment *s)
{
	if ((s->limit & 0xfff) != 0xfff && (s->ar & AR_G))
		return false;
	if ((s->limit & 0xfff00000) && !(s->ar & AR_G))
		return false;
	return true;
}

static bool usable(const struct vmx_check_segment *s)
{
	return !(s->ar & AR_UNUSABLE);
}

static const char *check_control_registers(const struct vmx_guest_snapshot *g)
{
	bool ug = g->proc2 & PROC2_UNRESTRICTED_GUEST;
	bool ia32e = g->entry & ENTRY_IA32E_MODE_GUEST;
	u64 fixed0 = g->cr0_fixed0;

	/* Unrestricted guests may run with PE or PG clear (26.3.1.1). */
	if (ug)
		fixed0 &= ~(CR0_PE | CR0_PG);
	/* CD and NW are never checked: VM entry does not load them (26.3.2.1). */
	fixed0 &= ~(CR0_NW | CR0_CD);
	if ((g->cr0 & fixed0) != fixed0)
		return "SDM 26.3.1.1: CR0 has a bit clear that IA32_VMX_CR0_FIXED0 requires";
	if (g->cr0 & ~g->cr0_fixed1 & ~(CR0_NW | CR0_CD))
		return "SDM 26.3.1.1: CR0 has a bit set that IA32_VMX_CR0_FIXED1 forbids";
	if ((g->cr0 & CR0_PG) && !(g->cr0 & CR0_PE))
		return "SDM 26.3.1.1: CR0.PG is set without CR0.PE";
	if ((g->cr4 & g->cr4_fixed0) != g->cr4_fixed0)
		return "SDM 26.3.1.1: CR4 has a bit clear that IA32_VMX_CR4_FIXED0 requires (VMXE)";
	if (g->cr4 & ~g->cr4_fixed1)
		return "SDM 26.3.1.1: CR4 has a bit set that IA32_VMX_CR4_FIXED1 forbids";
	if ((g->cr4 & CR4_CET) && !(g->cr0 & CR0_WP))
		return "SDM 26.3.1.1: CR4.CET is set without CR0.WP";
	if ((g->entry & ENTRY_LOAD_DEBUG_CONTROLS) && (g->dr7 >> 32))
		return "SDM 26.3.1.1: DR7 bits 63:32 are not zero";
	if (beyond_phys(g->cr3, g->maxphyaddr))
		return "SDM 26.3.1.1: CR3 sets bits beyond the physical-address width";
	if (ia32e && !((g->cr0 & CR0_PG) && (g->cr4 & CR4_PAE)))
		return "SDM 26.3.1.1: IA-32e mode guest needs CR0.PG and CR4.PAE";
	if (!ia32e && (g->cr4 & CR4_PCIDE))
		return "SDM 26.3.1.1: CR4.PCIDE is set outside IA-32e mode";
	if (!canonical(g->sysenter_esp, false) || !canonical(g->sysenter_eip, false))
		return "SDM 26.3.1.1: IA32_SYSENTER_ESP or _EIP is not canonical";
	if (g->entry & ENTRY_LOAD_IA32_PAT) {
		for (int i = 0; i < 8; i++) {
			u8 type = (g->pat >> (8 * i)) & 0xff;

			if (type == 2 || type == 3 || type > 7)
				return "SDM 26.3.1.1: IA32_PAT holds an invalid memory type";
		}
	}
	if (g->entry & ENTRY_LOAD_IA32_EFER) {
		if (g->efer & ~EFER_ALLOWED)
			return "SDM 26.3.1.1: IA32_EFER sets reserved bits";
		if (!!(g->efer & EFER_LMA) != ia32e)
			return "SDM 26.3.1.1: IA32_EFER.LMA differs from the IA-32e mode guest entry control";
		if ((g->cr0 & CR0_PG) && !!(g->efer & EFER_LMA) != !!(g->efer & EFER_LME))
			return "SDM 26.3.1.1: CR0.PG is set and IA32_EFER.LMA differs from IA32_EFER.LME";
	}
	return NULL;
}

static const char *check_v8086_segments(const struct vmx_guest_snapshot *g)
{
	static const char *const what[] = {
		"SDM 26.3.1.2: virtual-8086 ES base/limit/access rights must be selector*16/FFFFH/F3H",
		"SDM 26.3.1.2: virtual-8086 CS base/limit/access rights must be selector*16/FFFFH/F3H",
		"SDM 26.3.1.2: virtual-8086 SS base/limit/access rights must be selector*16/FFFFH/F3H",
		"SDM 26.3.1.2: virtual-8086 DS base/limit/access rights must be selector*16/FFFFH/F3H",
		"SDM 26.3.1.2: virtual-8086 FS base/limit/access rights must be selector*16/FFFFH/F3H",
		"SDM 26.3.1.2: virtual-8086 GS base/limit/access rights must be selector*16/FFFFH/F3H",
	};

	for (int i = VMX_SEG_ES; i <= VMX_SEG_GS; i++) {
		const struct vmx_check_segment *s = &g->seg[i];

		if (s->base != (u64)s->selector << 4 || s->limit != 0xffff || s->ar != 0xf3)
			return what[i];
	}
	return NULL;
}

static const char *check_data_segment(const struct vmx_check_segment *s, bool ug, int i)
{
	static const char *const type[] = {
		[VMX_SEG_ES] = "SDM 26.3.1.2: ES type must be accessed (and readable if code)",
		[VMX_SEG_DS] = "SDM 26.3.1.2: DS type must be accessed (and readable if code)",
		[VMX_SEG_FS] = "SDM 26.3.1.2: FS type must be accessed (and readable if code)",
		[VMX_SEG_GS] = "SDM 26.3.1.2: GS type must be accessed (and readable if code)",
	};
	static const char *const rest[] = {
		[VMX_SEG_ES] = "SDM 26.3.1.2: ES must be a present code/data segment with DPL >= RPL, "
			       "zero reserved bits and a limit matching G",
		[VMX_SEG_DS] = "SDM 26.3.1.2: DS must be a present code/data segment with DPL >= RPL, "
			       "zero reserved bits and a limit matching G",
		[VMX_SEG_FS] = "SDM 26.3.1.2: FS must be a present code/data segment with DPL >= RPL, "
			       "zero reserved bits and a limit matching G",
		[VMX_SEG_GS] = "SDM 26.3.1.2: GS must be a present code/data segment with DPL >= RPL, "
			       "zero reserved bits and a limit matching G",
	};
	u32 t = AR_TYPE(s->ar);

	if (!usable(s))
		return NULL;
	if (!(t & 1) || ((t & 8) && !(t & 2)))
		return type[i];
	if (!(s->ar & AR_S) || !(s->ar & AR_P) || (s->ar & (AR_RESERVED_8_11 | AR_RESERVED_17_31)) ||
	    !granularity_ok(s) || (!ug && t <= 11 && AR_DPL(s->ar) < (s->selector & 3u)))
		return rest[i];
	return NULL;
}

static const char *check_segments(const struct vmx_guest_snapshot *g)
{
	const struct vmx_check_segment *cs = &g->seg[VMX_SEG_CS], *ss = &g->seg[VMX_SEG_SS];
	const struct vmx_check_segment *tr = &g->seg[VMX_SEG_TR], *ldtr = &g->seg[VMX_SEG_LDTR];
	bool ug = g->proc2 & PROC2_UNRESTRICTED_GUEST;
	bool ia32e = g->entry & ENTRY_IA32E_MODE_GUEST;
	bool v8086 = g->rflags & RFLAGS_VM;
	u32 cst = AR_TYPE(cs->ar);
	const char *err;

	/* Selectors. */
	if (tr->selector & 4)
		return "SDM 26.3.1.2: TR selector has TI set";
	if (usable(ldtr) && (ldtr->selector & 4))
		return "SDM 26.3.1.2: LDTR selector has TI set";
	if (!v8086 && !ug && (ss->selector & 3) != (cs->selector & 3))
		return "SDM 26.3.1.2: SS.RPL differs from CS.RPL";

	/* Bases. */
	if (!canonical(tr->base, false) || !canonical(g->seg[VMX_SEG_FS].base, false) ||
	    !canonical(g->seg[VMX_SEG_GS].base, false) || (usable(ldtr) && !canonical(ldtr->base, false)))
		return "SDM 26.3.1.2: TR, FS, GS or LDTR base is not canonical";
	if (cs->base >> 32)
		return "SDM 26.3.1.2: CS base bits 63:32 are not zero";
	for (int i = VMX_SEG_ES; i <= VMX_SEG_DS; i++)
		if (i != VMX_SEG_CS && usable(&g->seg[i]) && (g->seg[i].base >> 32))
			return "SDM 26.3.1.2: SS, DS or ES base bits 63:32 are not zero";

	if (v8086) {
		err = check_v8086_segments(g);
		if (err)
			return err;
	} else {
		/* CS. */
		if (!(cst == 9 || cst == 11 || cst == 13 || cst == 15 || (ug && cst == 3)))
			return "SDM 26.3.1.2: CS type must be 9, 11, 13 or 15 (or 3 for an unrestricted guest)";
		if (!(cs->ar & AR_S))
			return "SDM 26.3.1.2: CS must be a code or data segment (S = 1)";
		if (cst == 3 && AR_DPL(cs->ar) != 0)
			return "SDM 26.3.1.2: CS of type 3 must have DPL 0";
		if ((cst == 9 || cst == 11) && AR_DPL(cs->ar) != AR_DPL(ss->ar))
			return "SDM 26.3.1.2: non-conforming CS must have DPL equal to SS.DPL";
		if ((cst == 13 || cst == 15) && AR_DPL(cs->ar) > AR_DPL(ss->ar))
			return "SDM 26.3.1.2: conforming CS must have DPL <= SS.DPL";
		if (!(cs->ar & AR_P))
			return "SDM 26.3.1.2: CS is not present";
		if (cs->ar & (AR_RESERVED_8_11 | AR_RESERVED_17_31))
			return "SDM 26.3.1.2: CS access rights set reserved bits";
		if (ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB))
			return "SDM 26.3.1.2: 64-bit CS (L = 1) must have D/B = 0";
		if (!granularity_ok(cs))
			return "SDM 26.3.1.2: CS limit does not match its G bit";

		/* SS. */
		if (usable(ss)) {
			if (AR_TYPE(ss->ar) != 3 && AR_TYPE(ss->ar) != 7)
				return "SDM 26.3.1.2: SS type must be 3 or 7 (read/write, accessed)";
			if (!(ss->ar & AR_S) || !(ss->ar & AR_P))
				return "SDM 26.3.1.2: SS must be a present data segment";
			if (!ug && AR_DPL(ss->ar) != (ss->selector & 3u))
				return "SDM 26.3.1.2: SS.DPL differs from SS.RPL";
			if (ss->ar & (AR_RESERVED_8_11 | AR_RESERVED_17_31))
				return "SDM 26.3.1.2: SS access rights set reserved bits";
			if (!granularity_ok(ss))
				return "SDM 26.3.1.2: SS limit does not match its G bit";
		}
		if ((cst == 3 || !(g->cr0 & CR0_PE)) && AR_DPL(ss->ar) != 0)
			return "SDM 26.3.1.2: SS.DPL must be 0 in real mode or with a type-3 CS";

		for (int i = VMX_SEG_ES; i <= VMX_SEG_GS; i++) {
			if (i == VMX_SEG_CS || i == VMX_SEG_SS)
				continue;
			err = check_data_segment(&g->seg[i], ug, i);
			if (err)
				return err;
		}
	}

	/* TR. */
	if (!usable(tr))
		return "SDM 26.3.1.2: TR must be usable";
	if (ia32e ? AR_TYPE(tr->ar) != 11 : (AR_TYPE(tr->ar) != 3 && AR_TYPE(tr->ar) != 11))
		return "SDM 26.3.1.2: TR type must be a busy TSS (11, or 3 outside IA-32e mode)";
	if ((tr->ar & AR_S) || !(tr->ar & AR_P))
		return "SDM 26.3.1.2: TR must be a present system segment (S = 0, P = 1)";
	if ((tr->ar & (AR_RESERVED_8_11 | AR_RESERVED_17_31)) || !granularity_ok(tr))
		return "SDM 26.3.1.2: TR access rights set reserved bits or its limit does not match G";

	/* LDTR. */
	if (usable(ldtr)) {
		if (AR_TYPE(ldtr->ar) != 2 || (ldtr->ar & AR_S) || !(ldtr->ar & AR_P))
			return "SDM 26.3.1.2: usable LDTR must be a present LDT descriptor (type 2, S = 0)";
		if ((ldtr->ar & (AR_RESERVED_8_11 | AR_RESERVED_17_31)) || !granularity_ok(ldtr))
			return "SDM 26.3.1.2: LDTR access rights set reserved bits or its limit does not match G";
	}
	return NULL;
}

static const char *check_descriptor_tables(const struct vmx_guest_snapshot *g)
{
	if (!canonical(g->gdtr_base, false) || !canonical(g->idtr_base, false))
		return "SDM 26.3.1.3: GDTR or IDTR base is not canonical";
	if ((g->gdtr_limit >> 16) || (g->idtr_limit >> 16))
		return "SDM 26.3.1.3: GDTR or IDTR limit bits 31:16 are not zero";
	return NULL;
}

static bool injecting(const struct vmx_guest_snapshot *g, u32 type)
{
	return (g->entry_intr_info & INTR_INFO_VALID) && INTR_INFO_TYPE(g->entry_intr_info) == type;
}

static const char *check_rip_rflags(const struct vmx_guest_snapshot *g)
{
	bool ia32e = g->entry & ENTRY_IA32E_MODE_GUEST;
	bool l = g->seg[VMX_SEG_CS].ar & AR_L;

	if ((!ia32e || !l) && (g->rip >> 32))
		return "SDM 26.3.1.4: RIP bits 63:32 must be zero outside 64-bit mode";
	if (ia32e && l && !canonical(g->rip, g->cr4 & CR4_LA57))
		return "SDM 26.3.1.4: RIP is not canonical";
	if ((g->rflags & RFLAGS_RESERVED) || !(g->rflags & RFLAGS_FIXED1))
		return "SDM 26.3.1.4: RFLAGS reserved bits are wrong (bit 1 must be 1; 3, 5, 15, 63:22 must be 0)";
	if ((ia32e || !(g->cr0 & CR0_PE)) && (g->rflags & RFLAGS_VM))
		return "SDM 26.3.1.4: RFLAGS.VM is set in IA-32e mode or with CR0.PE clear";
	if (injecting(g, INTR_TYPE_EXTERNAL_INTERRUPT) && !(g->rflags & RFLAGS_IF))
		return "SDM 26.3.1.4: RFLAGS.IF must be 1 to inject an external interrupt";
	return NULL;
}

static const char *check_non_register_state(const struct vmx_guest_snapshot *g)
{
	u32 intr = g->interruptibility, info = g->entry_intr_info;
	bool valid = info & INTR_INFO_VALID;
	u32 type = INTR_INFO_TYPE(info), vector = INTR_INFO_VECTOR(info);
	bool shadow = intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);

	/* Activity state. */
	if (g->activity > ACTIVITY_WAIT_SIPI)
		return "SDM 26.3.1.5: activity state is not 0-3";
	if ((g->activity == ACTIVITY_HLT && !(g->misc & VMX_MISC_ACTIVITY_HLT)) ||
	    (g->activity == ACTIVITY_SHUTDOWN && !(g->misc & VMX_MISC_ACTIVITY_SHUTDOWN)) ||
	    (g->activity == ACTIVITY_WAIT_SIPI && !(g->misc & VMX_MISC_ACTIVITY_WAIT_SIPI)))
		return "SDM 26.3.1.5: activity state not supported by IA32_VMX_MISC";
	if (g->activity == ACTIVITY_HLT && AR_DPL(g->seg[VMX_SEG_SS].ar) != 0)
		return "SDM 26.3.1.5: activity state HLT needs SS.DPL 0";
	if (shadow && g->activity != ACTIVITY_ACTIVE)
		return "SDM 26.3.1.5: blocking by STI or MOV SS needs the active state";
	if (valid && g->activity == ACTIVITY_HLT &&
	    !(type == INTR_TYPE_EXTERNAL_INTERRUPT || type == INTR_TYPE_NMI ||
	      (type == INTR_TYPE_HARDWARE_EXCEPTION && (vector == 1 || vector == 18)) ||
	      (type == INTR_TYPE_OTHER_EVENT && vector == 0)))
		return "SDM 26.3.1.5: this event cannot be injected into the HLT state";
	if (valid && g->activity == ACTIVITY_SHUTDOWN &&
	    !(type == INTR_TYPE_NMI || (type == INTR_TYPE_HARDWARE_EXCEPTION && vector == 18)))
		return "SDM 26.3.1.5: only NMI or #MC can be injected into the shutdown state";
	if (valid && g->activity == ACTIVITY_WAIT_SIPI)
		return "SDM 26.3.1.5: no event can be injected into the wait-for-SIPI state";

	/* Interruptibility state. */
	if (intr & ~0x1fu)
		return "SDM 26.3.1.5: interruptibility state sets reserved bits 31:5";
	if ((intr & INTERRUPTIBILITY_STI) && (intr & INTERRUPTIBILITY_MOV_SS))
		return "SDM 26.3.1.5: blocking by STI and by MOV SS are both set";
	if ((intr & INTERRUPTIBILITY_STI) && !(g->rflags & RFLAGS_IF))
		return "SDM 26.3.1.5: blocking by STI needs RFLAGS.IF = 1";
	if (valid && type == INTR_TYPE_EXTERNAL_INTERRUPT && shadow)
		return "SDM 26.3.1.5: an external interrupt cannot be injected in an STI/MOV SS shadow";
	if (valid && type == INTR_TYPE_NMI && (intr & INTERRUPTIBILITY_MOV_SS))
		return "SDM 26.3.1.5: an NMI cannot be injected in a MOV SS shadow";
	if (intr & INTERRUPTIBILITY_SMI)
		return "SDM 26.3.1.5: blocking by SMI needs the processor to be in SMM";
	if (valid && type == INTR_TYPE_NMI && (g->pin & PIN_VIRTUAL_NMIS) &&
	    (intr & INTERRUPTIBILITY_NMI))
		return "SDM 26.3.1.5: an NMI cannot be injected while virtual NMIs are blocked";
	if ((intr & INTERRUPTIBILITY_ENCLAVE) && (intr & INTERRUPTIBILITY_MOV_SS))
		return "SDM 26.3.1.5: enclave interruption and blocking by MOV SS are both set";

	/* Pending debug exceptions. */
	if (g->pending_dbg & PENDING_DBG_RESERVED)
		return "SDM 26.3.1.5: pending debug exceptions set reserved bits";
	if (shadow || g->activity == ACTIVITY_HLT) {
		bool tf = g->rflags & RFLAGS_TF, btf = g->debugctl & DEBUGCTL_BTF;
		bool bs = g->pending_dbg & PENDING_DBG_BS;

		if (tf && !btf && !bs)
			return "SDM 26.3.1.5: pending debug exception BS must be 1 (RFLAGS.TF set, BTF clear)";
		if ((!tf || btf) && bs)
			return "SDM 26.3.1.5: pending debug exception BS must be 0 (RFLAGS.TF clear or BTF set)";
	}

	/* VMCS link pointer. */
	if (g->link_pointer != ~0ULL &&
	    ((g->link_pointer & 0xfff) || beyond_phys(g->link_pointer, g->maxphyaddr)))
		return "SDM 26.3.1.5: VMCS link pointer is neither all ones nor a valid page address";
	return NULL;
}

static const char *check_pdptes(const struct vmx_guest_snapshot *g)
{
	if (!(g->proc2 & PROC2_ENABLE_EPT) || !(g->cr0 & CR0_PG) || !(g->cr4 & CR4_PAE) ||
	    (g->entry & ENTRY_IA32E_MODE_GUEST))
		return NULL;
	for (int i = 0; i < 4; i++) {
		u64 e = g->pdpte[i];

		if ((e & 1) && ((e & 0x1e6) || beyond_phys(e & ~0xfffULL & ~BIT(63), g->maxphyaddr) ||
				(e & BIT(63))))
			return "SDM 26.3.1.6: a present PDPTE sets reserved bits";
	}
	return NULL;
}

/* SDM 26.2.1.3: the VM-entry event-injection fields (a failure here is VM-instruction error 7). */
static const char *check_event_injection(const struct vmx_guest_snapshot *g)
{
	u32 info = g->entry_intr_info, type = INTR_INFO_TYPE(info), vector = INTR_INFO_VECTOR(info);
	bool ug = g->proc2 & PROC2_UNRESTRICTED_GUEST;
	bool err_vector = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 ||
			  vector == 21;

	if (!(info & INTR_INFO_VALID))
		return NULL;
	if (type == 1)
		return "SDM 26.2.1.3: event type 1 is reserved";
	if (type == INTR_TYPE_OTHER_EVENT && vector != 0)
		return "SDM 26.2.1.3: event type 7 (other) needs vector 0 (pending MTF)";
	if (type == INTR_TYPE_NMI && vector != 2)
		return "SDM 26.2.1.3: an NMI must use vector 2";
	if (type == INTR_TYPE_HARDWARE_EXCEPTION && vector > 31)
		return "SDM 26.2.1.3: a hardware exception needs a vector of at most 31";
	if (info & INTR_INFO_ERROR_CODE_VALID) {
		if (ug && !(g->cr0 & CR0_PE))
			return "SDM 26.2.1.3: no error code can be delivered in real mode";
		if (type != INTR_TYPE_HARDWARE_EXCEPTION || !err_vector)
			return "SDM 26.2.1.3: an error code is delivered for a vector that has none";
		if (g->entry_error_code >> 16)
			return "SDM 26.2.1.3: error code bits 31:16 are not zero";
	} else if (type == INTR_TYPE_HARDWARE_EXCEPTION && err_vector &&
		   (g->cr0 & CR0_PE)) {
		return "SDM 26.2.1.3: this exception needs its error code delivered";
	}
	if (info & 0x7ffff000u)
		return "SDM 26.2.1.3: interruption information sets reserved bits 30:12";
	if ((type == INTR_TYPE_SOFTWARE_INTERRUPT || type == INTR_TYPE_PRIV_SOFTWARE_EXCEPTION ||
	     type == INTR_TYPE_SOFTWARE_EXCEPTION) &&
	    (g->entry_insn_len > 15 || (g->entry_insn_len == 0 && !(g->misc & BIT(30)))))
		return "SDM 26.2.1.3: a software event needs an instruction length of 1-15";
	return NULL;
}

const char *vmx_check_guest_state(const struct vmx_guest_snapshot *g)
{
	const char *err;

	if ((err = check_event_injection(g)) || (err = check_control_registers(g)) ||
	    (err = check_segments(g)) || (err = check_descriptor_tables(g)) ||
	    (err = check_rip_rflags(g)) || (err = check_non_register_state(g)) ||
	    (err = check_pdptes(g)))
		return err;
	return NULL;
}
