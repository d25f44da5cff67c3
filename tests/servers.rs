//! Scenario tests over testdata/servers/: copies of server drives with real PE images. Each scenario's
//! findings are pinned twice: by the set of codes it must give (below) and by snapshots of the
//! rendered text and JSON. Also: `inspect` agrees with objdump, and nothing outside a root is read.

use std::collections::BTreeSet;
use std::path::Path;

use mblint::diagnostic::Evidence;
use mblint::lint::{FileReport, Options, lint_path};
use mblint::report::{json, text};
use mblint::resolve::pe::{self, Machine, PeFormat};

mod common;
use common::copy_tree;

fn check(scenario: &str) -> FileReport {
    // Relative to the package root (cargo's working directory for tests), so paths in snapshots
    // are the same on every machine.
    lint_path(Path::new(&format!("testdata/servers/{scenario}")), &Options::default()).unwrap()
}

fn codes(report: &FileReport) -> BTreeSet<&'static str> {
    report.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn every_scenario_gives_its_findings() {
    let expected: &[(&str, &[&str])] = &[
        ("clean-64bit", &[]),
        ("fpse2002-64bit", &["MB101", "MB102"]),
        ("framework64-32bit-mode", &["MB101", "MB102"]),
        ("aspnet11-no-working-mode", &["MB101", "MB102", "MB104"]),
        // Their odd script maps are also unlisted extensions under "All Unknown ISAPI Extensions" prohibited.
        ("ia64-image", &["MB103", "MB401"]),
        ("no-isapi-exports", &["MB203", "MB401"]),
        ("missing-dll", &["MB201", "MB202", "MB204", "MB205", "MB401"]),
        ("link-outside", &["MB205"]),
        // asp.dll spelled four ways IIS 6 opens as written and Win32 reads as asp.dll, UrlScan through
        // `urlscan.\`, WebDAV allowed as `httpext.dll.`: each in doubt, and no image finding.
        ("ambiguous-paths", &["MB206"]),
        // 32-bit Windows (read from system32's images): ASP.NET from Framework is healthy there.
        ("x86-aspnet20", &[]),
        // A 64-bit-only filter cannot load on 32-bit Windows.
        ("x86-64bit-filter", &["MB102"]),
        // Itanium: IA64 images are native, not "unsupported".
        ("ia64-native", &[]),
        // IIS 5.0 isolation mode: everything in 64-bit inetinfo/dllhost, Enable32BitAppOnWin64 ignored.
        ("iis5-mode-framework64", &["MB106"]),
        ("iis5-mode-32bit-filter", &["MB102", "MB106"]),
        ("iis5-mode-rawdata-filter", &["MB102", "MB106"]),
        // Windows on D: a healthy 32-bit-mode server; only the %windir% map and its lockdown entry.
        ("windows-on-d", &["MB204", "MB401"]),
        // Restriction lists that allow only the 64-bit ASP.NET (what aspnet_regiis of Framework64 writes).
        ("aspnet64-lockdown-fpse", &["MB101", "MB102"]),
        ("framework64-32bit-lockdown", &["MB101", "MB102"]),
        // gzip.dll missing in both bitnesses: MB201 either way.
        ("fpse-no-gzip", &["MB101", "MB102", "MB201"]),
        // FrontPage's _vti_bin DLLs, called by URL: 32-bit in a 64-bit w3wp.exe.
        ("fpse-vti-bin-64bit", &["MB101", "MB102"]),
        // A clean 64-bit server whose copy holds its SYSTEM hive: the DLL search read from it.
        ("system-hive", &[]),
        // WebDAV allowed: IIS loads httpext.dll itself, the x64 build for 64-bit workers.
        ("webdav-64bit", &[]),
        // A filter that reads raw data, in worker process isolation mode: IIS refuses it (event 2261).
        ("rawdata-filter-worker-isolation", &["MB109"]),
        // Tomcat's redirector: the filter forwards to /jakarta/isapi_redirect.dll, which no Web Service
        // Extension allows: every forwarded request is 404.2.
        ("tomcat-jakarta-prohibited", &["MB401"]),
        // The same redirector in 64-bit workers: one MB102, on the filter (its URL twin is the same DLL in
        // the same workers), and MB101.
        ("tomcat-jakarta-64bit", &["MB101", "MB102"]),
        // A plain filter in a folder served with execute permission is judged as a filter only.
        ("filter-in-execute-folder", &[]),
        // ColdFusion's JRun connector, filter and /JRunScripts/jrun.dll, allowed and 32-bit as the workers.
        ("coldfusion-jrun", &[]),
        // .NET 4.0 installed: "ASP.NET v4.0.30319" left Prohibited, its application's pages 404.2.
        ("aspnet40-prohibited", &["MB401"]),
        // ASP.NET 4's filter global; site 1 on ASP.NET 2.0 shares DefaultAppPool with site 2 on 4.0: two
        // CLRs in one pool (MB501), and site 1's extensionless URLs go to eurl.axd, which it maps to 2.0.
        ("aspnet40-eurl-shared-pool", &["MB501", "MB503"]),
        // The same sites in pools of their own, and every site on ASP.NET 4: nothing to report.
        ("aspnet40-eurl-own-pool", &[]),
        ("aspnet40-eurl-all-v4", &[]),
        // UrlScan 2.5 (32-bit only) copied into system32 on a server with 64-bit workers: the filter fails.
        ("urlscan25-64bit-workers", &["MB101", "MB102"]),
        // UrlScan 2.5 installed by its 32-bit setup (into SysWOW64) with 32-bit workers: clean.
        ("urlscan25-32bit-mode", &[]),
        // Exchange 2003 OWA (davex.dll maps, /exchweb/bin/auth/owaauth.dll by URL) on 32-bit Windows: clean;
        // carried to x64 with 64-bit workers: its 32-bit DLLs fail (Exchange 2003 is 32-bit only, KB924046).
        ("exchange2003-owa-x86", &[]),
        ("exchange2003-owa-x64", &["MB101", "MB102"]),
        // WSS 3.0 on x64: its wildcard map to 64-bit ASP.NET 2.0 and /_vti_bin/owssvr.dll, no filter: clean.
        ("wss30-64bit", &[]),
        // ISAPI_Rewrite before UrlScan at high priority: UrlScan checks rewritten URLs.
        ("urlscan-after-rewriter", &["MB304"]),
        // 32-bit workers open SysWOW64\inetsrv\httpext.dll, which the copy lacks.
        ("webdav-32bit-no-syswow64", &["MB201"]),
        // The dependency closure (issue 20), on a copy with its SYSTEM hive (PATH known) unless said.
        ("deps-missing-direct", &["MB207"]),
        ("deps-missing-transitive", &["MB207"]),
        // No hive: PATH unknown, so the missing helper2.dll is a warning that says so.
        ("deps-path-unknown", &["MB207"]),
        ("deps-in-system32", &[]),
        ("deps-in-inetsrv", &[]),
        ("deps-beside-dll", &["MB209"]),
        // 32-bit workers see SysWOW64 as their system folder: the helpers in System32 are not found.
        ("deps-32bit-system32-only", &["MB207"]),
        ("deps-wrong-machine", &["MB207"]),
        ("deps-missing-function", &["MB208"]),
        ("deps-ordinal", &["MB208"]),
        ("deps-delay-missing", &["MB210"]),
        ("deps-vc80-missing", &["MB207"]),
        ("deps-vc80-winsxs", &[]),
        ("deps-ucrt-missing", &["MB207"]),
        ("deps-ucrt-present", &[]),
        // A copy of kernel32.dll beside the DLL: the known DLL from system32 is what loads.
        ("deps-knowndll-shadowed", &[]),
        // The system folders lack kernel32.dll and ntdll.dll: one MB211, no MB207.
        ("deps-partial", &["MB211"]),
        // PHP through FastCGI (issue 21), 32-bit workers: SysWOW64's fcgiext.dll reads SysWOW64's
        // fcgiext.ini (UTF-16), which maps php to [PHP], whose php-cgi.exe is there.
        ("php-fastcgi", &[]),
        // SysWOW64's fcgiext.ini names a php-cgi.exe that is gone (only system32's was edited).
        ("php-fastcgi-missing-exe", &["MB403"]),
        // .phtml has no [Types] mapping; /legacy's own mapping names a section the file lacks.
        ("php-fastcgi-unmapped", &["MB403"]),
        // fcgiext.ini is a folder: an input not checked (exit 2), no finding.
        ("php-fastcgi-ini-folder", &[]),
        // PHP 5's php5isapi.dll is 32-bit only: it cannot load in 64-bit workers.
        ("php5isapi-64bit-workers", &["MB101", "MB102"]),
        ("php5isapi-32bit-mode", &[]),
    ];
    let on_disk: BTreeSet<String> = std::fs::read_dir("testdata/servers")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = expected.iter().map(|(s, _)| s.to_string()).collect();
    assert_eq!(on_disk, listed, "every scenario folder is listed here");
    for (scenario, want) in expected {
        // Its escape is a symbolic link in the repository, which Wine follows as unix does for
        // it: nothing to stage on Windows (tests/rules.rs skips it there too).
        if cfg!(windows) && *scenario == "link-outside" {
            continue;
        }
        let report = check(scenario);
        let want: BTreeSet<&str> = want.iter().copied().collect();
        assert_eq!(codes(&report), want, "{scenario}");
        let text = text::render(
            std::slice::from_ref(&report),
            text::TextOptions {
                color: false,
                width: 100,
                quiet: false,
                ascii: false,
            },
        );
        insta::assert_snapshot!(format!("server_text_{scenario}"), text);
        insta::assert_snapshot!(format!("server_json_{scenario}"), json::render(&[report]));
    }
}

#[test]
fn bitness_findings_rest_on_the_image() {
    let report = check("fpse2002-64bit");
    let mb102 = report.diagnostics.iter().find(|d| d.code == "MB102").unwrap();
    assert!(mb102.label.contains("image: PE32 i386 DLL"), "{}", mb102.label);
    assert!(matches!(&mb102.evidence[0], Evidence::Image { bitness: Some(b), .. } if b.bits() == 32));
    // 32-bit mode: system32 paths are opened from SysWOW64, so asp.dll is no finding, while the
    // Framework64 maps are.
    let report = check("framework64-32bit-mode");
    for d in report.diagnostics.iter().filter(|d| d.code == "MB102") {
        match &d.evidence[0] {
            Evidence::Image { configured, image, .. } => {
                assert!(configured.contains("Framework64"), "{configured}");
                assert_eq!(image, "PE32+ AMD64 DLL");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn no_working_mode_names_both_sides() {
    let report = check("aspnet11-no-working-mode");
    let d = report.diagnostics.iter().find(|d| d.code == "MB104").unwrap();
    assert!(
        d.message.contains("Framework\\v1.1.4322\\aspnet_isapi.dll"),
        "{}",
        d.message
    );
    assert!(d.message.contains("acmeauth.dll"), "{}", d.message);
    // The same ASP.NET 2.0 server has a 32-bit counterpart for everything: it works in 32-bit mode.
    assert!(!codes(&check("fpse2002-64bit")).contains("MB104"));
}

#[test]
fn inspect_agrees_with_objdump() {
    let listing = std::fs::read_to_string("testdata/images/objdump-f.txt").unwrap();
    let mut checked = 0;
    for line in listing.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let (file, format) = (fields[0], fields[1]);
        let bytes = std::fs::read(format!("testdata/images/{file}")).unwrap();
        let ours = pe::classify(&bytes);
        match (format, &ours) {
            ("pei-i386", Ok(info)) => {
                assert_eq!((info.machine, info.format), (Machine::I386, PeFormat::Pe32), "{file}")
            }
            ("pei-x86-64", Ok(info)) => assert_eq!(
                (info.machine, info.format),
                (Machine::Amd64, PeFormat::Pe32Plus),
                "{file}"
            ),
            // binutils is more lenient than the Windows loader: these images it reads, the loader refuses.
            ("pei-i386" | "pei-x86-64", Err(_)) => assert!(file.starts_with("corrupt/"), "{file}: {ours:?}"),
            ("unrecognized", Ok(info)) => assert!(
                !matches!(info.machine, Machine::I386 | Machine::Amd64),
                "{file}: objdump does not recognise it, mblint says {}",
                info.describe()
            ),
            ("unrecognized", Err(_)) => {}
            (other, _) => panic!("{file}: unexpected objdump format {other}"),
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} images listed");
}

#[cfg(unix)]
#[test]
fn nothing_outside_the_root_is_read() {
    // The committed scenario's link leaves the drive copy with `..`.
    let report = check("link-outside");
    let d = &report.diagnostics[0];
    assert!(
        d.message.contains("climbs above the mapped drive root"),
        "{}",
        d.message
    );
    // The refused DLL is an input not checked: the run cannot pass.
    assert_eq!(report.unread.len(), 1, "{:?}", report.unread);
    assert!(
        report.unread[0].path.ends_with("Windows/System32/InetSrv/escapee.dll"),
        "{:?}",
        report.unread[0]
    );
    assert!(
        report.unread[0].error.contains("MetaBase.xml:96"),
        "{:?}",
        report.unread[0]
    );
    // An absolute link to a real DLL outside the root: refused, not classified.
    let dir = tempfile::tempdir().unwrap();
    let drive = dir.path().join("drive");
    let inetsrv = drive.join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    let outside = dir.path().join("outside.dll");
    std::fs::copy("testdata/images/x86/isapi-filter.dll", &outside).unwrap();
    std::os::unix::fs::symlink(&outside, inetsrv.join("escapee.dll")).unwrap();
    std::fs::copy(
        "testdata/servers/link-outside/Windows/System32/InetSrv/MetaBase.xml",
        inetsrv.join("MetaBase.xml"),
    )
    .unwrap();
    let report = lint_path(&drive, &Options::default()).unwrap();
    let d = report.diagnostics.iter().find(|d| d.code == "MB205").unwrap();
    assert!(d.message.contains("outside the mapped drive root"), "{}", d.message);
    assert!(
        !report.diagnostics.iter().any(|d| d.code == "MB102"),
        "the outside image was not classified"
    );
}

/// A connector's filter of the wrong bitness is one MB102 (on the filter), not one for the filter and
/// one for the same DLL called by URL.
#[test]
fn a_wrong_bitness_connector_filter_is_reported_once() {
    let report = check("tomcat-jakarta-64bit");
    let mb102: Vec<_> = report.diagnostics.iter().filter(|d| d.code == "MB102").collect();
    assert_eq!(mb102.len(), 1, "{mb102:#?}");
    assert!(
        mb102[0].message.starts_with("global ISAPI filter `jakarta`"),
        "{}",
        mb102[0].message
    );
    assert_eq!(mb102[0].occurrences.len(), 0, "{:#?}", mb102[0].occurrences);
}

#[test]
fn an_fcgiext_ini_that_cannot_be_read_is_an_input_not_checked() {
    for scenario in [
        "php-fastcgi",
        "php-fastcgi-missing-exe",
        "php-fastcgi-unmapped",
        "php5isapi-64bit-workers",
        "php5isapi-32bit-mode",
    ] {
        assert!(check(scenario).unread.is_empty(), "{scenario}");
    }
    let report = check("php-fastcgi-ini-folder");
    assert_eq!(report.unread.len(), 1, "{:?}", report.unread);
    let failure = &report.unread[0];
    assert!(
        failure.path.ends_with("Windows/System32/InetSrv/fcgiext.ini"),
        "{}",
        failure.path
    );
    assert!(failure.error.contains("is a folder, not a file"), "{}", failure.error);
    // Where the metabase maps the fcgiext.dll that reads it.
    assert!(
        failure.error.contains("ScriptMaps of /LM/W3SVC at "),
        "{}",
        failure.error
    );
    assert!(failure.error.contains("MetaBase.xml:42"), "{}", failure.error);
}

/// MB403's findings on a copy of `php-fastcgi` (32-bit workers: SysWOW64's fcgiext.dll) after
/// `change` edits the fcgiext.ini those workers read (or removes it): (severity, message) each.
fn fastcgi_after(change: impl FnOnce(&Path)) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("c");
    copy_tree(Path::new("testdata/servers/php-fastcgi"), &root);
    change(&root.join("Windows/SysWOW64/InetSrv/fcgiext.ini"));
    let report = lint_path(&root, &Options::default()).unwrap();
    assert!(report.unread.is_empty(), "{:?}", report.unread);
    report
        .diagnostics
        .iter()
        .map(|d| {
            assert_eq!(d.code, "MB403", "{}", d.message);
            (d.severity.as_str().to_string(), d.message.clone())
        })
        .collect()
}

#[test]
fn fastcgi_reads_the_ini_beside_the_dll_the_worker_loads() {
    // System32's fcgiext.ini is right; the 32-bit workers' fcgiext.dll reads SysWOW64's, removed.
    let found = fastcgi_after(|ini| std::fs::remove_file(ini).unwrap());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "error");
    assert!(
        found[0]
            .1
            .contains(r"opened as `C:\WINDOWS\SysWOW64\inetsrv\fcgiext.dll` by a 32-bit worker"),
        "{}",
        found[0].1
    );
    assert!(
        found[0]
            .1
            .contains(r"reads its applications from `C:\WINDOWS\SysWOW64\inetsrv\fcgiext.ini`")
    );
    assert!(
        found[0].1.contains(r"SysWOW64\InetSrv\fcgiext.ini` is missing)"),
        "{}",
        found[0].1
    );
}

#[test]
fn fastcgi_names_what_the_ini_lacks() {
    let write = |text: &'static str| move |ini: &Path| std::fs::write(ini, text).unwrap();
    // Names and keys in any case, ANSI: clean.
    assert_eq!(
        fastcgi_after(write("[TYPES]\r\nPHP=php\r\n[php]\r\nexepath=c:\\php\\PHP-CGI.EXE\r\n")),
        []
    );
    // A `*` mapping serves .php too.
    assert_eq!(
        fastcgi_after(write("[Types]\n*=Any\n[Any]\nExePath=C:\\PHP\\php-cgi.exe\n")),
        []
    );
    // No [Types] section at all.
    let found = fastcgi_after(write("[PHP]\nExePath=C:\\PHP\\php-cgi.exe\n"));
    assert!(found[0].1.contains("has no [Types] section"), "{found:?}");
    // A mapping for another site only; and a dotted one, named.
    let found = fastcgi_after(write(
        "[Types]\nphp:2=PHP\n.php=PHP\n[PHP]\nExePath=C:\\PHP\\php-cgi.exe\n",
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .contains("no entry in [Types] for `php` or `*` that applies at /LM/W3SVC"),
        "{found:?}"
    );
    assert!(found[0].1.contains("line 3 maps `.php` with its dot"), "{found:?}");
    // A section without ExePath.
    let found = fastcgi_after(write("[Types]\nphp=PHP\n[PHP]\nArguments=-c x\n"));
    assert!(
        found[0].1.contains("its section [PHP] (line 3) has no ExePath"),
        "{found:?}"
    );
    // An ExePath the copy cannot look for: info, not error.
    let found = fastcgi_after(write(
        "[Types]\nphp=PHP\n[PHP]\nExePath=%SystemDrive%\\PHP\\php-cgi.exe\n",
    ));
    assert_eq!(found[0].0, "info", "{found:?}");
    assert!(
        found[0].1.contains("whether fcgiext.dll expands environment variables"),
        "{found:?}"
    );
    let found = fastcgi_after(write("[Types]\nphp=PHP\n[PHP]\nExePath=E:\\PHP\\php-cgi.exe\n"));
    assert_eq!(found[0].0, "info", "{found:?}");
    let found = fastcgi_after(|ini: &Path| {
        std::fs::write(ini, b"[Types]\nphp=PHP\n[PHP]\nExePath=C:\\PH\xd6\\php-cgi.exe\n").unwrap()
    });
    assert_eq!(found[0].0, "info", "{found:?}");
    assert!(found[0].1.contains("ANSI code page"), "{found:?}");
    // An ExePath that is a folder: error.
    let found = fastcgi_after(write("[Types]\nphp=PHP\n[PHP]\nExePath=C:\\PHP\n"));
    assert_eq!(found[0].0, "error", "{found:?}");
    assert!(found[0].1.contains("is not a program"), "{found:?}");
}

#[test]
fn the_server_model_says_what_was_read_of_fcgiext_ini() {
    use mblint::host::FastCgiConfig;
    let model = |path: &str| lint_path(Path::new(path), &Options::default()).unwrap().server.unwrap();
    // No fcgiext.dll mapped: nothing said.
    assert!(model("testdata/servers/clean-64bit").fastcgi.is_none());
    let read = model("testdata/servers/php-fastcgi").fastcgi.unwrap();
    assert_eq!(read.value, FastCgiConfig::Read);
    assert_eq!(read.evidence[0].says, r"C:\WINDOWS\SysWOW64\inetsrv\fcgiext.ini");
    // The metabase alone: the check needs the drive, and the model says it was not made.
    let alone = model("testdata/servers/php-fastcgi/Windows/System32/InetSrv/MetaBase.xml")
        .fastcgi
        .unwrap();
    assert_eq!(alone.value, FastCgiConfig::NotChecked);
    assert!(
        alone.evidence[0].detail.contains("no drive copy"),
        "{:?}",
        alone.evidence
    );
    let unread = model("testdata/servers/php-fastcgi-ini-folder").fastcgi.unwrap();
    assert_eq!(unread.value, FastCgiConfig::NotChecked);
}
