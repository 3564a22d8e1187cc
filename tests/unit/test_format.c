/* Host unit test for the freestanding formatter (lib/format.c), checked against libc's snprintf. */
// unit-deps: lib/format.c lib/string.c
#include <stdio.h>
#include <string.h>

#include "lib/format.h"
#include "tests/unit/unit.h"

#define SAME(fmtstr, ...) do {							\
	char ours[128], libc[128];						\
	size_t n1 = fmt_snprintf(ours, sizeof(ours), fmtstr, __VA_ARGS__);	\
	int n2 = snprintf(libc, sizeof(libc), fmtstr, __VA_ARGS__);		\
	unit_check(!strcmp(ours, libc) && n1 == (size_t)n2, "format " #fmtstr " " #__VA_ARGS__, \
		   "ours '%s' (%zu), libc '%s' (%d)", ours, n1, libc, n2);	\
} while (0)

int main(void)
{
	char small[8];
	size_t n;

	SAME("%d", 0);
	SAME("%d", -42);
	SAME("%d", 2147483647);
	SAME("%d", (int)-2147483648LL);
	SAME("%lld", (long long)-9223372036854775807LL - 1);
	SAME("%llu", 18446744073709551615ULL);
	SAME("%u", 4000000000u);
	SAME("%x", 0xdeadbeefu);
	SAME("%X", 0xdeadbeefu);
	SAME("%016llx", 0x1234ULL);
	SAME("%08x", 0xabcu);
	SAME("%5d|", 42);
	SAME("%-5d|", 42);
	SAME("%05d", -42);
	SAME("%s", "hello");
	SAME("%-8s|", "ab");
	SAME("%8s|", "ab");
	SAME("%.3s", "abcdef");
	SAME("%.*s", 2, "abcdef");
	SAME("%*d", 6, 7);
	SAME("%c%c", 'o', 'k');
	SAME("100%%%s", "");
	SAME("%zu", (size_t)123456789);
	SAME("%lx", 0xffffffffffffffffUL);

	n = fmt_snprintf(small, sizeof(small), "%s", "0123456789");
	CHECK("truncation keeps the terminator", small[7] == 0 && !strcmp(small, "0123456"));
	CHECK_INT("truncation returns the full length", n, 10);
	n = fmt_snprintf(small, 0, "%d", 12345);
	CHECK_INT("size 0 writes nothing and returns the length", n, 5);
	{
		/* Through a variable, so the compiler's format checks do not object. */
		const char *volatile null_str = NULL;
		const char *volatile trailing = "abc%";

		n = fmt_snprintf(small, sizeof(small), "%s", null_str);
		CHECK("NULL string prints (null)", !strcmp(small, "(null)") && n == 6);
		n = fmt_snprintf(small, sizeof(small), trailing);
		CHECK("a trailing % ends the format", !strcmp(small, "abc") && n == 3);
	}
	return unit_summary();
}
