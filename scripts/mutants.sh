#!/usr/bin/env bash
# Mutation testing: do the tests catch faults in the code that decides verdicts and fixes?
#
#   scripts/mutants.sh [BASE]              mutants in the lines changed since BASE (default: main)
#   scripts/mutants.sh --full [FILE...]    every mutant in src/rules/, src/host.rs, src/winpath/,
#                                          src/resolve/ and src/fixer/, or only in the FILEs given
#
# Extra arguments after `--` go to cargo-mutants (`-- --list`, `-- --re 'in_use'`).
# Environment:
#   MUTANTS_JOBS      parallel builds (default 1: every mutant builds the crate)
#   MUTANTS_TIMEOUT   seconds a mutant's tests may take (default 600)
#   MUTANTS_TESTS     the targets every mutant builds and tests, as cargo arguments, e.g.
#                     "--lib --test fixes" (default: the whole suite). A mutant missed or timed
#                     out under a selection is re-checked with the whole suite before it is
#                     called missed: a second pass, `cargo mutants --iterate` without the
#                     selection, tests only what the first did not catch, and its verdict is
#                     the run's (mutants.out then holds both: previously_caught.txt the first's).
#   MUTANTS_OUT       where cargo-mutants writes mutants.out (default target/mutants)
#   MUTANTS_IN_PLACE  1: mutate this tree and build in its target/ (fast on a warm tree; build or
#                     edit nothing here meanwhile)
#   MUTANTS_TMP       where the tree is copied to build each mutant, and the tests' TMPDIR (default
#                     target/mutants-tmp/run-PID, this run's own: a second run, or a listing, in the
#                     same tree never deletes a running one's; deleted afterwards)
#
# Needs cargo-mutants (`cargo install --locked cargo-mutants`, 27 or later). Configuration,
# exclusions and their reasons: .cargo/mutants.toml. Results: $MUTANTS_OUT/mutants.out/
# (caught.txt, missed.txt, timeout.txt, unviable.txt, outcomes.json).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! cargo mutants --version >/dev/null 2>&1; then
    echo "cargo-mutants is not installed: cargo install --locked cargo-mutants" >&2
    exit 2
fi

FULL=0
BASE=main
FILES=()
EXTRA=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --full) FULL=1 ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) if [[ $FULL == 1 ]]; then FILES+=("$1"); else BASE=$1; fi ;;
    esac
    shift
done

OUT=${MUTANTS_OUT:-$ROOT/target/mutants}
TMP=${MUTANTS_TMP:-$ROOT/target/mutants-tmp/run-$$}
mkdir -p "$OUT" "$TMP"
# cargo-mutants copies the tree (without target/) into a fresh folder under TMPDIR for each job;
# keep those copies in one place and delete them when done, whatever happens.
export TMPDIR=$TMP
trap 'rm -rf "$TMP"' EXIT

# A mutant that breaks a property test makes proptest save the failing seed beside the test
# (tests/*.proptest-regressions). Those seeds belong to a mutant, not to the code: never persist them.
export PROPTEST_DISABLE_FAILURE_PERSISTENCE=1
# Snapshots: a mutant's output is a failure, never a new snapshot.
export INSTA_UPDATE=no INSTA_FORCE_PASS=0

ARGS=(--timeout "${MUTANTS_TIMEOUT:-600}" --output "$OUT" --no-shuffle)
if [[ ${MUTANTS_IN_PLACE:-0} == 1 ]]; then
    # Mutate the working tree itself and build in its warm target/: no copy, no cold build, but
    # nothing else may build or edit here until the run ends (cargo-mutants restores each file).
    ARGS+=(--in-place)
else
    ARGS+=(--jobs "${MUTANTS_JOBS:-1}")
fi
if [[ $FULL == 1 ]]; then
    # --file would add to the configuration's examine_globs; a name regex narrows them instead.
    for f in "${FILES[@]}"; do ARGS+=(--re "^${f//./\\.}"); done
    # cargo-mutants 27.1 applies no name regex (--re, --exclude-re, exclude_re) to the mutants that
    # delete a field from a struct expression: `--re '^src/winpath/'` lists three in src/resolve/
    # too. A file glob does apply to them, so every other source file is excluded by name.
    if [[ ${#FILES[@]} -gt 0 ]]; then
        while IFS= read -r f; do
            keep=0
            for want in "${FILES[@]}"; do [[ $f == "$want"* ]] && keep=1; done
            [[ $keep == 1 ]] || ARGS+=(--exclude "$f")
        done < <(git ls-files -- 'src/*.rs')
    fi
else
    DIFF=$OUT/since-base.diff
    git diff "$BASE" -- src/ >"$DIFF"
    if [[ ! -s $DIFF ]]; then
        echo "no change in src/ since $BASE: nothing to mutate" >&2
        exit 0
    fi
    ARGS+=(--in-diff "$DIFF")
fi

# The test selection goes to every cargo command, so the build too makes only what the tests run.
# shellcheck disable=SC2086 # MUTANTS_TESTS is a list of cargo arguments
SELECTION=()
for arg in ${MUTANTS_TESTS:-}; do SELECTION+=("--cargo-arg=$arg"); done

before=$(git status --porcelain -- tests/ testdata/)
status=0
cargo mutants "${ARGS[@]}" "${SELECTION[@]}" "${EXTRA[@]}" || status=$?
# cargo-mutants exits 2 when a mutant was missed and 3 when one timed out
# (https://mutants.rs/exit-codes.html). Under a selection that is not yet a verdict: the tests left
# out may catch it. `--iterate` skips what the first pass caught or found unviable
# (https://mutants.rs/iterate.html), so the whole suite runs only for the rest.
if [[ ${#SELECTION[@]} -gt 0 && ($status == 2 || $status == 3) ]]; then
    echo "re-checking the mutants the selection (${MUTANTS_TESTS}) did not catch with the whole suite" >&2
    status=0
    # The arguments after `--` reach this pass too: `--iterate` among them is not given twice
    # (cargo-mutants refuses a repeated flag).
    ITERATE=(--iterate)
    for arg in "${EXTRA[@]}"; do [[ $arg == --iterate ]] && ITERATE=(); done
    cargo mutants "${ARGS[@]}" "${ITERATE[@]}" "${EXTRA[@]}" || status=$?
fi
after=$(git status --porcelain -- tests/ testdata/)
if [[ $before != "$after" ]]; then
    echo "error: the mutation run changed files under tests/ or testdata/:" >&2
    diff <(echo "$before") <(echo "$after") >&2 || true
    exit 2
fi
echo "results: $OUT/mutants.out (missed.txt lists the mutants no test caught)" >&2
exit $status
