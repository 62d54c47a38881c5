/*
 * elasticity.h — local elasticity of a neurashed model (paper
 * `neurashed.txt`, Sec. 3, "Local elasticity"; runtime/analyses/elasticity.h).
 *
 * w is the state given; w+ is that state after one training update on the
 * mini-batch holding the base pattern alone (its pathway grows by g+, every
 * other node and weight shrinks by g-); z are the logits of a pattern's
 * pathway. The state given is not changed.
 */
#ifndef SASC_NEURASHED_ELASTICITY_H
#define SASC_NEURASHED_ELASTICITY_H

#include <stdbool.h>
#include <stddef.h>
#include "runtime/neurashed/update.h"

/* table[b * P + t] = LE(pattern b, pattern t) for the P patterns of the
 * trainer (NAN where the base's own logits do not change). False with a
 * sentence in `error` without memory. */
bool sasc_neurashed_elasticity_table(sasc_neurashed_trainer *trainer,
                                     const sasc_neurashed_state *state, double *table,
                                     char *error, size_t error_size);

#endif
