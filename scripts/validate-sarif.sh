#!/usr/bin/env bash
# Validates mblint's SARIF as GitHub code scanning ingests it: Microsoft's SARIF Multitool
# (`@microsoft/sarif-multitool-linux` from npm) runs its GitHub ingestion rules and its SARIF rules
# (`validate --rule-kind "Gh;Sarif"`) over the SARIF of several bundled examples, and this script
# fails on any warning or error it reports (the Multitool itself exits 0 on warnings).
#
#   scripts/validate-sarif.sh            # builds mblint (debug) and validates
#   MBLINT=target/release/mblint scripts/validate-sarif.sh
#
# Needs node and npm, and reaches the npm registry the first time: the Multitool is installed into
# a cache folder ($SARIF_MULTITOOL_DIR, default ~/.cache/mblint/sarif-multitool) and reused. Linux
# x64 only (the package ships a self-contained Linux build). Not part of `cargo test`: CI machines
# need not have npm.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${SARIF_MULTITOOL_VERSION:-5.7.0}
cache=${SARIF_MULTITOOL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mblint/sarif-multitool}
tool="$cache/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

for need in node npm; do
    command -v "$need" >/dev/null || { echo "validate-sarif: $need is needed (apt-get install nodejs npm)" >&2; exit 2; }
done

installed=$( ([ -x "$tool" ] && "$tool" --version 2>&1) || true)
if [[ "$installed" != "SARIF Multitool $version"* ]]; then
    echo "validate-sarif: installing @microsoft/sarif-multitool-linux@$version into $cache" >&2
    mkdir -p "$cache"
    npm install --silent --no-audit --no-fund --prefix "$cache" "@microsoft/sarif-multitool-linux@$version" >&2
    # The package's postinstall (chmod u+x) may not run under npm's install-script policy.
    chmod u+x "$tool"
fi

if [ -z "${MBLINT:-}" ]; then
    (cd "$root" && cargo build --quiet --locked)
    MBLINT="$root/target/debug/mblint"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Examples that between them give every kind of result: findings with fixes and related locations
# (FrontPage, lockdown), image findings (missing DLL, no ISAPI exports), IIS 5.0 isolation, a clean
# server (results: []), a malformed metabase (MB001) and an input that cannot be read
# (toolExecutionNotifications).
examples=(
    "fpse2002-64bit:testdata/servers/fpse2002-64bit"
    "aspnet64-lockdown-fpse:testdata/servers/aspnet64-lockdown-fpse"
    "missing-dll:testdata/servers/missing-dll"
    "no-isapi-exports:testdata/servers/no-isapi-exports"
    "iis5-mode-32bit-filter:testdata/servers/iis5-mode-32bit-filter"
    "clean-64bit:testdata/servers/clean-64bit"
    "metabases:testdata/metabases/x86-aspnet20.xml testdata/metabases/pool-enable32bit.xml testdata/metabases/windows-on-d.xml"
    "malformed:$(cd "$root" && ls testdata/metabases/malformed/*.xml | head -n 3 | tr '\n' ' ')"
    "unreadable:testdata/servers/clean-64bit testdata/does-not-exist.xml"
)

status=0
for example in "${examples[@]}"; do
    name=${example%%:*}
    read -r -a paths <<<"${example#*:}"
    sarif="$work/$name.sarif"
    # Exit 1 (findings) and 2 (an unreadable input) are expected: the SARIF is what is judged.
    (cd "$root" && "$MBLINT" check --isolated --format sarif "${paths[@]}" >"$sarif" 2>/dev/null) || true
    if [ ! -s "$sarif" ]; then
        echo "validate-sarif: $name: mblint wrote no SARIF" >&2
        status=1
        continue
    fi
    log="$work/$name.validation.sarif"
    (cd "$work" && "$tool" validate --rule-kind "Gh;Sarif" --output "$log" "$sarif" >/dev/null) || {
        echo "validate-sarif: $name: the Multitool failed" >&2
        status=1
        continue
    }
    # A result's level defaults to "warning" in SARIF 2.1.0.
    if ! node -e '
        const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        let bad = 0, notes = 0;
        for (const run of log.runs || []) {
            for (const r of run.results || []) {
                const level = r.level || "warning";
                const where = ((r.locations || [])[0] || {}).physicalLocation?.region?.startColumn;
                const text = (r.message && (r.message.text || (r.message.arguments || []).join(" "))) || "";
                console.log(`  ${level} ${r.ruleId}: ${text}${where ? ` (column ${where})` : ""}`);
                if (level === "error" || level === "warning") bad++; else notes++;
            }
            for (const inv of run.invocations || []) {
                for (const n of [...(inv.toolExecutionNotifications || []), ...(inv.toolConfigurationNotifications || [])]) {
                    if ((n.level || "warning") !== "note") { console.log(`  tool: ${n.message && n.message.text}`); bad++; }
                }
            }
        }
        process.exit(bad ? 1 : 0);
    ' "$log"; then
        echo "validate-sarif: $name: FAILED (${paths[*]})"
        status=1
    else
        echo "validate-sarif: $name: clean (${paths[*]})"
    fi
done

if [ "$status" -eq 0 ]; then
    echo "validate-sarif: every example is clean under SARIF Multitool $version (rule kinds Gh;Sarif)"
fi
exit "$status"
