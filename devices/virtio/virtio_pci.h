/*
 * The virtio 1.x PCI transport (devices/virtio/virtio_pci.c, virtio 1.1 section 4.1): a modern-
 * only function with its common, notify, ISR and device configuration structures and the MSI-X
 * table and PBA in one 64-bit memory BAR; INTx (pin A, a level-triggered PCI GSI) when MSI-X is
 * off.  Device types (virtio-blk, …) plug in through struct virtio_device_ops.  Queue work runs
 * on the boot CPU: a notify posts it (lock-free) and virtio_poll() does it.
 */
#ifndef DEVICES_VIRTIO_VIRTIO_PCI_H
#define DEVICES_VIRTIO_VIRTIO_PCI_H

#include "lib/types.h"
#include "devices/virtio/virtqueue.h"

struct vm;
struct pci_device;

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040	/* + the virtio device ID (4.1.2.1) */
#define VIRTIO_MAX_QUEUES 4
#define VIRTIO_MSIX_VECTORS (VIRTIO_MAX_QUEUES + 1)
#define VIRTIO_NO_VECTOR 0xffff

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* ISR status bits (4.1.4.5). */
#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

/* Capability types (4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/* The BAR (BAR 4, 64-bit) and where each structure sits in it. */
#define VIRTIO_BAR 4
#define VIRTIO_BAR_SIZE 0x8000
#define VIRTIO_OFF_COMMON 0x0000
#define VIRTIO_COMMON_SIZE 0x38
#define VIRTIO_OFF_ISR 0x1000
#define VIRTIO_OFF_DEVICE 0x2000
#define VIRTIO_DEVICE_CFG_SIZE 0x100
#define VIRTIO_OFF_NOTIFY 0x3000
#define VIRTIO_NOTIFY_MULTIPLIER 4
#define VIRTIO_OFF_MSIX_TABLE 0x4000
#define VIRTIO_OFF_MSIX_PBA 0x5000

/* INTx: pin A of slot s is GSI 16 + (s mod 8), level-triggered, active low (the DSDT's _PRT). */
#define VIRTIO_INTX_GSI(slot) (16u + ((slot) & 7u))

struct virtio_pci;

struct virtio_device_ops {
	u16 device_id;		/* virtio device ID (5): 2 = block */
	u32 pci_class;
	u16 num_queues;
	/* Device-specific configuration (the device cfg structure); *val pre-set to 0. */
	void (*config_read)(struct virtio_pci *t, u32 off, u8 size, u64 *val);
	void (*config_write)(struct virtio_pci *t, u32 off, u8 size, u64 val);
	/* On the boot CPU, without the VM's lock: serve queue q (virtio_queue_* helpers). */
	void (*process)(struct virtio_pci *t, u16 q);
	/* Releases the device's own state (the VM is being destroyed). */
	void (*destroy)(struct virtio_pci *t);
};

struct virtio_msix_entry {
	u32 addr_lo, addr_hi, data, ctrl;	/* ctrl bit 0: masked */
};

struct virtio_pci {
	struct vm *vm;
	struct pci_device *pci;
	const struct virtio_device_ops *ops;
	void *dev;			/* the device type's state */
	struct virtio_pci *next;	/* every live transport, for virtio_poll() */

	u64 device_features;
	u64 driver_features;
	u32 device_feature_select, driver_feature_select;
	u8 status;
	u8 config_generation;
	u16 queue_select;
	u16 msix_config;
	u8 isr;
	u16 queue_size;		/* offered for every queue */
	u32 gsi;
	bool intx_high;
	u32 generation;			/* bumped by every reset: in-flight work is dropped */
	struct virtq vq[VIRTIO_MAX_QUEUES];
	struct virtio_msix_entry msix[VIRTIO_MSIX_VECTORS];
	u64 msix_pba;
	u32 pending;			/* queues notified, not yet served (atomic bit mask) */
	u64 notifies, interrupts;
	struct virtq_chain chain;	/* the boot CPU's scratch for the chain it serves */
};

/*
 * Registers a virtio function at devfn offering features (VIRTIO_F_VERSION_1 is added; also
 * INDIRECT_DESC and EVENT_IDX), with queues of queue_size.  0 and *out, or a negative error.
 */
int virtio_pci_create(struct vm *vm, u8 devfn, const struct virtio_device_ops *ops, void *dev,
		      u64 features, u16 queue_size, struct virtio_pci **out);
/* Destroys every transport of the VM (calling ops->destroy). */
void virtio_pci_destroy_all(struct vm *vm);

/* Negotiated feature bit? */
bool virtio_has_feature(const struct virtio_pci *t, u32 bit);
/* Sets DEVICE_NEEDS_RESET and raises the configuration-change interrupt (2.1.2). */
void virtio_set_needs_reset(struct virtio_pci *t, const char *why);
/* Raises queue q's interrupt (MSI-X vector, or ISR bit 0 and INTx). */
void virtio_queue_interrupt(struct virtio_pci *t, u16 q);

/*
 * Helpers for ops->process on the boot CPU.  virtio_queue_pop takes the VM's lock, pops one
 * chain into t->chain, and gives the generation to complete it with; it returns false when
 * the queue is empty, not running, or broken (then NEEDS_RESET is set).  virtio_queue_complete
 * puts the chain into the used ring and interrupts as the driver asked, unless the device was
 * reset meanwhile.
 */
bool virtio_queue_pop(struct virtio_pci *t, u16 q, u32 *gen);
void virtio_queue_complete(struct virtio_pci *t, u16 q, u32 gen, u16 head, u32 written);

/* Boot CPU: serves every posted notify.  virtio_work_pending: whether there is any. */
void virtio_poll(void);
bool virtio_work_pending(void);
/* Marks work posted again (a device that stopped early to let other work run). */
void virtio_repost(void);

/* BAR accesses (also for unit tests), as the PCI host routes them. */
void virtio_pci_bar_read(struct virtio_pci *t, u64 off, u8 size, u64 *val);
void virtio_pci_bar_write(struct virtio_pci *t, u64 off, u8 size, u64 val);

#endif
