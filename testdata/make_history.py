#!/usr/bin/env python3
"""Writes testdata/history/<scenario>/: copies of a server's system drive with the metabase history IIS
keeps in Windows/System32/inetsrv/History, for `mblint history`.

IIS's layout (see README, "mblint history"): every time IIS writes the in-memory metabase to disk it
copies MetaBase.xml and MBSchema.xml into the History folder as MetaBase_<major>_<minor>.xml and
MBSchema_<major>_<minor>.xml, both numbers padded to ten digits; the major number is the file's own
HistoryMajorVersionNumber (on IIS_Global), the minor one counts hand edits saved while
edit-while-running is on. ChangeNumber grows with every change. The MBSchema copies here are short
stand-ins (a real one is 260 KB): one property definition, as IIS 6.0's own, so that mblint, which adds
a drive's schema to IIS 6.0's built-in one, reads them as the built-in schema alone.

Run from anywhere: python3 testdata/make_history.py
"""
import os
import shutil

import make_metabases as mm
import make_servers as ms

HERE = os.path.dirname(os.path.abspath(__file__))
HISTORY = os.path.join(HERE, "history")
INETSRV = "Windows/System32/InetSrv"

MBSCHEMA = ('<?xml version ="1.0"?>\n<MetaData xmlns="x-schema:CatMeta_v6.xml">\n'
            '<!-- a stand-in for MBSchema.xml: one definition, as IIS 6.0 writes it -->\n'
            '\t<DatabaseMeta InternalName ="METABASE">\n'
            '\t\t<Collection InternalName ="IIsConfigObject">\n'
            '\t\t\t<Property InternalName ="KeyType" ID="1002" Type="STRING" UserType="IIS_MD_UT_SERVER"'
            ' Attributes="NO_ATTRIBUTES" MetaFlagsEx="CACHE_PROPERTY_MODIFIED" DefaultValue=""/>\n'
            '\t\t</Collection>\n\t</DatabaseMeta>\n</MetaData>\n')


def crlf_bom(text):
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


def numbered(text, major, change):
    """The document as IIS writes it at save `major`: its own HistoryMajorVersionNumber and ChangeNumber."""
    assert 'HistoryMajorVersionNumber="58"' in text and 'ChangeNumber="412"' in text
    return (text.replace('HistoryMajorVersionNumber="58"', f'HistoryMajorVersionNumber="{major}"')
                .replace('ChangeNumber="412"', f'ChangeNumber="{change}"'))


def write(root, path, data):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)


def history_name(kind, major, minor):
    return f"{kind}_{major:010d}_{minor:010d}.xml"


def fpse_history():
    """A 64-bit server (x64 images, ASP.NET 2.0 from Framework64, 64-bit workers) through seven saves:
      60.0  clean
      61.0  a second site, Intranet
      62.0  FrontPage Server Extensions 2002 registers its 32-bit global filter fpexedll.dll: the 503
            (MB102) and a server of both bitnesses (MB101)
      63.0  edit-while-running turned on; Intranet's root maps .bad to a DLL that is not on the drive
            (MB201)
      63.1  a hand edit while IIS runs takes the .bad map out again: MB201 goes
      64.0  truncated: the copy was cut short (a history file mblint must skip, not fail on)
      65.0  Intranet's ServerComment changed
    and the current MetaBase.xml, the same as 65.0 (IIS writes both at once)."""
    root = os.path.join(HISTORY, "fpse-64bit")
    shutil.rmtree(root, ignore_errors=True)
    ms.base_drive_x64(root)
    ms.put(root, ms.PF86_FPSE, "x86/isapi-filter.dll")
    aspnet_filter = ("ASP.NET_2.0.50727", f"{mm.FW64_20}\\aspnet_filter.dll", {})
    bad_maps = mm.asp_maps() + mm.aspnet_maps(mm.FW64_20) + [".bad,C:\\Inetpub\\Legacy\\legacy.dll,1,GET,POST"]

    def doc(intranet=None, fpse=False, ewr=False, intranet_root=None, comment="Intranet"):
        extra = []
        if intranet:
            extra = mm.site(2, "Intranet", root_extra=intranet_root, site_extra={"ServerComment": comment})
        filters = [aspnet_filter] + ([mm.FPSE_FILTER] if fpse else [])
        text = mm.server_document(mm.aspnet_maps(mm.FW64_20), filters, extra_keys=extra)
        if ewr:
            text = text.replace('EnableEditWhileRunning="0"', 'EnableEditWhileRunning="1"')
        return text

    versions = [
        (60, 0, doc()),
        (61, 0, doc(intranet=True)),
        (62, 0, doc(intranet=True, fpse=True)),
        (63, 0, doc(intranet=True, fpse=True, ewr=True, intranet_root={"ScriptMaps": bad_maps})),
        (63, 1, doc(intranet=True, fpse=True, ewr=True)),
        (64, 0, doc(intranet=True, fpse=True, ewr=True)),
        (65, 0, doc(intranet=True, fpse=True, ewr=True, comment="Intranet (HR)")),
    ]
    change = 412
    for major, minor, text in versions:
        change += 3
        data = crlf_bom(numbered(text, major, change))
        if (major, minor) == (64, 0):
            # Cut inside a key, as a copy interrupted by a full disk leaves it.
            data = data[: len(data) * 3 // 5]
        write(root, f"{INETSRV}/History/{history_name('MetaBase', major, minor)}", data)
        write(root, f"{INETSRV}/History/{history_name('MBSchema', major, minor)}", crlf_bom(MBSCHEMA))
        current = data
    write(root, f"{INETSRV}/MetaBase.xml", current)
    write(root, f"{INETSRV}/MBSchema.xml", crlf_bom(MBSCHEMA))


def main():
    os.makedirs(HISTORY, exist_ok=True)
    fpse_history()


if __name__ == "__main__":
    main()
