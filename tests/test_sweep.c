/*
 * test_sweep.c — sweeps' points (runtime/settings/sweep.h) and the tables
 * and summaries of their results (runtime/analyses/aggregate.h), against
 * values worked out by hand.
 */
#include "runtime/analyses/aggregate.h"
#include "runtime/settings/sweep.h"
#include "tests/testing.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

static sasc_task base(void)
{
    sasc_task t;
    sasc_task_defaults(&t);
    return t;
}

/* A grid varies its last axis fastest; names are KEY-VALUE joined by '_'. */
static void test_grid_points(void)
{
    sasc_task t = base();
    sasc_sweep s = {0};
    char error[512], name[256];
    CU_ASSERT_TRUE_FATAL(sasc_sweep_add_option(&s, &t, "train=100,200,300", error, sizeof error));
    CU_ASSERT_TRUE_FATAL(sasc_sweep_add_option(&s, &t, "seed=1,2", error, sizeof error));
    CU_ASSERT_EQUAL(sasc_sweep_point_count(&s), 6);
    CU_ASSERT_TRUE(sasc_sweep_check(&s, error, sizeof error));
    const char *expected[6] = { "train-100_seed-1", "train-100_seed-2", "train-200_seed-1",
                                "train-200_seed-2", "train-300_seed-1", "train-300_seed-2" };
    for (long p = 0; p < 6; p++) {
        CU_ASSERT_TRUE(sasc_sweep_point_name(&s, p, name, sizeof name));
        CU_ASSERT_STRING_EQUAL(name, expected[p]);
    }
    sasc_task point = t;
    CU_ASSERT_TRUE(sasc_sweep_apply_point(&s, 3, &point, error, sizeof error));
    CU_ASSERT_EQUAL(point.train, 200);
    CU_ASSERT_EQUAL(point.seed, 2);
    /* An axis given again replaces the first. */
    CU_ASSERT_TRUE(sasc_sweep_add_option(&s, &t, "seed=7", error, sizeof error));
    CU_ASSERT_EQUAL(sasc_sweep_point_count(&s), 3);
    CU_ASSERT_FALSE(sasc_sweep_point_name(&s, 0, name, 8));   /* does not fit */
    sasc_sweep_free(&s);
}

static void test_zip_points(void)
{
    sasc_task t = base();
    sasc_sweep s = {.combine = SASC_SWEEP_ZIP};
    char error[512], name[256];
    CU_ASSERT_TRUE_FATAL(sasc_sweep_add_option(&s, &t, "lr=0.1,0.01", error, sizeof error));
    CU_ASSERT_TRUE_FATAL(sasc_sweep_add_option(&s, &t, "data=/a b,c", error, sizeof error));
    CU_ASSERT_EQUAL(sasc_sweep_point_count(&s), 2);
    CU_ASSERT_TRUE(sasc_sweep_point_name(&s, 0, name, sizeof name));
    CU_ASSERT_STRING_EQUAL(name, "lr-0.1_data-_a_b");   /* '/' and ' ' become '_' */
    CU_ASSERT_TRUE_FATAL(sasc_sweep_add_option(&s, &t, "seed=1,2,3", error, sizeof error));
    CU_ASSERT_EQUAL(sasc_sweep_point_count(&s), 0);
    CU_ASSERT_FALSE(sasc_sweep_check(&s, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "a zipped sweep needs as many values for every setting ('lr' has 2, "
                                  "'seed' has 3)");
    sasc_sweep_free(&s);
}

/* Every value is checked as --set checks it. */
static void test_values_checked(void)
{
    sasc_task t = base();
    sasc_sweep s = {0};
    char error[512];
    CU_ASSERT_FALSE(sasc_sweep_add_option(&s, &t, "optimizer=adam,nadam", error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "sweep over optimizer=nadam: "));
    CU_ASSERT_FALSE(sasc_sweep_add_option(&s, &t, "seed=", error, sizeof error));
    CU_ASSERT_EQUAL(s.axis_count, 0);
    sasc_sweep_free(&s);
}

static char *temp_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_sweep_XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* Quoted fields, CRLF and a blank line; written back the same. */
static void test_table_round_trip(void)
{
    const char *text = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\n1,2\n";
    char *path = temp_file(text);
    sasc_table t;
    char error[512];
    CU_ASSERT_TRUE_FATAL(sasc_table_read(path, &t, error, sizeof error));
    CU_ASSERT_EQUAL(t.columns, 2);
    CU_ASSERT_EQUAL_FATAL(t.rows, 2);
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&t, 0, 0), "x, y");
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&t, 0, 1), "say \"hi\"");
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&t, 1, 1), "2");
    CU_ASSERT_TRUE(sasc_table_write(&t, path, error, sizeof error));
    char *again = NULL;
    FILE *f = fopen(path, "r");
    size_t n = 0;
    CU_ASSERT_FATAL(f && getdelim(&again, &n, '\0', f) > 0);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(again, "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n1,2\n");
    free(again);
    sasc_table_free(&t);
    unlink(path);
    char *bad = temp_file("a,b\n1,2,3\n");
    CU_ASSERT_FALSE(sasc_table_read(bad, &t, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, ":2: 3 fields where the header has 2"));
    unlink(bad);
}

/* Groups by the keys in order of first appearance; mean, sample sd, sem;
 * the replicate and dropped columns left out; NaN skipped. */
static void test_summary(void)
{
    const char *text = "point,train,seed,layer,acc,loss\n"
                       "p1,100,1,h,0.5,2\n"
                       "p2,100,2,h,0.7,nan\n"
                       "p3,200,1,h,0.9,1\n"
                       "p4,100,3,h,0.6,4\n";
    char *path = temp_file(text);
    sasc_table in, out;
    char error[512];
    CU_ASSERT_TRUE_FATAL(sasc_table_read(path, &in, error, sizeof error));
    unlink(path);
    const char *keys[] = { "train", "seed" }, *dropped[] = { "point" };
    sasc_summary_columns columns = {"seed", keys, 2, dropped, 1};
    CU_ASSERT_TRUE_FATAL(sasc_aggregate_summary(&in, &columns, &out, error, sizeof error));
    CU_ASSERT_EQUAL_FATAL(out.columns, 9);
    const char *header[9] = { "train", "layer", "acc_mean", "acc_sd", "acc_sem", "loss_mean", "loss_sd",
                              "loss_sem", "n" };
    for (int c = 0; c < 9; c++)
        CU_ASSERT_STRING_EQUAL(out.header[c], header[c]);
    CU_ASSERT_EQUAL_FATAL(out.rows, 2);
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&out, 0, 0), "100");
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&out, 0, 1), "h");
    ASSERT_CLOSE(atof(sasc_table_field(&out, 0, 2)), 0.6, 1e-8);              /* (0.5 + 0.7 + 0.6) / 3 */
    ASSERT_CLOSE(atof(sasc_table_field(&out, 0, 3)), 0.1, 1e-8);              /* sample sd */
    ASSERT_CLOSE(atof(sasc_table_field(&out, 0, 4)), 0.1 / sqrt(3.0), 1e-8);
    ASSERT_CLOSE(atof(sasc_table_field(&out, 0, 5)), 3.0, 1e-8);              /* nan left out */
    ASSERT_CLOSE(atof(sasc_table_field(&out, 0, 6)), sqrt(2.0), 1e-8);
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&out, 0, 8), "3");
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&out, 1, 0), "200");
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&out, 1, 3), "0");                /* one value: sd 0 */
    CU_ASSERT_STRING_EQUAL(sasc_table_field(&out, 1, 8), "1");
    sasc_table_free(&in);
    sasc_table_free(&out);
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite points = CU_add_suite("sweep points", NULL, NULL);
    CU_add_test(points, "a grid, its order and names", test_grid_points);
    CU_add_test(points, "zipped lists", test_zip_points);
    CU_add_test(points, "values are checked as --set checks them", test_values_checked);
    CU_pSuite tables = CU_add_suite("result tables", NULL, NULL);
    CU_add_test(tables, "CSV read and written back", test_table_round_trip);
    CU_add_test(tables, "summary over seeds", test_summary);
    return testing_run_registry();
}
