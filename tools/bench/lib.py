"""Shared helpers of tools/bench/throughput and tools/bench/footprint.

Both benchmarks run tessera-server and Debian's redis-server side by side in
one run and report ratios.  This module starts a server process (optionally
pinned to a CPU with taskset) in a private temporary directory on a free
loopback port, talks to it with a minimal RESP client, reads its CPU time and
memory from /proc, and stops it by PID (SHUTDOWN NOSAVE, then SIGTERM, then
SIGKILL).  Every started server is registered, and install_cleanup() makes
sure none outlives the script, whatever way it ends.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SRC_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_TESSERA = os.path.join(SRC_DIR, "build", "release", "tessera-server")
DEFAULT_REDIS = "/usr/bin/redis-server"
CLK_TCK = os.sysconf("SC_CLK_TCK")

_servers = []


def die(msg):
    print("error: " + msg, file=sys.stderr)
    sys.exit(2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def command(port, *args, timeout=10.0):
    """Send one command, return the reply (bulk/simple -> str, int, list,
    errors raise RuntimeError).  Enough for PING/INFO/DBSIZE/CONFIG."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(encode(*args))
        f = s.makefile("rb")
        return _read(f)


def _read(f):
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read(f) for _ in range(n)]
    raise RuntimeError("unexpected reply %r" % line)


def info(port, section="all"):
    """INFO as a dict of field -> str."""
    fields = {}
    for line in command(port, "INFO", section).splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k] = v
    return fields


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status_kb(pid, *names):
    """Values in kB of /proc/<pid>/status fields (VmRSS, RssAnon, ...)."""
    values = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in names:
                values[k] = int(v.split()[0])
    return tuple(values.get(n, 0) for n in names)


def cpus():
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:
        return list(range(os.cpu_count() or 1))


class BenchServer:
    """One server process started for a benchmark."""

    def __init__(self, label, binary, cpu=None, extra_args=()):
        if not os.access(binary, os.X_OK):
            die("%s binary not found or not executable: %s" % (label, binary))
        self.label = label
        self.binary = binary
        self.cpu = cpu
        self.extra_args = list(extra_args)
        self.dir = tempfile.mkdtemp(prefix="tessera-bench-%s-" % label)
        self.port = None
        self.proc = None

    def start(self, attempts=5):
        for _ in range(attempts):
            self.port = free_port()
            cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--dir", self.dir,
                   "--logfile", os.path.join(self.dir, "server.log")] + self.extra_args
            if self.cpu is not None:
                cmd = ["taskset", "-c", str(self.cpu)] + cmd  # taskset execs: same PID
            with open(os.path.join(self.dir, "stderr.txt"), "ab") as err:
                self.proc = subprocess.Popen(cmd, cwd=self.dir, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=err,
                                             start_new_session=True)
            _servers.append(self)
            if self._wait_ready():
                return self
            self.stop()
        die("%s did not start; log tail:\n%s" % (self.label, self.log_tail()))

    def _wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if command(self.port, "PING", timeout=1.0) == "PONG":
                    return True
            except (OSError, RuntimeError, ConnectionError):
                pass
            time.sleep(0.02)
        return False

    @property
    def pid(self):
        return self.proc.pid

    def cpu_seconds(self):
        return cpu_seconds(self.pid)

    def log_tail(self, lines=20):
        text = ""
        for name in ("server.log", "stderr.txt"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()
            except FileNotFoundError:
                pass
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(encode("SHUTDOWN", "NOSAVE"))
                    s.recv(100)
            except OSError:
                pass
            for sig, wait in ((None, 5), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                if sig is not None and self.proc.poll() is None:
                    try:
                        os.kill(self.proc.pid, sig)
                    except ProcessLookupError:
                        pass
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


def stop_all():
    for s in list(_servers):
        try:
            s.stop()
        except Exception:  # noqa: BLE001 - cleanup must go on
            if s.proc is not None and s.proc.poll() is None:
                os.kill(s.proc.pid, signal.SIGKILL)
        _servers.remove(s)


def install_cleanup():
    """Stop every started server at exit and on SIGINT/SIGTERM/SIGHUP."""
    atexit.register(stop_all)

    def handler(signum, frame):
        stop_all()
        os._exit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        return float("nan")
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def table(headers, rows):
    """Format rows (lists of str) under headers as an aligned text table."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)
