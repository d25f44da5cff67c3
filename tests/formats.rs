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
    let inputs = every_input();
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
        .args(["rule", "MB102", "--format", "markdown"])
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
    let table = String::from_utf8(mblint().arg("rules").env("COLUMNS", "200").output().unwrap().stdout).unwrap();
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
    // Columns aligned; under a rule, what each fix --fix can apply does (display-only advice is not).
    assert!(
        out.starts_with("7  MB401  extension-prohibited  info\n3  MB205"),
        "{out}"
    );
    assert!(out.contains("\n1  MB201  image-not-found       error\n"), "{out}");
    assert!(
        out.contains(
            "\n1  MB204  unexpanded-variable   warning  [*] 1 fixable\n   [*] write the full path `C:\\WINDOWS\\system32\\inetsrv\\asp.dll`\n"
        ),
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

/// Every input the format tests run: the fixture metabases and the drive copies.
fn every_input() -> Vec<String> {
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
    inputs.sort();
    inputs
}

/// How many findings `check --format json` gives for `input`, how many at error severity, and how
/// many at warning or above (the default --fail-on).
fn finding_counts(input: &str) -> Option<(usize, usize, usize)> {
    let (_, out) = stdout_of(&["check", "--format", "json", input]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let findings: Vec<&Value> = doc["diagnostics"].as_array().unwrap().iter().collect();
    if doc["failed_inputs"] != 0 {
        return None;
    }
    let errors = findings.iter().filter(|d| d["severity"] == "error").count();
    let failing = findings.iter().filter(|d| d["severity"] != "info").count();
    Some((findings.len(), errors, failing))
}

fn gitlab_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("testdata/gitlab/codequality.schema.json").unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Checks a GitLab Code Quality report against the schema and for distinct fingerprints.
fn assert_valid_gitlab(validator: &jsonschema::Validator, out: &str, what: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{what}: not JSON: {e}\n{out}"));
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: invalid Code Quality report:\n{}",
        errors.join("\n")
    );
    let issues = doc.as_array().unwrap().clone();
    let prints: std::collections::HashSet<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(prints.len(), issues.len(), "{what}: fingerprints must be distinct");
    issues
}

/// The JUnit report's counts, read back with an XML parser: (tests, failures, errors) as the root
/// element says, after checking that every suite's and the root's counts are those of the elements.
fn junit_counts(xml: &str, what: &str) -> (usize, usize, usize) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.as_ref() == name)
            .map(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned()
            })
    };
    let (mut root, mut suite_said, mut suite_seen) = (None, None, (0, 0, 0));
    let mut all = (0, 0, 0);
    let mut depth = 0;
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("{what}: not well-formed XML: {e}\n{xml}"));
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let counts = |e: &quick_xml::events::BytesStart| {
                let n = |k| attr(e, k).unwrap().parse::<usize>().unwrap();
                (n("tests"), n("failures"), n("errors"))
            };
            match (depth, e.name().as_ref()) {
                (0, "testsuites") => root = Some(counts(&e)),
                (1, "testsuite") => {
                    assert!(attr(&e, "name").is_some(), "{what}: a suite without a name");
                    suite_said = Some(counts(&e));
                    suite_seen = (0, 0, 0);
                }
                (2, "testcase") => {
                    assert!(attr(&e, "name").is_some() && attr(&e, "classname").is_some(), "{what}");
                    suite_seen.0 += 1;
                    all.0 += 1;
                }
                (3, "failure") => {
                    assert!(attr(&e, "message").is_some(), "{what}: a failure without a message");
                    suite_seen.1 += 1;
                    all.1 += 1;
                }
                (3, "error") => {
                    assert!(attr(&e, "message").is_some(), "{what}: an error without a message");
                    suite_seen.2 += 1;
                    all.2 += 1;
                }
                (3, "system-out") | (2, "system-out") => {}
                (d, n) => panic!("{what}: unexpected <{}> at depth {d}", n),
            }
            if !empty {
                depth += 1;
            }
            continue;
        }
        match event {
            Event::End(e) => {
                depth -= 1;
                if e.name().as_ref() == "testsuite" {
                    assert_eq!(suite_said, Some(suite_seen), "{what}: a suite's counts");
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(root, Some(all), "{what}: the root's counts");
    consumer_agrees(xml, what, all);
    all
}

/// The report as a real consumer reads it: quick-junit's deserializer (cargo-nextest's JUnit
/// model, which writes the Jenkins format CI systems read) must take it, and count the same tests,
/// failures and errors per suite and in all.
fn consumer_agrees(xml: &str, what: &str, (tests, failures, errors): (usize, usize, usize)) {
    use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
    let report =
        Report::deserialize_from_str(xml).unwrap_or_else(|e| panic!("{what}: quick-junit refuses it: {e}\n{xml}"));
    assert_eq!(report.name.as_ref().map(|n| n.as_str()), Some("mblint"), "{what}");
    let kind_count = |cases: &[quick_junit::TestCase], kind: NonSuccessKind| {
        cases
            .iter()
            .filter(|c| matches!(&c.status, TestCaseStatus::NonSuccess { kind: k, .. } if *k == kind))
            .count()
    };
    let mut seen = (0, 0, 0);
    for suite in &report.test_suites {
        assert!(!suite.name.as_str().is_empty(), "{what}: a suite without a name");
        let counted = (
            suite.test_cases.len(),
            kind_count(&suite.test_cases, NonSuccessKind::Failure),
            kind_count(&suite.test_cases, NonSuccessKind::Error),
        );
        assert_eq!(
            (suite.tests, suite.failures, suite.errors),
            counted,
            "{what}: {}",
            suite.name.as_str()
        );
        for case in &suite.test_cases {
            if let TestCaseStatus::NonSuccess { message, .. } = &case.status {
                assert!(
                    message.as_ref().is_some_and(|m| !m.as_str().is_empty()),
                    "{what}: {}",
                    case.name.as_str()
                );
            }
        }
        seen = (seen.0 + counted.0, seen.1 + counted.1, seen.2 + counted.2);
    }
    assert_eq!(seen, (tests, failures, errors), "{what}: quick-junit counts otherwise");
    assert_eq!(
        (report.tests, report.failures, report.errors),
        seen,
        "{what}: the root's counts"
    );
}

#[test]
fn gitlab_and_junit_for_every_fixture() {
    let validator = gitlab_validator();
    let inputs = every_input();
    assert!(inputs.len() > 25);
    let mut judged = 0;
    for input in &inputs {
        // An input that fails is gitlab_and_junit_never_pass_an_input_they_did_not_read's.
        let Some((total, errors, at_warning)) = finding_counts(input) else {
            continue;
        };
        let (code, out) = stdout_of(&["check", "--format", "gitlab", input]);
        let issues = assert_valid_gitlab(&validator, &out, input);
        assert_eq!(issues.len(), total, "{input}: one issue per finding");
        let critical = issues.iter().filter(|i| i["severity"] == "critical").count();
        assert_eq!(critical, errors, "{input}: errors are critical");
        assert_eq!(code, if at_warning > 0 { 1 } else { 0 }, "{input}");
        for issue in &issues {
            // The metabase itself: the input, or the MetaBase.xml inside a drive copy given as a folder.
            let path = issue["location"]["path"].as_str().unwrap();
            let input = input.replace('\\', "/");
            assert!(
                path == input || path.starts_with(&format!("{input}/")),
                "{path} for {input}"
            );
        }

        let (junit_code, xml) = stdout_of(&["check", "--format", "junit", input]);
        assert_eq!(junit_code, code, "{input}");
        let (tests, failures, failed_inputs) = junit_counts(&xml, input);
        assert_eq!(failed_inputs, 0, "{input}");
        // A case per finding, or one passing case for a clean input; failures at --fail-on (warning).
        assert_eq!(tests, total.max(1), "{input}");
        assert_eq!(failures, at_warning, "{input}: failures are the findings at --fail-on");
        judged += 1;
    }
    // Only the few inputs made to fail are left out.
    assert!(judged + 3 >= inputs.len(), "{judged} of {}", inputs.len());
}

#[test]
fn junit_failures_follow_fail_on() {
    let input = "testdata/metabases/rules/MB3xx-filters.xml";
    let (total, errors, _) = finding_counts(input).unwrap();
    assert!(total > errors && errors > 0);
    let (_, xml) = stdout_of(&["check", "--format", "junit", "--fail-on", "error", input]);
    assert_eq!(junit_counts(&xml, input), (total, errors, 0));
    let (_, xml) = stdout_of(&["check", "--format", "junit", "--fail-on", "info", input]);
    assert_eq!(junit_counts(&xml, input), (total, total, 0));
}

#[test]
fn gitlab_and_junit_never_pass_an_input_they_did_not_read() {
    let validator = gitlab_validator();
    let (code, out) = stdout_of(&[
        "check",
        "--format",
        "gitlab",
        "testdata/metabases/clean-64bit.xml",
        "no-such.xml",
    ]);
    assert_eq!(code, 2);
    let issues = assert_valid_gitlab(&validator, &out, "missing input");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["severity"], "blocker");
    assert_eq!(issues[0]["check_name"], "mblint/input-not-checked");
    assert_eq!(issues[0]["location"]["path"], "no-such.xml");

    let (code, xml) = stdout_of(&[
        "check",
        "--format",
        "junit",
        "testdata/metabases/clean-64bit.xml",
        "no-such.xml",
    ]);
    assert_eq!(code, 2);
    assert_eq!(junit_counts(&xml, "missing input"), (2, 0, 1));
    assert!(xml.contains("no-such.xml could not be checked"));

    // history and compare write the same formats when an input fails.
    let (code, out) = stdout_of(&["history", "--format", "gitlab", "no-such-dir"]);
    assert_eq!(code, 2);
    assert_eq!(
        assert_valid_gitlab(&validator, &out, "history")[0]["severity"],
        "blocker"
    );
    let (code, xml) = stdout_of(&["history", "--format", "junit", "no-such-dir"]);
    assert_eq!(code, 2);
    assert_eq!(junit_counts(&xml, "history").2, 1);
    let (code, xml) = stdout_of(&[
        "compare",
        "--format",
        "junit",
        "testdata/metabases/clean-64bit.xml",
        "no-such.xml",
    ]);
    assert_eq!(code, 2);
    assert_eq!(junit_counts(&xml, "compare").2, 1);
}

#[test]
fn gitlab_fingerprints_do_not_move_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string("testdata/metabases/fpse2002-64bit.xml").unwrap();
    let first = dir.path().join("a.xml");
    std::fs::write(&first, &original).unwrap();
    let (_, before) = stdout_of(&["check", "--format", "gitlab", first.to_str().unwrap()]);
    // The same configuration with a comment of three lines after the XML declaration.
    let at = original.find("?>").unwrap() + 2;
    let moved = format!("{}\n<!--\n moved\n-->{}", &original[..at], &original[at..]);
    std::fs::write(&first, moved).unwrap();
    let (_, after) = stdout_of(&["check", "--format", "gitlab", first.to_str().unwrap()]);
    let prints = |out: &str| -> Vec<(String, u64)> {
        let doc: Value = serde_json::from_str(out).unwrap();
        doc.as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["fingerprint"].as_str().unwrap().to_string(),
                    i["location"]["lines"]["begin"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let (before, after) = (prints(&before), prints(&after));
    assert!(!before.is_empty());
    assert_eq!(before.len(), after.len());
    for ((p1, l1), (p2, l2)) in before.iter().zip(&after) {
        assert_eq!(p1, p2, "the fingerprint is the finding's identity");
        assert_eq!(l1 + 3, *l2, "the line moved");
    }
}

#[test]
fn statistics_is_refused_where_a_format_has_no_place_for_it() {
    for format in ["sarif", "github", "gitlab", "junit", "html"] {
        mblint()
            .args([
                "check",
                "--statistics",
                "--format",
                format,
                "testdata/metabases/clean-64bit.xml",
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "--format {format} has no place for them"
            )));
    }
}

/// A file name with a terminal escape and XML's specials reaches neither report raw. Unix only:
/// NTFS forbids control characters in names.
#[cfg(unix)]
#[test]
fn gitlab_and_junit_escape_what_a_file_name_holds() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("a\u{1b}]0;x\u{7}<&\"'>.xml");
    std::fs::copy("testdata/metabases/fpse2002-64bit.xml", &name).unwrap();
    let name = name.to_str().unwrap();
    let (code, xml) = stdout_of(&["check", "--format", "junit", name]);
    assert_eq!(code, 1);
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{7}'), "{xml}");
    assert!(xml.contains("a\\u{1b}]0;x\\u{7}&lt;&amp;&quot;&apos;&gt;.xml"), "{xml}");
    junit_counts(&xml, "hostile name");
    let (_, out) = stdout_of(&["check", "--format", "gitlab", name]);
    assert!(!out.contains("\\u001b") && !out.contains('\u{1b}'), "{out}");
    assert!(out.contains("a\\\\u{1b}]0;x\\\\u{7}"), "{out}");
}

#[test]
fn quiet_is_refused_where_it_would_do_nothing() {
    let clean = "testdata/metabases/clean-64bit.xml";
    for format in ["json", "sarif", "github", "gitlab", "junit", "html"] {
        mblint()
            .args(["check", "-q", "--format", format, clean])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("--format {format} has none")));
        mblint()
            .args(["compare", "-q", "--format", format, clean, clean])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("--format {format} has none")));
    }
    // With -o it quiets the console's listing: allowed.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    mblint()
        .args(["check", "-q", "--format", "json", "-o", out.to_str().unwrap(), clean])
        .assert()
        .code(0);
    for format in ["text", "concise"] {
        mblint()
            .args(["check", "-q", "--format", format, clean])
            .assert()
            .code(0);
    }
}
