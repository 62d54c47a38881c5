/*
 * vector_clones.h — WIDE_VECTORS marks a hot loop to be compiled for
 * AVX-512, AVX2 and baseline x86-64, chosen at run time. The build targets
 * baseline x86-64; every clone does the same IEEE operations in the same
 * order (-std=c11 does not contract to FMA), so results never depend on the
 * processor's vector width.
 */
#ifndef SASC_VECTOR_CLONES_H
#define SASC_VECTOR_CLONES_H

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define WIDE_VECTORS __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
#endif
#ifndef WIDE_VECTORS
#define WIDE_VECTORS
#endif

#endif
