//! `mblint compare` over the farm fixtures in testdata/farms/ (written by make_servers.py): the
//! findings of each drift rule, snapshots of text and JSON, the machine-specific pair that must be
//! clean, and the exit-code contract (a node that cannot be read or parsed is exit 2, never a pass).

use std::collections::BTreeSet;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

/// The node folders of a farm fixture, in name order.
fn nodes(farm: &str) -> Vec<String> {
    // Spelled with `/` on every platform: the snapshots name the nodes' files so.
    let mut out: Vec<String> = std::fs::read_dir(format!("testdata/farms/{farm}"))
        .unwrap()
        .map(|e| format!("testdata/farms/{farm}/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    out.sort();
    out
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = mblint().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn compare(farm: &str, extra: &[&str]) -> (i32, String) {
    let nodes = nodes(farm);
    let mut args = vec!["compare", "--color", "never"];
    args.extend(extra);
    args.extend(nodes.iter().map(String::as_str));
    let (code, out, _) = run(&args);
    (code, out)
}

fn json(farm: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--format", "json"];
    args.extend(extra);
    let (code, out) = compare(farm, &args);
    (code, serde_json::from_str(&out).unwrap())
}

/// (code, file) of every finding of a JSON report.
fn findings(doc: &Value) -> Vec<(String, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn drift_codes(doc: &Value) -> BTreeSet<String> {
    findings(doc)
        .into_iter()
        .map(|(c, _)| c)
        .filter(|c| c.starts_with("MB6"))
        .collect()
}

#[test]
fn web_farm_finds_the_drifted_node_and_nothing_on_the_others() {
    let (code, doc) = json("web-farm", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        drift_codes(&doc),
        ["MB603", "MB604", "MB606"].map(String::from).into_iter().collect()
    );
    for (code, file) in findings(&doc) {
        assert!(file.contains("/web3/"), "{code} in {file}: only web3 drifted");
    }
    // Every drift finding names both sides: a related place in web1's and web2's files.
    for d in doc["diagnostics"].as_array().unwrap() {
        if !d["code"].as_str().unwrap().starts_with("MB6") {
            continue;
        }
        let files: BTreeSet<&str> = d["related"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["file"].as_str().unwrap())
            .collect();
        assert_eq!(files.len(), 2, "{d}");
        assert!(files.iter().any(|f| f.contains("/web1/")) && files.iter().any(|f| f.contains("/web2/")));
        for r in d["related"].as_array().unwrap() {
            assert!(r["line"].as_u64().unwrap() > 1);
        }
        let message = d["message"].as_str().unwrap();
        assert!(
            message.contains("web3 (line") && message.contains("web1 (line"),
            "{message}"
        );
    }
}

#[test]
fn every_drift_rule_fires_on_a_farm() {
    let mut seen = BTreeSet::new();
    for farm in ["web-farm", "cluster", "failover"] {
        seen.extend(drift_codes(&json(farm, &[]).1));
    }
    let registered: BTreeSet<String> = mblint::rules::drift::DRIFT_RULES
        .iter()
        .map(|r| r.code.to_string())
        .collect();
    assert_eq!(seen, registered);
}

#[test]
fn cluster_and_failover_find_their_drift() {
    let (code, doc) = json("cluster", &[]);
    assert_eq!(code, 1);
    let codes: Vec<String> = findings(&doc).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["MB401", "MB608", "MB608", "MB605", "MB607"]);
    let (code, doc) = json("failover", &[]);
    assert_eq!(code, 1);
    // Both nodes' workers are 32-bit (IIS 5.0 isolation on 32-bit Windows): no MB603.
    assert_eq!(
        drift_codes(&doc),
        ["MB601", "MB602"].map(String::from).into_iter().collect()
    );
}

#[test]
fn machine_specific_differences_are_never_reported() {
    let (code, doc) = json("machine-specific", &[]);
    assert_eq!(code, 0);
    assert_eq!(findings(&doc), []);
    assert_eq!(doc["counts"]["error"], 0);
    assert!(
        doc["compare"]["dlls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["differs"] == false)
    );
    // The nodes do differ, in what is machine-specific: the test would mean nothing otherwise.
    let [a, b] = [0, 1].map(|i| {
        std::fs::read_to_string(format!(
            "{}/Windows/System32/InetSrv/MetaBase.xml",
            nodes("machine-specific")[i]
        ))
        .unwrap()
    });
    for differs in [
        "SessionKey=",
        "AdminACL=",
        "AnonymousUserName=\"IUSR_",
        "AnonymousUserPass=",
        "WAMUserName=\"IWAM_",
        "WAMUserPass=",
        "ChangeNumber=",
        "HistoryMajorVersionNumber=",
        "XMLSchemaTimeStamp=",
        "FilterState=",
        "ServerBindings=",
    ] {
        let line = |t: &str| t.lines().find(|l| l.contains(differs)).map(str::to_string);
        assert!(line(&a).is_some(), "{differs}");
        assert_ne!(line(&a), line(&b), "the nodes must differ in {differs}");
    }
    for format in ["text", "concise", "github"] {
        let (code, out) = compare("machine-specific", &["--format", format]);
        assert_eq!(code, 0, "{format}");
        assert!(!out.contains("MB6"), "{format}: {out}");
    }
    let (code, out) = compare("machine-specific", &["--format", "sarif"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

/// Every way MB604 tells nodes apart (a map written on one node and inherited on another, three
/// groups, an extension not mapped, a site and a global filter, a compression scheme, WebDAV), in
/// every format that shows a finding's related places: how the nodes are read and compared must not
/// change a byte of it.
#[test]
fn drift_all_in_every_way_the_isapi_set_differs() {
    let (code, doc) = json("drift-all", &[]);
    assert_eq!(code, 1);
    let subjects: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "MB604")
        .map(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .split(" differs")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    for expected in [
        "the WebDAV extension (allowed in WebSvcExtRestrictionList)",
        "site ISAPI filter `SiteAuth`",
        "the script map for `.ASPX` at /LM/W3SVC/1/ROOT",
        "the script map for `.idc` at /LM/W3SVC",
        "the compression scheme /LM/W3SVC/Filters/Compression/deflate",
        "global ISAPI filter `AcmeAuth`",
        "the script map for `.shtml` at /LM/W3SVC",
        "the script map for `.SHTML` at /LM/W3SVC/1/ROOT",
        "the script map for `.asp` at /LM/W3SVC/1/ROOT",
    ] {
        assert!(subjects.iter().any(|s| s == expected), "{expected}: {subjects:?}");
    }
    assert_eq!(subjects.len(), 10, "{subjects:?}");
    let (_, text) = compare("drift-all", &[]);
    insta::assert_snapshot!("text-drift-all", text);
    insta::assert_json_snapshot!("json-drift-all", doc);
    for format in ["sarif", "github"] {
        let (_, out) = compare("drift-all", &["--format", format]);
        insta::assert_snapshot!(format!("{format}-drift-all"), out);
    }
}

#[test]
fn snapshots_of_text_and_json() {
    for farm in ["web-farm", "cluster", "failover", "machine-specific"] {
        let (_, text) = compare(farm, &[]);
        insta::assert_snapshot!(format!("text-{farm}"), text);
        let (_, doc) = json(farm, &[]);
        insta::assert_json_snapshot!(format!("json-{farm}"), doc);
    }
}

#[test]
fn the_comparison_model_draws_a_node_by_dll_matrix() {
    let (_, doc) = json("web-farm", &[]);
    let model = &doc["compare"];
    let names: Vec<&str> = model["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web1", "web2", "web3"]);
    let bits: Vec<&Value> = model["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["worker_bitness"])
        .collect();
    assert_eq!(bits, [32, 32, 64]);
    assert!(
        model["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["platform"] == "x64")
    );
    let acme = model["dlls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("acmeauth.dll"))
        .unwrap();
    assert_eq!(acme["differs"], true);
    let cells = acme["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 3);
    let image = |i: usize| &cells[i]["image"];
    assert_eq!(image(0)["machine"], "i386");
    assert_eq!(image(2)["machine"], "AMD64");
    assert_eq!(image(0)["loads"], true);
    assert_eq!(
        image(2)["loads"],
        true,
        "web3's 64-bit build loads in web3's 64-bit workers"
    );
    assert_eq!(image(0)["content"]["version"]["file_version"], "1.0.100.0");
    assert_eq!(image(2)["content"]["version"]["file_version"], "1.1.200.0");
    assert_eq!(image(0)["content"]["sha256"], image(1)["content"]["sha256"]);
    assert_ne!(image(0)["content"]["sha256"], image(2)["content"]["sha256"]);
    let fpse = model["dlls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("fpexedll.dll"))
        .unwrap();
    assert_eq!(fpse["cells"][0], Value::Null);
    assert_eq!(fpse["cells"][2]["image"]["loads"], false);
}

#[test]
fn metabases_with_a_drive_per_node_compare_like_drive_copies() {
    let metabase = |node: &str| format!("testdata/farms/web-farm/{node}/Windows/System32/InetSrv/MetaBase.xml");
    let (web1, web2, web3) = (metabase("web1"), metabase("web2"), metabase("web3"));
    let a = format!("web1={web1}");
    let b = format!("web2={web2}");
    let c = format!("web3={web3}");
    let (code, out, _) = run(&[
        "compare",
        "--format",
        "json",
        "--drive",
        "web1:C:=testdata/farms/web-farm/web1",
        "--drive",
        "web2:C:=testdata/farms/web-farm/web2",
        "--drive",
        "web3:C:=testdata/farms/web-farm/web3",
        &a,
        &b,
        &c,
    ]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(drift_codes(&doc), drift_codes(&json("web-farm", &[]).1));
    // Without drives the images are not read: MB606 cannot be told, the rest still is.
    let (code, out, _) = run(&["compare", "--format", "json", &a, &b, &c]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(!drift_codes(&doc).contains("MB606"));
    assert!(drift_codes(&doc).contains("MB604"));
    assert_eq!(doc["compare"]["dlls"][0]["cells"][0]["image"]["state"], "not-read");
}

#[test]
fn exit_codes_and_selection() {
    assert_eq!(compare("web-farm", &[]).0, 1);
    assert_eq!(compare("web-farm", &["--exit-zero"]).0, 0);
    assert_eq!(compare("machine-specific", &[]).0, 0);
    // The cluster's nodes lint clean (MB401 is info): its findings are drift.
    assert_eq!(compare("cluster", &["--ignore", "MB6"]).0, 0);
    assert_eq!(compare("cluster", &["--select", "MB607"]).0, 1);
    assert_eq!(compare("cluster", &["--select", "MB607", "--fail-on", "error"]).0, 0);
    let (_, doc) = json("cluster", &["--select", "MB605,MB607"]);
    assert_eq!(
        drift_codes(&doc),
        ["MB605", "MB607"].map(String::from).into_iter().collect()
    );
    let (_, doc) = json("web-farm", &["--ignore", "MB603"]);
    assert!(!drift_codes(&doc).contains("MB603"));
}

#[test]
fn a_node_that_cannot_be_read_is_exit_2_and_listed_in_every_format() {
    let web1 = "testdata/farms/web-farm/web1";
    for format in ["text", "concise", "json", "sarif", "github"] {
        let (code, out, err) = run(&["compare", "--format", format, web1, "testdata/farms/no-such-node"]);
        assert_eq!(code, 2, "{format}");
        assert!(err.contains("no-such-node"), "{format}: {err}");
        assert!(
            out.contains("no-such-node"),
            "{format}: the output lists the node: {out}"
        );
    }
    let (_, out, _) = run(&["compare", "--format", "json", web1, "testdata/farms/no-such-node"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let failed = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().contains("no-such-node"))
        .unwrap();
    assert!(failed["error"].as_str().unwrap().contains("node no-such-node"));
    assert_eq!(doc["compare"]["not_compared"], serde_json::json!(["no-such-node"]));
    // Even with --exit-zero: a node not compared is no pass.
    assert_eq!(
        run(&["compare", "--exit-zero", web1, "testdata/farms/no-such-node"]).0,
        2
    );
}

#[test]
fn a_node_that_does_not_parse_is_exit_2_with_its_mb001() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("MetaBase.xml");
    std::fs::write(
        &bad,
        "<configuration><MBProperty><IIsWebService Location=\"/LM/W3SVC\"></configuration>",
    )
    .unwrap();
    let arg = format!("broken={}", bad.display());
    let (code, out, err) = run(&[
        "compare",
        "--format",
        "json",
        "--exit-zero",
        "testdata/farms/web-farm/web1",
        &arg,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("node broken does not parse"), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(
        findings(&doc)
            .iter()
            .any(|(c, f)| c == "MB001" && f.ends_with("MetaBase.xml"))
    );
    assert_eq!(doc["compare"]["not_compared"], serde_json::json!(["broken"]));
}

#[test]
fn usage_errors_are_exit_2() {
    let web1 = "testdata/farms/web-farm/web1";
    let web2 = "testdata/farms/web-farm/web2";
    // One node is not a comparison.
    mblint().args(["compare", web1]).assert().code(2);
    // Two nodes of one name.
    mblint()
        .args(["compare", &format!("a={web1}"), &format!("a={web2}")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("two nodes are named `a`"));
    // A drive for a node that is not there.
    mblint()
        .args(["compare", "--drive", "web9:C:=testdata", web1, web2])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no node is named `web9`"));
    // One metabase given as two nodes.
    let (code, _, err) = run(&["compare", &format!("a={web1}"), &format!("b={web1}")]);
    assert_eq!(code, 2);
    assert!(err.contains("reads the same metabase as node a"), "{err}");
    let (code, _, err) = run(&["compare", &format!("a={web1}"), &format!("b=./{web1}/")]);
    assert_eq!(code, 2, "the same file by another spelling");
    assert!(err.contains("reads the same metabase as node a"), "{err}");
    // A drive root that is not a folder.
    let (code, _, err) = run(&["compare", "--drive", "C:=testdata/no-such-folder", web1, web2]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn sarif_and_github_carry_both_sides() {
    let (code, out) = compare("web-farm", &["--format", "sarif", "--select", "MB6"]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&out).unwrap();
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("testdata/sarif/sarif-2.1.0-rtm.5.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        let primary = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(primary.contains("/web3/"));
        let related: Vec<&str> = r["relatedLocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
            .collect();
        assert!(related.iter().any(|u| u.contains("/web1/")) && related.iter().any(|u| u.contains("/web2/")));
    }
    let (_, out) = compare("web-farm", &["--format", "github", "--select", "MB6"]);
    assert_eq!(out.lines().count(), 3);
    assert!(
        out.lines()
            .all(|l| l.starts_with("::error file=testdata/farms/web-farm/web3/"))
    );
    assert!(out.contains("web1 (line 86)"));
}

#[test]
fn rules_and_documents_know_the_drift_rules() {
    let (code, out, _) = run(&["rules"]);
    assert_eq!(code, 0);
    for rule in mblint::rules::drift::DRIFT_RULES {
        assert!(out.contains(rule.code) && out.contains(rule.name));
        let (code, doc, _) = run(&["rule", rule.code, "--format", "markdown"]);
        assert_eq!(code, 0);
        assert!(doc.starts_with(&format!("# {} {}", rule.code, rule.name)));
        assert!(doc.contains("MB601"), "{}: points at what is never compared", rule.code);
    }
    let (_, doc, _) = run(&["rule", "MB601", "--format", "markdown"]);
    for never in [
        "SessionKey",
        "AdminACL",
        "IUSR_",
        "IWAM_",
        "ChangeNumber",
        "FilterState",
        "cc779372",
    ] {
        assert!(doc.contains(never), "MB601 documents {never}");
    }
}

#[test]
fn check_never_reports_drift() {
    for node in nodes("web-farm") {
        let (_, out, _) = run(&["check", "--format", "concise", &node]);
        assert!(!out.contains("MB6"), "{out}");
    }
}

#[cfg(unix)]
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

// Control characters in file names: NTFS forbids them (Win32 error 123), so there is nothing to
// stage on Windows.
#[cfg(unix)]
#[test]
fn node_names_from_folders_reach_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("node\u{1b}[31mred");
    copy_tree(std::path::Path::new("testdata/farms/web-farm/web3"), &hostile);
    let hostile = hostile.to_string_lossy().into_owned();
    for format in ["text", "concise", "github"] {
        let (code, out, err) = run(&["compare", "--format", format, "testdata/farms/web-farm/web1", &hostile]);
        assert_eq!(code, 1, "{format}");
        assert!(!out.contains('\u{1b}') && !err.contains('\u{1b}'), "{format}: {out}");
        assert!(out.contains("node\\u{1b}[31mred"), "{format}: {out}");
    }
}
