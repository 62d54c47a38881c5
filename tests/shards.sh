#!/bin/sh
# Data-parallel shards (runtime/shards.h): a run's results depend on the seed,
# the batch and the shards, never on the thread count. Each model trains
# briefly with two shards on one thread (the shards one after the other) and
# on two (at once); metrics (without the timing column) and every saved
# parameter must be identical to the bit. Covers a feedforward model, a
# recurrent one and the MSI task (sequence targets and loss masks per shard).
set -u
SASC=${SASC:-./sasc}
SRCDIR=${SRCDIR:-.}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# metrics.csv without its `seconds` column
strip_seconds() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") skip = i }
             { line = ""; for (i = 1; i <= NF; i++) if (i != skip) line = line (line == "" ? "" : ",") $i; print line }' "$1"
}

check_threads() {
    name=$1; file=$2; shift 2
    for threads in 1 2; do
        if ! "$SASC" run "$file" "$@" --set shards=2 --threads "$threads" \
                --out "$work/$name.$threads" >/dev/null 2>"$work/$name.err"; then
            echo "FAIL: $name: sasc run --threads $threads failed"; tail -5 "$work/$name.err"
            failed=$((failed + 1)); return
        fi
        strip_seconds "$work/$name.$threads/metrics.csv" > "$work/$name.$threads.csv"
    done
    same=yes
    cmp -s "$work/$name.1.csv" "$work/$name.2.csv" || same=no
    for npy in "$work/$name.1"/*.npy; do
        cmp -s "$npy" "$work/$name.2/$(basename "$npy")" || same=no
    done
    grep -q '"shards": 2,' "$work/$name.2/run.json" || same=no
    if [ "$same" = yes ]; then passed=$((passed + 1))
    else echo "FAIL: $name: --threads 1 and --threads 2 differ with 2 shards"; failed=$((failed + 1)); fi
}

check_threads gbp_mnist "$SRCDIR/models/gbp_mnist.sas" \
    --set train=1000 --set test=500 --set epochs=1 --seed 3
check_threads gbptt_row_mnist "$SRCDIR/models/gbptt_row_mnist.sas" \
    --set train=200 --set test=100 --set epochs=1 --seed 3
check_threads msi "$SRCDIR/models/msi.sas" \
    --set train=200 --set test=48 --set epochs=1 --seed 3

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
