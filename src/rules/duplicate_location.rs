//! MB003 duplicate-location: two keys with the same Location.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB003",
    name: "duplicate-location",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Two keys with the same Location (compared case-insensitively)",
    doc: rule_doc!("MB003"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    for &dup in &mb.duplicate_keys {
        let key = mb.key(dup);
        let Some(first) = mb.find(&key.path) else { continue };
        let (line, _) = mb.source.line_col(mb.key(first).location.start as usize);
        out.push(
            RULE.diagnostic(key.location,
                format!(
                    "Location {} appears again (first on line {line}): the metabase holds one key per Location, so one of the two keys' properties is lost when IIS loads the file and saves it back",
                    mb.location(dup)
                ),
            )
            .label("a second key at this Location")
            .related(mb.key(first).location, "first defined here")
            .at(mb, dup, None)
            .help("merge the two keys' properties into one element and delete the other"),
        );
    }
}
