/*
 * Stage-2 table builder: 4-level guest-physical to host-physical tables in
 * either the EPT format (SDM vol. 3 29.3.2) or the AMD nested-paging format
 * (APM vol. 2 15.25.5, which is the long-mode page-table format of chapter 5).
 */
#include "mm/stage2.h"
#include "lib/errno.h"

#define S2_LEVELS 4		/* PML4 (3), PDPT (2), PD (1), PT (0) */
#define S2_ENTRIES 512
#define S2_GPA_LIMIT BIT(48)	/* 4-level walk: 48-bit guest-physical addresses */
#define S2_HPA_LIMIT BIT(52)	/* architectural MAXPHYADDR limit */
#define S2_ADDR_MASK 0x000ffffffffff000ULL	/* bits 51:12 */

/* EPT entry bits (SDM 29.3.2, tables 29-1 to 29-6). */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)		/* supervisor-mode execute */
#define EPT_MT_SHIFT 3		/* bits 5:3: memory type of a leaf */
#define EPT_MT_WB 6ULL
#define EPT_IPAT BIT(6)
#define EPT_LARGE BIT(7)
#define EPT_A BIT(8)
#define EPT_D BIT(9)

/* EPTP (SDM 25.6.11): memory type 2:0, walk length - 1 in 5:3, A/D enable 6. */
#define EPTP_MT_WB 6ULL
#define EPTP_WALK_4 (3ULL << 3)
#define EPTP_AD BIT(6)

/* Nested page-table entry bits (APM 5.4.1 and 5.3.3, as used by 15.25.5). */
#define NPT_P BIT(0)
#define NPT_RW BIT(1)
#define NPT_US BIT(2)
#define NPT_A BIT(5)
#define NPT_D BIT(6)
#define NPT_PS BIT(7)
#define NPT_NX BIT(63)

/*
 * Both formats use 7 for a non-leaf entry: EPT R|W|X (the walk's permissions
 * are the AND over all levels, so the leaf alone decides) and NPT P|RW|US.
 * APM 15.25.5: the nested walk is always a user-mode access, so U/S must be
 * set at every level or every guest access faults.
 */
#define S2_TABLE_BITS 0x7ULL

/* Table pages are identity-addressable (struct stage2_allocator). */
static u64 *s2_table(u64 pa)
{
	return (u64 *)(uintptr_t)pa;
}

/*
 * Live entries may be walked by the processor at any moment: every update is
 * one 64-bit store, ordered after the stores that filled a new table.
 */
static void s2_store(u64 *entry, u64 val)
{
	__atomic_store_n(entry, val, __ATOMIC_RELEASE);
}

static u64 s2_load(const u64 *entry)
{
	return __atomic_load_n(entry, __ATOMIC_RELAXED);
}

static u64 s2_level_size(int level)
{
	return BIT(PAGE_SHIFT + 9 * level);
}

static u32 s2_index(u64 gpa, int level)
{
	return (u32)(gpa >> (PAGE_SHIFT + 9 * level)) & (S2_ENTRIES - 1);
}

static u64 *s2_counter(struct stage2 *s2, int level)
{
	switch (level) {
	case 0:
		return &s2->mapped_4k;
	case 1:
		return &s2->mapped_2m;
	default:
		return &s2->mapped_1g;
	}
}

/* SDM 29.3.2: an EPT entry is present when any of bits 2:0 is set. */
static bool s2_present(const struct stage2 *s2, u64 e)
{
	if (s2->format == STAGE2_EPT)
		return (e & (EPT_R | EPT_W | EPT_X)) != 0;
	return (e & NPT_P) != 0;
}

/* Bit 7 is the large-page bit in both formats; level 0 entries are always leaves. */
static bool s2_is_leaf(u64 e, int level)
{
	return level == 0 || (level < S2_LEVELS - 1 && (e & EPT_LARGE));
}

/* A leaf's page: bits 51:12, or 51:21 / 51:30 of large leaves (where NPT bit 12 is PAT). */
static u64 s2_leaf_addr(u64 e, int level)
{
	return e & S2_ADDR_MASK & ~(s2_level_size(level) - 1);
}

static u64 s2_make_leaf(const struct stage2 *s2, u64 hpa, u32 perms, int level)
{
	u64 e = hpa;

	if (s2->format == STAGE2_EPT) {
		/* SDM 29.3, EPT and memory typing: WB, IPAT clear so guest PAT still applies. */
		e |= EPT_MT_WB << EPT_MT_SHIFT;
		if (perms & STAGE2_R)
			e |= EPT_R;
		if (perms & STAGE2_W)
			e |= EPT_W;
		if (perms & STAGE2_X)
			e |= EPT_X;
		if (level > 0)
			e |= EPT_LARGE;
		return e;
	}
	/* APM 5.4.1: present implies readable; NX is reserved unless host EFER.NXE. */
	e |= NPT_P | NPT_US;
	if (perms & STAGE2_W)
		e |= NPT_RW;
	if (!(perms & STAGE2_X))
		e |= NPT_NX;
	if (level > 0)
		e |= NPT_PS;
	return e;
}

static u32 s2_leaf_perms(const struct stage2 *s2, u64 e)
{
	u32 perms = 0;

	if (s2->format == STAGE2_EPT) {
		if (e & EPT_R)
			perms |= STAGE2_R;
		if (e & EPT_W)
			perms |= STAGE2_W;
		if (e & EPT_X)
			perms |= STAGE2_X;
		return perms;
	}
	perms = STAGE2_R;
	if (e & NPT_RW)
		perms |= STAGE2_W;
	if (!(e & NPT_NX))
		perms |= STAGE2_X;
	return perms;
}

/* Accessed/dirty bits the processor may have set in a leaf (EPT with A/D on: 8 and 9). */
static u64 s2_ad_bits(const struct stage2 *s2)
{
	return s2->format == STAGE2_EPT ? (EPT_A | EPT_D) : (NPT_A | NPT_D);
}

static u64 s2_alloc_table(struct stage2 *s2)
{
	u64 pa = s2->alloc.alloc_page(s2->alloc.ctx);

	if (!pa)
		return 0;
	if (pa & (PAGE_SIZE - 1) || pa >= S2_HPA_LIMIT) {
		/* A broken allocator must not corrupt the tables; give the page back. */
		s2->alloc.free_page(s2->alloc.ctx, pa);
		return 0;
	}
	s2->table_pages++;
	return pa;
}

/* Frees a table (of entries at level) and everything below it, keeping the counters right. */
static void s2_free_table(struct stage2 *s2, u64 pa, int level)
{
	u64 *table = s2_table(pa);
	u32 i;

	for (i = 0; i < S2_ENTRIES; i++) {
		u64 e = s2_load(&table[i]);

		if (!s2_present(s2, e))
			continue;
		if (s2_is_leaf(e, level))
			(*s2_counter(s2, level))--;
		else
			s2_free_table(s2, e & S2_ADDR_MASK, level - 1);	/* depth <= 3 */
	}
	s2->alloc.free_page(s2->alloc.ctx, pa);
	s2->table_pages--;
}

/* Drops whatever an entry (already replaced in its table) held. */
static void s2_release(struct stage2 *s2, u64 old, int level)
{
	if (!s2_present(s2, old))
		return;
	if (s2_is_leaf(old, level))
		(*s2_counter(s2, level))--;
	else
		s2_free_table(s2, old & S2_ADDR_MASK, level - 1);
}

/*
 * Replaces the large leaf at *entry with a table of 512 next-level leaves
 * mapping the same memory with the same permissions.  The table is filled
 * completely before the one store that links it.
 */
static int s2_split(struct stage2 *s2, u64 *entry, u64 old, int level)
{
	u64 child_size = s2_level_size(level - 1);
	u64 base = s2_leaf_addr(old, level);
	u32 perms = s2_leaf_perms(s2, old);
	u64 keep = old & s2_ad_bits(s2);
	u64 pa, *table;
	u32 i;

	pa = s2_alloc_table(s2);
	if (!pa)
		return -ENOMEM;
	table = s2_table(pa);
	for (i = 0; i < S2_ENTRIES; i++)
		table[i] = s2_make_leaf(s2, base + i * child_size, perms, level - 1) | keep;
	s2_store(entry, pa | S2_TABLE_BITS);
	(*s2_counter(s2, level))--;
	*s2_counter(s2, level - 1) += S2_ENTRIES;
	return 0;
}

static bool s2_table_empty(const struct stage2 *s2, u64 pa)
{
	const u64 *table = s2_table(pa);
	u32 i;

	for (i = 0; i < S2_ENTRIES; i++)
		if (s2_present(s2, s2_load(&table[i])))
			return false;
	return true;
}

/* One map or unmap request: [gpa, end) to hpa + (g - gpa). */
struct s2_op {
	u64 gpa, end, hpa;
	u32 perms;
	bool unmap;
};

/* A leaf of this level can map [base, base + size) to hpa. */
static bool s2_leaf_fits(const struct stage2 *s2, int level, u64 hpa)
{
	switch (level) {
	case 0:
		return true;
	case 1:
		return (s2->flags & STAGE2_ALLOW_2M) && !(hpa & (s2_level_size(1) - 1));
	case 2:
		return (s2->flags & STAGE2_ALLOW_1G) && !(hpa & (s2_level_size(2) - 1));
	default:
		return false;	/* SDM 29.3.2 / APM 5.3.3: no leaves in the PML4 */
	}
}

/*
 * Applies op to [start, end), which lies inside the area covered by the
 * table at pa (entries at level).  Recursion depth is at most 4 and each call
 * visits at most 512 entries.
 */
static int s2_apply(struct stage2 *s2, const struct s2_op *op, u64 pa, int level,
		    u64 start, u64 end)
{
	u64 *table = s2_table(pa);
	u64 size = s2_level_size(level);
	u64 g = start;
	u32 n;

	for (n = 0; n < S2_ENTRIES && g < end; n++) {
		u64 base = g & ~(size - 1);
		u64 next = base + size;
		u64 sub_end = MIN(end, next);
		u64 *entry = &table[s2_index(g, level)];
		u64 e = s2_load(entry);
		u64 child;
		int ret;

		if (g == base && sub_end == next &&
		    (op->unmap || s2_leaf_fits(s2, level, op->hpa + (base - op->gpa)))) {
			/*
			 * The whole entry: replace it, then free what it held
			 * (after the store, so no new walk reaches freed pages).
			 */
			s2_store(entry, op->unmap ? 0 :
				 s2_make_leaf(s2, op->hpa + (base - op->gpa), op->perms, level));
			s2_release(s2, e, level);
			if (!op->unmap)
				(*s2_counter(s2, level))++;
			g = next;
			continue;
		}

		/* Part of the entry (or a size this entry cannot map): go one level down. */
		if (!s2_present(s2, e)) {
			if (op->unmap) {
				g = next;
				continue;
			}
			child = s2_alloc_table(s2);
			if (!child)
				return -ENOMEM;
			s2_store(entry, child | S2_TABLE_BITS);
		} else if (s2_is_leaf(e, level)) {
			/* level > 0 here: a 4 KiB entry is always covered whole. */
			ret = s2_split(s2, entry, e, level);
			if (ret)
				return ret;
		}
		child = s2_load(entry) & S2_ADDR_MASK;
		ret = s2_apply(s2, op, child, level - 1, g, sub_end);
		if (op->unmap && s2_table_empty(s2, child)) {
			/* Unmapping leaves no empty tables behind. */
			s2_store(entry, 0);
			s2->alloc.free_page(s2->alloc.ctx, child);
			s2->table_pages--;
		}
		if (ret)
			return ret;
		g = next;
	}
	return 0;
}

int stage2_init(struct stage2 *s2, enum stage2_format format, u32 flags,
		const struct stage2_allocator *alloc)
{
	u32 known = STAGE2_ALLOW_2M | STAGE2_ALLOW_1G | STAGE2_EPT_AD;

	if (!s2 || !alloc || !alloc->alloc_page || !alloc->free_page)
		return -EINVAL;
	if (format != STAGE2_EPT && format != STAGE2_NPT)
		return -EINVAL;
	if (flags & ~known)
		return -EINVAL;
	if (format == STAGE2_NPT && (flags & STAGE2_EPT_AD))
		return -EINVAL;

	s2->format = format;
	s2->flags = flags;
	s2->alloc = *alloc;
	s2->table_pages = 0;
	s2->mapped_4k = s2->mapped_2m = s2->mapped_1g = 0;
	s2->root = s2_alloc_table(s2);
	if (!s2->root)
		return -ENOMEM;
	return 0;
}

/* Common argument checks: aligned, non-empty, no wrap, inside the 48-bit guest-physical space. */
static bool s2_range_ok(u64 gpa, u64 size)
{
	if (!size || (gpa | size) & (PAGE_SIZE - 1))
		return false;
	if (gpa + size < gpa || gpa + size > S2_GPA_LIMIT)
		return false;
	return true;
}

int stage2_map(struct stage2 *s2, u64 gpa, u64 hpa, u64 size, u32 perms)
{
	struct s2_op op;

	if (!s2 || !s2->root || !s2_range_ok(gpa, size))
		return -EINVAL;
	if (hpa & (PAGE_SIZE - 1) || hpa + size < hpa || hpa + size > S2_HPA_LIMIT)
		return -EINVAL;
	if (perms & ~STAGE2_RWX)
		return -EINVAL;
	/* SDM 29.3.3.1: write without read is an EPT misconfiguration. */
	if (s2->format == STAGE2_EPT && (perms & STAGE2_W) && !(perms & STAGE2_R))
		return -EINVAL;

	op.gpa = gpa;
	op.end = gpa + size;
	op.hpa = hpa;
	op.perms = perms;
	/* No access (EPT) or no read (NPT: present means readable): not present. */
	op.unmap = s2->format == STAGE2_EPT ? perms == 0 : !(perms & STAGE2_R);
	return s2_apply(s2, &op, s2->root, S2_LEVELS - 1, op.gpa, op.end);
}

int stage2_unmap(struct stage2 *s2, u64 gpa, u64 size)
{
	struct s2_op op = { 0 };

	if (!s2 || !s2->root || !s2_range_ok(gpa, size))
		return -EINVAL;
	op.gpa = gpa;
	op.end = gpa + size;
	op.unmap = true;
	return s2_apply(s2, &op, s2->root, S2_LEVELS - 1, op.gpa, op.end);
}

int stage2_lookup(const struct stage2 *s2, u64 gpa, u64 *hpa, u32 *perms, u64 *page_size)
{
	u64 pa;
	int level;

	if (!s2 || !s2->root || gpa >= S2_GPA_LIMIT)
		return -ENOENT;
	pa = s2->root;
	for (level = S2_LEVELS - 1; level >= 0; level--) {
		u64 e = s2_load(&s2_table(pa)[s2_index(gpa, level)]);
		u64 size = s2_level_size(level);

		if (!s2_present(s2, e))
			return -ENOENT;
		if (s2_is_leaf(e, level)) {
			if (hpa)
				*hpa = s2_leaf_addr(e, level) + (gpa & (size - 1));
			if (perms)
				*perms = s2_leaf_perms(s2, e);
			if (page_size)
				*page_size = size;
			return 0;
		}
		pa = e & S2_ADDR_MASK;
	}
	return -ENOENT;		/* not reached: level 0 entries are leaves */
}

void stage2_destroy(struct stage2 *s2)
{
	if (!s2 || !s2->root)
		return;
	s2_free_table(s2, s2->root, S2_LEVELS - 1);
	s2->root = 0;
}

u64 stage2_pointer(const struct stage2 *s2)
{
	if (s2->format == STAGE2_EPT)
		return s2->root | EPTP_MT_WB | EPTP_WALK_4 |
		       ((s2->flags & STAGE2_EPT_AD) ? EPTP_AD : 0);
	/* APM 15.25.4: nCR3 is a CR3 image; PWT/PCD clear means write-back table walks. */
	return s2->root;
}
