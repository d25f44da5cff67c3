#!/usr/bin/env python3
"""Writes the fixture metabases in testdata/metabases/ in the layout IIS 6.0 writes.

Layout (observed in a real MetaBase.xml written by IIS 6.0 on Windows Server 2003): UTF-8 with BOM,
`<?xml version ="1.0"?>`, one element per key named after its KeyType, `<KeyType<TAB>Location ="...">`,
each further attribute on its own line indented with two TABs in alphabetical order, continuation lines
of a multi-string indented with three TABs, `<TAB>>` alone on a line, explicit close tags, self-closed
`<Custom>` children. Line endings CRLF, as IIS writes them on Windows.

Run from the repository root: python3 testdata/make_metabases.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "metabases")
NS = 'urn:microsoft-catalog:XML_Metabase_V64_0'

WIN = "C:\\WINDOWS"
INETSRV = WIN + "\\system32\\inetsrv"
FW20 = WIN + "\\Microsoft.NET\\Framework\\v2.0.50727"
FW64_20 = WIN + "\\Microsoft.NET\\Framework64\\v2.0.50727"
FW11 = WIN + "\\Microsoft.NET\\Framework\\v1.1.4322"
FPSE = "C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\Web Server Extensions\\50\\bin\\fpexedll.dll"


def key(key_type, location, attrs=None, customs=()):
    """One key: attrs maps name -> str or list (a multi-string); customs are dicts for <Custom>."""
    lines = [f"<{key_type}\tLocation =\"{location}\""]
    for name in sorted(attrs or {}, key=str.lower):
        value = attrs[name]
        if isinstance(value, list):
            value = "\n\t\t\t".join(value)
        lines.append(f"\t\t{name}=\"{value}\"")
    lines.append("\t>")
    for c in customs:
        lines.append("\t<Custom")
        for field in ("Name", "ID", "Value", "Type", "UserType", "Attributes"):
            lines.append(f"\t\t{field}=\"{c[field]}\"")
        lines.append("\t/>")
    lines.append(f"</{key_type}>")
    return "\n".join(lines)


def asp_maps():
    return [
        f".asp,{INETSRV}\\asp.dll,5,GET,HEAD,POST,TRACE",
        f".cer,{INETSRV}\\asp.dll,5,GET,HEAD,POST,TRACE",
        f".idc,{INETSRV}\\httpodbc.dll,5,GET,POST",
        f".shtml,{INETSRV}\\ssinc.dll,5,GET,POST",
    ]


def aspnet_maps(folder):
    exts = [".asax", ".ascx", ".ashx", ".asmx", ".aspx", ".axd", ".config", ".cs", ".vb"]
    return [f"{e},{folder}\\aspnet_isapi.dll,5,GET,HEAD,POST,DEBUG" for e in exts]


def header(computer_extra=None):
    computer = {"EnableEditWhileRunning": "0", "EnableHistory": "1", "MaxBandwidth": "4294967295", "MaxHistoryFiles": "10"}
    computer.update(computer_extra or {})
    return [
        key("IIS_Global", ".", {"BINSchemaTimeStamp": "ba0cc15a0ececb01", "ChangeNumber": "412",
                                "HistoryMajorVersionNumber": "58", "XMLSchemaTimeStamp": "146fc35a0ececb01"}),
        key("IIS_ROOT", "/"),
        key("IIsComputer", "/LM", computer),
    ]


def web_service(script_maps, wserl, deps, extra=None):
    attrs = {
        "AllowKeepAlive": "TRUE",
        "AppPoolId": "DefaultAppPool",
        "ApplicationDependencies": deps,
        "AuthFlags": "AuthAnonymous",
        "DefaultDoc": "Default.htm,Default.asp,index.htm,Default.aspx",
        "IIs5IsolationModeEnabled": "FALSE",
        "ScriptMaps": script_maps,
        "WebSvcExtRestrictionList": wserl,
    }
    attrs.update(extra or {})
    return key("IIsWebService", "/LM/W3SVC", attrs, customs=[
        {"Name": "UnknownName_2166", "ID": "2166", "Value": "1", "Type": "DWORD",
         "UserType": "IIS_MD_UT_SERVER", "Attributes": "NO_ATTRIBUTES"},
    ])


def site(n, name, root_extra=None, site_extra=None, filters_extra=None):
    site_attrs = {"AppPoolId": "DefaultAppPool", "ServerBindings": f":{79 + n}:", "ServerComment": name}
    site_attrs.update(site_extra or {})
    root = {"AccessFlags": "AccessRead | AccessScript", "AppFriendlyName": "Default Application", "AppIsolated": "2",
            "AppPoolId": "DefaultAppPool", "AppRoot": f"/LM/W3SVC/{n}/ROOT", "Path": f"D:\\Sites\\{name}"}
    root.update(root_extra or {})
    return [
        key("IIsWebServer", f"/LM/W3SVC/{n}", site_attrs),
        key("IIsFilters", f"/LM/W3SVC/{n}/Filters", filters_extra),
        key("IIsWebVirtualDir", f"/LM/W3SVC/{n}/ROOT", root),
    ]


def pools(pools_extra=None, pool_extra=None, names=("DefaultAppPool",)):
    attrs = {"AppPoolIdentityType": "2", "IdleTimeout": "20", "MaxProcesses": "1", "PeriodicRestartTime": "1740"}
    attrs.update(pools_extra or {})
    out = [key("IIsApplicationPools", "/LM/W3SVC/AppPools", attrs)]
    for n in names:
        extra = {"AppPoolAutoStart": "TRUE"}
        extra.update((pool_extra or {}).get(n, {}))
        out.append(key("IIsApplicationPool", f"/LM/W3SVC/AppPools/{n}", extra))
    return out


def global_filters(filters):
    """filters: list of (name, path, extra attrs)."""
    order = ",".join(name for name, _, _ in filters)
    out = [key("IIsFilters", "/LM/W3SVC/Filters", {"FilterLoadOrder": order} if order else {})]
    out.append(key("IIsFilter", "/LM/W3SVC/Filters/Compression"))
    out.append(key("IIsCompressionScheme", "/LM/W3SVC/Filters/Compression/gzip",
                   {"HcCompressionDll": "%windir%\\system32\\inetsrv\\gzip.dll", "HcFileExtensions": ["htm", "html", "txt"]}))
    for name, path, extra in sorted(filters, key=lambda f: f[0].lower()):
        attrs = {"FilterDescription": name, "FilterPath": path}
        attrs.update(extra or {})
        out.append(key("IIsFilter", f"/LM/W3SVC/Filters/{name}", attrs))
    return out


def templates():
    return [
        key("IIsWebInfo", "/LM/W3SVC/Info"),
        key("IIsWebVirtualDir", "/LM/W3SVC/Info/Templates/Public Web Site/Root",
            {"AccessFlags": "AccessRead | AccessScript", "ScriptMaps": [f".tpl,{FW11}\\aspnet_isapi.dll,1"]}),
    ]


WSERL_BASE = [
    "0,*.dll",
    "0,*.exe",
    f"1,{INETSRV}\\asp.dll,0,ASP,Active Server Pages",
    f"1,{INETSRV}\\httpodbc.dll,0,HTTPODBC,Internet Data Connector",
    f"1,{INETSRV}\\ssinc.dll,0,SSINC,Server Side Includes",
]
DEPS_BASE = ["Active Server Pages;ASP", "Server Side Includes;SSINC"]
# WebDAV allowed, as IIS Manager writes it (the predefined "WebDAV" Web Service Extension).
WEBDAV_WSERL = f"1,{INETSRV}\\httpext.dll,0,WEBDAV,WebDAV"


def document(keys, xmlns=True):
    root = f'<configuration xmlns="{NS}">' if xmlns else "<configuration>"
    body = "\n".join(keys)
    return f'<?xml version ="1.0"?>\n{root}\n<MBProperty>\n{body}\n</MBProperty>\n</configuration>\n'


# What make_servers.py puts in each drive copy's WebSvcExtRestrictionList beside WSERL_BASE.
ASPNET_WSERL = [
    f"1,{FW64_20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727 (64-bit)",
    f"1,{FW20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727 (32-bit),ASP.NET v2.0.50727 (32-bit)",
    f"1,{FW11}\\aspnet_isapi.dll,1,ASP.NET v1.1.4322,ASP.NET v1.1.4322",
]


def server_document(maps, filters, pools_extra=None, extra_keys=(), wserl=None, service_extra=None, windir=WIN,
                    urlscan=f"{INETSRV}\\urlscan\\urlscan.dll"):
    """The metabase of a drive copy in testdata/servers/ (see make_servers.server): ASP's maps plus
    `maps`, UrlScan (at `urlscan`) plus `filters`. With another `windir` (D:\\WINDOWS) every C:\\WINDOWS\\
    path in it is written under that folder instead; %windir% stays as it is."""
    text = document(
        header()
        + [web_service(asp_maps() + maps, WSERL_BASE + ASPNET_WSERL if wserl is None else wserl, DEPS_BASE,
                       service_extra)]
        + site(1, "Default Web Site") + list(extra_keys) + pools(pools_extra)
        + global_filters([("UrlScan", urlscan, {})] + list(filters))
        + templates())
    if windir != WIN:
        text = text.replace(WIN + "\\", windir + "\\")
    return text


# Servers that exist both as a drive copy (make_servers.py) and as a metabase alone (below): each
# returns server_document's arguments, so both get the same metabase text.

def spec_x86_aspnet20(extra_filters=()):
    """32-bit Windows Server 2003: ASP.NET 2.0 from Framework, no 64-bit path anywhere, no
    Enable32BitAppOnWin64, only the 32-bit ASP.NET 2.0 allowed in the restriction list."""
    return {"maps": aspnet_maps(FW20),
            "filters": [("ASP.NET_2.0.50727", f"{FW20}\\aspnet_filter.dll", {})] + list(extra_filters),
            "wserl": WSERL_BASE + [f"1,{FW20}\\aspnet_isapi.dll,0,ASP.NET v2.0.50727,ASP.NET v2.0.50727"]}


def spec_iis5_mode_framework64(extra_filters=()):
    """64-bit server in IIS 5.0 isolation mode with Enable32BitAppOnWin64 set (ignored in that mode),
    ASP.NET 2.0 and its filter from Framework64."""
    return {"maps": aspnet_maps(FW64_20),
            "filters": [("ASP.NET_2.0.50727", f"{FW64_20}\\aspnet_filter.dll", {})] + list(extra_filters),
            "pools_extra": {"Enable32BitAppOnWin64": "TRUE"},
            "service_extra": {"IIs5IsolationModeEnabled": "TRUE"}}


FPSE_FILTER = ("fpexedll.dll", FPSE, {"FilterEnableCache": "TRUE"})


def spec_iis5_mode_32bit_filter(extra_filters=()):
    """spec_iis5_mode_framework64 plus the 32-bit FrontPage 2002 filter."""
    return spec_iis5_mode_framework64([FPSE_FILTER] + list(extra_filters))


def spec_windows_on_d():
    """64-bit server with Windows on D:, 32-bit workers, ASP.NET 2.0 and its filter from
    D:\\WINDOWS\\Microsoft.NET\\Framework, and one script map through unexpanded %windir%."""
    return {"maps": aspnet_maps(FW20) + [".var,%windir%\\system32\\inetsrv\\asp.dll,1,GET"],
            "filters": [("ASP.NET_2.0.50727", f"{FW20}\\aspnet_filter.dll", {})],
            "pools_extra": {"Enable32BitAppOnWin64": "TRUE"},
            "windir": "D:\\WINDOWS"}


# asp.dll spelled four ways Win32 reads as C:\WINDOWS\system32\inetsrv\asp.dll and IIS 6, which opens
# `\\?\` and the text as written, does not: a trailing dot, a trailing space, forward slashes, `..`.
ODD_ASP_MAPS = [
    f".dot,{INETSRV}\\asp.dll.,5,GET,HEAD,POST",
    f".spc,{INETSRV}\\asp.dll ,5,GET,HEAD,POST",
    f".fsl,{INETSRV.replace(chr(92), '/')}/asp.dll,5,GET,HEAD,POST",
    f".par,{INETSRV}\\..\\inetsrv\\asp.dll,5,GET,HEAD,POST",
]
# WebDAV allowed, in an entry spelled with a trailing dot: compared as written, httpext.dll falls
# under "All Unknown ISAPI Extensions", which is prohibited.
ODD_WSERL = [f"1,{INETSRV}\\httpext.dll.,0,WEBDAV,WebDAV"]


def spec_ambiguous_paths():
    """A 64-bit server whose metabase spells ASP four ways (ODD_ASP_MAPS), loads UrlScan through a
    folder name with a trailing dot, and lists WebDAV in the restriction list with a trailing dot."""
    return {"maps": ODD_ASP_MAPS, "filters": [],
            "wserl": WSERL_BASE + ODD_WSERL,
            "urlscan": f"{WIN}\\system32\\inetsrv\\urlscan.\\urlscan.dll"}


def write(name, text, crlf=True, bom=True):
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def scenarios():
    # A clean 64-bit server: ASP, ASP.NET 2.0 from Framework64, UrlScan from system32.
    write("clean-64bit.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW64_20),
                       WSERL_BASE + [f"1,{FW64_20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"],
                       DEPS_BASE + ["ASP.NET v2.0.50727;ASP.NET v2.0.50727"])]
        + site(1, "Default Web Site") + pools()
        + global_filters([("UrlScan", f"{INETSRV}\\urlscan\\urlscan.dll", {"FilterEnableCache": "TRUE"}),
                          ("ASP.NET_2.0.50727", f"{FW64_20}\\aspnet_filter.dll", {"FilterEnabled": "TRUE"})])
        + templates()))

    # A clean server switched to 32-bit mode: ASP.NET 2.0 from Framework, FPSE 2002 from Program Files (x86).
    write("clean-32bit-mode.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW20),
                       WSERL_BASE + [f"1,{FW20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"],
                       DEPS_BASE + ["ASP.NET v2.0.50727;ASP.NET v2.0.50727"])]
        + site(1, "Default Web Site") + pools({"Enable32BitAppOnWin64": "TRUE"})
        + global_filters([("fpexedll.dll", FPSE, {}),
                          ("ASP.NET_2.0.50727", f"{FW20}\\aspnet_filter.dll", {})])
        + templates(), xmlns=False))

    # FrontPage Server Extensions 2002 installed on a 64-bit IIS: the 503 of David Wang's 2005/10/06 post.
    write("fpse2002-64bit.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW64_20),
                       WSERL_BASE + [f"1,{FW64_20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727",
                                     "1,C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\Web Server Extensions\\50\\isapi\\shtml.dll,1,FPSE2002,FrontPage Server Extensions 2002"],
                       DEPS_BASE + ["FrontPage Server Extensions 2002;FPSE2002,ASP"])]
        + site(1, "Default Web Site", site_extra={"FrontPageWeb": "TRUE"}) + pools()
        + global_filters([("fpexedll.dll", FPSE, {"FilterEnableCache": "TRUE"})])
        + templates()))

    # 32-bit mode with ASP.NET 2.0 mapped to Framework64 (site-level maps too): the 500 "%1 is not a valid Win32 application".
    write("framework64-32bit-mode.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW64_20),
                       WSERL_BASE + [f"1,{FW64_20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"],
                       DEPS_BASE + ["ASP.NET v2.0.50727;ASP.NET v2.0.50727"])]
        + site(1, "Default Web Site")
        + site(2, "Shop", root_extra={"ScriptMaps": [f".aspx,{FW64_20}\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG",
                                                     f"*,{WIN}\\SysWOW64\\inetsrv\\wildcard.dll,0"]})
        + pools({"Enable32BitAppOnWin64": "1"})
        + global_filters([("UrlScan", f"{INETSRV}\\urlscan\\urlscan.dll", {})])
        + templates()))

    # ASP.NET 1.1 on a 64-bit server: 1.1 exists only as 32-bit images.
    write("aspnet11-64bit.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW11),
                       WSERL_BASE + [f"1,{FW11}\\aspnet_isapi.dll,1,ASP.NET v1.1.4322,ASP.NET v1.1.4322"],
                       DEPS_BASE + ["ASP.NET v1.1.4322;ASP.NET v1.1.4322"])]
        + site(1, "Default Web Site") + pools()
        + global_filters([("ASP.NET_1.1.4322", f"{FW11}\\aspnet_filter.dll", {})])
        + templates()))

    # Enable32BitAppOnWin64 on a single pool (the IIS 7 habit), a value on a site, and a 32-bit filter
    # written as a <Custom> property (ID 2041 = FilterPath) in that site's filters.
    write("pool-enable32bit.xml", document(
        header()
        + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE)]
        + site(1, "Default Web Site")
        + site(3, "Legacy", site_extra={"AppPoolId": "Legacy", "Enable32BitAppOnWin64": "TRUE"},
               filters_extra={"FilterLoadOrder": "LegacyAuth"})
        + [key("IIsFilter", "/LM/W3SVC/3/Filters/LegacyAuth", {"FilterDescription": "Legacy SSO"}, customs=[
            {"Name": "UnknownName_2041", "ID": "2041", "Value": "C:\\Program Files (x86)\\Legacy SSO\\ssofilt.dll",
             "Type": "STRING", "UserType": "IIS_MD_UT_SERVER", "Attributes": "NO_ATTRIBUTES"}])]
        + pools(names=("DefaultAppPool", "Legacy"), pool_extra={"Legacy": {"Enable32BitAppOnWin64": "TRUE"}})
        + global_filters([])
        + templates()))

    # A value IIS reads as "not 0", so TRUE: the whole server runs 32-bit.
    write("enable32bit-bad-value.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW20),
                       WSERL_BASE + [f"1,{FW20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"], DEPS_BASE)]
        + site(1, "Default Web Site") + pools({"Enable32BitAppOnWin64": "yes"})
        + global_filters([])
        + templates()))

    # A 64-bit server (ASP.NET from Framework64, 64-bit workers) whose DefaultAppPool carries
    # Enable32BitAppOnWin64="FALSE", which IIS 6 ignores there and which agrees with the server anyway:
    # removing it is a safe fix that changes nothing (the fixture of the byte-exactness tests).
    write("enable32bit-misplaced-agreeing.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW64_20),
                       WSERL_BASE + [f"1,{FW64_20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"], DEPS_BASE)]
        + site(1, "Default Web Site")
        + pools(pool_extra={"DefaultAppPool": {"Enable32BitAppOnWin64": "FALSE"}})
        + global_filters([])
        + templates()))

    # The metabase of the 32-bit server testdata/servers/x86-aspnet20: ASP.NET 2.0 from Framework,
    # nothing 64-bit anywhere, no Enable32BitAppOnWin64. Without the drive and without a declared
    # platform a correct linter cannot tell x86 from x64 here: it must not claim either, nor report a
    # bitness failure.
    write("x86-aspnet20.xml", server_document(**spec_x86_aspnet20()))

    # The metabase of testdata/servers/windows-on-d: Windows on D:, every path D:\WINDOWS\..., 32-bit
    # workers with ASP.NET 2.0 and its filter from Framework (32-bit), plus .var through %windir%.
    # Correct: healthy bitness-wise; only the %windir% warning and what lockdown says of .var.
    write("windows-on-d.xml", server_document(**spec_windows_on_d()))

    # The metabase of testdata/servers/iis5-mode-framework64: IIS 5.0 isolation mode, so everything runs
    # in 64-bit inetinfo/dllhost, with ASP.NET from Framework64. Correct: no DLL fails; only a warning
    # that Enable32BitAppOnWin64 is ignored in IIS 5.0 isolation mode.
    write("iis5-mode-framework64.xml", server_document(**spec_iis5_mode_framework64()))

    # The metabase of testdata/servers/iis5-mode-32bit-filter: as above plus the 32-bit FrontPage 2002
    # filter. Correct: that filter cannot load in the 64-bit inetinfo.exe (plus the ignored-setting warning).
    write("iis5-mode-32bit-filter.xml", server_document(**spec_iis5_mode_32bit_filter()))

    rule_fixtures()

    # Malformed files.
    good = document(header() + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE)] + site(1, "Default Web Site"))
    write("malformed/mismatched-tag.xml", good.replace("</IIsWebServer>", "</IIsWebService>", 1))
    write("malformed/truncated.xml", good[: good.index("ScriptMaps=") + 40])
    write("malformed/doctype-entities.xml",
          '<?xml version ="1.0"?>\n<!DOCTYPE configuration [\n<!ENTITY lol "lol">\n<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
          '<!ENTITY ext SYSTEM "file:///C:/boot.ini">\n]>\n<configuration>\n<MBProperty>\n'
          + key("IIsWebService", "/LM/W3SVC", {"ServerComment": "&lol2;&ext;"}) + "\n</MBProperty>\n</configuration>\n")
    write("malformed/not-a-metabase.xml",
          '<?xml version ="1.0"?>\n<MetaData xmlns="x-urn:microsoft-catalog:MetaData_V7">\n</MetaData>\n')
    write("malformed/missing-location.xml", good.replace("<IIsWebServer\tLocation =\"/LM/W3SVC/1\"", "<IIsWebServer", 1))
    write("malformed/unknown-entity.xml", good.replace("Default Web Site", "Default &nbsp; Site", 1))
    raw = good.replace("\n", "\r\n").encode("utf-8")
    cut = raw.index(b"Default Web Site")
    with open(os.path.join(OUT, "malformed/invalid-utf8.xml"), "wb") as f:
        f.write(b"\xef\xbb\xbf" + raw[:cut] + b"D\xe9fault" + raw[cut + 7:])


def rule_fixtures():
    """One positive fixture per catalogue rule that the scenarios above do not already show, and two
    near-miss files that must give no finding at all."""
    fw20_wserl = [f"1,{FW20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"]
    fw11_wserl = [f"1,{FW11}\\aspnet_isapi.dll,1,ASP.NET v1.1.4322,ASP.NET v1.1.4322"]
    deps = DEPS_BASE + ["ASP.NET v2.0.50727;ASP.NET v2.0.50727"]

    # MB002: values IIS cannot read as their type, and malformed list entries.
    write("rules/MB002-invalid-values.xml", document(
        header()
        + [web_service(asp_maps() + [".broken,C:\\x.dll", ".flags,C:\\x.dll,five"],
                       WSERL_BASE + ["2,C:\\y.dll,0,Y,Y"], DEPS_BASE + ["No Separator Here"],
                       {"AllowKeepAlive": "Yes", "AuthFlags": "AuthAnonymous | AuthBogus", "MaxConnections": "lots"})]
        + site(1, "Default Web Site") + pools() + global_filters([]) + templates()))

    # MB002: numbers outside the schema's range (AppPoolQueueLength 10-65535, MaxProcesses 1 or more),
    # a secure property typed in clear, bytes that are not hexadecimal, and a flag in another case.
    write("rules/MB002-schema-ranges.xml", document(
        header()
        + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE, {"WAMUserPass": "secret"})]
        + site(1, "Default Web Site", root_extra={"AccessFlags": "AccessRead | accessscript"},
               site_extra={"SSLCertHash": "not hex"})
        + pools({"AppPoolQueueLength": "100000"}, {"DefaultAppPool": {"MaxProcesses": "0"}})
        + global_filters([]) + templates()))

    # MB005: Enable32bitAppOnWin64 (KB895976's spelling; the schema's is Enable32BitAppOnWin64) on a
    # 64-bit server (the restriction list names Framework64) in worker process isolation mode, where
    # the worker bitness depends on whether IIS reads it; a name in lower case no verdict reads; and
    # a second spelling of a property the key already sets (no fix: which value IIS takes is unknown).
    fw64_wserl = [f"1,{FW64_20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"]
    write("rules/MB005-name-case.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW64_20), WSERL_BASE + fw64_wserl, deps,
                       {"IIs5IsolationModeEnabled": "FALSE"})]
        + site(1, "Default Web Site", site_extra={"connectiontimeout": "120", "serverComment": "Old Site"})
        + pools({"Enable32bitAppOnWin64": "TRUE"}) + global_filters([]) + templates()))

    # MB006: names the schema does not define (with the nearest), a property of another key type,
    # and a <Custom> property, which stays legal.
    write("rules/MB006-unknown-properties.xml", document(
        header()
        + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE)]
        + site(1, "Default Web Site", root_extra={"DefaultDocs": "index.php,Default.htm", "MaxProcesses": "2"})
        + pools(pool_extra={"DefaultAppPool": {"AppPoolIdentiyType": "2"}})
        + [key("IIsWebVirtualDir", "/LM/W3SVC/1/ROOT/custom", {"Path": "D:\\Sites\\custom"},
               customs=[{"Name": "MyProductSetting", "ID": "700001", "Value": "on", "Type": "STRING",
                         "UserType": "IIS_MD_UT_SERVER", "Attributes": "INHERIT"}])]
        + global_filters([]) + templates()))

    # MB003: one Location twice, spelled in another case.
    write("rules/MB003-duplicate-location.xml", document(
        header() + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE)] + site(1, "Default Web Site")
        + [key("IIsWebServer", "/LM/W3SVC/1", {"ServerComment": "Copy"}).replace("/LM/W3SVC/1", "/lm/w3svc/1")]
        + pools() + global_filters([]) + templates()))

    # MB004: edit-while-running without history.
    write("rules/MB004-edit-while-running.xml", document(
        header({"EnableEditWhileRunning": "1", "EnableHistory": "0", "MaxHistoryFiles": "5"})
        + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE)] + site(1, "Default Web Site") + pools()
        + global_filters([]) + templates()))

    # MB106: 32-bit workers requested in IIS 5.0 isolation mode, on a server whose restriction list
    # names the 64-bit Framework (so it is 64-bit Windows, where the setting would otherwise decide).
    fw64_wserl = [f"1,{FW64_20}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"]
    write("rules/MB106-iis5-isolation-32bit.xml", document(
        header() + [web_service(asp_maps(), WSERL_BASE + fw64_wserl, DEPS_BASE, {"IIs5IsolationModeEnabled": "TRUE"})]
        + site(1, "Default Web Site") + pools({"Enable32BitAppOnWin64": "TRUE"}) + global_filters([]) + templates()))

    # MB204: script maps through environment variables on a metabase that names no expanded Windows
    # path (no templates, no ASP maps): %windir% can only be guessed (its expansion is display-only),
    # and %ProgramFiles% is not expanded at all (no fix).
    write("rules/MB204-variables.xml", document(
        header() + [web_service([".v,%windir%\\system32\\inetsrv\\asp.dll,1,GET",
                                 ".p,%ProgramFiles%\\Vendor\\ext.dll,1,GET"], ["0,*.dll", "0,*.exe"], [])]
        + site(1, "Default Web Site") + pools() + global_filters([])))

    # MB108: the metabase's own paths put Windows in two places: script maps under C:\WINDOWS, custom
    # error pages under D:\WINNT (a metabase carried over from another installation).
    write("rules/MB108-conflicting-windir.xml", document(
        header() + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE,
                                {"HttpErrors": ["404,*,FILE,D:\\WINNT\\help\\iisHelp\\common\\404b.htm",
                                                "500,*,FILE,D:\\WINNT\\help\\iisHelp\\common\\500.htm"]})]
        + site(1, "Default Web Site") + pools() + global_filters([]) + templates()))

    # MB301, MB302, MB303: a listed filter with no key, a key with no path, an unlisted filter,
    # and one DLL registered globally and again in a site.
    urlscan = f"{INETSRV}\\urlscan\\urlscan.dll"
    filters = global_filters([("UrlScan", urlscan, {}), ("Orphan", f"{INETSRV}\\orphan.dll", {})])
    filters[0] = key("IIsFilters", "/LM/W3SVC/Filters", {"FilterLoadOrder": "UrlScan,Gone,NoPath"})
    filters.append(key("IIsFilter", "/LM/W3SVC/Filters/NoPath", {"FilterDescription": "no path"}))
    write("rules/MB3xx-filters.xml", document(
        header() + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE)]
        + site(1, "Default Web Site", filters_extra={"FilterLoadOrder": "UrlScanAgain"})
        + [key("IIsFilter", "/LM/W3SVC/1/Filters/UrlScanAgain", {"FilterPath": urlscan})]
        + pools() + filters + templates()))

    # MB401, MB402: a prohibited ISAPI extension, an unlisted CGI under "All Unknown CGI" prohibited,
    # and a dependency on a group nobody defines.
    write("rules/MB4xx-lockdown.xml", document(
        header()
        + [web_service(asp_maps() + [".stm2,C:\\WINDOWS\\system32\\inetsrv\\ssinc2.dll,5,GET",
                                     ".pl,&quot;C:\\Perl\\bin\\perl.exe&quot; &quot;%s&quot; %s,5,GET,POST"],
                       WSERL_BASE + ["0,C:\\WINDOWS\\system32\\inetsrv\\ssinc2.dll,1,SSINC2,Includes 2"],
                       DEPS_BASE + ["Orphan Application;NOSUCHGROUP,ASP"])]
        + site(1, "Default Web Site") + pools() + global_filters([]) + templates()))

    # MB501, MB502: one pool with applications of ASP.NET 2.0 and 1.1 (32-bit mode, so both load),
    # and a site naming a pool that does not exist.
    write("rules/MB5xx-pools.xml", document(
        header()
        + [web_service(asp_maps() + aspnet_maps(FW20), WSERL_BASE + fw20_wserl + fw11_wserl, deps)]
        + site(1, "Default Web Site")
        + site(2, "Legacy", root_extra={"ScriptMaps": aspnet_maps(FW11)})
        + site(3, "Lost", site_extra={"AppPoolId": "NoSuchPool"}, root_extra={"AppPoolId": "NoSuchPool"})
        + pools({"Enable32BitAppOnWin64": "TRUE"}) + global_filters([]) + templates()))

    # MB206: the drive copy's metabase (make_servers.py, ambiguous-paths) read without a drive, plus
    # what only the text can show: a DOS device name, a path longer than MAX_PATH, a value with a
    # leading space, and one that already carries `\\?\`.
    long_folder = "C:\\Program Files\\Acme\\" + "\\".join(["Deeply Nested Component Folder"] * 8)
    write("rules/MB206-ambiguous-paths.xml", server_document(
        **{**spec_ambiguous_paths(),
           "maps": ODD_ASP_MAPS + [".nul,C:\\Tools\\nul.dll,1,GET",
                                   f".lng,{long_folder}\\handler.dll,1,GET"],
           "wserl": WSERL_BASE + ODD_WSERL + ["1,C:\\Tools\\nul.dll,1,TOOLS,Tools",
                                              f"1,{long_folder}\\handler.dll,1,ACME,Acme handler"],
           "filters": [("Spaced", " C:\\Filters\\spaced.dll", {}),
                       ("Prefixed", "\\\\?\\C:\\Filters\\prefixed.dll", {})]}))

    # Near misses: everything here is right, and no rule may fire.
    write("rules/near-misses.xml", document(
        header({"EnableEditWhileRunning": "1", "EnableHistory": "1", "MaxHistoryFiles": "10"})
        # A CGI program allowed with its arguments, as the restriction list names CGI entries.
        + [web_service(asp_maps() + aspnet_maps(FW20) + [f".cmd,{WIN}\\system32\\cmd.exe /c %s %s,5,GET"],
                       WSERL_BASE + fw20_wserl + fw11_wserl + [f"1,{WIN}\\system32\\cmd.exe /c %s %s,1,CMD,Command shell"], deps,
                       {"AllowKeepAlive": "true", "AuthFlags": "5", "AccessFlags": "AccessRead | 512"})]
        + site(1, "Default Web Site", filters_extra={"FilterLoadOrder": "Shared"})
        + [key("IIsFilter", "/LM/W3SVC/1/Filters/Shared", {"FilterPath": "C:\\Filters\\shared.dll"})]
        + site(10, "Ten", filters_extra={"FilterLoadOrder": "Shared"}, site_extra={"AppPoolId": "legacy11"},
               root_extra={"AppPoolId": "LEGACY11", "ScriptMaps": aspnet_maps(FW11)})
        + [key("IIsFilter", "/LM/W3SVC/10/Filters/Shared", {"FilterPath": "C:\\Filters\\shared.dll"})]
        + pools({"Enable32BitAppOnWin64": "TRUE"}, names=("DefaultAppPool", "Legacy11"))
        + global_filters([("UrlScan", f"{INETSRV}\\urlscan\\urlscan.dll", {})]) + templates()))
    write("rules/near-misses-iis5.xml", document(
        header() + [web_service(asp_maps(), WSERL_BASE, DEPS_BASE, {"IIs5IsolationModeEnabled": "TRUE"})]
        + site(1, "Default Web Site", site_extra={"AppPoolId": "NotAPoolInIis5Mode"})
        + pools() + global_filters([]) + templates()))


if __name__ == "__main__":
    scenarios()
