/* The complete VMX exit table (SDM vol. 3 appendix C) and the VM-instruction error names (SDM 30.4). */
#ifndef VMX_VMX_EXITS_H
#define VMX_VMX_EXITS_H

#include "vm/vendor.h"
#include "vmx/vmcs.h"

/* One entry for every basic exit reason from 0 to the highest the SDM defines. */
#define VMX_EXIT_TABLE_SIZE VMX_EXIT_REASON_COUNT
extern const struct exit_table_entry vmx_exit_table[VMX_EXIT_TABLE_SIZE];

/* The counter index used for basic reasons beyond the table (one past its end). */
#define VMX_EXIT_INDEX_OUT_OF_RANGE VMX_EXIT_TABLE_SIZE

/* The entry for a basic exit reason, or NULL when the reason is beyond the table. */
const struct exit_table_entry *vmx_exit_lookup(u32 basic_reason);

/* "VMXERR_…" name of a VM-instruction error number; a fixed string for unknown numbers. */
const char *vmx_insn_error_name(u32 error);
/* The SDM's wording for it, for diagnostics. */
const char *vmx_insn_error_text(u32 error);

#endif
