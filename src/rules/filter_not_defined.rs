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

#[cfg(test)]
mod tests {
    use crate::lint::{Options, lint_metabase};
    use crate::metabase::{SourceFile, parse};
    use crate::rules::testing;

    /// The FilterLoadOrder MB301's fix leaves, for a global FilterLoadOrder of `order` where only
    /// UrlScan is defined (`None`: no fix).
    fn fixed(order: &str) -> Vec<Option<String>> {
        findings(order).into_iter().map(|(_, fixed)| fixed).collect()
    }

    /// MB301's findings for a global FilterLoadOrder of `order`, where UrlScan is defined and
    /// NoPath has a key without FilterPath: each message, and the FilterLoadOrder its fix leaves
    /// (`None`: no fix).
    fn findings(order: &str) -> Vec<(String, Option<String>)> {
        let keys = format!(
            "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"{order}\"\r\n\t>\r\n</IIsFilters>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/UrlScan\"\r\n\t\tFilterPath=\"C:\\WINDOWS\\system32\\inetsrv\\urlscan\\urlscan.dll\"\r\n\t>\r\n</IIsFilter>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/NoPath\"\r\n\t\tFilterDescription=\"no path\"\r\n\t>\r\n</IIsFilter>\r\n"
        );
        let text = testing::server(false, "", &keys);
        let mb = parse(SourceFile::from_text("m.xml", text.clone())).unwrap();
        let report = lint_metabase(&mb, &Options::default());
        report
            .diagnostics
            .iter()
            .filter(|d| d.code == "MB301")
            .map(|d| {
                let Some(fix) = d.fix.as_ref() else {
                    return (d.message.clone(), None);
                };
                assert_eq!(fix.edits.len(), 1, "{fix:?}");
                let edit = &fix.edits[0];
                let mut out = text.clone();
                out.replace_range(edit.span.start as usize..edit.span.end as usize, &edit.content);
                let value = out.split("FilterLoadOrder=\"").nth(1).unwrap();
                (d.message.clone(), Some(value[..value.find('"').unwrap()].to_string()))
            })
            .collect()
    }

    /// The fix takes the name with the comma after it (spaces between allowed), or, for the last
    /// name, with the comma before it, or alone; a value written with a character reference gets
    /// no fix.
    #[test]
    fn a_name_is_removed_with_one_comma_beside_it() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(fixed("Gone ,UrlScan"), [some("UrlScan")]);
        assert_eq!(fixed("Gone,UrlScan"), [some("UrlScan")]);
        assert_eq!(fixed("UrlScan, Gone"), [some("UrlScan")]);
        assert_eq!(fixed("UrlScan ,Gone"), [some("UrlScan ")]);
        assert_eq!(fixed("UrlScan,Gone"), [some("UrlScan")]);
        assert_eq!(fixed("Gone"), [some("")]);
        assert_eq!(fixed("UrlScan,Gone,Lost"), [some("UrlScan,Lost"), some("UrlScan,Gone")]);
        assert_eq!(fixed("Gone&#44;UrlScan"), [None]);
    }

    /// A name with no key and a key with no FilterPath are each a finding, each said for itself.
    #[test]
    fn no_key_and_no_filter_path_are_each_said() {
        let found = findings("Gone,NoPath,UrlScan");
        let messages: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(messages[0].starts_with("FilterLoadOrder lists the filter `Gone`, but there is no key /LM/W3SVC/Filters/Gone: IIS 6 cannot load it"), "{messages:#?}");
        assert!(messages[1].starts_with("FilterLoadOrder lists the filter `NoPath`, but its key /LM/W3SVC/Filters/NoPath has no FilterPath: IIS 6 cannot load it"), "{messages:#?}");
        assert!(
            messages
                .iter()
                .all(|m| m.ends_with("stops the application pools: 503 Service Unavailable")),
            "{messages:#?}"
        );
        assert_eq!(found[1].1.as_deref(), Some("Gone,UrlScan"));
    }
}
