/*
 * The virtio 1.x PCI transport (virtio 1.1, 4.1): capabilities, common configuration, feature
 * negotiation, status and reset, notifications, ISR/INTx and MSI-X.  Register accesses run on
 * the vCPU's CPU under the VM's lock; queue work is posted to the boot CPU (virtio_poll).
 */
#include "devices/virtio/virtio_pci.h"
#include "devices/pci.h"
#include "devices/irq.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define TRANSPORT_PAGES (ALIGN_UP(sizeof(struct virtio_pci), PAGE_SIZE) / PAGE_SIZE)

/* Capability chain in configuration space (4.1.4). */
#define CAP_MSIX 0x40
#define CAP_COMMON 0x50
#define CAP_NOTIFY 0x60
#define CAP_ISR 0x74
#define CAP_DEVICE 0x84
#define CAP_PCICFG 0x94
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VNDR 0x09
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_STATUS_INTERRUPT 0x08
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000

/* Common configuration fields (4.1.4.3). */
#define CC_DFSELECT 0x00
#define CC_DF 0x04
#define CC_GFSELECT 0x08
#define CC_GF 0x0c
#define CC_MSIX_CONFIG 0x10
#define CC_NUM_QUEUES 0x12
#define CC_STATUS 0x14
#define CC_CFG_GENERATION 0x15
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE 0x18
#define CC_Q_MSIX 0x1a
#define CC_Q_ENABLE 0x1c
#define CC_Q_NOTIFY_OFF 0x1e
#define CC_Q_DESC 0x20
#define CC_Q_DRIVER 0x28
#define CC_Q_DEVICE 0x30

/* Live transports (changed on the boot CPU only, where VMs are created and freed). */
static struct virtio_pci *live;
static u32 work_posted;

static void put(u8 *p, u32 off, u8 size, u64 v)
{
	for (u32 i = 0; i < size; i++)
		p[off + i] = (u8)(v >> (8 * i));
}

static u64 get(const u8 *p, u32 off, u8 size)
{
	u64 v = 0;

	for (u32 i = 0; i < size; i++)
		v |= (u64)p[off + i] << (8 * i);
	return v;
}

bool virtio_has_feature(const struct virtio_pci *t, u32 bit)
{
	return bit < 64 && (t->driver_features & BIT(bit));
}

static bool msix_enabled(const struct virtio_pci *t)
{
	return get(t->pci->config, CAP_MSIX + 2, 2) & MSIX_CTRL_ENABLE;
}

/* INTx follows the ISR (4.1.4.5) while MSI-X is off and the command register allows it. */
static void intx_update(struct virtio_pci *t)
{
	bool high = t->isr && !msix_enabled(t) &&
		    !(get(t->pci->config, PCI_COMMAND, 2) & PCI_CMD_INTX_DISABLE);

	if (t->isr)
		t->pci->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		t->pci->config[PCI_STATUS] &= (u8)~PCI_STATUS_INTERRUPT;
	if (high != t->intx_high) {
		t->intx_high = high;
		irq_set_level(t->vm, t->gsi, high);
	}
}

/* PCI 3.0, 6.8.2: a masked vector's message waits in the PBA until unmasked. */
static void msix_send(struct virtio_pci *t, u16 vec)
{
	struct virtio_msix_entry *e;

	if (vec >= VIRTIO_MSIX_VECTORS)
		return;
	e = &t->msix[vec];
	if ((e->ctrl & 1) || (get(t->pci->config, CAP_MSIX + 2, 2) & MSIX_CTRL_MASKALL)) {
		t->msix_pba |= BIT(vec);
		return;
	}
	t->msix_pba &= ~BIT(vec);
	t->interrupts++;
	irq_msi(t->vm, (u64)e->addr_hi << 32 | e->addr_lo, e->data);
}

static void msix_flush_pending(struct virtio_pci *t)
{
	if (!msix_enabled(t))
		return;
	for (u16 v = 0; v < VIRTIO_MSIX_VECTORS; v++)
		if (t->msix_pba & BIT(v))
			msix_send(t, v);
}

static void raise(struct virtio_pci *t, u8 isr_bit, u16 vec)
{
	if (msix_enabled(t)) {
		msix_send(t, vec);
		return;
	}
	t->isr |= isr_bit;
	t->interrupts++;
	intx_update(t);
}

void virtio_queue_interrupt(struct virtio_pci *t, u16 q)
{
	if (q < t->ops->num_queues)
		raise(t, VIRTIO_ISR_QUEUE, t->vq[q].msix_vector);
}

void virtio_set_needs_reset(struct virtio_pci *t, const char *why)
{
	if (t->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	log_printf(LOG_WARN, t->vm->name, "virtio %02x.%u: %s: device needs reset\n",
		   t->pci->devfn >> 3, t->pci->devfn & 7, why);
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	raise(t, VIRTIO_ISR_CONFIG, t->msix_config);
}

/* 2.4: back to the initial state; work in flight on the boot CPU is dropped (generation). */
static void device_reset(struct virtio_pci *t)
{
	t->generation++;
	t->status = 0;
	t->driver_features = 0;
	t->device_feature_select = t->driver_feature_select = 0;
	t->queue_select = 0;
	t->msix_config = VIRTIO_NO_VECTOR;
	for (u16 q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		virtq_reset(&t->vq[q]);
		if (q < t->ops->num_queues)
			t->vq[q].size = t->queue_size;
	}
	__atomic_store_n(&t->pending, 0, __ATOMIC_RELAXED);
	t->isr = 0;
	intx_update(t);
}

/* FEATURES_OK only for a subset of what is offered that includes VERSION_1 (3.1.1, 6.1). */
static void status_write(struct virtio_pci *t, u8 v)
{
	if (!v) {
		device_reset(t);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK)) {
		if ((t->driver_features & ~t->device_features) ||
		    !(t->driver_features & BIT(VIRTIO_F_VERSION_1)))
			v &= (u8)~VIRTIO_STATUS_FEATURES_OK;
	}
	/* The driver cannot clear NEEDS_RESET except by a reset; it sets no device bits. */
	t->status = (u8)((v & ~VIRTIO_STATUS_NEEDS_RESET) | (t->status & VIRTIO_STATUS_NEEDS_RESET));
}

static struct virtq *selected(struct virtio_pci *t)
{
	return t->queue_select < t->ops->num_queues ? &t->vq[t->queue_select] : NULL;
}

static void queue_enable(struct virtio_pci *t, struct virtq *q)
{
	enum virtq_error e;

	if (q->enabled)
		return;
	q->indirect = virtio_has_feature(t, VIRTIO_F_INDIRECT_DESC);
	q->event_idx = virtio_has_feature(t, VIRTIO_F_EVENT_IDX);
	e = virtq_enable(q, &t->vm->mem);
	if (e) {
		virtio_set_needs_reset(t, virtq_error_name(e));
		return;
	}
	q->enabled = true;
}

static u64 common_read(struct virtio_pci *t, u32 off, u8 size)
{
	u8 img[VIRTIO_COMMON_SIZE];
	struct virtq *q = selected(t);
	u32 sel = t->device_feature_select;

	memset(img, 0, sizeof(img));
	put(img, CC_DFSELECT, 4, sel);
	put(img, CC_DF, 4, sel < 2 ? (u32)(t->device_features >> (32 * sel)) : 0);
	put(img, CC_GFSELECT, 4, t->driver_feature_select);
	put(img, CC_GF, 4, t->driver_feature_select < 2 ?
	    (u32)(t->driver_features >> (32 * t->driver_feature_select)) : 0);
	put(img, CC_MSIX_CONFIG, 2, t->msix_config);
	put(img, CC_NUM_QUEUES, 2, t->ops->num_queues);
	img[CC_STATUS] = t->status;
	img[CC_CFG_GENERATION] = t->config_generation;
	put(img, CC_Q_SELECT, 2, t->queue_select);
	if (q) {
		put(img, CC_Q_SIZE, 2, q->size);
		put(img, CC_Q_MSIX, 2, q->msix_vector);
		put(img, CC_Q_ENABLE, 2, q->enabled);
		put(img, CC_Q_NOTIFY_OFF, 2, t->queue_select);
		put(img, CC_Q_DESC, 8, q->desc_gpa);
		put(img, CC_Q_DRIVER, 8, q->avail_gpa);
		put(img, CC_Q_DEVICE, 8, q->used_gpa);
	}
	if (off >= VIRTIO_COMMON_SIZE || size > VIRTIO_COMMON_SIZE - off)
		return 0;
	return get(img, off, size);
}

/* A 64-bit queue address written whole or as two 32-bit halves (4.1.3.1). */
static void write_addr(u64 *field, u32 off, u32 base, u8 size, u64 v)
{
	if (off == base && size == 8)
		*field = v;
	else if (off == base && size == 4)
		*field = (*field & ~0xffffffffULL) | (u32)v;
	else if (off == base + 4 && size == 4)
		*field = (*field & 0xffffffffULL) | (u64)(u32)v << 32;
}

static void common_write(struct virtio_pci *t, u32 off, u8 size, u64 v)
{
	struct virtq *q = selected(t);
	bool driving = t->status & VIRTIO_STATUS_FEATURES_OK;

	switch (off) {
	case CC_DFSELECT:
		if (size == 4)
			t->device_feature_select = (u32)v;
		return;
	case CC_GFSELECT:
		if (size == 4)
			t->driver_feature_select = (u32)v;
		return;
	case CC_GF:
		/* Features are fixed once FEATURES_OK is set (3.1.1). */
		if (size == 4 && !driving && t->driver_feature_select < 2) {
			u32 sh = 32 * t->driver_feature_select;

			t->driver_features = (t->driver_features & ~(0xffffffffULL << sh)) |
					     ((u64)(u32)v << sh);
		}
		return;
	case CC_MSIX_CONFIG:
		if (size == 2)
			t->msix_config = (u16)v < VIRTIO_MSIX_VECTORS ? (u16)v : VIRTIO_NO_VECTOR;
		return;
	case CC_STATUS:
		if (size == 1)
			status_write(t, (u8)v);
		return;
	case CC_Q_SELECT:
		if (size == 2)
			t->queue_select = (u16)v;
		return;
	case CC_Q_MSIX:
		if (size == 2 && q)
			q->msix_vector = (u16)v < VIRTIO_MSIX_VECTORS ? (u16)v : VIRTIO_NO_VECTOR;
		return;
	}
	/* Queue geometry is the driver's until it enables the queue (4.1.4.3.2). */
	if (!q || q->enabled)
		return;
	if (off == CC_Q_SIZE && size == 2) {
		q->size = (u16)v;
	} else if (off == CC_Q_ENABLE && size == 2) {
		if ((u16)v == 1)
			queue_enable(t, q);
	} else if (off >= CC_Q_DESC && off < CC_Q_DRIVER) {
		write_addr(&q->desc_gpa, off, CC_Q_DESC, size, v);
	} else if (off >= CC_Q_DRIVER && off < CC_Q_DEVICE) {
		write_addr(&q->avail_gpa, off, CC_Q_DRIVER, size, v);
	} else if (off >= CC_Q_DEVICE && off < VIRTIO_COMMON_SIZE) {
		write_addr(&q->used_gpa, off, CC_Q_DEVICE, size, v);
	}
}

/* A notify (4.1.4.4): mark the queue and wake the boot CPU, which serves it. */
static void notify(struct virtio_pci *t, u16 q)
{
	if (q >= t->ops->num_queues)
		return;
	t->notifies++;
	__atomic_or_fetch(&t->pending, 1u << q, __ATOMIC_RELEASE);
	__atomic_store_n(&work_posted, 1, __ATOMIC_RELEASE);
	if (host_cpu_index() != 0)
		host_cpu_kick(0);
}

static u64 msix_read(struct virtio_pci *t, u64 off, u8 size)
{
	u8 img[VIRTIO_MSIX_VECTORS * 16];

	if (off >= VIRTIO_OFF_MSIX_PBA - VIRTIO_OFF_MSIX_TABLE) {
		off -= VIRTIO_OFF_MSIX_PBA - VIRTIO_OFF_MSIX_TABLE;
		return off < 8 && size <= 8 - off ? t->msix_pba >> (8 * off) : 0;
	}
	if (off >= sizeof(img) || size > sizeof(img) - off)
		return 0;
	memcpy(img, t->msix, sizeof(img));
	return get(img, (u32)off, size);
}

static void msix_write(struct virtio_pci *t, u64 off, u8 size, u64 v)
{
	u8 img[VIRTIO_MSIX_VECTORS * 16];

	if (off >= sizeof(img) || size > sizeof(img) - off || (size != 4 && size != 8))
		return;
	memcpy(img, t->msix, sizeof(img));
	put(img, (u32)off, size, v);
	memcpy(t->msix, img, sizeof(img));
	for (u32 i = 0; i < VIRTIO_MSIX_VECTORS; i++)
		t->msix[i].ctrl &= 1;
	msix_flush_pending(t);
}

void virtio_pci_bar_read(struct virtio_pci *t, u64 off, u8 size, u64 *val)
{
	*val = 0;
	if (off < VIRTIO_OFF_COMMON + VIRTIO_COMMON_SIZE) {
		*val = common_read(t, (u32)off, size);
	} else if (off == VIRTIO_OFF_ISR) {
		/* Reading the ISR clears it and deasserts INTx (4.1.4.5). */
		*val = t->isr;
		t->isr = 0;
		intx_update(t);
	} else if (off >= VIRTIO_OFF_DEVICE && off < VIRTIO_OFF_DEVICE + VIRTIO_DEVICE_CFG_SIZE) {
		if (t->ops->config_read)
			t->ops->config_read(t, (u32)(off - VIRTIO_OFF_DEVICE), size, val);
	} else if (off >= VIRTIO_OFF_MSIX_TABLE && off < VIRTIO_OFF_MSIX_PBA + 8) {
		*val = msix_read(t, off - VIRTIO_OFF_MSIX_TABLE, size);
	}
}

void virtio_pci_bar_write(struct virtio_pci *t, u64 off, u8 size, u64 val)
{
	if (off < VIRTIO_OFF_COMMON + VIRTIO_COMMON_SIZE) {
		common_write(t, (u32)off, size, val);
	} else if (off >= VIRTIO_OFF_DEVICE && off < VIRTIO_OFF_DEVICE + VIRTIO_DEVICE_CFG_SIZE) {
		if (t->ops->config_write)
			t->ops->config_write(t, (u32)(off - VIRTIO_OFF_DEVICE), size, val);
	} else if (off >= VIRTIO_OFF_NOTIFY &&
		   off < VIRTIO_OFF_NOTIFY + VIRTIO_NOTIFY_MULTIPLIER * VIRTIO_MAX_QUEUES) {
		if ((off - VIRTIO_OFF_NOTIFY) % VIRTIO_NOTIFY_MULTIPLIER == 0)
			notify(t, (u16)((off - VIRTIO_OFF_NOTIFY) / VIRTIO_NOTIFY_MULTIPLIER));
	} else if (off >= VIRTIO_OFF_MSIX_TABLE && off < VIRTIO_OFF_MSIX_PBA) {
		msix_write(t, off - VIRTIO_OFF_MSIX_TABLE, size, val);
	}
}

static void bar_read(struct pci_device *f, u32 bar, u64 off, u8 size, u64 *val)
{
	if (bar == VIRTIO_BAR)
		virtio_pci_bar_read(f->opaque, off, size, val);
}

static void bar_write(struct pci_device *f, u32 bar, u64 off, u8 size, u64 val)
{
	if (bar == VIRTIO_BAR)
		virtio_pci_bar_write(f->opaque, off, size, val);
}

/* The VIRTIO_PCI_CAP_PCI_CFG window (4.1.4.7): BAR access through configuration space. */
static bool pcicfg_window(struct virtio_pci *t, u16 off, u8 size, u64 *boff, u8 *len)
{
	const u8 *c = t->pci->config;
	u32 l = (u32)get(c, CAP_PCICFG + 12, 4);

	if (off != CAP_PCICFG + 16 || c[CAP_PCICFG + 4] != VIRTIO_BAR || (l != 1 && l != 2 && l != 4) ||
	    size < l)
		return false;
	*boff = get(c, CAP_PCICFG + 8, 4);
	*len = (u8)l;
	return *boff < VIRTIO_BAR_SIZE && (*boff & (l - 1)) == 0;
}

static void config_read(struct pci_device *f, u16 off, u8 size, u32 *val)
{
	struct virtio_pci *t = f->opaque;
	u64 boff, v;
	u8 len;

	if (pcicfg_window(t, off, size, &boff, &len)) {
		virtio_pci_bar_read(t, boff, len, &v);
		*val = (u32)v;
	}
}

static void config_write(struct pci_device *f, u16 off, u8 size, u32 val)
{
	struct virtio_pci *t = f->opaque;
	u64 boff;
	u8 len;

	if (pcicfg_window(t, off, size, &boff, &len))
		virtio_pci_bar_write(t, boff, len, val & (len == 4 ? ~0u : (1u << (8 * len)) - 1));
	/* MSI-X enable, function mask and INTx disable change where interrupts go. */
	if (off <= CAP_MSIX + 3 && off + size > CAP_MSIX + 2) {
		intx_update(t);
		msix_flush_pending(t);
	}
	if (off <= PCI_COMMAND + 1 && off + size > PCI_COMMAND)
		intx_update(t);
}

static const struct pci_device_ops virtio_pci_ops = {
	.config_read = config_read,
	.config_write = config_write,
	.bar_read = bar_read,
	.bar_write = bar_write,
};

static void vendor_cap(u8 *c, u8 at, u8 next, u8 len, u8 type, u32 offset, u32 length)
{
	c[at] = PCI_CAP_ID_VNDR;
	c[at + 1] = next;
	c[at + 2] = len;
	c[at + 3] = type;
	c[at + 4] = VIRTIO_BAR;
	put(c, at + 8, 4, offset);
	put(c, at + 12, 4, length);
}

int virtio_pci_create(struct vm *vm, u8 devfn, const struct virtio_device_ops *ops, void *dev,
		      u64 features, u16 queue_size, struct virtio_pci **out)
{
	struct virtio_pci *t;
	struct pci_device *f;
	u8 *c;
	int err;

	if (ops->num_queues > VIRTIO_MAX_QUEUES || !queue_size || queue_size > VIRTQ_MAX_SIZE ||
	    (queue_size & (queue_size - 1)))
		return -EINVAL;
	t = (struct virtio_pci *)(uintptr_t)host_pages_alloc(TRANSPORT_PAGES);
	if (!t)
		return -ENOMEM;
	err = pci_device_register(vm, devfn, &virtio_pci_ops, t, &f);
	if (!err)
		err = pci_bar_define(f, VIRTIO_BAR, VIRTIO_BAR_SIZE, PCI_BAR_MEM64);
	if (err) {
		host_pages_free((u64)(uintptr_t)t, TRANSPORT_PAGES);
		return err;
	}
	t->vm = vm;
	t->pci = f;
	t->ops = ops;
	t->dev = dev;
	t->device_features = features | BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_INDIRECT_DESC) |
			     BIT(VIRTIO_F_EVENT_IDX);
	t->gsi = VIRTIO_INTX_GSI(devfn >> 3);
	t->queue_size = queue_size;
	device_reset(t);
	t->generation = 0;
	/* 4.1.2: modern device IDs, revision 1; subsystem IDs as QEMU's. */
	pci_set_ids(f, VIRTIO_PCI_VENDOR, (u16)(VIRTIO_PCI_DEVICE_BASE + ops->device_id),
		    ops->pci_class, 1);
	c = f->config;
	put(c, PCI_SUBSYS_VENDOR, 2, VIRTIO_PCI_VENDOR);
	put(c, PCI_SUBSYS_ID, 2, 0x1100);
	c[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	c[PCI_CAP_PTR] = CAP_MSIX;
	c[PCI_INT_PIN] = 1;
	c[PCI_INT_LINE] = (u8)t->gsi;
	/* MSI-X (PCI 3.0, 6.8.2): table and PBA in the virtio BAR. */
	c[CAP_MSIX] = PCI_CAP_ID_MSIX;
	c[CAP_MSIX + 1] = CAP_COMMON;
	put(c, CAP_MSIX + 2, 2, VIRTIO_MSIX_VECTORS - 1);
	put(f->wmask, CAP_MSIX + 2, 2, MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	put(c, CAP_MSIX + 4, 4, VIRTIO_OFF_MSIX_TABLE | VIRTIO_BAR);
	put(c, CAP_MSIX + 8, 4, VIRTIO_OFF_MSIX_PBA | VIRTIO_BAR);
	vendor_cap(c, CAP_COMMON, CAP_NOTIFY, 16, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_OFF_COMMON,
		   VIRTIO_COMMON_SIZE);
	vendor_cap(c, CAP_NOTIFY, CAP_ISR, 20, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_OFF_NOTIFY,
		   VIRTIO_NOTIFY_MULTIPLIER * VIRTIO_MAX_QUEUES);
	put(c, CAP_NOTIFY + 16, 4, VIRTIO_NOTIFY_MULTIPLIER);
	vendor_cap(c, CAP_ISR, CAP_DEVICE, 16, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_OFF_ISR, 1);
	vendor_cap(c, CAP_DEVICE, CAP_PCICFG, 16, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_OFF_DEVICE,
		   VIRTIO_DEVICE_CFG_SIZE);
	vendor_cap(c, CAP_PCICFG, 0, 20, VIRTIO_PCI_CAP_PCI_CFG, 0, 0);
	/* The access window: bar, offset, length and data are the driver's. */
	f->wmask[CAP_PCICFG + 4] = 0xff;
	put(f->wmask, CAP_PCICFG + 8, 4, 0xffffffff);
	put(f->wmask, CAP_PCICFG + 12, 4, 0xffffffff);
	put(f->wmask, CAP_PCICFG + 16, 4, 0xffffffff);
	t->next = live;
	live = t;
	if (out)
		*out = t;
	return 0;
}

void virtio_pci_destroy_all(struct vm *vm)
{
	struct virtio_pci **p = &live;

	while (*p) {
		struct virtio_pci *t = *p;

		if (t->vm != vm) {
			p = &t->next;
			continue;
		}
		*p = t->next;
		if (t->ops->destroy)
			t->ops->destroy(t);
		host_pages_free((u64)(uintptr_t)t, TRANSPORT_PAGES);
	}
}

static bool running(const struct virtio_pci *t)
{
	return t->vm->state == VM_STATE_RUNNING && (t->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(t->status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

bool virtio_queue_pop(struct virtio_pci *t, u16 q, u32 *gen)
{
	enum virtq_error e = VIRTQ_ERR_NOT_READY;
	bool ok = false;

	rspin_lock(&t->vm->lock);
	if (running(t) && q < t->ops->num_queues && t->vq[q].enabled) {
		e = virtq_pop(&t->vq[q], &t->vm->mem, &t->chain);
		if (e == VIRTQ_OK)
			ok = true;
		else if (e != VIRTQ_EMPTY)
			virtio_set_needs_reset(t, virtq_error_name(e));
	}
	*gen = t->generation;
	rspin_unlock(&t->vm->lock);
	return ok;
}

void virtio_queue_complete(struct virtio_pci *t, u16 q, u32 gen, u16 head, u32 written)
{
	rspin_lock(&t->vm->lock);
	if (gen == t->generation && running(t) && t->vq[q].enabled &&
	    virtq_push(&t->vq[q], &t->vm->mem, head, written))
		virtio_queue_interrupt(t, q);
	rspin_unlock(&t->vm->lock);
}

bool virtio_work_pending(void)
{
	return __atomic_load_n(&work_posted, __ATOMIC_ACQUIRE);
}

void virtio_repost(void)
{
	__atomic_store_n(&work_posted, 1, __ATOMIC_RELEASE);
}

void virtio_poll(void)
{
	if (!__atomic_exchange_n(&work_posted, 0, __ATOMIC_ACQ_REL))
		return;
	for (struct virtio_pci *t = live; t; t = t->next) {
		u32 mask = __atomic_exchange_n(&t->pending, 0, __ATOMIC_ACQ_REL);

		for (u16 q = 0; q < t->ops->num_queues; q++)
			if ((mask & (1u << q)) && t->ops->process)
				t->ops->process(t, q);
	}
}
