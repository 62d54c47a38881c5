#!/bin/sh
# Every data source on small files tests/make_data.py generates: each trains
# a model end to end, `sasc eval` and `sasc analyze` work on its run, and
# run.json records the input scaling applied.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"
cd "$work" || exit 2
make_data() { python3 "$SRCDIR/tests/make_data.py" "$@" || { echo "make_data.py $* failed"; exit 2; }; }

cat > small.sas <<'SAS'
model m {
  input x[4]
  layer h = dense(x, 16) { activation = relu     pi = 0  m = normal(0, 1)  Xi = uniform(0, 0.01) }
  layer y = dense(h, 3)  { activation = softmax  pi = 0  m = normal(0, 1)  Xi = uniform(0, 0.01) }
  loss cross_entropy(y)
}
task t { epochs = 5  batch = 20  lr = 0.01  seed = 1  input_scaling = standardize }
SAS

# trains DATA WHAT [SAS]: a run on DATA reaches a test accuracy above 0.9;
# eval and analyze work on it.
trains() {
    expect 0 "$2: run" "$SASC" run "${3:-small.sas}" --set data="$1" --out "run-$2" || return
    acc=$(awk -F, 'END { print $4 }' "run-$2/metrics.csv")
    awk -v a="$acc" 'BEGIN { exit !(a > 0.9) }' && pass || fail "$2: test accuracy $acc, not above 0.9"
    expect 0 "$2: eval" "$SASC" eval "run-$2"
    expect 0 "$2: analyze" "$SASC" analyze "run-$2" histograms
}

make_data idx-float idxf
trains idxf idx-float
make_data idx-short idxs
trains idxs idx-short
make_data npy npy
trains npy npy
make_data npz stored.npz
trains stored.npz npz
make_data npz-deflate deflated.npz
trains deflated.npz npz-deflate
grep -q '"input_scaling_applied": "standardize"' run-npy/run.json && pass || fail "run.json records standardize"
# the same arrays give the same run, whichever container holds them

strip_seconds run-npz/metrics.csv > a.csv; strip_seconds run-npz-deflate/metrics.csv > b.csv
cmp -s a.csv b.csv && pass || fail "stored and deflated .npz train alike"

# CIFAR-10: a fake cifar-10-batches-bin of 100 + 40 records (3073 bytes each)
make_data cifar cifar-10-batches-bin --train 100 --test 40
sed 's/epochs = 20/epochs = 2/; s/batch = 100/batch = 20/' "$SRCDIR/models/gbp_cifar10.sas" > cifar.sas
expect 0 "cifar: run" "$SASC" run cifar.sas --out run-cifar
grep -q '"input_scaling_applied": "unit"' run-cifar/run.json && pass || fail "cifar: auto scaling is / 255"
expect 0 "cifar: eval" "$SASC" eval run-cifar
expect 0 "cifar: analyze" "$SASC" analyze run-cifar histograms
head -c 5000 cifar-10-batches-bin/test_batch.bin > short.bin && mkdir -p badcifar &&
    cp cifar-10-batches-bin/data_batch_* badcifar/ && mv short.bin badcifar/test_batch.bin
expect 1 "cifar: a partial record" "$SASC" run cifar.sas --set data=badcifar --out run-bad
grep -qF "badcifar/test_batch.bin is not a CIFAR-10 binary batch: its 5000 bytes are not a whole number of 3073-byte records" err \
    && pass || fail "cifar: the partial-record message"
finish
