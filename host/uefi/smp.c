/*
 * Firmware-hosted APs: started with the MP services protocol's StartupThisAP in
 * non-blocking mode (PI spec vol. 2, 13.4.5), so the BSP keeps running the firmware's
 * event loop.  An AP never calls the firmware while it runs hypervisor code: everything
 * it needs (stack, GDT+TSS, IST stacks) is allocated here on the BSP first.  It leaves
 * the firmware's GDT and IDT for its own copy of the GDT with a TSS of ours and the
 * hypervisor's IDT (arch/x86/idt.c), so a fault is reported with the CPU's number and
 * stops that CPU alone; the firmware's tables, GS base and IF are restored before the
 * procedure returns to the firmware.
 */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "host/smp.h"
#include "arch/x86/cpu.h"
#include "arch/x86/idt.h"
#include "arch/x86/lapic.h"
#include "lib/errno.h"
#include "lib/log.h"

#define AP_STACK_PAGES 16	/* 64 KiB for the scheduler and exit handling */
#define AP_IST_PAGES 4
#define AP_GDT_BYTES 4096
#define MSR_GS_BASE 0xc0000101

struct uefi_ap {
	u32 cpu;
	void (*fn)(void *);
	void *arg;
	u64 stack_top;
	u64 ist_top[ARCH_IST_COUNT];
	EFI_EVENT done;
	struct uefi_jump park;
	struct descriptor_pointer fw_gdtr, fw_idtr;
	u64 fw_gs_base;
	int error;
	struct tss64 tss __attribute__((aligned(16)));
	u64 gdt[AP_GDT_BYTES / 8] __attribute__((aligned(16)));
};

static struct uefi_ap *aps[HOST_MAX_CPUS];
static struct uefi_cpu_arch *cpu_arch;

/* host/uefi/jump.asm-style helper in arch/x86: runs fn(arg) on another stack. */
void arch_call_on_stack(u64 stack_top, void (*fn)(void *), void *arg);

bool host_cpu_owns_timer(void)
{
	return host_cpu_index() != 0;
}

static void uefi_ap_main(void *p)
{
	struct uefi_ap *ap = p;

	asm volatile("sgdt %0" : "=m"(ap->fw_gdtr));
	asm volatile("sidt %0" : "=m"(ap->fw_idtr));
	ap->fw_gs_base = host_percpu_init(ap->cpu);
	ap->error = arch_cpu_tables_load(ap->gdt, AP_GDT_BYTES, &ap->tss, ap->ist_top);
	if (!ap->error) {
		arch_idt_load();
		if (lapic_host_init())
			lapic_enable();
		if (!uefi_setjmp(&ap->park))
			ap->fn(ap->arg);
		cpu_cli();
		lapic_timer_stop();
		lapic_set_tpr(0);
		/* TR keeps our TSS (its pages stay allocated); the firmware never reloads it. */
		asm volatile("lgdt %0" : : "m"(ap->fw_gdtr) : "memory");
		asm volatile("lidt %0" : : "m"(ap->fw_idtr) : "memory");
	}
	host_cpu_set_running(ap->cpu, false);
	wrmsr(MSR_GS_BASE, ap->fw_gs_base);
}

static VOID EFIAPI uefi_ap_procedure(VOID *arg)
{
	struct uefi_ap *ap = arg;

	arch_call_on_stack(ap->stack_top, uefi_ap_main, ap);
}

static struct uefi_ap *uefi_ap_alloc(u32 cpu)
{
	struct uefi_ap *ap = aps[cpu];
	u64 pages, stack;

	if (ap)
		return ap;
	pages = host_pages_alloc(ALIGN_UP(sizeof(*ap), PAGE_SIZE) / PAGE_SIZE);
	stack = host_pages_alloc(AP_STACK_PAGES + ARCH_IST_COUNT * AP_IST_PAGES);
	if (!pages || !stack) {
		host_pages_free(pages, ALIGN_UP(sizeof(*ap), PAGE_SIZE) / PAGE_SIZE);
		host_pages_free(stack, AP_STACK_PAGES + ARCH_IST_COUNT * AP_IST_PAGES);
		return NULL;
	}
	ap = (struct uefi_ap *)(uintptr_t)pages;
	ap->cpu = cpu;
	ap->stack_top = stack + AP_STACK_PAGES * PAGE_SIZE;
	for (u32 i = 0; i < ARCH_IST_COUNT; i++)
		ap->ist_top[i] = ap->stack_top + (i + 1) * AP_IST_PAGES * PAGE_SIZE;
	if (uefi_bs->CreateEvent(0, 0, NULL, NULL, &ap->done)) {
		ap->done = NULL;
		return NULL;
	}
	aps[cpu] = ap;
	return ap;
}

int host_cpu_start(u32 cpu, void (*fn)(void *), void *arg)
{
	struct uefi_ap *ap;
	EFI_STATUS s;

	if (!cpu || cpu >= host_cpu_count() || !uefi_mp || host_cpu_index() != 0)
		return -EINVAL;
	if (host_cpu_running(cpu))
		return -EBUSY;
	ap = uefi_ap_alloc(cpu);
	if (!ap)
		return -ENOMEM;
	ap->fn = fn;
	ap->arg = arg;
	host_cpu_set_running(cpu, true);
	s = uefi_mp->startup_this_ap(uefi_mp, uefi_ap_procedure, uefi_cpu_processor_number(cpu),
				     ap->done, 0, ap, NULL);
	if (s) {
		host_cpu_set_running(cpu, false);
		log_err("smp: StartupThisAP(CPU %u) failed (status 0x%llx)\n", cpu,
			(unsigned long long)s);
		return -EIO;
	}
	return 0;
}

void host_cpu_park(void)
{
	u32 cpu = host_cpu_index();

	host_cpu_run_lost_hook();
	if (cpu && cpu < HOST_MAX_CPUS && aps[cpu]) {
		log_raw("CPU %u: stopped; back to the firmware\n", cpu);
		uefi_longjmp(&aps[cpu]->park, 1);
	}
	host_halt();
}

/* The kick IPI and AP timer vector on the BSP, which keeps the firmware's IDT. */
static VOID EFIAPI uefi_kick_handler(INTN type, EFI_SYSTEM_CONTEXT ctx)
{
	(void)type;
	(void)ctx;
	lapic_host_eoi();
}

void uefi_smp_init(void)
{
	EFI_GUID guid = UEFI_CPU_ARCH_PROTOCOL_GUID;

	u16 cs;

	asm("mov %%cs, %0" : "=r"(cs));
	lapic_host_init();
	arch_idt_init(cs);
	host_cpu_set_bsp_kickable(false);
	if (host_cpu_count() < 2)
		return;
	if (uefi_bs->LocateProtocol(&guid, NULL, (void **)&cpu_arch) ||
	    cpu_arch->register_interrupt_handler(cpu_arch, LAPIC_VECTOR_KICK, uefi_kick_handler)) {
		cpu_arch = NULL;
		log_warn("smp: cannot take vector 0x%x on the BSP; APs reach it only at its timer tick\n",
			 LAPIC_VECTOR_KICK);
		return;
	}
	host_cpu_set_bsp_kickable(true);
}

/* Waits (bounded) until the firmware has taken every AP back, so our image can go away. */
void uefi_smp_fini(void)
{
	u64 end = host_time_ns() + 2000000000ULL;

	for (u32 c = 1; c < HOST_MAX_CPUS; c++) {
		struct uefi_ap *ap = aps[c];

		if (!ap || !ap->done)
			continue;
		while (uefi_bs->CheckEvent(ap->done) == EFI_NOT_READY &&
		       (s64)(host_time_ns() - end) < 0)
			host_bsp_service();
		uefi_bs->CloseEvent(ap->done);
		ap->done = NULL;
	}
	if (cpu_arch) {
		host_cpu_set_bsp_kickable(false);
		cpu_arch->register_interrupt_handler(cpu_arch, LAPIC_VECTOR_KICK, NULL);
		cpu_arch = NULL;
	}
}
