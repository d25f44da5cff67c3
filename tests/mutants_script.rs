//! `scripts/mutants.sh`, run with a stand-in for `cargo` in a scratch repository: a mutation run
//! never persists proptest seeds, and a run that changes anything under `tests/` fails, so seeds a
//! mutant provoked cannot be committed by accident.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// A `cargo` that answers `cargo mutants --version`, records the environment it ran `cargo mutants`
/// with and its arguments (one line a call, in `$FAKE_ENV.calls`), then writes a proptest seed file
/// into `tests/`, as a failing property test under a mutant would, and exits with the next code of
/// `$FAKE_EXITS` (0 when they run out), as cargo-mutants exits 2 when it missed a mutant.
const FAKE_CARGO: &str = r#"#!/bin/sh
[ "$2" = "--version" ] && { echo "cargo-mutants 27.0.0"; exit 0; }
env > "$FAKE_ENV"
echo "$*" >> "$FAKE_ENV.calls"
[ -n "$FAKE_WRITES" ] && echo "cc 0123 # shrinks to x = 1" > tests/fixes.proptest-regressions
n=$(wc -l < "$FAKE_ENV.calls")
code=$(echo "$FAKE_EXITS" | cut -d' ' -f"$n")
exit "${code:-0}"
"#;

fn run(writes: bool) -> (std::process::Output, String) {
    let (output, env, _) = run_with(writes, None, "", &[]);
    (output, env)
}

/// Runs `scripts/mutants.sh --full PLACES...` with `MUTANTS_TESTS` set to `tests` (or unset) against
/// a fake cargo that exits with the codes of `exits` in turn, in a repository holding `src/lib.rs`,
/// `src/host.rs` and `src/winpath/mod.rs`; returns its output, the environment of the last
/// `cargo mutants` and the arguments of every call.
fn run_with(
    writes: bool,
    tests: Option<&str>,
    exits: &str,
    places: &[&str],
) -> (std::process::Output, String, Vec<String>) {
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
    std::fs::create_dir_all(repo.join("src/winpath")).unwrap();
    for file in ["src/lib.rs", "src/host.rs", "src/winpath/mod.rs"] {
        std::fs::write(repo.join(file), "").unwrap();
    }
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
    let mut command = Command::new("bash");
    command
        .arg(repo.join("scripts/mutants.sh"))
        .arg("--full")
        .args(places)
        .env("PATH", path)
        .env("FAKE_ENV", &env_file)
        .env("FAKE_WRITES", if writes { "1" } else { "" })
        .env("FAKE_EXITS", exits)
        .env_remove("PROPTEST_DISABLE_FAILURE_PERSISTENCE")
        .env_remove("MUTANTS_TESTS")
        .current_dir(&repo);
    if let Some(tests) = tests {
        command.env("MUTANTS_TESTS", tests);
    }
    let output = command.output().unwrap();
    let env = std::fs::read_to_string(&env_file).unwrap_or_default();
    let calls = std::fs::read_to_string(dir.path().join("env.txt.calls")).unwrap_or_default();
    (output, env, calls.lines().map(str::to_string).collect())
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

/// A mutant missed under a test selection is re-checked with the whole suite: a second pass with
/// `--iterate` (which skips what the first caught) and without the selection, whose verdict is
/// the run's.
#[test]
fn a_mutant_missed_under_a_selection_is_rechecked_with_the_whole_suite() {
    for (first, second) in [(2, 0), (3, 0), (2, 2)] {
        let (output, _, calls) = run_with(false, Some("--lib --test fixes"), &format!("{first} {second}"), &[]);
        assert_eq!(calls.len(), 2, "first pass exits {first}: {calls:?}\n{output:?}");
        assert!(
            calls[0].contains("--cargo-arg=--lib --cargo-arg=--test --cargo-arg=fixes")
                && !calls[0].contains("--iterate"),
            "{calls:?}"
        );
        assert!(
            calls[1].contains("--iterate") && !calls[1].contains("--cargo-arg"),
            "the second pass must run the whole suite on what the first did not catch: {calls:?}"
        );
        assert_eq!(output.status.code(), Some(second), "{output:?}");
    }
}

/// `--iterate` given after `--` (to test again only what a run before did not catch) reaches both
/// passes, and the second does not add it again: cargo-mutants refuses a repeated flag.
#[test]
fn iterate_given_by_hand_is_passed_once() {
    let (output, _, calls) = run_with(false, Some("--lib"), "2 0", &["--", "--iterate"]);
    assert_eq!(calls.len(), 2, "{calls:?}\n{output:?}");
    for call in &calls {
        assert_eq!(call.matches("--iterate").count(), 1, "{calls:?}");
    }
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

/// No second pass when the selection caught everything, when the run itself failed (a baseline
/// that fails, exit 4), or when there was no selection to begin with.
#[test]
fn no_second_pass_when_there_is_nothing_to_recheck() {
    for (tests, exits, code) in [(Some("--lib"), "0", 0), (Some("--lib"), "4", 4), (None, "2", 2)] {
        let (output, _, calls) = run_with(false, tests, exits, &[]);
        assert_eq!(calls.len(), 1, "{tests:?} exiting {exits}: {calls:?}");
        assert!(!calls[0].contains("--iterate"), "{calls:?}");
        assert_eq!(output.status.code(), Some(code), "{output:?}");
    }
}

/// cargo-mutants 27.1 applies no name regex to the mutants that delete a struct field, so `--full
/// PLACE` also excludes every other source file by name, and no file of the place.
#[test]
fn a_place_excludes_every_other_file() {
    let (output, _, calls) = run_with(false, None, "0", &["src/winpath/"]);
    assert!(output.status.success(), "{output:?}");
    let call = &calls[0];
    for other in ["src/lib.rs", "src/host.rs"] {
        assert!(call.contains(&format!("--exclude {other}")), "{call}");
    }
    assert!(!call.contains("--exclude src/winpath/mod.rs"), "{call}");
    assert!(call.contains("--re ^src/winpath/"), "{call}");
    // Without a place, the configuration's places, and nothing excluded.
    let (_, _, calls) = run_with(false, None, "0", &[]);
    assert!(!calls[0].contains("--exclude"), "{calls:?}");
}
