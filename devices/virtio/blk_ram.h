/*
 * RAM block back-ends (devices/virtio/blk_ram.c): a zero-filled RAM disk (ram:SIZE) and a
 * Multiboot2 module (or, firmware-hosted, a file read whole) copied into RAM (module:NAME).
 * Contents live as long as the VM: a restart or the end of the run loses them.
 */
#ifndef DEVICES_VIRTIO_BLK_RAM_H
#define DEVICES_VIRTIO_BLK_RAM_H

#include "devices/virtio/blk_backend.h"

/* bytes: a multiple of 512.  0, or a negative error with a reason in err. */
int blk_backend_ram_create(struct blk_backend *b, u64 bytes, char *err, size_t errlen);
/* The module's size is rounded up to whole sectors (the tail reads as zeros). */
int blk_backend_module_open(struct blk_backend *b, const char *name, char *err, size_t errlen);

#endif
