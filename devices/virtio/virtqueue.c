/*
 * Split virtqueues, device side (virtio 1.1, 2.7).  Everything read from the guest is copied
 * into a local once and checked before use; nothing here ever touches memory outside the
 * guest's RAM regions.
 */
#include "devices/virtio/virtqueue.h"
#include "mm/guest_mem.h"
#include "lib/errno.h"
#include "lib/string.h"

#define barrier() asm volatile("" ::: "memory")

static const char *const error_names[] = {
	[VIRTQ_OK] = "ok",
	[VIRTQ_EMPTY] = "empty",
	[VIRTQ_ERR_NOT_READY] = "queue not ready",
	[VIRTQ_ERR_AVAIL_IDX] = "available index jumped past the queue size",
	[VIRTQ_ERR_HEAD] = "head index out of range",
	[VIRTQ_ERR_NEXT] = "next index out of range",
	[VIRTQ_ERR_LOOP] = "descriptor chain longer than the queue (loop)",
	[VIRTQ_ERR_INDIRECT] = "invalid indirect descriptor",
	[VIRTQ_ERR_NESTED] = "indirect descriptor inside an indirect table",
	[VIRTQ_ERR_ORDER] = "device-readable descriptor after a device-writable one",
	[VIRTQ_ERR_LEN] = "descriptor length too large",
	[VIRTQ_ERR_RING] = "rings not in guest RAM",
};

const char *virtq_error_name(enum virtq_error e)
{
	return (u32)e < ARRAY_SIZE(error_names) && error_names[e] ? error_names[e] : "?";
}

/* Little-endian guest fields, read once through volatile accesses (x86 is little-endian). */
static u16 rd16(const u8 *p)
{
	return *(const volatile u16 *)p;
}

static void wr16(u8 *p, u16 v)
{
	*(volatile u16 *)p = v;
}

static void wr32(u8 *p, u32 v)
{
	*(volatile u32 *)p = v;
}

/* One copy into a local (indirect tables need not be aligned); only the copy is used after. */
static void read_desc(const u8 *p, struct virtq_desc *d)
{
	memcpy(d, p, sizeof(*d));
	barrier();
}

bool virtq_range_is_ram(const struct guest_mem *gm, u64 gpa, u64 len)
{
	u64 end = gpa + len;

	if (end < gpa)
		return false;
	/* Each step moves to the next region: at most GUEST_MEM_MAX_REGIONS steps. */
	for (u32 i = 0; gpa < end && i <= GUEST_MEM_MAX_REGIONS; i++) {
		const struct guest_region *r = guest_mem_find(gm, gpa);

		if (!r || r->type != GUEST_RAM)
			return false;
		gpa = r->gpa + r->size;
	}
	return gpa >= end;
}

static u64 desc_bytes(u16 size) { return 16ULL * size; }
static u64 avail_bytes(u16 size) { return 6 + 2ULL * size; }
static u64 used_bytes(u16 size) { return 6 + 8ULL * size; }

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

enum virtq_error virtq_enable(struct virtq *q, const struct guest_mem *gm)
{
	u16 n = q->size;

	q->ready = false;
	/* 2.7: a power of two up to 32768 (we offer at most VIRTQ_MAX_SIZE); 2.7.1 alignments. */
	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)) || (q->desc_gpa & 15) ||
	    (q->avail_gpa & 1) || (q->used_gpa & 3))
		return VIRTQ_ERR_RING;
	/* The whole of each ring in one RAM region: it is accessed through a host pointer. */
	q->desc = guest_mem_ptr(gm, q->desc_gpa, desc_bytes(n), true);
	q->avail = guest_mem_ptr(gm, q->avail_gpa, avail_bytes(n), true);
	q->used = guest_mem_ptr(gm, q->used_gpa, used_bytes(n), true);
	if (!q->desc || !q->avail || !q->used ||
	    !virtq_range_is_ram(gm, q->desc_gpa, desc_bytes(n)) ||
	    !virtq_range_is_ram(gm, q->avail_gpa, avail_bytes(n)) ||
	    !virtq_range_is_ram(gm, q->used_gpa, used_bytes(n)) ||
	    overlaps(q->used_gpa, used_bytes(n), q->desc_gpa, desc_bytes(n)) ||
	    overlaps(q->used_gpa, used_bytes(n), q->avail_gpa, avail_bytes(n))) {
		q->desc = q->avail = q->used = NULL;
		return VIRTQ_ERR_RING;
	}
	q->last_avail = 0;
	q->used_idx = rd16(q->used + 2);
	q->signalled_valid = false;
	q->ready = true;
	return VIRTQ_OK;
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
	q->msix_vector = 0xffff;
}

/* A buffer the device may use: in RAM, not over the queue's own rings. */
static bool seg_ok(const struct virtq *q, const struct guest_mem *gm, u64 gpa, u32 len)
{
	if (!len)
		return true;
	if (!virtq_range_is_ram(gm, gpa, len))
		return false;
	return !overlaps(gpa, len, q->desc_gpa, desc_bytes(q->size)) &&
	       !overlaps(gpa, len, q->avail_gpa, avail_bytes(q->size)) &&
	       !overlaps(gpa, len, q->used_gpa, used_bytes(q->size));
}

static enum virtq_error add_seg(const struct virtq *q, const struct guest_mem *gm,
				struct virtq_chain *c, const struct virtq_desc *d)
{
	struct virtq_seg *s;
	bool write = d->flags & VIRTQ_DESC_F_WRITE;

	if (c->count >= q->size || c->count >= VIRTQ_MAX_SIZE)
		return VIRTQ_ERR_LOOP;
	if (d->len > VIRTQ_MAX_SEG_LEN)
		return VIRTQ_ERR_LEN;
	/* 2.7.4.2: device-writable buffers come after the device-readable ones. */
	if (!write && c->readable != c->count)
		return VIRTQ_ERR_ORDER;
	s = &c->seg[c->count++];
	s->gpa = d->addr;
	s->len = d->len;
	s->write = write;
	s->bad = !seg_ok(q, gm, d->addr, d->len);
	c->any_bad |= s->bad;
	if (!write)
		c->readable++;
	return VIRTQ_OK;
}

/* 2.7.5.3: a table of len / 16 descriptors, chained by next inside the table, never nested. */
static enum virtq_error walk_indirect(const struct virtq *q, const struct guest_mem *gm,
				      struct virtq_chain *c, const struct virtq_desc *ind)
{
	u32 n = ind->len / 16, i = 0, visited = 0;
	const u8 *table;

	if (!q->indirect || (ind->flags & VIRTQ_DESC_F_NEXT) || !ind->len || (ind->len & 15) ||
	    n > q->size || (ind->flags & VIRTQ_DESC_F_WRITE))
		return VIRTQ_ERR_INDIRECT;
	table = guest_mem_ptr(gm, ind->addr, ind->len, true);
	if (!table || !virtq_range_is_ram(gm, ind->addr, ind->len))
		return VIRTQ_ERR_INDIRECT;
	for (;;) {
		struct virtq_desc d;
		enum virtq_error e;

		if (++visited > n)
			return VIRTQ_ERR_LOOP;
		read_desc(table + 16 * i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return VIRTQ_ERR_NESTED;
		e = add_seg(q, gm, c, &d);
		if (e)
			return e;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return VIRTQ_OK;
		if (d.next >= n)
			return VIRTQ_ERR_NEXT;
		i = d.next;
	}
}

enum virtq_error virtq_pop(struct virtq *q, const struct guest_mem *gm, struct virtq_chain *c)
{
	u16 avail_idx, head, i;
	u32 visited = 0;

	if (!q->ready)
		return VIRTQ_ERR_NOT_READY;
	avail_idx = rd16(q->avail + 2);
	if ((u16)(avail_idx - q->last_avail) > q->size)
		return VIRTQ_ERR_AVAIL_IDX;
	if (avail_idx == q->last_avail) {
		/* Ask for a notification when the driver adds the next one. */
		if (q->event_idx)
			wr16(q->used + 4 + 8 * q->size, q->last_avail);
		return VIRTQ_EMPTY;
	}
	barrier();	/* the ring entry after the index (x86: loads are not reordered) */
	head = rd16(q->avail + 4 + 2 * (q->last_avail & (q->size - 1)));
	q->last_avail++;
	if (q->event_idx)
		wr16(q->used + 4 + 8 * q->size, q->last_avail);
	c->head = head;
	c->count = c->readable = 0;
	c->any_bad = false;
	if (head >= q->size)
		return VIRTQ_ERR_HEAD;
	for (i = head;;) {
		struct virtq_desc d;
		enum virtq_error e;

		if (++visited > q->size)
			return VIRTQ_ERR_LOOP;
		read_desc(q->desc + 16 * i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return walk_indirect(q, gm, c, &d);
		e = add_seg(q, gm, c, &d);
		if (e)
			return e;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return VIRTQ_OK;
		if (d.next >= q->size)
			return VIRTQ_ERR_NEXT;
		i = d.next;
	}
}

bool virtq_push(struct virtq *q, const struct guest_mem *gm, u16 head, u32 len)
{
	u8 *e;
	u16 old, event;

	(void)gm;
	if (!q->ready)
		return false;
	e = q->used + 4 + 8 * (q->used_idx & (q->size - 1));
	wr32(e, head);
	wr32(e + 4, len);
	barrier();	/* the element before the index (x86: stores are not reordered) */
	old = q->used_idx++;
	wr16(q->used + 2, q->used_idx);
	asm volatile("mfence" ::: "memory");	/* publish the index before reading the event */
	if (q->event_idx) {
		/* 2.7.7.2: interrupt when the used index passes used_event. */
		event = rd16(q->avail + 4 + 2 * q->size);
		return (u16)(q->used_idx - event - 1) < (u16)(q->used_idx - old);
	}
	return !(rd16(q->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

u64 virtq_readable_len(const struct virtq_chain *c)
{
	u64 n = 0;

	for (u32 i = 0; i < c->readable; i++)
		n += c->seg[i].len;
	return n;
}

u64 virtq_writable_len(const struct virtq_chain *c)
{
	u64 n = 0;

	for (u32 i = c->readable; i < c->count; i++)
		n += c->seg[i].len;
	return n;
}

/* Copies len bytes at off of the readable (to_guest false) or writable part. */
static s64 chain_copy(const struct guest_mem *gm, const struct virtq_chain *c, u64 off,
		      void *buf, u64 len, bool to_guest)
{
	u32 first = to_guest ? c->readable : 0, last = to_guest ? c->count : c->readable;
	u64 done = 0;

	for (u32 i = first; i < last && done < len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		u64 n;
		int err;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		if (s->bad)
			return -EFAULT;
		n = MIN(s->len - off, len - done);
		err = to_guest ? guest_mem_write(gm, s->gpa + off, (u8 *)buf + done, n) :
				 guest_mem_read(gm, s->gpa + off, (u8 *)buf + done, n);
		if (err)
			return err;
		done += n;
		off = 0;
	}
	return (s64)done;
}

s64 virtq_copy_from(const struct guest_mem *gm, const struct virtq_chain *c, u64 off, void *buf,
		    u64 len)
{
	return chain_copy(gm, c, off, buf, len, false);
}

s64 virtq_copy_to(const struct guest_mem *gm, const struct virtq_chain *c, u64 off,
		  const void *buf, u64 len)
{
	return chain_copy(gm, c, off, (void *)buf, len, true);
}
