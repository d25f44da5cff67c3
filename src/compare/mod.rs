//! `mblint compare`: the nodes of a farm or cluster, each linted as `check` lints it, then compared
//! on what decides whether DLLs load: platform, isolation mode and worker bitness; the ISAPI set
//! after path resolution (filters, script and wildcard maps, compression DLLs, extensions called by
//! URL, FilterLoadOrder); the image each configured DLL is on each node (machine, format, present,
//! hash, version resource); and what the restriction list and ApplicationDependencies allow.
//!
//! Expected per-node differences are never compared: nothing here reads encrypted values
//! (AdminACL, passwords, SessionKey), account names (`IUSR_`/`IWAM_<machine>`), ChangeNumber, history
//! numbers, schema timestamps, FilterState, ServerBindings or content paths (see rules/MB601.md).
//!
//! Each difference is a finding of an MB6xx rule ([`crate::rules::drift`]) in the file of the node
//! that differs from the others (the largest group of nodes that agree is the reference; a tie goes
//! to the node named first), with related places in the other nodes' files. [`Comparison`] is the
//! per-node model and the node-by-DLL matrix the findings rest on, for reports that draw it.

pub mod image;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::bitness::Bitness;
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::host::{IsolationMode, Source};
use crate::lint::{self, DriveSummary, FileReport, InputFailure, Linted, Options};
use crate::metabase::isapi::{APP_POOLS, IsapiRef, Role, WorkerBitness};
use crate::metabase::server::ServerConfig;
use crate::metabase::values::restriction_key;
use crate::metabase::{AttrId, KeyId, Metabase, SourceFile, Span, parse, props};
use crate::resolve::images::Images;
use crate::resolve::pe::{ImageInfo, Machine, PeFormat};
use crate::resolve::resolver::{Found, Resolution, Resolver};
use crate::rules::Rule;
use crate::rules::drift::{
    FILTER_ORDER_DRIFT, IMAGE_DRIFT, IMAGE_VERSION_DRIFT, ISAPI_SET_DRIFT, ISOLATION_DRIFT, LOCKDOWN_DRIFT,
    PLATFORM_DRIFT, WORKER_BITNESS_DRIFT,
};
use crate::winpath::WinPath;

pub use image::{Content, VersionInfo};

/// One node to compare: its name, the path given (a drive copy or a MetaBase.xml), and the options
/// it is linted with (its drives, settings and declared platform).
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub name: String,
    pub path: PathBuf,
    pub options: Options,
}

/// A node argument: `NAME=PATH`, or `PATH` alone (named by [`default_name`]). A `NAME` is letters,
/// digits, `.`, `_` and `-`; anything else before an `=` is part of the path.
pub fn parse_node(arg: &str) -> (Option<String>, PathBuf) {
    if let Some((name, path)) = arg.split_once('=')
        && valid_name(name)
        && !path.is_empty()
    {
        return (Some(name.to_string()), PathBuf::from(path));
    }
    (None, PathBuf::from(arg))
}

/// Whether a text can name a node.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The name a node gets from its path: a drive copy's folder name (`web1`), or for a MetaBase.xml
/// the path as given. Names that would repeat are replaced by the paths as given.
pub fn default_names(paths: &[PathBuf]) -> Vec<String> {
    let short: Vec<String> = paths
        .iter()
        .map(|p| {
            let is_file = p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(".xml"));
            match p.file_name() {
                Some(n) if !is_file => n.to_string_lossy().into_owned(),
                _ => p.display().to_string(),
            }
        })
        .collect();
    short
        .iter()
        .zip(paths)
        .map(|(s, p)| {
            if short.iter().filter(|o| *o == s).count() > 1 {
                p.display().to_string()
            } else {
                s.clone()
            }
        })
        .collect()
}

/// What comparing nodes gives: a report per node that was read (its lint findings, then its drift
/// findings), the inputs that could not be compared, and the model the findings rest on.
#[derive(Debug)]
pub struct Outcome {
    pub reports: Vec<FileReport>,
    pub failures: Vec<InputFailure>,
    pub comparison: Comparison,
}

/// The per-node model and the node-by-DLL matrix: what decides on each node whether DLLs load.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The nodes compared, in the order given.
    pub nodes: Vec<NodeModel>,
    /// Every configured ISAPI DLL of any node, one row each, in first-seen order.
    pub dlls: Vec<DllRow>,
    /// Nodes that could not be compared (each is also an input failure, exit 2).
    pub not_compared: Vec<String>,
}

/// One node: where it was read from and what decides how its DLLs load.
#[derive(Debug, Clone, Serialize)]
pub struct NodeModel {
    pub name: String,
    /// The metabase file, as the reports name it.
    pub metabase: String,
    pub drives: Vec<DriveSummary>,
    /// `x86`, `x64`, `ia64`, or what the evidence leaves open (`unknown`, `win64`).
    pub platform: String,
    pub platform_source: Source,
    pub isolation: IsolationMode,
    /// `null` when it depends on a platform nothing tells.
    pub worker_bitness: Option<Bitness>,
    pub worker_processes: Vec<&'static str>,
    /// What decides the worker bitness, in words.
    pub worker_reason: String,
    /// `%windir%` as decided.
    pub windir: String,
    /// How many findings `check` gives this node (drift findings not counted).
    pub lint_findings: usize,
}

/// One configured DLL across the nodes.
#[derive(Debug, Clone, Serialize)]
pub struct DllRow {
    /// The path as the first node that names it writes it.
    pub path: String,
    /// What identifies it across nodes: case folded, `/` as `\`, the node's Windows folder and
    /// `%SystemRoot%` as `%windir%`.
    pub key: String,
    /// Its roles on any node.
    pub roles: Vec<Role>,
    /// Whether a drift finding (MB604, MB606, MB607) is about it.
    pub differs: bool,
    /// Per node, in [`Comparison::nodes`] order: `null` where the node does not configure it.
    pub cells: Vec<Option<DllCell>>,
}

/// One DLL on one node.
#[derive(Debug, Clone, Serialize)]
pub struct DllCell {
    /// The path as this node writes it.
    pub configured: String,
    pub roles: Vec<Role>,
    /// How many places name it.
    pub places: usize,
    /// The first place: 1-based line, Location and property.
    pub line: usize,
    pub location: String,
    pub attribute: String,
    pub image: ImageState,
}

/// What the node's drive holds at a DLL's path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ImageState {
    /// No drive is mapped for the node: judged by path alone.
    NotRead,
    /// The path names nothing mblint can look for (UNC, relative, unmapped drive, variable).
    Unresolvable {
        why: String,
    },
    /// Nothing at the path the worker opens.
    Missing {
        opened_as: String,
        missing: String,
    },
    /// Not read, for safety or because it cannot be (a link out of the drive, a device).
    Refused {
        opened_as: String,
        reason: String,
    },
    /// A file that is not a loadable PE image.
    Invalid {
        opened_as: String,
        file: String,
        error: String,
    },
    Image(Box<ImageFacts>),
}

/// A PE image read from a node's drive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageFacts {
    /// The Windows path the worker opens (after WOW64 redirection).
    pub opened_as: String,
    pub redirected: bool,
    /// Where mblint read it.
    pub file: String,
    /// `PE32 i386 DLL`.
    pub image: String,
    pub machine: Machine,
    pub format: PeFormat,
    pub is_dll: bool,
    /// A managed IL-only assembly (no native code).
    pub il_only: bool,
    /// The bitness of the process on this node's platform that it is built for, if any.
    pub bitness: Option<Bitness>,
    /// Whether this node's worker loads it (right bitness, a DLL, the entry points of each role);
    /// `null` when the worker bitness depends on a platform nothing tells.
    pub loads: Option<bool>,
    /// Size, SHA-256 and version resource; `null` when the file could not be read again.
    pub content: Option<Content>,
}

// ---------------------------------------------------------------------------------------------
// Loading the nodes.
// ---------------------------------------------------------------------------------------------

/// A node that parsed, with everything the comparison reads.
struct Node {
    name: String,
    file: Arc<str>,
    /// The metabase's canonical path: two nodes must not read one file.
    canonical: Option<PathBuf>,
    mb: Metabase,
    linted: Linted,
    server: ServerConfig,
    /// The worker of the first platform the model leaves open (the one when it is known).
    worker: WorkerBitness,
    /// The worker bitness every open platform agrees on.
    bitness: Option<Bitness>,
    images: Option<Images>,
    /// The resolver the images were read with, to read them again as another process would.
    resolver: Option<std::cell::RefCell<Resolver>>,
    settings: Settings,
    /// Per ISAPI entry, index for index, the key of its DLL.
    entry_keys: Vec<Arc<str>>,
    /// Per DLL key, its first entry: one lookup, however many entries there are.
    first_entry: HashMap<Arc<str>, usize>,
}

impl Node {
    /// The first entry naming the DLL with this key.
    fn first(&self, key: &str) -> Option<usize> {
        self.first_entry.get(key).copied()
    }
}

/// Compares the nodes. Each node is read and linted as `check` would; a node that cannot be read,
/// or does not parse, is an input failure and is not compared.
pub fn compare(specs: &[NodeSpec]) -> Outcome {
    let mut failures = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut unparsed: Vec<(usize, FileReport)> = Vec::new();
    let mut not_compared = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        match load(spec) {
            Ok(Loaded::Parsed(node)) => {
                let same = |n: &Node| n.file == node.file || (n.canonical.is_some() && n.canonical == node.canonical);
                if let Some(other) = nodes.iter().find(|n| same(n)) {
                    failures.push(InputFailure {
                        path: spec.path.display().to_string(),
                        error: format!(
                            "node {} reads the same metabase as node {} ({}): give each node its own copy",
                            spec.name, other.name, node.file
                        ),
                    });
                    not_compared.push(spec.name.clone());
                    continue;
                }
                nodes.push(*node)
            }
            Ok(Loaded::Unparsed(report)) => {
                failures.push(InputFailure {
                    path: report.source.name.clone(),
                    error: format!(
                        "node {} does not parse as a metabase (see its MB001 finding): it is not compared",
                        spec.name
                    ),
                });
                not_compared.push(spec.name.clone());
                unparsed.push((index, *report));
            }
            Err(error) => {
                failures.push(InputFailure {
                    path: spec.path.display().to_string(),
                    error: format!("node {}: {error}", spec.name),
                });
                not_compared.push(spec.name.clone());
            }
        }
    }
    let (mut drift, dlls) = if nodes.len() >= 2 {
        diff(&nodes)
    } else {
        (vec![Vec::new(); nodes.len()], matrix(&nodes, &mut Vec::new()))
    };
    let models: Vec<NodeModel> = nodes.iter().map(node_model).collect();
    let mut reports: Vec<FileReport> = Vec::new();
    for (node, found) in nodes.into_iter().zip(drift.iter_mut()) {
        let mut found = std::mem::take(found);
        found.retain(|d| node.settings.enabled(d.code));
        node.settings.apply(&mut found);
        found.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
        let found = crate::diagnostic::group(found);
        reports.push(into_report(node, found));
    }
    // Unparsed nodes' reports (their MB001) stay in the order the nodes were given.
    for (index, report) in unparsed {
        let at = specs[..index]
            .iter()
            .filter(|s| reports.iter().any(|r| r.source.name == metabase_name(s)))
            .count()
            .min(reports.len());
        reports.insert(at, report);
    }
    Outcome {
        reports,
        failures,
        comparison: Comparison {
            nodes: models,
            dlls,
            not_compared,
        },
    }
}

/// The name a node's metabase gets in reports, as far as it can be known without reading it.
fn metabase_name(spec: &NodeSpec) -> String {
    lint::input(&spec.path)
        .map(|i| i.metabase.display().to_string())
        .unwrap_or_default()
}

enum Loaded {
    Parsed(Box<Node>),
    Unparsed(Box<FileReport>),
}

fn load(spec: &NodeSpec) -> Result<Loaded, lint::InputError> {
    let input = lint::input(&spec.path)?;
    let options = lint::effective_options(&input, &spec.options);
    let name = input.metabase.display().to_string();
    let bytes = lint::read_metabase(&input.metabase)?;
    let parsed = SourceFile::decode(name.as_str(), bytes)
        .ok()
        .and_then(|source| parse(source).ok());
    let Some(mb) = parsed else {
        // A file that does not decode or parse is linted as `check` lints it, for its MB001 (read
        // again: this path is rare, and the first read's bytes went to the decoder).
        let bytes = lint::read_metabase(&input.metabase)?;
        return Ok(Loaded::Unparsed(Box::new(lint::lint_bytes_with(
            &name, bytes, &options,
        ))));
    };
    let linted = lint::lint_metabase(&mb, &options);
    let server = ServerConfig::of(&mb);
    let worker = linted.workers[0];
    let bitness = linted
        .workers
        .iter()
        .all(|w| w.bitness == worker.bitness)
        .then_some(worker.bitness);
    let mut resolver = (!linted.drives.is_empty()).then(|| {
        let mut resolver = Resolver::new(linted.drives.clone());
        resolver.set_windir(linted.model.windir.value.clone());
        resolver
    });
    let images = resolver
        .as_mut()
        .map(|r| Images::of(&linted.isapi, worker.process(), r));
    let windir = linted.model.windir.value.clone();
    let entry_keys = keys_of(&linted.isapi.entries, &windir);
    let mut first_entry = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for (i, key) in entry_keys.iter().enumerate() {
        if seen.insert(key.as_ptr()) {
            first_entry.entry(key.clone()).or_insert(i);
        }
    }
    Ok(Loaded::Parsed(Box::new(Node {
        name: spec.name.clone(),
        canonical: crate::resolve::fsys::canonical(&input.metabase).ok(),
        file: Arc::from(name),
        mb,
        linted,
        server,
        worker,
        bitness,
        images,
        resolver: resolver.map(std::cell::RefCell::new),
        settings: options.settings.clone(),
        entry_keys,
        first_entry,
    })))
}

/// The DLL key of every entry, computed once per distinct path (entries that name one text share
/// it, so the path's address identifies it).
fn keys_of(entries: &[IsapiRef], windir: &WinPath) -> Vec<Arc<str>> {
    let mut by_path: HashMap<*const u8, Arc<str>> = HashMap::new();
    entries
        .iter()
        .map(|e| {
            by_path
                .entry(e.path.as_ptr())
                .or_insert_with(|| Arc::from(dll_key(&e.path, windir)))
                .clone()
        })
        .collect()
}

/// What identifies a DLL path across nodes: case folded as NTFS folds it, `/` as `\`, repeated
/// `\` as one, and the node's Windows folder, `%SystemRoot%` and `%windir%` as `%windir%`, so that
/// a node with Windows in `C:\WINNT` and one in `C:\WINDOWS` name one DLL alike.
pub fn dll_key(path: &str, windir: &WinPath) -> String {
    let mut p = crate::resolve::upcase::upcase(path.trim().trim_matches('"')).replace('/', "\\");
    while p.contains("\\\\") && !p.starts_with("\\\\") {
        p = p.replacen("\\\\", "\\", 1);
    }
    for var in ["%SYSTEMROOT%", "%WINDIR%"] {
        if let Some(rest) = p.strip_prefix(var) {
            p = format!("%windir%{rest}");
        }
    }
    let windir = crate::resolve::upcase::upcase(&windir.to_string());
    if let Some(rest) = p.strip_prefix(&windir)
        && (rest.is_empty() || rest.starts_with('\\'))
    {
        p = format!("%windir%{rest}");
    }
    p
}

fn into_report(node: Node, drift: Vec<Diagnostic>) -> FileReport {
    let Node { mb, linted, .. } = node;
    let worker = lint::worker_summary(&mb, &linted);
    let edit_while_running = mb
        .effective_at("/LM", props::ENABLE_EDIT_WHILE_RUNNING)
        .and_then(|(_, attr)| props::parse_bool(&mb.attr_value(attr)));
    let Linted {
        mut diagnostics,
        isapi,
        model,
        drives,
        dll_map,
        unread,
        ..
    } = linted;
    diagnostics.extend(drift);
    FileReport {
        dll_map,
        unread,
        drives: lint::drive_summaries(&drives),
        edit_while_running,
        worker: Some(worker),
        isapi_count: isapi.entries.len(),
        diagnostics,
        server: Some(model),
        source: mb.source,
    }
}

fn node_model(node: &Node) -> NodeModel {
    let worker = lint::worker_summary(&node.mb, &node.linted);
    let model = &node.linted.model;
    NodeModel {
        name: node.name.clone(),
        metabase: node.file.to_string(),
        drives: lint::drive_summaries(&node.linted.drives),
        platform: model.platform.value.key(),
        platform_source: model.platform.source,
        isolation: model.isolation.value,
        worker_bitness: worker.bitness,
        worker_processes: worker.processes,
        worker_reason: worker.reason,
        windir: model.windir.value.to_string(),
        lint_findings: node.linted.diagnostics.len(),
    }
}

// ---------------------------------------------------------------------------------------------
// The matrix.
// ---------------------------------------------------------------------------------------------

/// The node-by-DLL matrix. `contents` caches each file's content facts across rows.
fn matrix(nodes: &[Node], contents: &mut Vec<HashMap<PathBuf, Option<Content>>>) -> Vec<DllRow> {
    contents.resize_with(nodes.len(), HashMap::new);
    let mut rows: Vec<DllRow> = Vec::new();
    let mut row_of: HashMap<Arc<str>, usize> = HashMap::new();
    // The image read for each cell, for `loads`.
    let mut infos: HashMap<(usize, usize), &ImageInfo> = HashMap::new();
    for (n, node) in nodes.iter().enumerate() {
        // Entries share their key's text: its address finds the row without hashing the text.
        let mut row_by_key: HashMap<*const u8, usize> = HashMap::new();
        for (i, entry) in node.linted.isapi.entries.iter().enumerate() {
            let key = &node.entry_keys[i];
            let r = match row_by_key.get(&key.as_ptr()) {
                Some(&r) => r,
                None => {
                    let r = *row_of.entry(key.clone()).or_insert_with(|| {
                        rows.push(DllRow {
                            path: entry.path.to_string(),
                            key: key.to_string(),
                            roles: Vec::new(),
                            differs: false,
                            cells: vec![None; nodes.len()],
                        });
                        rows.len() - 1
                    });
                    row_by_key.insert(key.as_ptr(), r);
                    r
                }
            };
            let row = &mut rows[r];
            if !row.roles.contains(&entry.role) {
                row.roles.push(entry.role);
            }
            match &mut row.cells[n] {
                Some(cell) => {
                    cell.places += 1;
                    if !cell.roles.contains(&entry.role) {
                        cell.roles.push(entry.role);
                    }
                }
                empty => {
                    let (line, _) = node.mb.source.line_col(entry.span.start as usize);
                    let (image, info) = match &node.images {
                        Some(images) => state_of(node, &images.current[i], &mut contents[n]),
                        None => (ImageState::NotRead, None),
                    };
                    if let Some(info) = info {
                        infos.insert((r, n), info);
                    }
                    *empty = Some(DllCell {
                        configured: entry.path.to_string(),
                        roles: vec![entry.role],
                        places: 1,
                        line,
                        location: node.mb.location(entry.key).into_owned(),
                        attribute: node.mb.attr_name(entry.attr).into_owned(),
                        image,
                    });
                }
            }
        }
    }
    // `loads` needs every role of the DLL on the node.
    for ((r, n), info) in infos {
        if let Some(cell) = &mut rows[r].cells[n]
            && let ImageState::Image(facts) = &mut cell.image
        {
            facts.loads = loads(&nodes[n], info, &cell.roles);
        }
    }
    rows
}

/// What a resolution found, as a cell shows it, and the image read when there is one.
fn state_of<'r>(
    node: &Node,
    resolution: &'r Resolution,
    contents: &mut HashMap<PathBuf, Option<Content>>,
) -> (ImageState, Option<&'r ImageInfo>) {
    let state = match resolution {
        Resolution::Unresolvable(problem) => ImageState::Unresolvable {
            why: problem.describe(),
        },
        Resolution::Resolved {
            effective,
            redirected,
            found,
            ..
        } => {
            let opened_as = effective.to_string();
            match found {
                Found::Missing { missing } => ImageState::Missing {
                    opened_as,
                    missing: missing.clone(),
                },
                Found::Refused { reason, .. } => ImageState::Refused {
                    opened_as,
                    reason: reason.clone(),
                },
                Found::Image { file, image } => match image.as_ref() {
                    Err(error) => ImageState::Invalid {
                        opened_as,
                        file: file.display().to_string(),
                        error: error.to_string(),
                    },
                    Ok(info) => {
                        let content = contents
                            .entry(file.clone())
                            .or_insert_with(|| image::content_of(file).ok())
                            .clone();
                        let facts = facts(node, info, opened_as, *redirected, file, content);
                        return (ImageState::Image(Box::new(facts)), Some(info));
                    }
                },
            }
        }
    };
    (state, None)
}

fn facts(
    node: &Node,
    info: &ImageInfo,
    opened_as: String,
    redirected: bool,
    file: &Path,
    content: Option<Content>,
) -> ImageFacts {
    ImageFacts {
        opened_as,
        redirected,
        file: file.display().to_string(),
        image: info.describe(),
        machine: info.machine,
        format: info.format,
        is_dll: info.is_dll,
        il_only: info.clr.is_some_and(|c| c.il_only),
        bitness: info.bitness_on(node.worker.platform),
        loads: None,
        content,
    }
}

/// Whether the node's worker loads the image in every role it has there: a DLL of the workers'
/// bitness that exports each role's entry points.
fn loads(node: &Node, info: &ImageInfo, roles: &[Role]) -> Option<bool> {
    let bitness = node.bitness?;
    let fits = info.loads_in(crate::platform::Process::new(node.worker.platform, bitness));
    let exports = roles.iter().all(|&role| {
        crate::rules::missing_isapi_exports::required_exports(role)
            .iter()
            .all(|name| info.exports(name))
    });
    Some(fits && exports)
}

// ---------------------------------------------------------------------------------------------
// The comparison.
// ---------------------------------------------------------------------------------------------

/// Where a value stands on a node: a span of its text, with its key and property when there are.
#[derive(Clone, Copy)]
struct Place {
    span: Span,
    key: Option<KeyId>,
    attr: Option<AttrId>,
}

impl Place {
    fn attr(mb: &Metabase, key: KeyId, attr: AttrId) -> Place {
        Place {
            span: mb.attr(attr).value,
            key: Some(key),
            attr: Some(attr),
        }
    }

    /// The Location value of a key: where a value that is absent would be written.
    fn key(mb: &Metabase, key: KeyId) -> Place {
        Place {
            span: mb.key(key).location,
            key: Some(key),
            attr: None,
        }
    }

    /// The nearest key at or above `location`, or the file's start.
    fn near(mb: &Metabase, location: &str) -> Place {
        match mb.nearest_key(&crate::metabase::model::normalise_location(location)) {
            Some(key) => Place::key(mb, key),
            None => Place {
                span: Span::new(0, 0),
                key: None,
                attr: None,
            },
        }
    }

    fn line(&self, mb: &Metabase) -> usize {
        mb.source.line_col(self.span.start as usize).0
    }
}

/// One node's side of a difference: its value and where it stands.
struct Side<V> {
    node: usize,
    value: V,
    place: Place,
}

/// Groups the nodes by value: the reference group (the largest; a tie goes to the node named
/// first) first, then the others in the order their first node was named.
fn groups<V: PartialEq>(sides: &[Side<V>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, side) in sides.iter().enumerate() {
        match groups.iter_mut().find(|g| sides[g[0]].value == side.value) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    let Some(reference) = (0..groups.len()).max_by(|&a, &b| groups[a].len().cmp(&groups[b].len()).then(b.cmp(&a)))
    else {
        return groups;
    };
    let first = groups.remove(reference);
    std::iter::once(first).chain(groups).collect()
}

/// What a difference says, by group: a phrase for a value (`64-bit w3wp.exe`), and the words around.
struct Words<'a, V> {
    rule: &'static Rule,
    /// `worker bitness differs between nodes`
    subject: String,
    phrase: &'a dyn Fn(&V) -> String,
    help: String,
    /// What groups findings of one cause (the same difference at many places of one file).
    cause: Option<String>,
}

/// One finding per group that differs from the reference, in the file of the group's first node,
/// with a related place in every other node's file.
fn report<V: PartialEq>(nodes: &[Node], sides: &[Side<V>], words: &Words<'_, V>, out: &mut [Vec<Diagnostic>]) {
    if sides.len() < 2 {
        return;
    }
    let groups = groups(sides);
    if groups.len() < 2 {
        return;
    }
    let named = |group: &[usize]| -> String {
        group
            .iter()
            .map(|&i| {
                let side = &sides[i];
                let node = &nodes[side.node];
                format!("{} (line {})", node.name, side.place.line(&node.mb))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for g in 1..groups.len() {
        let group = &groups[g];
        let primary = &sides[group[0]];
        let node = &nodes[primary.node];
        let mut others: Vec<String> = vec![format!(
            "{}: {}",
            named(&groups[0]),
            (words.phrase)(&sides[groups[0][0]].value)
        )];
        for (h, other) in groups.iter().enumerate().skip(1) {
            if h != g {
                others.push(format!("{}: {}", named(other), (words.phrase)(&sides[other[0]].value)));
            }
        }
        let message = format!(
            "{}: {}: {}; {}",
            words.subject,
            named(group),
            (words.phrase)(&primary.value),
            others.join("; ")
        );
        let mut d = words
            .rule
            .diagnostic(primary.place.span, message)
            .label(format!("{}: {}", node.name, (words.phrase)(&primary.value)))
            .help(words.help.clone());
        if let Some(key) = primary.place.key {
            d = d.at(&node.mb, key, primary.place.attr);
        }
        if let Some(cause) = &words.cause {
            d = d.cause(cause.as_str());
        }
        for (h, other) in groups.iter().enumerate() {
            for &i in other {
                if h == g && i == group[0] {
                    continue;
                }
                let side = &sides[i];
                let other_node = &nodes[side.node];
                d = d.related_in(
                    other_node.file.clone(),
                    side.place.span,
                    format!("{}: {}", other_node.name, (words.phrase)(&side.value)),
                );
            }
        }
        out[primary.node].push(d);
    }
}

/// Compares the nodes: the findings per node, and the matrix with the rows that differ marked.
fn diff(nodes: &[Node]) -> (Vec<Vec<Diagnostic>>, Vec<DllRow>) {
    let mut out: Vec<Vec<Diagnostic>> = vec![Vec::new(); nodes.len()];
    platform(nodes, &mut out);
    isolation(nodes, &mut out);
    worker_bitness(nodes, &mut out);
    let mut differing: BTreeSet<String> = BTreeSet::new();
    isapi_set(nodes, &mut out, &mut differing);
    filter_order(nodes, &mut out);
    let mut contents = Vec::new();
    let mut rows = matrix(nodes, &mut contents);
    images(nodes, &rows, &mut contents, &mut out, &mut differing);
    lockdown(nodes, &mut out);
    for row in &mut rows {
        row.differs = differing.contains(&row.key);
    }
    (out, rows)
}

/// Where the platform was decided: a metabase clue's span, else `/LM/W3SVC`.
fn platform_place(node: &Node) -> Place {
    let mb = &node.mb;
    let clue = node.linted.model.platform.evidence.iter().find_map(|c| c.span);
    match clue {
        Some(span) => Place {
            span,
            key: None,
            attr: None,
        },
        None => Place::near(mb, "/LM/W3SVC"),
    }
}

fn platform(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    let sides: Vec<Side<crate::platform::Platform>> = nodes
        .iter()
        .enumerate()
        .filter_map(|(n, node)| {
            Some(Side {
                node: n,
                value: node.linted.model.platform.value.single()?,
                place: platform_place(node),
            })
        })
        .collect();
    let phrase = |p: &crate::platform::Platform| p.describe().to_string();
    report(
        nodes,
        &sides,
        &Words {
            rule: &PLATFORM_DRIFT,
            subject: "the nodes run different platforms".into(),
            phrase: &phrase,
            help: "a node of a farm or cluster must run the platform of the others: a 64-bit image fits no process of 32-bit Windows, and a 32-bit filter fails in a 64-bit worker (KB875423); rebuild the node, or keep it out of the farm".into(),
            cause: None,
        },
        out,
    );
}

fn isolation(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    let sides: Vec<Side<IsolationMode>> = nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            let mb = &node.mb;
            let place = match &node.server.iis5_isolation {
                Some(s) => Place::attr(mb, s.key, s.attr),
                None => Place::near(mb, "/LM/W3SVC"),
            };
            Side {
                node: n,
                value: node.linted.model.isolation.value,
                place,
            }
        })
        .collect();
    let phrase = |m: &IsolationMode| m.describe().to_string();
    report(
        nodes,
        &sides,
        &Words {
            rule: &ISOLATION_DRIFT,
            subject: "the nodes run in different isolation modes".into(),
            phrase: &phrase,
            help: "set IIs5IsolationModeEnabled at /LM/W3SVC alike on every node (IIS Manager, Web Sites, Properties, Service), then restart IIS; in IIS 5.0 isolation mode DLLs load into the native inetinfo.exe and dllhost.exe, and Enable32BitAppOnWin64 is ignored".into(),
            cause: None,
        },
        out,
    );
}

fn worker_bitness(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    let sides: Vec<Side<Bitness>> = nodes
        .iter()
        .enumerate()
        .filter_map(|(n, node)| {
            let bitness = node.bitness?;
            let mb = &node.mb;
            let place = match node.worker.setting {
                Some((key, attr)) => Place::attr(mb, key, attr),
                None => Place::near(mb, APP_POOLS),
            };
            Some(Side {
                node: n,
                value: bitness,
                place,
            })
        })
        .collect();
    // The words name the processes and what decides their bitness, as the group's first node says.
    let by_value: Vec<(Bitness, String)> = sides
        .iter()
        .map(|s| {
            let node = &nodes[s.node];
            let process = if node.worker.iis5 {
                "inetinfo.exe and dllhost.exe"
            } else {
                "w3wp.exe"
            };
            (
                s.value,
                format!("{} {process} ({})", s.value, node.worker.describe(&node.mb)),
            )
        })
        .collect();
    let phrase = |v: &Bitness| {
        by_value
            .iter()
            .find(|(b, _)| b == v)
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    };
    report(
        nodes,
        &sides,
        &Words {
            rule: &WORKER_BITNESS_DRIFT,
            subject: "the nodes load ISAPI DLLs in workers of different bitness".into(),
            phrase: &phrase,
            help: "set Enable32BitAppOnWin64 at /LM/W3SVC/AppPools alike on every node (`cscript adsutil.vbs SET W3SVC/AppPools/Enable32BitAppOnWin64 TRUE` or FALSE), then iisreset: a failover to a node of the other bitness fails every DLL built for this one (503 for a filter, 500 for an extension; KB875423, KB894435)".into(),
            cause: None,
        },
        out,
    );
}

/// What kind of place an ISAPI entry has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum SlotKind {
    /// A filter of a filters collection (`/lm/w3svc/filters`, `/lm/w3svc/1/filters`), by name.
    Filter,
    /// A script or wildcard map written on a key, by extension.
    Map,
    /// A compression scheme's DLL, by the scheme's key.
    Compression,
    /// An extension called by URL, by URL.
    Url,
    /// WebDAV's extension: one a server.
    WebDav,
}

/// Where an ISAPI entry belongs, across nodes: borrowed from the nodes' own text, so that a
/// million script-map lines cost no copies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Slot<'a> {
    kind: SlotKind,
    /// The normalised Location of the filters collection, the key with the map, or the scheme.
    scope: &'a str,
    /// The filter's name, the map's extension or the URL, folded.
    name: std::borrow::Cow<'a, str>,
}

/// Lower case without a copy when it already is.
fn folded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_uppercase) {
        std::borrow::Cow::Owned(text.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

impl Slot<'_> {
    /// `global ISAPI filter `fpexedll.dll``, with the Location and name as `entry` writes them.
    fn describe(&self, node: &Node, entry: &IsapiRef) -> String {
        let location = node.mb.location(entry.key);
        match self.kind {
            SlotKind::Filter => {
                let what = if self.scope == "/lm/w3svc/filters" {
                    "global ISAPI filter"
                } else {
                    "site ISAPI filter"
                };
                format!("{what} `{}`", entry.filter_name.as_deref().unwrap_or_default())
            }
            SlotKind::Map => {
                let what = match entry.role {
                    Role::WildcardMap => "the wildcard script map".to_string(),
                    _ => format!(
                        "the script map for `{}`",
                        entry.extension.as_deref().unwrap_or_default()
                    ),
                };
                format!("{what} at {location}")
            }
            SlotKind::Compression => format!("the compression scheme {location}"),
            SlotKind::Url => format!(
                "the ISAPI extension called by URL ({})",
                entry.extension.as_deref().unwrap_or_default()
            ),
            SlotKind::WebDav => "the WebDAV extension (allowed in WebSvcExtRestrictionList)".to_string(),
        }
    }
}

fn slot_of<'a>(node: &'a Node, entry: &'a IsapiRef) -> Slot<'a> {
    let path = &*node.mb.key(entry.key).path;
    let (kind, scope, name) = match entry.role {
        Role::GlobalFilter | Role::SiteFilter => (
            SlotKind::Filter,
            crate::metabase::model::parent_path(path).unwrap_or(path),
            entry.filter_name.as_deref().unwrap_or_default(),
        ),
        Role::ScriptMap | Role::WildcardMap => (SlotKind::Map, path, entry.extension.as_deref().unwrap_or_default()),
        Role::CompressionScheme => (SlotKind::Compression, path, ""),
        Role::DirectUrl => (SlotKind::Url, "", entry.extension.as_deref().unwrap_or_default()),
        Role::WebDav => (SlotKind::WebDav, "", ""),
    };
    Slot {
        kind,
        scope,
        name: folded(name),
    }
}

/// Per node, its entries by slot: the first entry's DLL key and index (IIS uses the first line
/// that maps an extension).
type Slots<'a> = HashMap<Slot<'a>, (Arc<str>, usize)>;

fn slots(node: &Node) -> Slots<'_> {
    let mut out: Slots = HashMap::with_capacity(node.linted.isapi.entries.len());
    for (i, entry) in node.linted.isapi.entries.iter().enumerate() {
        out.entry(slot_of(node, entry))
            .or_insert_with(|| (node.entry_keys[i].clone(), i));
    }
    out
}

/// The value and place of a slot on a node that does not write it: a script map inherited from a
/// key above, or nothing (placed where it would be written).
fn absent<'a>(node: &'a Node, slots: &Slots<'a>, slot: &Slot<'a>) -> (Option<Arc<str>>, Place) {
    let mb = &node.mb;
    match slot.kind {
        SlotKind::Map => {
            if let Some(near) = mb.nearest_key(slot.scope)
                && let Some((key, attr)) = mb.effective(near, props::SCRIPT_MAPS)
            {
                let inherited = Slot {
                    kind: SlotKind::Map,
                    scope: &mb.key(key).path,
                    name: slot.name.clone(),
                };
                if let Some((dll, first)) = slots.get(&inherited) {
                    let entry = &node.linted.isapi.entries[*first];
                    let place = Place {
                        span: entry.span,
                        key: Some(entry.key),
                        attr: Some(entry.attr),
                    };
                    return (Some(dll.clone()), place);
                }
                return (None, Place::attr(mb, key, attr));
            }
            (None, Place::near(mb, slot.scope))
        }
        SlotKind::Filter => {
            let place = match mb.find(slot.scope) {
                Some(key) => match mb.own(key, props::FILTER_LOAD_ORDER) {
                    Some(attr) => Place::attr(mb, key, attr),
                    None => Place::key(mb, key),
                },
                None => Place::near(mb, slot.scope),
            };
            (None, place)
        }
        SlotKind::Compression => (None, Place::near(mb, slot.scope)),
        SlotKind::WebDav => {
            let place = mb
                .find("/LM/W3SVC")
                .and_then(|svc| {
                    mb.own(svc, props::WEB_SVC_EXT_RESTRICTION_LIST)
                        .map(|attr| Place::attr(mb, svc, attr))
                })
                .unwrap_or_else(|| Place::near(mb, "/LM/W3SVC"));
            (None, place)
        }
        SlotKind::Url => {
            let place = mb
                .find("/LM/W3SVC")
                .and_then(|svc| {
                    mb.own(svc, props::IN_PROCESS_ISAPI_APPS)
                        .map(|attr| Place::attr(mb, svc, attr))
                })
                .unwrap_or_else(|| Place::near(mb, "/LM/W3SVC"));
            (None, place)
        }
    }
}

fn isapi_set(nodes: &[Node], out: &mut [Vec<Diagnostic>], differing: &mut BTreeSet<String>) {
    let per_node: Vec<Slots> = nodes.iter().map(slots).collect();
    // Every slot any node writes, once, in the order nodes and entries give them: a slot is new
    // where it is first met, one lookup an entry (looking it up on every earlier node instead made
    // the comparison grow with the square of the nodes).
    let mut met: HashSet<&Slot<'_>> = HashSet::new();
    for (first_node, node) in nodes.iter().enumerate() {
        for (first_entry, entry) in node.linted.isapi.entries.iter().enumerate() {
            let slot = slot_of(node, entry);
            let Some((written, (dll, i))) = per_node[first_node].get_key_value(&slot) else {
                continue;
            };
            if *i != first_entry || !met.insert(written) {
                continue;
            }
            // Most slots agree on every node: tell that with one lookup a node.
            let agree = per_node
                .iter()
                .enumerate()
                .all(|(m, slots)| m == first_node || slots.get(&slot).is_some_and(|(other, _)| other == dll));
            if agree {
                continue;
            }
            slot_drift(nodes, &per_node, &slot, (first_node, first_entry), out, differing);
        }
    }
}

/// MB604 for one slot, if the nodes do not agree on it.
fn slot_drift<'a>(
    nodes: &'a [Node],
    per_node: &[Slots<'a>],
    slot: &Slot<'a>,
    (first_node, first_entry): (usize, usize),
    out: &mut [Vec<Diagnostic>],
    differing: &mut BTreeSet<String>,
) {
    let sides: Vec<Side<Option<Arc<str>>>> = nodes
        .iter()
        .enumerate()
        .map(|(n, node)| match per_node[n].get(slot) {
            Some((dll, first)) => {
                let entry = &node.linted.isapi.entries[*first];
                Side {
                    node: n,
                    value: Some(dll.clone()),
                    place: Place {
                        span: entry.span,
                        key: Some(entry.key),
                        attr: Some(entry.attr),
                    },
                }
            }
            None => {
                let (value, place) = absent(node, &per_node[n], slot);
                Side { node: n, value, place }
            }
        })
        .collect();
    if groups(&sides).len() < 2 {
        return;
    }
    for side in &sides {
        if let Some(key) = &side.value {
            differing.insert(key.to_string());
        }
    }
    // The DLL as each node writes it.
    let shown: Vec<(Option<Arc<str>>, String)> = sides
        .iter()
        .map(|s| {
            let text = match &s.value {
                None if slot.kind == SlotKind::Map => "not mapped".to_string(),
                None => "not registered".to_string(),
                Some(key) => {
                    let node = &nodes[s.node];
                    node.first(key)
                        .map(|i| format!("`{}`", node.linted.isapi.entries[i].path))
                        .unwrap_or_default()
                }
            };
            (s.value.clone(), text)
        })
        .collect();
    let phrase = |v: &Option<Arc<str>>| {
        shown
            .iter()
            .find(|(value, _)| value == v)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    // The same difference at many keys of one file (a map on 50,000 sites) is one cause.
    let cause = (slot.kind == SlotKind::Map).then(|| {
        let values: Vec<&str> = sides.iter().map(|s| s.value.as_deref().unwrap_or_default()).collect();
        format!("map|{}|{}", slot.name, values.join("|"))
    });
    let node = &nodes[first_node];
    report(
        nodes,
        &sides,
        &Words {
            rule: &ISAPI_SET_DRIFT,
            subject: format!(
                "{} differs between nodes",
                slot.describe(node, &node.linted.isapi.entries[first_entry])
            ),
            phrase: &phrase,
            help: "register the same filters, script maps and extensions on every node: copy the configuration with `iiscnfg /copy` (which replaces machine-specific values) or repeat the installation on the node that differs; a request served by the other node fails or is handled differently".into(),
            cause,
        },
        out,
    );
}

/// The names a filters collection loads, in FilterLoadOrder's order, folded.
fn load_order(node: &Node) -> HashMap<String, (Vec<String>, Place)> {
    let mb = &node.mb;
    let mut out: HashMap<String, (Vec<String>, Place)> = HashMap::new();
    for def in &node.linted.isapi.filters {
        if !def.loads() {
            continue;
        }
        let scope = mb.key(def.filters_key).path.to_string();
        let place = match mb.own(def.filters_key, props::FILTER_LOAD_ORDER) {
            Some(attr) => Place::attr(mb, def.filters_key, attr),
            None => Place::key(mb, def.filters_key),
        };
        out.entry(scope)
            .or_insert_with(|| (Vec::new(), place))
            .0
            .push(def.name.to_lowercase());
    }
    out
}

fn filter_order(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    let orders: Vec<HashMap<String, (Vec<String>, Place)>> = nodes.iter().map(load_order).collect();
    let mut scopes: Vec<&String> = orders.iter().flat_map(|o| o.keys()).collect();
    scopes.sort();
    scopes.dedup();
    // Names as the nodes write them (compared case-insensitively): once, not once per scope, so
    // 50,000 sites with a filter each stay linear.
    let written: HashMap<String, String> = nodes
        .iter()
        .flat_map(|node| {
            node.linted
                .isapi
                .filters
                .iter()
                .map(|d| (d.name.to_lowercase(), d.name.clone()))
        })
        .collect();
    for scope in scopes {
        if !orders.iter().all(|o| o.contains_key(scope)) {
            continue;
        }
        // Only the filters every node loads: one loaded on some nodes only is MB604's.
        let common: BTreeSet<&String> = orders
            .iter()
            .map(|o| o[scope].0.iter().collect::<BTreeSet<_>>())
            .reduce(|a, b| a.intersection(&b).copied().collect())
            .unwrap_or_default();
        let sides: Vec<Side<Vec<String>>> = orders
            .iter()
            .enumerate()
            .map(|(n, o)| {
                let (names, place) = &o[scope];
                Side {
                    node: n,
                    value: names.iter().filter(|x| common.contains(x)).cloned().collect(),
                    place: *place,
                }
            })
            .collect();
        let phrase = |v: &Vec<String>| {
            let names: Vec<&str> = v
                .iter()
                .map(|n| written.get(n).map_or(n.as_str(), String::as_str))
                .collect();
            format!("`{}`", names.join(","))
        };
        let shown = sides
            .iter()
            .find_map(|s| Some(nodes[s.node].mb.location(s.place.key?).into_owned()))
            .unwrap_or_else(|| scope.clone());
        report(
            nodes,
            &sides,
            &Words {
                rule: &FILTER_ORDER_DRIFT,
                subject: format!("the filters of {shown} load in another order on some nodes"),
                phrase: &phrase,
                help: "write FilterLoadOrder alike on every node: filters of one priority see each notification in this order, so a rewriting or authentication filter behaves differently on the node that differs".into(),
                cause: None,
            },
            out,
        );
    }
}

/// What MB606 compares of an image: whether it is there and what kind of image it is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Missing,
    Invalid(String),
    Image {
        machine: Machine,
        format: PeFormat,
        is_dll: bool,
        il_only: bool,
    },
}

fn kind_phrase(kind: &Kind) -> String {
    match kind {
        Kind::Missing => "no file".into(),
        Kind::Invalid(error) => format!("not a loadable image ({error})"),
        Kind::Image {
            machine,
            format,
            is_dll,
            il_only,
        } => {
            let what = if *is_dll { "DLL" } else { "executable (not a DLL)" };
            let managed = if *il_only { ", managed IL only" } else { "" };
            let bits = match (machine, format) {
                (Machine::I386, PeFormat::Pe32) => " (32-bit)",
                (Machine::Amd64 | Machine::Ia64, PeFormat::Pe32Plus) => " (64-bit)",
                _ => "",
            };
            format!("a {} {} {what}{bits}{managed}", format.name(), machine.name())
        }
    }
}

/// The first entry of a DLL on a node, as a place.
fn dll_place(node: &Node, key: &str) -> Option<Place> {
    let i = node.first(key)?;
    let entry = &node.linted.isapi.entries[i];
    Some(Place {
        span: entry.span,
        key: Some(entry.key),
        attr: Some(entry.attr),
    })
}

/// The bitness most nodes' workers run (a tie goes to the node named first): images are compared
/// as a process of that bitness opens them on every node, so that WOW64's redirection of
/// `system32` does not make a node whose workers run in the other bitness look different.
fn reference_bitness(nodes: &[Node]) -> Option<Bitness> {
    let known: Vec<Bitness> = nodes.iter().filter_map(|n| n.bitness).collect();
    let count = |b: Bitness| known.iter().filter(|&&k| k == b).count();
    let first = *known.first()?;
    Some(if count(first.other()) > count(first) {
        first.other()
    } else {
        first
    })
}

/// A node's DLL as a process of `bitness` on the node's platform opens it (the node's own workers
/// when its platform has no such process).
fn compared_state(
    node: &Node,
    key: &str,
    bitness: Option<Bitness>,
    contents: &mut HashMap<PathBuf, Option<Content>>,
) -> Option<ImageState> {
    let resolver = node.resolver.as_ref()?;
    let i = node.first(key)?;
    let entry = &node.linted.isapi.entries[i];
    let own = node.worker.process();
    let process = bitness
        .map(|b| crate::platform::Process::new(node.worker.platform, b))
        .filter(|p| p.exists())
        .unwrap_or(own);
    let path = crate::resolve::images::load_path(entry, &node.linted.model.windir.value.to_string());
    let resolution = resolver.borrow_mut().resolve(&path, process);
    Some(state_of(node, &resolution, contents).0)
}

fn images(
    nodes: &[Node],
    rows: &[DllRow],
    contents: &mut [HashMap<PathBuf, Option<Content>>],
    out: &mut [Vec<Diagnostic>],
    differing: &mut BTreeSet<String>,
) {
    let bitness = reference_bitness(nodes);
    for row in rows {
        let states: Vec<Option<ImageState>> = row
            .cells
            .iter()
            .enumerate()
            .map(|(n, cell)| {
                cell.as_ref()?;
                compared_state(&nodes[n], &row.key, bitness, &mut contents[n])
            })
            .collect();
        // MB606: the kind of image, on the nodes whose drive says something of it.
        let kinds: Vec<Side<Kind>> = states
            .iter()
            .enumerate()
            .filter_map(|(n, state)| {
                let kind = match state.as_ref()? {
                    ImageState::Missing { .. } => Kind::Missing,
                    ImageState::Invalid { error, .. } => Kind::Invalid(error.clone()),
                    ImageState::Image(f) => Kind::Image {
                        machine: f.machine,
                        format: f.format,
                        is_dll: f.is_dll,
                        il_only: f.il_only,
                    },
                    _ => return None,
                };
                Some(Side {
                    node: n,
                    value: kind,
                    place: dll_place(&nodes[n], &row.key)?,
                })
            })
            .collect();
        if groups(&kinds).len() > 1 {
            differing.insert(row.key.clone());
            let phrase = kind_phrase;
            report(
                nodes,
                &kinds,
                &Words {
                    rule: &IMAGE_DRIFT,
                    subject: format!("`{}` is another image on some nodes", row.path),
                    phrase: &phrase,
                    help: "install the same build of the DLL on every node (copy it from a node where it loads, or repeat the vendor's setup); a node whose build does not fit its workers fails with 503 (filter) or 500 (extension) after a failover".into(),
                    cause: None,
                },
                out,
            );
            continue;
        }
        // MB607: the same kind of image, but another file.
        let hashes: Vec<Side<String>> = states
            .iter()
            .enumerate()
            .filter_map(|(n, state)| match state.as_ref()? {
                ImageState::Image(f) => Some(Side {
                    node: n,
                    value: f.content.as_ref()?.sha256.clone(),
                    place: dll_place(&nodes[n], &row.key)?,
                }),
                _ => None,
            })
            .collect();
        if groups(&hashes).len() > 1 {
            differing.insert(row.key.clone());
            let described: Vec<(String, String)> = states
                .iter()
                .flatten()
                .filter_map(|state| match state {
                    ImageState::Image(f) => {
                        let content = f.content.as_ref()?;
                        let version = content
                            .version
                            .as_ref()
                            .and_then(|v| v.shown())
                            .map_or("no version resource".to_string(), |v| format!("version {v}"));
                        Some((
                            content.sha256.clone(),
                            format!("{version}, {} bytes, SHA-256 {}…", content.size, &content.sha256[..12]),
                        ))
                    }
                    _ => None,
                })
                .collect();
            let phrase = |hash: &String| {
                described
                    .iter()
                    .find(|(h, _)| h == hash)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default()
            };
            report(
                nodes,
                &hashes,
                &Words {
                    rule: &IMAGE_VERSION_DRIFT,
                    subject: format!("`{}` is another file on some nodes", row.path),
                    phrase: &phrase,
                    help: "install the same version of the DLL on every node: another build loads, but may behave differently (a fix present on one node only, a different configuration it reads)".into(),
                    cause: None,
                },
                out,
            );
        }
    }
}

/// What a node's restriction list does with an entry: allowed or not, and by what.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Allowance {
    allowed: Option<bool>,
}

fn lockdown(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    // Restriction entries, by restriction key: (allowed, line span) per node; the wildcards too.
    type Entries = HashMap<String, (bool, Span, String)>;
    let per_node: Vec<Entries> = nodes
        .iter()
        .map(|node| {
            let mut map: Entries = HashMap::new();
            for e in &node.server.restrictions {
                if let Ok(r) = &e.entry {
                    map.entry(restriction_key(&r.path))
                        .or_insert((r.allowed, e.span, r.path.clone()));
                }
            }
            map
        })
        .collect();
    let mut keys: Vec<(String, String)> = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        for e in &node.server.restrictions {
            if let Ok(r) = &e.entry {
                let key = restriction_key(&r.path);
                if !keys.iter().any(|(k, _)| *k == key) && per_node[n].contains_key(&key) {
                    keys.push((key, r.path.clone()));
                }
            }
        }
    }
    let list_place = |node: &Node| -> Place {
        let mb = &node.mb;
        mb.find("/LM/W3SVC")
            .and_then(|svc| {
                mb.own(svc, props::WEB_SVC_EXT_RESTRICTION_LIST)
                    .map(|attr| Place::attr(mb, svc, attr))
            })
            .unwrap_or_else(|| Place::near(mb, "/LM/W3SVC"))
    };
    for (key, shown) in keys {
        let wildcard = if key.ends_with(".dll") { "*.dll" } else { "*.exe" };
        let sides: Vec<Side<(Allowance, String)>> = nodes
            .iter()
            .enumerate()
            .map(|(n, node)| {
                let (allowed, place, by) = match per_node[n].get(&key) {
                    Some((allowed, span, _)) => (
                        Some(*allowed),
                        Place {
                            span: *span,
                            ..list_place(node)
                        },
                        "its own entry".to_string(),
                    ),
                    None => match per_node[n].get(wildcard) {
                        Some((allowed, span, _)) if key != wildcard => (
                            Some(*allowed),
                            Place {
                                span: *span,
                                ..list_place(node)
                            },
                            format!("no entry of its own, so `{},{wildcard}`", u8::from(*allowed)),
                        ),
                        _ => (
                            None,
                            list_place(node),
                            "no entry for it or for all unknown extensions".to_string(),
                        ),
                    },
                };
                Side {
                    node: n,
                    value: (Allowance { allowed }, by),
                    place,
                }
            })
            .collect();
        // Compared by what is allowed, not by how: an own entry and the wildcard may agree.
        let bare: Vec<Side<Allowance>> = sides
            .iter()
            .map(|s| Side {
                node: s.node,
                value: s.value.0.clone(),
                place: s.place,
            })
            .collect();
        if groups(&bare).len() < 2 {
            continue;
        }
        let whys: Vec<(Allowance, String)> = sides.iter().map(|s| s.value.clone()).collect();
        let phrase = |a: &Allowance| {
            let why = whys.iter().find(|(b, _)| b == a).map(|(_, w)| w.as_str()).unwrap_or("");
            let state = match a.allowed {
                Some(true) => "allowed",
                Some(false) => "prohibited",
                None => "not governed",
            };
            format!("{state} ({why})")
        };
        report(
            nodes,
            &bare,
            &Words {
                rule: &LOCKDOWN_DRIFT,
                subject: format!("the Web Service Extension `{shown}` is allowed on some nodes only"),
                phrase: &phrase,
                help: "allow and prohibit Web Service Extensions alike on every node (IIS Manager, Web Service Extensions, or `iisext.vbs /EnFile` and `/DisFile`): a request the other node serves answers 404.2 on the node that prohibits it".into(),
                cause: None,
            },
            out,
        );
    }
    // ApplicationDependencies: the groups each application needs, by application name.
    type Deps = HashMap<String, (Vec<String>, Span, String)>;
    let deps: Vec<Deps> = nodes
        .iter()
        .map(|node| {
            let mut map: Deps = HashMap::new();
            for e in &node.server.dependencies {
                if let Ok(d) = &e.entry {
                    let mut groups: Vec<String> = d.groups.iter().map(|g| g.to_lowercase()).collect();
                    groups.sort();
                    groups.dedup();
                    map.entry(d.application.to_lowercase())
                        .or_insert((groups, e.span, d.application.clone()));
                }
            }
            map
        })
        .collect();
    let mut apps: Vec<(String, String)> = Vec::new();
    for d in &deps {
        let mut mine: Vec<(&String, &String)> = d.iter().map(|(k, v)| (k, &v.2)).collect();
        mine.sort();
        for (k, shown) in mine {
            if !apps.iter().any(|(a, _)| a == k) {
                apps.push((k.clone(), shown.clone()));
            }
        }
    }
    // GroupIDs as the nodes write them (compared case-insensitively).
    let group_names: HashMap<String, String> = nodes
        .iter()
        .flat_map(|node| &node.server.dependencies)
        .filter_map(|e| e.entry.as_ref().ok())
        .flat_map(|d| d.groups.iter().map(|g| (g.to_lowercase(), g.clone())))
        .collect();
    let deps_place = |node: &Node| -> Place {
        let mb = &node.mb;
        mb.find("/LM/W3SVC")
            .and_then(|svc| {
                mb.own(svc, props::APPLICATION_DEPENDENCIES)
                    .map(|attr| Place::attr(mb, svc, attr))
            })
            .unwrap_or_else(|| Place::near(mb, "/LM/W3SVC"))
    };
    for (app, shown) in apps {
        let sides: Vec<Side<Option<Vec<String>>>> = nodes
            .iter()
            .enumerate()
            .map(|(n, node)| match deps[n].get(&app) {
                Some((groups, span, _)) => Side {
                    node: n,
                    value: Some(groups.clone()),
                    place: Place {
                        span: *span,
                        ..deps_place(node)
                    },
                },
                None => Side {
                    node: n,
                    value: None,
                    place: deps_place(node),
                },
            })
            .collect();
        let phrase = |v: &Option<Vec<String>>| match v {
            Some(groups) => groups
                .iter()
                .map(|g| group_names.get(g).map_or(g.as_str(), String::as_str))
                .collect::<Vec<_>>()
                .join(", "),
            None => "none listed".into(),
        };
        report(
            nodes,
            &sides,
            &Words {
                rule: &LOCKDOWN_DRIFT,
                subject: format!("ApplicationDependencies of `{shown}` differ between nodes"),
                phrase: &phrase,
                help: "record the same application dependencies on every node (`iisext.vbs /AddDep` and `/RmDep`): IIS Manager enables or prohibits an application's extensions by them, so the nodes drift further apart the next time it is used".into(),
                cause: None,
            },
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_arguments() {
        assert_eq!(
            parse_node("web1=/mnt/web1"),
            (Some("web1".into()), PathBuf::from("/mnt/web1"))
        );
        assert_eq!(parse_node("/mnt/a=b"), (None, PathBuf::from("/mnt/a=b")));
        assert_eq!(parse_node("./x=y"), (None, PathBuf::from("./x=y")));
        assert_eq!(parse_node("web1="), (None, PathBuf::from("web1=")));
        assert_eq!(parse_node("plain"), (None, PathBuf::from("plain")));
    }

    #[test]
    fn default_names_are_folders_and_unique() {
        let paths = [
            PathBuf::from("farm/web1"),
            PathBuf::from("farm/web2/"),
            PathBuf::from("a/MetaBase.xml"),
            PathBuf::from("x/node"),
            PathBuf::from("y/node"),
        ];
        assert_eq!(
            default_names(&paths),
            ["web1", "web2", "a/MetaBase.xml", "x/node", "y/node"]
        );
    }

    #[test]
    fn dll_keys_fold_case_and_the_windows_folder() {
        let windows = crate::winpath::parse("C:\\WINDOWS").unwrap();
        let winnt = crate::winpath::parse("C:\\WINNT").unwrap();
        let a = dll_key("C:\\WINDOWS\\system32\\inetsrv\\asp.dll", &windows);
        assert_eq!(a, dll_key("c:/winnt/System32//INETSRV/ASP.DLL", &winnt));
        assert_eq!(a, dll_key("%SystemRoot%\\system32\\inetsrv\\asp.dll", &windows));
        assert_eq!(a, "%windir%\\SYSTEM32\\INETSRV\\ASP.DLL");
        assert_ne!(a, dll_key("C:\\WINDOWSX\\system32\\inetsrv\\asp.dll", &windows));
        assert_eq!(
            dll_key("\\\\server\\share\\x.dll", &windows),
            "\\\\SERVER\\SHARE\\X.DLL"
        );
    }

    #[test]
    fn the_largest_group_is_the_reference_and_ties_go_to_the_first() {
        let side = |node, value: u8| Side {
            node,
            value,
            place: Place {
                span: Span::new(0, 0),
                key: None,
                attr: None,
            },
        };
        assert_eq!(groups(&[side(0, 1), side(1, 2), side(2, 2)]), [vec![1, 2], vec![0]]);
        assert_eq!(groups(&[side(0, 1), side(1, 2)]), [vec![0], vec![1]]);
        assert_eq!(
            groups(&[side(0, 1), side(1, 2), side(2, 3)]),
            [vec![0], vec![1], vec![2]]
        );
        assert_eq!(groups(&[side(0, 1), side(1, 1)]), [vec![0, 1]]);
        assert_eq!(groups::<u8>(&[]), Vec::<Vec<usize>>::new());
    }
}
