"""Background snapshots: BGSAVE [SCHEDULE], the child's outcome in INFO
persistence, save points, MISCONF (stop-writes-on-bgsave-error), -LOADING
during a slow start-up load, SHUTDOWN and FLUSHALL with a child running,
and the RDB-alone crash guarantee (kill -9: a restart finds the last
completed snapshot).

The big test writes 1M keys, snapshots them while a client rewrites them in
order and another pings, then loads the snapshot in a second server and
checks it is the keyspace at the fork: one cut of the writer's sequence.
It prints the pinging client's worst latency during the save.
"""

import os
import shutil
import signal
import threading
import time

import pytest

from helpers import RespClient, RespError, Server

# Valkey 8's persistence fields, in order (aof_* while the AOF is off).
PERSISTENCE_FIELDS = [
    "loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age",
    "current_fork_perc", "current_save_keys_processed", "current_save_keys_total",
    "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time",
    "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec", "rdb_saves",
    "rdb_last_cow_size", "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded",
]
LOADING_FIELDS = ["loading_start_time", "loading_total_bytes", "loading_rdb_used_mem",
                  "loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds"]
MISCONF = ("MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist "
           "to disk. Commands that may modify the data set are disabled, because this instance is "
           "configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Valkey logs for details about the "
           "RDB error.")


def cmd(srv, *args):
    """One command on a fresh RespClient: the exact reply (errors as
    RespError values)."""
    with RespClient(srv.host, srv.port, timeout=30) as r:
        return r.call(*args, raise_errors=False)


def persistence(c):
    return c.info("persistence")


def field_names(srv, section):
    text = cmd(srv, "INFO", section).decode()
    return [line.split(":", 1)[0] for line in text.split("\r\n") if line and not line.startswith("#")]


def wait_for(cond, timeout=20.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return False


def wait_bgsave_done(c, timeout=60.0):
    assert wait_for(lambda: persistence(c)["rdb_bgsave_in_progress"] == 0, timeout), "BGSAVE did not end"


def child_pids(pid):
    """Children of pid, from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry))
    return out


def temp_files(srv):
    return [f for f in os.listdir(srv.dir) if f.startswith("temp-") and f.endswith(".rdb")]


# --- BGSAVE basics -------------------------------------------------------


def test_bgsave_writes_the_dataset_and_updates_info(start_server):
    srv = start_server()
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", 5000)
    c.set("ttl", "v", ex=1000)
    before = persistence(c)
    assert before["rdb_changes_since_last_save"] > 0
    assert before["rdb_bgsave_in_progress"] == 0
    assert before["rdb_last_bgsave_time_sec"] == -1
    assert before["rdb_current_bgsave_time_sec"] == -1
    lastsave = c.lastsave()
    time.sleep(1.1)  # LASTSAVE has a one second resolution
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    wait_bgsave_done(c)
    after = persistence(c)
    assert after["rdb_last_bgsave_status"] == "ok"
    assert after["rdb_changes_since_last_save"] == 0
    assert after["rdb_saves"] == before["rdb_saves"] + 1
    assert after["rdb_last_bgsave_time_sec"] >= 0
    assert after["rdb_last_cow_size"] >= 0
    assert c.lastsave() > lastsave
    assert after["rdb_last_save_time"] == int(c.lastsave().timestamp())
    stats = c.info("stats")
    assert stats["total_forks"] >= 1 and stats["latest_fork_usec"] > 0
    assert "Background saving started by pid" in srv.log_text()
    assert "Background saving terminated with success" in srv.log_text()
    assert temp_files(srv) == []
    digest = c.execute_command("DEBUG", "DIGEST")
    srv.restart()
    c = srv.client()
    assert c.dbsize() == 5001
    assert c.execute_command("DEBUG", "DIGEST") == digest
    assert persistence(c)["rdb_last_load_keys_loaded"] == 5001
    assert 990 < c.ttl("ttl") <= 1000


def test_bgsave_rules_while_a_child_runs(start_server):
    srv = start_server(directives={"rdb-key-save-delay": "2000"})
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", 2000)
    assert cmd(srv, "BGSAVE", "NOW") == RespError("ERR syntax error")
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    busy = RespError("ERR Background save already in progress")
    assert cmd(srv, "BGSAVE") == busy
    assert cmd(srv, "BGSAVE", "SCHEDULE") == busy
    assert cmd(srv, "SAVE") == busy
    info = persistence(c)
    assert info["rdb_bgsave_in_progress"] == 1
    assert info["rdb_current_bgsave_time_sec"] >= 0
    assert info["current_save_keys_total"] == 2000
    # Progress and the child's copy-on-write size arrive over the pipe.
    assert wait_for(lambda: persistence(c)["current_save_keys_processed"] > 0, 10)
    assert wait_for(lambda: persistence(c)["current_fork_perc"] > 0, 10)
    assert wait_for(lambda: persistence(c)["current_cow_size"] > 0, 10)  # measured once a second
    info = persistence(c)
    assert info["current_cow_peak"] >= info["current_cow_size"]
    assert info["current_cow_size_age"] >= 0
    # The child is ours: a FLUSHALL ends it (not an error), as Valkey does.
    kids = child_pids(srv.pid)
    assert len(kids) == 1
    c.flushall()
    info = persistence(c)
    assert info["rdb_bgsave_in_progress"] == 0
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["current_save_keys_total"] == 0
    assert child_pids(srv.pid) == []
    assert temp_files(srv) == []


def test_flushall_with_save_points_writes_the_empty_dataset(start_server):
    srv = start_server(directives={"save": "3600 1000"})
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", 1000)
    c.save()
    saves = persistence(c)["rdb_saves"]
    assert cmd(srv, "FLUSHALL", "bogus") == RespError("ERR syntax error")
    assert persistence(c)["rdb_saves"] == saves
    c.flushall()
    info = persistence(c)
    assert info["rdb_saves"] == saves  # not counted (redis 7.0 does the same)
    assert info["rdb_changes_since_last_save"] == 0
    srv.kill(signal.SIGKILL)
    srv.start()
    assert srv.client().dbsize() == 0


def test_bgsave_schedule_and_multi(start_server):
    srv = start_server()
    c = srv.client()
    c.set("a", "1")
    # With no child running SCHEDULE starts at once.
    assert cmd(srv, "BGSAVE", "SCHEDULE") == b"Background saving started"
    wait_bgsave_done(c)
    saves = persistence(c)["rdb_saves"]
    # Inside MULTI it is scheduled and cron starts it.
    r = srv.resp()
    assert r.pipeline([["MULTI"], ["SET", "b", "2"], ["BGSAVE"], ["EXEC"]])[-1] == \
        [b"OK", b"Background saving scheduled"]
    assert wait_for(lambda: persistence(c)["rdb_saves"] == saves + 1, 10)
    r.close()


def test_child_killed_by_a_signal_is_an_error(start_server):
    srv = start_server(directives={"rdb-key-save-delay": "2000"})
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", 2000)
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    assert wait_for(lambda: child_pids(srv.pid) != [], 5)
    assert wait_for(lambda: temp_files(srv) != [], 5)
    os.kill(child_pids(srv.pid)[0], signal.SIGKILL)
    wait_bgsave_done(c)
    assert persistence(c)["rdb_last_bgsave_status"] == "err"
    assert "Background saving terminated by signal 9" in srv.log_text()
    assert temp_files(srv) == []
    # No save points configured: the error does not stop writes.
    assert c.set("x", "1")
    c.config_set("rdb-key-save-delay", 0)
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    wait_bgsave_done(c)
    assert persistence(c)["rdb_last_bgsave_status"] == "ok"


# --- INFO ------------------------------------------------------------------


def test_info_persistence_fields_in_valkey_order(server):
    c = server.client()
    names = field_names(server, "persistence")
    assert names[:len(PERSISTENCE_FIELDS)] == PERSISTENCE_FIELDS
    assert names[len(PERSISTENCE_FIELDS)] == "aof_enabled"
    assert names[-2:] == ["module_fork_in_progress", "module_fork_last_cow_size"]
    assert not any(n.startswith("loading_") for n in names)
    info = persistence(c)
    assert info["loading"] == 0 and info["async_loading"] == 0
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["current_fork_perc"] == 0


# --- Save points -------------------------------------------------------------


def test_save_points_trigger_a_background_save(start_server):
    srv = start_server(directives={"save": "1 3"})
    c = srv.client()
    c.set("a", "1")
    c.set("b", "2")
    time.sleep(1.5)
    assert persistence(c)["rdb_saves"] == 0  # 2 changes < 3
    c.set("c", "3")
    assert wait_for(lambda: persistence(c)["rdb_saves"] == 1, 10)
    assert "3 changes in 1 seconds. Saving..." in srv.log_text()
    wait_bgsave_done(c)
    assert persistence(c)["rdb_changes_since_last_save"] == 0
    # save "" turns them off.
    c.config_set("save", "")
    c.set("d", "4")
    time.sleep(2.5)
    assert persistence(c)["rdb_saves"] == 1
    # Set again at run time.
    c.config_set("save", "1 1")
    assert wait_for(lambda: persistence(c)["rdb_saves"] == 2, 10)
    wait_bgsave_done(c)
    srv.restart()
    assert srv.client().dbsize() == 4


# --- MISCONF -----------------------------------------------------------------


def test_misconf_when_the_snapshot_fails_and_recovery(start_server):
    srv = start_server(directives={"save": "3600 1", "enable-protected-configs": "yes"})
    c = srv.client()
    gone = os.path.join(srv.dir, "gone")
    os.mkdir(gone)
    c.config_set("dir", gone)
    os.rmdir(gone)  # the working directory no longer exists: no file can be created
    c.set("k", "v")
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    wait_bgsave_done(c)
    assert persistence(c)["rdb_last_bgsave_status"] == "err"
    assert "Background saving error" in srv.log_text()
    assert cmd(srv, "SET", "k", "w") == RespError(MISCONF)
    assert cmd(srv, "PING") == RespError(MISCONF)
    r = srv.resp()
    assert r.pipeline([["MULTI"], ["SET", "k", "w"], ["EXEC"]])[-1] == \
        RespError("EXECABORT Transaction discarded because of previous errors.")
    r.close()
    assert c.get("k") == b"v"  # reads go on
    assert persistence(c)["rdb_last_bgsave_status"] == "err"
    # stop-writes-on-bgsave-error no lifts the gate...
    c.config_set("stop-writes-on-bgsave-error", "no")
    assert c.set("k", "w")
    c.config_set("stop-writes-on-bgsave-error", "yes")
    with pytest.raises(Exception, match="^MISCONF"):
        c.set("k", "x")
    # ...and so does a successful save in a usable directory.
    c.config_set("dir", srv.dir)
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    wait_bgsave_done(c)
    assert persistence(c)["rdb_last_bgsave_status"] == "ok"
    assert c.set("k", "x")
    assert c.ping()


def test_misconf_lifted_by_save(start_server):
    srv = start_server(directives={"save": "3600 1", "enable-protected-configs": "yes"})
    c = srv.client()
    gone = os.path.join(srv.dir, "gone")
    os.mkdir(gone)
    c.config_set("dir", gone)
    os.rmdir(gone)
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    wait_bgsave_done(c)
    with pytest.raises(Exception, match="^MISCONF"):
        c.set("k", "v")
    c.config_set("dir", srv.dir)
    assert c.save()
    assert persistence(c)["rdb_last_bgsave_status"] == "ok"
    assert c.set("k", "v")


# --- Loading -----------------------------------------------------------------


def make_dump(start_server, keys):
    src = start_server(name="src")
    c = src.client()
    c.execute_command("DEBUG", "POPULATE", keys, "key", 20)
    c.set("expired", "v", px=300)
    c.save()
    time.sleep(0.4)  # "expired" is in the file but past its time at the next start
    return os.path.join(src.dir, "dump.rdb")


def test_loading_reply_and_fields_during_a_slow_load(start_server):
    dump = make_dump(start_server, 20000)
    srv = Server(directives={"key-load-delay": "200", "loading-process-events-interval-bytes": "1024",
                             "enable-protected-configs": "yes"})
    shutil.copy(dump, srv.dir)
    srv.start(wait=False)
    try:
        seen_loading = seen_info = False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with RespClient(srv.host, srv.port, timeout=5) as r:
                    reply = r.call("PING", raise_errors=False)
                    if reply == b"PONG":
                        break
                    if reply == RespError("LOADING Valkey is loading the dataset in memory"):
                        seen_loading = True
                        # The load may end between two calls (a slow sanitizer
                        # build): a reply other than -LOADING is then only
                        # right if the server has finished loading.
                        if r.call("GET", "key:1", raise_errors=False) != reply:
                            assert r.call("PING") == b"PONG"
                            break
                        # CONFIG is allowed, but not for deny-loading parameters.
                        if r.call("CONFIG", "SET", "dir", srv.dir, raise_errors=False) != reply:
                            assert r.call("PING") == b"PONG"
                            break
                        assert r.call("CONFIG", "GET", "key-load-delay") == [b"key-load-delay", b"200"]
                        info = r.call("INFO", "persistence").decode()
                        if "loading:1" in info:
                            names = [ln.split(":")[0] for ln in info.split("\r\n") if ln]
                            assert names[-len(LOADING_FIELDS):] == LOADING_FIELDS
                            fields = dict(ln.split(":", 1) for ln in info.split("\r\n")[1:] if ln)
                            assert int(fields["loading_total_bytes"]) == os.path.getsize(dump)
                            assert 0 < int(fields["loading_loaded_bytes"]) <= int(fields["loading_total_bytes"])
                            assert int(fields["loading_rdb_used_mem"]) > 0
                            seen_info = True
            except (OSError, ConnectionError):
                pass
            time.sleep(0.05)
        assert seen_loading, "no -LOADING reply seen during the load"
        assert seen_info, "INFO did not show loading:1 during the load"
        c = srv.client()
        assert c.dbsize() == 20000
        info = persistence(c)
        assert info["loading"] == 0
        assert info["rdb_last_load_keys_loaded"] == 20000
        assert info["rdb_last_load_keys_expired"] == 1
        assert c.get("expired") is None
    finally:
        srv.stop()
        srv.cleanup()


def test_sigterm_during_a_slow_load_exits_at_once(start_server):
    dump = make_dump(start_server, 20000)
    srv = Server(directives={"key-load-delay": "200"})
    shutil.copy(dump, srv.dir)
    srv.start(wait=False)
    try:
        assert wait_for(lambda: "Server initialized" in srv.log_text(), 10)
        time.sleep(0.3)
        os.kill(srv.pid, signal.SIGTERM)
        t = time.monotonic()
        assert srv.wait_exit(10) == 0
        assert time.monotonic() - t < 3
        assert "exiting without saving" in srv.log_text()
        assert os.path.getsize(os.path.join(srv.dir, "dump.rdb")) == os.path.getsize(dump)
    finally:
        srv.stop()
        srv.cleanup()


# --- SHUTDOWN with a child -------------------------------------------------


def test_shutdown_during_bgsave_kills_the_child_and_saves(start_server):
    srv = start_server(directives={"rdb-key-save-delay": "2000"})
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", 3000)
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    assert wait_for(lambda: child_pids(srv.pid) != [], 5)
    kid = child_pids(srv.pid)[0]
    c.config_set("rdb-key-save-delay", 0)  # the final save (foreground) runs at full speed
    try:
        c.shutdown(save=True)
    except Exception:
        pass
    assert srv.wait_exit(20) == 0
    assert not os.path.exists("/proc/%d" % kid) or open("/proc/%d/stat" % kid).read().split()[2] == "Z"
    assert temp_files(srv) == []
    srv.start()
    assert srv.client().dbsize() == 3000


def test_shutdown_nosave_during_bgsave(start_server):
    srv = start_server(directives={"rdb-key-save-delay": "2000"})
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", 3000)
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    assert wait_for(lambda: temp_files(srv) != [], 5)
    try:
        c.shutdown(nosave=True)
    except Exception:
        pass
    assert srv.wait_exit(20) == 0
    assert temp_files(srv) == []
    assert not os.path.exists(os.path.join(srv.dir, "dump.rdb"))


def test_parent_killed_during_bgsave_restarts_on_its_port(start_server):
    """The child closes its copy of the listening socket: a parent killed
    while its child saves can come back on the same port at once."""
    srv = start_server(directives={"rdb-key-save-delay": "5000"})
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", 2000)
    assert cmd(srv, "BGSAVE") == b"Background saving started"
    assert wait_for(lambda: child_pids(srv.pid) != [], 5)
    orphan = child_pids(srv.pid)[0]
    try:
        srv.kill(signal.SIGKILL)
        assert os.path.exists("/proc/%d" % orphan)  # still saving
        srv.fixed_port = srv.port
        srv.start()
        assert srv.client().ping()
    finally:
        try:
            os.kill(orphan, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- Consistency under load --------------------------------------------------


def test_bgsave_under_write_load_is_the_keyspace_at_fork(start_server):
    """1M keys; a writer rewrites key:0, key:1, ... in order and counts in
    `progress` (SET key:i new; SET progress i+1, pipelined) while the child
    saves; the snapshot must be one cut of that sequence."""
    n = 1000000
    srv = start_server()
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", n, "key", 8)
    c.set("progress", 0)
    stop = threading.Event()
    worst = [0.0]
    written = [0]

    def writer():
        with RespClient(srv.host, srv.port, timeout=30) as w:
            i = 0
            while not stop.is_set() and i < n:
                batch = []
                for j in range(i, min(i + 200, n)):
                    batch.append(["SET", "key:%d" % j, "new"])
                    batch.append(["SET", "progress", j + 1])
                w.pipeline(batch)
                i += 200
                written[0] = i

    def pinger():
        with RespClient(srv.host, srv.port, timeout=30) as p:
            while not stop.is_set():
                t = time.monotonic()
                assert p.call("PING") == b"PONG"
                worst[0] = max(worst[0], time.monotonic() - t)
                time.sleep(0.001)

    threads = [threading.Thread(target=writer), threading.Thread(target=pinger)]
    for t in threads:
        t.start()
    try:
        assert wait_for(lambda: written[0] >= 2000, 20)
        assert cmd(srv, "BGSAVE") == b"Background saving started"
        at_fork = written[0]
        wait_bgsave_done(c, 120)
        during = written[0] - at_fork
    finally:
        stop.set()
        for t in threads:
            t.join()
    info = persistence(c)
    assert info["rdb_last_bgsave_status"] == "ok"
    print("\nBGSAVE of %d keys under load: %d s, COW %d bytes, %d writes during the save, "
          "worst PING latency %.1f ms" % (n, info["rdb_last_bgsave_time_sec"], info["rdb_last_cow_size"],
                                          during, worst[0] * 1000))
    assert during > 0, "the writer made no progress while the child saved"
    assert worst[0] < 1.0
    # rdb_changes_since_last_save counts what came after the fork.
    assert info["rdb_changes_since_last_save"] > 0

    check = start_server(name="check")
    shutil.copy(os.path.join(srv.dir, "dump.rdb"), check.dir)
    check.restart()
    k = check.client()
    assert k.dbsize() == n + 1
    cut = int(k.get("progress"))
    assert cut >= 2000
    keys = ["key:%d" % i for i in range(n)]
    for start in range(0, n, 5000):
        values = k.mget(keys[start:start + 5000])
        for off, v in enumerate(values):
            i = start + off
            if i < cut:
                assert v == b"new", "key:%d should be rewritten (cut %d)" % (i, cut)
            elif i > cut:
                assert v != b"new", "key:%d rewritten after the cut %d" % (i, cut)


# --- RDB alone: crash -------------------------------------------------------


def test_kill9_restarts_from_the_last_completed_snapshot(start_server):
    srv = start_server()
    c = srv.client()
    for cycle in range(5):
        p = c.pipeline(transaction=False)
        for i in range(1000):
            p.set("c%d:k%d" % (cycle, i), "v%d" % i)
            p.incr("counter")
        p.execute()
        assert cmd(srv, "BGSAVE") == b"Background saving started"
        wait_bgsave_done(c)
        assert persistence(c)["rdb_last_bgsave_status"] == "ok"
        snapshot = c.execute_command("DEBUG", "DIGEST")
        size = c.dbsize()
        # Writes after the snapshot are lost by a crash (no AOF).
        p = c.pipeline(transaction=False)
        for i in range(500):
            p.set("lost%d" % i, "x")
            p.incr("counter")
        p.execute()
        srv.kill(signal.SIGKILL)
        srv.start()
        c = srv.client()
        assert c.dbsize() == size
        assert c.execute_command("DEBUG", "DIGEST") == snapshot
        assert int(c.get("counter")) == 1000 * (cycle + 1)
