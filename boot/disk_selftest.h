/* selftest = disk: the disk back-ends exercised from the hypervisor itself (docs/config.md). */
#ifndef BOOT_DISK_SELFTEST_H
#define BOOT_DISK_SELFTEST_H

#include "boot/config.h"

/* The byte the selftest leaves at byte offset pos of a disk it wrote (also checked by the
 * test harness on the image files afterwards). */
u8 disk_selftest_pattern(u64 pos);
/* Opens and tests every file:, partuuid: and label: disk of every accepted VM. */
void disk_selftest_run(const struct config *cfg);

#endif
