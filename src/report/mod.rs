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
pub mod sarif;
pub mod text;

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::FileReport;

/// A sequence serialised from an iterator made when it is written: nothing is collected, so a
/// finding with 100,000 places costs one place's memory at a time.
pub struct Lazy<F>(pub F);

impl<F, I> serde::Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
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
}
