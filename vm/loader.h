/* Guest image loaders: they place the kernel in guest RAM and set the boot vCPU's start state. */
#ifndef VM_LOADER_H
#define VM_LOADER_H

#include "vm/vm.h"
#include "boot/config.h"

/*
 * Loads the kernel (and initrd) the config names into vm's RAM and sets
 * vcpu's initial registers.  On failure logs a message naming the file and
 * the problem and returns a negative error; the VM is then refused.
 */
int loader_load(struct vm *vm, struct vcpu *boot, const struct cfg_vm *cfg);

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

#endif
