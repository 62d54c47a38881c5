#!/bin/sh
# The analyses are one table (runtime/analyses/registry.c); `sasc help
# analyze`, `sasc help analyses` and the error messages are generated from
# it. Everything else that lists them must say the same, checked here
# against `sasc help analyses`: the overview of `sasc --help`, the `analyze`
# setting in `sasc help settings` and docs/language.md, docs/sasc.1,
# docs/analyses.md and the README.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"

# same WHAT EXPECTED GOT: two word lists, in order.
same() {
    if [ "$2" = "$3" ]; then pass; else fail "$1: expected '$2', got '$3'"; fi
}
words() { tr -s ' ,\n' '\n\n\n' | grep -v '^$' | tr '\n' ' ' | sed 's/ $//'; }

"$SASC" help analyses > "$work/table" || fail "sasc help analyses"
# NAME, then its "runs:" line: the names that run on a saved run, after training, at all
names_when() {
    awk -v when="$1" '/^[a-z_]+$/ { name = $1 } /^    runs:/ && index($0, when) { print name }' \
        "$work/table" | words
}
saved=$(names_when "on a saved run")
after=$(names_when "after training")
all=$(awk '/^[a-z_]+$/ { name = $1 } /^    runs:/ && /part of all/ { print name }' "$work/table" | words)
every=$(awk '/^[a-z_]+$/ { print $1 }' "$work/table" | words)
same "registry: analyses on a saved run" \
    "histograms entropy perturbation dynamics selectivity psychometric train_size" "$saved"
[ -n "$after" ] && [ -n "$all" ] && pass || fail "registry: no analysis after training or in all"

# sasc --help: the analyze overview
"$SASC" --help > "$work/help"
overview=$(awk '/^  analyze RUN_DIR WHAT/ { on = 1; sub(/.*analyses of a finished run:/, "") }
                on && /^  [a-z]/ && !/analyze/ { exit } on { print }' "$work/help" | sed 's/ or / /' | words)
same "sasc --help lists the analyses" "$saved all" "$overview"

# sasc help analyze: every analysis on a saved run, and all
"$SASC" help analyze > "$work/analyze"
listed=$(awk '/^list of:$/ { on = 1; next } on && /^  [a-z_]+ / { print $1 } on && /^[^ ]/ { exit }' \
             "$work/analyze" | words)
same "sasc help analyze lists the analyses" "$saved all" "$listed"

# the `analyze` setting: sasc help settings and docs/language.md
"$SASC" help settings > "$work/settings"
setting=$(grep '^  analyze  ' "$work/settings" | sed 's/.*comma list of //; s/ (default.*//' | words)
same "sasc help settings: analyze" "$after" "$setting"
language=$(grep '^| `analyze` |' "$SRCDIR/docs/language.md" | sed 's/.*comma list of //; s/(.*//' |
           tr -d '`' | words)
same "docs/language.md: analyze" "$after" "$language"

# docs/sasc.1: the analyze paragraph's list (.TP, .B NAME), then all
man=$(awk '/^\.B analyze$/ { on = 1; next } on && /^\.SH/ { exit }
           on && previous == ".TP" && /^\.B [a-z_]+$/ { print $2 } { previous = $0 }' \
         "$SRCDIR/docs/sasc.1" | words)
same "docs/sasc.1 lists the analyses" "$saved all" "$man"

# docs/analyses.md: one section per analysis, the WHAT sentence, the analyze row
sections=$(sed -n 's/^## `\([a-z_]*\)`.*/\1/p' "$SRCDIR/docs/analyses.md" | words)
same "docs/analyses.md: a section per analysis" "$every" "$sections"
what=$(tr '\n' ' ' < "$SRCDIR/docs/analyses.md" | sed -n 's/.*`WHAT` is a comma list of \([^.]*\)\..*/\1/p' |
       sed 's/(.*//; s/ or / /' | tr -d '`' | words)
same "docs/analyses.md: WHAT" "$saved all" "$what"
row=$(grep '^| `analyze` |' "$SRCDIR/docs/analyses.md" | sed 's/.*after training: //; s/ |$//' | tr -d '`' | words)
same "docs/analyses.md: the analyze setting" "$after" "$row"

# README: the sasc analyze line of the command summary
readme=$(awk '/sasc analyze DIR WHAT/ { on = 1; sub(/.*sasc analyze DIR WHAT/, ""); print; next }
              on && /^    sasc / { exit } on { print }' "$SRCDIR/README.md" | words)
same "README lists the analyses" "$saved all" "$readme"

finish
