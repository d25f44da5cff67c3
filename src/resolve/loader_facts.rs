//! What the Windows Server 2003 loader's DLL search rests on, read from the copy of the server's
//! drive: the known DLLs, whether safe DLL search mode is on, and the system `PATH`. They live in the
//! SYSTEM hive (`<windir>\system32\config\SYSTEM`), under the control set `Select\Current` names
//! (`ControlSet00N`), in `Control\Session Manager`:
//!
//! - `KnownDLLs`: one value per DLL, its data the DLL's file name; the loader takes a known DLL from
//!   the known DLL folder whatever the search order says, and the DLLs it depends on too (Microsoft,
//!   "Dynamic-link library search order", <https://learn.microsoft.com/windows/win32/dlls/dynamic-link-library-search-order>;
//!   KB164501, <https://ftp.zx.net.nz/pub/archive/ftp.microsoft.com/MISC/KB/en-us/164/501.HTM>).
//!   Two values are folders, not DLLs: `DllDirectory`, the folder the known DLLs are mapped from
//!   (`%SystemRoot%\system32`; KB102985 lists it among the defaults, and the Session Manager of
//!   ReactOS, written to Server 2003's behaviour, reads it as the folder and every other value as a
//!   file: base/system/smss/sminit.c, `SmpConfigureKnownDlls`), and `DllDirectory32`, on 64-bit
//!   Windows the folder of the 32-bit known DLLs (`%SystemRoot%\SysWOW64`).
//! - `ExcludeFromKnownDlls` (REG_MULTI_SZ): DLLs taken out of the list, matched by value name or file
//!   name (JSI Tip 0716, <https://itprotoday.com/it-infrastructure/jsi-tip-0716-how-does-windows-nt-locate-dll-files->;
//!   ReactOS smss, `SmpInitializeKnownDllsInternal`).
//! - `SafeDllSearchMode` (REG_DWORD): 1 searches the current folder after the Windows folder, 0 second;
//!   absent is 1 on Server 2003 ("Windows Server 2003, Windows XP SP1: The default value ... is 1",
//!   the Microsoft page above).
//! - `Environment\Path` (REG_EXPAND_SZ): the system `PATH`. `%SystemRoot%`, `%windir%` and
//!   `%SystemDrive%` are expanded from the Windows folder the server model knows; any other variable
//!   is left as written and its entry is marked not searchable.
//!
//! Not settled by any source found: where Windows Server 2003 x64 keeps the known DLLs of 32-bit
//! processes. Later 64-bit Windows map the same `KnownDLLs` list from `DllDirectory32` (their
//! Session Manager skips `DllDirectory` and `DllDirectory32` as names); some tools read a
//! `KnownDlls32` key. Both are read, and which was used is said; neither found leaves the 32-bit list
//! unknown ([`LoaderFacts::known_dlls_wow64`] is `None`).
//!
//! Without a hive on the copy, the facts are Server 2003's defaults, said to be: [`DEFAULT_KNOWN_DLLS`],
//! safe search on, and `PATH` unknown (a search that would reach it must say "not searched: PATH").
//! A hive that is there but cannot be read is an input not checked ([`Reading::failure`]).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use serde::Serialize;

use super::hive::{Hive, HiveError, Key, Limits, REG_EXPAND_SZ, REG_SZ, Value};
use super::resolver::{DriveFile, Resolver};
use super::upcase;
use crate::winpath::{self, WinPath};

/// The largest SYSTEM hive mblint reads: a cap of mblint's, above any hive Server 2003 boots with.
pub const MAX_HIVE_SIZE: u64 = 256 * 1024 * 1024;

/// The SYSTEM hive below the Windows folder.
pub const HIVE_PATH: [&str; 3] = ["system32", "config", "SYSTEM"];

/// The `KnownDLLs` of a Windows install of the Server 2003 era, as DynamoRIO's test suite records
/// the key (suite/tests/win32/aslr-dll.c, <https://github.com/DynamoRIO/dynamorio>, 2005-2010, run on
/// XP and XP x64 among others). No source found gives a default Server 2003 install's list itself:
/// these are the defaults mblint assumes, and says so.
pub const DEFAULT_KNOWN_DLLS: [&str; 20] = [
    "advapi32.dll",
    "comdlg32.dll",
    "gdi32.dll",
    "imagehlp.dll",
    "kernel32.dll",
    "lz32.dll",
    "ole32.dll",
    "oleaut32.dll",
    "olecli32.dll",
    "olecnv32.dll",
    "olesvr32.dll",
    "olethk32.dll",
    "rpcrt4.dll",
    "shell32.dll",
    "url.dll",
    "urlmon.dll",
    "user32.dll",
    "version.dll",
    "wininet.dll",
    "wldap32.dll",
];

/// Where the facts come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// Read from the SYSTEM hive on the drive: its Windows path and the control set read.
    Hive { file: String, control_set: u32 },
    /// Nothing read: Server 2003's defaults, and why.
    Defaults { reason: String },
}

/// One folder of the system `PATH`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathEntry {
    /// As the registry holds it.
    pub written: String,
    /// The folder, variables expanded; `None` when it cannot be searched (see `problem`).
    pub folder: Option<WinPath>,
    /// Why it cannot be searched: a variable mblint cannot know offline, a relative path, quotes.
    pub problem: Option<String>,
}

/// The facts the loader's search rests on. Names are lower case (ASCII); compare with
/// [`LoaderFacts::is_known`], which compares as Windows does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoaderFacts {
    pub origin: Origin,
    /// The known DLLs' file names (`kernel32.dll`), `ExcludeFromKnownDlls` already taken out.
    pub known_dlls: Vec<String>,
    /// What `ExcludeFromKnownDlls` names, as written, lower case.
    pub excluded_known_dlls: Vec<String>,
    /// Where the known DLLs are mapped from (`DllDirectory`, expanded); `None` when the key names
    /// none (what the loader then does is not settled).
    pub known_dll_folder: Option<WinPath>,
    /// The known DLLs of 32-bit processes on 64-bit Windows; `None`: unknown (see the module).
    pub known_dlls_wow64: Option<Vec<String>>,
    /// Where those are mapped from (`DllDirectory32`, or the `KnownDlls32` key's `DllDirectory`).
    pub known_dll_folder_wow64: Option<WinPath>,
    /// `Some(true)`: the current folder is searched after the Windows folder; `Some(false)`: second,
    /// after the process's folder; `None`: the hive holds a value no source says how Windows reads.
    pub safe_dll_search_mode: Option<bool>,
    /// The system `PATH` in order; `None`: unknown (no hive, or a value of an unexpected type).
    pub path: Option<Vec<PathEntry>>,
}

/// What reading the drive gave: the facts, what each rests on, and a hive that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub facts: LoaderFacts,
    /// What each fact rests on: (what it says, what was seen), the first naming the source.
    pub clues: Vec<(String, String)>,
    /// The hive is on the drive but could not be read: its host path and why. The facts are then
    /// the defaults, and the run must not pass.
    pub failure: Option<(PathBuf, String)>,
}

impl LoaderFacts {
    /// Server 2003's defaults, for a Windows folder, and why they stand.
    pub fn defaults(windir: &WinPath, reason: impl Into<String>) -> LoaderFacts {
        LoaderFacts {
            origin: Origin::Defaults { reason: reason.into() },
            known_dlls: DEFAULT_KNOWN_DLLS.iter().map(|s| s.to_string()).collect(),
            excluded_known_dlls: Vec::new(),
            known_dll_folder: Some(below(windir, "system32")),
            known_dlls_wow64: None,
            known_dll_folder_wow64: None,
            safe_dll_search_mode: Some(true),
            path: None,
        }
    }

    /// Whether a DLL name (`KERNEL32.dll`) is a known DLL, compared as Windows compares names;
    /// `wow64` asks for 32-bit processes on 64-bit Windows. `None` when that list is unknown. With
    /// [`Origin::Defaults`] the answer rests on [`DEFAULT_KNOWN_DLLS`], which no source gives for
    /// Server 2003 itself.
    pub fn is_known(&self, name: &str, wow64: bool) -> Option<bool> {
        let list = if wow64 {
            self.known_dlls_wow64.as_ref()?
        } else {
            &self.known_dlls
        };
        Some(list.iter().any(|k| upcase::same_name(k, name)))
    }

    /// Whether these facts were read from the drive's hive.
    pub fn from_hive(&self) -> bool {
        matches!(self.origin, Origin::Hive { .. })
    }

    /// One phrase for the text report: `SafeDllSearchMode 1, 20 KnownDLLs, PATH of 4 folders`.
    pub fn summary(&self) -> String {
        let safe = match self.safe_dll_search_mode {
            Some(true) => "SafeDllSearchMode 1",
            Some(false) => "SafeDllSearchMode 0",
            None => "SafeDllSearchMode unknown",
        };
        let path = match &self.path {
            None => "PATH unknown".to_string(),
            Some(p) if p.is_empty() => "PATH empty".to_string(),
            Some(p) => {
                let unsearchable = p.iter().filter(|e| e.folder.is_none()).count();
                let folders = if p.len() == 1 { "folder" } else { "folders" };
                match unsearchable {
                    0 => format!("PATH of {} {folders}", p.len()),
                    n => format!("PATH of {} {folders}, {n} not searchable", p.len()),
                }
            }
        };
        format!("{safe}, {} KnownDLLs, {path}", self.known_dlls.len())
    }
}

/// `windir\name`.
fn below(windir: &WinPath, name: &str) -> WinPath {
    let mut path = windir.clone();
    path.components.push(name.to_string());
    path
}

/// Reads the loader's facts from the SYSTEM hive under `windir` on the mapped drives, else gives the
/// defaults and says why.
pub fn read(resolver: &mut Resolver, windir: &WinPath) -> Reading {
    let mut path = windir.clone();
    path.components.extend(HIVE_PATH.iter().map(|s| s.to_string()));
    let absent = |reason: String, seen: String| Reading {
        clues: vec![(
            "defaults".to_string(),
            format!(
                "{seen}: Server 2003's defaults (KnownDLLs as mblint assumes them, SafeDllSearchMode 1), and PATH unknown"
            ),
        )],
        facts: LoaderFacts::defaults(windir, reason),
        failure: None,
    };
    let (file, bytes) = match resolver.read_file(&path, MAX_HIVE_SIZE) {
        DriveFile::Read { file, bytes } => (file, bytes),
        DriveFile::Missing { missing } => {
            return absent(
                format!("no {path} on the drive"),
                format!("{missing} does not exist on the drive, so neither does the SYSTEM hive {path}"),
            );
        }
        DriveFile::Unmapped { drive } => {
            return absent(
                format!("drive {drive}: is not mapped"),
                format!("the SYSTEM hive {path} is on drive {drive}:, which is not mapped"),
            );
        }
        DriveFile::Refused { reason, file, .. } => return unreadable(windir, &path, file, reason),
    };
    // The reader checks every offset and count; a panic would be a bug in it, and must not end the run.
    let read = catch_unwind(AssertUnwindSafe(|| from_hive(&bytes, windir, &path.to_string())));
    match read {
        Ok(Ok((facts, clues))) => Reading {
            facts,
            clues,
            failure: None,
        },
        Ok(Err(e)) => unreadable(
            windir,
            &path,
            file,
            format!("{path} is not a SYSTEM hive mblint can read: {e}"),
        ),
        Err(_) => unreadable(
            windir,
            &path,
            file,
            format!("{path}: mblint's hive reader failed on it (a bug in mblint; please report it)"),
        ),
    }
}

fn unreadable(windir: &WinPath, path: &WinPath, file: PathBuf, reason: String) -> Reading {
    Reading {
        clues: vec![(
            "defaults".to_string(),
            format!("{path} could not be read ({reason}): Server 2003's defaults stand in, and the run does not pass"),
        )],
        facts: LoaderFacts::defaults(windir, "the SYSTEM hive could not be read"),
        failure: Some((
            file,
            format!(
                "the SYSTEM hive was not read: {reason}; the known DLLs, SafeDllSearchMode and the system PATH that DLL searches rest on are unknown"
            ),
        )),
    }
}

fn err(what: impl Into<String>) -> HiveError {
    HiveError {
        what: what.into(),
        at: None,
    }
}

/// The loader's facts in a SYSTEM hive's bytes; `file` is the hive's Windows path, for messages.
pub fn from_hive(
    bytes: &[u8],
    windir: &WinPath,
    file: &str,
) -> Result<(LoaderFacts, Vec<(String, String)>), HiveError> {
    let hive = Hive::parse(bytes, Limits::DEFAULT)?;
    let root = hive.root()?;
    let select = hive
        .subkey(&root, "Select")?
        .ok_or_else(|| err("no Select key, which every SYSTEM hive has"))?;
    let current = hive
        .value(&select, "Current")?
        .ok_or_else(|| err("Select has no Current value, which names the control set in use"))?;
    let set = match current.dword() {
        Some(n @ 1..=999) => n,
        _ => {
            return Err(err(format!(
                "Select\\Current is {}, not the number of a control set",
                shown(&current)
            )));
        }
    };
    let set_name = format!("ControlSet{set:03}");
    let control_set = hive.subkey(&root, &set_name)?.ok_or_else(|| {
        err(format!(
            "Select\\Current names {set_name}, which the hive does not hold"
        ))
    })?;
    let manager = hive
        .path(&control_set, &["Control", "Session Manager"])?
        .ok_or_else(|| err(format!("{set_name} has no Control\\Session Manager key")))?;
    let mut clues = vec![(
        set_name.clone(),
        format!("read {file}: {set_name}, the control set Select\\Current names"),
    )];
    if let Some((primary, secondary)) = hive.dirty {
        clues.push((
            "dirty".into(),
            format!(
                "the hive's last write did not finish (sequence numbers {primary} and {secondary}): Windows would replay SYSTEM.LOG first, which mblint does not, so what it read may predate the last change"
            ),
        ));
    }
    let at = |rest: &str| format!("{set_name}\\Control\\Session Manager{rest}");

    // ExcludeFromKnownDlls, then KnownDLLs without them.
    let excluded: Vec<String> = match hive.value(&manager, "ExcludeFromKnownDlls")? {
        None => Vec::new(),
        Some(v) => match v.strings().or_else(|| v.string().map(|s| vec![s])) {
            Some(list) => list.iter().map(|s| s.to_ascii_lowercase()).collect(),
            None => {
                clues.push((
                    "ExcludeFromKnownDlls ignored".into(),
                    format!(
                        "{} is {}, not a list of names: no DLL is taken out",
                        at("\\ExcludeFromKnownDlls"),
                        v.kind_name()
                    ),
                ));
                Vec::new()
            }
        },
    };
    let known_key = hive.subkey(&manager, "KnownDLLs")?;
    let KnownList {
        names: known,
        folder,
        folder32,
    } = match &known_key {
        Some(key) => known_list(&hive, key, &excluded, windir, &at("\\KnownDLLs"), &mut clues)?,
        None => {
            clues.push((
                "no KnownDLLs".into(),
                format!("{} does not exist: no DLL is known", at("\\KnownDLLs")),
            ));
            KnownList {
                names: Vec::new(),
                folder: None,
                folder32: None,
            }
        }
    };
    clues.push((
        format!("{} KnownDLLs", known.len()),
        format!(
            "{}: {}{}",
            at("\\KnownDLLs"),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            },
            match excluded.len() {
                0 => String::new(),
                _ => format!(" (ExcludeFromKnownDlls: {})", excluded.join(", ")),
            }
        ),
    ));
    // The 32-bit known DLLs: a KnownDlls32 key, else the same list from DllDirectory32.
    let (wow64, folder_wow64) = match hive.subkey(&manager, "KnownDlls32")? {
        Some(key) => {
            let KnownList {
                names: list, folder, ..
            } = known_list(&hive, &key, &excluded, windir, &at("\\KnownDlls32"), &mut clues)?;
            clues.push((
                format!("{} 32-bit KnownDLLs", list.len()),
                format!(
                    "{} lists the known DLLs of 32-bit processes (how Server 2003 x64 uses this key is not documented)",
                    at("\\KnownDlls32")
                ),
            ));
            (Some(list), folder.or(folder32.clone()))
        }
        None if folder32.is_some() => {
            clues.push((
                "32-bit KnownDLLs from DllDirectory32".into(),
                format!(
                    "{} has DllDirectory32: 32-bit processes map the same list from it, as later 64-bit Windows do (not documented for Server 2003)",
                    at("\\KnownDLLs")
                ),
            ));
            (Some(known.clone()), folder32)
        }
        None => (None, None),
    };
    let safe = match hive.value(&manager, "SafeDllSearchMode")? {
        None => {
            clues.push((
                "SafeDllSearchMode 1".into(),
                format!(
                    "{} is not set: 1, Server 2003's default (Microsoft, Dynamic-link library search order)",
                    at("\\SafeDllSearchMode")
                ),
            ));
            Some(true)
        }
        Some(v) => match v.dword() {
            Some(n @ (0 | 1)) => {
                clues.push((
                    format!("SafeDllSearchMode {n}"),
                    format!(
                        "{} = {n}: the current folder is searched {}",
                        at("\\SafeDllSearchMode"),
                        if n == 1 {
                            "after the Windows folder"
                        } else {
                            "second, after the process's folder"
                        }
                    ),
                ));
                Some(n == 1)
            }
            _ => {
                clues.push((
                    "SafeDllSearchMode unknown".into(),
                    format!(
                        "{} is {}: no source says how Windows reads a value other than a REG_DWORD 0 or 1",
                        at("\\SafeDllSearchMode"),
                        shown(&v)
                    ),
                ));
                None
            }
        },
    };
    let environment = hive.subkey(&manager, "Environment")?;
    let path_value = match &environment {
        Some(key) => hive.value(key, "Path")?,
        None => None,
    };
    let path = match path_value {
        None => {
            clues.push((
                "PATH empty".into(),
                format!("{} is not set: the system PATH is empty", at("\\Environment\\Path")),
            ));
            Some(Vec::new())
        }
        Some(v) if matches!(v.kind, REG_SZ | REG_EXPAND_SZ) => {
            let text = v.string().unwrap_or_default();
            let entries = path_entries(&text, v.kind == REG_EXPAND_SZ, windir);
            let unsearchable: Vec<String> = entries
                .iter()
                .filter_map(|e| e.problem.as_ref().map(|p| format!("`{}` {p}", e.written)))
                .collect();
            clues.push((
                format!(
                    "PATH of {} folder{}",
                    entries.len(),
                    if entries.len() == 1 { "" } else { "s" }
                ),
                format!(
                    "{} ({}): {}{}",
                    at("\\Environment\\Path"),
                    v.kind_name(),
                    text,
                    if unsearchable.is_empty() {
                        String::new()
                    } else {
                        format!("; not searchable: {}", unsearchable.join("; "))
                    }
                ),
            ));
            Some(entries)
        }
        Some(v) => {
            clues.push((
                "PATH unknown".into(),
                format!(
                    "{} is {}, not a string: what Windows makes of it is not settled",
                    at("\\Environment\\Path"),
                    v.kind_name()
                ),
            ));
            None
        }
    };
    Ok((
        LoaderFacts {
            origin: Origin::Hive {
                file: file.to_string(),
                control_set: set,
            },
            known_dlls: known,
            excluded_known_dlls: excluded,
            known_dll_folder: folder,
            known_dlls_wow64: wow64,
            known_dll_folder_wow64: folder_wow64,
            safe_dll_search_mode: safe,
            path,
        },
        clues,
    ))
}

/// A value for a message: `REG_DWORD 7`, `REG_SZ "1"`.
fn shown(v: &Value) -> String {
    match (v.dword(), v.string()) {
        (Some(n), _) => format!("REG_DWORD {n}"),
        (_, Some(s)) => format!("{} \"{s}\"", v.kind_name()),
        _ => format!("{} of {} bytes", v.kind_name(), v.data.len()),
    }
}

/// What a KnownDLLs-style key holds.
struct KnownList {
    /// The DLL file names, lower case, sorted, without the excluded ones.
    names: Vec<String>,
    /// `DllDirectory`, expanded.
    folder: Option<WinPath>,
    /// `DllDirectory32`, expanded.
    folder32: Option<WinPath>,
}

/// A KnownDLLs-style key's DLL names and folders.
fn known_list(
    hive: &Hive,
    key: &Key,
    excluded: &[String],
    windir: &WinPath,
    at: &str,
    clues: &mut Vec<(String, String)>,
) -> Result<KnownList, HiveError> {
    let mut names = Vec::new();
    let (mut folder, mut folder32) = (None, None);
    for value in hive.values(key)? {
        let Some(text) = value.string() else {
            clues.push((
                "not a DLL name".into(),
                format!(
                    "{at}\\{} is {}, not a file name: left out",
                    value.name,
                    value.kind_name()
                ),
            ));
            continue;
        };
        let is = |name: &str| upcase::same_name(&value.name, name);
        if is("DllDirectory") || is("DllDirectory32") {
            let (expanded, unknown) = expand(&text, windir);
            let parsed = match unknown {
                None => winpath::parse(&expanded).ok(),
                Some(_) => None,
            };
            if parsed.is_none() {
                clues.push((
                    format!("{} unknown", value.name),
                    format!("{at}\\{} is `{text}`, not a folder mblint can follow", value.name),
                ));
            }
            if is("DllDirectory") {
                folder = parsed;
            } else {
                folder32 = parsed;
            }
            continue;
        }
        let out = excluded
            .iter()
            .any(|x| upcase::same_name(x, &value.name) || upcase::same_name(x, &text));
        if !out && !text.is_empty() {
            names.push(text.to_ascii_lowercase());
        }
    }
    names.sort();
    names.dedup();
    Ok(KnownList {
        names,
        folder,
        folder32,
    })
}

/// `text` with `%SystemRoot%`, `%windir%` and `%SystemDrive%` expanded (names in any case), and the
/// first other variable left in it, if any.
pub fn expand(text: &str, windir: &WinPath) -> (String, Option<String>) {
    let mut out = String::with_capacity(text.len());
    let mut unknown = None;
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(len) = after.find('%') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &after[..len];
        let value = if name.eq_ignore_ascii_case("SystemRoot") || name.eq_ignore_ascii_case("windir") {
            Some(windir.to_string())
        } else if name.eq_ignore_ascii_case("SystemDrive") {
            Some(format!("{}:", windir.drive))
        } else {
            None
        };
        match value {
            Some(v) => {
                out.push_str(&v);
                rest = &after[len + 1..];
            }
            None => {
                if unknown.is_none() && !name.is_empty() {
                    unknown = Some(name.to_string());
                }
                // Left as written, the closing % too: it may open the next name (`%A%%B%`).
                out.push('%');
                out.push_str(name);
                rest = &after[len..];
            }
        }
    }
    out.push_str(rest);
    (out, unknown)
}

/// The entries of a `PATH` value: `expand` for REG_EXPAND_SZ (a REG_SZ is taken as written).
fn path_entries(text: &str, expandable: bool, windir: &WinPath) -> Vec<PathEntry> {
    text.split(';')
        .filter(|e| !e.trim().is_empty())
        .map(|written| {
            let (expanded, unknown) = if expandable {
                expand(written, windir)
            } else {
                (written.to_string(), None)
            };
            let problem = if let Some(name) = unknown.or_else(|| {
                (!expandable).then(|| winpath::variable(written).map(str::to_string)).flatten()
            }) {
                Some(if expandable {
                    format!("names %{name}%, which mblint cannot know offline (it expands only %SystemRoot%, %windir% and %SystemDrive%)")
                } else {
                    format!("names %{name}% in a REG_SZ value, which Windows does not expand")
                })
            } else if written.contains('"') {
                Some("is quoted: whether the loader strips quotes from a PATH entry is not settled".to_string())
            } else {
                None
            };
            let folder = match problem {
                Some(_) => None,
                None => winpath::parse(&expanded).ok(),
            };
            let problem = match (&folder, problem) {
                (_, Some(p)) => Some(p),
                (None, None) => Some(match winpath::parse(&expanded) {
                    Err(winpath::PathProblem::Relative) => {
                        "is not an absolute path: it names a folder relative to the worker's current folder, which mblint does not know".to_string()
                    }
                    Err(p) => p.describe(),
                    Ok(_) => "cannot be searched".to_string(),
                }),
                (Some(_), None) => None,
            };
            PathEntry {
                written: written.to_string(),
                folder,
                problem,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windir() -> WinPath {
        winpath::parse(r"C:\WINDOWS").unwrap()
    }

    fn read_hive(name: &str) -> Result<(LoaderFacts, Vec<(String, String)>), HiveError> {
        let bytes = std::fs::read(format!("{}/testdata/hives/{name}.hiv", env!("CARGO_MANIFEST_DIR"))).unwrap();
        from_hive(&bytes, &windir(), r"C:\WINDOWS\system32\config\SYSTEM")
    }

    fn folder(s: &str) -> Option<WinPath> {
        Some(winpath::parse(s).unwrap())
    }

    #[test]
    fn the_current_control_set_is_read() {
        let (facts, clues) = read_hive("system-full").unwrap();
        assert_eq!(
            facts.origin,
            Origin::Hive {
                file: r"C:\WINDOWS\system32\config\SYSTEM".into(),
                control_set: 1
            }
        );
        // 22 DLLs less wldap32.dll, which ExcludeFromKnownDlls takes out; Bogus (a DWORD) left out;
        // names lower case whatever their case in the hive; DllDirectory* are folders.
        let mut expected: Vec<String> = [
            "advapi32", "comdlg32", "gdi32", "imagehlp", "kernel32", "lz32", "msvcrt", "ole32", "oleaut32", "olecli32",
            "olecnv32", "olesvr32", "olethk32", "rpcrt4", "shell32", "url", "urlmon", "user32", "version", "wininet",
            "ws2_32",
        ]
        .iter()
        .map(|n| format!("{n}.dll"))
        .collect();
        expected.sort();
        assert_eq!(facts.known_dlls, expected);
        assert_eq!(facts.excluded_known_dlls, vec!["wldap32.dll".to_string()]);
        assert_eq!(facts.known_dll_folder, folder(r"C:\WINDOWS\system32"));
        // The KnownDlls32 key, with its own DllDirectory.
        assert_eq!(
            facts.known_dlls_wow64,
            Some(vec![
                "advapi32.dll".into(),
                "kernel32.dll".into(),
                "user32.dll".into(),
                "wow32.dll".into()
            ])
        );
        assert_eq!(facts.known_dll_folder_wow64, folder(r"C:\WINDOWS\SysWOW64"));
        assert_eq!(facts.safe_dll_search_mode, Some(false));
        let path = facts.path.as_ref().unwrap();
        let shown: Vec<(&str, Option<String>, bool)> = path
            .iter()
            .map(|e| {
                (
                    e.written.as_str(),
                    e.folder.as_ref().map(|f| f.to_string()),
                    e.problem.is_some(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                (r"%SystemRoot%\system32", Some(r"C:\WINDOWS\system32".into()), false),
                (r"%SystemRoot%", Some(r"C:\WINDOWS".into()), false),
                (
                    r"%windir%\System32\Wbem",
                    Some(r"C:\WINDOWS\System32\Wbem".into()),
                    false
                ),
                (r"%SystemDrive%\Tools\bin", Some(r"C:\Tools\bin".into()), false),
                (r"%JAVA_HOME%\bin", None, true),
                ("bin", None, true),
                (r#""C:\Program Files\Quoted""#, None, true),
            ]
        );
        assert!(path[4].problem.as_deref().unwrap().contains("%JAVA_HOME%"));
        assert!(path[6].problem.as_deref().unwrap().contains("quoted"));
        // The evidence names the file and the control set first, and every fact.
        assert!(clues[0].1.contains(r"C:\WINDOWS\system32\config\SYSTEM") && clues[0].1.contains("ControlSet001"));
        let all: String = clues.iter().map(|c| c.1.as_str()).collect::<Vec<_>>().join("\n");
        assert!(all.contains("SafeDllSearchMode = 0"), "{all}");
        assert!(
            all.contains(r"KnownDLLs\Bogus is REG_DWORD, not a file name: left out"),
            "{all}"
        );
        assert!(all.contains("not searchable"), "{all}");
        assert!(
            !all.contains("Decoy") && !all.contains("decoy"),
            "ControlSet002 is not read: {all}"
        );
        assert_eq!(
            facts.summary(),
            "SafeDllSearchMode 0, 21 KnownDLLs, PATH of 7 folders, 3 not searchable"
        );
    }

    #[test]
    fn absent_safe_dll_search_mode_is_server_2003s_default() {
        let (facts, clues) = read_hive("system-no-safedll").unwrap();
        assert!(
            matches!(facts.origin, Origin::Hive { control_set: 2, .. }),
            "Select\\Current = 2"
        );
        assert_eq!(facts.safe_dll_search_mode, Some(true));
        assert!(
            clues
                .iter()
                .any(|c| c.1.contains("is not set: 1, Server 2003's default"))
        );
        assert_eq!(facts.known_dlls.len(), 20);
        assert!(!facts.known_dlls.contains(&"decoy.dll".to_string()));
        // No KnownDlls32 key: the same list, from DllDirectory32, and said to be so.
        assert_eq!(facts.known_dlls_wow64.as_ref(), Some(&facts.known_dlls));
        assert_eq!(facts.known_dll_folder_wow64, folder(r"C:\WINDOWS\SysWOW64"));
        assert!(clues.iter().any(|c| c.1.contains("not documented for Server 2003")));
        assert_eq!(facts.path.as_ref().unwrap().len(), 2);
    }

    #[test]
    fn values_no_source_reads_are_unknown_not_guessed() {
        let (facts, clues) = read_hive("system-odd").unwrap();
        assert_eq!(facts.safe_dll_search_mode, None, "SafeDllSearchMode 2");
        assert_eq!(facts.path, None, "a REG_BINARY Path");
        assert_eq!(facts.known_dlls, vec!["kernel32.dll".to_string()]);
        assert!(facts.excluded_known_dlls.is_empty());
        assert_eq!(facts.known_dll_folder, None, "no DllDirectory");
        assert_eq!(facts.known_dlls_wow64, None, "neither KnownDlls32 nor DllDirectory32");
        let all: String = clues.iter().map(|c| c.1.as_str()).collect::<Vec<_>>().join("\n");
        assert!(all.contains("SafeDllSearchMode is REG_DWORD 2"), "{all}");
        assert!(all.contains("Path is REG_BINARY, not a string"), "{all}");
        assert!(all.contains("ExcludeFromKnownDlls is REG_DWORD"), "{all}");
        assert_eq!(facts.summary(), "SafeDllSearchMode unknown, 1 KnownDLLs, PATH unknown");
    }

    #[test]
    fn a_hive_without_its_control_set_is_an_error() {
        let e = read_hive("system-bad-current").unwrap_err();
        assert_eq!(
            e.what,
            "Select\\Current names ControlSet003, which the hive does not hold"
        );
        let e = read_hive("system-corrupt").unwrap_err();
        assert!(e.what.contains("not a key node"), "{e}");
    }

    #[test]
    fn defaults_say_what_they_are() {
        let facts = LoaderFacts::defaults(&windir(), "no hive");
        assert_eq!(facts.known_dlls.len(), 20);
        assert_eq!(facts.safe_dll_search_mode, Some(true));
        assert_eq!(facts.path, None, "PATH unknown without a hive");
        assert_eq!(facts.known_dlls_wow64, None);
        assert_eq!(facts.known_dll_folder, folder(r"C:\WINDOWS\system32"));
        assert!(!facts.from_hive());
        assert_eq!(facts.is_known("KERNEL32.DLL", false), Some(true));
        assert_eq!(facts.is_known("ntdll.dll", false), Some(false));
        assert_eq!(facts.is_known("kernel32.dll", true), None, "the 32-bit list is unknown");
        assert_eq!(facts.summary(), "SafeDllSearchMode 1, 20 KnownDLLs, PATH unknown");
    }

    /// A drive C: whose Windows folder holds `hive` (a test hive's name) as `config\\system`.
    fn drive(hive: Option<&str>) -> (tempfile::TempDir, Resolver) {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("WINDOWS/system32/config");
        std::fs::create_dir_all(&config).unwrap();
        if let Some(name) = hive {
            std::fs::copy(
                format!("{}/testdata/hives/{name}.hiv", env!("CARGO_MANIFEST_DIR")),
                config.join("system"),
            )
            .unwrap();
        }
        let mut drives = super::super::drive::Drives::default();
        drives.insert('C', dir.path().to_path_buf());
        (dir, Resolver::new(drives))
    }

    #[test]
    fn read_from_the_drive_or_defaults_or_a_failure() {
        let (_dir, mut r) = drive(Some("system-full"));
        let reading = read(&mut r, &windir());
        assert!(reading.facts.from_hive());
        assert_eq!(reading.failure, None);
        assert_eq!(reading.facts.safe_dll_search_mode, Some(false));

        let (_dir, mut r) = drive(None);
        let reading = read(&mut r, &windir());
        assert_eq!(
            reading.failure, None,
            "no hive is no failure: the defaults stand, said to"
        );
        assert_eq!(
            reading.facts.origin,
            Origin::Defaults {
                reason: r"no C:\WINDOWS\system32\config\SYSTEM on the drive".into()
            }
        );
        assert!(reading.clues[0].1.contains("PATH unknown"));

        let (_dir, mut r) = drive(Some("system-corrupt"));
        let reading = read(&mut r, &windir());
        assert!(!reading.facts.from_hive());
        let (file, error) = reading
            .failure
            .expect("a hive that does not read is an input not checked");
        assert!(file.ends_with("WINDOWS/system32/config/system"), "{}", file.display());
        assert!(
            error.contains("not a SYSTEM hive mblint can read") && error.contains("not a key node"),
            "{error}"
        );

        // On another drive than the one mapped.
        let (_dir, mut r) = drive(Some("system-full"));
        let reading = read(&mut r, &winpath::parse(r"D:\WINDOWS").unwrap());
        assert_eq!(reading.failure, None);
        assert!(matches!(&reading.facts.origin, Origin::Defaults { reason } if reason == "drive D: is not mapped"));
    }

    #[cfg(unix)]
    #[test]
    fn a_hive_that_is_no_file_is_a_failure() {
        let (dir, mut r) = drive(None);
        let fifo = dir.path().join("WINDOWS/system32/config/SYSTEM");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reading = read(&mut r, &windir());
        let (_, error) = reading.failure.expect("a FIFO where the hive is");
        assert!(error.contains("FIFO"), "{error}");
    }

    #[test]
    fn expansion() {
        let w = winpath::parse(r"D:\WINNT").unwrap();
        let e = |s: &str| expand(s, &w);
        assert_eq!(e(r"%SystemRoot%\system32"), (r"D:\WINNT\system32".into(), None));
        assert_eq!(
            e(r"%SYSTEMROOT%;%WinDir%;%systemdrive%\x"),
            (r"D:\WINNT;D:\WINNT;D:\x".into(), None)
        );
        assert_eq!(
            e(r"%JAVA_HOME%\bin"),
            (r"%JAVA_HOME%\bin".into(), Some("JAVA_HOME".into()))
        );
        assert_eq!(e("100%"), ("100%".into(), None));
        assert_eq!(e("%%"), ("%%".into(), None));
        assert_eq!(e("%A%%SystemRoot%"), (r"%A%D:\WINNT".into(), Some("A".into())));
        assert_eq!(e("a%b"), ("a%b".into(), None));
    }

    #[test]
    fn a_reg_sz_path_is_not_expanded() {
        let entries = path_entries(r"%SystemRoot%\system32;C:\Tools", false, &windir());
        assert_eq!(entries[0].folder, None);
        assert!(entries[0].problem.as_deref().unwrap().contains("REG_SZ"));
        assert_eq!(entries[1].folder, folder(r"C:\Tools"));
    }

    #[test]
    fn a_hive_of_megabytes_is_read_and_one_past_max_hive_size_is_refused() {
        // A SYSTEM hive holds slack after the bins its header counts, and Server 2003's run to
        // megabytes: system-full padded to 4 MiB is read. A file of MAX_HIVE_SIZE + 1 bytes
        // (sparse) is refused unread.
        let grown = |len: u64| {
            let (dir, r) = drive(Some("system-full"));
            std::fs::OpenOptions::new()
                .write(true)
                .open(dir.path().join("WINDOWS/system32/config/system"))
                .unwrap()
                .set_len(len)
                .unwrap();
            (dir, r)
        };
        let (_dir, mut r) = grown(4 << 20);
        let reading = read(&mut r, &windir());
        assert_eq!(reading.failure, None);
        assert_eq!(reading.facts.safe_dll_search_mode, Some(false));
        let (_dir, mut r) = grown(MAX_HIVE_SIZE + 1);
        let (_, error) = read(&mut r, &windir()).failure.expect("a hive past MAX_HIVE_SIZE");
        assert!(error.contains("more than the 268435456 bytes"), "{error}");
    }

    #[test]
    fn the_summary_says_an_empty_path_and_one_folder() {
        let mut facts = LoaderFacts::defaults(&windir(), "test");
        facts.path = Some(Vec::new());
        assert_eq!(facts.summary(), "SafeDllSearchMode 1, 20 KnownDLLs, PATH empty");
        facts.path = Some(path_entries(r"C:\Tools", true, &windir()));
        assert_eq!(facts.summary(), "SafeDllSearchMode 1, 20 KnownDLLs, PATH of 1 folder");
    }

    #[test]
    fn a_value_in_a_message_is_shown_by_its_type_and_data() {
        let value = |kind, data: Vec<u8>| Value {
            name: "Current".into(),
            kind,
            data,
        };
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect() };
        assert_eq!(shown(&value(4, 7u32.to_le_bytes().to_vec())), "REG_DWORD 7");
        assert_eq!(shown(&value(REG_SZ, utf16("1"))), "REG_SZ \"1\"");
        assert_eq!(shown(&value(3, vec![1, 2, 3])), "REG_BINARY of 3 bytes");
    }
}
