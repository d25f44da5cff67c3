#!/usr/bin/env python3
"""Writes the test SYSTEM hives in testdata/hives/ with regf.py.

- system-full: Select\\Current = 1; ControlSet001\\Control\\Session Manager with SafeDllSearchMode = 0,
  ExcludeFromKnownDlls, a KnownDLLs key (DllDirectory, DllDirectory32 and 22 DLLs, one excluded, one
  not a string), a KnownDlls32 key, and Environment\\Path (REG_EXPAND_SZ) with %SystemRoot%, %windir%,
  %SystemDrive%, a variable no one can know offline, a relative and a quoted entry. ControlSet002 holds
  other values, which must not be read.
- system-no-safedll: Select\\Current = 2; ControlSet002 without SafeDllSearchMode (the default, 1),
  with DllDirectory32 and no KnownDlls32 key, and a PATH of two folders. ControlSet001 is a decoy
  with SafeDllSearchMode = 0.
- system-corrupt: system-full with the KnownDLLs key's cell no longer a key node (its `nk` bytes
  overwritten): the header checks pass, the lookup fails.
- system-odd: SafeDllSearchMode 2, a REG_BINARY Path, a REG_DWORD ExcludeFromKnownDlls, no DllDirectory.
- system-bad-current: Select\\Current = 3, and no ControlSet003.
- system-big-path: format 1.5, a PATH of 400 folders held in big data records (`db`).
- hostile/*: hives no Windows writes, made to make a reader run away: a subkey index that lists itself,
  an index naming one list 20,000 times, a value list naming one value 10,000 times, big data whose
  65,535 segments all point at one cell, and counts that lie. Every one must be refused quickly.

Run from anywhere: python3 testdata/hives/make_hives.py. To check the writer with another reader (not
needed by the tests): `hivexsh testdata/hives/system-full.hiv` from Debian's libhivex-bin, then
`cd \\ControlSet001\\Control\\Session Manager\\KnownDLLs` and `lsval`.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from regf import REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ, Hive, name_hash  # noqa: E402

SM = "Control\\Session Manager"
KNOWN = ["advapi32", "comdlg32", "gdi32", "imagehlp", "kernel32", "lz32", "ole32", "oleaut32", "olecli32",
         "olecnv32", "olesvr32", "olethk32", "rpcrt4", "shell32", "url", "urlmon", "user32", "version",
         "wininet", "wldap32", "ws2_32", "msvcrt"]


def session_manager(hive, control_set):
    return hive.path(f"{control_set}\\{SM}")


def known_dlls(key, names, wow64_dir=True):
    key.value("DllDirectory", REG_EXPAND_SZ, "%SystemRoot%\\system32")
    if wow64_dir:
        key.value("DllDirectory32", REG_EXPAND_SZ, "%SystemRoot%\\SysWOW64")
    for name in names:
        # Windows writes names in the case of the file: some upper-case.
        key.value(name, REG_SZ, f"{name.upper() if name in ('ole32', 'url') else name}.dll")


def full():
    h = Hive()
    h.path("Select").value("Current", REG_DWORD, 1).value("Default", REG_DWORD, 1) \
        .value("Failed", REG_DWORD, 0).value("LastKnownGood", REG_DWORD, 2)
    sm = session_manager(h, "ControlSet001")
    sm.value("SafeDllSearchMode", REG_DWORD, 0)
    sm.value("ExcludeFromKnownDlls", REG_MULTI_SZ, ["wldap32.dll"])
    sm.value("ProtectionMode", REG_DWORD, 1)
    kd = h.path(f"ControlSet001\\{SM}\\KnownDLLs")
    known_dlls(kd, KNOWN)
    kd.value("Bogus", REG_DWORD, 7)
    k32 = h.path(f"ControlSet001\\{SM}\\KnownDlls32")
    k32.value("DllDirectory", REG_EXPAND_SZ, "%SystemRoot%\\SysWOW64")
    for name in ["advapi32", "kernel32", "user32", "wow32"]:
        k32.value(name, REG_SZ, f"{name}.dll")
    env = h.path(f"ControlSet001\\{SM}\\Environment")
    env.value("ComSpec", REG_EXPAND_SZ, "%SystemRoot%\\system32\\cmd.exe")
    env.value("Path", REG_EXPAND_SZ,
              "%SystemRoot%\\system32;%SystemRoot%;%windir%\\System32\\Wbem;;%SystemDrive%\\Tools\\bin;"
              "%JAVA_HOME%\\bin;bin;\"C:\\Program Files\\Quoted\"")
    env.value("windir", REG_EXPAND_SZ, "%SystemRoot%")
    h.path(f"ControlSet001\\{SM}\\Memory Management").value("PagingFiles", REG_MULTI_SZ, ["C:\\pagefile.sys 2048 4096"])
    h.path("ControlSet001\\Services\\W3SVC").value("Start", REG_DWORD, 2)
    # A control set that must not be read.
    decoy = session_manager(h, "ControlSet002")
    decoy.value("SafeDllSearchMode", REG_DWORD, 1)
    known_dlls(h.path(f"ControlSet002\\{SM}\\KnownDLLs"), ["decoy"])
    h.path(f"ControlSet002\\{SM}\\Environment").value("Path", REG_EXPAND_SZ, "D:\\Decoy")
    return h


def no_safedll():
    h = Hive()
    h.path("Select").value("Current", REG_DWORD, 2)
    decoy = session_manager(h, "ControlSet001")
    decoy.value("SafeDllSearchMode", REG_DWORD, 0)
    known_dlls(h.path(f"ControlSet001\\{SM}\\KnownDLLs"), ["decoy"])
    session_manager(h, "ControlSet002").value("ProtectionMode", REG_DWORD, 1)
    known_dlls(h.path(f"ControlSet002\\{SM}\\KnownDLLs"), KNOWN[:20])
    h.path(f"ControlSet002\\{SM}\\Environment").value("Path", REG_EXPAND_SZ, "%SystemRoot%\\system32;%SystemRoot%")
    return h


def corrupt():
    h = full()
    data = bytearray(h.build())
    known = h.path(f"ControlSet001\\{SM}\\KnownDLLs")
    at = 4096 + known.cell.offset + 4
    assert data[at:at + 2] == b"nk"
    data[at:at + 2] = b"xx"
    return bytes(data)


def odd():
    """Values of types no source says how Windows reads: SafeDllSearchMode 2, a REG_BINARY Path, an
    ExcludeFromKnownDlls that is a number, and a KnownDLLs key without DllDirectory."""
    h = Hive()
    h.path("Select").value("Current", REG_DWORD, 1)
    sm = session_manager(h, "ControlSet001")
    sm.value("SafeDllSearchMode", REG_DWORD, 2)
    sm.value("ExcludeFromKnownDlls", REG_DWORD, 1)
    h.path(f"ControlSet001\\{SM}\\KnownDLLs").value("kernel32", REG_SZ, "kernel32.dll")
    h.path(f"ControlSet001\\{SM}\\Environment").value("Path", REG_BINARY, b"C:\\x")
    return h


def big_path():
    """Format 1.5 (Windows Vista's, which keeps long data in big data records) with a PATH of 18,400
    bytes: 400 folders, in two segments."""
    h = Hive(minor=5)
    h.path("Select").value("Current", REG_DWORD, 1)
    folders = ";".join(f"C:\\Tools\\folder{i:03}\\bin" for i in range(400))
    h.path(f"ControlSet001\\{SM}\\Environment").value("Path", REG_EXPAND_SZ, folders)
    known_dlls(h.path(f"ControlSet001\\{SM}\\KnownDLLs"), ["kernel32"], wow64_dir=False)
    return h


def bad_current():
    """Select\\Current names a control set the hive does not hold."""
    h = Hive()
    h.path("Select").value("Current", REG_DWORD, 3)
    session_manager(h, "ControlSet001")
    return h


def minimal(minor=3):
    """Select and ControlSet001\\Control\\Session Manager with a KnownDLLs key: what a hostile hive
    dresses up as."""
    h = Hive(minor=minor)
    h.path("Select").value("Current", REG_DWORD, 1)
    sm = session_manager(h, "ControlSet001")
    sm.value("SafeDllSearchMode", REG_DWORD, 1)
    kd = h.path(f"ControlSet001\\{SM}\\KnownDLLs")
    known_dlls(kd, ["kernel32"])
    return h, sm, kd


def hostile():
    out = {}
    # A subkey index (ri) that lists itself: notatin recursed until the stack overflowed.
    h, sm, _ = minimal()
    ri = h.raw(lambda o: b"ri" + struct.pack("<HI", 1, o[ri]), 8)
    sm.subkeys_list, sm.subkey_count = ri, 1
    out["ri-loop"] = h.build()
    # An index naming one 2,000-entry list 20,000 times (40 million subkeys from 100 KB).
    h, sm, kd = minimal()
    lh = h.raw(lambda o: b"lh" + struct.pack("<H", 2000) + struct.pack("<II", o[kd.cell], name_hash("KnownDLLs")) * 2000,
               4 + 8 * 2000)
    ri = h.raw(lambda o: b"ri" + struct.pack("<H", 20000) + struct.pack("<I", o[lh]) * 20000, 4 + 4 * 20000)
    sm.subkeys_list, sm.subkey_count = ri, 1000
    out["ri-fanout"] = h.build()
    # A value list naming one value with 60 KB of data 10,000 times (600 MB of data from 100 KB).
    h, sm, _ = minimal()
    blob = h.raw(b"A" * 60000)
    vk = h.raw(lambda o: b"vk" + struct.pack("<HIIIHH", 4, 60000, o[blob], REG_BINARY, 1, 0) + b"Junk", 24)
    sm.values_list = h.raw(lambda o: struct.pack("<I", o[vk]) * 10000, 40000)
    sm.value_count = 10000
    out["value-fanout"] = h.build()
    # Big data (format 1.5) whose 65,535 segments all point at one cell, claiming 1 GB.
    h, sm, _ = minimal(minor=5)
    seg = h.raw(b"B" * 16344)
    seglist = h.raw(lambda o: struct.pack("<I", o[seg]) * 65535, 4 * 65535)
    db = h.raw(lambda o: b"db" + struct.pack("<HI", 65535, o[seglist]), 8)
    vk = h.raw(lambda o: b"vk" + struct.pack("<HIIIHH", 17, 65535 * 16344, o[db], REG_BINARY, 1, 0)
               + b"SafeDllSearchMode", 37)
    sm.values_list = h.raw(lambda o: struct.pack("<I", o[vk]), 4)
    sm.value_count = 1
    out["bigdata-bomb"] = h.build()
    # A key that claims 4 billion subkeys, and one whose list holds more than it counts.
    h, sm, _ = minimal()
    sm.subkey_count = 0xFFFFFFFF
    out["count-lies"] = h.build()
    h, _, _ = minimal()
    h.path("ControlSet001\\Control").subkey_count = 7
    out["count-short"] = h.build()
    return out


def main():
    made = {
        "system-full": full().build(),
        "system-no-safedll": no_safedll().build(),
        "system-corrupt": corrupt(),
        "system-odd": odd().build(),
        "system-bad-current": bad_current().build(),
        "system-big-path": big_path().build(),
    }
    for name, data in made.items():
        with open(os.path.join(HERE, f"{name}.hiv"), "wb") as f:
            f.write(data)
    os.makedirs(os.path.join(HERE, "hostile"), exist_ok=True)
    for name, data in hostile().items():
        with open(os.path.join(HERE, "hostile", f"{name}.hiv"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
