"""INFO: sections and their selection (default, all, everything, several
names, unknown names, case), Valkey 8's field names and order, values that
are sane and move (commands, keyspace, memory, errors, command stats,
latency percentiles) and CONFIG RESETSTAT clearing them.  Runs against
tessera and, for everything that is not Valkey-specific, redis-server 7."""

import os
import re
import time

import pytest

from helpers import RespError, Verbatim, wait_until

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                    "Modules", "Errorstats", "Cluster", "Keyspace"]


def info_text(c, *sections):
    reply = c.call("INFO", *sections)
    assert isinstance(reply, bytes)
    return reply.decode()


def section_titles(text):
    return [line[2:] for line in text.split("\r\n") if line.startswith("# ")]


def parse(text):
    """field -> value (str) for every field line."""
    fields = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            name, _, value = line.partition(":")
            fields[name] = value
    return fields


def field_names(text):
    return [line.partition(":")[0] for line in text.split("\r\n") if line and not line.startswith("#")]


def assert_in_order(names, expected):
    """Every expected field is present, in this relative order."""
    positions = []
    for name in expected:
        assert name in names, "missing field %s" % name
        positions.append(names.index(name))
    assert positions == sorted(positions), "fields out of order: %r" % expected


def sub_fields(value):
    """'calls=1,usec=2' -> {'calls': '1', 'usec': '2'}"""
    return dict(part.split("=", 1) for part in value.split(","))


# ---------------------------------------------------------------- selection

def test_default_sections(rr):
    text = info_text(rr)
    assert section_titles(text) == DEFAULT_SECTIONS
    assert section_titles(info_text(rr, "default")) == DEFAULT_SECTIONS
    assert "\r\n\r\n# Clients\r\n" in text  # sections separated by one blank line
    assert not text.endswith("\r\n\r\n")


def test_all_and_everything(rr):
    for arg in ("all", "everything", "ALL"):
        titles = section_titles(info_text(rr, arg))
        for title in DEFAULT_SECTIONS + ["Commandstats", "Latencystats"]:
            assert title in titles
        assert titles.index("Commandstats") < titles.index("Errorstats") < titles.index("Latencystats")


def test_several_sections_in_server_order(rr):
    text = info_text(rr, "keyspace", "SERVER", "server", "cpu")
    assert section_titles(text) == ["Server", "CPU", "Keyspace"]
    assert section_titles(info_text(rr, "default", "commandstats")) == \
        DEFAULT_SECTIONS[:8] + ["Commandstats"] + DEFAULT_SECTIONS[8:]


def test_unknown_section_is_empty(rr):
    assert rr.call("INFO", "nosuchsection") == b""
    assert section_titles(info_text(rr, "nosuchsection", "cluster")) == ["Cluster"]


def test_reply_types(shared_server):
    with shared_server.resp(protocol=3) as c3:
        reply = c3.call("INFO", "server")
        assert type(reply) is Verbatim and reply.format == b"txt"
        assert reply.startswith(b"# Server\r\n")
    with shared_server.resp(protocol=2) as c2:
        reply = c2.call("INFO", "server")
        assert type(reply) is bytes and c2.last_raw.startswith(b"$")


# ---------------------------------------------------------------- fields

def test_server_section(shared_server, rr):
    text = info_text(rr, "server")
    f = parse(text)
    names = field_names(text)
    assert_in_order(names, ["redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id",
                            "redis_mode", "os", "arch_bits", "monotonic_clock", "multiplexing_api",
                            "atomicvar_api", "gcc_version", "process_id", "process_supervised",
                            "run_id", "tcp_port", "server_time_usec", "uptime_in_seconds",
                            "uptime_in_days", "hz", "configured_hz", "lru_clock", "executable",
                            "config_file", "io_threads_active"])
    if not shared_server.is_redis:
        assert_in_order(names, ["redis_version", "server_name", "valkey_version", "redis_git_sha1"])
        assert f["redis_version"] == "7.2.4"
        assert f["valkey_version"] == "8.0.2"
        assert f["server_name"] == "valkey"
        assert f["listener0"] == "name=tcp,bind=127.0.0.1,port=%d" % shared_server.port
    assert f["redis_mode"] == "standalone"
    assert f["multiplexing_api"] == "epoll"
    assert f["arch_bits"] == "64"
    assert int(f["process_id"]) == shared_server.pid
    assert int(f["tcp_port"]) == shared_server.port
    assert re.fullmatch(r"[0-9a-f]{40}", f["run_id"])
    assert abs(int(f["server_time_usec"]) / 1e6 - time.time()) < 5
    assert int(f["uptime_in_seconds"]) >= 0 and f["uptime_in_days"] == "0"
    assert os.path.isabs(f["executable"])
    assert int(f["hz"]) >= 1 and int(f["lru_clock"]) > 0


def test_run_id_is_stable(rr):
    assert parse(info_text(rr, "server"))["run_id"] == parse(info_text(rr, "server"))["run_id"]


def test_clients_section(shared_server, rr):
    names = field_names(info_text(rr, "clients"))
    assert_in_order(names, ["connected_clients", "cluster_connections", "maxclients",
                            "client_recent_max_input_buffer", "client_recent_max_output_buffer",
                            "blocked_clients", "tracking_clients", "clients_in_timeout_table"])
    before = int(parse(info_text(rr, "clients"))["connected_clients"])
    extra = [shared_server.raw() for _ in range(3)]
    try:
        for c in extra:
            assert c.call("PING") == b"PONG"
        f = parse(info_text(rr, "clients"))
        assert int(f["connected_clients"]) == before + 3
        assert f["maxclients"] == "10000"
        assert f["blocked_clients"] == "0"
    finally:
        for c in extra:
            c.close()


def test_memory_section(shared_server, rr):
    text = info_text(rr, "memory")
    f = parse(text)
    assert_in_order(field_names(text), [
        "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
        "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead",
        "used_memory_startup", "used_memory_dataset", "used_memory_dataset_perc",
        "allocator_allocated", "allocator_active", "allocator_resident", "total_system_memory",
        "total_system_memory_human", "used_memory_lua", "maxmemory", "maxmemory_human",
        "maxmemory_policy", "allocator_frag_ratio", "mem_fragmentation_ratio",
        "mem_fragmentation_bytes", "mem_not_counted_for_evict", "mem_clients_normal", "mem_allocator",
        "lazyfree_pending_objects", "lazyfreed_objects"])
    assert int(f["used_memory"]) > 0 and int(f["used_memory_rss"]) > 0
    assert int(f["used_memory_peak"]) >= int(f["used_memory"]) * 0.5
    assert re.fullmatch(r"\d+(\.\d\d[KMGTP])?B?", f["used_memory_human"])
    assert re.fullmatch(r"\d+\.\d\d%", f["used_memory_peak_perc"])
    assert f["maxmemory"] == "0" and f["maxmemory_human"] == "0B"
    assert f["maxmemory_policy"] == "noeviction"
    assert float(f["mem_fragmentation_ratio"]) > 0
    assert f["mem_allocator"].startswith(("jemalloc", "libc"))
    assert int(f["total_system_memory"]) > int(f["used_memory"])
    assert int(f["used_memory_overhead"]) >= int(f["used_memory_startup"])


def settled_memory(c):
    """used_memory once the lazy-free thread has freed what FLUSHALL gave it."""
    wait_until(lambda: parse(info_text(c, "memory")).get("lazyfree_pending_objects", "0") == "0",
               message="lazyfree idle")
    return int(parse(info_text(c, "memory"))["used_memory"])


def test_used_memory_grows_with_data(rr):
    before = settled_memory(rr)
    assert rr.call("DEBUG", "POPULATE", 20000, "mem", 100) == b"OK"
    f = parse(info_text(rr, "memory"))
    assert int(f["used_memory"]) > before + 20000 * 100
    assert int(f["used_memory_dataset"]) > 20000 * 100
    assert int(f["used_memory_peak"]) >= int(f["used_memory"])
    # Free inline: a shutdown racing the lazy-free thread is reported as a leak.
    rr.call("FLUSHALL", "SYNC")


def test_persistence_section(shared_server, rr):
    text = info_text(rr, "persistence")
    f = parse(text)
    assert_in_order(field_names(text), [
        "loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age",
        "current_fork_perc", "current_save_keys_processed", "current_save_keys_total",
        "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time",
        "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec",
        "rdb_saves", "rdb_last_cow_size", "aof_enabled", "aof_rewrite_in_progress",
        "aof_rewrite_scheduled", "aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec",
        "aof_last_bgrewrite_status", "aof_rewrites", "aof_last_write_status", "aof_last_cow_size",
        "module_fork_in_progress", "module_fork_last_cow_size"])
    assert f["loading"] == "0" and f["aof_enabled"] == "0" and f["rdb_bgsave_in_progress"] == "0"
    assert f["rdb_last_bgsave_status"] == "ok"
    assert abs(int(f["rdb_last_save_time"]) - time.time()) < 3600
    assert int(f["rdb_last_save_time"]) == rr.call("LASTSAVE")
    dirty = int(f["rdb_changes_since_last_save"])
    rr.call("SET", "dirty1", "x")
    rr.call("SET", "dirty2", "x")
    assert int(parse(info_text(rr, "persistence"))["rdb_changes_since_last_save"]) == dirty + 2


def test_stats_section(shared_server, rr):
    text = info_text(rr, "stats")
    assert_in_order(field_names(text), [
        "total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
        "total_net_input_bytes", "total_net_output_bytes", "instantaneous_input_kbps",
        "instantaneous_output_kbps", "rejected_connections", "sync_full", "expired_keys",
        "expired_stale_perc", "expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds",
        "evicted_keys", "keyspace_hits", "keyspace_misses", "pubsub_channels", "pubsub_patterns",
        "latest_fork_usec", "total_forks", "unexpected_error_replies", "total_error_replies",
        "total_reads_processed", "total_writes_processed"])
    f1 = parse(text)
    for _ in range(5):
        rr.call("PING")
    f2 = parse(info_text(rr, "stats"))
    assert int(f2["total_commands_processed"]) >= int(f1["total_commands_processed"]) + 6
    assert int(f2["total_net_input_bytes"]) > int(f1["total_net_input_bytes"])
    assert int(f2["total_net_output_bytes"]) > int(f1["total_net_output_bytes"])
    assert re.fullmatch(r"\d+\.\d\d", f2["instantaneous_input_kbps"])


def test_keyspace_hits_and_misses(rr):
    f1 = parse(info_text(rr, "stats"))
    rr.call("SET", "hit", "1")
    rr.call("GET", "hit")
    rr.call("GET", "hit")
    rr.call("GET", "miss")
    f2 = parse(info_text(rr, "stats"))
    assert int(f2["keyspace_hits"]) == int(f1["keyspace_hits"]) + 2
    assert int(f2["keyspace_misses"]) == int(f1["keyspace_misses"]) + 1


def test_connections_counted(shared_server, rr):
    before = int(parse(info_text(rr, "stats"))["total_connections_received"])
    for _ in range(3):
        with shared_server.raw() as c:
            c.call("PING")
    assert int(parse(info_text(rr, "stats"))["total_connections_received"]) == before + 3


def test_replication_section(rr):
    text = info_text(rr, "replication")
    f = parse(text)
    assert_in_order(field_names(text), ["role", "connected_slaves", "master_failover_state",
                                        "master_replid", "master_replid2", "master_repl_offset",
                                        "second_repl_offset", "repl_backlog_active",
                                        "repl_backlog_size", "repl_backlog_first_byte_offset",
                                        "repl_backlog_histlen"])
    assert f["role"] == "master" and f["connected_slaves"] == "0"
    assert f["master_failover_state"] == "no-failover"
    assert re.fullmatch(r"[0-9a-f]{40}", f["master_replid"])
    assert f["master_replid2"] == "0" * 40
    assert f["second_repl_offset"] == "-1"
    assert f["repl_backlog_size"] == "1048576"


def test_cpu_modules_cluster_sections(rr):
    f = parse(info_text(rr, "cpu"))
    for name in ("used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children",
                 "used_cpu_sys_main_thread", "used_cpu_user_main_thread"):
        assert re.fullmatch(r"\d+\.\d{6}", f[name]), name
    assert rr.call("INFO", "modules") == b"# Modules\r\n"
    assert parse(info_text(rr, "cluster")) == {"cluster_enabled": "0"}


def test_keyspace_section(rr):
    assert info_text(rr, "keyspace") == "# Keyspace\r\n"
    rr.call("SET", "a", "1")
    rr.call("SET", "b", "2", "EX", "100")
    rr.call("SELECT", "3")
    rr.call("SET", "c", "3")
    rr.call("SELECT", "0")
    f = parse(info_text(rr, "keyspace"))
    assert set(f) == {"db0", "db3"}
    db0 = sub_fields(f["db0"])
    assert list(db0) == ["keys", "expires", "avg_ttl"]
    assert db0["keys"] == "2" and db0["expires"] == "1"
    assert sub_fields(f["db3"])["keys"] == "1"
    rr.call("SELECT", "3")
    rr.call("FLUSHDB")
    rr.call("SELECT", "0")


# ---------------------------------------------------------------- commandstats / errorstats

def test_commandstats(rr):
    rr.call("CONFIG", "RESETSTAT")
    for i in range(3):
        rr.call("SET", "cs", i)
    rr.call("GET", "cs")
    rr.call("CONFIG", "GET", "maxclients")
    with pytest.raises(RespError):
        rr.call("GET")  # arity: rejected
    rr.call("SET", "nonint", "abc")
    with pytest.raises(RespError):
        rr.call("INCR", "nonint")  # failed
    f = parse(info_text(rr, "commandstats"))
    st = sub_fields(f["cmdstat_set"])
    assert list(st) == ["calls", "usec", "usec_per_call", "rejected_calls", "failed_calls"]
    assert st["calls"] == "4" and st["rejected_calls"] == "0" and st["failed_calls"] == "0"
    assert abs(float(st["usec_per_call"]) - int(st["usec"]) / 4) < 0.01
    get = sub_fields(f["cmdstat_get"])
    assert get["calls"] == "1" and get["rejected_calls"] == "1"
    assert sub_fields(f["cmdstat_incr"])["failed_calls"] == "1"
    assert sub_fields(f["cmdstat_config|get"])["calls"] == "1"
    assert "cmdstat_ping" not in f


def test_errorstats(rr):
    rr.call("CONFIG", "RESETSTAT")
    assert info_text(rr, "errorstats") == "# Errorstats\r\n"
    for _ in range(2):
        with pytest.raises(RespError):
            rr.call("NOSUCHCOMMAND")
    rr.call("SET", "e", "x")
    with pytest.raises(RespError):
        rr.call("INCR", "e")
    f = parse(info_text(rr, "errorstats"))
    assert f == {"errorstat_ERR": "count=3"}
    assert parse(info_text(rr, "stats"))["total_error_replies"] == "3"


def test_errorstats_sorted_by_code(start_server):
    srv = start_server()
    with srv.raw() as admin:
        assert admin.call("CONFIG", "SET", "requirepass", "pw") == b"OK"
    with srv.raw() as c:
        with pytest.raises(RespError):
            c.call("GET", "x")  # NOAUTH
        with pytest.raises(RespError):
            c.call("AUTH", "wrong")  # WRONGPASS
        assert c.call("AUTH", "pw") == b"OK"
        with pytest.raises(RespError):
            c.call("NOSUCHCOMMAND")  # ERR
        text = info_text(c, "errorstats")
    assert field_names(text) == ["errorstat_ERR", "errorstat_NOAUTH", "errorstat_WRONGPASS"]


def test_resetstat_clears_counters(shared_server, rr):
    rr.call("SET", "r", "1")
    rr.call("GET", "r")
    rr.call("GET", "nokey")
    with pytest.raises(RespError):
        rr.call("NOSUCHCOMMAND")
    assert rr.call("CONFIG", "RESETSTAT") == b"OK"
    text = info_text(rr, "everything")
    f = parse(text)
    assert int(f["total_commands_processed"]) <= 1
    assert f["keyspace_hits"] == "0" and f["keyspace_misses"] == "0"
    assert f["total_error_replies"] == "0"
    assert f["total_connections_received"] == "0"
    assert int(f["total_net_input_bytes"]) < 200
    assert not any(name.startswith("errorstat_") for name in f)
    assert "cmdstat_set" not in f and "cmdstat_get" not in f
    assert "latency_percentiles_usec_set" not in f


def test_latencystats(shared_server, rr):
    rr.call("CONFIG", "RESETSTAT")
    for i in range(20):
        rr.call("SET", "lat", i)
    f = parse(info_text(rr, "latencystats"))
    value = f["latency_percentiles_usec_set"]
    parts = sub_fields(value)
    assert list(parts) == ["p50", "p99", "p99.9"]
    p50, p99, p999 = (float(parts[k]) for k in ("p50", "p99", "p99.9"))
    assert 0 < p50 <= p99 <= p999 < 1e6
    assert re.fullmatch(r"\d+\.\d{3}", parts["p50"])
    assert "latency_percentiles_usec_get" not in f
    assert section_titles(info_text(rr, "latencystats")) == ["Latencystats"]
