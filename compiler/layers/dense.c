/*
 * dense.c — the dense layer kind: one spike-and-slab connection group from
 * its source to its units (gBP paper Eqs. 2-3, lower/group.c):
 *   z = s h . mu + eps sqrt(s^2 h^2 . var),   h' = activation(z),
 * with s = 1/sqrt(fan_in) unless `scale = none`. It reads one value per
 * sample or a sequence; reading a sequence it is applied at every step
 * (its own noise drawn for every step), or with `at = last` to the last
 * step only, giving one value per sample.
 */
#include "compiler/lower/lower_context.h"

enum { DENSE_NOISE };   /* its buffers, in lower_layer.own */

static const layer_group groups[] = {
    { .suffix = "", .prefix = "", .kind = SASC_GROUP_DENSE, .square = false, .trained_by_gradient = true },
};

/* Its noise comes right after its group (where the first versions put it:
 * the runtime numbers noise streams by buffer index). */
static void add_buffers(lower_context *c, int layer)
{
    c->layers[layer].own[DENSE_NOISE] = lower_add_group_noise(c, layer, 0);
}

static int forward(lower_context *c, int layer, int input)
{
    return lower_single_group_preactivation(c, layer, input, c->layers[layer].own[DENSE_NOISE]);
}

const layer_kind layer_kind_dense = {
    .name = "dense",
    .groups = groups, .group_count = 1,
    .reads_sequence = false, .carries_state = false, .at = LAYER_AT_EVERY_STEP,
    .scales_by_fan_in = true, .default_activation = ACTIVATION_IDENTITY, .elementwise_activation = false,
    .add_buffers = add_buffers, .forward = forward,
};
