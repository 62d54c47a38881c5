/*
 * commands.h — the commands of `sasc`, one table (commands.c): each names
 * itself, says in its overview lines what it does, gives its full help, and runs.
 * main() and `sasc help` read the table; a new command is a new entry.
 */
#ifndef SASC_COMMANDS_H
#define SASC_COMMANDS_H

#include "compiler/driver/invocation.h"

#include <stdio.h>

typedef struct {
    const char *name;
    const char *overview;   /* its lines of `sasc --help` (operands, then what it does) */
    const char *help;       /* `sasc help NAME`, `sasc NAME --help` */
    int (*run)(invocation *call);   /* after invocation_parse */
    void (*help_more)(FILE *out);   /* the rest of the help, generated (NULL: none) */
} sasc_command;

/* The command called `name`, or NULL. */
const sasc_command *sasc_find_command(const char *name);

/* `sasc help [TOPIC]`: the overview, one command, or `settings`. */
int sasc_help(const char *topic);

void sasc_print_version(void);

#endif
