/* notify.h — keyspace notifications: the store's notify events published
 * as pub/sub messages on __keyspace@<db>__:<key> (message: the event) and
 * __keyevent@<db>__:<event> (message: the key), filtered by the classes
 * selected with `notify-keyspace-events`. */
#ifndef TESSERA_NOTIFY_H
#define TESSERA_NOTIFY_H

/* Registers the `notify-keyspace-events` directive and the db hooks
 * (called by pubsubInit). */
void notifyInit(void);

#endif
