//! Configured DLL paths read as Windows reads them, on a copy of the drive: Win32's trailing dot
//! and space stripping, NTFS's upper-case table (not Unicode case folding), 8.3 short names a copy
//! does not carry, and paths longer than Windows opens. Each case builds a small drive copy with a
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

#[test]
fn trailing_dots_and_spaces_are_stripped_as_win32_does() {
    let files = &["Filters/f.dll"];
    for path in [
        r"C:\Filters\f.dll.",
        r"C:\Filters\f.dll...",
        r"C:\Filters\f.dll. . ",
        r"C:\Filters.\f.dll",
        r"C:\Filters.\f.dll.",
        r"C:\WINDOWS.\..\Filters.\f.dll",
        r"\\.\C:\Filters.\f.dll.",
    ] {
        found(files, path);
    }
    // What Win32 keeps: a folder's trailing space, a folder's second dot, and anything at all
    // after `\\?\`.
    one(files, r"C:\Filters \f.dll", "MB201", r"C:\Filters  is missing");
    one(files, r"C:\Filters..\f.dll", "MB201", r"C:\Filters. is missing");
    one(
        files,
        r"\\?\C:\Filters\f.dll.",
        "MB201",
        r"C:\Filters\f.dll. is missing",
    );
    one(files, r"\\?\C:\Filters.\f.dll", "MB201", r"C:\Filters. is missing");
    found(files, r"\\?\C:\Filters\f.dll");
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
fn paths_longer_than_max_path_need_the_literal_prefix() {
    let deep = format!("{}/{}/{}", "d".repeat(100), "e".repeat(100), "f".repeat(100));
    let files = [format!("{deep}/f.dll")];
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let windows = deep.replace('/', "\\");
    one(
        &files,
        &format!(r"C:\{windows}\f.dll"),
        "MB205",
        "is longer than 259 characters (MAX_PATH",
    );
    found(&files, &format!(r"\\?\C:\{windows}\f.dll"));
    // At 259 characters it is opened, at 260 not.
    let at = |len: usize| format!("{}/{}.dll", "n".repeat(150), "m".repeat(len - 3 - 151 - 4));
    let name = at(259);
    found(&[&name], &format!(r"C:\{}", name.replace('/', "\\")));
    let name = at(260);
    one(
        &[&name],
        &format!(r"C:\{}", name.replace('/', "\\")),
        "MB205",
        "MAX_PATH",
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
        one(&["Filters/f.dll"], path, "MB205", "longer than 32767 UTF-16 code units");
    }
    // With no drive to look on, the text alone says so.
    let report = lint_bytes("long.xml", metabase(&components).into_bytes());
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"MB205"), "{codes:?}");
}
