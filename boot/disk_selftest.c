/* selftest = disk: opens each firmware-hosted disk of the configuration through its back-end,
 * writes patterns at the start, across the middle and at the end, flushes, reads them back,
 * closes, reopens and reads again.  The patterns stay on the disk (so the test harness can
 * check the image files afterwards): use scratch images only. */
#include "boot/disk_selftest.h"
#include "devices/virtio/blk_backend.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define ST_MAX_SECTORS 128u	/* the largest region: 64 KiB */
#define ST_BUF_PAGES (ST_MAX_SECTORS * BLK_SECTOR_SIZE / PAGE_SIZE)

struct region {
	u64 sector, count;
};

struct st {
	u32 passed, failed;
	u8 *buf;
};

u8 disk_selftest_pattern(u64 pos)
{
	/* A multiplicative hash of the offset: every sector differs, shifted data shows. */
	return (u8)(((u32)pos * 0x9e3779b1u) >> 24);
}

static void st_check(struct st *st, const char *disk, const char *what, bool ok, int err)
{
	if (ok) {
		st->passed++;
		log_info("disk selftest: PASS: %s: %s\n", disk, what);
	} else {
		st->failed++;
		log_err("disk selftest: FAIL: %s: %s (%s)\n", disk, what, err ? err_name(err) : "data differ");
	}
}

static void fill(u8 *buf, const struct region *r)
{
	for (u64 i = 0; i < r->count * BLK_SECTOR_SIZE; i++)
		buf[i] = disk_selftest_pattern(r->sector * BLK_SECTOR_SIZE + i);
}

static bool holds_pattern(const u8 *buf, const struct region *r)
{
	for (u64 i = 0; i < r->count * BLK_SECTOR_SIZE; i++)
		if (buf[i] != disk_selftest_pattern(r->sector * BLK_SECTOR_SIZE + i))
			return false;
	return true;
}

/* Start, an odd-sized piece across the middle (misaligned for 4 KiB blocks), the end. */
static u32 regions_of(u64 sectors, struct region r[3])
{
	u32 n = 0;

	r[n++] = (struct region){ 0, sectors < ST_MAX_SECTORS ? sectors : ST_MAX_SECTORS };
	if (sectors >= 2 * ST_MAX_SECTORS + 8) {
		r[n++] = (struct region){ sectors / 2 - 1, 3 };
		r[n++] = (struct region){ sectors - 8, 8 };
	}
	return n;
}

static void read_all(struct st *st, struct blk_backend *b, const struct region *r, u32 n,
		     const char *when)
{
	char what[80];

	for (u32 i = 0; i < n; i++) {
		int err;

		memset(st->buf, 0, r[i].count * BLK_SECTOR_SIZE);
		err = b->ops->read(b, r[i].sector, st->buf, r[i].count * BLK_SECTOR_SIZE);
		fmt_snprintf(what, sizeof(what), "pattern at sector %llu (%llu sectors) %s",
			     (unsigned long long)r[i].sector, (unsigned long long)r[i].count, when);
		st_check(st, b->name, what, !err && holds_pattern(st->buf, &r[i]), err);
	}
}

static void test_read_only(struct st *st, struct blk_backend *b)
{
	int err = b->ops->read(b, 0, st->buf, BLK_SECTOR_SIZE);

	st_check(st, b->name, "first sector read", !err, err);
	err = b->ops->read(b, b->sectors - 1, st->buf, BLK_SECTOR_SIZE);
	st_check(st, b->name, "last sector read", !err, err);
	err = b->ops->write(b, 0, st->buf, BLK_SECTOR_SIZE);
	st_check(st, b->name, "write to a read-only disk refused", err < 0, 0);
}

static void test_disk(struct st *st, const struct cfg_vm *vm, const struct cfg_disk *d)
{
	struct blk_backend b;
	struct region r[3];
	char err[160], what[80];
	u32 n;
	int e;

	e = blk_backend_host_open(d, &b, err, sizeof(err));
	if (e) {
		log_info("disk selftest: [%s] line %u: refused: %s\n", vm->name, d->line, err);
		return;
	}
	log_info("disk selftest: [%s] %s: %llu sectors, %s\n", vm->name, b.name,
		 (unsigned long long)b.sectors, b.read_only ? "read-only" : "read-write");
	if (b.read_only) {
		test_read_only(st, &b);
		b.ops->close(&b);
		return;
	}
	n = regions_of(b.sectors, r);
	for (u32 i = 0; i < n; i++) {
		fill(st->buf, &r[i]);
		e = b.ops->write(&b, r[i].sector, st->buf, r[i].count * BLK_SECTOR_SIZE);
		fmt_snprintf(what, sizeof(what), "write %llu sectors at sector %llu",
			     (unsigned long long)r[i].count, (unsigned long long)r[i].sector);
		st_check(st, b.name, what, !e, e);
	}
	e = b.ops->flush(&b);
	st_check(st, b.name, "flush", !e, e);
	read_all(st, &b, r, n, "read back");
	/* One sector at a time through the first region: the same bytes as the large read. */
	for (u64 s = 0, bad = 0; s < r[0].count; s++) {
		struct region one = { s, 1 };

		e = b.ops->read(&b, s, st->buf, BLK_SECTOR_SIZE);
		if (e || !holds_pattern(st->buf, &one))
			bad++;
		if (s + 1 == r[0].count)
			st_check(st, b.name, "sector-by-sector reads", !bad, e);
	}
	b.ops->close(&b);
	e = blk_backend_host_open(d, &b, err, sizeof(err));
	st_check(st, d->target, "reopened", !e, e);
	if (e)
		return;
	read_all(st, &b, r, n, "after reopening");
	b.ops->close(&b);
}

void disk_selftest_run(const struct config *cfg)
{
	struct st st = { 0 };
	u32 disks = 0;

	st.buf = (u8 *)(uintptr_t)host_pages_alloc(ST_BUF_PAGES);
	if (!st.buf) {
		log_err("disk selftest: out of memory\n");
		return;
	}
	log_info("disk selftest: writes test patterns onto every file:, partuuid: and label: disk\n");
	for (u32 v = 0; v < cfg->vm_count; v++) {
		const struct cfg_vm *vm = &cfg->vms[v];

		if (!vm->valid)
			continue;
		for (u32 i = 0; i < vm->disk_count; i++) {
			if (vm->disks[i].source == CFG_DISK_MODULE || vm->disks[i].source == CFG_DISK_RAM)
				continue;
			disks++;
			test_disk(&st, vm, &vm->disks[i]);
		}
	}
	host_pages_free((u64)(uintptr_t)st.buf, ST_BUF_PAGES);
	log_info("disk selftest: SUMMARY: %u disk%s, %u passed, %u failed\n", disks,
		 disks == 1 ? "" : "s", st.passed, st.failed);
}
