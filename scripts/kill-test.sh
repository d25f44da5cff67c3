#!/usr/bin/env bash
# Kill test for `mblint check --fix`: SIGKILL at random moments must never leave a metabase that is
# neither the original nor the fully fixed file, a partial backup, or (after the next run) a stray
# temporary file.
#
#   scripts/kill-test.sh [ITERATIONS]        (default 200; KILL_TEST_RUNS also works)
#
# Builds the release binary (or uses MBLINT_BIN), takes the benchmark's metabase with 10,000 edits
# (target/bench-data/metabase-10000-edits.xml, generated with `cargo bench --bench scale` if
# missing; KILL_TEST_INPUT to use another file), computes the fully fixed file once, then for each
# iteration: copies the original into a fresh folder, starts `mblint check --fix --unsafe-fixes`
# (with --backup on every other iteration), sends SIGKILL after a random delay spanning the whole
# run, and checks the folder. Then it runs mblint once more in that folder and counts what it
# cleaned up. Not part of `cargo test`; needs bash, cmp, awk.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-${KILL_TEST_RUNS:-200}}
cd "$ROOT"

if [[ -n ${MBLINT_BIN:-} ]]; then
    BIN=$MBLINT_BIN
else
    echo "building the release binary..." >&2
    cargo build --release --quiet
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/mblint"
fi

INPUT=${KILL_TEST_INPUT:-$ROOT/target/bench-data/metabase-10000-edits.xml}
if [[ ! -f $INPUT ]]; then
    echo "generating $INPUT (cargo bench --bench scale)..." >&2
    MBLINT_BENCH_SITES=10000 MBLINT_BENCH_RUNS=1 cargo bench --quiet --bench scale >/dev/null
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mblint-kill.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ORIGINAL=$WORK/original.xml
FIXED=$WORK/fixed.xml
cp "$INPUT" "$ORIGINAL"

fix() { # fix FOLDER [--backup]: one --fix run, output discarded, stderr to FOLDER/../stderr
    "$BIN" check --fix --unsafe-fixes --exit-zero --format json "${@:2}" "$1/MetaBase.xml" >/dev/null 2>"$WORK/stderr"
}

now_us() { echo $(($(date +%s%N) / 1000)); }

# The fully fixed result, and how long a run takes.
mkdir "$WORK/ref"
cp "$ORIGINAL" "$WORK/ref/MetaBase.xml"
t0=$(now_us)
fix "$WORK/ref" || true
t1=$(now_us)
cp "$WORK/ref/MetaBase.xml" "$FIXED"
if cmp -s "$ORIGINAL" "$FIXED"; then
    echo "error: mblint fixed nothing in $INPUT:" >&2
    cat "$WORK/stderr" >&2
    exit 2
fi
fix "$WORK/ref" || true
cmp -s "$WORK/ref/MetaBase.xml" "$FIXED" || {
    echo "error: a second run changed the fixed file" >&2
    exit 2
}
RUN_US=$((t1 - t0))
SPAN_US=$((RUN_US * 12 / 10)) # kill anywhere from the start to a little past a whole run
printf 'input %s: %d bytes; one --fix run takes %d ms; %d iterations, kill delays 0..%d ms\n' \
    "$INPUT" "$(wc -c <"$ORIGINAL")" $((RUN_US / 1000)) "$RUNS" $((SPAN_US / 1000)) >&2

killed=0 finished=0 is_original=0 is_fixed=0 corrupt=0
backups_whole=0 backups_partial=0 strays=0 runs_with_strays=0 others=0
cleaned=0 reported=0 left_after=0 wrong_after=0
declare -A by_flag_killed=()

for ((i = 1; i <= RUNS; i++)); do
    dir=$WORK/run
    rm -rf "$dir"
    mkdir "$dir"
    cp "$ORIGINAL" "$dir/MetaBase.xml"
    flags=()
    if ((i % 2 == 0)); then flags=(--backup); fi
    delay=$(((RANDOM * 32768 + RANDOM) % (SPAN_US + 1)))

    "$BIN" check --fix --unsafe-fixes --exit-zero --format json "${flags[@]}" "$dir/MetaBase.xml" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
    kill -KILL "$pid" 2>/dev/null || true
    status=0
    wait "$pid" 2>/dev/null || status=$?
    if ((status == 137)); then
        killed=$((killed + 1))
        by_flag_killed[${flags[0]:-none}]=$((${by_flag_killed[${flags[0]:-none}]:-0} + 1))
    else
        finished=$((finished + 1))
    fi

    # The metabase: the original or the fully fixed file, nothing in between.
    if cmp -s "$dir/MetaBase.xml" "$ORIGINAL"; then
        is_original=$((is_original + 1))
    elif cmp -s "$dir/MetaBase.xml" "$FIXED"; then
        is_fixed=$((is_fixed + 1))
    else
        corrupt=$((corrupt + 1))
        keep="${TMPDIR:-/tmp}/mblint-kill-test-corrupt-$i.xml"
        cp "$dir/MetaBase.xml" "$keep" 2>/dev/null || true
        echo "iteration $i: the metabase is neither the original nor the fixed file (kept as $keep)" >&2
    fi
    # Backups: whole copies of the original or nothing.
    n_strays=0
    shopt -s nullglob dotglob
    for f in "$dir"/*; do
        name=${f##*/}
        case $name in
        MetaBase.xml) ;;
        MetaBase.xml.bak | MetaBase.xml.bak.*)
            if cmp -s "$f" "$ORIGINAL"; then
                backups_whole=$((backups_whole + 1))
            else
                backups_partial=$((backups_partial + 1))
                echo "iteration $i: partial backup $name ($(wc -c <"$f") bytes)" >&2
            fi
            ;;
        *mblint-tmp*) n_strays=$((n_strays + 1)) ;;
        *)
            others=$((others + 1))
            echo "iteration $i: unexpected file $name" >&2
            ;;
        esac
    done
    strays=$((strays + n_strays))
    if ((n_strays > 0)); then runs_with_strays=$((runs_with_strays + 1)); fi

    # The next run cleans up, and finishes the job.
    fix "$dir" || true
    reported=$((reported + $(grep -c 'temporary file left by an interrupted' "$WORK/stderr" || true)))
    n_left=0
    for f in "$dir"/*mblint-tmp*; do n_left=$((n_left + 1)); done
    shopt -u nullglob dotglob
    cleaned=$((cleaned + n_strays - n_left))
    left_after=$((left_after + n_left))
    cmp -s "$dir/MetaBase.xml" "$FIXED" || wrong_after=$((wrong_after + 1))
    if ((i % 20 == 0)); then echo "  $i/$RUNS" >&2; fi
done

row() { printf '  %-58s %6s\n' "$1" "$2"; }
echo
echo "mblint kill test: $RUNS runs of check --fix --unsafe-fixes (every other one with --backup)"
echo "  input $(wc -c <"$ORIGINAL") bytes, one run $((RUN_US / 1000)) ms, SIGKILL after 0..$((SPAN_US / 1000)) ms"
row "killed mid-run (without / with --backup)" "$killed ($((${by_flag_killed[none]:-0}))/$((${by_flag_killed[--backup]:-0})))"
row "finished before the kill" "$finished"
row "metabase is the original" "$is_original"
row "metabase is the fully fixed file" "$is_fixed"
row "metabase is neither (must be 0)" "$corrupt"
row "backups, whole copies of the original" "$backups_whole"
row "backups, truncated or partial (must be 0)" "$backups_partial"
row "other unexpected files (must be 0)" "$others"
row "stray temporary files left by the kill" "$strays"
row "  in runs" "$runs_with_strays"
row "stray temporary files removed by the next run" "$cleaned"
row "  of which reported on stderr" "$reported"
row "stray temporary files left after the next run (must be 0)" "$left_after"
row "metabase not fully fixed after the next run (must be 0)" "$wrong_after"

if ((corrupt + backups_partial + others + left_after + wrong_after > 0)); then
    echo "FAILED" >&2
    exit 1
fi
echo "OK"
