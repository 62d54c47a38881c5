#!/bin/sh
# `sasc sweep` (compiler/driver/sweep.c): every point in its own directory,
# the report from the points' files, one compile per distinct program,
# results independent of --jobs, a sweep continued after Ctrl-C ending with
# the same bytes as one uninterrupted, and another sweep's directory refused.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"
QS="$SRCDIR/examples/quickstart.sas"
SMALL="--set epochs=2 --set test=200 --set batch=50"

expect 0 "a 2 x 2 sweep in child processes" "$SASC" sweep "$QS" --over train=500,1000 --over seed=1,2 \
    $SMALL --jobs 2 --out "$work/a"
for f in sweep.json sweep.csv summary.csv sweep_test_error_vs_train.svg sweep_train_loss_vs_train.svg \
         train-500_seed-1/metrics.csv train-1000_seed-2/run.json train-1000_seed-2.log; do
    if [ -s "$work/a/$f" ]; then pass; else fail "sweep: no $f"; fi
done
if [ "$(wc -l < "$work/a/sweep.csv")" -eq 5 ] && [ "$(wc -l < "$work/a/summary.csv")" -eq 3 ]; then pass
else fail "sweep: sweep.csv should have 4 points and summary.csv 2 groups"; fi
if head -1 "$work/a/summary.csv" | grep -q '^train,epoch,train_loss_mean,train_loss_sd,train_loss_sem,' &&
   grep -q '^1000,2,.*,2$' "$work/a/summary.csv"; then pass
else fail "sweep: summary.csv is not keyed by train with n = 2 seeds"; fi
grep -q "1 program compiled" "$work/err" && pass || fail "sweep: one program should serve every point"

# The same sweep one point after the other in this process: the same bytes.
expect 0 "the same sweep with --jobs 1" "$SASC" sweep "$QS" --over train=500,1000 --over seed=1,2 \
    $SMALL --jobs 1 --out "$work/b"
for f in sweep.csv summary.csv; do
    cmp -s "$work/a/$f" "$work/b/$f" && pass || fail "sweep: $f differs between --jobs 2 and --jobs 1"
done
same_results "sweep point train-1000_seed-1, --jobs 2 and 1" "$work/a/train-1000_seed-1" "$work/b/train-1000_seed-1"

# A point equals the plain run of its settings.
expect 0 "the plain run of one point" "$SASC" run "$QS" --set train=1000 --seed 2 $SMALL --out "$work/plain"
same_results "sweep point = sasc run with its settings" "$work/a/train-1000_seed-2" "$work/plain"

# Run again: everything is completed already, nothing is trained.
expect 0 "the same sweep again" "$SASC" sweep "$QS" --over train=500,1000 --over seed=1,2 $SMALL --out "$work/a"
grep -q "(4 completed before, 0 programs compiled)" "$work/err" && pass || fail "sweep: completed points were not skipped"
cmp -s "$work/a/summary.csv" "$work/b/summary.csv" && pass || fail "sweep: summary.csv changed on a second run"

# Interrupted (SIGINT to the sweep, which passes it on to its points) while its
# first points train, then continued: the same bytes as uninterrupted.
LONG="--set epochs=40 --set test=200 --set batch=50 --set train=1000"
"$SASC" sweep "$QS" --over seed=1,2,3 $LONG --jobs 2 --out "$work/c" >"$work/c.out" 2>"$work/c.err" &
pid=$!
tries=0   # until the first point has checkpointed an epoch, at most 30 s
while [ ! -f "$work/c/seed-1/checkpoint.sasc" ] && [ $tries -lt 300 ]; do sleep 0.1; tries=$((tries + 1)); done
kill -INT $pid
wait $pid
status=$?
if [ "$status" -eq 130 ]; then pass; else fail "interrupted sweep: exit $status, expected 130"; fi
grep -q "seed-1: interrupted (resumable)" "$work/c.err" && pass || fail "sweep: seed-1 was not interrupted mid-run"
expect 0 "the interrupted sweep continued" "$SASC" sweep "$QS" --over seed=1,2,3 $LONG --out "$work/c"
expect 0 "the same sweep uninterrupted" "$SASC" sweep "$QS" --over seed=1,2,3 $LONG --out "$work/d"
for f in sweep.csv summary.csv; do
    cmp -s "$work/c/$f" "$work/d/$f" && pass || fail "sweep: $f after an interruption differs"
done
same_results "sweep point seed-1 interrupted and resumed" "$work/c/seed-1" "$work/d/seed-1"

# sasc analyze of a sweep: every completed point, then its tables over seeds.
expect 0 "sasc analyze SWEEP_DIR entropy" "$SASC" analyze "$work/a" entropy
if [ -s "$work/a/train-500_seed-2/layers.csv" ] && [ -s "$work/a/analysis/layers.csv" ] &&
   [ "$(wc -l < "$work/a/analysis/layers.csv")" -eq 9 ] &&
   grep -q '^train,layer,index,connections_mean,' "$work/a/analysis/layers_summary.csv" &&
   grep -q '^1000,y,.*,2$' "$work/a/analysis/layers_summary.csv"; then pass
else fail "sasc analyze SWEEP_DIR: analysis/layers.csv (4 points x 2 layers) or its summary by train and layer"; fi

# Two programs: batch changes the kernels.
expect 0 "a sweep over the batch" "$SASC" sweep "$QS" --over batch=50,100 --set epochs=1 --set train=500 \
    --set test=200 --out "$work/e"
grep -q "2 programs compiled" "$work/err" && pass || fail "sweep: two batch sizes need two programs"
# A zipped sweep: point k takes value k of each list.
expect 0 "a zipped sweep" "$SASC" sweep "$QS" --over train=500,1000 --over seed=3,4 --zip $SMALL --out "$work/f"
if [ -d "$work/f/train-500_seed-3" ] && [ -d "$work/f/train-1000_seed-4" ] && [ ! -d "$work/f/train-500_seed-4" ]
then pass; else fail "zipped sweep: wrong points"; fi

finish
