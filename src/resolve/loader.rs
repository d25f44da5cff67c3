//! The Windows Server 2003 loader, offline: the dependency closure of a DLL loaded by full path
//! into a host process (`w3wp.exe`, `inetinfo.exe`, `dllhost.exe`), resolved on a drive copy module
//! by module, transitively, the way the loader would, and everything on the way that stops the load.
//!
//! What it rests on (sources in `rules/MB207.md`):
//! - A DLL loaded by full path has its imports searched "as if they were loaded with just their
//!   module names" (Microsoft, "Dynamic-link library search order",
//!   <https://learn.microsoft.com/windows/win32/dlls/dynamic-link-library-search-order>): known
//!   DLLs first, always from the known DLL folder, and the DLLs they depend on too; then the
//!   folder of the process's executable, the system folder, the 16-bit system folder, the Windows
//!   folder, the current folder, `PATH`. With `SafeDllSearchMode` 0 the current folder comes second
//!   ("Windows Server 2003, Windows XP SP1: The default value ... is 1"). The facts come from the
//!   drive's SYSTEM hive or Server 2003's defaults ([`LoaderFacts`]).
//! - A 32-bit process on 64-bit Windows sees `SysWOW64` as its system folder: every path is opened
//!   through the [`Resolver`], which applies WOW64's redirection, case-insensitively and confined to
//!   the drive copy.
//! - A module found but not loadable in the process (another machine, not a DLL, not a PE image)
//!   fails the load with Win32 error 193; the search does not go on past it (what the NT 5.2 loader
//!   does, `LdrpMapDll` failing with STATUS_INVALID_IMAGE_FORMAT; later Windows skip such images for
//!   some searches, Server 2003 is not documented to). A module not found anywhere: error 126. An
//!   import the module does not export, following forwarders: error 127.
//! - Delay-loaded modules are loaded on first call, not with the DLL: what is missing there is a
//!   warning, never a load failure.
//! - A DLL whose manifest (RT_MANIFEST 1 or 2) names side-by-side assemblies gets their files only
//!   from the assembly's folder in `<windir>\WinSxS`, found through `WinSxS\Manifests` by name,
//!   version, processor architecture and public key token, after publisher policy in
//!   `WinSxS\Policies`; an assembly not there fails the load ("the application configuration is
//!   incorrect", Win32 error 14001, ERROR_SXS_CANT_GEN_ACTCTX;
//!   <https://learn.microsoft.com/previous-versions/ms235342(v=vs.140)>).
//!
//! Not settled by any source found, and never decided silently:
//! - whether IIS 6 loads ISAPI DLLs with LOAD_WITH_ALTERED_SEARCH_PATH (the DLL's own folder
//!   first): a dependency found only beside the DLL is [`Problem::BesideOnly`], a doubt;
//! - the current folder of `w3wp.exe`, `inetinfo.exe` and `dllhost.exe`: not searched, and said;
//! - where the 32-bit known DLLs of Server 2003 x64 are listed: see [`LoaderFacts`]; without a
//!   list the native one is used and the finding says so.
//!
//! Cost and bounds: each module is located once per (name, process, host, activation context) and
//! its image parsed once per run (the [`Resolver`] caches images); a closure stops at
//! [`MAX_DEPTH`] levels, [`MAX_MODULES`] modules and [`MAX_FORWARDS`] forwarders in a row, and the
//! WinSxS index at [`MAX_SXS_ENTRIES`] entries, each hit bound said ([`Problem::Bound`]), never a
//! silent pass.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use super::loader_facts::LoaderFacts;
use super::pe::{AssemblyIdentity, EmbeddedManifest, ExportTarget, ImageError, ImageInfo, ImportRef};
use super::resolver::{DriveFile, Found, Resolution, Resolver};
use super::upcase;
use crate::bitness::Bitness;
use crate::platform::Process;
use crate::winpath::WinPath;

/// The deepest chain of imports followed from the DLL.
pub const MAX_DEPTH: usize = 32;
/// The most modules one closure holds.
pub const MAX_MODULES: usize = 2048;
/// The most forwarders followed in a row for one import.
pub const MAX_FORWARDS: usize = 16;
/// The most entries read from `WinSxS\Manifests`, and from `WinSxS\Policies` and each of its folders.
pub const MAX_SXS_ENTRIES: usize = 50_000;
/// The largest WinSxS manifest or policy file read.
pub const MAX_SXS_FILE: u64 = 1024 * 1024;
/// The longest module name followed (Windows file names are at most 255 characters).
const MAX_MODULE_NAME: usize = 255;

/// The process that loads a DLL, for its folder: the first folder the loader searches after the
/// known DLLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Host {
    W3wp,
    Inetinfo,
    Dllhost,
}

impl Host {
    pub fn exe(self) -> &'static str {
        match self {
            Host::W3wp => "w3wp.exe",
            Host::Inetinfo => "inetinfo.exe",
            Host::Dllhost => "dllhost.exe",
        }
    }

    /// The hosts a description names: `w3wp.exe`, `inetinfo.exe or dllhost.exe (...)`.
    pub fn named_in(text: &str) -> Vec<Host> {
        [Host::W3wp, Host::Inetinfo, Host::Dllhost]
            .into_iter()
            .filter(|h| text.contains(h.exe()))
            .collect()
    }

    /// The folder of its executable, below the Windows folder: `w3wp.exe` and `inetinfo.exe` live
    /// in `system32\inetsrv`, `dllhost.exe` in `system32` (a 32-bit one in `SysWOW64`, by the
    /// redirection every path goes through).
    fn folder(self) -> &'static [&'static str] {
        match self {
            Host::W3wp | Host::Inetinfo => &["system32", "inetsrv"],
            Host::Dllhost => &["system32"],
        }
    }
}

/// A process a DLL is loaded into: what decides where its dependencies are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Site {
    pub process: Process,
    pub host: Host,
}

impl Site {
    /// `64-bit w3wp.exe`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.process.bitness, self.host.exe())
    }
}

/// Why a module was found where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Via {
    /// The DLL itself, by its configured path.
    Configured,
    /// A known DLL (or one a known DLL depends on), from the known DLL folder; `assumed` says why
    /// the list used is not the process's own.
    KnownDll {
        assumed: Option<String>,
    },
    /// The folder of the process's executable.
    ProcessFolder,
    SystemFolder,
    /// `<windir>\system`.
    System16Folder,
    WindowsFolder,
    /// A folder of the system `PATH`, as the registry writes it.
    Path {
        entry: String,
    },
    /// The folder of the configured DLL: only if IIS loads it with LOAD_WITH_ALTERED_SEARCH_PATH.
    BesideDll,
    /// A side-by-side assembly the importing DLL's manifest names.
    Assembly {
        identity: String,
    },
}

impl Via {
    pub fn describe(&self) -> String {
        match self {
            Via::Configured => "the configured path".into(),
            Via::KnownDll { assumed: None } => "a known DLL".into(),
            Via::KnownDll { assumed: Some(why) } => format!("a known DLL ({why})"),
            Via::ProcessFolder => "the process's folder".into(),
            Via::SystemFolder => "the system folder".into(),
            Via::System16Folder => "the 16-bit system folder".into(),
            Via::WindowsFolder => "the Windows folder".into(),
            Via::Path { entry } => format!("PATH entry `{entry}`"),
            Via::BesideDll => "beside the DLL (only with LOAD_WITH_ALTERED_SEARCH_PATH)".into(),
            Via::Assembly { identity } => format!("side-by-side assembly {identity}"),
        }
    }
}

/// What was searched for a module, in order, and what could not be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Searched {
    /// Each folder looked in (as Windows paths, before WOW64 redirection), and why it is on the order.
    pub folders: Vec<(String, String)>,
    /// What the order holds that was not searched, and why (`the current folder: not known`).
    pub not_searched: Vec<String>,
    /// Whether a folder not searched could hold it: PATH unknown, a PATH entry mblint cannot search.
    /// Then "not found" is not "missing".
    pub incomplete: bool,
}

impl Searched {
    /// `C:\WINDOWS\system32\inetsrv, C:\WINDOWS\system32, ...`.
    pub fn folder_list(&self) -> String {
        self.folders
            .iter()
            .map(|(f, _)| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Where a module name leads for one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// A file: the Windows path opened (after redirection), where mblint read it, why it was there,
    /// and what it is.
    Found {
        path: WinPath,
        file: PathBuf,
        via: Via,
        image: Arc<Result<ImageInfo, ImageError>>,
    },
    /// Nowhere on the search order.
    NotFound { searched: Arc<Searched> },
    /// Something stands at a path on the order that mblint could not read or may not open: the
    /// verdict is unknown (an input not checked).
    Refused {
        path: String,
        file: PathBuf,
        reason: String,
    },
    /// The import names no file the loader could search for (a path, a name too long).
    BadName { reason: String },
}

/// Why a module's load fails (or may fail), found in a closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// Not found anywhere searched (Win32 error 126). `incomplete`: some folder of the order could
    /// not be searched (PATH unknown), so it is not claimed missing.
    Missing { module: String, searched: Arc<Searched> },
    /// Found, but not loadable in the process: another machine, not a DLL, not a PE image (193).
    BadImage { module: String, path: String, why: String },
    /// A function (or ordinal) the module the loader picks does not export (127); `forwards` is
    /// the forwarder chain followed (`helper.dll!HelperFunc -> helper2.dll!X`).
    MissingFunction {
        module: String,
        function: String,
        forwards: Vec<String>,
        /// The module the function was finally looked for in.
        looked_in: String,
    },
    /// A forwarder string the loader cannot follow.
    BadForwarder {
        module: String,
        function: String,
        text: String,
    },
    /// A side-by-side assembly the manifest names is not in WinSxS (14001).
    AssemblyMissing {
        module: String,
        identity: String,
        /// What WinSxS has of that name (other versions or architectures), for the message.
        nearby: Vec<String>,
        /// A copy of a file the assembly would supply found on the search path: it does not help.
        stray_copies: Vec<String>,
    },
    /// More than one manifest resource: Windows Server 2003 refuses the image.
    SeveralManifests { module: String, ids: Vec<u16> },
    /// Found only beside the configured DLL: loads only if IIS uses the altered search path.
    BesideOnly {
        module: String,
        path: String,
        searched: Arc<Searched>,
    },
    /// Not judged: unreadable manifest, refused file, a bound hit, a name no search takes.
    NotJudged { module: String, why: String },
    /// A file on the search order mblint could not read: an input not checked.
    Unreadable {
        module: String,
        path: String,
        file: PathBuf,
        reason: String,
    },
}

impl Problem {
    pub fn module(&self) -> &str {
        match self {
            Problem::Missing { module, .. }
            | Problem::BadImage { module, .. }
            | Problem::MissingFunction { module, .. }
            | Problem::BadForwarder { module, .. }
            | Problem::AssemblyMissing { module, .. }
            | Problem::SeveralManifests { module, .. }
            | Problem::BesideOnly { module, .. }
            | Problem::NotJudged { module, .. }
            | Problem::Unreadable { module, .. } => module,
        }
    }

    /// The Win32 error the load fails with, where there is one.
    pub fn win32_error(&self) -> Option<u32> {
        match self {
            Problem::Missing { .. } => Some(126),
            Problem::BadImage { .. } | Problem::SeveralManifests { .. } => Some(193),
            Problem::MissingFunction { .. } | Problem::BadForwarder { .. } => Some(127),
            Problem::AssemblyMissing { .. } => Some(14001),
            _ => None,
        }
    }
}

/// A problem, where in the closure it lies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    /// The modules from the configured DLL down to the one that fails: `php5isapi.dll`, `php5ts.dll`.
    pub chain: Vec<String>,
    /// Reached only through a delay-load: the DLL loads, the first call fails.
    pub delay: bool,
    pub problem: Problem,
}

impl Fault {
    /// `php5isapi.dll -> php5ts.dll`.
    pub fn chain_text(&self) -> String {
        self.chain.join(" -> ")
    }
}

/// One module of a closure, in the order first reached (depth first, imports in table order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// As the importing image writes it.
    pub name: String,
    /// The importing node, by index; `None` for the DLL itself.
    pub parent: Option<usize>,
    pub depth: usize,
    /// Reached through a delay-load.
    pub delay: bool,
    /// Reached through a forwarded export rather than an import.
    pub forwarded: bool,
    /// Where it was found (a Windows path), and why; `None`: not found or not read.
    pub path: Option<String>,
    pub via: Option<Via>,
    /// `PE32 i386 DLL`.
    pub image: Option<String>,
    /// Already in the closure (its imports are listed where it first appears).
    pub repeated: bool,
}

/// The dependency closure of one DLL in one process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    pub site: SiteSummary,
    pub nodes: Vec<Node>,
    pub faults: Vec<Fault>,
}

/// A [`Site`] for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteSummary {
    pub process: &'static str,
    pub bitness: Bitness,
    pub platform: crate::platform::Platform,
}

impl Closure {
    /// Whether the DLL loads as far as its dependencies go: no fault outside delay-loads, and no
    /// doubt either.
    pub fn clean(&self) -> bool {
        self.faults.is_empty()
    }
}

/// Why a process's closures cannot be judged at all on this copy: the system folder lacks the
/// modules every process loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partial {
    /// The Windows folder that lacks them (as the process opens it, after redirection).
    pub folder: String,
    /// What it lacks: `kernel32.dll`, `ntdll.dll`.
    pub missing: Vec<String>,
}

/// A side-by-side assembly found in WinSxS.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Assembly {
    identity: String,
    folder: WinPath,
    files: Vec<String>,
}

/// An assembly's name, processor architecture and public key token, folded.
type AssemblyKey = (String, String, String);
/// One assembly in WinSxS: its version, identity text, folder and files.
type SxsAssembly = ([u16; 4], String, WinPath, Vec<String>);
/// One publisher policy file: its version and its redirects (old low, old high, new).
type SxsPolicy = ([u16; 4], Vec<([u16; 4], [u16; 4], [u16; 4])>);
/// Where a module name leads, per (process, activation context, folded name).
type LocatedCache = HashMap<(Site, Option<Arc<str>>, String), Arc<Located>>;

/// What WinSxS holds, read once per run.
#[derive(Debug, Default)]
struct SxsIndex {
    /// By (name, processor architecture, public key token), folded: (version, identity text, folder, files).
    assemblies: HashMap<AssemblyKey, Vec<SxsAssembly>>,
    /// Publisher policy by the same key: (policy version, redirects (old low, old high, new)).
    policies: HashMap<AssemblyKey, Vec<SxsPolicy>>,
    /// Why the index is incomplete, if it is.
    problem: Option<String>,
}

/// The loader model over one drive copy: its caches live as long as the run.
pub struct Loader {
    facts: LoaderFacts,
    windir: WinPath,
    /// Per (site, activation context, folded name): where it leads.
    located: LocatedCache,
    /// Per site: the known DLLs and what they depend on, folded.
    known: HashMap<Site, Arc<HashSet<String>>>,
    partial: HashMap<Site, Option<Arc<Partial>>>,
    sxs: Option<SxsIndex>,
    /// Per (assembly key as asked): the assembly found, or what WinSxS has of the name.
    assemblies: HashMap<String, Result<Arc<Assembly>, Vec<String>>>,
    closures: HashMap<(Site, String), Arc<Closure>>,
}

fn fold(name: &str) -> String {
    upcase::upcase(name)
}

/// The file the loader looks for: the name with `.dll` added when it has no extension, a trailing
/// dot taken off (it says "no extension"); `Err` when it names no plain file.
pub fn module_file_name(name: &str) -> Result<String, String> {
    if name.is_empty() || name.len() > MAX_MODULE_NAME {
        return Err(format!("the import name `{}` is not a file name", name.escape_debug()));
    }
    if name
        .chars()
        .any(|c| matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control())
        || name.ends_with(' ')
    {
        return Err(format!(
            "the import name `{}` is not a plain file name: mblint does not follow it",
            name.escape_debug()
        ));
    }
    if let Some(stem) = name.strip_suffix('.') {
        if stem.is_empty() || stem.ends_with('.') {
            return Err(format!("the import name `{}` is not a file name", name.escape_debug()));
        }
        return Ok(stem.to_string());
    }
    if name.contains('.') {
        Ok(name.to_string())
    } else {
        Ok(format!("{name}.dll"))
    }
}

/// `kernel32.dll` for a module name as imported (`KERNEL32`), in lower case for messages.
fn shown_name(name: &str) -> String {
    module_file_name(name).unwrap_or_else(|_| name.to_string())
}

fn join(folder: &WinPath, name: &str) -> WinPath {
    let mut p = folder.clone();
    p.components.push(name.to_string());
    p
}

fn below(windir: &WinPath, parts: &[&str]) -> WinPath {
    let mut p = windir.clone();
    p.components.extend(parts.iter().map(|s| s.to_string()));
    p
}

fn arch_of(process: Process) -> &'static str {
    match (process.platform, process.bitness) {
        (_, Bitness::Bits32) => "x86",
        (crate::platform::Platform::Ia64, Bitness::Bits64) => "ia64",
        (_, Bitness::Bits64) => "amd64",
    }
}

fn version_text(v: [u16; 4]) -> String {
    format!("{}.{}.{}.{}", v[0], v[1], v[2], v[3])
}

impl Loader {
    pub fn new(facts: LoaderFacts, windir: WinPath) -> Loader {
        Loader {
            facts,
            windir,
            located: HashMap::new(),
            known: HashMap::new(),
            partial: HashMap::new(),
            sxs: None,
            assemblies: HashMap::new(),
            closures: HashMap::new(),
        }
    }

    pub fn facts(&self) -> &LoaderFacts {
        &self.facts
    }

    /// Whether the copy holds the modules every process of `site` loads (`kernel32.dll`,
    /// `ntdll.dll` in its system folder): without them no closure of the process is judged.
    pub fn partial(&mut self, resolver: &mut Resolver, site: Site) -> Option<Arc<Partial>> {
        let key = Site {
            host: Host::W3wp,
            ..site
        };
        if let Some(p) = self.partial.get(&key) {
            return p.clone();
        }
        let system = below(&self.windir, &["system32"]);
        let mut missing = Vec::new();
        let mut opened = system.to_string();
        for core in ["ntdll.dll", "kernel32.dll"] {
            let path = join(&system, core);
            match &*resolver.resolve(&path.to_string(), site.process) {
                Resolution::Resolved {
                    effective,
                    found: Found::Image { .. },
                    ..
                } => {
                    opened = parent_of(effective);
                }
                Resolution::Resolved { effective, .. } => {
                    opened = parent_of(effective);
                    missing.push(core.to_string());
                }
                Resolution::Unresolvable(_) => missing.push(core.to_string()),
            }
        }
        // Shared: every entry of a partial copy asks (a million on a large server).
        let partial = (!missing.is_empty()).then(|| {
            Arc::new(Partial {
                folder: opened,
                missing,
            })
        });
        self.partial.insert(key, partial.clone());
        partial
    }

    /// The known DLLs of a site, and the modules they depend on (found in the known DLL folder),
    /// folded; and why the list is assumed, when it is.
    fn known(&mut self, resolver: &mut Resolver, site: Site) -> (Arc<HashSet<String>>, Option<String>) {
        let wow64 = site.process.wow64();
        let assumed = (wow64 && self.facts.known_dlls_wow64.is_none()).then(|| {
            "the list of 32-bit known DLLs is not known: the native list is used, as later 64-bit Windows map it"
                .to_string()
        });
        let key = Site {
            host: Host::W3wp,
            ..site
        };
        if let Some(k) = self.known.get(&key) {
            return (k.clone(), assumed);
        }
        let list: Vec<String> = match (wow64, &self.facts.known_dlls_wow64) {
            (true, Some(list)) => list.clone(),
            _ => self.facts.known_dlls.clone(),
        };
        let mut set: HashSet<String> = HashSet::new();
        let mut pending: Vec<String> = list;
        while let Some(name) = pending.pop() {
            let Ok(file) = module_file_name(&name) else { continue };
            if set.len() >= MAX_MODULES || !set.insert(fold(&file)) {
                continue;
            }
            if let Some(folder) = self.known_folder(site) {
                let path = join(&folder, &file);
                if let Some(image) = resolver.resolve(&path.to_string(), site.process).image() {
                    pending.extend(image.static_imports().map(|m| m.name.to_string()));
                }
            }
        }
        let set = Arc::new(set);
        self.known.insert(key, set.clone());
        (set, assumed)
    }

    /// The folder the known DLLs of a site are mapped from, as the process names it (a 32-bit
    /// process's `system32`, which redirection makes `SysWOW64`, unless the hive names another).
    fn known_folder(&self, site: Site) -> Option<WinPath> {
        if site.process.wow64()
            && let Some(folder) = &self.facts.known_dll_folder_wow64
        {
            return Some(folder.clone());
        }
        self.facts
            .known_dll_folder
            .clone()
            .or_else(|| Some(below(&self.windir, &["system32"])))
    }

    /// A folder as the process opens it: `C:\WINDOWS\SysWOW64` for a 32-bit process's `system32`.
    fn opened(&self, folder: &WinPath, site: Site) -> String {
        crate::winpath::redirect(folder, site.process, &self.windir)
            .map_or_else(|_| folder.to_string(), |p| p.to_string())
    }

    /// Opens `folder\file` as the process would. `None`: nothing there.
    fn probe(
        &mut self,
        resolver: &mut Resolver,
        site: Site,
        folder: &WinPath,
        file: &str,
        via: Via,
    ) -> Option<Located> {
        let path = join(folder, file);
        match &*resolver.resolve(&path.to_string(), site.process) {
            Resolution::Resolved { effective, found, .. } => match found {
                Found::Image { file, image } => Some(Located::Found {
                    path: effective.clone(),
                    file: file.clone(),
                    via,
                    image: image.clone(),
                }),
                Found::Missing { .. } => None,
                Found::Refused { reason, file, .. } => Some(Located::Refused {
                    path: effective.to_string(),
                    file: file.clone(),
                    reason: reason.clone(),
                }),
            },
            Resolution::Unresolvable(_) => None,
        }
    }

    /// Where the loader finds `name` for `site`, with no activation context: the search order.
    fn search(&mut self, resolver: &mut Resolver, site: Site, name: &str) -> Arc<Located> {
        let file = match module_file_name(name) {
            Ok(f) => f,
            Err(reason) => return Arc::new(Located::BadName { reason }),
        };
        let key = (site, None, fold(&file));
        if let Some(done) = self.located.get(&key) {
            return done.clone();
        }
        let located = Arc::new(self.search_uncached(resolver, site, &file));
        self.located.insert(key, located.clone());
        located
    }

    fn search_uncached(&mut self, resolver: &mut Resolver, site: Site, file: &str) -> Located {
        let (known, assumed) = self.known(resolver, site);
        if known.contains(&fold(file)) {
            let folder = self.known_folder(site).expect("a folder");
            return match self.probe(resolver, site, &folder, file, Via::KnownDll { assumed }) {
                Some(found) => found,
                None => Located::NotFound {
                    searched: Arc::new(Searched {
                        folders: vec![(self.opened(&folder, site), "the known DLL folder".into())],
                        not_searched: vec![format!(
                            "nothing else: {file} is a known DLL, which the loader takes only from the known DLL folder"
                        )],
                        incomplete: false,
                    }),
                },
            };
        }
        let mut searched = Searched::default();
        let current_unknown = format!("the current folder of {} (no source gives it)", site.host.exe());
        let safe = self.facts.safe_dll_search_mode;
        let mut order: Vec<(WinPath, Via, &str)> = vec![(
            below(&self.windir, site.host.folder()),
            Via::ProcessFolder,
            "the folder of the process's executable",
        )];
        if safe == Some(false) {
            searched
                .not_searched
                .push(current_unknown.clone() + " (searched second: SafeDllSearchMode 0)");
        }
        order.push((
            below(&self.windir, &["system32"]),
            Via::SystemFolder,
            "the system folder",
        ));
        order.push((
            below(&self.windir, &["system"]),
            Via::System16Folder,
            "the 16-bit system folder",
        ));
        order.push((self.windir.clone(), Via::WindowsFolder, "the Windows folder"));
        match safe {
            Some(true) => searched.not_searched.push(current_unknown),
            Some(false) => {}
            None => searched.not_searched.push(
                current_unknown
                    + " (and where it comes is unknown: SafeDllSearchMode holds a value no source explains)",
            ),
        }
        if safe != Some(false) {
            // The current folder is searched, at some place, in either mode; it may hold the module.
        }
        for (folder, via, why) in order {
            searched.folders.push((self.opened(&folder, site), why.to_string()));
            if let Some(found) = self.probe(resolver, site, &folder, file, via) {
                return found;
            }
        }
        match self.facts.path.clone() {
            None => {
                searched
                    .not_searched
                    .push("the system PATH (unknown: no SYSTEM hive on the copy)".into());
                searched.incomplete = true;
            }
            Some(entries) => {
                for entry in entries {
                    match &entry.folder {
                        Some(folder) => {
                            searched
                                .folders
                                .push((self.opened(folder, site), format!("PATH entry `{}`", entry.written)));
                            let via = Via::Path {
                                entry: entry.written.clone(),
                            };
                            if let Some(found) = self.probe(resolver, site, folder, file, via) {
                                return found;
                            }
                        }
                        None => {
                            searched.not_searched.push(format!(
                                "PATH entry `{}`: {}",
                                entry.written,
                                entry.problem.as_deref().unwrap_or("not searchable")
                            ));
                            searched.incomplete = true;
                        }
                    }
                }
            }
        }
        Located::NotFound {
            searched: Arc::new(searched),
        }
    }

    /// The WinSxS index, read once.
    fn sxs(&mut self, resolver: &mut Resolver) -> &SxsIndex {
        if self.sxs.is_none() {
            let index = read_sxs(resolver, &self.windir);
            self.sxs = Some(index);
        }
        self.sxs.as_ref().expect("just set")
    }

    /// The assembly a manifest's dependency binds to for `site`, after publisher policy; `Err`:
    /// what WinSxS holds of that name instead.
    fn assembly(
        &mut self,
        resolver: &mut Resolver,
        site: Site,
        wanted: &AssemblyIdentity,
    ) -> Result<Arc<Assembly>, Vec<String>> {
        let arch = match wanted.processor_architecture.as_deref() {
            Some("*") | None => arch_of(site.process).to_string(),
            Some(a) => a.to_ascii_lowercase(),
        };
        let token = wanted.public_key_token.as_deref().unwrap_or("").to_ascii_lowercase();
        let name = wanted.name.to_ascii_lowercase();
        let ask = format!("{name}|{arch}|{token}|{}", wanted.version.as_deref().unwrap_or(""));
        if let Some(done) = self.assemblies.get(&ask) {
            return done.clone();
        }
        let key = (name.clone(), arch.clone(), token.clone());
        let index = self.sxs(resolver);
        let result = match wanted.version_parts() {
            None => Err(vec![format!("the manifest names {} without a version", wanted.name)]),
            Some(mut version) => {
                // Publisher policy: the highest-versioned policy file for the assembly decides.
                if let Some(policies) = index.policies.get(&key)
                    && let Some((_, redirects)) = policies.iter().max_by_key(|(v, _)| *v)
                    && let Some((_, _, new)) = redirects.iter().find(|(lo, hi, _)| *lo <= version && version <= *hi)
                {
                    version = *new;
                }
                let candidates = index.assemblies.get(&key);
                match candidates.and_then(|c| c.iter().find(|(v, ..)| *v == version)) {
                    Some((_, identity, folder, files)) => Ok(Arc::new(Assembly {
                        identity: identity.clone(),
                        folder: folder.clone(),
                        files: files.clone(),
                    })),
                    None => {
                        let mut nearby: Vec<String> = index
                            .assemblies
                            .iter()
                            .filter(|((n, ..), _)| *n == name)
                            .flat_map(|(_, list)| list.iter().map(|(_, identity, ..)| identity.clone()))
                            .collect();
                        nearby.sort();
                        if let Some(problem) = &index.problem {
                            nearby.push(format!("(WinSxS not fully read: {problem})"));
                        }
                        Err(nearby)
                    }
                }
            }
        };
        self.assemblies.insert(ask, result.clone());
        result
    }

    /// The dependency closure of the DLL at `path` (as configured) loaded by full path into `site`:
    /// every module it needs, where each is found, and every fault on the way. Cached per (site, path).
    pub fn closure(&mut self, resolver: &mut Resolver, site: Site, path: &str) -> Arc<Closure> {
        let key = (site, path.to_string());
        if let Some(done) = self.closures.get(&key) {
            return done.clone();
        }
        let closure = Arc::new(self.closure_uncached(resolver, site, path));
        self.closures.insert(key, closure.clone());
        closure
    }

    fn closure_uncached(&mut self, resolver: &mut Resolver, site: Site, path: &str) -> Closure {
        let mut walk = Walk {
            nodes: Vec::new(),
            faults: Vec::new(),
            seen: HashMap::new(),
            beside: None,
            truncated: false,
        };
        let root_name = path.rsplit(['\\', '/']).next().unwrap_or(path).to_string();
        let resolution = resolver.resolve(path, site.process);
        if let Resolution::Resolved {
            effective,
            found: Found::Image { file, image },
            ..
        } = &*resolution
        {
            if let Some(folder) = parent_path(effective) {
                walk.beside = Some(folder);
            }
            let located = Arc::new(Located::Found {
                path: effective.clone(),
                file: file.clone(),
                via: Via::Configured,
                image: image.clone(),
            });
            self.visit(resolver, site, &mut walk, &root_name, located, None, false, false, 0);
        }
        Closure {
            site: SiteSummary {
                process: site.host.exe(),
                bitness: site.process.bitness,
                platform: site.process.platform,
            },
            nodes: walk.nodes,
            faults: walk.faults,
        }
    }

    /// Adds a located module and, the first time, everything it needs.
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &mut self,
        resolver: &mut Resolver,
        site: Site,
        walk: &mut Walk,
        name: &str,
        located: Arc<Located>,
        parent: Option<usize>,
        delay: bool,
        forwarded: bool,
        depth: usize,
    ) -> Option<usize> {
        let shown = shown_name(name);
        let folded = fold(&shown);
        let (path, via, image_text) = match &*located {
            Located::Found { path, via, image, .. } => (
                Some(path.to_string()),
                Some(via.clone()),
                Some(match &**image {
                    Ok(info) => info.describe(),
                    Err(e) => e.to_string(),
                }),
            ),
            _ => (None, None, None),
        };
        let repeated = walk.seen.contains_key(&folded);
        let index = walk.nodes.len();
        if walk.nodes.len() >= MAX_MODULES {
            if !walk.truncated {
                walk.truncated = true;
                let chain = walk.chain(parent, &shown);
                walk.faults.push(Fault {
                    chain,
                    delay,
                    problem: Problem::NotJudged {
                        module: shown.clone(),
                        why: format!("the closure holds more than {MAX_MODULES} modules, the most mblint follows"),
                    },
                });
            }
            return None;
        }
        walk.nodes.push(Node {
            name: name.to_string(),
            parent,
            depth,
            delay,
            forwarded,
            path,
            via,
            image: image_text,
            repeated,
        });
        if repeated {
            return Some(walk.seen[&folded]);
        }
        walk.seen.insert(folded, index);
        let chain = walk.chain(Some(index), "");
        let fault = |problem: Problem| Fault {
            chain: chain.clone(),
            delay,
            problem,
        };
        let info = match &*located {
            Located::Found { path, image, .. } => match &**image {
                Ok(info) if info.loads_in(site.process) => image.clone(),
                Ok(info) => {
                    let why = if !info.is_dll {
                        format!("it is a {}, not a DLL", info.describe())
                    } else {
                        format!(
                            "it is a {}, which a {} process cannot load",
                            info.describe(),
                            site.process.bitness
                        )
                    };
                    walk.faults.push(fault(Problem::BadImage {
                        module: shown,
                        path: path.to_string(),
                        why,
                    }));
                    return Some(index);
                }
                Err(e) => {
                    walk.faults.push(fault(Problem::BadImage {
                        module: shown,
                        path: path.to_string(),
                        why: e.to_string(),
                    }));
                    return Some(index);
                }
            },
            Located::Refused { path, file, reason } => {
                walk.faults.push(fault(Problem::Unreadable {
                    module: shown,
                    path: path.clone(),
                    file: file.clone(),
                    reason: reason.clone(),
                }));
                return Some(index);
            }
            Located::BadName { reason } => {
                walk.faults.push(fault(Problem::NotJudged {
                    module: shown,
                    why: reason.clone(),
                }));
                return Some(index);
            }
            // Reported by the importer, which knows what was searched.
            Located::NotFound { .. } => return Some(index),
        };
        let info: &ImageInfo = match &*info {
            Ok(info) => info,
            Err(_) => return Some(index),
        };
        if depth >= MAX_DEPTH {
            walk.faults.push(fault(Problem::NotJudged {
                module: shown,
                why: format!("its imports lie deeper than {MAX_DEPTH} levels, the most mblint follows"),
            }));
            return Some(index);
        }
        // The activation context its manifest makes for its static imports.
        let mut context: Vec<Arc<Assembly>> = Vec::new();
        match &info.manifest {
            EmbeddedManifest::None => {}
            EmbeddedManifest::Present(m) if m.applies_to_static_imports() => {
                for dependency in m.dependencies() {
                    match self.assembly(resolver, site, &dependency.identity) {
                        Ok(assembly) => context.push(assembly),
                        Err(nearby) => {
                            // Which copies of its files the search path holds: they do not help.
                            let stray = info
                                .static_imports()
                                .filter(|imported| looks_like_part_of(&dependency.identity, &imported.name))
                                .filter_map(|imported| match &*self.search(resolver, site, &imported.name) {
                                    Located::Found { path, .. } => Some(path.to_string()),
                                    _ => None,
                                })
                                .collect();
                            walk.faults.push(fault(Problem::AssemblyMissing {
                                module: shown.clone(),
                                identity: dependency.identity.to_string(),
                                nearby,
                                stray_copies: stray,
                            }));
                            return Some(index);
                        }
                    }
                }
            }
            EmbeddedManifest::Present(_) => {}
            EmbeddedManifest::Several { resource_ids } => {
                walk.faults.push(fault(Problem::SeveralManifests {
                    module: shown,
                    ids: resource_ids.clone(),
                }));
                return Some(index);
            }
            EmbeddedManifest::Unreadable { unreadable } => {
                walk.faults.push(fault(Problem::NotJudged {
                    module: shown.clone(),
                    why: format!(
                        "its side-by-side manifest cannot be read ({unreadable}): which assemblies it needs is unknown"
                    ),
                }));
            }
        }
        if let Some(why) = &info.delay_load_error {
            walk.faults.push(Fault {
                chain: chain.clone(),
                delay: true,
                problem: Problem::NotJudged {
                    module: shown.clone(),
                    why: format!("its delay-load table cannot be read in full ({why})"),
                },
            });
        }
        for imported in &info.import_modules {
            let imported_delay = delay || imported.delay;
            let located = self.locate_import(resolver, site, &context, &imported.name);
            let located = self.beside_if_missing(resolver, site, walk, &imported.name, located, &chain, imported_delay);
            let child = self.visit(
                resolver,
                site,
                walk,
                &imported.name,
                located.clone(),
                Some(index),
                imported_delay,
                false,
                depth + 1,
            );
            let _ = child;
            let Located::Found { image, .. } = &*located else {
                continue;
            };
            if !image.as_ref().as_ref().is_ok_and(|t| t.loads_in(site.process)) {
                continue;
            }
            for function in &imported.functions {
                self.check_function(
                    resolver,
                    site,
                    walk,
                    &chain,
                    imported_delay,
                    &shown_name(&imported.name),
                    image.clone(),
                    function,
                    index,
                    depth,
                );
            }
        }
        Some(index)
    }

    /// Where an import of a module with this activation context leads: an assembly's file, else
    /// the search order.
    fn locate_import(
        &mut self,
        resolver: &mut Resolver,
        site: Site,
        context: &[Arc<Assembly>],
        name: &str,
    ) -> Arc<Located> {
        if let Ok(file) = module_file_name(name) {
            for assembly in context {
                if assembly.files.iter().any(|f| upcase::same_name(f, &file)) {
                    let key = (site, Some(Arc::from(assembly.identity.as_str())), fold(&file));
                    if let Some(done) = self.located.get(&key) {
                        return done.clone();
                    }
                    let via = Via::Assembly {
                        identity: assembly.identity.clone(),
                    };
                    let located = match self.probe(resolver, site, &assembly.folder, &file, via) {
                        Some(found) => found,
                        None => Located::NotFound {
                            searched: Arc::new(Searched {
                                folders: vec![(assembly.folder.to_string(), format!("the folder of {}", assembly.identity))],
                                not_searched: vec![
                                    "nothing else: a file of a side-by-side assembly is loaded only from the assembly's folder".into(),
                                ],
                                incomplete: false,
                            }),
                        },
                    };
                    let located = Arc::new(located);
                    self.located.insert(key, located.clone());
                    return located;
                }
            }
        }
        self.search(resolver, site, name)
    }

    /// A module the search order does not find, found beside the configured DLL: the doubt.
    #[allow(clippy::too_many_arguments)]
    fn beside_if_missing(
        &mut self,
        resolver: &mut Resolver,
        site: Site,
        walk: &mut Walk,
        name: &str,
        located: Arc<Located>,
        chain: &[String],
        delay: bool,
    ) -> Arc<Located> {
        let Located::NotFound { searched } = &*located else {
            return located;
        };
        let shown = shown_name(name);
        let mut full_chain = chain.to_vec();
        full_chain.push(shown.clone());
        if let Some(folder) = walk.beside.clone()
            && let Ok(file) = module_file_name(name)
            && let Some(found) = self.probe(resolver, site, &folder, &file, Via::BesideDll)
        {
            if let Located::Found { path, .. } = &found {
                walk.faults.push(Fault {
                    chain: full_chain,
                    delay,
                    problem: Problem::BesideOnly {
                        module: shown,
                        path: path.to_string(),
                        searched: searched.clone(),
                    },
                });
            }
            return Arc::new(found);
        }
        let problem = match &*located {
            Located::NotFound { searched } => Problem::Missing {
                module: shown,
                searched: searched.clone(),
            },
            _ => unreachable!("matched above"),
        };
        walk.faults.push(Fault {
            chain: full_chain,
            delay,
            problem,
        });
        located
    }

    /// Resolves one imported function in the module the loader picked, following forwarders.
    #[allow(clippy::too_many_arguments)]
    fn check_function(
        &mut self,
        resolver: &mut Resolver,
        site: Site,
        walk: &mut Walk,
        chain: &[String],
        delay: bool,
        module: &str,
        target: Arc<Result<ImageInfo, ImageError>>,
        function: &ImportRef,
        importer: usize,
        depth: usize,
    ) {
        let mut full_chain = chain.to_vec();
        full_chain.push(module.to_string());
        let mut image = target;
        let mut current_module = module.to_string();
        let mut current_import = function.clone();
        let mut forwards: Vec<String> = Vec::new();
        for _ in 0..=MAX_FORWARDS {
            let Ok(info) = &*image else { return };
            match info.export_table.resolve(&current_import) {
                Some(ExportTarget::Here { .. }) => return,
                None => {
                    walk.faults.push(Fault {
                        chain: full_chain,
                        delay,
                        problem: Problem::MissingFunction {
                            module: module.to_string(),
                            function: function.to_string(),
                            forwards,
                            looked_in: current_module,
                        },
                    });
                    return;
                }
                Some(ExportTarget::BadForwarder { text, .. }) => {
                    walk.faults.push(Fault {
                        chain: full_chain,
                        delay,
                        problem: Problem::BadForwarder {
                            module: current_module,
                            function: function.to_string(),
                            text: text.to_string(),
                        },
                    });
                    return;
                }
                Some(ExportTarget::Forwarded { dll, import, .. }) => {
                    forwards.push(format!("{}!{current_import} -> {dll}!{import}", current_module));
                    // The forwarder's module is loaded too, searched as any import is.
                    let located = self.search(resolver, site, &dll);
                    let located = self.beside_if_missing(resolver, site, walk, &dll, located, &full_chain, delay);
                    let seen = walk.seen.contains_key(&fold(&shown_name(&dll)));
                    if !seen {
                        self.visit(
                            resolver,
                            site,
                            walk,
                            &dll,
                            located.clone(),
                            Some(importer),
                            delay,
                            true,
                            depth + 1,
                        );
                    }
                    let Located::Found { image: next, .. } = &*located else {
                        return; // Its absence is reported as the module's.
                    };
                    if !next.as_ref().as_ref().is_ok_and(|n| n.loads_in(site.process)) {
                        return;
                    }
                    image = next.clone();
                    current_module = shown_name(&dll);
                    current_import = import;
                }
            }
        }
        walk.faults.push(Fault {
            chain: full_chain,
            delay,
            problem: Problem::NotJudged {
                module: module.to_string(),
                why: format!("`{function}` is forwarded more than {MAX_FORWARDS} times in a row (a forwarder loop?)"),
            },
        });
    }
}

/// Whether an imported module is one a side-by-side assembly of this name would supply: the VC++
/// runtimes' files carry the assembly's version in their names (`msvcr80.dll` in
/// `Microsoft.VC80.CRT`). Used only to name stray copies in the message.
fn looks_like_part_of(assembly: &AssemblyIdentity, module: &str) -> bool {
    let name = assembly.name.to_ascii_lowercase();
    let module = module.to_ascii_lowercase();
    let Some(rest) = name.strip_prefix("microsoft.vc") else {
        return false;
    };
    let version: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    !version.is_empty() && module.contains(&version)
}

fn parent_path(path: &WinPath) -> Option<WinPath> {
    let mut p = path.clone();
    p.components.pop()?;
    Some(p)
}

fn parent_of(path: &WinPath) -> String {
    parent_path(path).map_or_else(|| path.to_string(), |p| p.to_string())
}

/// The state of one closure's walk.
struct Walk {
    nodes: Vec<Node>,
    faults: Vec<Fault>,
    /// Each module once per closure, by folded file name: its first node.
    seen: HashMap<String, usize>,
    /// The configured DLL's folder.
    beside: Option<WinPath>,
    truncated: bool,
}

impl Walk {
    /// The module names from the DLL down to `index`, then `last` when not empty.
    fn chain(&self, index: Option<usize>, last: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = index;
        while let Some(i) = at {
            out.push(shown_name(&self.nodes[i].name));
            at = self.nodes[i].parent;
            if out.len() > MAX_DEPTH + MAX_FORWARDS + 2 {
                break;
            }
        }
        out.reverse();
        if !last.is_empty() {
            out.push(last.to_string());
        }
        out
    }
}

/// Parses a manifest or policy file's bytes (UTF-8, or UTF-16 with its BOM).
fn manifest_text(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        return String::from_utf16(&units).ok();
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).ok()
}

/// Reads `WinSxS\Manifests\*.manifest` and `WinSxS\Policies\*\*.policy`, bounded.
fn read_sxs(resolver: &mut Resolver, windir: &WinPath) -> SxsIndex {
    let mut index = SxsIndex::default();
    let winsxs = below(windir, &["WinSxS"]);
    let manifests = join(&winsxs, "Manifests");
    let read = |resolver: &mut Resolver, path: &WinPath, index: &mut SxsIndex| -> Option<String> {
        match resolver.read_file(path, MAX_SXS_FILE) {
            DriveFile::Read { bytes, .. } => manifest_text(&bytes),
            DriveFile::Refused { reason, .. } => {
                index.problem.get_or_insert(reason);
                None
            }
            _ => None,
        }
    };
    match resolver.list_folder(&manifests, MAX_SXS_ENTRIES) {
        Ok(Some(names)) => {
            for name in names {
                let Some(stem) = name
                    .strip_suffix(".manifest")
                    .or_else(|| name.strip_suffix(".MANIFEST"))
                    .or_else(|| name.strip_suffix(".Manifest"))
                else {
                    continue;
                };
                let Some(text) = read(resolver, &join(&manifests, &name), &mut index) else {
                    continue;
                };
                let Ok(parsed) = super::pe::parse_assembly_manifest(&text) else {
                    continue;
                };
                let Some(identity) = parsed.identity else { continue };
                let Some(version) = identity.version_parts() else {
                    continue;
                };
                let key = (
                    identity.name.to_ascii_lowercase(),
                    identity
                        .processor_architecture
                        .as_deref()
                        .unwrap_or("")
                        .to_ascii_lowercase(),
                    identity.public_key_token.as_deref().unwrap_or("").to_ascii_lowercase(),
                );
                index.assemblies.entry(key).or_default().push((
                    version,
                    identity.to_string(),
                    join(&winsxs, stem),
                    parsed.files.iter().map(|f| f.to_string()).collect(),
                ));
            }
        }
        Ok(None) => {}
        Err(why) => index.problem = Some(why),
    }
    let policies = join(&winsxs, "Policies");
    match resolver.list_folder(&policies, MAX_SXS_ENTRIES) {
        Ok(Some(folders)) => {
            for folder in folders {
                let folder = join(&policies, &folder);
                let files = match resolver.list_folder(&folder, MAX_SXS_ENTRIES) {
                    Ok(Some(files)) => files,
                    Ok(None) => continue,
                    Err(why) => {
                        index.problem.get_or_insert(why);
                        continue;
                    }
                };
                for file in files {
                    if !file.to_ascii_lowercase().ends_with(".policy") {
                        continue;
                    }
                    let Some(text) = read(resolver, &join(&folder, &file), &mut index) else {
                        continue;
                    };
                    let Ok(parsed) = super::pe::parse_assembly_manifest(&text) else {
                        continue;
                    };
                    let Some(version) = parsed.identity.as_ref().and_then(|i| i.version_parts()) else {
                        continue;
                    };
                    for dependency in &parsed.dependencies {
                        let id = &dependency.identity;
                        let key = (
                            id.name.to_ascii_lowercase(),
                            id.processor_architecture.as_deref().unwrap_or("").to_ascii_lowercase(),
                            id.public_key_token.as_deref().unwrap_or("").to_ascii_lowercase(),
                        );
                        let redirects = dependency
                            .binding_redirects
                            .iter()
                            .filter_map(|r| {
                                let (lo, hi) = r.old_range()?;
                                Some((lo, hi, winpath_version(&r.new_version)?))
                            })
                            .collect();
                        index.policies.entry(key).or_default().push((version, redirects));
                    }
                }
            }
        }
        Ok(None) => {}
        Err(why) => {
            index.problem.get_or_insert(why);
        }
    }
    index
}

fn winpath_version(text: &str) -> Option<[u16; 4]> {
    super::pe::manifest::parse_version(text)
}

/// The module names of a closure's faults, for the text tree: unused outside tests.
#[cfg(test)]
fn codes(closure: &Closure) -> Vec<(String, Option<u32>, bool)> {
    closure
        .faults
        .iter()
        .map(|f| (f.problem.module().to_string(), f.problem.win32_error(), f.delay))
        .collect()
}

#[cfg(test)]
mod tests;

/// `version_text` is used by messages elsewhere.
pub fn describe_version(v: [u16; 4]) -> String {
    version_text(v)
}

/// Whether a module name is the Universal CRT's (`ucrtbase.dll`, `api-ms-win-crt-*`), which
/// Windows Server 2003 never shipped.
pub fn is_ucrt(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("api-ms-win-crt-") || lower.starts_with("ucrtbase")
}

/// The VC++ runtime a module name belongs to, for the help: `("Visual C++ 2005", true)` when it
/// is a side-by-side one.
pub fn vc_runtime(name: &str) -> Option<(&'static str, bool)> {
    let lower = name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".dll").unwrap_or(&lower);
    let table: [(&str, &str, bool); 8] = [
        ("70", "Visual C++ .NET 2002", false),
        ("71", "Visual C++ .NET 2003", false),
        ("80", "Visual C++ 2005", true),
        ("90", "Visual C++ 2008", true),
        ("100", "Visual C++ 2010", false),
        ("110", "Visual C++ 2012", false),
        ("120", "Visual C++ 2013", false),
        ("140", "Visual C++ 2015-2022", false),
    ];
    for prefix in ["msvcr", "msvcp", "msvcm", "mfc", "atl", "vcruntime", "vcomp"] {
        if let Some(rest) = stem.strip_prefix(prefix) {
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if let Some((_, product, sxs)) = table.iter().find(|(v, ..)| *v == digits) {
                return Some((product, *sxs));
            }
        }
    }
    None
}

/// The opened path's text: exported for the rules' messages.
pub fn shown_module(name: &str) -> String {
    shown_name(name)
}
