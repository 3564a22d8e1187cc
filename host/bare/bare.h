/*
 * The standalone host layer's internal interface, and the hand-off it receives
 * from the Multiboot2 entry (boot/mb2_main.c).
 */
#ifndef HOST_BARE_BARE_H
#define HOST_BARE_BARE_H

#include "lib/types.h"
#include "host/host.h"
#include "arch/x86/idt.h"

/* Only the first 4 GiB are mapped (boot/mb2_entry.asm); nothing above is used. */
#define BARE_MAPPED_LIMIT (4ULL << 30)

#define BARE_MAX_MMAP 256
#define BARE_MAX_MODULES 32

/* Multiboot2 memory types (specification 3.6.8). */
#define BARE_MEM_AVAILABLE 1

struct bare_mem_range {
	u64 base, len;
	u32 type;
};

struct bare_module {
	u64 start, end;		/* physical, end exclusive */
	const char *name;	/* the module's command line; never NULL */
};

/*
 * What the loader told us.  Strings point into the Multiboot2 information,
 * which stays reserved for as long as the system runs.
 */
struct bare_boot_info {
	u64 info_start, info_end;	/* the Multiboot2 information itself */
	const char *loader_name;	/* NULL when the loader gave none */
	const char *cmdline;		/* NULL when the loader gave none */
	struct bare_mem_range mmap[BARE_MAX_MMAP];
	u32 mmap_count;
	struct bare_module modules[BARE_MAX_MODULES];
	u32 module_count;
	u8 rsdp[36];			/* copy of the loader's RSDP, or all zero */
	u32 rsdp_len;			/* 20 (ACPI 1.0), 36 (2.0+), or 0 */
	bool uefi;			/* the loader ran on UEFI (EFI system table tag) */
};

/* Image bounds from host/bare/link.ld. */
extern char __image_start[], __image_end[], __bss_start[], __bss_end[];

/* Console, GDT and IDT: enough to report problems while the boot information is parsed. */
void bare_host_early_init(void);
/* Brings the remaining host services up, in dependency order. */
void bare_host_init(const struct bare_boot_info *bi);

/* console.c */
void bare_console_init(void);
/* Waits (bounded) until the UART has sent everything, so nothing is lost at power-off. */
void bare_console_drain(void);

/* gdt.c, idt.c */
void bare_gdt_init(void);
void bare_idt_init(void);
/* The IST slots in the TSS, for idt.c. */
#define BARE_IST_DF ARCH_IST_DF
#define BARE_IST_NMI ARCH_IST_NMI
#define BARE_IST_MC ARCH_IST_MC
#define BARE_SEL_CODE 0x08
#define BARE_SEL_DATA 0x10
#define BARE_SEL_TSS 0x18

/* time.c */
void bare_time_init(void);

/* pages.c */
void bare_pages_init(const struct bare_boot_info *bi);
/* The allocator's view right after init: usable, reserved, largest, highest. */
void bare_pages_summary(struct host_mem_summary *out);

/* files.c */
void bare_files_init(const struct bare_boot_info *bi);

/* acpi.c: tables found through the RSDP, checksums validated. */
struct bare_acpi_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __attribute__((packed));

void bare_acpi_init(const struct bare_boot_info *bi);
/* The first valid table with this signature, or NULL. */
const struct bare_acpi_header *bare_acpi_find(const char *signature);
/* Validates a table at a physical address: mapped, sane length, checksum. */
const struct bare_acpi_header *bare_acpi_table_at(u64 phys);

/* info.c */
void bare_info_init(const struct bare_boot_info *bi);

/* smp.c: the BSP's local APIC; APs are started on demand (host_cpu_start). */
void bare_smp_init(const struct bare_boot_info *bi);

/* power.c */
void bare_power_init(void);

#endif
