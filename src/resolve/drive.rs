//! Which host folder stands for which Windows drive, and finding the metabase on a drive copy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::winpath::{self, WinPath};

/// Drive letters mapped to host folders, and where Windows lives on them. Nothing is mapped unless
/// asked: mblint never runs on the IIS server itself (Windows Server 2003 cannot run today's Rust
/// binaries), so the machine's own drives are never the server's.
#[derive(Debug, Clone)]
pub struct Drives {
    map: BTreeMap<char, PathBuf>,
    /// `%windir%`: `C:\WINDOWS` unless the drive copy says otherwise.
    pub windir: WinPath,
}

impl Default for Drives {
    fn default() -> Self {
        Drives {
            map: BTreeMap::new(),
            windir: winpath::parse("C:\\WINDOWS").expect("a valid path"),
        }
    }
}

impl Drives {
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn insert(&mut self, letter: char, root: PathBuf) {
        self.map.insert(letter.to_ascii_uppercase(), root);
    }

    /// The host folder of a drive.
    pub fn root(&self, letter: char) -> Option<PathBuf> {
        self.map.get(&letter.to_ascii_uppercase()).cloned()
    }

    /// The mappings, for reports.
    pub fn mappings(&self) -> impl Iterator<Item = (char, &Path)> {
        self.map.iter().map(|(l, p)| (*l, p.as_path()))
    }
}

/// Parses `X:=DIR` (also `X=DIR`).
pub fn parse_mapping(text: &str) -> Result<(char, PathBuf), String> {
    let (letter, dir) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not of the form X:=DIR"))?;
    let letter = letter.trim().trim_end_matches(':');
    let mut chars = letter.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() && !dir.is_empty() => {
            Ok((c.to_ascii_uppercase(), PathBuf::from(dir)))
        }
        _ => Err(format!(
            "`{text}` is not of the form X:=DIR (a drive letter, then a folder)"
        )),
    }
}

/// The entry of `dir` named `name` in any letter case, spelled as the folder lists it (the exact
/// spelling first, else the first match in sorted order), with its kind, without following it.
///
/// The spelling comes from the listing, never from `name`: on a case-insensitive file system
/// (NTFS, a CIFS mount, `\\server\c$`) `dir.join(name)` opens too, and would report the lookup's
/// spelling (`WINDOWS\system32\inetsrv`) instead of the file's (`Windows\System32\InetSrv`), so
/// that Linux and Windows runs named one file two ways. Only a folder that cannot be listed (search
/// permission without read) falls back to `name` as given.
pub fn child_any_case(dir: &Path, name: &str) -> Option<(PathBuf, super::fsys::EntryKind)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        let exact = dir.join(name);
        return super::fsys::entry_kind(&exact).ok().map(|kind| (exact, kind));
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name))
        .map(|e| super::fsys::child(dir, e.file_name()))
        .collect();
    names.sort_by_key(|p| (p.file_name().is_none_or(|n| n != name), p.clone()));
    let path = names.into_iter().next()?;
    let kind = super::fsys::entry_kind(&path).ok()?;
    Some((path, kind))
}

/// Why a drive copy's metabase could not be found unambiguously.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindError {
    /// A symbolic link on the way (never followed in a drive copy).
    Link(PathBuf),
    /// Two or more entries of one folder that NTFS would take for one name (`MetaBase.xml` and
    /// `metabase.xml`): a case-sensitive copy holds what no NTFS volume can, so which one the server
    /// has is unknown.
    Ambiguous(Vec<PathBuf>),
}

/// Every entry of `dir` named `name` in any letter case, sorted, without following any. More than
/// one means the copy is not faithful to an NTFS volume, where names differ by more than case.
pub fn children_any_case(dir: &Path, name: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let wanted = super::upcase::upcase(name);
    let mut names: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| super::upcase::upcase(&e.file_name().to_string_lossy()) == wanted)
        .map(|e| super::fsys::child(dir, e.file_name()))
        .collect();
    names.sort();
    names
}

/// Finds `<windir>\\system32\\inetsrv\\MetaBase.xml` on a copy of a system drive, in any letter case.
/// Returns the host path and the Windows folder's name as found (`WINDOWS`, `WINNT`). A drive copy is
/// input from the server: no symbolic link on the way is followed, and two spellings of one name in a
/// folder (which NTFS cannot hold) make the copy ambiguous: `Err` names them.
pub fn find_metabase(root: &Path) -> Result<Option<(PathBuf, String)>, FindError> {
    use super::fsys::{EntryKind, entry_kind};
    for candidate in ["WINDOWS", "WINNT"] {
        let mut here = root.to_path_buf();
        let mut found = true;
        for (i, part) in [candidate, "system32", "inetsrv", "MetaBase.xml"]
            .into_iter()
            .enumerate()
        {
            let mut all = children_any_case(&here, part);
            if all.len() > 1 {
                return Err(FindError::Ambiguous(all));
            }
            let Some(next) = all.pop() else {
                found = false;
                break;
            };
            match entry_kind(&next) {
                Ok(EntryKind::Symlink) => return Err(FindError::Link(next)),
                Ok(EntryKind::Dir) if i < 3 => here = next,
                Ok(EntryKind::File { .. }) if i == 3 => here = next,
                _ => {
                    found = false;
                    break;
                }
            }
        }
        if found {
            let windir = here
                .ancestors()
                .nth(3)
                .and_then(|w| w.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| candidate.to_string());
            return Ok(Some((here, windir)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_parse() {
        assert_eq!(parse_mapping("d:=/mnt/d").unwrap(), ('D', PathBuf::from("/mnt/d")));
        assert_eq!(parse_mapping("E=/x").unwrap(), ('E', PathBuf::from("/x")));
        assert!(parse_mapping("DD:=/x").is_err());
        assert!(parse_mapping("/x").is_err());
        assert!(parse_mapping("C:=").is_err());
        // A live server's admin share, as a Windows workstation reads it.
        assert_eq!(
            parse_mapping(r"C:=\\iis01\c$").unwrap(),
            ('C', PathBuf::from(r"\\iis01\c$"))
        );
    }

    #[test]
    fn nothing_is_mapped_unless_asked() {
        assert!(Drives::default().root('C').is_none());
        assert!(Drives::default().is_empty());
    }

    #[test]
    fn finds_the_metabase_in_any_case() {
        let dir = tempfile::tempdir().unwrap();
        let inetsrv = dir.path().join("Windows/System32/InetSrv");
        std::fs::create_dir_all(&inetsrv).unwrap();
        std::fs::write(inetsrv.join("metabase.XML"), "x").unwrap();
        let (path, windir) = find_metabase(dir.path()).unwrap().unwrap();
        assert!(path.ends_with("Windows/System32/InetSrv/metabase.XML"));
        assert_eq!(windir, "Windows");
        assert!(find_metabase(&inetsrv).unwrap().is_none());
        // A second spelling of any name on the way: the copy is ambiguous (NTFS holds one). Only a
        // case-sensitive file system can hold two, so on NTFS (and Wine's view of one) this part
        // has nothing to stage.
        if inetsrv.join("METABASE.XML").exists() {
            return;
        }
        std::fs::write(inetsrv.join("MetaBase.xml"), "y").unwrap();
        match find_metabase(dir.path()) {
            Err(FindError::Ambiguous(names)) => assert_eq!(names.len(), 2, "{names:?}"),
            other => panic!("{other:?}"),
        }
        std::fs::remove_file(inetsrv.join("MetaBase.xml")).unwrap();
        std::fs::create_dir_all(dir.path().join("windows/system32/inetsrv")).unwrap();
        assert!(matches!(find_metabase(dir.path()), Err(FindError::Ambiguous(_))));
    }

    #[test]
    fn a_child_is_spelled_as_its_folder_lists_it_the_exact_spelling_first() {
        use super::super::fsys::EntryKind;
        use std::ffi::OsStr;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("hiStory")).unwrap();
        let (path, kind) = child_any_case(dir.path(), "History").unwrap();
        assert_eq!(path.file_name().unwrap(), "hiStory");
        assert_eq!(kind, EntryKind::Dir);
        assert_eq!(child_any_case(dir.path(), "Histories"), None);
        // Several spellings: only a case-sensitive file system holds them (NTFS, and Wine's view of
        // one, holds one), so there is nothing more to stage there.
        if dir.path().join("HISTORY").exists() {
            return;
        }
        std::fs::write(dir.path().join("HISTORY"), "x").unwrap();
        std::fs::create_dir(dir.path().join("History")).unwrap();
        // The name as asked for, though `HISTORY` sorts first.
        let (path, kind) = child_any_case(dir.path(), "History").unwrap();
        assert_eq!(
            (path.file_name().unwrap(), kind),
            (OsStr::new("History"), EntryKind::Dir)
        );
        // No exact spelling: the first in sorted order, with its own kind.
        let (path, kind) = child_any_case(dir.path(), "history").unwrap();
        assert_eq!(
            (path.file_name().unwrap(), kind),
            (OsStr::new("HISTORY"), EntryKind::File { len: 1 })
        );
    }

    #[test]
    fn the_metabase_is_a_file_under_three_folders() {
        let dir = tempfile::tempdir().unwrap();
        // A folder named MetaBase.xml is no metabase.
        std::fs::create_dir_all(dir.path().join("WINDOWS/system32/inetsrv/MetaBase.xml")).unwrap();
        assert_eq!(find_metabase(dir.path()), Ok(None));
        // A file where a folder belongs is no folder: WINNT's metabase is the one.
        std::fs::write(dir.path().join("WINNT"), "x").unwrap();
        assert_eq!(find_metabase(dir.path()), Ok(None));
        std::fs::remove_file(dir.path().join("WINNT")).unwrap();
        let inetsrv = dir.path().join("WINNT/system32/inetsrv");
        std::fs::create_dir_all(&inetsrv).unwrap();
        std::fs::write(inetsrv.join("MetaBase.xml"), "x").unwrap();
        assert_eq!(
            find_metabase(dir.path()),
            Ok(Some((inetsrv.join("MetaBase.xml"), "WINNT".to_string())))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_on_the_way_to_the_metabase_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(elsewhere.join("system32/inetsrv")).unwrap();
        std::fs::write(elsewhere.join("system32/inetsrv/MetaBase.xml"), "x").unwrap();
        let root = dir.path().join("c");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("WINDOWS")).unwrap();
        assert_eq!(find_metabase(&root), Err(FindError::Link(root.join("WINDOWS"))));
        // The metabase itself a link.
        std::fs::remove_file(root.join("WINDOWS")).unwrap();
        std::fs::create_dir_all(root.join("WINDOWS/system32/inetsrv")).unwrap();
        let metabase = root.join("WINDOWS/system32/inetsrv/MetaBase.xml");
        std::os::unix::fs::symlink(elsewhere.join("system32/inetsrv/MetaBase.xml"), &metabase).unwrap();
        assert_eq!(find_metabase(&root), Err(FindError::Link(metabase)));
    }
}
