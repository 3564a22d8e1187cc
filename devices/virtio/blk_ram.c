/* RAM disks for virtio-blk: zero-filled (ram:SIZE) or a copy of a boot module (module:NAME). */
#include "devices/virtio/blk_ram.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

struct ram_disk {
	u8 *data;
	u64 pages;
};

static u8 *ram_at(struct blk_backend *b, u64 sector)
{
	return ((struct ram_disk *)b->priv)->data + sector * BLK_SECTOR_SIZE;
}

static int ram_read(struct blk_backend *b, u64 sector, void *buf, u64 len)
{
	memcpy(buf, ram_at(b, sector), len);
	return 0;
}

static int ram_write(struct blk_backend *b, u64 sector, const void *buf, u64 len)
{
	memcpy(ram_at(b, sector), buf, len);
	return 0;
}

static int ram_flush(struct blk_backend *b)
{
	(void)b;
	return 0;
}

/* Discarded sectors read back as zeros, like written zeros. */
static int ram_zero(struct blk_backend *b, u64 sector, u64 count)
{
	memset(ram_at(b, sector), 0, count * BLK_SECTOR_SIZE);
	return 0;
}

static void ram_close(struct blk_backend *b)
{
	struct ram_disk *r = b->priv;

	if (!r)
		return;
	host_pages_free((u64)(uintptr_t)r->data, r->pages);
	host_pages_free((u64)(uintptr_t)r, 1);
	b->priv = NULL;
}

static const struct blk_backend_ops ram_ops = {
	.read = ram_read,
	.write = ram_write,
	.flush = ram_flush,
	.discard = ram_zero,
	.write_zeroes = ram_zero,
	.close = ram_close,
};

static int ram_setup(struct blk_backend *b, u64 bytes, char *err, size_t errlen)
{
	struct ram_disk *r;

	if (!bytes || bytes % BLK_SECTOR_SIZE) {
		fmt_snprintf(err, errlen, "RAM disk size %llu is not a positive multiple of 512",
			     (unsigned long long)bytes);
		return -EINVAL;
	}
	r = (struct ram_disk *)(uintptr_t)host_pages_alloc(1);
	if (!r)
		goto nomem;
	r->pages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
	r->data = (u8 *)(uintptr_t)host_pages_alloc(r->pages);
	if (!r->data) {
		host_pages_free((u64)(uintptr_t)r, 1);
		goto nomem;
	}
	b->ops = &ram_ops;
	b->priv = r;
	b->sectors = bytes / BLK_SECTOR_SIZE;
	b->read_only = false;
	return 0;
nomem:
	fmt_snprintf(err, errlen, "not enough memory for a RAM disk of %llu bytes",
		     (unsigned long long)bytes);
	return -ENOMEM;
}

int blk_backend_ram_create(struct blk_backend *b, u64 bytes, char *err, size_t errlen)
{
	int e = ram_setup(b, bytes, err, errlen);

	if (!e)
		fmt_snprintf(b->name, sizeof(b->name), "ram:%llu", (unsigned long long)bytes);
	return e;
}

int blk_backend_module_open(struct blk_backend *b, const char *name, char *err, size_t errlen)
{
	void *data;
	u64 size;
	int e = host_file_read(name, &data, &size);

	if (e) {
		fmt_snprintf(err, errlen, "module:%s: %s", name,
			     e == -ENOENT ? "no such module" : err_name(e));
		return e;
	}
	if (!size) {
		host_file_free(data, size);
		fmt_snprintf(err, errlen, "module:%s: the module is empty", name);
		return -EINVAL;
	}
	e = ram_setup(b, ALIGN_UP(size, (u64)BLK_SECTOR_SIZE), err, errlen);
	if (!e)
		memcpy(((struct ram_disk *)b->priv)->data, data, size);
	host_file_free(data, size);
	if (!e)
		fmt_snprintf(b->name, sizeof(b->name), "module:%s", name);
	return e;
}
