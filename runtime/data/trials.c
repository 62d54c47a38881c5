/*
 * trials.c — the data source "trials": trials drawn and laid out from a
 * declared trial table (trials.h; the table is sasc_runtime.h's
 * sasc_trials, compiled by the checker).
 */
#include "runtime/data/trials.h"
#include "runtime/data/source.h"
#include "runtime/model/buffers.h"
#include "runtime/support/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_METRICS = 64 };

/* The trials of one split: per trial its variables, its periods' steps and its label. */
typedef struct {
    long count;
    int steps;              /* of every trial of the split */
    double *values;         /* count x variable_count */
    int *durations;         /* count x period_count: steps of each period */
    int *labels;
} trial_set;

typedef struct {
    const sasc_trials *t;
    uint64_t seed;
    trial_set set[SASC_SPLITS];
    int metric_count;                            /* named levels, all variables together */
    const char *metric_names[MAX_METRICS];
    char metric_text[MAX_METRICS][96];
    int metric_variable[MAX_METRICS], metric_level[MAX_METRICS];
    long tally[MAX_METRICS][2];                  /* test trials, correct ones */
} trials_state;

/* ---- expressions ---- */

static double apply(sasc_trial_op op, double a, double b)
{
    switch (op) {
    case SASC_TRIAL_ADD: return a + b;
    case SASC_TRIAL_SUBTRACT: return a - b;
    case SASC_TRIAL_MULTIPLY: return a * b;
    case SASC_TRIAL_DIVIDE: return a / b;
    case SASC_TRIAL_LESS: return a < b;
    case SASC_TRIAL_GREATER: return a > b;
    case SASC_TRIAL_EQUAL: return a == b;
    default: return a != b;
    }
}

double sasc_trials_evaluate(const sasc_trials *t, int e, const double *values, const double *noise)
{
    double stack[SASC_TRIAL_STACK];
    int top = 0;
    for (int i = t->expressions[e]; i < t->expressions[e + 1]; i++) {
        const sasc_trial_code *c = &t->code[i];
        switch (c->op) {
        case SASC_TRIAL_PUSH: stack[top++] = c->value; break;
        case SASC_TRIAL_VARIABLE: stack[top++] = values[c->index]; break;
        case SASC_TRIAL_NEGATE: stack[top - 1] = -stack[top - 1]; break;
        case SASC_TRIAL_NOISE:
            top--;
            stack[top - 1] += stack[top] * (noise ? noise[c->index] : 0.0);
            break;
        default:
            top--;
            stack[top - 1] = apply(c->op, stack[top - 1], stack[top]);
            break;
        }
    }
    return stack[0];
}

/* ---- drawing trials ---- */

/* Uniform draws per trial: one per variable and one per drawn duration. */
static int draws_per_trial(const sasc_trials *t, int split)
{
    int n = t->variable_count;
    for (int p = 0; p < t->period_count; p++)
        n += t->periods[p].steps[split][0] != t->periods[p].steps[split][1];
    return n;
}

static double draw_variable(const sasc_trial_variable *v, double u)
{
    if (v->level_count > 0)
        return v->levels[(int)(u * v->level_count)];
    return v->low + u * (v->high - v->low);
}

/* Test trial k's level variables: the odometer over their levels, last fastest. */
static void enumerate_levels(const sasc_trials *t, long k, double *values)
{
    for (int i = t->variable_count - 1; i >= 0; i--) {
        const sasc_trial_variable *v = &t->variables[i];
        if (v->level_count == 0)
            continue;
        values[i] = v->levels[k % v->level_count];
        k /= v->level_count;
    }
}

/* The periods' steps of one trial; the last runs to the end of `steps`. */
static void draw_durations(const sasc_trials *t, int split, const double *u, int steps, int *out)
{
    int used = 0;
    for (int p = 0; p < t->period_count; p++) {
        const int *range = t->periods[p].steps[split];
        out[p] = range[0] == range[1] ? range[0] : range[0] + (int)(*u++ * (range[1] - range[0] + 1));
        used += out[p];
    }
    out[t->period_count - 1] += steps - used;
}

static void draw_trial(const trials_state *s, int split, long k, double *values, int *durations)
{
    const sasc_trials *t = s->t;
    int n = draws_per_trial(t, split);
    double u[2 * SASC_TRIAL_MAX];
    uint64_t stream = sasc_rng_stream(SASC_STREAM_TASK, (uint32_t)split, 0);
    sasc_rng_uniforms(s->seed, stream, (uint64_t)k * (uint64_t)((n + 1) / 2), u, (size_t)n);
    for (int i = 0; i < t->variable_count; i++)
        values[i] = draw_variable(&t->variables[i], u[i]);
    if (split == SASC_SPLIT_TEST)
        enumerate_levels(t, k, values);
    draw_durations(t, split, u + t->variable_count, s->set[split].steps, durations);
}

static bool check_label(const sasc_trials *t, int split, long k, double value, int *label,
                        char *error, size_t error_size)
{
    if (value >= 0 && value < t->classes && value == floor(value)) {
        *label = (int)value;
        return true;
    }
    snprintf(error, error_size, "trials '%s': the label of %s trial %ld is %g, not a class 0 .. %d",
             t->name, split == SASC_SPLIT_TEST ? "test" : "training", k, value, t->classes - 1);
    return false;
}

static bool draw_set(trials_state *s, int split, long count, char *error, size_t error_size)
{
    const sasc_trials *t = s->t;
    trial_set *set = &s->set[split];
    set->count = count;
    set->values = calloc((size_t)count * (size_t)t->variable_count + 1, sizeof *set->values);
    set->durations = calloc((size_t)count * (size_t)t->period_count + 1, sizeof *set->durations);
    set->labels = calloc((size_t)count + 1, sizeof *set->labels);
    if (!set->values || !set->durations || !set->labels) {
        snprintf(error, error_size, "out of memory drawing the trials of '%s'", t->name);
        return false;
    }
    for (long k = 0; k < count; k++) {
        double *values = set->values + k * t->variable_count;
        draw_trial(s, split, k, values, set->durations + k * t->period_count);
        if (!check_label(t, split, k, sasc_trials_evaluate(t, t->label, values, NULL),
                         &set->labels[k], error, error_size))
            return false;
    }
    return true;
}

/* ---- the program's shape ---- */

/* Steps of the shortest and the longest trial of a split. */
static void trial_range(const sasc_trials *t, int split, int *shortest, int *longest)
{
    *shortest = *longest = 0;
    for (int p = 0; p < t->period_count; p++) {
        *shortest += t->periods[p].steps[split][0];
        *longest += t->periods[p].steps[split][1];
    }
}

static bool check_steps(const sasc_trials *t, int split, int steps, char *error, size_t error_size)
{
    int shortest, longest;
    trial_range(t, split, &shortest, &longest);
    bool fixed = shortest == longest;
    if (fixed ? longest == steps : longest <= steps)
        return true;
    const char *which = split == SASC_SPLIT_TEST ? "test" : "training";
    snprintf(error, error_size, "trials '%s': %s trials last %s%d steps but the model's %s are %d",
             t->name, which, fixed ? "" : "up to ", longest,
             split == SASC_SPLIT_TEST ? "test_steps" : "steps", steps);
    return false;
}

static bool check_program(const sasc_trials *t, const sasc_program *p, int steps[SASC_SPLITS],
                          char *error, size_t error_size)
{
    const sasc_buffer_desc *input = &p->buffers[p->input_buffer];
    const sasc_buffer_desc *target = &p->buffers[p->target_buffer];
    if (input->cols != t->inputs || target->cols != t->targets ||
        sasc_data_find_buffer(p, SASC_BUFFER_LOSS_MASK) < 0 || p->classes != t->classes) {
        snprintf(error, error_size, "data = trials(%s) needs a recurrent model with %d inputs per "
                 "step and a readout of %d outputs at every step (at = every) trained by mse",
                 t->name, t->inputs, t->targets);
        return false;
    }
    steps[SASC_SPLIT_TRAIN] = target->rows / p->batch;
    steps[SASC_SPLIT_TEST] = input->rows / p->batch;
    return check_steps(t, SASC_TRIAL_TRAIN, steps[SASC_SPLIT_TRAIN], error, error_size) &&
           check_steps(t, SASC_TRIAL_TEST, steps[SASC_SPLIT_TEST], error, error_size);
}

/* ---- metrics: accuracy per named level ---- */

static void name_metrics(trials_state *s)
{
    const sasc_trials *t = s->t;
    for (int i = 0; i < t->variable_count; i++)
        for (int l = 0; t->variables[i].level_names && l < t->variables[i].level_count; l++) {
            if (s->metric_count == MAX_METRICS)
                return;
            int m = s->metric_count++;
            snprintf(s->metric_text[m], sizeof s->metric_text[m], "test_accuracy_%s",
                     t->variables[i].level_names[l]);
            s->metric_names[m] = s->metric_text[m];
            s->metric_variable[m] = i;
            s->metric_level[m] = l;
        }
}

static int chosen_class(const sasc_program *p, void *const *buffers, int row)
{
    size_t base = (size_t)row * (size_t)p->buffers[p->output_buffer].cols;
    int best = 0;
    for (int c = 1; c < p->classes; c++)
        if (sasc_buffer_get(buffers[p->output_buffer], p->precision, base + (size_t)c) >
            sasc_buffer_get(buffers[p->output_buffer], p->precision, base + (size_t)best))
            best = c;
    return best;
}

static void trials_metrics_reset(void *state)
{
    trials_state *s = state;
    memset(s->tally, 0, sizeof s->tally);
}

static void trials_metrics_tally(void *state, const sasc_program *program, void *const *buffers,
                                 long first, int rows)
{
    trials_state *s = state;
    const trial_set *set = &s->set[SASC_SPLIT_TEST];
    for (int row = 0; row < rows; row++) {
        long k = first + row;
        bool correct = chosen_class(program, buffers, row) == set->labels[k];
        for (int m = 0; m < s->metric_count; m++) {
            const sasc_trial_variable *v = &s->t->variables[s->metric_variable[m]];
            if (set->values[k * s->t->variable_count + s->metric_variable[m]] ==
                v->levels[s->metric_level[m]]) {
                s->tally[m][0]++;
                s->tally[m][1] += correct;
            }
        }
    }
}

static void trials_metrics_read(const void *state, double *values)
{
    const trials_state *s = state;
    for (int m = 0; m < s->metric_count; m++)
        values[m] = s->tally[m][0] ? (double)s->tally[m][1] / (double)s->tally[m][0] : NAN;
}

/* ---- the data source (source.h) ---- */

static bool trials_claims(const char *data)
{
    size_t n = strlen(data);
    return n > 8 && strncmp(data, "trials(", 7) == 0 && data[n - 1] == ')';
}

/* Whether `data` = "trials(NAME)" names the table `t`. */
static bool names_table(const char *data, const sasc_trials *t, char *error, size_t error_size)
{
    size_t n = strlen(data) - 8;
    if (t && strlen(t->name) == n && strncmp(data + 7, t->name, n) == 0)
        return true;
    if (t)
        snprintf(error, error_size, "data = %s, but the program was compiled for trials(%s)", data,
                 t->name);
    else
        snprintf(error, error_size, "data = %s names trials the program was not compiled with; "
                 "declare them in the .sas file", data);
    return false;
}

static long split_count(long requested, long fallback)
{
    return requested > 0 ? requested : requested == 0 ? fallback : 0;
}

static bool trials_probe(const sasc_data_request *request, sasc_data_shape *shape, char *error,
                         size_t error_size)
{
    const sasc_trials *t = request->trials;
    if (!names_table(request->data, t, error, error_size))
        return false;
    *shape = (sasc_data_shape){
        .kind = "trials",
        .count = {split_count(request->count[SASC_SPLIT_TRAIN], t->count[SASC_TRIAL_TRAIN]),
                  split_count(request->count[SASC_SPLIT_TEST], t->count[SASC_TRIAL_TEST])},
        .sample_dims = 2, .sample_shape = {0, t->inputs}, .sequence = true,
        .features = t->inputs, .targets = SASC_TARGETS_VALUES, .target_width = t->targets,
        .classes = t->classes, .targets_per_step = true, .loss_mask = true, .noisy_test = true};
    return true;
}

static void trials_close(void *state)
{
    trials_state *s = state;
    if (!s)
        return;
    for (int split = 0; split < SASC_SPLITS; split++) {
        free(s->set[split].values);
        free(s->set[split].durations);
        free(s->set[split].labels);
    }
    free(s);
}

static void *trials_open(const sasc_data_request *request, const sasc_program *program,
                         sasc_data_shape *shape, char *error, size_t error_size)
{
    int steps[SASC_SPLITS];
    if (!trials_probe(request, shape, error, error_size) ||
        !check_program(request->trials, program, steps, error, error_size))
        return NULL;
    trials_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(error, error_size, "out of memory drawing the trials of '%s'", request->trials->name);
        return NULL;
    }
    s->t = request->trials;
    s->seed = request->seed;
    for (int split = 0; split < SASC_SPLITS; split++) {
        s->set[split].steps = steps[split];
        if (!draw_set(s, split, shape->count[split], error, error_size)) {
            trials_close(s);
            return NULL;
        }
        shape->steps[split] = steps[split];
    }
    shape->sample_shape[0] = steps[SASC_SPLIT_TEST];
    name_metrics(s);
    shape->metric_count = s->metric_count;
    shape->metric_names = s->metric_names;
    return s;
}

/* Step `step` of trial `k` of `split` into batch row `row`. */
static void load_step(const trials_state *s, const sasc_program *p, void *const *buffers, int split,
                      long k, int row, int step, int period)
{
    const sasc_trials *t = s->t;
    const sasc_trial_period *pd = &t->periods[period];
    const double *values = s->set[split].values + k * t->variable_count;
    double noise[SASC_TRIAL_STACK];
    if (t->noise_count > 0)
        sasc_rng_normals(s->seed, sasc_rng_stream(SASC_STREAM_TASK, 2 + (uint32_t)split, (uint32_t)k),
                         (uint64_t)step * (uint64_t)((t->noise_count + 1) / 2), noise,
                         (size_t)t->noise_count);
    size_t at = (size_t)step * (size_t)p->batch + (size_t)row;
    for (int i = 0; pd->inputs >= 0 && i < t->inputs; i++)
        sasc_buffer_set(buffers[p->input_buffer], p->precision, at * (size_t)t->inputs + (size_t)i,
                        sasc_trials_evaluate(t, pd->inputs + i, values, noise));
    if (split == SASC_SPLIT_TEST)
        return;
    int mask = sasc_data_find_buffer(p, SASC_BUFFER_LOSS_MASK);
    for (int i = 0; i < t->targets; i++) {
        size_t j = at * (size_t)t->targets + (size_t)i;
        if (pd->targets >= 0)
            sasc_buffer_set(buffers[p->target_buffer], p->precision, j,
                            sasc_trials_evaluate(t, pd->targets + i, values, NULL));
        sasc_buffer_set(buffers[mask], p->precision, j, pd->loss ? 1.0 : 0.0);
    }
}

static void load_trial(const trials_state *s, const sasc_program *p, void *const *buffers, int split,
                       long k, int row)
{
    const int *durations = s->set[split].durations + k * s->t->period_count;
    int step = 0;
    for (int period = 0; period < s->t->period_count; period++)
        for (int i = 0; i < durations[period]; i++)
            load_step(s, p, buffers, split, k, row, step++, period);
}

static void trials_load_batch(const void *state, const sasc_program *program, void *const *buffers,
                              sasc_split split, const size_t *order, long first, int rows)
{
    sasc_data_zero_batch(program, buffers);
    for (int row = 0; row < rows; row++)
        load_trial(state, program, buffers, split, order ? (long)order[first + row] : first + row, row);
}

static int trials_label(const void *state, sasc_split split, long sample)
{
    const trials_state *s = state;
    return s->set[split].labels[sample];
}

static bool has_levels(const sasc_trial_variable *v, const char *name, int count)
{
    return strcmp(v->name, name) == 0 && v->level_count == count;
}

bool sasc_trials_msi_conditions(const sasc_trials *t)
{
    static const char *const modalities[] = {"visual", "auditory", "multisensory"};
    if (!t || t->variable_count != 2 || t->classes != 2 || !has_levels(&t->variables[0], "rate", 8) ||
        !has_levels(&t->variables[1], "modality", 3) || !t->variables[1].level_names)
        return false;
    for (int l = 0; l < 8; l++)
        if (t->variables[0].levels[l] != 9 + l)
            return false;
    for (int l = 0; l < 3; l++)
        if (strcmp(t->variables[1].level_names[l], modalities[l]) != 0)
            return false;
    return true;
}

/* MSI-shaped trials are what the MSI analyses read (trials.h). */
static const char *trials_family(const sasc_program *program)
{
    return sasc_trials_msi_conditions(program->trials) ? "msi" : "trials";
}

const sasc_data_kind sasc_data_trials = {
    .name = "trials",
    .summary = "data = trials(NAME): the trials of the declaration `trials NAME { ... }` of the "
               ".sas file, generated from the seed (runtime/data/trials.h)",
    .claims = trials_claims, .probe = trials_probe, .open = trials_open,
    .load_batch = trials_load_batch, .label = trials_label, .close = trials_close,
    .metrics_reset = trials_metrics_reset, .metrics_tally = trials_metrics_tally,
    .metrics_read = trials_metrics_read, .family = trials_family,
};
