"""Smoke tests: the server starts, answers, stops cleanly and rejects bad
configuration the way Valkey does; redis-cli and redis-benchmark work
against it."""

import os
import signal
import socket
import subprocess

import pytest

from helpers import (BigNumber, Double, Map, RespClient, RespError, Set, SimpleString, Verbatim,
                     free_port, run_server, wait_until)


def _gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# ---------------------------------------------------------------- basic replies

def test_ping(rr):
    reply = rr.call("PING")
    assert reply == b"PONG"
    assert type(reply) is SimpleString
    assert rr.last_raw == b"+PONG\r\n"
    assert rr.call("PING", "hello") == b"hello"
    assert rr.last_raw == b"$5\r\nhello\r\n"


def test_set_get(r):
    assert r.set(b"greeting", b"hello") is True
    assert r.get(b"greeting") == b"hello"
    assert r.get(b"missing") is None
    value = bytes(range(256)) * 4
    assert r.set(b"bin\x00key", value) is True
    assert r.get(b"bin\x00key") == value


def test_set_get_both_protocols(rr):
    assert rr.call("SET", "k", "v") == b"OK"
    assert rr.call("GET", "k") == b"v"
    assert rr.call("GET", "nokey") is None
    assert rr.last_raw == (b"_\r\n" if rr.protocol == 3 else b"$-1\r\n")


def test_pipeline(rr):
    n = 500
    replies = rr.pipeline([("SET", "p:%d" % i, i) for i in range(n)] +
                          [("GET", "p:%d" % i) for i in range(n)])
    assert replies[:n] == [b"OK"] * n
    assert replies[n:] == [b"%d" % i for i in range(n)]


def test_inline_ping(raw):
    raw.send_raw(b"PING\r\n")
    assert raw.read_raw() == b"+PONG\r\n"


def test_unknown_command_error(rr):
    with pytest.raises(RespError) as e:
        rr.call("NOSUCHCOMMAND", "a")
    assert e.value.code == "ERR"
    assert "unknown command" in e.value.message
    assert rr.call("PING") == b"PONG"


def test_hello3_map(r3):
    hello = r3.hello
    assert isinstance(hello, Map)
    assert hello[b"proto"] == 3
    assert b"server" in hello and b"version" in hello
    flat = r3.call("HELLO", "2")
    assert type(flat) is list  # a RESP2 flat array once switched back
    assert flat[flat.index(b"proto") + 1] == 2


def test_resp3_types_via_debug_protocol(r3):
    assert r3.call("DEBUG", "PROTOCOL", "string") == b"Hello World"
    assert r3.call("DEBUG", "PROTOCOL", "integer") == 12345
    double = r3.call("DEBUG", "PROTOCOL", "double")
    assert type(double) is Double and abs(double - 3.141) < 1e-9
    big = r3.call("DEBUG", "PROTOCOL", "bignum")
    assert type(big) is BigNumber and big == 1234567999999999999999999999999999999
    assert r3.call("DEBUG", "PROTOCOL", "null") is None
    assert r3.last_raw == b"_\r\n"
    assert r3.call("DEBUG", "PROTOCOL", "true") is True
    assert r3.call("DEBUG", "PROTOCOL", "false") is False
    m = r3.call("DEBUG", "PROTOCOL", "map")
    assert type(m) is Map and m == {0: False, 1: True, 2: False}
    s = r3.call("DEBUG", "PROTOCOL", "set")
    assert type(s) is Set and s == [2, 0, 1]
    v = r3.call("DEBUG", "PROTOCOL", "verbatim")
    assert type(v) is Verbatim and v.format == b"txt"
    assert v == b"This is a verbatim\nstring"
    reply = r3.call("DEBUG", "PROTOCOL", "attrib")
    assert r3.last_attributes == {b"key-popularity": [b"key:123", 90]}
    assert reply == b"Some real reply following the attribute"


def test_resp2_downgrades_debug_protocol(shared_server):
    with shared_server.resp(protocol=2) as c:
        assert c.call("DEBUG", "PROTOCOL", "map") == [0, 0, 1, 1, 2, 0]
        assert c.call("DEBUG", "PROTOCOL", "true") == 1
        assert c.call("DEBUG", "PROTOCOL", "null") is None
        assert c.last_raw == b"$-1\r\n"


# ---------------------------------------------------------------- process life

def test_start_logs_and_clean_shutdown(start_server):
    srv = start_server(directives={"always-show-logo": "yes"})
    pid = srv.pid
    log = srv.log_text()
    assert "PID: %d" % pid in log
    assert "Server initialized" in log
    assert "Ready to accept connections tcp" in log
    assert log.index("Server initialized") < log.index("Ready to accept connections tcp")
    with srv.raw() as c:
        c.send("SHUTDOWN", "NOSAVE")
        assert c.is_closed(timeout=5)
    assert srv.wait_exit(10) == 0
    assert _gone(pid)
    assert wait_until(lambda: _port_free(srv.port), timeout=5, message="port released")


def test_sigterm_stops_cleanly(start_server):
    srv = start_server()
    pid = srv.pid
    os.kill(pid, signal.SIGTERM)
    assert srv.wait_exit(10) == 0
    assert _gone(pid)


def test_unixsocket(start_server, tmp_path):
    path = str(tmp_path / "s.sock")
    srv = start_server(directives={"unixsocket": path})
    assert "Ready to accept connections unix" in srv.log_text()
    with RespClient(unixsocket=path, protocol=None) as c:
        assert c.call("PING") == b"PONG"


def test_port_in_use(server, start_server):
    other = start_server(port=server.port, wait=False)
    code = other.wait_exit(10)
    assert code is not None and code != 0
    assert "Failed listening on port" in other.log_text()
    with server.raw() as c:
        assert c.call("PING") == b"PONG"


def test_config_file_and_override(start_server):
    conf = ("# a comment line\n"
            "\n"
            "databases 4\n"
            "maxclients   321\n"
            "hz 20\n"
            'slowlog-log-slower-than "5000"\n')
    srv = start_server(config=conf, args=["--hz", "30"])
    with srv.raw() as c:
        assert c.call("CONFIG", "GET", "databases") == [b"databases", b"4"]
        assert c.call("CONFIG", "GET", "maxclients") == [b"maxclients", b"321"]
        assert c.call("CONFIG", "GET", "hz") == [b"hz", b"30"]
        assert c.call("CONFIG", "GET", "slowlog-log-slower-than") == [b"slowlog-log-slower-than", b"5000"]
        assert c.call("SELECT", "3") == b"OK"
        with pytest.raises(RespError):
            c.call("SELECT", "4")


def _write(tmp_path, text):
    path = tmp_path / "bad.conf"
    path.write_text(text)
    return str(path)


def test_bad_directive_in_config_file(tmp_path):
    conf = _write(tmp_path, "port %d\nno-such-directive yes\n" % free_port())
    res = run_server([conf], cwd=str(tmp_path))
    assert res.returncode == 1
    assert "FATAL CONFIG FILE ERROR" in res.stderr
    assert "line 2" in res.stderr
    assert "no-such-directive" in res.stderr
    assert "Bad directive or wrong number of arguments" in res.stderr


def test_bad_value_in_config_file(tmp_path):
    conf = _write(tmp_path, "port notanumber\n")
    res = run_server([conf], cwd=str(tmp_path))
    assert res.returncode == 1
    assert "FATAL CONFIG FILE ERROR" in res.stderr
    assert "line 1" in res.stderr


def test_bad_directive_on_command_line(tmp_path):
    res = run_server(["--port", str(free_port()), "--no-such-directive", "1"], cwd=str(tmp_path))
    assert res.returncode == 1
    assert "FATAL CONFIG FILE ERROR" in res.stderr
    assert "Bad directive or wrong number of arguments" in res.stderr


def test_command_line_forms(start_server):
    # --save '' (no snapshots), --save with two numbers, one argument holding
    # "--maxmemory 700mb".
    srv = start_server(directives={"save": ["100", "100"]}, args=["--maxmemory 700mb"])
    with srv.raw() as c:
        assert c.call("CONFIG", "GET", "save") == [b"save", b"100 100"]
        assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"734003200"]
    srv2 = start_server(directives={"save": ""})
    with srv2.raw() as c:
        assert c.call("CONFIG", "GET", "save") == [b"save", b""]


# ---------------------------------------------------------------- Debian tools

def test_redis_cli(shared_server):
    base = ["redis-cli", "-h", "127.0.0.1", "-p", str(shared_server.port)]
    out = subprocess.run(base + ["PING"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.strip() == "PONG"
    out = subprocess.run(base + ["SET", "cli:k", "hello world"], capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "OK"
    out = subprocess.run(base + ["GET", "cli:k"], capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "hello world"
    out = subprocess.run(base, input="INCR cli:n\nINCR cli:n\n", capture_output=True, text=True, timeout=10)
    assert out.stdout.split() == ["1", "2"]


def test_redis_benchmark(shared_server):
    out = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(shared_server.port),
                          "-t", "set,get,incr,mset", "-n", "2000", "-c", "10", "-P", "4",
                          "-r", "1000", "-q", "--csv"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    tests = [line.split(",")[0].strip('"') for line in out.stdout.splitlines()[1:] if line]
    assert tests[:3] == ["SET", "GET", "INCR"] and any(t.startswith("MSET") for t in tests)
    with shared_server.raw() as c:
        assert c.call("DBSIZE") > 0
        assert c.call("GET", "key:__rand_int__") is None
