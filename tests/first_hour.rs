//! The first hour with mblint (issue 13): every README claim a new user acts on is true, every flag
//! that would do nothing says so, messages say what the file is, help ends with the exit codes,
//! and the tool is found where users look for it (completions, man page, pre-commit, SARIF upload).

use std::path::Path;

use assert_cmd::Command;
use mblint::report::text::{self, TextOptions};
use mblint::rules::RULES;
use predicates::prelude::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// mblint with a known environment: output never depends on the terminal of whoever runs the tests.
fn mblint() -> Command {
    let mut cmd = Command::cargo_bin("mblint").unwrap();
    cmd.env_remove("NO_COLOR")
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm");
    cmd
}

fn path(relative: &str) -> String {
    format!("{ROOT}/{relative}")
}

fn readme() -> String {
    doc("README.md")
}

/// A page of the documentation (the README or one of docs/), by its path from the repository root.
fn doc(relative: &str) -> String {
    std::fs::read_to_string(path(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The README's section under `heading` (up to the next heading of the same or a higher level).
fn section(readme: &str, heading: &str) -> String {
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading}"));
    let level = heading.split(' ').next().unwrap().len();
    let rest = &readme[start + heading.len() + 2..];
    let end = rest
        .match_indices("\n#")
        .find(|(i, _)| {
            let hashes = rest[i + 1..].chars().take_while(|&c| c == '#').count();
            hashes <= level && rest[i + 1 + hashes..].starts_with(' ')
        })
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].to_string()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// README truth ---------------------------------------------------------------------------------

/// The anchors GitHub gives the headings of a Markdown page (lower case, punctuation dropped,
/// spaces as hyphens, `-1`, `-2` for repeats), outside code blocks.
fn anchors(markdown: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if fenced || hashes == 0 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let slug: String = line[hashes..]
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let repeats = seen.iter().filter(|s| **s == slug).count();
        out.push(if repeats == 0 {
            slug.clone()
        } else {
            format!("{slug}-{repeats}")
        });
        seen.push(slug);
    }
    out
}

/// The README and every page of docs/.
fn pages() -> Vec<String> {
    let mut pages = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(path("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            pages.push(format!("docs/{name}"));
        }
    }
    pages.sort();
    pages
}

#[test]
fn every_link_of_the_readme_and_the_guide_leads_somewhere() {
    // Moving a section between pages must not leave a link to where it was.
    let mut checked = 0;
    for page in pages() {
        let text = doc(&page);
        let folder = std::path::Path::new(&page).parent().unwrap().to_path_buf();
        let mut fenced = false;
        for line in text.lines() {
            if line.starts_with("```") {
                fenced = !fenced;
            }
            if fenced {
                continue;
            }
            for (at, _) in line.match_indices("](") {
                let rest = &line[at + 2..];
                let target = &rest[..rest.find(')').unwrap_or(rest.len())];
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
                let file = if file.is_empty() {
                    page.clone()
                } else {
                    let joined = folder.join(file);
                    let mut parts: Vec<String> = Vec::new();
                    for part in joined.components() {
                        match part {
                            std::path::Component::ParentDir => {
                                parts.pop();
                            }
                            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                            _ => {}
                        }
                    }
                    parts.join("/")
                };
                assert!(
                    std::path::Path::new(&path(&file)).exists(),
                    "{page}: a link to {target}, which is not in the repository"
                );
                if !anchor.is_empty() {
                    assert!(
                        anchors(&doc(&file)).iter().any(|a| a == anchor),
                        "{page}: a link to {target}, but {file} has no heading #{anchor}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} links found: is the link reader broken?");
}

#[test]
fn the_readme_holds_what_a_newcomer_needs_and_links_the_rest() {
    let readme = readme();
    // In this order: what it finds (the quick start shows it), how to install, where it runs,
    // how to use it, what the exit code says, then where the rest is.
    let order = [
        "## Quick start",
        "## What it finds",
        "## Install",
        "## Where mblint runs",
        "## Usage",
        "## Exit codes",
        "## Documentation",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|h| readme.find(&format!("\n{h}\n")).unwrap_or_else(|| panic!("no {h}")))
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "the README's sections are out of order"
    );
    let lines = readme.lines().count();
    assert!(lines < 400, "the README has {lines} lines: move the detail into docs/");
    // Every page of the guide is linked from the README.
    let documentation = section(&readme, "## Documentation");
    for page in pages().iter().filter(|p| p.starts_with("docs/")) {
        assert!(
            documentation.contains(&format!("]({page})")),
            "the README does not link {page}"
        );
    }
}

#[cfg(unix)]
#[test]
fn the_readme_install_commands_work_on_a_fresh_account() {
    // The completion and manual page lines, run as written in a home folder that has nothing yet.
    let install = section(&readme(), "## Install");
    let block = install
        .split("```sh\n")
        .skip(1)
        .map(|b| &b[..b.find("```").unwrap()])
        .find(|b| b.contains("mblint completions"))
        .expect("an sh block with the completion commands");
    let home = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_mblint")).parent().unwrap();
    let mut ran = 0;
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let out = std::process::Command::new("sh")
            .args(["-c", line])
            .env("HOME", home.path())
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`{line}` failed on a fresh account: {}",
            stderr_of(&out)
        );
        ran += 1;
    }
    assert!(ran >= 4, "{block}");
    for made in [
        ".local/share/bash-completion/completions/mblint",
        ".zfunc/_mblint",
        ".config/fish/completions/mblint.fish",
        ".local/share/man/man1/mblint.1",
        ".local/share/man/man1/mblint-check.1",
    ] {
        let len = std::fs::metadata(home.path().join(made)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 100, "{made} was not written");
    }
    // zsh reads ~/.zfunc only once fpath names it: the block says how.
    assert!(block.contains("fpath=(~/.zfunc $fpath)"), "{block}");
}

#[test]
fn the_readme_rules_table_lists_every_registered_rule() {
    let table = section(&readme(), "## What it finds");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with("| MB"))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    for rule in RULES {
        let row = rows
            .iter()
            .find(|r| r[0] == rule.code)
            .unwrap_or_else(|| panic!("{} ({}) is not in the README's rules table", rule.code, rule.name));
        assert_eq!(row[1], rule.name, "{}: name", rule.code);
        assert_eq!(row[2], rule.severity.as_str(), "{}: severity", rule.code);
        assert!(row[3].len() > 10, "{}: what it finds", rule.code);
    }
    assert_eq!(rows.len(), RULES.len(), "the table lists a rule that is not registered");
}

#[test]
fn the_readme_quick_start_says_the_example_exits_1_and_shows_diff_and_fix() {
    let readme = readme();
    let quick = section(&readme, "## Quick start");
    assert!(quick.contains("exits 1"), "{quick}");
    for shown in ["--diff", "--fix"] {
        assert!(quick.contains(shown), "the quick start does not show {shown}");
    }
    assert!(section(&readme, "## Install").contains("cargo install --path . --locked"));
    // What it says is so: the example exits 1, --diff exits 1 and writes nothing, --fix repairs a
    // copy with --unsafe-fixes.
    let example = path("testdata/servers/fpse2002-64bit");
    mblint().args(["check", &example]).assert().code(1);
    mblint()
        .args(["check", "--diff", "--unsafe-fixes", &example])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("+++ b/"));
}

#[test]
fn the_readme_usage_names_every_option_and_subcommand() {
    let usage = section(&readme(), "## Usage");
    for sub in [
        "check",
        "compare",
        "history",
        "inspect",
        "rules",
        "rule",
        "completions",
        "man",
    ] {
        assert!(
            usage.contains(&format!("mblint {sub}")),
            "README usage lacks `mblint {sub}`"
        );
        let help = mblint().args([sub, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&help.stdout).into_owned();
        for word in help.split_whitespace().filter(|w| w.starts_with("--") && w.len() > 3) {
            let flag: String = word
                .chars()
                .enumerate()
                .take_while(|&(i, c)| i < 2 || c.is_ascii_alphanumeric() || c == '-')
                .map(|(_, c)| c)
                .collect();
            let flag = flag.as_str();
            if flag == "--help" || flag == "--version" {
                continue;
            }
            assert!(usage.contains(flag), "README usage lacks {flag} of `mblint {sub}`");
        }
    }
}

#[test]
fn unknown_codes_in_a_configuration_are_errors_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mblint.toml");
    std::fs::write(&config, "select = [\"MB1\"]\n\n[severity]\nMB777 = \"info\"\n").unwrap();
    let out = mblint()
        .args([
            "check",
            "--config",
            config.to_str().unwrap(),
            &path("testdata/metabases/clean-64bit.xml"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("line 4, column 1") && err.contains("MB777"), "{err}");
}

#[test]
fn a_per_location_location_that_matches_no_key_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mblint.toml");
    std::fs::write(
        &config,
        "[[per-location]]\nlocation = \"/LM/W3SVC/99/ROOT\"\nignore = [\"MB102\"]\n\n[[per-location]]\nlocation = \"/LM/W3SVC\"\nignore = [\"MB205\"]\n",
    )
    .unwrap();
    let out = mblint()
        .args([
            "check",
            "--config",
            config.to_str().unwrap(),
            &path("testdata/metabases/clean-64bit.xml"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = stderr_of(&out);
    assert!(err.contains("/lm/w3svc/99/root matches no key"), "{err}");
    assert!(!err.contains("[[per-location]] /lm/w3svc "), "{err}");
}

// Flags that do nothing say so -------------------------------------------------------------------

#[test]
fn fix_options_without_a_fix_mode_are_usage_errors() {
    let file = path("testdata/metabases/fpse2002-64bit.xml");
    for args in [vec!["--unsafe-fixes"], vec!["--worker-bitness", "32"], vec!["--backup"]] {
        mblint()
            .arg("check")
            .args(&args)
            .arg(&file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--fix").or(predicate::str::contains("fix")));
    }
    mblint()
        .args(["check", "--diff", "--unsafe-fixes", "--worker-bitness", "32", &file])
        .assert()
        .code(1);
}

#[test]
fn statistics_with_sarif_or_github_is_a_usage_error() {
    let file = path("testdata/metabases/fpse2002-64bit.xml");
    for format in ["sarif", "github"] {
        mblint()
            .args(["check", "--statistics", "--format", format, &file])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--statistics"));
    }
    for format in ["text", "concise", "json"] {
        mblint()
            .args(["check", "--statistics", "--format", format, &file])
            .assert()
            .code(1);
    }
}

#[test]
fn mb001_cannot_be_ignored_or_downgraded_and_says_so() {
    let file = path("testdata/metabases/clean-64bit.xml");
    for pattern in ["MB001", "malformed-metabase"] {
        mblint()
            .args(["check", "--ignore", pattern, &file])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("MB001 (malformed-metabase) cannot be ignored"));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mblint.toml");
    std::fs::write(&config, "[severity]\nMB001 = \"info\"\n").unwrap();
    mblint()
        .args(["check", "--config", config.to_str().unwrap(), &file])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 2, column 1").and(predicate::str::contains("always an error")));
}

#[test]
fn a_drive_letter_mapped_twice_is_a_usage_error() {
    let drive = path("testdata/servers/fpse2002-64bit");
    mblint()
        .args([
            "check",
            "-d",
            &format!("C:={drive}"),
            "-d",
            &format!("c:={drive}"),
            &path("testdata/metabases/clean-64bit.xml"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("drive C: is mapped twice"));
}

#[test]
fn select_and_ignore_take_rule_names() {
    let example = path("testdata/servers/fpse2002-64bit");
    let out = mblint()
        .args(["check", "--format", "concise", "--select", "mixed-bitness", &example])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("MB101") && !stdout.contains("MB102"), "{stdout}");
    let out = mblint()
        .args(["check", "--format", "concise", "--ignore", "Mixed-Bitness", &example])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("MB101") && stdout.contains("MB102"), "{stdout}");
    mblint()
        .args(["check", "--select", "no-such-rule", &example])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("matches no rule code or name"));
}

// Messages ---------------------------------------------------------------------------------------

#[test]
fn mb001_says_a_file_is_not_a_metabase_or_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let pom = dir.path().join("pom.xml");
    std::fs::write(
        &pom,
        "<?xml version=\"1.0\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n</project>\n",
    )
    .unwrap();
    let schema = dir.path().join("MBSchema.xml");
    std::fs::write(
        &schema,
        "<?xml version=\"1.0\"?>\n<MetabaseSchema xmlns=\"x-schema:CatalogSchema.xml\">\n</MetabaseSchema>\n",
    )
    .unwrap();
    for file in [&pom, &schema] {
        let out = mblint().args(["check", file.to_str().unwrap()]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("not an IIS 6.0 metabase"), "{stdout}");
        assert!(!stdout.contains("History"), "{stdout}");
    }
    let empty = dir.path().join("MetaBase.xml");
    std::fs::write(&empty, "").unwrap();
    mblint()
        .args(["check", empty.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("the file is empty"));
}

/// `fixed N problem(s) with M fix(es)`: the numbers in a line.
fn counts(line: &str) -> (String, String) {
    let after = |word: &str| {
        let at = line.find(word).unwrap_or_else(|| panic!("no {word:?} in {line}"));
        line[..at].split_whitespace().last().unwrap().to_string()
    };
    (after("problem(s)"), after("fix(es)"))
}

#[test]
fn the_fix_summary_and_the_script_header_agree() {
    for example in ["fpse2002-64bit", "framework64-32bit-mode"] {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("MetaBase.xml");
        let original = Path::new(ROOT)
            .join("testdata/servers")
            .join(example)
            .join(inetsrv(example))
            .join("MetaBase.xml");
        std::fs::copy(original, &copy).unwrap();
        let drive = path(&format!("testdata/servers/{example}"));
        let common = [
            "check",
            "--isolated",
            "--unsafe-fixes",
            "-d",
            &format!("C:={drive}"),
            copy.to_str().unwrap(),
        ];
        let script = mblint().args(common).args(["--script", "vbs"]).output().unwrap();
        let script = String::from_utf8_lossy(&script.stdout).into_owned();
        let header = script.lines().find(|l| l.starts_with("' mblint:")).unwrap().to_string();
        let fixed = mblint().args(common).arg("--fix").output().unwrap();
        let summary = stderr_of(&fixed);
        let summary = summary.lines().find(|l| l.contains(" fixed ")).unwrap().to_string();
        assert_eq!(counts(&header), counts(&summary), "{example}:\n{header}\n{summary}");
    }
}

/// The letter case of the inetsrv folder in a server copy.
fn inetsrv(example: &str) -> String {
    let root = Path::new(ROOT).join("testdata/servers").join(example);
    let windows = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().eq_ignore_ascii_case("windows"))
        .unwrap()
        .file_name();
    let system32 = std::fs::read_dir(root.join(&windows))
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().eq_ignore_ascii_case("system32"))
        .unwrap()
        .file_name();
    let inetsrv = std::fs::read_dir(root.join(&windows).join(&system32))
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().eq_ignore_ascii_case("inetsrv"))
        .unwrap()
        .file_name();
    format!(
        "{}/{}/{}",
        windows.to_string_lossy(),
        system32.to_string_lossy(),
        inetsrv.to_string_lossy()
    )
}

#[test]
fn worker_bitness_that_leaves_nothing_to_fix_says_why() {
    for (file, platform, bits, why) in [
        (
            "testdata/servers/fpse2002-64bit",
            "x64",
            "64",
            "no fix makes every ISAPI DLL load in 64-bit worker processes",
        ),
        (
            "testdata/metabases/clean-64bit.xml",
            "x64",
            "32",
            "switches no server that has none",
        ),
        ("testdata/metabases/clean-64bit.xml", "x64", "64", "already run 64-bit"),
        (
            "testdata/metabases/x86-aspnet20.xml",
            "x86",
            "64",
            "32-bit Windows (x86) runs only 32-bit",
        ),
    ] {
        let out = mblint()
            .args([
                "check",
                "--isolated",
                "--platform",
                platform,
                "--diff",
                "--worker-bitness",
                bits,
            ])
            .arg(path(file))
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert!(
            err.contains(&format!("nothing to fix with --worker-bitness {bits}: ")) && err.contains(why),
            "{file} {bits}: {err}"
        );
    }
}

#[test]
fn wrapped_text_never_breaks_a_location_or_a_path() {
    let report = mblint::lint::lint_bytes(
        "MetaBase.xml",
        std::fs::read(path("testdata/metabases/fpse2002-64bit.xml")).unwrap(),
    );
    for width in [60, 80, 100] {
        let mut out = Vec::new();
        text::write(
            std::slice::from_ref(&report),
            &[],
            TextOptions {
                width,
                ..TextOptions::default()
            },
            &mut out,
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("/LM/W3SVC/AppPools"), "width {width}:\n{out}");
        for line in out.lines() {
            assert!(
                !line.trim_end().ends_with('/'),
                "width {width}: a line ends inside a path: {line}"
            );
        }
    }
}

#[test]
fn mb101_names_every_dll_by_its_file_name() {
    let out = mblint()
        .args([
            "check",
            "--isolated",
            "--select",
            "MB101",
            &path("testdata/servers/fpse2002-64bit"),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("`fpexedll.dll` (global ISAPI filter) is 32-bit"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`urlscan.dll` (global ISAPI filter `UrlScan`) is 64-bit"),
        "{stdout}"
    );
}

#[test]
fn diff_of_a_utf16_file_says_it_is_for_reading() {
    let text = std::fs::read_to_string(path("testdata/metabases/framework64-32bit-mode.xml")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.trim_start_matches('\u{feff}').encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("MetaBase.xml");
    std::fs::write(&file, &bytes).unwrap();
    mblint()
        .args([
            "check",
            "--isolated",
            "--diff",
            "--unsafe-fixes",
            file.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("@@"))
        .stderr(predicate::str::contains(
            "is UTF-16: the diff shows the changes as UTF-8 text, for reading",
        ))
        .stderr(predicate::str::contains("Apply the fixes with --fix"));
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "--diff wrote nothing");
}

// Help -------------------------------------------------------------------------------------------

#[test]
fn every_subcommand_help_ends_with_the_exit_codes() {
    for sub in [
        "",
        "check",
        "compare",
        "history",
        "inspect",
        "rules",
        "rule",
        "completions",
        "man",
    ] {
        let args: &[&str] = if sub.is_empty() { &["--help"] } else { &[sub, "--help"] };
        let out = mblint().args(args).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let at = help
            .rfind("Exit codes")
            .unwrap_or_else(|| panic!("`{sub} --help` has no exit codes:\n{help}"));
        let tail: Vec<&str> = help[at..].lines().skip(1).filter(|l| !l.trim().is_empty()).collect();
        assert!(!tail.is_empty(), "{sub}");
        for line in tail {
            let code = line.trim_start().chars().next().unwrap();
            assert!(
                "012".contains(code) || line.starts_with("     "),
                "`{sub} --help` goes on after the exit codes: {line}"
            );
        }
    }
}

#[test]
fn rule_help_says_names_work_and_formats_are_described() {
    mblint()
        .args(["rule", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("worker-bitness-mismatch"))
        .stdout(predicate::str::contains("Markdown document"));
    mblint()
        .args(["rules", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("JSON"));
    mblint()
        .args(["rule", "Worker-Bitness-Mismatch"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("MB102"));
}

#[test]
fn inspect_shows_the_decorated_exports_that_explain_mb203() {
    mblint()
        .args(["inspect", &path("testdata/images/x86/msvc-decorated.dll")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("_GetFilterVersion@4, _HttpFilterProc@12"))
        .stdout(predicate::str::contains("MB203"));
}

#[test]
fn inspect_lists_the_images_under_a_folder() {
    let images = path("testdata/images");
    fn count_images(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                if e.file_type().unwrap().is_dir() {
                    return count_images(&e.path());
                }
                let name = e.file_name().to_string_lossy().to_ascii_lowercase();
                usize::from(name.ends_with(".dll") || name.ends_with(".exe"))
            })
            .sum()
    }
    let expected = count_images(Path::new(&images));
    assert!(expected > 50, "{expected}");
    let out = mblint()
        .args(["inspect", "--format", "json", &images])
        .output()
        .unwrap();
    // Corrupt images are not valid: exit 1, each listed.
    assert_eq!(out.status.code(), Some(1));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), expected);
    assert!(
        items
            .iter()
            .any(|i| i["file"].as_str().unwrap().ends_with("x64/isapi-filter.dll"))
    );

    // A link that leads outside the folder is not followed, and is listed: exit 2.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(format!("{images}/x64/isapi-filter.dll"), dir.path().join("Filter.DLL")).unwrap();
    std::fs::write(dir.path().join("readme.txt"), "not an image").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(format!("{images}/x86/isapi-filter.dll"), dir.path().join("outside.dll")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("Filter.DLL"), dir.path().join("inside.dll")).unwrap();
        std::os::unix::fs::symlink(&images, dir.path().join("images-link")).unwrap();
    }
    let out = mblint()
        .args(["inspect", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("Filter.DLL") && !table.contains("readme.txt"), "{table}");
    #[cfg(unix)]
    {
        assert_eq!(out.status.code(), Some(2), "{table}");
        assert!(table.contains("leads outside the folder: not followed"), "{table}");
        assert!(
            table.contains("inside.dll") && !table.contains("x86/isapi-filter"),
            "{table}"
        );
        assert_eq!(table.lines().count(), 4, "{table}");
    }
}

// Colour and characters --------------------------------------------------------------------------

#[test]
fn no_color_counts_only_when_not_empty_and_dumb_terminals_get_no_colour() {
    use std::ffi::OsString;
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| OsString::from(v))
    };
    assert!(mblint::cli::auto_color(true, env(&[("TERM", "xterm")])));
    assert!(mblint::cli::auto_color(true, env(&[("NO_COLOR", "")])));
    assert!(!mblint::cli::auto_color(true, env(&[("NO_COLOR", "1")])));
    assert!(!mblint::cli::auto_color(true, env(&[("TERM", "dumb")])));
    assert!(!mblint::cli::auto_color(false, env(&[])));

    assert!(!mblint::cli::auto_ascii(env(&[])));
    assert!(!mblint::cli::auto_ascii(env(&[("LANG", "en_US.UTF-8")])));
    assert!(!mblint::cli::auto_ascii(env(&[("LC_ALL", ""), ("LANG", "C.utf8")])));
    assert!(mblint::cli::auto_ascii(env(&[("LANG", "C")])));
    assert!(mblint::cli::auto_ascii(env(&[
        ("LC_ALL", "POSIX"),
        ("LANG", "en_US.UTF-8")
    ])));
    assert!(mblint::cli::auto_ascii(env(&[("LC_CTYPE", "de_DE.ISO-8859-1")])));
    assert!(mblint::cli::auto_ascii(env(&[("TERM", "dumb"), ("LANG", "C.UTF-8")])));
}

#[test]
fn text_output_falls_back_to_ascii_where_the_console_cannot_draw_boxes() {
    let example = path("testdata/metabases/fpse2002-64bit.xml");
    let run = |cmd: &mut Command| String::from_utf8(cmd.output().unwrap().stdout).unwrap();
    let unicode = run(mblint().args(["check", "--isolated", &example]));
    assert!(unicode.contains('╭') && unicode.contains('×'), "{unicode}");
    // The file's own characters may be anything: what is drawn around them is ASCII.
    let boxes = |s: &str| {
        s.chars()
            .any(|c| ('\u{2500}'..='\u{257f}').contains(&c) || c == '×' || c == '…')
    };
    for ascii in [
        run(mblint().args(["check", "--isolated", "--charset", "ascii", &example])),
        run(mblint().env("TERM", "dumb").args(["check", "--isolated", &example])),
        run(mblint().env("LANG", "C").args(["check", "--isolated", &example])),
    ] {
        assert!(!boxes(&ascii) && ascii.contains("MB102"), "{ascii}");
    }
    let forced = run(mblint()
        .env("LANG", "C")
        .args(["check", "--isolated", "--charset", "unicode", &example]));
    assert!(boxes(&forced));
    // Colour only when asked for, never through TERM=dumb's auto.
    let coloured = run(mblint().args(["check", "--isolated", "--color", "always", &example]));
    assert!(coloured.contains('\u{1b}'));
    assert!(!run(mblint().env("TERM", "dumb").args(["check", "--isolated", &example])).contains('\u{1b}'));
}

// Where users look for it ------------------------------------------------------------------------

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_mblint()"),
        ("zsh", "#compdef mblint"),
        ("fish", "complete -c mblint"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[mblint]"),
    ] {
        mblint()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("worker-bitness"));
    }
    mblint().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn a_man_page_from_the_command_line_definition() {
    mblint()
        .args(["man"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(".ie \\n(.g .ds Aq").or(predicate::str::contains(".TH mblint 1")))
        .stdout(predicate::str::contains("mblint\\-check(1)").or(predicate::str::contains("check")));
    let dir = tempfile::tempdir().unwrap();
    mblint()
        .args(["man", "--out-dir", dir.path().to_str().unwrap()])
        .assert()
        .code(0);
    for page in ["mblint.1", "mblint-check.1", "mblint-inspect.1", "mblint-rule.1"] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap_or_else(|_| panic!("{page}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let check = std::fs::read_to_string(dir.path().join("mblint-check.1")).unwrap();
    assert!(check.contains("worker\\-bitness"), "{check}");
    // The exit codes stand under EXIT STATUS (man-pages(7)), one tagged paragraph per code, in
    // every page, and never under clap_mangen's EXTRA.
    for page in std::fs::read_dir(dir.path()).unwrap() {
        let page = page.unwrap().path();
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.display();
        assert!(!text.contains(".SH EXTRA"), "{name}");
        let status = text
            .find(".SH \"EXIT STATUS\"")
            .unwrap_or_else(|| panic!("{name} has no EXIT STATUS"));
        for code in ["0", "2"] {
            assert!(
                text[status..].contains(&format!(".TP\n\\fB{code}\\fR\n")),
                "{name}: exit code {code}"
            );
        }
    }
    let top = std::fs::read_to_string(dir.path().join("mblint.1")).unwrap();
    assert!(
        top.contains("\\fB1\\fR\nfindings at or above the fail level remain"),
        "{top}"
    );
}

#[test]
fn a_pre_commit_hook_and_the_sarif_upload_are_documented() {
    let hooks = std::fs::read_to_string(path(".pre-commit-hooks.yaml")).unwrap();
    for expected in ["- id: mblint", "entry: mblint check", "language: rust", "(?i)"] {
        assert!(hooks.contains(expected), "{expected}:\n{hooks}");
    }
    // The installed-binary hook: the same check, no toolchain (`language: system`).
    let system = hooks
        .split("\n- id: ")
        .find(|h| h.starts_with("mblint-system"))
        .unwrap_or_else(|| panic!("no mblint-system hook:\n{hooks}"));
    for expected in ["entry: mblint check", "args: [--isolated]", "language: system", "(?i)"] {
        assert!(system.contains(expected), "{expected}:\n{system}");
    }
    let ci = doc("docs/ci.md");
    assert!(ci.contains("- id: mblint-system") || ci.contains("`mblint-system`"));
    assert!(ci.contains("github/codeql-action/upload-sarif"));
    assert!(ci.contains("security-events: write"));
    assert!(doc("docs/output-formats.md").contains("scripts/validate-sarif.sh"));
    assert!(readme().contains("docs/ci.md"), "the README links the CI page");
    let readme = readme();
    assert!(readme.contains("mblint completions") && readme.contains("mblint man"));
}

#[test]
fn sarif_names_where_to_learn_about_the_tool() {
    let out = mblint()
        .args([
            "check",
            "--format",
            "sarif",
            &path("testdata/metabases/clean-64bit.xml"),
        ])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let uri = sarif["runs"][0]["tool"]["driver"]["informationUri"].as_str().unwrap();
    assert!(uri.starts_with("https://"), "{uri}");
    assert_eq!(uri, env!("CARGO_PKG_REPOSITORY"));
}
