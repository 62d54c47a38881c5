#!/bin/sh
# Reproducers of every fuzzing finding (tests/fuzz/regressions/*.sas, one per
# finding, named after what it found) run through `sasc check --plan`: each
# must end with exit 0 or 1 and a message -- never a crash, a sanitizer
# report (exit 2 or a signal under the sanitised build) or a hang (20 s).
# Run by `make check` with SASC and SRCDIR set.
set -u
SASC=${SASC:-./sasc}
SRCDIR=${SRCDIR:-.}
passed=0; failed=0
for input in "$SRCDIR"/tests/fuzz/regressions/*.sas; do
    [ -f "$input" ] || continue
    timeout 20 "$SASC" check "$input" --plan >/dev/null 2>"${TMPDIR:-/tmp}/fuzz-regression.$$"
    status=$?
    if [ "$status" -le 1 ] && [ -s "${TMPDIR:-/tmp}/fuzz-regression.$$" -o "$status" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $(basename "$input"): exit $status"
        head -20 "${TMPDIR:-/tmp}/fuzz-regression.$$"
    fi
done
rm -f "${TMPDIR:-/tmp}/fuzz-regression.$$"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
