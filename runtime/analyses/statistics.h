/*
 * statistics.h — what an ensemble's parameters say, group by group:
 * sparsity, entropy (total, pi-part, Xi-part), the fractions of very
 * important (VIP) and unimportant (UIP) connections, and for recurrent
 * groups (SASC_GROUP_RECURRENT, never a group that is merely square) the
 * sparsity of the links i < j and i > j. The analyses of registry.h build
 * their tables and figures from these.
 *
 * VIP / UIP (gbp PRL, Fig. 4; gbptt Fig. 17):
 *   strict rule:  VIP  pi <= tol and Xi <= tol   (the authors' code: pi == 0, Xi == 0)
 *   relaxed rule: VIP  pi < vip_pi_max and |m| > vip_m_min  (gbptt Fig. 17: 0.1, 0.05)
 *   either rule:  UIP  pi >= 1 - tol
 * tol = vip_tolerance, 0 by default: training clips pi to [0, 1] and Xi to
 * >= 0, so the exact values occur.
 */
#ifndef SASC_STATISTICS_H
#define SASC_STATISTICS_H

#include "runtime/ensemble/sampling.h"
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SASC_CONNECTION_OTHER,
    SASC_CONNECTION_VIP,
    SASC_CONNECTION_UIP
} sasc_connection_class;

/* The class of one connection under the task's rule. */
sasc_connection_class sasc_classify_connection(const sasc_task *task, double pi, double m,
                                               double xi);

typedef struct {
    size_t connections;
    double sparsity;                       /* mean pi */
    double entropy, entropy_pi, entropy_xi;/* means per connection */
    double vip, uip;                       /* fractions of the connections */
    /* Recurrent groups: mean pi of w_ij with i < j and with i > j, w_ij the
     * link from unit j to unit i (gbptt Fig. 3b "recurrent I, II"); NaN for
     * every other group. */
    double sparsity_i_lt_j, sparsity_i_gt_j;
} sasc_group_statistics;

/* The two triangle sparsities of a fan_in x width pi matrix (stored with
 * the source unit j as the row and the target i as the column); NaN unless
 * fan_in == width > 1. */
void sasc_triangle_sparsity(const double *pi, int fan_in, int width, double *i_lt_j,
                            double *i_gt_j);

/* Statistics of n connections from their parameters (doubles; a NULL array
 * counts as all zeros). Entropy by `formula` (gbp Eq. 8 or gbptt Eq. 14,
 * not AUTO) with the task's B and a, seed the task's seed; `per_connection`
 * (NULL or 3 arrays) receives the per-connection entropy total, pi-part and
 * Xi-part. The triangle sparsities are NaN. */
bool sasc_connection_statistics(const sasc_task *task, sasc_entropy_formula formula,
                                const double *pi, const double *m, const double *xi, size_t n,
                                sasc_group_statistics *stats, double *const per_connection[3],
                                char *error, size_t error_size);

/* The statistics of group `group` of `program`, triangle sparsities
 * included when it is a recurrent group, with the formula the task's
 * entropy_formula means for the program (sasc_entropy_formula_of_program). */
bool sasc_group_statistics_compute(const sasc_program *program, const sasc_task *task,
                                   const sasc_parameter_copy *copy, int group,
                                   sasc_group_statistics *stats, double *const per_connection[3],
                                   char *error, size_t error_size);

/* Statistics of every group of the parameters in `copy`; stats has
 * program->group_count entries. */
bool sasc_network_statistics(const sasc_program *program, const sasc_task *task,
                             const sasc_parameter_copy *copy, sasc_group_statistics *stats,
                             char *error, size_t error_size);

/* Every group's statistics with its per-connection entropy:
 * values[group][part] (part 0 total, 1 pi-part, 2 Xi-part). */
typedef struct {
    double *(*values)[3];
    sasc_group_statistics *stats;
    int group_count;
} sasc_network_entropy;

bool sasc_network_entropy_compute(const sasc_program *program, const sasc_task *task,
                                  const sasc_parameter_copy *copy, sasc_network_entropy *e,
                                  char *error, size_t error_size);
void sasc_network_entropy_free(sasc_network_entropy *e);

/* Fraction of zero weights and eta = mean(w_ij w_ji) / mean(w_ij^2) over the
 * reciprocal pairs i != j of the n x n matrix w (w_ij at w[j * n + i]). */
void sasc_reciprocity(const double *w, size_t n, double *zero_fraction, double *eta);

/* Connections of group `group` (fan_in x width). */
size_t sasc_group_connections(const sasc_program *program, int group);

/* Whether the program has a group of `kind`. */
bool sasc_program_has_group(const sasc_program *program, sasc_group_kind kind);

#endif
