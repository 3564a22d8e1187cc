/* libhc (libhc.h): register marshalling of every MACROHARD hypercall and the choice of
 * VMCALL or VMMCALL.  Freestanding: needs only <stdint.h> and <stddef.h>. */
#include "libhc.h"

static int libhc_amd;

static void libhc_cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

int libhc_init(void)
{
	uint32_t r[4];

	libhc_cpuid(0, r);
	/* "AuthenticAMD" and "HygonGenuine" use VMMCALL. */
	libhc_amd = (r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163) ||
		    (r[1] == 0x6f677948 && r[3] == 0x6e65476e && r[2] == 0x656e6975);
	libhc_cpuid(0x40000000, r);
	return r[1] == 0x5243414d && r[2] == 0x5241484f && r[3] == 0x44;	/* "MACROHARD" */
}

#ifdef LIBHC_TEST_HOOK
/* Host tests replace the instruction with a function that records and answers the call. */
void libhc_test_hook(struct libhc_regs *r, int amd);
#endif

int64_t libhc_raw(struct libhc_regs *r)
{
#ifdef LIBHC_TEST_HOOK
	libhc_test_hook(r, libhc_amd);
#else
	if (libhc_amd)
		__asm__ volatile("vmmcall"
				 : "+a"(r->rax), "+b"(r->rbx)
				 : "c"(r->rcx), "d"(r->rdx), "S"(r->rsi)
				 : "memory");
	else
		__asm__ volatile("vmcall"
				 : "+a"(r->rax), "+b"(r->rbx)
				 : "c"(r->rcx), "d"(r->rdx), "S"(r->rsi)
				 : "memory");
#endif
	return (int64_t)r->rax;
}

static int64_t hc(uint64_t nr, uint64_t rbx, uint64_t rcx, uint64_t rdx, uint64_t rsi,
		  uint64_t *rbx_out)
{
	struct libhc_regs r = { nr, rbx, rcx, rdx, rsi };
	int64_t ret = libhc_raw(&r);

	if (rbx_out)
		*rbx_out = r.rbx;
	return ret;
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int64_t libhc_version(uint64_t *hv_version)
{
	return hc(HC_VERSION, 0, 0, 0, 0, hv_version);
}

int64_t libhc_version_info(struct hc_version_info *info)
{
	return hc(HC_VERSION, ptr(info), sizeof(*info), 0, 0, NULL);
}

int64_t libhc_features(void)
{
	return hc(HC_FEATURES, 0, 0, 0, 0, NULL);
}

int64_t libhc_memory_map(struct hc_mem_entry *map, uint64_t size, uint64_t *need)
{
	struct libhc_regs r = { HC_MEMORY_MAP, ptr(map), size, 0, 0 };
	int64_t ret = libhc_raw(&r);

	/* RBX holds the size needed only after HC_ERR_TOO_BIG; otherwise it is the buffer. */
	if (need)
		*need = ret == HC_ERR_TOO_BIG ? r.rbx : 0;
	return ret;
}

int64_t libhc_timer_time_ns(void)
{
	return hc(HC_TIMER, HC_TIMER_GET_TIME, 0, 0, 0, NULL);
}

int64_t libhc_timer_tsc_freq(void)
{
	return hc(HC_TIMER, HC_TIMER_GET_TSC_FREQ, 0, 0, 0, NULL);
}

int64_t libhc_timer_arm(uint32_t timer, uint64_t ns, uint8_t vector, int periodic)
{
	return hc(HC_TIMER, HC_TIMER_ARM, timer, ns, vector | (periodic ? HC_TIMER_PERIODIC : 0),
		  NULL);
}

int64_t libhc_timer_cancel(uint32_t timer)
{
	return hc(HC_TIMER, HC_TIMER_CANCEL, timer, 0, 0, NULL);
}

int64_t libhc_ipc_open(const char *name, size_t len, uint32_t *end)
{
	uint64_t rbx;
	int64_t ret = hc(HC_IPC, HC_IPC_OPEN, ptr(name), len, 0, &rbx);

	if (end)
		*end = ret >= 0 ? (uint32_t)rbx : 0;
	return ret;
}

int64_t libhc_ipc_send(uint64_t handle, const void *msg, size_t len)
{
	return hc(HC_IPC, HC_IPC_SEND, handle, ptr(msg), len, NULL);
}

int64_t libhc_ipc_recv(uint64_t handle, void *buf, size_t size, uint64_t *need)
{
	uint64_t rbx;
	int64_t ret = hc(HC_IPC, HC_IPC_RECV, handle, ptr(buf), size, &rbx);

	if (need)
		*need = ret == HC_ERR_TOO_BIG ? rbx : 0;
	return ret;
}

int64_t libhc_ipc_pending(uint64_t handle)
{
	return hc(HC_IPC, HC_IPC_PENDING, handle, 0, 0, NULL);
}

int64_t libhc_ipc_set_notify(uint64_t handle, uint8_t vector)
{
	return hc(HC_IPC, HC_IPC_SET_NOTIFY, handle, vector, 0, NULL);
}

int64_t libhc_ipc_close(uint64_t handle)
{
	return hc(HC_IPC, HC_IPC_CLOSE, handle, 0, 0, NULL);
}

int64_t libhc_clip_announce(uint32_t format_mask, uint64_t serial)
{
	return hc(HC_CLIPBOARD, HC_CLIP_ANNOUNCE, format_mask, serial, 0, NULL);
}

int64_t libhc_clip_write(uint32_t format, const void *data, size_t len)
{
	return hc(HC_CLIPBOARD, HC_CLIP_WRITE, format, ptr(data), len, NULL);
}

int64_t libhc_clip_read(uint32_t format, uint32_t offset, void *buf, size_t size, uint64_t *total)
{
	uint64_t rbx;
	int64_t ret = hc(HC_CLIPBOARD, HC_CLIP_READ, (uint64_t)offset << 32 | (format & 0xff),
			 ptr(buf), size, &rbx);

	if (total)
		*total = ret >= 0 ? rbx : 0;
	return ret;
}

int64_t libhc_clip_query(uint32_t *format_mask)
{
	uint64_t rbx;
	int64_t ret = hc(HC_CLIPBOARD, HC_CLIP_QUERY, 0, 0, 0, &rbx);

	if (format_mask)
		*format_mask = ret >= 0 ? (uint32_t)rbx : 0;
	return ret;
}

int64_t libhc_disp_set_mode(uint32_t mode)
{
	return hc(HC_DISPLAY, HC_DISP_SET_MODE, mode, 0, 0, NULL);
}

int64_t libhc_disp_report(const struct hc_window *windows, uint32_t count)
{
	return hc(HC_DISPLAY, HC_DISP_REPORT, ptr(windows), count, 0, NULL);
}

int64_t libhc_disp_poll(struct hc_display_event *ev)
{
	return hc(HC_DISPLAY, HC_DISP_POLL, ptr(ev), sizeof(*ev), 0, NULL);
}
