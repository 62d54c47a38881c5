/*
 * syntax.h — the grammar's interface: text to tokens (for tests and tools)
 * and text to a syntax tree. Implemented in lexer.l (which owns the scanner)
 * on top of the bison parser of parser.y.
 */
#ifndef SASC_SYNTAX_H
#define SASC_SYNTAX_H

#include "grammar/ast.h"
#include "grammar/diagnostics.h"

/* What the parser's actions need besides the scanner. */
typedef struct syntax_context {
    diagnostics *d;
    const char *text;        /* the source, to quote tokens in messages */
    ast_file *file;          /* the declarations parsed so far */
    bool depth_reported;     /* one "nested too deeply" message per run is enough */
    bool out_of_memory;      /* set before aborting the parse for lack of memory */
} syntax_context;

/* Parse `text`, reporting lexical and syntax errors to `d` (the parser
 * recovers at setting, item and declaration level, so several errors are
 * reported per run). Returns the tree of whatever parsed (NULL only when out
 * of memory); the caller checks the error count and frees the tree. */
ast_file *syntax_parse(const char *text, diagnostics *d);

/* One token, for tests: `kind` is a token number of grammar/parser.h
 * (TOKEN_NAME, ...), 0 at the end of the text. */
typedef struct {
    int kind;
    source_location location;
    double number;           /* TOKEN_NUMBER */
    char *text;              /* TOKEN_NAME, TOKEN_STRING: owned; else NULL */
} syntax_token;

/* Scan the whole text; returns the number of tokens stored in *tokens
 * (terminated by a kind-0 token that is not counted), or -1 when out of
 * memory. Free with syntax_tokens_free. */
int syntax_tokens(const char *text, diagnostics *d, syntax_token **tokens);
void syntax_tokens_free(syntax_token *tokens, int count);

#endif
