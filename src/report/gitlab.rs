//! GitLab Code Quality: one JSON array of issues, which a merge request shows in its widget and
//! diff (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>).
//!
//! Each issue has the fields GitLab requires: `description`, `check_name`, `fingerprint`,
//! `severity` (`info`, `minor`, `major`, `critical` or `blocker`), `location.path` and
//! `location.lines.begin`; plus `type: "issue"` and `categories`, which the Code Climate
//! specification it comes from asks for. A grouped finding is one issue at its first place, its
//! description saying how many more places it has: GitLab shows a line per issue, and one cause is
//! one thing to fix.
//!
//! The fingerprint is what GitLab tells new issues from resolved ones by, between the merge
//! request's pipeline and its target branch's: the SHA-256 of the finding's identity, the same one
//! `--baseline` uses (rule, file, Location, property, the text it is about: never a line number),
//! with a counter for findings whose identities are equal (two sites that map the same DLL), so each
//! fingerprint in a report is distinct.
//!
//! An input that could not be checked is an issue too, of severity `blocker` with check name
//! `mblint/input-not-checked`, at line 1 of that input: a merge request must never show a clean
//! widget for a file mblint did not read (the exit code is 2 as well).

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::escape::escape;
use crate::diagnostic::Severity;
use crate::lint::{FileReport, InputFailure};

#[derive(Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: String,
    description: String,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// GitLab's severity for a finding's.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}

/// The path GitLab matches against the repository's files: relative to the working directory when
/// the input is under it (GitLab wants paths relative to the project root, where CI jobs run),
/// with `/` between names and no leading `./`.
fn repo_path(name: &str, cwd: Option<&std::path::Path>) -> String {
    let relative = cwd
        .and_then(|cwd| std::path::Path::new(name).strip_prefix(cwd).ok())
        .and_then(|rel| rel.to_str());
    let path = relative.unwrap_or(name).replace('\\', "/");
    let mut rest = path.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    escape(rest).into_owned()
}

/// Gives each fingerprint of a report a counter, so equal identities stay distinct.
#[derive(Default)]
struct Fingerprints(HashMap<[u8; 32], u32>);

impl Fingerprints {
    fn next(&mut self, parts: &[&str]) -> String {
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        let base: [u8; 32] = h.clone().finalize().into();
        let n = self.0.entry(base).or_insert(0);
        *n += 1;
        h.update(n.to_le_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The report's issues as a JSON array.
pub fn write(reports: &[FileReport], failures: &[InputFailure], out: &mut impl Write) -> std::io::Result<()> {
    write_with_warnings(reports, failures, &[], out)
}

/// [`write`], with an issue of severity `minor` for each of `warnings` (what the reader must know
/// about an input, as `mblint history` says of the history files it passed over).
pub fn write_with_warnings(
    reports: &[FileReport],
    failures: &[InputFailure],
    warnings: &[InputFailure],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let cwd = std::env::current_dir().ok();
    let issues = issues(reports, failures, warnings, cwd.as_deref());
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    out.write_all(b"\n")
}

fn issues(
    reports: &[FileReport],
    failures: &[InputFailure],
    warnings: &[InputFailure],
    cwd: Option<&std::path::Path>,
) -> Vec<Issue> {
    let mut prints = Fingerprints::default();
    let mut issues = Vec::new();
    let mut input_issue = |f: &InputFailure, check: &str, severity: &'static str, description: String| Issue {
        kind: "issue",
        check_name: check.to_string(),
        fingerprint: prints.next(&[check, &f.path, &f.error]),
        description: escape(&description).into_owned(),
        categories: ["Bug Risk"],
        severity,
        location: Location {
            path: repo_path(&f.path, cwd),
            lines: Lines { begin: 1, end: 1 },
        },
    };
    for f in failures {
        let description = match super::checked_report(f, reports) {
            Some(_) => format!("{} was checked, but its fixes were not written: {}", f.path, f.error),
            None => format!("{} could not be checked: {}", f.path, f.error),
        };
        issues.push(input_issue(f, "mblint/input-not-checked", "blocker", description));
    }
    for w in warnings {
        issues.push(input_issue(w, "mblint/about-an-input", "minor", w.error.clone()));
    }
    for report in reports {
        let path = repo_path(&report.source.name, cwd);
        for d in &report.diagnostics {
            let name = crate::rules::by_code(d.code).map_or("", |r| r.name);
            let first = d.places().next().expect("a finding has a first place");
            let id = crate::baseline::place_identity(&report.source.name, &report.source.text, d, &first);
            let (begin, _) = report.source.line_col(d.span.start as usize);
            let (end, _) = report.source.line_col(d.span.end as usize);
            let mut description = escape(&d.headline()).into_owned();
            if let Some(help) = &d.help {
                description.push_str(". Help: ");
                description.push_str(&escape(help));
            }
            issues.push(Issue {
                kind: "issue",
                check_name: format!("{} {name}", d.code),
                description,
                categories: ["Bug Risk"],
                severity: severity(d.severity),
                fingerprint: prints.next(&[&id.code, &id.file, &id.location, &id.attribute, &id.cause]),
                location: Location {
                    path: path.clone(),
                    lines: Lines { begin, end },
                },
            });
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_project_with_slashes() {
        let cwd = std::path::Path::new("/builds/ops/iis");
        assert_eq!(
            repo_path("/builds/ops/iis/nodes/a/MetaBase.xml", Some(cwd)),
            "nodes/a/MetaBase.xml"
        );
        assert_eq!(repo_path("./nodes/a/MetaBase.xml", Some(cwd)), "nodes/a/MetaBase.xml");
        assert_eq!(repo_path("nodes\\a\\MetaBase.xml", None), "nodes/a/MetaBase.xml");
        assert_eq!(
            repo_path("/elsewhere/MetaBase.xml", Some(cwd)),
            "/elsewhere/MetaBase.xml"
        );
        assert_eq!(repo_path("a\u{1b}b.xml", None), "a\\u{1b}b.xml");
    }

    #[test]
    fn equal_identities_get_distinct_stable_fingerprints() {
        let mut a = Fingerprints::default();
        let one = a.next(&["MB102", "x.xml", "/lm/w3svc/1/root", "scriptmaps", "C:\\x.dll"]);
        let two = a.next(&["MB102", "x.xml", "/lm/w3svc/1/root", "scriptmaps", "C:\\x.dll"]);
        assert_ne!(one, two);
        assert_eq!(one.len(), 64);
        let mut b = Fingerprints::default();
        assert_eq!(
            b.next(&["MB102", "x.xml", "/lm/w3svc/1/root", "scriptmaps", "C:\\x.dll"]),
            one
        );
        // The parts are length-prefixed: moving a character from one part to the next changes it.
        assert_ne!(
            b.next(&["MB102", "x.xml", "/lm/w3svc/1/root", "scriptmap", "sC:\\x.dll"]),
            two
        );
    }

    #[test]
    fn severities_map_to_gitlabs() {
        assert_eq!(severity(Severity::Error), "critical");
        assert_eq!(severity(Severity::Warning), "major");
        assert_eq!(severity(Severity::Info), "info");
    }
}
