/*
 * Console commands (vm/console_cmd.c): after Ctrl-A, ':' starts a line ended by Enter that
 * asks a VM's agent to act on one of its windows, or prints its window table (docs/guest.md).
 */
#ifndef VM_CONSOLE_CMD_H
#define VM_CONSOLE_CMD_H

#include "lib/types.h"

#define CONSOLE_CMD_MAX 96		/* bytes of one command line */
#define CONSOLE_CMD_NAME_MAX 32		/* bytes of a VM name including its NUL (VM_NAME_MAX) */

enum console_cmd_kind {
	CONSOLE_CMD_EMPTY,		/* a blank line: nothing to do */
	CONSOLE_CMD_HELP,		/* help */
	CONSOLE_CMD_WINDOWS,		/* windows VM */
	CONSOLE_CMD_WINDOW,		/* window VM ID focus|raise|close|move X Y W H */
};

struct console_cmd {
	enum console_cmd_kind kind;
	char vm[CONSOLE_CMD_NAME_MAX];
	u32 window;			/* not 0 */
	u32 event;			/* HC_DISP_EV_* */
	s32 x, y;			/* HC_DISP_EV_CONFIGURE: within the ranges of HC_DISPLAY */
	u32 w, h;
};

/*
 * Parses one command line (NUL-terminated, at most CONSOLE_CMD_MAX bytes).  Returns 0, or
 * -EINVAL with *err set to a message saying what is wrong (for the console).  Only the
 * syntax and the numbers are checked here; the VM and the window are looked up by the caller.
 */
int console_cmd_parse(const char *line, struct console_cmd *cmd, const char **err);

/* The help text, one command per line. */
extern const char console_cmd_help[];

#endif
