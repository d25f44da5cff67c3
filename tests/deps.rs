//! The dependency closure (issue 20) at the edges: `mblint inspect --deps` (text, JSON, exit codes),
//! the chain in JSON and SARIF, one finding per cause, and a file on the search order that cannot
//! be read.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

mod common;
use common::copy_tree;

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn server(name: &str) -> String {
    format!("{}/testdata/servers/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn drive(name: &str) -> String {
    format!("C:={}", server(name))
}

#[test]
fn inspect_deps_draws_the_tree_and_says_why_a_module_is_missing() {
    let out = mblint()
        .args([
            "inspect",
            "--deps",
            "-d",
            &drive("deps-missing-transitive"),
            r"C:\Apps\Dep\ext.dll",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    // The Windows folder as the drive spells it (C:\Windows): compared without regard to case.
    let text = String::from_utf8(out).unwrap().to_ascii_lowercase();
    assert!(text.contains("64-bit w3wp.exe on x64 windows"), "{text}");
    // The tree: each module where it was found and why.
    assert!(
        text.contains("ext.dll  c:\\apps\\dep\\ext.dll  [the configured path]"),
        "{text}"
    );
    assert!(
        text.contains("  helper.dll  c:\\windows\\system32\\helper.dll  [the system folder]"),
        "{text}"
    );
    assert!(text.contains("    helper2.dll  not loaded"), "{text}");
    // Why: every folder searched (PATH from the hive), and what was not.
    assert!(
        text.contains("helper2.dll: not found (win32 error 126); searched c:\\windows\\system32\\inetsrv, c:\\windows\\system32, c:\\windows\\system, c:\\windows, c:\\windows\\system32, c:\\windows; not searched: the current folder of w3wp.exe"),
        "{text}"
    );
    assert!(text.contains("chain: ext.dll -> helper.dll -> helper2.dll"), "{text}");

    // A 32-bit worker on the same drive: its system folder is SysWOW64, where nothing is.
    mblint()
        .args([
            "inspect",
            "--deps",
            "--worker-bitness",
            "32",
            "-d",
            &drive("deps-32bit-system32-only"),
            r"C:\Apps\Dep\ext.dll",
        ])
        .assert()
        .code(1)
        .stdout(
            predicate::str::is_match(r"(?i)searched C:\\WINDOWS\\SysWOW64\\inetsrv, C:\\WINDOWS\\SysWOW64,").unwrap(),
        );
}

#[test]
fn inspect_deps_json_and_exit_codes() {
    let out = mblint()
        .args([
            "inspect",
            "--deps",
            "--format",
            "json",
            "-d",
            &drive("deps-vc80-winsxs"),
            "--worker-bitness",
            "32",
            r"C:\Apps\Dep\ext.dll",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&out).unwrap();
    let nodes = json["dlls"][0]["closure"]["nodes"].as_array().unwrap();
    let msvcr80 = nodes.iter().find(|n| n["name"] == "MSVCR80.dll").unwrap();
    assert_eq!(msvcr80["via"]["kind"], "assembly", "{msvcr80}");
    assert!(
        msvcr80["path"]
            .as_str()
            .unwrap()
            .contains("WinSxS\\x86_Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_8.0.50727.762_x-ww_6b128700"),
        "{msvcr80}"
    );
    assert_eq!(json["dlls"][0]["closure"]["faults"], Value::Array(vec![]));
    assert_eq!(json["search"]["safe_dll_search_mode"], true);

    // A DLL that is not there: not judged (1); no drive: a usage error (2).
    mblint()
        .args([
            "inspect",
            "--deps",
            "-d",
            &drive("deps-in-system32"),
            r"C:\Apps\Gone\x.dll",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("not found on the drive"));
    mblint()
        .args(["inspect", "--deps", r"C:\Apps\Dep\ext.dll"])
        .assert()
        .code(2);
    mblint()
        .args([
            "inspect",
            "--deps",
            "-d",
            &drive("deps-in-system32"),
            r"C:\Apps\Dep\ext.dll",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("every dependency loads"));
    // A partial copy: not judged, said once.
    mblint()
        .args([
            "inspect",
            "--deps",
            "-d",
            &drive("deps-partial"),
            r"C:\Apps\Dep\ext.dll",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("partial copy"));
}

#[test]
fn the_chain_is_in_json_and_sarif() {
    let out = mblint()
        .args(["check", "--format", "json", &server("deps-missing-transitive")])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&out).unwrap();
    let d = &json["diagnostics"][0];
    assert_eq!(d["code"], "MB207");
    let e = &d["evidence"][0];
    assert_eq!(e["kind"], "dependency");
    assert_eq!(e["chain"], serde_json::json!(["ext.dll", "helper.dll", "helper2.dll"]));
    assert_eq!(e["win32_error"], 126);
    assert_eq!(e["process"], "64-bit w3wp.exe");
    assert_eq!(e["searched"][0], "C:\\WINDOWS\\system32\\inetsrv");

    let out = mblint()
        .args(["check", "--format", "sarif", &server("deps-missing-function")])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let sarif: Value = serde_json::from_slice(&out).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/testdata/sarif/sarif-2.1.0-rtm.5.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let functions: Vec<&str> = results
        .iter()
        .map(|r| r["properties"]["evidence"][0]["function"].as_str().unwrap())
        .collect();
    assert_eq!(functions, ["GetTickCount64", "InitializeSRWLock"]);
}

#[test]
fn one_finding_per_cause_and_an_unreadable_dependency_is_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("drive");
    copy_tree(std::path::Path::new(&server("deps-missing-direct")), &root);
    // Three script maps that name the same DLL, and a second DLL that needs the same helper.dll.
    let metabase = root.join("Windows/System32/InetSrv/MetaBase.xml");
    let text = std::fs::read_to_string(&metabase).unwrap();
    let text = text.replace(
        ".dep,C:\\Apps\\Dep\\ext.dll,1,GET\"",
        ".dep,C:\\Apps\\Dep\\ext.dll,1,GET\r\n\t\t\t.dep2,C:\\Apps\\Dep\\ext.dll,1,GET\r\n\t\t\t.dep3,C:\\Apps\\Dep\\EXT.dll,1,GET\"",
    );
    std::fs::write(&metabase, text).unwrap();
    let out = mblint()
        .args(["check", "--format", "json", root.to_str().unwrap()])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&out).unwrap();
    let mb207: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "MB207")
        .collect();
    assert_eq!(mb207.len(), 1, "{mb207:?}");
    assert_eq!(mb207[0]["occurrences"].as_array().unwrap().len(), 2, "{}", mb207[0]);

    // helper.dll in system32 is a FIFO (never opened: it could block): the DLL's dependencies are
    // unknown, an input not checked (exit 2), never a pass.
    #[cfg(unix)]
    {
        let helper = root.join("Windows/System32/helper.dll");
        let c = std::ffi::CString::new(helper.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        mblint()
            .args(["check", root.to_str().unwrap()])
            .assert()
            .code(2)
            .stdout(predicate::str::contains(
                "a DLL an ISAPI DLL needs (ext.dll -> helper.dll) was not examined",
            ))
            .stdout(predicate::str::contains("this is no pass"));
    }
}

#[test]
fn the_html_dll_map_shows_each_dlls_dependencies() {
    let out = mblint()
        .args(["check", "--format", "html", &server("deps-missing-transitive")])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let html = String::from_utf8(out).unwrap();
    assert!(
        html.contains("needs: helper.dll: C:\\WINDOWS\\system32\\helper.dll (the system folder);   helper2.dll: fails (Win32 error 126)"),
        "{}",
        html.lines().filter(|l| l.contains("needs:")).collect::<Vec<_>>().join("\n")
    );
    // ASP's own dependency, kernel32.dll, is a known DLL.
    assert!(html.contains("needs: KERNEL32.dll: C:\\WINDOWS\\system32\\KERNEL32.dll (a known DLL)"));
}
