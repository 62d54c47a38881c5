#!/bin/sh
# The numbers and figures of the neurashed checks (tests/test_neurashed.c:
# the paper's Fig. 4, Fig. 3 and local elasticity, and the information
# estimator against closed forms) into docs/figures/neurashed/: checks.txt
# (every line the checks print), fig4_information.csv and two SVG figures;
# checks.txt also replaces the block between the "checks begin" and "checks
# end" lines of docs/neurashed.md. Run from the top of a built tree:
#
#   scripts/neurashed_checks.sh
#
# TEST names the test program (default tests/test_neurashed).
set -eu
TEST=${TEST:-tests/test_neurashed}
FIGURES=docs/figures/neurashed
DOC=docs/neurashed.md
mkdir -p "$FIGURES"
log=$(SASC_NEURASHED_FIGURES="$FIGURES" "$TEST") || { printf '%s\n' "$log"; exit 1; }
printf '%s\n' "$log" | sed -n 's/.*neurashed: //p' > "$FIGURES/checks.txt"
awk -v numbers="$FIGURES/checks.txt" '
    /^<!-- checks end/ { print "```"; skip = 0 }
    !skip { print }
    /^<!-- checks begin/ {
        print "```"
        while ((getline line < numbers) > 0) print line
        skip = 1
    }' "$DOC" > "$DOC.new" && mv "$DOC.new" "$DOC"
echo "numbers in $FIGURES/checks.txt and $DOC, figures in $FIGURES"
