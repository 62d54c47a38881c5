/*
 * main.c — the `sasc` command: find the command, parse its arguments, run it.
 *
 * Every compiling command runs the same pipeline (pipeline.h):
 *
 *   .sas text --frontend_check--> checked_file --lower_model--> ir_program
 *             --codegen_jit--> sasc_program (kernels) --sasc_run_task--> results
 *
 * The commands are one table (commands.c). Exit status (GNU style): 0
 * success, 1 user error (bad .sas, bad setting, bad data), 2 internal error.
 */
#include <stdbool.h>
#include <string.h>

#include "compiler/driver/commands.h"
#include "runtime/train/train.h"

static bool is_help(const char *argument)
{
    return strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0;
}

static bool is_version(const char *argument)
{
    return strcmp(argument, "--version") == 0 || strcmp(argument, "-V") == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return user_error("%s", "no command given");
    const char *name = argv[1];
    if (is_help(name) || strcmp(name, "help") == 0)
        return sasc_help(is_help(name) || argc < 3 ? NULL : argv[2]);
    if (is_version(name)) {
        sasc_print_version();
        return SASC_EXIT_OK;
    }
    const sasc_command *command = sasc_find_command(name);
    if (command == NULL)
        return user_error("unknown command '%s'", name);
    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i]))
            return sasc_help(name);
        if (strcmp(argv[i], "--version") == 0) {
            sasc_print_version();
            return SASC_EXIT_OK;
        }
    }
    invocation call = {.command = name};
    int status = invocation_parse(argc, argv, &call);
    if (status == SASC_EXIT_OK)
        status = command->run(&call);
    invocation_free(&call);
    sasc_transport_finalize();   /* MPI, if a run under mpirun started it (transport.h) */
    return status;
}
