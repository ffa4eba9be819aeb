"""Tests of the test harness itself: the typed RESP parser of helpers.py
against canned bytes (no server), and the Server life cycle."""

import os
import socket
import threading

import pytest

from helpers import (Attribute, BigNumber, ConnectionClosed, Double, Map, Push, RespClient,
                     RespError, Server, Set, SimpleString, Verbatim, encode_command, live_servers)


def _client_fed(data, chunk=None):
    """A RespClient reading `data` from a socketpair, optionally written in
    chunks of `chunk` bytes to exercise partial reads."""
    a, b = socket.socketpair()
    c = RespClient.from_socket(a, timeout=5)

    def feed():
        if chunk:
            for i in range(0, len(data), chunk):
                b.sendall(data[i:i + chunk])
        else:
            b.sendall(data)
        b.close()

    t = threading.Thread(target=feed)
    t.start()
    c._feeder = t
    return c


def test_encode_command():
    assert encode_command("SET", b"k", 12) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n"
    assert encode_command("X", "") == b"*2\r\n$1\r\nX\r\n$0\r\n\r\n"


def test_resp2_types():
    c = _client_fed(b"+OK\r\n-ERR bad thing\r\n:-42\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n"
                    b"*3\r\n:1\r\n$0\r\n\r\n*1\r\n-WRONGTYPE x\r\n")
    ok = c.read()
    assert ok == b"OK" and type(ok) is SimpleString and c.last_raw == b"+OK\r\n"
    with pytest.raises(RespError) as e:
        c.read()
    assert e.value.code == "ERR" and e.value.message == "ERR bad thing"
    assert c.read() == -42
    assert c.read() == b"abc" and type(c.last_raw) is bytes
    assert c.read() is None and c.last_raw == b"$-1\r\n"
    assert c.read() is None and c.last_raw == b"*-1\r\n"
    arr = c.read()
    assert arr[:2] == [1, b""] and isinstance(arr[2][0], RespError)
    assert arr[2][0].code == "WRONGTYPE"
    with pytest.raises(ConnectionClosed):
        c.read()


def test_resp3_types():
    c = _client_fed(b"_\r\n#t\r\n#f\r\n,1.5\r\n,inf\r\n,-inf\r\n(123456789012345678901234567890\r\n"
                    b"=15\r\ntxt:Some string\r\n%2\r\n$1\r\na\r\n:1\r\n*2\r\n:1\r\n:2\r\n~1\r\n:3\r\n"
                    b"~3\r\n:1\r\n:2\r\n:3\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
                    b"!21\r\nSYNTAX invalid syntax\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n")
    assert c.read() is None and c.last_raw == b"_\r\n"
    assert c.read() is True
    assert c.read() is False
    d = c.read()
    assert type(d) is Double and d == 1.5 and d.raw == b"1.5"
    assert c.read() == float("inf")
    assert c.read() == float("-inf")
    big = c.read()
    assert type(big) is BigNumber and big == 123456789012345678901234567890
    v = c.read()
    assert type(v) is Verbatim and v == b"Some string" and v.format == b"txt"
    m = c.read()
    assert type(m) is Map and m == {b"a": 1, (1, 2): Set([3])}
    s = c.read()
    assert type(s) is Set and s == [3, 2, 1] and s == {1, 2, 3} and s != [1, 2]
    p = c.read()
    assert type(p) is Push and p.kind == b"message" and p == [b"message", b"ch", b"hi"]
    with pytest.raises(RespError) as e:
        c.read()
    assert e.value.code == "SYNTAX"
    assert c.read() == b"v"
    assert type(c.last_attributes) is Attribute and c.last_attributes == {b"ttl": 3600}


def test_resp3_streamed():
    c = _client_fed(b"$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n*?\r\n:1\r\n:2\r\n.\r\n"
                    b"%?\r\n+a\r\n:1\r\n.\r\n")
    assert c.read() == b"Hello word"
    assert c.read() == [1, 2]
    assert c.read() == {b"a": 1}


def test_partial_reads_and_big_bulk():
    payload = os.urandom(300000)
    data = b"$%d\r\n%s\r\n*2\r\n+a\r\n:7\r\n" % (len(payload), payload)
    c = _client_fed(data, chunk=7)
    assert c.read() == payload
    assert c.read() == [b"a", 7]


def test_call_queues_pushes():
    # call() writes to the socket; give it a peer that answers with a push
    # before the real reply.
    a, b = socket.socketpair()
    c = RespClient.from_socket(a, protocol=3, timeout=5)
    b.sendall(b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n+OK\r\n")
    assert c.call("SET", "k", "v") == b"OK"
    assert c.pushes == [[b"invalidate", [b"k"]]]
    assert c.next_push() == [b"invalidate", [b"k"]]
    assert b.recv(100) == encode_command("SET", "k", "v")
    b.close()
    assert c.is_closed(timeout=1)


def test_server_lifecycle_leaves_nothing():
    srv = Server(name="harness").start()
    try:
        pid = srv.pid
        assert srv.alive() and srv in live_servers()
        with srv.resp(protocol=2) as c:
            assert c.call("SET", "a", "1") == b"OK"
        first_port = srv.port
        srv.restart()
        assert srv.port == first_port and srv.pid != pid
        with srv.client() as r:
            assert r.ping() is True
        srv.stop()
        assert not srv.alive() and srv not in live_servers()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        srv.cleanup()
    assert not os.path.exists(srv.dir)


def test_server_reports_early_exit(tmp_path):
    srv = Server(name="bad", args=["--no-such-directive-at-all", "1"])
    try:
        with pytest.raises(Exception) as e:
            srv.start()
        assert "exited with code" in str(e.value)
        assert "FATAL CONFIG FILE ERROR" in str(e.value)
    finally:
        srv.cleanup()
