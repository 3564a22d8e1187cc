/*
 * ACPI table discovery for the standalone host: the RSDP from the loader or a
 * BIOS-area scan, then the XSDT or RSDT, with every checksum validated.
 */
#include "host/bare/bare.h"
#include "lib/log.h"
#include "lib/string.h"

/* ACPI 6.5, 5.2.5.3: the root system description pointer. */
struct acpi_rsdp {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt_address;
	/* ACPI 2.0+ */
	u32 length;
	u64 xsdt_address;
	u8 extended_checksum;
	u8 reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_V1_LEN 20
#define ACPI_TABLE_MAX (16u << 20)	/* sanity bound for one table's length */
#define ACPI_ROOT_MAX_ENTRIES 256

static const struct bare_acpi_header *root;	/* XSDT or RSDT */
static bool root_is_xsdt;

static u8 acpi_sum(const void *p, u64 len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

const struct bare_acpi_header *bare_acpi_table_at(u64 phys)
{
	const struct bare_acpi_header *h = (const void *)(uintptr_t)phys;

	if (!phys || phys >= BARE_MAPPED_LIMIT - sizeof(*h))
		return NULL;
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX ||
	    phys + h->length > BARE_MAPPED_LIMIT)
		return NULL;
	if (acpi_sum(h, h->length))
		return NULL;
	return h;
}

/* Accepts an RSDP whose checksums (and extended checksum for 2.0+) are right. */
static bool acpi_rsdp_valid(const struct acpi_rsdp *r, u32 avail)
{
	if (avail < ACPI_RSDP_V1_LEN || memcmp(r->signature, "RSD PTR ", 8))
		return false;
	if (acpi_sum(r, ACPI_RSDP_V1_LEN))
		return false;
	if (r->revision >= 2 && avail >= sizeof(*r)) {
		if (r->length < sizeof(*r) || r->length > avail || acpi_sum(r, r->length))
			return false;
	}
	return true;
}

/* ACPI 6.5, 5.2.5.1: the first KiB of the EBDA, then 0xE0000-0xFFFFF, on 16-byte boundaries. */
static const struct acpi_rsdp *acpi_scan(u64 start, u64 end)
{
	u64 p;

	for (p = ALIGN_UP(start, 16); p + sizeof(struct acpi_rsdp) <= end; p += 16) {
		const struct acpi_rsdp *r = (const void *)(uintptr_t)p;

		if (acpi_rsdp_valid(r, (u32)(end - p)))
			return r;
	}
	return NULL;
}

/*
 * Reads the BIOS data area.  The address goes through an empty asm so the
 * compiler does not take a read near address 0 for a null dereference.
 */
static u16 acpi_read_low16(uintptr_t addr)
{
	const volatile u16 *p;

	asm("" : "=r"(p) : "0"(addr));
	return *p;
}

static const struct acpi_rsdp *acpi_find_rsdp(const struct bare_boot_info *bi)
{
	static struct acpi_rsdp copy;
	const struct acpi_rsdp *r;
	u64 ebda;

	if (bi->rsdp_len) {
		memset(&copy, 0, sizeof(copy));
		memcpy(&copy, bi->rsdp, MIN(bi->rsdp_len, (u32)sizeof(copy)));
		if (acpi_rsdp_valid(&copy, bi->rsdp_len)) {
			log_debug("acpi: RSDP revision %u from the loader\n", copy.revision);
			return &copy;
		}
		log_warn("acpi: the loader's RSDP copy is invalid; scanning\n");
	}
	/* The BIOS data area holds the EBDA segment at 0x40E. */
	ebda = (u64)acpi_read_low16(0x40E) << 4;
	r = NULL;
	if (ebda >= 0x80000 && ebda < 0xA0000)
		r = acpi_scan(ebda, ebda + 1024);
	if (!r)
		r = acpi_scan(0xE0000, 0x100000);
	if (r)
		log_debug("acpi: RSDP revision %u found at 0x%llx\n", r->revision,
			  (unsigned long long)(uintptr_t)r);
	return r;
}

void bare_acpi_init(const struct bare_boot_info *bi)
{
	const struct acpi_rsdp *r = acpi_find_rsdp(bi);

	if (!r) {
		log_debug("acpi: no RSDP\n");
		return;
	}
	if (r->revision >= 2 && r->xsdt_address && r->xsdt_address < BARE_MAPPED_LIMIT) {
		root = bare_acpi_table_at(r->xsdt_address);
		if (root && !memcmp(root->signature, "XSDT", 4)) {
			root_is_xsdt = true;
			log_debug("acpi: XSDT at 0x%llx\n", (unsigned long long)r->xsdt_address);
			return;
		}
	}
	root = bare_acpi_table_at(r->rsdt_address);
	if (root && memcmp(root->signature, "RSDT", 4))
		root = NULL;
	if (!root)
		log_warn("acpi: RSDP found but no valid RSDT/XSDT\n");
	else
		log_debug("acpi: RSDT at 0x%x\n", r->rsdt_address);
}

const struct bare_acpi_header *bare_acpi_find(const char *signature)
{
	u32 entry_size, count, i;
	const u8 *entries;

	if (!root)
		return NULL;
	entry_size = root_is_xsdt ? 8 : 4;
	count = (root->length - sizeof(*root)) / entry_size;
	count = MIN(count, (u32)ACPI_ROOT_MAX_ENTRIES);
	entries = (const u8 *)(root + 1);
	for (i = 0; i < count; i++) {
		const struct bare_acpi_header *h;
		u64 addr = 0;

		/* XSDT entries are only 4-byte aligned. */
		memcpy(&addr, entries + (u64)i * entry_size, entry_size);
		h = bare_acpi_table_at(addr);
		if (h && !memcmp(h->signature, signature, 4))
			return h;
	}
	return NULL;
}
