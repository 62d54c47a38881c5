#!/bin/sh
# Every row of docs/errors.md, reproduced: each case makes its bad input,
# runs sasc on it and checks the exit status and the exact first error line
# (a line of stderr; `glob` rows match a shell pattern where the message
# holds a machine-dependent number or name). Also checks that every case has
# its row in docs/errors.md and every row there has its case.
#
# Run by `make check` with SASC and SRCDIR set; ERRORS_LIST=1 prints, instead
# of checking, each case's actual first error line (for writing new rows).
set -u
SASC=${SASC:-./sasc}
case "$SASC" in /*) ;; *) SASC="$(pwd)/$SASC" ;; esac
SRCDIR=$(cd "${SRCDIR:-.}" && pwd)
DOC="$SRCDIR/docs/errors.md"
work=$(mktemp -d)
mounted=""
cleanup() {
    for m in $mounted; do umount "$m" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 2
passed=0; failed=0; skipped=0; ids=""

fail() { failed=$((failed + 1)); echo "FAIL: $1"; sed 's/^/  stderr: /' err | head -5; }

# check ID STATUS MODE EXPECTED COMMAND...: run COMMAND (stdin empty), then
# compare. MODE is `exact` or `glob`.
check() {
    id=$1; want=$2; mode=$3; expected=$4; shift 4
    ids="$ids $id"
    "$@" >out 2>err </dev/null
    got=$?
    line=$(grep -m1 -E '(^sasc: error: |: error: )' err)
    if [ -n "${ERRORS_LIST:-}" ]; then
        example=""
        for arg in "$@"; do case "$arg" in *.sas) [ -f "$arg" ] && example=$(head -c 300 "$arg" | tr '\n\t' '  ') ;; esac; done
        shift
        printf '%s\t%s\t%s\tsasc %s\t%s\n' "$id" "$got" "$line" "$*" "$example"
        return
    fi
    [ "$got" -eq "$want" ] || { fail "$id: exit $got, expected $want"; return; }
    if [ "$mode" = exact ]; then
        grep -qxF -- "$expected" err || { fail "$id: no line '$expected'"; return; }
    else
        # shellcheck disable=SC2254
        case "$line" in $expected) ;; *) fail "$id: '$line' does not match '$expected'"; return ;; esac
    fi
    passed=$((passed + 1))
}
row() { r_id=$1; r_status=$2; r_expected=$3; shift 3; check "$r_id" "$r_status" exact "$r_expected" "$SASC" "$@"; }
# also LINE: the last case's stderr holds LINE too.
also() {
    [ -n "${ERRORS_LIST:-}" ] && return
    if grep -qxF -- "$1" err; then passed=$((passed + 1)); else fail "$id: no line '$1'"; fi
}
skip() { skipped=$((skipped + 1)); ids="$ids $1"; echo "SKIP: $1: $2"; }

# sas NAME TEXT: write NAME.sas holding TEXT and a newline.
sas() { printf '%s\n' "$2" > "$1.sas"; }

# ---- building blocks: a valid model (2x2 images, 3 classes) and small IDX files
MODEL='model m { input x[4] layer y = dense(x, 3) { activation = softmax } loss cross_entropy(y) }'
be32() {  # four big-endian bytes of $1
    printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))"
    printf "\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"
}
bytes() {  # $1 bytes, each $2 (octal)
    i=0; while [ $i -lt "$1" ]; do printf "\\$2"; i=$((i + 1)); done
}
# idx DIR PREFIX COUNT ROWS COLS [LABEL]: images of ROWS x COLS (all pixels
# 100) and labels (all LABEL, default 1), as `sasc run` reads them.
idx() {
    mkdir -p "$1"
    { be32 2051; be32 "$3"; be32 "$4"; be32 "$5"; bytes $(($3 * $4 * $5)) 144; } > "$1/$2-images-idx3-ubyte"
    { be32 2049; be32 "$3"; bytes "$3" "00${6:-1}"; } > "$1/$2-labels-idx1-ubyte"
}
dataset() { idx "$1" train 20 2 2 "${2:-1}"; idx "$1" t10k 10 2 2 "${2:-1}"; }
dataset good
RUN="--set train=0 --set test=0 --set batch=5 --set epochs=1 --set threads=1"
sas ok "$MODEL"
# run_on ID STATUS EXPECTED DATA [MORE SETTINGS...]: train the valid model on DATA.
run_on() { id=$1; st=$2; ex=$3; data=$4; shift 4
    # shellcheck disable=SC2086
    row "$id" "$st" "$ex" run ok.sas $RUN --set data="$data" --out "out-$id" "$@"; }

# ==== command line
row cli-no-command 1 "sasc: error: no command given"
row cli-unknown-command 1 "sasc: error: unknown command 'frobnicate'" frobnicate
row cli-no-file 1 "sasc: error: 'sasc check' needs a .sas file" check
row cli-unknown-option 1 "sasc: error: unknown option '--frob'" run ok.sas --frob
row cli-option-typo 1 "sasc: error: unknown option '--forse'; did you mean '--force'?" run ok.sas --forse
row cli-option-setting 1 "sasc: error: unknown option '--epochs'; a setting is given as '--set epochs=VALUE'" run ok.sas --epochs 2
row cli-unexpected-argument 1 "sasc: error: unexpected argument 'extra'" check ok.sas extra
row cli-missing-file 1 "sasc: error: none.sas: No such file or directory" check none.sas
mkdir adir
row cli-directory 1 "sasc: error: adir: Is a directory" check adir
row cli-set-form 1 "sasc: error: '--set epochs' is not of the form KEY=VALUE" run ok.sas --set epochs
row cli-unknown-setting 1 "sasc: error: --set btach=10: unknown setting 'btach'; did you mean 'batch'?" run ok.sas --set btach=10
row cli-bad-value 1 "sasc: error: --set epochs=-3: epochs must be a non-negative integer, got '-3'" run ok.sas --set epochs=-3
long=$(printf '%0.sa' $(seq 5000))
row cli-long-value 1 "sasc: error: --set data=$(printf '%0.sa' $(seq 75))...$(printf '%0.sa' $(seq 80)) (5005 characters): data must be a directory path of at most 4095 characters, got '$(printf '%0.sa' $(seq 80))...$(printf '%0.sa' $(seq 80)) (5000 characters)'" run ok.sas --set data="$long"
row cli-shards-batch 1 "sasc: error: batch 5 cannot be split into 2 equal shards; set shards to a divisor of the batch" run ok.sas --set batch=5 --set shards=2 --out out-shards
row cli-unknown-model 1 "sasc: error: --set model=other: ok.sas has no model 'other'; its models are 'm'" run ok.sas --set model=other
row cli-unknown-task 1 "sasc: error: ok.sas has no task named 'nosuch'" run ok.sas nosuch
sas twotasks "$MODEL task a { epochs = 1 } task b { epochs = 2 }"
sas notask 'prior p { pi = 0 }'
row cli-no-task 1 "sasc: error: notask.sas has no task and 0 models; add a task block ('task NAME { model = ... }') to say what to train" run notask.sas
row cli-which-task 1 "sasc: error: twotasks.sas has 2 tasks; name the one to run: 'a', 'b'" run twotasks.sas

# ==== the source text
printf 'model m {\n  input x[4]\000\n}\n' > nul.sas
row src-nul 1 "sasc: error: nul.sas:2:13: NUL byte in the source text (is this a binary file?)" check nul.sas
printf 'model m { input x[4] \351 }\n' > latin1.sas
row src-invalid-utf8 1 "latin1.sas:1:22: error: invalid UTF-8 byte 0xe9 (is the file in another encoding?)" check latin1.sas
printf 'model m { input x[4] \303\251 }\n' > utf8.sas
row src-non-ascii 1 "utf8.sas:1:22: error: unexpected character 'é' (only ASCII is allowed outside strings and comments)" check utf8.sas
printf 'model m { input x[4] \001 }\n' > control.sas
row src-control 1 "control.sas:1:22: error: unexpected control character 0x01" check control.sas
sas char 'model m { input x[4] @ }'
row src-character 1 "char.sas:1:22: error: unexpected character '@'" check char.sas
mkfifo fifo.sas
row src-fifo 1 "sasc: error: fifo.sas: it is a FIFO, not a regular file" check fifo.sas
head -c 17000000 /dev/zero | tr '\0' '#' > huge.sas
row src-too-large 1 "sasc: error: huge.sas: the file is too large (more than 16777216 bytes)" check huge.sas
head -c 10000000 /dev/zero | tr '\0' '@' > junk.sas
row src-10mb-junk 1 "junk.sas:1:1: error: unexpected character '@'" check junk.sas
also "junk.sas: note: too many messages; only the first 50 are shown"
if [ -z "${ERRORS_LIST:-}" ]; then   # a 10 MB line is quoted around the column, never whole
    if awk 'length > 220 { exit 1 }' err; then passed=$((passed + 1)); else fail "src-10mb-junk: a line of stderr is longer than 220 bytes"; fi
fi
sas number "$MODEL task t { epochs = 1e999 }"
row src-number-too-large 1 "number.sas:1:111: error: number '1e999' is too large" check number.sas
sas string "$MODEL task t { data = \"/usr/share }"
row src-unterminated-string 1 "string.sas:1:109: error: unterminated string (a string ends on the line it starts)" check string.sas
printf '%s task t { data = "/usr' "$MODEL" > eofstring.sas
row src-string-at-eof 1 "eofstring.sas:1:109: error: unterminated string at the end of the file" check eofstring.sas
sas escape "$MODEL task t { data = \"a\\qb\" }"
row src-bad-escape 1 "escape.sas:1:111: error: unknown escape sequence '\\q' in string; use \\n, \\t, \\\\ or \\\"" check escape.sas
sas syntax 'model m { input x[4] layer = dense(x, 3) }'
row src-syntax 1 "syntax.sas:1:28: error: unexpected '='; expected a value" check syntax.sas
sas lauer 'model m { input x[4] lauer y = dense(x, 3) { activation = softmax } loss cross_entropy(y) }'
row src-keyword-typo 1 "lauer.sas:1:22: error: unexpected 'lauer'; did you mean 'layer'? (expected 'input', 'layer', 'loss', 'l2', '}' or ';')" check lauer.sas
sas deep "task t { epochs = $(printf '%0.s-' $(seq 300))1 }"
row src-deep-expression 1 "deep.sas:1:119: error: expression is nested too deeply (more than 200 levels)" check deep.sas
sas deeper "task t { epochs = $(printf '%0.s(' $(seq 2000))1$(printf '%0.s)' $(seq 2000)) }"
row src-parser-stack 1 "deeper.sas:1:1010: error: the file is nested too deeply to parse (parser stack limit 1000)" check deeper.sas
i=0; while [ $i -le 1000 ]; do echo "prior p$i { pi = 0 }"; i=$((i + 1)); done > many.sas
row src-too-many-definitions 1 "many.sas:1001:1: error: the file has 1001 definitions; at most 1000 are supported" check many.sas
{ echo 'model m { input x[4]'; i=0; while [ $i -lt 1000 ]; do echo "layer a$i = dense(x, 2)"; i=$((i + 1)); done; echo 'loss mse(a999) }'; } > items.sas
row src-too-many-items 1 "items.sas:1001:1: error: model 'm' has 1002 items (input, layer, loss and l2 lines); at most 1000 are supported" check items.sas

# ==== names, values and shapes (the checker)
L='layer y = dense(x, 3) { activation = softmax }'
model() { printf 'model m { input x[4] %s }' "$1"; }   # a model body around $1
sas s1 "$(model "layer y = dense(x, 3) { activation = sotfmax } loss cross_entropy(y)")"
row sema-unknown-suggest 1 "s1.sas:1:59: error: unknown activation 'sotfmax'; did you mean 'softmax'?" check s1.sas
sas s2 "$(model "layer y = dense(x, 3) { activation = softmax prior = nothere } loss cross_entropy(y)")"
row sema-unknown 1 "s2.sas:1:75: error: unknown prior 'nothere'" check s2.sas
sas s3 "$(model "layer y = dense(x, 3) { activation = softmax } layer y = dense(x, 3) loss cross_entropy(y)")"
row sema-defined-twice 1 "s3.sas:1:75: error: name 'y' is defined twice" check s3.sas
sas s4 "prior p { m = sqrt(-1) } $(model "$L loss cross_entropy(y)")"
row sema-sqrt-negative 1 "s4.sas:1:20: error: sqrt of a negative number (-1)" check s4.sas
sas s5 "prior p { m = sqrt(1, 2) } $(model "$L loss cross_entropy(y)")"
row sema-sqrt-arguments 1 "s5.sas:1:15: error: sqrt takes 1 argument, not 2" check s5.sas
sas s6 "prior p { m = 1/0 } $(model "$L loss cross_entropy(y)")"
row sema-division-by-zero 1 "s6.sas:1:17: error: division by zero" check s6.sas
sas s7 "prior p { m = 1e300 * 1e300 } $(model "$L loss cross_entropy(y)")"
row sema-too-large-value 1 "s7.sas:1:15: error: the value is too large" check s7.sas
sas s8 "$(model "layer y = dense(x, 2.5) { activation = softmax } loss cross_entropy(y)")"
row sema-not-integer 1 "s8.sas:1:41: error: a layer width must be an integer, not 2.5" check s8.sas
sas s9 "$(model "layer y = dense(x, 10000000) { activation = softmax } loss cross_entropy(y)")"
row sema-huge-width 1 "s9.sas:1:41: error: a layer width must be between 1 and 1000000; 10000000 is too large" check s9.sas
sas s10 "model m { input x[1000000] layer y = dense(x, 1000000) { activation = softmax } loss cross_entropy(y) }"
row sema-too-many-connections 1 "s10.sas:1:34: error: layer 'y' has 1000000000000 connections; at most 2147483647 are supported" check s10.sas
sas s11 "prior p { m = normal(0, -1) } $(model "$L loss cross_entropy(y)")"
row sema-normal-negative 1 "s11.sas:1:25: error: the standard deviation of normal(...) must be >= 0, not -1" check s11.sas
sas s12 "prior p { Xi = uniform(1, 0) } $(model "$L loss cross_entropy(y)")"
row sema-uniform-order 1 "s12.sas:1:16: error: uniform(low, high) needs low <= high, but 1 > 0" check s12.sas
sas s13 "prior p { pi = 2 } $(model "$L loss cross_entropy(y)")"
row sema-pi-range 1 "s13.sas:1:16: error: pi is a probability and must be in [0, 1], but its initial value can be 2" check s13.sas
sas s14 "prior p { Xi = -0.5 } $(model "$L loss cross_entropy(y)")"
row sema-variance-negative 1 "s14.sas:1:16: error: Xi is a variance and must be >= 0, but its initial value can be -0.5" check s14.sas
sas s15 "prior p { pi = normal(0.5, 0.1) } $(model "$L loss cross_entropy(y)")"
row sema-pi-normal 1 "s15.sas:1:16: error: pi cannot be drawn from normal(...), which can leave [0, 1]; use a constant or uniform(low, high)" check s15.sas
sas s16 "prior p { pi = 0 pi = 0.5 } $(model "$L loss cross_entropy(y)")"
row sema-set-twice 1 "s16.sas:1:18: error: 'pi' is set twice" check s16.sas
sas s17 "$(model "layer y = dense(x, 3) { activation = softmax frozen } loss cross_entropy(y)")"
row sema-frozen 1 "s17.sas:1:46: error: 'activation' cannot be frozen; only pi, m and Xi of a prior or a layer can" check s17.sas
sas s18 "$(model "layer y = dense(x, 3) { activation = softmax prior = 3 } loss cross_entropy(y)")"
row sema-prior-not-name 1 "s18.sas:1:75: error: prior must be the name of a prior block, not a number" check s18.sas
sas s19 "$(model "layer y = dense(x, 3) { activation = softmax m = identity(1) } loss cross_entropy(y)")"
row sema-identity-square 1 "s19.sas:1:71: error: identity initialisation needs a square connection group, but layer 'y' is 4 x 3 (fan in x width)" check s19.sas
sas s20 "$(model "layer y = dense(x, 3) { activation = softmax mask = density(2) } loss cross_entropy(y)")"
row sema-mask-density 1 "s20.sas:1:82: error: the density of a mask must be in (0, 1], not 2" check s20.sas
sas s21 "$(model "layer y = dense(x, 3) { activation = softmax mask = npy(3) } loss cross_entropy(y)")"
row sema-mask-npy-string 1 "s21.sas:1:78: error: npy(...) takes the file name as a string, e.g. npy(\"mask.npy\")" check s21.sas
sas s22 "$(model "layer y = dense(x, 3) { activation = softmax mask = 0.5 } loss cross_entropy(y)")"
row sema-mask-kind 1 "s22.sas:1:74: error: mask must be density(fraction) or npy(\"file.npy\")" check s22.sas
sas s23 "$(model "layer y = dense(y, 3) { activation = softmax } loss cross_entropy(y)")"
row sema-reads-itself 1 "s23.sas:1:38: error: layer 'y' cannot read itself" check s23.sas
sas s24 "$(model "layer h = dense(y, 3) $L loss cross_entropy(y)")"
row sema-reads-later 1 "s24.sas:1:38: error: layer 'y' is defined after 'h'; a layer reads the input or an earlier layer" check s24.sas
sas s25 "$(model "layer y = dense(3, 3) { activation = softmax } loss cross_entropy(y)")"
row sema-source-not-name 1 "s25.sas:1:38: error: the first argument of a layer must name the input or an earlier layer" check s25.sas
sas s26 "$(model "layer y = dense(x) { activation = softmax } loss cross_entropy(y)")"
row sema-dense-arguments 1 "s26.sas:1:32: error: dense takes 2 arguments (source, width), not 1" check s26.sas
sas s27 "$(model "input z[4] $L loss cross_entropy(y)")"
row sema-second-input 1 "s27.sas:1:22: error: model 'm' has a second input; a model has exactly one" check s27.sas
sas s28 "model m { $L loss cross_entropy(y) }"
row sema-no-input 1 "s28.sas:1:7: error: model 'm' has no input; add a line like 'input x[784]'" check s28.sas
sas s29 "model m { input x[4] loss mse(x) }"
row sema-no-layers 1 "s29.sas:1:7: error: model 'm' has no layers; add one like 'layer y = dense(x, 10)'" check s29.sas
sas s30 "$(model "$L")"
row sema-no-loss 1 "s30.sas:1:7: error: model 'm' has no loss; add 'loss cross_entropy(y)' or 'loss mse(y)'" check s30.sas
sas s31 "$(model "$L loss cross_entropy(y) loss mse(y)")"
row sema-second-loss 1 "s31.sas:1:91: error: model 'm' has a second loss" check s31.sas
sas s32 "$(model "layer h = dense(x, 3) $L loss cross_entropy(h)")"
row sema-loss-not-last 1 "s32.sas:1:110: error: the loss must be computed on the last layer 'y', not on 'h'" check s32.sas
sas s33 "$(model "layer y = dense(x, 3) loss cross_entropy(y)")"
row sema-cross-entropy-softmax 1 "s33.sas:1:63: error: cross_entropy needs a softmax output, but layer 'y' has activation identity; add 'activation = softmax' to it" check s33.sas
sas s34 "$(model "$L loss cross_entropy(y) l2 { m = -1 }")"
row sema-l2-negative 1 "s34.sas:1:100: error: an l2 strength must be >= 0, not -1" check s34.sas
sas s35 "model m$(printf '%0.sa' $(seq 70)) { input x[4] $L loss cross_entropy(y) }"
row sema-name-too-long 1 "s35.sas:1:7: error: a model name has at most 63 characters" check s35.sas
sas s36 "$MODEL task t { data = \"$(printf '%0.sa' $(seq 5000))\" }"
row sema-string-too-long 1 "s36.sas:1:109: error: this value is too long (at most 4095 characters)" check s36.sas
sas s37 "$MODEL task t { model = other }"
row sema-task-unknown-model 1 "s37.sas:1:110: error: unknown model 'other'; expected m" check s37.sas
sas s38 "$MODEL $(printf '%s' "$MODEL" | sed 's/model m/model n/') task t { epochs = 1 }"
row sema-task-which-model 1 "s38.sas:1:190: error: task 't' must say which model it trains ('model = NAME'); the file defines 2 models" check s38.sas
sas s39 "$MODEL task t { name = \"u\" }"
row sema-task-name-setting 1 "s39.sas:1:102: error: a task's name is the one after 'task'; remove this setting" check s39.sas
sas s40 "$MODEL task t { epochs = -1 }"
row sema-task-bad-value 1 "s40.sas:1:111: error: epochs must be a non-negative integer, got '-1'" check s40.sas
sas s41 "$MODEL task t { epohcs = 1 }"
row sema-task-unknown-setting 1 "s41.sas:1:102: error: unknown task setting 'epohcs'; did you mean 'epochs'?" check s41.sas
sas s42 "$MODEL task t { data = 3 }"
row sema-task-string-expected 1 "s42.sas:1:109: error: data must be a string in double quotes, not a number" check s42.sas
sas s43 "$MODEL task t { optimizer = \"adam\" }"
row sema-task-choice-quoted 1 "s43.sas:1:114: error: optimizer must be written without quotes, not a string" check s43.sas
sas s44 "prior p { m = normal(0) } $(model "$L loss cross_entropy(y)")"
row sema-function-arguments 1 "s44.sas:1:15: error: normal takes 2 arguments (mean, standard deviation), not 1" check s44.sas
sas s45 "prior p { m = dense(0, 1) } $(model "$L loss cross_entropy(y)")"
row sema-not-a-number 1 "s45.sas:1:15: error: unknown function 'dense'; expected normal, uniform, identity, zeros or sqrt" check s45.sas

# ==== layers and time steps: the rules that follow from the layer kinds' declarations
R='layer h = recurrent(x, 6) { steps = 3 }'
Y='layer y = readout(h, 2) { activation = softmax } loss cross_entropy(y)'
sas k1 "$(model "layer y = dnese(x, 3) { activation = softmax } loss cross_entropy(y)")"
row layer-unknown-kind 1 "k1.sas:1:32: error: unknown layer kind 'dnese'; did you mean 'dense'?" check k1.sas
sas k2 "$(model "layer y = dense(x, 3) { activation = softmax steps = 3 } loss cross_entropy(y)")"
row layer-other-kinds-setting 1 "k2.sas:1:67: error: 'steps' is not a setting of a dense layer" check k2.sas
sas k3 "$(model "layer h = recurrent(x, 6) { steps = 3 sigma = -1 } $Y")"
row layer-setting-range 1 "k3.sas:1:68: error: 'sigma' must be >= 0, not -1" check k3.sas
sas k4 "$(model "layer h = recurrent(x, 6) { steps = 3 alpha = 1.5 } $Y")"
row layer-leak-range 1 "k4.sas:1:68: error: the leak alpha = 1.5 must be in (0, 1]" check k4.sas
sas k5 "$(model "layer h = recurrent(x, 6) { steps = 3 dt = 20 } $Y")"
row layer-dt-without-tau 1 "k5.sas:1:60: error: dt and tau go together (alpha = dt / tau); add 'tau'" check k5.sas
sas k6 "$(model "layer h = recurrent(x, 6) { steps = 3 alpha = 0.5 dt = 1 tau = 2 } $Y")"
row layer-alpha-and-dt 1 "k6.sas:1:72: error: give either alpha or dt and tau, not both" check k6.sas
sas k7 "$(model "layer h = recurrent(x, 6) { steps = 3 activation = softmax } $Y")"
row layer-elementwise-activation 1 "k7.sas:1:73: error: a recurrent layer's transfer function is elementwise; softmax is not" check k7.sas
sas k8 "$(model "layer h = recurrent(x, 6) { alpha = 0.5 } $Y")"
row time-steps-missing 1 "k8.sas:1:28: error: recurrent layer 'h' needs the number of time steps, e.g. 'steps = 28'" check k8.sas
sas k9 "$(model "$R layer g = recurrent(h, 6) { steps = 4 } layer y = readout(g, 2) { activation = softmax } loss cross_entropy(y)")"
row time-steps-disagree 1 "k9.sas:1:98: error: layer 'g' has steps = 4, but 'h' has 3; the layers of a model share one time axis" check k9.sas
sas k10 "$(model "layer y = readout(x, 2) { activation = softmax } loss cross_entropy(y)")"
row time-no-time-axis 1 "k10.sas:1:40: error: a readout layer reads a sequence (a value at every time step), but 'x' has one value per sample: model 'm' has no time axis (a recurrent layer gives it one); read 'x' with dense(x, width)" check k10.sas
sas k11 "$(model "$R layer d = dense(h, 3) { at = last } layer g = recurrent(d, 6) layer y = readout(g, 2) { activation = softmax } loss cross_entropy(y)")"
row time-reads-last-step 1 "k11.sas:1:118: error: a recurrent layer reads a sequence (a value at every time step), but 'd' reads only the last step of 'h' (at = last); give 'd' 'at = every', or read it with dense(d, width)" check k11.sas
sas k12 "$(model "$R layer d = dense(h, 3) { at = last } layer e = dense(d, 3) layer y = readout(e, 2) { activation = softmax } loss cross_entropy(y)")"
row time-after-last-step 1 "k12.sas:1:138: error: a readout layer reads a sequence (a value at every time step), but 'e' has one value per sample: it comes after 'd', which reads only the last step (at = last); read 'e' with dense(e, width)" check k12.sas
sas k13 "$(model "layer y = dense(x, 3) { activation = softmax at = last } loss cross_entropy(y)")"
row time-at-without-sequence 1 "k13.sas:1:67: error: 'at' chooses the steps of a sequence to read, but 'x' has one value per sample (not a value at every time step); remove it" check k13.sas
sas k14 "$(model "$R layer y = readout(h, 2) { activation = softmax at = evry } loss cross_entropy(y)")"
row time-at-unknown 1 "k14.sas:1:114: error: unknown 'at' value 'evry'; did you mean 'every'?" check k14.sas
sas k15 "$(model "$R layer y = readout(h, 2) { activation = softmax at = every } loss cross_entropy(y)")"
row time-cross-entropy-every-step 1 "k15.sas:1:141: error: cross_entropy is taken at the last step, but readout 'y' has a value at every step; use 'loss mse(y)' or 'at = last'" check k15.sas
# ==== named constants (docs/language.md, "Constants"): `const NAME = expr` and --set NAME=VALUE
CM='model m { input x[4] layer y = dense(x, N) { activation = softmax } loss cross_entropy(y) }'
sas cn1 "const N = 3 const N = 4 $CM"
row const-redefined 1 "cn1.sas:1:19: error: constant 'N' is defined twice" check cn1.sas
sas cn2 "const M = N + 1 const N = 3 $CM"
row const-before-definition 1 "cn2.sas:1:11: error: constant 'N' is used before its definition" check cn2.sas
sas cn3 "const N = 3 model m { input x[4] layer y = dense(x, NN) { activation = softmax } loss cross_entropy(y) }"
row const-unknown 1 "cn3.sas:1:53: error: unknown constant 'NN'; did you mean 'N'?" check cn3.sas
sas cn4 "const Z = 0 const N = 3 / Z $CM"
row const-division-by-zero 1 "cn4.sas:1:27: error: division by zero" check cn4.sas
sas cn5 "const N = 7 / 2 $CM"
row const-not-integer 1 "cn5.sas:1:57: error: a layer width must be an integer, not 3.5" check cn5.sas
sas cn6 "const N = 3 $CM"
row const-set-not-integer 1 "cn6.sas:1:53: error: a layer width must be an integer, not 2.5" check cn6.sas --set N=2.5
row const-set-unknown 1 "sasc: error: --set M=4: unknown setting 'M'; did you mean 'N'?" ir cn6.sas --set M=4
row const-set-not-number 1 "sasc: error: --set N=many: N must be a number, got 'many'" ir cn6.sas --set N=many
sas cn7 "const lr = 0.1 $MODEL"
row const-setting-name 1 "cn7.sas:1:7: error: 'lr' is a task setting; give the constant another name (--set lr=VALUE must mean one thing)" check cn7.sas
sas cn8 "const N = \"three\" $CM"
row const-not-number 1 "cn8.sas:1:11: error: expected a number, found a string" check cn8.sas
sas cn9 "const N = 3 $CM task t { constants = \"N=4\" }"
row const-in-task 1 "cn9.sas:1:114: error: constants are declared at file level ('const NAME = value') and overridden with --set NAME=VALUE, not set in a task" check cn9.sas
sas cn10 "sweep s { seed = [1, 2] } $MODEL"
row sweep-declaration 1 "cn10.sas:1:1: error: sweep declarations are not supported yet; give the sweep on the command line: sasc sweep FILE --over KEY=V1,V2,..." check cn10.sas
# ==== trials declarations (docs/language.md, "Trials"): $TR = the model every case trains
TR='model r { input x[1] layer h = recurrent(x, 4) { steps = 3 } layer y = readout(h, 2) { at = every } loss mse(y) }'
TV='v = one_of(0, 1)'
TA='period a { duration = 3 input = [v] target = [v, 1 - v] }'
TT='task t { data = trials(d) }'
sas tr1 "trials d { $TV label = w $TA } $TR $TT"
row trials-unknown-variable 1 "tr1.sas:1:37: error: unknown trial variable 'w'; did you mean 'v'?" check tr1.sas
sas tr2 "trials d { $TV label = v period a { input = [v] target = [v, 1 - v] } } $TR $TT"
row trials-no-duration 1 "tr2.sas:1:46: error: period 'a' has no duration; add 'duration = MS'" check tr2.sas
sas tr3 "trials d { $TV label = v period a { duration = 3 input = [v] target = [v, 1 - v, 0] } } $TR $TT"
row trials-target-width 1 "tr3.sas:1:232: error: trials 'd' have 3 targets per step, but model 'r' has 2 outputs" check tr3.sas
sas tr4 "trials d { $TV label = v period a { duration = 3 input = [v, v] target = [v, 1 - v] } } $TR $TT"
row trials-input-width 1 "tr4.sas:1:232: error: trials 'd' have 2 inputs per step, but model 'r' reads 1" check tr4.sas
sas tr5 "trials d { $TV label = v loss = [] $TA } $TR $TT"
row trials-loss-on-no-period 1 "tr5.sas:1:46: error: loss must list the periods that count in the loss, at least one: loss = [NAME, ...]" check tr5.sas
sas tr6 "trials d { $TV label = v loss = [b] $TA } $TR $TT"
row trials-loss-unknown-period 1 "tr6.sas:1:47: error: unknown period 'b'; did you mean 'a'?" check tr6.sas
sas tr7 "trials d { $TV label = v $TA } $TR task t { data = trials(e) }"
row trials-unknown 1 "tr7.sas:1:236: error: unknown trials 'e'; did you mean 'd'?" check tr7.sas
sas tr8 "trials d { $TV label = v period a { duration = 4 input = [v] target = [v, 1 - v] } } $TR $TT"
row trials-steps 1 "tr8.sas:1:229: error: training trials of 'd' last 4 steps (dt = 1 ms), but model 'r' has steps = 3" check tr8.sas
sas tr9 "trials d { v = 3 label = v $TA } $TR $TT"
row trials-variable-not-drawn 1 "tr9.sas:1:16: error: trial variable 'v' must be drawn: one_of(a, b, ...) or uniform(low, high)" check tr9.sas
sas tr10 "trials d { $TV label = normal(0, 1) $TA } $TR $TT"
row trials-noise-outside-input 1 "tr10.sas:1:37: error: noise (normal(...)) is drawn per step and belongs in a period's input, not here" check tr10.sas
sas tr11 "trials d { $TV $TA } $TR $TT"
row trials-no-label 1 "tr11.sas:1:8: error: trials 'd' have no label; add 'label = EXPR' (a trial's class, 0, 1, ...)" check tr11.sas
sas tr12 "trials d { $TV label = v period a { duration = 1 input = [v] target = [v, 1 - v] } period b { duration = 2 input = [v, v] } } $TR $TT"
row trials-list-widths 1 "tr12.sas:1:129: error: this input has 2 values, but the first input of the trials (line 1) has 1" check tr12.sas
sas tr13 "$TR task t { epochs = 1 < 2 }"
row trials-comparison-elsewhere 1 "tr13.sas:1:133: error: a comparison is a number only inside a trials declaration (where it is 1 or 0 per trial)" check tr13.sas
sas tr14 "trials d { $TV label = v $TA period a { duration = 0 } } $TR $TT"
row trials-period-twice 1 "tr14.sas:1:104: error: period 'a' is defined twice" check tr14.sas
sas tr15 "trials d { $TV label = v period a { duration = 3 input = [v] target = [v, 1 - v] wait = 3 } } $TR $TT"
row trials-period-setting 1 "tr15.sas:1:95: error: unknown period setting 'wait'; expected duration, test_duration, input or target" check tr15.sas
sas tr16 "trials d { $TV label = v + 1 $TA } $TR task t { data = trials(d) train = 20 test = 4 batch = 2 epochs = 1 }"
row trials-label-class 1 "sasc: error: trials 'd': the label of training trial 1 is 2, not a class 0 .. 1" run tr16.sas --out out-tr16
sas tr17 "trials d { $TV label = v $TA } $TR task t { data = trials(d) train = 20 test = 4 batch = 2 epochs = 1 }"
row trials-set-unknown 1 "sasc: error: data = trials(q), but tr17.sas declares no trials 'q'" run tr17.sas --out out-tr17 --set 'data=trials(q)'
# ==== sasc build for a CPU LLVM does not know or cannot use: one message, no
# abort, no temporary directory left
mkdir -p tmp-build
row build-cpu-32-bit 1 "sasc: error: LLVM cannot generate x86_64-pc-linux-gnu code for CPU 'i386': 64-bit code requested on a subtarget that doesn't support it!" build ok.sas -o prog --target-cpu i386
row build-cpu-unknown 1 "sasc: error: unknown CPU 'foo' for x86_64-pc-linux-gnu; give host, generic or an LLVM CPU name such as skylake or znver3 (\`llc -mcpu=help\` lists them)" build ok.sas -o prog --target-cpu foo
if [ -z "${ERRORS_LIST:-}" ]; then
    TMPDIR="$work/tmp-build" "$SASC" build ok.sas -o prog --target-cpu i386 >/dev/null 2>&1
    if [ -z "$(ls -A tmp-build)" ] && [ ! -e prog ]; then passed=$((passed + 1)); else fail "build-cpu-32-bit left $(ls -A tmp-build) in TMPDIR"; fi
fi

# ==== plans and memory: refused before anything is allocated
sas big "model m { input x[46000] layer h = dense(x, 46000) { activation = relu } layer y = dense(h, 10) { activation = softmax } loss cross_entropy(y) }"
check mem-too-large 1 glob "sasc: error: the run's buffers and data (estimated) need 195.7 GB of memory but at most * are available to this process" \
    "$SASC" run big.sas --set batch=10000 --out out-mem

# ==== data files (made here: 2x2 images, 20 training and 10 test images)
run_on data-missing-dir 1 "sasc: error: cannot read the data directory nodata: No such file or directory" nodata
mkdir -p onlytrain && cp good/train-* onlytrain/
run_on data-not-directory 1 "sasc: error: the data directory ok.sas is not a directory" ok.sas
run_on data-missing-file 1 "sasc: error: cannot find onlytrain/t10k-images-idx3-ubyte (nor onlytrain/t10k-images-idx3-ubyte.gz, nor another t10k-images-idx* file)" onlytrain
mkdir -p short && cp good/* short/ && printf '\000\000' > short/train-images-idx3-ubyte
run_on data-too-short 1 "sasc: error: short/train-images-idx3-ubyte is too short to be an IDX file: 2 bytes, its header needs at least 8" short
mkdir -p empty0 && cp good/* empty0/ && : > empty0/train-images-idx3-ubyte
run_on data-empty 1 "sasc: error: empty0/train-images-idx3-ubyte is empty (0 bytes); an IDX file starts with its magic number and dimensions" empty0
mkdir -p emptygz && cp good/* emptygz/ && rm emptygz/train-images-idx3-ubyte && : | gzip > emptygz/train-images-idx3-ubyte.gz
run_on data-empty-gzip 1 "sasc: error: emptygz/train-images-idx3-ubyte.gz is empty once decompressed; an IDX file starts with its magic number and dimensions" emptygz
mkdir -p magic && cp good/* magic/ && { be32 2049; be32 20; be32 2; be32 2; bytes 80 144; } > magic/train-images-idx3-ubyte
run_on data-wrong-magic 1 "sasc: error: magic/train-images-idx3-ubyte is a 1-dimensional IDX file (magic 0x00000801): samples need at least one dimension after the count" magic
mkdir -p truncated && cp good/* truncated/ && head -c 50 good/train-images-idx3-ubyte > truncated/train-images-idx3-ubyte
run_on data-truncated 1 "sasc: error: truncated/train-images-idx3-ubyte is truncated: its header declares 20 records of 4 bytes" truncated
idx empty train 0 2 2; idx empty t10k 10 2 2
run_on data-no-images 1 "sasc: error: empty/train-images-idx3-ubyte contains no samples" empty
idx wide train 20 3 3; idx wide t10k 10 3 3
run_on data-dimensions 1 "sasc: error: the model's input has 4 units but the samples of wide/train-images-idx3-ubyte have 3x3=9 values" wide
sas steps 'model r { input x[1] layer h = recurrent(x, 2) { steps = 3 } layer y = readout(h, 3) { activation = softmax } loss cross_entropy(y) }'
# shellcheck disable=SC2086
row data-steps 1 "sasc: error: the model reads 3 values per sample (3 steps of 1) but the samples of good/train-images-idx3-ubyte have 2x2=4 values" run steps.sas $RUN --set data=good --out out-steps
dataset labels 7
run_on data-label-range 1 "sasc: error: labels/train-labels-idx1-ubyte: label 7 of sample 0 is not below the model's 3 classes" labels
mkdir -p count && cp good/* count/ && { be32 2049; be32 15; bytes 15 001; } > count/train-labels-idx1-ubyte
run_on data-label-count 1 "sasc: error: count/train-labels-idx1-ubyte has 15 labels but the images file beside it has 20 images" count
run_on data-too-few 1 "sasc: error: 100 samples were asked for but good/train-images-idx3-ubyte has only 20" good --set train=100
run_on data-under-batch 1 "sasc: error: the training set has 3 images, fewer than one mini-batch of 5" good --set train=3
gzip -c good/train-images-idx3-ubyte | head -c 30 > gz.tmp
mkdir -p badgz && cp good/t10k-* good/train-labels-idx1-ubyte badgz/ && mv gz.tmp badgz/train-images-idx3-ubyte.gz
run_on data-bad-gzip 1 "sasc: error: badgz/train-images-idx3-ubyte.gz is a damaged gzip file (zlib: unexpected end of file)" badgz
mkdir -p badgz2 && cp good/t10k-* good/train-labels-idx1-ubyte badgz2/ && gzip -c < good/train-images-idx3-ubyte > gz.tmp
printf 'XXXX' | dd of=gz.tmp bs=1 seek=12 conv=notrunc 2>/dev/null && mv gz.tmp badgz2/train-images-idx3-ubyte.gz
# shellcheck disable=SC2086
check data-corrupt-gzip 1 glob "sasc: error: badgz2/train-images-idx3-ubyte.gz is a damaged gzip file (zlib: *)" \
    "$SASC" run ok.sas $RUN --set data=badgz2 --out out-data-corrupt-gzip
# special files in place of a data file: refused, never opened for reading (a FIFO would block)
mkdir -p fifo && cp good/* fifo/ && rm fifo/train-images-idx3-ubyte && mkfifo fifo/train-images-idx3-ubyte
run_on data-fifo 1 "sasc: error: cannot read fifo/train-images-idx3-ubyte: it is a FIFO, not a regular file" fifo
mkdir -p devnull && cp good/* devnull/ && ln -sf /dev/null devnull/train-images-idx3-ubyte
run_on data-device 1 "sasc: error: cannot read devnull/train-images-idx3-ubyte: it is a character device, not a regular file" devnull
mkdir -p dirdata && cp good/* dirdata/ && rm dirdata/train-images-idx3-ubyte && mkdir dirdata/train-images-idx3-ubyte
run_on data-directory 1 "sasc: error: cannot read dirdata/train-images-idx3-ubyte: Is a directory" dirdata
mkdir -p trailing && cp good/* trailing/ && printf 'xyz' >> trailing/train-images-idx3-ubyte
run_on data-trailing 1 "sasc: error: trailing/train-images-idx3-ubyte has 3 bytes after the 20 records of 4 bytes its header declares" trailing
# a header that declares 2^32 - 1 images: refused from the file size, before any allocation
mkdir -p huge && cp good/* huge/ && { be32 2051; be32 4294967295; be32 2; be32 2; bytes 80 144; } > huge/train-images-idx3-ubyte
run_on data-declared-huge 1 "sasc: error: huge/train-images-idx3-ubyte is truncated: its header declares 4294967295 records of 4 bytes" huge
# an unreadable file is reported as unreadable, not as missing (root reads everything: run as nobody)
mkdir -p noperm && cp good/* noperm/ && chmod 000 noperm/train-images-idx3-ubyte
if [ "$(id -u)" -ne 0 ]; then
    run_on data-unreadable 1 "sasc: error: cannot read noperm/train-images-idx3-ubyte: Permission denied" noperm
elif command -v setpriv >/dev/null 2>&1; then
    chmod 755 "$work"; chmod -R a+rX good noperm ok.sas; chmod 000 noperm/train-images-idx3-ubyte; mkdir -p out-noperm; chmod 777 out-noperm
    # shellcheck disable=SC2086
    check data-unreadable 1 exact "sasc: error: cannot read noperm/train-images-idx3-ubyte: Permission denied" \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$SASC" run ok.sas $RUN --set data=noperm --out out-noperm
else
    skip data-unreadable "root, and no setpriv to drop the privilege"
fi

# ==== mask files (npy(...) is read, never written)
npy() {  # npy FILE ROWS COLS [ELEMENTS]: a float32 .npy, all ones
    header="{'descr': '<f4', 'fortran_order': False, 'shape': ($2, $3), }"
    pad=$(( 64 - (10 + ${#header} + 1) % 64 ))
    { printf '\223NUMPY\001\000'; printf "\\$(printf %03o $(((${#header} + pad + 1) % 256)))\\$(printf %03o $(((${#header} + pad + 1) / 256)))"
      printf '%s%*s\n' "$header" "$pad" ''
      i=0; while [ $i -lt "${4:-$(($2 * $3))}" ]; do printf '\000\000\200\077'; i=$((i + 1)); done; } > "$1"
}
masked() { sas "$1" "model m { input x[4] layer y = dense(x, 3) { activation = softmax mask = npy(\"$2\") } loss cross_entropy(y) }"; }
masked mask1 nomask.npy
row mask-missing 1 "sasc: error: cannot open nomask.npy: No such file or directory" run mask1.sas $RUN --set data=good --out out-mask1
echo 'not numpy' > text.npy; masked mask2 text.npy
row mask-not-npy 1 "sasc: error: text.npy is not a valid .npy file: it does not start with numpy's magic string" run mask2.sas $RUN --set data=good --out out-mask2
npy shape.npy 2 2; masked mask3 shape.npy
row mask-shape 1 "sasc: error: shape.npy has shape (2, 2) but (4, 3) is needed" run mask3.sas $RUN --set data=good --out out-mask3
npy cut.npy 4 3 5; masked mask4 cut.npy
row mask-truncated 1 "sasc: error: cut.npy is truncated: it holds fewer than 4 x 3 elements" run mask4.sas $RUN --set data=good --out out-mask4
mkfifo fifo.npy; masked mask5 fifo.npy
row mask-fifo 1 "sasc: error: cannot open fifo.npy: it is a FIFO, not a regular file" run mask5.sas $RUN --set data=good --out out-mask5
# a mask value other than 0 and 1 (0.5, NaN, inf) used to mean "keep" silently
npy half.npy 4 3 && printf '\000\000\000\077' | dd of=half.npy bs=1 seek=128 conv=notrunc 2>/dev/null; masked mask6 half.npy
row mask-values 1 "sasc: error: half.npy: element 0 is 0.5, but every element must be exactly 0 or 1" run mask6.sas $RUN --set data=good --out out-mask6
npy nan.npy 4 3 && printf '\000\000\300\177' | dd of=nan.npy bs=1 seek=132 conv=notrunc 2>/dev/null; masked mask7 nan.npy
row mask-nan 1 "sasc: error: nan.npy: element 1 is nan, but every element must be exactly 0 or 1" run mask7.sas $RUN --set data=good --out out-mask7
npy complex.npy 4 3 && sed -i "s/'<f4'/'<c8'/" complex.npy; masked mask8 complex.npy
row mask-dtype 1 "sasc: error: complex.npy is not a valid .npy file: its dtype '<c8' is not a boolean, integer, float32 or float64 type" run mask8.sas $RUN --set data=good --out out-mask8

# a message with a long path keeps its reason: the whole path, then why
deep=$(printf '%0.s/b' $(seq 1500))
check data-long-path 1 glob "sasc: error: cannot read the data directory /x/b/b/b/*/b/b: No such file or directory" \
    "$SASC" run ok.sas $RUN --set data="/x$deep" --out out-long

# ==== checkpoints: checked before anything in them is used
# shellcheck disable=SC2086
"$SASC" run ok.sas $RUN --set data=good --out ck >/dev/null 2>&1
cp -r ck ck-flip; size=$(wc -c < ck/checkpoint.sasc); middle=$((size / 2))
byte=$(od -An -tu1 -j "$middle" -N1 ck/checkpoint.sasc | tr -d ' ')
printf "\\$(printf %03o $((byte ^ 4)))" | dd of=ck-flip/checkpoint.sasc bs=1 seek="$middle" conv=notrunc 2>/dev/null
row ckpt-flipped-bit 1 "sasc: error: ck-flip/checkpoint.sasc is damaged: its checksum does not match its contents (a changed byte, or a file cut short or copied in part); it cannot be used" run --resume ck-flip
cp -r ck ck-cut; head -c "$middle" ck/checkpoint.sasc > ck-cut/checkpoint.sasc
row ckpt-truncated 1 "sasc: error: ck-cut/checkpoint.sasc is damaged: its checksum does not match its contents (a changed byte, or a file cut short or copied in part); it cannot be used" eval ck-cut
cp -r ck ck-old; printf 'SASCCKP1' > ck-old/checkpoint.sasc; head -c 200 /dev/zero >> ck-old/checkpoint.sasc
row ckpt-old-format 1 "sasc: error: ck-old/checkpoint.sasc was written by an older sasc (checkpoint format 1, without a checksum); this sasc reads format 2 only" run --resume ck-old
cp -r ck ck-text; echo 'not a checkpoint at all' > ck-text/checkpoint.sasc
row ckpt-not-checkpoint 1 "sasc: error: ck-text/checkpoint.sasc is not a sasc checkpoint" run --resume ck-text
row ckpt-optimizer 1 "sasc: error: the checkpoint in ck holds the state of optimizer adam; it cannot be resumed with optimizer sgd" run --resume ck --set optimizer=sgd
row ckpt-nothing-to-train 1 "sasc: error: the run in ck has trained all 1 of its epochs, so --set batch=10 would change nothing it did; give more epochs (--set epochs=N) to train with it" run --resume ck --set batch=10

# ==== the output directory
echo file > plainfile
run_on out-not-directory 1 "sasc: error: cannot create directory plainfile: Not a directory" good --out plainfile/run
cp -r ck blocked && rm blocked/metrics.csv && mkdir blocked/metrics.csv
row out-not-regular 1 "sasc: error: cannot write blocked/metrics.csv: it exists and is not a regular file" run --resume blocked --set epochs=2
# a run directory belongs to one run (runtime/train/run_directory.h)
mkdir -p foreign && echo mine > foreign/notes.txt
run_on out-foreign 1 "sasc: error: the output directory foreign is not empty (it holds notes.txt) and is not a sasc run directory; give another --out (sasc never clears a directory it did not make)" good --out foreign
run_on out-foreign-force 1 "sasc: error: the output directory foreign is not empty (it holds notes.txt) and is not a sasc run directory; give another --out (sasc never clears a directory it did not make)" good --out foreign --force
run_on out-another-run 1 "sasc: error: the output directory ck holds another run; give --force to replace it, --resume ck to continue it, or another --out" good --out ck
cp -r ck locked && echo 12345 > locked/.sasc-lock
if command -v flock >/dev/null 2>&1; then
    flock locked/.sasc-lock -c 'sleep 20' </dev/null >/dev/null 2>&1 &   # waits out the probe below
    holder=$!; tries=0
    while flock -n locked/.sasc-lock true 2>/dev/null && [ $tries -lt 100 ]; do sleep 0.05; tries=$((tries + 1)); done
    row out-locked 1 "sasc: error: the run directory locked is in use by another sasc (process 12345); wait for it to finish or give another --out" run --resume locked --set epochs=2
    pkill -P "$holder" 2>/dev/null; kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
else
    skip out-locked "no flock(1) to hold the lock"
fi
# tmpfs mounts stand in for a read-only and a full disk (never /dev/full: the
# atomic writer renames over its destination).
if mkdir -p ro && mount -t tmpfs -o ro,size=1m tmpfs ro 2>/dev/null; then
    mounted="$mounted $work/ro"
    run_on out-read-only 1 "sasc: error: cannot create directory ro/run: Read-only file system" good --out ro/run
else
    skip out-read-only "cannot mount a tmpfs here (not root?)"
fi
if mkdir -p full && mount -t tmpfs -o size=12k tmpfs full 2>/dev/null; then
    mounted="$mounted $work/full"
    check out-full 1 glob "sasc: error: cannot write full/run/*: No space left on device" \
        "$SASC" run "$SRCDIR/examples/quickstart.sas" --set train=200 --set test=100 --set epochs=1 --set threads=1 --out full/run
else
    skip out-full "cannot mount a tmpfs here (not root?)"
fi

# ==== analyses (runtime/analyses/registry.c): names and needs, checked before anything runs
run_on analysis-unknown-setting 1 "sasc: error: unknown analysis 'frobs'; the analyses are histograms, entropy, perturbation, dynamics" good --set analyze=frobs
run_on analysis-typo-setting 1 "sasc: error: unknown analysis 'histogram'; did you mean 'histograms'?" good --set analyze=histogram
run_on analysis-recurrent-setting 1 "sasc: error: the dynamics analysis needs a layer with recurrent connections, which model 'm' does not have" good --set analyze=dynamics
run_on analysis-perturb-layers 1 "sasc: error: perturb_layers names 'z', which is not a layer" good --set perturb_layers=z
"$SASC" run ok.sas $RUN --set data=good --out out-analyze >/dev/null 2>&1   # a finished run to analyse
row analysis-no-what 1 "sasc: error: 'sasc analyze' needs RUN_DIR and WHAT (histograms, entropy, perturbation, dynamics, selectivity, psychometric, train_size, elasticity or all)" analyze out-analyze
row analysis-empty-what 1 "sasc: error: name an analysis: histograms, entropy, perturbation, dynamics, selectivity, psychometric, train_size, elasticity or all" analyze out-analyze ""
row analysis-unknown-command 1 "sasc: error: unknown analysis 'frobs'; the analyses are histograms, entropy, perturbation, dynamics, selectivity, psychometric, train_size, elasticity and all" analyze out-analyze entropy,frobs
row analysis-typo-command 1 "sasc: error: unknown analysis 'psychometirc'; did you mean 'psychometric'?" analyze out-analyze psychometirc
row analysis-needs-states 1 "sasc: error: the selectivity analysis needs a recurrent layer (hidden states along time), which model 'm' does not have" analyze out-analyze selectivity
row analysis-needs-data 1 "sasc: error: the psychometric analysis needs msi trials (declared as models/msi.sas declares them), not data = \"good\"" analyze out-analyze psychometric
row analysis-elasticity-class 1 "sasc: error: elasticity_similar names '99', which is not a class of model 'm' (0 to 2)" analyze out-analyze elasticity --set elasticity_similar=0,99
row analysis-train-sizes 1 "sasc: error: train_sizes must be a comma list of positive integers, got '10,x'" analyze out-analyze train_size --set train_sizes=10,x

# ==== numerical blow-up: a huge learning rate
QS="$SRCDIR/examples/quickstart.sas"
row nan-first-epoch 1 "sasc: error: training diverged at epoch 1, step 2: the loss is nan (every parameter is still finite: the forward pass overflowed on the way to the output layer 'y'); no epoch finished, so nothing was saved" run "$QS" --set train=1000 --set test=100 --set epochs=3 --set threads=1 --set lr=1e15 --out nan1
row nan-later-epoch 1 "sasc: error: training diverged at epoch 2, step 2: the loss is nan (every parameter is still finite: the forward pass overflowed on the way to the output layer 'y'); the checkpoint in nan2 holds epoch 1, the last good state" run "$QS" --set train=200 --set test=100 --set epochs=10 --set threads=1 --set lr=5e11 --out nan2
if [ -z "${ERRORS_LIST:-}" ]; then   # the last good state stays on disk, run.json says why
    if [ -f nan2/checkpoint.sasc ] && grep -q '"status": "diverged"' nan2/run.json; then
        passed=$((passed + 1)); else fail "nan-later-epoch: no checkpoint or no diverged run.json"; fi
fi

# ==== limits of what a .sas file may do
sas abs "$MODEL task t { out = \"/etc/sasc\" }"
row safety-out-absolute 1 "abs.sas:1:108: error: out in a .sas file must be a relative path without '..' (the run stays under the working directory); give other places with --out" check abs.sas
sas up "$MODEL task t { out = \"runs/../../x\" }"
row safety-out-parent 1 "up.sas:1:108: error: out in a .sas file must be a relative path without '..' (the run stays under the working directory); give other places with --out" check up.sas

# ==== sweeps (sasc sweep): the lists, and a directory that holds another sweep
SW="--set epochs=1 --set test=0 --set train=0 --set batch=5 --set threads=1"
row sweep-no-over 1 "sasc: error: 'sasc sweep' needs at least one --over KEY=VALUE,VALUE,... (e.g. --over seed=1,2,3)" sweep ok.sas
row sweep-over-form 1 "sasc: error: '--over seed' is not of the form KEY=VALUE,VALUE,..." sweep ok.sas --over seed
row sweep-unknown-setting 1 "sasc: error: sweep over btach=10: unknown setting 'btach'; did you mean 'batch'?" sweep ok.sas --over btach=10
row sweep-bad-value 1 "sasc: error: sweep over epochs=-3: epochs must be a non-negative integer, got '-3'" sweep ok.sas --over epochs=1,-3
row sweep-empty-value 1 "sasc: error: sweep over 'seed': an empty value in '1,,2'" sweep ok.sas --over seed=1,,2
row sweep-repeated-value 1 "sasc: error: sweep over 'seed': the value '1' is listed twice" sweep ok.sas --over seed=1,2,1
row sweep-fixed-setting 1 "sasc: error: a sweep cannot vary 'out' (every point has its own directory under the sweep's, of the same task and model)" sweep ok.sas --over out=a,b
row sweep-zip-lengths 1 "sasc: error: a zipped sweep needs as many values for every setting ('seed' has 2, 'train' has 3)" sweep ok.sas --over seed=1,2 --over train=5,10,15 --zip
row sweep-name-clash 1 "sasc: error: two points of the sweep would share the directory 'data-a_b'; choose values that differ in letters, digits, '.', '+' or '-'" sweep ok.sas --over "data=a b,a_b" --out sweep-clash
row sweep-jobs 1 "sasc: error: --jobs takes a number of points from 1 to 1024, not '0'" sweep ok.sas --over seed=1,2 --jobs 0
# shellcheck disable=SC2086
"$SASC" sweep ok.sas --over seed=1,2 $SW --set data=good --out sweep-dir >/dev/null 2>&1
# shellcheck disable=SC2086
row sweep-other-sweep 1 "sasc: error: sweep-dir holds another sweep (its sweep.json differs: another file, task, setting or list of values); give this one its own --out DIR" sweep ok.sas --over seed=1,2,3 $SW --set data=good --out sweep-dir
# shellcheck disable=SC2086
row sweep-point-failed 1 "sasc: error: 1 point of the sweep failed (see sweep.csv and each point's POINT.log)" sweep ok.sas --over data=good,nodata $SW --jobs 1 --out sweep-failed

# ==== the plan a run is checked against (not an error: sasc check --plan)
if [ -z "${ERRORS_LIST:-}" ]; then
    "$SASC" check "$SRCDIR/examples/quickstart.sas" --plan >out 2>err
    for text in "buffers                    3.5 MB" "images                      10000 train + 2000 test" \
                "memory, estimated" "measured for its largest product on this machine"; do
        if grep -qF -- "$text" out; then passed=$((passed + 1)); else fail "check --plan: no '$text'"; fi
    done
fi

# ==== MPI ranks (mpirun -np K sasc run: runtime/train/distributed.h)
MPI_RUN="run $work/ok.sas $RUN --set data=good --set batch=4 --set shards=2"
MPI_IDS="mpi-too-many-ranks mpi-settings-differ mpi-rank-failed"
. "$SRCDIR/tests/mpi_lib.sh"
if ! "$SASC" --version | grep -q "^training over MPI ranks: MPI"; then
    # A launcher's environment is enough to be refused: no mpirun needed.
    check mpi-not-built 1 exact "sasc: error: this sasc was built without MPI, so under an MPI launcher each of the 2 ranks would train its own copy of the model; install Open MPI (libopenmpi-dev) and rebuild sasc (./configure --with-mpi), or run without mpirun" \
        env OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 "$SASC" $MPI_RUN --out out-no-mpi
    for id in $MPI_IDS; do skip "$id" "this sasc was built without MPI"; done
elif ! command -v mpirun >/dev/null 2>&1; then
    skip mpi-not-built "this sasc has MPI"
    for id in $MPI_IDS; do skip "$id" "mpirun is not installed (Debian: openmpi-bin)"; done
else
    skip mpi-not-built "this sasc has MPI"
    # shellcheck disable=SC2086
    check mpi-too-many-ranks 1 exact "sasc: error: 3 MPI ranks for a step of 2 shards (batch 4): every rank needs a shard; start at most 2 ranks, or set shards to a divisor of the batch of at least 3 (results depend on shards, never on the number of ranks)" \
        mpi_launch -np 3 "$SASC" $MPI_RUN --out out-mpi-ranks
    # shellcheck disable=SC2086
    check mpi-settings-differ 1 exact "sasc: error: MPI rank 1 of 2 runs another model or other settings than rank 0; start every rank with the same command (only --threads may differ)" \
        mpi_launch -np 1 "$SASC" $MPI_RUN --out out-mpi-seeds : -np 1 "$SASC" $MPI_RUN --seed 2 --out out-mpi-seeds
    # The same relative data path from two working directories: rank 1's has no data.
    mkdir -p rank0 rank1 && ln -s ../good rank0/data
    # shellcheck disable=SC2086
    check mpi-rank-failed 1 exact "sasc: error: rank 1 of 2: cannot read the data directory data: No such file or directory" \
        mpi_launch -np 1 -wdir "$work/rank0" "$SASC" $MPI_RUN --set data=data --out "$work/out-mpi-data" : \
        -np 1 -wdir "$work/rank1" "$SASC" $MPI_RUN --set data=data --out "$work/out-mpi-data"
    if [ -z "${ERRORS_LIST:-}" ]; then   # once, from rank 0, not once per rank
        if [ "$(grep -c '^sasc: error:' err)" -eq 1 ]; then passed=$((passed + 1))
        else fail "mpi-rank-failed: more than one message"; fi
    fi
fi

# ==== docs/errors.md has one row per case, and no row without a case
if [ -z "${ERRORS_LIST:-}" ]; then
    for id in $ids; do
        if grep -q "^| $id |" "$DOC"; then passed=$((passed + 1)); else fail "$id has no row in docs/errors.md"; fi
    done
    for id in $(sed -n 's/^| \([a-z][a-z0-9]*-[a-z0-9-]*\) |.*/\1/p' "$DOC"); do
        case " $ids " in *" $id "*) ;; *) fail "docs/errors.md row $id has no case in tests/errors.sh" ;; esac
    done
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
