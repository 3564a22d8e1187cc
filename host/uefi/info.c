/* Firmware-hosted inventory: firmware identity, the UEFI memory map, and CPUs from MP services. */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "lib/string.h"

#define MAX_CPUS 256

static struct host_info info;
static u32 cpu_apic_ids[MAX_CPUS];

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

static void cpu_inventory(void)
{
	EFI_GUID mp_guid = UEFI_MP_SERVICES_PROTOCOL_GUID;
	struct uefi_mp_services *mp;
	UINTN total, enabled;

	info.cpu_count = 1;
	cpu_apic_ids[0] = cpu_apic_id();
	if (uefi_bs->LocateProtocol(&mp_guid, NULL, (void **)&mp) ||
	    mp->get_number_of_processors(mp, &total, &enabled))
		return;
	info.cpu_count = 0;
	for (UINTN i = 0; i < total && info.cpu_count < MAX_CPUS; i++) {
		struct uefi_processor_info pi;

		if (mp->get_processor_info(mp, i, &pi) || !(pi.status_flag & 2))
			continue;
		cpu_apic_ids[info.cpu_count++] = (u32)pi.processor_id;
	}
	if (!info.cpu_count) {
		info.cpu_count = 1;
		cpu_apic_ids[0] = cpu_apic_id();
	}
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

/* Index in the firmware's processor list, found without calling the firmware (APs may ask). */
u32 host_cpu_index(void)
{
	u32 id = cpu_apic_id();

	for (u32 i = 0; i < info.cpu_count; i++)
		if (cpu_apic_ids[i] == id)
			return i;
	return 0;
}
