//! Renders findings: miette-drawn text for people (`text`), a stable JSON document for programs
//! (`json`), and the others (SARIF, GitHub, an HTML page). All read the same
//! [`crate::lint::FileReport`] values.

pub mod compare;
pub mod escape;
pub mod github;
pub mod history;
pub mod html;
pub mod inspect;
pub mod json;
pub mod pretty;
pub mod sarif;
pub mod text;

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::FileReport;

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
}
