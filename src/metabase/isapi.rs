//! The worker's view of a metabase: in which bitness its worker processes run, and every ISAPI DLL
//! they could load, each with the place that configures it.
//!
//! IIS 6 on x64 runs all worker processes in one bitness (`Enable32BitAppOnWin64` on
//! `/LM/W3SVC/AppPools`), so the ISAPI set is server-wide: global filters, site filters, script-map
//! and wildcard-map processors, and compression scheme DLLs. Templates under `/LM/W3SVC/Info` are not
//! served and are left out. A script-map list is listed once, at the key that writes it, however many
//! keys inherit it.

use std::collections::HashMap;
use std::sync::Arc;

use super::model::{AttrId, KeyId, Metabase};
use super::props::{self, parse_bool};
use super::source::Span;
use super::values::{ProcessorKind, ScriptMap, filter_load_order};
use crate::bitness::Bitness;
use crate::platform::{Platform, Process};
use crate::winpath::evidence::{EvidenceIndex, PathEvidence};

/// The Location whose `Enable32BitAppOnWin64` decides the worker bitness.
pub const APP_POOLS: &str = "/LM/W3SVC/AppPools";

/// The bitness of the processes that load ISAPI DLLs, and what decides it: the platform (32-bit
/// Windows runs only 32-bit processes), the isolation mode (IIS 5.0 isolation mode loads them into
/// the native `inetinfo.exe` and `dllhost.exe`), and on 64-bit Windows in worker process isolation
/// mode, `Enable32BitAppOnWin64` at `/LM/W3SVC/AppPools`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerBitness {
    pub bitness: Bitness,
    /// The effective `Enable32BitAppOnWin64` (key, property), when one is set.
    pub setting: Option<(KeyId, AttrId)>,
    pub platform: Platform,
    /// IIS 5.0 isolation mode.
    pub iis5: bool,
}

impl WorkerBitness {
    /// Reads the effective `Enable32BitAppOnWin64` at `/LM/W3SVC/AppPools`: missing or 0 means 64-bit,
    /// anything else 32-bit (KB895976); it decides only on 64-bit Windows in worker process isolation
    /// mode ("only relevant on 64-bit Windows with IIS 6.0 running in Worker Process Isolation mode",
    /// cc739039).
    pub fn of(mb: &Metabase, platform: Platform, iis5: bool) -> WorkerBitness {
        let setting = mb.effective_at(APP_POOLS, props::ENABLE_32BIT_APP_ON_WIN64);
        // KB895976: "anything other than 0" starts a 32-bit worker.
        let enabled = setting.is_some_and(|(_, attr)| parse_bool(&mb.attr_value(attr)).unwrap_or(true));
        let bitness = if !platform.is_64bit() || (enabled && !iis5) {
            Bitness::Bits32
        } else {
            Bitness::Bits64
        };
        WorkerBitness {
            bitness,
            setting,
            platform,
            iis5,
        }
    }

    /// Whether Enable32BitAppOnWin64 chooses the bitness: 64-bit Windows, worker process isolation mode.
    pub fn switchable(&self) -> bool {
        self.platform.is_64bit() && !self.iis5
    }

    /// Whether the setting asks for 32-bit worker processes.
    pub fn asks_32bit(&self, mb: &Metabase) -> bool {
        self.setting
            .is_some_and(|(_, attr)| parse_bool(&mb.attr_value(attr)).unwrap_or(true))
    }

    /// The process that loads ISAPI DLLs of this bitness on this platform.
    pub fn process(&self) -> Process {
        Process::new(self.platform, self.bitness)
    }

    /// The process that loads an entry's DLL: `w3wp.exe` in worker process isolation mode; in IIS 5.0
    /// isolation mode `inetinfo.exe` for filters, compression and in-process applications
    /// (AppIsolated 0), `dllhost.exe` for pooled (2) and isolated (1) ones (Application Isolation Mode
    /// Functions, Table 2.4).
    pub fn host(&self, mb: &Metabase, entry: &IsapiRef) -> &'static str {
        if !self.iis5 {
            return "w3wp.exe";
        }
        match entry.role {
            Role::GlobalFilter | Role::SiteFilter | Role::CompressionScheme => "inetinfo.exe",
            // Called by URL in an application of any protection level.
            Role::DirectUrl | Role::WebDav => "inetinfo.exe or dllhost.exe (by the application's AppIsolated)",
            // Script maps written on an application's own key run in that application; written higher
            // up (/LM/W3SVC), they serve applications of every protection level.
            Role::ScriptMap | Role::WildcardMap if mb.own(entry.key, props::APP_ROOT).is_none() => {
                "inetinfo.exe or dllhost.exe (by each application's AppIsolated)"
            }
            Role::ScriptMap | Role::WildcardMap => {
                // AppIsolated inherits; 2 (pooled) is its default.
                let isolated = mb
                    .effective(entry.key, props::APP_ISOLATED)
                    .map_or(2, |(_, attr)| mb.attr_value(attr).trim().parse::<u32>().unwrap_or(2));
                if isolated == 0 { "inetinfo.exe" } else { "dllhost.exe" }
            }
        }
    }

    /// One sentence naming what decides the bitness, for messages.
    pub fn describe(&self, mb: &Metabase) -> String {
        if !self.platform.is_64bit() {
            return "ISAPI DLLs load into 32-bit processes: 32-bit Windows runs no others".into();
        }
        if self.iis5 {
            return format!(
                "IIS runs in IIS 5.0 isolation mode, where ISAPI DLLs load into inetinfo.exe and dllhost.exe, which are {} on 64-bit Windows; Enable32BitAppOnWin64 applies only in worker process isolation mode",
                self.bitness
            );
        }
        match self.setting {
            Some((key, attr)) => format!(
                "worker processes run {} because {}=\"{}\" at {}",
                self.bitness,
                mb.attr_name(attr),
                mb.attr_value(attr),
                mb.location(key)
            ),
            None => format!(
                "worker processes run {} because Enable32BitAppOnWin64 is not set at {APP_POOLS}",
                self.bitness
            ),
        }
    }
}

/// How a DLL comes to be loaded into a worker process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// An `IIsFilter` under `/LM/W3SVC/Filters`: loaded when every worker process starts.
    GlobalFilter,
    /// An `IIsFilter` under `/LM/W3SVC/<site>/Filters`: loaded at the site's first request.
    SiteFilter,
    /// A `ScriptMaps` processor for one extension.
    ScriptMap,
    /// A `ScriptMaps` processor for `*`: every request of the application runs through it.
    WildcardMap,
    /// `HcCompressionDll` of a compression scheme, loaded by the built-in compression filter.
    CompressionScheme,
    /// An ISAPI extension a URL names directly: a DLL listed in `InProcessIsapiApps` or the
    /// restriction list that lies in a virtual directory with execute permission (FrontPage's
    /// `_vti_bin\shtml.dll`, `_vti_aut\author.dll`, `_vti_adm\admin.dll`).
    DirectUrl,
    /// An ISAPI extension IIS loads itself, for a feature of its own rather than a URL or a
    /// mapping: WebDAV's `httpext.dll`, run for every request with a WebDAV verb (PROPFIND, PUT,
    /// MKCOL, ...) when its restriction-list entry allows it. Its path is the entry's.
    WebDav,
}

impl Role {
    pub fn is_filter(self) -> bool {
        matches!(self, Role::GlobalFilter | Role::SiteFilter)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::GlobalFilter => "global ISAPI filter",
            Role::SiteFilter => "site ISAPI filter",
            Role::ScriptMap => "script map extension",
            Role::WildcardMap => "wildcard script map",
            Role::CompressionScheme => "compression scheme DLL",
            Role::DirectUrl => "ISAPI extension called by URL",
            Role::WebDav => "WebDAV extension",
        }
    }
}

/// One DLL that a worker process could load, and where the metabase names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsapiRef {
    pub role: Role,
    /// The key that names the DLL (the IIsFilter key, or the key with the ScriptMaps).
    pub key: KeyId,
    /// The property that names it (FilterPath, ScriptMaps, HcCompressionDll).
    pub attr: AttrId,
    /// For a multi-string value, the 0-based line within it; [`NO_LINE`] for a single value
    /// ([`IsapiRef::line`]: four bytes, not an `Option`'s eight).
    line: u32,
    /// Where the path stands in the file.
    pub span: Span,
    /// The path as configured (references resolved, CGI arguments and quotes removed). Shared by
    /// every entry that names the same text: 50,000 sites naming one DLL hold one copy.
    pub path: Arc<str>,
    /// What the path's folders say of its bitness (worked out once per distinct path), as one
    /// byte ([`IsapiRef::evidence`]): with the role, the line and the flags it packs the entry into
    /// 56 bytes, not 64.
    evidence: EvidenceIndex,
    /// Whether the path is a plain `X:\...` path ([`crate::winpath::is_plain`]).
    pub plain: bool,
    /// A script map's extension (`.aspx`, `*`) or a filter's name as FilterLoadOrder lists it,
    /// shared like the path: one field for both, as no entry has both ([`IsapiRef::extension`],
    /// [`IsapiRef::filter_name`]); a million entries hold 16 MB less.
    name: Option<Arc<str>>,
    /// A [`Role::DirectUrl`] entry made from a loaded filter's DLL that lies in an execute folder
    /// (a connector's filter, which forwards requests to itself as an extension): the same DLL, at
    /// the same place, as the filter entry it repeats.
    pub from_filter: bool,
}

/// No line: the entry's value is a single string. A multi-string value's line index is below it:
/// a value has fewer lines than the text has bytes, and a text's spans are u32.
const NO_LINE: u32 = u32::MAX;

impl IsapiRef {
    /// What the path's folders say of its bitness.
    pub fn evidence(&self) -> Option<&'static PathEvidence> {
        self.evidence.get()
    }

    /// For a multi-string value, the 0-based line within it.
    pub fn line(&self) -> Option<u32> {
        (self.line != NO_LINE).then_some(self.line)
    }

    /// The script map's extension (`.aspx`, `*`); `None` for a filter or a DLL not mapped by
    /// extension.
    pub fn extension(&self) -> Option<&str> {
        self.name.as_deref().filter(|_| !self.role.is_filter())
    }

    /// The filter's name as FilterLoadOrder lists it; `None` for any other role.
    pub fn filter_name(&self) -> Option<&str> {
        self.name.as_deref().filter(|_| self.role.is_filter())
    }

    /// The extension or the filter's name, whichever the entry has.
    pub fn name(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }
}

/// A filter definition: an IIsFilter key, whether or not it loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterDef {
    /// The IIsFilters key whose FilterLoadOrder governs it.
    pub filters_key: KeyId,
    /// The IIsFilter key, if there is one for the name.
    pub key: Option<KeyId>,
    pub name: String,
    /// Where FilterLoadOrder names it, if it does.
    pub load_order_span: Option<Span>,
    pub path: Option<AttrId>,
    pub enabled: bool,
    pub global: bool,
}

impl FilterDef {
    /// Whether IIS loads it: listed in FilterLoadOrder, with a FilterPath, and not disabled.
    pub fn loads(&self) -> bool {
        self.load_order_span.is_some() && self.path.is_some() && self.enabled
    }
}

/// The ISAPI DLLs a worker could load.
#[derive(Debug, Clone, Default)]
pub struct IsapiSet {
    pub entries: Vec<IsapiRef>,
    /// Every distinct path text, in first-seen order.
    pub paths: Vec<Arc<str>>,
    interned: HashMap<Arc<str>, (EvidenceIndex, bool)>,
    extensions: HashMap<Arc<str>, ()>,
    pub filters: Vec<FilterDef>,
    /// CGI script maps (`.exe` processors): not loaded into the worker, but governed by the Web
    /// Service Extension restrictions like ISAPI ones.
    pub cgi: Vec<IsapiRef>,
    /// For each CGI entry, index for index, its command line as the restriction list names it: the
    /// executable with its arguments (`C:\WINDOWS\system32\cmd.exe %s %s`).
    pub cgi_commands: Vec<Arc<str>>,
    /// ScriptMaps lines that do not parse: (key, attr, line span, what is wrong).
    pub bad_script_maps: Vec<(KeyId, AttrId, Span, String)>,
    /// The entries' distinct paths, built on first use ([`IsapiSet::distinct`]).
    distinct: std::sync::OnceLock<DistinctPaths>,
}

/// The distinct paths the ISAPI set's entries name, and which one each entry names: what a rule
/// works out once per distinct path, and then reads per entry by index, with no lookup by text.
/// Built once per set ([`IsapiSet::distinct`]), so a set taken over by the next version's lint
/// (`mblint history`) brings it along.
#[derive(Debug, Clone)]
pub struct DistinctPaths {
    /// Index for index with the entries: the entry's path's index in `paths`.
    pub of_entry: Vec<u32>,
    /// Each distinct path, once, in the order the entries first name it.
    pub paths: Vec<Arc<str>>,
    /// Per distinct path, per role ([`slot`]), the first entry naming the path in that role
    /// (`u32::MAX`: none).
    firsts: Vec<[u32; ROLES]>,
}

/// How many [`Role`]s there are.
const ROLES: usize = 7;

/// A role's slot in [`DistinctPaths`]: a new role fails to compile here until it has one.
fn slot(role: Role) -> usize {
    match role {
        Role::GlobalFilter => 0,
        Role::SiteFilter => 1,
        Role::ScriptMap => 2,
        Role::WildcardMap => 3,
        Role::CompressionScheme => 4,
        Role::DirectUrl => 5,
        Role::WebDav => 6,
    }
}

impl DistinctPaths {
    fn of(isapi: &IsapiSet) -> DistinctPaths {
        // Entries that name one text share it: its address names the path.
        let mut ids: foldhash::HashMap<*const u8, u32> = Default::default();
        let mut paths = Vec::new();
        let mut firsts: Vec<[u32; ROLES]> = Vec::new();
        let mut of_entry = Vec::with_capacity(isapi.entries.len());
        for (index, e) in isapi.entries.iter().enumerate() {
            let id = *ids.entry(e.path.as_ptr()).or_insert_with(|| {
                paths.push(e.path.clone());
                firsts.push([u32::MAX; ROLES]);
                paths.len() as u32 - 1
            });
            let first = &mut firsts[id as usize][slot(e.role)];
            if *first == u32::MAX {
                *first = index as u32;
            }
            of_entry.push(id);
        }
        DistinctPaths {
            of_entry,
            paths,
            firsts,
        }
    }

    /// The first entry naming each distinct (path, role), by index: a rule whose verdict on an entry
    /// follows from its path and role alone asks these first, and walks every entry only when one
    /// of them has something to report.
    pub fn representatives(&self) -> impl Iterator<Item = usize> + '_ {
        self.firsts
            .iter()
            .flatten()
            .filter(|&&i| i != u32::MAX)
            .map(|&i| i as usize)
    }
}

/// Whether a key's effective AccessFlags allow executing (AccessExecute, 4): only then does IIS run
/// a DLL a URL names.
fn executes(mb: &Metabase, key: KeyId) -> bool {
    const ACCESS_EXECUTE: u32 = 4;
    mb.effective(key, props::ACCESS_FLAGS).is_some_and(|(_, attr)| {
        mb.attr_value(attr).split('|').map(str::trim).any(|flag| {
            flag.eq_ignore_ascii_case("AccessExecute") || flag.parse::<u32>().is_ok_and(|n| n & ACCESS_EXECUTE != 0)
        })
    })
}

/// Whether a restriction-list path names WebDAV's `httpext.dll` (as the list compares paths).
pub fn is_webdav(path: &str) -> bool {
    let key = super::values::restriction_key(path);
    key.rsplit('\\').next() == Some("httpext.dll")
}

/// The position of a filters collection: `/lm/w3svc/filters` (global) or `/lm/w3svc/<site>/filters`.
fn filters_scope(mb: &Metabase, key: KeyId) -> Option<bool> {
    let path = &*mb.key(key).path;
    if path == "/lm/w3svc/filters" {
        return Some(true);
    }
    let site = path.strip_prefix("/lm/w3svc/")?.strip_suffix("/filters")?;
    if site.contains('/') || matches!(site, "info" | "apppools" | "filters") {
        return None;
    }
    Some(false)
}

/// Whether a key's settings reach served content: not a template under `/LM/W3SVC/Info`, and not
/// another service (FTP, SMTP, ...).
fn is_served(path: &str) -> bool {
    if path == "/" || path == "/lm" {
        return true;
    }
    match path.strip_prefix("/lm/w3svc") {
        Some("") => true,
        Some(rest) => rest.starts_with('/') && !(rest == "/info" || rest.starts_with("/info/")),
        None => false,
    }
}

impl IsapiSet {
    /// The shared copy of an extension or filter name.
    fn intern_name(&mut self, name: &str) -> Arc<str> {
        if let Some((shared, ())) = self.extensions.get_key_value(name) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(name);
        self.extensions.insert(shared.clone(), ());
        shared
    }

    /// The shared copy of a path, its evidence, and whether it is plain.
    fn intern(&mut self, path: &str) -> (Arc<str>, EvidenceIndex, bool) {
        if let Some((shared, (evidence, plain))) = self.interned.get_key_value(path) {
            return (shared.clone(), *evidence, *plain);
        }
        let shared: Arc<str> = Arc::from(path);
        let facts = (EvidenceIndex::of(path), crate::winpath::is_plain(path));
        self.interned.insert(shared.clone(), facts);
        self.paths.push(shared.clone());
        (shared, facts.0, facts.1)
    }

    /// Moves every place the set holds (its entries', its CGI entries', its filters' load-order
    /// names' and its malformed script maps') by `to`, for a later text whose changes none of them
    /// touches ([`crate::lint::lint_metabase_with`]). `false` when `to` refuses one: the set is then
    /// partly moved, and must be built again.
    pub fn move_spans(&mut self, mut to: impl FnMut(Span) -> Option<Span>) -> bool {
        let mut moved = |span: &mut Span| match to(*span) {
            Some(s) => {
                *span = s;
                true
            }
            None => false,
        };
        self.entries.iter_mut().chain(&mut self.cgi).all(|e| moved(&mut e.span))
            && self
                .filters
                .iter_mut()
                .filter_map(|f| f.load_order_span.as_mut())
                .all(&mut moved)
            && self.bad_script_maps.iter_mut().all(|b| moved(&mut b.2))
    }

    /// The distinct paths of the entries, and each entry's (built once: the entries do not change
    /// after [`of`](Self::of); [`move_spans`](Self::move_spans) moves only spans).
    pub fn distinct(&self) -> &DistinctPaths {
        let distinct = self.distinct.get_or_init(|| DistinctPaths::of(self));
        debug_assert_eq!(distinct.of_entry.len(), self.entries.len(), "built on the set as it is");
        distinct
    }

    pub fn of(mb: &Metabase) -> IsapiSet {
        let mut set = IsapiSet::default();
        set.collect_filters(mb);
        set.collect_script_maps(mb);
        set.collect_compression(mb);
        set.collect_direct_url(mb);
        set.collect_server_extensions(mb);
        set
    }

    /// The extensions IIS itself loads, for a feature of its own: the restriction list's allowed
    /// entry for WebDAV's `httpext.dll` (compared as the list compares paths,
    /// [`super::values::restriction_key`]). IIS 5 ran `httpext.dll` for every WebDAV verb with no
    /// script map naming it (windowsitpro.com, "WebDAV and IIS 5.0"); IIS 6 puts it under the
    /// lockdown as the predefined "WebDAV" Web Service Extension (cc786651, Table 6.3), so an
    /// allowed entry is a DLL the worker loads at the first WebDAV request. Its `extension` is
    /// `WebDAV`.
    fn collect_server_extensions(&mut self, mb: &Metabase) {
        let Some(service) = mb.find("/LM/W3SVC") else { return };
        let Some(attr) = mb.own(service, props::WEB_SVC_EXT_RESTRICTION_LIST) else {
            return;
        };
        for (index, line) in mb.attr_lines(attr).enumerate() {
            let Some(Ok(r)) = super::values::Restriction::parse(&line) else {
                continue;
            };
            if !r.allowed || !is_webdav(&r.path) {
                continue;
            }
            let (path, evidence, plain) = self.intern(&r.path);
            let extension = Some(self.intern_name("WebDAV"));
            self.entries.push(IsapiRef {
                role: Role::WebDav,
                key: service,
                attr,
                line: index as u32,
                span: line.span,
                path,
                evidence,
                plain,
                name: extension,
                from_filter: false,
            });
            // IIS has one WebDAV: the first allowed entry that names it.
            return;
        }
    }

    /// DLLs a URL can name directly: each `InProcessIsapiApps` line, each `.dll` entry of the
    /// restriction list, and each loaded filter's DLL, that lies in (or below) the folder of a
    /// served virtual directory with execute permission. Its `extension` is the URL (`site 1:
    /// /_vti_bin/shtml.dll`). A filter's DLL there is what connectors forward requests to: Tomcat's
    /// `isapi_redirect.dll` filter hands each request it takes to `/jakarta/isapi_redirect.dll`,
    /// JRun's connector filter to `/JRunScripts/jrun.dll`: the same DLL, run as an extension.
    fn collect_direct_url(&mut self, mb: &Metabase) {
        let Some(service) = mb.find("/LM/W3SVC") else { return };
        // (key, attr, place, line, path, a loaded filter's DLL) of each candidate, in the order below, once per
        // path.
        let mut candidates: Vec<(KeyId, AttrId, Span, Option<u32>, String, bool)> = Vec::new();
        if let Some(attr) = mb.own(service, props::IN_PROCESS_ISAPI_APPS) {
            for (index, line) in mb.attr_lines(attr).enumerate() {
                let path = line.text().trim().to_string();
                if !path.is_empty() {
                    candidates.push((service, attr, line.span, Some(index as u32), path, false));
                }
            }
        }
        if let Some(attr) = mb.own(service, props::WEB_SVC_EXT_RESTRICTION_LIST) {
            for (index, line) in mb.attr_lines(attr).enumerate() {
                if let Some(Ok(r)) = super::values::Restriction::parse(&line)
                    && !r.is_wildcard()
                    && r.path.to_ascii_lowercase().ends_with(".dll")
                {
                    candidates.push((service, attr, line.span, Some(index as u32), r.path, false));
                }
            }
        }
        for e in self.entries.iter().filter(|e| e.role.is_filter()) {
            candidates.push((e.key, e.attr, e.span, None, e.path.to_string(), true));
        }
        let folded = |p: &str| p.trim().trim_end_matches('\\').replace('/', "\\").to_lowercase();
        // Once per DLL: InProcessIsapiApps first, then the restriction list, then filters. A DLL
        // that is also a loaded filter's is that filter's twin, wherever its candidate came from.
        let mut seen = std::collections::HashSet::new();
        candidates.retain(|c| seen.insert(folded(&c.4)));
        let filter_dlls: std::collections::HashSet<String> = self
            .entries
            .iter()
            .filter(|e| e.role.is_filter())
            .map(|e| folded(&e.path))
            .collect();
        for c in &mut candidates {
            c.5 = filter_dlls.contains(&folded(&c.4));
        }
        if candidates.is_empty() {
            return;
        }
        // Served virtual directories by folder, the first in file order for each: a candidate's
        // deepest one is found by looking up each folder above it, not by comparing every candidate
        // with every directory (a restriction list of 10,000 DLLs on a server of 50,000 sites).
        let mut served: HashMap<String, KeyId> = HashMap::new();
        for (key, attr) in mb.keys_with(props::PATH) {
            let location = &*mb.key(key).path;
            if !is_served(location) || !location.contains("/root") {
                continue;
            }
            let folder = folded(&mb.attr_value(attr));
            if !folder.is_empty() {
                served.entry(folder).or_insert(key);
            }
        }
        let best: Vec<Option<(usize, KeyId)>> = candidates
            .iter()
            .map(|c| {
                let dll = folded(&c.4);
                // Each folder above the DLL: the text before a backslash that has a name after it.
                dll.char_indices()
                    .rev()
                    .filter(|&(at, ch)| ch == '\\' && at > 0 && at + 1 < dll.len())
                    .find_map(|(at, _)| served.get(&dll[..at]).map(|&key| (at, key)))
            })
            .collect();
        for ((key, attr, span, line, path, from_filter), served) in candidates.into_iter().zip(best) {
            let Some((len, vdir)) = served else { continue };
            if !executes(mb, vdir) {
                continue;
            }
            let vdir_path = mb.location(vdir).into_owned();
            let (site, below_root) = vdir_path
                .split_once("/ROOT")
                .or_else(|| vdir_path.split_once("/root"))
                .or_else(|| vdir_path.split_once("/Root"))
                .unwrap_or((&vdir_path, ""));
            let site = site.rsplit('/').next().unwrap_or(site);
            let file = path.trim()[len..].replace('\\', "/");
            let url = format!("site {site}: {below_root}{file}");
            let (shared, evidence, plain) = self.intern(path.trim());
            let extension = Some(self.intern_name(&url));
            self.entries.push(IsapiRef {
                role: Role::DirectUrl,
                key,
                attr,
                line: line.unwrap_or(NO_LINE),
                span,
                path: shared,
                evidence,
                plain,
                name: extension,
                from_filter,
            });
        }
    }

    fn collect_filters(&mut self, mb: &Metabase) {
        // Direct children of each filters collection, found in one pass over the keys.
        let mut children: HashMap<KeyId, Vec<KeyId>> = HashMap::new();
        for key in 0..mb.keys.len() as KeyId {
            let Some(parent) = mb.key(key).parent else {
                continue;
            };
            let direct = super::model::parent_path(&mb.key(key).path) == Some(&*mb.key(parent).path);
            if direct && filters_scope(mb, parent).is_some() {
                children.entry(parent).or_default().push(key);
            }
        }
        for filters_key in 0..mb.keys.len() as KeyId {
            let Some(global) = filters_scope(mb, filters_key) else {
                continue;
            };
            let base = mb.key(filters_key).path.to_string();
            let mut defs: Vec<FilterDef> = Vec::new();
            if let Some(order) = mb.own(filters_key, props::FILTER_LOAD_ORDER) {
                let value = mb.attr(order).value;
                for (name, span) in filter_load_order(mb.slice(value), value) {
                    let key = mb.find(&format!("{base}/{name}"));
                    defs.push(self.definition(mb, filters_key, key, name, Some(span), global));
                }
            }
            // IIsFilter keys the load order does not name (a set: a collection of 100,000 filters
            // searched for each of its keys was quadratic).
            let named: std::collections::HashSet<KeyId> = defs.iter().filter_map(|d| d.key).collect();
            for &key in children.get(&filters_key).into_iter().flatten() {
                if named.contains(&key) {
                    continue;
                }
                let name = mb.location(key).rsplit('/').next().unwrap_or_default().to_string();
                defs.push(self.definition(mb, filters_key, Some(key), name, None, global));
            }
            for def in &defs {
                if !def.loads() {
                    continue;
                }
                let (Some(key), Some(attr)) = (def.key, def.path) else {
                    continue;
                };
                // As IIS holds it, white space and all (MB206 names what that may do).
                let (path, evidence, plain) = self.intern(&mb.attr_value(attr));
                let filter_name = Some(self.intern_name(&def.name));
                self.entries.push(IsapiRef {
                    role: if global { Role::GlobalFilter } else { Role::SiteFilter },
                    key,
                    attr,
                    line: NO_LINE,
                    span: mb.attr(attr).value,
                    path,
                    evidence,
                    plain,
                    name: filter_name,
                    from_filter: false,
                });
            }
            self.filters.extend(defs);
        }
    }

    fn definition(
        &self,
        mb: &Metabase,
        filters_key: KeyId,
        key: Option<KeyId>,
        name: String,
        load_order_span: Option<Span>,
        global: bool,
    ) -> FilterDef {
        let path = key
            .and_then(|k| mb.own(k, props::FILTER_PATH))
            .filter(|&a| !mb.attr_value(a).trim().is_empty());
        let enabled = key
            .and_then(|k| mb.own(k, props::FILTER_ENABLED))
            .is_none_or(|a| parse_bool(&mb.attr_value(a)).unwrap_or(true));
        FilterDef {
            filters_key,
            key,
            name,
            load_order_span,
            path,
            enabled,
            global,
        }
    }

    fn collect_script_maps(&mut self, mb: &Metabase) {
        /// What one distinct ScriptMaps line says, parsed once: a hosting server repeats the same
        /// twenty lines on every site, so 50,000 sites parse twenty lines, not a million.
        #[derive(Clone)]
        enum Parsed {
            Empty,
            Bad(String),
            Map {
                role: Role,
                /// The processor path's offset in the line, or `None` when the line holds a
                /// reference and the path's place is the whole line.
                offset: Option<(u32, u32)>,
                path: Arc<str>,
                evidence: EvidenceIndex,
                plain: bool,
                extension: Arc<str>,
                /// The command line as the restriction list names it, for a CGI executable.
                cgi: Option<Arc<str>>,
            },
        }
        // Hashed with foldhash (seeded per process, as std's is, and cheaper per lookup): a million
        // lines of a hosting server are a million lookups.
        let mut seen: foldhash::HashMap<&str, Parsed> = foldhash::HashMap::default();
        for (key, attr) in mb.keys_with(props::SCRIPT_MAPS) {
            if !is_served(&mb.key(key).path) {
                continue;
            }
            for line in mb.attr_lines(attr) {
                let parsed = match seen.get(line.raw) {
                    Some(parsed) => parsed.clone(),
                    None => {
                        let parsed = match ScriptMap::parse(&line) {
                            None => Parsed::Empty,
                            Some(Err(e)) => Parsed::Bad(e.0),
                            Some(Ok(map)) => {
                                let (path, evidence, plain) = self.intern(&map.processor);
                                Parsed::Map {
                                    role: if map.is_wildcard() {
                                        Role::WildcardMap
                                    } else {
                                        Role::ScriptMap
                                    },
                                    offset: (map.processor_span != line.span).then(|| {
                                        (
                                            map.processor_span.start - line.span.start,
                                            map.processor_span.end - line.span.start,
                                        )
                                    }),
                                    path,
                                    evidence,
                                    plain,
                                    extension: self.intern_name(&map.extension),
                                    cgi: (map.kind == ProcessorKind::Cgi).then(|| {
                                        Arc::from(match &map.arguments {
                                            Some(args) => format!("{} {args}", map.processor),
                                            None => map.processor.clone(),
                                        })
                                    }),
                                }
                            }
                        };
                        seen.insert(line.raw, parsed.clone());
                        parsed
                    }
                };
                match parsed {
                    Parsed::Empty => {}
                    Parsed::Bad(e) => self.bad_script_maps.push((key, attr, line.span, e)),
                    Parsed::Map {
                        role,
                        offset,
                        path,
                        evidence,
                        plain,
                        extension,
                        cgi,
                    } => {
                        let entry = IsapiRef {
                            role,
                            key,
                            attr,
                            line: line.index as u32,
                            span: match offset {
                                Some((start, end)) => Span {
                                    start: line.span.start + start,
                                    end: line.span.start + end,
                                },
                                None => line.span,
                            },
                            path,
                            evidence,
                            plain,
                            name: Some(extension),
                            from_filter: false,
                        };
                        // A CGI executable is not loaded into the worker, but the restrictions govern it.
                        match cgi {
                            Some(command) => {
                                self.cgi_commands.push(command);
                                self.cgi.push(entry)
                            }
                            None => self.entries.push(entry),
                        }
                    }
                }
            }
        }
    }

    fn collect_compression(&mut self, mb: &Metabase) {
        for (key, attr) in mb.keys_with(props::HC_COMPRESSION_DLL) {
            if !mb.key(key).path.starts_with("/lm/w3svc/filters/compression/") {
                continue;
            }
            let value = mb.attr_value(attr);
            if value.trim().is_empty() {
                continue;
            }
            let (path, evidence, plain) = self.intern(&value);
            self.entries.push(IsapiRef {
                role: Role::CompressionScheme,
                key,
                attr,
                line: NO_LINE,
                span: mb.attr(attr).value,
                path,
                evidence,
                plain,
                name: None,
                from_filter: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metabase::{SourceFile, parse};

    /// A server of 50,000 sites holds a million entries: each byte of an entry is a megabyte.
    #[test]
    fn an_entry_is_a_small_record() {
        assert!(
            std::mem::size_of::<IsapiRef>() <= 56,
            "{}",
            std::mem::size_of::<IsapiRef>()
        );
    }

    #[test]
    fn an_entry_has_an_extension_or_a_filter_name_by_its_role() {
        let text = "<configuration>\r\n<MBProperty>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tScriptMaps=\".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,1,GET\"\r\n\t>\r\n</IIsWebService>\r\n<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"urlscan\"\r\n\t>\r\n</IIsFilters>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/urlscan\"\r\n\t\tFilterPath=\"C:\\urlscan\\urlscan.dll\"\r\n\t>\r\n</IIsFilter>\r\n</MBProperty>\r\n</configuration>\r\n";
        let mb = parse(SourceFile::decode("t.xml", text.as_bytes()).unwrap()).unwrap();
        let set = IsapiSet::of(&mb);
        let map = set.entries.iter().find(|e| e.role == Role::ScriptMap).unwrap();
        assert_eq!((map.extension(), map.filter_name()), (Some(".asp"), None));
        assert_eq!(map.name().map(|n| &**n), Some(".asp"));
        let filter = set.entries.iter().find(|e| e.role.is_filter()).unwrap();
        assert_eq!((filter.extension(), filter.filter_name()), (None, Some("urlscan")));
        assert_eq!(filter.name().map(|n| &**n), Some("urlscan"));
    }

    fn metabase(keys: &str) -> Metabase {
        let text = format!("<configuration>\n<MBProperty>\n{keys}</MBProperty>\n</configuration>\n");
        parse(SourceFile::from_text("t.xml", text)).unwrap()
    }

    #[test]
    fn worker_bitness_follows_the_app_pools_setting() {
        let of = |mb: &Metabase| WorkerBitness::of(mb, Platform::X64, false);
        let mb = metabase("<IIsApplicationPools Location =\"/LM/W3SVC/AppPools\">\n</IIsApplicationPools>\n");
        assert_eq!(of(&mb).bitness, Bitness::Bits64);
        for (value, bits) in [
            ("TRUE", 32),
            ("1", 32),
            ("0", 64),
            ("FALSE", 64),
            ("false", 64),
            ("yes", 32),
        ] {
            let mb = metabase(&format!(
                "<IIsApplicationPools Location =\"/LM/W3SVC/AppPools\"\n\t\tEnable32BitAppOnWin64=\"{value}\"\n\t>\n</IIsApplicationPools>\n"
            ));
            assert_eq!(of(&mb).bitness.bits(), bits, "{value}");
        }
        // Inherited from /LM/W3SVC, even with no AppPools key at all.
        let mb = metabase("<IIsWebService Location =\"/LM/W3SVC\" Enable32BitAppOnWin64=\"TRUE\">\n</IIsWebService>\n");
        let worker = of(&mb);
        assert_eq!(worker.bitness, Bitness::Bits32);
        assert!(worker.describe(&mb).contains("at /LM/W3SVC"));
        // A value on a single pool decides nothing.
        let mb = metabase(
            "<IIsApplicationPools Location =\"/LM/W3SVC/AppPools\">\n</IIsApplicationPools>\n<IIsApplicationPool Location =\"/LM/W3SVC/AppPools/P\" Enable32BitAppOnWin64=\"TRUE\">\n</IIsApplicationPool>\n",
        );
        assert_eq!(of(&mb).bitness, Bitness::Bits64);
    }

    #[test]
    fn platform_and_isolation_mode_decide_before_the_setting() {
        let mb = metabase(
            "<IIsApplicationPools Location =\"/LM/W3SVC/AppPools\" Enable32BitAppOnWin64=\"TRUE\">\n</IIsApplicationPools>\n",
        );
        // 32-bit Windows: 32-bit whatever the setting says, and the setting cannot switch it.
        let x86 = WorkerBitness::of(&mb, Platform::X86, false);
        assert_eq!(x86.bitness, Bitness::Bits32);
        assert!(!x86.switchable());
        assert!(x86.describe(&mb).contains("32-bit Windows"));
        // IIS 5.0 isolation mode on x64 and IA64: native 64-bit, the setting ignored.
        for platform in [Platform::X64, Platform::Ia64] {
            let iis5 = WorkerBitness::of(&mb, platform, true);
            assert_eq!(iis5.bitness, Bitness::Bits64);
            assert!(!iis5.switchable() && iis5.asks_32bit(&mb));
            assert!(iis5.describe(&mb).contains("IIS 5.0 isolation mode"));
        }
        // IA64 in worker process isolation mode honours it like x64 (KB895976 applies to both).
        assert_eq!(WorkerBitness::of(&mb, Platform::Ia64, false).bitness, Bitness::Bits32);
    }

    #[test]
    fn host_processes_by_isolation_mode_and_app_isolated() {
        let mb = metabase(concat!(
            "<IIsWebService Location =\"/LM/W3SVC\" ScriptMaps=\".asp,C:\\asp.dll,5\">\n</IIsWebService>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT\" AppIsolated=\"0\" AppRoot=\"/LM/W3SVC/1/ROOT\" ScriptMaps=\".a,C:\\a.dll,1\">\n</IIsWebVirtualDir>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT/app\" AppRoot=\"/LM/W3SVC/1/ROOT/app\" AppIsolated=\"2\" ScriptMaps=\".b,C:\\b.dll,1\">\n</IIsWebVirtualDir>\n",
            "<IIsFilters Location =\"/LM/W3SVC/Filters\" FilterLoadOrder=\"f\">\n</IIsFilters>\n",
            "<IIsFilter Location =\"/LM/W3SVC/Filters/f\" FilterPath=\"C:\\f.dll\">\n</IIsFilter>\n",
        ));
        let set = IsapiSet::of(&mb);
        let host = |w: &WorkerBitness, path: &str| {
            let e = set.entries.iter().find(|e| &*e.path == path).unwrap();
            w.host(&mb, e)
        };
        let wpi = WorkerBitness::of(&mb, Platform::X64, false);
        let iis5 = WorkerBitness::of(&mb, Platform::X64, true);
        assert_eq!(host(&wpi, "C:\\f.dll"), "w3wp.exe");
        assert_eq!(host(&wpi, "C:\\a.dll"), "w3wp.exe");
        assert_eq!(host(&iis5, "C:\\f.dll"), "inetinfo.exe");
        assert_eq!(host(&iis5, "C:\\a.dll"), "inetinfo.exe");
        assert_eq!(host(&iis5, "C:\\b.dll"), "dllhost.exe");
        assert!(host(&iis5, "C:\\asp.dll").starts_with("inetinfo.exe or dllhost.exe"));
    }

    #[test]
    fn dlls_called_by_url_in_execute_enabled_folders() {
        let mb = metabase(concat!(
            "<IIsWebService Location =\"/LM/W3SVC\"\n\t\tInProcessIsapiApps=\"C:\\FP\\isapi\\shtml.dll\n\t\t\tC:\\WINDOWS\\system32\\msw3prt.dll\"\n",
            "\t\tWebSvcExtRestrictionList=\"0,*.dll\n\t\t\t1,C:\\FP\\isapi\\SHTML.dll,0,FP,FP\n\t\t\t1,C:\\FP\\isapi\\_vti_aut\\author.dll,0,FP,FP\n\t\t\t1,C:\\Scripts\\run.dll,0,R,R\"\n\t>\n</IIsWebService>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT\" AccessFlags=\"AccessRead | AccessScript\" Path=\"C:\\\">\n</IIsWebVirtualDir>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT/_vti_bin\" AccessFlags=\"AccessExecute\" Path=\"C:\\FP\\isapi\">\n</IIsWebVirtualDir>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT/_vti_bin/_vti_aut\" Path=\"C:\\FP\\isapi\\_vti_aut\">\n</IIsWebVirtualDir>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT/scripts\" AccessFlags=\"AccessRead | AccessScript\" Path=\"C:\\Scripts\">\n</IIsWebVirtualDir>\n",
        ));
        let set = IsapiSet::of(&mb);
        let urls: Vec<(&str, &str)> = set
            .entries
            .iter()
            .filter(|e| e.role == Role::DirectUrl)
            .map(|e| (&*e.path, e.extension().unwrap()))
            .collect();
        // shtml.dll once (InProcessIsapiApps first); author.dll through its own folder, which inherits
        // AccessExecute; msw3prt.dll in no served folder; run.dll in a folder without execute.
        assert_eq!(
            urls,
            [
                ("C:\\FP\\isapi\\shtml.dll", "site 1: /_vti_bin/shtml.dll"),
                (
                    "C:\\FP\\isapi\\_vti_aut\\author.dll",
                    "site 1: /_vti_bin/_vti_aut/author.dll"
                ),
            ]
        );
    }

    proptest::proptest! {
        /// Each DLL called by URL is served by the deepest execute-enabled folder above it, the first
        /// in file order among equals: what comparing every DLL with every folder gave.
        #[test]
        fn the_deepest_serving_folder_is_found_by_lookup(
            folders in proptest::collection::vec((proptest::sample::select(vec!["C:", "C:\\a", "c:\\A\\", "C:\\a\\b", "C:/a/b/c", "C:\\ab", "D:\\a"]), proptest::bool::ANY), 1..8),
            dlls in proptest::collection::vec(proptest::sample::select(vec!["C:\\a\\x.dll", "C:\\a\\b\\x.dll", "c:\\A\\B\\C\\y.dll", "C:\\ab\\z.dll", "C:\\z.dll", "D:\\a\\b\\q.dll", "C:\\a\\\\w.dll"]), 1..5),
        ) {
            let mut keys = format!(
                "<IIsWebService Location =\"/LM/W3SVC\" InProcessIsapiApps=\"{}\">\n</IIsWebService>\n",
                dlls.join("\n")
            );
            for (i, (folder, exec)) in folders.iter().enumerate() {
                let access = if *exec { "AccessExecute" } else { "AccessRead" };
                keys += &format!("<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT/v{i}\" AccessFlags=\"{access}\" Path=\"{folder}\">\n</IIsWebVirtualDir>\n");
            }
            let mb = metabase(&keys);
            let got: Vec<(String, String)> = IsapiSet::of(&mb)
                .entries
                .iter()
                .filter(|e| e.role == Role::DirectUrl)
                .map(|e| (e.path.to_string(), e.extension().unwrap().to_string()))
                .collect();
            // The oracle: every DLL against every folder, the longest inside it, the first on a tie.
            let folded = |p: &str| p.trim().trim_end_matches('\\').replace('/', "\\").to_lowercase();
            let mut seen = std::collections::HashSet::new();
            let mut want = Vec::new();
            for dll in &dlls {
                if !seen.insert(folded(dll)) {
                    continue;
                }
                let d = folded(dll);
                let mut best: Option<(usize, usize)> = None;
                for (i, (folder, _)) in folders.iter().enumerate() {
                    let f = folded(folder);
                    let inside = !f.is_empty() && d.len() > f.len() + 1 && d.starts_with(&f) && d.as_bytes()[f.len()] == b'\\';
                    if inside && best.is_none_or(|(len, _)| f.len() > len) {
                        best = Some((f.len(), i));
                    }
                }
                if let Some((len, i)) = best && folders[i].1 {
                    want.push((dll.to_string(), format!("site 1: /v{i}{}", dll[len..].replace('\\', "/"))));
                }
            }
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn webdav_is_loaded_when_its_restriction_entry_allows_it() {
        let with = |list: &str| {
            let mb = metabase(&format!(
                "<IIsWebService Location =\"/LM/W3SVC\"\n\t\tWebSvcExtRestrictionList=\"{list}\"\n\t>\n</IIsWebService>\n"
            ));
            let set = IsapiSet::of(&mb);
            set.entries
                .iter()
                .filter(|e| e.role == Role::WebDav)
                .map(|e| (e.path.to_string(), e.line(), mb.slice(e.span).to_string()))
                .collect::<Vec<_>>()
        };
        // The real default: prohibited, so IIS never loads it.
        assert!(with("0,*.dll\n\t\t\t0,C:\\WINDOWS\\system32\\inetsrv\\httpext.dll,0,WEBDAV,WebDAV").is_empty());
        // Allowed: one load site, on its entry's line, whatever the case of the name.
        assert_eq!(
            with("0,*.dll\n\t\t\t1,C:\\WINDOWS\\system32\\inetsrv\\HTTPEXT.DLL,0,WEBDAV,WebDAV"),
            [(
                "C:\\WINDOWS\\system32\\inetsrv\\HTTPEXT.DLL".to_string(),
                Some(1),
                "1,C:\\WINDOWS\\system32\\inetsrv\\HTTPEXT.DLL,0,WEBDAV,WebDAV".to_string()
            )]
        );
        // Another DLL allowed under the WEBDAV group is not WebDAV's handler; nor is `*.dll`.
        assert!(with("1,*.dll\n\t\t\t1,C:\\dav\\mydav.dll,0,WEBDAV,WebDAV").is_empty());
    }

    #[test]
    fn a_connector_filter_in_an_execute_folder_is_also_called_by_url() {
        let mb = metabase(concat!(
            "<IIsWebService Location =\"/LM/W3SVC\">\n</IIsWebService>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT\" AccessFlags=\"AccessRead | AccessScript\" Path=\"D:\\Sites\">\n</IIsWebVirtualDir>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT/jakarta\" AccessFlags=\"AccessRead | AccessExecute\" Path=\"C:\\tomcat\\bin\">\n</IIsWebVirtualDir>\n",
            "<IIsFilters Location =\"/LM/W3SVC/Filters\" FilterLoadOrder=\"jakarta,other\">\n</IIsFilters>\n",
            "<IIsFilter Location =\"/LM/W3SVC/Filters/jakarta\" FilterPath=\"C:\\tomcat\\bin\\isapi_redirect.dll\">\n</IIsFilter>\n",
            "<IIsFilter Location =\"/LM/W3SVC/Filters/other\" FilterPath=\"C:\\other\\f.dll\">\n</IIsFilter>\n",
        ));
        let set = IsapiSet::of(&mb);
        let urls: Vec<_> = set
            .entries
            .iter()
            .filter(|e| e.role == Role::DirectUrl)
            .map(|e| (&*e.path, e.extension().unwrap(), mb.location(e.key).into_owned()))
            .collect();
        // Placed on the filter's FilterPath (no InProcessIsapiApps or restriction entry names it).
        assert_eq!(
            urls,
            [(
                "C:\\tomcat\\bin\\isapi_redirect.dll",
                "site 1: /jakarta/isapi_redirect.dll",
                "/LM/W3SVC/Filters/jakarta".to_string()
            )]
        );
    }

    #[test]
    fn filters_load_only_when_listed_enabled_and_pathed() {
        let mb = metabase(concat!(
            "<IIsFilters Location =\"/LM/W3SVC/Filters\" FilterLoadOrder=\"UrlScan,Gone,Off\">\n</IIsFilters>\n",
            "<IIsFilter Location =\"/LM/W3SVC/Filters/Compression\">\n</IIsFilter>\n",
            "<IIsFilter Location =\"/LM/W3SVC/Filters/Off\" FilterEnabled=\"FALSE\" FilterPath=\"C:\\off.dll\">\n</IIsFilter>\n",
            "<IIsFilter Location =\"/LM/W3SVC/Filters/URLSCAN\" FilterPath=\"C:\\u.dll\">\n</IIsFilter>\n",
            "<IIsFilter Location =\"/LM/W3SVC/Filters/Unlisted\" FilterPath=\"C:\\n.dll\">\n</IIsFilter>\n",
            "<IIsFilters Location =\"/LM/W3SVC/3/Filters\" FilterLoadOrder=\"site\">\n</IIsFilters>\n",
            "<IIsFilter Location =\"/LM/W3SVC/3/Filters/site\" FilterPath=\"C:\\s.dll\">\n</IIsFilter>\n",
        ));
        let set = IsapiSet::of(&mb);
        let loaded: Vec<_> = set.entries.iter().map(|e| (e.role, &*e.path)).collect();
        assert_eq!(
            loaded,
            [(Role::GlobalFilter, "C:\\u.dll"), (Role::SiteFilter, "C:\\s.dll")]
        );
        let names: Vec<_> = set
            .filters
            .iter()
            .map(|f| (f.name.as_str(), f.key.is_some(), f.loads()))
            .collect();
        assert_eq!(
            names,
            [
                ("UrlScan", true, true),
                ("Gone", false, false),
                ("Off", true, false),
                ("Compression", true, false),
                ("Unlisted", true, false),
                ("site", true, true)
            ]
        );
    }

    #[test]
    fn script_maps_skip_templates_cgi_and_report_bad_lines() {
        let mb = metabase(concat!(
            "<IIsWebService Location =\"/LM/W3SVC\"\n\t\tScriptMaps=\".asp,C:\\asp.dll,5\n\t\t\t*,C:\\wild.dll,0\n\t\t\t.pl,C:\\perl.exe %s %s,1\n\t\t\tbroken\"\n\t>\n</IIsWebService>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/Info/Templates/Public Web Site/Root\" ScriptMaps=\".t,C:\\t.dll,1\">\n</IIsWebVirtualDir>\n",
            "<IIsCompressionScheme Location =\"/LM/W3SVC/Filters/Compression/gzip\" HcCompressionDll=\"%windir%\\system32\\inetsrv\\gzip.dll\">\n</IIsCompressionScheme>\n",
        ));
        let set = IsapiSet::of(&mb);
        let got: Vec<_> = set.entries.iter().map(|e| (e.role, &*e.path, e.line())).collect();
        assert_eq!(
            got,
            [
                (Role::ScriptMap, "C:\\asp.dll", Some(0)),
                (Role::WildcardMap, "C:\\wild.dll", Some(1)),
                (Role::CompressionScheme, "%windir%\\system32\\inetsrv\\gzip.dll", None),
            ]
        );
        assert_eq!(set.bad_script_maps.len(), 1);
        assert_eq!(mb.slice(set.entries[1].span), "C:\\wild.dll");
    }
}
