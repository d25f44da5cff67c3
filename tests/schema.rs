//! The metabase checked against a schema: the drive copy's own MBSchema.xml (read bounded, added to
//! IIS 6.0's, an unreadable one an input not checked), and MB005/MB006 through the command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

mod common;
use common::copy_tree;

const FORMATS: [&str; 6] = ["text", "concise", "json", "sarif", "github", "html"];
const INETSRV: &str = "Windows/System32/InetSrv";

fn mblint() -> Command {
    let mut c = Command::cargo_bin("mblint").unwrap();
    c.timeout(Duration::from_secs(60));
    c
}

/// A copy of the `clean-64bit` server, its root virtual directory given `extra` attributes, with
/// `schema` as its MBSchema.xml (none when `None`).
fn server(extra: &str, schema: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("c");
    copy_tree(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/servers/clean-64bit")),
        &root,
    );
    let metabase = root.join(INETSRV).join("MetaBase.xml");
    let text = std::fs::read_to_string(&metabase).unwrap();
    let anchor = "Location =\"/LM/W3SVC/1/ROOT\"";
    assert!(text.contains(anchor));
    std::fs::write(&metabase, text.replacen(anchor, &format!("{anchor}\r\n\t\t{extra}"), 1)).unwrap();
    if let Some(schema) = schema {
        std::fs::write(root.join(INETSRV).join("MBSchema.xml"), schema).unwrap();
    }
    (dir, root)
}

/// A product's schema extension, as ADSI writes one: a property defined in IIsConfigObject and
/// listed on IIsWebVirtualDir.
const EXTENDED: &str = "\u{feff}<?xml version =\"1.0\"?>\r\n<MetaData xmlns=\"x-schema:CatMeta_v6.xml\">\r\n\t<DatabaseMeta InternalName =\"METABASE\">\r\n\t\t<Collection InternalName =\"IIsConfigObject\">\r\n\t\t\t<Property InternalName =\"AcmeGatewayMode\" ID=\"700001\" Type=\"DWORD\" UserType=\"IIS_MD_UT_SERVER\" Attributes=\"INHERIT\" DefaultValue=\"1\" StartingNumber=\"1\" EndingNumber=\"3\"/>\r\n\t\t</Collection>\r\n\t\t<Collection InternalName =\"IIsWebVirtualDir\">\r\n\t\t\t<Property InheritsPropertiesFrom =\"IIsConfigObject:AcmeGatewayMode\"/>\r\n\t\t</Collection>\r\n\t</DatabaseMeta>\r\n</MetaData>\r\n";

fn json_of(root: &Path) -> (Option<i32>, serde_json::Value) {
    let out = mblint().args(["check", "--format", "json"]).arg(root).output().unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap())
}

fn codes(json: &serde_json::Value) -> Vec<String> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_drive_schema_extends_the_builtin_one_and_the_model_says_so() {
    // Without the product's schema its property is unknown (MB006) ...
    let (_dir, root) = server("AcmeGatewayMode=\"2\"", None);
    let (code, json) = json_of(&root);
    assert_eq!(codes(&json), ["MB006"], "{json}");
    assert_eq!(code, Some(1));
    assert_eq!(json["files"][0]["server"]["schema"]["value"], "built-in", "{json}");

    // ... with it, the property is the server's, and its range is checked (MB002) ...
    let (_dir, root) = server("AcmeGatewayMode=\"2\"", Some(EXTENDED));
    let (code, json) = json_of(&root);
    assert!(codes(&json).is_empty(), "{json}");
    assert_eq!(code, Some(0));
    let schema = &json["files"][0]["server"]["schema"];
    assert_eq!(schema["value"], "drive", "{json}");
    assert_eq!(schema["source"], "drive", "{json}");
    let (_dir, root) = server("AcmeGatewayMode=\"9\"", Some(EXTENDED));
    let (code, json) = json_of(&root);
    assert_eq!(codes(&json), ["MB002"], "{json}");
    assert!(
        json["diagnostics"][0]["message"].as_str().unwrap().contains("1 to 3"),
        "{json}"
    );
    assert_eq!(code, Some(1));

    // ... and IIS 6.0's own properties stay known (the drive's file adds to them).
    let (_dir, root) = server("DefaultDocs=\"index.htm\"", Some(EXTENDED));
    let (_, json) = json_of(&root);
    assert_eq!(codes(&json), ["MB006"], "{json}");
    assert!(
        json["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean DefaultDoc?"),
        "{json}"
    );

    // The text summary line names the schema.
    let out = mblint().args(["check"]).arg(&root).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("the drive's MBSchema.xml with IIS 6.0's"), "{stdout}");
}

#[test]
fn a_drive_schema_that_does_not_read_fails_closed_in_every_format() {
    for (schema, said) in [
        ("<MetaData><DatabaseMeta>", "not well-formed"),
        ("<configuration/>", "not <MetaData>"),
        ("<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]><MetaData/>", "DOCTYPE"),
    ] {
        let (_dir, root) = server("", Some(schema));
        for format in FORMATS {
            let out = mblint()
                .args(["check", "--format", format])
                .arg(&root)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{format}: {stdout}\n{stderr}");
            assert!(
                stderr.contains("MBSchema.xml") && stderr.contains(said),
                "{format}: {stderr}"
            );
            if format == "json" {
                let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(json["failed_inputs"], 1, "{json}");
            }
            if format == "text" {
                assert!(stdout.contains("this is no pass"), "{stdout}");
            }
        }
    }
}

#[test]
fn a_drive_schema_larger_than_mblint_reads_fails_closed() {
    let huge = format!("<MetaData>{}</MetaData>", " ".repeat(17 << 20));
    let (_dir, root) = server("", Some(&huge));
    let out = mblint().args(["check"]).arg(&root).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bytes mblint reads of it"), "{stderr}");
}

#[test]
fn a_name_in_the_wrong_case_is_an_error_until_fixed_and_the_fix_writes_the_schemas_spelling() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/metabases/rules/MB005-name-case.xml"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("MetaBase.xml");
    std::fs::copy(fixture, &file).unwrap();
    let out = mblint()
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let worker = &json["files"][0]["worker"];
    assert_eq!(worker["bitness"], serde_json::Value::Null, "{json}");
    assert_eq!(worker["name_case"], true, "{json}");
    let mb005: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "MB005")
        .collect();
    // Enable32bitAppOnWin64, connectiontimeout, and serverComment beside ServerComment (no fix).
    assert_eq!(mb005.len(), 3, "{json}");
    let twice = mb005.iter().find(|d| d["attribute"] == "serverComment").unwrap();
    assert!(twice["fix"].is_null(), "{twice}");
    let e32 = mb005
        .iter()
        .find(|d| d["attribute"] == "Enable32bitAppOnWin64")
        .unwrap();
    assert_eq!(e32["severity"], "error");
    assert_eq!(e32["fix"]["applicability"], "unsafe");
    // `--fail-on error` fails on it: the gate does not pass a verdict that rests on a guess.
    let out = mblint()
        .args(["check", "--fail-on", "error"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    let out = mblint()
        .args(["check", "--fix", "--unsafe-fixes"])
        .arg(&file)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("Enable32BitAppOnWin64=\"TRUE\""),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(text.contains("ConnectionTimeout=\"120\""));
    assert!(!text.contains("Enable32bitAppOnWin64") && !text.contains("connectiontimeout"));
    assert!(
        text.contains("serverComment=\"Old Site\""),
        "no fix chooses between two values"
    );
    let out = mblint()
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let left: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "MB005")
        .collect();
    assert_eq!(left.len(), 1, "only the doubled ServerComment is left: {json}");
    assert_eq!(left[0]["attribute"], "serverComment");
    assert_eq!(json["files"][0]["worker"]["bitness"], 32, "{json}");
}
