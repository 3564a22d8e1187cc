/* Host unit test for the macrohard.cfg parser (boot/config.c): valid files, every kind of
 * error with its line number, limits, and a deterministic mutation loop. */
// unit-deps: boot/config.c lib/string.c lib/format.c lib/errno.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/config.h"
#include "tests/unit/unit.h"

#define MAX_REPORTS 256
#define REPORT_LEN 512

static char reports[MAX_REPORTS][REPORT_LEN];
static unsigned report_count;
static unsigned bad_reports;	/* reports with a newline, no text or an overlong text */
static struct config *cfg;

static void capture(void *ctx, const char *file, u32 line, const char *msg)
{
	size_t n = strlen(msg);

	(void)ctx;
	if (!n || n >= 320 || strchr(msg, '\n') || line == 0)
		bad_reports++;
	if (report_count < MAX_REPORTS)
		snprintf(reports[report_count], REPORT_LEN, "%s:%u: %s", file, line, msg);
	report_count++;
}

/* Parses len bytes placed at the very end of an exact-size heap block, so ASan catches
 * any read past the end (the parser must not expect a NUL). */
static u32 parse_n(const char *text, size_t len)
{
	char *buf = malloc(len ? len : 1);
	u32 n;

	if (!buf)
		abort();
	memcpy(buf, text, len);
	report_count = 0;
	n = config_parse("macrohard.cfg", buf, len, cfg, capture, NULL);
	free(buf);
	return n;
}

static u32 parse(const char *text)
{
	return parse_n(text, strlen(text));
}

/* A check name built printf-style; a few rotating buffers so names can nest. */
static const char *__attribute__((format(printf, 1, 2))) nm(const char *fmt, ...)
{
	static char bufs[4][8192];
	static unsigned next;
	char *b = bufs[next++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

/* True if some report is at "macrohard.cfg:<line>: " and contains sub. */
static bool has_at(unsigned line, const char *sub)
{
	char prefix[64];
	unsigned i;

	snprintf(prefix, sizeof(prefix), "macrohard.cfg:%u: ", line);
	for (i = 0; i < report_count && i < MAX_REPORTS; i++)
		if (!strncmp(reports[i], prefix, strlen(prefix)) && strstr(reports[i], sub))
			return true;
	return false;
}

static const char *first_report(void)
{
	return report_count ? reports[0] : "no report";
}

static void check_one_at(const char *name, u32 n, unsigned line, const char *sub)
{
	unit_check(n == 1 && report_count == 1, nm("%s: exactly one problem", name),
		   "got %u, first: %s", n, first_report());
	unit_check(has_at(line, sub), nm("%s: reported at line %u", name, line),
		   "want \"macrohard.cfg:%u: ...%s...\", got %s", line, sub, first_report());
}

/* Parses text; checks there was exactly one problem, at line, containing sub. */
static void expect_one(const char *name, const char *text, unsigned line, const char *sub)
{
	check_one_at(name, parse(text), line, sub);
}

static void expect_clean(const char *name, const char *text)
{
	u32 n = parse(text);

	unit_check(n == 0 && report_count == 0, nm("%s: no problem", name),
		   "got %u, first: %s", n, first_report());
}

/* A minimal valid VM 'a' on lines 1-3; extra starts on line 4. */
static const char *vm_with(const char *extra)
{
	static char buf[16384];

	snprintf(buf, sizeof(buf), "[vm a]\nmemory = 64M\nkernel = /vmlinuz\n%s", extra);
	return buf;
}

static char *repeat(char c, size_t n)
{
	static char bufs[2][8192];
	static unsigned next;
	char *b = bufs[next++ % 2];

	if (n >= sizeof(bufs[0]))
		abort();
	memset(b, c, n);
	b[n] = 0;
	return b;
}

/* ---- a complete, valid file ---- */

static const char full_example[] =
	"# MACROHARD example configuration\n"
	"log_level = debug\n"
	"serial = com2\n"
	"serial_baud = 57600\n"
	"on_exit = poweroff\n"
	"selftest = exception\n"
	"channel = ctl web <-> db\n"
	"channel = logs db -> web\n"
	"\n"
	"; the web server\n"
	"[vm web]\n"
	"memory = 2G\n"
	"vcpus = 4\n"
	"kernel = /guests/web/vmlinuz\n"
	"initrd = /guests/web/initrd.img\n"
	"cmdline = console=ttyS0 root=/dev/vda1 rw quiet # not a comment ; nor this\n"
	"disk = file:/guests/web/root.img\n"
	"disk = partuuid:0FC63DAF-8483-4772-8E79-3D69D8477DE4, ro, serial=WEB DATA-01,discard,cache=writethrough\n"
	"disk = label:DATA,cache=writeback\n"
	"disk = module:scratch.img\n"
	"share = src,/src\n"
	"share = docs, /usr/share/doc, ro\n"
	"net = switch\n"
	"net = switch,mac=52:54:00:AB:cd:ef\n"
	"clipboard = both\n"
	"clipboard_max = 4MiB\n"
	"display = seamless\n"
	"\n"
	"[vm db]\n"
	"  # indented comment\n"
	"\t; another\n"
	"  memory\t=   512M  \n"
	"kernel=/guests/db/vmlinuz\n"
	"cmdline =\n";

static void test_full_example(void)
{
	const struct cfg_vm *w = &cfg->vms[0], *d = &cfg->vms[1];
	u32 n = parse(full_example);

	CHECK_INT("full: no problems", n, 0);
	CHECK_INT("full: no reports", report_count, 0);
	CHECK_INT("full: cfg->errors", cfg->errors, 0);
	CHECK_INT("full: log_level", cfg->global.log_level, CFG_LOG_DEBUG);
	CHECK_INT("full: serial_port", cfg->global.serial_port, 0x2f8);
	CHECK_INT("full: serial_baud", cfg->global.serial_baud, 57600);
	CHECK_INT("full: on_exit", cfg->global.on_exit, CFG_EXIT_POWEROFF);
	CHECK_INT("full: selftest", cfg->global.selftest, CFG_SELFTEST_EXCEPTION);

	CHECK_INT("full: channel_count", cfg->channel_count, 2);
	CHECK_STR("full: channel 0 name", cfg->channels[0].name, "ctl");
	CHECK_STR("full: channel 0 vm_a", cfg->channels[0].vm_a, "web");
	CHECK_STR("full: channel 0 vm_b", cfg->channels[0].vm_b, "db");
	CHECK("full: channel 0 bidirectional", cfg->channels[0].bidirectional);
	CHECK_INT("full: channel 0 line", cfg->channels[0].line, 7);
	CHECK("full: channel 0 valid", cfg->channels[0].valid);
	CHECK_STR("full: channel 1 name", cfg->channels[1].name, "logs");
	CHECK_STR("full: channel 1 vm_a", cfg->channels[1].vm_a, "db");
	CHECK_STR("full: channel 1 vm_b", cfg->channels[1].vm_b, "web");
	CHECK("full: channel 1 one-way", !cfg->channels[1].bidirectional);
	CHECK_INT("full: channel 1 line", cfg->channels[1].line, 8);
	CHECK("full: channel 1 valid", cfg->channels[1].valid);

	CHECK_INT("full: vm_count", cfg->vm_count, 2);
	CHECK_STR("full: web name", w->name, "web");
	CHECK_INT("full: web line", w->line, 11);
	CHECK("full: web valid", w->valid);
	CHECK_INT("full: web errors", w->errors, 0);
	CHECK_U64("full: web memory", w->memory, 2ULL << 30);
	CHECK_INT("full: web vcpus", w->vcpus, 4);
	CHECK_STR("full: web kernel", w->kernel, "/guests/web/vmlinuz");
	CHECK_STR("full: web initrd", w->initrd, "/guests/web/initrd.img");
	CHECK_STR("full: web cmdline", w->cmdline,
		  "console=ttyS0 root=/dev/vda1 rw quiet # not a comment ; nor this");

	CHECK_INT("full: web disk_count", w->disk_count, 4);
	CHECK_INT("full: disk 0 source", w->disks[0].source, CFG_DISK_FILE);
	CHECK_STR("full: disk 0 target", w->disks[0].target, "/guests/web/root.img");
	CHECK("full: disk 0 flags", !w->disks[0].readonly && !w->disks[0].discard &&
	      !w->disks[0].writethrough && !w->disks[0].serial[0]);
	CHECK_INT("full: disk 0 line", w->disks[0].line, 17);
	CHECK_INT("full: disk 1 source", w->disks[1].source, CFG_DISK_PARTUUID);
	CHECK_STR("full: disk 1 target (lower-case uuid)", w->disks[1].target,
		  "0fc63daf-8483-4772-8e79-3d69d8477de4");
	CHECK("full: disk 1 readonly", w->disks[1].readonly);
	CHECK("full: disk 1 discard", w->disks[1].discard);
	CHECK("full: disk 1 writethrough", w->disks[1].writethrough);
	CHECK_STR("full: disk 1 serial", w->disks[1].serial, "WEB DATA-01");
	CHECK_INT("full: disk 2 source", w->disks[2].source, CFG_DISK_LABEL);
	CHECK_STR("full: disk 2 target", w->disks[2].target, "DATA");
	CHECK("full: disk 2 writeback", !w->disks[2].writethrough && !w->disks[2].readonly);
	CHECK_INT("full: disk 3 source", w->disks[3].source, CFG_DISK_MODULE);
	CHECK_STR("full: disk 3 target", w->disks[3].target, "scratch.img");
	CHECK_INT("full: disk 3 line", w->disks[3].line, 20);

	CHECK_INT("full: web share_count", w->share_count, 2);
	CHECK_STR("full: share 0 tag", w->shares[0].tag, "src");
	CHECK_STR("full: share 0 path", w->shares[0].path, "/src");
	CHECK("full: share 0 writable", !w->shares[0].readonly);
	CHECK_STR("full: share 1 tag", w->shares[1].tag, "docs");
	CHECK_STR("full: share 1 path", w->shares[1].path, "/usr/share/doc");
	CHECK("full: share 1 readonly", w->shares[1].readonly);
	CHECK_INT("full: share 1 line", w->shares[1].line, 22);

	CHECK_INT("full: web net_count", w->net_count, 2);
	CHECK("full: net 0 no mac", !w->nets[0].has_mac);
	CHECK("full: net 1 has mac", w->nets[1].has_mac);
	CHECK("full: net 1 mac", !memcmp(w->nets[1].mac, "\x52\x54\x00\xab\xcd\xef", 6));
	CHECK_INT("full: net 1 line", w->nets[1].line, 24);

	CHECK_INT("full: web clipboard", w->clipboard, CFG_CLIP_BOTH);
	CHECK_U64("full: web clipboard_max", w->clipboard_max, 4ULL << 20);
	CHECK("full: web seamless", w->seamless);

	CHECK_STR("full: db name", d->name, "db");
	CHECK_INT("full: db line", d->line, 29);
	CHECK("full: db valid", d->valid);
	CHECK_U64("full: db memory", d->memory, 512ULL << 20);
	CHECK_INT("full: db default vcpus", d->vcpus, 1);
	CHECK_STR("full: db kernel", d->kernel, "/guests/db/vmlinuz");
	CHECK_STR("full: db no initrd", d->initrd, "");
	CHECK_STR("full: db empty cmdline", d->cmdline, "");
	CHECK("full: db no devices", !d->disk_count && !d->share_count && !d->net_count);
	CHECK_INT("full: db default clipboard", d->clipboard, CFG_CLIP_NONE);
	CHECK_U64("full: db default clipboard_max", d->clipboard_max, 1ULL << 20);
	CHECK("full: db no seamless", !d->seamless);
}

/* Every prefix of the example, each at the end of its own exact-size block. */
static void test_prefixes(void)
{
	size_t len = strlen(full_example), i;
	bool ok = true;

	for (i = 0; i <= len; i++) {
		parse_n(full_example, i);
		if (cfg->vm_count > 2 || bad_reports)
			ok = false;
	}
	CHECK("prefixes of the example parse without over-read", ok);
	/* the last line has no newline at all */
	expect_clean("no final newline", "[vm a]\nmemory = 64M\nkernel = /vmlinuz");
	CHECK_STR("no final newline: kernel", cfg->vms[0].kernel, "/vmlinuz");
}

static void test_crlf(void)
{
	static struct config lf;
	char crlf[sizeof(full_example) * 2];
	size_t i, n = 0;

	parse(full_example);
	lf = *cfg;
	for (i = 0; full_example[i]; i++) {
		if (full_example[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = full_example[i];
	}
	CHECK_INT("crlf: no problems", parse_n(crlf, n), 0);
	CHECK("crlf: same result as LF", !memcmp(&lf, cfg, sizeof(lf)));
	CHECK_STR("crlf: cmdline has no CR", cfg->vms[0].cmdline,
		  "console=ttyS0 root=/dev/vda1 rw quiet # not a comment ; nor this");
	CHECK_STR("crlf: db kernel", cfg->vms[1].kernel, "/guests/db/vmlinuz");

	expect_clean("mixed line ends", "log_level = warn\r\n[vm a]\nmemory = 64M\r\nkernel = /k");
	CHECK_INT("mixed line ends: log_level", cfg->global.log_level, CFG_LOG_WARN);
	expect_one("crlf error line", "log_level = warn\r\n\r\nbogus = 1\r\n", 3, "unknown key 'bogus'");
	expect_one("lone CR is a control character", "log_level = warn\rserial = com1\n", 1,
		   "control character 0x0d");
}

static void test_comments(void)
{
	expect_clean("comments", "# one\n; two\n   # three\n\t; four\n#\n;\n\n   \n\t\n");
	CHECK_INT("comments: no vms", cfg->vm_count, 0);
	expect_clean("comment-like values", vm_with("cmdline = a#b ;c # d\n"));
	CHECK_STR("comment-like values: cmdline", cfg->vms[0].cmdline, "a#b ;c # d");
	expect_clean("comment inside vm", vm_with("# vcpus = 8\n; vcpus = 9\n"));
	CHECK_INT("comment inside vm: vcpus untouched", cfg->vms[0].vcpus, 1);
	expect_one("trailing comment is not a comment", vm_with("vcpus = 2 # two\n"), 4,
		   "vm 'a': invalid value '2 # two' for 'vcpus'");
	expect_clean("byte order mark", "\xef\xbb\xbflog_level = error\n");
	CHECK_INT("byte order mark: log_level", cfg->global.log_level, CFG_LOG_ERROR);
}

static void test_defaults(void)
{
	config_defaults(cfg);
	CHECK_INT("defaults: log_level", cfg->global.log_level, CFG_LOG_INFO);
	CHECK_INT("defaults: serial_port", cfg->global.serial_port, 0x3f8);
	CHECK_INT("defaults: serial_baud", cfg->global.serial_baud, 115200);
	CHECK_INT("defaults: on_exit", cfg->global.on_exit, CFG_EXIT_RETURN);
	CHECK_INT("defaults: selftest", cfg->global.selftest, CFG_SELFTEST_NONE);
	CHECK("defaults: empty", !cfg->vm_count && !cfg->channel_count && !cfg->errors);

	CHECK_INT("empty file: no problems", parse(""), 0);
	CHECK("empty file: nothing", !cfg->vm_count && !cfg->channel_count);
	CHECK_INT("empty file: default serial", cfg->global.serial_port, 0x3f8);
	CHECK_INT("NULL text: no problems", config_parse("x", NULL, 0, cfg, capture, NULL), 0);

	expect_clean("only globals", "log_level = warn\nserial = none\non_exit = halt\n");
	CHECK("only globals: values", cfg->global.log_level == CFG_LOG_WARN &&
	      cfg->global.serial_port == 0 && cfg->global.on_exit == CFG_EXIT_HALT);
	CHECK_INT("only globals: no vms", cfg->vm_count, 0);

	CHECK_INT("NULL callback: still counts", config_parse(NULL, "x\ny\n", 4, cfg, NULL, NULL), 2);
	report_count = 0;
	config_parse(NULL, "x", 1, cfg, capture, NULL);
	CHECK_STR("NULL file name: default name", reports[0],
		  "macrohard.cfg:1: line has no '=' (expected 'key = value')");

	/* a second parse starts from scratch */
	parse(full_example);
	parse("log_level = warn\n");
	CHECK("reparse: resets everything", cfg->vm_count == 0 && cfg->channel_count == 0 &&
	      cfg->global.serial_port == 0x3f8 && cfg->global.log_level == CFG_LOG_WARN);
}

static void test_names(void)
{
	CHECK_STR("name: clipboard none", config_clipboard_name(CFG_CLIP_NONE), "none");
	CHECK_STR("name: clipboard copy-out", config_clipboard_name(CFG_CLIP_COPY_OUT), "copy-out");
	CHECK_STR("name: clipboard paste-in", config_clipboard_name(CFG_CLIP_PASTE_IN), "paste-in");
	CHECK_STR("name: clipboard both", config_clipboard_name(CFG_CLIP_BOTH), "both");
	CHECK_STR("name: disk file", config_disk_source_name(CFG_DISK_FILE), "file");
	CHECK_STR("name: disk partuuid", config_disk_source_name(CFG_DISK_PARTUUID), "partuuid");
	CHECK_STR("name: disk label", config_disk_source_name(CFG_DISK_LABEL), "label");
	CHECK_STR("name: disk module", config_disk_source_name(CFG_DISK_MODULE), "module");
	CHECK_STR("name: disk ram", config_disk_source_name(CFG_DISK_RAM), "ram");
	CHECK_STR("name: on_exit return", config_on_exit_name(CFG_EXIT_RETURN), "return");
	CHECK_STR("name: on_exit halt", config_on_exit_name(CFG_EXIT_HALT), "halt");
	CHECK_STR("name: log error", config_log_level_name(CFG_LOG_ERROR), "error");
	CHECK_STR("name: log debug", config_log_level_name(CFG_LOG_DEBUG), "debug");
	CHECK_STR("name: selftest panic", config_selftest_name(CFG_SELFTEST_PANIC), "panic");
	CHECK_STR("name: out of range", config_clipboard_name((enum cfg_clipboard)99), "?");
}

/* ---- global keys ---- */

struct global_case {
	const char *line;
	int ok;			/* 1: accepted */
	unsigned field;		/* 0 log_level, 1 serial_port, 2 serial_baud, 3 on_exit, 4 selftest */
	unsigned long want;	/* the value, or the default that must be kept */
	const char *msg;	/* expected message part when refused */
};

static unsigned long global_field(unsigned f)
{
	switch (f) {
	case 0: return cfg->global.log_level;
	case 1: return cfg->global.serial_port;
	case 2: return cfg->global.serial_baud;
	case 3: return cfg->global.on_exit;
	default: return cfg->global.selftest;
	}
}

static void test_globals(void)
{
	static const struct global_case cases[] = {
		{ "log_level = error", 1, 0, CFG_LOG_ERROR, NULL },
		{ "log_level = warn", 1, 0, CFG_LOG_WARN, NULL },
		{ "log_level = info", 1, 0, CFG_LOG_INFO, NULL },
		{ "log_level = debug", 1, 0, CFG_LOG_DEBUG, NULL },
		{ "log_level = verbose", 0, 0, CFG_LOG_INFO,
		  "invalid value 'verbose' for 'log_level' (expected error, warn, info or debug)" },
		{ "log_level = DEBUG", 0, 0, CFG_LOG_INFO, "invalid value 'DEBUG'" },
		{ "serial = com1", 1, 1, 0x3f8, NULL },
		{ "serial = com2", 1, 1, 0x2f8, NULL },
		{ "serial = com3", 1, 1, 0x3e8, NULL },
		{ "serial = com4", 1, 1, 0x2e8, NULL },
		{ "serial = none", 1, 1, 0, NULL },
		{ "serial = 0x2f8", 1, 1, 0x2f8, NULL },
		{ "serial = 0XE9", 1, 1, 0xe9, NULL },
		{ "serial = 0xffff", 1, 1, 0xffff, NULL },
		{ "serial = com5", 0, 1, 0x3f8, "invalid value 'com5' for 'serial'" },
		{ "serial = 1016", 0, 1, 0x3f8, "invalid value '1016' for 'serial'" },
		{ "serial = 0x", 0, 1, 0x3f8, "invalid value '0x' for 'serial'" },
		{ "serial = 0x0", 0, 1, 0x3f8, "invalid I/O port '0x0'" },
		{ "serial = 0x10000", 0, 1, 0x3f8, "invalid I/O port '0x10000'" },
		{ "serial = 0x3g8", 0, 1, 0x3f8, "invalid I/O port '0x3g8'" },
		{ "serial_baud = 115200", 1, 2, 115200, NULL },
		{ "serial_baud = 9600", 1, 2, 9600, NULL },
		{ "serial_baud = 1200", 1, 2, 1200, NULL },
		{ "serial_baud = 14400", 1, 2, 14400, NULL },
		{ "serial_baud = 600", 0, 2, 115200, "value '600' of 'serial_baud' is out of range (allowed 1200 to 115200)" },
		{ "serial_baud = 230400", 0, 2, 115200, "out of range" },
		{ "serial_baud = 7000", 0, 2, 115200, "'serial_baud' must divide 115200 exactly (7000 does not" },
		{ "serial_baud = fast", 0, 2, 115200, "invalid value 'fast' for 'serial_baud'" },
		{ "serial_baud = -9600", 0, 2, 115200, "invalid value '-9600'" },
		{ "serial_baud = 99999999999999999999999", 0, 2, 115200, "out of range" },
		{ "on_exit = return", 1, 3, CFG_EXIT_RETURN, NULL },
		{ "on_exit = poweroff", 1, 3, CFG_EXIT_POWEROFF, NULL },
		{ "on_exit = reboot", 1, 3, CFG_EXIT_REBOOT, NULL },
		{ "on_exit = halt", 1, 3, CFG_EXIT_HALT, NULL },
		{ "on_exit = shutdown", 0, 3, CFG_EXIT_RETURN,
		  "invalid value 'shutdown' for 'on_exit' (expected return, poweroff, reboot or halt)" },
		{ "selftest = none", 1, 4, CFG_SELFTEST_NONE, NULL },
		{ "selftest = exception", 1, 4, CFG_SELFTEST_EXCEPTION, NULL },
		{ "selftest = panic", 1, 4, CFG_SELFTEST_PANIC, NULL },
		{ "selftest = ap-exception", 1, 4, CFG_SELFTEST_AP_EXCEPTION, NULL },
		{ "selftest = disk", 1, 4, CFG_SELFTEST_DISK, NULL },
		{ "selftest = crash", 0, 4, CFG_SELFTEST_NONE,
		  "invalid value 'crash' for 'selftest' (expected none, exception, panic, ap-exception or disk)" },
		{ "log_level =", 0, 0, CFG_LOG_INFO, "missing value for 'log_level'" },
		{ "serial =   ", 0, 1, 0x3f8, "missing value for 'serial'" },
	};
	char text[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct global_case *c = &cases[i];

		snprintf(text, sizeof(text), "# global\n%s\n", c->line);
		if (c->ok)
			expect_clean(nm("global '%s'", c->line), text);
		else
			expect_one(nm("global '%s'", c->line), text, 2, c->msg);
		CHECK_U64(nm("global '%s': value", c->line), global_field(c->field), c->want);
	}

	/* a bad value keeps the default even when other keys are fine */
	parse("serial_baud = 7000\nlog_level = loud\non_exit = reboot\n");
	CHECK_INT("bad globals: two problems", report_count, 2);
	CHECK("bad globals: defaults kept, others set", cfg->global.serial_baud == 115200 &&
	      cfg->global.log_level == CFG_LOG_INFO && cfg->global.on_exit == CFG_EXIT_REBOOT);
}

/* ---- structure: duplicates, unknown keys, sections ---- */

static void test_duplicates(void)
{
	expect_one("duplicate global", "log_level = warn\nserial = com1\nlog_level = debug\n", 3,
		   "duplicate key 'log_level' (first set on line 1)");
	CHECK_INT("duplicate global: first kept", cfg->global.log_level, CFG_LOG_WARN);
	parse("selftest = boom\nselftest = panic\n");
	CHECK("duplicate global after bad value: two problems", report_count == 2 &&
	      has_at(1, "invalid value 'boom'") && has_at(2, "duplicate key 'selftest' (first set on line 1)"));
	CHECK_INT("duplicate global after bad value: default kept", cfg->global.selftest, CFG_SELFTEST_NONE);

	expect_one("duplicate vm key", vm_with("vcpus = 2\n\nvcpus = 3\n"), 6,
		   "vm 'a': duplicate key 'vcpus' (first set on line 4)");
	CHECK_INT("duplicate vm key: first kept", cfg->vms[0].vcpus, 2);
	CHECK("duplicate vm key: vm refused", !cfg->vms[0].valid && cfg->vms[0].errors == 1);
	expect_one("duplicate memory", vm_with("memory = 128M\n"), 4,
		   "vm 'a': duplicate key 'memory' (first set on line 2)");
	expect_one("duplicate kernel", vm_with("kernel = /other\n"), 4,
		   "duplicate key 'kernel' (first set on line 3)");
	CHECK_STR("duplicate kernel: first kept", cfg->vms[0].kernel, "/vmlinuz");
	expect_one("duplicate cmdline", vm_with("cmdline = a\ncmdline = b\n"), 5,
		   "duplicate key 'cmdline' (first set on line 4)");
	expect_one("duplicate clipboard", vm_with("clipboard = both\nclipboard = none\n"), 5,
		   "duplicate key 'clipboard'");
	expect_one("duplicate display", vm_with("display = none\ndisplay = none\n"), 5,
		   "duplicate key 'display'");
	expect_clean("same key in two vms", "[vm a]\nmemory = 64M\nkernel = /k\n"
		     "[vm b]\nmemory = 64M\nkernel = /k\n");

	expect_one("duplicate vm name", "[vm a]\nmemory = 64M\nkernel = /k\n\n"
		   "[vm a]\nmemory = 128M\nkernel = /k2\nbogus\n", 5,
		   "duplicate vm name 'a' (first defined on line 1)");
	CHECK_INT("duplicate vm name: one vm", cfg->vm_count, 1);
	CHECK("duplicate vm name: first intact", cfg->vms[0].valid &&
	      cfg->vms[0].memory == 64ULL << 20 && !strcmp(cfg->vms[0].kernel, "/k"));
	expect_one("vm names are case-sensitive", "[vm a]\nmemory = 64M\nkernel = /k\n"
		   "[vm A]\nmemory = 64M\n", 4, "vm 'A': missing required key 'kernel'");
	CHECK_INT("vm names are case-sensitive: two vms", cfg->vm_count, 2);
}

static void test_required(void)
{
	u32 n = parse("log_level = info\n\n[vm web]\nvcpus = 2\n\n[vm ok]\nmemory = 64M\nkernel = /k\n");

	CHECK_INT("missing both: two problems", n, 2);
	CHECK("missing both: memory at header", has_at(3, "vm 'web': missing required key 'memory'"));
	CHECK("missing both: kernel at header", has_at(3, "vm 'web': missing required key 'kernel'"));
	CHECK("missing both: web refused, ok valid", !cfg->vms[0].valid && cfg->vms[0].errors == 2 &&
	      cfg->vms[1].valid);
	CHECK_INT("missing both: web keeps vcpus", cfg->vms[0].vcpus, 2);

	expect_one("missing kernel at end of file", "[vm a]\nmemory = 64M\n", 1,
		   "vm 'a': missing required key 'kernel'");
	parse("[vm a]\nkernel = /k\n[bad]\n");
	CHECK_INT("missing memory before bad section: two problems", report_count, 2);
	CHECK("missing memory before bad section: at header", has_at(1, "vm 'a': missing required key 'memory'"));
	CHECK("missing memory before bad section: bad section", has_at(3, "unknown section '[bad]'"));
	expect_one("bad memory is not reported missing", "[vm a]\nmemory = 8M\nkernel = /k\n", 2,
		   "too small");
	expect_one("bad kernel is not reported missing", "[vm a]\nmemory = 64M\nkernel = k\n", 3,
		   "must start with '/'");
	parse("[vm a]\n[vm b]\nmemory=64M\nkernel=/k\n");
	CHECK("empty section: both keys at line 1", report_count == 2 && has_at(1, "'memory'") &&
	      has_at(1, "'kernel'"));
}

static void test_unknown_keys(void)
{
	expect_one("unknown vm key", "\n\n\n\n\n\n\n\n[vm web]\nmemory = 64M\nkernel = /k\nmemroy = 1G\n",
		   12, "vm 'web': unknown key 'memroy'");
	CHECK("unknown vm key: vm refused", !cfg->vms[0].valid);
	CHECK_U64("unknown vm key: memory kept", cfg->vms[0].memory, 64ULL << 20);
	expect_one("unknown global key", "loglevel = debug\n", 1, "unknown key 'loglevel'");
	expect_one("upper-case key", vm_with("Memory = 1G\n"), 4,
		   "unknown key 'Memory' (keys are lower-case: 'memory')");
	expect_one("vm key before any section", "memory = 64M\n[vm a]\nmemory = 64M\nkernel = /k\n", 1,
		   "'memory' is a vm setting: put it inside a [vm NAME] section");
	CHECK("vm key before any section: vm still fine", cfg->vm_count == 1 && cfg->vms[0].valid);
	expect_one("global key inside vm", vm_with("log_level = debug\n"), 4,
		   "vm 'a': 'log_level' is a global setting: put it before the first section");
	CHECK_INT("global key inside vm: not applied", cfg->global.log_level, CFG_LOG_INFO);
	expect_one("channel inside vm", "[vm a]\nmemory = 64M\nkernel = /k\nchannel = c a -> b\n[vm b]\n"
		   "memory = 64M\nkernel = /k\n", 4, "'channel' is a global setting");
	CHECK_INT("channel inside vm: not stored", cfg->channel_count, 0);
	expect_one("no '='", "log_level = info\n\n\n\n\n\nthis line is junk\n", 7,
		   "line has no '=' (expected 'key = value')");
	expect_one("no '=' in vm", vm_with("memory 64M\n"), 4,
		   "vm 'a': line has no '=' (expected 'key = value')");
	CHECK("no '=' in vm: vm refused", !cfg->vms[0].valid);
	expect_one("empty key", "= debug\n", 1, "empty key before '='");
	expect_one("blank key", vm_with("  \t = 3\n"), 4, "vm 'a': empty key");
	expect_one("stray ']'", "]\n", 1, "line has no '='");
	expect_one("long unknown key is cut", repeat('k', 200), 1, "line has no '='");
	parse(nm("%s = 1\n", repeat('k', 200)));
	CHECK("long unknown key is cut: ellipsis", report_count == 1 && strstr(reports[0], "kkk...'") &&
	      strlen(reports[0]) < 120);
}

static void test_sections(void)
{
	static const struct {
		const char *header;
		const char *msg;
	} bad[] = {
		{ "[foo]", "unknown section '[foo]' (expected '[vm NAME]'); its lines are skipped" },
		{ "[vm]", "section '[vm]' has no vm name (expected '[vm NAME]'); its lines are skipped" },
		{ "[vm   ]", "has no vm name" },
		{ "[vm bad name!]", "invalid vm name 'bad name!' (use 1 to 31 of A-Z a-z 0-9 _ -); its lines are skipped" },
		{ "[vm web!]", "invalid vm name 'web!'" },
		{ "[vm web] # comment", "malformed section header '[vm web] # comment'" },
		{ "[vm web", "malformed section header '[vm web'" },
		{ "[", "malformed section header '['" },
		{ "[]", "unknown section '[]'" },
		{ "[VM web]", "unknown section '[VM web]'" },
		{ "[vmweb]", "unknown section '[vmweb]'" },
		{ "[global]", "unknown section '[global]'" },
		{ "[vm a b]", "invalid vm name 'a b'" },
	};
	char text[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "log_level = warn\n%s\njunk line\nmemory = 1\nunknown = 2\n"
			 "log_level = debug\n[vm ok]\nmemory = 64M\nkernel = /k\n", bad[i].header);
		expect_one(nm("section '%s'", bad[i].header), text, 2, bad[i].msg);
		CHECK(nm("section '%s': next vm parsed", bad[i].header), cfg->vm_count == 1 &&
		      !strcmp(cfg->vms[0].name, "ok") && cfg->vms[0].valid && cfg->vms[0].line == 7);
		CHECK_INT(nm("section '%s': skipped lines not applied", bad[i].header),
			  cfg->global.log_level, CFG_LOG_WARN);
	}

	expect_clean("section with blanks", "[ vm\tweb ]\nmemory = 64M\nkernel = /k\n");
	CHECK_STR("section with blanks: name", cfg->vms[0].name, "web");
	expect_clean("section name charset", "[vm Az09_-]\nmemory = 64M\nkernel = /k\n");
	CHECK_STR("section name charset: name", cfg->vms[0].name, "Az09_-");

	/* a bad section between two good VMs: the first is complete, the rest skipped */
	expect_one("bad section between vms", "[vm a]\nmemory = 64M\nkernel = /k\n[foo]\nvcpus = 9\n"
		   "[vm b]\nmemory = 64M\nkernel = /k\n", 4, "unknown section '[foo]'");
	CHECK("bad section between vms: a untouched", cfg->vms[0].valid && cfg->vms[0].vcpus == 1);
	CHECK_INT("bad section between vms: two vms", cfg->vm_count, 2);
	expect_one("global keys after a section", "[vm a]\nmemory = 64M\nkernel = /k\n[x]\n"
		   "log_level = debug\n", 4, "unknown section '[x]'");
	CHECK_INT("global keys after a section: not applied", cfg->global.log_level, CFG_LOG_INFO);
}

static void test_too_many_vms(void)
{
	static char text[8192];
	size_t n = 0;
	int i;

	for (i = 0; i < 17; i++)
		n += snprintf(text + n, sizeof(text) - n, "[vm v%d]\nmemory = 64M\nkernel = /k%d\n", i, i);
	n += snprintf(text + n, sizeof(text) - n, "junk\nbogus = 1\nvcpus = 999\n[vm v0]\n");
	/* the 17th header is on line 49 */
	parse_n(text, n);
	CHECK_INT("17 vms: vm_count", cfg->vm_count, 16);
	CHECK("17 vms: refused at its header", has_at(49,
	      "too many vm sections (limit 16): vm 'v16' is refused and not stored; its lines are skipped"));
	CHECK("17 vms: duplicate after it", has_at(55, "duplicate vm name 'v0' (first defined on line 1)"));
	CHECK_INT("17 vms: two problems in all", report_count, 2);
	CHECK("17 vms: first 16 valid", cfg->vms[0].valid && cfg->vms[15].valid &&
	      !strcmp(cfg->vms[15].name, "v15") && !strcmp(cfg->vms[15].kernel, "/k15"));

	n = 0;
	for (i = 0; i < 20; i++)
		n += snprintf(text + n, sizeof(text) - n, "[vm v%d]\nmemory = 64M\nkernel = /k\n", i);
	parse_n(text, n);
	CHECK("20 vms: 16 stored, 4 reported", cfg->vm_count == 16 && report_count == 4 &&
	      has_at(58, "vm 'v19' is refused"));
}

/* ---- limits ---- */

static void test_limits(void)
{
	char text[10000];
	u32 n;

	snprintf(text, sizeof(text), "[vm %s]\nmemory = 64M\nkernel = /k\n", repeat('n', 31));
	expect_clean("vm name 31 chars", text);
	CHECK_INT("vm name 31 chars: stored", strlen(cfg->vms[0].name), 31);
	snprintf(text, sizeof(text), "[vm %s]\nmemory = 64M\nkernel = /k\n", repeat('n', 32));
	expect_one("vm name 32 chars", text, 1, "is too long (32 bytes, limit 31); its lines are skipped");
	CHECK_INT("vm name 32 chars: not stored", cfg->vm_count, 0);

	snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /%s\n", repeat('p', 254));
	expect_clean("path 255 chars", text);
	CHECK_INT("path 255 chars: stored", strlen(cfg->vms[0].kernel), 255);
	snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /%s\n", repeat('p', 255));
	expect_one("path 256 chars", text, 3, "vm 'a': value of 'kernel' is too long (256 bytes, limit 255)");
	CHECK_STR("path 256 chars: kernel empty", cfg->vms[0].kernel, "");
	snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\ninitrd = /%s\n", repeat('p', 255));
	expect_one("initrd 256 chars", text, 4, "value of 'initrd' is too long (256 bytes, limit 255)");

	snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\ncmdline = %s\n", repeat('c', 2047));
	expect_clean("cmdline 2047 chars", text);
	CHECK_INT("cmdline 2047 chars: stored", strlen(cfg->vms[0].cmdline), 2047);
	snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\ncmdline = %s\n", repeat('c', 2048));
	expect_one("cmdline 2048 chars", text, 4, "value of 'cmdline' is too long (2048 bytes, limit 2047)");
	CHECK_STR("cmdline 2048 chars: empty", cfg->vms[0].cmdline, "");

	/* lines: 4095 bytes are fine (CR and LF not counted), 4096 are not */
	snprintf(text, sizeof(text), "#%s\nlog_level = warn\n", repeat('x', 4094));
	expect_clean("line 4095 bytes", text);
	snprintf(text, sizeof(text), "#%s\r\nlog_level = warn\r\n", repeat('x', 4094));
	expect_clean("line 4095 bytes + CRLF", text);
	CHECK_INT("line 4095 bytes + CRLF: next line", cfg->global.log_level, CFG_LOG_WARN);
	snprintf(text, sizeof(text), "log_level = warn\n#%s\nserial = com2\n", repeat('x', 4095));
	expect_one("line 4096 bytes", text, 2, "line is too long (4096 bytes, limit 4095)");
	CHECK_INT("line 4096 bytes: continues", cfg->global.serial_port, 0x2f8);
	snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\ncmdline = %s\nvcpus = 3\n",
		 repeat('c', 5000));
	expect_one("line 5010 bytes in vm", text, 4, "vm 'a': line is too long (5010 bytes, limit 4095)");
	CHECK("line 5010 bytes in vm: refused, continues", !cfg->vms[0].valid && cfg->vms[0].vcpus == 3);
	snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\ncmdline = %s\n", repeat('c', 4085));
	expect_one("line of 4095 with long cmdline", text, 4, "value of 'cmdline' is too long (4085 bytes");

	{
		size_t big = 100000;
		char *huge = malloc(big);

		memset(huge, 'x', big);
		memcpy(huge, "cmdline = ", 10);
		huge[big - 1] = '\n';
		n = parse_n(huge, big);
		check_one_at("line 99999 bytes", n, 1, "line is too long (99999 bytes, limit 4095)");
		free(huge);
	}

	/* the spec's message, with the 2300-byte command line on line 20 */
	snprintf(text, sizeof(text), "%s[vm db]\nmemory = 128M\nkernel = /db\ncmdline = %s\n",
		 repeat('\n', 16), repeat('c', 2300));
	parse(text);
	CHECK_STR("cmdline 2300: exact message", reports[0],
		  "macrohard.cfg:20: vm 'db': value of 'cmdline' is too long (2300 bytes, limit 2047)");
}

/* ---- sizes and numbers ---- */

static void test_sizes(void)
{
	static const struct {
		const char *v;
		unsigned long long want;	/* 0: refused */
		const char *msg;
	} mem[] = {
		{ "16M", 16ULL << 20, NULL },
		{ "16m", 16ULL << 20, NULL },
		{ "16MiB", 16ULL << 20, NULL },
		{ "16mib", 16ULL << 20, NULL },
		{ "16 MiB", 16ULL << 20, NULL },
		{ "16384K", 16ULL << 20, NULL },
		{ "16384kib", 16ULL << 20, NULL },
		{ "16777216", 16ULL << 20, NULL },
		{ "1G", 1ULL << 30, NULL },
		{ "3GiB", 3ULL << 30, NULL },
		{ "1024G", 1ULL << 40, NULL },
		{ "1048576M", 1ULL << 40, NULL },
		{ "0016M", 16ULL << 20, NULL },
		{ "15M", 0, "memory size '15M' is too small (minimum 16 MiB)" },
		{ "0", 0, "too small" },
		{ "1025G", 0, "memory size '1025G' is too large (maximum 1 TiB)" },
		{ "1048577M", 0, "too large" },
		{ "16777217", 0, "memory size '16777217' is not a multiple of 1 MiB" },
		{ "16385K", 0, "not a multiple of 1 MiB" },
		{ "99999999999999999999G", 0, "size '99999999999999999999G' for 'memory' is too large" },
		{ "18446744073709551615", 0, "not a multiple" },
		{ "18446744073709551616", 0, "is too large" },
		{ "17179869184G", 0, "is too large" },
		{ "16MB", 0, "invalid size '16MB' for 'memory' (unknown suffix 'MB'" },
		{ "16T", 0, "unknown suffix 'T'" },
		{ "16.5M", 0, "unknown suffix '.5M'" },
		{ "-16M", 0, "invalid size '-16M'" },
		{ "M", 0, "invalid size 'M'" },
		{ "0x1000000", 0, "unknown suffix 'x1000000'" },
		{ "lots", 0, "invalid size 'lots'" },
	};
	static const struct {
		const char *v;
		unsigned long long want;
	} clip[] = {
		{ "1", 1 }, { "0", 0 }, { "64M", 64ULL << 20 }, { "65536K", 64ULL << 20 },
		{ "67108865", 0 }, { "65M", 0 }, { "1G", 0 }, { "4k", 4096 }, { "x", 0 },
	};
	static const struct {
		const char *v;
		unsigned want;
	} cpus[] = {
		{ "1", 1 }, { "2", 2 }, { "64", 64 }, { "0", 0 }, { "65", 0 }, { "abc", 0 },
		{ "0x4", 0 }, { "-1", 0 }, { "4 cpus", 0 }, { "99999999999999999999999", 0 },
	};
	char text[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mem); i++) {
		snprintf(text, sizeof(text), "[vm a]\nkernel = /k\nmemory = %s\n", mem[i].v);
		if (mem[i].want) {
			expect_clean(nm("memory '%s'", mem[i].v), text);
			CHECK_U64(nm("memory '%s': value", mem[i].v), cfg->vms[0].memory, mem[i].want);
		} else {
			expect_one(nm("memory '%s'", mem[i].v), text, 3, mem[i].msg);
			CHECK(nm("memory '%s': refused, unset", mem[i].v),
			      !cfg->vms[0].valid && cfg->vms[0].memory == 0);
		}
	}
	for (i = 0; i < ARRAY_SIZE(clip); i++) {
		snprintf(text, sizeof(text), "[vm a]\nkernel = /k\nmemory = 64M\nclipboard_max = %s\n", clip[i].v);
		if (clip[i].want) {
			expect_clean(nm("clipboard_max '%s'", clip[i].v), text);
			CHECK_U64(nm("clipboard_max '%s': value", clip[i].v), cfg->vms[0].clipboard_max,
				  clip[i].want);
		} else {
			expect_one(nm("clipboard_max '%s'", clip[i].v), text, 4, "'clipboard_max'");
			CHECK_U64(nm("clipboard_max '%s': default kept", clip[i].v),
				  cfg->vms[0].clipboard_max, 1ULL << 20);
		}
	}
	for (i = 0; i < ARRAY_SIZE(cpus); i++) {
		snprintf(text, sizeof(text), "[vm a]\nkernel = /k\nmemory = 64M\nvcpus = %s\n", cpus[i].v);
		if (cpus[i].want) {
			expect_clean(nm("vcpus '%s'", cpus[i].v), text);
			CHECK_INT(nm("vcpus '%s': value", cpus[i].v), cfg->vms[0].vcpus, cpus[i].want);
		} else {
			expect_one(nm("vcpus '%s'", cpus[i].v), text, 4, "'vcpus'");
			CHECK_INT(nm("vcpus '%s': default kept", cpus[i].v), cfg->vms[0].vcpus, 1);
		}
	}
	expect_one("vcpus 65 message", vm_with("vcpus = 65\n"), 4,
		   "vm 'a': value '65' of 'vcpus' is out of range (allowed 1 to 64)");
	expect_one("vcpus abc message", vm_with("vcpus = abc\n"), 4,
		   "vm 'a': invalid value 'abc' for 'vcpus' (expected a decimal number from 1 to 64)");
}

/* ---- paths, keywords ---- */

static void test_paths_and_words(void)
{
	static const struct {
		const char *v;
		const char *msg;	/* NULL: accepted */
	} paths[] = {
		{ "/vmlinuz", NULL },
		{ "/EFI/guests/linux 6.1/bzImage", NULL },
		{ "//double//slash/", NULL },
		{ "/a/.../b", NULL },
		{ "/a/..b/c..", NULL },
		{ "/ünïcödé", NULL },
		{ "vmlinuz", "value of 'kernel' 'vmlinuz' must start with '/'" },
		{ "./vmlinuz", "must start with '/'" },
		{ "/boot/../etc/shadow", "value of 'kernel' '/boot/../etc/shadow' must not contain '..'" },
		{ "/..", "must not contain '..'" },
		{ "/a/..", "must not contain '..'" },
		{ "\\EFI\\vmlinuz", "contains '\\' (separate directories with '/')" },
		{ "/EFI\\vmlinuz", "contains '\\'" },
		{ "/a\tb", "contains a control character" },
		{ "\"/vmlinuz\"", "must start with '/'" },
	};
	static const struct {
		const char *line;
		int field;	/* 0 clipboard, 1 seamless */
		int want;	/* -1: refused */
	} words[] = {
		{ "clipboard = none", 0, CFG_CLIP_NONE },
		{ "clipboard = copy-out", 0, CFG_CLIP_COPY_OUT },
		{ "clipboard = paste-in", 0, CFG_CLIP_PASTE_IN },
		{ "clipboard = both", 0, CFG_CLIP_BOTH },
		{ "clipboard = copy_out", 0, -1 },
		{ "clipboard = yes", 0, -1 },
		{ "display = none", 1, 0 },
		{ "display = seamless", 1, 1 },
		{ "display = gop", 1, -1 },
	};
	char text[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = %s\n", paths[i].v);
		if (!paths[i].msg) {
			expect_clean(nm("kernel '%s'", paths[i].v), text);
			CHECK_STR(nm("kernel '%s': stored", paths[i].v), cfg->vms[0].kernel, paths[i].v);
		} else {
			expect_one(nm("kernel '%s'", paths[i].v), text, 3, paths[i].msg);
		}
	}
	expect_one("initrd empty", vm_with("initrd =\n"), 4, "vm 'a': missing value for 'initrd'");
	expect_one("initrd relative", vm_with("initrd = initrd.img\n"), 4,
		   "value of 'initrd' 'initrd.img' must start with '/'");
	expect_clean("initrd ok", vm_with("initrd = /initrd.img\n"));
	CHECK_STR("initrd ok: stored", cfg->vms[0].initrd, "/initrd.img");
	expect_clean("cmdline with '=' and tabs", vm_with("cmdline =  a=b\tc==d  \n"));
	CHECK_STR("cmdline with '=' and tabs: stored", cfg->vms[0].cmdline, "a=b\tc==d");

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		bool ok;

		snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\n%s\n", words[i].line);
		if (words[i].want < 0) {
			expect_one(nm("'%s'", words[i].line), text, 4, "vm 'a': invalid value");
			ok = words[i].field ? !cfg->vms[0].seamless : cfg->vms[0].clipboard == CFG_CLIP_NONE;
		} else {
			expect_clean(nm("'%s'", words[i].line), text);
			ok = words[i].field ? cfg->vms[0].seamless == words[i].want :
					      (int)cfg->vms[0].clipboard == words[i].want;
		}
		CHECK(nm("'%s': value", words[i].line), ok);
	}
	expect_one("clipboard message", vm_with("clipboard = yes\n"), 4,
		   "invalid value 'yes' for 'clipboard' (expected none, copy-out, paste-in or both)");
}

/* ---- disks, shares, nets ---- */

static void test_disks(void)
{
	static const struct {
		const char *v;
		const char *msg;
	} bad[] = {
		{ "partuuid:0fc63daf-8483-4772-8e79-3d69d8477de", "invalid partition UUID '0fc63daf-8483-4772-8e79-3d69d8477de' (expected 8-4-4-4-12 hex digits)" },
		{ "partuuid:0fc63daf-8483-4772-8e79-3d69d8477de44", "invalid partition UUID" },
		{ "partuuid:0fc63daf84834772-8e79-3d69d8477de4aa", "invalid partition UUID" },
		{ "partuuid:0fc63dag-8483-4772-8e79-3d69d8477de4", "invalid partition UUID" },
		{ "partuuid:{0fc63daf-8483-4772-8e79-3d69d8477de}", "invalid partition UUID" },
		{ "partuuid:", "invalid partition UUID ''" },
		{ "file:/a.img,rw", "unknown disk option 'rw' (expected ro, discard, serial=TEXT or cache=writeback|writethrough)" },
		{ "file:/a.img,ro,ro", "disk option 'ro' is given twice" },
		{ "file:/a.img,cache=none", "invalid disk cache mode 'none'" },
		{ "file:/a.img,cache=writeback,cache=writethrough", "'cache=writethrough' is given twice" },
		{ "file:/a.img,serial=", "invalid disk serial ''" },
		{ "file:/a.img,serial=123456789012345678901", "invalid disk serial '123456789012345678901' (expected 1 to 20" },
		{ "file:/a.img,serial=caf\xc3\xa9", "invalid disk serial" },
		{ "file:/a.img,", "empty option in 'disk'" },
		{ "file:/a.img,,ro", "empty option in 'disk'" },
		{ "file:a.img", "disk path 'a.img' must start with '/'" },
		{ "file:/x/../a.img", "disk path '/x/../a.img' must not contain '..'" },
		{ "file:", "disk path is empty" },
		{ "/a.img", "invalid disk source '/a.img' (expected file:PATH, file:VOLUME:PATH, partuuid:UUID, label:TEXT, module:NAME or ram:SIZE)" },
		{ "file::/a.img", "invalid volume '' in disk file:VOLUME:PATH" },
		{ "file:123456789012345678901234567890123456:/a.img", "invalid volume '123456789012345678901234567890123456'" },
		{ "file:a\tb:/a.img", "invalid volume" },
		{ "file:DATA:a.img", "disk path 'a.img' must start with '/'" },
		{ "file:DATA:", "disk path is empty" },
		{ "file:DATA:/x/../a.img", "must not contain '..'" },
		{ "ram:", "invalid size '' for 'disk ram'" },
		{ "ram:0", "invalid RAM disk size '0'" },
		{ "ram:1000", "invalid RAM disk size '1000' (expected a multiple of 512 bytes, 512 to 4 GiB)" },
		{ "ram:5G", "invalid RAM disk size '5G'" },
		{ "ram:12X", "unknown suffix 'X'" },
		{ "ram:99999999999999999999G", "is too large" },
		{ "nbd:host", "invalid disk source 'nbd:host'" },
		{ "FILE:/a.img", "invalid disk source" },
		{ "ro,file:/a.img", "invalid disk source 'ro'" },
		{ "label:", "invalid disk label ''" },
		{ "label:123456789012345678901234567890123456", "invalid disk label" },
		{ "label:a\tb", "invalid disk label" },
		{ "module:", "invalid module name ''" },
		{ "module:two words", "invalid module name 'two words'" },
		{ "module:1234567890123456789012345678901234567890123456789012345678901234", "invalid module name" },
	};
	char text[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\ndisk = %s\n", bad[i].v);
		expect_one(nm("disk '%s'", bad[i].v), text, 4, bad[i].msg);
		CHECK(nm("disk '%s': not stored, vm refused", bad[i].v),
		      cfg->vms[0].disk_count == 0 && !cfg->vms[0].valid);
	}

	expect_clean("disk file on a volume", vm_with("disk = file:MHDATA:/vm/a.img,ro\n"));
	CHECK_STR("disk file on a volume: volume", cfg->vms[0].disks[0].volume, "MHDATA");
	CHECK("disk file on a volume: label", !cfg->vms[0].disks[0].volume_is_uuid);
	CHECK_STR("disk file on a volume: path", cfg->vms[0].disks[0].target, "/vm/a.img");
	CHECK("disk file on a volume: ro", cfg->vms[0].disks[0].readonly);
	expect_clean("disk file on a partuuid", vm_with("disk = file:0FC63DAF-8483-4772-8E79-3D69D8477DE4:/a.img\n"));
	CHECK_STR("disk file on a partuuid: volume (lower-case)", cfg->vms[0].disks[0].volume,
		  "0fc63daf-8483-4772-8e79-3d69d8477de4");
	CHECK("disk file on a partuuid: uuid", cfg->vms[0].disks[0].volume_is_uuid);
	expect_clean("disk file on a 35-byte label", vm_with("disk = file:12345678901234567890123456789012345:/a\n"));
	CHECK_INT("disk file on a 35-byte label: stored", strlen(cfg->vms[0].disks[0].volume), 35);
	expect_clean("disk file with ':' in the path", vm_with("disk = file:/a:b.img\n"));
	CHECK_STR("disk file with ':' in the path: stored", cfg->vms[0].disks[0].target, "/a:b.img");
	CHECK("disk file with ':' in the path: boot volume", !cfg->vms[0].disks[0].volume[0]);
	expect_clean("disk label 35", vm_with("disk = label:12345678901234567890123456789012345\n"));
	CHECK_INT("disk label 35: stored", strlen(cfg->vms[0].disks[0].target), 35);
	expect_clean("disk label with space", vm_with("disk = label:My Data\n"));
	CHECK_STR("disk label with space: stored", cfg->vms[0].disks[0].target, "My Data");
	expect_clean("disk module 63", vm_with(nm("disk = module:%s\n", repeat('m', 63))));
	CHECK_INT("disk module 63: stored", strlen(cfg->vms[0].disks[0].target), 63);
	expect_clean("disk ram", vm_with("disk = ram:16M,serial=scratch,discard\n"));
	CHECK_INT("disk ram: source", cfg->vms[0].disks[0].source, CFG_DISK_RAM);
	CHECK_U64("disk ram: size", cfg->vms[0].disks[0].size, 16ULL << 20);
	CHECK("disk ram: options", cfg->vms[0].disks[0].discard &&
	      !strcmp(cfg->vms[0].disks[0].serial, "scratch"));
	expect_clean("disk ram 512", vm_with("disk = ram:512\n"));
	CHECK_U64("disk ram 512: size", cfg->vms[0].disks[0].size, 512);
	expect_clean("disk ram 4G", vm_with("disk = ram:4G,ro\n"));
	CHECK_U64("disk ram 4G: size", cfg->vms[0].disks[0].size, 4ULL << 30);
	expect_clean("disk serial 20", vm_with("disk = file:/a,serial=12345678901234567890\n"));
	CHECK_STR("disk serial 20: stored", cfg->vms[0].disks[0].serial, "12345678901234567890");
	expect_clean("disk path 255", vm_with(nm("disk = file:/%s\n", repeat('d', 254))));
	CHECK_INT("disk path 255: stored", strlen(cfg->vms[0].disks[0].target), 255);
	expect_one("disk path 256", vm_with(nm("disk = file:/%s\n", repeat('d', 255))), 4,
		   "vm 'a': disk path is too long (256 bytes, limit 255)");

	expect_clean("8 disks", vm_with("disk = file:/1\ndisk = file:/2\ndisk = file:/3\ndisk = file:/4\n"
					"disk = file:/5\ndisk = file:/6\ndisk = file:/7\ndisk = file:/8\n"));
	CHECK_INT("8 disks: count", cfg->vms[0].disk_count, 8);
	CHECK_STR("8 disks: last", cfg->vms[0].disks[7].target, "/8");
	expect_one("9 disks", vm_with("disk = file:/1\ndisk = file:/2\ndisk = file:/3\ndisk = file:/4\n"
				      "disk = file:/5\ndisk = file:/6\ndisk = file:/7\ndisk = file:/8\n"
				      "disk = file:/9\n"), 12, "vm 'a': too many 'disk' entries (limit 8)");
	CHECK("9 disks: 8 kept, refused", cfg->vms[0].disk_count == 8 && !cfg->vms[0].valid);
	expect_one("disk with no value", vm_with("disk =\n"), 4, "missing value for 'disk'");
}

static void test_shares(void)
{
	static const struct {
		const char *v;
		const char *msg;
	} bad[] = {
		{ "src", "invalid share 'src' (expected 'TAG,PATH' or 'TAG,PATH,ro')" },
		{ "src,/a,rw", "invalid share" },
		{ "src,/a,ro,x", "invalid share" },
		{ ",/a", "invalid share tag ''" },
		{ "my tag,/a", "invalid share tag 'my tag'" },
		{ "tag/x,/a", "invalid share tag 'tag/x'" },
		{ "12345678901234567890123456789012,/a", "share tag '12345678901234567890123456789012' is too long (32 bytes, limit 31)" },
		{ "src,a", "share path 'a' must start with '/'" },
		{ "src,", "share path is empty" },
		{ "src,/a/../b", "must not contain '..'" },
	};
	char text[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\nshare = %s\n", bad[i].v);
		expect_one(nm("share '%s'", bad[i].v), text, 4, bad[i].msg);
		CHECK(nm("share '%s': not stored", bad[i].v), cfg->vms[0].share_count == 0);
	}
	expect_clean("share tag 31", vm_with("share = 1234567890123456789012345678901,/a\n"));
	CHECK_INT("share tag 31: stored", strlen(cfg->vms[0].shares[0].tag), 31);
	expect_one("duplicate share tag", vm_with("share = src,/a\n\nshare = src,/b,ro\n"), 6,
		   "vm 'a': duplicate share tag 'src' (first used on line 4)");
	CHECK_INT("duplicate share tag: one kept", cfg->vms[0].share_count, 1);
	expect_clean("same tag in two vms", "[vm a]\nmemory = 64M\nkernel = /k\nshare = t,/a\n"
		     "[vm b]\nmemory = 64M\nkernel = /k\nshare = t,/b\n");
	expect_clean("share tags are case-sensitive", vm_with("share = t,/a\nshare = T,/b\n"));
	{
		char many[1024];
		size_t n = 0;
		int j;

		for (j = 0; j < 9; j++)
			n += snprintf(many + n, sizeof(many) - n, "share = t%d,/s%d\n", j, j);
		expect_one("9 shares", vm_with(many), 12, "vm 'a': too many 'share' entries (limit 8)");
		CHECK_INT("9 shares: 8 kept", cfg->vms[0].share_count, 8);
	}
}

static void test_nets(void)
{
	static const struct {
		const char *v;
		const char *msg;
	} bad[] = {
		{ "switch,mac=01:00:5e:00:00:01", "MAC address '01:00:5e:00:00:01' is a multicast address" },
		{ "switch,mac=ff:ff:ff:ff:ff:ff", "multicast" },
		{ "switch,mac=00:00:00:00:00:00", "MAC address '00:00:00:00:00:00' is all zero" },
		{ "switch,mac=52:54:00:12:34", "invalid MAC address '52:54:00:12:34' (expected 6 hex octets" },
		{ "switch,mac=52:54:00:12:34:56:78", "invalid MAC address" },
		{ "switch,mac=52-54-00-12-34-56", "invalid MAC address" },
		{ "switch,mac=52:54:00:12:34:5g", "invalid MAC address" },
		{ "switch,mac=5:54:00:12:34:567", "invalid MAC address" },
		{ "switch,mac=", "invalid MAC address ''" },
		{ "switch,model=virtio", "unknown net option 'model=virtio' (expected mac=xx:xx:xx:xx:xx:xx)" },
		{ "switch,", "unknown net option ''" },
		{ "switch,mac=52:54:00:12:34:56,mac=52:54:00:12:34:57", "net option 'mac' is given twice" },
		{ "bridge", "invalid network source 'bridge' (expected 'switch')" },
		{ "mac=52:54:00:12:34:56", "invalid network source" },
	};
	char text[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "[vm a]\nmemory = 64M\nkernel = /k\nnet = %s\n", bad[i].v);
		expect_one(nm("net '%s'", bad[i].v), text, 4, bad[i].msg);
		CHECK(nm("net '%s': not stored", bad[i].v), cfg->vms[0].net_count == 0);
	}
	expect_clean("net locally administered mac", vm_with("net = switch, mac=02:00:00:00:00:01\n"));
	CHECK("net locally administered mac: value", cfg->vms[0].nets[0].has_mac &&
	      !memcmp(cfg->vms[0].nets[0].mac, "\x02\0\0\0\0\x01", 6));
	expect_clean("4 nets", vm_with("net = switch\nnet = switch\nnet = switch\nnet = switch\n"));
	CHECK_INT("4 nets: count", cfg->vms[0].net_count, 4);
	expect_one("5 nets", vm_with("net = switch\nnet = switch\nnet = switch\nnet = switch\nnet = switch\n"),
		   8, "vm 'a': too many 'net' entries (limit 4)");
	expect_one("mac used twice", "[vm a]\nmemory = 64M\nkernel = /k\nnet = switch,mac=52:54:00:12:34:56\n"
		   "[vm b]\nmemory = 64M\nkernel = /k\nnet = switch,mac=52:54:00:12:34:56\n", 8,
		   "vm 'b': MAC address 52:54:00:12:34:56 is already used on line 4");
	CHECK("mac used twice: first vm fine", cfg->vms[0].valid && !cfg->vms[1].valid);
}

/* ---- channels ---- */

static void test_channels(void)
{
	static const struct {
		const char *v;
		const char *msg;
	} bad[] = {
		{ "c a b", "invalid channel 'c a b' (expected 'NAME VM_A -> VM_B' or 'NAME VM_A <-> VM_B')" },
		{ "c a => b", "invalid channel" },
		{ "c a <- b", "invalid channel" },
		{ "c a->b", "invalid channel" },
		{ "c a -> b extra", "invalid channel" },
		{ "a -> b", "invalid channel" },
		{ "c! a -> b", "invalid channel name 'c!'" },
		{ "12345678901234567890123456789012 a -> b", "channel name '12345678901234567890123456789012' is too long (32 bytes, limit 31)" },
		{ "c a! -> b", "invalid vm name 'a!'" },
		{ "c a -> a", "channel 'c' connects vm 'a' to itself" },
		{ "c a <-> a", "to itself" },
	};
	static const char vms[] = "[vm a]\nmemory = 64M\nkernel = /k\n[vm b]\nmemory = 64M\nkernel = /k\n";
	char text[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "channel = %s\n%s", bad[i].v, vms);
		expect_one(nm("channel '%s'", bad[i].v), text, 1, bad[i].msg);
		CHECK(nm("channel '%s': not stored, vms fine", bad[i].v), cfg->channel_count == 0 &&
		      cfg->vms[0].valid && cfg->vms[1].valid);
	}

	snprintf(text, sizeof(text), "log_level = warn\nchannel = c1 a -> ghost\n%s", vms);
	expect_one("channel to unknown vm", text, 2, "channel 'c1': unknown vm 'ghost'");
	CHECK("channel to unknown vm: stored, invalid", cfg->channel_count == 1 && !cfg->channels[0].valid &&
	      cfg->channels[0].line == 2);
	CHECK("channel to unknown vm: vms still valid", cfg->vms[0].valid && cfg->vms[1].valid);
	parse("channel = c1 x -> y\n");
	CHECK("channel with two unknown vms: two reports", report_count == 2 &&
	      has_at(1, "unknown vm 'x'") && has_at(1, "unknown vm 'y'"));

	snprintf(text, sizeof(text), "channel = c1 a -> b\nchannel = c2 b <-> a\nchannel = c1 b -> a\n%s", vms);
	expect_one("duplicate channel name", text, 3, "duplicate channel name 'c1' (first defined on line 1)");
	CHECK_INT("duplicate channel name: two kept", cfg->channel_count, 2);
	CHECK("duplicate channel name: first kept", !strcmp(cfg->channels[0].vm_b, "b") &&
	      !cfg->channels[0].bidirectional && cfg->channels[1].bidirectional);

	snprintf(text, sizeof(text), "channel =\tc1\t a   <->  b \n%s", vms);
	expect_clean("channel with blanks", text);
	CHECK("channel with blanks: parsed", cfg->channel_count == 1 && cfg->channels[0].valid &&
	      !strcmp(cfg->channels[0].vm_a, "a") && cfg->channels[0].bidirectional);

	/* a channel to a refused VM is kept: the VM is what failed */
	expect_one("channel to refused vm", "channel = c a -> b\n[vm a]\nmemory = 64M\nkernel = /k\n"
		   "[vm b]\nmemory = 64M\n", 5, "missing required key 'kernel'");
	CHECK("channel to refused vm: channel valid", cfg->channels[0].valid);

	{
		char many[2048];
		size_t n = 0;
		int j;

		for (j = 0; j < 17; j++)
			n += snprintf(many + n, sizeof(many) - n, "channel = c%d a -> b\n", j);
		snprintf(many + n, sizeof(many) - n, "%s", vms);
		expect_one("17 channels", many, 17, "too many channels (limit 16); channel 'c16' is ignored");
		CHECK_INT("17 channels: 16 kept", cfg->channel_count, 16);
	}
}

/* ---- bytes that do not belong in a text file ---- */

static void test_bad_bytes(void)
{
	static const char nul[] = "[vm a]\nmemory = 64M\nkernel = /k\ncmdline = quiet\0 evil\nvcpus = 2\n";
	u32 n = parse_n(nul, sizeof(nul) - 1);

	check_one_at("NUL byte", n, 4, "vm 'a': line contains a NUL byte (column 16)");
	CHECK("NUL byte: vm refused", !cfg->vms[0].valid);
	CHECK("NUL byte: line not used", cfg->vms[0].cmdline[0] == 0);
	CHECK_INT("NUL byte: later lines parsed", cfg->vms[0].vcpus, 2);

	n = parse_n("\0\0\0\nlog_level = warn\n", 21);
	check_one_at("NUL bytes at start", n, 1, "NUL byte (column 1)");
	CHECK_INT("NUL bytes at start: next line", cfg->global.log_level, CFG_LOG_WARN);
	n = parse_n("[foo]\nx\0y\n", 10);
	CHECK("NUL in skipped section: still reported", n == 2 && has_at(2, "NUL byte"));
	n = parse_n("log_level = warn\0", 17);
	check_one_at("NUL at very end", n, 1, "NUL byte (column 17)");

	expect_one("control character", vm_with("cmdline = a\x01z\n"), 4,
		   "vm 'a': line contains control character 0x01 (column 12)");
	expect_one("escape character", "log_level = \x1b[31mred\n", 1, "control character 0x1b");
	expect_one("DEL character", "log_level = warn\x7f\n", 1, "control character 0x7f");
	expect_clean("UTF-8 is fine", vm_with("cmdline = caf\xc3\xa9 \xe2\x82\xac\n"));
	expect_one("UTF-8 in a message is cut on a boundary",
		   nm("log_level = x%s\n", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 1, "\xc3\xa9...'");
}

/* ---- several errors in one file, each with its line ---- */

static void test_line_numbers(void)
{
	static const char text[] =
		"log_level = info\n"		/* 1 */
		"serial = com1\n"		/* 2 */
		"log_level = debug\n"		/* 3 */
		"# comment\n"			/* 4 */
		"on_exit = halt\n"		/* 5 */
		"\n"				/* 6 */
		"this line is junk\n"		/* 7 */
		"\n"				/* 8 */
		"[vm web]\n"			/* 9 */
		"memory = 64M\n"		/* 10 */
		"vcpus = 2\n"			/* 11 */
		"memroy = 1G\n"			/* 12 */
		"\n"				/* 13 */
		"[vm db]\n"			/* 14 */
		"memory = 128M\n"		/* 15 */
		"kernel = /db/vmlinuz\n"	/* 16 */
		"vcpus = 0\n"			/* 17 */
		"[vm db]\n"			/* 18 */
		"[vm ok]\r\n"			/* 19 */
		"memory = 16M\r\n"		/* 20 */
		"kernel = /ok\r\n";		/* 21 */
	static const char *const want[] = {
		"macrohard.cfg:3: duplicate key 'log_level' (first set on line 1)",
		"macrohard.cfg:7: line has no '=' (expected 'key = value')",
		"macrohard.cfg:12: vm 'web': unknown key 'memroy'",
		"macrohard.cfg:9: vm 'web': missing required key 'kernel'",
		"macrohard.cfg:17: vm 'db': value '0' of 'vcpus' is out of range (allowed 1 to 64)",
		"macrohard.cfg:18: duplicate vm name 'db' (first defined on line 14); this section is refused; its lines are skipped",
	};
	u32 n = parse(text);
	size_t i;

	CHECK_INT("line numbers: problem count", n, ARRAY_SIZE(want));
	CHECK_INT("line numbers: report count", report_count, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want) && i < report_count; i++)
		CHECK_STR(nm("line numbers: report %zu", i), reports[i], want[i]);
	CHECK("line numbers: vm errors", cfg->vms[0].errors == 2 && cfg->vms[1].errors == 1 &&
	      cfg->vms[2].errors == 0);
	CHECK("line numbers: validity", !cfg->vms[0].valid && !cfg->vms[1].valid && cfg->vms[2].valid);
	CHECK_INT("line numbers: on_exit applied", cfg->global.on_exit, CFG_EXIT_HALT);
	CHECK_INT("line numbers: first log_level kept", cfg->global.log_level, CFG_LOG_INFO);
	CHECK_INT("line numbers: cfg->errors", cfg->errors, n);
	CHECK_INT("line numbers: ok line", cfg->vms[2].line, 19);
}

/* ---- deterministic mutations of the example ---- */

static u32 lcg_state = 0x4d484346;	/* "MHCF" */

static u32 lcg(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return lcg_state >> 8;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

/* Everything the parser hands out must stay within its arrays. */
static bool config_sane(const struct config *c)
{
	u32 i, j;

	if (c->vm_count > CFG_MAX_VMS || c->channel_count > CFG_MAX_CHANNELS)
		return false;
	for (i = 0; i < c->vm_count; i++) {
		const struct cfg_vm *vm = &c->vms[i];

		if (vm->disk_count > CFG_MAX_DISKS || vm->share_count > CFG_MAX_SHARES ||
		    vm->net_count > CFG_MAX_NETS || vm->valid != (vm->errors == 0) ||
		    !terminated(vm->name, sizeof(vm->name)) || !vm->name[0] ||
		    !terminated(vm->kernel, sizeof(vm->kernel)) ||
		    !terminated(vm->initrd, sizeof(vm->initrd)) ||
		    !terminated(vm->cmdline, sizeof(vm->cmdline)) ||
		    vm->vcpus < 1 || vm->vcpus > 64 || vm->memory > (1ULL << 40) ||
		    (vm->valid && (vm->memory < (16ULL << 20) || vm->kernel[0] != '/')))
			return false;
		for (j = 0; j < vm->disk_count; j++)
			if (!terminated(vm->disks[j].target, sizeof(vm->disks[j].target)) ||
			    !terminated(vm->disks[j].serial, sizeof(vm->disks[j].serial)) ||
			    !vm->disks[j].target[0])
				return false;
		for (j = 0; j < vm->share_count; j++)
			if (!terminated(vm->shares[j].tag, sizeof(vm->shares[j].tag)) ||
			    !terminated(vm->shares[j].path, sizeof(vm->shares[j].path)))
				return false;
		for (j = 0; j < vm->net_count; j++)
			if (vm->nets[j].has_mac && (vm->nets[j].mac[0] & 1))
				return false;
	}
	for (i = 0; i < c->channel_count; i++)
		if (!terminated(c->channels[i].name, CFG_NAME_MAX) ||
		    !terminated(c->channels[i].vm_a, CFG_NAME_MAX) ||
		    !terminated(c->channels[i].vm_b, CFG_NAME_MAX))
			return false;
	return true;
}

static void test_mutations(void)
{
	static const char tokens[] = "\n\r\0=[]#;,:/ \t-<>x9Mvm";
	enum { RUNS = 2000, MAX = 12000 };
	static char buf[MAX];
	size_t base = strlen(full_example), len;
	unsigned run, bad_count = 0, over = 0, insane = 0, errors_mismatch = 0;
	unsigned first_bad = 0;

	bad_reports = 0;
	for (run = 0; run < RUNS; run++) {
		unsigned edits = 1 + lcg() % 8, e;

		memcpy(buf, full_example, base);
		len = base;
		for (e = 0; e < edits; e++) {
			size_t at = len ? lcg() % len : 0, r = lcg(), n;

			switch (lcg() % 6) {
			case 0:	/* overwrite a byte with anything */
				if (len)
					buf[at] = (char)lcg();
				break;
			case 1:	/* overwrite with a byte that matters to the syntax */
				if (len)
					buf[at] = tokens[lcg() % (sizeof(tokens) - 1)];
				break;
			case 2:	/* delete a run */
				n = MIN(len - at, r % 64);
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
				break;
			case 3:	/* duplicate a run, e.g. whole lines or sections */
				n = MIN(len - at, r % 512);
				if (len + n <= MAX) {
					memmove(buf + at + n, buf + at, len - at);
					len += n;
				}
				break;
			case 4:	/* insert a long run, sometimes past the line limit */
				n = r % 5000;
				if (len + n <= MAX) {
					memmove(buf + at + n, buf + at, len - at);
					memset(buf + at, "x \n#"[lcg() % 4], n);
					len += n;
				}
				break;
			case 5:	/* cut the file short */
				len = at;
				break;
			}
		}
		report_count = 0;
		{
			char *copy = malloc(len ? len : 1);
			u32 n;

			memcpy(copy, buf, len);
			n = config_parse("macrohard.cfg", copy, len, cfg, capture, NULL);
			free(copy);
			if (n != report_count || n != cfg->errors)
				errors_mismatch++;
		}
		if (cfg->vm_count > CFG_MAX_VMS)
			over++;
		if (!config_sane(cfg)) {
			if (!insane)
				first_bad = run;
			insane++;
		}
	}
	bad_count = bad_reports;
	CHECK_INT("mutations: vm_count never above 16", over, 0);
	unit_check(insane == 0, "mutations: output always within bounds and consistent",
		   "%u runs broke it, first run %u", insane, first_bad);
	CHECK_INT("mutations: return value = reports = cfg->errors", errors_mismatch, 0);
	CHECK_INT("mutations: messages well-formed", bad_count, 0);
}

static void test_testdev(void)
{
	const char *base = "[vm t]\nmemory = 64M\nkernel = /k\n";
	char text[256];

	CHECK_INT("testdev: default parses cleanly", parse(base), 0);
	CHECK("testdev: off by default", !cfg->vms[0].testdev);
	snprintf(text, sizeof(text), "%stestdev = on\n", base);
	CHECK_INT("testdev = on: clean", parse(text), 0);
	CHECK("testdev = on: set", cfg->vms[0].testdev && cfg->vms[0].valid);
	snprintf(text, sizeof(text), "%stestdev = off\n", base);
	CHECK("testdev = off: clear", parse(text) == 0 && !cfg->vms[0].testdev);
	snprintf(text, sizeof(text), "%stestdev = yes\n", base);
	CHECK_INT("testdev = yes: one problem", parse(text), 1);
	CHECK("testdev = yes: reported at line 4, VM refused",
	      has_at(4, "testdev") && !cfg->vms[0].valid);
	snprintf(text, sizeof(text), "%stestdev = on\ntestdev = off\n", base);
	CHECK("testdev twice: duplicate reported at line 5", parse(text) == 1 && has_at(5, "duplicate"));
	CHECK("testdev in the global section: refused", parse("testdev = on\n") == 1);
}

int main(void)
{
	cfg = malloc(sizeof(*cfg));	/* exact size: ASan catches writes past the end */
	if (!cfg)
		return 2;

	test_defaults();
	test_names();
	test_full_example();
	test_prefixes();
	test_crlf();
	test_comments();
	test_globals();
	test_duplicates();
	test_required();
	test_unknown_keys();
	test_sections();
	test_too_many_vms();
	test_limits();
	test_sizes();
	test_paths_and_words();
	test_disks();
	test_shares();
	test_nets();
	test_channels();
	test_bad_bytes();
	test_line_numbers();
	test_mutations();
	test_testdev();
	CHECK_INT("no malformed message anywhere", bad_reports, 0);

	free(cfg);
	return unit_summary();
}
