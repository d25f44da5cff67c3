//! Renders findings: miette-drawn text for people (`text`), a stable JSON document for programs
//! (`json`), and the others (SARIF, GitHub, an HTML page). All read the same
//! [`crate::lint::FileReport`] values.

pub mod compare;
pub mod deps;
pub mod escape;
pub mod github;
pub mod gitlab;
pub mod history;
pub mod html;
pub mod inspect;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod pretty;
pub mod sarif;
pub mod text;

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{FileReport, InputFailure};

/// The report of a failed input that was checked all the same (its fixes could not be written),
/// filed under the failure's path; `None` for an input that could not be checked. Every format
/// tells the two apart: a file that was checked is never said to be unchecked, and what it was
/// found to hold is reported.
pub fn checked_report<'a>(failure: &InputFailure, reports: &'a [FileReport]) -> Option<&'a FileReport> {
    reports.iter().find(|r| r.source.name == failure.path)
}

/// Counts of findings by severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    pub fn of<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> Counts {
        let mut c = Counts::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }

    pub fn total(self) -> usize {
        self.error + self.warning + self.info
    }

    pub fn of_reports(reports: &[FileReport]) -> Counts {
        Counts::of(reports.iter().flat_map(|r| &r.diagnostics))
    }

    /// `2 errors, 1 warning, 3 info`, or `no problems`.
    pub fn words(self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        if self.error > 0 {
            parts.push(plural(self.error, "error"));
        }
        if self.warning > 0 {
            parts.push(plural(self.warning, "warning"));
        }
        if self.info > 0 {
            parts.push(format!("{} info", self.info));
        }
        if parts.is_empty() {
            "no problems".into()
        } else {
            parts.join(", ")
        }
    }
}
