#!/usr/bin/env bash
# Remakes every test image in testdata/images/ from src/: real DLLs with mingw-w64 (Debian packages
# gcc-mingw-w64-i686 and gcc-mingw-w64-x86-64), the rest with src/pe_writer.py. Then records what
# `objdump -f` says of each, for the test that holds `mblint inspect` to it.
# The tests never run this: the images are committed. `build.sh --listings` redoes only the objdump
# listings, from the committed images.
# The older MinGW images were built by gcc 12's win32 thread-model variant (their .rdata holds
# "GCC: (GNU) 12-win32"); the posix variant writes "12-posix" there, and so a different checksum, and
# nothing else. The images of the dependency tests are built with -fno-ident and do not vary so.
set -euo pipefail
cd "$(dirname "$0")"
S=src

listings() {
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

  # What `objdump -p` says of every image binutils reads (its import and export tables), for the test
  # that holds mblint's reading of each to it (tests/pe_objdump.rs). binutils 2.40 prints no
  # delay-import table; src/pe_writer.py's images and the unit tests cover that.
  rm -rf objdump-p
  for f in $(find . -name '*.dll' -o -name '*.exe' | sort); do
    f=${f#./}
    if out=$(objdump -p "$f" 2>/dev/null); then
      mkdir -p "objdump-p/$(dirname "$f")"
      # From the import tables on; the headers before them and the relocations after say nothing of
      # imports and exports.
      sed -n '/^The Import Tables\|^There is an export table\|^There is an import table/,/^PE File Base Relocations\|^The Function Table\|^The \.rsrc Resource/p' <<<"$out" \
        | sed '/^PE File Base Relocations\|^The Function Table\|^The \.rsrc Resource/d' > "objdump-p/$f.txt"
    fi
  done
}
if [ "${1:-}" = --listings ]; then listings; exit 0; fi
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
  # A filter that is also an extension, as connectors are (Tomcat's isapi_redirect.dll, JRun's
  # jrun.dll): the filter hands requests to the same DLL called by URL.
  build $arch $arch/isapi-filter-extension.dll "-DFILTER -DEXTENSION" $S/connector.def
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

# --- The dependency tests (issue 20), in {x86,x64}/deps/ (src/deps/deps.c, one define per image):
#   helper2.dll             exports Helper2Func
#   helper.dll              exports HelperFunc, and HelperByOrdinal by ordinal 5 only; imports
#                           helper2.dll!Helper2Func (a transitive chain)
#   ext-helper.dll          an ISAPI extension importing helper.dll!HelperFunc (tests leave helper.dll
#                           or helper2.dll off the drive: Win32 error 126)
#   ext-ordinal.dll         imports helper.dll by ordinal: 5 (exported) and 99 (not: error 127)
#   ext-delay.dll           delay-loads helper.dll!HelperFunc (dlltool --output-delaylib); its DLL
#                           loads without helper.dll
#   ext-vista-kernel32.dll  imports GetTickCount64 and InitializeSRWLock (Vista and later) and
#                           GetTickCount from kernel32.dll, against MinGW's import library
#   ext-vc80.dll            imports malloc and free from MSVCR80.dll, with the manifest Visual C++
#                           2005 SP1 embeds (RT_MANIFEST 2: Microsoft.VC80.CRT 8.0.50727.762, x86 or
#                           amd64, publicKeyToken 1fc8b3b9a1e18e3b)
#   ext-ucrt.dll            imports malloc and free from api-ms-win-crt-heap-l1-1-0.dll (the Universal
#                           CRT); api-ms-win-crt-heap-l1-1-0.dll forwards them to ucrtbase.dll
#   forwarder.dll           an ISAPI extension that also exports forwarders (src/deps/forwarder.def):
#                           HelperFunc = helper.HelperFunc, GetTickCount and HeapAlloc = KERNEL32.*
# These are built with -fno-ident (so they do not depend on the toolchain's thread model) and
# -fno-builtin (so that GCC keeps the malloc and free calls it would otherwise drop).
# The written ones (src/pe_writer.py) are listed there: {x86,x64}/system/ (kernel32.dll, ntdll.dll and
# msvcr80.dll stand-ins of Windows Server 2003), x86/deps/delay-vc6.dll, x64/deps/forward-ordinal.dll,
# hostile/ and the new corrupt/ images; winsxs/ holds the WinSxS manifest and policy samples.
D=$S/deps
lib=$(mktemp -d)
trap 'rm -rf "$lib"' EXIT
deps() { # arch name define [extra link inputs...]
  local arch=$1 name=$2 define=$3; shift 3
  local out=$arch/deps/$name def=$D/extension.def
  mkdir -p "$arch/deps"
  case $name in helper.dll) def=$D/helper.def ;; helper2.dll) def=$D/helper2.def ;; forwarder.dll) def=$D/forwarder.def ;;
    ucrtbase.dll) def=$D/ucrtbase.def ;; api-ms-win-crt-heap-l1-1-0.dll) def=$D/crt-heap.def ;; esac
  if [ "$arch" = x86 ]; then
    i686-w64-mingw32-gcc "${common[@]}" -fno-ident -fno-builtin -D$define -o "$out" $D/deps.c $def -Wl,--entry,_DllMain@12 \
      -Wl,--enable-stdcall-fixup "$@"
  else
    x86_64-w64-mingw32-gcc "${common[@]}" -fno-ident -fno-builtin -D$define -o "$out" $D/deps.c $def -Wl,--entry,DllMain "$@"
  fi
}
for arch in x86 x64; do
  if [ "$arch" = x86 ]; then tool=i686-w64-mingw32; kill=-k; else tool=x86_64-w64-mingw32; kill=; fi
  for def in helper2-import helper-import helper-ordinal-import msvcr80-import crt-heap-import; do
    # x64 has no stdcall decoration: drop the @n that follows a name (not the " @5" ordinals).
    if [ "$arch" = x86 ]; then cp $D/$def.def "$lib/$def.def"; else sed 's/\([A-Za-z0-9_]\)@[0-9]\+/\1/' $D/$def.def > "$lib/$def.def"; fi
    $tool-dlltool $kill -d "$lib/$def.def" -l "$lib/$arch-$def.a"
  done
  $tool-dlltool $kill -d "$lib/helper-import.def" -y "$lib/$arch-helper-delay.a"
  deps $arch helper2.dll HELPER2
  deps $arch helper.dll HELPER "$lib/$arch-helper2-import.a"
  deps $arch ext-helper.dll EXT_HELPER "$lib/$arch-helper-import.a"
  deps $arch ext-ordinal.dll EXT_ORDINAL "$lib/$arch-helper-ordinal-import.a"
  deps $arch ext-delay.dll EXT_DELAY "$lib/$arch-helper-delay.a" $D/nulldelay.c -Wl,-Map,"$lib/$arch-ext-delay.map"
  deps $arch ext-vista-kernel32.dll EXT_VISTA -lkernel32
  $tool-windres $([ "$arch" = x64 ] && echo -DX64) -O coff -o "$lib/$arch-vc80.res.o" $D/vc80.rc
  deps $arch ext-vc80.dll EXT_VC80 "$lib/$arch-msvcr80-import.a" "$lib/$arch-vc80.res.o"
  deps $arch forwarder.dll FORWARDER
  # The Universal CRT: ext-ucrt.dll imports malloc and free from api-ms-win-crt-heap-l1-1-0.dll,
  # whose exports forward them to ucrtbase.dll (stand-ins of the redistributable's files).
  deps $arch ucrtbase.dll UCRTBASE
  deps $arch api-ms-win-crt-heap-l1-1-0.dll CRT_HEAP
  deps $arch ext-ucrt.dll EXT_UCRT "$lib/$arch-crt-heap-import.a"
  # GNU ld 2.40 writes the delay-load descriptors but leaves data directory 13 empty (Perl's
  # cpan/Win32 build patches it the same way): point it at dlltool's descriptor and the zero one
  # after it (src/deps/nulldelay.c), as Microsoft's linker would.
  python3 - "$arch/deps/ext-delay.dll" "$lib/$arch-ext-delay.map" <<'PY'
import re, struct, sys
sys.path.insert(0, "src")
import pe_writer
dll, mapfile = sys.argv[1:]
data = open(dll, "rb").read()
opt = struct.unpack_from("<I", data, 0x3C)[0] + 24
plus = struct.unpack_from("<H", data, opt)[0] == 0x20B
base = struct.unpack_from("<Q", data, opt + 24)[0] if plus else struct.unpack_from("<I", data, opt + 28)[0]
text = open(mapfile).read()
start = int(re.search(r"0x([0-9a-f]+)\s+_*DELAY_IMPORT_DESCRIPTOR_", text).group(1), 16)
end = int(re.search(r"0x([0-9a-f]+)\s+_*NULL_DELAY_IMPORT_DESCRIPTOR", text).group(1), 16)
assert end - start == 32, (hex(start), hex(end))
open(dll, "wb").write(pe_writer.set_data_directory(data, 13, start - base, 64))
PY
done

python3 - <<'PY'
import os, sys
sys.path.insert(0, "src")
import pe_writer
for name, data in pe_writer.images().items():
    os.makedirs(os.path.dirname(name), exist_ok=True)
    open(name, "wb").write(data)
PY
python3 src/winsxs.py
mkdir -p corrupt
printf 'This is not a PE image, whatever its name says.\r\n' > corrupt/not-pe.dll
head -c 300 x64/isapi-filter.dll > corrupt/truncated.dll

listings
