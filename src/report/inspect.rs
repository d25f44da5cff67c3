//! `mblint inspect`: what each image is, as a table (like sigcheck and corflags) or JSON.

use serde::Serialize;

use crate::resolve::pe::{EmbeddedManifest, ImageError, ImageInfo};

/// One inspected file.
#[derive(Debug, Serialize)]
pub struct Inspected {
    pub file: String,
    #[serde(flatten)]
    pub result: InspectResult,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum InspectResult {
    Image {
        #[serde(flatten)]
        info: Box<ImageInfo>,
        /// 32 or 64: the worker bitness that can load it; null: none can.
        bitness: Option<crate::bitness::Bitness>,
        /// `filter`, `extension`, both, or neither, by its exports.
        isapi: Vec<&'static str>,
    },
    Invalid {
        error: ImageError,
    },
    Unreadable {
        unreadable: String,
    },
}

pub fn isapi_roles(info: &ImageInfo) -> Vec<&'static str> {
    let mut roles = Vec::new();
    if info.exports("GetFilterVersion") && info.exports("HttpFilterProc") {
        roles.push("filter");
    }
    if info.exports("GetExtensionVersion") && info.exports("HttpExtensionProc") {
        roles.push("extension");
    }
    roles
}

/// The ISAPI entry points an image exports, as the table shows them: `ISAPI filter (GetFilterVersion,
/// HttpFilterProc)` by plain name, or the stdcall-decorated names that IIS does not look up
/// (`_GetFilterVersion@4`: MB203), so that the table explains MB203 as the JSON's export list does.
fn isapi_cell(info: &ImageInfo, isapi: &[&str]) -> Option<String> {
    let mut parts: Vec<String> = isapi
        .iter()
        .map(|role| {
            let names = if *role == "filter" {
                "GetFilterVersion, HttpFilterProc"
            } else {
                "GetExtensionVersion, HttpExtensionProc"
            };
            format!("ISAPI {role} ({names})")
        })
        .collect();
    for (role, names) in [
        ("filter", ["GetFilterVersion", "HttpFilterProc"]),
        ("extension", ["GetExtensionVersion", "HttpExtensionProc"]),
    ] {
        if isapi.contains(&role) {
            continue;
        }
        let found: Vec<&str> = names
            .iter()
            .filter(|n| !info.exports(n))
            .filter_map(|n| crate::rules::missing_isapi_exports::decorated(info, n))
            .collect();
        if !found.is_empty() {
            parts.push(format!(
                "decorated {role} entry points {} (IIS looks up plain names: MB203)",
                found.join(", ")
            ));
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The lines under an image's row: what it imports from each module, function by function (by
/// name, or `#5` by ordinal), what it delay-loads, its forwarders, its manifest's dependencies,
/// and what could not be read.
fn details(info: &ImageInfo) -> Vec<String> {
    let mut lines = Vec::new();
    for module in &info.import_modules {
        let functions: Vec<String> = module.functions.iter().map(ToString::to_string).collect();
        lines.push(format!(
            "{} {}: {}",
            if module.delay { "delay-loads" } else { "imports" },
            module.name,
            if functions.is_empty() {
                "no functions".to_string()
            } else {
                functions.join(", ")
            }
        ));
    }
    if let Some(why) = &info.delay_load_error {
        lines.push(format!("delay-load table not read in full: {why}"));
    }
    let names: std::collections::HashMap<u32, &str> = info.export_table.names().map(|(n, o)| (o, n)).collect();
    let forwards: Vec<String> = info
        .export_table
        .forwarders()
        .map(|(ordinal, text)| {
            let export = names
                .get(&ordinal)
                .map_or_else(|| format!("#{ordinal}"), |n| n.to_string());
            match text {
                Ok(to) => format!("{export} to {to}"),
                Err(why) => format!("{export} (unreadable: {why})"),
            }
        })
        .collect();
    if !forwards.is_empty() {
        lines.push(format!("forwards {}", forwards.join(", ")));
    }
    match &info.manifest {
        EmbeddedManifest::None => {}
        EmbeddedManifest::Present(m) => {
            let deps: Vec<String> = m.dependencies().iter().map(|d| d.identity.to_string()).collect();
            lines.push(format!(
                "manifest (RT_MANIFEST {}{}): {}",
                m.resource_id,
                if m.applies_to_static_imports() {
                    ""
                } else {
                    ", not read for static imports"
                },
                if deps.is_empty() {
                    "no dependent assemblies".to_string()
                } else {
                    format!("depends on {}", deps.join("; "))
                }
            ));
        }
        EmbeddedManifest::Several { resource_ids } => lines.push(format!(
            "manifests with reserved IDs {}: Windows Server 2003 refuses to load an image with more than one",
            resource_ids
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        EmbeddedManifest::Unreadable { unreadable } => lines.push(format!("manifest not read: {unreadable}")),
    }
    lines.extend(info.notes.iter().map(|n| format!("note: {n}")));
    lines
}

pub fn json(items: &[Inspected]) -> String {
    let mut out = serde_json::to_string_pretty(items).expect("serialisable");
    out.push('\n');
    out
}

/// The table for people, every cell escaped (see [`super::escape`]); under an image's row, indented,
/// the [`details`] of what it imports, forwards and depends on.
pub fn table(items: &[Inspected]) -> String {
    let rows: Vec<[String; 7]> = items
        .iter()
        .map(|item| match &item.result {
            InspectResult::Image { info, bitness, isapi } => [
                item.file.clone(),
                info.machine.name(),
                info.format.name().to_string(),
                if info.is_dll { "DLL".into() } else { "EXE".into() },
                bitness.map_or("none".into(), |b| b.to_string()),
                match info.clr {
                    Some(c) => format!(
                        "{}{}{}",
                        if c.il_only { "ILONLY" } else { "mixed" },
                        if c.requires_32bit { " 32BITREQ" } else { "" },
                        if c.prefers_32bit { " 32BITPREF" } else { "" }
                    ),
                    None => "native".into(),
                },
                format!(
                    "{} export(s){}; imports {}",
                    info.exports.len(),
                    isapi_cell(info, isapi).map_or(String::new(), |c| format!(", {c}")),
                    if info.imports.is_empty() {
                        "none".into()
                    } else {
                        info.imports.join(", ")
                    }
                ),
            ],
            InspectResult::Invalid { .. } | InspectResult::Unreadable { .. } => {
                let why = match &item.result {
                    InspectResult::Invalid { error } => error.to_string(),
                    InspectResult::Unreadable { unreadable } => unreadable.clone(),
                    InspectResult::Image { .. } => unreachable!("matched above"),
                };
                let dash = || "-".to_string();
                [item.file.clone(), dash(), dash(), dash(), dash(), dash(), why]
            }
        })
        // File names come from a drive copy and export/import names from the image: no control
        // character reaches the terminal.
        .map(|row: [String; 7]| row.map(|cell| super::escape::escape(&cell).into_owned()))
        .collect();
    let header = ["FILE", "MACHINE", "FORMAT", "TYPE", "BITNESS", "CLR", "DETAILS"].map(str::to_string);
    let mut widths = [0usize; 7];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let no_details = Vec::new();
    let details: Vec<Vec<String>> = items
        .iter()
        .map(|item| match &item.result {
            InspectResult::Image { info, .. } => details(info),
            _ => Vec::new(),
        })
        .collect();
    for (row, lines) in std::iter::once((&header, &no_details)).chain(rows.iter().zip(&details)) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| if i == 6 { c.clone() } else { format!("{c:<w$}") })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        for line in lines {
            // Names come from the image: escaped like the cells.
            out.push_str("    ");
            out.push_str(&super::escape::escape(line));
            out.push('\n');
        }
    }
    out
}
