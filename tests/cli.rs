//! The command-line contract: exit codes, output formats, and errors that name their input.

mod common;

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
        .stdout(predicate::str::contains("\"schema_version\": 3"))
        .stdout(predicate::str::contains("\"failed_inputs\": 1"));
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
    assert_eq!(v["schema_version"], 3);
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
    // Repoints are preferred to a server-wide switch: without a drive, each is unsafe (known from
    // rules/components.toml, not checked on a drive).
    assert_eq!(d["fix"]["applicability"], "unsafe");
    assert!(d["fix"]["message"].as_str().unwrap().starts_with("repoint to"));
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
        .stdout(predicate::str::contains(
            "ISAPI extension (GetExtensionVersion, HttpExtensionProc); imports KERNEL32.dll",
        ));
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

#[test]
fn inspect_shows_what_an_image_needs_to_load() {
    let images = format!("{}/testdata/images", env!("CARGO_MANIFEST_DIR"));
    let out = mblint()
        .args([
            "inspect",
            &format!("{images}/x86/deps/ext-vc80.dll"),
            &format!("{images}/x86/deps/delay-vc6.dll"),
            &format!("{images}/x64/deps/ext-ordinal.dll"),
            &format!("{images}/x64/deps/forwarder.dll"),
            &format!("{images}/hostile/manifest-two-ids.dll"),
            &format!("{images}/hostile/resource-loop.dll"),
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for line in [
        "    imports MSVCR80.dll: free, malloc\n",
        "    manifest (RT_MANIFEST 2): depends on Microsoft.VC80.CRT 8.0.50727.762 x86 1fc8b3b9a1e18e3b\n",
        "    imports KERNEL32.dll: GetTickCount\n    delay-loads helper.dll: HelperFunc, #5\n",
        "    imports helper.dll: #5, #99\n",
        "    forwards GetTickCount to KERNEL32.GetTickCount, HeapAlloc to KERNEL32.HeapAlloc, HelperFunc to helper.HelperFunc\n",
        "    manifests with reserved IDs 1, 2: Windows Server 2003 refuses to load an image with more than one\n",
        "    manifest not read: the RT_MANIFEST 2 language entry leads to a directory where its data belongs\n",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }

    let out = mblint()
        .args([
            "inspect",
            "--format",
            "json",
            &format!("{images}/x86/deps/delay-vc6.dll"),
            &format!("{images}/x64/deps/forward-ordinal.dll"),
            &format!("{images}/x64/deps/ext-vc80.dll"),
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    // The fields that were there keep their meaning: static import names, export names.
    assert_eq!(v[0]["imports"], serde_json::json!(["KERNEL32.dll"]));
    assert_eq!(v[0]["exports"][0], "GetExtensionVersion");
    assert_eq!(
        v[0]["import_modules"],
        serde_json::json!([
            {"name": "KERNEL32.dll", "delay": false, "functions": [{"name": "GetTickCount", "hint": 0}]},
            {"name": "helper.dll", "delay": true, "functions": [{"name": "HelperFunc", "hint": 0}, {"ordinal": 5}]},
        ])
    );
    assert_eq!(v[0]["delay_load_error"], serde_json::Value::Null);
    assert_eq!(v[0]["manifest"], serde_json::Value::Null);
    assert_eq!(
        v[1]["export_table"]["forwarders"],
        serde_json::json!([{"ordinal": 1, "to": "helper.#5"}, {"ordinal": 3, "to": "absent.Func"}])
    );
    assert_eq!(v[1]["export_table"]["ordinal_base"], 1);
    assert_eq!(v[2]["manifest"]["resource_id"], 2);
    assert_eq!(
        v[2]["manifest"]["dependencies"][0]["identity"]["processor_architecture"],
        "amd64"
    );
}

#[test]
fn inspect_escapes_names_from_the_image() {
    // An imported function whose name holds an escape sequence that clears the screen.
    let mut bytes = std::fs::read(format!(
        "{}/testdata/images/x86/deps/ext-helper.dll",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let at = bytes.windows(10).position(|w| w == b"HelperFunc").unwrap();
    bytes[at..at + 10].copy_from_slice(b"Hel\x1b[2Jxxx");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ext.dll");
    std::fs::write(&path, &bytes).unwrap();
    let out = mblint().arg("inspect").arg(&path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("imports helper.dll: Hel\\u{1b}[2Jxxx"), "{text}");
}

#[test]
fn an_undeclared_platform_fails_closed_until_declared() {
    // ASP.NET 2.0 from Framework, nothing that says 64-bit: fine on x86, a 500 on x64.
    mblint()
        .args(["check", "--color", "never", &fixture("x86-aspnet20.xml")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB107(platform-unknown)"))
        .stdout(predicate::str::contains("MB102(").not());
    mblint()
        .args(["check", "--platform", "x86", &fixture("x86-aspnet20.xml")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("32-bit Windows (x86) (declared)"))
        .stdout(predicate::str::contains("ISAPI DLLs load in 32-bit w3wp.exe"));
    mblint()
        .args([
            "check",
            "--color",
            "never",
            "--platform",
            "x64",
            &fixture("x86-aspnet20.xml"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB102(worker-bitness-mismatch)"));
    // The same declaration from mblint.toml, and JSON carries it with its source.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("x86-aspnet20.xml"), dir.path().join("MetaBase.xml")).unwrap();
    std::fs::write(dir.path().join("mblint.toml"), "platform = \"x86\"\n").unwrap();
    let out = mblint()
        .args(["check", "--format", "json"])
        .arg(dir.path().join("MetaBase.xml"))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let server = &json["files"][0]["server"];
    assert_eq!(server["platform"]["value"], "x86");
    assert_eq!(server["platform"]["source"], "declared");
    assert_eq!(server["isolation"]["value"], "worker-process");
    assert_eq!(server["windir"]["value"], "C:\\WINDOWS");
    assert_eq!(json["files"][0]["worker"]["bitness"], 32);
    std::fs::write(dir.path().join("mblint.toml"), "platform = \"arm\"\n").unwrap();
    mblint()
        .args(["check"])
        .arg(dir.path().join("MetaBase.xml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a platform mblint knows"));
}

#[test]
fn a_declaration_that_contradicts_the_drive_is_reported() {
    let drive = format!("{}/testdata/servers/x86-aspnet20", env!("CARGO_MANIFEST_DIR"));
    mblint()
        .args(["check", "--color", "never", "--platform", "x64", &drive])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB108(conflicting-evidence)"))
        .stdout(predicate::str::contains("system32\\ntdll.dll is a PE32 i386 DLL"));
    // The drive alone: 32-bit Windows, clean.
    mblint()
        .args(["check", &drive])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("32-bit Windows (x86) (read from the drive)"));
}

#[test]
fn sarif_carries_the_server_model() {
    let drive = format!("{}/testdata/servers/ia64-native", env!("CARGO_MANIFEST_DIR"));
    let out = mblint()
        .args(["check", "--format", "sarif", &drive])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let sarif: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let props = &sarif["runs"][0]["artifacts"][0]["properties"];
    assert_eq!(props["server"]["platform"]["value"], "ia64");
    assert_eq!(props["server"]["platform"]["source"], "drive");
    assert_eq!(props["worker"]["bitness"], 64);
}

#[test]
fn concise_quiet_and_an_output_file() {
    let framework64 = fixture("framework64-32bit-mode.xml");
    // One line per finding, with a fixable marker, then the summary and what --fix could do.
    let out = mblint()
        .args(["check", "--isolated", "--format", "concise", &framework64])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let findings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(".xml:") && l.contains(": MB"))
        .collect();
    // Twelve places, three causes: the ten Framework64 maps are one finding.
    assert_eq!(findings.len(), 3, "{text}");
    assert!(
        findings
            .iter()
            .any(|l| l.contains(": MB102 [~] script map extension for `.asax`") && l.ends_with("(and 9 more places)")),
        "{text}"
    );
    assert!(text.ends_with("[~] 1 fixable with --fix --unsafe-fixes.\n"), "{text}");
    // -q: the findings alone.
    let out = mblint()
        .args(["check", "--isolated", "--format", "concise", "-q", &framework64])
        .output()
        .unwrap();
    let quiet = String::from_utf8(out.stdout).unwrap();
    assert_eq!(quiet.lines().count(), 3, "{quiet}");
    // -o: SARIF to a file, the findings in brief on the console, one run.
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("mblint.sarif");
    let out = mblint()
        .args(["check", "--isolated", "--format", "sarif", "-o"])
        .arg(&sarif)
        .arg(&framework64)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    // Every place is in the log: the nine other Framework64 maps as related locations.
    let mb102 = results.iter().find(|r| r["ruleId"] == "MB102").unwrap();
    let related = mb102["relatedLocations"].as_array().unwrap();
    let same_cause = related
        .iter()
        .filter(|r| r["message"]["text"] == "the same cause here")
        .count();
    assert_eq!(
        (related.len(), same_cause),
        (10, 9),
        "the setting that decides, and nine places"
    );
    assert!(String::from_utf8(out.stdout).unwrap().contains(": MB101 "));
    // --statistics in JSON, with the fixable counts.
    let out = mblint()
        .args(["check", "--isolated", "--statistics", "--format", "json", &framework64])
        .output()
        .unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mb102 = stats["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "MB102")
        .unwrap();
    // Counted by cause: one finding, with one fix for its ten places.
    assert_eq!(
        (mb102["count"].as_u64(), mb102["fixable_unsafe"].as_u64()),
        (Some(1), Some(1))
    );
    // And what that fix does, once, with how many findings it fixes.
    let fixes = mb102["fixes"].as_array().unwrap();
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(fixes[0]["applicability"], "unsafe");
    assert_eq!(fixes[0]["count"], 1);
    assert!(
        fixes[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("repoint to `C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll`"),
        "{fixes:?}"
    );
}

#[test]
fn a_platform_dependent_error_fails_an_error_gate() {
    // On x64 the ASP.NET map would be an MB102 error: MB107 is an error, and --fail-on error fails.
    mblint()
        .args([
            "check",
            "--isolated",
            "--fail-on",
            "error",
            "--format",
            "concise",
            &fixture("x86-aspnet20.xml"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(": MB107 "));
    // Declared, the same gate passes.
    mblint()
        .args([
            "check",
            "--isolated",
            "--fail-on",
            "error",
            "--platform",
            "x86",
            &fixture("x86-aspnet20.xml"),
        ])
        .assert()
        .code(0);
}

/// `-` reads the metabase from standard input: the same findings as the file, under `<stdin>`;
/// it can be checked but not fixed, and given once.
#[test]
fn standard_input_is_checked_like_the_file() {
    let path = "testdata/metabases/framework64-32bit-mode.xml";
    let json = |out: &[u8]| -> serde_json::Value { serde_json::from_slice(out).unwrap() };
    let from_file = mblint()
        .args(["check", "--isolated", "--format", "json", path])
        .output()
        .unwrap();
    let from_stdin = mblint()
        .args(["check", "--isolated", "--format", "json", "-"])
        .write_stdin(std::fs::read(path).unwrap())
        .output()
        .unwrap();
    assert_eq!(from_file.status.code(), Some(1));
    assert_eq!(from_stdin.status.code(), Some(1));
    let (a, b) = (json(&from_file.stdout), json(&from_stdin.stdout));
    assert_eq!(b["files"][0]["path"], "<stdin>");
    let codes = |v: &serde_json::Value| -> Vec<(String, u64)> {
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["code"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()))
            .collect()
    };
    assert!(!codes(&a).is_empty());
    assert_eq!(codes(&a), codes(&b));
    for flag in ["--fix", "--diff"] {
        mblint()
            .args(["check", "--isolated", flag, "-"])
            .write_stdin(std::fs::read(path).unwrap())
            .assert()
            .code(2)
            .stderr(predicates::str::contains("standard input"));
    }
    mblint().args(["check", "-", "-"]).assert().code(2);
    // Not a metabase: still a finding, never a pass.
    mblint()
        .args(["check", "--isolated", "-"])
        .write_stdin("")
        .assert()
        .code(1);
}

/// `--min-severity` hides findings below it in every format; the exit code still counts them.
#[test]
fn min_severity_filters_what_is_shown_not_the_verdict() {
    let path = "testdata/metabases/framework64-32bit-mode.xml";
    let shown = |min: &str, fail_on: &str| {
        let out = mblint()
            .args([
                "check",
                "--isolated",
                "--format",
                "json",
                "--min-severity",
                min,
                "--fail-on",
                fail_on,
                path,
            ])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let severities: Vec<String> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["severity"].as_str().unwrap().to_string())
            .collect();
        (
            out.status.code(),
            severities,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (_, all, _) = shown("info", "error");
    assert!(
        all.iter().any(|s| s == "info") && all.iter().any(|s| s == "error"),
        "{all:?}"
    );
    let (code, errors, stderr) = shown("error", "info");
    assert!(errors.iter().all(|s| s == "error") && !errors.is_empty());
    assert!(stderr.contains("not shown"), "{stderr}");
    assert_eq!(code, Some(1));
    // Only warnings, all hidden: nothing is shown, yet --fail-on warning still fails on them.
    let only_warnings = "testdata/metabases/enable32bit-bad-value.xml";
    let out = mblint()
        .args([
            "check",
            "--isolated",
            "--format",
            "json",
            "--min-severity",
            "error",
            "--fail-on",
            "warning",
            only_warnings,
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(out.status.code(), Some(1), "the hidden warnings still fail the gate");
}

#[test]
fn a_bad_rule_selector_is_one_usage_error_before_any_input_is_read() {
    // Two inputs, one of them missing: the selector is refused first, once, and nothing is read.
    let farm = format!("{}/testdata/farms/web-farm", env!("CARGO_MANIFEST_DIR"));
    for (option, pattern, message) in [
        (
            "--select",
            "MB999",
            "mblint: error: --select `MB999` matches no rule code or name (see `mblint rules`)\n",
        ),
        (
            "--ignore",
            "MB001",
            "mblint: error: --ignore `MB001`: MB001 (malformed-metabase) cannot be ignored: a file mblint cannot read as a metabase must never look clean\n",
        ),
    ] {
        for format in ["text", "json"] {
            mblint()
                .args(["check", "--format", format, option, pattern])
                .args([fixture("clean-64bit.xml").as_str(), "no/such/MetaBase.xml"])
                .args([fixture("fpse2002-64bit.xml")])
                .assert()
                .code(2)
                .stdout("")
                .stderr(message);
        }
        mblint()
            .args(["compare", option, pattern])
            .args([format!("{farm}/web1"), format!("{farm}/web2"), format!("{farm}/web3")])
            .assert()
            .code(2)
            .stdout("")
            .stderr(message);
    }
}

#[test]
fn a_bad_configuration_is_said_once_and_every_input_sharing_it_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "bogus = 1\n").unwrap();
    let error = format!(
        "{}: line 1, column 1: unknown field `bogus`, expected one of `select`, `ignore`, `severity`, `drives`, `per-location`, `platform`",
        config.display()
    );
    let (a, b) = (fixture("clean-64bit.xml"), fixture("fpse2002-64bit.xml"));
    let out = mblint()
        .args(["check", "--format", "json", "--config"])
        .arg(&config)
        .args([&a, &b])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!("mblint: error: {error}\n")
    );
    // Never fail open: the report lists both inputs as not checked, each with the error.
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["failed_inputs"], 2);
    for (file, path) in json["files"].as_array().unwrap().iter().zip([&a, &b]) {
        assert_eq!(
            (&file["path"], &file["error"]),
            (&serde_json::json!(path), &serde_json::json!(error))
        );
    }
    // Two metabases beside one discovered mblint.toml: also said once.
    for name in ["a.xml", "b.xml"] {
        std::fs::copy(&a, dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("mblint.toml"), "bogus = 1\n").unwrap();
    let out = mblint()
        .args(["check", "--format", "concise"])
        .args([dir.path().join("a.xml"), dir.path().join("b.xml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.matches("unknown field `bogus`").count(), 1, "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.matches(".xml: could not be checked: ").count(), 2, "{stdout}");
    // compare: once, naming every node it stopped.
    let farm = format!("{}/testdata/farms/web-farm", env!("CARGO_MANIFEST_DIR"));
    mblint()
        .args(["compare", "--format", "json", "--config"])
        .arg(&config)
        .args([format!("{farm}/web1"), format!("{farm}/web2")])
        .assert()
        .code(2)
        .stderr(format!("mblint: error: nodes web1, web2: {error}\n"))
        .stdout(predicate::str::contains("\"failed_inputs\": 2"));
}

// Outputs: -o and --write-baseline never replace a file mblint reads, nor anything but a file. ----

/// A folder holding a copy of `fixture`, as MetaBase.xml.
fn metabase_in(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join("MetaBase.xml");
    std::fs::copy(fixture(name), &path).unwrap();
    path
}

/// Runs `check` with `args`; asserts a usage error (exit 2, nothing on standard output: no input
/// was read) whose message contains `message`, and that every file in `kept` is unchanged.
fn refused(args: &[&std::ffi::OsStr], message: &str, kept: &[&std::path::Path]) {
    let before: Vec<Vec<u8>> = kept.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let out = mblint().args(args).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(message), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    for (path, before) in kept.iter().zip(before) {
        assert_eq!(std::fs::read(path).unwrap(), before, "{}", path.display());
        assert!(std::fs::symlink_metadata(path).unwrap().is_file(), "{}", path.display());
    }
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn an_output_never_replaces_a_file_the_run_reads() {
    let dir = tempfile::tempdir().unwrap();
    let metabase = metabase_in(dir.path(), "fpse2002-64bit.xml");
    let m = metabase.as_os_str();
    let reads = |what: &str| format!("is {what}, which this run reads: a file mblint reads is never its output");
    let named = format!("the metabase {}", metabase.display());
    // The metabase itself, by -o or --write-baseline, as given or through `./`.
    let dotted = dir.path().join(".").join("MetaBase.xml");
    for flag in ["-o", "--write-baseline"] {
        for out in [m, dotted.as_os_str()] {
            refused(
                &[os("check"), os("--isolated"), os(flag), out, m],
                &format!("{flag} {} {}", out.to_string_lossy(), reads(&named)),
                &[&metabase],
            );
        }
    }
    #[cfg(unix)]
    {
        // Through a symbolic link, or a hard link: the same file.
        let link = dir.path().join("link.xml");
        std::os::unix::fs::symlink(&metabase, &link).unwrap();
        let hard = dir.path().join("hard.xml");
        std::fs::hard_link(&metabase, &hard).unwrap();
        for out in [&link, &hard] {
            refused(
                &[os("check"), os("--isolated"), os("-o"), out.as_os_str(), m],
                &reads(&named),
                &[&metabase],
            );
        }
        // Standard input, when it is the file (`mblint check -o MetaBase.xml - < MetaBase.xml`).
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("mblint"))
            .args(["check", "--isolated", "-o"])
            .arg(&metabase)
            .arg("-")
            .stdin(std::fs::File::open(&metabase).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(&reads("standard input (a file)")));
        assert_eq!(
            std::fs::read(&metabase).unwrap(),
            std::fs::read(fixture("fpse2002-64bit.xml")).unwrap()
        );
    }
    // The baseline, the named configuration and the one found beside the metabase.
    let baseline = dir.path().join("baseline.json");
    mblint()
        .args(["check", "--isolated", "--write-baseline"])
        .arg(&baseline)
        .arg(&metabase)
        .assert()
        .code(0);
    refused(
        &[
            os("check"),
            os("--isolated"),
            os("--baseline"),
            baseline.as_os_str(),
            os("-o"),
            baseline.as_os_str(),
            m,
        ],
        &reads(&format!("the --baseline file {}", baseline.display())),
        &[&baseline, &metabase],
    );
    let config = dir.path().join("gate.toml");
    std::fs::write(&config, "select = [\"MB1\"]\n").unwrap();
    refused(
        &[
            os("check"),
            os("--config"),
            config.as_os_str(),
            os("--write-baseline"),
            config.as_os_str(),
            m,
        ],
        &reads(&format!("the --config file {}", config.display())),
        &[&config, &metabase],
    );
    let beside = dir.path().join("mblint.toml");
    std::fs::write(&beside, "select = [\"MB1\"]\n").unwrap();
    refused(
        &[os("check"), os("-o"), beside.as_os_str(), m],
        &reads(&format!("the configuration {}", beside.display())),
        &[&beside, &metabase],
    );
    // -o and --write-baseline naming one file (not yet there): one would replace the other.
    let report = dir.path().join("report.json");
    refused(
        &[
            os("check"),
            os("--isolated"),
            os("-o"),
            report.as_os_str(),
            os("--write-baseline"),
            report.as_os_str(),
            m,
        ],
        "name the same file: one would replace the other",
        &[&metabase],
    );
    assert!(!report.exists());
}

#[test]
fn an_output_never_replaces_the_metabase_of_a_drive_copy_or_a_node() {
    let dir = tempfile::tempdir().unwrap();
    let server = format!("{}/testdata/servers/clean-64bit", env!("CARGO_MANIFEST_DIR"));
    let copy = dir.path().join("web1");
    // One component at a time: the path mblint names is spelled with the platform's separator.
    let inetsrv = copy.join("WINDOWS").join("system32").join("inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    let found = std::fs::read_dir(format!("{server}/WINDOWS/system32/inetsrv"))
        .or_else(|_| std::fs::read_dir(format!("{server}/Windows/System32/InetSrv")))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().eq_ignore_ascii_case("MetaBase.xml"))
        .unwrap();
    let metabase = inetsrv.join("MetaBase.xml");
    std::fs::copy(found, &metabase).unwrap();
    let message = format!(
        "-o {} is the metabase {} (in the drive copy {}), which this run reads",
        metabase.display(),
        metabase.display(),
        copy.display()
    );
    refused(
        &[
            os("check"),
            os("--isolated"),
            os("-o"),
            metabase.as_os_str(),
            copy.as_os_str(),
        ],
        &message,
        &[&metabase],
    );
    // compare: a node's metabase.
    let other = dir.path().join("web2.xml");
    std::fs::copy(fixture("clean-64bit.xml"), &other).unwrap();
    let before = std::fs::read(&other).unwrap();
    mblint()
        .args(["compare", "--isolated", "-o"])
        .arg(&other)
        .arg(&copy)
        .arg(format!("web2={}", other.display()))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "-o {} is node web2's metabase {}, which this run reads",
            other.display(),
            other.display()
        )));
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

#[cfg(unix)]
fn is_char_device(path: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).unwrap().file_type().is_char_device()
}

#[cfg(unix)]
#[test]
fn a_device_is_written_to_never_replaced() {
    let fpse = fixture("fpse2002-64bit.xml");
    // /dev/null takes the report (and a baseline), and stays a device; the exit code is the
    // findings'. Any user may write to /dev/null.
    for flag in ["-o", "--write-baseline"] {
        mblint()
            .args(["check", "--isolated", flag, "/dev/null", &fpse])
            .assert()
            .code(if flag == "-o" { 1 } else { 0 });
        assert!(is_char_device("/dev/null"));
    }
    // /dev/full: the write fails, said as such (exit 2), and the console still gets the findings.
    mblint()
        .args(["check", "--isolated", "--format", "sarif", "-o", "/dev/full", &fpse])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot write -o /dev/full: No space left on device",
        ))
        .stdout(predicate::str::contains(": MB102 "));
    assert!(is_char_device("/dev/full"));
    mblint()
        .args([
            "check",
            "--isolated",
            "--color",
            "never",
            "--write-baseline",
            "/dev/full",
            &fpse,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot write --write-baseline /dev/full: No space left on device (os error 28); no baseline written",
        ))
        .stdout(predicate::str::contains("MB102(worker-bitness-mismatch)"));
    assert!(is_char_device("/dev/full"));
    // /dev/stdout on a pipe (as here): the report, then the findings in brief.
    let out = mblint()
        .args(["check", "--isolated", "--format", "json", "-o", "/dev/stdout", &fpse])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("{\n  \"schema_version\""), "{stdout}");
    assert!(stdout.contains(": MB102 "), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_device_node_is_never_turned_into_a_file() {
    // A device node of its own (root only: mknod), so that the old behaviour, had it come back,
    // would replace this one and not the system's /dev/null.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: making device nodes needs root");
        return;
    }
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    let disk = dir.path().join("loop");
    let c = |p: &std::path::Path| std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    assert_eq!(
        unsafe { libc::mknod(c(&null).as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) },
        0
    );
    assert_eq!(
        unsafe { libc::mknod(c(&disk).as_ptr(), libc::S_IFBLK | 0o600, libc::makedev(7, 200)) },
        0
    );
    let fpse = fixture("fpse2002-64bit.xml");
    for flag in ["-o", "--write-baseline"] {
        mblint()
            .args(["check", "--isolated", flag])
            .arg(&null)
            .arg(&fpse)
            .assert()
            .code(if flag == "-o" { 1 } else { 0 });
        assert!(std::fs::symlink_metadata(&null).unwrap().file_type().is_char_device());
        // A block device is a disk: refused before anything is read.
        mblint()
            .args(["check", "--isolated", flag])
            .arg(&disk)
            .arg(&fpse)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("is a block device"));
        assert!(std::fs::symlink_metadata(&disk).unwrap().file_type().is_block_device());
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_written_to_and_one_nobody_reads_is_an_error_not_a_hang() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // The reader waits in its own thread, given up (not joined) if mblint never writes the FIFO.
    let (sent, report) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || sent.send(std::fs::read_to_string(fifo).unwrap()));
    }
    mblint()
        .args(["check", "--isolated", "--format", "json", "-o"])
        .arg(&fifo)
        .arg(fixture("clean-64bit.xml"))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(0);
    let report = report
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the report, written to the FIFO");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["failed_inputs"], 0);
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    // No reader: an error after a bounded wait, and the FIFO stays one.
    mblint()
        .args(["check", "--isolated", "-o"])
        .arg(&fifo)
        .arg(fixture("clean-64bit.xml"))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "a FIFO that no process opened for reading in 5 s",
        ));
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_folder_a_link_or_a_missing_folder_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let metabase = metabase_in(dir.path(), "clean-64bit.xml");
    let m = metabase.as_os_str();
    let folder = dir.path().join("reports");
    std::fs::create_dir(&folder).unwrap();
    for flag in ["-o", "--write-baseline"] {
        refused(
            &[os("check"), os("--isolated"), os(flag), folder.as_os_str(), m],
            &format!("{flag} {} is a folder: name a file", folder.display()),
            &[&metabase],
        );
        assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
        let missing = dir.path().join("no-such-folder/report.sarif");
        refused(
            &[os("check"), os("--isolated"), os(flag), missing.as_os_str(), m],
            &format!(
                "cannot be created: the folder {} does not exist",
                dir.path().join("no-such-folder").display()
            ),
            &[&metabase],
        );
    }
    #[cfg(unix)]
    {
        // A link to a regular file is refused (a planted link would aim the write anywhere), and
        // stays a link to the untouched file; so is one that leads nowhere.
        let target = dir.path().join("precious.txt");
        std::fs::write(&target, "keep me").unwrap();
        let link = dir.path().join("report.sarif");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        refused(
            &[os("check"), os("--isolated"), os("-o"), link.as_os_str(), m],
            &format!(
                "-o {} is a symbolic link to {}, a regular file: mblint writes no report or baseline through a link",
                link.display(),
                target.canonicalize().unwrap().display()
            ),
            &[&target, &metabase],
        );
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        let dangling = dir.path().join("dangling.sarif");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        refused(
            &[
                os("check"),
                os("--isolated"),
                os("--write-baseline"),
                dangling.as_os_str(),
                m,
            ],
            "is a symbolic link that leads nowhere",
            &[&metabase],
        );
        assert!(!dir.path().join("nowhere").exists());
        // A link to a device is written through: the link and the device stay what they are.
        let null = dir.path().join("null-link");
        std::os::unix::fs::symlink("/dev/null", &null).unwrap();
        mblint()
            .args(["check", "--isolated", "-o"])
            .arg(&null)
            .arg(m)
            .assert()
            .code(0);
        assert!(std::fs::symlink_metadata(&null).unwrap().file_type().is_symlink());
        assert!(is_char_device("/dev/null"));
    }
    // A regular file is replaced by the report, as before.
    let report = dir.path().join("report.json");
    std::fs::write(&report, "old").unwrap();
    mblint()
        .args(["check", "--isolated", "--format", "json", "-o"])
        .arg(&report)
        .arg(m)
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .starts_with("{\n  \"schema_version\"")
    );
}

#[test]
fn an_output_is_never_written_into_a_drive_copy_nor_over_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    // A drive copy: a DLL in it is read, so nothing is written anywhere inside it.
    let copy = dir.path().join("c");
    let inetsrv = copy.join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    metabase_in(&inetsrv, "clean-64bit.xml");
    let dll = inetsrv.join("asp.dll");
    std::fs::write(&dll, b"MZ").unwrap();
    let copy_arg = copy.as_os_str();
    refused(
        &[os("check"), os("-o"), dll.as_os_str(), copy_arg],
        "is inside the drive copy",
        &[&dll],
    );
    let new = inetsrv.join("report.sarif");
    refused(
        &[os("check"), os("-o"), new.as_os_str(), copy_arg],
        "is inside the drive copy",
        &[],
    );
    assert!(!new.exists());
    // A mapped drive, as for any metabase.
    let lone = dir.path().join("lone");
    std::fs::create_dir_all(&lone).unwrap();
    let metabase = metabase_in(&lone, "clean-64bit.xml");
    let mapping = format!("C:={}", copy.display());
    refused(
        &[
            os("check"),
            os("-d"),
            os(&mapping),
            os("-o"),
            dll.as_os_str(),
            metabase.as_os_str(),
        ],
        "is inside drive C:",
        &[&dll],
    );
    // --fix --backup: the backup's name is never the report's.
    let bak = lone.join("MetaBase.xml.bak");
    refused(
        &[
            os("check"),
            os("--fix"),
            os("--backup"),
            os("-o"),
            bak.as_os_str(),
            metabase.as_os_str(),
        ],
        "--backup may give the backup",
        &[&metabase],
    );
    assert!(!bak.exists());
}

/// MB503 (ASP.NET 4's eurl.axd): an error, so exit 1 in every format; the same sites in pools of
/// their own exit 0.
#[test]
fn extensionless_urls_sent_to_an_unmapped_eurl_axd_exit_1() {
    let server = |name: &str| format!("{}/testdata/servers/{name}", env!("CARGO_MANIFEST_DIR"));
    for format in ["text", "json", "sarif", "github"] {
        mblint()
            .args([
                "check",
                "--color",
                "never",
                "--format",
                format,
                &server("aspnet40-eurl-shared-pool"),
            ])
            .assert()
            .code(1)
            .stdout(predicate::str::contains("MB503"));
    }
    mblint()
        .args(["check", "--color", "never", &server("aspnet40-eurl-own-pool")])
        .assert()
        .code(0);
}

#[test]
fn fastcgi_verdicts_have_their_exit_codes_in_every_format() {
    let server = |name: &str| format!("{}/testdata/servers/{name}", env!("CARGO_MANIFEST_DIR"));
    for format in ["text", "concise", "json", "sarif", "github", "html"] {
        // Clean; an ExePath not on the drive (MB403, error); fcgiext.ini a folder (not read).
        for (scenario, code) in [
            ("php-fastcgi", 0),
            ("php-fastcgi-missing-exe", 1),
            ("php-fastcgi-unmapped", 1),
            ("php-fastcgi-ini-folder", 2),
        ] {
            let out = mblint()
                .args(["check", "--format", format])
                .arg(server(scenario))
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(code), "{scenario} {format}: {stdout}");
            if code == 1 {
                assert!(stdout.contains("MB403"), "{scenario} {format}: {stdout}");
            }
            if code == 2 {
                assert!(stdout.contains("fcgiext.ini"), "{scenario} {format}: {stdout}");
                // No finding in place of the input not read (SARIF lists every rule's metadata).
                if format == "text" {
                    assert!(!stdout.contains("MB403"), "{scenario} {format}: {stdout}");
                }
            }
        }
    }
    // Without the drive (the metabase alone), nothing of fcgiext.ini is read: no MB403.
    mblint()
        .arg("check")
        .arg(server("php-fastcgi-missing-exe") + "/Windows/System32/InetSrv/MetaBase.xml")
        .assert()
        .code(0);
}

/// A baseline knows a file by its place (within the drive copy), not by how it was named: written
/// for `testdata/servers/X`, it covers `./testdata/servers/X`, the same copy named from another
/// folder, and its MetaBase.xml named instead of the folder. One that matches no file says so.
#[test]
fn a_baseline_survives_a_path_spelling_and_says_when_it_matches_nothing() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    mblint()
        .current_dir(root)
        .args([
            "check",
            "--isolated",
            "--write-baseline",
            baseline,
            "testdata/servers/fpse2002-64bit",
        ])
        .assert()
        .code(0);
    for (cwd, name) in [
        (root.to_string(), "./testdata/servers/fpse2002-64bit".to_string()),
        (
            format!("{root}/tests"),
            "../testdata/servers/fpse2002-64bit".to_string(),
        ),
        (
            root.to_string(),
            format!("{root}/testdata/servers/fpse2002-64bit/Windows/System32/InetSrv/MetaBase.xml"),
        ),
    ] {
        mblint()
            .current_dir(&cwd)
            .args(["check", "--isolated", "--baseline", baseline, &name])
            .assert()
            .code(0)
            .stderr(predicate::str::contains("2 finding(s) in the baseline"))
            .stderr(predicate::str::contains("matches no file").not());
    }
    // Another server: every finding is new, and the warning names what the baseline holds.
    mblint()
        .current_dir(root)
        .args([
            "check",
            "--isolated",
            "--baseline",
            baseline,
            "testdata/servers/x86-64bit-filter",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "matches no file of this run (it holds findings of fpse2002-64bit/windows/system32/inetsrv/metabase.xml)",
        ));
}

/// On a copy without the 32-bit system folder's core modules (a partial copy, MB211), a fix that
/// makes 32-bit workers load a DLL they did not load before cannot have that DLL's dependencies
/// judged: the verification refuses it (exit 2, nothing written), and says which finding and why,
/// a further place of a grouped finding included (its message was empty).
#[test]
fn a_fix_whose_new_dll_cannot_be_judged_on_a_partial_copy_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_tree(&root.join("testdata/servers/framework64-32bit-mode"), dir.path());
    // The 32-bit Framework's DLL imports KERNEL32.dll; SysWOW64 holds no kernel32.dll or ntdll.dll.
    std::fs::copy(
        root.join("testdata/images/x86/isapi-extension.dll"),
        dir.path()
            .join("Windows/Microsoft.NET/Framework/v2.0.50727/aspnet_isapi.dll"),
    )
    .unwrap();
    for core in ["kernel32.dll", "ntdll.dll"] {
        let _ = std::fs::remove_file(dir.path().join("Windows/SysWOW64").join(core));
    }
    let metabase = dir.path().join("Windows/System32/InetSrv/MetaBase.xml");
    let before = std::fs::read(&metabase).unwrap();
    mblint()
        .args(["check", "--isolated", "--color", "never", "--min-severity", "info"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB211").and(predicate::str::contains("MB102")));
    mblint()
        .args(["check", "--isolated", "--color", "never", "--fix"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the fixes would introduce a new MB211 finding (/LM/W3SVC): the copy of the drive lacks ntdll.dll and kernel32.dll in C:\\WINDOWS\\SysWOW64",
        ));
    assert_eq!(std::fs::read(&metabase).unwrap(), before, "nothing written");
}

/// IIS 5.0 isolation mode: a script map at /LM/W3SVC serves applications of every protection
/// level (inetinfo.exe and dllhost.exe load it), one on an in-process application's own key
/// (AppIsolated 0) only inetinfo.exe. `ext.dll` needs `helper.dll`, which lies in inetsrv beside
/// inetinfo.exe and nowhere dllhost.exe searches: MB207 for the first, not for the second (each
/// entry's closure is worked out in the processes its own host text names).
#[test]
fn in_iis5_mode_each_script_map_is_judged_in_the_processes_that_load_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_tree(&root.join("testdata/servers/deps-in-inetsrv"), dir.path());
    let metabase = dir.path().join("Windows/System32/InetSrv/MetaBase.xml");
    let text = std::fs::read_to_string(&metabase).unwrap();
    let text = text
        .replacen(r#"IIs5IsolationModeEnabled="FALSE""#, r#"IIs5IsolationModeEnabled="TRUE""#, 1)
        .replacen(
            "\t\tAppIsolated=\"2\"\r\n\t\tAppPoolId=\"DefaultAppPool\"\r\n\t\tAppRoot=\"/LM/W3SVC/1/ROOT\"\r\n",
            "\t\tAppIsolated=\"0\"\r\n\t\tAppPoolId=\"DefaultAppPool\"\r\n\t\tAppRoot=\"/LM/W3SVC/1/ROOT\"\r\n\t\tScriptMaps=\".dep,C:\\Apps\\Dep\\ext.dll,1,GET\"\r\n",
            1,
        );
    assert!(text.contains("AppIsolated=\"0\"") && text.contains("IIs5IsolationModeEnabled=\"TRUE\""));
    std::fs::write(&metabase, text).unwrap();
    let out = mblint()
        .args(["check", "--isolated", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut places: Vec<(String, String)> = Vec::new();
    for d in report["diagnostics"].as_array().unwrap() {
        let places_of = std::iter::once(d).chain(d["occurrences"].as_array().unwrap());
        for p in places_of {
            places.push((
                d["code"].as_str().unwrap().into(),
                p["location"].as_str().unwrap().into(),
            ));
        }
    }
    assert_eq!(places, [("MB207".to_string(), "/LM/W3SVC".to_string())]);
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("dllhost.exe"), "{message}");
}
