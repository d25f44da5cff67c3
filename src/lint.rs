//! Runs the whole pipeline on one file: bytes -> decoded text -> metabase -> ISAPI set -> findings.

use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::host::{self, ServerModel};
use crate::metabase::isapi::{IsapiSet, WorkerBitness};
use crate::metabase::server::ServerConfig;
use crate::metabase::source::DecodeError;
use crate::metabase::{Metabase, SourceFile, Span, parse};
use crate::platform::Platform;
use crate::resolve::deps::Dependencies;
use crate::resolve::drive::{Drives, FindError, find_metabase};
use crate::resolve::fastcgi::FastCgi;
use crate::resolve::images::Images;
use crate::resolve::loader::{Loader, Problem};
use crate::resolve::resolver::Resolver;
use crate::rules::{self, Context, malformed_metabase};
use crate::winpath;

/// How to lint.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Drives to resolve DLL paths on; empty: judge by paths alone.
    pub drives: Drives,
    /// Which rules run, severity overrides, per-Location ignores.
    pub settings: Settings,
    /// `--worker-bitness`: the bitness fixes must aim for.
    pub forced_bitness: Option<crate::bitness::Bitness>,
    /// `--platform` or `platform =`: what the platform is, above anything the evidence says.
    pub platform: Option<Platform>,
    /// A copy of the server's system drive given as the input: the folder, and its Windows folder's
    /// name. It stands for the drive the metabase's own paths put Windows on (C: when they say
    /// nothing), unless `drives` maps that letter already.
    pub drive_copy: Option<PathBuf>,
    /// Build the ISAPI DLL map ([`FileReport::dll_map`]): for the HTML page.
    pub dll_map: bool,
    /// What lints of several metabases on one drive share: off unless asked ([`DriveCache::new`]).
    pub drive_cache: DriveCache,
}

/// What the lints of several versions of one server's metabase (`mblint history`) read from the same
/// drive once: the resolver with its folder listings, images and resolutions (it clears its
/// resolutions itself when the Windows folder changes), and per Windows folder the loader's facts
/// from the SYSTEM hive and the server's MBSchema.xml. The drive copy is held not to change during
/// the run, as one lint already holds it: a file changing under a run is not something a second
/// read would settle. A lint takes the resolver out while it runs and puts it back, so a lint on
/// other drives (another mapping) starts afresh.
#[derive(Clone, Default)]
pub struct DriveCache(Option<std::sync::Arc<std::sync::Mutex<Option<CachedDrive>>>>);

struct CachedDrive {
    drives: Vec<(char, PathBuf)>,
    resolver: Resolver,
    /// Per Windows folder: the loader's facts (or the hive that could not be read).
    loaders: Vec<(winpath::WinPath, LoaderDecision)>,
    /// Per Windows folder: the schema decided from the drive's MBSchema.xml.
    schemas: Vec<(winpath::WinPath, SchemaDecision)>,
}

type SchemaDecision = (
    host::Fact<host::SchemaSource>,
    std::sync::Arc<crate::metabase::schema::Schema>,
    Option<(String, String)>,
);

type LoaderDecision = (
    host::Fact<crate::resolve::loader_facts::LoaderFacts>,
    Option<(PathBuf, String)>,
);

impl std::fmt::Debug for DriveCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "DriveCache(on)"
        } else {
            "DriveCache(off)"
        })
    }
}

impl DriveCache {
    /// A cache the lints made with these options (and their clones) share.
    pub fn new() -> DriveCache {
        DriveCache(Some(Default::default()))
    }

    /// Whether lints share what they read of the drive.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    fn mappings(drives: &Drives) -> Vec<(char, PathBuf)> {
        drives.mappings().map(|(l, p)| (l, p.to_path_buf())).collect()
    }

    /// The cached drive state for exactly these mappings, taken out; `None` when off or other drives.
    fn take(&self, drives: &Drives) -> Option<CachedDrive> {
        let mut slot = self.0.as_ref()?.lock().ok()?;
        slot.take().filter(|c| c.drives == Self::mappings(drives))
    }

    fn put(&self, cached: CachedDrive) {
        if let Some(slot) = &self.0
            && let Ok(mut slot) = slot.lock()
        {
            *slot = Some(cached);
        }
    }
}

/// What a user needs to know about the processes that load a linted file's ISAPI DLLs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkerSummary {
    /// `null` when it depends on a platform nothing tells (see the `server` facts and MB107).
    pub bitness: Option<crate::bitness::Bitness>,
    /// Why: what decides it, in words (per platform when the platform is not known).
    pub reason: String,
    /// The processes that load ISAPI DLLs: `w3wp.exe`, or `inetinfo.exe` and `dllhost.exe`.
    pub processes: Vec<&'static str>,
    /// The bitness or isolation mode depends on how IIS 6 reads a property name that differs from
    /// the schema's only in case (MB005): `bitness` is then `null`, and `reason` gives both.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub name_case: bool,
}

/// A drive mapping, for reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DriveSummary {
    pub letter: String,
    pub root: String,
}

/// The outcome of linting one file.
#[derive(Debug)]
pub struct FileReport {
    pub source: SourceFile,
    /// The drives DLL paths were resolved on (empty: path evidence only).
    pub drives: Vec<DriveSummary>,
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when the file did not parse.
    pub worker: Option<WorkerSummary>,
    /// The platform, isolation mode and Windows folder with their evidence; `None` when the file
    /// did not parse.
    pub server: Option<ServerModel>,
    /// The effective EnableEditWhileRunning at /LM, when the file parsed and sets it.
    pub edit_while_running: Option<bool>,
    pub isapi_count: usize,
    /// Every ISAPI DLL by role and host process, and whether it loads: with [`Options::dll_map`],
    /// when the file parsed.
    pub dll_map: Option<crate::rules::map::DllMap>,
    /// What the verdict needs from a mapped drive and could not be read or examined: the DLLs a
    /// worker would load, the SYSTEM hive. Each is an input not checked (exit 2, listed in every
    /// format).
    pub unread: Vec<InputFailure>,
}

/// An input that could not be read at all (as opposed to one that reads but is malformed).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is a folder without WINDOWS\\system32\\inetsrv\\MetaBase.xml (in any letter case): give a MetaBase.xml, or a copy of a server's system drive"
    )]
    NoMetabase { path: String },
    #[error("{path} is {size} bytes; mblint reads metabases up to 4 GiB")]
    TooLarge { path: String, size: u64 },
    #[error(
        "{path} changed while it was read (a copy being refreshed, or IIS saving it): nothing of it was checked; check it again once it is still"
    )]
    Changed { path: String },
    #[error("{path} is {what}, not a regular file: mblint reads only regular files")]
    NotAFile { path: String, what: &'static str },
    #[error(
        "{path}: {found} is a symbolic link; in a copy of a server's drive mblint follows no link to find the metabase (give the MetaBase.xml itself, or a real copy)"
    )]
    LinkInDriveCopy { path: String, found: String },
    #[error(
        "{path} is an ambiguous copy of a drive: {names} differ only in letter case, which no NTFS volume can hold, so which one the server has is unknown (keep the one the server has, or name the MetaBase.xml to check)"
    )]
    AmbiguousDriveCopy { path: String, names: String },
}

/// An input that could not be checked, and why: every output format lists it, and the exit code is 2.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputFailure {
    /// The path as given on the command line.
    pub path: String,
    pub error: String,
}

/// What linting a parsed metabase found, and the model it rests on.
pub struct Linted {
    pub diagnostics: Vec<Diagnostic>,
    pub isapi: IsapiSet,
    /// The worker of each platform the model leaves open, in [`ServerModel::candidates`] order.
    pub workers: Vec<WorkerBitness>,
    /// When the file holds a property name that differs from the schema's only in case (MB005):
    /// the workers of the same platforms with such names read as names IIS does not know; empty
    /// otherwise. [`Linted::workers`] reads them as the schema's properties.
    pub unknown_workers: Vec<WorkerBitness>,
    pub model: ServerModel,
    /// The server configuration the rules read (the fix loop's re-lint runs MB002 on it again).
    pub server: ServerConfig,
    /// The drives DLL paths were resolved on: the mappings given, and the drive copy under the letter
    /// the metabase gave it.
    pub drives: Drives,
    /// With [`Options::dll_map`].
    pub dll_map: Option<crate::rules::map::DllMap>,
    /// The inputs on the mapped drives the verdict needs that could not be read or examined: the
    /// DLLs a worker would load ([`unread_images`]) and the SYSTEM hive the loader's facts come
    /// from ([`host::decide_loader`]). The run cannot pass.
    pub unread: Vec<InputFailure>,
    /// With `keep` ([`lint_metabase_with`]): each worker's images, closures and FastCGI reading,
    /// for [`report_keeping`] to hand on with the ISAPI set.
    runs: Option<Vec<BuiltRun>>,
}

/// Every DLL a worker would load that was found on a mapped drive but could not be read or examined
/// (permission denied, a folder, a FIFO or device, a link leading out of the drive copy): one
/// failure per file, naming where the metabase names it. The verdict on such a DLL is unknown, so
/// the run exits 2 in every format, whatever MB205 (which marks the places) is set to.
fn unread_images(mb: &Metabase, isapi: &IsapiSet, images: &Images, out: &mut Vec<InputFailure>) {
    use crate::resolve::resolver::{Found, Resolution};
    for (index, resolution) in images.current.iter().enumerate() {
        let Resolution::Resolved {
            found: Found::Refused { reason, file, .. },
            ..
        } = &**resolution
        else {
            continue;
        };
        let path = file.display().to_string();
        if out.iter().any(|f| f.path == path) {
            continue;
        }
        // How many places name the same file, for the message.
        let places = images
            .current
            .iter()
            .filter(|r| std::sync::Arc::ptr_eq(r, resolution))
            .count();
        let entry = &isapi.entries[index];
        let configured = &entry.path;
        let (line, _) = mb.source.line_col(entry.span.start as usize);
        let more = match places {
            1 => String::new(),
            2 => " and 1 more place".to_string(),
            n => format!(" and {} more places", n - 1),
        };
        out.push(InputFailure {
            path,
            error: format!(
                "an ISAPI DLL a worker loads was not examined: {reason} (the path {configured} in {} of {} at {}:{line}{more}); its bitness and exports are unknown",
                mb.attr_name(entry.attr),
                mb.location(entry.key),
                mb.source.name,
            ),
        });
    }
}

/// The server's own MBSchema.xml, read from the drive that holds Windows, as [`host::decide_schema`]
/// takes it: `None` when that drive is not mapped.
fn drive_schema(resolver: &mut Resolver, windir: &winpath::WinPath) -> Option<(winpath::WinPath, host::DriveSchema)> {
    use crate::metabase::schema::{MAX_SCHEMA_SIZE, Schema};
    use crate::resolve::resolver::DriveFile;
    let path = host::drive_schema_path(windir);
    let read = match resolver.read_file(&path, MAX_SCHEMA_SIZE) {
        DriveFile::Unmapped { .. } => return None,
        DriveFile::Missing { .. } => Ok(None),
        DriveFile::Refused { reason, file, .. } => Err((file.display().to_string(), reason)),
        DriveFile::Read { file, bytes } => {
            let shown = file.display().to_string();
            match SourceFile::decode(shown.clone(), bytes) {
                Err(e) => Err((shown, format!("{} (byte {})", e.message, e.file_offset))),
                Ok(source) => Schema::parse(&source.text)
                    .map(Some)
                    .map_err(|e| (shown.clone(), format!("{shown}: {e}"))),
            }
        }
    };
    Some((path, read))
}

/// Every file on a DLL's dependency search order that was found but could not be read or examined:
/// whether the DLL loads is unknown, so the run exits 2 (one failure per file).
fn unread_dependencies(deps: &Dependencies, out: &mut Vec<InputFailure>) {
    for (_, closure) in deps.lists().flatten() {
        for fault in &closure.faults {
            let Problem::Unreadable { file, reason, .. } = &fault.problem else {
                continue;
            };
            let path = file.display().to_string();
            if out.iter().any(|f| f.path == path) {
                continue;
            }
            out.push(InputFailure {
                path,
                error: format!(
                    "a DLL an ISAPI DLL needs ({}) was not examined: {reason}; whether it loads is unknown",
                    fault.chain_text()
                ),
            });
        }
    }
}

/// Every fcgiext.ini a worker's fcgiext.dll reads that is there but could not be read (permission
/// denied, a folder, a FIFO, a link out of the copy, too large, bytes that are not the text they
/// claim), and every program an application of one names that could not be examined: whether the
/// script maps to fcgiext.dll are served is unknown, so the run exits 2 (MB403 says nothing of them).
fn unread_fastcgi(mb: &Metabase, isapi: &IsapiSet, fastcgi: &FastCgi, out: &mut Vec<InputFailure>) {
    use crate::resolve::fastcgi::{Exe, IniState};
    use crate::resolve::resolver::{Found, Refusal, Resolution};
    let mut add = |path: String, error: String| {
        if !out.iter().any(|f| f.path == path) {
            out.push(InputFailure { path, error });
        }
    };
    for (id, ini) in fastcgi.inis.iter().enumerate() {
        // Where the metabase maps the fcgiext.dll that reads it: its first script map.
        let mapped = fastcgi
            .of_entry
            .iter()
            .position(|&e| e == Some(id as u32))
            .map(|index| {
                let entry = &isapi.entries[index];
                let (line, _) = mb.source.line_col(entry.span.start as usize);
                format!(
                    " (mapped by {} of {} at {}:{line})",
                    mb.attr_name(entry.attr),
                    mb.location(entry.key),
                    mb.source.name
                )
            })
            .unwrap_or_default();
        match &ini.state {
            IniState::Unread { file, reason } => add(
                file.display().to_string(),
                format!(
                    "the FastCGI configuration {} that {}{mapped} reads was not read: {reason}; whether the script maps to it are served is unknown",
                    ini.path, ini.dll
                ),
            ),
            IniState::Read { exes, .. } => {
                let mut exes: Vec<&Exe> = exes.values().collect();
                // Reported in a stable order (the map's is not).
                exes.sort_by_key(|e| match e {
                    Exe::Looked { line, .. } | Exe::UnknownText { line } => *line,
                    Exe::NoExePath => 0,
                });
                for exe in exes {
                    let Exe::Looked {
                        value,
                        line,
                        resolution,
                    } = exe
                    else {
                        continue;
                    };
                    if let Resolution::Resolved {
                        found: Found::Refused { reason, file, kind },
                        ..
                    } = &**resolution
                        && !matches!(kind, Refusal::Folder | Refusal::Special)
                    {
                        add(
                            file.display().to_string(),
                            format!(
                                "the FastCGI program `{value}` ({} line {line}, read by {}{mapped}) was not examined: {reason}; whether fcgiext.dll can start it is unknown",
                                ini.path, ini.dll
                            ),
                        );
                    }
                }
            }
            IniState::Missing { .. } => {}
        }
    }
}

/// Lints every rule over a parsed metabase, reading images from the mapped drives when any are.
///
/// The server model (platform, isolation mode, Windows folder) is decided first. When it leaves more
/// than one platform open, every rule runs once per platform: findings all of them agree on stand
/// (with their fix only if it is the same everywhere); the rest depend on the platform, and MB107
/// names them instead, so that no verdict rests on a guess.
pub fn lint_metabase(mb: &Metabase, options: &Options) -> Linted {
    lint_metabase_with(mb, options, None, false)
}

/// What a lint built from the metabase's ISAPI properties and the drive, kept for the limited
/// re-lint of a later version whose changes reach none of the properties it reads
/// ([`crate::rules::reads::ISAPI_SET`] and [`crate::rules::reads::WORKER`]; `mblint history`,
/// [`crate::fixer::relint`]): the ISAPI set, and per worker the images its entries resolve to, their
/// dependency closures and the FastCGI reading. None of them holds a place in the text but the
/// ISAPI set, whose places the re-lint moves past the changes ([`IsapiSet::move_spans`]).
pub struct Built {
    pub isapi: IsapiSet,
    runs: Vec<BuiltRun>,
}

struct BuiltRun {
    worker: WorkerBitness,
    images: Option<Images>,
    deps: Option<Dependencies>,
    fastcgi: Option<FastCgi>,
}

/// As [`lint_metabase`], taking the ISAPI set and each worker's images, closures and FastCGI
/// reading from `reuse` (built from an earlier text with the same keys and properties whose
/// changes reach none of what they read: the caller's proof) instead of building them; with
/// `keep`, what was built or reused stays in [`Linted::built`] (unless the DLL map is wanted, which
/// takes the images and closures).
pub fn lint_metabase_with(mb: &Metabase, options: &Options, reuse: Option<Built>, keep_built: bool) -> Linted {
    let (isapi, mut reused) = match reuse {
        Some(built) => (built.isapi, built.runs),
        None => (IsapiSet::of(mb), Vec::new()),
    };
    let keep_built = keep_built && !options.dll_map;
    let mut kept: Vec<BuiltRun> = Vec::new();
    let server = ServerConfig::of(mb);
    let windir_clues = host::metabase_windir_clues(mb, &isapi);
    let mut drives = options.drives.clone();
    if let Some(folder) = &options.drive_copy {
        let letter = windir_clues
            .first()
            .and_then(|(c, _)| winpath::parse(&c.says).ok())
            .map_or('C', |w| w.drive);
        if drives.mappings().all(|(l, _)| l != letter) {
            drives.insert(letter, folder.clone());
        }
    }
    let with_drive = !drives.is_empty();
    let mut cached = with_drive.then(|| {
        options.drive_cache.take(&drives).unwrap_or_else(|| CachedDrive {
            drives: DriveCache::mappings(&drives),
            resolver: Resolver::new(drives.clone()),
            loaders: Vec::new(),
            schemas: Vec::new(),
        })
    });
    let drive_windirs = match cached.as_mut().map(|c| &mut c.resolver) {
        Some(r) => {
            let letters: Vec<char> = drives.mappings().map(|(l, _)| l).collect();
            letters.into_iter().flat_map(|l| r.windows_folders(l)).collect()
        }
        None => Vec::new(),
    };
    let windir = host::decide_windir(drive_windirs, windir_clues);
    let mut unread: Vec<InputFailure> = Vec::new();
    let (drive_platform, loader) = match cached.as_mut() {
        Some(c) => {
            c.resolver.set_windir(windir.value.clone());
            let (loader, failure) = match c.loaders.iter().find(|(w, _)| *w == windir.value) {
                Some((_, decided)) => decided.clone(),
                None => {
                    let decided = host::decide_loader(&mut c.resolver, &windir.value);
                    c.loaders.push((windir.value.clone(), decided.clone()));
                    decided
                }
            };
            let r = &mut c.resolver;
            if let Some((file, error)) = failure {
                unread.push(InputFailure {
                    path: file.display().to_string(),
                    error,
                });
            }
            (host::drive_platform_clues(r, &windir.value), Some(loader))
        }
        None => (Vec::new(), None),
    };
    let (schema, definitions, schema_failure) = match cached.as_mut() {
        None => host::decide_schema(None),
        Some(c) => match c.schemas.iter().find(|(w, _)| *w == windir.value) {
            Some((_, decided)) => decided.clone(),
            None => {
                let decided = host::decide_schema(drive_schema(&mut c.resolver, &windir.value));
                c.schemas.push((windir.value.clone(), decided.clone()));
                decided
            }
        },
    };
    if let Some((file, why)) = schema_failure {
        unread.push(InputFailure {
            path: file,
            error: format!(
                "the server's schema was not read: {why}; property names and values were checked against IIS 6.0's built-in schema instead"
            ),
        });
    }
    let mut model = ServerModel {
        platform: host::decide_platform(
            options.platform,
            drive_platform,
            host::metabase_platform_clues(&isapi, &server),
        ),
        isolation: host::decide_isolation(mb, &server),
        windir,
        loader,
        schema,
        definitions,
        fastcgi: None,
    };
    let iis5 = model.isolation.value == host::IsolationMode::Iis5;
    let mut resolver = cached.as_mut().map(|c| &mut c.resolver);
    let keep = |code: &str, location: Option<&str>| options.settings.keeps(code, location);
    let mut runs: Vec<(WorkerBitness, Vec<Diagnostic>)> = Vec::new();
    let mut run_images: Vec<Option<Images>> = Vec::new();
    let mut run_deps: Vec<Option<Dependencies>> = Vec::new();
    // One loader for every platform's run: its caches are per process, so nothing is shared wrongly.
    let mut loader = model
        .loader
        .as_ref()
        .map(|facts| Loader::new(facts.value.clone(), model.windir.value.clone()));
    // The first platform's reading of fcgiext.ini, for the server model.
    let mut first_fastcgi: Option<FastCgi> = None;
    for platform in model.candidates(with_drive) {
        let worker = WorkerBitness::of(mb, platform, iis5);
        let (images, deps, fastcgi) = match reused.iter().position(|r| r.worker == worker) {
            Some(at) => {
                let run = reused.swap_remove(at);
                (run.images, run.deps, run.fastcgi)
            }
            None => {
                let images = resolver.as_mut().map(|r| Images::of(&isapi, worker.process(), r));
                let deps = match (resolver.as_mut(), loader.as_mut(), images.as_ref()) {
                    (Some(r), Some(l), Some(images)) => Some(Dependencies::of(mb, &isapi, worker, images, r, l)),
                    _ => None,
                };
                let fastcgi = match (resolver.as_mut(), images.as_ref()) {
                    (Some(r), Some(images)) => Some(FastCgi::of(&isapi, &images.current, r, worker.process())),
                    _ => None,
                };
                (images, deps, fastcgi)
            }
        };
        if let Some(images) = &images {
            unread_images(mb, &isapi, images, &mut unread);
        }
        if let Some(deps) = &deps {
            unread_dependencies(deps, &mut unread);
        }
        if let Some(fastcgi) = &fastcgi {
            unread_fastcgi(mb, &isapi, fastcgi, &mut unread);
        }
        if first_fastcgi.is_none() {
            first_fastcgi = fastcgi.clone();
        }
        let ctx = Context::new(
            mb,
            &isapi,
            &server,
            worker,
            images.as_ref(),
            options.forced_bitness,
            &model,
            &keep,
        )
        .with_deps(deps.as_ref())
        .with_fastcgi(fastcgi.as_ref());
        runs.push((worker, rules::run(&ctx, |code| options.settings.enabled(code))));
        if options.dll_map {
            run_images.push(images);
            run_deps.push(deps);
        } else if keep_built {
            kept.push(BuiltRun {
                worker,
                images,
                deps,
                fastcgi,
            });
        }
    }
    // A property name that differs from the schema's only in case: no source says whether IIS 6
    // reads it (MB005), so every rule runs again on the file read with such names unknown, and
    // what the two readings do not agree on is named by MB005 instead of a guess.
    let unknown_reading = (options.settings.enabled(rules::property_name_case::RULE.code)
        && rules::property_name_case::has_case_variants(mb, &model.definitions))
    .then(|| {
        let other = mb.read_as(crate::metabase::NameReading::Exact);
        let isapi = IsapiSet::of(&other);
        let server = ServerConfig::of(&other);
        let iis5 = host::decide_isolation(&other, &server).value == host::IsolationMode::Iis5;
        let mut runs: Vec<(WorkerBitness, Vec<Diagnostic>)> = Vec::new();
        for platform in model.candidates(with_drive) {
            let worker = WorkerBitness::of(&other, platform, iis5);
            let images = resolver.as_mut().map(|r| Images::of(&isapi, worker.process(), r));
            if let Some(images) = &images {
                unread_images(&other, &isapi, images, &mut unread);
            }
            let fastcgi = match (resolver.as_mut(), images.as_ref()) {
                (Some(r), Some(images)) => Some(FastCgi::of(&isapi, &images.current, r, worker.process())),
                _ => None,
            };
            if let Some(fastcgi) = &fastcgi {
                unread_fastcgi(&other, &isapi, fastcgi, &mut unread);
            }
            let ctx = Context::new(
                &other,
                &isapi,
                &server,
                worker,
                images.as_ref(),
                options.forced_bitness,
                &model,
                &keep,
            )
            .with_fastcgi(fastcgi.as_ref());
            runs.push((worker, rules::run(&ctx, |code| options.settings.enabled(code))));
        }
        let workers: Vec<WorkerBitness> = runs.iter().map(|(w, _)| *w).collect();
        let diagnostics = rules::platform_unknown::merge(&other, &model, runs, |code| options.settings.enabled(code));
        (workers, diagnostics)
    });
    let workers: Vec<WorkerBitness> = runs.iter().map(|(w, _)| *w).collect();
    let mut diagnostics = rules::platform_unknown::merge(mb, &model, runs, |code| options.settings.enabled(code));
    let mut unknown_workers = Vec::new();
    if let Some((other_workers, other)) = unknown_reading {
        let differ = workers
            .iter()
            .zip(&other_workers)
            .any(|(a, b)| a.bitness != b.bitness || a.iis5 != b.iis5);
        let said = differ.then(|| (workers_said(&workers), workers_said(&other_workers)));
        diagnostics = rules::property_name_case::merge_readings(mb, &model.definitions, diagnostics, other, said);
        unknown_workers = other_workers;
    }
    options.settings.apply(&mut diagnostics);
    // One finding per cause, after the per-Location ignores have dropped the places they cover.
    let diagnostics = crate::diagnostic::group(diagnostics);
    let dll_map = options.dll_map.then(|| {
        let contexts: Vec<Context> = workers
            .iter()
            .zip(&run_images)
            .zip(&run_deps)
            .map(|((worker, images), deps)| {
                Context::new(
                    mb,
                    &isapi,
                    &server,
                    *worker,
                    images.as_ref(),
                    options.forced_bitness,
                    &model,
                    &keep,
                )
                .with_deps(deps.as_ref())
            })
            .collect();
        rules::map::DllMap::build(&contexts, &diagnostics)
    });
    model.fastcgi = host::decide_fastcgi(&isapi, first_fastcgi.as_ref());
    if let Some(c) = cached {
        options.drive_cache.put(c);
    }
    Linted {
        dll_map,
        unread,
        diagnostics,
        isapi,
        workers,
        unknown_workers,
        model,
        server,
        drives,
        runs: keep_built.then_some(kept),
    }
}

/// The workers' bitness and process in words, for MB005: per platform when more than one is open.
fn workers_said(workers: &[WorkerBitness]) -> String {
    workers
        .iter()
        .map(|w| {
            let process = if w.iis5 {
                "inetinfo.exe and dllhost.exe"
            } else {
                "w3wp.exe"
            };
            if workers.len() == 1 {
                format!("{} {process}", w.bitness)
            } else {
                format!("{} {process} on {}", w.bitness, w.platform.describe())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The worker summary of a lint: the bitness all platforms agree on, and what decides it.
pub fn worker_summary(mb: &Metabase, linted: &Linted) -> WorkerSummary {
    let workers = &linted.workers;
    let first = workers[0];
    let agreed = workers.iter().all(|w| w.bitness == first.bitness);
    let reason = if workers.len() == 1 {
        first.describe(mb)
    } else {
        workers
            .iter()
            .map(|w| format!("on {}: {}", w.platform.describe(), w.describe(mb)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    // With a property name in the wrong case, both readings (MB005): the bitness only when they
    // agree, and both in the reason when they do not.
    let unknown = &linted.unknown_workers;
    let name_case = unknown
        .iter()
        .zip(workers)
        .any(|(u, w)| u.bitness != w.bitness || u.iis5 != w.iis5);
    let reason = if name_case {
        let other = if unknown.len() == 1 {
            unknown[0].describe(mb)
        } else {
            unknown
                .iter()
                .map(|w| format!("on {}: {}", w.platform.describe(), w.describe(mb)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        format!(
            "depends on whether IIS 6 reads property names that differ from the schema's only in case (MB005): if it reads them as the schema's, {reason}; if it ignores them, {other}"
        )
    } else {
        reason
    };
    WorkerSummary {
        bitness: (agreed && !name_case).then_some(first.bitness),
        reason,
        processes: if first.iis5 {
            vec!["inetinfo.exe", "dllhost.exe"]
        } else {
            vec!["w3wp.exe"]
        },
        name_case,
    }
}

/// Lints a file's bytes with paths judged by their text alone.
pub fn lint_bytes(name: &str, bytes: impl Into<Vec<u8>>) -> FileReport {
    lint_bytes_with(name, bytes, &Options::default())
}

/// Lints a file's bytes; `name` is how the file is shown. Pass a `Vec` to lend it without a copy.
pub fn lint_bytes_with(name: &str, bytes: impl Into<Vec<u8>>, options: &Options) -> FileReport {
    lint_decoded(name, SourceFile::decode(name, bytes), options)
}

fn lint_decoded(name: &str, decoded: Result<SourceFile, DecodeError>, options: &Options) -> FileReport {
    // Until the metabase parses, only the mappings given (a drive copy's letter comes from it).
    let drives = drive_summaries(&options.drives);
    let source = match decoded {
        Ok(source) => source,
        Err(err) => return undecodable(name, err, drives),
    };
    match parse(source) {
        Err(failure) => FileReport {
            diagnostics: vec![malformed_metabase::diagnostic(
                failure.error.span,
                &failure.error.message,
            )],
            drives,
            source: failure.source,
            worker: None,
            server: None,
            edit_while_running: None,
            isapi_count: 0,
            dll_map: None,
            unread: Vec::new(),
        },
        Ok(mb) => {
            let linted = lint_metabase(&mb, options);
            let mut report = report_of(&mb, linted);
            report.source = mb.source;
            report
        }
    }
}

/// The report of a parsed metabase's lint, with the model left to the caller: its `source` is an
/// empty stand-in (same name and encoding) until the caller moves the metabase's own into it. The
/// fix loop maps a pass's edits onto the model before letting the model go.
pub fn report_of(mb: &Metabase, linted: Linted) -> FileReport {
    report_keeping(mb, linted).0
}

/// As [`report_of`], handing on what the lint built when it was asked to keep it
/// ([`lint_metabase_with`]).
pub fn report_keeping(mb: &Metabase, mut linted: Linted) -> (FileReport, Option<Built>) {
    let built = linted.runs.take().map(|runs| Built {
        isapi: std::mem::take(&mut linted.isapi),
        runs,
    });
    let isapi_count = built
        .as_ref()
        .map_or(linted.isapi.entries.len(), |b| b.isapi.entries.len());
    let summary = worker_summary(mb, &linted);
    let edit_while_running = mb
        .effective_at("/LM", crate::metabase::props::ENABLE_EDIT_WHILE_RUNNING)
        .and_then(|(_, attr)| crate::metabase::props::parse_bool(&mb.attr_value(attr)));
    let report = FileReport {
        drives: drive_summaries(&linted.drives),
        edit_while_running,
        worker: Some(summary),
        isapi_count,
        dll_map: linted.dll_map,
        unread: linted.unread,
        diagnostics: linted.diagnostics,
        server: Some(linted.model),
        source: SourceFile::with_encoding(mb.source.name.clone(), mb.source.encoding, String::new()),
    };
    (report, built)
}

/// The report of a file that does not decode: MB001 at the end of the text that did decode, in the
/// file's own encoding, whose end maps back to the fault's byte offset in the file.
pub fn undecodable(name: &str, err: DecodeError, drives: Vec<DriveSummary>) -> FileReport {
    let source = SourceFile::with_encoding(name, err.encoding, err.valid_prefix);
    let at = source.text.len();
    FileReport {
        diagnostics: vec![malformed_metabase::diagnostic(Span::new(at, at), &err.message)],
        drives,
        source,
        worker: None,
        server: None,
        edit_while_running: None,
        isapi_count: 0,
        dll_map: None,
        unread: Vec::new(),
    }
}

/// The drive mappings a report lists.
pub fn drive_summaries(drives: &Drives) -> Vec<DriveSummary> {
    drives
        .mappings()
        .map(|(letter, root)| DriveSummary {
            letter: format!("{letter}:"),
            root: root.display().to_string(),
        })
        .collect()
}

/// What a path argument names: a metabase file, and the drive copy it was found on, if any.
#[derive(Debug, Clone)]
pub struct Input {
    pub metabase: PathBuf,
    /// The folder given, when it is a copy of a system drive (it stands for C:), with the name of
    /// its Windows folder.
    pub drive: Option<(PathBuf, String)>,
}

/// Works out what a path argument names: a MetaBase.xml, or a folder with
/// `WINDOWS\system32\inetsrv\MetaBase.xml` in any letter case.
pub fn input(path: &Path) -> Result<Input, InputError> {
    let meta = std::fs::metadata(path).map_err(|source| InputError::Read {
        path: path.display().to_string(),
        source,
    })?;
    if !meta.is_dir() {
        return Ok(Input {
            metabase: path.to_path_buf(),
            drive: None,
        });
    }
    let (metabase, windir) = find_metabase(path)
        .map_err(|e| match e {
            FindError::Link(found) => InputError::LinkInDriveCopy {
                path: path.display().to_string(),
                found: found.display().to_string(),
            },
            FindError::Ambiguous(names) => InputError::AmbiguousDriveCopy {
                path: path.display().to_string(),
                names: names
                    .iter()
                    .map(|n| n.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and "),
            },
        })?
        .ok_or(InputError::NoMetabase {
            path: path.display().to_string(),
        })?;
    Ok(Input {
        metabase,
        drive: Some((path.to_path_buf(), windir)),
    })
}

/// The options an input is linted with: a drive copy given as the input stands for the system
/// drive (which letter, [`lint_metabase`] works out from the metabase).
pub fn effective_options(input: &Input, options: &Options) -> Options {
    let mut options = options.clone();
    if let Some((folder, _)) = &input.drive {
        options.drive_copy = Some(folder.clone());
    }
    options
}

/// Lints an input with its [`effective_options`].
pub fn lint_input(input: &Input, options: &Options) -> Result<FileReport, InputError> {
    lint_file(&input.metabase, &effective_options(input, options))
}

/// Reads and lints a MetaBase.xml, or the metabase on a copy of a server's system drive.
pub fn lint_path(path: &Path, options: &Options) -> Result<FileReport, InputError> {
    lint_input(&input(path)?, options)
}

/// Reads and lints one MetaBase.xml file.
pub fn lint_file(path: &Path, options: &Options) -> Result<FileReport, InputError> {
    Ok(lint_bytes_with(
        &path.display().to_string(),
        read_metabase(path)?,
        options,
    ))
}

/// Reads a metabase file: a regular file only (a device, FIFO or socket is refused before it is
/// opened, and a FIFO swapped in afterwards cannot block the open), read up to the size spans can
/// address, and whole: a file that changed while it was read (a copy being refreshed under a
/// running gate, IIS saving it) is an input error, never a lint of half of one version and half of
/// another. A link named on the command line is followed: the user named it.
///
/// The file is read, never memory-mapped: a mapped file cut short by another process faults the
/// reader (SIGBUS, 20 of 20 runs when a 45 MB file was refreshed with `cp` during a check), and
/// one rewritten under the map changes the text under a `str` (undefined behaviour: memmap2's
/// documentation). Mapping saved 7-11% CPU and no memory on the 50,000-site files (paired runs).
pub fn read_metabase(path: &Path) -> Result<Vec<u8>, InputError> {
    let (file, shown, cap) = open_metabase(path)?;
    let before = Stamp::of(&file).map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })?;
    let stamp_file = file.try_clone().map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })?;
    let bytes = read_opened(file, shown.clone(), cap)?;
    let after = Stamp::of(&stamp_file).map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })?;
    if before != after || after.len != bytes.len() as u64 {
        return Err(InputError::Changed { path: shown });
    }
    Ok(bytes)
}

/// What tells that an open file changed: its size and its last modification time.
#[derive(Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Stamp {
    fn of(file: &std::fs::File) -> std::io::Result<Stamp> {
        let meta = file.metadata()?;
        Ok(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// Reads an opened metabase whole, up to `cap` bytes.
fn read_opened(file: std::fs::File, shown: String, cap: u64) -> Result<Vec<u8>, InputError> {
    match crate::resolve::fsys::read_capped(file, cap).map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })? {
        Some(bytes) => Ok(bytes),
        None => Err(InputError::TooLarge {
            path: shown,
            size: cap + 1,
        }),
    }
}

/// Opens a metabase file after the checks every reader makes; with the name to show and the cap.
fn open_metabase(path: &Path) -> Result<(std::fs::File, String, u64), InputError> {
    let shown = path.display().to_string();
    let read_error = |source| InputError::Read {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if !meta.is_file() {
        return Err(InputError::NotAFile {
            path: shown.clone(),
            what: crate::resolve::fsys::kind_name(&meta.file_type()),
        });
    }
    let cap = crate::metabase::source::MAX_FILE_SIZE as u64;
    if meta.len() > cap {
        return Err(InputError::TooLarge {
            path: shown,
            size: meta.len(),
        });
    }
    let file = crate::resolve::fsys::open_named(path).map_err(read_error)?;
    // Checked again on the open file: the name may have been swapped since.
    let opened = file.metadata().map_err(read_error)?;
    if !opened.is_file() {
        return Err(InputError::NotAFile {
            path: shown.clone(),
            what: crate::resolve::fsys::kind_name(&opened.file_type()),
        });
    }
    Ok((file, shown, cap))
}
