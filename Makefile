# MACROHARD build: the UEFI application, the Multiboot2 kernel and its GRUB ISO,
# the USB stick image, host unit tests, and the test and run entry points.

BUILD      ?= build
CC         := gcc
NASM       := nasm
PYTHON     := python3
VERSION    := 0.1.0
GIT_REV    := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

GCC_INC    := $(shell $(CC) -print-file-name=include)
WARN       := -Wall -Wextra -Werror
CORE_CFLAGS := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INC) -I. -Iinclude \
	-fno-stack-protector -fno-strict-aliasing -fno-omit-frame-pointer \
	-mno-red-zone -mgeneral-regs-only -O2 -g $(WARN) -MMD -MP \
	-DMACROHARD_VERSION='"$(VERSION)"' -DMACROHARD_REV='"$(GIT_REV)"'
EFI_CFLAGS := $(CORE_CFLAGS) -fpic -fshort-wchar -DGNU_EFI_USE_MS_ABI \
	-isystem /usr/include/efi -isystem /usr/include/efi/x86_64
BARE_CFLAGS := $(CORE_CFLAGS) -fno-pic -fno-pie -mcmodel=small
NASMFLAGS  := -f elf64 -g -Werror

# Sources: common code (including host/*.c) goes into both images; host/uefi and boot/efi_* only into
# the UEFI application; host/bare and boot/mb2_* only into the Multiboot2 kernel.
CORE_DIRS  := lib arch/x86 boot host mm vm vmx svm devices devices/virtio net
CORE_C     := $(filter-out boot/efi_% boot/mb2_%,$(wildcard $(addsuffix /*.c,$(CORE_DIRS))))
CORE_ASM   := $(filter-out boot/efi_% boot/mb2_%,$(wildcard $(addsuffix /*.asm,$(CORE_DIRS))))
EFI_C      := $(CORE_C) $(wildcard host/uefi/*.c boot/efi_*.c)
EFI_ASM    := $(CORE_ASM) $(wildcard host/uefi/*.asm boot/efi_*.asm)
BARE_C     := $(CORE_C) $(wildcard host/bare/*.c boot/mb2_*.c)
BARE_ASM   := $(CORE_ASM) $(wildcard host/bare/*.asm boot/mb2_*.asm)

EFI_OBJS   := $(EFI_C:%.c=$(BUILD)/efi/%.o) $(EFI_ASM:%.asm=$(BUILD)/efi/%.asm.o)
BARE_OBJS  := $(BARE_C:%.c=$(BUILD)/bare/%.o) $(BARE_ASM:%.asm=$(BUILD)/bare/%.asm.o)

EFI_LDS    := /usr/lib/elf_x86_64_efi.lds
EFI_CRT0   := /usr/lib/crt0-efi-x86_64.o

.PHONY: all images unit guests deps test test-unit test-svm test-vmx test-conformance test-smp test-virtio test-hypercall run usb \
	bench clean linux-kit test-linux run-guests

all: images unit guests

images: $(BUILD)/macrohard.efi $(BUILD)/macrohard.elf $(BUILD)/macrohard.iso

deps:
	@scripts/install-deps.sh

$(BUILD)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -MD $@.d $< -o $@

$(BUILD)/bare/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BARE_CFLAGS) -c $< -o $@

$(BUILD)/bare/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -MD $@.d $< -o $@

$(BUILD)/macrohard.so: $(EFI_OBJS)
	ld --fatal-warnings -nostdlib -znocombreloc -T $(EFI_LDS) -shared -Bsymbolic \
		$(EFI_CRT0) $(EFI_OBJS) -L/usr/lib -lgnuefi -o $@

$(BUILD)/macrohard.efi: $(BUILD)/macrohard.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

$(BUILD)/macrohard.elf: $(BARE_OBJS) host/bare/link.ld
	ld --fatal-warnings -nostdlib -static -z max-page-size=4096 -T host/bare/link.ld $(BARE_OBJS) -o $@

$(BUILD)/macrohard.iso: $(BUILD)/macrohard.elf boot/grub.cfg tests/configs/demo.cfg scripts/mkiso.sh
	scripts/mkiso.sh $@ $(BUILD)/macrohard.elf tests/configs/demo.cfg

# Host unit tests: every tests/unit/test_*.c links against the modules it names
# in a "// unit-deps:" line (and the libraries of a "// unit-libs:" line, e.g. a
# test oracle), built for the build machine with ASan and UBSan.
UNIT_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -Iinclude -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -MMD -MP
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

unit: $(UNIT_BINS)

# The modules a test links are prerequisites too, so a change to them rebuilds the test.
unit_deps = $(shell sed -n 's|^// unit-deps:||p' $(1))
.SECONDEXPANSION:
$(BUILD)/unit/%: tests/unit/%.c $$(call unit_deps,tests/unit/$$*.c)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) $< $(shell sed -n 's|^// unit-deps:||p' $<) -o $@ \
		$(shell sed -n 's|^// unit-libs:||p' $<)

# Test guests: flat NASM images (docs/testing.md, "Test images"); a .asm file may
# %include files from tests/guests/include/.
GUEST_SRCS := $(wildcard tests/guests/*.asm)
GUEST_BINS := $(GUEST_SRCS:tests/guests/%.asm=$(BUILD)/guests/%.bin)

# C test guests (tests/guests/c/: start.asm, rt.c, guest.ld): freestanding C with libhc, linked
# at 0x8000 into the same flat MHTEST01 image format.
C_GUEST_CFLAGS := -std=gnu11 -O2 $(WARN) -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-asynchronous-unwind-tables \
	-fno-builtin -Iinclude -Iguest-agent/libhc -Itests/guests
C_GUEST_RT := tests/guests/c/start.asm tests/guests/c/rt.c tests/guests/c/rt.h tests/guests/c/guest.ld \
	tests/guests/include/mhtest.inc
C_GUEST_BINS := $(BUILD)/guests/hclib.bin

$(BUILD)/guests/hclib.bin: tests/guests/hclib.c guest-agent/libhc/libhc.c guest-agent/libhc/libhc.h \
		include/macrohard/hypercall.h $(C_GUEST_RT)
	@mkdir -p $(BUILD)/guests/c
	$(NASM) -f elf64 -Werror -I tests/guests/ tests/guests/c/start.asm -o $(BUILD)/guests/c/start.o
	$(CC) $(C_GUEST_CFLAGS) -c tests/guests/c/rt.c -o $(BUILD)/guests/c/rt.o
	$(CC) $(C_GUEST_CFLAGS) -c guest-agent/libhc/libhc.c -o $(BUILD)/guests/c/libhc.o
	$(CC) $(C_GUEST_CFLAGS) -c tests/guests/hclib.c -o $(BUILD)/guests/c/hclib.o
	ld -nostdlib -static -z noexecstack --no-warn-rwx-segments -T tests/guests/c/guest.ld \
		-o $(BUILD)/guests/c/hclib.elf $(BUILD)/guests/c/start.o $(BUILD)/guests/c/rt.o \
		$(BUILD)/guests/c/libhc.o $(BUILD)/guests/c/hclib.o
	objcopy -O binary $(BUILD)/guests/c/hclib.elf $@

guests: $(GUEST_BINS) $(C_GUEST_BINS)

# NASM 2.16's -MD leaves the %include files out of the list: -M lists them.
$(BUILD)/guests/%.bin: tests/guests/%.asm
	@mkdir -p $(dir $@)
	@$(NASM) -f bin -Werror -I tests/guests/ -M -MT $@ -MF $@.d -MP $<
	$(NASM) -f bin -Werror -I tests/guests/ $< -o $@

# The Linux guest kit (tests/linux/): Debian's stock kernel and busybox-static from Debian's
# packages (fetched once into build/linux/, never committed), the uncompressed vmlinux for PVH,
# and the test initramfs with /init and hvcheck (a static glibc program using guest-agent/libhc).
LINUX      := $(BUILD)/linux
LINUX_KIT  := $(LINUX)/vmlinuz $(LINUX)/vmlinux $(LINUX)/initramfs.cpio.gz

linux-kit: $(LINUX_KIT)

$(LINUX)/vmlinuz $(LINUX)/vmlinux $(LINUX)/busybox &: tests/linux/fetch.py
	$(PYTHON) tests/linux/fetch.py $(LINUX)
	@touch $(LINUX)/vmlinuz $(LINUX)/vmlinux $(LINUX)/busybox

$(LINUX)/hvcheck: tests/linux/hvcheck.c guest-agent/libhc/libhc.c guest-agent/libhc/libhc.h \
		include/macrohard/hypercall.h
	@mkdir -p $(dir $@)
	$(CC) -static -O2 $(WARN) -Iinclude -Iguest-agent/libhc tests/linux/hvcheck.c \
		guest-agent/libhc/libhc.c -o $@

$(LINUX)/blkbench: tests/linux/blkbench.c
	@mkdir -p $(dir $@)
	$(CC) -static -O2 $(WARN) tests/linux/blkbench.c -o $@

# The disk tests' modules (virtio-blk, ext4), Debian's mke2fs with its libraries, blkbench.
$(LINUX)/initramfs.cpio.gz: tests/linux/mkinitramfs.py tests/linux/init $(LINUX)/busybox \
		$(LINUX)/hvcheck $(LINUX)/blkbench $(LINUX)/vmlinuz
	$(PYTHON) tests/linux/mkinitramfs.py $@ $(LINUX)/busybox $(LINUX)/hvcheck tests/linux/init \
		$(LINUX)/modules /sbin/mke2fs $(LINUX)/blkbench=/bin/blkbench

usb: $(BUILD)/macrohard-usb.img

$(BUILD)/macrohard-usb.img: $(BUILD)/macrohard.efi tests/configs/demo.cfg scripts/mkusb.sh $(GUEST_BINS)
	scripts/mkusb.sh $@ $(BUILD)/macrohard.efi tests/configs/demo.cfg \
		$(foreach g,$(GUEST_BINS),$(g)=/guests/$(notdir $(g)))

# Entry points: each installs what it needs first (quiet when present).
# `make test` includes Debian's kernel on bare QEMU (the kit's own check) and under MACROHARD
# on AMD-V (QEMU) and VT-x (Bochs); MH_LINUX=0 leaves the MACROHARD runs out.
test: deps
	@$(MAKE) --no-print-directory all usb linux-kit
	@$(PYTHON) tests/harness/run.py all

test-unit: deps
	@$(MAKE) --no-print-directory unit guests
	@$(PYTHON) tests/harness/run.py unit

test-svm: deps
	@$(MAKE) --no-print-directory all usb
	@$(PYTHON) tests/harness/run.py svm

test-vmx: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tests/harness/run.py vmx

# The hypercall and libhc test guests on both vendors (docs/hypercalls.md).
test-hypercall: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tests/harness/run.py hypercall

# The test guests under the hypervisor on both vendors (docs/testing.md).
test-conformance: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tests/harness/run.py conformance

# Two host CPUs: QEMU -smp 2 (AMD-V) and Bochs cpu: count=2 (VT-x); also part of test-svm/test-vmx.
test-smp: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tests/harness/run.py smp

# virtio-blk (docs/virtio.md, docs/disks.md): the test guests on both vendors (also part of
# test-svm/test-vmx), Debian's drivers on it, the disk self-test and the ext4 persistence test.
test-virtio: deps
	@$(MAKE) --no-print-directory all linux-kit
	@$(PYTHON) tests/harness/run.py virtio

# Debian's kernel: on bare QEMU (the kit's self-check), then under MACROHARD on both vendors.
test-linux: deps
	@$(MAKE) --no-print-directory all linux-kit
	@$(PYTHON) tests/harness/run.py linux

# The demo: Debian's kernel with the interactive shell initramfs (tests/configs/linux-demo.cfg).
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/macrohard.efi linux-kit
	@$(PYTHON) tests/harness/run.py run

# The test guests side by side (tests/configs/demo.cfg, also what the USB image holds).
run-guests: deps
	@$(MAKE) --no-print-directory $(BUILD)/macrohard.efi guests
	@$(PYTHON) tests/harness/run.py run-guests

# Performance numbers, measured side by side in one run (never asserted in tests).
bench: deps
	@$(MAKE) --no-print-directory all linux-kit
	@$(PYTHON) tests/harness/run.py bench

clean:
	rm -rf $(BUILD)

# build/linux holds unpacked Debian packages (with directories named *.d): not ours.
-include $(shell find $(BUILD) -path $(BUILD)/linux -prune -o -name '*.d' -type f -print 2>/dev/null)
