/*
 * test_elasticity.c — what the elasticity and information analyses read of
 * a program, on JIT-compiled kernels in f64 (a 5-4-3 SaS network, batch 4):
 * the layers' pre-activation moments (ABI version 4) give the network's
 * output; the gradient at one sample (every row holding it) equals central
 * finite differences of that sample's loss; the SGD step is theta - eta g;
 * and the resulting change of the logits is -eta J g to first order, so the
 * measured LE is the ratio of the finite-difference directional derivatives.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compiler/check/frontend.h"
#include "compiler/codegen/codegen.h"
#include "compiler/layers/registry.h"
#include "compiler/lower/lower.h"
#include "runtime/analyses/elasticity.h"
#include "runtime/analyses/mean_field.h"
#include "runtime/model/buffers.h"
#include "runtime/settings/task.h"
#include "tests/testing.h"

enum { INPUTS = 5, CLASSES = 3, SAMPLES = 3, BATCH = 4 };

static const char *const model_text =
    "model small {\n  input x[5]\n"
    "  layer h = dense(x, 4) { activation = relu  pi = 0.2  m = 0.1  Xi = 0.05 }\n"
    "  layer y = dense(h, 3) { activation = softmax  pi = 0.2  m = 0.1  Xi = 0.05 }\n"
    "  loss cross_entropy(y)\n}\n";

typedef struct {
    ir_program ir;
    compiled_model *model;
    const sasc_program *p;
    void **buffers;
    double inputs[SAMPLES * INPUTS];
    int labels[SAMPLES];
    double *noise[64];
    sasc_samples s;
} fixture;

static uint64_t state = 0x2545F4914F6CDD1Du;
static double uniform(double low, double high)
{
    return testing_uniform(&state, low, high);
}

static bool fixture_open(fixture *x)
{
    memset(x, 0, sizeof *x);
    checked_file file;
    diagnostics *d = diagnostics_new("small.sas", model_text, stderr);
    bool ok = frontend_check("small.sas", model_text, layer_kinds(), d, &file);
    diagnostics_free(d);
    CU_ASSERT_TRUE_FATAL(ok);
    sasc_task task;
    sasc_task_defaults(&task);
    task.batch = BATCH;
    task.shards = 1;
    task.precision = 64;
    task.optimizer = SASC_OPTIMIZER_SGD;
    char error[512] = "";
    ok = lower_model(&file.models[0], &task, &x->ir, error, sizeof error);
    checked_file_free(&file);
    CU_ASSERT_TRUE_FATAL(ok);
    x->model = codegen_jit(&x->ir, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x->model);
    x->p = compiled_model_program(x->model);
    x->buffers = sasc_buffers_allocate(x->p, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x->buffers);
    CU_ASSERT_TRUE_FATAL(x->p->buffer_count <= 64);
    for (int b = 0; b < x->p->buffer_count; b++) {
        const sasc_buffer_desc *desc = &x->p->buffers[b];
        size_t n = sasc_buffer_elements(x->p, b);
        if (desc->role == SASC_BUFFER_PARAMETER)
            for (size_t i = 0; i < n; i++)
                sasc_buffer_set(x->buffers[b], SASC_F64, i,
                                desc->parameter == SASC_M ? uniform(-0.2, 0.8)
                                : desc->parameter == SASC_PI ? uniform(0.05, 0.6) : uniform(0.05, 0.3));
        if (desc->role == SASC_BUFFER_NOISE) {
            x->noise[b] = malloc((size_t)SAMPLES * (size_t)desc->cols * sizeof(double));
            for (int i = 0; i < SAMPLES * desc->cols; i++)
                x->noise[b][i] = uniform(-1.5, 1.5);
        }
    }
    for (int i = 0; i < SAMPLES * INPUTS; i++)
        x->inputs[i] = uniform(0.1, 1.0);
    for (int i = 0; i < SAMPLES; i++)
        x->labels[i] = i % CLASSES;
    x->s = (sasc_samples){x->p, x->buffers, SAMPLES, x->inputs, x->labels, x->noise};
    return true;
}

static void fixture_close(fixture *x)
{
    for (int b = 0; b < 64; b++)
        free(x->noise[b]);
    sasc_buffers_free(x->p, x->buffers);
    compiled_model_free(x->model);
    ir_program_free(&x->ir);
}

/* Cross-entropy of sample i from the logits of every sample. */
static double loss_of(fixture *x, int i)
{
    double z[SAMPLES * CLASSES], max = -INFINITY, sum = 0;
    sasc_samples_logits(&x->s, z);
    for (int j = 0; j < CLASSES; j++)
        max = fmax(max, z[i * CLASSES + j]);
    for (int j = 0; j < CLASSES; j++)
        sum += exp(z[i * CLASSES + j] - max);
    return max + log(sum) - z[i * CLASSES + x->labels[i]];
}

static int gradient_of(const sasc_program *p, int parameter_buffer)
{
    const sasc_buffer_desc *d = &p->buffers[parameter_buffer];
    for (int b = 0; b < p->buffer_count; b++)
        if (p->buffers[b].role == SASC_BUFFER_GRADIENT && p->buffers[b].group == d->group &&
            p->buffers[b].parameter == d->parameter)
            return b;
    return -1;
}

/* The output buffer after predict is the softmax of G + eps sqrt(Delta^2). */
static void test_moments_give_the_output(void)
{
    fixture x;
    fixture_open(&x);
    CU_ASSERT_TRUE(sasc_program_has_moments(x.p));
    double z[SAMPLES * CLASSES];
    sasc_samples_logits(&x.s, z);   /* rows 0..2: the samples, row 3 repeats the last */
    for (int i = 0; i < SAMPLES; i++) {
        double max = -INFINITY, sum = 0;
        for (int j = 0; j < CLASSES; j++)
            max = fmax(max, z[i * CLASSES + j]);
        for (int j = 0; j < CLASSES; j++)
            sum += exp(z[i * CLASSES + j] - max);
        for (int j = 0; j < CLASSES; j++)
            ASSERT_CLOSE(sasc_buffer_get(x.buffers[x.p->output_buffer], SASC_F64, (size_t)(i * CLASSES + j)),
                         exp(z[i * CLASSES + j] - max) / sum, 1e-12);
    }
    for (int l = 0; l < x.p->layer_count; l++)
        CU_ASSERT(sasc_layer_moment_buffer(x.p, l, SASC_BUFFER_PREACTIVATION_VARIANCE) >= 0);
    fixture_close(&x);
}

/* d L(sample 1) / d theta from the train kernel = central differences. */
static void test_gradient_at_one_sample(void)
{
    fixture x;
    fixture_open(&x);
    const double h = 1e-6;
    int checked = 0;
    for (int b = 0; b < x.p->buffer_count; b++) {
        if (x.p->buffers[b].role != SASC_BUFFER_PARAMETER)
            continue;
        int g = gradient_of(x.p, b);
        CU_ASSERT_TRUE_FATAL(g >= 0);
        for (size_t i = 0; i < sasc_buffer_elements(x.p, b); i += 3) {
            sasc_samples_gradient(&x.s, 1);
            double analytic = sasc_buffer_get(x.buffers[g], SASC_F64, i);
            double v = sasc_buffer_get(x.buffers[b], SASC_F64, i);
            sasc_buffer_set(x.buffers[b], SASC_F64, i, v + h);
            double up = loss_of(&x, 1);
            sasc_buffer_set(x.buffers[b], SASC_F64, i, v - h);
            double down = loss_of(&x, 1);
            sasc_buffer_set(x.buffers[b], SASC_F64, i, v);
            ASSERT_CLOSE(analytic, (up - down) / (2 * h), 1e-7);
            checked++;
        }
    }
    CU_ASSERT(checked > 20);
    fixture_close(&x);
}

/* The step is theta - eta g, and the logits move by -eta J g: LE measured
 * with a small step equals the ratio of the directional derivatives along
 * g taken by central differences. */
static void test_step_and_elasticity(void)
{
    fixture x;
    fixture_open(&x);
    const int base = 0;
    double before[SAMPLES * CLASSES], after[SAMPLES * CLASSES], up[SAMPLES * CLASSES],
        down[SAMPLES * CLASSES];
    double theta[64][64], grad[64][64];
    sasc_samples_logits(&x.s, before);
    sasc_samples_gradient(&x.s, base);
    for (int b = 0; b < x.p->buffer_count; b++)
        if (x.p->buffers[b].role == SASC_BUFFER_PARAMETER)
            for (size_t i = 0; i < sasc_buffer_elements(x.p, b) && i < 64; i++) {
                theta[b][i] = sasc_buffer_get(x.buffers[b], SASC_F64, i);
                grad[b][i] = sasc_buffer_get(x.buffers[gradient_of(x.p, b)], SASC_F64, i);
            }
    const double eta = 1e-7, h = 1e-5;
    sasc_sgd_step(x.p, x.buffers, eta);
    for (int b = 0; b < x.p->buffer_count; b++)
        if (x.p->buffers[b].role == SASC_BUFFER_PARAMETER)
            for (size_t i = 0; i < sasc_buffer_elements(x.p, b) && i < 64; i++)
                CU_ASSERT_DOUBLE_EQUAL(sasc_buffer_get(x.buffers[b], SASC_F64, i),
                                       theta[b][i] - eta * grad[b][i], 1e-15);
    sasc_samples_logits(&x.s, after);
    /* the directional derivative along -g by central differences */
    for (int sign = -1; sign <= 1; sign += 2) {
        for (int b = 0; b < x.p->buffer_count; b++)
            if (x.p->buffers[b].role == SASC_BUFFER_PARAMETER)
                for (size_t i = 0; i < sasc_buffer_elements(x.p, b) && i < 64; i++)
                    sasc_buffer_set(x.buffers[b], SASC_F64, i, theta[b][i] - sign * h * grad[b][i]);
        sasc_samples_logits(&x.s, sign > 0 ? up : down);
    }
    for (int t = 1; t < SAMPLES; t++) {
        double measured = sasc_local_elasticity(before + t * CLASSES, after + t * CLASSES,
                                                before + base * CLASSES, after + base * CLASSES, CLASSES);
        double predicted = sasc_local_elasticity(down + t * CLASSES, up + t * CLASSES,
                                                 down + base * CLASSES, up + base * CLASSES, CLASSES);
        ASSERT_CLOSE(measured, predicted, 1e-5);
        CU_ASSERT(measured > 0);
    }
    fixture_close(&x);
}

/* A step that would leave the domain is clipped: pi to [0, 1], Xi >= 0. */
static void test_step_clips(void)
{
    fixture x;
    fixture_open(&x);
    sasc_samples_gradient(&x.s, 0);
    sasc_sgd_step(x.p, x.buffers, 1e6);
    for (int b = 0; b < x.p->buffer_count; b++) {
        const sasc_buffer_desc *d = &x.p->buffers[b];
        if (d->role != SASC_BUFFER_PARAMETER || d->parameter == SASC_M)
            continue;
        for (size_t i = 0; i < sasc_buffer_elements(x.p, b); i++) {
            double v = sasc_buffer_get(x.buffers[b], SASC_F64, i);
            CU_ASSERT(v >= 0 && (d->parameter != SASC_PI || v <= 1));
        }
    }
    fixture_close(&x);
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite suite = CU_add_suite("elasticity", NULL, NULL);
    CU_add_test(suite, "predict's moments give the output", test_moments_give_the_output);
    CU_add_test(suite, "gradient at one sample = finite differences (f64)", test_gradient_at_one_sample);
    CU_add_test(suite, "SGD step and LE = finite differences along the gradient", test_step_and_elasticity);
    CU_add_test(suite, "the step clips pi and Xi", test_step_clips);
    return testing_run_registry();
}
