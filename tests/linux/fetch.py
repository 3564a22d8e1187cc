#!/usr/bin/env python3
"""Fetches Debian's stock kernel and busybox-static (from Debian's packages only) into build/linux/.

usage: tests/linux/fetch.py [BUILD_DIR]      (default: build/linux)

`apt-get download linux-image-amd64` names the versioned package it depends on
(linux-image-6.1.0-N-amd64); that and busybox-static are downloaded and unpacked with
`dpkg-deb -x`.  Produces:
  vmlinuz     the bzImage
  vmlinux     the uncompressed ELF, extracted from the bzImage's XZ payload (for PVH boot)
  modules/    lib/modules/<release> of the package (virtio drivers for later tests)
  busybox     the static busybox
  release     the kernel release string
Idempotent and quiet: does nothing when everything is already there.  Nothing it
downloads is ever committed (build/ is not tracked).
"""
import glob
import lzma
import os
import shutil
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sh(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"fetch: {' '.join(cmd)} failed:\n{p.stdout}{p.stderr}")
    return p.stdout


def download(pkg, dl):
    """The .deb of pkg in dl (downloaded once)."""
    found = glob.glob(os.path.join(dl, f"{pkg}_*.deb"))
    if not found:
        if subprocess.run(["apt-get", "download", "-q", pkg], cwd=dl,
                          capture_output=True).returncode != 0:
            # A fresh machine may have no package lists yet.
            sh(["apt-get", "update", "-qq"], dl)
            sh(["apt-get", "download", "-q", pkg], dl)
        found = glob.glob(os.path.join(dl, f"{pkg}_*.deb"))
    if len(found) != 1:
        sys.exit(f"fetch: expected one {pkg} .deb in {dl}, found {found}")
    return found[0]


def kernel_package(meta_deb, dl):
    """linux-image-amd64 is a meta package: its Depends names linux-image-<release>."""
    deps = sh(["dpkg-deb", "-f", meta_deb, "Depends"], dl)
    for dep in deps.split(","):
        name = dep.strip().split(" ")[0]
        if name.startswith("linux-image-") and name.endswith("-amd64"):
            return name
    sys.exit(f"fetch: no linux-image-*-amd64 in the Depends of {meta_deb}: {deps!r}")


def extract_vmlinux(bzimage):
    """The bzImage's payload (boot protocol: setup_sects at 0x1f1, payload_offset and
    payload_length at 0x248/0x24c of the setup header, relative to the protected-mode code)
    is an XZ stream whose content is the ELF vmlinux."""
    with open(bzimage, "rb") as f:
        img = f.read()
    if img[0x202:0x206] != b"HdrS":
        sys.exit(f"fetch: {bzimage}: no Linux boot header")
    setup_sects = img[0x1f1] or 4
    pm_start = (setup_sects + 1) * 512
    off, length = struct.unpack_from("<II", img, 0x248)
    payload = img[pm_start + off:pm_start + off + length]
    if not payload.startswith(b"\xfd7zXZ\x00"):
        # Not where the header says: find the XZ magic instead.
        i = img.find(b"\xfd7zXZ\x00")
        if i < 0:
            sys.exit(f"fetch: {bzimage}: no XZ stream in the payload")
        payload = img[i:]
    # The kernel's XZ stream may be followed by the decompressor's size field: decompress
    # the first stream only.
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    elf = d.decompress(payload)
    check_elf(elf, bzimage)
    return elf


def check_elf(elf, what):
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        sys.exit(f"fetch: {what}: payload is not a 64-bit ELF")
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    types = [struct.unpack_from("<I", elf, phoff + i * phentsize)[0] for i in range(phnum)]
    if 4 not in types:  # PT_NOTE: carries XEN_ELFNOTE_PHYS32_ENTRY for PVH
        sys.exit(f"fetch: {what}: the ELF has no PT_NOTE program header")


def main(argv):
    out = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(ROOT, "build", "linux"))
    want = ["vmlinuz", "vmlinux", "busybox", "release", "modules"]
    if all(os.path.exists(os.path.join(out, w)) for w in want):
        return 0
    dl = os.path.join(out, "deb")
    os.makedirs(dl, exist_ok=True)
    meta = download("linux-image-amd64", dl)
    kpkg = kernel_package(meta, dl)
    release = kpkg[len("linux-image-"):]
    kdeb = download(kpkg, dl)
    bdeb = download("busybox-static", dl)
    root = os.path.join(out, "root")
    shutil.rmtree(root, ignore_errors=True)
    sh(["dpkg-deb", "-x", kdeb, root], dl)
    sh(["dpkg-deb", "-x", bdeb, root], dl)
    vmlinuz = os.path.join(root, "boot", f"vmlinuz-{release}")
    busybox = os.path.join(root, "bin", "busybox")
    moddir = os.path.join(root, "lib", "modules", release)
    for p in (vmlinuz, busybox, moddir):
        if not os.path.exists(p):
            sys.exit(f"fetch: {p} missing after unpacking")
    elf = extract_vmlinux(vmlinuz)
    tmp = os.path.join(out, "vmlinux.tmp")
    with open(tmp, "wb") as f:
        f.write(elf)
    os.replace(tmp, os.path.join(out, "vmlinux"))
    shutil.copyfile(vmlinuz, os.path.join(out, "vmlinuz"))
    shutil.copyfile(busybox, os.path.join(out, "busybox"))
    os.chmod(os.path.join(out, "busybox"), 0o755)
    mods = os.path.join(out, "modules")
    if os.path.islink(mods) or os.path.exists(mods):
        os.remove(mods)
    os.symlink(os.path.relpath(moddir, out), mods)
    with open(os.path.join(out, "release"), "w") as f:
        f.write(release + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
