/* Parser for macrohard.cfg: turns the text into struct config and reports every problem
 * with its line number.  Freestanding: no heap, the input is pointer + length. */
#include <stdarg.h>
#include "boot/config.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#define KIB (1ULL << 10)
#define MIB (1ULL << 20)
#define GIB (1ULL << 30)
#define TIB (1ULL << 40)

#define MEMORY_MIN (16 * MIB)
#define MEMORY_MAX TIB
#define CLIPBOARD_MAX_LIMIT (64 * MIB)
#define VCPUS_MAX 64
#define BAUD_MIN 1200
#define BAUD_MAX 115200
#define LABEL_MAX 35
#define MODULE_MAX 63
#define RAM_DISK_MAX (4 * GIB)	/* ram:SIZE, the largest RAM disk */
#define UUID_LEN 36

#define MSG_MAX 320
#define SHOW_MAX 40		/* bytes of the user's text quoted in a message */
#define SHOW_BUFS 3		/* quotes one message may hold */

struct slice {
	const char *s;
	size_t n;
};

enum section { SEC_GLOBAL, SEC_VM, SEC_SKIP };

enum key_id {
	KEY_LOG_LEVEL, KEY_SERIAL, KEY_SERIAL_BAUD, KEY_ON_EXIT, KEY_SELFTEST, KEY_CHANNEL,
	KEY_MEMORY, KEY_VCPUS, KEY_KERNEL, KEY_INITRD, KEY_CMDLINE, KEY_DISK, KEY_SHARE,
	KEY_NET, KEY_CLIPBOARD, KEY_CLIPBOARD_MAX, KEY_DISPLAY, KEY_TESTDEV,
	KEY_COUNT
};

struct parser {
	const char *file;
	struct config *cfg;
	cfg_report_fn report;
	void *ctx;
	u32 line;
	enum section section;
	struct cfg_vm *vm;		/* the VM whose section this is, or NULL */
	u32 seen[KEY_COUNT];		/* line a key was first given on in this section; 0: not yet */
	char show[SHOW_BUFS][SHOW_MAX + 4];
	unsigned show_next;
};

struct key_def {
	const char *name;
	bool global;		/* before the first section; otherwise inside [vm NAME] */
	bool repeat;		/* may be given more than once */
	bool empty_ok;		/* the value may be empty */
	int (*parse)(struct parser *p, const struct key_def *k, struct slice v);
};

static const char *const log_level_names[] = {
	[CFG_LOG_ERROR] = "error", [CFG_LOG_WARN] = "warn",
	[CFG_LOG_INFO] = "info", [CFG_LOG_DEBUG] = "debug",
};
static const char *const on_exit_names[] = {
	[CFG_EXIT_RETURN] = "return", [CFG_EXIT_POWEROFF] = "poweroff",
	[CFG_EXIT_REBOOT] = "reboot", [CFG_EXIT_HALT] = "halt",
};
static const char *const selftest_names[] = {
	[CFG_SELFTEST_NONE] = "none", [CFG_SELFTEST_EXCEPTION] = "exception",
	[CFG_SELFTEST_PANIC] = "panic", [CFG_SELFTEST_AP_EXCEPTION] = "ap-exception",
	[CFG_SELFTEST_DISK] = "disk",
};
static const char *const clipboard_names[] = {
	[CFG_CLIP_NONE] = "none", [CFG_CLIP_COPY_OUT] = "copy-out",
	[CFG_CLIP_PASTE_IN] = "paste-in", [CFG_CLIP_BOTH] = "both",
};
static const char *const disk_source_names[] = {
	[CFG_DISK_FILE] = "file", [CFG_DISK_PARTUUID] = "partuuid",
	[CFG_DISK_LABEL] = "label", [CFG_DISK_MODULE] = "module", [CFG_DISK_RAM] = "ram",
};
static const char *const display_names[] = { "none", "seamless" };
static const char *const onoff_names[] = { "off", "on" };
static const char *const cache_names[] = { "writeback", "writethrough" };

/* The legacy PC COM port addresses. */
static const struct {
	const char *name;
	u16 port;
} serial_ports[] = {
	{ "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 }, { "none", 0 },
};

/* ---- text helpers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static struct slice mkslice(const char *s, size_t n)
{
	struct slice v = { s, n };

	return v;
}

static struct slice trim(struct slice v)
{
	while (v.n && is_blank(v.s[0])) {
		v.s++;
		v.n--;
	}
	while (v.n && is_blank(v.s[v.n - 1]))
		v.n--;
	return v;
}

static bool slice_eq(struct slice v, const char *word)
{
	size_t n = str_len(word);

	return v.n == n && memcmp(v.s, word, n) == 0;
}

static bool slice_case_eq(struct slice v, const char *word)
{
	size_t i, n = str_len(word);

	if (v.n != n)
		return false;
	for (i = 0; i < n; i++)
		if (to_lower(v.s[i]) != to_lower(word[i]))
			return false;
	return true;
}

static bool slices_eq(struct slice a, struct slice b)
{
	return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

/* If v starts with prefix, drops it from v and returns true. */
static bool eat_prefix(struct slice *v, const char *prefix)
{
	size_t n = str_len(prefix);

	if (v->n < n || memcmp(v->s, prefix, n) != 0)
		return false;
	v->s += n;
	v->n -= n;
	return true;
}

/* Takes the next sep-separated field (trimmed) off *rest; false once all were taken. */
static bool next_field(struct slice *rest, char sep, struct slice *field)
{
	size_t i = 0;

	if (!rest->s)
		return false;
	while (i < rest->n && rest->s[i] != sep)
		i++;
	*field = trim(mkslice(rest->s, i));
	if (i < rest->n) {
		rest->s += i + 1;
		rest->n -= i + 1;
	} else {
		rest->s = NULL;
		rest->n = 0;
	}
	return true;
}

/* Takes the next blank-separated word off *rest; false when none is left. */
static bool next_word(struct slice *rest, struct slice *word)
{
	size_t i = 0;

	*rest = trim(*rest);
	if (!rest->n)
		return false;
	while (i < rest->n && !is_blank(rest->s[i]))
		i++;
	*word = mkslice(rest->s, i);
	rest->s += i;
	rest->n -= i;
	return true;
}

static bool has_control(struct slice v)
{
	size_t i;

	for (i = 0; i < v.n; i++)
		if ((u8)v.s[i] < 0x20 || (u8)v.s[i] == 0x7f)
			return true;
	return false;
}

/* Copies v into dst[size] and terminates it; callers have checked v.n < size. */
static void copy_out(char *dst, size_t size, struct slice v)
{
	size_t n = MIN(v.n, size - 1);

	memcpy(dst, v.s, n);
	dst[n] = 0;
}

static struct slice cstr(const char *s)
{
	return mkslice(s, str_len(s));
}

/* ---- reporting ---- */

/* The user's text for a message: at most SHOW_MAX bytes, cut at a UTF-8 boundary. */
static const char *show(struct parser *p, struct slice v)
{
	char *buf = p->show[p->show_next++ % SHOW_BUFS];
	size_t n = v.n;
	bool cut = n > SHOW_MAX;

	if (cut) {
		n = SHOW_MAX;
		while (n && ((u8)v.s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, v.s, n);
	if (cut)
		memcpy(buf + n, "...", 4);
	else
		buf[n] = 0;
	return buf;
}

static void vreport(struct parser *p, u32 line, struct cfg_vm *vm, const char *fmt, va_list ap)
{
	char msg[MSG_MAX];
	size_t n = 0;

	if (vm) {
		n = fmt_snprintf(msg, sizeof(msg), "vm '%s': ", vm->name);
		vm->errors++;
		vm->valid = false;
	}
	if (n < sizeof(msg))
		fmt_vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	p->cfg->errors++;
	if (p->report)
		p->report(p->ctx, p->file, line, msg);
}

/* A problem on the current line; inside a VM's section it refuses that VM. */
static int __attribute__((format(printf, 2, 3))) fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, p->line, p->vm, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void __attribute__((format(printf, 4, 5)))
fail_at(struct parser *p, u32 line, struct cfg_vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, line, vm, fmt, ap);
	va_end(ap);
}

/* ---- value checkers: each reports its own problem and returns a negative code ---- */

static int pick_word(struct parser *p, const struct key_def *k, struct slice v,
		     const char *const *words, size_t count)
{
	char list[128];
	size_t i, n = 0;

	for (i = 0; i < count; i++)
		if (slice_eq(v, words[i]))
			return (int)i;
	for (i = 0; i < count && n < sizeof(list); i++)
		n += fmt_snprintf(list + n, sizeof(list) - n, "%s%s",
				  i == 0 ? "" : i + 1 == count ? " or " : ", ", words[i]);
	return fail(p, "invalid value '%s' for '%s' (expected %s)", show(p, v), k->name, list);
}

/* A decimal number in [min, max]. */
static int want_uint(struct parser *p, const struct key_def *k, struct slice v,
		     u64 min, u64 max, u64 *out)
{
	size_t i;

	for (i = 0; i < v.n; i++)
		if (!is_digit(v.s[i]))
			return fail(p, "invalid value '%s' for '%s' (expected a decimal number from %llu to %llu)",
				    show(p, v), k->name, (unsigned long long)min, (unsigned long long)max);
	if (str_parse_u64(v.s, v.n, out) < 0 || *out < min || *out > max)
		return fail(p, "value '%s' of '%s' is out of range (allowed %llu to %llu)",
			    show(p, v), k->name, (unsigned long long)min, (unsigned long long)max);
	return 0;
}

/* Decimal digits, optional blanks, an optional K/M/G or KiB/MiB/GiB suffix (any case). */
static int want_size(struct parser *p, const struct key_def *k, struct slice v, u64 *out)
{
	static const struct {
		const char *name;
		u64 mul;
	} suffixes[] = {
		{ "", 1 }, { "k", KIB }, { "kib", KIB }, { "m", MIB }, { "mib", MIB },
		{ "g", GIB }, { "gib", GIB },
	};
	struct slice suffix;
	size_t digits = 0, i;
	u64 num;

	while (digits < v.n && is_digit(v.s[digits]))
		digits++;
	if (!digits)
		return fail(p, "invalid size '%s' for '%s' (expected a number with an optional K, M or G suffix)",
			    show(p, v), k->name);
	suffix = trim(mkslice(v.s + digits, v.n - digits));
	for (i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (slice_case_eq(suffix, suffixes[i].name))
			break;
	if (i == ARRAY_SIZE(suffixes))
		return fail(p, "invalid size '%s' for '%s' (unknown suffix '%s'; use K, M, G or KiB, MiB, GiB)",
			    show(p, v), k->name, show(p, suffix));
	if (str_parse_u64(v.s, digits, &num) < 0 || num > UINT64_MAX / suffixes[i].mul)
		return fail(p, "size '%s' for '%s' is too large", show(p, v), k->name);
	*out = num * suffixes[i].mul;
	return 0;
}

/* Names of VMs, channels and share tags: 1..CFG_NAME_MAX-1 of [A-Za-z0-9_-]. */
static int want_name(struct parser *p, const char *what, struct slice v, const char *suffix)
{
	size_t i;

	if (v.n >= CFG_NAME_MAX)
		return fail(p, "%s '%s' is too long (%zu bytes, limit %d)%s",
			    what, show(p, v), v.n, CFG_NAME_MAX - 1, suffix);
	for (i = 0; i < v.n; i++) {
		char c = v.s[i];

		if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == '-'))
			break;
	}
	if (!v.n || i < v.n)
		return fail(p, "invalid %s '%s' (use 1 to %d of A-Z a-z 0-9 _ -)%s",
			    what, show(p, v), CFG_NAME_MAX - 1, suffix);
	return 0;
}

/* A path on the boot volume: absolute, '/'-separated, no '..' components. */
static int want_path(struct parser *p, const char *what, struct slice v)
{
	size_t i, start;

	if (!v.n)
		return fail(p, "%s is empty", what);
	if (v.n >= CFG_PATH_MAX)
		return fail(p, "%s is too long (%zu bytes, limit %d)", what, v.n, CFG_PATH_MAX - 1);
	if (has_control(v))
		return fail(p, "%s '%s' contains a control character", what, show(p, v));
	for (i = 0; i < v.n; i++)
		if (v.s[i] == '\\')
			return fail(p, "%s '%s' contains '\\' (separate directories with '/')",
				    what, show(p, v));
	if (v.s[0] != '/')
		return fail(p, "%s '%s' must start with '/'", what, show(p, v));
	for (start = 1; start <= v.n; start = i + 1) {
		for (i = start; i < v.n && v.s[i] != '/'; i++)
			;
		if (slice_eq(mkslice(v.s + start, i - start), ".."))
			return fail(p, "%s '%s' must not contain '..'", what, show(p, v));
	}
	return 0;
}

/* ---- global keys ---- */

static int parse_log_level(struct parser *p, const struct key_def *k, struct slice v)
{
	int i = pick_word(p, k, v, log_level_names, ARRAY_SIZE(log_level_names));

	if (i < 0)
		return i;
	p->cfg->global.log_level = (enum cfg_log_level)i;
	return 0;
}

static int parse_serial(struct parser *p, const struct key_def *k, struct slice v)
{
	size_t i;
	u64 port;

	for (i = 0; i < ARRAY_SIZE(serial_ports); i++) {
		if (slice_eq(v, serial_ports[i].name)) {
			p->cfg->global.serial_port = serial_ports[i].port;
			return 0;
		}
	}
	if (v.n > 2 && v.s[0] == '0' && to_lower(v.s[1]) == 'x') {
		if (str_parse_u64(v.s, v.n, &port) < 0 || port == 0 || port > 0xffff)
			return fail(p, "invalid I/O port '%s' for '%s' (expected 0x1 to 0xffff)",
				    show(p, v), k->name);
		p->cfg->global.serial_port = (u16)port;
		return 0;
	}
	return fail(p, "invalid value '%s' for '%s' (expected com1, com2, com3, com4, none or an I/O port like 0x3f8)",
		    show(p, v), k->name);
}

static int parse_serial_baud(struct parser *p, const struct key_def *k, struct slice v)
{
	u64 baud;
	int r = want_uint(p, k, v, BAUD_MIN, BAUD_MAX, &baud);

	if (r < 0)
		return r;
	/* The 16550 divisor latch divides 115200; other rates cannot be set exactly. */
	if (BAUD_MAX % baud)
		return fail(p, "'%s' must divide 115200 exactly (%llu does not; try 9600, 19200, 38400, 57600 or 115200)",
			    k->name, (unsigned long long)baud);
	p->cfg->global.serial_baud = (u32)baud;
	return 0;
}

static int parse_on_exit(struct parser *p, const struct key_def *k, struct slice v)
{
	int i = pick_word(p, k, v, on_exit_names, ARRAY_SIZE(on_exit_names));

	if (i < 0)
		return i;
	p->cfg->global.on_exit = (enum cfg_on_exit)i;
	return 0;
}

static int parse_selftest(struct parser *p, const struct key_def *k, struct slice v)
{
	int i = pick_word(p, k, v, selftest_names, ARRAY_SIZE(selftest_names));

	if (i < 0)
		return i;
	p->cfg->global.selftest = (enum cfg_selftest)i;
	return 0;
}

static struct cfg_vm *find_vm(struct config *cfg, struct slice name)
{
	u32 i;

	for (i = 0; i < cfg->vm_count; i++)
		if (slice_eq(name, cfg->vms[i].name))
			return &cfg->vms[i];
	return NULL;
}

/* NAME VM_A -> VM_B  or  NAME VM_A <-> VM_B; the VMs are looked up at the end of the file. */
static int parse_channel(struct parser *p, const struct key_def *k, struct slice v)
{
	struct config *cfg = p->cfg;
	struct cfg_channel *c;
	struct slice rest = v, w[5];
	size_t n = 0;
	u32 i;

	(void)k;
	while (n < ARRAY_SIZE(w) && next_word(&rest, &w[n]))
		n++;
	if (n != 4 || !(slice_eq(w[2], "->") || slice_eq(w[2], "<->")))
		return fail(p, "invalid channel '%s' (expected 'NAME VM_A -> VM_B' or 'NAME VM_A <-> VM_B')",
			    show(p, v));
	if (want_name(p, "channel name", w[0], "") < 0 ||
	    want_name(p, "vm name", w[1], "") < 0 || want_name(p, "vm name", w[3], "") < 0)
		return -EINVAL;
	if (slices_eq(w[1], w[3]))
		return fail(p, "channel '%s' connects vm '%s' to itself", show(p, w[0]), show(p, w[1]));
	for (i = 0; i < cfg->channel_count; i++)
		if (slice_eq(w[0], cfg->channels[i].name))
			return fail(p, "duplicate channel name '%s' (first defined on line %u)",
				    show(p, w[0]), cfg->channels[i].line);
	if (cfg->channel_count >= CFG_MAX_CHANNELS)
		return fail(p, "too many channels (limit %d); channel '%s' is ignored",
			    CFG_MAX_CHANNELS, show(p, w[0]));
	c = &cfg->channels[cfg->channel_count++];
	copy_out(c->name, sizeof(c->name), w[0]);
	copy_out(c->vm_a, sizeof(c->vm_a), w[1]);
	copy_out(c->vm_b, sizeof(c->vm_b), w[3]);
	c->bidirectional = w[2].n == 3;
	c->line = p->line;
	c->valid = true;
	return 0;
}

/* ---- VM keys ---- */

static int parse_memory(struct parser *p, const struct key_def *k, struct slice v)
{
	u64 size;
	int r = want_size(p, k, v, &size);

	if (r < 0)
		return r;
	if (size % MIB)
		return fail(p, "memory size '%s' is not a multiple of 1 MiB", show(p, v));
	if (size < MEMORY_MIN)
		return fail(p, "memory size '%s' is too small (minimum 16 MiB)", show(p, v));
	if (size > MEMORY_MAX)
		return fail(p, "memory size '%s' is too large (maximum 1 TiB)", show(p, v));
	p->vm->memory = size;
	return 0;
}

static int parse_vcpus(struct parser *p, const struct key_def *k, struct slice v)
{
	u64 n;
	int r = want_uint(p, k, v, 1, VCPUS_MAX, &n);

	if (r < 0)
		return r;
	p->vm->vcpus = (u32)n;
	return 0;
}

static int parse_kernel(struct parser *p, const struct key_def *k, struct slice v)
{
	int r = want_path(p, "value of 'kernel'", v);

	(void)k;
	if (r < 0)
		return r;
	copy_out(p->vm->kernel, sizeof(p->vm->kernel), v);
	return 0;
}

static int parse_initrd(struct parser *p, const struct key_def *k, struct slice v)
{
	int r = want_path(p, "value of 'initrd'", v);

	(void)k;
	if (r < 0)
		return r;
	copy_out(p->vm->initrd, sizeof(p->vm->initrd), v);
	return 0;
}

static int parse_cmdline(struct parser *p, const struct key_def *k, struct slice v)
{
	if (v.n >= CFG_CMDLINE_MAX)
		return fail(p, "value of '%s' is too long (%zu bytes, limit %d)",
			    k->name, v.n, CFG_CMDLINE_MAX - 1);
	copy_out(p->vm->cmdline, sizeof(p->vm->cmdline), v);
	return 0;
}

/* 8-4-4-4-12 hex digits; stored in lower case. */
static int want_uuid(struct parser *p, struct slice v, char *out)
{
	size_t i;

	for (i = 0; i < v.n && v.n == UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? v.s[i] != '-' : hex_value(v.s[i]) < 0)
			break;
		out[i] = to_lower(v.s[i]);
	}
	if (v.n != UUID_LEN || i != UUID_LEN)
		return fail(p, "invalid partition UUID '%s' (expected 8-4-4-4-12 hex digits)",
			    show(p, v));
	out[UUID_LEN] = 0;
	return 0;
}

/* The VOLUME of file:VOLUME:PATH: a GPT partition GUID (8-4-4-4-12) or a volume label. */
static int want_volume(struct parser *p, struct slice vol, struct cfg_disk *d)
{
	size_t i;

	for (i = 0; i < vol.n && vol.n == UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? vol.s[i] != '-' : hex_value(vol.s[i]) < 0)
			break;
	}
	if (vol.n == UUID_LEN && i == UUID_LEN) {
		for (i = 0; i < vol.n; i++)
			d->volume[i] = to_lower(vol.s[i]);
		d->volume[i] = 0;
		d->volume_is_uuid = true;
		return 0;
	}
	if (!vol.n || vol.n > LABEL_MAX || has_control(vol))
		return fail(p, "invalid volume '%s' in disk file:VOLUME:PATH (expected a label of 1 to %d characters or a partition UUID)",
			    show(p, vol), LABEL_MAX);
	copy_out(d->volume, sizeof(d->volume), vol);
	return 0;
}

static int parse_disk_source(struct parser *p, struct slice src, struct cfg_disk *d)
{
	struct slice v = src;
	size_t i;

	if (eat_prefix(&v, "file:")) {
		d->source = CFG_DISK_FILE;
		/* file:VOLUME:PATH — a path starts with '/', so a volume is whatever comes before
		 * the first ':' when the value does not start with '/'. */
		for (i = 0; i < v.n && v.s[0] != '/' && v.s[i] != ':'; i++)
			;
		if (v.n && v.s[0] != '/' && i < v.n) {
			struct slice vol = mkslice(v.s, i);

			v = mkslice(v.s + i + 1, v.n - i - 1);
			if (want_volume(p, vol, d) < 0)
				return -EINVAL;
		}
		if (want_path(p, "disk path", v) < 0)
			return -EINVAL;
	} else if (eat_prefix(&v, "partuuid:")) {
		d->source = CFG_DISK_PARTUUID;
		return want_uuid(p, v, d->target);
	} else if (eat_prefix(&v, "label:")) {
		d->source = CFG_DISK_LABEL;
		if (!v.n || v.n > LABEL_MAX || has_control(v))
			return fail(p, "invalid disk label '%s' (expected 1 to %d characters, no commas)",
				    show(p, v), LABEL_MAX);
	} else if (eat_prefix(&v, "module:")) {
		d->source = CFG_DISK_MODULE;
		for (i = 0; i < v.n; i++)
			if (is_blank(v.s[i]))
				break;
		if (!v.n || v.n > MODULE_MAX || i < v.n || has_control(v))
			return fail(p, "invalid module name '%s' (expected 1 to %d characters, no spaces or commas)",
				    show(p, v), MODULE_MAX);
	} else if (eat_prefix(&v, "ram:")) {
		static const struct key_def ram_key = { .name = "disk ram" };

		d->source = CFG_DISK_RAM;
		if (want_size(p, &ram_key, v, &d->size) < 0)
			return -EINVAL;
		if (!d->size || d->size % 512 || d->size > RAM_DISK_MAX)
			return fail(p, "invalid RAM disk size '%s' (expected a multiple of 512 bytes, 512 to 4 GiB)",
				    show(p, v));
	} else {
		return fail(p, "invalid disk source '%s' (expected file:PATH, file:VOLUME:PATH, partuuid:UUID, label:TEXT, module:NAME or ram:SIZE)",
			    show(p, src));
	}
	copy_out(d->target, sizeof(d->target), v);
	return 0;
}

static int parse_disk_option(struct parser *p, struct slice opt, struct cfg_disk *d, u32 *given)
{
	enum { OPT_RO = 1, OPT_DISCARD = 2, OPT_SERIAL = 4, OPT_CACHE = 8 };
	struct slice v = opt;
	u32 bit;
	size_t i;

	if (!opt.n)
		return fail(p, "empty option in 'disk'");
	if (slice_eq(v, "ro"))
		bit = OPT_RO;
	else if (slice_eq(v, "discard"))
		bit = OPT_DISCARD;
	else if (eat_prefix(&v, "serial="))
		bit = OPT_SERIAL;
	else if (eat_prefix(&v, "cache="))
		bit = OPT_CACHE;
	else
		return fail(p, "unknown disk option '%s' (expected ro, discard, serial=TEXT or cache=writeback|writethrough)",
			    show(p, opt));
	if (*given & bit)
		return fail(p, "disk option '%s' is given twice", show(p, opt));
	*given |= bit;

	switch (bit) {
	case OPT_RO:
		d->readonly = true;
		break;
	case OPT_DISCARD:
		d->discard = true;
		break;
	case OPT_SERIAL:
		for (i = 0; i < v.n; i++)
			if ((u8)v.s[i] < 0x20 || (u8)v.s[i] > 0x7e)
				break;
		if (!v.n || v.n >= CFG_SERIAL_MAX || i < v.n)
			return fail(p, "invalid disk serial '%s' (expected 1 to %d printable ASCII characters, no commas)",
				    show(p, v), CFG_SERIAL_MAX - 1);
		copy_out(d->serial, sizeof(d->serial), v);
		break;
	case OPT_CACHE:
		for (i = 0; i < ARRAY_SIZE(cache_names); i++)
			if (slice_eq(v, cache_names[i]))
				break;
		if (i == ARRAY_SIZE(cache_names))
			return fail(p, "invalid disk cache mode '%s' (expected writeback or writethrough)",
				    show(p, v));
		d->writethrough = i == 1;
		break;
	}
	return 0;
}

/* SOURCE[,ro][,discard][,serial=TEXT][,cache=writeback|writethrough] */
static int parse_disk(struct parser *p, const struct key_def *k, struct slice v)
{
	struct cfg_vm *vm = p->vm;
	struct cfg_disk d;
	struct slice rest = v, field;
	u32 given = 0;

	if (vm->disk_count >= CFG_MAX_DISKS)
		return fail(p, "too many '%s' entries (limit %d)", k->name, CFG_MAX_DISKS);
	memset(&d, 0, sizeof(d));
	next_field(&rest, ',', &field);
	if (parse_disk_source(p, field, &d) < 0)
		return -EINVAL;
	while (next_field(&rest, ',', &field))
		if (parse_disk_option(p, field, &d, &given) < 0)
			return -EINVAL;
	d.line = p->line;
	vm->disks[vm->disk_count++] = d;
	return 0;
}

/* TAG,PATH[,ro] */
static int parse_share(struct parser *p, const struct key_def *k, struct slice v)
{
	struct cfg_vm *vm = p->vm;
	struct cfg_share *s;
	struct slice rest = v, f[4];
	size_t n = 0;
	u32 i;

	if (vm->share_count >= CFG_MAX_SHARES)
		return fail(p, "too many '%s' entries (limit %d)", k->name, CFG_MAX_SHARES);
	while (n < ARRAY_SIZE(f) && next_field(&rest, ',', &f[n]))
		n++;
	if (n < 2 || n > 3 || (n == 3 && !slice_eq(f[2], "ro")))
		return fail(p, "invalid share '%s' (expected 'TAG,PATH' or 'TAG,PATH,ro')", show(p, v));
	if (want_name(p, "share tag", f[0], "") < 0 || want_path(p, "share path", f[1]) < 0)
		return -EINVAL;
	for (i = 0; i < vm->share_count; i++)
		if (slice_eq(f[0], vm->shares[i].tag))
			return fail(p, "duplicate share tag '%s' (first used on line %u)",
				    show(p, f[0]), vm->shares[i].line);
	s = &vm->shares[vm->share_count++];
	copy_out(s->tag, sizeof(s->tag), f[0]);
	copy_out(s->path, sizeof(s->path), f[1]);
	s->readonly = n == 3;
	s->line = p->line;
	return 0;
}

/* xx:xx:xx:xx:xx:xx */
static int want_mac(struct parser *p, struct slice v, u8 *mac)
{
	size_t i;

	if (v.n != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		int hi = hex_value(v.s[i * 3]), lo = hex_value(v.s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && v.s[i * 3 + 2] != ':'))
			goto bad;
		mac[i] = (u8)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return fail(p, "MAC address '%s' is a multicast address (the low bit of the first octet must be clear)",
			    show(p, v));
	for (i = 0; i < 6 && !mac[i]; i++)
		;
	if (i == 6)
		return fail(p, "MAC address '%s' is all zero", show(p, v));
	return 0;
bad:
	return fail(p, "invalid MAC address '%s' (expected 6 hex octets like 52:54:00:12:34:56)",
		    show(p, v));
}

/* Two NICs with one MAC on the switch would steal each other's frames. */
static int check_mac_unused(struct parser *p, const u8 *mac)
{
	struct config *cfg = p->cfg;
	u32 i, j;

	for (i = 0; i < cfg->vm_count; i++)
		for (j = 0; j < cfg->vms[i].net_count; j++)
			if (cfg->vms[i].nets[j].has_mac && !memcmp(cfg->vms[i].nets[j].mac, mac, 6))
				return fail(p, "MAC address %02x:%02x:%02x:%02x:%02x:%02x is already used on line %u",
					    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
					    cfg->vms[i].nets[j].line);
	return 0;
}

/* switch[,mac=xx:xx:xx:xx:xx:xx] */
static int parse_net(struct parser *p, const struct key_def *k, struct slice v)
{
	struct cfg_vm *vm = p->vm;
	struct cfg_net net;
	struct slice rest = v, field, mac;

	if (vm->net_count >= CFG_MAX_NETS)
		return fail(p, "too many '%s' entries (limit %d)", k->name, CFG_MAX_NETS);
	memset(&net, 0, sizeof(net));
	next_field(&rest, ',', &field);
	if (!slice_eq(field, "switch"))
		return fail(p, "invalid network source '%s' (expected 'switch')", show(p, field));
	while (next_field(&rest, ',', &field)) {
		mac = field;
		if (!eat_prefix(&mac, "mac="))
			return fail(p, "unknown net option '%s' (expected mac=xx:xx:xx:xx:xx:xx)",
				    show(p, field));
		if (net.has_mac)
			return fail(p, "net option 'mac' is given twice");
		if (want_mac(p, mac, net.mac) < 0 || check_mac_unused(p, net.mac) < 0)
			return -EINVAL;
		net.has_mac = true;
	}
	net.line = p->line;
	vm->nets[vm->net_count++] = net;
	return 0;
}

static int parse_clipboard(struct parser *p, const struct key_def *k, struct slice v)
{
	int i = pick_word(p, k, v, clipboard_names, ARRAY_SIZE(clipboard_names));

	if (i < 0)
		return i;
	p->vm->clipboard = (enum cfg_clipboard)i;
	return 0;
}

static int parse_clipboard_max(struct parser *p, const struct key_def *k, struct slice v)
{
	u64 size;
	int r = want_size(p, k, v, &size);

	if (r < 0)
		return r;
	if (size < 1 || size > CLIPBOARD_MAX_LIMIT)
		return fail(p, "value '%s' of '%s' is out of range (allowed 1 byte to 64 MiB)",
			    show(p, v), k->name);
	p->vm->clipboard_max = size;
	return 0;
}

static int parse_display(struct parser *p, const struct key_def *k, struct slice v)
{
	int i = pick_word(p, k, v, display_names, ARRAY_SIZE(display_names));

	if (i < 0)
		return i;
	p->vm->seamless = i == 1;
	return 0;
}

static int parse_testdev(struct parser *p, const struct key_def *k, struct slice v)
{
	int i = pick_word(p, k, v, onoff_names, ARRAY_SIZE(onoff_names));

	if (i < 0)
		return i;
	p->vm->testdev = i == 1;
	return 0;
}

static const struct key_def keys[KEY_COUNT] = {
	[KEY_LOG_LEVEL] = { "log_level", true, false, false, parse_log_level },
	[KEY_SERIAL] = { "serial", true, false, false, parse_serial },
	[KEY_SERIAL_BAUD] = { "serial_baud", true, false, false, parse_serial_baud },
	[KEY_ON_EXIT] = { "on_exit", true, false, false, parse_on_exit },
	[KEY_SELFTEST] = { "selftest", true, false, false, parse_selftest },
	[KEY_CHANNEL] = { "channel", true, true, false, parse_channel },
	[KEY_MEMORY] = { "memory", false, false, false, parse_memory },
	[KEY_VCPUS] = { "vcpus", false, false, false, parse_vcpus },
	[KEY_KERNEL] = { "kernel", false, false, false, parse_kernel },
	[KEY_INITRD] = { "initrd", false, false, false, parse_initrd },
	[KEY_CMDLINE] = { "cmdline", false, false, true, parse_cmdline },
	[KEY_DISK] = { "disk", false, true, false, parse_disk },
	[KEY_SHARE] = { "share", false, true, false, parse_share },
	[KEY_NET] = { "net", false, true, false, parse_net },
	[KEY_CLIPBOARD] = { "clipboard", false, false, false, parse_clipboard },
	[KEY_CLIPBOARD_MAX] = { "clipboard_max", false, false, false, parse_clipboard_max },
	[KEY_DISPLAY] = { "display", false, false, false, parse_display },
	[KEY_TESTDEV] = { "testdev", false, false, false, parse_testdev },
};

/* Keys a VM must have; reported at the section header when missing. */
static const enum key_id required_keys[] = { KEY_MEMORY, KEY_KERNEL };

/* ---- lines and sections ---- */

static void vm_defaults(struct cfg_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->valid = true;
	vm->vcpus = 1;
	vm->clipboard = CFG_CLIP_NONE;
	vm->clipboard_max = MIB;
}

static void end_section(struct parser *p)
{
	size_t i;

	if (p->section == SEC_VM)
		for (i = 0; i < ARRAY_SIZE(required_keys); i++)
			if (!p->seen[required_keys[i]])
				fail_at(p, p->vm->line, p->vm, "missing required key '%s'",
					keys[required_keys[i]].name);
	p->section = SEC_SKIP;
	p->vm = NULL;
	memset(p->seen, 0, sizeof(p->seen));
}

/* [vm NAME]; anything else refuses the section and skips its lines. */
static void start_section(struct parser *p, struct slice t)
{
	static const char skipped[] = "; its lines are skipped";
	struct config *cfg = p->cfg;
	struct cfg_vm *vm;
	struct slice rest, word;

	end_section(p);
	if (t.s[t.n - 1] != ']') {
		fail(p, "malformed section header '%s' (expected '[vm NAME]')%s", show(p, t), skipped);
		return;
	}
	rest = mkslice(t.s + 1, t.n - 2);
	if (!next_word(&rest, &word) || !slice_eq(word, "vm")) {
		fail(p, "unknown section '%s' (expected '[vm NAME]')%s", show(p, t), skipped);
		return;
	}
	rest = trim(rest);
	if (!rest.n) {
		fail(p, "section '%s' has no vm name (expected '[vm NAME]')%s", show(p, t), skipped);
		return;
	}
	if (want_name(p, "vm name", rest, skipped) < 0)
		return;
	vm = find_vm(cfg, rest);
	if (vm) {
		fail(p, "duplicate vm name '%s' (first defined on line %u); this section is refused%s",
		     vm->name, vm->line, skipped);
		return;
	}
	if (cfg->vm_count >= CFG_MAX_VMS) {
		fail(p, "too many vm sections (limit %d): vm '%s' is refused and not stored%s",
		     CFG_MAX_VMS, show(p, rest), skipped);
		return;
	}
	vm = &cfg->vms[cfg->vm_count++];
	vm_defaults(vm);
	copy_out(vm->name, sizeof(vm->name), rest);
	vm->line = p->line;
	p->section = SEC_VM;
	p->vm = vm;
}

static const struct key_def *find_key(struct slice key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (slice_eq(key, keys[i].name))
			return &keys[i];
	return NULL;
}

static void parse_assignment(struct parser *p, struct slice t)
{
	const struct key_def *k;
	struct slice key, value;
	size_t eq = 0, i;

	while (eq < t.n && t.s[eq] != '=')
		eq++;
	if (eq == t.n) {
		fail(p, "line has no '=' (expected 'key = value')");
		return;
	}
	key = trim(mkslice(t.s, eq));
	value = trim(mkslice(t.s + eq + 1, t.n - eq - 1));
	if (!key.n) {
		fail(p, "empty key before '=' (expected 'key = value')");
		return;
	}
	k = find_key(key);
	if (!k) {
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (slice_case_eq(key, keys[i].name))
				break;
		if (i < ARRAY_SIZE(keys))
			fail(p, "unknown key '%s' (keys are lower-case: '%s')", show(p, key), keys[i].name);
		else
			fail(p, "unknown key '%s'", show(p, key));
		return;
	}
	if (k->global && p->section != SEC_GLOBAL) {
		fail(p, "'%s' is a global setting: put it before the first section", k->name);
		return;
	}
	if (!k->global && p->section != SEC_VM) {
		fail(p, "'%s' is a vm setting: put it inside a [vm NAME] section", k->name);
		return;
	}
	i = (size_t)(k - keys);
	if (p->seen[i] && !k->repeat) {
		fail(p, "duplicate key '%s' (first set on line %u)", k->name, p->seen[i]);
		return;
	}
	if (!p->seen[i])
		p->seen[i] = p->line;
	if (!value.n && !k->empty_ok) {
		fail(p, "missing value for '%s'", k->name);
		return;
	}
	k->parse(p, k, value);
}

static void parse_line(struct parser *p, struct slice line)
{
	struct slice t;
	size_t i;

	/* Damage to the file itself is reported wherever it is, even in skipped sections. */
	if (line.n >= CFG_LINE_MAX) {
		fail(p, "line is too long (%zu bytes, limit %d)", line.n, CFG_LINE_MAX - 1);
		return;
	}
	for (i = 0; i < line.n; i++) {
		u8 c = (u8)line.s[i];

		if (!c) {
			fail(p, "line contains a NUL byte (column %zu)", i + 1);
			return;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			fail(p, "line contains control character 0x%02x (column %zu)", c, i + 1);
			return;
		}
	}
	t = trim(line);
	if (!t.n || t.s[0] == '#' || t.s[0] == ';')
		return;
	if (t.s[0] == '[')
		start_section(p, t);
	else if (p->section != SEC_SKIP)
		parse_assignment(p, t);
}

/* Channels may name VMs defined further down, so they are resolved after the last line. */
static void resolve_channels(struct parser *p)
{
	struct config *cfg = p->cfg;
	u32 i;

	for (i = 0; i < cfg->channel_count; i++) {
		struct cfg_channel *c = &cfg->channels[i];

		if (!find_vm(cfg, cstr(c->vm_a))) {
			fail_at(p, c->line, NULL, "channel '%s': unknown vm '%s'", c->name, c->vm_a);
			c->valid = false;
		}
		if (!find_vm(cfg, cstr(c->vm_b))) {
			fail_at(p, c->line, NULL, "channel '%s': unknown vm '%s'", c->name, c->vm_b);
			c->valid = false;
		}
	}
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->global.log_level = CFG_LOG_INFO;
	cfg->global.serial_port = 0x3f8;
	cfg->global.serial_baud = BAUD_MAX;
	cfg->global.on_exit = CFG_EXIT_RETURN;
	cfg->global.selftest = CFG_SELFTEST_NONE;
}

u32 config_parse(const char *file, const char *text, size_t len, struct config *cfg,
		 cfg_report_fn report, void *ctx)
{
	struct parser p;
	size_t pos = 0, start, end;

	config_defaults(cfg);
	memset(&p, 0, sizeof(p));
	p.file = file ? file : "macrohard.cfg";
	p.cfg = cfg;
	p.report = report;
	p.ctx = ctx;
	p.section = SEC_GLOBAL;
	if (!text)
		len = 0;
	/* Windows editors like to start UTF-8 files with a byte order mark. */
	if (len >= 3 && (u8)text[0] == 0xef && (u8)text[1] == 0xbb && (u8)text[2] == 0xbf)
		pos = 3;
	while (pos < len) {
		start = pos;
		while (pos < len && text[pos] != '\n')
			pos++;
		end = pos;
		if (pos < len)
			pos++;
		if (end > start && text[end - 1] == '\r')
			end--;
		p.line++;
		parse_line(&p, mkslice(text + start, end - start));
	}
	end_section(&p);
	resolve_channels(&p);
	return cfg->errors;
}

static const char *name_of(const char *const *names, size_t count, unsigned i)
{
	return i < count && names[i] ? names[i] : "?";
}

const char *config_clipboard_name(enum cfg_clipboard c)
{
	return name_of(clipboard_names, ARRAY_SIZE(clipboard_names), c);
}

const char *config_disk_source_name(enum cfg_disk_source s)
{
	return name_of(disk_source_names, ARRAY_SIZE(disk_source_names), s);
}

const char *config_on_exit_name(enum cfg_on_exit e)
{
	return name_of(on_exit_names, ARRAY_SIZE(on_exit_names), e);
}

const char *config_log_level_name(enum cfg_log_level l)
{
	return name_of(log_level_names, ARRAY_SIZE(log_level_names), l);
}

const char *config_selftest_name(enum cfg_selftest s)
{
	return name_of(selftest_names, ARRAY_SIZE(selftest_names), s);
}
