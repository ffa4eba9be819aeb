"""CONFIG GET / SET / REWRITE / RESETSTAT / HELP through a real client, and
the config file as the server reads it: includes, placeholders named once in
the log, Valkey's FATAL CONFIG FILE ERROR report, a Valkey 8 valkey.conf
with every directive at its default."""

import os
import re

import pytest

from helpers import Map, RespError, free_port, run_server

SRC_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pairs(reply):
    """CONFIG GET reply (RESP2 flat list or RESP3 map) as a dict of str."""
    if isinstance(reply, dict):
        return {k.decode(): v.decode() for k, v in reply.items()}
    it = iter(reply)
    return {k.decode(): v.decode() for k, v in zip(it, it)}


# ---------------------------------------------------------------- CONFIG GET

def test_get_glob_and_aliases(server):
    with server.raw() as c:
        got = pairs(c.call("CONFIG", "GET", "maxmemory*"))
        assert got["maxmemory"] == "0"
        assert got["maxmemory-policy"] == "noeviction"
        assert all(k.startswith("maxmemory") for k in got)
        # An alias answers under its own name; a wide glob shows both names.
        assert pairs(c.call("CONFIG", "GET", "slave-read-only")) == {"slave-read-only": "yes"}
        both = pairs(c.call("CONFIG", "GET", "*read-only"))
        assert both == {"replica-read-only": "yes", "slave-read-only": "yes"}
        # Case-insensitive, several patterns, each parameter once.
        got = pairs(c.call("CONFIG", "GET", "SAVE", "save", "client-output-buffer-limit"))
        assert got["client-output-buffer-limit"] == \
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        assert len(got) == 2
        assert c.call("CONFIG", "GET", "no-such-parameter") == []


def test_get_is_a_map_in_resp3(server):
    with server.resp(protocol=3) as c:
        reply = c.call("CONFIG", "GET", "appendfsync", "lazyfree-lazy-user-flush")
        assert isinstance(reply, Map)
        assert reply == {b"appendfsync": b"everysec", b"lazyfree-lazy-user-flush": b"yes"}


# ---------------------------------------------------------------- CONFIG SET

def test_set_several_and_errors(server):
    with server.raw() as c:
        assert c.call("CONFIG", "SET", "maxmemory", "100mb", "maxmemory-policy", "allkeys-lru",
                      "notify-keyspace-events", "KEA") == b"OK"
        got = pairs(c.call("CONFIG", "GET", "maxmemory", "maxmemory-policy", "notify-keyspace-events"))
        assert got == {"maxmemory": "104857600", "maxmemory-policy": "allkeys-lru",
                       "notify-keyspace-events": "AKE"}
        with pytest.raises(RespError) as e:
            c.call("CONFIG", "SET", "daemonize", "yes")
        assert e.value.message == \
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"
        with pytest.raises(RespError) as e:
            c.call("CONFIG", "SET", "maxmemry", "1")
        assert e.value.message == "ERR Unknown option or number of arguments for CONFIG SET - 'maxmemry'"
        with pytest.raises(RespError) as e:
            c.call("CONFIG", "SET", "maxmemory", "1", "maxmemory", "2")
        assert e.value.message == \
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"
        # All or nothing: the good value before the bad one is rolled back.
        with pytest.raises(RespError) as e:
            c.call("CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "sometimes")
        assert e.value.message.startswith(
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of")
        assert pairs(c.call("CONFIG", "GET", "maxmemory")) == {"maxmemory": "104857600"}
        with pytest.raises(RespError) as e:
            c.call("CONFIG", "SET", "appendonly", "perhaps")
        assert e.value.message.endswith("argument must be 'yes' or 'no'")
        with pytest.raises(RespError):
            c.call("CONFIG", "SET", "maxmemory")
        assert c.call("CONFIG", "SET", "save", "100 10 200 20") == b"OK"
        assert pairs(c.call("CONFIG", "GET", "save")) == {"save": "100 10 200 20"}
        assert c.call("CONFIG", "SET", "masterauth", "pw") == b"OK"
        assert pairs(c.call("CONFIG", "GET", "primaryauth")) == {"primaryauth": "pw"}


def test_help_resetstat_and_bad_subcommand(server):
    with server.raw() as c:
        lines = c.call("CONFIG", "HELP")
        assert lines[0].startswith(b"CONFIG <subcommand>")
        assert any(l.startswith(b"REWRITE") for l in lines)
        assert c.call("CONFIG", "RESETSTAT") == b"OK"
        with pytest.raises(RespError) as e:
            c.call("CONFIG", "NOPE")
        assert e.value.code == "ERR"


# ---------------------------------------------------------------- CONFIG REWRITE

def test_rewrite_keeps_comments_and_reloads(start_server):
    conf = ("# my settings\n"
            "maxmemory 10mb\n"
            "\n"
            "# eviction\n"
            "maxmemory-policy noeviction\n"
            "slave-read-only yes\n")
    srv = start_server(config=conf)
    path = os.path.join(srv.dir, "server.conf")
    with srv.raw() as c:
        assert c.call("CONFIG", "SET", "maxmemory", "2gb", "maxmemory-policy", "allkeys-lfu",
                      "hash-max-listpack-entries", "100") == b"OK"
        assert c.call("CONFIG", "REWRITE") == b"OK"
    text = open(path).read()
    lines = text.splitlines()
    assert lines[:6] == ["# my settings", "maxmemory 2gb", "", "# eviction", "maxmemory-policy allkeys-lfu",
                         "replica-read-only yes"]
    assert "# Generated by CONFIG REWRITE" in lines
    assert "hash-max-listpack-entries 100" in lines
    srv.wait_for_log("CONFIG REWRITE executed with success.")
    # A server started from the rewritten file has the same values.
    again = start_server(config=text)
    with again.raw() as c:
        got = pairs(c.call("CONFIG", "GET", "maxmemory", "maxmemory-policy", "hash-max-listpack-entries"))
        assert got == {"maxmemory": "2147483648", "maxmemory-policy": "allkeys-lfu",
                       "hash-max-listpack-entries": "100"}


def test_rewrite_without_config_file(server):
    with server.raw() as c:
        with pytest.raises(RespError) as e:
            c.call("CONFIG", "REWRITE")
        assert e.value.message == "ERR The server is running without a config file"


# ---------------------------------------------------------------- the file

def test_include_and_placeholders_logged_once(start_server, tmp_path):
    inc = tmp_path / "extra.conf"
    inc.write_text("maxmemory-policy volatile-lru\nhash-max-ziplist-entries 64\n")
    conf = ("include %s\n"
            "maxmemory-policy allkeys-random\n"
            "maxmemory-policy allkeys-lru\n" % inc)
    srv = start_server(config=conf)
    with srv.raw() as c:
        got = pairs(c.call("CONFIG", "GET", "maxmemory-policy", "hash-max-listpack-entries"))
        assert got == {"maxmemory-policy": "allkeys-lru", "hash-max-listpack-entries": "64"}
    log = srv.log_text()
    assert log.count("Directive 'maxmemory-policy' is accepted but not acted on yet") == 1
    # hash-max-listpack-entries is a real directive now: not logged.
    assert "Directive 'hash-max-listpack-entries'" not in log


def test_fatal_error_format(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("# comment\nport %d\nmaxmemory-policy sometimes\n" % free_port())
    res = run_server([str(conf)], cwd=str(tmp_path))
    assert res.returncode == 1
    assert re.search(r"\*\*\* FATAL CONFIG FILE ERROR \(Version [^)]+\) \*\*\*\n"
                     r"Reading the configuration file, at line 3\n"
                     r">>> 'maxmemory-policy sometimes'\n"
                     r"argument\(s\) must be one of the following: volatile-lru, ", res.stderr), res.stderr


def test_fatal_error_in_override_counts_lines_after_the_file(tmp_path):
    conf = tmp_path / "ok.conf"
    conf.write_text("port %d\nhz 10\n" % free_port())
    res = run_server([str(conf), "--maxmemory", "lots"], cwd=str(tmp_path))
    assert res.returncode == 1
    assert "Reading the configuration file, at line 4\n>>> 'maxmemory \"lots\"'\n" \
           "argument must be a memory value\n" in res.stderr, res.stderr


def test_valkey8_defaults_file_loads(start_server):
    with open(os.path.join(SRC_DIR, "tests", "unit", "data", "valkey8-defaults.conf")) as f:
        conf = f.read()
    srv = start_server(config=conf)
    with srv.raw() as c:
        got = pairs(c.call("CONFIG", "GET", "lazyfree-lazy-eviction", "save", "io-threads", "databases"))
    # save and port come from the harness overrides, which follow the file.
    assert got["lazyfree-lazy-eviction"] == "yes"
    assert got["save"] == ""
    assert got["databases"] == "16"


def test_sample_tessera_conf_loads(start_server):
    with open(os.path.join(SRC_DIR, "tessera.conf")) as f:
        conf = f.read()
    srv = start_server(config=conf)
    with srv.raw() as c:
        assert pairs(c.call("CONFIG", "GET", "maxmemory-policy")) == {"maxmemory-policy": "noeviction"}
