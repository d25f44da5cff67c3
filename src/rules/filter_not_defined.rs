//! MB301 filter-not-defined: FilterLoadOrder names a filter with no IIsFilter key or no FilterPath.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::diagnostic::{Applicability, Fix};
use crate::metabase::{Span, props};

pub static RULE: Rule = Rule {
    code: "MB301",
    name: "filter-not-defined",
    severity: Severity::Error,
    fix: FixAvailability::Always,
    summary: "FilterLoadOrder names a filter that has no IIsFilter key or no FilterPath",
    doc: rule_doc!("MB301"),
    check: Some(check),
};

/// Removes a name from FilterLoadOrder with one of the commas beside it. Unsafe: it changes which
/// filters every request passes through.
fn drop_name(
    mb: &crate::metabase::Metabase,
    key: crate::metabase::KeyId,
    attr: crate::metabase::AttrId,
    name: Span,
) -> Option<Fix> {
    let value = mb.attr(attr).value;
    if mb.slice(value).contains('&') {
        return None;
    }
    let text = mb.text();
    let (start, end) = (name.start as usize, name.end as usize);
    let after = text[end..value.end as usize]
        .find(',')
        .filter(|i| text[end..end + i].trim().is_empty());
    let before = text[value.start as usize..start]
        .rfind(',')
        .filter(|i| text[value.start as usize + i + 1..start].trim().is_empty());
    let span = match (after, before) {
        (Some(i), _) => Span::new(start, end + i + 1),
        (None, Some(i)) => Span::new(value.start as usize + i, end),
        (None, None) => Span::new(start, end),
    };
    let mut fix = Fix::new(
        Applicability::Unsafe,
        format!("remove `{}` from FilterLoadOrder", &text[start..end]),
    );
    fix.edits.push(crate::diagnostic::Edit {
        span,
        content: String::new(),
    });
    fix.ops.push(crate::diagnostic::MetabaseOp::Set {
        location: mb.location(key).into_owned(),
        property: props::FILTER_LOAD_ORDER.name.to_string(),
    });
    Some(fix)
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
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
            RULE.diagnostic(span,
                format!(
                    "FilterLoadOrder lists the filter `{}`, but {what}: IIS 6 cannot load it, and a filter that fails to load stops the {}: 503 Service Unavailable",
                    def.name,
                    if def.global { "application pools" } else { "site" }
                ),
            )
            .label("not defined")
            .fix(order.and_then(|attr| drop_name(mb, def.filters_key, attr, span)))
            .at(mb, def.filters_key, order)
            .help("remove the name from FilterLoadOrder, or create the IIsFilter key with the filter's FilterPath"),
        );
    }
}
