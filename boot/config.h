/* macrohard.cfg: the boot configuration (global settings, VMs, channels) and its parser.
 * The format is described for users in docs/config.md. */
#ifndef BOOT_CONFIG_H
#define BOOT_CONFIG_H

#include "lib/types.h"

#define CFG_MAX_VMS 16
#define CFG_NAME_MAX 32		/* including NUL */
#define CFG_PATH_MAX 256
#define CFG_CMDLINE_MAX 2048
#define CFG_MAX_DISKS 8
#define CFG_MAX_SHARES 8
#define CFG_MAX_NETS 4
#define CFG_MAX_CHANNELS 16
#define CFG_LINE_MAX 4096	/* a line holds at most CFG_LINE_MAX - 1 bytes */
#define CFG_SERIAL_MAX 21	/* disk serial, including NUL (virtio-blk allows 20 bytes) */
#define CFG_VOLUME_MAX 37	/* file:VOLUME:PATH volume (label or PARTUUID), including NUL */

enum cfg_log_level { CFG_LOG_ERROR, CFG_LOG_WARN, CFG_LOG_INFO, CFG_LOG_DEBUG };
enum cfg_on_exit { CFG_EXIT_RETURN, CFG_EXIT_POWEROFF, CFG_EXIT_REBOOT, CFG_EXIT_HALT };
enum cfg_selftest { CFG_SELFTEST_NONE, CFG_SELFTEST_EXCEPTION, CFG_SELFTEST_PANIC,
		    CFG_SELFTEST_AP_EXCEPTION, CFG_SELFTEST_DISK };
enum cfg_clipboard { CFG_CLIP_NONE, CFG_CLIP_COPY_OUT, CFG_CLIP_PASTE_IN, CFG_CLIP_BOTH };
enum cfg_disk_source { CFG_DISK_FILE, CFG_DISK_PARTUUID, CFG_DISK_LABEL, CFG_DISK_MODULE,
		       CFG_DISK_RAM };

struct cfg_disk {
	enum cfg_disk_source source;
	char target[CFG_PATH_MAX];	/* path, UUID (lower-case), label, module name or RAM size */
	u64 size;			/* ram: bytes (a multiple of 512) */
	/* file: only.  Empty: the boot volume.  Otherwise the FAT volume's label, or its GPT
	 * partition GUID (lower-case) when volume_is_uuid. */
	char volume[CFG_VOLUME_MAX];
	bool volume_is_uuid;
	bool readonly;
	bool discard;
	bool writethrough;
	char serial[CFG_SERIAL_MAX];	/* empty: none given */
	u32 line;
};

struct cfg_share {
	char tag[CFG_NAME_MAX];
	char path[CFG_PATH_MAX];
	bool readonly;
	u32 line;
};

struct cfg_net {
	bool has_mac;
	u8 mac[6];
	u32 line;
};

struct cfg_vm {
	char name[CFG_NAME_MAX];
	u32 line;		/* of the [vm NAME] header */
	bool valid;		/* false: refused, do not start it */
	u32 errors;
	u64 memory;
	u32 vcpus;
	char kernel[CFG_PATH_MAX];
	char initrd[CFG_PATH_MAX];	/* empty: none */
	char cmdline[CFG_CMDLINE_MAX];
	struct cfg_disk disks[CFG_MAX_DISKS];
	u32 disk_count;
	struct cfg_share shares[CFG_MAX_SHARES];
	u32 share_count;
	struct cfg_net nets[CFG_MAX_NETS];
	u32 net_count;
	enum cfg_clipboard clipboard;
	u64 clipboard_max;
	bool seamless;
	bool testdev;		/* the test device (docs/testing.md) */
};

struct cfg_channel {
	char name[CFG_NAME_MAX];
	char vm_a[CFG_NAME_MAX];
	char vm_b[CFG_NAME_MAX];
	bool bidirectional;	/* false: messages go from vm_a to vm_b only */
	u32 line;
	bool valid;
};

struct cfg_global {
	enum cfg_log_level log_level;
	u16 serial_port;	/* 0: no serial console */
	u32 serial_baud;
	enum cfg_on_exit on_exit;
	enum cfg_selftest selftest;
};

struct config {
	struct cfg_global global;
	struct cfg_vm vms[CFG_MAX_VMS];
	u32 vm_count;
	struct cfg_channel channels[CFG_MAX_CHANNELS];
	u32 channel_count;
	u32 errors;
};

/* Called once per problem; msg has no trailing newline and no "file:line: " prefix. */
typedef void (*cfg_report_fn)(void *ctx, const char *file, u32 line, const char *msg);

/*
 * Parses text[0..len) (not NUL-terminated) into *cfg, which it first resets to the
 * defaults.  Uses no heap and never writes outside *cfg.  report may be NULL.
 * Returns the number of problems reported (0 = clean); cfg->errors holds the same.
 */
u32 config_parse(const char *file, const char *text, size_t len, struct config *cfg,
		 cfg_report_fn report, void *ctx);
void config_defaults(struct config *cfg);
const char *config_clipboard_name(enum cfg_clipboard c);	/* "none", "copy-out", ... */
const char *config_disk_source_name(enum cfg_disk_source s);	/* "file", ... */
const char *config_on_exit_name(enum cfg_on_exit e);
const char *config_log_level_name(enum cfg_log_level l);
const char *config_selftest_name(enum cfg_selftest s);

#endif
