/* hll_settings.h — the HyperLogLog directive the PF* commands read:
 * hll-sparse-max-bytes (valkey.conf "ADVANCED CONFIG", default 3000), the
 * size past which a sparse HLL is converted to the dense form.  Bound to its
 * directive by node/server/config_bindings.c; read at every PFADD/PFMERGE,
 * so CONFIG SET applies to the next write of each value. */
#ifndef TESSERA_HLL_SETTINGS_H
#define TESSERA_HLL_SETTINGS_H

#include <stddef.h>

/* The variable behind hll-sparse-max-bytes (a CONFIG_SIZE). */
size_t *hllSparseMaxBytesSetting(void);

#endif
