#!/bin/sh
# The command-line contract: exit codes, help, diagnostics, overrides and the
# files a run writes. Run by `make check` with SASC and SRCDIR set.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"

# contains FILE TEXT DESCRIPTION
contains() {
    if grep -q -- "$2" "$1"; then pass; else fail "$3: '$2' not in $(basename "$1")"; fi
}

qs="$SRCDIR/examples/quickstart.sas"
small="--set train=300 --set test=200 --set epochs=1 --set batch=100"

expect 0 "--help" "$SASC" --help;              contains "$work/out" "Usage: sasc" "--help text"
expect 0 "--version" "$SASC" --version;        contains "$work/out" "^sasc [0-9]" "--version text"
expect 0 "run --help" "$SASC" run --help;      contains "$work/out" "Usage: sasc run" "run --help text"
expect 0 "help settings" "$SASC" help settings; contains "$work/out" "weight_decay" "settings list"
expect 1 "no command" "$SASC"
expect 1 "unknown command" "$SASC" frobnicate; contains "$work/err" "unknown command 'frobnicate'" "unknown command message"
expect 1 "unknown option" "$SASC" run "$qs" --frob
# every option invocation.c's command_options suggests is one its command takes
# (a wrong suggestion would send the user to another refusal)
for pair in build:-o build:--target-cpu build:--emit-obj build:--emit-llvm build:--library sweep:--zip \
    sweep:--over sweep:--jobs llvm:--unoptimized run:--resume run:--force check:--plan; do
    (cd "$work" && exec "$SASC" "${pair%%:*}" "$qs" "${pair#*:}" 2) >/dev/null 2>"$work/err"
    grep -q "unknown option" "$work/err" && fail "sasc ${pair%%:*} refuses ${pair#*:}" || pass
done
expect 1 "missing file" "$SASC" check "$work/none.sas"; contains "$work/err" "none.sas" "missing file named"

for f in "$SRCDIR"/models/*.sas "$SRCDIR"/examples/*.sas; do
    expect 0 "check $(basename "$f")" "$SASC" check "$f"
done

printf 'model m {\n  input x[4]\n  layer y = dense(x, 2) { activation = sotfmax }\n  loss cross_entropy(y)\n}\n' > "$work/bad.sas"
expect 1 "check bad file" "$SASC" check "$work/bad.sas"
contains "$work/err" "bad.sas:3:" "diagnostic location"
contains "$work/err" "softmax" "diagnostic suggestion"
contains "$work/err" "\\^" "diagnostic caret"

expect 1 "unknown setting" "$SASC" run "$qs" --set btach=10; contains "$work/err" "batch" "setting suggestion"
expect 1 "bad setting value" "$SASC" run "$qs" --set epochs=-3
expect 1 "--set without =" "$SASC" run "$qs" --set epochs
expect 1 "unknown task" "$SASC" run "$qs" nosuchtask; contains "$work/err" "nosuchtask" "unknown task named"
expect 1 "missing data" "$SASC" run "$qs" $small --set data="$work/nodata" --out "$work/r0"
contains "$work/err" "nodata" "missing data directory named"

expect 0 "ir" "$SASC" ir "$qs";     contains "$work/out" "function train" "IR listing"
expect 0 "llvm" "$SASC" llvm "$qs"; contains "$work/out" "define .*sasc_train" "LLVM listing"

expect 0 "run quickstart (small)" "$SASC" run "$qs" $small --out "$work/r1" --seed 3
for f in metrics.csv run.json model.sas; do
    [ -s "$work/r1/$f" ] && pass || fail "run wrote no $f"
done
ls "$work/r1"/*.pi.npy >/dev/null 2>&1 && pass || fail "run wrote no .pi.npy"
head -1 "$work/r1/metrics.csv" | grep -q "^epoch,train_loss,train_accuracy,test_accuracy,seconds" && pass \
    || fail "metrics.csv header"
[ "$(wc -l < "$work/r1/metrics.csv")" -eq 2 ] && pass || fail "metrics.csv has one row per epoch"

expect 1 "unwritable output" "$SASC" run "$qs" $small --out /dev/full/run
expect 0 "f64 run" "$SASC" run "$qs" $small --set precision=64 --out "$work/r64"

# analyses (docs/analyses.md): during and after training, then `sasc analyze` on the saved run
expect 0 "run with analyses" "$SASC" run "$qs" $small --out "$work/ra" --set analyze_every=1 \
    --set sampled_networks=2 --set analyze=histograms
for f in analysis.csv accuracy.svg sparsity.svg entropy.svg vip_uip.svg histograms.csv histogram_pi.svg; do
    [ -s "$work/ra/$f" ] && pass || fail "run with analyses wrote no $f"
done
expect 0 "analyze entropy,perturbation" "$SASC" analyze "$work/ra" entropy,perturbation \
    --set perturb_steps=2 --set perturb_repeats=1
for f in layers.csv h.entropy.npy h.entropy_pi.npy perturbation.csv perturbation_h.svg entropy_layers.svg; do
    [ -s "$work/ra/$f" ] && pass || fail "analyze wrote no $f"
done
contains "$work/ra/perturbation.csv" "^h,vip_off,0.5," "perturbation rows"
# entropy_formula (runtime/analyses/entropy.h): auto is gbp Eq. 8 for this
# feedforward model, run.json records the formula used; either can be forced
contains "$work/out" "^entropy: gbp Eq. 8 (entropy_formula = auto)$" "analyze names the formula"
contains "$work/ra/run.json" '^  "entropy_formula": "gbp_eq8",$' "run.json: the formula a feedforward run used"
cp "$work/ra/layers.csv" "$work/layers_eq8.csv"
expect 0 "analyze entropy with gbptt Eq. 14" "$SASC" analyze "$work/ra" entropy \
    --set entropy_formula=gbptt_eq14
contains "$work/out" "^entropy: gbptt Eq. 14 (entropy_formula = gbptt_eq14)$" "forced formula named"
cmp -s "$work/layers_eq8.csv" "$work/ra/layers.csv" && fail "Eq. 14 gave Eq. 8's layers.csv" || pass
mkdir "$work/rc" && cp "$work/ra/run.json" "$work/ra/model.sas" "$work/ra/checkpoint.sasc" "$work/rc/"
expect 0 "analyze a run from its checkpoint (no .npy)" "$SASC" analyze "$work/rc" entropy
[ -s "$work/rc/layers.csv" ] && pass || fail "analyze from a checkpoint wrote no layers.csv"
expect 1 "unknown analysis setting, before training" "$SASC" run "$qs" $small --out "$work/rx" \
    --set analyze=histogram
contains "$work/err" "unknown analysis 'histogram'" "unknown analysis setting named"
[ -e "$work/rx/metrics.csv" ] && fail "a run with a bad analyze setting trained" || pass
expect 1 "analyze unknown analysis" "$SASC" analyze "$work/ra" frobs
contains "$work/err" "unknown analysis 'frobs'" "unknown analysis named"
expect 1 "selectivity of a feedforward run" "$SASC" analyze "$work/ra" selectivity
contains "$work/err" "needs a recurrent layer" "selectivity: no recurrent layer named"
# selectivity index (gbptt Eq. 15) of a short MSI run; the run directory keeps
# the input mask it read (h.in.mask.npy), which the analyses read back.
expect 0 "short MSI run" "$SASC" run "$SRCDIR/models/msi.sas" --set epochs=1 --set train=200 \
    --set test=200 --out "$work/rmsi"
[ -f "$work/rmsi/h.in.mask.npy" ] && pass || fail "the run keeps no copy of its input mask"
contains "$work/rmsi/run.json" '^  "entropy_formula": "gbptt_eq14",$' "run.json: the formula a recurrent run used"
expect 0 "analyze selectivity" "$SASC" analyze "$work/rmsi" selectivity
[ "$(wc -l < "$work/rmsi/selectivity.csv")" -eq $((90 * 150 + 1)) ] && pass \
    || fail "selectivity.csv: not one row per step (90) and unit (150)"
head -n 1 "$work/rmsi/selectivity_modality.csv" | grep -q '^step,unit,sli,response_visual,response_auditory,response_multisensory$' \
    && pass || fail "selectivity_modality.csv: modality classes in the header"
# The psychometric function of the saved network is the run's last test pass.
expect 0 "analyze psychometric" "$SASC" analyze "$work/rmsi" psychometric --out "$work/rmsi_psy"
cmp -s "$work/rmsi/psychometric.csv" "$work/rmsi_psy/psychometric.csv" && pass \
    || fail "analyze psychometric: not the run's psychometric.csv"
expect 1 "psychometric of a feedforward run" "$SASC" analyze "$work/ra" psychometric
contains "$work/err" "needs msi trials" "psychometric: not an MSI run named"
# The network resampled at every time step (predict_dynamic): its accuracy next
# to the mean-field and sampled networks', the same numbers twice from the seed.
for d in a b; do
    expect 0 "analyze dynamics ($d)" "$SASC" analyze "$work/rmsi" dynamics --set dynamic_networks=2 \
        --set sampled_networks=3 --set dynamic_steps=4 --out "$work/rmsi_dyn_$d"
done
contains "$work/out" "networks resampled every step" "dynamics: accuracy summary printed"
[ "$(grep -c ',dynamic,' "$work/rmsi_dyn_a/dynamics_accuracy.csv")" -eq 2 ] && \
    [ "$(grep -c ',sampled,' "$work/rmsi_dyn_a/dynamics_accuracy.csv")" -eq 3 ] && \
    [ "$(grep -c ',mean_field,' "$work/rmsi_dyn_a/dynamics_accuracy.csv")" -eq 1 ] && pass \
    || fail "dynamics_accuracy.csv: not 1 mean-field, 3 sampled and 2 dynamic rows"
cmp -s "$work/rmsi_dyn_a/dynamics_accuracy.csv" "$work/rmsi_dyn_b/dynamics_accuracy.csv" && pass \
    || fail "dynamics_accuracy.csv differs between two analyses with the same seed"
[ -s "$work/rmsi_dyn_a/dynamics_accuracy.svg" ] && pass || fail "no dynamics_accuracy.svg"
# Data sources (runtime/data/source.h) under `sasc eval` and `--resume`: the
# mean field of a saved run is the run's last test accuracy, for MSI trials
# and for a row-by-row recurrent model; eval and analyze read only the test
# split; a resumed MSI run is the uninterrupted one.
same_number() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0 && a != "") }'; }
eval_matches_run() {
    expect 0 "eval $1" "$SASC" eval "$2" || return
    same_number "$(grep '^mean_field,' "$work/out" | cut -d, -f2)" \
        "$(tail -n 1 "$2/metrics.csv" | cut -d, -f4)" && pass \
        || fail "eval $1: the mean field is not the run's last test accuracy"
}
eval_matches_run "an MSI run" "$work/rmsi"
expect 0 "short row-by-row run" "$SASC" run "$SRCDIR/models/gbptt_row_mnist.sas" --set epochs=1 \
    --set train=100 --set test=100 --out "$work/rrow"
eval_matches_run "a row-by-row recurrent run" "$work/rrow"
data=$(sed -n 's/^ *"data": "\(.*\)",$/\1/p' "$work/r1/run.json")
mkdir -p "$work/testonly" && ln -s "$data"/t10k-* "$work/testonly/"
expect 0 "eval without the training files" "$SASC" eval "$work/r1" --set data="$work/testonly"
expect 0 "analyze without the training files" "$SASC" analyze "$work/r1" perturbation \
    --set data="$work/testonly" --set perturb_steps=1 --set perturb_repeats=1 --out "$work/r1p"
msi_small="--set train=100 --set test=48 --seed 4"
expect 0 "MSI run, 2 epochs" "$SASC" run "$SRCDIR/models/msi.sas" $msi_small --set epochs=2 --out "$work/rmsi2"
expect 0 "MSI run, 1 epoch" "$SASC" run "$SRCDIR/models/msi.sas" $msi_small --set epochs=1 --out "$work/rmsi1"
expect 0 "MSI run resumed to 2 epochs" "$SASC" run --resume "$work/rmsi1" --set epochs=2
same_results "MSI: resumed and uninterrupted runs" "$work/rmsi2" "$work/rmsi1"
cmp -s "$work/rmsi2/psychometric.csv" "$work/rmsi1/psychometric.csv" && pass \
    || fail "MSI: the resumed run's psychometric.csv differs"
# Analyses choose groups by kind, never by shape: the square dense layer h2
# of gbp_mnist gets no recurrent-only column or figure; the recurrent group
# h of the row-by-row model gets them.
expect 0 "gbp_mnist with analyses" "$SASC" run "$SRCDIR/models/gbp_mnist.sas" --set train=500 \
    --set test=100 --set epochs=1 --set analyze_every=1 --set sampled_networks=1 \
    --set entropy_samples=10 --out "$work/rgbp"
[ -s "$work/rgbp/histograms.csv" ] && [ -s "$work/rgbp/layers.csv" ] && pass \
    || fail "gbp_mnist: its task's histograms and entropy did not run"
ls "$work/rgbp"/matrix_* >/dev/null 2>&1 && fail "gbp_mnist: heat maps of a dense layer" || pass
grep -q "i_lt_j\|i_gt_j" "$work/rgbp/analysis.csv" "$work/rgbp/layers.csv" \
    && fail "gbp_mnist: i<j, i>j sparsity columns for a dense layer" || pass
grep -q "recurrent I" "$work/rgbp/sparsity.svg" && fail "gbp_mnist: i<j curves in sparsity.svg" || pass
for one in dynamics selectivity; do   # (not $what: expect sets it)
    expect 1 "gbp_mnist: $one refused" "$SASC" analyze "$work/rgbp" "$one" --out "$work/rgbp_$one"
    contains "$work/err" "the $one analysis needs a" "gbp_mnist: $one names its need"
    [ -e "$work/rgbp_$one" ] && fail "gbp_mnist: $one wrote something" || pass
done
expect 0 "row-by-row: histograms and dynamics" "$SASC" analyze "$work/rrow" histograms,dynamics \
    --set dynamic_steps=2 --set dynamic_networks=1 --set sampled_networks=1 --out "$work/rrow_an"
[ -s "$work/rrow_an/matrix_h_pi.svg" ] && grep -q '^h,2,' "$work/rrow_an/dynamics.csv" && pass \
    || fail "row-by-row: no heat map or dynamics of the recurrent group h"
ls "$work/rrow_an"/matrix_h.in_* "$work/rrow_an"/matrix_y_* >/dev/null 2>&1 \
    && fail "row-by-row: heat maps of a group that is not recurrent" || pass
# train_size trains through the analyses' host (runtime/train/analyze.c);
# analysing again replaces its earlier runs.
for pass in 1 2; do
    expect 0 "train_size, pass $pass" "$SASC" analyze "$work/r1" train_size --set train_sizes=100,200 \
        --set epochs=1 --set batch=100 --set sampled_networks=1 --out "$work/r1ts"
done
[ "$(wc -l < "$work/r1ts/train_size.csv")" -eq 3 ] && [ -s "$work/r1ts/train_size/T200/analysis.csv" ] \
    && pass || fail "train_size: not one row per size"
expect 1 "analyze a directory that is no run" "$SASC" analyze "$work" entropy
contains "$work/err" "run directory" "not a run directory"
# The BP baseline (pi and Xi frozen at 0) has zero sparsity and zero entropy.
printf 'prior bp { pi = 0 frozen  m = normal(0, 1)  Xi = 0 frozen }\nmodel bp {\n  input x[784]\n  layer y = dense(x, 10) { activation = softmax  prior = bp }\n  loss cross_entropy(y)\n}\n' > "$work/bp.sas"
expect 0 "run BP baseline" "$SASC" run "$work/bp.sas" $small --out "$work/rbp"
expect 0 "analyze BP baseline" "$SASC" analyze "$work/rbp" entropy
contains "$work/out" "^y  *7840  *0  *0  *0  *0  *1.0000  *0.0000$" "BP baseline: zero sparsity and entropy"

finish
