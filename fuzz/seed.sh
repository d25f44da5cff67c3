#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from testdata/: every fixture metabase (and every drive
# copy's), every test image and every test hive. Run from anywhere; the corpora are not committed.
set -euo pipefail
cd "$(dirname "$0")"
for t in parse_metabase fix_roundtrip; do
  mkdir -p "corpus/$t"
  find ../testdata/metabases ../testdata/servers -name '*.xml' -print0 | while IFS= read -r -d '' f; do
    cp "$f" "corpus/$t/$(echo "${f#../}" | tr '/ ' '__')"
  done
done
mkdir -p corpus/classify_pe
find ../testdata/images -name '*.dll' -o -name '*.exe' | while read -r f; do
  cp "$f" "corpus/classify_pe/$(echo "${f#../}" | tr '/ ' '__')"
done
mkdir -p corpus/read_hive
find ../testdata/hives -name '*.hiv' | while read -r f; do
  cp "$f" "corpus/read_hive/$(echo "${f#../}" | tr '/ ' '__')"
done
echo "seeded: $(ls corpus/parse_metabase | wc -l) metabases, $(ls corpus/classify_pe | wc -l) images, $(ls corpus/read_hive | wc -l) hives"
