/* libFuzzer target for the guest image loaders: raw bytes as the kernel (the last byte picks an
 * initrd and a command line), loaded into 32 MiB of guest RAM; a refusal must say why, and a
 * success must leave the kernel, the initrd and the boot structures where they belong. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/loader.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/log.h"

#define RAM_SIZE (32u << 20)

static struct guest_mem gm;
static struct loader_boot b;
static u8 initrd[6000];

/* loader_load() is linked but not called: no files, no log. */
int host_file_read(const char *path, void **data, u64 *size)
{
	(void)path;
	(void)data;
	(void)size;
	return -1;
}

void host_file_free(void *data, u64 size)
{
	(void)data;
	(void)size;
}

void log_printf(enum log_level level, const char *vm, const char *fmt, ...)
{
	(void)level;
	(void)vm;
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 *ram;
	u8 knob = size ? data[size - 1] : 0;
	int err;

	if (!ram) {
		ram = aligned_alloc(4096, RAM_SIZE);
		if (!ram)
			abort();
		guest_mem_init(&gm);
		guest_mem_add(&gm, 0, RAM_SIZE, GUEST_RAM, (u64)(uintptr_t)ram, "ram");
		guest_mem_add(&gm, PLAT_PCI_HOLE, (1ULL << 32) - PLAT_PCI_HOLE, GUEST_MMIO, 0, "hole");
		gm.ram_bytes = RAM_SIZE;
	}
	memset(&b, 0, sizeof(b));
	b.mem = &gm;
	b.kernel = data;
	b.kernel_size = size;
	if (knob & 1) {
		b.initrd = initrd;
		b.initrd_size = (knob & 2) ? sizeof(initrd) : 1;
	}
	b.cmdline = (knob & 4) ? "console=ttyS0 earlyprintk=serial" : "";
	err = loader_boot_image(&b);
	if (err) {
		size_t n = strnlen(b.why, sizeof(b.why));

		if (err > 0 || !n || n == sizeof(b.why) || memchr(b.why, '\n', n))
			abort();
		return 0;
	}
	if (b.why[0] || b.kernel_end <= b.kernel_gpa || b.kernel_end > RAM_SIZE ||
	    b.kernel_gpa < TEST_IMAGE_MIN_GPA)
		abort();
	if (strcmp(b.format, "test image") && b.kernel_gpa < PLAT_BOOT_END)
		abort();
	if (b.initrd && ((b.initrd_gpa & 0xfff) || b.initrd_gpa < b.kernel_end ||
			 b.initrd_gpa + b.initrd_size > RAM_SIZE))
		abort();
	if (b.rflags != 2 || b.e820_count < 6)
		abort();
	return 0;
}
