/*
 * clipping.h — gradient clipping between the shards' gradient average and
 * the optimiser's update (task settings clip_spectral and clip_norm).
 *
 * Two modes, either or both (0 turns one off):
 *   clip_spectral = c: every GRADIENT buffer G (one per unfrozen pi, m, Xi
 *     of every group: a fan_in x width matrix) with largest singular value
 *     sigma > c becomes G c / sigma, so its spectral norm is c. This is the
 *     authors' recurrent code (ZouWenXuan/Spike-and-Slab-RNN, "Results/MNIST
 *     digit classification/BPTT-SAS-28by28.py" and "-pixelbypixel.py",
 *     grad_clip(g, 10)): each of the nine gradient matrices, averaged over
 *     the mini-batch and before Adam, scaled by 10 / ||g|| when
 *     numpy.linalg.norm(g, ord=2) >= 10; for a 2-D array ord=2 is the
 *     largest singular value, from an SVD (not torch's clip_grad_norm_, and
 *     no power iteration). The pixel-by-pixel script clips the same way (its
 *     input m gradient is a 100 x 1 column, whose spectral norm is its
 *     Euclidean norm; its input pi and Xi gradients are set to 0); their
 *     multisensory code (RNN_SaS_cogni.py, sub_tasks.py) does not clip. sigma is computed in double to the last bits
 *     (runtime/kernels/spectral_norm.h) only for a matrix whose Frobenius
 *     norm, an upper bound of sigma, exceeds c; a matrix at exactly c is left
 *     as it is (the authors scale it by 1).
 *   clip_norm = c: with N = sqrt(sum of g^2 over every entry of every
 *     GRADIENT buffer), after clip_spectral, every gradient is scaled by
 *     c / N when N > c (TensorFlow's clip_by_global_norm; torch's
 *     clip_grad_norm_ divides by N + 1e-6 instead).
 * Masked-out connections do not exist: their entries count as 0 in sigma
 * and N (the update never moves them). A non-finite sigma or N leaves the
 * gradients as they are, so the run's divergence check reports the step.
 *
 * The scaled gradient is the buffer's value times the factor, computed in
 * double and rounded once to the buffer's precision. What the optimiser's
 * weight decay and the l2 penalty contribute: the l2 penalty is part of the
 * loss, so its gradient is clipped with the rest; weight_decay is applied by
 * the update, after clipping (as in the authors' code, whose decay 1e-4 sits
 * in their Adam step).
 *
 * Determinism: everything runs on the calling thread, matrix after matrix
 * in buffer order, each sum in element order, on shard 0's averaged
 * gradients; so the bits do not depend on --threads (nor on the shards,
 * beyond the average itself). With both settings 0 nothing is read or
 * written and a step's bits are those of a build without clipping.
 */
#ifndef SASC_CLIPPING_H
#define SASC_CLIPPING_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    double spectral;          /* clip_spectral, 0 = off */
    double norm;              /* clip_norm, 0 = off */
    double *matrix;           /* the largest gradient matrix, as doubles */
    double *work;             /* sasc_spectral_norm's workspace for it */
    long spectral_clipped;    /* matrices scaled by clip_spectral so far */
    long norm_clipped;        /* steps scaled by clip_norm so far */
} sasc_clipping;

/* The task's clipping for `program`, with its workspace. False with `error`
 * set when memory cannot be had. */
bool sasc_clipping_open(sasc_clipping *clipping, const sasc_program *program,
                        const sasc_task *task, char *error, size_t error_size);
void sasc_clipping_close(sasc_clipping *clipping);

/* Whether either mode is on. */
bool sasc_clipping_active(const sasc_clipping *clipping);

/* Clip the GRADIENT buffers of `buffers` in place, as described above. */
void sasc_clip_gradients(sasc_clipping *clipping, const sasc_program *program,
                         void *const *buffers);

#endif
