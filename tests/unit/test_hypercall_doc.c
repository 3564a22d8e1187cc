/*
 * docs/hypercalls.md and include/macrohard/hypercall.h must agree: every numeric
 * HC_* constant of the header appears in a table of the document with the same
 * value, and every HC_* row of the document's tables names a header constant
 * with that value.  Also checks the structure layouts the document gives.
 */
// unit-deps:
#include "tests/unit/unit.h"
#include "macrohard/hypercall.h"
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>

#define MAX_NAMES 256

struct constant {
	char name[64];
	long long value;
	bool seen;
};

static struct constant hdr[MAX_NAMES], doc[MAX_NAMES];
static int hdr_n, doc_n;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* "0x10", "-1000", "(-1000)", "(1ULL << 16)", "3600000000000", "bit 16"; false otherwise. */
static bool parse_value(const char *s, long long *out)
{
	char tmp[64], *p = tmp, *end;
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (s[n] && s[n] != '\n' && n < sizeof(tmp) - 1)
		n++;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	while (n && (tmp[n - 1] == ' ' || tmp[n - 1] == '\t'))
		tmp[--n] = 0;
	if (n >= 2 && tmp[0] == '(' && tmp[n - 1] == ')') {
		tmp[--n] = 0;
		p++;
	}
	if (!strncmp(p, "bit ", 4)) {
		long long b = strtoll(p + 4, &end, 10);
		if (*end || b < 0 || b > 62)
			return false;
		*out = 1LL << b;
		return true;
	}
	if (!strncmp(p, "1ULL << ", 8)) {
		long long b = strtoll(p + 8, &end, 10);
		if (*end || b < 0 || b > 62)
			return false;
		*out = 1LL << b;
		return true;
	}
	if (!*p)
		return false;
	*out = strtoll(p, &end, 0);
	return *end == 0;
}

static void add(struct constant *set, int *n, const char *name, size_t len, long long v)
{
	if (*n >= MAX_NAMES || len >= sizeof(set[0].name))
		return;
	memcpy(set[*n].name, name, len);
	set[*n].name[len] = 0;
	set[*n].value = v;
	(*n)++;
}

static struct constant *find(struct constant *set, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(set[i].name, name))
			return &set[i];
	return NULL;
}

static void parse_header(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *name, *val, *eol = strchr(l, '\n');
		char line[256];
		size_t len = eol ? (size_t)(eol - l) : strlen(l), nl;
		long long v;
		char *c;

		if (len >= sizeof(line) || strncmp(l, "#define HC_", 11))
			continue;
		memcpy(line, l, len);
		line[len] = 0;
		if ((c = strstr(line, "/*")))
			*c = 0;
		name = line + 8;
		nl = strcspn(name, " \t");
		val = name + nl;
		if (parse_value(val, &v))
			add(hdr, &hdr_n, name, nl, v);
	}
}

/* Table rows "| value | `HC_NAME` | ..." */
static void parse_doc(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *cell2, *tick, *endtick;
		char val[64];
		long long v;
		size_t n;

		if (l[0] != '|')
			continue;
		cell2 = strchr(l + 1, '|');
		if (!cell2 || cell2[1] != ' ' || cell2[2] != '`' || strncmp(cell2 + 3, "HC_", 3))
			continue;
		tick = cell2 + 3;
		endtick = strchr(tick, '`');
		n = (size_t)(cell2 - l - 1);
		if (!endtick || n >= sizeof(val))
			continue;
		memcpy(val, l + 1, n);
		val[n] = 0;
		if (!parse_value(val, &v)) {
			unit_check(false, "doc: table value parses", "'%s' for %.*s", val,
				   (int)(endtick - tick), tick);
			continue;
		}
		add(doc, &doc_n, tick, (size_t)(endtick - tick), v);
	}
}

int main(void)
{
	char *h = slurp("include/macrohard/hypercall.h"), *d = slurp("docs/hypercalls.md");
	char name[160];

	if (!unit_check(h && d, "header and document readable", "run from the repository root"))
		return unit_summary();
	parse_header(h);
	parse_doc(d);
	CHECK("header: constants found", hdr_n >= 40);
	CHECK("doc: table rows found", doc_n >= 40);

	for (int i = 0; i < hdr_n; i++) {
		struct constant *c = find(doc, doc_n, hdr[i].name);

		snprintf(name, sizeof(name), "header %s is documented", hdr[i].name);
		if (unit_check(c != NULL, name, "not in any table of docs/hypercalls.md")) {
			snprintf(name, sizeof(name), "%s: document and header agree", hdr[i].name);
			unit_check(c->value == hdr[i].value, name, "doc %lld, header %lld", c->value,
				   hdr[i].value);
		}
	}
	for (int i = 0; i < doc_n; i++) {
		struct constant *c = find(hdr, hdr_n, doc[i].name);

		snprintf(name, sizeof(name), "doc %s is in the header", doc[i].name);
		if (unit_check(c != NULL, name, "the document names a constant the header lacks")) {
			snprintf(name, sizeof(name), "doc %s (row %d) matches the header", doc[i].name, i);
			unit_check(c->value == doc[i].value, name, "doc %lld, header %lld",
				   doc[i].value, c->value);
		}
	}

	/* The seven numbers of the design document never change. */
	CHECK_INT("HC_VERSION is 0x0001", HC_VERSION, 0x0001);
	CHECK_INT("HC_FEATURES is 0x0002", HC_FEATURES, 0x0002);
	CHECK_INT("HC_MEMORY_MAP is 0x0010", HC_MEMORY_MAP, 0x0010);
	CHECK_INT("HC_TIMER is 0x0020", HC_TIMER, 0x0020);
	CHECK_INT("HC_IPC is 0x0030", HC_IPC, 0x0030);
	CHECK_INT("HC_CLIPBOARD is 0x0040", HC_CLIPBOARD, 0x0040);
	CHECK_INT("HC_DISPLAY is 0x0050", HC_DISPLAY, 0x0050);

	/* The layouts the document gives. */
	CHECK_INT("hc_version_info size", sizeof(struct hc_version_info), HC_VERSION_INFO_SIZE);
	CHECK_INT("hc_version_info.hv_patch at 16", offsetof(struct hc_version_info, hv_patch), 16);
	CHECK_INT("hc_version_info.build at 24", offsetof(struct hc_version_info, build), 24);
	CHECK_INT("hc_mem_entry size", sizeof(struct hc_mem_entry), HC_MEM_ENTRY_SIZE);
	CHECK_INT("hc_mem_entry.type at 16", offsetof(struct hc_mem_entry, type), 16);
	CHECK_INT("hc_window size", sizeof(struct hc_window), HC_WINDOW_SIZE);
	CHECK_INT("hc_window.x at 8", offsetof(struct hc_window, x), 8);
	CHECK_INT("hc_window.w at 16", offsetof(struct hc_window, w), 16);
	CHECK_INT("hc_window.z at 24", offsetof(struct hc_window, z), 24);
	CHECK_INT("hc_window.title at 32", offsetof(struct hc_window, title), 32);
	CHECK_INT("hc_window title bytes", sizeof(((struct hc_window *)0)->title), HC_DISP_TITLE_MAX);
	CHECK_INT("hc_display_event size", sizeof(struct hc_display_event), HC_DISPLAY_EVENT_SIZE);
	CHECK_INT("hc_display_event.w at 16", offsetof(struct hc_display_event, w), 16);
	CHECK_INT("hc_display_event.reserved at 24", offsetof(struct hc_display_event, reserved), 24);
	CHECK_INT("clipboard formats fit the mask", HC_CLIP_FMT_COUNT <= 32, 1);
	CHECK_INT("an ipc queue is whole pages", HC_IPC_QUEUE_DEPTH * HC_IPC_MSG_MAX % 4096, 0);

	/* Malformed values are rejected, not misread. */
	{
		long long v;

		CHECK("parse: '0x1g' rejected", !parse_value("0x1g", &v));
		CHECK("parse: empty rejected", !parse_value("  ", &v));
		CHECK("parse: 'bit 99' rejected", !parse_value("bit 99", &v));
		CHECK("parse: '(-1000)' is -1000", parse_value("(-1000)", &v) && v == -1000);
	}
	free(h);
	free(d);
	return unit_summary();
}
