/* info.h — the INFO text and the memory accounting behind INFO memory and
 * MEMORY STATS / DOCTOR.
 *
 * INFO's sections, field names and field order are Valkey 8's; fields of
 * features that do not exist yet print what Valkey prints when the feature
 * is idle (0, "ok", -1).  Modules that land later take over what they own
 * without editing info.c:
 *   - infoRegisterSection("persistence", fn): fn writes the body of that
 *     section (every "field:value\r\n" line) in place of the built-in one;
 *   - infoRegisterCounter("pubsub_channels", fn): the value of one numeric
 *     field of a built-in section comes from fn. */
#ifndef TESSERA_INFO_H
#define TESSERA_INFO_H

#include <stddef.h>

#include "node/base/dstr.h"

/* Appends the INFO text for the given section arguments (as INFO takes
 * them: names, "default", "all", "everything"; argc 0 means default). */
dstr infoGenerate(dstr s, int argc, dstr *sections);

typedef dstr (*infoSectionFn)(dstr s);
void infoRegisterSection(const char *name, infoSectionFn fn);
typedef long long (*infoCounterFn)(void);
void infoRegisterCounter(const char *field, infoCounterFn fn);

/* Memory accounting (Valkey's "memory overhead" model).  All sizes in
 * bytes; ratios are plain ratios, percentages 0..100. */
typedef struct infoDbOverhead {
    int dbid;
    size_t main, expires; /* hashtable overhead of the keys / expires tables */
} infoDbOverhead;

typedef struct infoMemOverhead {
    size_t peakAllocated, totalAllocated, startupAllocated;
    size_t replBacklog, clientsReplicas, clientsNormal, clusterLinks, aofBuffer;
    size_t luaCaches, functionsCaches;
    size_t dbHashtableLut, dbHashtableRehashing;
    long long dbRehashingCount;
    size_t overheadTotal, totalKeys, bytesPerKey, dataset;
    double datasetPerc, peakPerc;
    size_t allocatorAllocated, allocatorActive, allocatorResident, allocatorMuzzy;
    size_t processRss;
    double allocatorFrag, allocatorRss, rssExtra, totalFrag;
    long long allocatorFragBytes, allocatorRssBytes, rssExtraBytes, totalFragBytes;
    int numDbs;
    infoDbOverhead *db; /* numDbs entries: databases holding keys */
} infoMemOverhead;

void infoMemoryOverhead(infoMemOverhead *mh);
void infoFreeMemoryOverhead(infoMemOverhead *mh);
/* Memory in use when the server finished starting up. */
size_t infoStartupMemory(void);

#endif
