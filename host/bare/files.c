/*
 * Standalone files: the Multiboot2 modules, found by their command line
 * ("macrohard.cfg" answers "/macrohard.cfg") and copied into fresh pages.
 */
#include "host/bare/bare.h"
#include "lib/errno.h"
#include "lib/string.h"

static const struct bare_module *modules;
static u32 module_count;

void bare_files_init(const struct bare_boot_info *bi)
{
	modules = bi->modules;
	module_count = bi->module_count;
}

/* One spare byte past the data, so the copy is always NUL-terminated. */
static u64 files_pages(u64 size)
{
	return (size + 1 + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Modules can be disk images: copy in quadwords, not bytes. */
static void files_copy(void *dst, const void *src, u64 len)
{
	u64 quads = len / 8, rest = len % 8;

	asm volatile("rep movsq\n\t"
		     "movq %[rest], %%rcx\n\t"
		     "rep movsb"
		     : "+D"(dst), "+S"(src), "+c"(quads)
		     : [rest] "r"(rest)
		     : "memory");
}

static const struct bare_module *files_find(const char *path)
{
	const char *bare_path = path[0] == '/' ? path + 1 : path;
	u32 i;

	for (i = 0; i < module_count; i++) {
		const char *name = modules[i].name;

		if (name[0] && (str_eq(name, path) || str_eq(name, bare_path) ||
				(name[0] == '/' && str_eq(name + 1, bare_path))))
			return &modules[i];
	}
	return NULL;
}

int host_file_read(const char *path, void **data, u64 *size)
{
	const struct bare_module *m;
	u64 len, addr;

	if (!path || !data || !size || !path[0])
		return -EINVAL;
	m = files_find(path);
	if (!m)
		return -ENOENT;
	len = m->end - m->start;
	addr = host_pages_alloc(files_pages(len));
	if (!addr)
		return -ENOMEM;
	files_copy((void *)(uintptr_t)addr, (const void *)(uintptr_t)m->start, len);
	*data = (void *)(uintptr_t)addr;
	*size = len;
	return 0;
}

void host_file_free(void *data, u64 size)
{
	if (data)
		host_pages_free((u64)(uintptr_t)data, files_pages(size));
}
