/*
 * testing.h — what every CUnit test program shares: running the registry with
 * the basic interface and turning failures into the exit status automake's
 * test driver reads (0 pass, 1 fail).
 */
#ifndef SASC_TESTING_H
#define SASC_TESTING_H

#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Each test file exposes `void register_<name>_tests(void)` that adds its
 * suites with CU_add_suite/CU_add_test; main() calls them, then this. */
static inline int testing_run_registry(void)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (run == 0) {
        fprintf(stderr, "no test was run\n");
        return 1;
    }
    return failures == 0 ? 0 : 1;
}

/* Uniform in [low, high) from a 64-bit LCG (Knuth's MMIX multiplier and
 * increment; the top 53 bits of the state): the tests' own reproducible
 * numbers, independent of the runtime's generator. */
static inline double testing_uniform(uint64_t *state, double low, double high)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return low + (high - low) * (double)(*state >> 11) / 9007199254740992.0;
}

#define TESTING_INIT() do { if (CU_initialize_registry() != CUE_SUCCESS) return 2; } while (0)

/* Floating-point closeness with both an absolute and a relative tolerance. */
#define ASSERT_CLOSE(actual, expected, tolerance) \
    CU_ASSERT(fabs((double)(actual) - (double)(expected)) <= \
              (tolerance) * (1.0 + fabs((double)(expected))))

#endif
