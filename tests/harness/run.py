#!/usr/bin/env python3
"""MACROHARD test harness: host unit tests and nested boots under QEMU+OVMF and Bochs.

usage: run.py SUITE    SUITE is unit, svm, vmx, all, run, bench, or conformance,
                       conformance-svm, conformance-vmx (the test guests under
                       the hypervisor; part of svm/vmx once CONFORMANCE is True),
                       or boot, boot-svm, boot-vmx (only the boot-format guests),
                       or platform, platform-svm, platform-vmx (only the
                       platform-device guests),
                       or linux, linux-direct, linux-svm, linux-vmx (Debian's
                       kernel: bare QEMU, then under MACROHARD on each vendor;
                       "all" runs linux-direct, and linux-svm* and linux-vmx
                       unless MH_LINUX=0),
                       or uart (console input on both vendors; also in svm/vmx),
                       or smp, smp-svm, smp-vmx (two and three host CPUs; part of svm/vmx)
                       or virtio (the virtio-blk guests on both vendors; also in svm/vmx)

Environment: MH_PARALLEL=N emulators side by side (default 2); MH_JOBS=REGEX
keeps only the emulator jobs whose function name matches; MH_ACCEL=tcg makes QEMU use
TCG even where /dev/kvm opens.

Every check prints PASS:/FAIL:/SKIP: and the run ends with the line
"N passed, N failed"; the exit status is non-zero when anything failed.
Every emulator run has a hard timeout that kills its process group and keeps
its serial and emulator logs under build/test-logs/<test>/.
"""
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
LOGS = os.path.join(BUILD, "test-logs")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
VGA_BIOS = "/usr/share/vgabios/vgabios.bin"
# Emulators run side by side (MH_PARALLEL, default 2: the CI machine has two cores).
PARALLEL = max(1, int(os.environ.get("MH_PARALLEL", "2")))
# MH_JOBS=REGEX keeps only the emulator jobs whose function name matches (e.g. "virtio|hclib").
JOB_FILTER = os.environ.get("MH_JOBS")

_lock = threading.Lock()
_counts = {"pass": 0, "fail": 0, "skip": 0}
# Every failed check again at the end, so the last lines of a long run say what failed.
_failed = []


def report(kind, name, detail=""):
    with _lock:
        _counts[kind] += 1
        if kind == "fail":
            first = detail.splitlines()[0] if detail else ""
            _failed.append(name + (f" ({first[:200]})" if first else ""))
        tag = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[kind]
        print(f"{tag}: {name}" + (f" ({detail})" if detail else ""), flush=True)


def check(name, ok, detail=""):
    report("pass" if ok else "fail", name, "" if ok else detail)
    return ok


def tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(clean(text).splitlines()[-lines:])


_ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


def clean(text):
    """Serial text without terminal escape codes and carriage returns."""
    return _ANSI.sub("", text)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


# ---------------------------------------------------------------- emulators

def _nested_virt():
    """True when the host CPU has VT-x or AMD-V and KVM lets its guests use it (nested).
    A /dev/kvm without that (no vmx/svm flag, e.g. a KVM that runs guests without hardware
    virtualization) cannot run a hypervisor inside QEMU."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), [])
    except OSError:
        return False
    module = "kvm_amd" if "svm" in flags else "kvm_intel" if "vmx" in flags else None
    if module is None:
        return False
    try:
        with open(f"/sys/module/{module}/parameters/nested") as f:
            return f.read().strip() in ("1", "Y", "y")
    except OSError:
        return False


_kvm = None


def kvm_usable():
    """KVM is used only where it can run MACROHARD: /dev/kvm opens and nesting is on."""
    global _kvm
    if os.environ.get("MH_ACCEL") == "tcg":  # forces TCG, whatever the machine offers
        return False
    if _kvm is None:
        try:
            os.close(os.open("/dev/kvm", os.O_RDWR))
            _kvm = _nested_virt()
        except OSError:
            _kvm = False
    return _kvm


def host_vendor():
    try:
        with open("/proc/cpuinfo") as f:
            return "AMD" if "AuthenticAMD" in f.read() else "Intel"
    except OSError:
        return "unknown"


class Boot:
    """One emulator run: its logs, its exit status, and what reached the serial port."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(LOGS, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.serial_path = os.path.join(self.dir, "serial.txt")
        self.log_path = os.path.join(self.dir, "emulator.log")
        self.serial = ""
        self.rc = None
        self.timed_out = False
        self.seconds = 0.0

    def run(self, cmd, timeout, end=None, grace=1.0, env=None):
        """Runs cmd until it exits, `end` appears on the serial port, or timeout."""
        start = time.monotonic()
        seen_end = None
        with open(self.log_path, "wb") as log:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            log.flush()
            proc = subprocess.Popen(cmd, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, env=env)
            try:
                while proc.poll() is None:
                    now = time.monotonic()
                    if now - start > timeout:
                        self.timed_out = True
                        break
                    if end and seen_end is None and re.search(end, self.read_serial(), re.M):
                        seen_end = now
                    if seen_end is not None and now - seen_end > grace:
                        break
                    time.sleep(0.1)
            finally:
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                proc.wait()
        self.rc = proc.returncode
        self.seconds = time.monotonic() - start
        self.serial = self.read_serial()
        return self

    def run_linked(self, cmd, timeout, connect, answers=(), marks=(), end=None, grace=1.0,
                   env=None, idle=None):
        """Like run(), but the emulator's serial port is a stream socket the harness holds:
        everything the guest sends is appended to serial.txt as it arrives, and each
        (regex, bytes) of answers is typed once, when regex first matches the serial text.
        connect() returns the connected socket (it is retried while it raises OSError, so
        the emulator may still be starting).  self.marks[regex] is the time in seconds from
        the emulator's start until each regex of marks first matched.  idle: end the run
        early when nothing has arrived for that many seconds (self.stalled)."""
        start = time.monotonic()
        self.marks = {}
        self.stalled = False
        last_rx = [start]
        pending = list(answers)
        seen_end = None
        text = [""]
        lock = threading.Lock()

        def reader(sock, out):
            tail = ""
            while True:
                try:
                    data = sock.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                out.write(data)
                out.flush()
                last_rx[0] = time.monotonic()
                now = last_rx[0] - start
                chunk = data.decode("utf-8", "replace")
                with lock:
                    text[0] += chunk
                tail = clean(tail + chunk)[-4096:]
                for m in marks:
                    if m not in self.marks and re.search(m, tail, re.M):
                        self.marks[m] = now

        with open(self.log_path, "wb") as log, open(self.serial_path, "wb") as out:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            log.flush()
            proc = subprocess.Popen(cmd, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, env=env)
            sock = None
            thread = None
            try:
                while proc.poll() is None:
                    now = time.monotonic()
                    if now - start > timeout:
                        self.timed_out = True
                        break
                    if idle and now - last_rx[0] > idle:
                        self.stalled = True
                        break
                    if sock is None:
                        try:
                            sock = connect()
                            thread = threading.Thread(target=reader, args=(sock, out),
                                                      daemon=True)
                            thread.start()
                        except OSError:
                            time.sleep(0.05)
                            continue
                    with lock:
                        serial = clean(text[0])
                    for ans in list(pending):
                        if re.search(ans[0], serial, re.M):
                            pending.remove(ans)
                            for b in ans[1]:  # one byte at a time, as a person types
                                sock.sendall(bytes([b]))
                                time.sleep(0.02)
                    if end and seen_end is None and re.search(end, serial, re.M):
                        seen_end = now
                    if seen_end is not None and now - seen_end > grace:
                        break
                    time.sleep(0.05)
            finally:
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                proc.wait()
                if thread:
                    thread.join(5)
                if sock:
                    sock.close()
        self.rc = proc.returncode
        self.seconds = time.monotonic() - start
        self.serial = self.read_serial()
        return self

    def read_serial(self):
        try:
            with open(self.serial_path, "rb") as f:
                return clean(f.read().decode("utf-8", "replace"))
        except OSError:
            return ""

    def failure_context(self):
        return (f"--- {self.name}: serial tail ({self.serial_path})\n{tail(self.serial_path)}\n"
                f"--- {self.name}: emulator log tail ({self.log_path})\n{tail(self.log_path, 15)}")


def qemu_cmd(boot, disk, smp=2, mem=512):
    vars_copy = os.path.join(boot.dir, "OVMF_VARS.fd")
    shutil.copyfile(OVMF_VARS, vars_copy)
    if kvm_usable():
        accel = ["-accel", "kvm", "-cpu", "host"]
    else:
        accel = ["-accel", "tcg", "-cpu", "EPYC,+svm,+npt"]
    return ["qemu-system-x86_64", "-machine", "q35", *accel, "-smp", str(smp), "-m", str(mem),
            "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,file={vars_copy}",
            "-drive", f"format=raw,file={disk}",
            "-display", "none", "-monitor", "none", "-serial", f"file:{boot.serial_path}",
            "-net", "none", "-no-reboot"]


def esp_image(boot, config, extra=(), mib=64):
    """A FAT image holding the UEFI application and, if given, a macrohard.cfg."""
    img = os.path.join(boot.dir, "esp.img")
    files = [f"{BUILD}/macrohard.efi=/EFI/BOOT/BOOTX64.EFI"]
    if config:
        files.append(f"{config}=/macrohard.cfg")
    run(["scripts/mkfat.sh", img, str(mib), *files, *extra])
    return img


def bochs_cmd(boot, iso, model, megs=256, disk=None, cpus=1):
    """disk: (raw image, cylinders) to boot from instead of the ISO; cpus: cpu: count=."""
    with open(os.path.join(ROOT, "tests/harness/bochsrc.in")) as f:
        rc = f.read()
    rc = rc.replace("count=1,", f"count={cpus},")
    if disk:
        rc = re.sub(r"(?m)^ata0-master: .*$", f'ata0-master: type=disk, path="{disk[0]}", '
                    f"mode=flat, cylinders={disk[1]}, heads=16, spt=63", rc)
        rc = re.sub(r"(?m)^boot: .*$", "boot: disk", rc)
    for key, value in {"@ISO@": iso or "", "@SERIAL@": boot.serial_path, "@MODEL@": model,
                       "@MEGS@": str(megs), "@LOG@": os.path.join(boot.dir, "bochs.log"),
                       "@BIOS@": BOCHS_BIOS, "@VGABIOS@": VGA_BIOS}.items():
        rc = rc.replace(key, value)
    rc_path = os.path.join(boot.dir, "bochsrc")
    with open(rc_path, "w") as f:
        f.write(rc)
    cont = os.path.join(boot.dir, "debugger.rc")
    with open(cont, "w") as f:
        f.write("c\n")
    return ["bochs-bin", "-q", "-f", rc_path, "-rc", cont]


def bochs_env():
    env = dict(os.environ)
    env["TERM"] = "dumb"  # the term display library needs any known terminal
    return env


def bochs_check_poweroff(boot):
    """Bochs' exit status is always 1: its log's last panic line says why it ended."""
    panics = re.findall(r">>PANIC<< (.*)", tail(os.path.join(boot.dir, "bochs.log"), 200))
    last = panics[-1].strip() if panics else "(none)"
    check(f"{boot.name}: Bochs ended by ACPI power-off", not boot.timed_out and
          last.endswith("ACPI control: soft power off"), f"last panic line: {last}")


def iso_image(boot, config, modules=()):
    """modules: extra SRC=NAME Multiboot2 modules (scripts/mkiso.sh)."""
    iso = os.path.join(boot.dir, "macrohard.iso")
    run(["scripts/mkiso.sh", iso, f"{BUILD}/macrohard.elf", config, *modules])
    return iso


def bare_disk(boot, guest):
    """A raw disk that boots build/guests/GUEST.bin without the hypervisor
    (tests/guests/tools/mkdisk.sh); returns (path, cylinders)."""
    disk = os.path.join(boot.dir, f"{guest}.img")
    out = subprocess.run(["tests/guests/tools/mkdisk.sh", disk, f"{BUILD}/guests/{guest}.bin"],
                         check=True, cwd=ROOT, capture_output=True, text=True).stdout
    return disk, int(out.strip())


def bare_qemu_cmd(boot, disk):
    """Plain QEMU with a BIOS, no hypervisor, isa-debug-exit as MACROHARD offers it."""
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "qemu64", "-m", "64",
            "-drive", f"format=raw,file={disk}", "-display", "none", "-monitor", "none",
            "-serial", f"file:{boot.serial_path}", "-net", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=1", "-no-reboot"]


# ---------------------------------------------------------------- checks

_GUEST_CHECK = re.compile(r"^\[([\w-]+)\] (PASS|FAIL|SKIP): (.*)$", re.M)


def count_guest_checks(boot):
    """Every PASS/FAIL/SKIP line a test guest printed counts in the totals, once per boot."""
    if getattr(boot, "guest_counted", False):
        return
    boot.guest_counted = True
    for vm, kind, what in _GUEST_CHECK.findall(boot.serial):
        report(kind.lower(), f"{boot.name}: [{vm}] {what}")


def expect(boot, checks, absent=()):
    """checks: (label, regex) that must match the serial text; absent: must not."""
    count_guest_checks(boot)
    ok = True
    for label, regex in checks:
        ok &= check(f"{boot.name}: {label}", re.search(regex, boot.serial, re.M) is not None,
                    f"no match for /{regex}/")
    for label, regex in absent:
        ok &= check(f"{boot.name}: {label}", re.search(regex, boot.serial, re.M) is None,
                    f"unexpected match for /{regex}/")
    if not ok:
        with _lock:
            print(boot.failure_context(), flush=True)
    return ok


def banner_checks(virt, mode):
    checks = [
        ("banner", r"^MACROHARD \d+\.\d+\.\d+ \(\w+\), " + re.escape(mode)),
        ("firmware line", r"^firmware: \S.*, revision 0x[0-9a-f]+"),
        ("cpu line", r"^cpu: \w+ family 0x[0-9a-f]+ model 0x[0-9a-f]+ stepping \d+"),
        ("cpu count", r"^cpus: [1-9]\d*$"),
        ("tsc frequency", r"^tsc: [1-9]\d*\.\d{3} MHz$"),
        ("memory summary", r"^memory: [1-9]\d* map entries, [1-9]\d* MiB usable"),
        (f"{virt} feature list", rf"^{virt} features:$"),
        (f"{virt} usable", rf"^{virt}: usable$"),
    ]
    if virt == "AMD-V":
        checks.append(("NPT listed as present", r"^  nested paging \(NPT\)\s+present\s+required$"))
    else:
        checks += [("EPT listed as present", r"^  EPT\s+present\s+required$"),
                   ("VPID listed", r"^  VPID\s+(present|absent)\s+used when present$"),
                   ("unrestricted guest listed",
                    r"^  unrestricted guest\s+(present|absent)\s+used when present$")]
    return checks


FULL_CFG_CHECKS = [
    ("vm alpha summary", r"^\[alpha\] defined: 512 MiB, 2 vCPUs, kernel /linux/vmlinuz$"),
    ("vm alpha initrd", r"^\[alpha\]   initrd /linux/initrd.img$"),
    ("vm alpha cmdline keeps '#'",
     r'^\[alpha\]   cmdline "console=ttyS0 root=/dev/vda rw # not a comment"$'),
    ("vm alpha file disk", r"^\[alpha\]   disk 0: file:/disks/alpha.img, serial ALPHA0001$"),
    ("vm alpha partuuid disk",
     r"^\[alpha\]   disk 1: partuuid:0fc63daf-8483-4772-8e79-3d69d8477de4, read-only$"),
    ("vm alpha shares", r"^\[alpha\]   share 'media': /shares/media, read-only$"),
    ("vm alpha net mac", r"^\[alpha\]   net 0: switch, mac 52:54:00:12:34:56$"),
    ("vm alpha clipboard", r"^\[alpha\]   clipboard both \(max 4 MiB\), display seamless$"),
    ("vm beta summary", r"^\[beta\] defined: 1 GiB, 1 vCPU, kernel /linux/vmlinuz$"),
    ("vm beta label disk", r"^\[beta\]   disk 0: label:DATA$"),
    ("channels", r"^channel 'chat': alpha <-> beta$"),
    ("config summary", r"^macrohard.cfg: 2 VMs defined, 2 accepted, 0 refused, 0 problems$"),
]

BAD_CFG_CHECKS = [
    ("bad global value", r"^error: macrohard.cfg:2: .*'loud'.*'log_level'"),
    ("memory too small", r"^error: macrohard.cfg:10: .*memory"),
    ("vcpus out of range", r"^error: macrohard.cfg:11: .*vcpus"),
    ("unknown key", r"^error: macrohard.cfg:13: .*unknown key 'colour'"),
    ("line without '='", r"^error: macrohard.cfg:14: "),
    ("unknown section", r"^error: macrohard.cfg:16: .*gadgets"),
    ("duplicate key names first line", r"^error: macrohard.cfg:21: .*duplicate.*line 20"),
    ("missing kernel at header line", r"^error: macrohard.cfg:19: .*missing required key 'kernel'"),
    ("broken VM refused", r"^error: VM 'broken' \(macrohard.cfg:9\) refused"),
    ("nokernel VM refused", r"^error: VM 'nokernel' \(macrohard.cfg:19\) refused"),
    ("good VM still defined", r"^\[good\] defined: 128 MiB, 1 vCPU, kernel /good/vmlinuz$"),
    ("summary counts", r"^macrohard.cfg: 3 VMs defined, 1 accepted, 2 refused, \d+ problems$"),
]


VIRTIO_BAD_CHECKS = (
    "virtio-blk function found by PCI scan", "FEATURES_OK refused without VERSION_1",
    "buffer outside guest RAM: IOERR", "buffer on the IOAPIC: IOERR",
    "buffer over the used ring: IOERR", "256 MiB descriptor: DEVICE_NEEDS_RESET",
    "descriptor loop: DEVICE_NEEDS_RESET", "indirect inside indirect: DEVICE_NEEDS_RESET",
    "write to the read-only disk: IOERR", "after the reset: data read back")
VIRTIO_IO_CHECKS = (
    "four virtio-blk functions found by PCI scan, no fifth", "disk 0 get-id serial",
    "module disk holds the guest image",
    "write through an indirect table OK", "200 write/read-back rounds, data verified each time",
    "write-zeroes OK", "discard OK", "disk 2 (read-only): write is IOERR",
    "INTx delivered through the IOAPIC", "MSI-X delivered through the local APIC")


def virtio_checks():
    """What the serial console must show after tests/configs/virtio.cfg: both VMs' key checks,
    their summaries and clean exits, and the hypervisor's NEEDS_RESET diagnostics."""
    checks = []
    for vm, names in (("vio-bad", VIRTIO_BAD_CHECKS), ("vio-io", VIRTIO_IO_CHECKS)):
        p = re.escape(f"[{vm}] ")
        checks += [(f"{vm}: {n}", rf"^{p}PASS: {re.escape(n)}$") for n in names]
        checks += [(f"{vm}: summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed$"),
                   (f"{vm}: stopped by isa-debug-exit 0",
                    rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$")]
    checks += [("vio-bad: the loop is reported", r"\[vio-bad\].*descriptor chain longer than the queue \(loop\): device needs reset"),
               ("all VMs have stopped", r"^all VMs have stopped"), ("powered off", POWEROFF)]
    absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC"),
              ("vio-io never needed a reset", r"\[vio-io\].*device needs reset")]
    return checks, absent


def virtio_jobs(vendor):
    """The virtio-blk test guests (two VMs, tests/configs/virtio.cfg): virtio-guest-svm on
    QEMU+OVMF, virtio-guest-vmx-skylake on Bochs."""
    checks, absent = virtio_checks()
    guests = [f"{BUILD}/guests/{g}.bin" for g in ("vio_bad", "vio_io")]
    if vendor == "svm":
        def virtio_guest_svm():
            b = Boot("virtio-guest-svm")
            # vio_io.bin is also the module disk (module:guests/vio_io.bin, a path on the ESP).
            b.run(qemu_cmd(b, esp_image(b, cfg("virtio.cfg"),
                                        [f"{g}=/guests/{os.path.basename(g)}" for g in guests])),
                  400)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        return [virtio_guest_svm]

    def virtio_guest_vmx_skylake():
        b = Boot("virtio-guest-vmx-skylake")
        iso = iso_image(b, cfg("virtio.cfg"), [f"{g}=guests/{os.path.basename(g)}" for g in guests])
        b.run(bochs_cmd(b, iso, "corei7_skylake_x"), 500, env=bochs_env())
        expect(b, checks, absent)
        bochs_check_poweroff(b)
    return [virtio_guest_vmx_skylake]


def cfg(name):
    return os.path.join(ROOT, "tests/configs", name)


# ---------------------------------------------------------------- suites

def suite_unit():
    bins = sorted(p for p in os.listdir(os.path.join(BUILD, "unit"))
                  if p.startswith("test_") and not p.endswith(".d"))
    if not check("unit: test binaries built", bool(bins), "none in build/unit"):
        return
    for b in bins:
        path = os.path.join(BUILD, "unit", b)
        try:
            p = subprocess.run([path], cwd=ROOT, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            check(f"unit/{b}", False, "timed out after 300 s")
            continue
        for line in p.stdout.splitlines():
            m = re.match(r"^(PASS|FAIL|SKIP): (.*)$", line)
            if m:
                report(m.group(1).lower(), f"unit/{b}: {m.group(2)}")
        summary = re.search(r"^SUMMARY: \d+ passed, (\d+) failed", p.stdout, re.M)
        if not check(f"unit/{b}: exits cleanly with a summary",
                     p.returncode == 0 and summary is not None,
                     f"exit {p.returncode}, summary {'found' if summary else 'missing'}"):
            print(p.stdout[-3000:] + p.stderr[-3000:], flush=True)


def svm_virt():
    if kvm_usable():
        return "AMD-V" if host_vendor() == "AMD" else "VT-x"
    return "AMD-V"


UEFI_MODE = "firmware-hosted (UEFI)"
BARE_MODE = "standalone (Multiboot2)"
POWEROFF = r"^macrohard: powering off$"
# OVMF's boot manager reports the application's error status, then moves on.
FIRMWARE_RESUMED = r"^BdsDxe: failed to start .*: Aborted$"
RETURNED = r"^macrohard: stopped \(status -?\d+\); returning to the firmware$"


def svm_jobs():
    virt = svm_virt()
    t = 240

    def banner():
        b = Boot("svm-banner")
        b.run(qemu_cmd(b, esp_image(b, cfg("full.cfg"))), t)
        expect(b, banner_checks(virt, UEFI_MODE) + [
            ("firmware is EDK II", r"^firmware: EDK II"),
            ("two CPUs counted", r"^cpus: 2$"),
        ] + FULL_CFG_CHECKS + [("powered off", POWEROFF)], absent=[("no panic", r"PANIC")])
        check(f"{b.name}: QEMU exited by itself after power-off", not b.timed_out and b.rc == 0,
              f"rc {b.rc}, timed out {b.timed_out}")

    def badcfg():
        b = Boot("svm-badcfg")
        b.run(qemu_cmd(b, esp_image(b, cfg("bad.cfg"))), t)
        expect(b, BAD_CFG_CHECKS + [("powered off", POWEROFF)], absent=[("no panic", r"PANIC")])

    def nocfg():
        b = Boot("svm-nocfg")
        b.run(qemu_cmd(b, esp_image(b, None)), t, end=RETURNED)
        expect(b, [("missing config reported",
                    r"^warning: macrohard.cfg: cannot read \(not found\); no VMs are defined$"),
                   ("returns to the firmware by default", RETURNED)])

    def exception():
        b = Boot("svm-exception")
        b.run(qemu_cmd(b, esp_image(b, cfg("selftest-exception.cfg"))), t,
              end=FIRMWARE_RESUMED)
        expect(b, [
            ("reason and CPU", r"^PANIC on CPU 0 \(APIC ID \d+\): host exception 6 "
                               r"\(#UD invalid opcode\) in hypervisor code$"),
            ("register dump", r"^  RIP=[0-9a-f]{16} CS=[0-9a-f]{4} RFLAGS=[0-9a-f]{16}$"),
            ("general registers", r"^  R12=[0-9a-f]{16} R13=[0-9a-f]{16}"),
            ("control registers", r"^  CR0=[0-9a-f]{16} CR2="),
            ("returned to the firmware", RETURNED),
            ("firmware regained control", FIRMWARE_RESUMED),
        ], absent=[("firmware's own exception dump not reached", r"!!!! X64 Exception")])

    def panic():
        b = Boot("svm-panic")
        b.run(qemu_cmd(b, esp_image(b, cfg("selftest-panic.cfg"))), t, end=FIRMWARE_RESUMED)
        expect(b, [
            ("reason and CPU", r"^PANIC on CPU 0 \(APIC ID \d+\): selftest requested by "
                               r"macrohard.cfg$"),
            ("register dump", r"^  RSP=[0-9a-f]{16} SS=[0-9a-f]{4}"),
            ("returned to the firmware", RETURNED),
            ("firmware regained control", FIRMWARE_RESUMED),
        ])

    def usb():
        b = Boot("svm-usb")
        b.run(qemu_cmd(b, os.path.join(BUILD, "macrohard-usb.img")), t)
        expect(b, banner_checks(virt, UEFI_MODE) + [
            ("demo VM from the stick's config", r"^\[demo\] defined: 64 MiB, 1 vCPU"),
            ("demo guest ran from the stick", r"^\[demo\] SUMMARY: \d+ passed, 0 failed"),
            ("powered off", POWEROFF)])

    return [banner, badcfg, nocfg, exception, panic, usb,
            entry_failure_job("svm", "CR0\\.NW set without CR0\\.CD")] + hypercall_jobs("svm") + \
        hclib_jobs("svm") + \
        timer_jobs("svm") + boot_jobs("svm") + platform_jobs("svm") + apic_jobs("svm") + \
        uart_jobs("svm") + virtio_jobs("svm") + xsave_jobs("svm")


def vmx_jobs():
    t = 300

    def banner(model, label, extra):
        def job():
            b = Boot(f"vmx-banner-{label}")
            b.run(bochs_cmd(b, iso_image(b, cfg("full.cfg")), model), t, env=bochs_env())
            expect(b, banner_checks("VT-x", BARE_MODE) + extra + FULL_CFG_CHECKS +
                   [("powered off", POWEROFF)], absent=[("no panic", r"PANIC")])
            bochs_check_poweroff(b)
        return job

    def badcfg():
        b = Boot("vmx-badcfg")
        b.run(bochs_cmd(b, iso_image(b, cfg("bad.cfg")), "corei7_skylake_x"), t, env=bochs_env())
        expect(b, BAD_CFG_CHECKS + [("powered off", POWEROFF)], absent=[("no panic", r"PANIC")])
        bochs_check_poweroff(b)

    def exception():
        b = Boot("vmx-exception")
        halted = r"^macrohard: stopped \(status -1\); system halted$"
        b.run(bochs_cmd(b, iso_image(b, cfg("selftest-exception.cfg")), "corei7_skylake_x"), t,
              end=halted, env=bochs_env())
        expect(b, [
            ("reason and CPU", r"^PANIC on CPU 0 \(APIC ID \d+\): host exception 6 "
                               r"\(#UD invalid opcode\) in hypervisor code$"),
            ("register dump", r"^  RIP=[0-9a-f]{16} CS=[0-9a-f]{4} RFLAGS=[0-9a-f]{16}$"),
            ("halted after the report", halted),
        ])

    skylake = [("EPT 1 GiB pages present", r"^  EPT 1 GiB pages\s+present"),
               ("EPT A/D present", r"^  EPT accessed/dirty flags\s+present"),
               ("VMCS shadowing present", r"^  VMCS shadowing\s+present")]
    ivy = [("EPT A/D absent", r"^  EPT accessed/dirty flags\s+absent"),
           ("VMCS shadowing absent", r"^  VMCS shadowing\s+absent"),
           ("EPT present", r"^  EPT\s+present")]
    return [entry_failure_job("vmx", "SS type must be 3 or 7"),
            banner("corei7_skylake_x", "skylake", skylake),
            banner("corei7_ivy_bridge_3770k", "ivybridge", ivy), badcfg,
            exception] + hypercall_jobs("vmx") + hclib_jobs("vmx") + timer_jobs("vmx") + \
        boot_jobs("vmx") + platform_jobs("vmx") + apic_jobs("vmx") + uart_jobs("vmx") + \
        virtio_jobs("vmx") + xsave_jobs("vmx")


GUESTS = ("conformance", "triplefault", "haltoff", "unmapped")
GUEST_SUMMARY_OK = r"^SUMMARY: \d+ passed, 0 failed"
OUTSB_MODES = ("real", "protected", "long")


def guest_selfcheck_jobs():
    """The test guests on bare QEMU (BIOS + tests/guests/tools/bootsect.asm), no
    hypervisor: their own logic (mode switches, handlers, string-I/O bookkeeping)
    must hold, with the hypervisor-specific checks SKIPped.  About 1 s each."""
    t = 60

    def conformance():
        b = Boot("guest-selfcheck")
        b.run(bare_qemu_cmd(b, bare_disk(b, "conformance")[0]), t)
        expect(b, [("ran off MACROHARD", r"^conformance: no MACROHARD signature"),
                   ("summary with 0 failed", GUEST_SUMMARY_OK),
                   ("checks ran in long mode", r"^PASS: long: pf read not-present page$")] +
               [(f"rep outsb line ({m})", rf"^rep outsb ok \({m}\)$") for m in OUTSB_MODES],
               absent=[("no FAIL line", r"^FAIL:")])
        check(f"{b.name}: exit status 0 through isa-debug-exit", not b.timed_out and b.rc == 1,
              f"QEMU rc {b.rc} (want 1 = (0 << 1) | 1), timed out {b.timed_out}")

    def triplefault():
        b = Boot("guest-selfcheck-triplefault")
        b.run(bare_qemu_cmd(b, bare_disk(b, "triplefault")[0]), t)
        expect(b, [("about to triple fault", r"^PASS: triplefault: about to triple fault$")],
               absent=[("no FAIL line", r"^FAIL:")])
        check(f"{b.name}: QEMU shut down (triple fault, -no-reboot)",
              not b.timed_out and b.rc == 0, f"QEMU rc {b.rc}, timed out {b.timed_out}")

    def haltoff():
        b = Boot("guest-selfcheck-haltoff")
        line = r"^PASS: haltoff: halting with interrupts off$"
        b.run(bare_qemu_cmd(b, bare_disk(b, "haltoff")[0]), t, end=line, grace=1.0)
        expect(b, [("halting line", line)], absent=[("no FAIL line", r"^FAIL:")])
        check(f"{b.name}: still halted 1 s later", not b.timed_out and b.rc == -signal.SIGKILL,
              f"QEMU rc {b.rc}, timed out {b.timed_out}")

    return [conformance, triplefault, haltoff]


def guest_selfcheck_bochs_job():
    """The conformance guest on bare Bochs (VT-x CPU, BIOS): exercises what QEMU
    does not (#GP for unknown MSRs).  Bochs' UART drops the end of the rep outsb
    lines (no hypervisor emulating it), so they are not checked here."""
    def job():
        b = Boot("guest-selfcheck-bochs")
        disk = bare_disk(b, "conformance")
        b.run(bochs_cmd(b, None, "corei7_skylake_x", megs=64, disk=disk), 120,
              end=r"^SUMMARY: ", env=bochs_env())
        expect(b, [("ran off MACROHARD", r"^conformance: no MACROHARD signature"),
                   ("summary with 0 failed", GUEST_SUMMARY_OK),
                   ("unknown MSR #GP(0) in protected mode",
                    r"^PASS: prot: rdmsr unknown msr raises #gp\(0\)$"),
                   ("checks ran in long mode", r"^PASS: long: pf read not-present page$")],
               absent=[("no FAIL line", r"^FAIL:")])
    job.__name__ = "guest_selfcheck_bochs"
    return job


# The conformance runs below need the VM-running core; until it has landed they
# fail, so they run only as the "conformance*" suites.  Set True to make them
# part of the svm and vmx suites.
CONFORMANCE = True


def conformance_checks():
    """What the serial console must show after tests/configs/conformance.cfg."""
    checks = []
    for vm in ("conf-a", "conf-b"):
        p = re.escape(f"[{vm}] ")
        checks += [
            (f"{vm}: signature found", rf"^{p}PASS: real: cpuid signature$"),
            *[(f"{vm}: rep outsb line ({m})", rf"^{p}rep outsb ok \({m}\)$")
              for m in OUTSB_MODES],
            (f"{vm}: checks ran in long mode", rf"^{p}PASS: long: pf read not-present page$"),
            (f"{vm}: summary with 0 failed", rf"^{p}SUMMARY: \d+ passed, 0 failed"),
            (f"{vm}: stopped by isa-debug-exit 0",
             rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$"),
        ]
    checks += [
        ("triple: guest line", r"^\[triple\] PASS: triplefault: about to triple fault$"),
        ("triple: stopped by the triple fault", r"^\[triple\] stopped: triple fault"),
        ("triple: register dump before the stop",
         r"^\[triple\] error:   RIP=[0-9a-f]{16} RFLAGS=[0-9a-f]{16} vCPU 0\n"
         r"(?:.*\n)*?\[triple\] error:   instruction at RIP: cc [0-9a-f ]*\n"
         r"(?:.*\n)*?\[triple\] stopped: triple fault"),
        ("haltoff: guest line", r"^\[haltoff\] PASS: haltoff: halting with interrupts off$"),
        ("haltoff: stopped", r"^\[haltoff\] stopped: halted with interrupts disabled"),
        ("unmapped: guest line", r"^\[unmapped\] PASS: unmapped: about to read beyond RAM$"),
        ("unmapped: stopped at the unmapped GPA",
         r"^\[unmapped\] stopped: access to an unmapped guest-physical address"),
        ("unmapped: register dump before the stop",
         r"^\[unmapped\] error:   RIP=[0-9a-f]{16} RFLAGS=[0-9a-f]{16} vCPU 0\n"
         r"(?:.*\n)*?\[unmapped\] stopped: access to an unmapped guest-physical address"),
        ("all VMs have stopped", r"^all VMs have stopped"),
        ("powered off", POWEROFF),
    ]
    absent = [("no FAIL line from any VM", r"^\[[^\]]+\] FAIL:"),
              # under MACROHARD every check runs: a SKIP means it was not detected
              ("no SKIP line from the conformance VMs", r"^\[conf-[ab]\] SKIP:"),
              ("no panic", r"PANIC")]
    return checks, absent


def conformance_jobs(vendor):
    """The test guests under the hypervisor: vendor "svm" (QEMU + OVMF, guests on
    the ESP under /guests/) or "vmx" (Bochs, guests as Multiboot2 modules)."""
    checks, absent = conformance_checks()
    t = 300
    if vendor == "svm":
        def svm():
            b = Boot("conformance-svm")
            files = [f"{BUILD}/guests/{g}.bin=/guests/{g}.bin" for g in GUESTS]
            b.run(qemu_cmd(b, esp_image(b, cfg("conformance.cfg"), files)), t)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        return [svm]

    def vmx(model, label):
        def job():
            b = Boot(f"conformance-vmx-{label}")
            modules = [f"{BUILD}/guests/{g}.bin=guests/{g}.bin" for g in GUESTS]
            iso = iso_image(b, cfg("conformance.cfg"), modules)
            b.run(bochs_cmd(b, iso, model, megs=512), t, env=bochs_env())
            expect(b, checks, absent)
            bochs_check_poweroff(b)
        job.__name__ = f"conformance_vmx_{label}"
        return job
    return [vmx("corei7_skylake_x", "skylake"), vmx("corei7_ivy_bridge_3770k", "ivybridge")]


def hypercall_checks():
    """What the serial console must show after tests/configs/hypercall.cfg."""
    checks = []
    for vm in ("hc", "hc-peer", "hc-none"):
        p = re.escape(f"[{vm}] ")
        checks += [
            (f"{vm}: cpl 0 calls ran", rf"^{p}PASS: hypercall: cpl0: hc_version returns the abi version$"),
            (f"{vm}: cpl 3 calls ran", rf"^{p}PASS: hypercall: cpl3: hc_version$"),
            (f"{vm}: #gp at the top of the canonical range",
             rf"^{p}PASS: hypercall: cpl0: hypercall at the top of the canonical range -> #gp$"),
            (f"{vm}: other vendor's instruction from cpl 3",
             rf"^{p}PASS: hypercall: cpl3: other vendor's instruction works$"),
            (f"{vm}: summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed$"),
            (f"{vm}: stopped by isa-debug-exit 0",
             rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$"),
        ]
    ok = lambda vm, text: rf"^\[{vm}\] PASS: hypercall: {re.escape(text)}$"
    checks += [
        ("hc-none: clipboard denied", ok("hc-none", "agent none: clipboard read -> not permitted")),
        ("ipc: a -> b delivered", ok("hc-peer", "agent b: message a -> b delivered")),
        ("ipc: forbidden direction", ok("hc-peer", "agent b: send against the direction -> not permitted")),
        ("ipc: full queue", ok("hc", "agent a: queue full -> would block")),
        ("ipc: closed after the peer stopped", ok("hc", "agent a: send after the peer vm stopped -> closed")),
        ("clipboard: b reads what a wrote", ok("hc-peer", "agent b: ... same text as a wrote")),
        ("clipboard: invalid utf-8", ok("hc", "agent a: clipboard write invalid utf-8 -> invalid")),
        ("clipboard: png", ok("hc", "agent a: clipboard png accepted")),
        ("clipboard: png without signature", ok("hc", "agent a: clipboard png without signature -> invalid")),
        ("clipboard: paste-in may not write", ok("hc-peer", "agent b: paste-in vm writes -> not permitted")),
        ("display: invalid title", ok("hc", "agent a: display title with invalid utf-8 -> invalid")),
        ("display: too many windows", ok("hc", "agent a: display 65 windows -> invalid")),
        ("display: window table printed", r'^\[hc\] window 7 "Terminal" 640x480\+10\+20 z=0$'),
        ("display: second window printed", r'^\[hc\] window 9 "Caf[^"]+" 300x200-5\+0 z=1$'),
        ("all VMs have stopped", r"^all VMs have stopped"), ("powered off", POWEROFF)]
    absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC")]
    return checks, absent


def hypercall_jobs(vendor):
    """The hypercall test guest (two VMs) under the hypervisor: hypercall-svm on QEMU,
    hypercall-vmx-<model> on both Bochs models."""
    checks, absent = hypercall_checks()
    guest = f"{BUILD}/guests/hypercall.bin"
    if vendor == "svm":
        def svm():
            b = Boot("hypercall-svm")
            b.run(qemu_cmd(b, esp_image(b, cfg("hypercall.cfg"),
                                        [f"{guest}=/guests/hypercall.bin"])), 240)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "hypercall_svm"
        return [svm]

    def vmx(model, label):
        def job():
            b = Boot(f"hypercall-vmx-{label}")
            iso = iso_image(b, cfg("hypercall.cfg"), [f"{guest}=guests/hypercall.bin"])
            b.run(bochs_cmd(b, iso, model), 300, env=bochs_env())
            expect(b, checks, absent)
            bochs_check_poweroff(b)
        job.__name__ = f"hypercall_vmx_{label}"
        return job
    return [vmx("corei7_skylake_x", "skylake"), vmx("corei7_ivy_bridge_3770k", "ivybridge")]


# The console commands typed for lib-a once it has reported its windows (docs/guest.md,
# "Console commands"): three refused ones (unknown VM, unknown window, bad size), the table,
# then a focus and a configure request the guest must receive.
HCLIB_COMMANDS = (b"\x01:window lib-z 7 focus\r" b"\x01:window lib-a 99 close\r"
                  b"\x01:window lib-a 7 move 0 0 0 10\r" b"\x01:windows lib-a\r"
                  b"\x01:window lib-a 7 focus\r" b"\x01:window lib-a 9 move 10 20 300 200\r")


def hclib_checks():
    """What the serial console must show after tests/configs/hclib.cfg (typed commands too)."""
    checks = []
    for vm in ("lib-a", "lib-b"):
        p = re.escape(f"[{vm}] ")
        checks += [
            (f"{vm}: libhc found the signature",
             rf"^{p}PASS: hclib: libhc_init finds the MACROHARD signature$"),
            (f"{vm}: libhc from cpl 0", rf"^{p}PASS: hclib: cpl0: libhc_version returns the abi version$"),
            (f"{vm}: libhc from cpl 3", rf"^{p}PASS: hclib: cpl3: libhc_version returns the abi version$"),
            (f"{vm}: cpl 3 kernel pointer refused",
             rf"^{p}PASS: hclib: cpl3: libhc_version_info into a kernel page -> bad address$"),
            (f"{vm}: cpl 3 memory map refused", rf"^{p}PASS: hclib: cpl3: libhc_memory_map -> not permitted$"),
            (f"{vm}: cpl 3 timer refused", rf"^{p}PASS: hclib: cpl3: libhc_timer_arm -> not permitted$"),
            (f"{vm}: one-shot timer", rf"^{p}PASS: hclib: cpl0: one-shot timer interrupt arrives$"),
            (f"{vm}: summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed$"),
            (f"{vm}: stopped by isa-debug-exit 0", rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$")]
    ok = lambda vm, text: rf"^\[{vm}\] PASS: hclib: {re.escape(text)}$"
    checks += [
        ("roles from the channel ends", r"^\[lib-a\] hclib: role a$"),
        ("ipc a -> b at cpl 0", ok("lib-b", "agent b: message a -> b at cpl 0 delivered")),
        ("ipc a -> b at cpl 3", ok("lib-b", "agent b: message a -> b at cpl 3 delivered")),
        ("clipboard read in chunks", ok("lib-b", "agent b: clipboard read in chunks is what a wrote")),
        ("ipc notification under a periodic timer",
         ok("lib-b", "agent b: ipc notification delivered while a periodic timer fires")),
        ("ipc notification not starved by the timer",
         ok("lib-b", "agent b: ... within two timer interrupts")),
        ("window table printed", r'^\[lib-a\] window 7 "Editor" 640x480\+10\+20 z=0$'),
        ("console: unknown VM refused", r'^console: no VM named "lib-z"; nothing posted$'),
        ("console: unknown window refused", r"^console: \[lib-a\] has no window 99; nothing posted$"),
        ("console: bad size refused", r"^console: W and H must be numbers from 1 to 16384; nothing posted$"),
        ("console: windows prints the table", r"^\[lib-a\] seamless on, \d+ host events queued, 0 refused$"),
        ("console: focus posted", r"^console: \[lib-a\] window 7: focus request posted$"),
        ("console: configure posted", r"^console: \[lib-a\] window 9: configure request posted$"),
        ("guest got the focus event", r"^\[lib-a\] hclib: event focus window 7 0 0 0 0 \(cpl3, \d+ left\)$"),
        ("guest got the configure event",
         r"^\[lib-a\] hclib: event configure window 9 10 20 300 200 \(cpl0, 0 left\)$"),
        ("nothing else was posted",
         ok("lib-a", "cpl0: agent a: no further host events (the refused commands posted nothing)")),
        ("all VMs have stopped", r"^all VMs have stopped"), ("powered off", POWEROFF)]
    absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC")]
    return checks, absent


def hclib_jobs(vendor):
    """The libhc test guest (tests/guests/hclib.c, two VMs) with window commands typed on the
    console: hclib-svm on QEMU + OVMF, hclib-vmx-skylake on Bochs."""
    guest = f"{BUILD}/guests/hclib.bin"
    answers = [(r"^\[lib-a\] hclib: MH-WINDOWS-READY$", HCLIB_COMMANDS)]
    checks, absent = hclib_checks()
    if vendor == "svm":
        def svm():
            b = Boot("hclib-svm")
            cmd = qemu_cmd(b, esp_image(b, cfg("hclib.cfg"), [f"{guest}=/guests/hclib.bin"]))
            b.run_linked(cmd, 300, qemu_serial_socket(b, cmd), answers=answers)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "hclib_svm"
        return [svm]

    def vmx():
        b = Boot("hclib-vmx-skylake")
        iso = iso_image(b, cfg("hclib.cfg"), [f"{guest}=guests/hclib.bin"])
        cmd = bochs_cmd(b, iso, "corei7_skylake_x")
        port = bochs_serial_socket(cmd)
        b.run_linked(cmd, 400, linux_tcp_connect(port), answers=answers, env=bochs_env())
        expect(b, checks, absent)
        bochs_check_poweroff(b)
    vmx.__name__ = "hclib_vmx_skylake"
    return [vmx]


BOOT_GUESTS = ("mb1", "pvh", "linux")


def boot_checks():
    """What the serial console must show after tests/configs/boot.cfg."""
    checks = []
    for vm in BOOT_GUESTS:
        p = re.escape(f"[{vm}] ")
        checks += [
            (f"{vm}: loaded with its initrd", rf"^{p}initrd /guests/boot_{vm}.bin: \d+ bytes at 0x"),
            (f"{vm}: summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed$"),
            (f"{vm}: stopped by isa-debug-exit 0",
             rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$"),
        ]
    checks += [("all VMs have stopped", r"^all VMs have stopped"), ("powered off", POWEROFF)]
    absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC")]
    return checks, absent


def boot_jobs(vendor):
    """The boot-format guests (Multiboot, PVH, bzImage) under the hypervisor: boot-svm on QEMU,
    boot-vmx-<model> on both Bochs models."""
    checks, absent = boot_checks()
    guests = [f"{BUILD}/guests/boot_{g}.bin" for g in BOOT_GUESTS]
    if vendor == "svm":
        def svm():
            b = Boot("boot-svm")
            b.run(qemu_cmd(b, esp_image(b, cfg("boot.cfg"),
                                        [f"{g}=/guests/{os.path.basename(g)}" for g in guests])),
                  240)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "boot_svm"
        return [svm]

    def vmx(model, label):
        def job():
            b = Boot(f"boot-vmx-{label}")
            iso = iso_image(b, cfg("boot.cfg"),
                            [f"{g}=guests/{os.path.basename(g)}" for g in guests])
            b.run(bochs_cmd(b, iso, model), 300, env=bochs_env())
            expect(b, checks, absent)
            bochs_check_poweroff(b)
        job.__name__ = f"boot_vmx_{label}"
        return job
    return [vmx("corei7_skylake_x", "skylake"), vmx("corei7_ivy_bridge_3770k", "ivybridge")]


def timer_checks():
    """What the serial console must show after tests/configs/timer.cfg."""
    checks = []
    for vm in ("timer-a", "timer-b"):
        p = re.escape(f"[{vm}] ")
        checks += [
            (f"{vm}: periodic 1 kHz timer within 1 % over one second of guest TSC",
             rf"^{p}PASS: timer: cpl0: periodic 1 khz timer over one second of guest tsc "
             rf"\(sti; hlt\) within 1 % \(\d+\)$"),
            (f"{vm}: one-shot fires once", rf"^{p}PASS: timer: cpl0: the one-shot timer fires exactly once$"),
            (f"{vm}: HLT woken by a timer", rf"^{p}PASS: timer: cpl0: sti; hlt wakes on a 2 ms one-shot timer$"),
            (f"{vm}: cancel stops interrupts", rf"^{p}PASS: timer: cpl0: no interrupt after cancel$"),
            (f"{vm}: CPL 3 refused", rf"^{p}PASS: timer: cpl3: hc_timer -> not permitted \(kernel only\)$"),
            (f"{vm}: summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed$"),
            (f"{vm}: stopped by isa-debug-exit 0",
             rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$"),
        ]
    checks += [("all VMs have stopped", r"^all VMs have stopped"), ("powered off", POWEROFF)]
    absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC"),
              ("no VM declared stuck", r"nothing can wake it")]
    return checks, absent


def timer_jobs(vendor):
    """The HC_TIMER test guest (two VMs): timer-svm on QEMU, timer-vmx-<model> on both Bochs
    models."""
    checks, absent = timer_checks()
    guest = f"{BUILD}/guests/timer.bin"
    if vendor == "svm":
        def svm():
            b = Boot("timer-svm")
            # Guest time from the instruction count (as Bochs with clock: sync=none), so the
            # 1 % check measures the hypervisor, not how much CPU a loaded host gives QEMU.
            b.run(qemu_cmd(b, esp_image(b, cfg("timer.cfg"), [f"{guest}=/guests/timer.bin"])) +
                  ["-icount", "shift=3,sleep=off"], 400)
            # Both VMs share the AP (-smp 2): a busy guest gets the ticks of its own time
            # slices (about half), because the AP's local APIC timer ends AMD-V entries at
            # each deadline; with only slice ends it got 4 %.
            busy = [(f"{vm}: a busy guest on the AP gets the ticks of its slices",
                     rf"^\[{vm}\] INFO: timer: periodic 1 khz timer over one second of a busy "
                     r"guest \(no exits\): ([3-9]\d\d|1000)$") for vm in ("timer-a", "timer-b")]
            expect(b, checks + busy, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "timer_svm"
        return [svm]

    def vmx(model, label):
        def job():
            b = Boot(f"timer-vmx-{label}")
            iso = iso_image(b, cfg("timer.cfg"), [f"{guest}=guests/timer.bin"])
            b.run(bochs_cmd(b, iso, model), 300, env=bochs_env())
            expect(b, checks, absent)
            bochs_check_poweroff(b)
        job.__name__ = f"timer_vmx_{label}"
        return job
    return [vmx("corei7_skylake_x", "skylake"), vmx("corei7_ivy_bridge_3770k", "ivybridge")]


XSAVE_NAMES = (
    "xsave: cpuid 1 osxsave follows cr4",
    "xsave: xgetbv reads back xcr0",
    "xsave: cpuid 0xd.0 ebx is 576 for xcr0 x87|sse",
    "xsave: cpuid 0xd.0 ebx is the end of the last enabled component",
    "xsave: fcw, st0, mxcsr, xmm, ymm and xstate_bv at their places",
    "xsave: nothing written past cpuid 0xd.0 ebx",
    "xrstor: fcw, st0, mxcsr, xmm and ymm restored",
    "xsave after xrstor: the same values at their places",
    "xrstor: xstate_bv 0 for x87 loads fcw 0x37f",
    "xrstor: rfbm x87 only keeps mxcsr",
    "xsaveopt: fcw, st0, mxcsr, xmm, ymm and xstate_bv at their places",
    "xsaveopt: nothing written past cpuid 0xd.0 ebx",
    "xsaveopt: a register changed after xrstor is saved",
    "xsaveopt: the other registers keep their values",
    "xsave: every component: cpuid 0xd.0 ebx is the end of the last one",
    "xsave: every component: cpuid 0xd.0 ecx is the same",
    "xsave: every component: nothing written past cpuid 0xd.0 ebx",
    "tsc_adjust: reads back what was written",
    "tsc_adjust: writing it moves the tsc by as much",
    "tsc_adjust: writing the tsc moves it by as much",
)
XSAVEC_NAMES = (
    "xsavec: cpuid 0xd.1 ebx is the compacted size for xcr0",
    "xsavec: xcomp_bv is bit 63 | xcr0",
    "xsavec: xmm registers at 160",
    "xsavec: upper ymm halves at the compacted offset",
    "xsavec: nothing written past cpuid 0xd.1 ebx",
    "xsavec: xrstor of the compacted area restores the registers",
    "xsavec: every component: cpuid 0xd.1 ebx is the compacted size",
    "xsavec: every component: nothing written past cpuid 0xd.1 ebx",
)


def xsave_checks(boot):
    """What tests/configs/xsave.cfg must show: every named check of xsave.asm passed (AVX is
    offered on both emulated CPUs, so none is skipped), and XSAVEC either offered and passing
    every XSAVEC check, or hidden from the guest for the reason the hypervisor logged at start-up
    (the CPU has none, or the start-up check found it writing another layout: Bochs 2.7)."""
    p = re.escape("[xsave] ")
    checks = [(n, rf"^{p}PASS: {re.escape(n)}$") for n in XSAVE_NAMES]
    checks += [("summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed, [01] skipped$"),
               ("stopped by isa-debug-exit 0", rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$"),
               ("powered off", POWEROFF)]
    expect(boot, checks, [("no FAIL line", r"^\[xsave\] FAIL:"), ("no panic", r"PANIC")])
    text = clean(boot.serial)
    offered = re.search(r"^xstate: XSAVEC writes the layout CPUID describes; offered to guests$",
                        text, re.M)
    why = re.search(r"^(xstate: this CPU has no XSAVEC|warning: xstate: XSAVEC does not write "
                    r"the layout CPUID describes \(.*\); XSAVEC and XSAVES are not offered to "
                    r"guests)$", text, re.M)
    skipped = re.search(rf"^{p}SKIP: xsavec: round trip and compacted layout \(cpuid 0xd\.1 does "
                        r"not offer xsavec\)$", text, re.M)
    if offered:
        expect(boot, [(n, rf"^{p}PASS: {re.escape(n)}$") for n in XSAVEC_NAMES])
    else:
        check(f"{boot.name}: XSAVEC hidden from the guest for a reason logged at start-up",
              bool(why and skipped),
              f"start-up line {why.group(0) if why else 'missing'}; guest SKIP line "
              f"{'present' if skipped else 'missing'}")
    return bool(offered), why


def xsave_jobs(vendor):
    """The XSAVE test guest: xsave-svm on QEMU (EPYC: AVX, XSAVEOPT, no XSAVEC under TCG),
    xsave-vmx-skylake on Bochs (AVX-512, XSAVEC broken in Bochs 2.7)."""
    guest = f"{BUILD}/guests/xsave.bin"
    if vendor == "svm":
        def svm():
            b = Boot("xsave-svm")
            b.run(qemu_cmd(b, esp_image(b, cfg("xsave.cfg"), [f"{guest}=/guests/xsave.bin"])), 240)
            xsave_checks(b)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "xsave_svm"
        return [svm]

    def vmx():
        b = Boot("xsave-vmx-skylake")
        iso = iso_image(b, cfg("xsave.cfg"), [f"{guest}=guests/xsave.bin"])
        b.run(bochs_cmd(b, iso, "corei7_skylake_x"), 300, env=bochs_env())
        offered, why = xsave_checks(b)
        # Bochs 2.7's XSAVEC writes the extended components at byte 416: the start-up check
        # must catch it (a Bochs that gets XSAVEC right would instead pass every XSAVEC check).
        check(f"{b.name}: the start-up check tells Bochs' XSAVEC apart",
              offered or (why is not None and "does not write" in why.group(0)),
              why.group(0) if why else "no xstate line")
        bochs_check_poweroff(b)
    vmx.__name__ = "xsave_vmx_skylake"

    def selfcheck():
        # The guest on bare Bochs, no hypervisor: Bochs offers its XSAVEC, and the guest's own
        # XSAVEC checks must catch what the hypervisor's start-up check catches (so they can
        # fail).  Its lines are matched here, not counted: three of them are expected FAILs.
        b = Boot("xsave-selfcheck-bochs")
        disk = bare_disk(b, "xsave")
        b.run(bochs_cmd(b, None, "corei7_skylake_x", megs=64, disk=disk), 120,
              end=r"^SUMMARY: ", env=bochs_env())
        text = clean(b.serial)
        missing = [n for n in XSAVE_NAMES if not re.search(rf"^PASS: {re.escape(n)}$", text, re.M)]
        check(f"{b.name}: every check but XSAVEC's passes on bare Bochs", not missing,
              f"not passed: {', '.join(missing)}")
        check(f"{b.name}: the guest catches Bochs' XSAVEC writing YMM elsewhere",
              re.search(r"^FAIL: xsavec: upper ymm halves at the compacted offset ", text, re.M)
              is not None, "no such FAIL line")
        check(f"{b.name}: the guest catches Bochs' CPUID 0xD.1 EBX",
              re.search(r"^FAIL: xsavec: every component: cpuid 0xd\.1 ebx is the compacted size ",
                        text, re.M) is not None, "no such FAIL line")
    selfcheck.__name__ = "xsave_selfcheck_bochs"
    return [vmx, selfcheck]


def smp_checks(virt):
    """What tests/configs/smp.cfg must show on two host CPUs: both enabled, every vCPU
    pinned to the AP (the BSP runs vCPUs only when no AP can), the three VMs time-sliced
    there, every conformance check passing, the triple fault stopping only its VM."""
    checks = [
        ("BSP enabled", rf"^{virt}: enabled on CPU 0$"),
        ("AP enabled", rf"^{virt}: enabled on CPU 1 \(APIC ID \d+\)"),
        ("both CPUs run vCPUs", r"^sched: 2 of 2 CPUs run vCPUs$"),
        *[(f"{vm} pinned to CPU 1", rf"^\[{vm}\] vCPU 0 pinned to CPU 1$")
          for vm in ("conf-a", "conf-b", "triple")],
        *[(f"CPU 1 ran {vm}", rf"^sched: CPU 1 runs \[{vm}\] vCPU 0$")
          for vm in ("conf-a", "conf-b", "triple")],
        ("CPU 1 ran slices", r"^sched: CPU 1 ran [1-9]\d* slices, [1-9]\d* exits$"),
        ("the BSP ran no vCPU (it keeps the firmware)", r"^sched: CPU 0 ran 0 slices, 0 exits$"),
        ("triple: stopped by the triple fault on the AP",
         r"^\[triple\] error:   exit \S+ \(0x[0-9a-f]+\), qualification 0x0, info 0x0, "
         r"kind shutdown\n(?:.*\n)*?\[triple\] stopped: triple fault"),
        ("conf-a (same AP) keeps running after the triple fault",
         r"^\[triple\] stopped: triple fault(?:.*\n)*?\[conf-a\] SUMMARY: \d+ passed, 0 failed"),
        ("conf-b keeps running after the triple fault",
         r"^\[triple\] stopped: triple fault(?:.*\n)*?\[conf-b\] SUMMARY: \d+ passed, 0 failed"),
        ("all VMs have stopped", r"^all VMs have stopped"),
        ("powered off", POWEROFF),
    ]
    for vm in ("conf-a", "conf-b"):
        p = re.escape(f"[{vm}] ")
        checks += [
            (f"{vm}: checks ran in long mode", rf"^{p}PASS: long: pf read not-present page$"),
            (f"{vm}: summary with 0 failed", rf"^{p}SUMMARY: \d+ passed, 0 failed"),
            (f"{vm}: stopped by isa-debug-exit 0",
             rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$"),
        ]
    absent = [("no FAIL line from any VM", r"^\[[^\]]+\] FAIL:"),
              ("no SKIP line from the conformance VMs", r"^\[conf-[ab]\] SKIP:"),
              ("no CPU left idle", r"stays idle|did not (start|report|finish)"),
              ("no panic", r"PANIC")]
    return checks, absent


def smp3_checks(virt):
    """tests/configs/smp3.cfg on three host CPUs: conf-a's two vCPUs on the two APs, the
    stop of conf-a on CPU 1 releasing its vCPU on CPU 2, the triple fault on CPU 2."""
    checks = [
        ("CPU 1 enabled", rf"^{virt}: enabled on CPU 1 \(APIC ID \d+\)"),
        ("CPU 2 enabled", rf"^{virt}: enabled on CPU 2 \(APIC ID \d+\)"),
        ("three CPUs run vCPUs", r"^sched: 3 of 3 CPUs run vCPUs$"),
        ("conf-a vCPU 0 on CPU 1", r"^\[conf-a\] vCPU 0 pinned to CPU 1$"),
        ("conf-a vCPU 1 on CPU 2", r"^\[conf-a\] vCPU 1 pinned to CPU 2$"),
        ("conf-b on CPU 1", r"^\[conf-b\] vCPU 0 pinned to CPU 1$"),
        ("triple on CPU 2", r"^\[triple\] vCPU 0 pinned to CPU 2$"),
        ("CPU 1 ran conf-a", r"^sched: CPU 1 runs \[conf-a\] vCPU 0$"),
        ("CPU 1 ran conf-b", r"^sched: CPU 1 runs \[conf-b\] vCPU 0$"),
        ("CPU 2 ran triple", r"^sched: CPU 2 runs \[triple\] vCPU 0$"),
        ("triple stopped on CPU 2", r"^\[triple\] stopped: triple fault"),
        ("conf-a stopped by isa-debug-exit 0",
         r"^\[conf-a\] stopped: isa-debug-exit 0x00, exit status 1$"),
        ("conf-b stopped by isa-debug-exit 0",
         r"^\[conf-b\] stopped: isa-debug-exit 0x00, exit status 1$"),
        ("conf-a: summary with 0 failed", r"^\[conf-a\] SUMMARY: \d+ passed, 0 failed"),
        ("conf-b: summary with 0 failed", r"^\[conf-b\] SUMMARY: \d+ passed, 0 failed"),
        ("CPU 2 released conf-a's second vCPU: every VM freed", r"^all VMs have stopped"),
        ("powered off", POWEROFF),
    ]
    absent = [("no FAIL line from any VM", r"^\[[^\]]+\] FAIL:"),
              ("no CPU left idle", r"stays idle|did not (start|report|finish)"),
              ("conf-a not declared stuck", r"^\[conf-a\] stopped: every vCPU"),
              ("no panic", r"PANIC")]
    return checks, absent


def smp_fault_checks(park):
    """tests/configs/smp-fault.cfg: #UD in hypervisor code on CPU 1 is reported with that
    CPU's number, stops only CPU 1 and its VM; the BSP finishes and powers off."""
    checks = [
        ("selftest announced", r"^selftest: the first AP raises #UD after its first time slice$"),
        ("conf-a ran on CPU 1", r"^sched: CPU 1 runs \[conf-a\] vCPU 0$"),
        ("the report names CPU 1",
         r"^PANIC on CPU 1 \(APIC ID \d+\): host exception 6 \(#UD invalid opcode\) "
         r"in hypervisor code$"),
        ("register dump", r"^PANIC on CPU 1 .*\n  RIP=[0-9a-f]{16} CS=[0-9a-f]{4} RFLAGS="),
        ("the VM on CPU 1 stopped", r"^\[conf-a\] stopped: host CPU 1 stopped after a fault$"),
        ("CPU 1 parked", rf"^CPU 1: stopped; {park}$"),
        ("the BSP carried on", r"^CPU 1: stopped;(?:.*\n)*?all VMs have stopped$"),
        ("powered off", POWEROFF),
    ]
    absent = [("no panic on the BSP", r"PANIC on CPU 0"),
              ("the guest did not finish on a dead CPU", r"^\[conf-a\] SUMMARY:")]
    return checks, absent


# On three host CPUs the VMs of tests/configs/hypercall.cfg spread over the two APs, so
# IPC and the clipboard go between VMs running at the same time on different CPUs.
HC_SMP3_PINS = [("hc", 1), ("hc-peer", 2), ("hc-none", 1)]


def smp_jobs(vendor):
    """Two host CPUs: tests/configs/smp.cfg on QEMU -smp 2 (AMD-V, MP services) or on
    Bochs with cpu: count=2 (VT-x, INIT-SIPI-SIPI); on Bochs also the two-VM hypercall and
    timer guests, so IPC between VMs on different CPUs (kick IPIs) and timer accuracy on
    an AP (its local APIC timer / the VMX-preemption timer) are checked."""
    if vendor == "svm":
        checks, absent = smp_checks("AMD-V")
        fault_checks, fault_absent = smp_fault_checks("back to the firmware")

        def fault():
            b = Boot("smp-fault-svm")
            files = [f"{BUILD}/guests/conformance.bin=/guests/conformance.bin"]
            b.run(qemu_cmd(b, esp_image(b, cfg("smp-fault.cfg"), files), smp=2), 240)
            expect(b, fault_checks, fault_absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        fault.__name__ = "smp_fault_svm"

        def svm():
            b = Boot("smp-svm")
            files = [f"{BUILD}/guests/{g}.bin=/guests/{g}.bin" for g in ("conformance", "triplefault")]
            b.run(qemu_cmd(b, esp_image(b, cfg("smp.cfg"), files), smp=2), 300)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "smp_svm"

        def hc3():
            hc_checks, hc_absent = hypercall_checks()
            hc_checks = hc_checks + [(f"{vm} on CPU {c}", rf"^sched: CPU {c} runs \[{re.escape(vm)}\] vCPU 0$")
                                     for vm, c in HC_SMP3_PINS]
            b = Boot("hypercall-svm-smp3")
            b.run(qemu_cmd(b, esp_image(b, cfg("hypercall.cfg"),
                                        [f"{BUILD}/guests/hypercall.bin=/guests/hypercall.bin"]),
                           smp=3), 300)
            expect(b, hc_checks, hc_absent + [("no CPU left idle",
                                               r"stays idle|did not (start|report|finish)")])
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        hc3.__name__ = "hypercall_svm_smp3"


        def standalone():
            # The standalone image on QEMU (SeaBIOS, GRUB): INIT-SIPI-SIPI and AMD-V on an AP.
            b = Boot("smp-svm-standalone")
            modules = [f"{BUILD}/guests/{g}.bin=guests/{g}.bin" for g in ("conformance", "triplefault")]
            iso = iso_image(b, cfg("smp.cfg"), modules)
            b.run(["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "EPYC,+svm,+npt",
                   "-smp", "2", "-m", "512", "-cdrom", iso, "-display", "none", "-monitor", "none",
                   "-serial", f"file:{b.serial_path}", "-net", "none", "-no-reboot"], 300)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        standalone.__name__ = "smp_svm_standalone"

        def three():
            c3, a3 = smp3_checks("AMD-V")
            b = Boot("smp3-svm")
            files = [f"{BUILD}/guests/{g}.bin=/guests/{g}.bin" for g in ("conformance", "triplefault")]
            b.run(qemu_cmd(b, esp_image(b, cfg("smp3.cfg"), files), smp=3), 300)
            expect(b, c3, a3)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        three.__name__ = "smp3_svm"
        return [svm, fault, hc3, standalone, three]

    checks, absent = smp_checks("VT-x")
    fault_checks, fault_absent = smp_fault_checks("halted")

    def fault():
        b = Boot("smp-fault-vmx-skylake")
        iso = iso_image(b, cfg("smp-fault.cfg"), [f"{BUILD}/guests/conformance.bin=guests/conformance.bin"])
        b.run(bochs_cmd(b, iso, "corei7_skylake_x", cpus=2), 300, env=bochs_env())
        expect(b, fault_checks, fault_absent)
        bochs_check_poweroff(b)

    def conf():
        b = Boot("smp-vmx-skylake")
        modules = [f"{BUILD}/guests/{g}.bin=guests/{g}.bin" for g in ("conformance", "triplefault")]
        iso = iso_image(b, cfg("smp.cfg"), modules)
        b.run(bochs_cmd(b, iso, "corei7_skylake_x", megs=512, cpus=2), 400, env=bochs_env())
        expect(b, checks, absent)
        bochs_check_poweroff(b)

    def three():
        c3, a3 = smp3_checks("VT-x")
        b = Boot("smp3-vmx-skylake")
        modules = [f"{BUILD}/guests/{g}.bin=guests/{g}.bin" for g in ("conformance", "triplefault")]
        iso = iso_image(b, cfg("smp3.cfg"), modules)
        b.run(bochs_cmd(b, iso, "corei7_skylake_x", megs=512, cpus=3), 500, env=bochs_env())
        expect(b, c3, a3)
        bochs_check_poweroff(b)

    def two_vms(name, config, guest, base_checks, pins):
        def job():
            checks, absent = base_checks()
            checks = checks + [(f"{vm} on CPU {c}", rf"^sched: CPU {c} runs \[{re.escape(vm)}\] vCPU 0$")
                               for vm, c in pins]
            absent = absent + [("no CPU left idle", r"stays idle|did not (start|report|finish)")]
            b = Boot(f"{name}-vmx-smp3")
            iso = iso_image(b, cfg(config), [f"{BUILD}/guests/{guest}.bin=guests/{guest}.bin"])
            b.run(bochs_cmd(b, iso, "corei7_skylake_x", cpus=3), 500, env=bochs_env())
            expect(b, checks, absent)
            bochs_check_poweroff(b)
        job.__name__ = f"{name}_vmx_smp3"
        return job
    return [conf, fault, three,
            two_vms("hypercall", "hypercall.cfg", "hypercall", hypercall_checks, HC_SMP3_PINS),
            two_vms("timer", "timer.cfg", "timer", timer_checks, [("timer-a", 1), ("timer-b", 2)])]


def uart_jobs(vendor):
    """The UART test guest (two VMs) with console input: the harness types a token for
    uart-a (the first focus), then Ctrl-A 2 and another token for uart-b, through the
    emulator's serial port, the host console, the focus escape and each VM's 16550."""
    guest = f"{BUILD}/guests/uart.bin"

    def answers_checks():
        # 44 characters each, so a line outgrows the host UART's 16-byte FIFO and the
        # firmware's serial terminal gets its chances to read some of it in between.
        ta, tb = ("-".join(linux_token() for _ in range(3)) for _ in range(2))
        # uart-b's token only once uart-a has its own: the two VMs reach MH-INPUT-READY in
        # either order, and the focus must not move while uart-a's line is being typed or
        # echoed (the console shows a partial line once input was typed, and its own message
        # about the focus would land inside it).
        answers = [(r"^\[uart-a\] MH-INPUT-READY$", (ta + "\n").encode()),
                   (rf"(?s)\A(?=.*^\[uart-a\] uart: got {ta}$)(?=.*^\[uart-b\] MH-INPUT-READY$)",
                    b"\x012" + (tb + "\n").encode())]
        checks = []
        for vm in ("uart-a", "uart-b"):
            p = re.escape(f"[{vm}] ")
            checks += [
                (f"{vm}: loopback as Linux probes it",
                 rf"^{p}PASS: uart: loopback msr is 0x90 for mcr 0x1a$"),
                (f"{vm}: thre through iir", rf"^{p}PASS: uart: reading iir cleared thr empty$"),
                (f"{vm}: summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed$"),
                (f"{vm}: stopped by isa-debug-exit 0",
                 rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$")]
        checks += [("uart-a read its own token", rf"^\[uart-a\] uart: got {ta}$"),
                   ("Ctrl-A 2 moved the focus", r"^console: input goes to \[uart-b\]$"),
                   ("uart-b read its own token", rf"^\[uart-b\] uart: got {tb}$"),
                   ("all VMs have stopped", r"^all VMs have stopped"), ("powered off", POWEROFF)]
        absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC")]
        return answers, checks, absent

    if vendor == "svm":
        def svm():
            b = Boot("uart-svm")
            answers, checks, absent = answers_checks()
            cmd = qemu_cmd(b, esp_image(b, cfg("uart.cfg"), [f"{guest}=/guests/uart.bin"]))
            b.run_linked(cmd, 240, qemu_serial_socket(b, cmd), answers=answers)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "uart_svm"
        return [svm]

    def vmx():
        b = Boot("uart-vmx-skylake")
        answers, checks, absent = answers_checks()
        iso = iso_image(b, cfg("uart.cfg"), [f"{guest}=guests/uart.bin"])
        cmd = bochs_cmd(b, iso, "corei7_skylake_x")
        port = bochs_serial_socket(cmd)
        b.run_linked(cmd, 300, linux_tcp_connect(port), answers=answers, env=bochs_env())
        expect(b, checks, absent)
        bochs_check_poweroff(b)
    vmx.__name__ = "uart_vmx_skylake"
    return [vmx]


PLATFORM_NAMES = (
    "pm timer advances", "pm1a_cnt reads sci_en", "pit channel 2 out low while counting",
    "pit channel 2 out2 rises no earlier than 10 ms of pm timer time",
    "pit channel 2 out2 never low after 10 ms of pm timer time", "pit read-back status of channel 2",
    "pit latched count of channel 2", "rtc register d reads vrt", "rtc register b: 24-hour bcd",
    "rtc century byte", "rtc nvram keeps a byte", "rtc nvram base memory",
    "rtc seconds tick over within 1.2 s", "rtc register a just after an update: uip clear",
    "rtc year set under set",
    "pci 00.0 is 1b36:0008", "pci 00.0 class is a host bridge", "pci empty slot reads all ones",
    "pci word read at 0xcfe", "fw_cfg signature", "fw_cfg cpu count",
    "8042 status: no data, input buffer empty", "8042 self-test", "acpi rsdp at 0xe0000",
    "acpi rsdp checksum", "acpi rsdp extended checksum", "acpi rsdp revision 2", "acpi rsdt",
    "acpi rsdt checksum", "acpi fadt first in the rsdt", "acpi fadt sci_int 9",
    "acpi fadt pm1a_cnt_blk", "acpi madt second in the rsdt",
    "acpi madt has one local apic per vcpu")


def platform_checks():
    """What the serial console must show after tests/configs/platform.cfg."""
    p = re.escape("[plat] ")
    checks = [(f"plat: {n}", rf"^{p}PASS: platform: {re.escape(n)}$") for n in PLATFORM_NAMES]
    checks += [
        ("plat: summary with 0 failed", rf"^{p}SUMMARY: {len(PLATFORM_NAMES)} passed, 0 failed$"),
        ("plat: powered off through ACPI S5",
         rf"^{p}stopped: guest powered off \(ACPI S5\): clean shutdown, exit status 0$"),
        ("all VMs have stopped", r"^all VMs have stopped"), ("powered off", POWEROFF)]
    absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC")]
    return checks, absent


# tests/configs/reset.cfg: each guest asks for a reset at once, and every reset restarts it,
# so the run ends (the emulator is stopped) once both VMs have been restarted twice.
RESET_VMS = (("reset-cf9", "port 0xCF9", "writing 6 to the reset control register 0xcf9"),
             ("reset-kbc", "8042 reset pulse", "8042 command 0xfe pulses the reset line"))
RESET_END = "(?s)" + "".join(rf"(?=.*^\[{vm}\] restarted \(2 times\)$)" for vm, _, _ in RESET_VMS)


def reset_checks():
    checks = []
    for vm, why, says in RESET_VMS:
        p = re.escape(f"[{vm}] ")
        checks += [
            (f"{vm}: about to reset", rf"^{p}PASS: reset: {re.escape(says)}$"),
            (f"{vm}: stopped for a reset",
             rf"^{p}stopped: reset requested by the guest \({re.escape(why)}\)$"),
            (f"{vm}: restarted", rf"^{p}restarted \(1 time\)$"),
            (f"{vm}: ran again and reset again", rf"^{p}restarted \(2 times\)$")]
    absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC")]
    return checks, absent


def platform_jobs(vendor):
    """The platform-device test guests (docs/guest.md): platform-svm and reset-svm on QEMU,
    platform-vmx-<model> on both Bochs models, reset-vmx-skylake."""
    checks, absent = platform_checks()
    rchecks, rabsent = reset_checks()
    guest = [f"{BUILD}/guests/platform.bin"]
    rguests = [f"{BUILD}/guests/reset.bin", f"{BUILD}/guests/reset_kbc.bin"]
    if vendor == "svm":
        def svm():
            b = Boot("platform-svm")
            b.run(qemu_cmd(b, esp_image(b, cfg("platform.cfg"),
                                        [f"{g}=/guests/{os.path.basename(g)}" for g in guest])),
                  300)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "platform_svm"

        def reset():
            b = Boot("reset-svm")
            b.run(qemu_cmd(b, esp_image(b, cfg("reset.cfg"),
                                        [f"{g}=/guests/{os.path.basename(g)}" for g in rguests])),
                  300, end=RESET_END)
            expect(b, rchecks, rabsent)
            check(f"{b.name}: ended by the harness after the restarts", not b.timed_out,
                  "timed out")
        reset.__name__ = "reset_svm"
        return [svm, reset]

    def vmx(model, label):
        def job():
            b = Boot(f"platform-vmx-{label}")
            iso = iso_image(b, cfg("platform.cfg"),
                            [f"{g}=guests/{os.path.basename(g)}" for g in guest])
            b.run(bochs_cmd(b, iso, model), 300, env=bochs_env())
            expect(b, checks, absent)
            bochs_check_poweroff(b)
        job.__name__ = f"platform_vmx_{label}"
        return job

    def reset_vmx():
        b = Boot("reset-vmx-skylake")
        iso = iso_image(b, cfg("reset.cfg"), [f"{g}=guests/{os.path.basename(g)}" for g in rguests])
        b.run(bochs_cmd(b, iso, "corei7_skylake_x"), 300, end=RESET_END, env=bochs_env())
        expect(b, rchecks, rabsent)
        check(f"{b.name}: ended by the harness after the restarts", not b.timed_out, "timed out")
    reset_vmx.__name__ = "reset_vmx_skylake"
    return [vmx("corei7_skylake_x", "skylake"), vmx("corei7_ivy_bridge_3770k", "ivybridge"),
            reset_vmx]


def apic_checks():
    """What the serial console must show after tests/configs/apic.cfg."""
    p = re.escape("[apic] ")
    checks = [
        ("CPUID offers x2APIC and TSC-deadline",
         rf"^{p}PASS: apic: cpuid 1: x2apic and tsc-deadline offered$"),
        ("self IPIs in priority order", rf"^{p}PASS: apic: priority: the higher vector first$"),
        ("TPR holds a vector back", rf"^{p}PASS: apic: tpr 0x50 holds vector 0x55 back$"),
        ("one-shot timer fires after 10 ms", rf"^{p}PASS: apic: one-shot: 10 ms \(ms elapsed\) \(\d+\)$"),
        ("periodic timer counted over 100 ms",
         rf"^{p}PASS: apic: periodic 1 ms: ticks in 100 ms \(\d+\)$"),
        ("TSC-deadline timer", rf"^{p}PASS: apic: tsc-deadline: 10 ms \(ms elapsed\) \(\d+\)$"),
        ("INIT-SIPI-SIPI starts vCPU 1", rf"^{p}PASS: apic: init-sipi-sipi: vcpu 1 runs the trampoline$"),
        ("IPI from vCPU 1 in x2APIC mode",
         rf"^{p}PASS: apic: vcpu 1 -> vcpu 0 ipi \(x2apic icr, physical destination 0\)$"),
        ("INIT and SIPI restart vCPU 1", rf"^{p}PASS: apic: second init-sipi: cr0 0x60000010 \(init state\)$"),
        ("summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed$"),
        ("stopped by isa-debug-exit 0", rf"^{p}stopped: isa-debug-exit 0x00, exit status 1$"),
        ("all VMs have stopped", r"^all VMs have stopped"),
        ("powered off", POWEROFF),
    ]
    absent = [("no FAIL line", r"^\[[^\]]+\] FAIL:"), ("no panic", r"PANIC"),
              ("no VM declared stuck", r"nothing can wake it")]
    return checks, absent


def apic_jobs(vendor):
    """The local APIC test guest (one VM, two vCPUs): apic-svm on QEMU, apic-vmx-<model> on
    both Bochs models."""
    checks, absent = apic_checks()
    guest = f"{BUILD}/guests/apic.bin"
    if vendor == "svm":
        def svm():
            b = Boot("apic-svm")
            # Guest time from the instruction count, as for the HC_TIMER guest.
            b.run(qemu_cmd(b, esp_image(b, cfg("apic.cfg"), [f"{guest}=/guests/apic.bin"])) +
                  ["-icount", "shift=3,sleep=off"], 400)
            expect(b, checks, absent)
            check(f"{b.name}: QEMU exited by itself after power-off",
                  not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        svm.__name__ = "apic_svm"
        return [svm]

    def vmx(model, label):
        def job():
            b = Boot(f"apic-vmx-{label}")
            iso = iso_image(b, cfg("apic.cfg"), [f"{guest}=guests/apic.bin"])
            b.run(bochs_cmd(b, iso, model), 300, env=bochs_env())
            expect(b, checks, absent)
            bochs_check_poweroff(b)
        job.__name__ = f"apic_vmx_{label}"
        return job
    return [vmx("corei7_skylake_x", "skylake"), vmx("corei7_ivy_bridge_3770k", "ivybridge")]


def entry_failure_job(vendor, check, model="corei7_skylake_x"):
    """A VM started in a deliberately invalid state: VM entry fails, the hypervisor names the
    violated check and stops only that VM."""
    def job():
        b = Boot(f"entry-failure-{vendor}")
        guests = [f"{BUILD}/guests/badstate.bin", f"{BUILD}/guests/haltoff.bin"]
        if vendor == "svm":
            b.run(qemu_cmd(b, esp_image(b, cfg("badstate.cfg"),
                                        [f"{g}=/guests/{os.path.basename(g)}" for g in guests])),
                  240)
        else:
            iso = os.path.join(b.dir, "badstate.iso")
            run(["scripts/mkiso.sh", iso, f"{BUILD}/macrohard.elf", cfg("badstate.cfg"),
                 *[f"{g}=guests/{os.path.basename(g)}" for g in guests]])
            b.run(bochs_cmd(b, iso, model), 300, env=bochs_env())
        expect(b, [
            ("violated check named", rf"^\[badstate\] error: VM entry failed: .*violated check: "
                                     rf".*{check}"),
            ("the VM is stopped with a dump", r"^\[badstate\] error:   RIP=0{12}8018"),
            ("stopped", r"^\[badstate\] stopped: VM entry failed"),
            ("the other VM ran to its end",
             r"^\[survivor\] stopped: halted with interrupts disabled"),
            ("all VMs stopped", r"^all VMs have stopped$"),
            ("powered off", POWEROFF),
        ], absent=[("no panic", r"PANIC"), ("the broken guest never ran", r"isa-debug-exit")])
    return job


# ---------------------------------------------------------------- Linux guests

# Debian's stock kernel and the test initramfs (tests/linux/, `make linux-kit`): its /init
# prints PASS:/FAIL:/SKIP: lines and a SUMMARY, waits for a token on the console after
# MH-INPUT-READY and powers off.  `make test` runs them all; MH_LINUX=0 leaves the MACROHARD
# runs out (`make test-linux` always runs them).
LINUX = os.path.join(BUILD, "linux")
# The initramfs' optional inputs, as the Makefile passes them (tests/linux/mkinitramfs.py).
LINUX_INITRAMFS_EXTRA = [os.path.join(LINUX, "modules"), "/sbin/mke2fs",
                         os.path.join(LINUX, "blkbench") + "=/bin/blkbench"]
LINUX_INIT_START = "MH-INIT-START"
LINUX_INPUT_READY = "MH-INPUT-READY"
# The named checks of tests/linux/init; hvcheck's are counted in its SUMMARY.
LINUX_CHECKS = [
    ("nproc", r"PASS: nproc is 2"),
    ("hypervisor flag", r"PASS: hypervisor flag in /proc/cpuinfo"),
    ("clocksource tsc", r"PASS: clocksource is tsc"),
    ("sleep 1 s in guest tsc time", r"PASS: hvcheck: sleep 1 s takes 1 s \+- 5 % of guest tsc time"),
    ("serial input", r"PASS: serial input reads the token"),
    ("dmesg clean", r"PASS: dmesg has no BUG, WARNING, Oops or panic"),
]
LINUX_MH_CHECKS = [
    ("macrohard signature", r"PASS: hvcheck: cpuid 0x40000000 signature is MACROHARD"),
    ("hc_version from user space", r"PASS: hvcheck: hc_version from user space returns abi"),
    ("hc_features from user space", r"PASS: hvcheck: hc_features from user space lists"),
    ("hc_memory_map not permitted from user space",
     r"PASS: hvcheck: hc_memory_map from user space -> not permitted"),
    ("hc_timer not permitted from user space",
     r"PASS: hvcheck: hc_timer arm from user space -> not permitted"),
    ("user buffer works from user space", r"PASS: hvcheck: hc_version with a user buffer from user space"),
    ("kernel address refused from user space",
     r"PASS: hvcheck: hc_version into a kernel address -> bad address"),
]
# Seen on the console of a Linux run under MACROHARD, these fail it: a hypervisor panic, and
# an MSR the kernel reads or writes without a fixup that MACROHARD refused with #GP.
LINUX_MH_ABSENT = [("no panic", r"PANIC"),
                   ("no unchecked MSR access error", r"unchecked MSR access error")]
LINUX_DIRECT_CHECKS = [
    ("no macrohard signature", r"PASS: hvcheck: no MACROHARD signature off MACROHARD"),
]


def linux_token():
    return "mh" + secrets.token_hex(6)


def linux_unix_connect(path):
    def connect():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
        except OSError:
            s.close()
            raise
        return s
    return connect


def linux_tcp_connect(port):
    def connect():
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.settimeout(None)  # the reader blocks: a guest may be silent for minutes
        return s
    return connect


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def qemu_serial_socket(boot, cmd):
    """Replaces -serial file:… by a UNIX socket QEMU serves and waits on (wait=on: the guest
    starts only once the harness is connected, so no output is lost)."""
    path = os.path.join(boot.dir, "serial.sock")
    i = cmd.index("-serial")
    cmd[i:i + 2] = ["-chardev", f"socket,id=ser0,path={path},server=on,wait=on",
                    "-serial", "chardev:ser0"]
    return linux_unix_connect(path)


def linux_kit_missing():
    need = [os.path.join(LINUX, f) for f in ("vmlinuz", "vmlinux", "initramfs.cpio.gz")]
    return [p for p in need if not os.path.exists(p)]


def linux_cmdline(expect, token, vcpus=2):
    return (f"console=ttyS0 earlyprintk=ttyS0 panic=-1 mh.expect={expect} mh.vcpus={vcpus} "
            f"mh.token={token}")


def linux_direct_cmd(boot, cmdline):
    """Debian's kernel straight on QEMU TCG (no hypervisor).  QEMU's TCG vCPUs' TSCs are not
    synchronised with each other (Linux marks the TSC unstable at the AP's sync check), so
    the direct run says tsc=reliable; the MACROHARD runs do not."""
    return ["qemu-system-x86_64", "-accel", "tcg", "-m", "512", "-smp", "2",
            "-kernel", os.path.join(LINUX, "vmlinuz"),
            "-initrd", os.path.join(LINUX, "initramfs.cpio.gz"),
            "-append", cmdline + " tsc=reliable",
            "-display", "none", "-monitor", "none", "-serial", f"file:{boot.serial_path}",
            "-net", "none", "-no-reboot"]


# The second VM of the crash test (docs/testing.md, "Linux guests"): the same kernel and
# initramfs on one vCPU, told by the harness on the console to reboot, then to crash.
LINUX_CRASH_VM = """
[vm crash]
memory = 128M
vcpus = 1
kernel = /linux/vmlinuz
initrd = /linux/initramfs.cpio.gz
cmdline = console=ttyS0 panic=-1 mh.mode=crash
"""
CTRL_A = b"\x01"


def linux_crash_answers(token):
    """What the harness types in the crash test.  The console escape (Ctrl-A, then the VM's
    number) picks the VM each line is for.  The crash VM first reboots (the ACPI reset
    register: MACROHARD recreates it), then panics with the triple fault as its reboot method
    (MACROHARD stops it).  The tested VM, waiting at MH-INPUT-READY, gets its token only
    once the crash VM has stopped, so its remaining checks show it kept running."""
    ready = r"^\[crash\] MH-CRASH-READY$"
    return [(ready, CTRL_A + b"2reboot\n"),
            (r"^\[crash\] restarted \(1 time\)$[\s\S]*" + ready, CTRL_A + b"2crash\n"),
            (rf"\A(?=[\s\S]*^\[linux\] {LINUX_INPUT_READY}$)(?=[\s\S]*^\[crash\] stopped: triple fault)",
             CTRL_A + b"1" + token.encode() + b"\n")]


def linux_crash_checks(boot):
    """The crash VM's story, from the serial log of a run with LINUX_CRASH_VM."""
    starts = re.findall(rf"^\[crash\] {LINUX_INIT_START}$", boot.serial, re.M)
    check(f"{boot.name}: crash VM reached /init twice (before and after its reboot)",
          len(starts) == 2, f"{len(starts)} times")
    expect(boot, [("crash VM rebooted", r"^\[crash\] MH-CRASH: reboot -f$"),
                  ("crash VM recreated after its reboot", r"^\[crash\] restarted \(1 time\)$"),
                  ("crash VM panicked with triple-fault reboot",
                   r"^\[crash\] MH-CRASH: sysrq c, reboot type triple$"),
                  ("crash VM's kernel panicked", r"^\[crash\] \[[ \d.]+\] Kernel panic - not syncing: sysrq"),
                  ("crash VM stopped by its triple fault", r"^\[crash\] stopped: triple fault")],
           [("crash VM not restarted after the triple fault", r"^\[crash\] restarted \(2 times\)"),
            ("crash VM survived sysrq c", r"^\[crash\] FAIL")])


def linux_config(boot, token, kernel=None, crash=False, virtio=False):
    """tests/configs/linux-test.cfg with this run's token on the kernel command line (and another
    kernel, e.g. the PVH vmlinux, if given; crash: LINUX_CRASH_VM beside it; virtio: the
    LINUX_VIRTIO_DISKS and mh.virtio= for /init's virtio-blk checks)."""
    with open(cfg("linux-test.cfg")) as f:
        text = f.read()
    if virtio:
        text, n = re.subn(r"(?m)^(cmdline = .*)$",
                          lambda m: f"{m.group(1)} {LINUX_VIRTIO_ARG}\n{LINUX_VIRTIO_DISKS}", text)
        if n != 1:
            raise RuntimeError("tests/configs/linux-test.cfg: expected one cmdline line")
    text, n = re.subn(r"mh\.token=\S+", f"mh.token={token}", text)
    if n != 1:
        raise RuntimeError("tests/configs/linux-test.cfg: expected one mh.token= on its cmdline")
    if kernel:
        text, n = re.subn(r"(?m)^kernel = .*$", f"kernel = {kernel}", text)
        if n != 1:
            raise RuntimeError("tests/configs/linux-test.cfg: expected one kernel line")
    if crash:
        text += LINUX_CRASH_VM
    path = os.path.join(boot.dir, "macrohard.cfg")
    with open(path, "w") as f:
        f.write(text)
    return path


def linux_expect(boot, prefix, token, extra_checks, more=(), absent=()):
    """The /init checks as seen on the serial port; prefix is "" or "[vm] "; more and absent
    are further expect() checks on the same boot."""
    p = re.escape(prefix)
    count = 0
    for kind, what in re.findall(rf"^{p}(PASS|FAIL|SKIP): (.*)$", boot.serial, re.M):
        report(kind.lower(), f"{boot.name}: {what}")
        count += 1
    checks = [("reached /init", rf"^{p}{LINUX_INIT_START}$"),
              ("asked for console input", rf"^{p}{LINUX_INPUT_READY}$")]
    checks += [(label, rf"^{p}{rx}") for label, rx in LINUX_CHECKS + extra_checks]
    checks += [("summary with 0 failed", rf"^{p}SUMMARY: [1-9]\d* passed, 0 failed")]
    boot.guest_counted = True
    if not re.search(rf"^{p}{LINUX_INIT_START}$", boot.serial, re.M):
        with _lock:
            print(f"INFO: {boot.name}: /init not reached; {linux_why(boot, prefix)}", flush=True)
    ok = expect(boot, checks + list(more), absent)
    if not count and ok:
        check(f"{boot.name}: guest reported checks", False, "no PASS/FAIL line")
    return ok


def linux_why(boot, prefix):
    """Why a Linux run did not reach /init, in one line: the hypervisor's errors about the VM,
    or the last lines the guest printed."""
    p = re.escape(prefix)
    why = re.findall(rf"^{p}(?:error: .*|stopped: .*)$", boot.serial, re.M) if prefix else []
    if why:
        return "; ".join(why[:4])
    last = [l for l in boot.serial.splitlines() if l.startswith(prefix)][-3:]
    return "last lines: " + " | ".join(last) + (" (timed out)" if boot.timed_out else "") + \
        (" (no output for a long time: stalled)" if getattr(boot, "stalled", False) else "")


def linux_report_time(boot, anchor=None):
    t = boot.marks.get(LINUX_INIT_START_RX) if hasattr(boot, "marks") else None
    if t is None:
        print(f"INFO: {boot.name}: /init not reached ({boot.seconds:.1f} s)", flush=True)
        return None
    line = f"INFO: {boot.name}: emulator start to /init: {t:.2f} s"
    if anchor and anchor in boot.marks:
        line += f" (VM start to /init: {t - boot.marks[anchor]:.2f} s)"
    up = re.search(r"INFO: kernel uptime at /init: ([\d.]+) s", boot.serial)
    if up:
        line += f"; the kernel's own uptime at /init: {up.group(1)} s"
    print(line, flush=True)
    return t


LINUX_INIT_START_RX = rf"^(?:\[linux\] )?{LINUX_INIT_START}$"
LINUX_VM_START_RX = r"^\[linux\] started: "


def bochs_serial_socket(cmd, cpus=1):
    """Makes Bochs' COM1 a TCP server on 127.0.0.1 (a free port; Bochs waits for the harness
    to connect before it starts the simulation), optionally with more CPUs; returns the port."""
    port = free_tcp_port()
    rc_path = cmd[cmd.index("-f") + 1]
    with open(rc_path) as f:
        rc = f.read()
    rc = re.sub(r"(?m)^com1: .*$", f"com1: enabled=1, mode=socket-server, dev=127.0.0.1:{port}",
                rc)
    rc = re.sub(r"(?m)^(cpu: .*)count=1", rf"\g<1>count={cpus}", rc)
    with open(rc_path, "w") as f:
        f.write(rc)
    return port


def linux_direct_boot(name, token, icount=False):
    """Debian's kernel + the initramfs on bare QEMU TCG, the harness typing the token (icount:
    with guest time from the instruction count, as the MACROHARD runs on QEMU have it)."""
    b = Boot(name)
    cmd = linux_direct_cmd(b, linux_cmdline("direct", token))
    if icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    connect = qemu_serial_socket(b, cmd)
    b.run_linked(cmd, 300, connect,
                 answers=[(rf"^{LINUX_INPUT_READY}$", (token + "\n").encode())],
                 marks=[LINUX_INIT_START_RX])
    return b


def linux_svm_boot(name, token, pvh=False, crash=False, virtio=False):
    """The firmware-hosted image on QEMU + OVMF (AMD-V under TCG), the kernel, initramfs and
    configuration on the ESP; pvh: the uncompressed vmlinux (PVH entry) instead of the
    bzImage; crash: with the crash test's second VM."""
    b = Boot(name)
    files = [f"{LINUX}/initramfs.cpio.gz=/linux/initramfs.cpio.gz"]
    if pvh:
        files.append(f"{LINUX}/vmlinux=/linux/vmlinux")
        config = linux_config(b, token, "/linux/vmlinux")
    else:
        files.append(f"{LINUX}/vmlinuz=/linux/vmlinuz")
        config = linux_config(b, token, crash=crash, virtio=virtio)
    cmd = qemu_cmd(b, esp_image(b, config, files, mib=160 if pvh else 64), smp=2, mem=1024)
    # Guest time from the instruction count (docs/testing.md, "Linux guests"): without it an
    # exit costs tens of microseconds of TCG wall time, more than Linux's TSC calibration
    # tolerates for one PIT or PM-timer read, and a loaded host stalls QEMU for whole ticks.
    cmd += ["-icount", "shift=0,sleep=off"]
    connect = qemu_serial_socket(b, cmd)
    answers = linux_crash_answers(token) if crash else \
        [(rf"^\[linux\] {LINUX_INPUT_READY}$", (token + "\n").encode())]
    b.run_linked(cmd, 1200, connect, answers=answers,
                 marks=[LINUX_INIT_START_RX, LINUX_VM_START_RX], idle=480)
    return b


def linux_vmx_boot(name, token, model="corei7_skylake_x"):
    """The standalone image on Bochs (VT-x, two CPUs): the kernel and initramfs are
    Multiboot2 modules in the GRUB ISO; COM1 is a TCP server on 127.0.0.1 the harness
    connects to (Bochs starts the simulation once it has)."""
    b = Boot(name)
    modules = [f"{LINUX}/vmlinuz=linux/vmlinuz",
               f"{LINUX}/initramfs.cpio.gz=linux/initramfs.cpio.gz"]
    iso = iso_image(b, linux_config(b, token), modules)
    cmd = bochs_cmd(b, iso, model, megs=1024)
    port = bochs_serial_socket(cmd, cpus=2)
    # The XZ decompression is silent for minutes at Bochs' speed, and for three times longer
    # when the two cores are shared with other emulators.
    b.run_linked(cmd, 2100, linux_tcp_connect(port),
                 answers=[(rf"^\[linux\] {LINUX_INPUT_READY}$", (token + "\n").encode())],
                 marks=[LINUX_INIT_START_RX, LINUX_VM_START_RX], env=bochs_env(), idle=1200)
    return b


def read_newc(data):
    """{name: (mode, rdev_major, rdev_minor, data)} of a newc cpio archive, read independently
    of tests/linux/mkinitramfs.py; raises ValueError on a malformed archive."""
    entries, off = {}, 0
    while True:
        if data[off:off + 6] != b"070701":
            raise ValueError(f"bad magic at {off}")
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        mode, size, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
        name_end = off + 110 + namesize
        name = data[off + 110:name_end - 1].decode()
        off = (name_end + 3) & ~3
        body = data[off:off + size]
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, rmaj, rmin, body)


def linux_kit_checks():
    """The kit itself: vmlinux is the ELF with a PT_NOTE that PVH needs, the initramfs holds
    what /init needs, and rebuilding it gives the same bytes."""
    import gzip
    import stat
    import struct
    with open(os.path.join(LINUX, "vmlinux"), "rb") as f:
        elf = f.read(4096)
    ok = elf[:4] == b"\x7fELF" and elf[4] == 2
    types = []
    if ok:
        phoff, = struct.unpack_from("<Q", elf, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
        types = [struct.unpack_from("<I", elf, phoff + i * phentsize)[0] for i in range(phnum)]
    check("linux-kit: vmlinux is a 64-bit ELF with a PT_NOTE", ok and 4 in types,
          f"ELF64 {ok}, program header types {types}")
    with open(os.path.join(LINUX, "vmlinuz"), "rb") as f:
        check("linux-kit: vmlinuz is a bzImage", f.read(0x206)[0x202:] == b"HdrS", "no HdrS")
    path = os.path.join(LINUX, "initramfs.cpio.gz")
    with open(path, "rb") as f:
        packed = f.read()
    try:
        files = read_newc(gzip.decompress(packed))
    except (ValueError, OSError, EOFError) as e:
        check("linux-kit: initramfs is a gzipped newc cpio", False, repr(e))
        return
    check("linux-kit: initramfs is a gzipped newc cpio", True)
    console = files.get("dev/console")
    check("linux-kit: /dev/console is character device 5:1", console is not None and
          stat.S_ISCHR(console[0]) and console[1:3] == (5, 1), f"{console and console[:3]}")
    for name in ("init", "bin/busybox", "bin/hvcheck", "sbin/mke2fs", "bin/blkbench",
                 "lib64/ld-linux-x86-64.so.2"):
        e = files.get(name)
        check(f"linux-kit: /{name} is an executable file", e is not None and
              stat.S_ISREG(e[0]) and e[0] & 0o111 and len(e[3]) > 0, "missing or not executable")
    order = files.get("lib/modules/load-order")
    mods = order[3].decode().split() if order else []
    check("linux-kit: the disk-test modules (virtio_blk, ext4 and their dependencies)",
          {"virtio_pci", "virtio_blk", "ext4", "jbd2"} <= set(mods) and
          all(files.get(f"lib/modules/{m}.ko", (0, 0, 0, b""))[3][:4] == b"\x7fELF" for m in mods),
          f"load-order {mods}")
    links = {n: e[3].decode() for n, e in files.items() if stat.S_ISLNK(e[0])}
    bad = [n for n, t in links.items()
           if os.path.normpath(os.path.join(os.path.dirname(n), t)) != "bin/busybox"]
    check("linux-kit: busybox applets link to /bin/busybox (sh, nproc, poweroff among them)",
          not bad and {"bin/sh", "usr/bin/nproc", "sbin/poweroff"} <= set(links),
          f"{len(links)} links, wrong: {bad[:5]}")
    again = os.path.join(LOGS, "initramfs-again.cpio.gz")
    run([sys.executable, "tests/linux/mkinitramfs.py", again, os.path.join(LINUX, "busybox"),
         os.path.join(LINUX, "hvcheck"), "tests/linux/init", *LINUX_INITRAMFS_EXTRA])
    with open(again, "rb") as f:
        check("linux-kit: the initramfs is reproducible", f.read() == packed,
              "a rebuild differs (run make linux-kit after changing its inputs)")


# Two RAM disks for the Linux virtio-blk run: vda 16 MiB with a serial, vdb read-only.
LINUX_VIRTIO_DISKS = "disk = ram:16M,serial=LNX-VDA\ndisk = ram:1M,ro"
LINUX_VIRTIO_ARG = "mh.virtio=32768,LNX-VDA"
LINUX_VIRTIO_CHECKS = [
    ("virtio drivers loaded", r"PASS: virtio: drivers loaded"),
    ("virtio disks appeared", r"PASS: virtio: /dev/vda and /dev/vdb appeared"),
    ("virtio capacity", r"PASS: virtio: vda has 32768 sectors"),
    ("virtio serial", r"PASS: virtio: vda serial LNX-VDA"),
    ("virtio read-only disk", r"PASS: virtio: vdb is read-only"),
    ("virtio data read back", r"PASS: virtio: 1 MiB written to vda reads back"),
    ("virtio write to the read-only disk fails", r"PASS: virtio: writing vdb fails"),
]


def linux_virtio_jobs():
    """Debian's kernel with its own virtio_pci and virtio_blk drivers against MACROHARD's
    devices (QEMU + OVMF, AMD-V): linux-virtio-svm, in the virtio suite."""
    missing = linux_kit_missing()
    if missing:
        check("linux: guest kit built", False, f"missing {', '.join(missing)} (make linux-kit)")
        return []

    def linux_virtio_svm():
        token = linux_token()
        b = linux_svm_boot("linux-virtio-svm", token, virtio=True)
        linux_expect(b, "[linux] ", token, LINUX_MH_CHECKS + LINUX_VIRTIO_CHECKS,
                     [("the VM stopped", r"^\[linux\] stopped: "), ("powered off", POWEROFF)],
                     LINUX_MH_ABSENT + [("no device reset", r"device needs reset")])
        check(f"{b.name}: QEMU exited by itself after power-off",
              not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
    return [linux_virtio_svm]


def linux_jobs(which=("direct", "svm", "vmx")):
    missing = linux_kit_missing()
    if missing:
        check("linux: guest kit built", False, f"missing {', '.join(missing)} (make linux-kit)")
        return []

    def direct():
        linux_kit_checks()
        token = linux_token()
        b = linux_direct_boot("linux-direct", token)
        linux_expect(b, "", token, LINUX_DIRECT_CHECKS)
        check(f"{b.name}: QEMU exited by itself after poweroff -f",
              not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        linux_report_time(b)

    def svm():
        token = linux_token()
        b = linux_svm_boot("linux-svm", token, crash=True)
        linux_expect(b, "[linux] ", token, LINUX_MH_CHECKS,
                     [("the VM stopped", r"^\[linux\] stopped: "), ("powered off", POWEROFF)],
                     LINUX_MH_ABSENT)
        linux_crash_checks(b)
        check(f"{b.name}: QEMU exited by itself after power-off",
              not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        linux_report_time(b, LINUX_VM_START_RX)

    def svm_pvh():
        token = linux_token()
        b = linux_svm_boot("linux-svm-pvh", token, pvh=True)
        linux_expect(b, "[linux] ", token, LINUX_MH_CHECKS,
                     [("the VM stopped", r"^\[linux\] stopped: "), ("powered off", POWEROFF)],
                     LINUX_MH_ABSENT)
        check(f"{b.name}: QEMU exited by itself after power-off",
              not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")
        linux_report_time(b, LINUX_VM_START_RX)

    def vmx():
        token = linux_token()
        b = linux_vmx_boot("linux-vmx-skylake", token)
        linux_expect(b, "[linux] ", token, LINUX_MH_CHECKS,
                     [("the VM stopped", r"^\[linux\] stopped: "), ("powered off", POWEROFF)],
                     LINUX_MH_ABSENT)
        bochs_check_poweroff(b)
        linux_report_time(b, LINUX_VM_START_RX)

    def demo():
        # What `make run` boots (tests/configs/linux-demo.cfg, unchanged): the shell prompt
        # comes up, runs a command typed on the console, and `poweroff -f` ends the demo.
        b = Boot("linux-demo-svm")
        files = [f"{LINUX}/vmlinuz=/linux/vmlinuz",
                 f"{LINUX}/initramfs.cpio.gz=/linux/initramfs.cpio.gz"]
        cmd = qemu_cmd(b, esp_image(b, cfg("linux-demo.cfg"), files), smp=2, mem=1024)
        cmd += ["-icount", "shift=0,sleep=off"]
        # The console shows a VM's unfinished line (the prompt) once input has been typed
        # for it (devices/uart.c), so Enter comes first, as a person at `make run` types.
        prompt = r"^\[linux\] [/~][^\n]*# "
        b.run_linked(cmd, 1200, qemu_serial_socket(b, cmd),
                     answers=[(r"^\[linux\] Enter 'help' for a list", b"\n"),
                              (prompt, b"echo MH-SHELL-$((6*7))\n"),
                              (r"^\[linux\] MH-SHELL-42\s*$", b"poweroff -f\n")], idle=480)
        expect(b, [("demo: the banner", r"^\[linux\] MACROHARD Linux guest: Linux \S+, 2 CPUs\."),
                   ("demo: a shell prompt", prompt),
                   ("demo: the shell ran a typed command", r"^\[linux\] MH-SHELL-42\s*$"),
                   ("demo: the VM stopped", r"^\[linux\] stopped: "),
                   ("demo: powered off", POWEROFF)],
               [("no panic", r"Kernel panic|PANIC")])
        check(f"{b.name}: QEMU exited by itself after power-off",
              not b.timed_out and b.rc == 0, f"rc {b.rc}, timed out {b.timed_out}")

    jobs = {"direct": direct, "svm": svm, "svm-pvh": svm_pvh, "vmx": vmx, "demo": demo}
    out = []
    for w in which:
        jobs[w].__name__ = f"linux_{w.replace('-', '_')}"
        out.append(jobs[w])
    return out


# ---------------------------------------------------------------- disks

# GPT partition GUIDs the disk tests give their partitions (sgdisk -u).
DISK_GUID_FAT = "4d480001-6469-736b-8000-00000000f001"
DISK_GUID_RAW = "4d480001-6469-736b-8000-00000000f002"
DISK_GUID_RO = "4d480001-6469-736b-8000-00000000f003"


def disk_pattern(pos, n):
    """The bytes `selftest = disk` leaves at byte offset pos (boot/disk_selftest.c)."""
    return bytes((((p * 0x9E3779B1) & 0xFFFFFFFF) >> 24) for p in range(pos, pos + n))


def disk_selftest_regions(sectors):
    """(first sector, count) of what the selftest writes on a disk of `sectors` sectors."""
    r = [(0, min(sectors, 128))]
    if sectors >= 2 * 128 + 8:
        r += [(sectors // 2 - 1, 3), (sectors - 8, 8)]
    return r


def disk_holds_pattern(data):
    """Whether the image bytes hold the selftest's pattern in every region it writes."""
    sectors = len(data) // 512
    for first, count in disk_selftest_regions(sectors):
        if data[first * 512:(first + count) * 512] != disk_pattern(first * 512, count * 512):
            return False
    return True


def gpt_disk(path, mib, parts):
    """A GPT disk image: parts is a list of (size MiB, name, guid or None); returns the
    byte offset of each partition."""
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    args = ["sgdisk", "-o"]
    for i, (size, name, guid) in enumerate(parts, 1):
        args += ["-n", f"{i}:0:+{size}M", "-c", f"{i}:{name}"]
        if guid:
            args += ["-u", f"{i}:{guid}"]
    subprocess.run(args + [path], check=True, cwd=ROOT, capture_output=True)
    offsets = []
    for i in range(1, len(parts) + 1):
        info = subprocess.run(["sgdisk", "-i", str(i), path], check=True, capture_output=True,
                              text=True).stdout
        offsets.append(int(re.search(r"First sector: (\d+)", info).group(1)) * 512)
    return offsets


DISK_GUID_4K = "4d480001-6469-736b-8000-00000000f004"


def gpt_disk_4k(path, mib, first_mib, size_mib, name, guid):
    """A GPT disk image with 4096-byte logical blocks (sgdisk assumes 512 for image files)
    and one partition; returns its byte offset.  UEFI 5.3: protective MBR, primary header at
    LBA 1 and 128 entries from LBA 2, the backup entries and header at the end."""
    import binascii
    import struct
    import uuid
    bs, n_entries, esize = 4096, 128, 128
    blocks = (mib << 20) // bs
    entry_blocks = n_entries * esize // bs
    first, last = (first_mib << 20) // bs, ((first_mib + size_mib) << 20) // bs - 1
    entry = struct.pack("<16s16sQQQ72s", uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4").bytes_le,
                        uuid.UUID(guid).bytes_le, first, last, 0, name.encode("utf-16-le"))
    entries = entry.ljust(n_entries * esize, b"\0")
    disk_guid = uuid.UUID("4d480001-6469-736b-8000-0000000004d0").bytes_le

    def header(current, backup, entries_lba):
        h = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x00010000, 92, 0, 0, current, backup,
                        2 + entry_blocks, blocks - 2 - entry_blocks, disk_guid, entries_lba,
                        n_entries, esize, binascii.crc32(entries))
        return h[:16] + struct.pack("<I", binascii.crc32(h)) + h[20:]
    mbr = bytearray(512)
    mbr[446:462] = struct.pack("<BBBBBBBBII", 0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF, 1,
                               min(blocks - 1, 0xFFFFFFFF))
    mbr[510:512] = b"\x55\xaa"
    with open(path, "wb") as f:
        f.truncate(mib << 20)
        f.write(mbr)
        f.seek(bs)
        f.write(header(1, blocks - 1, 2))
        f.seek(2 * bs)
        f.write(entries)
        f.seek((blocks - 1 - entry_blocks) * bs)
        f.write(entries)
        f.seek((blocks - 1) * bs)
        f.write(header(blocks - 1, 1, blocks - 1 - entry_blocks))
    return first * bs


def disk_jobs():
    """selftest = disk on QEMU+OVMF: every firmware-hosted disk source, opened by the
    hypervisor's back-ends; the patterns they write are then checked in the image files."""

    def selftest():
        b = Boot("disk-selftest-svm")
        d = b.dir
        boot_img, odd_img, ro_img = (os.path.join(d, n) for n in ("boot.img", "odd.img", "ro.img"))
        with open(boot_img, "wb") as f:
            f.truncate(2 << 20)
        with open(odd_img, "wb") as f:
            f.write(b"\x11" * 1000)
        ro_bytes = bytes(range(256)) * 256
        with open(ro_img, "wb") as f:
            f.write(ro_bytes)
        inner = os.path.join(d, "inner.img")
        with open(inner, "wb") as f:
            f.truncate(1 << 20)
        data = os.path.join(d, "data.img")
        fat_off, raw_off, _, _ = gpt_disk(data, 40, [(24, "mhfat", DISK_GUID_FAT),
                                                      (4, "mhraw", DISK_GUID_RAW),
                                                      (1, "twin", None), (1, "twin", None)])
        run(["mkfs.vfat", "-F", "16", "-n", "MHDATA", "--offset", str(fat_off // 512), data,
             str(24 << 10)], capture_output=True)
        run(["mmd", "-i", f"{data}@@{fat_off}", "::/vm"])
        run(["mcopy", "-i", f"{data}@@{fat_off}", inner, "::/vm/data.img"])
        # More pieces than direct access maps (4096 extents): 4,200 one-cluster files with
        # 4,200 more between them, those deleted, then an image written into the holes.
        frag_dir = os.path.join(d, "frag")
        os.makedirs(frag_dir, exist_ok=True)
        names = [f"{p}{i}.BIN" for i in range(4200) for p in "AB"]
        for n in names:
            with open(os.path.join(frag_dir, n), "wb") as f:
                f.write(b"\x22" * 512)
        run(["mmd", "-i", f"{data}@@{fat_off}", "::/frag"])
        subprocess.run(["mcopy", "-i", f"{os.path.abspath(data)}@@{fat_off}"] + names + ["::/frag/"],
                       check=True, cwd=frag_dir)
        run(["mdel", "-i", f"{data}@@{fat_off}", "::/frag/A*"])
        frag = os.path.join(d, "frag.img")
        with open(frag, "wb") as f:
            f.truncate(4300 * 2048)
        run(["mcopy", "-i", f"{data}@@{fat_off}", frag, "::/vm/frag.img"])
        rodisk = os.path.join(d, "rodisk.img")
        (ro_off,) = gpt_disk(rodisk, 8, [(2, "mhro", DISK_GUID_RO)])
        disk4k = os.path.join(d, "disk4k.img")
        off4k = gpt_disk_4k(disk4k, 8, 1, 4, "mh4k", DISK_GUID_4K)
        lines = [
            "# selftest = disk: every firmware-hosted disk source (tests/harness/run.py)",
            "on_exit = poweroff", "selftest = disk", "",
            "[vm disks]", "memory = 32M", "kernel = /guests/boot_mb1.bin",
            "initrd = /guests/boot_mb1.bin", "cmdline = mb1 boot check",
            "disk = file:/disk/boot.img",
            "disk = file:MHDATA:/vm/data.img, cache=writethrough",
            f"disk = file:{DISK_GUID_FAT.upper()}:/vm/data.img, ro",
            f"disk = partuuid:{DISK_GUID_RAW}",
            "disk = label:MHRAW, ro",
            "disk = file:/disk/odd.img",
            "disk = file:/disk/missing.img",
            "disk = file:/disk/ro.img", "",
            "[vm more]", "memory = 32M", "kernel = /guests/boot_mb1.bin",
            "initrd = /guests/boot_mb1.bin", "cmdline = mb1 boot check",
            "disk = file:/disk/ro.img, ro",
            "disk = label:twin",
            "disk = label:mhro",
            f"disk = partuuid:{DISK_GUID_RO}, ro",
            "disk = file:NOSUCH:/vm/data.img",
            "disk = partuuid:4d480001-6469-736b-8000-0000000000ff",
            f"disk = partuuid:{DISK_GUID_4K}", "",
            "[vm frag]", "memory = 32M", "kernel = /guests/boot_mb1.bin",
            "initrd = /guests/boot_mb1.bin", "cmdline = mb1 boot check",
            "disk = file:MHDATA:/vm/frag.img",
            "disk = file:MHDATA:/vm/frag.img, ro",
        ]
        line = {text: i for i, text in enumerate(lines, 1)}
        config = os.path.join(d, "disk.cfg")
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
        esp = esp_image(b, config, [f"{BUILD}/guests/boot_mb1.bin=/guests/boot_mb1.bin",
                                    f"{boot_img}=/disk/boot.img", f"{odd_img}=/disk/odd.img",
                                    f"{ro_img}=/disk/ro.img"])
        run(["mattrib", "-i", esp, "+r", "::/disk/ro.img"])
        cmd = qemu_cmd(b, esp)
        cmd += ["-drive", f"format=raw,file={data}",
                "-drive", f"if=none,id=rodisk,format=raw,readonly=on,file={rodisk}",
                "-device", "virtio-blk-pci,drive=rodisk",
                "-drive", f"if=none,id=disk4k,format=raw,file={disk4k}",
                "-device", "virtio-blk-pci,drive=disk4k,logical_block_size=4096,physical_block_size=4096"]
        b.run(cmd, 240, end=POWEROFF)

        def refused(text, why):
            return (f"refused: {text.split('= ', 1)[1].split(',')[0]}",
                    rf"^disk selftest: \[\w+\] line {line[text]}: refused: disk "
                    rf"{re.escape(text.split('= ', 1)[1].split(',')[0])}: {why}")
        expect(b, [
            ("boot-volume file opened", r"^disk selftest: \[disks\] file:/disk/boot.img: 4096 sectors, read-write$"),
            ("file by volume label", r"^disk selftest: \[disks\] file:MHDATA:/vm/data.img: 2048 sectors, read-write$"),
            ("boot-volume file through BlockIo at its extents",
             r"^disk file:/disk/boot.img: \d+ extents, direct block access$"),
            ("file on a labelled volume through BlockIo at its extents",
             r"^disk file:MHDATA:/vm/data.img: \d+ extents, direct block access$"),
            refused("disk = file:MHDATA:/vm/frag.img",
                    r"more than 4096 extents; other images on its volume are written directly "
                    r"\(use ',ro' or another volume\)$"),
            ("a file in 4201 pieces is read through the file protocol",
             r"^disk file:MHDATA:/vm/frag.img: through the file protocol: more than 4096 extents$"),
            ("the file-protocol image opened", r"^disk selftest: \[frag\] file:MHDATA:/vm/frag.img: 17200 sectors, read-only$"),
            ("file by partition GUID, read-only",
             rf"^disk selftest: \[disks\] file:{DISK_GUID_FAT}:/vm/data.img: 2048 sectors, read-only$"),
            ("partition by GUID", rf"^disk selftest: \[disks\] partuuid:{DISK_GUID_RAW}: 8192 sectors, read-write$"),
            ("partition by GPT name", r"^disk selftest: \[disks\] label:MHRAW: 8192 sectors, read-only$"),
            ("read-only file with ro", r"^disk selftest: \[more\] file:/disk/ro.img: 128 sectors, read-only$"),
            ("write-protected medium with ro",
             rf"^disk selftest: \[more\] partuuid:{DISK_GUID_RO}: 4096 sectors, read-only$"),
            ("read-only disk refuses writes", r"^disk selftest: PASS: label:MHRAW: write to a read-only disk refused$"),
            ("patterns read back after reopening",
             rf"^disk selftest: PASS: partuuid:{DISK_GUID_RAW}: pattern at sector 4095 \(3 sectors\) after reopening$"),
            refused("disk = file:/disk/odd.img", "size 1000 bytes is not a non-zero multiple of 512$"),
            refused("disk = file:/disk/missing.img", "no such image file on the boot volume$"),
            refused("disk = file:/disk/ro.img", r"the image .*read-only \(add ',ro' to use it read-only\)$"),
            refused("disk = label:twin", r"2 partitions match; name one by partuuid:$"),
            refused("disk = label:mhro", r"the medium is write-protected \(add ',ro' to use it read-only\)$"),
            ("refused: file:NOSUCH:/vm/data.img",
             rf"^disk selftest: \[more\] line {line['disk = file:NOSUCH:/vm/data.img']}: refused: "
             r"disk file:NOSUCH:/vm/data.img: no FAT volume with label NOSUCH$"),
            refused("disk = partuuid:4d480001-6469-736b-8000-0000000000ff", "no partition with that GUID$"),
            ("partition on a 4096-byte-block device",
             rf"^disk selftest: \[more\] partuuid:{DISK_GUID_4K}: 8192 sectors, read-write$"),
            ("4 KiB blocks: partial blocks at both ends read back",
             rf"^disk selftest: PASS: partuuid:{DISK_GUID_4K}: pattern at sector 4095 \(3 sectors\) after reopening$"),
            ("summary", r"^disk selftest: SUMMARY: 17 disks, \d+ passed, 0 failed$"),
            # Then each VM is refused at its first bad disk, with the line named.
            ("VM refused at its first bad disk",
             rf"^\[disks\] error: macrohard.cfg line {line['disk = file:/disk/odd.img']}: disk 5: "
             r"disk file:/disk/odd.img: size 1000 bytes is not a non-zero multiple of 512$"),
            ("the third VM refused at its image that cannot be mapped",
             rf"^\[frag\] error: macrohard.cfg line {line['disk = file:MHDATA:/vm/frag.img']}: disk 0: "
             r"disk file:MHDATA:/vm/frag.img: more than 4096 extents"),
            ("the other VM refused too",
             rf"^\[more\] error: macrohard.cfg line {line['disk = label:twin']}: disk 1: disk label:twin: "
             r"2 partitions match"),
            ("powered off", POWEROFF),
        ], absent=[("no FAIL line", r"^disk selftest: FAIL"), ("no panic", r"PANIC"),
                   ("no guest ran", r"^\[\w+\] SUMMARY")])
        m = re.search(r"^disk selftest: SUMMARY: \d+ disks, (\d+) passed", b.serial, re.M)
        # 12 checks on each of the 4 read-write disks, 3 on each of the 5 read-only ones.
        check(f"{b.name}: all 63 selftest checks ran", bool(m) and int(m.group(1)) == 63,
              m.group(0) if m else "no summary")
        # What the firmware wrote must be in the image files once the emulator has ended.
        out = os.path.join(d, "boot.out")
        subprocess.run(["mcopy", "-o", "-i", esp, "::/disk/boot.img", out], check=True)
        with open(out, "rb") as f:
            check(f"{b.name}: file:/disk/boot.img holds the pattern on the ESP", disk_holds_pattern(f.read()))
        subprocess.run(["mcopy", "-o", "-i", f"{data}@@{fat_off}", "::/vm/data.img", out], check=True)
        with open(out, "rb") as f:
            check(f"{b.name}: file:MHDATA:/vm/data.img holds the pattern", disk_holds_pattern(f.read()))
        subprocess.run(["mcopy", "-o", "-i", f"{data}@@{fat_off}", "::/vm/frag.img", out], check=True)
        with open(out, "rb") as f:
            check(f"{b.name}: the refused and the read-only image file:MHDATA:/vm/frag.img are unchanged",
                  f.read() == bytes(4300 * 2048))
        with open(data, "rb") as f:
            f.seek(raw_off)
            check(f"{b.name}: partuuid:{DISK_GUID_RAW} holds the pattern in the partition",
                  disk_holds_pattern(f.read(4 << 20)))
        subprocess.run(["mcopy", "-o", "-i", esp, "::/disk/ro.img", out], check=True)
        with open(out, "rb") as f:
            check(f"{b.name}: the read-only image is unchanged", f.read() == ro_bytes)
        with open(disk4k, "rb") as f:
            f.seek(off4k)
            check(f"{b.name}: partuuid:{DISK_GUID_4K} (4 KiB blocks) holds the pattern",
                  disk_holds_pattern(f.read(4 << 20)))
        with open(rodisk, "rb") as f:
            f.seek(ro_off)
            check(f"{b.name}: the write-protected partition is unchanged", f.read(2 << 20) == bytes(2 << 20))
        check(f"{b.name}: QEMU exited by itself after power-off", not b.timed_out and b.rc == 0,
              f"rc {b.rc}, timed out {b.timed_out}")
    selftest.__name__ = "disk_selftest_svm"
    return [selftest]


# ---------------------------------------------------------------- Linux disk tests

LINUX_DISK_MIB = 64          # random data the QEMU runs write (docs/testing.md)
LINUX_DISK_MIB_BOCHS = 8     # the Bochs run: a RAM disk, and Bochs is slow
LINUX_DISK_CMDLINE = "console=ttyS0 earlyprintk=ttyS0 panic=-1 mh.mode=disk mh.disk.mib={mib}"
LINUX_DISK_WRITTEN = r"^{p}MH-DISK: written ([0-9a-f]{{32}})$"
LINUX_DISK_VERIFIED = r"^{p}MH-DISK: verified ([0-9a-f]{{32}}) boot (\d+)$"


def blank_image(path, mib):
    with open(path, "wb") as f:
        f.truncate(mib << 20)


def data_volume(path, mib, label, files):
    """A FAT32 volume (no partition table) with mkfs.vfat's default cluster size: OVMF's FAT
    driver stalls the boot for minutes on a large file with one-sector clusters (what
    scripts/mkfat.sh makes).  files: SRC=DEST pairs."""
    if os.path.exists(path):
        os.remove(path)
    blank_image(path, mib)
    run(["mkfs.vfat", "-F", "32", "-n", label, path], capture_output=True)
    for pair in files:
        src, dest = pair.split("=", 1)
        d = ""
        for part in os.path.dirname(dest).strip("/").split("/"):
            if part:
                d += "/" + part
                subprocess.run(["mmd", "-i", path, "::" + d], capture_output=True)
        run(["mcopy", "-o", "-i", path, src, "::" + dest])


def linux_disk_results(boot, prefix):
    """Counts the guest's PASS/FAIL/SKIP lines; returns (written md5, [(verified md5, boot)])."""
    p = re.escape(prefix)
    if prefix:
        count_guest_checks(boot)  # the "[vm] PASS: …" lines, once
    elif not getattr(boot, "guest_counted", False):
        boot.guest_counted = True
        for kind, what in re.findall(r"^(PASS|FAIL|SKIP): (.*)$", boot.serial, re.M):
            report(kind.lower(), f"{boot.name}: {what}")
    w = re.search(LINUX_DISK_WRITTEN.format(p=p), boot.serial, re.M)
    v = re.findall(LINUX_DISK_VERIFIED.format(p=p), boot.serial, re.M)
    return (w.group(1) if w else None), [(m, int(n)) for m, n in v]


def linux_disk_direct_boot(name, image, mib, icount=False, cmdline_extra=""):
    """Debian's kernel on bare QEMU with QEMU's own virtio-blk on image."""
    b = Boot(name)
    cmdline = LINUX_DISK_CMDLINE.format(mib=mib) + cmdline_extra
    cmd = linux_direct_cmd(b, cmdline)
    cmd += ["-drive", f"if=none,id=vd0,format=raw,cache=none,file={image}",
            "-device", "virtio-blk-pci,drive=vd0"]
    if icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    b.run(cmd, 600)
    return b


def linux_disk_svm_config(boot, mib, cmdline_extra="", disk="file:MHDISK:/linux/disk.img"):
    path = os.path.join(boot.dir, "macrohard.cfg")
    with open(path, "w") as f:
        f.write("log_level = info\non_exit = poweroff\n\n[vm linux]\nmemory = 256M\nvcpus = 1\n"
                "kernel = /linux/vmlinuz\ninitrd = /linux/initramfs.cpio.gz\n"
                f"cmdline = {LINUX_DISK_CMDLINE.format(mib=mib)}{cmdline_extra}\n"
                f"disk = {disk}\n")
    return path


def linux_disk_svm_boot(name, data_fat, mib, cmdline_extra="", timeout=1800):
    """The firmware-hosted image on QEMU + OVMF; the disk image is /linux/disk.img on a
    second FAT volume (label MHDISK), data_fat, which the caller keeps between runs."""
    b = Boot(name)
    config = linux_disk_svm_config(b, mib, cmdline_extra)
    esp = esp_image(b, config, [f"{LINUX}/vmlinuz=/linux/vmlinuz",
                                f"{LINUX}/initramfs.cpio.gz=/linux/initramfs.cpio.gz"])
    cmd = qemu_cmd(b, esp, smp=2, mem=1024)
    cmd += ["-drive", f"format=raw,file={data_fat}", "-icount", "shift=0,sleep=off"]
    b.run(cmd, timeout, end=rf"{POWEROFF}|(?s:MH-DISK: written.*MH-DISK: written)")
    return b


# The persistent-disk runs: the hypervisor never panics, the guest's kernel never crashes
# (a crash would restart the VM and a later boot could still find the data), and the VM
# restarts only where the test reboots it.
LINUX_DISK_ABSENT = [("no panic", r"PANIC"),
                     ("no guest kernel crash", r"^\[linux\] (?:\[ *[0-9.]+\] )?(?:Kernel panic|BUG:|Oops)"),
                     ("no unplanned VM restart", r"^\[linux\] restarted \((?!1 time\))")]


def linux_disk_jobs():
    """The Linux disk test (docs/testing.md, "Disks"): ext4 on virtio-blk, data written, the VM
    restarted, the emulator restarted; the data must survive both."""
    missing = linux_kit_missing()
    if missing:
        check("linux disk: guest kit built", False, f"missing {', '.join(missing)} (make linux-kit)")
        return []

    def direct():
        # The kit's own check of mh.mode=disk, with QEMU's virtio-blk: two QEMU processes.
        img = os.path.join(LOGS, "virtio-disk-direct.img")
        blank_image(img, 2 * LINUX_DISK_MIB + 32)
        b1 = linux_disk_direct_boot("virtio-disk-direct-1", img, LINUX_DISK_MIB)
        written, _ = linux_disk_results(b1, "")
        check(f"{b1.name}: wrote the data and rebooted", written is not None and not b1.timed_out,
              f"timed out {b1.timed_out}; {linux_why(b1, '')}")
        b2 = linux_disk_direct_boot("virtio-disk-direct-2", img, LINUX_DISK_MIB)
        _, verified = linux_disk_results(b2, "")
        check(f"{b2.name}: a new QEMU process finds the same data", bool(written) and
              verified == [(written, 2)], f"written {written}, verified {verified}")

    def svm():
        name = "virtio-disk-svm"
        os.makedirs(os.path.join(LOGS, name), exist_ok=True)
        work = os.path.join(LOGS, f"{name}-data")
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        img = os.path.join(work, "disk.img")
        blank_image(img, 2 * LINUX_DISK_MIB + 32)
        data_fat = os.path.join(work, "mhdisk.img")
        data_volume(data_fat, 2 * LINUX_DISK_MIB + 96, "MHDISK", [f"{img}=/linux/disk.img"])
        b1 = linux_disk_svm_boot(f"{name}-1", data_fat, LINUX_DISK_MIB)
        written, verified = linux_disk_results(b1, "[linux] ")
        expect(b1, [("the image on the FAT volume read and written through BlockIo",
                     r"^disk file:MHDISK:/linux/disk\.img: \d+ extents, direct block access$"),
                    ("VM restarted by the guest", r"^\[linux\] restarted \(1 time\)$"),
                    ("powered off", POWEROFF)], absent=LINUX_DISK_ABSENT)
        check(f"{b1.name}: data written, then verified after the VM restart",
              written is not None and verified == [(written, 2)],
              f"written {written}, verified {verified}; {linux_why(b1, '[linux] ')}")
        b2 = linux_disk_svm_boot(f"{name}-2", data_fat, LINUX_DISK_MIB)
        _, verified2 = linux_disk_results(b2, "[linux] ")
        expect(b2, [("powered off", POWEROFF)], absent=LINUX_DISK_ABSENT)
        check(f"{b2.name}: a new QEMU process on the same image finds the data",
              written is not None and verified2 == [(written, 3)],
              f"written {written}, verified {verified2}")

    def vmx():
        # Standalone: the disk is a RAM disk from a blank GRUB module, which a restarted VM
        # gets blank again (the restart checks are for the persistent firmware-hosted
        # back-ends): one boot formats, writes, drops the page cache, reads back, powers off.
        b = Boot("virtio-disk-vmx-skylake")
        img = os.path.join(b.dir, "disk.img")
        blank_image(img, 4 * LINUX_DISK_MIB_BOCHS + 16)
        config = linux_disk_svm_config(b, LINUX_DISK_MIB_BOCHS, " mh.disk.then=poweroff",
                                       disk="module:disk.img")
        iso = iso_image(b, config, [f"{LINUX}/vmlinuz=linux/vmlinuz",
                                    f"{LINUX}/initramfs.cpio.gz=linux/initramfs.cpio.gz",
                                    f"{img}=disk.img"])
        cmd = bochs_cmd(b, iso, "corei7_skylake_x", megs=1024)
        b.run(cmd, 3600, end=POWEROFF, env=bochs_env())
        written, _ = linux_disk_results(b, "[linux] ")
        expect(b, [("ext4 made on the RAM disk", r"^\[linux\] PASS: mke2fs -t ext4 /dev/vda"),
                   ("data written", r"^\[linux\] PASS: wrote \d+ MiB of random data"),
                   ("data read back from the disk", r"^\[linux\] PASS: data read back from the disk"),
                   ("summary with 0 failed", r"^\[linux\] SUMMARY: [1-9]\d* passed, 0 failed"),
                   ("powered off", POWEROFF)],
               absent=[("no panic", r"PANIC"), ("not restarted", r"^\[linux\] restarted")])
        check(f"{b.name}: the written data's checksum was recorded", written is not None,
              linux_why(b, "[linux] "))
        bochs_check_poweroff(b)

    direct.__name__ = "virtio_disk_direct"
    svm.__name__ = "virtio_disk_svm"
    vmx.__name__ = "virtio_disk_vmx_skylake"
    return [direct, svm, vmx]


def run_jobs(jobs):
    if JOB_FILTER:
        # The function's name, or its qualified name ("timer_jobs.<locals>.svm").
        jobs = [j for j in jobs if re.search(JOB_FILTER, getattr(j, "__name__", "")) or
                re.search(JOB_FILTER, getattr(j, "__qualname__", ""))]
        print(f"note: MH_JOBS={JOB_FILTER!r} keeps {len(jobs)} job(s)", flush=True)

    def guarded(job):
        try:
            job()
        except Exception as e:  # a harness error is a failed check, not a crash
            check(f"harness: {getattr(job, '__name__', 'job')}", False, repr(e))

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        list(pool.map(guarded, jobs))


def make_run(config="demo.cfg"):
    """`make run`: tests/configs/linux-demo.cfg, Debian's kernel with a shell, with the serial
    console on this terminal (`make run-guests`: demo.cfg, the test guests)."""
    b = Boot("run")
    img = os.path.join(BUILD, "run-esp.img")
    if config == "demo.cfg":
        files = [f"{BUILD}/guests/{g}=/guests/{g}"
                 for g in sorted(os.listdir(f"{BUILD}/guests")) if g.endswith(".bin")]
    else:
        files = [f"{LINUX}/vmlinuz=/linux/vmlinuz",
                 f"{LINUX}/initramfs.cpio.gz=/linux/initramfs.cpio.gz"]
    run(["scripts/mkfat.sh", img, "64", f"{BUILD}/macrohard.efi=/EFI/BOOT/BOOTX64.EFI",
         f"{cfg(config)}=/macrohard.cfg", *files])
    cmd = qemu_cmd(b, img, mem=1024)
    if config != "demo.cfg" and not kvm_usable():
        # As in the Linux tests: under TCG an exit is too slow for Linux's TSC calibration
        # unless guest time follows the instruction count.
        cmd += ["-icount", "shift=0"]
    i = cmd.index("-serial")
    cmd[i + 1] = "stdio"
    print(f"make run: {'KVM' if kvm_usable() else 'TCG'}; "
          f"the demo ends by powering off (Ctrl-C quits)", flush=True)
    return subprocess.call(cmd, cwd=b.dir)


def bench():
    """Exit round-trip costs: the bench guest times each exit with its TSC.  Under QEMU's
    -icount (shift=0) and Bochs (clock: sync=none) a tick is one emulated instruction, so
    these are deterministic instruction counts of the whole round trip."""
    cfg_path = os.path.join(BUILD, "bench.cfg")
    with open(cfg_path, "w") as f:
        f.write("on_exit = poweroff\n[vm bench]\nmemory = 16M\nkernel = /guests/bench.bin\n"
                "testdev = on\n")
    guest = f"{BUILD}/guests/bench.bin"
    runs = {}

    def svm():
        b = Boot("bench-svm")
        cmd = qemu_cmd(b, esp_image(b, cfg_path, [f"{guest}=/guests/bench.bin"]), smp=1)
        if "tcg" in cmd:
            cmd += ["-icount", "shift=0,sleep=off"]
        runs["AMD-V (QEMU TCG, icount)"] = b.run(cmd, 600)

    def vmx(model):
        def job():
            b = Boot(f"bench-vmx-{model}")
            iso = os.path.join(b.dir, "bench.iso")
            run(["scripts/mkiso.sh", iso, f"{BUILD}/macrohard.elf", cfg_path,
                 f"{guest}=guests/bench.bin"])
            runs[f"VT-x (Bochs {model})"] = b.run(bochs_cmd(b, iso, model), 600,
                                                   env=bochs_env())
        return job

    linux = {}

    def linux_direct():
        # Without -icount: QEMU 7.2's TCG with -icount and -smp 2 never brings up Linux's
        # second CPU (it stops at "x86: Booting SMP configuration"), with or without sleep.
        linux["direct"] = linux_direct_boot("bench-linux-direct", linux_token())

    def linux_svm():
        linux["bzImage"] = linux_svm_boot("bench-linux-svm", linux_token())

    def linux_svm_pvh():
        linux["PVH"] = linux_svm_boot("bench-linux-svm-pvh", linux_token(), pvh=True)

    disk = {}

    def disk_direct():
        disk["bare QEMU, QEMU's virtio-blk"] = bench_disk_boot("bench-disk-direct", False)

    def disk_svm():
        disk["MACROHARD AMD-V, file: back-end"] = bench_disk_boot("bench-disk-svm", True)

    jobs = [svm, vmx("corei7_skylake_x"), vmx("corei7_ivy_bridge_3770k")]
    if not linux_kit_missing():
        jobs += [linux_direct, linux_svm, linux_svm_pvh]
        jobs += [disk_direct, disk_svm]
    run_jobs(jobs)
    names = ["loop baseline", "cpuid exit", "hc_version round trip", "port-in exit",
             "mmio-read exit"]
    print("\nexit round trip, mean of 100,000, in emulated instructions (guest TSC ticks)")
    print(f"{'':40}" + "".join(f"{n:>24}" for n in names))
    if not runs:
        print("  not run: MH_JOBS left these runs out")
    for label, b in sorted(runs.items()):
        vals = []
        for n in names:
            m = re.search(rf"^\[bench\] BENCH {re.escape(n)}: (\d+) ticks", b.serial, re.M)
            vals.append(m.group(1) if m else "-")
        print(f"{label:40}" + "".join(f"{v:>24}" for v in vals))
        if "-" in vals:
            print(b.failure_context())
    bench_linux(linux)
    bench_disk_report(disk)
    return 0


BENCH_DISK_MIB = 32
BENCH_DISK_READS = 1000
BENCH_DISK_MARKS = [r"MH-BENCH-START$", r"BENCH: seq-write ", r"BENCH: seq-read ",
                    r"BENCH: rand-read-4k "]


def bench_disk_boot(name, macrohard):
    """blkbench in Debian's kernel on a blank raw image: on bare QEMU with QEMU's virtio-blk,
    or under MACROHARD with the image as a file on a FAT volume (file:MHDISK:/linux/bench.img).
    Both runs use the same QEMU options (TCG, -icount shift=0,sleep=off, 1 vCPU)."""
    b = Boot(name)
    img = os.path.join(b.dir, "bench.img")
    blank_image(img, BENCH_DISK_MIB + 16)
    extra = f" mh.bench.reads={BENCH_DISK_READS}"
    cmdline = LINUX_DISK_CMDLINE.format(mib=BENCH_DISK_MIB).replace("mh.mode=disk", "mh.mode=bench")
    if macrohard:
        data_fat = os.path.join(b.dir, "mhdisk.img")
        data_volume(data_fat, BENCH_DISK_MIB + 64, "MHDISK", [f"{img}=/linux/bench.img"])
        config = linux_disk_svm_config(b, BENCH_DISK_MIB, extra, disk="file:MHDISK:/linux/bench.img")
        with open(config) as f:
            text = f.read().replace("mh.mode=disk", "mh.mode=bench")
        with open(config, "w") as f:
            f.write(text)
        esp = esp_image(b, config, [f"{LINUX}/vmlinuz=/linux/vmlinuz",
                                    f"{LINUX}/initramfs.cpio.gz=/linux/initramfs.cpio.gz"])
        cmd = qemu_cmd(b, esp, smp=2, mem=1024) + ["-drive", f"format=raw,file={data_fat}"]
    else:
        cmd = linux_direct_cmd(b, cmdline + extra)
        cmd[cmd.index("-smp") + 1] = "1"
        cmd += ["-drive", f"if=none,id=vd0,format=raw,cache=none,file={img}",
                "-device", "virtio-blk-pci,drive=vd0"]
    cmd += ["-icount", "shift=0,sleep=off"]
    prefix = r"^(?:\[linux\] )?"
    connect = qemu_serial_socket(b, cmd)
    b.run_linked(cmd, 1800, connect, marks=[prefix + m for m in BENCH_DISK_MARKS],
                 end=POWEROFF if macrohard else None, idle=600)
    return b


def bench_disk_report(disk):
    """Guest-measured throughput and IOPS (blkbench, guest clock) and the wall time of each
    phase, MACROHARD beside bare QEMU in the same run; ratios MACROHARD / bare."""
    print(f"\nvirtio-blk in Debian's kernel (blkbench: {BENCH_DISK_MIB} MiB sequential, 1 MiB "
          f"O_DIRECT requests; {BENCH_DISK_READS} random 4 KiB O_DIRECT reads), QEMU TCG with "
          "-icount shift=0,sleep=off, 1 vCPU")
    if not disk:
        print("  not run: the Linux kit is missing, or MH_JOBS left these runs out")
        return
    rows = {}
    names = [("seq-write", "MiB/s"), ("seq-read", "MiB/s"), ("rand-read-4k", "IOPS")]
    print(f"  {'':36}" + "".join(f"{n + ' ' + u + ' (guest)':>26}{'wall s':>9}" for n, u in names))
    prefix = r"^(?:\[linux\] )?"
    for label, b in sorted(disk.items()):
        vals, walls = [], []
        marks = [b.marks.get(prefix + m) for m in BENCH_DISK_MARKS]
        for i, (n, u) in enumerate(names):
            m = re.search(rf"{prefix}BENCH: {n} {re.escape(u)}=([0-9.]+)", b.serial, re.M)
            vals.append(float(m.group(1)) if m else None)
            walls.append(marks[i + 1] - marks[i] if marks[i] is not None and
                         marks[i + 1] is not None else None)
        rows[label] = (vals, walls)
        line = "".join((f"{v:26.1f}" if v is not None else f"{'-':>26}") +
                       (f"{w:9.1f}" if w is not None else f"{'-':>9}") for v, w in zip(vals, walls))
        print(f"  {label:36}{line}")
        if None in vals:
            print(f"  ({label}: not all phases reported; {linux_why(b, '[linux] ')})")
    mh = rows.get("MACROHARD AMD-V, file: back-end")
    bare = rows.get("bare QEMU, QEMU's virtio-blk")
    if mh and bare:
        # Only the wall times are compared: with -icount sleep=off the bare run's guest clock
        # jumps ahead while its vCPU waits for QEMU's device (docs/testing.md, "Benchmarks").
        line = ""
        for i in range(3):
            w = f"{mh[1][i] / bare[1][i]:9.2f}" if mh[1][i] and bare[1][i] else f"{'-':>9}"
            line += f"{'':>26}" + w
        print(f"  {'wall-time ratio MACROHARD / bare':36}{line}")


def linux_uptime_at_init(boot, prefix):
    """The kernel's own uptime when /init started (guest seconds), from its INFO line."""
    m = re.search(rf"^{re.escape(prefix)}INFO: kernel uptime at /init: ([0-9.]+) s", boot.serial,
                  re.M) if boot else None
    return float(m.group(1)) if m else None


def bench_linux(linux):
    """Debian's kernel to /init on bare QEMU TCG and under MACROHARD (AMD-V on QEMU TCG, the
    bzImage and the PVH paths), side by side in one run.  The MACROHARD runs use -icount
    shift=0 (guest time is the instruction count), the bare run cannot (see bench()), so the
    ratio is of wall time; only what was actually measured is printed."""
    print("\nDebian's kernel to /init, QEMU TCG, 2 vCPUs (MACROHARD runs with -icount shift=0,"
          " bare QEMU without)")
    if not linux:
        print("  not run: the Linux kit is missing (make linux-kit), or MH_JOBS left these runs out")
        return
    direct = linux.get("direct")
    t_direct = direct.marks.get(LINUX_INIT_START_RX) if direct else None
    g_direct = linux_uptime_at_init(direct, "")
    print(f"  {'':34}{'wall s, start to /init':>24}{'guest s (kernel uptime)':>26}")
    if t_direct is None:
        print(f"  {'bare QEMU':34}  /init not reached: {linux_why(direct, '')}")
    else:
        print(f"  {'bare QEMU (QEMU start)':34}{t_direct:24.2f}{g_direct or 0:26.2f}")
    for path in ("bzImage", "PVH"):
        mh = linux.get(path)
        t_mh = mh.marks.get(LINUX_INIT_START_RX) if mh else None
        t_vm = mh.marks.get(LINUX_VM_START_RX) if mh else None
        g_mh = linux_uptime_at_init(mh, "[linux] ")
        if t_mh is None or t_vm is None:
            print(f"  {'MACROHARD ' + path:34}  /init not reached, no time or ratio: "
                  f"{linux_why(mh, '[linux] ')}")
            continue
        print(f"  {'MACROHARD ' + path + ' (VM start)':34}{t_mh - t_vm:24.2f}{g_mh or 0:26.2f}")
        if t_direct:
            # Guest uptimes are on different clocks (instructions against host time): no ratio.
            ratio = f"{(t_mh - t_vm) / t_direct:24.2f}{'-':>26}"
            print(f"  {'  ratio to bare QEMU':34}{ratio}")


def main(argv):
    suite = argv[1] if len(argv) > 1 else "all"
    if suite == "run":
        return make_run("linux-demo.cfg")
    if suite == "run-guests":
        return make_run()
    if suite == "bench":
        return bench()
    if suite not in ("unit", "svm", "vmx", "all", "conformance", "conformance-svm",
                     "conformance-vmx", "boot", "boot-svm", "boot-vmx", "smp", "smp-svm",
                     "smp-vmx", "platform", "platform-svm", "platform-vmx", "linux",
                     "linux-direct", "linux-svm", "linux-vmx", "uart", "disk", "virtio", "hypercall",
                     "hypercall-svm", "hypercall-vmx"):
        print(__doc__)
        return 2
    os.makedirs(LOGS, exist_ok=True)
    if not kvm_usable():
        print("note: no /dev/kvm with nested virtualization here; QEMU runs with TCG", flush=True)
    if suite in ("unit", "all"):
        suite_unit()
    jobs = []
    if suite in ("unit", "all"):
        jobs += guest_selfcheck_jobs()
    if suite in ("svm", "all"):
        jobs += svm_jobs()
    if suite in ("vmx", "all"):
        jobs += vmx_jobs() + [guest_selfcheck_bochs_job()]
    if suite in ("conformance", "conformance-svm") or (CONFORMANCE and suite in ("svm", "all")):
        jobs += conformance_jobs("svm")
    if suite in ("conformance", "conformance-vmx") or (CONFORMANCE and suite in ("vmx", "all")):
        jobs += conformance_jobs("vmx")
    if suite in ("boot", "boot-svm"):
        jobs += boot_jobs("svm")
    if suite in ("boot", "boot-vmx"):
        jobs += boot_jobs("vmx")
    if suite in ("smp", "smp-svm", "svm", "all"):
        jobs += smp_jobs("svm")
    if suite in ("smp", "smp-vmx", "vmx", "all"):
        jobs += smp_jobs("vmx")
    if suite in ("platform", "platform-svm"):
        jobs += platform_jobs("svm")
    if suite in ("platform", "platform-vmx"):
        jobs += platform_jobs("vmx")
    # Linux: the kit's self-check on bare QEMU always; under MACROHARD in `make test`
    # unless MH_LINUX=0, always in `make test-linux`.
    linux = []
    if suite in ("linux", "linux-direct", "all"):
        linux.append("direct")
    if suite in ("linux", "linux-svm") or (suite == "all" and os.environ.get("MH_LINUX") != "0"):
        linux += ["svm", "svm-pvh", "demo"]
    if suite in ("linux", "linux-vmx") or (suite == "all" and os.environ.get("MH_LINUX") != "0"):
        linux.append("vmx")
    if linux:
        jobs += linux_jobs(linux)
    if suite == "uart":
        jobs += uart_jobs("svm") + uart_jobs("vmx")
    if suite == "virtio":
        # The virtio device jobs; Linux virtio jobs join this list.
        jobs += virtio_jobs("svm") + virtio_jobs("vmx") + linux_virtio_jobs()
    if suite in ("hypercall", "hypercall-svm"):
        jobs += hypercall_jobs("svm") + hclib_jobs("svm")
    if suite in ("hypercall", "hypercall-vmx"):
        jobs += hypercall_jobs("vmx") + hclib_jobs("vmx")
    if suite in ("disk", "virtio", "all"):
        # MH_LINUX=0 leaves the Linux runs under MACROHARD out of `make test`, as above.
        mh_linux = suite != "all" or os.environ.get("MH_LINUX") != "0"
        jobs += disk_jobs() + [j for j in linux_disk_jobs()
                               if mh_linux or j.__name__ == "virtio_disk_direct"]
        if suite == "all" and mh_linux:
            jobs += linux_virtio_jobs()
    run_jobs(jobs)
    if _failed:
        print(f"The {len(_failed)} failed checks:", flush=True)
        for line in _failed:
            print(f"  FAILED: {line}", flush=True)
    print(f"{_counts['pass']} passed, {_counts['fail']} failed", flush=True)
    return 1 if _counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
