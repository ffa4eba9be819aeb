"""Blocking sorted set pops: BZPOPMIN, BZPOPMAX, BZMPOP — served at once when
a key has elements, else blocked until ZADD (or any store of a zset) arrives,
first-come first-served, null at the deadline, as a timeout inside MULTI,
WRONGTYPE, deleted keys and type changes, stores that create the awaited
key (ZUNIONSTORE, RENAME).  Reply shapes in RESP2 and RESP3.  Runs against
redis-server 7.0 too (TESSERA_SERVER=/usr/bin/redis-server)."""

import time

import pytest

from helpers import RespError, blocked_clients, wait_blocked


def sc(client, value):
    return float(value) if client.protocol == 3 else value.encode()


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


@pytest.mark.parametrize("protocol", [2, 3])
def test_served_at_once(clients, protocol):
    c = clients(protocol)
    c.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert c.call("BZPOPMIN", "nosuch", "z", "0") == [b"z", b"a", sc(c, "1")]
    assert c.call("BZPOPMAX", "z", "0") == [b"z", b"c", sc(c, "3")]
    assert c.call("BZMPOP", "0", "2", "nosuch", "z", "MIN", "COUNT", "5") == \
        [b"z", [[b"b", sc(c, "2")]]]
    assert c.call("EXISTS", "z") == 0


@pytest.mark.parametrize("protocol", [2, 3])
def test_timeout(clients, protocol):
    c = clients(protocol)
    start = time.monotonic()
    assert c.call("BZPOPMIN", "z", "0.1") is None
    assert c.last_raw == (b"*-1\r\n" if protocol == 2 else b"_\r\n")
    assert c.call("BZMPOP", "0.1", "1", "z", "MAX") is None
    assert c.last_raw == (b"*-1\r\n" if protocol == 2 else b"_\r\n")
    assert 0.18 <= time.monotonic() - start < 1.0


def test_woken_by_zadd(clients):
    waiter, admin = clients(), clients()
    waiter.send("BZPOPMIN", "z1", "z2", "5")
    wait_blocked(admin, 1)
    admin.call("ZADD", "z2", "5", "x", "1", "y")
    assert waiter.read() == [b"z2", b"y", b"1"]
    assert admin.call("ZRANGE", "z2", "0", "-1") == [b"x"]
    waiter.send("BZMPOP", "5", "1", "z3", "MAX", "COUNT", "2")
    wait_blocked(admin, 1)
    admin.call("ZADD", "z3", "1", "a", "2", "b", "3", "c")
    assert waiter.read() == [b"z3", [[b"c", b"3"], [b"b", b"2"]]]
    assert admin.call("ZRANGE", "z3", "0", "-1") == [b"a"]


def test_fifo_fairness(clients):
    a, b, c, admin = clients(), clients(), clients(), clients()
    a.send("BZPOPMIN", "z", "5")
    wait_blocked(admin, 1)
    b.send("BZPOPMAX", "z", "5")
    wait_blocked(admin, 2)
    c.send("BZPOPMIN", "z", "5")
    wait_blocked(admin, 3)
    admin.call("ZADD", "z", "1", "low", "2", "mid", "3", "high")
    assert a.read() == [b"z", b"low", b"1"]
    assert b.read() == [b"z", b"high", b"3"]
    assert c.read() == [b"z", b"mid", b"2"]
    assert blocked_clients(admin) == 0


def test_one_element_serves_only_the_oldest(clients):
    a, b, admin = clients(), clients(), clients()
    a.send("BZPOPMIN", "z", "5")
    wait_blocked(admin, 1)
    b.send("BZPOPMIN", "z", "0.3")
    wait_blocked(admin, 2)
    admin.call("ZADD", "z", "1", "only")
    assert a.read() == [b"z", b"only", b"1"]
    assert b.read() is None


def test_inside_multi_does_not_block(clients):
    c = clients()
    c.call("MULTI")
    c.call("BZPOPMIN", "z", "0")
    c.call("BZMPOP", "0", "1", "z", "MIN")
    assert c.call("EXEC") == [None, None]


def test_served_after_exec(clients):
    waiter, admin = clients(), clients()
    waiter.send("BZPOPMAX", "z", "5")
    wait_blocked(admin, 1)
    admin.call("MULTI")
    admin.call("ZADD", "z", "1", "a")
    admin.call("ZADD", "z", "2", "b")
    assert admin.call("EXEC") == [1, 1]
    assert waiter.read() == [b"z", b"b", b"2"]


def test_wrongtype_and_type_change(clients):
    waiter, admin = clients(), clients()
    admin.call("SET", "str", "x")
    with pytest.raises(RespError) as e:
        waiter.call("BZPOPMIN", "str", "0")
    assert e.value.message.startswith("WRONGTYPE")
    # a list under the awaited key wakes nobody; a zset later does
    waiter.send("BZPOPMIN", "k", "5")
    wait_blocked(admin, 1)
    admin.call("RPUSH", "k", "a")
    time.sleep(0.05)
    assert blocked_clients(admin) == 1
    admin.call("DEL", "k")
    admin.call("ZADD", "k", "7", "m")
    assert waiter.read() == [b"k", b"m", b"7"]


def test_woken_by_zunionstore_and_rename(clients):
    waiter, admin = clients(), clients()
    admin.call("ZADD", "src", "1", "a")
    waiter.send("BZPOPMIN", "dst", "5")
    wait_blocked(admin, 1)
    admin.call("ZUNIONSTORE", "dst", "1", "src")
    assert waiter.read() == [b"dst", b"a", b"1"]
    waiter.send("BZPOPMAX", "dst2", "5")
    wait_blocked(admin, 1)
    admin.call("RENAME", "src", "dst2")
    assert waiter.read() == [b"dst2", b"a", b"1"]


def test_bad_arguments(clients):
    c = clients()
    for args, message in (
            (("BZPOPMIN", "z", "-1"), "ERR timeout is negative"),
            (("BZPOPMIN", "z", "abc"), "ERR timeout is not a float or out of range"),
            (("BZMPOP", "0", "0", "z", "MIN"), "ERR numkeys should be greater than 0"),
            (("BZMPOP", "0", "1", "z", "FOO"), "ERR syntax error"),
            (("BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"), "ERR count should be greater than 0"),
            (("BZMPOP", "x", "1", "z", "MIN"), "ERR timeout is not a float or out of range")):
        with pytest.raises(RespError) as e:
            c.call(*args)
        assert e.value.message == message, args
