#!/bin/sh
# Row-by-row gBPTT with the authors' recipe (models/gbptt_row_authors.sas),
# with and without their gradient clipping (clip_spectral = 10), over seeds:
# one run at a time under nice, then a table of test accuracy per epoch and
# the mean and sample standard deviation over the seeds at the last epoch.
#
#   scripts/row_clipping.sh [EPOCHS] [SEEDS...]     (defaults 3, seeds 1 2 3)
#
# Writes runs/row-clipping/{clip10,clip0}-seedN/ and
# runs/row-clipping/summary.csv (seed, clip_spectral, epoch, test_accuracy).
# SASC names the sasc binary (default ./sasc); THREADS the threads (default 2).
set -eu
SASC=${SASC:-./sasc}
THREADS=${THREADS:-2}
EPOCHS=${1:-3}
[ $# -gt 0 ] && shift
SEEDS=${*:-1 2 3}
OUT=runs/row-clipping
mkdir -p "$OUT"
summary="$OUT/summary.csv"
echo "seed,clip_spectral,epoch,test_accuracy" > "$summary"
for seed in $SEEDS; do
    for clip in 10 0; do
        run="$OUT/clip$clip-seed$seed"
        nice -n 10 "$SASC" run models/gbptt_row_authors.sas --seed "$seed" --threads "$THREADS" \
            --set epochs="$EPOCHS" --set clip_spectral="$clip" --out "$run" > /dev/null
        awk -F, -v seed="$seed" -v clip="$clip" \
            'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "test_accuracy") c = i; next }
             { print seed "," clip "," $1 "," $c }' "$run/metrics.csv" >> "$summary"
    done
done
awk -F, -v last="$EPOCHS" 'NR > 1 && $3 == last { n[$2]++; s[$2] += $4; q[$2] += $4 * $4 }
    END { for (c in n) { m = s[c] / n[c]; v = n[c] > 1 ? (q[c] - n[c] * m * m) / (n[c] - 1) : 0
                         printf "clip_spectral=%s: test accuracy at epoch %d, mean %.4f, sd %.4f over %d seeds\n",
                                c, last, m, sqrt(v > 0 ? v : 0), n[c] } }' "$summary"
echo "table in $summary"
