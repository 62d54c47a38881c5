#!/bin/sh
# The gbptt figures that sasc's analyses cover (Figs. 3-7, 9), on a
# row-by-row run, copied into docs/figures/gbptt_row/ (docs/reproductions.md).
#
#   scripts/reproduce_gbptt_row.sh [EPOCHS] [TRAIN] [TEST]
#
# Defaults 40 epochs on the full sets, 60000 training and 10000 test images
# (the figures of docs/reproductions.md; about 35 min on a busy 2-core
# machine; the paper does not state its number of epochs); 3 10000 2000 is
# a quick run.
# SASC names the sasc binary (default ./sasc).
set -eu
SASC=${SASC:-./sasc}
RUN=runs/repro-gbptt-row
FIGURES=docs/figures/gbptt_row
mkdir -p "$FIGURES"
"$SASC" run models/gbptt_row_mnist.sas --out "$RUN" --set epochs="${1:-40}" \
    --set train="${2:-60000}" --set test="${3:-10000}" --set analyze_every=1 \
    --set analyze=histograms,entropy,perturbation,dynamics --set perturb_layers=h \
    --set dynamic_steps=28
"$SASC" analyze "$RUN" selectivity
for f in accuracy.svg sparsity.svg entropy.svg entropy_pi.svg entropy_xi.svg vip_uip.svg \
         histogram_pi.svg histogram_m.svg histogram_Xi.svg matrix_h_m.svg \
         perturbation_h.svg dynamics_zeros.svg dynamics_eta.svg selectivity.svg selectivity_unit.svg \
         analysis.csv layers.csv perturbation.csv dynamics.csv; do
    cp "$RUN/$f" "$FIGURES/$f"
done
echo "figures in $FIGURES"
