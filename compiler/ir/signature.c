/*
 * signature.c — exact serialisation of an ir_program (signature.h).
 */
#include "compiler/ir/signature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Update ir_signature when one of these changes (x86-64 / LP64 sizes). */
_Static_assert(sizeof(ir_node) == 104, "ir_signature must serialise every field of ir_node");
_Static_assert(sizeof(sasc_buffer_desc) == 64, "ir_signature must serialise every field of sasc_buffer_desc");
_Static_assert(sizeof(ir_buffer) == 80, "ir_signature must serialise every field of ir_buffer");
_Static_assert(sizeof(ir_group) == 72, "ir_signature must serialise every field of ir_group");
_Static_assert(sizeof(ir_layer) == 48, "ir_signature must serialise every field of ir_layer");

/* Length-prefixed, so that no text can run into the next field; NULL is "-". */
static void write_text(FILE *out, const char *text)
{
    if (text)
        fprintf(out, "%zu:%s", strlen(text), text);
    else
        fputc('-', out);
}

static void write_buffer(FILE *out, const ir_buffer *b)
{
    const sasc_buffer_desc *d = &b->desc;
    fprintf(out, "B ");
    write_text(out, b->name);
    fprintf(out, " %d %d %d %d %d %d %a %a %d %d %d\n", (int)d->role, d->group, (int)d->parameter, d->rows,
            d->cols, (int)d->init.kind, d->init.a, d->init.b, d->frozen, d->mask_buffer, b->carried_adjoint);
}

static void write_group(FILE *out, const ir_group *g)
{
    fprintf(out, "G ");
    write_text(out, g->name);
    fprintf(out, " %d %d %d %d %d %d %d %d %d %d %a ", (int)g->kind, g->layer, g->fan_in, g->width,
            g->parameter_buffer[0], g->parameter_buffer[1], g->parameter_buffer[2], g->noise_buffer,
            g->mask_buffer, (int)g->mask.kind, g->mask.density);
    write_text(out, g->mask.path);
    fputc('\n', out);
}

static void write_layer(FILE *out, const ir_layer *l)
{
    fprintf(out, "L ");
    write_text(out, l->name);
    fputc(' ', out);
    write_text(out, l->kind);
    fputc(' ', out);
    write_text(out, l->activation);
    fprintf(out, " %d %d %d %d %d\n", l->width, l->per_step, l->first_group, l->group_count, l->state_buffer);
}

static void write_function(FILE *out, const ir_function *f)
{
    fprintf(out, "F ");
    write_text(out, f->name);
    fprintf(out, " %d\n", f->count);
    for (int i = 0; i < f->count; i++) {
        const ir_node *n = &f->nodes[i];
        fprintf(out, "%d %d %d %d %d %d %d %d %a %a %a %a %a %a %d %d %d %d\n", (int)n->op, n->rows, n->cols,
                n->a, n->b, n->c, n->buffer, n->index, n->constant, n->scale, n->shift, n->low, n->high,
                n->alpha, n->transpose_a, n->transpose_b, n->steps, n->reverse);
    }
}

char *ir_signature(const ir_program *p)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    fprintf(out, "P ");
    write_text(out, p->model_name);
    fprintf(out, " %d %d %d %d %d %d %d %d %d %d %d %d\n", (int)p->precision, p->batch, p->input_width,
            p->classes, p->buffer_count, p->group_count, p->layer_count, p->input_buffer, p->target_buffer,
            p->output_buffer, p->loss_buffer, p->scalars_buffer);
    for (int i = 0; i < p->buffer_count; i++)
        write_buffer(out, &p->buffers[i]);
    for (int i = 0; i < p->group_count; i++)
        write_group(out, &p->groups[i]);
    for (int i = 0; i < p->layer_count; i++)
        write_layer(out, &p->layers[i]);
    write_function(out, &p->train);
    write_function(out, &p->update);
    write_function(out, &p->predict);
    write_function(out, &p->predict_dynamic);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
