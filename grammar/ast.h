/*
 * ast.h — the syntax tree of a .sas file, as the parser builds it.
 *
 * The tree is deliberately untyped: a layer is `kind(args) { settings }` and
 * a loss `kind(args)`, whatever the kind; expressions are numbers, strings,
 * names, arithmetic and calls. Semantic analysis (sema.c) gives them meaning,
 * so new layer kinds or settings never need a grammar change.
 *
 * Ownership: an ast_file owns everything reachable from it; every string is
 * heap-allocated and NUL-terminated. Expression trees are at most
 * AST_MAX_DEPTH deep (the parser replaces deeper ones by AST_ERROR), so the
 * recursive walks over them cannot exhaust the C stack.
 */
#ifndef SASC_AST_H
#define SASC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include "grammar/diagnostics.h"

#define AST_MAX_DEPTH 200

typedef struct {
    char *text;
    source_location location;
} ast_name;

typedef enum {
    AST_NUMBER, AST_STRING, AST_NAME, AST_NEGATE, AST_BINARY, AST_CALL,
    AST_LIST,   /* [a, b, ...]: the elements in args */
    AST_ERROR   /* a part the parser already reported; checks skip it silently */
} ast_expr_kind;

typedef struct ast_expr {
    ast_expr_kind kind;
    source_location location;      /* the whole expression */
    int depth;                     /* 1 for a leaf */
    double number;                 /* AST_NUMBER */
    char *text;                    /* AST_STRING (unescaped), AST_NAME and AST_CALL (the name) */
    char op;                       /* AST_BINARY: '+', '-', '*', '/', or the comparisons
                                      '<', '>', '=' (==) and '!' (!=) */
    struct ast_expr *left, *right; /* AST_BINARY; AST_NEGATE uses left */
    struct ast_expr **args;        /* AST_CALL, AST_LIST */
    int arg_count, arg_capacity;
} ast_expr;

/* `key = value [frozen]` */
typedef struct {
    ast_name key;
    ast_expr *value;
    bool frozen;
    source_location location;      /* key to the end of the value (or `frozen`) */
} ast_setting;

/* `{ setting ... }` */
typedef struct {
    ast_setting *settings;
    int count, capacity;
    source_location location;
} ast_block;

typedef enum { AST_ITEM_INPUT, AST_ITEM_LAYER, AST_ITEM_LOSS, AST_ITEM_L2,
               AST_ITEM_PERIOD } ast_item_kind;

/* One line of a model body:
 *   input NAME [width]              name, width
 *   layer NAME = kind(args) {...}   name, call, settings (settings may be NULL)
 *   loss kind(args)                 call
 *   l2 {...}                        settings
 *   period NAME {...}               name, settings (in a trials declaration) */
typedef struct {
    ast_item_kind kind;
    source_location location;      /* the keyword */
    ast_name name;
    ast_expr *width;
    ast_expr *call;
    ast_block *settings;
} ast_item;

typedef enum { AST_PRIOR, AST_MODEL, AST_TASK, AST_TRIALS, AST_CONST, AST_SWEEP } ast_decl_kind;

/* prior NAME {...} | model NAME { items } | task NAME {...}
 * | trials NAME { settings and periods } | const NAME = expr | sweep NAME {...} */
typedef struct {
    ast_decl_kind kind;
    source_location location;      /* the keyword */
    ast_name name;
    ast_block *settings;           /* AST_PRIOR, AST_TASK, AST_TRIALS, AST_SWEEP */
    ast_expr *value;               /* AST_CONST */
    ast_item *items;               /* AST_MODEL; AST_TRIALS: its periods */
    int item_count, item_capacity;
} ast_decl;

typedef struct {
    ast_decl *decls;
    int count, capacity;
} ast_file;

/* Constructors return NULL only when memory runs out; constructors and the
 * add functions take ownership of their arguments (freeing them on failure). */
ast_expr *ast_number(double value, source_location where);
ast_expr *ast_string(char *text, source_location where);
ast_expr *ast_name_expr(char *text, source_location where);
ast_expr *ast_negate(ast_expr *operand, source_location where);
ast_expr *ast_binary(char op, ast_expr *left, ast_expr *right, source_location where);
ast_expr *ast_call(char *name, source_location where);
ast_expr *ast_error(source_location where);
ast_expr *ast_list(source_location where);           /* empty; elements by ast_call_add_arg */
bool ast_call_add_arg(ast_expr *call, ast_expr *arg);
void ast_expr_free(ast_expr *e);

ast_block *ast_block_new(void);
bool ast_block_add(ast_block *b, ast_setting setting);
void ast_block_free(ast_block *b);

bool ast_file_add(ast_file *f, ast_decl decl);
bool ast_decl_add_item(ast_decl *model, ast_item item);
void ast_item_clear(ast_item *item);
void ast_decl_clear(ast_decl *decl);
void ast_file_free(ast_file *f);

/* Helper for every growable array of the front end: returns `array` (holding
 * `count` elements of `element_size` bytes) or its enlarged copy with room for
 * one more, updating *capacity; NULL when out of memory (`array` still valid). */
void *ast_reserve(void *array, int count, int *capacity, size_t element_size);

#endif
