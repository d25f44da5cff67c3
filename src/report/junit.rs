//! JUnit XML, the test report that Jenkins, GitLab, Azure Pipelines, CircleCI and Buildkite read:
//! one `<testsuite>` per input, one `<testcase>` per finding.
//!
//! A finding at or above the `--fail-on` severity (what makes the exit code 1) is a `<failure>`; one
//! below it is a test case that passes, with the finding in its `<system-out>`, so the report and
//! the exit code agree. An input with no finding has one passing test case, `mblint check`, so CI
//! systems that warn about an empty suite see that it was checked. An input that could not be
//! checked is a test case with an `<error>` (the exit code is 2): never a suite that passes.
//!
//! The shape is the one Jenkins' JUnit plugin and the other consumers share (the de facto schema,
//! <https://github.com/windyroad/JUnit-Schema>): `testsuites` with `tests`, `failures` and
//! `errors`; each `testsuite` with `name`, `tests`, `failures`, `errors`; each `testcase` with
//! `name` and `classname`. Text from the metabase or a drive has its control characters shown as
//! `\u{1b}` (XML 1.0 cannot carry most of them at all), then XML's own escaping.

use std::io::Write;

use super::escape::escape;
use crate::diagnostic::Severity;
use crate::lint::{FileReport, InputFailure};

/// `s` for an XML attribute or text node: controls as `\u{..}` (line breaks kept in text, where
/// `keep_lines`), then `&`, `<`, `>`, `"` and `'` as entities, and the two characters XML 1.0
/// forbids that [`escape`] leaves (U+FFFE, U+FFFF) as `\u{..}` too.
fn xml(s: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push_str(if keep_lines { "\n" } else { "\\u{a}" });
        }
        for c in escape(line).chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '\u{FFFE}' => out.push_str("\\u{fffe}"),
                '\u{FFFF}' => out.push_str("\\u{ffff}"),
                c => out.push(c),
            }
        }
    }
    out
}

struct Case {
    name: String,
    /// (element, message, type, body): `failure` or `error`; none for a case that passes.
    outcome: Option<(&'static str, String, String, String)>,
    out: Option<String>,
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

/// The report as JUnit XML; `fail_on` is the lowest severity that fails (as in the exit code).
pub fn write(
    reports: &[FileReport],
    failures: &[InputFailure],
    fail_on: Severity,
    out: &mut impl Write,
) -> std::io::Result<()> {
    write_with_warnings(reports, failures, &[], fail_on, out)
}

/// [`write`], with what the reader must know about an input (`warnings`) in that input's suite's
/// `<system-out>`, as `mblint history` says of the history files it passed over.
pub fn write_with_warnings(
    reports: &[FileReport],
    failures: &[InputFailure],
    warnings: &[InputFailure],
    fail_on: Severity,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut suites: Vec<Suite> = Vec::new();
    for report in reports {
        let mut cases = Vec::new();
        for d in &report.diagnostics {
            let name = crate::rules::by_code(d.code).map_or("", |r| r.name);
            let (line, col) = report.source.line_col(d.span.start as usize);
            let at = format!("{}:{line}:{col}", report.source.name);
            let mut body = format!("{at}: {} {}\n", d.code, d.headline());
            for place in d.occurrences.iter() {
                let (l, c) = report.source.line_col(place.span.start as usize);
                body.push_str(&format!("  also at {}:{l}:{c}\n", report.source.name));
            }
            if let Some(help) = &d.help {
                body.push_str(&format!("Help: {help}\n"));
            }
            // Named by what it is about, never by its line, which moves when a key is added above
            // it: CI systems track a test case's history by its name.
            let case_name = match (&d.location, &d.attribute) {
                (Some(location), Some(attribute)) => format!("{} {name} at {location} {attribute}", d.code),
                (Some(location), None) => format!("{} {name} at {location}", d.code),
                _ => format!("{} {name} at line {line}", d.code),
            };
            if d.severity >= fail_on {
                cases.push(Case {
                    name: case_name,
                    outcome: Some(("failure", d.headline().into_owned(), d.code.to_string(), body)),
                    out: None,
                });
            } else {
                cases.push(Case {
                    name: case_name,
                    outcome: None,
                    out: Some(format!("{}: {body}", d.severity.as_str())),
                });
            }
        }
        if cases.is_empty() {
            cases.push(Case {
                name: "mblint check".into(),
                outcome: None,
                out: None,
            });
        }
        suites.push(Suite {
            name: report.source.name.clone(),
            cases,
        });
    }
    for f in failures {
        let (case_name, message) = match super::checked_report(f, reports) {
            Some(_) => (
                "fixes written",
                format!("{} was checked, but its fixes were not written: {}", f.path, f.error),
            ),
            None => ("input read", format!("{} could not be checked: {}", f.path, f.error)),
        };
        let case = Case {
            name: case_name.into(),
            outcome: Some(("error", message.clone(), "mblint/input-not-checked".into(), message)),
            out: None,
        };
        match suites.iter_mut().find(|s| s.name == f.path) {
            Some(s) => s.cases.push(case),
            None => suites.push(Suite {
                name: f.path.clone(),
                cases: vec![case],
            }),
        }
    }
    let count = |s: &Suite, kind: &str| {
        s.cases
            .iter()
            .filter(|c| matches!(&c.outcome, Some((k, ..)) if *k == kind))
            .count()
    };
    let total: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failed: usize = suites.iter().map(|s| count(s, "failure")).sum();
    let errors: usize = suites.iter().map(|s| count(s, "error")).sum();
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"mblint\" tests=\"{total}\" failures=\"{failed}\" errors=\"{errors}\">\n"
    ));
    for s in &suites {
        x.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">\n",
            xml(&s.name, false),
            s.cases.len(),
            count(s, "failure"),
            count(s, "error")
        ));
        let notes: Vec<&InputFailure> = warnings.iter().filter(|w| w.path == s.name).collect();
        for c in &s.cases {
            x.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\"",
                xml(&c.name, false),
                xml(&s.name, false)
            ));
            if c.outcome.is_none() && c.out.is_none() {
                x.push_str("/>\n");
                continue;
            }
            x.push_str(">\n");
            if let Some((element, message, kind, body)) = &c.outcome {
                x.push_str(&format!(
                    "      <{element} message=\"{}\" type=\"{}\">{}</{element}>\n",
                    xml(message, false),
                    xml(kind, false),
                    xml(body, true)
                ));
            }
            if let Some(out) = &c.out {
                x.push_str(&format!("      <system-out>{}</system-out>\n", xml(out, true)));
            }
            x.push_str("    </testcase>\n");
        }
        if !notes.is_empty() {
            let text: Vec<&str> = notes.iter().map(|w| w.error.as_str()).collect();
            x.push_str(&format!(
                "    <system-out>{}</system-out>\n",
                xml(&text.join("\n"), true)
            ));
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    out.write_all(x.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml_and_terminals() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>", false),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(xml("x\u{1b}]0;y\u{7}", false), "x\\u{1b}]0;y\\u{7}");
        assert_eq!(xml("one\ntwo", true), "one\ntwo");
        assert_eq!(xml("one\ntwo", false), "one\\u{a}two");
        assert_eq!(xml("\u{FFFE}\u{FFFF}\0", false), "\\u{fffe}\\u{ffff}\\u{0}");
    }
}
