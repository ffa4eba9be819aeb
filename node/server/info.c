/* info.c — the INFO command and the memory accounting it shares with
 * MEMORY STATS.
 *
 * The text is built section by section from a table: each section has its
 * INFO name, its "# Title", whether "default" includes it and a generator
 * that appends its "field:value\r\n" lines.  A request is turned into a set
 * of wanted names first (INFO server clients, INFO default, INFO all...),
 * then the table is walked once in Valkey's order, so the output order
 * never depends on the order of the arguments and repeated names print
 * once.  Unknown names select nothing (INFO foo is an empty string).
 *
 * Numeric fields go through one helper that consults counters registered
 * by other modules (infoRegisterCounter), and a whole section can be taken
 * over (infoRegisterSection): the persistence, replication, pub/sub and ACL
 * modules will own their numbers without editing this file.
 *
 * Memory accounting follows Valkey's model: overhead = memory at start-up +
 * client buffers + keyspace tables (+ backlog, AOF and script caches when
 * they exist); dataset = used - overhead.  It is computed on demand (INFO
 * and MEMORY STATS are not hot paths), including the allocator's own
 * statistics, which need a jemalloc epoch refresh. */
#include "node/server/info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/timeutil.h"
#include "node/base/util.h"
#include "node/net/netio.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/latency.h"
#include "node/server/modules.h"
#include "node/server/server.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"
#include "node/store/lazyfree.h"

#define MAX_OVERRIDES 64

static size_t startupMemory;
static char replId[41];

/* --- Extension points --- */

static struct {
    char name[32];
    infoSectionFn fn;
} sectionOverrides[MAX_OVERRIDES];
static int sectionOverrideCount;

static struct {
    char field[64];
    infoCounterFn fn;
} counters[MAX_OVERRIDES];
static int counterCount;

void infoRegisterSection(const char *name, infoSectionFn fn) {
    if (sectionOverrideCount == MAX_OVERRIDES) return;
    snprintf(sectionOverrides[sectionOverrideCount].name, sizeof(sectionOverrides[0].name), "%s", name);
    sectionOverrides[sectionOverrideCount++].fn = fn;
}

void infoRegisterCounter(const char *field, infoCounterFn fn) {
    if (counterCount == MAX_OVERRIDES) return;
    snprintf(counters[counterCount].field, sizeof(counters[0].field), "%s", field);
    counters[counterCount++].fn = fn;
}

size_t infoStartupMemory(void) { return startupMemory; }

/* --- Field helpers --- */

static dstr addLL(dstr s, const char *field, long long v) {
    for (int i = 0; i < counterCount; i++)
        if (!strcmp(counters[i].field, field)) v = counters[i].fn();
    return dstrCatPrintf(s, "%s:%lld\r\n", field, v);
}

static dstr addStr(dstr s, const char *field, const char *v) {
    return dstrCatPrintf(s, "%s:%s\r\n", field, v ? v : "");
}

static dstr addDouble(dstr s, const char *field, double v) {
    return dstrCatPrintf(s, "%s:%.2f\r\n", field, v);
}

static dstr addHuman(dstr s, const char *field, unsigned long long bytes) {
    char buf[64];
    bytesToHuman(buf, sizeof(buf), bytes);
    return addStr(s, field, buf);
}

/* INFO lines are "name:value"; names built from data (error codes,
 * command names) get ':' '#' CR LF replaced so a line stays parseable. */
static dstr catSafe(dstr s, const char *name) {
    size_t start = dstrLen(s);
    s = dstrCat(s, name);
    for (size_t i = start; i < dstrLen(s); i++)
        if (s[i] == ':' || s[i] == '#' || s[i] == '\r' || s[i] == '\n') s[i] = '_';
    return s;
}

static long long configNumber(const char *name, long long fallback) {
    dstr v = configGetValue(name);
    long long n;
    if (!v || !string2ll(v, dstrLen(v), &n)) n = fallback;
    dstrFree(v);
    return n;
}

/* --- Server --- */

static dstr addListeners(dstr s) {
    netSettings *ns = netGetSettings();
    int idx = 0;
    if (ns->port) {
        s = dstrCatPrintf(s, "listener%d:name=tcp", idx++);
        if (ns->bindCount == 0) s = dstrCat(s, ",bind=*,bind=-::*");
        for (int i = 0; i < ns->bindCount; i++) s = dstrCatPrintf(s, ",bind=%s", ns->bind[i]);
        s = dstrCatPrintf(s, ",port=%d\r\n", ns->port);
    }
    if (ns->unixsocket && ns->unixsocket[0])
        s = dstrCatPrintf(s, "listener%d:name=unix,bind=%s\r\n", idx++, ns->unixsocket);
    return s;
}

static const char *absoluteExecutable(char *buf, size_t len) {
    const char *exe = serverExecutable();
    if (!exe || exe[0] == '/' || !exe[0]) return exe ? exe : "";
    char *real = realpath(exe, NULL);
    if (!real) return exe;
    snprintf(buf, len, "%s", real);
    free(real);
    return buf;
}

static dstr sectionServer(dstr s) {
    static struct utsname name;
    static int haveUname;
    char exe[4096];
    if (!haveUname) {
        uname(&name);
        haveUname = 1;
    }
    serverSettings *st = serverGetSettings();
    long long uptime = serverUptimeSeconds();
    const char *conf = configGetFilename();
    s = addStr(s, "redis_version", "7.2.4");
    s = addStr(s, "server_name", TESSERA_SERVER_NAME);
    s = addStr(s, "valkey_version", TESSERA_VERSION);
    s = addStr(s, "redis_git_sha1", "00000000");
    s = addLL(s, "redis_git_dirty", 0);
    s = addStr(s, "redis_build_id", "0");
    s = addStr(s, "redis_mode", "standalone");
    s = dstrCatPrintf(s, "os:%s %s %s\r\n", name.sysname, name.release, name.machine);
    s = addLL(s, "arch_bits", (long long)sizeof(long) * 8);
    s = addStr(s, "monotonic_clock", "POSIX clock_gettime");
    s = addStr(s, "multiplexing_api", "epoll");
    s = addStr(s, "atomicvar_api", "c11-builtin");
    s = dstrCatPrintf(s, "gcc_version:%d.%d.%d\r\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
    s = addLL(s, "process_id", (long long)getpid());
    s = addStr(s, "process_supervised", "no");
    s = addStr(s, "run_id", serverRunId());
    s = addLL(s, "tcp_port", netGetSettings()->port);
    s = addLL(s, "server_time_usec", timeUs());
    s = addLL(s, "uptime_in_seconds", uptime);
    s = addLL(s, "uptime_in_days", uptime / 86400);
    s = addLL(s, "hz", st->hz);
    s = addLL(s, "configured_hz", st->hz);
    s = addLL(s, "lru_clock", dbLruClock());
    s = addStr(s, "executable", absoluteExecutable(exe, sizeof(exe)));
    s = addStr(s, "config_file", conf ? conf : serverConfigFile());
    s = addLL(s, "io_threads_active", 0);
    if (serverIsShuttingDown()) s = addLL(s, "shutdown_in_milliseconds", 0);
    return addListeners(s);
}

/* --- Clients --- */

static long long countClientsWith(uint64_t flag) {
    long long n = 0;
    for (client *c = clientListFirst(); c; c = clientListNextOf(c))
        if (c->flags & flag) n++;
    return n;
}

static dstr sectionClients(dstr s) {
    netSettings *ns = netGetSettings();
    netStats *st = netGetStats();
    s = addLL(s, "connected_clients", (long long)clientCount() - countClientsWith(CLIENT_REPLICA));
    s = addLL(s, "cluster_connections", 0);
    s = addLL(s, "maxclients", ns->maxclients);
    s = addLL(s, "client_recent_max_input_buffer", st->maxInputBuffer);
    s = addLL(s, "client_recent_max_output_buffer", st->maxOutputBuffer);
    s = addLL(s, "blocked_clients", countClientsWith(CLIENT_BLOCKED));
    s = addLL(s, "tracking_clients", countClientsWith(CLIENT_TRACKING));
    s = addLL(s, "pubsub_clients", countClientsWith(CLIENT_PUBSUB));
    s = addLL(s, "watching_clients", 0);
    s = addLL(s, "clients_in_timeout_table", 0);
    s = addLL(s, "total_watched_keys", 0);
    s = addLL(s, "total_blocking_keys", 0);
    return addLL(s, "total_blocking_keys_on_nokey", 0);
}

/* --- Memory accounting --- */

static size_t clientMemory(const client *c) {
    size_t n = sizeof(*c) + c->bufSize + c->replyBytes;
    if (c->querybuf) n += dstrAllocSize(c->querybuf);
    return n;
}

static double ratio(double num, double den) { return den > 0 ? num / den : 0; }

static void accountClients(infoMemOverhead *mh) {
    for (client *c = clientListFirst(); c; c = clientListNextOf(c)) {
        if (c->flags & CLIENT_REPLICA)
            mh->clientsReplicas += clientMemory(c);
        else
            mh->clientsNormal += clientMemory(c);
    }
}

static void accountDatabases(infoMemOverhead *mh) {
    int n = dbCountDatabases();
    mh->db = memCalloc(sizeof(*mh->db) * (size_t)(n ? n : 1));
    for (int j = 0; j < n; j++) {
        serverDb *db = dbByIndex(j);
        mh->totalKeys += dbSize(db);
        if (hashtableIsRehashing(db->keys) || hashtableIsRehashing(db->expires)) mh->dbRehashingCount++;
        if (dbSize(db) == 0 && dbExpiresSize(db) == 0) continue;
        infoDbOverhead *d = &mh->db[mh->numDbs++];
        d->dbid = j;
        d->main = hashtableMemUsage(db->keys);
        d->expires = hashtableMemUsage(db->expires);
        mh->dbHashtableLut += d->main + d->expires;
    }
}

static void accountAllocator(infoMemOverhead *mh) {
    memAllocatorStats as;
    memGetAllocatorStats(&as);
    mh->allocatorAllocated = as.allocated;
    mh->allocatorActive = as.active;
    mh->allocatorResident = as.resident;
    mh->processRss = memProcessRss();
    mh->allocatorFrag = ratio((double)as.active, (double)as.allocated);
    mh->allocatorFragBytes = (long long)as.active - (long long)as.allocated;
    mh->allocatorRss = ratio((double)as.resident, (double)as.active);
    mh->allocatorRssBytes = (long long)as.resident - (long long)as.active;
    mh->rssExtra = ratio((double)mh->processRss, (double)as.resident);
    mh->rssExtraBytes = (long long)mh->processRss - (long long)as.resident;
    mh->totalFrag = ratio((double)mh->processRss, (double)mh->totalAllocated);
    mh->totalFragBytes = (long long)mh->processRss - (long long)mh->totalAllocated;
}

void infoMemoryOverhead(infoMemOverhead *mh) {
    memset(mh, 0, sizeof(*mh));
    serverStats *st = serverGetStats();
    mh->totalAllocated = memUsed();
    if ((long long)mh->totalAllocated > st->peakMemory) st->peakMemory = (long long)mh->totalAllocated;
    mh->peakAllocated = (size_t)st->peakMemory;
    mh->startupAllocated = startupMemory;
    accountClients(mh);
    accountDatabases(mh);
    mh->overheadTotal = mh->startupAllocated + mh->replBacklog + mh->clientsReplicas + mh->clientsNormal +
                        mh->clusterLinks + mh->aofBuffer + mh->luaCaches + mh->functionsCaches +
                        mh->dbHashtableLut + mh->dbHashtableRehashing;
    mh->dataset = mh->totalAllocated > mh->overheadTotal ? mh->totalAllocated - mh->overheadTotal : 0;
    mh->bytesPerKey = mh->totalKeys ? mh->dataset / mh->totalKeys : 0;
    size_t net = mh->totalAllocated > mh->startupAllocated ? mh->totalAllocated - mh->startupAllocated : 0;
    mh->datasetPerc = ratio((double)mh->dataset * 100, (double)net);
    mh->peakPerc = ratio((double)mh->totalAllocated * 100, (double)mh->peakAllocated);
    accountAllocator(mh);
}

void infoFreeMemoryOverhead(infoMemOverhead *mh) {
    memFree(mh->db);
    mh->db = NULL;
}

/* --- Memory --- */

static unsigned long long systemMemory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (unsigned long long)pages * (unsigned long long)size : 0;
}

static dstr addScriptingMemory(dstr s) {
    s = addLL(s, "used_memory_lua", 0);
    s = addLL(s, "used_memory_vm_eval", 0);
    s = addHuman(s, "used_memory_lua_human", 0);
    s = addLL(s, "used_memory_scripts_eval", 0);
    s = addLL(s, "number_of_cached_scripts", 0);
    s = addLL(s, "number_of_functions", 0);
    s = addLL(s, "number_of_libraries", 0);
    s = addLL(s, "used_memory_vm_functions", 0);
    s = addLL(s, "used_memory_vm_total", 0);
    s = addHuman(s, "used_memory_vm_total_human", 0);
    s = addLL(s, "used_memory_functions", 0);
    s = addLL(s, "used_memory_scripts", 0);
    return addHuman(s, "used_memory_scripts_human", 0);
}

static dstr addFragmentation(dstr s, const infoMemOverhead *mh) {
    s = addDouble(s, "allocator_frag_ratio", mh->allocatorFrag);
    s = addLL(s, "allocator_frag_bytes", mh->allocatorFragBytes);
    s = addDouble(s, "allocator_rss_ratio", mh->allocatorRss);
    s = addLL(s, "allocator_rss_bytes", mh->allocatorRssBytes);
    s = addDouble(s, "rss_overhead_ratio", mh->rssExtra);
    s = addLL(s, "rss_overhead_bytes", mh->rssExtraBytes);
    s = addDouble(s, "mem_fragmentation_ratio", mh->totalFrag);
    return addLL(s, "mem_fragmentation_bytes", mh->totalFragBytes);
}

static dstr sectionMemory(dstr s) {
    infoMemOverhead mh;
    infoMemoryOverhead(&mh);
    long long maxmemory = configNumber("maxmemory", 0);
    dstr policy = configGetValue("maxmemory-policy");
    s = addLL(s, "used_memory", (long long)mh.totalAllocated);
    s = addHuman(s, "used_memory_human", mh.totalAllocated);
    s = addLL(s, "used_memory_rss", (long long)mh.processRss);
    s = addHuman(s, "used_memory_rss_human", mh.processRss);
    s = addLL(s, "used_memory_peak", (long long)mh.peakAllocated);
    s = addHuman(s, "used_memory_peak_human", mh.peakAllocated);
    s = dstrCatPrintf(s, "used_memory_peak_perc:%.2f%%\r\n", mh.peakPerc);
    s = addLL(s, "used_memory_overhead", (long long)mh.overheadTotal);
    s = addLL(s, "used_memory_startup", (long long)mh.startupAllocated);
    s = addLL(s, "used_memory_dataset", (long long)mh.dataset);
    s = dstrCatPrintf(s, "used_memory_dataset_perc:%.2f%%\r\n", mh.datasetPerc);
    s = addLL(s, "allocator_allocated", (long long)mh.allocatorAllocated);
    s = addLL(s, "allocator_active", (long long)mh.allocatorActive);
    s = addLL(s, "allocator_resident", (long long)mh.allocatorResident);
    s = addLL(s, "allocator_muzzy", (long long)mh.allocatorMuzzy);
    s = addLL(s, "total_system_memory", (long long)systemMemory());
    s = addHuman(s, "total_system_memory_human", systemMemory());
    s = addScriptingMemory(s);
    s = addLL(s, "maxmemory", maxmemory);
    s = addHuman(s, "maxmemory_human", (unsigned long long)maxmemory);
    s = addStr(s, "maxmemory_policy", policy ? policy : "noeviction");
    s = addFragmentation(s, &mh);
    s = addLL(s, "mem_not_counted_for_evict", 0);
    s = addLL(s, "mem_replication_backlog", (long long)mh.replBacklog);
    s = addLL(s, "mem_total_replication_buffers", 0);
    s = addLL(s, "mem_clients_slaves", (long long)mh.clientsReplicas);
    s = addLL(s, "mem_clients_normal", (long long)mh.clientsNormal);
    s = addLL(s, "mem_cluster_links", (long long)mh.clusterLinks);
    s = addLL(s, "mem_aof_buffer", (long long)mh.aofBuffer);
    s = addStr(s, "mem_allocator", memAllocatorName());
    s = addLL(s, "mem_overhead_db_hashtable_rehashing", (long long)mh.dbHashtableRehashing);
    s = addLL(s, "active_defrag_running", 0);
    s = addLL(s, "lazyfree_pending_objects", lazyfreePendingObjects());
    s = addLL(s, "lazyfreed_objects", lazyfreeFreedObjects());
    dstrFree(policy);
    infoFreeMemoryOverhead(&mh);
    return s;
}

/* --- Persistence --- */

/* Sections whose fields belong to another module, which registers them
 * (persistence: node/server/persist_loading.c). */
static dstr sectionFromModule(dstr s) { return s; }

/* --- Stats --- */

static dstr addTrafficStats(dstr s) {
    serverStats *st = serverGetStats();
    netStats *ns = netGetStats();
    s = addLL(s, "total_connections_received", ns->totalConnections);
    s = addLL(s, "total_commands_processed", st->numCommands);
    s = addLL(s, "instantaneous_ops_per_sec", st->instantaneousOps);
    s = addLL(s, "total_net_input_bytes", ns->netInputBytes);
    s = addLL(s, "total_net_output_bytes", ns->netOutputBytes);
    s = addLL(s, "total_net_repl_input_bytes", 0);
    s = addLL(s, "total_net_repl_output_bytes", 0);
    s = addDouble(s, "instantaneous_input_kbps", st->instantaneousInputKbps);
    s = addDouble(s, "instantaneous_output_kbps", st->instantaneousOutputKbps);
    s = addDouble(s, "instantaneous_input_repl_kbps", 0);
    s = addDouble(s, "instantaneous_output_repl_kbps", 0);
    s = addLL(s, "rejected_connections", ns->rejectedConnections);
    s = addLL(s, "sync_full", 0);
    s = addLL(s, "sync_partial_ok", 0);
    return addLL(s, "sync_partial_err", 0);
}

static dstr addKeyspaceStats(dstr s) {
    dbStats *ds = dbGetStats();
    s = addLL(s, "expired_keys", ds->expiredKeys);
    s = addDouble(s, "expired_stale_perc", (double)ds->expiredStalePerc);
    s = addLL(s, "expired_time_cap_reached_count", ds->expiredTimeCapReached);
    s = addLL(s, "expire_cycle_cpu_milliseconds", ds->expireCycleCpuMilliseconds);
    s = addLL(s, "evicted_keys", 0);
    s = addLL(s, "evicted_clients", 0);
    s = addLL(s, "evicted_scripts", 0);
    s = addLL(s, "total_eviction_exceeded_time", 0);
    s = addLL(s, "current_eviction_exceeded_time", 0);
    s = addLL(s, "keyspace_hits", ds->keyspaceHits);
    s = addLL(s, "keyspace_misses", ds->keyspaceMisses);
    s = addLL(s, "pubsub_channels", 0);
    s = addLL(s, "pubsub_patterns", 0);
    s = addLL(s, "pubsubshard_channels", 0);
    s = addLL(s, "latest_fork_usec", 0);
    s = addLL(s, "total_forks", 0);
    s = addLL(s, "migrate_cached_sockets", 0);
    s = addLL(s, "slave_expires_tracked_keys", 0);
    s = addLL(s, "active_defrag_hits", 0);
    s = addLL(s, "active_defrag_misses", 0);
    s = addLL(s, "active_defrag_key_hits", 0);
    s = addLL(s, "active_defrag_key_misses", 0);
    s = addLL(s, "total_active_defrag_time", 0);
    s = addLL(s, "current_active_defrag_time", 0);
    s = addLL(s, "tracking_total_keys", 0);
    s = addLL(s, "tracking_total_items", 0);
    return addLL(s, "tracking_total_prefixes", 0);
}

static dstr addProcessingStats(dstr s) {
    serverStats *st = serverGetStats();
    netStats *ns = netGetStats();
    s = addLL(s, "unexpected_error_replies", st->unexpectedErrorReplies);
    s = addLL(s, "total_error_replies", st->totalErrorReplies);
    s = addLL(s, "dump_payload_sanitizations", 0);
    s = addLL(s, "total_reads_processed", 0);
    s = addLL(s, "total_writes_processed", 0);
    s = addLL(s, "io_threaded_reads_processed", st->ioReadsProcessed);
    s = addLL(s, "io_threaded_writes_processed", st->ioWritesProcessed);
    s = addLL(s, "client_query_buffer_limit_disconnections", ns->clientQbufLimitDisconnections);
    s = addLL(s, "client_output_buffer_limit_disconnections", ns->clientObufLimitDisconnections);
    s = addLL(s, "reply_buffer_shrinks", 0);
    s = addLL(s, "reply_buffer_expands", 0);
    s = addLL(s, "eventloop_cycles", 0);
    s = addLL(s, "eventloop_duration_sum", 0);
    s = addLL(s, "eventloop_duration_cmd_sum", 0);
    s = addLL(s, "instantaneous_eventloop_cycles_per_sec", 0);
    s = addLL(s, "instantaneous_eventloop_duration_usec", 0);
    s = addLL(s, "acl_access_denied_auth", 0);
    s = addLL(s, "acl_access_denied_cmd", 0);
    s = addLL(s, "acl_access_denied_key", 0);
    return addLL(s, "acl_access_denied_channel", 0);
}

static dstr sectionStats(dstr s) {
    s = addTrafficStats(s);
    s = addKeyspaceStats(s);
    return addProcessingStats(s);
}

/* --- Replication, CPU, cluster --- */

static dstr sectionReplication(dstr s) {
    s = addStr(s, "role", "master");
    s = addLL(s, "connected_slaves", 0);
    s = addStr(s, "master_failover_state", "no-failover");
    s = addStr(s, "master_replid", replId);
    s = addStr(s, "master_replid2", "0000000000000000000000000000000000000000");
    s = addLL(s, "master_repl_offset", 0);
    s = addLL(s, "second_repl_offset", -1);
    s = addLL(s, "repl_backlog_active", 0);
    s = addLL(s, "repl_backlog_size", configNumber("repl-backlog-size", 1048576));
    s = addLL(s, "repl_backlog_first_byte_offset", 0);
    return addLL(s, "repl_backlog_histlen", 0);
}

static dstr addRusage(dstr s, const char *sys, const char *user, const struct rusage *ru) {
    s = dstrCatPrintf(s, "%s:%ld.%06ld\r\n", sys, (long)ru->ru_stime.tv_sec, (long)ru->ru_stime.tv_usec);
    return dstrCatPrintf(s, "%s:%ld.%06ld\r\n", user, (long)ru->ru_utime.tv_sec, (long)ru->ru_utime.tv_usec);
}

static dstr sectionCpu(dstr s) {
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    s = addRusage(s, "used_cpu_sys", "used_cpu_user", &self);
    s = addRusage(s, "used_cpu_sys_children", "used_cpu_user_children", &children);
#ifdef RUSAGE_THREAD
    getrusage(RUSAGE_THREAD, &thread);
    s = addRusage(s, "used_cpu_sys_main_thread", "used_cpu_user_main_thread", &thread);
#else
    (void)thread;
#endif
    return s;
}

static dstr sectionModules(dstr s) { return s; }

static dstr sectionCluster(dstr s) { return addLL(s, "cluster_enabled", 0); }

/* --- Commandstats, errorstats, latencystats --- */

static dstr commandStatLine(dstr s, const serverCommand *cmd) {
    if (!cmd->calls && !cmd->failedCalls && !cmd->rejectedCalls) return s;
    s = catSafe(dstrCat(s, "cmdstat_"), cmd->fullname);
    return dstrCatPrintf(s, ":calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,failed_calls=%lld\r\n",
                         cmd->calls, cmd->microseconds,
                         cmd->calls ? (double)cmd->microseconds / (double)cmd->calls : 0.0,
                         cmd->rejectedCalls, cmd->failedCalls);
}

static void visitCommandStats(serverCommand *cmd, void *privdata) {
    dstr *s = privdata;
    *s = commandStatLine(*s, cmd);
    for (serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) *s = commandStatLine(*s, sub);
}

static dstr sectionCommandstats(dstr s) {
    commandForEach(visitCommandStats, &s);
    return s;
}

typedef struct errorStat {
    const char *code;
    long long count;
} errorStat;

static int compareErrorStats(const void *a, const void *b) {
    return strcmp(((const errorStat *)a)->code, ((const errorStat *)b)->code);
}

static dstr sectionErrorstats(dstr s) {
    int n = 0;
    const char *code;
    while (serverErrorStat(n, &code) >= 0) n++;
    if (!n) return s;
    errorStat *all = memAlloc(sizeof(*all) * (size_t)n);
    for (int i = 0; i < n; i++) all[i].count = serverErrorStat(i, &all[i].code);
    qsort(all, (size_t)n, sizeof(*all), compareErrorStats);
    for (int i = 0; i < n; i++) {
        s = catSafe(dstrCat(s, "errorstat_"), all[i].code);
        s = dstrCatPrintf(s, ":count=%lld\r\n", all[i].count);
    }
    memFree(all);
    return s;
}

typedef struct percentileList {
    double p[16];
    int n;
} percentileList;

static void parsePercentiles(percentileList *pl) {
    pl->n = 0;
    dstr v = configGetValue("latency-tracking-info-percentiles");
    int argc = 0;
    dstr *argv = v ? dstrSplitArgs(v, &argc) : NULL;
    for (int i = 0; argv && i < argc && pl->n < 16; i++) {
        double d;
        if (string2d(argv[i], dstrLen(argv[i]), &d)) pl->p[pl->n++] = d;
    }
    if (argv) dstrFreeSplit(argv, argc);
    if (!v) {
        pl->p[0] = 50, pl->p[1] = 99, pl->p[2] = 99.9;
        pl->n = 3;
    }
    dstrFree(v);
}

static dstr latencyStatLine(dstr s, const serverCommand *cmd, const percentileList *pl) {
    if (!latencyHistogramCalls(cmd)) return s;
    s = catSafe(dstrCat(s, "latency_percentiles_usec_"), cmd->fullname);
    s = dstrCat(s, ":");
    for (int i = 0; i < pl->n; i++) {
        char pct[64];
        d2string(pct, sizeof(pct), pl->p[i]);
        s = dstrCatPrintf(s, "%sp%s=%.3f", i ? "," : "", pct, latencyHistogramPercentile(cmd, pl->p[i]));
    }
    return dstrCat(s, "\r\n");
}

typedef struct latencyVisit {
    dstr s;
    percentileList pl;
} latencyVisit;

static void visitLatencyStats(serverCommand *cmd, void *privdata) {
    latencyVisit *v = privdata;
    v->s = latencyStatLine(v->s, cmd, &v->pl);
    for (serverCommand *sub = cmd->subcommands; sub && sub->name; sub++)
        v->s = latencyStatLine(v->s, sub, &v->pl);
}

static dstr sectionLatencystats(dstr s) {
    if (!serverGetSettings()->latencyTracking) return s;
    latencyVisit v = {.s = s};
    parsePercentiles(&v.pl);
    commandForEach(visitLatencyStats, &v);
    return v.s;
}

/* --- Keyspace --- */

static dstr sectionKeyspace(dstr s) {
    for (int j = 0; j < dbCountDatabases(); j++) {
        serverDb *db = dbByIndex(j);
        long long keys = (long long)dbSize(db), expires = (long long)dbExpiresSize(db);
        if (keys || expires)
            s = dstrCatPrintf(s, "db%d:keys=%lld,expires=%lld,avg_ttl=%lld\r\n", j, keys, expires, db->avgTtl);
    }
    return s;
}

/* --- Section selection --- */

typedef struct infoSection {
    const char *name;
    const char *title;
    int isDefault;
    infoSectionFn fn;
} infoSection;

static const infoSection sections[] = {
    {"server", "Server", 1, sectionServer},
    {"clients", "Clients", 1, sectionClients},
    {"memory", "Memory", 1, sectionMemory},
    {"persistence", "Persistence", 1, sectionFromModule},
    {"stats", "Stats", 1, sectionStats},
    {"replication", "Replication", 1, sectionReplication},
    {"cpu", "CPU", 1, sectionCpu},
    {"modules", "Modules", 1, sectionModules},
    {"commandstats", "Commandstats", 0, sectionCommandstats},
    {"errorstats", "Errorstats", 1, sectionErrorstats},
    {"latencystats", "Latencystats", 0, sectionLatencystats},
    {"cluster", "Cluster", 1, sectionCluster},
    {"keyspace", "Keyspace", 1, sectionKeyspace},
};
#define SECTION_COUNT ((int)(sizeof(sections) / sizeof(sections[0])))

static infoSectionFn sectionGenerator(const infoSection *sec) {
    for (int i = 0; i < sectionOverrideCount; i++)
        if (!strcmp(sectionOverrides[i].name, sec->name)) return sectionOverrides[i].fn;
    return sec->fn;
}

/* Marks wanted[i] for every section the arguments select. */
static void selectSections(int argc, dstr *argv, char *wanted) {
    memset(wanted, 0, SECTION_COUNT);
    if (argc == 0) {
        for (int i = 0; i < SECTION_COUNT; i++) wanted[i] = (char)sections[i].isDefault;
        return;
    }
    for (int a = 0; a < argc; a++) {
        const char *arg = argv[a];
        int all = !strcasecmp(arg, "all") || !strcasecmp(arg, "everything");
        int dflt = !strcasecmp(arg, "default");
        for (int i = 0; i < SECTION_COUNT; i++) {
            if (all || (dflt && sections[i].isDefault) || !strcasecmp(arg, sections[i].name) ||
                (!strcasecmp(arg, "module_list") && !strcmp(sections[i].name, "modules")))
                wanted[i] = 1;
        }
    }
}

dstr infoGenerate(dstr s, int argc, dstr *argv) {
    char wanted[SECTION_COUNT];
    int printed = 0;
    selectSections(argc, argv, wanted);
    for (int i = 0; i < SECTION_COUNT; i++) {
        if (!wanted[i]) continue;
        if (printed++) s = dstrCat(s, "\r\n");
        s = dstrCatPrintf(s, "# %s\r\n", sections[i].title);
        s = sectionGenerator(&sections[i])(s);
    }
    return s;
}

/* --- INFO and CONFIG RESETSTAT --- */

static void infoCommand(client *c) {
    dstr s = infoGenerate(dstrEmpty(), c->argc - 1, c->argv + 1);
    replyVerbatim(c, s, dstrLen(s), "txt");
    dstrFree(s);
}

static void resetCommandCounters(serverCommand *cmd) {
    cmd->calls = cmd->failedCalls = cmd->rejectedCalls = cmd->microseconds = 0;
}

static void visitResetCommand(serverCommand *cmd, void *privdata) {
    (void)privdata;
    resetCommandCounters(cmd);
    for (serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) resetCommandCounters(sub);
}

/* Registered with serverRegisterResetStats: what CONFIG RESETSTAT clears
 * beyond serverStats (which server.c resets itself). */
static void infoResetStats(void) {
    commandForEach(visitResetCommand, NULL);
    latencyResetHistograms();
    netStats *ns = netGetStats();
    ns->totalConnections = ns->rejectedConnections = 0;
    ns->netInputBytes = ns->netOutputBytes = 0;
    ns->clientQbufLimitDisconnections = ns->clientObufLimitDisconnections = 0;
    memset(dbGetStats(), 0, sizeof(dbStats));
    serverGetStats()->peakMemory = (long long)memUsed();
}

void infoCmdsInit(void) {
    startupMemory = memUsed();
    randHex(replId, 40);
    replId[40] = '\0';
    serverRegisterResetStats(infoResetStats);
    if (!configResetStatHook) configResetStatHook = serverResetStats;
    commandBind((const commandBinding[]){{"info", infoCommand}, {NULL, NULL}});
}
