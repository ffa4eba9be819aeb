"""DEBUG DIGEST-VALUE and DEBUG DIGEST for lists, hashes, sets and sorted
sets: the digest does not depend on the encoding (listpack, intset,
quicklist, hashtable, skiplist) and equals Debian redis-server's for the same
data, so tests can compare two servers (a replica, a reload) by digest."""
import pytest

from helpers import Server


def fill(c, big):
    n = 1000 if big else 3
    c.delete("l", "s", "si", "h", "z")
    c.rpush("l", *(["a", "b", "1", "-7"] + ["element-%06d-padding" % i for i in range(n)]))
    c.sadd("s", *(["x", "y", "3"] + ["m%d" % i for i in range(n)]))
    c.sadd("si", *range(n + 5))
    c.hset("h", mapping=dict([("f", "v"), ("g", "12")] + [("f%d" % i, "v%d" % i) for i in range(n)]))
    c.zadd("z", dict([("a", 1), ("b", 2.5), ("c", -0.1)] + [("z%d" % i, i / 3) for i in range(n)]))
    c.pexpire("z", 100000)


def digests(c):
    return {k: c.execute_command("DEBUG", "DIGEST-VALUE", k)[0] for k in ("l", "s", "si", "h", "z")}


@pytest.mark.parametrize("big", [False, True])
def test_digest_matches_redis_server(start_server, big):
    ours = start_server()
    c = ours.client(decode_responses=True)
    fill(c, big)
    enc = {k: c.object("encoding", k) for k in ("l", "s", "si", "h", "z")}
    if big:
        assert enc == {"l": "quicklist", "s": "hashtable", "si": "hashtable", "h": "hashtable", "z": "skiplist"}
    else:
        assert enc == {"l": "listpack", "s": "listpack", "si": "intset", "h": "listpack", "z": "listpack"}
    mine = digests(c)
    assert len(set(mine.values())) == 5
    try:
        peer = Server(binary="/usr/bin/redis-server", name="redis").start()
    except Exception:  # redis-server not installed: compare encodings only
        pytest.skip("no /usr/bin/redis-server")
    try:
        p = peer.client(decode_responses=True)
        fill(p, big)
        assert digests(p) == mine
        assert p.execute_command("DEBUG", "DIGEST") == c.execute_command("DEBUG", "DIGEST")
    finally:
        peer.stop()


def test_digest_independent_of_encoding(start_server):
    srv = start_server()
    c = srv.client(decode_responses=True)
    c.config_set("hash-max-listpack-entries", 1)
    c.config_set("zset-max-listpack-entries", 1)
    c.config_set("set-max-intset-entries", 1)
    c.config_set("set-max-listpack-entries", 1)
    c.config_set("list-max-listpack-size", 1)
    fill(c, False)
    assert c.object("encoding", "h") == "hashtable"
    assert c.object("encoding", "z") == "skiplist"
    assert c.object("encoding", "si") == "hashtable"
    big = digests(c)
    for k in ("hash-max-listpack-entries", "zset-max-listpack-entries", "set-max-intset-entries",
              "set-max-listpack-entries"):
        c.config_set(k, 512)
    c.config_set("list-max-listpack-size", -2)
    fill(c, False)
    assert c.object("encoding", "h") == "listpack"
    assert digests(c) == big
    c.lpush("l", "new")
    assert digests(c)["l"] != big["l"]
