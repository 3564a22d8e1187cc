/* VM lifecycle: creation from the configuration, guest RAM and stage-2 tables, stop, dumps. */
#include <stdarg.h>
#include "vm/vm.h"
#include "devices/virtio/virtio_blk.h"
#include "vm/loader.h"
#include "vm/sched.h"
#include "vm/vtimer.h"
#include "vm/hc_internal.h"
#include "boot/config.h"
#include "devices/devices.h"
#include "devices/acpi.h"
#include "mm/gva.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define RAM_BELOW_4G_MAX 0xc0000000ULL	/* the rest of the low 4 GiB is the PCI/MMIO hole */
#define SIZE_2M (2ULL << 20)

struct vm *vm_list[VM_MAX];
u32 vm_list_count;
/*
 * ASIDs/VPIDs in use, lowest free first, so a VM that stops gives its numbers
 * back (the back-ends flush a vCPU's tagged TLB entries when they create it).
 * 0 belongs to the host; the back-end refuses numbers beyond what the CPU has.
 */
#define ASID_LIMIT 4096
static u64 asid_used[ASID_LIMIT / 64] = { 1 };

static u32 vm_asid_alloc(void)
{
	for (u32 i = 1; i < ASID_LIMIT; i++) {
		if (!(asid_used[i / 64] & BIT(i % 64))) {
			asid_used[i / 64] |= BIT(i % 64);
			return i;
		}
	}
	return 0;
}

static void vm_asid_free(u32 asid)
{
	if (asid && asid < ASID_LIMIT)
		asid_used[asid / 64] &= ~BIT(asid % 64);
}

static u64 vm_stage2_alloc(void *ctx)
{
	(void)ctx;
	return host_pages_alloc(1);
}

static void vm_stage2_free(void *ctx, u64 addr)
{
	(void)ctx;
	host_pages_free(addr, 1);
}

static void *vm_zalloc(u64 bytes)
{
	return (void *)(uintptr_t)host_pages_alloc(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

static void vm_zfree(void *p, u64 bytes)
{
	if (p)
		host_pages_free((u64)(uintptr_t)p, ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

/*
 * Host memory 2 MiB aligned, so stage-2 can use large pages: over-allocate,
 * then give the unaligned head and tail back.
 */
static u64 vm_alloc_aligned(u64 bytes)
{
	u64 pages = bytes / PAGE_SIZE, extra = SIZE_2M / PAGE_SIZE - 1;
	u64 raw = host_pages_alloc(pages + extra), start;

	if (!raw)
		return 0;
	start = ALIGN_UP(raw, SIZE_2M);
	if (start > raw)
		host_pages_free(raw, (start - raw) / PAGE_SIZE);
	if (raw + (pages + extra) * PAGE_SIZE > start + bytes)
		host_pages_free(start + bytes, (raw + (pages + extra) * PAGE_SIZE - start - bytes) /
				PAGE_SIZE);
	return start;
}

/* Backs [gpa, gpa + size) with host RAM, in as few chunks as the host allows. */
static int vm_add_ram(struct vm *vm, u64 gpa, u64 size)
{
	u64 chunk = size;

	while (size) {
		u64 hpa;
		int err;

		chunk = MIN(chunk, size);
		hpa = vm_alloc_aligned(chunk);
		if (!hpa) {
			if (chunk <= SIZE_2M)
				return -ENOMEM;
			chunk = ALIGN_UP(chunk / 2, SIZE_2M);
			continue;
		}
		err = guest_mem_add(&vm->mem, gpa, chunk, GUEST_RAM, hpa, "ram");
		if (!err)
			err = stage2_map(&vm->stage2, gpa, hpa, chunk, STAGE2_RWX);
		if (err) {
			host_pages_free(hpa, chunk / PAGE_SIZE);
			return err;
		}
		gpa += chunk;
		size -= chunk;
	}
	return 0;
}

static void vm_free_ram(struct vm *vm)
{
	for (u32 i = 0; i < vm->mem.count; i++) {
		const struct guest_region *r = &vm->mem.regions[i];

		if (r->type == GUEST_RAM || r->type == GUEST_ROM)
			host_pages_free(r->hpa, r->size / PAGE_SIZE);
	}
	vm->mem.count = 0;
}

static int vm_build_memory(struct vm *vm, u64 bytes)
{
	struct stage2_allocator alloc = { vm_stage2_alloc, vm_stage2_free, NULL };
	u64 low = MIN(bytes, RAM_BELOW_4G_MAX);
	int err;

	guest_mem_init(&vm->mem);
	err = stage2_init(&vm->stage2, vendor->stage2_format, vendor->stage2_flags, &alloc);
	if (err)
		return err;
	err = vm_add_ram(vm, 0, low);
	/*
	 * The PCI hole below 4 GiB holds device windows: unassigned addresses
	 * there read as all ones, like a PC's.  Outside RAM and this hole,
	 * guest-physical addresses are unmapped and an access stops the VM.
	 */
	if (!err)
		err = guest_mem_add(&vm->mem, RAM_BELOW_4G_MAX, (1ULL << 32) - RAM_BELOW_4G_MAX,
				    GUEST_MMIO, 0, "pci-hole");
	if (!err && bytes > low)
		err = vm_add_ram(vm, 1ULL << 32, bytes - low);
	vm->mem.ram_bytes = bytes;
	return err;
}

static void vm_destroy(struct vm *vm)
{
	/*
	 * Every device timer is cancelled (and no CPU still fires one) before anything is freed:
	 * a PIT tick on another CPU reaches the vCPUs' local APICs through the IOAPIC.
	 */
	for (u32 i = 0; i < vm->vcpu_count; i++) {
		if (vm->vcpus[i]) {
			vtimer_vcpu_release(vm->vcpus[i]);
			lapic_release(vm->vcpus[i]);
		}
	}
	devices_destroy(vm);
	for (u32 i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (!v)
			continue;
		if (v->arch)
			vendor->vcpu_destroy(v);
		vm_asid_free(v->asid);
		vm_zfree(v, sizeof(*v));
		vm->vcpus[i] = NULL;
	}
	if (vm->stage2.root)
		stage2_destroy(&vm->stage2);
	vm_free_ram(vm);
	vm_zfree(vm, sizeof(*vm));
}

static struct vm *vm_create(const struct cfg_vm *cfg, u32 id)
{
	struct vm *vm = vm_zalloc(sizeof(*vm));
	u64 tsc_offset = -rdtsc();
	int err = -ENOMEM;

	if (!vm)
		goto fail_msg;
	str_copy(vm->name, cfg->name, sizeof(vm->name));
	vm->id = id;
	vm->cfg = cfg;
	vm->exit_status = -1;
	vm->clip_copy_out = cfg->clipboard == CFG_CLIP_COPY_OUT || cfg->clipboard == CFG_CLIP_BOTH;
	vm->clip_paste_in = cfg->clipboard == CFG_CLIP_PASTE_IN || cfg->clipboard == CFG_CLIP_BOTH;
	vm->clip_max = cfg->clipboard_max;
	vm->seamless = cfg->seamless;
	err = vm_build_memory(vm, cfg->memory);
	if (!err)
		err = devices_create(vm, cfg->testdev);
	if (!err) {
		char why[200];

		err = virtio_blk_create_all(vm, cfg, why, sizeof(why));
		if (err)
			log_printf(LOG_ERROR, cfg->name, "macrohard.cfg %s\n", why);
	}
	for (u32 i = 0; !err && i < cfg->vcpus; i++) {
		struct vcpu *v = vm_zalloc(sizeof(*v));

		if (!v) {
			err = -ENOMEM;
			break;
		}
		v->vm = vm;
		v->id = i;
		v->asid = vm_asid_alloc();
		if (!v->asid) {
			vm_zfree(v, sizeof(*v));
			err = -ENOSPC;
			break;
		}
		sched_vcpu_init_fpu(v);
		/* Application processors wait for a start-up IPI (guest platform). */
		v->state = i ? VCPU_WAIT_SIPI : VCPU_RUNNABLE;
		/* One guest TSC for the whole VM, starting near 0. */
		v->tsc_offset = tsc_offset;
		lapic_init(v);
		vm->vcpus[vm->vcpu_count++] = v;
	}
	/* The MADT needs the vCPU count; the tables go in before the loader fills RAM. */
	if (!err)
		err = acpi_build(vm);
	if (!err)
		err = loader_load(vm, vm->vcpus[0], cfg);
	for (u32 i = 0; !err && i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (i)
			v->sregs = vm->vcpus[0]->sregs;
		err = vendor->vcpu_create(v);
		if (err)
			log_printf(LOG_ERROR, vm->name, "vCPU %u: %s cannot create it (%s)\n", i,
				   vendor->name, err_name(err));
	}
	if (!err) {
		vm->state = VM_STATE_RUNNING;
		return vm;
	}
	vm_destroy(vm);
fail_msg:
	log_printf(LOG_ERROR, cfg->name, "not started: %s\n", err_name(err));
	return NULL;
}

u32 vm_create_all(const struct config *cfg)
{
	u32 started = 0;

	for (u32 i = 0; i < cfg->vm_count && vm_list_count < VM_MAX; i++) {
		const struct cfg_vm *c = &cfg->vms[i];
		struct vm *vm;

		if (!c->valid)
			continue;
		vm = vm_create(c, vm_list_count);
		if (!vm)
			continue;
		vm_list[vm_list_count++] = vm;
		started++;
		log_printf(LOG_INFO, vm->name, "started: %u vCPU%s, %llu MiB\n", vm->vcpu_count,
			   vm->vcpu_count == 1 ? "" : "s", (unsigned long long)(cfg->vms[i].memory >> 20));
		for (u32 c = 0; c < vm->vcpu_count; c++)
			sched_assign(vm->vcpus[c]);
	}
	hc_ipc_init(cfg);
	return started;
}

void vm_print_counters(const struct vm *vm)
{
	char line[160];
	size_t n = 0;
	u64 total = 0;

	for (u32 i = 0; i < VM_EXIT_COUNTERS; i++)
		total += vm->exit_counts[i];
	log_printf(LOG_INFO, vm->name, "exits: %llu in all\n", (unsigned long long)total);
	for (u32 i = 0; i < vendor->exit_table_size && i < VM_EXIT_COUNTERS; i++) {
		if (!vm->exit_counts[i])
			continue;
		if (n > 100) {
			log_printf(LOG_INFO, vm->name, "  %s\n", line);
			n = 0;
		}
		n += fmt_snprintf(line + n, sizeof(line) - n, "%s%s %llu", n ? ", " : "",
				  vendor->exit_table[i].name, (unsigned long long)vm->exit_counts[i]);
		n = MIN(n, sizeof(line) - 1);
	}
	if (n)
		log_printf(LOG_INFO, vm->name, "  %s\n", line);
}

void vm_stop(struct vm *vm, int status, const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	rspin_lock(&vm->lock);
	if (vm->state == VM_STATE_STOPPED) {
		rspin_unlock(&vm->lock);
		return;
	}
	va_start(ap, fmt);
	fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	uart_flush(vm);
	__atomic_store_n(&vm->state, VM_STATE_STOPPED, __ATOMIC_SEQ_CST);
	vm->exit_status = status;
	for (u32 i = 0; i < vm->vcpu_count; i++)
		__atomic_store_n(&vm->vcpus[i]->state, VCPU_STOPPED, __ATOMIC_SEQ_CST);
	rspin_lock(&hc_lock);
	hc_ipc_vm_stopped(vm);
	hc_clipboard_vm_stopped(vm);
	hc_display_vm_stopped(vm);
	rspin_unlock(&hc_lock);
	log_printf(LOG_INFO, vm->name, "stopped: %s\n", reason);
	vm_print_counters(vm);
	rspin_unlock(&vm->lock);
	/* vCPUs in a guest on other CPUs exit now and see the stop (vm/sched.c releases them). */
	for (u32 i = 0; i < vm->vcpu_count; i++)
		sched_kick(vm->vcpus[i]);
}

static void vm_dump_insn(struct vcpu *v)
{
	u8 bytes[VM_INSN_MAX];
	u32 got = vcpu_fetch_insn(v, bytes, sizeof(bytes));
	char hex[VM_INSN_MAX * 3 + 1];
	size_t n = 0;

	for (u32 i = 0; i < got; i++)
		n += fmt_snprintf(hex + n, sizeof(hex) - n, "%02x ", bytes[i]);
	hex[n] = 0;
	log_printf(LOG_ERROR, v->vm->name, "  instruction at RIP: %s\n",
		   got ? hex : "(not readable)");
}

void vcpu_dump(struct vcpu *v)
{
	const char *vm = v->vm->name;
	const u64 *g = v->gpr;
	struct vcpu_sregs *s = vcpu_sregs(v);

	log_printf(LOG_ERROR, vm, "  RIP=%016llx RFLAGS=%016llx vCPU %u\n",
		   (unsigned long long)v->rip, (unsigned long long)v->rflags, v->id);
	log_printf(LOG_ERROR, vm, "  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
		   (unsigned long long)g[GPR_RAX], (unsigned long long)g[GPR_RBX],
		   (unsigned long long)g[GPR_RCX], (unsigned long long)g[GPR_RDX]);
	log_printf(LOG_ERROR, vm, "  RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n",
		   (unsigned long long)g[GPR_RSI], (unsigned long long)g[GPR_RDI],
		   (unsigned long long)g[GPR_RBP], (unsigned long long)g[GPR_RSP]);
	log_printf(LOG_ERROR, vm, "  R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n",
		   (unsigned long long)g[GPR_R8], (unsigned long long)g[GPR_R9],
		   (unsigned long long)g[GPR_R10], (unsigned long long)g[GPR_R11]);
	log_printf(LOG_ERROR, vm, "  R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n",
		   (unsigned long long)g[GPR_R12], (unsigned long long)g[GPR_R13],
		   (unsigned long long)g[GPR_R14], (unsigned long long)g[GPR_R15]);
	log_printf(LOG_ERROR, vm, "  CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
		   (unsigned long long)s->cr0, (unsigned long long)s->cr2,
		   (unsigned long long)s->cr3, (unsigned long long)s->cr4);
	log_printf(LOG_ERROR, vm, "  EFER=%016llx CS=%04x/%08llx/%05x SS=%04x/%08llx/%05x\n",
		   (unsigned long long)s->efer, s->seg[SEG_CS].selector,
		   (unsigned long long)s->seg[SEG_CS].base, s->seg[SEG_CS].ar,
		   s->seg[SEG_SS].selector, (unsigned long long)s->seg[SEG_SS].base,
		   s->seg[SEG_SS].ar);
	log_printf(LOG_ERROR, vm, "  GDTR=%016llx/%04x IDTR=%016llx/%04x\n",
		   (unsigned long long)s->gdtr.base, s->gdtr.limit,
		   (unsigned long long)s->idtr.base, s->idtr.limit);
	vm_dump_insn(v);
}

void vm_stop_with_dump(struct vcpu *v, const struct vm_exit *exit, const char *why)
{
	struct vm *vm = v->vm;

	rspin_lock(&vm->lock);
	if (vm->state == VM_STATE_STOPPED) {
		rspin_unlock(&vm->lock);
		return;
	}
	uart_flush(vm);
	log_printf(LOG_ERROR, vm->name, "stopping: %s\n", why);
	if (exit)
		log_printf(LOG_ERROR, vm->name, "  exit %s (0x%x), qualification 0x%llx, "
			   "info 0x%llx, kind %s\n", exit->name ? exit->name : "?", exit->reason,
			   (unsigned long long)exit->qual, (unsigned long long)exit->info2,
			   vm_exit_kind_name(exit->kind));
	vcpu_dump(v);
	if (log_enabled(LOG_DEBUG) && vendor->dump)
		vendor->dump(v);
	vm_stop(vm, -1, "%s", why);
	rspin_unlock(&vm->lock);
}

void vcpu_trace_dump(struct vm *vm)
{
	for (u32 i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];
		u32 end = __atomic_load_n(&v->trace_pos, __ATOMIC_RELAXED);
		u32 n = end < VCPU_TRACE_LEN ? end : VCPU_TRACE_LEN;
		u64 last = 0;

		log_printf(LOG_INFO, vm->name, "vCPU %u: its last %u events (X exit, I injected, "
			   "E interrupted an event's delivery, Q re-injected, S in an interrupt shadow, "
			   "C HLT completed in one, R raised, H halted, W woken), TSC ticks since the "
			   "one before:\n", v->id, n);
		for (u32 k = end - n; k != end; k++) {
			const struct vcpu_trace *t = &v->trace[k % VCPU_TRACE_LEN];

			log_printf(LOG_INFO, vm->name, "  %c rip %llx data %x rflags %x +%llu\n",
				   t->what, (unsigned long long)t->rip, t->data, t->rflags,
				   (unsigned long long)(last ? t->tsc - last : 0));
			last = t->tsc;
		}
	}
}

/* Whether every CPU that ran one of the VM's vCPUs has let go of it (vm/sched.c). */
static bool vm_released(const struct vm *vm)
{
	for (u32 i = 0; i < vm->vcpu_count; i++)
		if (!__atomic_load_n(&vm->vcpus[i]->released, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

void vm_request_restart(struct vm *vm, const char *why)
{
	if (vm->state == VM_STATE_STOPPED)
		return;
	vm->restart = true;
	vm_stop(vm, 0, "reset requested by the guest (%s)", why);
}

void vm_reap_stopped(void)
{
	for (u32 i = 0; i < vm_list_count; i++) {
		struct vm *vm = vm_list[i];
		const struct cfg_vm *cfg;
		bool restart;
		u32 restarts;

		/* Freed only once every CPU that ran one of its vCPUs has let go of it. */
		if (!vm || __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_STATE_STOPPED ||
		    !vm_released(vm))
			continue;
		cfg = vm->cfg;
		restart = vm->restart;
		restarts = vm->restarts + 1;
		vm_list[i] = NULL;
		vm_destroy(vm);
		if (!restart)
			continue;
		/* A restarted VM gets everything afresh: RAM, devices, vCPUs, the kernel reloaded. */
		vm = vm_create(cfg, i);
		if (!vm)
			continue;
		vm->restarts = restarts;
		vm_list[i] = vm;
		log_printf(LOG_INFO, vm->name, "restarted (%u time%s)\n", restarts,
			   restarts == 1 ? "" : "s");
		for (u32 c = 0; c < vm->vcpu_count; c++)
			sched_assign(vm->vcpus[c]);
	}
}

bool vm_all_reaped(void)
{
	for (u32 i = 0; i < vm_list_count; i++)
		if (vm_list[i])
			return false;
	return true;
}
