#!/bin/sh
# Installs every Debian package the build, `make run` and `make test` need.
# Idempotent and quiet when everything is present.
set -eu

packages="make gcc libc6-dev binutils nasm gnu-efi python3 libzydis-dev
grub-pc-bin grub-common xorriso mtools dosfstools gdisk e2fsprogs
qemu-system-x86 ovmf bochs bochsbios vgabios bochs-term acpica-tools"

missing=
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
