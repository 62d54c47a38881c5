#!/bin/sh
# Standalone executables, saved ensembles and model libraries (issue 5):
#  - `sasc build` makes a program that writes the same bytes as `sasc run`
#    (metrics.csv without its timing column, every parameter .npy), on the
#    quick-start and on a recurrent model, and that needs no LLVM;
#  - a run stopped by SIGTERM mid-training and resumed with `sasc run
#    --resume` ends with the same parameters and metrics as an uninterrupted run;
#  - `sasc eval` reproduces the run's final mean-field test accuracy;
#  - `sasc build --library` plus examples/embed.c compile, link and predict;
#  - with MPI, a built program on 2 MPI ranks gives the bytes of `sasc run`.
# Run by `make check` with SASC and SRCDIR set.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"
BUILDDIR=$(dirname "$SASC")

qs="$SRCDIR/examples/quickstart.sas"
small="--set train=2000 --set test=1000 --set epochs=2 --seed 11 --threads 1"

# ---- same bytes: quick-start
expect 0 "build quickstart" "$SASC" build "$qs" $small -o "$work/qs"
expect 0 "built program runs" "$work/qs" --out "$work/p1"
expect 0 "sasc run" "$SASC" run "$qs" $small --out "$work/r1"
same_results "quickstart: built program vs sasc run" "$work/p1" "$work/r1"
if ldd "$work/qs" | grep -qi llvm; then fail "the built program links LLVM"; else pass; fi
# Reproducible builds: the same model and settings give the same object bytes
# (table padding is zeroed; nothing depends on time or addresses).
expect 0 "object 1" "$SASC" build "$qs" $small --emit-obj -o "$work/qs1.o"
expect 0 "object 2" "$SASC" build "$qs" $small --emit-obj -o "$work/qs2.o"
if [ -s "$work/qs1.o" ] && cmp -s "$work/qs1.o" "$work/qs2.o"; then pass
else fail "two builds of one model give different object files"; fi
expect 0 "built program --help" "$work/qs" --help
grep -q -- "--threads" "$work/out" && pass || fail "--help lists the task options"
expect 0 "built program --version" "$work/qs" --version
expect 1 "built program, unknown option" "$work/qs" --frob
expect 1 "built program, bad setting" "$work/qs" --set epochs=-1
expect 1 "built program, compiled-in batch" "$work/qs" --set batch=7
grep -q "rebuild" "$work/err" && pass || fail "compiled-in batch: the message says to rebuild"
# Options given to the program override the built-in settings, as with sasc run.
expect 0 "built program with --seed" "$work/qs" --seed 12 --set epochs=1 --out "$work/p2"
expect 0 "sasc run with --seed" "$SASC" run "$qs" $small --seed 12 --set epochs=1 --out "$work/r2"
same_results "quickstart, overridden settings" "$work/p2" "$work/r2"

# ---- same bytes: a recurrent model
rnn="$SRCDIR/models/gbptt_row_mnist.sas"
rsmall="--set train=200 --set test=100 --set epochs=1 --seed 3 --threads 1"
expect 0 "build recurrent model" "$SASC" build "$rnn" $rsmall -o "$work/rnn"
expect 0 "recurrent program runs" "$work/rnn" --out "$work/p3"
expect 0 "sasc run recurrent" "$SASC" run "$rnn" $rsmall --out "$work/r3"
same_results "recurrent: built program vs sasc run" "$work/p3" "$work/r3"
# its predict_dynamic kernel (the dynamics analysis after training) too
dyn="--set analyze=dynamics --set dynamic_networks=2 --set sampled_networks=2 --set dynamic_steps=3"
expect 0 "recurrent program: dynamics" "$work/rnn" --out "$work/p4" $dyn
expect 0 "sasc run recurrent: dynamics" "$SASC" run "$rnn" $rsmall --out "$work/r4" $dyn
[ -s "$work/p4/dynamics_accuracy.csv" ] && cmp -s "$work/p4/dynamics_accuracy.csv" \
    "$work/r4/dynamics_accuracy.csv" && pass \
    || fail "dynamics_accuracy.csv: built program and sasc run differ"

# ---- a built program under mpirun (when sasc has MPI): the same bytes on 2 ranks
. "$SRCDIR/tests/mpi_lib.sh"
if have_mpi; then
    expect 0 "build with 4 shards" "$SASC" build "$qs" $small --set shards=4 -o "$work/qs4"
    expect 0 "built program on 2 MPI ranks" mpi_launch -np 2 "$work/qs4" --out "$work/p5"
    expect 0 "sasc run, 4 shards" "$SASC" run "$qs" $small --set shards=4 --out "$work/r5"
    same_results "built program on 2 ranks vs sasc run" "$work/p5" "$work/r5"
    ldd "$work/qs4" | grep -q "libmpi" && pass || fail "the built program does not link MPI"
fi

# ---- object and LLVM output, errors
expect 0 "--emit-obj" "$SASC" build "$qs" --emit-obj -o "$work/qs.o"
head -c 4 "$work/qs.o" | grep -q "ELF" && pass || fail "--emit-obj wrote no ELF object"
expect 0 "--emit-llvm" "$SASC" build "$qs" --emit-llvm --target-cpu generic -o "$work/qs.ll"
grep -q "@sasc_model = constant" "$work/qs.ll" && pass || fail "--emit-llvm: no embedded model"
expect 1 "build without -o" "$SASC" build "$qs"
expect 1 "build into a missing directory" "$SASC" build "$qs" -o "$work/none/qs"
expect 1 "link with a broken C compiler" env SASC_CC=false "$SASC" build "$qs" -o "$work/qs2"
grep -q "linking failed" "$work/err" && pass || fail "a failed link is reported"
expect 0 "generic CPU build" "$SASC" build "$qs" --target-cpu generic $small --set epochs=1 -o "$work/qsg"
expect 0 "generic CPU program runs" "$work/qsg" --out "$work/pg"

# ---- stop with SIGTERM after the first epoch's checkpoint, then resume
# long enough that the stop lands inside the second epoch even on an idle machine
long="--set train=20000 --set test=500 --set epochs=3 --seed 5 --threads 1"
# interrupt DIR COMMAND...: start COMMAND (a run writing to DIR), send it
# SIGTERM as soon as the first epoch is finished (its checkpoint, then its
# metrics.csv row, are written), so it stops in the second epoch; expect exit 143.
interrupt() {
    dir=$1; shift
    "$@" >/dev/null 2>"$work/err" &
    pid=$!
    tries=0
    while { [ ! -f "$dir/checkpoint.sasc" ] || [ "$(wc -l < "$dir/metrics.csv" 2>/dev/null || echo 0)" -lt 2 ]; } &&
          [ "$tries" -lt 600 ]; do sleep 0.05; tries=$((tries + 1)); done
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    status=$?
    if [ "$status" -eq 143 ]; then pass
    else fail "SIGTERM: exit $status, expected 143 (the run may have finished first)"; fi
    [ -f "$dir/checkpoint.sasc" ] && pass || fail "no checkpoint after SIGTERM"
}
expect 0 "uninterrupted run" "$SASC" run "$qs" $long --out "$work/full"
interrupt "$work/cut" "$SASC" run "$qs" $long --out "$work/cut"
expect 1 "resume mid-epoch with another seed" "$SASC" run --resume "$work/cut" --seed 99
grep -q "middle of epoch" "$work/err" && pass || fail "a mid-epoch resume with another seed is refused"
expect 0 "resume" "$SASC" run --resume "$work/cut"
same_results "interrupted and resumed vs uninterrupted" "$work/full" "$work/cut"
# The same with a built program, compared with the uninterrupted `sasc run`.
expect 0 "build for resuming" "$SASC" build "$qs" $long -o "$work/qsl"
interrupt "$work/cut2" "$work/qsl" --out "$work/cut2"
expect 0 "built program resumes" "$work/qsl" --resume "$work/cut2"
same_results "built program interrupted and resumed vs sasc run" "$work/full" "$work/cut2"
expect 1 "resume without a checkpoint" "$SASC" run --resume "$work/none"
expect 1 "resume with a file" "$SASC" run "$qs" --resume "$work/cut"

# ---- eval: the saved ensemble's mean-field accuracy is the run's last test accuracy
expect 0 "eval" "$SASC" eval "$work/full" --set sampled_networks=2
final=$(awk -F, 'NR > 1 { a = $4 } END { print a }' "$work/full/metrics.csv")
grep -q "^mean_field,$final\$" "$work/out" && pass || fail "eval: mean_field is not $final"
grep -q "^sampled_mean," "$work/out" && pass || fail "eval: no sampled networks"
expect 1 "eval of a missing run" "$SASC" eval "$work/none"

# ---- a model library and the C example
expect 0 "build --library" "$SASC" build "$qs" --library -o "$work/libquick.a"
[ -f "$work/quick.h" ] && pass || fail "build --library wrote no quick.h"
libs=$(sed -n 's/^Libs.private: //p' "$BUILDDIR/sasc.pc")
expect 0 "compile examples/embed.c" ${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$work/embed" \
    "$SRCDIR/examples/embed.c" -I"$work" -I"$SRCDIR" "$work/libquick.a" $libs
expect 0 "embed predicts" "$work/embed" "$work/full"
grep -q "^mean-field image 1:" "$work/out" && pass || fail "embed printed no prediction"
expect 1 "embed without a run" "$work/embed" "$work/none"

finish
