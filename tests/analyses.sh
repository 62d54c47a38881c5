#!/bin/sh
# The analyses are one table (runtime/analyses/registry.c); `sasc help
# analyze`, `sasc help analyses` and the error messages are generated from
# it. What else lists them must say the same, checked here against `sasc
# help analyses`: the `analyze` setting in `sasc help settings` and
# docs/language.md, docs/sasc.1 and docs/analyses.md (a section per
# analysis, the `analyze` row). So a new analysis is its file, its line in
# the table, and its docs; this script says which are missing.
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
case " $saved " in *" histograms "*" selectivity "*) pass ;; *) fail "registry: unreadable table: '$saved'" ;; esac
[ -n "$after" ] && [ -n "$all" ] && pass || fail "registry: no analysis after training or in all"

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

# docs/analyses.md: one section per analysis, the analyze row
sections=$(sed -n 's/^## `\([a-z_]*\)`.*/\1/p' "$SRCDIR/docs/analyses.md" | words)
same "docs/analyses.md: a section per analysis" "$every" "$sections"
row=$(grep '^| `analyze` |' "$SRCDIR/docs/analyses.md" | sed 's/.*after training: //; s/ |$//' | tr -d '`' | words)
same "docs/analyses.md: the analyze setting" "$after" "$row"

finish
