/*
 * test_trials.c — trial-structured tasks declared in the language
 * (`trials NAME { ... }`, runtime/data/trials.h).
 *
 * The MSI task of models/msi.sas, compiled by the checker and laid out by
 * the data source "trials", must produce, bit for bit, the trials of the
 * reference generator runtime/data/msi.c for the same seed: inputs,
 * targets, loss masks and labels of training and test trials. Also: trial
 * k does not depend on the number asked for, drawn durations stay in range
 * and follow the seed, and noise is per trial and step.
 */
#include "compiler/check/frontend.h"
#include "compiler/layers/registry.h"
#include "compiler/lower/lower.h"
#include "runtime/data/source.h"
#include "runtime/data/msi.h"
#include "runtime/data/trials.h"
#include "tests/ir_fixtures.h"
#include "tests/testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A checked file (from `text`, or models/NAME when text is NULL), its first
 * task's program lowered and its trials attached. */
typedef struct {
    char *text;
    diagnostics *d;
    checked_file file;
    ir_program ir;
    sasc_program program;
    ir_tables tables;
    sasc_task task;
} compiled;

static bool compile_text(compiled *c, const char *path, char *text)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    c->d = diagnostics_new(path, text, stderr);
    if (!frontend_check(path, text, layer_kinds(), c->d, &c->file))
        return false;
    c->task = c->file.tasks[0].settings;
    c->task.batch = 40;
    char error[512];
    if (!lower_model(&c->file.models[c->file.tasks[0].model], &c->task, &c->ir, error, sizeof error)) {
        fprintf(stderr, "%s\n", error);
        return false;
    }
    const char *data = c->task.data;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strlen(data) - 8, data + 7);
    const trials_spec *spec = checked_file_trials(&c->file, name);
    c->ir.trials = spec ? &spec->table : NULL;
    ir_export_tables(&c->ir, false, &c->program, &c->tables);
    return spec != NULL;
}

static bool compile_model(compiled *c, const char *model)
{
    char path[4096], error[512];
    snprintf(path, sizeof path, "%s/models/%s", SRCDIR, model);
    char *text = frontend_read_file(path, error, sizeof error);
    return text && compile_text(c, path, text);
}

static void compiled_free(compiled *c)
{
    if (c->tables.buffers)
        ir_free_tables(&c->tables);
    ir_program_free(&c->ir);
    checked_file_free(&c->file);
    diagnostics_free(c->d);
    free(c->text);
}

/* Whether two sources fill INPUT, TARGET and LOSS_MASK identically, batch
 * by batch over `count` samples of `split` in `order`, and give the same labels. */
static bool same_batches(compiled *c, sasc_data_source *a, sasc_data_source *b, sasc_split split,
                         long count, const size_t *order)
{
    void **one = fixture_buffers_new(&c->ir), **two = fixture_buffers_new(&c->ir);
    int mask = sasc_data_find_buffer(&c->program, SASC_BUFFER_LOSS_MASK);
    const int filled[3] = {c->ir.input_buffer, c->ir.target_buffer, mask};
    bool same = true;
    for (long first = 0; first < count; first += c->program.batch) {
        int rows = count - first < c->program.batch ? (int)(count - first) : c->program.batch;
        sasc_data_load_batch(a, &c->program, one, split, order, first, rows);
        sasc_data_load_batch(b, &c->program, two, split, order, first, rows);
        for (int f = 0; f < 3; f++) {
            const sasc_buffer_desc *d = &c->program.buffers[filled[f]];
            size_t bytes = (size_t)d->rows * (size_t)d->cols * (size_t)c->program.precision;
            same = same && memcmp(one[filled[f]], two[filled[f]], bytes) == 0;
        }
        for (int row = 0; row < rows; row++) {
            long k = order ? (long)order[first + row] : first + row;
            same = same && sasc_data_label(a, split, k) == sasc_data_label(b, split, k);
        }
    }
    fixture_buffers_free(&c->ir, one);
    fixture_buffers_free(&c->ir, two);
    return same;
}

/* models/msi.sas's declared trials = the reference generator, bit for bit. */
static void test_msi_declared_equals_generator(void)
{
    compiled c;
    CU_ASSERT_TRUE_FATAL(compile_model(&c, "msi.sas"));
    CU_ASSERT_STRING_EQUAL(c.task.data, "trials(msi)");
    CU_ASSERT_TRUE(sasc_trials_msi_conditions(c.program.trials));
    CU_ASSERT_STRING_EQUAL(sasc_data_family(c.task.data, &c.program), "msi");
    char error[512];
    for (uint64_t seed = 1; seed <= 3; seed++) {
        sasc_data_request builtin = {"msi", {500, 240}, seed, NULL, NULL};
        sasc_data_request declared = {c.task.data, {500, 240}, seed, c.program.trials, NULL};
        sasc_data_source *a = sasc_data_open_kind(&sasc_data_msi, &builtin, &c.program, error,
                                                  sizeof error);
        sasc_data_source *b = sasc_data_open(&declared, &c.program, error, sizeof error);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_EQUAL(b->shape.steps[SASC_SPLIT_TRAIN], 80);
        CU_ASSERT_EQUAL(b->shape.steps[SASC_SPLIT_TEST], 90);
        size_t order[500];
        for (int k = 0; k < 500; k++)
            order[k] = (size_t)((k * 37 + 11) % 500);
        CU_ASSERT_TRUE(same_batches(&c, a, b, SASC_SPLIT_TRAIN, 500, NULL));
        CU_ASSERT_TRUE(same_batches(&c, a, b, SASC_SPLIT_TRAIN, 500, order));
        CU_ASSERT_TRUE(same_batches(&c, a, b, SASC_SPLIT_TEST, 240, NULL));
        /* the same metrics, named alike */
        CU_ASSERT_EQUAL_FATAL(b->shape.metric_count, a->shape.metric_count);
        for (int m = 0; m < a->shape.metric_count; m++)
            CU_ASSERT_STRING_EQUAL(a->shape.metric_names[m], b->shape.metric_names[m]);
        sasc_data_close(a);
        sasc_data_close(b);
    }
    compiled_free(&c);
}

/* A task with drawn durations and input noise. */
static const char *const drawn_text =
    "trials dm {\n"
    "  dt = 10\n"
    "  coherence = uniform(-0.2, 0.2)\n"
    "  side = one_of(-1, 1)\n"
    "  label = side * coherence < 0\n"
    "  period fixation { duration = uniform(100, 300)  target = [0, 0] }\n"
    "  period stimulus { duration = 200  input = [1 + side * coherence + normal(0, 0.1)]\n"
    "                    target = [0, 0] }\n"
    "  period response { duration = 100  target = [side * coherence > 0, side * coherence < 0] }\n"
    "}\n"
    "model m {\n"
    "  input x[1]\n"
    "  layer h = recurrent(x, 8) { steps = 70  dt = 10  tau = 100 }\n"
    "  layer y = readout(h, 2) { at = every }\n"
    "  loss mse(y)\n"
    "}\n"
    "task t { data = trials(dm)  train = 100  test = 40 }\n";

static void test_drawn_durations_and_noise(void)
{
    compiled c;
    char *text = strdup(drawn_text);
    CU_ASSERT_TRUE_FATAL(compile_text(&c, "drawn.sas", text));
    CU_ASSERT_FALSE(sasc_trials_msi_conditions(c.program.trials));
    CU_ASSERT_STRING_EQUAL(sasc_data_family(c.task.data, &c.program), "trials");
    char error[512];
    sasc_data_request few = {c.task.data, {10, 4}, 5, c.program.trials, NULL};
    sasc_data_request many = {c.task.data, {100, 40}, 5, c.program.trials, NULL};
    sasc_data_request other = {c.task.data, {10, 4}, 6, c.program.trials, NULL};
    sasc_data_source *a = sasc_data_open(&few, &c.program, error, sizeof error);
    sasc_data_source *b = sasc_data_open(&many, &c.program, error, sizeof error);
    sasc_data_source *o = sasc_data_open(&other, &c.program, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE(same_batches(&c, a, b, SASC_SPLIT_TRAIN, 10, NULL));   /* trial k alone */
    CU_ASSERT_TRUE(same_batches(&c, a, b, SASC_SPLIT_TEST, 4, NULL));
    CU_ASSERT_FALSE(same_batches(&c, a, o, SASC_SPLIT_TRAIN, 10, NULL));  /* another seed */
    /* fixation 10..30 steps, then 20 of stimulus: the first input step and the mask */
    void **buffers = fixture_buffers_new(&c.ir);
    int batch = c.program.batch, earliest = 70, latest = 0;
    sasc_data_load_batch(b, &c.program, buffers, SASC_SPLIT_TRAIN, NULL, 0, batch);
    for (int row = 0; row < batch; row++) {
        int onset = -1;
        for (int t = 0; t < 70 && onset < 0; t++)
            if (fixture_get(&c.ir, buffers, c.ir.input_buffer, t * batch + row) != 0)
                onset = t;
        CU_ASSERT_TRUE(onset >= 10 && onset <= 30);
        earliest = onset < earliest ? onset : earliest;
        latest = onset > latest ? onset : latest;
        double x0 = fixture_get(&c.ir, buffers, c.ir.input_buffer, onset * batch + row);
        double x1 = fixture_get(&c.ir, buffers, c.ir.input_buffer, (onset + 1) * batch + row);
        CU_ASSERT_TRUE(x0 != x1);                           /* noise differs from step to step */
        CU_ASSERT_TRUE(x0 > 0.2 && x0 < 1.8);
    }
    CU_ASSERT_TRUE(latest > earliest);                      /* the fixation's duration is drawn */
    fixture_buffers_free(&c.ir, buffers);
    sasc_data_close(a);
    sasc_data_close(b);
    sasc_data_close(o);
    compiled_free(&c);
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite suite = CU_add_suite("trials", NULL, NULL);
    CU_add_test(suite, "models/msi.sas's declared trials = the reference MSI generator, bit for bit",
                test_msi_declared_equals_generator);
    CU_add_test(suite, "drawn durations and input noise follow the seed, trial by trial",
                test_drawn_durations_and_noise);
    return testing_run_registry();
}
