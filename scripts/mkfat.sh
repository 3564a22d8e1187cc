#!/bin/sh
# Makes a FAT file-system image without root or loop mounts.
# usage: mkfat.sh OUT SIZE_MIB SRC=DEST [SRC=DEST ...]   (DEST is a path on the volume)
set -eu
out=$1 size=$2
shift 2
rm -f "$out"
truncate -s "${size}M" "$out"
if [ "$size" -ge 64 ]; then fat=32; else fat=16; fi
if [ "$fat" = 32 ]; then opts="-s 1"; else opts=; fi
mkfs.vfat -F "$fat" $opts -n MACROHARD "$out" >/dev/null
for pair in "$@"; do
	src=${pair%%=*}
	dest=${pair#*=}
	dir=$(dirname "$dest")
	# Create each parent directory in turn (mmd fails if it exists).
	path=
	for part in $(echo "$dir" | tr '/' ' '); do
		path="$path/$part"
		mmd -i "$out" "::$path" 2>/dev/null || true
	done
	mcopy -o -i "$out" "$src" "::$dest"
done
