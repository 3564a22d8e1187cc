/* Standalone mode: disks on files and partitions need the firmware's drivers, which this mode
 * does not have; only module: (a Multiboot2 module) and RAM disks exist here. */
#include "boot/config.h"
#include "devices/virtio/blk_backend.h"
#include "lib/errno.h"
#include "lib/format.h"

int blk_backend_host_open(const struct cfg_disk *d, struct blk_backend *b, char *err, size_t errlen)
{
	(void)b;
	fmt_snprintf(err, errlen, "disk %s:%s: not available in standalone mode (use module:NAME)",
		     config_disk_source_name(d->source), d->target);
	return -ENOTSUP;
}
