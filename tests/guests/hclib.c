/*
 * libhc test guest (tests/configs/hclib.cfg, docs/hypercalls.md "Guest library"): calls every
 * guest-agent/libhc function from CPL 0 and from CPL 3 with good and bad input, then two VMs
 * running this image exchange IPC messages and the clipboard through libhc, lib-a receives the
 * host window events the harness types on the console, and lib-b checks that an IPC
 * notification is delivered while a fast periodic HC_TIMER vector keeps firing.
 * The role comes from the end of channel a2b the VM opens (lib-a is end A).
 */
#include "c/rt.h"
#include "libhc.h"

#define VEC_IPC 0x40		/* a2b and b2a notifications */
#define VEC_ONESHOT 0x41
#define VEC_WAIT 0x42		/* bounds each HLT of wait_for() */
#define VEC_TICK 0xf0		/* the fast periodic timer, above VEC_IPC */
#define TIMER_TICK 0
#define TIMER_CHECK 1
#define TIMER_WAIT 3
#define CLIP_SERIAL 0x5151
#define MS 1000000ULL

static const char clip_text[] = "clipboard from lib-a through libhc: \xc3\xa9t\xc3\xa9";
static const struct hc_window windows[2] = {
	{ .id = 7, .flags = HC_WIN_VISIBLE | HC_WIN_FOCUSED, .x = 10, .y = 20, .w = 640, .h = 480,
	  .z = 0, .title = "Editor" },
	{ .id = 9, .flags = HC_WIN_VISIBLE, .x = -5, .y = 0, .w = 300, .h = 200, .z = 1,
	  .title = "Viewer" },
};

#define KERN_NAME (RT_KERN_PAGE + 0x800)	/* "a2b", written at CPL 0 */

int memchr_nul(const char *s, size_t n);
static int role_a;
static uint64_t h_a2b, h_b2a;
static volatile unsigned ipc_irqs, oneshot_irqs, tick_irqs, wait_irqs, ticks_at_ipc;
static char name_buf[160];
static unsigned cur_cpl;

static void on_irq(unsigned vector)
{
	switch (vector) {
	case VEC_IPC:
		if (!ipc_irqs)
			ticks_at_ipc = tick_irqs;
		ipc_irqs++;
		break;
	case VEC_ONESHOT: oneshot_irqs++; break;
	case VEC_TICK: tick_irqs++; break;
	case VEC_WAIT: wait_irqs++; break;
	}
}

/* "hclib: cplN: what" */
static const char *nm(const char *what)
{
	const char *pre = "hclib: cpl";
	size_t n = 0;

	while (*pre)
		name_buf[n++] = *pre++;
	name_buf[n++] = (char)('0' + cur_cpl);
	name_buf[n++] = ':';
	name_buf[n++] = ' ';
	while (*what && n < sizeof(name_buf) - 1)
		name_buf[n++] = *what++;
	name_buf[n] = 0;
	return name_buf;
}

static void eq(const char *what, int64_t got, int64_t want)
{
	rt_expect_eq(nm(what), got, want);
}

static void ok(const char *what, int cond)
{
	rt_check(cond, nm(what), "false");
}

static int64_t raw(uint64_t nr, uint64_t rbx, uint64_t rcx, uint64_t rdx, uint64_t rsi)
{
	struct libhc_regs r = { nr, rbx, rcx, rdx, rsi };

	return libhc_raw(&r);
}

/* CPL 0 only: waits (HLT, bounded by a 1 ms timer) until cond() or timeout_ms have passed. */
static int wait_for(int (*cond)(void), uint64_t timeout_ms)
{
	int64_t end = libhc_timer_time_ns() + (int64_t)(timeout_ms * MS);

	/*
	 * A periodic 1 ms timer, not a one-shot re-armed before each HLT: should its interrupt
	 * ever be taken just before the HLT (an emulator that lets the STI shadow lapse across an
	 * exit), the next period still ends the wait instead of leaving the vCPU halted for good.
	 */
	libhc_timer_arm(TIMER_WAIT, MS, VEC_WAIT, 1);
	while (!cond()) {
		if (libhc_timer_time_ns() > end) {
			libhc_timer_cancel(TIMER_WAIT);
			return 0;
		}
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	libhc_timer_cancel(TIMER_WAIT);
	return 1;
}

/* ---------------------------------------------------------------- every call, one CPL */

static void check_version(void)
{
	struct hc_version_info info;
	uint64_t hv = 0;

	memset(&info, 0xff, sizeof(info));
	eq("libhc_version returns the abi version", libhc_version(&hv), HC_ABI_VERSION);
	eq("libhc_version_info", libhc_version_info(&info), HC_ABI_VERSION);
	eq("version_info.abi_major", info.abi_major, HC_ABI_MAJOR);
	eq("version_info.reserved is 0", info.reserved, 0);
	eq("libhc_version rbx matches version_info",
	   (int64_t)hv, (int64_t)((uint64_t)info.hv_major << 32 | info.hv_minor << 16 | info.hv_patch));
	ok("version_info.build is terminated", memchr_nul(info.build, sizeof(info.build)));
	eq("libhc_version_info into an unmapped page -> bad address",
	   libhc_version_info((struct hc_version_info *)RT_UNMAPPED), HC_ERR_BAD_ADDRESS);
	eq("libhc_version_info into a read-only page -> bad address",
	   libhc_version_info((struct hc_version_info *)RT_RO_PAGE), HC_ERR_BAD_ADDRESS);
	if (cur_cpl == 3)
		eq("libhc_version_info into a kernel page -> bad address",
		   libhc_version_info((struct hc_version_info *)RT_KERN_PAGE), HC_ERR_BAD_ADDRESS);
	else
		eq("libhc_version_info into a kernel page", libhc_version_info(
		   (struct hc_version_info *)RT_KERN_PAGE), HC_ABI_VERSION);
	eq("version with a 63-byte buffer -> too big",
	   raw(HC_VERSION, (uint64_t)(uintptr_t)&info, 63, 0, 0), HC_ERR_TOO_BIG);
	eq("unknown call 0x99", raw(0x99, 0, 0, 0, 0), HC_ERR_UNKNOWN_CALL);
}

static void check_features(void)
{
	uint64_t want = HC_FEAT_VERSION | HC_FEAT_FEATURES | HC_FEAT_MEMORY_MAP | HC_FEAT_TIMER |
			HC_FEAT_IPC | HC_FEAT_CLIPBOARD | HC_FEAT_DISPLAY | HC_FEAT_CROSS_VENDOR |
			HC_FEAT_USER;
	int64_t f = libhc_features();

	eq("libhc_features lists all seven calls, cross-vendor and user", f & (int64_t)want, (int64_t)want);
	ok("libhc_features bit 63 clear", f >= 0);
}

static void check_memory_map(void)
{
	static struct hc_mem_entry map[HC_MEMORY_MAP_MAX_ENTRIES];
	uint64_t need = 0;
	int64_t n;

	if (cur_cpl == 3) {
		eq("libhc_memory_map -> not permitted", libhc_memory_map(map, sizeof(map), &need),
		   HC_ERR_NOT_PERMITTED);
		return;
	}
	eq("libhc_memory_map size query -> too big", libhc_memory_map(NULL, 0, &need), HC_ERR_TOO_BIG);
	ok("libhc_memory_map: the size needed is whole entries", need && need % HC_MEM_ENTRY_SIZE == 0);
	n = libhc_memory_map(map, sizeof(map), NULL);
	eq("libhc_memory_map returns the entry count", n, (int64_t)(need / HC_MEM_ENTRY_SIZE));
	ok("libhc_memory_map: entry 0 is ram at 0", n > 0 && map[0].gpa == 0 && map[0].type == HC_MEM_RAM);
	eq("libhc_memory_map into an unmapped page -> bad address",
	   libhc_memory_map((struct hc_mem_entry *)RT_UNMAPPED, 4096, NULL), HC_ERR_BAD_ADDRESS);
	eq("libhc_memory_map into a read-only page -> bad address",
	   libhc_memory_map((struct hc_mem_entry *)RT_RO_PAGE, 4096, NULL), HC_ERR_BAD_ADDRESS);
}

static int oneshot_fired(void) { return oneshot_irqs > 0; }
static int five_ticks(void) { return tick_irqs >= 5; }

static void check_timer(void)
{
	int64_t t0, t1;

	if (cur_cpl == 3) {
		eq("libhc_timer_time_ns -> not permitted", libhc_timer_time_ns(), HC_ERR_NOT_PERMITTED);
		eq("libhc_timer_tsc_freq -> not permitted", libhc_timer_tsc_freq(), HC_ERR_NOT_PERMITTED);
		eq("libhc_timer_arm -> not permitted", libhc_timer_arm(TIMER_CHECK, MS, VEC_ONESHOT, 0),
		   HC_ERR_NOT_PERMITTED);
		eq("libhc_timer_cancel -> not permitted", libhc_timer_cancel(TIMER_CHECK),
		   HC_ERR_NOT_PERMITTED);
		return;
	}
	t0 = libhc_timer_time_ns();
	t1 = libhc_timer_time_ns();
	ok("libhc_timer_time_ns is monotonic", t0 > 0 && t1 >= t0);
	ok("libhc_timer_tsc_freq is at least 1 MHz", libhc_timer_tsc_freq() >= 1000000);
	oneshot_irqs = 0;
	eq("libhc_timer_arm one-shot", libhc_timer_arm(TIMER_CHECK, 100000, VEC_ONESHOT, 0), 0);
	ok("one-shot timer interrupt arrives", wait_for(oneshot_fired, 5000));
	eq("libhc_timer_cancel after it fired -> 0", libhc_timer_cancel(TIMER_CHECK), 0);
	tick_irqs = 0;
	eq("libhc_timer_arm periodic", libhc_timer_arm(TIMER_TICK, 200000, VEC_TICK, 1), 0);
	ok("periodic timer fires five times", wait_for(five_ticks, 5000));
	eq("libhc_timer_cancel of an armed timer -> 1", libhc_timer_cancel(TIMER_TICK), 1);
	eq("libhc_timer_cancel again -> 0", libhc_timer_cancel(TIMER_TICK), 0);
	eq("libhc_timer_arm timer 4 -> not found", libhc_timer_arm(HC_TIMER_COUNT, MS, VEC_ONESHOT, 0),
	   HC_ERR_NOT_FOUND);
	eq("libhc_timer_arm vector 31 -> invalid", libhc_timer_arm(TIMER_CHECK, MS, 31, 0), HC_ERR_INVALID);
	eq("libhc_timer_arm below the minimum -> invalid",
	   libhc_timer_arm(TIMER_CHECK, HC_TIMER_MIN_NS - 1, VEC_ONESHOT, 1), HC_ERR_INVALID);
	eq("libhc_timer_arm over an hour -> invalid",
	   libhc_timer_arm(TIMER_CHECK, HC_TIMER_MAX_NS + 1, VEC_ONESHOT, 0), HC_ERR_INVALID);
	eq("libhc_timer_cancel timer 4 -> not found", libhc_timer_cancel(HC_TIMER_COUNT), HC_ERR_NOT_FOUND);
	eq("timer sub-operation 9 -> unknown op", raw(HC_TIMER, 9, 0, 0, 0), HC_ERR_UNKNOWN_OP);
}

static void check_ipc_args(void)
{
	static char big[HC_IPC_MSG_MAX + 1];
	uint32_t end = 7;

	eq("libhc_ipc_open again returns the same handle", libhc_ipc_open("a2b", 3, &end),
	   (int64_t)h_a2b);
	eq("libhc_ipc_open reports the same end", end, role_a ? HC_IPC_END_A : HC_IPC_END_B);
	eq("libhc_ipc_open of an undeclared channel -> not found", libhc_ipc_open("nosuch", 6, NULL),
	   HC_ERR_NOT_FOUND);
	eq("libhc_ipc_open with length 0 -> invalid", libhc_ipc_open("a2b", 0, NULL), HC_ERR_INVALID);
	eq("libhc_ipc_open with a 32-byte name -> invalid",
	   libhc_ipc_open("a2baaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32, NULL), HC_ERR_INVALID);
	eq("libhc_ipc_open with a NUL in the name -> invalid", libhc_ipc_open("a2b\0x", 5, NULL),
	   HC_ERR_INVALID);
	eq("libhc_ipc_open of an unmapped name -> bad address",
	   libhc_ipc_open((const char *)RT_UNMAPPED, 3, NULL), HC_ERR_BAD_ADDRESS);
	if (cur_cpl == 3) {
		eq("libhc_ipc_open of a name in a kernel page -> bad address",
		   libhc_ipc_open((const char *)KERN_NAME, 3, NULL), HC_ERR_BAD_ADDRESS);
	} else {
		eq("libhc_ipc_open of a name in a kernel page", libhc_ipc_open((const char *)KERN_NAME, 3,
		   NULL), (int64_t)h_a2b);
	}
	eq("libhc_ipc_pending of a handle never opened -> not found", libhc_ipc_pending(12345),
	   HC_ERR_NOT_FOUND);
	eq("libhc_ipc_send on a handle never opened -> not found", libhc_ipc_send(99, "x", 1),
	   HC_ERR_NOT_FOUND);
	eq("libhc_ipc_set_notify vector 31 -> invalid", libhc_ipc_set_notify(h_a2b, 31), HC_ERR_INVALID);
	eq("ipc sub-operation 6 -> unknown op", raw(HC_IPC, 6, h_a2b, 0, 0), HC_ERR_UNKNOWN_OP);
	if (role_a) {
		eq("libhc_ipc_send of 4097 bytes -> too big", libhc_ipc_send(h_a2b, big, sizeof(big)),
		   HC_ERR_TOO_BIG);
		eq("libhc_ipc_send from an unmapped page -> bad address",
		   libhc_ipc_send(h_a2b, (const void *)RT_UNMAPPED, 8), HC_ERR_BAD_ADDRESS);
		if (cur_cpl == 3)
			eq("libhc_ipc_send from a kernel page -> bad address",
			   libhc_ipc_send(h_a2b, (const void *)RT_KERN_PAGE, 8), HC_ERR_BAD_ADDRESS);
		eq("libhc_ipc_recv against the direction -> not permitted",
		   libhc_ipc_recv(h_a2b, big, sizeof(big), NULL), HC_ERR_NOT_PERMITTED);
		eq("libhc_ipc_send on b2a against the direction -> not permitted",
		   libhc_ipc_send(h_b2a, "x", 1), HC_ERR_NOT_PERMITTED);
	} else {
		eq("libhc_ipc_send against the direction -> not permitted", libhc_ipc_send(h_a2b, "x", 1),
		   HC_ERR_NOT_PERMITTED);
		eq("libhc_ipc_recv on b2a against the direction -> not permitted",
		   libhc_ipc_recv(h_b2a, big, sizeof(big), NULL), HC_ERR_NOT_PERMITTED);
	}
}

static void check_clipboard_args(void)
{
	uint32_t mask = 0xdead;
	char buf[8];

	ok("libhc_clip_query", libhc_clip_query(&mask) >= 0);
	eq("clipboard sub-operation 4 -> unknown op", raw(HC_CLIPBOARD, 4, 0, 0, 0), HC_ERR_UNKNOWN_OP);
	if (role_a) {
		/* copy-out: announce and write, never read. */
		eq("libhc_clip_announce mask 0 -> invalid", libhc_clip_announce(0, 1), HC_ERR_INVALID);
		eq("libhc_clip_announce serial 0 -> invalid", libhc_clip_announce(1, 0), HC_ERR_INVALID);
		eq("libhc_clip_announce unknown format bit -> invalid", libhc_clip_announce(4, 1),
		   HC_ERR_INVALID);
		eq("libhc_clip_read by a copy-out vm -> not permitted",
		   libhc_clip_read(HC_CLIP_FMT_TEXT, 0, buf, sizeof(buf), NULL), HC_ERR_NOT_PERMITTED);
	} else {
		/* paste-in: read, never announce or write. */
		eq("libhc_clip_announce by a paste-in vm -> not permitted",
		   libhc_clip_announce(1 << HC_CLIP_FMT_TEXT, 3), HC_ERR_NOT_PERMITTED);
		eq("libhc_clip_write by a paste-in vm -> not permitted",
		   libhc_clip_write(HC_CLIP_FMT_TEXT, "x", 1), HC_ERR_NOT_PERMITTED);
	}
}

static void check_display_args(void)
{
	static struct hc_display_event ev;
	static struct hc_window bad[2];

	if (!role_a) {
		eq("libhc_disp_set_mode with display = none -> not permitted",
		   libhc_disp_set_mode(HC_DISP_MODE_SEAMLESS), HC_ERR_NOT_PERMITTED);
		eq("libhc_disp_report with display = none -> not permitted",
		   libhc_disp_report(windows, 2), HC_ERR_NOT_PERMITTED);
		eq("libhc_disp_poll with display = none -> not permitted", libhc_disp_poll(&ev),
		   HC_ERR_NOT_PERMITTED);
		return;
	}
	eq("libhc_disp_set_mode off", libhc_disp_set_mode(HC_DISP_MODE_OFF), 0);
	eq("libhc_disp_report before seamless mode -> not permitted", libhc_disp_report(windows, 2),
	   HC_ERR_NOT_PERMITTED);
	eq("libhc_disp_poll before seamless mode -> not permitted", libhc_disp_poll(&ev),
	   HC_ERR_NOT_PERMITTED);
	eq("libhc_disp_set_mode 2 -> invalid", libhc_disp_set_mode(2), HC_ERR_INVALID);
	eq("libhc_disp_set_mode seamless", libhc_disp_set_mode(HC_DISP_MODE_SEAMLESS), 0);
	eq("libhc_disp_report two windows", libhc_disp_report(windows, 2), 2);
	eq("libhc_disp_report of 65 windows -> invalid", libhc_disp_report(windows, 65), HC_ERR_INVALID);
	eq("libhc_disp_report from an unmapped page -> bad address",
	   libhc_disp_report((const struct hc_window *)RT_UNMAPPED, 1), HC_ERR_BAD_ADDRESS);
	bad[0] = windows[0];
	bad[1] = windows[0];
	bad[1].z = 1;
	eq("libhc_disp_report with duplicate ids -> invalid", libhc_disp_report(bad, 2), HC_ERR_INVALID);
	bad[1] = windows[1];
	bad[1].w = HC_DISP_SIZE_MAX + 1;
	eq("libhc_disp_report with a width over the bound -> invalid", libhc_disp_report(bad, 2),
	   HC_ERR_INVALID);
	eq("libhc_disp_poll with no host events -> would block", libhc_disp_poll(&ev),
	   HC_ERR_WOULD_BLOCK);
	eq("display poll into 31 bytes -> too big",
	   raw(HC_DISPLAY, HC_DISP_POLL, (uint64_t)(uintptr_t)&ev, 31, 0), HC_ERR_TOO_BIG);
	eq("display sub-operation 3 -> unknown op", raw(HC_DISPLAY, 3, 0, 0, 0), HC_ERR_UNKNOWN_OP);
}

static long all_calls(void *arg)
{
	(void)arg;
	cur_cpl = rt_cpl();
	check_version();
	check_features();
	check_memory_map();
	check_timer();
	check_ipc_args();
	check_clipboard_args();
	check_display_args();
	return 0;
}

int memchr_nul(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- two VMs */

static int64_t user_result;

static long a_send_cpl3(void *arg)
{
	(void)arg;
	cur_cpl = 3;
	eq("agent a: libhc_clip_announce text", libhc_clip_announce(1 << HC_CLIP_FMT_TEXT, CLIP_SERIAL), 0);
	eq("agent a: libhc_clip_write of more than 1 MiB -> too big",
	   libhc_clip_write(HC_CLIP_FMT_TEXT, clip_text, HC_CLIP_MAX + 1), HC_ERR_TOO_BIG);
	eq("agent a: libhc_clip_write from an unmapped page -> bad address",
	   libhc_clip_write(HC_CLIP_FMT_TEXT, (const void *)RT_UNMAPPED, 16), HC_ERR_BAD_ADDRESS);
	eq("agent a: libhc_clip_write from a kernel page -> bad address",
	   libhc_clip_write(HC_CLIP_FMT_TEXT, (const void *)RT_KERN_PAGE, 16), HC_ERR_BAD_ADDRESS);
	eq("agent a: libhc_clip_write of png not announced -> not found",
	   libhc_clip_write(HC_CLIP_FMT_PNG, clip_text, 8), HC_ERR_NOT_FOUND);
	eq("agent a: libhc_clip_write format 2 -> invalid", libhc_clip_write(2, clip_text, 4),
	   HC_ERR_INVALID);
	eq("agent a: libhc_clip_write text", libhc_clip_write(HC_CLIP_FMT_TEXT, clip_text,
	   sizeof(clip_text) - 1), 0);
	eq("agent a: libhc_ipc_send at cpl 3", libhc_ipc_send(h_a2b, "a to b at cpl 3", 15), 0);
	return 0;
}

static int have_two(void) { return libhc_ipc_pending(h_a2b) >= 2; }
static int have_b2a(void) { return libhc_ipc_pending(h_b2a) >= 1; }
static int clip_announced(void) { return libhc_clip_query(NULL) == CLIP_SERIAL; }

static long b_recv_cpl3(void *arg)
{
	char buf[64];
	uint64_t total = 0;
	char clip[sizeof(clip_text)];
	size_t got = 0;
	int64_t n;

	(void)arg;
	cur_cpl = 3;
	eq("agent b: libhc_ipc_recv into a kernel page -> bad address",
	   libhc_ipc_recv(h_a2b, (void *)RT_KERN_PAGE, 64, NULL), HC_ERR_BAD_ADDRESS);
	n = libhc_ipc_recv(h_a2b, buf, sizeof(buf), NULL);
	rt_check(n == 15 && !memcmp(buf, "a to b at cpl 3", 15), "hclib: agent b: message a -> b at cpl 3 delivered",
		 "length %lld", (long long)n);
	/* The clipboard in chunks of 7 bytes at increasing offsets. */
	eq("agent b: libhc_clip_read size query", libhc_clip_read(HC_CLIP_FMT_TEXT, 0, NULL, 0, &total), 0);
	eq("agent b: ... total length", (int64_t)total, sizeof(clip_text) - 1);
	while (got < sizeof(clip_text) - 1) {
		n = libhc_clip_read(HC_CLIP_FMT_TEXT, (uint32_t)got, clip + got, 7, NULL);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	rt_check(got == sizeof(clip_text) - 1 && !memcmp(clip, clip_text, got),
		 "hclib: agent b: clipboard read in chunks is what a wrote", "got %lu bytes", (unsigned long)got);
	eq("agent b: libhc_clip_read at the end -> 0",
	   libhc_clip_read(HC_CLIP_FMT_TEXT, (uint32_t)got, clip, 7, NULL), 0);
	eq("agent b: libhc_clip_read beyond the end -> invalid",
	   libhc_clip_read(HC_CLIP_FMT_TEXT, (uint32_t)got + 1, clip, 7, NULL), HC_ERR_INVALID);
	eq("agent b: libhc_clip_read into a read-only page -> bad address",
	   libhc_clip_read(HC_CLIP_FMT_TEXT, 0, (void *)RT_RO_PAGE, 7, NULL), HC_ERR_BAD_ADDRESS);
	eq("agent b: libhc_clip_read into a kernel page -> bad address",
	   libhc_clip_read(HC_CLIP_FMT_TEXT, 0, (void *)RT_KERN_PAGE, 7, NULL), HC_ERR_BAD_ADDRESS);
	eq("agent b: libhc_clip_read of png not written -> not found",
	   libhc_clip_read(HC_CLIP_FMT_PNG, 0, clip, 7, NULL), HC_ERR_NOT_FOUND);
	eq("agent b: libhc_clip_read format 5 -> invalid", libhc_clip_read(5, 0, clip, 7, NULL),
	   HC_ERR_INVALID);
	return 0;
}

static int ev_seen;
static struct hc_display_event ev_got;

/* Waits for a host event without taking it: a poll into a read-only page fails with bad
 * address while one is queued (the event stays), and would block while none is. */
static int event_queued(void)
{
	return libhc_disp_poll((struct hc_display_event *)RT_RO_PAGE) == HC_ERR_BAD_ADDRESS;
}

static long a_poll_cpl3(void *arg)
{
	(void)arg;
	cur_cpl = 3;
	user_result = libhc_disp_poll(&ev_got);
	return 0;
}

static const char *ev_name(uint32_t t)
{
	switch (t) {
	case HC_DISP_EV_FOCUS: return "focus";
	case HC_DISP_EV_RAISE: return "raise";
	case HC_DISP_EV_CLOSE: return "close";
	case HC_DISP_EV_CONFIGURE: return "configure";
	}
	return "unknown";
}

static void agent_a(void)
{
	static struct hc_display_event ev;
	int64_t n;

	cur_cpl = 0;
	eq("agent a: libhc_ipc_send at cpl 0", libhc_ipc_send(h_a2b, "a to b at cpl 0", 15), 0);
	rt_user_call(a_send_cpl3, NULL);
	cur_cpl = 0;
	eq("agent a: libhc_clip_query serial", libhc_clip_query(NULL), CLIP_SERIAL);

	/* Host events: the harness types console commands once it sees this line. */
	rt_puts("hclib: MH-WINDOWS-READY\n");
	for (int i = 0; i < 2; i++) {
		if (!rt_check(wait_for(event_queued, 120000), "hclib: agent a: host event queued",
			      "none within 120 s"))
			break;
		if (i == 0) {
			rt_user_call(a_poll_cpl3, NULL);
			n = user_result;
			ev = ev_got;
		} else {
			n = libhc_disp_poll(&ev);
		}
		rt_printf("hclib: event %s window %u %d %d %u %u (cpl%d, %lld left)\n", ev_name(ev.type),
			  ev.window, ev.x, ev.y, ev.w, ev.h, i ? 0 : 3, (long long)n);
		ev_seen++;
	}
	cur_cpl = 0;
	eq("agent a: no further host events (the refused commands posted nothing)",
	   libhc_disp_poll(&ev), HC_ERR_WOULD_BLOCK);

	/* The notification check of lib-b: "start", wait for its "ready", answer "go". */
	eq("agent a: libhc_ipc_set_notify on b2a", libhc_ipc_set_notify(h_b2a, VEC_IPC), 0);
	eq("agent a: libhc_ipc_send start", libhc_ipc_send(h_a2b, "start", 5), 0);
	if (rt_check(wait_for(have_b2a, 120000), "hclib: agent a: ready from b", "nothing within 120 s")) {
		char buf[16];

		n = libhc_ipc_recv(h_b2a, buf, sizeof(buf), NULL);
		rt_check(n == 5 && !memcmp(buf, "ready", 5), "hclib: agent a: b says ready", "length %lld",
			 (long long)n);
		eq("agent a: libhc_ipc_send go", libhc_ipc_send(h_a2b, "go", 2), 0);
	}
	eq("agent a: libhc_ipc_close", libhc_ipc_close(h_b2a), 0);
	eq("agent a: libhc_ipc_pending after close -> not found", libhc_ipc_pending(h_b2a), HC_ERR_NOT_FOUND);
}

static int have_one(void) { return libhc_ipc_pending(h_a2b) >= 1; }

static void agent_b(void)
{
	char buf[64];
	uint64_t need = 0;
	int64_t n;
	uint64_t tsc_limit;
	int64_t end_ns;

	cur_cpl = 0;
	eq("agent b: libhc_ipc_set_notify on a2b", libhc_ipc_set_notify(h_a2b, VEC_IPC), 0);
	if (!rt_check(wait_for(have_two, 120000), "hclib: agent b: two messages from a", "pending %lld",
		      (long long)libhc_ipc_pending(h_a2b)))
		return;
	ok("agent b: the notification vector was raised", ipc_irqs > 0);
	eq("agent b: libhc_ipc_recv into 4 bytes -> too big", libhc_ipc_recv(h_a2b, buf, 4, &need),
	   HC_ERR_TOO_BIG);
	eq("agent b: ... with the message length", (int64_t)need, 15);
	eq("agent b: libhc_ipc_recv into an unmapped page -> bad address",
	   libhc_ipc_recv(h_a2b, (void *)RT_UNMAPPED, 64, NULL), HC_ERR_BAD_ADDRESS);
	eq("agent b: libhc_ipc_recv into a read-only page -> bad address",
	   libhc_ipc_recv(h_a2b, (void *)RT_RO_PAGE, 64, NULL), HC_ERR_BAD_ADDRESS);
	eq("agent b: ... the messages stay queued", libhc_ipc_pending(h_a2b), 2);
	n = libhc_ipc_recv(h_a2b, buf, sizeof(buf), NULL);
	rt_check(n == 15 && !memcmp(buf, "a to b at cpl 0", 15), "hclib: agent b: message a -> b at cpl 0 delivered",
		 "length %lld", (long long)n);
	if (!rt_check(wait_for(clip_announced, 120000), "hclib: agent b: a announced the clipboard",
		      "serial %lld", (long long)libhc_clip_query(NULL)))
		return;
	rt_user_call(b_recv_cpl3, NULL);
	cur_cpl = 0;
	eq("agent b: libhc_ipc_recv with nothing queued -> would block",
	   libhc_ipc_recv(h_a2b, buf, sizeof(buf), NULL), HC_ERR_WOULD_BLOCK);

	/*
	 * An IPC notification behind a periodic timer with a higher vector: with interrupts
	 * disabled, both become pending (the "go" from lib-a and at least one period); then STI.
	 * The timer vector goes first; the notification must follow as soon as the timer's
	 * handler returns (the hypervisor asks for an interrupt window while a vector is still
	 * pending), not only at the next exit, which while the guest spins is the timer's next
	 * deadline, where the timer wins again.
	 */
	if (!rt_check(wait_for(have_one, 600000), "hclib: agent b: start from a", "nothing within 600 s"))
		return;
	n = libhc_ipc_recv(h_a2b, buf, sizeof(buf), NULL);
	rt_check(n == 5 && !memcmp(buf, "start", 5), "hclib: agent b: a says start", "length %lld",
		 (long long)n);
	eq("agent b: libhc_timer_arm periodic 1 ms", libhc_timer_arm(TIMER_TICK, MS, VEC_TICK, 1), 0);
	eq("agent b: libhc_ipc_send ready", libhc_ipc_send(h_b2a, "ready", 5), 0);
	end_ns = libhc_timer_time_ns() + 600000 * (int64_t)MS;
	while (libhc_ipc_pending(h_a2b) < 1 && libhc_timer_time_ns() < end_ns)
		;
	if (!rt_check(libhc_ipc_pending(h_a2b) >= 1, "hclib: agent b: go from a arrived",
		      "nothing within 600 s"))
		return;
	/* Two periods with interrupts disabled, so the timer vector is pending too. */
	tsc_limit = rt_rdtsc() + (uint64_t)libhc_timer_tsc_freq() / 500;
	while (rt_rdtsc() < tsc_limit)
		;
	ipc_irqs = 0;
	tick_irqs = 0;
	ticks_at_ipc = ~0u;
	tsc_limit = rt_rdtsc() + (uint64_t)libhc_timer_tsc_freq() * 5;
	rt_sti();
	while (!ipc_irqs && tick_irqs < 5000 && rt_rdtsc() < tsc_limit)
		;
	rt_cli();
	eq("agent b: libhc_timer_cancel of the periodic timer", libhc_timer_cancel(TIMER_TICK), 1);
	rt_printf("hclib: agent b: notification after %u timer interrupts\n", ticks_at_ipc);
	rt_check(ipc_irqs > 0, "hclib: agent b: ipc notification delivered while a periodic timer fires",
		 "none after %u timer interrupts", tick_irqs);
	/*
	 * One more timer interrupt may go first: a period that ends while the first handler
	 * runs (some 100 us under an emulator, against a 1 ms period) makes the timer's
	 * vector pending again at the window exit, and the higher vector wins, as on hardware.
	 * Starved, the notification would wait for an exit where the timer is not pending,
	 * thousands of periods.
	 */
	rt_check(ticks_at_ipc <= 2, "hclib: agent b: ... within two timer interrupts",
		 "after %u", ticks_at_ipc);
	n = libhc_ipc_recv(h_a2b, buf, sizeof(buf), NULL);
	rt_check(n == 2 && !memcmp(buf, "go", 2), "hclib: agent b: go from a", "length %lld", (long long)n);
}

void test_main(void)
{
	uint32_t end = 9;
	int64_t h;

	rt_idt_set_irq(VEC_IPC);
	rt_idt_set_irq(VEC_ONESHOT);
	rt_idt_set_irq(VEC_WAIT);
	rt_idt_set_irq(VEC_TICK);
	rt_irq_handler[VEC_IPC] = on_irq;
	rt_irq_handler[VEC_ONESHOT] = on_irq;
	rt_irq_handler[VEC_WAIT] = on_irq;
	rt_irq_handler[VEC_TICK] = on_irq;
	/* The name for the kernel-page check, written while it is writable (CPL 0). */
	memcpy((void *)KERN_NAME, "a2b", 3);

	rt_check(libhc_init() == 1, "hclib: libhc_init finds the MACROHARD signature", "not found");
	h = libhc_ipc_open("a2b", 3, &end);
	if (!rt_check(h >= 0, "hclib: libhc_ipc_open a2b", "%lld", (long long)h))
		rt_exit();
	h_a2b = (uint64_t)h;
	role_a = end == HC_IPC_END_A;
	rt_printf("hclib: role %s\n", role_a ? "a" : "b");
	h = libhc_ipc_open("b2a", 3, &end);
	rt_check(h >= 0 && end == (role_a ? HC_IPC_END_B : HC_IPC_END_A), "hclib: libhc_ipc_open b2a",
		 "%lld end %u", (long long)h, end);
	h_b2a = (uint64_t)h;

	all_calls(NULL);
	rt_user_call(all_calls, NULL);
	if (role_a)
		agent_a();
	else
		agent_b();
}
