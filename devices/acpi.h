/*
 * ACPI tables (devices/acpi.c) written into each VM's RAM at PLAT_ACPI_GPA: RSDP, RSDT, XSDT,
 * FADT, FACS, MADT, MCFG and a generated DSDT (docs/guest.md, "ACPI").
 */
#ifndef DEVICES_ACPI_H
#define DEVICES_ACPI_H

#include "lib/types.h"

struct vm;

/* The sleep type the DSDT's \_S5 names and PM1a_CNT.SLP_TYP powers off with (devices/pm.c). */
#define ACPI_SLP_TYP_S5 5

/*
 * Builds the tables for cpus vCPUs into buf, which the guest will see at gpa; returns the
 * bytes used, or -EINVAL (no vCPUs, too many for the MADT) / -ENOSPC (size too small).
 */
int acpi_build_tables(u8 *buf, u64 size, u64 gpa, u32 cpus);
/* Writes the tables into the VM's RAM at PLAT_ACPI_GPA, for vm->vcpu_count vCPUs. */
int acpi_build(struct vm *vm);

#endif
