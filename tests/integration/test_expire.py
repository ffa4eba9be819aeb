"""TTL commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX / XX / GT / LT,
TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST; lazy and active expiry.

The flag semantics are checked against a table of cases (the same table
passes against redis-server 7.0: TESSERA_SERVER=/usr/bin/redis-server)."""

import time

import pytest

from helpers import RespError, wait_until

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808


def err(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def now_ms():
    return int(time.time() * 1000)


# ---------------------------------------------------------------- the four setters

def test_expire_and_ttl(rr):
    rr.call("SET", "k", "v")
    assert rr.call("EXPIRE", "k", 100) == 1
    assert 99 <= rr.call("TTL", "k") <= 100
    assert 99000 < rr.call("PTTL", "k") <= 100000
    assert rr.call("PEXPIRE", "k", 2800) == 1
    assert rr.call("TTL", "k") == 3  # rounded to the nearest second
    assert 2500 < rr.call("PTTL", "k") <= 2800


def test_expireat_and_expiretime(rr):
    rr.call("SET", "k", "v")
    at = int(time.time()) + 1000
    assert rr.call("EXPIREAT", "k", at) == 1
    assert rr.call("EXPIRETIME", "k") == at
    assert rr.call("PEXPIRETIME", "k") == at * 1000
    assert 995 < rr.call("TTL", "k") <= 1000
    assert rr.call("PEXPIREAT", "k", 1800000000123 * 10) == 1
    assert rr.call("PEXPIRETIME", "k") == 18000000001230
    assert rr.call("PEXPIREAT", "k", 18000000000600) == 1
    assert rr.call("EXPIRETIME", "k") == 18000000001  # rounded as TTL is
    assert rr.call("PEXPIREAT", "k", 18000000000400) == 1
    assert rr.call("EXPIRETIME", "k") == 18000000000


def test_ttl_family_missing_and_persistent(rr):
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert rr.call(cmd, "nokey") == -2
    rr.call("SET", "k", "v")
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert rr.call(cmd, "k") == -1
        assert "wrong number of arguments" in err(rr, cmd)
        assert "wrong number of arguments" in err(rr, cmd, "k", "x")


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_setters_on_missing_key(rr, cmd):
    assert rr.call(cmd, "nokey", 100) == 0
    assert rr.call(cmd, "nokey", 100, "NX") == 0
    assert rr.call(cmd, "nokey", -1) == 0
    assert rr.call("EXISTS", "nokey") == 0


def test_set_overwrites_ttl_and_persist(rr):
    rr.call("SET", "k", "v")
    rr.call("EXPIRE", "k", 100)
    rr.call("SET", "k", "w")
    assert rr.call("TTL", "k") == -1
    rr.call("EXPIRE", "k", 100)
    assert rr.call("PERSIST", "k") == 1
    assert rr.call("TTL", "k") == -1
    assert rr.call("PERSIST", "k") == 0
    assert rr.call("PERSIST", "nokey") == 0
    assert rr.call("GET", "k") == b"w"
    assert "wrong number of arguments" in err(rr, "PERSIST")


def test_expire_keeps_value_of_every_encoding(rr):
    for key, value in (("i", b"123"), ("e", b"hello"), ("r", b"x" * 300)):
        rr.call("SET", key, value)
        enc = rr.call("OBJECT", "ENCODING", key)
        assert rr.call("EXPIRE", key, 100) == 1
        assert rr.call("GET", key) == value
        assert rr.call("OBJECT", "ENCODING", key) == enc
        assert rr.call("PERSIST", key) == 1
        assert rr.call("GET", key) == value
        assert rr.call("APPEND", key, "!") == len(value) + 1
        assert rr.call("EXPIRE", key, 100) == 1
        assert rr.call("GET", key) == value + b"!"


# ---------------------------------------------------------------- times in the past

@pytest.mark.parametrize("args", [
    ("EXPIRE", -1), ("EXPIRE", 0), ("PEXPIRE", -100), ("PEXPIRE", 0),
    ("EXPIREAT", 1), ("EXPIREAT", -5), ("PEXPIREAT", 1), ("PEXPIREAT", "now-10"),
    ("EXPIRE", -(LLONG_MAX // 1000)), ("PEXPIRE", LLONG_MIN),
])
def test_expire_in_the_past_deletes(rr, args):
    cmd, when = args
    if when == "now-10":
        when = now_ms() - 10
    rr.call("SET", "k", "v")
    assert rr.call(cmd, "k", when) == 1
    assert rr.call("EXISTS", "k") == 0
    assert rr.call("TTL", "k") == -2
    assert rr.call("DBSIZE") == 0


# ---------------------------------------------------------------- NX / XX / GT / LT

# (current TTL in seconds or None, new TTL in seconds, options, reply, TTL afterwards:
#  "new", "old" or None for no TTL / "gone" for a deleted key)
FLAG_CASES = [
    (None, 100, ["NX"], 1, "new"),
    (None, 100, ["XX"], 0, None),
    (None, 100, ["GT"], 0, None),
    (None, 100, ["LT"], 1, "new"),
    (None, 100, ["XX", "GT"], 0, None),
    (None, 100, ["XX", "LT"], 0, None),
    (None, -10, ["LT"], 1, "gone"),
    (None, -10, ["GT"], 0, None),
    (None, 100, ["nx"], 1, "new"),
    (None, 100, ["NX", "NX"], 1, "new"),
    (500, 100, ["NX"], 0, "old"),
    (500, 1000, ["XX"], 1, "new"),
    (500, 100, ["XX"], 1, "new"),
    (500, 1000, ["GT"], 1, "new"),
    (500, 100, ["GT"], 0, "old"),
    (500, 500, ["GT"], 0, "old"),
    (500, 100, ["LT"], 1, "new"),
    (500, 1000, ["LT"], 0, "old"),
    (500, 500, ["LT"], 0, "old"),
    (500, 1000, ["XX", "GT"], 1, "new"),
    (500, 100, ["XX", "GT"], 0, "old"),
    (500, 100, ["XX", "LT"], 1, "new"),
    (500, 1000, ["LT", "XX"], 0, "old"),
    (500, 1000, ["gt", "xx"], 1, "new"),
    (500, -10, ["GT"], 0, "old"),
    (500, -10, ["LT"], 1, "gone"),
    (500, -10, ["XX"], 1, "gone"),
    (500, -10, ["NX"], 0, "old"),
    (500, 1000, [], 1, "new"),
    (500, 1000, ["GT", "GT"], 1, "new"),
]


def _ttl_argument(rr, cmd, current, new):
    """The time argument of cmd for a TTL of `new` seconds from now; when
    new == current, exactly the key's current expire time (only the absolute
    setters can name it: a relative one moves with the clock)."""
    if current is not None and new == current:
        return rr.call("EXPIRETIME" if cmd == "EXPIREAT" else "PEXPIRETIME", "k")
    base = int(time.time())
    return {"EXPIRE": new, "PEXPIRE": new * 1000,
            "EXPIREAT": base + new, "PEXPIREAT": (base + new) * 1000}[cmd]


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
@pytest.mark.parametrize("case", FLAG_CASES, ids=lambda c: "%s-%s-%s" % (c[0], c[1], "_".join(c[2]) or "none"))
def test_expire_flags_table(rr, cmd, case):
    current, new, opts, reply, after = case
    if current is not None and new == current and cmd in ("EXPIRE", "PEXPIRE"):
        pytest.skip("a relative time cannot name the current expire time exactly")
    rr.call("SET", "k", "v")
    if current is not None:  # a whole second, so EXPIRETIME names it exactly
        rr.call("EXPIREAT", "k", int(time.time()) + current)
    assert rr.call(cmd, "k", _ttl_argument(rr, cmd, current, new), *opts) == reply
    ttl = rr.call("TTL", "k")
    if after == "gone":
        assert ttl == -2
        assert rr.call("EXISTS", "k") == 0
    elif after is None:
        assert ttl == -1
    elif after == "new":
        assert new - 2 <= ttl <= new
    else:
        assert current - 2 <= ttl <= current


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_flag_errors(rr, cmd):
    rr.call("SET", "k", "v")
    incompatible = "ERR NX and XX, GT or LT options at the same time are not compatible"
    for opts in (["NX", "XX"], ["NX", "GT"], ["NX", "LT"], ["XX", "NX"], ["GT", "NX"], ["NX", "XX", "GT", "LT"]):
        assert err(rr, cmd, "k", 100, *opts) == incompatible
    assert err(rr, cmd, "k", 100, "GT", "LT") == "ERR GT and LT options at the same time are not compatible"
    assert err(rr, cmd, "k", 100, "XX", "LT", "GT") == \
        "ERR GT and LT options at the same time are not compatible"
    assert err(rr, cmd, "k", 100, "FOO") == "ERR Unsupported option FOO"
    assert err(rr, cmd, "k", 100, "NX", "bar") == "ERR Unsupported option bar"
    # the options are checked before the time argument
    assert err(rr, cmd, "k", "notanumber", "NX", "XX") == incompatible
    assert err(rr, cmd, "k", "notanumber") == "ERR value is not an integer or out of range"
    assert err(rr, cmd, "k", "1.5") == "ERR value is not an integer or out of range"
    assert err(rr, cmd, "k", "") == "ERR value is not an integer or out of range"
    assert "wrong number of arguments for '%s' command" % cmd.lower() in err(rr, cmd, "k")
    # nothing changed
    assert rr.call("TTL", "k") == -1
    # errors are checked even for a missing key
    assert err(rr, cmd, "nokey", 100, "NX", "GT") == incompatible


@pytest.mark.parametrize("cmd,when", [
    ("EXPIRE", LLONG_MAX), ("EXPIRE", LLONG_MAX // 1000 + 1), ("EXPIRE", LLONG_MIN),
    ("EXPIRE", LLONG_MIN // 1000 - 1), ("EXPIRE", LLONG_MAX // 1000),
    ("PEXPIRE", LLONG_MAX), ("PEXPIRE", LLONG_MAX - 1000),
    ("EXPIREAT", LLONG_MAX), ("EXPIREAT", LLONG_MAX // 1000 + 1), ("EXPIREAT", LLONG_MIN),
])
def test_expire_overflow(rr, cmd, when):
    rr.call("SET", "k", "v")
    assert err(rr, cmd, "k", when) == "ERR invalid expire time in '%s' command" % cmd.lower()
    assert rr.call("TTL", "k") == -1
    assert rr.call("GET", "k") == b"v"


def test_expire_extreme_but_valid(rr):
    rr.call("SET", "k", "v")
    assert rr.call("PEXPIREAT", "k", LLONG_MAX) == 1
    assert rr.call("PEXPIRETIME", "k") == LLONG_MAX
    assert rr.call("EXPIREAT", "k", LLONG_MAX // 1000) == 1
    assert rr.call("EXPIRETIME", "k") == LLONG_MAX // 1000
    assert rr.call("GET", "k") == b"v"


def test_expire_not_integer_overflow_beyond_int64(rr):
    rr.call("SET", "k", "v")
    assert err(rr, "EXPIRE", "k", "9223372036854775808") == "ERR value is not an integer or out of range"


# ---------------------------------------------------------------- lazy and active expiry

def test_lazy_expiry_on_access(rr):
    rr.call("SET", "k", "v")
    assert rr.call("PEXPIRE", "k", 50) == 1
    assert rr.call("GET", "k") == b"v"
    time.sleep(0.1)
    assert rr.call("GET", "k") is None
    assert rr.call("EXISTS", "k") == 0
    assert rr.call("TTL", "k") == -2


def test_lazy_expiry_with_active_expiry_off(shared_server, rr):
    try:
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    except RespError:
        pytest.skip("no DEBUG SET-ACTIVE-EXPIRE")
    try:
        rr.pipeline([("SET", "k%d" % i, "v") for i in range(10)])
        rr.pipeline([("PEXPIRE", "k%d" % i, 20) for i in range(10)])
        time.sleep(0.1)
        assert rr.call("DBSIZE") == 10  # still there, nobody touched them
        assert rr.call("GET", "k0") is None
        assert rr.call("EXISTS", "k1", "k2") == 0
        assert rr.call("DBSIZE") == 7
        assert sorted(rr.call("KEYS", "*")) == []  # hidden, not deleted
        assert rr.call("DBSIZE") == 7
    finally:
        rr.call("DEBUG", "SET-ACTIVE-EXPIRE", 1)


def test_active_expiry_reclaims_untouched_keys(rr):
    rr.call("SET", "stay", "x")
    batch = [("SET", "vol:%d" % i, "v", "PX", 100) for i in range(1000)]
    assert all(r == b"OK" for r in rr.pipeline(batch))
    rr.pipeline([("SET", "keep:%d" % i, "v") for i in range(499)])
    assert rr.call("DBSIZE") == 1500
    time.sleep(1.5)
    # only DBSIZE, which does not look the keys up: the active cycle did it
    wait_until(lambda: rr.call("DBSIZE") == 500, timeout=5, message="active expiry")
    assert rr.call("GET", "stay") == b"x"


def test_expired_key_can_be_recreated(rr):
    rr.call("SET", "k", "old")
    rr.call("PEXPIRE", "k", 1)
    time.sleep(0.02)
    rr.call("SET", "k", "new")
    assert rr.call("TTL", "k") == -1
    assert rr.call("GET", "k") == b"new"


def test_persist_on_expired_key(rr):
    rr.call("SET", "k", "v")
    rr.call("PEXPIRE", "k", 1)
    time.sleep(0.02)
    assert rr.call("PERSIST", "k") == 0
    assert rr.call("EXISTS", "k") == 0


# ---------------------------------------------------------------- notifications

def test_expire_notifications(shared_server, rr):
    admin = shared_server.resp(protocol=2)
    sub = shared_server.resp(protocol=2)
    try:
        admin.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub.call("PSUBSCRIBE", "__keyevent@0__:*")
    except RespError as e:
        admin.close()
        sub.close()
        pytest.skip("no keyspace notifications yet: %s" % e.message)

    def next_event():
        msg = sub.read(timeout=5)
        return msg[2].split(b":", 1)[1], msg[3]

    try:
        rr.call("SET", "k", "v")
        assert next_event() == (b"set", b"k")
        rr.call("EXPIRE", "k", 100)
        assert next_event() == (b"expire", b"k")
        rr.call("EXPIRE", "k", 50, "GT")  # refused: no event
        rr.call("PERSIST", "k")
        assert next_event() == (b"persist", b"k")
        rr.call("PEXPIRE", "k", -1)  # deleted right away
        assert next_event() == (b"del", b"k")
        rr.call("SET", "k2", "v")
        assert next_event() == (b"set", b"k2")
        rr.call("PEXPIRE", "k2", 1)
        assert next_event() == (b"expire", b"k2")
        time.sleep(0.02)
        assert rr.call("GET", "k2") is None
        assert next_event() == (b"expired", b"k2")
    finally:
        admin.call("CONFIG", "SET", "notify-keyspace-events", "")
        admin.close()
        sub.close()
