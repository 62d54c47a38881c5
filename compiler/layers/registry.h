/*
 * registry.h — the layer kinds sasc knows, in one table (registry.c).
 * Each kind is one file of this folder defining `const layer_kind
 * layer_kind_<name>` (compiler/check/layer_kind.h says what a kind
 * declares and which hooks it has; compiler/lower/lower_context.h what the
 * hooks may use). The driver hands the table to the checker.
 */
#ifndef SASC_LAYER_REGISTRY_H
#define SASC_LAYER_REGISTRY_H

#include "compiler/check/layer_kind.h"

const layer_kind_table *layer_kinds(void);

#endif
