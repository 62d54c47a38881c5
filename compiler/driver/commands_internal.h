/*
 * commands_internal.h — the handlers of the command table (commands.c),
 * one file per family: inspect.c (check, ir, llvm), run.c (run, eval,
 * analyze), build.c (build), sweep.c (sweep).
 */
#ifndef SASC_COMMANDS_INTERNAL_H
#define SASC_COMMANDS_INTERNAL_H

#include "compiler/driver/invocation.h"
#include "compiler/driver/pipeline.h"

#include <stdio.h>

int command_check(invocation *call);
int command_ir(invocation *call);
int command_llvm(invocation *call);
int command_run(invocation *call);
int command_eval(invocation *call);
int command_analyze(invocation *call);
void command_analyze_help(FILE *out);
int command_build(invocation *call);
int command_sweep(invocation *call);
/* sasc analyze of one run directory, and of a sweep's (sweep.c: every
 * completed point, then the tables aggregated over seeds). */
int command_analyze_run(invocation *call);
int command_analyze_sweep(invocation *call);

#endif
