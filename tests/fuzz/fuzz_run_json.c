/*
 * fuzz_run_json.c — libFuzzer target for the run.json reader
 * (runtime/settings/run_settings.c): the text is parsed as `sasc analyze`
 * parses RUN_DIR/run.json, and every setting it yields is applied to a task
 * the way prepare_analyze applies them (sasc_settings_apply).
 */
#include "runtime/settings/options.h"
#include "runtime/settings/run_settings.h"
#include "runtime/settings/task.h"
#include "tests/fuzz/fuzz_files.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    sasc_run_settings settings;
    char error[8192];
    if (sasc_run_settings_parse(text, "fuzz/run.json", &settings, error, sizeof error)) {
        sasc_settings_list list = {.settings = (const char **)settings.pairs, .count = settings.count,
                                   .capacity = settings.count};
        sasc_task task;
        sasc_task_defaults(&task);
        sasc_settings_apply(&list, &task, error, sizeof error);
        sasc_run_settings_free(&settings);
    }
    free(text);
    return 0;
}
