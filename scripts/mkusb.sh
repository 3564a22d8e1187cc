#!/bin/sh
# Builds the USB stick image: a GPT disk with one FAT32 EFI system partition holding
# EFI/BOOT/BOOTX64.EFI and macrohard.cfg (plus any extra SRC=DEST files), no root needed.
# usage: mkusb.sh OUT EFI_APP CONFIG [SRC=DEST ...]
set -eu
out=$1 efi=$2 cfg=$3
shift 3
here=$(dirname "$0")
part_mib=96
start_sector=2048	# 1 MiB
tmp="$out.esp"
trap 'rm -f "$tmp"' EXIT

"$here/mkfat.sh" "$tmp" "$part_mib" "$efi=/EFI/BOOT/BOOTX64.EFI" "$cfg=/macrohard.cfg" "$@"
rm -f "$out"
# 1 MiB in front, the partition, and 1 MiB behind for the backup GPT.
truncate -s $((part_mib + 2))M "$out"
sgdisk -o -n "1:$start_sector:+${part_mib}M" -t 1:ef00 -c 1:MACROHARD-ESP "$out" >/dev/null
dd if="$tmp" of="$out" bs=1M seek=1 conv=notrunc status=none
