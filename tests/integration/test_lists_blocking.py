"""Blocking list commands, list side: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP —
served at once from the first listed key that holds a list, their reply
shapes in RESP2 and RESP3 (served, timed out, inside MULTI), argument errors
in Valkey's order, serving after a wake-up through the same code path (one
element or a COUNT, directions, a destination of the wrong type met at
wake-up time, the emptied list deleted), and the events of a served pop.
The server side (queues, deadlines, CLIENT UNBLOCK) is test_blocking.py's.
Runs against redis-server 7.0 too (TESSERA_SERVER=/usr/bin/redis-server)."""

import time

import pytest

from helpers import RespError, blocked_clients, wait_blocked

ERR_SYNTAX = "ERR syntax error"
ERR_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_TIMEOUT_FLOAT = "ERR timeout is not a float or out of range"
ERR_TIMEOUT_NEG = "ERR timeout is negative"


def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


@pytest.fixture
def clients(shared_server):
    made = []

    def make(protocol=2):
        c = shared_server.resp(protocol=protocol)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def admin(clients):
    return clients()


# ------------------------------------------------------------------ served at once

@pytest.mark.parametrize("protocol", [2, 3])
def test_served_at_once_from_first_nonempty_key(clients, protocol):
    c = clients(protocol)
    c.call("RPUSH", "b", "1", "2")
    c.call("RPUSH", "c", "x")
    assert c.call("BLPOP", "a", "b", "c", 0) == [b"b", b"1"]
    assert c.call("BRPOP", "a", "b", "c", 0) == [b"b", b"2"]
    assert c.call("EXISTS", "b") == 0
    assert c.call("BRPOP", "a", "b", "c", 0) == [b"c", b"x"]
    c.call("RPUSH", "b", "1", "2", "3")
    assert c.call("BLMPOP", 0, 2, "a", "b", "RIGHT", "COUNT", 2) == [b"b", [b"3", b"2"]]
    assert c.call("BLMPOP", 0, 2, "a", "b", "LEFT") == [b"b", [b"1"]]
    c.call("RPUSH", "s", "a", "b")
    assert c.call("BLMOVE", "s", "d", "RIGHT", "LEFT", 0) == b"b"
    assert c.call("BRPOPLPUSH", "s", "d", 0) == b"a"
    assert c.call("LRANGE", "d", 0, -1) == [b"a", b"b"]


def test_wrong_type_met_in_key_order(admin):
    admin.call("SET", "str", "x")
    admin.call("RPUSH", "l", "v")
    assert error_of(admin, "BLPOP", "str", "l", 0) == ERR_WRONGTYPE
    assert admin.call("BLPOP", "l", "str", 0) == [b"l", b"v"]
    assert error_of(admin, "BLPOP", "missing", "str", 1) == ERR_WRONGTYPE
    assert error_of(admin, "BLMOVE", "str", "d", "LEFT", "LEFT", 0) == ERR_WRONGTYPE
    admin.call("RPUSH", "l", "v")
    assert error_of(admin, "BLMOVE", "l", "str", "LEFT", "LEFT", 0) == ERR_WRONGTYPE
    assert admin.call("LLEN", "l") == 1
    assert error_of(admin, "BLMPOP", 0, 2, "str", "l", "LEFT") == ERR_WRONGTYPE


# ------------------------------------------------------------------ argument errors

@pytest.mark.parametrize("args,message", [
    (("BLPOP", "k", "abc"), ERR_TIMEOUT_FLOAT),
    (("BLPOP", "k", "-1"), ERR_TIMEOUT_NEG),
    (("BRPOP", "k", "nan"), ERR_TIMEOUT_FLOAT),
    (("BRPOPLPUSH", "k", "d", "x"), ERR_TIMEOUT_FLOAT),
    (("BLMOVE", "k", "d", "LEFT", "RIGHT", "-0.5"), ERR_TIMEOUT_NEG),
    # Positions are parsed before the timeout.
    (("BLMOVE", "k", "d", "UP", "RIGHT", "x"), ERR_SYNTAX),
    (("BLMOVE", "k", "d", "LEFT", "DOWN", "x"), ERR_SYNTAX),
    # BLMPOP: numkeys, where and COUNT before the timeout.
    (("BLMPOP", "x", 0, "k", "LEFT"), "ERR numkeys should be greater than 0"),
    (("BLMPOP", "x", 1, "k", "MIDDLE"), ERR_SYNTAX),
    (("BLMPOP", "x", 1, "k", "LEFT", "COUNT", 0), "ERR count should be greater than 0"),
    (("BLMPOP", "x", 2, "k", "LEFT"), ERR_SYNTAX),
    (("BLMPOP", "x", 1, "k", "LEFT"), ERR_TIMEOUT_FLOAT),
    (("BLMPOP", "-1", 1, "k", "LEFT"), ERR_TIMEOUT_NEG),
])
def test_argument_errors(admin, args, message):
    assert error_of(admin, *args) == message
    assert blocked_clients(admin) == 0


# ------------------------------------------------------------------ inside MULTI

@pytest.mark.parametrize("protocol", [2, 3])
def test_inside_multi_replies_as_timed_out(clients, protocol):
    c = clients(protocol)
    c.call("MULTI")
    for cmd in (("BLPOP", "e", 0), ("BRPOP", "e", 0), ("BLMPOP", 0, 1, "e", "LEFT"),
                ("BLMOVE", "e", "d", "LEFT", "LEFT", 0), ("BRPOPLPUSH", "e", "d", 0)):
        assert c.call(*cmd) == b"QUEUED"
    c.send("EXEC")
    raw = c.read_raw()
    if protocol == 2:
        # Pops: null arrays; the moves: null bulk strings (Valkey's replies).
        assert raw == b"*5\r\n*-1\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n"
    else:
        assert raw == b"*5\r\n_\r\n_\r\n_\r\n_\r\n_\r\n"
    # With data they serve inside MULTI as usual.
    c.call("RPUSH", "f", "1", "2", "3")
    c.call("MULTI")
    c.call("BLPOP", "f", 0)
    c.call("BLMPOP", 0, 1, "f", "RIGHT", "COUNT", 5)
    assert c.call("EXEC") == [[b"f", b"1"], [b"f", [b"3", b"2"]]]


# ------------------------------------------------------------------ served after a wake-up

@pytest.mark.parametrize("protocol", [2, 3])
def test_blpop_brpop_served_after_push(clients, admin, protocol):
    a, b = clients(protocol), clients(protocol)
    a.send("BLPOP", "k1", "k2", 0)
    b.send("BRPOP", "k2", 0)
    wait_blocked(admin, 2)
    assert admin.call("RPUSH", "k2", "x", "y", "z") == 3
    assert a.read() == [b"k2", b"x"]
    assert b.read() == [b"k2", b"z"]
    assert admin.call("LRANGE", "k2", 0, -1) == [b"y"]


def test_emptied_list_is_deleted_after_service(clients, admin):
    a = clients()
    a.send("BRPOP", "k", 0)
    wait_blocked(admin, 1)
    admin.call("LPUSH", "k", "only")
    assert a.read() == [b"k", b"only"]
    assert admin.call("EXISTS", "k") == 0


@pytest.mark.parametrize("protocol", [2, 3])
def test_blmpop_count_after_push(clients, admin, protocol):
    a, b = clients(protocol), clients(protocol)
    a.send("BLMPOP", 0, 2, "m1", "m2", "LEFT", "COUNT", 2)
    b.send("BLMPOP", 0, 1, "m2", "RIGHT", "COUNT", 10)
    wait_blocked(admin, 2)
    admin.call("RPUSH", "m2", "1", "2", "3", "4", "5")
    assert a.read() == [b"m2", [b"1", b"2"]]
    assert b.read() == [b"m2", [b"5", b"4", b"3"]]
    assert admin.call("EXISTS", "m2") == 0


@pytest.mark.parametrize("wherefrom,whereto", [("LEFT", "LEFT"), ("LEFT", "RIGHT"),
                                               ("RIGHT", "LEFT"), ("RIGHT", "RIGHT")])
def test_blmove_directions_after_push(clients, admin, wherefrom, whereto):
    a = clients()
    admin.call("RPUSH", "dst", "d1", "d2")
    a.send("BLMOVE", "src", "dst", wherefrom, whereto, 0)
    wait_blocked(admin, 1)
    admin.call("RPUSH", "src", "first", "last")
    moved = b"first" if wherefrom == "LEFT" else b"last"
    assert a.read() == moved
    expect = [moved, b"d1", b"d2"] if whereto == "LEFT" else [b"d1", b"d2", moved]
    assert admin.call("LRANGE", "dst", 0, -1) == expect
    assert admin.call("LRANGE", "src", 0, -1) == [b"last" if wherefrom == "LEFT" else b"first"]


def test_brpoplpush_onto_itself_after_push(clients, admin):
    a = clients()
    a.send("BRPOPLPUSH", "rot", "rot", 0)
    wait_blocked(admin, 1)
    admin.call("RPUSH", "rot", "a", "b")
    assert a.read() == b"b"
    assert admin.call("LRANGE", "rot", 0, -1) == [b"b", b"a"]


def test_blmove_destination_became_wrong_type(clients, admin):
    a = clients()
    a.send("BLMOVE", "src", "dst", "LEFT", "LEFT", 0)
    wait_blocked(admin, 1)
    admin.call("SET", "dst", "string")
    admin.call("RPUSH", "src", "x")
    with pytest.raises(RespError) as e:
        a.read()
    assert e.value.message == ERR_WRONGTYPE
    assert admin.call("LRANGE", "src", 0, -1) == [b"x"]
    assert blocked_clients(admin) == 0


def test_blmove_feeds_a_blpop_waiter(clients, admin):
    a, b = clients(), clients()
    a.send("BLMOVE", "src", "dst", "RIGHT", "LEFT", 0)
    wait_blocked(admin, 1)
    b.send("BLPOP", "dst", 0)
    wait_blocked(admin, 2)
    admin.call("LPUSH", "src", "v")
    assert a.read() == b"v"
    assert b.read() == [b"dst", b"v"]
    assert admin.call("EXISTS", "src", "dst") == 0


def test_waiter_stays_blocked_while_key_is_not_a_list(clients, admin):
    a = clients()
    a.send("BLPOP", "k", 0)
    wait_blocked(admin, 1)
    admin.call("SET", "k", "str")
    admin.call("DEL", "k")
    admin.call("SADD", "k", "m")
    admin.call("DEL", "k")
    time.sleep(0.05)
    assert blocked_clients(admin) == 1
    admin.call("RPUSH", "k", "v")
    assert a.read() == [b"k", b"v"]


def test_timeout_of_each_blocking_command(clients):
    for protocol in (2, 3):
        c = clients(protocol)
        for cmd in (("BLPOP", "e1", "e2", "0.05"), ("BRPOP", "e1", "0.05"),
                    ("BLMPOP", "0.05", 1, "e1", "LEFT"),
                    ("BLMOVE", "e1", "d", "LEFT", "LEFT", "0.05"),
                    ("BRPOPLPUSH", "e1", "d", "0.05")):
            start = time.monotonic()
            assert c.call(*cmd) is None
            assert time.monotonic() - start >= 0.04
            assert c.last_raw == (b"*-1\r\n" if protocol == 2 else b"_\r\n")


def test_served_pop_events(clients, admin, shared_server):
    admin.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
    try:
        sub = clients(3)
        sub.call("PSUBSCRIBE", "__keyevent@0__:*")
        a = clients()
        a.send("BLPOP", "ev", 0)
        wait_blocked(admin, 1)
        admin.call("RPUSH", "ev", "x")
        assert a.read() == [b"ev", b"x"]
        seen = []
        while len(seen) < 3:
            m = sub.next_push(timeout=2)
            if m[0] == b"pmessage":
                seen.append((m[2].split(b":", 1)[1], m[3]))
        assert seen == [(b"rpush", b"ev"), (b"lpop", b"ev"), (b"del", b"ev")]
    finally:
        admin.call("CONFIG", "SET", "notify-keyspace-events", "")
