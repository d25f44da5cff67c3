//! The options `check`, `compare` and `history` share (src/cli/args.rs, issue 24): each is taken by
//! all three, does what it says in each, and a combination in which one would do nothing is the
//! same usage error (exit 2) in each.

mod common;

use assert_cmd::Command;

const FPSE: &str = "testdata/history/fpse-64bit";
const FARM: &str = "testdata/farms/web-farm";

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

/// Exit code, stdout, stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = mblint().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The arguments that name the input of each subcommand.
fn inputs(sub: &str) -> Vec<String> {
    match sub {
        "check" | "history" => vec![FPSE.to_string()],
        _ => vec![format!("{FARM}/web1"), format!("{FARM}/web3")],
    }
}

fn run_sub(sub: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args: Vec<String> = vec![sub.to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(inputs(sub));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
}

const SUBS: [&str; 3] = ["check", "compare", "history"];

#[test]
fn every_shared_option_is_in_every_subcommand_help() {
    let shared = [
        "--format",
        "--select",
        "--ignore",
        "--fail-on",
        "--exit-zero",
        "--statistics",
        "--config",
        "--isolated",
        "--verbose",
        "--color",
        "--charset",
        "--quiet",
        "--min-severity",
        "--output-file",
        "--baseline",
        "--platform",
    ];
    for sub in SUBS {
        let (code, help, _) = run(&[sub, "--help"]);
        assert_eq!(code, 0);
        for flag in shared {
            assert!(help.contains(flag), "`{sub} --help` lacks {flag}");
        }
        for short in ["-o,", "-q,", "-v,"] {
            assert!(help.contains(short), "`{sub} --help` lacks {short}");
        }
    }
}

#[test]
fn history_and_compare_help_say_what_they_do_not_do() {
    for sub in ["history", "compare"] {
        let (_, help, _) = run(&[sub, "--help"]);
        assert!(
            help.contains("--fix, --diff, --script and --write-baseline are\ncheck's"),
            "{sub}: {help}"
        );
        // And refuse them as unknown (exit 2), never silently.
        let (code, _, err) = run_sub(sub, &["--fix"]);
        assert_eq!(code, 2, "{sub}");
        assert!(err.contains("--fix"), "{err}");
    }
}

#[test]
fn a_flag_that_does_nothing_is_the_same_usage_error_everywhere() {
    for sub in SUBS {
        let (code, out, err) = run_sub(sub, &["--statistics", "--format", "sarif"]);
        assert_eq!(code, 2, "{sub}: {err}");
        assert!(out.is_empty(), "{sub}: nothing is read, nothing reported");
        assert!(
            err.contains("--statistics counts findings in the text, concise and json formats; --format sarif"),
            "{sub}: {err}"
        );
        let (code, _, err) = run_sub(sub, &["-q", "--format", "json"]);
        assert_eq!(code, 2, "{sub}: {err}");
        assert!(err.contains("-q (--quiet) leaves out the summary"), "{sub}: {err}");
    }
}

#[test]
fn output_file_dash_is_a_usage_error_and_writes_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    for sub in SUBS {
        let mut cmd = mblint();
        cmd.current_dir(cwd.path()).args([sub, "-o", "-", "--format", "json"]);
        for input in inputs(sub) {
            cmd.arg(format!("{root}/{input}"));
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{sub}: {err}");
        assert!(err.contains("-o - would write a file named"), "{sub}: {err}");
        assert!(out.stdout.is_empty(), "{sub}");
        assert!(!cwd.path().join("-").exists(), "{sub} wrote a file named -");
    }
}

#[test]
fn an_unreadable_baseline_fails_every_subcommand() {
    for sub in SUBS {
        let (code, _, err) = run_sub(sub, &["--baseline", "no-such-baseline.json", "--format", "concise"]);
        assert_eq!(code, 2, "{sub}: {err}");
        assert!(err.contains("no-such-baseline.json"), "{sub}: {err}");
    }
}

#[test]
fn history_baseline_hides_what_it_holds_and_lets_the_gate_pass() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("b.json");
    let b = baseline.to_str().unwrap();
    let (code, _, err) = run(&["check", FPSE, "--write-baseline", b]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&["history", FPSE, "--format", "concise"]);
    assert_eq!(code, 1);
    assert!(out.contains("MB102"), "{out}");
    let (code, out, err) = run(&["history", FPSE, "--format", "concise", "--baseline", b]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("MB102") && !out.contains("MB101"), "{out}");
    assert!(err.contains("2 finding(s) in the baseline"), "{err}");
    // The timeline says the current file has none left to show, and JSON holds none.
    let (_, text, _) = run(&["history", FPSE, "--color", "never", "--baseline", b]);
    assert!(text.contains("The current file has no findings."), "{text}");
    let (_, json, _) = run(&["history", FPSE, "--format", "json", "--baseline", b]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["history"]["findings"].as_array().unwrap().len(), 0, "{json}");
}

/// A configuration that makes MB101 a warning, so that `--min-severity error` has one to hide.
fn warning_config(dir: &std::path::Path) -> String {
    let config = dir.join("mblint.toml");
    std::fs::write(&config, "[severity]\nMB101 = \"warning\"\nMB604 = \"warning\"\n").unwrap();
    config.to_str().unwrap().to_string()
}

#[test]
fn min_severity_hides_in_history_and_compare_but_the_exit_code_counts() {
    let dir = tempfile::tempdir().unwrap();
    let config = warning_config(dir.path());
    for (sub, hidden) in [("history", "MB101"), ("compare", "MB604"), ("check", "MB101")] {
        let (code, out, _) = run_sub(sub, &["--config", &config, "--format", "concise", "-q"]);
        assert_eq!(code, 1, "{sub}");
        assert!(out.contains(hidden), "{sub}: {out}");
        let (code, out, err) = run_sub(
            sub,
            &[
                "--config",
                &config,
                "--format",
                "concise",
                "-q",
                "--min-severity",
                "error",
            ],
        );
        assert_eq!(code, 1, "{sub}: the exit code counts hidden findings");
        assert!(!out.contains(hidden), "{sub}: {out}");
        assert!(out.contains("MB102"), "{sub}: errors stay: {out}");
        assert!(err.contains("below error not shown (--min-severity)"), "{sub}: {err}");
        // Warnings that fail nothing: --fail-on error passes once they are the only findings.
    }
}

#[test]
fn history_output_file_is_written_whole_and_never_inside_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("history.json");
    let r = report.to_str().unwrap();
    let (code, out, err) = run(&["history", FPSE, "--format", "json", "-o", r]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(doc["history"]["versions"].as_array().unwrap().len() > 2);
    // The console gets the findings in brief.
    assert!(out.contains("MB102") && !out.starts_with('{'), "{out}");
    // Inside the drive copy, or the current metabase itself: refused before anything is read.
    let inside = format!("{FPSE}/report.json");
    let (code, out, err) = run(&["history", FPSE, "--format", "json", "-o", &inside]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("mblint never writes into it"), "{err}");
    assert!(!std::path::Path::new(&inside).exists());
    let copy = dir.path().join("copy");
    common::copy_tree(std::path::Path::new(&format!("{FPSE}/Windows/System32/InetSrv")), &copy);
    let metabase = copy.join("MetaBase.xml");
    let before = std::fs::read(&metabase).unwrap();
    let (code, _, err) = run(&["history", metabase.to_str().unwrap(), "-o", metabase.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("which this run reads"), "{err}");
    assert_eq!(std::fs::read(&metabase).unwrap(), before);
    // Beside it, outside the History folder: written.
    let beside = copy.join("history.txt");
    let (code, _, err) = run(&["history", metabase.to_str().unwrap(), "-o", beside.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(std::fs::read_to_string(&beside).unwrap().contains("History of"));
    // Inside the History folder: refused.
    let in_history = copy.join("History").join("x.txt");
    let (code, _, err) = run(&[
        "history",
        metabase.to_str().unwrap(),
        "-o",
        in_history.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(!in_history.exists());
}

#[test]
fn history_statistics_quiet_color_and_charset() {
    let (code, out, _) = run(&["history", FPSE, "--statistics"]);
    assert_eq!(code, 1);
    assert!(out.contains("MB102  worker-bitness-mismatch"), "{out}");
    assert!(!out.contains("History of"), "statistics instead of the timeline: {out}");
    let (code, out, _) = run(&["history", FPSE, "--statistics", "--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["statistics"].as_array().unwrap().len(), 2, "{out}");
    let (_, loud, _) = run(&["history", FPSE, "--color", "never"]);
    let (code, quiet, _) = run(&["history", FPSE, "--color", "never", "-q"]);
    assert_eq!(code, 1);
    assert!(loud.contains("findings in the current file"), "{loud}");
    assert!(!quiet.contains("findings in the current file"), "{quiet}");
    assert!(quiet.contains("worker-bitness") || quiet.contains("MB102"), "{quiet}");
    let (_, colored, _) = run(&["history", FPSE, "--color", "always"]);
    assert!(colored.contains("\x1b[1;31merror\x1b[0m"), "{colored}");
    assert!(!loud.contains('\x1b'));
}

#[test]
fn compare_verbose_and_charset() {
    let (_, _, err) = run_sub("compare", &["-v", "--format", "concise", "-q"]);
    assert!(
        err.contains("web1/Windows/System32/InetSrv/MetaBase.xml checked with no configuration file"),
        "{err}"
    );
    let (_, _, err) = run_sub("compare", &["--format", "concise", "-q"]);
    assert!(!err.contains("checked with"), "{err}");
    let (_, unicode, _) = run_sub("compare", &["--color", "never", "--charset", "unicode"]);
    assert!(unicode.contains('│'), "{unicode}");
    let (code, ascii, _) = run_sub("compare", &["--color", "never", "--charset", "ascii"]);
    assert_eq!(code, 1);
    assert!(!ascii.contains('│') && ascii.contains("MB102"), "{ascii}");
}

#[test]
fn compare_baseline_hides_the_findings_it_holds_not_the_drift() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("b.json");
    let b = baseline.to_str().unwrap();
    let web3 = format!("{FARM}/web3");
    let (code, _, err) = run(&["check", &web3, "--write-baseline", b]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run_sub("compare", &["--format", "concise", "-q", "--baseline", b]);
    assert_eq!(code, 1, "the drift still fails: {out}{err}");
    assert!(!out.contains("MB102"), "{out}");
    assert!(out.contains("MB603"), "{out}");
    assert!(err.contains("in the baseline"), "{err}");
    // The baseline is an input: never the report.
    let (code, _, err) = run_sub("compare", &["--baseline", b, "-o", b]);
    assert_eq!(code, 2);
    assert!(err.contains("which this run reads"), "{err}");
}
