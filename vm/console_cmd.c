/*
 * Console command parser (vm/console_cmd.h): splits a typed line into words and checks each
 * word and number against the bounds of HC_DISPLAY before anything is posted to a VM.
 */
#include "vm/console_cmd.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "macrohard/hypercall.h"

#define CMD_WORDS 8

const char console_cmd_help[] =
	"console commands (Ctrl-A then ':', ended by Enter):\n"
	"  window VM ID focus|raise|close   ask VM's agent to focus, raise or close window ID\n"
	"  window VM ID move X Y W H        ask VM's agent for a new geometry of window ID\n"
	"  windows VM                       print VM's window table\n"
	"  help                             this text\n";

struct words {
	const char *s[CMD_WORDS];
	size_t len[CMD_WORDS];
	u32 n;
};

static bool word_is(const struct words *w, u32 i, const char *lit)
{
	return w->len[i] == str_len(lit) && !str_ncmp(w->s[i], lit, w->len[i]);
}

/* Splits at spaces and tabs; false when there are more than CMD_WORDS words. */
static bool split(const char *line, struct words *w)
{
	const char *p = line;

	w->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return true;
		if (w->n == CMD_WORDS)
			return false;
		w->s[w->n] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		w->len[w->n] = (size_t)(p - w->s[w->n]);
		w->n++;
	}
}

static int parse_unsigned(const struct words *w, u32 i, u64 min, u64 max, u64 *out)
{
	if (str_parse_u64(w->s[i], w->len[i], out) || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_signed(const struct words *w, u32 i, s64 min, s64 max, s32 *out)
{
	bool neg = w->len[i] > 1 && w->s[i][0] == '-';
	u64 v;

	if (str_parse_u64(w->s[i] + neg, w->len[i] - neg, &v) || v > (u64)1 << 32)
		return -EINVAL;
	if ((neg ? -(s64)v : (s64)v) < min || (neg ? -(s64)v : (s64)v) > max)
		return -EINVAL;
	*out = (s32)(neg ? -(s64)v : (s64)v);
	return 0;
}

static int parse_vm(const struct words *w, u32 i, struct console_cmd *cmd, const char **err)
{
	if (w->len[i] >= sizeof(cmd->vm)) {
		*err = "VM name too long";
		return -EINVAL;
	}
	memcpy(cmd->vm, w->s[i], w->len[i]);
	cmd->vm[w->len[i]] = 0;
	return 0;
}

static int parse_window(const struct words *w, struct console_cmd *cmd, const char **err)
{
	u64 id, size;

	if (w->n < 4) {
		*err = "usage: window VM ID focus|raise|close|move X Y W H";
		return -EINVAL;
	}
	if (parse_vm(w, 1, cmd, err))
		return -EINVAL;
	if (parse_unsigned(w, 2, 1, 0xffffffffULL, &id)) {
		*err = "window ID must be a number from 1 to 4294967295";
		return -EINVAL;
	}
	cmd->window = (u32)id;
	if (word_is(w, 3, "focus") || word_is(w, 3, "raise") || word_is(w, 3, "close")) {
		if (w->n != 4) {
			*err = "focus, raise and close take no arguments";
			return -EINVAL;
		}
		cmd->event = word_is(w, 3, "focus") ? HC_DISP_EV_FOCUS :
			     word_is(w, 3, "raise") ? HC_DISP_EV_RAISE : HC_DISP_EV_CLOSE;
		return 0;
	}
	if (!word_is(w, 3, "move")) {
		*err = "unknown window action (focus, raise, close or move)";
		return -EINVAL;
	}
	if (w->n != 8) {
		*err = "usage: window VM ID move X Y W H";
		return -EINVAL;
	}
	cmd->event = HC_DISP_EV_CONFIGURE;
	if (parse_signed(w, 4, HC_DISP_COORD_MIN, HC_DISP_COORD_MAX, &cmd->x) ||
	    parse_signed(w, 5, HC_DISP_COORD_MIN, HC_DISP_COORD_MAX, &cmd->y)) {
		*err = "X and Y must be numbers from -32768 to 32767";
		return -EINVAL;
	}
	if (parse_unsigned(w, 6, 1, HC_DISP_SIZE_MAX, &size)) {
		*err = "W and H must be numbers from 1 to 16384";
		return -EINVAL;
	}
	cmd->w = (u32)size;
	if (parse_unsigned(w, 7, 1, HC_DISP_SIZE_MAX, &size)) {
		*err = "W and H must be numbers from 1 to 16384";
		return -EINVAL;
	}
	cmd->h = (u32)size;
	return 0;
}

int console_cmd_parse(const char *line, struct console_cmd *cmd, const char **err)
{
	struct words w;

	memset(cmd, 0, sizeof(*cmd));
	*err = NULL;
	if (str_nlen(line, CONSOLE_CMD_MAX + 1) > CONSOLE_CMD_MAX) {
		*err = "command too long";
		return -EINVAL;
	}
	if (!split(line, &w)) {
		*err = "too many words";
		return -EINVAL;
	}
	if (!w.n) {
		cmd->kind = CONSOLE_CMD_EMPTY;
		return 0;
	}
	if (word_is(&w, 0, "help")) {
		if (w.n != 1) {
			*err = "usage: help";
			return -EINVAL;
		}
		cmd->kind = CONSOLE_CMD_HELP;
		return 0;
	}
	if (word_is(&w, 0, "windows")) {
		if (w.n != 2) {
			*err = "usage: windows VM";
			return -EINVAL;
		}
		cmd->kind = CONSOLE_CMD_WINDOWS;
		return parse_vm(&w, 1, cmd, err);
	}
	if (word_is(&w, 0, "window")) {
		cmd->kind = CONSOLE_CMD_WINDOW;
		return parse_window(&w, cmd, err);
	}
	*err = "unknown command (type :help)";
	return -EINVAL;
}
