/* The one logging facility: levels, and a prefix naming the VM a message is about. */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include "lib/types.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool log_enabled(enum log_level level);

/* vm is the VM's name, or NULL for the hypervisor itself. */
void log_printf(enum log_level level, const char *vm, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes text as-is, bypassing levels (banner, dumps). */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A VM's console text (at LOG_INFO): cont when it continues the line whose start this VM
 * showed (a prompt); end when the line ends here.  A line left open is ended by any other
 * output first, and its rest is then shown with the VM's prefix again.
 */
void log_vm_text(const char *vm, const char *text, bool cont, bool end);

/* Releases the console if the calling CPU holds it (a CPU that stops for good). */
void log_cpu_lost(void);

#define log_err(...) log_printf(LOG_ERROR, NULL, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_WARN, NULL, __VA_ARGS__)
#define log_info(...) log_printf(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, NULL, __VA_ARGS__)

#endif
