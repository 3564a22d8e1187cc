/*
 * The MSRs every back-end lets the guest read and write without an exit,
 * because the VMCB (APM vol. 2, 15.5.1 and 15.5.2: VMRUN/VMLOAD/VMSAVE) or the
 * VMCS guest-state area (SDM 25.4) switches them on every entry and exit.
 */
#ifndef VM_MSR_PASSTHROUGH_H
#define VM_MSR_PASSTHROUGH_H

#include "lib/types.h"

extern const u32 vm_msr_passthrough[];
extern const size_t vm_msr_passthrough_count;

/* Whether msr is on the list. */
bool vm_msr_is_passthrough(u32 msr);

#endif
