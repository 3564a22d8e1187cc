/* A tiny framework for host unit tests: one "PASS: name" or "FAIL: name (detail)" line per
 * check, then "SUMMARY: n passed, m failed"; exit status 0 only if nothing failed. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned unit_passed, unit_failed;

/* Records one check; detail (printf-style) is printed only when it failed. */
static inline bool __attribute__((format(printf, 3, 4)))
unit_check(bool ok, const char *name, const char *detail, ...)
{
	va_list ap;

	if (ok) {
		unit_passed++;
		printf("PASS: %s\n", name);
		return true;
	}
	unit_failed++;
	printf("FAIL: %s (", name);
	va_start(ap, detail);
	vprintf(detail, ap);
	va_end(ap);
	printf(")\n");
	return false;
}

/* Prints the summary line; returns the process exit status. */
static inline int unit_summary(void)
{
	printf("SUMMARY: %u passed, %u failed\n", unit_passed, unit_failed);
	fflush(stdout);
	return unit_failed ? 1 : 0;
}

/* Each macro evaluates name first, then its other arguments once each. */
#define CHECK(name, cond) do {							\
	const char *name_ = (name);						\
	unit_check(!!(cond), name_, "%s is false", #cond);			\
} while (0)

#define CHECK_INT(name, got, want) do {						\
	const char *name_ = (name);						\
	long long got_ = (long long)(got), want_ = (long long)(want);		\
	unit_check(got_ == want_, name_, "%s = %lld, want %lld", #got, got_, want_); \
} while (0)

#define CHECK_U64(name, got, want) do {						\
	const char *name_ = (name);						\
	unsigned long long got_ = (got), want_ = (want);			\
	unit_check(got_ == want_, name_, "%s = %llu, want %llu", #got, got_, want_); \
} while (0)

#define CHECK_STR(name, got, want) do {						\
	const char *name_ = (name);						\
	const char *got_ = (got), *want_ = (want);				\
	unit_check(got_ && want_ && strcmp(got_, want_) == 0, name_,		\
		   "%s = \"%s\", want \"%s\"", #got, got_ ? got_ : "(null)",	\
		   want_ ? want_ : "(null)");					\
} while (0)

#endif
