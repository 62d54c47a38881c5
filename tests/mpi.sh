#!/bin/sh
# Data-parallel training over MPI (runtime/train/distributed.h): `mpirun -np K
# sasc run` writes the same bytes as one process with the same shards,
# whatever K, for a feedforward and a recurrent model; a run interrupted on
# one rank resumes (on another K) to the same bytes. Skipped without mpirun;
# with mpirun but a sasc built without MPI, only the refusal is checked.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"

. "$SRCDIR/tests/mpi_lib.sh"
if ! command -v mpirun >/dev/null 2>&1; then
    echo "SKIP: mpirun is not installed (Debian: openmpi-bin)"
    exit 77
fi
# mpi K ARGS...: ARGS on K ranks
mpi() { k=$1; shift; mpi_launch -np "$k" "$@"; }
count_errors() { grep -c "^sasc: error:" "$work/err"; }

qs="$SRCDIR/examples/quickstart.sas"
small="--set train=2000 --set test=500 --set epochs=2 --seed 11 --set shards=4"
if ! have_mpi; then
    expect 1 "no MPI: mpirun -np 2 sasc run is refused" mpi 2 "$SASC" run "$qs" $small --out "$work/no"
    grep -q "built without MPI" "$work/err" && pass || fail "no MPI: the refusal says why"
    [ "$(count_errors)" -eq 1 ] && pass || fail "no MPI: one message, not one per rank"
    [ ! -d "$work/no" ] && pass || fail "no MPI: no rank trained"
    echo "SKIP: this sasc was built without MPI; only its refusal was checked"
    finish
    exit
fi

# ---- same bytes for K = 2 (2 shards each) and K = 3 (1, 1 and 2 shards)
check_ranks() {
    name=$1; file=$2; shift 2
    expect 0 "$name: one process" "$SASC" run "$file" "$@" --out "$work/$name.1" || return
    for k in 2 3; do
        expect 0 "$name: mpirun -np $k" mpi "$k" "$SASC" run "$file" "$@" --out "$work/$name.$k" || continue
        same_results "$name: $k ranks against one process" "$work/$name.1" "$work/$name.$k"
        grep -q "\"ranks\": $k," "$work/$name.$k/run.json" && \
            grep -q '"bytes_sent_per_step": \[[1-9]' "$work/$name.$k/run.json" && pass \
            || fail "$name: run.json does not record $k ranks and their traffic"
        [ ! -s "$work/out" ] && [ "$(grep -c '^results in' "$work/err")" -eq 1 ] && pass \
            || fail "$name: $k ranks print more than rank 0's progress"
    done
}
check_ranks quickstart "$qs" $small --threads 1
check_ranks gbptt_row_mnist "$SRCDIR/models/gbptt_row_mnist.sas" \
    --set train=200 --set test=100 --set epochs=1 --seed 3 --set shards=4 --threads 1

# ---- gradient clipping (runtime/train/clipping.h) after the average: every
# rank clips the same average, so the bytes are still those of one process
clip="$small --set clip_norm=0.05 --set clip_spectral=0.05 --threads 1"
expect 0 "clipped: one process" "$SASC" run "$qs" $clip --out "$work/clip.1"
expect 0 "clipped: mpirun -np 2" mpi 2 "$SASC" run "$qs" $clip --out "$work/clip.2"
same_results "clipped: 2 ranks against one process" "$work/clip.1" "$work/clip.2"
cmp -s "$work/clip.1/h.m.npy" "$work/quickstart.1/h.m.npy" && fail "clipping changed nothing" || pass

# ---- SIGTERM to rank 1 alone: every rank stops after the same step, rank 0
# saves the checkpoint; resumed on 3 ranks, the bytes of an uninterrupted run
# (60,000 images an epoch: the signal lands inside the second epoch even on an
# idle machine, where 6,000 finished all three epochs before the kill)
long="--set train=60000 --set test=500 --set epochs=4 --seed 5 --set shards=4 --threads 1"
expect 0 "uninterrupted run" "$SASC" run "$qs" $long --out "$work/full"
mpi 2 "$SASC" run "$qs" $long --out "$work/cut" >/dev/null 2>"$work/err" &
launcher=$!
tries=0
while [ ! -f "$work/cut/checkpoint.sasc" ] && [ "$tries" -lt 1200 ]; do sleep 0.05; tries=$((tries + 1)); done
# rank 1: the process training into $work/cut whose environment says so
rank1=""
for proc in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -q -- "--out $work/cut" || continue
    tr '\0' '\n' 2>/dev/null <"$proc/environ" | grep -q '^OMPI_COMM_WORLD_RANK=1$' && rank1=${proc#/proc/}
done
[ -n "$rank1" ] && kill -TERM "$rank1"
wait "$launcher"
status=$?
if [ -n "$rank1" ] && [ "$status" -ne 0 ] && grep -q "interrupted by SIGTERM" "$work/err"; then pass
else fail "SIGTERM to rank 1 (pid '$rank1'): exit $status, expected an interrupted run"; fi
[ "$(count_errors)" -eq 1 ] && pass || fail "SIGTERM: one message, not one per rank"
expect 0 "resume on 3 ranks" mpi 3 "$SASC" run --resume "$work/cut"
same_results "interrupted on 2 ranks, resumed on 3, vs one process" "$work/full" "$work/cut"

# The messages of a failing rank, of more ranks than shards and of ranks
# started with other settings are rows of docs/errors.md (tests/errors.sh).

# ---- a sweep over MPI: rank r trains points r, r + K, ...; rank 0 writes the
# report; the same bytes as the sweep in one process
sweep="--over train=500,1000 --over seed=1,2,3 --set epochs=1 --set test=200 --set batch=50"
expect 0 "sweep: one process" "$SASC" sweep "$qs" $sweep --out "$work/sweep.1"
expect 0 "sweep: mpirun -np 2" mpi 2 "$SASC" sweep "$qs" $sweep --out "$work/sweep.2"
for f in sweep.csv summary.csv train-1000_seed-3/h.m.npy train-500_seed-2/y.Xi.npy; do
    cmp -s "$work/sweep.1/$f" "$work/sweep.2/$f" && pass || fail "sweep over 2 ranks: $f differs"
done
[ "$(grep -c '^sweep: results in' "$work/err")" -eq 1 ] && pass || fail "sweep over 2 ranks: not one report"

finish
