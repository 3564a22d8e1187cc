/* Brings the standalone host layer up, in dependency order. */
#include "host/bare/bare.h"
#include "lib/log.h"
#include "host/smp.h"

static void init_log_boot_info(const struct bare_boot_info *bi)
{
	u32 i;

	if (!log_enabled(LOG_DEBUG))
		return;
	log_debug("multiboot2: info 0x%llx-0x%llx, loader \"%s\", command line \"%s\"\n",
		  (unsigned long long)bi->info_start, (unsigned long long)bi->info_end,
		  bi->loader_name ? bi->loader_name : "", bi->cmdline ? bi->cmdline : "");
	for (i = 0; i < bi->mmap_count; i++)
		log_debug("multiboot2: memory 0x%016llx-0x%016llx type %u\n",
			  (unsigned long long)bi->mmap[i].base,
			  (unsigned long long)(bi->mmap[i].base + bi->mmap[i].len),
			  bi->mmap[i].type);
	for (i = 0; i < bi->module_count; i++)
		log_debug("multiboot2: module 0x%llx-0x%llx \"%s\"\n",
			  (unsigned long long)bi->modules[i].start,
			  (unsigned long long)bi->modules[i].end, bi->modules[i].name);
}

void bare_host_early_init(void)
{
	bare_console_init();
	bare_gdt_init();
	/*
	 * After the GDT, whose null GS load clears the GS base: host_cpu_index() reads the
	 * per-CPU block from here on (nothing before this point logs).
	 */
	host_percpu_init(0);
	bare_idt_init();
}

void bare_host_init(const struct bare_boot_info *bi)
{
	init_log_boot_info(bi);
	bare_pages_init(bi);
	bare_time_init();
	bare_acpi_init(bi);
	bare_info_init(bi);
	bare_smp_init(bi);
	bare_power_init();
	bare_files_init(bi);
}
