/* Firmware-hosted disks: image files through the firmware's file protocol and GPT partitions
 * through BlockIo.  Not implemented yet: every such disk is refused with a clear message. */
#include "boot/config.h"
#include "devices/virtio/blk_backend.h"
#include "lib/errno.h"
#include "lib/format.h"

int blk_backend_host_open(const struct cfg_disk *d, struct blk_backend *b, char *err, size_t errlen)
{
	(void)b;
	fmt_snprintf(err, errlen, "disk %s:%s: this back-end is not implemented yet",
		     config_disk_source_name(d->source), d->target);
	return -ENOSYS;
}
