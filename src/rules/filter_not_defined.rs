//! MB301 filter-not-defined: FilterLoadOrder names a filter with no IIsFilter key or no FilterPath.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Diagnostic, Severity};
use crate::metabase::props;

pub static RULE: Rule = Rule {
    code: "MB301",
    name: "filter-not-defined",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "FilterLoadOrder names a filter that has no IIsFilter key or no FilterPath",
    doc: rule_doc!("MB301"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mb = ctx.metabase;
    for def in &ctx.isapi.filters {
        let Some(span) = def.load_order_span else { continue };
        let what = match (def.key, def.path) {
            (None, _) => format!("there is no key {}/{}", mb.location(def.filters_key), def.name),
            (Some(key), None) => format!("its key {} has no FilterPath", mb.location(key)),
            _ => continue,
        };
        let order = mb.own(def.filters_key, props::FILTER_LOAD_ORDER);
        out.push(
            Diagnostic::new(
                &RULE,
                span,
                format!(
                    "FilterLoadOrder lists the filter `{}`, but {what}: IIS 6 cannot load it, and a filter that fails to load stops the {}: 503 Service Unavailable",
                    def.name,
                    if def.global { "application pools" } else { "site" }
                ),
            )
            .label("not defined")
            .at(mb, def.filters_key, order)
            .help("remove the name from FilterLoadOrder, or create the IIsFilter key with the filter's FilterPath"),
        );
    }
}
