/*
 * Standalone page allocator: a bitmap over the available RAM below 4 GiB from
 * the Multiboot2 memory map, minus the image, the boot information and modules.
 */
#include "host/bare/bare.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/string.h"

#define PAGES_MAX (BARE_MAPPED_LIMIT / PAGE_SIZE)
#define WORD_BITS 64
#define WORDS (PAGES_MAX / WORD_BITS)
#define LOW_LIMIT (1ULL << 20)	/* real-mode memory, BIOS data, EBDA: never handed out */

/* Bit set: the page is free.  managed: the page belongs to the allocator at all. */
static u64 free_map[WORDS];
static u64 managed_map[WORDS];
static u64 page_limit;		/* one past the highest managed page */
static u64 search_hint;		/* no free page below this index */
static struct host_mem_summary summary;
static int pages_lock;

static void pages_acquire(void)
{
	while (__atomic_exchange_n(&pages_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void pages_release(void)
{
	__atomic_store_n(&pages_lock, 0, __ATOMIC_RELEASE);
}

static bool bit_test(const u64 *map, u64 i)
{
	return map[i / WORD_BITS] & BIT(i % WORD_BITS);
}

/* Sets (value=true) or clears the bits [first, end) of map. */
static void bits_assign(u64 *map, u64 first, u64 end, bool value)
{
	u64 i = first;

	while (i < end) {
		if (i % WORD_BITS == 0 && end - i >= WORD_BITS) {
			map[i / WORD_BITS] = value ? ~0ULL : 0;
			i += WORD_BITS;
			continue;
		}
		if (value)
			map[i / WORD_BITS] |= BIT(i % WORD_BITS);
		else
			map[i / WORD_BITS] &= ~BIT(i % WORD_BITS);
		i++;
	}
}

/* The first index in [i, end) whose bit equals value, or end. */
static u64 bits_find(const u64 *map, u64 i, u64 end, bool value)
{
	while (i < end) {
		u64 w = map[i / WORD_BITS];

		if (!value)
			w = ~w;
		w &= ~0ULL << (i % WORD_BITS);
		if (w) {
			u64 hit = ALIGN_DOWN(i, WORD_BITS) + (u64)__builtin_ctzll(w);

			return MIN(hit, end);
		}
		i = ALIGN_DOWN(i, WORD_BITS) + WORD_BITS;
	}
	return end;
}

/* Marks whole pages inside [base, base+len) as managed and free, or takes them away. */
static void pages_mark(u64 base, u64 len, bool usable)
{
	u64 end = base + len, first, last;

	if (end < base)
		end = UINT64_MAX;
	if (usable) {
		/* Only whole pages inside the range, and only the mapped low 4 GiB above 1 MiB. */
		base = MAX(base, LOW_LIMIT);
		end = MIN(end, BARE_MAPPED_LIMIT);
		if (base >= end)
			return;
		first = ALIGN_UP(base, PAGE_SIZE) / PAGE_SIZE;
		last = ALIGN_DOWN(end, PAGE_SIZE) / PAGE_SIZE;
	} else {
		/* Every page the range touches. */
		end = MIN(end, BARE_MAPPED_LIMIT);
		if (base >= end)
			return;
		first = ALIGN_DOWN(base, PAGE_SIZE) / PAGE_SIZE;
		last = ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE;
	}
	if (first >= last)
		return;
	bits_assign(free_map, first, last, usable);
	bits_assign(managed_map, first, last, usable);
}

static void pages_summarise(const struct bare_boot_info *bi)
{
	u64 total = 0, i = 0, free_pages = 0, largest = 0, highest = 0;
	u32 n;

	for (n = 0; n < bi->mmap_count; n++)
		total += bi->mmap[n].len;
	while (i < page_limit) {
		u64 start = bits_find(free_map, i, page_limit, true);
		u64 end = bits_find(free_map, start, page_limit, false);

		if (start == page_limit)
			break;
		free_pages += end - start;
		largest = MAX(largest, end - start);
		highest = end;
		i = end;
	}
	summary.entries = bi->mmap_count;
	summary.usable_bytes = free_pages * PAGE_SIZE;
	summary.reserved_bytes = total > summary.usable_bytes ? total - summary.usable_bytes : 0;
	summary.largest_free = largest * PAGE_SIZE;
	summary.highest_addr = highest * PAGE_SIZE;
}

void bare_pages_init(const struct bare_boot_info *bi)
{
	u32 n;

	/* Available RAM first; then every other type wins where entries overlap. */
	for (n = 0; n < bi->mmap_count; n++)
		if (bi->mmap[n].type == BARE_MEM_AVAILABLE)
			pages_mark(bi->mmap[n].base, bi->mmap[n].len, true);
	for (n = 0; n < bi->mmap_count; n++)
		if (bi->mmap[n].type != BARE_MEM_AVAILABLE)
			pages_mark(bi->mmap[n].base, bi->mmap[n].len, false);
	pages_mark((uintptr_t)__image_start, (uintptr_t)__image_end - (uintptr_t)__image_start,
		   false);
	pages_mark(bi->info_start, bi->info_end - bi->info_start, false);
	for (n = 0; n < bi->module_count; n++)
		pages_mark(bi->modules[n].start, bi->modules[n].end - bi->modules[n].start, false);

	page_limit = PAGES_MAX;
	while (page_limit && !bit_test(managed_map, page_limit - 1))
		page_limit--;
	search_hint = bits_find(free_map, 0, page_limit, true);
	pages_summarise(bi);
	if (!summary.usable_bytes)
		log_warn("pages: no usable RAM in the memory map\n");
}

void bare_pages_summary(struct host_mem_summary *out)
{
	*out = summary;
}

static void pages_zero(u64 addr, u64 count)
{
	void *dst = (void *)(uintptr_t)addr;
	u64 words = count * PAGE_SIZE / 8;

	asm volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(0ULL) : "memory");
}

/* First fit: the lowest run of count free pages. */
u64 host_pages_alloc(u64 count)
{
	u64 i, start = 0;
	bool found = false;

	if (!count || count > PAGES_MAX)
		return 0;
	pages_acquire();
	i = search_hint;
	while (i + count <= page_limit) {
		u64 end;

		start = bits_find(free_map, i, page_limit, true);
		if (start + count > page_limit)
			break;
		end = bits_find(free_map, start, start + count, false);
		if (end == start + count) {
			found = true;
			break;
		}
		i = end;
	}
	if (found) {
		bits_assign(free_map, start, start + count, false);
		if (start == search_hint)
			search_hint = bits_find(free_map, start + count, page_limit, true);
	}
	pages_release();
	if (!found)
		return 0;
	pages_zero(start * PAGE_SIZE, count);
	return start * PAGE_SIZE;
}

void host_pages_free(u64 addr, u64 count)
{
	u64 first = addr / PAGE_SIZE, i;

	if (!count)
		return;
	if (addr % PAGE_SIZE || first >= page_limit || count > page_limit - first)
		panic("host_pages_free(0x%llx, %llu): not an allocator range",
		      (unsigned long long)addr, (unsigned long long)count);
	pages_acquire();
	for (i = first; i < first + count; i++) {
		if (!bit_test(managed_map, i) || bit_test(free_map, i)) {
			pages_release();
			panic("host_pages_free(0x%llx, %llu): page 0x%llx is %s",
			      (unsigned long long)addr, (unsigned long long)count,
			      (unsigned long long)(i * PAGE_SIZE),
			      bit_test(managed_map, i) ? "already free" : "not allocatable");
		}
	}
	bits_assign(free_map, first, first + count, true);
	search_hint = MIN(search_hint, first);
	pages_release();
}
