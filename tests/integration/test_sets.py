"""Set commands: SADD SREM SISMEMBER SMISMEMBER SCARD SMEMBERS SPOP SRANDMEMBER
SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN,
with Valkey 8's replies (RESP3 '~' sets where Valkey sends them), errors,
WRONGTYPE, missing keys, and the encoding conversions intset -> listpack ->
hashtable (and intset -> hashtable) by the set-max-* directives, never back
on deletes.

Redis 7.0 (TESSERA_SERVER=/usr/bin/redis-server) has no listpack sets: those
asserts are marked valkey_only."""

import os

import pytest

from helpers import RespError, Set, server_binary

REDIS_7_0 = "redis" in os.path.basename(server_binary())
valkey_only = pytest.mark.skipif(REDIS_7_0, reason="Valkey 8 behaviour (redis 7.0 differs)")

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_SYNTAX = "ERR syntax error"
ERR_INT = "ERR value is not an integer or out of range"


def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def enc(client, key):
    return client.call("OBJECT", "ENCODING", key)


def assert_set_reply(client, reply, expected):
    """A '~' reply in RESP3, an array in RESP2, with these members."""
    if client.protocol == 3:
        assert isinstance(reply, Set)
    else:
        assert isinstance(reply, list) and not isinstance(reply, Set)
    assert sorted(reply) == sorted(expected)


def b(*items):
    return [x if isinstance(x, bytes) else str(x).encode() for x in items]


@pytest.fixture
def c2(shared_server):
    """A typed RESP2 client (helpers.RespClient)."""
    client = shared_server.resp(protocol=2)
    yield client
    client.close()


@pytest.fixture
def thresholds(rr):
    """Restores the default set thresholds after a test that changes them."""
    yield rr
    rr.call("CONFIG", "SET", "set-max-intset-entries", "512")
    if not REDIS_7_0:
        rr.call("CONFIG", "SET", "set-max-listpack-entries", "128")
        rr.call("CONFIG", "SET", "set-max-listpack-value", "64")


# ------------------------------------------------------------------ SADD / SREM / reads

def test_sadd_srem_basic(rr):
    assert rr.call("SADD", "s", "a", "b", "a", "c") == 3
    assert rr.call("SADD", "s", "a", "d") == 1
    assert rr.call("SCARD", "s") == 4
    assert_set_reply(rr, rr.call("SMEMBERS", "s"), b("a", "b", "c", "d"))
    assert rr.call("SREM", "s", "a", "x", "a") == 1
    assert rr.call("SREM", "missing", "a") == 0
    assert rr.call("SCARD", "missing") == 0
    assert rr.call("SREM", "s", "b", "c", "d") == 3
    assert rr.call("EXISTS", "s") == 0
    assert rr.call("TYPE", "missing") == b"none"


def test_sismember_smismember(rr):
    rr.call("SADD", "s", "1", "a", "")
    assert rr.call("SISMEMBER", "s", "a") == 1
    assert rr.call("SISMEMBER", "s", "") == 1
    assert rr.call("SISMEMBER", "s", "01") == 0
    assert rr.call("SISMEMBER", "s", "1") == 1
    assert rr.call("SISMEMBER", "missing", "a") == 0
    assert rr.call("SMISMEMBER", "s", "a", "z", "1") == [1, 0, 1]
    assert rr.call("SMISMEMBER", "missing", "a", "b") == [0, 0]


def test_smembers_missing_and_resp3_shape(rr):
    reply = rr.call("SMEMBERS", "missing")
    assert_set_reply(rr, reply, [])
    assert rr.last_raw == (b"~0\r\n" if rr.protocol == 3 else b"*0\r\n")


def test_wrongtype_everywhere(rr):
    rr.call("SET", "str", "x")
    rr.call("SADD", "s", "a")
    for args in [("SADD", "str", "a"), ("SREM", "str", "a"), ("SISMEMBER", "str", "a"),
                 ("SMISMEMBER", "str", "a"), ("SCARD", "str"), ("SMEMBERS", "str"),
                 ("SPOP", "str"), ("SPOP", "str", "2"), ("SRANDMEMBER", "str"),
                 ("SRANDMEMBER", "str", "2"), ("SMOVE", "str", "s", "a"),
                 ("SMOVE", "s", "str", "a"), ("SINTER", "s", "str"),
                 ("SINTER", "missing", "str"), ("SINTERCARD", "2", "s", "str"),
                 ("SINTERSTORE", "d", "s", "str"), ("SUNION", "s", "str"),
                 ("SUNIONSTORE", "d", "s", "str"), ("SDIFF", "s", "str"),
                 ("SDIFF", "missing", "str"), ("SDIFFSTORE", "d", "s", "str"),
                 ("SSCAN", "str", "0")]:
        assert error_of(rr, *args) == WRONGTYPE, args
    assert rr.call("EXISTS", "d") == 0
    assert rr.call("SMEMBERS", "s") == [b"a"]


def test_smove_missing_source_before_wrongtype_destination(rr):
    rr.call("SET", "str", "x")
    assert rr.call("SMOVE", "missing", "str", "a") == 0


def test_arity_errors(rr):
    for args in [("SADD", "s"), ("SREM", "s"), ("SCARD",), ("SISMEMBER", "s"),
                 ("SMISMEMBER", "s"), ("SMOVE", "a", "b"), ("SINTER",), ("SSCAN", "s")]:
        assert error_of(rr, *args).startswith("ERR wrong number of arguments"), args


# ------------------------------------------------------------------ encodings

def test_intset_to_listpack_to_hashtable(thresholds):
    r = thresholds
    r.call("SADD", "s", *range(10))
    assert enc(r, "s") == b"intset"
    r.call("SADD", "s", "a")
    if not REDIS_7_0:
        assert enc(r, "s") == b"listpack"
    r.call("SADD", "s", *["m%d" % i for i in range(200)])
    assert enc(r, "s") == b"hashtable"
    assert r.call("SCARD", "s") == 211
    r.call("SREM", "s", *["m%d" % i for i in range(200)], "a")
    assert enc(r, "s") == b"hashtable"  # never back on deletes
    assert r.call("SCARD", "s") == 10


def test_intset_too_many_goes_to_hashtable(thresholds):
    r = thresholds
    r.call("CONFIG", "SET", "set-max-intset-entries", "5")
    r.call("SADD", "s", 1, 2, 3, 4, 5)
    assert enc(r, "s") == b"intset"
    r.call("SADD", "s", 6)
    assert enc(r, "s") == b"hashtable"
    r.call("SREM", "s", 1, 2, 3, 4, 5)
    assert enc(r, "s") == b"hashtable"
    # A new key with more integers than an intset may hold starts as a
    # listpack (Valkey picks by the size hint; redis 7.0 converts to hashtable).
    r.call("SADD", "t", *range(6))
    assert enc(r, "t") == (b"hashtable" if REDIS_7_0 else b"listpack")
    r.call("SADD", "u", *range(200))
    assert enc(r, "u") == b"hashtable"


@valkey_only
def test_listpack_thresholds(thresholds):
    r = thresholds
    r.call("CONFIG", "SET", "set-max-listpack-entries", "4")
    r.call("CONFIG", "SET", "set-max-listpack-value", "8")
    r.call("SADD", "s", "a", "b", "c", "d")
    assert enc(r, "s") == b"listpack"
    r.call("SADD", "s", "e")
    assert enc(r, "s") == b"hashtable"
    r.call("SADD", "v", "short")
    assert enc(r, "v") == b"listpack"
    r.call("SADD", "v", "x" * 9)
    assert enc(r, "v") == b"hashtable"
    # A wide integer in an intset counts against set-max-listpack-value.
    r.call("SADD", "w", "123456789")
    assert enc(r, "w") == b"intset"
    r.call("SADD", "w", "a")
    assert enc(r, "w") == b"hashtable"
    r.call("SADD", "w2", "12345678")
    r.call("SADD", "w2", "a")
    assert enc(r, "w2") == b"listpack"
    # Non-canonical integers are strings.
    r.call("SADD", "n", "01")
    assert enc(r, "n") == b"listpack"
    assert r.call("SISMEMBER", "n", "1") == 0


@valkey_only
def test_config_set_applies_to_next_write(thresholds):
    r = thresholds
    r.call("SADD", "s", "a", "b", "c")
    assert enc(r, "s") == b"listpack"
    r.call("CONFIG", "SET", "set-max-listpack-entries", "2")
    assert enc(r, "s") == b"listpack"
    r.call("SADD", "s", "d")
    assert enc(r, "s") == b"hashtable"


@valkey_only
def test_big_member_embedded_and_pointer_listpacks(c2):
    # Tiny listpacks live inside the keyspace entry, bigger ones apart.
    c2.call("SADD", "s", "a")
    for i in range(60):
        c2.call("SADD", "s", "member-%02d" % i)
        assert c2.call("SISMEMBER", "s", "member-%02d" % i) == 1
    assert enc(c2, "s") == b"listpack"
    assert c2.call("SCARD", "s") == 61
    for i in range(60):
        assert c2.call("SREM", "s", "member-%02d" % i) == 1
    assert c2.call("SMEMBERS", "s") == [b"a"]


# ------------------------------------------------------------------ SPOP

def test_spop_single(rr):
    rr.call("SADD", "s", "a", "b", "c")
    got = {rr.call("SPOP", "s") for _ in range(3)}
    assert got == {b"a", b"b", b"c"}
    assert rr.call("EXISTS", "s") == 0
    assert rr.call("SPOP", "s") is None


def test_spop_count(rr):
    rr.call("SADD", "s", *range(20))
    reply = rr.call("SPOP", "s", 5)
    if rr.protocol == 3:
        assert isinstance(reply, Set)
    assert len(set(reply)) == 5
    assert rr.call("SCARD", "s") == 15
    for m in reply:
        assert rr.call("SISMEMBER", "s", m) == 0
    # Near the whole set: the "keep the remaining" strategy.
    reply2 = rr.call("SPOP", "s", 14)
    assert len(set(reply2)) == 14
    assert rr.call("SCARD", "s") == 1
    last = rr.call("SMEMBERS", "s")
    assert set(reply) | set(reply2) | set(last) == set(b(*range(20)))
    assert_set_reply(rr, rr.call("SPOP", "s", 10), last)
    assert rr.call("EXISTS", "s") == 0
    assert_set_reply(rr, rr.call("SPOP", "s", 3), [])
    rr.call("SADD", "s", "a")
    assert_set_reply(rr, rr.call("SPOP", "s", 0), [])
    assert rr.call("SCARD", "s") == 1


def test_spop_count_hashtable_and_strings(rr):
    members = ["m%d" % i for i in range(300)]
    rr.call("SADD", "s", *members)
    popped = rr.call("SPOP", "s", 280)
    assert len(set(popped)) == 280
    rest = rr.call("SMEMBERS", "s")
    assert set(popped) | set(rest) == set(b(*members))
    assert len(rest) == 20


def test_spop_errors(rr):
    rr.call("SADD", "s", "a")
    assert error_of(rr, "SPOP", "s", "-1") == "ERR value is out of range, must be positive"
    assert error_of(rr, "SPOP", "s", "x") == "ERR value is out of range, must be positive"
    assert error_of(rr, "SPOP", "s", "1", "2") == ERR_SYNTAX
    assert error_of(rr, "SPOP", "missing", "-1") == "ERR value is out of range, must be positive"


# ------------------------------------------------------------------ SRANDMEMBER

def test_srandmember(rr):
    assert rr.call("SRANDMEMBER", "missing") is None
    assert rr.call("SRANDMEMBER", "missing", 3) == []
    rr.call("SADD", "s", *range(10))
    assert rr.call("SRANDMEMBER", "s") in b(*range(10))
    assert rr.call("SRANDMEMBER", "s", 0) == []
    reply = rr.call("SRANDMEMBER", "s", 20)
    assert sorted(reply) == sorted(b(*range(10)))
    assert not isinstance(reply, Set)  # an array even in RESP3
    for count in (1, 3, 5, 9):
        reply = rr.call("SRANDMEMBER", "s", count)
        assert len(reply) == count and len(set(reply)) == count
        assert set(reply) <= set(b(*range(10)))
    reply = rr.call("SRANDMEMBER", "s", -30)
    assert len(reply) == 30 and set(reply) <= set(b(*range(10)))
    assert rr.call("SCARD", "s") == 10


def test_srandmember_distribution_hashtable(c2):
    c2.call("SADD", "s", *["m%d" % i for i in range(200)])
    seen = set()
    for _ in range(20):
        reply = c2.call("SRANDMEMBER", "s", 10)
        assert len(set(reply)) == 10
        seen.update(reply)
    assert len(seen) > 100
    assert len(set(c2.call("SRANDMEMBER", "s", 150))) == 150
    assert len(c2.call("SRANDMEMBER", "s", -500)) == 500


def test_srandmember_errors(rr):
    rr.call("SADD", "s", "a")
    assert error_of(rr, "SRANDMEMBER", "s", "x") == ERR_INT
    assert error_of(rr, "SRANDMEMBER", "s", "1", "2") == ERR_SYNTAX
    assert error_of(rr, "SRANDMEMBER", "s", "-9223372036854775808").startswith(
        "ERR value is out of range")


# ------------------------------------------------------------------ SMOVE

def test_smove(rr):
    rr.call("SADD", "src", "a", "b")
    rr.call("SADD", "dst", "c")
    assert rr.call("SMOVE", "src", "dst", "a") == 1
    assert sorted(rr.call("SMEMBERS", "dst")) == [b"a", b"c"]
    assert rr.call("SMOVE", "src", "dst", "zz") == 0
    assert rr.call("SMOVE", "src", "new", "b") == 1
    assert rr.call("EXISTS", "src") == 0
    assert rr.call("SMEMBERS", "new") == [b"b"]
    rr.call("SADD", "dst", "b")
    rr.call("SADD", "src", "b")
    assert rr.call("SMOVE", "src", "dst", "b") == 1  # already in dst
    assert rr.call("EXISTS", "src") == 0
    assert rr.call("SMOVE", "dst", "dst", "a") == 1
    assert rr.call("SMOVE", "dst", "dst", "zz") == 0
    assert sorted(rr.call("SMEMBERS", "dst")) == [b"a", b"b", b"c"]


def test_smove_integer_into_intset(c2):
    c2.call("SADD", "src", "1", "x")
    c2.call("SADD", "dst", "2")
    assert c2.call("SMOVE", "src", "dst", "1") == 1
    assert enc(c2, "dst") == b"intset"
    assert c2.call("SMOVE", "src", "dst2", "x") == 1
    assert c2.call("SMEMBERS", "dst2") == [b"x"]


# ------------------------------------------------------------------ algebra

def test_sinter(rr):
    rr.call("SADD", "a", 1, 2, 3, "x", "y")
    rr.call("SADD", "b", 2, 3, "y", "z")
    rr.call("SADD", "c", 3, "y", "q")
    assert_set_reply(rr, rr.call("SINTER", "a", "b"), b(2, 3, "y"))
    assert_set_reply(rr, rr.call("SINTER", "a", "b", "c"), b(3, "y"))
    assert_set_reply(rr, rr.call("SINTER", "a"), b(1, 2, 3, "x", "y"))
    assert_set_reply(rr, rr.call("SINTER", "a", "a"), b(1, 2, 3, "x", "y"))
    assert_set_reply(rr, rr.call("SINTER", "a", "missing"), [])
    assert_set_reply(rr, rr.call("SINTER", "missing"), [])


def test_sintercard(rr):
    rr.call("SADD", "a", *range(10))
    rr.call("SADD", "b", *range(5, 20))
    assert rr.call("SINTERCARD", 2, "a", "b") == 5
    assert rr.call("SINTERCARD", 2, "a", "b", "LIMIT", 3) == 3
    assert rr.call("SINTERCARD", 2, "a", "b", "limit", 0) == 5
    assert rr.call("SINTERCARD", 2, "a", "b", "LIMIT", 10) == 5
    assert rr.call("SINTERCARD", 1, "a") == 10
    assert rr.call("SINTERCARD", 2, "a", "missing") == 0
    assert error_of(rr, "SINTERCARD", 0, "a") == "ERR numkeys should be greater than 0"
    assert error_of(rr, "SINTERCARD", "x", "a") == "ERR numkeys should be greater than 0"
    assert error_of(rr, "SINTERCARD", 3, "a", "b") == \
        "ERR Number of keys can't be greater than number of args"
    assert error_of(rr, "SINTERCARD", 2, "a", "b", "LIMIT", -1) == "ERR LIMIT can't be negative"
    assert error_of(rr, "SINTERCARD", 2, "a", "b", "LIMIT") == ERR_SYNTAX
    assert error_of(rr, "SINTERCARD", 1, "a", "b") == ERR_SYNTAX


def test_sinterstore(rr):
    rr.call("SADD", "a", 1, 2, 3, "x")
    rr.call("SADD", "b", 2, 3, "x")
    assert rr.call("SINTERSTORE", "d", "a", "b") == 3
    assert sorted(rr.call("SMEMBERS", "d")) == sorted(b(2, 3, "x"))
    rr.call("SET", "d2", "string")
    rr.call("PEXPIRE", "d", 100000)
    assert rr.call("SINTERSTORE", "d", "a", "b") == 3
    assert rr.call("TTL", "d") == -1  # the destination is replaced, TTL gone
    assert rr.call("SINTERSTORE", "d2", "a", "b") == 3  # overwrites any type
    assert rr.call("TYPE", "d2") == b"set"
    assert rr.call("SINTERSTORE", "d", "a", "missing") == 0
    assert rr.call("EXISTS", "d") == 0
    rr.call("SADD", "c", "zz")
    assert rr.call("SINTERSTORE", "d2", "a", "c") == 0
    assert rr.call("EXISTS", "d2") == 0
    assert rr.call("SINTERSTORE", "a", "a", "b") == 3  # destination is a source
    assert sorted(rr.call("SMEMBERS", "a")) == sorted(b(2, 3, "x"))


def test_store_result_encodings(thresholds):
    r = thresholds
    r.call("SADD", "i1", *range(10))
    r.call("SADD", "i2", *range(5, 15))
    r.call("SADD", "h", *range(300), "str")  # hashtable with integer members
    assert enc(r, "h") == b"hashtable"
    assert r.call("SINTERSTORE", "d", "i1", "i2") == 5
    assert enc(r, "d") == b"intset"
    assert r.call("SINTERSTORE", "d", "h", "i1") == 10  # all integers: intset
    assert enc(r, "d") == b"intset"
    assert r.call("SUNIONSTORE", "d", "i1", "i2") == 15
    assert enc(r, "d") == b"intset"
    assert r.call("SDIFFSTORE", "d", "h", "i1") == 291
    assert enc(r, "d") == b"hashtable"
    assert r.call("SDIFFSTORE", "d", "i2", "i1") == 5
    assert enc(r, "d") == b"intset"
    r.call("SADD", "l", "a", "b", 7)
    assert r.call("SUNIONSTORE", "d", "l", "i1") == 12
    if not REDIS_7_0:
        assert enc(r, "l") == b"listpack"
        assert enc(r, "d") == b"listpack"
        assert r.call("SINTERSTORE", "d", "l", "h") == 1
        assert enc(r, "d") == b"intset"
        assert r.call("SINTERSTORE", "d", "l", "l") == 3
        assert enc(r, "d") == b"listpack"


def test_sunion_sdiff(rr):
    rr.call("SADD", "a", 1, 2, 3, "x")
    rr.call("SADD", "b", 3, 4, "x", "y")
    assert_set_reply(rr, rr.call("SUNION", "a", "b"), b(1, 2, 3, 4, "x", "y"))
    assert_set_reply(rr, rr.call("SUNION", "a", "missing"), b(1, 2, 3, "x"))
    assert_set_reply(rr, rr.call("SUNION", "missing"), [])
    assert_set_reply(rr, rr.call("SDIFF", "a", "b"), b(1, 2))
    assert_set_reply(rr, rr.call("SDIFF", "b", "a"), b(4, "y"))
    assert_set_reply(rr, rr.call("SDIFF", "a", "missing"), b(1, 2, 3, "x"))
    assert_set_reply(rr, rr.call("SDIFF", "missing", "a"), [])
    assert_set_reply(rr, rr.call("SDIFF", "a", "a"), [])
    assert_set_reply(rr, rr.call("SDIFF", "a", "b", "a"), [])
    assert_set_reply(rr, rr.call("SDIFF", "a"), b(1, 2, 3, "x"))


def test_sdiff_both_algorithms(c2):
    # A small first set against big others (probing) and a big first set
    # against small others (copy and remove) give the same difference.
    c2.call("SADD", "big", *range(1000))
    c2.call("SADD", "small", 5, 10, 2000, "q")
    assert sorted(c2.call("SDIFF", "small", "big")) == sorted(b(2000, "q"))
    others = ["o%d" % i for i in range(5)]
    for i, key in enumerate(others):
        c2.call("SADD", key, *range(i * 100, i * 100 + 50))
    diff = set(c2.call("SDIFF", "big", *others))
    expected = set(b(*range(1000))) - {str(x).encode() for i in range(5)
                                       for x in range(i * 100, i * 100 + 50)}
    assert diff == expected


def test_sunionstore_sdiffstore(rr):
    rr.call("SADD", "a", 1, 2, "x")
    rr.call("SADD", "b", 2, 3)
    assert rr.call("SUNIONSTORE", "u", "a", "b") == 4
    assert sorted(rr.call("SMEMBERS", "u")) == sorted(b(1, 2, 3, "x"))
    assert rr.call("SDIFFSTORE", "d", "a", "b") == 2
    assert sorted(rr.call("SMEMBERS", "d")) == sorted(b(1, "x"))
    assert rr.call("SDIFFSTORE", "d", "a", "a") == 0
    assert rr.call("EXISTS", "d") == 0
    assert rr.call("SUNIONSTORE", "u", "missing") == 0
    assert rr.call("EXISTS", "u") == 0
    assert rr.call("SUNIONSTORE", "a", "a", "b") == 4


# ------------------------------------------------------------------ SSCAN

def test_sscan_compact_returns_all(rr):
    rr.call("SADD", "s", *range(20))
    cursor, items = rr.call("SSCAN", "s", "0")
    assert cursor == b"0" and sorted(items) == sorted(b(*range(20)))
    cursor, items = rr.call("SSCAN", "s", "0", "MATCH", "1*")
    assert sorted(items) == sorted(b(1, *range(10, 20)))
    assert rr.call("SSCAN", "missing", "0") == [b"0", []]
    rr.call("SADD", "t", "apple", "banana", "avocado")
    cursor, items = rr.call("SSCAN", "t", "0", "MATCH", "a*", "COUNT", "1")
    if not REDIS_7_0:  # a listpack set is returned whole
        assert cursor == b"0" and sorted(items) == [b"apple", b"avocado"]


def test_sscan_hashtable_full_iteration(c2):
    members = set(b(*["m%d" % i for i in range(1000)]))
    c2.call("SADD", "s", *members)
    seen, cursor, calls = set(), b"0", 0
    while True:
        cursor, items = c2.call("SSCAN", "s", cursor, "COUNT", "50")
        seen.update(items)
        calls += 1
        if cursor == b"0":
            break
    assert seen == members and calls > 5
    seen, cursor = set(), b"0"
    while True:
        cursor, items = c2.call("SSCAN", "s", cursor, "MATCH", "m1*")
        seen.update(items)
        if cursor == b"0":
            break
    assert seen == {m for m in members if m.startswith(b"m1")}


def test_sscan_errors(rr):
    rr.call("SADD", "s", "a")
    assert error_of(rr, "SSCAN", "s", "x") == "ERR invalid cursor"
    if not REDIS_7_0:  # redis 7.0 parses cursors with strtoul
        assert error_of(rr, "SSCAN", "s", "-1") == "ERR invalid cursor"
    assert error_of(rr, "SSCAN", "s", "0", "COUNT", "0") == ERR_SYNTAX
    assert error_of(rr, "SSCAN", "s", "0", "COUNT", "x") == ERR_INT
    assert error_of(rr, "SSCAN", "s", "0", "MATCH") == ERR_SYNTAX
    assert error_of(rr, "SSCAN", "s", "0", "TYPE", "set") == ERR_SYNTAX
    assert error_of(rr, "SSCAN", "s", "0", "FOO", "bar") == ERR_SYNTAX


# ------------------------------------------------------------------ other modules

def test_copy_and_debug_digest_of_sets(c2):
    c2.call("SADD", "i", 1, 2, 3)
    c2.call("SADD", "l", "a", "b")
    c2.call("SADD", "h", *["m%d" % i for i in range(200)])
    for key in ("i", "l", "h"):
        assert c2.call("COPY", key, key + "2") == 1
        assert sorted(c2.call("SMEMBERS", key + "2")) == sorted(c2.call("SMEMBERS", key))
        assert enc(c2, key + "2") == enc(c2, key)
        c2.call("SADD", key + "2", "extra")
        assert c2.call("SISMEMBER", key, "extra") == 0


def test_memory_usage_grows(c2):
    c2.call("SADD", "s", *["m%d" % i for i in range(200)])
    small = c2.call("MEMORY", "USAGE", "s")
    c2.call("SADD", "s", *["member-number-%d" % i for i in range(2000)])
    assert c2.call("MEMORY", "USAGE", "s") > small


def test_multi_key_with_expired_source(c2):
    c2.call("SADD", "a", 1, 2)
    c2.call("SADD", "b", 2, 3)
    c2.call("PEXPIRE", "b", 1)
    import time
    time.sleep(0.02)
    assert c2.call("SINTER", "a", "b") == []
    assert sorted(c2.call("SUNION", "a", "b")) == [b"1", b"2"]


def test_redis_py_client(r):
    assert r.sadd("s", "a", "b", 1) == 3
    assert r.smembers("s") == {b"a", b"b", b"1"}
    assert r.sismember("s", "a")
    assert r.smove("s", "t", "a")
    assert r.sinterstore("d", ["s", "t"]) == 0
    assert r.sunion(["s", "t"]) == {b"a", b"b", b"1"}


# ------------------------------------------------------------------ keyspace events

@pytest.fixture
def events_of(rr, shared_server):
    """Runs commands with notify-keyspace-events Esg and returns the
    (event, key) pairs they published, in order."""
    sub = shared_server.resp(protocol=rr.protocol)
    sub.send("PSUBSCRIBE", "__keyevent@0__:*")
    sub.read()
    rr.call("CONFIG", "SET", "notify-keyspace-events", "Esg$")

    def run(*commands):
        for cmd in commands:
            rr.call(*cmd, raise_errors=False)
        rr.call("SET", "__marker__", "1")
        got = []
        while True:
            msg = sub.read(timeout=5.0)
            event = msg[2].split(b":", 1)[1]
            if event == b"set" and msg[3] == b"__marker__":
                return got
            got.append((event.decode(), msg[3].decode()))

    yield run
    sub.close()
    rr.call("CONFIG", "SET", "notify-keyspace-events", "")


def test_set_keyspace_events(rr, events_of):
    assert events_of(("SADD", "s", "a", "b"), ("SADD", "s", "a")) == [("sadd", "s")]
    assert events_of(("SREM", "s", "x"), ("SREM", "s", "a")) == [("srem", "s")]
    assert events_of(("SREM", "s", "b")) == [("srem", "s"), ("del", "s")]
    events_of(("SADD", "s", "a", "b", "c"))
    assert events_of(("SPOP", "s")) == [("spop", "s")]
    assert events_of(("SPOP", "s", 1)) == [("spop", "s")]
    assert events_of(("SPOP", "s", 5)) == [("spop", "s"), ("del", "s")]
    events_of(("SADD", "src", "a"))
    events_of(("SADD", "dst", "a"))
    assert events_of(("SMOVE", "src", "dst", "a")) == [("srem", "src"), ("del", "src")]
    events_of(("SADD", "src", "b", "c"))
    assert events_of(("SMOVE", "src", "dst", "b")) == [("srem", "src"), ("sadd", "dst")]
    assert events_of(("SINTERSTORE", "i", "src", "dst")) == []
    assert events_of(("SUNIONSTORE", "u", "src", "dst")) == [("sunionstore", "u")]
    assert events_of(("SDIFFSTORE", "d", "src", "dst")) == [("sdiffstore", "d")]
    assert events_of(("SINTERSTORE", "u", "src", "dst")) == [("del", "u")]
    assert events_of(("SDIFFSTORE", "d", "dst", "dst")) == [("del", "d")]
    events_of(("SADD", "dst", "c"))
    assert events_of(("SINTERSTORE", "i", "src", "dst")) == [("sinterstore", "i")]
