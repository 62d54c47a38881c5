/*
 * elasticity.h — local elasticity (He & Su, ICLR 2020; paper `neurashed.txt`,
 * Sec. 3): how much an update at a base input x changes the logits of a test
 * input x', relative to how much it changes x's own,
 *     LE(x, x') = ||z(x', w+) - z(x', w)|| / ||z(x, w+) - z(x, w)||,
 * with z the K logits before the softmax, w the weights and w+ the weights
 * after one update at x, ||.|| the Euclidean norm over the K classes (the
 * paper's definition; the issue writes |.| for the same norm). This module
 * only forms the ratio: each model says what its update at x is.
 */
#ifndef SASC_ELASTICITY_H
#define SASC_ELASTICITY_H

#include <stddef.h>

/* LE from the four logit vectors (K each). NAN when the base's own logits
 * did not change (the ratio is undefined), also when the test's did not. */
double sasc_local_elasticity(const double *test_before, const double *test_after,
                             const double *base_before, const double *base_after, size_t classes);

#endif
