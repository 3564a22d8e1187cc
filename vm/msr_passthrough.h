/*
 * MSRs a guest reads and writes without an exit, the same for both back-ends:
 * each is either switched by the hardware (VMCS guest/host fields, VMCB save
 * area) or swapped by the back-end around every entry and exit.  Every other
 * MSR exits to vm/msr.c.
 */
#ifndef VM_MSR_PASSTHROUGH_H
#define VM_MSR_PASSTHROUGH_H

#include "lib/types.h"

extern const u32 vm_msr_passthrough[];
extern const size_t vm_msr_passthrough_count;

#endif
