/*
 * options.h — the task options every sasc front door accepts: `sasc run`,
 * `sasc build` and the standalone executables it produces.
 *
 *   --set KEY=VALUE (or --set=KEY=VALUE)   any task setting (task.h)
 *   --out DIR / --seed N / --threads N     shortcuts for --set out=DIR, ...
 *
 * Settings are collected in command-line order and applied after the file's
 * own values, so a later option wins; one parser serves every program so
 * an option means the same thing wherever it is given.
 */
#ifndef SASC_OPTIONS_H
#define SASC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/settings/task.h"

typedef struct {
    const char **settings;   /* "KEY=VALUE", in command-line order; borrowed or in `owned` */
    int count;
    char **owned;            /* strings built from the shortcuts */
    int owned_count;
    int capacity;            /* of both arrays */
} sasc_settings_list;

typedef enum {
    SASC_OPTION_NONE,        /* argv[*i] is not a task option; *i unchanged */
    SASC_OPTION_TAKEN,       /* taken; *i is at its last word (the value, if any) */
    SASC_OPTION_ERROR        /* malformed; one sentence in `error` */
} sasc_option_result;

/* Help lines for the options above, aligned like the other help text. */
extern const char sasc_task_options_help[];

/* Take the task option at argv[*i], if it is one. The list grows as needed. */
sasc_option_result sasc_option_take(sasc_settings_list *list, int argc, char *const *argv, int *i,
                                    char *error, size_t error_size);

/* The message for an option nothing took: "unknown option 'ARG'", with the
 * closest option (suggest.h) among the task options and the `count` names in
 * `others` (the program's own options), or, for `--KEY` with KEY a task
 * setting, how a setting is given. */
void sasc_option_unknown(const char *argument, const char *const *others, int count, char *error,
                         size_t error_size);

/* Apply the settings in order to `task` (sasc_task_set), then default an empty
 * `out` to runs/MODEL-TASK. On error one sentence in `error`. */
bool sasc_settings_apply(const sasc_settings_list *list, sasc_task *task,
                         char *error, size_t error_size);

void sasc_settings_list_free(sasc_settings_list *list);

#endif
