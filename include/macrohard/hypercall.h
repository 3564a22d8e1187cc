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

#endif
