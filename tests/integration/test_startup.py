"""Start-up and the process level: config files (quotes, include,
comments), command-line overrides in Valkey's forms, fatal config errors,
placeholder directives, the log (format, banner, append), listening (tcp,
unix, port 0, bind, port in use), daemonize + pidfile, and stopping by
signal.

Most checks hold for Debian's redis-server too (TESSERA_SERVER); the few
tessera-only ones say so and are skipped there.
"""

import os
import re
import signal
import socket
import time

import pytest

from helpers import (ConnectionClosed, RespClient, RespError, free_port, run_server, server_binary,
                     wait_until)

IS_REDIS = "redis" in os.path.basename(server_binary())

# pid:role dd Mon yyyy HH:MM:SS.mmm <level> message
LOG_LINE = re.compile(r"^(\d+):([XCSM]) (\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3}) ([.\-*#]) (.*)$")
# Valkey writes the line about a signal from inside its handler, in a
# shorter form: pid:signal-handler (unix time) message.
SIGNAL_LINE = re.compile(r"^(\d+):signal-handler \(\d+\) (.*)$")

# Redis 7.0 predates the listener names in these lines.
READY_TCP = "Ready to accept connections" if IS_REDIS else "Ready to accept connections tcp"
READY_UNIX = ("The server is now ready to accept connections at" if IS_REDIS
              else "Ready to accept connections unix")


def config_get(client, name):
    """CONFIG GET name as a str, or None when CONFIG is not bound yet."""
    try:
        reply = client.call("CONFIG", "GET", name)
    except RespError as e:
        if e.message.startswith("ERR unknown command"):
            return None
        raise
    assert len(reply) == 2 and reply[0] == name.encode()
    return reply[1].decode()


def connects(host, port, family=socket.AF_INET):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect((host, port))
            return True
    except OSError:
        return False


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _gone(pid):
    """True once pid has exited (a zombie counts as exited: whoever adopted
    the daemon may not reap it at once)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return "\nState:\tZ" in f.read()
    except FileNotFoundError:
        return True


# ---------------------------------------------------------------- config file

def test_config_file_quotes_include_comments(start_server, tmp_path):
    sock_dir = tmp_path / "dir with space"
    sock_dir.mkdir()
    sock_path = str(sock_dir / "s.sock")
    second = tmp_path / "second.conf"
    second.write_text("# the included file\n"
                      "databases 4\n")
    conf = ("# a comment\n"
            "   # an indented comment\n"
            "\n"
            "include %s\n"
            "MaxClients \"6\"\n"
            "unixsocket \"%s\"\n"
            "hz '25'\n" % (second, sock_path))
    srv = start_server(config=conf)
    with RespClient(unixsocket=sock_path, protocol=None) as c:
        assert c.call("SELECT", "3") == b"OK"
        with pytest.raises(RespError) as e:
            c.call("SELECT", "4")
        assert e.value.message == "ERR DB index is out of range"
        if config_get(c, "hz") is not None:
            assert config_get(c, "hz") == "25"
            assert config_get(c, "maxclients") == "6"
            assert config_get(c, "databases") == "4"
            assert config_get(c, "unixsocket") == sock_path
    # maxclients 6: six connections are served, the seventh is refused (once
    # the earlier connections are gone from the server's side).
    first = srv.raw()
    wait_until(lambda: len(first.call("CLIENT", "LIST").splitlines()) == 1, timeout=5,
               message="earlier connections gone")
    clients = [first] + [srv.raw() for _ in range(5)]
    try:
        for c in clients:
            assert c.call("PING") == b"PONG"
        with srv.raw() as extra:
            assert extra.read_until_close(timeout=5) == b"-ERR max number of clients reached\r\n"
    finally:
        for c in clients:
            c.close()


def test_port_on_command_line_overrides_config_file(start_server):
    file_port = free_port()
    srv = start_server(config="port %d\n" % file_port)   # the harness adds --port <other>
    assert srv.port != file_port
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
    assert not connects("127.0.0.1", file_port)


def test_command_line_forms(start_server):
    srv = start_server(directives={"save": ["100", "100"]}, args=["--maxmemory 700mb", "--hz", "17"])
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
        if config_get(c, "save") is not None:
            assert config_get(c, "save") == "100 100"
            assert config_get(c, "maxmemory") == "734003200"
            assert config_get(c, "hz") == "17"
    srv2 = start_server(directives={"save": ""})   # --save ''
    with srv2.raw() as c:
        assert c.call("PING") == b"PONG"
        if config_get(c, "save") is not None:
            assert config_get(c, "save") == ""


@pytest.mark.parametrize("given, used", [("0", "1"), ("501", "500"), ("100000", "500"), ("50", "50")])
def test_hz_is_clamped(start_server, given, used):
    srv = start_server(directives={"hz": given})
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
        assert config_get(c, "hz") == used
        assert c.call("CONFIG", "SET", "hz", given) == b"OK"
        assert config_get(c, "hz") == used
    time.sleep(0.3)   # a few cron ticks at the clamped rate
    assert srv.alive()
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"


# ---------------------------------------------------------------- fatal config errors

def _fatal(res):
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert "*** FATAL CONFIG FILE ERROR" in res.stderr
    return res.stderr


def test_unknown_directive_in_file(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("# comment\nport %d\n\nbogus-directive 1\nhz 10\n" % free_port())
    err = _fatal(run_server([str(conf)], cwd=str(tmp_path)))
    assert "Reading the configuration file, at line 4\n" in err
    assert ">>> 'bogus-directive 1'\n" in err
    assert "Bad directive or wrong number of arguments" in err


def test_unknown_directive_on_command_line(tmp_path):
    err = _fatal(run_server(["--port", free_port(), "--bogus-directive", "1"], cwd=str(tmp_path)))
    assert ">>> 'bogus-directive \"1\"'\n" in err
    assert "Bad directive or wrong number of arguments" in err


def test_wrong_number_of_arguments(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("port\n")
    err = _fatal(run_server([str(conf)], cwd=str(tmp_path)))
    assert "at line 1\n" in err
    assert ">>> 'port'\n" in err
    assert "wrong number of arguments" in err


@pytest.mark.parametrize("where", ["file", "command line"])
def test_bad_port_value(tmp_path, where):
    if where == "file":
        conf = tmp_path / "bad.conf"
        conf.write_text("port 99999\n")
        err = _fatal(run_server([str(conf)], cwd=str(tmp_path)))
        assert ">>> 'port 99999'\n" in err
    else:
        err = _fatal(run_server(["--port", "99999"], cwd=str(tmp_path)))
        assert ">>> 'port \"99999\"'\n" in err
    assert "argument must be between 0 and 65535 inclusive" in err


def test_bad_value_in_included_file(tmp_path):
    inc = tmp_path / "inc.conf"
    inc.write_text("hz 10\nmaxclients nope\n")
    conf = tmp_path / "main.conf"
    conf.write_text("port %d\ninclude %s\n" % (free_port(), inc))
    err = _fatal(run_server([str(conf)], cwd=str(tmp_path)))
    assert ">>> 'maxclients nope'\n" in err
    assert re.search(r"^Reading the configuration file, at line 2\b", err, re.M)
    if not IS_REDIS:   # tessera also names the included file
        assert "at line 2 (in '%s')\n" % inc in err
    assert "argument couldn't be parsed into an integer" in err


def test_negative_hz_is_refused(tmp_path):
    err = _fatal(run_server(["--port", free_port(), "--hz", "-5"], cwd=str(tmp_path)))
    assert ">>> 'hz \"-5\"'\n" in err
    assert "argument must be between 0 and 2147483647 inclusive" in err


def test_missing_config_file(tmp_path):
    res = run_server([str(tmp_path / "nope.conf")], cwd=str(tmp_path))
    assert res.returncode == 1
    assert "Fatal error, can't open config file '%s'" % (tmp_path / "nope.conf") in res.stdout + res.stderr


@pytest.mark.skipif(IS_REDIS, reason="tessera-only: redis-server acts on these directives")
def test_placeholder_directive_is_named_once(start_server):
    srv = start_server(config="lazyfree-lazy-eviction yes\nmaxmemory-policy allkeys-lru\n",
                       args=["--lazyfree-lazy-eviction", "yes"])
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
    log = srv.log_text()
    for name in ("lazyfree-lazy-eviction", "maxmemory-policy"):
        line = "Directive '%s' is accepted but not acted on yet" % name
        assert log.count(line) == 1, log


# ---------------------------------------------------------------- the log

def test_log_format_and_start_lines(start_server):
    srv = start_server()
    log = srv.log_text()
    lines = log.splitlines()
    assert lines
    for line in lines:
        m = LOG_LINE.match(line)
        assert m, "log line not in Valkey's format: %r" % line
        assert int(m.group(1)) == srv.pid
        time.strptime(m.group(3)[:-4], "%d %b %Y %H:%M:%S")
    messages = [LOG_LINE.match(line).group(5) for line in lines]
    assert "Server initialized" in messages
    assert READY_TCP in messages
    assert messages.index("Server initialized") < messages.index(READY_TCP)
    assert not any(m.startswith(READY_UNIX) for m in messages)


def test_always_show_logo(start_server):
    srv = start_server(directives={"always-show-logo": "yes"})
    assert re.search(r"\bPID: %d\b" % srv.pid, srv.log_text())


def test_logfile_appends(start_server, tmp_path):
    logfile = str(tmp_path / "shared.log")
    with open(logfile, "w") as f:
        f.write("line written before any server\n")
    first = start_server(directives={"logfile": logfile})
    first_pid = first.pid
    assert first.stop() == 0
    second = start_server(directives={"logfile": logfile})
    # (started = answered PING, so its start-up lines are written)
    with open(logfile) as f:
        text = f.read()
    assert text.startswith("line written before any server\n")
    pids = [int(m.group(1)) for m in map(LOG_LINE.match, text.splitlines()[1:]) if m]
    assert first_pid in pids and second.pid in pids
    assert len(re.findall("^.*%s$" % READY_TCP, text, re.M)) == 2
    # Lines of the first run come first, all of them intact.
    first_lines = [line for line in text.splitlines() if line.startswith("%d:" % first_pid)]
    assert any("bye bye" in line for line in first_lines)
    assert text.index("%d:" % first_pid) < text.index("%d:" % second.pid)


# ---------------------------------------------------------------- listening

def test_unixsocket(start_server, tmp_path):
    path = str(tmp_path / "tessera.sock")
    srv = start_server(directives={"unixsocket": path, "unixsocketperm": "700"})
    log = srv.log_text()
    assert re.search("%s$" % READY_TCP, log, re.M)
    assert READY_UNIX in log
    assert oct(os.stat(path).st_mode & 0o777) == "0o700"
    with RespClient(unixsocket=path, protocol=None) as c:
        assert c.call("SET", "via", "unix") == b"OK"
    with srv.raw() as c:
        assert c.call("GET", "via") == b"unix"
    srv.stop()
    assert not os.path.exists(path)   # removed at shutdown


def test_port_zero_with_only_unix_socket(start_server, tmp_path):
    path = str(tmp_path / "only.sock")
    srv = start_server(directives={"port": "0", "unixsocket": path}, wait=False)

    def ready():
        if not srv.alive():
            raise AssertionError("server exited:\n" + srv.diagnostics())
        try:
            with RespClient(unixsocket=path, protocol=None, timeout=1) as c:
                return c.call("PING") == b"PONG"
        except (OSError, ConnectionClosed, TimeoutError):
            return False

    wait_until(ready, timeout=10, message="unix socket answering")
    log = srv.log_text()
    assert READY_UNIX in log
    assert not re.search("%s$" % READY_TCP, log, re.M)
    with RespClient(unixsocket=path, protocol=None) as c:
        c.send("SHUTDOWN", "NOSAVE")
        assert c.read_until_close(timeout=10) == b""
    assert srv.wait_exit(10) == 0


def test_port_zero_without_unix_socket_exits(tmp_path):
    res = run_server(["--port", "0", "--save", "", "--dir", str(tmp_path)], cwd=str(tmp_path))
    assert res.returncode == 1
    assert re.search(r"^\d+:[CM] .* # Configured to not listen anywhere, exiting\.$", res.stdout, re.M), \
        res.stdout


def test_bind_loopback_ipv4_only(start_server):
    if not has_ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback: the ::1 half of the check cannot run")
    srv = start_server(directives={"bind": "127.0.0.1"})
    assert connects("127.0.0.1", srv.port)
    assert not connects("::1", srv.port, socket.AF_INET6)


def test_default_bind_includes_ipv6_loopback(start_server):
    if not has_ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback")
    srv = start_server(directives={"bind": None})   # default: 127.0.0.1 -::1
    assert connects("127.0.0.1", srv.port)
    with socket.create_connection(("::1", srv.port), timeout=5) as s:
        c = RespClient.from_socket(s)
        assert c.call("PING") == b"PONG"


def non_loopback_ipv4():
    """An IPv4 address of this machine that is not loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))   # no packet is sent: this only picks a route
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def _first_reply(host, port):
    with socket.create_connection((host, port), timeout=5) as s:
        c = RespClient.from_socket(s)
        c.send_raw(b"PING\r\n")
        try:
            return c.read(raise_errors=False), c.is_closed(timeout=0.5)
        except ConnectionClosed:
            return None, True


@pytest.mark.parametrize("directives, expect", [
    ({"bind": "0.0.0.0"}, "denied"),
    ({"bind": "0.0.0.0", "protected-mode": "no"}, "served"),
    ({"bind": "0.0.0.0", "requirepass": "pw"}, "noauth"),
])
def test_protected_mode(start_server, directives, expect):
    addr = non_loopback_ipv4()
    if addr is None:
        pytest.skip("no non-loopback IPv4 address to connect from")
    srv = start_server(directives=directives, wait=expect != "noauth")
    if expect == "noauth":
        wait_until(lambda: connects("127.0.0.1", srv.port), timeout=10, message="listening")
    reply, closed = _first_reply(addr, srv.port)
    if expect == "denied":
        assert isinstance(reply, RespError) and reply.code == "DENIED"
        assert "protected mode" in reply.message and "no password is set for the default user" in reply.message
        assert closed
        # Loopback is still served.
        with srv.raw() as c:
            assert c.call("PING") == b"PONG"
    elif expect == "served":
        assert reply == b"PONG" and not closed
    else:
        assert reply == RespError("NOAUTH Authentication required.") and not closed
        srv.kill(signal.SIGTERM)


def test_port_already_in_use(start_server):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        srv = start_server(port=port, wait=False)
        assert srv.wait_exit(10) == 1
    log = srv.log_text()
    assert re.search(r"^\d+:[CM] .* # Failed listening on port %d \((tcp|TCP)\), aborting\.$" % port,
                     log, re.M), log
    assert "Ready to accept connections" not in log
    assert re.search(r"# Warning: Could not create server TCP listening socket 127\.0\.0\.1:%d: .*"
                     r"Address already in use$" % port, log, re.M)


UNASSIGNED = "198.51.100.7"   # TEST-NET-2: never an address of this host


def test_bind_to_an_address_the_host_lacks(start_server):
    srv = start_server(directives={"bind": [UNASSIGNED, "127.0.0.1"]}, wait=False)
    assert srv.wait_exit(10) == 1
    log = srv.log_text()
    assert re.search(r"# Warning: Could not create server TCP listening socket %s:%d: .*"
                     r"Cannot assign requested address$" % (re.escape(UNASSIGNED), srv.port), log, re.M), log
    assert re.search(r"# Failed listening on port %d \((tcp|TCP)\), aborting\.$" % srv.port, log, re.M)


def test_optional_bind_address_the_host_lacks_is_skipped(start_server):
    srv = start_server(directives={"bind": ["-" + UNASSIGNED, "127.0.0.1"]})
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
    assert "Could not create server TCP listening socket %s:%d" % (UNASSIGNED, srv.port) in srv.log_text()


def test_optional_bind_address_in_use_stops_the_start(start_server):
    # '-' only excuses an address the host does not have, not one in use.
    if not has_ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback")
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("::1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        if connects("127.0.0.1", port):
            pytest.skip("port taken on 127.0.0.1 too")
        srv = start_server(port=port, directives={"bind": ["127.0.0.1", "-::1"]}, wait=False)
        assert srv.wait_exit(10) == 1
    log = srv.log_text()
    assert "Could not create server TCP listening socket ::1:%d" % port in log
    assert re.search(r"Failed listening on port %d \((tcp|TCP)\), aborting\.$" % port, log, re.M)


# ---------------------------------------------------------------- daemonize

def test_daemonize_with_pidfile(start_server, tmp_path):
    pidfile = str(tmp_path / "server.pid")
    srv = start_server(directives={"daemonize": "yes", "pidfile": pidfile}, wait=False)
    daemon_pid = None
    try:
        assert srv.wait_exit(10) == 0           # the parent returns at once
        wait_until(lambda: os.path.exists(pidfile) and open(pidfile).read().endswith("\n"),
                   timeout=10, message="pidfile written")
        daemon_pid = int(open(pidfile).read())
        assert daemon_pid != srv.pid
        assert not _gone(daemon_pid)
        wait_until(lambda: connects("127.0.0.1", srv.port), timeout=10, message="daemon listening")
        with RespClient(srv.host, srv.port, protocol=None) as c:
            assert c.call("PING") == b"PONG"
            c.send("SHUTDOWN", "NOSAVE")
            assert c.read_until_close(timeout=10) == b""
        wait_until(lambda: _gone(daemon_pid), timeout=10, message="daemon exited")
        assert not os.path.exists(pidfile)
        log = srv.log_text()
        assert "pid=%d" % daemon_pid in log
        assert "Removing the pid file." in log
    finally:
        if daemon_pid and not _gone(daemon_pid):
            os.kill(daemon_pid, signal.SIGKILL)


def test_pidfile_without_daemonize(start_server, tmp_path):
    pidfile = str(tmp_path / "fg.pid")
    srv = start_server(directives={"pidfile": pidfile})
    assert open(pidfile).read() == "%d\n" % srv.pid
    assert srv.stop() == 0
    assert not os.path.exists(pidfile)


# ---------------------------------------------------------------- signals

@pytest.mark.parametrize("sig, name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")])
def test_signal_stops_cleanly(start_server, sig, name):
    srv = start_server()
    with srv.raw() as c:
        assert c.call("SET", "k", "v") == b"OK"
    assert srv.kill(sig) == 0
    log = srv.log_text()
    assert "Received %s scheduling shutdown..." % name in log
    assert "is now ready to exit, bye bye..." in log
    assert log.index("Received %s" % name) < log.index("is now ready to exit, bye bye...")
    for line in log.splitlines():
        assert LOG_LINE.match(line) or SIGNAL_LINE.match(line), line


def test_signal_with_clients_connected(start_server):
    srv = start_server()
    clients = [srv.raw() for _ in range(20)]
    for c in clients:
        assert c.call("PING") == b"PONG"
    clients[0].send_raw(b"*3\r\n$3\r\nSET\r\n")   # one mid-command
    assert srv.kill(signal.SIGTERM) == 0
    for c in clients:
        assert c.is_closed(timeout=5)
        c.close()
