/*
 * test_saved.c — the pieces of issue 5 that need no compiler: the shared
 * task options, checkpoints (round trip, refusal of foreign or damaged
 * files) and the embedded model's layout check. End-to-end behaviour (same
 * bytes, kill and resume, libraries) is tests/build.sh.
 */
#include "tests/testing.h"
#include "runtime/model/checkpoint.h"
#include "runtime/settings/embedded.h"
#include "runtime/settings/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- options ---- */

static void test_options_in_order(void)
{
    char *argv[] = {"prog", "--set", "epochs=3", "--seed", "7", "--set=lr=0.5", "--out", "d",
                    "--set", "epochs=4", "other"};
    int argc = (int)(sizeof argv / sizeof argv[0]);
    sasc_settings_list list = {0};
    char error[256];
    int taken = 0;
    for (int i = 1; i < argc; i++) {
        sasc_option_result r = sasc_option_take(&list, argc, argv, &i, error, sizeof error);
        CU_ASSERT(r != SASC_OPTION_ERROR);
        taken += r == SASC_OPTION_TAKEN;
        if (i == argc - 1)
            CU_ASSERT_EQUAL(r, SASC_OPTION_NONE);   /* "other" is not an option */
    }
    CU_ASSERT_EQUAL(taken, 5);
    CU_ASSERT_EQUAL(list.count, 5);
    sasc_task task;
    sasc_task_defaults(&task);
    CU_ASSERT_TRUE(sasc_settings_apply(&list, &task, error, sizeof error));
    CU_ASSERT_EQUAL(task.epochs, 4);      /* the later option wins */
    CU_ASSERT_EQUAL(task.seed, 7u);
    CU_ASSERT_DOUBLE_EQUAL(task.lr, 0.5, 0);
    CU_ASSERT_STRING_EQUAL(task.out, "d");
    sasc_settings_list_free(&list);
}

static void test_options_errors(void)
{
    char error[256];
    sasc_settings_list list = {0};
    char *missing[] = {"prog", "--seed"};
    int i = 1;
    CU_ASSERT_EQUAL(sasc_option_take(&list, 2, missing, &i, error, sizeof error), SASC_OPTION_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "needs a value"));
    char *no_equals[] = {"prog", "--set", "epochs"};
    i = 1;
    CU_ASSERT_EQUAL(sasc_option_take(&list, 3, no_equals, &i, error, sizeof error), SASC_OPTION_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "KEY=VALUE"));
    char *bad_value[] = {"prog", "--set", "epochs=-2"};
    i = 1;
    CU_ASSERT_EQUAL(sasc_option_take(&list, 3, bad_value, &i, error, sizeof error), SASC_OPTION_TAKEN);
    sasc_task task;
    sasc_task_defaults(&task);
    CU_ASSERT_FALSE(sasc_settings_apply(&list, &task, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "--set epochs=-2"));
    sasc_settings_list_free(&list);
}

static void test_options_default_out(void)
{
    sasc_settings_list list = {0};
    sasc_task task;
    sasc_task_defaults(&task);
    snprintf(task.model, sizeof task.model, "net");
    snprintf(task.name, sizeof task.name, "fit");
    char error[256];
    CU_ASSERT_TRUE(sasc_settings_apply(&list, &task, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(task.out, "runs/net-fit");
}

/* ---- checkpoints ---- */

enum { PARAM, STATE, MASK, INPUT, BUFFERS };

static const sasc_buffer_desc table[BUFFERS] = {
    {.name = "h.m", .role = SASC_BUFFER_PARAMETER, .group = 0, .parameter = SASC_M, .rows = 3, .cols = 2, .mask_buffer = MASK},
    {.name = "h.m.adam1", .role = SASC_BUFFER_OPTIMIZER_STATE, .group = 0, .parameter = SASC_M, .rows = 3, .cols = 2, .mask_buffer = -1},
    {.name = "h.mask", .role = SASC_BUFFER_MASK, .group = 0, .parameter = SASC_NOT_A_PARAMETER, .rows = 3, .cols = 2, .mask_buffer = -1},
    {.name = "x", .role = SASC_BUFFER_INPUT, .group = -1, .parameter = SASC_NOT_A_PARAMETER, .rows = 4, .cols = 3, .mask_buffer = -1},
};

static sasc_program small_program(void)
{
    sasc_program p = {.abi_version = SASC_ABI_VERSION, .model_name = "net", .precision = SASC_F64,
                      .batch = 4, .input_width = 3, .classes = 2, .buffer_count = BUFFERS,
                      .buffers = table};
    return p;
}

typedef struct {
    double values[BUFFERS][12];
    void *pointers[BUFFERS];
} storage;

static void fill(storage *s, double base)
{
    for (int b = 0; b < BUFFERS; b++) {
        for (int k = 0; k < 12; k++)   /* a mask is 0 or 1 */
            s->values[b][k] = b == MASK ? (k + (int)base) % 2 : base + 10 * b + k;
        s->pointers[b] = s->values[b];
    }
}

static char *temporary_directory(void)
{
    char *dir = strdup("/tmp/sasc-test-saved-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    return dir;
}

static void remove_directory(char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, SASC_CHECKPOINT_FILE);
    unlink(path);
    rmdir(dir);
    free(dir);
}

static bool write_small(const char *dir, storage *s, sasc_task *task)
{
    sasc_program p = small_program();
    sasc_task_defaults(task);
    snprintf(task->name, sizeof task->name, "fit");
    task->epochs = 5;
    double metrics[2 * 3] = {1, 2, 3, 4, 5, 6};
    sasc_checkpoint_position place = {2, 7, 57, 1.25, 300, 2, 3, metrics};
    char error[512];
    fill(s, 1.0);
    return sasc_checkpoint_write(dir, &p, s->pointers, task, &place, error, sizeof error);
}

static void test_checkpoint_round_trip(void)
{
    char *dir = temporary_directory();
    storage written, read;
    sasc_task task, task_back;
    CU_ASSERT_TRUE_FATAL(write_small(dir, &written, &task));
    fill(&read, 100.0);
    sasc_program p = small_program();
    sasc_checkpoint_position place;
    char error[512];
    CU_ASSERT_TRUE_FATAL(sasc_checkpoint_read(dir, &p, read.pointers, &task_back, &place, error, sizeof error));
    CU_ASSERT_EQUAL(memcmp(&task, &task_back, sizeof task), 0);
    CU_ASSERT_EQUAL(place.epoch, 2);
    CU_ASSERT_EQUAL(place.step, 7);
    CU_ASSERT_EQUAL(place.updates, 57);
    CU_ASSERT_EQUAL(place.correct, 300);
    CU_ASSERT_DOUBLE_EQUAL(place.loss_sum, 1.25, 0);
    CU_ASSERT_EQUAL(place.epochs_done, 2);
    CU_ASSERT_EQUAL(place.metric_columns, 3);
    CU_ASSERT_DOUBLE_EQUAL(place.metrics[5], 6.0, 0);
    free(place.metrics);
    /* saved buffers come back; the input (recomputed every step) is not saved */
    for (int b = PARAM; b <= MASK; b++)
        CU_ASSERT_EQUAL(memcmp(read.values[b], written.values[b], 6 * sizeof(double)), 0);
    CU_ASSERT_DOUBLE_EQUAL(read.values[INPUT][0], 100.0 + 10 * INPUT, 0);
    /* the task alone, for --resume before compiling */
    sasc_task only;
    CU_ASSERT_TRUE(sasc_checkpoint_read(dir, NULL, NULL, &only, NULL, error, sizeof error));
    CU_ASSERT_EQUAL(only.epochs, 5);
    remove_directory(dir);
}

static void test_checkpoint_refuses_other_model(void)
{
    char *dir = temporary_directory();
    storage s;
    sasc_task task;
    CU_ASSERT_TRUE_FATAL(write_small(dir, &s, &task));
    sasc_buffer_desc other[BUFFERS];
    memcpy(other, table, sizeof other);
    other[STATE].rows = 2;
    sasc_program p = small_program();
    p.buffers = other;
    char error[512];
    CU_ASSERT_FALSE(sasc_checkpoint_read(dir, &p, s.pointers, NULL, NULL, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "does not belong to this model"));
    p = small_program();
    p.precision = SASC_F32;
    CU_ASSERT_FALSE(sasc_checkpoint_read(dir, &p, s.pointers, NULL, NULL, error, sizeof error));
    remove_directory(dir);
}

static void test_checkpoint_refuses_damaged_files(void)
{
    char *dir = temporary_directory();
    storage s;
    sasc_task task;
    CU_ASSERT_TRUE_FATAL(write_small(dir, &s, &task));
    char path[256], error[512];
    snprintf(path, sizeof path, "%s/%s", dir, SASC_CHECKPOINT_FILE);
    CU_ASSERT_EQUAL(truncate(path, 200 + (off_t)sizeof(sasc_task)), 0);
    sasc_program p = small_program();
    CU_ASSERT_FALSE(sasc_checkpoint_read(dir, &p, s.pointers, NULL, NULL, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "is damaged: its checksum does not match its contents"));
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("model m { }\n", f);
    fclose(f);
    CU_ASSERT_FALSE(sasc_checkpoint_read(dir, &p, s.pointers, NULL, NULL, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "not a sasc checkpoint"));
    remove_directory(dir);
    CU_ASSERT_FALSE(sasc_checkpoint_read("/nonexistent-sasc-dir", &p, s.pointers, NULL, NULL, error, sizeof error));
}

/* ---- embedded models ---- */

static void test_embedded_layout_check(void)
{
    sasc_embedded_model model = {0};
    char error[512];
    sasc_embedded_layout(model.layout);
    CU_ASSERT_TRUE(sasc_embedded_check(&model, error, sizeof error));
    model.layout[2] += 8;   /* built against a different sasc_program */
    CU_ASSERT_FALSE(sasc_embedded_check(&model, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "rebuild"));
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite options = CU_add_suite("options", NULL, NULL);
    CU_add_test(options, "settings apply in order", test_options_in_order);
    CU_add_test(options, "malformed options", test_options_errors);
    CU_add_test(options, "default output directory", test_options_default_out);
    CU_pSuite checkpoint = CU_add_suite("checkpoint", NULL, NULL);
    CU_add_test(checkpoint, "round trip", test_checkpoint_round_trip);
    CU_add_test(checkpoint, "another model's checkpoint", test_checkpoint_refuses_other_model);
    CU_add_test(checkpoint, "damaged files", test_checkpoint_refuses_damaged_files);
    CU_pSuite embedded = CU_add_suite("embedded", NULL, NULL);
    CU_add_test(embedded, "layout check", test_embedded_layout_check);
    return testing_run_registry();
}
