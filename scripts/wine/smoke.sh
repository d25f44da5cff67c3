#!/usr/bin/env bash
# Smoke run of mblint.exe under Wine: the bundled example server checked as a drive copy named with
# backslashes (Z:\...), as `--drive C:=` with its MetaBase.xml, and as a UNC admin share
# (\\iis01\c$, which Wine serves from $WINEPREFIX/dosdevices/unc/iis01/c$). Each run must exit 1
# with the findings the Linux build reports (rule, line and column), and a clean server must exit 0.
#
#   scripts/wine/smoke.sh target/x86_64-pc-windows-gnu/debug/mblint.exe
set -euo pipefail

exe=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
export WINEPREFIX=${WINEPREFIX:-$HOME/.wine}
export WINEDEBUG=${WINEDEBUG:--all}
server="$root/testdata/servers/fpse2002-64bit"
clean="$root/testdata/servers/clean-64bit"
winpath() { printf 'Z:%s' "${1//\//\\}"; }

# The findings, without the name of the file they are in: `84:33: MB102 ...`.
findings() { tr -d '\r' | grep -E ':[0-9]+:[0-9]+: MB[0-9]+' | sed -E 's/^.*:([0-9]+:[0-9]+: MB[0-9]+)/\1/' | sort; }

(cd "$root" && cargo build --quiet --locked)
expected=$("$root/target/debug/mblint" check --format concise "$server" | findings || true)
[ -n "$expected" ] || { echo "smoke: the Linux build reported nothing for $server" >&2; exit 1; }

unc="$WINEPREFIX/dosdevices/unc/iis01"
mkdir -p "$unc"
ln -sfn "$server" "$unc/c\$"
trap 'rm -f "$unc/c\$"' EXIT

run() {
  local what=$1 want=$2
  shift 2
  local out code=0
  out=$(wine "$exe" check --format concise "$@" 2>&1) || code=$?
  if [ "$code" -ne "$want" ]; then
    echo "smoke: $what: exit $code, not $want" >&2
    printf '%s\n' "$out" >&2
    exit 1
  fi
  if [ "$want" -eq 1 ] && [ "$(printf '%s\n' "$out" | findings)" != "$expected" ]; then
    echo "smoke: $what: other findings than on Linux" >&2
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$out" | findings) >&2 || true
    exit 1
  fi
  echo "smoke: $what: exit $code, as on Linux"
}

metabase='Windows\System32\InetSrv\MetaBase.xml'
run "a drive copy as Z:\\..." 1 "$(winpath "$server")"
run "--drive C:=Z:\\... and its MetaBase.xml" 1 --drive "C:=$(winpath "$server")" "$(winpath "$server")\\$metabase"
run "the UNC share \\\\iis01\\c\$" 1 '\\iis01\c$'
run "--drive C:=\\\\iis01\\c\$, the metabase in the lookup's spelling" 1 --drive 'C:=\\iis01\c$' '\\iis01\c$\WINDOWS\system32\inetsrv\MetaBase.xml'
run "a clean server" 0 "$(winpath "$clean")"
