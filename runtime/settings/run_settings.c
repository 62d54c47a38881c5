/*
 * run_settings.c — reading the settings back from run.json (see run_settings.h).
 *
 * Only what train.c writes is understood: a "task" string and a flat
 * "settings" object whose values are strings, numbers, true or false.
 */
#include "runtime/settings/run_settings.h"
#include "runtime/settings/task.h"
#include "runtime/support/input_file.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_blanks(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* Parse the JSON string at p (at its opening quote) into out; returns the
 * position after the closing quote, or NULL if malformed or too long. */
static const char *parse_string(const char *p, char *out, size_t size)
{
    if (*p++ != '"')
        return NULL;
    size_t n = 0;
    for (; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            switch (*p) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned code = 0;
                for (int k = 1; k <= 4; k++) {   /* exactly four hex digits, none past the end */
                    if (!isxdigit((unsigned char)p[k]))
                        return NULL;
                    code = code * 16 + (unsigned)(isdigit((unsigned char)p[k]) ? p[k] - '0'
                                                  : tolower((unsigned char)p[k]) - 'a' + 10);
                }
                if (code == 0 || code > 0x7f)
                    return NULL;   /* train.c escapes only control characters */
                c = (char)code;
                p += 4;
                break;
            }
            case '\0': return NULL;
            default: c = *p; break;
            }
        }
        if (n + 1 >= size)
            return NULL;
        out[n++] = c;
    }
    if (*p != '"')
        return NULL;
    out[n] = '\0';
    return p + 1;
}

static bool add_pair(sasc_run_settings *s, const char *key, const char *value)
{
    char **pairs = realloc(s->pairs, ((size_t)s->count + 1) * sizeof *pairs);
    if (!pairs)
        return false;
    s->pairs = pairs;
    size_t size = strlen(key) + strlen(value) + 2;
    if (!(s->pairs[s->count] = malloc(size)))
        return false;
    snprintf(s->pairs[s->count++], size, "%s=%s", key, value);
    return true;
}

/* The "settings" object starting at p (after its '{'). */
static bool parse_settings(const char *p, sasc_run_settings *s)
{
    char key[256], value[8192];
    for (p = skip_blanks(p); *p != '}'; p = skip_blanks(p)) {
        if (!(p = parse_string(p, key, sizeof key)) || *(p = skip_blanks(p)) != ':')
            return false;
        p = skip_blanks(p + 1);
        if (*p == '"') {
            if (!(p = parse_string(p, value, sizeof value)))
                return false;
        } else {
            size_t length = strcspn(p, ",}\n");
            if (length == 0 || length >= sizeof value)
                return false;
            memcpy(value, p, length);
            value[length] = '\0';
            while (length && isspace((unsigned char)value[length - 1]))
                value[--length] = '\0';
            p += strcspn(p, ",}");
        }
        if (strcmp(value, "null") != 0 && !add_pair(s, key, value))
            return false;
        p = skip_blanks(p);
        if (*p == ',')
            p++;
        else if (*p != '}')
            return false;
    }
    return true;
}

/* Each recorded setting must be one sasc_task_set accepts, as --set would:
 * a damaged run.json is named as the culprit, not the command line. */
static bool check_pairs(const sasc_run_settings *s, const char *path, char *error, size_t error_size)
{
    sasc_task scratch;
    sasc_task_defaults(&scratch);
    for (int i = 0; i < s->count; i++) {
        char key[256], message[1024];
        const char *equals = strchr(s->pairs[i], '=');
        snprintf(key, sizeof key, "%.*s", (int)(equals - s->pairs[i]), s->pairs[i]);
        if (!sasc_task_set(&scratch, key, equals + 1, message, sizeof message)) {
            snprintf(error, error_size, "%s records an invalid setting: %s", path, message);
            return false;
        }
    }
    return true;
}

/* Larger files are not run.json files sasc wrote (they are a few kB). */
enum { RUN_JSON_LIMIT = 16 << 20 };

bool sasc_run_settings_parse(const char *text, const char *path, sasc_run_settings *settings,
                             char *error, size_t error_size)
{
    memset(settings, 0, sizeof *settings);
    const char *task = strstr(text, "\n  \"task\": ");
    const char *object = strstr(text, "\n  \"settings\": {");
    bool ok = task && object &&
              parse_string(skip_blanks(task + strlen("\n  \"task\": ")), settings->task,
                           sizeof settings->task) &&
              parse_settings(object + strlen("\n  \"settings\": {"), settings);
    if (!ok)
        snprintf(error, error_size, "%s is not a run.json written by sasc run", path);
    else
        ok = check_pairs(settings, path, error, error_size);
    if (!ok)
        sasc_run_settings_free(settings);
    return ok;
}

bool sasc_run_settings_read(const char *run_dir, sasc_run_settings *settings,
                            char *error, size_t error_size)
{
    memset(settings, 0, sizeof *settings);
    char path[8192], reason[256];
    snprintf(path, sizeof path, "%s/run.json", run_dir);
    char *text = sasc_input_read_all(path, RUN_JSON_LIMIT, NULL, reason, sizeof reason);
    if (!text) {
        snprintf(error, error_size, "cannot read %s: %s (is %s the run directory of a sasc run?)",
                 path, reason, run_dir);
        return false;
    }
    bool ok = sasc_run_settings_parse(text, path, settings, error, error_size);
    free(text);
    return ok;
}

void sasc_run_settings_free(sasc_run_settings *settings)
{
    for (int i = 0; i < settings->count; i++)
        free(settings->pairs[i]);
    free(settings->pairs);
    memset(settings, 0, sizeof *settings);
}
