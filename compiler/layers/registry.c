/*
 * registry.c — the table of layer kinds. A new kind is a file of this
 * folder, one line here and its file's line in Makefile.am.
 */
#include "compiler/layers/registry.h"

#define LAYER_KINDS(X) \
    X(dense)           \
    X(recurrent)       \
    X(readout)         \
    /* one line per kind, above this one */

#define DECLARE(name) extern const layer_kind layer_kind_##name;
#define ADDRESS(name) &layer_kind_##name,
LAYER_KINDS(DECLARE)
static const layer_kind *const kinds[] = { LAYER_KINDS(ADDRESS) };

const layer_kind_table *layer_kinds(void)
{
    static const layer_kind_table table = { kinds, (int)(sizeof kinds / sizeof kinds[0]) };
    return &table;
}
