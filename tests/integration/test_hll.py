"""HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, in RESP2
and RESP3.  Estimates are checked against the true cardinality (error under
2% at 100k elements), sparse->dense promotion by size and by register value,
the cached count in the header, corrupted and non-HLL values, and the exact
bytes of values built the same way by Debian's redis-server (HLL values are
strings in one byte format, so GET must return identical bytes)."""

import os
import struct

import pytest

from helpers import RespError, Server, SimpleString

ERR_NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
ERR_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_INVALID = "INVALIDOBJ Corrupted HLL object detected"
REDIS = "/usr/bin/redis-server"


def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def add_many(client, key, elements, batch=1000):
    """PFADD in batches, pipelined; returns the number of 1 replies."""
    elements = list(elements)
    cmds = [("PFADD", key, *elements[i:i + batch]) for i in range(0, len(elements), batch)]
    replies = []
    for i in range(0, len(cmds), 50):
        replies += client.pipeline(cmds[i:i + 50], raise_errors=True)
    return sum(replies)


def header(value):
    """(magic, encoding, cached count or None when invalid)."""
    magic, enc = value[:4], value[4]
    card = struct.unpack("<Q", value[8:16])[0]
    return magic, enc, None if value[15] & 0x80 else card


def empty_sparse():
    return b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x7f\xff"


# ------------------------------------------------------------------ PFADD

def test_pfadd_creates_and_reports_changes(rr):
    assert rr.call("PFADD", "h", "a", "b", "c") == 1
    assert rr.call("PFADD", "h", "a", "b", "c") == 0
    assert rr.call("PFADD", "h", "c", "d") == 1
    assert rr.call("TYPE", "h") == b"string"
    assert rr.call("PFCOUNT", "h") == 4


def test_pfadd_without_elements(rr):
    assert rr.call("PFADD", "e") == 1
    assert rr.call("GET", "e") == empty_sparse()
    assert rr.call("PFADD", "e") == 0
    assert rr.call("PFCOUNT", "e") == 0


def test_pfadd_invalidates_cache(rr):
    rr.call("PFADD", "h", "x")
    assert header(rr.call("GET", "h"))[2] is None
    assert rr.call("PFCOUNT", "h") == 1
    assert header(rr.call("GET", "h")) == (b"HYLL", 1, 1)
    assert rr.call("PFADD", "h", "x") == 0
    assert header(rr.call("GET", "h"))[2] == 1       # unchanged: cache kept
    assert rr.call("PFADD", "h", "y") == 1
    assert header(rr.call("GET", "h"))[2] is None
    assert rr.call("PFCOUNT", "h") == 2


def test_pfadd_wrong_types(rr):
    rr.call("SET", "plain", "hello world, not an hll")
    assert error_of(rr, "PFADD", "plain", "a") == ERR_NOT_HLL
    rr.call("SET", "int", "12345")
    assert error_of(rr, "PFADD", "int", "a") == ERR_NOT_HLL
    rr.call("SET", "short", "HYLL")
    assert error_of(rr, "PFADD", "short", "a") == ERR_NOT_HLL
    # a dense header over the wrong length is not an HLL either
    rr.call("SET", "baddense", b"HYLL\x00" + b"\x00" * 11 + b"\x00" * 100)
    assert error_of(rr, "PFADD", "baddense", "a") == ERR_NOT_HLL
    rr.call("SET", "badenc", b"HYLL\x02" + b"\x00" * 11 + b"\x7f\xff")
    assert error_of(rr, "PFCOUNT", "badenc") == ERR_NOT_HLL
    assert rr.call("GET", "plain") == b"hello world, not an hll"


def test_pf_commands_on_other_types(rr):
    try:
        rr.call("HSET", "hash", "f", "v")
    except RespError:
        pytest.skip("no hash type yet")
    assert error_of(rr, "PFADD", "hash", "a") == ERR_WRONGTYPE
    assert error_of(rr, "PFCOUNT", "hash") == ERR_WRONGTYPE
    assert error_of(rr, "PFCOUNT", "nokey", "hash") == ERR_WRONGTYPE
    assert error_of(rr, "PFMERGE", "dest", "hash") == ERR_WRONGTYPE
    assert rr.call("EXISTS", "dest") == 0


# ------------------------------------------------------------------ PFCOUNT

def test_pfcount_missing_and_union(rr):
    assert rr.call("PFCOUNT", "nothing") == 0
    assert rr.call("PFCOUNT", "nothing", "else") == 0
    rr.call("PFADD", "a", *["a%d" % i for i in range(100)])
    rr.call("PFADD", "b", *["a%d" % i for i in range(50, 200)])
    # the estimates redis-server gives for these exact elements
    assert rr.call("PFCOUNT", "a") == 99
    assert rr.call("PFCOUNT", "b") == 149
    assert rr.call("PFCOUNT", "a", "b") == 199
    assert rr.call("PFCOUNT", "a", "missing", "b", "a") == 199
    # a union count caches nothing
    assert header(rr.call("GET", "a"))[2] == 99


def test_pfcount_union_rejects_non_hll(rr):
    rr.call("PFADD", "a", "x")
    rr.call("SET", "s", "not an hll at all....")
    assert error_of(rr, "PFCOUNT", "a", "s") == ERR_NOT_HLL


@pytest.mark.parametrize("n", [1000, 100000])
def test_estimate_error_below_2_percent(r, n):
    pipe = r.pipeline(transaction=False)
    batch = 1000
    for i in range(0, n, batch):
        pipe.execute_command("PFADD", "big", *[b"ele:%d" % j for j in range(i, i + batch)])
    pipe.execute()
    est = r.execute_command("PFCOUNT", "big")
    assert abs(est - n) / n < 0.02, est
    assert r.execute_command("PFDEBUG", "ENCODING", "big") == (b"dense" if n > 2000 else b"sparse")


def test_pfcount_updates_cache_and_dirty(r):
    r.execute_command("PFADD", "h", *range(10))
    before = int(r.info("persistence")["rdb_changes_since_last_save"])
    assert r.execute_command("PFCOUNT", "h") == 10
    after = int(r.info("persistence")["rdb_changes_since_last_save"])
    assert after == before + 1
    assert r.execute_command("PFCOUNT", "h") == 10   # cached now: no change
    assert int(r.info("persistence")["rdb_changes_since_last_save"]) == after


# ------------------------------------------------------------------ PFMERGE

def test_pfmerge_union(rr):
    rr.call("PFADD", "a", *["e%d" % i for i in range(0, 300)])
    rr.call("PFADD", "b", *["e%d" % i for i in range(200, 500)])
    assert rr.call("PFMERGE", "dest", "a", "b") == SimpleString(b"OK")
    assert abs(rr.call("PFCOUNT", "dest") - 500) <= 10
    # the destination is a source too
    rr.call("PFADD", "c", *["f%d" % i for i in range(100)])
    assert rr.call("PFMERGE", "c", "a") == b"OK"
    assert abs(rr.call("PFCOUNT", "c") - 400) <= 8
    assert rr.call("PFDEBUG", "ENCODING", "c") == b"sparse"


def test_pfmerge_no_sources_and_missing(rr):
    assert rr.call("PFMERGE", "new") == b"OK"
    assert rr.call("GET", "new") == empty_sparse()
    assert rr.call("PFMERGE", "new2", "missing1", "missing2") == b"OK"
    assert rr.call("GET", "new2") == empty_sparse()


def test_pfmerge_dense_source_makes_dense_dest(rr):
    rr.call("PFADD", "small", "x")
    rr.call("PFADD", "d", "y")
    rr.call("PFDEBUG", "TODENSE", "d")
    rr.call("PFMERGE", "small", "d")
    assert rr.call("PFDEBUG", "ENCODING", "small") == b"dense"
    assert rr.call("PFCOUNT", "small") == 2


def test_pfmerge_corrupt_source(rr):
    # a sparse header whose opcodes cover only 100 registers
    rr.call("SET", "bad", b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x40\x63")
    assert error_of(rr, "PFMERGE", "dest", "bad") == ERR_INVALID
    assert rr.call("EXISTS", "dest") == 0
    assert error_of(rr, "PFCOUNT", "bad") == ERR_INVALID
    assert error_of(rr, "PFCOUNT", "bad", "bad") == ERR_INVALID
    assert error_of(rr, "PFADD", "bad", "a") == ERR_INVALID


# ------------------------------------------------------------------ promotion

def test_sparse_to_dense_by_size(rr):
    rr.call("PFADD", "h", *["s%d" % i for i in range(100)])
    assert rr.call("PFDEBUG", "ENCODING", "h") == b"sparse"
    assert len(rr.call("GET", "h")) < 400
    for i in range(100, 5000, 100):
        rr.call("PFADD", "h", *["s%d" % j for j in range(i, i + 100)])
        v = rr.call("GET", "h")
        if v[4] == 0:
            break
        assert len(v) <= 3000
    assert rr.call("PFDEBUG", "ENCODING", "h") == b"dense"
    assert len(rr.call("GET", "h")) == 12304


def config_get(client, name):
    reply = client.call("CONFIG", "GET", name)
    return reply[name.encode()] if isinstance(reply, dict) else reply[1]


def test_sparse_max_bytes_config(rr):
    assert config_get(rr, "hll-sparse-max-bytes") == b"3000"
    rr.call("CONFIG", "SET", "hll-sparse-max-bytes", "30")
    try:
        rr.call("PFADD", "h", "a", "b")
        assert rr.call("PFDEBUG", "ENCODING", "h") == b"sparse"
        rr.call("PFADD", "h", *["x%d" % i for i in range(20)])
        assert rr.call("PFDEBUG", "ENCODING", "h") == b"dense"
        rr.call("PFADD", "m1", "a", "b", "c", "d", "e", "f", "g")
        rr.call("PFMERGE", "m2", "m1")
    finally:
        rr.call("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def test_sparse_to_dense_by_register_value(rr):
    # (a run of more than 32 needs ~2^32 elements to occur; GETREG/TODENSE
    # convert explicitly and must keep every register and the header)
    rr.call("PFADD", "h", *["r%d" % i for i in range(50)])
    sparse = rr.call("GET", "h")
    regs = rr.call("PFDEBUG", "GETREG", "h")
    assert len(regs) == 16384
    assert sum(1 for v in regs if v) in range(45, 51)
    assert rr.call("PFDEBUG", "ENCODING", "h") == b"dense"   # GETREG converts
    dense = rr.call("GET", "h")
    assert len(dense) == 12304 and dense[5:16] == sparse[5:16]
    assert rr.call("PFDEBUG", "TODENSE", "h") == 0


# ------------------------------------------------------------------ PFDEBUG

def test_pfdebug(rr):
    assert error_of(rr, "PFDEBUG", "ENCODING", "nokey") == "ERR The specified key does not exist"
    rr.call("PFADD", "h", "a")
    assert rr.call("PFDEBUG", "ENCODING", "h") == SimpleString(b"sparse")
    dec = rr.call("PFDEBUG", "DECODE", "h")
    parts = dec.split(b" ")
    assert any(p.startswith(b"v:") for p in parts)
    assert sum(int(p.split(b":")[1].split(b",")[-1]) for p in parts) == 16384
    assert error_of(rr, "PFDEBUG", "NOSUCH", "h") == "ERR Unknown PFDEBUG subcommand 'NOSUCH'"
    assert rr.call("PFDEBUG", "TODENSE", "h") == 1
    assert rr.call("PFDEBUG", "TODENSE", "h") == 0
    assert error_of(rr, "PFDEBUG", "DECODE", "h") == "ERR HLL encoding is not sparse"
    assert rr.call("PFCOUNT", "h") == 1
    rr.call("PFADD", "e")
    assert rr.call("PFDEBUG", "DECODE", "e") == b"Z:16384"
    rr.call("SET", "s", "just a string value")
    assert error_of(rr, "PFDEBUG", "ENCODING", "s") == ERR_NOT_HLL


def test_pfselftest(rr):
    assert rr.call("PFSELFTEST") == b"OK"


def test_arity(rr):
    assert "wrong number of arguments" in error_of(rr, "PFADD")
    assert "wrong number of arguments" in error_of(rr, "PFCOUNT")
    assert "wrong number of arguments" in error_of(rr, "PFMERGE")


def test_hll_survives_append_and_setrange_checks(rr):
    rr.call("PFADD", "h", "a", "b")
    rr.call("APPEND", "h", "junk")
    # a sparse value with trailing garbage: opcodes no longer cover 16384
    assert error_of(rr, "PFCOUNT", "h") == ERR_INVALID


# ------------------------------------------------------------------ bytes vs redis-server

@pytest.fixture(scope="module")
def redis_ref():
    if not os.path.exists(REDIS):
        pytest.skip("no redis-server")
    srv = Server(binary=REDIS, name="redis-ref").start()
    yield srv
    srv.stop()
    srv.cleanup()


def both(shared_server, redis_ref):
    a, b = shared_server.resp(protocol=2), redis_ref.resp(protocol=2)
    for c in (a, b):
        c.call("FLUSHALL")
    return a, b


@pytest.mark.parametrize("n", [0, 1, 5, 40, 300, 1200, 3000, 20000])
def test_bytes_match_redis(shared_server, redis_ref, n):
    ours, ref = both(shared_server, redis_ref)
    with ours, ref:
        for c in (ours, ref):
            if n == 0:
                c.call("PFADD", "k")
            else:
                add_many(c, "k", [b"item-%d" % i for i in range(n)], batch=97)
        assert ours.call("GET", "k") == ref.call("GET", "k")
        # counting stores the count in the header the same way
        assert ours.call("PFCOUNT", "k") == ref.call("PFCOUNT", "k")
        assert ours.call("GET", "k") == ref.call("GET", "k")
        # conversion keeps the header
        assert ours.call("PFDEBUG", "TODENSE", "k") == ref.call("PFDEBUG", "TODENSE", "k")
        assert ours.call("GET", "k") == ref.call("GET", "k")


def test_bytes_match_redis_random_order_and_merge(shared_server, redis_ref):
    import random
    rnd = random.Random(7)
    elements = [b"%d" % rnd.randrange(10 ** 9) for _ in range(2500)]
    ours, ref = both(shared_server, redis_ref)
    with ours, ref:
        for c in (ours, ref):
            for i in range(0, 2500, 7):
                c.call("PFADD", "a", *elements[i:i + 7])
            c.call("PFADD", "b", *elements[100:400])
            c.call("PFADD", "d", *elements[:50])
            c.call("PFDEBUG", "TODENSE", "d")
            c.call("PFMERGE", "m", "b", "missing")
            c.call("PFMERGE", "md", "b", "d")
            c.call("PFMERGE", "m3")
        for key in ("a", "b", "d", "m", "md", "m3"):
            assert ours.call("GET", key) == ref.call("GET", key), key
        assert ours.call("PFCOUNT", "a", "b", "d") == ref.call("PFCOUNT", "a", "b", "d")
        assert ours.call("PFDEBUG", "DECODE", "b") == ref.call("PFDEBUG", "DECODE", "b")


def test_redis_value_is_usable(shared_server, redis_ref):
    """A value made by redis-server and copied over with SET works here."""
    ours, ref = both(shared_server, redis_ref)
    with ours, ref:
        add_many(ref, "k", [b"v%d" % i for i in range(700)])
        value = ref.call("GET", "k")
        ours.call("SET", "k", value)
        assert ours.call("PFCOUNT", "k") == ref.call("PFCOUNT", "k")
        for c in (ours, ref):
            c.call("PFADD", "k", *[b"w%d" % i for i in range(300)])
        assert ours.call("GET", "k") == ref.call("GET", "k")
