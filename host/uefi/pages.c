/*
 * Firmware-hosted page allocation: boot services pages (identity-mapped by UEFI on x64).
 * Only the BSP may call the firmware: an AP's request is run there (host_bsp_call).
 */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "lib/string.h"

struct pages_call {
	u64 addr, count;
};

static void pages_alloc_bsp(void *p)
{
	struct pages_call *c = p;
	EFI_PHYSICAL_ADDRESS addr = 0;

	c->addr = 0;
	if (uefi_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, c->count, &addr) == EFI_SUCCESS)
		c->addr = addr;
}

static void pages_free_bsp(void *p)
{
	struct pages_call *c = p;

	uefi_bs->FreePages(c->addr, c->count);
}

u64 host_pages_alloc(u64 count)
{
	struct pages_call c = { 0, count };

	if (!count)
		return 0;
	host_bsp_call(pages_alloc_bsp, &c);
	if (c.addr)
		memset((void *)(uintptr_t)c.addr, 0, count * PAGE_SIZE);
	return c.addr;
}

void host_pages_free(u64 addr, u64 count)
{
	struct pages_call c = { addr, count };

	if (addr && count)
		host_bsp_call(pages_free_bsp, &c);
}
