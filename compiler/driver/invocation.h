/*
 * invocation.h — the command line of one `sasc` command, parsed.
 *
 * Every command that reads a .sas file or a run directory shares one
 * parser, so options mean the same everywhere (GNU style: options and
 * operands in any order, `--set KEY=VALUE` repeatable, applied in order).
 */
#ifndef SASC_INVOCATION_H
#define SASC_INVOCATION_H

#include <stdbool.h>

#include "compiler/codegen/emit.h"
#include "runtime/settings/options.h"
#include "runtime/settings/task.h"

/* Room for a message naming two paths of 4095 bytes (a .sas string's limit)
 * and its reason: a message is never cut before the reason. */
enum { ERROR_SIZE = 16384 };

typedef struct {
    const char *command;
    const char *file;
    const char *task;
    sasc_settings_list settings;  /* --set, --out, --seed, --threads in command-line order */
    bool unoptimized;           /* sasc llvm --unoptimized */
    const char *run_dir;        /* sasc analyze RUN_DIR WHAT: the run, and what */
    const char *task_what;
    char model_path[4200];      /* sasc analyze, --resume, eval: RUN_DIR/model.sas */
    bool plan;                  /* sasc check --plan */
    build_request build;        /* sasc build: -o, --emit-obj, --emit-llvm, --target-cpu, --library */
    bool force;                 /* sasc run --force: replace another run in the output directory */
    const char *saved_dir;      /* sasc run --resume DIR, sasc eval DIR: a run with a checkpoint */
    sasc_task saved_task;       /* that run's task, from its checkpoint */
    const char **over;          /* sasc sweep --over KEY=V1,V2,...: in command-line order */
    int over_count;
    int jobs;                   /* sasc sweep --jobs N: points at once (0: one per core) */
    bool zip;                   /* sasc sweep --zip: point k takes value k of every list */
} invocation;

/* "sasc: error: " + format (one %s: detail) + the --help hint; returns 1. */
int user_error(const char *format, const char *detail);

/* Split the arguments after the command into file, task, settings and the
 * command's own options. */
int invocation_parse(int argc, char **argv, invocation *call);

/* sasc run --resume DIR, sasc eval DIR: read the checkpoint's task; the
 * model is DIR/model.sas, which every run writes. */
int invocation_prepare_saved_run(invocation *call);

/* A copy of `from` that owns all its strings (free with sasc_settings_list_free). */
bool invocation_copy_settings(const sasc_settings_list *from, sasc_settings_list *to);

void invocation_free(invocation *call);

#endif
