//! `mblint inspect --deps`: the dependency tree of a DLL as the Windows Server 2003 loader would
//! resolve it on a drive copy, as a text tree or JSON. Every name from the drive is escaped in text
//! ([`super::escape`]); serde_json escapes JSON itself.

use std::fmt::Write as _;

use serde::Serialize;

use super::escape::escape;
use crate::resolve::loader::{Closure, Problem};
use crate::resolve::loader_facts::LoaderFacts;

/// One DLL's tree, or why it has none.
#[derive(Debug, Serialize)]
pub struct DepsReport {
    /// The DLL as given (a Windows path).
    pub dll: String,
    /// `null` when the DLL itself was not found or does not load in the process (`error` says why).
    pub closure: Option<std::sync::Arc<Closure>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole answer: the process and the search facts, then each DLL.
#[derive(Debug, Serialize)]
pub struct DepsOutput<'a> {
    /// `64-bit w3wp.exe on x64 Windows`.
    pub process: String,
    pub windir: String,
    /// The known DLLs, search mode and PATH used, and where they come from.
    pub search: &'a LoaderFacts,
    /// Why no closure of the process is judged on this copy (a partial copy), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<String>,
    pub dlls: Vec<DepsReport>,
}

pub fn json(output: &DepsOutput<'_>) -> String {
    let mut text = serde_json::to_string_pretty(output).expect("serialisable");
    text.push('\n');
    text
}

/// What a fault says, in one line.
fn fault_line(problem: &Problem) -> String {
    match problem {
        Problem::Missing { module, searched } => {
            let mut s = format!(
                "{module}: not found (Win32 error 126); searched {}",
                searched.folder_list()
            );
            if !searched.not_searched.is_empty() {
                let _ = write!(s, "; not searched: {}", searched.not_searched.join("; "));
            }
            if searched.incomplete {
                s.push_str(" (so not claimed missing)");
            }
            s
        }
        Problem::BadImage { module, path, why } => format!("{module} at {path}: {why} (Win32 error 193)"),
        Problem::MissingFunction {
            module,
            function,
            forwards,
            looked_in,
        } => {
            if forwards.is_empty() {
                format!("{module} does not export {function} (Win32 error 127)")
            } else {
                format!(
                    "{function} from {module}, forwarded {}: {looked_in} does not export it (Win32 error 127)",
                    forwards.join(", ")
                )
            }
        }
        Problem::BadForwarder { module, function, text } => {
            format!("{module} forwards {function} as `{text}`, which the loader cannot follow (Win32 error 127)")
        }
        Problem::AssemblyMissing { module, identity, .. } => {
            format!("{module} needs the side-by-side assembly {identity}, which is not in WinSxS (Win32 error 14001)")
        }
        Problem::SeveralManifests { module, ids } => {
            format!("{module} has several manifest resources ({ids:?}): Windows Server 2003 refuses it")
        }
        Problem::BesideOnly { module, path, .. } => format!(
            "{module} is found only beside the DLL ({path}): it loads only if IIS uses LOAD_WITH_ALTERED_SEARCH_PATH, which no source settles"
        ),
        Problem::NotJudged { module, why } => format!("{module}: not judged: {why}"),
        Problem::Unreadable {
            module, path, reason, ..
        } => format!("{module} at {path} could not be read: {reason}"),
    }
}

/// The text tree: one line per module, indented by depth, where it was found and why; then every
/// fault with its chain.
pub fn text(output: &DepsOutput<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Dependencies as the loader of a {} resolves them (Windows in {}; DLL search: {})",
        output.process,
        escape(&output.windir),
        escape(&output.search.summary())
    );
    if let Some(partial) = &output.partial {
        let _ = writeln!(out, "not judged: {}", escape(partial));
    }
    for dll in &output.dlls {
        out.push('\n');
        let Some(closure) = &dll.closure else {
            let _ = writeln!(
                out,
                "{}: {}",
                escape(&dll.dll),
                escape(dll.error.as_deref().unwrap_or("not judged"))
            );
            continue;
        };
        for node in &closure.nodes {
            let indent = "  ".repeat(node.depth);
            let mut line = format!("{indent}{}", node.name);
            match (&node.path, &node.via) {
                _ if node.repeated => line.push_str(" (see above)"),
                (Some(path), Some(via)) => {
                    let _ = write!(line, "  {path}  [{}]", via.describe());
                }
                _ => line.push_str("  NOT LOADED"),
            }
            if node.delay {
                line.push_str("  (delay-load)");
            }
            if node.forwarded {
                line.push_str("  (through a forwarder)");
            }
            let _ = writeln!(out, "{}", escape(&line));
        }
        if closure.faults.is_empty() {
            let _ = writeln!(out, "every dependency loads");
        }
        for fault in &closure.faults {
            let delay = if fault.delay {
                " [delay-load: the first call fails]"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "- {}{delay}\n    chain: {}",
                escape(&fault_line(&fault.problem)),
                escape(&fault.chain_text())
            );
        }
    }
    out
}
