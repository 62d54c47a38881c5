/*
 * readout.c — the readout layer kind: the output connections of a
 * recurrent network (gBPTT paper Eq. 1), z = G_out + eps_out Delta_out, one
 * SaS group read without fan-in scaling (initial values carry the scale).
 * It reads a sequence: at its last step (`at = last`, the default; one
 * value per sample) or at every step (`at = every`; a sequence).
 */
#include "compiler/lower/lower_context.h"

enum { READOUT_NOISE };   /* its buffers, in lower_layer.own */

static const layer_group groups[] = {
    { .suffix = "", .prefix = "", .kind = SASC_GROUP_READOUT, .square = false, .trained_by_gradient = true },
};

/* Its noise comes after every gradient (where the first recurrent programs
 * had it: the runtime numbers noise streams by buffer index). */
static void add_step_buffers(lower_context *c, int layer)
{
    c->layers[layer].own[READOUT_NOISE] = lower_add_group_noise(c, layer, 0);
}

static int forward(lower_context *c, int layer, int input)
{
    return lower_single_group_preactivation(c, layer, input, c->layers[layer].own[READOUT_NOISE]);
}

const layer_kind layer_kind_readout = {
    .name = "readout",
    .groups = groups, .group_count = 1,
    .reads_sequence = true, .carries_state = false, .at = LAYER_AT_LAST_STEP,
    .scales_by_fan_in = false, .default_activation = ACTIVATION_IDENTITY, .elementwise_activation = false,
    .add_step_buffers = add_step_buffers, .forward = forward,
};
