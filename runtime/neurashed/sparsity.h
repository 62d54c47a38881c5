/*
 * sparsity.h — how sparse the learned pathways of a neurashed model are
 * (paper `neurashed.txt`, Sec. 3, "Implicit regularization", Fig. 3: small
 * batches learn sparser pathways than large ones).
 *
 * Over the amplification factors lambda_1 .. lambda_n of a set of nodes (one
 * level, or every level below the classes):
 *   share_above          the share of the n nodes whose lambda exceeds
 *                        `fraction` (e.g. 1%) of the largest: the share of
 *                        features that still matter; 1 is dense;
 *   participation_ratio  (sum lambda)^2 / (n sum lambda^2), in [1/n, 1]: 1 when
 *                        all are equal, 1/n when one node holds everything.
 * Both are scale-free (lambda grows without bound under a multiplicative g+).
 */
#ifndef SASC_NEURASHED_SPARSITY_H
#define SASC_NEURASHED_SPARSITY_H

#include "runtime/neurashed/model.h"

typedef struct {
    int nodes;                 /* n */
    double share_above;
    double participation_ratio;
} sasc_neurashed_sparsity;

/* Over level `level`, or every level below the top when level < 0. All
 * values are 0 when the set is empty or every lambda is 0. */
sasc_neurashed_sparsity sasc_neurashed_sparsity_of(const sasc_neurashed_model *model,
                                                   const sasc_neurashed_state *state, int level,
                                                   double fraction);

#endif
