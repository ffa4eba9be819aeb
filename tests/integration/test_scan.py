"""Walking the keyspace: KEYS patterns and SCAN (cursor, MATCH, COUNT, TYPE,
expired keys, and the guarantee that every key present for the whole scan is
returned at least once even while the table grows and shrinks)."""

import os
import time

import pytest

from helpers import RespError, server_binary


def err(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def fill(client, prefix, n, batch=5000, value=b"v"):
    for start in range(0, n, batch):
        cmds = [("SET", "%s%d" % (prefix, i), value) for i in range(start, min(n, start + batch))]
        assert all(r == b"OK" for r in client.pipeline(cmds))


def delete(client, prefix, n, batch=5000):
    for start in range(0, n, batch):
        client.pipeline([("DEL", "%s%d" % (prefix, i)) for i in range(start, min(n, start + batch))])


def scan_all(client, *opts, between=None):
    """Full iteration; returns (keys as a list with duplicates, calls)."""
    cursor, keys, calls = b"0", [], 0
    while True:
        reply = client.call("SCAN", cursor, *opts)
        assert isinstance(reply, list) and len(reply) == 2
        cursor, batch = reply
        assert isinstance(cursor, bytes) and cursor.isdigit()
        assert isinstance(batch, list)
        keys.extend(batch)
        calls += 1
        if between:
            between(calls)
        if cursor == b"0":
            return keys, calls


# ---------------------------------------------------------------- KEYS

def test_keys_patterns(rr):
    for key in ("key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c", "h{a}x", "h{a}y", "x*y", "x?y"):
        rr.call("SET", key, "v")
    assert sorted(rr.call("KEYS", "foo*")) == [b"foo_a", b"foo_b", b"foo_c"]
    assert len(rr.call("KEYS", "*")) == 10
    assert sorted(rr.call("KEYS", "key_?")) == [b"key_x", b"key_y", b"key_z"]
    assert sorted(rr.call("KEYS", "key_[xz]")) == [b"key_x", b"key_z"]
    assert sorted(rr.call("KEYS", "key_[^x]")) == [b"key_y", b"key_z"]
    assert sorted(rr.call("KEYS", "key_[a-y]")) == [b"key_x", b"key_y"]
    assert sorted(rr.call("KEYS", "*{a}*")) == [b"h{a}x", b"h{a}y"]
    assert rr.call("KEYS", "x\\*y") == [b"x*y"]
    assert sorted(rr.call("KEYS", "x?y")) == [b"x*y", b"x?y"]
    assert rr.call("KEYS", "KEY_*") == []  # case-sensitive
    assert rr.call("KEYS", "foo_a") == [b"foo_a"]
    assert rr.call("KEYS", "nomatch*") == []


def test_keys_empty_and_binary(rr):
    assert rr.call("KEYS", "*") == []
    rr.call("SET", b"bin\x00key", "v")
    assert rr.call("KEYS", "bin*") == [b"bin\x00key"]
    assert rr.call("KEYS", "bin?key") == [b"bin\x00key"]


def test_keys_skips_expired(rr):
    rr.call("SET", "live", "v")
    rr.call("SET", "dead", "v")
    rr.call("PEXPIRE", "dead", 1)
    time.sleep(0.02)
    assert rr.call("KEYS", "*") == [b"live"]


def test_keys_pathological_pattern(rr):
    rr.call("SET", "a" * 40, "1")
    start = time.monotonic()
    assert rr.call("KEYS", "a*" * 20 + "b") == []
    assert time.monotonic() - start < 2


def test_keys_arity(rr):
    assert "wrong number of arguments" in err(rr, "KEYS")
    assert "wrong number of arguments" in err(rr, "KEYS", "a", "b")


# ---------------------------------------------------------------- SCAN basics

def test_scan_empty(rr):
    assert rr.call("SCAN", 0) == [b"0", []]


def test_scan_returns_everything(rr):
    fill(rr, "key:", 1000)
    keys, _ = scan_all(rr)
    assert len(set(keys)) == 1000


@pytest.mark.parametrize("count", [1, 5, 10, 100, 1000000])
def test_scan_count(rr, count):
    fill(rr, "key:", 1000)
    keys, calls = scan_all(rr, "COUNT", count)
    assert len(set(keys)) == 1000
    if count >= 100000:
        assert calls == 1
    if count == 1:
        assert calls > 100


def test_scan_count_is_roughly_honoured(rr):
    fill(rr, "key:", 2000)
    cursor, batch = rr.call("SCAN", 0, "COUNT", 100)
    assert cursor != b"0"
    assert 50 <= len(batch) <= 300


def test_scan_match(rr):
    fill(rr, "key:", 1000)
    keys, _ = scan_all(rr, "MATCH", "key:1??")
    assert sorted(set(keys)) == sorted(b"key:%d" % i for i in range(100, 200))
    keys, _ = scan_all(rr, "match", "*")
    assert len(set(keys)) == 1000
    keys, _ = scan_all(rr, "MATCH", "nope*", "COUNT", 50)
    assert keys == []


def test_scan_type(rr):
    fill(rr, "key:", 500)
    keys, _ = scan_all(rr, "TYPE", "string")
    assert len(set(keys)) == 500
    keys, _ = scan_all(rr, "TYPE", "STRING")
    assert len(set(keys)) == 500
    for t in ("list", "set", "zset", "hash", "stream"):
        keys, _ = scan_all(rr, "TYPE", t)
        assert keys == []
    keys, _ = scan_all(rr, "TYPE", "string", "MATCH", "key:4*", "COUNT", 10)
    assert len(set(keys)) == 111


def test_scan_type_other_types(rr):
    try:
        rr.call("RPUSH", "mylist", "a")
    except RespError:
        pytest.skip("no lists yet")
    rr.call("SET", "mystring", "v")
    keys, _ = scan_all(rr, "TYPE", "list")
    assert keys == [b"mylist"]
    keys, _ = scan_all(rr, "TYPE", "string")
    assert keys == [b"mystring"]


def test_scan_unknown_type(shared_server, rr):
    if shared_server.is_redis:
        pytest.skip("redis 7.0 returns an empty result; Valkey 8 replies an error")
    rr.call("SET", "k", "v")
    assert err(rr, "SCAN", 0, "TYPE", "string1") == "ERR unknown type name 'string1'"


def test_scan_errors(shared_server, rr):
    assert err(rr, "SCAN", "abc") == "ERR invalid cursor"
    if not shared_server.is_redis:  # redis 7.0 parses with strtoul and wraps
        assert err(rr, "SCAN", "-1") == "ERR invalid cursor"
    assert err(rr, "SCAN", "1.5") == "ERR invalid cursor"
    assert err(rr, "SCAN", "18446744073709551616") == "ERR invalid cursor"
    assert err(rr, "SCAN", 0, "COUNT", 0) == "ERR syntax error"
    assert err(rr, "SCAN", 0, "COUNT", -5) == "ERR syntax error"
    assert err(rr, "SCAN", 0, "COUNT", "x") == "ERR value is not an integer or out of range"
    assert err(rr, "SCAN", 0, "COUNT") == "ERR syntax error"
    assert err(rr, "SCAN", 0, "MATCH") == "ERR syntax error"
    assert err(rr, "SCAN", 0, "FOO", "bar") == "ERR syntax error"
    assert "wrong number of arguments" in err(rr, "SCAN")


def test_scan_huge_cursor_is_accepted(rr):
    fill(rr, "k", 10)
    assert rr.call("SCAN", "000")[0].isdigit()  # leading zeros are fine
    assert rr.call("SCAN", "00", "COUNT", 100) == rr.call("SCAN", "0", "COUNT", 100)
    cursor, batch = rr.call("SCAN", "18446744073709551615")
    assert cursor.isdigit()
    assert isinstance(batch, list)


def test_scan_skips_and_reclaims_expired(shared_server, rr):
    fill(rr, "key:", 100)
    rr.call("SET", "foo", "bar")
    rr.call("PEXPIRE", "foo", 1)
    time.sleep(0.02)
    keys, _ = scan_all(rr, "COUNT", 10)
    assert b"foo" not in keys
    assert len(set(keys)) == 100
    assert rr.call("DBSIZE") == 100


def test_scan_expired_filtered_by_type_first(shared_server, rr):
    try:
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    except RespError:
        pytest.skip("no DEBUG SET-ACTIVE-EXPIRE")
    try:
        fill(rr, "key:", 100)
        rr.call("SET", "exp1", "v")
        rr.call("PEXPIRE", "exp1", 1)
        rr.call("SET", "exp2", "v")
        rr.call("PEXPIRE", "exp2", 1)
        time.sleep(0.02)
        keys, _ = scan_all(rr, "MATCH", "key:*")
        assert len(set(keys)) == 100
        assert rr.call("DBSIZE") == 102  # expired keys outside the MATCH are left alone
        keys, _ = scan_all(rr)
        assert len(set(keys)) == 100
        assert rr.call("DBSIZE") == 100
    finally:
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", 1)


def test_scan_reply_shape(rr):
    rr.call("SET", "k", "v")
    reply = rr.call("SCAN", 0, "COUNT", 100)
    assert reply == [b"0", [b"k"]]
    assert rr.last_raw == b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"


# ---------------------------------------------------------------- the scan guarantee

def test_scan_guarantee_across_growth_and_shrink(rr):
    fill(rr, "orig:", 2000)
    state = {"grown": False, "shrunk": False}

    def between(calls):
        if calls == 5:
            fill(rr, "extra:", 20000)  # forces the table to grow (several times)
            state["grown"] = True
        elif calls == 300:
            delete(rr, "extra:", 20000)  # then to shrink
            state["shrunk"] = True

    keys, calls = scan_all(rr, "COUNT", 10, between=between)
    assert state["grown"] and state["shrunk"], calls
    seen = set(keys)
    missing = [i for i in range(2000) if b"orig:%d" % i not in seen]
    assert missing == []
    assert rr.call("DBSIZE") == 2000


def test_scan_guarantee_under_write_load(rr):
    fill(rr, "k", 100)
    counter = {"n": 0}

    def between(calls):
        rr.pipeline([("SET", "added:%d" % (counter["n"] + j), "v") for j in range(10)])
        counter["n"] += 10

    keys, _ = scan_all(rr, between=between)
    seen = set(keys)
    assert all(b"k%d" % i in seen for i in range(100))


def test_scan_family_value_flags_belong_to_their_command(rr):
    """NOVALUES is HSCAN's and NOSCORES is ZSCAN's; the other scans refuse
    them with Valkey 8's messages (one option parser serves all four)."""
    if "redis" in os.path.basename(server_binary()):
        pytest.skip("Valkey 8 options")
    rr.call("HSET", "h", "f", "v")
    rr.call("SADD", "s", "m")
    rr.call("ZADD", "z", "1", "m")
    for args in (("SCAN", "0"), ("SSCAN", "s", "0"), ("ZSCAN", "z", "0")):
        with pytest.raises(RespError) as e:
            rr.call(*args, "NOVALUES")
        assert str(e.value) == "ERR NOVALUES option can only be used in HSCAN"
    for args in (("SCAN", "0"), ("SSCAN", "s", "0"), ("HSCAN", "h", "0")):
        with pytest.raises(RespError) as e:
            rr.call(*args, "NOSCORES")
        assert str(e.value) == "ERR NOSCORES option can only be used in ZSCAN"
    assert rr.call("HSCAN", "h", "0", "NOVALUES") == [b"0", [b"f"]]
    assert rr.call("ZSCAN", "z", "00", "NOSCORES") == [b"0", [b"m"]]
    with pytest.raises(RespError) as e:
        rr.call("SCAN", "0", "TYPE", "nosuch", "COUNT", "x")
    assert str(e.value) == "ERR unknown type name 'nosuch'"
