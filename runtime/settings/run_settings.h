/*
 * run_settings.h — the task settings a run recorded in RUN_DIR/run.json
 * (train.c writes them under "settings", with the task's name under
 * "task"), read back as KEY=VALUE strings for sasc_task_set, so that an
 * analysis of the run compiles and evaluates the model exactly as trained.
 */
#ifndef SASC_RUN_SETTINGS_H
#define SASC_RUN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char task[256];      /* the task's name */
    char **pairs;        /* "KEY=VALUE", in the file's order */
    int count;
} sasc_run_settings;

/* Read RUN_DIR/run.json. On error one sentence in `error`. */
bool sasc_run_settings_read(const char *run_dir, sasc_run_settings *settings,
                            char *error, size_t error_size);

/* The same for the text of a run.json (NUL-terminated), named `path` in
 * messages. Every recorded setting must be valid for sasc_task_set. */
bool sasc_run_settings_parse(const char *text, const char *path, sasc_run_settings *settings,
                             char *error, size_t error_size);

void sasc_run_settings_free(sasc_run_settings *settings);

#endif
