/*
 * embedded.c — checking an ahead-of-time model against this runtime.
 */
#include "runtime/settings/embedded.h"

#include <stdio.h>
#include <string.h>

void sasc_embedded_layout(uint32_t layout[SASC_EMBEDDED_LAYOUT_WORDS])
{
    layout[0] = SASC_ABI_VERSION;
    layout[1] = (uint32_t)sizeof(sasc_embedded_model);
    layout[2] = (uint32_t)sizeof(sasc_program);
    layout[3] = (uint32_t)sizeof(sasc_buffer_desc);
    layout[4] = (uint32_t)sizeof(sasc_group_desc);
    layout[5] = (uint32_t)sizeof(sasc_task);
    layout[6] = (uint32_t)sizeof(sasc_layer_desc);
    layout[7] = (uint32_t)sizeof(sasc_kernel_desc);
    layout[8] = (uint32_t)sizeof(sasc_embedded_file);
}

bool sasc_embedded_check(const sasc_embedded_model *model, char *error, size_t error_size)
{
    uint32_t expected[SASC_EMBEDDED_LAYOUT_WORDS];
    sasc_embedded_layout(expected);
    if (memcmp(expected, model->layout, sizeof expected) != 0) {
        snprintf(error, error_size, "the compiled model was built by a sasc with another runtime "
                 "interface (ABI %u, this runtime has ABI %u); rebuild it with this sasc",
                 (unsigned)model->layout[0], (unsigned)expected[0]);
        return false;
    }
    return true;
}
