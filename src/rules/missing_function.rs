//! MB208 missing-function: a function (or ordinal) an ISAPI DLL or one of its dependencies imports
//! that the module the loader picks does not export, forwarders followed (Win32 error 127).

use super::dependency::{Kind, report};
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB208",
    name: "missing-function",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A function an ISAPI DLL imports that the DLL the loader picks does not export",
    doc: rule_doc!("MB208"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    report(ctx, out, &RULE, Kind::Function);
}
