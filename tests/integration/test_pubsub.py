"""Pub/sub: SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE / PUBLISH /
PUBSUB with Valkey's exact message shapes in RESP2 (arrays) and RESP3
(pushes), the RESP2 subscribed-context restriction, and cleanup on RESET and
disconnect."""

import time

import pytest

from helpers import Push, RespError

CONTEXT_ERR = ("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
               "are allowed in this context")


def connect(srv, protocol):
    return srv.resp(protocol=protocol)


def msg_type(c):
    """The aggregate type every pub/sub message has on c's protocol."""
    return Push if c.protocol == 3 else list


def read_msg(c, timeout=5.0):
    """The next pub/sub message or confirmation, checked for its RESP type."""
    if c.pushes:
        value = c.pushes.pop(0)
    else:
        value = c.read(timeout=timeout)
    assert type(value) is msg_type(c), (value, c.last_raw)
    return list(value)


def subscribe(c, cmd, *names):
    """Send (P)SUBSCRIBE and collect one confirmation per name."""
    c.send(cmd, *names)
    return [read_msg(c) for _ in names]


def assert_silent(c, timeout=0.2):
    with pytest.raises(TimeoutError):
        c.read(timeout=timeout)


def wait_for(fn, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return
        time.sleep(0.02)
    assert fn()


@pytest.fixture
def sub(rr, shared_server):
    """A second connection on rr's protocol, for subscribing."""
    c = connect(shared_server, rr.protocol)
    yield c
    c.close()


# --------------------------------------------------------------------------
# confirmations


def test_subscribe_confirmations_count_up(sub):
    assert subscribe(sub, "SUBSCRIBE", "a", "b", "c") == [
        [b"subscribe", b"a", 1], [b"subscribe", b"b", 2], [b"subscribe", b"c", 3]]


def test_subscribe_same_channel_twice_counts_once(sub, rr):
    assert subscribe(sub, "SUBSCRIBE", "a", "a", "a") == [[b"subscribe", b"a", 1]] * 3
    assert rr.call("PUBLISH", "a", "x") == 1
    assert read_msg(sub) == [b"message", b"a", b"x"]
    assert_silent(sub)


def test_confirmation_bytes_exact(shared_server, rr):
    with connect(shared_server, rr.protocol) as c:
        head = b">3\r\n" if rr.protocol == 3 else b"*3\r\n"
        c.send("SUBSCRIBE", "ch")
        assert c.read_raw() == head + b"$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
        c.send("UNSUBSCRIBE", "ch")
        assert c.read_raw() == head + b"$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n"


def test_unsubscribe_without_subscriptions_replies_nil_channel(shared_server, rr):
    with connect(shared_server, rr.protocol) as c:
        head = b">3\r\n" if rr.protocol == 3 else b"*3\r\n"
        null = b"_\r\n" if rr.protocol == 3 else b"$-1\r\n"
        c.send("UNSUBSCRIBE")
        assert c.read_raw() == head + b"$11\r\nunsubscribe\r\n" + null + b":0\r\n"
        c.send("PUNSUBSCRIBE")
        assert c.read_raw() == head + b"$12\r\npunsubscribe\r\n" + null + b":0\r\n"
        # Not subscribed afterwards: ordinary commands work in RESP2 too.
        assert c.call("PING") == b"PONG"


def test_unsubscribe_unknown_channels_confirms_each(sub):
    sub.send("UNSUBSCRIBE", "foo", "bar", "quux")
    assert [read_msg(sub) for _ in range(3)] == [
        [b"unsubscribe", b"foo", 0], [b"unsubscribe", b"bar", 0], [b"unsubscribe", b"quux", 0]]
    sub.send("PUNSUBSCRIBE", "f*", "b*")
    assert [read_msg(sub) for _ in range(2)] == [[b"punsubscribe", b"f*", 0], [b"punsubscribe", b"b*", 0]]
    assert sub.call("PING") == b"PONG"


def test_unsubscribe_all_confirms_every_channel(sub, rr):
    subscribe(sub, "SUBSCRIBE", "a", "b", "c")
    sub.send("UNSUBSCRIBE")
    got = [read_msg(sub) for _ in range(3)]
    assert sorted(m[1] for m in got) == [b"a", b"b", b"c"]        # any order
    assert [m[0] for m in got] == [b"unsubscribe"] * 3
    assert [m[2] for m in got] == [2, 1, 0]
    for ch in ("a", "b", "c"):
        assert rr.call("PUBLISH", ch, "x") == 0
    assert_silent(sub)


def test_counts_cover_channels_and_patterns(sub):
    assert subscribe(sub, "SUBSCRIBE", "a") == [[b"subscribe", b"a", 1]]
    assert subscribe(sub, "PSUBSCRIBE", "p*", "q*") == [[b"psubscribe", b"p*", 2], [b"psubscribe", b"q*", 3]]
    sub.send("UNSUBSCRIBE")
    assert read_msg(sub) == [b"unsubscribe", b"a", 2]
    # Only patterns left: a bare UNSUBSCRIBE confirms with a nil channel
    # and the remaining pattern count.
    sub.send("UNSUBSCRIBE")
    assert read_msg(sub) == [b"unsubscribe", None, 2]
    sub.send("PUNSUBSCRIBE", "p*")
    assert read_msg(sub) == [b"punsubscribe", b"p*", 1]
    sub.send("PUNSUBSCRIBE")
    assert read_msg(sub) == [b"punsubscribe", b"q*", 0]


# --------------------------------------------------------------------------
# delivery


def test_publish_basics(sub, rr):
    subscribe(sub, "SUBSCRIBE", "chan1", "chan2")
    assert rr.call("PUBLISH", "chan1", "hello") == 1
    assert rr.call("PUBLISH", "chan2", "world") == 1
    assert read_msg(sub) == [b"message", b"chan1", b"hello"]
    assert read_msg(sub) == [b"message", b"chan2", b"world"]
    sub.send("UNSUBSCRIBE", "chan1")
    assert read_msg(sub) == [b"unsubscribe", b"chan1", 1]
    assert rr.call("PUBLISH", "chan1", "hello") == 0
    assert rr.call("PUBLISH", "chan2", "again") == 1
    assert read_msg(sub) == [b"message", b"chan2", b"again"]
    assert_silent(sub)


def test_message_bytes_exact(sub, rr):
    subscribe(sub, "SUBSCRIBE", "ch")
    subscribe(sub, "PSUBSCRIBE", "c*")
    assert rr.call("PUBLISH", "ch", "hi") == 2
    head3, head4 = (b">3\r\n", b">4\r\n") if rr.protocol == 3 else (b"*3\r\n", b"*4\r\n")
    assert sub.read_raw() == head3 + b"$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
    assert sub.read_raw() == head4 + b"$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n"


def test_publish_two_subscribers(shared_server, rr):
    with connect(shared_server, 2) as s2, connect(shared_server, 3) as s3:
        subscribe(s2, "SUBSCRIBE", "chan1")
        subscribe(s3, "SUBSCRIBE", "chan1")
        assert rr.call("PUBLISH", "chan1", "hello") == 2
        assert read_msg(s2) == [b"message", b"chan1", b"hello"]
        assert read_msg(s3) == [b"message", b"chan1", b"hello"]


def test_psubscribe_basics(sub, rr):
    assert subscribe(sub, "PSUBSCRIBE", "foo.*", "bar.*") == [
        [b"psubscribe", b"foo.*", 1], [b"psubscribe", b"bar.*", 2]]
    assert rr.call("PUBLISH", "foo.1", "hello") == 1
    assert rr.call("PUBLISH", "bar.1", "hello") == 1
    assert rr.call("PUBLISH", "foo1", "hello") == 0
    assert rr.call("PUBLISH", "barfoo.1", "hello") == 0
    assert read_msg(sub) == [b"pmessage", b"foo.*", b"foo.1", b"hello"]
    assert read_msg(sub) == [b"pmessage", b"bar.*", b"bar.1", b"hello"]
    sub.send("PUNSUBSCRIBE", "foo.*")
    assert read_msg(sub) == [b"punsubscribe", b"foo.*", 1]
    assert rr.call("PUBLISH", "foo.1", "hello") == 0
    assert_silent(sub)


def test_glob_features_in_patterns(sub, rr):
    subscribe(sub, "PSUBSCRIBE", "h?llo", "n[ae]ws", "x[^0-9]", "lit\\*")
    assert rr.call("PUBLISH", "hello", "1") == 1
    assert rr.call("PUBLISH", "hllo", "2") == 0
    assert rr.call("PUBLISH", "news", "3") == 1
    assert rr.call("PUBLISH", "nows", "4") == 0
    assert rr.call("PUBLISH", "xa", "5") == 1
    assert rr.call("PUBLISH", "x5", "6") == 0
    assert rr.call("PUBLISH", "lit*", "7") == 1
    assert rr.call("PUBLISH", "litx", "8") == 0
    got = [read_msg(sub)[1:] for _ in range(4)]
    assert got == [[b"h?llo", b"hello", b"1"], [b"n[ae]ws", b"news", b"3"],
                   [b"x[^0-9]", b"xa", b"5"], [b"lit\\*", b"lit*", b"7"]]


def test_channel_and_matching_patterns_each_count(sub, rr):
    subscribe(sub, "SUBSCRIBE", "foo.bar")
    subscribe(sub, "PSUBSCRIBE", "foo.*", "*")
    assert rr.call("PUBLISH", "foo.bar", "hello") == 3
    # The channel's subscribers first, then the patterns'.
    assert read_msg(sub) == [b"message", b"foo.bar", b"hello"]
    rest = sorted(tuple(read_msg(sub)) for _ in range(2))
    assert rest == [(b"pmessage", b"*", b"foo.bar", b"hello"), (b"pmessage", b"foo.*", b"foo.bar", b"hello")]


def test_binary_safe_names_and_payloads(sub, rr):
    ch = b"bin\x00\r\nchan\xff"
    payload = b"\x00\x01\r\n\xfe" * 100
    subscribe(sub, "SUBSCRIBE", ch)
    subscribe(sub, "PSUBSCRIBE", b"bin\x00*")
    assert rr.call("PUBLISH", ch, payload) == 2
    assert read_msg(sub) == [b"message", ch, payload]
    assert read_msg(sub) == [b"pmessage", b"bin\x00*", ch, payload]
    assert rr.call("PUBLISH", b"", b"") == 0


def test_big_fanout_many_subscribers(shared_server, rr):
    clients = [connect(shared_server, 2 + (i % 2)) for i in range(40)]
    try:
        for c in clients:
            subscribe(c, "SUBSCRIBE", "fan")
        assert rr.call("PUBSUB", "NUMSUB", "fan") == [b"fan", 40]
        assert rr.call("PUBLISH", "fan", "m") == 40
        for c in clients:
            assert read_msg(c) == [b"message", b"fan", b"m"]
        for c in clients[::2]:
            c.close()
        wait_for(lambda: rr.call("PUBSUB", "NUMSUB", "fan") == [b"fan", 20])
        assert rr.call("PUBLISH", "fan", "n") == 20
        for c in clients[1::2]:
            assert read_msg(c) == [b"message", b"fan", b"n"]
    finally:
        for c in clients:
            c.close()


def test_publish_to_own_channel_resp3(shared_server):
    with connect(shared_server, 3) as c:
        subscribe(c, "SUBSCRIBE", "self")
        # The push is queued before PUBLISH's own reply.
        assert c.call("PUBLISH", "self", "me") == 1
        assert list(c.pushes.pop(0)) == [b"message", b"self", b"me"]


def test_messages_reach_clients_with_replies_off(shared_server):
    """Pushes are not replies: CLIENT REPLY OFF does not silence them."""
    if shared_server.is_redis:
        pytest.skip("redis-server 7.0 silences pushes too; Valkey 8 delivers them")
    with connect(shared_server, 3) as c, connect(shared_server, 2) as pub:
        c.send("CLIENT", "REPLY", "OFF")
        c.send("SUBSCRIBE", "quiet")
        assert read_msg(c) == [b"subscribe", b"quiet", 1]
        assert pub.call("PUBLISH", "quiet", "loud") == 1
        assert read_msg(c) == [b"message", b"quiet", b"loud"]
        c.send("GET", "nokey")          # its reply stays silenced
        c.send("CLIENT", "REPLY", "ON")
        assert c.read() == b"OK"


# --------------------------------------------------------------------------
# the subscribed context


def test_resp2_subscribed_client_may_only_run_pubsub_commands(shared_server):
    with connect(shared_server, 2) as c:
        subscribe(c, "SUBSCRIBE", "ctx")
        for args, name in ((("GET", "k"), "get"), (("SET", "k", "v"), "set"),
                           (("CONFIG", "GET", "maxmemory"), "config|get"), (("PUBLISH", "ctx", "x"), "publish"),
                           (("DBSIZE",), "dbsize"), (("HELLO", "3"), "hello")):
            with pytest.raises(RespError) as e:
                c.call(*args)
            assert e.value.message == CONTEXT_ERR % name
        # Still subscribed and still allowed: (P)SUBSCRIBE, (P)UNSUBSCRIBE, PING.
        assert subscribe(c, "PSUBSCRIBE", "p*") == [[b"psubscribe", b"p*", 2]]
        c.send("PUNSUBSCRIBE")
        assert read_msg(c) == [b"punsubscribe", b"p*", 1]
        c.send("UNSUBSCRIBE")
        assert read_msg(c) == [b"unsubscribe", b"ctx", 0]
        assert c.call("GET", "k") is None


def test_resp2_rejections_are_counted(shared_server):
    with connect(shared_server, 2) as admin:
        admin.call("CONFIG", "RESETSTAT")
        with connect(shared_server, 2) as c:
            subscribe(c, "SUBSCRIBE", "ctx")
            with pytest.raises(RespError):
                c.call("GET", "k")
        stats = admin.call("INFO", "commandstats").decode()
        line = [ln for ln in stats.split("\r\n") if ln.startswith("cmdstat_get:")]
        assert line and "rejected_calls=1" in line[0] and "calls=0," in line[0]
        errs = admin.call("INFO", "errorstats").decode()
        assert "errorstat_ERR:count=1" in errs


def test_resp2_ping_in_subscribed_mode(shared_server):
    with connect(shared_server, 2) as c:
        subscribe(c, "SUBSCRIBE", "somechannel")
        assert c.call("PING") == [b"pong", b""]
        assert c.call("PING", "foo") == [b"pong", b"foo"]
        c.send("UNSUBSCRIBE", "somechannel")
        read_msg(c)
        assert c.call("PING") == b"PONG"


def test_resp3_subscribed_client_runs_any_command(shared_server):
    with connect(shared_server, 3) as c, connect(shared_server, 2) as pub:
        subscribe(c, "SUBSCRIBE", "r3")
        assert c.call("PING") == b"PONG"
        assert c.call("PING", "foo") == b"foo"
        assert c.call("SET", "k3", "v") == b"OK"
        assert c.call("GET", "k3") == b"v"
        assert pub.call("PUBLISH", "r3", "between") == 1
        assert c.call("GET", "k3") == b"v"
        assert list(c.pushes.pop(0)) == [b"message", b"r3", b"between"]
        assert c.call("PUBSUB", "NUMSUB", "r3") == [b"r3", 1]


def test_quit_allowed_while_subscribed(shared_server):
    with connect(shared_server, 2) as c:
        subscribe(c, "SUBSCRIBE", "q")
        assert c.call("QUIT") == b"OK"
        assert c.is_closed()
    with connect(shared_server, 2) as r:
        wait_for(lambda: r.call("PUBSUB", "NUMSUB", "q") == [b"q", 0])


def test_reset_drops_subscriptions(shared_server, rr):
    with connect(shared_server, rr.protocol) as c:
        subscribe(c, "SUBSCRIBE", "r1", "r2")
        subscribe(c, "PSUBSCRIBE", "r*")
        assert c.call("RESET") == b"RESET"
        assert rr.call("PUBLISH", "r1", "x") == 0
        assert rr.call("PUBSUB", "NUMPAT") == 0
        assert c.call("GET", "k") is None       # RESP2 after RESET, not subscribed
        info = c.call("CLIENT", "INFO")
        assert b" sub=0 psub=0 " in info and b"flags=N " in info


def test_disconnect_drops_subscriptions(shared_server, rr):
    c = connect(shared_server, rr.protocol)
    subscribe(c, "SUBSCRIBE", "gone")
    subscribe(c, "PSUBSCRIBE", "gone*")
    assert rr.call("PUBSUB", "NUMSUB", "gone") == [b"gone", 1]
    c.close()
    wait_for(lambda: rr.call("PUBSUB", "NUMSUB", "gone") == [b"gone", 0])
    assert rr.call("PUBSUB", "NUMPAT") == 0
    assert rr.call("PUBLISH", "gone", "x") == 0


def test_subscribe_without_arguments_is_an_arity_error(rr):
    for cmd in ("SUBSCRIBE", "PSUBSCRIBE"):
        with pytest.raises(RespError) as e:
            rr.call(cmd)
        assert e.value.message == "ERR wrong number of arguments for '%s' command" % cmd.lower()
    with pytest.raises(RespError):
        rr.call("PUBLISH", "ch")


# --------------------------------------------------------------------------
# PUBSUB


def test_pubsub_channels(sub, rr):
    assert rr.call("PUBSUB", "CHANNELS") == []
    subscribe(sub, "SUBSCRIBE", "news.a", "news.b", "other")
    subscribe(sub, "PSUBSCRIBE", "news.*")               # patterns are not channels
    assert sorted(rr.call("PUBSUB", "CHANNELS")) == [b"news.a", b"news.b", b"other"]
    assert sorted(rr.call("PUBSUB", "CHANNELS", "news.*")) == [b"news.a", b"news.b"]
    assert rr.call("PUBSUB", "CHANNELS", "nomatch*") == []
    assert type(rr.call("PUBSUB", "CHANNELS")) is list     # an array in RESP3 too
    sub.send("UNSUBSCRIBE", "other")
    read_msg(sub)
    assert sorted(rr.call("PUBSUB", "CHANNELS")) == [b"news.a", b"news.b"]


def test_pubsub_numsub(shared_server, rr):
    assert rr.call("PUBSUB", "NUMSUB") == []
    with connect(shared_server, 2) as a, connect(shared_server, 3) as b:
        subscribe(a, "SUBSCRIBE", "x", "y")
        subscribe(b, "SUBSCRIBE", "x")
        subscribe(b, "PSUBSCRIBE", "x*")                  # not counted by NUMSUB
        reply = rr.call("PUBSUB", "NUMSUB", "x", "y", "z", "x")
        assert type(reply) is list
        assert reply == [b"x", 2, b"y", 1, b"z", 0, b"x", 2]


def test_pubsub_numpat_counts_distinct_patterns(shared_server, rr):
    assert rr.call("PUBSUB", "NUMPAT") == 0
    with connect(shared_server, 2) as a, connect(shared_server, 3) as b:
        subscribe(a, "PSUBSCRIBE", "p*", "q*")
        subscribe(b, "PSUBSCRIBE", "p*")
        assert rr.call("PUBSUB", "NUMPAT") == 2
        a.send("PUNSUBSCRIBE", "p*")
        read_msg(a)
        assert rr.call("PUBSUB", "NUMPAT") == 2           # b still holds p*
        b.send("PUNSUBSCRIBE")
        read_msg(b)
        assert rr.call("PUBSUB", "NUMPAT") == 1


def test_pubsub_help_and_unknown_subcommand(rr):
    lines = rr.call("PUBSUB", "HELP")
    assert lines[0].startswith(b"PUBSUB <subcommand>")
    assert any(ln.startswith(b"NUMSUB") for ln in lines)
    with pytest.raises(RespError) as e:
        rr.call("PUBSUB", "NOPE")
    assert e.value.message == "ERR unknown subcommand 'NOPE'. Try PUBSUB HELP."


# --------------------------------------------------------------------------
# CLIENT LIST, INFO


def test_client_list_fields_and_type(shared_server, rr):
    with connect(shared_server, rr.protocol) as c:
        subscribe(c, "SUBSCRIBE", "a", "b")
        subscribe(c, "PSUBSCRIBE", "p*")
        cid = c.call("CLIENT", "ID") if rr.protocol == 3 else None
        if cid is None:
            listing = rr.call("CLIENT", "LIST", "TYPE", "pubsub")
        else:
            listing = rr.call("CLIENT", "LIST", "ID", cid)
        line = listing.decode() if isinstance(listing, bytes) else str(listing)
        assert " sub=2 psub=1 " in line
        assert " flags=P " in line
        if rr.protocol == 2:
            assert len(line.strip().split("\n")) == 1
        # Back to normal once unsubscribed.
        c.send("UNSUBSCRIBE")
        read_msg(c)
        read_msg(c)
        c.send("PUNSUBSCRIBE")
        read_msg(c)
        info = c.call("CLIENT", "INFO")
        info = info.decode() if isinstance(info, bytes) else str(info)
        assert " sub=0 psub=0 " in info and " flags=N " in info


def test_client_kill_type_pubsub(shared_server):
    with connect(shared_server, 2) as admin, connect(shared_server, 2) as c:
        subscribe(c, "SUBSCRIBE", "k")
        assert admin.call("CLIENT", "KILL", "TYPE", "pubsub") == 1
        assert c.is_closed()
        wait_for(lambda: admin.call("PUBSUB", "NUMSUB", "k") == [b"k", 0])


def info_field(c, section, field):
    text = c.call("INFO", section)
    text = text.decode() if isinstance(text, bytes) else str(text)
    for line in text.split("\r\n"):
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError("no %s in INFO %s" % (field, section))


def test_info_counts(shared_server, rr):
    assert info_field(rr, "stats", "pubsub_channels") == 0
    assert info_field(rr, "stats", "pubsub_patterns") == 0
    with connect(shared_server, 2) as a, connect(shared_server, 3) as b:
        subscribe(a, "SUBSCRIBE", "i1", "i2")
        subscribe(b, "SUBSCRIBE", "i2")
        subscribe(b, "PSUBSCRIBE", "i*", "j*")
        subscribe(a, "PSUBSCRIBE", "i*")
        assert info_field(rr, "stats", "pubsub_channels") == 2
        assert info_field(rr, "stats", "pubsub_patterns") == 2
        if not shared_server.is_redis:           # a Valkey 8 field
            assert info_field(rr, "clients", "pubsub_clients") == 2
    wait_for(lambda: info_field(rr, "stats", "pubsub_channels") == 0)
    assert info_field(rr, "stats", "pubsub_patterns") == 0


# --------------------------------------------------------------------------
# output buffer class


def test_subscriber_uses_pubsub_output_limit(start_server):
    srv = start_server(directives={"client-output-buffer-limit": "pubsub 64kb 0 0"})
    with srv.resp(protocol=2) as pub, srv.resp(protocol=2) as normal:
        c = srv.resp(protocol=2)
        subscribe(c, "SUBSCRIBE", "flood")
        # The subscriber never reads: once the pubsub class's hard limit is
        # passed the server drops it.
        big = b"x" * 65536
        for _ in range(1000):     # up to 64 MB: more than the socket buffers hold
            if pub.call("PUBLISH", "flood", big) == 0:
                break
        wait_for(lambda: pub.call("PUBSUB", "NUMSUB", "flood") == [b"flood", 0])
        c.close()
        # A normal client under the same server is not limited by that class.
        assert normal.call("PING") == b"PONG"


# --------------------------------------------------------------------------
# redis-py's pubsub API (RESP2)


def test_redis_py_pubsub(r):
    p = r.pubsub()
    try:
        p.subscribe("rp")
        assert p.get_message(timeout=2) == {"type": "subscribe", "pattern": None, "channel": b"rp", "data": 1}
        p.psubscribe("rp*")
        assert p.get_message(timeout=2) == {"type": "psubscribe", "pattern": None, "channel": b"rp*", "data": 2}
        assert r.publish("rp", "hello") == 2
        assert p.get_message(timeout=2) == {"type": "message", "pattern": None, "channel": b"rp", "data": b"hello"}
        assert p.get_message(timeout=2) == {"type": "pmessage", "pattern": b"rp*", "channel": b"rp",
                                            "data": b"hello"}
        assert r.pubsub_channels() == [b"rp"]
        assert r.pubsub_numsub("rp") == [(b"rp", 1)]
        assert r.pubsub_numpat() == 1
        p.ping()
        assert p.get_message(timeout=2)["data"] in (b"", "")
        p.unsubscribe()
        assert p.get_message(timeout=2) == {"type": "unsubscribe", "pattern": None, "channel": b"rp", "data": 1}
        p.punsubscribe()
        assert p.get_message(timeout=2) == {"type": "punsubscribe", "pattern": None, "channel": b"rp*",
                                            "data": 0}
    finally:
        p.close()


def test_redis_py_handlers(r):
    got = []
    p = r.pubsub(ignore_subscribe_messages=True)
    try:
        p.subscribe(**{"cb": lambda m: got.append(m["data"])})
        p.get_message(timeout=1)
        r.publish("cb", "one")
        r.publish("cb", "two")
        deadline = time.time() + 5
        while len(got) < 2 and time.time() < deadline:
            p.get_message(timeout=0.1)
        assert got == [b"one", b"two"]
    finally:
        p.close()


# --------------------------------------------------------------------------
# transactions


def test_subscribe_inside_multi_resp2(shared_server, rr):
    with connect(shared_server, 2) as c:
        assert c.call("MULTI") == b"OK"
        assert c.call("SUBSCRIBE", "tx") == b"QUEUED"
        assert c.call("PUBLISH", "tx", "inside") == b"QUEUED"
        # The confirmation is part of EXEC's reply; the message to itself is
        # written where it is produced, inside EXEC's array, ahead of
        # PUBLISH's reply (Valkey does the same).
        assert c.call("EXEC") == [[b"subscribe", b"tx", 1], [b"message", b"tx", b"inside"]]
        assert c.read() == 1
        # ... and the client is in the subscribed context afterwards.
        assert rr.call("PUBLISH", "tx", "after") == 1
        assert c.read() == [b"message", b"tx", b"after"]
        with pytest.raises(RespError) as e:
            c.call("GET", "k")
        assert e.value.message == CONTEXT_ERR % "get"


def test_publish_in_multi_and_notifications_in_exec_order(shared_server, rr):
    with connect(shared_server, rr.protocol) as s:
        subscribe(s, "SUBSCRIBE", "m1", "m2")
        assert rr.call("MULTI") == b"OK"
        rr.call("PUBLISH", "m1", "one")
        rr.call("PUBLISH", "m2", "two")
        assert rr.call("EXEC") == [1, 1]
        assert read_msg(s) == [b"message", b"m1", b"one"]
        assert read_msg(s) == [b"message", b"m2", b"two"]
