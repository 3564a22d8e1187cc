/* VMs and vCPUs: lifecycle, the scheduler and the common exit handlers. */
#ifndef VM_VM_H
#define VM_VM_H

#include "vm/exit.h"
#include "vm/vcpu_state.h"
#include "vm/vendor.h"
#include "vm/vtimer.h"
#include "devices/lapic.h"
#include "mm/guest_mem.h"
#include "mm/stage2.h"
#include "lib/spinlock.h"
#include "arch/x86/cpu.h"

#define VM_MAX 16
#define VCPU_MAX 64
#define VM_NAME_MAX 32
/* Per-VM exit counters are indexed by the back-end's exit-table index. */
#define VM_EXIT_COUNTERS 1024

enum vm_state { VM_STATE_CREATED, VM_STATE_RUNNING, VM_STATE_STOPPED };

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_HALTED,		/* in HLT, waiting for an interrupt */
	VCPU_WAIT_SIPI,		/* an AP before its start-up IPI */
	VCPU_STOPPED,
};

struct vm;

#define VCPU_TRACE_LEN 32

struct vcpu {
	struct vm *vm;
	u32 id;
	enum vcpu_state state;	/* other CPUs may wake it (vm/vtimer.c): changed atomically */

	/* The host CPU it is pinned to, and that CPU's list of vCPUs (vm/sched.c). */
	u32 cpu;
	struct vcpu *sched_next;
	bool released;		/* its CPU let go of it: the BSP may free it */
	/*
	 * INIT and start-up IPIs (VCPU_START_*) another vCPU sent it: written under the VM's
	 * lock, applied on this vCPU's own CPU before its next entry (vcpu_apply_start_requests).
	 */
	u32 start_requests;
	u8 sipi_vector;
	u64 slices;
	/*
	 * The vCPU's last events (exits, injections, raised vectors, halts and wake-ups), printed
	 * when a test guest reports failure through isa-debug-exit (vcpu_trace_dump).
	 */
	struct vcpu_trace {
		u64 tsc, rip;
		u32 data, rflags;	/* rflags: the vCPU's, as last loaded or saved */
		char what;
	} trace[VCPU_TRACE_LEN];
	u32 trace_pos;

	/* Guest registers as of the last exit; the back-end loads them at entry. */
	u64 gpr[GPR_COUNT];
	u64 rip;
	u64 rflags;
	bool rip_dirty;		/* rip/rflags changed by common code */
	struct vcpu_sregs sregs;
	bool sregs_valid;	/* sregs fetched since the last exit */
	bool sregs_dirty;	/* sregs changed by common code */
	/*
	 * Restarted by INIT and start-up IPI: at the next entry the back-end loads every
	 * register and drops what it kept of the old context (a pending or re-injected event,
	 * the interrupt shadow, NMI blocking, the interrupt window).
	 */
	bool reset_pending;

	/* The back-end's private state (VMCS/VMCB, bitmaps …). */
	void *arch;
	u32 asid;		/* ASID (AMD) or VPID (Intel), unique per vCPU, never 0 */

	u64 exits;
	u64 run_ns;		/* guest time used, for the scheduler */
	u64 tsc_offset;		/* guest TSC = host TSC + tsc_offset */
	u64 tsc_adjust;		/* IA32_TSC_ADJUST (vm/msr.c), 0 at creation */
	/*
	 * End of the current time slice in host TSC ticks: the back-end returns
	 * VM_EXIT_PREEMPT once it has passed (VMX preemption timer; on AMD the
	 * host timer interrupt makes the exit and common code checks the time).
	 */
	u64 deadline_tsc;

	/* Pending external interrupts and virtual timers (vm/vtimer.c). */
	struct vcpu_irq irq;
	/* The vCPU's local APIC (devices/lapic.c). */
	struct lapic lapic;

	/* MTRR contents (vm/msr.c): stored for the guest, not enforced — stage-2 maps RAM write-back. */
	u64 mtrr_def_type;
	u64 mtrr_var[16];
	u64 mtrr_fixed[11];

	/* x87/SSE/AVX state while another vCPU owns the FPU (XSAVE or FXSAVE image). */
	u8 fpu[4096] __attribute__((aligned(64)));
	u64 xcr0;		/* the guest's XCR0 (1 = x87 only, the reset value) */
	u32 tsc_aux;		/* IA32_TSC_AUX, loaded into the CPU while this vCPU owns it */
};

struct vm {
	u32 id;
	char name[VM_NAME_MAX];
	enum vm_state state;
	/*
	 * Held by the CPU handling an exit of one of its vCPUs (not while the guest runs)
	 * and by vm_stop: device models, the exit counters and the stop are serialised
	 * between CPUs running vCPUs of this VM.  Recursive: a handler may stop its VM.
	 */
	struct rspinlock lock;
	int exit_status;	/* isa-debug-exit status, or -1 */
	const char *stop_reason;
	const struct cfg_vm *cfg;	/* what it was created from (a restart uses it again) */
	bool restart;		/* the guest asked for a reset: recreate the VM once it has stopped */
	u32 restarts;		/* how many times it has been recreated */

	struct guest_mem mem;
	struct stage2 stage2;

	struct vcpu *vcpus[VCPU_MAX];
	u32 vcpu_count;

	u64 exit_counts[VM_EXIT_COUNTERS];
	u64 kind_counts[VM_EXIT_KIND_COUNT];

	/* Guest-visible devices on this VM's port space (devices/). */
	struct vm_devices *dev;

	/* Agent-call policy from the configuration (vm/hc_clipboard.c, vm/hc_display.c). */
	bool clip_copy_out;	/* may write the shared clipboard */
	bool clip_paste_in;	/* may read it */
	u64 clip_max;		/* bytes per format it may write or read */
	bool seamless;		/* display = seamless */

	u64 nb_cfg;		/* AMD NB_CFG MSR (vm/msr.c) */
};

/* Ends the VM: marks every vCPU stopped, logs why, prints its exit counters. */
void vm_stop(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A reset requested by the guest (reset register, keyboard controller, ...): stops the VM like
 * vm_stop, then the scheduler recreates it from its configuration with fresh RAM, devices
 * and vCPUs.  Other VMs are not disturbed.
 */
void vm_request_restart(struct vm *vm, const char *why);

/* Stops the VM with the vCPU's registers, the exit record and the instruction bytes. */
void vm_stop_with_dump(struct vcpu *vcpu, const struct vm_exit *exit, const char *why);

/* Records an event in the vCPU's trace ('X' exit, 'I' injection, 'R' raised vector, ...). */
static inline void vcpu_trace(struct vcpu *v, char what, u64 rip, u32 data)
{
	u32 i = __atomic_fetch_add(&v->trace_pos, 1, __ATOMIC_RELAXED) % VCPU_TRACE_LEN;

	v->trace[i] = (struct vcpu_trace){ .tsc = rdtsc(), .rip = rip, .data = data,
					   .rflags = (u32)v->rflags, .what = what };
}
/* Prints every vCPU's trace, oldest first. */
void vcpu_trace_dump(struct vm *vm);

/* Fetches the segment/control state once per exit (through the back-end). */
struct vcpu_sregs *vcpu_sregs(struct vcpu *vcpu);
void vcpu_sregs_changed(struct vcpu *vcpu);

/*
 * The real-mode state after RESET/INIT (SDM vol. 3, 9.1.1) with CS = cs (base cs << 4), IP = ip,
 * SP = sp; every other general register 0.  Sets vcpu->sregs only: callers mark it loaded.
 */
void vcpu_real_mode_state(struct vcpu *vcpu, u16 cs, u16 ip, u16 sp);
/* The register state after INIT; the back-end reloads all of it at the next entry. */
void vcpu_init_state(struct vcpu *vcpu);
/* A start-up IPI to a vCPU waiting for one: INIT state, CS = vector << 8, IP = 0, runnable. */
void vcpu_start_up(struct vcpu *vcpu, u8 vector);

/*
 * INIT and start-up IPIs rewrite the whole register state, which is only safe on the target's
 * own CPU (its VMCS may be loaded there, its guest may be running): the sender, holding the
 * VM's lock, records a request and kicks that CPU, which applies it under the VM's lock before
 * the vCPU's next entry.  An INIT drops a start-up not yet applied.
 */
#define VCPU_START_INIT 1u
#define VCPU_START_SIPI 2u
void vcpu_request_init(struct vcpu *vcpu);
void vcpu_request_start_up(struct vcpu *vcpu, u8 vector);
/* Whether the vCPU waits for a start-up IPI, counting requests not yet applied. */
bool vcpu_waits_for_sipi(const struct vcpu *vcpu);
bool vcpu_start_requested(const struct vcpu *vcpu);
/* On the vCPU's CPU with the VM's lock held: applies the recorded INIT, then start-up. */
void vcpu_apply_start_requests(struct vcpu *vcpu);

/* Moves RIP past the exiting instruction (length from the exit or decoded). */
int vcpu_skip_instruction(struct vcpu *vcpu, const struct vm_exit *exit);
/* After common code completed an instruction: clears RF, raises a pending single-step #DB. */
void vcpu_instruction_done(struct vcpu *vcpu);
/* Completes a HLT that an STI/MOV SS shadow kept a pending vector from (vm/vcpu.c). */
bool vcpu_complete_hlt_in_shadow(struct vcpu *vcpu);

/* Queues an exception for the guest. */
void vcpu_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error, u32 error_code);
/* Queues a #PF for linear address gla (CR2) with the error code. */
void vcpu_inject_page_fault(struct vcpu *vcpu, u64 gla, u32 error_code);

/* Fetches and decodes the instruction at CS:RIP; 0 or a negative error. */
struct x86_insn;
int vcpu_decode(struct vcpu *vcpu, struct x86_insn *insn);

/* Exit handlers by family (vm/cpuid.c, vm/msr.c, vm/io.c, vm/cr.c, vm/mmio.c). */
void vm_handle_cpuid(struct vcpu *vcpu, struct vm_exit *exit);
void vm_handle_msr(struct vcpu *vcpu, struct vm_exit *exit);
void vm_handle_io(struct vcpu *vcpu, struct vm_exit *exit);
void vm_handle_cr(struct vcpu *vcpu, struct vm_exit *exit);
void vm_handle_stage2(struct vcpu *vcpu, struct vm_exit *exit);
void vm_handle_xsetbv(struct vcpu *vcpu, struct vm_exit *exit);

/* The common exit dispatcher (vm/exit_handlers.c). */
void vm_handle_exit(struct vcpu *vcpu, struct vm_exit *exit);

struct config;
struct cfg_vm;
/* Creates and starts every accepted VM of the configuration; returns how many started. */
u32 vm_create_all(const struct config *cfg);
/*
 * On the BSP: frees the VMs that have stopped and whose vCPUs every CPU has released
 * (so no CPU runs or touches any of them any more).
 */
void vm_reap_stopped(void);
/* Whether every VM has been freed. */
bool vm_all_reaped(void);
void vm_print_counters(const struct vm *vm);
extern struct vm *vm_list[VM_MAX];
extern u32 vm_list_count;

/* Register dump of a vCPU (general, control and segment registers, instruction bytes). */
void vcpu_dump(struct vcpu *vcpu);

/* Reads up to max instruction bytes at CS:RIP through the guest's page tables; returns how many. */
u32 vcpu_fetch_insn(struct vcpu *vcpu, u8 *buf, u32 max);

/* The CPU mode for decoding: 2 (16-bit), 4 (32-bit) or 8 (64-bit). */
u8 vcpu_code_size(struct vcpu *vcpu);
u8 vcpu_cpl(struct vcpu *vcpu);
struct gva_ctx;
void vcpu_gva_ctx(struct vcpu *vcpu, struct gva_ctx *ctx);

#endif
