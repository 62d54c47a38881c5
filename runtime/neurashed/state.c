/*
 * state.c — the amplification factors and weights of a neurashed model:
 * initial values from the seed, copies (see model.h).
 */
#include "runtime/neurashed/model.h"
#include "runtime/support/rng.h"

#include <stdlib.h>
#include <string.h>

static bool allocate_state(const sasc_neurashed_model *model, sasc_neurashed_state *state)
{
    state->lambda = calloc(model->node_count > 0 ? (size_t)model->node_count : 1, sizeof(double));
    state->eta = calloc(model->eta_count > 0 ? (size_t)model->eta_count : 1, sizeof(double));
    state->iteration = 0;
    if (state->lambda && state->eta)
        return true;
    sasc_neurashed_state_free(state);
    return false;
}

/* values[i] from init[i]: uniform i of the stream (index `which`) scaled into [low, high). */
static void draw(uint64_t seed, uint32_t which, const sasc_neurashed_init *init, int count,
                 double *values)
{
    uint64_t stream = sasc_rng_stream(SASC_STREAM_NEURASHED_INIT, which, 0);
    enum { CHUNK = 64 };   /* even: two uniforms per block, so chunks start on a block */
    double u[CHUNK];
    for (int first = 0; first < count; first += CHUNK) {
        int n = count - first < CHUNK ? count - first : CHUNK;
        sasc_rng_uniforms(seed, stream, (uint64_t)first / 2, u, (size_t)n);
        for (int i = 0; i < n; i++) {
            const sasc_neurashed_init *in = &init[first + i];
            values[first + i] = in->kind == SASC_NEURASHED_UNIFORM
                                    ? in->low + (in->high - in->low) * u[i] : in->low;
        }
    }
}

bool sasc_neurashed_state_init(const sasc_neurashed_model *model, uint64_t seed,
                               sasc_neurashed_state *state)
{
    if (!allocate_state(model, state))
        return false;
    draw(seed, 0, model->lambda_init, model->node_count, state->lambda);
    for (int n = 0; n < model->node_count; n++)
        if (model->node_class[n] >= 0)
            state->lambda[n] = 0;   /* top nodes have no amplification factor */
    draw(seed, 1, model->eta_init, model->eta_count, state->eta);
    return true;
}

bool sasc_neurashed_state_copy(const sasc_neurashed_model *model, const sasc_neurashed_state *from,
                               sasc_neurashed_state *to)
{
    if (!allocate_state(model, to))
        return false;
    memcpy(to->lambda, from->lambda, (size_t)model->node_count * sizeof(double));
    memcpy(to->eta, from->eta, (size_t)model->eta_count * sizeof(double));
    to->iteration = from->iteration;
    return true;
}

void sasc_neurashed_state_free(sasc_neurashed_state *state)
{
    free(state->lambda);
    free(state->eta);
    state->lambda = state->eta = NULL;
}
