/*
 * libFuzzer target for split virtqueues (devices/virtio/virtqueue.c): the input becomes the
 * guest's descriptor table, available ring and an indirect table, plus the negotiated features;
 * every chain popped must have only buffers inside guest RAM and off the rings, and copying
 * into the writable ones must stay there (ASan watches the RAM's edges).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/virtqueue.h"
#include "mm/guest_mem.h"

#define RAM_SIZE 0x40000ULL	/* 256 KiB of RAM at 0, then MMIO, then RAM again */
#define MMIO 0x40000ULL
#define RAM2 0x50000ULL
#define QSIZE 16
#define DESC 0x1000ULL
#define AVAIL 0x2000ULL
#define USED 0x3000ULL
#define IND 0x4000ULL

static u8 *ram, *ram2;
static struct guest_mem gm;
static struct virtq_chain chain;

static bool over(const struct virtq_seg *g, u64 base, u64 len)
{
	return g->gpa < base + len && base < g->gpa + g->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtq q;
	static u8 scratch[VIRTQ_MAX_SEG_LEN / 64];

	if (!ram) {
		ram = aligned_alloc(4096, RAM_SIZE);
		ram2 = aligned_alloc(4096, 0x10000);
		guest_mem_init(&gm);
		if (guest_mem_add(&gm, 0, RAM_SIZE, GUEST_RAM, (u64)(uintptr_t)ram, "ram") ||
		    guest_mem_add(&gm, MMIO, 0x10000, GUEST_MMIO, 0, "mmio") ||
		    guest_mem_add(&gm, RAM2, 0x10000, GUEST_RAM, (u64)(uintptr_t)ram2, "ram2"))
			abort();
	}
	if (size < 1)
		return 0;
	memset(ram, 0, RAM_SIZE);
	virtq_reset(&q);
	q.size = QSIZE;
	q.desc_gpa = DESC;
	q.avail_gpa = AVAIL;
	q.used_gpa = USED;
	q.indirect = data[0] & 1;
	q.event_idx = data[0] & 2;
	data++;
	size--;
	/* Descriptors (256 bytes), the available ring (38 bytes), the indirect table (the rest). */
	memcpy(ram + DESC, data, size < 256 ? size : 256);
	if (size > 256)
		memcpy(ram + AVAIL, data + 256, size - 256 < 38 ? size - 256 : 38);
	if (size > 294)
		memcpy(ram + IND, data + 294, size - 294 < 0x1000 ? size - 294 : 0x1000);
	if (virtq_enable(&q, &gm) != VIRTQ_OK)
		abort();
	for (int n = 0; n < 2 * QSIZE; n++) {
		enum virtq_error e = virtq_pop(&q, &gm, &chain);

		if (e != VIRTQ_OK)
			break;
		if (chain.count > QSIZE || chain.readable > chain.count)
			abort();
		for (u32 i = 0; i < chain.count; i++) {
			const struct virtq_seg *g = &chain.seg[i];

			if (g->bad || !g->len)
				continue;
			if (!virtq_range_is_ram(&gm, g->gpa, g->len) || over(g, DESC, 16 * QSIZE) ||
			    over(g, AVAIL, 6 + 2 * QSIZE) || over(g, USED, 6 + 8 * QSIZE))
				abort();
		}
		/* Copy into the writable part and out of the readable part, through guest_mem. */
		(void)virtq_copy_to(&gm, &chain, 0, scratch, sizeof(scratch));
		(void)virtq_copy_from(&gm, &chain, 0, scratch, sizeof(scratch));
		(void)virtq_push(&q, &gm, chain.head, 1);
	}
	return 0;
}
