//! `scripts/mutants.sh`, run with a stand-in for `cargo` in a scratch repository: a mutation run
//! never persists proptest seeds, and a run that changes anything under `tests/` fails, so seeds a
//! mutant provoked cannot be committed by accident.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// A `cargo` that answers `cargo mutants --version`, records the environment it ran `cargo mutants`
/// with, and then writes a proptest seed file into `tests/`, as a failing property test under a
/// mutant would.
const FAKE_CARGO: &str = r#"#!/bin/sh
[ "$2" = "--version" ] && { echo "cargo-mutants 27.0.0"; exit 0; }
env > "$FAKE_ENV"
[ -n "$FAKE_WRITES" ] && echo "cc 0123 # shrinks to x = 1" > tests/fixes.proptest-regressions
exit 0
"#;

fn run(writes: bool) -> (std::process::Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("scripts")).unwrap();
    std::fs::create_dir_all(repo.join("tests")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mutants.sh"),
        repo.join("scripts/mutants.sh"),
    )
    .unwrap();
    std::fs::write(repo.join("tests/fixes.proptest-regressions"), "# seeds\n").unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "scratch"]);
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let cargo = bin.join("cargo");
    std::fs::write(&cargo, FAKE_CARGO).unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env_file = dir.path().join("env.txt");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let output = Command::new("bash")
        .arg(repo.join("scripts/mutants.sh"))
        .arg("--full")
        .env("PATH", path)
        .env("FAKE_ENV", &env_file)
        .env("FAKE_WRITES", if writes { "1" } else { "" })
        .env_remove("PROPTEST_DISABLE_FAILURE_PERSISTENCE")
        .current_dir(&repo)
        .output()
        .unwrap();
    let env = std::fs::read_to_string(&env_file).unwrap_or_default();
    (output, env)
}

#[test]
fn a_mutation_run_persists_no_proptest_seeds() {
    let (output, env) = run(false);
    assert!(output.status.success(), "{output:?}");
    assert!(
        env.lines().any(|l| l == "PROPTEST_DISABLE_FAILURE_PERSISTENCE=1"),
        "cargo mutants ran without PROPTEST_DISABLE_FAILURE_PERSISTENCE=1:\n{env}"
    );
}

#[test]
fn a_mutation_run_that_changes_tests_fails() {
    let (output, _) = run(true);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("changed files under tests/") && stderr.contains("fixes.proptest-regressions"),
        "{stderr}"
    );
}
