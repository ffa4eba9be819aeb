"""String commands: GET SET (and every option) SETNX SETEX PSETEX GETEX GETDEL
GETSET MGET MSET MSETNX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT
GETRANGE SUBSTR SETRANGE LCS, with Valkey 8's replies and error texts, in
RESP2 and RESP3 (the `rr` fixture runs each test in both).

The reference for expected values is Valkey 8; where Debian's redis-server
7.0 (TESSERA_SERVER=/usr/bin/redis-server) differs, the test is marked
valkey_only.  TTL commands belong to another module, so expiry is observed
by waiting past short PX times and reading the key back."""

import os
import time

import pytest

from helpers import Map, RespError, SimpleString, server_binary

REDIS_7_0 = "redis" in os.path.basename(server_binary())
valkey_only = pytest.mark.skipif(REDIS_7_0, reason="Valkey 8 behaviour (redis 7.0 differs)")

ERR_SYNTAX = "ERR syntax error"
ERR_INT = "ERR value is not an integer or out of range"
ERR_FLOAT = "ERR value is not a valid float"
ERR_MAXSIZE = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"



def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def assert_null(client, reply):
    assert reply is None
    assert client.last_raw == (b"_\r\n" if client.protocol == 3 else b"$-1\r\n")


def now_ms():
    return int(time.time() * 1000)


# ------------------------------------------------------------------ GET / SET

def test_set_get_basic(rr):
    reply = rr.call("SET", "k", "hello")
    assert reply == b"OK" and type(reply) is SimpleString
    assert rr.call("GET", "k") == b"hello"
    assert rr.last_raw == b"$5\r\nhello\r\n"
    assert_null(rr, rr.call("GET", "missing"))
    assert rr.call("SET", "k", "") == b"OK"
    assert rr.call("GET", "k") == b""
    assert rr.last_raw == b"$0\r\n\r\n"


def test_set_integer_values_read_back_exactly(rr):
    for value in [b"0", b"-1", b"12345", b"9223372036854775807", b"-9223372036854775808",
                  b"9223372036854775808", b"007", b"+1", b" 1", b"1.5", b"-0"]:
        assert rr.call("SET", "n", value) == b"OK"
        assert rr.call("GET", "n") == value
        assert rr.call("STRLEN", "n") == len(value)


def test_set_overwrites_of_every_shape(rr):
    # Same length, number over number, number over text and back, longer,
    # shorter: every overwrite reads back exactly.
    for value in [b"abc", b"xyz", b"123", b"456", b"-78", b"abc", b"a" * 40, b"b" * 40, b"12",
                  b"9223372036854775807", b"-9223372036854775808", b"x" * 300, b"y" * 300, b"",
                  b"0", b"01", b"10"]:
        assert rr.call("SET", "k", value) == b"OK"
        assert rr.call("GET", "k") == value
    assert rr.call("MSET", "k", "zz", "k", "yy") == b"OK"
    assert rr.call("GET", "k") == b"yy"
    assert rr.call("SET", "k", 10) == b"OK"
    assert rr.call("SET", "k", 20) == b"OK"
    assert rr.call("INCR", "k") == 21


def test_set_overwrite_drops_ttl(rr):
    assert rr.call("SET", "k", "v1", "PX", 150) == b"OK"
    assert rr.call("SET", "k", "v2") == b"OK"
    time.sleep(0.3)
    assert rr.call("GET", "k") == b"v2"


def test_set_keepttl(rr):
    assert rr.call("SET", "k", "v1", "PX", 150) == b"OK"
    assert rr.call("SET", "k", "v2", "KEEPTTL") == b"OK"
    assert rr.call("GET", "k") == b"v2"
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "k"))
    # KEEPTTL on a key without TTL (or a missing key) stores a persistent value.
    assert rr.call("SET", "p", "v", "KEEPTTL") == b"OK"
    assert rr.call("SET", "p", "w", "keepttl") == b"OK"
    time.sleep(0.05)
    assert rr.call("GET", "p") == b"w"


def test_set_px_and_ex_expire(rr):
    assert rr.call("SET", "k", "v", "PX", 150) == b"OK"
    assert rr.call("GET", "k") == b"v"
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "k"))
    assert rr.call("SET", "s", "v", "EX", 100) == b"OK"
    assert rr.call("GET", "s") == b"v"
    assert rr.call("set", "s2", "v", "ex", 1) == b"OK"
    assert rr.call("GET", "s2") == b"v"
    time.sleep(1.2)
    assert_null(rr, rr.call("GET", "s2"))
    assert rr.call("GET", "s") == b"v"


def test_set_pxat_exat(rr):
    assert rr.call("SET", "k", "v", "PXAT", now_ms() + 150) == b"OK"
    assert rr.call("GET", "k") == b"v"
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "k"))
    assert rr.call("SET", "k", "v", "EXAT", int(time.time()) + 100) == b"OK"
    assert rr.call("GET", "k") == b"v"
    # Far-future absolute times are valid.
    assert rr.call("SET", "far", "v", "PXAT", 9223372036854775807) == b"OK"
    assert rr.call("SET", "far2", "v", "EXAT", 9223372036854775) == b"OK"
    assert rr.call("GET", "far") == b"v" and rr.call("GET", "far2") == b"v"


def test_set_expire_in_the_past_deletes(rr):
    assert rr.call("SET", "k", "old") == b"OK"
    assert rr.call("SET", "k", "new", "PXAT", 1) == b"OK"
    assert_null(rr, rr.call("GET", "k"))
    assert rr.call("SET", "k", "new", "EXAT", int(time.time()) - 10) == b"OK"
    assert_null(rr, rr.call("GET", "k"))
    # On a missing key: OK and still nothing.
    assert rr.call("SET", "none", "v", "PXAT", now_ms() - 1000) == b"OK"
    assert_null(rr, rr.call("GET", "none"))


def test_set_past_expire_with_get_returns_old_value(rr):
    assert rr.call("SET", "k", "old") == b"OK"
    assert rr.call("SET", "k", "new", "GET", "PXAT", 1) == b"old"
    assert_null(rr, rr.call("GET", "k"))


def test_set_nx_xx(rr):
    assert_null(rr, rr.call("SET", "k", "v", "XX"))
    assert_null(rr, rr.call("GET", "k"))
    assert rr.call("SET", "k", "v1", "NX") == b"OK"
    assert_null(rr, rr.call("SET", "k", "v2", "NX"))
    assert rr.call("GET", "k") == b"v1"
    assert rr.call("SET", "k", "v3", "XX") == b"OK"
    assert rr.call("GET", "k") == b"v3"
    assert rr.call("SET", "k", "v4", "xx", "px", 100000) == b"OK"
    assert rr.call("GET", "k") == b"v4"


def test_set_get_option(rr):
    assert_null(rr, rr.call("SET", "k", "v1", "GET"))
    assert rr.call("GET", "k") == b"v1"
    reply = rr.call("SET", "k", "v2", "GET")
    assert reply == b"v1" and type(reply) is bytes
    assert rr.call("GET", "k") == b"v2"
    # NX with GET (allowed since 7.0): replies the old value, does not set.
    assert rr.call("SET", "k", "v3", "NX", "GET") == b"v2"
    assert rr.call("GET", "k") == b"v2"
    assert_null(rr, rr.call("SET", "n", "v", "NX", "GET"))
    assert rr.call("GET", "n") == b"v"
    # XX with GET on a missing key: nil, not set.
    assert_null(rr, rr.call("SET", "x", "v", "XX", "GET"))
    assert_null(rr, rr.call("GET", "x"))
    assert rr.call("SET", "k", "v4", "GET", "XX", "EX", 100) == b"v2"
    assert rr.call("GET", "k") == b"v4"
    # GET may repeat.
    assert rr.call("SET", "k", "v5", "GET", "GET") == b"v4"


def test_set_get_with_integer_value(rr):
    assert rr.call("SET", "k", 42) == b"OK"
    assert rr.call("SET", "k", "x", "GET") == b"42"


def test_set_repeated_options_are_allowed(rr):
    assert rr.call("SET", "k", "v", "EX", 100, "EX", 200) == b"OK"
    assert rr.call("SET", "n", "v", "NX", "NX") == b"OK"
    assert rr.call("SET", "k", "w", "XX", "XX") == b"OK"
    assert rr.call("SET", "k", "w", "KEEPTTL", "KEEPTTL") == b"OK"
    assert rr.call("SET", "k", "z", "PX", 100000, "PX", 150) == b"OK"
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "k"))


@pytest.mark.parametrize("args", [
    ["NX", "XX"], ["XX", "NX"], ["EX"], ["PX"], ["EXAT"], ["PXAT"],
    ["EX", 10, "PX", 10], ["PX", 10, "EX", 10], ["EX", 10, "EXAT", 10], ["PXAT", 10, "EXAT", 10],
    ["KEEPTTL", "EX", 10], ["EX", 10, "KEEPTTL"], ["PX", 10, "KEEPTTL"], ["KEEPTTL", "PXAT", 10],
    ["PERSIST"], ["FOO"], ["NX", "FOO"], ["EX", 10, "FOO"], ["GETT"], ["N"], ["NXX"],
    ["EX", 0, "NX", "XX"],  # a syntax error wins over a bad expire value
])
def test_set_syntax_errors(rr, args):
    assert rr.call("SET", "k", "orig") == b"OK"
    assert error_of(rr, "SET", "k", "v", *args) == ERR_SYNTAX
    assert rr.call("GET", "k") == b"orig"


@pytest.mark.parametrize("args", [
    ["EX", 0], ["EX", -1], ["PX", 0], ["PX", -100], ["EXAT", 0], ["PXAT", 0], ["PXAT", -5],
    ["EX", 9223372036854775807],  # seconds * 1000 overflows
    ["EX", 9223372036854776],
    ["EX", 9223372036854775],     # now + seconds overflows
    ["PX", 9223372036854775807],  # now + ms overflows
    ["EXAT", 9223372036854776],
])
def test_set_invalid_expire_time(rr, args):
    assert rr.call("SET", "k", "orig") == b"OK"
    assert error_of(rr, "SET", "k", "v", *args) == "ERR invalid expire time in 'set' command"
    assert rr.call("GET", "k") == b"orig"


@pytest.mark.parametrize("value", ["abc", "1.5", "", " 1", "9223372036854775808"])
def test_set_expire_not_integer(rr, value):
    assert error_of(rr, "SET", "k", "v", "EX", value) == ERR_INT
    assert error_of(rr, "SET", "k", "v", "PXAT", value) == ERR_INT
    assert_null(rr, rr.call("GET", "k"))


def test_set_arity(rr):
    assert error_of(rr, "SET", "k") == "ERR wrong number of arguments for 'set' command"
    assert error_of(rr, "GET") == "ERR wrong number of arguments for 'get' command"
    assert error_of(rr, "GET", "a", "b") == "ERR wrong number of arguments for 'get' command"


# ------------------------------------------------------------------ SETNX / SETEX / PSETEX

def test_setnx(rr):
    assert rr.call("SETNX", "k", "v1") == 1
    assert rr.call("SETNX", "k", "v2") == 0
    assert rr.call("GET", "k") == b"v1"


def test_setnx_on_expired_key(rr):
    assert rr.call("SET", "k", "v", "PX", 100) == b"OK"
    time.sleep(0.2)
    assert rr.call("SETNX", "k", "new") == 1
    assert rr.call("GET", "k") == b"new"


def test_setex_psetex(rr):
    assert rr.call("SETEX", "k", 100, "v") == b"OK"
    assert rr.call("GET", "k") == b"v"
    assert rr.call("PSETEX", "p", 150, "v") == b"OK"
    assert rr.call("GET", "p") == b"v"
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "p"))
    assert rr.call("SETEX", "k", 100, "w") == b"OK"
    assert rr.call("GET", "k") == b"w"


def test_setex_errors(rr):
    assert error_of(rr, "SETEX", "k", 0, "v") == "ERR invalid expire time in 'setex' command"
    assert error_of(rr, "SETEX", "k", -10, "v") == "ERR invalid expire time in 'setex' command"
    assert error_of(rr, "SETEX", "k", 9223372036854775807, "v") == \
        "ERR invalid expire time in 'setex' command"
    assert error_of(rr, "PSETEX", "k", 0, "v") == "ERR invalid expire time in 'psetex' command"
    assert error_of(rr, "PSETEX", "k", 9223372036854775807, "v") == \
        "ERR invalid expire time in 'psetex' command"
    assert error_of(rr, "SETEX", "k", "ten", "v") == ERR_INT
    assert error_of(rr, "PSETEX", "k", "1.5", "v") == ERR_INT
    assert error_of(rr, "SETEX", "k", 10) == "ERR wrong number of arguments for 'setex' command"
    assert_null(rr, rr.call("GET", "k"))


# ------------------------------------------------------------------ GETEX / GETDEL / GETSET

def test_getex_without_options(rr):
    assert_null(rr, rr.call("GETEX", "k"))
    assert rr.call("SET", "k", "v", "PX", 150) == b"OK"
    assert rr.call("GETEX", "k") == b"v"
    time.sleep(0.3)
    assert_null(rr, rr.call("GETEX", "k"))


def test_getex_sets_expire(rr):
    assert rr.call("SET", "k", "v") == b"OK"
    assert rr.call("GETEX", "k", "PX", 150) == b"v"
    assert rr.call("GET", "k") == b"v"
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "k"))
    for opt, value in [("EX", 100), ("PX", 100000), ("EXAT", int(time.time()) + 100),
                       ("PXAT", now_ms() + 100000)]:
        assert rr.call("SET", "k", "v") == b"OK"
        assert rr.call("GETEX", "k", opt, value) == b"v"
        assert rr.call("GET", "k") == b"v"
    assert rr.call("SET", "k", "v") == b"OK"
    assert rr.call("GETEX", "k", "pxat", now_ms() + 150) == b"v"
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "k"))


def test_getex_persist(rr):
    assert rr.call("SET", "k", "v", "PX", 150) == b"OK"
    assert rr.call("GETEX", "k", "PERSIST") == b"v"
    time.sleep(0.3)
    assert rr.call("GET", "k") == b"v"
    assert rr.call("GETEX", "k", "persist") == b"v"  # no TTL: nothing to do


def test_getex_past_time_deletes(rr):
    assert rr.call("SET", "k", "v") == b"OK"
    assert rr.call("GETEX", "k", "PXAT", 1) == b"v"
    assert_null(rr, rr.call("GET", "k"))
    assert rr.call("SET", "k", "v") == b"OK"
    assert rr.call("GETEX", "k", "EXAT", int(time.time()) - 100) == b"v"
    assert_null(rr, rr.call("GET", "k"))


@pytest.mark.parametrize("args", [
    ["EX"], ["EX", 10, "PX", 10], ["PERSIST", "EX", 10], ["EX", 10, "PERSIST"], ["KEEPTTL"],
    ["NX"], ["XX"], ["GET"], ["FOO"], ["PXAT", 10, "EXAT", 10],
])
def test_getex_syntax_errors(rr, args):
    assert rr.call("SET", "k", "v") == b"OK"
    assert error_of(rr, "GETEX", "k", *args) == ERR_SYNTAX


def test_getex_invalid_expire(rr):
    assert rr.call("SET", "k", "v") == b"OK"
    for opt, value in [("EX", 0), ("PX", -1), ("EXAT", 0), ("PXAT", -1), ("EX", 9223372036854775807)]:
        assert error_of(rr, "GETEX", "k", opt, value) == "ERR invalid expire time in 'getex' command"
    assert error_of(rr, "GETEX", "k", "EX", "abc") == ERR_INT
    assert rr.call("GET", "k") == b"v"


@valkey_only
def test_getex_validates_expire_before_lookup(rr):
    assert error_of(rr, "GETEX", "missing", "EX", 0) == "ERR invalid expire time in 'getex' command"
    assert error_of(rr, "GETEX", "missing", "EX", "abc") == ERR_INT


def test_getdel(rr):
    assert_null(rr, rr.call("GETDEL", "k"))
    assert rr.call("SET", "k", "v") == b"OK"
    assert rr.call("GETDEL", "k") == b"v"
    assert_null(rr, rr.call("GET", "k"))
    assert_null(rr, rr.call("GETDEL", "k"))
    assert rr.call("SET", "n", 123) == b"OK"
    assert rr.call("GETDEL", "n") == b"123"


def test_getset(rr):
    assert_null(rr, rr.call("GETSET", "k", "v1"))
    assert rr.call("GET", "k") == b"v1"
    assert rr.call("GETSET", "k", "v2") == b"v1"
    assert rr.call("GET", "k") == b"v2"
    # GETSET discards the TTL.
    assert rr.call("SET", "t", "a", "PX", 150) == b"OK"
    assert rr.call("GETSET", "t", "b") == b"a"
    time.sleep(0.3)
    assert rr.call("GET", "t") == b"b"


# ------------------------------------------------------------------ MGET / MSET / MSETNX

def test_mget(rr):
    assert rr.call("MSET", "a", "1", "b", "two") == b"OK"
    reply = rr.call("MGET", "a", "missing", "b", "a")
    assert reply == [b"1", None, b"two", b"1"]
    null = b"_\r\n" if rr.protocol == 3 else b"$-1\r\n"
    assert rr.last_raw == b"*4\r\n$1\r\n1\r\n" + null + b"$3\r\ntwo\r\n$1\r\n1\r\n"
    assert rr.call("MGET", "nothing") == [None]


def test_mset(rr):
    reply = rr.call("MSET", "a", "1", "b", "2", "a", "3")
    assert reply == b"OK" and type(reply) is SimpleString
    assert rr.call("MGET", "a", "b") == [b"3", b"2"]
    # MSET drops TTLs.
    assert rr.call("SET", "t", "x", "PX", 150) == b"OK"
    assert rr.call("MSET", "t", "y") == b"OK"
    time.sleep(0.3)
    assert rr.call("GET", "t") == b"y"


def test_mset_wrong_arity(rr):
    assert error_of(rr, "MSET", "a") == "ERR wrong number of arguments for 'mset' command"
    assert error_of(rr, "MSET", "a", "1", "b") == "ERR wrong number of arguments for 'mset' command"
    assert error_of(rr, "MSETNX", "a", "1", "b") == "ERR wrong number of arguments for 'msetnx' command"
    assert rr.call("MGET", "a", "b") == [None, None]


def test_msetnx(rr):
    assert rr.call("MSETNX", "a", "1", "b", "2") == 1
    assert rr.call("MSETNX", "c", "3", "a", "x") == 0
    assert rr.call("MGET", "a", "b", "c") == [b"1", b"2", None]
    # The same key twice: both are new, the last value wins.
    assert rr.call("MSETNX", "d", "4", "d", "5") == 1
    assert rr.call("GET", "d") == b"5"


# ------------------------------------------------------------------ APPEND / STRLEN

def test_append(rr):
    assert rr.call("APPEND", "k", "Hello") == 5
    assert rr.call("APPEND", "k", " World") == 11
    assert rr.call("GET", "k") == b"Hello World"
    assert rr.call("APPEND", "k", "") == 11
    assert rr.call("APPEND", "e", "") == 0
    assert rr.call("GET", "e") == b""


def test_append_to_integer(rr):
    assert rr.call("SET", "n", 12) == b"OK"
    assert rr.call("APPEND", "n", 34) == 4
    assert rr.call("GET", "n") == b"1234"
    assert rr.call("INCR", "n") == 1235
    assert rr.call("APPEND", "m", 7) == 1
    assert rr.call("INCR", "m") == 8


def test_append_keeps_ttl(rr):
    assert rr.call("SET", "k", "a", "PX", 150) == b"OK"
    assert rr.call("APPEND", "k", "b") == 2
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "k"))


def test_strlen(rr):
    assert rr.call("STRLEN", "missing") == 0
    assert rr.call("SET", "k", "hello") == b"OK"
    assert rr.call("STRLEN", "k") == 5
    for value, length in [(12345, 5), (-1, 2), (0, 1), (-9223372036854775808, 20)]:
        assert rr.call("SET", "n", value) == b"OK"
        assert rr.call("STRLEN", "n") == length
    assert rr.call("SET", "big", "x" * 1000) == b"OK"
    assert rr.call("STRLEN", "big") == 1000


# ------------------------------------------------------------------ INCR family

def test_incr_decr(rr):
    assert rr.call("INCR", "n") == 1
    assert rr.call("INCR", "n") == 2
    assert rr.call("INCRBY", "n", 10) == 12
    assert rr.call("DECR", "n") == 11
    assert rr.call("DECRBY", "n", 20) == -9
    assert rr.call("INCRBY", "n", -1) == -10
    assert rr.call("DECRBY", "n", -10) == 0
    assert rr.call("GET", "n") == b"0"
    assert rr.call("DECR", "d") == -1
    assert rr.call("DECRBY", "e", 5) == -5
    assert rr.call("INCRBY", "f", -5) == -5


def test_incr_string_values(rr):
    assert rr.call("SET", "n", "100") == b"OK"
    assert rr.call("APPEND", "n", "0") == 4  # a RAW "1000"
    assert rr.call("INCR", "n") == 1001
    assert rr.call("GET", "n") == b"1001"
    assert rr.call("SET", "n", "-20") == b"OK"
    assert rr.call("INCRBY", "n", 5) == -15


@pytest.mark.parametrize("value", ["abc", "1.5", " 1", "1 ", "01", "+1", "", "-0",
                                   "9223372036854775808", "1" * 30, "1\x002"])
def test_incr_not_an_integer(rr, value):
    assert rr.call("SET", "n", value) == b"OK"
    for cmd in (["INCR", "n"], ["DECR", "n"], ["INCRBY", "n", 1], ["DECRBY", "n", 1]):
        assert error_of(rr, *cmd) == ERR_INT
    assert rr.call("GET", "n") == value.encode()


def test_incrby_bad_increment(rr):
    for bad in ["abc", "1.0", "9223372036854775808", "", " 5"]:
        assert error_of(rr, "INCRBY", "n", bad) == ERR_INT
        assert error_of(rr, "DECRBY", "n", bad) == ERR_INT
    assert_null(rr, rr.call("GET", "n"))


def test_incr_overflow(rr):
    assert rr.call("SET", "n", 9223372036854775807) == b"OK"
    assert error_of(rr, "INCR", "n") == "ERR increment or decrement would overflow"
    assert error_of(rr, "INCRBY", "n", 1) == "ERR increment or decrement would overflow"
    assert rr.call("INCRBY", "n", -1) == 9223372036854775806
    assert rr.call("SET", "n", -9223372036854775808) == b"OK"
    assert error_of(rr, "DECR", "n") == "ERR increment or decrement would overflow"
    assert error_of(rr, "DECRBY", "n", 1) == "ERR increment or decrement would overflow"
    assert error_of(rr, "INCRBY", "n", -1) == "ERR increment or decrement would overflow"
    assert rr.call("INCR", "n") == -9223372036854775807
    assert rr.call("SET", "m", 1) == b"OK"
    assert error_of(rr, "DECRBY", "m", -9223372036854775808) == "ERR decrement would overflow"
    assert rr.call("DECRBY", "m", 9223372036854775807) == -9223372036854775806
    assert rr.call("INCRBY", "z", -9223372036854775808) == -9223372036854775808


def test_incr_keeps_ttl(rr):
    assert rr.call("SET", "n", 5, "PX", 150) == b"OK"
    assert rr.call("INCR", "n") == 6
    assert rr.call("SET", "s", "7", "PX", 150) == b"OK"
    assert rr.call("APPEND", "s", "0") == 2
    assert rr.call("INCRBY", "s", 1) == 71
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "n"))
    assert_null(rr, rr.call("GET", "s"))


def test_incrbyfloat_docs_examples(rr):
    assert rr.call("SET", "mykey", "10.50") == b"OK"
    reply = rr.call("INCRBYFLOAT", "mykey", "0.1")
    assert reply == b"10.6" and type(reply) is bytes
    assert rr.last_raw == b"$4\r\n10.6\r\n"
    assert rr.call("INCRBYFLOAT", "mykey", -5) == b"5.6"
    assert rr.call("SET", "mykey", "5.0e3") == b"OK"
    assert rr.call("INCRBYFLOAT", "mykey", "2.0e2") == b"5200"
    assert rr.call("GET", "mykey") == b"5200"


@pytest.mark.parametrize("start,incr,result", [
    (None, "1.5", b"1.5"), ("3", "1.5", b"4.5"), ("0.1", "0.2", b"0.3"), ("1", "1.0", b"2"),
    ("-1.5", "1.5", b"0"), ("1", "-0", b"1"), ("10", "-20.25", b"-10.25"), (None, "5", b"5"),
    ("1e3", "1", b"1001"), ("3.0e-3", "0", b"0.003"), ("1", "0.00001", b"1.00001"),
    ("-0.5", "-0.25", b"-0.75"), (None, "-0", b"0"), ("1.7976931348623157e308", "1", None),
])
def test_incrbyfloat_values(rr, start, incr, result):
    if start is not None:
        assert rr.call("SET", "f", start) == b"OK"
    reply = rr.call("INCRBYFLOAT", "f", incr)
    if result is not None:
        assert reply == result
    assert rr.call("GET", "f") == reply


def test_incrbyfloat_errors(rr):
    assert error_of(rr, "INCRBYFLOAT", "f", "abc") == ERR_FLOAT
    assert error_of(rr, "INCRBYFLOAT", "f", "nan") == ERR_FLOAT
    assert error_of(rr, "INCRBYFLOAT", "f", "") == ERR_FLOAT
    assert error_of(rr, "INCRBYFLOAT", "f", " 1") == ERR_FLOAT
    assert error_of(rr, "INCRBYFLOAT", "f", "1.5x") == ERR_FLOAT
    assert_null(rr, rr.call("GET", "f"))
    assert error_of(rr, "INCRBYFLOAT", "f", "inf") == "ERR increment would produce NaN or Infinity"
    assert error_of(rr, "INCRBYFLOAT", "f", "-inf") == "ERR increment would produce NaN or Infinity"
    assert_null(rr, rr.call("GET", "f"))
    for bad in ["abc", "1.2.3", " 1", "1,5"]:
        assert rr.call("SET", "g", bad) == b"OK"
        assert error_of(rr, "INCRBYFLOAT", "g", "1") == ERR_FLOAT
        assert rr.call("GET", "g") == bad.encode()
    assert rr.call("SET", "h", "1") == b"OK"
    assert error_of(rr, "INCRBYFLOAT", "h", "abc") == ERR_FLOAT
    # Inputs of 5 KB or more are refused whatever they hold.
    assert error_of(rr, "INCRBYFLOAT", "h", "0" * 5200 + "1") == ERR_FLOAT
    assert rr.call("SET", "long", "0" * 5200 + "1") == b"OK"
    assert error_of(rr, "INCRBYFLOAT", "long", "1") == ERR_FLOAT
    assert rr.call("GET", "h") == b"1"
    assert rr.call("INCRBYFLOAT", "h", "0" * 5000 + "1") == b"2"


def test_incrbyfloat_keeps_ttl_and_incr_after(rr):
    assert rr.call("SET", "f", "1.5", "PX", 150) == b"OK"
    assert rr.call("INCRBYFLOAT", "f", "1.5") == b"3"
    assert rr.call("INCR", "f") == 4
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "f"))


# ------------------------------------------------------------------ GETRANGE / SUBSTR

@pytest.mark.parametrize("cmd", ["GETRANGE", "SUBSTR"])
def test_getrange(rr, cmd):
    assert rr.call("SET", "k", "This is a string") == b"OK"
    cases = [(0, 3, b"This"), (-3, -1, b"ing"), (0, -1, b"This is a string"),
             (10, 100, b"string"), (5, 3, b""), (-1, -5, b""), (16, 20, b""), (15, 15, b"g"),
             (-100, 2, b"Thi"), (0, -100, b"T"), (-100, -99, b"T"), (-100, -101, b""),
             (3, -100, b""), (-16, -16, b"T"), (9223372036854775807, 9223372036854775807, b""),
             (-9223372036854775808, 9223372036854775807, b"This is a string")]
    for start, end, expected in cases:
        reply = rr.call(cmd, "k", start, end)
        assert reply == expected, (start, end)
        assert type(reply) is bytes
    assert rr.call(cmd, "missing", 0, -1) == b""
    assert rr.last_raw == b"$0\r\n\r\n"
    assert rr.call("SET", "n", 12345) == b"OK"
    assert rr.call(cmd, "n", 1, 2) == b"23"
    assert rr.call(cmd, "n", -2, -1) == b"45"
    assert rr.call("SET", "e", "") == b"OK"
    assert rr.call(cmd, "e", 0, -1) == b""


def test_getrange_errors(rr):
    assert rr.call("SET", "k", "abc") == b"OK"
    assert error_of(rr, "GETRANGE", "k", "a", 1) == ERR_INT
    assert error_of(rr, "GETRANGE", "k", 0, "1.5") == ERR_INT
    assert error_of(rr, "GETRANGE", "k", 0, "9223372036854775808") == ERR_INT
    assert error_of(rr, "SUBSTR", "k", "x", "y") == ERR_INT
    assert error_of(rr, "GETRANGE", "k", 0) == "ERR wrong number of arguments for 'getrange' command"


# ------------------------------------------------------------------ SETRANGE

def test_setrange(rr):
    assert rr.call("SET", "k", "Hello World") == b"OK"
    assert rr.call("SETRANGE", "k", 6, "Redis") == 11
    assert rr.call("GET", "k") == b"Hello Redis"
    assert rr.call("SETRANGE", "k", 11, "!!") == 13
    assert rr.call("GET", "k") == b"Hello Redis!!"
    assert rr.call("SETRANGE", "k", 0, "J") == 13
    assert rr.call("GET", "k") == b"Jello Redis!!"
    assert rr.call("SETRANGE", "pad", 5, "hi") == 7
    assert rr.call("GET", "pad") == b"\x00" * 5 + b"hi"
    assert rr.call("SETRANGE", "k", 15, "x") == 16
    assert rr.call("GET", "k") == b"Jello Redis!!\x00\x00x"


def test_setrange_empty_value(rr):
    assert rr.call("SETRANGE", "missing", 5, "") == 0
    assert_null(rr, rr.call("GET", "missing"))
    assert rr.call("SETRANGE", "missing", 536870912, "") == 0
    assert rr.call("SET", "k", "abc") == b"OK"
    assert rr.call("SETRANGE", "k", 100, "") == 3
    assert rr.call("GET", "k") == b"abc"


def test_setrange_on_integer(rr):
    assert rr.call("SET", "n", 12345) == b"OK"
    assert rr.call("SETRANGE", "n", 1, "x") == 5
    assert rr.call("GET", "n") == b"1x345"
    assert rr.call("SET", "m", 10) == b"OK"
    assert rr.call("SETRANGE", "m", 2, "0") == 3
    assert rr.call("INCR", "m") == 101


def test_setrange_keeps_ttl(rr):
    assert rr.call("SET", "k", "abc", "PX", 150) == b"OK"
    assert rr.call("SETRANGE", "k", 1, "X") == 3
    assert rr.call("GET", "k") == b"aXc"
    time.sleep(0.3)
    assert_null(rr, rr.call("GET", "k"))


def test_setrange_errors(rr):
    assert error_of(rr, "SETRANGE", "k", -1, "x") == "ERR offset is out of range"
    assert error_of(rr, "SETRANGE", "k", "abc", "x") == ERR_INT
    assert error_of(rr, "SETRANGE", "k", "1.5", "x") == ERR_INT
    assert error_of(rr, "SETRANGE", "k", 536870911, "ab") == ERR_MAXSIZE
    assert error_of(rr, "SETRANGE", "k", 536870912, "a") == ERR_MAXSIZE
    assert error_of(rr, "SETRANGE", "k", 9223372036854775807, "a") == ERR_MAXSIZE
    assert_null(rr, rr.call("GET", "k"))
    assert rr.call("SET", "k", "v") == b"OK"
    assert error_of(rr, "SETRANGE", "k", 536870911, "ab") == ERR_MAXSIZE
    assert error_of(rr, "SETRANGE", "k", -5, "") == "ERR offset is out of range"
    assert rr.call("GET", "k") == b"v"


# ------------------------------------------------------------------ LCS

def lcs_idx(rr, reply):
    """(matches, len) of an LCS IDX reply, checking its shape per protocol."""
    if rr.protocol == 3:
        assert isinstance(reply, Map)
        assert list(reply.keys()) == [b"matches", b"len"]
        return reply[b"matches"], reply[b"len"]
    assert isinstance(reply, list) and len(reply) == 4
    assert reply[0] == b"matches" and reply[2] == b"len"
    return reply[1], reply[3]


def test_lcs_docs_example(rr):
    assert rr.call("MSET", "key1", "ohmytext", "key2", "mynewtext") == b"OK"
    assert rr.call("LCS", "key1", "key2") == b"mytext"
    assert rr.call("LCS", "key1", "key2", "LEN") == 6
    matches, length = lcs_idx(rr, rr.call("LCS", "key1", "key2", "IDX"))
    assert matches == [[[4, 7], [5, 8]], [[2, 3], [0, 1]]]
    assert length == 6
    matches, length = lcs_idx(rr, rr.call("LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4))
    assert matches == [[[4, 7], [5, 8]]]
    assert length == 6
    matches, length = lcs_idx(rr, rr.call("LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4,
                                          "WITHMATCHLEN"))
    assert matches == [[[4, 7], [5, 8], 4]]
    matches, _ = lcs_idx(rr, rr.call("LCS", "key1", "key2", "idx", "withmatchlen"))
    assert matches == [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]]
    matches, _ = lcs_idx(rr, rr.call("LCS", "key1", "key2", "IDX", "MINMATCHLEN", -5))
    assert matches == [[[4, 7], [5, 8]], [[2, 3], [0, 1]]]


def test_lcs_edge_cases(rr):
    assert rr.call("LCS", "none1", "none2") == b""
    assert rr.call("LCS", "none1", "none2", "LEN") == 0
    matches, length = lcs_idx(rr, rr.call("LCS", "none1", "none2", "IDX"))
    assert matches == [] and length == 0
    assert rr.call("SET", "a", "abc") == b"OK"
    assert rr.call("LCS", "a", "none") == b""
    assert rr.call("LCS", "a", "a") == b"abc"
    matches, length = lcs_idx(rr, rr.call("LCS", "a", "a", "IDX", "WITHMATCHLEN"))
    assert matches == [[[0, 2], [0, 2], 3]] and length == 3
    assert rr.call("SET", "b", "xyz") == b"OK"
    assert rr.call("LCS", "a", "b") == b""
    assert rr.call("MSET", "n1", 12345, "n2", 9243) == b"OK"
    assert rr.call("LCS", "n1", "n2") == reference_lcs("12345", "9243")[0].encode()


def test_lcs_matches_reference_algorithm(rr):
    import random
    rnd = random.Random(7)
    for _ in range(30):
        a = "".join(rnd.choice("ACGT") for _ in range(rnd.randint(0, 40)))
        b = "".join(rnd.choice("ACGT") for _ in range(rnd.randint(0, 40)))
        assert rr.call("MSET", "a", a, "b", b) == b"OK"
        expected_str, expected_matches = reference_lcs(a, b)
        assert rr.call("LCS", "a", "b") == expected_str.encode()
        assert rr.call("LCS", "a", "b", "LEN") == len(expected_str)
        matches, length = lcs_idx(rr, rr.call("LCS", "a", "b", "IDX", "WITHMATCHLEN"))
        assert length == len(expected_str)
        assert matches == expected_matches


def reference_lcs(a, b):
    """Textbook LCS with Valkey's walk-back order (up only when strictly
    longer), as a model for the server's replies."""
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(t[i - 1][j], t[i][j - 1])
    i, j, out, matches, run = len(a), len(b), [], [], None
    while i > 0 and j > 0:
        if a[i - 1] == b[j - 1]:
            out.append(a[i - 1])
            run = [i - 1, i - 1 if run is None else run[1], j - 1, j - 1 if run is None else run[3]]
            i, j = i - 1, j - 1
            if run[0] == 0 or run[2] == 0:
                matches.append([[run[0], run[1]], [run[2], run[3]], run[1] - run[0] + 1])
                run = None
        else:
            if t[i - 1][j] > t[i][j - 1]:
                i -= 1
            else:
                j -= 1
            if run is not None:
                matches.append([[run[0], run[1]], [run[2], run[3]], run[1] - run[0] + 1])
                run = None
    return "".join(reversed(out)), matches


def test_lcs_errors(rr):
    assert rr.call("MSET", "a", "abc", "b", "abd") == b"OK"
    assert error_of(rr, "LCS", "a", "b", "LEN", "IDX") == \
        "ERR If you want both the length and indexes, please just use IDX."
    assert error_of(rr, "LCS", "a", "b", "FOO") == ERR_SYNTAX
    assert error_of(rr, "LCS", "a", "b", "MINMATCHLEN") == ERR_SYNTAX
    assert error_of(rr, "LCS", "a", "b", "MINMATCHLEN", "x") == ERR_INT
    assert error_of(rr, "LCS", "a") == "ERR wrong number of arguments for 'lcs' command"


# ------------------------------------------------------------------ binary safety, big values

def test_binary_safe_keys_and_values(rr):
    key = b"k\x00\r\n\xff"
    value = b"\x00\r\n$5\r\nhello\r\n\xff" * 10
    assert rr.call("SET", key, value) == b"OK"
    assert rr.call("GET", key) == value
    assert rr.call("STRLEN", key) == len(value)
    assert rr.call("APPEND", key, b"\x00\x00") == len(value) + 2
    assert rr.call("GETRANGE", key, 0, 3) == b"\x00\r\n$"
    assert rr.call("SETRANGE", key, 1, b"\r\n\x00") == len(value) + 2
    assert rr.call("GET", key) == b"\x00\r\n\x00" + value[4:] + b"\x00\x00"
    assert rr.call("MSET", b"a\x00", b"1\x00", b"a", b"2") == b"OK"
    assert rr.call("MGET", b"a\x00", b"a") == [b"1\x00", b"2"]
    assert rr.call("GETDEL", b"a\x00") == b"1\x00"
    assert rr.call("GET", b"a") == b"2"


def test_value_sizes_around_encodings(rr):
    # Values near the embedded / raw boundary and the dstr header sizes.
    for size in [0, 1, 20, 21, 31, 32, 33, 40, 44, 45, 63, 64, 255, 256, 257, 65535, 65536, 100000]:
        value = bytes((i * 7 + size) % 256 for i in range(size))
        assert rr.call("SET", "k", value) == b"OK"
        assert rr.call("GET", "k") == value
        assert rr.call("APPEND", "k", b"z") == size + 1
        assert rr.call("GET", "k") == value + b"z"
        assert rr.call("SET", b"key" * (size // 3 + 1), value) == b"OK"
        assert rr.call("GET", b"key" * (size // 3 + 1)) == value


def test_big_values(rr):
    mb10 = bytes(range(256)) * (10 * 1024 * 1024 // 256)
    assert rr.call("SET", "big", mb10) == b"OK"
    assert rr.call("GET", "big") == mb10
    assert rr.call("STRLEN", "big") == len(mb10)
    assert rr.call("APPEND", "big", mb10) == 2 * len(mb10)
    assert rr.call("STRLEN", "big") == 2 * len(mb10)
    assert rr.call("GETRANGE", "big", len(mb10) - 2, len(mb10) + 1) == b"\xfe\xff\x00\x01"
    assert rr.call("SETRANGE", "big", 3 * len(mb10), b"end") == 3 * len(mb10) + 3
    got = rr.call("GET", "big")
    assert len(got) == 3 * len(mb10) + 3
    assert got[:len(mb10)] == mb10 and got[2 * len(mb10):-3] == b"\x00" * len(mb10)
    assert got[-3:] == b"end"
    assert rr.call("SETRANGE", "fresh", 10 * 1024 * 1024, b"x") == 10 * 1024 * 1024 + 1
    assert rr.call("GETRANGE", "fresh", -2, -1) == b"\x00x"
    assert rr.call("GETDEL", "fresh")[-1:] == b"x"
    assert rr.call("SET", "big", "small") == b"OK"
    assert rr.call("GET", "big") == b"small"


def test_pipeline_mix(rr):
    commands = [
        ("SET", "a", "1"), ("INCR", "a"), ("INCRBY", "a", 10), ("GET", "a"),
        ("APPEND", "s", "foo"), ("APPEND", "s", "bar"), ("STRLEN", "s"), ("GETRANGE", "s", 1, 3),
        ("SETRANGE", "s", 0, "B"), ("MSET", "x", "1", "y", "2"), ("MGET", "x", "y", "nope"),
        ("SETNX", "x", "9"), ("GETSET", "x", "3"), ("GETDEL", "y"), ("GET", "y"),
        ("INCRBYFLOAT", "f", "2.5"), ("SET", "k", "v", "NX", "GET"), ("SET", "a", "z", "XX", "GET"),
        ("INCR", "s"), ("SET", "a", "v", "NX", "XX"), ("LCS", "s", "x"), ("DECR", "x"),
        ("GETEX", "s", "PERSIST"), ("SETEX", "e", 100, "ev"), ("GET", "e"), ("MSETNX", "x", "1"),
    ]
    replies = rr.pipeline(commands)
    expected = [
        b"OK", 2, 12, b"12",
        3, 6, 6, b"oob",
        6, b"OK", [b"1", b"2", None],
        0, b"1", b"2", None,
        b"2.5", None, b"12",
        RespError(ERR_INT), RespError(ERR_SYNTAX), b"", 2,
        b"Boobar", b"OK", b"ev", 0,
    ]
    assert replies == expected


def test_many_keys_roundtrip(rr):
    n = 2000
    replies = rr.pipeline([("SET", "key:%d" % i, "value:%d" % i) for i in range(n)])
    assert replies == [b"OK"] * n
    assert rr.call("MGET", *["key:%d" % i for i in range(n)]) == [b"value:%d" % i for i in range(n)]
    assert rr.pipeline([("INCRBY", "ctr:%d" % (i % 10), i) for i in range(n)])[-1] == \
        sum(range(9, n, 10))
    args = []
    for i in range(n):
        args += ["m:%d" % i, i]
    assert rr.call("MSET", *args) == b"OK"
    assert rr.call("MGET", "m:0", "m:1999") == [b"0", b"1999"]


# ------------------------------------------------------------------ limits

def test_proto_max_bulk_len_limits_strings(start_server):
    srv = start_server(directives={"proto-max-bulk-len": "1mb"})
    with srv.resp(protocol=2) as c:
        limit = 1024 * 1024
        assert c.call("SET", "k", b"a" * (limit - 10)) == b"OK"
        assert error_of(c, "APPEND", "k", b"b" * 11) == ERR_MAXSIZE
        assert c.call("APPEND", "k", b"b" * 10) == limit
        assert error_of(c, "APPEND", "k", b"c") == ERR_MAXSIZE
        assert c.call("STRLEN", "k") == limit
        assert error_of(c, "SETRANGE", "r", limit, "a") == ERR_MAXSIZE
        assert c.call("SETRANGE", "r", limit - 1, "a") == limit
        assert error_of(c, "SETRANGE", "r", limit - 1, "ab") == ERR_MAXSIZE
        # LCS needs (len1 + 1) * (len2 + 1) * 4 bytes of table.
        assert c.call("MSET", "l1", "a" * 600, "l2", "a" * 600) == b"OK"
        assert error_of(c, "LCS", "l1", "l2") == \
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
        assert c.call("MSET", "l1", "a" * 400, "l2", "b" * 400) == b"OK"
        assert c.call("LCS", "l1", "l2", "LEN") == 0
        c.call("FLUSHALL")  # see _empty_shared_server_at_end


def test_big_values_are_stored_without_a_copy_and_stay_intact(shared_server, rr):
    # SET takes a big argument over as the stored value; every path that
    # still reads argv afterwards (MONITOR, SLOWLOG, the EX rewrite, SET GET,
    # MSET with a repeated key) must see intact bytes.
    big1 = os.urandom(200 * 1024)
    big2 = os.urandom(300 * 1024)
    with shared_server.raw() as mon:
        mon.send("MONITOR")
        assert mon.read() == b"OK"
        assert rr.call("SET", "bigk", big1) in (b"OK", "OK")
        assert rr.call("SET", "bigk", big2, "EX", 100) in (b"OK", "OK")
        assert rr.call("SET", "bigk", big1, "GET") == big2
        assert rr.call("MSET", "dup", big1, "dup", big2) in (b"OK", "OK")
        for _ in range(4):
            line = mon.read()
            assert isinstance(line, bytes) and len(line) > 200 * 1024
    assert rr.call("GET", "bigk") == big1
    assert rr.call("GET", "dup") == big2
    assert rr.call("STRLEN", "bigk") == len(big1)
