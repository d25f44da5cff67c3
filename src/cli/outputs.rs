//! Where a run writes (`-o`, `--write-baseline`), checked before any input is read and again when
//! written, so that no write harms what is already there.
//!
//! - **A file the run reads is never its output**: a metabase (or the MetaBase.xml found in a drive
//!   copy), standard input when it is a file, `--baseline`, `--config`, an `mblint.toml` found
//!   beside a metabase. The same file however it is named (`./`, a symbolic link, a hard link:
//!   device and inode on Unix, the canonical path elsewhere) is a usage error naming both.
//! - **A regular file, or a new one**, is written whole: into a temporary file beside it, renamed
//!   over it. Two outputs naming one file are refused: the second would replace the first.
//! - **A character device or a FIFO** (`/dev/null`, `/dev/full`, `/dev/stdout` on a terminal or a
//!   pipe) is opened for writing and written to: never created, truncated or replaced, so it stays
//!   what it is. A FIFO that no process opens for reading within [`FIFO_READER_WAIT`] is an error,
//!   not a hang.
//! - **Refused**: a folder; a block device (a report written onto a disk destroys its file system,
//!   and nobody means that); a socket; and a symbolic link, unless it leads to a character device
//!   or a FIFO (as `/dev/stdout` does). Renaming over a link would lose the link, and writing
//!   through it would let a link planted where the report goes (in a shared `/tmp`) aim a write
//!   made as root at any file of the machine; the error names the link's target, to be named
//!   instead.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::time::Duration;

use crate::config::{Configs, Origin};

/// How long a write to a FIFO waits for a process to open it for reading.
#[cfg(unix)]
pub const FIFO_READER_WAIT: Duration = Duration::from_secs(5);

/// What identifies a file, however it is named.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    /// Device and inode (on Windows: volume serial number and file index).
    Inode(u64, u64),
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata, _: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    Some(Identity::Inode(meta.dev(), meta.ino()))
}

/// The volume serial number and file index (Windows' inode), read through a handle that asks only
/// for attributes: the same file under any name (a hard link, a short name, another letter case).
#[cfg(windows)]
fn identity(_: &std::fs::Metadata, path: &Path) -> Option<Identity> {
    use std::os::windows::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .access_mode(windows_sys::Win32::Storage::FileSystem::FILE_READ_ATTRIBUTES)
        .open(path)
        .ok()?;
    let id = crate::resolve::fsys::file_id(&file).ok()?;
    Some(Identity::Inode(id.dev, id.ino))
}

/// The identity of the regular file at `path` (a link followed); `None` when there is none.
fn identity_of(path: &Path) -> Option<Identity> {
    std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|meta| identity(&meta, path))
}

/// What an output is, and so how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A regular file, or nothing yet: written whole and renamed over it.
    File,
    /// A character device or a FIFO: written to, never replaced. (Unix only: on Windows an output
    /// is a file or nothing; `NUL` and `CON` are refused as not files.)
    #[cfg_attr(not(unix), allow(dead_code))]
    Stream,
}

/// What a file that is not a regular file is, for messages.
#[cfg(unix)]
fn special(ft: &std::fs::FileType) -> (&'static str, Option<Kind>) {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_char_device() {
        ("a character device", Some(Kind::Stream))
    } else if ft.is_fifo() {
        ("a FIFO", Some(Kind::Stream))
    } else if ft.is_block_device() {
        ("a block device", None)
    } else if ft.is_socket() {
        ("a socket", None)
    } else {
        ("not a regular file", None)
    }
}

#[cfg(not(unix))]
fn special(_: &std::fs::FileType) -> (&'static str, Option<Kind>) {
    ("not a regular file", None)
}

/// How `path` is written, or why it is not.
fn kind(path: &Path) -> Result<Kind, String> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return new_file(path),
        Err(e) => return Err(format!("cannot be examined: {e}")),
    };
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(Kind::File);
    }
    if ft.is_dir() {
        return Err("is a folder: name a file".into());
    }
    if ft.is_symlink() {
        let target =
            crate::resolve::fsys::canonical(path).map_or_else(|_| "nothing".to_string(), |t| t.display().to_string());
        return match std::fs::metadata(path) {
            Err(e) => Err(format!("is a symbolic link that leads nowhere ({e}): name a file")),
            Ok(to) => match (to.is_dir(), to.is_file(), special(&to.file_type())) {
                (false, false, (_, Some(kind))) => Ok(kind),
                // `/dev/stdout` when standard output is redirected to a file: a second writer
                // there would write over the console's lines.
                (false, true, _) if path.starts_with("/dev") || path.starts_with("/proc") => Err(format!(
                    "leads to the regular file {target} (a descriptor redirected to a file), where a second writer would write over the first: name the file itself (for the report on standard output, leave out -o)"
                )),
                (dir, file, (what, _)) => Err(format!(
                    "is a symbolic link to {target}, {}: mblint writes no report or baseline through a link, which could aim the write at any file; name {target} itself",
                    if dir {
                        "a folder"
                    } else if file {
                        "a regular file"
                    } else {
                        what
                    }
                )),
            },
        };
    }
    match special(&ft) {
        (_, Some(kind)) => Ok(kind),
        (what, None) => Err(format!(
            "is {what}: mblint writes a report or a baseline to a regular file, a character device (/dev/null) or a FIFO, never onto a disk or a socket"
        )),
    }
}

/// A file that does not exist yet: its folder must.
fn new_file(path: &Path) -> Result<Kind, String> {
    if path.file_name().is_none() {
        return Err("names no file".into());
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match std::fs::metadata(folder) {
        Ok(meta) if meta.is_dir() => Ok(Kind::File),
        Ok(_) => Err(format!("cannot be created: {} is not a folder", folder.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(format!(
            "cannot be created: the folder {} does not exist",
            folder.display()
        )),
        Err(e) => Err(format!("cannot be created: {}: {e}", folder.display())),
    }
}

/// One file the run reads.
#[derive(Debug)]
struct Read {
    /// `the metabase MetaBase.xml`, `the --baseline file b.json`, ...
    what: String,
    id: Identity,
}

/// One output, as checked.
#[derive(Debug)]
struct Output {
    flag: &'static str,
    path: PathBuf,
    kind: Kind,
    /// The file it names, existing or not: its identity, or its canonical folder and its name.
    names: Option<Result<Identity, (PathBuf, std::ffi::OsString)>>,
}

/// The files a run reads and the outputs it writes, checked against each other.
#[derive(Debug, Default)]
pub struct Guard {
    reads: Vec<Read>,
    /// Folders the run reads as a whole (a drive copy, a mapped drive: any DLL in them may be read),
    /// canonical, with their description.
    trees: Vec<(PathBuf, String)>,
    /// Names `--fix --backup` may create: (canonical folder, the metabase's file name); its backups
    /// are `<name>.bak`, `<name>.bak.1`, ...
    backups: Vec<(PathBuf, String)>,
    outputs: Vec<Output>,
}

/// A path made canonical as far as it exists: its folder's canonical path and its own name.
fn canonical_place(path: &Path) -> Option<PathBuf> {
    if let Ok(full) = crate::resolve::fsys::canonical(path) {
        return Some(full);
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some(crate::resolve::fsys::canonical(folder).ok()?.join(path.file_name()?))
}

impl Guard {
    /// Records a file the run reads, described for messages (`the metabase MetaBase.xml`). A file
    /// that does not exist or is not a regular file is not recorded: it cannot be read as one, and
    /// its error comes when it is checked.
    pub fn reads(&mut self, what: String, path: &Path) {
        if let Some(id) = identity_of(path) {
            self.reads.push(Read { what, id });
        }
    }

    /// Records a folder the run reads as a whole: a drive copy or a mapped drive, where any DLL the
    /// metabase names may be read. Nothing is written inside it.
    pub fn reads_tree(&mut self, what: String, folder: &Path) {
        if let Ok(canonical) = crate::resolve::fsys::canonical(folder) {
            self.trees.push((canonical, what));
        }
    }

    /// Records that `--fix --backup` may create backups of `metabase` beside it.
    pub fn backs_up(&mut self, metabase: &Path) {
        if let (Some(place), Some(name)) = (canonical_place(metabase), metabase.file_name())
            && let Some(folder) = place.parent()
        {
            self.backups
                .push((folder.to_path_buf(), name.to_string_lossy().into_owned()));
        }
    }

    /// Records standard input, when it is a regular file (`mblint check - < MetaBase.xml`).
    pub fn reads_stdin(&mut self) {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            let stdin = std::io::stdin();
            let meta = stdin
                .as_fd()
                .try_clone_to_owned()
                .map(std::fs::File::from)
                .and_then(|f| f.metadata());
            if let Ok(meta) = meta.as_ref().map(|m| (m.is_file(), m))
                && meta.0
                && let Some(id) = identity(meta.1, Path::new("-"))
            {
                self.reads.push(Read {
                    what: "standard input (a file)".into(),
                    id,
                });
            }
        }
    }

    /// Checks an output (`flag` is `-o` or `--write-baseline`) before any input is read: the
    /// error, a usage error, says what is wrong with it.
    pub fn output(&mut self, flag: &'static str, path: &Path) -> Result<(), String> {
        let kind = self.check(flag, path)?;
        let names = (kind == Kind::File).then(|| {
            identity_of(path).ok_or_else(|| {
                let folder = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                (
                    crate::resolve::fsys::canonical(folder).unwrap_or_else(|_| folder.to_path_buf()),
                    path.file_name().unwrap_or_default().to_os_string(),
                )
            })
        });
        if let Some(names) = &names
            && let Some(first) = self.outputs.iter().find(|o| o.names.as_ref() == Some(names))
        {
            return Err(format!(
                "{flag} {} and {} {} name the same file: one would replace the other; name two files",
                path.display(),
                first.flag,
                first.path.display()
            ));
        }
        self.outputs.push(Output {
            flag,
            path: path.to_path_buf(),
            kind,
            names,
        });
        Ok(())
    }

    /// How an output is written, or why it may not be: it is no file the run reads, and of a kind
    /// that is written.
    fn check(&self, flag: &str, path: &Path) -> Result<Kind, String> {
        if let Some(id) = identity_of(path)
            && let Some(read) = self.reads.iter().find(|r| r.id == id)
        {
            return Err(format!(
                "{flag} {} is {}, which this run reads: a file mblint reads is never its output; write to another file",
                path.display(),
                read.what
            ));
        }
        if let Some(place) = canonical_place(path) {
            if let Some((_, what)) = self.trees.iter().find(|(tree, _)| place.starts_with(tree)) {
                return Err(format!(
                    "{flag} {} is inside {what}, which this run reads as the server's drive: mblint never writes into it; write to a file outside it",
                    path.display()
                ));
            }
            let name = place.file_name().map(|n| n.to_string_lossy().to_lowercase());
            if let Some((_, metabase)) = self.backups.iter().find(|(folder, metabase)| {
                place.parent() == Some(folder.as_path())
                    && name
                        .as_deref()
                        .is_some_and(|n| n.starts_with(&format!("{}.bak", metabase.to_lowercase())))
            }) {
                return Err(format!(
                    "{flag} {} is a name --backup may give the backup of {metabase}: one would replace the other; write to another file",
                    path.display()
                ));
            }
        }
        kind(path).map_err(|why| format!("{flag} {} {why}", path.display()))
    }

    /// Writes an output checked with [`Guard::output`], checked again now: a regular file whole
    /// (a temporary file beside it, synced, checked once more and renamed over it; removed if
    /// anything fails), a device or a FIFO by writing to it. The error is the whole message.
    pub fn write(
        &self,
        flag: &'static str,
        path: &Path,
        render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), String> {
        let kind = self.check(flag, path)?;
        if self.outputs.iter().any(|o| o.path == path && o.kind != kind) {
            return Err(format!(
                "{flag} {}: changed while mblint ran (it is not what it was when the run began); nothing written",
                path.display()
            ));
        }
        let cannot = |e: io::Error| format!("cannot write {flag} {}: {e}", path.display());
        match kind {
            Kind::Stream => {
                let mut out = io::BufWriter::new(open_stream(path).map_err(cannot)?);
                render(&mut out).map_err(cannot)?;
                out.flush().map_err(cannot)
            }
            Kind::File => write_whole(path, render, || self.check(flag, path).map(|_| ())).map_err(|e| match e {
                Refused::Io(e) => cannot(e),
                Refused::Now(why) => why,
            }),
        }
    }
}

/// Why [`write_whole`] did not rename.
enum Refused {
    Io(io::Error),
    /// The check just before the rename failed.
    Now(String),
}

/// Writes a file through `render` into a temporary file in the same folder, then renames it over
/// `path` if `still_ok` says the path may still be replaced; the temporary file is removed when
/// anything fails.
fn write_whole(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    still_ok: impl FnOnce() -> Result<(), String>,
) -> Result<(), Refused> {
    let name = path
        .file_name()
        .ok_or_else(|| Refused::Io(io::Error::new(io::ErrorKind::InvalidInput, "not a file name")))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.mblint-tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    let result = (|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(Refused::Io)?;
        let mut out = io::BufWriter::new(file);
        render(&mut out).map_err(Refused::Io)?;
        out.into_inner()
            .map_err(|e| Refused::Io(e.into_error()))?
            .sync_all()
            .map_err(Refused::Io)?;
        still_ok().map_err(Refused::Now)?;
        std::fs::rename(&temp, path).map_err(Refused::Io)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Opens a character device or a FIFO for writing: no create, no truncate. Never blocks in the open:
/// a FIFO with no reader is waited for up to [`FIFO_READER_WAIT`], then an error. What was opened
/// must still be a device or a FIFO (not a regular file swapped in since it was checked).
#[cfg(unix)]
fn open_stream(path: &Path) -> io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let deadline = std::time::Instant::now() + FIFO_READER_WAIT;
    let file = loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
            .open(path)
        {
            Ok(file) => break file,
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                if std::time::Instant::now() >= deadline {
                    return Err(io::Error::new(
                        e.kind(),
                        format!(
                            "a FIFO that no process opened for reading in {} s",
                            FIFO_READER_WAIT.as_secs()
                        ),
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e),
        }
    };
    let ft = file.metadata()?.file_type();
    if !(ft.is_char_device() || ft.is_fifo()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no longer a character device or a FIFO",
        ));
    }
    // Writes block again, as on any pipe: a slow reader is waited for, not an error.
    // SAFETY: fcntl on a file descriptor this function owns.
    let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
    if flags == -1 || unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_stream(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open(path)
}

/// The guard of a `check` run: every file it reads (each PATH's metabase, standard input, the
/// configuration each metabase is checked with, `--config`, `--baseline`) against `-o` and
/// `--write-baseline`. An error is a usage error, found before any input is read.
pub fn for_check(args: &super::CheckArgs, configs: &Configs) -> Result<Guard, String> {
    let mut guard = Guard::default();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            guard.reads_stdin();
            if let Ok(folder) = std::env::current_dir() {
                guard.reads_configuration(configs, &folder.join("MetaBase.xml"), false);
            }
            continue;
        }
        // A PATH that names nothing mblint can check is reported when it is checked.
        let Ok(input) = crate::lint::input(path) else {
            continue;
        };
        guard.reads_metabase(&input, None);
        guard.reads_configuration(configs, &input.metabase, input.drive.is_some());
        if let Some((folder, _)) = &input.drive {
            guard.reads_tree(format!("the drive copy {}", folder.display()), folder);
        }
        if args.fix && args.backup {
            guard.backs_up(&input.metabase);
        }
    }
    for (letter, root) in &args.drives {
        guard.reads_tree(format!("drive {letter}: (mapped to {})", root.display()), root);
    }
    guard.reads_named(args.shared.config.as_deref(), args.shared.baseline.as_deref());
    if let Some(path) = &args.shared.output_file {
        guard.output("-o", path)?;
    }
    if let Some(path) = &args.write_baseline {
        guard.output("--write-baseline", path)?;
    }
    Ok(guard)
}

/// The guard of a `history` run: the current metabase, every file of the History folder (and the
/// drive copy, when PATH is one), the configuration, `--config` and `--baseline`, against `-o`.
/// A history whose layout cannot be found is reported when it is judged; its guard still holds
/// what was named.
pub fn for_history(args: &super::HistoryArgs) -> Result<Guard, String> {
    let mut guard = Guard::default();
    if args.path.is_dir() {
        guard.reads_tree(format!("the history {}", args.path.display()), &args.path);
    } else {
        guard.reads(format!("the metabase {}", args.path.display()), &args.path);
    }
    if let Some(metabase) = &args.metabase {
        guard.reads(format!("the metabase {}", metabase.display()), metabase);
    }
    if let Ok(layout) = crate::history::layout(&args.path, args.metabase.as_deref()) {
        guard.reads_tree(
            format!("the History folder {}", layout.folder.display()),
            &layout.folder,
        );
        if let Some(drive) = &layout.drive {
            guard.reads_tree(format!("the drive copy {}", drive.display()), drive);
        }
        if let Some(current) = layout.current.path() {
            guard.reads(format!("the metabase {}", current.display()), current);
            if let Ok(configs) = args.shared.configs() {
                let in_copy = layout.drive.is_some();
                guard.reads_configuration(&configs, current, in_copy);
            }
        }
    }
    for (letter, root) in &args.drives {
        guard.reads_tree(format!("drive {letter}: (mapped to {})", root.display()), root);
    }
    guard.reads_named(args.shared.config.as_deref(), args.shared.baseline.as_deref());
    if let Some(path) = &args.shared.output_file {
        guard.output("-o", path)?;
    }
    Ok(guard)
}

/// The guard of a `compare` run: every node's metabase and configuration against `-o`.
pub fn for_compare(
    nodes: &[(String, PathBuf)],
    mapped: &[PathBuf],
    config: Option<&Path>,
    baseline: Option<&Path>,
    output: Option<&Path>,
    configs: &Configs,
) -> Result<Guard, String> {
    let mut guard = Guard::default();
    for (name, path) in nodes {
        let Ok(input) = crate::lint::input(path) else {
            continue;
        };
        guard.reads_metabase(&input, Some(name));
        guard.reads_configuration(configs, &input.metabase, input.drive.is_some());
        if let Some((folder, _)) = &input.drive {
            guard.reads_tree(format!("node {name}'s drive copy {}", folder.display()), folder);
        }
    }
    for root in mapped {
        guard.reads_tree(format!("the mapped drive {}", root.display()), root);
    }
    guard.reads_named(config, baseline);
    if let Some(path) = output {
        guard.output("-o", path)?;
    }
    Ok(guard)
}

impl Guard {
    fn reads_metabase(&mut self, input: &crate::lint::Input, node: Option<&str>) {
        let node = node.map(|n| format!("node {n}'s ")).unwrap_or_default();
        let what = match &input.drive {
            Some((folder, _)) => format!(
                "{node}metabase {} (in the drive copy {})",
                input.metabase.display(),
                folder.display()
            ),
            None => format!("{node}metabase {}", input.metabase.display()),
        };
        let what = if node.is_empty() { format!("the {what}") } else { what };
        self.reads(what, &input.metabase);
    }

    fn reads_configuration(&mut self, configs: &Configs, metabase: &Path, in_drive_copy: bool) {
        if let Some((path, Origin::Discovered)) = configs.file_for(metabase, in_drive_copy) {
            self.reads(format!("the configuration {}", path.display()), &path);
        }
    }

    fn reads_named(&mut self, config: Option<&Path>, baseline: Option<&Path>) {
        if let Some(path) = config {
            self.reads(format!("the --config file {}", path.display()), path);
        }
        if let Some(path) = baseline {
            self.reads(format!("the --baseline file {}", path.display()), path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_is_checked_against_every_read_however_it_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let metabase = dir.path().join("MetaBase.xml");
        std::fs::write(&metabase, "x").unwrap();
        let mut guard = Guard::default();
        guard.reads("the metabase MetaBase.xml".into(), &metabase);
        let dotted = dir.path().join(".").join("MetaBase.xml");
        let err = guard.output("-o", &dotted).unwrap_err();
        assert!(
            err.contains("is the metabase MetaBase.xml, which this run reads"),
            "{err}"
        );
        #[cfg(unix)]
        {
            let hard = dir.path().join("hard.xml");
            std::fs::hard_link(&metabase, &hard).unwrap();
            assert!(guard.output("-o", &hard).is_err());
        }
        // Another file, and a new one, are fine; naming the new one twice is not.
        let other = dir.path().join("other.sarif");
        std::fs::write(&other, "old").unwrap();
        guard.output("-o", &other).unwrap();
        guard.output("--write-baseline", &dir.path().join("b.json")).unwrap();
        let err = guard
            .output("--write-baseline", &dir.path().join(".").join("b.json"))
            .unwrap_err();
        assert!(err.contains("name the same file"), "{err}");
    }

    #[test]
    fn a_new_file_needs_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let err = kind(&dir.path().join("no-such-folder/report.sarif")).unwrap_err();
        assert!(err.contains("the folder") && err.contains("does not exist"), "{err}");
        assert_eq!(kind(&dir.path().join("report.sarif")), Ok(Kind::File));
        assert!(kind(dir.path()).unwrap_err().contains("is a folder"));
    }

    #[test]
    fn a_file_is_replaced_whole_and_the_temporary_file_never_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.txt");
        std::fs::write(&path, "old").unwrap();
        let guard = Guard::default();
        // A render that fails leaves the old file and no temporary file.
        let err = guard
            .write("-o", &path, |out| {
                out.write_all(b"half")?;
                Err(io::Error::other("disk full"))
            })
            .unwrap_err();
        assert!(err.contains("disk full"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        guard.write("-o", &path, |out| out.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_output_is_checked_again_when_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.sarif");
        let mut guard = Guard::default();
        guard.output("-o", &path).unwrap();
        // A folder made there since: refused, nothing written into it.
        std::fs::create_dir(&path).unwrap();
        let err = guard.write("-o", &path, |out| out.write_all(b"x")).unwrap_err();
        assert!(err.contains("is a folder"), "{err}");
        assert_eq!(std::fs::read_dir(&path).unwrap().count(), 0);
        std::fs::remove_dir(&path).unwrap();
        // A FIFO made there since: not what was checked, so not written to either.
        #[cfg(unix)]
        {
            let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let err = guard.write("-o", &path, |out| out.write_all(b"x")).unwrap_err();
            assert!(err.contains("changed while mblint ran"), "{err}");
        }
        // A file the run reads, made the output by a link since: refused.
        #[cfg(unix)]
        {
            let metabase = dir.path().join("MetaBase.xml");
            std::fs::write(&metabase, "keep").unwrap();
            let mut guard = Guard::default();
            guard.reads("the metabase MetaBase.xml".into(), &metabase);
            let out = dir.path().join("out.json");
            guard.output("-o", &out).unwrap();
            std::fs::hard_link(&metabase, &out).unwrap();
            let err = guard.write("-o", &out, |o| o.write_all(b"report")).unwrap_err();
            assert!(err.contains("which this run reads"), "{err}");
            assert_eq!(std::fs::read_to_string(&metabase).unwrap(), "keep");
        }
    }
}
