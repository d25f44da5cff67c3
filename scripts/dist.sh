#!/usr/bin/env bash
# Release archives, for administrators who do not build from source:
#
#   dist/mblint-<version>-x86_64-pc-windows-gnu.zip        mblint.exe (Windows 10 / Server 2016 and later, x64)
#   dist/mblint-<version>-x86_64-unknown-linux-musl.tar.gz mblint, statically linked (musl): any x64 Linux
#   dist/SHA256SUMS
#
# Each holds the binary, README.md, CHANGELOG.md, both licences (MIT OR Apache-2.0), shell
# completions (completions/) and manual pages (man/), generated from the binary itself. The Linux
# archive is built for musl when the rustup target x86_64-unknown-linux-musl is installed (or can
# be: `rustup target add`); otherwise it is the glibc build, x86_64-unknown-linux-gnu, and this
# script says so. Archive entries have a fixed owner, order and time (the last commit's), so the
# same source gives the same archives.
#
#   scripts/dist.sh                 # needs the Windows toolchain of .ci/run (rustup target, MinGW-w64)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "dist: no version in Cargo.toml" >&2; exit 2; }
out="$root/dist"
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH=$epoch

has_target() {
  rustup target list --installed 2>/dev/null | grep -qx "$1" || rustup target add "$1" >/dev/null 2>&1
}

for tool in zip gzip tar sha256sum; do
  command -v "$tool" >/dev/null || { echo "dist: $tool is needed (apt-get install $tool)" >&2; exit 2; }
done

windows=x86_64-pc-windows-gnu
has_target "$windows" || { echo "dist: the rustup target $windows is missing and cannot be added" >&2; exit 2; }
linux=x86_64-unknown-linux-musl
if ! has_target "$linux"; then
  echo "dist: the rustup target $linux is not available: the Linux archive is the glibc build (not static)" >&2
  linux=x86_64-unknown-linux-gnu
fi

echo "dist: building mblint $version for $windows and $linux" >&2
cargo build --quiet --release --locked --target "$windows"
cargo build --quiet --release --locked --target "$linux"
host_bin="$root/target/$linux/release/mblint"
if [ "$linux" = x86_64-unknown-linux-musl ] && file "$host_bin" 2>/dev/null | grep -q "dynamically linked"; then
  echo "dist: $host_bin is dynamically linked" >&2
  exit 2
fi

rm -rf "$out"
mkdir -p "$out"
stage() {
  local target=$1 bin=$2
  local dir="$out/mblint-$version-$target"
  mkdir -p "$dir/completions" "$dir/man"
  cp "$root/target/$target/release/$bin" "$dir/$bin"
  cp README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$dir/"
  # Completions and pages come from the Linux binary: the command line is the same on both.
  "$host_bin" completions bash >"$dir/completions/mblint.bash"
  "$host_bin" completions zsh >"$dir/completions/_mblint"
  "$host_bin" completions fish >"$dir/completions/mblint.fish"
  "$host_bin" completions powershell >"$dir/completions/_mblint.ps1"
  "$host_bin" completions elvish >"$dir/completions/mblint.elv"
  "$host_bin" man --out-dir "$dir/man" >/dev/null
  find "$dir" -exec touch -h -d "@$epoch" {} +
  echo "$dir"
}

win_dir=$(stage "$windows" mblint.exe)
(cd "$out" && find "$(basename "$win_dir")" -print | LC_ALL=C sort | TZ=UTC zip -q -X -D "$(basename "$win_dir").zip" -@)
lin_dir=$(stage "$linux" mblint)
tar -C "$out" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$(basename "$lin_dir")" |
  gzip -9n >"$lin_dir.tar.gz"
rm -rf "$win_dir" "$lin_dir"
(cd "$out" && sha256sum -- *.zip *.tar.gz >SHA256SUMS)
echo "dist: wrote" >&2
(cd "$out" && ls -l && cat SHA256SUMS) >&2
