"""MULTI / EXEC / DISCARD / WATCH / UNWATCH: replies, errors, queueing
rejections (EXECABORT), WATCH invalidation by writes, expiry, FLUSH and
SWAPDB, per-client state (CLIENT LIST, INFO, RESET, disconnect) and the
interplay with CLIENT PAUSE.  Runs against redis-server 7.0 too
(TESSERA_SERVER=/usr/bin/redis-server)."""

import os
import time

import pytest

from helpers import RespError, server_binary

REDIS_7_0 = "redis" in os.path.basename(server_binary())
valkey_only = pytest.mark.skipif(REDIS_7_0, reason="Valkey 8 fields (redis 7.0 lacks them)")


def err(client, *args):
    """The error reply of one command (as text)."""
    reply = client.call(*args, raise_errors=False)
    assert isinstance(reply, RespError), reply
    return str(reply)


# --- Basic flow ----------------------------------------------------------------

def test_multi_exec_replies(rr):
    assert rr.call("MULTI") == b"OK"
    assert rr.last_raw == b"+OK\r\n"
    assert rr.call("SET", "k", "1") == b"QUEUED"
    assert rr.last_raw == b"+QUEUED\r\n"
    assert rr.call("INCR", "k") == b"QUEUED"
    assert rr.call("GET", "k") == b"QUEUED"
    assert rr.call("EXEC") == [b"OK", 2, b"2"]
    assert isinstance(rr.call("GET", "k"), bytes)


def test_exec_empty_transaction(rr):
    rr.call("MULTI")
    assert rr.call("EXEC") == []
    assert rr.last_raw == b"*0\r\n"


def test_commands_are_not_run_before_exec(r, shared_server):
    other = shared_server.client()
    r.execute_command("MULTI")
    r.execute_command("SET", "k", "v")
    assert other.get("k") is None
    assert r.execute_command("EXEC") == [b"OK"]
    assert other.get("k") == b"v"
    other.close()


def test_redis_py_transaction_pipeline(r):
    p = r.pipeline(transaction=True)
    p.set("a", 1).incr("a").incrby("a", 10).get("a")
    assert p.execute() == [True, 2, 12, b"12"]


def test_runtime_error_inside_exec_does_not_abort(rr):
    rr.call("SET", "s", "abc")
    rr.call("MULTI")
    rr.call("INCR", "s")
    rr.call("SET", "t", "1")
    replies = rr.call("EXEC", raise_errors=False)
    assert isinstance(replies[0], RespError)
    assert str(replies[0]).startswith("ERR value is not an integer")
    assert replies[1] == b"OK"
    assert rr.call("GET", "t") == b"1"


def test_discard(rr):
    rr.call("MULTI")
    rr.call("SET", "k", "v")
    assert rr.call("DISCARD") == b"OK"
    assert rr.call("GET", "k") is None
    assert err(rr, "EXEC") == "ERR EXEC without MULTI"


# --- Errors ----------------------------------------------------------------------

def test_errors_outside_and_inside_multi(rr):
    assert err(rr, "EXEC") == "ERR EXEC without MULTI"
    assert err(rr, "DISCARD") == "ERR DISCARD without MULTI"
    rr.call("MULTI")
    assert err(rr, "MULTI") == "ERR MULTI calls can not be nested"
    assert err(rr, "WATCH", "x") == "ERR WATCH inside MULTI is not allowed"
    rr.call("SET", "k", "1")
    # Neither error aborts the transaction.
    assert rr.call("EXEC") == [b"OK"]


@pytest.mark.parametrize("bad", [
    ("NOSUCHCOMMAND", "x"),
    ("SET", "onlykey"),
    ("GET",),
    ("CONFIG", "NOSUCHSUB"),
], ids=["unknown", "arity", "arity-min", "unknown-subcommand"])
def test_rejected_command_aborts_exec(rr, bad):
    rr.call("MULTI")
    rr.call("SET", "k", "1")
    assert isinstance(rr.call(*bad, raise_errors=False), RespError)
    rr.call("SET", "k2", "2")
    assert err(rr, "EXEC") == "EXECABORT Transaction discarded because of previous errors."
    assert rr.call("EXISTS", "k", "k2") == 0
    # The client left MULTI.
    assert err(rr, "EXEC") == "ERR EXEC without MULTI"


def test_no_multi_command_is_refused(rr):
    rr.call("MULTI")
    assert err(rr, "SAVE") == "ERR Command not allowed inside a transaction"
    assert err(rr, "EXEC") == "EXECABORT Transaction discarded because of previous errors."


def test_rejection_in_pipeline_aborts(raw):
    replies = raw.pipeline([("MULTI",), ("SET", "k", "v"), ("SET",), ("EXEC",), ("EXISTS", "k")])
    assert replies[0] == b"OK" and replies[1] == b"QUEUED"
    assert str(replies[2]) == "ERR wrong number of arguments for 'set' command"
    assert str(replies[3]) == "EXECABORT Transaction discarded because of previous errors."
    assert replies[4] == 0


def test_wrong_arity_exec_aborts_the_transaction(raw):
    raw.call("MULTI")
    raw.call("SET", "k", "v")
    # Valkey: "EXECABORT Transaction discarded because of: wrong number of
    # arguments for 'exec' command" and the transaction ends at once.
    assert "wrong number of arguments" in err(raw, "EXEC", "extra")
    raw.call("EXEC", raise_errors=False)
    assert raw.call("EXISTS", "k") == 0


def test_queued_rejection_error_is_raw(raw):
    raw.call("MULTI")
    assert raw.call("FOO", raise_errors=False) is not None
    assert raw.last_raw.startswith(b"-ERR unknown command 'FOO'")
    raw.call("DISCARD")


def test_commands_that_rewrite_their_arguments(rr):
    """Inner commands may rewrite argv for propagation (SET EX, EXPIRE)."""
    rr.call("MULTI")
    rr.call("SET", "a", "1", "EX", "100")
    rr.call("EXPIRE", "a", "200")
    rr.call("SET", "b", "2")
    rr.call("EXPIRE", "b", "300")
    rr.call("TTL", "a")
    replies = rr.call("EXEC")
    assert replies[:4] == [b"OK", 1, b"OK", 1]
    assert 190 <= replies[4] <= 200
    assert 290 <= rr.call("TTL", "b") <= 300


def test_select_inside_exec(rr):
    rr.call("MULTI")
    rr.call("SELECT", "3")
    rr.call("SET", "in3", "x")
    assert rr.call("EXEC") == [b"OK", b"OK"]
    assert rr.call("GET", "in3") == b"x"
    rr.call("SELECT", "0")
    assert rr.call("GET", "in3") is None
    rr.call("SELECT", "3")
    rr.call("FLUSHDB")
    rr.call("SELECT", "0")


# --- WATCH -----------------------------------------------------------------------

def test_watch_unmodified_key_exec_succeeds(rr):
    rr.call("SET", "x", "1")
    assert rr.call("WATCH", "x") == b"OK"
    rr.call("MULTI")
    rr.call("INCR", "x")
    assert rr.call("EXEC") == [2]


def test_watch_modified_by_other_client(rr, shared_server):
    other = shared_server.client()
    rr.call("SET", "x", "1")
    rr.call("WATCH", "x", "y")
    other.set("y", "changed")
    rr.call("MULTI")
    rr.call("INCR", "x")
    assert rr.call("EXEC") is None
    assert rr.last_raw == (b"*-1\r\n" if rr.protocol == 2 else b"_\r\n")
    assert rr.call("GET", "x") == b"1"
    other.close()


def test_watch_modified_by_self_before_multi(rr):
    rr.call("WATCH", "x")
    rr.call("SET", "x", "1")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") is None


def test_watch_touched_by_expire(rr):
    rr.call("SET", "x", "1")
    rr.call("WATCH", "x")
    rr.call("EXPIRE", "x", "100")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") is None


def test_write_inside_own_transaction_does_not_fail_it(rr):
    rr.call("WATCH", "x")
    rr.call("MULTI")
    rr.call("SET", "x", "1")
    rr.call("SET", "x", "2")
    assert rr.call("EXEC") == [b"OK", b"OK"]


def test_key_no_longer_watched_after_exec_or_discard(rr, shared_server):
    other = shared_server.client()
    for end in ("EXEC", "DISCARD"):
        rr.call("WATCH", "x")
        rr.call("MULTI")
        rr.call("PING")
        rr.call(end)
        other.set("x", "changed")
        rr.call("MULTI")
        rr.call("PING")
        assert rr.call("EXEC") == [b"PONG"], end
    other.close()


def test_failed_exec_unwatches(rr, shared_server):
    other = shared_server.client()
    rr.call("WATCH", "x")
    other.set("x", "1")
    rr.call("MULTI")
    assert rr.call("EXEC") is None
    other.set("x", "2")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") == [b"PONG"]
    other.close()


def test_unwatch(rr, shared_server):
    other = shared_server.client()
    rr.call("WATCH", "x")
    other.set("x", "1")
    assert rr.call("UNWATCH") == b"OK"
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") == [b"PONG"]
    assert rr.call("UNWATCH") == b"OK"
    other.close()


def test_discard_clears_dirty_flag(rr, shared_server):
    other = shared_server.client()
    rr.call("WATCH", "x")
    other.set("x", "1")
    rr.call("MULTI")
    rr.call("DISCARD")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") == [b"PONG"]
    other.close()


def test_watch_remembers_the_db(rr):
    rr.call("SELECT", "5")
    rr.call("WATCH", "x")
    rr.call("SELECT", "1")
    rr.call("SET", "x", "in db 1")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") == [b"PONG"]
    rr.call("FLUSHDB")
    rr.call("SELECT", "0")


def test_watch_expired_key_fails_exec(rr):
    rr.call("SET", "x", "1", "PX", "50")
    rr.call("WATCH", "x")
    time.sleep(0.1)
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") is None


def test_watch_lazily_expired_key_fails_exec(rr):
    rr.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        rr.call("SET", "x", "1", "PX", "50")
        rr.call("WATCH", "x")
        time.sleep(0.1)
        rr.call("MULTI")
        rr.call("INCR", "x")
        assert rr.call("EXEC") is None
    finally:
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_watch_stale_key_does_not_fail_exec(rr):
    rr.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        rr.call("SET", "x", "foo", "PX", "1")
        time.sleep(0.01)
        rr.call("WATCH", "x")
        assert rr.call("EXISTS", "x") == 0   # lazily deletes it
        rr.call("MULTI")
        rr.call("PING")
        assert rr.call("EXEC") == [b"PONG"]
        # Deleting a stale watched key changes nothing either.
        rr.call("SET", "x", "foo", "PX", "1")
        time.sleep(0.01)
        rr.call("WATCH", "x")
        rr.call("DEL", "x")
        rr.call("MULTI")
        rr.call("PING")
        assert rr.call("EXEC") == [b"PONG"]
    finally:
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


@pytest.mark.parametrize("flush", ["FLUSHALL", "FLUSHDB"])
def test_flush_touches_existing_watched_key(rr, shared_server, flush):
    other = shared_server.client()
    rr.call("SET", "x", "1")
    rr.call("WATCH", "x")
    other.execute_command(flush)
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") is None
    other.close()


@pytest.mark.parametrize("flush", ["FLUSHALL", "FLUSHDB"])
def test_flush_does_not_touch_missing_watched_key(rr, shared_server, flush):
    other = shared_server.client()
    rr.call("DEL", "x")
    other.set("unrelated", "1")
    rr.call("WATCH", "x")
    other.execute_command(flush)
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") == [b"PONG"]
    other.close()


def test_flushdb_of_another_db_does_not_touch(rr, shared_server):
    other = shared_server.client(db=2)
    rr.call("SET", "x", "1")
    rr.call("WATCH", "x")
    other.set("x", "in 2")
    other.flushdb()
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") == [b"PONG"]
    other.close()


def test_flushdb_while_watching_stale_key(rr):
    rr.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        rr.call("SET", "x", "foo", "PX", "1")
        time.sleep(0.01)
        rr.call("WATCH", "x")
        rr.call("FLUSHDB")
        rr.call("MULTI")
        rr.call("PING")
        assert rr.call("EXEC") == [b"PONG"]
    finally:
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_swapdb_touches_watched_key_that_exists(rr):
    rr.call("SET", "x", "30")
    rr.call("WATCH", "x")
    rr.call("SWAPDB", "0", "1")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") is None
    rr.call("FLUSHALL")


def test_swapdb_touches_watched_key_that_appears(rr):
    rr.call("SELECT", "1")
    rr.call("SET", "x", "30")
    rr.call("SELECT", "0")
    rr.call("WATCH", "x")
    rr.call("SWAPDB", "0", "1")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") is None
    rr.call("FLUSHALL")


def test_swapdb_does_not_touch_unaffected_key(rr):
    rr.call("SET", "other", "1")
    rr.call("WATCH", "x")
    rr.call("SWAPDB", "0", "1")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") == [b"PONG"]
    rr.call("FLUSHALL")


def test_swapdb_and_stale_keys(rr):
    rr.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        # Stale key replaced with no key: no change.
        rr.call("SELECT", "1")
        rr.call("SET", "x", "foo", "PX", "1")
        time.sleep(0.01)
        rr.call("WATCH", "x")
        rr.call("SWAPDB", "0", "1")
        rr.call("MULTI")
        rr.call("PING")
        assert rr.call("EXEC") == [b"PONG"]
        rr.call("FLUSHALL")
        # No key replaced with a stale key: no change.
        rr.call("SELECT", "0")
        rr.call("SET", "x", "foo", "PX", "1")
        time.sleep(0.01)
        rr.call("SELECT", "1")
        rr.call("WATCH", "x")
        rr.call("SWAPDB", "0", "1")
        rr.call("MULTI")
        rr.call("PING")
        assert rr.call("EXEC") == [b"PONG"]
        rr.call("FLUSHALL")
        # Stale key replaced with another stale key: no change.
        rr.call("SELECT", "1")
        rr.call("SET", "x", "foo", "PX", "1")
        rr.call("SELECT", "0")
        rr.call("SET", "x", "bar", "PX", "1")
        time.sleep(0.01)
        rr.call("SELECT", "1")
        rr.call("WATCH", "x")
        rr.call("SWAPDB", "0", "1")
        rr.call("MULTI")
        rr.call("PING")
        assert rr.call("EXEC") == [b"PONG"]
    finally:
        rr.call("FLUSHALL")
        rr.call("SELECT", "0")
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_watch_many_keys_one_modified(rr, shared_server):
    other = shared_server.client()
    keys = ["k%d" % i for i in range(50)]
    rr.call("WATCH", *keys)
    other.set("k37", "x")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") is None
    other.close()


def test_redis_py_watch_error(r, shared_server):
    import redis
    other = shared_server.client()
    with r.pipeline(transaction=True) as p:
        p.watch("bal")
        assert p.get("bal") is None
        other.set("bal", "100")
        p.multi()
        p.set("bal", "0")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert other.get("bal") == b"100"
    other.close()


# --- Client state -------------------------------------------------------------------

def client_fields(client):
    line = client.call("CLIENT", "INFO").decode().strip()
    return dict(kv.split("=", 1) for kv in line.split(" "))


@valkey_only
def test_client_info_fields(rr, shared_server):
    f = client_fields(rr)
    assert f["multi"] == "-1" and f["watch"] == "0"
    rr.call("WATCH", "a", "b", "a")
    assert client_fields(rr)["watch"] == "2"
    rr.call("MULTI")
    rr.call("SET", "a", "1")
    rr.call("SET", "b", "2")
    rr.call("EXEC")
    f = client_fields(rr)
    assert f["multi"] == "-1" and f["watch"] == "0" and "x" not in f["flags"]


def test_client_list_multi_flags(rr, shared_server):
    other = shared_server.resp()
    my_id = rr.call("CLIENT", "ID")
    rr.call("WATCH", "w")
    rr.call("MULTI")
    rr.call("PING")
    rr.call("PING")
    listing = other.call("CLIENT", "LIST", "ID", str(my_id)).decode()
    fields = dict(kv.split("=", 1) for kv in listing.strip().split(" "))
    assert fields["multi"] == "2"
    assert "x" in fields["flags"]
    assert int(fields["multi-mem"]) > 0
    other.call("SET", "w", "1")
    listing = other.call("CLIENT", "LIST", "ID", str(my_id)).decode()
    fields = dict(kv.split("=", 1) for kv in listing.strip().split(" "))
    assert "d" in fields["flags"]
    assert rr.call("EXEC") is None
    other.close()


def info_field(client, name):
    text = client.call("INFO", "clients").decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError(name)


@valkey_only
def test_info_watch_counters(rr, shared_server):
    other = shared_server.resp()
    assert info_field(rr, "watching_clients") == 0
    rr.call("WATCH", "a", "b")
    other.call("WATCH", "b", "c")
    assert info_field(rr, "watching_clients") == 2
    assert info_field(rr, "total_watched_keys") == 3
    other.close()
    time.sleep(0.1)
    assert info_field(rr, "total_watched_keys") == 2
    rr.call("SET", "a", "1")   # dirty: stops watching
    assert info_field(rr, "watching_clients") == 0
    assert info_field(rr, "total_watched_keys") == 0
    rr.call("UNWATCH")


def test_reset_leaves_multi_and_unwatches(rr, shared_server):
    other = shared_server.client()
    rr.call("WATCH", "x")
    rr.call("MULTI")
    rr.call("SET", "y", "1")
    assert rr.call("RESET") == b"RESET"
    assert err(rr, "EXEC") == "ERR EXEC without MULTI"
    assert rr.call("GET", "y") is None
    other.set("x", "1")
    rr.call("MULTI")
    rr.call("PING")
    assert rr.call("EXEC") == [b"PONG"]
    other.close()


def test_disconnect_in_multi_with_watch(shared_server):
    for _ in range(3):
        c = shared_server.resp()
        c.call("WATCH", "a", "b")
        c.call("MULTI")
        c.call("SET", "a", "v" * 1000)
        c.close()
    time.sleep(0.1)
    with shared_server.resp() as c:
        assert c.call("GET", "a") is None
        if not REDIS_7_0:
            assert info_field(c, "total_watched_keys") == 0


def test_quit_inside_multi(shared_server):
    c = shared_server.resp()
    c.call("MULTI")
    c.call("SET", "q", "1")
    assert c.call("QUIT") == b"OK"
    assert c.is_closed()
    with shared_server.resp() as d:
        assert d.call("GET", "q") is None


def test_exec_is_atomic_against_other_clients(shared_server):
    a = shared_server.resp()
    b = shared_server.resp()
    a.call("SET", "n", "0")
    cmds = [("MULTI",)] + [("INCR", "n")] * 200 + [("GET", "n"), ("EXEC",)]
    a.send_raw(b"".join(__import__("helpers").encode_command(*c) for c in cmds))
    for _ in range(50):
        b.call("INCR", "n")
    for _ in range(len(cmds) - 1):
        a.read()
    replies = a.read()
    # Within the transaction the counter moved by exactly one per INCR.
    incrs = replies[:200]
    assert incrs == list(range(incrs[0], incrs[0] + 200))
    assert replies[200] == str(incrs[-1]).encode()
    a.close()
    b.close()


# --- CLIENT PAUSE ---------------------------------------------------------------------

def test_exec_of_writes_waits_for_pause_write(server):
    a = server.resp()
    admin = server.resp()
    a.call("MULTI")
    a.call("GET", "k")
    assert a.call("SET", "k", "v") == b"QUEUED"
    admin.call("CLIENT", "PAUSE", "300", "WRITE")
    start = time.monotonic()
    assert a.call("EXEC") == [None, b"OK"]
    assert time.monotonic() - start >= 0.2
    a.close()
    admin.close()


def test_exec_of_reads_runs_under_pause_write(server):
    a = server.resp()
    admin = server.resp()
    a.call("MULTI")
    a.call("GET", "k")
    admin.call("CLIENT", "PAUSE", "2000", "WRITE")
    start = time.monotonic()
    assert a.call("EXEC") == [None]
    assert time.monotonic() - start < 1.0
    admin.call("CLIENT", "UNPAUSE")
    a.close()
    admin.close()


def test_queued_write_held_by_pause_is_queued_after(server):
    a = server.resp()
    admin = server.resp()
    a.call("MULTI")
    admin.call("CLIENT", "PAUSE", "200", "WRITE")
    assert a.call("SET", "k", "v") == b"QUEUED"
    assert a.call("EXEC") == [b"OK"]
    a.close()
    admin.close()
