/* set_value.h — a set value in Valkey's three encodings, and the small API
 * the set commands, SORT, RDB save/load and DEBUG DIGEST use.
 *
 *   INTSET     every member is a canonical int64 and there are at most
 *              set-max-intset-entries of them (node/types/intset.h)
 *   LISTPACK   at most set-max-listpack-entries members of at most
 *              set-max-listpack-value bytes each, in insertion order
 *   HASHTABLE  a node/store/hashtable.h table whose entries are dstr members
 *
 * A value converts intset -> listpack -> hashtable (or intset -> hashtable
 * directly when it has too many members) as it grows, and never back when
 * members are removed.  Thresholds are read from typeGetSettings() at each
 * add, so CONFIG SET applies to the next write.
 *
 * A setValue is the (encoding, pointer) pair a keyspace entry holds.  To
 * read a set in the keyspace use setValueOf(kv) (the pointer may be an
 * embedded listpack: read-only).  To change one, follow the value write
 * protocol of type_util.h:
 *
 *     setValue s = {kv->encoding, dbValueOpen(kv)};
 *     setValueAdd(&s, member, len);               // may convert
 *     kv = dbValueClose(db, kv, s.encoding, s.ptr);
 *
 * A new value (RDB load, SORT STORE) is built with setValueCreate and added
 * to the keyspace with kvCreatePointer(key, len, OBJ_SET, s.encoding, s.ptr,
 * expire).  RDB may also wrap a validated intset or listpack blob directly:
 * (setValue){OBJ_ENCODING_INTSET, intsetFromBlob(...)}. */
#ifndef TESSERA_SET_VALUE_H
#define TESSERA_SET_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "node/base/dstr.h"
#include "node/store/hashtable.h"
#include "node/store/kvobj.h"

typedef struct setValue {
    int encoding; /* OBJ_ENCODING_INTSET, _LISTPACK or _HASHTABLE */
    void *ptr;    /* intset *, listpack bytes, or hashtable * of dstr */
} setValue;

/* One member read out: bytes (str != NULL, len bytes, pointing into the
 * value: valid until the value changes) or an integer (str == NULL, ll). */
typedef struct setMember {
    const char *str;
    size_t len;
    long long ll;
} setMember;

/* Iteration: intsets ascending, listpacks in insertion order, hashtables
 * in table order.  The value must not change while an iterator lives. */
typedef struct setIter {
    setValue set;
    unsigned long index;   /* intset position */
    unsigned char *lpPos;  /* listpack element, NULL before the first */
    int started;
    hashtableIterator hti;
} setIter;

/* --- Creating and releasing --- */
/* An empty set suited to hold `first` (may be NULL) and about sizeHint
 * members, as Valkey picks it: intset when first is an integer and the
 * hint fits set-max-intset-entries, else listpack when the hint fits
 * set-max-listpack-entries, else a hashtable pre-sized for the hint. */
setValue setValueCreate(const char *first, size_t firstLen, size_t sizeHint);
setValue setValueCreateIntset(void);
void setValueFree(setValue *s);
/* A deep copy in the same encoding. */
setValue setValueDup(const setValue *s);
/* The value of a set entry (read-only view). */
setValue setValueOf(const kvobj *kv);

/* --- Size --- */
unsigned long setValueLen(const setValue *s);
/* Bytes used (MEMORY USAGE), including every member of a hashtable. */
size_t setValueMemUsage(const setValue *s);

/* --- Members --- */
/* 1 if added, 0 if already a member.  May convert the encoding. */
int setValueAdd(setValue *s, const char *str, size_t len);
int setValueAddInt(setValue *s, long long v);
int setValueAddMember(setValue *s, const setMember *m);
/* 1 if removed, 0 if absent.  Never converts. */
int setValueRemove(setValue *s, const char *str, size_t len);
int setValueRemoveMember(setValue *s, const setMember *m);
int setValueContains(const setValue *s, const char *str, size_t len);
int setValueContainsMember(const setValue *s, const setMember *m);

/* --- Encodings --- */
/* Converts (intset/listpack -> hashtable) ahead of adding about sizeHint
 * members when they cannot fit the compact encoding (SADD). */
void setValueMaybeConvert(setValue *s, size_t sizeHint);
/* Converts to `encoding` (LISTPACK or HASHTABLE; the current one must be
 * more compact), pre-sized for cap members. */
void setValueConvert(setValue *s, int encoding, size_t cap);
/* Converts a listpack or hashtable whose members are all integers to an
 * intset when it fits set-max-intset-entries (results of SINTERSTORE). */
void setValueMaybeToIntset(setValue *s);

/* --- Random members (the set must not be empty) --- */
void setValueRandom(const setValue *s, setMember *m);
/* Removes a random member and returns it as a new dstr. */
dstr setValuePopRandom(setValue *s);

/* --- Iteration --- */
void setIterInit(setIter *it, const setValue *s);
/* 1 and *m filled, or 0 at the end. */
int setIterNext(setIter *it, setMember *m);
void setIterReset(setIter *it);

/* A member as a new dstr (digits for an integer). */
dstr setMemberToDstr(const setMember *m);

/* The hashtable type of HASHTABLE sets (dstr entries). */
extern hashtableType setHashtableType;

#endif
