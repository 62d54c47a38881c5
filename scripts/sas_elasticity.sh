#!/bin/sh
# Local elasticity of gBP and of its BP baseline on Fashion-MNIST
# (docs/analyses.md, section `elasticity`): trains models/gbp_mnist.sas and
# models/bp_mnist.sas for EPOCHS epochs (default 5; the recipes' 100 take
# long on a shared machine), runs `sasc analyze RUN elasticity` on each and
# writes the group means and medians between the markers of
# docs/analyses.md. Usage: scripts/sas_elasticity.sh [OUT_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/runs/sas_elasticity}
epochs=${EPOCHS:-5}
sasc=$top/sasc
doc=$top/docs/analyses.md
mkdir -p "$out"
for model in gbp bp; do
    "$sasc" run "$top/models/${model}_mnist.sas" --set epochs="$epochs" --set analyze_every=0 \
        --set analyze= --out "$out/$model" --force >/dev/null
    "$sasc" analyze "$out/$model" elasticity >/dev/null
done
table=$out/table.md
{
    echo "<!-- sas_elasticity: written by scripts/sas_elasticity.sh; do not edit -->"
    echo "Measured by \`scripts/sas_elasticity.sh\` ($epochs epochs of each recipe, seed 1,"
    echo "20 test images per class, 39,800 ordered pairs, step 0.01, eps drawn and held fixed):"
    echo
    echo "| model | test accuracy | group | pairs | mean LE | median LE |"
    echo "|-------|---------------|-------|-------|---------|-----------|"
    for model in gbp bp; do
        accuracy=$(tail -n 1 "$out/$model/metrics.csv" | cut -d, -f4)
        tail -n +2 "$out/$model/elasticity_groups.csv" | while IFS=, read -r group pairs mean median; do
            printf '| %s | %s | %s | %s | %.3f | %.3f |\n' "$model" "$accuracy" "$group" "$pairs" \
                "$mean" "$median"
        done
    done
    echo "<!-- /sas_elasticity -->"
} >"$table"
awk -v table="$table" '
    /^<!-- sas_elasticity:/ { while ((getline line < table) > 0) print line; skip = 1; next }
    /^<!-- \/sas_elasticity -->/ { skip = 0; next }
    !skip { print }' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
echo "sas_elasticity: $doc updated from $out"
