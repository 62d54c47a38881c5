#!/bin/sh
# Reproduce the figures of the gBP paper (papers/gbp-*) that sasc's analyses
# cover, and copy the SVGs into docs/figures/gbp/ (docs/reproductions.md).
#
#   scripts/reproduce_gbp.sh [EPOCHS] [SIZES]
#
# EPOCHS (default 100, the paper's) shortens every training run; SIZES
# (default 1000,2000,5000,10000) are the training-set sizes of Fig. 2b and
# Fig. 3c. Runs go to runs/repro-gbp/. SASC names the sasc binary (default
# ./sasc).
set -eu
SASC=${SASC:-./sasc}
EPOCHS=${1:-100}
SIZES=${2:-1000,2000,5000,10000}
RUNS=runs/repro-gbp
FIGURES=docs/figures/gbp
mkdir -p "$RUNS" "$FIGURES"

# Figs. 2a, 3a, 3b, 4a, 4b: the 784-100-100-10 network on 10^4 images,
# analysed every 5 epochs; after training the histograms, the entropy per
# connection and layer, and the targeted perturbation of every layer.
"$SASC" run models/gbp_mnist.sas --out "$RUNS/gbp" --set epochs="$EPOCHS" \
    --set analyze_every=5 --set analyze=histograms,entropy,perturbation

# The BP baseline of Fig. 2a, analysed the same way (zero entropy, zero sparsity).
"$SASC" run models/bp_mnist.sas --out "$RUNS/bp" --set epochs="$EPOCHS" \
    --set analyze_every=5 --set analyze=entropy

# Fig. 2b: test error against the training-set size (4-layer network);
# Fig. 2b inset and Fig. 3c: sparsity and entropy per layer (5-layer network).
"$SASC" analyze "$RUNS/gbp" train_size --set epochs="$EPOCHS" --set train_sizes="$SIZES"
"$SASC" run models/gbp_depth5.sas --out "$RUNS/gbp5" --set epochs="$EPOCHS" --set analyze=entropy
"$SASC" analyze "$RUNS/gbp5" train_size --set epochs="$EPOCHS" --set train_sizes="$SIZES"

for f in accuracy.svg sparsity.svg entropy.svg entropy_pi.svg entropy_xi.svg vip_uip.svg \
         histogram_pi.svg histogram_m.svg histogram_Xi.svg histogram_entropy.svg \
         entropy_layers.svg sparsity_layers.svg vip_uip_layers.svg perturbation_h1.svg \
         perturbation_h2.svg perturbation_y.svg train_size.svg train_size_sparsity.svg \
         train_size_entropy.svg analysis.csv layers.csv perturbation.csv train_size.csv; do
    cp "$RUNS/gbp/$f" "$FIGURES/$f"
done
cp "$RUNS/bp/accuracy.svg" "$FIGURES/bp_accuracy.svg"
cp "$RUNS/gbp5/train_size_sparsity.svg" "$FIGURES/depth5_train_size_sparsity.svg"
cp "$RUNS/gbp5/train_size_entropy.svg" "$FIGURES/depth5_train_size_entropy.svg"
cp "$RUNS/gbp5/train_size.csv" "$FIGURES/depth5_train_size.csv"
echo "figures in $FIGURES"
