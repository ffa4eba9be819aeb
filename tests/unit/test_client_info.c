/* Unit tests for the CLIENT LIST line (node/net/client_info.c): field
 * order, flag letters and their order, address spelling (IPv4, IPv6,
 * unix socket) and the provider hook, on hand-built client structs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/dstr.h"
#include "node/base/timeutil.h"
#include "node/net/client_info.h"
#include "node/net/netio.h"

static const char *const fields[] = {
    "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
    "multi", "watch", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll",
    "omem", "tot-mem", "events", "cmd", "user", "redir", "resp", "lib-name", "lib-ver",
    "tot-net-in", "tot-net-out", "tot-cmds", NULL,
};

static void initClient(client *c) {
    memset(c, 0, sizeof(*c));
    c->id = 42;
    c->resp = 2;
    c->fd = 7;
    strcpy(c->addr, "127.0.0.1:5000");
    strcpy(c->laddr, "127.0.0.1:6379");
    c->ctime = c->lastInteraction = timeMs();
}

/* The value of field `name` in line (copied into out). */
static const char *field(const char *line, const char *name, char *out, size_t outlen) {
    char key[64];
    snprintf(key, sizeof(key), "%s=", name);
    const char *p = line;
    size_t klen = strlen(key);
    while (p) {
        if (strncmp(p, key, klen) == 0) {
            const char *v = p + klen, *end = strchr(v, ' ');
            size_t n = end ? (size_t)(end - v) : strlen(v);
            if (n >= outlen) n = outlen - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        p = strchr(p, ' ');
        if (p) p++;
    }
    return NULL;
}

static void test_field_order(void **state) {
    (void)state;
    client c;
    initClient(&c);
    dstr s = clientInfoString(dstrEmpty(), &c);
    const char *p = s;
    for (int i = 0; fields[i]; i++) {
        size_t n = strlen(fields[i]);
        assert_memory_equal(p, fields[i], n);
        assert_int_equal(p[n], '=');
        p = strchr(p, ' ');
        if (fields[i + 1]) {
            assert_non_null(p);
            p++;
        }
    }
    assert_null(p);
    char v[128];
    assert_string_equal(field(s, "id", v, sizeof(v)), "42");
    assert_string_equal(field(s, "addr", v, sizeof(v)), "127.0.0.1:5000");
    assert_string_equal(field(s, "laddr", v, sizeof(v)), "127.0.0.1:6379");
    assert_string_equal(field(s, "fd", v, sizeof(v)), "7");
    assert_string_equal(field(s, "name", v, sizeof(v)), "");
    assert_string_equal(field(s, "flags", v, sizeof(v)), "N");
    assert_string_equal(field(s, "multi", v, sizeof(v)), "-1");
    assert_string_equal(field(s, "redir", v, sizeof(v)), "-1");
    assert_string_equal(field(s, "cmd", v, sizeof(v)), "NULL");
    assert_string_equal(field(s, "user", v, sizeof(v)), "default");
    assert_string_equal(field(s, "events", v, sizeof(v)), "");
    dstrFree(s);
}

static void test_flags_in_valkey_order(void **state) {
    (void)state;
    client c;
    initClient(&c);
    char v[64];
    c.flags = CLIENT_NO_TOUCH | CLIENT_NO_EVICT | CLIENT_READONLY | CLIENT_UNIX_SOCKET |
              CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY | CLIENT_TRACKING | CLIENT_BLOCKED |
              CLIENT_MULTI | CLIENT_PUBSUB | CLIENT_PRIMARY | CLIENT_MONITOR;
    dstr s = clientInfoString(dstrEmpty(), &c);
    assert_string_equal(field(s, "flags", v, sizeof(v)), "OMPxbtcAUreT");
    dstrFree(s);
    c.flags = CLIENT_REPLICA;
    s = clientInfoString(dstrEmpty(), &c);
    assert_string_equal(field(s, "flags", v, sizeof(v)), "S");
    dstrFree(s);
    c.flags = CLIENT_PAUSED; /* a held client is a blocked client */
    s = clientInfoString(dstrEmpty(), &c);
    assert_string_equal(field(s, "flags", v, sizeof(v)), "b");
    dstrFree(s);
}

static void test_addresses(void **state) {
    (void)state;
    client c;
    initClient(&c);
    char buf[96];
    strcpy(c.addr, "::1:5000");
    strcpy(c.laddr, "fe80::2:6379");
    assert_string_equal(clientInfoPeerId(&c, buf, sizeof(buf)), "[::1]:5000");
    assert_string_equal(clientInfoSockName(&c, buf, sizeof(buf)), "[fe80::2]:6379");
    strcpy(c.addr, "[::1]:5000");
    assert_string_equal(clientInfoPeerId(&c, buf, sizeof(buf)), "[::1]:5000");
    strcpy(c.addr, "10.0.0.1:1");
    assert_string_equal(clientInfoPeerId(&c, buf, sizeof(buf)), "10.0.0.1:1");

    netSettings *ns = netGetSettings();
    char *saved = ns->unixsocket;
    ns->unixsocket = "/tmp/t.sock";
    c.flags = CLIENT_UNIX_SOCKET;
    strcpy(c.addr, ":0");
    assert_string_equal(clientInfoPeerId(&c, buf, sizeof(buf)), "/tmp/t.sock:0");
    assert_string_equal(clientInfoSockName(&c, buf, sizeof(buf)), "/tmp/t.sock:0");
    ns->unixsocket = saved;
}

static void test_strings_and_counters(void **state) {
    (void)state;
    client c;
    initClient(&c);
    char v[64];
    c.name = dstrNew("worker");
    c.libName = dstrNew("redis-py");
    c.libVer = dstrNew("4.3");
    c.user = dstrNew("alice");
    c.resp = 3;
    c.netInputBytes = 11;
    c.netOutputBytes = 22;
    c.commandsProcessed = 33;
    c.ctime = timeMs() - 5000;
    dstr args[2] = {dstrNew("client"), dstrNew("list")};
    c.argc = 2;
    c.argv = args;
    dstr s = clientInfoString(dstrEmpty(), &c);
    assert_string_equal(field(s, "name", v, sizeof(v)), "worker");
    assert_string_equal(field(s, "lib-name", v, sizeof(v)), "redis-py");
    assert_string_equal(field(s, "lib-ver", v, sizeof(v)), "4.3");
    assert_string_equal(field(s, "user", v, sizeof(v)), "alice");
    assert_string_equal(field(s, "resp", v, sizeof(v)), "3");
    assert_string_equal(field(s, "argv-mem", v, sizeof(v)), "10");
    assert_string_equal(field(s, "tot-net-in", v, sizeof(v)), "11");
    assert_string_equal(field(s, "tot-net-out", v, sizeof(v)), "22");
    assert_string_equal(field(s, "tot-cmds", v, sizeof(v)), "33");
    assert_true(atoi(field(s, "age", v, sizeof(v))) >= 4);
    dstrFree(s);
    dstrFree(args[0]);
    dstrFree(args[1]);
    dstrFree(c.name);
    dstrFree(c.libName);
    dstrFree(c.libVer);
    dstrFree(c.user);
}

static void providerA(const client *c, clientInfoExtra *x) {
    x->db = (int)c->id % 16;
    x->cmd = "get";
    x->sub = 2;
    x->multi = 3;
}

static void providerB(const client *c, clientInfoExtra *x) {
    (void)c;
    x->watch = 4;
    x->dirtyCas = 1;
    x->redir = 9;
    x->multiMem = 100;
}

/* Runs last: providers are cumulative and run for every line. */
static void test_providers(void **state) {
    (void)state;
    clientInfoAddProvider(providerA);
    clientInfoAddProvider(providerB);
    client c;
    initClient(&c);
    char v[64];
    dstr s = clientInfoString(dstrEmpty(), &c);
    assert_string_equal(field(s, "db", v, sizeof(v)), "10");
    assert_string_equal(field(s, "cmd", v, sizeof(v)), "get");
    assert_string_equal(field(s, "sub", v, sizeof(v)), "2");
    assert_string_equal(field(s, "multi", v, sizeof(v)), "3");
    assert_string_equal(field(s, "watch", v, sizeof(v)), "4");
    assert_string_equal(field(s, "multi-mem", v, sizeof(v)), "100");
    assert_string_equal(field(s, "redir", v, sizeof(v)), "9");
    assert_string_equal(field(s, "flags", v, sizeof(v)), "d");
    dstrFree(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_order),
        cmocka_unit_test(test_flags_in_valkey_order),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_strings_and_counters),
        cmocka_unit_test(test_providers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
