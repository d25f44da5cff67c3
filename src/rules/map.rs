//! The ISAPI DLL map: every DLL the worker processes could load, grouped by DLL, role and host
//! process, each with whether it loads and on what evidence. Built on request (for the HTML page),
//! from the same [`Context`]s the rules ran on and the findings they made, so the map and the
//! findings never disagree: a DLL a finding of error severity names is shown as failing whatever
//! its image says (a prohibited extension loads but is never run; an image without the ISAPI
//! exports is a valid DLL).
//!
//! The map is aggregated: 50,000 sites that name one `asp.dll` in one role are one group with
//! 50,000 places, so its size is the number of distinct DLLs, not of sites.

use std::collections::HashMap;
use std::sync::Arc;

use super::Context;
use crate::bitness::Bitness;
use crate::diagnostic::{Diagnostic, Severity};
use crate::metabase::Span;
use crate::metabase::isapi::Role;
use crate::resolve::resolver::{Found, Resolution};

/// Whether a DLL loads, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadStatus {
    /// Its image (or, without a drive, its folder) is of the worker's bitness, and no finding
    /// says otherwise.
    Loads,
    /// Nothing tells its bitness: no image was read and its folder says nothing.
    Unknown,
    /// A warning (or MB107, whatever its severity) names it, or it loads on some of the platforms
    /// the evidence leaves open only.
    Doubtful,
    /// Its image is of the other bitness, missing or invalid, or an error names it.
    Fails,
}

impl LoadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LoadStatus::Loads => "loads",
            LoadStatus::Unknown => "unknown",
            LoadStatus::Doubtful => "doubtful",
            LoadStatus::Fails => "fails",
        }
    }
}

/// One DLL in one role and host process, with every place that names it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DllGroup {
    /// The path as configured.
    pub path: Arc<str>,
    pub role: Role,
    /// The process that loads it: `w3wp.exe`, `inetinfo.exe`, `dllhost.exe`.
    pub host: &'static str,
    /// The worst status of its places.
    pub status: LoadStatus,
    /// What the status rests on: `PE32 i386 DLL at C:\...`, a path pattern, `not found: ...`.
    pub basis: String,
    /// The bitness the evidence gives it, when any does.
    pub bitness: Option<Bitness>,
    /// How many places name it.
    pub places: usize,
    /// Places per status, in [`LoadStatus`] order.
    pub by_status: [usize; 4],
    /// The codes of the findings that name its places, sorted.
    pub codes: Vec<&'static str>,
    /// The first distinct script-map extensions, filter names or URLs it serves.
    pub names: Vec<Arc<str>>,
    /// How many more distinct names there are.
    pub more_names: usize,
    /// What it needs to load, as the loader resolves it (with a drive): each module of its
    /// dependency closure and where it comes from, or why it does not load; at most
    /// [`DEPENDENCIES_KEPT`], then how many more.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// Its first place: span of the path, Location and property.
    #[serde(skip)]
    pub first: Span,
    pub location: String,
    pub attribute: String,
}

/// The map of one metabase.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DllMap {
    /// Sorted by host process, then status (failing first), role and path.
    pub groups: Vec<DllGroup>,
    /// How many ISAPI references it covers.
    pub references: usize,
}

/// How many distinct names a group keeps.
const NAMES_KEPT: usize = 8;
/// How many modules of a DLL's dependency closure a group lists.
pub const DEPENDENCIES_KEPT: usize = 24;

/// The modules of entry `index`'s dependency closure (in the first process that loads it), one
/// phrase each: `helper.dll: C:\WINDOWS\system32\helper.dll (the system folder)`, or why it does
/// not load.
fn dependencies(ctx: &Context<'_>, index: usize) -> Vec<String> {
    let Some((_, closure)) = ctx.deps.and_then(|d| d.closures(index).first()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let modules = closure.nodes.iter().skip(1).filter(|n| !n.repeated);
    let total = modules.clone().count();
    for node in modules.take(DEPENDENCIES_KEPT) {
        let indent = "  ".repeat(node.depth.saturating_sub(1));
        let delay = if node.delay { ", delay-loaded" } else { "" };
        let fault = closure.faults.iter().find(|f| {
            f.chain
                .last()
                .is_some_and(|m| m.eq_ignore_ascii_case(&crate::resolve::loader::shown_module(&node.name)))
        });
        out.push(match (&node.path, &node.via, fault) {
            (_, _, Some(f)) => format!(
                "{indent}{}: {}{delay}",
                node.name,
                f.problem
                    .win32_error()
                    .map_or("in doubt".to_string(), |e| format!("fails (Win32 error {e})"))
            ),
            (Some(path), Some(via), None) => format!("{indent}{}: {path} ({}){delay}", node.name, via.describe()),
            _ => format!("{indent}{}: not loaded{delay}", node.name),
        });
    }
    if total > DEPENDENCIES_KEPT {
        out.push(format!("and {} more", total - DEPENDENCIES_KEPT));
    }
    if out.is_empty() {
        out.push("imports nothing".into());
    }
    out
}

/// An entry's status in one run, and what it rests on (built only when asked: once per group).
fn status(ctx: &Context<'_>, index: usize) -> LoadStatus {
    let worker = ctx.worker.bitness;
    if let Some(images) = ctx.images {
        match &*images.current[index] {
            Resolution::Resolved {
                found: Found::Image { image, .. },
                ..
            } => {
                return match image.as_ref() {
                    Ok(info) if info.loads_in(ctx.worker.process()) => LoadStatus::Loads,
                    _ => LoadStatus::Fails,
                };
            }
            Resolution::Resolved {
                found: Found::Missing { .. },
                ..
            } => return LoadStatus::Fails,
            Resolution::Resolved {
                found: Found::Refused { .. },
                ..
            } => return LoadStatus::Unknown,
            Resolution::Unresolvable(_) => {}
        }
    }
    match ctx.isapi.entries[index].evidence() {
        Some(e) if e.bitness == worker => LoadStatus::Loads,
        Some(_) => LoadStatus::Fails,
        None => LoadStatus::Unknown,
    }
}

fn basis(ctx: &Context<'_>, index: usize) -> (String, Option<Bitness>) {
    let entry = &ctx.isapi.entries[index];
    let mut unresolvable = None;
    if let Some(images) = ctx.images {
        match &*images.current[index] {
            Resolution::Resolved {
                effective,
                redirected,
                found: Found::Image { image, .. },
                ..
            } => {
                let opened = if *redirected {
                    format!(" (opened as {effective} by a {} worker)", ctx.worker.bitness)
                } else {
                    String::new()
                };
                return match image.as_ref() {
                    Ok(info) => (
                        format!("image: {}{opened}", info.describe()),
                        info.bitness_on(ctx.worker.platform),
                    ),
                    Err(e) => (format!("{e}{opened}"), None),
                };
            }
            Resolution::Resolved {
                effective,
                found: Found::Missing { missing },
                ..
            } => {
                return (
                    format!("not found: {missing} does not exist (opened as {effective})"),
                    None,
                );
            }
            Resolution::Resolved {
                found: Found::Refused { reason, .. },
                ..
            } => return (format!("not read: {reason}"), None),
            Resolution::Unresolvable(problem) => unresolvable = Some(problem.describe()),
        }
    }
    let by_path = match entry.evidence() {
        Some(e) => (
            format!("path: `{}` is a {} folder ({})", e.pattern, e.bitness, e.reason),
            Some(e.bitness),
        ),
        None if ctx.images.is_none() => (
            "no drive mapped, and its folder does not tell its bitness".to_string(),
            None,
        ),
        None => ("its folder does not tell its bitness".to_string(), None),
    };
    match unresolvable {
        Some(why) => (format!("the path {why}; {}", by_path.0), by_path.1),
        None => by_path,
    }
}

/// The places findings name: (span start, severity, code), sorted by start.
fn finding_places(diagnostics: &[Diagnostic]) -> Vec<(u32, Severity, &'static str)> {
    let mut places: Vec<(u32, Severity, &'static str)> = diagnostics
        .iter()
        .flat_map(|d| {
            std::iter::once(d.span.start)
                .chain(d.occurrences.iter().map(|o| o.span.start))
                .map(move |start| (start, d.severity, d.code))
        })
        .collect();
    places.sort_unstable();
    places
}

impl DllMap {
    /// The map of the runs the rules made (one per platform the evidence leaves open, all over one
    /// metabase and ISAPI set), with the findings they made.
    pub fn build(runs: &[Context<'_>], diagnostics: &[Diagnostic]) -> DllMap {
        let Some(first) = runs.first() else {
            return DllMap::default();
        };
        let entries = &first.isapi.entries;
        let findings = finding_places(diagnostics);
        type Key = (u8, usize, &'static str);
        let mut index: HashMap<Key, usize> = HashMap::new();
        let mut groups: Vec<DllGroup> = Vec::new();
        let mut names: Vec<std::collections::HashSet<Arc<str>>> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let agreed = status(first, i);
            let mut place = if runs[1..].iter().all(|ctx| status(ctx, i) == agreed) {
                agreed
            } else {
                LoadStatus::Doubtful
            };
            let host = first.host(entry);
            let key: Key = (
                role_rank(entry.role),
                Arc::as_ptr(&entry.path) as *const u8 as usize,
                host,
            );
            let g = *index.entry(key).or_insert_with(|| {
                let (basis, bitness) = basis(first, i);
                let mb = first.metabase;
                groups.push(DllGroup {
                    path: entry.path.clone(),
                    role: entry.role,
                    host,
                    status: LoadStatus::Loads,
                    basis: if place == LoadStatus::Doubtful {
                        let per: Vec<String> = runs
                            .iter()
                            .map(|ctx| format!("{} on {}", status(ctx, i).as_str(), ctx.worker.platform.name()))
                            .collect();
                        format!("{basis}; {}", per.join(", "))
                    } else {
                        basis
                    },
                    bitness,
                    places: 0,
                    by_status: [0; 4],
                    codes: Vec::new(),
                    names: Vec::new(),
                    more_names: 0,
                    dependencies: dependencies(first, i),
                    first: entry.span,
                    location: mb.location(entry.key).into_owned(),
                    attribute: mb.attr_name(entry.attr).into_owned(),
                });
                names.push(Default::default());
                groups.len() - 1
            });
            let group = &mut groups[g];
            // The findings at this place: their starts lie within the path's span.
            let from = findings.partition_point(|f| f.0 < entry.span.start);
            for &(start, severity, code) in &findings[from..] {
                if start > entry.span.end {
                    break;
                }
                place = place.max(match severity {
                    // MB107 stands for verdicts that differ by platform, gravely or not: in doubt.
                    _ if code == super::platform_unknown::RULE.code => LoadStatus::Doubtful,
                    Severity::Error => LoadStatus::Fails,
                    Severity::Warning => LoadStatus::Doubtful,
                    Severity::Info => place,
                });
                if let Err(at) = group.codes.binary_search(&code) {
                    group.codes.insert(at, code);
                }
            }
            group.places += 1;
            group.by_status[place as usize] += 1;
            group.status = group.status.max(place);
            if let Some(name) = entry.name()
                && names[g].insert(name.clone())
            {
                if group.names.len() < NAMES_KEPT {
                    group.names.push(name.clone());
                } else {
                    group.more_names += 1;
                }
            }
        }
        groups.sort_by_cached_key(|g| {
            (
                g.host,
                std::cmp::Reverse(g.status),
                role_rank(g.role),
                g.path.to_lowercase(),
            )
        });
        DllMap {
            groups,
            references: entries.len(),
        }
    }
}

/// Roles in the order a worker meets them: filters at start-up, then per request.
pub fn role_rank(role: Role) -> u8 {
    match role {
        Role::GlobalFilter => 0,
        Role::SiteFilter => 1,
        Role::WildcardMap => 2,
        Role::ScriptMap => 3,
        Role::DirectUrl => 4,
        Role::WebDav => 5,
        Role::CompressionScheme => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Platform;
    use crate::resolve::deps::Dependencies;
    use crate::resolve::loader::{Closure, Host, Node, SiteSummary};
    use crate::rules::testing::{server, with_deps};

    /// A DLL's dependencies list the first [`DEPENDENCIES_KEPT`] modules of its closure, and then
    /// how many more there are, only when there are more.
    #[test]
    fn a_dlls_dependencies_are_listed_up_to_the_limit_then_counted() {
        let node = |i: usize| Node {
            name: format!("m{i}.dll"),
            parent: (i > 0).then_some(0),
            depth: usize::from(i > 0),
            delay: false,
            forwarded: false,
            path: None,
            via: None,
            image: None,
            repeated: false,
        };
        let text = server(true, "\t\tScriptMaps=\".x,C:\\Acme\\x.dll,1,GET\"\r\n", "");
        for (modules, last) in [
            (DEPENDENCIES_KEPT, "m24.dll: not loaded".to_string()),
            (DEPENDENCIES_KEPT + 1, "and 1 more".to_string()),
            (DEPENDENCIES_KEPT + 7, "and 7 more".to_string()),
        ] {
            let closure = Closure {
                site: SiteSummary {
                    process: "w3wp.exe",
                    bitness: Bitness::Bits32,
                    platform: Platform::X64,
                },
                // The DLL itself, then its modules.
                nodes: (0..=modules).map(node).collect(),
                faults: Vec::new(),
            };
            let deps = Dependencies::per_entry(vec![vec![(Host::W3wp, Arc::new(closure))]]);
            with_deps(&text, Some(&deps), |ctx| {
                let listed = dependencies(ctx, 0);
                assert_eq!(
                    listed.len(),
                    DEPENDENCIES_KEPT + usize::from(modules > DEPENDENCIES_KEPT),
                    "{modules}"
                );
                assert_eq!(listed[0], "m1.dll: not loaded");
                assert_eq!(listed.last(), Some(&last), "{modules}");
            });
        }
    }

    /// With every rule turned off, nothing but the image tells the map whether a DLL loads: the
    /// 64-bit ASP.NET of `framework64-32bit-mode` (32-bit workers) fails by its image alone.
    #[test]
    fn an_image_of_the_other_bitness_fails_with_no_finding_to_say_so() {
        let drive = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/servers/framework64-32bit-mode");
        let input = crate::lint::input(&drive).unwrap();
        let mut options = crate::lint::effective_options(&input, &crate::lint::Options::default());
        options.dll_map = true;
        options.settings.ignore = vec!["MB".into()];
        let report = crate::lint::lint_input(&input, &options).unwrap();
        assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
        let map = report.dll_map.unwrap();
        let aspnet = map
            .groups
            .iter()
            .find(|g| g.role == Role::ScriptMap && g.path.to_ascii_lowercase().contains("framework64"))
            .unwrap_or_else(|| panic!("{map:#?}"));
        assert!(aspnet.basis.starts_with("image: "), "{}", aspnet.basis);
        assert_eq!(aspnet.bitness, Some(Bitness::Bits64));
        assert_eq!(aspnet.status, LoadStatus::Fails, "{aspnet:#?}");
    }

    /// A path the drive cannot resolve, in a folder that says nothing of its bitness: the basis says
    /// why the path was not resolved, and never that no drive is mapped.
    #[test]
    fn an_unresolvable_path_on_a_mapped_drive_is_not_said_to_lack_one() {
        let drive = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/servers/framework64-32bit-mode");
        let input = crate::lint::input(&drive).unwrap();
        let mut options = crate::lint::effective_options(&input, &crate::lint::Options::default());
        options.dll_map = true;
        let text = std::fs::read_to_string(&input.metabase).unwrap();
        assert!(text.contains("ScriptMaps=\""));
        let text = text.replacen("ScriptMaps=\"", "ScriptMaps=\".q,Q:\\Acme\\q.dll,1,GET\r\n\t\t\t", 1);
        let report = crate::lint::lint_bytes_with("MetaBase.xml", text.into_bytes(), &options);
        assert!(!report.drives.is_empty());
        let map = report.dll_map.unwrap();
        let q = map
            .groups
            .iter()
            .find(|g| &*g.path == r"Q:\Acme\q.dll")
            .unwrap_or_else(|| panic!("{map:#?}"));
        assert!(q.basis.starts_with("the path "), "{}", q.basis);
        assert!(
            q.basis.ends_with("; its folder does not tell its bitness"),
            "{}",
            q.basis
        );
    }

    /// A finding at a place makes it fail when it is an error, be in doubt when it is a warning,
    /// and leaves it as it was when it is for information (MB401, a prohibited extension).
    #[test]
    fn a_findings_severity_decides_what_it_does_to_a_place() {
        use crate::diagnostic::Severity;
        let asp = r"C:\WINDOWS\system32\inetsrv\asp.dll";
        let text = server(
            true,
            &format!(
                "\t\tScriptMaps=\".asp,{asp},5,GET\"\r\n\t\tWebSvcExtRestrictionList=\"0,*.dll\r\n\t\t\t0,{asp},1,ASP,Active Server Pages\"\r\n"
            ),
            "",
        );
        let group = |severity: Option<Severity>, ignored: bool| {
            let mut options = crate::lint::Options {
                platform: Some(Platform::X64),
                dll_map: true,
                ..crate::lint::Options::default()
            };
            if let Some(s) = severity {
                options.settings.severity.insert("MB401".into(), s);
            }
            if ignored {
                options.settings.ignore = vec!["MB401".into()];
            }
            let report = crate::lint::lint_bytes_with("m.xml", text.as_bytes(), &options);
            let map = report.dll_map.unwrap();
            map.groups.into_iter().find(|g| &*g.path == asp).unwrap()
        };
        let alone = group(None, true);
        assert!(alone.status < LoadStatus::Doubtful, "{alone:#?}");
        let info = group(None, false);
        assert_eq!(info.codes, ["MB401"], "{info:#?}");
        assert_eq!(info.status, alone.status);
        assert_eq!(group(Some(Severity::Warning), false).status, LoadStatus::Doubtful);
        assert_eq!(group(Some(Severity::Error), false).status, LoadStatus::Fails);
    }

    /// A DLL is one group per role (and host): its places counted by status, its first
    /// [`NAMES_KEPT`] distinct names kept and the rest counted; groups in the order a worker meets
    /// the roles.
    #[test]
    fn a_dll_is_one_group_per_role_with_its_places_and_names_counted() {
        let asp = r"C:\WINDOWS\system32\inetsrv\asp.dll";
        let maps: Vec<String> = (0..10).map(|i| format!(".a{i},{asp},5,GET")).collect();
        let text = server(
            false,
            &format!("\t\tScriptMaps=\"{}\"\r\n", maps.join("\r\n\t\t\t")),
            &crate::rules::testing::root(1, r"D:\Sites\One", &format!("\t\tScriptMaps=\"*,{asp},0\"\r\n")),
        );
        let options = crate::lint::Options {
            platform: Some(Platform::X64),
            dll_map: true,
            ..crate::lint::Options::default()
        };
        let report = crate::lint::lint_bytes_with("m.xml", text.as_bytes(), &options);
        let map = report.dll_map.unwrap();
        let groups: Vec<&DllGroup> = map.groups.iter().filter(|g| &*g.path == asp).collect();
        let roles: Vec<Role> = groups.iter().map(|g| g.role).collect();
        assert_eq!(roles, [Role::WildcardMap, Role::ScriptMap], "{map:#?}");
        let (wildcard, scripts) = (groups[0], groups[1]);
        assert_eq!((wildcard.places, wildcard.names.len(), wildcard.more_names), (1, 1, 0));
        assert_eq!(scripts.places, 10);
        let names: Vec<&str> = scripts.names.iter().map(|n| &**n).collect();
        assert_eq!(names, [".a0", ".a1", ".a2", ".a3", ".a4", ".a5", ".a6", ".a7"]);
        assert_eq!(scripts.more_names, 2);
        for g in groups {
            assert_eq!(g.by_status[g.status as usize], g.places, "{g:#?}");
            assert_eq!(g.by_status.iter().sum::<usize>(), g.places);
        }
    }
}
