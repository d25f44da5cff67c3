//! The node-by-DLL matrix: every configured ISAPI DLL of any node, and what each node's drive holds
//! at its path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::metabase::isapi::Role;
use crate::resolve::pe::ImageInfo;
use crate::resolve::resolver::{Found, Resolution};

use super::node::*;
use super::*;

/// The node-by-DLL matrix. `contents` caches each file's content facts across rows.
pub(super) fn matrix(nodes: &[Node], contents: &mut Vec<HashMap<PathBuf, Option<Content>>>) -> Vec<DllRow> {
    contents.resize_with(nodes.len(), HashMap::new);
    let mut rows: Vec<DllRow> = Vec::new();
    let mut row_of: foldhash::HashMap<Arc<str>, usize> = foldhash::HashMap::default();
    // The image read for each cell, for `loads`.
    let mut infos: HashMap<(usize, usize), &ImageInfo> = HashMap::new();
    for (n, node) in nodes.iter().enumerate() {
        // Entries name their key by its number on the node: the row without hashing the text.
        let mut row_by_key: Vec<Option<usize>> = vec![None; node.dll_keys.len()];
        for (i, entry) in node.linted.isapi.entries.iter().enumerate() {
            let number = node.entry_dlls[i] as usize;
            let key = &node.dll_keys[number];
            let r = match row_by_key[number] {
                Some(r) => r,
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
                    row_by_key[number] = Some(r);
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
                    let (image, info) = match node.images.as_ref().and_then(|images| images.get(&i)) {
                        Some(resolution) => state_of(node, resolution, &mut contents[n]),
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
pub(super) fn state_of<'r>(
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

pub(super) fn facts(
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
pub(super) fn loads(node: &Node, info: &ImageInfo, roles: &[Role]) -> Option<bool> {
    let bitness = node.bitness?;
    let fits = info.loads_in(crate::platform::Process::new(node.worker.platform, bitness));
    let exports = roles.iter().all(|&role| {
        crate::rules::missing_isapi_exports::required_exports(role)
            .iter()
            .all(|name| info.exports(name))
    });
    Some(fits && exports)
}
