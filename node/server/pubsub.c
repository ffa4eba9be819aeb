/* pubsub.c — channel and pattern subscriptions and message fan-out.
 *
 * Structures.  A subscription target (pubsubTarget) is one channel name or
 * one pattern with the set of clients subscribed to it, a hash table of
 * client pointers, so subscribe, unsubscribe and disconnect cost O(1)
 * whatever the audience.  Targets live in two global tables keyed by name:
 *
 *     channels:  "news"  -> {clients A, B}        (exact-match lookup)
 *     patterns:  "n*"    -> {client B}            (lookup by pattern text)
 *     patternList: [ "n*", "a?c", ... ]           (dense array, for matching)
 *
 * PUBLISH finds the channel's target with one lookup and then has to try
 * every distinct pattern (a glob cannot be indexed), so patterns are also
 * kept in a dense array that is walked without hash-table iteration; each
 * pattern target knows its index there, so removal is a swap with the
 * last.  Each client keeps its own two tables (pubsubClientState) pointing
 * at the same targets, so its subscriptions are found and dropped without
 * a global scan.
 *
 * Invariants: a target is in the global table (and, for a pattern, in
 * patternList) exactly while its subscriber set is non-empty; client c is
 * in target t's set exactly when t is in c's table of the same kind; a
 * client has CLIENT_PUBSUB exactly when it holds at least one subscription
 * (set by SUBSCRIBE / PSUBSCRIBE, cleared by the unsubscribe that drops
 * the last one, by RESET and on free).
 *
 * Delivery never changes a table: a subscriber that overflows its output
 * limit is only marked to be closed (net frees it in before-sleep, which
 * calls back here through serverOnClientFreed), so the fan-out loops are
 * not disturbed.  Messages and subscription confirmations are pushes: they
 * reach a client even when it turned its replies off (CLIENT REPLY OFF /
 * SKIP), as in Valkey. */
#include "node/server/pubsub.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "node/base/hash.h"
#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/client_info.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/info.h"
#include "node/server/notify.h"
#include "node/server/server.h"
#include "node/store/hashtable.h"

typedef struct pubsubTarget {
    dstr name;               /* channel name or pattern */
    hashtable *subscribers;  /* client pointers */
    size_t patternIndex;     /* patterns only: position in patternList */
} pubsubTarget;

typedef struct pubsubClientState {
    hashtable *channels;     /* pubsubTarget pointers, keyed by name */
    hashtable *patterns;
} pubsubClientState;

/* The two kinds of subscription share every code path; a kind names its
 * tables and the words of its confirmations. */
typedef struct subscriptionKind {
    int pattern;
    const char *subscribeWord;
    const char *unsubscribeWord;
} subscriptionKind;

static const subscriptionKind channelKind = {0, "subscribe", "unsubscribe"};
static const subscriptionKind patternKind = {1, "psubscribe", "punsubscribe"};

static hashtable *channels;
static hashtable *patterns;
static pubsubTarget **patternList;
static size_t patternCount, patternCap;

/* --- Hash table types --- */

static const void *targetKey(const void *entry) { return ((const pubsubTarget *)entry)->name; }

static uint64_t nameHash(const void *key) { return hashBytes(key, dstrLen((const dstr)key)); }

static int nameCompare(const void *a, const void *b) {
    size_t la = dstrLen((const dstr)a), lb = dstrLen((const dstr)b);
    return la != lb || memcmp(a, b, la) != 0;
}

static void freeTarget(void *entry) {
    pubsubTarget *t = entry;
    dstrFree(t->name);
    hashtableRelease(t->subscribers);
    memFree(t);
}

/* A client pointer is its own key; pointers are not attacker-chosen, so a
 * cheap mixer replaces the keyed hash. */
static uint64_t clientPointerHash(const void *key) {
    uint64_t x = (uint64_t)(uintptr_t)key;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* Global tables own their targets; client tables only point at them. */
static hashtableType globalTargetType = {
    .entryGetKey = targetKey, .hashFunction = nameHash, .keyCompare = nameCompare,
    .entryDestructor = freeTarget};
static hashtableType clientTargetType = {
    .entryGetKey = targetKey, .hashFunction = nameHash, .keyCompare = nameCompare};
static hashtableType subscriberType = {.hashFunction = clientPointerHash};

/* --- Per-client state --- */

static pubsubClientState *clientState(const client *c) { return c->pubsubState; }

static pubsubClientState *clientStateCreate(client *c) {
    pubsubClientState *st = c->pubsubState;
    if (st) return st;
    st = memAlloc(sizeof(*st));
    st->channels = hashtableCreate(&clientTargetType);
    st->patterns = hashtableCreate(&clientTargetType);
    c->pubsubState = st;
    return st;
}

static hashtable *clientTable(const client *c, const subscriptionKind *kind) {
    pubsubClientState *st = clientState(c);
    if (!st) return NULL;
    return kind->pattern ? st->patterns : st->channels;
}

int pubsubClientChannels(const client *c) {
    pubsubClientState *st = clientState(c);
    return st ? (int)hashtableSize(st->channels) : 0;
}

int pubsubClientPatterns(const client *c) {
    pubsubClientState *st = clientState(c);
    return st ? (int)hashtableSize(st->patterns) : 0;
}

static int clientSubscriptions(const client *c) { return pubsubClientChannels(c) + pubsubClientPatterns(c); }

/* Frees the state of a client left without subscriptions and clears its
 * pub/sub mode. */
static void clientStateDropIfEmpty(client *c) {
    pubsubClientState *st = clientState(c);
    if (st && clientSubscriptions(c) > 0) return;
    c->flags &= ~CLIENT_PUBSUB;
    if (!st) return;
    hashtableRelease(st->channels);
    hashtableRelease(st->patterns);
    memFree(st);
    c->pubsubState = NULL;
}

/* --- Global targets --- */

static hashtable *globalTable(const subscriptionKind *kind) { return kind->pattern ? patterns : channels; }

static void patternListAdd(pubsubTarget *t) {
    if (patternCount == patternCap) {
        patternCap = patternCap ? patternCap * 2 : 16;
        patternList = memRealloc(patternList, patternCap * sizeof(*patternList));
    }
    t->patternIndex = patternCount;
    patternList[patternCount++] = t;
}

static void patternListRemove(pubsubTarget *t) {
    pubsubTarget *last = patternList[--patternCount];
    patternList[t->patternIndex] = last;
    last->patternIndex = t->patternIndex;
}

static pubsubTarget *targetFindOrCreate(const subscriptionKind *kind, const dstr name) {
    void *found;
    hashtable *ht = globalTable(kind);
    if (hashtableFind(ht, name, &found)) return found;
    pubsubTarget *t = memAlloc(sizeof(*t));
    t->name = dstrDup(name);
    t->subscribers = hashtableCreate(&subscriberType);
    t->patternIndex = 0;
    hashtableAdd(ht, t);
    if (kind->pattern) patternListAdd(t);
    return t;
}

/* Removes c from t; a target left without subscribers is freed. */
static void targetRemoveSubscriber(const subscriptionKind *kind, pubsubTarget *t, client *c) {
    hashtableDelete(t->subscribers, c);
    if (hashtableSize(t->subscribers) > 0) return;
    if (kind->pattern) patternListRemove(t);
    dstr key = t->name;
    hashtableDelete(globalTable(kind), key); /* frees t */
}

size_t pubsubChannelCount(void) { return hashtableSize(channels); }
size_t pubsubPatternCount(void) { return patternCount; }

/* --- Pushes --- */

/* Pushes reach the client even with its replies turned off; only a client
 * being closed drops them (reply.c's own rule). */
#define PUSH_ALWAYS_FLAGS (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)

static uint64_t pushBegin(client *c) {
    uint64_t saved = c->flags & PUSH_ALWAYS_FLAGS;
    c->flags &= ~PUSH_ALWAYS_FLAGS;
    return saved;
}

static void pushEnd(client *c, uint64_t saved) { c->flags |= saved; }

/* ["subscribe" | "unsubscribe" | ..., name or nil, subscriptions now]. */
static void replyConfirmation(client *c, const char *word, const dstr name) {
    uint64_t saved = pushBegin(c);
    replyPushLen(c, 3);
    replyBulkCString(c, word);
    if (name)
        replyBulkDstr(c, name);
    else
        replyNull(c);
    replyLongLong(c, clientSubscriptions(c));
    pushEnd(c, saved);
}

static void pushMessage(client *c, const dstr channel, const char *msg, size_t msgLen) {
    uint64_t saved = pushBegin(c);
    replyPushLen(c, 3);
    replyBulk(c, "message", 7);
    replyBulkDstr(c, channel);
    replyBulk(c, msg, msgLen);
    pushEnd(c, saved);
}

static void pushPatternMessage(client *c, const dstr pattern, const dstr channel, const char *msg,
                               size_t msgLen) {
    uint64_t saved = pushBegin(c);
    replyPushLen(c, 4);
    replyBulk(c, "pmessage", 8);
    replyBulkDstr(c, pattern);
    replyBulkDstr(c, channel);
    replyBulk(c, msg, msgLen);
    pushEnd(c, saved);
}

/* --- Subscribing --- */

/* Returns 1 if c was not subscribed to name yet. */
static int subscribe(client *c, const subscriptionKind *kind, const dstr name) {
    pubsubClientState *st = clientStateCreate(c);
    hashtable *mine = kind->pattern ? st->patterns : st->channels;
    int added = 0;
    if (!hashtableFind(mine, name, NULL)) {
        pubsubTarget *t = targetFindOrCreate(kind, name);
        hashtableAdd(t->subscribers, c);
        hashtableAdd(mine, t);
        added = 1;
    }
    c->flags |= CLIENT_PUBSUB;
    replyConfirmation(c, kind->subscribeWord, name);
    return added;
}

/* Drops one subscription; confirms it (even when c was not subscribed) if
 * notify.  Returns 1 if c was subscribed. */
static int unsubscribe(client *c, const subscriptionKind *kind, const dstr name, int notify) {
    hashtable *mine = clientTable(c, kind);
    void *found;
    if (!mine || !hashtablePop(mine, name, &found)) {
        if (notify) replyConfirmation(c, kind->unsubscribeWord, name);
        return 0;
    }
    pubsubTarget *t = found;
    /* The confirmation names the target, so it goes out before the target
     * may be freed; the count already excludes it. */
    if (notify) replyConfirmation(c, kind->unsubscribeWord, t->name);
    targetRemoveSubscriber(kind, t, c);
    return 1;
}

/* Drops every subscription of one kind; with notify, one confirmation each,
 * or a single one with a nil name when there was none. */
static void unsubscribeAll(client *c, const subscriptionKind *kind, int notify) {
    hashtable *mine = clientTable(c, kind);
    size_t dropped = 0;
    if (mine) {
        hashtableIterator it;
        void *entry;
        hashtableInitIterator(&it, mine, HASHTABLE_ITER_SAFE);
        while (hashtableNext(&it, &entry)) {
            pubsubTarget *t = entry;
            hashtableDelete(mine, t->name);
            if (notify) replyConfirmation(c, kind->unsubscribeWord, t->name);
            targetRemoveSubscriber(kind, t, c);
            dropped++;
        }
        hashtableResetIterator(&it);
    }
    if (notify && dropped == 0) replyConfirmation(c, kind->unsubscribeWord, NULL);
}

static void subscribeCommandOf(client *c, const subscriptionKind *kind) {
    for (int i = 1; i < c->argc; i++) subscribe(c, kind, c->argv[i]);
}

static void unsubscribeCommandOf(client *c, const subscriptionKind *kind) {
    if (c->argc == 1)
        unsubscribeAll(c, kind, 1);
    else
        for (int i = 1; i < c->argc; i++) unsubscribe(c, kind, c->argv[i], 1);
    clientStateDropIfEmpty(c);
}

static void subscribeCommand(client *c) { subscribeCommandOf(c, &channelKind); }
static void psubscribeCommand(client *c) { subscribeCommandOf(c, &patternKind); }
static void unsubscribeCommand(client *c) { unsubscribeCommandOf(c, &channelKind); }
static void punsubscribeCommand(client *c) { unsubscribeCommandOf(c, &patternKind); }

/* --- Publishing --- */

/* Fan-out cost: O(subscribers of the channel) + O(distinct patterns) glob
 * matches + O(subscribers of each matching pattern). */
long long pubsubPublish(const dstr channel, const char *msg, size_t msgLen) {
    long long receivers = 0;
    hashtableIterator it;
    void *entry;
    if (hashtableFind(channels, channel, &entry)) {
        pubsubTarget *t = entry;
        hashtableInitIterator(&it, t->subscribers, 0);
        while (hashtableNext(&it, &entry)) {
            pushMessage(entry, channel, msg, msgLen);
            receivers++;
        }
        hashtableResetIterator(&it);
    }
    for (size_t i = 0; i < patternCount; i++) {
        pubsubTarget *t = patternList[i];
        if (!globMatch(t->name, dstrLen(t->name), channel, dstrLen(channel), 0)) continue;
        hashtableInitIterator(&it, t->subscribers, 0);
        while (hashtableNext(&it, &entry)) {
            pushPatternMessage(entry, t->name, channel, msg, msgLen);
            receivers++;
        }
        hashtableResetIterator(&it);
    }
    return receivers;
}

static void publishCommand(client *c) {
    replyLongLong(c, pubsubPublish(c->argv[1], c->argv[2], dstrLen(c->argv[2])));
}

/* --- PUBSUB --- */

/* PUBSUB CHANNELS [pattern]: active channels (extra arguments are ignored,
 * as in Valkey). */
static void pubsubChannelsCommand(client *c) {
    const dstr pattern = c->argc > 2 ? c->argv[2] : NULL;
    void *len = replyDeferredLen(c);
    long n = 0;
    hashtableIterator it;
    void *entry;
    hashtableInitIterator(&it, channels, 0);
    while (hashtableNext(&it, &entry)) {
        pubsubTarget *t = entry;
        if (pattern && !globMatch(pattern, dstrLen(pattern), t->name, dstrLen(t->name), 0)) continue;
        replyBulkDstr(c, t->name);
        n++;
    }
    hashtableResetIterator(&it);
    replySetDeferredArrayLen(c, len, n);
}

/* PUBSUB NUMSUB [channel ...]: flat name/count pairs, an array in both
 * protocols. */
static void pubsubNumsubCommand(client *c) {
    replyArrayLen(c, (long)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        void *entry;
        size_t n = hashtableFind(channels, c->argv[i], &entry)
                       ? hashtableSize(((pubsubTarget *)entry)->subscribers)
                       : 0;
        replyBulkDstr(c, c->argv[i]);
        replyLongLong(c, (long long)n);
    }
}

static void pubsubNumpatCommand(client *c) { replyLongLong(c, (long long)patternCount); }

static void pubsubHelpCommand(client *c) {
    static const char *help[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        NULL,
    };
    replyHelp(c, help);
}

/* --- The RESP2 subscribed context --- */

/* A RESP2 connection carries replies and messages on one stream without
 * types to tell them apart, so a subscribed client may only run the
 * commands whose replies look like messages (or that end the session). */
static int allowedWhileSubscribed(const serverCommand *cmd) {
    static const char *const allowed[] = {"subscribe", "unsubscribe", "psubscribe", "punsubscribe",
                                          "ssubscribe", "sunsubscribe", "ping", "quit", "reset", NULL};
    if (cmd->parent) return 0;
    for (int i = 0; allowed[i]; i++)
        if (!strcasecmp(cmd->name, allowed[i])) return 1;
    return 0;
}

static int subscribedContextGate(client *c, serverCommand *cmd) {
    if (!(c->flags & CLIENT_PUBSUB) || c->resp != 2 || allowedWhileSubscribed(cmd)) return 0;
    cmd->rejectedCalls++;
    replyErrorFormat(c,
                     "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                     "are allowed in this context",
                     cmd->fullname);
    return 1;
}

/* --- Client lifecycle, CLIENT LIST, INFO --- */

static void dropAllSubscriptions(client *c) {
    if (!clientState(c)) return;
    unsubscribeAll(c, &channelKind, 0);
    unsubscribeAll(c, &patternKind, 0);
    clientStateDropIfEmpty(c);
}

static void clientInfoFields(const client *c, clientInfoExtra *x) {
    x->sub = pubsubClientChannels(c);
    x->psub = pubsubClientPatterns(c);
}

static long long infoChannels(void) { return (long long)pubsubChannelCount(); }
static long long infoPatterns(void) { return (long long)pubsubPatternCount(); }

void pubsubInit(void) {
    static const commandBinding bindings[] = {
        {"subscribe", subscribeCommand},
        {"unsubscribe", unsubscribeCommand},
        {"psubscribe", psubscribeCommand},
        {"punsubscribe", punsubscribeCommand},
        {"publish", publishCommand},
        {"pubsub|channels", pubsubChannelsCommand},
        {"pubsub|numsub", pubsubNumsubCommand},
        {"pubsub|numpat", pubsubNumpatCommand},
        {"pubsub|help", pubsubHelpCommand},
        {NULL, NULL},
    };
    if (!channels) {
        channels = hashtableCreate(&globalTargetType);
        patterns = hashtableCreate(&globalTargetType);
    }
    commandBind(bindings);
    dispatchAddGate(subscribedContextGate);
    serverOnClientFreed(dropAllSubscriptions);
    serverOnClientReset(dropAllSubscriptions);
    clientInfoAddProvider(clientInfoFields);
    infoRegisterCounter("pubsub_channels", infoChannels);
    infoRegisterCounter("pubsub_patterns", infoPatterns);
    notifyInit();
}
