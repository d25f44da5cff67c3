//! MB606 and MB607: the image each configured DLL is on each node, as a process of the bitness most
//! nodes' workers run opens it.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use crate::bitness::Bitness;
use crate::diagnostic::Diagnostic;
use crate::resolve::pe::{Machine, PeFormat};
use crate::rules::drift::{IMAGE_DRIFT, IMAGE_VERSION_DRIFT};

use super::drift::*;
use super::matrix::*;
use super::node::*;
use super::*;

/// What MB606 compares of an image: whether it is there and what kind of image it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Missing,
    Invalid(String),
    Image {
        machine: Machine,
        format: PeFormat,
        is_dll: bool,
        il_only: bool,
    },
}

pub(super) fn kind_phrase(kind: &Kind) -> String {
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
pub(super) fn dll_place(node: &Node, key: &str) -> Option<Place> {
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
pub(super) fn reference_bitness(nodes: &[Node]) -> Option<Bitness> {
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
pub(super) fn compared_state(
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

pub(super) fn images(
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
