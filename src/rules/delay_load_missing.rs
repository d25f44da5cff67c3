//! MB210 delay-load-missing: a delay-loaded module (or one it needs, or a function of it) that is
//! missing: the DLL loads, and the first call into it fails.

use super::dependency::{Kind, report};
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB210",
    name: "delay-load-missing",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A delay-loaded module or function of an ISAPI DLL that is missing: its first call fails",
    doc: rule_doc!("MB210"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    report(ctx, out, &RULE, Kind::Delay);
}
