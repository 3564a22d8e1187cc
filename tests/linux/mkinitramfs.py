#!/usr/bin/env python3
"""Builds the Linux test initramfs: a newc cpio, gzip-compressed, written here without root.

usage: tests/linux/mkinitramfs.py OUT.cpio.gz BUSYBOX HVCHECK INIT [MODULES_DIR [PROGRAM ...]]

Contents: /bin/busybox and a symlink for each of its applets (from `busybox --list-full`),
/bin/hvcheck, /init, the directories /proc /sys /dev /tmp /root, and /dev/console (character
device 5:1, so the kernel can open the console for /init before devtmpfs is mounted).  Every
entry has owner 0:0 and mtime 0 and the gzip header no time stamp: the same inputs give the
same bytes.

With MODULES_DIR (lib/modules/<release> of the kernel package): the disk-test modules of
DISK_MODULES as /lib/modules/NAME.ko (.ko.xz decompressed), in the order /init loads them
(listed in /lib/modules/load-order).  Each PROGRAM, SRC or SRC=DEST (e.g. /sbin/mke2fs), is
copied to DEST (default: the same path), with the shared libraries and loader `ldd` names.
"""
import glob
import gzip
import lzma
import os
import stat
import subprocess
import sys


# The virtio-blk driver and ext4, dependencies first (their modinfo "depends=" fields):
# ext4 needs jbd2, mbcache, crc16 and a crc32c provider for the crypto API.
DISK_MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
                "virtio_pci", "virtio_blk", "crc16", "crc32c_generic", "libcrc32c", "mbcache",
                "jbd2", "ext4"]


def module_file(moddir, name):
    found = glob.glob(os.path.join(moddir, "kernel", "**", f"{name}.ko*"), recursive=True)
    if len(found) != 1:
        sys.exit(f"mkinitramfs: expected one {name}.ko in {moddir}, found {found}")
    with open(found[0], "rb") as f:
        data = f.read()
    return lzma.decompress(data) if found[0].endswith(".xz") else data


def shared_libraries(program):
    """The libraries and loader ldd names for program (absolute paths); none when static."""
    out = subprocess.run(["ldd", program], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        words = line.split()
        if "=>" in words and len(words) > words.index("=>") + 1:
            path = words[words.index("=>") + 1]
        elif words and words[0].startswith("/"):
            path = words[0]
        else:
            continue
        if path.startswith("/"):
            libs.append(path)
    return libs


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


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    out, busybox, hvcheck, init = argv[1:5]
    moddir = argv[5] if len(argv) > 5 else None
    programs = argv[6:]
    applets = subprocess.run([busybox, "--list-full"], check=True, capture_output=True,
                             text=True).stdout.split()
    c = Newc()
    dirs = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "root",
            "etc"}
    for a in applets:
        if os.path.dirname(a):
            dirs.add(os.path.dirname(a))
    extra = {}  # path in the initramfs -> bytes
    if moddir:
        dirs |= {"lib", "lib/modules", "mnt"}
        for m in DISK_MODULES:
            extra[f"lib/modules/{m}.ko"] = module_file(moddir, m)
        extra["lib/modules/load-order"] = ("\n".join(DISK_MODULES) + "\n").encode()
    for prog in programs:
        src, _, dest = prog.partition("=")
        for path in [src] + shared_libraries(src):
            with open(os.path.realpath(path), "rb") as f:
                extra[(dest if path == src and dest else path).lstrip("/")] = f.read()
    for path in extra:
        d = os.path.dirname(path)
        while d:
            dirs.add(d)
            d = os.path.dirname(d)
    for d in sorted(dirs):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    with open(busybox, "rb") as f:
        c.file("bin/busybox", f.read())
    with open(hvcheck, "rb") as f:
        c.file("bin/hvcheck", f.read())
    with open(init, "rb") as f:
        c.file("init", f.read())
    for path in sorted(extra):
        c.file(path, extra[path], 0o644 if path.startswith("lib/modules/") else 0o755)
    for a in sorted(applets):
        if a == "bin/busybox" or a in extra:  # a real program replaces busybox's applet
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
