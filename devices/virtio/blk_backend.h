/* The block back-end interface: what virtio-blk needs from a disk image, whatever holds it
 * (a RAM disk from a Multiboot2 module, a file through the firmware's file protocol, a GPT
 * partition through BlockIo).  Back-end calls run on the boot CPU only (docs/architecture.md,
 * "Execution model"): a vCPU on an AP never calls one directly. */
#ifndef DEVICES_VIRTIO_BLK_BACKEND_H
#define DEVICES_VIRTIO_BLK_BACKEND_H

#include "lib/types.h"

#define BLK_SECTOR_SIZE 512u

struct blk_backend;

struct blk_backend_ops {
	/* Whole 512-byte sectors; sector + len/512 <= sectors is checked by the caller.
	 * 0 on success or a negative error (-EIO, …): nothing is reported done that was not. */
	int (*read)(struct blk_backend *b, u64 sector, void *buf, u64 len);
	int (*write)(struct blk_backend *b, u64 sector, const void *buf, u64 len);
	/* Data written so far reaches the medium before this returns. */
	int (*flush)(struct blk_backend *b);
	/* Optional (NULL: not supported): drop or zero count sectors from sector. */
	int (*discard)(struct blk_backend *b, u64 sector, u64 count);
	int (*write_zeroes)(struct blk_backend *b, u64 sector, u64 count);
	/* Releases what open took (the VM stops or is refused). */
	void (*close)(struct blk_backend *b);
};

struct blk_backend {
	const struct blk_backend_ops *ops;
	void *priv;		/* the back-end's own state */
	u64 sectors;		/* size in 512-byte sectors */
	bool read_only;		/* the medium (or the config) forbids writes */
	char name[64];		/* for messages: "file:/vm/root.img", "module:disk0", … */
};

struct cfg_disk;

/*
 * Opens a disk whose source the host layer serves: file:, partuuid: and label: (firmware-
 * hosted: the firmware's file protocol and BlockIo; host/uefi/disk.c).  Standalone mode has
 * no such media (host/bare/disk.c refuses them).  0 and *b filled, or a negative error with a
 * one-line reason in err (which names the disk and the problem).
 */
int blk_backend_host_open(const struct cfg_disk *d, struct blk_backend *b, char *err, size_t errlen);

#endif
