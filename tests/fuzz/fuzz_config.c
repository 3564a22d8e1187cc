/* libFuzzer target for the macrohard.cfg parser: raw bytes in, and the parser must neither
 * crash nor leave struct config out of its bounds or inconsistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/config.h"

static u32 reports;

static void count_report(void *ctx, const char *file, u32 line, const char *msg)
{
	size_t n = strlen(msg);

	(void)ctx;
	(void)file;
	/* Messages are one non-empty line, and every problem has a real line number. */
	if (!n || n >= 320 || memchr(msg, '\n', n) || line == 0)
		abort();
	reports++;
}

static void check_terminated(const char *s, size_t size)
{
	if (!memchr(s, 0, size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	u32 n, i, j;

	reports = 0;
	n = config_parse("fuzz.cfg", (const char *)data, size, &cfg, count_report, NULL);
	if (n != reports || n != cfg.errors)
		abort();
	if (cfg.vm_count > CFG_MAX_VMS || cfg.channel_count > CFG_MAX_CHANNELS)
		abort();
	for (i = 0; i < cfg.vm_count; i++) {
		const struct cfg_vm *vm = &cfg.vms[i];

		if (vm->disk_count > CFG_MAX_DISKS || vm->share_count > CFG_MAX_SHARES ||
		    vm->net_count > CFG_MAX_NETS || vm->valid != (vm->errors == 0))
			abort();
		if (vm->valid && (vm->memory < (16ULL << 20) || vm->memory > (1ULL << 40) ||
				  vm->memory % (1 << 20) || vm->kernel[0] != '/' ||
				  vm->vcpus < 1 || vm->vcpus > 64))
			abort();
		check_terminated(vm->name, sizeof(vm->name));
		check_terminated(vm->kernel, sizeof(vm->kernel));
		check_terminated(vm->initrd, sizeof(vm->initrd));
		check_terminated(vm->cmdline, sizeof(vm->cmdline));
		for (j = 0; j < vm->disk_count; j++) {
			check_terminated(vm->disks[j].target, sizeof(vm->disks[j].target));
			check_terminated(vm->disks[j].serial, sizeof(vm->disks[j].serial));
		}
		for (j = 0; j < vm->share_count; j++) {
			check_terminated(vm->shares[j].tag, sizeof(vm->shares[j].tag));
			check_terminated(vm->shares[j].path, sizeof(vm->shares[j].path));
		}
		for (j = 0; j < vm->net_count; j++)
			if (vm->nets[j].has_mac && (vm->nets[j].mac[0] & 1))
				abort();
	}
	for (i = 0; i < cfg.channel_count; i++) {
		check_terminated(cfg.channels[i].name, CFG_NAME_MAX);
		check_terminated(cfg.channels[i].vm_a, CFG_NAME_MAX);
		check_terminated(cfg.channels[i].vm_b, CFG_NAME_MAX);
	}
	return 0;
}
