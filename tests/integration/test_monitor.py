"""MONITOR: every command another client runs arrives as a status line
    +<sec>.<usec> [<db> <addr>] "arg" "arg" ...
in execution order; admin commands are hidden, secrets redacted, commands
rejected before running are not shown, and a monitor may no longer touch
the keyspace."""

import os
import re
import time

import pytest

from helpers import RespClient, RespError, SimpleString

LINE = re.compile(rb'^(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$')


def local_addr(client):
    host, port = client.sock.getsockname()[:2]
    return ("%s:%d" % (host, port)).encode()


def start_monitor(srv, protocol=2):
    m = srv.resp(protocol=protocol)
    assert m.call("MONITOR") == b"OK"
    return m


def next_line(m, timeout=2.0):
    """The next monitor line split into (seconds, db, origin, args part)."""
    value = m.read(timeout=timeout)
    assert type(value) is SimpleString, value
    match = LINE.match(value)
    assert match, value
    secs = int(match.group(1)) + int(match.group(2)) / 1e6
    return secs, int(match.group(3)), match.group(4), match.group(5)


def args_of(m, timeout=2.0):
    return next_line(m, timeout)[3]


def assert_silent(m, timeout=0.3):
    with pytest.raises(TimeoutError):
        m.read(timeout=timeout)


def test_monitor_receives_commands_with_format(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as c:
        before = time.time()
        c.call("SET", "k", "v")
        c.call("get", "k")
        secs, db, origin, args = next_line(m)
        assert db == 0
        assert origin == local_addr(c)
        assert args == b'"SET" "k" "v"'
        assert before - 1 <= secs <= time.time() + 1
        assert args_of(m) == b'"get" "k"'           # arguments as the client spelled them
        assert m.last_raw.startswith(b"+") and m.last_raw.endswith(b'"get" "k"\r\n')


def test_monitor_order_across_clients(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as a, shared_server.resp() as b:
        expected = []
        for i in range(20):
            client = a if i % 3 else b
            client.call("SET", "key%d" % i, i)
            expected.append(b'"SET" "key%d" "%d"' % (i, i))
        assert [args_of(m) for _ in expected] == expected


def test_monitor_escapes_arguments(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as c:
        c.call("SET", b"a b", b'x\n\r\t"\\\x01\xff')
        assert args_of(m) == b'"SET" "a b" "x\\n\\r\\t\\"\\\\\\x01\\xff"'


def test_monitor_shows_selected_db(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as c:
        c.call("SELECT", 5)
        c.call("SET", "k", "v")
        c.call("SELECT", 0)
        assert next_line(m)[1:] == (5, local_addr(c), b'"SELECT" "5"')
        assert next_line(m)[1] == 5
        assert next_line(m)[1:] == (0, local_addr(c), b'"SELECT" "0"')


def test_monitor_runtime_errors_shown_rejections_not(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as c:
        c.call("SET", "s", "text")
        with pytest.raises(RespError):
            c.call("INCR", "s")               # fails while running: shown
        with pytest.raises(RespError):
            c.call("GET")                     # wrong arity: not shown
        with pytest.raises(RespError):
            c.call("NOSUCHCOMMAND", "x")      # unknown: not shown
        with pytest.raises(RespError):
            c.call("CLIENT", "NOSUCH")        # unknown subcommand: not shown
        c.call("PING", "marker")
        assert args_of(m) == b'"SET" "s" "text"'
        assert args_of(m) == b'"INCR" "s"'
        assert args_of(m) == b'"PING" "marker"'


def test_monitor_hides_admin_commands(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as c:
        c.call("CLIENT", "LIST")
        c.call("CLIENT", "KILL", "ID", 999999)
        c.call("CONFIG", "GET", "port")
        c.call("MONITOR")                     # admin too; and c now monitors
        with shared_server.resp() as d:
            d.call("CLIENT", "SETNAME", "visible")
            d.call("PING", "marker")
        assert args_of(m) == b'"CLIENT" "SETNAME" "visible"'
        assert args_of(m) == b'"PING" "marker"'


def test_monitor_redacts_secrets(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as c:
        with pytest.raises(RespError):
            c.call("AUTH", "secretpw")
        with pytest.raises(RespError):
            c.call("AUTH", "someuser", "secretpw")
        with pytest.raises(RespError):
            c.call("HELLO", 2, "AUTH", "someuser", "secretpw", "SETNAME", "n1")
        assert args_of(m) == b'"AUTH" "(redacted)"'
        assert args_of(m) == b'"AUTH" "(redacted)" "(redacted)"'
        assert args_of(m) == b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "n1"'


def test_monitor_own_commands(shared_server):
    with start_monitor(shared_server) as m:
        assert m.call("PING") == b"PONG"                  # reply first, then its line
        assert args_of(m) == b'"PING"'
        assert m.call("ECHO", "hi") == b"hi"
        assert args_of(m) == b'"ECHO" "hi"'
        for cmd in (("GET", "k"), ("SET", "k", "v"), ("PUBLISH", "ch", "msg")):
            try:
                m.call(*cmd)
            except RespError as e:
                if "unknown command" in e.message:
                    continue                              # not bound yet
                assert e.message == "ERR Replica can't interact with the keyspace"
            else:
                pytest.fail("%r was allowed on a monitor" % (cmd,))
        assert_silent(m)                                  # refused commands are not shown
        info = m.call("CLIENT", "INFO")
        assert b" flags=O " in info
        assert args_of(m) == b'"CLIENT" "INFO"'


def test_monitor_reply_skip_covers_refused_command(shared_server):
    """CLIENT REPLY SKIP silences the next command even when a gate refuses
    it (here: a monitor touching the keyspace); the one after is answered."""
    with start_monitor(shared_server) as m:
        m.send("CLIENT", "REPLY", "SKIP")
        m.send("GET", "k")
        m.send("PING", "answered")
        assert args_of(m) == b'"CLIENT" "REPLY" "SKIP"'   # fed before the skip starts
        assert m.read(timeout=2) == b"answered"
        assert args_of(m) == b'"PING" "answered"'


def test_monitor_twice_has_no_reply(shared_server):
    with start_monitor(shared_server) as m:
        m.send("MONITOR")
        assert_silent(m)
        assert m.call("PING", "still") == b"still"
        assert args_of(m) == b'"PING" "still"'


def test_monitor_reset_leaves_monitor_mode(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as c:
        assert m.call("RESET") == b"RESET"
        c.call("SET", "k", "v")
        assert_silent(m)
        assert m.call("GET", "k") == b"v"
        assert b" flags=N " in m.call("CLIENT", "INFO")


def test_monitor_resp3_line_is_a_status(shared_server):
    with start_monitor(shared_server, protocol=3) as m, shared_server.resp() as c:
        c.call("SET", "k", "v")
        value = m.read(timeout=2)
        assert type(value) is SimpleString
        assert m.last_raw.startswith(b"+") and m.last_raw.endswith(b'] "SET" "k" "v"\r\n')


def test_monitor_several_monitors(shared_server):
    with start_monitor(shared_server) as m1, start_monitor(shared_server) as m2, \
            shared_server.resp() as c:
        c.call("SET", "k", "1")
        assert args_of(m1) == b'"SET" "k" "1"'
        assert args_of(m2) == b'"SET" "k" "1"'
        m2.close()
        time.sleep(0.05)
        c.call("SET", "k", "2")
        assert args_of(m1) == b'"SET" "k" "2"'
        assert c.call("PING") == b"PONG"


def test_monitor_is_a_normal_client(shared_server):
    with start_monitor(shared_server) as m, shared_server.resp() as c:
        mid = m.call("CLIENT", "ID")
        normal = c.call("CLIENT", "LIST", "TYPE", "normal")
        line = [line for line in normal.split(b"\n") if line.startswith(b"id=%d " % mid)]
        assert line and b" flags=O " in line[0]


def test_monitor_not_paused(server):
    m = start_monitor(server)
    admin, writer = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 1000, "ALL") == b"OK"
    assert m.call("PING", "monitor-runs") == b"monitor-runs"
    assert args_of(m) == b'"PING" "monitor-runs"'
    writer.send("SET", "k", "v")
    assert_silent(m)                          # held: not run, not shown
    assert writer.read(timeout=3) == b"OK"   # runs at the deadline
    assert args_of(m) == b'"SET" "k" "v"'
    m.close()


def test_monitor_sees_held_command_when_it_runs(server):
    m = start_monitor(server)
    admin, writer = server.resp(), server.resp()
    assert admin.call("CLIENT", "PAUSE", 10000, "WRITE") == b"OK"
    writer.send("SET", "k", "v")
    admin.call("GET", "k")
    assert args_of(m) == b'"GET" "k"'
    assert_silent(m)
    assert admin.call("CLIENT", "UNPAUSE") == b"OK"   # admin: hidden
    assert writer.read(timeout=2) == b"OK"
    assert args_of(m) == b'"SET" "k" "v"'


def test_monitor_over_unix_socket(start_server):
    path = "/tmp/tessera-monitor-%d.sock" % os.getpid()
    srv = start_server(directives={"unixsocket": path, "unixsocketperm": "700"})
    try:
        m = start_monitor(srv)
        with RespClient(unixsocket=path) as c:
            c.call("SET", "k", "v")
            assert next_line(m)[1:] == (0, b"unix:" + path.encode(), b'"SET" "k" "v"')
        m.close()
    finally:
        srv.stop()
        if os.path.exists(path):
            os.unlink(path)
