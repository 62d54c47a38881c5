/*
 * run_history.c — see run_history.h.
 */
#include "runtime/train/run_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool out_of_memory(char *error, size_t error_size)
{
    snprintf(error, error_size, "out of memory recording the run's history");
    return false;
}

bool sasc_run_history_start(sasc_run_history *history, const char *model_file,
                            char *error, size_t error_size)
{
    memset(history, 0, sizeof *history);
    if (model_file && !(history->model_file = strdup(model_file)))
        return out_of_memory(error, error_size);
    return true;
}

/* Settings a resume that trains nothing may change: they act only after
 * training (the analyses), or not on results at all (threads, the directory
 * the run is in), or say that the run ends where it is (epochs). */
static bool allowed_without_training(const char *key)
{
    static const char *const keys[] = {
        "out", "threads", "epochs", "analyze", "entropy_samples", "entropy_a",
        "sampled_networks", "vip_rule", "vip_tolerance", "vip_pi_max", "vip_m_min",
        "perturb_steps", "perturb_repeats", "perturb_layers", "train_sizes", "dynamic_steps",
        "dynamic_networks"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (strcmp(key, keys[k]) == 0)
            return true;
    return false;
}

/* The settings that fix an epoch's image order and its mini-batches. */
static bool fixes_epoch_order(const char *key)
{
    return strcmp(key, "train") == 0 || strcmp(key, "batch") == 0 || strcmp(key, "seed") == 0 ||
           strcmp(key, "shuffle") == 0;
}

/* "KEY=VALUE, ..." of the settings `task` changes from `saved` (not `out`:
 * the directory is the run's, however it is spelt); checks each change. */
static bool describe_changes(const sasc_task *saved, const sasc_task *task, int epochs_done,
                             int step, const char *dir, char *changes, size_t size,
                             char *error, size_t error_size)
{
    int count;
    const sasc_setting_info *settings = sasc_task_settings(&count);
    changes[0] = '\0';
    for (int i = 0; i < count; i++) {
        const char *key = settings[i].key;
        char before[8192], after[8192];
        sasc_task_value_text(saved, &settings[i], before, sizeof before);
        sasc_task_value_text(task, &settings[i], after, sizeof after);
        if (strcmp(key, "out") == 0 || strcmp(before, after) == 0)
            continue;
        if (step > 0 && fixes_epoch_order(key)) {
            snprintf(error, error_size, "the checkpoint in %s stopped in the middle of epoch %d; "
                     "resume it with its own train, batch, seed and shuffle settings (%s=%s, not "
                     "%s)", dir, epochs_done + 1, key, before, after);
            return false;
        }
        if (epochs_done >= task->epochs && !allowed_without_training(key)) {
            snprintf(error, error_size, "the run in %s has trained all %d of its epochs, so "
                     "--set %s=%s would change nothing it did; give more epochs (--set epochs=N) "
                     "to train with it", dir, epochs_done, key, after);
            return false;
        }
        size_t used = strlen(changes);
        snprintf(changes + used, size - used, "%s%s=%s", used ? ", " : "", key, after);
    }
    return true;
}

bool sasc_run_history_resume(sasc_run_history *history, sasc_checkpoint_position *restored,
                             const sasc_task *saved, const sasc_task *task,
                             const char *dir, char *error, size_t error_size)
{
    memset(history, 0, sizeof *history);
    char *changes = malloc(65536);
    if (!changes)
        return out_of_memory(error, error_size);
    if (!describe_changes(saved, task, restored->epochs_done, restored->step, dir, changes, 65536,
                          error, error_size)) {
        free(changes);
        return false;
    }
    sasc_checkpoint_resume *resumes = realloc(restored->resumes, ((size_t)restored->resume_count + 1) *
                                              sizeof *resumes);
    if (!resumes) {
        free(changes);
        return out_of_memory(error, error_size);
    }
    resumes[restored->resume_count] = (sasc_checkpoint_resume){restored->epochs_done, changes};
    *history = (sasc_run_history){restored->model_file, restored->seconds_before,
                                  restored->resume_count + 1, resumes};
    restored->model_file = NULL;   /* the history owns them now */
    restored->resumes = NULL;
    restored->resume_count = 0;
    return true;
}

void sasc_run_history_position(const sasc_run_history *history, double seconds,
                               sasc_checkpoint_position *position)
{
    position->model_file = history->model_file;
    position->seconds_before = history->seconds_before + seconds;
    position->resume_count = history->resume_count;
    position->resumes = history->resumes;
}

void sasc_run_history_json(const sasc_run_history *history, double seconds, sasc_atomic_file *f)
{
    sasc_atomic_printf(f, "  \"model_file\": ");
    if (history->model_file)
        sasc_atomic_json_string(f, history->model_file);
    else
        sasc_atomic_printf(f, "null");
    sasc_atomic_printf(f, ",\n  \"wall_seconds\": ");
    sasc_atomic_json_number(f, history->seconds_before + seconds);
    sasc_atomic_printf(f, ",\n  \"resumed\": [");
    for (int k = 0; k < history->resume_count; k++) {
        sasc_atomic_printf(f, "%s\n    {\"at_epoch\": %d, \"changed\": ", k ? "," : "",
                           history->resumes[k].at_epoch);
        sasc_atomic_json_string(f, history->resumes[k].changes);
        sasc_atomic_printf(f, "}");
    }
    sasc_atomic_printf(f, "%s],\n", history->resume_count ? "\n  " : "");
}

void sasc_run_history_free(sasc_run_history *history)
{
    for (int k = 0; history->resumes && k < history->resume_count; k++)
        free(history->resumes[k].changes);
    free(history->resumes);
    free(history->model_file);
    memset(history, 0, sizeof *history);
}
