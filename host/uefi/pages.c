/* Firmware-hosted page allocation: boot services pages (identity-mapped by UEFI on x64). */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "lib/string.h"

u64 host_pages_alloc(u64 count)
{
	EFI_PHYSICAL_ADDRESS addr = 0;

	if (!count || uefi_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, count, &addr))
		return 0;
	memset((void *)(uintptr_t)addr, 0, count * PAGE_SIZE);
	return addr;
}

void host_pages_free(u64 addr, u64 count)
{
	if (addr && count)
		uefi_bs->FreePages(addr, count);
}
