/*
 * spectral_norm.c — see spectral_norm.h.
 */
#include "runtime/kernels/spectral_norm.h"

#include <float.h>
#include <stdbool.h>
#include <math.h>
#include <string.h>

static int smaller(int rows, int cols) { return rows < cols ? rows : cols; }

size_t sasc_spectral_norm_workspace(int rows, int cols)
{
    size_t n = (size_t)smaller(rows, cols);
    return (size_t)rows * (size_t)cols + n * n + 4 * n;
}

/* The exponent e of the power of two 2^e that the entries are divided by:
 * max |g_ij| / 2^e in [0.5, 1), which keeps the Gram matrix's entries away
 * from overflow and underflow; the division (ldexp) is exact. False for a
 * zero matrix (*zero set) or a non-finite entry. */
static bool scale_exponent(const double *g, size_t count, int *exponent, bool *zero)
{
    double largest = 0.0;
    *zero = false;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(g[i]))
            return false;
        largest = fmax(largest, fabs(g[i]));
    }
    *zero = largest == 0.0;
    if (*zero)
        return false;
    frexp(largest, exponent);   /* largest = f 2^exponent, f in [0.5, 1) */
    return true;
}

/* a = the smaller Gram matrix of the (scaled) g, n x n, both triangles. */
static void gram(const double *g, int rows, int cols, double *a, int n)
{
    memset(a, 0, (size_t)n * (size_t)n * sizeof *a);
    if (cols <= rows) {          /* G^T G: sum over the rows of g */
        for (int k = 0; k < rows; k++) {
            const double *row = g + (size_t)k * (size_t)cols;
            for (int i = 0; i < n; i++) {
                double gi = row[i], *out = a + (size_t)i * n;
                for (int j = i; j < n; j++)
                    out[j] += gi * row[j];
            }
        }
    } else {                     /* G G^T: dot products of the rows */
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) {
                const double *x = g + (size_t)i * (size_t)cols, *y = g + (size_t)j * (size_t)cols;
                double sum = 0.0;
                for (int k = 0; k < cols; k++)
                    sum += x[k] * y[k];
                a[(size_t)i * n + j] = sum;
            }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            a[(size_t)i * n + j] = a[(size_t)j * n + i];
}

/* Householder reduction of the symmetric n x n matrix a (overwritten) to the
 * tridiagonal matrix with diagonal d[0..n-1] and off-diagonal e[0..n-2], of
 * the same eigenvalues. Step k reflects rows and columns k+1..n-1 so that
 * column k is zero below its subdiagonal: with x that column's part below
 * the diagonal, v = x - alpha e_1 (alpha = -sign(x_1) ||x||, no cancellation),
 * beta = 2 / v^T v, p = beta A v, q = p - (beta/2)(v^T p) v, A -= v q^T + q v^T. */
static void tridiagonalise(double *a, int n, double *d, double *e, double *v, double *p)
{
    for (int k = 0; k + 2 < n; k++) {
        int m = n - k - 1;                       /* the trailing block's size */
        double norm2 = 0.0;
        for (int i = 0; i < m; i++) {
            v[i] = a[(size_t)(k + 1 + i) * n + k];
            norm2 += v[i] * v[i];
        }
        if (norm2 == 0.0) {
            e[k] = 0.0;
            continue;
        }
        double alpha = v[0] >= 0.0 ? -sqrt(norm2) : sqrt(norm2);
        double vtv = 2.0 * (norm2 - alpha * v[0]);
        v[0] -= alpha;
        double beta = 2.0 / vtv, vp = 0.0;
        for (int i = 0; i < m; i++) {
            const double *row = a + (size_t)(k + 1 + i) * n + (k + 1);
            double sum = 0.0;
            for (int j = 0; j < m; j++)
                sum += row[j] * v[j];
            p[i] = beta * sum;
            vp += v[i] * p[i];
        }
        double half = 0.5 * beta * vp;
        for (int i = 0; i < m; i++)
            p[i] -= half * v[i];                 /* p is now q */
        for (int i = 0; i < m; i++) {
            double *row = a + (size_t)(k + 1 + i) * n + (k + 1);
            for (int j = 0; j < m; j++)
                row[j] -= v[i] * p[j] + p[i] * v[j];
        }
        e[k] = alpha;
    }
    for (int i = 0; i < n; i++)
        d[i] = a[(size_t)i * n + i];
    if (n >= 2)
        e[n - 2] = a[(size_t)(n - 1) * n + (n - 2)];
}

/* The number of eigenvalues of the tridiagonal (d, e) below x: the negative
 * pivots of the LDL^T factorisation of T - x I (Sturm count), a pivot that
 * vanishes replaced by -pivmin so the count stays exact. */
static int count_below(const double *d, const double *e, int n, double x, double pivmin)
{
    double q = d[0] - x;
    if (fabs(q) < pivmin)
        q = -pivmin;
    int count = q < 0.0;
    for (int i = 1; i < n; i++) {
        q = d[i] - x - e[i - 1] * e[i - 1] / q;
        if (fabs(q) < pivmin)
            q = -pivmin;
        count += q < 0.0;
    }
    return count;
}

/* The largest eigenvalue of the tridiagonal (d, e), by bisection between
 * max d_i (a Rayleigh quotient, so a lower bound) and Gershgorin's upper
 * bound, until the interval is a few units in the last place wide. */
static double largest_eigenvalue(const double *d, const double *e, int n)
{
    double low = d[0], high = -INFINITY, largest_e2 = 1.0;
    for (int i = 0; i < n; i++) {
        double left = i > 0 ? fabs(e[i - 1]) : 0.0, right = i + 1 < n ? fabs(e[i]) : 0.0;
        low = fmax(low, d[i]);
        high = fmax(high, d[i] + left + right);
        largest_e2 = fmax(largest_e2, right * right);
    }
    double pivmin = DBL_MIN * largest_e2;
    for (int iteration = 0; iteration < 2100 && high - low > 2.0 * DBL_EPSILON * fabs(high);
         iteration++) {
        double middle = low + 0.5 * (high - low);
        if (middle <= low || middle >= high)
            break;
        if (count_below(d, e, n, middle, pivmin) == n)
            high = middle;
        else
            low = middle;
    }
    return high;
}

double sasc_spectral_norm(const double *g, int rows, int cols, double *work)
{
    size_t count = (size_t)rows * (size_t)cols;
    int exponent;
    bool zero;
    if (!scale_exponent(g, count, &exponent, &zero))
        return zero ? 0.0 : NAN;
    int n = smaller(rows, cols);
    double *scaled = work, *a = scaled + count, *d = a + (size_t)n * n, *e = d + n, *v = e + n,
           *p = v + n;
    for (size_t i = 0; i < count; i++)
        scaled[i] = ldexp(g[i], -exponent);
    gram(scaled, rows, cols, a, n);
    tridiagonalise(a, n, d, e, v, p);
    return ldexp(sqrt(fmax(largest_eigenvalue(d, e, n), 0.0)), exponent);
}
