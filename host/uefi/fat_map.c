/* FAT path lookup and cluster-chain extents (see fat_map.h).  Written from Microsoft's FAT
 * specification ("FAT: General Overview of On-Disk Format", fatgen103): section numbers below
 * refer to it. */
#include "host/uefi/fat_map.h"
#include "lib/errno.h"
#include "lib/string.h"

#define SECTOR_MAX 4096u
#define WINDOW_BYTES 4096u
#define DIRENT_BYTES 32u
#define DIR_MAX_ENTRIES 65536u		/* section 6: a directory holds at most 65,536 entries */
#define NAME_MAX_UNITS 255u
#define LFN_UNITS 13u			/* name characters in one long-name entry */

#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_LONG_NAME 0x0f		/* read-only | hidden | system | volume id */
#define ATTR_LONG_MASK 0x3f
#define LFN_LAST 0x40

struct vol {
	const struct fat_map_volume *src;
	u8 *sector;			/* SECTOR_MAX bytes */
	u8 *window;			/* WINDOW_BYTES of the active FAT */
	u64 win_start, win_len;		/* bytes of the FAT the window holds; win_len 0: none */
	u32 bps, spc, cluster_bytes;
	u64 fat_off, fat_bytes;		/* the active FAT */
	u64 root_off;			/* FAT12/16: the fixed root directory */
	u32 root_entries;
	u32 root_cluster;		/* FAT32 */
	u64 data_off;			/* cluster 2 */
	u32 clusters;			/* data clusters: 2 .. clusters + 1 are valid */
	u32 bad;			/* the BAD CLUSTER mark for this FAT type */
	u8 bits;
};

static u16 le16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static bool pow2(u64 v)
{
	return v && !(v & (v - 1));
}

static int vol_read(struct vol *v, u64 off, void *buf, u32 len)
{
	if (v->src->bytes && (off > v->src->bytes || len > v->src->bytes - off))
		return -EINVAL;
	return v->src->read(v->src->ctx, off, buf, len);
}

/* Section 3.1-3.5: the BPB, and the FAT type from the count of clusters alone. */
static int parse_bpb(struct vol *v)
{
	const u8 *b = v->sector;
	u32 bps, spc, rsvd, nfats, root_ents, fat_sz, tot_sec, root_secs, active = 0;
	u64 meta, data_secs, need;
	int err;

	err = vol_read(v, 0, v->sector, 512);
	if (err)
		return err;
	if (b[510] != 0x55 || b[511] != 0xaa)
		return -EINVAL;
	bps = le16(b + 11);
	spc = b[13];
	rsvd = le16(b + 14);
	nfats = b[16];
	root_ents = le16(b + 17);
	tot_sec = le16(b + 19) ? le16(b + 19) : le32(b + 32);
	fat_sz = le16(b + 22) ? le16(b + 22) : le32(b + 36);
	if (!pow2(bps) || bps < 512 || bps > SECTOR_MAX || !pow2(spc) || (u64)bps * spc > 65536)
		return -EINVAL;
	if (!rsvd || !nfats || !fat_sz || !tot_sec)
		return -EINVAL;
	root_secs = (root_ents * DIRENT_BYTES + bps - 1) / bps;
	meta = rsvd + (u64)nfats * fat_sz + root_secs;
	if (meta >= tot_sec)
		return -EINVAL;
	data_secs = tot_sec - meta;
	if (data_secs / spc < 1 || data_secs / spc > 0x0ffffff5)
		return -EINVAL;
	v->clusters = (u32)(data_secs / spc);
	if (v->clusters < 4085) {
		v->bits = 12;
		need = ((u64)v->clusters + 2) * 3 / 2 + 1;
	} else if (v->clusters < 65525) {
		v->bits = 16;
		need = ((u64)v->clusters + 2) * 2;
	} else {
		v->bits = 32;
		need = ((u64)v->clusters + 2) * 4;
	}
	/* FAT32 has no fixed root and its FAT size only in BPB_FATSz32; FAT12/16 the reverse. */
	if (v->bits == 32) {
		if (root_ents || le16(b + 22) || le16(b + 42))
			return -EINVAL;
		/* BPB_ExtFlags: bit 7 set means only the FAT numbered in bits 0-3 is in use. */
		if (le16(b + 40) & 0x80)
			active = le16(b + 40) & 0x0f;
		if (active >= nfats)
			return -EINVAL;
		v->root_cluster = le32(b + 44);
		if (v->root_cluster < 2 || v->root_cluster > v->clusters + 1)
			return -EINVAL;
	} else if (!root_ents || !le16(b + 22)) {
		return -EINVAL;
	}
	if ((u64)fat_sz * bps < need)
		return -EINVAL;
	if (v->src->bytes && (u64)tot_sec * bps > v->src->bytes)
		return -EINVAL;
	v->bps = bps;
	v->spc = spc;
	v->cluster_bytes = bps * spc;
	v->fat_bytes = (u64)fat_sz * bps;
	v->fat_off = (u64)rsvd * bps + active * v->fat_bytes;
	v->root_off = (rsvd + (u64)nfats * fat_sz) * bps;
	v->root_entries = root_ents;
	v->data_off = meta * bps;
	v->bad = v->bits == 12 ? 0xff7 : v->bits == 16 ? 0xfff7 : 0x0ffffff7;
	v->win_len = 0;
	return 0;
}

static bool cluster_ok(const struct vol *v, u32 c)
{
	return c >= 2 && c <= v->clusters + 1;
}

static u64 cluster_off(const struct vol *v, u32 c)
{
	return v->data_off + (u64)(c - 2) * v->cluster_bytes;
}

/* The FAT bytes at off .. off + len (len <= 2 past a 512-byte boundary) in the window. */
static int fat_bytes_at(struct vol *v, u64 off, u32 len, const u8 **p)
{
	int err;

	if (off + len > v->fat_bytes)
		return -EINVAL;
	if (!v->win_len || off < v->win_start || off + len > v->win_start + v->win_len) {
		u64 start = off & ~511ULL, n = v->fat_bytes - start;

		if (n > WINDOW_BYTES)
			n = WINDOW_BYTES;
		v->win_len = 0;
		err = vol_read(v, v->fat_off + start, v->window, (u32)n);
		if (err)
			return err;
		v->win_start = start;
		v->win_len = n;
		if (off + len > start + n)
			return -EINVAL;
	}
	*p = v->window + (off - v->win_start);
	return 0;
}

/* Section 4: cluster c's FAT entry (c already checked to be a data cluster). */
static int fat_next(struct vol *v, u32 c, u32 *next)
{
	const u8 *p;
	int err;

	switch (v->bits) {
	case 12:
		err = fat_bytes_at(v, c + c / 2, 2, &p);
		if (!err)
			*next = c & 1 ? le16(p) >> 4 : le16(p) & 0xfff;
		return err;
	case 16:
		err = fat_bytes_at(v, (u64)c * 2, 2, &p);
		if (!err)
			*next = le16(p);
		return err;
	default:
		err = fat_bytes_at(v, (u64)c * 4, 4, &p);
		if (!err)
			*next = le32(p) & 0x0fffffff;	/* the top 4 bits are reserved */
		return err;
	}
}

/* ---- directories ---- */

/* A directory's entries in order: the fixed root (cluster 0 on FAT12/16) or a cluster chain. */
struct dir_iter {
	u32 cluster;			/* current cluster; 0: the fixed root */
	u32 clusters_seen;
	u64 index;			/* entry number in the directory */
};

/* The entry at it->index into v->sector (returned in *e); 1 at the end of the directory. */
static int dir_entry(struct vol *v, struct dir_iter *it, const u8 **e)
{
	u32 per_sector = v->bps / DIRENT_BYTES, per_cluster = v->cluster_bytes / DIRENT_BYTES;
	u64 off;
	int err;

	if (it->index >= DIR_MAX_ENTRIES)
		return it->cluster ? -EINVAL : 1;
	if (!it->cluster) {
		if (it->index >= v->root_entries)
			return 1;
		off = v->root_off + it->index * DIRENT_BYTES;
	} else {
		if (it->index && !(it->index % per_cluster)) {
			u32 next;

			err = fat_next(v, it->cluster, &next);
			if (err)
				return err;
			if (next >= v->bad + 1)
				return 1;		/* end of chain */
			if (!cluster_ok(v, next) || ++it->clusters_seen > v->clusters)
				return -EINVAL;
			it->cluster = next;
		}
		off = cluster_off(v, it->cluster) + it->index % per_cluster * DIRENT_BYTES;
	}
	if (!(it->index % per_sector)) {
		err = vol_read(v, off - off % v->bps, v->sector, v->bps);
		if (err)
			return err;
	}
	*e = v->sector + off % v->bps;
	return 0;
}

static u8 upper(u8 c)
{
	return c >= 'a' && c <= 'z' ? (u8)(c - 'a' + 'A') : c;
}

/* Section 7: the checksum of an 8.3 name that its long-name entries carry. */
static u8 short_checksum(const u8 *name)
{
	u8 sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (u8)(((sum & 1) << 7) + (sum >> 1) + name[i]);
	return sum;
}

/* The 8.3 name in "NAME.EXT" form compared with want (len bytes), letters in any case. */
static bool short_name_is(const u8 *e, const char *want, size_t len)
{
	char name[13];
	size_t n = 0, base = 8, ext = 3;

	while (base && e[base - 1] == ' ')
		base--;
	while (ext && e[8 + ext - 1] == ' ')
		ext--;
	for (size_t i = 0; i < base; i++)
		name[n++] = (char)(i == 0 && e[0] == 0x05 ? 0xe5 : e[i]);	/* 0x05 stands for 0xe5 */
	if (ext) {
		name[n++] = '.';
		for (size_t i = 0; i < ext; i++)
			name[n++] = (char)e[8 + i];
	}
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (upper((u8)name[i]) != upper((u8)want[i]))
			return false;
	return true;
}

static bool long_name_is(const u16 *lfn, u32 units, const char *want, size_t len)
{
	u32 n = 0;

	while (n < units && lfn[n])
		n++;
	if (n != len)
		return false;
	for (u32 i = 0; i < n; i++) {
		u16 c = lfn[i];

		if (c > 0x7f ? c != (u8)want[i] : upper((u8)c) != upper((u8)want[i]))
			return false;
	}
	return true;
}

/* The pieces of the name in one long-name entry (section 7, "Long Directory Entries"). */
static const u8 lfn_offsets[LFN_UNITS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };

struct lfn_state {
	u16 units[NAME_MAX_UNITS + LFN_UNITS];
	u32 count;			/* units in a complete name, 0: none being assembled */
	u8 next_ord;			/* the ordinal the next entry must have */
	u8 checksum;
};

static void lfn_take(struct lfn_state *l, const u8 *e)
{
	u8 ord = e[0] & ~LFN_LAST, n = ord;

	if (e[0] & LFN_LAST) {
		/* The first physical entry carries the highest ordinal and starts a name. */
		l->count = 0;
		l->next_ord = 0;
		if (!n || n * LFN_UNITS > NAME_MAX_UNITS + LFN_UNITS)
			return;
		l->count = n * LFN_UNITS;
		l->checksum = e[13];
	} else if (!l->count || !ord || ord != l->next_ord || e[13] != l->checksum) {
		l->count = 0;
		l->next_ord = 0;
		return;
	}
	for (u32 i = 0; i < LFN_UNITS; i++)
		l->units[(ord - 1) * LFN_UNITS + i] = le16(e + lfn_offsets[i]);
	l->next_ord = (u8)(ord - 1);
}

/*
 * Finds name (len bytes) in the directory starting at cluster (0: the fixed root); *entry gets
 * a copy of its 8.3 entry.  0, -ENOENT, or an error.
 */
static int dir_find(struct vol *v, u32 cluster, const char *name, size_t len, u8 entry[32])
{
	struct dir_iter it = { .cluster = cluster };
	struct lfn_state l = { .count = 0 };
	const u8 *e;
	int r;

	for (;; it.index++) {
		r = dir_entry(v, &it, &e);
		if (r < 0)
			return r;
		if (r || e[0] == 0x00)
			return -ENOENT;		/* section 6: 0x00 ends the directory */
		if (e[0] == 0xe5) {
			l.count = 0;
			continue;
		}
		if ((e[11] & ATTR_LONG_MASK) == ATTR_LONG_NAME) {
			lfn_take(&l, e);
			continue;
		}
		if (e[11] & ATTR_VOLUME_ID) {
			l.count = 0;
			continue;
		}
		/* A long name counts only when complete and made for this very 8.3 entry. */
		if ((l.count && l.next_ord == 0 && l.checksum == short_checksum(e) &&
		     long_name_is(l.units, l.count, name, len)) || short_name_is(e, name, len)) {
			memcpy(entry, e, 32);
			return 0;
		}
		l.count = 0;
	}
}

static u32 entry_cluster(const struct vol *v, const u8 *e)
{
	/* DIR_FstClusHI is only meaningful on FAT32. */
	return (v->bits == 32 ? (u32)le16(e + 20) << 16 : 0) | le16(e + 26);
}

/* ---- extents ---- */

static void ext_swap(struct fat_extent *a, struct fat_extent *b)
{
	struct fat_extent t = *a;

	*a = *b;
	*b = t;
}

static u64 ext_key(const struct fat_extent *x, bool by_vol)
{
	return by_vol ? x->vol_off : x->file_off;
}

static void sift_down(struct fat_extent *x, size_t r, size_t n, bool by_vol)
{
	for (size_t c; (c = 2 * r + 1) < n; r = c) {
		if (c + 1 < n && ext_key(&x[c + 1], by_vol) > ext_key(&x[c], by_vol))
			c++;
		if (ext_key(&x[r], by_vol) >= ext_key(&x[c], by_vol))
			return;
		ext_swap(&x[r], &x[c]);
	}
}

/* Heap sort by vol_off or file_off: in place, O(n log n), no recursion, no memory. */
static void ext_sort(struct fat_extent *x, size_t n, bool by_vol)
{
	for (size_t s = n / 2; s-- > 0;)
		sift_down(x, s, n, by_vol);
	for (size_t end = n; end > 1; end--) {
		ext_swap(&x[0], &x[end - 1]);
		sift_down(x, 0, end - 1, by_vol);
	}
}

/* A chain that comes back to a cluster it used maps two file ranges onto one place. */
static bool ext_overlap(struct fat_map *m)
{
	bool overlap = false;

	ext_sort(m->ext, m->count, true);
	for (u32 i = 1; i < m->count; i++)
		if (m->ext[i - 1].vol_off + m->ext[i - 1].len > m->ext[i].vol_off)
			overlap = true;
	ext_sort(m->ext, m->count, false);
	return overlap;
}

static int map_chain(struct fat_map *m, struct vol *v, u32 first)
{
	u64 need = (m->size + v->cluster_bytes - 1) / v->cluster_bytes, file_off = 0;
	u32 c = first;
	int err;

	m->count = 0;
	if (!need)
		return 0;
	if (need > v->clusters)
		return -EINVAL;
	for (u64 i = 0; i < need; i++) {
		struct fat_extent *x = m->count ? &m->ext[m->count - 1] : NULL;
		u64 off;

		if (!cluster_ok(v, c))
			return -EINVAL;	/* free, reserved, bad, end of chain or past the volume */
		off = cluster_off(v, c);
		if (x && x->vol_off + x->len == off) {
			x->len += v->cluster_bytes;
		} else {
			if (m->count == m->capacity)
				return -ENOSPC;
			m->ext[m->count++] = (struct fat_extent){ file_off, off, v->cluster_bytes };
		}
		file_off += v->cluster_bytes;
		if (i + 1 < need) {
			err = fat_next(v, c, &c);
			if (err)
				return err;
		}
	}
	/* The last cluster is only partly the file's. */
	m->ext[m->count - 1].len -= file_off - m->size;
	return ext_overlap(m) ? -EINVAL : 0;
}

int fat_map_build(struct fat_map *m, const struct fat_map_volume *src, const char *path)
{
	struct vol v = { .src = src, .sector = src->scratch, .window = src->scratch + SECTOR_MAX };
	u8 e[32];
	u32 dir;
	bool is_dir = true;
	int err;

	m->count = 0;
	m->size = 0;
	err = parse_bpb(&v);
	if (err)
		return err;
	m->cluster_bytes = v.cluster_bytes;
	m->fat_bits = v.bits;
	dir = v.bits == 32 ? v.root_cluster : 0;
	for (const char *p = path; *p;) {
		const char *end = p;
		size_t len;

		while (*end && *end != '/')
			end++;
		len = (size_t)(end - p);
		if (!len) {
			p = end + 1;
			continue;
		}
		if (len > NAME_MAX_UNITS || (p[0] == '.' && (len == 1 || (len == 2 && p[1] == '.'))))
			return -EINVAL;
		if (!is_dir)
			return -ENOENT;
		err = dir_find(&v, dir, p, len, e);
		if (err)
			return err;
		is_dir = e[11] & ATTR_DIRECTORY;
		dir = entry_cluster(&v, e);
		if (is_dir && !cluster_ok(&v, dir))
			return -EINVAL;
		p = *end ? end + 1 : end;
	}
	if (is_dir)
		return -EINVAL;		/* no component, or the last one is a directory */
	m->size = le32(e + 28);
	if (m->size && !cluster_ok(&v, dir))
		return -EINVAL;
	err = map_chain(m, &v, dir);
	if (err) {
		m->count = 0;
		m->size = 0;
	}
	return err;
}

int fat_map_locate(const struct fat_map *m, u64 file_off, u64 *vol_off, u64 *contiguous)
{
	u32 lo = 0, hi = m->count;

	if (file_off >= m->size)
		return -ERANGE;
	/* The last extent starting at or before file_off. */
	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;

		if (m->ext[mid].file_off <= file_off)
			lo = mid;
		else
			hi = mid;
	}
	if (!m->count || file_off - m->ext[lo].file_off >= m->ext[lo].len)
		return -ERANGE;
	*vol_off = m->ext[lo].vol_off + (file_off - m->ext[lo].file_off);
	*contiguous = m->ext[lo].len - (file_off - m->ext[lo].file_off);
	return 0;
}
