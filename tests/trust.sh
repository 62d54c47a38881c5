#!/bin/sh
# Issue 16 end to end: a run directory belongs to one run, every file a run
# needs is inside it, an interrupted run can be analysed, resume records
# what it did. (The refusals with one message each are rows of
# docs/errors.md, tests/errors.sh; the readers' unit tests tests/test_trust.c.)
# Run by `make check` with SASC and SRCDIR set.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"

qs="$SRCDIR/examples/quickstart.sas"
small="--set train=300 --set test=200 --set epochs=1 --set batch=100 --threads 1"

# contains FILE TEXT DESCRIPTION
contains() {
    if grep -q -- "$2" "$1"; then pass; else fail "$3: '$2' not in $(basename "$1")"; fi
}

# ---- two runs at once into one directory: the second is refused, the first's results stay
"$SASC" run "$qs" --set train=6000 --set test=500 --set epochs=2 --threads 1 --out "$work/busy" \
    >/dev/null 2>"$work/first.err" &
first=$!
tries=0
while [ ! -s "$work/busy/.sasc-lock" ] && [ $tries -lt 400 ]; do sleep 0.05; tries=$((tries + 1)); done
expect 1 "a second run into a working run's directory" "$SASC" run "$qs" $small --out "$work/busy"
contains "$work/err" "is in use by another sasc (process $first)" "the second run names the first"
wait "$first" && pass || fail "the first run failed: $(cat "$work/first.err")"
contains "$work/busy/run.json" '"completed"' "the first run's results"
[ "$(wc -l < "$work/busy/metrics.csv")" -eq 3 ] && pass || fail "the first run's metrics.csv lost rows"

# ---- one run after another: refused, or --force replaces the whole directory
expect 0 "a run with analyses" "$SASC" run "$qs" $small --set analyze_every=1 --set sampled_networks=1 \
    --out "$work/again"
[ -f "$work/again/analysis.csv" ] && pass || fail "no analysis.csv to be left behind"
expect 1 "a second run into a finished run's directory" "$SASC" run "$qs" $small --out "$work/again"
contains "$work/err" "holds another run; give --force" "the refusal says how to replace it"
expect 0 "--force replaces it" "$SASC" run "$qs" $small --out "$work/again" --force
[ ! -e "$work/again/analysis.csv" ] && [ ! -e "$work/again/accuracy.svg" ] && pass \
    || fail "--force left the first run's analysis.csv or figures beside the second's"
expect 1 "--force and --resume together" "$SASC" run --resume "$work/again" --force

# ---- temporary files of a write cut short by kill -9 are removed on the next start
touch "$work/again/.checkpoint.sasc.tmp.Xy12Ab" "$work/again/.metrics.csv.tmp.q9W8e7"
expect 0 "resume after a kill -9" "$SASC" run --resume "$work/again" --set epochs=2
ls -a "$work/again" | grep -q '\.tmp\.' && fail "stale temporary files were left" || pass

# ---- a refused directory is left as it was (no lock file in someone else's directory)
mkdir -p "$work/mine" && echo notes > "$work/mine/notes.txt"
expect 1 "a directory that is not a run's" "$SASC" run "$qs" $small --out "$work/mine" --force
[ "$(ls -A "$work/mine")" = "notes.txt" ] && pass || fail "a refused directory was changed: $(ls -A "$work/mine")"

finish
