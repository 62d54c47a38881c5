#!/bin/sh
# The MSI figures of the gbptt paper that sasc's analyses cover (Figs. 11-18),
# copied into docs/figures/msi/ (docs/reproductions.md), and the psychometric
# function of models/msi_noisy.sas (sigma_in = 0.3) into docs/figures/msi_noisy/.
#
#   scripts/reproduce_msi.sh [EPOCHS]      (default the recipe's 40)
#
# SASC names the sasc binary (default ./sasc).
set -eu
SASC=${SASC:-./sasc}
RUN=runs/repro-msi
FIGURES=docs/figures/msi
mkdir -p "$FIGURES"
"$SASC" run models/msi.sas --out "$RUN" --set epochs="${1:-40}" --set analyze_every=2 \
    --set analyze=histograms,entropy,perturbation,dynamics --set vip_rule=relaxed \
    --set perturb_layers=h --set perturb_steps=5 --set perturb_repeats=3 --set dynamic_steps=90
"$SASC" analyze "$RUN" selectivity
for f in selectivity.svg selectivity_unit.svg selectivity_modality.svg \
         selectivity_unit_modality.svg selectivity_example_choice.svg \
         selectivity_example_modality.svg selectivity_example_mixed.svg selectivity_units.csv \
         psychometric.svg psychometric.csv accuracy.svg sparsity.svg entropy.svg entropy_pi.svg \
         entropy_xi.svg vip_uip.svg histogram_pi.svg histogram_m.svg histogram_Xi.svg \
         matrix_h_m.svg perturbation_h.svg dynamics_zeros.svg dynamics_eta.svg analysis.csv \
         layers.csv perturbation.csv dynamics.csv; do
    cp "$RUN/$f" "$FIGURES/$f"
done
NOISY=runs/repro-msi-noisy
mkdir -p docs/figures/msi_noisy
"$SASC" run models/msi_noisy.sas --out "$NOISY" --set epochs="${1:-40}"
for f in psychometric.svg psychometric.csv metrics.csv; do
    cp "$NOISY/$f" "docs/figures/msi_noisy/$f"
done
echo "figures in $FIGURES and docs/figures/msi_noisy"
