//! What `mblint compare` prints after the findings in text: each node with what decides how its
//! DLLs load, and each DLL that differs between nodes, node by node. Every text from a metabase or
//! a drive is escaped (see [`escape`](super::escape)).

use super::escape::escape;
use crate::compare::{Comparison, DllCell, ImageState};
use crate::lint::FileReport;

/// How many characters of a SHA-256 the table shows.
const HASH_SHOWN: usize = 12;

/// The nodes, then the DLLs that differ.
pub fn text(comparison: &Comparison, reports: &[FileReport]) -> String {
    let mut out = String::from("Nodes:\n");
    let width = comparison
        .nodes
        .iter()
        .map(|n| n.name.chars().count())
        .max()
        .unwrap_or(0);
    for node in &comparison.nodes {
        let report = reports.iter().find(|r| r.source.name == node.metabase);
        let facts = report
            .and_then(|r| Some((r.server.as_ref()?, r.worker.as_ref()?)))
            .map(|(server, worker)| {
                let load = match worker.bitness {
                    Some(b) => format!("{b} {}", worker.processes.join(" and ")),
                    None => format!("{}, 32- or 64-bit by the platform", worker.processes.join(" and ")),
                };
                format!("{}; ISAPI DLLs load in {load}", server.summary())
            })
            .unwrap_or_default();
        out += &format!(
            "  {:<width$}  {}\n  {:<width$}  {}\n",
            escape(&node.name),
            escape(&facts),
            "",
            escape(&node.metabase)
        );
    }
    for name in &comparison.not_compared {
        out += &format!("  {:<width$}  not compared (see above)\n", escape(name));
    }
    let differing: Vec<_> = comparison.dlls.iter().filter(|r| r.differs).collect();
    if differing.is_empty() {
        if comparison.nodes.len() >= 2 {
            out += "No configured DLL differs between the nodes.\n";
        }
        return out;
    }
    out += "DLLs that differ between nodes:\n";
    for row in differing {
        let roles: Vec<&str> = row.roles.iter().map(|r| r.describe()).collect();
        out += &format!("  {} ({})\n", escape(&row.path), roles.join(", "));
        for (node, cell) in comparison.nodes.iter().zip(&row.cells) {
            out += &format!(
                "    {:<width$}  {}\n",
                escape(&node.name),
                escape(&cell_text(cell.as_ref(), &row.path))
            );
        }
    }
    out
}

/// One node's cell: `PE32 i386 DLL, 32-bit, version 1.0.100.0, SHA-256 3f2a…, loads`.
pub fn cell_text(cell: Option<&DllCell>, path: &str) -> String {
    let Some(cell) = cell else {
        return "not configured".into();
    };
    let at = format!("line {}", cell.line);
    let state = match &cell.image {
        ImageState::NotRead => "not read (no drive mapped)".to_string(),
        ImageState::Unresolvable { why } => format!("not looked for: the path {why}"),
        ImageState::Missing { opened_as, .. } => format!("missing: nothing at {opened_as}"),
        ImageState::Refused { reason, .. } => format!("not read: {reason}"),
        ImageState::Invalid { error, .. } => format!("not a loadable image: {error}"),
        ImageState::Image(f) => {
            let mut parts = vec![f.image.clone()];
            if let Some(b) = f.bitness {
                parts.push(b.to_string());
            }
            if let Some(content) = &f.content {
                if let Some(v) = content.version.as_ref().and_then(|v| v.shown()) {
                    parts.push(format!("version {v}"));
                }
                parts.push(format!(
                    "SHA-256 {}…",
                    &content.sha256[..HASH_SHOWN.min(content.sha256.len())]
                ));
            }
            parts.push(
                match f.loads {
                    Some(true) => "loads",
                    Some(false) => "does not load",
                    None => "loads or not by the platform",
                }
                .into(),
            );
            parts.join(", ")
        }
    };
    if cell.configured == path {
        format!("{state} ({at})")
    } else {
        format!("{state} ({at}, configured as `{}`)", cell.configured)
    }
}
