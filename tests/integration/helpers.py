"""Helpers for tessera's integration tests: a typed RESP2/RESP3 client and a
server process manager.

Why a client of our own: Debian 12 ships redis-py 4.3, which has no RESP3 at
all, and redis-py also flattens reply types (a simple string and a bulk string
both become bytes, a RESP3 map and a RESP2 flat array look alike after its
callbacks).  Compatibility tests must see the exact shape the server sent, so
RespClient parses every reply into a Python value that keeps its RESP type:

    RESP type           Python value
    +simple string      SimpleString (a bytes subclass: == b"OK" holds)
    $bulk string        bytes
    :integer            int
    -error / !blob err  RespError (raised at top level, an element inside arrays)
    *array              list
    $-1, *-1, _ null    None (client.last_raw keeps the exact bytes)
    #boolean            True / False (type(v) is bool tells it from an int)
    ,double             Double (a float subclass with .raw text, e.g. b"inf")
    (big number         BigNumber (an int subclass)
    =verbatim           Verbatim (a bytes subclass with .format, e.g. b"txt")
    %map                Map (a dict subclass; unhashable keys become tuples)
    ~set                Set (a list subclass compared without regard to order)
    >push               Push (a list subclass)
    |attribute          attached to the next reply: client.last_attributes

Server starts one server binary (tessera-server, or any Valkey/Redis compatible
binary named by $TESSERA_SERVER) in a private temporary directory on a free
loopback port, waits until it answers PING and stops it by PID.  Every started
server is registered so that kill_all() can guarantee no process outlives the
test session.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

# --------------------------------------------------------------------------
# RESP values


class SimpleString(bytes):
    """A RESP '+' reply; equal to the bytes it holds."""

    def __repr__(self):
        return "SimpleString(%s)" % bytes.__repr__(self)


class Verbatim(bytes):
    """A RESP3 '=' reply; the bytes are the text, .format the 3-byte format."""

    def __new__(cls, data, fmt):
        obj = bytes.__new__(cls, data)
        obj.format = fmt
        return obj

    def __repr__(self):
        return "Verbatim(%r, %s)" % (self.format, bytes.__repr__(self))


class Double(float):
    """A RESP3 ',' reply; .raw is the text the server sent."""

    def __new__(cls, raw):
        obj = float.__new__(cls, float(raw))
        obj.raw = raw
        return obj

    def __repr__(self):
        return "Double(%s)" % self.raw.decode()


class BigNumber(int):
    """A RESP3 '(' reply."""

    def __repr__(self):
        return "BigNumber(%d)" % int(self)


class Map(dict):
    """A RESP3 '%' reply, in the order the server sent it."""

    def __repr__(self):
        return "Map(%s)" % dict.__repr__(self)


class Attribute(dict):
    """A RESP3 '|' attribute (out-of-band data preceding a reply)."""


class Set(list):
    """A RESP3 '~' reply; compares equal to any list/set/Set with the same
    elements regardless of order."""

    def __eq__(self, other):
        if isinstance(other, (list, tuple, set, frozenset)):
            return _multiset(self) == _multiset(list(other))
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def __repr__(self):
        return "Set(%s)" % list.__repr__(self)


class Push(list):
    """A RESP3 '>' reply (pub/sub message, invalidation, ...)."""

    @property
    def kind(self):
        return self[0] if self else None

    def __repr__(self):
        return "Push(%s)" % list.__repr__(self)


class RespError(Exception):
    """An error reply.  .message is the full text (str), .code its first word
    ("ERR", "WRONGTYPE", "MOVED", ...)."""

    def __init__(self, message):
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        super().__init__(message)
        self.message = message
        self.code = message.split(" ", 1)[0] if message else ""

    def __eq__(self, other):
        if isinstance(other, RespError):
            return self.message == other.message
        return NotImplemented

    __hash__ = Exception.__hash__

    def __repr__(self):
        return "RespError(%r)" % self.message


class ConnectionClosed(Exception):
    """The server closed the connection."""


def _hashable(value):
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((_hashable(k), _hashable(v)) for k, v in value.items())
    return value


def _multiset(items):
    counts = {}
    for item in items:
        key = _hashable(item)
        counts[key] = counts.get(key, 0) + 1
    return counts


def encode_command(*args):
    """Encode one command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, (bytes, bytearray, memoryview)):
            data = bytes(arg)
        elif isinstance(arg, str):
            data = arg.encode()
        elif isinstance(arg, (int, float)):
            data = repr(arg).encode() if isinstance(arg, float) else b"%d" % arg
        else:
            raise TypeError("cannot encode argument of type %s" % type(arg).__name__)
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


# --------------------------------------------------------------------------
# connection and parser


class RespClient:
    """A blocking RESP2/RESP3 connection that keeps reply types.

    protocol=3 sends HELLO 3 on connect (reply kept in .hello); protocol=2
    sends nothing (a fresh connection speaks RESP2), protocol=None too (a raw
    connection for protocol tests).
    """

    # Commands whose RESP3 confirmation is itself a push.
    PUSH_REPLY_COMMANDS = {b"SUBSCRIBE", b"PSUBSCRIBE", b"SSUBSCRIBE",
                           b"UNSUBSCRIBE", b"PUNSUBSCRIBE", b"SUNSUBSCRIBE"}

    def __init__(self, host="127.0.0.1", port=6379, protocol=2, timeout=10.0,
                 auth=None, setname=None, unixsocket=None):
        self.host, self.port, self.timeout = host, port, timeout
        if unixsocket:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unixsocket)
        else:
            self.sock = socket.create_connection((host, port), timeout=timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0
        self.pushes = []
        self.last_raw = b""
        self.last_attributes = None
        self.protocol = protocol
        self.hello = None
        if protocol == 3 or auth or setname:
            args = [b"HELLO", str(protocol or 2)]
            if auth:
                args += [b"AUTH", auth[0], auth[1]]
            if setname:
                args += [b"SETNAME", setname]
            self.hello = self.call(*args)
        elif protocol not in (2, None):
            raise ValueError("protocol must be 2, 3 or None")

    @classmethod
    def from_socket(cls, sock, protocol=None, timeout=10.0):
        """Wrap an already connected socket (parser tests over a socketpair)."""
        self = cls.__new__(cls)
        self.host, self.port, self.timeout = None, None, timeout
        self.sock = sock
        sock.settimeout(timeout)
        self.buf, self.pos, self.pushes = bytearray(), 0, []
        self.last_raw, self.last_attributes = b"", None
        self.protocol, self.hello = protocol, None
        return self

    # -- lifecycle
    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- sending
    def send(self, *args):
        """Send one command without reading its reply."""
        self.sock.sendall(encode_command(*args))

    def send_raw(self, data):
        """Send bytes exactly as given (inline commands, garbage, partial
        frames)."""
        self.sock.sendall(data)

    # -- reading
    def _fill(self):
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise TimeoutError("no reply from server within %.1fs" % self.sock.gettimeout())
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise ConnectionClosed("server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            idx = self.buf.find(b"\r\n", self.pos)
            if idx >= 0:
                line = bytes(self.buf[self.pos:idx])
                self.pos = idx + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ValueError("bulk payload not terminated by CRLF")
        self.pos += n + 2
        return data

    def _aggregate(self, count, streamed):
        items = []
        if not streamed:
            for _ in range(count):
                items.append(self._value())
            return items
        while not self._peek_end():
            items.append(self._value())
        self._line()  # the ".\r\n" terminator
        return items

    def _peek_end(self):
        while len(self.buf) - self.pos < 1:
            self._fill()
        return self.buf[self.pos:self.pos + 1] == b"."

    def _value(self):
        line = self._line()
        if not line:
            raise ValueError("empty RESP type line")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return SimpleString(rest)
        if kind == b"-":
            return RespError(rest)
        if kind == b":":
            return int(rest)
        if kind == b"$":
            if rest == b"?":
                return self._streamed_string()
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind in (b"*", b"~", b">"):
            if rest == b"?":
                items = self._aggregate(0, True)
            else:
                n = int(rest)
                if n < 0:
                    return None
                items = self._aggregate(n, False)
            return {b"*": list, b"~": Set, b">": Push}[kind](items)
        if kind in (b"%", b"|"):
            streamed = rest == b"?"
            flat = self._aggregate(0 if streamed else 2 * int(rest), streamed)
            cls = Map if kind == b"%" else Attribute
            return cls((_hashable(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2))
        if kind == b"_":
            return None
        if kind == b"#":
            if rest not in (b"t", b"f"):
                raise ValueError("bad boolean %r" % rest)
            return rest == b"t"
        if kind == b",":
            return Double(rest)
        if kind == b"(":
            return BigNumber(int(rest))
        if kind == b"=":
            data = self._exact(int(rest))
            return Verbatim(data[4:], data[:3])
        if kind == b"!":
            return RespError(self._exact(int(rest)))
        raise ValueError("unknown RESP type byte %r in line %r" % (kind, line))

    def _streamed_string(self):
        parts = []
        while True:
            line = self._line()
            if not line.startswith(b";"):
                raise ValueError("bad streamed string chunk %r" % line)
            n = int(line[1:])
            if n == 0:
                return b"".join(parts)
            parts.append(self._exact(n))

    def read(self, timeout=None, raise_errors=True):
        """Read the next reply (a push included).  An error reply is raised as
        RespError unless raise_errors is False.  Attributes preceding the
        reply land in .last_attributes; the reply's exact bytes in .last_raw."""
        __tracebackhide__ = True  # pytest: show the test's line, not this one
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            if self.pos > (1 << 20) and self.pos * 2 > len(self.buf):
                del self.buf[:self.pos]
                self.pos = 0
            start = self.pos
            value = self._value()
            attributes = None
            while isinstance(value, Attribute):
                attributes = value
                value = self._value()
            self.last_attributes = attributes
            self.last_raw = bytes(self.buf[start:self.pos])
        finally:
            if timeout is not None:
                self.sock.settimeout(self.timeout)
        if raise_errors and isinstance(value, RespError):
            raise value
        return value

    def read_raw(self, timeout=None):
        """Read the next reply and return its exact bytes."""
        self.read(timeout=timeout, raise_errors=False)
        return self.last_raw

    def call(self, *args, raise_errors=True):
        """Send a command and return its reply.  Pushes that arrive before the
        reply are queued in .pushes (except for (P|S)(UN)SUBSCRIBE, whose
        RESP3 confirmation is a push)."""
        __tracebackhide__ = True
        self.send(*args)
        wants_push = bool(args) and _as_bytes(args[0]).upper() in self.PUSH_REPLY_COMMANDS
        while True:
            value = self.read(raise_errors=raise_errors)
            if isinstance(value, Push) and not wants_push:
                self.pushes.append(value)
                continue
            return value

    execute_command = call

    def pipeline(self, commands, raise_errors=False):
        """Send several commands in one write, return their replies in order
        (errors as RespError values unless raise_errors)."""
        self.sock.sendall(b"".join(encode_command(*c) for c in commands))
        return [self.read(raise_errors=raise_errors) for _ in commands]

    def next_push(self, timeout=5.0):
        """The next push message (queued or read from the socket)."""
        if self.pushes:
            return self.pushes.pop(0)
        value = self.read(timeout=timeout, raise_errors=False)
        if not isinstance(value, Push):
            raise AssertionError("expected a push, got %r" % (value,))
        return value

    def read_until_close(self, timeout=5.0):
        """Everything the server sends until it closes the connection (raises
        TimeoutError if it is still open after timeout seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("connection still open after %.1fs" % timeout)
            self.sock.settimeout(remaining)
            try:
                self._fill()
            except ConnectionClosed:
                data = bytes(self.buf[self.pos:])
                self.pos = len(self.buf)
                return data
            finally:
                self.sock.settimeout(self.timeout)

    def is_closed(self, timeout=2.0):
        """True if the server closes the connection within timeout seconds
        (any bytes it sends before are discarded)."""
        try:
            self.read_until_close(timeout)
            return True
        except TimeoutError:
            return False


def _as_bytes(arg):
    if isinstance(arg, bytes):
        return arg
    return str(arg).encode()


def raw_exchange(host, port, data, timeout=2.0):
    """Open a connection, send data, return (bytes received, closed) where
    closed tells whether the server closed the connection within timeout."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(data)
        received = bytearray()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bytes(received), False
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                return bytes(received), False
            except ConnectionResetError:
                return bytes(received), True
            if not chunk:
                return bytes(received), True
            received += chunk


# --------------------------------------------------------------------------
# server processes

SRC_DIR = os.environ.get("TESSERA_SRC_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))

_live_servers = set()


def server_binary():
    """Path of the server under test: $TESSERA_SERVER, else
    $TESSERA_BUILD_DIR/tessera-server, else the first built one under the
    source tree."""
    explicit = os.environ.get("TESSERA_SERVER")
    if explicit:
        return explicit
    build = os.environ.get("TESSERA_BUILD_DIR")
    candidates = [os.path.join(build, "tessera-server")] if build else []
    candidates += [os.path.join(SRC_DIR, "build", "release", "tessera-server"),
                   os.path.join(SRC_DIR, "tessera-server")]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    raise RuntimeError("tessera-server not found (tried %s); build it or set "
                       "TESSERA_BUILD_DIR / TESSERA_SERVER" % ", ".join(candidates))


def free_port():
    """A TCP port that was free on 127.0.0.1 a moment ago (another process may
    still take it: Server retries on collision)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


def sanitizer_report(text):
    """The part of text that is an ASan/LSan/UBSan report, or ''."""
    markers = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
               "UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer",
               "AddressSanitizer:DEADLYSIGNAL", "LeakSanitizer has encountered a fatal error")
    for marker in markers:
        idx = text.find(marker)
        if idx >= 0:
            return text[max(0, text.rfind("\n", 0, max(0, idx - 200)) + 1):][:6000]
    return ""


class ServerError(Exception):
    pass


class Server:
    """One server process in its own temporary directory.

    directives: dict of directive -> value (str, or list of str for several
    arguments), passed on the command line as --name value...; they override
    the harness defaults (port, bind, dir, logfile, save '', appendonly no,
    enable-debug-command yes).  A value of None drops a default.
    args: extra command-line arguments appended verbatim.
    config: text of a config file, written to <dir>/server.conf and passed as
    the first argument.
    """

    PING_TIMEOUT = 10.0

    def __init__(self, directives=None, args=(), config=None, binary=None,
                 port=None, name="node", use_logfile=True):
        self.binary = binary or server_binary()
        self.directives = dict(directives or {})
        self.args = [str(a) for a in args]
        self.config = config
        self.fixed_port = port
        self.port = port
        self.host = "127.0.0.1"
        self.name = name
        self.use_logfile = use_logfile
        self.dir = tempfile.mkdtemp(prefix="tessera-%s-" % name)
        self.logfile = os.path.join(self.dir, "server.log")
        self.stdout_path = os.path.join(self.dir, "stdout.txt")
        self.stderr_path = os.path.join(self.dir, "stderr.txt")
        self.proc = None
        self.returncode = None
        self.sanitizer_text = ""

    # -- properties
    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def is_redis(self):
        """True when the binary under test is a redis-server (harness
        development); tessera-only behaviour differs there."""
        return "redis" in os.path.basename(self.binary)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- command line
    def command_line(self):
        defaults = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": self.dir,
            "save": "",
            "appendonly": "no",
            "enable-debug-command": "yes",
        }
        if self.use_logfile:
            defaults["logfile"] = self.logfile
        defaults.update(self.directives)
        cmd = [self.binary]
        if self.config is not None:
            conf = os.path.join(self.dir, "server.conf")
            with open(conf, "w") as f:
                f.write(self.config)
            cmd.append(conf)
        for name, value in defaults.items():
            if value is None:
                continue
            cmd.append("--" + name)
            if isinstance(value, (list, tuple)):
                cmd += [str(v) for v in value]
            else:
                cmd.append(str(value))
        return cmd + self.args

    # -- start / stop
    def start(self, wait=True):
        """Start the process; with wait, block until it answers PING (retrying
        on a new port if the chosen one turned out to be taken)."""
        if self.alive():
            raise ServerError("server already running (pid %d)" % self.pid)
        attempts = 1 if self.fixed_port else 5
        for attempt in range(attempts):
            if not self.fixed_port:
                self.port = free_port()
            self._spawn()
            if not wait:
                return self
            try:
                self.wait_ready()
                return self
            except ServerError:
                if attempt + 1 < attempts and self._port_collision():
                    self.stop()
                    continue
                self.stop()
                raise
        return self

    def _spawn(self):
        self.returncode = None
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(self.command_line(), cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err, start_new_session=True)
        _live_servers.add(self)

    def _port_collision(self):
        text = self.log_text() + self.stderr_text()
        return "Address already in use" in text or "Failed listening on port" in text

    def wait_ready(self, timeout=None):
        """Wait until the server answers PING with PONG."""
        deadline = time.monotonic() + (timeout or self.PING_TIMEOUT)
        last = "no connection"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                raise ServerError("server exited with code %s before answering PING\n%s"
                                  % (self.returncode, self.diagnostics()))
            try:
                with RespClient(self.host, self.port, protocol=None, timeout=1.0) as c:
                    reply = c.call("PING", raise_errors=False)
                    if reply == b"PONG":
                        return
                    last = repr(reply)
            except (OSError, ConnectionClosed, TimeoutError, ValueError) as e:
                last = repr(e)
            time.sleep(0.02)
        raise ServerError("server did not answer PING within %.0fs (last: %s)\n%s"
                          % (timeout or self.PING_TIMEOUT, last, self.diagnostics()))

    def wait_exit(self, timeout=10.0):
        """Wait for the process to exit by itself; return its exit code (None
        if it is still running after timeout)."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reaped()
        return self.returncode

    def stop(self, timeout=10.0):
        """SHUTDOWN NOSAVE, then SIGTERM, then SIGKILL, each after a timeout,
        by PID only.  Returns the exit code."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            accepted = False
            try:
                with RespClient(self.host, self.port, protocol=None, timeout=2.0) as c:
                    c.send("SHUTDOWN", "NOSAVE")
                    c.read_until_close(timeout=2.0)
                    accepted = True  # the server closed the connection: shutting down
            except (OSError, ConnectionClosed, TimeoutError, ValueError):
                pass
            steps = ((None, timeout if accepted else 0.1), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0))
            for sig, wait in steps:
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
        self.returncode = self.proc.wait()
        self._reaped()
        return self.returncode

    def kill(self, sig=signal.SIGKILL):
        """Send a signal right away (SIGKILL: crash simulation); waits for exit
        if the signal is deadly by default."""
        if self.alive():
            os.kill(self.proc.pid, sig)
            if sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
                return self.wait_exit(timeout=10.0)
        return self.returncode

    def _reaped(self):
        _live_servers.discard(self)
        self.sanitizer_text = self.sanitizer_text or sanitizer_report(self.stderr_text())

    def restart(self, wait=True):
        """Stop and start again with the same port, directory and options."""
        self.stop()
        fixed = self.fixed_port
        self.fixed_port = self.port
        try:
            return self.start(wait=wait)
        finally:
            self.fixed_port = fixed

    def cleanup(self):
        """Stop the process and remove its directory (kept if
        $TESSERA_KEEP_TMP is set)."""
        self.stop()
        if not os.environ.get("TESSERA_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- clients
    def client(self, protocol=2, **kw):
        """A client: protocol 2 gives a redis.Redis (decode_responses False
        unless given); protocol 3 a RespClient, because Debian's redis-py
        has no RESP3."""
        if protocol == 3:
            return RespClient(self.host, self.port, protocol=3, **kw)
        import redis
        kw.setdefault("decode_responses", False)
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(host=self.host, port=self.port, **kw)

    def resp(self, protocol=2, **kw):
        """A RespClient (typed replies) in the given protocol."""
        return RespClient(self.host, self.port, protocol=protocol, **kw)

    def raw(self, timeout=5.0):
        """A RespClient that sends no HELLO: for raw bytes and protocol errors."""
        return RespClient(self.host, self.port, protocol=None, timeout=timeout)

    # -- logs
    def _read(self, path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_text(self):
        """The server log: the logfile if one is used, stdout otherwise (both
        when both exist)."""
        return self._read(self.logfile) + self._read(self.stdout_path)

    def stderr_text(self):
        return self._read(self.stderr_path)

    def wait_for_log(self, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text():
                return True
            time.sleep(0.05)
        raise AssertionError("%r not in the log after %.0fs\n%s" % (text, timeout, self.diagnostics()))

    def diagnostics(self):
        return ("command: %s\n--- log tail ---\n%s\n--- stderr tail ---\n%s"
                % (" ".join(repr(a) if a == "" or " " in a else a for a in self.command_line()),
                   _tail(self.log_text()), _tail(self.stderr_text())))

    def __repr__(self):
        return "Server(%s, port=%s, pid=%s)" % (os.path.basename(self.binary), self.port, self.pid)


def run_server(args, timeout=10.0, binary=None, cwd=None):
    """Run the server binary with args and expect it to exit by itself (bad
    configuration and the like).  Returns subprocess.CompletedProcess with
    text stdout/stderr; kills it and raises AssertionError if it does not
    exit within timeout."""
    binary = binary or server_binary()
    cwd = cwd or tempfile.gettempdir()
    proc = subprocess.Popen([binary] + [str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError("server with args %r still running after %.0fs; stdout:\n%s\nstderr:\n%s"
                             % (args, timeout, _tail(out.decode("utf-8", "replace")),
                                _tail(err.decode("utf-8", "replace"))))
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def kill_all():
    """Kill every server this harness started that is still running."""
    for server in list(_live_servers):
        if server.proc is not None and server.proc.poll() is None:
            try:
                os.kill(server.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                server.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _live_servers.discard(server)


def live_servers():
    return [s for s in _live_servers if s.alive()]


def wait_until(predicate, timeout=5.0, interval=0.02, message="condition"):
    """Poll predicate until it returns a true value; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("%s not met within %.1fs" % (message, timeout))
        time.sleep(interval)


def blocked_clients(client):
    """INFO clients' blocked_clients, read through a RespClient."""
    text = client.call("INFO", "clients").decode()
    fields = dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)
    return int(fields["blocked_clients"])


def wait_blocked(client, n, timeout=3.0):
    """Wait until exactly n clients are blocked (BLPOP & co.)."""
    wait_until(lambda: blocked_clients(client) == n, timeout=timeout, interval=0.005,
               message="blocked_clients == %d" % n)
