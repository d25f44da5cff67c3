//! Output formats and the interface around them: SARIF validated against the 2.1.0 schema, GitHub
//! annotations, rule listing and documents, selection, statistics and configuration files.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn stdout_of(args: &[&str]) -> (i32, String) {
    let out = mblint().args(args).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

/// The SARIF 2.1.0 schema (final, rtm.5), shipped in testdata/sarif/.
fn sarif_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("testdata/sarif/sarif-2.1.0-rtm.5.json").unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn sarif_validates_for_every_fixture() {
    let validator = sarif_validator();
    let mut inputs: Vec<String> = Vec::new();
    for dir in [
        "testdata/metabases",
        "testdata/metabases/rules",
        "testdata/metabases/malformed",
    ] {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "xml") {
                inputs.push(path.to_string_lossy().into_owned());
            }
        }
    }
    for e in std::fs::read_dir("testdata/servers").unwrap() {
        inputs.push(e.unwrap().path().to_string_lossy().into_owned());
    }
    assert!(inputs.len() > 25);
    for input in &inputs {
        let (_, out) = stdout_of(&["check", "--format", "sarif", input]);
        let log: Value = serde_json::from_str(&out).unwrap();
        assert_valid_sarif(&validator, &log, input);
        let run = &log["runs"][0];
        assert!(run["results"].is_array(), "{input}: results present even when empty");
        for result in run["results"].as_array().unwrap() {
            let location = &result["locations"][0]["physicalLocation"];
            assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
            assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert!(!location["artifactLocation"]["uri"].as_str().unwrap().contains(' '));
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(run["tool"]["driver"]["rules"][index]["id"], result["ruleId"]);
        }
    }
}

#[test]
fn sarif_of_a_clean_file_has_empty_results_and_full_rule_metadata() {
    let (code, out) = stdout_of(&["check", "--format", "sarif", "testdata/metabases/clean-64bit.xml"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    // The validator does reject what the schema forbids.
    let validator = sarif_validator();
    let mut broken = log.clone();
    broken["version"] = serde_json::json!("2.0.0");
    assert!(!validator.is_valid(&broken));
    let mut broken = log.clone();
    broken["runs"][0]["results"] = serde_json::json!([{ "ruleId": "MB102" }]);
    assert!(!validator.is_valid(&broken), "a result without a message is invalid");
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), mblint::rules::RULES.len());
    assert!(
        rules
            .iter()
            .all(|r| r["help"]["markdown"].as_str().unwrap().contains("## Why it matters"))
    );
}

#[test]
fn github_annotations() {
    let (code, out) = stdout_of(&[
        "check",
        "--format",
        "github",
        "testdata/metabases/rules/MB3xx-filters.xml",
    ]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().any(|l| l.starts_with(
        "::error file=testdata/metabases/rules/MB3xx-filters.xml,line=83,endLine=83,col=28,endColumn=32,title=MB301 filter-not-defined::"
    )));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning ") && l.contains("title=MB302 filter-not-in-load-order"))
    );
    assert!(
        lines.iter().all(|l| !l.contains('\n')),
        "messages are escaped onto one line"
    );
}

#[test]
fn rules_and_rule() {
    let (code, out) = stdout_of(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let rules: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rules.as_array().unwrap().len(), mblint::rules::RULES.len());
    assert_eq!(rules[0]["code"], "MB001");
    mblint()
        .args(["rule", "MB102"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("# MB102 worker-bitness-mismatch"));
    mblint().args(["rule", "worker-bitness-mismatch"]).assert().code(0);
    let (_, out) = stdout_of(&["rule", "mb205", "--format", "json"]);
    let rule: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (rule["severity"].as_str(), rule["fix"].as_str()),
        (Some("info"), Some("none"))
    );
    // The fix column says what a user gets: MB401's fix is only ever shown (issue 21), MB301's needs
    // --unsafe-fixes, MB102's are of every kind and not always there.
    let (_, table) = stdout_of(&["rules"]);
    let row = |code: &str| table.lines().find(|l| l.starts_with(code)).unwrap().to_string();
    assert!(row("MB401").contains(" display-only "), "{}", row("MB401"));
    assert!(!row("MB401").contains("always"), "{}", row("MB401"));
    assert!(row("MB301").contains(" unsafe "), "{}", row("MB301"));
    assert!(
        row("MB102").contains(" sometimes: safe, unsafe, display-only "),
        "{}",
        row("MB102")
    );
    assert!(row("MB201").contains(" none "), "{}", row("MB201"));
    let mb401 = rules.as_array().unwrap().iter().find(|r| r["code"] == "MB401").unwrap();
    assert_eq!(mb401["fix_kinds"], serde_json::json!(["display-only"]));
    mblint()
        .args(["rule", "MB999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("mblint rules"));
}

#[test]
fn select_ignore_fail_on_and_statistics() {
    let server = "testdata/servers/missing-dll";
    let codes = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        all.push(server);
        let (_, out) = stdout_of(&all);
        let v: Value = serde_json::from_str(&out).unwrap();
        let mut c: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect();
        c.dedup();
        c.sort();
        c.dedup();
        c
    };
    assert_eq!(codes(&["--select", "MB2"]), ["MB201", "MB202", "MB204", "MB205"]);
    assert_eq!(
        codes(&["--select", "MB2", "--ignore", "MB205,MB204"]),
        ["MB201", "MB202"]
    );
    assert_eq!(codes(&["--select", "mb401"]), ["MB401"]);
    mblint()
        .args(["check", "--select", "MB9", server])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MB9"));
    // Only infos left: below the default fail level.
    mblint()
        .args(["check", "--select", "MB205,MB401", server])
        .assert()
        .code(0);
    mblint()
        .args(["check", "--select", "MB205,MB401", "--fail-on", "info", server])
        .assert()
        .code(1);
    let (_, out) = stdout_of(&["check", "--statistics", server]);
    assert!(out.starts_with("7  MB401  extension-prohibited  info\n"), "{out}");
    assert!(out.contains("1  MB201  image-not-found  error"));
    assert!(
        out.contains("1  MB204  unexpanded-variable  warning  [*] 1 fixable\n"),
        "{out}"
    );
    assert!(
        out.ends_with("Found 14 problems (3 errors, 1 warning, 10 info) in 1 of 1 file.\n[*] 1 fixable with --fix.\n")
    );
}

#[test]
fn configuration_files() {
    let dir = tempfile::tempdir().unwrap();
    let metabase = dir.path().join("MetaBase.xml");
    std::fs::copy("testdata/metabases/rules/MB3xx-filters.xml", &metabase).unwrap();
    let metabase = metabase.to_str().unwrap();
    // Found next to the metabase: severity override, an ignore, and an ignore scoped to a Location.
    std::fs::write(
        dir.path().join("mblint.toml"),
        "ignore = [\"MB302\"]\n[severity]\nMB303 = \"info\"\n[[per-location]]\nlocation = \"/LM/W3SVC/Filters\"\nignore = [\"MB301\"]\n",
    )
    .unwrap();
    let (code, out) = stdout_of(&["check", "--format", "json", metabase]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [("MB303", "info")]);
    assert_eq!(code, 0, "an info left: below the fail level");
    mblint()
        .args(["check", "--verbose", metabase])
        .assert()
        .stderr(predicate::str::contains("checked with configuration").and(predicate::str::contains("mblint.toml")));
    // --isolated ignores it.
    let (code, out) = stdout_of(&["check", "--isolated", "--format", "json", metabase]);
    assert_eq!(code, 1);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // --config names another; a broken one is an error with its location.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "select = [\"MB30\"]\nbogus = 1\n").unwrap();
    mblint()
        .args(["check", "--config", other.to_str().unwrap(), metabase])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("other.toml")
                .and(predicate::str::contains("bogus"))
                .and(predicate::str::contains("line 2")),
        );
}

#[cfg(unix)]
#[test]
fn configuration_maps_drives_relative_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    let server = std::fs::canonicalize("testdata/servers/fpse2002-64bit").unwrap();
    let metabase = dir.path().join("MetaBase.xml");
    std::fs::copy(server.join("Windows/System32/InetSrv/MetaBase.xml"), &metabase).unwrap();
    std::os::unix::fs::symlink(&server, dir.path().join("drive-c")).unwrap();
    let config = dir.path().join("mblint.toml");
    std::fs::write(&config, "[drives]\n\"C:\" = \"drive-c\"\n").unwrap();
    // Named with --config: its [drives] are trusted, relative to its own folder.
    mblint()
        .args([
            "check",
            "--color",
            "never",
            "--config",
            config.to_str().unwrap(),
            metabase.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("image: PE32 i386 DLL"));
    // Discovered beside the metabase: a configuration found there may not map drives.
    mblint()
        .args(["check", metabase.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "[drives] is read only from a file named with --config",
        ));
}
