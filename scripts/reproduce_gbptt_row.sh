#!/bin/sh
# The gbptt figures that sasc's analyses cover (Figs. 3-7, 9), on a short
# row-by-row run, copied into docs/figures/gbptt_row/ (docs/reproductions.md).
#
#   scripts/reproduce_gbptt_row.sh [EPOCHS] [TRAIN] [TEST]
#
# Defaults 3 epochs, 10000 training and 2000 test images. SASC names the
# sasc binary (default ./sasc).
set -eu
SASC=${SASC:-./sasc}
RUN=runs/repro-gbptt-row
FIGURES=docs/figures/gbptt_row
mkdir -p "$FIGURES"
"$SASC" run models/gbptt_row_mnist.sas --out "$RUN" --set epochs="${1:-3}" \
    --set train="${2:-10000}" --set test="${3:-2000}" --set analyze_every=1 \
    --set analyze=histograms,entropy,perturbation,dynamics --set perturb_layers=h \
    --set dynamic_steps=28
for f in accuracy.svg sparsity.svg entropy.svg entropy_pi.svg entropy_xi.svg vip_uip.svg \
         histogram_pi.svg histogram_m.svg histogram_Xi.svg matrix_h_m.svg \
         perturbation_h.svg dynamics_zeros.svg dynamics_eta.svg \
         analysis.csv layers.csv perturbation.csv dynamics.csv; do
    cp "$RUN/$f" "$FIGURES/$f"
done
echo "figures in $FIGURES"
