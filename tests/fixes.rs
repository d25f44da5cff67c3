//! Fixes: the diff of every fixable fixture (snapshots), the three servers the fixer must repair or
//! refuse, byte-exact round trips in every encoding, atomic writes under faults, and property tests
//! over generated metabases (bytes outside the edits unchanged, a second run changes nothing, the
//! diff applies with patch).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mblint::fix::changes::ChangeSet;
use mblint::fixer::{FixError, Request, fix_bytes, fix_from};
use mblint::lint::{Options, input, lint_bytes_with};
use predicates::prelude::*;

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of a server from testdata in a fresh folder; returns the folder and its metabase.
fn server_copy(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(name);
    copy_tree(&Path::new("testdata/servers").join(name), &root);
    let metabase = input(&root).unwrap().metabase;
    (dir, root, metabase)
}

#[test]
fn fpse_server_is_repaired_by_unsafe_fixes_and_then_lints_clean() {
    let (_dir, root, metabase) = server_copy("fpse2002-64bit");
    let before = std::fs::read(&metabase).unwrap();
    // Safe fixes alone cannot repair it: the only way is the server-wide switch.
    mblint()
        .args(["check", "--fix", root.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("with --unsafe-fixes"));
    assert_eq!(std::fs::read(&metabase).unwrap(), before);
    mblint()
        .args(["check", "--fix", "--unsafe-fixes", "--backup", root.to_str().unwrap()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("EnableEditWhileRunning is off").and(predicate::str::contains("iisreset")));
    mblint()
        .args(["check", root.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
    let backup = PathBuf::from(format!("{}.bak", metabase.display()));
    assert_eq!(std::fs::read(backup).unwrap(), before, "--backup keeps the original");
}

#[test]
fn framework64_in_32bit_mode_is_repaired_by_a_plain_fix() {
    let (_dir, root, _) = server_copy("framework64-32bit-mode");
    mblint()
        .args(["check", "--fix", root.to_str().unwrap()])
        .assert()
        .code(0);
    mblint().args(["check", root.to_str().unwrap()]).assert().code(0);
}

#[test]
fn no_working_mode_gets_no_fix_and_a_reason() {
    let (_dir, root, metabase) = server_copy("aspnet11-no-working-mode");
    let before = std::fs::read(&metabase).unwrap();
    mblint()
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--color",
            "never",
            root.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing to fix"))
        .stdout(predicate::str::contains("no worker bitness can load every ISAPI DLL"));
    assert_eq!(std::fs::read(&metabase).unwrap(), before);
}

/// Every fixture and server whose fixes change something: the diff, safe only and with unsafe fixes.
#[test]
fn diffs_of_every_fixable_fixture() {
    let mut inputs: Vec<String> = Vec::new();
    for dir in ["testdata/metabases", "testdata/metabases/rules", "testdata/servers"] {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let server = dir == "testdata/servers" && path.is_dir();
            if server || path.extension().is_some_and(|x| x == "xml") {
                inputs.push(path.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    inputs.sort();
    let mut fixable = 0;
    for path in inputs {
        let input = input(Path::new(&path)).unwrap();
        let options = mblint::lint::effective_options(&input, &Options::default());
        let name = input.metabase.to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(&input.metabase).unwrap();
        let mut shown = String::new();
        for unsafe_fixes in [false, true] {
            let fixed = fix_bytes(&name, bytes.clone(), &options, Request { unsafe_fixes })
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            shown.push_str(&format!(
                "### {}\n",
                if unsafe_fixes { "--fix --unsafe-fixes" } else { "--fix" }
            ));
            shown.push_str(&fixed.changes.unified_diff(&fixed.before.source, &name, 3));
            let left: Vec<&str> = fixed.after().diagnostics.iter().map(|d| d.code).collect();
            shown.push_str(&format!("remaining: {left:?}\n"));
            if !fixed.changes.is_empty() {
                // The same changes as the script that applies them to the live metabase.
                let script = mblint::fixer::script::vbscript(
                    &name,
                    &fixed.summary(),
                    &fixed.after().source.text,
                    &fixed.applied,
                )
                .unwrap_or_else(|e| format!("refused: {e}\n"));
                shown.push_str("--script vbs:\n");
                shown.push_str(&script.replace("\r\n", "\n"));
            }
        }
        if shown.contains("@@") {
            fixable += 1;
            let snapshot = path.trim_start_matches("testdata/").replace('/', "__");
            insta::assert_snapshot!(format!("fix_{snapshot}"), shown);
        }
    }
    assert!(fixable >= 10, "only {fixable} fixable fixtures");
}

/// A metabase whose one finding has a safe fix (removing an ignored, agreeing Enable32BitAppOnWin64).
const SAFE_FIX: &str = "testdata/metabases/enable32bit-misplaced-agreeing.xml";

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn fixes_keep_every_other_byte_in_every_encoding() {
    let original = std::fs::read_to_string(SAFE_FIX).unwrap();
    let body = original.trim_start_matches('\u{feff}');
    let expected_text = body.replacen("\t\tEnable32BitAppOnWin64=\"FALSE\"\r\n", "", 1);
    assert_ne!(expected_text, body);
    let variants: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        (
            "UTF-8 BOM CRLF",
            format!("\u{feff}{body}").into_bytes(),
            format!("\u{feff}{expected_text}").into_bytes(),
        ),
        (
            "UTF-8 LF",
            body.replace("\r\n", "\n").into_bytes(),
            expected_text.replace("\r\n", "\n").into_bytes(),
        ),
        ("UTF-16LE", utf16(body, false), utf16(&expected_text, false)),
        ("UTF-16BE", utf16(body, true), utf16(&expected_text, true)),
    ];
    for (label, bytes, expected) in variants {
        let fixed = fix_bytes(
            "m.xml",
            bytes.clone(),
            &Options::default(),
            Request { unsafe_fixes: false },
        )
        .unwrap();
        assert_eq!(fixed.bytes(), expected, "{label}");
        let again = fix_bytes(
            "m.xml",
            fixed.bytes().into_owned(),
            &Options::default(),
            Request { unsafe_fixes: false },
        )
        .unwrap();
        assert!(again.changes.is_empty(), "{label}: a second run changes nothing");
    }
}

/// `pass` with one more edit (of the decoded text's offsets), for tests that tamper with a pass.
fn add_edit(pass: &mut ChangeSet, start: usize, end: usize, content: &str) {
    let mut edits: Vec<mblint::diagnostic::Edit> = pass
        .changes()
        .iter()
        .map(|c| mblint::diagnostic::Edit {
            span: mblint::metabase::Span::new(c.start, c.end),
            content: c.content.clone(),
        })
        .collect();
    edits.push(mblint::diagnostic::Edit {
        span: mblint::metabase::Span::new(start, end),
        content: content.into(),
    });
    *pass = ChangeSet::from_edits(edits).unwrap();
}

#[test]
fn a_fix_that_would_break_the_file_is_refused() {
    let bytes = std::fs::read(SAFE_FIX).unwrap();
    let options = Options::default();
    let before = lint_bytes_with("m.xml", bytes.as_slice(), &options);
    // Force every pass's change to also cut the first close tag in half.
    let breaks = |pass: &mut ChangeSet| {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let at = text.find("</IIS_Global>").unwrap() - 3; // offsets of the decoded text (BOM dropped)
        add_edit(pass, at, at + 4, "<");
    };
    match fix_from(
        "m.xml",
        bytes.clone(),
        before,
        &options,
        Request { unsafe_fixes: false },
        breaks,
    ) {
        Err(FixError::Verification(why)) => assert!(why.contains("would not parse"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MetaBase.xml");
    std::fs::copy(SAFE_FIX, &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    mblint()
        .args(["check", "--fix", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_file_changed_since_it_was_read_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MetaBase.xml");
    std::fs::copy(SAFE_FIX, &path).unwrap();
    let original = std::fs::read(&path).unwrap();
    let fixed = fix_bytes(
        "m",
        original.clone(),
        &Options::default(),
        Request { unsafe_fixes: false },
    )
    .unwrap();
    std::fs::write(&path, b"IIS saved the metabase meanwhile").unwrap();
    let err = mblint::fixer::write::replace(&path, &original, &fixed.bytes(), false, &mut mblint::fixer::write::Disk)
        .unwrap_err();
    assert!(err.to_string().contains("changed on disk"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"IIS saved the metabase meanwhile");
}

mod generated {
    //! Property tests over generated metabases in the real layout.

    use super::*;
    use proptest::prelude::*;

    const FW: [&str; 3] = [
        "C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll",
        "C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727\\aspnet_isapi.dll",
        "C:\\WINDOWS\\system32\\inetsrv\\asp.dll",
    ];

    /// A metabase with `sites`, each site's root mapping two extensions to a random DLL; the
    /// worker bitness, a misplaced Enable32BitAppOnWin64, and a few odd values, at random.
    fn metabase(sites: &[(usize, usize)], mode: Option<&str>, misplaced: bool, crlf: bool, bom: bool) -> Vec<u8> {
        with_lockdown(sites, mode, misplaced, crlf, bom, None)
    }

    /// As [`metabase`], with a restriction list: the "All Unknown ISAPI Extensions" flag and an
    /// entry (allow flag) for some of the DLLs in [`FW`].
    fn with_lockdown(
        sites: &[(usize, usize)],
        mode: Option<&str>,
        misplaced: bool,
        crlf: bool,
        bom: bool,
        wserl: Option<(bool, &[(usize, bool)])>,
    ) -> Vec<u8> {
        let mut t = String::from("<?xml version =\"1.0\"?>\n<configuration>\n<MBProperty>\n");
        t += "<IIsWebService\tLocation =\"/LM/W3SVC\"\n\t\tAppPoolId=\"DefaultAppPool\"\n";
        if let Some((unknown, entries)) = wserl {
            t += &format!("\t\tWebSvcExtRestrictionList=\"{},*.dll", u8::from(unknown));
            for (i, allowed) in entries {
                t += &format!("\n\t\t\t{},{},1,G{i},Entry {i}", u8::from(*allowed), FW[*i]);
            }
            t += "\"\n";
        }
        t += "\t>\n</IIsWebService>\n";
        for (i, (a, b)) in sites.iter().enumerate() {
            let n = i + 1;
            t += &format!(
                "<IIsWebServer\tLocation =\"/LM/W3SVC/{n}\"\n\t\tServerComment=\"Site {n}\"\n\t>\n</IIsWebServer>\n"
            );
            t += &format!(
                "<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/{n}/ROOT\"\n\t\tPath=\"D:\\\\Sites\\\\{n}\"\n\t\tScriptMaps=\".aspx,{},1,GET,POST\n\t\t\t.asmx,{},1,GET\"\n\t>\n</IIsWebVirtualDir>\n",
                FW[*a], FW[*b]
            );
        }
        t += "<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\n";
        if let Some(m) = mode {
            t += &format!("\t\tEnable32BitAppOnWin64=\"{m}\"\n");
        }
        t += "\t\tIdleTimeout=\"20\"\n\t>\n</IIsApplicationPools>\n";
        t += "<IIsApplicationPool\tLocation =\"/LM/W3SVC/AppPools/DefaultAppPool\"\n";
        if misplaced {
            t += "\t\tEnable32BitAppOnWin64=\"TRUE\"\n";
        }
        t += "\t>\n</IIsApplicationPool>\n</MBProperty>\n</configuration>\n";
        if crlf {
            t = t.replace('\n', "\r\n");
        }
        let mut bytes = if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
        bytes.extend(t.into_bytes());
        bytes
    }

    fn patch_available() -> bool {
        std::process::Command::new("patch")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// The restriction list's entries of a file: (allow flag, key) per line.
    fn restrictions(bytes: &[u8]) -> Vec<(bool, String)> {
        let mb = mblint::metabase::parse(mblint::metabase::SourceFile::decode("m.xml", bytes).unwrap()).unwrap();
        mblint::metabase::server::ServerConfig::of(&mb)
            .restrictions
            .iter()
            .filter_map(|e| e.entry.as_ref().ok())
            .map(|r| (r.allowed, mblint::metabase::values::restriction_key(&r.path)))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        /// No fix under any flag, whatever the planner aims for, turns a Prohibited entry to Allowed
        /// or removes one, and every entry a fix adds mirrors one that was there.
        #[test]
        fn no_fix_allows_what_was_prohibited(
            sites in proptest::collection::vec((0usize..3, 0usize..3), 1..5),
            mode in proptest::option::of(prop_oneof![Just("TRUE"), Just("FALSE"), Just("yes")]),
            unknown_allowed: bool,
            entries in proptest::collection::vec((0usize..3, any::<bool>()), 0..3),
            unsafe_fixes: bool,
            forced in proptest::option::of(prop_oneof![Just(mblint::bitness::Bitness::Bits32), Just(mblint::bitness::Bitness::Bits64)]),
            platform in proptest::option::of(prop_oneof![
                Just(mblint::platform::Platform::X86),
                Just(mblint::platform::Platform::X64),
                Just(mblint::platform::Platform::Ia64)
            ]),
        ) {
            let mut entries = entries;
            entries.dedup_by_key(|(i, _)| *i);
            let bytes = with_lockdown(&sites, mode, false, true, true, Some((unknown_allowed, &entries)));
            let options = Options { forced_bitness: forced, platform, ..Options::default() };
            let fixed = fix_bytes("m.xml", bytes.clone(), &options, Request { unsafe_fixes }).unwrap();
            let (before, after) = (restrictions(&bytes), restrictions(&fixed.bytes()));
            for (allowed, key) in before.iter().filter(|(a, _)| !a) {
                prop_assert!(
                    after.iter().any(|(a, k)| k == key && a == allowed),
                    "the Prohibited entry {} is gone", key
                );
                prop_assert!(
                    !after.iter().any(|(a, k)| k == key && *a),
                    "the Prohibited entry {} became Allowed", key
                );
            }
            prop_assert!(after.len() >= before.len());
            for added in after.iter().filter(|e| !before.contains(e)) {
                prop_assert!(
                    before.iter().any(|(a, _)| *a == added.0),
                    "the added entry {:?} mirrors no entry of its allow flag", added
                );
            }
        }

        #[test]
        fn fixes_are_exact_idempotent_and_patchable(
            sites in proptest::collection::vec((0usize..3, 0usize..3), 1..6),
            mode in proptest::option::of(prop_oneof![Just("TRUE"), Just("FALSE"), Just("1"), Just("yes")]),
            misplaced: bool,
            crlf: bool,
            bom: bool,
            unsafe_fixes: bool,
        ) {
            let bytes = metabase(&sites, mode, misplaced, crlf, bom);
            let options = Options::default();
            let request = Request { unsafe_fixes };
            let fixed = fix_bytes("m.xml", bytes.clone(), &options, request).unwrap();
            // Bytes outside the changes are unchanged: the prefix before the first change and the
            // suffix after the last are the original's.
            if let (Some(first), Some(last)) = (fixed.changes.changes().first(), fixed.changes.changes().last()) {
                let bom_len = if bom { 3 } else { 0 };
                prop_assert_eq!(&fixed.bytes()[..bom_len + first.start], &bytes[..bom_len + first.start]);
                let tail = bytes.len() - (bom_len + last.end);
                prop_assert_eq!(&fixed.bytes()[fixed.bytes().len() - tail..], &bytes[bytes.len() - tail..]);
            } else {
                prop_assert_eq!(&fixed.bytes(), &bytes);
            }
            // A second run changes nothing.
            let again = fix_bytes("m.xml", fixed.bytes().into_owned(), &options, request).unwrap();
            prop_assert!(again.changes.is_empty());
            // The diff applies with patch and gives the same bytes.
            if !fixed.changes.is_empty() && patch_available() {
                let dir = tempfile::tempdir().unwrap();
                std::fs::write(dir.path().join("m.xml"), &bytes).unwrap();
                let diff = fixed.changes.unified_diff(&fixed.before.source, "m.xml", 3);
                let out = std::process::Command::new("patch")
                    .args(["-p1", "--quiet", "--no-backup-if-mismatch"])
                    .current_dir(dir.path())
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .and_then(|mut child| {
                        use std::io::Write;
                        child.stdin.take().unwrap().write_all(diff.as_bytes())?;
                        child.wait_with_output()
                    })
                    .unwrap();
                prop_assert!(out.status.success(), "patch failed: {}\n{}", String::from_utf8_lossy(&out.stderr), diff);
                prop_assert_eq!(std::fs::read(dir.path().join("m.xml")).unwrap(), fixed.bytes().into_owned());
            }
        }
    }
}

#[test]
fn worker_bitness_forces_the_target() {
    let out = mblint()
        .args([
            "check",
            "--diff",
            "--unsafe-fixes",
            "--worker-bitness",
            "64",
            "testdata/metabases/framework64-32bit-mode.xml",
        ])
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("-\t\tEnable32BitAppOnWin64=\"1\"\r\n+\t\tEnable32BitAppOnWin64=\"FALSE\"\r\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+\t\t\t*,C:\\WINDOWS\\system32\\inetsrv\\wildcard.dll,0\""),
        "{diff}"
    );
    // Left to itself the planner keeps the bitness and repoints the Framework64 maps: a server-wide
    // switch (2 edits) is taken only when repoints cannot make every DLL load.
    let out = mblint()
        .args([
            "check",
            "--diff",
            "--unsafe-fixes",
            "testdata/metabases/framework64-32bit-mode.xml",
        ])
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(!diff.contains("Enable32BitAppOnWin64"), "{diff}");
    assert!(
        diff.contains("+\t\t\t.aspx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll"),
        "{diff}"
    );
    let out = mblint()
        .args([
            "check",
            "--diff",
            "--unsafe-fixes",
            "--worker-bitness",
            "32",
            "testdata/metabases/framework64-32bit-mode.xml",
        ])
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(!diff.contains("Enable32BitAppOnWin64"), "{diff}");
    assert!(
        diff.contains("+\t\t\t.aspx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll"),
        "{diff}"
    );
    // A bitness nothing can reach: no fix.
    mblint()
        .args([
            "check",
            "--diff",
            "--unsafe-fixes",
            "--worker-bitness",
            "64",
            "testdata/servers/aspnet11-no-working-mode",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
}

/// The servers of "a true model of the server" (x86, IA64, IIS 5.0 isolation mode, Windows on D:):
/// no fix under any flag leaves a DLL its host process cannot load, nor repoints a DLL to a 32-bit
/// build for a process that is 64-bit by its isolation mode.
#[test]
fn no_fix_leaves_a_dll_its_host_cannot_load() {
    const BITNESS: [&str; 4] = ["MB101", "MB102", "MB103", "MB104"];
    let failing = |report: &mblint::lint::FileReport| -> std::collections::BTreeSet<String> {
        report
            .diagnostics
            .iter()
            .filter(|d| BITNESS.contains(&d.code))
            .map(|d| format!("{} {}", d.code, report.source.slice(d.span)))
            .collect()
    };
    for scenario in [
        "servers/x86-aspnet20",
        "servers/x86-64bit-filter",
        "servers/ia64-native",
        "servers/iis5-mode-framework64",
        "servers/iis5-mode-32bit-filter",
        "servers/iis5-mode-rawdata-filter",
        "servers/windows-on-d",
        // Without a drive: judged by paths, fixed from rules/components.toml.
        "metabases/x86-aspnet20.xml",
        "metabases/iis5-mode-framework64.xml",
        "metabases/iis5-mode-32bit-filter.xml",
        "metabases/windows-on-d.xml",
    ] {
        let input = input(Path::new(&format!("testdata/{scenario}"))).unwrap();
        let options = mblint::lint::effective_options(&input, &Options::default());
        let bytes = std::fs::read(&input.metabase).unwrap();
        for unsafe_fixes in [false, true] {
            let fixed = fix_bytes(scenario, bytes.clone(), &options, Request { unsafe_fixes })
                .unwrap_or_else(|e| panic!("{scenario}: {e}"));
            let (before, after) = (failing(&fixed.before), failing(fixed.after()));
            assert!(
                after.is_subset(&before),
                "{scenario}: a fix made {:?} fail",
                after.difference(&before)
            );
            let text = &fixed.after().source.text;
            let scenario = scenario.split('/').nth(1).unwrap().trim_end_matches(".xml");
            if scenario.starts_with("iis5-mode") && !unsafe_fixes {
                // A safe fix never repoints to 32-bit builds in IIS 5.0 isolation mode.
                assert!(
                    fixed.applied.is_empty(),
                    "{scenario}: {:?}",
                    fixed.applied.iter().map(|a| &a.fix.message).collect::<Vec<_>>()
                );
            }
            match (scenario, unsafe_fixes) {
                // The way to the 32-bit filter is worker process isolation mode with 32-bit workers.
                ("iis5-mode-32bit-filter", true) => {
                    assert!(after.is_empty(), "{scenario}: {after:?}");
                    assert!(text.contains("IIs5IsolationModeEnabled=\"FALSE\""));
                    assert!(text.contains("Enable32BitAppOnWin64=\"TRUE\""));
                }
                // A raw-data filter would stop working there: the switch is shown, never applied.
                ("iis5-mode-rawdata-filter", true) => {
                    assert!(fixed.applied.is_empty());
                    let shown = fixed.before.diagnostics.iter().find_map(|d| d.fix.as_ref()).unwrap();
                    assert_eq!(shown.applicability, mblint::diagnostic::Applicability::DisplayOnly);
                    assert!(shown.message.contains("RawLogger"), "{}", shown.message);
                }
                // Windows on D: the expanded path, where one is written, is on D: (with a drive
                // safely; without one, by the metabase's own paths, only with --unsafe-fixes).
                ("windows-on-d", _) => {
                    let expanded = text.contains(".var,D:\\WINDOWS\\system32\\inetsrv\\asp.dll");
                    let with_drive = fixed.before.drives.iter().any(|d| d.letter == "D:");
                    assert_eq!(expanded, with_drive || unsafe_fixes, "{scenario}");
                    assert!(!text.contains("C:\\WINDOWS"), "{scenario}");
                }
                _ => {}
            }
        }
    }
}

/// Repointing ASP.NET carries the restriction list along as `aspnet_regiis -i -enable` of the target
/// Framework would where the old build was allowed (and prohibited where it was not): after `--fix` (and `--fix --unsafe-fixes`) no repointed DLL is prohibited, and
/// the list allows exactly what it allowed before plus the counterparts of what was repointed.
#[test]
fn repoints_carry_the_restriction_list_along() {
    let fw32 = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll";
    for (scenario, unsafe_fixes) in [
        ("framework64-32bit-lockdown", false),
        ("framework64-32bit-lockdown", true),
        ("aspnet64-lockdown-fpse", true),
    ] {
        let input = input(Path::new(&format!("testdata/servers/{scenario}"))).unwrap();
        let options = mblint::lint::effective_options(&input, &Options::default());
        let bytes = std::fs::read(&input.metabase).unwrap();
        let fixed = fix_bytes(scenario, bytes.clone(), &options, Request { unsafe_fixes })
            .unwrap_or_else(|e| panic!("{scenario}: {e}"));
        let after = fixed.after();
        let left: Vec<&str> = after.diagnostics.iter().map(|d| d.code).collect();
        assert!(
            !left.iter().any(|c| ["MB101", "MB102", "MB401"].contains(c)),
            "{scenario} {unsafe_fixes}: {left:?}"
        );
        let allowed = |text: &str| -> std::collections::BTreeSet<String> {
            let mb = mblint::metabase::parse(mblint::metabase::SourceFile::from_text("m", text)).unwrap();
            mblint::metabase::server::ServerConfig::of(&mb)
                .restrictions
                .iter()
                .filter_map(|e| e.entry.as_ref().ok())
                .filter(|r| r.allowed)
                .map(|r| r.path.clone())
                .collect()
        };
        let (was, now) = (allowed(&fixed.before.source.text), allowed(&after.source.text));
        let added: Vec<&String> = now.difference(&was).collect();
        assert!(was.is_subset(&now), "{scenario}");
        assert_eq!(added, [fw32], "{scenario}");
        // The new entry as aspnet_regiis writes it: the 64-bit entry's GroupID, "(32-bit)" description.
        assert!(
            after
                .source
                .text
                .contains(&format!("1,{fw32},0,ASP.NET v2.0.50727,ASP.NET v2.0.50727 (32-bit)")),
            "{scenario}"
        );
    }
    // A switch of a server running ASP.NET says which aspnet_regiis to run, with -ir (no script map
    // moved, nothing allowed), and carries the program for --script to run.
    let input = input(Path::new("testdata/servers/aspnet64-lockdown-fpse")).unwrap();
    let options = mblint::lint::effective_options(&input, &Options::default());
    let report = mblint::lint::lint_input(&input, &options).unwrap();
    let switch = report
        .diagnostics
        .iter()
        .find_map(|d| d.fix.as_ref().filter(|f| f.restart))
        .unwrap();
    let regiis = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_regiis.exe";
    assert!(
        switch.message.contains(&format!("`{regiis} -ir`")),
        "{}",
        switch.message
    );
    assert!(!switch.message.contains("-enable"), "{}", switch.message);
    assert_eq!(switch.registrations, [regiis]);
}

/// A finding that was there before a fix, naming another path afterwards (gzip.dll is looked for in
/// SysWOW64 by 32-bit workers), is the same finding: it does not block the switch.
#[test]
fn a_finding_in_another_form_is_not_new() {
    let input = input(Path::new("testdata/servers/fpse-no-gzip")).unwrap();
    let options = mblint::lint::effective_options(&input, &Options::default());
    let bytes = std::fs::read(&input.metabase).unwrap();
    let fixed = fix_bytes("fpse-no-gzip", bytes, &options, Request { unsafe_fixes: true }).unwrap();
    let mb201: Vec<&str> = fixed
        .after()
        .diagnostics
        .iter()
        .filter(|d| d.code == "MB201")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(mb201.len(), 1);
    assert!(mb201[0].contains("SysWOW64"), "{}", mb201[0]);
    assert!(fixed.after().diagnostics.iter().all(|d| d.code == "MB201"));
}

/// Every field a fix writes is escaped for an attribute value and reads back as meant: `&`, `"`,
/// `<`, `>`, character references and non-ASCII, in a repointed script map (written with
/// references), the restriction entry that follows it (GroupID, description), and an expanded
/// `%windir%` (a Windows folder whose name holds them).
#[test]
fn fix_edits_round_trip_through_xml() {
    let win = r"D:\Wïn &amp; &lt;Co&gt; &#65;";
    let fw64 = format!(r"{win}\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll");
    let text = format!(
        concat!(
            "<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n",
            "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n",
            "\t\tScriptMaps=\".aspx,{fw64},1,GET\r\n\t\t\t.var,%windir%\\system32\\inetsrv\\asp.dll,1,GET\"\r\n",
            "\t\tWebSvcExtRestrictionList=\"0,*.dll\r\n\t\t\t1,{fw64},0,G&amp;&quot;1&quot;,Désc &lt;64&gt; &amp; co\"\r\n",
            "\t>\r\n</IIsWebService>\r\n",
            "<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\r\n\t\tEnable32BitAppOnWin64=\"TRUE\"\r\n\t>\r\n</IIsApplicationPools>\r\n",
            "</MBProperty>\r\n</configuration>\r\n"
        ),
        fw64 = fw64
    );
    let fixed = fix_bytes(
        "m.xml",
        text.into_bytes(),
        &Options::default(),
        Request { unsafe_fixes: true },
    )
    .unwrap();
    let after = fixed.after();
    let mb = mblint::metabase::parse(mblint::metabase::SourceFile::from_text("m", &*after.source.text)).unwrap();
    let lines = |prop: &str| -> Vec<String> {
        let svc = mb.find("/LM/W3SVC").unwrap();
        let attr = mb.key(svc).attrs.clone().find(|&a| mb.attr_name(a) == prop).unwrap();
        mb.attr_lines(attr).map(|l| l.text().into_owned()).collect()
    };
    let decoded_win = r"D:\Wïn & <Co> A";
    assert_eq!(
        lines("ScriptMaps"),
        [
            format!(r".aspx,{decoded_win}\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll,1,GET"),
            format!(r".var,{decoded_win}\system32\inetsrv\asp.dll,1,GET"),
        ]
    );
    let wserl = lines("WebSvcExtRestrictionList");
    assert_eq!(
        wserl.last().unwrap(),
        &format!(
            r#"1,{decoded_win}\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll,0,G&"1",Désc <64> & co (32-bit)"#
        )
    );
    // Nothing that reads as markup was written raw.
    for change in fixed.changes.changes() {
        assert!(!change.content.contains(['<', '>', '"']), "{:?}", change.content);
        assert!(
            !change
                .content
                .replace("&amp;", "")
                .replace("&lt;", "")
                .replace("&gt;", "")
                .replace("&quot;", "")
                .contains('&')
        );
    }
}

/// A cause is one finding from the first place on, and a place under a Location the configuration
/// ignores the rule at is left out of it: its occurrence and its fix's edit both.
#[test]
fn a_cause_leaves_out_the_places_a_location_ignore_covers() {
    let map = r".aspx,C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll,1,GET,HEAD,POST";
    let site = |n: u32| {
        format!(
            "<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/{n}/ROOT\"\r\n\t\tAppRoot=\"/LM/W3SVC/{n}/ROOT\"\r\n\t\tScriptMaps=\"{map}\"\r\n\t>\r\n</IIsWebVirtualDir>\r\n"
        )
    };
    let text = format!(
        "<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty>\r\n<IIS_Global\tLocation =\".\"\r\n\t>\r\n</IIS_Global>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n\t>\r\n</IIsWebService>\r\n{}{}{}<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\r\n\t\tEnable32BitAppOnWin64=\"TRUE\"\r\n\t>\r\n</IIsApplicationPools>\r\n</MBProperty>\r\n</configuration>\r\n",
        site(1),
        site(2),
        site(3)
    );
    let mb102 = |options: &Options| {
        let report = lint_bytes_with("m.xml", text.as_bytes(), options);
        let found: Vec<_> = report.diagnostics.into_iter().filter(|d| d.code == "MB102").collect();
        assert_eq!(found.len(), 1, "one cause, one finding: {found:#?}");
        found.into_iter().next().unwrap()
    };
    let all = mb102(&Options::default());
    let places = |d: &mblint::diagnostic::Diagnostic| -> Vec<String> {
        d.places().filter_map(|p| p.location().map(str::to_string)).collect()
    };
    assert_eq!(
        places(&all),
        ["/LM/W3SVC/1/ROOT", "/LM/W3SVC/2/ROOT", "/LM/W3SVC/3/ROOT"]
    );
    assert_eq!(all.fix.as_ref().unwrap().edits.len(), 3, "a repoint at every place");

    let mut options = Options::default();
    options.settings.location_ignores = vec![("/lm/w3svc/2".into(), vec!["MB102".into()])];
    let some = mb102(&options);
    assert_eq!(places(&some), ["/LM/W3SVC/1/ROOT", "/LM/W3SVC/3/ROOT"]);
    let fix = some.fix.as_ref().unwrap();
    assert_eq!(fix.edits.len(), 2, "no edit at the ignored place: {fix:#?}");
    let site2 = text.find("/LM/W3SVC/2/ROOT").unwrap() as u32..text.find("/LM/W3SVC/3/ROOT").unwrap() as u32;
    assert!(fix.edits.iter().all(|e| !site2.contains(&e.span.start)));
    assert!(fix.ops.iter().all(|op| !format!("{op:?}").contains("/LM/W3SVC/2/")));

    // Ignoring the first place makes the second the primary.
    options.settings.location_ignores = vec![("/lm/w3svc/1".into(), vec!["MB102".into()])];
    assert_eq!(places(&mb102(&options)), ["/LM/W3SVC/2/ROOT", "/LM/W3SVC/3/ROOT"]);
}

/// The lockdown decision (rules/MB102.md, "The restriction list and ASP.NET's registration"): the
/// repointed DLL is Allowed by its own entry, its counterpart has no entry and is prohibited by "All
/// Unknown ISAPI Extensions", and another script map already uses the counterpart (it answers 404.2
/// today). An Allowed entry for the counterpart would let that map run too: the repoint is shown,
/// never applied, under any flag, and says why. Without the other map, the entry is added.
#[test]
fn a_repoint_never_allows_maps_the_lockdown_denies_today() {
    let fw32 = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll";
    let scenario = "framework64-32bit-lockdown";
    let input = input(Path::new(&format!("testdata/servers/{scenario}"))).unwrap();
    let options = mblint::lint::effective_options(&input, &Options::default());
    let original = std::fs::read_to_string(&input.metabase).unwrap();
    let root = "\t\tPath=\"D:\\Sites\\Default Web Site\"\r\n";
    assert!(original.contains(root));
    let with_user = original.replacen(
        root,
        &format!("{root}\t\tScriptMaps=\".aspx,{fw32},5,GET,HEAD,POST,DEBUG\"\r\n"),
        1,
    );
    let allowed_entry = format!("1,{fw32},");
    for unsafe_fixes in [false, true] {
        let fixed = fix_bytes(
            scenario,
            with_user.clone().into_bytes(),
            &options,
            Request { unsafe_fixes },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let after = &fixed.after().source.text;
        assert!(
            !after.contains(&allowed_entry),
            "{unsafe_fixes}: the counterpart was allowed"
        );
        assert!(
            !fixed.applied.iter().any(|a| a.fix.message.contains("Framework\\v2")),
            "no repoint to Framework is applied"
        );
        // The repoint is shown with its reason: the counterpart, and that other maps answer 404.2 today.
        let shown = fixed
            .before
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .find(|f| f.message.contains("Not applied"))
            .unwrap_or_else(|| panic!("{:#?}", fixed.before.diagnostics));
        assert_eq!(shown.applicability, mblint::diagnostic::Applicability::DisplayOnly);
        assert!(
            shown
                .message
                .contains(&format!("`{fw32}` is prohibited as an unknown extension")),
            "{}",
            shown.message
        );
        assert!(
            shown
                .message
                .contains("other script maps that use it answer 404.2 today"),
            "{}",
            shown.message
        );
    }
    // The same server without the other map: the entry is added, mirroring the 64-bit one.
    let fixed = fix_bytes(
        scenario,
        original.into_bytes(),
        &options,
        Request { unsafe_fixes: false },
    )
    .unwrap();
    assert!(fixed.after().source.text.contains(&allowed_entry));
}

#[test]
fn ambiguous_paths_are_respelled_by_safe_fixes_and_the_list_entry_is_left_to_the_administrator() {
    let (_dir, root, metabase) = server_copy("ambiguous-paths");
    // Six warnings: exit 1.
    mblint()
        .args(["check", "--color", "never", root.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB206").and(predicate::str::contains("6 warnings")));
    // --fix writes the Win32 reading of the four script maps and the filter (letter case as
    // configured), and leaves the
    // restriction-list entry (display-only): one warning remains.
    mblint()
        .args(["check", "--fix", "--color", "never", root.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Found 1 problem (1 warning)"));
    let after = String::from_utf8(std::fs::read(&metabase).unwrap()).unwrap();
    for ext in [".dot", ".spc", ".fsl", ".par"] {
        assert!(
            after.contains(&format!(
                "{ext},C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST"
            )),
            "{ext}: {after}"
        );
    }
    assert!(after.contains(r#"FilterPath="C:\WINDOWS\system32\inetsrv\urlscan\urlscan.dll""#));
    assert!(after.contains(r"1,C:\WINDOWS\system32\inetsrv\httpext.dll.,0,WEBDAV,WebDAV"));
    // Nothing else moved: the diff is those five lines.
    let before =
        std::fs::read_to_string("testdata/servers/ambiguous-paths/Windows/System32/InetSrv/MetaBase.xml").unwrap();
    let changed = before.lines().zip(after.lines()).filter(|(a, b)| a != b).count();
    assert_eq!((changed, before.lines().count()), (5, after.lines().count()));
    // Without a drive, a trailing dot or space may name a file spelled so: --fix leaves them, and
    // --unsafe-fixes writes them.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("MetaBase.xml");
    std::fs::copy("testdata/metabases/rules/MB206-ambiguous-paths.xml", &file).unwrap();
    mblint().args(["check", "--fix"]).arg(&file).assert().code(1);
    let safe = std::fs::read_to_string(&file).unwrap();
    assert!(safe.contains(r".dot,C:\WINDOWS\system32\inetsrv\asp.dll.,5"), "{safe}");
    assert!(safe.contains(r".fsl,C:\WINDOWS\system32\inetsrv\asp.dll,5"), "{safe}");
    mblint()
        .args(["check", "--fix", "--unsafe-fixes"])
        .arg(&file)
        .assert()
        .code(1);
    let unsafe_too = std::fs::read_to_string(&file).unwrap();
    assert!(
        unsafe_too.contains(r".dot,C:\WINDOWS\system32\inetsrv\asp.dll,5"),
        "{unsafe_too}"
    );
    assert!(
        unsafe_too.contains(r".spc,C:\WINDOWS\system32\inetsrv\asp.dll,5"),
        "{unsafe_too}"
    );
}

const FW32: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll";
const FW64: &str = r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll";
const LOCKDOWN: &str = "framework64-32bit-lockdown";

/// The `framework64-32bit-lockdown` server (32-bit workers, ASP.NET mapped to Framework64 and allowed
/// by its own entry, "All Unknown ISAPI Extensions" prohibited, both builds on the drive) with its
/// metabase text edited: each `(from, to)` replaced once.
fn lockdown_server(edits: &[(&str, &str)]) -> (Options, String) {
    let input = input(Path::new(&format!("testdata/servers/{LOCKDOWN}"))).unwrap();
    let options = mblint::lint::effective_options(&input, &Options::default());
    let mut text = std::fs::read_to_string(&input.metabase).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    (options, text)
}

/// The one fix MB102 offers for the script maps that name Framework64's `aspnet_isapi.dll`.
fn aspnet_repoint(options: &Options, text: &str) -> mblint::diagnostic::Fix {
    let report = lint_bytes_with(LOCKDOWN, text.as_bytes(), options);
    let repoint = format!("repoint to `{FW32}`");
    let mut fixes: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "MB102")
        .filter_map(|d| d.fix.clone())
        .filter(|f| f.message.starts_with(&repoint))
        .collect();
    fixes.dedup_by(|a, b| a.message == b.message);
    assert_eq!(fixes.len(), 1, "{:#?}", report.diagnostics);
    fixes.remove(0)
}

/// Edits of the lockdown server's restriction list and maps.
const SOURCE_PROHIBITED: (&str, &str) = (
    r"1,C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll,",
    r"0,C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll,",
);
const UNKNOWN_ALLOWED: (&str, &str) = (
    "WebSvcExtRestrictionList=\"0,*.dll",
    "WebSvcExtRestrictionList=\"1,*.dll",
);
const ROOT: &str = "\t\tPath=\"D:\\Sites\\Default Web Site\"\r\n";

/// The site's root maps `.aspx` to the 32-bit build already: the repoint's target is in use.
fn target_in_use() -> (&'static str, String) {
    (
        ROOT,
        format!("{ROOT}\t\tScriptMaps=\".aspx,{FW32},5,GET,HEAD,POST,DEBUG\"\r\n"),
    )
}

/// A target's own entry in the list, after `0,*.exe`.
fn target_entry(allowed: bool) -> (&'static str, String) {
    (
        "0,*.exe",
        format!(
            "0,*.exe\r\n\t\t\t{},{FW32},0,ASP.NET v2.0.50727,ASP.NET v2.0.50727 (32-bit)",
            u8::from(allowed)
        ),
    )
}

/// A DLL prohibited by its own entry, repointed to one that only "All Unknown" would allow and no
/// other map uses: the repoint is safe, and the list gains a Prohibited entry for the target, so
/// the maps stay denied as they were.
#[test]
fn a_prohibited_dll_is_repointed_with_its_prohibition_mirrored() {
    let (options, text) = lockdown_server(&[SOURCE_PROHIBITED, UNKNOWN_ALLOWED]);
    let mirrored = format!("0,{FW32},0,ASP.NET v2.0.50727,ASP.NET v2.0.50727 (32-bit)");
    let fix = aspnet_repoint(&options, &text);
    assert_eq!(
        fix.applicability,
        mblint::diagnostic::Applicability::Safe,
        "{}",
        fix.message
    );
    assert_eq!(
        fix.message,
        format!(
            "repoint to `{FW32}`, its 32-bit build (found on the drive), and prohibit it in WebSvcExtRestrictionList as the DLL it replaces was (`{mirrored}`)"
        )
    );
    let fixed = fix_bytes(LOCKDOWN, text.into_bytes(), &options, Request { unsafe_fixes: false })
        .unwrap_or_else(|e| panic!("{e}"));
    let after = &fixed.after().source.text;
    assert!(after.contains(&mirrored), "{after}");
    assert!(!after.contains(&format!("1,{FW32}")), "{after}");
    assert!(
        !fixed.after().diagnostics.iter().any(|d| d.code == "MB102"),
        "{:#?}",
        fixed.after().diagnostics
    );
}

/// Every way a repoint is refused names the entry the administrator would have to change, in its
/// own words: allowing the wrong DLL is not a harmless slip.
#[test]
fn each_refused_repoint_says_which_entry_blocks_it() {
    let (entry_prohibited, entry_allowed, in_use) = (target_entry(false), target_entry(true), target_in_use());
    /// A case: what it is, the edits of the lockdown server, and the reason the repoint is refused.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, String);
    let cases: [Case; 3] = [
        (
            "the target is Prohibited by its own entry",
            vec![(entry_prohibited.0, &entry_prohibited.1)],
            format!(
                "`{FW32}` is Prohibited in WebSvcExtRestrictionList: after the repoint its requests would get 404.2, and allowing it is the administrator's decision (IIS Manager, Web Service Extensions)"
            ),
        ),
        (
            "the source is Prohibited and the target Allowed by its own entry",
            vec![SOURCE_PROHIBITED, (entry_allowed.0, &entry_allowed.1)],
            format!(
                "`{FW64}` is Prohibited in WebSvcExtRestrictionList and `{FW32}` is Allowed: the repoint would let requests run that are denied today"
            ),
        ),
        (
            "the source is Prohibited, and the target, used by another map, allowed as unknown",
            vec![SOURCE_PROHIBITED, UNKNOWN_ALLOWED, (in_use.0, &in_use.1)],
            format!(
                "`{FW64}` is Prohibited in WebSvcExtRestrictionList, and `{FW32}`, which other script maps use, is allowed as an unknown extension: the repoint would either let requests run that are denied today or deny those maps"
            ),
        ),
    ];
    for (case, edits, reason) in cases {
        let (options, text) = lockdown_server(&edits);
        let fix = aspnet_repoint(&options, &text);
        assert_eq!(
            fix.applicability,
            mblint::diagnostic::Applicability::DisplayOnly,
            "{case}"
        );
        assert!(
            fix.message.ends_with(&format!(". Not applied: {reason}")),
            "{case}: {}",
            fix.message
        );
        assert!(
            fix.ops.iter().all(
                |op| matches!(op, mblint::diagnostic::MetabaseOp::Set { property, .. } if property == "ScriptMaps")
            ),
            "{case}: only the maps' own edits are shown: {:?}",
            fix.ops
        );
    }
}

/// A filter is no Web Service Extension: IIS never consults the restriction list for it, so its
/// repoint leaves the list alone, even where the list happens to name the filter's DLL.
#[test]
fn a_filter_repoint_leaves_the_restriction_list_alone() {
    let filter64 = r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_filter.dll";
    let filter32 = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_filter.dll";
    let urlscan = "<IIsFilter\tLocation =\"/LM/W3SVC/Filters/UrlScan\"";
    let key = format!(
        "<IIsFilter\tLocation =\"/LM/W3SVC/Filters/ASP.NET_2.0.50727\"\r\n\t\tFilterDescription=\"ASP.NET 2.0.50727\"\r\n\t\tFilterPath=\"{filter64}\"\r\n\t>\r\n</IIsFilter>\r\n{urlscan}"
    );
    let listed = format!("0,*.exe\r\n\t\t\t1,{filter64},0,ASPNETFILTER,ASP.NET filter");
    let (options, text) = lockdown_server(&[
        (
            "FilterLoadOrder=\"UrlScan\"",
            "FilterLoadOrder=\"ASP.NET_2.0.50727,UrlScan\"",
        ),
        (urlscan, &key),
        ("0,*.exe", &listed),
    ]);
    let report = lint_bytes_with(LOCKDOWN, text.as_bytes(), &options);
    let fix = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "MB102")
        .find_map(|d| d.fix.as_ref().filter(|f| f.message.contains("aspnet_filter.dll")))
        .unwrap_or_else(|| panic!("{:#?}", report.diagnostics));
    assert_eq!(
        fix.message,
        format!("repoint to `{filter32}`, its 32-bit build (found on the drive)")
    );
    assert_eq!(fix.applicability, mblint::diagnostic::Applicability::Safe);
    let fixed = fix_bytes(LOCKDOWN, text.into_bytes(), &options, Request { unsafe_fixes: false })
        .unwrap_or_else(|e| panic!("{e}"));
    let after = &fixed.after().source.text;
    assert_eq!(after.matches(filter32).count(), 1, "only FilterPath names it: {after}");
}

/// A DLL called by URL is named by the URL itself: a repoint in the metabase cannot move it. With
/// a 64-bit build of FrontPage's `_vti_bin` DLLs installed elsewhere on the drive, the 64-bit
/// workers still cannot serve those URLs, and the plan is the switch to 32-bit workers.
#[test]
fn a_dll_called_by_url_is_never_repointed() {
    let (_dir, root, _) = server_copy("fpse-vti-bin-64bit");
    let image64 = root.join("Windows/Microsoft.NET/Framework64/v2.0.50727/aspnet_isapi.dll");
    let isapi64 = root.join("Program Files/Common Files/Microsoft Shared/Web Server Extensions/50/isapi");
    std::fs::create_dir_all(isapi64.join("_vti_aut")).unwrap();
    std::fs::copy(&image64, isapi64.join("shtml.dll")).unwrap();
    std::fs::copy(&image64, isapi64.join("_vti_aut/author.dll")).unwrap();
    let report = mblint::lint::lint_path(&root, &Options::default()).unwrap();
    let fixes: Vec<_> = report.diagnostics.iter().filter_map(|d| d.fix.as_ref()).collect();
    assert!(
        !fixes
            .iter()
            .any(|f| f.message.contains(r"C:\Program Files\Common Files")),
        "{fixes:#?}"
    );
    assert!(
        fixes
            .iter()
            .any(|f| f.restart && f.message.contains("switch every worker process to 32-bit")),
        "{fixes:#?}"
    );
}

/// The planner when the server's first ISAPI DLL is a compression scheme's (no filter and no
/// script map comes before it): it plans, and does not stumble over its own bookkeeping.
#[test]
fn a_plan_whose_first_dll_is_a_compression_dll() {
    let metabase = r#"<?xml version ="1.0"?>
<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">
<MBProperty>
<IIsWebService	Location ="/LM/W3SVC"
		IIs5IsolationModeEnabled="FALSE"
	>
</IIsWebService>
<IIsApplicationPools	Location ="/LM/W3SVC/AppPools"
		Enable32BitAppOnWin64="TRUE"
	>
</IIsApplicationPools>
<IIsCompressionScheme	Location ="/LM/W3SVC/Filters/Compression/gzip"
		HcCompressionDll="C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\gzip.dll"
	>
</IIsCompressionScheme>
</MBProperty>
</configuration>
"#;
    let options = Options {
        platform: Some(mblint::platform::Platform::X64),
        ..Options::default()
    };
    let report = lint_bytes_with("compression-first.xml", metabase, &options);
    let mb102 = report
        .diagnostics
        .iter()
        .find(|d| d.code == "MB102")
        .unwrap_or_else(|| panic!("{:#?}", report.diagnostics));
    assert!(
        mb102.message.starts_with("compression scheme DLL is 64-bit"),
        "{}",
        mb102.message
    );
    // rules/components.toml knows the Framework64 folder's 32-bit counterpart: the plan repoints.
    let fix = mb102.fix.as_ref().unwrap_or_else(|| panic!("{mb102:#?}"));
    assert!(
        fix.message
            .starts_with(r"repoint to `C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\gzip.dll`, its 32-bit build"),
        "{}",
        fix.message
    );
}

/// A pass that reaches the file's first four characters (which tell its encoding) is linted from the
/// file's bytes, as read afresh, never by the limited re-lint of the text; one that starts after them
/// is not.
#[test]
fn a_pass_at_the_files_first_characters_is_linted_from_its_bytes() {
    let bytes = std::fs::read(SAFE_FIX).unwrap();
    let options = Options::default();
    let text = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .to_string();
    assert!(text.starts_with("<?xml"), "{}", &text[..10]);
    let first_pass = |at: usize| {
        let before = lint_bytes_with("m.xml", bytes.as_slice(), &options);
        // Every pass also writes one character of the declaration again, as it is.
        let touch = |pass: &mut ChangeSet| add_edit(pass, at, at + 1, &text[at..at + 1]);
        let fixed = fix_from(
            "m.xml",
            bytes.clone(),
            before,
            &options,
            Request { unsafe_fixes: false },
            touch,
        )
        .unwrap();
        assert!(!fixed.applied.is_empty(), "a fix was applied");
        fixed.relints[0]
    };
    assert_eq!(
        first_pass(3),
        Some(mblint::fixer::relint::FIRST),
        "at the fourth character"
    );
    assert_ne!(
        first_pass(4),
        Some(mblint::fixer::relint::FIRST),
        "after the first four"
    );
}
