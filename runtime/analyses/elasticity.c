/*
 * elasticity.c — the local-elasticity ratio (see elasticity.h).
 */
#include "runtime/analyses/elasticity.h"

#include <math.h>

static double change(const double *before, const double *after, size_t classes)
{
    double sum = 0;
    for (size_t j = 0; j < classes; j++)
        sum += (after[j] - before[j]) * (after[j] - before[j]);
    return sqrt(sum);
}

double sasc_local_elasticity(const double *test_before, const double *test_after,
                             const double *base_before, const double *base_after, size_t classes)
{
    double base = change(base_before, base_after, classes);
    return base > 0 ? change(test_before, test_after, classes) / base : NAN;
}
