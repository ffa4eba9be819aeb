"""MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, TIME and
LASTSAVE: reply shapes in both protocols, MEMORY USAGE growing with the
value, MEMORY STATS fields in Valkey 8's order and consistent with INFO."""

import time

import pytest

from helpers import Double, Map, RespError, Verbatim

STATS_FIELDS = [
    "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog", "clients.slaves",
    "clients.normal", "cluster.links", "aof.buffer", "lua.caches", "functions.caches",
    "overhead.total", "keys.count", "keys.bytes-per-key", "dataset.bytes", "dataset.percentage",
    "peak.percentage", "allocator.allocated", "allocator.active", "allocator.resident",
    "allocator-fragmentation.ratio", "allocator-fragmentation.bytes", "allocator-rss.ratio",
    "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation",
    "fragmentation.bytes"]
VALKEY8_FIELDS = ["overhead.db.hashtable.lut", "overhead.db.hashtable.rehashing",
                  "db.dict.rehashing.count"]


def stats_map(c):
    reply = c.call("MEMORY", "STATS")
    if isinstance(reply, dict):
        return reply
    assert len(reply) % 2 == 0
    return {reply[i]: reply[i + 1] for i in range(0, len(reply), 2)}


# ---------------------------------------------------------------- USAGE

def test_usage_missing_key(rr):
    assert rr.call("MEMORY", "USAGE", "nokey") is None


def test_usage_grows_with_value(rr):
    rr.call("SET", "small", "x" * 10)
    rr.call("SET", "big", "x" * 10000)
    rr.call("SET", "int", "12345")
    small = rr.call("MEMORY", "USAGE", "small")
    big = rr.call("MEMORY", "USAGE", "big")
    assert isinstance(small, int) and 10 < small < 200
    assert big >= small + 9900
    assert big < 10000 * 2
    assert 0 < rr.call("MEMORY", "USAGE", "int") <= small


def test_usage_samples_option(rr):
    rr.call("SET", "k", "v")
    usage = rr.call("MEMORY", "USAGE", "k")
    assert rr.call("MEMORY", "USAGE", "k", "SAMPLES", "0") == usage
    assert rr.call("MEMORY", "USAGE", "k", "samples", "100") == usage
    with pytest.raises(RespError) as e:
        rr.call("MEMORY", "USAGE", "k", "SAMPLES", "-1")
    assert e.value.message == "ERR syntax error"
    with pytest.raises(RespError) as e:
        rr.call("MEMORY", "USAGE", "k", "SAMPLES", "x")
    assert e.value.message == "ERR value is not an integer or out of range"
    with pytest.raises(RespError) as e:
        rr.call("MEMORY", "USAGE", "k", "BOGUS")
    assert e.value.message == "ERR syntax error"
    with pytest.raises(RespError):
        rr.call("MEMORY", "USAGE", "k", "SAMPLES")


def test_usage_does_not_touch_stats(rr):
    rr.call("SET", "k", "v")
    before = rr.call("INFO", "stats")
    rr.call("MEMORY", "USAGE", "k")
    rr.call("MEMORY", "USAGE", "missing")
    after = rr.call("INFO", "stats")

    def hits(text):
        return [line for line in text.split(b"\r\n") if line.startswith((b"keyspace_hits", b"keyspace_misses"))]
    assert hits(before) == hits(after)


# ---------------------------------------------------------------- STATS

def test_stats_fields(shared_server, rr):
    rr.call("DEBUG", "POPULATE", "1000")
    rr.call("SET", "ttl", "v", "EX", "100")
    reply = rr.call("MEMORY", "STATS")
    if rr.protocol == 3:
        assert type(reply) is Map
    stats = stats_map(rr)
    names = [k.decode() for k in stats]
    expected = STATS_FIELDS if shared_server.is_redis else STATS_FIELDS + VALKEY8_FIELDS
    for name in expected:
        assert name in names, name
    order = [names.index(n) for n in STATS_FIELDS]
    assert order == sorted(order)
    db0 = stats[b"db.0"]
    db0 = db0 if isinstance(db0, dict) else {db0[i]: db0[i + 1] for i in range(0, len(db0), 2)}
    assert db0[b"overhead.hashtable.main"] > 0 and db0[b"overhead.hashtable.expires"] > 0
    assert b"db.1" not in stats
    assert stats[b"keys.count"] == 1001
    assert stats[b"total.allocated"] >= stats[b"startup.allocated"]
    assert stats[b"peak.allocated"] >= stats[b"total.allocated"]
    assert stats[b"overhead.total"] >= stats[b"startup.allocated"]
    assert stats[b"dataset.bytes"] > 0
    assert stats[b"keys.bytes-per-key"] > 0
    pct = stats[b"dataset.percentage"]
    if rr.protocol == 3:
        assert type(pct) is Double
    assert 0 < float(pct) <= 100
    rr.call("FLUSHALL", "SYNC")


def test_stats_consistent_with_info(rr):
    stats = stats_map(rr)
    info = {}
    for line in rr.call("INFO", "memory").decode().split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            info[k] = v
    assert abs(stats[b"total.allocated"] - int(info["used_memory"])) < 64 * 1024
    assert stats[b"startup.allocated"] == int(info["used_memory_startup"])


# ---------------------------------------------------------------- DOCTOR, MALLOC-STATS, PURGE, HELP

def test_doctor(shared_server):
    with shared_server.resp(protocol=3) as c3:
        report = c3.call("MEMORY", "DOCTOR")
        assert type(report) is Verbatim and len(report) > 20
    with shared_server.resp(protocol=2) as c2:
        assert len(c2.call("MEMORY", "DOCTOR")) > 20


def test_doctor_with_data(rr):
    rr.call("DEBUG", "POPULATE", "60000", "d", "100")
    report = rr.call("MEMORY", "DOCTOR")
    assert len(report) > 20
    # Free inline: a shutdown racing the lazy-free thread is reported as a leak.
    rr.call("FLUSHALL", "SYNC")


def test_malloc_stats(rr):
    text = rr.call("MEMORY", "MALLOC-STATS")
    assert b"jemalloc" in text or text == b"Stats not supported for the current allocator"


def test_purge(rr):
    assert rr.call("MEMORY", "PURGE") == b"OK"


def test_help(rr):
    lines = rr.call("MEMORY", "HELP")
    assert lines[0].startswith(b"MEMORY <subcommand>")
    text = b"\n".join(lines)
    for word in (b"DOCTOR", b"MALLOC-STATS", b"PURGE", b"STATS", b"USAGE", b"HELP"):
        assert word in text


def test_wrong_arity(rr):
    with pytest.raises(RespError):
        rr.call("MEMORY", "USAGE")
    with pytest.raises(RespError):
        rr.call("MEMORY", "STATS", "extra")
    with pytest.raises(RespError) as e:
        rr.call("MEMORY", "NOSUCH")
    assert "MEMORY HELP" in e.value.message


# ---------------------------------------------------------------- TIME, LASTSAVE

def test_time(rr):
    reply = rr.call("TIME")
    assert isinstance(reply, list) and len(reply) == 2
    assert all(type(x) is bytes for x in reply)
    seconds, micros = int(reply[0]), int(reply[1])
    assert abs(seconds + micros / 1e6 - time.time()) < 5
    assert 0 <= micros < 1000000
    later = rr.call("TIME")
    assert (int(later[0]), int(later[1])) >= (seconds, micros)


def test_lastsave(shared_server, rr):
    value = rr.call("LASTSAVE")
    assert isinstance(value, int)
    assert abs(value - time.time()) < 24 * 3600
    with pytest.raises(RespError):
        rr.call("LASTSAVE", "extra")
