/*
 * forward.c — firing, scores and logits of a neurashed model, and what the
 * patterns' pathways reach (see model.h).
 */
#include "runtime/neurashed/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sasc_neurashed_pattern_input(const sasc_neurashed_model *model,
                                  const sasc_neurashed_pattern *pattern, unsigned char *input)
{
    memset(input, 0, (size_t)model->node_count);
    for (int i = 0; i < pattern->count; i++)
        input[pattern->nodes[i]] = 1;
}

void sasc_neurashed_fire(const sasc_neurashed_model *model, const unsigned char *input,
                         unsigned char *fire)
{
    int top = model->levels - 1;
    for (int i = 0; i < model->node_count; i++) {   /* level by level: dependents come first */
        int n = model->order[i];
        if (model->level[n] == 0) {
            fire[n] = input[n] != 0;
        } else if (model->level[n] == top) {
            fire[n] = 0;
        } else {
            int firing = 0;
            for (int d = model->dependent_start[n]; d < model->dependent_start[n + 1]; d++)
                firing += fire[model->dependents[d]];
            fire[n] = firing >= model->threshold[n];
        }
    }
}

void sasc_neurashed_pathway(const sasc_neurashed_model *model, const sasc_neurashed_pattern *pattern,
                            unsigned char *fire)
{
    sasc_neurashed_pattern_input(model, pattern, fire);
    sasc_neurashed_fire(model, fire, fire);   /* in place: a node reads only lower levels */
    fire[model->class_node[pattern->label]] = 1;
}

void sasc_neurashed_scores(const sasc_neurashed_model *model, const sasc_neurashed_state *state,
                           const unsigned char *fire, double *scores)
{
    int top = model->levels - 1;
    for (int i = 0; i < model->node_count; i++) {
        int n = model->order[i];
        if (!fire[n] || model->level[n] == top) {
            scores[n] = 0;
        } else if (model->level[n] == 0) {
            scores[n] = state->lambda[n];
        } else {
            double sum = 0;
            for (int d = model->dependent_start[n]; d < model->dependent_start[n + 1]; d++)
                sum += scores[model->dependents[d]];
            scores[n] = state->lambda[n] * sum;
        }
    }
}

void sasc_neurashed_logits(const sasc_neurashed_model *model, const sasc_neurashed_state *state,
                           const double *scores, double *logits)
{
    for (int j = 0; j < model->classes; j++) {
        double z = 0;
        for (int i = model->eta_start[j]; i < model->eta_start[j + 1]; i++)
            z += state->eta[i] * scores[model->eta_from[i]];
        logits[j] = z;
    }
}

void sasc_neurashed_softmax(const double *logits, int classes, double *p)
{
    double top = -INFINITY, sum = 0;
    for (int j = 0; j < classes; j++)
        top = fmax(top, logits[j]);
    for (int j = 0; j < classes; j++)
        sum += p[j] = exp(logits[j] - top);
    for (int j = 0; j < classes; j++)
        p[j] /= sum;
}

void sasc_neurashed_pattern_logits(const sasc_neurashed_model *model,
                                   const sasc_neurashed_state *state,
                                   const sasc_neurashed_pattern *pattern, unsigned char *fire,
                                   double *scores, double *logits)
{
    sasc_neurashed_pathway(model, pattern, fire);
    sasc_neurashed_scores(model, state, fire, scores);
    sasc_neurashed_logits(model, state, scores, logits);
}

/* Does the pathway `fire` reach a dependent of class j? */
static bool reaches_class(const sasc_neurashed_model *model, const unsigned char *fire, int j)
{
    for (int i = model->eta_start[j]; i < model->eta_start[j + 1]; i++)
        if (fire[model->eta_from[i]])
            return true;
    return false;
}

void sasc_neurashed_check_pathways(const sasc_neurashed_model *model,
                                   const sasc_neurashed_patterns *patterns,
                                   sasc_neurashed_problems *problems)
{
    size_t n = (size_t)model->node_count;
    unsigned char *fire = malloc(n > 0 ? n : 1), *ever = calloc(n > 0 ? n : 1, 1);
    if (!fire || !ever) {
        problems->out_of_memory = true;
        free(fire);
        free(ever);
        return;
    }
    for (int p = 0; p < patterns->count; p++) {
        const sasc_neurashed_pattern *pattern = &patterns->items[p];
        sasc_neurashed_pathway(model, pattern, fire);
        for (size_t i = 0; i < n; i++)
            ever[i] |= fire[i];
        if (!reaches_class(model, fire, pattern->label)) {
            sasc_neurashed_problem where = {SASC_NEURASHED_MISSES_CLASS, false,
                                            model->class_node[pattern->label], -1, -1, p, -1, ""};
            sasc_neurashed_report(problems, where, "the pathway of pattern %d fires no dependent "
                                  "of its class %d (node %d), so that class's logit is always 0 "
                                  "for it", p, pattern->label, model->class_node[pattern->label]);
        }
    }
    for (int node = 0; node < model->node_count; node++)
        if (!ever[node] && model->node_class[node] < 0) {
            sasc_neurashed_problem where = {SASC_NEURASHED_NEVER_ON_A_PATHWAY, true, node, -1, -1,
                                            -1, model->level[node], ""};
            sasc_neurashed_report(problems, where, "no pattern fires node %d (level %d): its "
                                  "amplification factor only ever shrinks", node, model->level[node]);
        }
    free(fire);
    free(ever);
}
