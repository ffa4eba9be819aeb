"""Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME,
RENAMENX, COPY, MOVE, RANDOMKEY, DBSIZE, OBJECT, SWAPDB, FLUSHDB, FLUSHALL,
their error paths, keyspace notifications and the lazy-free thread as seen
through FLUSHALL ASYNC.

Runs against tessera (default) or any Valkey/Redis binary through
TESSERA_SERVER; the few places where tessera deliberately differs from
redis-server 7.0 say so."""

import time

import pytest

from helpers import RespClient, RespError, SimpleString, wait_until


def err(client, *args):
    """The error reply of a command (fails if it did not fail)."""
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def null_raw(rr):
    return b"_\r\n" if rr.protocol == 3 else b"$-1\r\n"


def fill(client, prefix, n, value=b"v", batch=5000):
    for start in range(0, n, batch):
        cmds = [("SET", "%s%d" % (prefix, i), value) for i in range(start, min(n, start + batch))]
        assert all(r == b"OK" for r in client.pipeline(cmds))


# ---------------------------------------------------------------- DEL / UNLINK

@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_unlink_counts_deleted(rr, cmd):
    rr.call("SET", "a", "1")
    rr.call("SET", "b", "2")
    assert rr.call(cmd, "a") == 1
    assert rr.call("EXISTS", "a") == 0
    assert rr.call(cmd, "a") == 0
    rr.call("SET", "a", "1")
    # repeated and missing keys: each key counted once, when it was deleted
    assert rr.call(cmd, "a", "b", "a", "nokey") == 2
    assert rr.call("DBSIZE") == 0


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_unlink_big_values(rr, cmd):
    big = b"x" * 200000
    rr.pipeline([("SET", "big%d" % i, big) for i in range(20)])
    assert rr.call(cmd, *["big%d" % i for i in range(20)]) == 20
    assert rr.call("DBSIZE") == 0
    assert rr.call("PING") == b"PONG"


def test_del_arity(rr):
    assert "wrong number of arguments for 'del' command" in err(rr, "DEL")
    assert "wrong number of arguments for 'unlink' command" in err(rr, "UNLINK")


def test_del_expired_key_counts_zero(rr):
    rr.call("SET", "k", "v")
    rr.call("PEXPIRE", "k", 1)
    time.sleep(0.02)
    assert rr.call("DEL", "k") == 0
    assert rr.call("UNLINK", "k") == 0


# ---------------------------------------------------------------- EXISTS / TYPE / TOUCH

def test_exists(rr):
    assert rr.call("EXISTS", "a") == 0
    rr.call("SET", "a", "1")
    rr.call("SET", "b", "")
    assert rr.call("EXISTS", "a") == 1
    assert rr.call("EXISTS", "b") == 1  # empty value still exists
    assert rr.call("EXISTS", "a", "a", "b", "c") == 3  # repeats count again
    assert "wrong number of arguments" in err(rr, "EXISTS")


def test_type(rr):
    rr.call("SET", "s", "x")
    reply = rr.call("TYPE", "s")
    assert reply == b"string" and type(reply) is SimpleString
    reply = rr.call("TYPE", "nokey")
    assert reply == b"none" and type(reply) is SimpleString
    assert rr.last_raw == b"+none\r\n"
    assert "wrong number of arguments" in err(rr, "TYPE")
    assert "wrong number of arguments" in err(rr, "TYPE", "a", "b")


def test_touch(rr):
    rr.call("SET", "a", "1")
    rr.call("SET", "b", "1")
    assert rr.call("TOUCH", "a", "b", "c") == 2
    assert rr.call("TOUCH", "c") == 0


def test_idletime_touch_and_no_touch_reads(rr):
    rr.call("SET", "a", "1")
    rr.call("SET", "b", "1")
    time.sleep(1.2)
    assert rr.call("OBJECT", "IDLETIME", "a") >= 1
    # EXISTS, TYPE, TTL and OBJECT do not count as accesses
    rr.call("EXISTS", "b")
    rr.call("TYPE", "b")
    rr.call("TTL", "b")
    assert rr.call("OBJECT", "IDLETIME", "b") >= 1
    assert rr.call("TOUCH", "a") == 1
    assert rr.call("OBJECT", "IDLETIME", "a") == 0
    rr.call("GET", "b")
    assert rr.call("OBJECT", "IDLETIME", "b") == 0


# ---------------------------------------------------------------- RENAME / RENAMENX

def test_rename_basic(rr):
    rr.call("SET", "a", "hello")
    assert rr.call("RENAME", "a", "b") == b"OK"
    assert rr.last_raw == b"+OK\r\n"
    assert rr.call("EXISTS", "a") == 0
    assert rr.call("GET", "b") == b"hello"
    rr.call("RENAME", "b", "c")
    assert rr.call("GET", "c") == b"hello"
    assert rr.call("DBSIZE") == 1


def test_rename_overwrites_target(rr):
    rr.call("SET", "a", "A")
    rr.call("SET", "b", "B")
    rr.call("PEXPIRE", "b", 100000)
    assert rr.call("RENAME", "a", "b") == b"OK"
    assert rr.call("GET", "b") == b"A"
    assert rr.call("TTL", "b") == -1  # the target's TTL is not inherited
    assert rr.call("EXISTS", "a") == 0


def test_rename_keeps_ttl(rr):
    rr.call("SET", "a", "v")
    rr.call("EXPIRE", "a", 100)
    rr.call("RENAME", "a", "b")
    assert 95 < rr.call("TTL", "b") <= 100
    assert rr.call("TTL", "a") == -2


def test_rename_values_of_every_string_encoding(rr):
    # the value moves into an entry with a longer (or shorter) key
    for key, value, enc in (("i", b"12345", b"int"), ("e", b"short", b"embstr"), ("r", b"y" * 300, b"raw")):
        rr.call("SET", key, value)
        assert rr.call("OBJECT", "ENCODING", key) == enc
        longer = key + "-renamed-to-a-much-longer-key-name-than-before"
        assert rr.call("RENAME", key, longer) == b"OK"
        assert rr.call("GET", longer) == value
        assert rr.call("RENAME", longer, key) == b"OK"
        assert rr.call("GET", key) == value
        assert rr.call("STRLEN", key) == len(value)


def test_rename_errors(rr):
    assert err(rr, "RENAME", "nokey", "b") == "ERR no such key"
    assert err(rr, "RENAME", "nokey", "nokey") == "ERR no such key"
    assert err(rr, "RENAMENX", "nokey", "b") == "ERR no such key"
    assert "wrong number of arguments" in err(rr, "RENAME", "a")
    assert "wrong number of arguments" in err(rr, "RENAMENX", "a", "b", "c")


def test_rename_same_key(rr):
    rr.call("SET", "k", "v")
    rr.call("EXPIRE", "k", 100)
    assert rr.call("RENAME", "k", "k") == b"OK"
    assert rr.call("RENAMENX", "k", "k") == 0
    assert rr.call("GET", "k") == b"v"
    assert rr.call("TTL", "k") > 0


def test_renamenx(rr):
    rr.call("SET", "a", "foo")
    assert rr.call("RENAMENX", "a", "b") == 1
    assert rr.call("GET", "b") == b"foo"
    assert rr.call("EXISTS", "a") == 0
    rr.call("SET", "a", "bar")
    assert rr.call("RENAMENX", "a", "b") == 0
    assert rr.call("GET", "a") == b"bar"
    assert rr.call("GET", "b") == b"foo"


def test_rename_expired_source_is_missing(rr):
    rr.call("SET", "a", "v")
    rr.call("PEXPIRE", "a", 1)
    time.sleep(0.02)
    assert err(rr, "RENAME", "a", "b") == "ERR no such key"
    assert rr.call("EXISTS", "b") == 0


def test_renamenx_onto_expired_target(rr):
    rr.call("SET", "a", "A")
    rr.call("SET", "b", "B")
    rr.call("PEXPIRE", "b", 1)
    time.sleep(0.02)
    assert rr.call("RENAMENX", "a", "b") == 1
    assert rr.call("GET", "b") == b"A"


# ---------------------------------------------------------------- COPY

def test_copy_basic(rr):
    rr.call("SET", "a", "foobar")
    assert rr.call("COPY", "a", "b") == 1
    assert rr.call("GET", "b") == b"foobar"
    assert rr.call("GET", "a") == b"foobar"
    assert rr.call("DBSIZE") == 2
    # independent copies
    rr.call("APPEND", "b", "!")
    assert rr.call("GET", "a") == b"foobar"
    assert rr.call("GET", "b") == b"foobar!"


def test_copy_encodings(rr):
    for key, value, enc in (("i", b"987654", b"int"), ("e", b"small", b"embstr"), ("r", b"z" * 100, b"raw")):
        rr.call("SET", key, value)
        assert rr.call("COPY", key, key + "2") == 1
        assert rr.call("GET", key + "2") == value
        assert rr.call("OBJECT", "ENCODING", key + "2") == enc


def test_copy_existing_target_needs_replace(rr):
    rr.call("SET", "a", "A")
    rr.call("SET", "b", "B")
    assert rr.call("COPY", "a", "b") == 0
    assert rr.call("GET", "b") == b"B"
    assert rr.call("COPY", "a", "b", "REPLACE") == 1
    assert rr.call("GET", "b") == b"A"
    assert rr.call("COPY", "nokey", "b", "REPLACE") == 0
    assert rr.call("GET", "b") == b"A"


def test_copy_ttl(rr):
    rr.call("SET", "a", "v")
    rr.call("EXPIRE", "a", 100)
    rr.call("SET", "b", "old")
    rr.call("EXPIRE", "b", 5000)
    assert rr.call("COPY", "a", "b", "REPLACE") == 1
    assert 95 < rr.call("TTL", "b") <= 100
    rr.call("SET", "c", "v")
    assert rr.call("COPY", "c", "b", "REPLACE") == 1
    assert rr.call("TTL", "b") == -1  # no TTL copied from a persistent source
    assert 95 < rr.call("TTL", "a") <= 100  # source untouched


def test_copy_to_other_db(shared_server, rr):
    rr.call("SET", "a", "v")
    rr.call("EXPIRE", "a", 100)
    assert rr.call("COPY", "a", "a", "DB", 1) == 1
    assert rr.call("COPY", "a", "a", "db", "1") == 0  # exists there now
    assert rr.call("COPY", "a", "a", "REPLACE", "DB", 1) == 1
    other = shared_server.resp(protocol=rr.protocol)
    try:
        other.call("SELECT", 1)
        assert other.call("GET", "a") == b"v"
        assert 95 < other.call("TTL", "a") <= 100
    finally:
        other.call("FLUSHDB")
        other.close()


def test_copy_errors(rr):
    rr.call("SET", "a", "v")
    assert err(rr, "COPY", "a", "a") == "ERR source and destination objects are the same"
    assert err(rr, "COPY", "a", "a", "DB", 0) == "ERR source and destination objects are the same"
    assert err(rr, "COPY", "a", "b", "DB", "notanumber") == "ERR value is not an integer or out of range"
    assert err(rr, "COPY", "a", "b", "DB", "99999999999") == \
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    assert err(rr, "COPY", "a", "b", "DB", "99999999999999999999") == \
        "ERR value is not an integer or out of range"
    assert err(rr, "COPY", "a", "b", "DB", 1000) == "ERR DB index is out of range"
    assert err(rr, "COPY", "a", "b", "DB", -1) == "ERR DB index is out of range"
    assert err(rr, "COPY", "a", "b", "DB") == "ERR syntax error"
    assert err(rr, "COPY", "a", "b", "FOO") == "ERR syntax error"
    assert "wrong number of arguments" in err(rr, "COPY", "a")
    assert rr.call("EXISTS", "b") == 0
    # the same key into another db is fine
    assert rr.call("COPY", "a", "a", "DB", 2) == 1
    rr.call("SELECT", 2)
    rr.call("FLUSHDB")


def test_copy_expired_source(rr):
    rr.call("SET", "a", "v")
    rr.call("PEXPIRE", "a", 1)
    time.sleep(0.02)
    assert rr.call("COPY", "a", "b") == 0
    assert rr.call("EXISTS", "b") == 0


# ---------------------------------------------------------------- MOVE

def test_move(shared_server, rr):
    rr.call("SET", "k", "v")
    assert rr.call("MOVE", "k", 1) == 1
    assert rr.call("EXISTS", "k") == 0
    assert rr.call("DBSIZE") == 0
    rr.call("SELECT", 1)
    assert rr.call("GET", "k") == b"v"
    assert rr.call("DBSIZE") == 1
    rr.call("SELECT", 0)
    rr.call("SET", "k", "other")
    assert rr.call("MOVE", "k", 1) == 0  # exists in the target
    assert rr.call("GET", "k") == b"other"
    assert rr.call("MOVE", "nokey", 1) == 0
    rr.call("SELECT", 1)
    rr.call("FLUSHDB")


def test_move_keeps_ttl(rr):
    rr.call("SET", "k", "v")
    rr.call("EXPIRE", "k", 100)
    rr.call("SET", "p", "v")
    assert rr.call("MOVE", "k", 3) == 1
    assert rr.call("MOVE", "p", 3) == 1
    assert rr.call("TTL", "k") == -2
    rr.call("SELECT", 3)
    assert 95 < rr.call("TTL", "k") <= 100
    assert rr.call("TTL", "p") == -1
    rr.call("FLUSHDB")


def test_move_errors(rr):
    rr.call("SET", "k", "v")
    assert err(rr, "MOVE", "k", "notanumber") == "ERR value is not an integer or out of range"
    assert err(rr, "MOVE", "k", "1.5") == "ERR value is not an integer or out of range"
    assert err(rr, "MOVE", "k", "4294967296") == \
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    assert err(rr, "MOVE", "k", 0) == "ERR source and destination objects are the same"
    assert err(rr, "MOVE", "k", 16) == "ERR DB index is out of range"
    assert err(rr, "MOVE", "k", -1) == "ERR DB index is out of range"
    assert "wrong number of arguments" in err(rr, "MOVE", "k")
    assert rr.call("GET", "k") == b"v"


def test_move_onto_expired_target(rr):
    rr.call("SELECT", 1)
    rr.call("SET", "k", "old")
    rr.call("PEXPIRE", "k", 1)
    rr.call("SELECT", 0)
    rr.call("SET", "k", "new")
    time.sleep(0.02)
    assert rr.call("MOVE", "k", 1) == 1
    rr.call("SELECT", 1)
    assert rr.call("GET", "k") == b"new"
    rr.call("FLUSHDB")


# ---------------------------------------------------------------- RANDOMKEY / DBSIZE

def test_randomkey(rr):
    assert rr.call("RANDOMKEY") is None
    assert rr.last_raw == null_raw(rr)
    rr.call("SET", "foo", "x")
    rr.call("SET", "bar", "y")
    seen = {rr.call("RANDOMKEY") for _ in range(100)}
    assert seen == {b"foo", b"bar"}
    rr.call("DEL", "foo", "bar")
    assert rr.call("RANDOMKEY") is None


def test_randomkey_skips_expired(rr):
    rr.call("SET", "live", "x")
    rr.pipeline([("SET", "e%d" % i, "x") for i in range(20)])
    rr.pipeline([("PEXPIRE", "e%d" % i, 1) for i in range(20)])
    time.sleep(0.02)
    for _ in range(20):
        assert rr.call("RANDOMKEY") == b"live"


def test_randomkey_all_expired(rr):
    rr.pipeline([("SET", "e%d" % i, "x") for i in range(10)])
    rr.pipeline([("PEXPIRE", "e%d" % i, 1) for i in range(10)])
    time.sleep(0.02)
    assert rr.call("RANDOMKEY") is None


def test_dbsize(rr):
    assert rr.call("DBSIZE") == 0
    fill(rr, "k", 100)
    assert rr.call("DBSIZE") == 100
    rr.call("SELECT", 1)
    assert rr.call("DBSIZE") == 0
    assert "wrong number of arguments" in err(rr, "DBSIZE", "x")


# ---------------------------------------------------------------- OBJECT

def test_object_encoding_strings(rr):
    rr.call("SET", "i", "12345")
    rr.call("SET", "neg", "-42")
    rr.call("SET", "e", "hello")
    rr.call("SET", "r", "x" * 100)
    rr.call("SET", "notcanon", "0123")
    assert rr.call("OBJECT", "ENCODING", "i") == b"int"
    assert type(rr.call("OBJECT", "ENCODING", "i")) is bytes  # bulk string
    assert rr.call("OBJECT", "ENCODING", "neg") == b"int"
    assert rr.call("OBJECT", "ENCODING", "e") == b"embstr"
    assert rr.call("OBJECT", "ENCODING", "r") == b"raw"
    assert rr.call("OBJECT", "ENCODING", "notcanon") == b"embstr"
    rr.call("APPEND", "e", "!")  # in-place change makes it raw, as in Valkey
    assert rr.call("OBJECT", "ENCODING", "e") == b"raw"
    assert rr.call("OBJECT", "ENCODING", "nokey") is None
    assert rr.last_raw == null_raw(rr)


def test_object_refcount_and_idletime(rr):
    rr.call("SET", "k", "hello")
    assert rr.call("OBJECT", "REFCOUNT", "k") == 1
    assert rr.call("OBJECT", "IDLETIME", "k") == 0
    assert rr.call("OBJECT", "REFCOUNT", "nokey") is None
    assert rr.call("OBJECT", "IDLETIME", "nokey") is None


def test_object_freq_needs_lfu(rr):
    rr.call("SET", "k", "v")
    message = err(rr, "OBJECT", "FREQ", "k")
    assert message.startswith("ERR An LFU maxmemory policy is not selected, access frequency not tracked.")
    assert rr.call("OBJECT", "FREQ", "nokey") is None


def test_object_help_and_errors(rr):
    lines = rr.call("OBJECT", "HELP")
    assert lines[0].startswith(b"OBJECT <subcommand>")
    assert all(type(line) is SimpleString for line in lines)
    for sub in (b"ENCODING", b"FREQ", b"IDLETIME", b"REFCOUNT", b"HELP"):
        assert any(line.startswith(sub) for line in lines), sub
    assert err(rr, "OBJECT", "foo", "k").startswith("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    assert "wrong number of arguments for 'object|encoding' command" in err(rr, "OBJECT", "ENCODING")
    assert "wrong number of arguments" in err(rr, "OBJECT")


# ---------------------------------------------------------------- SWAPDB

def test_swapdb_visible_to_other_clients(shared_server, rr):
    other = shared_server.resp(protocol=rr.protocol)
    try:
        other.call("SELECT", 1)
        rr.call("SET", "in0", "zero")
        other.call("SET", "in1", "one")
        other.call("SET", "in1b", "one")
        assert rr.call("SWAPDB", 0, 1) == b"OK"
        assert rr.call("DBSIZE") == 2
        assert rr.call("GET", "in1") == b"one"
        assert rr.call("EXISTS", "in0") == 0
        assert other.call("GET", "in0") == b"zero"
        assert other.call("DBSIZE") == 1
        assert rr.call("SWAPDB", 1, 0) == b"OK"
        assert rr.call("GET", "in0") == b"zero"
        assert other.call("DBSIZE") == 2
    finally:
        other.call("FLUSHDB")
        other.close()


def test_swapdb_keeps_ttls(rr):
    rr.call("SET", "k", "v")
    rr.call("EXPIRE", "k", 100)
    rr.call("SWAPDB", 0, 5)
    rr.call("SELECT", 5)
    assert 95 < rr.call("TTL", "k") <= 100
    rr.call("SWAPDB", 0, 5)
    assert rr.call("DBSIZE") == 0


def test_swapdb_errors(rr):
    assert err(rr, "SWAPDB", 44, 55) == "ERR DB index is out of range"
    assert err(rr, "SWAPDB", 0, -1) == "ERR DB index is out of range"
    assert err(rr, "SWAPDB", 44, "a") == "ERR invalid second DB index"
    assert err(rr, "SWAPDB", "a", 55) == "ERR invalid first DB index"
    assert err(rr, "SWAPDB", "a", "b") == "ERR invalid first DB index"
    assert err(rr, "SWAPDB", "4294967296", 0) == "ERR invalid first DB index"
    assert rr.call("SWAPDB", 0, 0) == b"OK"
    assert "wrong number of arguments" in err(rr, "SWAPDB", 0)


# ---------------------------------------------------------------- FLUSHDB / FLUSHALL

@pytest.mark.parametrize("mode", [[], ["SYNC"], ["ASYNC"], ["async"]])
def test_flushdb_only_current_db(rr, mode):
    fill(rr, "a", 100)
    rr.call("SELECT", 1)
    fill(rr, "b", 50)
    assert rr.call("FLUSHDB", *mode) == b"OK"
    assert rr.call("DBSIZE") == 0
    rr.call("SELECT", 0)
    assert rr.call("DBSIZE") == 100


@pytest.mark.parametrize("mode", [[], ["SYNC"], ["ASYNC"]])
def test_flushall_every_db(rr, mode):
    fill(rr, "a", 100)
    rr.call("SELECT", 7)
    fill(rr, "b", 100)
    rr.call("EXPIRE", "b1", 100)
    assert rr.call("FLUSHALL", *mode) == b"OK"
    assert rr.call("DBSIZE") == 0
    rr.call("SELECT", 0)
    assert rr.call("DBSIZE") == 0
    # the databases work normally afterwards
    rr.call("SET", "after", "1")
    assert rr.call("GET", "after") == b"1"


def test_flush_errors(rr):
    assert err(rr, "FLUSHALL", "FOO") == "ERR syntax error"
    assert err(rr, "FLUSHDB", "FOO") == "ERR syntax error"
    assert err(rr, "FLUSHALL", "SYNC", "ASYNC") == "ERR syntax error"
    assert err(rr, "FLUSHDB", "ASYNC", "ASYNC") == "ERR syntax error"


def info_fields(client, section):
    try:
        text = client.call("INFO", section)
    except RespError:
        return {}
    out = {}
    for line in bytes(text).decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def test_flushall_async_big_keyspace(shared_server, rr):
    n = 200000
    fill(rr, "key:", n, value=b"value", batch=10000)
    assert rr.call("DBSIZE") == n
    watcher = shared_server.resp(protocol=2)
    try:
        start = time.monotonic()
        assert rr.call("FLUSHALL", "ASYNC") == b"OK"
        elapsed = time.monotonic() - start
        assert rr.call("DBSIZE") == 0
        assert watcher.call("PING") == b"PONG"
        assert elapsed < 1.0, elapsed
        # new writes go to the new, empty tables while the old ones are freed
        fill(rr, "new:", 1000)
        assert rr.call("DBSIZE") == 1000
        fields = info_fields(watcher, "memory")
        if "lazyfreed_objects" in fields:  # once INFO reports the lazyfree counters
            wait_until(lambda: info_fields(watcher, "memory")["lazyfree_pending_objects"] == "0",
                       timeout=30, message="lazyfree_pending_objects reaches 0")
            assert int(info_fields(watcher, "memory")["lazyfreed_objects"]) >= n
    finally:
        watcher.close()


# ---------------------------------------------------------------- keyspace notifications

@pytest.fixture
def events(shared_server):
    """A RESP2 subscriber to every keyevent notification, or skip when the
    server has no pub/sub or keyspace notifications yet."""
    admin = shared_server.resp(protocol=2)
    sub = shared_server.resp(protocol=2)
    try:
        admin.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub.call("PSUBSCRIBE", "__keyevent@*__:*")
    except RespError as e:
        admin.close()
        sub.close()
        pytest.skip("no keyspace notifications yet: %s" % e.message)

    def read(count):
        out = []
        for _ in range(count):
            msg = sub.read(timeout=5)
            assert msg[0] == b"pmessage", msg
            out.append((msg[2].decode().split(":", 1)[1], msg[2].decode().split("@")[1].split("__")[0],
                        msg[3]))
        return out

    yield read
    admin.call("CONFIG", "SET", "notify-keyspace-events", "")
    admin.close()
    sub.close()


def test_notifications(rr, events):
    rr.call("SET", "a", "1")
    assert events(1) == [("set", "0", b"a")]
    rr.call("RENAME", "a", "b")
    assert events(2) == [("rename_from", "0", b"a"), ("rename_to", "0", b"b")]
    rr.call("COPY", "b", "c")
    assert events(1) == [("copy_to", "0", b"c")]
    rr.call("MOVE", "c", 4)
    assert events(2) == [("move_from", "0", b"c"), ("move_to", "4", b"c")]
    rr.call("DEL", "b", "nokey")
    assert events(1) == [("del", "0", b"b")]
    rr.call("SET", "u", "1")
    rr.call("UNLINK", "u")
    assert events(2) == [("set", "0", b"u"), ("del", "0", b"u")]
    rr.call("SELECT", 4)
    rr.call("FLUSHDB")
