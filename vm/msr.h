/* MSR emulation helpers shared with the scheduler. */
#ifndef VM_MSR_H
#define VM_MSR_H

#include "lib/types.h"

/* Whether the CPU has IA32_TSC_AUX (RDTSCP or RDPID). */
bool msr_has_tsc_aux(void);

#endif
