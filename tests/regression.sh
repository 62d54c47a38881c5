#!/bin/sh
# Regression: the example models for a few steps with a fixed seed must
# reproduce the losses and accuracies recorded in tests/data/*.expected.csv,
# and two runs with the same seed must write identical bytes.
#   tests/regression.sh            check
#   tests/regression.sh --record   re-record (after an intended change; say why in the commit)
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"
record=no
[ "${1:-}" = "--record" ] && record=yes

# Compare two metric tables numerically (relative tolerance 1e-4: recorded on
# one CPU, checked on another whose BLAS kernels may round differently).
same_metrics() {
    awk -F, 'NR == FNR { for (i = 1; i <= NF; i++) want[FNR, i] = $i; rows = FNR; next }
             { for (i = 1; i <= NF; i++) {
                   a = want[FNR, i]; b = $i
                   if (a == b) continue
                   d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a) + 1e-12
                   if (d / s > 1e-4) { print "row " FNR " column " i ": expected " a ", got " b; bad = 1 } } }
             END { if (FNR != rows) { print "expected " rows " rows, got " FNR; bad = 1 }; exit bad }' "$1" "$2"
}

check_model() {
    name=$1; file=$2; shift 2
    for attempt in a b; do
        expect 0 "$name: sasc run" "$SASC" run "$file" "$@" --out "$work/$name.$attempt" || return
    done
    strip_seconds "$work/$name.a/metrics.csv" > "$work/$name.a.csv"
    expected="$SRCDIR/tests/data/$name.expected.csv"
    if [ "$record" = yes ]; then
        cp "$work/$name.a.csv" "$expected"; echo "recorded $expected"; return
    fi
    same_results "$name: two runs with the same seed" "$work/$name.a" "$work/$name.b"
    if same_metrics "$expected" "$work/$name.a.csv"; then pass
    else fail "$name: metrics differ from $expected"; fi
}

check_model quickstart "$SRCDIR/examples/quickstart.sas" \
    --set train=2000 --set test=1000 --set epochs=2 --seed 11 --threads 1
check_model gbp_mnist "$SRCDIR/models/gbp_mnist.sas" \
    --set train=1000 --set test=500 --set epochs=2 --seed 5 --threads 1
check_model bp_mnist "$SRCDIR/models/bp_mnist.sas" \
    --set train=1000 --set test=500 --set epochs=2 --seed 5 --threads 1
check_model gbptt_row_mnist "$SRCDIR/models/gbptt_row_mnist.sas" \
    --set train=500 --set test=200 --set epochs=2 --seed 5 --threads 1
check_model msi "$SRCDIR/models/msi.sas" \
    --set train=300 --set test=96 --set epochs=2 --seed 5 --threads 1
check_model gbptt_stacked_row_mnist "$SRCDIR/models/gbptt_stacked_row_mnist.sas" \
    --set train=500 --set test=200 --set epochs=2 --seed 5 --threads 1
check_model gbptt_head_row_mnist "$SRCDIR/models/gbptt_head_row_mnist.sas" \
    --set train=500 --set test=200 --set epochs=2 --seed 5 --threads 1

[ "$record" = yes ] && exit 0
finish
