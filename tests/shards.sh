#!/bin/sh
# Data-parallel shards (runtime/train/shards.h): a run's results depend on the seed,
# the batch and the shards, never on the thread count. Each model trains
# briefly with two shards on one thread (the shards one after the other) and
# on two (at once); metrics (without the timing column) and every saved
# parameter must be identical to the bit. Covers a feedforward model, a
# recurrent one and the MSI task (sequence targets and loss masks per shard),
# and both gradient clipping modes.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"

check_threads() {
    name=$1; file=$2; shift 2
    for threads in 1 2; do
        expect 0 "$name: sasc run --threads $threads" "$SASC" run "$file" "$@" --set shards=2 \
            --threads "$threads" --out "$work/$name.$threads" || return
    done
    same_results "$name: --threads 1 and --threads 2 with 2 shards" "$work/$name.1" "$work/$name.2"
    if grep -q '"shards": 2,' "$work/$name.2/run.json"; then pass
    else fail "$name: run.json does not record 2 shards"; fi
}

check_threads gbp_mnist "$SRCDIR/models/gbp_mnist.sas" \
    --set train=1000 --set test=500 --set epochs=1 --seed 3
check_threads gbptt_row_mnist "$SRCDIR/models/gbptt_row_mnist.sas" \
    --set train=200 --set test=100 --set epochs=1 --seed 3
check_threads msi "$SRCDIR/models/msi.sas" \
    --set train=200 --set test=48 --set epochs=1 --seed 3

# Gradient clipping (runtime/train/clipping.h) runs on the calling thread
# between the shards' average and the update: both modes are independent of
# the thread count too. Limits small enough that every step clips.
check_threads gbptt_row_spectral "$SRCDIR/models/gbptt_row_mnist.sas" \
    --set train=200 --set test=100 --set epochs=1 --seed 3 --set clip_spectral=0.001
check_threads gbp_mnist_norm "$SRCDIR/models/gbp_mnist.sas" \
    --set train=1000 --set test=500 --set epochs=1 --seed 3 --set clip_norm=0.001
check_threads gbptt_row_both "$SRCDIR/models/gbptt_row_mnist.sas" \
    --set train=200 --set test=100 --set epochs=1 --seed 3 --set clip_spectral=0.002 \
    --set clip_norm=0.001
# Clipping changes the run, and limits never reached change no bit of it.
if [ -f "$work/gbptt_row_spectral.2/h.m.npy" ] &&
   ! cmp -s "$work/gbptt_row_mnist.2/h.m.npy" "$work/gbptt_row_spectral.2/h.m.npy"; then pass
else fail "clip_spectral=0.001 left the recurrent weights unchanged"; fi
expect 0 "sasc run with limits never reached" "$SASC" run "$SRCDIR/models/gbptt_row_mnist.sas" \
    --set train=200 --set test=100 --set epochs=1 --seed 3 --set shards=2 --threads 2 \
    --set clip_spectral=1e300 --set clip_norm=1e300 --out "$work/unreached" &&
    same_results "clipping limits never reached and no clipping" "$work/gbptt_row_mnist.2" \
        "$work/unreached"

finish
