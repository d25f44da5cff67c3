//! The loader's facts from a drive copy's SYSTEM hive (issue 20): mblint's hive reader agrees with
//! notatin on every test hive (and so the test hive writer writes what notatin reads), the server
//! model in every format says where the facts came from, and a hive that is there but cannot be read
//! fails the run (exit 2) in every format.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use mblint::resolve::hive::{Hive, Limits};
use notatin::parser_builder::ParserBuilder;

mod common;
use common::copy_tree;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn hive_bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{ROOT}/testdata/hives/{name}.hiv")).unwrap()
}

/// Every key notatin finds in a test hive, mblint's reader finds at the same path, with the same
/// values: names, types and data, byte for byte.
#[test]
fn the_reader_agrees_with_notatin_on_every_test_hive() {
    for name in [
        "system-full",
        "system-no-safedll",
        "system-odd",
        "system-bad-current",
        "system-big-path",
    ] {
        let bytes = hive_bytes(name);
        let parser = ParserBuilder::from_file(std::io::Cursor::new(bytes.clone()))
            .build()
            .unwrap_or_else(|e| panic!("{name}: notatin: {e:?}"));
        assert!(
            !parser.get_parse_logs().has_logs(),
            "{name}: {:?}",
            parser.get_parse_logs()
        );
        let hive = Hive::parse(&bytes, Limits::DEFAULT).unwrap();
        let root = hive.root().unwrap();
        let mut keys = 0;
        let mut values = 0;
        for key in notatin::parser::ParserIterator::new(&parser).iter() {
            // `\$$$PROTO.HIV\ControlSet001\Control`: the root's name, then the path below it.
            let below: Vec<&str> = key.path.split('\\').skip(2).collect();
            let ours = hive
                .path(&root, &below)
                .unwrap_or_else(|e| panic!("{name}: {}: {e}", key.path))
                .unwrap_or_else(|| panic!("{name}: {} not found", key.path));
            assert_eq!(ours.name, key.key_name, "{name}: {}", key.path);
            let mut theirs: Vec<(String, u32, Vec<u8>)> = key
                .value_iter()
                .map(|v| {
                    assert!(v.logs.get().is_none(), "{name}: {}: {:?}", key.path, v.logs);
                    (
                        v.detail.value_name(),
                        v.data_type as u32,
                        v.detail.value_bytes().unwrap_or_default(),
                    )
                })
                .collect();
            let mut mine: Vec<(String, u32, Vec<u8>)> = hive
                .values(&ours)
                .unwrap()
                .into_iter()
                .map(|v| (v.name, v.kind, v.data))
                .collect();
            theirs.sort();
            mine.sort();
            values += mine.len();
            assert_eq!(mine, theirs, "{name}: {}", key.path);
            keys += 1;
        }
        assert!(
            keys >= 5 && values >= 1,
            "{name}: only {keys} keys and {values} values compared"
        );
    }
}

fn mblint() -> Command {
    let mut c = Command::cargo_bin("mblint").unwrap();
    c.timeout(Duration::from_secs(60));
    c
}

fn stdout_of(args: &[&str], path: &Path) -> (i32, String, String) {
    let out = mblint().args(args).arg(path).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_server_model_says_where_the_loaders_facts_came_from() {
    let with_hive = Path::new(ROOT).join("testdata/servers/system-hive");
    let (code, text, _) = stdout_of(&["check", "--format", "text", "--color", "never"], &with_hive);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            r"DLL search: SafeDllSearchMode 0, 21 KnownDLLs, PATH of 7 folders, 3 not searchable (read from C:\WINDOWS\system32\config\SYSTEM, ControlSet001)"
        ),
        "{text}"
    );
    let (code, json, _) = stdout_of(&["check", "--format", "json"], &with_hive);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let loader = &doc["files"][0]["server"]["loader"];
    assert_eq!(loader["source"], "drive");
    assert_eq!(loader["value"]["origin"]["kind"], "hive");
    assert_eq!(loader["value"]["origin"]["file"], r"C:\WINDOWS\system32\config\SYSTEM");
    assert_eq!(loader["value"]["origin"]["control_set"], 1);
    assert_eq!(loader["value"]["safe_dll_search_mode"], false);
    assert_eq!(loader["value"]["path"][0]["folder"], r"C:\WINDOWS\system32");
    assert!(
        loader["evidence"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(r"read C:\WINDOWS\system32\config\SYSTEM: ControlSet001")
    );

    // Without a hive: the defaults, said to be, and PATH unknown.
    let without = Path::new(ROOT).join("testdata/servers/clean-64bit");
    let (code, text, _) = stdout_of(&["check", "--format", "text", "--color", "never"], &without);
    assert_eq!(code, 0);
    assert!(
        text.contains(
            r"DLL search: Server 2003 defaults, PATH unknown (no C:\WINDOWS\system32\config\SYSTEM on the drive)"
        ),
        "{text}"
    );
    let (_, json, _) = stdout_of(&["check", "--format", "json"], &without);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let loader = &doc["files"][0]["server"]["loader"];
    assert_eq!(loader["source"], "default");
    assert_eq!(loader["value"]["origin"]["kind"], "defaults");
    assert_eq!(loader["value"]["path"], serde_json::Value::Null);
    assert_eq!(loader["value"]["known_dlls"].as_array().unwrap().len(), 20);

    // A metabase alone: no drive, nothing searched, nothing said.
    let alone = Path::new(ROOT).join("testdata/metabases/clean-64bit.xml");
    let (code, json, _) = stdout_of(&["check", "--format", "json"], &alone);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["files"][0]["server"]["loader"], serde_json::Value::Null);
    let (_, text, _) = stdout_of(&["check", "--format", "text", "--color", "never"], &alone);
    assert!(!text.contains("DLL search"), "{text}");
}

/// A copy of `system-hive` with its hive replaced by `bytes`.
fn server_with_hive(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("c");
    copy_tree(&Path::new(ROOT).join("testdata/servers/system-hive"), &root);
    std::fs::write(root.join("Windows/System32/config/system"), bytes).unwrap();
    (dir, root)
}

const FORMATS: [&str; 6] = ["text", "concise", "json", "sarif", "github", "html"];

/// A hive that is there but does not read is an input not checked: exit 2 in every format, the hive
/// named with why, and never a pass.
#[test]
fn an_unreadable_hive_fails_the_run_in_every_format() {
    let corrupt = hive_bytes("system-corrupt");
    let full = hive_bytes("system-full");
    let truncated = full[..full.len() - 4096].to_vec();
    let mut bit_flipped = full.clone();
    bit_flipped[300] ^= 0x10;
    for (what, bytes, why) in [
        ("corrupt", corrupt, "not a key node"),
        ("truncated", truncated, "truncated"),
        ("bit-flipped header", bit_flipped, "checksum"),
    ] {
        let (_dir, root) = server_with_hive(&bytes);
        for format in FORMATS {
            let (code, stdout, stderr) = stdout_of(&["check", "--format", format], &root);
            assert_eq!(code, 2, "{what}, {format}: {stdout}\n{stderr}");
            assert!(
                stderr.contains("the SYSTEM hive was not read") && stderr.contains(why),
                "{what}, {format}: {stderr}"
            );
            // `/` on unix, `\` on Windows (escaped in JSON), where the drive copy is a temporary folder.
            let named = ["config/system", r"config\/system", r"config\system", r"config\\system"]
                .iter()
                .any(|n| stdout.contains(n));
            assert!(named, "{what}, {format}: the hive is named in the output: {stdout}");
            if format == "json" {
                let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                assert_eq!(doc["failed_inputs"], 1, "{stdout}");
                assert_eq!(doc["files"][0]["server"]["loader"]["source"], "default");
            }
        }
    }
}
