/*
 * virtio-blk (virtio 1.1, 5.2): read, write, flush, get-id, discard and write-zeroes against a
 * block back-end.  Requests are served on the boot CPU; every transfer is staged through a
 * bounce buffer, so guest data is copied once and the back-end never sees guest pointers.
 */
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_pci.h"
#include "devices/virtio/virtqueue.h"
#include "devices/virtio/blk_ram.h"
#include "devices/pci.h"
#include "boot/config.h"
#include "mm/guest_mem.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define BOUNCE_PAGES (VIRTIO_BLK_BOUNCE / PAGE_SIZE)
#define BLK_PAGES (ALIGN_UP(sizeof(struct virtio_blk), PAGE_SIZE) / PAGE_SIZE)
/* The most data one request may carry: what seg_max and size_max allow. */
#define MAX_REQUEST_BYTES ((u64)VIRTIO_BLK_SEG_MAX * VIRTIO_BLK_SIZE_MAX)
/* Requests served per notify before the boot CPU turns to other work (it comes back). */
#define BATCH 32

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
} __attribute__((packed));

struct blk_range {
	u64 sector;
	u32 num_sectors;
	u32 flags;
} __attribute__((packed));

u64 virtio_blk_features(const struct virtio_blk *b)
{
	u64 f = BIT(VIRTIO_BLK_F_SIZE_MAX) | BIT(VIRTIO_BLK_F_SEG_MAX) | BIT(VIRTIO_BLK_F_BLK_SIZE) |
		BIT(VIRTIO_BLK_F_FLUSH);

	if (b->be.read_only)
		f |= BIT(VIRTIO_BLK_F_RO);
	if (b->discard && !b->be.read_only && b->be.ops->discard)
		f |= BIT(VIRTIO_BLK_F_DISCARD);
	if (b->discard && !b->be.read_only && b->be.ops->write_zeroes)
		f |= BIT(VIRTIO_BLK_F_WRITE_ZEROES);
	return f;
}

u64 virtio_blk_config_read(const struct virtio_blk *b, u32 off, u8 size)
{
	u8 img[VIRTIO_BLK_CFG_SIZE];
	u32 max_sectors = (u32)MIN(b->be.sectors, 0xffffffffULL);
	u64 v = 0;

	memset(img, 0, sizeof(img));
	memcpy(img + VIRTIO_BLK_CFG_CAPACITY, &b->be.sectors, 8);
	*(u32 *)(img + VIRTIO_BLK_CFG_SIZE_MAX) = VIRTIO_BLK_SIZE_MAX;
	*(u32 *)(img + VIRTIO_BLK_CFG_SEG_MAX) = VIRTIO_BLK_SEG_MAX;
	*(u32 *)(img + VIRTIO_BLK_CFG_BLK_SIZE) = BLK_SECTOR_SIZE;
	*(u32 *)(img + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS) = max_sectors;
	*(u32 *)(img + VIRTIO_BLK_CFG_MAX_DISCARD_SEG) = 1;
	*(u32 *)(img + VIRTIO_BLK_CFG_DISCARD_ALIGN) = 1;
	*(u32 *)(img + VIRTIO_BLK_CFG_MAX_WZ_SECTORS) = max_sectors;
	*(u32 *)(img + VIRTIO_BLK_CFG_MAX_WZ_SEG) = 1;
	if (off >= sizeof(img) || size > 8 || size > sizeof(img) - off)
		return 0;
	memcpy(&v, img + off, size);
	return v;
}

static bool in_range(const struct virtio_blk *b, u64 sector, u64 count)
{
	return sector <= b->be.sectors && count <= b->be.sectors - sector;
}

/* IN: back-end -> bounce -> the writable segments (all but the status byte). */
static u8 do_read(struct virtio_blk *b, const struct guest_mem *gm, const struct virtq_chain *c,
		  u64 sector, u64 len)
{
	for (u64 done = 0; done < len;) {
		u64 n = MIN(len - done, (u64)VIRTIO_BLK_BOUNCE);

		if (b->be.ops->read(&b->be, sector + done / BLK_SECTOR_SIZE, b->bounce, n))
			return VIRTIO_BLK_S_IOERR;
		if (virtq_copy_to(gm, c, done, b->bounce, n) != (s64)n)
			return VIRTIO_BLK_S_IOERR;
		done += n;
	}
	return VIRTIO_BLK_S_OK;
}

/* OUT: the readable segments after the header -> bounce (copied once) -> back-end. */
static u8 do_write(struct virtio_blk *b, const struct guest_mem *gm, const struct virtq_chain *c,
		   u64 sector, u64 len)
{
	for (u64 done = 0; done < len;) {
		u64 n = MIN(len - done, (u64)VIRTIO_BLK_BOUNCE);

		if (virtq_copy_from(gm, c, sizeof(struct blk_req_hdr) + done, b->bounce, n) != (s64)n)
			return VIRTIO_BLK_S_IOERR;
		if (b->be.ops->write(&b->be, sector + done / BLK_SECTOR_SIZE, b->bounce, n))
			return VIRTIO_BLK_S_IOERR;
		done += n;
	}
	if (b->writethrough && b->be.ops->flush(&b->be))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES (5.2.6.2): one range of 16 bytes after the header. */
static u8 do_ranges(struct virtio_blk *b, const struct guest_mem *gm, const struct virtq_chain *c,
		    u32 type, u64 negotiated, u64 data_len)
{
	bool zero = type == VIRTIO_BLK_T_WRITE_ZEROES;
	u32 bit = zero ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD;
	struct blk_range r;

	if (!(negotiated & BIT(bit)) || !(virtio_blk_features(b) & BIT(bit)))
		return VIRTIO_BLK_S_UNSUPP;
	if (data_len != sizeof(r) ||
	    virtq_copy_from(gm, c, sizeof(struct blk_req_hdr), &r, sizeof(r)) != sizeof(r))
		return VIRTIO_BLK_S_IOERR;
	/* Discard takes no flags; write-zeroes only UNMAP, which we may ignore (5.2.6.2). */
	if ((zero && (r.flags & ~VIRTIO_BLK_WZ_UNMAP)) || (!zero && r.flags))
		return VIRTIO_BLK_S_UNSUPP;
	if (!in_range(b, r.sector, r.num_sectors))
		return VIRTIO_BLK_S_IOERR;
	if (zero ? b->be.ops->write_zeroes(&b->be, r.sector, r.num_sectors) :
		   b->be.ops->discard(&b->be, r.sector, r.num_sectors))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

s64 virtio_blk_execute(struct virtio_blk *b, const struct guest_mem *gm,
		       const struct virtq_chain *c, u64 negotiated)
{
	const struct virtq_seg *last = c->count ? &c->seg[c->count - 1] : NULL;
	u64 in_len = virtq_readable_len(c), out_len = virtq_writable_len(c), data_len, written = 0;
	struct blk_req_hdr h;
	u8 status;

	/* 5.2.6: the status is the last byte of the last (device-writable) descriptor. */
	if (!last || !last->write || !last->len || last->bad)
		return -1;
	b->requests++;
	out_len--;		/* the status byte */
	if (in_len < sizeof(h) || virtq_copy_from(gm, c, 0, &h, sizeof(h)) != sizeof(h)) {
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	data_len = in_len - sizeof(h);
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		if (c->any_bad || data_len || out_len % BLK_SECTOR_SIZE || out_len > MAX_REQUEST_BYTES ||
		    !in_range(b, h.sector, out_len / BLK_SECTOR_SIZE)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		status = do_read(b, gm, c, h.sector, out_len);
		if (status == VIRTIO_BLK_S_OK)
			written = out_len;
		break;
	case VIRTIO_BLK_T_OUT:
		/* 5.2.6.2: a read-only device fails writes without writing anything. */
		if (b->be.read_only || c->any_bad || out_len || data_len % BLK_SECTOR_SIZE ||
		    data_len > MAX_REQUEST_BYTES || !in_range(b, h.sector, data_len / BLK_SECTOR_SIZE)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		status = do_write(b, gm, c, h.sector, data_len);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = b->be.ops->flush(&b->be) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		u8 id[VIRTIO_BLK_ID_BYTES];
		u64 n = MIN(out_len, (u64)VIRTIO_BLK_ID_BYTES);

		memset(id, 0, sizeof(id));
		memcpy(id, b->serial, str_nlen(b->serial, VIRTIO_BLK_ID_BYTES));
		if (c->any_bad || virtq_copy_to(gm, c, 0, id, n) != (s64)n) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		written = n;
		status = VIRTIO_BLK_S_OK;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = c->any_bad ? VIRTIO_BLK_S_IOERR :
			 do_ranges(b, gm, c, h.type, negotiated, data_len);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	if (status != VIRTIO_BLK_S_OK)
		b->errors++;
	/* The status byte's segment was checked above: this cannot fail. */
	if (guest_mem_write(gm, last->gpa + last->len - 1, &status, 1))
		return -1;
	return (s64)written + 1;
}

static void blk_process(struct virtio_pci *t, u16 q)
{
	struct virtio_blk *b = t->dev;
	u32 gen;

	for (u32 i = 0; i < BATCH; i++) {
		s64 written;

		if (!virtio_queue_pop(t, q, &gen))
			return;
		written = virtio_blk_execute(b, &t->vm->mem, &t->chain, t->driver_features);
		if (written < 0) {
			rspin_lock(&t->vm->lock);
			if (gen == t->generation)
				virtio_set_needs_reset(t, "request without a writable status byte");
			rspin_unlock(&t->vm->lock);
			return;
		}
		virtio_queue_complete(t, q, gen, t->chain.head, (u32)written);
	}
	/* More may be waiting: come back on the next poll. */
	__atomic_or_fetch(&t->pending, 1u << q, __ATOMIC_RELEASE);
	virtio_repost();
}

static void blk_config_read(struct virtio_pci *t, u32 off, u8 size, u64 *val)
{
	*val = virtio_blk_config_read(t->dev, off, size);
}

static void blk_free(struct virtio_blk *b)
{
	if (b->be.ops && b->be.ops->close)
		b->be.ops->close(&b->be);
	if (b->bounce)
		host_pages_free((u64)(uintptr_t)b->bounce, BOUNCE_PAGES);
	host_pages_free((u64)(uintptr_t)b, BLK_PAGES);
}

static void blk_destroy(struct virtio_pci *t)
{
	blk_free(t->dev);
}

static const struct virtio_device_ops blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.pci_class = 0x010000,		/* mass storage, SCSI: as QEMU's virtio-blk */
	.num_queues = 1,
	.config_read = blk_config_read,
	.process = blk_process,
	.destroy = blk_destroy,
};

static int blk_open(const struct cfg_disk *d, struct blk_backend *be, char *err, size_t errlen)
{
	switch (d->source) {
	case CFG_DISK_RAM:
		return blk_backend_ram_create(be, d->size, err, errlen);
	case CFG_DISK_MODULE:
		return blk_backend_module_open(be, d->target, err, errlen);
	default:
		return blk_backend_host_open(d, be, err, errlen);
	}
}

int virtio_blk_create_all(struct vm *vm, const struct cfg_vm *cfg, char *err, size_t errlen)
{
	for (u32 i = 0; i < cfg->disk_count && i < VIRTIO_BLK_MAX_DISKS; i++) {
		const struct cfg_disk *d = &cfg->disks[i];
		struct virtio_blk *b = (struct virtio_blk *)(uintptr_t)host_pages_alloc(BLK_PAGES);
		char why[160];
		int e;

		if (!b)
			return -ENOMEM;
		why[0] = 0;
		e = blk_open(d, &b->be, why, sizeof(why));
		if (e) {
			host_pages_free((u64)(uintptr_t)b, BLK_PAGES);
			fmt_snprintf(err, errlen, "line %u: disk %u: %s", d->line, i,
				     why[0] ? why : err_name(e));
			return e;
		}
		if (b->be.read_only && !d->readonly) {
			fmt_snprintf(err, errlen, "line %u: disk %s is read-only: add 'ro' to use it",
				     d->line, b->be.name);
			blk_free(b);
			return -EROFS;
		}
		b->be.read_only |= d->readonly;
		b->discard = d->discard;
		b->writethrough = d->writethrough;
		str_copy(b->serial, d->serial, sizeof(b->serial));
		b->bounce = (u8 *)(uintptr_t)host_pages_alloc(BOUNCE_PAGES);
		e = b->bounce ? virtio_pci_create(vm, PCI_DEVFN(VIRTIO_BLK_FIRST_SLOT + i, 0), &blk_ops,
						  b, virtio_blk_features(b), VIRTIO_BLK_QUEUE_SIZE,
						  NULL) : -ENOMEM;
		if (e) {
			fmt_snprintf(err, errlen, "line %u: disk %s: cannot create its device (%s)",
				     d->line, b->be.name, err_name(e));
			blk_free(b);
			return e;
		}
		log_printf(LOG_INFO, vm->name, "disk %u: %s, %llu sectors%s, PCI 00:%02x.0\n", i,
			   b->be.name, (unsigned long long)b->be.sectors,
			   b->be.read_only ? ", read-only" : "", VIRTIO_BLK_FIRST_SLOT + i);
	}
	return 0;
}
