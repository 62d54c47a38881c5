/*
 * test_paper_gradients.c — the gBP paper's learning equations (arXiv version,
 * Eqs. 2-7) transcribed directly into C, per sample and per connection, on a
 * 4-3-2 network (batch 3, fan-in scaling, relu hidden layer, softmax output,
 * cross-entropy), compared with the gradients the IR derives by reverse-mode
 * autodiff, run by the interpreter in f64.
 *
 * Conventions, and where the transcription departs from the printed text:
 *  - the loss is the MEAN over the batch of the per-sample cross-entropy, as
 *    lower_model defines it, so the per-sample gradients are summed and
 *    divided by the batch size;
 *  - on the top layer K_i = h_i - hat h_i (the derivative of C through the
 *    softmax); the paper's "-hat h_i (1 - h_i)" is that value on the target
 *    unit of a one-hot label only;
 *  - Eq. 6 is printed with Delta_i^{l+1}; the unit it belongs to is k, the
 *    downstream unit whose pre-activation is differentiated: Delta_k^{l+1};
 *  - Eqs. 6-7 divide by Delta, so the test uses inputs where every Delta > 0.
 */
#include <math.h>
#include "testing.h"
#include "ir_fixtures.h"

#define BATCH 3
#define LAYERS 2                      /* weight layers: 4 -> 3 -> 2 */
static const int width[LAYERS + 1] = { 4, 3, 2 };
#define MAX_WIDTH 4

/* The hyper-parameters of the connections from layer l to l+1, row k
 * (upstream unit) and column i (downstream unit): theta[k * width[l+1] + i]. */
typedef struct {
    const double *pi, *m, *xi, *eps;  /* eps[b * width[l+1] + i] */
} paper_layer;

/* Everything the forward pass of one sample leaves for the backward pass. */
typedef struct {
    double h[LAYERS + 1][MAX_WIDTH];
    double z[LAYERS + 1][MAX_WIDTH];
    double delta[LAYERS + 1][MAX_WIDTH];
} paper_sample;

static double mu_of(const paper_layer *w, int e) { return (1 - w->pi[e]) * w->m[e]; }
static double rho_of(const paper_layer *w, int e) { return (1 - w->pi[e]) * (w->xi[e] + w->m[e] * w->m[e]); }

/* Eqs. 2a, 2b, 3a, 3b (softmax on the top layer). */
static void paper_forward(const paper_layer *w, int b, paper_sample *s)
{
    for (int l = 0; l < LAYERS; l++) {
        int n = width[l], out = width[l + 1];
        for (int i = 0; i < out; i++) {
            double g = 0, delta2 = 0;
            for (int k = 0; k < n; k++) {
                int e = k * out + i;
                g += mu_of(&w[l], e) * s->h[l][k] / sqrt(n);
                delta2 += (rho_of(&w[l], e) - mu_of(&w[l], e) * mu_of(&w[l], e)) *
                          s->h[l][k] * s->h[l][k] / n;
            }
            s->delta[l + 1][i] = sqrt(delta2);
            s->z[l + 1][i] = g + w[l].eps[b * out + i] * s->delta[l + 1][i];
        }
        if (l + 1 < LAYERS) {
            for (int i = 0; i < out; i++)
                s->h[l + 1][i] = s->z[l + 1][i] > 0 ? s->z[l + 1][i] : 0;
        } else {
            double sum = 0;
            for (int i = 0; i < out; i++)
                sum += exp(s->z[l + 1][i]);
            for (int i = 0; i < out; i++)
                s->h[l + 1][i] = exp(s->z[l + 1][i]) / sum;
        }
    }
}

/* Eq. 6: d z_k^{l+1} / d h_i^l. */
static double dz_dh(const paper_layer *w, int l, int b, const paper_sample *s, int i, int k)
{
    int n = width[l], e = i * width[l + 1] + k;
    double mu = mu_of(&w[l], e);
    return mu / sqrt(n) + (rho_of(&w[l], e) - mu * mu) * s->h[l][i] /
                          (n * s->delta[l + 1][k]) * w[l].eps[b * width[l + 1] + k];
}

/* Eqs. 5a, 5b: K of every layer, top down. */
static void paper_error_signals(const paper_layer *w, int b, const paper_sample *s,
                                const double *target, double K[LAYERS + 1][MAX_WIDTH])
{
    for (int i = 0; i < width[LAYERS]; i++)
        K[LAYERS][i] = s->h[LAYERS][i] - target[i];
    for (int l = LAYERS - 1; l >= 1; l--)
        for (int i = 0; i < width[l]; i++) {
            double delta = 0;
            for (int k = 0; k < width[l + 1]; k++)
                delta += K[l + 1][k] * dz_dh(w, l, b, s, i, k);
            K[l][i] = delta * (s->z[l][i] > 0 ? 1.0 : 0.0);   /* relu' */
        }
}

/* Eqs. 4, 7a-7c: one sample's contribution to d C / d theta of layer l. */
static void paper_parameter_gradients(const paper_layer *w, int l, int b, const paper_sample *s,
                                      double K[LAYERS + 1][MAX_WIDTH], double *grad[3])
{
    int n = width[l], out = width[l + 1];
    for (int k = 0; k < n; k++)
        for (int i = 0; i < out; i++) {
            int e = k * out + i;
            double pi = w[l].pi[e], m = w[l].m[e], xi = w[l].xi[e], mu = mu_of(&w[l], e);
            double h = s->h[l][k], eps = w[l].eps[b * out + i], delta = s->delta[l + 1][i];
            double dz_dm = (1 - pi) * h / sqrt(n) + mu * pi / (n * delta) * h * h * eps;
            double dz_dpi = -m * h / sqrt(n) - ((2 * pi - 1) * m * m + xi) / (2 * n * delta) * h * h * eps;
            double dz_dxi = (1 - pi) / (2 * n * delta) * h * h * eps;
            grad[SASC_PI][e] += K[l + 1][i] * dz_dpi / BATCH;
            grad[SASC_M][e] += K[l + 1][i] * dz_dm / BATCH;
            grad[SASC_XI][e] += K[l + 1][i] * dz_dxi / BATCH;
        }
}

static void read_layers(const ir_program *p, void **buffers, paper_layer *w)
{
    for (int l = 0; l < LAYERS; l++) {
        const ir_group *layer = &p->groups[l];
        w[l].pi = buffers[layer->parameter_buffer[SASC_PI]];
        w[l].m = buffers[layer->parameter_buffer[SASC_M]];
        w[l].xi = buffers[layer->parameter_buffer[SASC_XI]];
        w[l].eps = buffers[layer->noise_buffer];
    }
}

static void compare_layer(const ir_program *p, void **buffers, int l, double *expected[3])
{
    static const char *const suffix[3] = { "pi", "m", "Xi" };
    for (int k = 0; k < 3; k++) {
        char name[32];
        snprintf(name, sizeof name, "h%d.%s.grad", l + 1, suffix[k]);
        int g = fixture_find_buffer(p, name);
        CU_ASSERT_FATAL(g >= 0);
        for (int e = 0; e < width[l] * width[l + 1]; e++) {
            double ir = fixture_get(p, buffers, g, e);
            if (fabs(ir - expected[k][e]) > 1e-10 * (1 + fabs(expected[k][e])))
                fprintf(stderr, "\n  %s[%d]: IR %.15g, paper %.15g\n", name, e, ir, expected[k][e]);
            ASSERT_CLOSE(ir, expected[k][e], 1e-10);
        }
    }
}

static void test_paper_equations(void)
{
    fixture fx;
    fixture_init(&fx, width[0], &width[1], LAYERS, ACTIVATION_RELU, LOSS_CROSS_ENTROPY, BATCH, 64);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    void **buffers = fixture_buffers_new(&p);
    fixture_rng rng = { 2020 };
    fixture_randomise(&p, buffers, &rng, LOSS_CROSS_ENTROPY);
    CU_ASSERT_FATAL(fixture_run(&p, &p.train, buffers));

    paper_layer w[LAYERS];
    read_layers(&p, buffers, w);
    double storage[LAYERS][3][MAX_WIDTH * MAX_WIDTH] = { { { 0 } } };
    double *grad[LAYERS][3];
    for (int l = 0; l < LAYERS; l++)
        for (int k = 0; k < 3; k++)
            grad[l][k] = storage[l][k];
    double loss = 0;
    for (int b = 0; b < BATCH; b++) {
        paper_sample s;
        const double *x = (const double *)buffers[p.input_buffer] + b * width[0];
        const double *target = (const double *)buffers[p.target_buffer] + b * width[LAYERS];
        for (int k = 0; k < width[0]; k++)
            s.h[0][k] = x[k];
        paper_forward(w, b, &s);
        for (int l = 1; l <= LAYERS; l++)
            for (int i = 0; i < width[l]; i++)
                CU_ASSERT_FATAL(s.delta[l][i] > 0);   /* Eqs. 6-7 divide by Delta */
        double K[LAYERS + 1][MAX_WIDTH];
        paper_error_signals(w, b, &s, target, K);
        for (int l = 0; l < LAYERS; l++)
            paper_parameter_gradients(w, l, b, &s, K, grad[l]);
        for (int i = 0; i < width[LAYERS]; i++)
            loss -= target[i] * log(s.h[LAYERS][i]) / BATCH;
    }
    ASSERT_CLOSE(fixture_get(&p, buffers, p.loss_buffer, 0), loss, 1e-12);
    for (int l = 0; l < LAYERS; l++)
        compare_layer(&p, buffers, l, grad[l]);
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

void register_paper_gradient_tests(void)
{
    CU_pSuite suite = CU_add_suite("paper gradients", NULL, NULL);
    CU_add_test(suite, "IR gradients equal the gBP paper's Eqs. 2-7", test_paper_equations);
}
