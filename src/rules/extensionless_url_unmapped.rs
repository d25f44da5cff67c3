//! MB503 extensionless-url-unmapped: ASP.NET 4's filter sends a site's extensionless URLs to
//! `eurl.axd`, which the site does not map to ASP.NET 4 (404).
//!
//! On IIS 6, ASP.NET 4's `aspnet_filter.dll` appends `/eurl.axd/<GUID>` to extensionless URLs so
//! that the `.axd` script map hands them to ASP.NET 4's `aspnet_isapi.dll`, "as long as the script
//! map exists as expected" (Thomas Marquardt, 2010-06-18,
//! <https://learn.microsoft.com/en-us/archive/blogs/tmarq/how-to-disable-the-asp-net-v4-0-extensionless-url-feature-on-iis-6-0>).
//! Where it does not, the static file handler gets `/eurl.axd/<GUID>` and answers 404; Microsoft's
//! support team saw exactly this on two sites sharing one pool, one with an ASP.NET 4 application
//! and one whose ASP.NET 4 script maps were removed: the second site's `/` answered 404, on some
//! starts of the pool and not others (AsiaTech, 2011-12-07,
//! <https://blogs.msdn.microsoft.com/asiatech/2011/12/07/a-404-file-not-found-issue-caused-by-asp-net-v4-0-extensionless-url-feature-on-iis-6-0/>).
//! So the feature is decided for a worker process, and a site whose pool also serves a site mapped
//! to ASP.NET 4 is at risk when its own root does not map `.axd` to ASP.NET 4.

use std::collections::HashMap;

use super::mixed_aspnet_versions::framework_dll_version;
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::isapi::Role;
use crate::metabase::model::{AttrId, unescape};
use crate::metabase::props::{Prop, PropType};
use crate::metabase::{KeyId, Span, props};

pub static RULE: Rule = Rule {
    code: "MB503",
    name: "extensionless-url-unmapped",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "ASP.NET 4's filter rewrites a site's extensionless URLs to eurl.axd, which the site does not map to ASP.NET 4 (404)",
    doc: rule_doc!("MB503"),
    check: Some(check),
};

/// `ServerComment` (MBSchema ID 1015), read for a site's name in messages. Not in the shared property
/// table: what it holds changes no verdict, and the table's properties are ones a name reading can
/// change a verdict through (MB005).
pub const SERVER_COMMENT: Prop = Prop {
    name: "ServerComment",
    id: 1015,
    ty: PropType::String,
    inherit: true,
};

/// The registry value that turns the feature off, as the messages name it.
const REGISTRY: &str = r"HKLM\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\EnableExtensionlessUrls (HKLM\SOFTWARE\Wow6432Node\Microsoft\ASP.NET\4.0.30319.0 for 32-bit workers on 64-bit Windows)";

/// What a site's root maps `eurl.axd` to: where its `.axd` (or `*`) line stands and the ASP.NET
/// version it names (`None`: another DLL).
#[derive(Clone, Copy)]
struct AxdMap {
    span: Span,
    v4: bool,
    /// The version folder's index in the names the check collects (`None`: not ASP.NET).
    version: Option<u32>,
    wildcard: bool,
}

/// What `eurl.axd` reaches at a site's root, and the key and `ScriptMaps` that decide it.
type Reach = (Option<AxdMap>, Option<(KeyId, AttrId)>);

/// One site: its key, its root, and the pools its applications run in.
struct Site {
    key: KeyId,
    root: KeyId,
    pools: Vec<usize>,
}

fn is_v4(version: &str) -> bool {
    version.starts_with("v4.")
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    // ASP.NET 4's filter, loaded for every site: its first global entry.
    let Some(filter) = ctx.isapi.entries.iter().find(|e| {
        e.role == Role::GlobalFilter && framework_dll_version(&e.path, "aspnet_filter.dll").is_some_and(|v| is_v4(&v))
    }) else {
        return;
    };
    // Each ScriptMaps value's `.axd` line (and its `*` line, which takes every URL first), from the
    // ISAPI set's entries: asked once per value, however many sites inherit it.
    let mut names: Vec<String> = Vec::new();
    let mut maps: HashMap<AttrId, (Option<AxdMap>, Option<AxdMap>)> = HashMap::new();
    for e in &ctx.isapi.entries {
        let wildcard = e.role == Role::WildcardMap;
        let axd = e.role == Role::ScriptMap && e.extension().is_some_and(|x| x.eq_ignore_ascii_case(".axd"));
        if !wildcard && !axd {
            continue;
        }
        let version = framework_dll_version(&e.path, "aspnet_isapi.dll");
        let map = AxdMap {
            span: e.span,
            v4: version.as_deref().is_some_and(is_v4),
            version: version.map(|v| match names.iter().position(|n| *n == v) {
                Some(i) => i as u32,
                None => {
                    names.push(v);
                    names.len() as u32 - 1
                }
            }),
            wildcard,
        };
        let slot = maps.entry(e.attr).or_default();
        let at = if wildcard { &mut slot.1 } else { &mut slot.0 };
        at.get_or_insert(map);
    }
    // What `eurl.axd` reaches at a site's root: a wildcard map to ASP.NET 4 takes it first; else
    // the `.axd` line decides.
    let reaches = |root: KeyId| -> Reach {
        let Some((holder, attr)) = mb.effective(root, props::SCRIPT_MAPS) else {
            return (None, None);
        };
        let (axd, wildcard) = maps.get(&attr).copied().unwrap_or_default();
        let chosen = match wildcard {
            Some(w) if w.v4 => Some(w),
            _ => axd,
        };
        (chosen, Some((holder, attr)))
    };
    // Pools by name as IIS compares them; in IIS 5.0 isolation mode one process (inetinfo.exe)
    // runs every filter for every site: one group.
    let iis5 = ctx.server.iis5_isolation_on();
    let mut pool_names: Vec<String> = Vec::new();
    let mut pool_of_name: HashMap<String, usize> = HashMap::new();
    let mut sites: Vec<Site> = Vec::new();
    let mut site_of_key: HashMap<KeyId, usize> = HashMap::new();
    for app in &ctx.server.applications {
        let path = &*mb.key(app.key).path;
        let Some(rest) = path.strip_prefix("/lm/w3svc/") else {
            continue;
        };
        let site_path = match rest.split_once('/') {
            Some((site, _)) => &path[..path.len() - rest.len() + site.len()],
            None => path,
        };
        let (Some(site_key), Some(root)) = (mb.find(site_path), mb.find(&format!("{site_path}/root"))) else {
            continue;
        };
        let pool = if iis5 {
            Some(String::new())
        } else {
            app.app_pool
                .map(|(_, attr)| unescape(mb.slice(mb.attr(attr).value)).trim().to_string())
        };
        let Some(pool) = pool else { continue };
        let at = *pool_of_name.entry(pool.to_lowercase()).or_insert_with(|| {
            pool_names.push(pool);
            pool_names.len() - 1
        });
        let site = *site_of_key.entry(site_key).or_insert_with(|| {
            sites.push(Site {
                key: site_key,
                root,
                pools: Vec::new(),
            });
            sites.len() - 1
        });
        if !sites[site].pools.contains(&at) {
            sites[site].pools.push(at);
        }
    }
    // Per pool, the first site (in file order) whose root sends eurl.axd to ASP.NET 4: the site
    // whose requests turn the feature on in the pool's worker process.
    let mut enabler: Vec<Option<usize>> = vec![None; pool_names.len()];
    let verdicts: Vec<Reach> = sites.iter().map(|s| reaches(s.root)).collect();
    for (i, site) in sites.iter().enumerate() {
        if verdicts[i].0.is_some_and(|m| m.v4) {
            for &p in &site.pools {
                enabler[p].get_or_insert(i);
            }
        }
    }
    let filter_name = filter.filter_name().unwrap_or("aspnet_filter");
    for (i, site) in sites.iter().enumerate() {
        let (map, holder) = verdicts[i];
        if map.is_some_and(|m| m.v4) {
            continue;
        }
        let Some((pool, other)) = site
            .pools
            .iter()
            .find_map(|&p| enabler[p].filter(|&o| o != i).map(|o| (p, o)))
        else {
            continue;
        };
        let (site_name, other_name) = (describe_site(ctx, site.key), describe_site(ctx, sites[other].key));
        let process = if iis5 {
            "the same inetinfo.exe (IIS 5.0 isolation mode)".to_string()
        } else {
            format!("application pool `{}`", pool_names[pool])
        };
        let (what, symptom, span) = match map {
            Some(m) => {
                let version = m.version.map(|v| names[v as usize].as_str());
                let kind = if m.wildcard { "wildcard (`*`) map" } else { "`.axd` map" };
                (
                    match version {
                        Some(v) => format!("its root's {kind} goes to ASP.NET {v}"),
                        None => format!("its root's {kind} goes to a DLL other than ASP.NET 4's"),
                    },
                    match version {
                        Some(_) => {
                            "those URLs reach an older ASP.NET, which fails them with an HttpException naming eurl.axd (ASP.NET 4 Breaking Changes)"
                        }
                        None => "those URLs reach a handler that does not know eurl.axd",
                    },
                    m.span,
                )
            }
            None => (
                "its root maps no `.axd` to ASP.NET 4".to_string(),
                "IIS's static file handler looks for the file /eurl.axd/<GUID> and answers 404",
                match holder {
                    Some((_, attr)) => mb.attr(attr).value,
                    None => mb.key(site.root).location,
                },
            ),
        };
        let mut d = RULE
            .diagnostic(
                span,
                format!(
                    "site {site_name} shares {process} with site {other_name}, which runs ASP.NET 4, and {what}: with ASP.NET 4's filter `{filter_name}` loaded globally, once the worker process has turned the extensionless URL feature on it appends /eurl.axd/<GUID> to this site's extensionless URLs (`/`, `/folder/`), and {symptom}; it depends on which site the process served first, so it comes and goes with restarts. mblint does not read the SOFTWARE hive: this holds unless {REGISTRY} is 0"
                ),
            )
            .label(format!("eurl.axd at {}", mb.location(site.root)))
            .related(filter.span, "ASP.NET 4's filter appends /eurl.axd/<GUID> to extensionless URLs")
            .at(mb, site.root, holder.map(|(_, a)| a))
            .help(format!(
                "give site {site_name} an application pool that runs no ASP.NET 4 site; or map it to ASP.NET 4 (aspnet_regiis -s W3SVC/<id>/ROOT of v4.0.30319, which moves the whole site to ASP.NET 4); or turn the feature off server-wide: {REGISTRY} = 0 (DWORD), then restart IIS"
            ));
        if let Some(m) = verdicts[other].0 {
            d = d.related(m.span, format!("site {other_name} sends eurl.axd to ASP.NET 4"));
        }
        out.push(d);
    }
}

/// `/LM/W3SVC/2 ("Intranet")`: the site's Location and its ServerComment.
fn describe_site(ctx: &Context<'_>, key: KeyId) -> String {
    let mb = ctx.metabase;
    match mb.own(key, SERVER_COMMENT) {
        Some(attr) if !mb.attr_value(attr).trim().is_empty() => {
            format!("{} (`{}`)", mb.location(key), mb.attr_value(attr).trim())
        }
        _ => mb.location(key).into_owned(),
    }
}

#[cfg(test)]
mod rule_tests {
    use crate::rules::testing;

    const FILTER: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v4.0.30319\aspnet_filter.dll";
    const V2: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll";
    const V4: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v4.0.30319\aspnet_isapi.dll";

    /// MB503's messages for sites 1, 2, ... (each with ServerComment `comment` and its root with
    /// ScriptMaps `maps`), all in one pool, with ASP.NET 4's filter loaded globally.
    fn mb503(sites: &[(&str, &str)]) -> Vec<String> {
        let filters = format!(
            "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"ASP.NET_4\"\r\n\t>\r\n</IIsFilters>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/ASP.NET_4\"\r\n\t\tFilterPath=\"{FILTER}\"\r\n\t>\r\n</IIsFilter>\r\n"
        );
        let site = |n: u32, (comment, maps): &(&str, &str)| {
            format!(
                "<IIsWebServer\tLocation =\"/LM/W3SVC/{n}\"\r\n\t\tServerComment=\"{comment}\"\r\n\t>\r\n</IIsWebServer>\r\n{}",
                testing::root(
                    n,
                    r"D:\Sites",
                    &format!("\t\tAppPoolId=\"Shared\"\r\n\t\tScriptMaps=\"{maps}\"\r\n")
                )
            )
        };
        let keys: String = (1..).zip(sites).map(|(n, s)| site(n, s)).collect();
        testing::findings_on_x86(&testing::server(true, "", &format!("{filters}{keys}")), "MB503")
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    /// The `.axd` map's ASP.NET version is named as written, whichever version the maps before it
    /// named.
    #[test]
    fn an_older_versions_axd_map_is_named_for_its_own_version() {
        let (v4, v2) = (format!(".axd,{V4},1,GET"), format!(".axd,{V2},1,GET"));
        let said = mb503(&[("Shop", &v4), ("Intranet", &v2)]);
        assert_eq!(said.len(), 1, "{said:#?}");
        assert!(
            said[0].starts_with("site /LM/W3SVC/2 (`Intranet`) shares application pool `Shared` with site /LM/W3SVC/1 (`Shop`), which runs ASP.NET 4, and its root's `.axd` map goes to ASP.NET v2.0.50727: "),
            "{said:#?}"
        );
    }

    /// A wildcard map takes eurl.axd first only when it goes to ASP.NET 4: one to another DLL leaves
    /// it to the `.axd` line, here ASP.NET 4's, or to none.
    #[test]
    fn a_wildcard_map_to_another_dll_leaves_eurl_axd_to_the_axd_line() {
        let v4 = format!(".axd,{V4},1,GET");
        let wildcard_first = format!("*,C:\\Acme\\wild.dll,0\r\n\t\t\t.axd,{V4},1,GET");
        assert_eq!(
            mb503(&[("Shop", &v4), ("Intranet", &wildcard_first)]),
            Vec::<String>::new()
        );
        let wildcard_only = "*,C:\\Acme\\wild.dll,0";
        let said = mb503(&[("Shop", &v4), ("Intranet", wildcard_only)]);
        assert_eq!(said.len(), 1, "{said:#?}");
        assert!(
            said[0].contains(", and its root maps no `.axd` to ASP.NET 4: "),
            "{said:#?}"
        );
    }

    /// A site is named by its Location and its ServerComment, or by its Location alone when the
    /// comment is blank.
    #[test]
    fn a_site_with_a_blank_comment_is_named_by_its_location() {
        let (v4, v2) = (format!(".axd,{V4},1,GET"), format!(".axd,{V2},1,GET"));
        let said = mb503(&[(" ", &v4), ("", &v2)]);
        assert_eq!(said.len(), 1, "{said:#?}");
        assert!(
            said[0].starts_with(
                "site /LM/W3SVC/2 shares application pool `Shared` with site /LM/W3SVC/1, which runs ASP.NET 4, and "
            ),
            "{said:#?}"
        );
    }
}
