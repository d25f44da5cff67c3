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
//!
//! Its parts: `node` reads a node; `matrix` draws the node-by-DLL matrix; `drift` is the shared
//! mechanism of the drift rules, which live in `server` (MB601-MB603), `isapi` (MB604, MB605),
//! `images` (MB606, MB607) and `lockdown` (MB608); [`image`] reads a DLL's size, hash and version.

mod drift;
pub mod image;
mod images;
mod isapi;
mod lockdown;
mod matrix;
mod node;
mod server;

use std::path::PathBuf;

use serde::Serialize;

use crate::bitness::Bitness;
use crate::host::{IsolationMode, Source};
use crate::lint::{self, DriveSummary, FileReport, InputFailure, Options};
use crate::metabase::isapi::Role;
use crate::resolve::pe::{Machine, PeFormat};

pub use image::{Content, VersionInfo};
pub use node::dll_key;

use drift::diff;
use matrix::matrix;
use node::{Loaded, Node, into_report, load, node_model};

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
}
