#!/bin/sh
# Builds the standalone MACROHARD ISO: GRUB (BIOS) + the Multiboot2 kernel +
# macrohard.cfg as a module, plus any further modules.  No root, no loop
# mounts.  Quiet on success.
# Usage: scripts/mkiso.sh OUT.iso KERNEL.elf CONFIG [SRC=NAME ...]
# Each SRC=NAME adds the file SRC as a Multiboot2 module whose name (command
# line) is NAME, the path the config uses without its leading slash: a VM with
# "kernel = /guests/conformance.bin" needs build/guests/conformance.bin=guests/conformance.bin.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 OUT.iso KERNEL.elf CONFIG [SRC=NAME ...]" >&2
	exit 2
fi
out=$1
kernel=$2
config=$3
shift 3
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

for pair in "$@"; do
	src=${pair%%=*}
	name=${pair#*=}
	case $pair in
	*=*) ;;
	*) echo "mkiso: $pair: expected SRC=NAME" >&2; exit 2 ;;
	esac
	# GRUB splits the module line at blanks; keep names plain relative paths.
	case $name in
	"" | /* | */ | *//* | *[!A-Za-z0-9._/-]* | .. | ../* | */.. | */../*)
		echo "mkiso: $name: module names are relative paths of [A-Za-z0-9._-]" >&2
		exit 2 ;;
	esac
	if [ ! -f "$src" ]; then
		echo "mkiso: $src: no such file" >&2
		exit 1
	fi
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/macrohard-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir -p "$stage/root/boot/grub"
cp "$kernel" "$stage/root/boot/macrohard.elf"
cp "$config" "$stage/root/boot/macrohard.cfg"
# Extra modules live under /boot/modules/NAME; their module2 lines follow
# the configuration's.
lines=
for pair in "$@"; do
	src=${pair%%=*}
	name=${pair#*=}
	mkdir -p "$(dirname "$stage/root/boot/modules/$name")"
	cp "$src" "$stage/root/boot/modules/$name"
	lines="$lines	module2 /boot/modules/$name $name
"
done
MODULE_LINES=$lines awk '
	{ print }
	/^[ \t]*module2 \/boot\/macrohard\.cfg / { printf "%s", ENVIRON["MODULE_LINES"] }
' "$here/boot/grub.cfg" >"$stage/root/boot/grub/grub.cfg"

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
