/*
 * sasc_runtime.h — the one interface between generated kernels and the runtime.
 *
 * The compiler knows the runtime only through this header; the runtime never
 * includes anything from compiler/ or grammar/, nor LLVM, because it is what a
 * standalone executable links against.
 *
 * A compiled model is a `sasc_program`: a table of buffers (every tensor the
 * kernels read or write, with its static shape and role), the model's layers
 * and their connection groups (each group with its kind and owning layer),
 * and a table of kernels, each with its role.
 * Every kernel has the signature `void kernel(void *const *buffers)`: it
 * receives the array of buffer base pointers indexed exactly as the table, so
 * the runtime owns all memory and kernels never allocate.
 *
 * Invariants:
 *  - every buffer is a dense row-major matrix of rows x cols elements of the
 *    program's precision (float for SASC_F32, double for SASC_F64);
 *  - buffers are allocated by the runtime, 64-byte aligned, zero-filled;
 *  - `train` reads INPUT, TARGET, NOISE, LOSS_MASK and the parameters, and
 *    writes OUTPUT, LOSS, the GRADIENTs and TEMPORARY buffers;
 *  - `update` reads the GRADIENTs and SCALARS and updates PARAMETERs and
 *    OPTIMIZER_STATE in place (frozen and masked entries untouched, pi
 *    clipped to [0,1], Xi to >= 0);
 *  - `predict` reads INPUT, NOISE and the parameters and writes OUTPUT (and
 *    TEMPORARY buffers, and the PREACTIVATION_MEAN/VARIANCE moments of the
 *    layers with one value per sample); it never touches gradients or
 *    optimiser state;
 *  - `predict_dynamic` (when the program has one) is `predict` with the STEP_WEIGHTS
 *    buffers in place of the mean-field moments: a concrete network whose
 *    weights change at every time step (no eps noise; the recurrent and
 *    input noise as in `predict`).
 *  - `trials` (ABI version 3) is NULL unless the program's task trains on
 *    a trial-structured task declared in the .sas file (`data =
 *    trials(NAME)`); the kernels never read it, only the data source
 *    "trials" does (runtime/data/trials.h). Its tables are constant and
 *    outlive the program, like the other tables.
 */
#ifndef SASC_RUNTIME_H
#define SASC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SASC_ABI_VERSION 4   /* 3: sasc_program.trials; 4: PREACTIVATION_MEAN/VARIANCE buffers */

typedef enum { SASC_F32 = 4, SASC_F64 = 8 } sasc_precision;

/* What a buffer holds; the runtime fills or reads buffers by role. */
typedef enum {
    SASC_BUFFER_INPUT,            /* [batch, input width]: one sample per row */
    SASC_BUFFER_TARGET,           /* [batch, classes]: one-hot labels */
    SASC_BUFFER_NOISE,            /* [batch, width] fed by group `group`: N(0,1), quenched per mini-batch */
    SASC_BUFFER_PARAMETER,        /* [fan in, width] of group `group`; `parameter` says pi, m or Xi */
    SASC_BUFFER_GRADIENT,         /* same shape as its parameter: d loss / d parameter */
    SASC_BUFFER_OPTIMIZER_STATE,  /* same shape as its parameter (Adam moments, RMSprop average) */
    SASC_BUFFER_MASK,             /* same shape as its parameters: 1 = connection may exist, 0 = absent */
    SASC_BUFFER_OUTPUT,           /* [batch, classes]: the network's output (probabilities) */
    SASC_BUFFER_LOSS,             /* [1, 1]: mean loss over the mini-batch, regularisation included */
    SASC_BUFFER_SCALARS,          /* [1, SASC_SCALAR_COUNT]: per-step values set by the runtime */
    SASC_BUFFER_TEMPORARY,        /* intermediate values; contents meaningless between kernel calls */
    SASC_BUFFER_LOSS_MASK,        /* same shape as TARGET: 1 where a target counts in the loss, else 0
                                     (sequence targets, e.g. the MSI stimulus period is 0) */
    SASC_BUFFER_STATE,            /* [(blocks + 1) batch, units] of a recurrent layer: block t holds the
                                     hidden states h(t) of the batch (block 0 = h0), written by `train`
                                     and `predict` like a TEMPORARY; after `predict` the runtime may read
                                     it (appended in ABI version 1: older programs simply lack it) */
    SASC_BUFFER_STEP_WEIGHTS,     /* [blocks fan_in, width] of a recurrent program's group `group`: block t
                                     holds the concrete weights w (units of m, before the mask) of time
                                     step t of the network resampled at every step; read only by
                                     `predict_dynamic`, filled by the runtime (sampled networks, draw
                                     per step); absent for deterministic groups (appended in ABI
                                     version 1: older programs simply lack it) */
    SASC_BUFFER_PREACTIVATION_MEAN,     /* [batch, width] of group `group`'s layer: G = s h . mu, the mean
                                           of its pre-activation given the input, as the last `predict`
                                           computed it (the eps-free part of z = G + eps Delta); only
                                           layers with one value per sample (no time axis), and only
                                           `predict` writes it (ABI version 4) */
    SASC_BUFFER_PREACTIVATION_VARIANCE  /* the same layer's Delta^2 = s^2 h^2 . (rho - mu^2), its
                                           variance given the input; absent for a deterministic group
                                           (Delta = 0) (ABI version 4) */
} sasc_buffer_role;

/* Which hyper-parameter of a connection group a parameter-shaped buffer is about. */
typedef enum { SASC_PI = 0, SASC_M = 1, SASC_XI = 2, SASC_NOT_A_PARAMETER = -1 } sasc_parameter;

/* Layout of the SCALARS buffer, written by the runtime before each `update`. */
enum {
    SASC_SCALAR_LEARNING_RATE = 0,  /* current learning rate (after decay / schedule) */
    SASC_SCALAR_BIAS_CORRECTION1,   /* 1 - beta1^t (Adam), t = update count from 1 */
    SASC_SCALAR_BIAS_CORRECTION2,   /* 1 - beta2^t (Adam) */
    SASC_SCALAR_COUNT
};

/* How the runtime initialises a parameter buffer before training. */
typedef enum {
    SASC_INIT_CONSTANT,   /* every entry a */
    SASC_INIT_NORMAL,     /* N(mean a, standard deviation b) */
    SASC_INIT_UNIFORM,    /* U(a, b) */
    SASC_INIT_IDENTITY,   /* a on the diagonal, 0 elsewhere (square matrices) */
    SASC_INIT_ZEROS       /* 0 */
} sasc_init_kind;

typedef struct {
    sasc_init_kind kind;
    double a, b;
} sasc_init;

typedef struct {
    const char *name;        /* unique, e.g. "h1.pi", "h1.pi.grad", "h1.pi.adam1", "x" */
    sasc_buffer_role role;
    int group;               /* index into the program's groups, or -1 */
    sasc_parameter parameter;/* for PARAMETER/GRADIENT/OPTIMIZER_STATE/MASK-related buffers */
    int rows, cols;
    sasc_init init;          /* PARAMETER buffers: how to initialise */
    bool frozen;             /* PARAMETER buffers: never updated */
    int mask_buffer;         /* PARAMETER buffers: index of the group's MASK buffer, or -1 */
} sasc_buffer_desc;

/* Masks: how the runtime fills a MASK buffer (1 keeps a connection). */
typedef enum {
    SASC_MASK_NONE,
    SASC_MASK_DENSITY,    /* each connection kept with probability `density`, from the seed */
    SASC_MASK_NPY         /* read from the .npy file `path` (any numeric dtype, same shape) */
} sasc_mask_kind;

typedef struct {
    sasc_mask_kind kind;
    double density;
    const char *path;
} sasc_mask;

/* What a parameter group's connections are: analyses choose the groups they
 * apply to by kind, never by shape (a square dense group is not recurrent). */
typedef enum {
    SASC_GROUP_DENSE,            /* fan_in x width connections of a dense layer into its units */
    SASC_GROUP_RECURRENT_INPUT,  /* a recurrent layer's input connections: inputs x units */
    SASC_GROUP_RECURRENT,        /* a recurrent layer's units x units connections, row i -> column j
                                    (self-connections on the diagonal): direction, reciprocity and
                                    the i < j / i > j halves are meaningful */
    SASC_GROUP_READOUT,          /* the units x outputs readout of a recurrent layer */
    SASC_GROUP_KIND_COUNT
} sasc_group_kind;

/* A connection group: one SaS parameter matrix (pi, m, Xi of fan_in x width
 * connections), owned by one layer. */
typedef struct {
    const char *name;        /* e.g. "h1", or "h.in" and "h" for the two groups of recurrent h */
    sasc_group_kind kind;
    int layer;               /* index into the program's layers: the layer that owns it */
    int fan_in, width;
    int parameter_buffer[3]; /* indexed by sasc_parameter: pi, m, Xi */
    int noise_buffer;        /* the eps of the pre-activation this group feeds, or -1 when deterministic */
    int mask_buffer;         /* or -1 */
    sasc_mask mask;
} sasc_group_desc;

/* A layer of the model as the .sas file declares it. Its groups are
 * groups[first_group .. first_group + group_count - 1]. */
typedef struct {
    const char *name;        /* the layer's name in the .sas file */
    const char *kind;        /* the layer kind: "dense", "recurrent", "readout", ... */
    const char *activation;  /* "relu", "tanh", "sigmoid", "softmax", "identity" (figure labels) */
    int width;               /* units */
    bool per_step;           /* its value is a sequence (one per time step), not one value */
    int first_group, group_count;
    int state_buffer;        /* its STATE buffer (recurrent layers), or -1 */
} sasc_layer_desc;

typedef void (*sasc_kernel)(void *const *buffers);
/* A kernel that does part `part` of `parts` of its work (update_part). */
typedef void (*sasc_part_kernel)(void *const *buffers, int part, int parts);

/* What a kernel does; a program lists the kernels it has (sasc_program_kernel). */
typedef enum {
    SASC_KERNEL_TRAIN,            /* forward + loss + backward */
    SASC_KERNEL_UPDATE,           /* optimiser step + clipping */
    SASC_KERNEL_PREDICT,          /* forward only */
    SASC_KERNEL_PREDICT_DYNAMIC,  /* forward only, every step with its own weights from the
                                     STEP_WEIGHTS buffers (groups without one read m); programs
                                     with a time loop only */
    SASC_KERNEL_UPDATE_PART,      /* a sasc_part_kernel: `update` restricted to part `part`
                                     (0 <= part < parts) of every buffer it touches: each of its
                                     elementwise loops over n elements runs only elements
                                     [sasc_part_boundary(n, part, parts), sasc_part_boundary(n,
                                     part + 1, parts)). Present only when `update` is purely
                                     elementwise (every element of every buffer depends on the same
                                     element of the others and on SCALARS alone), so calling it for
                                     parts 0 .. parts - 1, in any order or at the same time on
                                     different threads, gives the same bits as one `update`;
                                     otherwise the runtime calls `update` */
    SASC_KERNEL_ROLE_COUNT
} sasc_kernel_role;

typedef struct {
    sasc_kernel_role role;
    const char *symbol;      /* its symbol in generated code, e.g. "sasc_train" */
    sasc_kernel run;         /* every role but SASC_KERNEL_UPDATE_PART */
    sasc_part_kernel run_part; /* SASC_KERNEL_UPDATE_PART */
} sasc_kernel_desc;

/* ---- Trial-structured tasks (`trials NAME { ... }`, docs/language.md) ----
 *
 * The checker compiles the declaration into these plain tables; the data
 * source "trials" (runtime/data/trials.c) draws and lays out trials from
 * them. Every expression of the declaration (an input or target value of a
 * period, the label) is a postfix program over a stack of doubles:
 * code[expressions[e] .. expressions[e + 1]) for expression e. Invariants
 * the checker guarantees: every program leaves exactly one value and needs
 * at most SASC_TRIAL_STACK values of stack; VARIABLE indices are < the
 * variable count; NOISE indices are < noise_count and each occurs once;
 * NOISE occurs only in input expressions; a period's `inputs` (`targets`) is
 * -1 or the first of `trials->inputs` (`->targets`) consecutive
 * expressions, one per value of a step. */
enum { SASC_TRIAL_STACK = 256, SASC_TRIAL_MAX = 64 };   /* variable_count, period_count <=
                                                           SASC_TRIAL_MAX; noise_count <=
                                                           SASC_TRIAL_STACK */

typedef enum {
    SASC_TRIAL_PUSH,        /* push `value` */
    SASC_TRIAL_VARIABLE,    /* push the trial's value of variable `index` */
    SASC_TRIAL_NOISE,       /* pop sd, mean; push mean + sd n, n ~ N(0,1) drawn for (trial, step,
                               `index`) */
    SASC_TRIAL_NEGATE,      /* negate the top */
    SASC_TRIAL_ADD, SASC_TRIAL_SUBTRACT, SASC_TRIAL_MULTIPLY, SASC_TRIAL_DIVIDE,
    SASC_TRIAL_LESS, SASC_TRIAL_GREATER, SASC_TRIAL_EQUAL, SASC_TRIAL_NOT_EQUAL
                            /* pop b, a; push a op b (comparisons push 1 or 0) */
} sasc_trial_op;

typedef struct {
    sasc_trial_op op;
    int index;
    double value;
} sasc_trial_code;

/* A variable drawn once per trial. */
typedef struct {
    const char *name;
    int level_count;                 /* > 0: one of `levels`, each equally likely; 0: uniform in
                                        [low, high) */
    const double *levels;
    const char *const *level_names;  /* named levels (modality = one_of(visual, ...)): level k is
                                        the number k; NULL for numeric levels */
    double low, high;
} sasc_trial_variable;

enum { SASC_TRIAL_TRAIN, SASC_TRIAL_TEST, SASC_TRIAL_SPLITS };

/* A period of a trial: its duration in steps, at least steps[split][0] and
 * at most steps[split][1] (equal: a fixed duration); the last period of a
 * trial also runs to the end of the trial's steps. */
typedef struct {
    const char *name;
    int steps[SASC_TRIAL_SPLITS][2];
    int inputs, targets;             /* first expression of its inputs / targets; -1: all zero */
    bool loss;                       /* its steps count in the loss (LOSS_MASK 1) */
} sasc_trial_period;

typedef struct {
    const char *name;                /* the declaration's name */
    int variable_count;
    const sasc_trial_variable *variables;
    int period_count;
    const sasc_trial_period *periods;
    int inputs, targets;             /* values per step */
    int classes;                     /* labels are 0 .. classes - 1 */
    int label;                       /* the expression of a trial's class */
    int expression_count;
    const int *expressions;          /* expression_count + 1 offsets into code */
    int code_count;
    const sasc_trial_code *code;
    int noise_count;                 /* NOISE draws per step */
    long count[SASC_TRIAL_SPLITS];   /* trials per split when the task's train / test is 0 */
} sasc_trials;

typedef struct {
    int abi_version;               /* SASC_ABI_VERSION */
    const char *model_name;
    sasc_precision precision;
    int batch;                     /* every kernel processes exactly this many samples */
    int input_width, classes;
    int buffer_count;
    const sasc_buffer_desc *buffers;
    int group_count;
    const sasc_group_desc *groups;
    int layer_count;
    const sasc_layer_desc *layers;
    int kernel_count;              /* at most one kernel per role */
    const sasc_kernel_desc *kernels;
    int input_buffer, target_buffer, output_buffer, loss_buffer, scalars_buffer;
    const sasc_trials *trials;     /* the task's declared trials, or NULL (ABI version 3) */
} sasc_program;

/* The program's kernel of `role`, or NULL when it has none. */
static inline const sasc_kernel_desc *sasc_program_find_kernel(const sasc_program *p, sasc_kernel_role role)
{
    for (int k = 0; k < p->kernel_count; k++)
        if (p->kernels[k].role == role)
            return &p->kernels[k];
    return (const sasc_kernel_desc *)0;
}

static inline sasc_kernel sasc_program_kernel(const sasc_program *p, sasc_kernel_role role)
{
    const sasc_kernel_desc *k = sasc_program_find_kernel(p, role);
    return k ? k->run : (sasc_kernel)0;
}

static inline sasc_part_kernel sasc_program_part_kernel(const sasc_program *p, sasc_kernel_role role)
{
    const sasc_kernel_desc *k = sasc_program_find_kernel(p, role);
    return k ? k->run_part : (sasc_part_kernel)0;
}

/* The first element of part k of n elements split into `parts` parts
 * (0 <= k <= parts): n k / parts rounded up to a multiple of
 * SASC_PART_ALIGNMENT elements (64 bytes of f32, so vector loops start
 * aligned), at most n. Monotone in k, 0 at k = 0 and n at k = parts; the
 * same for every buffer of n elements, so a runtime loop over an element
 * range (the gradient average) and `update_part` agree on who owns what. */
enum { SASC_PART_ALIGNMENT = 16 };
static inline size_t sasc_part_boundary(size_t n, int k, int parts)
{
    size_t share = n * (size_t)k / (size_t)parts;
    size_t up = (share + SASC_PART_ALIGNMENT - 1) / SASC_PART_ALIGNMENT * SASC_PART_ALIGNMENT;
    return up < n ? up : n;
}

/* ---- Routines generated code may call (generic work only). ---- */

/* Row-major C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
 * op(A) is M x K, op(B) is K x N, C is M x N; leading dimensions are the
 * stored row lengths. Thread count is set by the runtime. */
void sasc_gemm_f32(int transpose_a, int transpose_b, int m, int n, int k,
                   float alpha, const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc);
void sasc_gemm_f64(int transpose_a, int transpose_b, int m, int n, int k,
                   double alpha, const double *a, int lda, const double *b, int ldb,
                   double beta, double *c, int ldc);

#endif
