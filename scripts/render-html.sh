#!/usr/bin/env bash
# Renders the HTML pages of mblint (`--format html`) with headless Chromium to PNGs: the pictures
# in the README of the bundled examples.
#
#   scripts/render-html.sh [OUT.png] [PATH]                    # check (docs/html-example.png)
#   scripts/render-html.sh check [OUT.png] [PATH]              # the same
#   scripts/render-html.sh compare [OUT.png] [NODE...]         # compare (docs/html-compare.png)
#   scripts/render-html.sh history [OUT.png] [PATH]            # history (docs/html-history.png)
#   scripts/render-html.sh all                                 # the three pictures of the README
#
# Defaults: check renders testdata/servers/fpse2002-64bit (the quick start's example), compare the
# three nodes of testdata/farms/web-farm, history testdata/history/fpse-64bit. Builds the release
# binary (or uses MBLINT_BIN). Needs Chromium (CHROMIUM, else `chromium` or `chromium-browser` on
# PATH; on Debian: apt-get install -y chromium). Shrinks the PNG with pngquant or optipng when
# either is installed. RENDER_WIDTH and RENDER_HEIGHT set the window (default 1200 by the view's
# height). Not part of `cargo test`.
#
# The page loads nothing (its Content-Security-Policy forbids every fetch), and Chromium is run
# with a throwaway profile and no network features, so rendering touches nothing outside.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WIDTH=${RENDER_WIDTH:-1200}
VIEW=check
case ${1:-} in
    check | compare | history | all)
        VIEW=$1
        shift
        ;;
esac
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
SANDBOX=()
if [[ $(id -u) -eq 0 ]]; then
    # Chromium refuses to run its sandbox as root (a container, CI).
    SANDBOX=(--no-sandbox)
fi

# render VIEW OUT HEIGHT INPUT...: the page of `mblint VIEW INPUT...`, as OUT.
render() {
    local view=$1 out=$2 height=$3
    shift 3
    local page="$WORK/$view.html" shot="$WORK/$view.png" status=0
    # Exit 1 means findings, which the examples have; 2 is an error (the page would be its banner).
    "$BIN" "$view" --isolated --format html "$@" >"$page" 2>"$WORK/mblint.log" || status=$?
    if [[ $status -gt 1 ]]; then
        cat "$WORK/mblint.log" >&2
        echo "render-html: mblint $view failed with exit code $status" >&2
        exit 2
    fi
    mkdir -p "$(dirname "$out")"
    "$CHROME" --headless "${SANDBOX[@]}" --disable-gpu --hide-scrollbars --no-first-run \
        --disable-extensions --disable-background-networking --disable-sync --disable-default-apps \
        --user-data-dir="$WORK/profile" --force-device-scale-factor=1 \
        --window-size="$WIDTH,${RENDER_HEIGHT:-$height}" --screenshot="$shot" "file://$page" 2>"$WORK/chromium.log" || {
        cat "$WORK/chromium.log" >&2
        echo "render-html: Chromium failed" >&2
        exit 2
    }
    if command -v pngquant >/dev/null; then
        pngquant --force --quality=70-95 --speed 1 --output "$WORK/small.png" "$shot" && mv "$WORK/small.png" "$shot"
    elif command -v optipng >/dev/null; then
        optipng -quiet -o5 "$shot"
    fi
    mv "$shot" "$out"
    echo "render-html: $out ($(wc -c <"$out") bytes) from the page of mblint $view $* ($(wc -c <"$page") bytes)"
}

farm() {
    local nodes=("$ROOT"/testdata/farms/web-farm/*)
    printf '%s\n' "${nodes[@]#"$ROOT"/}"
}

render_check() { render check "${1:-docs/html-example.png}" 2400 "${2:-testdata/servers/fpse2002-64bit}"; }
render_compare() {
    local out=${1:-docs/html-compare.png}
    shift || true
    if [[ $# -eq 0 ]]; then
        mapfile -t nodes < <(farm)
        set -- "${nodes[@]}"
    fi
    render compare "$out" 2000 "$@"
}
render_history() { render history "${1:-docs/html-history.png}" 1900 "${2:-testdata/history/fpse-64bit}"; }

case $VIEW in
    check) render_check "$@" ;;
    compare) render_compare "$@" ;;
    history) render_history "$@" ;;
    all)
        render_check
        render_compare
        render_history
        ;;
esac
