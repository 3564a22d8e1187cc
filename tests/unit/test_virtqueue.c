/*
 * Split virtqueues (devices/virtio/virtqueue.c): ring checks at enable time, every descriptor
 * validation rule (indexes, loops, order, lengths, indirect tables, buffers outside RAM, in MMIO
 * or over the rings), used-ring updates and interrupt suppression, chain copies; then random
 * descriptor tables (fuzz) under ASan: nothing outside guest RAM is ever accepted.
 */
// unit-deps: devices/virtio/virtqueue.c mm/guest_mem.c lib/string.c lib/errno.c
#include <stdint.h>
#include <stdlib.h>
#include "tests/unit/unit.h"
#include "devices/virtio/virtqueue.h"
#include "mm/guest_mem.h"
#include "lib/errno.h"

#define RAM0 0x0ULL		/* 1 MiB of RAM at 0 */
#define RAM0_SIZE 0x100000ULL
#define MMIO 0x100000ULL	/* 64 KiB of MMIO right after */
#define RAM1 0x200000ULL	/* two adjacent RAM regions at 2 MiB and 2 MiB + 64 KiB */
#define RAM1_SIZE 0x10000ULL
#define RAM2 (RAM1 + RAM1_SIZE)
#define RAM2_SIZE 0x10000ULL
#define HOLE 0x400000ULL	/* nothing here */

#define DESC 0x1000ULL
#define AVAIL 0x2000ULL
#define USED 0x3000ULL
#define IND 0x5000ULL
#define BUF 0x10000ULL
#define QSIZE 16

static struct guest_mem gm;
static u8 *ram0, *ram1;
static struct virtq q;
static struct virtq_chain chain;

static void *at(u64 gpa)
{
	if (gpa >= RAM1)
		return ram1 + (gpa - RAM1);
	return ram0 + gpa;
}

static void set_desc(u64 table, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy((u8 *)at(table) + 16 * i, &d, 16);
}

static u16 avail_idx;

/* Makes head available (the driver's side of 2.7.13). */
static void offer(u16 head)
{
	u16 *ring = at(AVAIL + 4);

	ring[avail_idx % QSIZE] = head;
	avail_idx++;
	*(u16 *)at(AVAIL + 2) = avail_idx;
}

static void fresh_queue(bool indirect, bool event_idx)
{
	memset(ram0, 0, RAM0_SIZE);
	avail_idx = 0;
	virtq_reset(&q);
	q.size = QSIZE;
	q.desc_gpa = DESC;
	q.avail_gpa = AVAIL;
	q.used_gpa = USED;
	q.indirect = indirect;
	q.event_idx = event_idx;
	if (virtq_enable(&q, &gm) != VIRTQ_OK)
		CHECK("queue enables", false);
}

static enum virtq_error pop(void)
{
	return virtq_pop(&q, &gm, &chain);
}

static void test_enable(void)
{
	static const struct {
		const char *name;
		u16 size;
		u64 desc, avail, used;
		enum virtq_error want;
	} cases[] = {
		{ "enable: good rings", QSIZE, DESC, AVAIL, USED, VIRTQ_OK },
		{ "enable: size 0", 0, DESC, AVAIL, USED, VIRTQ_ERR_RING },
		{ "enable: size not a power of two", 12, DESC, AVAIL, USED, VIRTQ_ERR_RING },
		{ "enable: size above the maximum", 512, DESC, AVAIL, USED, VIRTQ_ERR_RING },
		{ "enable: descriptor table misaligned", QSIZE, DESC + 8, AVAIL, USED, VIRTQ_ERR_RING },
		{ "enable: available ring misaligned", QSIZE, DESC, AVAIL + 1, USED, VIRTQ_ERR_RING },
		{ "enable: used ring misaligned", QSIZE, DESC, AVAIL, USED + 2, VIRTQ_ERR_RING },
		{ "enable: descriptor table in MMIO", QSIZE, MMIO, AVAIL, USED, VIRTQ_ERR_RING },
		{ "enable: used ring outside guest memory", QSIZE, DESC, AVAIL, HOLE, VIRTQ_ERR_RING },
		{ "enable: ring running off the end of RAM", QSIZE, DESC, AVAIL, RAM0_SIZE - 8,
		  VIRTQ_ERR_RING },
		{ "enable: used ring over the descriptor table", QSIZE, DESC, AVAIL, DESC + 64,
		  VIRTQ_ERR_RING },
		{ "enable: used ring over the available ring", QSIZE, DESC, AVAIL, AVAIL + 4,
		  VIRTQ_ERR_RING },
		{ "enable: address wraps", QSIZE, ~0ULL - 15, AVAIL, USED, VIRTQ_ERR_RING },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		virtq_reset(&q);
		q.size = cases[i].size;
		q.desc_gpa = cases[i].desc;
		q.avail_gpa = cases[i].avail;
		q.used_gpa = cases[i].used;
		CHECK_INT(cases[i].name, virtq_enable(&q, &gm), cases[i].want);
		CHECK_INT("enable: ready only when good", q.ready, cases[i].want == VIRTQ_OK);
	}
	virtq_reset(&q);
	CHECK_INT("pop: a queue never enabled is not ready", pop(), VIRTQ_ERR_NOT_READY);
	CHECK_INT("reset: no MSI-X vector", q.msix_vector, 0xffff);
}

static void test_simple_chain(void)
{
	fresh_queue(false, false);
	CHECK_INT("pop: empty queue", pop(), VIRTQ_EMPTY);
	set_desc(DESC, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 7);
	set_desc(DESC, 7, BUF + 0x100, 512, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(3);
	CHECK_INT("pop: good chain", pop(), VIRTQ_OK);
	CHECK_INT("chain: head", chain.head, 3);
	CHECK_INT("chain: three segments", chain.count, 3);
	CHECK_INT("chain: two readable", chain.readable, 2);
	CHECK_U64("chain: second buffer address", chain.seg[1].gpa, BUF + 0x100);
	CHECK_INT("chain: second buffer length", chain.seg[1].len, 512);
	CHECK("chain: last is writable", chain.seg[2].write);
	CHECK("chain: nothing bad", !chain.any_bad);
	CHECK_U64("chain: readable bytes", virtq_readable_len(&chain), 528);
	CHECK_U64("chain: writable bytes", virtq_writable_len(&chain), 1);
	CHECK_INT("pop: empty again", pop(), VIRTQ_EMPTY);

	/* The driver changes the descriptor after the pop: what was popped stays. */
	set_desc(DESC, 7, HOLE, 512, VIRTQ_DESC_F_NEXT, 1);
	CHECK_U64("chain: copied once", chain.seg[1].gpa, BUF + 0x100);
}

static void test_index_rules(void)
{
	fresh_queue(false, false);
	offer(QSIZE);
	CHECK_INT("pop: head equal to the queue size", pop(), VIRTQ_ERR_HEAD);

	fresh_queue(false, false);
	offer(0xffff);
	CHECK_INT("pop: head 0xffff", pop(), VIRTQ_ERR_HEAD);

	fresh_queue(false, false);
	set_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	offer(0);
	CHECK_INT("pop: next out of range", pop(), VIRTQ_ERR_NEXT);

	fresh_queue(false, false);
	set_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	CHECK_INT("pop: two-descriptor loop", pop(), VIRTQ_ERR_LOOP);

	fresh_queue(false, false);
	set_desc(DESC, 5, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	offer(5);
	CHECK_INT("pop: descriptor chained to itself", pop(), VIRTQ_ERR_LOOP);

	fresh_queue(false, false);
	for (u16 i = 0; i < QSIZE; i++)
		set_desc(DESC, i, BUF, 16, i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0, (u16)(i + 1));
	offer(0);
	CHECK_INT("pop: chain of exactly the queue size", pop(), VIRTQ_OK);
	CHECK_INT("chain: all descriptors", chain.count, QSIZE);

	fresh_queue(false, false);
	*(u16 *)at(AVAIL + 2) = QSIZE + 1;
	CHECK_INT("pop: available index jumps past the size", pop(), VIRTQ_ERR_AVAIL_IDX);

	fresh_queue(false, false);
	set_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, BUF + 16, 16, 0, 0);
	offer(0);
	CHECK_INT("pop: readable after writable", pop(), VIRTQ_ERR_ORDER);

	fresh_queue(false, false);
	set_desc(DESC, 0, BUF, VIRTQ_MAX_SEG_LEN + 1, 0, 0);
	offer(0);
	CHECK_INT("pop: oversized length", pop(), VIRTQ_ERR_LEN);

	fresh_queue(false, false);
	set_desc(DESC, 0, BUF, 0xffffffff, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	CHECK_INT("pop: length 4 GiB - 1", pop(), VIRTQ_ERR_LEN);
}

/* One descriptor at addr/len: pops it and says whether it was marked bad. */
static bool one_bad(u64 addr, u32 len, u16 flags)
{
	fresh_queue(false, false);
	set_desc(DESC, 0, addr, len, flags, 0);
	offer(0);
	if (pop() != VIRTQ_OK)
		return false;
	return chain.seg[0].bad && chain.any_bad;
}

static void test_buffer_rules(void)
{
	CHECK("buffer: in RAM is good", !one_bad(BUF, 4096, VIRTQ_DESC_F_WRITE));
	CHECK("buffer: in MMIO is bad", one_bad(MMIO, 4, VIRTQ_DESC_F_WRITE));
	CHECK("buffer: outside guest memory is bad", one_bad(HOLE, 512, 0));
	CHECK("buffer: running from RAM into MMIO is bad", one_bad(MMIO - 8, 16, VIRTQ_DESC_F_WRITE));
	CHECK("buffer: address wrapping around is bad", one_bad(~0ULL - 100, 512, 0));
	CHECK("buffer: over the descriptor table is bad", one_bad(DESC + 32, 16, VIRTQ_DESC_F_WRITE));
	CHECK("buffer: over the available ring is bad", one_bad(AVAIL, 2, VIRTQ_DESC_F_WRITE));
	CHECK("buffer: over the used ring is bad", one_bad(USED - 4, 8, VIRTQ_DESC_F_WRITE));
	CHECK("buffer: readable over the rings is bad too", one_bad(DESC, 16, 0));
	CHECK("buffer: across two adjacent RAM regions is good",
	      !one_bad(RAM2 - 256, 512, VIRTQ_DESC_F_WRITE));
	CHECK("buffer: just past the last RAM region is bad",
	      one_bad(RAM2 + RAM2_SIZE - 256, 512, VIRTQ_DESC_F_WRITE));
	CHECK("buffer: length 0 is harmless", !one_bad(HOLE, 0, VIRTQ_DESC_F_WRITE));
}

static void test_indirect(void)
{
	fresh_queue(false, false);
	set_desc(IND, 0, BUF, 16, 0, 0);
	set_desc(DESC, 0, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: without the feature", pop(), VIRTQ_ERR_INDIRECT);

	fresh_queue(true, false);
	set_desc(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(IND, 1, BUF + 0x100, 512, VIRTQ_DESC_F_NEXT, 2);
	set_desc(IND, 2, BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	set_desc(DESC, 0, IND, 48, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: good table", pop(), VIRTQ_OK);
	CHECK_INT("indirect: three segments", chain.count, 3);
	CHECK_INT("indirect: two readable", chain.readable, 2);
	CHECK_U64("indirect: third buffer", chain.seg[2].gpa, BUF + 0x400);

	fresh_queue(true, false);
	set_desc(DESC, 0, IND, 48, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	offer(0);
	CHECK_INT("indirect: with NEXT", pop(), VIRTQ_ERR_INDIRECT);

	fresh_queue(true, false);
	set_desc(DESC, 0, IND, 40, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: length not a multiple of 16", pop(), VIRTQ_ERR_INDIRECT);

	fresh_queue(true, false);
	set_desc(DESC, 0, IND, 0, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: empty table", pop(), VIRTQ_ERR_INDIRECT);

	fresh_queue(true, false);
	set_desc(DESC, 0, IND, 16 * (QSIZE + 1), VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: table larger than the queue", pop(), VIRTQ_ERR_INDIRECT);

	fresh_queue(true, false);
	set_desc(DESC, 0, MMIO, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: table in MMIO", pop(), VIRTQ_ERR_INDIRECT);

	fresh_queue(true, false);
	set_desc(DESC, 0, HOLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: table outside guest memory", pop(), VIRTQ_ERR_INDIRECT);

	fresh_queue(true, false);
	set_desc(IND, 0, IND + 0x100, 32, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(DESC, 0, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: nested indirect", pop(), VIRTQ_ERR_NESTED);

	fresh_queue(true, false);
	set_desc(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(IND, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	set_desc(DESC, 0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: loop inside the table", pop(), VIRTQ_ERR_LOOP);

	fresh_queue(true, false);
	set_desc(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	set_desc(DESC, 0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: next past the table", pop(), VIRTQ_ERR_NEXT);

	fresh_queue(true, false);
	set_desc(IND, 0, HOLE, 16, 0, 0);
	set_desc(DESC, 0, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_INT("indirect: bad buffer inside pops", pop(), VIRTQ_OK);
	CHECK("indirect: the buffer is marked bad", chain.any_bad && chain.seg[0].bad);

	fresh_queue(true, false);
	set_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(IND, 0, BUF + 0x100, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	CHECK_INT("indirect: after a direct descriptor", pop(), VIRTQ_OK);
	CHECK_INT("indirect: both segments", chain.count, 2);
}

static void test_used_ring(void)
{
	u16 *avail_flags = at(AVAIL), *used_idx = at(USED + 2), *used_event = at(AVAIL + 4 + 2 * QSIZE);
	u16 *avail_event = at(USED + 4 + 8 * QSIZE);
	u32 *elem = at(USED + 4);

	fresh_queue(false, false);
	CHECK("push: interrupt by default", virtq_push(&q, &gm, 5, 77));
	CHECK_INT("push: used index", *used_idx, 1);
	CHECK_INT("push: element id", elem[0], 5);
	CHECK_INT("push: element length", elem[1], 77);
	*avail_flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	CHECK("push: NO_INTERRUPT suppresses", !virtq_push(&q, &gm, 6, 0));
	CHECK_INT("push: index still advances", *used_idx, 2);

	fresh_queue(false, true);
	*used_event = 2;
	CHECK("event idx: no interrupt before used_event", !virtq_push(&q, &gm, 0, 0));
	CHECK("event idx: no interrupt at used_event", !virtq_push(&q, &gm, 0, 0));
	CHECK("event idx: interrupt when passing used_event", virtq_push(&q, &gm, 0, 0));
	CHECK("event idx: none after", !virtq_push(&q, &gm, 0, 0));
	*used_event = 0xffff;
	for (int i = 0; i < 70000 - 4; i++)
		(void)virtq_push(&q, &gm, 0, 0);
	CHECK_INT("event idx: index wraps", *used_idx, (u16)70000);

	fresh_queue(false, true);
	set_desc(DESC, 0, BUF, 16, 0, 0);
	offer(0);
	offer(0);
	CHECK_INT("event idx: pop", pop(), VIRTQ_OK);
	CHECK_INT("event idx: avail_event follows the device", *avail_event, 1);
	CHECK_INT("event idx: pop again", pop(), VIRTQ_OK);
	CHECK_INT("event idx: empty", pop(), VIRTQ_EMPTY);
	CHECK_INT("event idx: avail_event asks for the next", *avail_event, 2);

	virtq_reset(&q);
	CHECK("push: not ready does nothing", !virtq_push(&q, &gm, 0, 0));
}

static void test_copy(void)
{
	u8 buf[64], out[64];

	fresh_queue(false, false);
	for (int i = 0; i < 64; i++)
		buf[i] = (u8)i;
	memcpy(at(BUF), buf, 10);
	memcpy(at(BUF + 0x100), buf + 10, 22);
	set_desc(DESC, 0, BUF, 10, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, BUF + 0x100, 22, VIRTQ_DESC_F_NEXT, 2);
	set_desc(DESC, 2, BUF + 0x200, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	set_desc(DESC, 3, HOLE, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	CHECK_INT("copy: pop", pop(), VIRTQ_OK);
	memset(out, 0, sizeof(out));
	CHECK_INT("copy: across readable segments", virtq_copy_from(&gm, &chain, 4, out, 20), 20);
	CHECK("copy: the right bytes", !memcmp(out, buf + 4, 20));
	CHECK_INT("copy: stops at the readable end", virtq_copy_from(&gm, &chain, 30, out, 10), 2);
	CHECK_INT("copy: into the writable segment", virtq_copy_to(&gm, &chain, 0, buf, 8), 8);
	CHECK("copy: landed", !memcmp(at(BUF + 0x200), buf, 8));
	CHECK_INT("copy: into a bad segment fails", virtq_copy_to(&gm, &chain, 8, buf, 8), -EFAULT);
	CHECK_INT("copy: into a bad segment fails partway",
		  virtq_copy_to(&gm, &chain, 4, buf, 8), -EFAULT);
}

static bool over(const struct virtq_seg *g, u64 base, u64 len)
{
	return g->gpa < base + len && base < g->gpa + g->len;
}

/* Random tables: whatever comes back, no accepted buffer lies outside RAM or over the rings. */
static void test_fuzz(void)
{
	static const u64 addrs[] = { BUF, DESC, AVAIL, USED, IND, MMIO, HOLE, RAM1, RAM2 - 8,
				     RAM0_SIZE - 16, ~0ULL - 7, 0 };
	u32 ok = 0, errors = 0, violations = 0;

	srand(12345);
	for (int round = 0; round < 20000; round++) {
		bool ind = rand() & 1, ev = rand() & 1;

		fresh_queue(ind, ev);
		for (u16 i = 0; i < QSIZE; i++) {
			u64 a = addrs[rand() % ARRAY_SIZE(addrs)] + (u64)(rand() % 64);
			u32 len = rand() % 4 ? (u32)(rand() % 8192) : (u32)rand() * 2654435761u;

			set_desc(DESC, i, a, len, (u16)(rand() % 8), (u16)(rand() % (QSIZE + 2)));
			set_desc(IND, i, a, len, (u16)(rand() % 8), (u16)(rand() % (QSIZE + 2)));
			if (rand() % 3 == 0)
				set_desc(DESC, i, IND, (u32)(16 * (rand() % (QSIZE + 2))),
					 VIRTQ_DESC_F_INDIRECT | (rand() % 2), (u16)(rand() % QSIZE));
		}
		for (int k = 0; k < 4; k++)
			offer((u16)(rand() % (QSIZE + 1)));
		for (int k = 0; k < 5; k++) {
			enum virtq_error e = pop();

			if (e == VIRTQ_EMPTY)
				break;
			if (e != VIRTQ_OK) {
				errors++;
				if (e > VIRTQ_ERR_RING)
					violations++;
				break;
			}
			ok++;
			if (chain.count > QSIZE || chain.readable > chain.count)
				violations++;
			for (u32 s = 0; s < chain.count; s++) {
				const struct virtq_seg *g = &chain.seg[s];

				if (g->bad || !g->len)
					continue;
				if (!virtq_range_is_ram(&gm, g->gpa, g->len) ||
				    over(g, DESC, 16 * QSIZE) || over(g, AVAIL, 6 + 2 * QSIZE) ||
				    over(g, USED, 6 + 8 * QSIZE))
					violations++;
				/* Touching an accepted buffer must be safe (ASan watches). */
				if (g->write)
					memset(at(g->gpa), 0xa5, g->len);
			}
		}
	}
	CHECK("fuzz: some chains accepted", ok > 100);
	CHECK("fuzz: some chains refused", errors > 100);
	CHECK_INT("fuzz: no accepted buffer outside RAM or over the rings", violations, 0);
}

int main(void)
{
	ram0 = aligned_alloc(4096, RAM0_SIZE);
	ram1 = aligned_alloc(4096, RAM1_SIZE + RAM2_SIZE);
	memset(ram1, 0, RAM1_SIZE + RAM2_SIZE);
	guest_mem_init(&gm);
	if (guest_mem_add(&gm, RAM0, RAM0_SIZE, GUEST_RAM, (u64)(uintptr_t)ram0, "ram0") ||
	    guest_mem_add(&gm, MMIO, 0x10000, GUEST_MMIO, 0, "mmio") ||
	    guest_mem_add(&gm, RAM1, RAM1_SIZE, GUEST_RAM, (u64)(uintptr_t)ram1, "ram1") ||
	    guest_mem_add(&gm, RAM2, RAM2_SIZE, GUEST_RAM, (u64)(uintptr_t)ram1 + RAM1_SIZE, "ram2")) {
		printf("FAIL: guest memory setup\n");
		return 1;
	}
	test_enable();
	test_simple_chain();
	test_index_rules();
	test_buffer_rules();
	test_indirect();
	test_used_ring();
	test_copy();
	test_fuzz();
	free(ram0);
	free(ram1);
	return unit_summary();
}
