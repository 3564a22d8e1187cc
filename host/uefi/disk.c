/* Firmware-hosted disks: raw image files (file:PATH on the boot volume, file:VOLUME:PATH on a FAT
 * volume found by label or partition GUID), through BlockIo at the places the file's FAT extent
 * map gives or else through the firmware's file protocol, and whole GPT partitions through
 * BlockIo (partuuid:, label:).  Every firmware call runs on the boot CPU. */
#include "boot/config.h"
#include "devices/virtio/blk_backend.h"
#include "host/host.h"
#include "host/uefi/disk_util.h"
#include "host/uefi/fat_map.h"
#include "host/uefi/uefi.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define DISK_PATH_UNITS 260
#define DISK_BOUNCE_BYTES (64u << 10)
#define FS_INFO_BYTES 512
#define MAP_EXTENTS 4096	/* more fragmented files stay on the file protocol */
#define MAP_CHECK_BYTES 4096	/* compared through both paths at the start, middle and end */
#define MAP_VERIFIED_MAX 32
#define VOLUMES_MAX 16
/* UEFI 10.3.5.1: the hard-drive media node is 42 bytes; gnu-efi's struct is not packed. */
#define HD_NODE_BYTES (offsetof(HARDDRIVE_DEVICE_PATH, SignatureType) + 1)

/*
 * How this run uses each FAT volume holding read-write images.  The FAT driver caches pages of
 * the data region (OVMF: 64 KiB pages on FAT16/32) and writes a dirty page back whole.
 * Once an image was written through BlockIo, the cache may hold stale copies of its clusters,
 * which a write through the file protocol to a cluster in the same page would put back.  So a
 * volume's read-write images go all directly or all through the file protocol.
 */
struct volume_use {
	EFI_HANDLE handle;
	bool direct;		/* a read-write image on it went through BlockIo in this run */
	u32 fs_writers;		/* read-write images open on it through the file protocol */
};

static struct volume_use volumes[VOLUMES_MAX];

struct file_disk {
	EFI_FILE_HANDLE root, file;
	struct volume_use *fs_writer;	/* counted in its fs_writers */
	/* Direct block access (map.count != 0): the volume's BlockIo at the file's extents. */
	EFI_BLOCK_IO *bio;
	struct disk_blocks blocks;
	u64 bounce_pages;
	struct fat_map map;
};

/*
 * Files mapped and checked against the file protocol earlier in this run.  A reopened one is
 * not read through the file protocol again: the FAT driver may still cache what it read at the
 * first check, from before the guest wrote there through BlockIo.
 */
struct map_seen {
	EFI_HANDLE volume;
	u64 first_vol_off, size;
};

static struct map_seen map_verified[MAP_VERIFIED_MAX];
static u32 map_verified_count;

struct part_disk {
	EFI_BLOCK_IO *bio;
	struct disk_blocks blocks;
	u64 bounce_pages;
};

static bool on_bsp(void)
{
	return host_cpu_index() == 0;
}

static int status_to_err(EFI_STATUS s)
{
	switch (s) {
	case EFI_SUCCESS: return 0;
	case EFI_NOT_FOUND: return -ENOENT;
	case EFI_ACCESS_DENIED: return -EACCES;
	case EFI_OUT_OF_RESOURCES: return -ENOMEM;
	case EFI_WRITE_PROTECTED: return -EROFS;
	default: return -EIO;
	}
}

/* "disk file:/a.img: " in front of every refusal (the caller names the config line). */
static void refuse(const struct cfg_disk *d, char *err, size_t errlen, const char *why)
{
	if (d->source == CFG_DISK_FILE && d->volume[0])
		fmt_snprintf(err, errlen, "disk file:%s:%s: %s", d->volume, d->target, why);
	else
		fmt_snprintf(err, errlen, "disk %s:%s: %s", config_disk_source_name(d->source),
			     d->target, why);
}

static void set_name(const struct cfg_disk *d, struct blk_backend *b)
{
	if (d->source == CFG_DISK_FILE && d->volume[0])
		fmt_snprintf(b->name, sizeof(b->name), "file:%s:%s", d->volume, d->target);
	else
		fmt_snprintf(b->name, sizeof(b->name), "%s:%s", config_disk_source_name(d->source),
			     d->target);
}

static void *alloc_state(size_t size)
{
	return (void *)(uintptr_t)host_pages_alloc(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
}

static void free_state(void *p, size_t size)
{
	host_pages_free((u64)(uintptr_t)p, ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
}

/* ---- where things are: partition GUIDs in device paths, volume labels ---- */

/* The GPT partition GUID in h's device path (its hard-drive media node); false without one. */
static bool handle_partuuid(EFI_HANDLE h, u8 guid[16])
{
	EFI_GUID dp_guid = DEVICE_PATH_PROTOCOL;
	EFI_DEVICE_PATH_PROTOCOL *dp;
	u32 nodes = 0;

	if (uefi_bs->HandleProtocol(h, &dp_guid, (void **)&dp) || !dp)
		return false;
	/* Bounded walk: a firmware path with a zero-length node would loop forever. */
	for (; !IsDevicePathEnd(dp) && nodes < 64; dp = NextDevicePathNode(dp), nodes++) {
		HARDDRIVE_DEVICE_PATH *hd = (HARDDRIVE_DEVICE_PATH *)dp;

		if ((size_t)DevicePathNodeLength(dp) < sizeof(EFI_DEVICE_PATH_PROTOCOL))
			return false;
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(dp) == MEDIA_HARDDRIVE_DP &&
		    (size_t)DevicePathNodeLength(dp) >= HD_NODE_BYTES &&
		    hd->SignatureType == SIGNATURE_TYPE_GUID) {
			memcpy(guid, hd->Signature, 16);
			return true;
		}
	}
	return false;
}

/* Whether the FAT volume on h carries label want. */
static bool handle_fs_label_is(EFI_HANDLE h, const char *want)
{
	EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL, info_guid = EFI_FILE_SYSTEM_INFO_ID;
	union {
		EFI_FILE_SYSTEM_INFO info;
		u8 raw[FS_INFO_BYTES];
	} buf;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_FILE_HANDLE root;
	UINTN len = sizeof(buf);
	EFI_STATUS s;

	if (uefi_bs->HandleProtocol(h, &fs_guid, (void **)&fs) || fs->OpenVolume(fs, &root))
		return false;
	s = root->GetInfo(root, &info_guid, &len, &buf);
	root->Close(root);
	if (s || len <= SIZE_OF_EFI_FILE_SYSTEM_INFO)
		return false;
	return disk_name_match(want, (const u16 *)buf.info.VolumeLabel,
			       (len - SIZE_OF_EFI_FILE_SYSTEM_INFO) / sizeof(u16));
}

/* The GPT name of partition handle h matches want. */
static bool handle_gpt_name_is(EFI_HANDLE h, const char *want)
{
	EFI_GUID pi_guid = UEFI_PARTITION_INFO_PROTOCOL_GUID;
	struct uefi_partition_info *pi;
	u16 name[ARRAY_SIZE(pi->info.gpt.name)];

	if (uefi_bs->HandleProtocol(h, &pi_guid, (void **)&pi) || !pi)
		return false;
	if (pi->type != UEFI_PARTITION_TYPE_GPT)
		return false;
	memcpy(name, pi->info.gpt.name, sizeof(name));
	return disk_name_match(want, name, ARRAY_SIZE(name));
}

/*
 * The one handle with protocol proto that match() accepts.  0 and *out, -ENOENT when none,
 * -EEXIST when several do (*count says how many).
 */
static int find_handle(EFI_GUID *proto, bool (*match)(EFI_HANDLE, const void *), const void *arg,
		       EFI_HANDLE *out, u32 *count)
{
	EFI_HANDLE *handles = NULL;
	UINTN n = 0;

	*count = 0;
	if (uefi_bs->LocateHandleBuffer(ByProtocol, proto, NULL, &n, &handles))
		return -ENOENT;
	for (UINTN i = 0; i < n; i++) {
		if (match(handles[i], arg)) {
			if (!*count)
				*out = handles[i];
			(*count)++;
		}
	}
	uefi_bs->FreePool(handles);
	if (!*count)
		return -ENOENT;
	return *count > 1 ? -EEXIST : 0;
}

static bool match_fs_volume(EFI_HANDLE h, const void *arg)
{
	const struct cfg_disk *d = arg;
	u8 want[16], got[16];

	if (d->volume_is_uuid)
		return !disk_guid_parse(d->volume, want) && handle_partuuid(h, got) &&
		       !memcmp(want, got, 16);
	return handle_fs_label_is(h, d->volume);
}

/* Whole blocks through BlockIo: the xfer of struct disk_blocks for files and partitions. */
static int bio_xfer(void *ctx, u64 lba, void *buf, u64 bytes, bool write)
{
	EFI_BLOCK_IO *bio = ctx;
	EFI_STATUS s;

	if (write)
		s = bio->WriteBlocks(bio, bio->Media->MediaId, lba, bytes, buf);
	else
		s = bio->ReadBlocks(bio, bio->Media->MediaId, lba, bytes, buf);
	return s ? -EIO : 0;
}

/* 512-byte sectors on a BlockIo device, with a bounce buffer of at least 64 KiB (one block). */
static void bio_blocks_init(struct disk_blocks *blocks, u64 *bounce_pages, EFI_BLOCK_IO *bio)
{
	u64 bounce_bytes = MAX((u64)bio->Media->BlockSize, (u64)DISK_BOUNCE_BYTES);

	*bounce_pages = ALIGN_UP(bounce_bytes, PAGE_SIZE) / PAGE_SIZE;
	*blocks = (struct disk_blocks){
		.ctx = bio,
		.block_size = bio->Media->BlockSize,
		.align = bio->Media->IoAlign,
		.bounce = (u8 *)(uintptr_t)host_pages_alloc(*bounce_pages),
		.bounce_size = bounce_bytes,
		.xfer = bio_xfer,
	};
}

/* ---- file: ---- */

static int file_proto_read(struct file_disk *fd, u64 off, void *buf, u64 len)
{
	UINTN got = len;
	int err;

	err = status_to_err(fd->file->SetPosition(fd->file, off));
	if (err)
		return err;
	err = status_to_err(fd->file->Read(fd->file, &got, buf));
	if (!err && got != len)
		err = -EIO;
	return err;
}

/* Through the map: split at extent boundaries, each piece one run of 512-byte sectors. */
static int file_direct_rw(struct file_disk *fd, u64 sector, void *buf, u64 len, bool write)
{
	u64 off = sector * BLK_SECTOR_SIZE;
	u8 *p = buf;

	while (len) {
		u64 vol_off, n;

		if (fat_map_locate(&fd->map, off, &vol_off, &n) || vol_off % BLK_SECTOR_SIZE)
			return -EIO;
		if (n > len)
			n = len;
		if (n % BLK_SECTOR_SIZE ||
		    disk_blocks_rw(&fd->blocks, vol_off / BLK_SECTOR_SIZE, p, n, write))
			return -EIO;
		off += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int file_read(struct blk_backend *b, u64 sector, void *buf, u64 len)
{
	struct file_disk *fd = b->priv;

	if (!on_bsp())
		return -EIO;
	if (fd->map.count)
		return file_direct_rw(fd, sector, buf, len, false);
	return file_proto_read(fd, sector * BLK_SECTOR_SIZE, buf, len);
}

static int file_flush(struct blk_backend *b)
{
	struct file_disk *fd = b->priv;

	if (!on_bsp())
		return -EIO;
	if (fd->map.count)
		return fd->bio->FlushBlocks(fd->bio) ? -EIO : 0;
	return fd->file->Flush(fd->file) ? -EIO : 0;
}

static int file_write(struct blk_backend *b, u64 sector, const void *buf, u64 len)
{
	struct file_disk *fd = b->priv;
	UINTN put = len;
	int err;

	if (!on_bsp() || b->read_only)
		return -EIO;
	/* The caller keeps requests inside the file: a write never extends it. */
	if (fd->map.count)
		return file_direct_rw(fd, sector, (void *)buf, len, true);
	err = status_to_err(fd->file->SetPosition(fd->file, sector * BLK_SECTOR_SIZE));
	if (err)
		return err;
	/* A short or failed write is an I/O error: the guest must not believe it landed. */
	if (fd->file->Write(fd->file, &put, (void *)buf) || put != len)
		return -EIO;
	return 0;
}

static void file_free(struct file_disk *fd)
{
	if (fd->blocks.bounce)
		host_pages_free((u64)(uintptr_t)fd->blocks.bounce, fd->bounce_pages);
	if (fd->map.ext)
		free_state(fd->map.ext, MAP_EXTENTS * sizeof(struct fat_extent));
	free_state(fd, sizeof(*fd));
}

static void file_close(struct blk_backend *b)
{
	struct file_disk *fd = b->priv;

	if (!fd)
		return;
	/* Direct: the file protocol wrote nothing, so it has nothing to flush. */
	if (!b->read_only && fd->map.count)
		fd->bio->FlushBlocks(fd->bio);
	else if (!b->read_only)
		fd->file->Flush(fd->file);
	fd->file->Close(fd->file);
	fd->root->Close(fd->root);
	if (fd->fs_writer)
		fd->fs_writer->fs_writers--;
	file_free(fd);
	b->priv = NULL;
}

static const struct blk_backend_ops file_ops = {
	.read = file_read, .write = file_write, .flush = file_flush, .close = file_close,
};

/* ---- file: through BlockIo at the file's extents ---- */

/* The record of volume h, made on first use; NULL when the table is full. */
static struct volume_use *volume_use_of(EFI_HANDLE h)
{
	for (u32 i = 0; i < VOLUMES_MAX; i++) {
		if (volumes[i].handle == h)
			return &volumes[i];
		if (!volumes[i].handle) {
			volumes[i].handle = h;
			return &volumes[i];
		}
	}
	return NULL;
}

static int map_read(void *ctx, u64 off, void *buf, u32 len)
{
	return disk_blocks_rw(ctx, off / BLK_SECTOR_SIZE, buf, len, false);
}

static bool map_was_verified(EFI_HANDLE volume, const struct fat_map *m)
{
	for (u32 i = 0; i < map_verified_count; i++)
		if (map_verified[i].volume == volume && map_verified[i].size == m->size &&
		    map_verified[i].first_vol_off == m->ext[0].vol_off)
			return true;
	return false;
}

/* The start, the middle and the end of the file, through the file protocol and through the map. */
static int map_check(struct file_disk *fd, u8 *a, u8 *b)
{
	u64 size = fd->map.size, len = size < MAP_CHECK_BYTES ? size : MAP_CHECK_BYTES;
	u64 at[3] = { 0, size / 2 / BLK_SECTOR_SIZE * BLK_SECTOR_SIZE, size - len };

	for (u32 i = 0; i < ARRAY_SIZE(at); i++) {
		u64 n = size - at[i] < len ? size - at[i] : len;

		if (file_proto_read(fd, at[i], a, n) ||
		    file_direct_rw(fd, at[i] / BLK_SECTOR_SIZE, b, n, false))
			return -EIO;
		if (memcmp(a, b, n))
			return -EINVAL;
	}
	return 0;
}

/*
 * Sets up direct block access for an open file of file_size bytes on volume: the FAT volume's
 * BlockIo, the file's extents read from it, checked against the file protocol.  0, or an error
 * and the reason in why (the file protocol is used then).
 */
static int map_open(const struct cfg_disk *d, struct file_disk *fd, EFI_HANDLE volume,
		    u64 file_size, char *why, size_t whylen)
{
	EFI_GUID bio_guid = BLOCK_IO_PROTOCOL;
	struct fat_map_volume vol;
	EFI_BLOCK_IO *bio;
	u8 *scratch;
	int r;

	if (uefi_bs->HandleProtocol(volume, &bio_guid, (void **)&bio) || !bio || !bio->Media) {
		fmt_snprintf(why, whylen, "no BlockIo on the volume");
		return -ENODEV;
	}
	if (!bio->Media->MediaPresent || (bio->Media->ReadOnly && !d->readonly)) {
		fmt_snprintf(why, whylen, "the volume's BlockIo has no medium or is read-only");
		return -ENODEV;
	}
	fd->bio = bio;
	bio_blocks_init(&fd->blocks, &fd->bounce_pages, bio);
	fd->map.ext = alloc_state(MAP_EXTENTS * sizeof(struct fat_extent));
	fd->map.capacity = MAP_EXTENTS;
	scratch = alloc_state(FAT_MAP_SCRATCH_BYTES);
	if (!fd->blocks.bounce || !fd->map.ext || !scratch) {
		fmt_snprintf(why, whylen, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	if (disk_blocks_check(&fd->blocks)) {
		fmt_snprintf(why, whylen, "unsupported block size %u or alignment %u",
			     bio->Media->BlockSize, bio->Media->IoAlign);
		r = -EINVAL;
		goto out;
	}
	vol = (struct fat_map_volume){
		.read = map_read, .ctx = &fd->blocks, .scratch = scratch,
		.bytes = disk_blocks_sectors(bio->Media->BlockSize, bio->Media->LastBlock) * BLK_SECTOR_SIZE,
	};
	r = fat_map_build(&fd->map, &vol, d->target);
	if (r == -ENOSPC)
		fmt_snprintf(why, whylen, "more than %u extents", MAP_EXTENTS);
	else if (r)
		fmt_snprintf(why, whylen, "its FAT extents cannot be read (%s)", err_name(r));
	else if (fd->map.size != file_size || !fd->map.count)
		fmt_snprintf(why, whylen, "the FAT entry says %llu bytes", (unsigned long long)fd->map.size);
	if (r || fd->map.size != file_size || !fd->map.count) {
		r = r ? r : -EINVAL;
		goto out;
	}
	if (!map_was_verified(volume, &fd->map)) {
		r = map_check(fd, scratch, scratch + MAP_CHECK_BYTES);
		if (r) {
			fmt_snprintf(why, whylen, r == -EIO ? "a check read failed"
						   : "its extents do not hold what the file protocol reads");
			goto out;
		}
		if (map_verified_count < MAP_VERIFIED_MAX)
			map_verified[map_verified_count++] = (struct map_seen){
				volume, fd->map.ext[0].vol_off, fd->map.size };
	}
out:
	if (scratch)
		free_state(scratch, FAT_MAP_SCRATCH_BYTES);
	if (r) {
		/* Back to the file protocol: nothing of this is needed. */
		if (fd->blocks.bounce)
			host_pages_free((u64)(uintptr_t)fd->blocks.bounce, fd->bounce_pages);
		if (fd->map.ext)
			free_state(fd->map.ext, MAP_EXTENTS * sizeof(struct fat_extent));
		fd->blocks.bounce = NULL;
		fd->map.ext = NULL;
		fd->map.count = 0;
	}
	return r;
}

/*
 * Direct block access when the map allows it, else the file protocol (each said in one line);
 * a read-write image the file protocol would write on a volume written directly is refused.
 */
static int open_access(const struct cfg_disk *d, struct blk_backend *b, struct file_disk *fd,
		       EFI_HANDLE volume, u64 file_size, char *err, size_t errlen)
{
	struct volume_use *vu = volume_use_of(volume);
	char why[96], text[200];

	if (!vu)
		fmt_snprintf(why, sizeof(why), "more than %u volumes in use", VOLUMES_MAX);
	else if (!d->readonly && vu->fs_writers)
		fmt_snprintf(why, sizeof(why), "another read-write image on its volume uses it");
	else if (!map_open(d, fd, volume, file_size, why, sizeof(why))) {
		if (!d->readonly)
			vu->direct = true;
		log_info("disk %s: %u extents, direct block access\n", b->name, fd->map.count);
		return 0;
	}
	if (!d->readonly && vu && vu->direct) {
		fmt_snprintf(text, sizeof(text), "%s; other images on its volume are written directly "
			     "(use ',ro' or another volume)", why);
		refuse(d, err, errlen, text);
		return -EBUSY;
	}
	if (!d->readonly && vu) {
		vu->fs_writers++;
		fd->fs_writer = vu;
	}
	log_info("disk %s: through the file protocol: %s\n", b->name, why);
	return 0;
}

/* The volume's root directory, and the handle carrying its file system (and BlockIo). */
static int open_root(const struct cfg_disk *d, EFI_FILE_HANDLE *root, EFI_HANDLE *volume,
		     char *err, size_t errlen)
{
	EFI_GUID loaded_guid = LOADED_IMAGE_PROTOCOL, fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_LOADED_IMAGE *li;
	EFI_HANDLE h;
	char why[96];
	u32 count;
	int r;

	if (!d->volume[0]) {
		if (uefi_bs->HandleProtocol(uefi_image, &loaded_guid, (void **)&li)) {
			refuse(d, err, errlen, "the boot volume is unknown");
			return -ENODEV;
		}
		h = li->DeviceHandle;
	} else {
		r = find_handle(&fs_guid, match_fs_volume, d, &h, &count);
		if (r == -ENOENT) {
			fmt_snprintf(why, sizeof(why), "no FAT volume with %s %s",
				     d->volume_is_uuid ? "partition GUID" : "label", d->volume);
			refuse(d, err, errlen, why);
			return r;
		}
		if (r == -EEXIST) {
			fmt_snprintf(why, sizeof(why), "%u FAT volumes match %s; name one by partition GUID",
				     count, d->volume);
			refuse(d, err, errlen, why);
			return r;
		}
	}
	if (uefi_bs->HandleProtocol(h, &fs_guid, (void **)&fs) || fs->OpenVolume(fs, root)) {
		refuse(d, err, errlen, "the volume's file system cannot be opened");
		return -EIO;
	}
	*volume = h;
	return 0;
}

static int open_file(const struct cfg_disk *d, struct blk_backend *b, char *err, size_t errlen)
{
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	union {
		EFI_FILE_INFO info;
		u8 raw[SIZE_OF_EFI_FILE_INFO + DISK_PATH_UNITS * 2];
	} info;
	CHAR16 wpath[DISK_PATH_UNITS];
	UINTN len = sizeof(info);
	EFI_FILE_HANDLE root, f;
	EFI_HANDLE volume;
	struct file_disk *fd;
	EFI_STATUS s;
	char why[96];
	u64 mode = EFI_FILE_MODE_READ | (d->readonly ? 0 : EFI_FILE_MODE_WRITE);
	int r;

	if (disk_path_to_firmware(d->target, (u16 *)wpath, ARRAY_SIZE(wpath))) {
		refuse(d, err, errlen, "path too long");
		return -ENAMETOOLONG;
	}
	r = open_root(d, &root, &volume, err, errlen);
	if (r)
		return r;
	/* Never EFI_FILE_MODE_CREATE: a missing image is a configuration error. */
	s = root->Open(root, &f, wpath, mode, 0);
	if (s) {
		r = status_to_err(s);
		if (r == -ENOENT)
			refuse(d, err, errlen, d->volume[0] ? "no such image file on that volume"
						       : "no such image file on the boot volume");
		else if (!d->readonly && (r == -EROFS || r == -EACCES))
			refuse(d, err, errlen, "the image or its volume is read-only (add ',ro' to use it read-only)");
		else
			refuse(d, err, errlen, "the image cannot be opened");
		root->Close(root);
		return r;
	}
	s = f->GetInfo(f, &info_guid, &len, &info);
	if (s || (info.info.Attribute & EFI_FILE_DIRECTORY)) {
		refuse(d, err, errlen, s ? "the image's size cannot be read" : "is a directory, not an image file");
		r = s ? -EIO : -EINVAL;
	} else if (!info.info.FileSize || info.info.FileSize % BLK_SECTOR_SIZE) {
		fmt_snprintf(why, sizeof(why), "size %llu bytes is not a non-zero multiple of 512",
			     (unsigned long long)info.info.FileSize);
		refuse(d, err, errlen, why);
		r = -EINVAL;
	} else if (!d->readonly && (info.info.Attribute & EFI_FILE_READ_ONLY)) {
		refuse(d, err, errlen, "the image file is marked read-only (add ',ro' to use it read-only)");
		r = -EROFS;
	} else if (!(fd = alloc_state(sizeof(*fd)))) {
		refuse(d, err, errlen, "out of memory");
		r = -ENOMEM;
	} else {
		fd->root = root;
		fd->file = f;
		b->ops = &file_ops;
		b->priv = fd;
		b->sectors = info.info.FileSize / BLK_SECTOR_SIZE;
		b->read_only = d->readonly;
		set_name(d, b);
		r = open_access(d, b, fd, volume, info.info.FileSize, err, errlen);
		if (!r)
			return 0;
		file_free(fd);
		b->ops = NULL;
		b->priv = NULL;
	}
	f->Close(f);
	root->Close(root);
	return r;
}

/* ---- partuuid: and label: ---- */

static int part_read(struct blk_backend *b, u64 sector, void *buf, u64 len)
{
	struct part_disk *pd = b->priv;

	if (!on_bsp())
		return -EIO;
	return disk_blocks_rw(&pd->blocks, sector, buf, len, false);
}

static int part_flush(struct blk_backend *b)
{
	struct part_disk *pd = b->priv;

	if (!on_bsp())
		return -EIO;
	return pd->bio->FlushBlocks(pd->bio) ? -EIO : 0;
}

static int part_write(struct blk_backend *b, u64 sector, const void *buf, u64 len)
{
	struct part_disk *pd = b->priv;

	if (!on_bsp() || b->read_only)
		return -EIO;
	/* disk_blocks_rw does not write into buf: the cast only fits the shared signature. */
	return disk_blocks_rw(&pd->blocks, sector, (void *)buf, len, true);
}

static void part_close(struct blk_backend *b)
{
	struct part_disk *pd = b->priv;

	if (!pd)
		return;
	if (!b->read_only)
		pd->bio->FlushBlocks(pd->bio);
	host_pages_free((u64)(uintptr_t)pd->blocks.bounce, pd->bounce_pages);
	free_state(pd, sizeof(*pd));
	b->priv = NULL;
}

static const struct blk_backend_ops part_ops = {
	.read = part_read, .write = part_write, .flush = part_flush, .close = part_close,
};

static bool match_partition(EFI_HANDLE h, const void *arg)
{
	const struct cfg_disk *d = arg;
	EFI_GUID bio_guid = BLOCK_IO_PROTOCOL;
	EFI_BLOCK_IO *bio;
	u8 want[16], got[16];

	if (uefi_bs->HandleProtocol(h, &bio_guid, (void **)&bio) || !bio->Media ||
	    !bio->Media->LogicalPartition)
		return false;
	if (d->source == CFG_DISK_PARTUUID)
		return !disk_guid_parse(d->target, want) && handle_partuuid(h, got) &&
		       !memcmp(want, got, 16);
	/* label: the GPT partition name, or the label of the FAT file system on it. */
	return handle_gpt_name_is(h, d->target) || handle_fs_label_is(h, d->target);
}

static int open_partition(const struct cfg_disk *d, struct blk_backend *b, char *err, size_t errlen)
{
	EFI_GUID bio_guid = BLOCK_IO_PROTOCOL;
	EFI_BLOCK_IO *bio;
	EFI_HANDLE h;
	struct part_disk *pd;
	char why[96];
	u32 count;
	int r;

	r = find_handle(&bio_guid, match_partition, d, &h, &count);
	if (r == -ENOENT) {
		refuse(d, err, errlen, d->source == CFG_DISK_PARTUUID ? "no partition with that GUID"
								   : "no partition or volume with that label");
		return r;
	}
	if (r == -EEXIST) {
		fmt_snprintf(why, sizeof(why), "%u partitions match; name one by partuuid:", count);
		refuse(d, err, errlen, why);
		return r;
	}
	uefi_bs->HandleProtocol(h, &bio_guid, (void **)&bio);
	if (!bio->Media->MediaPresent) {
		refuse(d, err, errlen, "no medium present");
		return -ENODEV;
	}
	if (bio->Media->ReadOnly && !d->readonly) {
		refuse(d, err, errlen, "the medium is write-protected (add ',ro' to use it read-only)");
		return -EROFS;
	}
	pd = alloc_state(sizeof(*pd));
	if (!pd) {
		refuse(d, err, errlen, "out of memory");
		return -ENOMEM;
	}
	pd->bio = bio;
	bio_blocks_init(&pd->blocks, &pd->bounce_pages, bio);
	if (!pd->blocks.bounce || disk_blocks_check(&pd->blocks)) {
		fmt_snprintf(why, sizeof(why), "unsupported block size %u or alignment %u",
			     bio->Media->BlockSize, bio->Media->IoAlign);
		refuse(d, err, errlen, pd->blocks.bounce ? why : "out of memory");
		if (pd->blocks.bounce)
			host_pages_free((u64)(uintptr_t)pd->blocks.bounce, pd->bounce_pages);
		free_state(pd, sizeof(*pd));
		return pd->blocks.bounce ? -EINVAL : -ENOMEM;
	}
	b->ops = &part_ops;
	b->priv = pd;
	b->sectors = disk_blocks_sectors(bio->Media->BlockSize, bio->Media->LastBlock);
	b->read_only = d->readonly;
	set_name(d, b);
	if (!b->sectors) {
		part_close(b);
		refuse(d, err, errlen, "the partition is empty");
		return -EINVAL;
	}
	return 0;
}

int blk_backend_host_open(const struct cfg_disk *d, struct blk_backend *b, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	if (!on_bsp()) {
		refuse(d, err, errlen, "opened off the boot CPU");
		return -EIO;
	}
	switch (d->source) {
	case CFG_DISK_FILE:
		return open_file(d, b, err, errlen);
	case CFG_DISK_PARTUUID:
	case CFG_DISK_LABEL:
		return open_partition(d, b, err, errlen);
	case CFG_DISK_MODULE:
	case CFG_DISK_RAM:
		break;
	}
	refuse(d, err, errlen, "not a firmware-hosted disk source");
	return -EINVAL;
}
