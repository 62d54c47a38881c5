/*
 * emit.c — the object emitter: the module builder's kernels, and the
 * runtime's tables as constant data beside them, through an LLVM target
 * machine to an object file.
 *
 * The tables are C structures (sasc_runtime.h, task.h, embedded.h). Rather
 * than restate their layout as LLVM types, each one is written as the
 * bytes this compiler's own C compiler laid out for it (the object targets
 * the same triple), with its pointer fields replaced by relocations to the
 * module's globals: a packed struct of byte runs and pointers. New
 * non-pointer fields in those headers therefore need no change here; new
 * pointer fields must be added to the field lists below. The embedded
 * model's `layout` words let the runtime refuse a mismatched object.
 */
#include "compiler/codegen/emit.h"
#include "compiler/codegen/failure.h"
#include "compiler/codegen/codegen_internal.h"
#include "compiler/codegen/target_cpu.h"
#include "runtime/settings/embedded.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <llvm-c/Target.h>


/* ---- constant data ---- */

typedef struct {
    LLVMModuleRef module;
    LLVMContextRef context;
    LLVMTypeRef ptr;
} data_emitter;

/* A pointer field of a C structure and the constant it points to. */
typedef struct {
    size_t offset;
    LLVMValueRef target;   /* NULL: a null pointer */
} pointer_field;

static LLVMValueRef global(data_emitter *d, const char *name, LLVMValueRef value, unsigned align)
{
    LLVMValueRef g = LLVMAddGlobal(d->module, LLVMTypeOf(value), name ? name : "");
    LLVMSetInitializer(g, value);
    LLVMSetGlobalConstant(g, true);
    LLVMSetLinkage(g, name ? LLVMExternalLinkage : LLVMPrivateLinkage);
    LLVMSetAlignment(g, align);
    return g;
}

static LLVMValueRef string_global(data_emitter *d, const char *text)
{
    if (text == NULL)
        return NULL;
    LLVMValueRef value = LLVMConstStringInContext(d->context, text, (unsigned)strlen(text), false);
    LLVMValueRef g = global(d, NULL, value, 1);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

/* `size` bytes as a constant array (no terminating NUL added). */
static LLVMValueRef bytes_global(data_emitter *d, const unsigned char *bytes, size_t size)
{
    LLVMValueRef value = LLVMConstStringInContext(d->context, (const char *)bytes, (unsigned)size, true);
    return global(d, NULL, value, 16);
}

enum { MAX_POINTER_FIELDS = 8 };   /* the most any structure above has is 8 */

/* The C object `bytes` (size bytes) as a packed constant: byte runs between
 * the pointer fields (sorted by offset, at most MAX_POINTER_FIELDS), each
 * pointer a relocation. */
static LLVMValueRef image(data_emitter *d, const void *bytes, size_t size,
                          const pointer_field *fields, int count)
{
    assert(count <= MAX_POINTER_FIELDS);   /* the callers' lists are fixed */
    LLVMValueRef parts[2 * MAX_POINTER_FIELDS + 1];
    unsigned n = 0;
    size_t at = 0;
    const char *data = bytes;
    for (int k = 0; k <= count; k++) {
        size_t end = k < count ? fields[k].offset : size;
        if (end > at)
            parts[n++] = LLVMConstStringInContext(d->context, data + at, (unsigned)(end - at), true);
        if (k == count)
            break;
        parts[n++] = fields[k].target ? fields[k].target : LLVMConstNull(d->ptr);
        at = end + sizeof(void *);
    }
    return LLVMConstStructInContext(d->context, parts, n, true);
}

/* An array of C objects as one packed constant of their images. */
static LLVMValueRef image_array(LLVMValueRef *images, int count, data_emitter *d)
{
    return LLVMConstStructInContext(d->context, images, (unsigned)count, true);
}

/* A table of `count` C objects of `size` bytes at `objects`, each an image
 * with the pointer fields `point(d, object, fields)` lists (at most
 * MAX_POINTER_FIELDS). */
typedef int (*pointer_fields_of)(data_emitter *d, const void *object, pointer_field *fields);

static LLVMValueRef object_table(data_emitter *d, const void *objects, int count, size_t size,
                                 pointer_fields_of point)
{
    LLVMValueRef *images = malloc((size_t)(count > 0 ? count : 1) * sizeof *images);
    if (!images)
        return NULL;
    for (int i = 0; i < count; i++) {
        const char *object = (const char *)objects + (size_t)i * size;
        pointer_field fields[MAX_POINTER_FIELDS];
        images[i] = image(d, object, size, fields, point(d, object, fields));
    }
    LLVMValueRef table = global(d, NULL, image_array(images, count, d), 16);
    free(images);
    return table;
}

static int buffer_pointers(data_emitter *d, const void *object, pointer_field *fields)
{
    const sasc_buffer_desc *b = object;
    fields[0] = (pointer_field){offsetof(sasc_buffer_desc, name), string_global(d, b->name)};
    return 1;
}

static int group_pointers(data_emitter *d, const void *object, pointer_field *fields)
{
    const sasc_group_desc *g = object;
    fields[0] = (pointer_field){offsetof(sasc_group_desc, name), string_global(d, g->name)};
    fields[1] = (pointer_field){offsetof(sasc_group_desc, mask) + offsetof(sasc_mask, path),
                                string_global(d, g->mask.path)};
    return 2;
}

static int layer_pointers(data_emitter *d, const void *object, pointer_field *fields)
{
    const sasc_layer_desc *l = object;
    fields[0] = (pointer_field){offsetof(sasc_layer_desc, name), string_global(d, l->name)};
    fields[1] = (pointer_field){offsetof(sasc_layer_desc, kind), string_global(d, l->kind)};
    fields[2] = (pointer_field){offsetof(sasc_layer_desc, activation), string_global(d, l->activation)};
    return 3;
}

static int file_pointers(data_emitter *d, const void *object, pointer_field *fields)
{
    const sasc_embedded_file *f = object;
    fields[0] = (pointer_field){offsetof(sasc_embedded_file, path), string_global(d, f->path)};
    fields[1] = (pointer_field){offsetof(sasc_embedded_file, bytes), bytes_global(d, f->bytes, f->size)};
    return 2;
}

/* The kernels become local symbols: only the program table refers to them,
 * so several models can be linked into one program. */
static LLVMValueRef kernel_named(data_emitter *d, const char *symbol)
{
    LLVMValueRef function = LLVMGetNamedFunction(d->module, symbol);
    if (function)
        LLVMSetLinkage(function, LLVMInternalLinkage);
    return function;
}

static int kernel_pointers(data_emitter *d, const void *object, pointer_field *fields)
{
    const sasc_kernel_desc *k = object;
    bool parted = k->role == SASC_KERNEL_UPDATE_PART;
    fields[0] = (pointer_field){offsetof(sasc_kernel_desc, symbol), string_global(d, k->symbol)};
    fields[1] = (pointer_field){offsetof(sasc_kernel_desc, run), parted ? NULL : kernel_named(d, k->symbol)};
    fields[2] = (pointer_field){offsetof(sasc_kernel_desc, run_part), parted ? kernel_named(d, k->symbol) : NULL};
    return 3;
}

/* ---- the declared trials (sasc_trials) ---- */

static int level_name_pointers(data_emitter *d, const void *object, pointer_field *fields)
{
    const char *const *name = object;
    fields[0] = (pointer_field){0, string_global(d, *name)};
    return 1;
}

/* `count` elements of `size` bytes without pointers, or a null pointer when absent. */
static LLVMValueRef plain_array(data_emitter *d, const void *array, int count, size_t size)
{
    return array ? bytes_global(d, array, (size_t)(count > 0 ? count : 0) * size) : NULL;
}

static int variable_pointers(data_emitter *d, const void *object, pointer_field *fields)
{
    const sasc_trial_variable *v = object;
    fields[0] = (pointer_field){offsetof(sasc_trial_variable, name), string_global(d, v->name)};
    fields[1] = (pointer_field){offsetof(sasc_trial_variable, levels),
                                plain_array(d, v->levels, v->level_count, sizeof *v->levels)};
    fields[2] = (pointer_field){offsetof(sasc_trial_variable, level_names),
                                v->level_names ? object_table(d, v->level_names, v->level_count,
                                                              sizeof *v->level_names,
                                                              level_name_pointers) : NULL};
    return 3;
}

static int period_pointers(data_emitter *d, const void *object, pointer_field *fields)
{
    const sasc_trial_period *p = object;
    fields[0] = (pointer_field){offsetof(sasc_trial_period, name), string_global(d, p->name)};
    return 1;
}

static LLVMValueRef trials_global(data_emitter *d, const sasc_trials *t)
{
    if (!t)
        return NULL;
    pointer_field fields[] = {
        {offsetof(sasc_trials, name), string_global(d, t->name)},
        {offsetof(sasc_trials, variables), object_table(d, t->variables, t->variable_count,
                                                         sizeof *t->variables, variable_pointers)},
        {offsetof(sasc_trials, periods), object_table(d, t->periods, t->period_count,
                                                       sizeof *t->periods, period_pointers)},
        {offsetof(sasc_trials, expressions), plain_array(d, t->expressions, t->expression_count + 1,
                                                          sizeof *t->expressions)},
        {offsetof(sasc_trials, code), plain_array(d, t->code, t->code_count, sizeof *t->code)},
    };
    return global(d, NULL, image(d, t, sizeof *t, fields, 5), 16);
}

static LLVMValueRef program_global(data_emitter *d, const sasc_program *program)
{
    LLVMValueRef buffers = object_table(d, program->buffers, program->buffer_count, sizeof *program->buffers,
                                        buffer_pointers);
    LLVMValueRef groups = object_table(d, program->groups, program->group_count, sizeof *program->groups,
                                       group_pointers);
    LLVMValueRef layers = object_table(d, program->layers, program->layer_count, sizeof *program->layers,
                                       layer_pointers);
    LLVMValueRef kernels = object_table(d, program->kernels, program->kernel_count, sizeof *program->kernels,
                                        kernel_pointers);
    if (!buffers || !groups || !layers || !kernels)
        return NULL;
    pointer_field fields[] = {
        {offsetof(sasc_program, model_name), string_global(d, program->model_name)},
        {offsetof(sasc_program, buffers), buffers},
        {offsetof(sasc_program, groups), groups},
        {offsetof(sasc_program, layers), layers},
        {offsetof(sasc_program, kernels), kernels},
        {offsetof(sasc_program, trials), trials_global(d, program->trials)},
    };
    return global(d, NULL, image(d, program, sizeof *program, fields, 6), 16);
}

static bool add_embedded_model(data_emitter *d, const sasc_program *program,
                               const emit_payload *payload, const char *symbol)
{
    LLVMValueRef program_table = program_global(d, program);
    if (!program_table)
        return false;
    LLVMValueRef task = global(d, NULL, image(d, payload->task, sizeof *payload->task, NULL, 0), 16);
    LLVMValueRef files = object_table(d, payload->files, payload->file_count, sizeof *payload->files,
                                      file_pointers);
    if (!files)
        return false;
    sasc_embedded_model model;
    memset(&model, 0, sizeof model);
    sasc_embedded_layout(model.layout);
    model.file_count = payload->file_count;
    pointer_field fields[] = {
        {offsetof(sasc_embedded_model, program), program_table},
        {offsetof(sasc_embedded_model, task), task},
        {offsetof(sasc_embedded_model, model_file), string_global(d, payload->model_file)},
        {offsetof(sasc_embedded_model, source_text), string_global(d, payload->source_text)},
        {offsetof(sasc_embedded_model, compiler), string_global(d, payload->compiler)},
        {offsetof(sasc_embedded_model, files), files},
    };
    global(d, symbol, image(d, &model, sizeof model, fields, 6), 16);
    return true;
}

/* ---- output ---- */

static bool write_module(LLVMModuleRef module, LLVMTargetMachineRef machine, bool llvm_text,
                         const char *path, char *error, size_t error_size)
{
    char *message = NULL;
    bool failed = llvm_text ? LLVMPrintModuleToFile(module, path, &message)
                            : LLVMTargetMachineEmitToFile(machine, module, path, LLVMObjectFile, &message);
    if (failed)
        failf(error, error_size, "cannot write %s: %s", path, message ? message : "unknown error");
    LLVMDisposeMessage(message);
    return !failed;
}

bool emit_model(ir_program *p, const emit_payload *payload, const char *symbol,
                const char *target_cpu, bool llvm_text, const char *path,
                char *error, size_t error_size)
{
    LLVMTargetMachineRef machine = codegen_cpu_target_machine(target_cpu, error, error_size);
    if (!machine)
        return false;
    LLVMContextRef context = LLVMContextCreate();
    LLVMModuleRef module = codegen_build_module(p, context, machine, true, error, error_size);
    bool ok = module != NULL;
    if (ok) {
        sasc_program program;
        ir_tables tables;
        ir_export_tables(p, LLVMGetNamedFunction(module, CODEGEN_UPDATE_PART_SYMBOL) != NULL, &program, &tables);
        data_emitter d = {module, context, LLVMPointerTypeInContext(context, 0)};
        ok = add_embedded_model(&d, &program, payload, symbol);
        if (!ok)
            failf(error, error_size, "out of memory while emitting the model's tables");
        ir_free_tables(&tables);
        ok = ok && write_module(module, machine, llvm_text, path, error, error_size);
        LLVMDisposeModule(module);
    }
    LLVMContextDispose(context);
    LLVMDisposeTargetMachine(machine);
    return ok;
}
