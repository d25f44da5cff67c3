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
    framework_dll_version(path, "aspnet_isapi.dll")
}

/// The version folder a .NET Framework DLL named `file` lies in: `v4.0.30319` for
/// `...\Framework\v4.0.30319\aspnet_filter.dll` and file `aspnet_filter.dll` (case-insensitive).
pub fn framework_dll_version(path: &str, file: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['\\', '/']).collect();
    let (name, dir) = (parts.last()?, parts.get(parts.len().checked_sub(2)?)?);
    (name.eq_ignore_ascii_case(file) && dir.starts_with(['v', 'V'])).then(|| dir.to_ascii_lowercase())
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    if ctx.server.iis5_isolation_on() {
        return; // No application pools in IIS 5.0 isolation mode.
    }
    // Each distinct path's ASP.NET version, once (an index into `names`, the versions as written
    // in lower case); entries read it by their path's index.
    let distinct = ctx.distinct_paths();
    let mut names: Vec<String> = Vec::new();
    let version_of: Vec<Option<u32>> = distinct
        .paths
        .iter()
        .map(|path| {
            let isapi = path
                .len()
                .checked_sub(16)
                .and_then(|at| path.get(at..))
                .is_some_and(|f| f.eq_ignore_ascii_case("aspnet_isapi.dll"));
            let v = aspnet_version(path).filter(|_| isapi)?;
            Some(match names.iter().position(|n| *n == v) {
                Some(i) => i as u32,
                None => {
                    names.push(v);
                    names.len() as u32 - 1
                }
            })
        })
        .collect();
    // The ASP.NET version of each ScriptMaps value (its first aspnet_isapi.dll line), from the ISAPI
    // set's entries, however many applications inherit the value. A value's entries come together:
    // the map is asked once per value, not once per line.
    let mut versions: HashMap<AttrId, (u32, Span)> = HashMap::new();
    let mut decided: Option<AttrId> = None;
    for (index, e) in ctx.isapi.entries.iter().enumerate() {
        if e.role != Role::ScriptMap || decided == Some(e.attr) {
            continue;
        }
        let Some(v) = version_of[distinct.of_entry[index] as usize] else {
            continue;
        };
        decided = Some(e.attr);
        versions.entry(e.attr).or_insert((v, e.span));
    }
    // Pools by name as IIS compares them (case-insensitively): the name as first written, and each
    // application with its version and the map line that decides it. An AppPoolId as written is
    // looked up by its borrowed text; only a new spelling is trimmed and folded.
    let mut pool_of_text: HashMap<&str, usize> = HashMap::new();
    let mut pool_of_name: HashMap<String, usize> = HashMap::new();
    type Pool = (String, Vec<(KeyId, u32, Span)>);
    let mut pools: Vec<Pool> = Vec::new();
    for app in &ctx.server.applications {
        let Some((_, maps)) = mb.effective(app.key, props::SCRIPT_MAPS) else {
            continue;
        };
        let (Some(&(version, span)), Some((_, pool))) = (versions.get(&maps), app.app_pool) else {
            continue;
        };
        let raw = mb.slice(mb.attr(pool).value);
        let at = *pool_of_text.entry(raw).or_insert_with(|| {
            let name = crate::metabase::model::unescape(raw).trim().to_string();
            *pool_of_name.entry(name.to_lowercase()).or_insert_with(|| {
                pools.push((name, Vec::new()));
                pools.len() - 1
            })
        });
        pools[at].1.push((app.key, version, span));
    }
    // By name: no two pools share one (names are distinct as written, folded even more so).
    pools.sort_by(|a, b| a.0.cmp(&b.0));
    for (pool, apps) in pools {
        let first = &apps[0];
        let Some(other) = apps.iter().find(|a| a.1 != first.1) else {
            continue;
        };
        let count = |v: u32| apps.iter().filter(|a| a.1 == v).count();
        let (first_version, other_version) = (&names[first.1 as usize], &names[other.1 as usize]);
        out.push(
            RULE.diagnostic(other.2,
                format!(
                    "application pool `{pool}` runs applications of two ASP.NET versions: {} ({} application(s), e.g. {}) and {} ({}, e.g. {}); one worker process hosts one CLR, so whichever loads second fails with ASP.NET event 1062 \"It is not possible to run two different versions of ASP.NET in the same IIS process\"",
                    first_version,
                    count(first.1),
                    mb.location(first.0),
                    other_version,
                    count(other.1),
                    mb.location(other.0)
                ),
            )
            .label(format!("ASP.NET {} for {}", other_version, mb.location(other.0)))
            .related(first.2, format!("ASP.NET {} for {}", first_version, mb.location(first.0)))
            .at(mb, other.0, None)
            .help("give each ASP.NET version its own application pool (a new IIsApplicationPool and AppPoolId on the applications of one version)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{aspnet_version, framework_dll_version};

    /// A version is the folder a DLL of that very name lies in, and only a folder named `v...`.
    #[test]
    fn a_version_needs_the_file_and_a_v_folder() {
        let filter = "aspnet_filter.dll";
        assert_eq!(
            framework_dll_version(
                r"C:\WINDOWS\Microsoft.NET\Framework\v4.0.30319\ASPNET_FILTER.DLL",
                filter
            )
            .as_deref(),
            Some("v4.0.30319")
        );
        assert_eq!(
            framework_dll_version(
                r"C:\WINDOWS\Microsoft.NET\Framework\v4.0.30319\aspnet_isapi.dll",
                filter
            ),
            None
        );
        assert_eq!(
            framework_dll_version(r"C:\WINDOWS\Microsoft.NET\Framework\aspnet_filter.dll", filter),
            None
        );
        assert_eq!(framework_dll_version(r"C:\x\V2.0.50727\other.dll", filter), None);
        assert_eq!(framework_dll_version("aspnet_filter.dll", filter), None);
        assert_eq!(
            aspnet_version("c:/windows/microsoft.net/framework64/V2.0.50727/aspnet_isapi.dll").as_deref(),
            Some("v2.0.50727")
        );
    }
}

#[cfg(test)]
mod rule_tests {
    use crate::rules::testing;

    const V2: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll";
    const V4: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v4.0.30319\aspnet_isapi.dll";

    /// MB501's messages for sites 1, 2, ... in one pool, with ScriptMaps `maps` in turn.
    fn mb501(maps: &[&str]) -> Vec<String> {
        let app = |site: u32, maps: &str| {
            testing::root(
                site,
                r"D:\Sites",
                &format!("\t\tAppPoolId=\"Shared\"\r\n\t\tScriptMaps=\"{maps}\"\r\n"),
            )
        };
        let keys: String = (1..).zip(maps).map(|(site, maps)| app(site, maps)).collect();
        testing::findings_on_x86(&testing::server(true, "", &keys), "MB501")
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    /// An application's ASP.NET version is its first `.ext` script map's to aspnet_isapi.dll: a
    /// wildcard map to another version before it does not decide it.
    #[test]
    fn the_version_is_the_script_maps_not_a_wildcard_maps() {
        let wildcard_first = format!("*,{V4},0\r\n\t\t\t.aspx,{V2},1,GET,HEAD,POST");
        let (v2, v4) = (format!(".aspx,{V2},1,GET"), format!(".aspx,{V4},1,GET"));
        assert_eq!(mb501(&[&wildcard_first, &v2]), Vec::<String>::new());
        let mixed = mb501(&[&wildcard_first, &v4]);
        assert_eq!(mixed.len(), 1, "{mixed:#?}");
        assert!(
            mixed[0].starts_with("application pool `Shared` runs applications of two ASP.NET versions: v2.0.50727 (1 application(s), e.g. /LM/W3SVC/1/ROOT) and v4.0.30319 (1, e.g. /LM/W3SVC/2/ROOT)"),
            "{mixed:#?}"
        );
    }

    /// The message counts the applications of each version.
    #[test]
    fn the_applications_of_each_version_are_counted() {
        let (v2, v4) = (format!(".aspx,{V2},1,GET"), format!(".aspx,{V4},1,GET"));
        let mixed = mb501(&[&v2, &v4, &v2, &v2]);
        assert_eq!(mixed.len(), 1, "{mixed:#?}");
        assert!(
            mixed[0].starts_with("application pool `Shared` runs applications of two ASP.NET versions: v2.0.50727 (3 application(s), e.g. /LM/W3SVC/1/ROOT) and v4.0.30319 (1, e.g. /LM/W3SVC/2/ROOT)"),
            "{mixed:#?}"
        );
    }
}
