/* Firmware-hosted inventory: firmware identity, the UEFI memory map, and CPUs from MP services. */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "lib/string.h"
#include "host/smp.h"

struct uefi_mp_services *uefi_mp;
static struct host_info info;
static UINTN cpu_proc_numbers[HOST_MAX_CPUS];

static bool memory_type_usable(u32 type)
{
	/* Boot services memory stays in use: boot services are never exited. */
	return type == EfiConventionalMemory;
}

static void memory_map_summary(struct host_mem_summary *m)
{
	UINTN size = 0, key, desc_size;
	UINT32 desc_version;
	EFI_MEMORY_DESCRIPTOR *map = NULL;
	EFI_STATUS s;

	s = uefi_bs->GetMemoryMap(&size, NULL, &key, &desc_size, &desc_version);
	if (s != EFI_BUFFER_TOO_SMALL)
		return;
	/* Allocating the buffer can add descriptors: leave room. */
	size += 8 * desc_size;
	if (uefi_bs->AllocatePool(EfiLoaderData, size, (void **)&map))
		return;
	if (uefi_bs->GetMemoryMap(&size, map, &key, &desc_size, &desc_version) == EFI_SUCCESS &&
	    desc_size >= sizeof(EFI_MEMORY_DESCRIPTOR)) {
		for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
			EFI_MEMORY_DESCRIPTOR *d = (void *)((u8 *)map + off);
			u64 bytes = d->NumberOfPages * PAGE_SIZE;

			m->entries++;
			if (memory_type_usable(d->Type)) {
				m->usable_bytes += bytes;
				m->largest_free = MAX(m->largest_free, bytes);
			} else {
				m->reserved_bytes += bytes;
			}
			m->highest_addr = MAX(m->highest_addr, d->PhysicalStart + bytes);
		}
	}
	uefi_bs->FreePool(map);
}

/*
 * Enabled processors in the firmware's order, the BSP moved to index 0 (host_cpu_index()
 * numbers CPUs so); uefi_cpu_processor_number() maps back for StartupThisAP.
 */
static void cpu_inventory(void)
{
	EFI_GUID mp_guid = UEFI_MP_SERVICES_PROTOCOL_GUID;
	UINTN total, enabled;

	info.cpu_count = 1;
	host_cpu_set_apic_id(0, cpu_apic_id());
	cpu_proc_numbers[0] = 0;
	if (uefi_bs->LocateProtocol(&mp_guid, NULL, (void **)&uefi_mp) ||
	    uefi_mp->get_number_of_processors(uefi_mp, &total, &enabled)) {
		uefi_mp = NULL;
		return;
	}
	for (UINTN i = 0; i < total && info.cpu_count < HOST_MAX_CPUS; i++) {
		struct uefi_processor_info pi;

		if (uefi_mp->get_processor_info(uefi_mp, i, &pi) || !(pi.status_flag & 2))
			continue;
		if (pi.status_flag & 1) {
			cpu_proc_numbers[0] = i;
			continue;
		}
		host_cpu_set_apic_id(info.cpu_count, (u32)pi.processor_id);
		cpu_proc_numbers[info.cpu_count++] = i;
	}
}

UINTN uefi_cpu_processor_number(u32 cpu)
{
	return cpu < info.cpu_count ? cpu_proc_numbers[cpu] : 0;
}

u32 host_cpu_count(void)
{
	return info.cpu_count;
}

void uefi_info_init(void)
{
	info.mode = HOST_MODE_UEFI;
	uefi_to_ascii(info.firmware, sizeof(info.firmware), uefi_st->FirmwareVendor);
	info.firmware_revision = uefi_st->FirmwareRevision;
	info.spec_revision = uefi_st->Hdr.Revision;
	memory_map_summary(&info.mem);
	cpu_inventory();
}

const struct host_info *host_get_info(void)
{
	return &info;
}
