/*
 * Multiboot2 start-up in C: parses the loader's information (bounds-checked),
 * brings up the standalone host layer and enters the common main.
 */
#include "boot/main.h"
#include "host/bare/bare.h"
#include "host/host.h"
#include "lib/log.h"
#include "lib/string.h"

/* Multiboot2 specification 1.0, section 3.6: boot information tags. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_EFI32_ST 11
#define MB2_TAG_EFI64_ST 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/* No loader passes megabytes of boot information; more means garbage. */
#define MB2_INFO_MAX (16u << 20)

struct mb2_tag {
	u32 type;
	u32 size;
};

struct mb2_tag_module {
	u32 type, size;
	u32 mod_start, mod_end;
	char cmdline[];
};

struct mb2_tag_mmap {
	u32 type, size;
	u32 entry_size, entry_version;
};

struct mb2_mmap_entry {
	u64 base, len;
	u32 type, reserved;
};

void mb2_main(u64 info_phys);

static struct bare_boot_info boot_info;

/* A NUL-terminated string filling at most len bytes, or NULL if unterminated. */
static const char *mb2_string(const char *s, u64 len)
{
	return str_nlen(s, len) < len ? s : NULL;
}

static void mb2_parse_mmap(const struct mb2_tag *tag)
{
	const struct mb2_tag_mmap *m = (const void *)tag;
	u64 off;

	if (tag->size < sizeof(*m) || m->entry_size < sizeof(struct mb2_mmap_entry) ||
	    m->entry_size % 8) {
		log_warn("multiboot2: malformed memory map tag ignored\n");
		return;
	}
	for (off = sizeof(*m); off + m->entry_size <= tag->size; off += m->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)((const u8 *)tag + off);
		struct bare_mem_range *r;

		if (boot_info.mmap_count == BARE_MAX_MMAP) {
			log_warn("multiboot2: more than %u memory map entries; rest ignored\n",
				 BARE_MAX_MMAP);
			return;
		}
		if (!e->len || e->base + e->len < e->base)
			continue;
		r = &boot_info.mmap[boot_info.mmap_count++];
		r->base = e->base;
		r->len = e->len;
		r->type = e->type;
	}
}

static void mb2_parse_module(const struct mb2_tag *tag)
{
	const struct mb2_tag_module *m = (const void *)tag;
	struct bare_module *mod;
	const char *name;

	if (tag->size < sizeof(*m) || m->mod_end < m->mod_start) {
		log_warn("multiboot2: malformed module tag ignored\n");
		return;
	}
	if (boot_info.module_count == BARE_MAX_MODULES) {
		log_warn("multiboot2: more than %u modules; rest ignored\n", BARE_MAX_MODULES);
		return;
	}
	name = mb2_string(m->cmdline, tag->size - sizeof(*m));
	mod = &boot_info.modules[boot_info.module_count++];
	mod->start = m->mod_start;
	mod->end = m->mod_end;
	mod->name = name ? name : "";
}

static void mb2_parse_rsdp(const struct mb2_tag *tag, u32 want)
{
	u32 len = tag->size - sizeof(*tag);

	if (len < want) {
		log_warn("multiboot2: short ACPI RSDP tag ignored\n");
		return;
	}
	/* Prefer the ACPI 2.0+ copy when the loader gives both. */
	if (boot_info.rsdp_len >= want)
		return;
	memcpy(boot_info.rsdp, tag + 1, want);
	boot_info.rsdp_len = want;
}

static int mb2_parse(u64 info_phys)
{
	const u8 *info = (const u8 *)(uintptr_t)info_phys;
	u32 total, off;

	if (!info_phys || info_phys % 8 || info_phys >= BARE_MAPPED_LIMIT - 8)
		return -1;
	total = *(const u32 *)info;
	if (total < 16 || total > MB2_INFO_MAX || info_phys + total > BARE_MAPPED_LIMIT)
		return -1;
	boot_info.info_start = info_phys;
	boot_info.info_end = info_phys + total;

	for (off = 8; off + sizeof(struct mb2_tag) <= total; off = ALIGN_UP(off, 8u)) {
		const struct mb2_tag *tag = (const void *)(info + off);

		if (tag->size < sizeof(*tag) || tag->size > total - off) {
			log_warn("multiboot2: tag %u at offset %u has bad size %u; rest ignored\n",
				 tag->type, off, tag->size);
			break;
		}
		if (tag->type == MB2_TAG_END)
			break;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			boot_info.cmdline = mb2_string((const char *)(tag + 1),
						       tag->size - sizeof(*tag));
			break;
		case MB2_TAG_LOADER_NAME:
			boot_info.loader_name = mb2_string((const char *)(tag + 1),
							   tag->size - sizeof(*tag));
			break;
		case MB2_TAG_MODULE:
			mb2_parse_module(tag);
			break;
		case MB2_TAG_MMAP:
			mb2_parse_mmap(tag);
			break;
		case MB2_TAG_EFI32_ST:
		case MB2_TAG_EFI64_ST:
			boot_info.uefi = true;
			break;
		case MB2_TAG_ACPI_OLD:
			mb2_parse_rsdp(tag, 20);
			break;
		case MB2_TAG_ACPI_NEW:
			mb2_parse_rsdp(tag, 36);
			break;
		default:
			break;
		}
		off += tag->size;
	}
	return 0;
}

/* True when the command line holds word as a whole, space-separated word. */
static bool mb2_cmdline_has(const char *cmdline, const char *word)
{
	size_t n = str_len(word);
	const char *p = cmdline;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!str_ncmp(p, word, n) && (p[n] == ' ' || !p[n]))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

void mb2_main(u64 info_phys)
{
	bare_host_early_init();
	if (mb2_parse(info_phys) < 0) {
		log_err("multiboot2: boot information at 0x%llx is unusable\n",
			(unsigned long long)info_phys);
		host_exit(1);
	}
	/* "debug" on the kernel command line shows the host layer's start-up details. */
	if (mb2_cmdline_has(boot_info.cmdline, "debug"))
		log_set_level(LOG_DEBUG);
	bare_host_init(&boot_info);
	macrohard_main();
}
