"""pytest fixtures for tessera's integration tests.

Servers are real processes (tests/integration/helpers.py: Server) on free
loopback ports, each in its own temporary directory.  The binary is
$TESSERA_SERVER if set, else $TESSERA_BUILD_DIR/tessera-server (make check sets
TESSERA_BUILD_DIR), so the same tests can be pointed at /usr/bin/redis-server:

    TESSERA_SERVER=/usr/bin/redis-server python3 -m pytest tests/integration

Fixtures:
  server          a fresh server for one test (stopped afterwards)
  start_server    factory: start_server(directives={...}, args=[...], config="...")
                  for tests that need custom options or several servers
  shared_server   one server per test module; FLUSHALL before every test that
                  uses it (mark a test @pytest.mark.no_flush to keep the data)
  r               redis.Redis (RESP2) on shared_server
  r3              RespClient in RESP3 on shared_server (redis-py 4.3 has no RESP3)
  rr              RespClient on shared_server, parametrized over RESP2 and RESP3
                  (rr.protocol tells which); replies keep their RESP types
  raw             RespClient with no HELLO on shared_server, for raw bytes

Every server is checked at teardown for a sanitizer report on its stderr (a
test whose server reported one fails), and a session finalizer kills anything
still running.
"""

import atexit
import os
import signal

import pytest

from helpers import (ConnectionClosed, RespClient, RespError, Server, kill_all,  # noqa: F401
                     live_servers, raw_exchange, run_server, server_binary)

atexit.register(kill_all)


def _terminate(signum, frame):
    # Servers run in their own sessions, so a SIGTERM meant for the test run
    # (make check under `timeout`) does not reach them: kill them here.
    kill_all()
    os._exit(128 + signum)


signal.signal(signal.SIGTERM, _terminate)
signal.signal(signal.SIGHUP, _terminate)


def pytest_configure(config):
    config.addinivalue_line("markers", "no_flush: do not FLUSHALL shared_server before this test")


def pytest_report_header(config):
    try:
        return "tessera server under test: %s" % server_binary()
    except RuntimeError as e:
        return "tessera server under test: NOT FOUND (%s)" % e


@pytest.fixture(scope="session", autouse=True)
def _no_process_left_behind():
    yield
    left = live_servers()
    kill_all()
    if left:
        raise AssertionError("servers still running at session end (killed): %r" % left)


def _finish(server):
    """Stop a server and fail if it left a sanitizer report."""
    server.stop()
    report = server.sanitizer_text
    if not report:
        server.cleanup()
    if report:
        pytest.fail("sanitizer report from %r (dir kept: %s):\n%s" % (server, server.dir, report),
                    pytrace=False)


@pytest.fixture
def server():
    srv = Server().start()
    yield srv
    _finish(srv)


@pytest.fixture
def start_server():
    started = []

    def factory(**kw):
        wait = kw.pop("wait", True)
        srv = Server(**kw)
        started.append(srv)
        return srv.start(wait=wait)

    yield factory
    failures = []
    for srv in started:
        try:
            _finish(srv)
        except pytest.fail.Exception as e:
            failures.append(str(e))
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.fixture(scope="module")
def shared_server():
    srv = Server(name="shared").start()
    yield srv
    _finish(srv)


@pytest.fixture(autouse=True)
def _shared_server_guard(request):
    """For tests using shared_server: restart it if an earlier test killed it,
    FLUSHALL before the test (unless marked no_flush), and fail the test that
    made it die."""
    if "shared_server" not in request.fixturenames:
        yield
        return
    srv = request.getfixturevalue("shared_server")
    if not srv.alive():
        srv.start()
    if request.node.get_closest_marker("no_flush") is None:
        with srv.raw() as c:
            c.call("FLUSHALL")
    yield
    if not srv.alive():
        pytest.fail("shared server died during the test (exit code %s)\n%s"
                    % (srv.wait_exit(5), srv.diagnostics()), pytrace=False)


@pytest.fixture
def r(shared_server):
    client = shared_server.client(protocol=2)
    yield client
    client.close()


@pytest.fixture
def r3(shared_server):
    client = shared_server.resp(protocol=3)
    yield client
    client.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def rr(request, shared_server):
    client = shared_server.resp(protocol=request.param)
    yield client
    client.close()


@pytest.fixture
def raw(shared_server):
    client = shared_server.raw()
    yield client
    client.close()
