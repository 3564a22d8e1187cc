/*
 * QEMU's firmware configuration device, traditional I/O interface (QEMU docs/specs/fw_cfg.rst):
 * a 16-bit selector at 0x510 and a byte-wide data port at 0x511.  Items: the signature,
 * the interface ID, RAM size, CPU counts and a file directory; reads past an item's end
 * return 0; writes to the data port are ignored (as in QEMU since 2.4).
 */
#include "devices/devices.h"
#include "vm/vm.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#ifndef MACROHARD_VERSION
#define MACROHARD_VERSION "unknown"
#endif
#ifndef MACROHARD_REV
#define MACROHARD_REV "unknown"
#endif

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NB_CPUS 0x0005
#define FW_CFG_MAX_CPUS 0x000f
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_FILE_FIRST 0x0020
#define FW_CFG_ID_TRADITIONAL 0x01

#define FW_CFG_FILE_NAME 56
#define FW_CFG_ITEM_MAX 512

struct fw_cfg_file {
	const char *name;
	char data[96];
	u32 size;
};

struct fw_cfg_state {
	struct vm *vm;
	u16 selector;
	u32 offset;
	u32 len;			/* of the selected item */
	u8 item[FW_CFG_ITEM_MAX];	/* the selected item, built when selected */
	struct fw_cfg_file files[1];
};

static void fw_cfg_le(u8 *p, u64 v, u32 n)
{
	for (u32 i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void fw_cfg_be(u8 *p, u64 v, u32 n)
{
	for (u32 i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * (n - 1 - i)));
}

/* Builds the selected item; unknown selectors are empty items. */
static void fw_cfg_select(struct fw_cfg_state *s, u16 sel)
{
	u8 *p = s->item;
	u32 nfiles = ARRAY_SIZE(s->files);

	s->selector = sel;
	s->offset = 0;
	s->len = 0;
	memset(p, 0, sizeof(s->item));
	switch (sel) {
	case FW_CFG_SIGNATURE:
		memcpy(p, "QEMU", 4);
		s->len = 4;
		break;
	case FW_CFG_ID:
		fw_cfg_le(p, FW_CFG_ID_TRADITIONAL, 4);	/* no DMA interface */
		s->len = 4;
		break;
	case FW_CFG_RAM_SIZE:
		fw_cfg_le(p, s->vm->mem.ram_bytes, 8);
		s->len = 8;
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		fw_cfg_le(p, s->vm->vcpu_count, 2);
		s->len = 2;
		break;
	case FW_CFG_FILE_DIR:
		/* Big-endian: count, then per file size, select, reserved, name[56]. */
		fw_cfg_be(p, nfiles, 4);
		for (u32 i = 0; i < nfiles; i++) {
			u8 *e = p + 4 + 64 * i;

			fw_cfg_be(e, s->files[i].size, 4);
			fw_cfg_be(e + 4, FW_CFG_FILE_FIRST + i, 2);
			str_copy((char *)e + 8, s->files[i].name, FW_CFG_FILE_NAME);
		}
		s->len = 4 + 64 * nfiles;
		break;
	default:
		if (sel >= FW_CFG_FILE_FIRST && (u32)(sel - FW_CFG_FILE_FIRST) < nfiles) {
			const struct fw_cfg_file *f = &s->files[sel - FW_CFG_FILE_FIRST];

			memcpy(p, f->data, f->size);
			s->len = f->size;
		}
		break;
	}
}

static void fw_cfg_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct fw_cfg_state *s = opaque;
	u32 v = 0;

	if (port == PLAT_PORT_FW_CFG) {
		*val = s->selector;
		return;
	}
	/* The data port is a byte stream; a wider read takes that many bytes in order. */
	for (u32 i = 0; i < size; i++) {
		if (s->offset < s->len)
			v |= (u32)s->item[s->offset] << (8 * i);
		if (s->offset < s->len)
			s->offset++;
	}
	*val = v;
}

static void fw_cfg_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct fw_cfg_state *s = opaque;

	(void)size;
	if (port == PLAT_PORT_FW_CFG)
		fw_cfg_select(s, (u16)val);
}

int fw_cfg_create(struct vm *vm)
{
	struct fw_cfg_state *s = (struct fw_cfg_state *)(uintptr_t)host_pages_alloc(1);
	struct port_handler h = {
		.base = PLAT_PORT_FW_CFG, .count = 2, .name = "fw_cfg", .in = fw_cfg_in,
		.out = fw_cfg_out,
	};
	struct fw_cfg_file *f;

	_Static_assert(sizeof(struct fw_cfg_state) <= PAGE_SIZE, "fw_cfg state fits a page");
	_Static_assert(4 + 64 * ARRAY_SIZE(((struct fw_cfg_state *)0)->files) <= FW_CFG_ITEM_MAX,
		       "the file directory fits an item");
	if (!s)
		return -ENOMEM;
	s->vm = vm;
	f = &s->files[0];
	f->name = "etc/macrohard/version";
	f->size = (u32)fmt_snprintf(f->data, sizeof(f->data), "MACROHARD %s (%s)\n",
				    MACROHARD_VERSION, MACROHARD_REV);
	f->size = MIN(f->size, (u32)sizeof(f->data) - 1);
	fw_cfg_select(s, FW_CFG_SIGNATURE);
	vm->dev->fw_cfg = s;
	h.opaque = s;
	return devices_register_ports(vm, &h);
}

void fw_cfg_destroy(struct vm *vm)
{
	if (vm->dev->fw_cfg)
		host_pages_free((u64)(uintptr_t)vm->dev->fw_cfg, 1);
	vm->dev->fw_cfg = NULL;
}
