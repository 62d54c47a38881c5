/*
 * test_ir_main.c — the test_ir program: lowering, autodiff, the paper's
 * gradient equations, the optimiser step and the layer-kind mechanism, all
 * run by the interpreter.
 */
#include "testing.h"
#include "ir_fixtures.h"

int main(void)
{
    TESTING_INIT();
    register_ir_tests();
    register_autodiff_tests();
    register_paper_gradient_tests();
    register_optimizer_tests();
    register_layer_kind_tests();
    return testing_run_registry();
}
