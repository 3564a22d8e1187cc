/*
 * The Intel VT-x back-end (vmx_ops): VMXON per CPU, one VMCS per vCPU with EPT,
 * VPID and unrestricted guest, VM entry and exit (vmx/vmx_run.asm), exit
 * decoding into the normalised vm_exit, event injection and TLB flushes.
 * Section numbers are those of SDM vol. 3 (chapter 24 = the VMCS, see vmcs.h).
 */
#include "vm/vm.h"
#include "vm/msr_passthrough.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmx_check.h"
#include "vmx/vmx_exits.h"
#include "arch/x86/cpu.h"
#include "host/host.h"
#include "mm/guest_mem.h"
#include "mm/stage2.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define VMX_MAX_CPUS 64

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_PAT 0x277
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define CR4_SMXE BIT(14)

#define FC_LOCK BIT(0)
#define FC_VMX_OUTSIDE_SMX BIT(2)

/* Exceptions MACROHARD intercepts (SDM 24.6.3): #UD (VMX/SVM instructions and
 * emulation), #DB and #AC (a guest must not wedge the CPU in an endless benign-
 * exception loop: CVE-2015-8104, CVE-2015-5307) and #MC (a host matter). */
#define VMX_EXCEPTION_BITMAP (BIT(EXC_UD) | BIT(EXC_DB) | BIT(EXC_AC) | BIT(EXC_MC))

/* SDM 24.7.2: one entry of a VM-exit/VM-entry MSR area. */
struct vmx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};

/*
 * MSRs the VMCS does not switch but the guest may write directly (they are in
 * the pass-through list): VM entry loads the guest values, VM exit stores them
 * and loads the host values (SDM 24.7.2, 24.8.2, 26.4, 27.4, 27.6).
 */
enum { SWAP_KERNEL_GS_BASE, SWAP_STAR, SWAP_LSTAR, SWAP_CSTAR, SWAP_SFMASK, SWAP_COUNT };
static const u32 swap_msrs[SWAP_COUNT] = {
	[SWAP_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE, [SWAP_STAR] = MSR_STAR,
	[SWAP_LSTAR] = MSR_LSTAR, [SWAP_CSTAR] = MSR_CSTAR, [SWAP_SFMASK] = MSR_SFMASK,
};

/* Pages of one vCPU, allocated together. */
enum { PG_VMCS, PG_MSR_BITMAP, PG_IO_BITMAP_A, PG_IO_BITMAP_B, PG_MSR_AREAS, PG_STATE,
       VMX_VCPU_PAGES };
#define HOST_MSR_AREA_OFFSET 2048

struct vmx_vcpu {
	struct vcpu *vcpu;
	u64 host_cr4;			/* HOST_CR4 as written */
	u64 pages;			/* the VMX_VCPU_PAGES allocation; the VMCS is its first page */
	int cpu;			/* CPU on which the VMCS is active, -1 while clear */
	int host_cpu;			/* CPU whose host state the VMCS holds, -1 = none */
	bool launched;
	u32 pin, proc, proc2, exit_ctl, entry;
	u64 cr0_mask, cr4_mask;
	u64 cr2, dr6, cr8;		/* guest registers the VMCS does not hold */
	u64 tsc_offset;
	bool tsc_offset_written;
	u64 bad_field;			/* first VMWRITE that failed while building the VMCS */
	bool write_failed;

	/* The event for the next entry (SDM 24.8.3); reinjected = from IDT-vectoring information. */
	bool event_pending, event_reinjected;
	u32 event_info, event_error, event_len;

	struct vmx_msr_entry *guest_msrs, *host_msrs;
	char fail_text[160];
};

_Static_assert(sizeof(struct vmx_vcpu) <= PAGE_SIZE, "struct vmx_vcpu fits its page");

struct vmx_percpu {
	bool on;
	u64 vmxon_page;
	u64 saved_cr0, saved_cr4;
	u64 current_vmcs;		/* physical address of the current VMCS, 0 = none */
	u64 own_gdt;			/* pages of the GDT+TSS installed when the firmware had no TR */
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdtr, idtr;
};

static struct vmx_percpu vmx_cpus[VMX_MAX_CPUS];

/* What this CPU model offers and what MACROHARD chose, computed once. */
static struct {
	bool ready;
	int error;
	u64 basic, misc, ept_vpid;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u32 pin, proc, proc2, exit_ctl, entry;
	bool nmi_window, vnmi, preempt_timer, tsc_offsetting, vpid, load_pat, ins_outs_info;
	bool invept_single, invvpid_single, invvpid_all;
	u32 preempt_shift;
	u8 maxphyaddr;
	u32 stage2_flags;
} vmx_cfg;

/* vmx_run.asm */
int vmx_enter(u64 *gpr, u32 launched);
extern const char vmx_exit_stub[];

static void vmx_dump(struct vcpu *vcpu);

/* ------------------------------------------------------------ instructions */

/* VMX instructions report failure through CF (VMfailInvalid) or ZF (VMfailValid), SDM 30.2. */
static int vmxon(u64 pa)
{
	bool fail;

	asm volatile("vmxon %1\n\tsetna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static void vmxoff(void)
{
	asm volatile("vmxoff" ::: "cc", "memory");
}

static int vmclear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %1\n\tsetna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static int vmptrld(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %1\n\tsetna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static u64 vmcs_read(u64 field)
{
	u64 v = 0;

	asm volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

static void vmcs_write(u64 field, u64 value)
{
	asm volatile("vmwrite %1, %0" : : "r"(field), "r"(value) : "cc", "memory");
}

/* A VMWRITE whose failure is remembered (VMCS construction). */
static void vmcs_put(struct vmx_vcpu *x, u64 field, u64 value)
{
	bool fail;

	asm volatile("vmwrite %2, %1\n\tsetna %0" : "=qm"(fail) : "r"(field), "r"(value)
		     : "cc", "memory");
	if (fail && !x->write_failed) {
		x->write_failed = true;
		x->bad_field = field;
	}
}

struct vmx_invept_desc {
	u64 eptp;
	u64 reserved;
};

struct vmx_invvpid_desc {
	u64 vpid;
	u64 linear;
};

static int invept(u64 type, u64 eptp)
{
	struct vmx_invept_desc d = { eptp, 0 };
	bool fail;

	asm volatile("invept %1, %2\n\tsetna %0" : "=qm"(fail) : "m"(d), "r"(type) : "cc", "memory");
	return fail ? -EIO : 0;
}

static int invvpid(u64 type, u16 vpid)
{
	struct vmx_invvpid_desc d = { vpid, 0 };
	bool fail;

	asm volatile("invvpid %1, %2\n\tsetna %0" : "=qm"(fail) : "m"(d), "r"(type) : "cc", "memory");
	return fail ? -EIO : 0;
}

static void write_cr0(u64 v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static void write_cr2(u64 v) { asm volatile("mov %0, %%cr2" : : "r"(v) : "memory"); }
static void write_cr4(u64 v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static u64 read_dr6(void) { u64 v; asm volatile("mov %%db6, %0" : "=r"(v)); return v; }
static void write_dr6(u64 v) { asm volatile("mov %0, %%db6" : : "r"(v)); }

#define READ_SEG(name) \
	static u16 read_##name(void) { u16 v; asm volatile("mov %%" #name ", %0" : "=r"(v)); return v; }
READ_SEG(cs)
READ_SEG(ss)
READ_SEG(ds)
READ_SEG(es)
READ_SEG(fs)
READ_SEG(gs)
#undef READ_SEG

static u16 read_tr(void)
{
	u16 v;

	asm volatile("str %0" : "=r"(v));
	return v;
}

/* ------------------------------------------------------------ capabilities */

struct vmx_control {
	u32 bit;
	const char *name;
	bool required;
};

/*
 * SDM A.3-A.5 / 31.5.1: a control may be 0 only where allowed-0 (the low half
 * of the capability MSR) is 0, and 1 only where allowed-1 (the high half) is 1.
 * Starts from the must-be-one bits and adds each wanted control that is allowed.
 */
static int vmx_adjust(const char *kind, u64 cap, const struct vmx_control *c, size_t n, u32 *out)
{
	u32 allowed0 = (u32)cap, allowed1 = (u32)(cap >> 32), v = allowed0;

	for (size_t i = 0; i < n; i++) {
		if (allowed1 & c[i].bit)
			v |= c[i].bit;
		else if (c[i].required) {
			log_err("VT-x: this CPU does not allow the %s control '%s', which MACROHARD "
				"requires\n", kind, c[i].name);
			return -ENODEV;
		}
	}
	*out = v;
	return 0;
}

static const struct vmx_control pin_controls[] = {
	{ PIN_EXTERNAL_INTERRUPT_EXITING, "external-interrupt exiting", true },
	{ PIN_NMI_EXITING, "NMI exiting", true },
	{ PIN_VIRTUAL_NMIS, "virtual NMIs", false },
	{ PIN_VMX_PREEMPTION_TIMER, "activate VMX-preemption timer", false },
};

static const struct vmx_control proc_controls[] = {
	{ PROC_HLT_EXITING, "HLT exiting", true },
	{ PROC_USE_TSC_OFFSETTING, "use TSC offsetting", false },
	{ PROC_MWAIT_EXITING, "MWAIT exiting", false },
	{ PROC_RDPMC_EXITING, "RDPMC exiting", false },
	/* Without a TPR shadow, MOV to/from CR8 would reach the host's local APIC. */
	{ PROC_CR8_LOAD_EXITING, "CR8-load exiting", true },
	{ PROC_CR8_STORE_EXITING, "CR8-store exiting", true },
	{ PROC_USE_IO_BITMAPS, "use I/O bitmaps", true },
	{ PROC_USE_MSR_BITMAPS, "use MSR bitmaps", true },
	{ PROC_MONITOR_EXITING, "MONITOR exiting", false },
	{ PROC_ACTIVATE_SECONDARY_CONTROLS, "activate secondary controls", true },
};

static const struct vmx_control proc2_controls[] = {
	{ PROC2_ENABLE_EPT, "enable EPT", true },
	{ PROC2_ENABLE_RDTSCP, "enable RDTSCP", false },
	{ PROC2_ENABLE_VPID, "enable VPID", false },
	{ PROC2_WBINVD_EXITING, "WBINVD exiting", false },
	/* Real-mode and big-real-mode guests run natively only as unrestricted guests. */
	{ PROC2_UNRESTRICTED_GUEST, "unrestricted guest", true },
	{ PROC2_ENABLE_INVPCID, "enable INVPCID", false },
	{ PROC2_ENABLE_XSAVES_XRSTORS, "enable XSAVES/XRSTORS", false },
};

static const struct vmx_control exit_controls[] = {
	{ EXIT_SAVE_DEBUG_CONTROLS, "save debug controls", false },
	{ EXIT_HOST_ADDRESS_SPACE_SIZE, "host address-space size", true },
	{ EXIT_SAVE_IA32_PAT, "save IA32_PAT", false },
	{ EXIT_LOAD_IA32_PAT, "load IA32_PAT", false },
	{ EXIT_SAVE_IA32_EFER, "save IA32_EFER", false },
	{ EXIT_LOAD_IA32_EFER, "load IA32_EFER", true },
};

static const struct vmx_control entry_controls[] = {
	{ ENTRY_LOAD_DEBUG_CONTROLS, "load debug controls", false },
	{ ENTRY_LOAD_IA32_PAT, "load IA32_PAT", false },
	{ ENTRY_LOAD_IA32_EFER, "load IA32_EFER", true },
};

static u64 cap_msr(u32 msr, int *err)
{
	u64 v = 0;

	if (rdmsr_safe(msr, &v))
		*err = -ENODEV;
	return v;
}

/* Reads the capability MSRs once and picks every control (SDM appendix A). */
static int vmx_setup(void)
{
	bool true_ctls;
	u64 pin, proc, proc2 = 0, exit, entry;
	int err = 0;
	u32 ctl;

	if (vmx_cfg.ready)
		return vmx_cfg.error;
	vmx_cfg.ready = true;

	vmx_cfg.basic = cap_msr(MSR_IA32_VMX_BASIC, &err);
	true_ctls = vmx_cfg.basic & VMX_BASIC_TRUE_CONTROLS;
	pin = cap_msr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS, &err);
	proc = cap_msr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
		       &err);
	exit = cap_msr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS, &err);
	entry = cap_msr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS, &err);
	vmx_cfg.misc = cap_msr(MSR_IA32_VMX_MISC, &err);
	vmx_cfg.cr0_fixed0 = cap_msr(MSR_IA32_VMX_CR0_FIXED0, &err);
	vmx_cfg.cr0_fixed1 = cap_msr(MSR_IA32_VMX_CR0_FIXED1, &err);
	vmx_cfg.cr4_fixed0 = cap_msr(MSR_IA32_VMX_CR4_FIXED0, &err);
	vmx_cfg.cr4_fixed1 = cap_msr(MSR_IA32_VMX_CR4_FIXED1, &err);
	if ((proc >> 32) & PROC_ACTIVATE_SECONDARY_CONTROLS)
		proc2 = cap_msr(MSR_IA32_VMX_PROCBASED_CTLS2, &err);
	if ((proc2 >> 32) & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
		vmx_cfg.ept_vpid = cap_msr(MSR_IA32_VMX_EPT_VPID_CAP, &err);
	if (err) {
		log_err("VT-x: a VMX capability MSR cannot be read\n");
		return vmx_cfg.error = err;
	}

	if ((err = vmx_adjust("pin-based", pin, pin_controls, ARRAY_SIZE(pin_controls),
			      &vmx_cfg.pin)) ||
	    (err = vmx_adjust("processor-based", proc, proc_controls, ARRAY_SIZE(proc_controls),
			      &vmx_cfg.proc)) ||
	    (err = vmx_adjust("secondary processor-based", proc2, proc2_controls,
			      ARRAY_SIZE(proc2_controls), &vmx_cfg.proc2)) ||
	    (err = vmx_adjust("VM-exit", exit, exit_controls, ARRAY_SIZE(exit_controls),
			      &vmx_cfg.exit_ctl)) ||
	    (err = vmx_adjust("VM-entry", entry, entry_controls, ARRAY_SIZE(entry_controls),
			      &vmx_cfg.entry)))
		return vmx_cfg.error = err;
	/* Toggled at run time, so only their availability is checked here. */
	if (!((proc >> 32) & PROC_INTERRUPT_WINDOW_EXITING)) {
		log_err("VT-x: this CPU does not allow the processor-based control "
			"'interrupt-window exiting', which MACROHARD requires\n");
		return vmx_cfg.error = -ENODEV;
	}
	if (!((entry >> 32) & ENTRY_IA32E_MODE_GUEST)) {
		log_err("VT-x: this CPU does not allow the VM-entry control 'IA-32e mode guest', "
			"which MACROHARD requires\n");
		return vmx_cfg.error = -ENODEV;
	}
	/* The guest's MSRs are switched through the MSR areas (SDM A.6: their size limit). */
	if (VMX_MISC_MAX_MSR_LIST(vmx_cfg.misc) < SWAP_COUNT)
		return vmx_cfg.error = -ENODEV;

	/* SDM 28.2.6, 28.3.3: the EPT format the stage-2 builder writes, and INVEPT. */
	if (!(vmx_cfg.ept_vpid & EPT_CAP_WALK_4) || !(vmx_cfg.ept_vpid & EPT_CAP_MEMTYPE_WB) ||
	    !(vmx_cfg.ept_vpid & EPT_CAP_INVEPT) ||
	    !(vmx_cfg.ept_vpid & (EPT_CAP_INVEPT_SINGLE_CONTEXT | EPT_CAP_INVEPT_ALL_CONTEXT))) {
		log_err("VT-x: EPT lacks a 4-level walk, write-back paging structures or INVEPT "
			"(IA32_VMX_EPT_VPID_CAP 0x%llx)\n", (unsigned long long)vmx_cfg.ept_vpid);
		return vmx_cfg.error = -ENODEV;
	}
	vmx_cfg.invept_single = vmx_cfg.ept_vpid & EPT_CAP_INVEPT_SINGLE_CONTEXT;
	vmx_cfg.invvpid_single = vmx_cfg.ept_vpid & VPID_CAP_INVVPID_SINGLE_CONTEXT;
	vmx_cfg.invvpid_all = vmx_cfg.ept_vpid & VPID_CAP_INVVPID_ALL_CONTEXT;
	/* VPIDs are used only when stale translations can be flushed (INVVPID). */
	if ((vmx_cfg.proc2 & PROC2_ENABLE_VPID) && (!(vmx_cfg.ept_vpid & VPID_CAP_INVVPID) ||
						    !(vmx_cfg.invvpid_single || vmx_cfg.invvpid_all)))
		vmx_cfg.proc2 &= ~PROC2_ENABLE_VPID;
	vmx_cfg.vpid = vmx_cfg.proc2 & PROC2_ENABLE_VPID;

	ctl = vmx_cfg.pin;
	vmx_cfg.vnmi = ctl & PIN_VIRTUAL_NMIS;
	vmx_cfg.preempt_timer = ctl & PIN_VMX_PREEMPTION_TIMER;
	vmx_cfg.preempt_shift = VMX_MISC_PREEMPTION_TIMER_RATE(vmx_cfg.misc);
	vmx_cfg.nmi_window = vmx_cfg.vnmi && ((proc >> 32) & PROC_NMI_WINDOW_EXITING);
	vmx_cfg.tsc_offsetting = vmx_cfg.proc & PROC_USE_TSC_OFFSETTING;
	vmx_cfg.ins_outs_info = vmx_cfg.basic & VMX_BASIC_INOUT_INFO;
	/* Guest PAT is switched only when both directions are available. */
	vmx_cfg.load_pat = (vmx_cfg.entry & ENTRY_LOAD_IA32_PAT) &&
			   (vmx_cfg.exit_ctl & EXIT_SAVE_IA32_PAT) &&
			   (vmx_cfg.exit_ctl & EXIT_LOAD_IA32_PAT);
	if (!vmx_cfg.load_pat) {
		vmx_cfg.entry &= ~ENTRY_LOAD_IA32_PAT | (u32)entry;
		vmx_cfg.exit_ctl &= ~(EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT) | (u32)exit;
	}

	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		vmx_cfg.maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
	else
		vmx_cfg.maxphyaddr = 36;

	vmx_cfg.stage2_flags = 0;
	if (vmx_cfg.ept_vpid & EPT_CAP_2M_PAGES)
		vmx_cfg.stage2_flags |= STAGE2_ALLOW_2M;
	if (vmx_cfg.ept_vpid & EPT_CAP_1G_PAGES)
		vmx_cfg.stage2_flags |= STAGE2_ALLOW_1G;
	if (vmx_cfg.ept_vpid & EPT_CAP_ACCESSED_DIRTY)
		vmx_cfg.stage2_flags |= STAGE2_EPT_AD;

	log_info("VT-x: EPT 4-level write-back%s%s%s, INVEPT %s; VPID %s; unrestricted guest; "
		 "virtual NMIs %s\n",
		 (vmx_cfg.stage2_flags & STAGE2_ALLOW_2M) ? ", 2 MiB pages" : "",
		 (vmx_cfg.stage2_flags & STAGE2_ALLOW_1G) ? ", 1 GiB pages" : "",
		 (vmx_cfg.stage2_flags & STAGE2_EPT_AD) ? ", accessed/dirty flags" :
		 ", no accessed/dirty flags",
		 vmx_cfg.invept_single ? "single-context" : "all-context",
		 vmx_cfg.vpid ? (vmx_cfg.invvpid_single ? "used (INVVPID single-context)" :
				 "used (INVVPID all-context)") : "not used",
		 vmx_cfg.vnmi ? "used" : "absent");
	if (vmx_cfg.preempt_timer)
		log_info("VT-x: VMX-preemption timer used (TSC / %u) for time slices\n",
			 1u << vmx_cfg.preempt_shift);
	else
		log_info("VT-x: no VMX-preemption timer: time slices rely on host interrupts\n");
	log_info("VT-x: TSC offsetting %s; guest PAT %s; INS/OUTS exit information %s\n",
		 vmx_cfg.tsc_offsetting ? "used" : "absent (guests see the host TSC)",
		 vmx_cfg.load_pat ? "switched" : "shared with the host",
		 vmx_cfg.ins_outs_info ? "used" : "absent");
	return 0;
}

/* ------------------------------------------------------------ per CPU */

static struct vmx_percpu *vmx_this_cpu(void)
{
	u32 i = host_cpu_index();

	return i < VMX_MAX_CPUS ? &vmx_cpus[i] : NULL;
}

/*
 * VM exits need a usable host TR (SDM 26.2.3).  Firmware often runs without
 * one: then copy its GDT, append a 64-bit TSS descriptor and load it.
 */
static int vmx_host_tr_ensure(struct vmx_percpu *pc)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdtr;
	u64 pages, tss, sel, size;
	u64 *desc;

	if (read_tr())
		return 0;
	asm volatile("sgdt %0" : "=m"(gdtr));
	sel = ALIGN_UP((u64)gdtr.limit + 1, 8);
	size = sel + 16;
	if (size > 0x10000)
		return -ENOSPC;
	pages = host_pages_alloc(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE + 1);
	if (!pages)
		return -ENOMEM;
	memcpy((void *)(uintptr_t)pages, (void *)(uintptr_t)gdtr.base, (size_t)gdtr.limit + 1);
	tss = pages + ALIGN_UP(size, PAGE_SIZE);
	*(u16 *)(uintptr_t)(tss + 102) = 104;	/* I/O map base beyond the limit: no bitmap */
	/* SDM 8.2.3: a 16-byte available 64-bit TSS descriptor, limit 103. */
	desc = (u64 *)(uintptr_t)(pages + sel);
	desc[0] = 103 | ((tss & 0xffffff) << 16) | (0x89ULL << 40) | (((tss >> 24) & 0xff) << 56);
	desc[1] = tss >> 32;
	gdtr.base = pages;
	gdtr.limit = (u16)(size - 1);
	asm volatile("lgdt %0" : : "m"(gdtr) : "memory");
	asm volatile("ltr %w0" : : "r"((u16)sel) : "memory");
	pc->own_gdt = pages;
	log_info("VT-x: the firmware left TR empty; installed a TSS at selector 0x%llx\n",
		 (unsigned long long)sel);
	return 0;
}

static int vmx_cpu_enable(void)
{
	struct vmx_percpu *pc = vmx_this_cpu();
	struct vmx_caps caps;
	u64 fc, cr0, cr4;
	int err;

	if (!pc)
		return -ENOSPC;
	if (pc->on)
		return 0;
	vmx_caps_read(&caps);
	if (!vmx_caps_usable(&caps))
		return -ENODEV;
	err = vmx_setup();
	if (err)
		return err;
	vmx_ops.stage2_flags = vmx_cfg.stage2_flags;

	/* SDM 23.7: VMXON outside SMX needs IA32_FEATURE_CONTROL bit 2, and the lock. */
	if (rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc))
		return -ENODEV;
	if (!(fc & FC_LOCK)) {
		fc |= FC_VMX_OUTSIDE_SMX | FC_LOCK;
		if (wrmsr_safe(MSR_IA32_FEATURE_CONTROL, fc))
			return -EIO;
		log_info("VT-x: IA32_FEATURE_CONTROL was unlocked; enabled VMX and locked it\n");
	} else if (!(fc & FC_VMX_OUTSIDE_SMX)) {
		log_err("VT-x: disabled by the firmware (IA32_FEATURE_CONTROL locked, 0x%llx)\n",
			(unsigned long long)fc);
		return -EPERM;
	}
	err = vmx_host_tr_ensure(pc);
	if (err)
		return err;

	if (!pc->vmxon_page)
		pc->vmxon_page = host_pages_alloc(1);	/* the BSP's; APs' come from vmx_cpu_prepare */
	if (!pc->vmxon_page)
		return -ENOMEM;
	*(u32 *)(uintptr_t)pc->vmxon_page = (u32)(vmx_cfg.basic & VMX_BASIC_REVISION_MASK);

	/* SDM 23.8, A.7, A.8: CR0 and CR4 must respect the fixed bits in VMX operation. */
	pc->saved_cr0 = cr0 = read_cr0();
	pc->saved_cr4 = cr4 = read_cr4();
	cr0 = (cr0 | vmx_cfg.cr0_fixed0) & vmx_cfg.cr0_fixed1;
	cr4 = (cr4 | vmx_cfg.cr4_fixed0 | X86_CR4_VMXE) & vmx_cfg.cr4_fixed1;
	if (cr0 != pc->saved_cr0)
		write_cr0(cr0);
	write_cr4(cr4);
	if (vmxon(pc->vmxon_page)) {
		write_cr4(pc->saved_cr4);
		if (cr0 != pc->saved_cr0)
			write_cr0(pc->saved_cr0);
		host_pages_free(pc->vmxon_page, 1);
		pc->vmxon_page = 0;
		log_err("VT-x: VMXON failed\n");
		return -EIO;
	}
	/* Nothing cached from an earlier owner of VMX may survive (SDM 28.3.3.1). */
	invept(INVEPT_ALL_CONTEXT, 0);
	if (vmx_cfg.vpid && vmx_cfg.invvpid_all)
		invvpid(INVVPID_ALL_CONTEXT, 0);
	pc->current_vmcs = 0;
	pc->on = true;
	return 0;
}

static int vmx_cpu_prepare(u32 cpu)
{
	struct vmx_percpu *pc = cpu < VMX_MAX_CPUS ? &vmx_cpus[cpu] : NULL;

	if (!pc)
		return -ENOSPC;
	if (!pc->vmxon_page)
		pc->vmxon_page = host_pages_alloc(1);
	return pc->vmxon_page ? 0 : -ENOMEM;
}

static void vmx_cpu_disable(void)
{
	struct vmx_percpu *pc = vmx_this_cpu();

	if (!pc || !pc->on)
		return;
	if (pc->current_vmcs)
		vmclear(pc->current_vmcs);
	vmxoff();
	write_cr4(pc->saved_cr4);
	if (read_cr0() != pc->saved_cr0)
		write_cr0(pc->saved_cr0);
	host_pages_free(pc->vmxon_page, 1);
	pc->vmxon_page = 0;
	pc->current_vmcs = 0;
	pc->on = false;
}

/* ------------------------------------------------------------ VMCS state */

static struct vmx_vcpu *to_vmx(struct vcpu *vcpu)
{
	return vcpu->arch;
}

static u64 vmcs_pa(const struct vmx_vcpu *x)
{
	return x->pages + PG_VMCS * PAGE_SIZE;
}

static void vmx_write_host_state(struct vmx_vcpu *x, struct vmx_percpu *pc);
static void vmx_flush(struct vmx_vcpu *x);

/*
 * Makes the vCPU's VMCS current on this CPU.  A VMCS active on another CPU
 * must first be cleared there (SDM 24.11.1, vmx_vcpu_put): a VMCS that arrives
 * on a CPU gets that CPU's host state (GDT, IDT, TR and GS bases differ per
 * CPU) and a flush of what the CPU may have cached under its VPID and EPT root.
 */
static int vmx_load(struct vmx_vcpu *x)
{
	struct vmx_percpu *pc = vmx_this_cpu();
	int cpu = (int)host_cpu_index();

	if (!pc || !pc->on)
		return -ENODEV;
	if (x->cpu >= 0 && x->cpu != cpu) {
		log_err("VT-x: vCPU %u's VMCS is active on CPU %d, not on CPU %d\n", x->vcpu->id,
			x->cpu, cpu);
		return -EBUSY;
	}
	if (pc->current_vmcs != vmcs_pa(x)) {
		if (vmptrld(vmcs_pa(x)))
			return -EIO;
		pc->current_vmcs = vmcs_pa(x);
	}
	x->cpu = cpu;
	if (x->host_cpu != cpu) {
		x->host_cpu = cpu;
		vmx_write_host_state(x, pc);
		vmx_flush(x);
	}
	return 0;
}

/* SDM 24.11.1: VMCLEAR on the CPU where the VMCS is active, so another CPU may load it. */
static void vmx_vcpu_put(struct vcpu *vcpu)
{
	struct vmx_vcpu *x = vcpu->arch;
	struct vmx_percpu *pc = vmx_this_cpu();

	if (!x || x->cpu != (int)host_cpu_index())
		return;
	vmclear(vmcs_pa(x));
	if (pc && pc->current_vmcs == vmcs_pa(x))
		pc->current_vmcs = 0;
	x->cpu = -1;
	x->launched = false;
}

/* CR0 bits VMX forces; PE and PG are free for unrestricted guests (SDM 26.3.1.1). */
static u64 cr0_fixed0(void)
{
	return vmx_cfg.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
}

/* SDM 25.3: the CR0/CR4 the guest sees are the read shadow for the bits the mask owns. */
static u64 vmx_guest_cr0(struct vmx_vcpu *x)
{
	return (vmcs_read(VMCS_GUEST_CR0) & ~x->cr0_mask) |
	       (vmcs_read(VMCS_CR0_READ_SHADOW) & x->cr0_mask);
}

static u64 vmx_guest_cr4(struct vmx_vcpu *x)
{
	return (vmcs_read(VMCS_GUEST_CR4) & ~x->cr4_mask) |
	       (vmcs_read(VMCS_CR4_READ_SHADOW) & x->cr4_mask);
}

static void vmx_get_sregs(struct vcpu *vcpu, struct vcpu_sregs *s)
{
	struct vmx_vcpu *x = to_vmx(vcpu);

	if (vmx_load(x))
		return;
	for (int i = 0; i < SEG_COUNT; i++) {
		s->seg[i].selector = (u16)vmcs_read(VMCS_GUEST_SEG_SELECTOR(i));
		s->seg[i].base = vmcs_read(VMCS_GUEST_SEG_BASE(i));
		s->seg[i].limit = (u32)vmcs_read(VMCS_GUEST_SEG_LIMIT(i));
		s->seg[i].ar = (u32)vmcs_read(VMCS_GUEST_SEG_AR(i));
	}
	s->ldtr.selector = (u16)vmcs_read(VMCS_GUEST_LDTR_SELECTOR);
	s->ldtr.base = vmcs_read(VMCS_GUEST_LDTR_BASE);
	s->ldtr.limit = (u32)vmcs_read(VMCS_GUEST_LDTR_LIMIT);
	s->ldtr.ar = (u32)vmcs_read(VMCS_GUEST_LDTR_ACCESS_RIGHTS);
	s->tr.selector = (u16)vmcs_read(VMCS_GUEST_TR_SELECTOR);
	s->tr.base = vmcs_read(VMCS_GUEST_TR_BASE);
	s->tr.limit = (u32)vmcs_read(VMCS_GUEST_TR_LIMIT);
	s->tr.ar = (u32)vmcs_read(VMCS_GUEST_TR_ACCESS_RIGHTS);
	s->gdtr.base = vmcs_read(VMCS_GUEST_GDTR_BASE);
	s->gdtr.limit = (u16)vmcs_read(VMCS_GUEST_GDTR_LIMIT);
	s->idtr.base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	s->idtr.limit = (u16)vmcs_read(VMCS_GUEST_IDTR_LIMIT);
	s->cr0 = vmx_guest_cr0(x);
	s->cr2 = x->cr2;
	s->cr3 = vmcs_read(VMCS_GUEST_CR3);
	s->cr4 = vmx_guest_cr4(x);
	s->cr8 = x->cr8;
	s->efer = vmcs_read(VMCS_GUEST_IA32_EFER);
	s->dr6 = x->dr6;
	s->dr7 = vmcs_read(VMCS_GUEST_DR7);
	s->pat = vmx_cfg.load_pat ? vmcs_read(VMCS_GUEST_IA32_PAT) : rdmsr(MSR_IA32_PAT);
	s->sysenter_cs = vmcs_read(VMCS_GUEST_IA32_SYSENTER_CS);
	s->sysenter_esp = vmcs_read(VMCS_GUEST_IA32_SYSENTER_ESP);
	s->sysenter_eip = vmcs_read(VMCS_GUEST_IA32_SYSENTER_EIP);
	s->kernel_gs_base = x->guest_msrs[SWAP_KERNEL_GS_BASE].value;
	s->star = x->guest_msrs[SWAP_STAR].value;
	s->lstar = x->guest_msrs[SWAP_LSTAR].value;
	s->cstar = x->guest_msrs[SWAP_CSTAR].value;
	s->sfmask = x->guest_msrs[SWAP_SFMASK].value;
}

/*
 * Access rights as VM entry accepts them: an all-zero descriptor is "unusable"
 * (SDM 24.4.1), and TR must hold a busy TSS (26.3.1.2) — other vendors' state
 * and reset values may say "available" or nothing at all.
 */
static u32 vmx_segment_ar(u32 ar)
{
	return ar ? ar : SEG_AR_UNUSABLE;
}

static u32 vmx_tr_ar(u32 ar, bool long_mode)
{
	if (!ar || (ar & SEG_AR_UNUSABLE))
		return SEG_AR_P | 11;
	if (SEG_AR_TYPE(ar) == 1 || SEG_AR_TYPE(ar) == 9)
		ar |= 2;			/* available -> busy */
	if (long_mode && SEG_AR_TYPE(ar) == 3)
		ar = (ar & ~0xfu) | 11;
	return ar;
}

/* SDM 26.3.2.4 / 28.3.1: with EPT, PAE paging outside long mode takes its PDPTEs from the VMCS. */
static void vmx_load_pdptes(struct vmx_vcpu *x, u64 cr0, u64 cr3, u64 cr4, bool lma)
{
	u64 pdpte[4] = { 0, 0, 0, 0 };

	if ((cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !lma &&
	    guest_mem_read(&x->vcpu->vm->mem, cr3 & 0xffffffe0ULL, pdpte, sizeof(pdpte)))
		memset(pdpte, 0, sizeof(pdpte));
	for (int i = 0; i < 4; i++)
		vmcs_put(x, VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

static void vmx_write_sregs(struct vmx_vcpu *x, const struct vcpu_sregs *s)
{
	bool lma = (s->efer & X86_EFER_LME) && (s->cr0 & X86_CR0_PG);
	u64 efer = lma ? s->efer | X86_EFER_LMA : s->efer & ~X86_EFER_LMA;
	u64 cr0, cr4;

	for (int i = 0; i < SEG_COUNT; i++) {
		vmcs_put(x, VMCS_GUEST_SEG_SELECTOR(i), s->seg[i].selector);
		vmcs_put(x, VMCS_GUEST_SEG_BASE(i), s->seg[i].base);
		vmcs_put(x, VMCS_GUEST_SEG_LIMIT(i), s->seg[i].limit);
		vmcs_put(x, VMCS_GUEST_SEG_AR(i), vmx_segment_ar(s->seg[i].ar));
	}
	vmcs_put(x, VMCS_GUEST_LDTR_SELECTOR, s->ldtr.selector);
	vmcs_put(x, VMCS_GUEST_LDTR_BASE, s->ldtr.base);
	vmcs_put(x, VMCS_GUEST_LDTR_LIMIT, s->ldtr.limit);
	vmcs_put(x, VMCS_GUEST_LDTR_ACCESS_RIGHTS, vmx_segment_ar(s->ldtr.ar));
	vmcs_put(x, VMCS_GUEST_TR_SELECTOR, s->tr.selector);
	vmcs_put(x, VMCS_GUEST_TR_BASE, s->tr.base);
	vmcs_put(x, VMCS_GUEST_TR_LIMIT, s->tr.limit);
	vmcs_put(x, VMCS_GUEST_TR_ACCESS_RIGHTS, vmx_tr_ar(s->tr.ar, lma));
	vmcs_put(x, VMCS_GUEST_GDTR_BASE, s->gdtr.base);
	vmcs_put(x, VMCS_GUEST_GDTR_LIMIT, s->gdtr.limit);
	vmcs_put(x, VMCS_GUEST_IDTR_BASE, s->idtr.base);
	vmcs_put(x, VMCS_GUEST_IDTR_LIMIT, s->idtr.limit);

	/*
	 * SDM 25.3: the guest owns the CR0/CR4 bits outside the masks.  The masks own
	 * the fixed bits (the guest sees its own values in the shadows), the bits
	 * the CPU does not implement (writes exit and common code raises #GP),
	 * CR4.VMXE and CR4.SMXE (guests see neither VMX nor SMX in CPUID, so
	 * setting them must raise #GP), CR0.PG, whose changes must switch IA-32e
	 * mode here, and
	 * CR0.CD/NW: VM entry and exit never load them (26.3.2.1, 27.5.1), so a
	 * guest-owned CD would stay set in the host after the exit.
	 */
	cr0 = (s->cr0 | cr0_fixed0()) & vmx_cfg.cr0_fixed1;
	cr4 = (s->cr4 | vmx_cfg.cr4_fixed0 | X86_CR4_VMXE) & vmx_cfg.cr4_fixed1;
	vmcs_put(x, VMCS_GUEST_CR0, cr0);
	vmcs_put(x, VMCS_CR0_READ_SHADOW, s->cr0);
	vmcs_put(x, VMCS_GUEST_CR4, cr4);
	vmcs_put(x, VMCS_CR4_READ_SHADOW, s->cr4);
	vmcs_put(x, VMCS_GUEST_CR3, s->cr3);
	x->cr2 = s->cr2;
	x->cr8 = s->cr8;
	x->dr6 = s->dr6;

	/*
	 * SDM 26.2.4 / 26.3.1.1: EFER.LMA and the "IA-32e mode guest" entry control
	 * must agree.  The guest cannot change them behind our back: CR0.PG is
	 * masked and EFER is not passed through.
	 */
	x->entry = lma ? x->entry | ENTRY_IA32E_MODE_GUEST : x->entry & ~ENTRY_IA32E_MODE_GUEST;
	vmcs_put(x, VMCS_VM_ENTRY_CONTROLS, x->entry);
	vmcs_put(x, VMCS_GUEST_IA32_EFER, efer);
	vmx_load_pdptes(x, s->cr0, s->cr3, s->cr4, lma);

	vmcs_put(x, VMCS_GUEST_DR7, s->dr7);
	if (vmx_cfg.load_pat)
		vmcs_put(x, VMCS_GUEST_IA32_PAT, s->pat);
	vmcs_put(x, VMCS_GUEST_IA32_SYSENTER_CS, s->sysenter_cs);
	vmcs_put(x, VMCS_GUEST_IA32_SYSENTER_ESP, s->sysenter_esp);
	vmcs_put(x, VMCS_GUEST_IA32_SYSENTER_EIP, s->sysenter_eip);
	x->guest_msrs[SWAP_KERNEL_GS_BASE].value = s->kernel_gs_base;
	x->guest_msrs[SWAP_STAR].value = s->star;
	x->guest_msrs[SWAP_LSTAR].value = s->lstar;
	x->guest_msrs[SWAP_CSTAR].value = s->cstar;
	x->guest_msrs[SWAP_SFMASK].value = s->sfmask;
}

static void vmx_set_sregs(struct vcpu *vcpu, const struct vcpu_sregs *s)
{
	struct vmx_vcpu *x = to_vmx(vcpu);

	if (vmx_load(x))
		return;
	vmx_write_sregs(x, s);
	if (x->write_failed)
		log_printf(LOG_ERROR, vcpu->vm->name, "VT-x: VMWRITE to field 0x%llx failed\n",
			   (unsigned long long)x->bad_field);
}

/* SDM 24.6: the execution, exit and entry controls and their bitmaps. */
static void vmx_write_controls(struct vmx_vcpu *x)
{
	u8 *msr_bitmap = (u8 *)(uintptr_t)(x->pages + PG_MSR_BITMAP * PAGE_SIZE);
	u64 msr_areas = x->pages + PG_MSR_AREAS * PAGE_SIZE;

	x->pin = vmx_cfg.pin;
	x->proc = vmx_cfg.proc;
	x->proc2 = vmx_cfg.proc2;
	x->exit_ctl = vmx_cfg.exit_ctl;
	x->entry = vmx_cfg.entry;
	vmcs_put(x, VMCS_PIN_BASED_VM_EXEC_CONTROL, x->pin);
	vmcs_put(x, VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, x->proc);
	vmcs_put(x, VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, x->proc2);
	vmcs_put(x, VMCS_PRIMARY_VM_EXIT_CONTROLS, x->exit_ctl);
	vmcs_put(x, VMCS_VM_ENTRY_CONTROLS, x->entry);
	vmcs_put(x, VMCS_EXCEPTION_BITMAP, VMX_EXCEPTION_BITMAP);
	vmcs_put(x, VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_put(x, VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_put(x, VMCS_CR3_TARGET_COUNT, 0);
	vmcs_put(x, VMCS_IO_BITMAP_A, x->pages + PG_IO_BITMAP_A * PAGE_SIZE);
	vmcs_put(x, VMCS_IO_BITMAP_B, x->pages + PG_IO_BITMAP_B * PAGE_SIZE);
	vmcs_put(x, VMCS_MSR_BITMAP, x->pages + PG_MSR_BITMAP * PAGE_SIZE);
	vmcs_put(x, VMCS_EPT_POINTER, stage2_pointer(&x->vcpu->vm->stage2));
	if (x->proc2 & PROC2_ENABLE_VPID)
		vmcs_put(x, VMCS_VPID, (u16)x->vcpu->asid);
	if (x->proc & PROC_USE_TSC_OFFSETTING) {
		vmcs_put(x, VMCS_TSC_OFFSET, x->vcpu->tsc_offset);
		x->tsc_offset = x->vcpu->tsc_offset;
		x->tsc_offset_written = true;
	}
	if (x->proc2 & PROC2_ENABLE_XSAVES_XRSTORS)
		vmcs_put(x, VMCS_XSS_EXITING_BITMAP, 0);

	/* SDM 24.6.6: the masks own what vmx_write_sregs describes. */
	x->cr0_mask = cr0_fixed0() | ~vmx_cfg.cr0_fixed1 | X86_CR0_PG | X86_CR0_CD | X86_CR0_NW;
	x->cr4_mask = vmx_cfg.cr4_fixed0 | ~vmx_cfg.cr4_fixed1 | X86_CR4_VMXE | CR4_SMXE;
	vmcs_put(x, VMCS_CR0_GUEST_HOST_MASK, x->cr0_mask);
	vmcs_put(x, VMCS_CR4_GUEST_HOST_MASK, x->cr4_mask);

	/*
	 * SDM 24.6.4 / 24.6.9: every port and every MSR exits, except the MSRs of
	 * vm/msr_passthrough.h.  MSR bitmap: read 0-1FFFH, read C0000000H-C0001FFFH,
	 * write low, write high, 1 KiB each.
	 */
	memset((void *)(uintptr_t)(x->pages + PG_IO_BITMAP_A * PAGE_SIZE), 0xff, 2 * PAGE_SIZE);
	memset(msr_bitmap, 0xff, PAGE_SIZE);
	for (size_t i = 0; i < vm_msr_passthrough_count; i++) {
		u32 msr = vm_msr_passthrough[i], off;

		if (msr <= 0x1fff)
			off = 0;
		else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
			off = 1024;
		else
			continue;
		msr &= 0x1fff;
		msr_bitmap[off + msr / 8] &= (u8)~(1u << (msr % 8));
		msr_bitmap[off + 2048 + msr / 8] &= (u8)~(1u << (msr % 8));
	}

	/* SDM 24.7.2, 24.8.2: entry loads and exit stores the guest area; exit loads the host's. */
	x->guest_msrs = (struct vmx_msr_entry *)(uintptr_t)msr_areas;
	x->host_msrs = (struct vmx_msr_entry *)(uintptr_t)(msr_areas + HOST_MSR_AREA_OFFSET);
	for (int i = 0; i < SWAP_COUNT; i++) {
		x->guest_msrs[i].index = swap_msrs[i];
		x->host_msrs[i].index = swap_msrs[i];
		x->host_msrs[i].value = rdmsr(swap_msrs[i]);
	}
	vmcs_put(x, VMCS_VM_ENTRY_MSR_LOAD_ADDR, msr_areas);
	vmcs_put(x, VMCS_VM_ENTRY_MSR_LOAD_COUNT, SWAP_COUNT);
	vmcs_put(x, VMCS_VM_EXIT_MSR_STORE_ADDR, msr_areas);
	vmcs_put(x, VMCS_VM_EXIT_MSR_STORE_COUNT, SWAP_COUNT);
	vmcs_put(x, VMCS_VM_EXIT_MSR_LOAD_ADDR, msr_areas + HOST_MSR_AREA_OFFSET);
	vmcs_put(x, VMCS_VM_EXIT_MSR_LOAD_COUNT, SWAP_COUNT);
	vmcs_put(x, VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
}

/* SDM 24.5, 26.2.2-26.2.4: the host state VM exits load, read from the live CPU. */
static void vmx_write_host_state(struct vmx_vcpu *x, struct vmx_percpu *pc)
{
	u16 tr = read_tr();
	u64 *desc, tr_base;

	asm volatile("sgdt %0" : "=m"(pc->gdtr));
	asm volatile("sidt %0" : "=m"(pc->idtr));
	/* The TR base from its 16-byte system descriptor (SDM 8.2.3). */
	desc = (u64 *)(uintptr_t)(pc->gdtr.base + (tr & ~7u));
	tr_base = ((desc[0] >> 16) & 0xffffff) | (((desc[0] >> 56) & 0xff) << 24) |
		  (desc[1] << 32);

	vmcs_put(x, VMCS_HOST_CR0, read_cr0());
	vmcs_put(x, VMCS_HOST_CR3, read_cr3());
	x->host_cr4 = read_cr4();
	vmcs_put(x, VMCS_HOST_CR4, x->host_cr4);
	/* SDM 26.2.3: host selectors have RPL 0 and TI 0. */
	vmcs_put(x, VMCS_HOST_CS_SELECTOR, read_cs() & ~7u);
	vmcs_put(x, VMCS_HOST_SS_SELECTOR, read_ss() & ~7u);
	vmcs_put(x, VMCS_HOST_DS_SELECTOR, read_ds() & ~7u);
	vmcs_put(x, VMCS_HOST_ES_SELECTOR, read_es() & ~7u);
	vmcs_put(x, VMCS_HOST_FS_SELECTOR, read_fs() & ~7u);
	vmcs_put(x, VMCS_HOST_GS_SELECTOR, read_gs() & ~7u);
	vmcs_put(x, VMCS_HOST_TR_SELECTOR, tr & ~7u);
	vmcs_put(x, VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_put(x, VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_put(x, VMCS_HOST_TR_BASE, tr_base);
	vmcs_put(x, VMCS_HOST_GDTR_BASE, pc->gdtr.base);
	vmcs_put(x, VMCS_HOST_IDTR_BASE, pc->idtr.base);
	vmcs_put(x, VMCS_HOST_IA32_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_put(x, VMCS_HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_put(x, VMCS_HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	vmcs_put(x, VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
	if (x->exit_ctl & EXIT_LOAD_IA32_PAT)
		vmcs_put(x, VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_put(x, VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit_stub);
	/* The MSRs an exit gives back to the host are this CPU's. */
	if (x->host_msrs)
		for (int i = 0; i < SWAP_COUNT; i++)
			x->host_msrs[i].value = rdmsr(swap_msrs[i]);
}

/* SDM 24.4: guest state from the common vCPU registers. */
static void vmx_write_guest_state(struct vmx_vcpu *x)
{
	struct vcpu *vcpu = x->vcpu;

	vmx_write_sregs(x, &vcpu->sregs);
	vmcs_put(x, VMCS_GUEST_RIP, vcpu->rip);
	vmcs_put(x, VMCS_GUEST_RFLAGS, vcpu->rflags | X86_RFLAGS_FIXED);
	vmcs_put(x, VMCS_GUEST_RSP, vcpu->gpr[GPR_RSP]);
	vmcs_put(x, VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_put(x, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmcs_put(x, VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_put(x, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_put(x, VMCS_VMCS_LINK_POINTER, ~0ULL);
	vmcs_put(x, VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
}

static void vmx_flush(struct vmx_vcpu *x)
{
	if (vmx_cfg.invept_single)
		invept(INVEPT_SINGLE_CONTEXT, stage2_pointer(&x->vcpu->vm->stage2));
	else
		invept(INVEPT_ALL_CONTEXT, 0);
	if (x->proc2 & PROC2_ENABLE_VPID) {
		if (vmx_cfg.invvpid_single)
			invvpid(INVVPID_SINGLE_CONTEXT, (u16)x->vcpu->asid);
		else
			invvpid(INVVPID_ALL_CONTEXT, 0);
	}
}

static void vmx_vcpu_destroy(struct vcpu *vcpu)
{
	struct vmx_vcpu *x = to_vmx(vcpu);
	struct vmx_percpu *pc = vmx_this_cpu();

	if (!x)
		return;
	if (x->cpu >= 0 && x->cpu != (int)host_cpu_index()) {
		/* Only the CPU where the VMCS is active can clear it (SDM 24.11.1). */
		log_err("VT-x: vCPU %u destroyed on CPU %u while its VMCS is active on CPU %d; "
			"its pages are leaked\n", vcpu->id, host_cpu_index(), x->cpu);
		vcpu->arch = NULL;
		return;
	}
	if (x->cpu >= 0) {
		vmclear(vmcs_pa(x));
		if (pc && pc->current_vmcs == vmcs_pa(x))
			pc->current_vmcs = 0;
	}
	vcpu->arch = NULL;
	host_pages_free(x->pages, VMX_VCPU_PAGES);
}

static int vmx_vcpu_create(struct vcpu *vcpu)
{
	struct vmx_percpu *pc = vmx_this_cpu();
	struct vmx_vcpu *x;
	u64 pages;

	if (!pc || !pc->on)
		return -ENODEV;
	if (vmx_cfg.vpid && (vcpu->asid == 0 || vcpu->asid > 0xffff)) {
		log_err("VT-x: vCPU %u has VPID %u, outside 1-65535\n", vcpu->id, vcpu->asid);
		return -EINVAL;
	}
	pages = host_pages_alloc(VMX_VCPU_PAGES);
	if (!pages)
		return -ENOMEM;
	x = (struct vmx_vcpu *)(uintptr_t)(pages + PG_STATE * PAGE_SIZE);
	x->vcpu = vcpu;
	x->pages = pages;
	x->cpu = -1;
	x->host_cpu = -1;
	vcpu->arch = x;
	/* SDM 24.2: the VMCS region starts with the revision identifier. */
	*(u32 *)(uintptr_t)vmcs_pa(x) = (u32)(vmx_cfg.basic & VMX_BASIC_REVISION_MASK);
	if (vmclear(vmcs_pa(x)) || vmx_load(x)) {
		log_err("VT-x: VMCLEAR/VMPTRLD of a new VMCS failed\n");
		vmx_vcpu_destroy(vcpu);
		return -EIO;
	}
	vmx_write_controls(x);
	vmx_write_guest_state(x);
	if (x->write_failed) {
		log_err("VT-x: VMWRITE to field 0x%llx failed (VM-instruction error %u, %s)\n",
			(unsigned long long)x->bad_field,
			(u32)vmcs_read(VMCS_VM_INSTRUCTION_ERROR),
			vmx_insn_error_name((u32)vmcs_read(VMCS_VM_INSTRUCTION_ERROR)));
		vmx_vcpu_destroy(vcpu);
		return -EIO;
	}
	/*
	 * A recycled VPID or EPT root must not find translations of its predecessor (flushed
	 * at each first load on a CPU); cleared, so whichever CPU runs it may load it.
	 */
	vmx_vcpu_put(vcpu);
	x->host_cpu = -1;	/* the host state is written with the controls in place */
	return 0;
}

/* ------------------------------------------------------------ the checker */

static void vmx_snapshot(struct vmx_vcpu *x, struct vmx_guest_snapshot *g)
{
	memset(g, 0, sizeof(*g));
	g->pin = (u32)vmcs_read(VMCS_PIN_BASED_VM_EXEC_CONTROL);
	g->proc = (u32)vmcs_read(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
	g->proc2 = (g->proc & PROC_ACTIVATE_SECONDARY_CONTROLS) ?
		   (u32)vmcs_read(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL) : 0;
	g->exit_ctl = (u32)vmcs_read(VMCS_PRIMARY_VM_EXIT_CONTROLS);
	g->entry = (u32)vmcs_read(VMCS_VM_ENTRY_CONTROLS);
	g->cr0_fixed0 = vmx_cfg.cr0_fixed0;
	g->cr0_fixed1 = vmx_cfg.cr0_fixed1;
	g->cr4_fixed0 = vmx_cfg.cr4_fixed0;
	g->cr4_fixed1 = vmx_cfg.cr4_fixed1;
	g->misc = vmx_cfg.misc;
	g->maxphyaddr = vmx_cfg.maxphyaddr;
	g->cr0 = vmcs_read(VMCS_GUEST_CR0);
	g->cr3 = vmcs_read(VMCS_GUEST_CR3);
	g->cr4 = vmcs_read(VMCS_GUEST_CR4);
	g->dr7 = vmcs_read(VMCS_GUEST_DR7);
	g->debugctl = vmcs_read(VMCS_GUEST_IA32_DEBUGCTL);
	g->efer = vmcs_read(VMCS_GUEST_IA32_EFER);
	g->pat = vmx_cfg.load_pat ? vmcs_read(VMCS_GUEST_IA32_PAT) : 0x0007040600070406ULL;
	g->sysenter_esp = vmcs_read(VMCS_GUEST_IA32_SYSENTER_ESP);
	g->sysenter_eip = vmcs_read(VMCS_GUEST_IA32_SYSENTER_EIP);
	for (int i = 0; i < VMX_SEG_COUNT; i++) {
		g->seg[i].selector = (u16)vmcs_read(VMCS_GUEST_SEG_SELECTOR(i));
		g->seg[i].base = vmcs_read(VMCS_GUEST_SEG_BASE(i));
		g->seg[i].limit = (u32)vmcs_read(VMCS_GUEST_SEG_LIMIT(i));
		g->seg[i].ar = (u32)vmcs_read(VMCS_GUEST_SEG_AR(i));
	}
	g->gdtr_base = vmcs_read(VMCS_GUEST_GDTR_BASE);
	g->gdtr_limit = (u32)vmcs_read(VMCS_GUEST_GDTR_LIMIT);
	g->idtr_base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	g->idtr_limit = (u32)vmcs_read(VMCS_GUEST_IDTR_LIMIT);
	g->rip = vmcs_read(VMCS_GUEST_RIP);
	g->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	g->activity = (u32)vmcs_read(VMCS_GUEST_ACTIVITY_STATE);
	g->interruptibility = (u32)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE);
	g->pending_dbg = vmcs_read(VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
	g->link_pointer = vmcs_read(VMCS_VMCS_LINK_POINTER);
	for (int i = 0; i < 4; i++)
		g->pdpte[i] = vmcs_read(VMCS_GUEST_PDPTE0 + 2 * i);
	g->entry_intr_info = (u32)vmcs_read(VMCS_VM_ENTRY_INTERRUPTION_INFO);
	g->entry_error_code = (u32)vmcs_read(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE);
	g->entry_insn_len = (u32)vmcs_read(VMCS_VM_ENTRY_INSTRUCTION_LENGTH);
	(void)x;
}

static const char *vmx_check_current(struct vmx_vcpu *x)
{
	struct vmx_guest_snapshot g;

	vmx_snapshot(x, &g);
	return vmx_check_guest_state(&g);
}

/* ------------------------------------------------------------ events */

/* SDM 6.3.1: the exceptions that push an error code. */
static bool vector_has_error(u8 v)
{
	return v == EXC_DF || (v >= EXC_TS && v <= EXC_PF) || v == EXC_AC || v == EXC_CP;
}

static bool vector_contributory(u8 v)
{
	return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP) || v == EXC_CP;
}

/* The VMCS of x is current. */
static bool vmx_guest_protected(struct vmx_vcpu *x)
{
	(void)x;
	return vmcs_read(VMCS_GUEST_CR0) & X86_CR0_PE;
}

static bool vmx_inject_event(struct vcpu *vcpu, const struct vcpu_event *ev)
{
	struct vmx_vcpu *x = to_vmx(vcpu);
	u32 info = INTR_INFO_VALID, type, len = 0;
	u8 vector = ev->vector;
	u32 error_code = ev->error_code;
	bool has_error = false;

	if (vmx_load(x))
		return false;
	switch (ev->type) {
	case VCPU_EVENT_EXT_INT:
		type = INTR_TYPE_EXTERNAL_INTERRUPT;
		break;
	case VCPU_EVENT_NMI: {
		u32 intr = (u32)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE);

		/*
		 * SDM 26.3.1.5: no NMI injection while NMIs are blocked, nor in a MOV SS shadow;
		 * with an STI shadow the NMI would be taken inside it.  The caller retries later.
		 */
		if (vcpu->reset_pending)
			intr = 0;
		else if (vcpu->rip_dirty)
			intr &= ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
		if (intr & (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
			return false;
		type = INTR_TYPE_NMI;
		vector = EXC_NMI;
		break;
	}
	case VCPU_EVENT_EXCEPTION:
		if (vector > 31 || vector == EXC_NMI)
			return false;
		type = INTR_TYPE_HARDWARE_EXCEPTION;
		/* SDM 26.2.1.3: an error code only where the CPU pushes one, never in real mode. */
		has_error = ev->has_error && vector_has_error(vector) && vmx_guest_protected(x);
		break;
	case VCPU_EVENT_SOFT_INT:
		type = INTR_TYPE_SOFTWARE_INTERRUPT;
		len = ev->insn_len && ev->insn_len <= VM_INSN_MAX ? ev->insn_len : 2;
		break;
	default:
		return false;
	}

	if (x->event_pending) {
		u8 first = INTR_INFO_VECTOR(x->event_info);

		/*
		 * An exception raised while a re-injected exception was being delivered
		 * combines as the CPU would (SDM 6.15, table 6-5): two contributory
		 * faults, or a page fault followed by a contributory fault or a page
		 * fault, become #DF; anything else replaces the first exception, which
		 * the faulting instruction raises again.  Interrupts and NMIs cannot be
		 * dropped: the caller must retry later.
		 */
		if (!x->event_reinjected || type != INTR_TYPE_HARDWARE_EXCEPTION ||
		    INTR_INFO_TYPE(x->event_info) != INTR_TYPE_HARDWARE_EXCEPTION ||
		    first == EXC_DF)
			return false;
		if ((vector_contributory(first) && vector_contributory(vector)) ||
		    (first == EXC_PF && (vector_contributory(vector) || vector == EXC_PF))) {
			vector = EXC_DF;
			has_error = vmx_guest_protected(x);
			error_code = 0;
		}
	}
	info |= ((u32)type << 8) | vector;
	if (has_error)
		info |= INTR_INFO_ERROR_CODE_VALID;
	x->event_info = info;
	x->event_error = has_error ? error_code : 0;
	x->event_len = len;
	x->event_pending = true;
	x->event_reinjected = false;
	return true;
}

/* A completed instruction (rip_dirty) ends the STI / MOV SS shadow at the next entry. */
static bool vmx_interrupt_shadow(struct vcpu *vcpu)
{
	return !vcpu->rip_dirty && !vmx_load(to_vmx(vcpu)) &&
	       (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE) &
		(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

static bool vmx_interrupt_allowed(struct vcpu *vcpu)
{
	struct vmx_vcpu *x = to_vmx(vcpu);

	if (x->event_pending || !(vcpu->rflags & X86_RFLAGS_IF) || vmx_load(x))
		return false;
	return !vmx_interrupt_shadow(vcpu);
}

static void vmx_set_proc(struct vmx_vcpu *x, u32 bit, bool on)
{
	u32 proc = on ? x->proc | bit : x->proc & ~bit;

	if (proc != x->proc) {
		x->proc = proc;
		vmcs_write(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
	}
}

static void vmx_set_interrupt_window(struct vcpu *vcpu, bool enable)
{
	struct vmx_vcpu *x = to_vmx(vcpu);

	if (!vmx_load(x))
		vmx_set_proc(x, PROC_INTERRUPT_WINDOW_EXITING, enable);
}

static void vmx_stage2_flush(struct vcpu *vcpu)
{
	struct vmx_vcpu *x = to_vmx(vcpu);

	if (!vmx_load(x))
		vmx_flush(x);
}

/* ------------------------------------------------------------ entry and exit */

/* Exits caused by executing an instruction: VM_EXIT_INSTRUCTION_LENGTH is valid (SDM 27.2.5). */
static bool vmx_exit_has_length(u32 reason)
{
	switch (reason) {
	case VMX_EXIT_EXCEPTION_OR_NMI: case VMX_EXIT_EXTERNAL_INTERRUPT:
	case VMX_EXIT_TRIPLE_FAULT: case VMX_EXIT_INIT_SIGNAL: case VMX_EXIT_SIPI:
	case VMX_EXIT_IO_SMI: case VMX_EXIT_OTHER_SMI: case VMX_EXIT_INTERRUPT_WINDOW:
	case VMX_EXIT_NMI_WINDOW: case VMX_EXIT_INVALID_GUEST_STATE: case VMX_EXIT_MSR_LOADING:
	case VMX_EXIT_MONITOR_TRAP_FLAG: case VMX_EXIT_MACHINE_CHECK:
	case VMX_EXIT_TPR_BELOW_THRESHOLD: case VMX_EXIT_APIC_ACCESS:
	case VMX_EXIT_VIRTUALIZED_EOI: case VMX_EXIT_EPT_VIOLATION: case VMX_EXIT_EPT_MISCONFIG:
	case VMX_EXIT_PREEMPTION_TIMER: case VMX_EXIT_APIC_WRITE: case VMX_EXIT_PML_FULL:
	case VMX_EXIT_SPP_EVENT: case VMX_EXIT_BUS_LOCK: case VMX_EXIT_INSTRUCTION_TIMEOUT:
	case VMX_EXIT_ENQCMD_PASID_FAILURE: case VMX_EXIT_ENQCMDS_PASID_FAILURE:
		return false;
	default:
		return reason < VMX_EXIT_REASON_COUNT;
	}
}

/*
 * A vCPU restarted by INIT and start-up IPI (vm.h: reset_pending): nothing of the old context
 * may survive in the VMCS — no event to inject or re-inject, no STI/MOV SS/NMI blocking, no
 * pending debug exception, no interrupt window; the registers follow as dirty state.
 */
static void vmx_reset_context(struct vcpu *vcpu, struct vmx_vcpu *x)
{
	x->event_pending = false;
	x->event_reinjected = false;
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmx_set_proc(x, PROC_INTERRUPT_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING, false);
	vcpu->sregs_dirty = true;
	vcpu->rip_dirty = true;
	vcpu->reset_pending = false;
}

/* Writes what common code changed since the last exit, and the pending event. */
static void vmx_prepare_entry(struct vcpu *vcpu, struct vmx_vcpu *x)
{
	if (vcpu->reset_pending)
		vmx_reset_context(vcpu, x);
	if (vcpu->sregs_dirty) {
		vmx_write_sregs(x, &vcpu->sregs);
		vcpu->sregs_dirty = false;
		vcpu->sregs_valid = false;
	}
	if (vcpu->rip_dirty) {
		u32 intr = (u32)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE);

		vmcs_write(VMCS_GUEST_RIP, vcpu->rip);
		vmcs_write(VMCS_GUEST_RFLAGS, vcpu->rflags | X86_RFLAGS_FIXED);
		/* The instruction completed: its STI / MOV SS shadow is over (SDM 26.3.1.5). */
		if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
			vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
				   intr & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
		vcpu->rip_dirty = false;
	}
	vmcs_write(VMCS_GUEST_RSP, vcpu->gpr[GPR_RSP]);
	if (x->event_pending) {
		vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFO, x->event_info);
		if (x->event_info & INTR_INFO_ERROR_CODE_VALID)
			vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, x->event_error);
		if (x->event_len)
			vmcs_write(VMCS_VM_ENTRY_INSTRUCTION_LENGTH, x->event_len);
	}
	if ((x->proc & PROC_USE_TSC_OFFSETTING) &&
	    (!x->tsc_offset_written || x->tsc_offset != vcpu->tsc_offset)) {
		vmcs_write(VMCS_TSC_OFFSET, vcpu->tsc_offset);
		x->tsc_offset = vcpu->tsc_offset;
		x->tsc_offset_written = true;
	}
	/* SDM 25.5.1: the timer counts down by one every 2^rate TSC ticks. */
	if (x->pin & PIN_VMX_PREEMPTION_TIMER) {
		u64 now = rdtsc(), ticks = 0xffffffffULL;

		if (vcpu->deadline_tsc) {
			ticks = (s64)(vcpu->deadline_tsc - now) > 0 ?
				(vcpu->deadline_tsc - now) >> vmx_cfg.preempt_shift : 0;
			if (ticks > 0xffffffffULL)
				ticks = 0xffffffffULL;
		}
		vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, ticks);
	}
	/* The host may have changed CR4 since the VMCS was built (OSXSAVE, say). */
	if (read_cr4() != x->host_cr4) {
		x->host_cr4 = read_cr4();
		vmcs_write(VMCS_HOST_CR4, x->host_cr4);
	}
	/* The guest's CR2 and DR6 live in the real registers while it runs. */
	if (read_cr2() != x->cr2)
		write_cr2(x->cr2);
	write_dr6(x->dr6);
}

static void vmx_fail_text(struct vmx_vcpu *x, const char *what, struct vm_exit *exit)
{
	str_copy(x->fail_text, what, sizeof(x->fail_text));
	exit->fail.what = x->fail_text;
}

/* SDM 26.7, 26.8: VM entry failed after the guest-state or MSR-loading checks. */
static void vmx_entry_failure(struct vcpu *vcpu, struct vmx_vcpu *x, u32 basic,
			      struct vm_exit *exit)
{
	const char *what;

	exit->kind = VM_EXIT_INVALID_STATE;
	exit->fail.code = (int)basic;
	if (basic == VMX_EXIT_MSR_LOADING) {
		fmt_snprintf(x->fail_text, sizeof(x->fail_text),
			     "SDM 26.4: VM-entry MSR-load entry %llu was refused",
			     (unsigned long long)exit->qual);
		exit->fail.what = x->fail_text;
	} else if (basic == VMX_EXIT_MACHINE_CHECK) {
		vmx_fail_text(x, "SDM 26.8: machine-check event during VM entry", exit);
	} else {
		what = vmx_check_current(x);
		vmx_fail_text(x, what ? what : "no violation found by MACROHARD's checker "
			      "(vmx/vmx_check.c)", exit);
	}
	log_printf(LOG_ERROR, vcpu->vm->name, "VT-x: VM entry failed (exit reason %u, %s): %s\n",
		   basic, exit->name, exit->fail.what);
}

/* VMLAUNCH / VMRESUME did not enter: VMfailValid names the error (SDM 30.4). */
static int vmx_insn_failure(struct vcpu *vcpu, struct vmx_vcpu *x, int rc, struct vm_exit *exit)
{
	const char *insn = x->launched ? "VMRESUME" : "VMLAUNCH";
	u32 err;

	memset(exit, 0, sizeof(*exit));
	exit->kind = VM_EXIT_INVALID_STATE;
	exit->rip = vcpu->rip;
	if (rc == 1) {
		log_printf(LOG_ERROR, vcpu->vm->name, "VT-x: %s failed: VMfailInvalid (no current "
			   "VMCS)\n", insn);
		exit->fail.code = -1;
		vmx_fail_text(x, "VMfailInvalid: no current VMCS", exit);
		return -EIO;
	}
	err = (u32)vmcs_read(VMCS_VM_INSTRUCTION_ERROR);
	exit->fail.code = (int)err;
	fmt_snprintf(x->fail_text, sizeof(x->fail_text), "%s: %s", vmx_insn_error_name(err),
		     vmx_insn_error_text(err));
	exit->fail.what = x->fail_text;
	log_printf(LOG_ERROR, vcpu->vm->name, "VT-x: %s failed: VM-instruction error %u %s\n",
		   insn, err, x->fail_text);
	if (err == VMXERR_ENTRY_INVALID_CONTROL_FIELD) {
		const char *what = vmx_check_current(x);

		if (what)
			log_printf(LOG_ERROR, vcpu->vm->name, "VT-x: checker: %s\n", what);
	}
	vmx_dump(vcpu);
	return -EIO;
}

/*
 * SDM 27.2.4, 28.x: an event whose delivery the exit interrupted is delivered
 * again at the next entry, with its error code and instruction length.
 */
static void vmx_save_idt_vectoring(struct vmx_vcpu *x, u32 idt)
{
	u32 type = INTR_INFO_TYPE(idt);

	x->event_info = idt & ~INTR_INFO_NMI_UNBLOCKING & ~0x7ffff000u;
	x->event_info |= INTR_INFO_VALID;
	x->event_error = (idt & INTR_INFO_ERROR_CODE_VALID) ?
			 (u32)vmcs_read(VMCS_IDT_VECTORING_ERROR_CODE) : 0;
	x->event_len = (type == INTR_TYPE_SOFTWARE_INTERRUPT ||
			type == INTR_TYPE_PRIV_SOFTWARE_EXCEPTION ||
			type == INTR_TYPE_SOFTWARE_EXCEPTION) ?
		       (u32)vmcs_read(VMCS_VM_EXIT_INSTRUCTION_LENGTH) : 0;
	x->event_pending = true;
	x->event_reinjected = true;
}

/* SDM 27.2.3 / 28.x: an IRET that unblocked NMIs faulted; the blocking must be restored. */
static void vmx_nmi_unblocking(struct vmx_vcpu *x)
{
	if (x->pin & PIN_VIRTUAL_NMIS)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
			   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE) | INTERRUPTIBILITY_NMI);
}

static void vmx_decode_exception(struct vcpu *vcpu, struct vmx_vcpu *x, bool idt_valid,
				 struct vm_exit *exit)
{
	u32 info = (u32)vmcs_read(VMCS_VM_EXIT_INTERRUPTION_INFO);
	u32 type = INTR_INFO_TYPE(info);
	u8 vector = INTR_INFO_VECTOR(info);

	if (type == INTR_TYPE_NMI) {
		exit->kind = VM_EXIT_NMI;
		return;
	}
	if (!idt_valid && (info & INTR_INFO_NMI_UNBLOCKING) && vector != EXC_DF)
		vmx_nmi_unblocking(x);
	/*
	 * INT1 (type 5) and INT3/INTO (type 6) are traps of an instruction: deliver
	 * them again as they were, after the instruction (SDM 24.8.3).
	 */
	if ((type == INTR_TYPE_PRIV_SOFTWARE_EXCEPTION || type == INTR_TYPE_SOFTWARE_EXCEPTION) &&
	    !x->event_pending) {
		x->event_info = INTR_INFO_VALID | (type << 8) | vector;
		x->event_error = 0;
		x->event_len = (u32)vmcs_read(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		x->event_pending = true;
		x->event_reinjected = false;
		exit->kind = VM_EXIT_NONE;
		return;
	}
	exit->kind = VM_EXIT_EXCEPTION;
	exit->exception.vector = vector;
	exit->exception.has_error = info & INTR_INFO_ERROR_CODE_VALID;
	exit->exception.error_code = exit->exception.has_error ?
		(u32)vmcs_read(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE) : 0;
	/* SDM 27.2.1: the qualification is CR2 for #PF and the DR6 bits for #DB. */
	if (vector == EXC_PF || vector == EXC_DB)
		exit->exception.aux = exit->qual;
	(void)vcpu;
}

static void vmx_decode_io(struct vcpu *vcpu, struct vm_exit *exit)
{
	u64 q = exit->qual;

	exit->kind = VM_EXIT_IO;
	exit->io.port = IOQ_PORT(q);
	exit->io.size = IOQ_SIZE(q);
	exit->io.in = q & IOQ_IN;
	exit->io.string = q & IOQ_STRING;
	exit->io.rep = q & IOQ_REP;
	exit->io.seg = SEG_DS;
	if (exit->io.string) {
		exit->info2 = vmcs_read(VMCS_GUEST_LINEAR_ADDRESS);
		if (vmx_cfg.ins_outs_info) {
			u32 info = (u32)vmcs_read(VMCS_VM_EXIT_INSTRUCTION_INFO);

			/* SDM 27.2.5 table 27-8: 0 = 16-bit, 1 = 32-bit, 2 = 64-bit addresses. */
			exit->io.addr_size = (u8)(2u << IOINFO_ADDR_SIZE(info));
			exit->io.seg = exit->io.in ? SEG_ES : (u8)IOINFO_SEGMENT(info);
		}
		/* Without the information, addr_size stays 0: common code decodes the instruction. */
	}
	(void)vcpu;
}

static void vmx_decode_ept_violation(struct vmx_vcpu *x, bool idt_valid, struct vm_exit *exit)
{
	u64 q = exit->qual;

	exit->kind = VM_EXIT_STAGE2;
	exit->stage2.gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
	exit->info2 = exit->stage2.gpa;
	exit->stage2.gla_valid = q & EPTQ_GLA_VALID;
	exit->stage2.gla = exit->stage2.gla_valid ? vmcs_read(VMCS_GUEST_LINEAR_ADDRESS) : 0;
	exit->stage2.access = ((q & EPTQ_READ) ? VM_ACCESS_READ : 0) |
			      ((q & EPTQ_WRITE) ? VM_ACCESS_WRITE : 0) |
			      ((q & EPTQ_FETCH) ? VM_ACCESS_FETCH : 0);
	/* Any permission in the entry means a translation existed (SDM 27.2.1 table 27-7). */
	exit->stage2.mapped = q & (EPTQ_READABLE | EPTQ_WRITABLE | EPTQ_EXECUTABLE);
	exit->stage2.insn_fetched = 0;
	if (!idt_valid && (q & EPTQ_NMI_UNBLOCKING))
		vmx_nmi_unblocking(x);
}

static void vmx_decode_handled(struct vcpu *vcpu, struct vmx_vcpu *x, u32 reason, bool idt_valid,
			       struct vm_exit *exit)
{
	u64 q = exit->qual;

	switch (reason) {
	case VMX_EXIT_EXCEPTION_OR_NMI:
		vmx_decode_exception(vcpu, x, idt_valid, exit);
		break;
	case VMX_EXIT_EXTERNAL_INTERRUPT:
		exit->kind = VM_EXIT_INTR;
		break;
	case VMX_EXIT_TRIPLE_FAULT:
		exit->kind = VM_EXIT_SHUTDOWN;
		break;
	case VMX_EXIT_INTERRUPT_WINDOW:
		exit->kind = VM_EXIT_INTR_WINDOW;
		break;
	case VMX_EXIT_NMI_WINDOW:
		/* One window per request: there is no interface to cancel it. */
		vmx_set_proc(x, PROC_NMI_WINDOW_EXITING, false);
		exit->kind = VM_EXIT_NMI_WINDOW;
		break;
	case VMX_EXIT_TASK_SWITCH:
		exit->kind = VM_EXIT_TASK_SWITCH;
		exit->task.selector = TSQ_SELECTOR(q);
		exit->task.source = TSQ_SOURCE(q);
		if (exit->task.source == 3)
			exit->insn_len = 0;
		break;
	case VMX_EXIT_CPUID:
		exit->kind = VM_EXIT_CPUID;
		break;
	case VMX_EXIT_HLT:
		exit->kind = VM_EXIT_HLT;
		break;
	case VMX_EXIT_INVD:
	case VMX_EXIT_WBINVD:
		exit->kind = VM_EXIT_INVD;
		break;
	case VMX_EXIT_INVLPG:
		exit->kind = VM_EXIT_INVLPG;
		exit->info2 = q;
		break;
	case VMX_EXIT_VMCALL:
		exit->kind = VM_EXIT_HYPERCALL;
		break;
	case VMX_EXIT_CR_ACCESS:
		exit->kind = VM_EXIT_CR_ACCESS;
		exit->cr.cr = CRQ_NUMBER(q);
		switch (CRQ_ACCESS_TYPE(q)) {
		case CR_ACCESS_MOV_TO_CR:
		case CR_ACCESS_MOV_FROM_CR:
			exit->cr.type = VM_CR_MOV;
			exit->cr.write = CRQ_ACCESS_TYPE(q) == CR_ACCESS_MOV_TO_CR;
			exit->cr.gpr = (s8)CRQ_GPR(q);
			break;
		case CR_ACCESS_CLTS:
			exit->cr.type = VM_CR_CLTS;
			exit->cr.write = true;
			exit->cr.gpr = -1;
			break;
		default:
			exit->cr.type = VM_CR_LMSW;
			exit->cr.write = true;
			exit->cr.gpr = -1;
			exit->cr.lmsw_value = (u16)CRQ_LMSW_DATA(q);
			break;
		}
		break;
	case VMX_EXIT_MOV_DR:
		exit->kind = VM_EXIT_DR_ACCESS;
		exit->dr.dr = DRQ_NUMBER(q);
		exit->dr.write = !(q & DRQ_FROM_DR);
		exit->dr.gpr = (s8)DRQ_GPR(q);
		break;
	case VMX_EXIT_IO_INSTRUCTION:
		vmx_decode_io(vcpu, exit);
		break;
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		exit->kind = reason == VMX_EXIT_RDMSR ? VM_EXIT_MSR_READ : VM_EXIT_MSR_WRITE;
		exit->msr.index = (u32)vcpu->gpr[GPR_RCX];
		break;
	case VMX_EXIT_PAUSE:
		exit->kind = VM_EXIT_PAUSE;
		break;
	case VMX_EXIT_EPT_VIOLATION:
		vmx_decode_ept_violation(x, idt_valid, exit);
		break;
	case VMX_EXIT_PREEMPTION_TIMER:
		exit->kind = VM_EXIT_PREEMPT;
		break;
	case VMX_EXIT_XSETBV:
		exit->kind = VM_EXIT_XSETBV;
		break;
	default:
		/* A "handle" entry without a decoder is a hypervisor bug: stop the VM, loudly. */
		log_printf(LOG_ERROR, vcpu->vm->name, "VT-x: exit reason %u has no decoder\n",
			   reason);
		exit->kind = VM_EXIT_STOP;
		break;
	}
}

static void vmx_decode_exit(struct vcpu *vcpu, struct vmx_vcpu *x, struct vm_exit *exit)
{
	u32 raw = (u32)vmcs_read(VMCS_EXIT_REASON), reason = VMX_EXIT_REASON_BASIC(raw);
	const struct exit_table_entry *e = vmx_exit_lookup(reason);
	u32 idt = 0;

	*exit = (struct vm_exit){ .kind = VM_EXIT_NONE };
	exit->reason = reason;
	exit->table_index = e ? reason : VMX_EXIT_INDEX_OUT_OF_RANGE;
	exit->name = e ? e->name : "VMX_EXIT_OUT_OF_RANGE";
	exit->qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	vcpu->rip = vmcs_read(VMCS_GUEST_RIP);
	vcpu->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	vcpu->gpr[GPR_RSP] = vmcs_read(VMCS_GUEST_RSP);
	vcpu->sregs_valid = false;
	exit->rip = vcpu->rip;

	if (raw & VMX_EXIT_REASON_ENTRY_FAILURE) {
		vmx_entry_failure(vcpu, x, reason, exit);
		return;
	}
	x->launched = true;
	/* The injected event (if any) was delivered, or appears in IDT-vectoring information. */
	x->event_pending = false;
	if (vmx_exit_has_length(reason))
		exit->insn_len = (u8)vmcs_read(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
	if (reason != VMX_EXIT_TRIPLE_FAULT) {
		idt = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);
		if (idt & INTR_INFO_VALID)
			vmx_save_idt_vectoring(x, idt);
	}

	if (!e) {
		exit->kind = VM_EXIT_STOP;
		return;
	}
	switch (e->policy) {
	case EXIT_POLICY_INJECT:
		exit->kind = VM_EXIT_INJECT;
		exit->inject.vector = e->inject_vector;
		exit->inject.has_error = vector_has_error(e->inject_vector);
		exit->inject.error_code = 0;
		break;
	case EXIT_POLICY_STOP:
		exit->kind = VM_EXIT_STOP;
		break;
	case EXIT_POLICY_HANDLE:
		vmx_decode_handled(vcpu, x, reason, idt & INTR_INFO_VALID, exit);
		break;
	}
}

static int vmx_vcpu_run(struct vcpu *vcpu, struct vm_exit *exit)
{
	struct vmx_vcpu *x = to_vmx(vcpu);
	struct vmx_percpu *pc = vmx_this_cpu();
	u64 flags;
	int rc, err;

	if (!x)
		return -ENODEV;
	err = vmx_load(x);
	if (err)
		return err;
	flags = read_rflags();
	cpu_cli();
	vmx_prepare_entry(vcpu, x);
	if (log_enabled(LOG_DEBUG)) {
		const char *what = vmx_check_current(x);

		if (what)
			log_printf(LOG_DEBUG, vcpu->vm->name, "VT-x: entry check: %s\n", what);
	}

	rc = vmx_enter(vcpu->gpr, x->launched);

	/* SDM 27.5.2: VM exits leave GDTR and IDTR limits at FFFFH; restore the real ones. */
	asm volatile("lgdt %0" : : "m"(pc->gdtr));
	asm volatile("lidt %0" : : "m"(pc->idtr));
	x->cr2 = read_cr2();
	x->dr6 = read_dr6();
	if (rc) {
		err = vmx_insn_failure(vcpu, x, rc, exit);
		if (flags & X86_RFLAGS_IF)
			cpu_sti();
		return err;
	}
	vmx_decode_exit(vcpu, x, exit);
	/*
	 * A host interrupt made the exit (acknowledge-on-exit is off): it is still
	 * pending at the local APIC, and re-enabling interrupts lets the firmware's
	 * handler take it right here.
	 */
	if (flags & X86_RFLAGS_IF)
		asm volatile("sti; nop" ::: "memory");
	return 0;
}

/* ------------------------------------------------------------ diagnostics */

static void vmx_dump_segment(const char *name, u64 sel, u64 base, u64 limit, u64 ar)
{
	log_raw("  %-4s sel=%04llx base=%016llx limit=%08llx ar=%05llx\n", name,
		(unsigned long long)sel, (unsigned long long)base, (unsigned long long)limit,
		(unsigned long long)ar);
}

static void vmx_dump(struct vcpu *vcpu)
{
	static const char *const seg_names[VMX_SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS",
							      "LDTR", "TR" };
	struct vmx_vcpu *x = to_vmx(vcpu);
	u32 reason;
	const struct exit_table_entry *e;

	if (!x || vmx_load(x)) {
		log_raw("VT-x: no VMCS to dump for vCPU %u\n", vcpu->id);
		return;
	}
	reason = (u32)vmcs_read(VMCS_EXIT_REASON);
	e = vmx_exit_lookup(VMX_EXIT_REASON_BASIC(reason));
	log_raw("VT-x vCPU %u: exit reason 0x%08x (%s%s) qualification 0x%llx\n", vcpu->id, reason,
		e ? e->name : "out of range",
		(reason & VMX_EXIT_REASON_ENTRY_FAILURE) ? ", VM-entry failure" : "",
		(unsigned long long)vmcs_read(VMCS_EXIT_QUALIFICATION));
	log_raw("  VM-instruction error %u; exit interruption 0x%08llx error 0x%llx; "
		"IDT-vectoring 0x%08llx error 0x%llx; instruction length %llu info 0x%llx\n",
		(u32)vmcs_read(VMCS_VM_INSTRUCTION_ERROR),
		(unsigned long long)vmcs_read(VMCS_VM_EXIT_INTERRUPTION_INFO),
		(unsigned long long)vmcs_read(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE),
		(unsigned long long)vmcs_read(VMCS_IDT_VECTORING_INFO),
		(unsigned long long)vmcs_read(VMCS_IDT_VECTORING_ERROR_CODE),
		(unsigned long long)vmcs_read(VMCS_VM_EXIT_INSTRUCTION_LENGTH),
		(unsigned long long)vmcs_read(VMCS_VM_EXIT_INSTRUCTION_INFO));
	log_raw("  guest-physical 0x%llx guest-linear 0x%llx\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS),
		(unsigned long long)vmcs_read(VMCS_GUEST_LINEAR_ADDRESS));
	log_raw("  controls: pin %08x proc %08x proc2 %08x exit %08x entry %08x exceptions %08llx\n",
		x->pin, x->proc, x->proc2, x->exit_ctl, x->entry,
		(unsigned long long)vmcs_read(VMCS_EXCEPTION_BITMAP));
	log_raw("  EPTP %016llx VPID %llu TSC offset %016llx entry event %08llx/%llx/%llu\n",
		(unsigned long long)vmcs_read(VMCS_EPT_POINTER),
		(unsigned long long)((x->proc2 & PROC2_ENABLE_VPID) ? vmcs_read(VMCS_VPID) : 0),
		(unsigned long long)((x->proc & PROC_USE_TSC_OFFSETTING) ?
				     vmcs_read(VMCS_TSC_OFFSET) : 0),
		(unsigned long long)vmcs_read(VMCS_VM_ENTRY_INTERRUPTION_INFO),
		(unsigned long long)vmcs_read(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE),
		(unsigned long long)vmcs_read(VMCS_VM_ENTRY_INSTRUCTION_LENGTH));
	log_raw("  CR0 %016llx (shadow %llx mask %llx) CR3 %016llx CR4 %016llx (shadow %llx mask %llx)\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_CR0),
		(unsigned long long)vmcs_read(VMCS_CR0_READ_SHADOW),
		(unsigned long long)x->cr0_mask, (unsigned long long)vmcs_read(VMCS_GUEST_CR3),
		(unsigned long long)vmcs_read(VMCS_GUEST_CR4),
		(unsigned long long)vmcs_read(VMCS_CR4_READ_SHADOW),
		(unsigned long long)x->cr4_mask);
	log_raw("  RIP %016llx RSP %016llx RFLAGS %016llx EFER %llx DR7 %llx\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_RIP),
		(unsigned long long)vmcs_read(VMCS_GUEST_RSP),
		(unsigned long long)vmcs_read(VMCS_GUEST_RFLAGS),
		(unsigned long long)vmcs_read(VMCS_GUEST_IA32_EFER),
		(unsigned long long)vmcs_read(VMCS_GUEST_DR7));
	log_raw("  activity %llu interruptibility %llx pending debug %llx link %llx\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_ACTIVITY_STATE),
		(unsigned long long)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE),
		(unsigned long long)vmcs_read(VMCS_GUEST_PENDING_DBG_EXCEPTIONS),
		(unsigned long long)vmcs_read(VMCS_VMCS_LINK_POINTER));
	for (int i = 0; i < VMX_SEG_COUNT; i++)
		vmx_dump_segment(seg_names[i], vmcs_read(VMCS_GUEST_SEG_SELECTOR(i)),
				 vmcs_read(VMCS_GUEST_SEG_BASE(i)),
				 vmcs_read(VMCS_GUEST_SEG_LIMIT(i)), vmcs_read(VMCS_GUEST_SEG_AR(i)));
	log_raw("  GDTR %016llx/%llx IDTR %016llx/%llx\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_GDTR_BASE),
		(unsigned long long)vmcs_read(VMCS_GUEST_GDTR_LIMIT),
		(unsigned long long)vmcs_read(VMCS_GUEST_IDTR_BASE),
		(unsigned long long)vmcs_read(VMCS_GUEST_IDTR_LIMIT));
}

/* stage2_flags is filled from IA32_VMX_EPT_VPID_CAP by the first cpu_enable. */
struct vendor_ops vmx_ops = {
	.name = "VT-x",
	.stage2_format = STAGE2_EPT,
	.stage2_flags = 0,
	.cpu_prepare = vmx_cpu_prepare,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_put = vmx_vcpu_put,
	.vcpu_run = vmx_vcpu_run,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	.inject_event = vmx_inject_event,
	.interrupt_allowed = vmx_interrupt_allowed,
	.interrupt_shadow = vmx_interrupt_shadow,
	.set_interrupt_window = vmx_set_interrupt_window,
	.stage2_flush = vmx_stage2_flush,
	.dump = vmx_dump,
	.exit_table = vmx_exit_table,
	.exit_table_size = VMX_EXIT_TABLE_SIZE,
};
