"""Keyspace notifications: `notify-keyspace-events` selects classes (K E g $ l
s h z x e t m n, A for g$lshzxet) and every write publishes

    __keyspace@<db>__:<key>   -> <event>    (K)
    __keyevent@<db>__:<event> -> <key>      (E)

Each test subscribes a client (on rr's protocol) to every keyspace and
keyevent channel and checks the exact sequence of events a command sends.
Tests for a data type run once its commands exist on the server."""

import time

import pytest

from helpers import Push, RespError


def space(key, event, db=0):
    return (b"__keyspace@%d__:%s" % (db, key.encode() if isinstance(key, str) else key), event.encode())


def keyevent(event, key, db=0):
    return (b"__keyevent@%d__:%s" % (db, event.encode()), key.encode() if isinstance(key, str) else key)


@pytest.fixture
def ks(rr, shared_server):
    """A subscriber to every keyspace notification; notifications are
    switched off again afterwards (the server is shared)."""
    sub = shared_server.resp(protocol=rr.protocol)
    sub.send("PSUBSCRIBE", "__key*__:*")
    assert list(sub.read()) == [b"psubscribe", b"__key*__:*", 1]
    yield sub
    sub.close()
    rr.call("CONFIG", "SET", "notify-keyspace-events", "")


def notify(rr, flags):
    assert rr.call("CONFIG", "SET", "notify-keyspace-events", flags) == b"OK"


def next_event(sub, timeout=5.0):
    msg = sub.read(timeout=timeout)
    assert type(msg) is (Push if sub.protocol == 3 else list), msg
    assert msg[0] == b"pmessage" and msg[1] == b"__key*__:*", msg
    return (msg[2], msg[3])


def events(sub, n):
    return [next_event(sub) for _ in range(n)]


def assert_no_events(sub, timeout=0.2):
    with pytest.raises(TimeoutError):
        sub.read(timeout=timeout)


def marker(rr, sub):
    """Everything sent before this is already delivered: a SET of a marker
    key (class $) must be the next event.  Proves the absence of events
    without waiting on timeouts."""
    rr.call("SET", "__marker__", "1")
    ev = next_event(sub)
    assert ev in (space("__marker__", "set"), keyevent("set", "__marker__")), ev
    # With both K and E the second one follows.
    return ev


def require_command(rr, name):
    try:
        info = rr.call("COMMAND", "INFO", name)
    except RespError:
        info = [None]
    if not info or info[0] is None:
        pytest.skip("%s is not implemented yet" % name)


# --------------------------------------------------------------------------
# channels and classes


def test_keyspace_channel(rr, ks):
    notify(rr, "KA")
    rr.call("SET", "foo", "bar")
    assert next_event(ks) == space("foo", "set")
    assert_no_events(ks)


def test_keyevent_channel(rr, ks):
    notify(rr, "EA")
    rr.call("SET", "foo", "bar")
    assert next_event(ks) == keyevent("set", "foo")
    assert_no_events(ks)


def test_both_kinds_keyspace_first(rr, ks):
    notify(rr, "KEA")
    rr.call("SET", "foo", "bar")
    assert events(ks, 2) == [space("foo", "set"), keyevent("set", "foo")]


def test_message_bytes_exact(rr, ks):
    notify(rr, "K$")
    rr.call("SET", "foo", "bar")
    head = b">4\r\n" if rr.protocol == 3 else b"*4\r\n"
    assert ks.read_raw() == (head + b"$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyspace@0__:foo\r\n"
                             b"$3\r\nset\r\n")


def test_off_by_default_and_when_no_kind_selected(rr, ks):
    assert rr.call("CONFIG", "GET", "notify-keyspace-events") in ([b"notify-keyspace-events", b""],
                                                                  {b"notify-keyspace-events": b""})
    rr.call("SET", "foo", "bar")
    rr.call("DEL", "foo")
    notify(rr, "A")          # classes but neither K nor E: nothing
    rr.call("SET", "foo", "bar")
    notify(rr, "KE")         # kinds but no class: nothing
    rr.call("SET", "foo", "bar")
    notify(rr, "K$")
    assert marker(rr, ks) == space("__marker__", "set")


def test_masking_by_class(rr, ks):
    notify(rr, "Kg")
    rr.call("SET", "foo", "bar")            # $: masked
    rr.call("EXPIRE", "foo", 100)
    rr.call("DEL", "foo")
    assert events(ks, 2) == [space("foo", "expire"), space("foo", "del")]
    notify(rr, "K$")
    rr.call("SET", "foo", "bar")
    rr.call("DEL", "foo")                   # g: masked
    rr.call("APPEND", "foo", "x")
    assert events(ks, 2) == [space("foo", "set"), space("foo", "append")]
    assert marker(rr, ks) == space("__marker__", "set")


def test_exact_channel_subscription(rr, shared_server, ks):
    notify(rr, "KE$")
    with shared_server.resp(protocol=rr.protocol) as s:
        s.send("SUBSCRIBE", "__keyspace@0__:only", "__keyevent@0__:append")
        s.read()
        s.read()
        rr.call("SET", "other", "1")
        rr.call("SET", "only", "1")
        rr.call("APPEND", "other", "2")
        assert list(s.read()) == [b"message", b"__keyspace@0__:only", b"set"]
        assert list(s.read()) == [b"message", b"__keyevent@0__:append", b"other"]


def test_database_number_in_channel(rr, ks):
    notify(rr, "KE$")
    rr.call("SELECT", 5)
    try:
        rr.call("SET", "foo", "bar")
        assert events(ks, 2) == [space("foo", "set", db=5), keyevent("set", "foo", db=5)]
    finally:
        rr.call("SELECT", 0)
        rr.call("FLUSHALL")


def test_binary_key(rr, ks):
    notify(rr, "KE$")
    key = b"k\x00\r\n\xff"
    rr.call("SET", key, "v")
    assert events(ks, 2) == [space(key, "set"), keyevent("set", key)]


def test_config_letters_roundtrip(rr):
    def get():
        reply = rr.call("CONFIG", "GET", "notify-keyspace-events")
        return reply[1] if isinstance(reply, list) else reply[b"notify-keyspace-events"]
    try:
        for given, shown in (("gKE", b"gKE"), ("$lshzxeKE", b"$lshzxeKE"), ("KA", b"AK"), ("EA", b"AE"),
                             ("KEA", b"AKE"), ("gn", b"gn"), ("", b"")):
            notify(rr, given)
            assert get() == shown, given
        with pytest.raises(RespError) as e:
            rr.call("CONFIG", "SET", "notify-keyspace-events", "KQ")
        assert e.value.message.startswith("ERR CONFIG SET failed")
        assert get() == b""
    finally:
        notify(rr, "")


def test_config_letter_order_of_m_and_n(rr, shared_server):
    """Valkey renders the classes (n among them) before K and E, and m last:
    "Kmn" reads back "nKm".  After A Valkey drops the n (still in effect),
    so the value does not survive CONFIG REWRITE; tessera keeps it."""
    def get():
        reply = rr.call("CONFIG", "GET", "notify-keyspace-events")
        return reply[1] if isinstance(reply, list) else reply[b"notify-keyspace-events"]
    after_a = (b"AKEm", b"AK") if shared_server.is_redis else (b"AnKEm", b"AnK")
    try:
        for given, shown in (("Kmn", b"nKm"), ("nE", b"nE"), ("KEAmn", after_a[0]), ("KAn", after_a[1])):
            notify(rr, given)
            assert get() == shown, given
    finally:
        notify(rr, "")


def test_config_from_file(start_server):
    srv = start_server(directives={"notify-keyspace-events": "Kg"})
    with srv.resp(protocol=2) as c, srv.resp(protocol=2) as s:
        assert c.call("CONFIG", "GET", "notify-keyspace-events") == [b"notify-keyspace-events", b"gK"]
        s.send("PSUBSCRIBE", "*")
        s.read()
        c.call("SET", "a", "1")
        c.call("DEL", "a")
        assert list(s.read()) == [b"pmessage", b"*", b"__keyspace@0__:a", b"del"]


# --------------------------------------------------------------------------
# generic events


def test_generic_events(rr, ks):
    notify(rr, "KEg")
    rr.call("SET", "foo", "bar")
    rr.call("EXPIRE", "foo", 100)
    rr.call("PERSIST", "foo")
    rr.call("DEL", "foo")
    assert events(ks, 6) == [space("foo", "expire"), keyevent("expire", "foo"),
                             space("foo", "persist"), keyevent("persist", "foo"),
                             space("foo", "del"), keyevent("del", "foo")]


def test_del_only_existing_keys(rr, ks):
    notify(rr, "Kg")
    rr.call("SET", "a", "1")
    rr.call("SET", "c", "1")
    assert rr.call("DEL", "a", "b", "c") == 2
    assert events(ks, 2) == [space("a", "del"), space("c", "del")]
    rr.call("UNLINK", "nothing")
    rr.call("SET", "u", "1")
    rr.call("UNLINK", "u")
    assert next_event(ks) == space("u", "del")


def test_expire_in_the_past_deletes(rr, ks):
    notify(rr, "Kg")
    rr.call("SET", "foo", "bar")
    rr.call("EXPIRE", "foo", -1)
    assert next_event(ks) == space("foo", "del")
    assert rr.call("EXISTS", "foo") == 0


def test_rename_events(rr, ks):
    notify(rr, "KEg")
    rr.call("SET", "src", "v")
    rr.call("RENAME", "src", "dst")
    assert events(ks, 4) == [space("src", "rename_from"), keyevent("rename_from", "src"),
                             space("dst", "rename_to"), keyevent("rename_to", "dst")]
    rr.call("RENAMENX", "dst", "src")
    assert events(ks, 2) == [space("dst", "rename_from"), keyevent("rename_from", "dst")]
    assert events(ks, 2) == [space("src", "rename_to"), keyevent("rename_to", "src")]


def test_move_and_copy_events(rr, ks):
    notify(rr, "Kg")
    rr.call("SET", "m", "v")
    assert rr.call("MOVE", "m", 3) == 1
    assert events(ks, 2) == [space("m", "move_from"), space("m", "move_to", db=3)]
    rr.call("SET", "c", "v")
    assert rr.call("COPY", "c", "c2") == 1
    assert next_event(ks) == space("c2", "copy_to")
    rr.call("FLUSHALL")


def test_expired_event_active_expiry(rr, ks):
    notify(rr, "Ex")
    rr.call("PSETEX", "foo", 100, "1")
    assert next_event(ks) == keyevent("expired", "foo")
    assert rr.call("EXISTS", "foo") == 0


def test_expired_event_lazy_expiry(rr, ks):
    notify(rr, "KEx")
    rr.call("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    try:
        rr.call("SET", "lazy", "1", "PX", 20)
        time.sleep(0.1)
        assert_no_events(ks, 0.05)
        assert rr.call("GET", "lazy") is None
        assert events(ks, 2) == [space("lazy", "expired"), keyevent("expired", "lazy")]
    finally:
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", 1)


def test_keymiss_event(rr, ks):
    notify(rr, "KEm")
    rr.call("SET", "here", "1")
    assert rr.call("GET", "here") == b"1"          # hit: no event
    assert rr.call("GET", "nokey") is None
    assert events(ks, 2) == [space("nokey", "keymiss"), keyevent("keymiss", "nokey")]
    # Writes that find no key are not misses.
    rr.call("SET", "fresh", "1")
    rr.call("DEL", "fresh")
    rr.call("GET", "nokey2")
    assert next_event(ks) == space("nokey2", "keymiss")


def test_a_excludes_keymiss_and_new(rr, ks):
    notify(rr, "KA")
    rr.call("GET", "nokey")
    rr.call("SET", "brand", "new")
    assert next_event(ks) == space("brand", "set")   # no keymiss, no new
    assert_no_events(ks)


def test_new_event(rr, ks):
    notify(rr, "Kn$")
    rr.call("SET", "k", "1")
    assert events(ks, 2) == [space("k", "new"), space("k", "set")]
    rr.call("SET", "k", "2")                      # overwrite: not new
    assert next_event(ks) == space("k", "set")
    notify(rr, "En")
    rr.call("SET", "k2", "1")
    assert next_event(ks) == keyevent("new", "k2")
    assert_no_events(ks)
    notify(rr, "KAn")                             # n next to A
    rr.call("SET", "k3", "1")
    assert events(ks, 2) == [space("k3", "new"), space("k3", "set")]


# --------------------------------------------------------------------------
# strings


def test_string_events(rr, ks):
    notify(rr, "E$")
    rr.call("SET", "s", "1")
    rr.call("INCR", "s")
    rr.call("INCRBY", "s", 5)
    rr.call("DECR", "s")
    rr.call("DECRBY", "s", 2)
    rr.call("INCRBYFLOAT", "s", "1.5")
    rr.call("APPEND", "s", "x")
    rr.call("SETRANGE", "s", 0, "y")
    rr.call("SETNX", "s", "z")                    # not set: no event
    rr.call("MSET", "m1", "a", "m2", "b")
    rr.call("SETEX", "e", 100, "v")
    rr.call("GETSET", "s", "q")
    got = events(ks, 11)
    assert [ev[0] for ev in got] == [b"__keyevent@0__:" + e for e in (
        b"set", b"incrby", b"incrby", b"incrby", b"incrby", b"incrbyfloat", b"append", b"setrange",
        b"set", b"set", b"set")]
    assert [ev[1] for ev in got] == [b"s", b"s", b"s", b"s", b"s", b"s", b"s", b"s", b"m1", b"m2", b"e"]
    assert next_event(ks) == keyevent("set", "s")    # GETSET
    assert_no_events(ks)


def test_set_with_ttl_sends_expire_too(rr, ks):
    notify(rr, "KA")
    rr.call("SET", "t", "v", "EX", 100)
    assert events(ks, 2) == [space("t", "set"), space("t", "expire")]
    rr.call("SETEX", "t2", 100, "v")
    assert events(ks, 2) == [space("t2", "set"), space("t2", "expire")]


def test_getdel_and_getex_events(rr, ks):
    notify(rr, "KA")
    rr.call("SET", "g", "v")
    next_event(ks)
    rr.call("GETEX", "g", "EX", 100)
    assert next_event(ks) == space("g", "expire")
    rr.call("GETEX", "g", "PERSIST")
    assert next_event(ks) == space("g", "persist")
    rr.call("GETDEL", "g")
    assert next_event(ks) == space("g", "del")


def test_bitmap_and_hll_events(rr, ks):
    notify(rr, "KA")
    rr.call("SETBIT", "b", 7, 1)
    assert next_event(ks) == space("b", "setbit")
    require_command(rr, "pfadd")
    rr.call("PFADD", "h", "a", "b")
    assert next_event(ks) == space("h", "pfadd")
    rr.call("PFADD", "h", "a")                    # nothing changed: no event
    assert marker(rr, ks) == space("__marker__", "set")


# --------------------------------------------------------------------------
# redis-py


def test_redis_py_keyspace_listener(r):
    p = r.pubsub(ignore_subscribe_messages=True)
    try:
        r.config_set("notify-keyspace-events", "KEA")
        p.psubscribe("__keyspace@0__:*")
        p.get_message(timeout=1)
        r.set("rp", "1")
        msg = None
        deadline = time.time() + 5
        while msg is None and time.time() < deadline:
            msg = p.get_message(timeout=0.5)
        assert msg == {"type": "pmessage", "pattern": b"__keyspace@0__:*",
                       "channel": b"__keyspace@0__:rp", "data": b"set"}
    finally:
        r.config_set("notify-keyspace-events", "")
        p.close()


# --------------------------------------------------------------------------
# the collection types: every write command's events, with A (so a key
# emptied by a command also reports its generic "del")


def check_events(rr, ks, commands, expected):
    """Runs commands with KA and checks the keyspace events they sent, in
    order, and that nothing else followed."""
    notify(rr, "KA")
    for cmd in commands:
        rr.call(*cmd)
    assert events(ks, len(expected)) == [space(k, e) for k, e in expected]
    assert marker(rr, ks) == space("__marker__", "set")


def test_list_events(rr, ks):
    require_command(rr, "lpush")
    check_events(rr, ks, [
        ("LPUSH", "l", "a", "b"), ("RPUSH", "l", "c"), ("LPUSHX", "l", "x"), ("RPUSHX", "l", "y"),
        ("LPUSHX", "nol", "x"), ("RPUSHX", "nol", "x"),
        ("LINSERT", "l", "BEFORE", "a", "i"), ("LINSERT", "l", "BEFORE", "nothere", "i"),
        ("LSET", "l", 0, "s"), ("LREM", "l", 0, "i"), ("LREM", "l", 0, "nothere"),
        ("LTRIM", "l", 0, 2), ("LPOP", "l"), ("RPOP", "l"), ("LPOP", "l"),
    ], [("l", "lpush"), ("l", "rpush"), ("l", "lpush"), ("l", "rpush"),
        ("l", "linsert"), ("l", "lset"), ("l", "lrem"), ("l", "ltrim"),
        ("l", "lpop"), ("l", "rpop"), ("l", "lpop"), ("l", "del")])


def test_list_move_and_pop_count_events(rr, ks):
    require_command(rr, "lmove")
    rr.call("RPUSH", "src", "a", "b", "c")
    check_events(rr, ks, [
        ("RPOPLPUSH", "src", "dst"), ("LMOVE", "src", "dst", "LEFT", "RIGHT"),
        ("LPOP", "dst", 5), ("RPOP", "nolist", 2),
    ], [("dst", "lpush"), ("src", "rpop"), ("dst", "rpush"), ("src", "lpop"),   # push reported first
        ("dst", "lpop"), ("dst", "del")])


def test_list_mpop_and_ltrim_to_empty(rr, ks):
    require_command(rr, "lmpop")
    rr.call("RPUSH", "l", "a", "b", "c")
    check_events(rr, ks, [("LMPOP", 2, "none", "l", "RIGHT", "COUNT", 2), ("LTRIM", "l", 5, 10)],
                 [("l", "rpop"), ("l", "ltrim"), ("l", "del")])


def test_blocking_pop_served_by_push(rr, ks, shared_server):
    require_command(rr, "blpop")
    notify(rr, "KA")
    with shared_server.resp(protocol=2) as waiter:
        waiter.send("BLPOP", "bl", 5)
        deadline = time.time() + 5
        while b"cmd=blpop" not in rr.call("CLIENT", "LIST") and time.time() < deadline:
            time.sleep(0.02)
        rr.call("LPUSH", "bl", "v")
        assert waiter.read() == [b"bl", b"v"]
    assert events(ks, 3) == [space("bl", "lpush"), space("bl", "lpop"), space("bl", "del")]


def test_hash_events(rr, ks):
    require_command(rr, "hset")
    check_events(rr, ks, [
        ("HSET", "h", "f1", "1", "f2", "2"), ("HSET", "h", "f1", "1"), ("HMSET", "h", "f3", "3"),
        ("HSETNX", "h", "f1", "x"), ("HSETNX", "h", "f4", "4"),
        ("HINCRBY", "h", "f1", 5), ("HINCRBYFLOAT", "h", "f2", "0.5"),
        ("HDEL", "h", "nothere"), ("HDEL", "h", "f1", "f2"), ("HDEL", "h", "f3", "f4"),
    ], [("h", "hset"), ("h", "hset"), ("h", "hset"), ("h", "hset"),
        ("h", "hincrby"), ("h", "hincrbyfloat"), ("h", "hdel"), ("h", "hdel"), ("h", "del")])


def test_set_events(rr, ks):
    require_command(rr, "sadd")
    check_events(rr, ks, [
        ("SADD", "s", "a", "b", "c"), ("SADD", "s", "a"), ("SREM", "s", "x"), ("SREM", "s", "a"),
        ("SMOVE", "s", "t", "b"), ("SMOVE", "s", "t", "nothere"), ("SPOP", "s"), ("SPOP", "t", 5),
    ], [("s", "sadd"), ("s", "srem"), ("s", "srem"), ("t", "sadd"),
        ("s", "spop"), ("s", "del"), ("t", "spop"), ("t", "del")])


def test_set_store_events(rr, ks):
    require_command(rr, "sinterstore")
    rr.call("SADD", "a", "1", "2", "3")
    rr.call("SADD", "b", "2", "3", "4")
    check_events(rr, ks, [
        ("SINTERSTORE", "i", "a", "b"), ("SUNIONSTORE", "u", "a", "b"), ("SDIFFSTORE", "d", "a", "b"),
        ("SINTERSTORE", "i", "a", "nokey"), ("SINTERSTORE", "none", "a", "nokey"),
    ], [("i", "sinterstore"), ("u", "sunionstore"), ("d", "sdiffstore"), ("i", "del")])


def test_zset_events(rr, ks):
    require_command(rr, "zadd")
    check_events(rr, ks, [
        ("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e"), ("ZADD", "z", "NX", 1, "a"),
        ("ZADD", "z", "INCR", 1, "a"), ("ZINCRBY", "z", 10, "b"), ("ZREM", "z", "x"), ("ZREM", "z", "a"),
        ("ZREMRANGEBYSCORE", "z", 3, 3), ("ZREMRANGEBYRANK", "z", 0, 0), ("ZPOPMIN", "z"),
        ("ZPOPMAX", "z"), ("ZPOPMIN", "z"),
    ], [("z", "zadd"), ("z", "zincr"), ("z", "zincr"), ("z", "zrem"),
        ("z", "zremrangebyscore"), ("z", "zremrangebyrank"), ("z", "zpopmin"), ("z", "zpopmax"),
        ("z", "del")])         # the last ZPOPMIN finds no key


def test_zset_lex_and_store_events(rr, ks):
    require_command(rr, "zunionstore")
    rr.call("ZADD", "a", 0, "x", 0, "y", 0, "z")
    rr.call("ZADD", "b", 0, "y")
    check_events(rr, ks, [
        ("ZUNIONSTORE", "u", 2, "a", "b"), ("ZINTERSTORE", "i", 2, "a", "b"), ("ZDIFFSTORE", "d", 2, "a", "b"),
        ("ZRANGESTORE", "r", "a", 0, 0), ("ZREMRANGEBYLEX", "a", "[x", "[x"),
        ("ZINTERSTORE", "i", 2, "a", "nokey"),
    ], [("u", "zunionstore"), ("i", "zinterstore"), ("d", "zdiffstore"), ("r", "zrangestore"),
        ("a", "zremrangebylex"), ("i", "del")])


def test_zmpop_events(rr, ks):
    require_command(rr, "zmpop")
    rr.call("ZADD", "z", 1, "a", 2, "b")
    check_events(rr, ks, [("ZMPOP", 1, "z", "MAX"), ("ZMPOP", 1, "z", "MIN", "COUNT", 5)],
                 [("z", "zpopmax"), ("z", "zpopmin"), ("z", "del")])


def test_sort_store_events(rr, ks):
    require_command(rr, "sort")
    rr.call("RPUSH", "l", 3, 1, 2)
    check_events(rr, ks, [("SORT", "l", "STORE", "sorted"), ("SORT", "nokey", "STORE", "sorted")],
                 [("sorted", "sortstore"), ("sorted", "del")])


def test_pfmerge_event(rr, ks):
    require_command(rr, "pfmerge")
    rr.call("PFADD", "h1", "a")
    check_events(rr, ks, [("PFMERGE", "h2", "h1")], [("h2", "pfadd")])
