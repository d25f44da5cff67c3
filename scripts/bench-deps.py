#!/usr/bin/env python3
"""The dependency closure at scale (issue 20): is it linear?

Writes two drive copies of a 64-bit Windows Server 2003 with 32-bit workers, N and 4N sites, each
site with its own script map to its own DLL in C:\\Isapi (a copy of testdata's x86 ext-helper.dll,
which imports helper.dll, which imports helper2.dll, both in SysWOW64), with the Server 2003-like
kernel32.dll and ntdll.dll stand-ins, so every closure is judged. Then times `mblint check` on
each (whole process, user+system CPU and peak memory, best of --runs) and prints the ratios from N
to 4N. Linear work gives about 4; a CPU ratio above 5 fails the run (exit 1).

    cargo build --release
    scripts/bench-deps.py [--sites N] [--runs K] [--binary target/release/mblint] [--missing]

--missing removes helper2.dll, so every closure ends in one MB207 with 4N places.
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "..", "testdata", "images")


def drive(root, n, missing):
    def put(rel, src):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copy(os.path.join(IMAGES, src), path)

    for arch, system in (("x64", "WINDOWS/system32"), ("x86", "WINDOWS/SysWOW64")):
        put(f"{system}/kernel32.dll", f"{arch}/system/kernel32.dll")
        put(f"{system}/ntdll.dll", f"{arch}/system/ntdll.dll")
        put(f"{system}/helper.dll", f"{arch}/deps/helper.dll")
        if not missing:
            put(f"{system}/helper2.dll", f"{arch}/deps/helper2.dll")
        put(f"{system}/inetsrv/asp.dll", f"{arch}/isapi-extension.dll")
    os.makedirs(os.path.join(root, "Isapi"))
    for i in range(1, n + 1):
        # Copies, not links: distinct files, as a server holds.
        shutil.copy(os.path.join(IMAGES, "x86/deps/ext-helper.dll"), os.path.join(root, f"Isapi/ext{i}.dll"))
    asp = "C:\\WINDOWS\\system32\\inetsrv\\asp.dll"
    keys = [
        '<IIsWebService\tLocation ="/LM/W3SVC"\n\t\tIIs5IsolationModeEnabled="FALSE"\n'
        f'\t\tScriptMaps=".asp,{asp},5,GET,HEAD,POST"\n'
        f'\t\tWebSvcExtRestrictionList="0,*.dll\n\t\t\t1,{asp},0,ASP,Active Server Pages"\n\t>\n</IIsWebService>',
        '<IIsApplicationPools\tLocation ="/LM/W3SVC/AppPools"\n\t\tEnable32BitAppOnWin64="TRUE"\n\t>\n</IIsApplicationPools>',
        '<IIsApplicationPool\tLocation ="/LM/W3SVC/AppPools/DefaultAppPool"\n\t>\n</IIsApplicationPool>',
    ]
    for i in range(1, n + 1):
        keys.append(f'<IIsWebServer\tLocation ="/LM/W3SVC/{i}"\n\t\tServerBindings=":80:s{i}"\n'
                    f'\t\tServerComment="s{i}"\n\t>\n</IIsWebServer>')
        keys.append(f'<IIsWebVirtualDir\tLocation ="/LM/W3SVC/{i}/ROOT"\n\t\tAppPoolId="DefaultAppPool"\n'
                    f'\t\tAppRoot="/LM/W3SVC/{i}/ROOT"\n\t\tPath="D:\\Sites\\s{i}"\n'
                    f'\t\tScriptMaps=".asp,{asp},5,GET,HEAD,POST\n\t\t\t.x{i},C:\\Isapi\\ext{i}.dll,5,GET,POST"\n'
                    '\t>\n</IIsWebVirtualDir>')
    body = ('<?xml version ="1.0"?>\n<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">\n'
            '<MBProperty>\n' + "\n".join(keys) + '\n</MBProperty>\n</configuration>\n')
    mb = os.path.join(root, "WINDOWS/system32/inetsrv/MetaBase.xml")
    with open(mb, "w", newline="\r\n") as f:
        f.write(body)


def measure(binary, root, runs):
    best = None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([binary, "check", "--isolated", "--format", "concise", root],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 1):
            sys.exit(f"bench-deps: mblint exited {proc.returncode} on {root}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = cpu if best is None else min(best, cpu)
    # ru_maxrss of children is the largest child so far: the 4N run is measured second.
    return best, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, proc.stdout.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=2500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "target", "release", "mblint"))
    ap.add_argument("--missing", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mblint-bench-deps-") as tmp:
        rows = []
        for n in (args.sites, 4 * args.sites):
            root = os.path.join(tmp, f"n{n}")
            drive(root, n, args.missing)
            cpu, rss, out = measure(args.binary, root, args.runs)
            mb207 = sum(1 for line in out.splitlines() if " MB207 " in line)
            rows.append((n, cpu, rss, mb207))
            print(f"{n:>7} DLLs: {cpu:6.2f} s CPU, peak {rss / 1024:7.1f} MiB so far, MB207 findings: {mb207}")
        cpu_ratio = rows[1][1] / rows[0][1]
        print(f"N to 4N: CPU x{cpu_ratio:.2f}")
        if cpu_ratio > 5:
            print("bench-deps: above 5x from N to 4N: not linear", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
