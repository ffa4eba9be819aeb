"""CLIENT command family: ID, INFO, LIST, KILL, SETNAME, GETNAME, SETINFO,
PAUSE, UNPAUSE, REPLY, NO-EVICT, NO-TOUCH, HELP — replies, errors and the
CLIENT LIST line checked field by field against Valkey 8's format.

Tests that pause or kill broadly use a private server so the shared one
(and other tests' connections) are never affected."""

import os
import socket
import time

import pytest

from helpers import ConnectionClosed, RespClient, RespError, SimpleString, Verbatim, wait_until

# Valkey 8 CLIENT LIST / CLIENT INFO fields, in order.
FIELDS = ("id addr laddr fd name age idle flags db sub psub ssub multi watch qbuf qbuf-free "
          "argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp "
          "lib-name lib-ver tot-net-in tot-net-out tot-cmds").split()

INT_FIELDS = ("id fd age idle db sub psub ssub multi watch qbuf qbuf-free argv-mem multi-mem rbs "
              "rbp obl oll omem tot-mem redir resp tot-net-in tot-net-out tot-cmds").split()


def parse_line(line):
    """One CLIENT LIST line -> (ordered field names, dict name -> bytes)."""
    names, values = [], {}
    for part in line.split(b" "):
        name, _, value = part.partition(b"=")
        names.append(name.decode())
        values[name.decode()] = value
    return names, values


def parse_list(text):
    assert text.endswith(b"\n") or text == b""
    return [parse_line(line)[1] for line in text.split(b"\n") if line]


def info(client):
    reply = client.call("CLIENT", "INFO")
    assert reply.endswith(b"\n") and reply.count(b"\n") == 1
    return parse_line(reply[:-1])[1]


def local_addr(client):
    host, port = client.sock.getsockname()[:2]
    return ("%s:%d" % (host, port)).encode()


def ids_in(text):
    return [int(f["id"]) for f in parse_list(text)]


# ---------------------------------------------------------------- ID, INFO, LIST


def test_client_id(rr, shared_server):
    my_id = rr.call("CLIENT", "ID")
    assert type(my_id) is int and my_id > 0
    assert rr.call("CLIENT", "ID") == my_id
    with shared_server.resp() as other:
        assert other.call("CLIENT", "ID") > my_id


def test_client_info_fields(rr, shared_server):
    rr.call("PING")
    reply = rr.call("CLIENT", "INFO")
    if rr.protocol == 3:
        assert type(reply) is Verbatim and reply.format == b"txt"
    else:
        assert type(reply) is bytes
    names, f = parse_line(reply.rstrip(b"\n"))
    assert names == FIELDS
    for name in INT_FIELDS:
        int(f[name])
    assert int(f["id"]) == rr.call("CLIENT", "ID")
    assert f["addr"] == local_addr(rr)
    assert f["laddr"] == b"127.0.0.1:%d" % shared_server.port
    assert int(f["fd"]) > 2
    assert f["name"] == b""
    assert int(f["age"]) >= 0 and int(f["idle"]) >= 0
    assert f["flags"] == b"N"
    assert f["db"] == b"0"
    assert (f["sub"], f["psub"], f["ssub"], f["multi"], f["watch"]) == (b"0", b"0", b"0", b"-1", b"0")
    assert int(f["qbuf"]) > 0               # the CLIENT INFO request itself
    assert int(f["argv-mem"]) == len("client") + len("info")
    assert f["events"] == b"r"
    assert f["cmd"] == b"client|info"
    assert f["user"] == b"default"
    assert f["redir"] == b"-1"
    assert int(f["resp"]) == rr.protocol
    assert f["lib-name"] == b"" and f["lib-ver"] == b""
    assert int(f["tot-net-in"]) > 0 and int(f["tot-cmds"]) >= 1
    assert int(f["tot-mem"]) > 0


def test_client_info_counters_grow(r3):
    before = info(r3)
    r3.call("SET", "k", "v" * 100)
    after = info(r3)
    assert int(after["tot-cmds"]) == int(before["tot-cmds"]) + 2
    assert int(after["tot-net-in"]) > int(before["tot-net-in"]) + 100
    assert int(after["tot-net-out"]) > int(before["tot-net-out"])


def test_client_info_last_command(shared_server, rr):
    with shared_server.resp() as other:
        other.call("SET", "k", "v")
        line = [f for f in parse_list(rr.call("CLIENT", "LIST")) if int(f["id"]) == other.call("CLIENT", "ID")]
    # After CLIENT ID ran, that is its last command.
    assert line and line[0]["cmd"] == b"set"


def test_client_list_all(rr, shared_server):
    with shared_server.resp() as a, shared_server.resp() as b:
        ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
        reply = rr.call("CLIENT", "LIST")
        if rr.protocol == 3:
            assert type(reply) is Verbatim and reply.format == b"txt"
        lines = reply.split(b"\n")
        assert lines[-1] == b""
        for line in lines[:-1]:
            assert parse_line(line)[0] == FIELDS
        ids = ids_in(reply)
        assert ids == sorted(ids), "oldest client first"
        assert {ida, idb, rr.call("CLIENT", "ID")} <= set(ids)
        mine = [f for f in parse_list(reply) if int(f["id"]) == rr.call("CLIENT", "ID")]
        assert mine[0]["cmd"] == b"client|list"


def test_client_list_type(r, shared_server):
    with shared_server.resp() as other:
        other_id = other.call("CLIENT", "ID")
        normal = r.execute_command("CLIENT", "LIST", "TYPE", "normal")
        assert other_id in ids_in(normal)
        assert r.execute_command("CLIENT", "LIST", "TYPE", "NORMAL") is not None
        for kind in ("master", "replica", "slave", "primary", "pubsub", "PUBSUB"):
            assert r.execute_command("CLIENT", "LIST", "TYPE", kind) == b""
        with pytest.raises(Exception, match="^Unknown client type 'foo'$"):
            r.execute_command("CLIENT", "LIST", "TYPE", "foo")


def test_client_list_id(rr, shared_server):
    with shared_server.resp() as a, shared_server.resp() as b:
        ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
        reply = rr.call("CLIENT", "LIST", "ID", idb, 999999, ida, idb)
        assert ids_in(reply) == [idb, ida, idb]    # argument order, unknown skipped
        assert rr.call("CLIENT", "LIST", "ID", 999999) == b""
        with pytest.raises(RespError) as e:
            rr.call("CLIENT", "LIST", "ID", ida, "abc")
        assert e.value.message == "ERR Invalid client ID"


@pytest.mark.parametrize("args", [("ID",), ("foo", "bar"), ("TYPE", "normal", "ID", "3"), ("TYPE",)])
def test_client_list_syntax(rr, args):
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "LIST", *args)
    assert e.value.message == "ERR syntax error"


# ---------------------------------------------------------------- names


def test_client_setname_getname(rr, shared_server):
    assert rr.call("CLIENT", "GETNAME") is None
    assert rr.call("CLIENT", "SETNAME", "worker-1") == b"OK"
    assert rr.call("CLIENT", "GETNAME") == b"worker-1"
    assert info(rr)["name"] == b"worker-1"
    with shared_server.resp() as other:
        names = {f["id"]: f["name"] for f in parse_list(other.call("CLIENT", "LIST"))}
        assert names[b"%d" % rr.call("CLIENT", "ID")] == b"worker-1"
    assert rr.call("CLIENT", "SETNAME", "") == b"OK"
    assert rr.call("CLIENT", "GETNAME") is None
    assert info(rr)["name"] == b""


@pytest.mark.parametrize("name", [b"a b", b"a\nb", b"tab\t", b"\x7f", b"caf\xc3\xa9", b"\x00"])
def test_client_setname_invalid(rr, name):
    rr.call("CLIENT", "SETNAME", "keep")
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "SETNAME", name)
    assert e.value.message == "ERR Client names cannot contain spaces, newlines or special characters."
    assert rr.call("CLIENT", "GETNAME") == b"keep"


def test_client_setinfo(rr):
    assert rr.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"OK"
    assert rr.call("CLIENT", "SETINFO", "lib-ver", "4.3.4") == b"OK"
    f = info(rr)
    assert (f["lib-name"], f["lib-ver"]) == (b"redis-py", b"4.3.4")
    assert rr.call("CLIENT", "SETINFO", "Lib-Name", "") == b"OK"
    f = info(rr)
    assert (f["lib-name"], f["lib-ver"]) == (b"", b"4.3.4")


def test_client_setinfo_errors(rr):
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "SETINFO", "lib-foo", "x")
    assert e.value.message == "ERR Unrecognized option 'lib-foo'"
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "SETINFO", "LIB-NAME", "a b")
    assert e.value.message == "ERR LIB-NAME cannot contain spaces, newlines or special characters."
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "SETINFO", "lib-ver", "1\n2")
    assert e.value.message == "ERR lib-ver cannot contain spaces, newlines or special characters."
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "SETINFO", "lib-name")
    assert e.value.message == "ERR wrong number of arguments for 'client|setinfo' command"


# ---------------------------------------------------------------- KILL


def test_client_kill_old_form(shared_server, rr):
    victim = shared_server.resp()
    victim.call("PING")
    assert rr.call("CLIENT", "KILL", local_addr(victim)) == b"OK"
    assert victim.is_closed()
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "KILL", local_addr(victim))
    assert e.value.message == "ERR No such client"
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "KILL", "1.2.3.4:5")
    assert e.value.message == "ERR No such client"


def test_client_kill_old_form_self(shared_server):
    with shared_server.resp() as me:
        assert me.call("CLIENT", "KILL", local_addr(me)) == b"OK"
        assert me.is_closed()


def test_client_kill_id(shared_server, rr):
    victim = shared_server.resp()
    vid = victim.call("CLIENT", "ID")
    assert rr.call("CLIENT", "KILL", "ID", vid) == 1
    assert victim.is_closed()
    assert rr.call("CLIENT", "KILL", "ID", vid) == 0
    assert rr.call("CLIENT", "KILL", "id", 999999) == 0
    assert rr.call("PING") == b"PONG"


@pytest.mark.parametrize("args,message", [
    (("ID", "0"), "ERR client-id should be greater than 0"),
    (("ID", "-3"), "ERR client-id should be greater than 0"),
    (("ID", "abc"), "ERR client-id should be greater than 0"),
    (("TYPE", "foo"), "ERR Unknown client type 'foo'"),
    (("USER", "nosuchuser"), "ERR No such user 'nosuchuser'"),
    (("SKIPME", "maybe"), "ERR syntax error"),
    (("FOO", "bar"), "ERR syntax error"),
    (("ID", "1", "TYPE"), "ERR syntax error"),
    (("MAXAGE", "0"), "ERR maxage should be greater than 0"),
    (("MAXAGE", "-1"), "ERR maxage should be greater than 0"),
    (("MAXAGE", "x"), "ERR maxage is not an integer or out of range"),
])
def test_client_kill_errors(rr, args, message):
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "KILL", *args)
    assert e.value.message == message
    assert rr.call("PING") == b"PONG"


def test_client_kill_type(server):
    me = server.resp()
    others = [server.resp() for _ in range(3)]
    for o in others:
        o.call("PING")
    assert me.call("CLIENT", "KILL", "TYPE", "pubsub") == 0
    assert me.call("CLIENT", "KILL", "TYPE", "replica") == 0
    assert me.call("CLIENT", "KILL", "TYPE", "master") == 0
    assert me.call("CLIENT", "KILL", "TYPE", "normal") == 3    # SKIPME defaults to yes
    for o in others:
        assert o.is_closed()
    assert me.call("PING") == b"PONG"


def test_client_kill_addr_and_laddr(server):
    me = server.resp()
    a, b = server.resp(), server.resp()
    a.call("PING")
    b.call("PING")
    assert me.call("CLIENT", "KILL", "ADDR", local_addr(a)) == 1
    assert a.is_closed()
    assert me.call("CLIENT", "KILL", "ADDR", local_addr(b), "TYPE", "pubsub") == 0   # filters AND
    assert me.call("CLIENT", "KILL", "LADDR", "127.0.0.1:1") == 0
    assert me.call("CLIENT", "KILL", "LADDR", "127.0.0.1:%d" % server.port) == 1
    assert b.is_closed()
    assert me.call("PING") == b"PONG"


def test_client_kill_user(server):
    me, other = server.resp(), server.resp()
    other.call("PING")
    assert me.call("CLIENT", "KILL", "USER", "default") == 1
    assert other.is_closed()
    assert me.call("PING") == b"PONG"


def test_client_kill_skipme_no_kills_self_after_reply(server):
    me, other = server.resp(), server.resp()
    other.call("PING")
    assert me.call("CLIENT", "KILL", "USER", "default", "SKIPME", "no") == 2
    assert me.is_closed()
    assert other.is_closed()
    with server.resp() as fresh:
        assert fresh.call("PING") == b"PONG"


def test_client_kill_skipme_yes_by_id(server):
    me = server.resp()
    assert me.call("CLIENT", "KILL", "ID", me.call("CLIENT", "ID"), "SKIPME", "yes") == 0
    assert me.call("PING") == b"PONG"
    assert me.call("CLIENT", "KILL", "ID", me.call("CLIENT", "ID"), "SKIPME", "NO") == 1
    assert me.is_closed()


def test_client_kill_maxage(server):
    old = server.resp()
    old.call("PING")
    time.sleep(1.2)
    me, young = server.resp(), server.resp()
    young.call("PING")
    assert me.call("CLIENT", "KILL", "MAXAGE", 100000) == 0
    assert me.call("CLIENT", "KILL", "MAXAGE", 1) == 1
    assert old.is_closed()
    assert young.call("PING") == b"PONG"


def test_client_killed_client_leaves_list(server):
    me, victim = server.resp(), server.resp()
    vid = victim.call("CLIENT", "ID")
    assert me.call("CLIENT", "KILL", "ID", vid) == 1
    assert victim.is_closed()
    wait_until(lambda: vid not in ids_in(me.call("CLIENT", "LIST")), message="killed client gone")


# ---------------------------------------------------------------- REPLY


def test_client_reply_off_on(shared_server):
    with shared_server.raw() as c:
        c.send("CLIENT", "REPLY", "OFF")
        c.send("SET", "k", "v1")
        c.send("GET", "k")
        c.send("NOSUCHCOMMAND")
        assert c.call("CLIENT", "REPLY", "ON") == b"OK"    # the first bytes the server sent
        assert c.call("GET", "k") == b"v1"


def test_client_reply_skip(shared_server):
    with shared_server.raw() as c:
        c.send("CLIENT", "REPLY", "SKIP")
        c.send("SET", "k", "v2")
        assert c.call("GET", "k") == b"v2"
        assert c.call("PING") == b"PONG"


def test_client_reply_skip_pipelined(shared_server):
    with shared_server.raw() as c:
        c.send_raw(b"".join([
            b"*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n",
            b"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n",
            b"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n",
            b"*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n",
            b"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n",
            b"*2\r\n$3\r\nGET\r\n$1\r\nn\r\n",
        ]))
        assert c.read() == 2
        assert c.read() == b"3"


@pytest.mark.parametrize("rejected", [("NOSUCHCOMMAND", "x"), ("GET",), ("CLIENT", "NOSUCH")])
def test_client_reply_skip_covers_rejected_command(shared_server, rejected):
    """The skipped command may be one refused before running (unknown
    command, wrong arity): its error is the reply skipped, and the command
    after it is answered."""
    with shared_server.raw() as c:
        c.send("CLIENT", "REPLY", "SKIP")
        c.send(*rejected)
        assert c.call("PING", "after") == b"after"
        assert c.call("PING") == b"PONG"


def test_client_reply_skip_ignored_when_off(shared_server):
    with shared_server.raw() as c:
        c.send("CLIENT", "REPLY", "OFF")
        c.send("CLIENT", "REPLY", "SKIP")
        c.send("PING", "lost")
        assert c.call("CLIENT", "REPLY", "ON") == b"OK"
        assert c.call("PING", "a") == b"a"


def test_client_reply_syntax(rr):
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "REPLY", "MAYBE")
    assert e.value.message == "ERR syntax error"
    assert rr.call("CLIENT", "REPLY", "on") == b"OK"


# ---------------------------------------------------------------- NO-EVICT, NO-TOUCH


def test_client_no_evict(rr):
    assert rr.call("CLIENT", "NO-EVICT", "on") == b"OK"
    assert info(rr)["flags"] == b"e"
    assert rr.call("CLIENT", "NO-EVICT", "OFF") == b"OK"
    assert info(rr)["flags"] == b"N"
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "NO-EVICT", "maybe")
    assert e.value.message == "ERR syntax error"


def test_client_no_touch_flag(rr):
    assert rr.call("CLIENT", "NO-TOUCH", "ON") == b"OK"
    assert info(rr)["flags"] == b"T"
    assert rr.call("CLIENT", "NO-EVICT", "ON") == b"OK"
    assert info(rr)["flags"] == b"eT"
    assert rr.call("CLIENT", "NO-TOUCH", "off") == b"OK"
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "NO-TOUCH", "yes")
    assert e.value.message == "ERR syntax error"


def _object_available(client):
    try:
        client.call("OBJECT", "HELP")
        return True
    except RespError:
        return False


def test_client_no_touch_keeps_idletime(shared_server):
    with shared_server.resp() as c:
        if not _object_available(c):
            pytest.skip("OBJECT is not bound yet")
        c.call("SET", "k", "v")
        time.sleep(2.1)
        assert c.call("CLIENT", "NO-TOUCH", "ON") == b"OK"
        assert c.call("GET", "k") == b"v"
        assert c.call("OBJECT", "IDLETIME", "k") >= 2
        assert c.call("CLIENT", "NO-TOUCH", "OFF") == b"OK"
        assert c.call("GET", "k") == b"v"
        assert c.call("OBJECT", "IDLETIME", "k") < 2


# ---------------------------------------------------------------- PAUSE, UNPAUSE


def _timed(client, *args):
    start = time.monotonic()
    reply = client.call(*args)
    return reply, time.monotonic() - start


def test_client_pause_write_delays_writes_not_reads(server):
    admin, reader, writer = server.resp(), server.resp(), server.resp()
    assert writer.call("SET", "k", "before") == b"OK"
    assert admin.call("CLIENT", "PAUSE", 500, "WRITE") == b"OK"
    reply, elapsed = _timed(reader, "GET", "k")
    assert reply == b"before" and elapsed < 0.2
    reply, elapsed = _timed(writer, "SET", "k", "after")
    assert reply == b"OK" and elapsed >= 0.4
    assert reader.call("GET", "k") == b"after"


def test_client_pause_all_delays_everything(server):
    admin, other = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 500, "ALL") == b"OK"
    reply, elapsed = _timed(other, "PING")
    assert reply == b"PONG" and elapsed >= 0.4
    # The default mode is ALL; the caller itself is held too.
    assert admin.call("CLIENT", "PAUSE", 400) == b"OK"
    reply, elapsed = _timed(admin, "GET", "k")
    assert reply is None and elapsed >= 0.3


def test_client_unpause_releases_at_once(server):
    admin, writer = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 10000, "WRITE") == b"OK"
    writer.send("SET", "k", "v")
    with pytest.raises(TimeoutError):
        writer.read(timeout=0.3)
    start = time.monotonic()
    assert admin.call("CLIENT", "UNPAUSE") == b"OK"
    assert writer.read(timeout=2) == b"OK"
    assert time.monotonic() - start < 0.2
    assert admin.call("GET", "k") == b"v"


def test_client_unpause_is_held_under_pause_all(server):
    """As in Valkey, PAUSE ALL holds every command, UNPAUSE included."""
    admin, other = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 500, "ALL") == b"OK"
    reply, elapsed = _timed(other, "CLIENT", "UNPAUSE")
    assert reply == b"OK" and elapsed >= 0.4


def test_client_pause_runs_held_commands_in_arrival_order(server):
    admin = server.resp()
    writers = [server.resp() for _ in range(4)]
    assert admin.call("CLIENT", "PAUSE", 10000, "WRITE") == b"OK"
    for i, w in enumerate(writers):
        w.send("APPEND", "log", str(i))
        time.sleep(0.05)
    assert admin.call("GET", "log") is None
    assert admin.call("CLIENT", "UNPAUSE") == b"OK"
    for w in writers:
        assert w.read(timeout=2) > 0
    assert admin.call("GET", "log") == b"0123"


def test_client_pause_pipeline_resumes_in_order(server):
    admin, c = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 10000, "WRITE") == b"OK"
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
               b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n"
               b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n2\r\n"
               b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n")
    with pytest.raises(TimeoutError):
        c.read(timeout=0.3)       # the first SET is held, and everything behind it
    assert admin.call("CLIENT", "UNPAUSE") == b"OK"
    assert [c.read(timeout=2) for _ in range(4)] == [b"OK", b"1", b"OK", b"2"]


def test_client_reply_skip_applies_to_held_command(server):
    admin, c = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 10000, "WRITE") == b"OK"
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("SET", "k", "held")          # silenced, and held by the pause
    c.send("GET", "k")
    time.sleep(0.2)
    assert admin.call("CLIENT", "UNPAUSE") == b"OK"
    assert c.read(timeout=2) == b"held"
    assert c.call("PING") == b"PONG"


def test_client_reply_skip_when_skip_itself_is_held(server):
    admin, c = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 600, "ALL") == b"OK"
    c.send("CLIENT", "REPLY", "SKIP")   # held under ALL, with what follows
    c.send("PING", "silenced")
    c.send("PING", "answered")
    assert c.read(timeout=3) == b"answered"


def test_client_pause_held_client_shows_blocked(server):
    admin, c = server.resp(), server.resp()
    cid = c.call("CLIENT", "ID")
    assert admin.call("CLIENT", "PAUSE", 10000, "WRITE") == b"OK"
    c.send("SET", "k", "v")
    time.sleep(0.1)
    line = [f for f in parse_list(admin.call("CLIENT", "LIST")) if int(f["id"]) == cid][0]
    assert line["flags"] == b"b"
    assert line["cmd"] == b"set"
    admin.call("CLIENT", "UNPAUSE")
    assert c.read(timeout=2) == b"OK"
    assert info(c)["flags"] == b"N"


def test_client_pause_extension_keeps_later_deadline(server):
    admin, writer = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 700, "WRITE") == b"OK"
    assert admin.call("CLIENT", "PAUSE", 50, "WRITE") == b"OK"
    reply, elapsed = _timed(writer, "SET", "k", "v")
    assert reply == b"OK" and elapsed >= 0.5


def test_client_pause_keeps_more_restrictive_mode(server):
    admin, other = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 300, "WRITE") == b"OK"
    assert admin.call("CLIENT", "PAUSE", 600, "ALL") == b"OK"
    reply, elapsed = _timed(other, "PING")
    assert reply == b"PONG" and elapsed >= 0.4


def test_client_pause_zero_pauses_nothing(server):
    admin, writer = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 0, "WRITE") == b"OK"
    reply, elapsed = _timed(writer, "SET", "k", "v")
    assert reply == b"OK" and elapsed < 0.2


def test_client_pause_rejected_commands_answer_at_once(server):
    admin, other = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 1000, "ALL") == b"OK"
    start = time.monotonic()
    with pytest.raises(RespError) as e:
        other.call("GET")
    assert e.value.message == "ERR wrong number of arguments for 'get' command"
    with pytest.raises(RespError):
        other.call("NOSUCHCOMMAND")
    assert time.monotonic() - start < 0.3
    reply, elapsed = _timed(other, "PING")
    assert reply == b"PONG" and elapsed >= 0.5


def test_client_pause_killed_held_client_never_runs(server):
    admin, writer = server.resp(), server.resp()
    wid = writer.call("CLIENT", "ID")
    assert admin.call("CLIENT", "PAUSE", 10000, "WRITE") == b"OK"
    writer.send("SET", "ghost", "v")
    time.sleep(0.1)
    assert admin.call("CLIENT", "KILL", "ID", wid) == 1
    assert writer.is_closed()
    assert admin.call("CLIENT", "UNPAUSE") == b"OK"
    time.sleep(0.1)
    assert admin.call("GET", "ghost") is None
    assert admin.call("PING") == b"PONG"


def test_client_pause_disconnected_held_client(server):
    admin, writer = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 10000, "WRITE") == b"OK"
    writer.send("SET", "gone", "v")
    time.sleep(0.1)
    writer.close()
    time.sleep(0.1)
    assert admin.call("CLIENT", "UNPAUSE") == b"OK"
    time.sleep(0.1)
    assert admin.call("PING") == b"PONG"


def test_client_pause_expires_without_traffic(server):
    admin, writer = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 300, "WRITE") == b"OK"
    writer.send("SET", "k", "v")
    start = time.monotonic()
    assert writer.read(timeout=3) == b"OK"
    assert 0.2 <= time.monotonic() - start < 1.0


@pytest.mark.parametrize("args,message", [
    (("abc",), "ERR timeout is not an integer or out of range"),
    (("1.5",), "ERR timeout is not an integer or out of range"),
    (("-1",), "ERR timeout is negative"),
    (("10", "foo"), "ERR CLIENT PAUSE mode must be WRITE or ALL"),
    (("10", "all", "x"), "ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP."),
])
def test_client_pause_errors(rr, args, message):
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "PAUSE", *args)
    assert e.value.message == message
    assert rr.call("SET", "k", "v") == b"OK"    # no pause started


def test_client_unpause_without_pause(rr):
    assert rr.call("CLIENT", "UNPAUSE") == b"OK"
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "UNPAUSE", "x")
    assert e.value.message == "ERR wrong number of arguments for 'client|unpause' command"


# ---------------------------------------------------------------- HELP, errors


def test_client_help(rr):
    lines = rr.call("CLIENT", "HELP")
    assert all(type(line) is SimpleString for line in lines)
    assert lines[0] == b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert b"PAUSE <timeout> [WRITE|ALL]" in lines
    assert b"SETINFO <option> <value>" in lines
    assert b"NO-TOUCH (ON|OFF)" in lines
    assert lines[-2:] == [b"HELP", b"    Prints this help."]


def test_client_unknown_subcommand_and_arity(rr):
    with pytest.raises(RespError) as e:
        rr.call("CLIENT", "NOSUCH")
    assert e.value.message == "ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP."
    with pytest.raises(RespError) as e:
        rr.call("CLIENT")
    assert e.value.message == "ERR wrong number of arguments for 'client' command"
    for sub in ("ID", "INFO", "GETNAME"):
        with pytest.raises(RespError) as e:
            rr.call("CLIENT", sub, "extra")
        assert e.value.message == "ERR wrong number of arguments for 'client|%s' command" % sub.lower()


# ---------------------------------------------------------------- unix socket


def test_client_info_over_unix_socket(start_server):
    path = "/tmp/tessera-client-%d.sock" % os.getpid()
    srv = start_server(directives={"unixsocket": path, "unixsocketperm": "700"})
    try:
        c = RespClient(unixsocket=path)
        f = info(c)
        assert f["addr"] == path.encode() + b":0"
        assert f["laddr"] == path.encode() + b":0"
        assert f["flags"] == b"U"
        with srv.resp() as tcp:
            assert tcp.call("CLIENT", "KILL", "ADDR", path + ":0") == 1
        assert c.is_closed()
    finally:
        srv.stop()
        if os.path.exists(path):
            os.unlink(path)
