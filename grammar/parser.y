/*
 * parser.y — the grammar of .sas files (see docs/language.md).
 *
 *   file     := { prior NAME block | model NAME '{' { item } '}' | task NAME block
 *              | trials NAME '{' { key '=' expr | period NAME block } '}'
 *              | const NAME '=' expr | sweep NAME block }
 *   item     := input NAME '[' expr ']' | layer NAME '=' call [block]
 *             | loss call | l2 block          (';' may separate items)
 *   block    := '{' { key '=' expr ['frozen'] } '}'   (';' may separate settings)
 *   expr     := number | string | NAME | call | '(' expr ')' | '-' expr | expr op expr
 *             | '[' [expr {',' expr}] ']'     op: + - * / and the comparisons < > == !=
 *   call     := NAME '(' [expr {',' expr}] ')'   (also trials(...), as in data = trials(NAME))
 *
 * Nothing here knows which layer kinds, settings or functions exist: that is
 * semantic analysis's business, so the grammar stays small and regular.
 *
 * Syntax errors (parse.error custom: bison's "detailed" information in our
 * own wording) quote the offending text and list every token that could
 * have come instead (exactly, thanks to LAC), folding the tokens that start
 * an expression into "a value" and the binary operators into "an operator":
 *   unexpected 'lauer'; expected 'input', 'layer', 'loss', 'l2', '}' or ';'
 *
 * Error recovery: `error` tokens inside parentheses and at setting, item and
 * declaration level let the parser resynchronise and report several syntax
 * errors per run. Every heap value on the stack has a %destructor, so
 * recovery never leaks.
 */
%code top {
/* A bounded parser stack: absurdly nested input gets a message, not a crash. */
#define YYMAXDEPTH 1000
}

%define api.pure full
%define api.token.prefix {TOKEN_}
%define api.location.type {source_location}
%define parse.error custom
%define parse.lac full
%locations
%param {void *scanner}
%parse-param {syntax_context *context}

%code requires {
#include "grammar/ast.h"
#include "grammar/syntax.h"
}

%code provides {
int yylex(YYSTYPE *value, source_location *location, void *scanner);
void yyerror(source_location *location, void *scanner, syntax_context *context, const char *message);
}

%code {
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/support/suggest.h"

/* Out of memory: say so once and abort the parse. */
#define CHECK_MEMORY(ok) do { if (!(ok)) { context->out_of_memory = true; YYNOMEM; } } while (0)

static ast_expr *bounded_depth(syntax_context *context, ast_expr *e);
static bool add_decl(syntax_context *context, ast_decl_kind kind, source_location where,
                     char *name, source_location name_location, ast_block *settings);
}

%union {
    double number;
    char *text;
    bool flag;
    ast_expr *expr;
    ast_block *block;
    ast_setting setting;
    ast_item item;
    ast_decl *model;
}

%token END 0 "end of file"
%token <number> NUMBER "number"
%token <text> NAME "name"
%token <text> STRING "string"
%token PRIOR "'prior'" MODEL "'model'" TASK "'task'" INPUT "'input'"
%token LAYER "'layer'" LOSS "'loss'" L2 "'l2'" FROZEN "'frozen'"
%token TRIALS "'trials'" PERIOD "'period'" EQ "'=='" NE "'!='"
%token CONST "'const'" SWEEP "'sweep'"

%type <expr> expr call call_open call_args list list_open list_args
%type <block> block settings optional_block
%type <setting> setting
%type <text> key
%type <flag> frozen
%type <item> item
%type <model> items trial_body

%destructor { free($$); } <text>
%destructor { ast_expr_free($$); } <expr>
%destructor { ast_block_free($$); } <block>
%destructor { free($$.key.text); ast_expr_free($$.value); } <setting>
%destructor { ast_item_clear(&$$); } <item>
%destructor { ast_decl_clear($$); free($$); } <model>

%nonassoc '<' '>' EQ NE
%left '+' '-'
%left '*' '/'
%precedence NEGATE

%%

file:
    %empty
  | file declaration
  ;

declaration:
    PRIOR NAME block            { CHECK_MEMORY(add_decl(context, AST_PRIOR, @1, $2, @2, $3)); }
  | TASK NAME block             { CHECK_MEMORY(add_decl(context, AST_TASK, @1, $2, @2, $3)); }
  | SWEEP NAME block            { CHECK_MEMORY(add_decl(context, AST_SWEEP, @1, $2, @2, $3)); }
  | CONST NAME '=' expr         {
        ast_decl decl = { .kind = AST_CONST, .location = @1, .name = { $2, @2 }, .value = $4 };
        CHECK_MEMORY(ast_file_add(context->file, decl));
    }
  | MODEL NAME '{' items '}'    {
        $4->kind = AST_MODEL;
        $4->location = @1;
        $4->name = (ast_name){ $2, @2 };
        bool added = ast_file_add(context->file, *$4);
        free($4);
        CHECK_MEMORY(added);
    }
  | TRIALS NAME '{' trial_body '}' {
        $4->kind = AST_TRIALS;
        $4->location = @1;
        $4->name = (ast_name){ $2, @2 };
        bool added = ast_file_add(context->file, *$4);
        free($4);
        CHECK_MEMORY(added);
    }
  | error                       { }
  ;

/* A trials declaration: settings (trial variables, dt, label, loss) and periods. */
trial_body:
    %empty                      { $$ = calloc(1, sizeof *$$); CHECK_MEMORY($$);
                                  $$->settings = ast_block_new(); CHECK_MEMORY($$->settings); }
  | trial_body setting          { $$ = $1; CHECK_MEMORY(ast_block_add($$->settings, $2)); }
  | trial_body PERIOD NAME block {
        $$ = $1;
        CHECK_MEMORY(ast_decl_add_item($$, (ast_item){ .kind = AST_ITEM_PERIOD, .location = @2,
                                                       .name = { $3, @3 }, .settings = $4 }));
    }
  | trial_body ';'              { $$ = $1; }
  | trial_body error            { $$ = $1; }
  ;

items:
    %empty                      { $$ = calloc(1, sizeof *$$); CHECK_MEMORY($$); }
  | items item                  { $$ = $1; CHECK_MEMORY(ast_decl_add_item($$, $2)); }
  | items ';'                   { $$ = $1; }
  | items error                 { $$ = $1; }
  ;

item:
    INPUT NAME '[' expr ']'     { $$ = (ast_item){ .kind = AST_ITEM_INPUT, .location = @1,
                                                   .name = { $2, @2 }, .width = $4 }; }
  | LAYER NAME '=' call optional_block
                                { $$ = (ast_item){ .kind = AST_ITEM_LAYER, .location = @1,
                                                   .name = { $2, @2 }, .call = $4, .settings = $5 }; }
  | LOSS call                   { $$ = (ast_item){ .kind = AST_ITEM_LOSS, .location = @1, .call = $2 }; }
  | L2 block                    { $$ = (ast_item){ .kind = AST_ITEM_L2, .location = @1, .settings = $2 }; }
  ;

optional_block:
    %empty                      { $$ = NULL; }
  | block
  ;

block:
    '{' settings '}'            { $$ = $2; $$->location = @$; }
  ;

settings:
    %empty                      { $$ = ast_block_new(); CHECK_MEMORY($$); }
  | settings setting            { $$ = $1; CHECK_MEMORY(ast_block_add($$, $2)); }
  | settings ';'                { $$ = $1; }
  | settings error              { $$ = $1; }
  ;

setting:
    key '=' expr frozen         { $$ = (ast_setting){ .key = { $1, @1 }, .value = $3,
                                                      .frozen = $4, .location = @$ }; }
  ;

/* Keywords are also valid setting keys: `model = gbp`, `prior = sas`. */
key:
    NAME
  | PRIOR                       { $$ = strdup("prior"); CHECK_MEMORY($$); }
  | MODEL                       { $$ = strdup("model"); CHECK_MEMORY($$); }
  | TASK                        { $$ = strdup("task"); CHECK_MEMORY($$); }
  | INPUT                       { $$ = strdup("input"); CHECK_MEMORY($$); }
  | LAYER                       { $$ = strdup("layer"); CHECK_MEMORY($$); }
  | LOSS                        { $$ = strdup("loss"); CHECK_MEMORY($$); }
  | L2                          { $$ = strdup("l2"); CHECK_MEMORY($$); }
  | TRIALS                      { $$ = strdup("trials"); CHECK_MEMORY($$); }
  | PERIOD                      { $$ = strdup("period"); CHECK_MEMORY($$); }
  | CONST                       { $$ = strdup("const"); CHECK_MEMORY($$); }
  | SWEEP                       { $$ = strdup("sweep"); CHECK_MEMORY($$); }
  ;

frozen:
    %empty                      { $$ = false; }
  | FROZEN                      { $$ = true; }
  ;

expr:
    NUMBER                      { $$ = ast_number($1, @1); CHECK_MEMORY($$); }
  | STRING                      { $$ = ast_string($1, @1); CHECK_MEMORY($$); }
  | NAME                        { $$ = ast_name_expr($1, @1); CHECK_MEMORY($$); }
  | call
  | '(' expr ')'                { $$ = $2; $$->location = @$; }
  | '(' error ')'               { $$ = ast_error(@$); CHECK_MEMORY($$); }
  | '-' expr %prec NEGATE       { $$ = bounded_depth(context, ast_negate($2, @$)); CHECK_MEMORY($$); }
  | expr '+' expr               { $$ = bounded_depth(context, ast_binary('+', $1, $3, @$)); CHECK_MEMORY($$); }
  | expr '-' expr               { $$ = bounded_depth(context, ast_binary('-', $1, $3, @$)); CHECK_MEMORY($$); }
  | expr '*' expr               { $$ = bounded_depth(context, ast_binary('*', $1, $3, @$)); CHECK_MEMORY($$); }
  | expr '/' expr               { $$ = bounded_depth(context, ast_binary('/', $1, $3, @$)); CHECK_MEMORY($$); }
  | expr '<' expr               { $$ = bounded_depth(context, ast_binary('<', $1, $3, @$)); CHECK_MEMORY($$); }
  | expr '>' expr               { $$ = bounded_depth(context, ast_binary('>', $1, $3, @$)); CHECK_MEMORY($$); }
  | expr EQ expr                { $$ = bounded_depth(context, ast_binary('=', $1, $3, @$)); CHECK_MEMORY($$); }
  | expr NE expr                { $$ = bounded_depth(context, ast_binary('!', $1, $3, @$)); CHECK_MEMORY($$); }
  | list
  ;

/* [a, b, ...]: the values of a step's inputs or targets, a set of period names. */
list:
    list_open ']'               { $$ = $1; $$->location = @$; }
  | list_args ']'               { $$ = $1; $$->location = @$; }
  | list_open error ']'         { ast_expr_free($1); $$ = ast_error(@$); CHECK_MEMORY($$); }
  | list_args error ']'         { ast_expr_free($1); $$ = ast_error(@$); CHECK_MEMORY($$); }
  ;

list_open:
    '['                         { $$ = ast_list(@1); CHECK_MEMORY($$); }
  ;

list_args:
    list_open expr              { $$ = $1; CHECK_MEMORY(ast_call_add_arg($$, $2)); $$ = bounded_depth(context, $$); CHECK_MEMORY($$); }
  | list_args ',' expr          { $$ = $1; CHECK_MEMORY(ast_call_add_arg($$, $3)); $$ = bounded_depth(context, $$); CHECK_MEMORY($$); }
  ;

call:
    call_open ')'               { $$ = $1; $$->location = @$; }
  | call_args ')'               { $$ = $1; $$->location = @$; }
  | call_open error ')'         { ast_expr_free($1); $$ = ast_error(@$); CHECK_MEMORY($$); }
  | call_args error ')'         { ast_expr_free($1); $$ = ast_error(@$); CHECK_MEMORY($$); }
  ;

call_open:
    NAME '('                    { $$ = ast_call($1, @1); CHECK_MEMORY($$); }
  | TRIALS '('                  { char *name = strdup("trials"); CHECK_MEMORY(name);
                                  $$ = ast_call(name, @1); CHECK_MEMORY($$); }
  ;

call_args:
    call_open expr              { $$ = $1; CHECK_MEMORY(ast_call_add_arg($$, $2)); $$ = bounded_depth(context, $$); CHECK_MEMORY($$); }
  | call_args ',' expr          { $$ = $1; CHECK_MEMORY(ast_call_add_arg($$, $3)); $$ = bounded_depth(context, $$); CHECK_MEMORY($$); }
  ;

%%

/* Trees deeper than AST_MAX_DEPTH are replaced by an error node, reported once. */
static ast_expr *bounded_depth(syntax_context *context, ast_expr *e)
{
    if (!e || e->depth <= AST_MAX_DEPTH)
        return e;
    if (!context->depth_reported)
        diagnostic_report(context->d, DIAGNOSTIC_ERROR, e->location,
                          "expression is nested too deeply (more than %d levels)", AST_MAX_DEPTH);
    context->depth_reported = true;
    source_location where = e->location;
    ast_expr_free(e);
    return ast_error(where);
}

static bool add_decl(syntax_context *context, ast_decl_kind kind, source_location where,
                     char *name, source_location name_location, ast_block *settings)
{
    ast_decl decl = { .kind = kind, .location = where, .name = { name, name_location },
                      .settings = settings };
    return ast_file_add(context->file, decl);
}

/* The source text under a one-line location, e.g. the offending token. */
static void quote_source(const char *text, source_location where, char *out, size_t size)
{
    const char *p = text;
    for (int line = 1; line < where.first_line && *p; p++)
        line += *p == '\n';
    for (int column = 1; column < where.first_column && *p && *p != '\n'; p++)
        column += ((unsigned char)p[1] & 0xC0) != 0x80;
    size_t length = 0;
    for (int column = where.first_column; p[length] && p[length] != '\n'; length++) {
        if (((unsigned char)p[length] & 0xC0) != 0x80 && column++ > where.last_column)
            break;
    }
    snprintf(out, size, "%.*s", (int)length, p);
}

/* How an expected token is described: the tokens that start an expression
 * (a '[' of a list and the 'trials' of trials(NAME) among them) become "a value", the binary operators after one "an operator"; others by
 * their spelling ('}' or 'layer'). Character tokens have no symbolic name in
 * bison, so they are recognised by spelling. */
static const char *expected_name(yysymbol_kind_t symbol, bool value_expected)
{
    const char *name = yysymbol_name(symbol);
    if (symbol == YYSYMBOL_NUMBER || symbol == YYSYMBOL_STRING || symbol == YYSYMBOL_NAME)
        return "a value";
    if (value_expected && (strcmp(name, "'('") == 0 || strcmp(name, "'-'") == 0 ||
                           strcmp(name, "'['") == 0 || symbol == YYSYMBOL_TRIALS))
        return "a value";   /* '[' starts a list, 'trials' the call trials(NAME) */
    if ((strlen(name) == 3 && strchr("+-*/<>", name[1])) || symbol == YYSYMBOL_EQ ||
        symbol == YYSYMBOL_NE)
        return "an operator";
    return name;
}

static void describe_expected(const yypcontext_t *parse, char *out, size_t size)
{
    yysymbol_kind_t expected[YYNTOKENS];
    int count = yypcontext_expected_tokens(parse, expected, YYNTOKENS);
    bool value_expected = false;
    for (int i = 0; i < count; i++)
        value_expected |= expected[i] == YYSYMBOL_NUMBER;
    const char *names[YYNTOKENS];
    int n = 0;
    for (int i = 0; i < count; i++) {
        const char *name = expected_name(expected[i], value_expected);
        bool listed = false;
        for (int j = 0; j < n; j++)
            listed |= names[j] == name;
        if (!listed)
            names[n++] = name;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used < size; i++) {
        int written = snprintf(out + used, size - used, "%s%s",
                               i == 0 ? "; expected " : i == n - 1 ? " or " : ", ", names[i]);
        if (written < 0)
            break;
        used += (size_t)written;
    }
}

/* A name where a keyword was expected ("lauer" for "layer"): the expected
 * keyword closest to it (suggest.h), unquoted, into `out`. `found` is the
 * name in quotes. */
static bool closest_keyword(const yypcontext_t *parse, const char *found, char *out, size_t size)
{
    yysymbol_kind_t expected[YYNTOKENS];
    int count = yypcontext_expected_tokens(parse, expected, YYNTOKENS);
    char names[YYNTOKENS][16];
    const char *keywords[YYNTOKENS];
    int n = 0;
    for (int i = 0; i < count; i++) {
        const char *name = yysymbol_name(expected[i]);
        size_t length = strlen(name);
        /* keywords are spelled "'layer'"; character tokens ("'}'") are no words */
        if (length > 3 && length < sizeof names[0] + 2 && name[0] == '\'' && isalpha((unsigned char)name[1])) {
            snprintf(names[n], sizeof names[n], "%.*s", (int)(length - 2), name + 1);
            keywords[n] = names[n];
            n++;
        }
    }
    char word[48];
    snprintf(word, sizeof word, "%.*s", (int)(strlen(found) - 2), found + 1);
    const char *best = sasc_closest_name(word, keywords, n);
    if (best)
        snprintf(out, size, "%s", best);
    return best != NULL;
}

static int yyreport_syntax_error(const yypcontext_t *parse, void *scanner, syntax_context *context)
{
    (void)scanner;
    source_location where = *yypcontext_location(parse);
    yysymbol_kind_t unexpected = yypcontext_token(parse);
    char found[64], expected[512];
    if (unexpected == YYSYMBOL_YYEOF)
        snprintf(found, sizeof found, "end of file");
    else {
        char token[48];
        quote_source(context->text, where, token, sizeof token);
        snprintf(found, sizeof found, "'%s'", token);
    }
    describe_expected(parse, expected, sizeof expected);
    char keyword[48];
    if (unexpected == YYSYMBOL_NAME && closest_keyword(parse, found, keyword, sizeof keyword))
        diagnostic_report(context->d, DIAGNOSTIC_ERROR, where, "unexpected %s; did you mean '%s'? (%s)",
                          found, keyword, expected[0] ? expected + 2 : "nothing else");
    else
        diagnostic_report(context->d, DIAGNOSTIC_ERROR, where, "unexpected %s%s", found, expected);
    return 0;
}

void yyerror(source_location *location, void *scanner, syntax_context *context, const char *message)
{
    (void)scanner;
    if (strcmp(message, "memory exhausted") != 0)
        diagnostic_report(context->d, DIAGNOSTIC_ERROR, *location, "%s", message);
    else if (context->out_of_memory)
        diagnostic_report_file(context->d, DIAGNOSTIC_ERROR, "out of memory while parsing");
    else
        diagnostic_report(context->d, DIAGNOSTIC_ERROR, *location,
                          "the file is nested too deeply to parse (parser stack limit %d)", YYMAXDEPTH);
}
