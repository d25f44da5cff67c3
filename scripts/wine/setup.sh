#!/usr/bin/env bash
# Prepares a Wine prefix to run mblint's Windows build and test suite: creates the prefix if needed
# and installs the ProcessPrng stand-in (bcryptprimitives.c here) into its system32. Idempotent:
# the DLL is rebuilt only when its source is newer. Needs wine (Wine 8), wine64 and
# gcc-mingw-w64-x86-64-posix (Debian package names).
#
#   scripts/wine/setup.sh            # the prefix is $WINEPREFIX, default ~/.wine
#
# Why the stand-in: Rust's standard library imports ProcessPrng from bcryptprimitives.dll, which
# Wine 8.0 lacks, so every Rust .exe exits 53 at load with nothing printed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export WINEPREFIX=${WINEPREFIX:-$HOME/.wine}
export WINEDEBUG=${WINEDEBUG:--all}

for need in wine x86_64-w64-mingw32-gcc; do
    command -v "$need" >/dev/null || {
        echo "wine/setup: $need is needed (apt-get install wine wine64 gcc-mingw-w64-x86-64-posix)" >&2
        exit 2
    }
done

if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "wine/setup: creating the Wine prefix $WINEPREFIX" >&2
    wineboot --init >/dev/null 2>&1 || wine wineboot --init >/dev/null 2>&1
    wineserver -w || true
fi
system32="$WINEPREFIX/drive_c/windows/system32"
[ -d "$system32" ] || { echo "wine/setup: $system32 is missing after wineboot" >&2; exit 2; }

dll="$system32/bcryptprimitives.dll"
if [ ! -f "$dll" ] || [ "$here/bcryptprimitives.c" -nt "$dll" ] || [ "$here/bcryptprimitives.def" -nt "$dll" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    x86_64-w64-mingw32-gcc -shared -O2 -s -o "$tmp/bcryptprimitives.dll" \
        "$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32
    install -m 0644 "$tmp/bcryptprimitives.dll" "$dll"
    echo "wine/setup: installed the ProcessPrng stand-in as $dll" >&2
fi
