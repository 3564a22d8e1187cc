/*
 * A VM's guest-physical map (sorted, non-overlapping regions) and the
 * bounds-checked copies to and from guest RAM that everything else uses.
 */
#include "mm/guest_mem.h"
#include "lib/errno.h"
#include "lib/string.h"

#define GM_HPA_LIMIT BIT(52)	/* architectural MAXPHYADDR limit (SDM 4.1.4) */

void guest_mem_init(struct guest_mem *gm)
{
	memset(gm, 0, sizeof(*gm));
}

static bool gm_type_ok(enum guest_region_type type)
{
	return type == GUEST_RAM || type == GUEST_RESERVED || type == GUEST_MMIO ||
	       type == GUEST_ROM;
}

static bool gm_backed(enum guest_region_type type)
{
	return type == GUEST_RAM || type == GUEST_ROM;
}

/* The count, clamped so a corrupted structure cannot send a loop past the array. */
static u32 gm_count(const struct guest_mem *gm)
{
	return MIN(gm->count, (u32)GUEST_MEM_MAX_REGIONS);
}

int guest_mem_add(struct guest_mem *gm, u64 gpa, u64 size, enum guest_region_type type,
		  u64 hpa, const char *name)
{
	u32 count = gm_count(gm);
	u64 end = gpa + size;
	u32 i, pos;

	if (!size || (gpa | size) & (PAGE_SIZE - 1) || end < gpa || !gm_type_ok(type))
		return -EINVAL;
	if (gm_backed(type)) {
		if (hpa & (PAGE_SIZE - 1) || hpa + size < hpa || hpa + size > GM_HPA_LIMIT)
			return -EINVAL;
	} else {
		hpa = 0;
	}

	/*
	 * The first region at or above gpa: only it and its predecessor can
	 * overlap the new one.
	 */
	for (pos = 0; pos < count; pos++)
		if (gm->regions[pos].gpa >= gpa)
			break;
	if (pos < count && gm->regions[pos].gpa < end)
		return -EEXIST;
	if (pos > 0 && gm->regions[pos - 1].gpa + gm->regions[pos - 1].size > gpa)
		return -EEXIST;
	if (count >= GUEST_MEM_MAX_REGIONS)
		return -ENOSPC;

	for (i = count; i > pos; i--)
		gm->regions[i] = gm->regions[i - 1];
	gm->regions[pos].gpa = gpa;
	gm->regions[pos].size = size;
	gm->regions[pos].type = type;
	gm->regions[pos].hpa = hpa;
	gm->regions[pos].name = name;
	gm->count = count + 1;
	if (type == GUEST_RAM)
		gm->ram_bytes += size;
	return 0;
}

/* Index of the region containing gpa, or -1. */
static int gm_find_index(const struct guest_mem *gm, u64 gpa)
{
	u32 lo = 0, hi = gm_count(gm);

	/* Binary search over the sorted regions: at most 6 steps for 32. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct guest_region *r = &gm->regions[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return (int)mid;
	}
	return -1;
}

const struct guest_region *guest_mem_find(const struct guest_mem *gm, u64 gpa)
{
	int i = gm_find_index(gm, gpa);

	return i < 0 ? NULL : &gm->regions[i];
}

static bool gm_access_ok(enum guest_region_type type, bool write)
{
	return type == GUEST_RAM || (type == GUEST_ROM && !write);
}

void *guest_mem_ptr(const struct guest_mem *gm, u64 gpa, u64 len, bool write)
{
	const struct guest_region *r;

	if (!len)
		return NULL;
	r = guest_mem_find(gm, gpa);
	if (!r || !gm_access_ok(r->type, write))
		return NULL;
	/* gpa - r->gpa < r->size here, so this cannot wrap; it also rejects any len that would. */
	if (len > r->size - (gpa - r->gpa))
		return NULL;
	return (void *)(uintptr_t)(r->hpa + (gpa - r->gpa));
}

/*
 * Checks that every byte of [gpa, gpa + len) is in an accessible region,
 * possibly several adjacent ones.  Returns the index of the first region or -1.
 */
static int gm_check_range(const struct guest_mem *gm, u64 gpa, u64 len, bool write)
{
	u32 count = gm_count(gm);
	u64 last = gpa + (len - 1);
	int first = gm_find_index(gm, gpa);
	u32 i;

	if (first < 0)
		return -1;
	for (i = (u32)first; i < count; i++) {
		const struct guest_region *r = &gm->regions[i];
		u64 r_last = r->gpa + (r->size - 1);

		if (!gm_access_ok(r->type, write))
			return -1;
		if (last <= r_last)
			return first;
		/* More to go: the next region must start right after this one. */
		if (i + 1 >= count || gm->regions[i + 1].gpa != r_last + 1)
			return -1;
	}
	return -1;
}

/*
 * Copies len bytes between guest memory and to (a read) or from (a write),
 * region by region starting at region i; the whole range was checked.
 */
static void gm_copy(const struct guest_mem *gm, u32 i, u64 gpa, u8 *to, const u8 *from, u64 len)
{
	u32 count = gm_count(gm);

	for (; len && i < count; i++) {
		const struct guest_region *r = &gm->regions[i];
		u64 off = gpa - r->gpa;
		u64 n = MIN(len, r->size - off);
		u8 *host = (u8 *)(uintptr_t)(r->hpa + off);

		if (to) {
			memcpy(to, host, n);
			to += n;
		} else {
			memcpy(host, from, n);
			from += n;
		}
		gpa += n;
		len -= n;
	}
}

int guest_mem_read(const struct guest_mem *gm, u64 gpa, void *buf, u64 len)
{
	int i;

	if (!len)
		return 0;
	if (gpa + (len - 1) < gpa)
		return -EFAULT;
	i = gm_check_range(gm, gpa, len, false);
	if (i < 0)
		return -EFAULT;
	gm_copy(gm, (u32)i, gpa, buf, NULL, len);
	return 0;
}

int guest_mem_write(const struct guest_mem *gm, u64 gpa, const void *buf, u64 len)
{
	int i;

	if (!len)
		return 0;
	if (gpa + (len - 1) < gpa)
		return -EFAULT;
	i = gm_check_range(gm, gpa, len, true);
	if (i < 0)
		return -EFAULT;
	gm_copy(gm, (u32)i, gpa, NULL, buf, len);
	return 0;
}
