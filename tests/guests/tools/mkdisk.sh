#!/bin/sh
# Makes a raw disk image that boots a test image on a bare PC emulator:
# tests/guests/tools/bootsect.asm in sector 0, the image from sector 1, padded
# to whole cylinders of 16 heads x 63 sectors (Bochs wants a geometry).
# usage: mkdisk.sh OUT.img IMAGE.bin
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 OUT.img IMAGE.bin" >&2
	exit 2
fi
out=$1
image=$2
here=$(cd "$(dirname "$0")" && pwd)
size=$(stat -c %s "$image")
sectors=$(( (size + 511) / 512 ))
if [ "$sectors" -gt 1200 ]; then         # load_gpa 0x8000 .. 0x9f000
	echo "mkdisk: $image is too large ($size bytes)" >&2
	exit 1
fi
cyl_bytes=$((16 * 63 * 512))
cylinders=$(( (512 + sectors * 512 + cyl_bytes - 1) / cyl_bytes ))
nasm -f bin -Werror -DIMAGE_SECTORS="$sectors" "$here/bootsect.asm" -o "$out.tmp"
cat "$image" >>"$out.tmp"
truncate -s $((cylinders * cyl_bytes)) "$out.tmp"
mv "$out.tmp" "$out"
echo "$cylinders"
