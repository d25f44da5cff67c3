//! MB302 filter-not-in-load-order: an IIsFilter with a FilterPath that FilterLoadOrder does not list.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB302",
    name: "filter-not-in-load-order",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "An IIsFilter with a FilterPath that FilterLoadOrder does not list: it never loads",
    doc: rule_doc!("MB302"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    for def in &ctx.isapi.filters {
        let (Some(key), Some(path), None) = (def.key, def.path, def.load_order_span) else {
            continue;
        };
        out.push(
            RULE.diagnostic(
                mb.attr(path).value,
                format!(
                    "the filter `{}` has a FilterPath but {}'s FilterLoadOrder does not list it: IIS never loads it",
                    def.name,
                    mb.location(def.filters_key)
                ),
            )
            .label("never loaded")
            .at(mb, key, Some(path))
            .help("add the name to FilterLoadOrder if the filter is wanted, or delete the IIsFilter key"),
        );
    }
}
