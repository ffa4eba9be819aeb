"""List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, with Valkey 8's replies and
error texts in RESP2 and RESP3 (the `rr` fixture runs a test in both), the
listpack <-> quicklist conversions at both thresholds, COPY of both
encodings, and the keyspace events.  The blocking commands are in
test_lists_blocking.py (their non-blocking paths are here too).

Debian's redis-server 7.0 (TESSERA_SERVER=/usr/bin/redis-server) has no
listpack lists (it always says quicklist), so encoding asserts are
valkey_only; so is LPOS RANK LLONG_MIN (rejected since Redis 7.2 / Valkey)."""

import os
import time

import pytest

from helpers import RespError, server_binary

REDIS_7_0 = "redis" in os.path.basename(server_binary())
valkey_only = pytest.mark.skipif(REDIS_7_0, reason="Valkey 8 behaviour (redis 7.0 differs)")

ERR_SYNTAX = "ERR syntax error"
ERR_INT = "ERR value is not an integer or out of range"
ERR_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def assert_null(client, reply):
    assert reply is None
    assert client.last_raw == (b"_\r\n" if client.protocol == 3 else b"$-1\r\n")


def assert_null_array(client, reply):
    assert reply is None
    assert client.last_raw == (b"_\r\n" if client.protocol == 3 else b"*-1\r\n")


def enc(r, key):
    return r.object("encoding", key)


@pytest.fixture
def small_lists(r):
    """list-max-listpack-size 4 for the test, restored afterwards."""
    r.config_set("list-max-listpack-size", 4)
    yield r
    r.config_set("list-max-listpack-size", -2)
    r.config_set("list-compress-depth", 0)


# ------------------------------------------------------------------ push / len / range

def test_push_and_range(rr):
    assert rr.call("RPUSH", "l", "a", "b", "c") == 3
    assert rr.call("LPUSH", "l", "x", "y") == 5
    assert rr.call("LRANGE", "l", 0, -1) == [b"y", b"x", b"a", b"b", b"c"]
    assert rr.call("LLEN", "l") == 5
    assert rr.call("LLEN", "missing") == 0
    assert rr.call("TYPE", "l") == b"list"


def test_push_integers_read_back_exactly(r):
    values = [b"0", b"-1", b"12", b"9223372036854775807", b"-9223372036854775808",
              b"9223372036854775808", b"007", b"+1", b" 1", b"1.5", b"-0", b"", b"x" * 100]
    r.rpush("l", *values)
    assert r.lrange("l", 0, -1) == values
    assert [r.lindex("l", i) for i in range(len(values))] == values


def test_pushx(rr):
    assert rr.call("LPUSHX", "l", "a") == 0
    assert rr.call("RPUSHX", "l", "a", "b") == 0
    assert rr.call("EXISTS", "l") == 0
    rr.call("RPUSH", "l", "m")
    assert rr.call("LPUSHX", "l", "a", "b") == 3
    assert rr.call("RPUSHX", "l", "z") == 4
    assert rr.call("LRANGE", "l", 0, -1) == [b"b", b"a", b"m", b"z"]


def test_lrange_indexes(rr):
    rr.call("RPUSH", "l", *"abcdef")
    assert rr.call("LRANGE", "l", 1, 2) == [b"b", b"c"]
    assert rr.call("LRANGE", "l", -2, -1) == [b"e", b"f"]
    assert rr.call("LRANGE", "l", -100, 1) == [b"a", b"b"]
    assert rr.call("LRANGE", "l", 4, 100) == [b"e", b"f"]
    assert rr.call("LRANGE", "l", 3, 2) == []
    assert rr.call("LRANGE", "l", 6, 10) == []
    assert rr.call("LRANGE", "l", -1, -2) == []
    assert rr.call("LRANGE", "missing", 0, -1) == []
    assert rr.last_raw == b"*0\r\n"
    assert error_of(rr, "LRANGE", "l", "a", 1) == ERR_INT
    assert error_of(rr, "LRANGE", "l", 0, "1.5") == ERR_INT
    # Numbers are checked before the key.
    assert error_of(rr, "LRANGE", "missing", "x", 1) == ERR_INT


def test_lindex(rr):
    rr.call("RPUSH", "l", "a", "b", "c")
    assert rr.call("LINDEX", "l", 0) == b"a"
    assert rr.call("LINDEX", "l", -1) == b"c"
    assert_null(rr, rr.call("LINDEX", "l", 3))
    assert_null(rr, rr.call("LINDEX", "l", -4))
    assert_null(rr, rr.call("LINDEX", "missing", 0))
    assert error_of(rr, "LINDEX", "l", "x") == ERR_INT
    # The key is looked up before the index is parsed.
    assert_null(rr, rr.call("LINDEX", "missing", "x"))


# ------------------------------------------------------------------ pops

def test_pop_single(rr):
    rr.call("RPUSH", "l", "a", "b", "c")
    assert rr.call("LPOP", "l") == b"a"
    assert rr.call("RPOP", "l") == b"c"
    assert rr.call("RPOP", "l") == b"b"
    assert rr.call("EXISTS", "l") == 0
    assert_null(rr, rr.call("LPOP", "l"))
    assert_null(rr, rr.call("RPOP", "l"))


def test_pop_count(rr):
    rr.call("RPUSH", "l", *"abcde")
    assert rr.call("LPOP", "l", 2) == [b"a", b"b"]
    assert rr.call("RPOP", "l", 2) == [b"e", b"d"]
    assert rr.call("LPOP", "l", 0) == []
    assert rr.last_raw == b"*0\r\n"
    assert rr.call("RPOP", "l", 10) == [b"c"]
    assert rr.call("EXISTS", "l") == 0
    # Missing key with a count: a null array (even for count 0).
    assert_null_array(rr, rr.call("LPOP", "l", 1))
    assert_null_array(rr, rr.call("RPOP", "l", 0))


def test_pop_errors(rr):
    rr.call("RPUSH", "l", "a")
    for bad in ("-1", "abc", "1.0", ""):
        assert error_of(rr, "LPOP", "l", bad) == "ERR value is out of range, must be positive"
    assert error_of(rr, "LPOP", "l", 1, 2) == "ERR wrong number of arguments for 'lpop' command"
    assert error_of(rr, "RPOP", "l", 1, 2) == "ERR wrong number of arguments for 'rpop' command"
    rr.call("SET", "s", "x")
    assert error_of(rr, "LPOP", "s") == ERR_WRONGTYPE
    assert error_of(rr, "RPOP", "s", 0) == ERR_WRONGTYPE
    # The count is checked before the key.
    assert error_of(rr, "LPOP", "missing", "-1") == "ERR value is out of range, must be positive"


# ------------------------------------------------------------------ LSET / LINSERT / LREM / LTRIM

def test_lset(rr):
    rr.call("RPUSH", "l", "a", "b", "c")
    assert rr.call("LSET", "l", 1, "B") == b"OK"
    assert rr.call("LSET", "l", -1, "C") == b"OK"
    assert rr.call("LRANGE", "l", 0, -1) == [b"a", b"B", b"C"]
    assert error_of(rr, "LSET", "l", 3, "x") == "ERR index out of range"
    assert error_of(rr, "LSET", "l", -4, "x") == "ERR index out of range"
    assert error_of(rr, "LSET", "missing", 0, "x") == "ERR no such key"
    assert error_of(rr, "LSET", "missing", "x", "x") == "ERR no such key"
    assert error_of(rr, "LSET", "l", "x", "x") == ERR_INT


def test_linsert(rr):
    rr.call("RPUSH", "l", "a", "b", "a")
    assert rr.call("LINSERT", "l", "BEFORE", "a", "x") == 4
    assert rr.call("LINSERT", "l", "after", "a", "y") == 5
    assert rr.call("LRANGE", "l", 0, -1) == [b"x", b"a", b"y", b"b", b"a"]
    assert rr.call("LINSERT", "l", "before", "zzz", "q") == -1
    assert rr.call("LINSERT", "missing", "before", "a", "q") == 0
    assert error_of(rr, "LINSERT", "l", "middle", "a", "q") == ERR_SYNTAX
    assert error_of(rr, "LINSERT", "missing", "middle", "a", "q") == ERR_SYNTAX
    rr.call("RPUSH", "n", "1", "01")
    assert rr.call("LINSERT", "n", "after", "01", "z") == 3
    assert rr.call("LINSERT", "n", "before", "1", "w") == 4
    assert rr.call("LRANGE", "n", 0, -1) == [b"w", b"1", b"01", b"z"]


def test_lrem(rr):
    rr.call("RPUSH", "l", "a", "b", "a", "c", "a", "d", "a")
    assert rr.call("LREM", "l", 2, "a") == 2
    assert rr.call("LRANGE", "l", 0, -1) == [b"b", b"c", b"a", b"d", b"a"]
    assert rr.call("LREM", "l", -1, "a") == 1
    assert rr.call("LRANGE", "l", 0, -1) == [b"b", b"c", b"a", b"d"]
    assert rr.call("LREM", "l", 0, "zz") == 0
    assert rr.call("LREM", "l", 0, "a") == 1
    assert rr.call("LREM", "missing", 0, "a") == 0
    assert error_of(rr, "LREM", "l", "x", "a") == ERR_INT
    assert rr.call("LREM", "l", 0, "b") == 1
    assert rr.call("LREM", "l", -9223372036854775808, "c") == 1
    assert rr.call("LREM", "l", 1, "d") == 1
    assert rr.call("EXISTS", "l") == 0


def test_ltrim(rr):
    rr.call("RPUSH", "l", *"abcdef")
    assert rr.call("LTRIM", "l", 1, -2) == b"OK"
    assert rr.call("LRANGE", "l", 0, -1) == [b"b", b"c", b"d", b"e"]
    assert rr.call("LTRIM", "l", -3, 100) == b"OK"
    assert rr.call("LRANGE", "l", 0, -1) == [b"c", b"d", b"e"]
    assert rr.call("LTRIM", "l", 2, 1) == b"OK"
    assert rr.call("EXISTS", "l") == 0
    assert rr.call("LTRIM", "missing", 0, 1) == b"OK"
    assert error_of(rr, "LTRIM", "l", 0, "x") == ERR_INT
    rr.call("RPUSH", "l", "a")
    assert rr.call("LTRIM", "l", 5, 10) == b"OK"
    assert rr.call("EXISTS", "l") == 0


# ------------------------------------------------------------------ LPOS

def test_lpos(rr):
    rr.call("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert rr.call("LPOS", "l", "c") == 2
    assert rr.call("LPOS", "l", "c", "RANK", 2) == 6
    assert rr.call("LPOS", "l", "c", "RANK", -1) == 7
    assert rr.call("LPOS", "l", "c", "RANK", -3) == 2
    assert_null(rr, rr.call("LPOS", "l", "c", "RANK", 4))
    assert rr.call("LPOS", "l", "c", "COUNT", 0) == [2, 6, 7]
    assert rr.call("LPOS", "l", "c", "COUNT", 2) == [2, 6]
    assert rr.call("LPOS", "l", "c", "COUNT", 2, "RANK", -1) == [7, 6]
    assert rr.call("LPOS", "l", "c", "RANK", 2, "COUNT", 5) == [6, 7]
    assert_null(rr, rr.call("LPOS", "l", "c", "MAXLEN", 2))
    assert rr.call("LPOS", "l", "c", "MAXLEN", 3) == 2
    assert rr.call("LPOS", "l", "c", "COUNT", 0, "MAXLEN", 7) == [2, 6]
    assert rr.call("LPOS", "l", "c", "RANK", -1, "MAXLEN", 2, "COUNT", 0) == [7, 6]
    assert rr.call("LPOS", "l", "zz", "COUNT", 1) == []
    assert_null(rr, rr.call("LPOS", "l", "zz"))
    assert rr.call("LPOS", "l", "1") == 3
    assert_null(rr, rr.call("LPOS", "l", "01"))
    assert_null(rr, rr.call("LPOS", "missing", "a"))
    assert rr.call("LPOS", "missing", "a", "COUNT", 1) == []


def test_lpos_errors(rr):
    rr.call("RPUSH", "l", "a")
    assert error_of(rr, "LPOS", "l", "a", "RANK", 0) == (
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list")
    assert error_of(rr, "LPOS", "l", "a", "RANK", "x") == ERR_INT
    assert error_of(rr, "LPOS", "l", "a", "COUNT", -1) == "ERR COUNT can't be negative"
    assert error_of(rr, "LPOS", "l", "a", "COUNT", "x") == "ERR COUNT can't be negative"
    assert error_of(rr, "LPOS", "l", "a", "MAXLEN", -1) == "ERR MAXLEN can't be negative"
    assert error_of(rr, "LPOS", "l", "a", "MAXLEN", "x") == "ERR MAXLEN can't be negative"
    assert error_of(rr, "LPOS", "l", "a", "FOO") == ERR_SYNTAX
    assert error_of(rr, "LPOS", "l", "a", "RANK") == ERR_SYNTAX
    # Options are parsed before the key is looked up.
    assert error_of(rr, "LPOS", "missing", "a", "RANK", 0).startswith("ERR RANK can't be zero")
    rr.call("SET", "s", "x")
    assert error_of(rr, "LPOS", "s", "a") == ERR_WRONGTYPE


@valkey_only
def test_lpos_rank_min_is_out_of_range(rr):
    rr.call("RPUSH", "l", "a")
    assert error_of(rr, "LPOS", "l", "a", "RANK", "-9223372036854775808") == (
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807")


# ------------------------------------------------------------------ LMOVE / RPOPLPUSH

def test_lmove(rr):
    rr.call("RPUSH", "src", "a", "b", "c")
    assert rr.call("LMOVE", "src", "dst", "LEFT", "RIGHT") == b"a"
    assert rr.call("LMOVE", "src", "dst", "right", "left") == b"c"
    assert rr.call("LRANGE", "dst", 0, -1) == [b"c", b"a"]
    assert rr.call("RPOPLPUSH", "src", "dst") == b"b"
    assert rr.call("EXISTS", "src") == 0
    assert rr.call("LRANGE", "dst", 0, -1) == [b"b", b"c", b"a"]
    assert_null(rr, rr.call("LMOVE", "src", "dst", "LEFT", "LEFT"))
    assert_null(rr, rr.call("RPOPLPUSH", "src", "dst"))
    assert error_of(rr, "LMOVE", "dst", "x", "UP", "LEFT") == ERR_SYNTAX
    assert error_of(rr, "LMOVE", "dst", "x", "LEFT", "DOWN") == ERR_SYNTAX


def test_lmove_same_key_rotates(rr):
    rr.call("RPUSH", "l", "a", "b", "c")
    assert rr.call("RPOPLPUSH", "l", "l") == b"c"
    assert rr.call("LRANGE", "l", 0, -1) == [b"c", b"a", b"b"]
    assert rr.call("LMOVE", "l", "l", "LEFT", "RIGHT") == b"c"
    assert rr.call("LRANGE", "l", 0, -1) == [b"a", b"b", b"c"]
    assert rr.call("LMOVE", "l", "l", "LEFT", "LEFT") == b"a"
    assert rr.call("LRANGE", "l", 0, -1) == [b"a", b"b", b"c"]
    rr.call("RPUSH", "one", "x")
    assert rr.call("LMOVE", "one", "one", "RIGHT", "LEFT") == b"x"
    assert rr.call("LRANGE", "one", 0, -1) == [b"x"]


def test_lmove_wrongtype(rr):
    rr.call("RPUSH", "l", "a")
    rr.call("SET", "s", "x")
    assert error_of(rr, "LMOVE", "s", "l", "LEFT", "LEFT") == ERR_WRONGTYPE
    # A destination of another type: nothing is popped.
    assert error_of(rr, "LMOVE", "l", "s", "LEFT", "LEFT") == ERR_WRONGTYPE
    assert rr.call("LRANGE", "l", 0, -1) == [b"a"]
    assert error_of(rr, "RPOPLPUSH", "l", "s") == ERR_WRONGTYPE
    # A missing source is a null even when the destination is of another type.
    assert_null(rr, rr.call("RPOPLPUSH", "missing", "s"))


# ------------------------------------------------------------------ LMPOP

def test_lmpop(rr):
    rr.call("RPUSH", "b", "1", "2", "3")
    assert rr.call("LMPOP", 2, "a", "b", "LEFT") == [b"b", [b"1"]]
    assert rr.call("LMPOP", 2, "a", "b", "RIGHT", "COUNT", 5) == [b"b", [b"3", b"2"]]
    assert rr.call("EXISTS", "b") == 0
    assert_null_array(rr, rr.call("LMPOP", 2, "a", "b", "LEFT"))
    rr.call("RPUSH", "a", "x", "y")
    rr.call("RPUSH", "b", "z")
    assert rr.call("LMPOP", 2, "a", "b", "left", "count", 1) == [b"a", [b"x"]]


def test_lmpop_errors(rr):
    rr.call("RPUSH", "l", "a")
    assert error_of(rr, "LMPOP", 0, "l", "LEFT") == "ERR numkeys should be greater than 0"
    assert error_of(rr, "LMPOP", -1, "l", "LEFT") == "ERR numkeys should be greater than 0"
    assert error_of(rr, "LMPOP", "x", "l", "LEFT") == "ERR numkeys should be greater than 0"
    assert error_of(rr, "LMPOP", 2, "l", "LEFT") == ERR_SYNTAX
    assert error_of(rr, "LMPOP", 5, "l", "LEFT") == ERR_SYNTAX
    assert error_of(rr, "LMPOP", 1, "l", "MIDDLE") == ERR_SYNTAX
    assert error_of(rr, "LMPOP", 1, "l", "LEFT", "COUNT", 0) == "ERR count should be greater than 0"
    assert error_of(rr, "LMPOP", 1, "l", "LEFT", "COUNT", "x") == "ERR count should be greater than 0"
    assert error_of(rr, "LMPOP", 1, "l", "LEFT", "COUNT", 1, "COUNT", 1) == ERR_SYNTAX
    assert error_of(rr, "LMPOP", 1, "l", "LEFT", "COUNT") == ERR_SYNTAX
    assert error_of(rr, "LMPOP", 1, "l", "LEFT", "FOO") == ERR_SYNTAX
    rr.call("SET", "s", "x")
    assert error_of(rr, "LMPOP", 2, "s", "l", "LEFT") == ERR_WRONGTYPE
    # The first key with a list is served before a later wrong type is seen.
    assert rr.call("LMPOP", 2, "l", "s", "LEFT") == [b"l", [b"a"]]


# ------------------------------------------------------------------ wrong type everywhere

@pytest.mark.parametrize("cmd", [
    ("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
    ("LLEN", "s"), ("LRANGE", "s", 0, 1), ("LINDEX", "s", 0), ("LSET", "s", 0, "a"),
    ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"), ("LTRIM", "s", 0, 1),
    ("LPOS", "s", "a"), ("LMPOP", 1, "s", "LEFT"), ("BLPOP", "s", 0), ("BRPOP", "s", 0),
    ("BLMOVE", "s", "d", "LEFT", "LEFT", 0), ("BRPOPLPUSH", "s", "d", 0),
    ("BLMPOP", 0, 1, "s", "LEFT"),
])
def test_wrongtype(r, cmd):
    r.set("s", "x")
    with pytest.raises(Exception) as e:
        r.execute_command(*cmd)
    assert "WRONGTYPE Operation against a key holding the wrong kind of value" in str(e.value)
    assert r.get("s") == b"x"


# ------------------------------------------------------------------ encodings

@valkey_only
def test_encoding_count_limit_both_ways(small_lists):
    r = small_lists
    r.rpush("l", "a", "b", "c", "d")
    assert enc(r, "l") == b"listpack"
    r.rpush("l", "e")
    assert enc(r, "l") == b"quicklist"
    # Back to a listpack only at half the limit (2) in one node.
    r.rpop("l")
    assert enc(r, "l") == b"quicklist"
    r.rpop("l")
    assert enc(r, "l") == b"quicklist"
    r.rpop("l")
    assert enc(r, "l") == b"listpack"
    assert r.lrange("l", 0, -1) == [b"a", b"b"]
    # Several arguments are checked together, before pushing.
    r.delete("m")
    r.rpush("m", "1", "2", "3", "4", "5")
    assert enc(r, "m") == b"quicklist"
    assert r.lrange("m", 0, -1) == [b"1", b"2", b"3", b"4", b"5"]


@valkey_only
def test_encoding_byte_limit_both_ways(r):
    r.config_set("list-max-listpack-size", -1)  # 4096 bytes
    try:
        # The growth check counts the raw bytes of the new elements.
        r.rpush("l", *(["v" * 100] * 40))
        assert enc(r, "l") == b"listpack"
        r.rpush("l", "v" * 100)
        assert enc(r, "l") == b"quicklist"
        # 40 entries of 103 bytes: one node; it shrinks at <= 2048 bytes (19 entries).
        r.rpop("l")
        while r.llen("l") > 20:
            r.rpop("l")
            assert enc(r, "l") == b"quicklist"
        r.rpop("l")
        assert r.llen("l") == 19
        assert enc(r, "l") == b"listpack"
        # A big element goes straight to a quicklist (plain node) and back.
        r.rpush("big", "a" * 5000)
        assert enc(r, "big") == b"quicklist"
        r.rpush("big", "b")
        r.lpop("big")
        assert enc(r, "big") == b"listpack"
        assert r.lrange("big", 0, -1) == [b"b"]
    finally:
        r.config_set("list-max-listpack-size", -2)


@valkey_only
def test_encoding_shrinks_after_each_kind_of_removal(small_lists):
    r = small_lists
    def fresh():
        r.delete("l")
        r.rpush("l", *"abcdefgh")
        assert enc(r, "l") == b"quicklist"
    fresh()
    r.ltrim("l", 0, 1)
    assert enc(r, "l") == b"listpack"
    fresh()
    r.lpop("l", 6)
    assert enc(r, "l") == b"listpack"
    fresh()
    r.rpop("l", 6)
    assert enc(r, "l") == b"listpack"
    fresh()
    for x in "cdefg":
        r.lrem("l", 0, x)
        assert enc(r, "l") == b"quicklist"
    r.lrem("l", 0, "h")
    assert enc(r, "l") == b"listpack"
    assert r.lrange("l", 0, -1) == [b"a", b"b"]
    fresh()
    r.execute_command("LMPOP", 1, "l", "LEFT", "COUNT", 6)
    assert enc(r, "l") == b"listpack"
    fresh()
    for _ in range(6):
        r.lmove("l", "other", "LEFT", "LEFT")
    assert enc(r, "l") == b"listpack"
    assert enc(r, "other") == b"quicklist"


@valkey_only
def test_encoding_lset_and_linsert(r):
    r.config_set("list-max-listpack-size", -1)
    try:
        r.rpush("l", "a", "b")
        r.lset("l", 0, "x" * 5000)
        assert enc(r, "l") == b"quicklist"
        r.lset("l", 0, "y")
        assert enc(r, "l") == b"listpack"
        assert r.lrange("l", 0, -1) == [b"y", b"b"]
        # LINSERT converts before searching, even when the pivot is missing.
        assert r.linsert("l", "BEFORE", "nope", "z" * 5000) == -1
        assert enc(r, "l") == b"quicklist"
        assert r.linsert("l", "AFTER", "y", "z" * 5000) == 3
        assert r.lrange("l", 0, -1) == [b"y", b"z" * 5000, b"b"]
    finally:
        r.config_set("list-max-listpack-size", -2)


def test_big_list_operations_in_quicklist(r):
    """Every command over a quicklist of many nodes, compressed inside."""
    r.config_set("list-max-listpack-size", 8)
    r.config_set("list-compress-depth", 1)
    try:
        model = [str(i).encode() if i % 3 else b"s%d" % i for i in range(500)]
        r.rpush("l", *model)
        if not REDIS_7_0:
            assert enc(r, "l") == b"quicklist"
        assert r.lrange("l", 0, -1) == model
        assert r.lrange("l", 100, 110) == model[100:111]
        assert r.lindex("l", 250) == model[250]
        assert r.lindex("l", -3) == model[-3]
        r.lset("l", 333, "changed")
        model[333] = b"changed"
        assert r.linsert("l", "AFTER", "changed", "ins") == 501
        model.insert(334, b"ins")
        assert r.lpos("l", "ins") == 334
        assert r.lpos("l", "s3") == 3
        assert r.lpos("l", "1", rank=-1) == 1
        r.rpush("l", "s3", "s3")
        model += [b"s3", b"s3"]
        assert r.lrem("l", -2, "s3") == 2
        del model[-2:]
        assert r.lrem("l", 0, "s3") == 1
        model.remove(b"s3")
        r.ltrim("l", 10, -10)
        model = model[10:-9]
        assert r.lrange("l", 0, -1) == model
        assert r.lpop("l", 5) == model[:5]
        assert r.rpop("l", 5) == model[-5:][::-1]
        model = model[5:-5]
        assert r.lrange("l", 0, -1) == model
        assert r.llen("l") == len(model)
    finally:
        r.config_set("list-max-listpack-size", -2)
        r.config_set("list-compress-depth", 0)


@valkey_only
def test_copy_and_memory_usage_of_both_encodings(small_lists):
    r = small_lists
    r.rpush("small", "a", "b")
    r.rpush("big", *[str(i) for i in range(100)])
    assert r.copy("small", "small2")
    assert r.copy("big", "big2")
    assert enc(r, "small2") == b"listpack"
    assert enc(r, "big2") == b"quicklist"
    r.rpush("big", "extra")
    r.rpush("small", "extra")
    assert r.lrange("small2", 0, -1) == [b"a", b"b"]
    assert r.lrange("big2", 0, -1) == [str(i).encode() for i in range(100)]
    assert r.memory_usage("big") > r.memory_usage("small") > 0


# ------------------------------------------------------------------ keyspace events

def collect_events(r, action):
    r.config_set("notify-keyspace-events", "KEA")
    p = r.pubsub()
    p.psubscribe("__keyevent@0__:*")
    assert p.get_message(timeout=1)["type"] == "psubscribe"
    try:
        action()
        events = []
        deadline = time.time() + 2
        while time.time() < deadline:
            m = p.get_message(timeout=0.2)
            if m is None:
                if events:
                    break
                continue
            events.append((m["channel"].split(b":", 1)[1].decode(), m["data"].decode()))
        return events
    finally:
        p.close()
        r.config_set("notify-keyspace-events", "")


def test_events(r):
    def action():
        r.rpush("l", "a", "b", "c")
        r.lpush("l", "z")
        r.lset("l", 0, "y")
        r.linsert("l", "BEFORE", "a", "q")
        r.linsert("l", "BEFORE", "nope", "q")  # no event
        r.lrem("l", 1, "q")
        r.lrem("l", 1, "nope")  # no event
        r.ltrim("l", 0, -1)
        r.lpop("l")
        r.rpop("l", 1)
        r.lmove("l", "m", "LEFT", "RIGHT")
        r.rpop("l")
        r.set("end", "1")
    assert collect_events(r, action) == [
        ("rpush", "l"), ("lpush", "l"), ("lset", "l"), ("linsert", "l"), ("lrem", "l"),
        ("ltrim", "l"), ("lpop", "l"), ("rpop", "l"),
        ("rpush", "m"), ("lpop", "l"),
        ("rpop", "l"), ("del", "l"), ("set", "end")]


def test_events_emptying_commands(r):
    def action():
        r.rpush("a", "1")
        r.lmove("a", "b", "RIGHT", "LEFT")
        r.rpush("c", "1", "2")
        r.ltrim("c", 5, 6)
        r.rpush("d", "x")
        r.lrem("d", 0, "x")
        r.execute_command("LMPOP", 1, "b", "LEFT")
        r.set("end", "1")
    assert collect_events(r, action) == [
        ("rpush", "a"), ("lpush", "b"), ("rpop", "a"), ("del", "a"),
        ("rpush", "c"), ("ltrim", "c"), ("del", "c"),
        ("rpush", "d"), ("lrem", "d"), ("del", "d"),
        ("lpop", "b"), ("del", "b"), ("set", "end")]


# ------------------------------------------------------------------ randomized against a model

@pytest.mark.parametrize("fill,depth", [(2, 0), (5, 1), (-1, 2)])
def test_randomized_against_model(r, fill, depth):
    """Random commands on a few keys, compared with Python lists, under
    settings that make the lists convert back and forth all the time."""
    import random
    rnd = random.Random(fill * 100 + depth)
    r.config_set("list-max-listpack-size", fill)
    r.config_set("list-compress-depth", depth)
    model = {"a": [], "b": []}
    longest = 0
    seen = set()

    def elem():
        k = rnd.random()
        if k < 0.3:
            return str(rnd.randint(-3, 3)).encode()
        if k < 0.9:
            return rnd.choice([b"x", b"y", b"zz"])
        return bytes([rnd.randint(97, 122)]) * rnd.choice([70, 700, 3000])

    def norm(i, n):
        return i + n if i < 0 else i

    try:
        for step in range(1500):
            key = rnd.choice("ab")
            m = model[key]
            op = rnd.randrange(11)
            if op <= 1:
                vals = [elem() for _ in range(rnd.randint(1, 4))]
                if op == 0:
                    assert r.lpush(key, *vals) == len(m) + len(vals)
                    m[:0] = vals[::-1]
                else:
                    assert r.rpush(key, *vals) == len(m) + len(vals)
                    m.extend(vals)
            elif op == 2:
                n = rnd.randint(0, 3)
                got = r.execute_command("LPOP", key, n)
                if not m:
                    assert got is None
                else:
                    assert got == m[:n]
                    del m[:n]
            elif op == 3:
                got = r.rpop(key)
                assert got == (m.pop() if m else None)
            elif op == 4 and m:
                i = rnd.randint(-len(m) - 1, len(m))
                v = elem()
                if -len(m) <= i < len(m):
                    assert r.lset(key, i, v)
                    m[i] = v
                else:
                    with pytest.raises(Exception):
                        r.lset(key, i, v)
            elif op == 5 and m:
                pivot, v = elem(), elem()
                where = rnd.choice(["BEFORE", "AFTER"])
                got = r.linsert(key, where, pivot, v)
                if pivot in m:
                    at = m.index(pivot) + (where == "AFTER")
                    m.insert(at, v)
                    assert got == len(m)
                else:
                    assert got == -1
            elif op == 6:
                v, count = elem(), rnd.randint(-2, 2)
                idxs = [i for i, x in enumerate(m) if x == v]
                if count < 0:
                    idxs = idxs[::-1][:-count]
                elif count > 0:
                    idxs = idxs[:count]
                assert r.lrem(key, count, v) == len(idxs)
                for i in sorted(idxs, reverse=True):
                    del m[i]
            elif op == 7:
                s, e = rnd.randint(-8, 8), rnd.randint(-8, 8)
                assert r.ltrim(key, s, e)
                n = len(m)
                s2, e2 = max(norm(s, n), 0), norm(e, n)
                model[key] = m[s2:e2 + 1] if s2 <= e2 else []
            elif op == 8:
                other = "b" if key == "a" else "a"
                src, dst = (key, rnd.choice([key, other]))
                wf, wt = rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"])
                got = r.lmove(src, dst, wf, wt)
                sm = model[src]
                if not sm:
                    assert got is None
                else:
                    v = sm.pop(0) if wf == "LEFT" else sm.pop()
                    assert got == v
                    dm = model[dst]
                    dm.insert(0, v) if wt == "LEFT" else dm.append(v)
            elif op == 9:
                v = elem()
                rank = rnd.choice([1, 2, -1, -2])
                idxs = [i for i, x in enumerate(m) if x == v]
                if rank < 0:
                    idxs = idxs[::-1]
                want = idxs[abs(rank) - 1:]
                assert r.execute_command("LPOS", key, v, "RANK", rank, "COUNT", 0) == want
            else:
                s, e = rnd.randint(-6, 6), rnd.randint(-6, 6)
                n = len(m)
                s2, e2 = max(norm(s, n), 0), norm(e, n)
                assert r.lrange(key, s, e) == (m[s2:e2 + 1] if s2 <= e2 else [])
                if m:
                    i = rnd.randint(-n, n - 1)
                    assert r.lindex(key, i) == m[i]
            longest = max(longest, len(model[key]))
            if model[key] and not REDIS_7_0 and step % 5 == 0:
                seen.add(enc(r, key))
            if step % 50 == 0:
                for k in "ab":
                    assert r.lrange(k, 0, -1) == model[k]
                    assert r.exists(k) == (1 if model[k] else 0)
        for k in "ab":
            assert r.lrange(k, 0, -1) == model[k]
        assert longest > 12  # long enough to convert under every setting
        assert REDIS_7_0 or seen == {b"listpack", b"quicklist"}
    finally:
        r.config_set("list-max-listpack-size", -2)
        r.config_set("list-compress-depth", 0)
