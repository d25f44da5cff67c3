//! Reading a node: its metabase parsed and linted as `check` lints it, its ISAPI DLLs resolved on its
//! drive, and the DLL key that names each entry's DLL across nodes.

use std::path::PathBuf;
use std::sync::Arc;

use crate::bitness::Bitness;
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::lint::{self, FileReport, Linted};
use crate::metabase::isapi::{IsapiRef, WorkerBitness};
use crate::metabase::server::ServerConfig;
use crate::metabase::{Metabase, SourceFile, parse, props};
use crate::resolve::resolver::Resolution;
use crate::resolve::resolver::Resolver;
use crate::winpath::WinPath;

use super::*;

/// A node that parsed, with everything the comparison reads.
pub(super) struct Node {
    pub(super) name: String,
    pub(super) file: Arc<str>,
    /// The metabase's canonical path: two nodes must not read one file.
    pub(super) canonical: Option<PathBuf>,
    pub(super) mb: Metabase,
    pub(super) linted: Linted,
    pub(super) server: ServerConfig,
    /// The worker of the first platform the model leaves open (the one when it is known).
    pub(super) worker: WorkerBitness,
    /// The worker bitness every open platform agrees on.
    pub(super) bitness: Option<Bitness>,
    /// As the node's workers open it, the DLL of each key's first entry, by entry index.
    pub(super) images: Option<foldhash::HashMap<usize, Arc<Resolution>>>,
    /// The resolver the images were read with, to read them again as another process would.
    pub(super) resolver: Option<std::cell::RefCell<Resolver>>,
    pub(super) settings: Settings,
    /// Per ISAPI entry, index for index, the number of its DLL's key in [`Node::dll_keys`]: four
    /// bytes an entry, not a shared text's sixteen.
    pub(super) entry_dlls: Vec<u32>,
    /// The node's distinct DLL keys, in the order its entries first name them.
    pub(super) dll_keys: Vec<Arc<str>>,
    /// Per DLL key, its first entry: one lookup, however many entries there are.
    pub(super) first_entry: foldhash::HashMap<Arc<str>, usize>,
}

impl Node {
    /// The first entry naming the DLL with this key.
    pub(super) fn first(&self, key: &str) -> Option<usize> {
        self.first_entry.get(key).copied()
    }
}

pub(super) enum Loaded {
    Parsed(Box<Node>),
    Unparsed(Box<FileReport>),
}

pub(super) fn load(spec: &NodeSpec) -> Result<Loaded, lint::InputError> {
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
    let mut linted = lint::lint_metabase(&mb, &options);
    // Every node's entries are held until the drift rules have run: not with the spare capacity
    // their vector grew with (a quarter more at 100,000 entries).
    linted.isapi.entries.shrink_to_fit();
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
    let windir = linted.model.windir.value.clone();
    let (entry_dlls, dll_keys) = keys_of(&linted.isapi.entries, &windir);
    // Keys are numbered in the order entries first name them: a key's first entry is where its
    // number first appears.
    let mut first_entry = foldhash::HashMap::default();
    for (i, &dll) in entry_dlls.iter().enumerate() {
        if dll as usize == first_entry.len() {
            first_entry.insert(dll_keys[dll as usize].clone(), i);
        }
    }
    // The matrix shows each DLL as its first entry opens it: only those are resolved (as
    // `Images::of` resolves an entry), not every one of a million script-map lines.
    let images = resolver.as_mut().map(|r| {
        let windir = r.drives().windir.to_string();
        first_entry
            .values()
            .map(|&i| {
                let path = crate::resolve::images::load_path(&linted.isapi.entries[i], &windir);
                (i, r.resolve(&path, worker.process()))
            })
            .collect()
    });
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
        entry_dlls,
        dll_keys,
        first_entry,
    })))
}

/// The DLL key of every entry, as a number in the distinct keys (numbered in the order entries
/// first name them), and those keys. Computed once per distinct path (entries that name one text
/// share it, so the path's address identifies it); paths written differently that name one DLL
/// get one number.
pub(super) fn keys_of(entries: &[IsapiRef], windir: &WinPath) -> (Vec<u32>, Vec<Arc<str>>) {
    let mut by_path: foldhash::HashMap<*const u8, u32> = foldhash::HashMap::default();
    let mut by_key: foldhash::HashMap<Arc<str>, u32> = foldhash::HashMap::default();
    let mut keys: Vec<Arc<str>> = Vec::new();
    let numbers = entries
        .iter()
        .map(|e| {
            *by_path.entry(e.path.as_ptr()).or_insert_with(|| {
                let key: Arc<str> = Arc::from(dll_key(&e.path, windir));
                *by_key.entry(key.clone()).or_insert_with(|| {
                    keys.push(key);
                    u32::try_from(keys.len() - 1).expect("fewer than 2^32 DLL keys in memory")
                })
            })
        })
        .collect();
    (numbers, keys)
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

pub(super) fn into_report(node: Node, drift: Vec<Diagnostic>) -> FileReport {
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

pub(super) fn node_model(node: &Node) -> NodeModel {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries that write one DLL differently get its one number, in the order entries first name
    /// each DLL; the matrix's rows and MB604's slots rest on it.
    #[test]
    fn entries_naming_one_dll_share_its_number_in_first_named_order() {
        let text = concat!(
            "<configuration>\n<MBProperty>\n",
            "<IIsWebService\tLocation =\"/LM/W3SVC\"\n\t\tScriptMaps=\".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,1\n",
            "\t\t\t.shtm,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll,1\n",
            "\t\t\t.asa,c:/windows/SYSTEM32/inetsrv//ASP.DLL,1\n",
            "\t\t\t.cer,%SystemRoot%\\system32\\inetsrv\\asp.dll,1\n",
            "\t\t\t.stm,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll,1\"\n\t>\n</IIsWebService>\n",
            "</MBProperty>\n</configuration>\n"
        );
        let mb = parse(SourceFile::from_text("t.xml", text.to_string())).unwrap();
        let set = crate::metabase::isapi::IsapiSet::of(&mb);
        let windir = crate::winpath::parse("C:\\WINDOWS").unwrap();
        let (numbers, keys) = keys_of(&set.entries, &windir);
        let extensions: Vec<&str> = set.entries.iter().map(|e| e.extension().unwrap()).collect();
        assert_eq!(extensions, [".asp", ".shtm", ".asa", ".cer", ".stm"]);
        assert_eq!(numbers, [0, 1, 0, 0, 1]);
        let keys: Vec<&str> = keys.iter().map(|k| &**k).collect();
        assert_eq!(
            keys,
            [
                "%windir%\\SYSTEM32\\INETSRV\\ASP.DLL",
                "%windir%\\SYSTEM32\\INETSRV\\SSINC.DLL"
            ]
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
}
