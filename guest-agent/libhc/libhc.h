/*
 * libhc: the MACROHARD hypercalls (docs/hypercalls.md) for guests — a kernel, a freestanding
 * test program or Linux user space.  Numbers, structures and errors come from
 * include/macrohard/hypercall.h; every wrapper returns the call's RAX (>= 0 success, or an
 * HC_ERR_* code), and outputs the call returns in RBX through a pointer (may be NULL).
 */
#ifndef LIBHC_H
#define LIBHC_H

#include <stddef.h>
#include <stdint.h>
#include "macrohard/hypercall.h"

/* The registers of one call: RAX = number, RBX, RCX, RDX, RSI = arguments; RAX, RBX out. */
struct libhc_regs {
	uint64_t rax, rbx, rcx, rdx, rsi;
};

/* Picks VMCALL (Intel and others) or VMMCALL (AMD) from the CPUID vendor; 1 if MACROHARD's
 * CPUID signature is present, else 0.  Calls made before it use VMCALL (which also works on
 * AMD: the hypervisor accepts either instruction). */
int libhc_init(void);
/* Performs the call in r; r->rax and r->rbx are updated.  Returns r->rax. */
int64_t libhc_raw(struct libhc_regs *r);

int64_t libhc_version(uint64_t *hv_version);
int64_t libhc_version_info(struct hc_version_info *info);
int64_t libhc_features(void);
int64_t libhc_memory_map(struct hc_mem_entry *map, uint64_t size, uint64_t *need);

int64_t libhc_timer_time_ns(void);
int64_t libhc_timer_tsc_freq(void);
int64_t libhc_timer_arm(uint32_t timer, uint64_t ns, uint8_t vector, int periodic);
int64_t libhc_timer_cancel(uint32_t timer);

int64_t libhc_ipc_open(const char *name, size_t len, uint32_t *end);
int64_t libhc_ipc_send(uint64_t handle, const void *msg, size_t len);
int64_t libhc_ipc_recv(uint64_t handle, void *buf, size_t size, uint64_t *need);
int64_t libhc_ipc_pending(uint64_t handle);
int64_t libhc_ipc_set_notify(uint64_t handle, uint8_t vector);
int64_t libhc_ipc_close(uint64_t handle);

int64_t libhc_clip_announce(uint32_t format_mask, uint64_t serial);
int64_t libhc_clip_write(uint32_t format, const void *data, size_t len);
int64_t libhc_clip_read(uint32_t format, uint32_t offset, void *buf, size_t size, uint64_t *total);
int64_t libhc_clip_query(uint32_t *format_mask);

int64_t libhc_disp_set_mode(uint32_t mode);
int64_t libhc_disp_report(const struct hc_window *windows, uint32_t count);
int64_t libhc_disp_poll(struct hc_display_event *ev);

#endif
