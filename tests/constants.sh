#!/bin/sh
# Named constants (docs/language.md, "Constants"): `--set NAME=VALUE` of a
# constant changes a width and a noise strength without editing the file,
# exactly as the edited file would (same bytes); run.json records the values;
# `sasc eval` and `--resume` rebuild the same model from the run alone.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"

# A small recurrent model on a declared trials task: H is a width, SIGMA the
# recurrent layer's noise strength and the input noise of the trials.
cat > "$work/c.sas" <<'SAS'
const H = 8
const SIGMA = 0.05
const HALF = H / 2
trials cue {
  side = one_of(left, right)
  label = side == right
  period show { duration = 2 input = [1 - (side == right) + normal(0, SIGMA), (side == right)] target = [0, 0] }
  period answer { duration = 2 input = [0, 0] target = [side == left, side == right] }
}
model r {
  input x[2]
  layer h = recurrent(x, H) { steps = 4 sigma = SIGMA  m = normal(0, 1 / sqrt(H)) }
  layer g = dense(h, HALF) { at = every }
  layer y = readout(g, 2) { at = every }
  loss mse(y)
}
task t { data = trials(cue) train = 200 test = 40 batch = 20 epochs = 2 seed = 3 }
SAS
sed -e 's/^const H = 8$/const H = 12/' -e 's/^const SIGMA = 0.05$/const SIGMA = 0.2/' "$work/c.sas" > "$work/edited.sas"

# npy_shape FILE: the shape tuple of a .npy header, e.g. "(8, 8)".
npy_shape() { head -c 128 "$1" | grep -ao "'shape': ([^)]*)" | sed "s/'shape': //"; }

expect 0 "the file as written" "$SASC" run "$work/c.sas" --out "$work/plain"
expect 0 "--set H=12 --set SIGMA=0.2" "$SASC" run "$work/c.sas" --set H=12 --set SIGMA=0.2 --out "$work/set"
expect 0 "the file edited to H = 12, SIGMA = 0.2" "$SASC" run "$work/edited.sas" --out "$work/edited"

[ "$(npy_shape "$work/plain/h.m.npy")" = "(8, 8)" ] && pass || fail "plain: h.m is $(npy_shape "$work/plain/h.m.npy"), expected (8, 8)"
[ "$(npy_shape "$work/set/h.m.npy")" = "(12, 12)" ] && pass || fail "--set H=12: h.m is $(npy_shape "$work/set/h.m.npy"), expected (12, 12)"
# HALF = H / 2 follows the overridden H.
[ "$(npy_shape "$work/set/g.m.npy")" = "(12, 6)" ] && pass || fail "--set H=12: g.m is $(npy_shape "$work/set/g.m.npy"), expected (12, 6)"
same_results "--set of constants = the edited file" "$work/set" "$work/edited"

# The noise strength alone: the width stays, the training differs.
expect 0 "--set SIGMA=0.2 alone" "$SASC" run "$work/c.sas" --set SIGMA=0.2 --out "$work/sigma"
[ "$(npy_shape "$work/sigma/h.m.npy")" = "(8, 8)" ] && pass || fail "--set SIGMA: the width changed"
if cmp -s "$work/plain/h.m.npy" "$work/sigma/h.m.npy"; then fail "--set SIGMA=0.2 did not change training"; else pass; fi

grep -q '"constants": "H=12,SIGMA=0.2,HALF=6"' "$work/set/run.json" && pass || fail "run.json: settings.constants"
grep -q '"constants": {"H": 12, "SIGMA": 0.2, "HALF": 6}' "$work/set/run.json" && pass || fail "run.json: constants object"

# eval and analyze rebuild the 12-wide model from the run directory alone.
expect 0 "sasc eval of the --set run" "$SASC" eval "$work/set"
expect 0 "sasc analyze of the --set run" "$SASC" analyze "$work/set" histograms
# Resume: the checkpoint carries the constants.
expect 0 "a 1-epoch run with --set H=12" "$SASC" run "$work/c.sas" --set H=12 --set SIGMA=0.2 --set epochs=1 --out "$work/part"
expect 0 "resumed to 2 epochs" "$SASC" run --resume "$work/part" --set epochs=2
same_results "resumed with its constants" "$work/part" "$work/set"
expect 1 "a saved run's constant cannot change" "$SASC" run --resume "$work/part" --set H=16
grep -q "was trained with H=12" "$work/err" && pass || fail "resume --set H=16: message"

# A built program has its constants compiled in.
if expect 0 "sasc build with --set H=12" "$SASC" build "$work/c.sas" --set H=12 -o "$work/prog"; then
    expect 1 "the built program refuses another H" "$work/prog" --set H=8 --out "$work/prog-run"
    grep -q "constants are compiled into this program (H=12,SIGMA=0.05,HALF=6)" "$work/err" && pass ||
        fail "built program --set H: message"
fi
finish
