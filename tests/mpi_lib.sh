# Shared by the shell tests that start sasc under mpirun (tests/mpi.sh,
# tests/build.sh, tests/errors.sh), sourced after SASC is set.
#
# have_mpi: mpirun is installed and this sasc trains over MPI.
# mpi_launch ARGS...: mpirun ARGS as root with more ranks than cores, ended
# after two minutes (a hang fails the test instead of stalling make check).
# Under the sanitizers, leak reports need whole stacks: Open MPI's
# process-lifetime allocations (tests/sanitizer.supp) are only recognised by
# the Open MPI frames below the allocation, which the fast unwinder loses.
have_mpi() {
    command -v mpirun >/dev/null 2>&1 && "$SASC" --version | grep -q "^training over MPI ranks: MPI"
}
mpi_launch() {
    if [ -n "${ASAN_OPTIONS:-}" ]; then
        ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" \
            timeout 120 mpirun --allow-run-as-root --oversubscribe "$@"
    else
        timeout 120 mpirun --allow-run-as-root --oversubscribe "$@"
    fi
}
