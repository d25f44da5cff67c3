//! MB304 security-filter-after-rewriter: UrlScan runs after a URL-rewriting filter of the same
//! priority, so it checks the rewritten URL, not the one the client sent.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::props;

pub static RULE: Rule = Rule {
    code: "MB304",
    name: "security-filter-after-rewriter",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "UrlScan listed after a URL-rewriting filter (ISAPI_Rewrite, IIRF) of the same priority: it checks the rewritten URL, not the one the client sent",
    doc: rule_doc!("MB304"),
    check: Some(check),
};

/// The DLL file names of URL-rewriting filters mblint knows: Helicon ISAPI_Rewrite (2 and 3),
/// Ionic's IIRF (2.x, and `IsapiRewrite4.dll` of 1.x).
const REWRITERS: &[&str] = &["isapi_rewrite.dll", "iirf.dll", "isapirewrite4.dll"];

/// A filter's priority as its `FilterFlags` say (`None`: not written, so not known).
fn priority(value: &str) -> Option<&'static str> {
    let mut found = None;
    for flag in value.split('|').map(str::trim) {
        for (name, bit, what) in [
            ("NotifyOrderHigh", 0x80000u32, "high"),
            ("NotifyOrderMedium", 0x40000, "medium"),
            ("NotifyOrderLow", 0x20000, "low"),
        ] {
            if flag.eq_ignore_ascii_case(name) || flag.parse::<u32>().is_ok_and(|n| n & bit != 0) {
                found.get_or_insert(what);
            }
        }
    }
    found
}

fn file_name(path: &str) -> String {
    path.trim()
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase()
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    // Filters that load, per collection, in FilterLoadOrder's order (the order the ISAPI set keeps).
    let loaded: Vec<_> = ctx.isapi.filters.iter().filter(|f| f.loads()).collect();
    for (i, urlscan) in loaded.iter().enumerate() {
        let (Some(key), Some(path)) = (urlscan.key, urlscan.path) else {
            continue;
        };
        if file_name(&mb.attr_value(path)) != "urlscan.dll" {
            continue;
        }
        let flags_of = |k| mb.own(k, props::FILTER_FLAGS).map(|a| mb.attr_value(a).into_owned());
        let Some(level) = flags_of(key).as_deref().and_then(priority) else {
            continue;
        };
        for rewriter in loaded[..i].iter().filter(|f| f.filters_key == urlscan.filters_key) {
            let (Some(rkey), Some(rpath)) = (rewriter.key, rewriter.path) else {
                continue;
            };
            if !REWRITERS.contains(&file_name(&mb.attr_value(rpath)).as_str()) {
                continue;
            }
            if flags_of(rkey).as_deref().and_then(priority) != Some(level) {
                continue;
            }
            let (Some(span), Some(rspan)) = (urlscan.load_order_span, rewriter.load_order_span) else {
                continue;
            };
            out.push(
                RULE.diagnostic(span,
                    format!(
                        "FilterLoadOrder lists the URL-rewriting filter `{}` before UrlScan (`{}`), both at {level} priority: IIS notifies filters of one priority in FilterLoadOrder's order, so UrlScan checks the URL `{}` has already rewritten, not the one the client sent, and a request the rule set should reject can pass",
                        rewriter.name, urlscan.name, rewriter.name
                    ),
                )
                .label("runs after a rewriter")
                .related(rspan, "rewrites first")
                .at(mb, urlscan.filters_key, mb.own(urlscan.filters_key, props::FILTER_LOAD_ORDER))
                .help(format!("move `{}` before `{}` in FilterLoadOrder (IIS Manager: ISAPI Filters tab, Move Up): UrlScan should be the first filter of the highest priority", urlscan.name, rewriter.name)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn priorities_are_read_from_names_and_numbers() {
        assert_eq!(super::priority("NotifyPreProcHeaders | NotifyOrderHigh"), Some("high"));
        assert_eq!(super::priority("notifyordermedium"), Some("medium"));
        // 0x20000 | 0x4000: NotifyOrderLow with NotifyPreProcHeaders.
        assert_eq!(super::priority("147456"), Some("low"));
        assert_eq!(super::priority("NotifyPreProcHeaders"), None);
        assert_eq!(super::file_name("C:\\x\\URLSCAN.DLL "), "urlscan.dll");
    }
}
