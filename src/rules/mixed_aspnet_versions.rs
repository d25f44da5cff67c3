//! MB501 mixed-aspnet-versions: applications of one pool mapped to different ASP.NET versions.

use std::collections::HashMap;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::isapi::Role;
use crate::metabase::model::AttrId;
use crate::metabase::props;
use crate::metabase::{KeyId, Span};

pub static RULE: Rule = Rule {
    code: "MB501",
    name: "mixed-aspnet-versions",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "Applications of one application pool map to different ASP.NET versions (event 1062)",
    doc: rule_doc!("MB501"),
    check: Some(check),
};

/// The ASP.NET version an aspnet_isapi.dll path belongs to: `v2.0.50727` from `...\Framework64\v2.0.50727\aspnet_isapi.dll`.
pub fn aspnet_version(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['\\', '/']).collect();
    let (file, dir) = (parts.last()?, parts.get(parts.len().checked_sub(2)?)?);
    (file.eq_ignore_ascii_case("aspnet_isapi.dll") && dir.starts_with(['v', 'V'])).then(|| dir.to_ascii_lowercase())
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    if ctx.server.iis5_isolation_on() {
        return; // No application pools in IIS 5.0 isolation mode.
    }
    // The ASP.NET version of each ScriptMaps value (its first aspnet_isapi.dll line), from the ISAPI
    // set's entries, however many applications inherit the value.
    let mut versions: HashMap<AttrId, (String, Span)> = HashMap::new();
    for e in &ctx.isapi.entries {
        let isapi = e
            .path
            .len()
            .checked_sub(16)
            .and_then(|at| e.path.get(at..))
            .is_some_and(|f| f.eq_ignore_ascii_case("aspnet_isapi.dll"));
        if isapi
            && e.role == Role::ScriptMap
            && !versions.contains_key(&e.attr)
            && let Some(v) = aspnet_version(&e.path)
        {
            versions.insert(e.attr, (v, e.span));
        }
    }
    // Pools by name as IIS compares them (case-insensitively): the name as first written, and each
    // application with its version and the map line that decides it.
    type Pool = (String, Vec<(KeyId, String, Span)>);
    let mut by_pool: HashMap<String, Pool> = HashMap::new();
    for app in &ctx.server.applications {
        let Some((_, maps)) = mb.effective(app.key, props::SCRIPT_MAPS) else {
            continue;
        };
        let version = versions.get(&maps).cloned();
        let (Some((version, span)), Some((_, pool))) = (version, app.app_pool) else {
            continue;
        };
        let name = mb.attr_value(pool).trim().to_string();
        by_pool
            .entry(name.to_lowercase())
            .or_insert_with(|| (name, Vec::new()))
            .1
            .push((app.key, version, span));
    }
    let mut pools: Vec<_> = by_pool.into_values().collect();
    pools.sort();
    for (pool, apps) in pools {
        let first = &apps[0];
        let Some(other) = apps.iter().find(|a| a.1 != first.1) else {
            continue;
        };
        let count = |v: &str| apps.iter().filter(|a| a.1 == v).count();
        out.push(
            RULE.diagnostic(other.2,
                format!(
                    "application pool `{pool}` runs applications of two ASP.NET versions: {} ({} application(s), e.g. {}) and {} ({}, e.g. {}); one worker process hosts one CLR, so whichever loads second fails with ASP.NET event 1062 \"It is not possible to run two different versions of ASP.NET in the same IIS process\"",
                    first.1,
                    count(&first.1),
                    mb.location(first.0),
                    other.1,
                    count(&other.1),
                    mb.location(other.0)
                ),
            )
            .label(format!("ASP.NET {} for {}", other.1, mb.location(other.0)))
            .related(first.2, format!("ASP.NET {} for {}", first.1, mb.location(first.0)))
            .at(mb, other.0, None)
            .help("give each ASP.NET version its own application pool (a new IIsApplicationPool and AppPoolId on the applications of one version)"),
        );
    }
}
