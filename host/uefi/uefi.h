/* Internal to host/uefi: firmware tables and the PI protocols gnu-efi does not declare. */
#ifndef HOST_UEFI_UEFI_H
#define HOST_UEFI_UEFI_H

#include <efi.h>
#include <efidebug.h>
#include "lib/types.h"

extern EFI_HANDLE uefi_image;
extern EFI_SYSTEM_TABLE *uefi_st;
extern EFI_BOOT_SERVICES *uefi_bs;

/* PI spec vol. 2, 12.3: EFI_CPU_ARCH_PROTOCOL. */
#define UEFI_CPU_ARCH_PROTOCOL_GUID \
	{ 0x26baccb1, 0x6f42, 0x11d4, { 0xbc, 0xe7, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } }

typedef VOID(EFIAPI *UEFI_CPU_INTERRUPT_HANDLER)(INTN type, EFI_SYSTEM_CONTEXT ctx);

struct uefi_cpu_arch {
	EFI_STATUS(EFIAPI *flush_data_cache)(struct uefi_cpu_arch *, UINT64, UINT64, INTN);
	EFI_STATUS(EFIAPI *enable_interrupt)(struct uefi_cpu_arch *);
	EFI_STATUS(EFIAPI *disable_interrupt)(struct uefi_cpu_arch *);
	EFI_STATUS(EFIAPI *get_interrupt_state)(struct uefi_cpu_arch *, BOOLEAN *);
	EFI_STATUS(EFIAPI *init)(struct uefi_cpu_arch *, INTN);
	EFI_STATUS(EFIAPI *register_interrupt_handler)(struct uefi_cpu_arch *, INTN,
						      UEFI_CPU_INTERRUPT_HANDLER);
	EFI_STATUS(EFIAPI *get_timer_value)(struct uefi_cpu_arch *, UINT32, UINT64 *, UINT64 *);
	EFI_STATUS(EFIAPI *set_memory_attributes)(struct uefi_cpu_arch *, UINT64, UINT64, UINT64);
	UINT32 number_of_timers;
	UINT32 dma_buffer_alignment;
};

/* PI spec vol. 2, 12.10: EFI_TIMER_ARCH_PROTOCOL (periods in 100 ns units). */
#define UEFI_TIMER_ARCH_PROTOCOL_GUID \
	{ 0x26baccb3, 0x6f42, 0x11d4, { 0xbc, 0xe7, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } }

struct uefi_timer_arch {
	VOID *register_handler;
	EFI_STATUS(EFIAPI *set_timer_period)(struct uefi_timer_arch *, UINT64);
	EFI_STATUS(EFIAPI *get_timer_period)(struct uefi_timer_arch *, UINT64 *);
	VOID *generate_soft_interrupt;
};

/* PI spec vol. 2, 13.4: EFI_MP_SERVICES_PROTOCOL. */
#define UEFI_MP_SERVICES_PROTOCOL_GUID \
	{ 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }

struct uefi_processor_info {
	UINT64 processor_id;	/* the APIC ID */
	UINT32 status_flag;	/* bit 0 BSP, bit 1 enabled, bit 2 healthy */
	UINT32 package, core, thread;
	UINT32 extended[6];	/* PI 1.7 extended location; unused */
};

typedef VOID(EFIAPI *UEFI_AP_PROCEDURE)(VOID *arg);

struct uefi_mp_services {
	EFI_STATUS(EFIAPI *get_number_of_processors)(struct uefi_mp_services *, UINTN *, UINTN *);
	EFI_STATUS(EFIAPI *get_processor_info)(struct uefi_mp_services *, UINTN,
					       struct uefi_processor_info *);
	VOID *startup_all_aps;
	/* 13.4.5: with wait_event set, returns at once and signals the event when done. */
	EFI_STATUS(EFIAPI *startup_this_ap)(struct uefi_mp_services *, UEFI_AP_PROCEDURE proc,
					    UINTN processor, EFI_EVENT wait_event,
					    UINTN timeout_us, VOID *arg, BOOLEAN *finished);
	VOID *switch_bsp;
	VOID *enable_disable_ap;
	EFI_STATUS(EFIAPI *who_am_i)(struct uefi_mp_services *, UINTN *);
};

/* UEFI 2.10, 13.18: EFI_PARTITION_INFO_PROTOCOL (the GPT entry of a partition handle). */
#define UEFI_PARTITION_INFO_PROTOCOL_GUID \
	{ 0x8cf2f62c, 0xbc9b, 0x4821, { 0x80, 0x8d, 0xec, 0x9e, 0xc4, 0x21, 0xa1, 0xa0 } }
#define UEFI_PARTITION_TYPE_GPT 2

struct uefi_gpt_entry {
	u8 type_guid[16];
	u8 unique_guid[16];
	u64 first_lba, last_lba, attributes;
	u16 name[36];
} __attribute__((packed));

struct uefi_partition_info {
	u32 revision;
	u32 type;		/* 0 other, 1 MBR, 2 GPT */
	u8 system;		/* an EFI system partition */
	u8 reserved[7];
	union {
		u8 mbr[16];
		struct uefi_gpt_entry gpt;
	} info;
} __attribute__((packed));

/* A resume point for uefi_longjmp (host/uefi/jump.asm): callee-saved registers, RSP, RIP. */
struct uefi_jump {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
int uefi_setjmp(struct uefi_jump *j);
void uefi_longjmp(struct uefi_jump *j, int value) __attribute__((noreturn));

/* info.c: the MP services protocol (NULL without one) and processor numbers by CPU index. */
extern struct uefi_mp_services *uefi_mp;
UINTN uefi_cpu_processor_number(u32 cpu);

/* smp.c: registers the kick vector on the BSP; waits for the APs before returning to the firmware. */
void uefi_smp_init(void);
void uefi_smp_fini(void);

/* Converts CHAR16 firmware text to ASCII ('?' for anything outside it). */
void uefi_to_ascii(char *dst, size_t size, const CHAR16 *src);

void uefi_console_init(void);
void uefi_time_init(void);
void uefi_time_fini(void);
void uefi_info_init(void);
void uefi_exceptions_init(void);
void uefi_exceptions_fini(void);

#endif
