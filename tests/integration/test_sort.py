"""SORT and SORT_RO on lists, sets and sorted sets: numeric and ALPHA order,
ASC/DESC, LIMIT clamping, BY patterns (string keys, hash fields, "nosort"
keeping the value's own order), GET (#, keys, hash fields, missing values),
STORE (list result, encodings, empty result deletes, TTL dropped, type
replaced), errors in Valkey's order, RESP2/RESP3 shapes, and a randomized
comparison of replies with Debian's redis-server."""

import os
import random

import pytest

from helpers import RespError, Server, server_binary

ERR_SYNTAX = "ERR syntax error"
ERR_INT = "ERR value is not an integer or out of range"
ERR_SCORE = "ERR One or more scores can't be converted into double"
ERR_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
REDIS = "/usr/bin/redis-server"
# redis 7.0 has no listpack lists (Valkey 8 stores small results as listpack)
REDIS_7_0 = "redis" in os.path.basename(server_binary())


def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


# ------------------------------------------------------------------ basic order

def test_numeric_list(rr):
    rr.call("RPUSH", "l", "3", "1", "2", "10", "-5", "2.5")
    assert rr.call("SORT", "l") == [b"-5", b"1", b"2", b"2.5", b"3", b"10"]
    assert rr.call("SORT", "l", "DESC") == [b"10", b"3", b"2.5", b"2", b"1", b"-5"]
    assert rr.call("SORT", "l", "ASC") == rr.call("SORT", "l")
    assert rr.call("SORT_RO", "l") == rr.call("SORT", "l")


def test_numeric_set_and_zset(rr):
    rr.call("SADD", "s", "5", "3", "100", "-1")
    assert rr.call("SORT", "s") == [b"-1", b"3", b"5", b"100"]
    rr.call("ZADD", "z", "1", "30", "2", "4", "3", "-2")
    assert rr.call("SORT", "z") == [b"-2", b"4", b"30"]
    assert rr.call("SORT", "z", "DESC") == [b"30", b"4", b"-2"]


def test_alpha(rr):
    rr.call("RPUSH", "l", "banana", "apple", "cherry", "Apple", "10", "9")
    assert rr.call("SORT", "l", "ALPHA") == [b"10", b"9", b"Apple", b"apple", b"banana", b"cherry"]
    assert rr.call("SORT", "l", "ALPHA", "DESC") == [b"cherry", b"banana", b"apple", b"Apple", b"9", b"10"]
    assert error_of(rr, "SORT", "l") == ERR_SCORE
    rr.call("SADD", "s", "b", "a", "c")
    assert rr.call("SORT", "s", "ALPHA") == [b"a", b"b", b"c"]


def test_numeric_ties_break_by_element(rr):
    rr.call("RPUSH", "l", "1.0", "1", "01", "1e0")
    assert rr.call("SORT", "l") == [b"01", b"1", b"1.0", b"1e0"]
    assert rr.call("SORT", "l", "DESC") == [b"1e0", b"1.0", b"1", b"01"]


def test_score_parsing(rr):
    rr.call("RPUSH", "l", "inf", "-inf", " 7", "0x10", "", "3")
    assert rr.call("SORT", "l") == [b"-inf", b"", b"3", b" 7", b"0x10", b"inf"]
    for bad in ("nan", "1e400", "12abc", "1 "):
        rr.call("DEL", "b")
        rr.call("RPUSH", "b", "1", bad)
        assert error_of(rr, "SORT", "b") == ERR_SCORE, bad


def test_missing_key(rr):
    assert rr.call("SORT", "nokey") == []
    assert rr.call("SORT", "nokey", "LIMIT", "0", "10", "GET", "#") == []
    assert rr.call("SORT_RO", "nokey", "BY", "nosort") == []


# ------------------------------------------------------------------ LIMIT

@pytest.mark.parametrize("offset,count,expected", [
    (0, 2, [1, 2]),
    (2, 2, [3, 4]),
    (3, 100, [4, 5]),
    (-5, 2, [1, 2]),
    (1, -1, [2, 3, 4, 5]),
    (1, -7, [2, 3, 4, 5]),
    (0, 0, []),
    (5, 1, []),
    (100, 3, []),
])
def test_limit(rr, offset, count, expected):
    rr.call("RPUSH", "l", "5", "3", "1", "4", "2")
    got = rr.call("SORT", "l", "LIMIT", offset, count)
    assert got == [b"%d" % v for v in expected]
    got = rr.call("SORT", "l", "BY", "nosort", "LIMIT", offset, count)
    assert got == [b"%d" % v for v in [5, 3, 1, 4, 2][max(offset, 0):][:len(expected)]]


def test_limit_errors(rr):
    rr.call("RPUSH", "l", "1")
    assert error_of(rr, "SORT", "l", "LIMIT", "x", "1") == ERR_INT
    assert error_of(rr, "SORT", "l", "LIMIT", "0", "1.5") == ERR_INT
    assert error_of(rr, "SORT", "l", "LIMIT", "0") == ERR_SYNTAX
    assert error_of(rr, "SORT", "l", "LIMIT") == ERR_SYNTAX


# ------------------------------------------------------------------ BY

def test_by_string_keys(rr):
    rr.call("RPUSH", "l", "a", "b", "c", "d")
    rr.call("MSET", "w_a", "30", "w_b", "10", "w_c", "20")
    # d has no weight: 0, first
    assert rr.call("SORT", "l", "BY", "w_*") == [b"d", b"b", b"c", b"a"]
    assert rr.call("SORT", "l", "BY", "w_*", "DESC") == [b"a", b"c", b"b", b"d"]
    assert rr.call("SORT", "l", "BY", "w_*", "LIMIT", "1", "2") == [b"b", b"c"]
    rr.call("SET", "w_d", "oops")
    assert error_of(rr, "SORT", "l", "BY", "w_*") == ERR_SCORE
    assert rr.call("SORT", "l", "BY", "w_*", "ALPHA") == [b"b", b"c", b"a", b"d"]


def test_by_alpha_missing_first(rr):
    rr.call("RPUSH", "l", "x", "y", "z")
    rr.call("MSET", "n_x", "bob", "n_z", "alice")
    assert rr.call("SORT", "l", "BY", "n_*", "ALPHA") == [b"y", b"z", b"x"]
    assert rr.call("SORT", "l", "BY", "n_*", "ALPHA", "DESC") == [b"x", b"z", b"y"]


def test_by_hash_field(rr):
    rr.call("RPUSH", "l", "1", "2", "3")
    rr.call("HSET", "obj_1", "age", "40", "name", "carol")
    rr.call("HSET", "obj_2", "age", "20", "name", "alice")
    rr.call("HSET", "obj_3", "age", "30", "name", "bob")
    assert rr.call("SORT", "l", "BY", "obj_*->age") == [b"2", b"3", b"1"]
    assert rr.call("SORT", "l", "BY", "obj_*->name", "ALPHA") == [b"2", b"3", b"1"]
    # a missing field or a non-hash key sorts as missing
    rr.call("HDEL", "obj_1", "age")
    assert rr.call("SORT", "l", "BY", "obj_*->age") == [b"1", b"2", b"3"]
    rr.call("SET", "str_1", "5")
    assert rr.call("SORT", "l", "BY", "str_*->f") == [b"1", b"2", b"3"]
    # pattern ending in "->" is a plain key name
    rr.call("SET", "k1->", "9")
    rr.call("SET", "k2->", "8")
    rr.call("SET", "k3->", "7")
    assert rr.call("SORT", "l", "BY", "k*->") == [b"3", b"2", b"1"]


def test_by_hash_field_in_big_hash(rr):
    rr.call("RPUSH", "l", "1", "2")
    rr.call("HSET", "h_1", "v", "2", *sum([["f%d" % i, "x" * 100] for i in range(10)], []))
    rr.call("HSET", "h_2", "v", "1")
    assert rr.call("OBJECT", "ENCODING", "h_1") == b"hashtable"
    assert rr.call("SORT", "l", "BY", "h_*->v") == [b"2", b"1"]


def test_by_nosort_keeps_order(rr):
    rr.call("RPUSH", "l", "c", "a", "b")
    assert rr.call("SORT", "l", "BY", "nosort") == [b"c", b"a", b"b"]
    assert rr.call("SORT", "l", "BY", "nosort", "DESC") == [b"b", b"a", b"c"]
    assert rr.call("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "5") == [b"a", b"c"]
    rr.call("ZADD", "z", "3", "x", "1", "y", "2", "w")
    assert rr.call("SORT", "z", "BY", "nosort") == [b"y", b"w", b"x"]
    assert rr.call("SORT", "z", "BY", "nosort", "DESC") == [b"x", b"w", b"y"]
    assert rr.call("SORT", "z", "BY", "nosort", "LIMIT", "1", "1") == [b"w"]
    assert rr.call("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2") == [b"w", b"y"]
    # a BY pattern without '*' is "nosort" too, whatever its name
    assert rr.call("SORT", "l", "BY", "constant") == [b"c", b"a", b"b"]


def test_by_nosort_big_zset_and_list(rr):
    members = []
    for i in range(300):
        members += [str(i), "m%03d" % i]
    rr.call("ZADD", "z", *members)
    assert rr.call("OBJECT", "ENCODING", "z") == b"skiplist"
    assert rr.call("SORT", "z", "BY", "nosort", "LIMIT", "10", "3") == [b"m010", b"m011", b"m012"]
    assert rr.call("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2") == [b"m299", b"m298"]
    rr.call("RPUSH", "l", *["e%d" % i + "x" * 20 for i in range(1000)])
    assert rr.call("OBJECT", "ENCODING", "l") == b"quicklist"
    assert rr.call("SORT", "l", "BY", "nosort", "LIMIT", "500", "2") == [b"e500" + b"x" * 20, b"e501" + b"x" * 20]
    assert rr.call("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "0", "2") == [b"e999" + b"x" * 20, b"e998" + b"x" * 20]
    assert len(rr.call("SORT", "l", "ALPHA")) == 1000


# ------------------------------------------------------------------ GET

def test_get_patterns(rr):
    rr.call("RPUSH", "l", "1", "2", "3")
    rr.call("MSET", "name_1", "one", "name_2", "two")
    rr.call("HSET", "h_1", "f", "x")
    rr.call("HSET", "h_3", "f", "z")
    got = rr.call("SORT", "l", "GET", "#", "GET", "name_*", "GET", "h_*->f")
    assert got == [b"1", b"one", b"x", b"2", b"two", None, b"3", None, b"z"]
    assert rr.call("SORT", "l", "DESC", "LIMIT", "0", "1", "GET", "name_*") == [None]
    # a GET pattern without '*' (and not "#") finds nothing
    assert rr.call("SORT", "l", "GET", "name_1") == [None, None, None]
    # non-string keys are missing for GET
    rr.call("RPUSH", "name_3", "x")
    assert rr.call("SORT", "l", "GET", "name_*") == [b"one", b"two", None]


def test_get_with_integer_values(rr):
    rr.call("RPUSH", "l", "2", "1")
    rr.call("SET", "v_1", "100")
    rr.call("HSET", "h_2", "n", "12345")
    assert rr.call("SORT", "l", "GET", "v_*", "GET", "h_*->n") == [b"100", None, None, b"12345"]


# ------------------------------------------------------------------ STORE

def test_store(rr):
    rr.call("RPUSH", "l", "3", "1", "2")
    assert rr.call("SORT", "l", "STORE", "dst") == 3
    assert rr.call("LRANGE", "dst", "0", "-1") == [b"1", b"2", b"3"]
    assert rr.call("OBJECT", "ENCODING", "dst") == (b"quicklist" if REDIS_7_0 else b"listpack")
    assert rr.call("SORT", "l", "DESC", "LIMIT", "0", "2", "STORE", "dst") == 2
    assert rr.call("LRANGE", "dst", "0", "-1") == [b"3", b"2"]
    # with GET: missing values stored as empty strings
    rr.call("SET", "n_1", "one")
    assert rr.call("SORT", "l", "GET", "#", "GET", "n_*", "STORE", "dst") == 6
    assert rr.call("LRANGE", "dst", "0", "-1") == [b"1", b"one", b"2", b"", b"3", b""]


def test_store_replaces_type_and_ttl(rr):
    rr.call("RPUSH", "l", "2", "1")
    rr.call("SET", "dst", "string", "EX", "100")
    assert rr.call("SORT", "l", "STORE", "dst") == 2
    assert rr.call("TYPE", "dst") == b"list"
    assert rr.call("TTL", "dst") == -1


def test_store_empty_deletes(rr):
    rr.call("RPUSH", "dst", "x")
    assert rr.call("SORT", "nokey", "STORE", "dst") == 0
    assert rr.call("EXISTS", "dst") == 0
    rr.call("RPUSH", "l", "1")
    rr.call("SET", "dst", "v")
    assert rr.call("SORT", "l", "LIMIT", "5", "5", "STORE", "dst") == 0
    assert rr.call("EXISTS", "dst") == 0


def test_store_big_is_quicklist(rr):
    rr.call("RPUSH", "l", *range(100000, 102000))
    assert rr.call("SORT", "l", "DESC", "STORE", "dst") == 2000
    assert rr.call("OBJECT", "ENCODING", "dst") == b"quicklist"
    assert rr.call("LINDEX", "dst", "0") == b"101999"
    assert rr.call("LINDEX", "dst", "-1") == b"100000"


def test_store_set_nosort_is_sorted(rr):
    rr.call("SADD", "s", "c", "a", "b", "10")
    assert rr.call("SORT", "s", "BY", "nosort", "STORE", "dst") == 4
    assert rr.call("LRANGE", "dst", "0", "-1") == [b"10", b"a", b"b", b"c"]


def test_store_onto_itself(rr):
    rr.call("RPUSH", "l", "3", "1", "2")
    assert rr.call("SORT", "l", "STORE", "l") == 3
    assert rr.call("LRANGE", "l", "0", "-1") == [b"1", b"2", b"3"]


def test_store_counts_dirty(r):
    r.rpush("l", 3, 1, 2)
    before = int(r.info("persistence")["rdb_changes_since_last_save"])
    assert r.execute_command("SORT", "l", "STORE", "dst") == 3
    assert int(r.info("persistence")["rdb_changes_since_last_save"]) == before + 3
    before += 3
    assert r.execute_command("SORT", "l") == [b"1", b"2", b"3"]
    assert int(r.info("persistence")["rdb_changes_since_last_save"]) == before


# ------------------------------------------------------------------ errors

def test_errors(rr):
    rr.call("SET", "str", "x")
    assert error_of(rr, "SORT", "str") == ERR_WRONGTYPE
    rr.call("HSET", "hash", "f", "v")
    assert error_of(rr, "SORT", "hash") == ERR_WRONGTYPE
    rr.call("RPUSH", "l", "1")
    assert error_of(rr, "SORT", "l", "FOO") == ERR_SYNTAX
    assert error_of(rr, "SORT", "l", "BY") == ERR_SYNTAX
    assert error_of(rr, "SORT", "l", "GET") == ERR_SYNTAX
    assert error_of(rr, "SORT", "l", "STORE") == ERR_SYNTAX
    # options are parsed before the key is looked up
    assert error_of(rr, "SORT", "str", "FOO") == ERR_SYNTAX
    assert error_of(rr, "SORT_RO", "l", "STORE", "dst") == ERR_SYNTAX
    assert rr.call("EXISTS", "dst") == 0
    assert "wrong number of arguments" in error_of(rr, "SORT")
    # a score error stores nothing
    rr.call("RPUSH", "bad", "x")
    assert error_of(rr, "SORT", "bad", "STORE", "dst") == ERR_SCORE
    assert rr.call("EXISTS", "dst") == 0


def test_options_last_wins(rr):
    rr.call("RPUSH", "l", "1", "3", "2")
    assert rr.call("SORT", "l", "DESC", "ASC") == [b"1", b"2", b"3"]
    assert rr.call("SORT", "l", "LIMIT", "0", "1", "LIMIT", "1", "1") == [b"2"]
    assert rr.call("SORT", "l", "STORE", "a", "STORE", "b") == 3
    assert rr.call("EXISTS", "a") == 0 and rr.call("LLEN", "b") == 3


def test_resp3_null_for_missing_get(r3):
    r3.call("RPUSH", "l", "1")
    assert r3.call("SORT", "l", "GET", "nothing_*") == [None]
    assert b"_\r\n" in r3.last_raw or r3.last_raw.endswith(b"*1\r\n_\r\n")


# ------------------------------------------------------------------ vs redis-server

@pytest.fixture(scope="module")
def redis_ref():
    if not os.path.exists(REDIS):
        pytest.skip("no redis-server")
    srv = Server(binary=REDIS, name="redis-ref").start()
    yield srv
    srv.stop()
    srv.cleanup()


def random_dataset(rnd):
    cmds = []
    nums = [str(rnd.choice([rnd.randint(-50, 50), rnd.uniform(-100, 100)])) for _ in range(40)]
    words = ["w%02d" % rnd.randint(0, 60) for _ in range(40)]
    cmds.append(["RPUSH", "ln", *nums])
    cmds.append(["RPUSH", "lw", *words])
    cmds.append(["ZADD", "z", *sum([[str(rnd.randint(0, 9)), w] for w in words], [])])
    cmds.append(["SADD", "s", *nums])
    for w in set(words) | set(nums):
        if rnd.random() < 0.7:
            cmds.append(["SET", "wt_" + w, str(rnd.randint(0, 20))])
        if rnd.random() < 0.7:
            cmds.append(["HSET", "o_" + w, "k", str(rnd.randint(0, 5)), "n", "nm" + w])
    return cmds


def random_sort(rnd):
    key = rnd.choice(["ln", "lw", "z", "s"])
    args = ["SORT", key]
    numeric_ok = key in ("ln", "s")
    by = rnd.choice([None, None, "wt_*", "o_*->k", "o_*->n", "nosort"])
    if by == "nosort" and key == "s":
        by = None
    if by:
        args += ["BY", by]
    if by == "o_*->n" or (not numeric_ok and by in (None,)):
        args.append("ALPHA")
    elif rnd.random() < 0.3:
        args.append("ALPHA")
    if rnd.random() < 0.5:
        args.append(rnd.choice(["ASC", "DESC"]))
    # ALPHA with BY leaves ties (equal or missing keys) in no defined order:
    # such results are compared as multisets, so without LIMIT
    if rnd.random() < 0.5 and not (by and "ALPHA" in args):
        args += ["LIMIT", str(rnd.randint(-2, 45)), str(rnd.randint(-2, 20))]
    for _ in range(rnd.randint(0, 2)):
        args += ["GET", rnd.choice(["#", "wt_*", "o_*->n", "o_*->zz", "none_*"])]
    if rnd.random() < 0.3:
        args += ["STORE", "dst"]
    return args


def by_alpha(args):
    return "ALPHA" in args and "BY" in args and args[args.index("BY") + 1] != "nosort"


def test_random_against_redis(shared_server, redis_ref):
    rnd = random.Random(42)
    ours, ref = shared_server.resp(protocol=2), redis_ref.resp(protocol=2)
    with ours, ref:
        for c in (ours, ref):
            c.call("FLUSHALL")
            c.pipeline(random_dataset(random.Random(7)), raise_errors=True)
        for _ in range(400):
            args = random_sort(rnd)
            a = ours.call(*args, raise_errors=False)
            b = ref.call(*args, raise_errors=False)
            if isinstance(b, RespError):
                assert isinstance(a, RespError) and a.message == b.message, args
                continue
            if "STORE" in args:
                assert a == b, args
                a = ours.call("LRANGE", "dst", "0", "-1")
                b = ref.call("LRANGE", "dst", "0", "-1")
            if by_alpha(args):
                assert sorted(a, key=repr) == sorted(b, key=repr), args
            else:
                assert a == b, args
