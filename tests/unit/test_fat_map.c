/* Host unit test for the FAT extent map (host/uefi/fat_map.c): real FAT12/16/32 volumes made
 * by mkfs.vfat and mtools at test time, every byte of each file read back through its map, and
 * damaged volumes (BPB fields, chains, directories, sizes, random bytes), which must give an
 * error without a read outside the volume. */
// unit-deps: host/uefi/fat_map.c lib/string.c lib/errno.c
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tests/unit/unit.h"
#include "host/uefi/fat_map.h"
#include "lib/errno.h"

#define EXT_CAP 4096

/* A volume image: in memory (small ones, which the hostile cases modify) or a sparse file. */
struct img {
	u8 *mem;
	int fd;
	u64 size;
	unsigned reads, misuse;
};

static char workdir[] = "/tmp/test_fat_map.XXXXXX";
static u8 scratch[FAT_MAP_SCRATCH_BYTES];
static struct fat_extent ext[EXT_CAP];

static int img_read(void *ctx, u64 off, void *buf, u32 len)
{
	struct img *im = ctx;

	im->reads++;
	if (off % 512 || len % 512 || !len || len > 4096 || off > im->size || len > im->size - off) {
		im->misuse++;
		return -EIO;
	}
	if (im->mem) {
		memcpy(buf, im->mem + off, len);
		return 0;
	}
	return pread(im->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd)) {
		fprintf(stderr, "command failed: %s\n", cmd);
		exit(2);
	}
}

static u8 *slurp(const char *path, u64 *size)
{
	FILE *f = fopen(path, "rb");
	u8 *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(n ? n : 1);
	if (fread(p, 1, n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*size = n;
	return p;
}

/* A random file of bytes bytes at workdir/name. */
static void random_file(const char *name, u64 bytes)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", workdir, name);
	f = fopen(path, "wb");
	for (u64 i = 0; i < bytes; i++)
		fputc(rand() & 0xff, f);
	fclose(f);
}

/* A fresh volume of kib KiB made by mkfs.vfat with opts. */
static void mkvol(const char *name, u64 kib, const char *opts)
{
	sh("cd %s && rm -f %s && truncate -s %lluK %s && mkfs.vfat %s %s >/dev/null", workdir,
	   name, (unsigned long long)kib, name, opts, name);
}

static void put(const char *vol, const char *src, const char *dest)
{
	sh("cd %s && mcopy -o -i %s %s '::%s'", workdir, vol, src, dest);
}

static int build(struct img *im, const char *path, struct fat_map *m, u32 cap)
{
	struct fat_map_volume v = { .read = img_read, .ctx = im, .bytes = im->size, .scratch = scratch };

	m->ext = ext;
	m->capacity = cap;
	return fat_map_build(m, &v, path);
}

static struct img open_img(const char *name, bool in_memory)
{
	struct img im = { .fd = -1 };
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", workdir, name);
	if (in_memory) {
		im.mem = slurp(path, &im.size);
	} else {
		im.fd = open(path, O_RDONLY);
		fstat(im.fd, &st);
		im.size = st.st_size;
	}
	return im;
}

static void close_img(struct img *im)
{
	free(im->mem);
	if (im->fd >= 0)
		close(im->fd);
}

static int img_byte(const struct img *im, u64 off)
{
	u8 c;

	if (off >= im->size)
		return -1;
	if (im->mem)
		return im->mem[off];
	return pread(im->fd, &c, 1, (off_t)off) == 1 ? c : -1;
}

/* Every byte of the file through the map, against the source, and locate() at odd offsets. */
static bool map_matches(struct img *im, const struct fat_map *m, const char *src, char *why, size_t wl)
{
	char path[256];
	u64 size;
	u8 *want, *got;
	bool ok = true;

	snprintf(path, sizeof(path), "%s/%s", workdir, src);
	want = slurp(path, &size);
	if (!want || size != m->size) {
		snprintf(why, wl, "size %llu, map says %llu", (unsigned long long)size,
			 (unsigned long long)m->size);
		free(want);
		return false;
	}
	got = calloc(1, size + 1);
	for (u32 i = 0; i < m->count; i++) {
		const struct fat_extent *x = &m->ext[i];

		if (x->file_off + x->len > size || (i && x->file_off != m->ext[i - 1].file_off + m->ext[i - 1].len)) {
			snprintf(why, wl, "extent %u out of order", i);
			ok = false;
			break;
		}
		if (im->mem)
			memcpy(got + x->file_off, im->mem + x->vol_off, x->len);
		else if (pread(im->fd, got + x->file_off, x->len, (off_t)x->vol_off) != (ssize_t)x->len)
			ok = false;
	}
	if (ok && memcmp(got, want, size)) {
		snprintf(why, wl, "bytes differ");
		ok = false;
	}
	for (u64 off = 0; ok && off < size; off += 4093) {
		u64 vo, n;

		if (fat_map_locate(m, off, &vo, &n) || !n || off + n > size || img_byte(im, vo) != want[off]) {
			snprintf(why, wl, "locate(%llu) wrong", (unsigned long long)off);
			ok = false;
		}
	}
	if (ok && fat_map_locate(m, size, &(u64){ 0 }, &(u64){ 0 }) != -ERANGE) {
		snprintf(why, wl, "locate past the end accepted");
		ok = false;
	}
	free(want);
	free(got);
	return ok;
}

static void check_file(const char *what, struct img *im, const char *path, const char *src,
		       u8 bits, u32 cluster, bool want_fragmented)
{
	struct fat_map m;
	char name[160], why[96] = "";
	int r = build(im, path, &m, EXT_CAP);

	snprintf(name, sizeof(name), "%s: %s mapped", what, path);
	CHECK_INT(name, r, 0);
	if (r)
		return;
	snprintf(name, sizeof(name), "%s: FAT%u, %u-byte clusters", what, bits, cluster);
	CHECK(name, m.fat_bits == bits && m.cluster_bytes == cluster);
	snprintf(name, sizeof(name), "%s: %s read through the map equals the source (%u extents)",
		 what, path, m.count);
	unit_check(map_matches(im, &m, src, why, sizeof(why)), name, "%s", why);
	if (want_fragmented) {
		snprintf(name, sizeof(name), "%s: %s is fragmented", what, path);
		unit_check(m.count > 1, name, "%u extents", m.count);
	}
	snprintf(name, sizeof(name), "%s: no read outside the volume", what);
	CHECK_INT(name, im->misuse, 0);
}

static void test_fat12(void)
{
	struct img im;
	struct fat_map m;

	mkvol("f12.img", 2048, "-F 12 -s 1 -n F12");
	random_file("a.bin", 70000);
	random_file("b.bin", 1536);
	sh("cd %s && mmd -i f12.img '::/Linux Images' '::/Linux Images/nested dir'", workdir);
	put("f12.img", "a.bin", "/Linux Images/nested dir/Disk Image With A Long Name.img");
	put("f12.img", "b.bin", "/SHORT.IMG");
	im = open_img("f12.img", true);
	check_file("FAT12", &im, "/Linux Images/nested dir/Disk Image With A Long Name.img", "a.bin",
		   12, 512, false);
	check_file("FAT12 any case", &im, "/linux images/NESTED DIR/disk image with a long name.IMG",
		   "a.bin", 12, 512, false);
	check_file("FAT12 8.3 alias", &im, "/LINUXI~1/NESTED~1/DISKIM~1.IMG", "a.bin", 12, 512, false);
	check_file("FAT12 8.3", &im, "short.img", "b.bin", 12, 512, false);
	check_file("FAT12 empty components", &im, "//SHORT.IMG", "b.bin", 12, 512, false);
	CHECK_INT("FAT12: missing file", build(&im, "/Linux Images/nope.img", &m, EXT_CAP), -ENOENT);
	CHECK_INT("FAT12: prefix of a long name is no match",
		  build(&im, "/Linux Images/nested dir/Disk Image", &m, EXT_CAP), -ENOENT);
	CHECK_INT("FAT12: file used as a directory", build(&im, "/SHORT.IMG/x", &m, EXT_CAP), -ENOENT);
	CHECK_INT("FAT12: directory is not a file", build(&im, "/Linux Images", &m, EXT_CAP), -EINVAL);
	CHECK_INT("FAT12: empty path", build(&im, "/", &m, EXT_CAP), -EINVAL);
	CHECK_INT("FAT12: dot-dot refused", build(&im, "/Linux Images/../SHORT.IMG", &m, EXT_CAP), -EINVAL);
	close_img(&im);
}

/* Many small files, every other one deleted, then a big one into the holes. */
static void fragment(const char *vol, int n)
{
	char name[32];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "s%d.bin", i);
		random_file(name, 1000 + (u64)(rand() % 3000));
		sh("cd %s && mcopy -i %s %s ::/s%d", workdir, vol, name, i);
	}
	for (int i = 0; i < n; i += 2)
		sh("cd %s && mdel -i %s ::/s%d", workdir, vol, i);
}

/* mtools allocates from FAT32's FSInfo next-free hint, past the holes: point it at the start. */
static void forget_next_free(const char *vol)
{
	char path[256];
	u8 b[512], one[4] = { 2, 0, 0, 0 };
	int fd;

	snprintf(path, sizeof(path), "%s/%s", workdir, vol);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, b, 512, 0) != 512 ||
	    pwrite(fd, one, 4, (off_t)(b[48] | b[49] << 8) * (b[11] | b[12] << 8) + 492) != 4)
		fprintf(stderr, "cannot reset the FSInfo hint of %s\n", vol);
	if (fd >= 0)
		close(fd);
}

static void test_fat16(void)
{
	struct img im;
	struct fat_map m;
	int r;

	mkvol("f16.img", 16384, "-F 16 -s 1 -n F16");
	fragment("f16.img", 24);
	random_file("frag.bin", 200000);
	put("f16.img", "frag.bin", "/frag.img");
	im = open_img("f16.img", true);
	check_file("FAT16 512 B clusters", &im, "/FRAG.IMG", "frag.bin", 16, 512, true);
	r = build(&im, "/frag.img", &m, 1);
	CHECK_INT("FAT16: more extents than room: -ENOSPC", r, -ENOSPC);
	close_img(&im);

	mkvol("f16k.img", 65536, "-F 16 -s 8");
	random_file("c.bin", 300000);
	sh("cd %s && mmd -i f16k.img ::/a ::/a/b ::/a/b/c", workdir);
	put("f16k.img", "c.bin", "/a/b/c/deep.img");
	im = open_img("f16k.img", true);
	check_file("FAT16 4 KiB clusters", &im, "/a/b/c/deep.img", "c.bin", 16, 4096, false);
	close_img(&im);

	mkvol("f16s.img", 65536, "-F 16 -S 4096 -s 1");
	put("f16s.img", "c.bin", "/sector4k.img");
	im = open_img("f16s.img", true);
	check_file("FAT16 4 KiB sectors", &im, "/sector4k.img", "c.bin", 16, 4096, false);
	close_img(&im);
}

static void test_fat32(void)
{
	struct img im;

	mkvol("f32.img", 40 << 10, "-F 32 -s 1 -n F32");
	fragment("f32.img", 40);
	forget_next_free("f32.img");
	random_file("frag32.bin", 333333);
	sh("cd %s && mmd -i f32.img ::/linux", workdir);
	put("f32.img", "frag32.bin", "/linux/disk.img");
	im = open_img("f32.img", true);
	check_file("FAT32 512 B clusters", &im, "/linux/disk.img", "frag32.bin", 32, 512, true);
	close_img(&im);

	/* FAT32 needs 65,525 clusters: 256 MiB of 4 KiB ones, a sparse file read with pread. */
	mkvol("f32k.img", 260 << 10, "-F 32 -s 8");
	random_file("big.bin", 3 << 20);
	sh("cd %s && mmd -i f32k.img ::/linux", workdir);
	put("f32k.img", "big.bin", "/linux/Big Disk.img");
	im = open_img("f32k.img", false);
	check_file("FAT32 4 KiB clusters", &im, "/linux/big disk.img", "big.bin", 32, 4096, false);
	close_img(&im);
}

/* ---- damaged volumes ---- */

struct geo {
	u32 bps, spc, fat_off, fat_bytes, data_off, bits;
};

static struct geo geometry(const u8 *b)
{
	struct geo g;
	u32 fat_sz = b[22] | b[23] << 8, root = (b[17] | b[18] << 8) * 32u;

	g.bps = b[11] | b[12] << 8;
	g.spc = b[13];
	if (!fat_sz)
		fat_sz = b[36] | b[37] << 8 | b[38] << 16 | (u32)b[39] << 24;
	g.fat_off = (b[14] | b[15] << 8) * g.bps;
	g.fat_bytes = fat_sz * g.bps;
	g.data_off = g.fat_off + b[16] * g.fat_bytes + (root + g.bps - 1) / g.bps * g.bps;
	g.bits = root ? 16 : 32;	/* what these tests use */
	return g;
}

static void set_fat(u8 *img, const struct geo *g, u32 c, u32 val)
{
	u8 *p = img + g->fat_off + c * (g->bits / 8);

	p[0] = val & 0xff;
	p[1] = (val >> 8) & 0xff;
	if (g->bits == 32) {
		p[2] = (val >> 16) & 0xff;
		p[3] = (val >> 24) & 0x0f;
	}
}

static u32 cluster_of(const struct geo *g, u64 vol_off)
{
	return (u32)((vol_off - g->data_off) / (g->bps * g->spc) + 2);
}

/* The directory entry whose 8.3 name is name11 (first match in the image). */
static u8 *find_entry(u8 *img, u64 size, const char *name11)
{
	for (u64 off = 0; off + 32 <= size; off += 32)
		if (!memcmp(img + off, name11, 11))
			return img + off;
	return NULL;
}

static int damaged(const u8 *orig, u64 size, const char *path, void (*harm)(u8 *, const struct geo *, void *),
		   void *arg, unsigned *misuse)
{
	struct img im = { .fd = -1, .size = size };
	struct fat_map m;
	struct geo g;
	int r;

	im.mem = malloc(size);
	memcpy(im.mem, orig, size);
	g = geometry(orig);
	harm(im.mem, &g, arg);
	r = build(&im, path, &m, EXT_CAP);
	*misuse += im.misuse;
	free(im.mem);
	return r;
}

struct field {
	u32 off, len;
	u32 val;
};

static void harm_field(u8 *img, const struct geo *g, void *arg)
{
	const struct field *f = arg;

	(void)g;
	for (u32 i = 0; i < f->len; i++)
		img[f->off + i] = (u8)(f->val >> (8 * i));
}

/* The file's first cluster and the one after (chains in these tests run through both). */
static u32 first_cluster;

static void harm_loop(u8 *img, const struct geo *g, void *arg)
{
	(void)arg;
	set_fat(img, g, first_cluster + 1, first_cluster);
}

static void harm_self_loop(u8 *img, const struct geo *g, void *arg)
{
	(void)arg;
	set_fat(img, g, first_cluster, first_cluster);
}

static void harm_past_volume(u8 *img, const struct geo *g, void *arg)
{
	(void)arg;
	set_fat(img, g, first_cluster, g->bits == 32 ? 0x0ffffff0 : 0xfff0);
}

static void harm_free(u8 *img, const struct geo *g, void *arg)
{
	(void)arg;
	set_fat(img, g, first_cluster + 1, 0);
}

static void harm_bad(u8 *img, const struct geo *g, void *arg)
{
	(void)arg;
	set_fat(img, g, first_cluster + 1, g->bits == 32 ? 0x0ffffff7 : 0xfff7);
}

static void harm_truncated(u8 *img, const struct geo *g, void *arg)
{
	(void)arg;
	set_fat(img, g, first_cluster + 1, g->bits == 32 ? 0x0fffffff : 0xffff);
}

static u64 img_size;

static void harm_size(u8 *img, const struct geo *g, void *arg)
{
	u8 *e = find_entry(img, img_size, "LOOPED  IMG");
	u32 v = *(u32 *)arg;

	(void)g;
	if (e)
		memcpy(e + 28, &v, 4);
}

/* The directory /many (several clusters): its second, full, cluster chained back to its
 * first, so no end-of-directory entry is ever reached. */
static u32 dir_first, dir_second;

static void harm_dir_loop(u8 *img, const struct geo *g, void *arg)
{
	(void)arg;
	set_fat(img, g, dir_second, dir_first);
}

static void harm_lfn_checksum(u8 *img, const struct geo *g, void *arg)
{
	u8 *e = find_entry(img, img_size, "LONGNA~1IMG");

	(void)g;
	(void)arg;
	if (e)
		e[0] = 'M';		/* the long name's checksum no longer fits */
}

static void test_hostile_on(const char *vol, const char *what, u32 bits)
{
	static const struct { const char *name; u32 off, len, val; int want; } fields[] = {
		{ "no 0x55aa signature", 510, 2, 0, -EINVAL },
		{ "bytes per sector 0", 11, 2, 0, -EINVAL },
		{ "bytes per sector 768", 11, 2, 768, -EINVAL },
		{ "bytes per sector 256", 11, 2, 256, -EINVAL },
		{ "bytes per sector 8192", 11, 2, 8192, -EINVAL },
		{ "sectors per cluster 0", 13, 1, 0, -EINVAL },
		{ "sectors per cluster 3", 13, 1, 3, -EINVAL },
		{ "reserved sectors 0", 14, 2, 0, -EINVAL },
		{ "no FATs", 16, 1, 0, -EINVAL },
		{ "total sectors 0", 19, 2, 0, -EINVAL },
		{ "total sectors past the volume", 32, 4, 0x7fffffff, -EINVAL },
		{ "reserved sectors cover the volume", 14, 2, 0xffff, -EINVAL },
	};
	char name[160], src[256];
	unsigned misuse = 0;
	u64 size;
	u8 *orig;
	struct img im;
	struct fat_map m;
	struct geo g;

	snprintf(src, sizeof(src), "%s/%s", workdir, vol);
	orig = slurp(src, &size);
	img_size = size;
	g = geometry(orig);
	im = (struct img){ .mem = orig, .fd = -1, .size = size };
	if (build(&im, "/looped.img", &m, EXT_CAP) || m.count != 1) {
		CHECK("hostile: the undamaged file maps to one extent", false);
		free(orig);
		return;
	}
	first_cluster = cluster_of(&g, m.ext[0].vol_off);
	CHECK_INT("hostile: undamaged many/ lookup misses cleanly", build(&im, "/many/none", &m, EXT_CAP), -ENOENT);
	build(&im, "/many/f0", &m, EXT_CAP);

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		struct field f = { fields[i].off, fields[i].len, fields[i].val };

		/* FAT32 keeps its sector count in the 32-bit field, FAT16 (these sizes) in the 16-bit one. */
		if (f.off == 19 && bits == 32) {
			f.off = 32;
			f.len = 4;
		}
		if (f.off == 32 && bits == 16 && fields[i].off == 32) {
			f.off = 19;
			f.len = 2;
			f.val = 0xffff;
		}
		snprintf(name, sizeof(name), "%s: %s", what, fields[i].name);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_field, &f, &misuse), fields[i].want);
	}
	if (bits == 32) {
		struct field active = { 40, 2, 0x85 }, root = { 44, 4, 0 }, root_far = { 44, 4, 0x7fffffff },
			     ver = { 42, 2, 1 }, fat16_size = { 22, 2, 8 };

		snprintf(name, sizeof(name), "%s: active FAT beyond the FAT count", what);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_field, &active, &misuse), -EINVAL);
		snprintf(name, sizeof(name), "%s: root cluster 0", what);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_field, &root, &misuse), -EINVAL);
		snprintf(name, sizeof(name), "%s: root cluster past the volume", what);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_field, &root_far, &misuse), -EINVAL);
		snprintf(name, sizeof(name), "%s: unknown FAT32 version", what);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_field, &ver, &misuse), -EINVAL);
		snprintf(name, sizeof(name), "%s: FAT32 with a 16-bit FAT size", what);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_field, &fat16_size, &misuse), -EINVAL);
	} else {
		struct field no_root = { 17, 2, 0 };

		snprintf(name, sizeof(name), "%s: no root directory entries", what);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_field, &no_root, &misuse), -EINVAL);
	}

	snprintf(name, sizeof(name), "%s: chain loops back", what);
	CHECK_INT(name, damaged(orig, size, "/looped.img", harm_loop, NULL, &misuse), -EINVAL);
	snprintf(name, sizeof(name), "%s: cluster chained to itself", what);
	CHECK_INT(name, damaged(orig, size, "/looped.img", harm_self_loop, NULL, &misuse), -EINVAL);
	snprintf(name, sizeof(name), "%s: chain points past the volume", what);
	CHECK_INT(name, damaged(orig, size, "/looped.img", harm_past_volume, NULL, &misuse), -EINVAL);
	snprintf(name, sizeof(name), "%s: free cluster in the chain", what);
	CHECK_INT(name, damaged(orig, size, "/looped.img", harm_free, NULL, &misuse), -EINVAL);
	snprintf(name, sizeof(name), "%s: bad cluster in the chain", what);
	CHECK_INT(name, damaged(orig, size, "/looped.img", harm_bad, NULL, &misuse), -EINVAL);
	snprintf(name, sizeof(name), "%s: chain ends before the size", what);
	CHECK_INT(name, damaged(orig, size, "/looped.img", harm_truncated, NULL, &misuse), -EINVAL);
	for (u32 s = 0, sizes[] = { 0xffffffff, 0x7fffffff, 60000 }; s < ARRAY_SIZE(sizes); s++) {
		snprintf(name, sizeof(name), "%s: file size %u against its chain", what, sizes[s]);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_size, &sizes[s], &misuse), -EINVAL);
	}
	{
		u32 smaller = 100;

		snprintf(name, sizeof(name), "%s: a chain longer than the size is fine", what);
		CHECK_INT(name, damaged(orig, size, "/looped.img", harm_size, &smaller, &misuse), 0);
	}

	/* /many spans several clusters; its last cluster chained back to its first. */
	{
		u8 *e = find_entry(orig, size, "MANY       ");
		u32 c = e ? (u32)(e[26] | e[27] << 8 | (bits == 32 ? (e[20] | e[21] << 8) << 16 : 0)) : 0;
		u32 n = 0;

		dir_first = c;
		while (c >= 2 && n++ < 1000) {
			const u8 *p = orig + g.fat_off + c * (bits / 8);
			u32 next = bits == 32 ? (p[0] | p[1] << 8 | p[2] << 16 | (u32)(p[3] & 15) << 24)
					      : (u32)(p[0] | p[1] << 8);

			if (n == 2)
				dir_second = c;
			if (next >= (bits == 32 ? 0x0ffffff8u : 0xfff8u))
				break;
			c = next;
		}
		snprintf(name, sizeof(name), "%s: /many spans clusters", what);
		unit_check(e && n > 2, name, "%u clusters", n);
		snprintf(name, sizeof(name), "%s: directory chain loop", what);
		CHECK_INT(name, damaged(orig, size, "/many/none", harm_dir_loop, NULL, &misuse), -EINVAL);
	}
	snprintf(name, sizeof(name), "%s: long name with the wrong checksum is not used", what);
	CHECK_INT(name, damaged(orig, size, "/Long Name That Misses.img", harm_lfn_checksum, NULL, &misuse), -ENOENT);
	snprintf(name, sizeof(name), "%s: no read outside the volume", what);
	CHECK_INT(name, misuse, 0);

	/* Random damage to the metadata: an error or a map, never a crash or a stray read. */
	{
		u8 *copy = malloc(size);
		unsigned ok = 0, stray = 0;
		u64 meta = g.data_off + 64 * g.bps * g.spc;

		if (meta > size)
			meta = size;
		memcpy(copy, orig, size);
		for (int i = 0; i < 3000; i++) {
			struct img d = { .mem = copy, .fd = -1, .size = size };

			u64 at[8];
			int hits = 1 + rand() % 8;

			/* Only the bytes changed are restored: the copy is the volume's size. */
			for (int k = 0; k < hits; k++) {
				at[k] = (u64)rand() % (i & 1 ? 512 : meta);
				copy[at[k]] = (u8)rand();
			}
			if (!build(&d, i & 2 ? "/looped.img" : "/many/f3", &m, EXT_CAP)) {
				ok++;
				for (u32 x = 0; x < m.count; x++)
					if (m.ext[x].vol_off + m.ext[x].len > size)
						stray++;
			}
			stray += d.misuse;
			for (int k = 0; k < hits; k++)
				copy[at[k]] = orig[at[k]];
		}
		snprintf(name, sizeof(name), "%s: 3000 randomly damaged volumes (%u still map)", what, ok);
		CHECK_INT(name, stray, 0);
		free(copy);
	}
	free(orig);
}

static void make_hostile(const char *vol, u64 kib, const char *opts)
{
	mkvol(vol, kib, opts);
	random_file("looped.bin", 5000);
	put(vol, "looped.bin", "/looped.img");
	put(vol, "looped.bin", "/Long Name That Misses.img");
	sh("cd %s && mmd -i %s ::/many", workdir, vol);
	for (int i = 0; i < 40; i++)
		sh("cd %s && mcopy -i %s b.bin ::/many/f%d", workdir, vol, i);
}

static void test_hostile(void)
{
	make_hostile("h16.img", 8192, "-F 16 -s 1");
	test_hostile_on("h16.img", "damaged FAT16", 16);
	make_hostile("h32.img", 36 << 10, "-F 32 -s 1");
	test_hostile_on("h32.img", "damaged FAT32", 32);
}

int main(void)
{
	srand(1234);
	if (system("command -v mkfs.vfat >/dev/null && command -v mcopy >/dev/null")) {
		printf("SKIP: mkfs.vfat or mcopy missing (dosfstools, mtools: scripts/install-deps.sh)\n");
		return unit_summary();
	}
	if (!mkdtemp(workdir)) {
		perror("mkdtemp");
		return 2;
	}
	setenv("MTOOLS_SKIP_CHECK", "1", 1);
	test_fat12();
	test_fat16();
	test_fat32();
	test_hostile();
	sh("rm -rf %s", workdir);
	return unit_summary();
}
