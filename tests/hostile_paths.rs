//! Configured DLL paths read as Windows reads them, on a copy of the drive: IIS 6's `\\?\` beside
//! Win32's trailing dot and space stripping, NTFS's upper-case table (not Unicode case folding), 8.3
//! short names a copy does not carry, and paths longer than MAX_PATH or than Windows opens. Each case builds a small drive copy with a
//! MetaBase.xml whose one filter names the path, and lints it on a known x64 platform.

use std::path::Path;

use mblint::lint::{FileReport, Options, lint_bytes, lint_path};
use mblint::platform::Platform;

const FILTER: &str = "testdata/images/x64/isapi-filter.dll";

fn metabase(filter_path: &str) -> String {
    assert!(!filter_path.contains(['"', '&', '<']), "not escaped here");
    format!(
        "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"Hostile\"\r\n\t>\r\n</IIsFilters>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/Hostile\"\r\n\t\tFilterPath=\"{filter_path}\"\r\n\t>\r\n</IIsFilter>\r\n</MBProperty>\r\n</configuration>\r\n"
    )
}

/// A copy of a system drive: the metabase at WINDOWS/system32/inetsrv, and a 64-bit ISAPI
/// filter at each of `files` (relative, `/`-separated).
fn drive(files: &[&str], filter_path: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let inetsrv = dir.path().join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    std::fs::write(inetsrv.join("MetaBase.xml"), metabase(filter_path)).unwrap();
    let image = std::fs::read(FILTER).unwrap();
    for file in files {
        let full = dir.path().join(file);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, &image).unwrap();
    }
    dir
}

fn lint(root: &Path) -> FileReport {
    let options = Options {
        platform: Some(Platform::X64),
        ..Default::default()
    };
    lint_path(root, &options).unwrap()
}

/// The image findings (MB2xx) of a drive whose filter is at `files` and configured as `path`.
fn findings(files: &[&str], path: &str) -> Vec<(&'static str, String)> {
    let dir = drive(files, path);
    lint(dir.path())
        .diagnostics
        .into_iter()
        .filter(|d| d.code.starts_with("MB2"))
        .map(|d| (d.code, d.message))
        .collect()
}

fn found(files: &[&str], path: &str) {
    let f = findings(files, path);
    assert!(f.is_empty(), "{path}: {f:?}");
}

fn one(files: &[&str], path: &str, code: &str, says: &str) {
    let f = findings(files, path);
    assert_eq!(f.len(), 1, "{path}: {f:?}");
    assert_eq!(f[0].0, code, "{path}: {f:?}");
    assert!(f[0].1.contains(says), "{path}: {}", f[0].1);
}

#[test]
fn the_drive_copy_lints_clean() {
    found(&["Filters/f.dll"], r"C:\Filters\f.dll");
    one(
        &["Filters/f.dll"],
        r"C:\Filters\g.dll",
        "MB201",
        r"C:\Filters\g.dll is missing",
    );
}

/// The codes of the image and path findings (MB2xx), sorted.
fn codes(files: &[&str], path: &str) -> Vec<&'static str> {
    let mut codes: Vec<&str> = findings(files, path).into_iter().map(|(c, _)| c).collect();
    codes.sort();
    codes
}

#[test]
fn spellings_win32_reads_otherwise_are_in_doubt_not_clean() {
    let files = &["Filters/f.dll"];
    // IIS 6 opens `\\?\` and the text as written; Win32 (what a canonicalising IIS would open)
    // finds the image. The image is judged (no MB201), and MB206 names the doubt: never clean.
    for path in [
        r"C:\Filters\f.dll.",
        r"C:\Filters\f.dll...",
        r"C:\Filters\f.dll. . ",
        r"C:\Filters.\f.dll",
        r"C:\Filters.\f.dll.",
        r"C:\WINDOWS.\..\Filters.\f.dll",
        r"\\.\C:\Filters.\f.dll.",
        "C:/Filters/f.dll",
        r"C:\Filters\\f.dll",
        r"C:\Filters\.\f.dll",
        r"C:\Filters\f.dll\",
        r" C:\Filters\f.dll",
        r"\\?\C:\Filters\f.dll",
    ] {
        one(files, path, "MB206", "IIS 6 opens it as");
    }
    // What Win32 keeps: a folder's trailing space (both readings look for `Filters `).
    one(files, r"C:\Filters \f.dll", "MB201", r"C:\Filters  is missing");
    // A folder's second dot: Win32 looks for `Filters.`, IIS 6 for `Filters..`; neither is there.
    assert_eq!(codes(files, r"C:\Filters..\f.dll"), ["MB201", "MB206"]);
    // After exactly `\\?\` Win32 strips nothing either: missing both ways, and the prefix in doubt.
    assert_eq!(codes(files, r"\\?\C:\Filters\f.dll."), ["MB201", "MB206"]);
}

// The drive copy needs a file whose name ends in a dot, which Win32 strips on creation: only a unix
// file system holds one.
#[cfg(unix)]
#[test]
fn a_file_spelled_as_written_is_what_iis_6_loads() {
    // The drive holds `f.dll.` (a 32-bit build, made through `\\?\`) beside `f.dll` (64-bit): IIS 6
    // opens the one spelled as written, which a 64-bit worker cannot load.
    let dir = drive(&["Filters/f.dll"], r"C:\Filters\f.dll.");
    std::fs::write(
        dir.path().join("Filters/f.dll."),
        std::fs::read("testdata/images/x86/isapi-filter.dll").unwrap(),
    )
    .unwrap();
    let report = lint(dir.path());
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["MB102", "MB206"], "{:#?}", report.diagnostics);
    let mb206 = &report.diagnostics[1];
    assert!(
        mb206
            .message
            .contains("the drive holds a file spelled that way, and IIS 6 loads it"),
        "{}",
        mb206.message
    );
    // Writing `f.dll` would load another file: shown, never applied.
    let fix = mb206.fix.as_ref().unwrap();
    assert_eq!(fix.applicability, mblint::diagnostic::Applicability::DisplayOnly);
    // Without it, the canonical spelling names the only file: a safe fix.
    let dir = drive(&["Filters/f.dll"], r"C:\Filters\f.dll.");
    let report = lint(dir.path());
    let fix = report.diagnostics[0].fix.as_ref().unwrap();
    assert_eq!(fix.applicability, mblint::diagnostic::Applicability::Safe);
    assert_eq!(fix.edits[0].content, r"C:\Filters\f.dll");
}

#[test]
fn names_match_as_ntfs_upper_cases_them() {
    // Upper-cased code unit by code unit: Greek final and medial sigma are one capital (Unicode
    // lower-casing tells `ΟΔΟΣ` from `οδοσ`); Latin-1 and Cyrillic letters have their capitals.
    found(&["Filters/ΟΔΟΣ/f.dll"], r"C:\Filters\οδοσ\f.dll");
    found(&["Filters/οδος/f.dll"], r"C:\FILTERS\ΟΔΟΣ\F.DLL");
    found(&["Filters/Ärger/Фильтр.dll"], r"C:\filters\äRGER\фИЛЬТР.DLL");
    // Not Unicode case folding: the Kelvin and Ohm signs are not K and Ω, capital sharp s is not
    // ß, ß is not SS, dotless ı is not I and long ſ is not S.
    for (file, path) in [
        ("Filters/kb.dll", "C:\\Filters\\\u{212A}B.dll"),
        ("Filters/\u{212A}b.dll", r"C:\Filters\kb.dll"),
        ("Filters/ω.dll", "C:\\Filters\\\u{2126}.dll"),
        ("Filters/\u{1E9E}.dll", r"C:\Filters\ß.dll"),
        ("Filters/ß.dll", "C:\\Filters\\\u{1E9E}.dll"),
        ("Filters/strasse.dll", r"C:\Filters\straße.dll"),
        ("Filters/isapi.dll", r"C:\Filters\ısapi.dll"),
        ("Filters/ISAPI.dll", r"C:\Filters\ısapi.dll"),
        ("Filters/sf.dll", r"C:\Filters\ſf.dll"),
        ("Filters/Sf.dll", r"C:\Filters\ſf.dll"),
    ] {
        one(&[file], path, "MB201", "is missing");
    }
    found(&["Filters/ısapi.dll"], r"C:\Filters\ısapi.dll");
    found(&["Filters/ſf.dll"], r"C:\Filters\ſF.DLL");
}

#[test]
fn short_names_a_copy_does_not_carry_are_unknown_not_missing() {
    let files = &["Program Files (x86)/Acme/f.dll", "WINDOWS/system32/inetsrv/f.dll"];
    for (path, short) in [
        (r"C:\PROGRA~2\Acme\f.dll", r"C:\PROGRA~2,"),
        (
            r"C:\Program Files (x86)\ACME~1\f.dll",
            r"C:\Program Files (x86)\ACME~1,",
        ),
        (r"C:\WINDOWS\SYSTEM~1\inetsrv\f.dll", r"C:\WINDOWS\SYSTEM~1,"),
        (
            r"C:\Program Files (x86)\Acme\FILTER~1.DLL",
            r"C:\Program Files (x86)\Acme\FILTER~1.DLL,",
        ),
    ] {
        one(
            files,
            path,
            "MB205",
            &format!("goes through {short} a short 8.3 name mblint cannot map"),
        );
    }
    // A missing long name is still missing; a short-shaped name the copy has is found.
    one(files, r"C:\Program Files (x86)\Acme\g.dll", "MB201", "is missing");
    found(&["PROGRA~1/f.dll"], r"C:\progra~1\f.dll");
}

#[test]
fn paths_longer_than_max_path_are_opened_and_in_doubt() {
    // IIS 6 opens every path with `\\?\`, which lifts MAX_PATH: the image is found and judged, and
    // MB206 names what no source settles (whether the Server 2003 loader takes so long a path).
    let deep = format!("{}/{}/{}", "d".repeat(100), "e".repeat(100), "f".repeat(100));
    let files = [format!("{deep}/f.dll")];
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let windows = deep.replace('/', "\\");
    one(&files, &format!(r"C:\{windows}\f.dll"), "MB206", "longer than MAX_PATH");
    one(&files, &format!(r"C:\{windows}\g.dll"), "MB201", "is missing");
    assert_eq!(codes(&files, &format!(r"C:\{windows}\g.dll")), ["MB201"]);
    // At 259 characters it is plain, at 260 in doubt.
    let at = |len: usize| format!("{}/{}.dll", "n".repeat(150), "m".repeat(len - 3 - 151 - 4));
    let name = at(259);
    found(&[&name], &format!(r"C:\{}", name.replace('/', "\\")));
    let name = at(260);
    one(
        &[&name],
        &format!(r"C:\{}", name.replace('/', "\\")),
        "MB206",
        "is 260 UTF-16 code units",
    );
}

#[test]
fn a_multi_megabyte_path_is_refused_by_its_length() {
    // Four MB of components that, walked, would be missing at the first one (MB201), and a
    // `..` path that would climb above the root: both refused up front for their length, the
    // same finding whatever the text holds, and one a copy of the drive cannot change.
    let components = format!(r"C:\{}f.dll", "a\\".repeat(2 * 1024 * 1024));
    let climbs = format!(r"\\?\C:\{}f.dll", "..\\".repeat(1024 * 1024));
    for path in [&components, &climbs] {
        one(&["Filters/f.dll"], path, "MB205", "a Windows path can hold");
    }
    // With no drive to look on, the text alone says so.
    let report = lint_bytes("long.xml", metabase(&components).into_bytes());
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"MB205"), "{codes:?}");
}

/// A metabase whose one script map names `processor`, with these restriction-list lines.
fn with_lockdown(processor: &str, wserl: &[&str]) -> String {
    let lines = wserl.join("\r\n\t\t\t");
    format!(
        "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n\t\tScriptMaps=\".odd,{processor},1,GET\"\r\n\t\tWebSvcExtRestrictionList=\"{lines}\"\r\n\t>\r\n</IIsWebService>\r\n</MBProperty>\r\n</configuration>\r\n"
    )
}

fn mb206_fix(text: String) -> mblint::diagnostic::Fix {
    let report = lint_bytes("lockdown.xml", text.into_bytes());
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "MB206")
        .unwrap_or_else(|| panic!("{:#?}", report.diagnostics));
    d.fix.clone().unwrap()
}

#[test]
fn a_respelling_never_lets_run_what_the_list_prohibits_by_name() {
    use mblint::diagnostic::Applicability::*;
    let asp = r"C:\WINDOWS\system32\inetsrv\asp.dll";
    let allowed = format!("1,{asp},0,ASP,Active Server Pages");
    // `/` names no file as written: writing the canonical path is safe, and the list allows it by name.
    let fix = mb206_fix(with_lockdown(
        "C:/WINDOWS/system32/inetsrv/asp.dll",
        &["0,*.dll", &allowed],
    ));
    assert_eq!(fix.applicability, Safe, "{}", fix.message);
    // But if the list prohibits the spelling as written by an entry of its own, an IIS that compares
    // paths as written denies it today: respelling it to the allowed path is the administrator's call.
    let prohibited = "0,C:/WINDOWS/system32/inetsrv/asp.dll,0,ODD,Odd";
    let fix = mb206_fix(with_lockdown(
        "C:/WINDOWS/system32/inetsrv/asp.dll",
        &["1,*.dll", prohibited, &allowed],
    ));
    assert_eq!(fix.applicability, DisplayOnly, "{}", fix.message);
    assert!(
        fix.message.contains("could let requests run that are denied today"),
        "{}",
        fix.message
    );
    // With no drive, a trailing dot might name a file spelled so: unsafe, not safe.
    let fix = mb206_fix(with_lockdown(&format!("{asp}."), &["0,*.dll", &allowed]));
    assert_eq!(fix.applicability, Unsafe, "{}", fix.message);
    assert_eq!(fix.edits[0].content, asp);
}

#[cfg(unix)]
#[test]
fn a_name_as_written_that_cannot_be_examined_is_an_input_not_checked() {
    // `f.dll` is a healthy filter, but the drive holds a FIFO spelled `f.dll.`: what IIS 6 opens as
    // written cannot be examined, so the run cannot pass on the Win32 reading's image.
    let dir = drive(&["Filters/f.dll"], r"C:\Filters\f.dll.");
    let fifo = std::ffi::CString::new(dir.path().join("Filters/f.dll.").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let report = lint(dir.path());
    assert_eq!(report.unread.len(), 1, "{:#?}", report.diagnostics);
    assert!(
        report.unread[0].path.ends_with("Filters/f.dll."),
        "{:?}",
        report.unread[0]
    );
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["MB205", "MB206"]);
}
