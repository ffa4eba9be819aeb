/* list_value.h — a list value in either of its encodings, for the list
 * commands and for the modules that read or build lists (SORT, DEBUG
 * DIGEST, RDB).
 *
 * A list is a LISTPACK while small and a QUICKLIST (quicklist.h) once it
 * outgrows one node of list-max-listpack-size; it goes back to a listpack
 * when it shrinks to a single node of half that size (Valkey's rule, so a
 * list at the threshold does not flip on every push and pop).
 *
 * Reading a stored list: listValueOf(kv) is a read-only view of the entry's
 * value, valid until the entry is changed.  Changing one follows the value
 * write protocol of type_util.h:
 *
 *     listValue lv = listValueOpen(kv);        // caller owns lv.ptr now
 *     listValuePush(&lv, "x", 1, LIST_TAIL);
 *     kv = listValueClose(db, kv, &lv);        // the entry now in the table
 *
 * Building a list from many elements (SORT ... STORE, RDB loading) does what
 * Valkey does: start from a quicklist, push, then let listValueTryShrink
 * (shrinking = 0) turn it into a listpack when it fits one node:
 *
 *     listValue lv = listValueNewQuicklist();
 *     for (...) listValuePush(&lv, s, len, LIST_TAIL);
 *     listValueTryShrink(&lv, 0);
 *     kv = kvCreatePointer(key, keylen, OBJ_LIST, lv.encoding, lv.ptr, -1);
 *
 * (An empty list is never stored: delete the key instead.) */
#ifndef TESSERA_LIST_VALUE_H
#define TESSERA_LIST_VALUE_H

#include <stddef.h>

#include "node/base/dstr.h"
#include "node/store/db.h"
#include "node/store/kvobj.h"
#include "node/types/quicklist.h"

/* Ends of a list (push, pop, LMOVE's LEFT / RIGHT). */
#define LIST_HEAD 0
#define LIST_TAIL 1

/* A list value: OBJ_ENCODING_LISTPACK (ptr is the listpack) or
 * OBJ_ENCODING_QUICKLIST (ptr is a quicklist *). */
typedef struct listValue {
    int encoding;
    void *ptr;
} listValue;

/* One element as read: bytes (str != NULL, len bytes) or an integer
 * (str == NULL, ll).  str points into the list and is valid until the
 * list changes (or, from listValueIndex, until the next call on it). */
typedef struct listElement {
    const unsigned char *str;
    size_t len;
    long long ll;
} listElement;

/* --- Values --- */
listValue listValueNew(void);          /* empty listpack */
listValue listValueNewQuicklist(void); /* empty quicklist, current settings */
void listValueFree(listValue *lv);
/* A read-only view of a stored list entry's value. */
listValue listValueOf(const kvobj *kv);
/* The value protocol (type_util.h) for lists. */
listValue listValueOpen(kvobj *kv);
kvobj *listValueClose(serverDb *db, kvobj *kv, listValue *lv);
unsigned long listValueLength(const listValue *lv);

/* --- Encoding conversions (thresholds read from typeGetSettings()) --- */
/* Before adding addCount elements of addBytes bytes in total: a listpack
 * that would outgrow one node becomes a quicklist. */
void listValueTryGrow(listValue *lv, size_t addBytes, unsigned long addCount);
/* A quicklist of one listpack node that fits the node limits (halved when
 * shrinking, i.e. after a removal) becomes a listpack. */
void listValueTryShrink(listValue *lv, int shrinking);

/* --- Elements --- */
/* Adds at LIST_HEAD or LIST_TAIL (no conversion: call listValueTryGrow
 * first when the list may be a listpack). */
void listValuePush(listValue *lv, const void *s, size_t len, int where);
/* Removes the element at where into a new dstr; NULL if the list is empty. */
dstr listValuePop(listValue *lv, int where);
/* Element at index (negative counts from the tail): 1, or 0 out of range. */
int listValueIndex(const listValue *lv, long index, listElement *e);
/* Replaces element index: 1, or 0 out of range. */
int listValueReplace(listValue *lv, long index, const void *s, size_t len);
/* Inserts s before (after = 0) or after the first element equal to pivot:
 * 1, or 0 when there is no such element. */
int listValueInsert(listValue *lv, const void *pivot, size_t pivotLen, const void *s, size_t len,
                    int after);
/* LREM: removes up to |count| elements equal to s (count > 0 from the head,
 * < 0 from the tail, 0 all); returns how many. */
unsigned long listValueRemove(listValue *lv, const void *s, size_t len, long long count);
/* Removes count elements from start (negative counts from the tail). */
void listValueDelRange(listValue *lv, long start, unsigned long count);

/* 1 if e equals the bytes s (an integer element equals its canonical
 * decimal form only). */
int listElementEquals(const listElement *e, const void *s, size_t len);
/* The element as a new dstr. */
dstr listElementToDstr(const listElement *e);

/* --- Iteration --- */
/* Walks from element index (negative counts from the tail) towards the
 * tail, or towards the head when reverse; an index out of range yields
 * nothing.  The list must not change during the walk. */
typedef struct listIter {
    int encoding;
    int reverse;
    unsigned char *lp; /* LISTPACK: the listpack and the next element */
    unsigned char *p;
    quicklistIter *qi; /* QUICKLIST (NULL: nothing to walk) */
} listIter;
void listIterInit(listIter *it, const listValue *lv, long index, int reverse);
/* 1 and fills e, or 0 at the end. */
int listIterNext(listIter *it, listElement *e);
void listIterRelease(listIter *it);

/* Registers the free / size / COPY functions of both encodings (from
 * listTypeInit). */
void listValueRegister(void);

#endif
