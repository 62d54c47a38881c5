/*
 * commands.c — the command table of `sasc` and the help built from it.
 */
#include "compiler/driver/commands.h"
#include "compiler/driver/commands_internal.h"
#include "runtime/analyses/registry.h"
#include "runtime/settings/task.h"
#include "runtime/train/train.h"

#include "config.h"

#include <stdio.h>
#include <string.h>

static const sasc_command commands[] = {
    {"check",
     "  check FILE [--plan]          report every problem in FILE, nothing else;\n"
     "                               --plan: estimate memory and time of each task\n",
     "Usage: sasc check FILE [--plan]\nParse and check FILE; print every problem found, "
     "as file:line:col: error: message.\nExit 0 when the file is correct, 1 otherwise.\n"
     "--plan also estimates, for each task, the memory (buffers, working values,\n"
     "data) and the time a run will need: its operations at the speed this machine\n"
     "measured for the model's largest matrix product (small layers run slower).\n",
     command_check, NULL},
    {"ir",
     "  ir FILE [TASK]               print the tensor IR of the kernels\n",
     "Usage: sasc ir FILE [TASK] [--set KEY=VALUE]...\nPrint the tensor IR (buffers and the "
     "train, update and predict functions,\nand predict_dynamic for recurrent models) for the "
     "model that TASK trains, with the\ntask's batch size and precision.\n",
     command_ir, NULL},
    {"llvm",
     "  llvm FILE [TASK]             print the LLVM IR of the kernels (optimised;\n"
     "                               --unoptimized for before)\n",
     "Usage: sasc llvm FILE [TASK] [--set KEY=VALUE]... [--unoptimized]\nPrint the LLVM IR "
     "of the generated kernels, after the optimisation pipeline\n(before it with --unoptimized).\n",
     command_llvm, NULL},
    {"run",
     "  run FILE [TASK]              compile FILE and run TASK (default: the file's\n"
     "                               only task)\n"
     "  run --resume RUN_DIR         continue a run from its last checkpoint\n",
     "Usage: sasc run FILE [TASK] [--set KEY=VALUE]... [--out DIR] [--seed N] [--threads N]\n"
     "                [--force]\n"
     "Compile FILE, then train and evaluate TASK (the file's only task when TASK is\n"
     "omitted). Writes metrics.csv, run.json, model.sas and one .npy per parameter\n"
     "(LAYER.pi, LAYER.m, LAYER.Xi) to DIR (default runs/MODEL-TASK), and\n"
     "checkpoint.sasc after every epoch and on SIGINT or SIGTERM (exit 130 or 143).\n"
     "DIR belongs to the run: it is locked while the run works, and a directory\n"
     "holding another run is refused unless --force (which clears it first).\n"
     "       sasc run --resume DIR [--set KEY=VALUE]...\n"
     "Continue the run in DIR from its checkpoint (e.g. --set epochs=N for more\n"
     "epochs): the results are those of an uninterrupted run.\n"
     "       mpirun -np K sasc run FILE [TASK] [OPTIONS]   (sasc built with MPI)\n"
     "Train one model on K MPI ranks: the shards of each step are dealt to the\n"
     "ranks, and the results are the bytes of one process with the same shards\n"
     "(K at most shards; rank 0 writes DIR; --threads counts per rank, default\n"
     "the cores shared by the ranks on a machine).\n"
     "`sasc help settings` lists every KEY.\n",
     command_run, NULL},
    {"build",
     "  build FILE [TASK] -o PROG    compile TASK into a standalone executable\n"
     "                               (--library: a C library; see `sasc help build`)\n",
     "Usage: sasc build FILE [TASK] -o OUTPUT [--set KEY=VALUE]... [--target-cpu CPU]\n"
     "                  [--emit-obj | --emit-llvm | --library]\n"
     "Compile FILE ahead of time into the executable OUTPUT, which runs TASK exactly as\n"
     "`sasc run` does (same options --set, --out, --seed, --threads; same files) and\n"
     "needs no LLVM. Settings given here become the program's defaults; batch and\n"
     "precision are compiled in.\n"
     "  --target-cpu CPU   the CPU to generate code for: host (default), generic\n"
     "                     (any x86-64), or an LLVM CPU name such as skylake\n"
     "  --emit-obj         write the object file (kernels and tables) and stop\n"
     "  --emit-llvm        write the LLVM IR of the object instead\n"
     "  --library          make the static library OUTPUT (libNAME.a: the model and the\n"
     "                     runtime) and the header NAME.h beside it, to load a saved\n"
     "                     ensemble and predict from C (see examples/embed.c)\n"
     "The C compiler ($SASC_CC, $CC or cc) links; $SASC_RUNTIME_DIR overrides where\n"
     "the runtime library is looked for.\n",
     command_build, NULL},
    {"eval",
     "  eval RUN_DIR                 evaluate a saved ensemble (mean-field and\n"
     "                               sampled networks), e.g. on other data\n",
     "Usage: sasc eval RUN_DIR [--set KEY=VALUE]...\n"
     "Evaluate the ensemble saved in RUN_DIR (its last checkpoint) on the test set of\n"
     "its task, or other data (--set data=DIR, --set test=N): prints CSV with the\n"
     "test accuracy of the mean-field network and of `sampled_networks` networks\n"
     "sampled from the ensemble (--set sampled_networks=K, --seed N), with their\n"
     "mean and standard deviation.\n",
     command_eval, NULL},
    {"analyze",
     "  analyze RUN_DIR WHAT         analyses of a finished run (WHAT: a comma list;\n"
     "                               `sasc help analyses` lists them)\n",
     "Usage: sasc analyze RUN_DIR WHAT [--set KEY=VALUE]... [--out DIR]\n"
     "Analyse the ensemble a finished `sasc run` saved in RUN_DIR: recompile\n"
     "RUN_DIR/model.sas with the settings of RUN_DIR/run.json, load the parameters,\n"
     "and write data (CSV, .npy) and SVG figures to RUN_DIR (or DIR). WHAT is a comma\n"
     "list of:\n",
     command_analyze, command_analyze_help},
    {"sweep",
     "  sweep FILE [TASK] --over KEY=V1,V2,...\n"
     "                               train TASK at every point of a grid of settings,\n"
     "                               then summarise over seeds (sweep.csv, summary.csv)\n",
     "Usage: sasc sweep FILE [TASK] --over KEY=V1,V2,... [--over ...] [--zip] [--jobs N]\n"
     "                  [--set KEY=VALUE]... [--out DIR]\n"
     "Train TASK once for every combination of the listed values (with --zip: point k\n"
     "takes value k of every list), each point in its own run directory DIR/KEY-VALUE_...\n"
     "(DIR default runs/MODEL-TASK-sweep). Any task setting may be listed; `seed` is the\n"
     "replicate: summary.csv averages over it. Each distinct program is compiled once;\n"
     "points run --jobs at a time (default: one per core, one thread each). Points\n"
     "already completed are skipped and interrupted ones resumed, so the same command\n"
     "continues a sweep stopped by Ctrl-C or a crash; a directory holding another sweep\n"
     "is refused. Writes DIR/sweep.json (the sweep), sweep.csv (one row per point: its\n"
     "settings, status and final metrics), summary.csv (mean, sd, standard error and n\n"
     "over seeds of every metric) and sweep_test_error_vs_KEY.svg,\n"
     "sweep_train_loss_vs_KEY.svg for every numeric KEY but the seed (error bars: one\n"
     "standard error). Under mpirun -np K, rank r trains points r, r + K, ... (each on\n"
     "its rank alone) and rank 0 writes the report: the same bytes as one process.\n"
     "Example:\n"
     "  sasc sweep models/gbp_mnist.sas --over train=1000,2000,5000,10000 --over seed=1,2,3,4,5\n",
     command_sweep, NULL},
};

static const char usage_head[] =
    "Usage: sasc COMMAND [ARGUMENTS]\n"
    "Compile and train spike-and-slab ensemble networks described in .sas files.\n"
    "\n"
    "Commands:\n";

static const char usage_help_line[] =
    "  help [COMMAND|settings|analyses]\n"
    "                               show help for a command, list task settings,\n"
    "                               or list the analyses\n"
    "\n"
    "Options for ir, llvm, run, build and eval:\n";

/* After the task options (sasc_task_options_help, shared with built programs). */
static const char usage_tail[] =
    "\n"
    "  -h, --help                   show this help and exit\n"
    "  -V, --version                show version information and exit\n"
    "\n"
    "Exit status: 0 on success, 1 on a user error (the file, a setting or the\n"
    "data), 2 on an internal error, 130/143 when a run stopped on SIGINT/SIGTERM.\n"
    "\n"
    "Example:\n"
    "  sasc run examples/quickstart.sas --set epochs=5 --out runs/qs\n";

enum { COMMAND_COUNT = (int)(sizeof commands / sizeof commands[0]) };

const sasc_command *sasc_find_command(const char *name)
{
    for (int i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void sasc_print_version(void)
{
    printf("sasc %s (LLVM %s)\n", PACKAGE_VERSION, codegen_llvm_version());
    printf("training over MPI ranks: %s\n", sasc_transport_library());
    printf("Copyright (C) 2026 the sasc developers.\n");
}

static void print_settings_help(void)
{
    int count = 0;
    const sasc_setting_info *settings = sasc_task_settings(&count);
    sasc_task defaults;
    sasc_task_defaults(&defaults);
    printf("Task settings (in a task block as KEY = VALUE, or --set KEY=VALUE):\n\n");
    for (int i = 0; i < count; i++) {
        char value[256];
        sasc_task_value_json(&defaults, &settings[i], value, sizeof value);
        printf("  %-17s %s (default %s)\n", settings[i].key, settings[i].help, value);
    }
    printf("\nA constant of the file (const NAME = expr) is overridden the same way, with\n"
           "--set NAME=VALUE; run.json and checkpoints record the values used.\n");
}

int sasc_help(const char *topic)
{
    if (topic == NULL) {
        fputs(usage_head, stdout);
        for (int i = 0; i < COMMAND_COUNT; i++)
            fputs(commands[i].overview, stdout);
        fputs(usage_help_line, stdout);
        fputs(sasc_task_options_help, stdout);
        fputs(usage_tail, stdout);
        return SASC_EXIT_OK;
    }
    if (strcmp(topic, "settings") == 0) {
        print_settings_help();
        return SASC_EXIT_OK;
    }
    if (strcmp(topic, "analyses") == 0) {
        sasc_analyses_print_table(stdout);
        return SASC_EXIT_OK;
    }
    const sasc_command *command = sasc_find_command(topic);
    if (command == NULL)
        return user_error("no help for '%s'", topic);
    fputs(command->help, stdout);
    if (command->help_more)
        command->help_more(stdout);
    return SASC_EXIT_OK;
}
