//! `mblint history`: the change that broke a server. IIS keeps every saved version of the metabase
//! in `<windir>\system32\inetsrv\History` as `MetaBase_<major>_<minor>.xml` (with its
//! `MBSchema_<major>_<minor>.xml`); this module finds them, lints each in version order and the
//! current MetaBase.xml last, and tells for each finding of the current file the version it
//! appeared in and the keys that version changed ([`diff`]), and which findings came and went.
//!
//! A finding is recognised across versions by the identity `--baseline` uses (rule, Location,
//! property, cause; never its line). Reuse, since most of each version is unchanged: a version that
//! is the same text as the one before it but for IIS's bookkeeping numbers is not linted again,
//! keys are compared by the hash of their text, and the versions are read, parsed and linted on
//! every core while this thread compares them in order. Every other version is linted whole: the
//! rules do not declare what they read, so no finding can be carried over from an unchanged key.

pub mod diff;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use serde::Serialize;

use crate::baseline::{Identity, place_identity};
use crate::diagnostic::Diagnostic;
use crate::lint::{FileReport, InputError, Options, lint_bytes_with, lint_metabase, read_metabase};
use crate::metabase::{Metabase, SourceFile, parse};
use crate::resolve::drive::find_metabase;
use crate::resolve::fsys::{self, EntryKind};
use diff::{KeyDiff, KeyTable};

/// The version of the `history` part of the JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// Where the history is and which file is current.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The History folder.
    pub folder: PathBuf,
    /// The current MetaBase.xml; `None`: the newest history version that reads stands for it.
    pub current: Option<PathBuf>,
    /// The drive copy, when the path given is one: it stands for the system drive.
    pub drive: Option<PathBuf>,
}

/// Why the history could not be found.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error(
        "{path} is neither a copy of a server's system drive (with WINDOWS\\system32\\inetsrv\\MetaBase.xml) nor a History folder (with MetaBase_<major>_<minor>.xml files)"
    )]
    NotHistory { path: String },
    #[error(
        "{path} has no History folder beside its MetaBase.xml ({metabase}): metabase history is off, or was not copied"
    )]
    NoHistoryFolder { path: String, metabase: String },
    #[error(
        "{path}: {found} is a symbolic link; in a copy of a server's drive mblint follows no link (give the History folder itself, or a real copy)"
    )]
    Link { path: String, found: String },
}

/// The entry of `dir` named `name` in any letter case, without following it.
fn child(dir: &Path, name: &str) -> Option<(PathBuf, EntryKind)> {
    crate::resolve::drive::child_any_case(dir, name)
}

/// Works out what `path` is: a drive copy (its History folder is beside the MetaBase.xml found as
/// `check` finds it), a History folder (the current file is `metabase` if given, else a
/// MetaBase.xml in the folder above it, else none), or a MetaBase.xml with its History folder
/// beside it. `metabase` overrides the current file in every form.
pub fn layout(path: &Path, metabase: Option<&Path>) -> Result<Layout, LayoutError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| LayoutError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let link = |found: &Path| LayoutError::Link {
        path: shown.clone(),
        found: found.display().to_string(),
    };
    if !meta.is_dir() {
        // A MetaBase.xml with its History folder beside it.
        let up = match path.parent() {
            Some(up) if !up.as_os_str().is_empty() => up.to_path_buf(),
            _ => PathBuf::from("."),
        };
        return match child(&up, "History") {
            Some((folder, EntryKind::Dir)) => Ok(Layout {
                folder,
                current: Some(metabase.unwrap_or(path).to_path_buf()),
                drive: None,
            }),
            Some((found, EntryKind::Symlink)) => Err(link(&found)),
            _ => Err(LayoutError::NoHistoryFolder {
                path: shown.clone(),
                metabase: shown,
            }),
        };
    }
    let found = find_metabase(path).map_err(|e| match e {
        crate::resolve::drive::FindError::Link(found) => link(&found),
        crate::resolve::drive::FindError::Ambiguous(names) => LayoutError::Read {
            path: shown.clone(),
            message: format!(
                "an ambiguous copy of a drive: {} differ only in letter case, which no NTFS volume can hold",
                names
                    .iter()
                    .map(|n| n.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        },
    })?;
    if let Some((current, _)) = found {
        let inetsrv = current.parent().expect("a metabase found in a folder");
        return match child(inetsrv, "History") {
            Some((folder, EntryKind::Dir)) => Ok(Layout {
                folder,
                current: Some(metabase.map_or(current, Path::to_path_buf)),
                drive: Some(path.to_path_buf()),
            }),
            Some((found, EntryKind::Symlink)) => Err(link(&found)),
            _ => Err(LayoutError::NoHistoryFolder {
                path: shown,
                metabase: current.display().to_string(),
            }),
        };
    }
    let listed = list(path).map_err(|e| LayoutError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    if listed.is_empty() {
        return Err(LayoutError::NotHistory { path: shown });
    }
    let current = match metabase {
        Some(m) => Some(m.to_path_buf()),
        // Beside the History folder, as IIS keeps it; a link there is not followed.
        None => child(&folder_above(path), "MetaBase.xml")
            .and_then(|(p, kind)| matches!(kind, EntryKind::File { .. }).then_some(p)),
    };
    Ok(Layout {
        folder: path.to_path_buf(),
        current,
        drive: None,
    })
}

/// The folder above `history`, as written (`a/History` -> `a`, `History` and `.` -> `History/..`).
fn folder_above(history: &Path) -> PathBuf {
    match history.parent() {
        Some(up) if !up.as_os_str().is_empty() && history.file_name().is_some() => up.to_path_buf(),
        _ => history.join(".."),
    }
}

/// One history file: `MetaBase_<major>_<minor>.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFile {
    pub path: PathBuf,
    pub name: String,
    pub major: u64,
    pub minor: u64,
}

/// `MetaBase_0000000062_0000000000.xml` (any letter case; IIS pads both numbers to ten digits)
/// -> (62, 0).
pub fn version_of(name: &str) -> Option<(u64, u64)> {
    let lower = name.to_ascii_lowercase();
    let rest = lower.strip_prefix("metabase_")?.strip_suffix(".xml")?;
    let (major, minor) = rest.split_once('_')?;
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    Some((number(major)?, number(minor)?))
}

/// The history files of a folder in version order (major, then minor). MBSchema_*.xml and anything
/// else is not a metabase version and is left out.
pub fn list(folder: &Path) -> std::io::Result<Vec<HistoryFile>> {
    let mut files: Vec<HistoryFile> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let (major, minor) = version_of(&name)?;
            Some(HistoryFile {
                path: e.path(),
                name,
                major,
                minor,
            })
        })
        .collect();
    files.sort_by(|a, b| (a.major, a.minor, &a.name).cmp(&(b.major, b.minor, &b.name)));
    Ok(files)
}

/// A finding as it is recognised across versions: the baseline's identity without the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FindingKey {
    pub code: String,
    pub location: String,
    pub attribute: String,
    pub cause: String,
}

impl From<Identity> for FindingKey {
    fn from(id: Identity) -> Self {
        FindingKey {
            code: id.code,
            location: id.location,
            attribute: id.attribute,
            cause: id.cause,
        }
    }
}

fn keys_of(text: &str, diagnostics: &[Diagnostic]) -> Vec<FindingKey> {
    diagnostics
        .iter()
        .flat_map(|d| d.places().map(move |p| place_identity("", text, d, &p).into()))
        .collect()
}

/// One version: a history file, or the current MetaBase.xml (last).
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    /// The file name (`MetaBase_0000000062_0000000000.xml`, or the current file's).
    pub name: String,
    /// The path as shown.
    pub path: String,
    /// `null` for the current file.
    pub major: Option<u64>,
    pub minor: Option<u64>,
    pub current: bool,
    /// Why the file was skipped (unreadable, not decodable, truncated or malformed); `null` when it
    /// was read.
    pub error: Option<String>,
    /// The index in `versions` of the readable version this one is compared with.
    pub previous: Option<usize>,
    /// The same text as `previous` but for ChangeNumber and HistoryMajorVersionNumber: not linted
    /// again.
    pub unchanged: bool,
    /// Findings in this version, one per cause as `check` counts them (`null` when skipped).
    pub findings: Option<usize>,
    /// The places of those findings (a cause named on many sites has many).
    pub places: Option<usize>,
    /// Findings (by identity) that appeared in this version.
    pub introduced: Vec<FindingKey>,
    /// Findings that were in `previous` and are not in this version.
    pub removed: Vec<FindingKey>,
    /// The keys that differ from `previous` (`null` for the oldest readable version and skipped ones).
    pub changes: Option<KeyDiff>,
}

/// One place of a current finding and the version it appeared in.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceHistory {
    pub finding: FindingKey,
    /// Index in `versions`; `null`: in every version since the oldest one read.
    pub introduced_in: Option<usize>,
}

/// A finding of the current file and the change that introduced it.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentFinding {
    /// Index into the current file's findings (`check.diagnostics` in JSON).
    pub diagnostic: usize,
    pub code: &'static str,
    pub message: String,
    /// The earliest version any of its places appeared in (and stayed since); `null`: it is in
    /// every version since the oldest one read, so the history does not hold the change.
    pub introduced_in: Option<usize>,
    pub places: Vec<PlaceHistory>,
}

/// A finding that appeared and went again.
#[derive(Debug, Clone, Serialize)]
pub struct Episode {
    pub finding: FindingKey,
    /// Index in `versions`; `null`: already in the oldest version read.
    pub appeared_in: Option<usize>,
    /// The first version without it.
    pub gone_in: usize,
}

/// What `mblint history` found: every version in order with the findings it introduced and removed,
/// each current finding with its introducing version, and the findings that came and went.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub schema_version: u32,
    /// The History folder as shown.
    pub folder: String,
    /// Oldest first; the current file last.
    pub versions: Vec<Version>,
    /// Index in `versions` of the current file.
    pub current: usize,
    /// The current file is the newest readable history file (no MetaBase.xml was given or found).
    pub current_from_history: bool,
    pub findings: Vec<CurrentFinding>,
    pub gone: Vec<Episode>,
}

impl History {
    /// The history files that could not be read, with why.
    pub fn skipped(&self) -> impl Iterator<Item = &Version> {
        self.versions.iter().filter(|v| v.error.is_some())
    }
}

/// The outcome: the history and the current file's report (as `check` would give it).
pub struct HistoryRun {
    pub history: History,
    pub current: FileReport,
}

/// Reads, decodes and parses a history file; any failure is a reason to skip it. A history file is
/// in the drive copy or the History folder: opened without following a link.
fn load(path: &Path, name: &str) -> Result<Metabase, String> {
    let kind = fsys::entry_kind(path).map_err(|e| format!("cannot read: {e}"))?;
    match kind {
        EntryKind::File { .. } => {}
        EntryKind::Symlink => return Err("a symbolic link: not followed".into()),
        EntryKind::Dir => return Err("a folder".into()),
        EntryKind::Special(what) => return Err(format!("{what}: not opened")),
    }
    let file = fsys::open_regular(path).map_err(|e| format!("cannot read: {e}"))?;
    let bytes = fsys::read_capped(file, crate::metabase::source::MAX_FILE_SIZE as u64)
        .map_err(|e| format!("cannot read: {e}"))?
        .ok_or_else(|| "larger than mblint reads (4 GiB)".to_string())?;
    let source = SourceFile::decode(name, bytes).map_err(|e| format!("not decodable: {}", e.message))?;
    parse(source).map_err(|failure| {
        let (line, col) = failure.source.line_col(failure.error.span.start as usize);
        format!(
            "truncated or malformed at line {line}, column {col}: {}",
            failure.error.message
        )
    })
}

/// What a worker is given: a version to read and parse (and hash its keys), or to lint.
enum Job {
    Load { at: usize, path: PathBuf, name: String },
    LoadCurrent { at: usize, name: String, bytes: Vec<u8> },
    Lint { at: usize, mb: Arc<Metabase> },
    LintCurrent { at: usize, name: String, bytes: Vec<u8> },
}

/// A loaded version: parsed and its keys hashed, or why it was skipped (empty for a current file
/// that does not parse: its MB001 says why).
type Loaded = Result<(Arc<Metabase>, KeyTable), String>;

enum Done {
    Loaded {
        at: usize,
        loaded: Loaded,
    },
    History {
        at: usize,
        keys: Vec<FindingKey>,
        causes: usize,
    },
    Current {
        at: usize,
        report: Box<FileReport>,
    },
}

fn work(job: Job, options: &Options) -> Done {
    let table = |mb: Metabase| {
        let table = KeyTable::of(&mb);
        (Arc::new(mb), table)
    };
    match job {
        Job::Load { at, path, name } => Done::Loaded {
            at,
            loaded: load(&path, &name).map(table),
        },
        Job::LoadCurrent { at, name, bytes } => Done::Loaded {
            at,
            loaded: SourceFile::decode(name, bytes)
                .ok()
                .and_then(|s| parse(s).ok())
                .map(table)
                .ok_or_else(String::new),
        },
        Job::Lint { at, mb } => {
            let linted = lint_metabase(&mb, options);
            Done::History {
                at,
                keys: keys_of(mb.text(), &linted.diagnostics),
                causes: linted.diagnostics.len(),
            }
        }
        Job::LintCurrent { at, name, bytes } => Done::Current {
            at,
            report: Box::new(lint_bytes_with(&name, bytes, options)),
        },
    }
}

/// How many versions are linted at once: one per core, at most four (each holds a version in
/// memory), or `MBLINT_THREADS`.
fn workers() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    std::env::var("MBLINT_THREADS")
        .ok()
        .and_then(|n| n.trim().parse::<usize>().ok())
        .map_or(cores, |n| n.clamp(1, 64))
}

/// Lints the history of `layout` with `options` (a drive copy's folder already in
/// `options.drive_copy`). The current file must read (else the error, exit 2 as for `check`);
/// history files that do not are skipped and listed.
pub fn run(layout: &Layout, options: &Options) -> Result<HistoryRun, InputError> {
    let files = list(&layout.folder).map_err(|source| InputError::Read {
        path: layout.folder.display().to_string(),
        source,
    })?;
    let mut versions: Vec<Version> = Vec::new();
    let version = |name: String, path: String, major, minor, current| Version {
        name,
        path,
        major,
        minor,
        current,
        error: None,
        previous: None,
        unchanged: false,
        findings: None,
        places: None,
        introduced: Vec::new(),
        removed: Vec::new(),
        changes: None,
    };
    for f in &files {
        versions.push(version(
            f.name.clone(),
            f.path.display().to_string(),
            Some(f.major),
            Some(f.minor),
            false,
        ));
    }
    // The current file: read first, so that an unreadable one stops everything (exit 2).
    let (current_path, current_from_history) = match &layout.current {
        Some(p) => (p.clone(), false),
        None => {
            // The newest history file that parses stands for the current file.
            let at = files
                .iter()
                .rposition(|f| load(&f.path, &f.name).is_ok())
                .ok_or_else(|| InputError::Read {
                    path: layout.folder.display().to_string(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "no MetaBase.xml beside the History folder, and no history file that reads",
                    ),
                })?;
            versions.remove(at);
            (files[at].path.clone(), true)
        }
    };
    let history_paths: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.path != current_path || !current_from_history)
        .map(|f| f.path.clone())
        .collect();
    let current_bytes = read_metabase(&current_path)?;
    let current_shown = current_path.display().to_string();
    let current_name = current_path
        .file_name()
        .map_or_else(|| current_shown.clone(), |n| n.to_string_lossy().into_owned());
    let mut current_version = version(current_name, current_shown.clone(), None, None, true);
    if current_from_history && let Some((major, minor)) = version_of(&current_version.name) {
        current_version.major = Some(major);
        current_version.minor = Some(minor);
    }
    versions.push(current_version);
    let current_at = versions.len() - 1;

    let mut keys: Vec<Option<Vec<FindingKey>>> = vec![None; versions.len()];
    let mut causes: Vec<usize> = vec![0; versions.len()];
    let mut current_report: Option<FileReport> = None;
    // A version the same as the next (but for bookkeeping) takes the next one's findings.
    let mut same_as_next: Vec<usize> = Vec::new();
    let mut takes_from: HashMap<usize, usize> = HashMap::new();

    // Workers read, parse and lint; this thread takes the loaded versions in order, compares each
    // with the one before it and decides which to lint. At most `cap` versions are held at once.
    let workers = workers();
    let cap = 2 * workers + 1;
    let count = versions.len();
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        for _ in 0..workers {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    let job = job_rx.lock().expect("no worker panics holding it").recv();
                    let Ok(job) = job else { break };
                    if done_tx.send(work(job, options)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // A send fails only when every worker has panicked, which the scope then reports.
        let names: Vec<String> = versions.iter().map(|v| v.name.clone()).collect();
        let load_job = |at: usize| {
            if at == current_at {
                Job::LoadCurrent {
                    at,
                    name: current_shown.clone(),
                    bytes: current_bytes.clone(),
                }
            } else {
                Job::Load {
                    at,
                    path: history_paths[at].clone(),
                    name: names[at].clone(),
                }
            }
        };
        let (mut next_load, mut held, mut next_order) = (0, 0, 0);
        let mut ready: BTreeMap<usize, Loaded> = BTreeMap::new();
        let mut lints = 0;
        while next_load < count && held < cap {
            let _ = job_tx.send(load_job(next_load));
            next_load += 1;
            held += 1;
        }
        let mut previous: Option<(usize, Arc<Metabase>, KeyTable)> = None;
        while next_order < count || lints > 0 {
            let Ok(done) = done_rx.recv() else { break };
            match done {
                Done::Loaded { at, loaded } => {
                    ready.insert(at, loaded);
                }
                Done::History { at, keys: k, causes: n } => {
                    keys[at] = Some(k);
                    causes[at] = n;
                    lints -= 1;
                    held -= 1;
                }
                Done::Current { at, report } => {
                    keys[at] = Some(keys_of(&report.source.text, &report.diagnostics));
                    causes[at] = report.diagnostics.len();
                    current_report = Some(*report);
                    lints -= 1;
                }
            }
            while let Some(loaded) = ready.remove(&next_order) {
                let at = next_order;
                next_order += 1;
                let mut lint = |p: usize, pmb: Arc<Metabase>, same_as_next: &mut Vec<usize>| {
                    for q in same_as_next.drain(..) {
                        takes_from.insert(q, p);
                    }
                    let _ = job_tx.send(Job::Lint { at: p, mb: pmb });
                    lints += 1;
                };
                match loaded {
                    Err(error) => {
                        held -= 1;
                        if at == current_at {
                            // Not parsed: MB001 in its report; no comparison.
                            if let Some((p, pmb, _)) = previous.take() {
                                lint(p, pmb, &mut same_as_next);
                            }
                        } else {
                            versions[at].error = Some(error);
                        }
                    }
                    Ok((mb, table)) => {
                        if let Some((p, pmb, ptable)) = previous.take() {
                            versions[at].previous = Some(p);
                            if ptable.same_document(pmb.text(), &table, mb.text()) {
                                versions[at].unchanged = true;
                                versions[at].changes = Some(KeyDiff::default());
                                same_as_next.push(p);
                                held -= 1;
                            } else {
                                versions[at].changes = Some(KeyDiff::between(&pmb, &ptable, &mb, &table));
                                lint(p, pmb, &mut same_as_next);
                            }
                        }
                        previous = Some((at, mb, table));
                    }
                }
                if at == current_at {
                    // The current file is always linted whole, as `check` lints it; versions the
                    // same as it take its findings.
                    if previous.take().is_some() {
                        held -= 1;
                    }
                    for q in same_as_next.drain(..) {
                        takes_from.insert(q, current_at);
                    }
                    let _ = job_tx.send(Job::LintCurrent {
                        at: current_at,
                        name: current_shown.clone(),
                        bytes: current_bytes.clone(),
                    });
                    lints += 1;
                }
            }
            // After every message: a finished lint frees room as a processed version does.
            while next_load < count && held < cap {
                let _ = job_tx.send(load_job(next_load));
                next_load += 1;
                held += 1;
            }
        }
        drop(job_tx);
    });
    for (&at, &from) in &takes_from {
        keys[at] = keys[from].clone();
        causes[at] = causes[from];
    }
    for (v, n) in versions.iter_mut().zip(&causes) {
        v.findings = v.error.is_none().then_some(*n);
    }
    let current = current_report.expect("the current file is always linted");
    let history = timeline(layout, versions, keys, current_at, current_from_history, &current);
    Ok(HistoryRun { history, current })
}

/// Per finding identity, the readable versions it is in; from that, what each version introduced
/// and removed, each current finding's introducing version and the episodes that ended.
fn timeline(
    layout: &Layout,
    mut versions: Vec<Version>,
    keys: Vec<Option<Vec<FindingKey>>>,
    current_at: usize,
    current_from_history: bool,
    current: &FileReport,
) -> History {
    let readable: Vec<usize> = (0..versions.len()).filter(|&i| keys[i].is_some()).collect();
    let mut presence: BTreeMap<FindingKey, Vec<bool>> = BTreeMap::new();
    for (r, &v) in readable.iter().enumerate() {
        let k = keys[v].as_ref().expect("readable");
        versions[v].places = Some(k.len());
        for key in k {
            presence
                .entry(key.clone())
                .or_insert_with(|| vec![false; readable.len()])[r] = true;
        }
    }
    // The version a readable index stands for; `None` for the oldest (appeared before history).
    let at = |r: usize| (r > 0).then(|| readable[r]);
    let mut gone = Vec::new();
    let mut introduced_at: HashMap<&FindingKey, Option<usize>> = HashMap::new();
    for (key, present) in &presence {
        let mut r = 0;
        while r < present.len() {
            if !present[r] {
                r += 1;
                continue;
            }
            let start = r;
            while r < present.len() && present[r] {
                r += 1;
            }
            if let Some(v) = at(start) {
                versions[v].introduced.push(key.clone());
            }
            if r < present.len() {
                versions[readable[r]].removed.push(key.clone());
                gone.push(Episode {
                    finding: key.clone(),
                    appeared_in: at(start),
                    gone_in: readable[r],
                });
            } else {
                introduced_at.insert(key, at(start));
            }
        }
    }
    let text = &current.source.text;
    let findings = current
        .diagnostics
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let places: Vec<PlaceHistory> = d
                .places()
                .map(|p| {
                    let finding: FindingKey = place_identity("", text, d, &p).into();
                    let introduced_in = introduced_at.get(&finding).copied().flatten();
                    PlaceHistory { finding, introduced_in }
                })
                .collect();
            // The earliest: a place since the oldest version read makes the finding that old.
            let introduced_in = if places.iter().any(|p| p.introduced_in.is_none()) {
                None
            } else {
                places.iter().filter_map(|p| p.introduced_in).min()
            };
            CurrentFinding {
                diagnostic: i,
                code: d.code,
                message: d.headline().into_owned(),
                introduced_in,
                places,
            }
        })
        .collect();
    gone.sort_by(|a, b| (a.gone_in, &a.finding).cmp(&(b.gone_in, &b.finding)));
    History {
        schema_version: SCHEMA_VERSION,
        folder: layout.folder.display().to_string(),
        versions,
        current: current_at,
        current_from_history,
        findings,
        gone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_file_names() {
        assert_eq!(version_of("MetaBase_0000000062_0000000001.xml"), Some((62, 1)));
        assert_eq!(version_of("metabase_7_0.XML"), Some((7, 0)));
        assert_eq!(version_of("MBSchema_0000000062_0000000000.xml"), None);
        assert_eq!(version_of("MetaBase_00000000062_0000000000.xml"), None);
        assert_eq!(version_of("MetaBase_62.xml"), None);
        assert_eq!(version_of("MetaBase__0.xml"), None);
        assert_eq!(version_of("MetaBase_x_0.xml"), None);
    }

    #[test]
    fn versions_sort_by_number_not_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "MetaBase_10_0.xml",
            "MetaBase_0000000009_0000000002.xml",
            "MetaBase_0000000009_0000000000.xml",
            "MBSchema_0000000009_0000000000.xml",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let names: Vec<String> = list(dir.path()).unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "MetaBase_0000000009_0000000000.xml",
                "MetaBase_0000000009_0000000002.xml",
                "MetaBase_10_0.xml"
            ]
        );
    }
}
