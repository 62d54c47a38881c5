/*
 * task.h — the settings of a task: what to train on, how, and where results go.
 *
 * One table (task.c) names every setting, its type, its default and its valid
 * range. The .sas front end, `--set KEY=VALUE` on the command line and a
 * standalone executable all go through sasc_task_set(), so a setting means the
 * same thing wherever it is written.
 */
#ifndef SASC_TASK_H
#define SASC_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/settings/constants.h"

/* Defaults of the entropy estimate (entropy_a, entropy_samples), also used
 * by runtime/analyses/entropy.c when no task gives them. */
#define SASC_ENTROPY_DEFAULT_A 1e-8
#define SASC_ENTROPY_DEFAULT_SAMPLES 100

/* How a data source's input values reach the model (input_scaling). AUTO is
 * the source's natural scaling: UNIT for byte images (IDX ubyte, CIFAR-10),
 * AS_READ for everything else. */
typedef enum {
    SASC_SCALING_AUTO = 0,
    SASC_SCALING_AS_READ = 1,      /* the values as stored */
    SASC_SCALING_UNIT = 2,         /* value / 255 */
    SASC_SCALING_STANDARDIZE = 3   /* (value - mean) / sd per input, over the training split */
} sasc_input_scaling;

typedef enum { SASC_OPTIMIZER_ADAM, SASC_OPTIMIZER_RMSPROP, SASC_OPTIMIZER_SGD } sasc_optimizer;

/* Which paper's entropy formula (runtime/analyses/entropy.h). AUTO is gbp
 * Eq. 8 for a feedforward program and gbptt Eq. 14 for one with a recurrent
 * group (sasc_entropy_formula_of_program); the other two force a formula. */
typedef enum {
    SASC_ENTROPY_FORMULA_AUTO = 0,
    SASC_ENTROPY_FORMULA_GBP_EQ8 = 1,
    SASC_ENTROPY_FORMULA_GBPTT_EQ14 = 2
} sasc_entropy_formula;

typedef struct {
    char name[64];          /* the task's name in the .sas file */
    char model[64];         /* which model of the file it trains */
    char data[4096];        /* directory with the four IDX files (plain or .gz) */
    long train;             /* training images used (first `train` of the file); 0 = all */
    long test;              /* test images used; 0 = all */
    int input_scaling;      /* a sasc_input_scaling */
    int epochs;
    int batch;
    uint64_t seed;
    sasc_optimizer optimizer;
    double lr;              /* learning rate */
    double beta1, beta2, epsilon;  /* Adam (beta1, beta2, eps); RMSprop uses beta2 as its decay */
    double momentum;        /* SGD momentum */
    double weight_decay;    /* decoupled: theta -= lr * weight_decay * theta */
    double lr_decay;        /* lr_epoch = lr / (1 + lr_decay * epoch) */
    int halve_every;        /* if > 0: lr halves every `halve_every` epochs */
    int precision;          /* 32 or 64 */
    char out[4096];         /* output directory */
    int threads;            /* 0 = all cores */
    bool shuffle;
    /* Analyses (runtime/analyses/registry.h; docs/analyses.md). */
    int analyze_every;      /* during training: every k epochs and at the last one (0 = never) */
    int entropy_samples;    /* B, the standard normals of the entropy estimate */
    double entropy_a;       /* variance of the Gaussian that stands for delta(w) */
    int entropy_formula;    /* a sasc_entropy_formula */
    int sampled_networks;   /* networks sampled from the ensemble per evaluation */
    int vip_rule;           /* a sasc_vip_rule */
    double vip_tolerance;   /* strict rule: VIP pi <= tol and Xi <= tol; UIP pi >= 1 - tol */
    double vip_pi_max;      /* relaxed rule: VIP pi < vip_pi_max and |m| > vip_m_min */
    double vip_m_min;
    char analyze[256];      /* after training: comma list (histograms, entropy, perturbation) */
    int perturb_steps;      /* perturbed fractions 0, 1/n, ..., 1 */
    int perturb_repeats;    /* repetitions per fraction */
    char perturb_layers[256]; /* comma list of layer names; empty = every layer */
    char train_sizes[256];  /* comma list of training-set sizes for the train_size sweep */
    int dynamic_steps;      /* dynamics analysis: time steps of the resampled network */
    int dynamic_networks;   /* dynamics analysis: networks resampled at every step whose test accuracy
                               is measured; recurrent programs get predict_dynamic when > 0 */
    int shards;             /* data-parallel shards of a training step (0 = automatic, see
                               sasc_task_shards); the kernels are compiled for batch / shards */
    /* Gradient clipping after the shards' average, before the update
     * (runtime/train/clipping.h); 0 = off. */
    double clip_spectral;   /* each gradient matrix to spectral norm <= clip_spectral */
    double clip_norm;       /* all gradients together to Euclidean norm <= clip_norm */
    /* Parameters kept over training: SNAPSHOT_DIR/EPOCH/ (runtime/train/snapshots.h). */
    int snapshot_every;     /* the initial ensemble, every k-th epoch and the last (0 = never) */
    /* Local elasticity (runtime/analyses/elasticity_analysis.c). */
    int elasticity_images;  /* test images drawn per class; every ordered pair of them is measured */
    double elasticity_step; /* step size of the one plain SGD step at the base image */
    int elasticity_noise;   /* a sasc_elasticity_noise: the eps of the mean-field pass */
    char elasticity_similar[128];    /* comma list of classes that look alike */
    char elasticity_dissimilar[128]; /* comma list of classes that look unlike those */
    /* The values of the file's constants this task was checked with
     * (constants.h): the setting `constants`, and each one by its name. */
    sasc_constants constants;
} sasc_task;

/* The eps of the elasticity's mean-field passes, held fixed through the step. */
typedef enum { SASC_ELASTICITY_NOISE_DRAWN = 0, SASC_ELASTICITY_NOISE_ZERO = 1 } sasc_elasticity_noise;

/* How connections are classified as very important (VIP) or unimportant (UIP). */
typedef enum { SASC_VIP_STRICT = 0, SASC_VIP_RELAXED = 1 } sasc_vip_rule;

typedef enum { SASC_SETTING_INTEGER, SASC_SETTING_REAL, SASC_SETTING_STRING,
               SASC_SETTING_CHOICE, SASC_SETTING_BOOLEAN } sasc_setting_type;

typedef struct {
    const char *key;
    sasc_setting_type type;
    const char *help;       /* one line for `sasc help settings` */
} sasc_setting_info;

/* Fill `task` with the defaults. */
void sasc_task_defaults(sasc_task *task);

/* Set one setting from its textual value (as written after `--set KEY=`, or as
 * the .sas front end renders a literal). A KEY that is no setting but one of
 * the task's constants sets that constant (a number). On error returns false
 * and writes one sentence (no trailing newline, no "error:" prefix) into
 * `error`; an unknown KEY gets the closest setting or constant. */
bool sasc_task_set(sasc_task *task, const char *key, const char *value,
                   char *error, size_t error_size);

/* The table of settings, for help text and for the front end's checks. */
const sasc_setting_info *sasc_task_settings(int *count);
const sasc_setting_info *sasc_task_setting_find(const char *key);

/* The shards a training step is split into: `shards` when set, else 2 when
 * the batch is even and 1 when it is odd. Depends on the settings alone,
 * never on the thread count, so results do not either. */
int sasc_task_shards(const sasc_task *task);

/* The name of value `value` of the choice setting `key` (the first name the
 * table lists for it, e.g. "gbp_eq8" for entropy_formula 1); NULL when `key`
 * is not a choice setting or has no such value. */
const char *sasc_task_choice_name(const char *key, int value);

/* Render the setting's current value as the text sasc_task_set reads back
 * to the same value (strings as they are, choices by name, reals exactly). */
void sasc_task_value_text(const sasc_task *task, const sasc_setting_info *s, char *out, size_t size);

/* Render the setting's current value as JSON (for run.json). */
void sasc_task_value_json(const sasc_task *task, const sasc_setting_info *s, char *out, size_t size);

#endif
