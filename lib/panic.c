/* Panic: print the reason, the CPU and a register dump, then leave through the host. */
#include <stdarg.h>
#include "lib/panic.h"
#include "lib/format.h"
#include "lib/log.h"
#include "arch/x86/cpu.h"
#include "host/host.h"

/* Per CPU: a fault while that CPU panics must not recurse. */
static volatile int panic_depth[HOST_MAX_CPUS];

static void panic_dump(const struct exception_frame *f)
{
	log_raw("  RIP=%016llx CS=%04llx RFLAGS=%016llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->cs,
		(unsigned long long)f->rflags);
	log_raw("  RSP=%016llx SS=%04llx ERR=%016llx\n",
		(unsigned long long)f->rsp, (unsigned long long)f->ss,
		(unsigned long long)f->error_code);
	log_raw("  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_raw("  RSI=%016llx RDI=%016llx RBP=%016llx\n",
		(unsigned long long)f->rsi, (unsigned long long)f->rdi,
		(unsigned long long)f->rbp);
	log_raw("  R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n",
		(unsigned long long)f->r8, (unsigned long long)f->r9,
		(unsigned long long)f->r10, (unsigned long long)f->r11);
	log_raw("  R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n",
		(unsigned long long)f->r12, (unsigned long long)f->r13,
		(unsigned long long)f->r14, (unsigned long long)f->r15);
	log_raw("  CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

static void __attribute__((noreturn)) panic_finish(const char *reason,
						    const struct exception_frame *f)
{
	u32 cpu = host_cpu_index();

	/* A fault while panicking must not recurse: stop this CPU quietly. */
	if (__atomic_fetch_add(&panic_depth[cpu % HOST_MAX_CPUS], 1, __ATOMIC_SEQ_CST) > 1)
		host_halt();
	log_raw("\nPANIC on CPU %u (APIC ID %u): %s\n", cpu, cpu_apic_id(), reason);
	panic_dump(f);
	/* An AP stops alone (its VMs are stopped); the BSP ends the hypervisor. */
	if (cpu)
		host_cpu_park();
	host_exit(-1);
}

void panic(const char *fmt, ...)
{
	struct exception_frame f;
	char reason[256];
	va_list ap;

	arch_capture_regs(&f);
	va_start(ap, fmt);
	fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	panic_finish(reason, &f);
}

void panic_frame(const char *reason, const struct exception_frame *f)
{
	panic_finish(reason, f);
}
