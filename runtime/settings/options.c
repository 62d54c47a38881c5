/*
 * options.c — the task options shared by `sasc` and standalone executables.
 */
#include "runtime/settings/options.h"
#include "runtime/support/output.h"
#include "runtime/support/suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char sasc_task_options_help[] =
    "  --set KEY=VALUE              override a task setting or a constant of the\n"
    "                               file (repeatable); `sasc help settings` lists them\n"
    "  --out DIR                    same as --set out=DIR\n"
    "  --seed N                     same as --set seed=N\n"
    "  --threads N                  same as --set threads=N\n";

static const char *const shortcut_keys[] = {"out", "seed", "threads"};
enum { SHORTCUT_COUNT = sizeof shortcut_keys / sizeof shortcut_keys[0] };

void sasc_option_unknown(const char *argument, const char *const *others, int count, char *error,
                         size_t error_size)
{
    char key[128];
    snprintf(key, sizeof key, "%s", argument + strspn(argument, "-"));
    key[strcspn(key, "=")] = '\0';
    if (strncmp(argument, "--", 2) == 0 && sasc_task_setting_find(key)) {
        snprintf(error, error_size, "unknown option '%s'; a setting is given as '--set %s=VALUE'",
                 argument, key);
        return;
    }
    enum { MOST = 64 };
    const char *candidates[MOST] = {"--set", "--out", "--seed", "--threads"};
    int n = 4;
    for (int i = 0; i < count && n < MOST; i++)
        candidates[n++] = others[i];
    const char *suggestion = sasc_closest_name(argument, candidates, n);
    if (suggestion)
        snprintf(error, error_size, "unknown option '%s'; did you mean '%s'?", argument, suggestion);
    else
        snprintf(error, error_size, "unknown option '%s'", argument);
}

/* Room for one more setting and one more owned string. */
static bool reserve(sasc_settings_list *list)
{
    if (list->count < list->capacity && list->owned_count < list->capacity)
        return true;
    int capacity = list->capacity ? 2 * list->capacity : 8;
    const char **settings = realloc(list->settings, (size_t)capacity * sizeof *settings);
    if (settings)
        list->settings = settings;
    char **owned = realloc(list->owned, (size_t)capacity * sizeof *owned);
    if (owned)
        list->owned = owned;
    if (!settings || !owned)
        return false;
    list->capacity = capacity;
    return true;
}

static int shortcut_index(const char *argument)
{
    for (int k = 0; k < SHORTCUT_COUNT; k++)
        if (strncmp(argument, "--", 2) == 0 && strcmp(argument + 2, shortcut_keys[k]) == 0)
            return k;
    return -1;
}

sasc_option_result sasc_option_take(sasc_settings_list *list, int argc, char *const *argv, int *i,
                                    char *error, size_t error_size)
{
    const char *argument = argv[*i];
    int shortcut = shortcut_index(argument);
    bool set = strcmp(argument, "--set") == 0, joined = strncmp(argument, "--set=", 6) == 0;
    if (!set && !joined && shortcut < 0)
        return SASC_OPTION_NONE;
    if (!reserve(list)) {
        snprintf(error, error_size, "out of memory");
        return SASC_OPTION_ERROR;
    }
    const char *value = joined ? argument + 6 : NULL;
    if (!joined) {
        if (*i + 1 >= argc) {
            snprintf(error, error_size, "option '%s' needs a value", argument);
            return SASC_OPTION_ERROR;
        }
        value = argv[++*i];
    }
    if (shortcut >= 0) {
        size_t size = strlen(shortcut_keys[shortcut]) + strlen(value) + 2;
        char *setting = malloc(size);
        if (!setting) {
            snprintf(error, error_size, "out of memory");
            return SASC_OPTION_ERROR;
        }
        snprintf(setting, size, "%s=%s", shortcut_keys[shortcut], value);
        list->owned[list->owned_count++] = setting;
        value = setting;
    } else if (strchr(value, '=') == NULL) {
        snprintf(error, error_size, "'--set %s' is not of the form KEY=VALUE", value);
        return SASC_OPTION_ERROR;
    }
    list->settings[list->count++] = value;
    return SASC_OPTION_TAKEN;
}

bool sasc_settings_apply(const sasc_settings_list *list, sasc_task *task,
                         char *error, size_t error_size)
{
    for (int i = 0; i < list->count; i++) {
        const char *setting = list->settings[i];
        const char *equals = strchr(setting, '=');
        size_t length = (size_t)(equals - setting);
        char key[128], message[1024];
        if (length == 0 || length >= sizeof key) {
            snprintf(error, error_size, "'--set %s': the key is %s", setting,
                     length == 0 ? "empty" : "too long");
            return false;
        }
        memcpy(key, setting, length);
        key[length] = '\0';
        if (!sasc_task_set(task, key, equals + 1, message, sizeof message)) {
            char shown[256];   /* the value is quoted again in the message */
            sasc_shorten(setting, 160, shown, sizeof shown);
            snprintf(error, error_size, "--set %s: %s", shown, message);
            return false;
        }
    }
    if (task->out[0] == '\0')
        snprintf(task->out, sizeof task->out, "runs/%s-%s", task->model, task->name);
    return true;
}

void sasc_settings_list_free(sasc_settings_list *list)
{
    for (int i = 0; i < list->owned_count; i++)
        free(list->owned[i]);
    free(list->owned);
    free(list->settings);
    memset(list, 0, sizeof *list);
}
