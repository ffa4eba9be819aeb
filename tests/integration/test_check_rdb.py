"""tools/tessera-check-rdb: valid files (tessera's own with every type,
encoding, TTL and several databases; Debian's redis-server 7.0 files) are
reported in valkey-check-rdb's style with the counts per database, type,
RDB encoding and in-memory encoding, exit code 0; corrupt files (truncated
anywhere, bytes flipped anywhere) end with "--- RDB ERROR DETECTED ---", an
offset and exit code 1, never a crash; the checksum status, already expired
keys, usage errors and missing files are reported.
"""

import os
import re
import shutil
import struct
import subprocess

import pytest

from helpers import SRC_DIR, server_binary
from test_dump import crc64, fill_strings
from test_rdb_types import fill_types, rdb_string

REDIS = "/usr/bin/redis-server"


def tool_path():
    candidates = []
    build = os.environ.get("TESSERA_BUILD_DIR")
    if build:
        candidates.append(os.path.join(build, "tools", "tessera-check-rdb"))
    try:
        candidates.append(os.path.join(os.path.dirname(server_binary()), "tools", "tessera-check-rdb"))
    except RuntimeError:
        pass
    candidates.append(os.path.join(SRC_DIR, "build", "release", "tools", "tessera-check-rdb"))
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return None


@pytest.fixture(scope="module")
def tool():
    path = tool_path()
    if not path:
        pytest.skip("tools/tessera-check-rdb not built (set TESSERA_BUILD_DIR)")
    return path


def check(tool, path):
    p = subprocess.run([tool, path], capture_output=True, timeout=60)
    assert p.returncode in (0, 1), (p.returncode, p.stderr)  # a signal would be negative
    return p.returncode, p.stdout.decode("utf-8", "replace")


def info(out, what):
    m = re.search(r"^\[info\] (\d+) %s$" % re.escape(what), out, re.M)
    return int(m.group(1)) if m else None


@pytest.fixture(scope="module")
def saved_file(tmp_path_factory, tool):
    """A file tessera saved: every type and encoding, TTLs, dbs 0 and 3."""
    from helpers import Server
    srv = Server(name="checkrdb").start()
    try:
        c = srv.client()
        fill_types(c)
        fill_strings(c)
        c.execute_command("SELECT", 9)
        c.set("db9", "x")
        c.execute_command("SELECT", 0)
        sizes = {}
        for db in (0, 3, 9):
            c.execute_command("SELECT", db)
            sizes[db] = c.dbsize()
        c.execute_command("SELECT", 0)
        expires = sum(1 for k in c.keys("*") if c.pttl(k) != -1)
        assert c.save() is True
        c.close()
        path = str(tmp_path_factory.mktemp("checkrdb") / "dump.rdb")
        shutil.copy(os.path.join(srv.dir, "dump.rdb"), path)
    finally:
        srv.stop()
        srv.cleanup()
    return path, sizes, expires


def test_valid_file_report(tool, saved_file):
    path, sizes, expires = saved_file
    rc, out = check(tool, path)
    assert rc == 0, out
    lines = out.splitlines()
    assert lines[0] == "[offset 0] Checking RDB file %s" % path
    assert re.match(r"^\[offset 27\] AUX FIELD valkey-ver = '[0-9.]+'$", lines[1]), lines[1]
    for field in ("redis-bits", "ctime", "used-mem", "aof-base"):
        assert re.search(r"^\[offset \d+\] AUX FIELD %s = '\d+'$" % field, out, re.M), field
    for db in sizes:
        assert re.search(r"^\[offset \d+\] Selecting DB ID %d$" % db, out, re.M)
    size = os.path.getsize(path)
    assert "[offset %d] Checksum OK" % size in lines
    assert "[offset %d] \\o/ RDB looks OK! \\o/" % size in lines
    assert info(out, "keys read") == sum(sizes.values())
    assert info(out, "expires") == expires
    assert info(out, "already expired") == 0
    assert "[info] RDB version 11" in lines
    for db, n in sizes.items():
        assert re.search(r"^\[info\] db %d: %d keys, \d+ expires$" % (db, n), out, re.M)
    # Per type with encodings (fill_types + fill_strings aim at all of them).
    assert re.search(r"^\[info\] \d+ keys of type hash:.* listpack.*hashtable|"
                     r"^\[info\] \d+ keys of type hash:.* hashtable.*listpack", out, re.M), out
    assert re.search(r"^\[info\] \d+ keys of type set:.*intset", out, re.M)
    assert re.search(r"^\[info\] \d+ keys of type zset:.*skiplist", out, re.M)
    assert re.search(r"^\[info\] \d+ keys of type list:.*quicklist", out, re.M)
    assert re.search(r"^\[info\] \d+ keys of type string:.*embstr", out, re.M)
    for name, num in [("set-listpack", 20), ("set-intset", 11), ("hash-listpack", 16),
                      ("zset-listpack", 17), ("list-quicklist-v2", 18), ("string", 0),
                      ("set-hashtable", 2), ("hash-hashtable", 4), ("zset-v2", 5)]:
        assert re.search(r"^\[info\] \d+ keys stored as %s \(RDB type %d\)$" % (name, num), out, re.M), name


@pytest.mark.skipif(not os.path.exists(REDIS), reason="Debian's redis-server is not installed")
def test_redis_file(tool, start_server, tmp_path):
    red = start_server(binary=REDIS, name="redis")
    c = red.client()
    fill_types(c, big=300)
    n = c.dbsize()
    assert c.save() is True
    c.close()
    path = os.path.join(red.dir, "dump.rdb")
    rc, out = check(tool, path)
    assert rc == 0, out
    assert "AUX FIELD redis-ver = '7.0.15'" in out or "AUX FIELD redis-ver = " in out
    assert "[info] RDB version 10" in out
    assert re.search(r"^\[info\] db 0: %d keys" % n, out, re.M)
    # Same first lines as redis-check-rdb prints for the file.
    theirs = shutil.which("redis-check-rdb")
    if theirs:
        ref = subprocess.run([theirs, path], capture_output=True, timeout=60).stdout.decode()
        ours = [line for line in out.splitlines() if line.startswith("[offset")]
        assert [line for line in ref.splitlines() if line.startswith("[offset")] == ours


def test_checksum_disabled(tool, start_server):
    srv = start_server(directives={"rdbchecksum": "no"})
    c = srv.client()
    c.set("a", "b")
    assert c.save() is True
    c.close()
    rc, out = check(tool, os.path.join(srv.dir, "dump.rdb"))
    assert rc == 0, out
    assert re.search(r"^\[offset \d+\] Checksum disabled", out, re.M), out


def build_rdb(entries, version=11):
    """entries: list of (expire_ms or None, key, value) strings in db 0."""
    body = b"REDIS%04d" % version + b"\xfa" + rdb_string(b"valkey-ver") + rdb_string(b"8.0.2")
    body += b"\xfe\x00"
    for expire, key, value in entries:
        if expire is not None:
            body += b"\xfc" + struct.pack("<q", expire)
        body += b"\x00" + rdb_string(key) + rdb_string(value)
    body += b"\xff"
    return body + struct.pack("<Q", crc64(body))


def test_expired_and_aux(tool, tmp_path):
    path = str(tmp_path / "x.rdb")
    with open(path, "wb") as f:
        f.write(build_rdb([(1000, b"old", b"v"), (None, b"live", b"v"), (2 ** 62, b"future", b"v")]))
    rc, out = check(tool, path)
    assert rc == 0, out
    assert "[offset 27] AUX FIELD valkey-ver = '8.0.2'" in out
    assert "[offset 29] Selecting DB ID 0" in out
    assert info(out, "keys read") == 3
    assert info(out, "expires") == 2
    assert info(out, "already expired") == 1


def test_bad_checksum(tool, tmp_path):
    data = bytearray(build_rdb([(None, b"k", b"v")]))
    data[-1] ^= 1
    path = str(tmp_path / "bad.rdb")
    with open(path, "wb") as f:
        f.write(data)
    rc, out = check(tool, path)
    assert rc == 1
    assert "--- RDB ERROR DETECTED ---" in out
    assert re.search(r"^\[offset %d\] Wrong RDB checksum" % (len(data) - 8), out, re.M), out


def test_corruption_sweep(tool, saved_file, tmp_path):
    path, _, _ = saved_file
    with open(path, "rb") as f:
        good = f.read()
    bad = str(tmp_path / "corrupt.rdb")
    # Truncations: at 300 places spread over the file, and every one of the
    # first 100 bytes (header and AUX fields).
    cuts = sorted(set(list(range(0, 100)) + [len(good) * i // 300 for i in range(300)]))
    for n in cuts:
        with open(bad, "wb") as f:
            f.write(good[:n])
        rc, out = check(tool, bad)
        assert rc == 1, n
        assert "--- RDB ERROR DETECTED ---" in out
        assert re.search(r"^\[offset \d+\] \S", out.split("--- RDB ERROR DETECTED ---")[1], re.M)
    # Flipped bytes: the checksum (or a loader before it) refuses each.
    for i in [len(good) * k // 200 for k in range(200)]:
        data = bytearray(good)
        data[i] ^= 0x41
        with open(bad, "wb") as f:
            f.write(data)
        rc, out = check(tool, bad)
        assert rc == 1, i
        assert "--- RDB ERROR DETECTED ---" in out


def test_usage_and_missing_file(tool, tmp_path):
    p = subprocess.run([tool], capture_output=True, timeout=10)
    assert p.returncode == 1
    assert b"Usage:" in p.stderr
    rc, out = check(tool, str(tmp_path / "nope.rdb"))
    assert rc == 1
    assert "Cannot open RDB file" in out and "No such file or directory" in out
