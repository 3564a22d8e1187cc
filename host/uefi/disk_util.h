/* Firmware-hosted disks, the parts that need no firmware: GUID text, volume and partition name
 * matching, paths in firmware form, and 512-byte sectors on devices with other block sizes
 * (bounce buffering).  Built into the UEFI image and into host unit tests. */
#ifndef HOST_UEFI_DISK_UTIL_H
#define HOST_UEFI_DISK_UTIL_H

#include "lib/types.h"

#define DISK_GUID_TEXT 37	/* 8-4-4-4-12 plus NUL */

/* A GUID as UEFI stores it (first three fields little-endian) to lower-case 8-4-4-4-12 text. */
void disk_guid_format(const u8 guid[16], char out[DISK_GUID_TEXT]);
/* The reverse; any case.  0 or -EINVAL. */
int disk_guid_parse(const char *text, u8 guid[16]);

/*
 * Whether a firmware name (UCS-2, at most max units, stops at a NUL) equals want: ASCII
 * letters in any case, trailing blanks on either side ignored (FAT pads labels with blanks).
 * An empty name never matches.
 */
bool disk_name_match(const char *want, const u16 *name, size_t max);

/* "/a/b.img" to L"\\a\\b.img".  0, or -ENAMETOOLONG when out (max units) is too small. */
int disk_path_to_firmware(const char *path, u16 *out, size_t max);

/*
 * A device of block_size-byte blocks (a power of two, 512 .. 64 KiB) seen as 512-byte sectors.
 * xfer moves whole blocks: bytes is a multiple of block_size, buf satisfies align.
 */
struct disk_blocks {
	void *ctx;
	u32 block_size;
	u32 align;		/* buffer alignment the device needs (a power of two; 0 or 1: none) */
	u8 *bounce;		/* aligned, bounce_size bytes, a multiple of block_size */
	u64 bounce_size;
	int (*xfer)(void *ctx, u64 lba, void *buf, u64 bytes, bool write);
};

/* Checks the geometry; 0 or -EINVAL. */
int disk_blocks_check(const struct disk_blocks *d);
/* Sectors of a device with last_lba + 1 blocks (whole sectors only; partial ones are dropped). */
u64 disk_blocks_sectors(u32 block_size, u64 last_lba);
/*
 * Reads or writes len bytes (a multiple of 512) at sector: aligned whole blocks go straight
 * to xfer, everything else through the bounce buffer (partial blocks are read, patched and
 * written back).  0 or the first error xfer returned.
 */
int disk_blocks_rw(const struct disk_blocks *d, u64 sector, void *buf, u64 len, bool write);

#endif
