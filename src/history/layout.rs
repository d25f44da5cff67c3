//! Where a history is and what is in it: the History folder, the file that is current, and the
//! files of the folder that are metabase versions, or are named like one and are not.
//!
//! The History folder is input from whoever last touched the server: nothing in it or beside it is
//! reached through a link, nothing but a regular file is opened, and nothing is read past the size
//! mblint reads ([`read_regular_into`]). What cannot be read is never passed over in silence: the
//! current file is an error, a version a failed input, a file named like a version a skipped one.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::lint::InputError;
use crate::resolve::drive::child_any_case;
use crate::resolve::fsys::{self, EntryKind};

/// Where the history is and which file is current.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The History folder.
    pub folder: PathBuf,
    pub current: Current,
    /// The drive copy, when the path given is one: it stands for the system drive.
    pub drive: Option<PathBuf>,
}

/// The current metabase of a history, and why it is taken as current.
///
/// IIS reads MetaBase.xml in the folder its History folder sits in: that file is the current
/// version. Any other file named as current (`--metabase`, or PATH) is the current version only if
/// its `HistoryMajorVersionNumber` is at least the newest history file's: IIS raises that number on
/// every save and names the history copy after it, so an older file, or one from another server
/// with a lower count, cannot pass for the present ([`super::run`] checks, after reading it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Current {
    /// Found beside the History folder, as IIS keeps it: read without following a link.
    Found(PathBuf),
    /// Named on the command line (PATH or `--metabase`), and it is the MetaBase.xml (any letter
    /// case) in the folder the History folder sits in, after every link (a link named is
    /// followed: the user named it).
    NamedBeside(PathBuf),
    /// Named on the command line and any other file: current only if its number says so.
    NamedElsewhere(PathBuf),
    /// Nothing named MetaBase.xml, in any letter case, in `looked_in`: the newest history file
    /// that reads stands in for it, and every report says so.
    Absent { looked_in: PathBuf },
}

impl Current {
    /// The current file, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Current::Found(p) | Current::NamedBeside(p) | Current::NamedElsewhere(p) => Some(p),
            Current::Absent { .. } => None,
        }
    }
}

/// Why the history could not be found, or its current file could not be read.
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
    /// The current metabase is there but is not a file mblint reads.
    #[error("cannot read the current metabase {path}: {reason}")]
    Current { path: String, reason: String },
}

impl LayoutError {
    /// The path at fault: what a report lists as the input that could not be checked.
    pub fn path(&self) -> &str {
        match self {
            LayoutError::Read { path, .. }
            | LayoutError::NotHistory { path }
            | LayoutError::NoHistoryFolder { path, .. }
            | LayoutError::Current { path, .. } => path,
            LayoutError::Link { found, .. } => found,
        }
    }
}

/// Works out what `path` is: a drive copy (the History folder and MetaBase.xml are in
/// `<windir>\system32\inetsrv`, any letter case, reached through no link), a History folder (the
/// current file is a MetaBase.xml in the folder above it), or a MetaBase.xml with its History
/// folder beside it. `metabase` names the current file in every form.
///
/// A MetaBase.xml that is there but is no regular file (a folder, a FIFO, a link, dangling or not)
/// is an error, never taken for absent; only when nothing of that name is there does the newest
/// version stand in ([`Current::Absent`]).
pub fn layout(path: &Path, metabase: Option<&Path>) -> Result<Layout, LayoutError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| LayoutError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    if !meta.is_dir() {
        // A MetaBase.xml with its History folder beside it.
        let up = match path.parent() {
            Some(up) if !up.as_os_str().is_empty() => up.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let folder = history_in(&up, &shown, &shown)?;
        let current = named(metabase.unwrap_or(path), &folder);
        return Ok(Layout {
            folder,
            current,
            drive: None,
        });
    }
    if let Some(inetsrv) = find_inetsrv(path)? {
        let metabase_shown = inetsrv.join("MetaBase.xml").display().to_string();
        let folder = history_in(&inetsrv, &shown, &metabase_shown)?;
        let current = match metabase {
            Some(m) => named(m, &folder),
            None => current_in(&inetsrv)?,
        };
        return Ok(Layout {
            folder,
            current,
            drive: Some(path.to_path_buf()),
        });
    }
    let listing = list(path).map_err(|e| LayoutError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    if listing.versions.is_empty() && listing.misnamed.is_empty() {
        return Err(LayoutError::NotHistory { path: shown });
    }
    let current = match metabase {
        Some(m) => named(m, path),
        None => current_in(&folder_above(path))?,
    };
    Ok(Layout {
        folder: path.to_path_buf(),
        current,
        drive: None,
    })
}

/// The History folder in `dir` (any letter case): a folder, never a link.
fn history_in(dir: &Path, shown: &str, metabase: &str) -> Result<PathBuf, LayoutError> {
    match child_any_case(dir, "History") {
        Some((folder, EntryKind::Dir)) => Ok(folder),
        Some((found, EntryKind::Symlink)) => Err(LayoutError::Link {
            path: shown.to_string(),
            found: found.display().to_string(),
        }),
        _ => Err(LayoutError::NoHistoryFolder {
            path: shown.to_string(),
            metabase: metabase.to_string(),
        }),
    }
}

/// `<windir>\system32\inetsrv` on a drive copy, any letter case, through no link: the first of
/// WINDOWS and WINNT whose inetsrv holds a MetaBase.xml or a History folder (of any kind: what they
/// are is judged after), or cannot be listed (the reading of it then says why).
fn find_inetsrv(root: &Path) -> Result<Option<PathBuf>, LayoutError> {
    'candidates: for candidate in ["WINDOWS", "WINNT"] {
        let mut here = root.to_path_buf();
        for part in [candidate, "system32", "inetsrv"] {
            let all = crate::resolve::drive::children_any_case(&here, part);
            if all.len() > 1 {
                return Err(LayoutError::Read {
                    path: root.display().to_string(),
                    message: ambiguous(&all),
                });
            }
            match child_any_case(&here, part) {
                Some((next, EntryKind::Dir)) => here = next,
                Some((found, EntryKind::Symlink)) => {
                    return Err(LayoutError::Link {
                        path: root.display().to_string(),
                        found: found.display().to_string(),
                    });
                }
                _ => continue 'candidates,
            }
        }
        let holds = |name| entry_any_case(&here, name).map(|e| e.is_some());
        if !matches!((holds("MetaBase.xml"), holds("History")), (Ok(false), Ok(false))) {
            return Ok(Some(here));
        }
    }
    Ok(None)
}

/// The current file named on the command line: [`Current::NamedBeside`] when, after every link, it
/// is a MetaBase.xml (any letter case) in the folder the History folder sits in; any other file
/// (or one whose place cannot be told: reading it then says why) must show it is current.
fn named(metabase: &Path, folder: &Path) -> Current {
    let resolved = crate::resolve::fsys::canonical(metabase).ok();
    let home = crate::resolve::fsys::canonical(folder).ok();
    let beside = match (&resolved, &home) {
        (Some(file), Some(history)) => {
            file.parent() == history.parent()
                && file
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case("MetaBase.xml"))
        }
        _ => false,
    };
    if beside {
        Current::NamedBeside(metabase.to_path_buf())
    } else {
        Current::NamedElsewhere(metabase.to_path_buf())
    }
}

/// The MetaBase.xml in `dir` (any letter case): a regular file, or absent (nothing of that name,
/// in any case); anything else there, or a folder that cannot be searched, is an error.
fn current_in(dir: &Path) -> Result<Current, LayoutError> {
    let wanted = dir.join("MetaBase.xml");
    let found = entry_any_case(dir, "MetaBase.xml").map_err(|e| LayoutError::Current {
        path: wanted.display().to_string(),
        reason: format!("cannot tell whether it is there: {e}"),
    })?;
    match found {
        None => Ok(Current::Absent {
            looked_in: dir.to_path_buf(),
        }),
        Some((path, EntryKind::File { .. })) => Ok(Current::Found(path)),
        Some((path, kind)) => Err(LayoutError::Current {
            path: path.display().to_string(),
            reason: Refusal::of_kind(&path, kind).expect("not a regular file").reason(),
        }),
    }
}

/// The entry of `dir` named `name` in any letter case, without following it; `Ok(None)` only when
/// there is none. Unlike [`child_any_case`], an error (a folder that cannot be listed) is an error,
/// not an absence; and two entries whose names differ only in letter case (which no NTFS volume can
/// hold: a case-sensitive copy) are an error too, since which one the server has is unknown.
fn entry_any_case(dir: &Path, name: &str) -> io::Result<Option<(PathBuf, EntryKind)>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().eq_ignore_ascii_case(name) {
            names.push(crate::resolve::fsys::child(dir, entry.file_name()));
        }
    }
    names.sort();
    if names.len() > 1 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, ambiguous(&names)));
    }
    match names.into_iter().next() {
        Some(path) => Ok(Some((path.clone(), fsys::entry_kind(&path)?))),
        None => Ok(None),
    }
}

/// Why two or more names make a drive copy ambiguous.
fn ambiguous(names: &[PathBuf]) -> String {
    format!(
        "an ambiguous copy of a drive: {} differ only in letter case, which no NTFS volume can hold, so which one the server has is unknown",
        names
            .iter()
            .map(|n| n.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    )
}

/// The folder above `history`, as written (`a/History` -> `a`, `History` and `.` -> `History/..`).
pub(super) fn folder_above(history: &Path) -> PathBuf {
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

/// A file of the History folder named like a metabase version that is not one, and why: listed as
/// skipped in every report, never read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Misnamed {
    /// The file name (non-Unicode bytes shown as U+FFFD).
    pub name: String,
    /// The path as shown.
    pub path: String,
    pub reason: String,
}

/// What a History folder holds: its versions in version order, and the files named like a version
/// that are not one.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub versions: Vec<HistoryFile>,
    pub misnamed: Vec<Misnamed>,
}

/// `MetaBase_0000000062_0000000000.xml` (any letter case; IIS pads both numbers to ten digits)
/// -> (62, 0).
pub fn version_of(name: &str) -> Option<(u64, u64)> {
    parse_version(name).ok()
}

/// A version's numbers from its file name, or why the name is not one: IIS writes
/// `MetaBase_<major>_<minor>.xml` with both numbers padded to ten digits (shorter ones are read).
fn parse_version(name: &str) -> Result<(u64, u64), &'static str> {
    const SHAPE: &str = "not named MetaBase_<major>_<minor>.xml";
    let lower = name.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("metabase_")
        .and_then(|r| r.strip_suffix(".xml"))
        .ok_or(SHAPE)?;
    let (major, minor) = rest.split_once('_').ok_or(SHAPE)?;
    let number = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            Err("a version number is not a decimal number (IIS writes MetaBase_<major>_<minor>.xml)")
        } else if s.len() > 10 {
            Err("a version number has more than ten digits: IIS pads both to ten, so this is not a copy IIS made")
        } else {
            s.parse::<u64>().map_err(|_| SHAPE)
        }
    };
    Ok((number(major)?, number(minor)?))
}

/// Whether a name looks like a metabase version (`MetaBase_`, any letter case): such a file is
/// either read or listed as skipped with why. MBSchema copies and anything else are left alone.
fn looks_like_version(name: &[u8]) -> bool {
    name.len() >= 9 && name[..9].eq_ignore_ascii_case(b"metabase_")
}

/// The files of a History folder: the versions in version order (major, then minor), and the files
/// named like one that are not. A folder or entry that cannot be listed is an error.
pub fn list(folder: &Path) -> io::Result<Listing> {
    let mut listing = Listing::default();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let os_name = entry.file_name();
        if !looks_like_version(os_name.as_encoded_bytes()) {
            continue;
        }
        let name = os_name.to_string_lossy().into_owned();
        let parsed = match os_name.to_str() {
            Some(_) => parse_version(&name),
            None => Err("the name is not valid Unicode (IIS writes MetaBase_<major>_<minor>.xml)"),
        };
        match parsed {
            Ok((major, minor)) => listing.versions.push(HistoryFile {
                path: crate::resolve::fsys::child(folder, &os_name),
                name,
                major,
                minor,
            }),
            Err(reason) => listing.misnamed.push(Misnamed {
                path: crate::resolve::fsys::child(folder, &os_name).display().to_string(),
                name,
                reason: reason.to_string(),
            }),
        }
    }
    listing
        .versions
        .sort_by(|a, b| (a.major, a.minor, &a.name).cmp(&(b.major, b.minor, &b.name)));
    listing.misnamed.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(listing)
}

/// Why a file was not read.
#[derive(Debug)]
pub(super) enum Refusal {
    Io(io::Error),
    /// A symbolic link where none is followed (`target`: where it leads, if it can be read).
    Link {
        target: Option<PathBuf>,
        dangling: bool,
    },
    NotAFile(&'static str),
    TooLarge(u64),
}

impl Refusal {
    /// For an entry that is not a regular file, why it is not read; `None` for a regular file.
    fn of_kind(path: &Path, kind: EntryKind) -> Option<Refusal> {
        match kind {
            EntryKind::File { .. } => None,
            EntryKind::Symlink => Some(Refusal::Link {
                target: std::fs::read_link(path).ok(),
                dangling: std::fs::metadata(path).is_err(),
            }),
            EntryKind::Dir => Some(Refusal::NotAFile("a folder")),
            EntryKind::Special(what) => Some(Refusal::NotAFile(what)),
        }
    }

    /// Why, without the path (it is shown beside).
    pub(super) fn reason(&self) -> String {
        match self {
            Refusal::Io(e) => format!("cannot read: {e}"),
            Refusal::Link { target, dangling } => format!(
                "a symbolic link{}{}: mblint follows no link beside or in a History folder (name the file itself with --metabase)",
                target
                    .as_ref()
                    .map(|t| format!(" to {}", t.display()))
                    .unwrap_or_default(),
                if *dangling { ", which leads nowhere" } else { "" }
            ),
            Refusal::NotAFile(what) => format!("{what}, not a regular file: mblint reads only regular files"),
            Refusal::TooLarge(size) => format!("{size} bytes; mblint reads metabases up to 4 GiB"),
        }
    }

    /// As `check` words it, with the path.
    pub(super) fn into_input_error(self, path: &Path) -> InputError {
        let path = path.display().to_string();
        match self {
            Refusal::Io(source) => InputError::Read { path, source },
            Refusal::TooLarge(size) => InputError::TooLarge { path, size },
            Refusal::NotAFile(what) => InputError::NotAFile { path, what },
            link @ Refusal::Link { .. } => InputError::Read {
                path,
                source: io::Error::new(io::ErrorKind::InvalidInput, link.reason()),
            },
        }
    }
}

/// Reads a metabase file whole, as `check` reads one: a regular file only (a FIFO, device or
/// socket is never opened, and one swapped in meanwhile cannot block the open), refused by its
/// size before a byte is read, and read through a cap, so a file that grows while it is read stops
/// at the cap instead of filling memory. With `follow`, a final link is followed (the user named
/// the file); without, a link is refused.
/// The file is read into the memory of `buffer` ([`fsys::read_capped_into`]).
pub(super) fn read_regular_into(path: &Path, follow: bool, buffer: Vec<u8>) -> Result<Vec<u8>, Refusal> {
    let cap = crate::metabase::source::MAX_FILE_SIZE as u64;
    let kind = if follow {
        let meta = std::fs::metadata(path).map_err(Refusal::Io)?;
        if meta.is_file() {
            EntryKind::File { len: meta.len() }
        } else if meta.is_dir() {
            EntryKind::Dir
        } else {
            EntryKind::Special(fsys::kind_name(&meta.file_type()))
        }
    } else {
        fsys::entry_kind(path).map_err(Refusal::Io)?
    };
    if let Some(refusal) = Refusal::of_kind(path, kind) {
        return Err(refusal);
    }
    let check = |meta: &std::fs::Metadata| {
        if !meta.is_file() {
            Err(Refusal::NotAFile(fsys::kind_name(&meta.file_type())))
        } else if meta.len() > cap {
            Err(Refusal::TooLarge(meta.len()))
        } else {
            Ok(())
        }
    };
    if let EntryKind::File { len } = kind
        && len > cap
    {
        return Err(Refusal::TooLarge(len));
    }
    let file = if follow {
        fsys::open_named(path)
    } else {
        fsys::open_regular(path)
    }
    .map_err(Refusal::Io)?;
    // Checked again on the open file: the name may have been swapped since.
    check(&file.metadata().map_err(Refusal::Io)?)?;
    fsys::read_capped_into(file, cap, buffer)
        .map_err(Refusal::Io)?
        .ok_or(Refusal::TooLarge(cap + 1))
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
        assert!(
            parse_version("MetaBase_00000000062_0000000000.xml")
                .unwrap_err()
                .contains("more than ten digits")
        );
        assert!(parse_version("MetaBase_62.xml").unwrap_err().starts_with("not named"));
        assert!(
            parse_version("MetaBase_6x_0.xml")
                .unwrap_err()
                .contains("not a decimal")
        );
    }

    #[test]
    fn versions_sort_by_number_not_name_and_lookalikes_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "MetaBase_10_0.xml",
            "MetaBase_0000000009_0000000002.xml",
            "MetaBase_0000000009_0000000000.xml",
            "MBSchema_0000000009_0000000000.xml",
            "MetaBase_00000000011_0000000000.xml",
            "metabase_12_0.xml.bak",
            "MetaBase.xml",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let listing = list(dir.path()).unwrap();
        let names: Vec<&str> = listing.versions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "MetaBase_0000000009_0000000000.xml",
                "MetaBase_0000000009_0000000002.xml",
                "MetaBase_10_0.xml"
            ]
        );
        let misnamed: Vec<(&str, &str)> = listing
            .misnamed
            .iter()
            .map(|m| (m.name.as_str(), m.reason.as_str()))
            .collect();
        assert_eq!(misnamed.len(), 2, "{misnamed:?}");
        assert_eq!(misnamed[0].0, "MetaBase_00000000011_0000000000.xml");
        assert!(misnamed[0].1.contains("more than ten digits"));
        assert_eq!(misnamed[1].0, "metabase_12_0.xml.bak");
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_unicode_is_listed_not_dropped() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"MetaBase_0000000001_\xff.xml");
        std::fs::write(dir.path().join(name), "x").unwrap();
        let listing = list(dir.path()).unwrap();
        assert!(listing.versions.is_empty());
        assert_eq!(listing.misnamed.len(), 1);
        assert!(listing.misnamed[0].reason.contains("not valid Unicode"));
    }

    #[cfg(unix)]
    #[test]
    fn an_oversized_file_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("MetaBase_1_0.xml");
        // Sparse: no block is written, and nothing is read.
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(5 << 30).unwrap();
        for follow in [false, true] {
            match read_regular_into(&path, follow, Vec::new()) {
                Err(Refusal::TooLarge(size)) => assert_eq!(size, 5 << 30),
                other => panic!("{:?}", other.map(|b| b.len())),
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn what_is_not_a_regular_file_is_refused_with_why() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.xml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let link = dir.path().join("link.xml");
        std::os::unix::fs::symlink("/nonexistent/x.xml", &link).unwrap();
        let real = dir.path().join("real.xml");
        std::fs::write(&real, "<configuration/>").unwrap();
        let to_real = dir.path().join("to-real.xml");
        std::os::unix::fs::symlink(&real, &to_real).unwrap();

        let reason = |p: &Path, follow| read_regular_into(p, follow, Vec::new()).unwrap_err().reason();
        assert!(reason(&fifo, false).starts_with("a FIFO, not a regular file"));
        assert!(reason(&fifo, true).starts_with("a FIFO, not a regular file"));
        assert!(reason(dir.path(), false).starts_with("a folder"));
        let dangling = reason(&link, false);
        assert!(
            dangling.contains("a symbolic link to /nonexistent/x.xml, which leads nowhere"),
            "{dangling}"
        );
        assert!(reason(&to_real, false).starts_with("a symbolic link to "));
        assert_eq!(
            read_regular_into(&to_real, true, Vec::new()).unwrap(),
            b"<configuration/>"
        );
        assert_eq!(
            read_regular_into(&real, false, Vec::new()).unwrap(),
            b"<configuration/>"
        );
    }
}
