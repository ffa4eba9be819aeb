"""RDB persistence: SAVE, loading at start-up, DEBUG RELOAD, SHUTDOWN SAVE /
NOSAVE, corrupt files, and files written by Debian's redis-server (RDB 10).

The reverse direction (a tessera file loaded by redis-server 7.0) is not
tested: 7.0 reads RDB versions up to 10 and tessera writes 11, as Valkey 8
does.
"""

import os
import shutil
import socket
import time

import pytest

from helpers import RespClient, Server

REDIS = "/usr/bin/redis-server"
BIG = b"abcdefghij" * 500          # compressible: stored as LZF
NOISE = bytes((i * 131 + 7) % 251 for i in range(300))  # barely compressible


def info_field(c, section, name):
    text = c.info(section)
    return text[name]


def fill(c):
    c.set("int", 12345)
    c.set("neg", -7)
    c.set("bigint", 12345678901234)
    c.set("short", "hello")
    c.set("big", BIG)
    c.set("noise", NOISE)
    c.set("empty", "")
    c.set("ttl", "v", px=500000)
    c.set("ttlbig", BIG, ex=100000)
    c.execute_command("SELECT", 5)
    c.set("in5", "five")
    c.execute_command("SELECT", 0)


def check(c):
    assert c.get("int") == b"12345"
    assert c.object("encoding", "int") == b"int"
    assert c.get("neg") == b"-7"
    assert c.get("bigint") == b"12345678901234"
    assert c.get("short") == b"hello"
    assert c.get("big") == BIG
    assert c.get("noise") == NOISE
    assert c.get("empty") == b""
    assert c.ttl("int") == -1
    assert 400000 < c.pttl("ttl") <= 500000
    assert 90000 < c.ttl("ttlbig") <= 100000
    assert c.dbsize() == 9
    c.execute_command("SELECT", 5)
    assert c.get("in5") == b"five"
    c.execute_command("SELECT", 0)


def test_save_and_restart_keeps_data_and_ttls(start_server):
    srv = start_server()
    c = srv.client()
    fill(c)
    assert info_field(c, "persistence", "rdb_changes_since_last_save") > 0
    before = c.lastsave()
    time.sleep(1.05)
    assert c.save() is True
    assert info_field(c, "persistence", "rdb_changes_since_last_save") == 0
    assert info_field(c, "persistence", "rdb_saves") == 1
    assert c.lastsave() > before
    assert os.path.exists(os.path.join(srv.dir, "dump.rdb"))
    with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
        assert f.read(9) == b"REDIS0011"
    c.close()
    srv.restart()
    c = srv.client()
    check(c)
    assert info_field(c, "persistence", "rdb_last_load_keys_loaded") == 10
    log = srv.log_text()
    assert "Loading RDB produced by valkey version 8.0.2" in log
    assert "DB loaded from disk:" in log
    c.close()


def test_expired_keys_skipped_on_load(start_server):
    srv = start_server()
    c = srv.client()
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    c.set("short-lived", "v", px=300)
    c.set("kept", "v")
    assert c.save() is True
    c.close()
    time.sleep(0.5)
    srv.restart()
    c = srv.client()
    assert c.exists("short-lived") == 0
    assert c.get("kept") == b"v"
    assert info_field(c, "persistence", "rdb_last_load_keys_expired") == 1
    assert "keys loaded: 1, keys expired: 1." in srv.log_text()
    c.close()


def test_debug_reload_keeps_digest(start_server):
    srv = start_server()
    c = srv.client()
    fill(c)
    c.execute_command("DEBUG", "POPULATE", 1000)
    digest = c.execute_command("DEBUG", "DIGEST")
    assert digest != b"0" * 40
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert c.execute_command("DEBUG", "DIGEST") == digest
    check_size = c.dbsize()
    assert check_size == 1009
    # NOSAVE loads the file as it is: a key set since is gone.
    c.set("after", "x")
    assert c.execute_command("DEBUG", "RELOAD", "NOSAVE") == b"OK"
    assert c.exists("after") == 0
    assert c.execute_command("DEBUG", "DIGEST") == digest
    c.close()


def test_shutdown_save_and_nosave(start_server):
    # save "" (harness default): plain SHUTDOWN does not save, SHUTDOWN SAVE does.
    srv = start_server()
    c = srv.resp()
    c.call("SET", "k", "v")
    c.send("SHUTDOWN", "SAVE")
    c.read_until_close(timeout=5)
    assert srv.wait_exit(5) == 0
    assert os.path.exists(os.path.join(srv.dir, "dump.rdb"))
    srv.start()
    c = srv.client()
    assert c.get("k") == b"v"
    c.set("k2", "v2")
    c.close()
    # With save points, NOSAVE skips the save...
    srv.directives["save"] = "3600 1"
    srv.restart()
    c = srv.resp()
    assert c.call("GET", "k2") is None
    c.call("SET", "k3", "v3")
    c.send("SHUTDOWN", "NOSAVE")
    c.read_until_close(timeout=5)
    assert srv.wait_exit(5) == 0
    srv.start()
    c = srv.resp()
    assert c.call("EXISTS", "k3") == 0
    # ... and a plain SHUTDOWN (or SIGTERM) saves.
    c.call("SET", "k4", "v4")
    c.send("SHUTDOWN")
    c.read_until_close(timeout=5)
    assert srv.wait_exit(5) == 0
    assert "Saving the final RDB snapshot before exiting." in srv.log_text()
    srv.start()
    c = srv.resp()
    assert c.call("GET", "k4") == b"v4"
    c.call("SET", "k5", "v5")
    c.close()
    srv.kill(15)
    srv.start()
    c = srv.resp()
    assert c.call("GET", "k5") == b"v5"
    c.close()


def block_dump_file(srv):
    """A directory where dump.rdb should go: rename() fails, even as root."""
    path = os.path.join(srv.dir, "dump.rdb")
    if os.path.isfile(path):
        os.unlink(path)
    os.mkdir(path)


def test_save_failure(start_server):
    srv = start_server()
    block_dump_file(srv)
    c = srv.resp()
    c.call("SET", "k", "v")
    with pytest.raises(Exception) as e:
        c.call("SAVE")
    assert str(e.value) == "ERR"
    with pytest.raises(Exception) as e:
        c.call("DEBUG", "RELOAD")
    assert "Error trying to save the DB" in str(e.value)
    assert not [f for f in os.listdir(srv.dir) if f.startswith("temp-")]
    # SHUTDOWN FORCE exits even though the save fails.
    c.send("SHUTDOWN", "SAVE", "FORCE")
    c.read_until_close(timeout=5)
    assert srv.wait_exit(5) == 0
    assert "Error trying to save the DB, can't exit." in srv.log_text()


def test_shutdown_refused_when_save_fails(start_server):
    srv = start_server()
    block_dump_file(srv)
    c = srv.resp(timeout=3)
    try:
        with pytest.raises(Exception) as e:
            c.call("SHUTDOWN", "SAVE")
        assert "Errors trying to SHUTDOWN. Check logs." in str(e.value)
    finally:
        c.close()
    assert srv.alive()


def start_expect_failure(srv):
    srv.start(wait=False)
    code = srv.wait_exit(10)
    assert code == 1, srv.diagnostics()
    return srv.log_text()


def test_corrupt_file_stops_start(start_server):
    srv = start_server()
    c = srv.client()
    fill(c)
    assert c.save() is True
    c.close()
    srv.stop()
    path = os.path.join(srv.dir, "dump.rdb")
    with open(path, "rb") as f:
        data = f.read()
    # Truncated.
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])
    log = start_expect_failure(srv)
    assert "dump.rdb at offset" in log
    assert "unexpected end of file" in log or "beyond the end of the input" in log
    assert "Fatal error loading the DB" in log
    os.truncate(srv.logfile, 0)
    # One byte changed: the checksum catches it.
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x10
    with open(path, "wb") as f:
        f.write(bytes(bad))
    log = start_expect_failure(srv)
    assert "dump.rdb at offset" in log
    os.truncate(srv.logfile, 0)
    # A newer format.
    with open(path, "wb") as f:
        f.write(b"REDIS0012" + data[9:])
    log = start_expect_failure(srv)
    assert "Can't handle RDB format version 12" in log
    # Not an RDB file at all.
    with open(path, "wb") as f:
        f.write(b"hello world, this is not a database\n")
    log = start_expect_failure(srv)
    assert "Wrong signature" in log
    # The intact file still loads.
    with open(path, "wb") as f:
        f.write(data)
    srv.start()
    c = srv.client()
    check(c)
    c.close()


def test_unsupported_type_is_named(start_server):
    srv = start_server()
    srv.stop()
    # A stream (stream-v3, type 21), key "s": streams are not loaded yet.
    body = b"REDIS0011" + b"\xfe\x00" + b"\x15" + b"\x01s" + b"\x00" + b"\xff" + b"\x00" * 8
    with open(os.path.join(srv.dir, "dump.rdb"), "wb") as f:
        f.write(body)
    log = start_expect_failure(srv)
    assert "stream-v3" in log and "not supported" in log


def test_config_settings(start_server):
    srv = start_server(directives={"dbfilename": "other.rdb", "rdbcompression": "no"})
    c = srv.client()
    assert c.config_get("dbfilename") == {"dbfilename": "other.rdb"}
    assert c.config_get("rdbcompression") == {"rdbcompression": "no"}
    assert c.config_get("rdbchecksum") == {"rdbchecksum": "yes"}
    assert c.config_get("save") == {"save": ""}
    c.set("big", BIG)
    assert c.save() is True
    with open(os.path.join(srv.dir, "other.rdb"), "rb") as f:
        assert BIG in f.read()  # not compressed
    c.config_set("rdbcompression", "yes")
    c.config_set("save", "100 10")
    assert c.config_get("save") == {"save": "100 10"}
    assert c.save() is True
    with open(os.path.join(srv.dir, "other.rdb"), "rb") as f:
        assert BIG not in f.read()
    with pytest.raises(Exception) as e:
        c.config_set("dbfilename", "a/b.rdb")
    assert "dbfilename can't be a path" in str(e.value) or "protected" in str(e.value)
    c.close()


def test_checksum_off_file_loads(start_server):
    srv = start_server(directives={"rdbchecksum": "no"})
    c = srv.client()
    c.set("k", "v")
    assert c.save() is True
    c.close()
    with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
        assert f.read()[-8:] == b"\x00" * 8
    srv.directives.pop("rdbchecksum")
    srv.restart()
    c = srv.client()
    assert c.get("k") == b"v"
    c.close()
    assert "checksum disabled" in srv.log_text()


@pytest.mark.skipif(not os.path.exists(REDIS), reason="Debian's redis-server is not installed")
def test_load_file_written_by_redis(start_server):
    red = start_server(binary=REDIS, name="redis")
    rc = red.client()
    fill(rc)
    for i in range(200):
        rc.set("k%d" % i, "value-%d" % i * (i % 7 + 1), px=(1000000 + i) if i % 3 == 0 else None)
    rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    rc.set("expires-soon", "x", px=200)
    assert rc.save() is True
    expected = {}
    for db in (0, 5):
        rc.execute_command("SELECT", db)
        for k in rc.keys("*"):
            if k == b"expires-soon":
                continue
            expected[(db, k)] = (rc.get(k), rc.pttl(k))
    rc.close()
    red.stop()
    with open(os.path.join(red.dir, "dump.rdb"), "rb") as f:
        assert f.read(9) == b"REDIS0010"
    time.sleep(0.3)
    srv = Server()
    shutil.copy(os.path.join(red.dir, "dump.rdb"), os.path.join(srv.dir, "dump.rdb"))
    try:
        srv.start()
        c = srv.client()
        got = 0
        for (db, k), (val, pttl) in expected.items():
            c.execute_command("SELECT", db)
            assert c.get(k) == val, k
            if pttl == -1:
                assert c.pttl(k) == -1, k
            else:
                assert abs(c.pttl(k) - pttl) < 5000, k
            got += 1
        c.execute_command("SELECT", 0)
        assert c.exists("expires-soon") == 0
        assert c.dbsize() + 1 == sum(1 for (db, _) in expected if db == 0) + 1
        assert "Loading RDB produced by version 7." in srv.log_text()
        assert got == len(expected) == 210
        c.close()
    finally:
        srv.stop()
        srv.cleanup()
