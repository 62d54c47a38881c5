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

# in_dir DIR COMMAND...: COMMAND run in DIR; with_limit KB COMMAND...: under
# ulimit -v KB (subshells, so `expect` still counts in this one)
in_dir() { (cd "$1" || exit 2; shift; exec "$@"); }
with_limit() { (ulimit -v "$1" || exit 2; shift; exec "$@"); }

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

# ---- under an address-space limit nothing spins in OpenBLAS's thread start-up
# (not in a sanitized build: AddressSanitizer reserves terabytes of shadow
# address space, so no process of it starts under such a limit at all)
sanitized=false
if ldd "$SASC" 2>/dev/null | grep -q 'libasan\|libubsan'; then sanitized=true; fi
if $sanitized; then
    echo "SKIP: address-space limits in a sanitized build"
else
    for limit in 250000 300000 350000; do
        expect 0 "--version under ulimit -v $limit" with_limit $limit timeout 20 "$SASC" --version
    done
    expect 1 "a run that cannot fit under ulimit -v 300000" with_limit 300000 timeout 60 "$SASC" run "$qs" $small \
        --out "$work/limited"
    contains "$work/err" "are available to this process" "the refusal says how much is left"
fi

# ---- a mask named "../masks/m.npy" is kept in the run directory: resume and
# analyses work from any directory, even after the original file is gone
mkdir -p "$work/proj/models" "$work/proj/masks" "$work/elsewhere"
cp "$SRCDIR/models/msi_input_mask.npy" "$work/proj/masks/m.npy"
sed 's|npy("msi_input_mask.npy")|npy("../masks/m.npy")|' "$SRCDIR/models/msi.sas" > "$work/proj/models/msi.sas"
grep -q 'npy("../masks/m.npy")' "$work/proj/models/msi.sas" && pass || fail "the MSI model names no mask"
msi="--set epochs=1 --set train=100 --set test=100 --set batch=50 --threads 1"
expect 0 "an MSI run with a mask in ../masks" in_dir "$work/proj/models" "$SASC" run msi.sas $msi --out ../run
rm "$work/proj/masks/m.npy"
expect 0 "resume from another directory, the mask gone" in_dir "$work/elsewhere" "$SASC" run --resume ../proj/run --set epochs=2
expect 0 "analyze from another directory, the mask gone" in_dir "$work/elsewhere" "$SASC" analyze ../proj/run psychometric --out ../psy

# ---- a built program carries its mask: it runs from anywhere, the file gone
cp "$SRCDIR/models/msi_input_mask.npy" "$work/proj/masks/m.npy"
expect 0 "sasc build of a model with a mask" in_dir "$work/proj/models" "$SASC" build msi.sas $msi -o "$work/msi_prog"
rm "$work/proj/masks/m.npy"
expect 0 "the built program runs without the mask file" in_dir "$work/elsewhere" "$work/msi_prog" --out built
$sanitized || expect 0 "the built program under ulimit -v 600000" with_limit 600000 timeout 60 "$work/msi_prog" --out "$work/built_limited"
[ -f "$work/elsewhere/built/h.in.mask.npy" ] && pass || fail "the built program's run keeps no mask copy"
cmp -s "$work/elsewhere/built/h.in.mask.npy" "$work/proj/run/h.in.mask.npy" && pass \
    || fail "the built program's mask differs from the file's"

# ---- make install installs the models with the masks they name, and the
# documentation the man page points at
if [ -n "${BUILDDIR:-}" ] && [ -f "$BUILDDIR/Makefile" ]; then
    make -s -C "$BUILDDIR" install-data-local DESTDIR="$work/inst" pkgdatadir=/sasc docdir=/doc \
        >/dev/null 2>"$work/err" && pass || fail "make install-data-local"
    expect 0 "the installed models/msi.sas runs" "$SASC" run "$work/inst/sasc/models/msi.sas" $msi \
        --out "$work/installed"
    for doc in README.md language.md errors.md analyses.md; do
        [ -f "$work/inst/doc/$doc" ] && pass || fail "make install does not install $doc"
    done
    grep -q "share/doc/sasc" "$SRCDIR/docs/sasc.1" && pass || fail "the man page does not name the installed docs"
fi

# ---- an interrupted run is complete enough for every analysis
"$SASC" run "$qs" --set train=6000 --set test=500 --set epochs=3 --threads 1 --out "$work/cut" \
    >/dev/null 2>&1 &
pid=$!; tries=0
while [ ! -f "$work/cut/checkpoint.sasc" ] && [ $tries -lt 600 ]; do sleep 0.05; tries=$((tries + 1)); done
kill -TERM "$pid"; wait "$pid"; [ $? -eq 143 ] && pass || fail "SIGTERM did not stop the run with 143"
contains "$work/cut/run.json" '"status": "interrupted"' "an interrupted run's run.json"
ls "$work/cut"/*.pi.npy >/dev/null 2>&1 && pass || fail "an interrupted run wrote no parameters"
expect 0 "analyze an interrupted run" "$SASC" analyze "$work/cut" histograms
[ -s "$work/cut/layers.csv" ] || [ -s "$work/cut/histograms.csv" ] && pass || fail "the analysis wrote nothing"

# ---- a wrong or missing parameter file is an error, never replaced by the checkpoint
cp -r "$work/cut" "$work/cut2" && rm "$work/cut2/h.pi.npy"
expect 1 "analyze with h.pi.npy missing" "$SASC" analyze "$work/cut2" histograms
contains "$work/err" "h.pi.npy: No such file or directory" "the missing file is named"
cp "$work/cut/h.m.npy" "$work/cut2/h.pi.npy"
expect 1 "analyze with an m file as pi" "$SASC" analyze "$work/cut2" histograms
contains "$work/err" "but every element must be a probability in \[0, 1\]" "pi out of range named"
cp "$work/cut/y.pi.npy" "$work/cut2/h.pi.npy"
expect 1 "analyze with a wrong-shape h.pi.npy" "$SASC" analyze "$work/cut2" histograms
contains "$work/err" "h.pi.npy has shape (64, 10) but (784, 64) is needed" "the shape named"

# ---- resume records what it did: the first model file, the whole wall time, each resume
expect 0 "resume the interrupted run" "$SASC" run --resume "$work/cut"
contains "$work/cut/run.json" "\"model_file\": \"$qs\"" "model_file after a resume"
contains "$work/cut/run.json" '"resumed": \[' "the resumes listed"
contains "$work/cut/run.json" '{"at_epoch": [1-3], "changed": ""}' "the resume and what it changed (the epoch SIGTERM landed in)"

# ---- what sasc says agrees with what it does: the default output directory
mkdir -p "$work/plain"
expect 0 "a run without --out" in_dir "$work/plain" "$SASC" run "$qs" $small
[ -f "$work/plain/runs/quick-train/run.json" ] && pass || fail "the default out is not runs/MODEL-TASK: $(ls "$work/plain/runs")"
expect 0 "help settings" "$SASC" help settings
contains "$work/out" "runs/MODEL-TASK" "sasc help settings names the default out"
grep -q '| `out` | string | `runs/MODEL-TASK` |' "$SRCDIR/docs/language.md" && pass \
    || fail "docs/language.md names another default out"
grep -q 'runs/MODEL\\-TASK' "$SRCDIR/docs/sasc.1" && pass || fail "the man page names another default out"
# check --plan: in sasc --help, sasc help check and the man page's synopsis
expect 0 "sasc --help" "$SASC" --help;          contains "$work/out" "check FILE \[--plan\]" "--help names --plan"
expect 0 "sasc help check" "$SASC" help check;  contains "$work/out" "largest matrix product" "help check says how time is estimated"
grep -q '^\.RB \[ \\-\\-plan \]' "$SRCDIR/docs/sasc.1" && pass || fail "the man page's synopsis has no check --plan"

# ---- durations as people read them: a long plan in hours, short epochs in ms
# (3,000,000 epochs: hours even at 1 TFLOP/s; 30,000 took 31 min on a fast CI machine)
sed 's/epochs = 3/epochs = 3000000/' "$qs" > "$work/long.sas"
expect 0 "check --plan of 3000000 epochs" "$SASC" check --plan "$work/long.sas"
grep "time, estimated" "$work/out" | grep -q " h [0-9][0-9] min at " && pass \
    || fail "a long plan is not in hours: $(grep 'time, estimated' "$work/out")"
grep -q "e+0" "$work/out" && grep "e+0" "$work/out" | grep -qv "operations" \
    && fail "a number other than operations in exponent form: $(grep 'e+0' "$work/out" | grep -v operations)" || pass
expect 0 "a short run" "$SASC" run "$qs" $small --out "$work/short"
grep -q "^epoch 1/1: .* ([0-9.]* m\?s)$" "$work/err" && pass || fail "epoch time not in s or ms: $(grep '^epoch' "$work/err")"
grep -q "(0.0 s)\|(0 ms)" "$work/err" && fail "an epoch said it took no time" || pass

finish
