/* The hypercall dispatcher (vm/hypercall.c); the ABI is include/macrohard/hypercall.h. */
#ifndef VM_HYPERCALL_H
#define VM_HYPERCALL_H

#include "lib/types.h"

struct vcpu;
struct vm_exit;

/* A VMCALL/VMMCALL exit: performs the call in RAX and moves RIP past the instruction. */
void hypercall_handle(struct vcpu *vcpu, struct vm_exit *exit);

/*
 * A #UD exit: when the faulting instruction is the other vendor's hypercall
 * instruction, performs it as the native one and returns true; false otherwise
 * (the caller reflects the #UD).
 */
bool hypercall_handle_ud(struct vcpu *vcpu);

/* The HC_FEATURES bitmap (also CPUID 0x40000001). */
u64 hypercall_features(void);

#endif
