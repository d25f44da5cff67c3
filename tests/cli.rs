//! The command-line contract: exit codes, output formats, and errors that name their input.

use assert_cmd::Command;
use predicates::prelude::*;

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn fixture(name: &str) -> String {
    format!("{}/testdata/metabases/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn clean_file_exits_0() {
    mblint()
        .args(["check", &fixture("clean-64bit.xml")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found in 1 file."));
}

#[test]
fn findings_exit_1_and_name_the_code() {
    mblint()
        .args(["check", "--color", "never", &fixture("fpse2002-64bit.xml")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB102(worker-bitness-mismatch)"))
        .stdout(predicate::str::contains("fpse2002-64bit.xml:107:15"))
        .stdout(predicate::str::contains("503 Service Unavailable"));
}

#[test]
fn exit_zero_and_fail_on() {
    mblint()
        .args(["check", "--exit-zero", &fixture("fpse2002-64bit.xml")])
        .assert()
        .code(0);
    // Only warnings: below the error fail level, at the default warning level.
    mblint()
        .args(["check", "--fail-on", "error", &fixture("enable32bit-bad-value.xml")])
        .assert()
        .code(0);
    mblint()
        .args(["check", &fixture("enable32bit-bad-value.xml")])
        .assert()
        .code(1);
    mblint()
        .args(["check", "--fail-on", "info", &fixture("clean-32bit-mode.xml")])
        .assert()
        .code(0);
}

#[test]
fn malformed_file_is_a_finding_not_a_crash() {
    mblint()
        .args(["check", &fixture("malformed/doctype-entities.xml")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB001(malformed-metabase)"))
        .stdout(predicate::str::contains("doctype-entities.xml:2:1"));
}

#[test]
fn unreadable_input_exits_2_naming_the_path() {
    mblint()
        .args(["check", "no/such/MetaBase.xml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read no/such/MetaBase.xml"));
    let dir = env!("CARGO_MANIFEST_DIR");
    mblint()
        .args(["check", dir])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("without WINDOWS"));
}

#[test]
fn one_bad_path_still_reports_the_others_but_exits_2() {
    mblint()
        .args(["check", "--format", "json", "missing.xml", &fixture("clean-64bit.xml")])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("\"schema_version\": 1"));
}

#[test]
fn usage_errors_exit_2() {
    mblint().assert().code(2);
    mblint().args(["check"]).assert().code(2);
    mblint().args(["check", "--format", "xml", "a.xml"]).assert().code(2);
    mblint().args(["frobnicate"]).assert().code(2);
    mblint().args(["--help"]).assert().code(0);
    mblint()
        .args(["--version"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("mblint "));
}

#[test]
fn json_has_the_documented_fields() {
    let out = mblint()
        .args(["check", "--format", "json", &fixture("framework64-32bit-mode.xml")])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"]["name"], "mblint");
    assert_eq!(v["files"][0]["encoding"], "utf8-bom");
    assert_eq!(v["files"][0]["line_ending"], "crlf");
    assert_eq!(v["files"][0]["worker"]["bitness"], 32);
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MB102")
        .unwrap();
    for field in [
        "code",
        "name",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end",
        "span",
        "location",
        "attribute",
        "evidence",
        "fix",
    ] {
        assert!(d.get(field).is_some(), "missing {field}");
    }
    assert_eq!(d["name"], "worker-bitness-mismatch");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["attribute"], "ScriptMaps");
    assert_eq!(d["location"], "/LM/W3SVC");
    assert_eq!(d["evidence"][0]["kind"], "path-pattern");
    assert_eq!(d["evidence"][0]["bitness"], 64);
    assert!(d["fix"].is_null());
    // The byte span cuts the processor path out of the file on disk.
    let bytes = std::fs::read(fixture("framework64-32bit-mode.xml")).unwrap();
    let (s, e) = (
        d["span"]["start"].as_u64().unwrap() as usize,
        d["span"]["end"].as_u64().unwrap() as usize,
    );
    assert!(
        std::str::from_utf8(&bytes[s..e])
            .unwrap()
            .ends_with("Framework64\\v2.0.50727\\aspnet_isapi.dll")
    );
}

#[test]
fn utf16_copy_reports_the_same_lines() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(fixture("fpse2002-64bit.xml")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(
        original
            .trim_start_matches('\u{feff}')
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let copy = dir.path().join("MetaBase.xml");
    std::fs::write(&copy, bytes).unwrap();
    mblint()
        .args(["check", "--color", "never", copy.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MetaBase.xml:107:15"));
}

#[test]
fn a_drive_copy_is_checked_with_its_images() {
    let server = format!("{}/testdata/servers/fpse2002-64bit", env!("CARGO_MANIFEST_DIR"));
    mblint()
        .args(["check", "--color", "never", &server])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("image: PE32 i386 DLL"));
    // The same metabase with the drive mapped explicitly gives the same finding.
    let metabase = format!("{server}/Windows/System32/InetSrv/MetaBase.xml");
    mblint()
        .args([
            "check",
            "--color",
            "never",
            "--drive",
            &format!("C:={server}"),
            &metabase,
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("image: PE32 i386 DLL"));
    // Without the drive: path evidence only.
    mblint()
        .args(["check", "--color", "never", &metabase])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("path: `\\Program Files (x86)\\`"));
    mblint()
        .args(["check", "--drive", "nonsense", &metabase])
        .assert()
        .code(2);
}

#[test]
fn inspect_prints_a_table_or_json_and_exits_by_what_it_found() {
    let images = format!("{}/testdata/images", env!("CARGO_MANIFEST_DIR"));
    mblint()
        .args([
            "inspect",
            &format!("{images}/x86/isapi-filter.dll"),
            &format!("{images}/x64/isapi-extension.dll"),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("i386     PE32    DLL   32-bit"))
        .stdout(predicate::str::contains("AMD64    PE32+   DLL   64-bit"))
        .stdout(predicate::str::contains("ISAPI extension; imports KERNEL32.dll"));
    let out = mblint()
        .args(["inspect", "--format", "json", &format!("{images}/managed/il-only.dll")])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v[0]["machine"], "i386");
    assert_eq!(v[0]["format"], "PE32");
    assert_eq!(v[0]["clr"]["il_only"], true);
    assert!(v[0]["bitness"].is_null());
    mblint()
        .args(["inspect", &format!("{images}/corrupt/not-pe.dll")])
        .assert()
        .code(1);
    mblint().args(["inspect", "missing.dll"]).assert().code(2);
}
