/* Guest image loaders: they place the kernel in guest RAM and set the boot vCPU's start state. */
#ifndef VM_LOADER_H
#define VM_LOADER_H

#include "vm/vm.h"
#include "vm/e820.h"
#include "boot/config.h"

/*
 * Loads the kernel (and initrd) the config names into vm's RAM and sets
 * vcpu's initial registers.  On failure logs a message naming the file and
 * the problem and returns a negative error; the VM is then refused.
 */
int loader_load(struct vm *vm, struct vcpu *boot, const struct cfg_vm *cfg);

/*
 * One boot: the files going in, the start state coming out.  The format
 * loaders work on this and guest memory only (no host calls), so the host
 * unit test runs them on malloc'd "RAM".
 */
struct loader_boot {
	/* In. */
	struct guest_mem *mem;
	const u8 *kernel;
	u64 kernel_size;
	const u8 *initrd;		/* NULL: none */
	u64 initrd_size;
	const char *cmdline;		/* never NULL; may be empty */

	/* Filled by loader_boot_image(): the e820 map every format passes on. */
	struct e820_entry e820[E820_MAX];
	u32 e820_count;
	u64 low_ram_end;		/* end of the RAM that starts at 1 MiB, below the PCI hole */

	/* Out: the boot vCPU's start state. */
	struct vcpu_sregs sregs;
	u64 gpr[GPR_COUNT];
	u64 rip, rflags;

	/* Out: what was loaded (for the log), or on failure what went wrong. */
	const char *format;		/* "test image", "Linux bzImage", "PVH ELF", "Multiboot ELF" */
	u64 kernel_gpa, kernel_end;	/* lowest and end of the loaded kernel */
	u64 initrd_gpa;			/* where the initrd went, if any */
	bool initrd_at_fault;		/* the message is about the initrd, not the kernel */
	char why[160];
};

/*
 * Recognises the kernel's format and loads it: the MACROHARD test image
 * (docs/testing.md), a Linux bzImage (64-bit boot protocol), a PVH ELF or a
 * Multiboot v1 kernel (docs/guest.md, "Boot").  0, or a negative error with
 * b->why (and b->initrd_at_fault) set.
 */
int loader_boot_image(struct loader_boot *b);

/* The format loaders (after loader_boot_image() has built the e820 map). */
int loader_test_image_boot(struct loader_boot *b);
int loader_linux_boot(struct loader_boot *b);
int loader_pvh_boot(struct loader_boot *b);
int loader_mb1_boot(struct loader_boot *b);

/* The MACROHARD test-image header (docs/testing.md, "Test images"). */
struct test_image_header {
	char magic[8];		/* "MHTEST01" */
	u32 load_gpa;
	u32 entry;
	u32 stack;
	u32 flags;		/* TEST_IMAGE_FLAG_* */
};

/* Start with a deliberately invalid vCPU state: shows the VM-entry failure diagnostics. */
#define TEST_IMAGE_FLAG_BAD_STATE BIT(0)

#define TEST_IMAGE_MAGIC "MHTEST01"
#define TEST_IMAGE_MIN_GPA 0x1000
#define TEST_IMAGE_END 0x9f000

/* Validates a test image; 0 or -EINVAL with *why set.  Exposed for unit tests. */
int loader_test_image_check(const void *data, u64 size, const char **why);

/* Linux boot protocol (Documentation/arch/x86/boot.rst). */
#define LINUX_HDR_OFFSET	0x1f1	/* the setup header inside the image and boot_params */
#define LINUX_MIN_VERSION	0x020c	/* 2.12: xloadflags, the 64-bit entry */
#define LINUX_XLF_KERNEL_64	BIT(0)
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G BIT(1)
#define LINUX_LOADED_HIGH	BIT(0)
#define LINUX_CAN_USE_HEAP	BIT(7)
#define LINUX_BOOT_CS		0x10
#define LINUX_BOOT_DS		0x18

/* PVH (xen/include/public/arch-x86/hvm/start_info.h). */
#define PVH_START_MAGIC		0x336ec578
#define PVH_ELFNOTE_PHYS32_ENTRY 18

struct pvh_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;	/* version 1 */
	u32 memmap_entries;
	u32 reserved;
};

struct pvh_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
};

struct pvh_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

/* Multiboot v1 (the Multiboot Specification 0.6.96). */
#define MB1_HEADER_MAGIC	0x1badb002
#define MB1_BOOT_MAGIC		0x2badb002
#define MB1_SEARCH		8192
#define MB1_FLAG_PAGE_ALIGN	BIT(0)
#define MB1_FLAG_MEMORY_INFO	BIT(1)
#define MB1_FLAG_VIDEO_MODE	BIT(2)
#define MB1_FLAG_AOUT_KLUDGE	BIT(16)
#define MB1_INFO_MEMORY		BIT(0)
#define MB1_INFO_CMDLINE	BIT(2)
#define MB1_INFO_MODS		BIT(3)
#define MB1_INFO_MMAP		BIT(6)
#define MB1_INFO_LOADER_NAME	BIT(9)

struct mb1_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
	u32 apm_table;
	u32 vbe[4];
	u32 framebuffer[7];
};

struct mb1_module {
	u32 mod_start, mod_end;
	u32 string;
	u32 reserved;
};

/* An mmap entry: size counts the bytes after itself (20). */
struct mb1_mmap_entry {
	u32 size;
	u64 addr;
	u64 len;
	u32 type;
} __attribute__((packed));

_Static_assert(sizeof(struct pvh_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct pvh_modlist_entry) == 32, "hvm_modlist_entry layout");
_Static_assert(sizeof(struct pvh_memmap_entry) == 24, "hvm_memmap_table_entry layout");
_Static_assert(sizeof(struct mb1_info) == 116, "multiboot_info layout");
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "multiboot mmap entry layout");

/* Searches the first 8 KiB for a Multiboot v1 header; its offset, or -1. */
s64 loader_mb1_find_header(const u8 *data, u64 size);

#endif
