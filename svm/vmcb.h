/*
 * The VMCB (virtual machine control block) layout and the SVM constants the
 * back-end uses: APM vol. 2, appendix B (layout), 15.9-15.14 (intercepts),
 * 15.20 (event injection) and appendix C (exit codes, in svm/svm_exit_codes.h).
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include "lib/types.h"

/* Table B-1: a segment register in the state save area. */
struct vmcb_seg {
	u16 selector;
	u16 attrib;		/* 12 bits: descriptor bits 47:40 and 55:52 */
	u32 limit;
	u64 base;
};

/* Table B-1: the control area, offsets 000h-3FFh. */
struct vmcb_control {
	u32 intercept_cr;	/* 000h: 15:0 reads, 31:16 writes */
	u32 intercept_dr;	/* 004h: 15:0 reads, 31:16 writes */
	u32 intercept_exc;	/* 008h: one bit per exception vector */
	u32 intercept_misc1;	/* 00Ch: SVM_INT1_* */
	u32 intercept_misc2;	/* 010h: SVM_INT2_* */
	u32 intercept_misc3;	/* 014h: SVM_INT3_* */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_threshold;	/* 03Ch */
	u16 pause_filter_count;		/* 03Eh */
	u64 iopm_base_pa;	/* 040h */
	u64 msrpm_base_pa;	/* 048h */
	u64 tsc_offset;		/* 050h */
	u32 asid;		/* 058h */
	u8 tlb_control;		/* 05Ch */
	u8 reserved_05d[3];
	u64 vintr;		/* 060h: SVM_VINTR_* */
	u64 int_state;		/* 068h: SVM_INT_SHADOW, SVM_GUEST_IF */
	u64 exitcode;		/* 070h */
	u64 exitinfo1;		/* 078h */
	u64 exitinfo2;		/* 080h */
	u64 exitintinfo;	/* 088h: event format, error code in 63:32 */
	u64 np_control;		/* 090h: SVM_NP_ENABLE, ... */
	u64 avic_apic_bar;	/* 098h */
	u64 ghcb_gpa;		/* 0A0h */
	u64 eventinj;		/* 0A8h: event format, error code in 63:32 */
	u64 n_cr3;		/* 0B0h */
	u64 virt_ext;		/* 0B8h: LBR virtualization, virtual VMLOAD/VMSAVE */
	u32 clean;		/* 0C0h: VMCB clean bits (15.15.3) */
	u32 reserved_0c4;
	u64 nrip;		/* 0C8h: next RIP (NRIP-save) */
	u8 insn_len;		/* 0D0h: bytes fetched (decode assists) */
	u8 insn_bytes[15];	/* 0D1h */
	u64 avic_backing_page;	/* 0E0h */
	u64 reserved_0e8;
	u64 avic_logical_table;	/* 0F0h */
	u64 avic_physical_table; /* 0F8h */
	u64 reserved_100;
	u64 vmsa_pa;		/* 108h */
	u8 reserved_110[0x3e0 - 0x110];
	u8 software[0x400 - 0x3e0];	/* 3E0h: for the hypervisor's own use */
};

/* Table B-2: the state save area, offsets 400h and up (given here from 400h). */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs;	/* 000h */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 060h */
	u8 reserved_0a0[0x0cb - 0x0a0];
	u8 cpl;			/* 0CBh */
	u32 reserved_0cc;
	u64 efer;		/* 0D0h */
	u8 reserved_0d8[0x148 - 0x0d8];
	u64 cr4;		/* 148h */
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;		/* 178h */
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;		/* 1D8h */
	u64 s_cet;		/* 1E0h */
	u64 ssp;
	u64 isst_addr;
	u64 rax;		/* 1F8h */
	u64 star;		/* 200h */
	u64 lstar;
	u64 cstar;
	u64 sfmask;
	u64 kernel_gs_base;
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	u64 cr2;		/* 240h */
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;		/* 268h */
	u64 dbgctl;		/* 270h */
	u64 br_from;
	u64 br_to;
	u64 last_excp_from;
	u64 last_excp_to;	/* 290h */
	u8 reserved_298[0x2e0 - 0x298];
	u64 spec_ctrl;		/* 2E0h */
};

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
	u8 reserved_end[0x1000 - 0x400 - sizeof(struct vmcb_save)];
};

_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment is 16 bytes");
_Static_assert(__builtin_offsetof(struct vmcb_control, pause_filter_threshold) == 0x03c, "03Ch");
_Static_assert(__builtin_offsetof(struct vmcb_control, iopm_base_pa) == 0x040, "040h");
_Static_assert(__builtin_offsetof(struct vmcb_control, asid) == 0x058, "058h");
_Static_assert(__builtin_offsetof(struct vmcb_control, tlb_control) == 0x05c, "05Ch");
_Static_assert(__builtin_offsetof(struct vmcb_control, vintr) == 0x060, "060h");
_Static_assert(__builtin_offsetof(struct vmcb_control, exitcode) == 0x070, "070h");
_Static_assert(__builtin_offsetof(struct vmcb_control, exitintinfo) == 0x088, "088h");
_Static_assert(__builtin_offsetof(struct vmcb_control, np_control) == 0x090, "090h");
_Static_assert(__builtin_offsetof(struct vmcb_control, eventinj) == 0x0a8, "0A8h");
_Static_assert(__builtin_offsetof(struct vmcb_control, n_cr3) == 0x0b0, "0B0h");
_Static_assert(__builtin_offsetof(struct vmcb_control, clean) == 0x0c0, "0C0h");
_Static_assert(__builtin_offsetof(struct vmcb_control, nrip) == 0x0c8, "0C8h");
_Static_assert(__builtin_offsetof(struct vmcb_control, insn_len) == 0x0d0, "0D0h");
_Static_assert(__builtin_offsetof(struct vmcb_control, avic_backing_page) == 0x0e0, "0E0h");
_Static_assert(__builtin_offsetof(struct vmcb_control, vmsa_pa) == 0x108, "108h");
_Static_assert(sizeof(struct vmcb_control) == 0x400, "control area is 400h bytes");
_Static_assert(__builtin_offsetof(struct vmcb_save, gdtr) == 0x060, "save 060h");
_Static_assert(__builtin_offsetof(struct vmcb_save, tr) == 0x090, "save 090h");
_Static_assert(__builtin_offsetof(struct vmcb_save, cpl) == 0x0cb, "save 0CBh");
_Static_assert(__builtin_offsetof(struct vmcb_save, efer) == 0x0d0, "save 0D0h");
_Static_assert(__builtin_offsetof(struct vmcb_save, cr4) == 0x148, "save 148h");
_Static_assert(__builtin_offsetof(struct vmcb_save, rip) == 0x178, "save 178h");
_Static_assert(__builtin_offsetof(struct vmcb_save, rsp) == 0x1d8, "save 1D8h");
_Static_assert(__builtin_offsetof(struct vmcb_save, rax) == 0x1f8, "save 1F8h");
_Static_assert(__builtin_offsetof(struct vmcb_save, star) == 0x200, "save 200h");
_Static_assert(__builtin_offsetof(struct vmcb_save, cr2) == 0x240, "save 240h");
_Static_assert(__builtin_offsetof(struct vmcb_save, g_pat) == 0x268, "save 268h");
_Static_assert(__builtin_offsetof(struct vmcb_save, last_excp_to) == 0x290, "save 290h");
_Static_assert(__builtin_offsetof(struct vmcb_save, spec_ctrl) == 0x2e0, "save 2E0h");
_Static_assert(sizeof(struct vmcb) == 0x1000, "the VMCB is one page");

/* 00Ch: intercept vector 3 (15.9-15.13); bit n is exit code 60h + n. */
#define SVM_INT1_INTR BIT(0)
#define SVM_INT1_NMI BIT(1)
#define SVM_INT1_SMI BIT(2)
#define SVM_INT1_INIT BIT(3)
#define SVM_INT1_VINTR BIT(4)
#define SVM_INT1_CR0_SEL_WRITE BIT(5)
#define SVM_INT1_IDTR_READ BIT(6)
#define SVM_INT1_GDTR_READ BIT(7)
#define SVM_INT1_LDTR_READ BIT(8)
#define SVM_INT1_TR_READ BIT(9)
#define SVM_INT1_IDTR_WRITE BIT(10)
#define SVM_INT1_GDTR_WRITE BIT(11)
#define SVM_INT1_LDTR_WRITE BIT(12)
#define SVM_INT1_TR_WRITE BIT(13)
#define SVM_INT1_RDTSC BIT(14)
#define SVM_INT1_RDPMC BIT(15)
#define SVM_INT1_PUSHF BIT(16)
#define SVM_INT1_POPF BIT(17)
#define SVM_INT1_CPUID BIT(18)
#define SVM_INT1_RSM BIT(19)
#define SVM_INT1_IRET BIT(20)
#define SVM_INT1_INTN BIT(21)
#define SVM_INT1_INVD BIT(22)
#define SVM_INT1_PAUSE BIT(23)
#define SVM_INT1_HLT BIT(24)
#define SVM_INT1_INVLPG BIT(25)
#define SVM_INT1_INVLPGA BIT(26)
#define SVM_INT1_IOIO_PROT BIT(27)
#define SVM_INT1_MSR_PROT BIT(28)
#define SVM_INT1_TASK_SWITCH BIT(29)
#define SVM_INT1_FERR_FREEZE BIT(30)
#define SVM_INT1_SHUTDOWN BIT(31)

/* 010h: intercept vector 4; bit n is exit code 80h + n. */
#define SVM_INT2_VMRUN BIT(0)
#define SVM_INT2_VMMCALL BIT(1)
#define SVM_INT2_VMLOAD BIT(2)
#define SVM_INT2_VMSAVE BIT(3)
#define SVM_INT2_STGI BIT(4)
#define SVM_INT2_CLGI BIT(5)
#define SVM_INT2_SKINIT BIT(6)
#define SVM_INT2_RDTSCP BIT(7)
#define SVM_INT2_ICEBP BIT(8)
#define SVM_INT2_WBINVD BIT(9)
#define SVM_INT2_MONITOR BIT(10)
#define SVM_INT2_MWAIT BIT(11)
#define SVM_INT2_MWAIT_CONDITIONAL BIT(12)
#define SVM_INT2_XSETBV BIT(13)
#define SVM_INT2_RDPRU BIT(14)
#define SVM_INT2_EFER_WRITE_TRAP BIT(15)
/* bits 31:16: CR0-CR15 write traps */

/* 014h: intercept vector 5; bit n is exit code A0h + n. */
#define SVM_INT3_INVLPGB BIT(0)
#define SVM_INT3_INVLPGB_ILLEGAL BIT(1)
#define SVM_INT3_INVPCID BIT(2)
#define SVM_INT3_MCOMMIT BIT(3)
#define SVM_INT3_TLBSYNC BIT(4)
#define SVM_INT3_BUSLOCK BIT(5)
#define SVM_INT3_IDLE_HLT BIT(6)

/* 05Ch: TLB_CONTROL (15.16.2). */
#define SVM_TLB_CONTROL_NOTHING 0
#define SVM_TLB_CONTROL_FLUSH_ALL 1	/* every ASID: always available */
#define SVM_TLB_CONTROL_FLUSH_ASID 3	/* this guest's ASID: FlushByAsid */
#define SVM_TLB_CONTROL_FLUSH_ASID_LOCAL 7

/* 060h: virtual interrupt control (15.21). */
#define SVM_VINTR_TPR_MASK 0xfULL
#define SVM_VINTR_IRQ BIT(8)
#define SVM_VINTR_GIF BIT(9)
#define SVM_VINTR_NMI BIT(11)
#define SVM_VINTR_NMI_MASK BIT(12)
#define SVM_VINTR_PRIO_SHIFT 16
#define SVM_VINTR_PRIO_MASK (0xfULL << 16)
#define SVM_VINTR_IGN_TPR BIT(20)
#define SVM_VINTR_MASKING BIT(24)
#define SVM_VINTR_GIF_ENABLE BIT(25)
#define SVM_VINTR_NMI_ENABLE BIT(26)
#define SVM_VINTR_X2AVIC BIT(30)
#define SVM_VINTR_AVIC BIT(31)
#define SVM_VINTR_VECTOR_SHIFT 32

/* 068h */
#define SVM_INT_SHADOW BIT(0)
#define SVM_GUEST_IF BIT(1)

/* 090h */
#define SVM_NP_ENABLE BIT(0)

/* 0C0h: VMCB clean bits (15.15.3); a set bit says "unchanged since the last VMRUN". */
#define SVM_CLEAN_I BIT(0)	/* intercepts, TSC offset, pause filter */
#define SVM_CLEAN_IOPM BIT(1)	/* IOPM_BASE, MSRPM_BASE */
#define SVM_CLEAN_ASID BIT(2)
#define SVM_CLEAN_TPR BIT(3)	/* 060h: V_TPR, V_IRQ, V_INTR_* */
#define SVM_CLEAN_NP BIT(4)	/* NP_ENABLE, N_CR3, G_PAT */
#define SVM_CLEAN_CRX BIT(5)	/* CR0, CR3, CR4, EFER */
#define SVM_CLEAN_DRX BIT(6)	/* DR6, DR7 */
#define SVM_CLEAN_DT BIT(7)	/* GDTR, IDTR */
#define SVM_CLEAN_SEG BIT(8)	/* CS, DS, SS, ES, CPL */
#define SVM_CLEAN_CR2 BIT(9)
#define SVM_CLEAN_LBR BIT(10)
#define SVM_CLEAN_AVIC BIT(11)
#define SVM_CLEAN_CET BIT(12)
#define SVM_CLEAN_ALL 0x1fffU

/* EVENTINJ and EXITINTINFO (15.20, 15.7.2). */
#define SVM_EVENT_VECTOR(e) ((u8)(e))
#define SVM_EVENT_TYPE(e) (((e) >> 8) & 7)
#define SVM_EVENT_TYPE_INTR 0
#define SVM_EVENT_TYPE_NMI 2
#define SVM_EVENT_TYPE_EXCEPTION 3
#define SVM_EVENT_TYPE_SOFT_INT 4
#define SVM_EVENT_EV BIT(11)	/* error code valid */
#define SVM_EVENT_VALID BIT(31)
#define SVM_EVENT_ERROR(e) ((u32)((e) >> 32))

/* EXITINFO1 of IOIO intercepts (15.10.2). */
#define SVM_IOIO_IN BIT(0)
#define SVM_IOIO_STR BIT(2)
#define SVM_IOIO_REP BIT(3)
#define SVM_IOIO_SZ8 BIT(4)
#define SVM_IOIO_SZ16 BIT(5)
#define SVM_IOIO_SZ32 BIT(6)
#define SVM_IOIO_A16 BIT(7)
#define SVM_IOIO_A32 BIT(8)
#define SVM_IOIO_A64 BIT(9)
#define SVM_IOIO_SEG_SHIFT 10
#define SVM_IOIO_PORT_SHIFT 16

/* EXITINFO1 of nested page faults (15.25.6). */
#define SVM_NPF_P BIT(0)
#define SVM_NPF_RW BIT(1)
#define SVM_NPF_US BIT(2)
#define SVM_NPF_RSVD BIT(3)
#define SVM_NPF_ID BIT(4)
#define SVM_NPF_SS BIT(6)
#define SVM_NPF_FINAL BIT(32)	/* fault on the final guest-physical address */
#define SVM_NPF_WALK BIT(33)	/* fault on a guest page-table access */

/* EXITINFO1 of CR/DR intercepts with decode assists (15.33.1). */
#define SVM_CR_VALID BIT(63)	/* MOV CRn (not LMSW/CLTS) */
#define SVM_CR_GPR_MASK 0xfULL

/* EXITINFO2 of task-switch intercepts (15.14.x). */
#define SVM_TASK_IRET BIT(36)
#define SVM_TASK_JMP BIT(38)
#define SVM_TASK_EV BIT(44)

/* VMCB segment attributes (Table B-2): the descriptor's type..P byte and AVL/L/DB/G. */
#define SVM_ATTR_P BIT(7)
#define SVM_ATTR_L BIT(9)
#define SVM_ATTR_DB BIT(10)

/* The permission maps (15.10.1, 15.11). */
#define SVM_IOPM_SIZE (3 * PAGE_SIZE)
#define SVM_MSRPM_SIZE (2 * PAGE_SIZE)

#endif
