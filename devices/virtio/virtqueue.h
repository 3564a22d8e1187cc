/*
 * Split virtqueues (virtio 1.x, 2.7): the device side of one queue — ring checks when the driver
 * enables it, popping descriptor chains with every guest-provided field validated, and used-ring
 * updates with the notification rules of VIRTIO_F_EVENT_IDX.  Pure: no VM, no locks.
 */
#ifndef DEVICES_VIRTIO_VIRTQUEUE_H
#define DEVICES_VIRTIO_VIRTQUEUE_H

#include "lib/types.h"

struct guest_mem;

#define VIRTQ_MAX_SIZE 256		/* the largest queue size a device offers */
#define VIRTQ_MAX_SEG_LEN (4u << 20)	/* longest buffer one descriptor may describe */

/* Descriptor flags (2.7.5). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* Device-independent feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
} __attribute__((packed));

/* One buffer of a popped chain, copied out of the guest's descriptors once. */
struct virtq_seg {
	u64 gpa;
	u32 len;
	bool write;		/* device-writable */
	bool bad;		/* not wholly inside guest RAM, or over the queue's own rings */
};

struct virtq_chain {
	u16 head;		/* what goes back into the used ring */
	u32 count;		/* segments */
	u32 readable;		/* the first `readable` segments are device-readable */
	bool any_bad;
	struct virtq_seg seg[VIRTQ_MAX_SIZE];
};

struct virtq {
	/* Driver-programmed (common configuration). */
	u16 size;
	bool enabled;
	u64 desc_gpa, avail_gpa, used_gpa;
	u16 msix_vector;
	/* Negotiated. */
	bool indirect;
	bool event_idx;
	/* Device state. */
	bool ready;		/* rings checked at enable time */
	u8 *desc, *avail, *used;	/* host views of the checked rings */
	u16 last_avail;
	u16 used_idx;
	u16 signalled_used;	/* used index at the last interrupt (event index) */
	bool signalled_valid;
};

/* Why a pop failed: the device must then set DEVICE_NEEDS_RESET. */
enum virtq_error {
	VIRTQ_OK = 0,
	VIRTQ_EMPTY,			/* nothing available: not an error */
	VIRTQ_ERR_NOT_READY,
	VIRTQ_ERR_AVAIL_IDX,		/* the driver claims more than size new entries */
	VIRTQ_ERR_HEAD,			/* head index >= queue size */
	VIRTQ_ERR_NEXT,			/* next index >= queue size */
	VIRTQ_ERR_LOOP,			/* chain longer than the queue (a loop) */
	VIRTQ_ERR_INDIRECT,		/* indirect without the feature, with NEXT, bad table */
	VIRTQ_ERR_NESTED,		/* an indirect descriptor inside an indirect table */
	VIRTQ_ERR_ORDER,		/* a readable descriptor after a writable one */
	VIRTQ_ERR_LEN,			/* a descriptor longer than VIRTQ_MAX_SEG_LEN */
	VIRTQ_ERR_RING,			/* the rings themselves are not in guest RAM */
};

const char *virtq_error_name(enum virtq_error e);

/*
 * Checks the rings the driver programmed (sizes and alignment of 2.7, every byte in guest RAM,
 * no overlap between them) and makes the queue ready.  VIRTQ_OK or VIRTQ_ERR_RING.
 */
enum virtq_error virtq_enable(struct virtq *q, const struct guest_mem *gm);
/* Back to the reset state (driver fields too); the MSI-X vector becomes NO_VECTOR. */
void virtq_reset(struct virtq *q);

/*
 * Pops the next available chain into *c, validating every descriptor (2.7.5, 2.7.5.3):
 * indexes, chain length, indirect tables, order, lengths; buffers outside RAM or over the
 * rings are marked bad (the device answers with an error status).  VIRTQ_EMPTY when the
 * driver has made nothing new available.
 */
enum virtq_error virtq_pop(struct virtq *q, const struct guest_mem *gm, struct virtq_chain *c);

/*
 * Puts head into the used ring with len bytes written, publishes the index, and says whether
 * the driver wants an interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT or the used event index).
 */
bool virtq_push(struct virtq *q, const struct guest_mem *gm, u16 head, u32 len);

/*
 * Copies between a chain's segments and a host buffer, starting off bytes into the readable
 * (or writable) part.  Returns bytes copied, or a negative error for a bad segment.
 */
s64 virtq_copy_from(const struct guest_mem *gm, const struct virtq_chain *c, u64 off, void *buf,
		    u64 len);
s64 virtq_copy_to(const struct guest_mem *gm, const struct virtq_chain *c, u64 off,
		  const void *buf, u64 len);
/* Total bytes of the readable and of the writable segments. */
u64 virtq_readable_len(const struct virtq_chain *c);
u64 virtq_writable_len(const struct virtq_chain *c);

/* Whether [gpa, gpa + len) is wholly inside guest RAM (possibly over adjacent RAM regions). */
bool virtq_range_is_ram(const struct guest_mem *gm, u64 gpa, u64 len);

#endif
