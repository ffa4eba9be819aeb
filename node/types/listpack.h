/* listpack.h — a compact sequence of strings and integers in one allocation,
 * byte-compatible with the listpack format Valkey writes (so an RDB file can
 * carry it as is).  The listpack is an `unsigned char *`; an element is a
 * pointer to its first byte inside it.  Functions that may grow or shrink the
 * buffer return the (possibly moved) listpack: pointers to elements taken
 * before the call are invalid afterwards unless the call hands back a new one.
 * See listpack.c for the byte layout. */
#ifndef TESSERA_LISTPACK_H
#define TESSERA_LISTPACK_H

#include <stddef.h>
#include <stdint.h>

/* Room for the decimal form of any int64 plus NUL (lpGet's buffer). */
#define LP_INTBUF_SIZE 21

/* Where lpInsert puts the new element relative to p. */
#define LP_BEFORE 0
#define LP_AFTER 1

/* Header element count meaning "too many to store: walk to count". */
#define LP_COUNT_UNKNOWN 65535

/* One element read out: a string (sval != NULL, slen bytes, pointing into
 * the listpack) or an integer (sval == NULL, lval). */
typedef struct lpEntry {
    const unsigned char *sval;
    uint32_t slen;
    int64_t lval;
} lpEntry;

/* Empty listpack; capacity pre-sizes the allocation (0 = minimal). */
unsigned char *lpNew(size_t capacity);
void lpFree(unsigned char *lp);
/* Gives back allocation slack beyond lpBytes(). */
unsigned char *lpShrinkToFit(unsigned char *lp);

/* Largest listpack the callers should build (1 GB); past it they convert to
 * the big encoding.  lpSafeToAdd: 1 if adding `add` bytes stays within it. */
#define LP_MAX_SAFETY_SIZE (1UL << 30)
int lpSafeToAdd(const unsigned char *lp, size_t add);

/* Total size in bytes (the header field). */
size_t lpBytes(const unsigned char *lp);
/* Number of elements; O(1) unless the count is LP_COUNT_UNKNOWN, then O(n),
 * and the header is refreshed when the count fits again. */
unsigned long lpLength(unsigned char *lp);

/* Navigation: each returns NULL past either end or on an empty listpack. */
unsigned char *lpFirst(unsigned char *lp);
unsigned char *lpLast(unsigned char *lp);
unsigned char *lpNext(unsigned char *lp, unsigned char *p);
unsigned char *lpPrev(unsigned char *lp, unsigned char *p);
/* Element at index (negative counts from the end: -1 is the last). */
unsigned char *lpSeek(unsigned char *lp, long index);

/* Reads element p.  A string: returns a pointer to its bytes, *value = length.
 * An integer: with buf (LP_INTBUF_SIZE bytes) writes its decimal form there
 * and returns buf, *value = length of that form; without buf returns NULL and
 * *value = the integer. */
unsigned char *lpGet(unsigned char *p, int64_t *value, unsigned char *buf);
/* Reads element p into e (no conversion). */
void lpGetEntry(unsigned char *p, lpEntry *e);

/* Insertion.  A string that is the canonical decimal form of an int64 is
 * stored as an integer.  All return NULL (leaving lp intact) only when the
 * result would exceed the 4 GB the header can describe. */
unsigned char *lpAppend(unsigned char *lp, const void *s, size_t len);
unsigned char *lpPrepend(unsigned char *lp, const void *s, size_t len);
unsigned char *lpAppendInteger(unsigned char *lp, int64_t v);
unsigned char *lpPrependInteger(unsigned char *lp, int64_t v);
/* Inserts before or after element p (LP_BEFORE / LP_AFTER; p may be the
 * end byte for LP_BEFORE = append).  *newp (if non-NULL) receives the new
 * element's address. */
unsigned char *lpInsert(unsigned char *lp, const void *s, size_t len, unsigned char *p, int where,
                        unsigned char **newp);
unsigned char *lpInsertInteger(unsigned char *lp, int64_t v, unsigned char *p, int where,
                               unsigned char **newp);
/* Replaces element *p; *p is updated to the new element. */
unsigned char *lpReplace(unsigned char *lp, unsigned char **p, const void *s, size_t len);
unsigned char *lpReplaceInteger(unsigned char *lp, unsigned char **p, int64_t v);

/* Deletion.  *newp (if non-NULL) receives the element that followed p, or
 * NULL if p was the last. */
unsigned char *lpDelete(unsigned char *lp, unsigned char *p, unsigned char **newp);
/* Deletes up to count elements starting at index (negative from the end). */
unsigned char *lpDeleteRange(unsigned char *lp, long index, unsigned long count);
/* Deletes count elements starting at *p; *p is set to the following element
 * (NULL at the end). */
unsigned char *lpDeleteRangeWithEntry(unsigned char *lp, unsigned char **p, unsigned long count);
/* Deletes the elements ps[0..count) in one pass; ps must be distinct and in
 * increasing address order. */
unsigned char *lpBatchDelete(unsigned char *lp, unsigned char **ps, size_t count);

/* 1 if element p equals s (as bytes, or as an integer when s is a canonical
 * integer and p holds one), else 0. */
int lpCompare(unsigned char *p, const void *s, size_t len);
/* First element equal to s starting at p, comparing one element then skipping
 * `skip` (e.g. skip 1 to look at hash fields only).  NULL if none. */
unsigned char *lpFind(unsigned char *lp, unsigned char *p, const void *s, size_t len,
                      unsigned int skip);

/* Called for each element during deep validation; return 0 to reject. */
typedef int lpValidateEntryFn(unsigned char *p, unsigned int headerCount, void *userdata);
/* Checks untrusted bytes: returns 1 if lp (size bytes) is a well-formed
 * listpack, 0 otherwise.  Without deep only the header and end byte are
 * checked; with deep every entry is, and walking the result forward or
 * backward cannot leave the buffer.  Never reads outside [lp, lp+size). */
int lpValidateIntegrity(unsigned char *lp, size_t size, int deep, lpValidateEntryFn *fn,
                        void *userdata);

/* Parses a canonical int64 decimal ("-0", "+1", "01", " 1" are not). */
int lpStringToInt64(const void *s, size_t len, int64_t *value);

/* A random field/value pair of a listpack of alternating fields and values
 * (total = element count).  val may be NULL. */
void lpRandomPair(unsigned char *lp, unsigned long total, lpEntry *key, lpEntry *val);
/* count random pairs, with repetition, into keys[] / vals[] (vals may be NULL). */
void lpRandomPairs(unsigned char *lp, unsigned int count, lpEntry *keys, lpEntry *vals);

#endif
