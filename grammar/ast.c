/*
 * ast.c — building and freeing the syntax tree.
 */
#include "grammar/ast.h"

#include <stdlib.h>
#include <string.h>

void *ast_reserve(void *array, int count, int *capacity, size_t element_size)
{
    if (count < *capacity)
        return array;
    int grown = *capacity ? 2 * *capacity : 4;
    void *bigger = realloc(array, (size_t)grown * element_size);
    if (bigger)
        *capacity = grown;
    return bigger;
}

static ast_expr *new_expr(ast_expr_kind kind, source_location where)
{
    ast_expr *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    e->location = where;
    e->depth = 1;
    return e;
}

ast_expr *ast_number(double value, source_location where)
{
    ast_expr *e = new_expr(AST_NUMBER, where);
    if (e)
        e->number = value;
    return e;
}

/* Shared by the three kinds whose payload is a string. */
static ast_expr *text_expr(ast_expr_kind kind, char *text, source_location where)
{
    ast_expr *e = new_expr(kind, where);
    if (!e) {
        free(text);
        return NULL;
    }
    e->text = text;
    return e;
}

ast_expr *ast_string(char *text, source_location where)
{
    return text_expr(AST_STRING, text, where);
}

ast_expr *ast_name_expr(char *text, source_location where)
{
    return text_expr(AST_NAME, text, where);
}

ast_expr *ast_call(char *name, source_location where)
{
    return text_expr(AST_CALL, name, where);
}

ast_expr *ast_error(source_location where)
{
    return new_expr(AST_ERROR, where);
}

ast_expr *ast_list(source_location where)
{
    return new_expr(AST_LIST, where);
}

ast_expr *ast_negate(ast_expr *operand, source_location where)
{
    ast_expr *e = new_expr(AST_NEGATE, where);
    if (!e) {
        ast_expr_free(operand);
        return NULL;
    }
    e->left = operand;
    e->depth = operand->depth + 1;
    return e;
}

ast_expr *ast_binary(char op, ast_expr *left, ast_expr *right, source_location where)
{
    ast_expr *e = new_expr(AST_BINARY, where);
    if (!e) {
        ast_expr_free(left);
        ast_expr_free(right);
        return NULL;
    }
    e->op = op;
    e->left = left;
    e->right = right;
    e->depth = 1 + (left->depth > right->depth ? left->depth : right->depth);
    return e;
}

bool ast_call_add_arg(ast_expr *call, ast_expr *arg)
{
    ast_expr **args = ast_reserve(call->args, call->arg_count, &call->arg_capacity, sizeof *args);
    if (!args) {
        ast_expr_free(arg);
        return false;
    }
    call->args = args;
    call->args[call->arg_count++] = arg;
    if (arg->depth + 1 > call->depth)
        call->depth = arg->depth + 1;
    return true;
}

void ast_expr_free(ast_expr *e)
{
    if (!e)
        return;
    ast_expr_free(e->left);
    ast_expr_free(e->right);
    for (int i = 0; i < e->arg_count; i++)
        ast_expr_free(e->args[i]);
    free(e->args);
    free(e->text);
    free(e);
}

ast_block *ast_block_new(void)
{
    return calloc(1, sizeof(ast_block));
}

static void setting_clear(ast_setting *s)
{
    free(s->key.text);
    ast_expr_free(s->value);
}

bool ast_block_add(ast_block *b, ast_setting setting)
{
    ast_setting *settings = ast_reserve(b->settings, b->count, &b->capacity, sizeof *settings);
    if (!settings) {
        setting_clear(&setting);
        return false;
    }
    b->settings = settings;
    b->settings[b->count++] = setting;
    return true;
}

void ast_block_free(ast_block *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->count; i++)
        setting_clear(&b->settings[i]);
    free(b->settings);
    free(b);
}

void ast_item_clear(ast_item *item)
{
    free(item->name.text);
    ast_expr_free(item->width);
    ast_expr_free(item->call);
    ast_block_free(item->settings);
}

bool ast_decl_add_item(ast_decl *model, ast_item item)
{
    ast_item *items = ast_reserve(model->items, model->item_count, &model->item_capacity, sizeof *items);
    if (!items) {
        ast_item_clear(&item);
        return false;
    }
    model->items = items;
    model->items[model->item_count++] = item;
    return true;
}

void ast_decl_clear(ast_decl *decl)
{
    free(decl->name.text);
    ast_block_free(decl->settings);
    ast_expr_free(decl->value);
    for (int i = 0; i < decl->item_count; i++)
        ast_item_clear(&decl->items[i]);
    free(decl->items);
}

bool ast_file_add(ast_file *f, ast_decl decl)
{
    ast_decl *decls = ast_reserve(f->decls, f->count, &f->capacity, sizeof *decls);
    if (!decls) {
        ast_decl_clear(&decl);
        return false;
    }
    f->decls = decls;
    f->decls[f->count++] = decl;
    return true;
}

void ast_file_free(ast_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->count; i++)
        ast_decl_clear(&f->decls[i]);
    free(f->decls);
    free(f);
}
