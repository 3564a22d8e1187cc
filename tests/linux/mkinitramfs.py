#!/usr/bin/env python3
"""Builds the Linux test initramfs: a newc cpio, gzip-compressed, written here without root.

usage: tests/linux/mkinitramfs.py OUT.cpio.gz BUSYBOX HVCHECK INIT [MODULES_DIR]

Contents: /bin/busybox and a symlink for each of its applets (from `busybox --list-full`),
/bin/hvcheck, /init, the directories /proc /sys /dev /tmp /root, and /dev/console (character
device 5:1, so the kernel can open the console for /init before devtmpfs is mounted); with
MODULES_DIR (the kernel package's lib/modules/<release>), the virtio drivers in
/lib/modules/virtio/.  Every
entry has owner 0:0 and mtime 0 and the gzip header no time stamp: the same inputs give the
same bytes.
"""
import gzip
import os
import stat
import subprocess
import sys


class Newc:
    """The SVR4 "new ASCII" cpio format the kernel unpacks (Documentation/driver-api/
    early-userspace/buffer-format.rst): a 110-byte header of "070701" and 13 eight-digit hex
    fields, the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 1

    def _pad(self):
        self.out += b"\0" * (-len(self.out) % 4)

    def add(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        fields = [self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        self.ino += 1
        self.out += b"070701" + b"".join(b"%08X" % f for f in fields)
        self.out += name.encode() + b"\0"
        self._pad()
        self.out += data
        self._pad()

    def dir(self, name):
        self.add(name, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, name, data, perm=0o755):
        self.add(name, stat.S_IFREG | perm, data)

    def symlink(self, name, target):
        self.add(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, perm=0o600):
        self.add(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def finish(self):
        self.ino = 0
        self.add("TRAILER!!!", 0)
        return bytes(self.out)


VIRTIO_MODULES = ("drivers/virtio/virtio.ko", "drivers/virtio/virtio_ring.ko",
                  "drivers/virtio/virtio_pci_legacy_dev.ko",
                  "drivers/virtio/virtio_pci_modern_dev.ko", "drivers/virtio/virtio_pci.ko",
                  "drivers/block/virtio_blk.ko")


def main(argv):
    if len(argv) not in (5, 6):
        sys.exit(__doc__)
    out, busybox, hvcheck, init = argv[1:5]
    modules = argv[5] if len(argv) == 6 else None
    applets = subprocess.run([busybox, "--list-full"], check=True, capture_output=True,
                             text=True).stdout.split()
    c = Newc()
    dirs = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "root",
            "etc"}
    for a in applets:
        if os.path.dirname(a):
            dirs.add(os.path.dirname(a))
    for d in sorted(dirs):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    with open(busybox, "rb") as f:
        c.file("bin/busybox", f.read())
    with open(hvcheck, "rb") as f:
        c.file("bin/hvcheck", f.read())
    with open(init, "rb") as f:
        c.file("init", f.read())
    if modules:
        # The virtio drivers (modules in Debian's kernel), for mh.virtio= (docs/virtio.md).
        c.dir("lib")
        c.dir("lib/modules")
        c.dir("lib/modules/virtio")
        for rel in VIRTIO_MODULES:
            with open(os.path.join(modules, "kernel", rel), "rb") as f:
                c.file(f"lib/modules/virtio/{os.path.basename(rel)}", f.read(), 0o644)
    for a in sorted(applets):
        if a == "bin/busybox":
            continue
        c.symlink(a, os.path.relpath("bin/busybox", os.path.dirname(a)))
    data = c.finish()
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(data)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
