/* The logging facility: formats a line and hands it to the host console. */
#include <stdarg.h>
#include "lib/log.h"
#include "lib/format.h"
#include "host/host.h"
#include "lib/spinlock.h"

static enum log_level log_level = LOG_INFO;
/*
 * One line at a time from any CPU.  Recursive, so a fault while this CPU prints can still
 * report; bounded, so a CPU that died holding it delays the others but cannot silence them.
 */
static struct rspinlock log_lock;
#define LOG_LOCK_SPINS 200000000ULL
/*
 * The VM whose line the console shows without its end (an interactive prompt), if any.
 * Anything else printed first ends that line, and the VM's rest gets its prefix again.
 */
static const char *open_line_vm;

/* Under log_lock: ends a VM's open line unless this output continues it. */
static void log_close_open_line(const char *continuing_vm)
{
	if (open_line_vm && open_line_vm != continuing_vm)
		host_console_write("\n", 1);
	if (open_line_vm != continuing_vm)
		open_line_vm = NULL;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

bool log_enabled(enum log_level level)
{
	return level <= log_level;
}

static void log_emit(const char *prefix, const char *vm, const char *fmt, va_list ap)
{
	char line[512];
	size_t n = 0;
	bool held;

	if (vm)
		n = fmt_snprintf(line, sizeof(line), "[%s] ", vm);
	if (prefix && n < sizeof(line))
		n += fmt_snprintf(line + n, sizeof(line) - n, "%s", prefix);
	if (n < sizeof(line))
		n += fmt_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n >= sizeof(line) - 1) {
		/* Truncated: keep the line end so the next message starts cleanly. */
		n = sizeof(line) - 2;
		line[n++] = '\n';
		line[n] = 0;
	}
	held = rspin_lock_bounded(&log_lock, LOG_LOCK_SPINS);
	log_close_open_line(NULL);
	host_console_write(line, n);
	if (held)
		rspin_unlock(&log_lock);
}

void log_vm_text(const char *vm, const char *text, bool cont, bool end)
{
	char prefix[48];
	size_t n;
	bool held;

	if (!log_enabled(LOG_INFO))
		return;
	held = rspin_lock_bounded(&log_lock, LOG_LOCK_SPINS);
	log_close_open_line(cont ? vm : NULL);
	if (open_line_vm != vm) {
		n = fmt_snprintf(prefix, sizeof(prefix), "[%s] ", vm);
		host_console_write(prefix, n < sizeof(prefix) ? n : sizeof(prefix) - 1);
	}
	for (n = 0; text[n]; n++)
		;
	host_console_write(text, n);
	if (end)
		host_console_write("\n", 1);
	open_line_vm = end ? NULL : vm;
	if (held)
		rspin_unlock(&log_lock);
}

void log_cpu_lost(void)
{
	rspin_drop_if_held(&log_lock);
}

void log_printf(enum log_level level, const char *vm, const char *fmt, ...)
{
	static const char *const prefixes[] = {
		[LOG_ERROR] = "error: ", [LOG_WARN] = "warning: ",
		[LOG_INFO] = NULL, [LOG_DEBUG] = "debug: ",
	};
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_emit(prefixes[level], vm, fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(NULL, NULL, fmt, ap);
	va_end(ap);
}
