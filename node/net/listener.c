/* listener.c — listening sockets (TCP on every `bind` address, and the unix
 * socket) and accepting connections.
 *
 * An address prefixed with '-' is optional: failing to bind it (e.g. no IPv6
 * on the host) is logged and skipped.  Accepting drains up to
 * MAX_ACCEPTS_PER_CALL connections per readable event so a burst of
 * connects is not paid one loop iteration each.  Limits are enforced right
 * after accept: maxclients and protected mode reply with an error and close. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "node/base/log.h"
#include "node/net/client_internal.h"
#include "node/net/netio.h"

#define MAX_LISTENERS (NET_MAX_BINDS + 1)
#define MAX_ACCEPTS_PER_CALL 1000

typedef struct listener {
    int fd;
    int isUnix;
    struct event *ev;
} listener;

static listener listeners[MAX_LISTENERS];
static int listenerCount;
static int tcpOpen, unixOpen;

int netListenerOpen(const char *kind) {
    if (strcmp(kind, "tcp") == 0) return tcpOpen;
    if (strcmp(kind, "unix") == 0) return unixOpen;
    return 0;
}

static int setNonBlock(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags == -1 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void tuneTcp(int fd, int keepalive) {
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    if (keepalive > 0) {
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
        int idle = keepalive, intvl = keepalive / 3 ? keepalive / 3 : 1, cnt = 3;
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
    }
}

static int isLoopback(const struct sockaddr_storage *sa) {
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr)) return 1;
        if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) return s->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

static const char *deniedMessage =
    "-DENIED Running in protected mode because protected mode is enabled and no password is set "
    "for the default user. In this mode connections are only accepted from the loopback interface. "
    "If you want to connect from external computers, you may adopt one of the following solutions: "
    "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the "
    "loopback interface by connecting to the server from the same host the server is running, "
    "however MAKE SURE it's not publicly accessible from internet if you do so. Use CONFIG "
    "REWRITE to make this change permanent. 2) Alternatively you can just disable the protected "
    "mode by editing the configuration file, and setting the protected mode option to 'no', and "
    "then restarting the server. 3) If you started the server manually just for testing, restart "
    "it with the '--protected-mode no' option. 4) Set up an authentication password for the "
    "default user. NOTE: You only need to do one of the above things in order for the server to "
    "start accepting connections from the outside.\r\n";

/* Refuses a just-accepted connection with an error line. */
static void refuse(int fd, const char *msg) {
    ssize_t ignored = write(fd, msg, strlen(msg));
    (void)ignored;
    close(fd);
    netGetStats()->rejectedConnections++;
}

static void acceptOne(listener *l, int fd, const struct sockaddr_storage *sa) {
    netSettings *s = netGetSettings();
    if (setNonBlock(fd) == -1) {
        close(fd);
        return;
    }
    if (!l->isUnix) tuneTcp(fd, s->tcpKeepalive);
    if (clientCount() >= s->maxclients) {
        refuse(fd, "-ERR max number of clients reached\r\n");
        return;
    }
    if (!l->isUnix && s->protectedMode && !s->hasPassword && !isLoopback(sa)) {
        refuse(fd, deniedMessage);
        return;
    }
    client *c = clientCreateForSocket(fd, l->isUnix);
    serverLog(LL_VERBOSE, "Accepted %s", c->addr);
}

static void acceptHandler(evutil_socket_t fd, short what, void *arg) {
    listener *l = arg;
    (void)what;
    for (int i = 0; i < MAX_ACCEPTS_PER_CALL; i++) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof(sa);
        int cfd = accept(fd, (struct sockaddr *)&sa, &salen);
        if (cfd == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                serverLog(LL_WARNING, "Accepting client connection: %s", strerror(errno));
            return;
        }
        acceptOne(l, cfd, &sa);
    }
}

static int addListener(int fd, int isUnix) {
    listener *l = &listeners[listenerCount++];
    l->fd = fd;
    l->isUnix = isUnix;
    l->ev = event_new(netEventBase(), fd, EV_READ | EV_PERSIST, acceptHandler, l);
    return event_add(l->ev, NULL);
}

/* Binds one TCP address; returns the fd or -1 with errno set. */
static int bindTcp(const char *addr, int port, int backlog) {
    struct addrinfo hints = {0}, *res, *p;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    hints.ai_family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (strcmp(addr, "*") == 0) addr = NULL, hints.ai_family = AF_INET;
    if (addr && strcmp(addr, "::*") == 0) addr = NULL, hints.ai_family = AF_INET6;
    int rc = getaddrinfo(addr, portstr, &hints, &res);
    if (rc != 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = -1;
    for (p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (fd == -1) continue;
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        if (p->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
        if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, backlog) == 0 && setNonBlock(fd) == 0)
            break;
        int saved = errno;
        close(fd);
        errno = saved;
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Valkey's rule: '-' only excuses an address this host does not have; an
 * address family or protocol the host lacks (no IPv6) is skipped for any
 * address; anything else (in use, permission) stops the start. */
static int skippableBindError(int e, int optional) {
    if (e == EADDRNOTAVAIL) return optional;
    return e == EAFNOSUPPORT || e == EPFNOSUPPORT || e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT ||
           e == ENOPROTOOPT;
}

static int listenTcp(char *err, size_t errlen) {
    netSettings *s = netGetSettings();
    static char *defaults[] = {"127.0.0.1", "-::1"};
    char **binds = s->bindCount ? s->bind : defaults;
    int count = s->bindCount ? s->bindCount : 2;
    for (int i = 0; i < count; i++) {
        const char *addr = binds[i];
        int optional = addr[0] == '-';
        if (optional) addr++;
        int fd = bindTcp(addr, s->port, s->tcpBacklog);
        if (fd == -1) {
            int e = errno;
            serverLog(LL_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s", addr,
                      s->port, strerror(e));
            if (skippableBindError(e, optional)) continue;
            /* After the cause above, the line monitoring greps for. */
            snprintf(err, errlen, "Failed listening on port %d (tcp), aborting.", s->port);
            return -1;
        }
        addListener(fd, 0);
        tcpOpen = 1;
    }
    if (!tcpOpen) {
        snprintf(err, errlen, "Failed listening on port %d (tcp), aborting.", s->port);
        return -1;
    }
    return 0;
}

static int listenUnix(char *err, size_t errlen) {
    netSettings *s = netGetSettings();
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(s->unixsocket) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "Unix socket path too long: %s", s->unixsocket);
        return -1;
    }
    strcpy(sa.sun_path, s->unixsocket);
    unlink(s->unixsocket);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
        listen(fd, s->tcpBacklog) == -1 || setNonBlock(fd) == -1) {
        snprintf(err, errlen, "Failed opening Unix socket %s: %s", s->unixsocket, strerror(errno));
        if (fd != -1) close(fd);
        return -1;
    }
    if (s->unixsocketperm) chmod(s->unixsocket, s->unixsocketperm);
    addListener(fd, 1);
    unixOpen = 1;
    return 0;
}

int netListen(char *err, size_t errlen) {
    netSettings *s = netGetSettings();
    if (s->port != 0 && listenTcp(err, errlen) == -1) return -1;
    if (s->unixsocket && s->unixsocket[0] && listenUnix(err, errlen) == -1) return -1;
    return 0;
}

void netCloseListeners(void) {
    netSettings *s = netGetSettings();
    for (int i = 0; i < listenerCount; i++) {
        event_free(listeners[i].ev);
        close(listeners[i].fd);
    }
    listenerCount = 0;
    if (unixOpen && s->unixsocket) unlink(s->unixsocket);
    tcpOpen = unixOpen = 0;
}
