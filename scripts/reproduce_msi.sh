#!/bin/sh
# The MSI figures of the gbptt paper that sasc's analyses cover (Figs. 11-14,
# 16-18), copied into docs/figures/msi/ (docs/reproductions.md).
#
#   scripts/reproduce_msi.sh [EPOCHS]      (default 10 of the recipe's 40)
#
# SASC names the sasc binary (default ./sasc).
set -eu
SASC=${SASC:-./sasc}
RUN=runs/repro-msi
FIGURES=docs/figures/msi
mkdir -p "$FIGURES"
"$SASC" run models/msi.sas --out "$RUN" --set epochs="${1:-10}" --set analyze_every=2 \
    --set analyze=histograms,entropy,perturbation,dynamics --set vip_rule=relaxed \
    --set perturb_layers=h --set perturb_steps=5 --set perturb_repeats=3 --set dynamic_steps=90
"$SASC" analyze "$RUN" selectivity
for f in selectivity.svg selectivity_unit.svg psychometric.svg psychometric.csv accuracy.svg sparsity.svg entropy.svg entropy_pi.svg \
         entropy_xi.svg vip_uip.svg histogram_pi.svg histogram_m.svg histogram_Xi.svg \
         matrix_h_m.svg perturbation_h.svg dynamics_zeros.svg dynamics_eta.svg analysis.csv \
         layers.csv perturbation.csv dynamics.csv; do
    cp "$RUN/$f" "$FIGURES/$f"
done
echo "figures in $FIGURES"
