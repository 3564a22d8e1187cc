/*
 * guest-agent/libhc: compiled with the hypercall instruction replaced by a recording stub, each
 * wrapper must put the documented values in RAX, RBX, RCX, RDX and RSI and hand back RAX and the
 * RBX outputs; the structures it uses are the header's, at the documented offsets.
 */
// unit-deps:
#define LIBHC_TEST_HOOK
#include "guest-agent/libhc/libhc.c"
#include "tests/unit/unit.h"
#include <stddef.h>

static struct libhc_regs seen;
static int seen_amd, calls;
static uint64_t ret_rax, ret_rbx;

void libhc_test_hook(struct libhc_regs *r, int amd)
{
	seen = *r;
	seen_amd = amd;
	calls++;
	r->rax = ret_rax;
	r->rbx = ret_rbx;
}

static void answer(int64_t rax, uint64_t rbx)
{
	ret_rax = (uint64_t)rax;
	ret_rbx = rbx;
}

#define REGS(name, a, b, c, d, s)                                                          \
	do {                                                                               \
		CHECK(name ": rax", seen.rax == (uint64_t)(a));                            \
		CHECK(name ": rbx", seen.rbx == (uint64_t)(b));                            \
		CHECK(name ": rcx", seen.rcx == (uint64_t)(c));                            \
		CHECK(name ": rdx", seen.rdx == (uint64_t)(d));                            \
		CHECK(name ": rsi", seen.rsi == (uint64_t)(s));                            \
	} while (0)

#define P(x) ((uint64_t)(uintptr_t)(x))

int main(void)
{
	char buf[64];
	struct hc_version_info vi;
	struct hc_mem_entry map[4];
	struct hc_window win[2];
	struct hc_display_event ev;
	uint64_t out = 0;
	uint32_t out32 = 0;

	/* Layouts: the header's structures at the offsets docs/hypercalls.md gives. */
	CHECK_INT("hc_version_info size", sizeof(struct hc_version_info), HC_VERSION_INFO_SIZE);
	CHECK_INT("hc_version_info.build", offsetof(struct hc_version_info, build), 24);
	CHECK_INT("hc_mem_entry size", sizeof(struct hc_mem_entry), HC_MEM_ENTRY_SIZE);
	CHECK_INT("hc_mem_entry.type", offsetof(struct hc_mem_entry, type), 16);
	CHECK_INT("hc_window size", sizeof(struct hc_window), HC_WINDOW_SIZE);
	CHECK_INT("hc_window.flags", offsetof(struct hc_window, flags), 4);
	CHECK_INT("hc_window.y", offsetof(struct hc_window, y), 12);
	CHECK_INT("hc_window.h", offsetof(struct hc_window, h), 20);
	CHECK_INT("hc_window.reserved", offsetof(struct hc_window, reserved), 28);
	CHECK_INT("hc_window.title", offsetof(struct hc_window, title), 32);
	CHECK_INT("hc_display_event size", sizeof(struct hc_display_event), HC_DISPLAY_EVENT_SIZE);
	CHECK_INT("hc_display_event.window", offsetof(struct hc_display_event, window), 4);
	CHECK_INT("hc_display_event.h", offsetof(struct hc_display_event, h), 20);
	CHECK_INT("hc_display_event.reserved", offsetof(struct hc_display_event, reserved), 24);
	CHECK_INT("libhc_regs is five registers", sizeof(struct libhc_regs), 40);

	/* Before libhc_init the instruction is VMCALL; init picks by the host's vendor. */
	answer(0, 0);
	libhc_features();
	CHECK("before init: vmcall", !seen_amd);
	libhc_init();
	{
		uint32_t r[4];

		libhc_cpuid(0, r);
		libhc_features();
		CHECK("after init: the vendor's instruction",
		      seen_amd == (r[1] == 0x68747541 || r[1] == 0x6f677948));
	}

	answer(HC_ABI_VERSION, 0x100000002ULL);
	CHECK("version returns rax", libhc_version(&out) == HC_ABI_VERSION);
	REGS("version", HC_VERSION, 0, 0, 0, 0);
	CHECK("version: rbx out", out == 0x100000002ULL);
	libhc_version_info(&vi);
	REGS("version info", HC_VERSION, P(&vi), 64, 0, 0);
	answer(0x30077, 0);
	CHECK("features returns rax", libhc_features() == 0x30077);
	REGS("features", HC_FEATURES, 0, 0, 0, 0);

	answer(HC_ERR_TOO_BIG, 96);
	CHECK("memory map too big", libhc_memory_map(map, 24, &out) == HC_ERR_TOO_BIG && out == 96);
	REGS("memory map", HC_MEMORY_MAP, P(map), 24, 0, 0);
	answer(3, P(map));
	CHECK("memory map ok: need 0", libhc_memory_map(map, sizeof(map), &out) == 3 && out == 0);

	answer(123456, 0);
	CHECK("timer time", libhc_timer_time_ns() == 123456);
	REGS("timer time", HC_TIMER, HC_TIMER_GET_TIME, 0, 0, 0);
	libhc_timer_tsc_freq();
	REGS("timer tsc freq", HC_TIMER, HC_TIMER_GET_TSC_FREQ, 0, 0, 0);
	libhc_timer_arm(2, 1000000, 0x41, 1);
	REGS("timer arm periodic", HC_TIMER, HC_TIMER_ARM, 2, 1000000, 0x141);
	libhc_timer_arm(1, 50000, 0x30, 0);
	REGS("timer arm one-shot", HC_TIMER, HC_TIMER_ARM, 1, 50000, 0x30);
	libhc_timer_cancel(3);
	REGS("timer cancel", HC_TIMER, HC_TIMER_CANCEL, 3, 0, 0);

	answer(5, HC_IPC_END_B);
	CHECK("ipc open", libhc_ipc_open("a2b", 3, &out32) == 5 && out32 == HC_IPC_END_B);
	CHECK("ipc open: rcx is the name", seen.rcx != 0);
	REGS("ipc open", HC_IPC, HC_IPC_OPEN, seen.rcx, 3, 0);
	answer(0, 0);
	libhc_ipc_send(5, buf, 17);
	REGS("ipc send", HC_IPC, HC_IPC_SEND, 5, P(buf), 17);
	answer(HC_ERR_TOO_BIG, 300);
	CHECK("ipc recv too big", libhc_ipc_recv(5, buf, 64, &out) == HC_ERR_TOO_BIG && out == 300);
	REGS("ipc recv", HC_IPC, HC_IPC_RECV, 5, P(buf), 64);
	answer(2, 0);
	CHECK("ipc pending", libhc_ipc_pending(5) == 2);
	REGS("ipc pending", HC_IPC, HC_IPC_PENDING, 5, 0, 0);
	libhc_ipc_set_notify(5, 0x50);
	REGS("ipc set notify", HC_IPC, HC_IPC_SET_NOTIFY, 5, 0x50, 0);
	libhc_ipc_close(5);
	REGS("ipc close", HC_IPC, HC_IPC_CLOSE, 5, 0, 0);

	answer(0, 0);
	libhc_clip_announce(3, 0x1234);
	REGS("clip announce", HC_CLIPBOARD, HC_CLIP_ANNOUNCE, 3, 0x1234, 0);
	libhc_clip_write(HC_CLIP_FMT_PNG, buf, 45);
	REGS("clip write", HC_CLIPBOARD, HC_CLIP_WRITE, HC_CLIP_FMT_PNG, P(buf), 45);
	answer(10, 4000);
	CHECK("clip read", libhc_clip_read(HC_CLIP_FMT_TEXT, 4096, buf, 10, &out) == 10 && out == 4000);
	REGS("clip read", HC_CLIPBOARD, HC_CLIP_READ, 4096ULL << 32 | HC_CLIP_FMT_TEXT, P(buf), 10);
	answer(0x1234, 3);
	CHECK("clip query", libhc_clip_query(&out32) == 0x1234 && out32 == 3);
	REGS("clip query", HC_CLIPBOARD, HC_CLIP_QUERY, 0, 0, 0);

	answer(0, 0);
	libhc_disp_set_mode(HC_DISP_MODE_SEAMLESS);
	REGS("disp set mode", HC_DISPLAY, HC_DISP_SET_MODE, HC_DISP_MODE_SEAMLESS, 0, 0);
	libhc_disp_report(win, 2);
	REGS("disp report", HC_DISPLAY, HC_DISP_REPORT, P(win), 2, 0);
	answer(HC_ERR_WOULD_BLOCK, 0);
	CHECK("disp poll", libhc_disp_poll(&ev) == HC_ERR_WOULD_BLOCK);
	REGS("disp poll", HC_DISPLAY, HC_DISP_POLL, P(&ev), 32, 0);

	CHECK("one instruction per wrapper call", calls == 25);
	return unit_summary();
}
