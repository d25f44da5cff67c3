#!/usr/bin/env python3
"""Writes testdata/servers/<scenario>/: small copies of a server's system drive, each with its
metabase at Windows/System32/inetsrv/MetaBase.xml and real PE images (from testdata/images/, made
by images/build.sh) at the paths the metabase names. Folder names use other letter cases than the
metabase does, as a copy of an NTFS volume may, and include spaces and parentheses.

Run from anywhere: python3 testdata/make_servers.py
"""
import os
import shutil

import make_metabases as mm

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "images")
SERVERS = os.path.join(HERE, "servers")

PF86_FPSE = "Program Files (x86)/Common Files/Microsoft Shared/Web Server Extensions/50/bin/fpexedll.dll"


def put(root, path, image):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    shutil.copyfile(os.path.join(IMAGES, image), full)


def base_drive(root):
    """What a 64-bit Windows Server 2003 with IIS 6 and .NET 2.0 has: 64-bit DLLs in System32 and
    Framework64, their 32-bit builds in SysWOW64 and Framework."""
    for arch, system in (("x64", "System32"), ("x86", "SysWOW64")):
        put(root, f"Windows/{system}/InetSrv/ASP.DLL", f"{arch}/isapi-extension.dll")
        put(root, f"Windows/{system}/InetSrv/httpodbc.dll", f"{arch}/isapi-extension.dll")
        put(root, f"Windows/{system}/InetSrv/ssinc.dll", f"{arch}/isapi-extension.dll")
        put(root, f"Windows/{system}/InetSrv/gzip.dll", f"{arch}/compression.dll")
        put(root, f"Windows/{system}/InetSrv/urlscan/UrlScan.dll", f"{arch}/isapi-filter.dll")
    for arch, fw in (("x64", "Framework64"), ("x86", "Framework")):
        put(root, f"Windows/Microsoft.NET/{fw}/v2.0.50727/aspnet_isapi.dll", f"{arch}/isapi-extension.dll")
        put(root, f"Windows/Microsoft.NET/{fw}/v2.0.50727/aspnet_filter.dll", f"{arch}/isapi-filter.dll")


def write_metabase(root, text):
    path = os.path.join(root, "Windows/System32/InetSrv/MetaBase.xml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))


ASPNET_WSERL = [
    f"1,{mm.FW64_20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727 (64-bit)",
    f"1,{mm.FW20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727 (32-bit),ASP.NET v2.0.50727 (32-bit)",
    f"1,{mm.FW11}\\aspnet_isapi.dll,1,ASP.NET v1.1.4322,ASP.NET v1.1.4322",
]


def server(name, maps, filters, pools_extra=None, extra_keys=()):
    root = os.path.join(SERVERS, name)
    shutil.rmtree(root, ignore_errors=True)
    base_drive(root)
    write_metabase(root, mm.document(
        mm.header()
        + [mm.web_service(mm.asp_maps() + maps, mm.WSERL_BASE + ASPNET_WSERL, mm.DEPS_BASE)]
        + mm.site(1, "Default Web Site") + list(extra_keys) + mm.pools(pools_extra)
        + mm.global_filters([("UrlScan", f"{mm.INETSRV}\\urlscan\\urlscan.dll", {})] + filters)
        + mm.templates()))
    return root


def main():
    shutil.rmtree(SERVERS, ignore_errors=True)
    fpse = ("fpexedll.dll", mm.FPSE, {"FilterEnableCache": "TRUE"})

    # A clean 64-bit server: every DLL has its 64-bit build.
    server("clean-64bit", mm.aspnet_maps(mm.FW64_20), [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})])

    # FrontPage Server Extensions 2002 (32-bit only) installed on a 64-bit IIS: the 503.
    root = server("fpse2002-64bit", mm.aspnet_maps(mm.FW64_20), [fpse])
    put(root, PF86_FPSE, "x86/isapi-filter.dll")

    # The same server switched to 32-bit mode, with ASP.NET still mapped to Framework64: the 500.
    root = server("framework64-32bit-mode", mm.aspnet_maps(mm.FW64_20), [fpse], {"Enable32bitAppOnWin64": "TRUE"})
    put(root, PF86_FPSE, "x86/isapi-filter.dll")

    # ASP.NET 1.1 (32-bit only) beside a filter that exists only as a 64-bit build: no working mode.
    acme = ("AcmeAuth", "C:\\Program Files\\Acme\\Auth Filter\\acmeauth.dll", {})
    root = server("aspnet11-no-working-mode", mm.aspnet_maps(mm.FW11), [acme])
    put(root, "Windows/Microsoft.NET/Framework/v1.1.4322/aspnet_isapi.dll", "x86/isapi-extension.dll")
    put(root, "PROGRAM FILES/Acme/Auth Filter/AcmeAuth.dll", "x64/isapi-filter.dll")

    # An Itanium build of a filter, and a managed assembly mapped as an extension.
    root = server("ia64-image", [f".ashx,C:\\Inetpub\\bin\\Handlers.dll,1,GET,POST"],
                  [("Itanium", "C:\\Program Files\\Vendor\\ia64\\filter.dll", {})])
    put(root, "Program Files/Vendor/IA64/filter.dll", "ia64/isapi-filter.dll")
    put(root, "Inetpub/bin/Handlers.dll", "managed/il-only.dll")

    # DLLs without ISAPI entry points by their plain names.
    root = server("no-isapi-exports", [".chk,C:\\Tools\\checker.dll,1,GET"],
                  [("MinGWFilter", "C:\\Program Files (x86)\\Built With MinGW\\filter.dll", {}),
                   ("MsvcFilter", "C:\\Program Files (x86)\\Built With MSVC\\filter.dll", {})],
                  {"Enable32bitAppOnWin64": "TRUE"})
    put(root, "Tools/Checker.dll", "x86/no-isapi.dll")
    put(root, "Program Files (x86)/Built With MinGW/filter.dll", "x86/mingw-decorated.dll")
    put(root, "Program Files (x86)/Built With MSVC/filter.dll", "x86/msvc-decorated.dll")

    # Paths that do not lead to an image: missing, not a PE, an EXE, a variable, UNC, relative, unmapped.
    root = server("missing-dll", [
        ".gone,C:\\WINDOWS\\system32\\inetsrv\\gone.dll,1,GET",
        ".txt2,C:\\Tools\\notes.dll,1,GET",
        ".run,C:\\Tools\\app.dll,1,GET",
        ".var,%windir%\\system32\\inetsrv\\asp.dll,1,GET",
        ".unc,\\\\fileserver\\isapi\\remote.dll,1,GET",
        ".rel,isapi\\relative.dll,1,GET",
        ".dd,D:\\Apps\\isapi.dll,1,GET",
    ], [])
    put(root, "Tools/notes.dll", "corrupt/not-pe.dll")
    put(root, "Tools/app.dll", "x64/app.exe")

    # A filter path that is a symbolic link out of the drive copy.
    root = server("link-outside", [], [("Escapee", "C:\\WINDOWS\\system32\\inetsrv\\escapee.dll", {})])
    link = os.path.join(root, "Windows/System32/InetSrv/escapee.dll")
    os.symlink("../../../../../images/x64/isapi-filter.dll", link)


if __name__ == "__main__":
    main()
