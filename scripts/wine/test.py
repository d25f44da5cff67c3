#!/usr/bin/env python3
"""Runs the Windows test suite under Wine, retrying once only the tests that Wine could not start.

    scripts/wine/test.py [cargo test arguments...]

Runs `cargo --config 'target.x86_64-pc-windows-gnu.runner = "wine"' test --target x86_64-pc-windows-gnu
--no-fail-fast ARGS`, printing its output as it comes. Under Wine 8, CreateProcess now and then fails
with "Internal error. (os error 1359)" (ERROR_INTERNAL_ERROR) while the machine is loaded: seen once in
a CI run (tests/cli.rs utf16_copy_reports_the_same_lines, "Failed to spawn ... mblint.exe") and once in
a local run on a loaded machine (tests/formats.rs, the io::Error unwrapped: "Os { code: 1359, ... }"). That is Wine failing to start mblint.exe, not mblint giving a wrong answer, so such a
test is run once more on its own, and the run passes only if it then passes.

A test that fails for any other reason fails the run at once: no retry can hide a wrong verdict.
Every retried test is named in a loud block at the end, so a flake that grows is seen.
Exit status: 0 if every test passed (at first or on its one retry), 1 otherwise.
"""

import re
import subprocess
import sys

TARGET = "x86_64-pc-windows-gnu"
CARGO = ["cargo", "--config", f'target.{TARGET}.runner = "wine"', "test", "--locked", "--target", TARGET]
# What assert_cmd and std print when the process could not be created at all: assert_cmd's
# "Failed to spawn", std's Display ("os error 1359"), or its Debug when a test unwraps the
# io::Error of Command::output() (`Os { code: 1359, kind: Uncategorized, ... }`, seen in a local
# run of tests/formats.rs).
SPAWN_FAILURE = re.compile(r"Failed to spawn|os error 1359|Os \{ code: 1359, kind: Uncategorized")
RUNNING = re.compile(r"^\s+Running (unittests )?(\S+)")
BLOCK = re.compile(r"^---- (\S+) stdout ----$")


def selector(source):
    """The cargo arguments that select the test target built from `source`."""
    if source == "src/lib.rs":
        return ["--lib"]
    m = re.fullmatch(r"src/bin/(.+)\.rs|src/(main)\.rs", source)
    if m:
        return ["--bin", "mblint" if m.group(2) else m.group(1)]
    m = re.fullmatch(r"tests/(.+)\.rs", source)
    if m:
        return ["--test", m.group(1)]
    m = re.fullmatch(r"benches/(.+)\.rs", source)
    if m:
        return ["--bench", m.group(1)]
    return None


def run(args):
    """Runs cargo, echoing its output; returns (exit code, {source: {test: failure text}})."""
    proc = subprocess.Popen(CARGO + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    failures = {}
    source, test, text = None, None, []
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        line = line.rstrip("\n")
        m = RUNNING.match(line)
        if m:
            source, test = m.group(2), None
            continue
        m = BLOCK.match(line)
        if m:
            test, text = m.group(1), []
            failures.setdefault(source, {})[test] = text
            continue
        if test is not None:
            if line == "failures:":
                test = None
            else:
                text.append(line)
    return proc.wait(), {s: {t: "\n".join(x) for t, x in tests.items()} for s, tests in failures.items()}


def main():
    extra = sys.argv[1:]
    code, failures = run(["--no-fail-fast"] + extra)
    if code == 0:
        return 0
    if not failures:
        print("wine/test: cargo failed before any test failed (a build error?)", file=sys.stderr)
        return 1
    other = [(s, t) for s, tests in failures.items() for t, x in tests.items() if not SPAWN_FAILURE.search(x)]
    if other:
        print("wine/test: failed for a reason other than Wine failing to start a process, not retried:",
              file=sys.stderr)
        for s, t in other:
            print(f"  {s}: {t}", file=sys.stderr)
        return 1
    retried = []
    for source, tests in failures.items():
        sel = selector(source or "")
        if sel is None:
            print(f"wine/test: cannot tell which target {source!r} is, not retried", file=sys.stderr)
            return 1
        names = sorted(tests)
        again, still = run(sel + extra + ["--", "--exact"] + names)
        if again != 0:
            print(f"wine/test: {source}: failed again on retry: {', '.join(sorted(still.get(source, {})) or names)}",
                  file=sys.stderr)
            return 1
        retried += [f"{source}: {n}" for n in names]
    bar = "#" * 80
    print(f"\n{bar}\n## RETRIED under Wine (Wine could not start a process; passed on its one retry):", file=sys.stderr)
    for r in retried:
        print(f"##   {r}", file=sys.stderr)
    print(bar, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
