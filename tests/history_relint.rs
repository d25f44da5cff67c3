//! The oracle of `mblint history`'s incremental lint: each version linted from the one before it
//! ([`history::lint_after`], the fix loop's limited re-lint of the changes between the two texts)
//! must find exactly what the full lint of that version finds from its bytes, as `check` lints it:
//! the same findings field by field and in order, the same identities, the same verdict. Over every
//! history fixture of testdata/ (with and without its drive, each platform) and over random chains
//! of small edits (values, IIS's bookkeeping numbers, a property or a key added, text broken).

use std::path::{Path, PathBuf};

use mblint::fixer::relint::{Linted, TOUCHING};
use mblint::history;
use mblint::lint::{DriveCache, FileReport, Options, lint_bytes_with};
use mblint::metabase::{SourceFile, parse};
use mblint::platform::Platform;
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every field of a report a lint can change (the text given apart: a held model keeps it).
fn view(text: &str, r: &FileReport) -> String {
    format!(
        "text: {:?}\nworker: {:?}\nserver: {}\nedit_while_running: {:?}\nisapi: {}\ndrives: {:?}\nunread: {:?}\nidentities: {:?}\n{:#?}",
        text,
        r.worker,
        serde_json::to_string(&r.server).unwrap(),
        r.edit_while_running,
        r.isapi_count,
        r.drives,
        r.unread,
        identities(text, r),
        r.diagnostics
    )
}

/// The baseline identity of every place, as `history` tells findings apart across versions.
fn identities(text: &str, r: &FileReport) -> Vec<String> {
    let mut out: Vec<String> = r
        .diagnostics
        .iter()
        .flat_map(|d| {
            d.places()
                .map(move |p| format!("{:?}", mblint::baseline::place_identity("", text, d, &p)))
        })
        .collect();
    out.sort();
    out
}

/// Lints `versions` in order both ways; returns how many were linted by the limited re-lint, or
/// where the two disagree. A version that does not parse is skipped, as `history` skips it.
fn same_findings(what: &str, versions: &[(String, Vec<u8>)], options: &Options) -> Result<usize, String> {
    let full_options = Options {
        drive_cache: DriveCache::default(),
        ..options.clone()
    };
    let chain_options = Options {
        drive_cache: DriveCache::new(),
        ..options.clone()
    };
    let mut previous: Option<Linted> = None;
    let mut limited = 0;
    for (i, (name, bytes)) in versions.iter().enumerate() {
        let Ok(Ok(mb)) = SourceFile::decode(name.clone(), bytes.clone()).map(parse) else {
            continue;
        };
        let linted = history::lint_after(previous.take(), mb, &chain_options);
        let full = lint_bytes_with(name, bytes.clone(), &full_options);
        let (a, b) = (view(&full.source.text, &full), view(linted.text(), &linted.report));
        if a != b {
            let first = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
            let around = |s: &str| {
                s.lines()
                    .skip(first.saturating_sub(6))
                    .take(20)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            return Err(format!(
                "{what}, version {i} ({name}): the incremental lint disagrees with the full one at line {first} (made {:?})\n--- full\n{}\n--- incremental\n{}",
                linted.full_because,
                around(&a),
                around(&b)
            ));
        }
        if linted.full_because == Some(TOUCHING) {
            return Err(format!(
                "{what}, version {i}: a carried finding touches a change: a declaration in rules/reads.rs misses what a rule reads"
            ));
        }
        limited += usize::from(linted.full_because.is_none());
        previous = Some(linted);
    }
    Ok(limited)
}

/// The versions of a History folder in the order `history` reads them, then the current file.
fn fixture_versions(drive: &Path) -> Vec<(String, Vec<u8>)> {
    let layout = history::layout(drive, None).unwrap();
    let listing = history::list(&layout.folder).unwrap();
    let mut out: Vec<(String, Vec<u8>)> = listing
        .versions
        .iter()
        .map(|v| (v.name.clone(), std::fs::read(&v.path).unwrap()))
        .collect();
    let current = layout
        .current
        .path()
        .expect("the fixture has a current file")
        .to_path_buf();
    out.push((current.display().to_string(), std::fs::read(&current).unwrap()));
    out
}

fn option_sets(drive: &Path) -> Vec<Options> {
    let mut out = Vec::new();
    for drive_copy in [None, Some(drive.to_path_buf())] {
        for platform in [None, Some(Platform::X86), Some(Platform::X64)] {
            out.push(Options {
                drive_copy: drive_copy.clone(),
                platform,
                ..Options::default()
            });
        }
    }
    out
}

#[test]
fn every_history_fixture_is_linted_as_the_full_lint_lints_each_version() {
    let dir = root().join("testdata/history");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty());
    let (mut failures, mut limited) = (Vec::new(), 0);
    for drive in &fixtures {
        let versions = fixture_versions(drive);
        assert!(versions.len() >= 5, "{}: {} versions", drive.display(), versions.len());
        for options in option_sets(drive) {
            match same_findings(&drive.display().to_string(), &versions, &options) {
                Ok(n) => limited += n,
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Worth its name only if the limited re-lint ran (the fixture's saves are mostly value edits).
    assert!(
        limited >= 6,
        "only {limited} versions were linted by the limited re-lint"
    );
}

/// A version that differs from the current fixture file only in IIS's bookkeeping values (three
/// values of one key) is linted by the limited re-lint, never in full, and finds what the full lint
/// finds. That these values reach no rule that reads properties is pinned by the unit test
/// `fixer::relint::tests::changes_between_versions_are_exact_and_each_inside_one_value`.
#[test]
fn bookkeeping_values_alone_are_linted_without_a_fall_back() {
    let drive = root().join("testdata/history/fpse-64bit");
    let current = std::fs::read_to_string(drive.join("Windows/System32/InetSrv/MetaBase.xml")).unwrap();
    let next = current
        .replace("ChangeNumber=\"433\"", "ChangeNumber=\"434\"")
        .replace("HistoryMajorVersionNumber=\"65\"", "HistoryMajorVersionNumber=\"66\"")
        .replace(
            "BINSchemaTimeStamp=\"ba0cc15a0ececb01\"",
            "BINSchemaTimeStamp=\"ba0cc15a0ececb02\"",
        );
    assert_ne!(current, next);
    let versions = vec![
        ("a.xml".to_string(), current.into_bytes()),
        ("b.xml".to_string(), next.into_bytes()),
    ];
    let options = Options {
        drive_copy: Some(drive.clone()),
        ..Options::default()
    };
    assert_eq!(same_findings("bookkeeping", &versions, &options), Ok(1));
    // And the re-lint did not fall back: every property rule's findings were carried.
    let parsed = |(n, b): &(String, Vec<u8>)| parse(SourceFile::decode(n.clone(), b.clone()).unwrap()).unwrap();
    let first = history::lint_after(None, parsed(&versions[0]), &options);
    assert!(
        !first.report.diagnostics.is_empty(),
        "the fixture has findings to carry"
    );
    let second = history::lint_after(Some(first), parsed(&versions[1]), &options);
    assert_eq!(second.full_because, None);
}

/// Where a small edit can go in `text`: the quoted values.
fn value_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'=' && b[i + 1] == b'"' {
            let start = i + 2;
            if let Some(len) = text[start..].find('"') {
                out.push((start, start + len));
                i = start + len + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// One save: an edit of kind `kind` at the `at`-th place it can go.
fn edit(text: &str, kind: u8, at: usize, pick: usize) -> String {
    let values = value_spans(text);
    let (s, e) = values[at % values.len()];
    let replace = |with: &str| format!("{}{with}{}", &text[..s], &text[e..]);
    const POOL: &[&str] = &[
        "TRUE",
        "FALSE",
        "1",
        "0",
        "433",
        "Site (intranet)",
        "C:\\Program Files (x86)\\Rewrite\\rewrite.dll",
        "C:\\WINDOWS\\system32\\inetsrv\\asp.dll",
        ".asp,C:\\WINDOWS\\SysWOW64\\inetsrv\\asp.dll,5,GET,HEAD,POST",
        ".rpt,C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\web server extensions\\50\\isapi\\_vti_aut\\author.dll,1,GET",
        "1,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll,0,SSINC,Server Side Includes",
        "",
        "é",
    ];
    match kind % 7 {
        // A value replaced with one from the pool or another of the file's values.
        0 => replace(POOL[pick % POOL.len()]),
        1 => {
            let (a, b) = values[pick % values.len()];
            replace(&text[a..b])
        }
        // A character inserted or removed inside a value.
        2 => format!("{}x{}", &text[..e], &text[e..]),
        3 if e > s => {
            let cut = text[s..e]
                .char_indices()
                .nth(pick % text[s..e].chars().count())
                .unwrap()
                .0
                + s;
            let next = text[cut..].chars().next().unwrap().len_utf8();
            format!("{}{}", &text[..cut], &text[cut + next..])
        }
        // IIS's bookkeeping numbers.
        4 => {
            let n = format!("ChangeNumber=\"{}\"", 1000 + pick);
            let start = text.find("ChangeNumber=\"").unwrap_or(0);
            match text[start..].find("\"\n").or_else(|| text[start..].find("\"\r")) {
                Some(len) if start > 0 => format!("{}{n}{}", &text[..start], &text[start + len + 1..]),
                _ => text.to_string(),
            }
        }
        // A property added to the key the value is in, or text outside any value.
        5 => format!("{}\"\n\t\tServerComment=\"added{}", &text[..e], &text[e..]),
        _ => {
            let gap = text[..s].rfind('\n').unwrap_or(0);
            format!("{}\n{}", &text[..gap], &text[gap..])
        }
    }
}

fn base_files() -> Vec<(PathBuf, PathBuf)> {
    let drive = root().join("testdata/history/fpse-64bit");
    vec![
        (drive.join("Windows/System32/InetSrv/MetaBase.xml"), drive.clone()),
        (
            drive.join("Windows/System32/InetSrv/History/MetaBase_0000000060_0000000000.xml"),
            drive.clone(),
        ),
        // Two readings of the names (MB005): a limited re-lint carried one reading's findings.
        (root().join("testdata/metabases/rules/MB005-name-case.xml"), drive),
    ]
}

proptest! {
    // 256 cases on Linux (one case in about a thousand found the MB003 carry); 64 under Wine, where
    // each case costs several times more and the code under test is the same.
    #![proptest_config(ProptestConfig { cases: if cfg!(windows) { 64 } else { 256 }, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_small_edits_are_linted_as_the_full_lint_lints_them(
        base in 0usize..3,
        with_drive in any::<bool>(),
        saves in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6),
    ) {
        let (file, drive) = &base_files()[base];
        let mut text = std::fs::read_to_string(file).unwrap();
        let mut versions = vec![("v0.xml".to_string(), text.clone().into_bytes())];
        for (i, (kind, at, pick)) in saves.iter().enumerate() {
            text = edit(&text, *kind, *at, *pick);
            versions.push((format!("v{}.xml", i + 1), text.clone().into_bytes()));
        }
        let options = Options {
            drive_copy: with_drive.then(|| drive.clone()),
            ..Options::default()
        };
        if let Err(e) = same_findings("random edits", &versions, &options) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// A save that changes only sites' comments (ServerComment, which MB503 alone declares it reads,
/// for a site's name in its message) is linted by the limited re-lint, never in full, and finds
/// what the full lint finds: MB503's message names the sites by their new comments. Were MB503's
/// declaration to leave ServerComment out, its finding would be carried with the old names and
/// this test would fail; a property no declaration names re-runs no rule that declares its reads
/// (the unit test `fixer::relint::tests::a_property_no_rule_declares_reaches_no_declaring_rule`).
#[test]
fn a_comment_change_reruns_only_the_rules_that_read_comments() {
    let drive = root().join("testdata/servers/aspnet40-eurl-shared-pool");
    let current = std::fs::read_to_string(drive.join("Windows/System32/InetSrv/MetaBase.xml")).unwrap();
    let renamed = current
        .replace("ServerComment=\"Default Web Site\"", "ServerComment=\"Public site\"")
        .replace("ServerComment=\"Intranet\"", "ServerComment=\"Staff\"");
    let blanked = renamed.replace("ServerComment=\"Staff\"", "ServerComment=\"\"");
    assert_ne!(current, renamed);
    let versions = vec![
        ("a.xml".to_string(), current.into_bytes()),
        ("b.xml".to_string(), renamed.into_bytes()),
        ("c.xml".to_string(), blanked.into_bytes()),
    ];
    for options in option_sets(&drive).into_iter().filter(|o| o.drive_copy.is_some()) {
        assert_eq!(
            same_findings("comments", &versions, &options),
            Ok(2),
            "{:?}",
            options.platform
        );
    }
    // The finding the comments reach is there to be re-made: MB503 names the sites by them.
    let options = Options {
        drive_copy: Some(drive.clone()),
        ..Options::default()
    };
    let parsed = |(n, b): &(String, Vec<u8>)| parse(SourceFile::decode(n.clone(), b.clone()).unwrap()).unwrap();
    let first = history::lint_after(None, parsed(&versions[0]), &options);
    let second = history::lint_after(Some(first), parsed(&versions[1]), &options);
    assert_eq!(second.full_because, None);
    let mb503: Vec<String> = second
        .report
        .diagnostics
        .iter()
        .filter(|d| d.code == "MB503")
        .map(|d| d.message.clone())
        .collect();
    assert!(
        mb503
            .iter()
            .any(|m| m.contains("`Public site`") && m.contains("`Staff`")),
        "{mb503:?}"
    );
}

/// A save that adds a line to a multi-string value above a duplicated Location: MB003's message
/// names the first key's line, so it must move with it. The limited re-lint carried MB003's
/// finding with its old words until MB003 was declared to re-run on every change (found by the
/// random edits above, about one case in a thousand).
#[test]
fn a_line_added_above_a_duplicate_key_moves_the_line_mb003_names() {
    let file = root().join("testdata/metabases/rules/MB003-duplicate-location.xml");
    let v0 = std::fs::read_to_string(file).unwrap();
    let map = ".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE";
    assert!(v0.contains(map));
    let v1 = v0.replacen(
        map,
        &format!("{map}\r\n\t\t\t.cer,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,POST"),
        1,
    );
    let v2 = v1.replacen("ServerComment=\"Copy\"", "ServerComment=\"Copy 2\"", 1);
    let versions = vec![
        ("v0.xml".to_string(), v0.into_bytes()),
        ("v1.xml".to_string(), v1.into_bytes()),
        ("v2.xml".to_string(), v2.into_bytes()),
    ];
    for options in option_sets(&root().join("testdata/servers/fpse2002-64bit")) {
        if options.drive_copy.is_some() {
            continue;
        }
        same_findings("MB003 lines", &versions, &options).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A file with a property name in another case than the schema's is linted on two readings of
/// the names (MB005), whose findings are merged: a limited re-lint must not carry one reading's
/// findings into the merge. Each save changes one value: the case-variant Enable32bitAppOnWin64
/// (which the two readings disagree on), a script map, a comment.
#[test]
fn two_readings_of_the_names_are_linted_as_the_full_lint_lints_them() {
    let file = root().join("testdata/metabases/rules/MB005-name-case.xml");
    let v0 = std::fs::read_to_string(file)
        .unwrap()
        .replace("Enable32bitAppOnWin64=\"TRUE\"", "enable32BitAppOnWin64=\"TRUE\"");
    assert!(v0.contains("enable32BitAppOnWin64=\"TRUE\""));
    let v1 = v0.replace("enable32BitAppOnWin64=\"TRUE\"", "enable32BitAppOnWin64=\"FALSE\"");
    let v2 = v1.replace(
        ".cer,C:\\WINDOWS\\system32\\inetsrv\\asp.dll",
        ".cer,C:\\WINDOWS\\SysWOW64\\inetsrv\\asp.dll",
    );
    let v3 = v2.replace("ServerComment=\"Default Web Site\"", "ServerComment=\"Public\"");
    let v4 = v3.replace("enable32BitAppOnWin64=\"FALSE\"", "enable32BitAppOnWin64=\"TRUE\"");
    let versions: Vec<(String, Vec<u8>)> = [v0, v1, v2, v3, v4]
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("v{i}.xml"), v.into_bytes()))
        .collect();
    for options in option_sets(&root().join("testdata/servers/fpse2002-64bit")) {
        same_findings("two readings", &versions, &options).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A save that changes no property the ISAPI set reads (a comment) re-lints with the set, the
/// images, the closures and the FastCGI reading of the version before, their places moved; one
/// that changes what decides which DLLs a URL runs (a virtual directory's AccessFlags or Path,
/// whose places the set does not hold) builds them again. Were the set taken over after such a
/// save, the Tomcat connector's DLL would stay (or stay missing) as a DLL its URL runs.
#[test]
fn the_isapi_set_is_taken_from_the_version_before_only_when_no_property_it_reads_changed() {
    let drive = root().join("testdata/servers/tomcat-jakarta-64bit");
    let v0 = std::fs::read_to_string(drive.join("Windows/System32/InetSrv/MetaBase.xml")).unwrap();
    let (exec, script) = (
        "AccessFlags=\"AccessRead | AccessExecute\"",
        "AccessFlags=\"AccessRead | AccessScript\"",
    );
    let folder = "Path=\"C:\\Program Files\\Apache Software Foundation\\Tomcat 5.5\\bin\\win32\\i386\"";
    assert!(v0.contains(exec) && v0.contains(folder));
    let v1 = v0.replacen(exec, script, 1);
    let v2 = v1.replace("ServerComment=\"Default Web Site\"", "ServerComment=\"Public\"");
    let v3 = v2.replacen(script, exec, 1);
    let v4 = v3.replace(folder, "Path=\"C:\\Program Files\\Apache Software Foundation\"");
    let v5 = v4.replace("ServerComment=\"Public\"", "ServerComment=\"Public site\"");
    let versions: Vec<(String, Vec<u8>)> = [v0, v1, v2, v3, v4, v5]
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("v{i}.xml"), v.into_bytes()))
        .collect();
    for options in option_sets(&drive) {
        same_findings("ISAPI set", &versions, &options).unwrap_or_else(|e| panic!("{e}"));
    }
    let options = Options {
        drive_copy: Some(drive.clone()),
        ..Options::default()
    };
    let mut reused = Vec::new();
    let mut previous = None;
    for (name, bytes) in &versions {
        let mb = parse(SourceFile::decode(name.clone(), bytes.clone()).unwrap()).unwrap();
        let linted = history::lint_after(previous.take(), mb, &options);
        reused.push(linted.reused);
        previous = Some(linted);
    }
    assert_eq!(reused, [false, false, true, false, false, true]);
}
