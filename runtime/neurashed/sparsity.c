/*
 * sparsity.c — sparsity of learned pathways (see sparsity.h).
 */
#include "runtime/neurashed/sparsity.h"

#include <math.h>

static bool counted(const sasc_neurashed_model *model, int node, int level)
{
    return model->node_class[node] < 0 && (level < 0 || model->level[node] == level);
}

sasc_neurashed_sparsity sasc_neurashed_sparsity_of(const sasc_neurashed_model *model,
                                                   const sasc_neurashed_state *state, int level,
                                                   double fraction)
{
    sasc_neurashed_sparsity out = {0, 0, 0};
    double top = 0, sum = 0, squares = 0;
    for (int n = 0; n < model->node_count; n++)
        if (counted(model, n, level)) {
            double l = state->lambda[n];
            out.nodes++;
            top = fmax(top, l);
            sum += l;
            squares += l * l;
        }
    if (out.nodes == 0 || !(top > 0))
        return out;
    int above = 0;
    for (int n = 0; n < model->node_count; n++)
        if (counted(model, n, level))
            above += state->lambda[n] > fraction * top;
    out.share_above = (double)above / out.nodes;
    out.participation_ratio = sum * sum / (out.nodes * squares);
    return out;
}
