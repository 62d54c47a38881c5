# Shared by the shell test scripts (tests/*.sh), sourced after SRCDIR is set:
#     SRCDIR=${SRCDIR:-.}
#     . "$SRCDIR/tests/lib.sh"
# It sets SASC, makes a scratch directory $work removed at exit, keeps the
# pass/fail counters and provides the checks the scripts share. A script ends
# with `finish`, whose exit status is what make check sees.
set -u
SASC=${SASC:-./sasc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1)); echo "FAIL: $1"
    [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err" | head -20
    return 0
}

# expect STATUS DESCRIPTION COMMAND...: run COMMAND (stdout in $work/out,
# stderr in $work/err), check its exit status; returns 1 when it differs.
expect() {
    want=$1; what=$2; shift 2
    "$@" >"$work/out" 2>"$work/err" </dev/null
    got=$?
    if [ "$got" -eq "$want" ]; then pass; else fail "$what: exit $got, expected $want"; return 1; fi
}

# strip_seconds METRICS_CSV: the table without its `seconds` column, the only
# one that differs between two runs of one seed.
strip_seconds() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") skip = i }
             { line = ""; for (i = 1; i <= NF; i++) if (i != skip) line = line (line == "" ? "" : ",") $i; print line }' "$1"
}

# same_results WHAT DIR1 DIR2: the two runs' metrics (timing aside) and every
# saved .npy are identical to the byte (two checks).
same_results() {
    strip_seconds "$2/metrics.csv" > "$work/a.csv"
    strip_seconds "$3/metrics.csv" > "$work/b.csv"
    if [ -s "$work/a.csv" ] && cmp -s "$work/a.csv" "$work/b.csv"; then pass
    else fail "$1: metrics.csv differ"; diff "$work/a.csv" "$work/b.csv" | head -5; fi
    count=0; differ=0
    for npy in "$2"/*.npy; do
        [ -e "$npy" ] || continue
        count=$((count + 1))
        cmp -s "$npy" "$3/$(basename "$npy")" || differ=$((differ + 1))
    done
    if [ "$count" -gt 0 ] && [ "$differ" -eq 0 ]; then pass
    else fail "$1: $differ of $count parameter files differ"; fi
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
