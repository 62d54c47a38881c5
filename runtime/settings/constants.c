/*
 * constants.c — the constants a run used (constants.h).
 */
#include "runtime/settings/constants.h"
#include "runtime/support/output.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const sasc_constant *sasc_constants_find(const sasc_constants *constants, const char *name)
{
    for (int i = 0; i < constants->count; i++)
        if (strcmp(constants->items[i].name, name) == 0)
            return &constants->items[i];
    return NULL;
}

/* A name as the .sas lexer reads one: a letter or '_', then letters, digits, '_'. */
static bool valid_name(const char *name, size_t length)
{
    if (length == 0 || length >= SASC_CONSTANT_NAME_SIZE ||
        !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return false;
    for (size_t i = 1; i < length; i++)
        if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
            return false;
    return true;
}

bool sasc_constants_put(sasc_constants *constants, const char *name, double value)
{
    sasc_constant *found = (sasc_constant *)sasc_constants_find(constants, name);
    if (found) {
        found->value = value;
        return true;
    }
    if (constants->count == SASC_MAX_CONSTANTS || !valid_name(name, strlen(name)))
        return false;
    sasc_constant *added = &constants->items[constants->count++];
    snprintf(added->name, sizeof added->name, "%s", name);
    added->value = value;
    return true;
}

bool sasc_constant_parse_value(const char *name, const char *text, double *value, char *error,
                               size_t error_size)
{
    char *end = NULL;
    errno = 0;
    double parsed = isspace((unsigned char)text[0]) ? NAN : strtod(text, &end);
    if (end == text || !end || *end != '\0' || errno == ERANGE || !isfinite(parsed)) {
        char shown[256];
        sasc_shorten(text, 160, shown, sizeof shown);
        snprintf(error, error_size, "%s must be a number, got '%s'", name, shown);
        return false;
    }
    *value = parsed;
    return true;
}

bool sasc_constants_parse(const char *text, sasc_constants *out, char *error, size_t error_size)
{
    memset(out, 0, sizeof *out);
    for (const char *at = text; *at;) {
        size_t length = strcspn(at, ",");
        const char *equals = memchr(at, '=', length);
        char name[SASC_CONSTANT_NAME_SIZE], value[128];
        size_t name_length = equals ? (size_t)(equals - at) : 0;
        size_t value_length = equals ? length - name_length - 1 : 0;
        if (!equals || !valid_name(at, name_length) || value_length >= sizeof value) {
            snprintf(error, error_size, "constants must be a list NAME=NUMBER,NAME=NUMBER,..., "
                     "not '%.*s'", (int)(length < 160 ? length : 160), at);
            return false;
        }
        snprintf(name, sizeof name, "%.*s", (int)name_length, at);
        snprintf(value, sizeof value, "%.*s", (int)value_length, equals + 1);
        double v;
        if (!sasc_constant_parse_value(name, value, &v, error, error_size))
            return false;
        if (sasc_constants_find(out, name) || !sasc_constants_put(out, name, v)) {
            snprintf(error, error_size, "constants: '%s' is %s", name,
                     sasc_constants_find(out, name) ? "listed twice" : "one too many");
            return false;
        }
        at += length + (at[length] == ',');
    }
    return true;
}

/* The shortest of %.15g / %.17g that reads back as the same double. */
static void exact_number(double value, char *out, size_t size)
{
    snprintf(out, size, "%.15g", value);
    if (strtod(out, NULL) != value)
        snprintf(out, size, "%.17g", value);
}

static void render(const sasc_constants *constants, bool json, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    if (json)
        used += (size_t)snprintf(out, size, "{");
    for (int i = 0; i < constants->count && used < size; i++) {
        char number[32];
        exact_number(constants->items[i].value, number, sizeof number);
        const char *separator = i == 0 ? "" : json ? ", " : ",";
        int n = json ? snprintf(out + used, size - used, "%s\"%s\": %s", separator,
                                constants->items[i].name, number)
                     : snprintf(out + used, size - used, "%s%s=%s", separator,
                                constants->items[i].name, number);
        if (n < 0)
            return;
        used += (size_t)n;
    }
    if (json && used < size)
        snprintf(out + used, size - used, "}");
}

void sasc_constants_text(const sasc_constants *constants, char *out, size_t size)
{
    render(constants, false, out, size);
}

void sasc_constants_json(const sasc_constants *constants, char *out, size_t size)
{
    render(constants, true, out, size);
}
