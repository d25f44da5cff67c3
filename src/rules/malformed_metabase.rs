//! MB001 malformed-metabase: the file cannot be read as a metabase. Reported by the loader, not by a
//! check: nothing else can be said of a file that does not parse.

use super::{FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Diagnostic, Severity};
use crate::metabase::Span;

pub static RULE: Rule = Rule {
    code: "MB001",
    name: "malformed-metabase",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "The file is not well-formed XML, not decodable, or not a metabase",
    doc: rule_doc!("MB001"),
    check: None,
};

/// The finding for a file that failed to decode or parse.
pub fn diagnostic(span: Span, message: &str) -> Diagnostic {
    RULE.diagnostic(span, message)
        .label("here")
        .help("IIS refuses to start with a metabase it cannot parse; restore MetaBase.xml from the History folder or a backup, or correct the file by hand")
}
