/*
 * The MACROHARD hypercall ABI (docs/hypercalls.md): call numbers, sub-operations,
 * structures and error codes, shared by the hypervisor, test guests and guest-agent/libhc.
 */
#ifndef MACROHARD_HYPERCALL_H
#define MACROHARD_HYPERCALL_H

#include <stdint.h>

/* ABI version: major changes break callers, minor ones only add (docs/hypercalls.md). */
#define HC_ABI_MAJOR 1
#define HC_ABI_MINOR 0
#define HC_ABI_VERSION ((HC_ABI_MAJOR << 16) | HC_ABI_MINOR)

/* Call numbers (RAX), from the design document. */
#define HC_VERSION 0x0001
#define HC_FEATURES 0x0002
#define HC_MEMORY_MAP 0x0010
#define HC_TIMER 0x0020
#define HC_IPC 0x0030
#define HC_CLIPBOARD 0x0040
#define HC_DISPLAY 0x0050

/*
 * Error codes (RAX, as a signed 64-bit number).  Every successful result is
 * >= 0; errors lie in -1000 .. -1099, apart from any errno a guest might
 * confuse them with.
 */
#define HC_ERR_UNKNOWN_CALL (-1000)	/* no such call number */
#define HC_ERR_INVALID (-1001)		/* an argument is out of range or malformed */
#define HC_ERR_BAD_ADDRESS (-1002)	/* a buffer is not accessible with the caller's privilege */
#define HC_ERR_NOT_PERMITTED (-1003)	/* the caller's CPL or the VM's policy forbids it */
#define HC_ERR_WOULD_BLOCK (-1004)	/* nothing to receive, or the queue is full */
#define HC_ERR_TOO_BIG (-1005)		/* a buffer is too small, or a length over its bound */
#define HC_ERR_NOT_FOUND (-1006)	/* no such channel, timer, window or format */
#define HC_ERR_UNKNOWN_OP (-1007)	/* no such sub-operation of a known call */
#define HC_ERR_CLOSED (-1008)		/* the other end (VM) has stopped */
#define HC_ERR_BUSY (-1009)		/* a resource is exhausted (all timers armed, ...) */

/* HC_FEATURES bits (also CPUID 0x40000001 EAX = bits 0-31, EBX = bits 32-63). */
#define HC_FEAT_VERSION (1ULL << 0)
#define HC_FEAT_FEATURES (1ULL << 1)
#define HC_FEAT_MEMORY_MAP (1ULL << 2)
#define HC_FEAT_TIMER (1ULL << 3)
#define HC_FEAT_IPC (1ULL << 4)
#define HC_FEAT_CLIPBOARD (1ULL << 5)
#define HC_FEAT_DISPLAY (1ULL << 6)
#define HC_FEAT_CROSS_VENDOR (1ULL << 16)	/* VMCALL and VMMCALL both work */
#define HC_FEAT_USER (1ULL << 17)		/* CPL 3 may make the calls marked "user" */

/* HC_VERSION: RBX = 0, or a buffer of at least sizeof(struct hc_version_info) at RBX, size in RCX. */
struct hc_version_info {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t hv_major;
	uint32_t hv_minor;
	uint32_t hv_patch;
	uint32_t reserved;		/* 0 */
	char build[40];			/* NUL-terminated, e.g. "0.1.0 9186aeb4c2d1" */
};
#define HC_VERSION_INFO_SIZE 64

/* HC_MEMORY_MAP: RBX = buffer, RCX = its size in bytes; RAX = entries written. */
struct hc_mem_entry {
	uint64_t gpa;
	uint64_t size;
	uint32_t type;			/* HC_MEM_* */
	uint32_t reserved;		/* 0 */
};
#define HC_MEM_ENTRY_SIZE 24
#define HC_MEM_RAM 1
#define HC_MEM_RESERVED 2
#define HC_MEM_ACPI 3			/* read-only firmware/ACPI memory */
#define HC_MEM_MMIO 4			/* device registers */
#define HC_MEMORY_MAP_MAX_ENTRIES 32

/* HC_TIMER sub-operations (RBX). */
#define HC_TIMER_GET_TIME 0		/* RAX = hypervisor time in ns */
#define HC_TIMER_GET_TSC_FREQ 1		/* RAX = guest TSC frequency in Hz */
#define HC_TIMER_ARM 2			/* RCX = timer, RDX = ns, RSI = vector | HC_TIMER_PERIODIC */
#define HC_TIMER_CANCEL 3		/* RCX = timer; RAX = 1 if it was armed, else 0 */
#define HC_TIMER_COUNT 4		/* timers per vCPU: 0 .. HC_TIMER_COUNT - 1 */
#define HC_TIMER_PERIODIC 0x100		/* RSI flag: re-arm every RDX ns */
#define HC_TIMER_VECTOR_MIN 32
#define HC_TIMER_VECTOR_MAX 255
#define HC_TIMER_MIN_NS 10000		/* 10 us */
#define HC_TIMER_MAX_NS 3600000000000	/* one hour */

/* HC_IPC sub-operations (RBX); channels come from the configuration (docs/hypercalls.md). */
#define HC_IPC_OPEN 0			/* RCX = name, RDX = name length; RAX = handle, RBX = end */
#define HC_IPC_SEND 1			/* RCX = handle, RDX = message, RSI = length */
#define HC_IPC_RECV 2			/* RCX = handle, RDX = buffer, RSI = size; RAX = length */
#define HC_IPC_PENDING 3		/* RCX = handle; RAX = messages waiting for the caller */
#define HC_IPC_SET_NOTIFY 4		/* RCX = handle, RDX = vector (0: none) */
#define HC_IPC_CLOSE 5			/* RCX = handle */
#define HC_IPC_END_A 0			/* RBX after HC_IPC_OPEN: the caller is the first VM named */
#define HC_IPC_END_B 1			/* ... the second */
#define HC_IPC_NAME_MAX 31		/* bytes of a channel name */
#define HC_IPC_MSG_MAX 4096		/* bytes of one message */
#define HC_IPC_QUEUE_DEPTH 16		/* messages queued per direction */
#define HC_IPC_VECTOR_MIN 32
#define HC_IPC_VECTOR_MAX 255

/* HC_CLIPBOARD sub-operations (RBX). */
#define HC_CLIP_ANNOUNCE 0		/* RCX = format mask, RDX = serial (not 0) */
#define HC_CLIP_WRITE 1			/* RCX = format, RDX = data, RSI = length */
#define HC_CLIP_READ 2			/* RCX = format | offset << 32, RDX = buffer, RSI = size */
#define HC_CLIP_QUERY 3			/* RAX = serial (0: empty), RBX = format mask */
#define HC_CLIP_FMT_TEXT 0		/* UTF-8 text, no NUL */
#define HC_CLIP_FMT_PNG 1		/* a PNG image */
#define HC_CLIP_FMT_COUNT 2
#define HC_CLIP_MAX (1ULL << 20)	/* bytes of one format's content, also capped per VM */

/* HC_DISPLAY sub-operations (RBX). */
#define HC_DISP_SET_MODE 0		/* RCX = HC_DISP_MODE_* */
#define HC_DISP_REPORT 1		/* RCX = array of struct hc_window, RDX = count */
#define HC_DISP_POLL 2			/* RCX = struct hc_display_event buffer, RDX = size */
#define HC_DISP_MODE_OFF 0
#define HC_DISP_MODE_SEAMLESS 1
#define HC_DISP_MAX_WINDOWS 64
#define HC_DISP_TITLE_MAX 128		/* bytes of a title including its NUL */
#define HC_DISP_COORD_MIN (-32768)	/* x, y */
#define HC_DISP_COORD_MAX 32767
#define HC_DISP_SIZE_MAX 16384		/* w, h: 1 .. HC_DISP_SIZE_MAX */
#define HC_WIN_VISIBLE 0x1		/* struct hc_window flags */
#define HC_WIN_FOCUSED 0x2
#define HC_WIN_MINIMIZED 0x4
#define HC_WIN_FLAGS_ALL 0x7

struct hc_window {
	uint32_t id;			/* not 0, unique in one report */
	uint32_t flags;			/* HC_WIN_* */
	int32_t x;
	int32_t y;
	uint32_t w;
	uint32_t h;
	uint32_t z;			/* 0 = top; < count, unique in one report */
	uint32_t reserved;		/* 0 */
	char title[HC_DISP_TITLE_MAX];	/* UTF-8, NUL-terminated */
};
#define HC_WINDOW_SIZE 160

#define HC_DISP_EV_FOCUS 1		/* struct hc_display_event type */
#define HC_DISP_EV_RAISE 2
#define HC_DISP_EV_CLOSE 3
#define HC_DISP_EV_CONFIGURE 4		/* x, y, w, h: the geometry the host asks for */

struct hc_display_event {
	uint32_t type;			/* HC_DISP_EV_* */
	uint32_t window;		/* id */
	int32_t x;
	int32_t y;
	uint32_t w;
	uint32_t h;
	uint64_t reserved;		/* 0 */
};
#define HC_DISPLAY_EVENT_SIZE 32
#define HC_DISP_EVENT_QUEUE 32		/* host events kept per VM */

#endif
