#!/bin/sh
# The layering rules of tests/layering.rules, checked from the #include lines
# of every source file under runtime/, grammar/ and compiler/: no stage
# includes a later one, the runtime never includes LLVM, every included
# project header exists, and every source file belongs to a stage.
SRCDIR=${SRCDIR:-.}
. "$SRCDIR/tests/lib.sh"
cd "$SRCDIR" || exit 1
sources=$(find runtime grammar compiler -name '*.[chly]' ! -name 'parser.[ch]' ! -name 'lexer.c' | sort)
report=$(awk -v rules=tests/layering.rules '
    BEGIN {
        while ((getline line < rules) > 0) {
            n = split(line, w, " ")
            if (n >= 2 && w[1] == "stage") { rank[w[2]] = ++stages }
            else if (n >= 3 && w[1] == "allow") { allow[w[2] " " w[3]] = 1 }
        }
    }
    function stage_of(path,   best, folder) {
        best = ""
        for (folder in rank)
            if ((index(path, folder "/") == 1) && length(folder) > length(best)) best = folder
        return best
    }
    FNR == 1 {
        file = FILENAME; own = stage_of(file)
        if (own == "") print file ": belongs to no stage of tests/layering.rules"
    }
    /^[ \t]*#[ \t]*include[ \t]*</ && own ~ /^runtime/ && /llvm/ {
        print file ":" FNR ": the runtime includes LLVM: " $0
    }
    /^[ \t]*#[ \t]*include[ \t]*"/ {
        split($0, q, "\""); header = q[2]
        if (header == "config.h" || header == "grammar/parser.h") next
        if ((getline probe < header) < 0) { print file ":" FNR ": includes " header ", which does not exist"; next }
        close(header)
        theirs = stage_of(header)
        if (theirs == "") { print file ":" FNR ": includes " header ", which belongs to no stage"; next }
        if (rank[theirs] > rank[own] && !((file " " header) in allow))
            print file ":" FNR ": " own " includes " header " of the later stage " theirs
        if ((file " " header) in allow) used[file " " header] = 1
    }
    END {
        for (pair in allow) if (!(pair in used)) print "tests/layering.rules: allow " pair " is no longer needed"
    }' $sources)
if [ -n "$report" ]; then
    printf '%s\n' "$report"
    fail "the layering rules are broken ($(printf '%s\n' "$report" | wc -l) findings)"
else
    pass
fi
finish
