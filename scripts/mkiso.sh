#!/bin/sh
# Builds the standalone MACROHARD ISO: GRUB (BIOS) + the Multiboot2 kernel +
# macrohard.cfg as a module.  No root, no loop mounts.  Quiet on success.
# Usage: scripts/mkiso.sh OUT.iso KERNEL.elf CONFIG
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 OUT.iso KERNEL.elf CONFIG" >&2
	exit 2
fi
out=$1
kernel=$2
config=$3
here=$(cd "$(dirname "$0")/.." && pwd)
grub_dir=/usr/lib/grub/i386-pc

for tool in grub-mkrescue xorriso; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "mkiso: $tool not found (install grub-common, grub-pc-bin, xorriso)" >&2
		exit 1
	fi
done
if [ ! -f "$grub_dir/multiboot2.mod" ]; then
	echo "mkiso: $grub_dir/multiboot2.mod not found (install grub-pc-bin)" >&2
	exit 1
fi
for f in "$kernel" "$config" "$here/boot/grub.cfg"; do
	if [ ! -f "$f" ]; then
		echo "mkiso: $f: no such file" >&2
		exit 1
	fi
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/macrohard-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir -p "$stage/root/boot/grub"
cp "$kernel" "$stage/root/boot/macrohard.elf"
cp "$config" "$stage/root/boot/macrohard.cfg"
cp "$here/boot/grub.cfg" "$stage/root/boot/grub/grub.cfg"

mkdir -p "$(dirname "$out")"
# BIOS only (-d): the ISO is the legacy/Bochs path; the UEFI image is separate.
if ! grub-mkrescue -d "$grub_dir" --locales= --fonts= --themes= \
	--install-modules="normal multiboot2 serial terminal" \
	-o "$out.tmp" "$stage/root" >"$stage/log" 2>&1; then
	cat "$stage/log" >&2
	rm -f "$out.tmp"
	echo "mkiso: grub-mkrescue failed" >&2
	exit 1
fi
mv "$out.tmp" "$out"
