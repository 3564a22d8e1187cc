/*
 * The console command parser (vm/console_cmd.c): every command, and malformed lines (unknown
 * words, missing or extra arguments, numbers out of HC_DISPLAY's ranges, overlong input).
 */
// unit-deps: vm/console_cmd.c lib/string.c
#include "tests/unit/unit.h"
#include "vm/console_cmd.h"
#include "lib/errno.h"
#include "macrohard/hypercall.h"

static struct console_cmd cmd;
static const char *err;

static int parse(const char *line)
{
	return console_cmd_parse(line, &cmd, &err);
}

static void bad(const char *line, const char *msg)
{
	char name[160];

	snprintf(name, sizeof(name), "refused: \"%s\"", line);
	unit_check(parse(line) == -EINVAL && err && strstr(err, msg), name, "err %s", err ? err : "(none)");
}

int main(void)
{
	char longline[CONSOLE_CMD_MAX + 2];

	unit_check(!parse("") && cmd.kind == CONSOLE_CMD_EMPTY, "empty line", "kind %d", cmd.kind);
	unit_check(!parse("  \t ") && cmd.kind == CONSOLE_CMD_EMPTY, "blank line", "kind %d", cmd.kind);
	unit_check(!parse("help") && cmd.kind == CONSOLE_CMD_HELP, "help", "kind %d", cmd.kind);
	unit_check(!parse(" windows lib-a ") && cmd.kind == CONSOLE_CMD_WINDOWS && !strcmp(cmd.vm, "lib-a"),
		   "windows VM", "vm %s", cmd.vm);
	unit_check(!parse("window lib-b 7 focus") && cmd.kind == CONSOLE_CMD_WINDOW &&
		   !strcmp(cmd.vm, "lib-b") && cmd.window == 7 && cmd.event == HC_DISP_EV_FOCUS,
		   "window VM ID focus", "event %u", cmd.event);
	unit_check(!parse("window a 0x10 raise") && cmd.window == 16 && cmd.event == HC_DISP_EV_RAISE,
		   "window ID in hex, raise", "window %u", cmd.window);
	unit_check(!parse("window a 4294967295 close") && cmd.window == 0xffffffffu &&
		   cmd.event == HC_DISP_EV_CLOSE, "largest window id, close", "window %u", cmd.window);
	unit_check(!parse("window a 9 move -32768 32767 1 16384") && cmd.event == HC_DISP_EV_CONFIGURE &&
		   cmd.x == -32768 && cmd.y == 32767 && cmd.w == 1 && cmd.h == 16384,
		   "move at the edges of the ranges", "%d %d %u %u", cmd.x, cmd.y, cmd.w, cmd.h);
	unit_check(!parse("window\ta\t9\tmove\t-0\t0\t640\t480") && cmd.x == 0 && cmd.w == 640,
		   "tabs separate words; -0 is 0", "%d", cmd.x);

	bad("frobnicate", "unknown command");
	bad("help me", "usage: help");
	bad("windows", "usage: windows VM");
	bad("windows a b", "usage: windows VM");
	bad("window a 7", "usage: window");
	bad("window a 0 focus", "window ID");
	bad("window a 4294967296 focus", "window ID");
	bad("window a -1 focus", "window ID");
	bad("window a 7x focus", "window ID");
	bad("window a 7 shake", "unknown window action");
	bad("window a 7 focus now", "take no arguments");
	bad("window a 7 move 1 2 3", "usage: window VM ID move");
	bad("window a 7 move 1 2 3 4 5", "too many words");
	bad("window a 7 move -32769 0 10 10", "X and Y");
	bad("window a 7 move 0 32768 10 10", "X and Y");
	bad("window a 7 move 0 - 10 10", "X and Y");
	bad("window a 7 move 0 -99999999999999999999 10 10", "X and Y");
	bad("window a 7 move 0 0 0 10", "W and H");
	bad("window a 7 move 0 0 10 16385", "W and H");
	bad("window a 7 move 0 0 -10 10", "W and H");
	bad("window abcdefghijklmnopqrstuvwxyz012345 7 focus", "VM name too long");
	bad("windows abcdefghijklmnopqrstuvwxyz012345", "VM name too long");
	unit_check(!parse("windows abcdefghijklmnopqrstuvwxyz01234") && !strcmp(cmd.vm, "abcdefghijklmnopqrstuvwxyz01234"),
		   "a VM name of 31 bytes", "vm %s", cmd.vm);
	memset(longline, ' ', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	bad(longline, "too long");
	longline[CONSOLE_CMD_MAX] = 0;
	unit_check(!parse(longline) && cmd.kind == CONSOLE_CMD_EMPTY, "a line of CONSOLE_CMD_MAX bytes",
		   "kind %d", cmd.kind);
	return unit_summary();
}
