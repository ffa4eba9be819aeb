"""LATENCY: the monitor (threshold, LATEST, HISTORY, GRAPH, DOCTOR, RESET)
driven by DEBUG SLEEP, and the per-command histograms (HISTOGRAM with and
without command names, subcommands, RESP2/RESP3 shapes, latency-tracking,
CONFIG RESETSTAT)."""

import time

import pytest

from helpers import Map, RespError, Verbatim


@pytest.fixture
def mon(shared_server):
    c = shared_server.resp(protocol=2)
    c.call("CONFIG", "SET", "latency-monitor-threshold", "100")
    c.call("LATENCY", "RESET")
    yield c
    c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
    c.call("CONFIG", "SET", "latency-tracking", "yes")
    c.call("LATENCY", "RESET")
    c.close()


def test_latest_empty_when_off(shared_server):
    with shared_server.resp(protocol=2) as c:
        c.call("LATENCY", "RESET")
        c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
        c.call("DEBUG", "SLEEP", "0.05")
        assert c.call("LATENCY", "LATEST") == []
        assert c.call("LATENCY", "HISTORY", "command") == []


def test_spike_recorded(mon):
    mon.call("DEBUG", "SLEEP", "0.25")
    latest = mon.call("LATENCY", "LATEST")
    assert len(latest) == 1
    name, ts, last, worst = latest[0]
    assert name == b"command"
    assert abs(ts - time.time()) < 10
    assert 250 <= last < 5000 and worst == last
    history = mon.call("LATENCY", "HISTORY", "command")
    assert history == [[ts, last]]


def test_below_threshold_not_recorded(mon):
    mon.call("DEBUG", "SLEEP", "0.01")
    mon.call("SET", "k", "v")
    assert mon.call("LATENCY", "LATEST") == []


def test_same_second_keeps_max_and_all_time_max(mon):
    mon.call("DEBUG", "SLEEP", "0.3")
    mon.call("DEBUG", "SLEEP", "0.12")
    latest = mon.call("LATENCY", "LATEST")[0]
    history = mon.call("LATENCY", "HISTORY", "command")
    assert latest[3] >= 300  # all-time max
    assert 1 <= len(history) <= 2
    assert max(h[1] for h in history) >= 300
    assert [h[0] for h in history] == sorted(h[0] for h in history)


def test_graph(shared_server, mon):
    with pytest.raises(RespError) as e:
        mon.call("LATENCY", "GRAPH", "command")
    assert e.value.message == "ERR No samples available for event 'command'"
    mon.call("DEBUG", "SLEEP", "0.15")
    graph = mon.call("LATENCY", "GRAPH", "command")
    assert graph.startswith(b"command - high ")
    assert b"all time high 150 ms" in graph or b"all time high 15" in graph
    if not shared_server.is_redis:
        assert b"#" in graph  # our bars


def test_graph_is_verbatim_in_resp3(shared_server, mon):
    mon.call("DEBUG", "SLEEP", "0.15")
    with shared_server.resp(protocol=3) as c3:
        graph = c3.call("LATENCY", "GRAPH", "command")
        assert type(graph) is Verbatim and graph.format == b"txt"
        doctor = c3.call("LATENCY", "DOCTOR")
        assert type(doctor) is Verbatim


def test_doctor(mon):
    assert len(mon.call("LATENCY", "DOCTOR")) > 0
    mon.call("DEBUG", "SLEEP", "0.15")
    report = mon.call("LATENCY", "DOCTOR")
    assert b"command" in report


def test_reset(mon):
    mon.call("DEBUG", "SLEEP", "0.12")
    assert mon.call("LATENCY", "RESET", "nosuchevent") == 0
    assert mon.call("LATENCY", "RESET", "command", "nosuchevent") == 1
    assert mon.call("LATENCY", "LATEST") == []
    mon.call("DEBUG", "SLEEP", "0.12")
    assert mon.call("LATENCY", "RESET") == 1
    assert mon.call("LATENCY", "RESET") == 0


def test_history_of_unknown_event(mon):
    assert mon.call("LATENCY", "HISTORY", "nosuchevent") == []


# Valkey reports the upper ends of its HDR buckets at 1.024 us * 2^k, in us.
VALKEY_BUCKETS = [((1 << (10 + k)) + (1 << (k + 3)) - 1) // 1000 for k in range(41)]


def hist_by_name(reply):
    """{name: (calls, {bucket: count})} from a RESP3 map or a RESP2 flat array."""
    if isinstance(reply, dict):
        return {k: (v[b"calls"], dict(v[b"histogram_usec"])) for k, v in reply.items()}
    out = {}
    for i in range(0, len(reply), 2):
        body = reply[i + 1]
        assert body[0] == b"calls" and body[2] == b"histogram_usec"
        flat = body[3]
        out[reply[i]] = (body[1], {flat[j]: flat[j + 1] for j in range(0, len(flat), 2)})
    return out


def test_histogram(rr):
    rr.call("CONFIG", "RESETSTAT")
    for i in range(50):
        rr.call("SET", "h", i)
    reply = rr.call("LATENCY", "HISTOGRAM", "set")
    if rr.protocol == 3:
        assert type(reply) is Map
    got = hist_by_name(reply)
    assert list(got) == [b"set"]
    calls, buckets = got[b"set"]
    assert calls == 50
    keys = list(buckets)
    assert keys == sorted(keys) and set(keys) <= set(VALKEY_BUCKETS)
    counts = list(buckets.values())
    assert counts == sorted(counts) and counts[-1] == 50  # cumulative
    assert len(set(counts)) == len(counts)  # a bucket only when the count grew


def test_histogram_buckets_follow_slow_calls(rr):
    rr.call("CONFIG", "RESETSTAT")
    rr.call("DEBUG", "SLEEP", "0.02")   # ~20 ms: the 33816 us bucket
    rr.call("DEBUG", "SLEEP", "0")
    calls, buckets = hist_by_name(rr.call("LATENCY", "HISTOGRAM", "debug"))[b"debug"]
    assert calls == 2
    assert max(buckets) in (33816, 67633) and buckets[max(buckets)] == 2
    assert min(buckets.values()) == 1


def test_histogram_all_and_unknown(rr):
    rr.call("CONFIG", "RESETSTAT")
    rr.call("SET", "a", "1")
    rr.call("GET", "a")
    rr.call("CONFIG", "GET", "maxclients")
    got = hist_by_name(rr.call("LATENCY", "HISTOGRAM"))
    assert {b"set", b"get", b"config|get"} <= set(got)
    assert got[b"get"][0] == 1
    assert hist_by_name(rr.call("LATENCY", "HISTOGRAM", "nosuchcommand")) == {}
    assert hist_by_name(rr.call("LATENCY", "HISTOGRAM", "ping")) == {}
    sub = hist_by_name(rr.call("LATENCY", "HISTOGRAM", "config"))
    assert b"config|get" in sub and b"set" not in sub
    assert set(hist_by_name(rr.call("LATENCY", "HISTOGRAM", "config|get"))) == {b"config|get"}


def test_histogram_reset_and_tracking_off(mon):
    mon.call("SET", "t", "1")
    assert hist_by_name(mon.call("LATENCY", "HISTOGRAM", "set"))
    mon.call("CONFIG", "RESETSTAT")
    assert hist_by_name(mon.call("LATENCY", "HISTOGRAM", "set")) == {}
    mon.call("CONFIG", "SET", "latency-tracking", "no")
    mon.call("SET", "t", "2")
    assert hist_by_name(mon.call("LATENCY", "HISTOGRAM", "set")) == {}


def test_help(mon):
    lines = mon.call("LATENCY", "HELP")
    assert lines[0].startswith(b"LATENCY <subcommand>")
    text = b"\n".join(lines)
    for word in (b"DOCTOR", b"GRAPH", b"HISTORY", b"LATEST", b"RESET", b"HISTOGRAM", b"HELP"):
        assert word in text
