/*
 * plan.c — memory and time estimates from the lowered program.
 *
 * Counting rules (an estimate, and said to be one wherever it is printed):
 *  - a product of [m,k] by [k,n] costs 2 m k n operations, any other value
 *    one operation per element; nodes inside a time loop count once per step;
 *  - code generation fuses elementwise chains into their consumer, so only
 *    products and row-wise values (softmax, cross-entropy) are counted as
 *    materialised working memory, each once, as if none were ever reused.
 */
#include "compiler/driver/run_plan.h"
#include "runtime/kernels/gemm.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/lower/lower.h"
#include "runtime/support/memory.h"
#include "runtime/support/progress.h"
#include "runtime/model/buffers.h"

/* Images in the default data (Fashion-MNIST) when a task says "all" (0). */
enum { ASSUMED_TRAIN_IMAGES = 60000, ASSUMED_TEST_IMAGES = 10000, MAX_LOOP_DEPTH = 16 };

static double node_flops(const ir_function *f, const ir_node *n)
{
    switch (n->op) {
    case IR_BUFFER: case IR_SCALAR: case IR_CONSTANT: case IR_SLICE:
    case IR_LOOP_BEGIN: case IR_LOOP_END:
        return 0;
    case IR_STORE: case IR_STORE_SLICE:
        return 0;
    case IR_MATMUL: {
        const ir_node *a = &f->nodes[n->a];
        double inner = n->transpose_a ? a->rows : a->cols;
        return 2.0 * n->rows * n->cols * inner;
    }
    default:
        return (double)n->rows * n->cols;
    }
}

static bool is_materialised(const ir_node *n)
{
    return n->op == IR_MATMUL || n->op == IR_SOFTMAX || n->op == IR_CROSS_ENTROPY ||
           n->op == IR_CROSS_ENTROPY_BACKWARD;
}

/* Operations of one call of `f`; its materialised elements go to *working. */
static double function_flops(const ir_function *f, double *working)
{
    double total = 0, repeat[MAX_LOOP_DEPTH + 1] = {1};
    int depth = 0;
    for (int i = 0; i < f->count; i++) {
        const ir_node *n = &f->nodes[i];
        if (n->op == IR_LOOP_BEGIN && depth < MAX_LOOP_DEPTH) {
            repeat[depth + 1] = repeat[depth] * (n->steps > 0 ? n->steps : 1);
            depth++;
        } else if (n->op == IR_LOOP_END && depth > 0) {
            depth--;
        }
        total += repeat[depth] * node_flops(f, n);
        if (working && is_materialised(n))
            *working += (double)n->rows * n->cols;
    }
    return total;
}

static long images_used(long setting, long assumed, bool *was_assumed)
{
    *was_assumed = setting <= 0;
    return setting > 0 ? setting : assumed;
}

void plan_estimate(const ir_program *p, const sasc_task *task, run_plan *out)
{
    memset(out, 0, sizeof *out);
    /* The kernels process one shard; a step runs `shards` of them, each with
     * its own per-sample buffers and working values (runtime/train/shards.h). */
    int shards = sasc_task_shards(task);
    double element = (double)p->precision, largest = 1;
    for (int i = 0; i < p->buffer_count; i++) {
        double elements = (double)p->buffers[i].desc.rows * p->buffers[i].desc.cols;
        out->buffer_bytes += elements * element *
                             (sasc_buffer_role_shared(p->buffers[i].desc.role) ? 1 : shards);
        if (p->buffers[i].desc.role == SASC_BUFFER_PARAMETER)
            out->parameter_bytes += elements * element;
        if (elements > largest)
            largest = elements;
    }
    double working = 0;
    out->train_step_flops = shards * function_flops(&p->train, &working) +
                            function_flops(&p->update, NULL);
    out->predict_flops = function_flops(&p->predict, NULL);
    out->working_bytes = working * element * shards;

    out->train_images = images_used(task->train, ASSUMED_TRAIN_IMAGES, &out->train_assumed);
    out->test_images = images_used(task->test, ASSUMED_TEST_IMAGES, &out->test_assumed);
    double per_image = (double)p->input_width + 1;  /* pixels and the label, one byte each */
    out->data_bytes = per_image * (double)(out->train_images + out->test_images) +
                      8.0 * (double)out->train_images  /* the shuffled order */
                      + 8.0 * largest;                   /* scratch as doubles */
    out->blas_bytes = sasc_gemm_work_bytes();   /* only under an address-space limit */
    out->total_bytes = out->buffer_bytes + out->working_bytes + out->data_bytes + out->blas_bytes;

    int batch = p->batch > 0 ? p->batch : 1;
    out->steps_per_epoch = out->train_images / ((long)batch * shards);
    out->test_batches = (out->test_images + batch - 1) / batch;
    out->epoch_flops = (double)out->steps_per_epoch * out->train_step_flops +
                       (double)out->test_batches * out->predict_flops;
    out->total_flops = out->epoch_flops * (task->epochs > 0 ? task->epochs : 0);
    out->flops_per_second = PLAN_NOMINAL_FLOPS;
    out->measured = false;
    out->seconds = out->total_flops / PLAN_NOMINAL_FLOPS;
}

/* The matrix product of `f` with the most operations; false when it has none. */
static bool largest_product(const ir_function *f, const ir_node **largest)
{
    double most = 0;
    for (int i = 0; i < f->count; i++) {
        const ir_node *n = &f->nodes[i];
        double flops = n->op == IR_MATMUL ? node_flops(f, n) : 0;
        if (flops > most) {
            most = flops;
            *largest = n;
        }
    }
    return most > 0;
}

/* Seconds per call of C = op(A) op(B) shaped like `product`: the mean of
 * the calls made in about 50 ms after one to warm up (the mean, not the
 * best: a run meets the same thread wake-ups and neighbours); 0 without
 * memory. */
static double time_product(const ir_function *f, const ir_node *product, sasc_precision precision)
{
    const ir_node *a = &f->nodes[product->a];
    int m = product->rows, n = product->cols, k = product->transpose_a ? a->rows : a->cols;
    size_t element = (size_t)precision;
    void *x = calloc((size_t)m * (size_t)k, element), *y = calloc((size_t)k * (size_t)n, element);
    void *z = calloc((size_t)m * (size_t)n, element);
    double spent = 0, begin = sasc_seconds();
    int calls = 0;
    for (int call = 0; x && y && z && call < 100000 && (call < 3 || sasc_seconds() - begin < 0.05); call++) {
        double start = sasc_seconds();
        if (precision == SASC_F32)
            sasc_gemm_f32(0, 0, m, n, k, 1.0f, x, k, y, n, 0.0f, z, n);
        else
            sasc_gemm_f64(0, 0, m, n, k, 1.0, x, k, y, n, 0.0, z, n);
        if (call > 0) {
            spent += sasc_seconds() - start;
            calls++;
        }
    }
    free(x);
    free(y);
    free(z);
    return calls > 0 ? spent / calls : 0;
}

void plan_measure_speed(const ir_program *p, const sasc_task *task, run_plan *plan)
{
    const ir_function *f = &p->train;
    const ir_node *product = NULL;
    if (!largest_product(f, &product)) {
        f = &p->predict;
        if (!largest_product(f, &product))
            return;
    }
    sasc_gemm_set_threads(task->threads);
    double seconds = time_product(f, product, p->precision);
    sasc_gemm_park_threads();
    if (!(seconds > 0))
        return;
    plan->flops_per_second = node_flops(f, product) / seconds;
    plan->measured = true;
    plan->seconds = plan->total_flops / plan->flops_per_second;
}

static void print_bytes(FILE *out, const char *label, double bytes, const char *note)
{
    char text[32];
    sasc_memory_format(bytes, text, sizeof text);
    fprintf(out, "  %-22s %10s%s\n", label, text, note);
}

void plan_print(const run_plan *plan, const ir_program *p, const sasc_task *task, FILE *out)
{
    fprintf(out, "task '%s' (model '%s', batch %d in %d shard%s, %d-bit, %d epoch%s) -- estimates:\n",
            task->name, p->model_name, task->batch, sasc_task_shards(task),
            sasc_task_shards(task) == 1 ? "" : "s", 8 * (int)p->precision, task->epochs,
            task->epochs == 1 ? "" : "s");
    print_bytes(out, "buffers", plan->buffer_bytes, "");
    print_bytes(out, "  of which parameters", plan->parameter_bytes, "");
    print_bytes(out, "working values", plan->working_bytes, " (upper estimate)");
    fprintf(out, "  %-22s %10ld train + %ld test%s\n", "images", plan->train_images, plan->test_images,
            plan->train_assumed || plan->test_assumed ? " (\"all\": Fashion-MNIST sizes assumed)" : "");
    print_bytes(out, "data in memory", plan->data_bytes, "");
    if (plan->blas_bytes > 0)
        print_bytes(out, "OpenBLAS work buffer", plan->blas_bytes, " (its address space, ulimit -v)");
    char limit[32] = "unknown";
    if (sasc_memory_limit() > 0)
        sasc_memory_format(sasc_memory_limit(), limit, sizeof limit);
    print_bytes(out, "memory, estimated", plan->total_bytes, "");
    fprintf(out, "  %-22s %10s\n", "memory available", limit);
    fprintf(out, "  %-22s %10.3g per training step, %.3g per epoch (%ld steps)\n", "operations",
            plan->train_step_flops, plan->epoch_flops, plan->steps_per_epoch);
    char took[32];
    sasc_format_seconds(plan->seconds, took, sizeof took);
    if (plan->measured)
        fprintf(out, "  %-22s %10s at %.3g GFLOP/s, measured for its largest product on this machine "
                "(an estimate; small layers run slower)\n", "time, estimated", took,
                plan->flops_per_second / 1e9);
    else
        fprintf(out, "  %-22s %10s at a nominal %.0f GFLOP/s (an estimate; real speed varies)\n",
                "time, estimated", took, PLAN_NOMINAL_FLOPS / 1e9);
}

bool plan_check_memory(const run_plan *plan, char *error, size_t error_size)
{
    return sasc_memory_check(plan->total_bytes, "the run's buffers and data (estimated)",
                             error, error_size);
}

bool plan_check_task(const ir_program *p, const sasc_task *task, char *error, size_t error_size)
{
    run_plan plan;
    plan_estimate(p, task, &plan);
    return plan_check_memory(&plan, error, error_size);
}

static bool report_task(const model_spec *model, const sasc_task *task, FILE *out,
                        char *error, size_t error_size)
{
    ir_program program;
    bool ok = lower_model(model, task, &program, error, error_size);
    if (ok) {
        run_plan plan;
        plan_estimate(&program, task, &plan);
        plan_measure_speed(&program, task, &plan);
        plan_print(&plan, &program, task, out);
        if (!plan_check_memory(&plan, error, error_size))
            fprintf(out, "  warning: %s; `sasc run` will refuse this task\n", error);
    }
    ir_program_free(&program);
    return ok;
}

bool plan_report_file(const checked_file *file, FILE *out, char *error, size_t error_size)
{
    for (int t = 0; t < file->task_count; t++)
        if (!report_task(&file->models[file->tasks[t].model], &file->tasks[t].settings, out,
                         error, error_size))
            return false;
    if (file->task_count > 0)
        return true;
    for (int m = 0; m < file->model_count; m++) {
        sasc_task defaults;
        sasc_task_defaults(&defaults);
        snprintf(defaults.name, sizeof defaults.name, "default");
        snprintf(defaults.model, sizeof defaults.model, "%s", file->models[m].name);
        if (!report_task(&file->models[m], &defaults, out, error, error_size))
            return false;
    }
    return true;
}
