#!/usr/bin/env python3
"""Writes winsxs/: what Windows Server 2003 keeps of the Visual C++ 2005 SP1 CRT assembly in
Windows\\WinSxS, per architecture (x86, and amd64 on x64 Windows; both live in the one WinSxS folder):

  Manifests/<arch>_Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_8.0.50727.762_x-ww_<hash>.manifest
      the assembly manifest: its assemblyIdentity and the <file> entries the loader maps DLL names by
  Policies/<arch>_policy.8.0.Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_x-ww_<hash>/8.0.50727.762.policy
      the publisher configuration that redirects older 8.0 versions to 8.0.50727.762

The folder names are the real ones (x86: ..._x-ww_6b128700 and ..._x-ww_77c24773, as installers and
forum posts of the period list them; amd64: ..._x-ww_9d1c6ce0, from mixxx's build notes). No source
found gives the amd64 policy folder's name on Windows Server 2003, so only the x86 policy is written. The layout of a manifest
follows a real Microsoft.VC80.CRT 8.0.50608.0 manifest (noInheritable, assemblyIdentity, one <file>
per DLL with a SHA-1 hash) and of a policy the Publisher Configuration Files documentation
(https://learn.microsoft.com/windows/win32/sbscs/publisher-configuration-files). The redirected ranges
are those of the 8.0.50727.762 policy as described at the time (8.0.41204.256-8.0.50608.0 and
8.0.50727.42-8.0.50727.762). The hash of msvcr80.dll is that of the stand-in in {x86,x64}/system/,
so the sample agrees with the test images; the other two DLLs are listed without a hash.
"""
import hashlib
import os

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "1fc8b3b9a1e18e3b"
VERSION = "8.0.50727.762"
ARCHES = {  # processorArchitecture: (stand-in folder, assembly folder suffix, policy folder suffix)
    "x86": ("x86", "6b128700", "77c24773"),
    "amd64": ("x64", "9d1c6ce0", None),
}


def manifest(arch, sha1):
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">\r\n'
        '    <noInheritable></noInheritable>\r\n'
        f'    <assemblyIdentity type="win32" name="Microsoft.VC80.CRT" version="{VERSION}" '
        f'processorArchitecture="{arch}" publicKeyToken="{TOKEN}"></assemblyIdentity>\r\n'
        f'    <file name="msvcr80.dll" hash="{sha1}" hashalg="SHA1"></file>\r\n'
        '    <file name="msvcp80.dll" hashalg="SHA1"></file>\r\n'
        '    <file name="msvcm80.dll" hashalg="SHA1"></file>\r\n'
        '</assembly>\r\n'
    )


def policy(arch):
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">\r\n'
        f'    <assemblyIdentity type="win32-policy" name="policy.8.0.Microsoft.VC80.CRT" version="{VERSION}" '
        f'processorArchitecture="{arch}" publicKeyToken="{TOKEN}"/>\r\n'
        '    <dependency>\r\n'
        '        <dependentAssembly>\r\n'
        f'            <assemblyIdentity type="win32" name="Microsoft.VC80.CRT" processorArchitecture="{arch}" '
        f'publicKeyToken="{TOKEN}"/>\r\n'
        f'            <bindingRedirect oldVersion="8.0.41204.256-8.0.50608.0" newVersion="{VERSION}"/>\r\n'
        f'            <bindingRedirect oldVersion="8.0.50727.42-8.0.50727.762" newVersion="{VERSION}"/>\r\n'
        '        </dependentAssembly>\r\n'
        '    </dependency>\r\n'
        '</assembly>\r\n'
    )


def main():
    for arch, (folder, asm_hash, policy_hash) in ARCHES.items():
        crt = open(os.path.join(HERE, folder, "system", "msvcr80.dll"), "rb").read()
        name = f"{arch}_Microsoft.VC80.CRT_{TOKEN}_{VERSION}_x-ww_{asm_hash}"
        path = os.path.join(HERE, "winsxs", "Manifests", name + ".manifest")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "wb").write(manifest(arch, hashlib.sha1(crt).hexdigest()).encode())
        if policy_hash is None:
            continue
        pol = os.path.join(HERE, "winsxs", "Policies",
                           f"{arch}_policy.8.0.Microsoft.VC80.CRT_{TOKEN}_x-ww_{policy_hash}", f"{VERSION}.policy")
        os.makedirs(os.path.dirname(pol), exist_ok=True)
        open(pol, "wb").write(policy(arch).encode())


if __name__ == "__main__":
    main()
