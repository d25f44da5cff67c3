//! MB209 dependency-beside-dll: a module an ISAPI DLL needs that is found only in the DLL's own
//! folder, which the loader searches only if IIS 6 uses LOAD_WITH_ALTERED_SEARCH_PATH (no source
//! settles whether it does).

use super::dependency::{Kind, report};
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB209",
    name: "dependency-beside-dll",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A DLL an ISAPI DLL needs that is found only beside it: it loads only with the altered search path",
    doc: rule_doc!("MB209"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    report(ctx, out, &RULE, Kind::Beside);
}
