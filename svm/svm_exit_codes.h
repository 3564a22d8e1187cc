/*
 * SVM exit codes (APM vol. 2, appendix C, Table C-1 "SVM Intercept Codes") and
 * their dense indexes in the back-end's exit table (svm/svm_exits.c).
 */
#ifndef SVM_SVM_EXIT_CODES_H
#define SVM_SVM_EXIT_CODES_H

#include "lib/types.h"

#define SVM_EXIT_CR0_READ 0x000		/* ... CR15: 0x00F */
#define SVM_EXIT_CR0_WRITE 0x010	/* ... CR15: 0x01F */
#define SVM_EXIT_DR0_READ 0x020		/* ... DR15: 0x02F */
#define SVM_EXIT_DR0_WRITE 0x030	/* ... DR15: 0x03F */
#define SVM_EXIT_EXCP0 0x040		/* ... vector 31: 0x05F */
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_CR0_SEL_WRITE 0x065
#define SVM_EXIT_IDTR_READ 0x066
#define SVM_EXIT_GDTR_READ 0x067
#define SVM_EXIT_LDTR_READ 0x068
#define SVM_EXIT_TR_READ 0x069
#define SVM_EXIT_IDTR_WRITE 0x06a
#define SVM_EXIT_GDTR_WRITE 0x06b
#define SVM_EXIT_LDTR_WRITE 0x06c
#define SVM_EXIT_TR_WRITE 0x06d
#define SVM_EXIT_RDTSC 0x06e
#define SVM_EXIT_RDPMC 0x06f
#define SVM_EXIT_PUSHF 0x070
#define SVM_EXIT_POPF 0x071
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_RSM 0x073
#define SVM_EXIT_IRET 0x074
#define SVM_EXIT_SWINT 0x075
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_PAUSE 0x077
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPG 0x079
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_FERR_FREEZE 0x07e
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_RDTSCP 0x087
#define SVM_EXIT_ICEBP 0x088
#define SVM_EXIT_WBINVD 0x089
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_MWAIT_CONDITIONAL 0x08c
#define SVM_EXIT_XSETBV 0x08d
#define SVM_EXIT_RDPRU 0x08e
#define SVM_EXIT_EFER_WRITE_TRAP 0x08f
#define SVM_EXIT_CR0_WRITE_TRAP 0x090	/* ... CR15: 0x09F */
#define SVM_EXIT_INVLPGB 0x0a0
#define SVM_EXIT_INVLPGB_ILLEGAL 0x0a1
#define SVM_EXIT_INVPCID 0x0a2
#define SVM_EXIT_MCOMMIT 0x0a3
#define SVM_EXIT_TLBSYNC 0x0a4
#define SVM_EXIT_BUSLOCK 0x0a5
#define SVM_EXIT_IDLE_HLT 0x0a6
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_AVIC_INCOMPLETE_IPI 0x401
#define SVM_EXIT_AVIC_NOACCEL 0x402
#define SVM_EXIT_VMGEXIT 0x403
#define SVM_EXIT_PML_FULL 0x407
/* The negative codes are 64-bit values (EXITCODE is 63:0). */
#define SVM_EXIT_INVALID ((u64)-1)
#define SVM_EXIT_BUSY ((u64)-2)
#define SVM_EXIT_IDLE_REQUIRED ((u64)-3)
#define SVM_EXIT_INVALID_PMC ((u64)-4)

/*
 * Dense table indexes: codes 000h-0A6h index themselves; the sparse codes
 * follow; the last slot counts codes the table does not know.
 */
enum {
	SVM_IDX_NPF = SVM_EXIT_IDLE_HLT + 1,
	SVM_IDX_AVIC_INCOMPLETE_IPI,
	SVM_IDX_AVIC_NOACCEL,
	SVM_IDX_VMGEXIT,
	SVM_IDX_PML_FULL,
	SVM_IDX_INVALID,
	SVM_IDX_BUSY,
	SVM_IDX_IDLE_REQUIRED,
	SVM_IDX_INVALID_PMC,
	SVM_IDX_UNKNOWN,
	SVM_EXIT_TABLE_SIZE
};

#endif
