/*
 * msi.h — the multisensory integration (MSI) task generator (gBPTT paper
 * Sec. III B; BRIEF section 5): the reference models/msi.sas's declared
 * trials (`trials msi { ... }`, data = trials(msi)) are checked against, bit
 * for bit, by tests/test_trials.c. It is no longer in the table of data
 * sources (sources.c); the MSI analyses still use its helpers below (the
 * test-trial order, choices and tallies), which declared trials laid out as
 * MSI's follow (runtime/data/trials.h, sasc_trials_msi_conditions).
 *
 * A trial: fixation, stimulus and decision periods of 300/900/400 ms for
 * training and 500/1000/300 ms for testing, in steps of dt. An event rate f
 * in {9, ..., 16} (boundary 12.5) and a modality (visual, auditory or both).
 * Four inputs: visual positively tuned (f - 9)/7, visual negatively tuned
 * (16 - f)/7, and the same pair for auditory, present only during the
 * stimulus period and only for the trial's modalities (the baseline x0 and
 * the input noise are the model's, added by the compiled kernels). Two
 * outputs (high, low): target 0.2 for both during fixation, 1.0 for the
 * correct choice and 0.2 for the other during the decision period; the
 * stimulus period is masked out of the loss. The choice is the larger output
 * at the last step.
 *
 * What the program must look like: 4 inputs per step, 2 outputs, a readout
 * at every step (TARGET and LOSS_MASK hold T_train blocks of one batch) and
 * an INPUT of T_test blocks; dt = 1600 ms / T_train, and T_test must be
 * 1800 ms / dt (e.g. T_train = 80, T_test = 90 at dt = 20 ms).
 *
 * Trials: `train` training trials drawn once from the seed (rate and
 * modality uniform), and `test` test trials that cycle through every
 * (modality, rate) pair so that each pair gets the same number of trials.
 * Training trial k is drawn from (seed, k) alone, so any count gives the
 * same first trials.
 *
 * As a data source (source.h, the kind "msi"): sequences of 4 inputs, two
 * target values per step with the stimulus period masked out, the correct
 * choice as each trial's label, noisy test trials, and the test accuracy
 * per modality as its metrics (test_accuracy_visual, _auditory,
 * _multisensory in metrics.csv).
 */
#ifndef SASC_MSI_H
#define SASC_MSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/sasc_runtime.h"
#include "runtime/data/source.h"

enum { SASC_MSI_VISUAL, SASC_MSI_AUDITORY, SASC_MSI_BOTH, SASC_MSI_MODALITIES };
enum { SASC_MSI_LOW_RATE = 9, SASC_MSI_RATES = 8 };   /* f = 9 .. 16 */
enum { SASC_MSI_HIGH = 0, SASC_MSI_LOW = 1 };        /* output units and choices */
#define SASC_MSI_BOUNDARY 12.5
#define SASC_MSI_TARGET_OFF 0.2
#define SASC_MSI_TARGET_ON 1.0

typedef struct {
    int fixation, stimulus, decision;   /* steps */
} sasc_msi_timing;

typedef struct {
    long count;
    unsigned char *rate;                /* f per trial */
    unsigned char *modality;
} sasc_msi_trials;

typedef struct {
    double dt_ms;
    sasc_msi_timing train_timing, test_timing;
    sasc_msi_trials train, test;
    long tally[SASC_MSI_MODALITIES][SASC_MSI_RATES][2];   /* test trials, "high" choices */
} sasc_msi;

/* Whether a task's `data` names this generator. */
bool sasc_msi_is_generator(const char *data);

/* Periods in steps of dt (rounded), for training or test trials. */
sasc_msi_timing sasc_msi_timing_of(double dt_ms, bool test);

/* The correct choice for rate f. */
int sasc_msi_choice(int rate);

/* Test trial k (0-based) of every test set: the fixed cycle over the
 * (modality, rate) pairs, modality fastest (k = 0: visual at 9 events/s,
 * k = 1: auditory at 9, k = 3: visual at 10, ...), so analyses that visit the
 * test trials in order know each one's condition without the generator. */
int sasc_msi_test_modality(long trial);
int sasc_msi_test_rate(long trial);

/* Where a pass over the test set (session.h, sasc_session_test_pass: batches in
 * order from trial 0) is: each batch's labels are checked against the correct
 * choices of the positions they claim, so a pass in another order is caught. */
typedef struct {
    long next;            /* the position of the next row */
    bool out_of_order;    /* a label disagreed with its position's choice */
} sasc_msi_test_cursor;

/* The position of the batch's first row; checks `labels`, advances by `rows`. */
long sasc_msi_cursor_advance(sasc_msi_test_cursor *c, const int *labels, int rows);

/* Check `p`, derive dt, draw the trials. Default counts when 0: 4800
 * training and 2400 test trials; a negative count makes no trials. */
bool sasc_msi_create(sasc_msi *msi, const sasc_program *p, long train, long test, uint64_t seed,
                     char *error, size_t error_size);
void sasc_msi_free(sasc_msi *msi);

/* Fill INPUT, TARGET and LOSS_MASK with `rows` trials (trial k = order[first
 * + row] or first + row); the rest of the batch is zero. */
void sasc_msi_load_batch(const sasc_msi *msi, const sasc_program *p, void *const *buffers, bool test,
                         const size_t *order, long first, int rows);

/* The inputs of one trial at one step (4 values). */
void sasc_msi_inputs(const sasc_msi_timing *timing, int rate, int modality, int step, double x[4]);

/* Test tallies: reset, add the choices in OUTPUT of test trials first..first+rows-1. */
void sasc_msi_tally_reset(sasc_msi *msi);
void sasc_msi_tally(sasc_msi *msi, const sasc_program *p, void *const *buffers, long first, int rows);
/* Whether the network chose "high" (the larger output at the last step) for
 * the batch's row `row` in OUTPUT; count one trial of (modality, rate). */
bool sasc_msi_chose_high(const sasc_program *p, void *const *buffers, int row);
void sasc_msi_tally_choice(sasc_msi *msi, int modality, int rate, bool high);

/* Fraction of correct test choices per modality. */
void sasc_msi_modality_accuracy(const sasc_msi *msi, double accuracy[SASC_MSI_MODALITIES]);

/* psychometric.csv: modality, rate, trials, fraction of high choices, fraction correct. */
bool sasc_msi_write_psychometric(const sasc_msi *msi, const char *path, char *error, size_t error_size);

/* The generator as a data source (source.h; in no table: sasc_data_open_kind). */
extern const sasc_data_kind sasc_data_msi;

#endif
