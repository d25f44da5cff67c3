//! The gate never fails open: an input mblint could not read or check is an error (exit 2) in every
//! output format, never a pass; a configuration or a drive copy from the server cannot widen what is
//! read or silence the gate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;

fn mblint() -> Command {
    let mut c = Command::cargo_bin("mblint").unwrap();
    // Nothing here may hang: a FIFO or a device must be refused, not read.
    c.timeout(Duration::from_secs(60));
    c
}

fn fixture(name: &str) -> String {
    format!("{}/testdata/metabases/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[cfg(unix)]
fn server(name: &str) -> String {
    format!("{}/testdata/servers/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn a_drive_root_that_is_not_a_readable_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    for (root, why) in [
        (dir.path().join("nonexist"), "does not exist"),
        (file.clone(), "is not a folder"),
    ] {
        mblint()
            .args(["check", "-d"])
            .arg(format!("C:={}", root.display()))
            .arg(fixture("fpse2002-64bit.xml"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("drive C: is mapped to"))
            .stderr(predicate::str::contains(why));
    }
    // The same from a named configuration's [drives].
    let config = dir.path().join("mblint.toml");
    std::fs::write(&config, "[drives]\nC = \"nonexist\"\n").unwrap();
    mblint()
        .args(["check", "--config"])
        .arg(&config)
        .arg(fixture("fpse2002-64bit.xml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
}

#[test]
fn an_unreadable_input_is_listed_in_every_format() {
    let missing = "no-such-dir/MetaBase.xml";
    let good = fixture("clean-64bit.xml");
    // JSON: an entry with its error, and the count.
    let out = mblint()
        .args(["check", "--format", "json", missing, &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json = json_of(&out);
    assert_eq!(json["failed_inputs"], 1);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let failed = files.iter().find(|f| f["path"] == missing).unwrap();
    assert!(failed["error"].as_str().unwrap().contains("cannot read"), "{failed}");
    assert_eq!(failed["parsed"], false);
    // SARIF: the run failed, and a notification says why, naming the file.
    let out = mblint()
        .args(["check", "--format", "sarif", missing, &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let sarif = json_of(&out);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert!(note["message"]["text"].as_str().unwrap().contains(missing));
    // HTML: at the top of the page, before any file.
    let out = mblint()
        .args(["check", "--format", "html", missing, &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let page = String::from_utf8(out.stdout).unwrap();
    let failed = page.find("id=\"failed\"").expect("a failure banner");
    assert!(failed < page.find("id=\"file-1\"").unwrap());
    assert!(page[failed..].contains("1 input could not be checked"));
    assert!(page[failed..].contains(missing));
}

#[cfg(unix)]
#[test]
fn a_device_or_fifo_is_refused_not_read() {
    // Windows' devices (`NUL`, `\\.\PhysicalDrive0`) are not files a path on a drive can name, and
    // it has no FIFOs in the file system: unix only.
    {
        mblint()
            .args(["check", "/dev/zero"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not a regular file"));
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("MetaBase.xml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        mblint()
            .arg("check")
            .arg(&fifo)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("a FIFO"));
    }
}

/// A copy of drive C: whose metabase is `fixture`, with `mblint.toml` holding `config` in the folder
/// given and beside the metabase.
fn drive_copy_with_config(dir: &Path, fixture_name: &str, config: &str) -> PathBuf {
    let inetsrv = dir.join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    std::fs::copy(fixture(fixture_name), inetsrv.join("MetaBase.xml")).unwrap();
    std::fs::write(dir.join("mblint.toml"), config).unwrap();
    std::fs::write(inetsrv.join("mblint.toml"), config).unwrap();
    dir.to_path_buf()
}

#[test]
fn a_drive_copy_cannot_configure_mblint() {
    // Its own mblint.toml would ignore every rule and point resolution at the machine's root.
    let dir = tempfile::tempdir().unwrap();
    let root = drive_copy_with_config(
        dir.path(),
        "fpse2002-64bit.xml",
        "ignore = [\"ALL\"]\n[drives]\nC = \"/\"\n",
    );
    mblint()
        .args(["check", "--verbose"])
        .arg(&root)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("checked with no configuration file"))
        // Findings are reported (not ignored), and DLLs are looked for on the copy, not on `/`.
        .stdout(predicate::str::contains("MB201(image-not-found)"));
}

#[test]
fn a_discovered_configuration_may_not_map_drives() {
    let dir = tempfile::tempdir().unwrap();
    let metabase = dir.path().join("MetaBase.xml");
    std::fs::copy(fixture("clean-64bit.xml"), &metabase).unwrap();
    std::fs::write(dir.path().join("mblint.toml"), "[drives]\nC = \"/\"\n").unwrap();
    mblint()
        .arg("check")
        .arg(&metabase)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "[drives] is read only from a file named with --config",
        ));
    // --isolated, as a gate passes it, reads no configuration at all.
    mblint().args(["check", "--isolated"]).arg(&metabase).assert().code(0);
}

#[cfg(unix)]
#[test]
fn a_configuration_is_never_read_through_a_link_nor_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let metabase = dir.path().join("MetaBase.xml");
    std::fs::copy(fixture("clean-64bit.xml"), &metabase).unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOKEN=hunter2 not toml\n").unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("mblint.toml")).unwrap();
    mblint()
        .arg("check")
        .arg(&metabase)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"))
        .stderr(predicate::str::contains("hunter2").not());
    // A broken configuration named on purpose: the error gives line and column, not the text.
    mblint()
        .args(["check", "--config"])
        .arg(&secret)
        .arg(&metabase)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1"))
        .stderr(predicate::str::contains("hunter2").not());
}

#[cfg(unix)]
#[test]
fn discovery_follows_no_link_out_of_a_drive_copy() {
    // The drive copy's Windows folder is a link to a folder outside it.
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(outside.join("system32/inetsrv")).unwrap();
    std::fs::copy(
        fixture("clean-64bit.xml"),
        outside.join("system32/inetsrv/MetaBase.xml"),
    )
    .unwrap();
    let drive = dir.path().join("drive");
    std::fs::create_dir_all(&drive).unwrap();
    std::os::unix::fs::symlink(&outside, drive.join("WINDOWS")).unwrap();
    let before = std::fs::read(outside.join("system32/inetsrv/MetaBase.xml")).unwrap();
    for args in [&["check"][..], &["check", "--fix", "--unsafe-fixes"]] {
        mblint()
            .args(args)
            .arg(&drive)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("symbolic link"));
    }
    assert_eq!(
        std::fs::read(outside.join("system32/inetsrv/MetaBase.xml")).unwrap(),
        before
    );
    // A real copy beside it works.
    mblint().args(["check", &server("clean-64bit")]).assert().code(0);
}

#[test]
fn text_and_github_never_read_as_a_pass_with_an_unreadable_input() {
    let missing = "no-such-dir/MetaBase.xml";
    let good = fixture("clean-64bit.xml");
    let out = mblint()
        .args(["check", "--color", "never", missing, &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("{missing}: could not be checked: cannot read")),
        "{text}"
    );
    assert!(
        text.ends_with(
            "No problems found in the 1 file checked; 1 of 2 files could not be checked: this is no pass.\n"
        ),
        "{text}"
    );
    assert!(!text.contains("No problems found in 0 files"));
    // --statistics too.
    let out = mblint().args(["check", "--statistics", missing]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("could not be checked: this is no pass")
    );
    // GitHub: an error annotation on the file.
    let out = mblint()
        .args(["check", "--format", "github", missing, &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let github = String::from_utf8(out.stdout).unwrap();
    assert!(
        github.starts_with(&format!("::error file={missing},title=mblint%3A input not checked::")),
        "{github}"
    );
}

#[cfg(unix)]
#[test]
fn a_fix_not_written_keeps_its_findings_and_the_others_are_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let names = ["a.xml", "b.xml", "c.xml"];
    for n in names {
        std::fs::copy(fixture("enable32bit-misplaced-agreeing.xml"), dir.path().join(n)).unwrap();
    }
    let locked = dir.path().join("b.xml");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&locked).unwrap();
    let out = mblint()
        .args(["check", "--fix", "--format", "json"])
        .args(names.iter().map(|n| dir.path().join(n)))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let json = json_of(&out);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    let b = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("b.xml"))
        .unwrap();
    assert!(b["error"].as_str().unwrap().contains("read-only"), "{b}");
    assert_eq!(b["counts"]["warning"], 1, "its finding is still reported");
    assert_eq!(std::fs::read(&locked).unwrap(), before);
    // The writable ones were fixed: the contract is per file.
    for n in ["a.xml", "c.xml"] {
        let text = std::fs::read_to_string(dir.path().join(n)).unwrap();
        assert!(!text.contains("\t\tEnable32BitAppOnWin64=\"FALSE\""), "{n}");
    }
}

#[test]
fn a_run_that_checked_nothing_never_says_no_problems_found() {
    for (missing, summary) in [
        (
            &["no-such-dir/MetaBase.xml"][..],
            "1 input could not be checked: this is no pass.\n",
        ),
        (
            &["no-such-dir/MetaBase.xml", "no-such-dir/other.xml"][..],
            "2 inputs could not be checked: this is no pass.\n",
        ),
    ] {
        for extra in [&["--format", "text"][..], &["--format", "concise"], &["--statistics"]] {
            let out = mblint()
                .args(["check", "--color", "never"])
                .args(extra)
                .args(missing)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2));
            let stdout = String::from_utf8(out.stdout).unwrap();
            assert!(stdout.ends_with(summary), "{extra:?}: {stdout}");
            assert!(!stdout.contains("No problems found"), "{extra:?}: {stdout}");
        }
    }
}

/// The words every format uses for a read-only metabase that `--fix` checked and could not write.
#[cfg(unix)]
fn not_written(path: &str) -> String {
    format!(
        "{path} is read-only; nothing written (make it writable and run --fix again, or print the fixes with --diff, or as commands for the live metabase with --script adsutil)"
    )
}

#[cfg(unix)]
#[test]
fn a_fix_that_cannot_be_written_says_the_file_was_checked_and_what_can_work() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let metabase = dir.path().join("MetaBase.xml");
    std::fs::copy(fixture("enable32bit-misplaced-agreeing.xml"), &metabase).unwrap();
    std::fs::set_permissions(&metabase, std::fs::Permissions::from_mode(0o444)).unwrap();
    let name = metabase.display().to_string();
    let out = mblint()
        .args(["check", "--isolated", "--fix", "--color", "never"])
        .arg(&metabase)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "mblint: error: {name}: checked, but its fixes were not written: {}\n",
            not_written(&name)
        )
    );
    // What was found (the finding, and its count), that the fixes were not written and why, and
    // what can work; never "could not be checked", nor the advice to run --fix again as it was.
    assert!(stdout.contains("MB105(misplaced-enable32bit)"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{name}: checked (1 warning), but its fixes were not written: {}\n",
            not_written(&name)
        )),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "Found 1 problem (1 warning) in 1 of 1 file; the fixes to 1 of 1 file could not be written: this is no pass.\n"
        ),
        "{stdout}"
    );
    assert!(
        !stdout.contains("could not be checked") && !stdout.contains("fixable with --fix"),
        "{stdout}"
    );
    // GitHub and SARIF say the same.
    let out = mblint()
        .args(["check", "--isolated", "--fix", "--format", "github"])
        .arg(&metabase)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let github = String::from_utf8(out.stdout).unwrap();
    assert!(
        github.starts_with(&format!(
            "::error file={},title=mblint%3A fixes not written::{name} was checked, but its fixes were not written: ",
            name.replace(':', "%3A").replace(',', "%2C")
        )),
        "{github}"
    );
    assert!(github.contains("title=MB105 misplaced-enable32bit"), "{github}");
    let out = mblint()
        .args(["check", "--isolated", "--fix", "--format", "sarif"])
        .arg(&metabase)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let sarif = json_of(&out);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["message"]["text"],
        format!(
            "{name} was checked, but its fixes were not written: {}",
            not_written(&name)
        )
    );
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[cfg(unix)]
#[test]
fn a_fix_not_written_in_a_drive_copy_is_one_input_not_two() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("server");
    let inetsrv = root.join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    let metabase = inetsrv.join("MetaBase.xml");
    std::fs::copy(fixture("enable32bit-misplaced-agreeing.xml"), &metabase).unwrap();
    std::fs::set_permissions(&metabase, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = mblint()
        .args(["check", "--isolated", "--fix", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json = json_of(&out);
    assert_eq!(json["failed_inputs"], 1);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["path"], metabase.display().to_string());
    assert!(files[0]["error"].as_str().unwrap().contains("read-only"));
    assert_eq!(files[0]["counts"]["warning"], 1);
    let out = mblint()
        .args(["check", "--isolated", "--fix", "--format", "concise"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("in 1 of 1 file; the fixes to 1 of 1 file could not be written: this is no pass.")
    );
}

#[test]
fn a_baseline_reports_only_what_is_new_and_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let metabase = dir.path().join("MetaBase.xml");
    std::fs::copy(fixture("fpse2002-64bit.xml"), &metabase).unwrap();
    let baseline = dir.path().join("baseline.json");
    mblint()
        .args(["check", "--isolated", "--write-baseline"])
        .arg(&baseline)
        .arg(&metabase)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("recorded 2 finding(s)"));
    mblint()
        .args(["check", "--isolated", "--baseline"])
        .arg(&baseline)
        .arg(&metabase)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found in 1 file."))
        .stderr(predicate::str::contains("2 finding(s) in the baseline"));
    // A new 32-bit DLL is new, and fails the gate.
    let text = std::fs::read_to_string(&metabase).unwrap();
    let worse = text.replacen(
        "ScriptMaps=\".asp,",
        "ScriptMaps=\".new,C:\\Program Files (x86)\\New\\new.dll,1,GET\r\n\t\t\t.asp,",
        1,
    );
    std::fs::write(&metabase, worse).unwrap();
    mblint()
        .args(["check", "--isolated", "--color", "never", "--baseline"])
        .arg(&baseline)
        .arg(&metabase)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("new.dll"));
    // A baseline that cannot be read filters nothing and is an error.
    std::fs::write(&baseline, "garbage").unwrap();
    mblint()
        .args(["check", "--isolated", "--baseline"])
        .arg(&baseline)
        .arg(&metabase)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a baseline"));
}

#[test]
fn a_baseline_never_holds_or_hides_a_malformed_metabase() {
    let dir = tempfile::tempdir().unwrap();
    let metabase = dir.path().join("MetaBase.xml");
    let baseline = dir.path().join("baseline.json");
    // Written while the file was cut short: MB001 is not recorded, and the run says so and fails.
    let whole = std::fs::read(fixture("fpse2002-64bit.xml")).unwrap();
    std::fs::write(&metabase, &whole[..3000]).unwrap();
    let out = mblint()
        .args(["check", "--isolated", "--write-baseline"])
        .arg(&baseline)
        .arg(&metabase)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "mblint: warning: 1 MB001 finding(s) (malformed-metabase) not recorded in {}: a baseline never accepts a file mblint cannot read as a metabase",
            baseline.display()
        )),
        "{stderr}"
    );
    let held: serde_json::Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    assert_eq!(held["findings"], serde_json::json!([]));
    // 3,000 random bytes later, the gate fails.
    let noise: Vec<u8> = (0u32..3000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&metabase, &noise).unwrap();
    mblint()
        .args(["check", "--isolated", "--color", "never", "--baseline"])
        .arg(&baseline)
        .arg(&metabase)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB001(malformed-metabase)"));
    // A baseline that holds an MB001 (written by hand, or by an older mblint) hides none.
    let old = serde_json::json!({
        "mblint_baseline": 1,
        "findings": [{
            "code": "MB001", "file": metabase.display().to_string(),
            "location": "", "attribute": "", "cause": ""
        }]
    });
    std::fs::write(&baseline, old.to_string()).unwrap();
    for format in ["concise", "json", "sarif", "github"] {
        let out = mblint()
            .args(["check", "--isolated", "--format", format, "--baseline"])
            .arg(&baseline)
            .arg(&metabase)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("MB001"), "{format}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!(
                "mblint: warning: the baseline {} holds 1 MB001 finding(s) (malformed-metabase): ignored, a baseline never hides a malformed metabase",
                baseline.display()
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("in the baseline"), "{stderr}");
    }
}

// Control characters in file names: NTFS forbids them (Win32 error 123), so there is nothing to
// stage on Windows.
#[cfg(unix)]
#[test]
fn errors_on_stderr_carry_no_control_character() {
    // A name with an OSC sequence in it, as a drive copy's file name could have: every line on stderr
    // (here --verbose's) shows it escaped.
    let dir = tempfile::tempdir().unwrap();
    let metabase = dir.path().join("Meta\u{1b}]0;pwned\u{7}.xml");
    std::fs::copy(fixture("clean-64bit.xml"), &metabase).unwrap();
    let out = mblint().args(["check", "--verbose"]).arg(&metabase).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains(['\u{1b}', '\u{7}']), "{stderr:?}");
    assert!(stderr.contains("\\u{1b}"), "{stderr}");
}

// Control characters in file names: NTFS forbids them (Win32 error 123), so there is nothing to
// stage on Windows.
#[cfg(unix)]
#[test]
fn inspect_shows_a_hostile_file_name_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("x\u{1b}[2Jy.dll");
    std::fs::copy(
        format!("{}/testdata/images/x64/isapi-filter.dll", env!("CARGO_MANIFEST_DIR")),
        &image,
    )
    .unwrap();
    let out = mblint().arg("inspect").arg(&image).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        !table.contains('\u{1b}') && table.contains("x\\u{1b}[2Jy.dll"),
        "{table:?}"
    );
}
