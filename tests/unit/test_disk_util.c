/* Host unit test for the firmware-independent disk helpers (host/uefi/disk_util.c): GUID text,
 * name matching, firmware paths, and sector I/O on 512/4096-byte-block devices against a
 * reference model, with unaligned buffers and injected errors. */
// unit-deps: host/uefi/disk_util.c lib/string.c lib/errno.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "tests/unit/unit.h"
#include "host/uefi/disk_util.h"
#include "lib/errno.h"


static void test_guid(void)
{
	/* The GPT "Linux filesystem data" type GUID as it sits on disk. */
	static const u8 raw[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
				    0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };
	char text[DISK_GUID_TEXT];
	u8 back[16];

	disk_guid_format(raw, text);
	CHECK("guid: format", !strcmp(text, "0fc63daf-8483-4772-8e79-3d69d8477de4"));
	CHECK("guid: parse", !disk_guid_parse("0FC63DAF-8483-4772-8e79-3D69D8477DE4", back) &&
	      !memcmp(back, raw, 16));
	memset(back, 0x55, sizeof(back));
	CHECK("guid: short refused", disk_guid_parse("0fc63daf-8483-4772-8e79-3d69d8477de", back) == -EINVAL);
	CHECK("guid: long refused", disk_guid_parse("0fc63daf-8483-4772-8e79-3d69d8477de44", back) == -EINVAL);
	CHECK("guid: dash missing", disk_guid_parse("0fc63daf08483-4772-8e79-3d69d8477de4", back) == -EINVAL);
	CHECK("guid: bad digit", disk_guid_parse("0fc63dag-8483-4772-8e79-3d69d8477de4", back) == -EINVAL);
	CHECK("guid: empty", disk_guid_parse("", back) == -EINVAL);
	CHECK("guid: half byte at end", disk_guid_parse("0fc63daf-8483-4772-8e79-3d69d8477d", back) == -EINVAL);
	CHECK("guid: output untouched on error", back[0] == 0x55 && back[15] == 0x55);
	for (int i = 0; i < 256; i++) {
		u8 g[16], h[16];

		for (int k = 0; k < 16; k++)
			g[k] = (u8)(rand() & 0xff);
		disk_guid_format(g, text);
		if (disk_guid_parse(text, h) || memcmp(g, h, 16)) {
			CHECK("guid: round trip", false);
			return;
		}
	}
	CHECK("guid: 256 random round trips", true);
}

static void u16s(u16 *out, const char *s)
{
	while ((*out++ = (u8)*s++))
		;
}

static void test_names(void)
{
	u16 n[40], p[10];

	u16s(n, "MHDATA     ");
	CHECK("name: FAT padding ignored", disk_name_match("MHDATA", n, 40));
	CHECK("name: case ignored", disk_name_match("mhData", n, 40));
	CHECK("name: prefix is no match", !disk_name_match("MHDAT", n, 40));
	CHECK("name: longer is no match", !disk_name_match("MHDATA2", n, 40));
	u16s(n, "");
	CHECK("name: empty never matches", !disk_name_match("", n, 40) && !disk_name_match("A", n, 40));
	u16s(n, "My Data");
	CHECK("name: inner blank", disk_name_match("my data", n, 40));
	n[2] = 0x00e9;	/* not ASCII: compared as it is */
	CHECK("name: non-ASCII unit not folded", !disk_name_match("my Data", n, 40));
	u16s(n, "ABCDEFG");
	CHECK("name: bounded by max (no NUL)", disk_name_match("ABC", n, 3) && !disk_name_match("ABCD", n, 3));

	CHECK("path: converted", !disk_path_to_firmware("/vm/a.img", p, 10) && p[0] == '\\' &&
	      p[3] == '\\' && p[4] == 'a' && p[9] == 0);
	CHECK("path: too long", disk_path_to_firmware("/vm/ab.img", p, 10) == -ENAMETOOLONG);
	CHECK("path: no room at all", disk_path_to_firmware("", p, 0) == -ENAMETOOLONG);
}

/* A fake device: block_size-byte blocks in memory, counting calls and refusing misuse. */
struct fake {
	u8 *data;
	u64 blocks;
	u32 bs, align;
	int fail_after;		/* xfer calls left before one fails; -1 never */
	unsigned calls, misuse;
};

static int fake_xfer(void *ctx, u64 lba, void *buf, u64 bytes, bool write)
{
	struct fake *f = ctx;

	f->calls++;
	if (bytes % f->bs || !bytes || lba + bytes / f->bs > f->blocks ||
	    (f->align > 1 && (uintptr_t)buf % f->align)) {
		f->misuse++;
		return -EINVAL;
	}
	if (f->fail_after >= 0 && f->fail_after-- == 0)
		return -EIO;
	if (write)
		memcpy(f->data + lba * f->bs, buf, bytes);
	else
		memcpy(buf, f->data + lba * f->bs, bytes);
	return 0;
}

static void test_blocks_geometry(void)
{
	static u8 bounce[8192] __attribute__((aligned(4096)));
	struct disk_blocks d = { .block_size = 4096, .bounce = bounce, .bounce_size = 8192 };

	CHECK("geometry: 4096 ok", !disk_blocks_check(&d));
	d.block_size = 1000;
	CHECK("geometry: not a power of two", disk_blocks_check(&d) == -EINVAL);
	d.block_size = 256;
	CHECK("geometry: below 512", disk_blocks_check(&d) == -EINVAL);
	d.block_size = 16384;
	CHECK("geometry: bounce smaller than a block", disk_blocks_check(&d) == -EINVAL);
	d.block_size = 512;
	d.align = 3;
	CHECK("geometry: odd alignment", disk_blocks_check(&d) == -EINVAL);
	d.align = 8;
	d.bounce = bounce + 4;
	CHECK("geometry: misaligned bounce", disk_blocks_check(&d) == -EINVAL);
	CHECK("sectors: 512", disk_blocks_sectors(512, 99) == 100);
	CHECK("sectors: 4096", disk_blocks_sectors(4096, 9) == 80);
	CHECK("sectors: last_lba all ones", disk_blocks_sectors(512, ~0ULL) == 0);
	CHECK("sectors: saturates", disk_blocks_sectors(65536, ~0ULL - 1) % 128 == 0);
}

/* Random requests against the fake and a plain byte-array model of the same disk. */
static void blocks_random(u32 bs, u32 align, u64 bounce_size)
{
	enum { DISK = 1 << 20 };
	struct fake f = { .bs = bs, .align = align, .blocks = DISK / bs, .fail_after = -1 };
	u8 *model = malloc(DISK), *buf = malloc(65536 + 64), *bounce = aligned_alloc(4096, bounce_size);
	struct disk_blocks d = { .ctx = &f, .block_size = bs, .align = align, .bounce = bounce,
				 .bounce_size = bounce_size, .xfer = fake_xfer };
	bool ok = true;
	char name[96];
	int i;

	f.data = malloc(DISK);
	for (i = 0; i < DISK; i++)
		model[i] = f.data[i] = (u8)(i * 7 + i / 4096);
	snprintf(name, sizeof(name), "blocks %u/align %u/bounce %llu: geometry", bs, align,
		 (unsigned long long)bounce_size);
	CHECK(name, !disk_blocks_check(&d));
	for (i = 0; i < 3000 && ok; i++) {
		u64 sectors = 1 + rand() % 128, sector = rand() % (DISK / 512 - sectors + 1);
		u64 len = sectors * 512;
		u8 *p = buf + rand() % 64;
		bool write = rand() & 1;

		if (write) {
			for (u64 k = 0; k < len; k++)
				p[k] = (u8)rand();
			memcpy(model + sector * 512, p, len);
		}
		if (disk_blocks_rw(&d, sector, p, len, write))
			ok = false;
		else if (!write && memcmp(p, model + sector * 512, len))
			ok = false;
	}
	snprintf(name, sizeof(name), "blocks %u/align %u/bounce %llu: 3000 random requests match the model",
		 bs, align, (unsigned long long)bounce_size);
	CHECK(name, ok && !f.misuse && !memcmp(f.data, model, DISK));

	/* An error from the device is returned, not hidden. */
	f.fail_after = 0;
	snprintf(name, sizeof(name), "blocks %u: write error returned", bs);
	CHECK(name, disk_blocks_rw(&d, 1, buf, 1024, true) == -EIO);
	f.fail_after = 0;
	snprintf(name, sizeof(name), "blocks %u: read error returned", bs);
	CHECK(name, disk_blocks_rw(&d, 3, buf, 512, false) == -EIO);
	/* A partial 4 KiB block is read, patched, written: the write (second call) fails. */
	if (bs > 512) {
		f.fail_after = 1;
		snprintf(name, sizeof(name), "blocks %u: error on a later piece returned", bs);
		CHECK(name, disk_blocks_rw(&d, 1, buf + 1, 3 * 512, true) == -EIO);
	}
	free(model);
	free(buf);
	free(bounce);
	free(f.data);
}

static void test_blocks_direct(void)
{
	static u8 bounce[4096] __attribute__((aligned(4096)));
	static u8 buf[16384] __attribute__((aligned(4096)));
	static u8 data[1 << 16];
	struct fake f = { .data = data, .bs = 4096, .align = 512, .blocks = 16, .fail_after = -1 };
	struct disk_blocks d = { .ctx = &f, .block_size = 4096, .align = 512, .bounce = bounce,
				 .bounce_size = sizeof(bounce), .xfer = fake_xfer };

	CHECK("direct: aligned 16 KiB is one call", !disk_blocks_rw(&d, 8, buf, 16384, true) && f.calls == 1);
	f.calls = 0;
	CHECK("direct: one sector write reads then writes its block",
	      !disk_blocks_rw(&d, 9, buf, 512, true) && f.calls == 2);
	f.calls = 0;
	CHECK("direct: whole-block write through bounce needs no read",
	      !disk_blocks_rw(&d, 8, buf + 1, 4096, true) && f.calls == 1);
}

int main(void)
{
	srand(1);
	test_guid();
	test_names();
	test_blocks_geometry();
	blocks_random(512, 0, 4096);
	blocks_random(512, 512, 65536);
	blocks_random(4096, 0, 4096);
	blocks_random(4096, 4096, 65536);
	blocks_random(4096, 16, 8192);
	test_blocks_direct();
	return unit_summary();
}
