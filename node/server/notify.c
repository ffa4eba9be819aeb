/* notify.c — keyspace notifications, Valkey's keyspace events over pub/sub.
 *
 * Commands report every change through dbNotify(class, event, key, dbid);
 * this module's db hook turns an event whose class is selected into up to
 * two messages:
 *
 *     K  PUBLISH __keyspace@<db>__:<key>    <event>
 *     E  PUBLISH __keyevent@<db>__:<event>  <key>
 *
 * The selection is the `notify-keyspace-events` directive, an int of
 * NOTIFY_* bits parsed and rendered by config_special.c (letters K E g $ l
 * s h z x e t m n d, A for the usual classes); this module owns its
 * storage.  Every write of every command calls the hook, so the common
 * case (the class is not selected, or nobody is subscribed at all) returns
 * after one or two compares, before any channel name is built.  The
 * channel name is built in one buffer reused across events: nothing here
 * can run re-entrantly (delivery only appends to output buffers). */
#include "node/server/notify.h"

#include <stdio.h>
#include <string.h>

#include "node/base/dstr.h"
#include "node/server/config.h"
#include "node/server/config_special.h"
#include "node/server/pubsub.h"
#include "node/store/db.h"

static int flags;
static dstr channelBuf;

/* "__<prefix>@<db>__:" followed by suffix, in channelBuf. */
static dstr buildChannel(const char *prefix, int dbid, const char *suffix, size_t suffixLen) {
    char head[48];
    int n = snprintf(head, sizeof(head), "__%s@%d__:", prefix, dbid);
    if (!channelBuf) channelBuf = dstrEmpty();
    channelBuf = dstrCpyLen(channelBuf, head, (size_t)n);
    channelBuf = dstrCatLen(channelBuf, suffix, suffixLen);
    return channelBuf;
}

static void onNotify(int type, const char *event, const dstr key, int dbid) {
    if (!(flags & type)) return;
    if (pubsubChannelCount() == 0 && pubsubPatternCount() == 0) return;
    size_t eventLen = strlen(event);
    if (flags & NOTIFY_KEYSPACE)
        pubsubPublish(buildChannel("keyspace", dbid, key, dstrLen(key)), event, eventLen);
    if (flags & NOTIFY_KEYEVENT)
        pubsubPublish(buildChannel("keyevent", dbid, event, eventLen), key, dstrLen(key));
}

/* The configuration is read before the modules start, into the catalog's
 * placeholder (same parser, an int of the same bits); registering takes
 * the default, so the value read is carried over. */
static void registerConfig(void) {
    static const configDef defs[] = {CONFIG_NOTIFY_DEF(flags)};
    const configDef *placeholder = configLookup("notify-keyspace-events");
    int carried = 0;
    if (placeholder && (placeholder->flags & CONFIG_PLACEHOLDER) && placeholder->storage)
        carried = *(const int *)placeholder->storage;
    configRegister(defs, sizeof(defs) / sizeof(defs[0]));
    flags = carried;
}

void notifyInit(void) {
    static const dbHooks hooks = {.notify = onNotify};
    registerConfig();
    dbAddHooks(&hooks);
}
