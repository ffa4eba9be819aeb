"""The wire protocol, byte for byte: inline and multibulk requests,
pipelining, big values, every protocol error (Valkey's text, then the
connection is closed), hostile input that must never crash the server,
clients vanishing mid-command, proto-max-bulk-len and
client-query-buffer-limit.

Everything here is observable through a raw socket, so the same file runs
against Debian's redis-server (TESSERA_SERVER=/usr/bin/redis-server) to check
the expectations themselves.
"""

import hashlib
import random
import re
import signal
import socket
import time

import pytest

from helpers import (ConnectionClosed, RespClient, encode_command, raw_exchange,
                     wait_until)


def exchange(srv, data, timeout=2.0):
    return raw_exchange(srv.host, srv.port, data, timeout=timeout)


def assert_alive(srv):
    """The server still answers on a brand-new connection."""
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"


# ---------------------------------------------------------------- inline commands

@pytest.mark.parametrize("line, reply", [
    (b"PING\r\n", b"+PONG\r\n"),
    (b"PING\n", b"+PONG\r\n"),                                   # LF alone ends a line
    (b"   PING   \r\n", b"+PONG\r\n"),                           # surrounding blanks
    (b"ping hello\r\n", b"$5\r\nhello\r\n"),
    (b'ECHO "hello world"\r\n', b"$11\r\nhello world\r\n"),
    (b"ECHO 'single quoted'\r\n", b"$13\r\nsingle quoted\r\n"),
    (b'ECHO "\\x41\\x42\\n\\t\\"q\\""\r\n', b'$7\r\nAB\n\t"q"\r\n'),  # escapes in "..."
    (b"ECHO 'it\\'s'\r\n", b"$4\r\nit's\r\n"),                     # \' in '...'
    (b"ECHO 'raw \\n'\r\n", b"$6\r\nraw \\n\r\n"),                   # no escapes in '...'
    (b'ECHO ""\r\n', b"$0\r\n\r\n"),                                 # empty argument
    (b'ECHO "a\\r\\nb"\r\n', b"$4\r\na\r\nb\r\n"),                   # CRLF inside a value
    (b"ECHO \t tabbed \r\n", b"$6\r\ntabbed\r\n"),
])
def test_inline_commands(raw, line, reply):
    raw.send_raw(line)
    assert raw.read_raw() == reply


def test_inline_set_get_with_quotes(raw):
    raw.send_raw(b'SET "key with space" "value \\"quoted\\" here"\r\n')
    assert raw.read_raw() == b"+OK\r\n"
    raw.send_raw(b"GET 'key with space'\r\n")
    assert raw.read_raw() == b'$19\r\nvalue "quoted" here\r\n'


def test_inline_empty_lines_are_ignored(raw):
    raw.send_raw(b"\r\n\n   \r\nPING\r\n\r\nECHO x\r\n")
    assert raw.read_raw() == b"+PONG\r\n"
    assert raw.read_raw() == b"$1\r\nx\r\n"


def test_inline_arriving_byte_by_byte(raw):
    for byte in b'ECHO "split up"\r\n':
        raw.send_raw(bytes([byte]))
    assert raw.read_raw() == b"$8\r\nsplit up\r\n"


def test_inline_then_multibulk_on_one_connection(raw):
    raw.send_raw(b"SET k inline\r\n" + encode_command("APPEND", "k", "+bulk") + b"GET k\r\n")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.read_raw() == b":11\r\n"
    assert raw.read_raw() == b"$11\r\ninline+bulk\r\n"


# ---------------------------------------------------------------- multibulk

def test_multibulk_binary_safe(raw):
    value = bytes(range(256)) + b"\r\n*1\r\n$4\r\nPING\r\n"
    raw.send_raw(encode_command("SET", b"bin\r\nkey", value))
    assert raw.read_raw() == b"+OK\r\n"
    raw.send_raw(encode_command("GET", b"bin\r\nkey"))
    assert raw.read_raw() == b"$%d\r\n%s\r\n" % (len(value), value)


def test_multibulk_arriving_byte_by_byte(raw):
    for byte in encode_command("ECHO", "byte by byte"):
        raw.send_raw(bytes([byte]))
    assert raw.read_raw() == b"$12\r\nbyte by byte\r\n"


def test_multibulk_zero_and_negative_counts_are_empty(raw):
    raw.send_raw(b"*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n")
    assert raw.read_raw() == b"+PONG\r\n"


def test_multibulk_empty_argument(raw):
    raw.send_raw(b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")
    assert raw.read_raw() == b"$0\r\n\r\n"


def test_multibulk_many_arguments(raw):
    n = 20000
    raw.send_raw(encode_command("MSET", *[x for i in range(n) for x in ("m:%d" % i, "v%d" % i)]))
    assert raw.read_raw() == b"+OK\r\n"
    raw.send_raw(encode_command("MGET", "m:0", "m:%d" % (n - 1), "m:%d" % n))
    assert raw.read() == [b"v0", b"v%d" % (n - 1), None]


def test_pipeline_10k_in_one_send(raw):
    n = 10000
    payload = bytearray()
    expected = []
    for i in range(n):
        if i % 3 == 0:
            payload += encode_command("SET", "pl:%d" % i, "val:%d" % i)
            expected.append(b"+OK\r\n")
        elif i % 3 == 1:
            payload += encode_command("GET", "pl:%d" % (i - 1))
            v = b"val:%d" % (i - 1)
            expected.append(b"$%d\r\n%s\r\n" % (len(v), v))
        else:
            payload += b"ECHO e%d\r\n" % i   # inline commands mixed in
            e = b"e%d" % i
            expected.append(b"$%d\r\n%s\r\n" % (len(e), e))
    raw.sock.sendall(bytes(payload))
    got = [raw.read_raw() for _ in range(n)]
    assert got == expected
    raw.send_raw(b"PING\r\n")
    assert raw.read_raw() == b"+PONG\r\n"


def test_pipeline_replies_arrive_in_order_while_client_writes_slowly(raw):
    cmds = b"".join(encode_command("ECHO", "n%d" % i) for i in range(500))
    for i in range(0, len(cmds), 997):
        raw.send_raw(cmds[i:i + 997])
    assert [raw.read() for _ in range(500)] == [b"n%d" % i for i in range(500)]


# ---------------------------------------------------------------- big values

def _chunks(total, seed):
    """Deterministic pseudo-random content: total bytes in 1 MB pieces."""
    rng = random.Random(seed)
    block = rng.randbytes(1 << 20)
    sent = 0
    i = 0
    while sent < total:
        n = min(1 << 20, total - sent)
        piece = bytes([i & 0xff]) + block[1:n] if n > 1 else bytes([i & 0xff])
        yield piece
        sent += n
        i += 1


def _read_bulk_streaming(sock, timeout=60.0):
    """Read one bulk reply straight from the socket without keeping it:
    returns (length, sha256 hex of the payload)."""
    sock.settimeout(timeout)
    buf = b""
    while b"\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionClosed("closed before the bulk header")
        buf += chunk
    header, pending = buf.split(b"\r\n", 1)
    assert header[:1] == b"$", header
    length = int(header[1:])
    digest = hashlib.sha256()
    got, trailer = 0, b""
    while True:
        take = pending[:length - got]
        digest.update(take)
        got += len(take)
        trailer += pending[len(take):]
        if got == length and len(trailer) >= 2:
            break
        pending = sock.recv(1 << 20)
        if not pending:
            raise ConnectionClosed("closed in the middle of the bulk")
    assert trailer == b"\r\n"
    return length, digest.hexdigest()


def test_big_value_100mb(shared_server):
    size = 100 * 1024 * 1024
    expected = hashlib.sha256()
    with socket.create_connection((shared_server.host, shared_server.port), timeout=60) as sock:
        sock.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % size)
        for piece in _chunks(size, seed=7):
            expected.update(piece)
            sock.sendall(piece)
        sock.sendall(b"\r\n")
        c = RespClient.from_socket(sock, timeout=60)
        assert c.read_raw() == b"+OK\r\n"
        assert c.call("STRLEN", "big") == size
        sock.sendall(encode_command("GET", "big"))
        length, digest = _read_bulk_streaming(sock)
        assert length == size
        assert digest == expected.hexdigest()
        # The connection is still in sync after the big reply.
        c.send_raw(b"PING\r\n")
        assert c.read_raw() == b"+PONG\r\n"
    with shared_server.raw() as c:
        assert c.call("DEL", "big") == 1


def test_slow_reader_gets_every_byte_in_order(shared_server):
    # Replies of mixed sizes (inside the flat buffer, spanning it, many blocks)
    # read slowly in small pieces: the write path must resume exactly where a
    # short write stopped.
    rng = random.Random(11)
    sizes = [rng.choice([1, 10, 1000, 16 * 1024 - 5, 16 * 1024 + 7, 100 * 1024, 700 * 1024])
             for _ in range(120)]
    with shared_server.raw() as c:
        for i, n in enumerate(set(sizes)):
            assert c.call("SET", "sz:%d" % n, bytes([i % 251]) * n) == b"OK"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    sock.connect((shared_server.host, shared_server.port))
    with RespClient.from_socket(sock, timeout=30) as c:
        c.send_raw(b"".join(encode_command("GET", "sz:%d" % n) for n in sizes))
        fill = {n: bytes([i % 251]) for i, n in enumerate(set(sizes))}
        got = bytearray()
        want = b"".join(b"$%d\r\n%s\r\n" % (n, fill[n] * n) for n in sizes)
        while len(got) < len(want):
            chunk = sock.recv(rng.choice([1, 7, 512, 4096, 65536]))
            assert chunk, "closed early"
            got += chunk
            if rng.random() < 0.02:
                time.sleep(0.01)
        assert bytes(got) == want


def test_big_value_sent_in_small_pieces(raw):
    value = random.Random(3).randbytes(3 * 1024 * 1024 + 17)
    data = encode_command("SET", "big3", value)
    for i in range(0, len(data), 4093):
        raw.send_raw(data[i:i + 4093])
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.call("GET", "big3") == value
    assert raw.call("GETRANGE", "big3", len(value) - 3, -1) == value[-3:]


# ---------------------------------------------------------------- protocol errors

PROTOCOL_ERRORS = [
    ("invalid multibulk length", b"*abc\r\n"),
    ("invalid multibulk length", b"*3000000000\r\n"),
    ("invalid multibulk length", b"*1x\r\n"),
    ("invalid bulk length", b"*1\r\n$abc\r\n"),
    ("invalid bulk length", b"*1\r\n$-1\r\n"),
    ("invalid bulk length", b"*2\r\n$4\r\nECHO\r\n$600000000\r\n"),   # > proto-max-bulk-len 512mb
    ("expected '$', got 'x'", b"*1\r\nx4\r\nPING\r\n"),
    ("expected '$', got ':'", b"*2\r\n$4\r\nECHO\r\n:1\r\n"),
    ("unbalanced quotes in request", b'ECHO "unbalanced\r\n'),
    ("unbalanced quotes in request", b"ECHO 'unbalanced\r\n"),
    ("unbalanced quotes in request", b'ECHO "closed"glued\r\n'),
    ("too big inline request", b"A" * (200 * 1024)),
    ("too big inline request", b"ECHO " + b"x" * (200 * 1024) + b"\r\n"),
    ("too big mbulk count string", b"*" + b"1" * (70 * 1024)),
    ("too big bulk count string", b"*1\r\n$" + b"1" * (70 * 1024)),
]


@pytest.mark.parametrize("message, data", PROTOCOL_ERRORS,
                         ids=["%d-%s" % (i, e[0].split()[0]) for i, e in enumerate(PROTOCOL_ERRORS)])
def test_protocol_error_replies_and_closes(shared_server, message, data):
    received, closed = exchange(shared_server, data)
    assert received == b"-ERR Protocol error: %s\r\n" % message.encode()
    assert closed
    assert_alive(shared_server)


def test_protocol_error_is_logged_at_verbose_level(start_server):
    srv = start_server(directives={"loglevel": "verbose"})
    received, closed = exchange(srv, b"*1\r\n$x\r\n")
    assert closed
    srv.wait_for_log("Protocol error (invalid bulk length) from client: id=")


def test_commands_before_a_protocol_error_run(shared_server):
    received, closed = exchange(shared_server, b"SET before err\r\nPING\r\n*1\r\n$x\r\nSET after err\r\n")
    assert received == b"+OK\r\n+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"
    assert closed
    with shared_server.raw() as c:
        assert c.call("GET", "before") == b"err"
        assert c.call("GET", "after") is None


def test_protocol_error_after_partial_command(shared_server):
    # The count line is fine; the error is found in the middle of the command.
    received, closed = exchange(shared_server, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$nope\r\n")
    assert received == b"-ERR Protocol error: invalid bulk length\r\n"
    assert closed
    with shared_server.raw() as c:
        assert c.call("EXISTS", "k") == 0


def test_inline_limit_is_on_the_unterminated_line(raw):
    # 60 KB inline lines are fine when terminated.
    arg = b"y" * (60 * 1024)
    raw.send_raw(b"ECHO " + arg + b"\r\n")
    assert raw.read() == arg


# ---------------------------------------------------------------- hostile input

@pytest.mark.parametrize("data", [
    b"POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nFLUSHALL\r\n",
    b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\nSET http owned\r\n",
    b"host: x\r\nSET http owned\r\n",
    b"*1\r\n$4\r\npost\r\n*3\r\n$3\r\nSET\r\n$4\r\nhttp\r\n$5\r\nowned\r\n",
])
def test_http_request_is_dropped(shared_server, data):
    # Cross protocol scripting: an HTTP request gets no reply and nothing
    # after its POST / Host: line runs.
    with shared_server.raw() as c:
        assert c.call("SET", "keep", "me") == b"OK"
    received, closed = exchange(shared_server, data)
    assert (received, closed) == (b"", True)
    with shared_server.raw() as c:
        assert c.call("GET", "keep") == b"me"
        assert c.call("EXISTS", "http") == 0
    shared_server.wait_for_log("Possible SECURITY ATTACK detected")


SAFE_COMMANDS = [
    ("SET", "fz", "value"), ("GET", "fz"), ("ECHO", "hello"), ("PING",), ("INCR", "fzn"),
    ("APPEND", "fz", "more"), ("MGET", "fz", "fzn", "x"), ("DEL", "fz"), ("EXISTS", "fz"),
    ("HELLO", "3"), ("SELECT", "1"), ("STRLEN", "fz"), ("GETRANGE", "fz", "0", "-1"),
    ("SETRANGE", "fz", "2", "ab"), ("TYPE", "fz"), ("TTL", "fz"),
]


def _fuzz_inputs(count, seed):
    rng = random.Random(seed)
    for i in range(count):
        kind = i % 4
        if kind == 0:      # pure random bytes
            yield rng.randbytes(rng.randint(1, 300))
        elif kind == 1:    # random bytes from the protocol's own alphabet
            yield bytes(rng.choice(b"*$\r\n0123456789-+:abcSETGET \"'\\x") for _ in range(rng.randint(1, 200)))
        elif kind == 2:    # a valid pipeline with a few bytes flipped
            data = bytearray(b"".join(encode_command(*rng.choice(SAFE_COMMANDS)) for _ in range(4)))
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)
        else:              # a valid pipeline cut at a random point
            data = b"".join(encode_command(*rng.choice(SAFE_COMMANDS)) for _ in range(3))
            yield data[:rng.randrange(1, len(data))]


def _send_and_hang_up(srv, data):
    with socket.create_connection((srv.host, srv.port), timeout=5) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):
                pass
        except (ConnectionResetError, BrokenPipeError):
            pass


def test_garbage_never_crashes_the_server(start_server):
    srv = start_server()
    for i, data in enumerate(_fuzz_inputs(400, seed=20240601)):
        _send_and_hang_up(srv, data)
        if i % 50 == 49:
            assert srv.alive(), "server died on input %d: %r" % (i, data)
            assert_alive(srv)
    assert srv.alive()
    assert_alive(srv)
    with srv.raw() as c:
        assert c.call("SET", "after", "fuzz") == b"OK"
        assert c.call("GET", "after") == b"fuzz"


def test_client_disconnecting_mid_command(shared_server):
    # Mid multibulk header, mid argument list, mid bulk payload (small and big).
    partials = [
        b"*3\r\n$3\r\nSET\r",
        b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n",
        b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10\r\nabc",
        b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$50000000\r\n" + b"z" * (3 * 1024 * 1024),
        b'SET half "unterminated inline',
    ]
    for data in partials:
        with socket.create_connection((shared_server.host, shared_server.port), timeout=5) as sock:
            sock.sendall(data)
            time.sleep(0.05)
        # RST instead of FIN: the server must cope with both.
        with socket.create_connection((shared_server.host, shared_server.port), timeout=5) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.sendall(data)
    assert_alive(shared_server)
    with shared_server.raw() as c:
        assert c.call("EXISTS", "half") == 0


def test_client_disconnecting_before_reading_a_big_reply(shared_server):
    with shared_server.raw() as c:
        assert c.call("SET", "bigreply", b"r" * (8 * 1024 * 1024)) == b"OK"
    for _ in range(5):
        with socket.create_connection((shared_server.host, shared_server.port), timeout=5) as sock:
            sock.sendall(encode_command("GET", "bigreply") * 4)
            sock.recv(100)
    assert_alive(shared_server)


# ---------------------------------------------------------------- limits on input

def test_proto_max_bulk_len(start_server):
    srv = start_server(directives={"proto-max-bulk-len": "1mb"})
    received, closed = exchange(srv, b"*2\r\n$4\r\nECHO\r\n$2097152\r\n")
    assert received == b"-ERR Protocol error: invalid bulk length\r\n"
    assert closed
    received, closed = exchange(srv, b"*2\r\n$4\r\nECHO\r\n$1048577\r\n")
    assert received == b"-ERR Protocol error: invalid bulk length\r\n"
    assert closed
    # Exactly the limit is allowed.
    with srv.raw() as c:
        value = b"m" * (1024 * 1024)
        assert c.call("ECHO", value) == value
    assert_alive(srv)


def test_client_query_buffer_limit(start_server):
    srv = start_server(directives={"client-query-buffer-limit": "1mb", "loglevel": "notice"})
    with srv.raw() as c:
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$2\r\nqb\r\n$2097152\r\n")
        try:
            for _ in range(2 * 16):
                c.send_raw(b"q" * (64 * 1024 - 1))   # never completes the 2 MB argument
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert c.is_closed(timeout=5)
    srv.wait_for_log("Closing client that reached max query buffer length")
    line = [l for l in srv.log_text().splitlines() if "max query buffer length" in l][0]
    assert re.search(r"id=\d+ addr=127\.0\.0\.1:\d+ .*\(qbuf initial bytes: \"", line), line
    if "redis" not in srv.binary:   # Redis trims a big argument's header off the buffer first
        assert '(qbuf initial bytes: "*3\\r\\n$3\\r\\nSET\\r\\n$2\\r\\nqb\\r\\n$2097152\\r\\nqqq' in line
    with srv.raw() as c:
        assert c.call("EXISTS", "qb") == 0
        # A command under the limit still works.
        assert c.call("SET", "qb", b"q" * (512 * 1024)) == b"OK"
        assert c.call("STRLEN", "qb") == 512 * 1024


def test_query_buffer_limit_does_not_hit_pipelines(start_server):
    # The limit is on one unprocessed command, not on the bytes a pipeline sends.
    srv = start_server(directives={"client-query-buffer-limit": "1mb"})
    with srv.raw() as c:
        value = b"p" * 1000
        replies = c.pipeline([("SET", "pp:%d" % i, value) for i in range(3000)])
        assert replies == [b"OK"] * 3000
        assert c.call("GET", "pp:2999") == value


def test_unauthenticated_client_limits(start_server):
    # With a password set, an unauthenticated client may not announce big
    # requests (Valkey: more than 10 arguments, or bulks over 16 KB).
    srv = start_server(directives={"requirepass": "secret"}, wait=False)
    wait_until(lambda: _auth_ping(srv), timeout=10, message="server answering AUTH")
    try:
        received, closed = exchange(srv, b"*11\r\n")
        assert received == b"-ERR Protocol error: unauthenticated multibulk length\r\n"
        assert closed
        received, closed = exchange(srv, b"*2\r\n$4\r\nAUTH\r\n$16385\r\n")
        assert received == b"-ERR Protocol error: unauthenticated bulk length\r\n"
        assert closed
        # Within the limits an unauthenticated request is answered normally.
        received, closed = exchange(srv, encode_command("DEL", *["k%d" % i for i in range(9)]))
        assert received == b"-NOAUTH Authentication required.\r\n"
        assert not closed
        # Once authenticated there is no such limit.
        with srv.raw() as c:
            assert c.call("AUTH", "secret") == b"OK"
            assert c.call("ECHO", b"u" * 20000) == b"u" * 20000
            assert c.call("MSET", *["a%d" % (i // 2) for i in range(30)]) == b"OK"
    finally:
        srv.kill(signal.SIGTERM)   # the harness's SHUTDOWN would get NOAUTH


def _auth_ping(srv):
    if not srv.alive():
        raise AssertionError("server exited:\n" + srv.diagnostics())
    try:
        with RespClient(srv.host, srv.port, protocol=None, timeout=1.0) as c:
            return c.call("AUTH", "secret") == b"OK"
    except (OSError, ConnectionClosed, TimeoutError):
        return False
