"""Per-client limits: maxclients, the idle timeout, and the output buffer
limit of the normal class (a client that pipelines big replies without
reading them is disconnected before it costs the server much memory).

Runs against Debian's redis-server too (TESSERA_SERVER).
"""

import socket
import time

import pytest

from helpers import RespError, encode_command, wait_until

OBUF_LOG = "scheduled to be closed ASAP for overcoming of output buffer limits"


def command_bound(client, name):
    return client.call("COMMAND", "INFO", name) != [None]


def rss_peak_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM for pid %d" % pid)


# ---------------------------------------------------------------- maxclients

def test_maxclients(start_server):
    srv = start_server(directives={"maxclients": "5"})
    # The harness's start-up probe may not be gone yet: wait until the first
    # client is alone before taking the other four places.
    first = srv.raw()
    wait_until(lambda: len(first.call("CLIENT", "LIST").splitlines()) == 1, timeout=5,
               message="start-up probe connection gone")
    clients = [first] + [srv.raw() for _ in range(4)]
    try:
        for i, c in enumerate(clients):
            assert c.call("ECHO", "client %d" % i) == b"client %d" % i
        with srv.raw() as sixth:
            assert sixth.read_until_close(timeout=5) == b"-ERR max number of clients reached\r\n"
        # The five are still served.
        for c in clients:
            assert c.call("PING") == b"PONG"
        rejected = 1
        # Once one leaves, a new client gets its place (as soon as the
        # server has seen the close).
        clients.pop().close()

        def admitted():
            nonlocal rejected
            c = srv.raw()
            reply = c.call("PING", raise_errors=False)
            if reply == b"PONG":
                clients.append(c)
                return True
            assert reply == RespError("ERR max number of clients reached")
            rejected += 1
            c.close()
            return False

        wait_until(admitted, timeout=5, message="a freed slot")
        with srv.raw() as another:
            assert another.read_until_close(timeout=5) == b"-ERR max number of clients reached\r\n"
        rejected += 1
        if command_bound(clients[0], "info"):
            info = clients[0].call("INFO", "stats").decode()
            assert "\r\nrejected_connections:%d\r\n" % rejected in info
    finally:
        for c in clients:
            c.close()


# ---------------------------------------------------------------- timeout

def test_idle_timeout(start_server):
    srv = start_server(directives={"timeout": "1"})
    idle = srv.raw()
    active = srv.raw()
    try:
        assert idle.call("PING") == b"PONG"
        start = time.monotonic()
        # The active client talks every 300 ms while the idle one waits.
        closed_at = None
        while time.monotonic() - start < 4.0:
            assert active.call("PING") == b"PONG"
            if closed_at is None and idle.is_closed(timeout=0.3):
                closed_at = time.monotonic() - start
        assert closed_at is not None, "idle client not closed within 4 s"
        # Valkey compares whole seconds (idle > timeout), so the close comes
        # between 1 and 2 seconds of idleness, plus a cron tick.
        assert 1.0 <= closed_at <= 3.5, closed_at
        assert active.call("ECHO", "still here") == b"still here"
    finally:
        idle.close()
        active.close()


def test_idle_timeout_spares_monitors(start_server):
    # A MONITOR client only listens; like a replica it is never idle-closed.
    srv = start_server(directives={"timeout": "1"})
    with srv.raw() as mon, srv.raw() as idle:
        assert mon.call("MONITOR") == b"OK"
        assert idle.call("PING") == b"PONG"   # the monitor's only traffic until the SET
        assert idle.is_closed(timeout=4)
        assert not mon.is_closed(timeout=0.5)
        with srv.raw() as c:
            assert c.call("SET", "seen", "by monitor") == b"OK"
        lines = [mon.read(timeout=5) for _ in range(2)]   # the idle client's PING, then SET
        assert lines[0].endswith(b'"PING"')
        assert lines[1].endswith(b'"SET" "seen" "by monitor"')


def test_no_timeout_by_default(start_server):
    srv = start_server()
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
        assert not c.is_closed(timeout=2.5)
        assert c.call("PING") == b"PONG"


# ---------------------------------------------------------------- output buffer limit

def _flood_without_reading(srv, count=2000):
    """A client that asks for count copies of a 100 KB value and never reads:
    returns (closed, server peak RSS growth in KB)."""
    with srv.raw() as setup:
        assert setup.call("SET", "v100k", b"x" * (100 * 1024)) == b"OK"
    base_peak = rss_peak_kb(srv.pid)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((srv.host, srv.port))
    try:
        request = encode_command("GET", "v100k") * count
        sock.settimeout(10)
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        time.sleep(1.0)              # never read while the server works
        srv.wait_for_log(OBUF_LOG, timeout=10)
        growth = rss_peak_kb(srv.pid) - base_peak
        # Now drain: the server has closed its end.
        closed = False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if not sock.recv(1 << 20):
                    closed = True
                    break
            except ConnectionResetError:
                closed = True
                break
            except socket.timeout:
                break
        return closed, growth
    finally:
        sock.close()


def _check_server_fine(srv):
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
        assert c.call("STRLEN", "v100k") == 100 * 1024
        # A client that reads each reply is not affected by the limit.
        for _ in range(50):
            assert c.call("GET", "v100k") == b"x" * (100 * 1024)


def test_output_buffer_limit_from_startup(start_server):
    srv = start_server(directives={"client-output-buffer-limit": "normal 1mb 512kb 1"})
    closed, growth = _flood_without_reading(srv)
    assert closed
    # 2000 replies of 100 KB would be 200 MB: the limit must stop the client
    # long before that, not one cron tick later.
    assert growth < 32 * 1024, "server peak RSS grew by %d KB" % growth
    _check_server_fine(srv)


def test_output_buffer_limit_by_config_set(start_server):
    srv = start_server()
    with srv.raw() as c:
        if not command_bound(c, "config"):
            pytest.skip("CONFIG is not bound in this build (covered by the start-up variant)")
        assert c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 1") == b"OK"
        assert c.call("CONFIG", "GET", "client-output-buffer-limit")[1].startswith(
            b"normal 1048576 524288 1 ")
    closed, growth = _flood_without_reading(srv)
    assert closed
    assert growth < 32 * 1024, "server peak RSS grew by %d KB" % growth
    _check_server_fine(srv)


def test_default_normal_class_is_unlimited(start_server):
    # Valkey's default for normal clients is no limit: a slow reader of a
    # 20 MB pipeline is served completely.
    srv = start_server()
    with srv.raw() as c:
        assert c.call("SET", "v1m", b"y" * (1024 * 1024)) == b"OK"
        c.send_raw(encode_command("GET", "v1m") * 20)
        time.sleep(1.0)
        for _ in range(20):
            assert c.read() == b"y" * (1024 * 1024)
    with pytest.raises(AssertionError):
        srv.wait_for_log(OBUF_LOG, timeout=0.2)


def test_bad_output_buffer_limit_class(start_server):
    srv = start_server()
    with srv.raw() as c:
        if not command_bound(c, "config"):
            pytest.skip("CONFIG is not bound in this build")
        with pytest.raises(RespError) as e:
            c.call("CONFIG", "SET", "client-output-buffer-limit", "nosuchclass 1mb 1mb 1")
        assert e.value.message.startswith(
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit')")
