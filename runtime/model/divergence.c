/*
 * divergence.c — finding non-finite parameters and saying where they are.
 */
#include "runtime/model/divergence.h"
#include "runtime/model/buffers.h"

#include <math.h>
#include <stdio.h>

int sasc_find_nonfinite_parameter(const sasc_program *p, void *const *buffers, double *value)
{
    for (int i = 0; i < p->buffer_count; i++) {
        if (p->buffers[i].role != SASC_BUFFER_PARAMETER)
            continue;
        size_t n = sasc_buffer_elements(p, i);
        for (size_t k = 0; k < n; k++) {
            double v = sasc_buffer_get(buffers[i], p->precision, k);
            if (!isfinite(v)) {
                *value = v;
                return i;
            }
        }
    }
    return -1;
}

static const char *number_name(double v)
{
    return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

void sasc_describe_divergence(const sasc_program *p, void *const *buffers, char *out, size_t size)
{
    double value = 0;
    int bad = sasc_find_nonfinite_parameter(p, buffers, &value);
    if (bad >= 0) {
        const sasc_buffer_desc *b = &p->buffers[bad];
        const char *layer = b->group >= 0 && b->group < p->group_count ? p->groups[b->group].name : "?";
        snprintf(out, size, "parameter '%s' of layer '%s' holds %s", b->name, layer, number_name(value));
        return;
    }
    const char *output = p->group_count > 0 ? p->groups[p->group_count - 1].name : "?";
    snprintf(out, size, "every parameter is still finite: the forward pass overflowed on the way to the output layer '%s'", output);
}
