"""SLOWLOG GET / LEN / RESET / HELP: what is recorded (threshold, disabled
log, max length), the entry shape (id, time, duration, arguments, client
address and name), argument trimming, redaction of passwords, and the
errors Valkey gives for bad counts."""

import time

import pytest

from helpers import RespClient, RespError


@pytest.fixture
def slow(shared_server):
    """A client on shared_server with every command logged; settings and the
    log are restored afterwards."""
    c = shared_server.resp(protocol=2)
    c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
    c.call("CONFIG", "SET", "slowlog-max-len", "128")
    c.call("SLOWLOG", "RESET")
    yield c
    c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    c.call("CONFIG", "SET", "slowlog-max-len", "128")
    c.call("SLOWLOG", "RESET")
    c.close()


def entries(c, count=None):
    return c.call("SLOWLOG", "GET", *([count] if count is not None else []))


def args_of(c):
    """Arguments of the newest entry that is not a SLOWLOG command."""
    for entry in entries(c, -1):
        if entry[3][0].upper() != b"SLOWLOG":
            return entry[3]
    return None


def test_records_commands(slow):
    slow.call("SET", "foo", "bar")
    entry = entries(slow, 1)[0]
    assert len(entry) == 6
    ident, ts, duration, args, peer, name = entry
    assert isinstance(ident, int) and isinstance(duration, int) and duration >= 0
    assert abs(ts - time.time()) < 10
    assert args == [b"SET", b"foo", b"bar"]
    local = slow.sock.getsockname()
    assert peer == ("%s:%d" % local).encode()
    assert name == b""


def test_ids_increase_and_newest_first(slow):
    for i in range(5):
        slow.call("SET", "k%d" % i, i)
    got = entries(slow, 5)
    ids = [e[0] for e in got]
    assert ids == sorted(ids, reverse=True)
    assert [e[3][1] for e in got if e[3][0] == b"SET"][:5] == [b"k4", b"k3", b"k2", b"k1", b"k0"]


def test_client_name_recorded(shared_server, slow):
    with shared_server.resp(protocol=2) as other:
        assert other.call("CLIENT", "SETNAME", "worker-1") == b"OK"
        other.call("PING")
    pings = [e for e in entries(slow, -1) if e[3] == [b"PING"]]
    assert pings and pings[0][5] == b"worker-1"


def test_get_count(slow):
    for i in range(15):
        slow.call("PING")
    assert len(entries(slow)) == 10
    assert len(entries(slow, 3)) == 3
    assert len(entries(slow, 0)) == 0
    total = slow.call("SLOWLOG", "LEN")
    assert total >= 15
    assert len(entries(slow, -1)) >= 15
    assert len(entries(slow, 100000)) >= 15


def test_get_bad_count(slow):
    for bad in ("-2", "abc", "1.5"):
        with pytest.raises(RespError) as e:
            slow.call("SLOWLOG", "GET", bad)
        assert e.value.message == "ERR count should be greater than or equal to -1"
    with pytest.raises(RespError) as e:
        slow.call("SLOWLOG", "GET", "1", "2")
    assert e.value.message == ("ERR unknown subcommand or wrong number of arguments for 'GET'. "
                               "Try SLOWLOG HELP.")


def test_len_and_reset(slow):
    for _ in range(3):
        slow.call("PING")
    n = slow.call("SLOWLOG", "LEN")
    assert n >= 3
    assert slow.call("SLOWLOG", "RESET") == b"OK"
    assert slow.call("SLOWLOG", "LEN") <= 1  # the RESET itself may be logged
    with pytest.raises(RespError):
        slow.call("SLOWLOG", "LEN", "extra")


def test_max_len(slow):
    slow.call("CONFIG", "SET", "slowlog-max-len", "5")
    for _ in range(20):
        slow.call("PING")
    assert slow.call("SLOWLOG", "LEN") == 5
    assert len(entries(slow, -1)) == 5


def test_threshold(slow):
    slow.call("CONFIG", "SET", "slowlog-log-slower-than", "100000")  # 100 ms
    slow.call("SLOWLOG", "RESET")
    slow.call("SET", "fast", "1")
    slow.call("DEBUG", "SLEEP", "0.15")
    got = entries(slow, -1)
    assert [e[3] for e in got] == [[b"DEBUG", b"SLEEP", b"0.15"]]
    assert got[0][2] >= 150000


def test_negative_threshold_disables(slow):
    slow.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    slow.call("SLOWLOG", "RESET")
    slow.call("DEBUG", "SLEEP", "0.01")
    slow.call("SET", "x", "1")
    assert slow.call("SLOWLOG", "LEN") == 0


def test_argument_count_trimmed(slow):
    args = ["k%d" % i for i in range(40)]
    slow.call("DEL", *args)
    logged = args_of(slow)
    assert len(logged) == 32
    assert logged[:31] == [b"DEL"] + [a.encode() for a in args[:30]]
    assert logged[31] == b"... (10 more arguments)"
    slow.call("DEL", *args[:31])  # 32 arguments fit
    logged = args_of(slow)
    assert len(logged) == 32 and logged[31] == b"k30"


def test_long_argument_trimmed(slow):
    value = b"v" * 200
    slow.call("SET", "big", value)
    logged = args_of(slow)
    assert logged[2] == b"v" * 128 + b"... (72 more bytes)"
    slow.call("SET", "exact", b"w" * 128)
    assert args_of(slow)[2] == b"w" * 128


def test_passwords_redacted(shared_server, slow):
    with pytest.raises(RespError):
        slow.call("AUTH", "someuser", "s3cret")
    assert args_of(slow) == [b"AUTH", b"(redacted)", b"(redacted)"]
    with shared_server.resp(protocol=None) as other:
        other.call("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "n", raise_errors=False)
    hello = [e[3] for e in entries(slow, -1) if e[3][0] == b"HELLO"][0]
    assert hello == [b"HELLO", b"3", b"AUTH", b"(redacted)", b"(redacted)", b"SETNAME", b"n"]
    assert slow.call("CONFIG", "SET", "masterauth", "s3cret") == b"OK"
    assert args_of(slow) == [b"CONFIG", b"SET", b"masterauth", b"(redacted)"]
    slow.call("CONFIG", "SET", "masterauth", "")
    assert all(b"s3cret" not in arg for e in entries(slow, -1) for arg in e[3])


def test_binary_arguments_kept(slow):
    value = bytes(range(256))[:100]
    slow.call("SET", b"bin\x00key", value)
    assert args_of(slow) == [b"SET", b"bin\x00key", value]


def test_help(slow):
    lines = slow.call("SLOWLOG", "HELP")
    text = b"\n".join(lines)
    assert lines[0].startswith(b"SLOWLOG <subcommand>")
    for word in (b"GET", b"LEN", b"RESET", b"HELP"):
        assert word in text


def test_unknown_subcommand(slow):
    with pytest.raises(RespError) as e:
        slow.call("SLOWLOG", "NOPE")
    assert e.value.message.startswith("ERR unknown subcommand")
    assert "SLOWLOG HELP" in e.value.message


def test_unix_socket_peer(start_server, tmp_path):
    path = str(tmp_path / "s.sock")
    srv = start_server(directives={"unixsocket": path, "slowlog-log-slower-than": "0"})
    with RespClient(unixsocket=path, protocol=None) as c:
        c.call("SET", "u", "1")
        entry = [e for e in c.call("SLOWLOG", "GET", -1) if e[3][0] == b"SET"][0]
        assert entry[4] == (path + ":0").encode()
