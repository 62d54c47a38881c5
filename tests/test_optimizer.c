/*
 * test_optimizer.c — one `update` step of each optimiser against the same
 * step computed by hand, element by element: Adam with bias correction and
 * decoupled weight decay (BRIEF section 3), RMSprop, SGD with and without
 * momentum; pi clipped to [0,1] and Xi to >= 0; frozen parameters and masked
 * entries untouched.
 */
#include <math.h>
#include <string.h>
#include "testing.h"
#include "ir_fixtures.h"

#define LEARNING_RATE 0.05
#define STEPS_SO_FAR 3

/* One layer 3 -> 4 with a density mask; m optionally frozen. */
static bool lower_one_layer(fixture *fx, ir_program *p, sasc_optimizer optimizer, double momentum,
                            bool masked, bool freeze_m)
{
    const int widths[1] = { 4 };
    fixture_init(fx, 3, widths, 1, ACTIVATION_IDENTITY, LOSS_MEAN_SQUARED_ERROR, 2, 64);
    fx->task.optimizer = optimizer;
    fx->task.momentum = momentum;
    fx->task.beta1 = 0.8;
    fx->task.beta2 = 0.95;
    fx->task.epsilon = 1e-3;
    fx->task.weight_decay = 0.01;
    if (masked)
        fx->layers[0].group[0].mask = (sasc_mask){ SASC_MASK_DENSITY, 0.5, NULL };
    fx->layers[0].group[0].prior[SASC_M].frozen = freeze_m;
    return fixture_lower(fx, p);
}

static int buffer_of(const ir_program *p, const char *parameter, const char *suffix)
{
    char name[64];
    snprintf(name, sizeof name, "h1.%s%s%s", parameter, suffix[0] ? "." : "", suffix);
    return fixture_find_buffer(p, name);
}

/* The state before the step and everything the hand computation needs. */
typedef struct {
    double theta, g, state[2], mask;
} element;

static double hand_step(const sasc_task *task, const double *scalars, sasc_parameter k, element *e)
{
    double step;
    switch (task->optimizer) {
    case SASC_OPTIMIZER_ADAM:
        e->state[0] = task->beta1 * e->state[0] + (1 - task->beta1) * e->g;
        e->state[1] = task->beta2 * e->state[1] + (1 - task->beta2) * e->g * e->g;
        step = (e->state[0] / scalars[SASC_SCALAR_BIAS_CORRECTION1]) /
               (sqrt(e->state[1] / scalars[SASC_SCALAR_BIAS_CORRECTION2]) + task->epsilon);
        break;
    case SASC_OPTIMIZER_RMSPROP:
        e->state[0] = task->beta2 * e->state[0] + (1 - task->beta2) * e->g * e->g;
        step = e->g / (sqrt(e->state[0]) + task->epsilon);
        break;
    default:
        e->state[0] = task->momentum > 0 ? task->momentum * e->state[0] + e->g : e->g;
        step = e->state[0];
        break;
    }
    step += task->weight_decay * e->theta;
    double theta = e->theta - scalars[SASC_SCALAR_LEARNING_RATE] * step * e->mask;
    if (k == SASC_PI)
        theta = fmin(fmax(theta, 0.0), 1.0);
    if (k == SASC_XI)
        theta = fmax(theta, 0.0);
    return theta;
}

static const char *const parameter_name[3] = { "pi", "m", "Xi" };

/* Large gradients so that pi and Xi leave their ranges somewhere. */
static void randomise_update_inputs(const ir_program *p, void **buffers, fixture_rng *rng,
                                    const char *const *state_suffix, int states)
{
    for (int k = 0; k < 3; k++) {
        int theta = buffer_of(p, parameter_name[k], ""), g = buffer_of(p, parameter_name[k], "grad");
        fixture_fill(p, buffers, theta, rng, k == SASC_M ? -1.0 : 0.0, k == SASC_M ? 1.0 : 0.2);
        if (k == SASC_PI)
            fixture_fill(p, buffers, theta, rng, 0.8, 1.0);
        if (g >= 0)
            fixture_fill(p, buffers, g, rng, -40.0, 40.0);
        for (int s = 0; s < states; s++)
            if (buffer_of(p, parameter_name[k], state_suffix[s]) >= 0)
                fixture_fill(p, buffers, buffer_of(p, parameter_name[k], state_suffix[s]), rng, 0.0, 1.0);
    }
    int mask = fixture_find_buffer(p, "h1.mask");
    if (mask >= 0)
        for (int e = 0; e < 12; e++)
            fixture_set(p, buffers, mask, e, e % 3 == 0 ? 0.0 : 1.0);
}

typedef struct {
    int clipped, masked_checked, frozen_checked, state_buffers;
} step_report;

static void check_parameter(const ir_program *p, const sasc_task *task, void **before, void **after,
                            sasc_parameter k, const char *const *state_suffix, int states,
                            step_report *report)
{
    const double *scalars = before[p->scalars_buffer];
    int theta = buffer_of(p, parameter_name[k], ""), g = buffer_of(p, parameter_name[k], "grad");
    int mask = fixture_find_buffer(p, "h1.mask");
    for (int i = 0; i < 12; i++) {
        double old = fixture_get(p, before, theta, i), now = fixture_get(p, after, theta, i);
        if (g < 0) {            /* frozen: never written */
            CU_ASSERT_EQUAL(now, old);
            report->frozen_checked++;
            continue;
        }
        element e = { old, fixture_get(p, before, g, i), { 0, 0 },
                      mask >= 0 ? fixture_get(p, before, mask, i) : 1.0 };
        int state[2] = { -1, -1 };
        for (int s = 0; s < states; s++) {
            state[s] = buffer_of(p, parameter_name[k], state_suffix[s]);
            e.state[s] = fixture_get(p, before, state[s], i);
        }
        double expected = hand_step(task, scalars, k, &e);
        ASSERT_CLOSE(now, expected, 1e-13);
        for (int s = 0; s < states; s++)
            ASSERT_CLOSE(fixture_get(p, after, state[s], i), e.state[s], 1e-13);
        if (e.mask == 0) {
            CU_ASSERT_EQUAL(now, old);
            report->masked_checked++;
        }
        report->clipped += (k == SASC_PI && (now == 0.0 || now == 1.0) && e.mask != 0) ||
                           (k == SASC_XI && now == 0.0 && e.mask != 0);
    }
}

static void copy_buffers(const ir_program *p, void **to, void **from)
{
    for (int i = 0; i < p->buffer_count; i++)
        memcpy(to[i], from[i], (size_t)p->buffers[i].desc.rows * p->buffers[i].desc.cols * sizeof(double));
}

static step_report check_one_step(sasc_optimizer optimizer, double momentum, bool masked, bool freeze_m,
                                  const char *const *state_suffix, int states)
{
    step_report report = { 0, 0, 0, 0 };
    fixture fx;
    ir_program p;
    if (!lower_one_layer(&fx, &p, optimizer, momentum, masked, freeze_m))
        return report;
    void **before = fixture_buffers_new(&p), **after = fixture_buffers_new(&p);
    fixture_rng rng = { 31 + (uint64_t)optimizer };
    randomise_update_inputs(&p, before, &rng, state_suffix, states);
    double *scalars = before[p.scalars_buffer];
    scalars[SASC_SCALAR_LEARNING_RATE] = LEARNING_RATE;
    scalars[SASC_SCALAR_BIAS_CORRECTION1] = 1 - pow(fx.task.beta1, STEPS_SO_FAR);
    scalars[SASC_SCALAR_BIAS_CORRECTION2] = 1 - pow(fx.task.beta2, STEPS_SO_FAR);
    for (int i = 0; i < p.buffer_count; i++)
        report.state_buffers += p.buffers[i].desc.role == SASC_BUFFER_OPTIMIZER_STATE;
    copy_buffers(&p, after, before);
    fixture_run(&p, &p.update, after);
    for (int k = 0; k < 3; k++)
        check_parameter(&p, &fx.task, before, after, (sasc_parameter)k, state_suffix, states, &report);
    fixture_buffers_free(&p, before);
    fixture_buffers_free(&p, after);
    ir_program_free(&p);
    return report;
}

static void test_adam(void)
{
    static const char *const suffix[2] = { "adam1", "adam2" };
    step_report r = check_one_step(SASC_OPTIMIZER_ADAM, 0, false, false, suffix, 2);
    CU_ASSERT(r.clipped > 0);
    CU_ASSERT_EQUAL(r.state_buffers, 3 * 2);
}

static void test_rmsprop(void)
{
    static const char *const suffix[1] = { "rms" };
    step_report r = check_one_step(SASC_OPTIMIZER_RMSPROP, 0, false, false, suffix, 1);
    CU_ASSERT(r.clipped > 0);
}

static void test_sgd_momentum(void)
{
    static const char *const suffix[1] = { "velocity" };
    step_report r = check_one_step(SASC_OPTIMIZER_SGD, 0.9, false, false, suffix, 1);
    CU_ASSERT(r.clipped > 0);
}

static void test_sgd_plain(void)
{
    step_report r = check_one_step(SASC_OPTIMIZER_SGD, 0, false, false, NULL, 0);
    CU_ASSERT(r.clipped > 0);
    CU_ASSERT_EQUAL(r.state_buffers, 0);
}

static void test_masked_and_frozen(void)
{
    static const char *const suffix[2] = { "adam1", "adam2" };
    step_report r = check_one_step(SASC_OPTIMIZER_ADAM, 0, true, true, suffix, 2);
    CU_ASSERT_EQUAL(r.frozen_checked, 12);        /* m frozen */
    CU_ASSERT_EQUAL(r.masked_checked, 2 * 4);     /* pi and Xi, every third entry */
}

void register_optimizer_tests(void)
{
    CU_pSuite suite = CU_add_suite("optimizer", NULL, NULL);
    CU_add_test(suite, "Adam step with bias correction and decoupled weight decay", test_adam);
    CU_add_test(suite, "RMSprop step", test_rmsprop);
    CU_add_test(suite, "SGD step with momentum", test_sgd_momentum);
    CU_add_test(suite, "SGD step without momentum keeps no state", test_sgd_plain);
    CU_add_test(suite, "masked entries and frozen parameters never move", test_masked_and_frozen);
}
