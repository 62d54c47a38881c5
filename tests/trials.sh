#!/bin/sh
# Trial-structured tasks declared in the language (docs/language.md,
# "trials"): models/dm_delay.sas (perceptual decision making with a delay)
# learns above chance in a short run, two runs of one seed write the same
# bytes, and a program from `sasc build` (which carries the declaration's
# compiled table, not the .sas file) trains to exactly the same results.
# The bit-for-bit equality of models/msi.sas's trials with the reference
# generator is tests/test_trials.c's.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"

short="--set train=2000 --set test=400 --set epochs=7 --seed 3 --threads 1"
dm="$SRCDIR/models/dm_delay.sas"
expect 0 "dm_delay: sasc run" "$SASC" run "$dm" $short --out "$work/a"
expect 0 "dm_delay: sasc run again" "$SASC" run "$dm" $short --out "$work/b"
same_results "dm_delay: two runs with the same seed" "$work/a" "$work/b"

# The last epoch's test accuracy (chance is 0.5) and its per-direction columns.
accuracy=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "test_accuracy") c = i } END { print $c }' "$work/a/metrics.csv")
awk -v a="$accuracy" 'BEGIN { exit !(a >= 0.75) }' && pass \
    || fail "dm_delay: test accuracy $accuracy after 7 short epochs, expected at least 0.75"
head -n 1 "$work/a/metrics.csv" | grep -q ',test_accuracy_left,test_accuracy_right$' && pass \
    || fail "dm_delay: metrics.csv has no accuracy per direction"

# A built program makes the same trials without the .sas file.
mkdir -p "$work/elsewhere"
expect 0 "dm_delay: sasc build" "$SASC" build "$dm" $short -o "$work/dm_prog"
(cd "$work/elsewhere" && "$work/dm_prog" --out "$work/built" >"$work/out" 2>"$work/err" </dev/null) && pass \
    || fail "dm_delay: the built program failed"
same_results "dm_delay: sasc run and the built program" "$work/a" "$work/built"

# A run of other trials is refused by the MSI analyses, in one sentence.
expect 1 "dm_delay: psychometric refused" "$SASC" analyze "$work/a" psychometric --out "$work/psy"
grep -qxF "sasc: error: the psychometric analysis needs msi trials (declared as models/msi.sas declares them), not data = \"trials(dm)\"" "$work/err" && pass \
    || fail "dm_delay: psychometric: no sentence naming the data"

finish
