/*
 * test_runtime.c — unit tests of the runtime: random numbers, task settings,
 * IDX and .npy files, atomic output, initialisation, and the training loop
 * end to end with a hand-written program (softmax regression in C).
 */
#include "testing.h"

#include "runtime/model/buffers.h"
#include "runtime/data/idx.h"
#include "runtime/data/source.h"
#include "runtime/model/initialize.h"
#include "runtime/support/input_file.h"
#include "runtime/support/npy.h"
#include "runtime/support/output.h"
#include "runtime/kernels/parallel_normals.h"
#include "runtime/support/rng.h"
#include "runtime/train/shards.h"
#include "runtime/support/thread_pool.h"
#include "runtime/settings/task.h"
#include "runtime/train/train.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- helpers ---- */

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/sasc-test-runtime-XXXXXX");
    if (!mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char child[4096];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            remove_tree(child);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* The whole file as a NUL-terminated string (caller frees), or NULL. */
static char *read_text(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    if (text)
        text[size] = '\0';
    if (length)
        *length = (size_t)size;
    fclose(f);
    return text;
}

static void write_bytes(const char *path, const void *data, size_t size, bool gzip)
{
    if (gzip) {
        gzFile g = gzopen(path, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_EQUAL(gzwrite(g, data, (unsigned)size), (int)size);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_EQUAL(fwrite(data, 1, size, f), size);
        fclose(f);
    }
}

static void put_u32(unsigned char *at, uint32_t v)
{
    at[0] = (unsigned char)(v >> 24);
    at[1] = (unsigned char)(v >> 16);
    at[2] = (unsigned char)(v >> 8);
    at[3] = (unsigned char)v;
}

/* Write an IDX file: magic, dims, then `data`; `truncate` bytes are cut off the end. */
static void write_idx(const char *dir, const char *name, uint32_t magic, const uint32_t *dims,
                      int ndims, const unsigned char *data, size_t size, bool gzip, size_t truncate)
{
    size_t header = 4 * (size_t)(1 + ndims);
    unsigned char *bytes = malloc(header + size);
    put_u32(bytes, magic);
    for (int d = 0; d < ndims; d++)
        put_u32(bytes + 4 * (d + 1), dims[d]);
    memcpy(bytes + header, data, size);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, gzip ? ".gz" : "");
    write_bytes(path, bytes, header + size - truncate, gzip);
    free(bytes);
}

/* A linearly separable set of 2x2 images: class 0 bright on the left column,
 * class 1 bright on the right; pixel noise from a fixed LCG. */
static void make_images(long count, uint32_t salt, unsigned char *pixels, unsigned char *labels)
{
    uint32_t state = 12345u + salt;
    for (long i = 0; i < count; i++) {
        int label = (int)(i % 2);
        labels[i] = (unsigned char)label;
        for (int k = 0; k < 4; k++) {
            state = state * 1664525u + 1013904223u;
            int jitter = (int)(state >> 26);  /* 0..63 */
            bool bright = (k % 2 == 0) == (label == 0);
            pixels[i * 4 + k] = (unsigned char)(bright ? 192 + jitter : jitter);
        }
    }
}

/* Write the four standard files for `train` and `test` images. */
static void write_dataset(const char *dir, long train, long test, bool gzip)
{
    const char *prefixes[] = {"train", "t10k"};
    long counts[] = {train, test};
    for (int s = 0; s < 2; s++) {
        unsigned char *pixels = malloc((size_t)counts[s] * 4), *labels = malloc((size_t)counts[s]);
        make_images(counts[s], (uint32_t)s, pixels, labels);
        uint32_t image_dims[] = {(uint32_t)counts[s], 2, 2}, label_dims[] = {(uint32_t)counts[s]};
        char name[64];
        snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefixes[s]);
        write_idx(dir, name, 0x803, image_dims, 3, pixels, (size_t)counts[s] * 4, gzip, 0);
        snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefixes[s]);
        write_idx(dir, name, 0x801, label_dims, 1, labels, (size_t)counts[s], gzip, 0);
        free(pixels);
        free(labels);
    }
}

/* Capture stderr into a temporary file while `run` executes. */
typedef struct { int saved; char path[64]; } stderr_capture;

static void capture_begin(stderr_capture *c)
{
    snprintf(c->path, sizeof c->path, "/tmp/sasc-test-stderr-XXXXXX");
    int fd = mkstemp(c->path);
    fflush(stderr);
    c->saved = dup(2);
    dup2(fd, 2);
    close(fd);
}

static char *capture_end(stderr_capture *c)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    char *text = read_text(c->path, NULL);
    unlink(c->path);
    return text;
}

/* ---- RNG ---- */

static void check_philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                         uint32_t k1, const uint32_t expected[4])
{
    uint32_t counter[4] = {c0, c1, c2, c3}, key[2] = {k0, k1}, out[4];
    sasc_philox4x32_10(counter, key, out);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(out[i], expected[i]);
}

static void test_philox_known_answers(void)
{
    const uint32_t zero[4] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8};
    const uint32_t ones[4] = {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd};
    const uint32_t pi[4] = {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1};
    check_philox(0, 0, 0, 0, 0, 0, zero);
    check_philox(~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ones);
    check_philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, pi);
}

static void test_normal_moments(void)
{
    enum { N = 100000 };
    double *z = malloc(N * sizeof *z);
    sasc_rng_normals(7, sasc_rng_stream(SASC_STREAM_NOISE, 3, 0), 0, z, N);
    double sum = 0, squares = 0;
    bool finite = true;
    for (int i = 0; i < N; i++) {
        sum += z[i];
        squares += z[i] * z[i];
        finite = finite && isfinite(z[i]);
    }
    double mean = sum / N, variance = squares / N - mean * mean;
    CU_ASSERT_TRUE(finite);
    CU_ASSERT(fabs(mean) < 0.015);
    CU_ASSERT(fabs(variance - 1.0) < 0.02);
    free(z);
}

static void test_uniform_range(void)
{
    enum { N = 10000 };
    double u[N], sum = 0;
    sasc_rng_uniforms(1, 5, 0, u, N);
    bool in_range = true;
    for (int i = 0; i < N; i++) {
        in_range = in_range && u[i] >= 0 && u[i] < 1;
        sum += u[i];
    }
    CU_ASSERT_TRUE(in_range);
    CU_ASSERT(fabs(sum / N - 0.5) < 0.02);
}

/* The vectorised Box-Muller against libm's log, sqrt, cos and sin on the
 * same uniforms; chunked and one-block draws give identical values. */
static void test_normals_match_libm(void)
{
    enum { N = 1001 };   /* odd, and not a whole number of chunks */
    double *z = malloc(N * sizeof *z), worst = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    sasc_rng_normals(11, 3, 40, z, N);
    bool same_pairs = true;
    for (int i = 0; i < N; i += 2) {
        uint32_t w[4];
        sasc_rng_block(11, 3, 40 + (uint64_t)i / 2, w);
        double u1 = 1.0 - (double)((((uint64_t)w[0] << 21) | (w[1] >> 11)) & ((UINT64_C(1) << 53) - 1)) * 0x1.0p-53;
        double u2 = (double)((((uint64_t)w[2] << 21) | (w[3] >> 11)) & ((UINT64_C(1) << 53) - 1)) * 0x1.0p-53;
        double r = sqrt(-2.0 * log(u1)), pair[2];
        worst = fmax(worst, fabs(z[i] - r * cos(2 * M_PI * u2)));
        if (i + 1 < N)
            worst = fmax(worst, fabs(z[i + 1] - r * sin(2 * M_PI * u2)));
        sasc_rng_normals(11, 3, 40 + (uint64_t)i / 2, pair, 2);
        same_pairs = same_pairs && pair[0] == z[i] && (i + 1 >= N || pair[1] == z[i + 1]);
    }
    CU_ASSERT(worst < 1e-13);
    CU_ASSERT_TRUE(same_pairs);
    free(z);
}

/* Chunked draws (vectorised Philox rounds) equal one-block draws (scalar
 * Philox) bit for bit with every key and counter bit in use: a 64-bit seed
 * and stream, and chunks whose counters carry into the high word. */
static void test_chunked_philox_full_width(void)
{
    enum { N = 128 };   /* four whole chunks */
    const uint64_t seed = UINT64_C(0xFEDCBA9876543210), stream = UINT64_C(0x89ABCDEF01234567);
    const uint64_t counter = (UINT64_C(1) << 32) - 40;
    double z[N];
    float f[N];
    sasc_rng_normals(seed, stream, counter, z, N);
    sasc_rng_normals_f32(seed, stream, counter, f, N);
    bool same = true;
    for (int i = 0; i < N; i += 2) {
        double pair[2];
        float pair_f32[2];
        sasc_rng_normals(seed, stream, counter + (uint64_t)i / 2, pair, 2);
        sasc_rng_normals_f32(seed, stream, counter + (uint64_t)i / 2, pair_f32, 2);
        uint32_t w[4];
        sasc_rng_block(seed, stream, counter + (uint64_t)i / 2, w);
        float expected_f32[2];
        sasc_rng_box_muller_f32(w, expected_f32);
        same = same && memcmp(pair, &z[i], sizeof pair) == 0
               && memcmp(expected_f32, &f[i], sizeof expected_f32) == 0
               && memcmp(pair_f32, &f[i], sizeof pair_f32) == 0;
    }
    CU_ASSERT_TRUE(same);
}

/* The double Box-Muller (libm) on the 24-bit uniforms of the float transform. */
static void box_muller_24_bits(const uint32_t w[4], double pair[2])
{
    double u1 = 1.0 - (double)(w[0] >> 8) * 0x1.0p-24, u2 = (double)(w[2] >> 8) * 0x1.0p-24;
    double r = sqrt(-2.0 * log(u1));
    pair[0] = r * cos(2 * M_PI * u2);
    pair[1] = r * sin(2 * M_PI * u2);
}

/* Largest |float - double| of the float transform over `n` blocks of
 * (seed, stream, counter ...), against the values of sasc_rng_normals_f32
 * (whose chunks and one-block ends must agree with the transform bit for bit). */
static double f32_error(uint64_t seed, uint64_t stream, const float *f, size_t n, bool *same)
{
    double worst = 0;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t w[4];
        float pair[2], single[2];
        double exact[2];
        sasc_rng_block(seed, stream, i / 2, w);
        sasc_rng_box_muller_f32(w, pair);
        sasc_rng_normals_f32(seed, stream, i / 2, single, 2);
        box_muller_24_bits(w, exact);
        for (size_t k = 0; k < 2 && i + k < n; k++) {
            worst = fmax(worst, fabs((double)f[i + k] - exact[k]));
            *same = *same && memcmp(&pair[k], &f[i + k], sizeof pair[k]) == 0
                    && memcmp(&single[k], &f[i + k], sizeof single[k]) == 0;
        }
    }
    return worst;
}

/* The float transform of f32 noise: within 1e-6 of the double formula on the
 * same 24-bit uniforms (measured: at most 6.3e-7 over 4e7 values, 4.3 float ulps; |z| <= 5.77), chunked,
 * one-block and threaded draws bit for bit the same, sane moments, and
 * finite at the extreme uniforms. */
static void test_normals_f32(void)
{
    enum { N = 2100001 };   /* odd, not whole chunks, and two threads' parts */
    float *f = malloc(N * sizeof *f), *threaded = malloc(N * sizeof *threaded);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(threaded);
    uint64_t stream = sasc_rng_stream(SASC_STREAM_NOISE, 2, 1);
    sasc_rng_normals_f32(5, stream, 0, f, N);
    bool same = true;
    double worst = f32_error(5, stream, f, 100001, &same);
    CU_ASSERT(worst < 1e-6);
    CU_ASSERT_TRUE(same);
    double sum = 0, squares = 0;
    bool finite = true;
    for (size_t i = 0; i < N; i++) {
        sum += f[i];
        squares += (double)f[i] * f[i];
        finite = finite && isfinite(f[i]);
    }
    double mean = sum / N, variance = squares / N - mean * mean;
    CU_ASSERT_TRUE(finite);
    CU_ASSERT(fabs(mean) < 0.005);
    CU_ASSERT(fabs(variance - 1.0) < 0.005);
    sasc_rng_normals_fill(5, stream, 0, threaded, SASC_F32, N, 3);
    CU_ASSERT_EQUAL(memcmp(f, threaded, N * sizeof *f), 0);
    const uint32_t extremes[4][4] = {   /* u1 = 1 and u1 = 2^-24; turn 0 and just under 1 */
        {0, 0, 0, 0}, {0xFFFFFFFFu, 0, 0xFFFFFFFFu, 0}, {0xFFFFFF00u, 0, 0x40000000u, 0}, {0xFF, 0, 0xFF, 0}
    };
    for (int e = 0; e < 4; e++) {
        float pair[2];
        double exact[2];
        sasc_rng_box_muller_f32(extremes[e], pair);
        box_muller_24_bits(extremes[e], exact);
        CU_ASSERT(isfinite(pair[0]) && isfinite(pair[1]));
        CU_ASSERT(fabs(pair[0] - exact[0]) < 1e-6 && fabs(pair[1] - exact[1]) < 1e-6);
    }
    free(f);
    free(threaded);
}

static void test_rng_determinism(void)
{
    double a[10], b[10], c[10], d[4];
    sasc_rng_normals(42, 9, 0, a, 10);
    sasc_rng_normals(42, 9, 0, b, 10);
    sasc_rng_normals(42, 10, 0, c, 10);
    sasc_rng_normals(42, 9, 1, d, 4);  /* starts at a[2] */
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a, c, sizeof a), 0);
    CU_ASSERT_EQUAL(memcmp(a + 2, d, sizeof d), 0);
    sasc_rng_normals(43, 9, 0, c, 10);
    CU_ASSERT_NOT_EQUAL(memcmp(a, c, sizeof a), 0);
    CU_ASSERT_NOT_EQUAL(sasc_rng_stream(SASC_STREAM_NOISE, 1, 2), sasc_rng_stream(SASC_STREAM_MASK, 1, 2));
    CU_ASSERT_NOT_EQUAL(sasc_rng_stream(SASC_STREAM_NOISE, 1, 2), sasc_rng_stream(SASC_STREAM_NOISE, 2, 1));
}

/* ---- task settings ---- */

static void test_task_defaults(void)
{
    sasc_task t;
    sasc_task_defaults(&t);
    CU_ASSERT_STRING_EQUAL(t.data, "/usr/share/datasets/fashion-mnist");
    CU_ASSERT_EQUAL(t.train, 0);
    CU_ASSERT_EQUAL(t.test, 0);
    CU_ASSERT_EQUAL(t.epochs, 10);
    CU_ASSERT_EQUAL(t.batch, 100);
    CU_ASSERT_EQUAL(t.seed, 1);
    CU_ASSERT_EQUAL(t.optimizer, SASC_OPTIMIZER_ADAM);
    CU_ASSERT_DOUBLE_EQUAL(t.lr, 0.001, 0);
    CU_ASSERT_DOUBLE_EQUAL(t.beta1, 0.9, 0);
    CU_ASSERT_DOUBLE_EQUAL(t.beta2, 0.999, 0);
    CU_ASSERT_DOUBLE_EQUAL(t.epsilon, 1e-8, 0);
    CU_ASSERT_EQUAL(t.momentum, 0);
    CU_ASSERT_EQUAL(t.halve_every, 0);
    CU_ASSERT_EQUAL(t.precision, 32);
    CU_ASSERT_STRING_EQUAL(t.out, "");
    CU_ASSERT_EQUAL(t.threads, 0);
    CU_ASSERT_EQUAL(t.dynamic_networks, 10);
    CU_ASSERT_EQUAL(t.shards, 0);                 /* automatic: 2 for an even batch, else 1 */
    CU_ASSERT_EQUAL(t.entropy_formula, SASC_ENTROPY_FORMULA_AUTO);
    CU_ASSERT_EQUAL(t.clip_norm, 0.0);            /* clipping off */
    CU_ASSERT_EQUAL(t.clip_spectral, 0.0);
    CU_ASSERT_EQUAL(sasc_task_shards(&t), 2);
    t.batch = 5;
    CU_ASSERT_EQUAL(sasc_task_shards(&t), 1);
    t.shards = 5;
    CU_ASSERT_EQUAL(sasc_task_shards(&t), 5);
    t.batch = 100;
    t.shards = 0;
    CU_ASSERT_TRUE(t.shuffle);
}

static bool set(sasc_task *t, const char *key, const char *value, char *error)
{
    return sasc_task_set(t, key, value, error, 256);
}

static void expect_json(const sasc_task *t, const char *key, const char *expected)
{
    char out[512];
    const sasc_setting_info *s = sasc_task_setting_find(key);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    sasc_task_value_json(t, s, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, expected);
}

static void test_task_set_every_key(void)
{
    sasc_task t;
    char e[256];
    sasc_task_defaults(&t);
    const char *pairs[][3] = {
        {"name", "mnist \"fast\"", "\"mnist \\\"fast\\\"\""}, {"model", "gbp", "\"gbp\""},
        {"data", "/data/mnist", "\"/data/mnist\""}, {"train", "10000", "10000"},
        {"test", "500", "500"}, {"input_scaling", "standardize", "\"standardize\""},
        {"epochs", "3", "3"}, {"batch", "500", "500"},
        {"seed", "18446744073709551615", "18446744073709551615"},
        {"optimizer", "rmsprop", "\"rmsprop\""}, {"lr", "0.1", "0.1"}, {"beta1", "0.5", "0.5"},
        {"beta2", "0", "0"}, {"epsilon", "1e-6", "1e-06"},
        {"momentum", "0.9", "0.9"}, {"weight_decay", "1e-4", "0.0001"},
        {"lr_decay", "0.25", "0.25"}, {"clip_spectral", "10", "10"}, {"clip_norm", "0.5", "0.5"},
        {"halve_every", "7", "7"}, {"precision", "f64", "64"},
        {"out", "runs/x", "\"runs/x\""}, {"shards", "4", "4"}, {"threads", "2", "2"},
        {"shuffle", "false", "false"},
        /* analyses (runtime/analyses/registry.h) */
        {"analyze_every", "5", "5"}, {"entropy_samples", "200", "200"},
        {"entropy_a", "1e-6", "1e-06"}, {"entropy_formula", "gbp_eq8", "\"gbp_eq8\""},
        {"sampled_networks", "0", "0"},
        {"vip_rule", "relaxed", "\"relaxed\""}, {"vip_tolerance", "0.001", "0.001"},
        {"vip_pi_max", "0.2", "0.2"}, {"vip_m_min", "0", "0"},
        {"analyze", "histograms,entropy", "\"histograms,entropy\""},
        {"perturb_steps", "4", "4"}, {"perturb_repeats", "3", "3"},
        {"perturb_layers", "h1,y", "\"h1,y\""}, {"train_sizes", "100,200", "\"100,200\""},
        {"dynamic_steps", "28", "28"}, {"dynamic_networks", "3", "3"},
        {"snapshot_every", "2", "2"}, {"elasticity_images", "5", "5"}, {"elasticity_step", "0.5", "0.5"},
        {"elasticity_noise", "zero", "\"zero\""}, {"elasticity_similar", "1,2", "\"1,2\""},
        {"elasticity_dissimilar", "3", "\"3\""},
        {"constants", "N=100,s=0.25", "\"N=100,s=0.25\""}};
    int count;
    sasc_task_settings(&count);
    CU_ASSERT_EQUAL(count, (int)(sizeof pairs / sizeof pairs[0]));
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        CU_ASSERT_TRUE(set(&t, pairs[i][0], pairs[i][1], e));
        expect_json(&t, pairs[i][0], pairs[i][2]);
    }
    CU_ASSERT_EQUAL(t.train, 10000);
    CU_ASSERT_EQUAL(t.seed, UINT64_MAX);
    CU_ASSERT_EQUAL(t.optimizer, SASC_OPTIMIZER_RMSPROP);
    CU_ASSERT_EQUAL(t.precision, 64);
    CU_ASSERT_FALSE(t.shuffle);
    CU_ASSERT_TRUE(set(&t, "precision", "32", e));
    CU_ASSERT_EQUAL(t.precision, 32);
    CU_ASSERT_TRUE(set(&t, "shuffle", "1", e));
    CU_ASSERT_TRUE(t.shuffle);
    CU_ASSERT_TRUE(set(&t, "optimizer", "sgd", e));
    CU_ASSERT_EQUAL(t.optimizer, SASC_OPTIMIZER_SGD);
    CU_ASSERT_EQUAL(t.entropy_formula, SASC_ENTROPY_FORMULA_GBP_EQ8);
    CU_ASSERT_EQUAL(t.clip_spectral, 10.0);
    CU_ASSERT_EQUAL(t.clip_norm, 0.5);
    /* a constant the task carries is set by its own name, as a number */
    CU_ASSERT_TRUE(set(&t, "N", "200", e));
    CU_ASSERT_EQUAL(t.constants.items[0].value, 200.0);
    CU_ASSERT_FALSE(set(&t, "N", "wide", e));
    CU_ASSERT_STRING_EQUAL(sasc_task_choice_name("entropy_formula", SASC_ENTROPY_FORMULA_AUTO),
                           "auto");
    CU_ASSERT_STRING_EQUAL(sasc_task_choice_name("entropy_formula",
                                                 SASC_ENTROPY_FORMULA_GBPTT_EQ14), "gbptt_eq14");
    CU_ASSERT_PTR_NULL(sasc_task_choice_name("entropy_formula", 7));
    CU_ASSERT_PTR_NULL(sasc_task_choice_name("lr", 0));
}

static void expect_rejected(const char *key, const char *value, const char *message)
{
    sasc_task t, before;
    char e[256] = "";
    sasc_task_defaults(&t);
    memcpy(&before, &t, sizeof t);
    CU_ASSERT_FALSE(set(&t, key, value, e));
    CU_ASSERT_STRING_EQUAL(e, message);
    CU_ASSERT_EQUAL(memcmp(&t, &before, sizeof t), 0);  /* a rejected value changes nothing */
}

static void test_task_rejects_bad_values(void)
{
    expect_rejected("batch", "0", "batch must be a positive integer no larger than 1000000, got '0'");
    expect_rejected("batch", "1000001", "batch must be a positive integer no larger than 1000000, got '1000001'");
    expect_rejected("batch", "12x", "batch must be a positive integer no larger than 1000000, got '12x'");
    expect_rejected("batch", "", "batch must be a positive integer no larger than 1000000, got ''");
    expect_rejected("batch", " 5", "batch must be a positive integer no larger than 1000000, got ' 5'");
    expect_rejected("epochs", "-1", "epochs must be a non-negative integer, got '-1'");
    expect_rejected("dynamic_networks", "-1", "dynamic_networks must be an integer between 0 and 100000, got '-1'");
    expect_rejected("epochs", "99999999999", "epochs must be a non-negative integer, got '99999999999'");
    expect_rejected("train", "99999999999999999999", "train must be a non-negative integer (0 = all), got '99999999999999999999'");
    expect_rejected("seed", "-1", "seed must be a non-negative integer below 2^64, got '-1'");
    expect_rejected("seed", "18446744073709551616", "seed must be a non-negative integer below 2^64, got '18446744073709551616'");
    expect_rejected("lr", "0", "lr must be a positive number, got '0'");
    expect_rejected("lr", "nan", "lr must be a positive number, got 'nan'");
    expect_rejected("lr", "1e999", "lr must be a positive number, got '1e999'");
    expect_rejected("entropy_formula", "eq8", "entropy_formula must be one of auto, gbp_eq8, gbptt_eq14, got 'eq8'");
    expect_rejected("clip_norm", "-1", "clip_norm must be a non-negative number (0 = off), got '-1'");
    expect_rejected("clip_spectral", "inf", "clip_spectral must be a non-negative number (0 = off), got 'inf'");
    expect_rejected("beta1", "1", "beta1 must be a number in [0, 1), got '1'");
    expect_rejected("beta2", "-0.1", "beta2 must be a number in [0, 1), got '-0.1'");
    expect_rejected("epsilon", "0", "epsilon must be a positive number, got '0'");
    expect_rejected("weight_decay", "-1", "weight_decay must be a non-negative number, got '-1'");
    expect_rejected("optimizer", "adamw", "optimizer must be one of adam, rmsprop, sgd, got 'adamw'");
    expect_rejected("precision", "16", "precision must be 32 or 64 (also f32 or f64), got '16'");
    expect_rejected("shuffle", "yes", "shuffle must be true or false (or 1 or 0), got 'yes'");
    expect_rejected("shards", "-1", "shards must be an integer between 0 and 4096 (0 = automatic), got '-1'");
    expect_rejected("threads", "-2", "threads must be an integer between 0 and 4096 (0 = all cores), got '-2'");
    char long_name[100];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    char message[256];
    snprintf(message, sizeof message, "name must be a name of at most 63 characters, got '%s'", long_name);
    expect_rejected("name", long_name, message);
}

static void test_task_unknown_key(void)
{
    expect_rejected("btach", "1", "unknown setting 'btach'; did you mean 'batch'?");
    expect_rejected("epoch", "1", "unknown setting 'epoch'; did you mean 'epochs'?");
    expect_rejected("learning_rate", "1", "unknown setting 'learning_rate'");
    CU_ASSERT_PTR_NULL(sasc_task_setting_find("nope"));
    CU_ASSERT_EQUAL(sasc_task_setting_find("seed")->type, SASC_SETTING_INTEGER);
    CU_ASSERT_EQUAL(sasc_task_setting_find("optimizer")->type, SASC_SETTING_CHOICE);
}

/* ---- IDX ---- */

static void test_idx_plain_and_gzip(void)
{
    for (int gzip = 0; gzip < 2; gzip++) {
        char *dir = make_temp_dir();
        write_dataset(dir, 6, 4, gzip);
        sasc_samples set;
        char e[512];
        CU_ASSERT_TRUE_FATAL(sasc_idx_read(dir, "train", false, &set, e, sizeof e));
        CU_ASSERT_EQUAL(set.count, 6);
        CU_ASSERT_EQUAL(set.sample_dims, 2);
        CU_ASSERT_EQUAL(set.sample_shape[0], 2);
        CU_ASSERT_EQUAL(set.sample_shape[1], 2);
        CU_ASSERT_EQUAL(set.features, 4);
        CU_ASSERT_TRUE(set.byte_images);
        unsigned char pixels[24], labels[6];
        make_images(6, 0, pixels, labels);
        CU_ASSERT_PTR_NOT_NULL_FATAL(set.bytes);
        CU_ASSERT_EQUAL(memcmp(set.bytes, pixels, 24), 0);
        for (int i = 0; i < 6; i++)
            CU_ASSERT_EQUAL(set.labels[i], labels[i]);
        sasc_samples_free(&set);
        CU_ASSERT_TRUE(sasc_idx_read(dir, "t10k", true, &set, e, sizeof e));
        CU_ASSERT_EQUAL(set.count, 4);
        CU_ASSERT_PTR_NULL(set.bytes);   /* header only: nothing read */
        remove_tree(dir);
        free(dir);
    }
}

static void test_idx_dot_spelling(void)
{
    char *dir = make_temp_dir();
    unsigned char pixels[8], labels[2];
    make_images(2, 0, pixels, labels);
    uint32_t image_dims[] = {2, 2, 2}, label_dims[] = {2};
    write_idx(dir, "train-images.idx3-ubyte", 0x803, image_dims, 3, pixels, 8, true, 0);
    write_idx(dir, "train-labels.idx1-ubyte", 0x801, label_dims, 1, labels, 2, false, 0);
    sasc_samples set;
    char e[512];
    CU_ASSERT_TRUE(sasc_idx_read(dir, "train", false, &set, e, sizeof e));
    CU_ASSERT_EQUAL(set.count, 2);
    sasc_samples_free(&set);
    remove_tree(dir);
    free(dir);
}

/* Every element type, big-endian, in files named by another type and
 * dimension (train-images-idx2-TYPE): the values as stored; float labels are
 * targets. */
static void test_idx_element_types(void)
{
    static const struct { uint32_t code; int size; } types[] = {
        {0x08, 1}, {0x09, 1}, {0x0B, 2}, {0x0C, 4}, {0x0D, 4}, {0x0E, 8}};
    static const double want[6] = {1, -2, 3, -4, 5, 6};
    for (size_t t = 0; t < 6; t++) {
        char *dir = make_temp_dir();
        unsigned char data[6 * 8];
        int size = types[t].size;
        for (int k = 0; k < 6; k++) {
            double v = types[t].code == 0x08 ? fabs(want[k]) : want[k];
            uint64_t bits;
            if (types[t].code == 0x0D) {
                float f = (float)v;
                uint32_t b32;
                memcpy(&b32, &f, 4);
                bits = b32;
            } else if (types[t].code == 0x0E) {
                memcpy(&bits, &v, 8);
            } else {
                bits = (uint64_t)(int64_t)v;
            }
            for (int b = 0; b < size; b++)
                data[k * size + b] = (unsigned char)(bits >> (8 * (size - 1 - b)));
        }
        uint32_t dims[] = {3, 2}, label_dims[] = {3};
        write_idx(dir, "train-images-idx2-any", 0x800 | types[t].code << 8 | 2, dims, 2, data,
                  (size_t)(6 * size), false, 0);
        /* the labels: the same type; integers are labels (made non-negative), floats targets */
        bool floats = types[t].code == 0x0D || types[t].code == 0x0E;
        unsigned char labels[3 * 8] = {0};
        if (floats)
            memcpy(labels, data, (size_t)(3 * size));   /* targets 1, -2, 3 */
        write_idx(dir, "train-labels-idx1-any", 0x801 | types[t].code << 8, label_dims, 1, labels,
                  (size_t)(3 * size), false, 0);
        sasc_samples set;
        char e[512];
        CU_ASSERT_TRUE_FATAL(sasc_idx_read(dir, "train", false, &set, e, sizeof e));
        CU_ASSERT_EQUAL(set.count, 3);
        CU_ASSERT_EQUAL(set.features, 2);
        for (int k = 0; k < 6; k++) {
            double v = types[t].code == 0x08 ? fabs(want[k]) : want[k];
            double got = set.bytes ? set.bytes[k] : set.values[k];
            CU_ASSERT_EQUAL(got, v);
        }
        if (floats) {
            CU_ASSERT_EQUAL(set.targets, SASC_TARGETS_VALUES);
            CU_ASSERT_EQUAL(set.target_values[1], -2.0f);
        } else {
            CU_ASSERT_EQUAL(set.targets, SASC_TARGETS_CLASSES);
        }
        sasc_samples_free(&set);
        remove_tree(dir);
        free(dir);
    }
}

/* Read train from a directory holding train files built by `build`; expect `message` with DIR substituted. */
static void expect_idx_error(void (*build)(const char *dir), const char *format)
{
    char *dir = make_temp_dir();
    build(dir);
    sasc_samples set;
    char e[1024] = "", expected[1024];
    CU_ASSERT_FALSE(sasc_idx_read(dir, "train", false, &set, e, sizeof e));
    CU_ASSERT_PTR_NULL(set.bytes);
    snprintf(expected, sizeof expected, format, dir, dir, dir);
    CU_ASSERT_STRING_EQUAL(e, expected);
    if (strcmp(e, expected) != 0)
        fprintf(stderr, "\n  got:      %s\n  expected: %s\n", e, expected);
    remove_tree(dir);
    free(dir);
}

static const uint32_t IMAGE_DIMS[] = {2, 2, 2}, LABEL_DIMS[] = {2};
static const unsigned char PIXELS[8] = {1, 2, 3, 4, 5, 6, 7, 8}, LABELS[2] = {0, 1};

static void build_good_labels(const char *dir)
{
    write_idx(dir, "train-labels-idx1-ubyte", 0x801, LABEL_DIMS, 1, LABELS, 2, false, 0);
}
static void build_wrong_magic(const char *dir)
{
    write_idx(dir, "train-images-idx3-ubyte", 0x801, IMAGE_DIMS, 2, PIXELS, 8, false, 0);
    build_good_labels(dir);
}
static void build_bad_type(const char *dir)
{
    write_idx(dir, "train-images-idx3-ubyte", 0x0A03, IMAGE_DIMS, 3, PIXELS, 8, false, 0);
    build_good_labels(dir);
}
static void build_truncated(const char *dir)
{
    write_idx(dir, "train-images-idx3-ubyte", 0x803, IMAGE_DIMS, 3, PIXELS, 8, true, 3);
    build_good_labels(dir);
}
static void build_images_only(const char *dir)
{
    write_idx(dir, "train-images-idx3-ubyte", 0x803, IMAGE_DIMS, 3, PIXELS, 8, false, 0);
}
static void build_count_mismatch(const char *dir)
{
    static const uint32_t three[] = {3};
    static const unsigned char labels[3] = {0, 1, 1};
    write_idx(dir, "train-images-idx3-ubyte", 0x803, IMAGE_DIMS, 3, PIXELS, 8, false, 0);
    write_idx(dir, "train-labels-idx1-ubyte", 0x801, three, 1, labels, 3, false, 0);
}
static void build_nothing(const char *dir)
{
    (void)dir;
}

static void test_idx_errors(void)
{
    expect_idx_error(build_wrong_magic,
                     "%s/train-images-idx3-ubyte is a 1-dimensional IDX file (magic 0x00000801): samples need at least one dimension after the count");
    expect_idx_error(build_bad_type,
                     "%s/train-images-idx3-ubyte: its magic number 0x00000a03 names element type 0x0a, which is none of IDX's 0x08 (ubyte), 0x09 (byte), 0x0B (short), 0x0C (int), 0x0D (float), 0x0E (double)");
    expect_idx_error(build_truncated,
                     "%s/train-images-idx3-ubyte.gz is truncated: its header declares 2 records of 4 bytes");
    expect_idx_error(build_images_only,
                     "cannot find %s/train-labels-idx1-ubyte (nor %s/train-labels-idx1-ubyte.gz, nor another train-labels-idx* file)");
    expect_idx_error(build_nothing,
                     "cannot find %s/train-images-idx3-ubyte (nor %s/train-images-idx3-ubyte.gz, nor another train-images-idx* file)");
    expect_idx_error(build_count_mismatch,
                     "%s/train-labels-idx1-ubyte has 3 labels but the images file beside it has 2 images");
}

/* ---- the data-source interface (source.h) on IDX files ---- */

/* A program reading 2x2 images in `steps` steps of 4 / steps inputs, batch
 * 3, 2 classes, f64; only what a source reads (the buffer table). */
typedef struct {
    sasc_buffer_desc buffers[3];
    sasc_program program;
    double input[3 * 4], target[3 * 2], mask[3 * 2];
    void *pointers[3];
} image_program;

static void image_program_init(image_program *ip, int steps, bool loss_mask)
{
    memset(ip, 0, sizeof *ip);
    ip->buffers[0] = (sasc_buffer_desc){"x", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 3 * steps,
                                        4 / steps, {SASC_INIT_ZEROS, 0, 0}, false, -1};
    ip->buffers[1] = (sasc_buffer_desc){"target", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER, 3, 2,
                                        {SASC_INIT_ZEROS, 0, 0}, false, -1};
    ip->buffers[2] = (sasc_buffer_desc){"target.mask", SASC_BUFFER_LOSS_MASK, -1,
                                        SASC_NOT_A_PARAMETER, 3, 2, {SASC_INIT_ZEROS, 0, 0}, false, -1};
    ip->program = (sasc_program){.abi_version = SASC_ABI_VERSION, .precision = SASC_F64, .batch = 3,
                                 .input_width = 4, .classes = 2, .buffer_count = loss_mask ? 3 : 2,
                                 .buffers = ip->buffers, .input_buffer = 0, .target_buffer = 1};
    ip->pointers[0] = ip->input;
    ip->pointers[1] = ip->target;
    ip->pointers[2] = ip->mask;
}

static void fill_junk(image_program *ip)
{
    for (size_t k = 0; k < 12; k++)
        ip->input[k] = 7.0;
    for (size_t k = 0; k < 6; k++)
        ip->target[k] = 7.0;
}

static void test_source_idx_probe(void)
{
    char *dir = make_temp_dir();
    write_dataset(dir, 6, 4, false);
    char e[512];
    sasc_data_request request = {dir, {0, 3}, 1, NULL, NULL};
    sasc_data_shape shape;
    CU_ASSERT_PTR_EQUAL(sasc_data_kind_of(dir), sasc_data_kind_of("/any/directory"));
    CU_ASSERT_STRING_EQUAL(sasc_data_kind_of(dir)->name, "idx");
    CU_ASSERT_STRING_EQUAL(sasc_data_kind_of("trials(msi)")->name, "trials");
    CU_ASSERT_STRING_EQUAL(sasc_data_kind_of("msi")->name, "idx");   /* the reference generator
                                                                        is not in the table */
    CU_ASSERT_TRUE_FATAL(sasc_data_probe(&request, &shape, e, sizeof e));
    CU_ASSERT_STRING_EQUAL(shape.kind, "idx");
    CU_ASSERT_EQUAL(shape.count[SASC_SPLIT_TRAIN], 6);
    CU_ASSERT_EQUAL(shape.count[SASC_SPLIT_TEST], 3);
    CU_ASSERT_EQUAL(shape.sample_dims, 2);
    CU_ASSERT_EQUAL(shape.sample_shape[0], 2);
    CU_ASSERT_EQUAL(shape.sample_shape[1], 2);
    CU_ASSERT_EQUAL(shape.features, 4);
    CU_ASSERT_FALSE(shape.sequence);
    CU_ASSERT_EQUAL(shape.targets, SASC_TARGETS_CLASSES);
    /* an unused split is not opened: no training files needed */
    char *test_only = make_temp_dir();
    write_dataset(test_only, 6, 4, true);
    char path[4200];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", test_only);
    unlink(path);
    sasc_data_request no_train = {test_only, {SASC_DATA_UNUSED, 0}, 1, NULL, NULL};
    CU_ASSERT_TRUE(sasc_data_probe(&no_train, &shape, e, sizeof e));
    CU_ASSERT_EQUAL(shape.count[SASC_SPLIT_TRAIN], 0);
    CU_ASSERT_EQUAL(shape.count[SASC_SPLIT_TEST], 4);
    sasc_data_request with_train = {test_only, {0, 0}, 1, NULL, NULL};
    CU_ASSERT_FALSE(sasc_data_probe(&with_train, &shape, e, sizeof e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "cannot find"));
    sasc_data_request too_many = {dir, {7, 0}, 1, NULL, NULL};
    CU_ASSERT_FALSE(sasc_data_probe(&too_many, &shape, e, sizeof e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "7 samples were asked for"));
    remove_tree(dir);
    remove_tree(test_only);
    free(dir);
    free(test_only);
}

/* Contracts 2, 3, 4 and 6 on a directory of 2x2 images. */
static void test_source_idx_batches(void)
{
    char *dir = make_temp_dir();
    write_dataset(dir, 6, 4, false);
    unsigned char pixels[24], labels[6];
    make_images(6, 0, pixels, labels);
    char e[512];
    for (int steps = 1; steps <= 2; steps++) {   /* a dense model, then 2 steps of 2 inputs */
        image_program ip;
        image_program_init(&ip, steps, false);
        sasc_data_request request = {dir, {0, SASC_DATA_UNUSED}, 1, NULL, NULL};
        sasc_data_source *source = sasc_data_open(&request, &ip.program, e, sizeof e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(source);
        CU_ASSERT_EQUAL(sasc_data_count(source, SASC_SPLIT_TRAIN), 6);
        CU_ASSERT_EQUAL(sasc_data_count(source, SASC_SPLIT_TEST), 0);
        CU_ASSERT_EQUAL(source->shape.classes, 2);
        fill_junk(&ip);
        const size_t order[6] = {5, 4, 3, 2, 1, 0};
        sasc_data_load_batch(source, &ip.program, ip.pointers, SASC_SPLIT_TRAIN, order, 1, 2);
        for (int row = 0; row < 3; row++) {
            long sample = 4 - row;                     /* order[1 + row] */
            int inputs = 4 / steps;
            for (int k = 0; k < 4; k++) {              /* value k: input k % inputs of step k / inputs */
                double got = ip.input[((k / inputs) * 3 + row) * inputs + k % inputs];
                CU_ASSERT_EQUAL(got, row < 2 ? pixels[sample * 4 + k] / 255.0 : 0.0);
            }
            for (int c = 0; c < 2; c++)
                CU_ASSERT_EQUAL(ip.target[row * 2 + c], row < 2 && c == labels[sample] ? 1.0 : 0.0);
            if (row < 2)
                CU_ASSERT_EQUAL(sasc_data_label(source, SASC_SPLIT_TRAIN, sample), labels[sample]);
        }
        /* the same sample without an order, in another row: the same values */
        double first[4];
        for (int k = 0; k < 4; k++)
            first[k] = ip.input[((k / (4 / steps)) * 3 + 0) * (4 / steps) + k % (4 / steps)];
        fill_junk(&ip);
        sasc_data_load_batch(source, &ip.program, ip.pointers, SASC_SPLIT_TRAIN, NULL, 2, 3);
        for (int k = 0; k < 4; k++)
            CU_ASSERT_EQUAL(ip.input[((k / (4 / steps)) * 3 + 2) * (4 / steps) + k % (4 / steps)],
                            first[k]);
        sasc_data_close(source);
    }
    /* a loss mask means targets at every step, which images do not have */
    image_program ip;
    image_program_init(&ip, 1, true);
    sasc_data_request request = {dir, {0, 0}, 1, NULL, NULL};
    CU_ASSERT_PTR_NULL(sasc_data_open(&request, &ip.program, e, sizeof e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "a readout at every step needs sequence targets"));
    remove_tree(dir);
    free(dir);
}

/* ---- npy ---- */

static void test_npy_header_bytes(void)
{
    char header[256];
    size_t n = sasc_npy_header(header, sizeof header, "<f4", 3, 4);
    const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
    CU_ASSERT_EQUAL_FATAL(n, 128);
    CU_ASSERT_EQUAL(memcmp(header, "\x93NUMPY\x01\x00", 8), 0);
    CU_ASSERT_EQUAL((unsigned char)header[8] | (unsigned char)header[9] << 8, 118);
    CU_ASSERT_EQUAL(memcmp(header + 10, dict, sizeof dict - 1), 0);
    bool spaces = true;
    for (size_t i = 10 + sizeof dict - 1; i < n - 1; i++)
        spaces = spaces && header[i] == ' ';
    CU_ASSERT_TRUE(spaces);
    CU_ASSERT_EQUAL(header[n - 1], '\n');
    CU_ASSERT_EQUAL(sasc_npy_header(header, 100, "<f4", 3, 4), 0);  /* too small */
}

static void test_npy_round_trip(void)
{
    char *dir = make_temp_dir();
    char path[4096], e[512];
    snprintf(path, sizeof path, "%s/w.m.npy", dir);
    float f32[6] = {1.5f, -2, 0, 3.25f, 1e-3f, 7};
    double back[6];
    CU_ASSERT_TRUE(sasc_npy_write(path, f32, SASC_F32, 2, 3, e, sizeof e));
    size_t length;
    char *bytes = read_text(path, &length);
    CU_ASSERT_EQUAL(length, 128 + 6 * 4);
    CU_ASSERT_PTR_NOT_NULL(memmem(bytes, length, "'descr': '<f4'", 14));
    free(bytes);
    CU_ASSERT_TRUE(sasc_npy_read(path, 2, 3, back, e, sizeof e));
    for (int i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(back[i], (double)f32[i]);
    double f64[6] = {0.1, -0.2, 1e300, 4, 5, 6};
    CU_ASSERT_TRUE(sasc_npy_write(path, f64, SASC_F64, 3, 2, e, sizeof e));
    CU_ASSERT_TRUE(sasc_npy_read(path, 3, 2, back, e, sizeof e));
    CU_ASSERT_EQUAL(memcmp(back, f64, sizeof f64), 0);
    CU_ASSERT_FALSE(sasc_npy_read(path, 2, 3, back, e, sizeof e));
    char expected[4200];
    snprintf(expected, sizeof expected, "%s has shape (3, 2) but (2, 3) is needed", path);
    CU_ASSERT_STRING_EQUAL(e, expected);
    CU_ASSERT_EQUAL(count_entries(dir), 1);  /* no temporary file left */
    remove_tree(dir);
    free(dir);
}

/* A hand-made file: big-endian int32, Fortran order, version 2.0 header. */
static void test_npy_read_other_dtypes(void)
{
    char *dir = make_temp_dir();
    char path[4096], e[512];
    snprintf(path, sizeof path, "%s/mask.npy", dir);
    const char dict[] = "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }\n";
    unsigned char file[256];
    size_t n = 0;
    memcpy(file, "\x93NUMPY\x02\x00", 8);
    n = 8;
    uint32_t length = sizeof dict - 1;
    for (int b = 0; b < 4; b++)
        file[n++] = (unsigned char)(length >> (8 * b));
    memcpy(file + n, dict, length);
    n += length;
    /* column-major values of [[1, 0, -3], [0, 5, 0]] */
    int32_t column_major[6] = {1, 0, 0, 5, -3, 0};
    for (int i = 0; i < 6; i++) {
        put_u32(file + n, (uint32_t)column_major[i]);
        n += 4;
    }
    write_bytes(path, file, n, false);
    double values[6];
    CU_ASSERT_TRUE_FATAL(sasc_npy_read(path, 2, 3, values, e, sizeof e));
    double expected[6] = {1, 0, -3, 0, 5, 0};
    CU_ASSERT_EQUAL(memcmp(values, expected, sizeof expected), 0);
    write_bytes(path, "not numpy", 9, false);
    CU_ASSERT_FALSE(sasc_npy_read(path, 2, 3, values, e, sizeof e));
    remove_tree(dir);
    free(dir);
}

/* ---- atomic output ---- */

static void test_atomic_write(void)
{
    char *dir = make_temp_dir();
    char path[4096], e[512];
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    CU_ASSERT_TRUE(sasc_make_directories(path, e, sizeof e));
    snprintf(path, sizeof path, "%s/a/b/c/out.txt", dir);
    CU_ASSERT_TRUE(sasc_write_file_atomically(path, "hello\n", 6, e, sizeof e));
    char *text = read_text(path, NULL);
    CU_ASSERT_STRING_EQUAL(text, "hello\n");
    free(text);
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    CU_ASSERT_EQUAL(count_entries(path), 1);
    snprintf(path, sizeof path, "%s/missing/out.txt", dir);
    CU_ASSERT_FALSE(sasc_write_file_atomically(path, "x", 1, e, sizeof e));
    char expected[4200];
    snprintf(expected, sizeof expected, "cannot write %s: No such file or directory", path);
    CU_ASSERT_STRING_EQUAL(e, expected);
    CU_ASSERT_EQUAL(count_entries(dir), 1);  /* just "a" */
    /* A file where a directory is needed. */
    snprintf(path, sizeof path, "%s/a/b/c/out.txt/d", dir);
    CU_ASSERT_FALSE(sasc_make_directories(path, e, sizeof e));
    remove_tree(dir);
    free(dir);
}

static void test_full_disk_message(void)
{
    char e[512];
    /* An error seen while writing is the one reported at the end. */
    FILE *scratch = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
    CU_ASSERT_FALSE(sasc_stream_finish(scratch, "out/run.json", ENOSPC, e, sizeof e));
    CU_ASSERT_STRING_EQUAL(e, "cannot write out/run.json: No space left on device");
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        return;  /* no /dev/full here: a real full device cannot be provoked */
    fputs("epoch,train_loss\n", full);
    CU_ASSERT_FALSE(sasc_stream_finish(full, "runs/x/metrics.csv", 0, e, sizeof e));
    CU_ASSERT_STRING_EQUAL(e, "cannot write runs/x/metrics.csv: No space left on device");
}

/* What sasc_write_file_atomically writes, sasc_input_read_all gives back
 * whole, NUL-terminated; a missing file is NULL with its reason. */
static void test_read_file(void)
{
    char directory[] = "/tmp/sasc-read-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(directory));
    char path[256], e[512];
    snprintf(path, sizeof path, "%s/data.bin", directory);
    static char data[100000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    CU_ASSERT_TRUE_FATAL(sasc_write_file_atomically(path, data, sizeof data, e, sizeof e));
    size_t size = 0;
    char *back = sasc_input_read_all(path, 0, &size, e, sizeof e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_EQUAL(size, sizeof data);
    CU_ASSERT_EQUAL(memcmp(back, data, sizeof data), 0);
    CU_ASSERT_EQUAL(back[size], '\0');
    free(back);
    unlink(path);
    CU_ASSERT_PTR_NULL(sasc_input_read_all(path, 0, &size, e, sizeof e));
    CU_ASSERT_STRING_EQUAL(e, "No such file or directory");
    rmdir(directory);
}

/* Asked to write a result over a device, the writer refuses and leaves the
 * device in place (renaming over /dev/null as root would destroy it). */
static void test_refuses_to_replace_devices(void)
{
    char e[512];
    CU_ASSERT_FALSE(sasc_write_file_atomically("/dev/null", "x", 1, e, sizeof e));
    CU_ASSERT_STRING_EQUAL(e, "cannot write /dev/null: it exists and is not a regular file");
    struct stat device;
    CU_ASSERT_EQUAL_FATAL(stat("/dev/null", &device), 0);
    CU_ASSERT_TRUE(S_ISCHR(device.st_mode));
}

/* ---- a hand-written program: softmax regression on 2x2 images, 2 classes ---- */

enum { BATCH = 4, PIXELS_IN = 4, CLASSES = 2 };
enum { B_X, B_Y, B_M, B_PI, B_GRAD, B_OUT, B_LOSS, B_SCALARS, B_NOISE, B_COUNT };

static const sasc_buffer_desc SOFTMAX_BUFFERS[B_COUNT] = {
    [B_X] = {"x", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, BATCH, PIXELS_IN, {0}, false, -1},
    [B_Y] = {"y", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER, BATCH, CLASSES, {0}, false, -1},
    [B_M] = {"out.m", SASC_BUFFER_PARAMETER, 0, SASC_M, PIXELS_IN, CLASSES,
             {SASC_INIT_NORMAL, 0, 0.1}, false, -1},
    [B_PI] = {"out.pi", SASC_BUFFER_PARAMETER, 0, SASC_PI, PIXELS_IN, CLASSES,
              {SASC_INIT_CONSTANT, 0.25, 0}, true, -1},
    [B_GRAD] = {"out.m.grad", SASC_BUFFER_GRADIENT, 0, SASC_M, PIXELS_IN, CLASSES, {0}, false, -1},
    [B_OUT] = {"p", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, BATCH, CLASSES, {0}, false, -1},
    [B_LOSS] = {"loss", SASC_BUFFER_LOSS, -1, SASC_NOT_A_PARAMETER, 1, 1, {0}, false, -1},
    [B_SCALARS] = {"scalars", SASC_BUFFER_SCALARS, -1, SASC_NOT_A_PARAMETER, 1, SASC_SCALAR_COUNT,
                   {0}, false, -1},
    [B_NOISE] = {"out.eps", SASC_BUFFER_NOISE, 0, SASC_NOT_A_PARAMETER, BATCH, CLASSES, {0}, false, -1},
};

static const sasc_group_desc SOFTMAX_GROUPS[1] = {
    {"out", SASC_GROUP_DENSE, 0, PIXELS_IN, CLASSES, {B_PI, B_M, -1}, B_NOISE, -1, {SASC_MASK_NONE, 0, NULL}},
};
static const sasc_layer_desc SOFTMAX_LAYERS[1] = {{"out", "dense", "softmax", CLASSES, false, 0, 1, -1}};

/* Rows per kernel call: BATCH, or half of it for the program of two shards. */
static int softmax_rows = BATCH;

/* p = softmax(x m + 0.01 eps), row by row. */
static void softmax_forward(void *const *b)
{
    const float *x = b[B_X], *m = b[B_M], *eps = b[B_NOISE];
    float *p = b[B_OUT];
    for (int r = 0; r < softmax_rows; r++) {
        double z[CLASSES], max = -INFINITY, sum = 0;
        for (int c = 0; c < CLASSES; c++) {
            z[c] = 0.01 * eps[r * CLASSES + c];
            for (int k = 0; k < PIXELS_IN; k++)
                z[c] += x[r * PIXELS_IN + k] * m[k * CLASSES + c];
            max = z[c] > max ? z[c] : max;
        }
        for (int c = 0; c < CLASSES; c++)
            sum += exp(z[c] - max);
        for (int c = 0; c < CLASSES; c++)
            p[r * CLASSES + c] = (float)(exp(z[c] - max) / sum);
    }
}

static void softmax_train(void *const *b)
{
    softmax_forward(b);
    const float *x = b[B_X], *y = b[B_Y], *p = b[B_OUT];
    float *grad = b[B_GRAD], *loss = b[B_LOSS];
    double total = 0;
    for (int i = 0; i < softmax_rows * CLASSES; i++)
        total -= y[i] * log(p[i] + 1e-12);
    loss[0] = (float)(total / softmax_rows);
    for (int k = 0; k < PIXELS_IN; k++)
        for (int c = 0; c < CLASSES; c++) {
            double g = 0;
            for (int r = 0; r < softmax_rows; r++)
                g += x[r * PIXELS_IN + k] * (p[r * CLASSES + c] - y[r * CLASSES + c]);
            grad[k * CLASSES + c] = (float)(g / softmax_rows);
        }
}

static void softmax_update(void *const *b)
{
    float *m = b[B_M];
    const float *grad = b[B_GRAD], *scalars = b[B_SCALARS];
    for (int i = 0; i < PIXELS_IN * CLASSES; i++)
        m[i] -= scalars[SASC_SCALAR_LEARNING_RATE] * grad[i];
}

static void nan_train(void *const *b)
{
    softmax_train(b);
    ((float *)b[B_LOSS])[0] = NAN;
}

/* Updates that leave an infinity in a parameter: out.pi, which the fake
 * kernels never read (the loss stays finite), or out.m (the next loss is nan). */
static void inf_pi_update(void *const *b)
{
    softmax_update(b);
    ((float *)b[B_PI])[3] = INFINITY;
}

static void inf_m_update(void *const *b)
{
    softmax_update(b);
    ((float *)b[B_M])[3] = INFINITY;
}

/* The softmax program's kernels; softmax_program() resets them and
 * set_kernel() replaces one (one program at a time uses them). */
static sasc_kernel_desc softmax_kernels[3];

static sasc_program softmax_program(void)
{
    softmax_kernels[0] = (sasc_kernel_desc){SASC_KERNEL_TRAIN, "train", softmax_train, NULL};
    softmax_kernels[1] = (sasc_kernel_desc){SASC_KERNEL_UPDATE, "update", softmax_update, NULL};
    softmax_kernels[2] = (sasc_kernel_desc){SASC_KERNEL_PREDICT, "predict", softmax_forward, NULL};
    sasc_program p = {
        .abi_version = SASC_ABI_VERSION, .model_name = "softmax", .precision = SASC_F32,
        .batch = BATCH, .input_width = PIXELS_IN, .classes = CLASSES,
        .buffer_count = B_COUNT, .buffers = SOFTMAX_BUFFERS,
        .group_count = 1, .groups = SOFTMAX_GROUPS, .layer_count = 1, .layers = SOFTMAX_LAYERS,
        .kernel_count = 3, .kernels = softmax_kernels,
        .input_buffer = B_X, .target_buffer = B_Y, .output_buffer = B_OUT,
        .loss_buffer = B_LOSS, .scalars_buffer = B_SCALARS};
    return p;
}

static void set_kernel(sasc_kernel_role role, sasc_kernel kernel)
{
    for (int k = 0; k < 3; k++)
        if (softmax_kernels[k].role == role)
            softmax_kernels[k].run = kernel;
}

static void softmax_task(sasc_task *t, const char *data, const char *out)
{
    char e[256];
    sasc_task_defaults(t);
    CU_ASSERT_TRUE(sasc_task_set(t, "name", "tiny", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(t, "data", data, e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(t, "out", out, e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(t, "epochs", "4", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(t, "batch", "4", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(t, "lr", "2", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(t, "seed", "5", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(t, "threads", "1", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(t, "shards", "1", e, sizeof e));   /* the kernels take BATCH rows */
}

/* metrics.csv without the seconds column (the fifth). */
static char *metrics_without_seconds(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    char *text = read_text(path, NULL);
    if (!text)
        return NULL;
    char *out = calloc(strlen(text) + 1, 1);
    int column = 0;
    for (char *p = text, *o = out; *p; p++) {
        if (*p == '\n')
            column = 0;
        else if (*p == ',')
            column++;
        if (column != 4)
            *o++ = *p;
    }
    free(text);
    return out;
}

static bool same_file(const char *a_dir, const char *b_dir, const char *name)
{
    char a_path[4096], b_path[4096];
    snprintf(a_path, sizeof a_path, "%s/%s", a_dir, name);
    snprintf(b_path, sizeof b_path, "%s/%s", b_dir, name);
    size_t a_length, b_length;
    char *a = read_text(a_path, &a_length), *b = read_text(b_path, &b_length);
    bool same = a && b && a_length == b_length && memcmp(a, b, a_length) == 0;
    free(a);
    free(b);
    return same;
}

static int run_quietly(const sasc_program *p, const sasc_task *t, const sasc_run_info *info,
                       char **messages)
{
    stderr_capture capture;
    capture_begin(&capture);
    int code = sasc_run_task(p, t, info);
    char *text = capture_end(&capture);
    if (messages)
        *messages = text;
    else
        free(text);
    return code;
}

static void test_training_end_to_end(void)
{
    char *dir = make_temp_dir();
    char data[4096], out1[4096], out2[4096];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(out1, sizeof out1, "%s/runs/one", dir);
    snprintf(out2, sizeof out2, "%s/runs/two", dir);
    mkdir(data, 0777);
    write_dataset(data, 40, 10, true);
    sasc_program program = softmax_program();
    sasc_run_info info = {.model_file = "tiny.sas", .source_text = "model softmax {}\n",
                          .compiler = "sasc test", .compile_seconds = 0.5};
    sasc_task t1, t2;
    softmax_task(&t1, data, out1);
    softmax_task(&t2, data, out2);
    char *messages = NULL;
    CU_ASSERT_EQUAL(run_quietly(&program, &t1, &info, &messages), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "epoch 4/4: train_loss"));
    free(messages);
    CU_ASSERT_EQUAL(run_quietly(&program, &t2, &info, NULL), 0);

    char *m1 = metrics_without_seconds(out1), *m2 = metrics_without_seconds(out2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m2);
    CU_ASSERT_STRING_EQUAL(m1, m2);
    CU_ASSERT_EQUAL(strncmp(m1, "epoch,train_loss,train_accuracy,test_accuracy,learning_rate,sparsity_out\n",
                            strlen("epoch,train_loss,train_accuracy,test_accuracy,learning_rate,sparsity_out\n")), 0);
    int lines = 0;
    for (const char *p = m1; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 1 + 4);
    /* Last row: epoch 4, test accuracy 1, learning rate 2, sparsity 0.25. */
    const char *last = strstr(m1, "\n4,");
    CU_ASSERT_PTR_NOT_NULL_FATAL(last);
    double train_loss, train_accuracy, test_accuracy, lr, sparsity;
    CU_ASSERT_EQUAL(sscanf(last + 3, "%lf,%lf,%lf,%lf,%lf", &train_loss, &train_accuracy,
                           &test_accuracy, &lr, &sparsity), 5);
    CU_ASSERT_EQUAL(test_accuracy, 1.0);
    CU_ASSERT_EQUAL(train_accuracy, 1.0);
    CU_ASSERT(train_loss < 0.3);
    CU_ASSERT_EQUAL(lr, 2.0);
    CU_ASSERT_EQUAL(sparsity, 0.25);
    free(m1);
    free(m2);

    CU_ASSERT_TRUE(same_file(out1, out2, "out.m.npy"));
    CU_ASSERT_TRUE(same_file(out1, out2, "out.pi.npy"));
    CU_ASSERT_TRUE(same_file(out1, out2, "model.sas"));
    char path[8192];
    snprintf(path, sizeof path, "%s/run.json", out1);
    char *json = read_text(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(json);
    CU_ASSERT_EQUAL(json[0], '{');
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"model\": \"softmax\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"task\": \"tiny\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"batch\": 4"));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"optimizer\": \"adam\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"compiler\": \"sasc test\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"name\": \"out\", \"fan_in\": 4, \"width\": 2}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"test_accuracy\": 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"wall_seconds\": "));
    free(json);
    /* metrics, run.json, model.sas, two .npy, checkpoint.sasc and the lock
     * file of the run directory: no temp files */
    CU_ASSERT_EQUAL(count_entries(out1), 7);
    remove_tree(dir);
    free(dir);
}

/* Train `program` (the softmax fixture with a kernel that blows up) until it
 * diverges: the run fails with one message holding `expected`, the metrics
 * header (what was finished) stays, and no checkpoint is written over the
 * last good state. */
static void expect_divergence(sasc_program program, const char *expected)
{
    char *dir = make_temp_dir();
    char data[4096], out[4096];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(out, sizeof out, "%s/run", dir);
    mkdir(data, 0777);
    write_dataset(data, 12, 4, false);
    sasc_task t;
    softmax_task(&t, data, out);
    char *messages = NULL;
    CU_ASSERT_EQUAL(run_quietly(&program, &t, NULL, &messages), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, expected));
    free(messages);
    char path[8192];
    snprintf(path, sizeof path, "%s/metrics.csv", out);
    char *metrics = read_text(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(metrics);
    free(metrics);
    snprintf(path, sizeof path, "%s/checkpoint.sasc", out);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
    remove_tree(dir);
    free(dir);
}

static void test_training_reports_divergence(void)
{
    sasc_program program = softmax_program();
    set_kernel(SASC_KERNEL_TRAIN, nan_train);
    expect_divergence(program,
        "sasc: error: training diverged at epoch 1, step 1: the loss is nan (every parameter is "
        "still finite: the forward pass overflowed on the way to the output layer 'out'); no "
        "epoch finished, so nothing was saved\n");
}

/* A blown-up parameter is named with its layer and the epoch: found by the
 * scan after the epoch (pi) or when the loss turns nan (m). */
static void test_training_names_nonfinite_parameter(void)
{
    sasc_program program = softmax_program();
    set_kernel(SASC_KERNEL_UPDATE, inf_pi_update);
    expect_divergence(program, "training diverged at epoch 1, step 3: a parameter is not "
                      "finite (parameter 'out.pi' of layer 'out' holds inf); no epoch finished");
    set_kernel(SASC_KERNEL_UPDATE, inf_m_update);
    expect_divergence(program, "training diverged at epoch 1, step 2: the loss is nan "
                      "(parameter 'out.m' of layer 'out' holds inf); no epoch finished");
}

/* The scalars `update` saw, in call order. */
static double seen_lr[64], seen_correction1[64], seen_correction2[64];
static int updates_seen;

static void recording_update(void *const *b)
{
    const float *scalars = b[B_SCALARS];
    if (updates_seen < 64) {
        seen_lr[updates_seen] = scalars[SASC_SCALAR_LEARNING_RATE];
        seen_correction1[updates_seen] = scalars[SASC_SCALAR_BIAS_CORRECTION1];
        seen_correction2[updates_seen] = scalars[SASC_SCALAR_BIAS_CORRECTION2];
    }
    updates_seen++;
    softmax_update(b);
}

static void test_training_schedule_and_scalars(void)
{
    char *dir = make_temp_dir();
    char data[4096], out[4096], e[256];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(out, sizeof out, "%s/run", dir);
    mkdir(data, 0777);
    write_dataset(data, 8, 4, false);  /* two steps per epoch */
    sasc_program program = softmax_program();
    set_kernel(SASC_KERNEL_UPDATE, recording_update);
    sasc_task t;
    softmax_task(&t, data, out);
    CU_ASSERT_TRUE(sasc_task_set(&t, "lr_decay", "1", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(&t, "halve_every", "2", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(&t, "shuffle", "false", e, sizeof e));
    updates_seen = 0;
    CU_ASSERT_EQUAL_FATAL(run_quietly(&program, &t, NULL, NULL), 0);
    CU_ASSERT_EQUAL(updates_seen, 8);
    /* lr_e = 2 / (1 + e), halved every 2 epochs: 2, 1, 1/3, 1/4. */
    const double lr[4] = {2, 1, 2.0 / 3 / 2, 0.25};
    for (int u = 0; u < 8; u++) {
        ASSERT_CLOSE(seen_lr[u], lr[u / 2], 1e-6);
        ASSERT_CLOSE(seen_correction1[u], 1 - pow(0.9, u + 1), 1e-6);
        ASSERT_CLOSE(seen_correction2[u], 1 - pow(0.999, u + 1), 1e-6);
    }
    char *metrics = metrics_without_seconds(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(metrics);
    double column[4];
    const char *row = metrics;
    for (int epoch = 0; epoch < 4; epoch++) {
        row = strchr(row, '\n') + 1;
        CU_ASSERT_EQUAL(sscanf(row, "%*d,%*f,%*f,%*f,%lf", &column[epoch]), 1);
        ASSERT_CLOSE(column[epoch], lr[epoch], 1e-8);
    }
    free(metrics);
    remove_tree(dir);
    free(dir);
}

static void test_training_user_errors(void)
{
    char *dir = make_temp_dir();
    char data[4096], out[4096];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(out, sizeof out, "%s/run", dir);
    mkdir(data, 0777);
    write_dataset(data, 3, 4, false);
    sasc_program program = softmax_program();
    sasc_task t;
    softmax_task(&t, data, out);
    char *messages = NULL;
    CU_ASSERT_EQUAL(run_quietly(&program, &t, NULL, &messages), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "fewer than one mini-batch of 4"));
    free(messages);
    char e[256];
    CU_ASSERT_TRUE(sasc_task_set(&t, "train", "8", e, sizeof e));
    CU_ASSERT_EQUAL(run_quietly(&program, &t, NULL, &messages), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "8 samples were asked for"));
    free(messages);
    CU_ASSERT_TRUE(sasc_task_set(&t, "data", "/nonexistent/sasc-data", e, sizeof e));
    CU_ASSERT_EQUAL(run_quietly(&program, &t, NULL, &messages), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "sasc: error: cannot read the data directory "
                                            "/nonexistent/sasc-data: No such file or directory\n"));
    free(messages);
    program.abi_version = 99;
    CU_ASSERT_EQUAL(run_quietly(&program, &t, NULL, &messages), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "ABI version 99"));
    free(messages);
    remove_tree(dir);
    free(dir);
}

/* ---- data-parallel shards (runtime/train/shards.h) ---- */

/* The softmax program compiled for shards of BATCH / 2 rows. */
static sasc_buffer_desc half_batch_buffers[B_COUNT];

static sasc_program half_batch_program(void)
{
    memcpy(half_batch_buffers, SOFTMAX_BUFFERS, sizeof half_batch_buffers);
    const int per_sample[] = {B_X, B_Y, B_OUT, B_NOISE};
    for (size_t k = 0; k < sizeof per_sample / sizeof per_sample[0]; k++)
        half_batch_buffers[per_sample[k]].rows = BATCH / 2;
    sasc_program p = softmax_program();
    p.buffers = half_batch_buffers;
    p.batch = BATCH / 2;
    return p;
}

/* Train loss and test accuracy of the last row of metrics.csv in `dir`. */
static bool last_metrics(const char *dir, double *train_loss, double *test_accuracy)
{
    char *m = metrics_without_seconds(dir);
    const char *last = m ? strstr(m, "\n4,") : NULL;
    double train_accuracy;
    bool ok = last && sscanf(last + 3, "%lf,%lf,%lf", train_loss, &train_accuracy,
                             test_accuracy) == 3;
    free(m);
    return ok;
}

/* Two shards give the same bits with one thread (the shards one after the
 * other) and two, and, as the average of the shards' mean gradients is the
 * whole batch's mean gradient, nearly the numbers of one shard of 4. */
static void test_shards_independent_of_threads(void)
{
    char *dir = make_temp_dir();
    char data[4096], out[3][4096], e[256];
    snprintf(data, sizeof data, "%s/data", dir);
    mkdir(data, 0777);
    write_dataset(data, 40, 10, true);
    sasc_task t[3];
    for (int k = 0; k < 3; k++) {
        snprintf(out[k], sizeof out[k], "%s/run%d", dir, k);
        softmax_task(&t[k], data, out[k]);
    }
    CU_ASSERT_TRUE(sasc_task_set(&t[0], "shards", "2", e, sizeof e));
    CU_ASSERT_TRUE(sasc_task_set(&t[1], "shards", "0", e, sizeof e));   /* automatic: 2 */
    CU_ASSERT_TRUE(sasc_task_set(&t[1], "threads", "2", e, sizeof e));
    sasc_program halves = half_batch_program(), whole = softmax_program();
    softmax_rows = BATCH / 2;
    CU_ASSERT_EQUAL(run_quietly(&halves, &t[0], NULL, NULL), 0);
    CU_ASSERT_EQUAL(run_quietly(&halves, &t[1], NULL, NULL), 0);
    softmax_rows = BATCH;
    CU_ASSERT_EQUAL(run_quietly(&whole, &t[2], NULL, NULL), 0);

    char *m0 = metrics_without_seconds(out[0]), *m1 = metrics_without_seconds(out[1]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m1);
    CU_ASSERT_STRING_EQUAL(m0, m1);
    free(m0);
    free(m1);
    CU_ASSERT_TRUE(same_file(out[0], out[1], "out.m.npy"));
    double loss[3], accuracy[3];
    for (int k = 0; k < 3; k++)
        CU_ASSERT_TRUE_FATAL(last_metrics(out[k], &loss[k], &accuracy[k]));
    CU_ASSERT(fabs(loss[0] - loss[2]) < 1e-5);
    CU_ASSERT_EQUAL(accuracy[0], accuracy[2]);
    char path[8192];
    snprintf(path, sizeof path, "%s/run.json", out[1]);
    char *json = read_text(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(json && strstr(json, "\"batch\": 4,\n  \"shards\": 2,"));
    free(json);

    /* Kernels compiled for 4 rows cannot run shards of 2 (in a new directory:
     * out[0] holds a run, which a new run may not replace without --force). */
    char *messages = NULL;
    snprintf(t[0].out, sizeof t[0].out, "%s/run-whole", dir);
    CU_ASSERT_EQUAL(run_quietly(&whole, &t[0], NULL, &messages), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "compiled for shards of 4 samples, but batch 4 in 2 "
                                            "shards needs shards of 2 samples"));
    free(messages);
    remove_tree(dir);
    free(dir);
}

/* A shard's noise is exactly its rows of the whole step's noise, block by
 * block (odd widths put rows at odd counters), in both precisions, and the
 * whole step's is the one contiguous draw of the buffer. */
static void test_shards_noise_is_the_steps(void)
{
    enum { BLOCKS = 3, STEP = 4, SHARD = 2, WIDTH = 5, STEP_INDEX = 7, EPOCH = 2 };
    const uint64_t seed = 99;
    sasc_precision precisions[2] = {SASC_F64, SASC_F32};
    for (int q = 0; q < 2; q++) {
        sasc_buffer_desc desc = {"eps", SASC_BUFFER_NOISE, 0, SASC_NOT_A_PARAMETER, BLOCKS * STEP,
                                 WIDTH, {0}, false, -1};
        sasc_program whole = {.precision = precisions[q], .batch = STEP, .buffer_count = 1,
                              .buffers = &desc};
        double all[BLOCKS * STEP * WIDTH];
        float all_f32[BLOCKS * STEP * WIDTH];
        sasc_rng_normals(seed, sasc_rng_stream(SASC_STREAM_NOISE, 0, EPOCH),
                         (uint64_t)STEP_INDEX << 32, all, BLOCKS * STEP * WIDTH);
        sasc_rng_normals_f32(seed, sasc_rng_stream(SASC_STREAM_NOISE, 0, EPOCH),
                             (uint64_t)STEP_INDEX << 32, all_f32, BLOCKS * STEP * WIDTH);
        char e[256];
        void **b = sasc_buffers_allocate(&whole, e, sizeof e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        sasc_shards_fill_noise(&whole, b, seed, EPOCH, STEP_INDEX, STEP, 0, 2);
        bool whole_ok = true;
        for (int i = 0; i < BLOCKS * STEP * WIDTH; i++)
            whole_ok = whole_ok && sasc_buffer_get(b[0], precisions[q], (size_t)i) ==
                                   (precisions[q] == SASC_F32 ? (double)all_f32[i] : all[i]);
        CU_ASSERT_TRUE(whole_ok);
        sasc_buffer_desc half = desc;
        half.rows = BLOCKS * SHARD;
        sasc_program shard = whole;
        shard.batch = SHARD;
        shard.buffers = &half;
        void **s = sasc_buffers_allocate(&shard, e, sizeof e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        bool rows_ok = true;
        for (int k = 0; k < STEP / SHARD; k++) {
            sasc_shards_fill_noise(&shard, s, seed, EPOCH, STEP_INDEX, STEP, k * SHARD, 1);
            for (int t = 0; t < BLOCKS; t++)
                for (int r = 0; r < SHARD; r++)
                    for (int c = 0; c < WIDTH; c++)
                        rows_ok = rows_ok &&
                            sasc_buffer_get(s[0], precisions[q], (size_t)((t * SHARD + r) * WIDTH + c)) ==
                            sasc_buffer_get(b[0], precisions[q],
                                            (size_t)((t * STEP + k * SHARD + r) * WIDTH + c));
        }
        CU_ASSERT_TRUE(rows_ok);
        sasc_buffers_free(&shard, s);
        sasc_buffers_free(&whole, b);
    }
}

/* Shard buffers share the ensemble's and own the per-sample ones. */
static void test_shard_buffers_share_parameters(void)
{
    sasc_program p = softmax_program();
    char e[256];
    void **main_buffers = sasc_buffers_allocate(&p, e, sizeof e);
    void **other = sasc_buffers_allocate_shard(&p, main_buffers, e, sizeof e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(main_buffers);
    CU_ASSERT_PTR_NOT_NULL_FATAL(other);
    for (int i = 0; i < B_COUNT; i++) {
        bool shared = i == B_M || i == B_PI || i == B_SCALARS;
        CU_ASSERT_EQUAL(sasc_buffer_role_shared(p.buffers[i].role), shared);
        CU_ASSERT_EQUAL(other[i] == main_buffers[i], shared);
        CU_ASSERT_EQUAL((uintptr_t)other[i] % 64, 0);
    }
    sasc_buffers_free(&p, other);
    sasc_buffers_free(&p, main_buffers);
}

typedef struct {
    int runs[7];
    int region;
    bool in_order;       /* every task saw the region it was run for */
    int seen[7];
} pool_tally;

static void count_task(void *context, int task)
{
    pool_tally *tally = context;
    tally->runs[task]++;
    if (tally->seen[task] != tally->region - 1)
        tally->in_order = false;
    tally->seen[task] = tally->region;
}

/* Every task of every region runs exactly once, before the region returns,
 * with a pool of 1 (no workers), 2 or 3 threads and more tasks than threads. */
static void test_thread_pool_runs_every_task(void)
{
    for (int threads = 1; threads <= 3; threads++) {
        char e[256];
        sasc_thread_pool *pool = sasc_thread_pool_create(threads, e, sizeof e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
        CU_ASSERT_EQUAL(sasc_thread_pool_threads(pool), threads);
        pool_tally tally = {.in_order = true};
        for (int k = 0; k < 7; k++)
            tally.seen[k] = -1;
        for (tally.region = 0; tally.region < 500; tally.region++)
            sasc_thread_pool_run(pool, 7, count_task, &tally);
        sasc_thread_pool_run(pool, 0, count_task, &tally);
        bool all = true;
        for (int k = 0; k < 7; k++)
            all = all && tally.runs[k] == 500;
        CU_ASSERT_TRUE(all);
        CU_ASSERT_TRUE(tally.in_order);
        sasc_thread_pool_destroy(pool);
    }
    sasc_thread_pool_destroy(NULL);
}

/* ---- initialisation ---- */

enum { I_PI, I_M, I_XI, I_MASK, I_ID, I_COUNT };

static void test_initialize_masks_and_inits(void)
{
    enum { R = 20, C = 30 };
    char *dir = make_temp_dir();
    char mask_path[4096], e[512];
    snprintf(mask_path, sizeof mask_path, "%s/mask.npy", dir);
    double half[R * C];
    for (int i = 0; i < R * C; i++)
        half[i] = i < R * C / 2 ? 1.0 : 0.0;  /* 1 keeps a connection */
    CU_ASSERT_TRUE(sasc_npy_write(mask_path, half, SASC_F64, R, C, e, sizeof e));
    sasc_buffer_desc buffers[I_COUNT] = {
        [I_PI] = {"l.pi", SASC_BUFFER_PARAMETER, 0, SASC_PI, R, C, {SASC_INIT_UNIFORM, 0.2, 0.4}, false, I_MASK},
        [I_M] = {"l.m", SASC_BUFFER_PARAMETER, 0, SASC_M, R, C, {SASC_INIT_NORMAL, 1, 0.5}, false, I_MASK},
        [I_XI] = {"l.xi", SASC_BUFFER_PARAMETER, 0, SASC_XI, R, C, {SASC_INIT_CONSTANT, 0.01, 0}, false, I_MASK},
        [I_MASK] = {"l.mask", SASC_BUFFER_MASK, 0, SASC_NOT_A_PARAMETER, R, C, {0}, false, -1},
        [I_ID] = {"r.m", SASC_BUFFER_PARAMETER, 1, SASC_M, C, C, {SASC_INIT_IDENTITY, 3, 0}, false, -1},
    };
    sasc_group_desc groups[2] = {
        {"l", SASC_GROUP_DENSE, 0, R, C, {I_PI, I_M, I_XI}, -1, I_MASK, {SASC_MASK_DENSITY, 0.3, NULL}},
        {"r", SASC_GROUP_DENSE, 1, C, C, {-1, I_ID, -1}, -1, -1, {SASC_MASK_NONE, 0, NULL}},
    };
    sasc_layer_desc layers[2] = {{"l", "dense", "identity", C, false, 0, 1, -1},
                                 {"r", "dense", "identity", C, false, 1, 1, -1}};
    sasc_program p = {.abi_version = SASC_ABI_VERSION, .precision = SASC_F64, .batch = 1,
                      .buffer_count = I_COUNT, .buffers = buffers, .group_count = 2, .groups = groups,
                      .layer_count = 2, .layers = layers};
    for (int round = 0; round < 2; round++) {
        void **b = sasc_buffers_allocate(&p, e, sizeof e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_TRUE_FATAL(sasc_initialize(&p, b, 9, e, sizeof e));
        const double *pi = b[I_PI], *m = b[I_M], *xi = b[I_XI], *mask = b[I_MASK], *id = b[I_ID];
        int kept = 0;
        bool masked_ok = true, kept_ok = true;
        double m_sum = 0;
        for (int i = 0; i < R * C; i++) {
            kept += mask[i] == 1;
            if (mask[i] == 0)
                masked_ok = masked_ok && pi[i] == 1 && m[i] == 0 && xi[i] == 0;
            else {
                kept_ok = kept_ok && pi[i] >= 0.2 && pi[i] < 0.4 && xi[i] == 0.01;
                m_sum += m[i];
            }
        }
        CU_ASSERT_TRUE(masked_ok);
        CU_ASSERT_TRUE(kept_ok);
        if (round == 0) {
            CU_ASSERT(kept > 0.2 * R * C && kept < 0.4 * R * C);  /* density 0.3 */
        } else {
            CU_ASSERT_EQUAL(kept, R * C / 2);  /* the .npy mask */
            CU_ASSERT(fabs(m_sum / kept - 1.0) < 0.1);
        }
        CU_ASSERT_EQUAL(id[0], 3);
        CU_ASSERT_EQUAL(id[C + 1], 3);
        CU_ASSERT_EQUAL(id[1], 0);
        sasc_buffers_free(&p, b);
        groups[0].mask.kind = SASC_MASK_NPY;
        groups[0].mask.path = mask_path;
    }
    /* A mask file of the wrong shape is an error naming the file. */
    groups[0].mask.path = mask_path;
    buffers[I_MASK].rows = R + 1;
    void **b = sasc_buffers_allocate(&p, e, sizeof e);
    CU_ASSERT_FALSE(sasc_initialize(&p, b, 9, e, sizeof e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "has shape (20, 30) but (21, 30) is needed"));
    sasc_buffers_free(&p, b);
    remove_tree(dir);
    free(dir);
}

static void test_buffers_aligned(void)
{
    sasc_program p = softmax_program();
    char e[256];
    void **b = sasc_buffers_allocate(&p, e, sizeof e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    bool aligned_and_zero = true;
    for (int i = 0; i < p.buffer_count; i++) {
        aligned_and_zero = aligned_and_zero && (uintptr_t)b[i] % 64 == 0;
        for (size_t k = 0; k < sasc_buffer_elements(&p, i); k++)
            aligned_and_zero = aligned_and_zero && ((float *)b[i])[k] == 0;
    }
    CU_ASSERT_TRUE(aligned_and_zero);
    sasc_buffers_free(&p, b);
    CU_ASSERT_TRUE(sasc_program_validate(&p, e, sizeof e));
    p.precision = 2;
    CU_ASSERT_FALSE(sasc_program_validate(&p, e, sizeof e));
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite rng = CU_add_suite("rng", NULL, NULL);
    CU_add_test(rng, "Philox4x32-10 known answers", test_philox_known_answers);
    CU_add_test(rng, "normal mean and variance", test_normal_moments);
    CU_add_test(rng, "uniforms in [0, 1)", test_uniform_range);
    CU_add_test(rng, "determinism and streams", test_rng_determinism);
    CU_add_test(rng, "normals match libm's Box-Muller", test_normals_match_libm);
    CU_add_test(rng, "f32 normals: float transform", test_normals_f32);
    CU_add_test(rng, "chunked Philox: full-width keys and counters", test_chunked_philox_full_width);
    CU_pSuite task = CU_add_suite("task", NULL, NULL);
    CU_add_test(task, "defaults", test_task_defaults);
    CU_add_test(task, "every key set and rendered", test_task_set_every_key);
    CU_add_test(task, "bad values rejected", test_task_rejects_bad_values);
    CU_add_test(task, "unknown keys", test_task_unknown_key);
    CU_pSuite idx = CU_add_suite("idx", NULL, NULL);
    CU_add_test(idx, "plain and gzip", test_idx_plain_and_gzip);
    CU_add_test(idx, "dot spelling", test_idx_dot_spelling);
    CU_add_test(idx, "element types", test_idx_element_types);
    CU_add_test(idx, "errors", test_idx_errors);
    CU_add_test(idx, "as a data source: probe, unused splits", test_source_idx_probe);
    CU_add_test(idx, "as a data source: batches, padding, layout, labels", test_source_idx_batches);
    CU_pSuite npy = CU_add_suite("npy", NULL, NULL);
    CU_add_test(npy, "header bytes", test_npy_header_bytes);
    CU_add_test(npy, "round trip", test_npy_round_trip);
    CU_add_test(npy, "other dtypes and orders", test_npy_read_other_dtypes);
    CU_pSuite output = CU_add_suite("output", NULL, NULL);
    CU_add_test(output, "atomic writes", test_atomic_write);
    CU_add_test(output, "devices are never replaced", test_refuses_to_replace_devices);
    CU_add_test(output, "whole files read back", test_read_file);
    CU_add_test(output, "full disk message", test_full_disk_message);
    CU_pSuite init = CU_add_suite("initialize", NULL, NULL);
    CU_add_test(init, "buffers aligned and zeroed", test_buffers_aligned);
    CU_add_test(init, "masks and initialisers", test_initialize_masks_and_inits);
    CU_pSuite train = CU_add_suite("train", NULL, NULL);
    CU_add_test(train, "end to end, reproducible", test_training_end_to_end);
    CU_add_test(train, "divergence", test_training_reports_divergence);
    CU_add_test(train, "non-finite parameter named", test_training_names_nonfinite_parameter);
    CU_add_test(train, "learning-rate schedule and bias corrections", test_training_schedule_and_scalars);
    CU_add_test(train, "user errors", test_training_user_errors);
    CU_pSuite shards = CU_add_suite("shards", NULL, NULL);
    CU_add_test(shards, "the thread pool runs every task once per region", test_thread_pool_runs_every_task);
    CU_add_test(shards, "shard buffers share the ensemble's", test_shard_buffers_share_parameters);
    CU_add_test(shards, "a shard's noise is its rows of the step's", test_shards_noise_is_the_steps);
    CU_add_test(shards, "bits independent of --threads", test_shards_independent_of_threads);
    return testing_run_registry();
}
