#!/usr/bin/python3
"""vm.py: run a script inside Debian's real kernel, booted in QEMU.

The host kernel has no module support, so tests that need real modules
(load, unload, holders, use counts, uevents) boot the kernel that
tests/fixtures/fetch-kernel.sh unpacks.  The guest has no disk image of its
own: a tiny busybox initramfs (initramfs-init.sh) mounts the host's / read-only
over virtio-9p, puts a tmpfs-backed overlayfs on top, shows the fixture's
modules at /lib/modules/REL and switch_roots into it; guest-init.sh then starts
udevd, the system dbus-daemon and polkitd from the host's own binaries and runs
the guest script.  Its exit status comes back through a 9p "control" share
(and a KMODD-VM-EXIT=<n> line on the serial console).

CLI (always /usr/bin/python3; `python3` may be a pyenv shim):
    vm.py prepare                       build/refresh the cached kernel+initramfs
    vm.py run SCRIPT [ARG...]           run SCRIPT in the guest, exit with its status
    vm.py run -c 'CMD'                  same for a shell command
    vm.py run --shell [SCRIPT]          interactive shell on the console, after SCRIPT
                                        if given; exit N powers off, status N; Ctrl-A x
                                        kills qemu
  run options: --timeout S  --mem MiB  --smp N  --keep-log FILE  --results DIR
               --share HOST:GUEST[:ro]  --env K=V  --install-tree DIR
               --coldplug  --append 'KERNEL ARGS'  --quiet  --timestamps  --trace
               --systemd (the host's systemd as PID 1)  --shell-user USER

Python API:
    import vm                              # sys.path.insert(0, "tests/vm")
    res = vm.run("tests/vm/demo.sh", timeout=300, results="/tmp/out")
    res.status, res.timed_out, res.log, res.boot_seconds, ...

Options go before SCRIPT; whatever follows SCRIPT is the script's.
Environment: KMODD_CACHE_DIR (cache root), KMODD_VM_QEMU_ARGS (extra qemu
arguments, split on blanks).  Only the standard library is used.

The vmlinux and the initramfs are cached under
${KMODD_CACHE_DIR:-/var/cache/kmodd-dev}/vm, named by a hash of their inputs'
paths, sizes and mtimes (vmlinuz; initramfs-init.sh, busybox, the .ko files),
so a kernel update or an edit of initramfs-init.sh rebuilds them.
guest-init.sh is read from the checkout at each boot and needs no rebuild.
"""

import argparse
import bz2
import dataclasses
import gzip
import hashlib
import lzma
import os
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FETCH_KERNEL = os.path.join(REPO, "tests", "fixtures", "fetch-kernel.sh")
INITRAMFS_INIT = os.path.join(HERE, "initramfs-init.sh")
GUEST_INIT = os.path.join(HERE, "guest-init.sh")
CACHE_DIR = os.path.join(os.environ.get("KMODD_CACHE_DIR", "/var/cache/kmodd-dev"), "vm")
FORMAT = "kmodd-vm-3"  # bump to force a rebuild of every cached artifact

# Host packages: QEMU and busybox for the VM itself, everything else because
# the guest runs the host's binaries (udevd, dbus-daemon, polkitd, kmod,
# mkfs.vfat, losetup, gdbus...).  The initramfs is written by cpio_newc(),
# so the cpio tool is not needed; bookworm's kernel is xz (stdlib lzma).
HOST_PACKAGES = [
    "qemu-system-x86", "busybox-static", "kmod", "udev", "dbus", "polkitd",
    "dosfstools", "util-linux", "mount", "libglib2.0-bin",
    "systemd",  # PID 1 of --systemd boots; systemd-analyze
    "strace",   # the VM suite reads a daemon's exit status with it
    "procps",   # ps, pgrep
]
# Modules the initramfs loads to reach the 9p root; dependencies are added
# from modules.dep, so this survives Debian reshuffling them.
BOOT_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"]

EXIT_MARKER = "KMODD-VM-EXIT="
START_MARKER = "KMODD-VM-SCRIPT-START"
# console lines that mark boot phases (Result.phases: seconds since qemu started)
PHASES = {"kmodd-vm: initramfs": "initramfs", "kmodd-vm: switch_root": "switch_root",
          "kmodd-vm: services": "services", START_MARKER: "script"}
TAIL_LINES = 200
QBOOT = "/usr/share/qemu/qboot.rom"  # minimal firmware; boots the PVH vmlinux
# Guest paths that initramfs-init.sh mounts over; a script there is copied
# into the control share instead (/tmp is handled by KMODD_VM_TMP_KEEP).
MASKED_PREFIXES = ("/run/", "/proc/", "/sys/", "/dev/")


def log(msg):
    print(f"kmodd-vm: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- host setup

def ensure_packages(pkgs=HOST_PACKAGES):
    """apt-get install what is missing (dpkg-query first, so reruns are fast)."""
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\n"] + pkgs,
                         capture_output=True, text=True).stdout
    have = {l.split()[0] for l in out.splitlines() if l.endswith("ok installed")}
    missing = [p for p in pkgs if p not in have]
    if missing:
        log("installing " + " ".join(missing))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                       check=True, env=env, stdout=sys.stderr)


def fetch_kernel():
    """Return (root, rel) from fetch-kernel.sh --cached (tools/fetch-kernel
    downloads it; run-suite.sh skips while it has not)."""
    out = subprocess.run(["sh", FETCH_KERNEL, "--cached"], check=True, stdout=subprocess.PIPE, text=True)
    root, rel = out.stdout.split()[:2]
    return root, rel


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def cached(path):
    """Is path in the cache?  A hit is touched, so that prune() keeps it."""
    try:
        os.utime(path)
        return True
    except OSError:
        return False


def prune(prefix, keep):
    """Drop artifacts of the same kind unused for a day (not at once: another
    checkout may be booting one of them right now)."""
    old = time.time() - 86400
    for name in os.listdir(CACHE_DIR):
        p = os.path.join(CACHE_DIR, name)
        try:
            if name.startswith(prefix) and p != keep and os.stat(p).st_mtime < old:
                os.unlink(p)
        except OSError:
            pass


# ------------------------------------------------------------------- vmlinux

# Compression magics, tried in the bzImage payload (or anywhere, as fallback).
MAGICS = [
    (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"\x1f\x8b\x08", "gzip"),
    (b"BZh", "bzip2"), (b"\x5d\x00\x00", "lzma"), (b"\x02\x21\x4c\x18", "lz4"),
]


def _decompress(kind, data):
    if kind == "xz":
        return lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(data)
    if kind == "lzma":
        return lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(data)
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    if kind == "bzip2":
        return bz2.BZ2Decompressor().decompress(data)
    # zstd and lz4 have no stdlib module: use the tools (trailing garbage is
    # an error for them, so take whatever they wrote).
    tool = {"zstd": ["zstd", "-dcq"], "lz4": ["lz4", "-dcq"]}[kind]
    if not shutil.which(tool[0]):
        return b""
    return subprocess.run(tool, input=data, capture_output=True).stdout


def extract_vmlinux(image):
    """Return the ELF vmlinux inside a bzImage, or None."""
    candidates = []
    if image[0x202:0x206] == b"HdrS" and struct.unpack_from("<H", image, 0x206)[0] >= 0x208:
        setup_sects = image[0x1F1] or 4
        off, length = struct.unpack_from("<II", image, 0x248)
        start = (setup_sects + 1) * 512 + off
        candidates.append(image[start:start + length])
    candidates.append(image)  # fallback: scan the whole file for a magic
    for blob in candidates:
        for magic, kind in MAGICS:
            pos = blob.find(magic)
            while pos != -1:
                try:
                    out = _decompress(kind, blob[pos:])
                except (lzma.LZMAError, zlib.error, OSError, EOFError, ValueError):
                    out = b""
                if out[:4] == b"\x7fELF":
                    return out
                pos = blob.find(magic, pos + 1)
                if blob is image:  # the full scan only tries the first few hits
                    break
    return None


def has_pvh_note(elf):
    """True if the ELF has XEN_ELFNOTE_PHYS32_ENTRY (18), which QEMU needs to
    boot it directly (PVH) with -kernel."""
    if elf[:5] != b"\x7fELF\x02":  # 64-bit ELF only (x86_64 vmlinux)
        return False
    try:
        return _find_pvh_note(elf)
    except (struct.error, OverflowError):  # truncated or garbage ELF
        return False


def _find_pvh_note(elf):
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        pos, end = p_offset, p_offset + p_filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == 18:
                return True
            pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    return False


def prepare_kernel(root, rel):
    """Return (path, pvh): the cached PVH-capable vmlinux, or the bzImage."""
    vmlinuz = os.path.join(root, "boot", f"vmlinuz-{rel}")
    st = os.stat(vmlinuz)
    key = sha256(FORMAT, vmlinuz, st.st_size, st.st_mtime_ns)
    out = os.path.join(CACHE_DIR, f"vmlinux-{key}")
    nopvh = out + ".nopvh"  # remembers that this kernel cannot boot via PVH
    if cached(out):
        return out, True
    if cached(nopvh):
        return vmlinuz, False
    with open(vmlinuz, "rb") as f:
        image = f.read()
    elf = extract_vmlinux(image)
    if elf and has_pvh_note(elf):
        write_atomic(out, elf)
        prune("vmlinux-", out)
        return out, True
    log("no PVH-capable vmlinux in %s; booting the bzImage (slower)" % vmlinuz)
    write_atomic(nopvh, b"")
    return vmlinuz, False


# ----------------------------------------------------------------- initramfs

def module_closure(moddir, names):
    """Module files (relative to moddir) for names plus dependencies, in load order."""
    deps, by_name = {}, {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
            base = os.path.basename(path).split(".ko")[0]
            by_name[base.replace("-", "_")] = path
    with open(os.path.join(moddir, "modules.builtin")) as f:
        builtin = {os.path.basename(l.strip()).split(".ko")[0].replace("-", "_") for l in f}
    order = []

    def visit(path):
        if path in order:
            return
        # modules.dep lists all (transitive) dependencies; load the deepest first
        for d in reversed(deps[path]):
            visit(d)
        order.append(path)

    for n in names:
        n = n.replace("-", "_")
        if n in builtin:
            continue
        if n not in by_name:
            raise SystemExit(f"kmodd-vm: module {n} not found in {moddir}")
        visit(by_name[n])
    return order


def read_module(path):
    """Module bytes, decompressed (busybox insmod may not handle .ko.xz/.zst)."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dcq"], input=data, check=True, capture_output=True).stdout
    return data


def cpio_newc(entries):
    """Build a newc cpio archive from (name, mode, data, rdev_major, rdev_minor)."""
    out = bytearray()

    def add(ino, name, mode, data=b"", rmaj=0, rmin=0):
        nameb = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmaj, rmin, len(nameb), 0]
        out.extend(b"070701" + b"".join(b"%08X" % v for v in fields) + nameb)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, mode, data, rmaj, rmin) in enumerate(entries, 1):
        add(ino, name, mode, data, rmaj, rmin)
    add(0, "TRAILER!!!", 0)
    return bytes(out)


def prepare_initramfs(root, rel):
    """Return the cached initramfs for (root, rel)."""
    moddir = os.path.join(root, "lib", "modules", rel)
    mods = module_closure(moddir, BOOT_MODULES)
    busybox = shutil.which("busybox") or "/bin/busybox"
    # cheap key first: stat of every input; the content is only read on a miss
    stat_key = sha256(FORMAT, root, rel, *[
        (p, os.stat(p).st_size, os.stat(p).st_mtime_ns)
        for p in [INITRAMFS_INIT, busybox] + [os.path.join(moddir, m) for m in mods]])
    out = os.path.join(CACHE_DIR, f"initramfs-{stat_key}.cpio")
    if cached(out):
        return out
    with open(INITRAMFS_INIT, "rb") as f:
        init = f.read()
    with open(busybox, "rb") as f:
        bb = f.read()
    names = [os.path.basename(m).split(".ko")[0] + ".ko" for m in mods]
    conf = (f"KMODD_REL={shlex.quote(rel)}\n"
            f"KMODD_KROOT={shlex.quote(root)}\n"
            f"KMODD_MODULES={shlex.quote(' '.join(names))}\n").encode()
    D, F, C = 0o040755, 0o100755, 0o020600
    entries = [(d, D, b"", 0, 0) for d in ("bin", "dev", "etc", "modules", "proc", "sys")]
    entries += [("dev/console", C, b"", 5, 1), ("dev/null", 0o020666, b"", 1, 3),
                ("bin/busybox", F, bb, 0, 0), ("init", F, init, 0, 0),
                ("etc/kmodd-vm.conf", 0o100644, conf, 0, 0)]
    entries += [(f"modules/{n}", 0o100644, read_module(os.path.join(moddir, m)), 0, 0)
                for n, m in zip(names, mods)]
    write_atomic(out, cpio_newc(entries))
    prune("initramfs-", out)
    return out


@dataclasses.dataclass
class Prepared:
    root: str       # fetch-kernel.sh's unpacked package root
    rel: str        # kernel release
    kernel: str     # vmlinux (PVH) or vmlinuz (bzImage) to pass to -kernel
    pvh: bool
    initrd: str
    seconds: float  # how long preparing took


def prepare(install=True):
    """Install host packages, fetch the kernel, build/reuse vmlinux and initramfs."""
    t0 = time.monotonic()
    if install:
        ensure_packages()
    os.makedirs(CACHE_DIR, exist_ok=True)
    root, rel = fetch_kernel()
    kernel, pvh = prepare_kernel(root, rel)
    initrd = prepare_initramfs(root, rel)
    return Prepared(root, rel, kernel, pvh, initrd, time.monotonic() - t0)


# ----------------------------------------------------------------------- run

@dataclasses.dataclass
class Result:
    status: int              # guest script's exit status; 124 timeout, 125 no status
    timed_out: bool
    log: list                # console lines
    prep_seconds: float
    boot_seconds: float      # qemu start -> guest script start (None if never)
    script_seconds: float    # guest script start -> its exit (None if never)
    total_seconds: float
    phases: dict = dataclasses.field(default_factory=dict)  # boot phase -> seconds

    def tail(self, n=TAIL_LINES):
        return "\n".join(self.log[-n:])


def _guest_visible(path):
    """Will this host path be visible at the same path in the guest?"""
    return not path.startswith(MASKED_PREFIXES)


def run(script=None, args=(), command=None, shell=False, timeout=600, mem=1536, smp=1,
        env=None, shares=(), results=None, install_tree=None, coldplug=False,
        keep_log=None, stream=False, append="", prepared=None, timestamps=False, trace=False,
        systemd=False, shell_user=None):
    """Boot the guest and run `script` (a host path, run with `args`) or the
    shell `command`; with shell=True leave an interactive shell on the
    console (after the script, if any).

    env:      dict exported to the guest script
    shares:   [(host_dir, guest_dir, readonly)] extra 9p mounts
    results:  host dir shared read-write at $KMODD_VM_RESULTS in the guest
    install_tree: host dir (e.g. a meson DESTDIR) copied over the guest's /
              before udevd, dbus-daemon and polkitd start
    stream:   copy the console to stdout as it arrives (timestamps: prefix
              each line with seconds since qemu started)
    trace:    set -x in both init scripts, kernel loglevel 7
    systemd:  boot the host's systemd as PID 1 (with only the units
              guest-init.sh allows), so that bus activation goes through
              systemd units; the script runs from a service
    shell_user: the interactive shell runs as this guest user (e.g. kmoddtest)
    """
    prep = prepared or prepare()
    t0 = time.monotonic()
    ctl = tempfile.mkdtemp(prefix="kmodd-vm-")
    try:
        os.chmod(ctl, 0o755)
        os.mkdir(os.path.join(ctl, "results"))
        cfg = {"KMODD_VM_MODE": "shell" if shell else "script",
               "KMODD_VM_CWD": os.getcwd(), "KMODD_VM_COLDPLUG": "1" if coldplug else "0",
               "KMODD_VM_REL": prep.rel, "KMODD_VM_SYSTEMD": "1" if systemd else "0"}
        if shell_user:
            cfg["KMODD_VM_SHELL_USER"] = shell_user
        if script:
            script = os.path.abspath(script)
            if not _guest_visible(script):
                shutil.copy(script, os.path.join(ctl, "script"))
                os.chmod(os.path.join(ctl, "script"), 0o755)
                script = "/run/kmodd-vm/script"
            cfg["KMODD_VM_SCRIPT"] = script
            cfg["KMODD_VM_ARGS"] = " ".join(shlex.quote(a) for a in args)
        elif command is not None:
            cfg["KMODD_VM_COMMAND"] = command
        if shell:
            size = shutil.get_terminal_size()
            cfg["KMODD_VM_ROWS"], cfg["KMODD_VM_COLS"] = str(size.lines), str(size.columns)
            cfg["KMODD_VM_TERM"] = os.environ.get("TERM", "vt102")
        if install_tree:
            cfg["KMODD_VM_INSTALL_TREE"] = os.path.abspath(install_tree)
        # host paths under /tmp that the guest must still see once it mounts
        # its own tmpfs on /tmp (e.g. a checkout or build dir in /tmp)
        keep = {p.split("/")[2] for p in [os.getcwd(), HERE, script or "", install_tree and
                os.path.abspath(install_tree) or ""] if p.startswith("/tmp/")}
        cfg["KMODD_VM_TMP_KEEP"] = " ".join(sorted(keep))

        # never -accel kvm: /dev/kvm exists on these machines but hangs
        qemu = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-nographic",
                "-no-reboot", "-m", str(mem), "-smp", str(smp), "-nic", "none",
                "-kernel", prep.kernel, "-initrd", prep.initrd,
                "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,"
                           "readonly=on,multidevs=remap",
                "-virtfs", f"local,path={ctl},mount_tag=kmoddctl,security_model=none,multidevs=remap"]
        if prep.pvh and os.path.exists(QBOOT):
            qemu += ["-bios", QBOOT]  # ~0.5 s less firmware time than SeaBIOS
        qemu += os.environ.get("KMODD_VM_QEMU_ARGS", "").split()
        mounts = []
        all_shares = list(shares)
        if results:
            os.makedirs(results, exist_ok=True)
            all_shares.append((results, "/run/kmodd-vm/results", False))
        for i, (hdir, gdir, ro) in enumerate(all_shares):
            hdir = os.path.abspath(hdir)
            if "," in hdir:
                raise ValueError(f"share path must not contain ',': {hdir}")
            tag = f"share{i}"
            qemu += ["-virtfs", f"local,path={hdir},mount_tag={tag},security_model=none,"
                                f"multidevs=remap{',readonly=on' if ro else ''}"]
            mounts.append(f"{tag}:{gdir}:{'ro' if ro else 'rw'}")
        cfg["KMODD_VM_SHARES"] = " ".join(mounts)

        with open(os.path.join(ctl, "config"), "w") as f:
            for k, v in cfg.items():
                f.write(f"{k}={shlex.quote(v)}\n")
            for k, v in (env or {}).items():
                f.write(f"export {k}={shlex.quote(str(v))}\n")

        if " " in GUEST_INIT:
            raise ValueError("the checkout path must not contain spaces (kernel cmdline)")
        cmdline = (f"console=ttyS0 loglevel=4 panic=-1 rdinit=/init "
                   f"kmodd_vm_init={GUEST_INIT} "
                   f"{'kmodd_vm_trace=1 loglevel=7 ' if trace else ''}{append}").strip()
        qemu += ["-append", cmdline]

        if shell:
            # interactive: the console is the user's terminal
            rc = subprocess.call(qemu)
            st = _read_status(ctl)
            return Result(st if st is not None else rc, False, [], prep.seconds,
                          None, None, time.monotonic() - t0)
        return _run_captured(qemu, ctl, timeout, keep_log, stream, prep, t0, timestamps)
    finally:
        shutil.rmtree(ctl, ignore_errors=True)


def _read_status(ctl):
    try:
        with open(os.path.join(ctl, "exit-status")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _run_captured(qemu, ctl, timeout, keep_log, stream, prep, t0, stamps=False):
    lines, marks, phases = [], {}, {}
    proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    t_start = time.monotonic()

    def reader():
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
            lines.append(line)
            if stream:
                print(f"[{time.monotonic() - t_start:7.2f}] {line}" if stamps else line, flush=True)
            for marker, phase in PHASES.items():
                if line.endswith(marker) and phase not in phases:
                    phases[phase] = round(time.monotonic() - t_start, 2)
            if START_MARKER in line and "start" not in marks:
                marks["start"] = time.monotonic()
            if line.startswith(EXIT_MARKER) and "exit" not in marks:
                marks["exit"] = time.monotonic()
                try:
                    marks["status"] = int(line[len(EXIT_MARKER):].split()[0])
                except (ValueError, IndexError):
                    pass

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:  # also on Ctrl-C: never leave a qemu behind
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    th.join(5)
    t_end = time.monotonic()

    status = _read_status(ctl)
    if status is None:
        status = marks.get("status")
    if timed_out:
        lines.append(f"kmodd-vm: timeout after {timeout}s")
        status = 124
    elif status is None:
        lines.append(f"kmodd-vm: guest gave no exit status (qemu exited {proc.returncode})")
        status = 125
    res = Result(status, timed_out, lines, prep.seconds,
                 marks["start"] - t_start if "start" in marks else None,
                 marks.get("exit", t_end) - marks["start"] if "start" in marks else None,
                 t_end - t0 + prep.seconds, phases)
    if keep_log:
        with open(keep_log, "w") as f:
            f.write("\n".join(lines) + "\n")
    if status != 0 and not stream:
        print(f"---- last {TAIL_LINES} console lines ----", file=sys.stderr)
        print(res.tail(), file=sys.stderr)
        print("---- end of console ----", file=sys.stderr, flush=True)
    elif timed_out or status in (124, 125):
        print(lines[-1], file=sys.stderr)
    return res


# ----------------------------------------------------------------------- CLI

def _fmt(s):
    return "-" if s is None else f"{s:.2f}s"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("prepare", help="fetch the kernel and build the cached vmlinux/initramfs")
    r = sub.add_parser("run", help="boot the guest and run a script in it")
    r.add_argument("script", nargs="?", help="host path of the guest script")
    r.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    r.add_argument("-c", dest="command", help="run this shell command instead of a script")
    r.add_argument("--shell", action="store_true", help="interactive shell on the console")
    r.add_argument("--timeout", type=float, default=600, help="seconds (default 600)")
    r.add_argument("--mem", type=int, default=1536, help="guest MiB (default 1536)")
    r.add_argument("--smp", type=int, default=1, help="guest CPUs (default 1)")
    r.add_argument("--keep-log", metavar="FILE", help="write the whole console to FILE")
    r.add_argument("--results", metavar="DIR",
                   help="host dir shared read-write at $KMODD_VM_RESULTS in the guest")
    r.add_argument("--share", action="append", default=[], metavar="HOST:GUEST[:ro]",
                   help="extra host dir mounted in the guest (repeatable)")
    r.add_argument("--env", action="append", default=[], metavar="K=V",
                   help="environment for the guest script (repeatable)")
    r.add_argument("--install-tree", metavar="DIR",
                   help="copy DIR over the guest's / before services start")
    r.add_argument("--coldplug", action="store_true",
                   help="udevadm trigger + settle at boot (autoloads device drivers)")
    r.add_argument("--append", default="", help="extra kernel command line")
    r.add_argument("--quiet", action="store_true", help="do not stream the console")
    r.add_argument("--trace", action="store_true",
                   help="set -x in the guest's init scripts, kernel loglevel 7")
    r.add_argument("--timestamps", action="store_true",
                   help="prefix streamed console lines with host seconds since boot")
    r.add_argument("--systemd", action="store_true",
                   help="boot the host's systemd as PID 1 (units: see guest-init.sh)")
    r.add_argument("--shell-user", metavar="USER",
                   help="run the --shell as this guest user (e.g. kmoddtest)")
    a = ap.parse_args(argv)
    # SIGTERM/SIGHUP (a CI timeout, a closed terminal) unwind like Ctrl-C, so
    # qemu is killed and the control dir removed
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda n, _f: sys.exit(128 + n))

    prep = prepare()
    if a.cmd == "prepare":
        print(f"root    {prep.root}\nrel     {prep.rel}\nkernel  {prep.kernel} "
              f"({'PVH vmlinux' if prep.pvh else 'bzImage'})\ninitrd  {prep.initrd}\n"
              f"prep    {prep.seconds:.2f}s")
        return 0
    if not (a.script or a.command is not None or a.shell):
        ap.error("run needs SCRIPT, -c CMD or --shell")
    shares = []
    for s in a.share:
        parts = s.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
            ap.error(f"bad --share {s!r}")
        shares.append((parts[0], parts[1], len(parts) == 3 and parts[2] == "ro"))
    env = dict(e.split("=", 1) for e in a.env)
    res = run(a.script, a.args, command=a.command, shell=a.shell, timeout=a.timeout,
              mem=a.mem, smp=a.smp, env=env, shares=shares, results=a.results,
              install_tree=a.install_tree, coldplug=a.coldplug, keep_log=a.keep_log,
              stream=not a.quiet, append=a.append, prepared=prep, timestamps=a.timestamps,
              trace=a.trace, systemd=a.systemd, shell_user=a.shell_user)
    log(f"prep {_fmt(res.prep_seconds)}, boot-to-script {_fmt(res.boot_seconds)}, "
        f"script {_fmt(res.script_seconds)}, total {_fmt(res.total_seconds)}, "
        f"exit {res.status}")
    if res.phases:
        log("boot phases (s after qemu start): " +
            ", ".join(f"{k} {v:.2f}" for k, v in res.phases.items()))
    return res.status


if __name__ == "__main__":
    sys.exit(main())
