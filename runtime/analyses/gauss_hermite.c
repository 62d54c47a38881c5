/*
 * gauss_hermite.c — Gauss-Hermite nodes and weights (see gauss_hermite.h).
 */
#include "runtime/analyses/gauss_hermite.h"

#include <math.h>

/* The orthonormal Hermite polynomial h_n(x) (weight e^{-x^2}) and its derivative. */
static void hermite(int n, double x, double *value, double *derivative)
{
    double p1 = pow(M_PI, -0.25), p2 = 0;
    for (int j = 1; j <= n; j++) {
        double p3 = p2;
        p2 = p1;
        p1 = x * sqrt(2.0 / j) * p2 - sqrt((double)(j - 1) / j) * p3;
    }
    *value = p1;
    *derivative = sqrt(2.0 * n) * p2;
}

/* Starting value of the i-th largest root from the ones found before. */
static double start(int n, int i, const double *roots)
{
    if (i == 0)
        return sqrt(2.0 * n + 1) - 1.85575 * pow(2.0 * n + 1, -1.0 / 6.0);
    if (i == 1)
        return roots[0] - 1.14 * pow(n, 0.426) / roots[0];
    if (i == 2)
        return 1.86 * roots[1] - 0.86 * roots[0];
    if (i == 3)
        return 1.91 * roots[2] - 0.91 * roots[1];
    return 2.0 * roots[i - 1] - roots[i - 2];
}

void sasc_gauss_hermite(int n, double *z, double *w)
{
    double roots[100], weights[100];
    int half = (n + 1) / 2;
    for (int i = 0; i < half; i++) {
        double x = start(n, i, roots), value, derivative = 1;
        for (int iteration = 0; iteration < 100; iteration++) {
            hermite(n, x, &value, &derivative);
            double step = value / derivative;
            x -= step;
            if (fabs(step) <= 1e-15 * fmax(1.0, fabs(x)))
                break;
        }
        hermite(n, x, &value, &derivative);
        roots[i] = x;
        weights[i] = 2.0 / (derivative * derivative);
    }
    /* roots[0] is the largest; mirror, then map x -> sqrt(2) x, w -> w / sqrt(pi). */
    for (int i = 0; i < half; i++) {
        z[n - 1 - i] = M_SQRT2 * roots[i];
        z[i] = -M_SQRT2 * roots[i];
        w[i] = w[n - 1 - i] = weights[i] / sqrt(M_PI);
    }
    if (n % 2 == 1)
        z[n / 2] = 0;
}
