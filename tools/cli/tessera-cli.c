/* tessera-cli.c — a plain command-line client: one-shot (`tessera-cli -p
 * 7000 GET k`) or interactive, printing replies the way redis-cli does
 * (`"value"`, `(integer) 1`, `(nil)`, numbered aggregates) on a terminal
 * and raw values when the output is a pipe or --raw is given.
 *
 * It links only node/base and the RESP codec (DESIGN.md: tools never link
 * the server).  Issue 7 grows it into the full client and cluster
 * administrator; this file keeps the connection and printing core. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "node/base/dstr.h"
#include "node/base/util.h"
#include "node/base/mem.h"
#include "node/net/resp.h"

typedef struct cliOptions {
    const char *host;
    int port;
    const char *socket;
    const char *password;
    const char *user;
    int db;
    int resp3;
    int raw;
    int argc;
    char **argv;
} cliOptions;

typedef struct cliConn {
    int fd;
    respReader *reader;
} cliConn;

static int connectTcp(const char *host, int port) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *p;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &res) != 0) return -1;
    int fd = -1;
    for (p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (fd == -1) continue;
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd != -1) {
        int yes = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    }
    return fd;
}

static int connectUnix(const char *path) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) return -1;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd == -1) return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
        close(fd);
        return -1;
    }
    return fd;
}


/* Sends one command and reads its reply; NULL on a connection error. */
static respValue *cliCall(cliConn *conn, int argc, const char **argv) {
    size_t *lens = memAlloc(sizeof(size_t) * (size_t)(argc ? argc : 1));
    for (int i = 0; i < argc; i++) lens[i] = strlen(argv[i]);
    dstr cmd = respEncodeCommand(dstrEmpty(), argc, argv, lens);
    memFree(lens);
    int rc = writeAll(conn->fd, cmd, dstrLen(cmd));
    dstrFree(cmd);
    if (rc == -1) return NULL;
    for (;;) {
        respValue *v;
        int got = respReaderGet(conn->reader, &v);
        if (got == 1) return v;
        if (got == -1) {
            fprintf(stderr, "Protocol error: %s\n", respReaderError(conn->reader));
            return NULL;
        }
        char buf[16384];
        ssize_t n = read(conn->fd, buf, sizeof(buf));
        if (n <= 0) return NULL;
        respReaderFeed(conn->reader, buf, (size_t)n);
    }
}

/* --- Printing --- */

/* Formats a reply the way redis-cli does on a terminal: quoted strings,
 * typed scalars, and numbered aggregates whose index shows the type
 * (")" array, "~" set, "#" map with "key => value").  indent is the column
 * nested lines start at. */
static dstr formatTty(dstr out, const respValue *v, int indent) {
    switch (v->type) {
    case RESP_T_STRING: out = dstrCatRepr(out, v->str, v->len); return dstrCat(out, "\n");
    case RESP_T_VERB: out = dstrCatLen(out, v->str, v->len); return dstrCat(out, "\n");
    case RESP_T_STATUS:
    case RESP_T_BIGNUM: out = dstrCatLen(out, v->str, v->len); return dstrCat(out, "\n");
    case RESP_T_ERROR:
    case RESP_T_BLOBERROR: return dstrCatPrintf(out, "(error) %.*s\n", (int)v->len, v->str);
    case RESP_T_INTEGER: return dstrCatPrintf(out, "(integer) %lld\n", v->integer);
    case RESP_T_DOUBLE: return dstrCatPrintf(out, "(double) %s\n", v->str);
    case RESP_T_BOOL: return dstrCatPrintf(out, "(%s)\n", v->integer ? "true" : "false");
    case RESP_T_NIL: return dstrCat(out, "(nil)\n");
    default: break;
    }
    int isMap = v->type == RESP_T_MAP || v->type == RESP_T_ATTR;
    char mark = isMap ? '#' : (v->type == RESP_T_SET ? '~' : ')');
    size_t count = isMap ? v->elements / 2 : v->elements;
    if (count == 0)
        return dstrCat(out, isMap ? "(empty hash)\n" : (v->type == RESP_T_SET ? "(empty set)\n" : "(empty array)\n"));
    int width = snprintf(NULL, 0, "%zu", count);
    for (size_t i = 0; i < count; i++) {
        if (i) out = dstrCatPrintf(out, "%*s", indent, "");
        out = dstrCatPrintf(out, "%*zu%c ", width, i + 1, mark);
        int child = indent + width + 2;
        if (isMap) {
            size_t before = dstrLen(out);
            out = formatTty(out, v->element[2 * i], child);
            if (dstrLen(out) > before && out[dstrLen(out) - 1] == '\n') dstrSetLen(out, dstrLen(out) - 1);
            out = dstrCat(out, " => ");
            out = formatTty(out, v->element[2 * i + 1], child + 4);
        } else {
            out = formatTty(out, v->element[i], child);
        }
    }
    return out;
}

/* --raw: values only, one per line; a map entry is "key value"... as
 * redis-cli, keys and values each on their own line. */
static dstr formatRaw(dstr out, const respValue *v) {
    switch (v->type) {
    case RESP_T_STRING:
    case RESP_T_VERB:
    case RESP_T_STATUS:
    case RESP_T_BIGNUM:
    case RESP_T_ERROR:
    case RESP_T_BLOBERROR:
    case RESP_T_DOUBLE: return dstrCat(dstrCatLen(out, v->str, v->len), "\n");
    case RESP_T_INTEGER: return dstrCatPrintf(out, "%lld\n", v->integer);
    case RESP_T_BOOL: return dstrCatPrintf(out, "%s\n", v->integer ? "(true)" : "(false)");
    case RESP_T_NIL: return dstrCat(out, "\n");
    default:
        for (size_t i = 0; i < v->elements; i++) out = formatRaw(out, v->element[i]);
        return out;
    }
}

static void printValue(FILE *out, const respValue *v, int raw) {
    dstr s = raw ? formatRaw(dstrEmpty(), v) : formatTty(dstrEmpty(), v, 0);
    fwrite(s, 1, dstrLen(s), out);
    dstrFree(s);
}

/* --- Options and main --- */

static void usage(void) {
    fprintf(stderr,
            "Usage: tessera-cli [OPTIONS] [cmd [arg [arg ...]]]\n"
            "  -h <hostname>      Server hostname (default: 127.0.0.1).\n"
            "  -p <port>          Server port (default: 6379).\n"
            "  -s <socket>        Server socket (overrides hostname and port).\n"
            "  -a <password>      Password to use when connecting to the server.\n"
            "  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.\n"
            "  --pass <password>  Alias of -a.\n"
            "  -n <db>            Database number.\n"
            "  -3                 Start session in RESP3 protocol mode.\n"
            "  --raw              Use raw formatting for replies.\n"
            "  --no-raw           Force formatted output even when not a tty.\n"
            "  --help             Output this help and exit.\n");
}

static int parseOptions(int argc, char **argv, cliOptions *o) {
    o->host = "127.0.0.1";
    o->port = 6379;
    o->raw = !isatty(STDOUT_FILENO);
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-h") && more) o->host = argv[++i];
        else if (!strcmp(a, "-p") && more) o->port = atoi(argv[++i]);
        else if (!strcmp(a, "-s") && more) o->socket = argv[++i];
        else if ((!strcmp(a, "-a") || !strcmp(a, "--pass")) && more) o->password = argv[++i];
        else if (!strcmp(a, "--user") && more) o->user = argv[++i];
        else if (!strcmp(a, "-n") && more) o->db = atoi(argv[++i]);
        else if (!strcmp(a, "-3")) o->resp3 = 1;
        else if (!strcmp(a, "--raw")) o->raw = 1;
        else if (!strcmp(a, "--no-raw")) o->raw = 0;
        else if (!strcmp(a, "--help")) {
            usage();
            exit(0);
        } else if (a[0] == '-' && a[1] != '\0' && i == argc - 1 ? 0 : (a[0] == '-' && strchr("hpsan", a[1]) && a[2] == 0)) {
            fprintf(stderr, "Option '%s' needs an argument\n", a);
            return -1;
        } else break;
    }
    o->argc = argc - i;
    o->argv = argv + i;
    return 0;
}

/* Runs a command and prints its reply; returns 1 if it was an error reply,
 * -1 on a connection error. */
static int runAndPrint(cliConn *conn, int argc, const char **argv, int raw) {
    respValue *v = cliCall(conn, argc, argv);
    if (!v) {
        fprintf(stderr, "Error: Server closed the connection\n");
        return -1;
    }
    printValue(stdout, v, raw);
    int isErr = v->type == RESP_T_ERROR;
    respValueFree(v);
    fflush(stdout);
    return isErr;
}

static int setupConnection(cliConn *conn, const cliOptions *o) {
    conn->fd = o->socket ? connectUnix(o->socket) : connectTcp(o->host, o->port);
    if (conn->fd == -1) {
        if (o->socket)
            fprintf(stderr, "Could not connect to server at %s: %s\n", o->socket, strerror(errno));
        else
            fprintf(stderr, "Could not connect to server at %s:%d: %s\n", o->host, o->port,
                    strerror(errno ? errno : ECONNREFUSED));
        return -1;
    }
    conn->reader = respReaderCreate();
    if (o->password) {
        const char *authv[3] = {"AUTH", o->user ? o->user : o->password, o->password};
        respValue *v = cliCall(conn, o->user ? 3 : 2, authv);
        if (v && v->type == RESP_T_ERROR) fprintf(stderr, "AUTH failed: %.*s\n", (int)v->len, v->str);
        if (v) respValueFree(v);
    }
    if (o->resp3) {
        const char *hv[2] = {"HELLO", "3"};
        respValue *v = cliCall(conn, 2, hv);
        if (v) respValueFree(v);
    }
    if (o->db) {
        char dbs[16];
        snprintf(dbs, sizeof(dbs), "%d", o->db);
        const char *sv[2] = {"SELECT", dbs};
        respValue *v = cliCall(conn, 2, sv);
        if (v && v->type == RESP_T_ERROR)
            fprintf(stderr, "SELECT %d failed: %.*s\n", o->db, (int)v->len, v->str);
        if (v) respValueFree(v);
    }
    return 0;
}

static int interactive(cliConn *conn, const cliOptions *o) {
    char prompt[128];
    if (o->socket) snprintf(prompt, sizeof(prompt), "%s> ", o->socket);
    else snprintf(prompt, sizeof(prompt), "%s:%d> ", o->host, o->port);
    char line[65536];
    int tty = isatty(STDIN_FILENO);
    for (;;) {
        if (tty) {
            fputs(prompt, stdout);
            fflush(stdout);
        }
        if (!fgets(line, sizeof(line), stdin)) break;
        int argc;
        dstr *argv = dstrSplitArgs(line, &argc);
        if (!argv) {
            fputs("Invalid argument(s)\n", stdout);
            continue;
        }
        if (argc > 0) {
            if (!strcasecmp(argv[0], "quit") || !strcasecmp(argv[0], "exit")) {
                dstrFreeSplit(argv, argc);
                break;
            }
            if (runAndPrint(conn, argc, (const char **)argv, o->raw) == -1) {
                dstrFreeSplit(argv, argc);
                return 1;
            }
        }
        dstrFreeSplit(argv, argc);
    }
    return 0;
}

int main(int argc, char **argv) {
    cliOptions o = {0};
    if (parseOptions(argc, argv, &o) == -1) return 1;
    cliConn conn;
    if (setupConnection(&conn, &o) == -1) return 1;
    int rc;
    if (o.argc > 0)
        rc = runAndPrint(&conn, o.argc, (const char **)o.argv, o.raw) == -1 ? 1 : 0;
    else
        rc = interactive(&conn, &o);
    respReaderFree(conn.reader);
    close(conn.fd);
    return rc;
}
