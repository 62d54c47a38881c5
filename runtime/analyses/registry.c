/*
 * registry.c — the table of analyses and what runs them (see registry.h).
 */
#include "runtime/analyses/registry.h"
#include "runtime/analyses/mean_field.h"
#include "runtime/support/output.h"
#include "runtime/support/suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The analyses in the order they run. A new analysis: one line here. */
#define SASC_ANALYSIS_TABLE(X) \
    X(training)                \
    X(histograms)              \
    X(entropy)                 \
    X(perturbation)            \
    X(dynamics)                \
    X(selectivity)             \
    X(psychometric)            \
    X(train_size)              \
    X(elasticity)

#define DECLARE(name) extern const sasc_analysis_desc sasc_analysis_##name;
SASC_ANALYSIS_TABLE(DECLARE)
#undef DECLARE

#define ENTRY(name) &sasc_analysis_##name,
static const sasc_analysis_desc *const table[] = {SASC_ANALYSIS_TABLE(ENTRY)};
#undef ENTRY
enum { TABLE_SIZE = (int)(sizeof table / sizeof table[0]) };

const sasc_analysis_desc *const *sasc_analyses(int *count)
{
    *count = TABLE_SIZE;
    return table;
}

const sasc_analysis_desc *sasc_analysis_find(const char *name)
{
    for (int i = 0; i < TABLE_SIZE; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

/* ---- comma lists ---- */

bool sasc_list_next(const char **position, const char **item, size_t *length)
{
    if (!**position)
        return false;
    const char *end = strchr(*position, ',');
    *item = *position;
    *length = end ? (size_t)(end - *position) : strlen(*position);
    *position += *length + (end != NULL);
    return true;
}

static bool item_is(const char *item, size_t length, const char *name)
{
    return strlen(name) == length && strncmp(item, name, length) == 0;
}

bool sasc_list_contains(const char *list, const char *name)
{
    const char *item;
    size_t length;
    for (const char *p = list; sasc_list_next(&p, &item, &length);)
        if (item_is(item, length, name))
            return true;
    return false;
}

void sasc_analysis_names(unsigned when, const char *last, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < TABLE_SIZE && used < size; i++)
        if (table[i]->when & when)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                                     table[i]->name);
    if (used < size)
        snprintf(out + used, size - used, "%s", last);
}

/* The analyses `all` stands for, as "a, b and c". */
static void all_names(char *out, size_t size)
{
    int count = 0, seen = 0;
    for (int i = 0; i < TABLE_SIZE; i++)
        count += table[i]->in_all;
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < TABLE_SIZE && used < size; i++)
        if (table[i]->in_all) {
            seen++;
            used += (size_t)snprintf(out + used, size - used, "%s%s",
                                     seen == 1 ? "" : seen == count ? " and " : ", ", table[i]->name);
        }
}

/* "unknown analysis 'x'; did you mean 'y'?" (suggest.h), or with no close
 * name the list of the analyses that run `when`. */
static void unknown_name(const char *item, size_t length, unsigned when, bool all_allowed, char *error,
                         size_t error_size)
{
    char name[65];
    snprintf(name, sizeof name, "%.*s", (int)(length < 64 ? length : 64), item);
    const char *candidates[TABLE_SIZE + 1];
    int count = 0;
    for (int i = 0; i < TABLE_SIZE; i++)
        if (table[i]->when & when)
            candidates[count++] = table[i]->name;
    if (all_allowed)
        candidates[count++] = "all";
    const char *suggestion = length <= 64 ? sasc_closest_name(name, candidates, count) : NULL;
    if (suggestion) {
        snprintf(error, error_size, "unknown analysis '%.*s'; did you mean '%s'?", (int)length, item,
                 suggestion);
        return;
    }
    char names[512];
    sasc_analysis_names(when, all_allowed ? " and all" : "", names, sizeof names);
    snprintf(error, error_size, "unknown analysis '%.*s'; the analyses are %s", (int)length, item, names);
}

/* Every item of `list` names an analysis that runs `when`, or is `all` (allowed with
 * `all_allowed`); the message lists the names. */
static bool check_names(const char *list, unsigned when, bool all_allowed, char *error,
                        size_t error_size)
{
    const char *item;
    size_t length;
    for (const char *p = list; sasc_list_next(&p, &item, &length);) {
        bool known = all_allowed && item_is(item, length, "all");
        for (int i = 0; i < TABLE_SIZE && !known; i++)
            known = (table[i]->when & when) && item_is(item, length, table[i]->name);
        if (!known) {
            unknown_name(item, length, when, all_allowed, error, error_size);
            return false;
        }
    }
    return true;
}

/* Whether analysis `d` is named by `list` (directly, or through `all`). */
static bool named(const sasc_analysis_desc *d, const char *list)
{
    return sasc_list_contains(list, d->name) || (d->in_all && sasc_list_contains(list, "all"));
}

/* ---- needs ---- */

static const char *const group_kind_names[SASC_GROUP_KIND_COUNT] = {
    "dense", "recurrent input", "recurrent", "readout"};

static bool has_group_kind(const sasc_program *p, unsigned kinds)
{
    for (int g = 0; g < p->group_count; g++)
        if (kinds & SASC_GROUP_BIT(p->groups[g].kind))
            return true;
    return false;
}

static bool has_states(const sasc_program *p)
{
    for (int l = 0; l < p->layer_count; l++)
        if (p->layers[l].state_buffer >= 0)
            return true;
    return false;
}

/* The kinds in `kinds` as "recurrent" or "dense or readout". */
static void kind_list(unsigned kinds, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < SASC_GROUP_KIND_COUNT && used < size; k++)
        if (kinds & SASC_GROUP_BIT(k))
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " or " : "",
                                     group_kind_names[k]);
}

bool sasc_analysis_needs_met(const char *name, const sasc_analysis_needs *needs,
                             const sasc_program *program, const char *data, char *error,
                             size_t error_size)
{
    const char *model = program->model_name ? program->model_name : "the model";
    if (needs->group_kinds && !has_group_kind(program, needs->group_kinds)) {
        char kinds[128];
        kind_list(needs->group_kinds, kinds, sizeof kinds);
        snprintf(error, error_size, "the %s analysis needs a layer with %s connections, which "
                 "model '%s' does not have", name, kinds, model);
        return false;
    }
    if (needs->states && !has_states(program)) {
        snprintf(error, error_size, "the %s analysis needs a recurrent layer (hidden states along "
                 "time), which model '%s' does not have", name, model);
        return false;
    }
    if (needs->moments && !sasc_program_has_moments(program)) {
        snprintf(error, error_size, "the %s analysis needs every layer's pre-activation given the "
                 "input, which only models without a time axis have (model '%s' has one)", name, model);
        return false;
    }
    if (needs->data && strcmp(needs->data, sasc_data_family(data, program)) != 0) {
        snprintf(error, error_size, "the %s analysis needs %s trials (declared as models/%s.sas "
                 "declares them), not data = \"%s\"", name, needs->data, needs->data, data);
        return false;
    }
    return true;
}

/* The needs of every analysis `list` names that runs `when`. */
static bool check_needs(const sasc_program *program, const sasc_task *task, const char *list,
                        unsigned when, char *error, size_t error_size)
{
    for (int i = 0; i < TABLE_SIZE; i++)
        if ((table[i]->when & when) && named(table[i], list) &&
            !sasc_analysis_needs_met(table[i]->name, &table[i]->needs, program, task->data, error,
                                     error_size))
            return false;
    return true;
}

/* Every analysis's settings, whether or not it runs. */
static bool check_settings(const sasc_analysis_context *c)
{
    for (int i = 0; i < TABLE_SIZE; i++)
        if (table[i]->check && !table[i]->check(c))
            return false;
    return true;
}

/* Run the analyses of `list` that run `when`, in table order, on the ensemble in c->buffers. */
static bool run_named(sasc_analysis_context *c, const char *list, unsigned when)
{
    bool any = false;
    for (int i = 0; i < TABLE_SIZE; i++)
        any = any || ((table[i]->when & when) && named(table[i], list));
    if (!any)
        return true;
    sasc_parameter_copy copy;
    if (!sasc_make_directories(c->out, c->error, c->error_size) ||
        !sasc_parameters_save(c->program, c->buffers, &copy, c->error, c->error_size))
        return false;
    c->copy = &copy;
    bool ok = true;
    for (int i = 0; ok && i < TABLE_SIZE; i++)
        if ((table[i]->when & when) && named(table[i], list))
            ok = table[i]->run(c);
    sasc_parameters_free(&copy);
    c->copy = NULL;
    return ok;
}

/* ---- a training run ---- */

typedef struct {
    const sasc_analysis_desc *desc;
    void *state;
} open_analysis;

struct sasc_training_analyses {
    sasc_analysis_context context;   /* the run's; error set per call */
    open_analysis open[TABLE_SIZE];
    int open_count;
};

static sasc_analysis_context task_context(const sasc_program *program, const sasc_task *task,
                                          char *error, size_t error_size)
{
    return (sasc_analysis_context){.program = program, .task = task,
                                   .data_kind = sasc_data_family(task->data, program),
                                   .out = task->out, .error = error, .error_size = error_size};
}

sasc_training_analyses *sasc_training_analyses_open(const sasc_program *program,
                                                    const sasc_task *task, void *const *buffers,
                                                    const sasc_analysis_host *host, char *error,
                                                    size_t error_size)
{
    sasc_analysis_context c = task_context(program, task, error, error_size);
    c.buffers = buffers;
    c.host = *host;
    if (!check_names(task->analyze, SASC_AFTER_TRAINING, false, error, error_size) ||
        !check_needs(program, task, task->analyze, SASC_AFTER_TRAINING, error, error_size) ||
        !check_settings(&c))
        return NULL;
    sasc_training_analyses *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(error, error_size, "out of memory setting up the analyses");
        return NULL;
    }
    a->context = c;
    for (int i = 0; i < TABLE_SIZE; i++) {
        const sasc_analysis_desc *d = table[i];
        char unmet[256];
        if (!(d->when & SASC_DURING_TRAINING) ||
            !sasc_analysis_needs_met(d->name, &d->needs, program, task->data, unmet, sizeof unmet))
            continue;
        void *state = d->open(&a->context);
        if (!state) {
            sasc_training_analyses_close(a);
            return NULL;
        }
        a->open[a->open_count++] = (open_analysis){d, state};
    }
    return a;
}

bool sasc_training_analyses_restore(sasc_training_analyses *a, int epochs_done, char *error,
                                    size_t error_size)
{
    a->context.error = error;
    a->context.error_size = error_size;
    for (int i = 0; i < a->open_count; i++)
        if (a->open[i].desc->restore &&
            !a->open[i].desc->restore(a->open[i].state, &a->context, epochs_done))
            return false;
    return true;
}

void sasc_training_analyses_test_batch(void *analyses, void *const *buffers, const int *labels,
                                       int rows)
{
    sasc_training_analyses *a = analyses;
    for (int i = 0; i < a->open_count; i++)
        if (a->open[i].desc->test_batch)
            a->open[i].desc->test_batch(a->open[i].state, buffers, labels, rows);
}

static bool is_analysis_epoch(const sasc_task *task, int epoch, bool last)
{
    return task->analyze_every > 0 && (last || (epoch + 1) % task->analyze_every == 0);
}

bool sasc_training_analyses_epoch(sasc_training_analyses *a, int epoch, bool last,
                                  double mean_field_accuracy, char *error, size_t error_size)
{
    sasc_analysis_context *c = &a->context;
    c->error = error;
    c->error_size = error_size;
    bool analysis_epoch = is_analysis_epoch(c->task, epoch, last);
    for (int i = 0; i < a->open_count; i++) {
        unsigned when = a->open[i].desc->when;
        bool due = (when & SASC_EVERY_EPOCH) || ((when & SASC_ANALYSIS_EPOCHS) && analysis_epoch);
        if (due && !a->open[i].desc->epoch(a->open[i].state, c, epoch, mean_field_accuracy))
            return false;
    }
    return true;
}

bool sasc_training_analyses_after(sasc_training_analyses *a, char *error, size_t error_size)
{
    sasc_analysis_context c = a->context;
    c.error = error;
    c.error_size = error_size;
    return run_named(&c, c.task->analyze, SASC_AFTER_TRAINING);
}

void sasc_training_analyses_close(sasc_training_analyses *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->open_count; i++)
        a->open[i].desc->close(a->open[i].state);
    free(a);
}

/* ---- a saved run ---- */

bool sasc_saved_analyses_check(const sasc_program *program, const sasc_task *task,
                               const char *what, char *error, size_t error_size)
{
    if (!what[0]) {
        char names[512];
        sasc_analysis_names(SASC_ON_SAVED_RUN, " or all", names, sizeof names);
        snprintf(error, error_size, "name an analysis: %s", names);
        return false;
    }
    sasc_analysis_context c = task_context(program, task, error, error_size);
    return check_names(what, SASC_ON_SAVED_RUN, true, error, error_size) &&
           check_needs(program, task, what, SASC_ON_SAVED_RUN, error, error_size) &&
           check_settings(&c);
}

bool sasc_saved_analyses_run(const sasc_program *program, const sasc_task *task,
                             void *const *buffers, const sasc_analysis_host *host,
                             const char *what, char *error, size_t error_size)
{
    sasc_analysis_context c = task_context(program, task, error, error_size);
    c.buffers = buffers;
    c.host = *host;
    return sasc_saved_analyses_check(program, task, what, error, error_size) &&
           run_named(&c, what, SASC_ON_SAVED_RUN);
}

/* ---- help ---- */

/* "  NAME          " then `text`, each further line indented as the first. */
static void print_entry(FILE *out, const char *name, const char *text)
{
    fprintf(out, "  %-13s ", name);
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1])
            fprintf(out, "%16s", "");
    }
    if (!*text || text[strlen(text) - 1] != '\n')
        fputc('\n', out);
}

/* `text`, starting at column `column`, with a space turned into a line
 * break and `indent` spaces where a line would pass 79 columns. */
static void print_wrapped(FILE *out, const char *text, int column, int indent)
{
    int start = column;
    for (const char *p = text; *p;) {
        size_t word = strcspn(p, " ");
        if (column > start && column + 1 + (int)word > 79) {
            fprintf(out, "\n%*s", indent, "");
            column = start = indent;
        } else if (column > start) {
            fputc(' ', out);
            column++;
        }
        fprintf(out, "%.*s", (int)word, p);
        column += (int)word;
        p += word + (p[word] == ' ');
    }
    fputc('\n', out);
}

void sasc_analyses_print_help(FILE *out)
{
    for (int i = 0; i < TABLE_SIZE; i++)
        if (table[i]->when & SASC_ON_SAVED_RUN)
            print_entry(out, table[i]->name, table[i]->summary);
    char names[512], sentence[768];
    all_names(names, sizeof names);
    print_entry(out, "all", names);
    sasc_analysis_names(SASC_AFTER_TRAINING, "", names, sizeof names);
    snprintf(sentence, sizeof sentence, "The task setting `analyze` runs any of %s after "
             "training. During training, with its own settings:", names);
    print_wrapped(out, sentence, 0, 0);
    for (int i = 0; i < TABLE_SIZE; i++)
        if ((table[i]->when & SASC_DURING_TRAINING) && !(table[i]->when & SASC_ON_SAVED_RUN))
            print_entry(out, table[i]->name, table[i]->summary);
}

/* "a recurrent group; data = "msi"" or "nothing". */
static void needs_text(const sasc_analysis_needs *needs, char *out, size_t size)
{
    char kinds[128];
    kind_list(needs->group_kinds, kinds, sizeof kinds);
    size_t used = 0;
    out[0] = '\0';
    if (needs->group_kinds)
        used += (size_t)snprintf(out + used, size - used, "a %s group", kinds);
    if (needs->states && used < size)
        used += (size_t)snprintf(out + used, size - used, "%sa layer with hidden states",
                                 used ? "; " : "");
    if (needs->moments && used < size)
        used += (size_t)snprintf(out + used, size - used, "%sa model without a time axis",
                                 used ? "; " : "");
    if (needs->data && used < size)
        used += (size_t)snprintf(out + used, size - used, "%s%s trials (as models/%s.sas)",
                                 used ? "; " : "", needs->data, needs->data);
    if (!used)
        snprintf(out, size, "nothing");
}

void sasc_analyses_print_table(FILE *out)
{
    static const struct { unsigned bit; const char *text; } times[] = {
        {SASC_EVERY_EPOCH, "after every epoch"},
        {SASC_ANALYSIS_EPOCHS, "at analysis epochs (analyze_every)"},
        {SASC_AFTER_TRAINING, "after training (analyze)"},
        {SASC_ON_SAVED_RUN, "on a saved run (sasc analyze)"}};
    for (int i = 0; i < TABLE_SIZE; i++) {
        const sasc_analysis_desc *d = table[i];
        fprintf(out, "%s\n    runs:   ", d->name);
        bool first = true;
        for (size_t k = 0; k < sizeof times / sizeof times[0]; k++)
            if (d->when & times[k].bit) {
                fprintf(out, "%s%s", first ? "" : ", ", times[k].text);
                first = false;
            }
        char needs[256];
        needs_text(&d->needs, needs, sizeof needs);
        fprintf(out, "%s\n    needs:  %s\n    writes: ", d->in_all ? "; part of all" : "", needs);
        print_wrapped(out, d->outputs, 12, 12);
    }
}

/* ---- helpers ---- */

void sasc_analysis_path(const sasc_analysis_context *c, const char *file, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", c->out, file);
}

bool sasc_analysis_oom(const sasc_analysis_context *c, const char *what)
{
    snprintf(c->error, c->error_size, "out of memory computing %s", what);
    return false;
}
