/* Guest register state in one vendor-neutral shape (segment attributes in the VMX access-rights format). */
#ifndef VM_VCPU_STATE_H
#define VM_VCPU_STATE_H

#include "lib/types.h"

/* General registers in x86 encoding order, so ModRM/SIB register numbers index them. */
enum {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT
};

/* Segment registers in x86 encoding order. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/*
 * Access rights as in the VMCS (SDM 24.4.1): type 3:0, S 4, DPL 6:5, P 7,
 * AVL 12, L 13, D/B 14, G 15, unusable 16.  The SVM back-end converts.
 */
#define SEG_AR_TYPE(ar) ((ar) & 0xf)
#define SEG_AR_S BIT(4)
#define SEG_AR_DPL(ar) (((ar) >> 5) & 3)
#define SEG_AR_P BIT(7)
#define SEG_AR_L BIT(13)
#define SEG_AR_DB BIT(14)
#define SEG_AR_G BIT(15)
#define SEG_AR_UNUSABLE BIT(16)

struct segment {
	u16 selector;
	u32 ar;
	u32 limit;
	u64 base;
};

struct dtable {
	u64 base;
	u16 limit;
};

/* Everything but the general registers, RIP and RFLAGS. */
struct vcpu_sregs {
	struct segment seg[SEG_COUNT];
	struct segment tr, ldtr;
	struct dtable gdtr, idtr;
	u64 cr0, cr2, cr3, cr4, cr8;
	u64 efer;
	u64 dr6, dr7;
	u64 pat;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
};

/*
 * The segment and control registers after RESET or INIT (SDM vol. 3, 9.1.1, table 9-1), in real
 * mode with CS = cs (base cs << 4): for the loaders' start states and for INIT/start-up IPIs.
 */
static inline void vcpu_sregs_real_mode(struct vcpu_sregs *s, u16 cs)
{
	*s = (struct vcpu_sregs){ 0 };
	for (int i = 0; i < SEG_COUNT; i++) {
		s->seg[i].limit = 0xffff;
		/* Present, accessed read/write data; CS is an accessed code segment. */
		s->seg[i].ar = SEG_AR_P | SEG_AR_S | 0x3;
	}
	s->seg[SEG_CS].selector = cs;
	s->seg[SEG_CS].base = (u64)cs << 4;
	s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | 0xb;
	s->tr.limit = 0xffff;
	s->tr.ar = SEG_AR_P | 0xb;		/* busy 32-bit TSS, as after RESET */
	s->ldtr.limit = 0xffff;
	s->ldtr.ar = SEG_AR_P | 0x2;
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0x3ff;
	s->cr0 = BIT(30) | BIT(29) | BIT(4);	/* CD, NW, ET: 0x60000010 */
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->pat = 0x0007040600070406ULL;
}

/* Event injection (SDM 24.8.3 / APM 15.20). */
enum vcpu_event_type {
	VCPU_EVENT_EXT_INT,	/* external interrupt */
	VCPU_EVENT_NMI,
	VCPU_EVENT_EXCEPTION,	/* hardware exception */
	VCPU_EVENT_SOFT_INT,	/* INTn */
};

struct vcpu_event {
	enum vcpu_event_type type;
	u8 vector;
	bool has_error;
	u32 error_code;
	u8 insn_len;		/* for software interrupts */
};

/* Exception vectors (SDM 6.3.1). */
#define EXC_DE 0
#define EXC_DB 1
#define EXC_NMI 2
#define EXC_BP 3
#define EXC_OF 4
#define EXC_BR 5
#define EXC_UD 6
#define EXC_NM 7
#define EXC_DF 8
#define EXC_TS 10
#define EXC_NP 11
#define EXC_SS 12
#define EXC_GP 13
#define EXC_PF 14
#define EXC_MF 16
#define EXC_AC 17
#define EXC_MC 18
#define EXC_XM 19
#define EXC_VE 20
#define EXC_CP 21

#define X86_CR0_PE BIT(0)
#define X86_CR0_MP BIT(1)
#define X86_CR0_EM BIT(2)
#define X86_CR0_TS BIT(3)
#define X86_CR0_ET BIT(4)
#define X86_CR0_NE BIT(5)
#define X86_CR0_WP BIT(16)
#define X86_CR0_AM BIT(18)
#define X86_CR0_NW BIT(29)
#define X86_CR0_CD BIT(30)
#define X86_CR0_PG BIT(31)
#define X86_CR4_VME BIT(0)
#define X86_CR4_PVI BIT(1)
#define X86_CR4_PSE BIT(4)
#define X86_CR4_PAE BIT(5)
#define X86_CR4_PGE BIT(7)
#define X86_CR4_VMXE BIT(13)
#define X86_CR4_LA57 BIT(12)
#define X86_CR4_SMEP BIT(20)
#define X86_CR4_SMAP BIT(21)
#define X86_CR4_PKE BIT(22)
#define X86_EFER_SCE BIT(0)
#define X86_EFER_LME BIT(8)
#define X86_EFER_LMA BIT(10)
#define X86_EFER_NXE BIT(11)
#define X86_EFER_SVME BIT(12)
#define X86_RFLAGS_CF BIT(0)
#define X86_RFLAGS_FIXED BIT(1)
#define X86_RFLAGS_PF BIT(2)
#define X86_RFLAGS_AF BIT(4)
#define X86_RFLAGS_ZF BIT(6)
#define X86_RFLAGS_SF BIT(7)
#define X86_RFLAGS_TF BIT(8)
#define X86_RFLAGS_IF BIT(9)
#define X86_RFLAGS_DF BIT(10)
#define X86_RFLAGS_OF BIT(11)
#define X86_RFLAGS_RF BIT(16)
#define X86_RFLAGS_VM BIT(17)
#define X86_RFLAGS_AC BIT(18)

#endif
