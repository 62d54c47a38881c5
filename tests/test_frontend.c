/*
 * test_frontend.c — the front end: lexer, parser and semantic analysis.
 *
 * Diagnostics are captured with open_memstream and compared as text, so the
 * tests pin down both the message and its exact `file:line:col`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/check/frontend.h"
#include "compiler/layers/registry.h"
#include "compiler/check/sema.h"
#include "grammar/syntax.h"
#include "grammar/parser.h"
#include "runtime/support/suggest.h"
#include "tests/testing.h"

/* ---------------------------------------------------------------- helpers */

typedef struct {
    char *messages;      /* everything reported, NUL-terminated */
    size_t size;
    int errors;
    bool ok;
    checked_file file;
} check_result;

static check_result check_text(const char *text)
{
    check_result r = { 0 };
    FILE *out = open_memstream(&r.messages, &r.size);
    diagnostics *d = diagnostics_new("t.sas", text, out);
    r.ok = frontend_check("t.sas", text, layer_kinds(), d, &r.file);
    r.errors = diagnostics_error_count(d);
    diagnostics_free(d);
    fclose(out);
    return r;
}

static void check_result_free(check_result *r)
{
    checked_file_free(&r->file);
    free(r->messages);
}

/* Asserts that checking `text` fails with exactly `errors` errors and that
 * `expected` (e.g. "t.sas:3:5: error: ...") is among the messages. */
static void expect_errors(const char *text, int errors, const char *expected)
{
    check_result r = check_text(text);
    CU_ASSERT_FALSE(r.ok);
    CU_ASSERT_EQUAL(r.errors, errors);
    bool found = strstr(r.messages, expected) != NULL;
    CU_ASSERT_TRUE(found);
    if (!found || r.errors != errors)
        fprintf(stderr, "\nexpected %d error(s) with:\n%s\ngot %d:\n%s\n", errors, expected, r.errors, r.messages);
    check_result_free(&r);
}

static void expect_error(const char *text, const char *expected)
{
    expect_errors(text, 1, expected);
}

/* A valid model to build test programs around: line 1 is `model m {`. */
#define MODEL_HEAD "model m {\n  input x[4]\n"
#define MODEL_TAIL "  layer y = dense(x, 3) { activation = softmax }\n  loss cross_entropy(y)\n}\n"
#define GOOD_MODEL MODEL_HEAD MODEL_TAIL

static char *read_source(const char *relative)
{
    char path[4096], error[512];
    snprintf(path, sizeof path, "%s/%s", SRCDIR, relative);
    char *text = frontend_read_file(path, error, sizeof error);
    if (!text)
        fprintf(stderr, "%s\n", error);
    return text;
}

/* ---------------------------------------------------------------- lexer */

static int lex(const char *text, syntax_token **tokens, char **messages, int *errors)
{
    size_t size;
    FILE *out = open_memstream(messages, &size);
    diagnostics *d = diagnostics_new("t.sas", text, out);
    int count = syntax_tokens(text, d, tokens);
    *errors = diagnostics_error_count(d);
    diagnostics_free(d);
    fclose(out);
    return count;
}

static void assert_location(source_location l, int line, int first, int last)
{
    CU_ASSERT_EQUAL(l.first_line, line);
    CU_ASSERT_EQUAL(l.last_line, line);
    CU_ASSERT_EQUAL(l.first_column, first);
    CU_ASSERT_EQUAL(l.last_column, last);
}

static void test_lexer_tokens_and_locations(void)
{
    syntax_token *t;
    char *messages;
    int errors;
    int n = lex("prior sas {\n  pi = 0.5 frozen # spike\n}", &t, &messages, &errors);
    CU_ASSERT_EQUAL(errors, 0);
    CU_ASSERT_EQUAL_FATAL(n, 8);
    int kinds[] = { TOKEN_PRIOR, TOKEN_NAME, '{', TOKEN_NAME, '=', TOKEN_NUMBER, TOKEN_FROZEN, '}' };
    for (int i = 0; i < 8; i++)
        CU_ASSERT_EQUAL(t[i].kind, kinds[i]);
    CU_ASSERT_EQUAL(t[8].kind, 0);
    CU_ASSERT_STRING_EQUAL(t[1].text, "sas");
    assert_location(t[0].location, 1, 1, 5);
    assert_location(t[1].location, 1, 7, 9);
    assert_location(t[3].location, 2, 3, 4);
    assert_location(t[5].location, 2, 8, 10);
    assert_location(t[6].location, 2, 12, 17);
    assert_location(t[7].location, 3, 1, 1);
    syntax_tokens_free(t, n);
    free(messages);
}

static void test_lexer_numbers(void)
{
    syntax_token *t;
    char *messages;
    int errors;
    int n = lex("1 2.5 .5 1e-4 3E+2 5. 99999999999", &t, &messages, &errors);
    double expected[] = { 1, 2.5, 0.5, 1e-4, 300, 5, 99999999999.0 };
    CU_ASSERT_EQUAL(errors, 0);
    CU_ASSERT_EQUAL_FATAL(n, 7);
    for (int i = 0; i < 7; i++) {
        CU_ASSERT_EQUAL(t[i].kind, TOKEN_NUMBER);
        CU_ASSERT_DOUBLE_EQUAL(t[i].number, expected[i], 1e-12 * fabs(expected[i]));
    }
    assert_location(t[3].location, 1, 10, 13);
    syntax_tokens_free(t, n);
    free(messages);
}

static void test_lexer_number_too_large(void)
{
    syntax_token *t;
    char *messages;
    int errors;
    int n = lex("x = 1e999", &t, &messages, &errors);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "t.sas:1:5: error: number '1e999' is too large"));
    syntax_tokens_free(t, n);
    free(messages);
}

static void test_lexer_strings(void)
{
    syntax_token *t;
    char *messages;
    int errors;
    int n = lex("data = \"a\\n\\\"b\\\\\" x", &t, &messages, &errors);
    CU_ASSERT_EQUAL(errors, 0);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    CU_ASSERT_EQUAL(t[2].kind, TOKEN_STRING);
    CU_ASSERT_STRING_EQUAL(t[2].text, "a\n\"b\\");
    assert_location(t[2].location, 1, 8, 17);
    assert_location(t[3].location, 1, 19, 19);
    syntax_tokens_free(t, n);
    free(messages);
}

static void test_lexer_bad_strings(void)
{
    syntax_token *t;
    char *messages;
    int errors;
    int n = lex("a = \"x\\qy\"\nb = \"open\nc = 1\nd = \"end", &t, &messages, &errors);
    CU_ASSERT_EQUAL(errors, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "t.sas:1:7: error: unknown escape sequence '\\q' in string"));
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "t.sas:2:5: error: unterminated string"));
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "t.sas:4:5: error: unterminated string at the end of the file"));
    /* scanning goes on after each: a, =, "xy", b, =, "open", c, =, 1, d, =, "end" */
    CU_ASSERT_EQUAL(n, 12);
    if (n == 12) {
        CU_ASSERT_STRING_EQUAL(t[2].text, "xy");
        CU_ASSERT_EQUAL(t[6].kind, TOKEN_NAME);
        CU_ASSERT_STRING_EQUAL(t[11].text, "end");
    }
    syntax_tokens_free(t, n);
    free(messages);
}

static void test_lexer_bad_characters(void)
{
    syntax_token *t;
    char *messages;
    int errors;
    int n = lex("a @ b\n\xc3\xa9 c \x01 d", &t, &messages, &errors);
    CU_ASSERT_EQUAL(errors, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "t.sas:1:3: error: unexpected character '@'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "t.sas:2:1: error: unexpected character '\xc3\xa9'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "t.sas:2:5: error: unexpected control character 0x01"));
    CU_ASSERT_EQUAL_FATAL(n, 4);
    assert_location(t[2].location, 2, 3, 3);   /* é is one column */
    assert_location(t[3].location, 2, 7, 7);
    syntax_tokens_free(t, n);
    free(messages);
}

static void test_lexer_comments_and_keywords(void)
{
    syntax_token *t;
    char *messages;
    int errors;
    int n = lex("# only a comment\nmodel task input layer loss l2 frozen layers", &t, &messages, &errors);
    int kinds[] = { TOKEN_MODEL, TOKEN_TASK, TOKEN_INPUT, TOKEN_LAYER, TOKEN_LOSS, TOKEN_L2, TOKEN_FROZEN, TOKEN_NAME };
    CU_ASSERT_EQUAL(errors, 0);
    CU_ASSERT_EQUAL_FATAL(n, 8);
    for (int i = 0; i < 8; i++)
        CU_ASSERT_EQUAL(t[i].kind, kinds[i]);
    assert_location(t[0].location, 2, 1, 5);
    syntax_tokens_free(t, n);
    free(messages);
}

static void test_read_file_rejects_nul(void)
{
    char path[] = "/tmp/sasc_test_nulXXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    fwrite("ab\ncd\0e", 1, 7, f);
    fclose(f);
    char error[512];
    char *text = frontend_read_file(path, error, sizeof error);
    CU_ASSERT_PTR_NULL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(error, ":2:3: NUL byte in the source text"));
    free(text);
    remove(path);
    CU_ASSERT_PTR_NULL(frontend_read_file("/nonexistent/x.sas", error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "/nonexistent/x.sas: No such file"));
}

/* ---------------------------------------------------------------- diagnostics */

static void test_diagnostic_format(void)
{
    const char *text = "model m {\n  layer h1 = dense(x, 100) { activation = rleu }\n}\n";
    char *messages;
    size_t size;
    FILE *out = open_memstream(&messages, &size);
    diagnostics *d = diagnostics_new("model.sas", text, out);
    source_location where = { 2, 43, 2, 46 };
    diagnostic_report(d, DIAGNOSTIC_ERROR, where, "unknown activation '%s'; did you mean '%s'?", "rleu", "relu");
    diagnostic_report_file(d, DIAGNOSTIC_WARNING, "a file-level %s", "warning");
    CU_ASSERT_EQUAL(diagnostics_error_count(d), 1);
    diagnostics_set_color(d, true);
    diagnostic_report(d, DIAGNOSTIC_NOTE, where, "coloured");
    diagnostics_free(d);
    fclose(out);
    const char *expected =
        "model.sas:2:43: error: unknown activation 'rleu'; did you mean 'relu'?\n"
        "    2 |   layer h1 = dense(x, 100) { activation = rleu }\n"
        "      |                                           ^~~~\n"
        "model.sas: warning: a file-level warning\n";
    CU_ASSERT_EQUAL(strncmp(messages, expected, strlen(expected)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages + strlen(expected), "\033["));
    free(messages);
}

static void test_diagnostic_tabs_and_multiline(void)
{
    const char *text = "\tab cd\nef\n";
    char *messages;
    size_t size;
    FILE *out = open_memstream(&messages, &size);
    diagnostics *d = diagnostics_new("t.sas", text, out);
    diagnostic_report(d, DIAGNOSTIC_ERROR, (source_location){ 1, 5, 2, 1 }, "x");
    diagnostics_free(d);
    fclose(out);
    CU_ASSERT_STRING_EQUAL(messages, "t.sas:1:5: error: x\n    1 | \tab cd\n      | \t   ^~\n");
    free(messages);
}

/* ---------------------------------------------------------------- parser */

static void check_repository_file(const char *relative, int models, int tasks)
{
    char *text = read_source(relative);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    check_result r = check_text(text);
    CU_ASSERT_TRUE(r.ok);
    CU_ASSERT_EQUAL(r.errors, 0);
    if (!r.ok)
        fprintf(stderr, "%s:\n%s", relative, r.messages);
    CU_ASSERT_EQUAL(r.file.model_count, models);
    CU_ASSERT_EQUAL(r.file.task_count, tasks);
    check_result_free(&r);
    free(text);
}

static void test_parser_repository_files(void)
{
    check_repository_file("models/gbp_mnist.sas", 1, 1);
    check_repository_file("models/bp_mnist.sas", 1, 1);
    check_repository_file("examples/quickstart.sas", 1, 1);
}

static void test_parser_separators_and_keyword_keys(void)
{
    check_result r = check_text(
        "prior p { pi = 0; m = 1; Xi = 0 }\n"
        "model m { input x[4]; layer y = dense(x, 3) { activation = softmax; prior = p }; loss cross_entropy(y) }\n"
        "task t { model = m; lr = 0.5 epochs = 2\n batch = 4 }");
    CU_ASSERT_TRUE(r.ok);
    CU_ASSERT_EQUAL(r.errors, 0);
    check_result_free(&r);
}

/* Inside a trials declaration the parser recovers at settings and periods
 * too, and lists and comparisons parse (docs/language.md, "trials"). */
static void test_parser_trials_recovery(void)
{
    const char *text =
        "trials d {\n"
        "  v = one_of(a, b)\n"
        "  label = v == b\n"
        "  period p { duration = = 3 }\n"                  /* 4:25 */
        "  period q { input = [v, 1 - v 2] }\n"            /* 5:32 */
        "  loss = [p, q]\n"
        "}\n"
        "trials e { label = 1 < 2 < 3 }\n";                /* 8:26: comparisons do not chain */
    check_result r = check_text(text);
    CU_ASSERT_FALSE(r.ok);
    CU_ASSERT_EQUAL(r.errors, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:4:25: error: unexpected '='; expected a value\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:5:32: error: unexpected '2'; expected an operator, ']', '(' or ','\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:8:26: error: unexpected '<'; expected a value, "
                                  "'prior', 'model', 'task', 'input', 'layer', 'loss', 'l2', 'frozen', "
                                  "'trials', 'period', 'const', 'sweep', an operator, '}' or ';'\n"));
    check_result_free(&r);
}

static void test_parser_several_syntax_errors(void)
{
    const char *text =
        "prior p {\n"
        "  pi = = 0\n"                                  /* 2:8 */
        "}\n"
        "model m {\n"
        "  input x[784\n"
        "  layer h = dense(x, 10) { activation = relu }\n"   /* 6:3 */
        "  lauer y = dense(h, 10)\n"                    /* 7:3 */
        "  loss mse(y)\n"
        "}\n"
        "task t { lr = 0.1 epochs = }\n";               /* 10:28 */
    check_result r = check_text(text);
    CU_ASSERT_FALSE(r.ok);
    CU_ASSERT_EQUAL(r.errors, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:2:8: error: unexpected '='; expected a value\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:6:3: error: unexpected 'layer'; expected an operator or ']'\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages,
        "t.sas:7:3: error: unexpected 'lauer'; did you mean 'layer'? (expected 'input', 'layer', 'loss', 'l2', '}' or ';')\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:10:28: error: unexpected '}'; expected a value\n"));
    CU_ASSERT_EQUAL(r.file.model_count, 0);   /* left empty on failure */
    check_result_free(&r);
}

static void test_parser_recovers_inside_calls(void)
{
    const char *text =
        "model m {\n"
        "  input x[4]\n"
        "  layer h = dense(x 5) { activation = relu }\n"             /* 3:21 */
        "  layer h2 = dense(h, 5 5) { activation relu }\n"           /* 4:25, 4:41 */
        "  layer y = dense(h2, (3 3)) { activation = softmax }\n"    /* 5:26 */
        "  loss cross_entropy(y)\n"
        "}\n";
    check_result r = check_text(text);
    CU_ASSERT_EQUAL(r.errors, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:3:21: error: unexpected '5'; expected an operator, '(', ')' or ','\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:4:25: error: unexpected '5'; expected an operator, ')' or ','\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:4:41: error: unexpected 'relu'; expected '='\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, "t.sas:5:26: error: unexpected '3'; expected an operator or ')'\n"));
    check_result_free(&r);
}

static void test_parser_end_of_file(void)
{
    expect_error("model m {\n  input x[4]\n", "t.sas:3:1: error: unexpected end of file; expected");
}

static void test_parser_deep_nesting(void)
{
    size_t n = 20000;
    char *text = malloc(2 * n + 64);
    strcpy(text, "task t { lr = ");
    size_t at = strlen(text);
    memset(text + at, '(', n);
    text[at + n] = '1';
    memset(text + at + n + 1, ')', n);
    strcpy(text + at + 2 * n + 1, " }");
    expect_error(text, "error: the file is nested too deeply to parse");
    free(text);

    /* left-deep sums keep the parser stack flat; the tree depth is bounded instead */
    size_t terms = 5000;
    char *sum = malloc(2 * terms + 64);
    strcpy(sum, "task t { lr = 1");
    for (size_t i = 1; i < terms; i++)
        strcat(sum + strlen(sum) - 1, "+1");
    strcat(sum, " }");
    expect_error(sum, "t.sas:1:15: error: expression is nested too deeply (more than 200 levels)");
    free(sum);
}

static void test_parser_garbage_never_crashes(void)
{
    const char *inputs[] = {
        "", "}", "{{{{", "model", "model m", "model m {", "layer", "prior p { pi = }",
        "task t { = 1 }", "\"", "\"\\", "model m { layer = dense(x, 1) }", ")))",
        "model m { input x[] }", "task t { lr = f(,) }", "\xff\xfe\xfd", "#",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        check_result r = check_text(inputs[i]);
        CU_ASSERT(r.ok == (r.errors == 0));
        check_result_free(&r);
    }
    check_result r = check_text("model m {");
    CU_ASSERT_EQUAL(r.errors, 1);
    check_result_free(&r);
}

/* ---------------------------------------------------------------- semantic: a good program */

static void test_semantic_checked_file(void)
{
    const char *text =
        "prior sas { pi = 0  m = normal(0, sqrt(2/784))  Xi = uniform(0, 0.01) }\n"
        "model net {\n"
        "  input x[784]\n"
        "  layer h1 = dense(x, 100) { activation = relu  prior = sas  Xi = 0 frozen }\n"
        "  layer h2 = dense(h1, 100) { activation = tanh  scale = none  m = identity(0.5)  mask = density(0.25) }\n"
        "  layer y = dense(h2, 10) { activation = softmax  pi = 1/4 frozen  mask = npy(\"m.npy\") }\n"
        "  loss cross_entropy(y)\n"
        "  l2 { m = 1e-4  Xi = 2e-4 }\n"
        "}\n"
        "task fit {\n"
        "  data = \"/data/mnist\"  train = 10000  test = 2000  optimizer = sgd  lr = 0.1  momentum = 0.9\n"
        "  weight_decay = 1e-4  batch = 500  epochs = 100  seed = 7  precision = 64  shuffle = false\n"
        "}\n";
    check_result r = check_text(text);
    CU_ASSERT_TRUE_FATAL(r.ok);
    CU_ASSERT_STRING_EQUAL(r.file.path, "t.sas");
    CU_ASSERT_STRING_EQUAL(r.file.source_text, text);
    CU_ASSERT_EQUAL_FATAL(r.file.model_count, 1);
    const model_spec *m = &r.file.models[0];
    CU_ASSERT_STRING_EQUAL(m->name, "net");
    CU_ASSERT_STRING_EQUAL(m->input_name, "x");
    CU_ASSERT_EQUAL(m->input_width, 784);
    CU_ASSERT_EQUAL(m->classes, 10);
    CU_ASSERT_EQUAL(m->loss, LOSS_CROSS_ENTROPY);
    CU_ASSERT_DOUBLE_EQUAL(m->l2_m, 1e-4, 1e-18);
    CU_ASSERT_DOUBLE_EQUAL(m->l2_xi, 2e-4, 1e-18);
    CU_ASSERT_EQUAL_FATAL(m->layer_count, 3);

    const layer_spec *h1 = &m->layers[0], *h2 = &m->layers[1], *y = &m->layers[2];
    CU_ASSERT_STRING_EQUAL(h1->name, "h1");
    CU_ASSERT_EQUAL(h1->location.first_line, 4);
    CU_ASSERT_EQUAL(h1->location.first_column, 9);
    CU_ASSERT_EQUAL(h1->source, -1);
    CU_ASSERT_EQUAL(h1->fan_in, 784);
    CU_ASSERT_EQUAL(h1->width, 100);
    CU_ASSERT_EQUAL(h1->activation, ACTIVATION_RELU);
    CU_ASSERT_TRUE(h1->fan_in_scaling);
    CU_ASSERT_EQUAL(h1->group[0].prior[SASC_PI].init.kind, SASC_INIT_CONSTANT);
    CU_ASSERT_EQUAL(h1->group[0].prior[SASC_PI].init.a, 0);
    CU_ASSERT_FALSE(h1->group[0].prior[SASC_PI].frozen);
    CU_ASSERT_EQUAL(h1->group[0].prior[SASC_M].init.kind, SASC_INIT_NORMAL);
    CU_ASSERT_DOUBLE_EQUAL(h1->group[0].prior[SASC_M].init.b, sqrt(2.0 / 784), 1e-15);
    CU_ASSERT_EQUAL(h1->group[0].prior[SASC_XI].init.kind, SASC_INIT_CONSTANT);   /* overridden by the layer */
    CU_ASSERT_TRUE(h1->group[0].prior[SASC_XI].frozen);
    CU_ASSERT_EQUAL(h1->group[0].mask.kind, SASC_MASK_NONE);

    CU_ASSERT_EQUAL(h2->source, 0);
    CU_ASSERT_EQUAL(h2->fan_in, 100);
    CU_ASSERT_EQUAL(h2->activation, ACTIVATION_TANH);
    CU_ASSERT_FALSE(h2->fan_in_scaling);
    CU_ASSERT_EQUAL(h2->group[0].prior[SASC_M].init.kind, SASC_INIT_IDENTITY);
    CU_ASSERT_EQUAL(h2->group[0].prior[SASC_M].init.a, 0.5);
    CU_ASSERT_EQUAL(h2->group[0].prior[SASC_PI].init.kind, SASC_INIT_CONSTANT);   /* defaults */
    CU_ASSERT_EQUAL(h2->group[0].prior[SASC_XI].init.a, 0);
    CU_ASSERT_EQUAL(h2->group[0].mask.kind, SASC_MASK_DENSITY);
    CU_ASSERT_EQUAL(h2->group[0].mask.density, 0.25);

    CU_ASSERT_EQUAL(y->source, 1);
    CU_ASSERT_EQUAL(y->activation, ACTIVATION_SOFTMAX);
    CU_ASSERT_EQUAL(y->group[0].prior[SASC_PI].init.a, 0.25);
    CU_ASSERT_TRUE(y->group[0].prior[SASC_PI].frozen);
    CU_ASSERT_EQUAL(y->group[0].prior[SASC_M].init.kind, SASC_INIT_NORMAL);   /* default: N(0, 1), fan-in scaled */
    CU_ASSERT_EQUAL(y->group[0].prior[SASC_M].init.b, 1);
    CU_ASSERT_EQUAL(y->group[0].mask.kind, SASC_MASK_NPY);
    CU_ASSERT_STRING_EQUAL(y->group[0].mask.path, "m.npy");

    CU_ASSERT_EQUAL_FATAL(r.file.task_count, 1);
    const task_spec *t = &r.file.tasks[0];
    CU_ASSERT_EQUAL(t->model, 0);
    CU_ASSERT_EQUAL(t->location.first_line, 10);
    CU_ASSERT_STRING_EQUAL(t->settings.name, "fit");
    CU_ASSERT_STRING_EQUAL(t->settings.model, "net");
    CU_ASSERT_STRING_EQUAL(t->settings.data, "/data/mnist");
    CU_ASSERT_EQUAL(t->settings.train, 10000);
    CU_ASSERT_EQUAL(t->settings.test, 2000);
    CU_ASSERT_EQUAL(t->settings.optimizer, SASC_OPTIMIZER_SGD);
    CU_ASSERT_EQUAL(t->settings.lr, 0.1);
    CU_ASSERT_EQUAL(t->settings.momentum, 0.9);
    CU_ASSERT_EQUAL(t->settings.weight_decay, 1e-4);
    CU_ASSERT_EQUAL(t->settings.batch, 500);
    CU_ASSERT_EQUAL(t->settings.epochs, 100);
    CU_ASSERT_EQUAL(t->settings.seed, 7);
    CU_ASSERT_EQUAL(t->settings.precision, 64);
    CU_ASSERT_FALSE(t->settings.shuffle);
    check_result_free(&r);
}

static void test_semantic_defaults(void)
{
    check_result r = check_text(
        "model m {\n  input x[16]\n  layer h = dense(x, 8) { scale = none }\n  layer y = dense(h, 2)\n  loss mse(y)\n}\n"
        "task a { }\ntask b { epochs = 3 }\n");
    CU_ASSERT_TRUE_FATAL(r.ok);
    const layer_spec *h = &r.file.models[0].layers[0], *y = &r.file.models[0].layers[1];
    CU_ASSERT_EQUAL(h->activation, ACTIVATION_IDENTITY);
    CU_ASSERT_DOUBLE_EQUAL(h->group[0].prior[SASC_M].init.b, 0.25, 1e-15);   /* 1/sqrt(16) without fan-in scaling */
    CU_ASSERT_EQUAL(y->group[0].prior[SASC_M].init.b, 1);
    for (int p = 0; p < 3; p++)
        CU_ASSERT_FALSE(y->group[0].prior[p].frozen);
    CU_ASSERT_EQUAL(r.file.models[0].loss, LOSS_MEAN_SQUARED_ERROR);
    CU_ASSERT_EQUAL(r.file.models[0].l2_m, 0);
    CU_ASSERT_EQUAL_FATAL(r.file.task_count, 2);
    sasc_task defaults;
    sasc_task_defaults(&defaults);
    CU_ASSERT_EQUAL(r.file.tasks[0].model, 0);   /* the only model */
    CU_ASSERT_STRING_EQUAL(r.file.tasks[0].settings.model, "m");
    CU_ASSERT_EQUAL(r.file.tasks[0].settings.epochs, defaults.epochs);
    CU_ASSERT_EQUAL(r.file.tasks[1].settings.epochs, 3);
    CU_ASSERT_STRING_EQUAL(r.file.tasks[1].settings.name, "b");
    check_result_free(&r);
}

static void test_semantic_mask_path_relative_to_file(void)
{
    const char *text = MODEL_HEAD "  layer y = dense(x, 3) { activation = softmax  mask = npy(\"masks/a.npy\") }\n"
                       "  loss cross_entropy(y)\n}\n";
    diagnostics *d = diagnostics_new("dir/sub/t.sas", text, stderr);
    checked_file f;
    CU_ASSERT_TRUE_FATAL(frontend_check("dir/sub/t.sas", text, layer_kinds(), d, &f));
    CU_ASSERT_STRING_EQUAL(f.models[0].layers[0].group[0].mask.path, "dir/sub/masks/a.npy");
    checked_file_free(&f);
    diagnostics_free(d);
}

/* ---------------------------------------------------------------- semantic: errors */

static void test_semantic_unknown_names(void)
{
    expect_error(MODEL_HEAD "  layer h = dense(x, 5) { activation = rleu }\n" MODEL_TAIL,
                 "t.sas:3:40: error: unknown activation 'rleu'; did you mean 'relu'?");
    expect_error(MODEL_HEAD "  layer h = dense(xx, 5)\n  layer y = dense(h, 3) { activation = softmax }\n"
                 "  loss cross_entropy(y)\n}\n",
                 "t.sas:3:19: error: unknown layer or input 'xx'; did you mean 'x'?");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5) { prior = sass }\n" MODEL_TAIL "prior sas { pi = 0 }\n",
                 "t.sas:3:35: error: unknown prior 'sass'; did you mean 'sas'?");
    expect_error(MODEL_HEAD "  layer h = dens(x, 5)\n" MODEL_TAIL,
                 "t.sas:3:13: error: unknown layer kind 'dens'; did you mean 'dense'?");
    expect_error(MODEL_HEAD "  layer y = dense(x, 3) { activation = softmax }\n  loss cross_entropi(y)\n}\n",
                 "t.sas:4:8: error: unknown loss 'cross_entropi'; did you mean 'cross_entropy'?");
    expect_error(GOOD_MODEL "task t { model = n }\n", "t.sas:6:18: error: unknown model 'n'; did you mean 'm'?");
    expect_error(GOOD_MODEL "task t { optimiser = adam }\n",
                 "t.sas:6:10: error: unknown task setting 'optimiser'; did you mean 'optimizer'?");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5) { activaton = relu }\n" MODEL_TAIL,
                 "t.sas:3:27: error: unknown layer setting 'activaton'; did you mean 'activation'?");
    expect_error("prior p { m = nromal(0, 1) }\n", "t.sas:1:15: error: unknown function 'nromal'; did you mean 'normal'?");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5) { scale = fanin }\n" MODEL_TAIL,
                 "t.sas:3:35: error: unknown scale 'fanin'; did you mean 'fan_in'?");
}

static void test_semantic_layer_order(void)
{
    expect_error(MODEL_HEAD "  layer h = dense(y, 5)\n" MODEL_TAIL,
                 "t.sas:3:19: error: layer 'y' is defined after 'h'; a layer reads the input or an earlier layer");
    expect_error(MODEL_HEAD "  layer h = dense(h, 5)\n" MODEL_TAIL,
                 "t.sas:3:19: error: layer 'h' cannot read itself");
}

static void test_semantic_duplicates(void)
{
    expect_error(MODEL_HEAD "  layer x = dense(x, 5)\n" MODEL_TAIL, "t.sas:3:9: error: name 'x' is defined twice");
    expect_error("model m {\n  layer x = dense(x, 5)\n  input x[4]\n" MODEL_TAIL,
                 "t.sas:2:9: error: name 'x' is defined twice");
    expect_error("prior p { }\nprior p { }\n", "t.sas:2:7: error: prior 'p' is defined twice");
    expect_error(GOOD_MODEL "model m { }\n", "t.sas:6:7: error: model 'm' is defined twice");
    expect_error(GOOD_MODEL "task t { }\ntask t { }\n", "t.sas:7:6: error: task 't' is defined twice");
    expect_error(GOOD_MODEL "task t { lr = 1 lr = 2 }\n", "t.sas:6:17: error: 'lr' is set twice");
    expect_error(MODEL_HEAD "  input z[3]\n" MODEL_TAIL,
                 "t.sas:3:3: error: model 'm' has a second input; a model has exactly one");
    expect_error("prior p { }\nprior p { }\n", "t.sas:1:7: note: the first definition of 'p' is here");
}

static void test_semantic_value_kinds(void)
{
    expect_error(MODEL_HEAD "  layer h = dense(x, \"abc\")\n" MODEL_TAIL,
                 "t.sas:3:22: error: expected a number, found a string");
    expect_error(GOOD_MODEL "task t { data = 3 }\n",
                 "t.sas:6:17: error: data must be a string in double quotes, not a number");
    expect_error(GOOD_MODEL "task t { lr = \"0.1\" }\n",
                 "t.sas:6:15: error: lr must be written without quotes, not a string");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5) { activation = 3 }\n" MODEL_TAIL,
                 "t.sas:3:40: error: activation must be identity, relu, tanh, sigmoid or softmax");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5) { activation = relu frozen }\n" MODEL_TAIL,
                 "t.sas:3:27: error: 'activation' cannot be frozen; only pi, m and Xi of a prior or a layer can");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5)\n  l2 { m = 1 frozen }\n" MODEL_TAIL,
                 "t.sas:4:8: error: 'm' cannot be frozen");
    expect_error(GOOD_MODEL "task t { lr = 1/0 }\n", "t.sas:6:17: error: division by zero");
    expect_error("prior p { m = sqrt(0-1) }\n", "t.sas:1:20: error: sqrt of a negative number (-1)");
    expect_error("prior p { m = normal(1) }\n",
                 "t.sas:1:15: error: normal takes 2 arguments (mean, standard deviation), not 1");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5) { mask = npy(3) }\n" MODEL_TAIL,
                 "t.sas:3:38: error: npy(...) takes the file name as a string");
}

static void test_semantic_ranges(void)
{
    expect_error("prior p { pi = 1.5 }\n",
                 "t.sas:1:16: error: pi is a probability and must be in [0, 1], but its initial value can be 1.5");
    expect_error("prior p { pi = uniform(0.5, 2) }\n",
                 "t.sas:1:16: error: pi is a probability and must be in [0, 1], but its initial value can be 2");
    expect_error("prior p { pi = normal(0.5, 0.1) }\n", "t.sas:1:16: error: pi cannot be drawn from normal(...)");
    expect_error("prior p { Xi = -0.5 }\n",
                 "t.sas:1:16: error: Xi is a variance and must be >= 0, but its initial value can be -0.5");
    expect_error("prior p { Xi = uniform(-1, 1) }\n", "t.sas:1:16: error: Xi is a variance and must be >= 0");
    expect_error("prior p { m = normal(0, -1) }\n",
                 "t.sas:1:25: error: the standard deviation of normal(...) must be >= 0, not -1");
    expect_error("prior p { m = uniform(2, 1) }\n", "t.sas:1:15: error: uniform(low, high) needs low <= high, but 2 > 1");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5) { mask = density(1.5) }\n" MODEL_TAIL,
                 "t.sas:3:42: error: the density of a mask must be in (0, 1], not 1.5");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5)\n  l2 { m = -1 }\n" MODEL_TAIL,
                 "t.sas:4:12: error: an l2 strength must be >= 0, not -1");
}

static void test_semantic_widths(void)
{
    expect_error(MODEL_HEAD "  layer h = dense(x, 0)\n" MODEL_TAIL,
                 "t.sas:3:22: error: a layer width must be between 1 and 1000000; 0 is too small");
    expect_error(MODEL_HEAD "  layer h = dense(x, 1e30)\n" MODEL_TAIL,
                 "t.sas:3:22: error: a layer width must be between 1 and 1000000; 1e+30 is too large");
    expect_error(MODEL_HEAD "  layer h = dense(x, 99999999999)\n" MODEL_TAIL,
                 "t.sas:3:22: error: a layer width must be between 1 and 1000000; 99999999999 is too large");
    expect_error(MODEL_HEAD "  layer h = dense(x, 2.5)\n" MODEL_TAIL,
                 "t.sas:3:22: error: a layer width must be an integer, not 2.5");
    expect_error("model m {\n  input x[-3]\n" MODEL_TAIL,
                 "t.sas:2:11: error: the input width must be between 1 and 1000000; -3 is too small");
    expect_error(MODEL_HEAD "  layer h = dense(x)\n" MODEL_TAIL,
                 "t.sas:3:13: error: dense takes 2 arguments (source, width), not 1");
}

static void test_semantic_identity_needs_square(void)
{
    expect_error("prior p { m = identity }\n" MODEL_HEAD "  layer h = dense(x, 5) { prior = p }\n" MODEL_TAIL,
                 "t.sas:1:15: error: identity initialisation needs a square connection group, "
                 "but layer 'h' is 4 x 5 (fan in x width)");
    check_result r = check_text(MODEL_HEAD "  layer h = dense(x, 4) { m = identity(2) }\n" MODEL_TAIL);
    CU_ASSERT_TRUE(r.ok);
    check_result_free(&r);
}

static void test_semantic_model_structure(void)
{
    expect_error("model m {\n  layer y = dense(x, 3)\n  loss mse(y)\n}\n",
                 "t.sas:1:7: error: model 'm' has no input; add a line like 'input x[784]'");
    expect_error("model m {\n  input x[4]\n  layer y = dense(x, 3)\n}\n",
                 "t.sas:1:7: error: model 'm' has no loss; add 'loss cross_entropy(y)' or 'loss mse(y)'");
    expect_errors("model m {\n  input x[4]\n}\n", 2, "t.sas:1:7: error: model 'm' has no layers");
    expect_error(MODEL_HEAD "  layer h = dense(x, 5)\n  layer y = dense(h, 3)\n  loss mse(h)\n}\n",
                 "t.sas:5:12: error: the loss must be computed on the last layer 'y', not on 'h'");
    expect_error(MODEL_HEAD "  layer y = dense(x, 3) { activation = relu }\n  loss cross_entropy(y)\n}\n",
                 "t.sas:4:22: error: cross_entropy needs a softmax output, but layer 'y' has activation relu");
    expect_error(GOOD_MODEL "model n {\n  input x[2]\n  layer y = dense(x, 2)\n  loss mse(y)\n}\ntask t { }\n",
                 "t.sas:11:6: error: task 't' must say which model it trains ('model = NAME'); the file defines 2 models");
    expect_error("task t { }\n", "t.sas:1:6: error: task 't' has no model to train; the file defines 0 models");
    check_result r = check_text(MODEL_HEAD "  layer y = dense(x, 3) { activation = relu }\n  loss mse(y)\n}\n");
    CU_ASSERT_TRUE(r.ok);   /* mse takes any output activation */
    check_result_free(&r);
}

static void test_semantic_task_settings(void)
{
    expect_error(GOOD_MODEL "task t {\n  lr = -1\n}\n", "t.sas:7:8: error: lr must be a positive number");
    expect_error(GOOD_MODEL "task t { epochs = 2.5 }\n", "t.sas:6:19: error: epochs must be");
    expect_error(GOOD_MODEL "task t { optimizer = adamw }\n", "t.sas:6:22: error:");
    expect_error(GOOD_MODEL "task t { name = \"x\" }\n",
                 "t.sas:6:10: error: a task's name is the one after 'task'; remove this setting");
}

static void test_semantic_several_errors(void)
{
    const char *text =
        "prior p { pi = 2 }\n"                                              /* 1:16 */
        "model m {\n"
        "  input x[4]\n"
        "  layer h = dense(x, 5) { activation = rleu  prior = q }\n"        /* 4:40, 4:54 */
        "  layer y = dense(h, 0) { activation = softmax }\n"                /* 5:22 */
        "  loss cross_entropy(y)\n"
        "}\n"
        "task t { lr = 0  optimiser = adam }\n";                            /* 8:15, 8:18 */
    check_result r = check_text(text);
    CU_ASSERT_FALSE(r.ok);
    CU_ASSERT_EQUAL(r.errors, 6);
    const char *expected[] = { "t.sas:1:16: error:", "t.sas:4:40: error:", "t.sas:4:54: error: unknown prior 'q'",
                               "t.sas:5:22: error:", "t.sas:8:15: error:", "t.sas:8:18: error:" };
    for (int i = 0; i < 6; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(r.messages, expected[i]));
    check_result_free(&r);
}

static void test_semantic_closest_name(void)
{
    const char *names[] = { "relu", "softmax", "identity", "tanh", "sigmoid" };
    CU_ASSERT_STRING_EQUAL(sasc_closest_name("rleu", names, 5), "relu");
    CU_ASSERT_STRING_EQUAL(sasc_closest_name("sofmax", names, 5), "softmax");
    CU_ASSERT_STRING_EQUAL(sasc_closest_name("tahn", names, 5), "tanh");
    CU_ASSERT_PTR_NULL(sasc_closest_name("convolution", names, 5));
    CU_ASSERT_PTR_NULL(sasc_closest_name("xyz", names, 5));
}

/* ---------------------------------------------------------------- constants */

static const char constants_text[] =
    "const N = 10\n"
    "const H = (N + 2) * 3 / 4\n"
    "const SD = 0.5\n"
    "prior p { m = normal(0, SD) Xi = SD / 10 }\n"
    "model m { input x[N] layer y = dense(x, H) { activation = softmax prior = p } loss cross_entropy(y) }\n"
    "task t { lr = SD / 5 epochs = N }\n";

/* Constants fold wherever a number is: widths, priors, task settings; the
 * checked file and every task carry their values in declaration order. */
static void test_constants_fold(void)
{
    check_result r = check_text(constants_text);
    CU_ASSERT_TRUE_FATAL(r.ok);
    CU_ASSERT_EQUAL(r.file.models[0].input_width, 10);
    CU_ASSERT_EQUAL(r.file.models[0].layers[0].width, 9);
    CU_ASSERT_DOUBLE_EQUAL(r.file.models[0].layers[0].group[0].prior[SASC_M].init.b, 0.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(r.file.tasks[0].settings.lr, 0.1, 1e-15);
    CU_ASSERT_EQUAL(r.file.tasks[0].settings.epochs, 10);
    CU_ASSERT_EQUAL(r.file.constants.count, 3);
    CU_ASSERT_STRING_EQUAL(r.file.tasks[0].settings.constants.items[1].name, "H");
    CU_ASSERT_DOUBLE_EQUAL(r.file.tasks[0].settings.constants.items[1].value, 9, 0);
    check_result_free(&r);
}

/* An override replaces a constant, and later constants fold with it. */
static void test_constants_override(void)
{
    sasc_constants overrides = {0};
    CU_ASSERT_TRUE(sasc_constants_put(&overrides, "N", 2));
    CU_ASSERT_TRUE(sasc_constants_put(&overrides, "unused", 7));   /* not the checker's business */
    diagnostics *d = diagnostics_new("t.sas", constants_text, stderr);
    checked_file f;
    CU_ASSERT_TRUE_FATAL(frontend_check_with("t.sas", constants_text, layer_kinds(), &overrides, d, &f));
    CU_ASSERT_EQUAL(f.models[0].input_width, 2);
    CU_ASSERT_EQUAL(f.models[0].layers[0].width, 3);
    CU_ASSERT_EQUAL(f.tasks[0].settings.epochs, 2);
    checked_file_free(&f);
    diagnostics_free(d);
}

#define MODEL_TEXT "model m { input x[4] layer y = dense(x, 3) { activation = softmax } loss cross_entropy(y) }\n"

static void test_constants_errors(void)
{
    expect_errors("const A = 1\nconst A = 2\n" MODEL_TEXT, 1, "t.sas:2:7: error: constant 'A' is defined twice");
    expect_errors("const A = B\nconst B = 2\n" MODEL_TEXT, 1,
                  "t.sas:1:11: error: constant 'B' is used before its definition");
    expect_errors("const A = 1 / (1 - 1)\n" MODEL_TEXT, 1, "t.sas:1:15: error: division by zero");
    expect_errors("const W = 2.5\nmodel m { input x[4] layer y = dense(x, W) { activation = softmax } "
                  "loss cross_entropy(y) }\n", 1, "t.sas:2:41: error: a layer width must be an integer, not 2.5");
}

/* The text form round-trips exactly and refuses malformed lists. */
static void test_constants_text(void)
{
    sasc_constants c = {0}, back;
    char text[256], error[256];
    CU_ASSERT_TRUE(sasc_constants_put(&c, "N", 100));
    CU_ASSERT_TRUE(sasc_constants_put(&c, "s", 0.1 + 0.2));
    CU_ASSERT_FALSE(sasc_constants_put(&c, "2x", 1));
    sasc_constants_text(&c, text, sizeof text);
    CU_ASSERT_TRUE_FATAL(sasc_constants_parse(text, &back, error, sizeof error));
    CU_ASSERT_EQUAL(back.count, 2);
    CU_ASSERT_EQUAL(back.items[1].value, 0.1 + 0.2);
    CU_ASSERT_FALSE(sasc_constants_parse("N=1,N=2", &back, error, sizeof error));
    CU_ASSERT_FALSE(sasc_constants_parse("N=abc", &back, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "N must be a number, got 'abc'");
    CU_ASSERT_TRUE(sasc_constants_parse("", &back, error, sizeof error));
    CU_ASSERT_EQUAL(back.count, 0);
}

/* ---------------------------------------------------------------- main */

typedef struct {
    const char *name;
    CU_TestFunc run;
} test_case;

static void add_suite(const char *name, const test_case *tests, size_t count)
{
    CU_pSuite suite = CU_add_suite(name, NULL, NULL);
    for (size_t i = 0; i < count; i++)
        CU_add_test(suite, tests[i].name, tests[i].run);
}

#define ADD_SUITE(name, tests) add_suite(name, tests, sizeof tests / sizeof tests[0])

int main(void)
{
    TESTING_INIT();
    static const test_case lexer[] = {
        { "tokens and locations", test_lexer_tokens_and_locations },
        { "numbers", test_lexer_numbers },
        { "number too large", test_lexer_number_too_large },
        { "strings", test_lexer_strings },
        { "bad strings", test_lexer_bad_strings },
        { "bad characters", test_lexer_bad_characters },
        { "comments and keywords", test_lexer_comments_and_keywords },
        { "NUL bytes in files", test_read_file_rejects_nul },
        { "diagnostic format", test_diagnostic_format },
        { "diagnostic tabs and multi-line ranges", test_diagnostic_tabs_and_multiline },
    };
    static const test_case parser[] = {
        { "repository .sas files", test_parser_repository_files },
        { "separators and keyword keys", test_parser_separators_and_keyword_keys },
        { "several syntax errors", test_parser_several_syntax_errors },
        { "recovery inside trials declarations", test_parser_trials_recovery },
        { "recovery inside calls", test_parser_recovers_inside_calls },
        { "end of file", test_parser_end_of_file },
        { "deep nesting", test_parser_deep_nesting },
        { "garbage never crashes", test_parser_garbage_never_crashes },
    };
    static const test_case semantic[] = {
        { "checked file", test_semantic_checked_file },
        { "defaults", test_semantic_defaults },
        { "mask path relative to the file", test_semantic_mask_path_relative_to_file },
        { "unknown names", test_semantic_unknown_names },
        { "layer order", test_semantic_layer_order },
        { "duplicates", test_semantic_duplicates },
        { "value kinds", test_semantic_value_kinds },
        { "ranges", test_semantic_ranges },
        { "widths", test_semantic_widths },
        { "identity needs square groups", test_semantic_identity_needs_square },
        { "model structure", test_semantic_model_structure },
        { "task settings", test_semantic_task_settings },
        { "several errors per run", test_semantic_several_errors },
        { "closest name", test_semantic_closest_name },
        { "constants fold", test_constants_fold },
        { "constants overridden", test_constants_override },
        { "constants errors", test_constants_errors },
        { "constants as text", test_constants_text },
    };
    ADD_SUITE("lexer", lexer);
    ADD_SUITE("parser", parser);
    ADD_SUITE("semantic", semantic);
    return testing_run_registry();
}
