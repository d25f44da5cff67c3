#!/usr/bin/env bash
# Remakes every test image in testdata/images/ from src/: real DLLs with mingw-w64 (Debian packages
# gcc-mingw-w64-i686 and gcc-mingw-w64-x86-64), the rest with src/pe_writer.py. Then records what
# `objdump -f` says of each, for the test that holds `mblint inspect` to it.
# The tests never run this: the images are committed.
set -euo pipefail
cd "$(dirname "$0")"
S=src
common=(-O2 -s -shared -nostdlib -Wl,--no-insert-timestamp)

build() { # arch name defines def-file [extra ld flags]
  local arch=$1 out=$2 defs=$3 def=$4; shift 4
  mkdir -p "$(dirname "$out")"
  if [ "$arch" = x86 ]; then
    i686-w64-mingw32-gcc "${common[@]}" $defs -o "$out" $S/isapi.c $def -Wl,--entry,_DllMain@12 -Wl,--enable-stdcall-fixup "$@" -lkernel32
  else
    x86_64-w64-mingw32-gcc "${common[@]}" $defs -o "$out" $S/isapi.c $def -Wl,--entry,DllMain "$@" -lkernel32
  fi
}

for arch in x86 x64; do
  build $arch $arch/isapi-filter.dll -DFILTER $S/filter.def
  build $arch $arch/isapi-extension.dll "-DEXTENSION -DIMPORTS" $S/extension.def
  build $arch $arch/compression.dll -DCOMPRESSION $S/compression.def
  build $arch $arch/no-isapi.dll -DNO_ISAPI $S/no-isapi.def
done
# A 32-bit filter built with neither a .def file nor --kill-at: MinGW exports GetFilterVersion@4.
build x86 x86/mingw-decorated.dll -DFILTER "" -Wl,--export-all-symbols
# MSVC's form of the same mistake: _GetFilterVersion@4.
build x86 x86/msvc-decorated.dll -DFILTER $S/msvc-decorated.def
# A filter with a version resource, in two builds and both bitnesses: the DLLs farm nodes hold in
# different versions under one path (make_servers.py's farm fixtures).
versioned() { # arch out major minor build
  local arch=$1 out=$2 tool=i686-w64-mingw32
  [ "$arch" = x64 ] && tool=x86_64-w64-mingw32
  $tool-windres -DVER_MAJOR=$3 -DVER_MINOR=$4 -DVER_BUILD=$5 -O coff -o "$out.res.o" $S/version.rc
  build $arch "$out" -DFILTER $S/filter.def "$out.res.o"
  rm -f "$out.res.o"
}
for arch in x86 x64; do
  versioned $arch $arch/filter-v1.0.dll 1 0 100
  versioned $arch $arch/filter-v1.1.dll 1 1 200
done
x86_64-w64-mingw32-gcc -O2 -s -nostdlib -Wl,--no-insert-timestamp -Wl,--entry,WinMainCRTStartup -o x64/app.exe $S/app.c

python3 - <<'PY'
import os, sys
sys.path.insert(0, "src")
import pe_writer
for name, data in pe_writer.images().items():
    os.makedirs(os.path.dirname(name), exist_ok=True)
    open(name, "wb").write(data)
PY
mkdir -p corrupt
printf 'This is not a PE image, whatever its name says.\r\n' > corrupt/not-pe.dll
head -c 300 x64/isapi-filter.dll > corrupt/truncated.dll

# What objdump -f says of every image (binutils reads pei-i386 and pei-x86-64, nothing else here).
: > objdump-f.txt
for f in $(find . -name '*.dll' -o -name '*.exe' | sort); do
  f=${f#./}
  if out=$(objdump -f "$f" 2>&1); then
    printf '%s\t%s\t%s\n' "$f" "$(grep -o 'file format [^ ]*' <<<"$out" | cut -d' ' -f3)" \
      "$(grep -o 'architecture: [^,]*' <<<"$out" | cut -d' ' -f2)" >> objdump-f.txt
  else
    printf '%s\tunrecognized\t-\n' "$f" >> objdump-f.txt
  fi
done
