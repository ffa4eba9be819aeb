"""Debian's redis-cli and redis-benchmark against the server, and
tessera-cli (from the build directory) against it: one-shot commands,
formatted and --raw output, errors, -n, RESP3 (-3), --pipe mass insertion,
benchmark runs with and without pipelining.

The expected texts are redis-cli's (the tessera-cli checks assert the same
strings redis-cli prints).  Runs against redis-server too (TESSERA_SERVER).
"""

import os
import re
import shutil
import subprocess

import pytest

from helpers import SRC_DIR, encode_command

pytestmark = pytest.mark.skipif(shutil.which("redis-cli") is None or shutil.which("redis-benchmark") is None,
                                reason="Debian redis-tools (redis-cli, redis-benchmark) not installed")


def tessera_cli_path():
    build = os.environ.get("TESSERA_BUILD_DIR")
    for path in ([os.path.join(build, "tessera-cli")] if build else []) + \
            [os.path.join(SRC_DIR, "build", "release", "tessera-cli")]:
        if os.access(path, os.X_OK):
            return path
    return None


def run(argv, stdin=None, timeout=60):
    return subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout)


@pytest.fixture(params=["redis-cli", "tessera-cli"])
def cli(request, shared_server):
    """A function running the client named by the param with -h/-p of the
    shared server: cli(*args, stdin=None) -> CompletedProcess (bytes)."""
    if request.param == "redis-cli":
        binary = shutil.which("redis-cli")
    else:
        binary = tessera_cli_path()
        if binary is None:
            pytest.skip("tessera-cli not built (set TESSERA_BUILD_DIR)")
    base = [binary, "-h", shared_server.host, "-p", str(shared_server.port)]

    def call(*args, stdin=None):
        return run(base + [str(a) for a in args], stdin=stdin)

    call.name = request.param
    return call


# ---------------------------------------------------------------- one-shot commands

def test_ping(cli):
    res = cli("PING")
    assert (res.returncode, res.stdout, res.stderr) == (0, b"PONG\n", b"")


def test_set_get_formatted(cli):
    assert cli("--no-raw", "SET", "greeting", "hello world").stdout == b"OK\n"
    assert cli("--no-raw", "GET", "greeting").stdout == b'"hello world"\n'
    assert cli("--no-raw", "GET", "missing").stdout == b"(nil)\n"
    assert cli("--no-raw", "INCR", "n").stdout == b"(integer) 1\n"
    assert cli("--no-raw", "ECHO", "x\ny\x01").stdout == b'"x\\ny\\x01"\n'
    assert cli("--no-raw", "MGET", "greeting", "missing", "n").stdout == \
        b'1) "hello world"\n2) (nil)\n3) "1"\n'
    assert cli("--no-raw", "KEYS", "nomatch*").stdout == b"(empty array)\n"


def test_set_get_raw(cli):
    assert cli("--raw", "SET", "greeting", "hello\nworld").stdout == b"OK\n"
    assert cli("--raw", "GET", "greeting").stdout == b"hello\nworld\n"
    assert cli("--raw", "GET", "missing").stdout == b"\n"
    assert cli("--raw", "INCRBY", "n", "41").stdout == b"41\n"
    assert cli("--raw", "MGET", "greeting", "missing", "n").stdout == b"hello\nworld\n\n41\n"
    # Not a tty: raw is the default.
    assert cli("GET", "n").stdout == b"41\n"


def test_error_output(cli):
    res = cli("--no-raw", "GET")
    assert res.stdout == b"(error) ERR wrong number of arguments for 'get' command\n"
    assert res.returncode == 0
    res = cli("--no-raw", "NOSUCH", "a")
    assert res.stdout == b"(error) ERR unknown command 'NOSUCH', with args beginning with: 'a' \n"
    assert cli("--no-raw", "SET", "s", "v").stdout == b"OK\n"
    assert cli("--no-raw", "INCR", "s").stdout == b"(error) ERR value is not an integer or out of range\n"
    res = cli("--raw", "INCR", "s")
    assert res.stdout.startswith(b"ERR value is not an integer or out of range\n")


def test_select_db(cli):
    assert cli("-n", "3", "SET", "in3", "three").stdout == b"OK\n"
    assert cli("-n", "3", "GET", "in3").stdout == b"three\n"
    assert cli("GET", "in3").stdout == b"\n"
    assert cli("-n", "0", "--no-raw", "GET", "in3").stdout == b"(nil)\n"


def test_select_db_out_of_range(cli):
    res = cli("-n", "99", "GET", "x")
    assert res.stderr == b"SELECT 99 failed: ERR DB index is out of range\n"
    assert res.stdout == b"\n"


def test_commands_from_stdin(cli):
    res = cli(stdin=b"SET a 1\nINCR a\nINCRBY a 10\nGET a\n")
    assert (res.returncode, res.stdout) == (0, b"OK\n2\n12\n12\n")


def test_connection_refused(cli):
    res = run([shutil.which("redis-cli") if cli.name == "redis-cli" else tessera_cli_path(),
               "-p", "1", "PING"])
    assert res.returncode == 1
    assert re.search(rb"^Could not connect to \w+ at 127\.0\.0\.1:1: Connection refused$",
                     res.stdout + res.stderr, re.M)


# ---------------------------------------------------------------- RESP3

def test_resp3_null_and_scalars(cli):
    assert cli("-3", "--no-raw", "GET", "missing").stdout == b"(nil)\n"
    assert cli("-3", "--no-raw", "SET", "k", "v").stdout == b"OK\n"
    assert cli("-3", "--no-raw", "GET", "k").stdout == b'"v"\n'
    assert cli("-3", "--no-raw", "INCR", "i").stdout == b"(integer) 1\n"


def test_resp3_map(cli, shared_server):
    out = cli("-3", "--no-raw", "HELLO", "3").stdout.decode()
    lines = out.splitlines()
    assert len(lines) == 7
    assert re.fullmatch(r'1# "server" => "(valkey|redis)"', lines[0])
    assert re.fullmatch(r'2# "version" => "[0-9.]+"', lines[1])
    assert lines[2] == '3# "proto" => (integer) 3'
    assert re.fullmatch(r'4# "id" => \(integer\) \d+', lines[3])
    assert lines[4:] == ['5# "mode" => "standalone"', '6# "role" => "master"', '7# "modules" => (empty array)']


def test_resp3_set(cli):
    out = cli("-3", "--no-raw", "COMMAND", "INFO", "get").stdout.decode()
    assert "    3) 1~ readonly\n       2~ fast\n" in out
    assert "    8) (empty set)\n" in out


# ---------------------------------------------------------------- mass insertion

def test_redis_cli_pipe_mass_insertion(shared_server):
    n = 10000
    payload = b"".join(encode_command("SET", "mass:%05d" % i, "value-%d" % i) for i in range(n))
    res = run(["redis-cli", "-h", shared_server.host, "-p", str(shared_server.port), "--pipe"],
              stdin=payload, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[-1] == b"errors: 0, replies: %d" % n
    with shared_server.raw() as c:
        assert c.call("DBSIZE") == n
        assert c.call("GET", "mass:00000") == b"value-0"
        assert c.call("GET", "mass:09999") == b"value-9999"
        assert c.call("MGET", *["mass:%05d" % i for i in range(0, n, 997)]) == \
            [b"value-%d" % i for i in range(0, n, 997)]


def test_redis_cli_pipe_counts_errors(shared_server):
    payload = (encode_command("SET", "pe", "1") + encode_command("INCR", "pe") +
               encode_command("GET") + encode_command("NOSUCH") + encode_command("INCR", "pe"))
    res = run(["redis-cli", "-h", shared_server.host, "-p", str(shared_server.port), "--pipe"],
              stdin=payload)
    assert res.stdout.splitlines()[-1] == b"errors: 2, replies: 5"
    with shared_server.raw() as c:
        assert c.call("GET", "pe") == b"3"


# ---------------------------------------------------------------- redis-benchmark

BENCH_LINE = re.compile(r"^(SET|GET|INCR|MSET \(10 keys\)): ([0-9.]+) requests per second")


def _benchmark(srv, *extra):
    res = run(["redis-benchmark", "-h", srv.host, "-p", str(srv.port), "-t", "set,get,incr,mset",
               "-n", "20000", "-q"] + list(extra), timeout=300)
    assert res.returncode == 0, res.stderr
    # -q prints progress with carriage returns, then one final line per test.
    rps = {}
    for line in re.split(r"[\r\n]", res.stdout.decode()):
        m = BENCH_LINE.match(line.strip())
        if m:
            rps[m.group(1)] = float(m.group(2))
    assert sorted(rps) == ["GET", "INCR", "MSET (10 keys)", "SET"], res.stdout
    for name, value in rps.items():
        assert value > 0, (name, value)
    return rps


def test_redis_benchmark(shared_server):
    _benchmark(shared_server)
    with shared_server.raw() as c:
        # Without -r every request uses the same literal keys; -d defaults to 3.
        assert c.call("STRLEN", "key:__rand_int__") == 3
        assert c.call("GET", "counter:__rand_int__") == b"20000"
        assert c.call("DBSIZE") == 2


def test_redis_benchmark_pipelined(shared_server):
    _benchmark(shared_server, "-P", "16")
    _benchmark(shared_server, "-P", "16", "-c", "7", "-d", "1000")
    with shared_server.raw() as c:
        assert c.call("GET", "counter:__rand_int__") == b"40000"
        assert c.call("STRLEN", "key:__rand_int__") == 1000


def test_redis_benchmark_random_keys(shared_server):
    _benchmark(shared_server, "-r", "1000", "-P", "4")
    with shared_server.raw() as c:
        size = c.call("DBSIZE")
        assert 900 <= size <= 2000   # key:000000000xxx and counter:000000000xxx
        total = 0
        cursor = b"0"
        while True:
            cursor, keys = c.call("SCAN", cursor, "MATCH", "counter:*", "COUNT", 1000)
            total += sum(int(v) for v in c.call("MGET", *keys)) if keys else 0
            if cursor == b"0":
                break
        assert total == 20000   # every INCR counted exactly once
