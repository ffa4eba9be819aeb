"""Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS
HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, with Valkey 8's replies
(RESP3 maps for HGETALL, [field, value] pairs for HRANDFIELD WITHVALUES),
errors, WRONGTYPE, missing keys, and the listpack -> hashtable conversion by
hash-max-listpack-entries / hash-max-listpack-value (never back on deletes).

Runs against redis-server 7.0 too (TESSERA_SERVER=/usr/bin/redis-server);
the few Valkey 8 differences are marked valkey_only, tessera's own memory
layout tessera_only."""

import os
import time

import pytest

from helpers import Map, RespError, server_binary

REDIS_7_0 = "redis" in os.path.basename(server_binary())
valkey_only = pytest.mark.skipif(REDIS_7_0, reason="Valkey 8 behaviour (redis 7.0 differs)")
tessera_only = pytest.mark.skipif(REDIS_7_0, reason="tessera's memory layout")

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_SYNTAX = "ERR syntax error"
ERR_INT = "ERR value is not an integer or out of range"
ERR_FLOAT = "ERR value is not a valid float"


def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def enc(client, key):
    return client.call("OBJECT", "ENCODING", key)


def b(*items):
    return [x if isinstance(x, bytes) else str(x).encode() for x in items]


def pairs(flat):
    return dict(zip(flat[0::2], flat[1::2]))


def as_dict(client, reply):
    """HGETALL's reply: a map in RESP3, a flat array in RESP2."""
    if client.protocol == 3:
        assert isinstance(reply, Map)
        return dict(reply)
    assert isinstance(reply, list)
    return pairs(reply)


@pytest.fixture
def c2(shared_server):
    client = shared_server.resp(protocol=2)
    yield client
    client.close()


@pytest.fixture
def thresholds(rr):
    """Restores the default hash thresholds after a test that changes them."""
    yield rr
    rr.call("CONFIG", "SET", "hash-max-listpack-entries", "512")
    rr.call("CONFIG", "SET", "hash-max-listpack-value", "64")


def make_table(client, key, n=200, prefix="f"):
    """A hash of n fields stored as a hashtable (n > 128 entries limit set)."""
    client.call("CONFIG", "SET", "hash-max-listpack-entries", "128")
    args = []
    for i in range(n):
        args += ["%s%d" % (prefix, i), "v%d" % i]
    client.call("HSET", key, *args)
    assert enc(client, key) == b"hashtable"


# ------------------------------------------------------------------ writes and reads by field

def test_hset_hget_basic(rr):
    assert rr.call("HSET", "h", "a", "1", "b", "2") == 2
    assert rr.call("HSET", "h", "a", "x", "c", "3") == 1  # one new, one updated
    assert rr.call("HGET", "h", "a") == b"x"
    assert rr.call("HGET", "h", "c") == b"3"
    assert rr.call("HGET", "h", "nope") is None
    assert rr.call("HGET", "missing", "a") is None
    assert rr.call("HLEN", "h") == 3
    assert rr.call("HLEN", "missing") == 0
    assert rr.call("TYPE", "h") == b"hash"
    assert rr.call("HSET", "h", "a", "1", "a", "2") == 0  # same field twice: last wins
    assert rr.call("HGET", "h", "a") == b"2"


def test_hset_empty_and_binary(rr):
    assert rr.call("HSET", "h", "", "") == 1
    assert rr.call("HGET", "h", "") == b""
    blob = bytes(range(256))
    assert rr.call("HSET", "h", blob, blob) == 1
    assert rr.call("HGET", "h", blob) == blob
    assert rr.call("HSTRLEN", "h", blob) == 256


def test_hset_odd_arguments(rr):
    assert error_of(rr, "HSET", "h", "a", "1", "b") == \
        "ERR wrong number of arguments for 'hset' command"
    assert error_of(rr, "HMSET", "h", "a", "1", "b") == \
        "ERR wrong number of arguments for 'hmset' command"
    assert error_of(rr, "HSET", "h", "a") == "ERR wrong number of arguments for 'hset' command"
    assert rr.call("EXISTS", "h") == 0


def test_hmset_hmget(rr):
    assert rr.call("HMSET", "h", "a", "1", "b", "2") == b"OK"
    assert rr.call("HMGET", "h", "a", "nope", "b") == [b"1", None, b"2"]
    assert rr.call("HMGET", "missing", "a", "b") == [None, None]


def test_hsetnx(rr):
    assert rr.call("HSETNX", "h", "a", "1") == 1
    assert rr.call("HSETNX", "h", "a", "2") == 0
    assert rr.call("HGET", "h", "a") == b"1"
    assert rr.call("HSETNX", "h", "b", "2") == 1
    assert rr.call("HLEN", "h") == 2


def test_hstrlen_hexists(rr):
    rr.call("HSET", "h", "s", "hello", "n", "-12345", "big", "9" * 30, "e", "")
    assert rr.call("HSTRLEN", "h", "s") == 5
    assert rr.call("HSTRLEN", "h", "n") == 6  # an integer in the listpack
    assert rr.call("HSTRLEN", "h", "big") == 30
    assert rr.call("HSTRLEN", "h", "e") == 0
    assert rr.call("HSTRLEN", "h", "nope") == 0
    assert rr.call("HSTRLEN", "missing", "s") == 0
    assert rr.call("HEXISTS", "h", "s") == 1
    assert rr.call("HEXISTS", "h", "nope") == 0
    assert rr.call("HEXISTS", "missing", "s") == 0


def test_integer_like_values_round_trip(rr):
    vals = ["0", "-0", "01", "+1", "9223372036854775807", "-9223372036854775808",
            "9223372036854775808", " 1", "1 ", "12345678901234567890", "-1", "3.0"]
    for i, v in enumerate(vals):
        rr.call("HSET", "h", "f%d" % i, v)
        rr.call("HSET", v, v, v)  # integer-like field names too
    for i, v in enumerate(vals):
        assert rr.call("HGET", "h", "f%d" % i) == v.encode()
        assert rr.call("HGET", v, v) == v.encode()
        assert rr.call("HSTRLEN", "h", "f%d" % i) == len(v)


def test_hdel(rr):
    rr.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert rr.call("HDEL", "h", "a", "nope", "a") == 1
    assert rr.call("HDEL", "h", "nope") == 0
    assert rr.call("HLEN", "h") == 2
    assert rr.call("HDEL", "missing", "a") == 0
    assert rr.call("HDEL", "h", "b", "c", "d") == 2
    assert rr.call("EXISTS", "h") == 0  # emptied hashes are deleted


def test_hdel_empties_hashtable(thresholds):
    rr = thresholds
    make_table(rr, "h", 150)
    fields = ["f%d" % i for i in range(150)]
    assert rr.call("HDEL", "h", *fields, "extra") == 150
    assert rr.call("EXISTS", "h") == 0


# ------------------------------------------------------------------ whole-hash reads

def test_hkeys_hvals_hgetall(rr):
    rr.call("HSET", "h", "a", "1", "b", "22", "c", "333")
    assert sorted(rr.call("HKEYS", "h")) == b("a", "b", "c")
    assert sorted(rr.call("HVALS", "h")) == b("1", "22", "333")
    assert as_dict(rr, rr.call("HGETALL", "h")) == {b"a": b"1", b"b": b"22", b"c": b"333"}
    keys, vals = rr.call("HKEYS", "h"), rr.call("HVALS", "h")
    flat = rr.call("HGETALL", "h")
    if rr.protocol == 2:
        assert flat[0::2] == keys and flat[1::2] == vals  # one order for all three


def test_whole_reads_missing_key(rr):
    assert rr.call("HKEYS", "missing") == []
    assert rr.call("HVALS", "missing") == []
    reply = rr.call("HGETALL", "missing")
    if rr.protocol == 3:
        assert isinstance(reply, Map) and len(reply) == 0
        assert rr.last_raw == b"%0\r\n"
    else:
        assert reply == []


def test_hgetall_hashtable(thresholds):
    rr = thresholds
    make_table(rr, "h", 300)
    got = as_dict(rr, rr.call("HGETALL", "h"))
    assert got == {("f%d" % i).encode(): ("v%d" % i).encode() for i in range(300)}
    assert len(rr.call("HKEYS", "h")) == 300
    assert rr.call("HLEN", "h") == 300


def test_wrongtype_everywhere(rr):
    rr.call("SET", "s", "x")
    cmds = [("HSET", "s", "a", "1"), ("HMSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"),
            ("HGET", "s", "a"), ("HMGET", "s", "a"), ("HDEL", "s", "a"), ("HLEN", "s"),
            ("HSTRLEN", "s", "a"), ("HEXISTS", "s", "a"), ("HKEYS", "s"), ("HVALS", "s"),
            ("HGETALL", "s"), ("HINCRBY", "s", "a", "1"), ("HINCRBYFLOAT", "s", "a", "1"),
            ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2"), ("HRANDFIELD", "s", "-2", "WITHVALUES"),
            ("HSCAN", "s", "0")]
    for cmd in cmds:
        assert error_of(rr, *cmd) == WRONGTYPE, cmd
    assert rr.call("GET", "s") == b"x"
    rr.call("HSET", "h", "a", "1")
    assert error_of(rr, "GET", "h") == WRONGTYPE
    assert error_of(rr, "APPEND", "h", "x") == WRONGTYPE


def test_arity_errors(rr):
    for cmd in [("HGET", "h"), ("HSETNX", "h", "a"), ("HMGET", "h"), ("HDEL", "h"), ("HLEN",),
                ("HSTRLEN", "h"), ("HEXISTS", "h"), ("HKEYS",), ("HGETALL", "h", "x"),
                ("HINCRBY", "h", "a"), ("HINCRBYFLOAT", "h", "a"), ("HRANDFIELD",), ("HSCAN", "h")]:
        assert error_of(rr, *cmd) == \
            "ERR wrong number of arguments for '%s' command" % cmd[0].lower(), cmd


# ------------------------------------------------------------------ HINCRBY / HINCRBYFLOAT

def test_hincrby(rr):
    assert rr.call("HINCRBY", "h", "n", "5") == 5  # creates key and field
    assert rr.call("HINCRBY", "h", "n", "-7") == -2
    assert rr.call("HGET", "h", "n") == b"-2"
    rr.call("HSET", "h", "s", "17")
    assert rr.call("HINCRBY", "h", "s", "1") == 18
    rr.call("HSET", "h", "t", "   17")
    assert error_of(rr, "HINCRBY", "h", "t", "1") == "ERR hash value is not an integer"
    rr.call("HSET", "h", "f", "1.5")
    assert error_of(rr, "HINCRBY", "h", "f", "1") == "ERR hash value is not an integer"
    assert error_of(rr, "HINCRBY", "h", "n", "x") == ERR_INT
    assert error_of(rr, "HINCRBY", "h", "n", "1.0") == ERR_INT
    assert error_of(rr, "HINCRBY", "h", "n", "99999999999999999999") == ERR_INT
    assert rr.call("HGET", "h", "n") == b"-2"


def test_hincrby_overflow(rr):
    rr.call("HSET", "h", "max", "9223372036854775807", "min", "-9223372036854775808")
    msg = "ERR increment or decrement would overflow"
    assert error_of(rr, "HINCRBY", "h", "max", "1") == msg
    assert error_of(rr, "HINCRBY", "h", "min", "-1") == msg
    assert rr.call("HINCRBY", "h", "max", "-1") == 9223372036854775806
    assert rr.call("HINCRBY", "h", "min", "1") == -9223372036854775807
    assert rr.call("HINCRBY", "h", "z", "-9223372036854775808") == -9223372036854775808
    assert rr.call("HGET", "h", "max") == b"9223372036854775806"


def test_hincrby_error_order(rr):
    rr.call("SET", "s", "x")
    assert error_of(rr, "HINCRBY", "s", "a", "x") == ERR_INT  # increment checked first
    assert error_of(rr, "HINCRBYFLOAT", "s", "a", "x") == ERR_FLOAT
    assert error_of(rr, "HINCRBY", "s", "a", "1") == WRONGTYPE


def test_hincrbyfloat(rr):
    assert rr.call("HINCRBYFLOAT", "h", "x", "10.5") == b"10.5"
    assert rr.call("HINCRBYFLOAT", "h", "x", "0.1") == b"10.6"
    assert rr.call("HINCRBYFLOAT", "h", "x", "-10.6") == b"0"
    rr.call("HSET", "h", "i", "5")  # integer in the listpack
    assert rr.call("HINCRBYFLOAT", "h", "i", "1.5e3") == b"1505"
    assert rr.call("HINCRBYFLOAT", "h", "i", "-5") == b"1500"
    assert rr.call("HGET", "h", "i") == b"1500"
    rr.call("HSET", "h", "s", "abc")
    assert error_of(rr, "HINCRBYFLOAT", "h", "s", "1") == "ERR hash value is not a float"
    assert error_of(rr, "HINCRBYFLOAT", "h", "x", "abc") == ERR_FLOAT
    assert error_of(rr, "HINCRBYFLOAT", "h", "x", "") == ERR_FLOAT
    assert rr.call("HINCRBYFLOAT", "h", "y", "3.0e3") == b"3000"
    # long double arithmetic, printed with 17 decimals and trailing zeros cut
    assert rr.call("HINCRBYFLOAT", "h", "y", "1e-3") == b"3000.00099999999999989"


def test_hincrbyfloat_nan_inf(rr):
    assert error_of(rr, "HINCRBYFLOAT", "h", "x", "inf") == "ERR value is NaN or Infinity"
    assert error_of(rr, "HINCRBYFLOAT", "h", "x", "-inf") == "ERR value is NaN or Infinity"
    assert error_of(rr, "HINCRBYFLOAT", "h", "x", "nan") == ERR_FLOAT
    rr.call("HSET", "h", "big", "1e4932")
    assert error_of(rr, "HINCRBYFLOAT", "h", "big", "1e4932") == \
        "ERR increment would produce NaN or Infinity"
    assert rr.call("EXISTS", "h") == 1 and rr.call("HLEN", "h") == 1


def test_hincrbyfloat_long_result_converts(thresholds):
    rr = thresholds
    rr.call("HSET", "h", "x", "1")
    reply = rr.call("HINCRBYFLOAT", "h", "x", "1e200")
    assert len(reply) == 201
    assert enc(rr, "h") == b"hashtable"  # the value is over hash-max-listpack-value
    assert rr.call("HGET", "h", "x") == reply


def test_hincrbyfloat_propagated_as_hset(start_server):
    if REDIS_7_0:
        pytest.skip("reads tessera's AOF layout")
    srv = start_server(directives={"appendonly": "yes", "appendfsync": "always"})
    c = srv.resp(protocol=2)
    c.call("HINCRBYFLOAT", "h", "x", "0.25")
    c.call("HINCRBYFLOAT", "h", "x", "0.5")
    assert c.call("HGET", "h", "x") == b"0.75"
    c.close()
    data = b""
    for root, _, files in os.walk(srv.dir):
        for name in files:
            if ".aof" in name and "manifest" not in name:
                with open(os.path.join(root, name), "rb") as f:
                    data += f.read()
    if not data:
        pytest.skip("no AOF written by this build")
    assert b"HINCRBYFLOAT" not in data.upper()
    assert b"$4\r\n0.75\r\n" in data


# ------------------------------------------------------------------ encodings

def test_listpack_by_default(rr):
    rr.call("HSET", "h", "a", "1")
    assert enc(rr, "h") == b"listpack"


def test_entries_threshold_both_ways(thresholds):
    rr = thresholds
    rr.call("CONFIG", "SET", "hash-max-listpack-entries", "4")
    rr.call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    assert enc(rr, "h") == b"listpack"
    rr.call("HSET", "h", "d", "44")  # update: still 4
    assert enc(rr, "h") == b"listpack"
    rr.call("HSET", "h", "e", "5")
    assert enc(rr, "h") == b"hashtable"
    rr.call("HDEL", "h", "a", "b", "c", "d")
    assert enc(rr, "h") == b"hashtable"  # never back
    assert as_dict(rr, rr.call("HGETALL", "h")) == {b"e": b"5"}
    rr.call("CONFIG", "SET", "hash-max-listpack-entries", "512")
    rr.call("HSET", "h", "z", "1")
    assert enc(rr, "h") == b"hashtable"


def test_value_threshold_field_and_value(thresholds):
    rr = thresholds
    rr.call("CONFIG", "SET", "hash-max-listpack-value", "8")
    rr.call("HSET", "a", "x" * 8, "y" * 8)
    assert enc(rr, "a") == b"listpack"
    rr.call("HSET", "a", "f", "y" * 9)
    assert enc(rr, "a") == b"hashtable"
    rr.call("HSET", "b", "x" * 9, "1")
    assert enc(rr, "b") == b"hashtable"
    rr.call("HSETNX", "c", "k", "y" * 9)
    assert enc(rr, "c") == b"hashtable"
    rr.call("HSET", "d", "k", "1")
    rr.call("HINCRBY", "d", "k" * 9, "1")  # a long field through HINCRBY
    assert enc(rr, "d") == b"hashtable"
    assert rr.call("HGET", "d", "k" * 9) == b"1"


def test_config_set_applies_to_next_write(thresholds):
    rr = thresholds
    rr.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    rr.call("CONFIG", "SET", "hash-max-listpack-entries", "2")
    assert enc(rr, "h") == b"listpack"  # nothing written yet
    assert rr.call("HGET", "h", "c") == b"3"
    rr.call("HSET", "h", "a", "9")
    assert enc(rr, "h") == b"hashtable"
    assert as_dict(rr, rr.call("HGETALL", "h")) == {b"a": b"9", b"b": b"2", b"c": b"3"}


def test_zero_entries_means_hashtable(thresholds):
    rr = thresholds
    rr.call("CONFIG", "SET", "hash-max-listpack-entries", "0")
    rr.call("HSET", "h", "a", "1")
    assert enc(rr, "h") == b"hashtable"


@valkey_only
def test_many_pairs_in_one_command_convert_up_front(thresholds):
    rr = thresholds
    rr.call("CONFIG", "SET", "hash-max-listpack-entries", "3")
    rr.call("HSET", "h", "a", "1", "a", "2", "a", "3", "a", "4")  # 4 pairs > 3, one field
    assert rr.call("HLEN", "h") == 1
    assert enc(rr, "h") == b"hashtable"


def test_large_fields_and_values(thresholds):
    rr = thresholds
    sizes = [0, 1, 31, 32, 255, 256, 1000, 65535, 65536, 100000]
    for n in sizes:
        rr.call("HSET", "h", "f" * n, "v" * n)
    assert enc(rr, "h") == b"hashtable"
    for n in sizes:
        assert rr.call("HSTRLEN", "h", "f" * n) == n
        assert rr.call("HGET", "h", "f" * n) == b"v" * n
    for n in sizes:  # values grow and shrink in place or by replacement
        m = sizes[(sizes.index(n) + 3) % len(sizes)]
        rr.call("HSET", "h", "f" * n, "w" * m)
        assert rr.call("HGET", "h", "f" * n) == b"w" * m
    assert rr.call("HLEN", "h") == len(sizes)


def test_ttl_kept_across_writes(rr):
    rr.call("HSET", "h", "a", "1")
    rr.call("EXPIRE", "h", "100")
    for i in range(40):  # grows out of the embedded listpack
        rr.call("HSET", "h", "f%d" % i, "x" * 20)
    rr.call("HDEL", "h", "f0")
    rr.call("HINCRBY", "h", "n", "1")
    assert 0 < rr.call("TTL", "h") <= 100


def test_expired_hash_is_gone(rr):
    rr.call("HSET", "h", "a", "1")
    rr.call("PEXPIRE", "h", "20")
    time.sleep(0.05)
    assert rr.call("HGET", "h", "a") is None
    assert rr.call("HLEN", "h") == 0
    assert rr.call("HSET", "h", "b", "2") == 1
    assert rr.call("HKEYS", "h") == [b"b"]


@tessera_only
def test_small_hash_embedded_in_keyspace_entry(c2):
    c2.call("HSET", "key:0000001", "f1", "val-1", "f2", "val-2", "f3", "val-3",
            "f4", "val-4", "f5", "val-5")
    c2.call("SET", "key:0000002", "val0000002")
    hash_usage = c2.call("MEMORY", "USAGE", "key:0000001")
    string_usage = c2.call("MEMORY", "USAGE", "key:0000002")
    # one 80-byte entry (key + embedded listpack: 18 + 62 bytes) plus the
    # same table share as a 32-byte string entry (30 bytes asked: sanitizer
    # builds use libc malloc, which reports the size asked for)
    jemalloc = b"jemalloc" in c2.call("INFO", "memory")
    assert hash_usage - string_usage == (80 - 32 if jemalloc else 80 - 30)
    for i in range(6, 30):
        c2.call("HSET", "key:0000001", "f%d" % i, "val-%d" % i)
    assert c2.call("MEMORY", "USAGE", "key:0000001") > hash_usage + 100
    c2.call("HDEL", "key:0000001", *["f%d" % i for i in range(6, 30)])
    # embedded again (in the entry's allocation, which may stay at the 128
    # bytes it grew to: kvWithValue reuses an allocation with room)
    assert c2.call("MEMORY", "USAGE", "key:0000001") <= hash_usage + 128 - 80


def test_memory_usage_hashtable(thresholds):
    rr = thresholds
    make_table(rr, "h", 1000)
    assert rr.call("MEMORY", "USAGE", "h") > 1000 * 16


def test_copy_both_encodings(thresholds):
    rr = thresholds
    rr.call("HSET", "small", "a", "1", "b", "x" * 60)
    make_table(rr, "big", 300)
    for src in ("small", "big"):
        assert rr.call("COPY", src, src + "2") == 1
        assert as_dict(rr, rr.call("HGETALL", src + "2")) == as_dict(rr, rr.call("HGETALL", src))
        assert enc(rr, src + "2") == enc(rr, src)
        rr.call("HSET", src + "2", "a", "changed")
        assert rr.call("HGET", src, "a") != b"changed"


# ------------------------------------------------------------------ HRANDFIELD

def test_hrandfield_single(rr):
    assert rr.call("HRANDFIELD", "missing") is None
    rr.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    seen = {rr.call("HRANDFIELD", "h") for _ in range(100)}
    assert seen == {b"a", b"b", b"c"}


def test_hrandfield_count_shapes(rr):
    rr.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert rr.call("HRANDFIELD", "missing", "3") == []
    assert rr.call("HRANDFIELD", "missing", "-3", "WITHVALUES") == []
    assert rr.call("HRANDFIELD", "h", "0") == []
    assert rr.call("HRANDFIELD", "h", "0", "WITHVALUES") == []
    assert sorted(rr.call("HRANDFIELD", "h", "10")) == b("a", "b", "c")
    two = rr.call("HRANDFIELD", "h", "2")
    assert len(two) == 2 and len(set(two)) == 2
    rep = rr.call("HRANDFIELD", "h", "-10")
    assert len(rep) == 10 and set(rep) <= {b"a", b"b", b"c"}
    wv = rr.call("HRANDFIELD", "h", "2", "withvalues")
    if rr.protocol == 3:
        assert len(wv) == 2 and all(isinstance(p, list) and len(p) == 2 for p in wv)
        got = dict((p[0], p[1]) for p in wv)
    else:
        assert len(wv) == 4
        got = pairs(wv)
    assert len(got) == 2
    for f, v in got.items():
        assert {b"a": b"1", b"b": b"2", b"c": b"3"}[f] == v
    wv = rr.call("HRANDFIELD", "h", "-5", "WITHVALUES")
    assert len(wv) == (5 if rr.protocol == 3 else 10)
    one = rr.call("HRANDFIELD", "h", "1", "WITHVALUES")
    assert len(one) == (1 if rr.protocol == 3 else 2)


def test_hrandfield_errors(rr):
    rr.call("HSET", "h", "a", "1")
    assert error_of(rr, "HRANDFIELD", "h", "x") == ERR_INT
    assert error_of(rr, "HRANDFIELD", "h", "1", "x") == ERR_SYNTAX
    assert error_of(rr, "HRANDFIELD", "h", "1", "WITHVALUES", "x") == ERR_SYNTAX
    assert error_of(rr, "HRANDFIELD", "h", "-9223372036854775808") == \
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    assert error_of(rr, "HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES") == \
        "ERR value is out of range"
    assert error_of(rr, "HRANDFIELD", "h", "4611686018427387904", "WITHVALUES") == \
        "ERR value is out of range"
    assert error_of(rr, "HRANDFIELD", "missing", "x") == ERR_INT  # count parsed before lookup


def test_hrandfield_all_cases_hashtable(thresholds):
    rr = thresholds
    make_table(rr, "h", 300)
    fields = {("f%d" % i).encode() for i in range(300)}
    for count in (5, 50, 150, 299):  # picks, then partial shuffle
        got = rr.call("HRANDFIELD", "h", str(count))
        assert len(got) == count and len(set(got)) == count and set(got) <= fields
    assert set(rr.call("HRANDFIELD", "h", "300")) == fields
    assert set(rr.call("HRANDFIELD", "h", "1000")) == fields
    rep = rr.call("HRANDFIELD", "h", "-1000")
    assert len(rep) == 1000 and set(rep) <= fields and len(set(rep)) > 200
    wv = rr.call("HRANDFIELD", "h", "20", "WITHVALUES")
    got = dict((p[0], p[1]) for p in wv) if rr.protocol == 3 else pairs(wv)
    assert len(got) == 20
    for f, v in got.items():
        assert v == b"v" + f[1:]


def test_hrandfield_negative_count_over_batches(rr):
    rr.call("HSET", "h", "a", "1", "b", "2")
    got = rr.call("HRANDFIELD", "h", "-2500", "WITHVALUES")
    if rr.protocol == 3:
        assert len(got) == 2500 and all(p in ([b"a", b"1"], [b"b", b"2"]) for p in got)
    else:
        assert len(got) == 5000 and set(pairs(got).items()) == {(b"a", b"1"), (b"b", b"2")}
    assert len(rr.call("HRANDFIELD", "h", "-2500")) == 2500


def test_hrandfield_listpack_distribution(c2):
    c2.call("HSET", "h", *sum([["f%d" % i, str(i)] for i in range(10)], []))
    counts = {}
    for f in c2.call("HRANDFIELD", "h", "-5000"):
        counts[f] = counts.get(f, 0) + 1
    assert len(counts) == 10 and min(counts.values()) > 300
    counts = {}
    for _ in range(300):
        got = c2.call("HRANDFIELD", "h", "3")
        assert len(set(got)) == 3
        for f in got:
            counts[f] = counts.get(f, 0) + 1
    assert len(counts) == 10 and min(counts.values()) > 40


# ------------------------------------------------------------------ HSCAN

def test_hscan_listpack_returns_all(rr):
    rr.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    cursor, items = rr.call("HSCAN", "h", "0")
    assert cursor == b"0"
    assert pairs(items) == {b"a": b"1", b"b": b"2", b"c": b"3"}
    cursor, items = rr.call("HSCAN", "h", "0", "COUNT", "1")
    assert cursor == b"0" and len(items) == 6
    cursor, items = rr.call("HSCAN", "h", "0", "MATCH", "[ab]")
    assert pairs(items) == {b"a": b"1", b"b": b"2"}


@valkey_only
def test_hscan_novalues(rr):
    rr.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    cursor, items = rr.call("HSCAN", "h", "0", "NOVALUES")
    assert cursor == b"0" and sorted(items) == b("a", "b", "c")
    cursor, items = rr.call("HSCAN", "h", "0", "NOVALUES", "MATCH", "a", "NOVALUES")
    assert items == [b"a"]


def test_hscan_missing_key(rr):
    assert rr.call("HSCAN", "missing", "0") == [b"0", []]
    assert rr.call("HSCAN", "missing", "0", "BADOPTION") == [b"0", []]


def test_hscan_hashtable_full_iteration(thresholds):
    rr = thresholds
    make_table(rr, "h", 500)
    seen, cursor, calls = {}, b"0", 0
    while True:
        cursor, items = rr.call("HSCAN", "h", cursor, "COUNT", "20")
        seen.update(pairs(items))
        calls += 1
        if cursor == b"0":
            break
    assert calls > 5
    assert seen == {("f%d" % i).encode(): ("v%d" % i).encode() for i in range(500)}
    if REDIS_7_0:
        return  # no NOVALUES
    fields, cursor = set(), b"0"
    while True:
        cursor, items = rr.call("HSCAN", "h", cursor, "MATCH", "f1*", "NOVALUES")
        fields.update(items)
        if cursor == b"0":
            break
    assert fields == {("f%d" % i).encode() for i in range(500) if str(i).startswith("1")}


def test_hscan_integer_fields_match(rr):
    rr.call("HSET", "h", "10", "a", "20", "b", "x1", "c")
    _, items = rr.call("HSCAN", "h", "0", "MATCH", "*0")
    assert pairs(items) == {b"10": b"a", b"20": b"b"}


def test_hscan_errors(rr):
    rr.call("HSET", "h", "a", "1")
    assert error_of(rr, "HSCAN", "h", "x") == "ERR invalid cursor"
    if not REDIS_7_0:  # redis 7.0 reads -1 as 2^64-1
        assert error_of(rr, "HSCAN", "h", "-1") == "ERR invalid cursor"
    assert error_of(rr, "HSCAN", "missing", "x") == "ERR invalid cursor"
    assert error_of(rr, "HSCAN", "h", "0", "COUNT", "0") == ERR_SYNTAX
    assert error_of(rr, "HSCAN", "h", "0", "COUNT", "x") == ERR_INT
    assert error_of(rr, "HSCAN", "h", "0", "COUNT") == ERR_SYNTAX
    assert error_of(rr, "HSCAN", "h", "0", "MATCH") == ERR_SYNTAX
    assert error_of(rr, "HSCAN", "h", "0", "TYPE", "hash") == ERR_SYNTAX
    assert error_of(rr, "HSCAN", "h", "0", "FOO", "1") == ERR_SYNTAX
    rr.call("SET", "s", "x")
    assert error_of(rr, "HSCAN", "s", "0") == WRONGTYPE


def test_hscan_cursor_leading_zeros(rr):
    rr.call("HSET", "h", "a", "1")
    assert rr.call("HSCAN", "h", "00")[0] == b"0"


# ------------------------------------------------------------------ clients

def test_redis_py_client(r):
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2"}
    assert r.hincrby("h", "a", 41) == 42
    assert r.hincrbyfloat("h", "f", 0.5) == 0.5
    assert sorted(r.hkeys("h")) == [b"a", b"b", b"f"]
    assert dict(r.hscan_iter("h")) == {b"a": b"42", b"b": b"2", b"f": b"0.5"}
    assert r.hrandfield("h", 2, withvalues=True)
