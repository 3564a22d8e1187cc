/*
 * Standalone APs: INIT-SIPI-SIPI through the BSP's local APIC (SDM vol. 3A, 9.4.4.1),
 * with the real-mode trampoline of host/bare/ap_start.asm copied to tramp_addr below
 * 1 MiB.  Each AP enters long mode on the hypervisor's page tables (the BSP's CR3), then
 * gets its own GDT copy with a TSS whose IST stacks are its own, the shared IDT, its
 * per-CPU block and its own stack, all allocated here on the BSP before the start.
 */
#include "host/bare/bare.h"
#include "host/smp.h"
#include "arch/x86/cpu.h"
#include "arch/x86/idt.h"
#include "arch/x86/lapic.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

/*
 * Conventional memory the page allocator never hands out (it starts at 1 MiB): the first
 * page from 0x8000 up that the memory map calls available and that holds neither the
 * Multiboot2 information nor a module (bare_smp_init picks it).
 */
#define TRAMP_FIRST 0x8000ULL
#define TRAMP_END 0x9F000ULL
static u64 tramp_addr;
#define AP_STACK_PAGES 16
#define AP_IST_PAGES 4
#define AP_GDT_BYTES 512
#define AP_ALIVE_WAIT_US 200000

/* Must match the offsets in host/bare/ap_start.asm. */
struct bare_ap_tramp_params {
	u16 gdt_limit;
	u32 gdt_base;
	u16 pad;
	u32 cr3, cr4, cr0, efer;
	u32 entry;
	u16 entry_sel;
} __attribute__((packed));

struct bare_ap {
	u32 cpu;
	void (*fn)(void *);
	void *arg;
	u64 stack_top;
	u64 ist_top[ARCH_IST_COUNT];
	u64 cr4;
	u32 alive;
	struct tss64 tss __attribute__((aligned(16)));
	u64 gdt[AP_GDT_BYTES / 8] __attribute__((aligned(16)));
};

extern const char bare_ap_tramp[], bare_ap_tramp_end[], bare_ap_long[];
/* Read by bare_ap_long before it has a stack of its own. */
u64 bare_ap_boot_stack;
void bare_ap_main(void);

static struct bare_ap *aps[HOST_MAX_CPUS];
static struct bare_ap *volatile ap_starting;
static bool have_lapic;

static bool overlaps(u64 a, u64 a_end, u64 b, u64 b_end)
{
	return a < b_end && b < a_end;
}

static bool tramp_page_ok(const struct bare_boot_info *bi, u64 p)
{
	bool available = false;

	for (u32 i = 0; i < bi->mmap_count; i++) {
		const struct bare_mem_range *r = &bi->mmap[i];

		if (!overlaps(p, p + PAGE_SIZE, r->base, r->base + r->len))
			continue;
		if (r->type != BARE_MEM_AVAILABLE || r->base > p || r->base + r->len < p + PAGE_SIZE)
			return false;
		available = true;
	}
	if (!available || overlaps(p, p + PAGE_SIZE, bi->info_start, bi->info_end))
		return false;
	for (u32 i = 0; i < bi->module_count; i++)
		if (overlaps(p, p + PAGE_SIZE, bi->modules[i].start, bi->modules[i].end))
			return false;
	return true;
}

void bare_smp_init(const struct bare_boot_info *bi)
{
	have_lapic = lapic_host_init();
	if (have_lapic)
		lapic_enable();
	for (u64 p = TRAMP_FIRST; p < TRAMP_END && !tramp_addr; p += PAGE_SIZE)
		if (tramp_page_ok(bi, p))
			tramp_addr = p;
	if (!tramp_addr && host_cpu_count() > 1)
		log_warn("smp: no free page below 1 MiB for the AP start-up code; APs stay idle\n");
}

bool host_cpu_owns_timer(void)
{
	return have_lapic;
}

void bare_ap_main(void)
{
	struct bare_ap *ap = ap_starting;

	host_percpu_init(ap->cpu);
	arch_cpu_tables_load(ap->gdt, AP_GDT_BYTES, &ap->tss, ap->ist_top);
	arch_idt_load();
	/* The BSP's CR4 (OSFXSR, …), not its VMX or XSAVE enables: the AP's own code sets those. */
	asm volatile("mov %0, %%cr4" : : "r"(ap->cr4) : "memory");
	lapic_host_init();
	lapic_enable();
	__atomic_store_n(&ap->alive, 1, __ATOMIC_RELEASE);
	ap->fn(ap->arg);
	cpu_cli();
	lapic_timer_stop();
	host_cpu_set_running(ap->cpu, false);
	for (;;)
		cpu_hlt();
}

static struct bare_ap *bare_ap_alloc(u32 cpu)
{
	u64 pages = ALIGN_UP(sizeof(struct bare_ap), PAGE_SIZE) / PAGE_SIZE;
	u64 stack_pages = AP_STACK_PAGES + ARCH_IST_COUNT * AP_IST_PAGES;
	struct bare_ap *ap = aps[cpu];
	u64 block, stack;

	if (ap)
		return ap;
	block = host_pages_alloc(pages);
	stack = host_pages_alloc(stack_pages);
	if (!block || !stack) {
		host_pages_free(block, block ? pages : 0);
		host_pages_free(stack, stack ? stack_pages : 0);
		return NULL;
	}
	ap = (struct bare_ap *)(uintptr_t)block;
	ap->cpu = cpu;
	ap->stack_top = stack + AP_STACK_PAGES * PAGE_SIZE;
	for (u32 i = 0; i < ARCH_IST_COUNT; i++)
		ap->ist_top[i] = ap->stack_top + (i + 1) * AP_IST_PAGES * PAGE_SIZE;
	aps[cpu] = ap;
	return ap;
}

static void bare_tramp_install(void)
{
	struct bare_ap_tramp_params *p = (void *)(uintptr_t)(tramp_addr + 8);
	struct descriptor_pointer gdtr;

	asm volatile("sgdt %0" : "=m"(gdtr));
	memcpy((void *)(uintptr_t)tramp_addr, bare_ap_tramp,
	       (size_t)(bare_ap_tramp_end - bare_ap_tramp));
	/* The BSP's GDT (flat code 0x08, data 0x10) until the AP loads its own copy. */
	p->gdt_limit = gdtr.limit;
	p->gdt_base = (u32)gdtr.base;
	p->cr3 = (u32)read_cr3();
	p->cr4 = BIT(5);	/* PAE */
	p->cr0 = (u32)read_cr0() & ~(u32)(BIT(29) | BIT(30));	/* no NW, CD */
	p->efer = (u32)(rdmsr(MSR_EFER) & (BIT(8) | BIT(11)));	/* LME, NXE */
	p->entry = (u32)(uintptr_t)bare_ap_long;
	p->entry_sel = BARE_SEL_CODE;
}

static bool bare_ap_wait_alive(struct bare_ap *ap, u64 us)
{
	u64 end = host_time_ns() + us * 1000;

	while (!__atomic_load_n(&ap->alive, __ATOMIC_ACQUIRE)) {
		if ((s64)(host_time_ns() - end) >= 0)
			return false;
		cpu_relax();
	}
	return true;
}

/*
 * Returns once the AP is alive (it runs fn on its own from then on): the start-up
 * sequence itself takes about 10 ms, and the trampoline serves one AP at a time.
 */
int host_cpu_start(u32 cpu, void (*fn)(void *), void *arg)
{
	u32 apic = host_cpu_apic_id(cpu);
	struct bare_ap *ap;

	if (!cpu || cpu >= host_cpu_count() || !have_lapic || host_cpu_index() != 0)
		return -EINVAL;
	if (!tramp_addr)
		return -ENOMEM;
	if (host_cpu_running(cpu))
		return -EBUSY;
	if ((u64)(uintptr_t)bare_ap_long >> 32 || read_cr3() >> 32)
		return -ENOSYS;
	ap = bare_ap_alloc(cpu);
	if (!ap)
		return -ENOMEM;
	bare_tramp_install();
	ap->fn = fn;
	ap->arg = arg;
	ap->cr4 = read_cr4() & ~(BIT(13) | BIT(18));	/* VMXE, OSXSAVE */
	ap->alive = 0;
	ap_starting = ap;
	bare_ap_boot_stack = ap->stack_top;
	host_cpu_set_running(cpu, true);
	/* INIT, 10 ms, then up to two STARTUPs with the trampoline's page number. */
	lapic_send_ipi(apic, LAPIC_ICR_INIT | LAPIC_ICR_ASSERT);
	host_udelay(10000);
	for (int i = 0; i < 2 && !ap->alive; i++) {
		lapic_send_ipi(apic, LAPIC_ICR_STARTUP | (u32)(tramp_addr >> 12));
		bare_ap_wait_alive(ap, i ? AP_ALIVE_WAIT_US : 200);
	}
	if (!ap->alive) {
		host_cpu_set_running(cpu, false);
		log_err("smp: CPU %u (APIC ID %u) did not start\n", cpu, apic);
		return -EIO;
	}
	return 0;
}

void host_cpu_park(void)
{
	u32 cpu = host_cpu_index();

	host_cpu_run_lost_hook();
	log_raw("CPU %u: stopped; halted\n", cpu);
	lapic_timer_stop();
	host_cpu_set_running(cpu, false);
	for (;;) {
		cpu_cli();
		cpu_hlt();
	}
}
