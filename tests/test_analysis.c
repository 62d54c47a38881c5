/*
 * test_analysis.c — the entropy of spike-and-slab connections (runtime/analyses/entropy.h)
 * and the SVG plots (runtime/support/plot.h).
 *
 * Entropy values are checked against the closed forms and against an
 * independent quadrature of -∫ P ln P for the Gaussian-regularised density;
 * plots are parsed by a small XML well-formedness checker written here.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/analyses/registry.h"
#include "runtime/analyses/statistics.h"
#include "runtime/analyses/entropy.h"
#include "runtime/support/npy.h"
#include "runtime/analyses/psychometric.h"
#include "runtime/settings/run_settings.h"
#include "runtime/ensemble/sampling.h"
#include "runtime/support/plot.h"
#include "runtime/analyses/selectivity.h"
#include "runtime/analyses/msi_selectivity.h"
#include "tests/testing.h"

static const double TWO_PI_E = 2.0 * M_PI * M_E;

/* ---- entropy helpers ---- */

static double discrete(double p)
{
    return (p > 0 ? -p * log(p) : 0.0) - (p < 1 ? (1 - p) * log(1 - p) : 0.0);
}

/* Entropy of one connection; the three outputs through pointers. */
static void one(double pi, double m, double xi, const sasc_entropy_settings *s, double out[3])
{
    sasc_entropy_outputs o = {&out[0], &out[1], &out[2]};
    char error[256] = "";
    CU_ASSERT_TRUE_FATAL(sasc_entropy_compute(&pi, &m, &xi, 1, s, NULL, &o, error, sizeof error));
}

/* Phi^{-1}(q) by bisection on erfc: deterministic normal quantiles. */
static double normal_quantile(double q)
{
    double low = -40.0, high = 40.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (low + high);
        if (0.5 * erfc(-mid / M_SQRT2) < q)
            low = mid;
        else
            high = mid;
    }
    return 0.5 * (low + high);
}

/* eps_s = Phi^{-1}((s + 1/2) / B): the Monte Carlo average becomes a
 * midpoint rule in probability space, accurate to O(1/B^2) for smooth Gamma. */
static double *stratified_normals(size_t b)
{
    double *eps = malloc(b * sizeof *eps);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eps);
    for (size_t s = 0; s < b; s++)
        eps[s] = normal_quantile(((double)s + 0.5) / (double)b);
    return eps;
}

static double gauss(double w, double mean, double variance)
{
    return exp(-0.5 * (w - mean) * (w - mean) / variance) / sqrt(2 * M_PI * variance);
}

/* -∫ N(w|centre,variance) ln P(w) dw by Simpson's rule on w = centre + sd x,
 * x in [-12, 12], P(w) = pi N(w|0,a) + (1-pi) N(w|m,Xi). */
static double cross_term(double centre, double variance, double pi, double m, double xi, double a)
{
    const size_t intervals = 480000; /* h = 5e-5 in x: resolves the spike inside the slab */
    double sd = sqrt(variance), h = 24.0 / (double)intervals, sum = 0.0;
    for (size_t i = 0; i <= intervals; i++) {
        double x = -12.0 + h * (double)i, w = centre + sd * x;
        double p = pi * gauss(w, 0, a) + (1 - pi) * gauss(w, m, xi);
        double weight = (i == 0 || i == intervals) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        double f = exp(-0.5 * x * x) / sqrt(2 * M_PI) * (p > 0 ? log(p) : -1e300);
        sum += weight * f;
    }
    return -sum * h / 3.0;
}

/* -∫ P ln P of the regularised density, split by which component w comes from. */
static double quadrature_entropy(double pi, double m, double xi, double a)
{
    return pi * cross_term(0.0, a, pi, m, xi, a) + (1 - pi) * cross_term(m, xi, pi, m, xi, a);
}

/* ---- entropy tests ---- */

static const sasc_entropy_formula both_formulas[2] = {SASC_ENTROPY_FORMULA_GBP_EQ8,
                                                     SASC_ENTROPY_FORMULA_GBPTT_EQ14};

static void test_entropy_gaussian_closed_form(void)
{
    sasc_entropy_settings s;
    sasc_entropy_settings_default(&s);
    const double xis[] = {2e-8, 1e-4, 0.01, 0.5, 3.0}, ms[] = {0.0, -0.2, 1.5};
    for (size_t i = 0; i < 10; i++) {
        s.formula = both_formulas[i / 5];
        for (size_t j = 0; j < 3; j++) {
            double out[3];
            one(0.0, ms[j], xis[i % 5], &s, out);
            double expected = 0.5 * log(TWO_PI_E * xis[i % 5]);
            ASSERT_CLOSE(out[0], expected, 1e-12);
            ASSERT_CLOSE(out[1], 0.0, 1e-15);
            ASSERT_CLOSE(out[2], expected, 1e-12);
        }
    }
}

static void discrete_closed_form(sasc_entropy_formula formula)
{
    sasc_entropy_settings s;
    sasc_entropy_settings_default(&s);
    s.formula = formula;
    const double pis[] = {0.0, 0.1, 0.5, 0.73, 0.999, 1.0};
    const double xis[] = {0.0, 5e-9, 1e-8}; /* at or below a: the discrete limit */
    for (size_t i = 0; i < 6; i++) {
        for (size_t k = 0; k < 3; k++) {
            double out[3];
            one(pis[i], 0.3, xis[k], &s, out);
            ASSERT_CLOSE(out[0], discrete(pis[i]), 1e-12);
            ASSERT_CLOSE(out[1], discrete(pis[i]), 1e-12);
            ASSERT_CLOSE(out[2], 0.0, 1e-15);
            /* m = 0: spike and slab are the same atom, a deterministic 0 */
            one(pis[i], 0.0, xis[k], &s, out);
            ASSERT_CLOSE(out[0], 0.0, 1e-15);
        }
    }
    double out[3];
    one(0.5, 0.0, 0.0, &s, out);
    CU_ASSERT_EQUAL(out[1], 0.0);
    /* pi = 1 is a deterministic 0 whatever the slab; out-of-range pi is clipped */
    one(1.0, 0.4, 0.3, &s, out);
    CU_ASSERT_EQUAL(out[0], 0.0);
    one(1.2, 0.4, 0.3, &s, out);
    CU_ASSERT_EQUAL(out[0], 0.0);
    one(-0.1, 0.4, 0.3, &s, out);
    ASSERT_CLOSE(out[0], 0.5 * log(TWO_PI_E * 0.3), 1e-12);
    /* a wider delta moves the discrete threshold: Xi = 1e-6 is discrete for a = 1e-5 */
    s.a = 1e-5;
    one(0.3, 0.2, 1e-6, &s, out);
    ASSERT_CLOSE(out[0], discrete(0.3), 1e-12);
}

/* Both papers state the same closed forms (gbptt prints the discrete one
 * without its minus sign, a typo: entropy.h); both formulas use them. */
static void test_entropy_discrete_closed_form(void)
{
    discrete_closed_form(SASC_ENTROPY_FORMULA_GBP_EQ8);
    discrete_closed_form(SASC_ENTROPY_FORMULA_GBPTT_EQ14);
}

/* Eq. 14 against the quadrature. Eq. 14 evaluates the spike's share at its
 * centre, -pi ln P(0), where -∫ P ln P has -pi E_{w~N(0,a)} ln P(w), larger by
 * pi/2 when a << Xi (entropy.h); the slab's share is estimated exactly. */
static void test_entropy_against_quadrature(void)
{
    const size_t b = 20000;
    double *eps = stratified_normals(b);
    sasc_entropy_settings s;
    sasc_entropy_settings_default(&s);
    s.samples = b;
    s.eps = eps;
    const struct {
        double pi, m, xi, a;
    } cases[] = {
        {0.3, 0.2, 0.01, 1e-8},    /* spike in the slab's tail */
        {0.5, 0.0, 0.05, 1e-8},    /* slab centred on the spike */
        {0.8, -0.1, 0.002, 1e-8},  /* mostly absent */
        {0.1, 0.05, 0.02, 1e-6},   /* another a */
        {0.6, 0.01, 0.001, 1e-6},  /* narrow slab just beside the spike */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s.a = cases[i].a;
        double out[3];
        one(cases[i].pi, cases[i].m, cases[i].xi, &s, out);
        double reference = quadrature_entropy(cases[i].pi, cases[i].m, cases[i].xi, cases[i].a);
        /* The next correction is the slab's density relative to the spike's
         * inside the spike, O(sqrt(a/Xi)); measured about 1x that here. */
        double tolerance = 2.0 * sqrt(cases[i].a / cases[i].xi) + 1e-4;
        if (fabs(out[0] + 0.5 * cases[i].pi - reference) > tolerance)
            fprintf(stderr, "case %zu: Eq. 14 %.6f + pi/2 vs quadrature %.6f\n", i, out[0],
                    reference);
        CU_ASSERT(fabs(out[0] + 0.5 * cases[i].pi - reference) <= tolerance);
        /* the parts are the chain-rule terms, independent of a and the samples */
        ASSERT_CLOSE(out[1], discrete(cases[i].pi), 1e-12);
        ASSERT_CLOSE(out[2], (1 - cases[i].pi) * 0.5 * log(TWO_PI_E * cases[i].xi), 1e-12);
    }
    /* pi -> 0: the general formula tends to the Gaussian closed form */
    s.a = 1e-8;
    double out[3];
    one(1e-9, 0.3, 0.04, &s, out);
    ASSERT_CLOSE(out[0], 0.5 * log(TWO_PI_E * 0.04), 1e-4);
    free(eps);
}

/* Gamma(eps) of entropy.h in double, delta(x) = N(x | 0, a). */
static double gamma_of(double eps, double pi, double m, double xi, double a)
{
    return log(pi * gauss(m + sqrt(xi) * eps, 0.0, a) + (1 - pi) / sqrt(xi) * gauss(eps, 0.0, 1.0));
}

/* E Gamma and Var Gamma for eps ~ N(0, 1), by Simpson's rule on [-12, 12]
 * with h = 5e-5: the spike's bump in Gamma, of width sqrt(a/Xi) >= 1e-3 in
 * eps for the cases below, is resolved. */
static void gamma_moments(double pi, double m, double xi, double a, double *mean,
                          double *variance)
{
    const size_t intervals = 480000;
    double h = 24.0 / (double)intervals, first = 0.0, second = 0.0;
    for (size_t i = 0; i <= intervals; i++) {
        double eps = -12.0 + h * (double)i, g = gamma_of(eps, pi, m, xi, a);
        double weight = ((i == 0 || i == intervals) ? 1.0 : (i % 2 ? 4.0 : 2.0)) *
                        gauss(eps, 0.0, 1.0);
        first += weight * g;
        second += weight * g * g;
    }
    *mean = first * h / 3.0;
    *variance = second * h / 3.0 - *mean * *mean;
}

/* The first term of each formula (entropy.h): the spike weighted by its
 * mass pi (gbp Eq. 8) or by its peak pi delta(0) (gbptt Eq. 14). */
static double first_term(sasc_entropy_formula formula, double pi, double m, double xi, double a)
{
    double spike = formula == SASC_ENTROPY_FORMULA_GBP_EQ8 ? pi : pi * gauss(0.0, 0.0, a);
    return -pi * log(spike + (1 - pi) * gauss(0.0, m, xi));
}

/* Each formula's Monte Carlo estimate with B drawn samples against the same
 * formula with the sample average replaced by a quadrature of its integral,
 * -(1-pi) ∫ N(eps) Gamma(eps) deps: within 4 standard errors
 * (1-pi) sd(Gamma) / sqrt(B), and (at B = 10000) far from the other
 * formula's value. */
static void test_entropy_formulas_against_their_integrals(void)
{
    const struct {
        double pi, m, xi, a;
    } cases[] = {
        {0.3, 0.2, 0.01, 1e-8}, {0.5, 0.0, 0.05, 1e-8}, {0.8, -0.1, 0.002, 1e-8},
        {0.1, 0.05, 0.02, 1e-6}, {0.6, 0.01, 0.001, 1e-6}, {0.4, 0.0, 0.01, 1e-4},
    };
    const size_t samples[] = {100, 10000};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double pi = cases[i].pi, m = cases[i].m, xi = cases[i].xi, a = cases[i].a;
        double mean, variance;
        gamma_moments(pi, m, xi, a, &mean, &variance);
        for (size_t k = 0; k < 2 * 2 * 3; k++) {
            sasc_entropy_formula formula = both_formulas[k % 2];
            sasc_entropy_settings s;
            sasc_entropy_settings_default(&s);
            s.formula = formula;
            s.a = a;
            s.samples = samples[(k / 2) % 2];
            s.seed = 1 + k / 4;
            double out[3];
            one(pi, m, xi, &s, out);
            double expected = first_term(formula, pi, m, xi, a) - (1 - pi) * mean;
            double other = first_term(both_formulas[1 - k % 2], pi, m, xi, a) - (1 - pi) * mean;
            double standard_error = (1 - pi) * sqrt(variance / (double)s.samples);
            CU_ASSERT(standard_error > 0.0);
            if (fabs(out[0] - expected) > 4.0 * standard_error)
                fprintf(stderr, "case %zu, formula %d, B %zu: %.6f vs quadrature %.6f (se %.2g)\n",
                        i, (int)formula, s.samples, out[0], expected, standard_error);
            CU_ASSERT(fabs(out[0] - expected) <= 4.0 * standard_error);
            if (s.samples >= 10000)   /* the test tells the formulas apart */
                CU_ASSERT(fabs(out[0] - other) > 10.0 * standard_error);
        }
    }
}

/* How each formula's total relates to the parts (entropy.h, THE
 * DECOMPOSITION): with the slab far from the spike the overlap vanishes, so
 * Eq. 8 is S_pi + S_Xi and Eq. 14 is S_pi + S_Xi + (pi/2) ln(2 pi a), per
 * connection and for a layer's means. Samples with mean eps^2 = 1 make the
 * sample average of ln N(eps) exact, so only rounding is left. */
static void test_entropy_decomposition_per_formula(void)
{
    enum { N = 5 };
    const size_t b = 20000;
    double *eps = stratified_normals(b), squares = 0.0;
    for (size_t k = 0; k < b; k++)
        squares += eps[k] * eps[k];
    for (size_t k = 0; k < b; k++)   /* mean eps^2 = 1: the sample E ln N(eps) is exact */
        eps[k] /= sqrt(squares / (double)b);
    const double pi[N] = {0.05, 0.3, 0.5, 0.7, 0.95}, m[N] = {1.0, -0.8, 0.9, 1.2, -1.0};
    const double xi[N] = {0.01, 0.02, 0.005, 0.03, 0.01};
    double mean_pi = 0.0;
    for (int j = 0; j < N; j++)
        mean_pi += pi[j] / N;
    for (int f = 0; f < 2; f++) {
        sasc_entropy_settings s;
        sasc_entropy_settings_default(&s);
        s.formula = both_formulas[f];
        s.samples = b;
        s.eps = eps;
        double extra = f == 0 ? 0.0 : 0.5 * log(2 * M_PI * s.a);
        double total[N], pi_part[N], xi_part[N];
        sasc_entropy_outputs o = {total, pi_part, xi_part};
        sasc_entropy_summary summary;
        char error[256];
        CU_ASSERT_TRUE_FATAL(sasc_entropy_compute(pi, m, xi, N, &s, &summary, &o, error,
                                                  sizeof error));
        for (int j = 0; j < N; j++) {
            ASSERT_CLOSE(pi_part[j], discrete(pi[j]), 1e-12);
            ASSERT_CLOSE(xi_part[j], (1 - pi[j]) * 0.5 * log(TWO_PI_E * xi[j]), 1e-12);
            ASSERT_CLOSE(total[j], pi_part[j] + xi_part[j] + pi[j] * extra, 1e-6);
        }
        ASSERT_CLOSE(summary.total, summary.pi_part + summary.xi_part + mean_pi * extra, 1e-6);
    }
    free(eps);
}

/* A program of the given group kinds (nothing else filled in). */
static sasc_program program_of_kinds(sasc_group_desc *groups, const sasc_group_kind *kinds,
                                     int count)
{
    for (int g = 0; g < count; g++)
        groups[g] = (sasc_group_desc){.name = "g", .kind = kinds[g], .fan_in = 4, .width = 4};
    return (sasc_program){.abi_version = SASC_ABI_VERSION, .group_count = count, .groups = groups};
}

/* auto: gbp Eq. 8 without a recurrent group, gbptt Eq. 14 with one, by the
 * groups' kinds alone (square dense groups are feedforward); the explicit
 * settings are taken as they are. */
static void test_entropy_formula_of_program(void)
{
    sasc_group_desc groups[3];
    const sasc_group_kind dense[] = {SASC_GROUP_DENSE, SASC_GROUP_DENSE, SASC_GROUP_DENSE};
    const sasc_group_kind recurrent[] = {SASC_GROUP_RECURRENT_INPUT, SASC_GROUP_RECURRENT,
                                         SASC_GROUP_READOUT};
    const sasc_group_kind readout_only[] = {SASC_GROUP_RECURRENT_INPUT, SASC_GROUP_READOUT};
    sasc_program feedforward = program_of_kinds(groups, dense, 3);
    CU_ASSERT_EQUAL(sasc_entropy_formula_of_program(SASC_ENTROPY_FORMULA_AUTO, &feedforward),
                    SASC_ENTROPY_FORMULA_GBP_EQ8);
    CU_ASSERT_EQUAL(sasc_entropy_formula_of_program(SASC_ENTROPY_FORMULA_GBPTT_EQ14, &feedforward),
                    SASC_ENTROPY_FORMULA_GBPTT_EQ14);
    sasc_program rnn = program_of_kinds(groups, recurrent, 3);
    CU_ASSERT_EQUAL(sasc_entropy_formula_of_program(SASC_ENTROPY_FORMULA_AUTO, &rnn),
                    SASC_ENTROPY_FORMULA_GBPTT_EQ14);
    CU_ASSERT_EQUAL(sasc_entropy_formula_of_program(SASC_ENTROPY_FORMULA_GBP_EQ8, &rnn),
                    SASC_ENTROPY_FORMULA_GBP_EQ8);
    sasc_program no_recurrent_group = program_of_kinds(groups, readout_only, 2);
    CU_ASSERT_EQUAL(sasc_entropy_formula_of_program(SASC_ENTROPY_FORMULA_AUTO,
                                                    &no_recurrent_group),
                    SASC_ENTROPY_FORMULA_GBP_EQ8);
    /* the entropy itself refuses an unresolved formula */
    sasc_entropy_settings s;
    sasc_entropy_settings_default(&s);
    s.formula = SASC_ENTROPY_FORMULA_AUTO;
    double pi = 0.5, m = 0.1, xi = 0.01;
    char error[256];
    CU_ASSERT_FALSE(sasc_entropy_compute(&pi, &m, &xi, 1, &s, NULL, NULL, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "formula"));
}

/* A mixed bag of connections covering every case of entropy.h. */
static void fill_connections(double *pi, double *m, double *xi, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double u = fmod(0.61803398875 * (double)(i + 1), 1.0);
        double v = fmod(0.41421356237 * (double)(i + 3), 1.0);
        pi[i] = i % 7 == 0 ? 0.0 : (i % 11 == 0 ? 1.0 : u);
        m[i] = i % 13 == 0 ? 0.0 : v - 0.5;
        xi[i] = i % 5 == 0 ? 0.0 : 0.02 * v * v;
    }
}

static void test_entropy_threads_and_means(void)
{
    enum { N = 1000 };
    double pi[N], m[N], xi[N], reference[3][N], values[3][N];
    fill_connections(pi, m, xi, N);
    sasc_entropy_settings s;
    sasc_entropy_settings_default(&s);
    s.seed = 42;
    char error[256];
    sasc_entropy_summary first, summary;
    sasc_entropy_outputs o = {reference[0], reference[1], reference[2]};
    CU_ASSERT_TRUE_FATAL(sasc_entropy_compute(pi, m, xi, N, &s, &first, &o, error, sizeof error));
    CU_ASSERT_EQUAL(first.count, N);
    double sums[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < N; i++)
            sums[k] += reference[k][i];
    ASSERT_CLOSE(first.total, sums[0] / N, 1e-12);
    ASSERT_CLOSE(first.pi_part, sums[1] / N, 1e-12);
    ASSERT_CLOSE(first.xi_part, sums[2] / N, 1e-12);
    const unsigned threads[] = {2, 3, 7, 64};
    for (size_t t = 0; t < 4; t++) {
        s.threads = threads[t];
        sasc_entropy_outputs ot = {values[0], values[1], values[2]};
        CU_ASSERT_TRUE_FATAL(sasc_entropy_compute(pi, m, xi, N, &s, &summary, &ot, error,
                                                  sizeof error));
        CU_ASSERT_EQUAL(memcmp(values, reference, sizeof values), 0);
        CU_ASSERT_EQUAL(memcmp(&summary, &first, sizeof summary), 0);
    }
    /* a summary alone, without per-connection outputs, is the same */
    CU_ASSERT_TRUE(sasc_entropy_compute(pi, m, xi, N, &s, &summary, NULL, error, sizeof error));
    CU_ASSERT_EQUAL(memcmp(&summary, &first, sizeof summary), 0);
    /* another seed changes the general-case values, the same seed does not */
    s.seed = 43;
    CU_ASSERT_TRUE(sasc_entropy_compute(pi, m, xi, N, &s, &summary, NULL, error, sizeof error));
    CU_ASSERT_NOT_EQUAL(summary.total, first.total);
    CU_ASSERT_EQUAL(summary.pi_part, first.pi_part);
}

static void test_entropy_float_and_errors(void)
{
    enum { N = 300 };
    double pi[N], m[N], xi[N], expected[N], got[N];
    float pf[N], mf[N], xf[N];
    fill_connections(pi, m, xi, N);
    for (size_t i = 0; i < N; i++) {
        pf[i] = (float)pi[i];
        mf[i] = (float)m[i];
        xf[i] = (float)xi[i];
        pi[i] = pf[i];
        m[i] = mf[i];
        xi[i] = xf[i];
    }
    sasc_entropy_settings s;
    sasc_entropy_settings_default(&s);
    char error[256];
    sasc_entropy_outputs oe = {expected, NULL, NULL}, og = {got, NULL, NULL};
    CU_ASSERT_TRUE(sasc_entropy_compute(pi, m, xi, N, &s, NULL, &oe, error, sizeof error));
    CU_ASSERT_TRUE(sasc_entropy_compute_float(pf, mf, xf, N, &s, NULL, &og, error, sizeof error));
    CU_ASSERT_EQUAL(memcmp(expected, got, sizeof got), 0);
    sasc_entropy_summary summary = {1, 1, 1, 1};
    CU_ASSERT_TRUE(sasc_entropy_compute(pi, m, xi, 0, &s, &summary, NULL, error, sizeof error));
    CU_ASSERT_EQUAL(summary.count, 0);
    CU_ASSERT_EQUAL(summary.total, 0.0);
    s.a = 0.0;
    CU_ASSERT_FALSE(sasc_entropy_compute(pi, m, xi, N, &s, NULL, NULL, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "variance a"));
    sasc_entropy_settings_default(&s);
    s.samples = 0;
    CU_ASSERT_FALSE(sasc_entropy_compute(pi, m, xi, N, &s, NULL, NULL, error, sizeof error));
    sasc_entropy_settings_default(&s);
    double bad_eps[2] = {0.5, NAN};
    s.eps = bad_eps;
    s.samples = 2;
    CU_ASSERT_FALSE(sasc_entropy_compute(pi, m, xi, N, &s, NULL, NULL, error, sizeof error));
    /* NaN parameters give NaN for that connection only */
    sasc_entropy_settings_default(&s);
    CU_ASSERT_FALSE(sasc_entropy_compute(NULL, m, xi, N, &s, NULL, NULL, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "no parameter arrays"));
    double p2[2] = {NAN, 0.0}, m2[2] = {0.1, 0.1}, x2[2] = {0.01, 0.01}, t2[2];
    sasc_entropy_outputs o2 = {t2, NULL, NULL};
    CU_ASSERT_TRUE(sasc_entropy_compute(p2, m2, x2, 2, &s, NULL, &o2, error, sizeof error));
    CU_ASSERT_TRUE(isnan(t2[0]));
    ASSERT_CLOSE(t2[1], 0.5 * log(TWO_PI_E * 0.01), 1e-12);
}

/* ---- a small XML well-formedness checker ---- */

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == ':' || c == '.';
}

/* An entity at `p` (which points at '&'): returns its length or 0. */
static size_t entity_length(const char *p)
{
    static const char *const names[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < 5; i++)
        if (strncmp(p, names[i], strlen(names[i])) == 0)
            return strlen(names[i]);
    return 0;
}

/* Character data up to the next '<': no raw '>' surprises, '&' only in entities. */
static bool check_text(const char **p)
{
    while (**p && **p != '<') {
        if (**p == '&') {
            size_t n = entity_length(*p);
            if (n == 0)
                return false;
            *p += n;
        } else {
            (*p)++;
        }
    }
    return true;
}

static void skip_space(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
        (*p)++;
}

/* Attributes up to '>' or '/>': name="value" each, values quoted and escaped. */
static bool check_attributes(const char **p)
{
    for (;;) {
        skip_space(p);
        if (**p == '>' || (**p == '/' && (*p)[1] == '>'))
            return true;
        if (!is_name_char(**p))
            return false;
        while (is_name_char(**p))
            (*p)++;
        skip_space(p);
        if (*(*p)++ != '=')
            return false;
        skip_space(p);
        char quote = *(*p)++;
        if (quote != '"' && quote != '\'')
            return false;
        while (**p != quote) {
            if (**p == '\0' || **p == '<')
                return false;
            if (**p == '&') {
                size_t n = entity_length(*p);
                if (n == 0)
                    return false;
                *p += n;
            } else {
                (*p)++;
            }
        }
        (*p)++;
    }
}

#define MAX_DEPTH 64

/* Well-formed: one root element, tags balanced and properly nested. */
static bool xml_well_formed(const char *doc)
{
    const char *p = doc;
    if (strncmp(p, "<?xml", 5) == 0) {
        p = strstr(p, "?>");
        if (!p)
            return false;
        p += 2;
    }
    char stack[MAX_DEPTH][32];
    int depth = 0, roots = 0;
    while (*p) {
        if (!check_text(&p))
            return false;
        if (!*p)
            break;
        p++; /* '<' */
        bool closing = *p == '/';
        if (closing)
            p++;
        const char *name = p;
        while (is_name_char(*p))
            p++;
        size_t length = (size_t)(p - name);
        if (length == 0 || length >= 32)
            return false;
        if (closing) {
            skip_space(&p);
            if (*p++ != '>' || depth == 0 || strlen(stack[depth - 1]) != length ||
                strncmp(stack[depth - 1], name, length) != 0)
                return false;
            depth--;
            continue;
        }
        if (!check_attributes(&p))
            return false;
        bool empty = *p == '/';
        p += empty ? 2 : 1;
        if (depth == 0)
            roots++;
        if (!empty) {
            if (depth == MAX_DEPTH)
                return false;
            memcpy(stack[depth], name, length);
            stack[depth++][length] = '\0';
        }
    }
    return depth == 0 && roots == 1;
}

static size_t count(const char *doc, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(doc, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

static char temp_dir[64];

static const char *temp_path(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", temp_dir, name);
    return path;
}

static void test_xml_checker(void)
{
    CU_ASSERT_TRUE(xml_well_formed("<a x=\"1\"><b/>t &amp; u</a>"));
    CU_ASSERT_FALSE(xml_well_formed("<a><b></a></b>"));
    CU_ASSERT_FALSE(xml_well_formed("<a x=1/>"));
    CU_ASSERT_FALSE(xml_well_formed("<a>t & u</a>"));
    CU_ASSERT_FALSE(xml_well_formed("<a>"));
    CU_ASSERT_FALSE(xml_well_formed("<a/><b/>"));
}

/* ---- plot tests ---- */

static void test_nice_ticks(void)
{
    double t[32];
    size_t n = sasc_plot_nice_ticks(0.0, 0.87, 6, t, 32);
    CU_ASSERT_EQUAL_FATAL(n, 5);
    for (size_t i = 0; i < n; i++)
        ASSERT_CLOSE(t[i], 0.2 * (double)i, 1e-12);
    n = sasc_plot_nice_ticks(-3.0, 7.0, 6, t, 32);
    CU_ASSERT_EQUAL_FATAL(n, 5);
    CU_ASSERT_EQUAL(t[0], -2.0);
    CU_ASSERT_EQUAL(t[4], 6.0);
    n = sasc_plot_nice_ticks(0.0, 100.0, 6, t, 32);
    CU_ASSERT_EQUAL_FATAL(n, 6);
    CU_ASSERT_EQUAL(t[5], 100.0);
    n = sasc_plot_nice_ticks(0.013, 0.0461, 7, t, 32); /* step 0.005 */
    CU_ASSERT_EQUAL_FATAL(n, 7);
    ASSERT_CLOSE(t[0], 0.015, 1e-12);
    ASSERT_CLOSE(t[6], 0.045, 1e-12);
    n = sasc_plot_nice_ticks(-0.5, 0.5, 3, t, 32);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_EQUAL(t[1], 0.0);
    CU_ASSERT_FALSE(signbit(t[1])); /* no "-0" labels */
    CU_ASSERT_EQUAL(sasc_plot_nice_ticks(2.0, 2.0, 5, t, 32), 1);
    CU_ASSERT_EQUAL(sasc_plot_nice_ticks(NAN, 1.0, 5, t, 32), 0);
    CU_ASSERT_EQUAL(sasc_plot_nice_ticks(1.0, 0.0, 5, t, 32), 0);
}

static void test_line_plot(void)
{
    double x[6] = {0, 1, 2, 3, 4, 5}, y1[6] = {0.1, 0.4, NAN, 0.5, 0.7, 0.9};
    double y2[6] = {0.9, 0.7, 0.6, 0.5, 0.45, 0.4}, sd[6] = {0.05, 0.05, 0.1, NAN, 0.02, 0.02};
    double y3[6] = {0.2, 0.2, 0.3, 0.3, 0.4, INFINITY};
    sasc_plot_series series[3] = {
        {"sampled & mean", x, y1, NULL, 6},
        {"gBP <k=5>", x, y2, sd, 6},
        {NULL, x, y3, NULL, 6},
    };
    const sasc_spread_style styles[2] = {SASC_SPREAD_BAND, SASC_SPREAD_ERROR_BARS};
    for (int k = 0; k < 2; k++) {
        sasc_line_plot plot = {"Accuracy \"per\" epoch", "epoch", "test accuracy", series, 3,
                               styles[k], 0, 0};
        char error[256];
        CU_ASSERT_TRUE_FATAL(sasc_plot_write_lines(&plot, temp_path("lines.svg"), error,
                                                   sizeof error));
        char *svg = read_all(temp_path("lines.svg"));
        CU_ASSERT_TRUE(xml_well_formed(svg));
        CU_ASSERT_EQUAL(count(svg, "<path class=\"series\""), 3);
        CU_ASSERT_EQUAL(count(svg, "class=\"spread\""), 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">sampled &amp; mean</text>"));
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">gBP &lt;k=5&gt;</text>"));
        CU_ASSERT_EQUAL(count(svg, "class=\"legendtext\""), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">epoch</text>"));
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">test accuracy</text>"));
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, "Accuracy &quot;per&quot; epoch"));
        /* the NaN point breaks series 1 into two runs; nothing non-finite is printed */
        const char *first = strstr(svg, "<path class=\"series\"");
        const char *end = strstr(first, "/>");
        size_t moves = 0;
        for (const char *c = first; c < end; c++)
            moves += *c == 'M';
        CU_ASSERT_EQUAL(moves, 2);
        CU_ASSERT_PTR_NULL(strstr(svg, "nan"));
        CU_ASSERT_PTR_NULL(strstr(svg, "inf"));
        CU_ASSERT_EQUAL(count(svg, "<circle class=\"point\""), 5 + 6 + 5);
        free(svg);
    }
}

static void test_histogram_plot(void)
{
    double values[] = {0.0, 0.01, 0.02, 0.5, 0.97, 0.99, 1.0, 1.0, NAN, -0.1, 1.5};
    double edges[11], counts[10];
    size_t counted = sasc_plot_bin(values, 11, 0.0, 1.0, 10, edges, counts);
    CU_ASSERT_EQUAL(counted, 8);
    CU_ASSERT_EQUAL(counts[0], 3.0);
    CU_ASSERT_EQUAL(counts[5], 1.0);
    CU_ASSERT_EQUAL(counts[9], 4.0); /* 0.97, 0.99 and both 1.0: the last bin includes 1 */
    ASSERT_CLOSE(edges[10], 1.0, 1e-15);
    counts[7] = NAN;
    for (int log_y = 0; log_y < 2; log_y++) {
        sasc_histogram_plot plot = {"pi, layer 1", "pi", "count", "layer 1 (784-100)", edges,
                                    counts, 10, log_y != 0, 0, 0};
        char error[256];
        CU_ASSERT_TRUE_FATAL(sasc_plot_write_histogram(&plot, temp_path("hist.svg"), error,
                                                       sizeof error));
        char *svg = read_all(temp_path("hist.svg"));
        CU_ASSERT_TRUE(xml_well_formed(svg));
        CU_ASSERT_EQUAL(count(svg, "<rect class=\"bar\""), 3); /* bins 0, 5, 9 */
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">layer 1 (784-100)</text>"));
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">count</text>"));
        CU_ASSERT_PTR_NULL(strstr(svg, "nan"));
        if (log_y) { /* counts 1..4: the decades 1 and 10, each once */
            CU_ASSERT_EQUAL(count(svg, ">1</text>"), 1);
            CU_ASSERT_EQUAL(count(svg, ">10</text>"), 1);
        }
        free(svg);
    }
    double bad_edges[3] = {0.0, 0.0, 1.0}, two[2] = {1, 2};
    sasc_histogram_plot bad = {"t", "x", "y", NULL, bad_edges, two, 2, false, 0, 0};
    char error[256];
    CU_ASSERT_FALSE(sasc_plot_write_histogram(&bad, temp_path("bad.svg"), error, sizeof error));
    CU_ASSERT_EQUAL(access(temp_path("bad.svg"), F_OK), -1);
}

static void test_heatmap_plot(void)
{
    double values[4 * 5];
    for (int i = 0; i < 20; i++)
        values[i] = 0.05 * i;
    values[7] = NAN;
    sasc_heatmap_plot plot = {"recurrent pi", "presynaptic j", "postsynaptic i", "pi",
                              values, 4, 5, false, 0, 0, 0, 0};
    char error[256];
    CU_ASSERT_TRUE_FATAL(sasc_plot_write_heatmap(&plot, temp_path("heat.svg"), error,
                                                 sizeof error));
    char *svg = read_all(temp_path("heat.svg"));
    CU_ASSERT_TRUE(xml_well_formed(svg));
    CU_ASSERT_EQUAL(count(svg, "<rect class=\"cell\""), 19);
    CU_ASSERT_EQUAL(count(svg, "<g class=\"colorbar\""), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, "class=\"colorbarlabel\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">presynaptic j</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, "fill=\"#440154\"")); /* the minimum's colour */
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, "fill=\"#fde725\"")); /* the maximum's colour */
    free(svg);
    /* a 2 x 2 matrix: index ticks are whole numbers at cell centres */
    double small[4] = {0, 10, 20, 30};
    sasc_heatmap_plot two = {"t", "j", "i", "v", small, 2, 2, false, 0, 0, 0, 0};
    CU_ASSERT_TRUE_FATAL(sasc_plot_write_heatmap(&two, temp_path("heat.svg"), error,
                                                 sizeof error));
    svg = read_all(temp_path("heat.svg"));
    CU_ASSERT_TRUE(xml_well_formed(svg));
    CU_ASSERT_EQUAL(count(svg, "<rect class=\"cell\""), 4);
    CU_ASSERT_PTR_NULL(strstr(svg, ">0.5</text>"));
    CU_ASSERT_PTR_NULL(strstr(svg, ">1.5</text>"));
    CU_ASSERT_EQUAL(count(svg, ">1</text>"), 2); /* row 1 and column 1 */
    free(svg);
    plot.rows = 0;
    CU_ASSERT_FALSE(sasc_plot_write_heatmap(&plot, temp_path("heat.svg"), error, sizeof error));
}

static void test_plot_write_errors(void)
{
    double x[2] = {0, 1}, y[2] = {0, 1};
    sasc_plot_series series = {"s", x, y, NULL, 2};
    sasc_line_plot plot = {"t", "x", "y", &series, 1, SASC_SPREAD_NONE, 0, 0};
    char error[256] = "";
    CU_ASSERT_FALSE(sasc_plot_write_lines(&plot, "/nonexistent-dir/plot.svg", error,
                                          sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "cannot write /nonexistent-dir/plot.svg"));
    /* A file where a directory should be. (Not /dev/full: the atomic write
     * renames a temporary file over the destination, which as root would
     * replace the device node.) */
    CU_ASSERT_TRUE(sasc_plot_write_lines(&plot, temp_path("again.svg"), error, sizeof error));
    char below_file[160];
    snprintf(below_file, sizeof below_file, "%s/plot.svg", temp_path("again.svg"));
    error[0] = '\0';
    CU_ASSERT_FALSE(sasc_plot_write_lines(&plot, below_file, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "Not a directory"));
    /* overwriting replaces the file whole */
    CU_ASSERT_TRUE(sasc_plot_write_lines(&plot, temp_path("again.svg"), error, sizeof error));
    CU_ASSERT_TRUE(sasc_plot_write_lines(&plot, temp_path("again.svg"), error, sizeof error));
    char *svg = read_all(temp_path("again.svg"));
    CU_ASSERT_TRUE(xml_well_formed(svg));
    free(svg);
}

static int make_temp_dir(void)
{
    snprintf(temp_dir, sizeof temp_dir, "/tmp/sasc-test-analysis-XXXXXX");
    return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void)
{
    const char *names[] = {"lines.svg", "hist.svg", "heat.svg", "again.svg", "bad.svg"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(temp_path(names[i]));
    return rmdir(temp_dir) == 0 ? 0 : -1;
}

/* ---- analyses of an ensemble (statistics.h, registry.h, sampling.h, run_settings.h) ---- */

/* One layer "w" of 5 x 2 connections, f64, with known classes:
 *   k = 0..3  VIP    (pi 0, m 1, Xi 0)      entropy 0
 *   k = 4, 5  UIP    (pi 1, m 0.3, Xi 0.2)  entropy 0
 *   k = 6..8  other  (pi 0.5, m 1, Xi 0)    entropy ln 2 (all pi-part)
 *   k = 9     other  (pi 0, m 0, Xi 0.1)    entropy 0.5 ln(2 pi e 0.1) (all Xi-part) */
enum { TINY_N = 10 };
static double tiny_values[3][TINY_N];
static void *tiny_buffers[3];
static const sasc_buffer_desc tiny_descs[3] = {
    {"w.pi", SASC_BUFFER_PARAMETER, 0, SASC_PI, 5, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"w.m", SASC_BUFFER_PARAMETER, 0, SASC_M, 5, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"w.Xi", SASC_BUFFER_PARAMETER, 0, SASC_XI, 5, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
};
static const sasc_group_desc tiny_groups[1] = {
    {"w", SASC_GROUP_DENSE, 0, 5, 2, {0, 1, 2}, -1, -1, {SASC_MASK_NONE, 0, NULL}}};
static const sasc_layer_desc tiny_layers[1] = {{"w", "dense", "identity", 2, false, 0, 1, -1}};

static sasc_program tiny_program(void)
{
    static const double pi[TINY_N] = {0, 0, 0, 0, 1, 1, 0.5, 0.5, 0.5, 0};
    static const double m[TINY_N] = {1, 1, 1, 1, 0.3, 0.3, 1, 1, 1, 0};
    static const double xi[TINY_N] = {0, 0, 0, 0, 0.2, 0.2, 0, 0, 0, 0.1};
    memcpy(tiny_values[0], pi, sizeof pi);
    memcpy(tiny_values[1], m, sizeof m);
    memcpy(tiny_values[2], xi, sizeof xi);
    for (int k = 0; k < 3; k++)
        tiny_buffers[k] = tiny_values[k];
    sasc_program p = {.abi_version = SASC_ABI_VERSION, .model_name = "tiny", .precision = SASC_F64,
                      .batch = 1, .input_width = 5, .classes = 2, .buffer_count = 3,
                      .buffers = tiny_descs, .group_count = 1, .groups = tiny_groups,
                      .layer_count = 1, .layers = tiny_layers};
    return p;
}

static sasc_task tiny_task(void)
{
    sasc_task t;
    sasc_task_defaults(&t);
    t.threads = 1;
    return t;
}

static const double LN2 = 0.69314718055994531;

static void test_mean_sd(void)
{
    const double same[10] = {0.8357, 0.8357, 0.8357, 0.8357, 0.8357,
                             0.8357, 0.8357, 0.8357, 0.8357, 0.8357};
    double mean, sd;
    sasc_mean_sd(same, 10, &mean, &sd);
    CU_ASSERT_EQUAL(mean, 0.8357);   /* exactly: the BP baseline's sampled networks */
    CU_ASSERT_EQUAL(sd, 0.0);
    const double values[4] = {1, 2, 3, 6};
    sasc_mean_sd(values, 4, &mean, &sd);
    ASSERT_CLOSE(mean, 3.0, 1e-15);
    ASSERT_CLOSE(sd, sqrt((4 + 1 + 0 + 9) / 3.0), 1e-15);
    sasc_mean_sd(values, 1, &mean, &sd);
    CU_ASSERT_EQUAL(mean, 1.0);
    CU_ASSERT_EQUAL(sd, 0.0);
}

static void test_classification(void)
{
    sasc_task t = tiny_task();
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 0, 0.01, 0), SASC_CONNECTION_VIP);
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 0, 1, 1e-9), SASC_CONNECTION_OTHER);
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 1e-9, 1, 0), SASC_CONNECTION_OTHER);
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 1, 1, 0.5), SASC_CONNECTION_UIP);
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 0.999, 1, 0), SASC_CONNECTION_OTHER);
    t.vip_tolerance = 1e-3;
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 0.999, 1, 0), SASC_CONNECTION_UIP);
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 1e-4, 1, 1e-4), SASC_CONNECTION_VIP);
    t.vip_tolerance = 0;
    t.vip_rule = SASC_VIP_RELAXED;   /* pi < 0.1 and |m| > 0.05 */
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 0.09, -0.06, 0.3), SASC_CONNECTION_VIP);
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 0.1, 0.5, 0), SASC_CONNECTION_OTHER);
    CU_ASSERT_EQUAL(sasc_classify_connection(&t, 0, 0.05, 0), SASC_CONNECTION_OTHER);
}

static void test_layer_statistics(void)
{
    sasc_program p = tiny_program();
    sasc_task t = tiny_task();
    sasc_parameter_copy copy;
    char error[256];
    CU_ASSERT_TRUE_FATAL(sasc_parameters_save(&p, tiny_buffers, &copy, error, sizeof error));
    sasc_group_statistics s;
    CU_ASSERT_TRUE_FATAL(sasc_network_statistics(&p, &t, &copy, &s, error, sizeof error));
    double gauss = 0.5 * log(TWO_PI_E * 0.1);
    CU_ASSERT_EQUAL(s.connections, TINY_N);
    ASSERT_CLOSE(s.sparsity, 0.35, 1e-15);
    ASSERT_CLOSE(s.vip, 0.4, 1e-15);
    ASSERT_CLOSE(s.uip, 0.2, 1e-15);
    ASSERT_CLOSE(s.entropy, (3 * LN2 + gauss) / 10, 1e-12);
    ASSERT_CLOSE(s.entropy_pi, 3 * LN2 / 10, 1e-12);
    ASSERT_CLOSE(s.entropy_xi, gauss / 10, 1e-12);
    t.vip_rule = SASC_VIP_RELAXED;
    t.vip_m_min = 2;   /* no |m| exceeds 2 */
    CU_ASSERT_TRUE(sasc_network_statistics(&p, &t, &copy, &s, error, sizeof error));
    CU_ASSERT_EQUAL(s.vip, 0.0);
    /* The BP baseline: every pi and Xi 0 gives zero sparsity and zero entropy. */
    for (int k = 0; k < TINY_N; k++)
        copy.values[0][SASC_PI][k] = copy.values[0][SASC_XI][k] = 0;
    t.vip_rule = SASC_VIP_STRICT;
    CU_ASSERT_TRUE(sasc_network_statistics(&p, &t, &copy, &s, error, sizeof error));
    CU_ASSERT_EQUAL(s.sparsity, 0.0);
    CU_ASSERT_EQUAL(s.entropy, 0.0);
    CU_ASSERT_EQUAL(s.entropy_pi, 0.0);
    CU_ASSERT_EQUAL(s.entropy_xi, 0.0);
    CU_ASSERT_EQUAL(s.vip, 1.0);
    sasc_parameters_free(&copy);
}

/* The accuracy callbacks of these tests read the weights the kernels would see. */
typedef struct {
    int index;          /* test_sampled_networks: which weight to report */
    long calls;
    bool uip_seen_on;   /* a UIP weight was non-zero in some evaluation */
} tiny_context;

static double weight_of(void *context)
{
    tiny_context *c = context;
    c->calls++;
    CU_ASSERT_EQUAL(tiny_values[SASC_PI][c->index], 0.0);   /* a deterministic network */
    CU_ASSERT_EQUAL(tiny_values[SASC_XI][c->index], 0.0);
    return tiny_values[SASC_M][c->index];
}

static void test_sampled_networks(void)
{
    sasc_program p = tiny_program();
    char error[256];
    enum { DRAWS = 4000 };
    double mean, sd, again, each[3];
    tiny_context c = {.index = 6};   /* w = 0 with probability 0.5, else 1 */
    CU_ASSERT_TRUE_FATAL(sasc_sampled_accuracy(&p, tiny_buffers, DRAWS, 7, 0, weight_of, &c, &mean,
                                               &sd, NULL, error, sizeof error));
    CU_ASSERT_EQUAL(c.calls, DRAWS);
    CU_ASSERT(fabs(mean - 0.5) < 0.03);
    CU_ASSERT(fabs(sd - 0.5) < 0.01);
    c.index = 9;                      /* w ~ N(0, 0.1) */
    CU_ASSERT_TRUE(sasc_sampled_accuracy(&p, tiny_buffers, DRAWS, 7, 0, weight_of, &c, &mean, &sd,
                                         NULL, error, sizeof error));
    CU_ASSERT(fabs(mean) < 0.02);
    CU_ASSERT(fabs(sd - sqrt(0.1)) < 0.015);
    c.index = 0;                      /* a VIP weight is always its mean */
    CU_ASSERT_TRUE(sasc_sampled_accuracy(&p, tiny_buffers, 3, 7, 0, weight_of, &c, &mean, &sd, each,
                                         error, sizeof error));
    CU_ASSERT_EQUAL(mean, 1.0);
    CU_ASSERT_EQUAL(sd, 0.0);
    CU_ASSERT_EQUAL(each[2], 1.0);
    /* the same seed and draws give the same networks; the ensemble is restored */
    c.index = 9;
    CU_ASSERT_TRUE(sasc_sampled_accuracy(&p, tiny_buffers, 5, 3, 10, weight_of, &c, &mean, &sd,
                                         NULL, error, sizeof error));
    CU_ASSERT_TRUE(sasc_sampled_accuracy(&p, tiny_buffers, 5, 3, 10, weight_of, &c, &again, &sd,
                                         NULL, error, sizeof error));
    CU_ASSERT_EQUAL(mean, again);
    CU_ASSERT_EQUAL(tiny_values[SASC_PI][6], 0.5);
    CU_ASSERT_EQUAL(tiny_values[SASC_XI][4], 0.2);
    CU_ASSERT_EQUAL(tiny_values[SASC_M][9], 0.0);
}

/* "Accuracy" = the fraction of the four VIP weights still on, so the error
 * is the fraction turned off: exactly f when VIP weights are turned off, on
 * average count/10 when `count` of all 10 weights are, and 0 when UIP
 * weights are turned on. */
static double vip_intact(void *context)
{
    tiny_context *c = context;
    c->calls++;
    int on = 0;
    for (int k = 0; k < 4; k++)
        on += tiny_values[SASC_M][k] != 0.0;
    c->uip_seen_on = c->uip_seen_on || tiny_values[SASC_M][4] != 0.0 || tiny_values[SASC_M][5] != 0.0;
    return on / 4.0;
}

static char analysis_dir[64];

static const char *analysis_path(const char *name)
{
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", analysis_dir, name);
    return path;
}

/* The analyses `list` run on a saved run (registry.h) of the ensemble in
 * `buffers`, written into analysis_dir, `accuracy(context)` the host's test
 * accuracy. */
static bool analyze(const sasc_program *p, const sasc_task *t, void **buffers, const char *list,
                    sasc_accuracy_fn accuracy, void *context, char *error, size_t error_size)
{
    sasc_task task = *t;
    snprintf(task.out, sizeof task.out, "%s", analysis_dir);
    sasc_analysis_host host = {context, accuracy, NULL, NULL, NULL};
    return sasc_saved_analyses_run(p, &task, buffers, &host, list, error, error_size);
}

/* The CSV line that starts with `prefix`, copied into `line`. */
static bool csv_line(const char *text, const char *prefix, char *line, size_t size)
{
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            size_t length = strcspn(p, "\n");
            snprintf(line, size, "%.*s", (int)length, p);
            return true;
        }
    return false;
}

/* Column `column` (0-based) of a CSV line. */
static double csv_field(const char *line, int column)
{
    for (int k = 0; k < column && line; k++)
        line = (line = strchr(line, ',')) ? line + 1 : NULL;
    return line ? strtod(line, NULL) : NAN;
}

static void test_perturbation(void)
{
    sasc_program p = tiny_program();
    sasc_task t = tiny_task();
    t.perturb_steps = 4;
    t.perturb_repeats = 400;
    tiny_context c = {0};
    char error[512];
    CU_ASSERT_TRUE_FATAL(analyze(&p, &t, tiny_buffers, "perturbation", vip_intact, &c, error, sizeof error));
    CU_ASSERT_EQUAL(c.calls, 3 * 5 * 400);
    CU_ASSERT_TRUE(c.uip_seen_on);
    char *csv = read_all(analysis_path("perturbation.csv"));
    char line[256], prefix[64];
    /* layer,condition,fraction,count,pool,test_error_mean,test_error_sd,repeats */
    for (int step = 0; step <= 4; step++) {
        double f = step / 4.0;
        snprintf(prefix, sizeof prefix, "w,vip_off,%.9g,", f);
        CU_ASSERT_TRUE_FATAL(csv_line(csv, prefix, line, sizeof line));
        CU_ASSERT_EQUAL(csv_field(line, 3), step);
        CU_ASSERT_EQUAL(csv_field(line, 4), 4);
        ASSERT_CLOSE(csv_field(line, 5), f, 1e-12);
        CU_ASSERT_EQUAL(csv_field(line, 6), 0.0);
        snprintf(prefix, sizeof prefix, "w,random_off,%.9g,", f);
        CU_ASSERT_TRUE_FATAL(csv_line(csv, prefix, line, sizeof line));
        CU_ASSERT(fabs(csv_field(line, 5) - step / 10.0) < 0.03);
        snprintf(prefix, sizeof prefix, "w,uip_on,%.9g,", f);
        CU_ASSERT_TRUE_FATAL(csv_line(csv, prefix, line, sizeof line));
        CU_ASSERT_EQUAL(csv_field(line, 3), llround(f * 2));
        CU_ASSERT_EQUAL(csv_field(line, 5), 0.0);
    }
    free(csv);
    char *svg = read_all(analysis_path("perturbation_w.svg"));
    CU_ASSERT_TRUE(xml_well_formed(svg));
    CU_ASSERT_EQUAL(count(svg, "<path class=\"series\""), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">VIP weights turned off</text>"));
    free(svg);
    CU_ASSERT_EQUAL(tiny_values[SASC_PI][4], 1.0);   /* the ensemble is restored */
    CU_ASSERT_EQUAL(tiny_values[SASC_M][4], 0.3);
    t.perturb_layers[0] = 'x';
    CU_ASSERT_FALSE(analyze(&p, &t, tiny_buffers, "perturbation", vip_intact, &c, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "'x', which is not a layer"));
    CU_ASSERT_FALSE(analyze(&p, &t, tiny_buffers, "histogram", vip_intact, &c, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "unknown analysis 'histogram'"));
}

static void test_histograms_and_entropy_files(void)
{
    sasc_program p = tiny_program();
    sasc_task t = tiny_task();
    tiny_context c = {0};
    char error[512];
    CU_ASSERT_TRUE_FATAL(analyze(&p, &t, tiny_buffers, "histograms,entropy", vip_intact, &c, error, sizeof error));
    CU_ASSERT_EQUAL(c.calls, 0);   /* neither needs the test set */
    char *csv = read_all(analysis_path("histograms.csv"));
    char line[256];
    /* quantity,layer,bin_low,bin_high,count,fraction: pi = 0 five times, 0.5 three, 1 twice */
    CU_ASSERT_TRUE(csv_line(csv, "pi,w,0,0.02,", line, sizeof line));
    CU_ASSERT_EQUAL(csv_field(line, 4), 5);
    ASSERT_CLOSE(csv_field(line, 5), 0.5, 1e-12);
    CU_ASSERT_TRUE(csv_line(csv, "pi,w,0.5,0.52,", line, sizeof line));
    CU_ASSERT_EQUAL(csv_field(line, 4), 3);
    CU_ASSERT_TRUE(csv_line(csv, "pi,w,0.98,1,", line, sizeof line));
    CU_ASSERT_EQUAL(csv_field(line, 4), 2);
    free(csv);
    csv = read_all(analysis_path("layers.csv"));
    CU_ASSERT_TRUE(csv_line(csv, "w,1,10,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 3), 0.35, 1e-8);
    ASSERT_CLOSE(csv_field(line, 5), 3 * LN2 / 10, 1e-8);
    ASSERT_CLOSE(csv_field(line, 7), 0.4, 1e-8);
    ASSERT_CLOSE(csv_field(line, 8), 0.2, 1e-8);
    free(csv);
    double entropy[TINY_N], pi_part[TINY_N];
    CU_ASSERT_TRUE_FATAL(sasc_npy_read(analysis_path("w.entropy.npy"), 5, 2, entropy, error,
                                       sizeof error));
    CU_ASSERT_TRUE_FATAL(sasc_npy_read(analysis_path("w.entropy_pi.npy"), 5, 2, pi_part, error,
                                       sizeof error));
    for (int k = 0; k < 6; k++)
        CU_ASSERT_EQUAL(entropy[k], 0.0);
    ASSERT_CLOSE(entropy[7], LN2, 1e-12);
    ASSERT_CLOSE(pi_part[8], LN2, 1e-12);
    ASSERT_CLOSE(entropy[9], 0.5 * log(TWO_PI_E * 0.1), 1e-12);
    CU_ASSERT_EQUAL(pi_part[9], 0.0);
    const char *figures[] = {"histogram_pi.svg", "histogram_m.svg", "histogram_Xi.svg",
                             "histogram_entropy.svg", "entropy_layers.svg",
                             "sparsity_layers.svg", "vip_uip_layers.svg"};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        char *svg = read_all(analysis_path(figures[i]));
        CU_ASSERT_TRUE(xml_well_formed(svg));
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, "class=\"xlabel\""));
        CU_ASSERT(count(svg, "<path class=\"series\"") >= 1);
        free(svg);
    }
}

static void test_run_settings(void)
{
    const char *json =
        "{\n  \"model\": \"gbp\",\n  \"task\": \"train \\\"A\\\"\",\n  \"status\": \"completed\",\n"
        "  \"settings\": {\n    \"name\": \"train\",\n    \"data\": \"/d/x\\\\y\",\n"
        "    \"train\": 10000,\n    \"lr\": 0.1,\n    \"shuffle\": true,\n"
        "    \"optimizer\": \"adam\"\n  },\n  \"seed\": 1\n}\n";
    FILE *f = fopen(analysis_path("run.json"), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(json, f);
    fclose(f);
    sasc_run_settings s;
    char error[256];
    CU_ASSERT_TRUE_FATAL(sasc_run_settings_read(analysis_dir, &s, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(s.task, "train \"A\"");
    CU_ASSERT_EQUAL_FATAL(s.count, 6);
    CU_ASSERT_STRING_EQUAL(s.pairs[0], "name=train");
    CU_ASSERT_STRING_EQUAL(s.pairs[1], "data=/d/x\\y");
    CU_ASSERT_STRING_EQUAL(s.pairs[2], "train=10000");
    CU_ASSERT_STRING_EQUAL(s.pairs[4], "shuffle=true");
    CU_ASSERT_STRING_EQUAL(s.pairs[5], "optimizer=adam");
    sasc_task t = tiny_task();
    for (int i = 0; i < s.count; i++) {
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)strcspn(s.pairs[i], "="), s.pairs[i]);
        CU_ASSERT_TRUE(sasc_task_set(&t, key, strchr(s.pairs[i], '=') + 1, error, sizeof error));
    }
    CU_ASSERT_EQUAL(t.train, 10000);
    sasc_run_settings_free(&s);
    CU_ASSERT_FALSE(sasc_run_settings_read("/nonexistent-sasc-run", &s, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "run directory"));
}

/* A 3 x 3 "recurrent" layer, stored source-major (w_ij at [j * 3 + i]). */
static void test_recurrent_statistics(void)
{
    /* pi_ij: i < j entries (stored below the diagonal: row j > column i) are
     * 0.2, 0.4, 0.6; i > j entries 1, 0, 0.5; the diagonal 0.9 (not counted). */
    const double pi[9] = {0.9, 1.0, 0.0,
                          0.2, 0.9, 0.5,
                          0.4, 0.6, 0.9};
    double lower, upper;
    sasc_triangle_sparsity(pi, 3, 3, &lower, &upper);
    ASSERT_CLOSE(lower, 0.4, 1e-15);
    ASSERT_CLOSE(upper, 0.5, 1e-15);
    sasc_triangle_sparsity(pi, 3, 2, &lower, &upper);
    CU_ASSERT_TRUE(isnan(lower) && isnan(upper));
    /* eta = mean(w_ij w_ji) / mean(w_ij^2) over the pairs (0,1), (0,2), (1,2) */
    const double w[9] = {5, 1, 2,
                         3, 0, -1,
                         0, 4, 7};
    double zeros, eta;
    sasc_reciprocity(w, 3, &zeros, &eta);
    double products = 1 * 3 + 2 * 0 + (-1) * 4;                /* w_10 w_01, w_20 w_02, w_21 w_12 */
    double squares = (1 + 9 + 4 + 0 + 1 + 16) / 2.0;
    ASSERT_CLOSE(eta, products / squares, 1e-15);
    ASSERT_CLOSE(zeros, 2.0 / 9.0, 1e-15);
    const double symmetric[4] = {0, 2, 2, 0};
    sasc_reciprocity(symmetric, 2, &zeros, &eta);
    CU_ASSERT_EQUAL(eta, 1.0);
    CU_ASSERT_EQUAL(zeros, 0.5);
}

/* A recurrent group through the analyses: heat maps and the dynamics files. */
static void test_recurrent_files(void)
{
    static double values[3][9];
    static void *buffers[3] = {values[0], values[1], values[2]};
    static const sasc_buffer_desc descs[3] = {
        {"h.pi", SASC_BUFFER_PARAMETER, 0, SASC_PI, 3, 3, {SASC_INIT_ZEROS, 0, 0}, false, -1},
        {"h.m", SASC_BUFFER_PARAMETER, 0, SASC_M, 3, 3, {SASC_INIT_ZEROS, 0, 0}, false, -1},
        {"h.Xi", SASC_BUFFER_PARAMETER, 0, SASC_XI, 3, 3, {SASC_INIT_ZEROS, 0, 0}, false, -1}};
    static const sasc_group_desc groups[1] = {
        {"h", SASC_GROUP_RECURRENT, 0, 3, 3, {0, 1, 2}, -1, -1, {SASC_MASK_NONE, 0, NULL}}};
    static const sasc_layer_desc layers[1] = {{"h", "recurrent", "relu", 3, true, 0, 1, -1}};
    sasc_program p = {.abi_version = SASC_ABI_VERSION, .precision = SASC_F64, .batch = 1,
                      .input_width = 3, .classes = 3, .buffer_count = 3, .buffers = descs,
                      .group_count = 1, .groups = groups, .layer_count = 1, .layers = layers};
    for (int k = 0; k < 9; k++) {
        values[SASC_PI][k] = k == 1 ? 1.0 : 0.0;   /* one absent link, the rest deterministic */
        values[SASC_M][k] = 1.0 + k;
    }
    sasc_task t = tiny_task();
    t.dynamic_steps = 4;
    tiny_context c = {0};
    char error[512];
    CU_ASSERT_TRUE_FATAL(analyze(&p, &t, buffers, "histograms,dynamics,entropy", vip_intact, &c, error, sizeof error));
    char *csv = read_all(analysis_path("dynamics.csv"));
    char line[256];
    CU_ASSERT_TRUE(csv_line(csv, "h,4,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 2), 1.0 / 9.0, 1e-8);   /* the link with pi = 1 */
    /* pairs (i,j) = (0,1): w_01 = m[3] = 4, w_10 = 0; (0,2): 7 * 3; (1,2): 8 * 6 */
    ASSERT_CLOSE(csv_field(line, 3), (0 + 21 + 48) / ((16 + 0 + 49 + 9 + 64 + 36) / 2.0), 1e-8);
    free(csv);
    csv = read_all(analysis_path("layers.csv"));
    CU_ASSERT_TRUE(csv_line(csv, "h,1,9,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 10), 1.0 / 3.0, 1e-8);   /* i > j: the stored [0][1] */
    CU_ASSERT_EQUAL(csv_field(line, 9), 0.0);
    free(csv);
    const char *figures[] = {"matrix_h_pi.svg", "matrix_h_m.svg", "matrix_h_Xi.svg",
                             "dynamics_zeros.svg", "dynamics_eta.svg"};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        char *svg = read_all(analysis_path(figures[i]));
        CU_ASSERT_TRUE(xml_well_formed(svg));
        if (i < 3)
            CU_ASSERT_EQUAL(count(svg, "class=\"cell\""), 9);
        free(svg);
    }
    sasc_program feedforward = tiny_program();   /* 5 x 2: no square layer */
    CU_ASSERT_FALSE(analyze(&feedforward, &t, tiny_buffers, "dynamics", vip_intact, &c, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "the dynamics analysis needs a layer with recurrent "
                                         "connections, which model 'tiny' does not have"));
}

/* Resume after `epoch` (analysis_dir holds the rows of a finished run): the
 * analysis reopens, restores the rows up to `epoch` (with the dynamic
 * evaluator `dynamic` when not NULL), redoes `epoch` as the last one, and
 * analysis.csv must come out byte for byte as before. */
static void expect_resume_unchanged(const sasc_program *p, const sasc_task *t,
                                    sasc_accuracy_fn dynamic, int epoch, double test_accuracy,
                                    tiny_context *c)
{
    char error[512];
    char *before = read_all(analysis_path("analysis.csv"));
    sasc_analysis_host host = {c, vip_intact, dynamic, NULL, NULL};
    sasc_training_analyses *a = sasc_training_analyses_open(p, t, tiny_buffers, &host, error,
                                                            sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_TRUE(sasc_training_analyses_restore(a, epoch, error, sizeof error));
    CU_ASSERT_TRUE(sasc_training_analyses_epoch(a, epoch, true, test_accuracy, error,
                                                sizeof error));
    sasc_training_analyses_close(a);
    char *after = read_all(analysis_path("analysis.csv"));
    CU_ASSERT_STRING_EQUAL(after, before);
    free(before);
    free(after);
}

/* analyze_every = 2 over three epochs: rows after epochs 2 and 3 (the last). */
static void test_during_training(void)
{
    sasc_program p = tiny_program();
    sasc_task t = tiny_task();
    t.analyze_every = 2;
    t.sampled_networks = 5;
    snprintf(t.out, sizeof t.out, "%s", analysis_dir);
    char error[512];
    tiny_context c = {0};
    sasc_analysis_host host = {&c, vip_intact, NULL, NULL, NULL};
    sasc_training_analyses *a = sasc_training_analyses_open(&p, &t, tiny_buffers, &host, error,
                                                            sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    for (int epoch = 0; epoch < 3; epoch++)
        CU_ASSERT_TRUE(sasc_training_analyses_epoch(a, epoch, epoch == 2, 0.75 + epoch, error,
                                                    sizeof error));
    sasc_training_analyses_close(a);
    CU_ASSERT_EQUAL(c.calls, 2 * 5);
    char *csv = read_all(analysis_path("analysis.csv"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "epoch,test_accuracy,sampled_accuracy_mean,"
                                       "sampled_accuracy_sd,sparsity_w,entropy_w,entropy_pi_w,"
                                       "entropy_xi_w,vip_w,uip_w\n"));
    CU_ASSERT_PTR_NULL(strstr(csv, "i_lt_j"));   /* not a square layer */
    char line[256];
    CU_ASSERT_FALSE(csv_line(csv, "1,", line, sizeof line));
    CU_ASSERT_TRUE_FATAL(csv_line(csv, "3,", line, sizeof line));
    CU_ASSERT_EQUAL(csv_field(line, 1), 2.75);
    CU_ASSERT_EQUAL(csv_field(line, 2), 1.0);   /* every sampled network keeps its VIP weights */
    CU_ASSERT_EQUAL(csv_field(line, 3), 0.0);
    ASSERT_CLOSE(csv_field(line, 4), 0.35, 1e-8);
    ASSERT_CLOSE(csv_field(line, 8), 0.4, 1e-8);
    CU_ASSERT_TRUE(csv_line(csv, "2,", line, sizeof line));
    free(csv);
    const char *figures[] = {"accuracy.svg", "sparsity.svg", "entropy.svg", "entropy_pi.svg",
                             "entropy_xi.svg", "vip_uip.svg"};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        char *svg = read_all(analysis_path(figures[i]));
        CU_ASSERT_TRUE(xml_well_formed(svg));
        CU_ASSERT(count(svg, "<path class=\"series\"") >= 1);
        free(svg);
    }
    char *svg = read_all(analysis_path("accuracy.svg"));
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">5 sampled networks (mean +- sd)</text>"));
    free(svg);
    /* A resumed run after epoch 2 keeps the row of epoch 2 and redoes epoch 3. */
    expect_resume_unchanged(&p, &t, NULL, 2, 2.75, &c);
}

/* The dynamic network's accuracy during training (runtime/ensemble/dynamic.h): a
 * program with predict_dynamic gets two more columns, the mean and sd of
 * the accuracies its evaluator returns (0.5, 0.6, 0.7, 0.8 per epoch). */
static int dynamic_calls;

static double dynamic_sequence(void *context)
{
    (void)context;
    return 0.5 + 0.1 * (dynamic_calls++ % 4);
}

static void no_kernel(void *const *buffers)
{
    (void)buffers;
}

static void test_during_training_dynamic(void)
{
    sasc_program p = tiny_program();
    static const sasc_kernel_desc kernels[1] = {{SASC_KERNEL_PREDICT_DYNAMIC, "predict_dynamic", no_kernel, NULL}};
    p.kernel_count = 1;
    p.kernels = kernels;
    sasc_task t = tiny_task();
    t.analyze_every = 1;
    t.sampled_networks = 2;
    t.dynamic_networks = 4;
    snprintf(t.out, sizeof t.out, "%s", analysis_dir);
    char error[512];
    tiny_context c = {0};
    sasc_analysis_host host = {&c, vip_intact, dynamic_sequence, NULL, NULL};
    sasc_training_analyses *a = sasc_training_analyses_open(&p, &t, tiny_buffers, &host, error,
                                                            sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    dynamic_calls = 0;
    for (int epoch = 0; epoch < 2; epoch++)
        CU_ASSERT_TRUE(sasc_training_analyses_epoch(a, epoch, epoch == 1, 0.75, error,
                                                    sizeof error));
    sasc_training_analyses_close(a);
    CU_ASSERT_EQUAL(dynamic_calls, 2 * 4);
    char *csv = read_all(analysis_path("analysis.csv"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "epoch,test_accuracy,sampled_accuracy_mean,sampled_accuracy_sd,"
                                       "dynamic_accuracy_mean,dynamic_accuracy_sd,sparsity_w,"));
    char line[256];
    CU_ASSERT_TRUE_FATAL(csv_line(csv, "2,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 4), 0.65, 1e-9);
    ASSERT_CLOSE(csv_field(line, 5), sqrt(0.05 / 3), 1e-9);
    ASSERT_CLOSE(csv_field(line, 6), 0.35, 1e-8);   /* the layer columns follow */
    free(csv);
    char *svg = read_all(analysis_path("accuracy.svg"));
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">4 networks resampled every step (mean +- sd)</text>"));
    CU_ASSERT_EQUAL(count(svg, "<path class=\"series\""), 3);
    free(svg);
    /* A resumed run reads the rows back with their dynamic columns. */
    expect_resume_unchanged(&p, &t, dynamic_sequence, 1, 0.75, &c);
}

/* Tallies set by hand: percentages and the figure. */
static void test_psychometric(void)
{
    sasc_msi msi;
    memset(&msi, 0, sizeof msi);
    msi.tally[SASC_MSI_VISUAL][0][0] = 4;     /* rate 9: 4 trials, 1 "high" */
    msi.tally[SASC_MSI_VISUAL][0][1] = 1;
    msi.tally[SASC_MSI_BOTH][7][0] = 10;      /* rate 16: 10 trials, 10 "high" */
    msi.tally[SASC_MSI_BOTH][7][1] = 10;
    msi.tally[SASC_MSI_AUDITORY][3][0] = 3;   /* rate 12: 3 trials, none "high" */
    double rates[SASC_MSI_RATES], percent[SASC_MSI_MODALITIES][SASC_MSI_RATES];
    sasc_psychometric_curves(&msi, rates, percent);
    CU_ASSERT_EQUAL(rates[0], 9.0);
    CU_ASSERT_EQUAL(rates[7], 16.0);
    CU_ASSERT_EQUAL(percent[SASC_MSI_VISUAL][0], 25.0);
    CU_ASSERT_EQUAL(percent[SASC_MSI_BOTH][7], 100.0);
    CU_ASSERT_EQUAL(percent[SASC_MSI_AUDITORY][3], 0.0);
    CU_ASSERT_TRUE(isnan(percent[SASC_MSI_VISUAL][1]));   /* no trials */
    double bars[SASC_MSI_MODALITIES][SASC_MSI_RATES];
    sasc_psychometric_errors(&msi, bars);
    ASSERT_CLOSE(bars[SASC_MSI_VISUAL][0], 100.0 * sqrt(0.25 * 0.75 / 4.0), 1e-12);   /* 21.65 */
    CU_ASSERT_EQUAL(bars[SASC_MSI_BOTH][7], 0.0);
    CU_ASSERT_EQUAL(bars[SASC_MSI_AUDITORY][3], 0.0);
    CU_ASSERT_TRUE(isnan(bars[SASC_MSI_VISUAL][1]));
    char error[256];
    CU_ASSERT_TRUE_FATAL(sasc_psychometric_plot(&msi, analysis_path("psychometric.svg"), error,
                                                sizeof error));
    char *svg = read_all(analysis_path("psychometric.svg"));
    CU_ASSERT_TRUE(xml_well_formed(svg));
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">multisensory</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">event rate (events/s)</text>"));
    CU_ASSERT_EQUAL(count(svg, "<circle class=\"point\""), 3);   /* one finite point per curve */
    CU_ASSERT_TRUE(count(svg, "class=\"spread\"") >= 1);         /* the visual point's bar */
    free(svg);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static int make_analysis_dir(void)
{
    snprintf(analysis_dir, sizeof analysis_dir, "/tmp/sasc-test-analyses-XXXXXX");
    return mkdtemp(analysis_dir) ? 0 : -1;
}

static int remove_analysis_dir(void)
{
    return nftw(analysis_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}


/* Eq. 15 in Pehlevan and Sompolinsky's form, N/(N-1) (1 - (sum r)^2 / (N sum r^2)). */
static double sli_reference(const double *r, int n)
{
    double sum = 0.0, square = 0.0;
    for (int s = 0; s < n; s++) {
        sum += r[s];
        square += r[s] * r[s];
    }
    return square == 0.0 ? 0.0 : n / (n - 1.0) * (1.0 - sum * sum / (n * square));
}

static void test_selectivity_index(void)
{
    const double one_class[2] = {1.0, 0.0}, equal[3] = {2.0, 2.0, 2.0}, silent[2] = {0.0, 0.0};
    const double ramp[3] = {1.0, 2.0, 3.0}, strided[6] = {1.0, -1.0, 2.0, -1.0, 3.0, -1.0};
    ASSERT_CLOSE(sasc_selectivity_index(one_class, 2, 1), 1.0, 1e-12);
    ASSERT_CLOSE(sasc_selectivity_index(equal, 3, 1), 0.0, 1e-12);
    CU_ASSERT_EQUAL(sasc_selectivity_index(silent, 2, 1), 0.0);
    ASSERT_CLOSE(sasc_selectivity_index(ramp, 3, 1), 3.0 / 14.0, 1e-12);   /* (1 - 4/(14/3)) / (2/3) */
    ASSERT_CLOSE(sasc_selectivity_index(strided, 3, 2), 3.0 / 14.0, 1e-12);
    const double various[4] = {0.3, 0.0, 1.7, 0.25};
    ASSERT_CLOSE(sasc_selectivity_index(various, 4, 1), sli_reference(various, 4), 1e-12);
}

/* Batch 2, 2 steps, 2 units, 3 classes of which class 2 has no trial. The
 * class means (relu(h); block 0 = h0 ignored) at steps 1 and 2 are
 * class 0: (1, 0), (3, 0); class 1: (1, 3), (1, 1). */
static void test_selectivity_accumulation(void)
{
    static double h[6 * 2];
    void *buffers[1] = {h};
    static const sasc_buffer_desc descs[1] = {
        {"h.state", SASC_BUFFER_STATE, 0, SASC_NOT_A_PARAMETER, 6, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1}};
    static const sasc_layer_desc layers[1] = {{"h", "recurrent", "relu", 2, true, 0, 0, 0}};
    sasc_program p = {.abi_version = SASC_ABI_VERSION, .precision = SASC_F64, .batch = 2,
                      .input_width = 1, .classes = 3, .buffer_count = 1, .buffers = descs,
                      .layer_count = 1, .layers = layers};
    sasc_selectivity s;
    char error[512];
    CU_ASSERT_TRUE_FATAL(sasc_selectivity_init(&s, &p, 0, "", error, sizeof error));
    CU_ASSERT_EQUAL(s.steps, 2);
    const double first[12] = {9, 9, 9, 9,  1, -1, 0, 2,  3, 0, 1, 1};   /* [block][row][unit] */
    memcpy(h, first, sizeof h);
    const int labels[2] = {0, 1};
    sasc_selectivity_add(&s, buffers, labels, 2);
    const double second[12] = {9, 9, 9, 9,  2, 4, 5, 5,  1, 1, 5, 5};   /* row 1 is padding */
    memcpy(h, second, sizeof h);
    const int labels2[2] = {1, 0};
    sasc_selectivity_add(&s, buffers, labels2, 1);
    double sli[4], means[3 * 4];
    int used = 0;
    CU_ASSERT_TRUE_FATAL(sasc_selectivity_compute(&s, sli, means, &used));
    CU_ASSERT_EQUAL(used, 2);
    const double expected_means[8] = {1, 0, 3, 0,  1, 3, 1, 1};
    for (int k = 0; k < 8; k++)
        ASSERT_CLOSE(means[k], expected_means[k], 1e-12);
    const double expected_sli[4] = {0.0, 1.0, 0.4, 1.0};   /* (3, 1): (1 - 4/5) / (1/2) */
    for (int k = 0; k < 4; k++)
        ASSERT_CLOSE(sli[k], expected_sli[k], 1e-12);
    CU_ASSERT_TRUE_FATAL(sasc_selectivity_write(&s, analysis_dir, error, sizeof error));
    char *csv = read_all(analysis_path("selectivity.csv"));
    char line[256];
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "step,unit,sli,response_0,response_1\n"));
    CU_ASSERT_TRUE(csv_line(csv, "2,0,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 2), 0.4, 1e-8);
    ASSERT_CLOSE(csv_field(line, 3), 3.0, 1e-8);
    free(csv);
    double npy[4];
    CU_ASSERT_TRUE(sasc_npy_read(analysis_path("selectivity.npy"), 2, 2, npy, error, sizeof error));
    ASSERT_CLOSE(npy[2], 0.4, 1e-12);
    const char *figures[] = {"selectivity.svg", "selectivity_unit.svg"};
    for (size_t i = 0; i < 2; i++) {
        char *svg = read_all(analysis_path(figures[i]));
        CU_ASSERT_TRUE(xml_well_formed(svg));
        free(svg);
    }
    sasc_selectivity_free(&s);
    sasc_program feedforward = tiny_program();   /* no STATE buffer */
    CU_ASSERT_FALSE(sasc_selectivity_init(&s, &feedforward, 0, "", error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "recurrent layer"));
}

/* The MSI test set's fixed cycle: modality fastest, then the rate. */
static void test_msi_test_layout(void)
{
    CU_ASSERT_EQUAL(sasc_msi_test_modality(0), SASC_MSI_VISUAL);
    CU_ASSERT_EQUAL(sasc_msi_test_rate(0), 9);
    CU_ASSERT_EQUAL(sasc_msi_test_modality(1), SASC_MSI_AUDITORY);
    CU_ASSERT_EQUAL(sasc_msi_test_modality(5), SASC_MSI_BOTH);
    CU_ASSERT_EQUAL(sasc_msi_test_rate(5), 10);
    CU_ASSERT_EQUAL(sasc_msi_test_rate(23), 16);
    CU_ASSERT_EQUAL(sasc_msi_test_rate(24), 9);      /* the cycle restarts */
    CU_ASSERT_EQUAL(sasc_msi_test_modality(2400 - 1), SASC_MSI_BOTH);
    CU_ASSERT_EQUAL(sasc_msi_condition(13), 2 * SASC_MSI_AUDITORY + SASC_MSI_HIGH);   /* 13 events/s */
    CU_ASSERT_EQUAL(sasc_msi_condition(6), 2 * SASC_MSI_VISUAL + SASC_MSI_LOW);      /* 11 events/s */
}

/* The 24 trials of one cycle (rates 9..12 low, 13..16 high) in two batches
 * of 12, one step, two units. Unit 0 follows vision: relu(h) = 1 on visual
 * and multisensory trials, 0 on auditory ones. Unit 1 follows the choice: 1
 * on "high" trials, 0 on "low" ones. By hand (Eq. 15):
 *   choice (N_s = 2):     unit 0 means (2/3, 2/3): 0;  unit 1 (1, 0): 1;
 *   modality (N_s = 3):   unit 0 (1, 0, 1): (1 - (4/9)/(2/3)) / (2/3) = 1/2;
 *                         unit 1 (1/2, 1/2, 1/2): 0;
 *   condition (N_s = 6):  unit 0 (1, 1, 0, 0, 1, 1): (1 - 2/3) / (5/6) = 2/5;
 *                         unit 1 (1, 0, 1, 0, 1, 0): (1 - 1/2) / (5/6) = 3/5. */
static void test_msi_selectivity(void)
{
    static double h[2 * 12 * 2];
    void *buffers[1] = {h};
    static const sasc_buffer_desc descs[1] = {
        {"h.state", SASC_BUFFER_STATE, 0, SASC_NOT_A_PARAMETER, 2 * 12, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1}};
    static const sasc_layer_desc layers[1] = {{"h", "recurrent", "relu", 2, true, 0, 0, 0}};
    sasc_program p = {.abi_version = SASC_ABI_VERSION, .precision = SASC_F64, .batch = 12,
                      .input_width = 4, .classes = 2, .buffer_count = 1, .buffers = descs,
                      .layer_count = 1, .layers = layers};
    sasc_msi_selectivity m;
    char error[512];
    CU_ASSERT_TRUE_FATAL(sasc_msi_selectivity_init(&m, &p, 0, "", error, sizeof error));
    for (int batch = 0; batch < 2; batch++) {
        int labels[12];
        for (int row = 0; row < 12; row++) {
            int trial = 12 * batch + row, modality = trial % 3;
            labels[row] = batch == 0 ? SASC_MSI_LOW : SASC_MSI_HIGH;
            h[(12 + row) * 2] = modality == SASC_MSI_AUDITORY ? -0.5 : 1.0;   /* relu: 0 */
            h[(12 + row) * 2 + 1] = batch == 1 ? 1.0 : 0.0;
            h[row * 2] = h[row * 2 + 1] = 7.0;                               /* h0: ignored */
        }
        sasc_msi_selectivity_add(&m, buffers, labels, 12);
    }
    const struct { const sasc_selectivity *view; int classes; double sli[2]; } expected[3] = {
        {&m.choice, 2, {0.0, 1.0}}, {&m.modality, 3, {0.5, 0.0}}, {&m.condition, 6, {0.4, 0.6}}};
    for (int v = 0; v < 3; v++) {
        double sli[2], means[6 * 2];
        int used = 0;
        CU_ASSERT_TRUE_FATAL(sasc_selectivity_compute(expected[v].view, sli, means, &used));
        CU_ASSERT_EQUAL(used, expected[v].classes);
        ASSERT_CLOSE(sli[0], expected[v].sli[0], 1e-12);
        ASSERT_CLOSE(sli[1], expected[v].sli[1], 1e-12);
    }
    CU_ASSERT_TRUE_FATAL(sasc_msi_selectivity_write(&m, analysis_dir, error, sizeof error));
    char *csv = read_all(analysis_path("selectivity_modality.csv"));
    char line[256];
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "step,unit,sli,response_visual,response_auditory,"
                                       "response_multisensory\n"));
    CU_ASSERT_TRUE(csv_line(csv, "1,0,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 2), 0.5, 1e-8);
    ASSERT_CLOSE(csv_field(line, 4), 0.0, 1e-8);   /* unit 0 on auditory trials */
    free(csv);
    csv = read_all(analysis_path("selectivity.csv"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "step,unit,sli,response_high,response_low\n"));
    free(csv);
    const char *files[] = {"selectivity_modality.svg", "selectivity_unit_modality.svg",
                           "selectivity_condition.svg", "selectivity_unit_condition.svg"};
    for (size_t i = 0; i < 4; i++) {
        char *svg = read_all(analysis_path(files[i]));
        CU_ASSERT_TRUE(xml_well_formed(svg));
        free(svg);
    }
    double npy[6 * 2];
    CU_ASSERT_TRUE(sasc_npy_read(analysis_path("responses_condition.npy"), 6, 2, npy, error,
                                 sizeof error));
    ASSERT_CLOSE(npy[2 * 2], 0.0, 1e-12);   /* auditory_high, unit 0 */
    ASSERT_CLOSE(npy[2 * 2 + 1], 1.0, 1e-12);
    csv = read_all(analysis_path("selectivity_units.csv"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "unit,sli_choice,sli_modality,sli_condition\n"));
    CU_ASSERT_TRUE(csv_line(csv, "1,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 1), 1.0, 1e-8);
    ASSERT_CLOSE(csv_field(line, 2), 0.0, 1e-8);
    ASSERT_CLOSE(csv_field(line, 3), 0.6, 1e-8);
    free(csv);
    const struct { const char *file, *title; } examples[3] = {
        {"selectivity_example_choice.svg", "Unit 1, selective to choice"},
        {"selectivity_example_modality.svg", "Unit 0, selective to modality"},
        {"selectivity_example_mixed.svg", "Unit 0, selective to both"}};   /* min 0 both: the first */
    for (size_t i = 0; i < 3; i++) {
        char *svg = read_all(analysis_path(examples[i].file));
        CU_ASSERT_TRUE(xml_well_formed(svg));
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, examples[i].title));
        CU_ASSERT_EQUAL(count(svg, "class=\"series\""), 6);   /* one curve per condition */
        free(svg);
    }
    /* A pass that starts elsewhere than trial 0: the labels give it away. */
    sasc_msi_selectivity_free(&m);
    CU_ASSERT_TRUE_FATAL(sasc_msi_selectivity_init(&m, &p, 0, "", error, sizeof error));
    const int high[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    sasc_msi_selectivity_add(&m, buffers, high, 12);
    CU_ASSERT_FALSE(sasc_msi_selectivity_write(&m, analysis_dir, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "order"));
    sasc_msi_selectivity_free(&m);
    p.classes = 10;
    CU_ASSERT_FALSE(sasc_msi_selectivity_init(&m, &p, 0, "", error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "two outputs"));
}

/* ---- the registry (registry.h): kinds, not shapes ---- */

/* Empty analysis_dir, so that a test sees only the files it made. */
static void empty_analysis_dir(void)
{
    CU_ASSERT_EQUAL(remove_analysis_dir(), 0);
    CU_ASSERT_EQUAL(mkdir(analysis_dir, 0700), 0);
}

static bool exists(const char *name)
{
    return access(analysis_path(name), F_OK) == 0;
}

/* Every entry is complete for when it runs, and names are unique. */
static void test_registry_table(void)
{
    int count = 0;
    const sasc_analysis_desc *const *all = sasc_analyses(&count);
    CU_ASSERT_TRUE_FATAL(count >= 8);
    for (int i = 0; i < count; i++) {
        const sasc_analysis_desc *d = all[i];
        CU_ASSERT_PTR_NOT_NULL(d->summary);
        CU_ASSERT_PTR_NOT_NULL(d->outputs);
        CU_ASSERT_NOT_EQUAL(d->when, 0);
        if (d->when & (SASC_AFTER_TRAINING | SASC_ON_SAVED_RUN))
            CU_ASSERT_PTR_NOT_NULL(d->run);
        if (d->when & SASC_DURING_TRAINING)
            CU_ASSERT_TRUE(d->open && d->epoch && d->close);
        if (d->in_all)
            CU_ASSERT_TRUE(d->when & SASC_ON_SAVED_RUN);
        CU_ASSERT_PTR_EQUAL(sasc_analysis_find(d->name), d);
        for (int j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(all[j]->name, d->name);
    }
    CU_ASSERT_PTR_NULL(sasc_analysis_find("all"));
    char names[512];
    sasc_analysis_names(SASC_AFTER_TRAINING, "", names, sizeof names);
    CU_ASSERT_STRING_EQUAL(names, "histograms, entropy, perturbation, dynamics");
    sasc_analysis_names(SASC_ON_SAVED_RUN, " or all", names, sizeof names);
    CU_ASSERT_STRING_EQUAL(names, "histograms, entropy, perturbation, dynamics, selectivity, "
                                  "psychometric, train_size, elasticity or all");
}

/* Names and needs are checked before anything runs, with messages that say which. */
static void test_registry_checks(void)
{
    sasc_program p = tiny_program();
    sasc_task t = tiny_task();
    char error[512];
    CU_ASSERT_FALSE(sasc_saved_analyses_check(&p, &t, "", error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "name an analysis: histograms, entropy, perturbation, dynamics, "
                                  "selectivity, psychometric, train_size, elasticity or all");
    CU_ASSERT_FALSE(sasc_saved_analyses_check(&p, &t, "entropy,frobs", error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "unknown analysis 'frobs'; the analyses are histograms, entropy, "
                                  "perturbation, dynamics, selectivity, psychometric, train_size, "
                                  "elasticity and all");
    CU_ASSERT_FALSE(sasc_saved_analyses_check(&p, &t, "training", error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "unknown analysis 'training'"));
    CU_ASSERT_FALSE(sasc_saved_analyses_check(&p, &t, "selectivity", error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "the selectivity analysis needs a recurrent layer (hidden states "
                                  "along time), which model 'tiny' does not have");
    CU_ASSERT_FALSE(sasc_saved_analyses_check(&p, &t, "psychometric", error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "the psychometric analysis needs msi trials (declared as "
                                  "models/msi.sas declares them), not data = "
                                  "\"/usr/share/datasets/fashion-mnist\"");
    CU_ASSERT_TRUE(sasc_saved_analyses_check(&p, &t, "all,train_size", error, sizeof error));
    /* the task's `analyze` setting: only what runs after training */
    snprintf(t.analyze, sizeof t.analyze, "histograms,selectivity");
    sasc_analysis_host host = {NULL, NULL, NULL, NULL, NULL};
    CU_ASSERT_PTR_NULL(sasc_training_analyses_open(&p, &t, tiny_buffers, &host, error,
                                                   sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "unknown analysis 'selectivity'; the analyses are histograms, "
                                  "entropy, perturbation, dynamics");
    snprintf(t.analyze, sizeof t.analyze, "dynamics");
    CU_ASSERT_PTR_NULL(sasc_training_analyses_open(&p, &t, tiny_buffers, &host, error,
                                                   sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "the dynamics analysis needs a layer with recurrent "
                                  "connections, which model 'tiny' does not have");
    t.analyze[0] = '\0';
    snprintf(t.perturb_layers, sizeof t.perturb_layers, "nope");   /* checked even unused */
    CU_ASSERT_PTR_NULL(sasc_training_analyses_open(&p, &t, tiny_buffers, &host, error,
                                                   sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "'nope', which is not a layer"));
}

/* A training run of one epoch, its last: the analyses of every epoch and
 * of analysis epochs run once with `host`. */
static void one_training_epoch(const sasc_program *p, const sasc_task *t, void **buffers,
                               const sasc_analysis_host *host)
{
    char error[512];
    sasc_training_analyses *a = sasc_training_analyses_open(p, t, buffers, host, error,
                                                            sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_TRUE(sasc_training_analyses_epoch(a, 0, true, 0.5, error, sizeof error));
    sasc_training_analyses_close(a);
}

/* A square dense group (the h2 of models/gbp_mnist.sas) is not recurrent:
 * no triangle sparsities, heat maps, reciprocity or state selectivity. */
static double square_values[3][9];
static void *square_buffers[3] = {square_values[0], square_values[1], square_values[2]};
static const sasc_buffer_desc square_descs[3] = {
    {"h2.pi", SASC_BUFFER_PARAMETER, 0, SASC_PI, 3, 3, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h2.m", SASC_BUFFER_PARAMETER, 0, SASC_M, 3, 3, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h2.Xi", SASC_BUFFER_PARAMETER, 0, SASC_XI, 3, 3, {SASC_INIT_ZEROS, 0, 0}, false, -1}};

static sasc_program square_program(sasc_group_kind kind, sasc_group_desc *group,
                                   sasc_layer_desc *layer)
{
    *group = (sasc_group_desc){"h2", kind, 0, 3, 3, {0, 1, 2}, -1, -1, {SASC_MASK_NONE, 0, NULL}};
    *layer = (sasc_layer_desc){"h2", kind == SASC_GROUP_DENSE ? "dense" : "recurrent", "relu", 3,
                               kind != SASC_GROUP_DENSE, 0, 1, -1};
    for (int k = 0; k < 9; k++) {
        square_values[SASC_PI][k] = k % 4 == 1 ? 1.0 : 0.2;
        square_values[SASC_M][k] = 0.5 + k;
        square_values[SASC_XI][k] = 0.01;
    }
    return (sasc_program){.abi_version = SASC_ABI_VERSION, .model_name = "square",
                          .precision = SASC_F64, .batch = 1, .input_width = 3, .classes = 3,
                          .buffer_count = 3, .buffers = square_descs, .group_count = 1,
                          .groups = group, .layer_count = 1, .layers = layer};
}

static void test_square_dense_group_is_not_recurrent(void)
{
    sasc_group_desc group;
    sasc_layer_desc layer;
    sasc_program p = square_program(SASC_GROUP_DENSE, &group, &layer);
    sasc_task t = tiny_task();
    t.analyze_every = 1;
    t.sampled_networks = 1;
    snprintf(t.out, sizeof t.out, "%s", analysis_dir);
    tiny_context c = {0};
    char error[512];
    empty_analysis_dir();
    CU_ASSERT_TRUE_FATAL(analyze(&p, &t, square_buffers, "histograms,entropy", vip_intact, &c,
                                 error, sizeof error));
    CU_ASSERT_TRUE(exists("histograms.csv"));
    CU_ASSERT_FALSE(exists("matrix_h2_pi.svg") || exists("matrix_h2_m.svg") ||
                    exists("matrix_h2_Xi.svg"));
    char *csv = read_all(analysis_path("layers.csv"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "layer,index,connections,sparsity,entropy,entropy_pi,"
                                       "entropy_xi,vip,uip\n"));
    CU_ASSERT_PTR_NULL(strstr(csv, "i_lt_j"));
    free(csv);
    CU_ASSERT_FALSE(analyze(&p, &t, square_buffers, "dynamics", vip_intact, &c, error,
                            sizeof error));
    CU_ASSERT_FALSE(exists("dynamics.csv"));
    sasc_analysis_host host = {&c, vip_intact, NULL, NULL, NULL};
    one_training_epoch(&p, &t, square_buffers, &host);
    csv = read_all(analysis_path("analysis.csv"));
    CU_ASSERT_PTR_NULL(strstr(csv, "i_lt_j"));
    free(csv);
    char *svg = read_all(analysis_path("sparsity.svg"));
    CU_ASSERT_PTR_NULL(strstr(svg, "recurrent I"));
    free(svg);
    /* the same matrix as a recurrent group gets all of them */
    p = square_program(SASC_GROUP_RECURRENT, &group, &layer);
    empty_analysis_dir();
    CU_ASSERT_TRUE_FATAL(analyze(&p, &t, square_buffers, "histograms,entropy,dynamics", vip_intact,
                                 &c, error, sizeof error));
    CU_ASSERT_TRUE(exists("matrix_h2_pi.svg") && exists("dynamics.csv"));
    csv = read_all(analysis_path("layers.csv"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",sparsity_i_lt_j,sparsity_i_gt_j\n"));
    free(csv);
}

/* Two recurrent layers (a stacked network): each recurrent group has its
 * heat maps, its rows of dynamics.csv and its analysis.csv columns, named
 * by the group; each layer with states its own selectivity files. */
enum { STACK_BATCH = 2, STACK_STEPS = 2, STACK_UNITS = 2 };
static double stack_values[2][3][4];
static double stack_states[2][(STACK_STEPS + 1) * STACK_BATCH * STACK_UNITS];
static void *stack_buffers[8];
static const sasc_buffer_desc stack_descs[8] = {
    {"h1.pi", SASC_BUFFER_PARAMETER, 0, SASC_PI, 2, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h1.m", SASC_BUFFER_PARAMETER, 0, SASC_M, 2, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h1.Xi", SASC_BUFFER_PARAMETER, 0, SASC_XI, 2, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h2.pi", SASC_BUFFER_PARAMETER, 1, SASC_PI, 2, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h2.m", SASC_BUFFER_PARAMETER, 1, SASC_M, 2, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h2.Xi", SASC_BUFFER_PARAMETER, 1, SASC_XI, 2, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h1.state", SASC_BUFFER_STATE, -1, SASC_NOT_A_PARAMETER, (STACK_STEPS + 1) * STACK_BATCH,
     STACK_UNITS, {SASC_INIT_ZEROS, 0, 0}, false, -1},
    {"h2.state", SASC_BUFFER_STATE, -1, SASC_NOT_A_PARAMETER, (STACK_STEPS + 1) * STACK_BATCH,
     STACK_UNITS, {SASC_INIT_ZEROS, 0, 0}, false, -1}};
static const sasc_group_desc stack_groups[2] = {
    {"h1", SASC_GROUP_RECURRENT, 0, 2, 2, {0, 1, 2}, -1, -1, {SASC_MASK_NONE, 0, NULL}},
    {"h2", SASC_GROUP_RECURRENT, 1, 2, 2, {3, 4, 5}, -1, -1, {SASC_MASK_NONE, 0, NULL}}};
static const sasc_layer_desc stack_layers[2] = {{"h1", "recurrent", "relu", 2, true, 0, 1, 6},
                                                {"h2", "recurrent", "relu", 2, true, 1, 1, 7}};

static sasc_program stack_program(void)
{
    for (int l = 0; l < 2; l++) {
        for (int k = 0; k < 4; k++) {
            stack_values[l][SASC_PI][k] = k == 1 ? 1.0 : 0.0;
            stack_values[l][SASC_M][k] = 1.0 + k + l;
        }
        for (int p = 0; p < 3; p++)
            stack_buffers[3 * l + p] = stack_values[l][p];
        stack_buffers[6 + l] = stack_states[l];
    }
    return (sasc_program){.abi_version = SASC_ABI_VERSION, .model_name = "stack",
                          .precision = SASC_F64, .batch = STACK_BATCH, .input_width = 2,
                          .classes = 2, .buffer_count = 8, .buffers = stack_descs,
                          .group_count = 2, .groups = stack_groups, .layer_count = 2,
                          .layers = stack_layers};
}

/* A test pass of two batches: trial k of class k % 2; unit 0 of layer h1
 * answers class 0, unit 1 of h2 class 1. */
static bool stack_test_pass(void *context, sasc_test_batch_fn visit, void *visit_context,
                            char *error, size_t error_size)
{
    (void)context;
    (void)error;
    (void)error_size;
    const int labels[STACK_BATCH] = {0, 1};
    for (int batch = 0; batch < 2; batch++) {
        for (int t = 0; t <= STACK_STEPS; t++)
            for (int row = 0; row < STACK_BATCH; row++) {
                double *h1 = &stack_states[0][(t * STACK_BATCH + row) * STACK_UNITS];
                double *h2 = &stack_states[1][(t * STACK_BATCH + row) * STACK_UNITS];
                h1[0] = labels[row] == 0;
                h1[1] = 0.5;
                h2[0] = 0.5;
                h2[1] = labels[row] == 1;
            }
        visit(visit_context, stack_buffers, labels, STACK_BATCH);
    }
    return true;
}

static void test_stacked_recurrent_layers(void)
{
    sasc_program p = stack_program();
    sasc_task t = tiny_task();
    t.dynamic_steps = 3;
    t.analyze_every = 1;
    t.sampled_networks = 1;
    snprintf(t.out, sizeof t.out, "%s", analysis_dir);
    tiny_context c = {0};
    char error[512];
    empty_analysis_dir();
    sasc_task task = t;
    sasc_analysis_host host = {&c, vip_intact, NULL, stack_test_pass, NULL};
    CU_ASSERT_TRUE_FATAL(sasc_saved_analyses_run(&p, &task, stack_buffers, &host,
                                                 "histograms,dynamics,selectivity", error,
                                                 sizeof error));
    const char *files[] = {"matrix_h1_pi.svg", "matrix_h2_Xi.svg", "selectivity_h1.csv",
                           "selectivity_h2.csv", "selectivity_h1.npy", "responses_h2.npy",
                           "selectivity_unit_h2.svg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        CU_ASSERT_TRUE(exists(files[i]));
    CU_ASSERT_FALSE(exists("selectivity.csv"));
    char *csv = read_all(analysis_path("dynamics.csv"));
    char line[256];
    CU_ASSERT_TRUE(csv_line(csv, "h1,3,", line, sizeof line));
    CU_ASSERT_TRUE(csv_line(csv, "h2,3,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 2), 0.25, 1e-12);   /* the link with pi = 1 */
    free(csv);
    /* h1 unit 0 answers class 0 only: SLI 1 at every step; its unit 1 none */
    csv = read_all(analysis_path("selectivity_h1.csv"));
    CU_ASSERT_TRUE(csv_line(csv, "1,0,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 2), 1.0, 1e-12);
    CU_ASSERT_TRUE(csv_line(csv, "1,1,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 2), 0.0, 1e-12);
    free(csv);
    csv = read_all(analysis_path("selectivity_h2.csv"));
    CU_ASSERT_TRUE(csv_line(csv, "2,1,", line, sizeof line));
    ASSERT_CLOSE(csv_field(line, 2), 1.0, 1e-12);
    free(csv);
    char *svg = read_all(analysis_path("selectivity_h2.svg"));
    CU_ASSERT_PTR_NOT_NULL(strstr(svg, "recurrent units of layer h2"));
    free(svg);
    one_training_epoch(&p, &t, stack_buffers, &host);
    csv = read_all(analysis_path("analysis.csv"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",sparsity_i_lt_j_h1,sparsity_i_gt_j_h1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",sparsity_i_lt_j_h2,sparsity_i_gt_j_h2\n"));
    free(csv);
}

/* sasc help analyze lists every analysis that runs on a saved run, and the others. */
static void test_registry_help(void)
{
    char path[160];
    snprintf(path, sizeof path, "%s", analysis_path("help.txt"));
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    sasc_analyses_print_help(f);
    fclose(f);
    char *read = read_all(path), *text = malloc(strlen(read) + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    snprintf(text, strlen(read) + 2, "\n%s", read);   /* every entry starts a line */
    int count = 0;
    const sasc_analysis_desc *const *all = sasc_analyses(&count);
    for (int i = 0; i < count; i++) {
        char entry[64];
        snprintf(entry, sizeof entry, "\n  %-13s ", all[i]->name);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, entry));
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n  all           histograms, entropy and perturbation\n"));
    free(read);
    free(text);
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite entropy = CU_add_suite("entropy", NULL, NULL);
    CU_add_test(entropy, "pi = 0: Gaussian closed form", test_entropy_gaussian_closed_form);
    CU_add_test(entropy, "Xi <= a: discrete closed form", test_entropy_discrete_closed_form);
    CU_add_test(entropy, "Eq. 14 against quadrature of -int P ln P",
                test_entropy_against_quadrature);
    CU_add_test(entropy, "Eq. 8 and Eq. 14 against quadratures of their integrals",
                test_entropy_formulas_against_their_integrals);
    CU_add_test(entropy, "pi-part and Xi-part against each formula's total",
                test_entropy_decomposition_per_formula);
    CU_add_test(entropy, "auto formula by group kind", test_entropy_formula_of_program);
    CU_add_test(entropy, "thread-count independence, layer means",
                test_entropy_threads_and_means);
    CU_add_test(entropy, "float wrapper, bad settings, NaN", test_entropy_float_and_errors);
    CU_pSuite plot = CU_add_suite("plot", make_temp_dir, remove_temp_dir);
    CU_add_test(plot, "XML checker", test_xml_checker);
    CU_add_test(plot, "nice ticks", test_nice_ticks);
    CU_add_test(plot, "line plot", test_line_plot);
    CU_add_test(plot, "histogram", test_histogram_plot);
    CU_add_test(plot, "heat map", test_heatmap_plot);
    CU_add_test(plot, "write errors", test_plot_write_errors);
    CU_pSuite ensemble = CU_add_suite("ensemble analyses", make_analysis_dir, remove_analysis_dir);
    CU_add_test(ensemble, "mean and standard deviation", test_mean_sd);
    CU_add_test(ensemble, "VIP / UIP classification", test_classification);
    CU_add_test(ensemble, "layer statistics by hand, BP baseline zero", test_layer_statistics);
    CU_add_test(ensemble, "sampled networks: moments, determinism, restore", test_sampled_networks);
    CU_add_test(ensemble, "targeted perturbation by hand", test_perturbation);
    CU_add_test(ensemble, "histograms, layers.csv, entropy .npy", test_histograms_and_entropy_files);
    CU_add_test(ensemble, "run.json settings", test_run_settings);
    CU_add_test(ensemble, "during training: analysis.csv and figures", test_during_training);
    CU_add_test(ensemble, "during training: the dynamic network's columns", test_during_training_dynamic);
    CU_add_test(ensemble, "MSI psychometric curves by hand", test_psychometric);
    CU_add_test(ensemble, "recurrent: triangle sparsity, eta by hand", test_recurrent_statistics);
    CU_add_test(ensemble, "recurrent: heat maps, dynamics files", test_recurrent_files);
    CU_add_test(ensemble, "selectivity index by hand (gbptt Eq. 15)", test_selectivity_index);
    CU_add_test(ensemble, "selectivity: class means along time, files", test_selectivity_accumulation);
    CU_add_test(ensemble, "MSI test trials: modality and rate by position", test_msi_test_layout);
    CU_add_test(ensemble, "registry: every entry complete, names unique", test_registry_table);
    CU_add_test(ensemble, "registry: names and needs checked first", test_registry_checks);
    CU_add_test(ensemble, "registry: a square dense group is not recurrent",
                test_square_dense_group_is_not_recurrent);
    CU_add_test(ensemble, "registry: two recurrent layers, each by name", test_stacked_recurrent_layers);
    CU_add_test(ensemble, "registry: help lists every analysis", test_registry_help);
    CU_add_test(ensemble, "MSI selectivity: choice, modality, condition by hand",
                test_msi_selectivity);
    return testing_run_registry();
}
