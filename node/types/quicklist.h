/* quicklist.h — the big encoding of lists: a doubly linked list of nodes,
 * each holding a listpack of several elements (or, for one element larger
 * than the node limit, the element's raw bytes: a "plain" node).  Nodes more
 * than `compress depth` nodes away from both ends are kept LZF-compressed.
 * See quicklist.c for the invariants. */
#ifndef TESSERA_QUICKLIST_H
#define TESSERA_QUICKLIST_H

#include <stddef.h>
#include <stdint.h>

/* Node containers (the values RDB's QUICKLIST_2 format stores per node). */
#define QUICKLIST_NODE_PLAIN 1
#define QUICKLIST_NODE_PACKED 2

/* Node encodings: the bytes are the container itself, or LZF of it. */
#define QUICKLIST_NODE_RAW 1
#define QUICKLIST_NODE_LZF 2

/* Ends for push/pop. */
#define QUICKLIST_HEAD 0
#define QUICKLIST_TAIL (-1)

/* Iterator directions. */
#define QUICKLIST_ITER_FORWARD 0  /* head to tail */
#define QUICKLIST_ITER_BACKWARD 1 /* tail to head */

/* Limits of the options (Valkey's ranges for list-max-listpack-size and
 * list-compress-depth). */
#define QUICKLIST_FILL_MIN (-5)
#define QUICKLIST_FILL_MAX (1 << 15)
#define QUICKLIST_COMPRESS_MAX (1 << 16)

/* A compressed node's bytes: compressedSize bytes of LZF output. */
typedef struct quicklistLZF {
    size_t compressedSize;
    unsigned char data[];
} quicklistLZF;

typedef struct quicklistNode {
    struct quicklistNode *prev;
    struct quicklistNode *next;
    unsigned char *entry;       /* listpack, plain bytes, or quicklistLZF */
    size_t sz;                  /* uncompressed size of the container */
    unsigned int count;         /* elements (1 for a plain node) */
    unsigned char container;    /* QUICKLIST_NODE_PLAIN / _PACKED */
    unsigned char encoding;     /* QUICKLIST_NODE_RAW / _LZF */
    unsigned char incompressible; /* raw because LZF did not pay off */
    unsigned char recompress;   /* decompressed for an iterator's use */
} quicklistNode;

typedef struct quicklist {
    quicklistNode *head;
    quicklistNode *tail;
    unsigned long count; /* elements in all nodes */
    unsigned long len;   /* nodes */
    int fill;            /* list-max-listpack-size */
    int compress;        /* list-compress-depth (0 = off) */
    unsigned char *scratch; /* quicklistIndex's decompression buffer */
    size_t scratchSize;
} quicklist;

/* One element: a string (value != NULL, sz bytes) or an integer (value ==
 * NULL, longval), plus where it lives (node, offset in the node). */
typedef struct quicklistEntry {
    quicklistNode *node;
    unsigned char *zi; /* element inside the node's listpack (NULL: plain) */
    unsigned char *value;
    size_t sz;
    long long longval;
    long offset;
} quicklistEntry;

typedef struct quicklistIter {
    quicklist *ql;
    quicklistNode *current; /* NULL: exhausted or invalidated */
    unsigned char *zi;      /* cached position of `offset` (NULL: seek) */
    long offset;            /* index in current of the next element */
    int direction;
} quicklistIter;

/* fill: list-max-listpack-size (> 0: elements per node; -1..-5: 4..64 KB
 * per node); compressDepth: list-compress-depth.  Out-of-range values are
 * clamped. */
quicklist *quicklistNew(int fill, int compressDepth);
/* Changes the options; a new compression depth is applied to all nodes. */
void quicklistSetOptions(quicklist *ql, int fill, int compressDepth);
void quicklistRelease(quicklist *ql);

void quicklistPushHead(quicklist *ql, const void *value, size_t len);
void quicklistPushTail(quicklist *ql, const void *value, size_t len);
/* where: QUICKLIST_HEAD or QUICKLIST_TAIL. */
void quicklistPush(quicklist *ql, const void *value, size_t len, int where);

unsigned long quicklistCount(const quicklist *ql);

/* Iteration.  Modifying the list while iterating is allowed only through
 * quicklistDelEntry (the iterator goes on with the next element) and the
 * insert functions (after which the iterator returns nothing more). */
quicklistIter *quicklistGetIterator(quicklist *ql, int direction);
/* Starts at element idx (negative counts from the tail); NULL if out of
 * range. */
quicklistIter *quicklistGetIteratorAtIdx(quicklist *ql, int direction, long idx);
/* 1 and fills entry, or 0 at the end. */
int quicklistNext(quicklistIter *it, quicklistEntry *entry);
void quicklistReleaseIterator(quicklistIter *it);
/* Deletes the element entry (just returned by quicklistNext on it). */
void quicklistDelEntry(quicklistIter *it, quicklistEntry *entry);
/* Insert next to entry (returned by quicklistNext on it). */
void quicklistInsertBefore(quicklistIter *it, quicklistEntry *entry, const void *value, size_t len);
void quicklistInsertAfter(quicklistIter *it, quicklistEntry *entry, const void *value, size_t len);

/* Element at idx (negative from the tail) into entry; 1, or 0 if out of
 * range.  entry->value stays valid until the next call on ql. */
int quicklistIndex(quicklist *ql, long idx, quicklistEntry *entry);
/* Replaces element idx; 1, or 0 if out of range. */
int quicklistReplaceAtIndex(quicklist *ql, long idx, const void *value, size_t len);
/* Deletes up to count elements from start (negative from the tail);
 * returns how many were deleted. */
unsigned long quicklistDelRange(quicklist *ql, long start, unsigned long count);
/* Removes the head or tail element: 1 and either *data (a memAlloc'ed copy
 * the caller frees, *len bytes) or, for an integer, *data = NULL and
 * *intval; 0 if the list is empty. */
int quicklistPop(quicklist *ql, int where, unsigned char **data, size_t *len, long long *intval);
/* Moves the tail element to the head. */
void quicklistRotate(quicklist *ql);

/* For RDB loading: appends a node holding listpack lp (taken over; an
 * empty one is freed), or a plain node holding data (memAlloc'ed, taken
 * over, len bytes).  The node is used as is, even if over the limits. */
void quicklistAppendListpack(quicklist *ql, unsigned char *lp);
void quicklistAppendPlainNode(quicklist *ql, unsigned char *data, size_t len);
/* A copy with the same options and nodes (compressed ones copied as such). */
quicklist *quicklistDup(const quicklist *ql);

/* Byte limit of a node for fill (also the size above which an element gets
 * a plain node). */
size_t quicklistNodeLimit(int fill);
/* 1 if element len would get a plain node of its own under fill. */
int quicklistIsLargeElement(int fill, size_t len);

#endif
