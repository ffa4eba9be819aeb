"""DEBUG: the enable-debug-command protection (no / local / yes), SLEEP,
OBJECT, SET-ACTIVE-EXPIRE, POPULATE, DIGEST and DIGEST-VALUE (equal on two
servers holding the same data loaded in different orders, Valkey's value
for a known dataset), PROTOCOL in RESP3 and RESP2, LOG, HTSTATS, HELP, and
the crash report of SEGFAULT and ASSERT."""

import os
import re
import signal
import time

import pytest

from helpers import BigNumber, Double, Map, Push, RespClient, RespError, Set, SimpleString, Verbatim

NOT_ALLOWED = ('ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", '
               'you can run it from a local connection, otherwise you need to set this option in the '
               'configuration file, and then restart the server.')
ZERO_DIGEST = b"0" * 40


def info_field(c, section, name):
    for line in c.call("INFO", section).decode().split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


# ---------------------------------------------------------------- protection

def test_refused_when_disabled(start_server):
    srv = start_server(directives={"enable-debug-command": "no"})
    with srv.raw() as c:
        with pytest.raises(RespError) as e:
            c.call("DEBUG", "SLEEP", "0")
        assert e.value.message == NOT_ALLOWED
        with pytest.raises(RespError):
            c.call("DEBUG", "HELP")
        stat = info_field(c, "commandstats", "cmdstat_debug")
        assert stat is not None and "calls=0" in stat and "rejected_calls=2" in stat
        assert info_field(c, "errorstats", "errorstat_ERR") == "count=2"
        assert c.call("PING") == b"PONG"


def test_allowed_locally(start_server, tmp_path):
    path = str(tmp_path / "s.sock")
    srv = start_server(directives={"enable-debug-command": "local", "unixsocket": path})
    with srv.raw() as c:
        assert c.call("DEBUG", "SLEEP", "0") == b"OK"
    with RespClient(unixsocket=path, protocol=None) as c:
        assert c.call("DEBUG", "SLEEP", "0") == b"OK"


def test_allowed_when_enabled(r):
    assert r.execute_command("DEBUG", "SLEEP", "0") in (b"OK", True)


# ---------------------------------------------------------------- SLEEP

def test_sleep_blocks_the_server(shared_server):
    with shared_server.raw() as sleeper, shared_server.raw() as other:
        sleeper.send("DEBUG", "SLEEP", "0.3")
        time.sleep(0.05)
        start = time.monotonic()
        assert other.call("PING") == b"PONG"
        waited = time.monotonic() - start
        assert sleeper.read() == b"OK"
    assert waited > 0.15


def test_sleep_fractional_and_zero(raw):
    start = time.monotonic()
    assert raw.call("DEBUG", "SLEEP", "0.1") == b"OK"
    assert time.monotonic() - start >= 0.09
    assert raw.call("DEBUG", "SLEEP", "0") == b"OK"


# ---------------------------------------------------------------- OBJECT

OBJECT_RE = re.compile(rb"Value at:0x[0-9a-f]+ refcount:1 encoding:(\w+) serializedlength:(\d+) "
                       rb"lru:(\d+) lru_seconds_idle:(\d+)")


def test_object(raw):
    raw.call("SET", "s", "bar")
    raw.call("SET", "n", "12345")
    raw.call("SET", "long", "a" * 100)
    reply = raw.call("DEBUG", "OBJECT", "s")
    assert type(reply) is SimpleString
    m = OBJECT_RE.fullmatch(reply)
    assert m and m.group(1) == b"embstr" and m.group(2) == b"4"
    m = OBJECT_RE.fullmatch(raw.call("DEBUG", "OBJECT", "n"))
    assert m and m.group(1) == b"int" and m.group(2) == b"3"
    m = OBJECT_RE.fullmatch(raw.call("DEBUG", "OBJECT", "long"))
    assert m and m.group(1) == b"raw" and int(m.group(2)) < 50  # LZF-compressed in an RDB
    with pytest.raises(RespError) as e:
        raw.call("DEBUG", "OBJECT", "missing")
    assert e.value.message == "ERR no such key"


# ---------------------------------------------------------------- SET-ACTIVE-EXPIRE

def test_set_active_expire(raw):
    try:
        assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
        raw.call("SET", "e1", "v", "PX", "30")
        time.sleep(0.4)
        assert raw.call("DBSIZE") == 1  # expired, but nobody removed it
        assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
        deadline = time.monotonic() + 5
        while raw.call("DBSIZE") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert raw.call("DBSIZE") == 0
    finally:
        raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ---------------------------------------------------------------- POPULATE

def test_populate(raw):
    assert raw.call("DEBUG", "POPULATE", "100") == b"OK"
    assert raw.call("DBSIZE") == 100
    assert raw.call("GET", "key:0") == b"value:0"
    assert raw.call("GET", "key:99") == b"value:99"
    assert raw.call("GET", "key:100") is None


def test_populate_prefix_and_size(raw):
    assert raw.call("DEBUG", "POPULATE", "5", "p", "20") == b"OK"
    assert raw.call("GET", "p:3") == b"value:3" + b"\x00" * 13
    assert raw.call("DEBUG", "POPULATE", "3", "q", "2") == b"OK"
    assert raw.call("GET", "q:2") == b"va"
    assert raw.call("DBSIZE") == 8


def test_populate_keeps_existing_keys(raw):
    raw.call("SET", "key:5", "mine")
    assert raw.call("DEBUG", "POPULATE", "10") == b"OK"
    assert raw.call("DBSIZE") == 10
    assert raw.call("GET", "key:5") == b"mine"
    assert raw.call("DEBUG", "POPULATE", "10") == b"OK"  # all exist: nothing changes
    assert raw.call("DBSIZE") == 10


def test_populate_errors(raw):
    with pytest.raises(RespError) as e:
        raw.call("DEBUG", "POPULATE", "-1")
    assert e.value.message == "ERR value is out of range, must be positive"
    with pytest.raises(RespError) as e:
        raw.call("DEBUG", "POPULATE", "abc")
    assert e.value.message == "ERR value is out of range, must be positive"
    with pytest.raises(RespError):
        raw.call("DEBUG", "POPULATE", "1", "k", "-5")
    assert raw.call("DEBUG", "POPULATE", "0") == b"OK"
    assert raw.call("DBSIZE") == 0


# ---------------------------------------------------------------- DIGEST

def load(c, items, ttl_keys=()):
    for key, value in items:
        if key in ttl_keys:
            c.call("SET", key, value, "EX", "1000")
        else:
            c.call("SET", key, value)


def test_digest_empty(raw):
    reply = raw.call("DEBUG", "DIGEST")
    assert type(reply) is SimpleString and reply == ZERO_DIGEST


def test_digest_known_dataset(raw):
    """The digest Valkey 8 and Redis 7 give for these five strings."""
    load(raw, [("foo", "bar"), ("n", "12345")])
    raw.call("DEBUG", "POPULATE", "3", "pfx", "2")
    assert raw.call("DEBUG", "DIGEST") == b"86c90b9d6701ff53ced4857283c0fd9150d870ca"
    assert raw.call("DEBUG", "DIGEST-VALUE", "foo", "nokey") == [
        b"68467c70ae30376e7ce005bcc8827f5ba7fd67dc", ZERO_DIGEST]


def test_digest_same_data_different_order(start_server):
    items = [("k%d" % i, "v%d" % (i * 7)) for i in range(200)] + [("num", "42"), ("bin", b"\x00\xff")]
    a, b = start_server(), start_server()
    with a.raw() as ca, b.raw() as cb:
        load(ca, items, ttl_keys={"k3"})
        load(cb, list(reversed(items)), ttl_keys={"k3"})
        cb.call("SELECT", "0")
        digest = ca.call("DEBUG", "DIGEST")
        assert re.fullmatch(rb"[0-9a-f]{40}", digest) and digest != ZERO_DIGEST
        assert cb.call("DEBUG", "DIGEST") == digest
        # One value differs.
        cb.call("SET", "k100", "other")
        assert cb.call("DEBUG", "DIGEST") != digest
        cb.call("SET", "k100", "v700")
        assert cb.call("DEBUG", "DIGEST") == digest
        # A TTL is part of the dataset.
        cb.call("PERSIST", "k3")
        assert cb.call("DEBUG", "DIGEST") != digest
        cb.call("EXPIRE", "k3", "500")
        assert cb.call("DEBUG", "DIGEST") == digest
        # The same key in another database is another dataset.
        cb.call("DEL", "num")
        cb.call("SELECT", "1")
        cb.call("SET", "num", "42")
        assert cb.call("DEBUG", "DIGEST") != digest


def test_digest_value(raw):
    raw.call("SET", "a", "same")
    raw.call("SET", "b", "same")
    raw.call("SET", "c", "different")
    da, db, dc, dm = raw.call("DEBUG", "DIGEST-VALUE", "a", "b", "c", "missing")
    assert da == db != dc
    assert dm == ZERO_DIGEST
    assert raw.call("DEBUG", "DIGEST-VALUE") == []


# ---------------------------------------------------------------- PROTOCOL

def test_protocol_resp3(r3):
    assert r3.call("DEBUG", "PROTOCOL", "string") == b"Hello World"
    assert r3.call("DEBUG", "PROTOCOL", "integer") == 12345
    d = r3.call("DEBUG", "PROTOCOL", "double")
    assert type(d) is Double and d.raw == b"3.141"
    big = r3.call("DEBUG", "PROTOCOL", "bignum")
    assert type(big) is BigNumber and big == 1234567999999999999999999999999999999
    assert r3.call("DEBUG", "PROTOCOL", "null") is None and r3.last_raw == b"_\r\n"
    arr = r3.call("DEBUG", "PROTOCOL", "array")
    assert type(arr) is list and arr == [0, 1, 2]
    s = r3.call("DEBUG", "PROTOCOL", "set")
    assert type(s) is Set and r3.last_raw == b"~3\r\n:0\r\n:1\r\n:2\r\n"
    m = r3.call("DEBUG", "PROTOCOL", "map")
    assert type(m) is Map and r3.last_raw == b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"
    reply = r3.call("DEBUG", "PROTOCOL", "attrib")
    assert r3.last_attributes == {b"key-popularity": [b"key:123", 90]}
    assert reply == b"Some real reply following the attribute"
    reply = r3.call("DEBUG", "PROTOCOL", "push")
    assert reply == b"Some real reply following the push reply"
    assert r3.pushes.pop() == Push([b"server-cpu-usage", 42])
    v = r3.call("DEBUG", "PROTOCOL", "verbatim")
    assert type(v) is Verbatim and v.format == b"txt" and v == b"This is a verbatim\nstring"
    assert r3.call("DEBUG", "PROTOCOL", "true") is True
    assert r3.call("DEBUG", "PROTOCOL", "false") is False


def test_protocol_resp2(raw):
    expected = {
        "string": b"$11\r\nHello World\r\n",
        "integer": b":12345\r\n",
        "double": b"$5\r\n3.141\r\n",
        "bignum": b"$37\r\n1234567999999999999999999999999999999\r\n",
        "null": b"$-1\r\n",
        "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
        "set": b"*3\r\n:0\r\n:1\r\n:2\r\n",
        "map": b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
        "attrib": b"$39\r\nSome real reply following the attribute\r\n",
        "verbatim": b"$25\r\nThis is a verbatim\nstring\r\n",
        "true": b":1\r\n",
        "false": b":0\r\n",
    }
    for name, wire in expected.items():
        raw.send("DEBUG", "PROTOCOL", name)
        assert raw.read_raw() == wire, name
    with pytest.raises(RespError) as e:
        raw.call("DEBUG", "PROTOCOL", "push")
    assert e.value.message == "ERR RESP2 is not supported by this command"
    with pytest.raises(RespError) as e:
        raw.call("DEBUG", "PROTOCOL", "nosuchtype")
    assert e.value.message.startswith("ERR Wrong protocol type name.")


# ---------------------------------------------------------------- LOG, HTSTATS, HELP, errors

def test_log(shared_server, raw):
    assert raw.call("DEBUG", "LOG", "marker-1234 from the test") == b"OK"
    shared_server.wait_for_log("DEBUG LOG: marker-1234 from the test")


def test_htstats(shared_server, raw):
    raw.call("DEBUG", "POPULATE", "50")
    text = raw.call("DEBUG", "HTSTATS", "0")
    assert text.startswith(b"[Dictionary HT]\n") and b"[Expires HT]\n" in text
    if not shared_server.is_redis:  # "full" is Valkey 8's
        assert raw.call("DEBUG", "HTSTATS", "0", "full").startswith(b"[Dictionary HT]\n")
    with pytest.raises(RespError) as e:
        raw.call("DEBUG", "HTSTATS", "99")
    assert e.value.message == "ERR Out of range database"


def test_help_and_errors(shared_server, raw):
    lines = raw.call("DEBUG", "HELP")
    assert lines[0].startswith(b"DEBUG <subcommand>")
    text = b"\n".join(lines)
    for word in (b"DIGEST", b"OBJECT", b"POPULATE", b"PROTOCOL", b"SEGFAULT", b"SLEEP", b"HELP"):
        assert word in text
    with pytest.raises(RespError) as e:
        raw.call("DEBUG", "NOSUCH")
    assert e.value.message == ("ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. "
                               "Try DEBUG HELP.")
    with pytest.raises(RespError) as e:
        raw.call("DEBUG", "SLEEP")
    assert e.value.message.startswith("ERR unknown subcommand or wrong number of arguments for 'SLEEP'")
    with pytest.raises(RespError) as e:
        raw.call("DEBUG")
    assert e.value.message == "ERR wrong number of arguments for 'debug' command"


# ---------------------------------------------------------------- crash report

def crash(srv, *args):
    with srv.raw() as c:
        c.send("DEBUG", *args)
        assert c.is_closed(timeout=10)
    return srv.wait_exit(10)


def test_segfault_writes_bug_report(start_server):
    srv = start_server()
    code = crash(srv, "SEGFAULT")
    assert code == -signal.SIGSEGV
    log = srv.log_text()
    if srv.is_redis:
        assert "BUG REPORT START" in log
        return
    start = log.index("=== TESSERA BUG REPORT START: Cut & paste starting from here ===")
    end = log.index("=== TESSERA BUG REPORT END. Make sure to include from START to END. ===")
    report = log[start:end]
    assert "crashed by signal: 11" in report
    assert "Accessing address: 0x" in report
    assert "------ STACK TRACE ------" in report and "Backtrace:" in report
    assert "------ INFO OUTPUT ------" in report and "process_id:%d" % srv.pid in report
    assert "argv[0]: 'DEBUG'" in report and "argv[1]: 'SEGFAULT'" in report


def test_assert_writes_bug_report(start_server):
    srv = start_server()
    code = crash(srv, "ASSERT")
    assert code == -signal.SIGABRT
    log = srv.log_text()
    assert "ASSERTION FAILED" in log
    assert "'1 == 2' is not true" in log
    if not srv.is_redis:
        assert "=== TESSERA BUG REPORT START" in log and "=== TESSERA BUG REPORT END" in log


def test_killed_by_signal_reports_sender(start_server):
    srv = start_server()
    os.kill(srv.pid, signal.SIGSEGV)
    assert srv.wait_exit(10) == -signal.SIGSEGV
    log = srv.log_text()
    assert "crashed by signal: 11" in log
    if not srv.is_redis:
        assert "Killed by PID: %d" % os.getpid() in log
        assert "(no command running)" in log


def test_crash_log_disabled(start_server):
    srv = start_server(directives={"crash-log-enabled": "no"})
    assert crash(srv, "SEGFAULT") == -signal.SIGSEGV
    assert "BUG REPORT START" not in srv.log_text()
