//! `mblint inspect`: what PE images are (`--deps`, the dependency tree, is in [`super::deps`]).

use std::path::PathBuf;

use crate::report::inspect::{InspectResult, Inspected, isapi_roles};
use crate::resolve::drive::parse_mapping;
use crate::resolve::{fsys, pe};

use super::args::{ListFormat, PlatformArg};
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, deps, output};

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Image files (DLL or EXE), or folders: every .dll and .exe under a folder, in any letter case
    /// (links that lead outside the folder are not followed, and are listed as not read).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    /// Output format: a table (each image's imports, delay-loads, forwarders and manifest under
    /// its row), or JSON with the export table, every imported function and the manifest.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// The dependency tree of each DLL as the Windows Server 2003 loader would resolve it on a drive
    /// copy: where each module is found and why, and why each missing one is missing. FILE is then
    /// a Windows path (C:\Apps\x.dll) on a drive given with -d.
    #[arg(long, requires = "drives")]
    pub deps: bool,
    /// With --deps: map a Windows drive to a folder holding its copy (repeatable): -d C:=/mnt/c.
    #[arg(short, long = "drive", value_name = "X:=DIR", value_parser = parse_mapping)]
    pub drives: Vec<(char, PathBuf)>,
    /// With --deps: the server's platform, above what the drive says.
    #[arg(long, value_enum, value_name = "PLATFORM", requires = "deps")]
    pub platform: Option<PlatformArg>,
    /// With --deps: the bitness of the process that loads the DLL (default: the platform's native).
    #[arg(long, value_parser = ["32", "64"], value_name = "BITS", requires = "deps")]
    pub worker_bitness: Option<String>,
    /// With --deps: the process that loads the DLL, whose folder is searched first (w3wp.exe and
    /// inetinfo.exe: system32\inetsrv; dllhost.exe: system32).
    #[arg(long, value_parser = ["w3wp", "inetinfo", "dllhost"], value_name = "EXE", requires = "deps")]
    pub host: Option<String>,
}

/// The most entries `inspect DIR` visits under one folder, and the deepest it goes: a drive copy
/// has a few hundred thousand files; past either bound the listing stops and says so (exit 2).
const INSPECT_MAX_ENTRIES: usize = 1_000_000;
const INSPECT_MAX_DEPTH: usize = 64;

/// The images under a folder for `inspect`: every file named `*.dll` or `*.exe` (any letter case),
/// sorted, and every entry that could not be read, with why. A link is followed only when it
/// leads to a file inside the folder (a link to a folder is not descended: what it leads to inside
/// is listed under its own name); one that leads outside, or nowhere, is listed as not read.
fn images_under(root: &std::path::Path) -> Vec<(PathBuf, Option<String>)> {
    let mut found: Vec<(PathBuf, Option<String>)> = Vec::new();
    let inside = match crate::resolve::fsys::canonical(root) {
        Ok(p) => p,
        Err(e) => return vec![(root.to_path_buf(), Some(format!("cannot read: {e}")))],
    };
    let is_image = |p: &std::path::Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("dll") || e.eq_ignore_ascii_case("exe"))
    };
    let mut stack: Vec<(PathBuf, usize)> = vec![(root.to_path_buf(), 0)];
    let mut visited = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                found.push((dir, Some(format!("cannot list the folder: {e}"))));
                continue;
            }
        };
        for entry in entries {
            visited += 1;
            if visited > INSPECT_MAX_ENTRIES {
                found.push((
                    root.to_path_buf(),
                    Some(format!(
                        "more than {INSPECT_MAX_ENTRIES} entries: stopped listing (inspect a smaller folder)"
                    )),
                ));
                return found;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    found.push((dir.clone(), Some(format!("cannot list the folder: {e}"))));
                    continue;
                }
            };
            let path = fsys::child(&dir, entry.file_name());
            let kind = match entry.file_type() {
                Ok(kind) => kind,
                Err(e) => {
                    found.push((path, Some(format!("cannot read: {e}"))));
                    continue;
                }
            };
            if kind.is_dir() {
                if depth + 1 > INSPECT_MAX_DEPTH {
                    found.push((
                        path,
                        Some(format!("deeper than {INSPECT_MAX_DEPTH} folders: not listed")),
                    ));
                } else {
                    stack.push((path, depth + 1));
                }
            } else if kind.is_symlink() {
                if !is_image(&path) {
                    continue;
                }
                match crate::resolve::fsys::canonical(&path) {
                    Ok(target) if target.starts_with(&inside) => found.push((path, None)),
                    Ok(_) => found.push((path, Some("a link that leads outside the folder: not followed".into()))),
                    Err(e) => found.push((path, Some(format!("a link that leads nowhere readable: {e}")))),
                }
            } else if is_image(&path) {
                found.push((path, None));
            }
        }
    }
    found.sort();
    found
}

/// What `inspect` says of one file.
fn inspect_file(file: &std::path::Path) -> InspectResult {
    let bytes = fsys::entry_kind(file)
        .map_err(|e| e.to_string())
        .and_then(|kind| match kind {
            fsys::EntryKind::Special(what) => Err(format!("{what}: not opened")),
            fsys::EntryKind::Dir => Err("a folder".into()),
            _ => std::fs::File::open(file).map_err(|e| e.to_string()),
        })
        .and_then(|f| fsys::read_capped(f, pe::MAX_IMAGE_SIZE).map_err(|e| e.to_string()))
        .and_then(|b| b.ok_or_else(|| format!("larger than {} bytes", pe::MAX_IMAGE_SIZE)));
    match bytes {
        Err(unreadable) => InspectResult::Unreadable {
            unreadable: format!("cannot read: {unreadable}"),
        },
        Ok(bytes) => match pe::classify(&bytes) {
            Ok(info) => InspectResult::Image {
                bitness: info.bitness(),
                isapi: isapi_roles(&info),
                info: Box::new(info),
            },
            Err(error) => InspectResult::Invalid { error },
        },
    }
}

pub fn run(args: &InspectArgs) -> std::io::Result<u8> {
    if args.deps {
        return deps::run(args);
    }
    if !args.drives.is_empty() {
        say!("mblint: error: -d/--drive is for inspect --deps; without it, give the image files themselves");
        return Ok(EXIT_ERROR);
    }
    let mut items: Vec<Inspected> = Vec::new();
    for file in &args.files {
        let folder = std::fs::symlink_metadata(file).is_ok_and(|m| m.is_dir());
        if !folder {
            items.push(Inspected {
                file: file.display().to_string(),
                result: inspect_file(file),
            });
            continue;
        }
        let under = images_under(file);
        if under.is_empty() {
            say!("mblint: {}: no .dll or .exe file under this folder", file.display());
        }
        for (path, unreadable) in under {
            items.push(Inspected {
                file: path.display().to_string(),
                result: match unreadable {
                    Some(unreadable) => InspectResult::Unreadable { unreadable },
                    None => inspect_file(&path),
                },
            });
        }
    }
    let text = match args.format {
        ListFormat::Json => crate::report::inspect::json(&items),
        ListFormat::Text => crate::report::inspect::table(&items),
    };
    output(&text)?;
    Ok(
        if items
            .iter()
            .any(|i| matches!(i.result, InspectResult::Unreadable { .. }))
        {
            EXIT_ERROR
        } else if items.iter().any(|i| matches!(i.result, InspectResult::Invalid { .. })) {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        },
    )
}
