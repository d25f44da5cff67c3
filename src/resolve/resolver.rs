//! Maps a configured DLL path to the image a worker of a given bitness would load, on a mapped drive.
//!
//! The walk from the drive root is case-insensitive as NTFS is (names compared through the default
//! `$UpCase` table of Windows Server 2003, [`super::upcase`]; a copy of an NTFS volume on Linux is
//! case-sensitive) and confined: a `..` or a symbolic link that leads outside the mapped folder, a
//! link loop, a FIFO, a device or a socket is refused, and nothing outside the folder is opened.
//! Each directory is listed once, each image read once, each (path, bitness) resolved once: 50,000
//! sites that name the same ten DLLs cost ten resolutions. A path too long for Windows is refused
//! before it is copied, and a missing 8.3 short name (`PROGRA~2`) is reported as unknown rather
//! than missing: a copy of the drive does not carry short names.
//!
//! A path IIS 6 and Win32 read differently ([`winpath::opened`]) is looked for both ways: as Win32
//! reads it, and as written (what `\\?\` opens). The image the other rules judge is the one a name
//! as written leads to when the drive has something by that name (IIS 6 opens that), and otherwise
//! Win32's (what an IIS that canonicalised the path would open); both are kept for MB206.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::drive::Drives;
use super::fsys::{self, EntryKind};
use super::pe::{self, ImageError, ImageInfo};
use super::upcase;
use crate::platform::Process;
use crate::winpath::{self, PathProblem, WinPath};

/// How a lookup that ends on a folder says so.
const FOLDER_NOT_DLL: &str = " is a folder, not a DLL";

/// How many symbolic links one resolution may follow before it is called a loop.
const MAX_LINKS: usize = 40;

/// What was found at a resolved path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A regular file, and what it is as an image.
    Image {
        file: PathBuf,
        image: Arc<Result<ImageInfo, ImageError>>,
    },
    /// Nothing there: `missing` is the first component (as a Windows path) that does not exist.
    Missing { missing: String },
    /// Refused for safety, or unreadable: why, and the host path of what was refused (the link, the
    /// folder, the special file or the file that could not be read).
    Refused {
        reason: String,
        file: PathBuf,
        kind: Refusal,
    },
}

/// Why a file on a mapped drive was not examined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The file system refused: permission denied, a folder that cannot be listed, an I/O error,
    /// a file that changed while it was read.
    Unreadable,
    /// A FIFO, device or socket stands where the DLL is named: never opened (it could block).
    Special,
    /// A folder stands where the DLL is named.
    Folder,
    /// A link (or `..`) that leads out of the mapped folder, or a link loop: never followed.
    Confined,
    /// Two names in one folder that differ only in letter case: the copy holds what NTFS cannot.
    Ambiguous,
}

/// The outcome of resolving one configured path for one worker bitness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The path names no file mblint can look for.
    Unresolvable(PathProblem),
    Resolved {
        /// The Windows path the worker opens (after WOW64 redirection).
        effective: WinPath,
        /// Whether WOW64 redirection changed it.
        redirected: bool,
        /// What is there: the judged reading's ([`Readings`]).
        found: Found,
        /// For a path IIS 6 and Win32 read differently: both readings, and which one `found` is.
        readings: Option<Arc<Readings>>,
    },
}

/// Both readings of a path IIS 6 and Win32 read differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readings {
    /// How they differ, and what the name as written leads to.
    pub opened: winpath::Opened,
    /// Win32's reading: the path opened (after redirection) and what is there; `None` when it names
    /// nothing mblint can look for (a `Sysnative` path in a 64-bit worker, say).
    pub win32: Option<(WinPath, Found)>,
    /// The name as written, when it is a path of its own ([`winpath::Literal::Names`] other than
    /// Win32's): the path opened and what is there.
    pub literal: Option<(WinPath, Found)>,
    /// The path as Win32 reads it, each name in its configured letter case (see
    /// `canonical_spelling`): the spelling both readings open alike.
    pub canonical: String,
}

impl Readings {
    /// Whether the drive holds something by the name as written: then IIS 6 opens that, and
    /// `found` is it.
    pub fn literal_exists(&self) -> bool {
        self.literal
            .as_ref()
            .is_some_and(|(_, found)| !matches!(found, Found::Missing { .. }))
    }
}

impl Resolution {
    /// The image, when the path resolved to a readable PE image.
    pub fn image(&self) -> Option<&ImageInfo> {
        match self {
            Resolution::Resolved {
                found: Found::Image { image, .. },
                ..
            } => image.as_ref().as_ref().ok(),
            _ => None,
        }
    }
}

/// What a confined walk from a drive root ends on.
enum Located {
    /// A regular file, not yet opened.
    File { file: PathBuf, len: u64 },
    /// Nothing there: the first component, as a Windows path, that does not exist.
    Missing { missing: String },
    /// Something not opened, and why.
    Refused {
        reason: String,
        file: PathBuf,
        kind: Refusal,
    },
}

/// A host path under the canonical `root`, shown under the root as given.
fn shown(root: &Path, shown_root: &Path, file: PathBuf) -> PathBuf {
    file.strip_prefix(root).map_or(file.clone(), |rel| {
        rel.components()
            .fold(shown_root.to_path_buf(), |p, c| fsys::child(&p, c.as_os_str()))
    })
}

/// What reading a file on a mapped drive found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriveFile {
    /// The file, whole: its host path (under the root as given) and its bytes.
    Read { file: PathBuf, bytes: Vec<u8> },
    /// Nothing there: the first component, as a Windows path, that does not exist.
    Missing { missing: String },
    /// Not read: a link out of the drive, a folder, a FIFO, a device, a file that cannot be read
    /// or is larger than the cap.
    Refused {
        reason: String,
        file: PathBuf,
        kind: Refusal,
    },
    /// The path is on a drive no mapping covers.
    Unmapped { drive: char },
}

/// A folder's entries by NTFS upper-cased name: every real spelling that upper-cases to it.
type Listing = Arc<HashMap<String, Vec<OsString>>>;

/// Resolves paths on mapped drives, with caches.
pub struct Resolver {
    drives: Drives,
    /// Per host directory: upper-cased name -> real names.
    dirs: HashMap<PathBuf, Option<Listing>>,
    images: HashMap<PathBuf, Arc<Result<ImageInfo, ImageError>>>,
    /// Per process, by configured path: looked up with the borrowed text, copied only when new.
    results: HashMap<Process, HashMap<String, Arc<Resolution>>>,
    /// Per drive: the canonical root (what confinement is checked against) and the root as given
    /// (what file paths are shown under).
    roots: HashMap<char, Option<(PathBuf, PathBuf)>>,
}

/// The key two names share when NTFS would take them for the same name.
fn fold(name: &str) -> String {
    upcase::upcase(name)
}

enum Step {
    Name(String),
    Parent,
}

/// The path as Win32 reads it (`parsed`), each name spelled as configured: NTFS compares names
/// without regard to case under `\\?\` as under Win32 (CreateFile opens case-insensitively unless
/// asked for POSIX semantics), and the restriction list and the rest of the file name the DLL in
/// the configured spelling, so a fix that respells only what Win32 changes is the smallest edit
/// both readings agree on. The drive letter is written as configured.
fn canonical_spelling(configured: &str, parsed: &WinPath) -> String {
    let text = configured.trim().trim_matches('"').trim();
    let text = text
        .strip_prefix("\\\\?\\")
        .or_else(|| text.strip_prefix("\\\\.\\"))
        .or_else(|| text.strip_prefix("//?/"))
        .or_else(|| text.strip_prefix("//./"))
        .unwrap_or(text);
    let drive = text
        .chars()
        .next()
        .filter(|c| c.eq_ignore_ascii_case(&parsed.drive))
        .unwrap_or(parsed.drive);
    format!("{drive}:\\{}", parsed.components.join("\\"))
}

impl Resolver {
    pub fn new(drives: Drives) -> Resolver {
        Resolver {
            drives,
            dirs: HashMap::new(),
            images: HashMap::new(),
            results: HashMap::new(),
            roots: HashMap::new(),
        }
    }

    pub fn drives(&self) -> &Drives {
        &self.drives
    }

    /// Resolves `configured` as `process` would open it.
    pub fn resolve(&mut self, configured: &str, process: Process) -> Arc<Resolution> {
        // Before the path is copied into a cache key: a configured value can be hundreds of MB.
        if let Some(problem) = winpath::length_problem(configured) {
            return Arc::new(Resolution::Unresolvable(problem));
        }
        if let Some(done) = self.results.get(&process).and_then(|by_path| by_path.get(configured)) {
            return done.clone();
        }
        let resolution = Arc::new(self.resolve_uncached(configured, process));
        self.results
            .entry(process)
            .or_default()
            .insert(configured.to_string(), resolution.clone());
        resolution
    }

    fn resolve_uncached(&mut self, configured: &str, process: Process) -> Resolution {
        let parsed = match winpath::parse(configured) {
            Ok(p) => p,
            Err(problem) => return Resolution::Unresolvable(problem),
        };
        let win32 = self.open(&parsed, process);
        let Some(opened) = winpath::opened(configured) else {
            return win32;
        };
        let literal = match &opened.literal {
            winpath::Literal::Names(names) if *names != parsed => match self.open(names, process) {
                Resolution::Resolved { effective, found, .. } => Some((effective, found)),
                Resolution::Unresolvable(_) => None,
            },
            _ => None,
        };
        let win32_found = match &win32 {
            Resolution::Resolved { effective, found, .. } => Some((effective.clone(), found.clone())),
            Resolution::Unresolvable(_) => None,
        };
        let canonical = canonical_spelling(configured, &parsed);
        let readings = Readings {
            opened,
            win32: win32_found,
            literal,
            canonical,
        };
        let (effective, found) = match (&readings.literal, &win32) {
            (Some((effective, found)), _) if readings.literal_exists() => (effective.clone(), found.clone()),
            (_, Resolution::Resolved { effective, found, .. }) => (effective.clone(), found.clone()),
            // Neither reading leads to anything mblint can look at: Win32's reason stands.
            (_, Resolution::Unresolvable(_)) => return win32,
        };
        Resolution::Resolved {
            redirected: effective != parsed,
            effective,
            found,
            readings: Some(Arc::new(readings)),
        }
    }

    /// Opens a parsed path as `process` does (WOW64 redirection, then the drive); the file found is
    /// shown under the root as the user gave it.
    fn open(&mut self, parsed: &WinPath, process: Process) -> Resolution {
        let effective = match winpath::redirect(parsed, process, &self.drives.windir) {
            Ok(p) => p,
            Err(problem) => return Resolution::Unresolvable(problem),
        };
        let Some((root, shown_root)) = self.root(effective.drive) else {
            return Resolution::Unresolvable(PathProblem::UnmappedDrive { drive: effective.drive });
        };
        let found = match self.locate(&root, &effective) {
            Located::File { file, len } => self.image(file, len),
            Located::Missing { missing } => Found::Missing { missing },
            Located::Refused { reason, file, kind } => Found::Refused { reason, file, kind },
        };
        let found = match found {
            Found::Image { file, image } => Found::Image {
                file: shown(&root, &shown_root, file),
                image,
            },
            Found::Refused { reason, file, kind } => Found::Refused {
                file: shown(&root, &shown_root, file),
                reason,
                kind,
            },
            // A short name not on the copy may well exist on the server: unknown, not missing.
            Found::Missing { missing } if missing.rsplit('\\').next().is_some_and(winpath::looks_short) => {
                return Resolution::Unresolvable(PathProblem::ShortName { path: missing });
            }
            other => other,
        };
        Resolution::Resolved {
            redirected: effective != *parsed,
            effective,
            found,
            readings: None,
        }
    }

    /// The canonical host root of a drive and the root as given, once per drive.
    fn root(&mut self, drive: char) -> Option<(PathBuf, PathBuf)> {
        if let Some(root) = self.roots.get(&drive) {
            return root.clone();
        }
        let root = self.drives.root(drive).map(|given| {
            (
                crate::resolve::fsys::canonical(&given).unwrap_or_else(|_| given.clone()),
                given,
            )
        });
        self.roots.insert(drive, root.clone());
        root
    }

    fn listing(&mut self, dir: &Path) -> Option<Listing> {
        if let Some(cached) = self.dirs.get(dir) {
            return cached.clone();
        }
        let listing = std::fs::read_dir(dir).ok().map(|entries| {
            let mut map: HashMap<String, Vec<OsString>> = HashMap::new();
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name();
                map.entry(fold(&name.to_string_lossy())).or_default().push(name);
            }
            for names in map.values_mut() {
                names.sort();
            }
            Arc::new(map)
        });
        self.dirs.insert(dir.to_path_buf(), listing.clone());
        listing
    }

    /// The real name of `wanted` in `dir`, in any letter case. Two names that NTFS would take for one
    /// (`asp.dll` and `ASP.DLL` on a case-sensitive copy) make the lookup ambiguous: no NTFS volume
    /// holds both, so which one the server has is unknown.
    fn find_name(&mut self, dir: &Path, wanted: &str) -> Result<Option<OsString>, (String, Refusal)> {
        let listing = self.listing(dir).ok_or_else(|| {
            (
                format!("the folder {} cannot be listed", dir.display()),
                Refusal::Unreadable,
            )
        })?;
        match listing.get(&fold(wanted)).map(Vec::as_slice) {
            None => Ok(None),
            Some([one]) => Ok(Some(one.clone())),
            Some(names) => Err((
                format!(
                    "{} holds {}, names no NTFS volume can hold side by side (they differ only in letter case): which one the server has is unknown",
                    dir.display(),
                    names
                        .iter()
                        .map(|n| n.to_string_lossy())
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
                Refusal::Ambiguous,
            )),
        }
    }

    /// Walks `path` from the drive root, confined to it: the regular file it names and its length,
    /// or why there is none.
    fn locate(&mut self, root: &Path, path: &WinPath) -> Located {
        let mut pending: Vec<Step> = path.components.iter().rev().map(|c| Step::Name(c.clone())).collect();
        let mut below_root: Vec<OsString> = Vec::new();
        let mut shown: Vec<String> = Vec::new();
        let mut links = 0;
        // The last link followed, as `C:\path\link -> target`, to name it when its target escapes.
        let mut last_link: Option<String> = None;
        let mut last_link_file: Option<PathBuf> = None;
        let here = |below: &[OsString]| below.iter().fold(root.to_path_buf(), |p, c| fsys::child(&p, c));
        let windows = |shown: &[String]| format!("{}:\\{}", path.drive, shown.join("\\"));
        while let Some(step) = pending.pop() {
            let name = match step {
                Step::Parent => {
                    if below_root.pop().is_none() {
                        let link = last_link.unwrap_or_else(|| windows(&shown));
                        return Located::Refused {
                            file: last_link_file.unwrap_or_else(|| here(&below_root)),
                            kind: Refusal::Confined,
                            reason: format!("{link} climbs above the mapped drive root"),
                        };
                    }
                    shown.pop();
                    continue;
                }
                Step::Name(name) => name,
            };
            let dir = here(&below_root);
            let real = match self.find_name(&dir, &name) {
                Ok(Some(real)) => real,
                Ok(None) => {
                    shown.push(name);
                    return Located::Missing {
                        missing: windows(&shown),
                    };
                }
                Err((reason, kind)) => {
                    return Located::Refused {
                        reason,
                        // The folder that cannot be listed, or the name two entries share.
                        file: if kind == Refusal::Ambiguous {
                            fsys::child(&dir, &name)
                        } else {
                            dir.clone()
                        },
                        kind,
                    };
                }
            };
            let next = fsys::child(&dir, &real);
            shown.push(real.to_string_lossy().into_owned());
            let kind = match fsys::entry_kind(&next) {
                Ok(kind) => kind,
                Err(e) => {
                    return Located::Refused {
                        file: next.clone(),
                        kind: Refusal::Unreadable,
                        reason: format!("{} cannot be examined: {e}", windows(&shown)),
                    };
                }
            };
            match kind {
                EntryKind::Dir => below_root.push(real),
                EntryKind::Symlink => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Located::Refused {
                            file: next.clone(),
                            kind: Refusal::Confined,
                            reason: format!(
                                "more than {MAX_LINKS} symbolic links (a link loop?) at {}",
                                windows(&shown)
                            ),
                        };
                    }
                    let target = match std::fs::read_link(&next) {
                        Ok(t) => t,
                        Err(e) => {
                            return Located::Refused {
                                file: next.clone(),
                                kind: Refusal::Unreadable,
                                reason: format!("the link {} cannot be read: {e}", windows(&shown)),
                            };
                        }
                    };
                    last_link = Some(format!("the symbolic link {} -> {}", windows(&shown), target.display()));
                    last_link_file = Some(next.clone());
                    shown.pop();
                    let relative = if target.is_absolute() {
                        match target.strip_prefix(root) {
                            Ok(rest) => {
                                below_root.clear();
                                shown.clear();
                                rest.to_path_buf()
                            }
                            Err(_) => {
                                return Located::Refused {
                                    file: next.clone(),
                                    kind: Refusal::Confined,
                                    reason: format!(
                                        "{}\\{} is a symbolic link to {}, outside the mapped drive root",
                                        windows(&shown),
                                        real.to_string_lossy(),
                                        target.display()
                                    ),
                                };
                            }
                        }
                    } else {
                        target.clone()
                    };
                    for component in relative.components().rev() {
                        match component {
                            Component::Normal(c) => pending.push(Step::Name(c.to_string_lossy().into_owned())),
                            Component::ParentDir => pending.push(Step::Parent),
                            Component::CurDir => {}
                            Component::RootDir | Component::Prefix(_) => {
                                return Located::Refused {
                                    file: next.clone(),
                                    kind: Refusal::Confined,
                                    reason: format!(
                                        "the link target {} cannot be confined to the mapped root",
                                        target.display()
                                    ),
                                };
                            }
                        }
                    }
                }
                EntryKind::File { len } => {
                    if !pending.is_empty() {
                        return Located::Missing {
                            missing: windows(&shown) + "\\...",
                        };
                    }
                    return Located::File { file: next, len };
                }
                EntryKind::Special(what) => {
                    return Located::Refused {
                        file: next.clone(),
                        kind: Refusal::Special,
                        reason: format!("{} is {what}, not a file: it is not opened", windows(&shown)),
                    };
                }
            }
        }
        Located::Refused {
            file: here(&below_root),
            kind: Refusal::Folder,
            reason: format!("{}{FOLDER_NOT_DLL}", windows(&shown)),
        }
    }

    /// Reads the file a Windows path names on a mapped drive, up to `cap` bytes, looked up as a DLL
    /// is: in any letter case, through no link out of the drive, never opening a FIFO or device.
    /// Nothing is cached: each call reads the file again.
    pub fn read_file(&mut self, path: &WinPath, cap: u64) -> DriveFile {
        let Some((root, shown_root)) = self.root(path.drive) else {
            return DriveFile::Unmapped { drive: path.drive };
        };
        let (opened, len) = match self.locate(&root, path) {
            Located::File { file, len } => (file, len),
            Located::Missing { missing } => return DriveFile::Missing { missing },
            Located::Refused { reason, file, kind } => {
                return DriveFile::Refused {
                    reason,
                    file: shown(&root, &shown_root, file),
                    kind,
                };
            }
        };
        let file = shown(&root, &shown_root, opened.clone());
        let refused = |reason: String| DriveFile::Refused {
            reason,
            file: file.clone(),
            kind: Refusal::Unreadable,
        };
        if len > cap {
            return refused(format!(
                "{path} is {len} bytes, more than the {cap} bytes mblint reads of it"
            ));
        }
        match fsys::open_regular(&opened).and_then(|f| fsys::read_capped(f, cap)) {
            Ok(Some(bytes)) => DriveFile::Read { file, bytes },
            Ok(None) => refused(format!("{path} grew past {cap} bytes while it was read")),
            Err(e) => refused(format!("{path} cannot be read: {e}")),
        }
    }

    /// Whether a Windows path names a folder on a mapped drive (looked up as confined as a DLL).
    pub fn is_folder(&mut self, path: &WinPath) -> bool {
        let Some((root, _)) = self.root(path.drive) else {
            return false;
        };
        matches!(
            self.locate(&root, path),
            Located::Refused {
                kind: Refusal::Folder,
                ..
            }
        )
    }

    /// The folders at the root of a mapped drive that hold a `system32` folder: where Windows is.
    pub fn windows_folders(&mut self, drive: char) -> Vec<WinPath> {
        let Some((root, _)) = self.root(drive) else {
            return Vec::new();
        };
        let Some(listing) = self.listing(&root) else {
            return Vec::new();
        };
        let mut names: Vec<String> = listing
            .values()
            .flatten()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|name| WinPath {
                drive: drive.to_ascii_uppercase(),
                components: vec![name],
            })
            .filter(|windir| {
                let mut system32 = windir.clone();
                system32.components.push("system32".into());
                self.is_folder(&system32)
            })
            .collect()
    }

    /// Where Windows is, for WOW64 redirection: set once the server model knows it.
    /// The names in a folder on a mapped drive, found as a DLL path is (any letter case, confined,
    /// no link out of the drive), sorted; at most `limit` of them. `Err`: why the folder could not
    /// be listed, or that it holds more than `limit` names (a bound: the caller says it was hit).
    pub fn list_folder(&mut self, path: &WinPath, limit: usize) -> Result<Option<Vec<String>>, String> {
        let Some((root, _)) = self.root(path.drive) else {
            return Err(format!("{path} is on a drive no mapping covers"));
        };
        let dir = match self.locate(&root, path) {
            Located::Refused {
                kind: Refusal::Folder,
                file,
                ..
            } => file,
            Located::Missing { .. } => return Ok(None),
            Located::File { .. } => return Ok(None),
            Located::Refused { reason, .. } => return Err(reason),
        };
        let listing = self
            .listing(&dir)
            .ok_or_else(|| format!("the folder {path} cannot be listed"))?;
        let count: usize = listing.values().map(Vec::len).sum();
        if count > limit {
            return Err(format!(
                "{path} holds {count} entries, more than the {limit} mblint reads"
            ));
        }
        let mut names: Vec<String> = listing
            .values()
            .flatten()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(Some(names))
    }

    pub fn set_windir(&mut self, windir: WinPath) {
        if self.drives.windir != windir {
            self.drives.windir = windir;
            self.results.clear();
        }
    }

    fn image(&mut self, file: PathBuf, len: u64) -> Found {
        if let Some(image) = self.images.get(&file) {
            return Found::Image {
                file,
                image: image.clone(),
            };
        }
        if len > pe::MAX_IMAGE_SIZE {
            let image = Arc::new(Err(ImageError::Corrupt(format!(
                "{len} bytes, larger than any ISAPI DLL mblint reads ({} bytes)",
                pe::MAX_IMAGE_SIZE
            ))));
            self.images.insert(file.clone(), image.clone());
            return Found::Image { file, image };
        }
        let bytes = match fsys::open_regular(&file).and_then(|f| fsys::read_capped(f, pe::MAX_IMAGE_SIZE)) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Found::Refused {
                    file: file.clone(),
                    kind: Refusal::Unreadable,
                    reason: format!(
                        "{} grew past {} bytes while it was read",
                        file.display(),
                        pe::MAX_IMAGE_SIZE
                    ),
                };
            }
            Err(e) => {
                return Found::Refused {
                    file: file.clone(),
                    kind: Refusal::Unreadable,
                    reason: format!("{} cannot be read: {e}", file.display()),
                };
            }
        };
        let image = Arc::new(pe::classify(&bytes));
        self.images.insert(file.clone(), image.clone());
        Found::Image { file, image }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::bitness::Bitness;
    use crate::platform::Platform;

    fn on_x64(b: Bitness) -> Process {
        Process::new(Platform::X64, b)
    }

    fn drive_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Resolver) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("c");
        for (path, bytes) in files {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, bytes).unwrap();
        }
        std::fs::create_dir_all(&root).unwrap();
        let mut drives = Drives::default();
        drives.insert('C', root);
        (dir, Resolver::new(drives))
    }

    fn image(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/testdata/images/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn case_insensitive_with_wow64() {
        let x64 = image("x64/isapi-extension.dll");
        let x86 = image("x86/isapi-extension.dll");
        let (_dir, mut r) = drive_with(&[
            ("Windows/System32/InetSrv/ASP.DLL", &x64),
            ("Windows/SysWOW64/inetsrv/asp.dll", &x86),
        ]);
        let path = r"C:\WINDOWS\system32\inetsrv\asp.dll";
        let r64 = r.resolve(path, on_x64(Bitness::Bits64));
        assert_eq!(r64.image().and_then(|i| i.bitness()), Some(Bitness::Bits64));
        let r32 = r.resolve(path, on_x64(Bitness::Bits32));
        assert_eq!(r32.image().and_then(|i| i.bitness()), Some(Bitness::Bits32));
        match &*r32 {
            Resolution::Resolved {
                effective, redirected, ..
            } => {
                assert!(redirected);
                assert_eq!(effective.to_string(), r"C:\WINDOWS\SysWOW64\inetsrv\asp.dll");
            }
            other => panic!("{other:?}"),
        }
        assert!(Arc::ptr_eq(&r32, &r.resolve(path, on_x64(Bitness::Bits32))), "cached");
    }

    fn found(r: &mut Resolver, path: &str) -> Found {
        match &*r.resolve(path, on_x64(Bitness::Bits64)) {
            Resolution::Resolved { found, .. } => found.clone(),
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn names_compare_as_ntfs_upper_cases_them() {
        let dll = image("x64/isapi-filter.dll");
        let (_dir, mut r) = drive_with(&[
            ("Ärger/Straße/ısapi.dll", &dll),
            ("ſtore/x.dll", &dll),
            ("kelvin/\u{212A}b.dll", &dll),
            ("sharp/\u{1E9E}.dll", &dll),
            ("greek/ΣΟΦΊΑ.dll", &dll),
        ]);
        // Upper-cased through the table: Ä, ß unchanged, ı unchanged.
        assert!(matches!(
            found(&mut r, r"C:\ärger\STRAßE\ısapi.DLL"),
            Found::Image { .. }
        ));
        assert!(matches!(found(&mut r, r"C:\greek\σοφία.dll"), Found::Image { .. }));
        assert!(matches!(found(&mut r, r"C:\greek\ΣΟΦΊΑ.DLL"), Found::Image { .. }));
        // Not folded as Unicode folds: ı is not I, ſ is not S, K is not K, ẞ is not ß, ß is not SS.
        for path in [
            r"C:\Ärger\Straße\ISAPI.dll",
            r"C:\Ärger\Straße\isapi.dll",
            r"C:\Ärger\STRASSE\ısapi.dll",
            r"C:\STORE\x.dll",
            r"C:\store\x.dll",
            r"C:\kelvin\kb.dll",
            r"C:\kelvin\KB.dll",
            r"C:\sharp\ß.dll",
        ] {
            assert!(matches!(found(&mut r, path), Found::Missing { .. }), "{path}");
        }
    }

    #[test]
    fn short_names_not_on_the_copy_are_unknown_not_missing() {
        let (dir, mut r) = drive_with(&[("Program Files/A/x.dll", &image("x64/isapi-filter.dll"))]);
        assert_eq!(
            *r.resolve(r"C:\PROGRA~1\A\x.dll", on_x64(Bitness::Bits64)),
            Resolution::Unresolvable(PathProblem::ShortName {
                path: r"C:\PROGRA~1".into()
            })
        );
        assert_eq!(
            *r.resolve(r"C:\Program Files\ABCDEF~1.DLL", on_x64(Bitness::Bits64)),
            Resolution::Unresolvable(PathProblem::ShortName {
                path: r"C:\Program Files\ABCDEF~1.DLL".into()
            })
        );
        // A long name that is missing is missing, and a short-shaped name that is there is found.
        assert!(matches!(
            found(&mut r, r"C:\Program Files\B\x.dll"),
            Found::Missing { .. }
        ));
        std::fs::create_dir_all(dir.path().join("c/PROGRA~2")).unwrap();
        std::fs::write(dir.path().join("c/PROGRA~2/x.dll"), image("x64/isapi-filter.dll")).unwrap();
        let mut drives = Drives::default();
        drives.insert('C', dir.path().join("c"));
        let mut r = Resolver::new(drives);
        assert!(matches!(found(&mut r, r"C:\progra~2\x.dll"), Found::Image { .. }));
    }

    #[test]
    fn too_long_is_refused_before_it_is_cached() {
        let (_dir, mut r) = drive_with(&[]);
        let long = format!(r"C:\{}.dll", "a".repeat(4 * 1024 * 1024));
        assert_eq!(
            *r.resolve(&long, on_x64(Bitness::Bits64)),
            Resolution::Unresolvable(PathProblem::TooLong { limit: 32_763 })
        );
        assert!(r.results.is_empty(), "no 4 MB cache key");
    }

    fn readings(r: &mut Resolver, path: &str, bits: Bitness) -> (WinPath, Found, Arc<Readings>) {
        match &*r.resolve(path, on_x64(bits)) {
            Resolution::Resolved {
                effective,
                found,
                readings: Some(readings),
                ..
            } => (effective.clone(), found.clone(), readings.clone()),
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn a_path_read_two_ways_is_judged_by_what_the_drive_holds() {
        let x64 = image("x64/isapi-extension.dll");
        let x86 = image("x86/isapi-extension.dll");
        let (dir, mut r) = drive_with(&[
            ("Windows/System32/InetSrv/ASP.DLL", &x64),
            ("Windows/SysWOW64/InetSrv/Asp.Dll", &x86),
        ]);
        // Nothing answers to the name as written: Win32's image is judged, both readings kept.
        let (effective, found, read) = readings(&mut r, r"C:\WINDOWS\system32\inetsrv\asp.dll.", Bitness::Bits64);
        assert_eq!(effective.to_string(), r"C:\WINDOWS\system32\inetsrv\asp.dll");
        assert!(matches!(found, Found::Image { .. }));
        assert!(!read.literal_exists());
        assert!(matches!(&read.literal, Some((p, Found::Missing { .. })) if p.components[3] == "asp.dll."));
        // The canonical spelling is the configured one with only what Win32 changes changed.
        assert_eq!(read.canonical, r"C:\WINDOWS\system32\inetsrv\asp.dll");
        let (effective, _, read) = readings(&mut r, "c:/WINDOWS/system32/inetsrv/asp.dll", Bitness::Bits32);
        assert_eq!(effective.to_string(), r"C:\WINDOWS\SysWOW64\inetsrv\asp.dll");
        assert_eq!(read.canonical, r"c:\WINDOWS\system32\inetsrv\asp.dll");
        // `/` and `..`: the name as written is no path of its own, so nothing else is looked for.
        let (_, _, read) = readings(
            &mut r,
            r"C:\WINDOWS\system32\..\system32\inetsrv\asp.dll",
            Bitness::Bits64,
        );
        assert_eq!(read.literal, None);
        assert_eq!(
            read.opened.literal,
            winpath::Literal::Invalid(winpath::Difference::ParentFolder)
        );
        // A file spelled as written is what IIS 6 opens: it is judged, and Win32's kept beside it.
        std::fs::write(dir.path().join("c/Windows/System32/InetSrv/asp.dll."), &x86).unwrap();
        let mut drives = Drives::default();
        drives.insert('C', dir.path().join("c"));
        let mut r = Resolver::new(drives);
        let (effective, found, read) = readings(&mut r, r"C:\WINDOWS\system32\inetsrv\asp.dll.", Bitness::Bits64);
        assert_eq!(effective.to_string(), r"C:\WINDOWS\system32\inetsrv\asp.dll.");
        assert!(read.literal_exists());
        match found {
            Found::Image { image, .. } => assert_eq!(image.as_ref().as_ref().unwrap().bitness(), Some(Bitness::Bits32)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(&read.win32, Some((_, Found::Image { .. }))));
        // Nothing found either way: Win32's missing name is the finding.
        let (_, found, read) = readings(&mut r, r"C:\WINDOWS\system32\inetsrv\gone.dll ", Bitness::Bits64);
        assert!(matches!(found, Found::Missing { missing } if missing.ends_with("gone.dll")));
        assert_eq!(read.canonical, r"C:\WINDOWS\system32\inetsrv\gone.dll");
    }

    #[test]
    fn missing_unmapped_and_unresolvable() {
        let (_dir, mut r) = drive_with(&[("WINDOWS/x.txt", b"")]);
        match &*r.resolve(r"C:\WINDOWS\system32\inetsrv\gone.dll", on_x64(Bitness::Bits64)) {
            Resolution::Resolved {
                found: Found::Missing { missing },
                ..
            } => assert_eq!(missing, r"C:\WINDOWS\system32"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            *r.resolve(r"D:\x.dll", on_x64(Bitness::Bits64)),
            Resolution::Unresolvable(PathProblem::UnmappedDrive { drive: 'D' })
        );
        assert_eq!(
            *r.resolve(r"\\srv\share\x.dll", on_x64(Bitness::Bits64)),
            Resolution::Unresolvable(PathProblem::Unc)
        );
        match &*r.resolve(r"C:\WINDOWS\x.txt\y.dll", on_x64(Bitness::Bits64)) {
            Resolution::Resolved {
                found: Found::Missing { .. },
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        match &*r.resolve(r"C:\WINDOWS", on_x64(Bitness::Bits64)) {
            Resolution::Resolved {
                found: Found::Refused { reason, .. },
                ..
            } => assert!(reason.contains("folder")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn links_inside_are_followed_and_links_outside_refused() {
        let (dir, mut r) = drive_with(&[("real/x.dll", &image("x64/isapi-filter.dll"))]);
        let root = dir.path().join("c");
        std::fs::write(dir.path().join("secret.dll"), image("x86/isapi-filter.dll")).unwrap();
        std::fs::create_dir_all(root.join("links")).unwrap();
        std::os::unix::fs::symlink("../real/x.dll", root.join("links/inside.dll")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.dll"), root.join("links/abs-out.dll")).unwrap();
        std::os::unix::fs::symlink("../../secret.dll", root.join("links/rel-out.dll")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("links/abs-in")).unwrap();
        std::os::unix::fs::symlink("loop-b", root.join("links/loop-a")).unwrap();
        std::os::unix::fs::symlink("loop-a", root.join("links/loop-b")).unwrap();

        assert!(
            r.resolve(r"C:\links\inside.dll", on_x64(Bitness::Bits64))
                .image()
                .is_some()
        );
        assert!(
            r.resolve(r"C:\LINKS\ABS-IN\X.DLL", on_x64(Bitness::Bits64))
                .image()
                .is_some()
        );
        for (path, expected) in [
            (r"C:\links\abs-out.dll", "outside the mapped drive root"),
            (
                r"C:\links\rel-out.dll",
                "rel-out.dll -> ../../secret.dll climbs above the mapped drive root",
            ),
            (r"C:\links\loop-a", "link loop"),
        ] {
            match &*r.resolve(path, on_x64(Bitness::Bits64)) {
                Resolution::Resolved {
                    found: Found::Refused { reason, .. },
                    ..
                } => assert!(reason.contains(expected), "{path}: {reason}"),
                other => panic!("{path}: {other:?}"),
            }
        }
        assert_eq!(
            *r.resolve(r"C:\..\secret.dll", on_x64(Bitness::Bits64)),
            Resolution::Unresolvable(PathProblem::AboveRoot)
        );
    }

    #[test]
    fn files_are_read_as_confined_as_dlls() {
        let (dir, mut r) = drive_with(&[("WINDOWS/system32/config/system", b"hive bytes")]);
        let path = |s: &str| winpath::parse(s).unwrap();
        match r.read_file(&path(r"C:\Windows\System32\CONFIG\SYSTEM"), 100) {
            DriveFile::Read { file, bytes } => {
                assert_eq!(bytes, b"hive bytes");
                assert!(file.ends_with("WINDOWS/system32/config/system"), "{}", file.display());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            r.read_file(&path(r"C:\WINDOWS\system32\config\SYSTEM"), 5),
            DriveFile::Refused { kind: Refusal::Unreadable, ref reason, .. } if reason.contains("more than the 5 bytes")
        ));
        assert_eq!(
            r.read_file(&path(r"C:\WINDOWS\system32\config\SOFTWARE"), 100),
            DriveFile::Missing {
                missing: r"C:\WINDOWS\system32\config\SOFTWARE".into()
            }
        );
        assert_eq!(r.read_file(&path(r"D:\x"), 100), DriveFile::Unmapped { drive: 'D' });
        assert!(matches!(
            r.read_file(&path(r"C:\WINDOWS\system32"), 100),
            DriveFile::Refused {
                kind: Refusal::Folder,
                ..
            }
        ));
        // A link out of the drive is not followed.
        std::fs::write(dir.path().join("secret"), b"outside").unwrap();
        let config = dir.path().join("c/WINDOWS/system32/config");
        std::fs::remove_file(config.join("system")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), config.join("SYSTEM")).unwrap();
        let mut drives = Drives::default();
        drives.insert('C', dir.path().join("c"));
        let mut r = Resolver::new(drives);
        match r.read_file(&path(r"C:\WINDOWS\system32\config\SYSTEM"), 100) {
            DriveFile::Refused { kind, reason, .. } => {
                assert_eq!(kind, Refusal::Confined);
                assert!(reason.contains("outside the mapped drive root"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn special_files_are_not_opened() {
        let (dir, mut r) = drive_with(&[]);
        let root = dir.path().join("c");
        let fifo = std::ffi::CString::new(root.join("fifo.dll").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        match &*r.resolve(r"C:\fifo.dll", on_x64(Bitness::Bits64)) {
            Resolution::Resolved {
                found: Found::Refused { reason, .. },
                ..
            } => assert!(reason.contains("FIFO")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_image_is_read_up_to_256_mib_and_a_larger_file_not_at_all() {
        // A DLL with data appended past its sections (an overlay, as signed or self-extracting
        // images carry): 2 MiB is read as any image.
        let mut big = image("x64/isapi-extension.dll");
        big.resize(2 << 20, 0);
        let (dir, mut r) = drive_with(&[("Acme/big.dll", &big), ("Acme/huge.dll", b"")]);
        // Past the limit the file is refused unread (a sparse file: nothing is written).
        let huge = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("c/Acme/huge.dll"))
            .unwrap();
        huge.set_len(pe::MAX_IMAGE_SIZE + 1).unwrap();
        let read = r.resolve(r"C:\Acme\big.dll", on_x64(Bitness::Bits64));
        assert_eq!(read.image().and_then(|i| i.bitness()), Some(Bitness::Bits64));
        match found(&mut r, r"C:\Acme\huge.dll") {
            Found::Image { image, .. } => assert!(
                matches!(&*image, Err(ImageError::Corrupt(m)) if m.contains("268435457 bytes, larger than")),
                "{image:?}"
            ),
            other => panic!("{other:?}"),
        }
    }

    /// 40 symbolic links in a row are followed; a 41st is taken for a loop.
    #[test]
    fn forty_links_in_a_row_are_followed_and_a_41st_refused() {
        let (dir, mut r) = drive_with(&[("real/x.dll", &image("x64/isapi-filter.dll"))]);
        let links = dir.path().join("c/links");
        std::fs::create_dir_all(&links).unwrap();
        // l1 -> l2 -> ... -> l40 -> ../real/x.dll, and m0 -> l1: 41 links.
        for i in 1..=MAX_LINKS {
            let target = if i == MAX_LINKS {
                "../real/x.dll".to_string()
            } else {
                format!("l{}", i + 1)
            };
            std::os::unix::fs::symlink(target, links.join(format!("l{i}"))).unwrap();
        }
        std::os::unix::fs::symlink("l1", links.join("m0")).unwrap();
        assert!(r.resolve(r"C:\links\l1", on_x64(Bitness::Bits64)).image().is_some());
        match found(&mut r, r"C:\links\m0") {
            Found::Refused {
                kind: Refusal::Confined,
                reason,
                ..
            } => assert!(reason.contains("more than 40 symbolic links"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    /// Two names in one folder that differ only in letter case: the path is refused as ambiguous,
    /// and the file named is the name looked for in that folder, not the folder.
    #[test]
    fn two_names_that_differ_only_in_case_are_refused_as_ambiguous() {
        let dll = image("x64/isapi-filter.dll");
        let (dir, mut r) = drive_with(&[("App/asp.dll", &dll), ("App/ASP.DLL", &dll)]);
        match found(&mut r, r"C:\App\Asp.Dll") {
            Found::Refused {
                kind: Refusal::Ambiguous,
                file,
                reason,
            } => {
                assert_eq!(file, dir.path().join("c/App/Asp.Dll"));
                assert!(reason.contains("ASP.DLL and asp.dll"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A folder of exactly `limit` names is listed, sorted; one name more than the limit is an
    /// error; a missing folder or a file is no folder to list.
    #[test]
    fn a_folder_is_listed_up_to_its_limit() {
        let (_dir, mut r) = drive_with(&[("d/b", b""), ("d/A", b""), ("d/c", b"")]);
        let path = |s: &str| winpath::parse(s).unwrap();
        assert_eq!(
            r.list_folder(&path(r"C:\D"), 3),
            Ok(Some(vec!["A".to_string(), "b".into(), "c".into()]))
        );
        assert!(matches!(
            r.list_folder(&path(r"C:\D"), 2),
            Err(e) if e.contains("holds 3 entries, more than the 2")
        ));
        assert_eq!(r.list_folder(&path(r"C:\none"), 3), Ok(None));
        assert_eq!(r.list_folder(&path(r"C:\d\b"), 3), Ok(None));
    }

    /// A path read two ways (`/` for `\`) is redirected by WOW64 in a 32-bit worker and not in a
    /// 64-bit one.
    #[test]
    fn a_path_read_two_ways_is_redirected_as_the_worker_opens_it() {
        let (_dir, mut r) = drive_with(&[
            ("Windows/System32/InetSrv/ASP.DLL", &image("x64/isapi-extension.dll")),
            ("Windows/SysWOW64/InetSrv/Asp.Dll", &image("x86/isapi-extension.dll")),
        ]);
        let path = "c:/WINDOWS/system32/inetsrv/asp.dll";
        for (bits, redirect) in [(Bitness::Bits32, true), (Bitness::Bits64, false)] {
            match &*r.resolve(path, on_x64(bits)) {
                Resolution::Resolved {
                    redirected,
                    readings: Some(_),
                    ..
                } => assert_eq!(*redirected, redirect, "{bits:?}"),
                other => panic!("{other:?}"),
            }
        }
    }

    /// A resolver answers with the drives it was given, and with the Windows folder set on it,
    /// which also redirects the paths resolved after it is set (a 32-bit worker's `system32` is
    /// `SysWOW64` under the new folder, not under the old).
    #[test]
    fn the_windows_folder_set_is_the_one_redirected_and_answered() {
        let x86 = image("x86/isapi-extension.dll");
        let (dir, mut r) = drive_with(&[
            ("WINDOWS/SysWOW64/inetsrv/asp.dll", &x86),
            ("WIN2003/SysWOW64/inetsrv/asp.dll", &x86),
        ]);
        assert_eq!(r.drives().root('C'), Some(dir.path().join("c")));
        assert_eq!(r.drives().windir.to_string(), r"C:\WINDOWS");
        let effective = |r: &mut Resolver, path: &str| match &*r.resolve(path, on_x64(Bitness::Bits32)) {
            Resolution::Resolved { effective, .. } => effective.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            effective(&mut r, r"C:\WIN2003\system32\inetsrv\asp.dll"),
            r"C:\WIN2003\system32\inetsrv\asp.dll"
        );
        r.set_windir(winpath::parse(r"C:\WIN2003").unwrap());
        assert_eq!(r.drives().windir.to_string(), r"C:\WIN2003");
        assert_eq!(
            effective(&mut r, r"C:\WIN2003\system32\inetsrv\asp.dll"),
            r"C:\WIN2003\SysWOW64\inetsrv\asp.dll"
        );
    }

    /// An image of exactly `MAX_IMAGE_SIZE` bytes (a DLL with a sparse overlay) is read and
    /// parsed like any other; only a larger file is refused unread.
    #[test]
    fn an_image_of_exactly_max_image_size_is_read() {
        let (dir, mut r) = drive_with(&[("Acme/edge.dll", &image("x64/isapi-extension.dll"))]);
        std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("c/Acme/edge.dll"))
            .unwrap()
            .set_len(pe::MAX_IMAGE_SIZE)
            .unwrap();
        let read = r.resolve(r"C:\Acme\edge.dll", on_x64(Bitness::Bits64));
        assert_eq!(
            read.image().and_then(|i| i.bitness()),
            Some(Bitness::Bits64),
            "{read:?}"
        );
    }
}
