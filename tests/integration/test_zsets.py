"""Sorted set commands: ZADD (NX XX GT LT CH INCR) ZINCRBY ZREM ZCARD ZCOUNT
ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK ZRANGE (BYSCORE BYLEX REV LIMIT
WITHSCORES) ZRANGESTORE ZREVRANGE Z[REV]RANGEBYSCORE Z[REV]RANGEBYLEX
ZREMRANGEBY{RANK,SCORE,LEX} ZPOPMIN ZPOPMAX ZMPOP ZUNION ZINTER ZDIFF and their
STORE forms, ZINTERCARD ZRANDMEMBER ZSCAN, with Valkey 8's replies and errors
in RESP2 and RESP3 (`rr` runs a test in both), WRONGTYPE, and the
listpack <-> skiplist encodings at both thresholds.  Blocking pops are in
test_zsets_blocking.py.

Checked against Debian's redis-server 7.0 (TESSERA_SERVER=/usr/bin/redis-server);
Valkey 8 additions (ZRANK WITHSCORE, ZSCAN NOSCORES) are marked valkey_only."""

import os

import pytest

from helpers import RespError, server_binary

REDIS_7_0 = "redis" in os.path.basename(server_binary())
valkey_only = pytest.mark.skipif(REDIS_7_0, reason="Valkey 8 behaviour (redis 7.0 differs)")

ERR_SYNTAX = "ERR syntax error"
ERR_INT = "ERR value is not an integer or out of range"
ERR_FLOAT = "ERR value is not a valid float"
ERR_RANGE = "ERR min or max is not a float"
ERR_LEX = "ERR min or max not valid string range item"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def sc(client, value):
    """A score as the protocol returns it: bulk in RESP2, double in RESP3."""
    if client.protocol == 3:
        return float(value)
    return value.encode() if isinstance(value, str) else value


def pairs(client, flat):
    """[m1, s1, m2, s2] -> the WITHSCORES reply shape of this protocol."""
    out = []
    for i in range(0, len(flat), 2):
        m, s = flat[i], sc(client, flat[i + 1])
        if client.protocol == 3:
            out.append([m, s])
        else:
            out.extend([m, s])
    return out


def enc(client, key):
    return client.call("OBJECT", "ENCODING", key)


@pytest.fixture
def small_thresholds(shared_server):
    """Restore the default thresholds after a test that changes them."""
    yield
    with shared_server.raw() as c:
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
        c.call("CONFIG", "SET", "zset-max-listpack-value", "64")


# --- ZADD / ZINCRBY ---

def test_zadd_basic_and_ch(rr):
    assert rr.call("ZADD", "z", "1", "a", "2", "b") == 2
    assert rr.call("ZADD", "z", "1", "a", "3", "b", "4", "c") == 1
    assert rr.call("ZADD", "z", "CH", "5", "a", "3", "b", "9", "d") == 2
    assert rr.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == pairs(
        rr, [b"b", "3", b"c", "4", b"a", "5", b"d", "9"])
    assert rr.call("ZCARD", "z") == 4
    assert rr.call("ZCARD", "nosuch") == 0


def test_zadd_nx_xx_gt_lt(rr):
    rr.call("ZADD", "z", "5", "a")
    assert rr.call("ZADD", "z", "NX", "1", "a", "1", "b") == 1
    assert rr.call("ZSCORE", "z", "a") == sc(rr, "5")
    assert rr.call("ZADD", "z", "XX", "CH", "2", "a", "1", "new") == 1
    assert rr.call("ZSCORE", "z", "new") is None
    assert rr.call("ZADD", "z", "GT", "CH", "1", "a", "10", "b") == 1
    assert rr.call("ZMSCORE", "z", "a", "b") == [sc(rr, "2"), sc(rr, "10")]
    assert rr.call("ZADD", "z", "LT", "CH", "3", "a", "0", "b", "7", "c") == 2
    assert rr.call("ZMSCORE", "z", "a", "b", "c") == [sc(rr, "2"), sc(rr, "0"), sc(rr, "7")]
    # XX on a missing key creates nothing
    assert rr.call("ZADD", "missing", "XX", "1", "a") == 0
    assert rr.call("EXISTS", "missing") == 0


def test_zadd_incr(rr):
    assert rr.call("ZADD", "z", "INCR", "2.5", "a") == sc(rr, "2.5")
    assert rr.call("ZADD", "z", "INCR", "1", "a") == sc(rr, "3.5")
    assert rr.call("ZADD", "z", "NX", "INCR", "1", "a") is None
    assert rr.call("ZADD", "z", "XX", "INCR", "1", "nosuch") is None
    assert rr.call("ZADD", "z", "GT", "INCR", "-1", "a") is None
    assert rr.call("ZADD", "z", "LT", "INCR", "-1", "a") == sc(rr, "2.5")
    assert rr.call("ZADD", "missing", "XX", "INCR", "1", "a") is None
    assert rr.call("ZINCRBY", "z", "10", "b") == sc(rr, "10")
    assert rr.call("ZINCRBY", "z", "-0.5", "b") == sc(rr, "9.5")
    assert rr.call("ZADD", "z", "INCR", "inf", "a") == sc(rr, "inf")
    assert error_of(rr, "ZADD", "z", "INCR", "-inf", "a") == "ERR resulting score is not a number (NaN)"
    assert error_of(rr, "ZINCRBY", "z", "-inf", "a") == "ERR resulting score is not a number (NaN)"
    assert rr.call("ZSCORE", "z", "a") == sc(rr, "inf")


def test_zadd_errors(rr):
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZADD", "z", "1") == "ERR wrong number of arguments for 'zadd' command"
    assert error_of(rr, "ZADD", "z", "1", "a", "2") == ERR_SYNTAX
    assert error_of(rr, "ZADD", "z", "NX", "1") == ERR_SYNTAX
    assert error_of(rr, "ZADD", "z", "NX", "XX", "1", "a") == \
        "ERR XX and NX options at the same time are not compatible"
    for opts in (("GT", "LT"), ("GT", "NX"), ("LT", "NX")):
        assert error_of(rr, "ZADD", "z", *opts, "1", "a") == \
            "ERR GT, LT, and/or NX options at the same time are not compatible"
    assert error_of(rr, "ZADD", "z", "INCR", "1", "a", "2", "b") == \
        "ERR INCR option supports a single increment-element pair"
    for bad in ("nan", "abc", "1x", "", " 1"):
        assert error_of(rr, "ZADD", "z", bad, "a") == ERR_FLOAT
    assert error_of(rr, "ZINCRBY", "z", "abc", "a") == ERR_FLOAT
    assert error_of(rr, "ZADD", "str", "1", "a") == WRONGTYPE
    assert error_of(rr, "ZINCRBY", "str", "1", "a") == WRONGTYPE
    assert rr.call("EXISTS", "z") == 0


@valkey_only  # redis 7.0 prints RESP2 doubles with %.17g ("0.10000000000000001")
def test_score_formatting(rr):
    rr.call("ZADD", "z", "1.5", "a", "0.1", "b", "1e300", "c", "-3", "d", "inf", "f", "-inf", "g")
    for member, text in (("a", b"1.5"), ("b", b"0.1"), ("c", b"1e+300"), ("d", b"-3"),
                         ("f", b"inf"), ("g", b"-inf")):
        rr.call("ZSCORE", "z", member)
        if rr.protocol == 3:
            assert rr.last_raw == b"," + text + b"\r\n"
        else:
            assert rr.last_raw == b"$%d\r\n%s\r\n" % (len(text), text)


# --- ZREM, ZSCORE, ZMSCORE, ZRANK ---

def test_zrem(rr):
    rr.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert rr.call("ZREM", "z", "a", "x", "a") == 1
    assert rr.call("ZREM", "nosuch", "a") == 0
    assert rr.call("ZREM", "z", "b", "c") == 2
    assert rr.call("EXISTS", "z") == 0
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZREM", "str", "a") == WRONGTYPE


def test_zscore_zmscore(rr):
    rr.call("ZADD", "z", "1", "a")
    assert rr.call("ZSCORE", "z", "a") == sc(rr, "1")
    assert rr.call("ZSCORE", "z", "x") is None
    assert rr.call("ZSCORE", "nosuch", "x") is None
    assert rr.call("ZMSCORE", "z", "a", "x") == [sc(rr, "1"), None]
    assert rr.call("ZMSCORE", "nosuch", "a", "b") == [None, None]
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZSCORE", "str", "a") == WRONGTYPE
    assert error_of(rr, "ZMSCORE", "str", "a") == WRONGTYPE


def test_zrank(rr):
    rr.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert rr.call("ZRANK", "z", "a") == 0
    assert rr.call("ZRANK", "z", "c") == 2
    assert rr.call("ZREVRANK", "z", "c") == 0
    assert rr.call("ZREVRANK", "z", "a") == 2
    assert rr.call("ZRANK", "z", "x") is None
    assert rr.call("ZRANK", "nosuch", "x") is None
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZRANK", "str", "a") == WRONGTYPE


@valkey_only
def test_zrank_withscore(rr):
    assert rr.call("COMMAND", "INFO", "zrank")[0][1] == -3
    rr.call("ZADD", "z", "1", "a", "2.5", "b")
    assert rr.call("ZRANK", "z", "b", "WITHSCORE") == [1, sc(rr, "2.5")]
    assert rr.call("ZREVRANK", "z", "b", "withscore") == [0, sc(rr, "2.5")]
    assert rr.call("ZRANK", "z", "x", "WITHSCORE") is None
    assert rr.last_raw == (b"_\r\n" if rr.protocol == 3 else b"*-1\r\n")
    assert rr.call("ZRANK", "nosuch", "x", "WITHSCORE") is None
    assert error_of(rr, "ZRANK", "z", "a", "foo") == ERR_SYNTAX
    assert error_of(rr, "ZRANK", "z", "a", "WITHSCORE", "x") == \
        "ERR wrong number of arguments for 'zrank' command"


# --- Ranges ---

def load(client, key="z"):
    client.call("ZADD", key, "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")


def test_zrange_by_rank(rr):
    load(rr)
    assert rr.call("ZRANGE", "z", "0", "-1") == [b"a", b"b", b"c", b"d", b"e"]
    assert rr.call("ZRANGE", "z", "-2", "100") == [b"d", b"e"]
    assert rr.call("ZRANGE", "z", "3", "1") == []
    assert rr.call("ZRANGE", "z", "10", "20") == []
    assert rr.call("ZRANGE", "z", "-100", "0") == [b"a"]
    assert rr.call("ZRANGE", "z", "0", "1", "REV", "WITHSCORES") == pairs(rr, [b"e", "5", b"d", "4"])
    assert rr.call("ZREVRANGE", "z", "0", "1") == [b"e", b"d"]
    assert rr.call("ZREVRANGE", "z", "1", "2", "WITHSCORES") == pairs(rr, [b"d", "4", b"c", "3"])
    assert rr.call("ZRANGE", "nosuch", "0", "-1") == []
    assert error_of(rr, "ZRANGE", "z", "a", "1") == ERR_INT
    assert error_of(rr, "ZRANGE", "z", "0", "1", "LIMIT", "0", "1") == \
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    assert error_of(rr, "ZRANGE", "z", "0", "1", "foo") == ERR_SYNTAX
    assert error_of(rr, "ZREVRANGE", "z", "0", "1", "REV") == ERR_SYNTAX


def test_zrange_by_score(rr):
    load(rr)
    assert rr.call("ZRANGEBYSCORE", "z", "2", "4") == [b"b", b"c", b"d"]
    assert rr.call("ZRANGEBYSCORE", "z", "(2", "(4") == [b"c"]
    assert rr.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2") == [b"b", b"c"]
    assert rr.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "-1") == [b"b", b"c", b"d", b"e"]
    assert rr.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2") == []
    assert rr.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "5", "2") == []
    assert rr.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "0") == []
    assert rr.call("ZRANGEBYSCORE", "z", "4", "2") == []
    assert rr.call("ZRANGEBYSCORE", "z", "(3", "3") == []
    assert rr.call("ZRANGEBYSCORE", "z", "2", "3", "WITHSCORES") == pairs(rr, [b"b", "2", b"c", "3"])
    assert rr.call("ZREVRANGEBYSCORE", "z", "4", "2") == [b"d", b"c", b"b"]
    assert rr.call("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "1", "WITHSCORES") == \
        pairs(rr, [b"d", "4"])
    assert rr.call("ZRANGE", "z", "(1", "3", "BYSCORE") == [b"b", b"c"]
    assert rr.call("ZRANGE", "z", "3", "(1", "BYSCORE", "REV") == [b"c", b"b"]
    assert rr.call("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "2") == [b"e", b"d"]
    assert rr.call("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "REV") == []
    assert rr.call("ZRANGEBYSCORE", "z", "", "") == []  # "" parses as 0
    assert rr.call("ZRANGEBYSCORE", "z", "(", "1") == [b"a"]  # "(" alone is (0
    for bad in (("a", "1"), ("1", "(x"), ("nan", "1"), ("1", "((2")):
        assert error_of(rr, "ZRANGEBYSCORE", "z", *bad) == ERR_RANGE
    assert error_of(rr, "ZRANGEBYSCORE", "z", "1", "2", "REV") == ERR_SYNTAX
    assert error_of(rr, "ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "1") == ERR_SYNTAX
    assert error_of(rr, "ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "a", "1") == ERR_INT


def test_zrange_by_lex(rr):
    rr.call("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e")
    assert rr.call("ZRANGEBYLEX", "z", "-", "+") == [b"a", b"b", b"c", b"d", b"e"]
    assert rr.call("ZRANGEBYLEX", "z", "[b", "(d") == [b"b", b"c"]
    assert rr.call("ZRANGEBYLEX", "z", "(b", "[d", "LIMIT", "1", "5") == [b"d"]
    assert rr.call("ZREVRANGEBYLEX", "z", "+", "[c") == [b"e", b"d", b"c"]
    assert rr.call("ZRANGE", "z", "[d", "-", "BYLEX", "REV", "LIMIT", "0", "2") == [b"d", b"c"]
    assert rr.call("ZRANGEBYLEX", "z", "+", "-") == []
    assert rr.call("ZLEXCOUNT", "z", "[b", "+") == 4
    assert rr.call("ZLEXCOUNT", "nosuch", "-", "+") == 0
    for bad in (("a", "+"), ("-", "b"), ("", "+"), ("-+", "+")):
        assert error_of(rr, "ZRANGEBYLEX", "z", *bad) == ERR_LEX
        assert error_of(rr, "ZLEXCOUNT", "z", *bad) == ERR_LEX
    assert error_of(rr, "ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == \
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
    assert error_of(rr, "ZRANGEBYLEX", "z", "-", "+", "WITHSCORES") == \
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX"


def test_zcount(rr):
    load(rr)
    assert rr.call("ZCOUNT", "z", "2", "4") == 3
    assert rr.call("ZCOUNT", "z", "(2", "+inf") == 3
    assert rr.call("ZCOUNT", "z", "-inf", "(1") == 0
    assert rr.call("ZCOUNT", "nosuch", "1", "2") == 0
    assert error_of(rr, "ZCOUNT", "z", "x", "2") == ERR_RANGE
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZCOUNT", "str", "1", "2") == WRONGTYPE


def test_zrangestore(rr):
    load(rr)
    assert rr.call("ZRANGESTORE", "dst", "z", "1", "2") == 2
    assert rr.call("ZRANGE", "dst", "0", "-1", "WITHSCORES") == pairs(rr, [b"b", "2", b"c", "3"])
    assert rr.call("ZRANGESTORE", "dst", "z", "5", "(2", "BYSCORE", "REV", "LIMIT", "0", "2") == 2
    assert rr.call("ZRANGE", "dst", "0", "-1") == [b"d", b"e"]
    assert rr.call("ZRANGESTORE", "dst", "z", "[a", "[b", "BYLEX") == 2
    rr.call("EXPIRE", "dst", "100")
    assert rr.call("ZRANGESTORE", "dst", "z", "0", "0") == 1
    assert rr.call("TTL", "dst") == -1
    assert rr.call("ZRANGESTORE", "dst", "z", "10", "20") == 0
    assert rr.call("EXISTS", "dst") == 0
    rr.call("SET", "dst", "x")
    assert rr.call("ZRANGESTORE", "dst", "nosuch", "0", "-1") == 0
    assert rr.call("EXISTS", "dst") == 0
    assert error_of(rr, "ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES") == ERR_SYNTAX
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZRANGESTORE", "dst", "str", "0", "-1") == WRONGTYPE


def test_zremrange(rr):
    load(rr)
    assert rr.call("ZREMRANGEBYRANK", "z", "0", "1") == 2
    assert rr.call("ZRANGE", "z", "0", "-1") == [b"c", b"d", b"e"]
    assert rr.call("ZREMRANGEBYRANK", "z", "5", "10") == 0
    assert rr.call("ZREMRANGEBYRANK", "z", "-1", "-1") == 1
    assert rr.call("ZREMRANGEBYSCORE", "z", "(3", "+inf") == 1
    assert rr.call("ZREMRANGEBYSCORE", "z", "10", "20") == 0
    assert rr.call("ZREMRANGEBYSCORE", "z", "-inf", "+inf") == 1
    assert rr.call("EXISTS", "z") == 0
    rr.call("ZADD", "z", "0", "a", "0", "b", "0", "c")
    assert rr.call("ZREMRANGEBYLEX", "z", "(a", "+") == 2
    assert rr.call("ZRANGE", "z", "0", "-1") == [b"a"]
    assert rr.call("ZREMRANGEBYLEX", "z", "-", "+") == 1
    assert rr.call("EXISTS", "z") == 0
    assert rr.call("ZREMRANGEBYRANK", "nosuch", "0", "-1") == 0
    assert error_of(rr, "ZREMRANGEBYRANK", "z", "a", "1") == ERR_INT
    assert error_of(rr, "ZREMRANGEBYSCORE", "z", "a", "1") == ERR_RANGE
    assert error_of(rr, "ZREMRANGEBYLEX", "z", "a", "+") == ERR_LEX
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZREMRANGEBYSCORE", "str", "1", "2") == WRONGTYPE


# --- Pops ---

def test_zpopmin_zpopmax(rr):
    load(rr)
    assert rr.call("ZPOPMIN", "z") == [b"a", sc(rr, "1")]
    assert rr.call("ZPOPMAX", "z") == [b"e", sc(rr, "5")]
    assert rr.call("ZPOPMIN", "z", "2") == pairs(rr, [b"b", "2", b"c", "3"])
    assert rr.call("ZPOPMIN", "z", "0") == []
    assert rr.call("ZPOPMAX", "z", "10") == pairs(rr, [b"d", "4"])
    assert rr.call("EXISTS", "z") == 0
    assert rr.call("ZPOPMIN", "z") == []
    assert rr.call("ZPOPMIN", "z", "3") == []
    for bad in ("-1", "abc"):
        assert error_of(rr, "ZPOPMIN", "z", bad) == "ERR value is out of range, must be positive"
    assert error_of(rr, "ZPOPMIN", "z", "1", "2") == ERR_SYNTAX
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZPOPMAX", "str") == WRONGTYPE


def test_zmpop(rr):
    load(rr)
    assert rr.call("ZMPOP", "2", "nosuch", "z", "MIN") == [b"z", [[b"a", sc(rr, "1")]]]
    assert rr.call("ZMPOP", "1", "z", "max", "COUNT", "2") == \
        [b"z", [[b"e", sc(rr, "5")], [b"d", sc(rr, "4")]]]
    assert rr.call("ZMPOP", "1", "z", "MIN", "COUNT", "10") == \
        [b"z", [[b"b", sc(rr, "2")], [b"c", sc(rr, "3")]]]
    assert rr.call("ZMPOP", "1", "z", "MIN") is None
    assert rr.last_raw == (b"_\r\n" if rr.protocol == 3 else b"*-1\r\n")
    for bad in ("0", "-1", "x"):
        assert error_of(rr, "ZMPOP", bad, "z", "MIN") == "ERR numkeys should be greater than 0"
    assert error_of(rr, "ZMPOP", "2", "z", "MIN") == ERR_SYNTAX
    assert error_of(rr, "ZMPOP", "1", "z", "foo") == ERR_SYNTAX
    assert error_of(rr, "ZMPOP", "1", "z", "MIN", "COUNT", "0") == "ERR count should be greater than 0"
    assert error_of(rr, "ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1") == ERR_SYNTAX
    assert error_of(rr, "ZMPOP", "1", "z", "MIN", "COUNT") == ERR_SYNTAX
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZMPOP", "2", "str", "z", "MIN") == WRONGTYPE


# --- Set algebra ---

def test_zunion_zinter_zdiff(rr):
    rr.call("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    rr.call("ZADD", "z2", "10", "b", "20", "c", "30", "d")
    assert rr.call("ZUNION", "2", "z1", "z2") == [b"a", b"b", b"c", b"d"]
    assert rr.call("ZUNION", "2", "z1", "z2", "WITHSCORES") == \
        pairs(rr, [b"a", "1", b"b", "12", b"c", "23", b"d", "30"])
    assert rr.call("ZUNION", "2", "z1", "z2", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES") == \
        pairs(rr, [b"a", "2", b"b", "5", b"c", "10", b"d", "15"])
    assert rr.call("ZINTER", "2", "z1", "z2", "WITHSCORES") == pairs(rr, [b"b", "12", b"c", "23"])
    assert rr.call("ZINTER", "2", "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES") == \
        pairs(rr, [b"b", "2", b"c", "3"])
    assert rr.call("ZINTER", "2", "z1", "nosuch") == []
    assert rr.call("ZDIFF", "2", "z1", "z2", "WITHSCORES") == pairs(rr, [b"a", "1"])
    assert rr.call("ZDIFF", "2", "nosuch", "z2") == []
    assert rr.call("ZUNION", "2", "nosuch", "z1") == [b"a", b"b", b"c"]


def test_algebra_with_sets_and_infinities(rr):
    rr.call("ZADD", "z", "1", "a", "inf", "b", "-inf", "c")
    rr.call("SADD", "s", "a", "b", "c", "x")
    assert rr.call("ZINTER", "2", "z", "s", "WITHSCORES") == \
        pairs(rr, [b"c", "-inf", b"a", "2", b"b", "inf"])
    assert rr.call("ZUNION", "2", "z", "s", "WEIGHTS", "0", "1", "WITHSCORES") == \
        pairs(rr, [b"a", "1", b"b", "1", b"c", "1", b"x", "1"])
    rr.call("ZADD", "neg", "-inf", "b")
    # inf + -inf sums to 0
    assert rr.call("ZUNION", "2", "z", "neg", "WITHSCORES") == \
        pairs(rr, [b"c", "-inf", b"b", "0", b"a", "1"])
    assert rr.call("ZSCORE", "z", "a") == sc(rr, "1")
    assert rr.call("ZDIFF", "2", "s", "z") == [b"x"]
    rr.call("SADD", "ints", "1", "2")
    assert rr.call("ZUNION", "1", "ints") == [b"1", b"2"]


def test_store_forms(rr):
    rr.call("ZADD", "z1", "1", "a", "2", "b")
    rr.call("ZADD", "z2", "3", "b", "4", "c")
    assert rr.call("ZUNIONSTORE", "dst", "2", "z1", "z2") == 3
    assert rr.call("ZRANGE", "dst", "0", "-1", "WITHSCORES") == \
        pairs(rr, [b"a", "1", b"c", "4", b"b", "5"])
    assert rr.call("ZINTERSTORE", "dst", "2", "z1", "z2", "WEIGHTS", "1", "2") == 1
    assert rr.call("ZRANGE", "dst", "0", "-1", "WITHSCORES") == pairs(rr, [b"b", "8"])
    assert rr.call("ZDIFFSTORE", "dst", "2", "z1", "z2") == 1
    assert rr.call("ZRANGE", "dst", "0", "-1") == [b"a"]
    assert rr.call("ZINTERSTORE", "dst", "2", "z1", "nosuch") == 0
    assert rr.call("EXISTS", "dst") == 0
    # the destination may be a source
    assert rr.call("ZUNIONSTORE", "z1", "2", "z1", "z2") == 3
    assert rr.call("ZCARD", "z1") == 3
    assert error_of(rr, "ZUNIONSTORE", "dst", "1", "z1", "WITHSCORES") == ERR_SYNTAX
    assert error_of(rr, "ZDIFFSTORE", "dst", "1", "z1", "WEIGHTS", "1") == ERR_SYNTAX


def test_algebra_errors(rr):
    rr.call("ZADD", "z", "1", "a")
    rr.call("SET", "str", "x")
    assert error_of(rr, "ZUNION", "0", "z") == "ERR at least 1 input key is needed for 'zunion' command"
    assert error_of(rr, "ZINTERSTORE", "d", "0", "z") == \
        "ERR at least 1 input key is needed for 'zinterstore' command"
    assert error_of(rr, "ZUNION", "x", "z") == ERR_INT
    assert error_of(rr, "ZUNION", "3", "z", "z") == ERR_SYNTAX
    assert error_of(rr, "ZUNION", "1", "z", "WEIGHTS", "x") == "ERR weight value is not a float"
    assert error_of(rr, "ZUNION", "2", "z", "z", "WEIGHTS", "1") == ERR_SYNTAX
    assert error_of(rr, "ZUNION", "1", "z", "AGGREGATE", "avg") == ERR_SYNTAX
    assert error_of(rr, "ZDIFF", "1", "z", "AGGREGATE", "sum") == ERR_SYNTAX
    assert error_of(rr, "ZUNION", "2", "z", "str") == WRONGTYPE
    assert error_of(rr, "ZUNIONSTORE", "d", "2", "z", "str") == WRONGTYPE


def test_zintercard(rr):
    rr.call("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    rr.call("ZADD", "z2", "1", "b", "2", "c", "3", "d")
    rr.call("SADD", "s", "c")
    assert rr.call("ZINTERCARD", "2", "z1", "z2") == 2
    assert rr.call("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1") == 1
    assert rr.call("ZINTERCARD", "2", "z1", "z2", "LIMIT", "0") == 2
    assert rr.call("ZINTERCARD", "3", "z1", "z2", "s") == 1
    assert rr.call("ZINTERCARD", "2", "z1", "nosuch") == 0
    assert error_of(rr, "ZINTERCARD", "0", "z1") == "ERR at least 1 input key is needed for 'zintercard' command"
    assert error_of(rr, "ZINTERCARD", "1", "z1", "LIMIT", "-1") == "ERR LIMIT can't be negative"
    assert error_of(rr, "ZINTERCARD", "1", "z1", "WITHSCORES") == ERR_SYNTAX


# --- ZRANDMEMBER ---

@pytest.mark.parametrize("size", [5, 300])
def test_zrandmember(rr, size):
    members = {("m%d" % i).encode(): i for i in range(size)}
    args = []
    for m, s in members.items():
        args += [str(s), m]
    rr.call("ZADD", "z", *args)
    assert rr.call("ZRANDMEMBER", "z") in members
    assert rr.call("ZRANDMEMBER", "nosuch") is None
    assert rr.call("ZRANDMEMBER", "nosuch", "5") == []
    assert rr.call("ZRANDMEMBER", "z", "0") == []
    for count in (1, 3, size - 1, size, size + 10):
        got = rr.call("ZRANDMEMBER", "z", str(count))
        assert len(got) == min(count, size) and len(set(got)) == len(got)
        assert set(got) <= set(members)
    got = rr.call("ZRANDMEMBER", "z", "-20")
    assert len(got) == 20 and set(got) <= set(members)
    got = rr.call("ZRANDMEMBER", "z", "3", "WITHSCORES")
    if rr.protocol == 3:
        assert all(len(p) == 2 and float(p[1]) == members[p[0]] for p in got)
    else:
        assert len(got) == 6
        assert all(float(got[i + 1]) == members[got[i]] for i in range(0, 6, 2))
    assert error_of(rr, "ZRANDMEMBER", "z", "x") == ERR_INT
    assert error_of(rr, "ZRANDMEMBER", "z", "1", "foo") == ERR_SYNTAX
    assert error_of(rr, "ZRANDMEMBER", "z", "-9223372036854775808") == \
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    assert error_of(rr, "ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES") == \
        "ERR value is out of range"


# --- ZSCAN ---

@pytest.mark.parametrize("size", [10, 500])
def test_zscan(rr, size):
    args = []
    for i in range(size):
        args += [str(i), "m%d" % i]
    rr.call("ZADD", "z", *args)
    seen = {}
    cursor = b"0"
    while True:
        cursor, items = rr.call("ZSCAN", "z", cursor, "COUNT", "50")
        for i in range(0, len(items), 2):
            seen[items[i]] = items[i + 1]
        if cursor == b"0":
            break
    assert len(seen) == size
    assert seen[b"m7"] == b"7"  # bulk strings in both protocols
    cursor, items = rr.call("ZSCAN", "z", "0", "MATCH", "m1?", "COUNT", "1000")
    assert sorted(items[0::2]) == sorted(("m%d" % i).encode() for i in range(10, min(20, size)))
    assert rr.call("ZSCAN", "nosuch", "0") == [b"0", []]
    assert error_of(rr, "ZSCAN", "z", "x") == "ERR invalid cursor"
    assert error_of(rr, "ZSCAN", "z", "0", "COUNT", "0") == ERR_SYNTAX
    assert error_of(rr, "ZSCAN", "z", "0", "foo") == ERR_SYNTAX


@valkey_only
def test_zscan_noscores(rr):
    rr.call("ZADD", "z", "1", "a", "2", "b")
    assert sorted(rr.call("ZSCAN", "z", "0", "NOSCORES")[1]) == [b"a", b"b"]
    assert error_of(rr, "ZSCAN", "z", "0", "NOVALUES") == "ERR NOVALUES option can only be used in HSCAN"


# --- Encodings ---

def test_encoding_thresholds(rr, small_thresholds):
    rr.call("ZADD", "z", "1", "a", "2", "b")
    assert enc(rr, "z") in (b"listpack", "listpack")
    rr.call("CONFIG", "SET", "zset-max-listpack-entries", "4")
    rr.call("ZADD", "z", "3", "c", "4", "d")
    assert enc(rr, "z") in (b"listpack", "listpack")
    rr.call("ZADD", "z", "5", "e")
    assert enc(rr, "z") in (b"skiplist", "skiplist")
    # never back on deletes
    rr.call("ZREM", "z", "a", "b", "c", "d")
    assert enc(rr, "z") in (b"skiplist", "skiplist")
    assert rr.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == pairs(rr, [b"e", "5"])
    # a long member
    rr.call("CONFIG", "SET", "zset-max-listpack-value", "8")
    rr.call("ZADD", "v", "1", "short")
    assert enc(rr, "v") in (b"listpack", "listpack")
    rr.call("ZADD", "v", "2", "x" * 9)
    assert enc(rr, "v") in (b"skiplist", "skiplist")
    # a new key that is already too big starts as a skiplist
    rr.call("ZADD", "big", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    assert enc(rr, "big") in (b"skiplist", "skiplist")
    # store results pick the encoding by size: back to listpack when small
    assert rr.call("ZUNIONSTORE", "u", "1", "z") == 1
    assert enc(rr, "u") in (b"listpack", "listpack")
    assert rr.call("ZRANGESTORE", "r", "big", "0", "1") == 2
    assert enc(rr, "r") in (b"listpack", "listpack")
    assert rr.call("ZRANGESTORE", "r", "big", "0", "-1") == 5
    assert enc(rr, "r") in (b"skiplist", "skiplist")


def test_big_skiplist_behaves_like_listpack(r):
    """The same commands on 300 members (skiplist) agree with a model."""
    import random
    rnd = random.Random(7)
    model = {}
    for i in range(300):
        m, s = "k%d" % rnd.randrange(400), rnd.randrange(-50, 50) / 2
        r.zadd("z", {m: s})
        model[m] = s
    assert r.object("encoding", "z") == b"skiplist"
    order = sorted(model.items(), key=lambda kv: (kv[1], kv[0].encode()))
    assert r.zrange("z", 0, -1, withscores=True) == [(m.encode(), s) for m, s in order]
    for m, _ in order[::37]:
        assert r.zrank("z", m) == [x for x, _ in order].index(m)
    assert r.zcount("z", -5, 5) == sum(1 for s in model.values() if -5 <= s <= 5)
    assert r.zrangebyscore("z", "(0", "3") == [m.encode() for m, s in order if 0 < s <= 3]
    assert r.zremrangebyscore("z", "-inf", 0) == sum(1 for s in model.values() if s <= 0)
    assert r.zcard("z") == sum(1 for s in model.values() if s > 0)
    popped = r.zpopmax("z", 3)
    assert [p[0] for p in popped] == [m.encode() for m, s in reversed(order)][:3]


def test_wrongtype_everywhere(rr):
    rr.call("SET", "str", "x")
    for cmd in (("ZCARD", "str"), ("ZRANGE", "str", "0", "1"), ("ZRANGEBYSCORE", "str", "0", "1"),
                ("ZRANGEBYLEX", "str", "-", "+"), ("ZLEXCOUNT", "str", "-", "+"),
                ("ZREVRANK", "str", "a"), ("ZPOPMIN", "str"), ("ZRANDMEMBER", "str"),
                ("ZSCAN", "str", "0"), ("ZINTERCARD", "1", "str"), ("ZREMRANGEBYRANK", "str", "0", "1"),
                ("ZREMRANGEBYLEX", "str", "-", "+")):
        assert error_of(rr, *cmd) == WRONGTYPE
