"""BGREWRITEAOF: the rewrite under a concurrent write stream (every
acknowledged write survives a restart, DEBUG DIGEST equal), the file set
after a rewrite, the automatic rewrite, CONFIG SET appendonly yes on a live
dataset, a killed rewrite child, and the rules between BGSAVE and
BGREWRITEAOF.
"""

import os
import signal
import threading
import time

from helpers import RespClient, wait_until


def aof_dir(srv):
    return os.path.join(srv.dir, "appendonlydir")


def manifest(srv):
    with open(os.path.join(aof_dir(srv), "appendonly.aof.manifest"), "rb") as f:
        return f.read()


def aof_server(start_server, **directives):
    d = {"appendonly": "yes", "appendfsync": "always"}
    d.update(directives)
    return start_server(directives=d)


def rewrite_done(c, timeout=20):
    def done():
        i = c.info("persistence")
        return not i["aof_rewrite_in_progress"] and not i["aof_rewrite_scheduled"]
    wait_until(done, timeout=timeout, message="AOF rewrite finished")


def child_pids(srv):
    path = "/proc/%d/task/%d/children" % (srv.pid, srv.pid)
    with open(path) as f:
        return [int(p) for p in f.read().split()]


def cmd(srv, *args):
    """One command on a fresh RespClient: the exact reply (errors as text)."""
    with RespClient(srv.host, srv.port, timeout=30) as r:
        reply = r.call(*args, raise_errors=False)
    return reply if isinstance(reply, bytes) else str(reply).encode()


def restart(srv):
    srv.kill(signal.SIGKILL)
    srv.start()
    return srv.client()


def test_rewrite_under_writes_then_restart(start_server):
    srv = aof_server(start_server, **{"rdb-key-save-delay": "200"})
    c = srv.client()
    for i in range(300):
        c.set("k%d" % i, "v%d" % i)
        c.rpush("list", i)
    c.hset("h", mapping={"a": 1, "b": 2})
    c.zadd("z", {"m": 1.5})
    acked = {}
    stop = threading.Event()

    def writer():
        w = srv.client()
        n = 0
        while not stop.is_set():
            key = "w%d" % n
            w.set(key, n)
            w.incr("counter")
            acked[key] = str(n).encode()
            n += 1
        w.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert cmd(srv, "BGREWRITEAOF") == b"Background append only file rewriting started"
        assert b"already in progress" in cmd(srv, "BGREWRITEAOF")
        assert c.info("persistence")["aof_rewrite_in_progress"] == 1
        rewrite_done(c)
    finally:
        stop.set()
        t.join()
    c.set("after", "1")
    info = c.info("persistence")
    assert info["aof_last_bgrewrite_status"] == "ok"
    assert info["aof_rewrites"] == 1
    assert info["aof_last_rewrite_time_sec"] >= 0
    assert info["aof_current_rewrite_time_sec"] == -1
    assert len(acked) > 0
    digest = c.execute_command("DEBUG", "DIGEST")
    c.close()
    c = restart(srv)
    assert c.execute_command("DEBUG", "DIGEST") == digest
    assert c.get("after") == b"1"
    assert int(c.get("counter")) == len(acked)
    for key, val in acked.items():
        assert c.get(key) == val, key
    assert c.get("k299") == b"v299"


def test_manifest_after_rewrite(start_server):
    srv = aof_server(start_server)
    c = srv.client()
    c.set("a", "1")
    assert manifest(srv) == (b"file appendonly.aof.1.base.rdb seq 1 type b\n"
                             b"file appendonly.aof.1.incr.aof seq 1 type i\n")
    c.execute_command("BGREWRITEAOF")
    rewrite_done(c)
    assert manifest(srv) == (b"file appendonly.aof.2.base.rdb seq 2 type b\n"
                             b"file appendonly.aof.2.incr.aof seq 2 type i\n")
    assert sorted(os.listdir(aof_dir(srv))) == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                                                "appendonly.aof.manifest"]
    with open(os.path.join(aof_dir(srv), "appendonly.aof.2.base.rdb"), "rb") as f:
        assert f.read(9) == b"REDIS0011"
    c.set("b", "2")
    c.execute_command("BGREWRITEAOF")
    rewrite_done(c)
    assert sorted(os.listdir(aof_dir(srv))) == ["appendonly.aof.3.base.rdb", "appendonly.aof.3.incr.aof",
                                                "appendonly.aof.manifest"]
    c = restart(srv)
    assert c.mget("a", "b") == [b"1", b"2"]


def test_auto_rewrite_triggers(start_server):
    srv = aof_server(start_server, **{"auto-aof-rewrite-percentage": "100",
                                      "auto-aof-rewrite-min-size": "4096"})
    c = srv.client()
    assert c.info("persistence")["aof_rewrites"] == 0
    for i in range(200):
        c.set("key:%d" % (i % 20), "x" * 100)
    wait_until(lambda: c.info("persistence")["aof_rewrites"] >= 1, timeout=10, message="auto rewrite")
    rewrite_done(c)
    info = c.info("persistence")
    assert info["aof_last_bgrewrite_status"] == "ok"
    assert info["aof_base_size"] > 0
    assert info["aof_current_size"] < 2 * info["aof_base_size"] + 4096
    digest = c.execute_command("DEBUG", "DIGEST")
    c = restart(srv)
    assert c.execute_command("DEBUG", "DIGEST") == digest


def test_auto_rewrite_off_with_zero_percentage(start_server):
    srv = aof_server(start_server, **{"auto-aof-rewrite-percentage": "0",
                                      "auto-aof-rewrite-min-size": "1024"})
    c = srv.client()
    for i in range(100):
        c.set("k", "x" * 100)
    time.sleep(0.5)
    assert c.info("persistence")["aof_rewrites"] == 0


def test_config_set_appendonly_yes_live_dataset(start_server):
    srv = start_server(directives={"rdb-key-save-delay": "100"})
    c = srv.client()
    for i in range(500):
        c.set("k%d" % i, i)
    assert c.config_set("appendonly", "yes")
    info = c.info("persistence")
    assert info["aof_enabled"] == 1
    assert info["aof_rewrite_in_progress"] == 1
    c.set("during", "1")
    rewrite_done(c)
    c.set("after", "2")
    digest = c.execute_command("DEBUG", "DIGEST")
    c.close()
    srv.directives["appendonly"] = "yes"
    c = restart(srv)
    assert c.execute_command("DEBUG", "DIGEST") == digest
    assert c.mget("during", "after", "k499") == [b"1", b"2", b"499"]


def test_killed_child_keeps_old_set(start_server):
    srv = aof_server(start_server, **{"rdb-key-save-delay": "10000"})
    c = srv.client()
    for i in range(100):
        c.set("k%d" % i, i)
    before = sorted(os.listdir(aof_dir(srv)))
    assert cmd(srv, "BGREWRITEAOF") == b"Background append only file rewriting started"
    c.set("during", "1")
    pids = child_pids(srv)
    assert len(pids) == 1
    os.kill(pids[0], signal.SIGKILL)
    wait_until(lambda: c.info("persistence")["aof_last_bgrewrite_status"] == "err", timeout=10,
               message="rewrite failure noticed")
    info = c.info("persistence")
    assert info["aof_rewrite_in_progress"] == 0
    assert info["aof_rewrites_consecutive_failures"] == 1
    names = sorted(os.listdir(aof_dir(srv)))
    assert not [n for n in names if n.startswith("temp-")]
    # The old base and incr are still listed, with the new incr after them.
    assert set(before) <= set(names)
    assert manifest(srv) == (b"file appendonly.aof.1.base.rdb seq 1 type b\n"
                             b"file appendonly.aof.1.incr.aof seq 1 type i\n"
                             b"file appendonly.aof.2.incr.aof seq 2 type i\n")
    c.set("after", "2")
    digest = c.execute_command("DEBUG", "DIGEST")
    c = restart(srv)
    assert c.execute_command("DEBUG", "DIGEST") == digest
    assert c.mget("during", "after", "k99") == [b"1", b"2", b"99"]
    # A later rewrite succeeds and clears the status.
    c.config_set("rdb-key-save-delay", "0")
    c.execute_command("BGREWRITEAOF")
    rewrite_done(c)
    assert c.info("persistence")["aof_last_bgrewrite_status"] == "ok"


def test_bgsave_and_rewrite_rules(start_server):
    srv = aof_server(start_server, **{"rdb-key-save-delay": "20000"})
    c = srv.client()
    for i in range(50):
        c.set("k%d" % i, i)
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    assert cmd(srv, "BGREWRITEAOF") == b"Background append only file rewriting scheduled"
    assert c.info("persistence")["aof_rewrite_scheduled"] == 1
    c.config_set("rdb-key-save-delay", "0")
    rewrite_done(c)
    info = c.info("persistence")
    assert info["aof_rewrites"] == 1
    assert info["rdb_bgsave_in_progress"] == 0
    c.config_set("rdb-key-save-delay", "20000")
    assert cmd(srv, "BGREWRITEAOF") == b"Background append only file rewriting started"
    assert b"Another child process is active" in cmd(srv, "BGSAVE")
    assert cmd(srv, "BGSAVE", "SCHEDULE") == b"Background saving scheduled"
    c.config_set("rdb-key-save-delay", "0")
    rewrite_done(c)
    wait_until(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0
               and c.info("persistence")["rdb_changes_since_last_save"] == 0, timeout=10,
               message="scheduled BGSAVE ran")


def test_rewrite_progress_in_info(start_server):
    srv = aof_server(start_server, **{"rdb-key-save-delay": "2000"})
    c = srv.client()
    for i in range(300):
        c.set("k%d" % i, i)
    c.execute_command("BGREWRITEAOF")
    wait_until(lambda: c.info("persistence")["current_save_keys_processed"] > 0, timeout=10,
               message="progress reported")
    assert c.info("persistence")["aof_current_rewrite_time_sec"] >= 0
    c.config_set("rdb-key-save-delay", "0")
    rewrite_done(c)
    assert "aof_last_cow_size" in c.info("persistence")


def test_rewrite_without_preamble_writes_commands(start_server):
    srv = aof_server(start_server, **{"aof-use-rdb-preamble": "no"})
    c = srv.client()
    c.set("s", "text")
    c.set("n", 12345)
    c.rpush("list", *range(150))
    c.sadd("set", *["m%d" % i for i in range(100)])
    c.sadd("intset", 1, 2, 3)
    c.zadd("z", {"m%d" % i: i / 3.0 for i in range(130)})
    c.hset("h", mapping={"f%d" % i: i for i in range(70)})
    c.hset("small", mapping={"a": "b"})
    c.pfadd("hll", "x", "y")
    c.set("ttl", "v", px=100000)
    c.execute_command("SELECT", 3)
    c.set("in-db-3", "yes")
    c.execute_command("SELECT", 0)
    assert cmd(srv, "BGREWRITEAOF") == b"Background append only file rewriting started"
    rewrite_done(c)
    assert c.info("persistence")["aof_last_bgrewrite_status"] == "ok"
    assert manifest(srv) == (b"file appendonly.aof.2.base.aof seq 2 type b\n"
                             b"file appendonly.aof.2.incr.aof seq 2 type i\n")
    with open(os.path.join(aof_dir(srv), "appendonly.aof.2.base.aof"), "rb") as f:
        data = f.read()
    assert data.startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")
    assert b"$9\r\nPEXPIREAT\r\n$3\r\nttl\r\n" in data
    assert data.count(b"$5\r\nRPUSH\r\n") == 3  # 150 elements, 64 per command
    assert b"$5\r\nHMSET\r\n" in data and b"$4\r\nZADD\r\n" in data
    c.set("after", "1")
    digest = c.execute_command("DEBUG", "DIGEST")
    ttl = c.pttl("ttl")
    c = restart(srv)
    assert c.execute_command("DEBUG", "DIGEST") == digest
    assert 0 < c.pttl("ttl") <= ttl
    assert c.lrange("list", 0, -1) == [str(i).encode() for i in range(150)]
    assert c.zscore("z", "m7") == 7 / 3.0


def test_rewrite_with_aof_off_then_enable_at_start(start_server):
    srv = start_server()
    c = srv.client()
    c.set("a", "1")
    c.rpush("l", "x", "y")
    assert cmd(srv, "BGREWRITEAOF") == b"Background append only file rewriting started"
    rewrite_done(c)
    assert manifest(srv) == b"file appendonly.aof.1.base.rdb seq 1 type b\n"
    assert sorted(os.listdir(aof_dir(srv))) == ["appendonly.aof.1.base.rdb", "appendonly.aof.manifest"]
    c.close()
    srv.directives["appendonly"] = "yes"
    c = restart(srv)
    assert c.get("a") == b"1"
    assert c.lrange("l", 0, -1) == [b"x", b"y"]


def test_shutdown_refused_while_initial_rewrite_runs(start_server):
    """Valkey's rule: no SHUTDOWN (without FORCE) while the AOF switched on
    at run time has no base on disk yet."""
    srv = start_server(directives={"rdb-key-save-delay": "20000"})
    c = srv.client()
    for i in range(200):
        c.set("k%d" % i, i)
    assert c.config_set("appendonly", "yes")
    assert c.info("persistence")["aof_rewrite_in_progress"] == 1
    with RespClient(srv.host, srv.port) as r:
        reply = r.call("SHUTDOWN", raise_errors=False)
    assert str(reply) == "ERR Errors trying to SHUTDOWN. Check logs."
    assert "Writing initial AOF, can't exit." in srv.log_text()
    assert c.ping()
    c.config_set("rdb-key-save-delay", "0")
    rewrite_done(c)
    assert c.info("persistence")["aof_last_bgrewrite_status"] == "ok"
