/*
 * test_layer_kinds.c — the layer-kind mechanism (compiler/check/layer_kind.h,
 * compiler/layers/registry.c): the registry's declarations are well formed,
 * and a kind that learns by a rule of its own (no GRADIENT buffers, no loss,
 * its learn and update hooks) goes through the checker and the lowering
 * with no change to either. The kind here is a test's own: a Hebbian layer
 * written hebbian(source) (its width is its source's), y = x . m, learning
 * m += rate x^T y per batch, its rule written `rule = times(rate)` (an
 * expression its check hook reads, the result kept in the layer spec).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"
#include "ir_fixtures.h"
#include "compiler/check/frontend.h"
#include "compiler/layers/registry.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/lower_context.h"

/* ---- the registry ---- */

static void test_registry_declarations(void)
{
    const layer_kind_table *table = layer_kinds();
    CU_ASSERT_TRUE_FATAL(table->count >= 3);
    for (int i = 0; i < table->count; i++) {
        const layer_kind *k = table->kinds[i];
        CU_ASSERT_PTR_NOT_NULL(k->forward);
        CU_ASSERT_PTR_EQUAL(layer_kind_find(table, k->name), k);
        CU_ASSERT_TRUE(k->group_count >= 0 && k->group_count <= LAYER_MAX_GROUPS);
        CU_ASSERT_TRUE(k->setting_count >= 0 && k->setting_count <= LAYER_MAX_SETTINGS);
        CU_ASSERT_TRUE(!k->carries_state || (k->reads_sequence && k->final_value));
        for (int g = 0; g < k->group_count; g++)
            for (int h = g + 1; h < k->group_count; h++) {
                CU_ASSERT_STRING_NOT_EQUAL(k->groups[g].prefix, k->groups[h].prefix);
                CU_ASSERT_STRING_NOT_EQUAL(k->groups[g].suffix, k->groups[h].suffix);
            }
        for (int s = 0; s < k->setting_count; s++) {
            CU_ASSERT_EQUAL(layer_kind_setting(k, k->settings[s].key), s);
            CU_ASSERT_TRUE(k->settings[s].type != LAYER_SETTING_CHOICE ||
                           (k->settings[s].fallback >= 0 && k->settings[s].fallback < k->settings[s].choice_count));
        }
    }
    CU_ASSERT_PTR_NULL(layer_kind_find(table, "nosuch"));
}

/* ---- a kind with a rule of its own ---- */

enum { HEBB_RULE, HEBB_SETTINGS };
static const layer_setting hebb_settings[HEBB_SETTINGS] = {
    [HEBB_RULE] = { "rule", LAYER_SETTING_EXPRESSION, 0, 0, false, 0, NULL, 0, "the learning rule" },
};
static const layer_group hebb_groups[] = {
    { .suffix = "", .prefix = "", .kind = SASC_GROUP_DENSE, .square = true, .trained_by_gradient = false },
};
enum { HEBB_CHANGE };   /* own buffer: the batch's rate x^T y, from train to update */

/* What its check hook parses of `rule = times(rate)`: kept in layer->data. */
typedef struct { double rate; } hebb_rule;

static void hebb_check(const layer_check *c, layer_spec *layer)
{
    const ast_setting *rule = c->own[HEBB_RULE];
    hebb_rule *parsed = malloc(sizeof *parsed);
    CU_ASSERT_PTR_NOT_NULL_FATAL(parsed);
    parsed->rate = 0.5;
    layer->data = parsed;
    if (!rule)
        return;
    const ast_expr *e = rule->value;
    if (e->kind != AST_CALL || strcmp(e->text, "times") != 0 || e->arg_count != 1) {
        diagnostic_report(c->d, DIAGNOSTIC_ERROR, e->location, "rule must be times(rate)");
        return;
    }
    c->number(c, e->args[0], &parsed->rate);
}

static void hebb_add_buffers(lower_context *c, int layer)
{
    const ir_group *g = &c->p->groups[lower_group(c, layer, 0)];
    c->layers[layer].own[HEBB_CHANGE] = lower_add_named(c->p, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER,
                                                        g->fan_in, g->width, lower_spec(c, layer)->name, "change");
}

static int hebb_forward(lower_context *c, int layer, int input)
{
    const ir_group *g = &c->p->groups[lower_group(c, layer, 0)];
    return ir_matmul(c->f, input, ir_buffer_node(c->f, c->p, g->parameter_buffer[SASC_M]), false, false, 1.0);
}

static void hebb_learn(lower_context *c, int layer)
{
    const lower_layer *l = &c->layers[layer];
    double rate = ((const hebb_rule *)lower_spec(c, layer)->data)->rate;
    ir_store(c->f, c->p, l->own[HEBB_CHANGE], ir_matmul(c->f, l->input, l->value, true, false, rate));
}

static void hebb_update(lower_context *c, int layer)
{
    int m = c->p->groups[lower_group(c, layer, 0)].parameter_buffer[SASC_M];
    int change = ir_buffer_node(c->f, c->p, c->layers[layer].own[HEBB_CHANGE]);
    ir_store(c->f, c->p, m, ir_binary(c->f, IR_ADD, ir_buffer_node(c->f, c->p, m), change));
}

static const layer_kind hebbian = {
    .name = "hebbian",
    .settings = hebb_settings, .setting_count = HEBB_SETTINGS,
    .groups = hebb_groups, .group_count = 1,
    .width_from_source = true, .at = LAYER_AT_EVERY_STEP, .default_activation = ACTIVATION_IDENTITY,
    .check = hebb_check, .free_data = free,
    .add_buffers = hebb_add_buffers, .forward = hebb_forward, .learn = hebb_learn, .update = hebb_update,
};

/* The registry's kinds and the Hebbian one. */
static layer_kind_table with_hebbian(const layer_kind **kinds)
{
    const layer_kind_table *table = layer_kinds();
    for (int i = 0; i < table->count; i++)
        kinds[i] = table->kinds[i];
    kinds[table->count] = &hebbian;
    return (layer_kind_table){ kinds, table->count + 1 };
}

/* Check `text` with `kinds`; the number of errors (their messages kept out of the test's output). */
static int check_with(const layer_kind_table *kinds, const char *text, checked_file *file)
{
    char *messages = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&messages, &size);
    diagnostics *d = diagnostics_new("t.sas", text, out);
    frontend_check("t.sas", text, kinds, d, file);
    int errors = diagnostics_error_count(d);
    diagnostics_free(d);
    fclose(out);
    free(messages);
    return errors;
}

static void test_own_rule_kind(void)
{
    const layer_kind *list[64];
    layer_kind_table kinds = with_hebbian(list);
    checked_file file;
    /* no loss: nothing learns by gradient */
    CU_ASSERT_EQUAL_FATAL(check_with(&kinds, "model m { input x[3] layer y = hebbian(x) { rule = times(1/4)  m = 0.5 } }",
                                     &file), 0);
    const model_spec *model = &file.models[0];
    CU_ASSERT_EQUAL(model->loss, LOSS_NONE);
    sasc_task task;
    memset(&task, 0, sizeof task);
    task.batch = 2;
    task.shards = 1;
    task.precision = 64;
    task.optimizer = SASC_OPTIMIZER_ADAM;
    task.beta1 = 0.9;
    task.beta2 = 0.999;
    ir_program p;
    char error[256];
    CU_ASSERT_TRUE_FATAL(lower_model(model, &task, &p, error, sizeof error));
    CU_ASSERT_TRUE(ir_verify(&p, error, sizeof error));
    for (int b = 0; b < p.buffer_count; b++) {
        CU_ASSERT_NOT_EQUAL(p.buffers[b].desc.role, SASC_BUFFER_GRADIENT);
        CU_ASSERT_NOT_EQUAL(p.buffers[b].desc.role, SASC_BUFFER_OPTIMIZER_STATE);
    }
    void **buffers = fixture_buffers_new(&p);
    fixture_rng rng = { 8 };
    fixture_fill(&p, buffers, p.input_buffer, &rng, -1.0, 1.0);
    int m = p.groups[0].parameter_buffer[SASC_M];
    for (int e = 0; e < 9; e++)
        fixture_set(&p, buffers, m, e, 0.5);
    CU_ASSERT_EQUAL(p.groups[0].fan_in, 3);
    CU_ASSERT_EQUAL(p.groups[0].width, 3);
    double x[2][3], w[3][3], y[2][3];
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 3; k++)
            x[r][k] = fixture_get(&p, buffers, p.input_buffer, r * 3 + k);
    for (int r = 0; r < 2; r++)
        for (int j = 0; j < 3; j++)
            y[r][j] = 0.5 * (x[r][0] + x[r][1] + x[r][2]);
    fixture_run(&p, &p.train, buffers);
    fixture_run(&p, &p.update, buffers);
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 3; j++) {
            w[k][j] = 0.5 + 0.25 * (x[0][k] * y[0][j] + x[1][k] * y[1][j]);
            CU_ASSERT_DOUBLE_EQUAL(fixture_get(&p, buffers, m, k * 3 + j), w[k][j], 1e-12);
        }
    for (int r = 0; r < 2; r++)
        for (int j = 0; j < 3; j++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_get(&p, buffers, p.output_buffer, r * 3 + j), y[r][j], 1e-12);
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
    checked_file_free(&file);
    /* with a kind that learns by gradient, the loss is required again; the
     * kind's own rule of writing (one argument; its check hook's messages) */
    CU_ASSERT_EQUAL(check_with(&kinds, "model m { input x[3] layer h = hebbian(x) layer y = dense(h, 2) }", &file), 1);
    checked_file_free(&file);
    CU_ASSERT_EQUAL(check_with(&kinds, "model m { input x[3] layer y = hebbian(x, 3) }", &file), 1);
    checked_file_free(&file);
    CU_ASSERT_EQUAL(check_with(&kinds, "model m { input x[3] layer y = hebbian(x) { rule = 3 } }", &file), 1);
    checked_file_free(&file);
    CU_ASSERT_EQUAL(check_with(&kinds, "model m { input x[3] layer y = hebbian(x) { rule = times(sqrt(-1)) } }",
                               &file), 1);
    checked_file_free(&file);
}

void register_layer_kind_tests(void)
{
    CU_pSuite suite = CU_add_suite("layer kinds", NULL, NULL);
    CU_add_test(suite, "the registry's declarations are well formed", test_registry_declarations);
    CU_add_test(suite, "a kind with a rule of its own: no gradients, no loss, its hooks", test_own_rule_kind);
}
