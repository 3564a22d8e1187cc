/*
 * virtio-blk and the virtio PCI transport (devices/virtio/): each request type against a RAM
 * back-end and a failing one, read-only disks, bad buffers and status bytes; then a driver's
 * view through PCI configuration space and the BAR — capabilities, feature negotiation, queue
 * setup, notify and the boot CPU's poll, INTx and the ISR, MSI-X with masking, DEVICE_NEEDS_RESET
 * for broken rings and chains, reset; and disks the VM must be refused for.
 */
// unit-deps: devices/virtio/virtio_blk.c devices/virtio/virtio_pci.c devices/virtio/virtqueue.c devices/virtio/blk_ram.c devices/pci.c devices/reset.c mm/guest_mem.c lib/spinlock.c lib/string.c lib/format.c lib/errno.c
#include "tests/unit/dev_fakes.h"
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_pci.h"
#include "devices/virtio/virtqueue.h"
#include "devices/virtio/blk_ram.h"
#include "devices/pci.h"
#include "boot/config.h"
#include "vm/platform.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define RAM_SIZE 0x100000ULL
#define HOLE 0x800000ULL

/* ---- fakes of what the device core calls ---- */

void log_printf(enum log_level level, const char *vm, const char *fmt, ...)
{
	(void)level;
	(void)vm;
	(void)fmt;
}

static unsigned kicks;
void host_cpu_kick(u32 cpu)
{
	(void)cpu;
	kicks++;
}

int host_file_read(const char *path, void **data, u64 *size)
{
	if (strcmp(path, "disk.img"))
		return -ENOENT;
	*data = malloc(1000);
	memset(*data, 0x5a, 1000);
	*size = 1000;
	return 0;
}

void host_file_free(void *data, u64 size)
{
	(void)size;
	free(data);
}

static bool host_disk_read_only;
int blk_backend_host_open(const struct cfg_disk *d, struct blk_backend *b, char *err, size_t errlen)
{
	if (str_eq(d->target, "missing.img")) {
		fmt_snprintf(err, errlen, "file:%s: not found", d->target);
		return -ENOENT;
	}
	if (blk_backend_ram_create(b, 4096, err, errlen))
		return -ENOMEM;
	b->read_only = host_disk_read_only;
	return 0;
}

/* ---- a failing back-end ---- */

static int fail_rw(struct blk_backend *b, u64 s, void *buf, u64 len)
{
	(void)b; (void)s; (void)buf; (void)len;
	return -EIO;
}
static int fail_w(struct blk_backend *b, u64 s, const void *buf, u64 len)
{
	(void)b; (void)s; (void)buf; (void)len;
	return -EIO;
}
static int fail_flush(struct blk_backend *b)
{
	(void)b;
	return -EIO;
}
static int fail_range(struct blk_backend *b, u64 s, u64 n)
{
	(void)b; (void)s; (void)n;
	return -EIO;
}
static const struct blk_backend_ops fail_ops = {
	.read = fail_rw, .write = fail_w, .flush = fail_flush, .discard = fail_range,
	.write_zeroes = fail_range,
};

static struct vm *vm;
static u8 *ram;

static void *at(u64 gpa)
{
	return ram + gpa;
}

/* ---- part 1: requests straight into virtio_blk_execute ---- */

static struct virtio_blk blk;
static struct virtq_chain c;

#define HDR 0x10000ULL
#define DATA 0x11000ULL
#define STATUS 0x20000ULL

static void chain_reset(void)
{
	memset(&c, 0, sizeof(c));
}

static void chain_add(u64 gpa, u32 len, bool write)
{
	struct virtq_seg *s = &c.seg[c.count++];

	s->gpa = gpa;
	s->len = len;
	s->write = write;
	s->bad = !virtq_range_is_ram(&vm->mem, gpa, len);
	c.any_bad |= s->bad;
	if (!write)
		c.readable++;
}

static void header(u32 type, u64 sector)
{
	u32 h[4] = { type, 0, (u32)sector, (u32)(sector >> 32) };

	memcpy(at(HDR), h, 16);
	chain_reset();
	chain_add(HDR, 16, false);
}

static s64 run(u64 features)
{
	*(u8 *)at(STATUS) = 0xee;
	chain_add(STATUS, 1, true);
	return virtio_blk_execute(&blk, &vm->mem, &c, features);
}

static u8 status(void)
{
	return *(u8 *)at(STATUS);
}

static const u64 ALL = BIT(VIRTIO_BLK_F_DISCARD) | BIT(VIRTIO_BLK_F_WRITE_ZEROES) |
		       BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_F_VERSION_1);

static void test_requests(void)
{
	char err[100];
	u8 pattern[1024];

	CHECK_INT("ram: create", blk_backend_ram_create(&blk.be, 64 * 512, err, sizeof(err)), 0);
	CHECK_U64("ram: sectors", blk.be.sectors, 64);
	CHECK_INT("ram: size not a multiple of 512", blk_backend_ram_create(&(struct blk_backend){0}, 100, err, sizeof(err)), -EINVAL);
	blk.bounce = malloc(VIRTIO_BLK_BOUNCE);
	blk.discard = true;
	str_copy(blk.serial, "SERIAL-0123456789ABC", sizeof(blk.serial));
	for (int i = 0; i < 1024; i++)
		pattern[i] = (u8)(i * 7 + 3);

	/* OUT then IN of the same two sectors, the data split over odd-sized segments. */
	header(VIRTIO_BLK_T_OUT, 5);
	memcpy(at(DATA), pattern, 1024);
	chain_add(DATA, 100, false);
	chain_add(DATA + 100, 924, false);
	CHECK_INT("write: one status byte written", run(ALL), 1);
	CHECK_INT("write: OK", status(), VIRTIO_BLK_S_OK);
	header(VIRTIO_BLK_T_IN, 5);
	memset(at(DATA + 0x1000), 0, 1024);
	chain_add(DATA + 0x1000, 1000, true);
	chain_add(DATA + 0x1000 + 1000, 24, true);
	CHECK_INT("read: data and status written", run(ALL), 1025);
	CHECK_INT("read: OK", status(), VIRTIO_BLK_S_OK);
	CHECK("read: the data written before", !memcmp(at(DATA + 0x1000), pattern, 1024));
	header(VIRTIO_BLK_T_IN, 4);
	chain_add(DATA + 0x1000, 512, true);
	CHECK_INT("read: a sector never written", run(ALL), 513);
	CHECK("read: zeros", ((u8 *)at(DATA + 0x1000))[0] == 0 && ((u8 *)at(DATA + 0x1000))[511] == 0);

	/* Bounds. */
	header(VIRTIO_BLK_T_IN, 63);
	chain_add(DATA, 1024, true);
	run(ALL);
	CHECK_INT("read: past the end is IOERR", status(), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_OUT, ~0ULL);
	chain_add(DATA, 512, false);
	CHECK_INT("write: sector 2^64-1 is IOERR, status only", run(ALL), 1);
	CHECK_INT("write: sector 2^64-1 status", status(), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_OUT, 0);
	chain_add(DATA, 100, false);
	run(ALL);
	CHECK_INT("write: not whole sectors is IOERR", status(), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_IN, 0);
	chain_add(DATA, 300, true);
	run(ALL);
	CHECK_INT("read: not whole sectors is IOERR", status(), VIRTIO_BLK_S_IOERR);

	/* Bad buffers: error status, nothing touched. */
	header(VIRTIO_BLK_T_IN, 0);
	chain_add(HOLE, 512, true);
	CHECK_INT("read: buffer outside RAM gives status only", run(ALL), 1);
	CHECK_INT("read: buffer outside RAM is IOERR", status(), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_OUT, 0);
	chain_add(RAM_SIZE - 256, 512, false);
	run(ALL);
	CHECK_INT("write: buffer running off RAM is IOERR", status(), VIRTIO_BLK_S_IOERR);
	chain_reset();
	chain_add(HOLE, 16, false);
	run(ALL);
	CHECK_INT("header outside RAM is IOERR", status(), VIRTIO_BLK_S_IOERR);
	chain_reset();
	chain_add(HDR, 8, false);
	run(ALL);
	CHECK_INT("short header is IOERR", status(), VIRTIO_BLK_S_IOERR);

	/* No usable status byte: the device needs a reset. */
	header(VIRTIO_BLK_T_FLUSH, 0);
	CHECK_INT("no writable descriptor", virtio_blk_execute(&blk, &vm->mem, &c, ALL), -1);
	header(VIRTIO_BLK_T_FLUSH, 0);
	chain_add(HOLE, 1, true);
	CHECK_INT("status byte outside RAM", virtio_blk_execute(&blk, &vm->mem, &c, ALL), -1);
	header(VIRTIO_BLK_T_FLUSH, 0);
	chain_add(DATA, 0, true);
	CHECK_INT("status descriptor of length 0", virtio_blk_execute(&blk, &vm->mem, &c, ALL), -1);

	/* Flush, get-id, unknown. */
	header(VIRTIO_BLK_T_FLUSH, 0);
	run(ALL);
	CHECK_INT("flush: OK", status(), VIRTIO_BLK_S_OK);
	header(VIRTIO_BLK_T_GET_ID, 0);
	memset(at(DATA), 0xff, 32);
	chain_add(DATA, 20, true);
	CHECK_INT("get-id: 20 bytes and status", run(ALL), 21);
	CHECK("get-id: the serial", !memcmp(at(DATA), "SERIAL-0123456789ABC", 20));
	str_copy(blk.serial, "AB", sizeof(blk.serial));
	header(VIRTIO_BLK_T_GET_ID, 0);
	chain_add(DATA, 20, true);
	run(ALL);
	CHECK("get-id: short serial padded with zeros",
	      !memcmp(at(DATA), "AB\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20));
	header(VIRTIO_BLK_T_GET_ID, 0);
	chain_add(DATA, 4, true);
	CHECK_INT("get-id: short buffer gets what fits", run(ALL), 5);
	header(99, 0);
	run(ALL);
	CHECK_INT("unknown type is UNSUPP", status(), VIRTIO_BLK_S_UNSUPP);

	/* Discard and write-zeroes. */
	header(VIRTIO_BLK_T_OUT, 10);
	chain_add(DATA, 1024, false);
	run(ALL);
	{
		u32 r[4] = { 10, 0, 1, 0 };	/* sector 10, one sector, no flags */

		memcpy(at(DATA + 0x2000), r, 16);
	}
	header(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	chain_add(DATA + 0x2000, 16, false);
	run(ALL);
	CHECK_INT("write-zeroes: OK", status(), VIRTIO_BLK_S_OK);
	header(VIRTIO_BLK_T_IN, 10);
	chain_add(DATA + 0x1000, 1024, true);
	run(ALL);
	CHECK("write-zeroes: the sector reads zeros", ((u8 *)at(DATA + 0x1000))[100] == 0);
	CHECK("write-zeroes: the next one is kept", !memcmp(at(DATA + 0x1000 + 512), pattern + 512, 512));
	header(VIRTIO_BLK_T_DISCARD, 0);
	chain_add(DATA + 0x2000, 16, false);
	run(ALL);
	CHECK_INT("discard: OK", status(), VIRTIO_BLK_S_OK);
	header(VIRTIO_BLK_T_DISCARD, 0);
	chain_add(DATA + 0x2000, 16, false);
	run(BIT(VIRTIO_F_VERSION_1));
	CHECK_INT("discard: not negotiated is UNSUPP", status(), VIRTIO_BLK_S_UNSUPP);
	((u32 *)at(DATA + 0x2000))[3] = 1;	/* unmap */
	header(VIRTIO_BLK_T_DISCARD, 0);
	chain_add(DATA + 0x2000, 16, false);
	run(ALL);
	CHECK_INT("discard: a flag is UNSUPP", status(), VIRTIO_BLK_S_UNSUPP);
	header(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	chain_add(DATA + 0x2000, 16, false);
	run(ALL);
	CHECK_INT("write-zeroes: UNMAP is allowed", status(), VIRTIO_BLK_S_OK);
	((u32 *)at(DATA + 0x2000))[0] = 60;
	((u32 *)at(DATA + 0x2000))[2] = 10;
	((u32 *)at(DATA + 0x2000))[3] = 0;
	header(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	chain_add(DATA + 0x2000, 16, false);
	run(ALL);
	CHECK_INT("write-zeroes: past the end is IOERR", status(), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_DISCARD, 0);
	chain_add(DATA + 0x2000, 32, false);
	run(ALL);
	CHECK_INT("discard: two ranges (max_discard_seg 1) is IOERR", status(), VIRTIO_BLK_S_IOERR);

	/* Read-only: writes fail without writing. */
	blk.be.read_only = true;
	CHECK("read-only: RO offered", virtio_blk_features(&blk) & BIT(VIRTIO_BLK_F_RO));
	CHECK("read-only: no discard offered", !(virtio_blk_features(&blk) & BIT(VIRTIO_BLK_F_DISCARD)));
	header(VIRTIO_BLK_T_OUT, 5);
	memset(at(DATA), 0x11, 512);
	chain_add(DATA, 512, false);
	CHECK_INT("read-only: write gets status only", run(ALL), 1);
	CHECK_INT("read-only: write is IOERR", status(), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_IN, 5);
	chain_add(DATA + 0x1000, 512, true);
	run(ALL);
	CHECK("read-only: the data is unchanged", !memcmp(at(DATA + 0x1000), pattern, 512));
	header(VIRTIO_BLK_T_DISCARD, 0);
	chain_add(DATA + 0x2000, 16, false);
	run(ALL);
	CHECK_INT("read-only: discard is UNSUPP", status(), VIRTIO_BLK_S_UNSUPP);
	blk.be.read_only = false;

	/* A failing back-end: every data request is IOERR and reports nothing written. */
	blk.be.ops->close(&blk.be);
	blk.be.ops = &fail_ops;
	header(VIRTIO_BLK_T_OUT, 0);
	chain_add(DATA, 512, false);
	CHECK_INT("failing: write reports only the status", run(ALL), 1);
	CHECK_INT("failing: write is IOERR", status(), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_IN, 0);
	chain_add(DATA, 512, true);
	CHECK_INT("failing: read reports only the status", run(ALL), 1);
	CHECK_INT("failing: read is IOERR", status(), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_FLUSH, 0);
	run(ALL);
	CHECK_INT("failing: flush is IOERR", status(), VIRTIO_BLK_S_IOERR);
	((u32 *)at(DATA + 0x2000))[0] = 0;
	header(VIRTIO_BLK_T_DISCARD, 0);
	chain_add(DATA + 0x2000, 16, false);
	run(ALL);
	CHECK_INT("failing: discard is IOERR", status(), VIRTIO_BLK_S_IOERR);
	free(blk.bounce);
}

/* ---- part 2: a driver through PCI and the BAR ---- */

#define SLOT VIRTIO_BLK_FIRST_SLOT
#define QDESC 0x30000ULL
#define QAVAIL 0x31000ULL
#define QUSED 0x32000ULL

static u64 bar;

static u32 cfg_rd(u8 slot, u16 off, u8 size)
{
	return pci_config_read(vm, 0, PCI_DEVFN(slot, 0), off, size);
}

static void cfg_wr(u8 slot, u16 off, u8 size, u32 v)
{
	pci_config_write(vm, 0, PCI_DEVFN(slot, 0), off, size, v);
}

static u64 rd(u64 off, u8 size)
{
	return mmio_read(vm, bar + off, size);
}

static void wr(u64 off, u8 size, u64 v)
{
	mmio_write(vm, bar + off, size, v);
}

/* Finds the virtio capability of type t; returns its config offset or 0. */
static u16 find_cap(u8 slot, u8 type)
{
	u16 p = (u16)cfg_rd(slot, PCI_CAP_PTR, 1);

	for (int n = 0; p && n < 48; n++) {
		if (cfg_rd(slot, p, 1) == 0x09 && cfg_rd(slot, p + 3, 1) == type)
			return p;
		p = (u16)cfg_rd(slot, p + 1, 1);
	}
	return 0;
}

static u16 avail;

static void driver_init(u64 features)
{
	wr(0x14, 1, 0);
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(0x08, 4, 0);
	wr(0x0c, 4, (u32)features);
	wr(0x08, 4, 1);
	wr(0x0c, 4, (u32)(features >> 32));
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void queue_setup(u64 desc, u64 av, u64 used)
{
	memset(at(QDESC), 0, 0x3000);
	avail = 0;
	wr(0x16, 2, 0);
	wr(0x18, 2, 16);
	wr(0x20, 4, (u32)desc);
	wr(0x24, 4, (u32)(desc >> 32));
	wr(0x28, 8, av);
	wr(0x30, 8, used);
	wr(0x1c, 2, 1);
}

static void desc(u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(at(QDESC + 16 * i), &d, 16);
}

static void submit(u16 head)
{
	((u16 *)at(QAVAIL + 4))[avail % 16] = head;
	avail++;
	*(u16 *)at(QAVAIL + 2) = avail;
	wr(0x3000, 2, 0);	/* notify queue 0 */
	virtio_poll();
}

static u16 used_idx(void)
{
	return *(u16 *)at(QUSED + 2);
}

static void test_transport(void)
{
	struct cfg_vm cfg;
	char err[200];
	u16 cap;
	u32 gsi = VIRTIO_INTX_GSI(SLOT);

	memset(&cfg, 0, sizeof(cfg));
	str_copy(cfg.name, "t", sizeof(cfg.name));
	cfg.disk_count = 3;
	cfg.disks[0] = (struct cfg_disk){ .source = CFG_DISK_RAM, .size = 1 << 20, .line = 7,
					  .serial = "disk-zero" };
	cfg.disks[1] = (struct cfg_disk){ .source = CFG_DISK_MODULE, .target = "disk.img",
					  .readonly = true, .line = 8 };
	cfg.disks[2] = (struct cfg_disk){ .source = CFG_DISK_RAM, .size = 8192, .discard = true,
					  .line = 9 };
	CHECK_INT("create: three disks", virtio_blk_create_all(vm, &cfg, err, sizeof(err)), 0);

	CHECK_INT("pci: vendor", cfg_rd(SLOT, PCI_VENDOR_ID, 2), 0x1af4);
	CHECK_INT("pci: modern block device ID", cfg_rd(SLOT, PCI_DEVICE_ID, 2), 0x1042);
	CHECK_INT("pci: revision 1", cfg_rd(SLOT, PCI_REVISION, 1), 1);
	CHECK_INT("pci: second disk on the next slot", cfg_rd(SLOT + 1, PCI_DEVICE_ID, 2), 0x1042);
	CHECK_INT("pci: third disk", cfg_rd(SLOT + 2, PCI_DEVICE_ID, 2), 0x1042);
	CHECK_INT("pci: no fourth disk", cfg_rd(SLOT + 3, PCI_VENDOR_ID, 2), 0xffff);
	CHECK_INT("pci: interrupt pin A", cfg_rd(SLOT, PCI_INT_PIN, 1), 1);
	CHECK_INT("pci: interrupt line is the GSI", cfg_rd(SLOT, PCI_INT_LINE, 1), gsi);
	CHECK("pci: capability list", cfg_rd(SLOT, PCI_STATUS, 2) & 0x10);
	CHECK("cap: common", (cap = find_cap(SLOT, 1)) && cfg_rd(SLOT, cap + 4, 1) == VIRTIO_BAR);
	CHECK("cap: notify with multiplier", (cap = find_cap(SLOT, 2)) &&
	      cfg_rd(SLOT, cap + 16, 4) == VIRTIO_NOTIFY_MULTIPLIER);
	CHECK("cap: ISR", find_cap(SLOT, 3));
	CHECK("cap: device", (cap = find_cap(SLOT, 4)) && cfg_rd(SLOT, cap + 8, 4) == VIRTIO_OFF_DEVICE);
	CHECK("cap: PCI config access", find_cap(SLOT, 5));
	CHECK_INT("cap: MSI-X first", cfg_rd(SLOT, cfg_rd(SLOT, PCI_CAP_PTR, 1), 1), 0x11);

	cfg_wr(SLOT, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	bar = cfg_rd(SLOT, PCI_BAR0 + 16, 4) & ~0xfULL;
	CHECK("bar: in the PCI window", bar >= PLAT_PCI_MMIO_BASE && bar < PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE);
	CHECK_INT("common: one queue", rd(0x12, 2), 1);
	CHECK_INT("common: queue size", rd(0x18, 2), VIRTIO_BLK_QUEUE_SIZE);
	wr(0x00, 4, 1);
	CHECK("features: VERSION_1 offered", rd(0x04, 4) & 1);
	wr(0x00, 4, 0);
	CHECK("features: FLUSH offered", rd(0x04, 4) & BIT(VIRTIO_BLK_F_FLUSH));
	CHECK("features: no discard without 'discard'", !(rd(0x04, 4) & BIT(VIRTIO_BLK_F_DISCARD)));
	CHECK("features: indirect and event index", (rd(0x04, 4) & (3u << 28)) == 3u << 28);
	CHECK_U64("config: capacity", rd(0x2000, 8), 2048);
	CHECK_U64("config: seg_max", rd(0x2000 + VIRTIO_BLK_CFG_SEG_MAX, 4), VIRTIO_BLK_SEG_MAX);
	CHECK_U64("config: blk_size", rd(0x2000 + VIRTIO_BLK_CFG_BLK_SIZE, 4), 512);

	/* The PCI configuration access window reaches the same registers. */
	cap = find_cap(SLOT, 5);
	cfg_wr(SLOT, cap + 4, 1, VIRTIO_BAR);
	cfg_wr(SLOT, cap + 8, 4, 0x12);
	cfg_wr(SLOT, cap + 12, 4, 2);
	CHECK_INT("pci_cfg window: num_queues", cfg_rd(SLOT, cap + 16, 4) & 0xffff, 1);

	/* Negotiation. */
	driver_init(BIT(VIRTIO_BLK_F_FLUSH));
	CHECK("features: without VERSION_1 FEATURES_OK is refused",
	      !(rd(0x14, 1) & VIRTIO_STATUS_FEATURES_OK));
	driver_init(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_BLK_F_DISCARD));
	CHECK("features: a feature not offered is refused", !(rd(0x14, 1) & VIRTIO_STATUS_FEATURES_OK));
	driver_init(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_BLK_F_FLUSH));
	CHECK("features: a good subset is accepted", rd(0x14, 1) & VIRTIO_STATUS_FEATURES_OK);
	wr(0x0c, 4, 0xffffffff);
	wr(0x08, 4, 0);
	CHECK_INT("features: frozen after FEATURES_OK", rd(0x0c, 4), BIT(VIRTIO_BLK_F_FLUSH));

	/* A good request with INTx. */
	queue_setup(QDESC, QAVAIL, QUSED);
	CHECK_INT("queue: enabled", rd(0x1c, 2), 1);
	wr(0x14, 1, 0x0f);
	header(VIRTIO_BLK_T_GET_ID, 0);
	desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, DATA, 20, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	*(u8 *)at(STATUS) = 0xee;
	fake_level[gsi] = false;
	submit(0);
	CHECK_INT("request: used index", used_idx(), 1);
	CHECK_INT("request: used length", *(u32 *)at(QUSED + 8), 21);
	CHECK_INT("request: status OK", status(), 0);
	CHECK("request: get-id serial", !memcmp(at(DATA), "disk-zero", 10));
	CHECK("intx: line asserted", fake_level[gsi]);
	CHECK_INT("intx: ISR queue bit", rd(0x1000, 1), VIRTIO_ISR_QUEUE);
	CHECK("intx: ISR read deasserts", !fake_level[gsi]);
	CHECK_INT("intx: ISR cleared", rd(0x1000, 1), 0);
	cfg_wr(SLOT, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE);
	submit(0);
	CHECK("intx: disabled in the command register", !fake_level[gsi]);
	rd(0x1000, 1);
	cfg_wr(SLOT, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);

	/* MSI-X. */
	wr(0x4000 + 16, 4, 0xfee00000);
	wr(0x4000 + 20, 4, 0);
	wr(0x4000 + 24, 4, 0x45);
	wr(0x4000 + 28, 4, 0);
	wr(0x16, 2, 0);
	wr(0x1a, 2, 1);
	CHECK_INT("msix: queue vector set", rd(0x1a, 2), 1);
	wr(0x1a, 2, VIRTIO_MSIX_VECTORS);
	CHECK_INT("msix: out-of-range vector reads NO_VECTOR", rd(0x1a, 2), VIRTIO_NO_VECTOR);
	wr(0x1a, 2, 1);
	cap = (u16)cfg_rd(SLOT, PCI_CAP_PTR, 1);
	CHECK_INT("msix: table size", (cfg_rd(SLOT, cap + 2, 2) & 0x7ff) + 1, VIRTIO_MSIX_VECTORS);
	cfg_wr(SLOT, cap + 2, 2, 0x8000);
	fake_msi_count = 0;
	submit(0);
	CHECK_INT("msix: one message", fake_msi_count, 1);
	CHECK_INT("msix: its data", fake_msi_data, 0x45);
	CHECK_U64("msix: its address", fake_msi_addr, 0xfee00000);
	CHECK("msix: no INTx", !fake_level[gsi]);
	wr(0x4000 + 28, 4, 1);	/* mask vector 1 */
	submit(0);
	CHECK_INT("msix: masked, not sent", fake_msi_count, 1);
	CHECK_INT("msix: pending bit", rd(0x5000, 8) & 2, 2);
	wr(0x4000 + 28, 4, 0);
	CHECK_INT("msix: sent on unmask", fake_msi_count, 2);
	CHECK_INT("msix: pending cleared", rd(0x5000, 8), 0);

	/* Event index: the driver asks for no interrupt until used index 100. */
	cfg_wr(SLOT, cap + 2, 2, 0);

	/* Malicious chain: a loop sets NEEDS_RESET and raises the config interrupt. */
	desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, DATA, 16, VIRTQ_DESC_F_NEXT, 0);
	rd(0x1000, 1);
	submit(0);
	CHECK("loop: NEEDS_RESET", rd(0x14, 1) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_INT("loop: config interrupt in the ISR", rd(0x1000, 1), VIRTIO_ISR_CONFIG);
	{
		u16 before = used_idx();

		desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 2);
		submit(0);
		CHECK_INT("loop: nothing more served until reset", used_idx(), before);
	}
	wr(0x14, 1, 0);
	CHECK_INT("reset: status 0", rd(0x14, 1), 0);
	CHECK_INT("reset: queue disabled", rd(0x1c, 2), 0);
	CHECK_INT("reset: features cleared", rd(0x0c, 4), 0);

	/* Rings in MMIO are refused at enable time. */
	driver_init(BIT(VIRTIO_F_VERSION_1));
	queue_setup(PLAT_IOAPIC_GPA, QAVAIL, QUSED);
	CHECK("rings in MMIO: NEEDS_RESET", rd(0x14, 1) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_INT("rings in MMIO: queue not enabled", rd(0x1c, 2), 0);

	/* A good write then read after the reset, with event index. */
	driver_init(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_EVENT_IDX) | BIT(VIRTIO_F_INDIRECT_DESC));
	queue_setup(QDESC, QAVAIL, QUSED);
	wr(0x14, 1, 0x0f);
	header(VIRTIO_BLK_T_OUT, 3);
	memset(at(DATA), 0x77, 512);
	desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, DATA, 512, VIRTQ_DESC_F_NEXT, 2);
	desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	*(u16 *)at(QAVAIL + 4 + 2 * 16) = 5;	/* used_event: interrupt after the 6th */
	rd(0x1000, 1);
	submit(0);
	CHECK_INT("after reset: write served", used_idx(), 1);
	CHECK_INT("after reset: write OK", status(), 0);
	CHECK_INT("event idx: no interrupt yet", rd(0x1000, 1), 0);
	header(VIRTIO_BLK_T_IN, 3);
	memset(at(DATA), 0, 512);
	desc(1, DATA, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	submit(0);
	CHECK("after reset: read back", ((u8 *)at(DATA))[0] == 0x77 && ((u8 *)at(DATA))[511] == 0x77);

	/* Indirect inside indirect: NEEDS_RESET. */
	desc(0, DATA + 0x3000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	{
		struct virtq_desc d = { DATA + 0x3100, 16, VIRTQ_DESC_F_INDIRECT, 0 };

		memcpy(at(DATA + 0x3000), &d, 16);
	}
	submit(0);
	CHECK("nested indirect: NEEDS_RESET", rd(0x14, 1) & VIRTIO_STATUS_NEEDS_RESET);
	wr(0x14, 1, 0);

	/* A request while the driver is not ready is not served. */
	driver_init(BIT(VIRTIO_F_VERSION_1));
	queue_setup(QDESC, QAVAIL, QUSED);
	header(VIRTIO_BLK_T_FLUSH, 0);
	desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	submit(0);
	CHECK_INT("no DRIVER_OK: not served", used_idx(), 0);
	wr(0x14, 1, 0x0f);
	wr(0x3000, 2, 0);
	virtio_poll();
	CHECK_INT("DRIVER_OK then notify: served", used_idx(), 1);

	/* Read-only module disk. */
	bar = cfg_rd(SLOT + 1, PCI_BAR0 + 16, 4) & ~0xfULL;
	cfg_wr(SLOT + 1, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	CHECK("module disk: RO offered", rd(0x04, 4) & BIT(VIRTIO_BLK_F_RO));
	CHECK_U64("module disk: 1000 bytes round up to 2 sectors", rd(0x2000, 8), 2);
	bar = cfg_rd(SLOT + 2, PCI_BAR0 + 16, 4) & ~0xfULL;
	cfg_wr(SLOT + 2, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	CHECK("discard disk: DISCARD offered", rd(0x04, 4) & BIT(VIRTIO_BLK_F_DISCARD));
	CHECK("discard disk: WRITE_ZEROES offered", rd(0x04, 4) & BIT(VIRTIO_BLK_F_WRITE_ZEROES));
	virtio_pci_destroy_all(vm);
}

static void test_refused(void)
{
	struct cfg_vm cfg;
	char err[200];

	memset(&cfg, 0, sizeof(cfg));
	cfg.disk_count = 1;
	cfg.disks[0] = (struct cfg_disk){ .source = CFG_DISK_FILE, .target = "missing.img", .line = 12 };
	CHECK_INT("refused: missing file", virtio_blk_create_all(vm, &cfg, err, sizeof(err)), -ENOENT);
	CHECK("refused: message names line and file", strstr(err, "line 12") && strstr(err, "missing.img"));
	cfg.disks[0] = (struct cfg_disk){ .source = CFG_DISK_MODULE, .target = "nope", .line = 13 };
	CHECK_INT("refused: missing module", virtio_blk_create_all(vm, &cfg, err, sizeof(err)), -ENOENT);
	CHECK("refused: module message", strstr(err, "line 13") && strstr(err, "no such module"));
	host_disk_read_only = true;
	cfg.disks[0] = (struct cfg_disk){ .source = CFG_DISK_FILE, .target = "ro.img", .line = 14 };
	CHECK_INT("refused: read-only medium without ro",
		  virtio_blk_create_all(vm, &cfg, err, sizeof(err)), -EROFS);
	CHECK("refused: says to add ro", strstr(err, "line 14") && strstr(err, "'ro'"));
	cfg.disks[0].readonly = true;
	CHECK_INT("accepted: read-only medium with ro",
		  virtio_blk_create_all(vm, &cfg, err, sizeof(err)), 0);
	virtio_pci_destroy_all(vm);
}

int main(void)
{
	vm = fake_vm(RAM_SIZE, 1);
	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	guest_mem_init(&vm->mem);
	guest_mem_add(&vm->mem, 0, RAM_SIZE, GUEST_RAM, (u64)(uintptr_t)ram, "ram");
	guest_mem_add(&vm->mem, PLAT_IOAPIC_GPA, 0x1000, GUEST_MMIO, 0, "ioapic");
	if (pci_create(vm)) {
		printf("FAIL: pci_create\n");
		return 1;
	}
	test_requests();
	test_transport();
	pci_destroy(vm);
	pci_create(vm);
	test_refused();
	pci_destroy(vm);
	free(ram);
	fake_vm_free(vm);
	return unit_summary();
}
