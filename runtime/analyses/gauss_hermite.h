/*
 * gauss_hermite.h — Gauss-Hermite quadrature for the standard normal:
 * sum_i w_i f(z_i) ~ E f(Z), Z ~ N(0, 1), exact for polynomials of degree
 * < 2n.
 */
#ifndef SASC_GAUSS_HERMITE_H
#define SASC_GAUSS_HERMITE_H

/* The n nodes z[0..n-1] (ascending) and weights w[0..n-1] (summing to 1),
 * 1 <= n <= 100 (beyond,
 * the recurrence leaves the double range). Newton's method on the orthonormal Hermite recurrence with
 * the classic starting values (Press et al., Numerical Recipes, gauher),
 * then rescaled from the weight e^{-x^2} to the standard normal density. */
void sasc_gauss_hermite(int n, double *z, double *w);

#endif
