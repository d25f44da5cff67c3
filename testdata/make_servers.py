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
FARMS = os.path.join(HERE, "farms")

PF86_FPSE = "Program Files (x86)/Common Files/Microsoft Shared/Web Server Extensions/50/bin/fpexedll.dll"


def put(root, path, image):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    shutil.copyfile(os.path.join(IMAGES, image), full)


def base_drive(root, native="x64"):
    """What a 64-bit Windows Server 2003 with IIS 6 and .NET 2.0 has: `native` DLLs (x64, or ia64 on
    Itanium) in System32 and Framework64, their 32-bit builds in SysWOW64 and Framework."""
    for arch, system in ((native, "System32"), ("x86", "SysWOW64")):
        put(root, f"Windows/{system}/InetSrv/ASP.DLL", f"{arch}/isapi-extension.dll")
        put(root, f"Windows/{system}/InetSrv/httpodbc.dll", f"{arch}/isapi-extension.dll")
        put(root, f"Windows/{system}/InetSrv/ssinc.dll", f"{arch}/isapi-extension.dll")
        put(root, f"Windows/{system}/InetSrv/gzip.dll", f"{arch}/compression.dll")
        put(root, f"Windows/{system}/InetSrv/urlscan/UrlScan.dll", f"{arch}/isapi-filter.dll")
        put(root, f"Windows/{system}/InetSrv/httpext.dll", f"{arch}/isapi-extension.dll")
    for arch, fw in ((native, "Framework64"), ("x86", "Framework")):
        put(root, f"Windows/Microsoft.NET/{fw}/v2.0.50727/aspnet_isapi.dll", f"{arch}/isapi-extension.dll")
        put(root, f"Windows/Microsoft.NET/{fw}/v2.0.50727/aspnet_filter.dll", f"{arch}/isapi-filter.dll")
    # The system's own modules, which every ISAPI DLL's dependencies end in (issue 20): Server 2003-like
    # kernel32.dll and ntdll.dll stand-ins (images/src/pe_writer.py), the 32-bit ones in SysWOW64.
    # IA64 has no stand-ins: its test images import nothing.
    if native == "x64":
        system_dlls(root, "Windows/System32", "x64/system")
    system_dlls(root, "Windows/SysWOW64", "x86/system")


def system_dlls(root, system, images):
    """ntdll.dll and kernel32.dll, the images that tell which Windows this is and that the
    dependency closures end in: `images` is the folder of Server 2003-like stand-ins of that
    platform (x86/system, x64/system), or a plain DLL of that platform (IA64)."""
    if images.endswith(".dll"):
        put(root, f"{system}/ntdll.dll", images)
        put(root, f"{system}/kernel32.dll", images)
        return
    put(root, f"{system}/ntdll.dll", f"{images}/ntdll.dll")
    put(root, f"{system}/kernel32.dll", f"{images}/kernel32.dll")


def base_drive_x64(root):
    """base_drive, with its ntdll.dll and kernel32.dll (x64 in System32, x86 in SysWOW64)."""
    base_drive(root)


def base_drive_x86(root):
    """What a 32-bit Windows Server 2003 with IIS 6 and .NET 2.0 has: x86 DLLs in System32 and
    Framework, and no SysWOW64, Framework64 or Program Files (x86)."""
    put(root, "Windows/System32/InetSrv/ASP.DLL", "x86/isapi-extension.dll")
    put(root, "Windows/System32/InetSrv/httpodbc.dll", "x86/isapi-extension.dll")
    put(root, "Windows/System32/InetSrv/ssinc.dll", "x86/isapi-extension.dll")
    put(root, "Windows/System32/InetSrv/gzip.dll", "x86/compression.dll")
    put(root, "Windows/System32/InetSrv/urlscan/UrlScan.dll", "x86/isapi-filter.dll")
    put(root, "Windows/System32/InetSrv/httpext.dll", "x86/isapi-extension.dll")
    system_dlls(root, "Windows/System32", "x86/system")
    put(root, "Windows/Microsoft.NET/Framework/v2.0.50727/aspnet_isapi.dll", "x86/isapi-extension.dll")
    put(root, "Windows/Microsoft.NET/Framework/v2.0.50727/aspnet_filter.dll", "x86/isapi-filter.dll")


def base_drive_ia64(root):
    """An Itanium Windows Server 2003: base_drive with IA64 images (written by images/src/pe_writer.py),
    and ntdll.dll and kernel32.dll as IA64 images in System32."""
    base_drive(root, native="ia64")
    system_dlls(root, "Windows/System32", "ia64/isapi-filter.dll")


def base_drive_windows_on_d(root):
    """base_drive's images on a copy of drive D: holding the Windows folder, in other letter cases:
    x64 in system32 and Framework64, x86 in SysWOW64 and Framework."""
    for arch, system in (("x64", "WINDOWS/system32/inetsrv"), ("x86", "WINDOWS/SysWow64/InetSrv")):
        put(root, f"{system}/ASP.DLL", f"{arch}/isapi-extension.dll")
        put(root, f"{system}/HttpOdbc.dll", f"{arch}/isapi-extension.dll")
        put(root, f"{system}/SSINC.DLL", f"{arch}/isapi-extension.dll")
        put(root, f"{system}/gzip.dll", f"{arch}/compression.dll")
        put(root, f"{system}/UrlScan/UrlScan.dll", f"{arch}/isapi-filter.dll")
        put(root, f"{system}/HTTPEXT.DLL", f"{arch}/isapi-extension.dll")
    for arch, fw in (("x64", "microsoft.net/FRAMEWORK64"), ("x86", "microsoft.net/framework")):
        put(root, f"WINDOWS/{fw}/V2.0.50727/aspnet_isapi.dll", f"{arch}/isapi-extension.dll")
        put(root, f"WINDOWS/{fw}/V2.0.50727/ASPNET_FILTER.DLL", f"{arch}/isapi-filter.dll")
    system_dlls(root, "WINDOWS/system32", "x64/system")
    system_dlls(root, "WINDOWS/SysWow64", "x86/system")


def write_metabase(root, text, at="Windows/System32/InetSrv/MetaBase.xml"):
    path = os.path.join(root, at)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))


def server(name, maps, filters, pools_extra=None, extra_keys=(), drive=base_drive, windir=mm.WIN,
           metabase_at="Windows/System32/InetSrv/MetaBase.xml", wserl=None, service_extra=None, **document):
    """A drive copy made by `drive`, with the metabase mm.server_document writes (on `windir`, the
    Windows folder as the metabase names it, C:\\WINDOWS by default) at `metabase_at`."""
    root = os.path.join(SERVERS, name)
    shutil.rmtree(root, ignore_errors=True)
    drive(root)
    write_metabase(root, mm.server_document(maps, filters, pools_extra, extra_keys, wserl, service_extra, windir,
                                            **document),
                   metabase_at)
    return root


def main():
    shutil.rmtree(SERVERS, ignore_errors=True)
    fpse = mm.FPSE_FILTER

    # A clean 64-bit server: every DLL has its 64-bit build.
    server("clean-64bit", mm.aspnet_maps(mm.FW64_20), [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})])

    # FrontPage Server Extensions 2002 (32-bit only) installed on a 64-bit IIS: the 503.
    root = server("fpse2002-64bit", mm.aspnet_maps(mm.FW64_20), [fpse])
    put(root, PF86_FPSE, "x86/isapi-filter.dll")

    # The same server switched to 32-bit mode, with ASP.NET still mapped to Framework64: the 500.
    root = server("framework64-32bit-mode", mm.aspnet_maps(mm.FW64_20), [fpse], {"Enable32BitAppOnWin64": "TRUE"})
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
                  {"Enable32BitAppOnWin64": "TRUE"})
    put(root, "Tools/Checker.dll", "x86/no-isapi.dll")
    put(root, "Program Files (x86)/Built With MinGW/filter.dll", "x86/mingw-decorated.dll")
    put(root, "Program Files (x86)/Built With MSVC/filter.dll", "x86/msvc-decorated.dll")
    # The same filter built with a .def file (src/filter.def): the plain names. No entry names it; rules/MB203.md's
    # "Use instead" does (tests/rule_docs.rs).
    put(root, "Program Files (x86)/Built With a def file/filter.dll", "x86/isapi-filter.dll")

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

    # The 64-bit ASP.NET 2.0 that `aspnet_regiis -i -enable` of Framework64 registers (script maps,
    # the ASP.NET filter, one allowed restriction entry), then FrontPage 2002's 32-bit filter. Correct
    # verdict: the 503, and a fix that switches to 32-bit workers, repoints maps and filter to
    # Framework, and allows the 32-bit aspnet_isapi.dll as the 64-bit one was (KB894435 step 4).
    fw64_only = mm.WSERL_BASE + [f"1,{mm.FW64_20}\\aspnet_isapi.dll,0,ASP.NET v2.0.50727,ASP.NET v2.0.50727"]
    root = server("aspnet64-lockdown-fpse", mm.aspnet_maps(mm.FW64_20),
                  [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {}), fpse], wserl=fw64_only)
    put(root, PF86_FPSE, "x86/isapi-filter.dll")

    # 32-bit workers with ASP.NET still mapped to Framework64, and only the 64-bit aspnet_isapi.dll
    # allowed. Correct verdict: the 500; safe repoints to Framework that also allow its DLL.
    server("framework64-32bit-lockdown", mm.aspnet_maps(mm.FW64_20), [], {"Enable32BitAppOnWin64": "TRUE"},
           wserl=fw64_only)

    # FrontPage 2002 on 64-bit IIS where gzip.dll is missing from system32 and SysWOW64 alike. Correct
    # verdict: MB201 for the compression scheme in either bitness; the switch to 32-bit workers must
    # not be refused because MB201 then names the SysWOW64 path (it is the same finding).
    root = server("fpse-no-gzip", mm.aspnet_maps(mm.FW64_20), [fpse])
    put(root, PF86_FPSE, "x86/isapi-filter.dll")
    for system in ("System32", "SysWOW64"):
        os.remove(os.path.join(root, f"Windows/{system}/InetSrv/gzip.dll"))

    # FrontPage Server Extensions 2002 on a 64-bit IIS, without its filter: its ISAPI extensions are
    # called by URL from execute-enabled virtual directories (_vti_bin, _vti_bin/_vti_aut) and are
    # listed in InProcessIsapiApps and the restriction list, but in no script map. Correct verdict:
    # both are 32-bit and fail in the 64-bit w3wp.exe (500): publishing to the site fails.
    fpse_isapi = "C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\Web Server Extensions\\50\\isapi"
    vti = [
        mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/_vti_bin",
               {"AccessFlags": "AccessExecute", "AppIsolated": "2", "Path": fpse_isapi}),
        mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/_vti_bin/_vti_aut",
               {"AccessFlags": "AccessExecute", "Path": fpse_isapi + "\\_vti_aut"}),
    ]
    fpse_wserl = [f"1,{fpse_isapi}\\shtml.dll,0,FPSE2002,FrontPage Server Extensions 2002",
                  f"1,{fpse_isapi}\\_vti_aut\\author.dll,0,FPSE2002,FrontPage Server Extensions 2002"]
    root = server("fpse-vti-bin-64bit", mm.aspnet_maps(mm.FW64_20), [], extra_keys=vti,
                  wserl=mm.WSERL_BASE + mm.ASPNET_WSERL + fpse_wserl,
                  service_extra={"InProcessIsapiApps": [f"{mm.INETSRV}\\ssinc.dll", f"{fpse_isapi}\\shtml.dll",
                                                        f"{fpse_isapi}\\_vti_aut\\author.dll"]})
    put(root, "Program Files (x86)/Common Files/Microsoft Shared/Web Server Extensions/50/isapi/shtml.dll",
        "x86/isapi-extension.dll")
    put(root, "Program Files (x86)/Common Files/Microsoft Shared/Web Server Extensions/50/isapi/_vti_aut/author.dll",
        "x86/isapi-extension.dll")

    # A filter path that is a symbolic link out of the drive copy.
    root = server("link-outside", [], [("Escapee", "C:\\WINDOWS\\system32\\inetsrv\\escapee.dll", {})])
    link = os.path.join(root, "Windows/System32/InetSrv/escapee.dll")
    os.symlink("../../../../../images/x64/isapi-filter.dll", link)

    # A 32-bit Windows Server 2003 (x86 images only, no SysWOW64/Framework64/Program Files (x86))
    # with ASP, UrlScan and ASP.NET 2.0 from Framework. Correct verdict: clean.
    server("x86-aspnet20", drive=base_drive_x86, **mm.spec_x86_aspnet20())

    # An Itanium Windows Server 2003 with 64-bit workers and ASP.NET 2.0 from Framework64. Correct
    # verdict: clean (IA64 images are native there; an x64 linter would call them all unsupported).
    server("ia64-native", mm.aspnet_maps(mm.FW64_20),
           [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})], drive=base_drive_ia64)

    # A 64-bit server in IIS 5.0 isolation mode (everything in 64-bit inetinfo/dllhost) with
    # Enable32BitAppOnWin64 set and ASP.NET from Framework64. Correct verdict: no DLL fails; only a
    # warning that Enable32BitAppOnWin64 is ignored in IIS 5.0 isolation mode.
    server("iis5-mode-framework64", drive=base_drive_x64, **mm.spec_iis5_mode_framework64())

    # The same plus the 32-bit FrontPage 2002 filter. Correct verdict: that filter fails to load in the
    # 64-bit inetinfo.exe (Enable32BitAppOnWin64 does not help in IIS 5.0 isolation mode).
    root = server("iis5-mode-32bit-filter", drive=base_drive_x64, **mm.spec_iis5_mode_32bit_filter())
    put(root, PF86_FPSE, "x86/isapi-filter.dll")

    # The same plus a 64-bit filter that reads raw data (NotifyReadRawData), which worker process
    # isolation mode does not support; it ships both builds (Program Files and Program Files (x86)).
    # Correct verdict: fpexedll.dll fails as above, RawLogger loads; a switch to worker process isolation
    # mode with 32-bit workers (which would load fpexedll.dll and RawLogger's 32-bit build) may be
    # shown but must not be applied, since RawLogger reads raw data and would stop working.
    raw = ("RawLogger", "C:\\Program Files\\Acme\\rawlog.dll", {"FilterFlags": "NotifyReadRawData | NotifyOrderMedium"})
    root = server("iis5-mode-rawdata-filter", drive=base_drive_x64, **mm.spec_iis5_mode_32bit_filter([raw]))
    put(root, PF86_FPSE, "x86/isapi-filter.dll")
    put(root, "program files/ACME/RawLog.dll", "x64/isapi-filter.dll")
    put(root, "Program Files (x86)/Acme/rawlog.dll", "x86/isapi-filter.dll")

    # A 64-bit server whose Windows is on D: (this folder is a copy of D:; every path in the metabase is
    # D:\\WINDOWS\\...), 32-bit workers, ASP.NET 2.0 and its filter from Framework, plus .var mapped
    # through an unexpanded %windir%. Correct verdict: healthy bitness-wise; only the %windir% warning
    # and what lockdown says of the .var extension.
    server("windows-on-d", drive=base_drive_windows_on_d, metabase_at="WINDOWS/system32/inetsrv/MetaBase.xml",
           **mm.spec_windows_on_d())

    # A clean 64-bit server whose copy holds its SYSTEM hive (testdata/hives/system-full.hiv, made by
    # hives/make_hives.py), as `config\system` in the case Server 2003 writes it. Correct verdict: clean,
    # and the server model's DLL search read from the hive (ControlSet001, SafeDllSearchMode 0).
    root = server("system-hive", mm.aspnet_maps(mm.FW64_20),
                  [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})], drive=base_drive_x64)
    os.makedirs(os.path.join(root, "Windows/System32/config"), exist_ok=True)
    shutil.copyfile(os.path.join(HERE, "hives", "system-full.hiv"), os.path.join(root, "Windows/System32/config/system"))

    # A 64-bit server (x64 images, 64-bit workers) whose metabase spells ASP four ways Win32 reads as
    # system32\\inetsrv\\asp.dll (trailing dot, trailing space, `/`, `..`), loads UrlScan through
    # `inetsrv\\urlscan.\\` (a folder name with a trailing dot), and lists WebDAV with a trailing dot.
    # Every file is on the drive as Win32 reads the paths; none as written. Correct verdict: MB206 for
    # each (IIS 6 opens `\\?\` and the text as written; whether it canonicalises first, no source
    # says), with safe fixes that write the drive's spelling for the maps and the filter and a
    # display-only one for the restriction entry; no image finding, since the image each canonical
    # path names is healthy.
    server("ambiguous-paths", drive=base_drive_x64, **mm.spec_ambiguous_paths())

    # The 32-bit server of x86-aspnet20 plus a filter whose only image is an x64 build. Correct verdict:
    # AcmeAuth cannot load on 32-bit Windows (no mode or switch fixes it).
    acme = ("AcmeAuth", "C:\\Program Files\\Acme\\Auth Filter\\acmeauth.dll", {})
    root = server("x86-64bit-filter", drive=base_drive_x86, **mm.spec_x86_aspnet20([acme]))
    put(root, "Program Files/ACME/Auth Filter/AcmeAuth.DLL", "x64/isapi-filter.dll")

    # A 64-bit server in worker process isolation mode (64-bit workers) that kept a filter written for
    # IIS 5.0, which reads raw data (FilterFlags as IIS wrote them back), in its x64 build. Correct
    # verdict: MB109 only: the image loads, but IIS refuses the filter (KB327611, event 2261).
    raw = ("RawLogger", "C:\\Program Files\\Acme\\rawlog.dll",
           {"FilterFlags": "NotifyReadRawData | NotifySendRawData | NotifyOrderMedium"})
    root = server("rawdata-filter-worker-isolation", mm.aspnet_maps(mm.FW64_20),
                  [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {}), raw], drive=base_drive_x64)
    put(root, "Program Files/Acme/rawlog.dll", "x64/isapi-filter.dll")

    # Tomcat's ISAPI redirector on a 64-bit server with 32-bit workers, installed as its HowTo says:
    # isapi_redirect.dll (x86) as a global filter, and a virtual directory /jakarta with execute
    # permission on its folder, to which the filter forwards every request it takes, but with no Web
    # Service Extension for it under "All Unknown ISAPI Extensions" prohibited. Correct verdict:
    # MB401 for /jakarta/isapi_redirect.dll (every forwarded request is 404.2); the filter loads.
    tomcat = "C:\\Program Files\\Apache Software Foundation\\Tomcat 5.5\\bin\\win32\\i386"
    jakarta = [mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/jakarta",
                      {"AccessFlags": "AccessRead | AccessExecute", "Path": tomcat})]
    root = server("tomcat-jakarta-prohibited", mm.aspnet_maps(mm.FW20),
                  [("ASP.NET_2.0.50727", f"{mm.FW20}\\aspnet_filter.dll", {}),
                   ("jakarta", f"{tomcat}\\isapi_redirect.dll", {"FilterFlags": "NotifyPreProcHeaders | NotifyOrderHigh"})],
                  {"Enable32BitAppOnWin64": "TRUE"}, extra_keys=jakarta, drive=base_drive_x64)
    put(root, "Program Files/Apache Software Foundation/Tomcat 5.5/bin/win32/i386/isapi_redirect.dll",
        "x86/isapi-filter-extension.dll")

    # The same Tomcat redirector on the same server left with 64-bit workers (ASP.NET from Framework64),
    # its Web Service Extension allowed: the 32-bit isapi_redirect.dll is loaded as the global filter
    # and, by URL, as /jakarta/isapi_redirect.dll. Correct verdict: MB101 and one MB102, on the filter:
    # the filter fails in every worker, and its URL twin is the same DLL in the same workers.
    root = server("tomcat-jakarta-64bit", mm.aspnet_maps(mm.FW64_20),
                  [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {}),
                   ("jakarta", f"{tomcat}\\isapi_redirect.dll", {"FilterFlags": "NotifyPreProcHeaders | NotifyOrderHigh"})],
                  extra_keys=jakarta, drive=base_drive_x64,
                  wserl=mm.WSERL_BASE + mm.ASPNET_WSERL + [f"1,{tomcat}\\isapi_redirect.dll,1,jakarta,Tomcat ISAPI redirector"])
    put(root, "Program Files/Apache Software Foundation/Tomcat 5.5/bin/win32/i386/isapi_redirect.dll",
        "x86/isapi-filter-extension.dll")

    # A plain filter (filter entry points only, x64 like the workers) installed in a vendor folder that
    # is also served, with execute permission, as /AcmeLogin (its login pages). A URL could name the
    # DLL, but nothing forwards to it and it is no extension. Correct verdict: clean (it was MB203 and
    # MB401, judged as an extension called by URL).
    acme_dir = "C:\\Program Files\\Acme\\Login"
    acme = ("AcmeAuth", f"{acme_dir}\\acmeauth.dll", {})
    login = [mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/AcmeLogin",
                    {"AccessFlags": "AccessRead | AccessScript | AccessExecute", "Path": acme_dir})]
    root = server("filter-in-execute-folder", mm.aspnet_maps(mm.FW64_20),
                  [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {}), acme], extra_keys=login,
                  drive=base_drive_x64)
    put(root, "Program Files/Acme/Login/acmeauth.dll", "x64/isapi-filter.dll")

    # ColdFusion MX 7 (JRun 4's connector) on a 64-bit server in 32-bit mode, as its Web Server
    # Configuration Tool writes it: the "JRun Connector Filter" global filter, script maps of .cfm,
    # .cfml, .cfc, .jsp to jrun.dll, the /JRunScripts virtual directory with execute permission on
    # the connector's folder, and jrun.dll allowed as a Web Service Extension. Correct verdict: clean.
    jrun = "C:\\CFusionMX7\\runtime\\lib\\wsconfig\\1"
    cf_maps = [f"{e},{jrun}\\jrun.dll,1" for e in (".cfm", ".cfml", ".cfc", ".jsp")]
    jrunscripts = [mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/JRunScripts",
                          {"AccessFlags": "AccessExecute", "Path": jrun})]
    root = server("coldfusion-jrun", mm.aspnet_maps(mm.FW20) + cf_maps,
                  [("ASP.NET_2.0.50727", f"{mm.FW20}\\aspnet_filter.dll", {}),
                   ("JRun Connector Filter", f"{jrun}\\jrun.dll", {"FilterFlags": "NotifyPreProcHeaders | NotifyOrderHigh"})],
                  {"Enable32BitAppOnWin64": "TRUE"}, extra_keys=jrunscripts, drive=base_drive_x64,
                  wserl=mm.WSERL_BASE + mm.ASPNET_WSERL + [f"1,{jrun}\\jrun.dll,1,ColdFusion,Macromedia Server Extensions"])
    put(root, "CFusionMX7/runtime/lib/wsconfig/1/jrun.dll", "x86/isapi-filter-extension.dll")

    # .NET Framework 4.0 installed on a 64-bit server with 32-bit workers running ASP.NET 2.0: setup
    # registered "ASP.NET v4.0.30319" Prohibited, and one application was moved to 4.0 (its own pool,
    # its own script maps). Correct verdict: MB401 naming ASP.NET v4.0.30319 and how it is allowed.
    fw40 = mm.WIN + "\\Microsoft.NET\\Framework\\v4.0.30319"
    app4 = [mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/App4",
                   {"AppFriendlyName": "App4", "AppIsolated": "2", "AppPoolId": "AspNet4", "AppRoot": "/LM/W3SVC/1/ROOT/App4",
                    "Path": "D:\\Sites\\App4", "ScriptMaps": mm.asp_maps() + mm.aspnet_maps(fw40)}),
            mm.key("IIsApplicationPool", "/LM/W3SVC/AppPools/AspNet4", {"AppPoolAutoStart": "TRUE"})]
    root = server("aspnet40-prohibited", mm.aspnet_maps(mm.FW20), [("ASP.NET_2.0.50727", f"{mm.FW20}\\aspnet_filter.dll", {})],
                  {"Enable32BitAppOnWin64": "TRUE"}, extra_keys=app4, drive=base_drive_x64,
                  wserl=mm.WSERL_BASE + mm.ASPNET_WSERL + [f"0,{fw40}\\aspnet_isapi.dll,1,ASP.NET v4.0.30319,ASP.NET v4.0.30319"])
    put(root, "Windows/Microsoft.NET/Framework/v4.0.30319/aspnet_isapi.dll", "x86/isapi-extension.dll")

    # ASP.NET 4.0 on IIS 6 and its extensionless URLs (eurl.axd): a 64-bit server with 32-bit workers,
    # .NET 4.0 registered (aspnet_regiis -i of v4.0.30319: its filter global, "ASP.NET v4.0.30319"
    # allowed), site 1 left on ASP.NET 2.0 and site 2 ("Intranet") moved to 4.0 by its root's script
    # maps. Three layouts:
    # - both sites in DefaultAppPool. Correct verdict: MB501 (two CLR versions in one pool, event 1062)
    #   and MB503 for site 1: once the pool's worker has turned the feature on, ASP.NET 4's filter
    #   sends site 1's extensionless URLs to /eurl.axd/<GUID>, which site 1 maps to ASP.NET 2.0.
    # - site 2 in a pool of its own. Correct verdict: clean.
    # - every site on ASP.NET 4 (the service's maps too). Correct verdict: clean.
    filter40 = [("ASP.NET_4.0.30319.0", f"{fw40}\\aspnet_filter.dll", {})]
    wserl40 = mm.WSERL_BASE + mm.ASPNET_WSERL + [f"1,{fw40}\\aspnet_isapi.dll,1,ASP.NET v4.0.30319,ASP.NET v4.0.30319"]
    for name, site2_pool, site1_maps in (("aspnet40-eurl-shared-pool", "DefaultAppPool", mm.aspnet_maps(mm.FW20)),
                                         ("aspnet40-eurl-own-pool", "AspNet4", mm.aspnet_maps(mm.FW20)),
                                         ("aspnet40-eurl-all-v4", "DefaultAppPool", mm.aspnet_maps(fw40))):
        site2 = mm.site(2, "Intranet", root_extra={"AppPoolId": site2_pool,
                                                   "ScriptMaps": mm.asp_maps() + mm.aspnet_maps(fw40)},
                        site_extra={"AppPoolId": site2_pool})
        pools = ([mm.key("IIsApplicationPool", "/LM/W3SVC/AppPools/AspNet4", {"AppPoolAutoStart": "TRUE"})]
                 if site2_pool == "AspNet4" else [])
        root = server(name, site1_maps, filter40, {"Enable32BitAppOnWin64": "TRUE"}, extra_keys=site2 + pools,
                      drive=base_drive_x64, wserl=wserl40)
        put(root, "Windows/Microsoft.NET/Framework/v4.0.30319/aspnet_isapi.dll", "x86/isapi-extension.dll")
        put(root, "Windows/Microsoft.NET/Framework/v4.0.30319/aspnet_filter.dll", "x86/isapi-filter.dll")

    # UrlScan 2.5 (the version the UrlScan FAQ says Microsoft supports on IIS 6.0: "UrlScan 2.5 is the only
    # version of UrlScan that Microsoft supports for use with IIS 6.0", technet jj631570) is one 32-bit
    # urlscan.dll; UrlScan 3.1 ships x86 and x64 installers and puts a build in system32\inetsrv\urlscan
    # and one in syswow64\inetsrv\urlscan on x64 (learn.microsoft.com/iis/extensions/working-with-urlscan/
    # urlscan-setup). That every server here has: base_drive's two builds behind the UrlScan global filter
    # are UrlScan 3.1's layout. No source found says in so many words that 2.5 has no 64-bit build; the
    # images below are PE32, and that is what is judged. Two UrlScan 2.5 installs on a 64-bit server:
    # - copied by hand into system32\inetsrv\urlscan (where FilterPath points), 64-bit workers and ASP.NET
    #   from Framework64 (no copy in SysWOW64). Correct verdict: MB102 (every worker fails to load the
    #   filter: 503) and MB101.
    # - installed by its 32-bit setup, whose writes to system32 the file system redirector sends to
    #   SysWOW64, with 32-bit workers and ASP.NET from Framework: the 32-bit worker opens
    #   SysWOW64\inetsrv\urlscan\urlscan.dll, which is there. Correct verdict: clean.
    root = server("urlscan25-64bit-workers", mm.aspnet_maps(mm.FW64_20),
                  [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})], drive=base_drive_x64)
    put(root, "Windows/System32/InetSrv/urlscan/UrlScan.dll", "x86/isapi-filter.dll")
    shutil.rmtree(os.path.join(root, "Windows/SysWOW64/InetSrv/urlscan"))
    root = server("urlscan25-32bit-mode", mm.aspnet_maps(mm.FW20),
                  [("ASP.NET_2.0.50727", f"{mm.FW20}\\aspnet_filter.dll", {})], {"Enable32BitAppOnWin64": "TRUE"},
                  drive=base_drive_x64)
    shutil.rmtree(os.path.join(root, "Windows/System32/InetSrv/urlscan"))

    # Exchange Server 2003 Outlook Web Access on a stand-alone (back-end) server, as its metabase update
    # service (DS2MB) writes it: /Exchange, /Public and /Exadmin on the store (\\.\BackOfficeStorage),
    # each with its application mapping to davex.dll (KB298513: removing "the application mappings for
    # Davex.dll on back-end servers and on stand-alone servers" breaks OWA with 404), written here as a
    # wildcard map; /ExchWeb and /ExchWeb/bin (execute) from Exchsrvr\exchweb, where forms-based logon
    # posts to /exchweb/bin/auth/owaauth.dll; davex.dll, exprox.dll and owaauth.dll allowed as the
    # "Microsoft Exchange Server" Web Service Extension. KB298513 does not say whether DS2MB writes the
    # mapping as `*` or per extension; owaauth.dll's group ID is not from a source. Exchange 2003 is
    # 32-bit only: "Exchange Server 2003 will not even be installed correctly under WOW64" (KB924046).
    # - exchange2003-owa-x86: on 32-bit Windows. Correct verdict: clean.
    # - exchange2003-owa-x64: the same metabase and Exchsrvr files carried to x64 Windows with 64-bit
    #   workers. Correct verdict: MB102 for davex.dll (three maps, one finding) and owaauth.dll (called
    #   by URL), whose help names 32-bit workers as the way out, and MB101. Exchange itself still does
    #   not run there (KB924046), which no metabase shows.
    exsrvr = "C:\\Program Files\\Exchsrvr"
    davex = [f"*,{exsrvr}\\bin\\davex.dll,1"]
    store = "\\\\.\\BackOfficeStorage"
    exchange = {"AccessFlags": "AccessRead | AccessWrite | AccessScript | AccessSource",
                "AppPoolId": "ExchangeApplicationPool", "ScriptMaps": davex}
    ex_keys = [
        mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/Exadmin",
               dict(exchange, AppRoot="/LM/W3SVC/1/ROOT/Exadmin", Path=store)),
        mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/Exchange",
               dict(exchange, AppRoot="/LM/W3SVC/1/ROOT/Exchange", Path=f"{store}\\contoso.com\\MBX")),
        mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/ExchWeb",
               {"AccessFlags": "AccessRead | AccessScript", "AppPoolId": "ExchangeApplicationPool",
                "AppRoot": "/LM/W3SVC/1/ROOT/ExchWeb", "Path": f"{exsrvr}\\exchweb"}),
        mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/ExchWeb/bin",
               {"AccessFlags": "AccessRead | AccessExecute", "Path": f"{exsrvr}\\exchweb\\bin"}),
        mm.key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/Public",
               dict(exchange, AppRoot="/LM/W3SVC/1/ROOT/Public", Path=f"{store}\\contoso.com\\Public Folders")),
        mm.key("IIsApplicationPool", "/LM/W3SVC/AppPools/ExchangeApplicationPool", {"AppPoolAutoStart": "TRUE"}),
    ]
    ex_wserl = [f"1,{exsrvr}\\bin\\davex.dll,0,EXCHANGE,Microsoft Exchange Server",
                f"1,{exsrvr}\\bin\\exprox.dll,0,EXCHANGE,Microsoft Exchange Server",
                f"1,{exsrvr}\\exchweb\\bin\\auth\\owaauth.dll,0,EXCHANGE,Microsoft Exchange Server"]
    x86 = mm.spec_x86_aspnet20()
    for name, drive, spec in (("exchange2003-owa-x86", base_drive_x86, dict(x86, wserl=x86["wserl"] + ex_wserl)),
                              ("exchange2003-owa-x64", base_drive_x64,
                               {"maps": mm.aspnet_maps(mm.FW64_20),
                                "filters": [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})],
                                "wserl": mm.WSERL_BASE + mm.ASPNET_WSERL + ex_wserl})):
        root = server(name, drive=drive, extra_keys=ex_keys, **spec)
        for dll in ("bin/davex.dll", "bin/exprox.dll", "exchweb/bin/auth/owaauth.dll"):
            put(root, f"Program Files/Exchsrvr/{dll}", "x86/isapi-extension.dll")

    # Windows SharePoint Services 3.0 on x64 (64-bit workers, ASP.NET 2.0 from Framework64), one web
    # application extended onto site 2 in a pool of its own. "When you register an IIS web application to
    # become WSS3.0 web app, WSS3.0 adds a wildcard application map to IIS metabase", and its integration
    # removed "the ISAPI filter which was used in previous version of WSS2.0" (jmanning, MSDN blog,
    # 2006-11-25): so a wildcard map to ASP.NET 2.0's aspnet_isapi.dll at the site's root and no STS
    # filter. /_vti_bin points at the 12\isapi folder holding owssvr.dll, with execute permission. Its
    # restriction-list entry's group and description are not from a source. Correct verdict: clean.
    isapi12 = "C:\\Program Files\\Common Files\\Microsoft Shared\\Web Server Extensions\\12\\isapi"
    wildcard64 = f"*,{mm.FW64_20}\\aspnet_isapi.dll,0"
    wss = mm.site(2, "SharePoint - 80",
                  root_extra={"AppPoolId": "SharePoint - 80",
                              "ScriptMaps": mm.asp_maps() + mm.aspnet_maps(mm.FW64_20) + [wildcard64]},
                  site_extra={"AppPoolId": "SharePoint - 80"}) + [
        mm.key("IIsWebVirtualDir", "/LM/W3SVC/2/ROOT/_vti_bin",
               {"AccessFlags": "AccessRead | AccessExecute", "Path": isapi12}),
        mm.key("IIsApplicationPool", "/LM/W3SVC/AppPools/SharePoint - 80", {"AppPoolAutoStart": "TRUE"}),
    ]
    root = server("wss30-64bit", mm.aspnet_maps(mm.FW64_20),
                  [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})], extra_keys=wss,
                  drive=base_drive_x64,
                  wserl=mm.WSERL_BASE + mm.ASPNET_WSERL + [f"1,{isapi12}\\owssvr.dll,0,SPS,Windows SharePoint Services"])
    put(root, "Program Files/Common Files/Microsoft Shared/Web Server Extensions/12/isapi/owssvr.dll",
        "x64/isapi-extension.dll")

    # UrlScan 3.1 and Helicon ISAPI_Rewrite 3 on a 64-bit server (x64 builds of both), the rewriter
    # listed first, both at high priority (FilterFlags as IIS writes them back). Correct verdict: MB304.
    rewrite = ("ISAPI_Rewrite", "C:\\Program Files\\Helicon\\ISAPI_Rewrite3\\ISAPI_Rewrite.dll",
               {"FilterFlags": "NotifyPreProcHeaders | NotifyUrlMap | NotifyOrderHigh"})
    scan31 = ("UrlScan", f"{mm.INETSRV}\\urlscan\\urlscan.dll", {"FilterFlags": "NotifyPreProcHeaders | NotifyOrderHigh"})
    root = os.path.join(SERVERS, "urlscan-after-rewriter")
    shutil.rmtree(root, ignore_errors=True)
    base_drive_x64(root)
    write_metabase(root, mm.document(
        mm.header() + [mm.web_service(mm.asp_maps() + mm.aspnet_maps(mm.FW64_20), mm.WSERL_BASE + mm.ASPNET_WSERL, mm.DEPS_BASE)]
        + mm.site(1, "Default Web Site") + mm.pools() + mm.global_filters([rewrite, scan31]) + mm.templates()))
    put(root, "Program Files/Helicon/ISAPI_Rewrite3/ISAPI_Rewrite.dll", "x64/isapi-filter.dll")

    # WebDAV allowed (its predefined Web Service Extension) on a 64-bit server with 64-bit workers:
    # IIS loads system32\inetsrv\httpext.dll, an x64 build. Correct verdict: clean.
    webdav = mm.WSERL_BASE + mm.ASPNET_WSERL + [mm.WEBDAV_WSERL]
    server("webdav-64bit", mm.aspnet_maps(mm.FW64_20), [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})],
           drive=base_drive_x64, wserl=webdav)

    # The same server switched to 32-bit workers (ASP.NET from Framework), whose copy has no
    # SysWOW64\inetsrv\httpext.dll (an x64 install where the 32-bit IIS files were removed). Correct
    # verdict: MB201 for WebDAV (the 32-bit worker opens the SysWOW64 copy): every DAV request fails.
    root = server("webdav-32bit-no-syswow64", mm.aspnet_maps(mm.FW20),
                  [("ASP.NET_2.0.50727", f"{mm.FW20}\\aspnet_filter.dll", {})], {"Enable32BitAppOnWin64": "TRUE"},
                  drive=base_drive_x64, wserl=webdav)
    os.remove(os.path.join(root, "Windows/SysWOW64/InetSrv/httpext.dll"))

    deps_scenarios()
    php_scenarios()


# --- PHP, through the FastCGI Extension and as an ISAPI extension (issue 21) -------------------------

FCGIEXT = f"{mm.INETSRV}\\fcgiext.dll"
# The script map the FastCGI guide has IIS Manager write (Microsoft, "Configuring the FastCGI
# Extension for IIS 6.0": .php, GET,HEAD,POST, script engine and "verify that file exists").
PHP_FCGI_MAP = f".php,{FCGIEXT},5,GET,HEAD,POST"
# The Web Service Extension the FastCGI installer adds, allowed.
FCGI_WSERL = f"1,{FCGIEXT},0,FASTCGI,FastCGI Handler"
# The fcgiext.ini the installer writes (its comment header cut short), with PHP added as the guide's
# `fcgiconfig.js -add -section:PHP -extension:php -path:C:\PHP\php-cgi.exe` adds it.
FCGI_INI_HEAD = """; -----------
; fcgiext.ini
; -----------
;
; This is the configuration file for the FastCGI handler for IIS 6.0.
; The FastCGI handler will look for this file in the same directory as
; fcgiext.dll.
"""


def fcgi_ini(types, sections):
    """An fcgiext.ini: the [Types] lines, then each (name, lines) section, with CRLF line ends."""
    text = FCGI_INI_HEAD + "\n[Types]\n" + "".join(f"{t}\n" for t in types)
    for name, lines in sections:
        text += f"\n[{name}]\n" + "".join(f"{line}\n" for line in lines)
    return text.replace("\n", "\r\n")


PHP_SECTION = ("PHP", ["ExePath=C:\\PHP\\php-cgi.exe", "QueueLength=999", "MaxInstances=20",
                       "InstanceMaxRequests=10000"])


def put_text(root, path, text, encoding="ascii", bom=b""):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(bom + text.encode(encoding))


def fastcgi_server(name, maps, pools_extra, fw):
    """A 64-bit server with PHP through FastCGI: fcgiext.dll (x86 and x64 builds, as the x64 installer
    puts them) in both inetsrv folders, php-cgi.exe (any bitness does: it runs in a process of its
    own) in C:\\PHP."""
    filters = [("ASP.NET_2.0.50727", f"{fw}\\aspnet_filter.dll", {})]
    root = server(name, mm.aspnet_maps(fw) + maps, filters, pools_extra, drive=base_drive_x64,
                  wserl=mm.WSERL_BASE + mm.ASPNET_WSERL + [FCGI_WSERL])
    put(root, "Windows/System32/InetSrv/fcgiext.dll", "x64/isapi-extension.dll")
    put(root, "Windows/SysWOW64/InetSrv/fcgiext.dll", "x86/isapi-extension.dll")
    put(root, "PHP/php-cgi.exe", "x64/app.exe")
    return root


def php_scenarios():
    wow = {"Enable32BitAppOnWin64": "TRUE"}
    # PHP through FastCGI on a 64-bit server with 32-bit workers, set up as the guide says: the
    # workers load SysWOW64\inetsrv\fcgiext.dll, whose fcgiext.ini (UTF-16, as Notepad saves
    # "Unicode") maps php to [PHP], whose php-cgi.exe is there. Correct verdict: clean.
    root = fastcgi_server("php-fastcgi", [PHP_FCGI_MAP], wow, mm.FW20)
    ini = fcgi_ini(["php=PHP"], [PHP_SECTION])
    put_text(root, "Windows/SysWOW64/InetSrv/fcgiext.ini", ini, "utf-16-le", b"\xff\xfe")
    put_text(root, "Windows/System32/InetSrv/fcgiext.ini", ini)

    # The same server after PHP moved to C:\PHP5 and only system32's fcgiext.ini was edited: the
    # 32-bit workers' fcgiext.dll reads SysWOW64's, whose ExePath names the old folder, gone.
    # Correct verdict: MB403 (the ExePath the SysWOW64 ini names is missing).
    root = fastcgi_server("php-fastcgi-missing-exe", [PHP_FCGI_MAP], wow, mm.FW20)
    put_text(root, "Windows/SysWOW64/InetSrv/fcgiext.ini",
             fcgi_ini(["php=PHP"], [("PHP", ["ExePath=C:\\PHP4\\php-cgi.exe"])]))
    put_text(root, "Windows/System32/InetSrv/fcgiext.ini", fcgi_ini(["php=PHP"], [PHP_SECTION]))

    # 64-bit workers (the x64 fcgiext.dll in system32): .php and .phtml mapped to FastCGI, but [Types]
    # maps only php, and the /legacy application's own mapping names a section the file lacks.
    # Correct verdict: MB403 twice (no mapping for phtml; no [PHP4] section).
    maps = [PHP_FCGI_MAP, f".phtml,{FCGIEXT},5,GET,HEAD,POST"]
    root = fastcgi_server("php-fastcgi-unmapped", maps, None, mm.FW64_20)
    put_text(root, "Windows/System32/InetSrv/fcgiext.ini",
             fcgi_ini(["php=PHP", "php:/lm/w3svc/1/root/legacy=PHP4"], [PHP_SECTION]))

    # fcgiext.ini is a folder (a copy tool that made a directory of it): it cannot be read, so
    # whether the PHP pages are served is unknown. Correct verdict: no finding, an input not checked
    # (exit 2). A file the checking account cannot read is tests/unread_inputs.rs's (unix only).
    root = fastcgi_server("php-fastcgi-ini-folder", [PHP_FCGI_MAP], None, mm.FW64_20)
    put_text(root, "Windows/System32/InetSrv/fcgiext.ini/PHP.txt", "not an ini file\r\n")

    # PHP 5 as an ISAPI extension (php5isapi.dll, 32-bit only: PHP shipped no 64-bit build for IIS 6)
    # with the Web Service Extension PHP's manual has IIS Manager add ("PHP", allowed). On a 64-bit
    # server with 64-bit workers: MB101 and MB102 (it cannot load in a 64-bit w3wp.exe).
    php5 = "C:\\PHP\\php5isapi.dll"
    php_wserl = mm.WSERL_BASE + mm.ASPNET_WSERL + [f"1,{php5},1,PHP,PHP"]
    root = server("php5isapi-64bit-workers", mm.aspnet_maps(mm.FW64_20) + [f".php,{php5},5,GET,HEAD,POST"],
                  [("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})], drive=base_drive_x64, wserl=php_wserl)
    put(root, "PHP/php5isapi.dll", "x86/isapi-extension.dll")
    # The same with 32-bit workers and ASP.NET from Framework: clean.
    root = server("php5isapi-32bit-mode", mm.aspnet_maps(mm.FW20) + [f".php,{php5},5,GET,HEAD,POST"],
                  [("ASP.NET_2.0.50727", f"{mm.FW20}\\aspnet_filter.dll", {})], wow, drive=base_drive_x64,
                  wserl=php_wserl)
    put(root, "PHP/php5isapi.dll", "x86/isapi-extension.dll")


# --- Dependencies (issue 20): what an ISAPI DLL needs to load --------------------------------------

DEP = "C:\\Apps\\Dep\\ext.dll"
DEP_AT = "Apps/Dep/ext.dll"


def deps_server(name, ext, files=(), bits=64, hive="system-no-safedll.hiv", drive=base_drive_x64):
    """A 64-bit Windows Server 2003 (base_drive_x64) with `.dep` mapped to C:\\Apps\\Dep\\ext.dll (the
    image `ext`, allowed in the restriction list), `files` as (path on the drive, image), 32-bit
    workers when `bits` is 32, and `hive` as its SYSTEM hive (testdata/hives: system-no-safedll has
    the default search mode, 20 KnownDLLs and PATH %SystemRoot%\\system32;%SystemRoot%), or none."""
    pools = {"Enable32BitAppOnWin64": "TRUE"} if bits == 32 else None
    wserl = mm.WSERL_BASE + [f"1,{DEP},0,Dep,Dependency test"]
    root = server(name, [f".dep,{DEP},1,GET"], [], pools, wserl=wserl, drive=drive)
    put(root, DEP_AT, ext)
    for path, image in files:
        put(root, path, image)
    if hive:
        os.makedirs(os.path.join(root, "Windows/System32/config"), exist_ok=True)
        shutil.copyfile(os.path.join(HERE, "hives", hive), os.path.join(root, "Windows/System32/config/system"))
    return root


def deps_scenarios():
    """One scenario per case of the dependency closure. Correct verdicts in tests/servers.rs."""
    x64, x86 = "x64/deps", "x86/deps"
    # ext.dll -> helper.dll, which is nowhere: MB207 (126).
    deps_server("deps-missing-direct", f"{x64}/ext-helper.dll")
    # ext.dll -> helper.dll (system32) -> helper2.dll, which is nowhere: MB207 with the chain.
    deps_server("deps-missing-transitive", f"{x64}/ext-helper.dll", [("Windows/System32/helper.dll", f"{x64}/helper.dll")])
    # The same without a SYSTEM hive: PATH unknown, so not claimed missing (MB207 as a warning).
    deps_server("deps-path-unknown", f"{x64}/ext-helper.dll", [("Windows/System32/helper.dll", f"{x64}/helper.dll")],
                hive=None)
    # Both in system32: clean.
    deps_server("deps-in-system32", f"{x64}/ext-helper.dll",
                [("Windows/System32/helper.dll", f"{x64}/helper.dll"), ("Windows/System32/Helper2.DLL", f"{x64}/helper2.dll")])
    # Both in inetsrv, the folder of w3wp.exe: clean.
    deps_server("deps-in-inetsrv", f"{x64}/ext-helper.dll",
                [("Windows/System32/InetSrv/helper.dll", f"{x64}/helper.dll"),
                 ("Windows/System32/InetSrv/helper2.dll", f"{x64}/helper2.dll")])
    # Both only beside the DLL: MB209 for each (loads only with LOAD_WITH_ALTERED_SEARCH_PATH).
    deps_server("deps-beside-dll", f"{x64}/ext-helper.dll",
                [("Apps/Dep/helper.dll", f"{x64}/helper.dll"), ("Apps/Dep/helper2.dll", f"{x64}/helper2.dll")])
    # 32-bit workers; the 32-bit helpers copied into System32 only, which a 32-bit process sees as
    # SysWOW64's: MB207 (126).
    deps_server("deps-32bit-system32-only", f"{x86}/ext-helper.dll",
                [("Windows/System32/helper.dll", f"{x86}/helper.dll"), ("Windows/System32/helper2.dll", f"{x86}/helper2.dll")],
                bits=32)
    # A 32-bit helper.dll in system32 for a 64-bit worker: MB207 (193).
    deps_server("deps-wrong-machine", f"{x64}/ext-helper.dll",
                [("Windows/System32/helper.dll", f"{x86}/helper.dll"), ("Windows/System32/helper2.dll", f"{x64}/helper2.dll")])
    # GetTickCount64 and InitializeSRWLock, which Server 2003's kernel32.dll lacks: MB208 twice.
    deps_server("deps-missing-function", f"{x64}/ext-vista-kernel32.dll")
    # Imports by ordinal: 5 is there, 99 is not: MB208 for #99.
    deps_server("deps-ordinal", f"{x64}/ext-ordinal.dll",
                [("Windows/System32/helper.dll", f"{x64}/helper.dll"), ("Windows/System32/helper2.dll", f"{x64}/helper2.dll")])
    # A delay-loaded helper.dll that is nowhere: MB210 (the DLL loads).
    deps_server("deps-delay-missing", f"{x64}/ext-delay.dll")
    # A Visual C++ 2005 SP1 DLL (manifest: Microsoft.VC80.CRT 8.0.50727.762, x86) in a 32-bit worker,
    # with msvcr80.dll in SysWOW64 but no assembly in WinSxS: MB207 (the side-by-side configuration).
    deps_server("deps-vc80-missing", f"{x86}/ext-vc80.dll", [("Windows/SysWOW64/msvcr80.dll", "x86/system/msvcr80.dll")],
                bits=32)
    # The same with the assembly in WinSxS (manifest, folder, and publisher policy): clean.
    sxs = "x86_Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_8.0.50727.762_x-ww_6b128700"
    policy = "x86_policy.8.0.Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_x-ww_77c24773"
    deps_server("deps-vc80-winsxs", f"{x86}/ext-vc80.dll",
                [(f"Windows/WinSxS/Manifests/{sxs}.manifest", f"winsxs/Manifests/{sxs}.manifest"),
                 (f"Windows/WinSxS/Policies/{policy}/8.0.50727.762.policy",
                  f"winsxs/Policies/{policy}/8.0.50727.762.policy"),
                 (f"Windows/WinSxS/{sxs}/msvcr80.dll", "x86/system/msvcr80.dll")], bits=32)
    # A copy of kernel32.dll (some other DLL) beside a DLL that imports kernel32.dll: the known DLL
    # in system32 is what loads. Clean.
    deps_server("deps-knowndll-shadowed", "x64/isapi-extension.dll", [("Apps/Dep/KERNEL32.dll", f"{x64}/helper2.dll")])
    # A partial copy: the system folder without kernel32.dll and ntdll.dll. One MB211, no MB207.
    root = deps_server("deps-partial", f"{x64}/ext-helper.dll", hive=None)
    for system in ("System32", "SysWOW64"):
        for core in ("kernel32.dll", "ntdll.dll"):
            os.remove(os.path.join(root, f"Windows/{system}/{core}"))
    ucrt_scenarios()


def ucrt_scenarios():
    """A DLL built against the Universal CRT (api-ms-win-crt-heap-l1-1-0.dll, forwarded to
    ucrtbase.dll), without and with the redistributable's files in system32."""
    x64 = "x64/deps"
    deps_server("deps-ucrt-missing", f"{x64}/ext-ucrt.dll")
    deps_server("deps-ucrt-present", f"{x64}/ext-ucrt.dll",
                [("Windows/System32/api-ms-win-crt-heap-l1-1-0.dll", f"{x64}/api-ms-win-crt-heap-l1-1-0.dll"),
                 ("Windows/System32/ucrtbase.dll", f"{x64}/ucrtbase.dll")])


# --- Farms and clusters: several nodes of one site, for `mblint compare` ------------------------

ACME = "C:\\Program Files\\Acme\\Auth\\acmeauth.dll"
ACME_AT = "Program Files/Acme/Auth/AcmeAuth.dll"


def machine_specific(text, machine, n):
    """What differs between two correctly synchronised nodes and must never be reported: the values
    iiscnfg /copy replaces and IIS keeps per machine (the session key and the secure values encrypted
    with it, the IUSR_/IWAM_ accounts, ChangeNumber, history numbers, schema timestamps, FilterState,
    the node's own IP address in ServerBindings). `n` makes each node's values its own."""
    def blob(tag, size):
        # Hex like the encrypted values IIS writes: different on every machine, never compared.
        out, seed = "", (hash_seed(machine + tag))
        while len(out) < size:
            seed = (seed * 1103515245 + 12345) % 2**31
            out += f"{seed:08x}"
        return out[:size]
    text = text.replace('ChangeNumber="412"', f'ChangeNumber="{400 + 37 * n}"')
    text = text.replace('HistoryMajorVersionNumber="58"', f'HistoryMajorVersionNumber="{50 + 11 * n}"')
    text = text.replace('BINSchemaTimeStamp="ba0cc15a0ececb01"', f'BINSchemaTimeStamp="{blob("bin", 16)}"')
    text = text.replace('XMLSchemaTimeStamp="146fc35a0ececb01"',
                        f'SessionKey="{blob("session", 152)}"\n\t\tXMLSchemaTimeStamp="{blob("xml", 16)}"')
    text = text.replace('ServerBindings=":80:"', f'ServerBindings="10.0.0.{10 + n}:80:"')
    return text


def hash_seed(text):
    return sum((i + 1) * ord(c) for i, c in enumerate(text)) % 2**31


def node_accounts(machine, n):
    """The /LM/W3SVC values that name the machine's own accounts, or are encrypted per machine."""
    return {
        "AdminACL": f"4963446270000000{n:02x}000000400000001d5a" + "0" * 40 + machine.encode().hex(),
        "AnonymousUserName": f"IUSR_{machine}",
        "AnonymousUserPass": f"49634462700000002200000040000000{n:02x}f3" + machine.encode().hex() * 3,
        "WAMUserName": f"IWAM_{machine}",
        "WAMUserPass": f"4963446270000000220000004000000077{n:02x}" + machine.encode().hex() * 2,
    }


def farm_node(farm, node, n, machine, maps, filters, drive=base_drive_x64, pools_extra=None, wserl=None,
              service_extra=None, deps=None):
    """One node of a farm: a drive copy under testdata/farms/<farm>/<node>/ with the metabase
    server_document writes, made machine-specific for `machine`."""
    root = os.path.join(FARMS, farm, node)
    shutil.rmtree(root, ignore_errors=True)
    drive(root)
    extra = node_accounts(machine, n)
    extra.update(service_extra or {})
    if deps is not None:
        extra["ApplicationDependencies"] = deps
    text = mm.server_document(maps, filters, pools_extra, (), wserl, extra)
    write_metabase(root, machine_specific(text, machine, n))
    return root


def farm_base(pools=None):
    """What every node of the web farm runs: a 64-bit Windows Server 2003 with 32-bit workers,
    ASP.NET 2.0 (32-bit) and AcmeAuth, a 32-bit authentication filter."""
    return {"maps": mm.aspnet_maps(mm.FW20),
            "filters": [("ASP.NET_2.0.50727", f"{mm.FW20}\\aspnet_filter.dll", {"FilterState": "1"}),
                        ("AcmeAuth", ACME, {"FilterState": "1"})],
            "pools_extra": {"Enable32BitAppOnWin64": "TRUE"} if pools is None else pools}


def farms():
    shutil.rmtree(FARMS, ignore_errors=True)

    # Three nodes of one web farm. web1 and web2 agree (they differ only in machine-specific values);
    # web3 drifted: its workers run 64-bit (Enable32BitAppOnWin64 removed), FrontPage 2002's 32-bit
    # filter is registered there only, and AcmeAuth's 64-bit build (v1.1) lies under the path where
    # the others hold the 32-bit build (v1.0). Correct verdict: MB603, MB604 and MB606 in web3's file,
    # web3's own MB101/MB102 lint findings, and nothing for web1 and web2.
    for n, node in enumerate(("web1", "web2"), start=1):
        root = farm_node("web-farm", node, n, node.upper(), **farm_base())
        put(root, ACME_AT, "x86/filter-v1.0.dll")
    base = farm_base(pools={})
    root = farm_node("web-farm", "web3", 3, "WEB3", base["maps"], base["filters"] + [mm.FPSE_FILTER],
                     pools_extra={})
    put(root, ACME_AT, "x64/filter-v1.1.dll")
    put(root, PF86_FPSE, "x86/isapi-filter.dll")

    # Two nodes of a cluster, both in 32-bit mode, that drifted in what does not change the bitness:
    # node-b loads the filters in another order, holds AcmeAuth 1.1 where node-a holds 1.0 (both
    # 32-bit), prohibits ASP and records no dependency for Server Side Includes. Correct verdict:
    # MB605, MB607 and MB608 (twice) in node-b's file; both nodes lint clean.
    root = farm_node("cluster", "node-a", 1, "NODEA", **farm_base())
    put(root, ACME_AT, "x86/filter-v1.0.dll")
    b = farm_base()
    b["filters"] = list(reversed(b["filters"]))
    wserl_b = [w.replace("1,C:\\WINDOWS\\system32\\inetsrv\\asp.dll", "0,C:\\WINDOWS\\system32\\inetsrv\\asp.dll")
               for w in mm.WSERL_BASE + mm.ASPNET_WSERL]
    root = farm_node("cluster", "node-b", 2, "NODEB", **b, wserl=wserl_b, deps=["Active Server Pages;ASP"])
    put(root, ACME_AT, "x86/filter-v1.1.dll")

    # A failover pair where the passive node is another machine: x86-node is 32-bit Windows in IIS 5.0
    # isolation mode. The workers are 32-bit on both, so no DLL fails on either; correct verdict:
    # MB601 and MB602 in x86-node's file; both nodes lint clean.
    spec = mm.spec_x86_aspnet20()
    root = farm_node("failover", "x64-node", 1, "CLUSTER1", spec["maps"], spec["filters"],
                     pools_extra={"Enable32BitAppOnWin64": "TRUE"}, wserl=spec["wserl"])
    root = farm_node("failover", "x86-node", 2, "CLUSTER2", spec["maps"], spec["filters"], drive=base_drive_x86,
                     wserl=spec["wserl"], service_extra={"IIs5IsolationModeEnabled": "TRUE"})

    # Two nodes synchronised with iiscnfg /copy: identical in everything but the machine-specific
    # values (encrypted passwords and AdminACL, session key, IUSR_/IWAM_ names, ChangeNumber, history
    # numbers, timestamps, FilterState, the node's IP address), and in how they spell paths (case) and
    # the order of their restriction list. Correct verdict: clean, no finding at all.
    for n, node in enumerate(("node-a", "node-b"), start=1):
        base = farm_base()
        base["filters"] = [(name, path, {"FilterState": str(1 if n == 1 else 4)}) for name, path, _ in base["filters"]]
        wserl = mm.WSERL_BASE + mm.ASPNET_WSERL
        if n == 2:
            base["maps"] = [m.replace("C:\\WINDOWS\\Microsoft.NET", "c:\\windows\\microsoft.net") for m in base["maps"]]
            wserl = wserl[:2] + list(reversed(wserl[2:]))
        root = farm_node("machine-specific", node, n, f"IIS{n:02d}", **base, wserl=wserl)
        put(root, ACME_AT, "x86/filter-v1.0.dll")


# drift_all's edits of web-farm/web1's metabase, per node: (text, replacement), `\n` as CRLF.
_ROOT_END='''		Path="D:\\Sites\\Default Web Site"
	>
</IIsWebVirtualDir>'''
DRIFT_ALL_EDITS = {
"b": [(_ROOT_END,'''		Path="D:\\Sites\\Default Web Site"
		ScriptMaps=".ASPX,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll,5,GET,HEAD,POST
			.SHTML,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll,5,GET,POST
			.asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE"
	>
</IIsWebVirtualDir>'''),
 ('''<IIsFilters	Location ="/LM/W3SVC/1/Filters"
	>
</IIsFilters>''','''<IIsFilters	Location ="/LM/W3SVC/1/Filters"
		FilterLoadOrder="SiteAuth"
	>
</IIsFilters>
<IIsFilter	Location ="/LM/W3SVC/1/Filters/SiteAuth"
		FilterPath="C:\\Program Files\\Acme\\Auth\\acmeauth.dll"
	>
</IIsFilter>'''),
 ("			1,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,0,ASP,Active Server Pages","			1,C:\\WINDOWS\\system32\\inetsrv\\httpext.dll,0,WEBDAV,WebDAV\n			1,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,0,ASP,Active Server Pages"),
],
"c": [('''<IIsFilter	Location ="/LM/W3SVC/Filters/AcmeAuth"''','''<IIsCompressionScheme	Location ="/LM/W3SVC/Filters/Compression/deflate"
		HcCompressionDll="%windir%\\system32\\inetsrv\\gzip.dll"
		HcFileExtensions="htm"
	>
</IIsCompressionScheme>
<IIsFilter	Location ="/LM/W3SVC/Filters/AcmeAuth"'''),
 (".idc,C:\\WINDOWS\\system32\\inetsrv\\httpodbc.dll,5,GET,POST\n\t\t\t",""),
 ("FilterPath=\"C:\\Program Files\\Acme\\Auth\\acmeauth.dll\"","FilterPath=\"C:\\WINDOWS\\system32\\inetsrv\\urlscan\\urlscan.dll\""),
],
"d": [(_ROOT_END,'''		Path="D:\\Sites\\Default Web Site"
		ScriptMaps=".aspx,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST"
	>
</IIsWebVirtualDir>'''),
 (".shtml,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll",".shtml,C:\\WINDOWS\\system32\\inetsrv\\asp.dll"),
],
}


def drift_all():
    """Four nodes copied from web-farm/web1, each drifted in what MB604 compares: node-b maps `.ASPX`
    at a site to another DLL where the others inherit the service's map, registers a site filter the
    others lack and allows WebDAV; node-c adds a compression scheme, drops the `.idc` map and points
    the AcmeAuth filter elsewhere; node-d maps `.aspx` at the site to a third DLL (three groups) and
    `.shtml` to another DLL at the service, and maps nothing else at the site. The oracle for how
    nodes are compared: the findings as the all-in-memory comparison made them."""
    farm = os.path.join(FARMS, "drift-all")
    shutil.rmtree(farm, ignore_errors=True)
    for node in "abcd":
        shutil.copytree(os.path.join(FARMS, "web-farm", "web1"), os.path.join(farm, f"node-{node}"))
    crlf = lambda s: s.replace("\r\n", "\n").replace("\n", "\r\n")
    for node, pairs in DRIFT_ALL_EDITS.items():
        path = os.path.join(farm, f"node-{node}", "Windows", "System32", "InetSrv", "MetaBase.xml")
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
        for old, new in pairs:
            old, new = crlf(old), crlf(new)
            assert old in text, (node, old)
            text = text.replace(old, new, 1)
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            f.write(text)


if __name__ == "__main__":
    main()
    farms()
    drift_all()
