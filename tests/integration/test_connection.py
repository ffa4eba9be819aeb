"""Connection commands and the dispatcher's generic errors: PING ECHO QUIT
SELECT HELLO AUTH RESET SHUTDOWN, NOAUTH / WRONGPASS with requirepass,
unknown command / subcommand and wrong arity texts.

Replies are checked with their exact RESP types in both protocols (rr).  The
tests run unchanged against Debian's redis-server 7.0 (TESSERA_SERVER); where
the two differ on purpose (HELLO's server name and version) the expected value
is taken from the binary under test.
"""

import re
import signal
import socket
import subprocess
import time

import pytest

from helpers import (ConnectionClosed, Map, RespClient, RespError, SimpleString, encode_command,
                     server_binary, wait_until)

NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
HELLO_NOAUTH = ("NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
                "select the RESP protocol version at the same time")
if "redis" in server_binary():   # Redis 7.0 predates the "<proto>" in this text
    HELLO_NOAUTH = HELLO_NOAUTH.replace("HELLO <proto> AUTH", "HELLO AUTH")


def error_of(client, *args):
    """The error message a command gets (fails if it succeeds)."""
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


def expected_server_identity():
    """(server, version) HELLO must report for the binary under test."""
    out = subprocess.run([server_binary(), "--version"], capture_output=True, text=True,
                         timeout=10).stdout
    if "Redis server" in out:
        return "redis", re.search(r"v=(\S+)", out).group(1)
    return "valkey", re.search(r"valkey-compatible=(\S+)", out).group(1)


# ---------------------------------------------------------------- PING ECHO QUIT

def test_ping(rr):
    reply = rr.call("PING")
    assert type(reply) is SimpleString and reply == b"PONG"
    assert rr.last_raw == b"+PONG\r\n"
    assert rr.call("PING", "hello world") == b"hello world"
    assert rr.last_raw == b"$11\r\nhello world\r\n"
    assert rr.call("PING", "") == b""
    assert rr.last_raw == b"$0\r\n\r\n"
    assert error_of(rr, "PING", "a", "b") == "ERR wrong number of arguments for 'ping' command"


def test_echo(rr):
    assert rr.call("ECHO", b"bin\x00\r\nary") == b"bin\x00\r\nary"
    assert rr.last_raw == b"$9\r\nbin\x00\r\nary\r\n"
    assert error_of(rr, "ECHO") == "ERR wrong number of arguments for 'echo' command"
    assert error_of(rr, "ECHO", "a", "b") == "ERR wrong number of arguments for 'echo' command"


def test_quit_replies_ok_then_closes(shared_server):
    with shared_server.raw() as c:
        c.send_raw(b"QUIT\r\nPING\r\n")   # nothing after QUIT runs
        assert c.read_until_close(timeout=5) == b"+OK\r\n"
    with shared_server.raw() as c:
        c.send("QUIT", "ignored", "args")
        assert c.read_until_close(timeout=5) == b"+OK\r\n"
    with shared_server.resp(protocol=3) as c:
        c.send("QUIT")
        assert c.read_until_close(timeout=5) == b"+OK\r\n"


# ---------------------------------------------------------------- SELECT

def test_select_isolates_databases(rr):
    assert rr.call("SELECT", "0") == b"OK"
    assert rr.call("SET", "where", "db0") == b"OK"
    assert rr.call("SELECT", "15") == b"OK"
    assert rr.call("GET", "where") is None
    assert rr.call("SET", "where", "db15") == b"OK"
    assert rr.call("SELECT", "0") == b"OK"
    assert rr.call("GET", "where") == b"db0"
    assert rr.call("SELECT", "15") == b"OK"
    assert rr.call("GET", "where") == b"db15"
    assert rr.call("DEL", "where") == 1


@pytest.mark.parametrize("arg, message", [
    ("16", "ERR DB index is out of range"),
    ("-1", "ERR DB index is out of range"),
    ("2147483647", "ERR DB index is out of range"),
    ("2147483648", "ERR value is out of range, value must between -2147483648 and 2147483647"),
    ("-2147483649", "ERR value is out of range, value must between -2147483648 and 2147483647"),
    ("99999999999999999999", "ERR value is not an integer or out of range"),
    ("abc", "ERR value is not an integer or out of range"),
    ("1.0", "ERR value is not an integer or out of range"),
    ("", "ERR value is not an integer or out of range"),
    (" 1", "ERR value is not an integer or out of range"),
])
def test_select_errors(rr, arg, message):
    assert rr.call("SELECT", "3") == b"OK"
    assert error_of(rr, "SELECT", arg) == message
    # A failed SELECT keeps the current database.
    assert rr.call("SET", "sel", "x") == b"OK"
    assert rr.call("SELECT", "3") == b"OK"
    assert rr.call("GET", "sel") == b"x"


def test_select_arity(rr):
    assert error_of(rr, "SELECT") == "ERR wrong number of arguments for 'select' command"
    assert error_of(rr, "SELECT", "1", "2") == "ERR wrong number of arguments for 'select' command"


# ---------------------------------------------------------------- HELLO

HELLO_KEYS = [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]


def check_hello(reply, proto, client_id):
    server, version = expected_server_identity()
    expected_values = [server.encode(), version.encode(), proto, client_id, b"standalone",
                       b"master", []]
    if proto == 3:
        assert type(reply) is Map
        assert list(reply.keys()) == HELLO_KEYS
        assert list(reply.values()) == expected_values
    else:
        assert type(reply) is list
        assert reply[0::2] == HELLO_KEYS
        assert reply[1::2] == expected_values


def test_hello_shapes(shared_server):
    with shared_server.raw() as c:
        client_id = c.call("CLIENT", "ID")
        check_hello(c.call("HELLO"), 2, client_id)            # no argument: current protocol
        assert c.last_raw.startswith(b"*14\r\n$6\r\nserver\r\n")
        check_hello(c.call("HELLO", "3"), 3, client_id)
        assert c.last_raw.startswith(b"%7\r\n$6\r\nserver\r\n")
        assert c.last_raw.endswith(b"$7\r\nmodules\r\n*0\r\n")
        check_hello(c.call("HELLO"), 3, client_id)            # stays in RESP3
        assert c.call("GET", "nokey") is None and c.last_raw == b"_\r\n"
        check_hello(c.call("HELLO", "2"), 2, client_id)
        assert c.call("GET", "nokey") is None and c.last_raw == b"$-1\r\n"


@pytest.mark.parametrize("version, message", [
    ("4", "NOPROTO unsupported protocol version"),
    ("1", "NOPROTO unsupported protocol version"),
    ("0", "NOPROTO unsupported protocol version"),
    ("-3", "NOPROTO unsupported protocol version"),
    ("three", "ERR Protocol version is not an integer or out of range"),
    ("3.0", "ERR Protocol version is not an integer or out of range"),
])
def test_hello_bad_version(rr, version, message):
    assert error_of(rr, "HELLO", version) == message
    # The protocol is unchanged.
    assert rr.call("GET", "nokey") is None
    assert rr.last_raw == (b"_\r\n" if rr.protocol == 3 else b"$-1\r\n")


def test_hello_setname(shared_server):
    with shared_server.raw() as c:
        reply = c.call("HELLO", "3", "SETNAME", "conn-a")
        check_hello(reply, 3, c.call("CLIENT", "ID"))
        assert c.call("CLIENT", "GETNAME") == b"conn-a"
        for bad in ("has space", "new\nline", b"nul\x00byte", b"\xc3\xa9"):
            assert (error_of(c, "HELLO", "3", "SETNAME", bad)
                    == "ERR Client names cannot contain spaces, newlines or special characters.")
        assert c.call("CLIENT", "GETNAME") == b"conn-a"
        # An empty name clears it.
        assert c.call("HELLO", "3", "SETNAME", "")[b"proto"] == 3
        assert c.call("CLIENT", "GETNAME") is None


def test_hello_syntax_errors(rr):
    assert error_of(rr, "HELLO", "3", "FOO") == "ERR Syntax error in HELLO option 'FOO'"
    assert error_of(rr, "HELLO", "3", "AUTH", "default") == "ERR Syntax error in HELLO option 'AUTH'"
    assert error_of(rr, "HELLO", "3", "SETNAME") == "ERR Syntax error in HELLO option 'SETNAME'"
    # A failing HELLO does not switch the protocol.
    assert error_of(rr, "HELLO", "3" if rr.protocol == 2 else "2", "BAD") == \
        "ERR Syntax error in HELLO option 'BAD'"
    assert rr.call("GET", "nokey") is None
    assert rr.last_raw == (b"_\r\n" if rr.protocol == 3 else b"$-1\r\n")


def test_hello_auth_without_password_configured(shared_server):
    # The default user has no password: any password authenticates it.
    with shared_server.raw() as c:
        reply = c.call("HELLO", "3", "AUTH", "default", "anything", "SETNAME", "x1")
        check_hello(reply, 3, c.call("CLIENT", "ID"))
        assert c.call("CLIENT", "GETNAME") == b"x1"
    with shared_server.raw() as c:
        assert error_of(c, "HELLO", "3", "AUTH", "nobody", "pw") == WRONGPASS


# ---------------------------------------------------------------- AUTH

def test_auth_without_password_configured(rr):
    assert error_of(rr, "AUTH", "pw") == (
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    assert rr.call("AUTH", "default", "whatever") == b"OK"
    assert error_of(rr, "AUTH", "someone", "pw") == WRONGPASS
    assert error_of(rr, "AUTH", "a", "b", "c") == "ERR syntax error"
    assert error_of(rr, "AUTH") == "ERR wrong number of arguments for 'auth' command"


def _answers_noauth(srv):
    if not srv.alive():
        raise AssertionError("server exited:\n" + srv.diagnostics())
    try:
        with RespClient(srv.host, srv.port, protocol=None, timeout=1.0) as c:
            return c.call("PING", raise_errors=False) == RespError(NOAUTH)
    except (OSError, ConnectionClosed, TimeoutError):
        return False


@pytest.fixture(scope="module")
def auth_server():
    """A server with requirepass (the harness's PING probe and SHUTDOWN need
    a password, so it is started and stopped here)."""
    from helpers import Server
    srv = Server(name="auth", directives={"requirepass": "s3cret pass"})
    srv.start(wait=False)
    wait_until(lambda: _answers_noauth(srv), timeout=10, message="server up")
    yield srv
    srv.kill(signal.SIGTERM)
    report = srv.sanitizer_text
    srv.cleanup()
    if report:
        pytest.fail("sanitizer report:\n" + report, pytrace=False)


@pytest.mark.parametrize("protocol", [2, 3])
def test_noauth_before_auth(auth_server, protocol):
    with auth_server.raw() as c:
        for cmd in (("PING",), ("GET", "k"), ("SET", "k", "v"), ("SELECT", "1"), ("ECHO", "x")):
            assert error_of(c, *cmd) == NOAUTH
        # Unknown commands and wrong arity are found before authentication.
        assert error_of(c, "NOPE") == "ERR unknown command 'NOPE', with args beginning with: "
        assert error_of(c, "GET") == "ERR wrong number of arguments for 'get' command"
        assert error_of(c, "HELLO", str(protocol)) == HELLO_NOAUTH
        assert error_of(c, "HELLO", str(protocol), "AUTH", "default", "wrong") == WRONGPASS
        # The name is checked while parsing, before the credentials (Valkey 8;
        # Redis 7.0 authenticated first).
        assert error_of(c, "HELLO", str(protocol), "SETNAME", "bad name") == \
            "ERR Client names cannot contain spaces, newlines or special characters."
        assert error_of(c, "HELLO", str(protocol), "AUTH", "default", "s3cret pass",
                        "SETNAME", "bad name") == \
            "ERR Client names cannot contain spaces, newlines or special characters."
        if "redis" not in server_binary():
            assert error_of(c, "PING") == NOAUTH
        reply = c.call("HELLO", str(protocol), "AUTH", "default", "s3cret pass")
        check_hello(reply, protocol, c.call("CLIENT", "ID"))
        assert c.call("SET", "k", "v") == b"OK"
        assert c.call("GET", "k") == b"v"


def test_auth_with_requirepass(auth_server):
    with auth_server.raw() as c:
        assert error_of(c, "AUTH", "wrong") == WRONGPASS
        assert error_of(c, "GET", "k") == NOAUTH
        assert error_of(c, "AUTH", "nobody", "s3cret pass") == WRONGPASS
        assert c.call("AUTH", "s3cret pass") == b"OK"
        assert c.call("PING") == b"PONG"
        # A wrong password later does not log the client out.
        assert error_of(c, "AUTH", "wrong") == WRONGPASS
        assert c.call("PING") == b"PONG"
    with auth_server.raw() as c:
        assert c.call("AUTH", "default", "s3cret pass") == b"OK"
        assert c.call("PING") == b"PONG"
    with auth_server.raw() as c:
        c.send("QUIT")   # allowed before authenticating
        assert c.read_until_close(timeout=5) == b"+OK\r\n"


def test_reset_logs_out(auth_server):
    with auth_server.raw() as c:
        assert c.call("AUTH", "s3cret pass") == b"OK"
        assert c.call("RESET") == b"RESET"
        assert error_of(c, "PING") == NOAUTH


# ---------------------------------------------------------------- RESET

def test_reset(shared_server):
    with shared_server.raw() as c:
        assert c.call("HELLO", "3")[b"proto"] == 3
        assert c.call("SELECT", "5") == b"OK"
        assert c.call("SET", "in5", "v") == b"OK"
        assert c.call("CLIENT", "SETNAME", "before-reset") == b"OK"
        reply = c.call("RESET")
        assert type(reply) is SimpleString and c.last_raw == b"+RESET\r\n"
        # Back to RESP2, database 0, no name.
        assert c.call("GET", "in5") is None
        assert c.last_raw == b"$-1\r\n"
        assert c.call("CLIENT", "GETNAME") is None
        assert c.call("SELECT", "5") == b"OK"
        assert c.call("GET", "in5") == b"v"
        assert error_of(c, "RESET", "x") == "ERR wrong number of arguments for 'reset' command"


# ---------------------------------------------------------------- generic errors

def test_unknown_command(rr):
    assert error_of(rr, "foo", "a", "b") == "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
    assert error_of(rr, "foo") == "ERR unknown command 'foo', with args beginning with: "
    # The name is cut at 128 bytes, the argument list at about 128 bytes.
    long_name = "n" * 200
    assert error_of(rr, long_name) == \
        "ERR unknown command '%s', with args beginning with: " % ("n" * 128)
    assert error_of(rr, "foo", "x" * 200, "y") == \
        "ERR unknown command 'foo', with args beginning with: '%s' " % ("x" * 128)
    # CR and LF cannot break the error line.
    assert error_of(rr, "foo\r\nbar") == "ERR unknown command 'foo  bar', with args beginning with: "
    assert rr.call("PING") == b"PONG"


def test_unknown_subcommand(rr):
    assert error_of(rr, "COMMAND", "FOO") == "ERR unknown subcommand 'FOO'. Try COMMAND HELP."
    assert error_of(rr, "object", "nope", "k") == "ERR unknown subcommand 'nope'. Try OBJECT HELP."


def test_unknown_config_subcommand(rr):
    if rr.call("COMMAND", "INFO", "config") == [None]:
        pytest.skip("CONFIG is not bound in this build")
    assert error_of(rr, "CONFIG", "x") == "ERR unknown subcommand 'x'. Try CONFIG HELP."
    assert error_of(rr, "config", "x", "y") == "ERR unknown subcommand 'x'. Try CONFIG HELP."


@pytest.mark.parametrize("cmd, name", [
    (("GET",), "get"),
    (("GET", "a", "b"), "get"),
    (("set", "k"), "set"),
    (("Mget",), "mget"),
    (("OBJECT",), "object"),
    (("OBJECT", "ENCODING"), "object|encoding"),
    (("command", "getkeys"), "command|getkeys"),
])
def test_wrong_arity(rr, cmd, name):
    assert error_of(rr, *cmd) == "ERR wrong number of arguments for '%s' command" % name


# ---------------------------------------------------------------- SHUTDOWN

def test_shutdown_syntax(rr):
    assert error_of(rr, "SHUTDOWN", "NOSAVE", "SAVE") == "ERR syntax error"
    assert error_of(rr, "SHUTDOWN", "FOO") == "ERR syntax error"
    assert error_of(rr, "SHUTDOWN", "ABORT", "NOSAVE") == "ERR syntax error"
    assert error_of(rr, "SHUTDOWN", "ABORT") == "ERR No shutdown in progress."
    assert error_of(rr, "SHUTDOWN", "abort", "ABORT") == "ERR No shutdown in progress."
    assert error_of(rr, "SHUTDOWN", "NOW", "ABORT") == "ERR syntax error"
    assert error_of(rr, "SHUTDOWN", "ABORT", "FOO") == "ERR syntax error"
    assert rr.call("PING") == b"PONG"


@pytest.mark.parametrize("args", [(), ("NOSAVE",), ("SAVE",), ("nosave", "now", "force")])
def test_shutdown_exits_cleanly(start_server, args):
    srv = start_server()
    with srv.raw() as c:
        assert c.call("SET", "k", "v") == b"OK"
        c.send("SHUTDOWN", *args)
        assert c.read_until_close(timeout=10) == b""   # no reply: the server is gone
    assert srv.wait_exit(10) == 0
    log = srv.log_text()
    assert "User requested shutdown..." in log
    assert "is now ready to exit, bye bye..." in log
    assert log.index("User requested shutdown...") < log.index("is now ready to exit, bye bye...")


@pytest.mark.parametrize("how", ["SHUTDOWN", "SIGTERM"])
def test_shutdown_not_held_by_a_client_that_does_not_read(start_server, how):
    srv = start_server()
    with srv.raw() as c:
        assert c.call("SET", "v", b"x" * (1024 * 1024)) == b"OK"
    stalled = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect((srv.host, srv.port))
    try:
        stalled.sendall(encode_command("GET", "v") * 50)   # 50 MB it never reads
        time.sleep(0.5)
        start = time.monotonic()
        if how == "SHUTDOWN":
            with srv.raw() as c:
                c.send("SHUTDOWN", "NOSAVE")
                assert c.read_until_close(timeout=10) == b""
            assert srv.wait_exit(10) == 0
        else:
            assert srv.kill(signal.SIGTERM) == 0
        assert time.monotonic() - start < 5
        assert "is now ready to exit, bye bye..." in srv.log_text()
    finally:
        stalled.close()


def test_requirepass_set_at_runtime_spares_open_connections(start_server):
    srv = start_server()
    try:
        with srv.raw() as a, srv.raw() as idle:
            assert idle.call("PING") == b"PONG"
            if a.call("COMMAND", "INFO", "config") == [None]:
                pytest.skip("CONFIG is not bound in this build")
            assert a.call("CONFIG", "SET", "requirepass", "pw") == b"OK"
            # Connections open before the password was set stay authenticated.
            assert a.call("PING") == b"PONG"
            assert idle.call("SET", "k", "v") == b"OK"
            with srv.raw() as late:
                assert error_of(late, "PING") == NOAUTH
                assert late.call("AUTH", "pw") == b"OK"
                assert late.call("GET", "k") == b"v"
            # RESET brings back a new connection's state: now that needs a password.
            assert a.call("RESET") == b"RESET"
            assert error_of(a, "PING") == NOAUTH
            assert a.call("AUTH", "pw") == b"OK"
            assert a.call("CONFIG", "SET", "requirepass", "") == b"OK"
            # Without a password again, RESET leaves a client authenticated.
            assert a.call("RESET") == b"RESET"
            assert a.call("PING") == b"PONG"
    finally:
        srv.kill(signal.SIGTERM)
