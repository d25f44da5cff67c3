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
        .map(|e| (e.finding.code, e.appeared_in, e.gone_in))
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
        .map(|f| f.code)
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
    // A history file that is a link to a file outside: not read, and a failed input.
    let outside = dir.path().join("outside.xml");
    std::fs::copy(folder.join("MetaBase_0000000065_0000000000.xml"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, folder.join("MetaBase_0000000070_0000000000.xml")).unwrap();
    std::fs::copy(&outside, dir.path().join("MetaBase.xml")).unwrap();
    let result = run(&folder, None);
    let failed: Vec<&str> = result.history.failed().map(|v| v.error.as_deref().unwrap()).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].starts_with(&format!("a symbolic link to {}", outside.display())),
        "{failed:?}"
    );
    assert_eq!(result.history.failures().len(), 1);
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
    // The truncated file is a warning: skipped, not a failed input.
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "warning");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("MetaBase_0000000064_0000000000.xml skipped: truncated")
    );

    mblint()
        .args(["history", "--format", "github", FPSE])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("title=MB102 worker-bitness-mismatch"))
        .stdout(predicate::str::contains(
            "history: introduced in MetaBase_0000000062_0000000000.xml",
        ))
        .stdout(predicate::str::contains("::warning file="))
        .stdout(predicate::str::contains(
            "MetaBase_0000000064_0000000000.xml skipped: truncated",
        ))
        .stdout(predicate::str::contains("could not be checked").not());

    // concise: one line per finding of the current file, as check writes them; the exit code as
    // in every format.
    let concise = mblint().args(["history", "--format", "concise", FPSE]).assert().code(1);
    let out = String::from_utf8(concise.get_output().stdout.clone()).unwrap();
    assert!(
        out.lines()
            .any(|l| l.contains("MetaBase.xml:") && l.contains(": MB102 ")),
        "{out}"
    );
    assert!(out.contains("Found 2 problems (2 errors) in 1 of 1 file."), "{out}");
    assert!(!out.contains("fixable with --fix"), "history has no --fix: {out}");
    mblint()
        .args(["history", "--format", "concise", "no-such-dir"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("no-such-dir"));
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

// --- What cannot be read is never passed over (issue 19) ---------------------------------------

/// The fixture's current MetaBase.xml (the same as 65.0 but for its bookkeeping numbers).
const CURRENT: &str = "testdata/history/fpse-64bit/Windows/System32/InetSrv/MetaBase.xml";

/// A copy of the fixture's History folder in `dir`, with its current MetaBase.xml beside it.
fn copy_server(dir: &Path) -> PathBuf {
    let folder = copy_history(dir);
    std::fs::copy(CURRENT, dir.join("MetaBase.xml")).unwrap();
    folder
}

/// `mblint history ARGS`: exit code, standard output and standard error (a run that hangs fails).
fn history_run(args: &[&str]) -> (i32, String, String) {
    let out = mblint()
        .arg("history")
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path_str(path)).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// The SARIF 2.1.0 schema (final, rtm.5), shipped in testdata/sarif/, as the SARIF tests use it.
fn assert_valid_sarif(log: &serde_json::Value, what: &str) {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("testdata/sarif/sarif-2.1.0-rtm.5.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: invalid SARIF:\n{}", errors.join("\n"));
}

/// The SARIF notifications of a log, as (level, text).
fn notifications(log: &serde_json::Value) -> Vec<(String, String)> {
    log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["level"].as_str().unwrap().to_string(),
                n["message"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn a_current_file_that_is_there_but_no_regular_file_is_exit_2_never_an_old_version() {
    // With MB2 only, every version is clean: judging the newest version instead would pass.
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("MetaBase.xml");
    std::fs::copy(CURRENT, &elsewhere).unwrap();
    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, &str, Make)> = vec![
        ("MetaBase.xml", "a FIFO, not a regular file", Box::new(mkfifo)),
        (
            "MetaBase.xml",
            "a folder, not a regular file",
            Box::new(|p: &Path| std::fs::create_dir(p).unwrap()),
        ),
        (
            "MetaBase.xml",
            "which leads nowhere",
            Box::new(|p: &Path| std::os::unix::fs::symlink("/nonexistent/MetaBase.xml", p).unwrap()),
        ),
        (
            "MetaBase.xml",
            "a symbolic link to ",
            Box::new(move |p: &Path| std::os::unix::fs::symlink(&elsewhere, p).unwrap()),
        ),
        // Another letter case is the same file to IIS: there, not absent.
        ("metabase.XML", "a FIFO, not a regular file", Box::new(mkfifo)),
    ];
    for (name, why, make) in &cases {
        let dir = tempfile::tempdir().unwrap();
        let folder = copy_history(dir.path());
        let current = dir.path().join(name);
        make(&current);
        let (code, stdout, stderr) = history_run(&["--select", "MB2", path_str(&folder)]);
        assert_eq!(code, 2, "{name} {why}: {stdout}{stderr}");
        let said = format!("cannot read the current metabase {}: ", current.display());
        assert!(stderr.contains(&said) && stderr.contains(why), "{stderr}");
        assert!(
            stdout.contains(&said) && stdout.contains("could not be checked"),
            "{stdout}"
        );
        assert!(
            !stdout.contains("Versions, oldest first"),
            "no timeline of an old version: {stdout}"
        );
    }
    // The same in a drive copy.
    let dir = tempfile::tempdir().unwrap();
    let inetsrv = dir.path().join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    copy_history(&inetsrv);
    mkfifo(&inetsrv.join("MetaBase.xml"));
    let (code, _, stderr) = history_run(&["--select", "MB2", path_str(dir.path())]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read the current metabase") && stderr.contains("inetsrv/MetaBase.xml: a FIFO"),
        "{stderr}"
    );
}

#[test]
fn only_a_truly_absent_current_file_lets_the_newest_version_stand_in_and_every_format_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_history(dir.path());
    let folder = path_str(&folder);
    let said = "no current metabase: nothing named MetaBase.xml, in any letter case, is in";
    let stands_in = "the newest history file that reads, MetaBase_0000000065_0000000000.xml, stands in for it";

    let (code, text, stderr) = history_run(&[folder]);
    assert_eq!(code, 1);
    assert!(
        text.contains(&format!("warning: {said}")) && text.contains(stands_in),
        "{text}"
    );
    assert!(stderr.contains(said), "{stderr}");

    let (_, json, _) = history_run(&["--format", "json", folder]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["history"]["current_from_history"], true);
    let warning = &doc["history"]["warnings"][0];
    assert!(warning["message"].as_str().unwrap().contains(stands_in), "{warning}");
    assert!(
        warning["path"]
            .as_str()
            .unwrap()
            .ends_with("MetaBase_0000000065_0000000000.xml")
    );

    let (_, sarif, _) = history_run(&["--format", "sarif", folder]);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_valid_sarif(&log, "stand-in");
    assert!(
        notifications(&log)
            .iter()
            .any(|(level, text)| level == "warning" && text.contains(said))
    );

    let (_, github, _) = history_run(&["--format", "github", folder]);
    assert!(
        github.lines().any(|l| l.starts_with("::warning ") && l.contains(said)),
        "{github}"
    );

    let (_, html, _) = history_run(&["--format", "html", folder]);
    assert!(html.contains("There is no current MetaBase.xml: the newest history file that reads stands in for it"));
    assert!(html.contains(said));
}

/// The fixture's current file without its HistoryMajorVersionNumber.
fn without_number() -> String {
    let text = std::fs::read_to_string(CURRENT).unwrap();
    let kept: Vec<&str> = text
        .split_inclusive('\n')
        .filter(|l| !l.contains("HistoryMajorVersionNumber"))
        .collect();
    assert_eq!(kept.len() + 1, text.split_inclusive('\n').count());
    kept.concat()
}

#[test]
fn a_current_file_named_from_elsewhere_must_show_it_is_the_current_version() {
    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("server");
    let folder = copy_server(&server);
    let folder = path_str(&folder);
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let older = other.join("older.xml");
    std::fs::copy(format!("{INETSRV}/History/MetaBase_0000000061_0000000000.xml"), &older).unwrap();
    let unnumbered = other.join("unnumbered.xml");
    std::fs::write(&unnumbered, without_number()).unwrap();
    let newer = other.join("MetaBase.xml");
    std::fs::copy(CURRENT, &newer).unwrap();

    // An older file (61 < 65): refused in every format, with why. Version 61 is clean, so taking
    // it for the current file would pass.
    for format in ["text", "json", "sarif", "github", "html"] {
        let (code, out, stderr) = history_run(&["--format", format, "--metabase", path_str(&older), folder]);
        assert_eq!(code, 2, "{format}: {out}");
        let why = "its HistoryMajorVersionNumber is 61, below the newest history file's (65, MetaBase_0000000065_0000000000.xml)";
        assert!(
            stderr.contains(&format!(
                "{} is not the current version of the history in",
                older.display()
            )),
            "{stderr}"
        );
        assert!(stderr.contains(why), "{stderr}");
        // The page escapes the apostrophe.
        let shown = if format == "html" { &why[..62] } else { why };
        assert!(out.contains(shown), "{format}: {out}");
    }
    // A file without the number cannot show it.
    let (code, _, stderr) = history_run(&["--metabase", path_str(&unnumbered), folder]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("it has no HistoryMajorVersionNumber on IIS_Global to show that it is"),
        "{stderr}"
    );
    // Another file beside the History folder is no more current than one elsewhere: PATH too.
    let beside = server.join("older.xml");
    std::fs::copy(&older, &beside).unwrap();
    let (code, _, stderr) = history_run(&[path_str(&beside)]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not the current version"), "{stderr}");
    // A file from elsewhere that is as new as the history: taken, with a loud warning.
    let (code, out, stderr) = history_run(&["--metabase", path_str(&newer), folder]);
    assert_eq!(code, 1, "{stderr}");
    let taken = "it is taken as the current version because its HistoryMajorVersionNumber (65) is at least the newest history file's (65, MetaBase_0000000065_0000000000.xml)";
    assert!(stderr.contains(taken) && out.contains(taken), "{stderr}");
    // The MetaBase.xml beside the History folder, named: no warning.
    let (code, _, stderr) = history_run(&["--metabase", path_str(&server.join("MetaBase.xml")), folder]);
    assert_eq!(code, 1);
    assert!(!stderr.contains("is not the MetaBase.xml"), "{stderr}");
    assert!(!stderr.contains("HistoryMajorVersionNumber"), "{stderr}");
}

#[test]
fn a_current_file_older_than_its_history_is_judged_with_a_warning() {
    // A restore by hand: IIS reads this file, so it is the current one, but the newer history
    // files are not its past, and the report says so.
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_history(dir.path());
    std::fs::copy(
        format!("{INETSRV}/History/MetaBase_0000000061_0000000000.xml"),
        dir.path().join("MetaBase.xml"),
    )
    .unwrap();
    let (code, text, stderr) = history_run(&[path_str(&folder)]);
    assert_eq!(code, 0, "61 is clean: {stderr}");
    let said =
        "has HistoryMajorVersionNumber 61, below the newest history file's (65, MetaBase_0000000065_0000000000.xml)";
    assert!(text.contains(said) && stderr.contains(said), "{text}");
}

/// Checks that `out`, the report of a failed run in `format`, is well formed and lists the input
/// that failed with `why`. (Used by the unix-only tests, whose failures need unix permissions.)
#[cfg(unix)]
fn assert_failure_report(format: &str, out: &str, why: &str, what: &str) {
    assert!(!out.is_empty(), "{what} {format}: no report");
    match format {
        "json" => {
            let doc: serde_json::Value = serde_json::from_str(out).unwrap();
            assert!(doc["check"]["failed_inputs"].as_u64().unwrap() >= 1, "{what}");
            let files = doc["check"]["files"].as_array().unwrap();
            assert!(
                files
                    .iter()
                    .any(|f| f["error"].as_str().is_some_and(|e| e.contains(why))),
                "{what}: {out}"
            );
        }
        "sarif" => {
            let log: serde_json::Value = serde_json::from_str(out).unwrap();
            assert_valid_sarif(&log, what);
            assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
            assert!(
                notifications(&log)
                    .iter()
                    .any(|(level, text)| level == "error" && text.contains(why)),
                "{what}: {out}"
            );
        }
        "github" => assert!(
            out.lines().any(|l| l.starts_with("::error ") && l.contains(why)),
            "{what}: {out}"
        ),
        "html" => {
            assert!(out.starts_with("<!DOCTYPE html>") && out.trim_end().ends_with("</html>"));
            assert!(out.contains("id=\"failed\"") && out.contains(why), "{what}");
        }
        _ => {
            assert!(out.contains(why), "{what}: {out}");
            assert!(out.contains("could not be"), "{what}: {out}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_history_that_cannot_be_judged_still_writes_a_report_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let fifo_current = dir.path().join("a");
    let a = copy_history(&fifo_current);
    mkfifo(&fifo_current.join("MetaBase.xml"));
    let fifo_version = dir.path().join("b");
    let b = copy_server(&fifo_version);
    mkfifo(&b.join("MetaBase_0000000070_0000000000.xml"));
    let cases = [
        ("no such folder", missing.clone(), "No such file or directory"),
        (
            "an unreadable current file",
            a,
            "MetaBase.xml: a FIFO, not a regular file",
        ),
        ("an unreadable version", b, "a FIFO, not a regular file"),
    ];
    for (what, path, why) in &cases {
        for format in ["text", "json", "sarif", "github", "html"] {
            let (code, out, _) = history_run(&["--format", format, path_str(path)]);
            assert_eq!(code, 2, "{what} {format}");
            assert_failure_report(format, &out, why, what);
        }
    }
}

#[cfg(unix)]
#[test]
fn a_version_that_cannot_be_read_is_a_failed_input_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_server(dir.path());
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("elsewhere.xml");
    std::fs::copy(CURRENT, &target).unwrap();
    mkfifo(&folder.join("MetaBase_0000000066_0000000000.xml"));
    std::fs::create_dir(folder.join("MetaBase_0000000067_0000000000.xml")).unwrap();
    std::os::unix::fs::symlink(&target, folder.join("MetaBase_0000000068_0000000000.xml")).unwrap();
    let mut expected = vec![
        (
            "MetaBase_0000000066_0000000000.xml",
            "a FIFO, not a regular file".to_string(),
        ),
        (
            "MetaBase_0000000067_0000000000.xml",
            "a folder, not a regular file".to_string(),
        ),
        (
            "MetaBase_0000000068_0000000000.xml",
            format!("a symbolic link to {}", target.display()),
        ),
    ];
    // Permission is no obstacle to root.
    if unsafe { libc::geteuid() } != 0 {
        let locked = folder.join("MetaBase_0000000069_0000000000.xml");
        std::fs::copy(CURRENT, &locked).unwrap();
        std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
        expected.push(("MetaBase_0000000069_0000000000.xml", "Permission denied".to_string()));
    }
    let folder = path_str(&folder);

    let (code, text, stderr) = history_run(&[folder]);
    assert_eq!(code, 2, "{stderr}");
    let section = text
        .split("History files that could not be read (inputs not checked: exit code 2):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    for (name, why) in &expected {
        assert!(
            section.lines().any(|l| l.contains(name) && l.contains(why.as_str())),
            "{name}: {text}"
        );
        assert!(stderr.contains(&format!("{name} could not be read: ")), "{stderr}");
    }
    assert!(text.contains(&format!(
        "{} history files could not be read: this is no pass.",
        expected.len()
    )));
    // The run went on: the current file is judged and its findings traced.
    assert!(text.contains("Introduced in 62.0"), "{text}");

    let (code, json, _) = history_run(&["--format", "json", folder]);
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let failed: Vec<&str> = doc["history"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["failed"] == true)
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, expected.iter().map(|e| e.0).collect::<Vec<_>>());
    assert_eq!(doc["check"]["failed_inputs"], expected.len());

    let (code, sarif, _) = history_run(&["--format", "sarif", folder]);
    assert_eq!(code, 2);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_valid_sarif(&log, "failed versions");
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
    let errors = notifications(&log).into_iter().filter(|(l, _)| l == "error").count();
    assert_eq!(errors, expected.len());
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 2);

    let (code, github, _) = history_run(&["--format", "github", folder]);
    assert_eq!(code, 2);
    assert_eq!(
        github
            .lines()
            .filter(|l| l.starts_with("::error file=") && l.contains("history file not read"))
            .count(),
        expected.len()
    );

    let (code, html, _) = history_run(&["--format", "html", folder]);
    assert_eq!(code, 2);
    assert!(html.contains("id=\"failed\""));
    assert!(html.contains(&format!("{} inputs could not be checked", expected.len())));
}

#[test]
fn every_file_named_like_a_version_is_read_or_listed_as_skipped_with_why() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_server(dir.path());
    let newest = std::fs::read(folder.join("MetaBase_0000000065_0000000000.xml")).unwrap();
    let names = [
        ("MetaBase_00000000066_0000000000.xml", "more than ten digits"),
        ("MetaBase_66.xml", "not named MetaBase_<major>_<minor>.xml"),
        ("MetaBase_0000000066_00000000x1.xml", "not a decimal number"),
        (
            "metabase_0000000066_0000000000.xml.bak",
            "not named MetaBase_<major>_<minor>.xml",
        ),
    ];
    for (name, _) in &names {
        std::fs::write(folder.join(name), &newest).unwrap();
    }
    let folder = path_str(&folder);

    let (code, text, stderr) = history_run(&[folder]);
    assert_eq!(code, 1, "skipped files are warnings: {stderr}");
    let section = text
        .split("History files skipped (named like a version but not one, or not a whole metabase):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    for (name, why) in &names {
        assert!(
            section.lines().any(|l| l.contains(name) && l.contains(why)),
            "{name}: {text}"
        );
        assert!(stderr.contains(&format!("{name} skipped: ")), "{stderr}");
    }
    assert!(text.contains("(6 history files read, 5 skipped)"), "{text}");

    let (_, json, _) = history_run(&["--format", "json", folder]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let listed: Vec<&str> = doc["history"]["misnamed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    let mut sorted: Vec<&str> = names.iter().map(|n| n.0).collect();
    sorted.sort();
    assert_eq!(listed, sorted);

    let (code, sarif, _) = history_run(&["--format", "sarif", folder]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_valid_sarif(&log, "misnamed");
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
    let notes = notifications(&log);
    for (name, why) in &names {
        assert!(
            notes
                .iter()
                .any(|(l, t)| l == "warning" && t.contains(name) && t.contains(why)),
            "{name}: {notes:?}"
        );
    }

    let (_, github, _) = history_run(&["--format", "github", folder]);
    for (name, _) in &names {
        assert!(
            github.lines().any(|l| l.starts_with("::warning ") && l.contains(name)),
            "{name}: {github}"
        );
    }

    let (_, html, _) = history_run(&["--format", "html", folder]);
    assert!(html.contains("5 history files skipped"), "html");
    for (name, _) in &names {
        assert!(html.contains(name), "{name}");
    }
}

#[cfg(unix)]
#[test]
fn an_oversized_version_or_current_file_is_refused_by_its_size_before_it_is_read() {
    // Sparse files: 5 GiB that take no disk, and must take no memory either.
    const SIZE: u64 = 5 << 30;
    let sparse = |path: &Path| std::fs::File::create(path).unwrap().set_len(SIZE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_server(dir.path());
    sparse(&folder.join("MetaBase_0000000070_0000000000.xml"));
    sparse(&folder.join("MetaBase_0000000071_0000000000.xml"));
    let started = std::time::Instant::now();
    let (code, text, stderr) = history_run(&[path_str(&folder)]);
    assert_eq!(code, 2, "{stderr}");
    for name in [
        "MetaBase_0000000070_0000000000.xml",
        "MetaBase_0000000071_0000000000.xml",
    ] {
        assert!(
            stderr.contains(&format!(
                "{name} could not be read: {SIZE} bytes; mblint reads metabases up to 4 GiB"
            )),
            "{stderr}"
        );
    }
    assert!(text.contains("2 history files could not be read: this is no pass."));

    // The current file, found or named.
    let current = dir.path().join("MetaBase.xml");
    sparse(&current);
    let (code, _, stderr) = history_run(&[path_str(&folder)]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!(
            "{} is {SIZE} bytes; mblint reads metabases up to 4 GiB",
            current.display()
        )),
        "{stderr}"
    );
    let named = tempfile::tempdir().unwrap();
    let named = named.path().join("big.xml");
    sparse(&named);
    let (code, _, stderr) = history_run(&["--metabase", path_str(&named), path_str(&folder)]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!("{} is {SIZE} bytes", named.display())),
        "{stderr}"
    );
    // Refused by size, not read: reading 4 GiB of zeros even once takes far longer.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

/// A finding whose Location the current file writes in another letter case than the save that
/// introduced it: recognised as the same finding (IIS compares Locations without regard to case),
/// and shown as the current file writes it.
#[test]
fn a_current_finding_is_shown_as_the_current_file_writes_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_history(dir.path());
    let newest = folder.join("MetaBase_0000000065_0000000000.xml");
    let (written, other) = (
        "Location =\"/LM/W3SVC/Filters/fpexedll.dll\"",
        "Location =\"/LM/W3SVC/Filters/FPEXEDLL.dll\"",
    );
    let text = std::fs::read_to_string(&newest).unwrap();
    assert!(text.contains(written));
    std::fs::write(&newest, text.replace(written, other)).unwrap();
    let result = run(&folder, None);
    let h = &result.history;
    assert!(h.current_from_history);
    let v62 = version_named(h, "62.0");
    let places: Vec<(&str, &str, Option<usize>)> = h
        .findings
        .iter()
        .flat_map(|f| {
            f.places
                .iter()
                .map(move |p| (f.code, p.finding.location(), f.introduced_in))
        })
        .filter(|(_, location, _)| location.to_ascii_lowercase().contains("fpexedll"))
        .collect();
    assert!(!places.is_empty(), "{:?}", h.findings);
    for (code, location, introduced) in places {
        assert_eq!(location, "/LM/W3SVC/Filters/FPEXEDLL.dll", "{code}");
        assert_eq!(introduced, Some(v62), "{code}");
    }
}
