/* Freestanding string and memory helpers (the compiler may also emit calls to mem*). */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "lib/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t str_len(const char *s);
size_t str_nlen(const char *s, size_t max);
int str_cmp(const char *a, const char *b);
int str_ncmp(const char *a, const char *b, size_t n);
bool str_eq(const char *a, const char *b);
bool str_case_eq(const char *a, const char *b);
/* Copies at most size-1 bytes and always terminates; returns -E2BIG if truncated. */
int str_copy(char *dst, const char *src, size_t size);
const char *str_chr(const char *s, int c);
bool str_starts_with(const char *s, const char *prefix);
/* Parses an unsigned number (decimal or 0x hex) that spans exactly len bytes. */
int str_parse_u64(const char *s, size_t len, u64 *out);

#endif
