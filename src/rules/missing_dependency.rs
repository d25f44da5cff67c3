//! MB207 missing-dependency: a module an ISAPI DLL needs, directly or through others, that the
//! loader does not find (Win32 error 126), finds but cannot load (193), or that a side-by-side
//! assembly not in WinSxS would supply (14001).

use super::dependency::{Kind, report};
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB207",
    name: "missing-dependency",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A DLL an ISAPI DLL needs that is not where the worker's loader looks, or cannot load",
    doc: rule_doc!("MB207"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    report(ctx, out, &RULE, Kind::Missing);
}
