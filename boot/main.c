/* The common start-up sequence: banner, configuration, VMs, and the on_exit action. */
#include "boot/main.h"
#include "boot/banner.h"
#include "boot/config.h"
#include "boot/disk_selftest.h"
#include "vm/sched.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/panic.h"

#define CONFIG_PATH "/macrohard.cfg"
#define CONFIG_NAME "macrohard.cfg"

static struct platform platform;
static struct config config;

static void config_report(void *ctx, const char *file, u32 line, const char *msg)
{
	(void)ctx;
	log_err("%s:%u: %s\n", file, line, msg);
}

static void format_size(char *buf, size_t size, u64 bytes)
{
	if (bytes && !(bytes & ((1ULL << 30) - 1)))
		fmt_snprintf(buf, size, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes && !(bytes & ((1ULL << 20) - 1)))
		fmt_snprintf(buf, size, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes && !(bytes & ((1ULL << 10) - 1)))
		fmt_snprintf(buf, size, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		fmt_snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
}

static void config_print_vm(const struct cfg_vm *vm)
{
	char size[32];

	if (!vm->valid) {
		log_err("VM '%s' (%s:%u) refused: %u problem%s in its section\n", vm->name,
			CONFIG_NAME, vm->line, vm->errors, vm->errors == 1 ? "" : "s");
		return;
	}
	format_size(size, sizeof(size), vm->memory);
	log_printf(LOG_INFO, vm->name, "defined: %s, %u vCPU%s, kernel %s\n", size, vm->vcpus,
		   vm->vcpus == 1 ? "" : "s", vm->kernel);
	if (vm->initrd[0])
		log_printf(LOG_INFO, vm->name, "  initrd %s\n", vm->initrd);
	log_printf(LOG_INFO, vm->name, "  cmdline \"%s\"\n", vm->cmdline);
	for (u32 i = 0; i < vm->disk_count; i++) {
		const struct cfg_disk *d = &vm->disks[i];

		log_printf(LOG_INFO, vm->name, "  disk %u: %s:%s%s%s%s%s%s\n", i,
			   config_disk_source_name(d->source), d->volume, d->volume[0] ? ":" : "",
			   d->target,
			   d->readonly ? ", read-only" : "", d->serial[0] ? ", serial " : "",
			   d->serial);
	}
	for (u32 i = 0; i < vm->share_count; i++)
		log_printf(LOG_INFO, vm->name, "  share '%s': %s%s\n", vm->shares[i].tag,
			   vm->shares[i].path, vm->shares[i].readonly ? ", read-only" : "");
	for (u32 i = 0; i < vm->net_count; i++) {
		const u8 *m = vm->nets[i].mac;

		if (vm->nets[i].has_mac)
			log_printf(LOG_INFO, vm->name,
				   "  net %u: switch, mac %02x:%02x:%02x:%02x:%02x:%02x\n", i,
				   m[0], m[1], m[2], m[3], m[4], m[5]);
		else
			log_printf(LOG_INFO, vm->name, "  net %u: switch\n", i);
	}
	format_size(size, sizeof(size), vm->clipboard_max);
	log_printf(LOG_INFO, vm->name, "  clipboard %s (max %s), display %s\n",
		   config_clipboard_name(vm->clipboard), size, vm->seamless ? "seamless" : "none");
}

static void config_load(void)
{
	void *text;
	u64 size;
	u32 accepted = 0;
	int err;

	config_defaults(&config);
	err = host_file_read(CONFIG_PATH, &text, &size);
	if (err) {
		log_warn("%s: cannot read (%s); no VMs are defined\n", CONFIG_NAME, err_name(err));
		return;
	}
	log_info("%s: %llu bytes\n", CONFIG_NAME, (unsigned long long)size);
	config_parse(CONFIG_NAME, text, size, &config, config_report, NULL);
	host_file_free(text, size);

	log_set_level((enum log_level)config.global.log_level);
	host_console_set_serial(config.global.serial_port, config.global.serial_baud);
	for (u32 i = 0; i < config.vm_count; i++) {
		config_print_vm(&config.vms[i]);
		accepted += config.vms[i].valid;
	}
	for (u32 i = 0; i < config.channel_count; i++) {
		const struct cfg_channel *c = &config.channels[i];

		if (c->valid)
			log_info("channel '%s': %s %s %s\n", c->name, c->vm_a,
				 c->bidirectional ? "<->" : "->", c->vm_b);
	}
	log_info("%s: %u VM%s defined, %u accepted, %u refused, %u problem%s\n", CONFIG_NAME,
		 config.vm_count, config.vm_count == 1 ? "" : "s", accepted,
		 config.vm_count - accepted, config.errors, config.errors == 1 ? "" : "s");
}

/* Diagnostics: prove that a fault in hypervisor code is reported, not hidden. */
static void selftest_run(enum cfg_selftest t)
{
	switch (t) {
	case CFG_SELFTEST_NONE:
		return;
	case CFG_SELFTEST_EXCEPTION:
		log_info("selftest: raising #UD in hypervisor code\n");
		asm volatile("ud2");
		break;
	case CFG_SELFTEST_PANIC:
		log_info("selftest: calling panic()\n");
		panic("selftest requested by %s", CONFIG_NAME);
	case CFG_SELFTEST_AP_EXCEPTION:
		log_info("selftest: the first AP raises #UD after its first time slice\n");
		sched_selftest_ap_exception();
		return;
	case CFG_SELFTEST_DISK:
		disk_selftest_run(&config);
		return;
	}
	log_err("selftest: the fault was not reported\n");
}

static void run_vms(void)
{
	u32 accepted = 0;
	int err;

	for (u32 i = 0; i < config.vm_count; i++)
		accepted += config.vms[i].valid;
	if (!accepted)
		return;
	err = vendor_select();
	if (err) {
		log_err("no usable VT-x or AMD-V (%s): no VM can start\n", err_name(err));
		return;
	}
	/* The APs start here and enable virtualization; vCPUs are pinned among those that could. */
	sched_init();
	vm_create_all(&config);
	sched_run();
	vendor->cpu_disable();
}

void macrohard_main(void)
{
	banner_print(&platform);
	config_load();
	selftest_run(config.global.selftest);

	run_vms();
	log_info("nothing more to do (on_exit = %s)\n", config_on_exit_name(config.global.on_exit));
	switch (config.global.on_exit) {
	case CFG_EXIT_POWEROFF:
		host_poweroff();
	case CFG_EXIT_REBOOT:
		host_reboot();
	case CFG_EXIT_HALT:
		host_halt();
	case CFG_EXIT_RETURN:
		break;
	}
	host_exit(0);
}
