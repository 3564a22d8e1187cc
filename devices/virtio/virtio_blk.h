/*
 * virtio-blk (devices/virtio/virtio_blk.c, virtio 1.1 section 5.2) over the PCI transport, on a
 * block back-end (blk_backend.h).  One PCI function per disk, one request queue.
 */
#ifndef DEVICES_VIRTIO_VIRTIO_BLK_H
#define DEVICES_VIRTIO_VIRTIO_BLK_H

#include "lib/types.h"
#include "devices/virtio/blk_backend.h"

struct vm;
struct guest_mem;
struct virtq_chain;
struct cfg_vm;

#define VIRTIO_ID_BLOCK 2
#define VIRTIO_BLK_MAX_DISKS 8
#define VIRTIO_BLK_FIRST_SLOT 8		/* disk n is PCI device 8 + n, function 0 */
#define VIRTIO_BLK_QUEUE_SIZE 128
#define VIRTIO_BLK_SIZE_MAX 0x10000u	/* bytes per segment */
#define VIRTIO_BLK_SEG_MAX (VIRTIO_BLK_QUEUE_SIZE - 2)
#define VIRTIO_BLK_ID_BYTES 20

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status (5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_WZ_UNMAP 1

/* Configuration layout offsets (5.2.4). */
#define VIRTIO_BLK_CFG_CAPACITY 0x00
#define VIRTIO_BLK_CFG_SIZE_MAX 0x08
#define VIRTIO_BLK_CFG_SEG_MAX 0x0c
#define VIRTIO_BLK_CFG_BLK_SIZE 0x14
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 0x24
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG 0x28
#define VIRTIO_BLK_CFG_DISCARD_ALIGN 0x2c
#define VIRTIO_BLK_CFG_MAX_WZ_SECTORS 0x30
#define VIRTIO_BLK_CFG_MAX_WZ_SEG 0x34
#define VIRTIO_BLK_CFG_SIZE 0x3c

#define VIRTIO_BLK_BOUNCE (64u << 10)

struct virtio_blk {
	struct blk_backend be;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	bool discard;			/* DISCARD / WRITE_ZEROES offered */
	bool writethrough;		/* flush after every write */
	u64 features;			/* offered */
	u8 *bounce;			/* VIRTIO_BLK_BOUNCE bytes: every transfer goes through it */
	u64 requests, errors;
};

/*
 * Serves one popped chain against the disk (5.2.6): returns the bytes written into the
 * chain's device-writable part (data and status), or -1 when the chain has no usable
 * status byte (the device then needs a reset).  negotiated: the driver's feature bits.
 */
s64 virtio_blk_execute(struct virtio_blk *b, const struct guest_mem *gm,
		       const struct virtq_chain *c, u64 negotiated);
/* The features a disk offers (its back-end's abilities, read-only, discard). */
u64 virtio_blk_features(const struct virtio_blk *b);
/* One byte-range read of the configuration structure; unknown bytes read 0. */
u64 virtio_blk_config_read(const struct virtio_blk *b, u32 off, u8 size);

/*
 * Opens every disk of the VM's configuration and registers one virtio-blk function per disk.
 * A disk that cannot be opened, or a read-only medium without `ro`, refuses the VM:
 * -errno and a message (naming the configuration line) in err.
 */
int virtio_blk_create_all(struct vm *vm, const struct cfg_vm *cfg, char *err, size_t errlen);

#endif
