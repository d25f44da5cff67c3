#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600) with inputs up to 1 MiB, adding to the corpus
# in fuzz/corpus/<target>/ (kept in the repository, so each run starts where the last one stopped),
# then minimises the corpus and prints executions and coverage per target.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Needs `cargo install cargo-fuzz`; runs on stable Rust (--sanitizer none). Findings land in
# fuzz/artifacts/<target>/ and make the script exit 1.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_metabase fix_roundtrip classify_pe read_hive)
[ -d corpus/parse_metabase ] && [ -d corpus/read_hive ] || ./seed.sh
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log=$(mktemp)
  # -max_len: 1 MiB inputs reach what small ones cannot (a 65,536-column line, a long value).
  if ! cargo fuzz run --sanitizer none -O "$t" "corpus/$t" -- \
      -max_len=1048576 -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    status=1
    echo "== $t: FAILED (see fuzz/artifacts/$t/)"
    tail -40 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  # Keep the corpus small: only inputs that add coverage.
  mkdir -p "corpus/$t.min"
  cargo fuzz cmin --sanitizer none -O "$t" "corpus/$t" >/dev/null 2>&1 || true
  rmdir "corpus/$t.min" 2>/dev/null || true
  echo "== $t: ${seconds}s, ${runs} executions, coverage ${cov} edges (${ft} features), corpus $(ls "corpus/$t" | wc -l) inputs"
  rm -f "$log"
done
exit $status
