/*
 * task.c — the one table of task settings: name, type, help text, where the
 * value lives in sasc_task, and which values are valid.
 *
 * The table is written once (SETTINGS below) and expanded twice: into the
 * public sasc_setting_info array (help text, front-end checks) and into the
 * private spec array (storage and range), so the two can never disagree.
 */
#include "runtime/settings/task.h"
#include "runtime/support/output.h"
#include "runtime/support/suggest.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a setting is stored in sasc_task. */
typedef enum { STORE_INT, STORE_LONG, STORE_U64, STORE_REAL, STORE_STRING,
               STORE_CHOICE, STORE_BOOL, STORE_CONSTANTS } storage;

typedef struct { const char *name; int value; } choice;

typedef struct {
    storage store;
    size_t offset;
    size_t capacity;            /* STORE_STRING: size of the char array */
    long long int_min, int_max; /* STORE_INT, STORE_LONG (STORE_U64 accepts all) */
    double real_min, real_max;  /* STORE_REAL */
    bool real_min_open, real_max_open;
    const choice *choices;      /* STORE_CHOICE, terminated by a NULL name */
    bool choice_json_number;    /* render the choice's value, not its name */
    const char *expected;       /* completes "KEY must be ..., got 'VALUE'" */
} spec;

static const choice optimizer_choices[] = {
    {"adam", SASC_OPTIMIZER_ADAM}, {"rmsprop", SASC_OPTIMIZER_RMSPROP},
    {"sgd", SASC_OPTIMIZER_SGD}, {NULL, 0}};
static const choice vip_rule_choices[] = {
    {"strict", SASC_VIP_STRICT}, {"relaxed", SASC_VIP_RELAXED}, {NULL, 0}};
static const choice entropy_formula_choices[] = {
    {"auto", SASC_ENTROPY_FORMULA_AUTO}, {"gbp_eq8", SASC_ENTROPY_FORMULA_GBP_EQ8},
    {"gbptt_eq14", SASC_ENTROPY_FORMULA_GBPTT_EQ14}, {NULL, 0}};
static const choice elasticity_noise_choices[] = {
    {"drawn", SASC_ELASTICITY_NOISE_DRAWN}, {"zero", SASC_ELASTICITY_NOISE_ZERO}, {NULL, 0}};
static const choice scaling_choices[] = {
    {"auto", SASC_SCALING_AUTO}, {"as_read", SASC_SCALING_AS_READ}, {"unit", SASC_SCALING_UNIT},
    {"standardize", SASC_SCALING_STANDARDIZE}, {NULL, 0}};
static const choice precision_choices[] = {
    {"32", 32}, {"64", 64}, {"f32", 32}, {"f64", 64}, {NULL, 0}};

#define FIELD(f) offsetof(sasc_task, f)
#define INT_SPEC(f, lo, hi, what) \
    {.store = STORE_INT, .offset = FIELD(f), .int_min = (lo), .int_max = (hi), .expected = (what)}
#define LONG_SPEC(f, lo, hi, what) \
    {.store = STORE_LONG, .offset = FIELD(f), .int_min = (lo), .int_max = (hi), .expected = (what)}
#define U64_SPEC(f, what) {.store = STORE_U64, .offset = FIELD(f), .expected = (what)}
#define REAL_SPEC(f, lo, lo_open, hi, hi_open, what) \
    {.store = STORE_REAL, .offset = FIELD(f), .real_min = (lo), .real_min_open = (lo_open), \
     .real_max = (hi), .real_max_open = (hi_open), .expected = (what)}
#define STRING_SPEC(f, what) \
    {.store = STORE_STRING, .offset = FIELD(f), .capacity = sizeof(((sasc_task *)0)->f), \
     .expected = (what)}
#define CHOICE_SPEC(f, list, number, what) \
    {.store = STORE_CHOICE, .offset = FIELD(f), .choices = (list), \
     .choice_json_number = (number), .expected = (what)}
#define BOOL_SPEC(f, what) {.store = STORE_BOOL, .offset = FIELD(f), .expected = (what)}
#define CONSTANTS_SPEC(f, what) {.store = STORE_CONSTANTS, .offset = FIELD(f), .expected = (what)}

/* X(key, public type, help, storage spec) */
#define SETTINGS(X) \
    X("name", STRING, "the task's name", \
      STRING_SPEC(name, "a name of at most 63 characters")) \
    X("model", STRING, "which model of the file the task trains", \
      STRING_SPEC(model, "a name of at most 63 characters")) \
    X("data", STRING, "the data source: a directory of IDX or .npy files, a .npz file, " \
      "a cifar-10-batches-bin directory, or trials(NAME)", \
      STRING_SPEC(data, "a directory path of at most 4095 characters")) \
    X("train", INTEGER, "training samples used, the first ones of the file (0 = all)", \
      LONG_SPEC(train, 0, LONG_MAX, "a non-negative integer (0 = all)")) \
    X("test", INTEGER, "test samples used, the first ones of the file (0 = all)", \
      LONG_SPEC(test, 0, LONG_MAX, "a non-negative integer (0 = all)")) \
    X("input_scaling", CHOICE, "inputs: auto (the source's own), as_read, unit (/255) or standardize " \
      "(training-set mean and sd per input)", \
      CHOICE_SPEC(input_scaling, scaling_choices, false, "one of auto, as_read, unit, standardize")) \
    X("epochs", INTEGER, "passes over the training images", \
      INT_SPEC(epochs, 0, INT_MAX, "a non-negative integer")) \
    X("batch", INTEGER, "samples per mini-batch", \
      INT_SPEC(batch, 1, 1000000, "a positive integer no larger than 1000000")) \
    X("seed", INTEGER, "seed of every random number (initialisation, noise, shuffling)", \
      U64_SPEC(seed, "a non-negative integer below 2^64")) \
    X("optimizer", CHOICE, "adam, rmsprop or sgd", \
      CHOICE_SPEC(optimizer, optimizer_choices, false, "one of adam, rmsprop, sgd")) \
    X("lr", REAL, "learning rate", \
      REAL_SPEC(lr, 0, true, INFINITY, true, "a positive number")) \
    X("beta1", REAL, "Adam's first-moment decay", \
      REAL_SPEC(beta1, 0, false, 1, true, "a number in [0, 1)")) \
    X("beta2", REAL, "Adam's second-moment decay (RMSprop's decay)", \
      REAL_SPEC(beta2, 0, false, 1, true, "a number in [0, 1)")) \
    X("epsilon", REAL, "Adam's and RMSprop's denominator offset", \
      REAL_SPEC(epsilon, 0, true, INFINITY, true, "a positive number")) \
    X("momentum", REAL, "SGD momentum", \
      REAL_SPEC(momentum, 0, false, 1, true, "a number in [0, 1)")) \
    X("weight_decay", REAL, "decoupled weight decay: theta -= lr * weight_decay * theta", \
      REAL_SPEC(weight_decay, 0, false, INFINITY, true, "a non-negative number")) \
    X("lr_decay", REAL, "learning rate of epoch e is lr / (1 + lr_decay * e)", \
      REAL_SPEC(lr_decay, 0, false, INFINITY, true, "a non-negative number")) \
    X("clip_spectral", REAL, "clip each gradient matrix to spectral norm <= c (0 = off)", \
      REAL_SPEC(clip_spectral, 0, false, INFINITY, true, "a non-negative number (0 = off)")) \
    X("clip_norm", REAL, "clip all gradients together to Euclidean norm <= c (0 = off)", \
      REAL_SPEC(clip_norm, 0, false, INFINITY, true, "a non-negative number (0 = off)")) \
    X("halve_every", INTEGER, "halve the learning rate every k epochs (0 = never)", \
      INT_SPEC(halve_every, 0, INT_MAX, "a non-negative integer (0 = never)")) \
    X("precision", CHOICE, "floating-point precision: 32 or 64 (also f32, f64)", \
      CHOICE_SPEC(precision, precision_choices, true, "32 or 64 (also f32 or f64)")) \
    X("out", STRING, "output directory (empty: runs/MODEL-TASK)", \
      STRING_SPEC(out, "a directory path of at most 4095 characters")) \
    X("shards", INTEGER, "data-parallel shards of a training step (0 = 2 for an even batch, else 1)", \
      INT_SPEC(shards, 0, 4096, "an integer between 0 and 4096 (0 = automatic)")) \
    X("threads", INTEGER, "worker threads for the shards of a step (0 = all cores)", \
      INT_SPEC(threads, 0, 4096, "an integer between 0 and 4096 (0 = all cores)")) \
    X("shuffle", BOOLEAN, "shuffle the training images every epoch", \
      BOOL_SPEC(shuffle, "true or false (or 1 or 0)")) \
    X("analyze_every", INTEGER, "analyses during training every k epochs and at the last (0 = never)", \
      INT_SPEC(analyze_every, 0, INT_MAX, "a non-negative integer (0 = never)")) \
    X("entropy_samples", INTEGER, "B, standard normals of the entropy estimate (gbp Eq. 8, gbptt Eq. 14)", \
      INT_SPEC(entropy_samples, 1, 1000000, "an integer between 1 and 1000000")) \
    X("entropy_a", REAL, "variance a of the Gaussian standing for delta(w) in the entropy", \
      REAL_SPEC(entropy_a, 0, true, INFINITY, true, "a positive number")) \
    X("entropy_formula", CHOICE, "auto (gbp Eq. 8 feedforward, gbptt Eq. 14 recurrent), gbp_eq8, gbptt_eq14", \
      CHOICE_SPEC(entropy_formula, entropy_formula_choices, false, "one of auto, gbp_eq8, gbptt_eq14")) \
    X("sampled_networks", INTEGER, "networks sampled from the ensemble per evaluation (0 = none)", \
      INT_SPEC(sampled_networks, 0, 100000, "an integer between 0 and 100000")) \
    X("vip_rule", CHOICE, "VIP rule: strict (pi = 0, Xi = 0) or relaxed (pi < vip_pi_max, |m| > vip_m_min)", \
      CHOICE_SPEC(vip_rule, vip_rule_choices, false, "strict or relaxed")) \
    X("vip_tolerance", REAL, "strict rule: VIP pi <= tol and Xi <= tol, UIP pi >= 1 - tol", \
      REAL_SPEC(vip_tolerance, 0, false, 0.5, true, "a number in [0, 0.5)")) \
    X("vip_pi_max", REAL, "relaxed rule: VIP needs pi < vip_pi_max", \
      REAL_SPEC(vip_pi_max, 0, true, 1, false, "a number in (0, 1]")) \
    X("vip_m_min", REAL, "relaxed rule: VIP needs |m| > vip_m_min", \
      REAL_SPEC(vip_m_min, 0, false, INFINITY, true, "a non-negative number")) \
    X("analyze", STRING, "analyses after training: comma list of histograms, entropy, perturbation, dynamics", \
      STRING_SPEC(analyze, "a comma list of at most 255 characters")) \
    X("perturb_steps", INTEGER, "targeted perturbation: fractions 0, 1/n, ..., 1", \
      INT_SPEC(perturb_steps, 1, 1000, "an integer between 1 and 1000")) \
    X("perturb_repeats", INTEGER, "targeted perturbation: repetitions per fraction", \
      INT_SPEC(perturb_repeats, 1, 100000, "an integer between 1 and 100000")) \
    X("perturb_layers", STRING, "targeted perturbation: comma list of layers (empty = all)", \
      STRING_SPEC(perturb_layers, "a comma list of at most 255 characters")) \
    X("train_sizes", STRING, "train_size sweep: comma list of training-set sizes", \
      STRING_SPEC(train_sizes, "a comma list of at most 255 characters")) \
    X("dynamic_steps", INTEGER, "dynamics analysis: time steps of the network resampled every step", \
      INT_SPEC(dynamic_steps, 1, 1000000, "an integer between 1 and 1000000")) \
    X("dynamic_networks", INTEGER, "dynamics analysis: test accuracy of this many networks resampled " \
      "every step (0 = none, and recurrent programs carry no per-step weights)", \
      INT_SPEC(dynamic_networks, 0, 100000, "an integer between 0 and 100000")) \
    X("snapshot_every", INTEGER, "keep the parameters of the start, every k-th epoch and the last " \
      "in snapshots/EPOCH/ (0 = never)", \
      INT_SPEC(snapshot_every, 0, INT_MAX, "a non-negative integer (0 = never)")) \
    X("elasticity_images", INTEGER, "elasticity analysis: test images drawn per class (all ordered " \
      "pairs of them are measured)", \
      INT_SPEC(elasticity_images, 1, 1000, "an integer between 1 and 1000")) \
    X("elasticity_step", REAL, "elasticity analysis: step size of the plain SGD step at the base image", \
      REAL_SPEC(elasticity_step, 0, true, INFINITY, true, "a positive number")) \
    X("elasticity_noise", CHOICE, "elasticity analysis: eps of the mean-field pass, drawn per image " \
      "and held fixed, or zero", \
      CHOICE_SPEC(elasticity_noise, elasticity_noise_choices, false, "drawn or zero")) \
    X("elasticity_similar", STRING, "elasticity analysis: comma list of classes that look alike " \
      "(Fashion-MNIST T-shirt, pullover, coat, shirt)", \
      STRING_SPEC(elasticity_similar, "a comma list of at most 127 characters")) \
    X("elasticity_dissimilar", STRING, "elasticity analysis: comma list of classes unlike those " \
      "(Fashion-MNIST trouser, sneaker, bag)", \
      STRING_SPEC(elasticity_dissimilar, "a comma list of at most 127 characters")) \
    X("constants", STRING, "the file's constants as used, NAME=VALUE,... (set one with --set NAME=VALUE)", \
      CONSTANTS_SPEC(constants, "a list NAME=NUMBER,NAME=NUMBER,..."))

#define AS_INFO(key, type, help, spec_init) {key, SASC_SETTING_##type, help},
#define AS_SPEC(key, type, help, spec_init) spec_init,

static const sasc_setting_info settings[] = { SETTINGS(AS_INFO) };
static const spec specs[] = { SETTINGS(AS_SPEC) };
enum { SETTING_COUNT = sizeof settings / sizeof settings[0] };
_Static_assert(sizeof specs / sizeof specs[0] == SETTING_COUNT, "one spec per setting");

void sasc_task_defaults(sasc_task *task)
{
    memset(task, 0, sizeof *task);
    snprintf(task->data, sizeof task->data, "%s", "/usr/share/datasets/fashion-mnist");
    task->epochs = 10;
    task->batch = 100;
    task->seed = 1;
    task->optimizer = SASC_OPTIMIZER_ADAM;
    task->lr = 0.001;
    task->beta1 = 0.9;
    task->beta2 = 0.999;
    task->epsilon = 1e-8;
    task->precision = 32;
    task->shuffle = true;
    task->entropy_samples = SASC_ENTROPY_DEFAULT_SAMPLES;
    task->entropy_a = SASC_ENTROPY_DEFAULT_A;
    task->sampled_networks = 10;
    task->vip_pi_max = 0.1;
    task->vip_m_min = 0.05;
    task->perturb_steps = 10;
    task->perturb_repeats = 10;
    task->dynamic_steps = 100;
    task->dynamic_networks = 10;
    task->elasticity_images = 20;
    task->elasticity_step = 0.01;
    snprintf(task->elasticity_similar, sizeof task->elasticity_similar, "%s", "0,2,4,6");
    snprintf(task->elasticity_dissimilar, sizeof task->elasticity_dissimilar, "%s", "1,7,8");
    snprintf(task->train_sizes, sizeof task->train_sizes, "%s", "1000,2000,4000,6000,8000,10000");
}

const sasc_setting_info *sasc_task_settings(int *count)
{
    *count = SETTING_COUNT;
    return settings;
}

const sasc_setting_info *sasc_task_setting_find(const char *key)
{
    for (int i = 0; i < SETTING_COUNT; i++)
        if (strcmp(settings[i].key, key) == 0)
            return &settings[i];
    return NULL;
}

int sasc_task_shards(const sasc_task *task)
{
    if (task->shards > 0)
        return task->shards;
    return task->batch >= 2 && task->batch % 2 == 0 ? 2 : 1;
}

/* ---- parsing: the whole text must be the value, no blanks, no trailing junk ---- */

static bool parse_signed(const char *text, long long *value)
{
    if (isspace((unsigned char)text[0]))
        return false;
    char *end;
    errno = 0;
    *value = strtoll(text, &end, 10);
    return end != text && *end == '\0' && errno == 0;
}

/* strtoull accepts "-1" (wrapping it); a seed written negative is a mistake. */
static bool parse_unsigned(const char *text, uint64_t *value)
{
    if (isspace((unsigned char)text[0]) || text[0] == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || parsed > UINT64_MAX)
        return false;
    *value = parsed;
    return true;
}

static bool parse_real(const char *text, double *value)
{
    if (isspace((unsigned char)text[0]))
        return false;
    char *end;
    errno = 0;
    *value = strtod(text, &end);
    return end != text && *end == '\0' && errno != ERANGE && isfinite(*value);
}

static bool real_in_range(const spec *s, double v)
{
    bool above = s->real_min_open ? v > s->real_min : v >= s->real_min;
    bool below = s->real_max_open ? v < s->real_max : v <= s->real_max;
    return above && below;
}

static const choice *find_choice(const choice *choices, const char *text)
{
    for (const choice *c = choices; c->name; c++)
        if (strcmp(c->name, text) == 0)
            return c;
    return NULL;
}

static bool parse_boolean(const char *text, bool *value)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
        *value = true;
    else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
        *value = false;
    else
        return false;
    return true;
}

/* Parse `text` and store it in `task`; false if the text or its value is invalid. */
static bool store_value(sasc_task *task, const spec *s, const char *text)
{
    char *field = (char *)task + s->offset;
    long long integer;
    switch (s->store) {
    case STORE_INT:
    case STORE_LONG:
        if (!parse_signed(text, &integer) || integer < s->int_min || integer > s->int_max)
            return false;
        if (s->store == STORE_INT)
            *(int *)field = (int)integer;
        else
            *(long *)field = (long)integer;
        return true;
    case STORE_U64:
        return parse_unsigned(text, (uint64_t *)field);
    case STORE_REAL: {
        double real;
        if (!parse_real(text, &real) || !real_in_range(s, real))
            return false;
        *(double *)field = real;
        return true;
    }
    case STORE_STRING:
        if (strlen(text) >= s->capacity)
            return false;
        memcpy(field, text, strlen(text) + 1);
        return true;
    case STORE_CHOICE: {
        const choice *c = find_choice(s->choices, text);
        if (c)
            *(int *)field = c->value;
        return c != NULL;
    }
    case STORE_BOOL:
        return parse_boolean(text, (bool *)field);
    case STORE_CONSTANTS: {
        char ignored[256];
        return sasc_constants_parse(text, (sasc_constants *)field, ignored, sizeof ignored);
    }
    }
    return false;
}

/* ---- "did you mean" ---- */

/* The closest setting or constant of `task` to a misspelt key (suggest.h), or NULL. */
static const char *closest_key(const sasc_task *task, const char *key)
{
    const char *keys[SETTING_COUNT + SASC_MAX_CONSTANTS];
    int n = 0;
    for (int i = 0; i < SETTING_COUNT; i++)
        keys[n++] = settings[i].key;
    for (int i = 0; i < task->constants.count; i++)
        keys[n++] = task->constants.items[i].name;
    return sasc_closest_name(key, keys, n);
}

static void unknown_key_message(const sasc_task *task, const char *key, char *error, size_t error_size)
{
    const char *suggestion = closest_key(task, key);
    if (suggestion)
        snprintf(error, error_size, "unknown setting '%s'; did you mean '%s'?", key, suggestion);
    else
        snprintf(error, error_size, "unknown setting '%s'", key);
}

bool sasc_task_set(sasc_task *task, const char *key, const char *value,
                   char *error, size_t error_size)
{
    const sasc_setting_info *info = sasc_task_setting_find(key);
    sasc_constant *constant = info ? NULL : (sasc_constant *)sasc_constants_find(&task->constants, key);
    if (constant)
        return sasc_constant_parse_value(key, value, &constant->value, error, error_size);
    if (!info) {
        unknown_key_message(task, key, error, error_size);
        return false;
    }
    const spec *s = &specs[info - settings];
    if (!store_value(task, s, value)) {
        char shown[256];
        sasc_shorten(value, 160, shown, sizeof shown);
        snprintf(error, error_size, "%s must be %s, got '%s'", key, s->expected, shown);
        return false;
    }
    return true;
}

/* ---- JSON rendering ---- */

static const char *choice_name(const choice *choices, int value)
{
    for (const choice *c = choices; c->name; c++)
        if (c->value == value)
            return c->name;
    return "";
}

/* The shortest of %.15g / %.17g that reads back as the same double. */
static void json_real(double value, char *out, size_t size)
{
    snprintf(out, size, "%.15g", value);
    if (strtod(out, NULL) != value)
        snprintf(out, size, "%.17g", value);
}

const char *sasc_task_choice_name(const char *key, int value)
{
    const sasc_setting_info *info = sasc_task_setting_find(key);
    if (!info || specs[info - settings].store != STORE_CHOICE)
        return NULL;
    const char *name = choice_name(specs[info - settings].choices, value);
    return name[0] ? name : NULL;
}

void sasc_task_value_text(const sasc_task *task, const sasc_setting_info *s, char *out, size_t size)
{
    const sasc_setting_info *info = sasc_task_setting_find(s->key);
    const spec *sp = info ? &specs[info - settings] : NULL;
    const char *field = sp ? (const char *)task + sp->offset : NULL;
    if (sp && sp->store == STORE_STRING)
        snprintf(out, size, "%s", field);
    else if (sp && sp->store == STORE_CONSTANTS)
        sasc_constants_text((const sasc_constants *)field, out, size);
    else if (sp && sp->store == STORE_CHOICE)
        snprintf(out, size, "%s", choice_name(sp->choices, *(const int *)field));
    else
        sasc_task_value_json(task, s, out, size);   /* numbers and booleans read back as written */
}

void sasc_task_value_json(const sasc_task *task, const sasc_setting_info *s, char *out, size_t size)
{
    const sasc_setting_info *info = sasc_task_setting_find(s->key);
    if (!info) {
        snprintf(out, size, "null");
        return;
    }
    const spec *sp = &specs[info - settings];
    const char *field = (const char *)task + sp->offset;
    switch (sp->store) {
    case STORE_INT:
        snprintf(out, size, "%d", *(const int *)field);
        break;
    case STORE_LONG:
        snprintf(out, size, "%ld", *(const long *)field);
        break;
    case STORE_U64:
        snprintf(out, size, "%llu", (unsigned long long)*(const uint64_t *)field);
        break;
    case STORE_REAL:
        json_real(*(const double *)field, out, size);
        break;
    case STORE_STRING:
        sasc_json_quote(field, out, size);
        break;
    case STORE_CHOICE:
        if (sp->choice_json_number)
            snprintf(out, size, "%d", *(const int *)field);
        else
            sasc_json_quote(choice_name(sp->choices, *(const int *)field), out, size);
        break;
    case STORE_BOOL:
        snprintf(out, size, "%s", *(const bool *)field ? "true" : "false");
        break;
    case STORE_CONSTANTS: {   /* a string, as run_settings.c reads it back */
        char text[SASC_MAX_CONSTANTS * 96];
        sasc_constants_text((const sasc_constants *)field, text, sizeof text);
        sasc_json_quote(text, out, size);
        break;
    }
    }
}
