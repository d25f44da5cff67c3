//! MB303 duplicate-filter: one DLL registered as two filters that load into the same worker.

use std::collections::HashMap;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::KeyId;
use crate::metabase::isapi::FilterDef;

pub static RULE: Rule = Rule {
    code: "MB303",
    name: "duplicate-filter",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "One DLL registered twice as a filter where both registrations load",
    doc: rule_doc!("MB303"),
    check: Some(check),
};

fn normalised(path: &str) -> String {
    path.trim().replace('/', "\\").to_lowercase()
}

/// The loading registrations of one DLL: global ones, and each site's (by its Filters key).
type Registrations<'a> = (Vec<&'a FilterDef>, HashMap<KeyId, Vec<&'a FilterDef>>);

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let mut by_path: HashMap<String, Registrations<'_>> = HashMap::new();
    for def in ctx.isapi.filters.iter().filter(|d| d.loads()) {
        let Some(attr) = def.path else { continue };
        let slot = by_path.entry(normalised(&mb.attr_value(attr))).or_default();
        if def.global {
            slot.0.push(def);
        } else {
            slot.1.entry(def.filters_key).or_default().push(def);
        }
    }
    let mut report = |dup: &FilterDef, first: &FilterDef| {
        let (Some(key), Some(attr), Some(first_attr)) = (dup.key, dup.path, first.path) else {
            return;
        };
        out.push(
            RULE.diagnostic(
                mb.attr(attr).value,
                format!(
                    "the filter `{}` loads the same DLL as `{}`{}: the DLL's notifications run twice per request",
                    dup.name,
                    first.name,
                    if first.global && !dup.global {
                        ", a global filter, into the same worker"
                    } else {
                        ""
                    }
                ),
            )
            .label("registered again")
            .related(mb.attr(first_attr).value, format!("`{}` loads it first", first.name))
            .at(mb, key, Some(attr))
            .help("keep one registration: remove this filter from FilterLoadOrder and delete its key"),
        );
    };
    let mut groups: Vec<_> = by_path.into_values().collect();
    groups.sort_by_key(|(globals, sites)| {
        globals
            .first()
            .or_else(|| sites.values().flatten().next())
            .map(|d| d.load_order_span.map(|s| s.start))
    });
    for (globals, sites) in groups {
        for dup in globals.iter().skip(1) {
            report(dup, globals[0]);
        }
        let mut sites: Vec<_> = sites.into_values().collect();
        sites.sort_by_key(|defs| defs[0].filters_key);
        for defs in sites {
            let (first, rest) = match globals.first() {
                Some(global) => (*global, &defs[..]),
                None => (defs[0], &defs[1..]),
            };
            for dup in rest {
                report(dup, first);
            }
        }
    }
}
