/*
 * ir_fixtures.h — what the IR, autodiff and optimiser tests share: small
 * hand-built models (the front end is not needed to lower a model_spec), a
 * reproducible random source, and buffer storage for the interpreter.
 */
#ifndef SASC_IR_FIXTURES_H
#define SASC_IR_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include "compiler/ir/ir.h"
#include "compiler/check/model.h"

#define FIXTURE_MAX_LAYERS 4

/* A model_spec and its task, owning everything they point at. Layer i is
 * named "h<i+1>" and reads layer i-1 (the first reads the input "x"); every
 * parameter starts learnable, with constant priors pi 0.2, m 0.1, Xi 0.05. */
typedef struct {
    model_spec model;
    layer_spec layers[FIXTURE_MAX_LAYERS];
    sasc_task task;
} fixture;

void fixture_init(fixture *fx, int input_width, const int *widths, int layer_count,
                  activation_kind hidden, loss_kind loss, int batch, int precision);

/* pi and Xi frozen at 0: the layer becomes deterministic. */
void fixture_make_deterministic(fixture *fx, int layer);

/* Lower fx, asserting success (CUnit) and that the program verifies. */
bool fixture_lower(const fixture *fx, ir_program *p);

/* ---- random numbers (splitmix64: the same sequence on every machine) ---- */

typedef struct { uint64_t state; } fixture_rng;

double fixture_uniform(fixture_rng *rng, double low, double high);

/* ---- buffers for the interpreter ---- */

/* One zero-filled allocation per buffer of `p`, in its precision. */
void **fixture_buffers_new(const ir_program *p);
void fixture_buffers_free(const ir_program *p, void **buffers);

int fixture_find_buffer(const ir_program *p, const char *name);

/* Element access in the program's precision. */
double fixture_get(const ir_program *p, void **buffers, int buffer, int index);
void fixture_set(const ir_program *p, void **buffers, int buffer, int index, double value);

/* Every element of `buffer` uniform in [low, high]. */
void fixture_fill(const ir_program *p, void **buffers, int buffer, fixture_rng *rng,
                  double low, double high);

/* One-hot rows (a random class per sample). */
void fixture_fill_one_hot(const ir_program *p, void **buffers, int buffer, fixture_rng *rng);

/* Interpret `f`, asserting success; returns whether it succeeded. */
bool fixture_run(const ir_program *p, const ir_function *f, void **buffers);

/* The parameters, noise, input and targets of a generic random gBP setting:
 * pi in (0.05, 0.95), m in (-1, 1), Xi in (0.05, 0.5), eps in (-2, 2);
 * frozen parameters get their constant prior value (0 for other priors). */
void fixture_randomise(const ir_program *p, void **buffers, fixture_rng *rng, loss_kind loss);

void register_ir_tests(void);
void register_autodiff_tests(void);
void register_paper_gradient_tests(void);
void register_optimizer_tests(void);
void register_layer_kind_tests(void);

#endif
