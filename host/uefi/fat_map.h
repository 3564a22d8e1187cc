/* Where a file's bytes sit on a FAT12/16/32 volume: the path looked up in the directories, the
 * cluster chain turned into runs of contiguous clusters (extents), so an image file can be read
 * and written through BlockIo.  No firmware: built into the UEFI image and a host unit test. */
#ifndef HOST_UEFI_FAT_MAP_H
#define HOST_UEFI_FAT_MAP_H

#include "lib/types.h"

#define FAT_MAP_SCRATCH_BYTES 8192	/* a sector (up to 4 KiB) and a 4 KiB window on the FAT */

/* The volume, untrusted: every field read from it is checked before it is used. */
struct fat_map_volume {
	/* Reads len bytes at byte offset off from the start of the volume; off and len are
	 * multiples of 512, len at most 4096.  0 or a negative error. */
	int (*read)(void *ctx, u64 off, void *buf, u32 len);
	void *ctx;
	u64 bytes;		/* size of what holds the volume (0: unknown, not checked) */
	u8 *scratch;		/* FAT_MAP_SCRATCH_BYTES of the caller's memory */
};

/* file_off .. file_off + len of the file are volume bytes vol_off .. vol_off + len. */
struct fat_extent {
	u64 file_off, vol_off, len;
};

struct fat_map {
	struct fat_extent *ext;	/* the caller's array of capacity entries */
	u32 capacity;
	u32 count;		/* extents in use, in file order, covering exactly 0 .. size */
	u64 size;		/* the file's size from its directory entry */
	u32 cluster_bytes;
	u8 fat_bits;		/* 12, 16 or 32 */
};

/*
 * Looks up path ("/dir/file.img"; long or 8.3 names, ASCII letters in any case) and maps the
 * file.  0; -ENOENT when a component is missing (or not a directory where one is needed);
 * -EINVAL for a malformed volume, a broken or looping chain, or a path naming a directory;
 * -ENOSPC when the file has more extents than m->capacity; -EIO from read.  m->ext and
 * m->capacity are set by the caller.
 */
int fat_map_build(struct fat_map *m, const struct fat_map_volume *vol, const char *path);

/* Where file byte file_off lies, and how many bytes from it are contiguous on the volume
 * (to the end of its extent).  0, or -ERANGE at or past the end of the file. */
int fat_map_locate(const struct fat_map *m, u64 file_off, u64 *vol_off, u64 *contiguous);

#endif
