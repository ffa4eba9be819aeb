"""Blocking commands, server side: FIFO service per key, deadlines with
sub-second precision, wake-ups from MULTI/EXEC, chains (BLMOVE feeding
another waiter), deleted keys and type changes, SWAPDB and FLUSH, CLIENT
UNBLOCK, disconnects, INFO and CLIENT LIST.  The list commands are the
vehicle (BLPOP, BRPOP, BLMOVE).  Runs against redis-server 7.0 too
(TESSERA_SERVER=/usr/bin/redis-server)."""

import os
import time

import pytest

from helpers import RespError, blocked_clients, wait_blocked, server_binary

REDIS_7_0 = "redis" in os.path.basename(server_binary())
valkey_only = pytest.mark.skipif(REDIS_7_0, reason="Valkey 8 behaviour (redis 7.0 differs)")


@pytest.fixture(autouse=True)
def _needs_blocking_lists(shared_server):
    with shared_server.resp() as c:
        if c.call("COMMAND", "INFO", "BLPOP") == [None]:
            pytest.skip("BLPOP not available yet")


def info_clients(client):
    text = client.call("INFO", "clients").decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


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


# --- Deadlines ------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", [2, 3])
def test_timeout_precision_and_reply(clients, protocol):
    c = clients(protocol)
    start = time.monotonic()
    assert c.call("BLPOP", "nolist", "0.1") is None
    elapsed = time.monotonic() - start
    assert 0.09 <= elapsed < 0.5, elapsed
    assert c.last_raw == (b"*-1\r\n" if protocol == 2 else b"_\r\n")


def test_deadlines_fire_in_order(clients):
    a, b, c, admin = clients(), clients(), clients(), clients()
    start = time.monotonic()
    a.send("BLPOP", "x", "0.3")
    b.send("BLPOP", "x", "0.1")
    c.send("BRPOP", "x", "0.2")
    assert b.read() is None
    tb = time.monotonic() - start
    assert c.read() is None
    tc = time.monotonic() - start
    assert a.read() is None
    ta = time.monotonic() - start
    assert 0.09 <= tb < tc < ta < 1.0, (tb, tc, ta)
    assert blocked_clients(admin) == 0


@pytest.mark.parametrize("timeout, message", [
    ("-1", "ERR timeout is negative"),
    ("abc", "ERR timeout is not a float or out of range"),
    pytest.param("1e30", "ERR timeout is out of range", marks=valkey_only),
    ("nan", "ERR timeout is not a float or out of range"),
])
def test_bad_timeouts(clients, timeout, message):
    c = clients()
    reply = c.call("BLPOP", "x", timeout, raise_errors=False)
    assert isinstance(reply, RespError)
    assert str(reply) == message


# --- Service order ---------------------------------------------------------------------

def test_fifo_fairness_across_three_clients(clients):
    a, b, c, pusher = clients(), clients(), clients(), clients()
    for i, cl in enumerate((a, b, c)):
        cl.send("BLPOP", "q", "0")
        wait_blocked(pusher, i + 1)
    assert pusher.call("RPUSH", "q", "1", "2", "3") == 3
    assert a.read() == [b"q", b"1"]
    assert b.read() == [b"q", b"2"]
    assert c.read() == [b"q", b"3"]
    assert pusher.call("EXISTS", "q") == 0


def test_one_element_at_a_time_goes_to_the_oldest_waiter(clients):
    a, b, c, pusher = clients(), clients(), clients(), clients()
    for i, cl in enumerate((a, b, c)):
        cl.send("BRPOP", "q", "0")
        wait_blocked(pusher, i + 1)
    for cl, value in ((a, "x"), (b, "y"), (c, "z")):
        pusher.call("LPUSH", "q", value)
        assert cl.read() == [b"q", value.encode()]
    assert blocked_clients(pusher) == 0


def test_variadic_push_serves_after_the_command(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("LPUSH", "q", "foo", "bar")
    assert a.read() == [b"q", b"bar"]
    assert pusher.call("LRANGE", "q", "0", "-1") == [b"foo"]


@valkey_only
def test_multiple_keys_and_cleanup(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "k1", "k2", "k1", "0")
    wait_blocked(pusher, 1)
    assert info_clients(pusher)["total_blocking_keys"] == "2"
    pusher.call("RPUSH", "k2", "v")
    assert a.read() == [b"k2", b"v"]
    info = info_clients(pusher)
    assert info["blocked_clients"] == "0" and info["total_blocking_keys"] == "0"


def test_pipelined_commands_run_after_service(clients):
    a, pusher = clients(), clients()
    a.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n")
    wait_blocked(pusher, 1)
    pusher.call("RPUSH", "q", "v")
    assert a.read() == [b"q", b"v"]
    assert a.read() == b"PONG"


def test_waiter_in_other_db_is_not_served(clients):
    a, pusher = clients(), clients()
    a.call("SELECT", "1")
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("RPUSH", "q", "db0")
    time.sleep(0.05)
    assert pusher.call("LLEN", "q") == 1
    pusher.call("SELECT", "1")
    pusher.call("RPUSH", "q", "db1")
    assert a.read() == [b"q", b"db1"]
    pusher.call("FLUSHDB")


# --- Transactions and chains -------------------------------------------------------------

def test_served_after_exec_not_during(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("MULTI")
    pusher.call("LPUSH", "q", "a")
    pusher.call("LPUSH", "q", "b")
    pusher.call("LPUSH", "q", "c")
    assert pusher.call("EXEC") == [1, 2, 3]
    assert a.read() == [b"q", b"c"]
    assert pusher.call("LRANGE", "q", "0", "-1") == [b"b", b"a"]


def test_push_and_pop_inside_exec_wakes_nobody(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("MULTI")
    pusher.call("LPUSH", "q", "a")
    pusher.call("LPOP", "q")
    pusher.call("EXEC")
    time.sleep(0.05)
    assert blocked_clients(pusher) == 1
    pusher.call("RPUSH", "q", "later")
    assert a.read() == [b"q", b"later"]


def test_blocking_command_inside_multi_does_not_block(clients):
    c = clients()
    c.call("MULTI")
    c.call("BLPOP", "empty", "0")
    c.call("BLMOVE", "empty", "dst", "LEFT", "LEFT", "0")
    assert c.call("EXEC") == [None, None]


def test_blmove_chain(clients):
    mover, popper, pusher = clients(), clients(), clients()
    mover.send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
    wait_blocked(pusher, 1)
    popper.send("BLPOP", "dst", "0")
    wait_blocked(pusher, 2)
    pusher.call("RPUSH", "src", "x")
    assert mover.read() == b"x"
    assert popper.read() == [b"dst", b"x"]
    assert pusher.call("EXISTS", "src", "dst") == 0


def test_blmove_chain_from_exec(clients):
    mover, popper, pusher = clients(), clients(), clients()
    mover.send("BRPOPLPUSH", "src", "dst", "0")
    wait_blocked(pusher, 1)
    popper.send("BRPOP", "dst", "0")
    wait_blocked(pusher, 2)
    pusher.call("MULTI")
    pusher.call("RPUSH", "src", "1", "2")
    pusher.call("EXEC")
    assert mover.read() == b"2"
    assert popper.read() == [b"dst", b"2"]
    assert pusher.call("LRANGE", "src", "0", "-1") == [b"1"]


# --- Deleted keys, other types, whole databases ----------------------------------------------

def test_deleted_key_wakes_nobody(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("MULTI")
    pusher.call("LPUSH", "q", "x")
    pusher.call("DEL", "q")
    pusher.call("EXEC")
    time.sleep(0.05)
    assert blocked_clients(pusher) == 1
    pusher.call("LPUSH", "q", "y")
    assert a.read() == [b"q", b"y"]


def test_key_of_other_type_wakes_nobody(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("MULTI")
    pusher.call("LPUSH", "q", "x")
    pusher.call("DEL", "q")
    pusher.call("SET", "q", "string")
    pusher.call("EXEC")
    time.sleep(0.05)
    assert blocked_clients(pusher) == 1
    pusher.call("DEL", "q")
    pusher.call("RPUSH", "q", "z")
    assert a.read() == [b"q", b"z"]


def test_rename_onto_awaited_key_wakes(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("RPUSH", "other", "v")
    pusher.call("RENAME", "other", "q")
    assert a.read() == [b"q", b"v"]


def test_swapdb_wakes_waiters(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("SELECT", "1")
    pusher.call("RPUSH", "q", "from1")
    pusher.call("SWAPDB", "0", "1")
    assert a.read() == [b"q", b"from1"]
    pusher.call("FLUSHALL")


def test_flushall_keeps_waiters_blocked(clients):
    a, pusher = clients(), clients()
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    pusher.call("FLUSHALL")
    time.sleep(0.05)
    assert blocked_clients(pusher) == 1
    pusher.call("RPUSH", "q", "v")
    assert a.read() == [b"q", b"v"]


# --- CLIENT UNBLOCK ------------------------------------------------------------------------

def test_client_unblock_timeout_and_error(clients):
    a, admin = clients(), clients()
    my_id = a.call("CLIENT", "ID")
    a.send("BLPOP", "q", "0")
    wait_blocked(admin, 1)
    assert admin.call("CLIENT", "UNBLOCK", str(my_id)) == 1
    assert a.read() is None
    a.send("BRPOP", "q", "0")
    wait_blocked(admin, 1)
    assert admin.call("CLIENT", "UNBLOCK", str(my_id), "TIMEOUT") == 1
    assert a.read() is None
    a.send("BLMOVE", "q", "d", "LEFT", "LEFT", "0")
    wait_blocked(admin, 1)
    assert admin.call("CLIENT", "UNBLOCK", str(my_id), "error") == 1
    reply = a.read(raise_errors=False)
    assert a.last_raw == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", reply
    assert blocked_clients(admin) == 0
    # Not blocked any more, unknown id: 0.
    assert admin.call("CLIENT", "UNBLOCK", str(my_id)) == 0
    assert admin.call("CLIENT", "UNBLOCK", "999999") == 0
    # The client works normally afterwards.
    assert a.call("PING") == b"PONG"


def test_client_unblock_errors(clients):
    admin = clients()
    my_id = admin.call("CLIENT", "ID")
    assert str(admin.call("CLIENT", "UNBLOCK", str(my_id), "maybe", raise_errors=False)) == \
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
    assert str(admin.call("CLIENT", "UNBLOCK", "abc", raise_errors=False)) == \
        "ERR value is not an integer or out of range"


@valkey_only
def test_client_unblock_spares_paused_clients(server):
    a, admin = server.resp(), server.resp()
    my_id = a.call("CLIENT", "ID")
    admin.call("CLIENT", "PAUSE", "300", "WRITE")
    a.send("SET", "k", "v")
    time.sleep(0.05)
    assert admin.call("CLIENT", "UNBLOCK", str(my_id)) == 0
    assert a.read() == b"OK"
    a.close()
    admin.close()


# --- Client state --------------------------------------------------------------------------

@valkey_only
def test_client_list_flag_and_info(clients):
    a, admin = clients(), clients()
    my_id = a.call("CLIENT", "ID")
    a.send("BLPOP", "q1", "q2", "0")
    wait_blocked(admin, 1)
    line = admin.call("CLIENT", "LIST", "ID", str(my_id)).decode()
    fields = dict(kv.split("=", 1) for kv in line.strip().split(" "))
    assert "b" in fields["flags"]
    assert fields["cmd"] == "blpop"
    assert info_clients(admin)["total_blocking_keys"] == "2"
    admin.call("CLIENT", "UNBLOCK", str(my_id))
    a.read()
    line = admin.call("CLIENT", "LIST", "ID", str(my_id)).decode()
    assert "flags=N" in line


@valkey_only
def test_disconnect_while_blocked(shared_server, clients):
    pusher = clients()
    for _ in range(3):
        c = shared_server.resp()
        c.send("BLPOP", "q", "0")
        wait_blocked(pusher, 1)
        c.close()
        wait_blocked(pusher, 0)
    assert info_clients(pusher)["total_blocking_keys"] == "0"
    pusher.call("RPUSH", "q", "kept")
    assert pusher.call("LRANGE", "q", "0", "-1") == [b"kept"]


def test_killed_blocked_client_gets_nothing(clients):
    a, pusher = clients(), clients()
    my_id = a.call("CLIENT", "ID")
    a.send("BLPOP", "q", "0")
    wait_blocked(pusher, 1)
    assert pusher.call("CLIENT", "KILL", "ID", str(my_id)) == 1
    wait_blocked(pusher, 0)
    pusher.call("RPUSH", "q", "kept")
    assert pusher.call("LLEN", "q") == 1


def test_many_waiters_with_timeouts_and_disconnects(shared_server, clients):
    """Waiters that time out, disconnect and get served, mixed."""
    pusher = clients()
    waiters = []
    for i in range(12):
        c = shared_server.resp()
        c.send("BLPOP", "m", "0.2" if i % 3 == 0 else "0")
        waiters.append(c)
    wait_blocked(pusher, 12)
    for i in (1, 4, 7):
        waiters[i].close()
    time.sleep(0.3)   # the 0.2 s waiters time out
    served = [w for i, w in enumerate(waiters) if i % 3 != 0 and i not in (1, 4, 7)]
    for i in range(0, 12, 3):
        assert waiters[i].read() is None
    wait_blocked(pusher, len(served))
    pusher.call("RPUSH", "m", *[str(i) for i in range(len(served))])
    for n, w in enumerate(served):
        assert w.read() == [b"m", str(n).encode()]
    assert pusher.call("EXISTS", "m") == 0
    for w in waiters:
        w.close()


def test_key_expired_before_service_keeps_waiter_blocked(clients):
    a, pusher = clients(), clients()
    pusher.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        start = time.monotonic()
        a.send("BLPOP", "q", "0.6")
        wait_blocked(pusher, 1)
        pusher.call("MULTI")
        pusher.call("RPUSH", "q", "a")
        pusher.call("PEXPIRE", "q", "100")
        pusher.call("DEBUG", "SLEEP", "0.2")
        pusher.call("EXEC")
        assert a.read() is None
        assert 0.55 <= time.monotonic() - start < 0.8
    finally:
        pusher.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


@valkey_only
def test_hex_timeout_out_of_range(clients):
    c = clients()
    reply = c.call("BLPOP", "x", "0x7FFFFFFFFFFFFF", raise_errors=False)
    assert isinstance(reply, RespError) and "out of range" in str(reply)
