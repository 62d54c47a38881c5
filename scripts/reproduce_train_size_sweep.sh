#!/bin/sh
# gbp Fig. 2b with error bars, and the sweep's resumability (issue 14): a
# 5-seed sweep of models/gbp_mnist.sas over training sizes 1k-10k, stopped by
# SIGINT after a minute (the points then training are checkpointed) and
# continued, against the same sweep uninterrupted; their sweep.csv and
# summary.csv must be identical. Copies the report into
# docs/figures/gbp_train_size_sweep/.
#
#   scripts/reproduce_train_size_sweep.sh [EPOCHS]     (default 10)
# SASC names the sasc binary (default ./sasc); runs go to runs/train-size-sweep-{a,b}.
set -eu
SASC=${SASC:-./sasc}
FIGURES=docs/figures/gbp_train_size_sweep
OVER="--over train=1000,2000,5000,10000 --over seed=1,2,3,4,5 --set epochs=${1:-10}"
# shellcheck disable=SC2086
"$SASC" sweep models/gbp_mnist.sas $OVER --out runs/train-size-sweep-a &
pid=$!
sleep 60
kill -INT $pid 2>/dev/null || true
wait $pid || true
# shellcheck disable=SC2086
"$SASC" sweep models/gbp_mnist.sas $OVER --out runs/train-size-sweep-a
# shellcheck disable=SC2086
"$SASC" sweep models/gbp_mnist.sas $OVER --out runs/train-size-sweep-b
for f in sweep.csv summary.csv; do
    cmp runs/train-size-sweep-a/$f runs/train-size-sweep-b/$f
done
echo "interrupted and continued = uninterrupted (sweep.csv, summary.csv)"
mkdir -p "$FIGURES"
for f in sweep.csv summary.csv sweep_test_error_vs_train.svg sweep_train_loss_vs_train.svg; do
    cp "runs/train-size-sweep-a/$f" "$FIGURES/$f"
done
echo "figures in $FIGURES"
