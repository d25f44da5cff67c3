//! `mblint history`: the History fixture (testdata/history/, written by testdata/make_history.py) with
//! snapshots of text and JSON, which version introduced each finding, the skipped truncated file,
//! the History-folder form, links, hostile names, and the exit-code contract.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mblint::history::{self, History};
use mblint::lint::Options;
use predicates::prelude::*;

/// Relative to the package root (the working folder of tests), so snapshots hold no machine path.
const FPSE: &str = "testdata/history/fpse-64bit";
const INETSRV: &str = "testdata/history/fpse-64bit/Windows/System32/InetSrv";

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn run(path: &Path, metabase: Option<&Path>) -> history::HistoryRun {
    let layout = history::layout(path, metabase).unwrap();
    let options = Options {
        drive_copy: layout.drive.clone(),
        ..Options::default()
    };
    history::run(&layout, &options).unwrap()
}

fn version_named(h: &History, short: &str) -> usize {
    let (major, minor) = short.split_once('.').unwrap();
    h.versions
        .iter()
        .position(|v| !v.current && v.major == major.parse().ok() && v.minor == minor.parse().ok())
        .unwrap_or_else(|| panic!("no version {short}"))
}

#[test]
fn the_frontpage_filter_is_traced_to_the_save_that_added_it() {
    let result = run(Path::new(FPSE), None);
    let h = &result.history;
    assert_eq!(h.versions.len(), 8, "seven history files and the current file");
    assert!(h.versions[h.current].current);
    let codes: Vec<&str> = result.current.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["MB101", "MB102"]);
    let v62 = version_named(h, "62.0");
    for f in &h.findings {
        assert_eq!(f.introduced_in, Some(v62), "{}", f.code);
    }
    // The change: the filter key added and FilterLoadOrder extended, nothing else.
    let diff = h.versions[v62].changes.as_ref().unwrap();
    assert_eq!((diff.added, diff.changed, diff.removed), (1, 1, 0));
    assert_eq!(diff.keys[0].location, "/LM/W3SVC/Filters");
    assert_eq!(diff.keys[1].location, "/LM/W3SVC/Filters/fpexedll.dll");
    assert_eq!(
        h.versions[version_named(h, "61.0")].previous,
        Some(version_named(h, "60.0"))
    );
    // The .bad map came in 63.0 and went in 63.1.
    let (v63, v631) = (version_named(h, "63.0"), version_named(h, "63.1"));
    let gone: Vec<(&str, Option<usize>, usize)> = h
        .gone
        .iter()
        .map(|e| (e.finding.code.as_str(), e.appeared_in, e.gone_in))
        .collect();
    assert_eq!(gone, [("MB201", Some(v63), v631), ("MB401", Some(v63), v631)]);
    assert_eq!(h.versions[v631].removed.len(), 2);
    // The truncated file is skipped, and the next version is compared with the one before it.
    let v64 = version_named(h, "64.0");
    let error = h.versions[v64].error.as_deref().unwrap();
    assert!(error.starts_with("truncated or malformed at line"), "{error}");
    assert_eq!(h.versions[version_named(h, "65.0")].previous, Some(v631));
    // The current file is 65.0 but for the bookkeeping numbers: not linted twice.
    assert!(h.versions[h.current].unchanged);
}

#[test]
fn text_and_json_snapshots() {
    let result = run(Path::new(FPSE), None);
    insta::assert_snapshot!(
        "history_fpse_64bit_text",
        mblint::report::history::text(&result.history, &result.current)
    );
    let mut json = Vec::new();
    mblint::report::history::json(&result.history, &result.current, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    insta::assert_snapshot!("history_fpse_64bit_json", json);
}

#[test]
fn a_history_folder_alone_finds_the_metabase_beside_it() {
    let result = run(&Path::new(INETSRV).join("History"), None);
    assert!(!result.history.current_from_history);
    assert_eq!(result.current.source.name, format!("{INETSRV}/MetaBase.xml"));
    // Without the drive, paths decide: the 32-bit filter is still found, by its folder.
    assert!(result.current.diagnostics.iter().any(|d| d.code == "MB102"));
    let v62 = version_named(&result.history, "62.0");
    assert!(
        result
            .history
            .findings
            .iter()
            .any(|f| f.code == "MB102" && f.introduced_in == Some(v62))
    );
}

fn copy_history(to: &Path) -> PathBuf {
    let folder = to.join("History");
    std::fs::create_dir_all(&folder).unwrap();
    for entry in std::fs::read_dir(Path::new(INETSRV).join("History")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
    }
    folder
}

#[test]
fn without_a_current_file_the_newest_readable_version_stands_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_history(dir.path());
    // The newest file is cut short too: the one before it is current.
    let newest = folder.join("MetaBase_0000000065_0000000000.xml");
    let text = std::fs::read(&newest).unwrap();
    std::fs::write(folder.join("MetaBase_0000000066_0000000000.xml"), &text[..100]).unwrap();
    let result = run(&folder, None);
    let h = &result.history;
    assert!(h.current_from_history);
    assert_eq!(h.versions[h.current].name, "MetaBase_0000000065_0000000000.xml");
    assert_eq!(h.versions[h.current].major, Some(65));
    assert_eq!(h.skipped().count(), 2);
    assert!(
        result
            .current
            .source
            .name
            .ends_with("MetaBase_0000000065_0000000000.xml")
    );
}

#[test]
fn findings_are_known_by_identity_not_by_line() {
    // 63.0 adds script-map lines above the filters: the FrontPage filter moves down, and is not new.
    let line = |name: &str| {
        let text = std::fs::read_to_string(format!("{INETSRV}/History/{name}")).unwrap();
        text.lines()
            .position(|l| l.contains("fpexedll.dll\"") && l.contains("FilterPath"))
            .unwrap()
    };
    assert_ne!(
        line("MetaBase_0000000062_0000000000.xml"),
        line("MetaBase_0000000063_0000000000.xml")
    );
    let result = run(Path::new(FPSE), None);
    let h = &result.history;
    let introduced: Vec<&str> = h.versions[version_named(h, "63.0")]
        .introduced
        .iter()
        .map(|f| f.code.as_str())
        .collect();
    assert_eq!(introduced, ["MB201", "MB401"]);
    // 65.0 changed a key (ServerComment) and no finding.
    let v65 = version_named(h, "65.0");
    assert!(h.versions[v65].introduced.is_empty() && h.versions[v65].removed.is_empty());
    assert_eq!(h.versions[v65].changes.as_ref().unwrap().changed, 1);
}

#[cfg(unix)]
#[test]
fn links_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_history(dir.path());
    // A history file that is a link to a file outside: skipped, not read.
    let outside = dir.path().join("outside.xml");
    std::fs::copy(folder.join("MetaBase_0000000065_0000000000.xml"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, folder.join("MetaBase_0000000070_0000000000.xml")).unwrap();
    let result = run(&folder, Some(&outside));
    let skipped: Vec<&str> = result.history.skipped().map(|v| v.error.as_deref().unwrap()).collect();
    assert!(skipped.contains(&"a symbolic link: not followed"), "{skipped:?}");
    // A drive copy whose History folder is a link: refused.
    let drive = dir.path().join("drive");
    let inetsrv = drive.join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    std::fs::copy(&outside, inetsrv.join("MetaBase.xml")).unwrap();
    std::os::unix::fs::symlink(&folder, inetsrv.join("History")).unwrap();
    let err = history::layout(&drive, None).unwrap_err().to_string();
    assert!(err.contains("symbolic link"), "{err}");
}

#[test]
fn hostile_characters_in_a_changed_key_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("History");
    std::fs::create_dir_all(&folder).unwrap();
    let doc = |extra: &str| {
        format!(
            "<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t>\r\n</IIsWebService>\r\n{extra}</MBProperty>\r\n</configuration>\r\n"
        )
    };
    std::fs::write(folder.join("MetaBase_1_0.xml"), doc("")).unwrap();
    std::fs::write(
        folder.join("MetaBase_2_0.xml"),
        doc("<IIsWebServer\tLocation =\"/LM/W3SVC/9\"\r\n\t\tServerComment=\"evil\u{202e}lld.exe\"\r\n\t>\r\n</IIsWebServer>\r\n"),
    )
    .unwrap();
    let result = run(&folder, None);
    let text = mblint::report::history::text(&result.history, &result.current);
    assert!(!text.contains('\u{202e}'), "{text}");
    // The current file is version 2: the changed key is not shown unless a finding came with it;
    // the diff itself carries the text as it is, and the text report escapes it.
    let v2 = &result.history.versions[result.history.current];
    let diff = v2.changes.as_ref().unwrap();
    assert_eq!(diff.added, 1);
    assert!(diff.keys[0].lines.iter().any(|l| l.text.contains('\u{202e}')));
}

// --- The command line ------------------------------------------------------------------------

#[test]
fn exit_codes_follow_the_current_files_findings() {
    mblint()
        .args(["history", FPSE])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Introduced in 62.0"))
        .stdout(predicate::str::contains("+    FilterPath=\"C:\\Program Files (x86)"))
        .stderr(predicate::str::contains("MetaBase_0000000064_0000000000.xml skipped"));
    mblint().args(["history", "--exit-zero", FPSE]).assert().code(0);
    mblint()
        .args(["history", "--select", "MB2", FPSE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("The current file has no findings."));
}

#[test]
fn an_unreadable_current_file_is_exit_2() {
    mblint()
        .args(["history", "--metabase", "/nonexistent/MetaBase.xml", FPSE])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read /nonexistent/MetaBase.xml"));
    let dir = tempfile::tempdir().unwrap();
    mblint()
        .args(["history", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("neither a copy of a server's system drive"));
    // A history folder where nothing reads and no current file: nothing to judge.
    let folder = dir.path().join("History");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("MetaBase_0000000001_0000000000.xml"), "<?xml version").unwrap();
    mblint()
        .args(["history", folder.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no history file that reads"));
    // A drive copy without a History folder.
    let drive = dir.path().join("drive");
    let inetsrv = drive.join("Windows/System32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    std::fs::copy(format!("{INETSRV}/MetaBase.xml"), inetsrv.join("MetaBase.xml")).unwrap();
    mblint()
        .args(["history", drive.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no History folder"));
}

#[test]
fn a_malformed_current_file_is_a_finding_as_for_check() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_history(dir.path());
    let current = dir.path().join("MetaBase.xml");
    std::fs::write(&current, "<?xml version =\"1.0\"?>\r\n<configuration>\r\n").unwrap();
    mblint()
        .args(["history", folder.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB001"));
}

#[test]
fn every_format_carries_findings_and_skipped_files() {
    let out = mblint().args(["history", "--format", "json", FPSE]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["history"]["schema_version"], 1);
    assert_eq!(doc["check"]["diagnostics"].as_array().unwrap().len(), 2);
    let v = &doc["history"]["versions"];
    assert!(v[5]["error"].as_str().unwrap().contains("truncated"));

    let out = mblint().args(["history", "--format", "sarif", FPSE]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("MetaBase_0000000064")
    );

    mblint()
        .args(["history", "--format", "github", FPSE])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("title=MB102 worker-bitness-mismatch"))
        .stdout(predicate::str::contains(
            "history: introduced in MetaBase_0000000062_0000000000.xml",
        ))
        .stdout(predicate::str::contains(
            "MetaBase_0000000064_0000000000.xml could not be checked",
        ));

    mblint().args(["history", "--format", "concise", FPSE]).assert().code(2);
}

#[test]
fn the_fixture_is_what_the_generator_writes() {
    // Layout as IIS writes it: pairs of MetaBase_ and MBSchema_ files with ten-digit numbers.
    let names: Vec<String> = std::fs::read_dir(format!("{INETSRV}/History"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 14);
    for name in &names {
        let (kind, rest) = name.split_once('_').unwrap();
        assert!(kind == "MetaBase" || kind == "MBSchema", "{name}");
        let (major, minor) = rest.strip_suffix(".xml").unwrap().split_once('_').unwrap();
        assert!(major.len() == 10 && minor.len() == 10, "{name}");
    }
    // Each file says its own major version number.
    let text = std::fs::read_to_string(format!("{INETSRV}/History/MetaBase_0000000062_0000000000.xml")).unwrap();
    assert!(text.contains("HistoryMajorVersionNumber=\"62\""));
}

#[test]
fn more_versions_than_the_pipeline_holds_finish_on_one_thread() {
    // 15 saves alternating between the server without and with the FrontPage filter: each is
    // linted, on one worker that holds at most three versions at once.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("History");
    std::fs::create_dir_all(&folder).unwrap();
    let without = std::fs::read(format!("{INETSRV}/History/MetaBase_0000000061_0000000000.xml")).unwrap();
    let with = std::fs::read(format!("{INETSRV}/History/MetaBase_0000000062_0000000000.xml")).unwrap();
    for i in 0..15u32 {
        let text = if i % 2 == 0 { &without } else { &with };
        std::fs::write(folder.join(format!("MetaBase_{:010}_0000000000.xml", 100 + i)), text).unwrap();
    }
    let out = mblint()
        .env("MBLINT_THREADS", "1")
        .timeout(std::time::Duration::from_secs(120))
        .args(["history", "--format", "json", folder.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let h = &doc["history"];
    assert_eq!(h["current_from_history"], true);
    // The newest (114) has no filter; the filter came and went seven times.
    assert_eq!(h["gone"].as_array().unwrap().len(), 14);
    // A MetaBase.xml with History beside it works as PATH too.
    std::fs::write(dir.path().join("MetaBase.xml"), &with).unwrap();
    mblint()
        .timeout(std::time::Duration::from_secs(120))
        .args(["history", dir.path().join("MetaBase.xml").to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Introduced in current"));
}
