/*
 * The standalone host's inventory: who loaded us, how much memory, and how
 * many CPUs the ACPI MADT lists as enabled.
 */
#include "host/bare/bare.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"
#include "host/smp.h"
#include "arch/x86/cpu.h"

/* ACPI 6.5, 5.2.12: MADT interrupt controller structures. */
#define MADT_LOCAL_APIC 0
#define MADT_LOCAL_X2APIC 9
#define MADT_ENABLED BIT(0)

struct madt_local_apic {
	u8 type, length;
	u8 processor_uid;
	u8 apic_id;
	u32 flags;
} __attribute__((packed));

struct madt_local_x2apic {
	u8 type, length;
	u16 reserved;
	u32 x2apic_id;
	u32 flags;
	u32 processor_uid;
} __attribute__((packed));

static struct host_info info;

/*
 * Enabled local APIC and x2APIC entries, in MADT order with the BSP moved to index 0
 * (host_cpu_index() numbers CPUs so); 0 when there is no usable MADT.
 */
static u32 info_madt_cpus(void)
{
	const struct bare_acpi_header *madt = bare_acpi_find("APIC");
	u32 bsp = cpu_apic_id(), count = 1;
	bool bsp_seen = false;
	const u8 *p, *end;

	if (!madt || madt->length < sizeof(*madt) + 8)
		return 0;
	host_cpu_set_apic_id(0, bsp);
	p = (const u8 *)madt + sizeof(*madt) + 8;	/* past the LAPIC address and flags */
	end = (const u8 *)madt + madt->length;
	while (end - p >= 2) {
		u8 type = p[0], len = p[1];
		u32 id = 0;
		bool enabled = false;

		if (len < 2 || len > end - p)
			break;
		if (type == MADT_LOCAL_APIC && len >= sizeof(struct madt_local_apic)) {
			const struct madt_local_apic *e = (const void *)p;

			enabled = e->flags & MADT_ENABLED;
			id = e->apic_id;
		} else if (type == MADT_LOCAL_X2APIC && len >= sizeof(struct madt_local_x2apic)) {
			const struct madt_local_x2apic *e = (const void *)p;

			enabled = e->flags & MADT_ENABLED;
			id = e->x2apic_id;
		}
		p += len;
		if (!enabled)
			continue;
		if (id == bsp && !bsp_seen) {
			bsp_seen = true;
			continue;
		}
		if (count < HOST_MAX_CPUS)
			host_cpu_set_apic_id(count++, id);
	}
	return count;
}

void bare_info_init(const struct bare_boot_info *bi)
{
	u32 cpus = info_madt_cpus();

	info.mode = HOST_MODE_BARE;
	fmt_snprintf(info.firmware, sizeof(info.firmware), "%s, loaded by %s",
		     bi->uefi ? "UEFI (boot services exited)" : "legacy BIOS",
		     bi->loader_name && bi->loader_name[0] ? bi->loader_name
							  : "a Multiboot2 loader");
	info.firmware_revision = 0;
	info.spec_revision = 0;
	if (!cpus)
		log_debug("info: no ACPI MADT; assuming one CPU\n");
	info.cpu_count = cpus ? cpus : 1;
	bare_pages_summary(&info.mem);
}

const struct host_info *host_get_info(void)
{
	return &info;
}

u32 host_cpu_count(void)
{
	return info.cpu_count;
}
