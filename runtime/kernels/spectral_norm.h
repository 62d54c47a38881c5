/*
 * spectral_norm.h — the largest singular value of a small dense matrix, in
 * double, deterministically.
 *
 * sigma_max(G) = sqrt(lambda_max(A)) with A the smaller Gram matrix, G^T G
 * (cols x cols) or G G^T (rows x rows), n = min(rows, cols). A is reduced to
 * a symmetric tridiagonal matrix by Householder reflections (Golub & Van
 * Loan, Algorithm 8.3.1; about 4/3 n^3 operations), whose largest eigenvalue
 * is then found by bisection on Sturm counts (Algorithm 8.4.1, section 8.4)
 * to the last bits. lambda_max is well conditioned (a perturbation E of A
 * moves it by at most ||E||_2), so forming A costs no accuracy in sigma_max:
 * the relative error is a small multiple of n DBL_EPSILON. This is the value
 * numpy.linalg.norm(G, ord=2) returns (the largest singular value from an
 * SVD), computed without iteration counts or random starts, so it is the
 * same bits on every run and every thread.
 *
 * Cost for the groups of the papers' networks (100 x 100, 784 x 100): a few
 * million operations per matrix, small against a training step.
 */
#ifndef SASC_SPECTRAL_NORM_H
#define SASC_SPECTRAL_NORM_H

#include <stddef.h>

/* Doubles of workspace sasc_spectral_norm needs for a rows x cols matrix. */
size_t sasc_spectral_norm_workspace(int rows, int cols);

/* The largest singular value of the row-major rows x cols matrix `g`
 * (rows, cols >= 1); `work` holds sasc_spectral_norm_workspace(rows, cols)
 * doubles. 0 for a zero matrix; NaN when an entry is not finite. */
double sasc_spectral_norm(const double *g, int rows, int cols, double *work);

#endif
