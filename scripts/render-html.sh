#!/usr/bin/env bash
# Renders the HTML page of `mblint check --format html` with headless Chromium to a PNG: the
# picture in the README (docs/html-example.png) of the bundled example the quick start checks.
#
#   scripts/render-html.sh [OUT.png] [PATH]
#
# OUT.png defaults to docs/html-example.png; PATH (a drive copy or a MetaBase.xml) to
# testdata/servers/fpse2002-64bit. Builds the release binary (or uses MBLINT_BIN). Needs Chromium
# (CHROMIUM, else `chromium` or `chromium-browser` on PATH; on Debian: apt-get install -y chromium).
# Shrinks the PNG with pngquant or optipng when either is installed. Not part of `cargo test`.
#
# The page loads nothing (its Content-Security-Policy forbids every fetch), and Chromium is run
# with a throwaway profile and no network features, so rendering touches nothing outside.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${1:-docs/html-example.png}
INPUT=${2:-testdata/servers/fpse2002-64bit}
WIDTH=${RENDER_WIDTH:-1200}
HEIGHT=${RENDER_HEIGHT:-2400}

CHROME=${CHROMIUM:-}
if [[ -z $CHROME ]]; then
    for candidate in chromium chromium-browser google-chrome; do
        if command -v "$candidate" >/dev/null; then
            CHROME=$(command -v "$candidate")
            break
        fi
    done
fi
if [[ -z $CHROME ]]; then
    echo "render-html: no Chromium found; install it (Debian: apt-get install -y chromium) or set CHROMIUM" >&2
    exit 2
fi

if [[ -n ${MBLINT_BIN:-} ]]; then
    BIN=$MBLINT_BIN
else
    echo "render-html: building the release binary..." >&2
    cargo build --release --quiet
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/mblint"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PAGE="$WORK/page.html"

# Exit 1 means findings, which the example has; 2 is an error.
status=0
"$BIN" check --isolated --format html -o "$PAGE" "$INPUT" >/dev/null || status=$?
if [[ $status -gt 1 ]]; then
    echo "render-html: mblint failed with exit code $status" >&2
    exit 2
fi

SANDBOX=()
if [[ $(id -u) -eq 0 ]]; then
    # Chromium refuses to run its sandbox as root (a container, CI).
    SANDBOX=(--no-sandbox)
fi
mkdir -p "$(dirname "$OUT")"
"$CHROME" --headless "${SANDBOX[@]}" --disable-gpu --hide-scrollbars --no-first-run \
    --disable-extensions --disable-background-networking --disable-sync --disable-default-apps \
    --user-data-dir="$WORK/profile" --force-device-scale-factor=1 \
    --window-size="$WIDTH,$HEIGHT" --screenshot="$WORK/shot.png" "file://$PAGE" 2>"$WORK/chromium.log" || {
    cat "$WORK/chromium.log" >&2
    echo "render-html: Chromium failed" >&2
    exit 2
}
if command -v pngquant >/dev/null; then
    pngquant --force --quality=70-95 --speed 1 --output "$WORK/small.png" "$WORK/shot.png" && mv "$WORK/small.png" "$WORK/shot.png"
elif command -v optipng >/dev/null; then
    optipng -quiet -o5 "$WORK/shot.png"
fi
mv "$WORK/shot.png" "$OUT"
echo "render-html: $OUT ($(wc -c <"$OUT") bytes) from the page of $INPUT ($(wc -c <"$PAGE") bytes)"
