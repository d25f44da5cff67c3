//! Replaces a file atomically, keeping what it is: a temporary file in the same folder, created
//! with no more permissions than the original, given its owner, group, mode and extended
//! attributes, written and synced, then renamed over it and the folder synced. Refused when the file
//! changed since it was read or is read-only. The original is never lost or half-written: until the
//! rename it is untouched, and the rename is atomic.
//!
//! The contract is per file: [`lock`] then [`Lock::replace`] touch one file (and its backup) and
//! nothing else, so one file's failure never stops or spoils another's.
//!
//! - **Concurrent runs.** [`lock`] takes an advisory lock on the file (`flock`, on the file itself,
//!   retried until the locked file is the one at the path), held from before the read to after the
//!   write: a second `mblint --fix` waits, then reads the first one's result. Writers that do not
//!   take the lock (IIS, an editor) are caught by the identity check immediately before the rename
//!   (same inode, size, times, and bytes as read); the moment between that check and the rename
//!   cannot be closed without their cooperation.
//! - **Symbolic links** are written through: the link's final target is replaced (its temporary
//!   file in the target's folder), so the link stays a link.
//! - **Hard links**: a file with several names is still replaced by rename, and a warning says that
//!   the other names keep the old content. Writing in place instead would give up atomicity (a kill
//!   or a full disk would leave a half-written metabase), and refusing would make `--fix` unusable
//!   where hard links are snapshots (`cp -al`, rsnapshot), whose whole point is to keep the old
//!   content.
//! - **Backups** are written like the file: a temporary file, synced, then linked into the first
//!   free name (`<name>.bak`, `<name>.bak.1`, ...) without following or replacing anything there.
//! - **Temporary files** are `.<name>.mblint-tmp.<pid>.<random>`, removed on every error path; those
//!   left by a killed run (its process gone, or older than [`STRAY_AGE`]) are removed by the next
//!   [`lock`] in that folder, and named in [`Lock::warnings`].

use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::resolve::fsys::{self, FileId, Ownership};

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path} changed on disk since mblint read it; nothing written (run mblint again)")]
    Changed { path: String },
    #[error(
        "{path} is read-only; nothing written (make it writable and run --fix again, or print the fixes with --diff, or as commands for the live metabase with --script adsutil)"
    )]
    ReadOnly { path: String },
    #[error("{path} is being fixed by another mblint (still locked after {secs} s); nothing written")]
    Locked { path: String, secs: u64 },
    #[error(
        "{path}: its permissions (owner and DACL) could not be given to the fixed file ({reason}); nothing written, since the fixed file would have the folder's permissions instead (run as a user who may set the file's owner, or apply the fixes with --script adsutil)"
    )]
    Permissions { path: String, reason: String },
    #[error("cannot write {path}: {source}; the original is unchanged")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// How the bytes get into a temporary file: the seam through which tests simulate a full disk. It
/// is used for the new content and for the backup; the file is synced after it returns.
pub trait Sink {
    fn write(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()>;
}

/// The real file system.
pub struct Disk;

impl Sink for Disk {
    fn write(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
        file.write_all(bytes)
    }
}

/// A file's bytes as parts written one after another (a byte order mark, then the text), so that
/// a 100 MB metabase is written, backed up and compared without being copied into one buffer.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a>(pub [&'a [u8]; 2]);

impl<'a> Content<'a> {
    /// The parts that hold bytes, in order.
    fn parts(self) -> impl Iterator<Item = &'a [u8]> {
        self.0.into_iter().filter(|p| !p.is_empty())
    }

    /// The bytes in one buffer.
    pub fn to_vec(self) -> Vec<u8> {
        self.0.concat()
    }
}

impl<'a> From<&'a [u8]> for Content<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Content([bytes, &[]])
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Content<'a> {
    fn from(bytes: &'a [u8; N]) -> Self {
        Content([bytes, &[]])
    }
}

/// How long [`lock`] waits for another mblint to finish with the same file.
pub const LOCK_WAIT: Duration = Duration::from_secs(120);

/// A temporary file older than this is a stray even if a process with its id runs (ids are reused).
pub const STRAY_AGE: Duration = Duration::from_secs(10 * 60);

const TEMP_MARK: &str = ".mblint-tmp.";

/// A file locked for fixing: held from before it is read until it is written (dropping it releases
/// the lock). See the module documentation.
#[derive(Debug)]
pub struct Lock {
    given: PathBuf,
    target: PathBuf,
    through_link: bool,
    /// The open, locked file: also where extended attributes are copied from.
    file: File,
    id: FileId,
    owner: Ownership,
    /// Gives a new file an owner and group: [`fsys::set_owner`], except in the tests of an owner
    /// that cannot be kept (the seam for that, as [`Sink`] is for a full disk).
    set_owner: fn(&File, u32, u32) -> io::Result<()>,
    /// The owner and DACL every file written in its place gets.
    #[cfg(windows)]
    security: fsys::Security,
    cleaned: Vec<PathBuf>,
}

/// What [`Lock::replace`] did.
#[derive(Debug)]
pub struct Written {
    /// The file written: the link's final target when the path was a symbolic link.
    pub path: PathBuf,
    /// The path given was a symbolic link (it is unchanged; its target was written).
    pub through_link: bool,
    /// Where the original was kept, with `backup`.
    pub backup: Option<PathBuf>,
    /// What could not be kept (owner, group, attributes), hard links left with the old content, a
    /// folder that could not be synced: one sentence each, for the user. The file was written.
    pub warnings: Vec<String>,
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Locks `path` (the final target, if it is a symbolic link) for fixing, waiting up to
/// [`LOCK_WAIT`] for another mblint, and removes stray temporary files in its folder. Take it before
/// reading the file, and write with [`Lock::replace`].
pub fn lock(path: &Path) -> Result<Lock, WriteError> {
    lock_waiting(path, LOCK_WAIT)
}

/// [`lock`] with another wait.
pub fn lock_waiting(path: &Path, wait: Duration) -> Result<Lock, WriteError> {
    lock_racing(path, wait, |_| {})
}

/// [`lock_waiting`], calling `racing` with the file's path each time a lock is taken, before the
/// check that the locked file is still the one at the path: the seam through which a test plays
/// the other program that renames a new file over it in that moment.
fn lock_racing(path: &Path, wait: Duration, mut racing: impl FnMut(&Path)) -> Result<Lock, WriteError> {
    let shown = path.display().to_string();
    let io = io_error(path);
    let deadline = Instant::now() + wait;
    let through_link = fs::symlink_metadata(path).map_err(&io)?.file_type().is_symlink();
    // Waits a moment for another run to finish, or gives up once `wait` has passed.
    let pause = || {
        if Instant::now() >= deadline {
            return Err(WriteError::Locked {
                path: shown.clone(),
                secs: wait.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
        Ok(())
    };
    loop {
        let target = fsys::canonical(path).map_err(&io)?;
        // On Windows a handle open on the file stops another mblint's rename over it (see
        // `replace`): while one is writing its replacement, this one does not even open the file.
        if cfg!(windows) && rename_pending(&target) {
            pause()?;
            continue;
        }
        let file = match fsys::open_for_lock(&target) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(WriteError::ReadOnly { path: shown });
            }
            Err(e) => return Err(io(e)),
        };
        if !fsys::try_lock(&file).map_err(&io)? {
            pause()?;
            continue;
        }
        // The lock holds only if the locked file is still the one at the path: another mblint may
        // have renamed a new file over it while this one waited.
        let meta = file.metadata().map_err(&io)?;
        let id = fsys::file_id(&file).map_err(&io)?;
        racing(&target);
        let now = fsys::file_id_at(&target);
        // On Windows another mblint closes its lock just before its rename (see `replace`): while
        // its temporary file is still there, the file is about to be replaced, so this one lets go
        // (its open handle would stop that rename) and waits for the new file.
        if cfg!(windows) && now.is_ok() && rename_pending(&target) {
            drop(file);
            pause()?;
            continue;
        }
        if now.is_ok_and(|now| (now.dev, now.ino) == (id.dev, id.ino)) {
            if meta.permissions().readonly() {
                return Err(WriteError::ReadOnly { path: shown });
            }
            #[cfg(windows)]
            let security = fsys::security(&file).map_err(|e| WriteError::Permissions {
                path: shown.clone(),
                reason: format!("they cannot be read: {e}"),
            })?;
            let cleaned = clean_strays(target.parent().unwrap_or(Path::new(".")));
            return Ok(Lock {
                given: path.to_path_buf(),
                target,
                through_link,
                owner: fsys::ownership(&file).map_err(&io)?,
                set_owner: fsys::set_owner,
                file,
                id,
                #[cfg(windows)]
                security,
                cleaned,
            });
        }
        if Instant::now() >= deadline {
            return Err(WriteError::Changed { path: shown });
        }
    }
}

impl Lock {
    /// The file that is locked and will be written: the final target of a symbolic link.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The path given was a symbolic link.
    pub fn through_link(&self) -> bool {
        self.through_link
    }

    /// Temporary files of interrupted runs removed from the folder when the lock was taken.
    pub fn cleaned(&self) -> &[PathBuf] {
        &self.cleaned
    }

    /// [`Lock::cleaned`] as sentences for the user.
    pub fn warnings(&self) -> Vec<String> {
        self.cleaned
            .iter()
            .map(|p| {
                format!(
                    "removed {}, a temporary file left by an interrupted mblint run",
                    p.display()
                )
            })
            .collect()
    }

    /// Writes `new` over the locked file, whose content was `original` when read. With `backup`,
    /// the original is kept beside it first (`<name>.bak`, or `.bak.N` if that exists). On error
    /// nothing is left behind: no temporary file, no backup, the file untouched.
    pub fn replace(
        self,
        original: Content<'_>,
        new: Content<'_>,
        backup: bool,
        sink: &mut dyn Sink,
    ) -> Result<Written, WriteError> {
        let target = &self.target;
        let given = self.given.clone();
        let io = |e: io::Error| write_error(&given, e);
        let dir = target.parent().unwrap_or(Path::new("."));
        let mut warnings = Vec::new();
        if self.owner.nlink > 1 {
            warnings.push(format!(
                "{} has {} hard links; the others keep the old content",
                target.display(),
                self.owner.nlink
            ));
        }
        let temp = self.temp_with(new, sink, &mut warnings).map_err(&io)?;
        let cleanup = |backup: Option<&Path>| {
            let _ = fs::remove_file(&temp);
            if let Some(b) = backup {
                let _ = fs::remove_file(b);
            }
        };
        let backup_path = if backup {
            let mut backup_warnings = Vec::new();
            let made = self
                .temp_with(original, sink, &mut backup_warnings)
                .and_then(|b| self.name_backup(&b, original, sink, &mut backup_warnings, fsys::rename_noreplace));
            match made {
                Ok(b) => {
                    let fresh: Vec<String> = backup_warnings
                        .into_iter()
                        .filter(|w| !warnings.contains(w))
                        .map(|w| format!("the backup: {w}"))
                        .collect();
                    warnings.extend(fresh);
                    // The backup is durable before the file is replaced.
                    if let Err(e) = fsys::sync_dir(dir) {
                        warnings.push(format!("the folder could not be synced after the backup: {e}"));
                    }
                    Some(b)
                }
                Err(e) => {
                    cleanup(None);
                    return Err(io(e));
                }
            }
        } else {
            None
        };
        // Last look before the rename: another writer may have saved the file meanwhile.
        if let Err(e) = self.unchanged(original) {
            cleanup(backup_path.as_deref());
            return Err(e);
        }
        // Windows renames over a file only when no handle to it is open: on an SMB share, and
        // locally before the POSIX rename semantics of Windows 10 1607 (FILE_RENAME_FLAG_POSIX_SEMANTICS,
        // https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/ns-ntifs-_file_rename_information),
        // MoveFileExW fails with "Access is denied" otherwise. So the lock (and its handle) goes
        // first: a second mblint that takes it in the moment before the rename reads the old file,
        // and its own identity check refuses once the rename has replaced it. On unix the lock is
        // held through the rename, so a waiting mblint reads the result.
        #[cfg(windows)]
        drop(self.file);
        if let Err(e) = rename_over(&temp, target) {
            cleanup(backup_path.as_deref());
            return Err(io(e));
        }
        if let Err(e) = fsys::sync_dir(dir) {
            warnings.push(format!(
                "{} was written, but its folder could not be synced: {e}",
                target.display()
            ));
        }
        Ok(Written {
            path: target.clone(),
            through_link: self.through_link,
            backup: backup_path,
            warnings,
        })
    }

    /// The locked file is still the one read: same inode, size and times as when locked, and the
    /// same bytes as `original`.
    fn unchanged(&self, original: Content<'_>) -> Result<(), WriteError> {
        let shown = self.given.display().to_string();
        match same_content(&self.target, original) {
            Ok(true) => {}
            Ok(false) => return Err(WriteError::Changed { path: shown }),
            Err(source) => return Err(WriteError::Io { path: shown, source }),
        }
        match fsys::file_id_at(&self.target) {
            Ok(now) if now == self.id => Ok(()),
            Ok(_) => Err(WriteError::Changed { path: shown }),
            Err(source) => Err(WriteError::Io { path: shown, source }),
        }
    }

    /// A new temporary file beside the target holding `bytes`, synced, with the target's owner,
    /// group, extended attributes and mode (what cannot be kept is added to `warnings`). Removed
    /// again on error.
    fn temp_with(&self, bytes: Content<'_>, sink: &mut dyn Sink, warnings: &mut Vec<String>) -> io::Result<PathBuf> {
        let (temp, mut file) = create_temp(&self.target, self.owner.mode)?;
        let result = (|| {
            self.keep_security(&file)?;
            let mode = self.keep_metadata(&file, warnings);
            fsys::set_mode(&file, mode)?;
            for part in bytes.parts() {
                sink.write(&mut file, part)?;
            }
            file.sync_all()
        })();
        drop(file);
        match result {
            Ok(()) => Ok(temp),
            Err(e) => {
                let _ = fs::remove_file(&temp);
                Err(e)
            }
        }
    }

    /// Gives a new file the locked file's owner and DACL (Windows), checked by reading them back;
    /// an error carrying [`PermissionsNotKept`] when it cannot. Nothing to do on unix, where
    /// [`Lock::keep_metadata`] keeps owner, group, mode and ACLs (extended attributes).
    #[cfg(windows)]
    fn keep_security(&self, file: &File) -> io::Result<()> {
        fsys::set_security(file, &self.security)
            .map_err(|e| io::Error::new(io::ErrorKind::PermissionDenied, PermissionsNotKept(e.to_string())))
    }

    #[cfg(not(windows))]
    fn keep_security(&self, _: &File) -> io::Result<()> {
        Ok(())
    }

    /// Gives the backup's temporary file `temp` the first free name of `<target>.bak`,
    /// `<target>.bak.1`, ... with `rename` (which never replaces: see [`fsys::rename_noreplace`]).
    /// Where that cannot be done at all (no hard links on FAT, exFAT and some SMB servers, no
    /// `renameat2` either), the backup is written again under the free name, created new, like the
    /// file: same owner, permissions and sync. `temp` is gone afterwards either way.
    fn name_backup(
        &self,
        temp: &Path,
        original: Content<'_>,
        sink: &mut dyn Sink,
        warnings: &mut Vec<String>,
        rename: impl Fn(&Path, &Path) -> io::Result<()>,
    ) -> io::Result<PathBuf> {
        match link_free_name(temp, &self.target, ".bak", &rename) {
            Err(e) if cannot_rename_without_replacing(&e) => {}
            other => return other,
        }
        let _ = fs::remove_file(temp);
        let base = format!("{}.bak", self.target.display());
        let mut n = 0u64;
        loop {
            let candidate = PathBuf::from(if n == 0 { base.clone() } else { format!("{base}.{n}") });
            let mut file = match fsys::create_new(&candidate, self.owner.mode) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    n += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let result = (|| {
                self.keep_security(&file)?;
                let mode = self.keep_metadata(&file, warnings);
                fsys::set_mode(&file, mode)?;
                for part in original.parts() {
                    sink.write(&mut file, part)?;
                }
                file.sync_all()
            })();
            drop(file);
            return match result {
                Ok(()) => Ok(candidate),
                Err(e) => {
                    let _ = fs::remove_file(&candidate);
                    Err(e)
                }
            };
        }
    }

    /// Gives `file` the locked file's owner, group and extended attributes; returns the mode to set
    /// (the original's, without the group bits if the group could not be kept: they would grant
    /// another group).
    fn keep_metadata(&self, file: &File, warnings: &mut Vec<String>) -> u32 {
        let Ownership { uid, gid, mode, .. } = self.owner;
        let mut mode = mode;
        if let Err(e) = (self.set_owner)(file, uid, gid) {
            if (self.set_owner)(file, u32::MAX, gid).is_ok() {
                warnings.push(format!("the owner (uid {uid}) could not be kept: {e}"));
            } else {
                mode &= !0o070;
                warnings.push(format!(
                    "the owner and group (uid {uid}, gid {gid}) could not be kept, so the group's permissions were dropped: {e}"
                ));
            }
        }
        for (name, e) in fsys::copy_xattrs(&self.file, file) {
            warnings.push(format!("the extended attribute {name} could not be kept: {e}"));
        }
        mode
    }
}

/// Writes `new` over `path`, whose content was `original` when read: [`lock`] then
/// [`Lock::replace`], for callers that did not take the lock before reading (the identity check
/// still compares the bytes). Warnings are dropped; the backup's path is returned.
pub fn replace(
    path: &Path,
    original: &[u8],
    new: &[u8],
    backup: bool,
    sink: &mut dyn Sink,
) -> Result<Option<PathBuf>, WriteError> {
    lock(path)?
        .replace(original.into(), new.into(), backup, sink)
        .map(|w| w.backup)
}

/// A random 64-bit number, different in every call (std's per-process random hash keys, the time
/// and a counter).
fn random() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Creates `.<name>.mblint-tmp.<pid>.<random>` beside `target`, new (never an existing name or a
/// symlink), with at most the owner's bits of `mode`.
fn create_temp(target: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
        .to_string_lossy();
    loop {
        let temp = target.with_file_name(format!(".{name}{TEMP_MARK}{}.{:016x}", std::process::id(), random()));
        match fsys::create_new(&temp, mode) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Whether a running mblint has a temporary file for `target` in its folder, written to in the last
/// [`PENDING_AGE`]: it holds the lock, or is about to rename that file over `target`. Called by [`lock_waiting`] before this run has
/// made any, so a temporary file of this process is another thread's.
fn rename_pending(target: &Path) -> bool {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return false;
    };
    let prefix = format!(".{}{TEMP_MARK}", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let fresh = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age <= PENDING_AGE);
        entry_name.starts_with(&prefix)
            && temp_pid(&entry_name).is_some_and(|pid| fsys::process_alive(pid) == Some(true))
            && fresh
    })
}

/// A temporary file written to within this long is one whose rename is pending: the time from its
/// last write to the rename is a backup's write and the identity check's read of the file.
const PENDING_AGE: Duration = Duration::from_secs(30);

/// How long a rename over a file another handle holds open is retried (Windows: a second mblint
/// between taking the lock and letting go of it, an indexer, antivirus).
const RENAME_RETRY: Duration = Duration::from_secs(5);

/// [`fsys::rename_replace`], retried for up to [`RENAME_RETRY`] while Windows refuses it because
/// the file is open elsewhere ("Access is denied", ERROR_ACCESS_DENIED; ERROR_SHARING_VIOLATION).
fn rename_over(temp: &Path, target: &Path) -> io::Result<()> {
    let deadline = Instant::now() + RENAME_RETRY;
    loop {
        match fsys::rename_replace(temp, target) {
            Err(e) if cfg!(windows) && matches!(e.raw_os_error(), Some(5 | 32)) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// The error for `e` writing `given`: [`WriteError::Permissions`] when the security descriptor
/// could not be kept, else [`WriteError::Io`].
fn write_error(given: &Path, e: io::Error) -> WriteError {
    let path = given.display().to_string();
    match e.get_ref().and_then(|inner| inner.downcast_ref::<PermissionsNotKept>()) {
        Some(PermissionsNotKept(reason)) => WriteError::Permissions {
            path,
            reason: reason.clone(),
        },
        None => WriteError::Io { path, source: e },
    }
}

/// Why the security descriptor of the file could not be given to its replacement: carried inside
/// an `io::Error` to [`write_error`].
#[derive(Debug)]
struct PermissionsNotKept(String);

impl std::fmt::Display for PermissionsNotKept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PermissionsNotKept {}

/// Whether a rename-without-replacing failed because the file system cannot do one at all (no
/// hard links, no `RENAME_NOREPLACE`), rather than for this file: then the backup is copied.
fn cannot_rename_without_replacing(e: &io::Error) -> bool {
    #[cfg(unix)]
    if matches!(
        e.raw_os_error(),
        Some(libc::EPERM | libc::EOPNOTSUPP | libc::ENOSYS | libc::EMLINK)
    ) {
        return true;
    }
    e.kind() == io::ErrorKind::Unsupported
}

/// Gives the file `temp` the first free name of `<target><suffix>`, `<target><suffix>.1`, ...,
/// never replacing or following anything (a name planted meanwhile is skipped). `temp` is removed
/// on error.
fn link_free_name(
    temp: &Path,
    target: &Path,
    suffix: &str,
    rename: &dyn Fn(&Path, &Path) -> io::Result<()>,
) -> io::Result<PathBuf> {
    let base = format!("{}{suffix}", target.display());
    let mut n = 0u64;
    let result = loop {
        let candidate = PathBuf::from(if n == 0 { base.clone() } else { format!("{base}.{n}") });
        match rename(temp, &candidate) {
            Ok(()) => break Ok(candidate),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => n += 1,
            Err(e) => break Err(e),
        }
    };
    if result.is_err() {
        let _ = fs::remove_file(temp);
    }
    result
}

/// The pid in a temporary file's name, `.<name>.mblint-tmp.<pid>.<16 hex digits>`.
fn temp_pid(name: &str) -> Option<u32> {
    let rest = &name[name.rfind(TEMP_MARK)? + TEMP_MARK.len()..];
    let (pid, random) = rest.split_once('.')?;
    let ok = name.starts_with('.') && random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| pid.parse().ok()).flatten()
}

/// Removes mblint's temporary files in `dir` whose process is gone or that are older than
/// [`STRAY_AGE`]; returns their paths.
fn clean_strays(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = temp_pid(&name.to_string_lossy()) else {
            continue;
        };
        // Never follows a link: only regular files are removed.
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STRAY_AGE);
        if (old || fsys::process_alive(pid) == Some(false)) && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed.sort();
    removed
}

/// Whether the file at `path` holds exactly `expected`, read a block at a time: the check before a
/// write does not hold a second copy of a 127 MB metabase.
fn same_content(path: &Path, expected: Content<'_>) -> io::Result<bool> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut block = vec![0u8; 1 << 16];
    let mut parts = expected.parts();
    // What is left of the part being compared.
    let mut rest: &[u8] = &[];
    loop {
        let n = match file.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(rest.is_empty() && parts.next().is_none());
        }
        let mut read = &block[..n];
        while !read.is_empty() {
            if rest.is_empty() {
                match parts.next() {
                    Some(part) => rest = part,
                    None => return Ok(false),
                }
            }
            let k = rest.len().min(read.len());
            if rest[..k] != read[..k] {
                return Ok(false);
            }
            (rest, read) = (&rest[k..], &read[k..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Full;
    impl Sink for Full {
        fn write(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
            file.write_all(&bytes[..bytes.len().min(3)])?;
            Err(io::Error::new(io::ErrorKind::StorageFull, "no space left on device"))
        }
    }

    #[test]
    fn content_is_compared_a_block_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.xml");
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &content).unwrap();
        assert!(same_content(&path, content[..].into()).unwrap());
        assert!(
            !same_content(&path, content[..content.len() - 1].into()).unwrap(),
            "the file is longer"
        );
        let mut longer = content.clone();
        longer.push(0);
        assert!(!same_content(&path, longer[..].into()).unwrap(), "the file is shorter");
        let mut other = content.clone();
        other[150_000] ^= 1;
        assert!(
            !same_content(&path, other[..].into()).unwrap(),
            "a byte in the third block differs"
        );
        assert!(same_content(&dir.path().join("none"), b"".into()).is_err());
        // A read that fails is an error, not retried: only an interrupted one is.
        #[cfg(unix)]
        assert!(same_content(dir.path(), b"".into()).is_err(), "a folder");
    }

    /// Content in two parts (a byte order mark and a text) compares as their concatenation,
    /// wherever the parts and the blocks read split it, and is written as it.
    #[test]
    fn content_in_parts_is_their_concatenation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.xml");
        let content: Vec<u8> = (0..140_000u32).map(|i| (i % 253) as u8).collect();
        fs::write(&path, &content).unwrap();
        for split in [0, 1, 3, 65_535, 65_536, 65_537, 139_999, 140_000] {
            let (a, b) = content.split_at(split);
            assert!(same_content(&path, Content([a, b])).unwrap(), "split at {split}");
            // One byte short, at the end of either part; one byte more; one byte changed.
            if !a.is_empty() {
                assert!(
                    !same_content(&path, Content([&a[1..], b])).unwrap(),
                    "{split}: first short"
                );
            }
            if !b.is_empty() {
                assert!(
                    !same_content(&path, Content([a, &b[..b.len() - 1]])).unwrap(),
                    "{split}: second short"
                );
                let mut changed = b.to_vec();
                changed[b.len() / 2] ^= 1;
                assert!(
                    !same_content(&path, Content([a, &changed])).unwrap(),
                    "{split}: a byte differs"
                );
            }
            let longer = [b, &[0]].concat();
            assert!(
                !same_content(&path, Content([a, &longer])).unwrap(),
                "{split}: the file is shorter"
            );
            assert_eq!(Content([a, b]).to_vec(), content);
        }
        // Written in parts: the file is the concatenation, the backup the original's.
        let bom: &[u8] = b"\xef\xbb\xbf";
        fs::write(&path, [bom, b"old"].concat()).unwrap();
        let backup = lock(&path)
            .unwrap()
            .replace(Content([bom, b"old"]), Content([bom, b"new text"]), true, &mut Disk)
            .unwrap()
            .backup
            .unwrap();
        assert_eq!(fs::read(&path).unwrap(), [bom, b"new text"].concat());
        assert_eq!(fs::read(backup).unwrap(), [bom, b"old"].concat());
    }

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("MetaBase.xml");
        fs::write(&path, b"old").unwrap();
        (dir, path)
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_and_keeps_a_backup() {
        let (dir, path) = setup();
        let backup = replace(&path, b"old", b"new", true, &mut Disk).unwrap().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(fs::read(&backup).unwrap(), b"old");
        let second = replace(&path, b"new", b"newer", true, &mut Disk).unwrap().unwrap();
        assert!(second.to_string_lossy().ends_with(".bak.1"));
        assert_eq!(
            leftovers(dir.path()),
            ["MetaBase.xml", "MetaBase.xml.bak", "MetaBase.xml.bak.1"]
        );
    }

    #[test]
    fn refuses_a_changed_file() {
        let (dir, path) = setup();
        fs::write(&path, b"changed by IIS").unwrap();
        assert!(matches!(
            replace(&path, b"old", b"new", false, &mut Disk),
            Err(WriteError::Changed { .. })
        ));
        assert_eq!(fs::read(&path).unwrap(), b"changed by IIS");
        assert_eq!(leftovers(dir.path()), ["MetaBase.xml"]);
    }

    #[test]
    fn a_full_disk_leaves_the_original() {
        let (dir, path) = setup();
        let err = replace(&path, b"old", b"a much longer new content", false, &mut Full).unwrap_err();
        assert!(err.to_string().contains("no space left"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(leftovers(dir.path()), ["MetaBase.xml"], "the temporary file is removed");
    }

    #[test]
    fn temporary_names() {
        let (_dir, path) = setup();
        let (temp, _file) = create_temp(&path, 0o600).unwrap();
        let name = temp.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(".MetaBase.xml.mblint-tmp."), "{name}");
        assert_eq!(temp_pid(&name), Some(std::process::id()));
        assert_eq!(temp_pid(".a.mblint-tmp.12.0123456789abcdef"), Some(12));
        assert_eq!(temp_pid("a.mblint-tmp.12.0123456789abcdef"), None);
        assert_eq!(temp_pid(".a.mblint-tmp.12.xyz"), None);
        assert_eq!(temp_pid("MetaBase.xml.mblint-tmp"), None);
    }

    #[test]
    fn backups_are_copied_where_names_cannot_be_given_without_replacing() {
        let (dir, path) = setup();
        fs::write(dir.path().join("MetaBase.xml.bak"), b"an older backup").unwrap();
        let lock = lock(&path).unwrap();
        // A file system without hard links and without RENAME_NOREPLACE (FAT, exFAT, some SMB
        // servers): every rename-without-replacing fails as unsupported.
        let unsupported = |_: &Path, _: &Path| -> io::Result<()> {
            Err(io::Error::new(io::ErrorKind::Unsupported, "no hard links here"))
        };
        let mut warnings = Vec::new();
        let temp = lock.temp_with(b"old".into(), &mut Disk, &mut warnings).unwrap();
        let backup = lock
            .name_backup(&temp, b"old".into(), &mut Disk, &mut warnings, unsupported)
            .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(
            backup.to_string_lossy().ends_with("MetaBase.xml.bak.1"),
            "{}",
            backup.display()
        );
        assert_eq!(fs::read(&backup).unwrap(), b"old");
        assert_eq!(
            fs::read(dir.path().join("MetaBase.xml.bak")).unwrap(),
            b"an older backup",
            "an existing backup is never replaced"
        );
        assert_eq!(
            leftovers(dir.path()),
            ["MetaBase.xml", "MetaBase.xml.bak", "MetaBase.xml.bak.1"],
            "the temporary file is gone"
        );
        // Any other failure is the backup's failure: no copy is made.
        let temp = lock.temp_with(b"old".into(), &mut Disk, &mut warnings).unwrap();
        let denied = |_: &Path, _: &Path| -> io::Result<()> { Err(io::Error::other("the server said no")) };
        let err = lock
            .name_backup(&temp, b"old".into(), &mut Disk, &mut warnings, denied)
            .unwrap_err();
        assert!(err.to_string().contains("the server said no"), "{err}");
        assert_eq!(leftovers(dir.path()).len(), 3);
    }

    #[test]
    fn a_copied_backup_that_fails_leaves_nothing() {
        let (dir, path) = setup();
        let lock = lock(&path).unwrap();
        let unsupported =
            |_: &Path, _: &Path| -> io::Result<()> { Err(io::Error::new(io::ErrorKind::Unsupported, "no links")) };
        let mut warnings = Vec::new();
        let temp = lock.temp_with(b"old".into(), &mut Disk, &mut warnings).unwrap();
        let err = lock
            .name_backup(&temp, b"old".into(), &mut Full, &mut warnings, unsupported)
            .unwrap_err();
        assert!(err.to_string().contains("no space left"), "{err}");
        assert_eq!(leftovers(dir.path()), ["MetaBase.xml"]);
    }

    /// A temporary file for `target` beside it, named for process `pid`, last written `age` ago.
    fn temp_file_of(target: &Path, pid: u32, age: Duration) -> PathBuf {
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        let temp = target.with_file_name(format!(".{name}{TEMP_MARK}{pid}.0123456789abcdef"));
        let file = File::create(&temp).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
        temp
    }

    /// The id of a process that has ended: this test binary run again to list its tests.
    fn ended_process() -> u32 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--list")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn a_running_mblints_temporary_file_is_a_stray_only_after_ten_minutes() {
        let (dir, path) = setup();
        let temp = temp_file_of(&path, std::process::id(), Duration::from_secs(5 * 60));
        assert_eq!(clean_strays(dir.path()), Vec::<PathBuf>::new());
        assert!(temp.exists());
        File::options()
            .write(true)
            .open(&temp)
            .unwrap()
            .set_modified(SystemTime::now() - STRAY_AGE - Duration::from_secs(5))
            .unwrap();
        assert_eq!(clean_strays(dir.path()), vec![temp.clone()]);
        assert!(!temp.exists());
    }

    #[test]
    fn a_rename_is_pending_while_a_running_mblint_has_a_fresh_temporary_file() {
        let (dir, path) = setup();
        assert!(!rename_pending(&path));
        let temp = temp_file_of(&path, std::process::id(), Duration::ZERO);
        assert!(rename_pending(&path));
        assert!(!rename_pending(&dir.path().join("Other.xml")), "another file's");
        File::options()
            .write(true)
            .open(&temp)
            .unwrap()
            .set_modified(SystemTime::now() - PENDING_AGE - Duration::from_secs(5))
            .unwrap();
        assert!(!rename_pending(&path), "not written for longer than PENDING_AGE");
        fs::remove_file(&temp).unwrap();
        temp_file_of(&path, ended_process(), Duration::ZERO);
        assert!(!rename_pending(&path), "its process has ended");
    }

    /// On unix the lock alone says that another mblint has the file: a fresh temporary file of a
    /// running one (on Windows, a rename about to happen) does not hold this one up.
    #[cfg(unix)]
    #[test]
    fn on_unix_a_pending_rename_does_not_hold_up_the_lock() {
        let (_dir, path) = setup();
        temp_file_of(&path, std::process::id(), Duration::ZERO);
        lock_waiting(&path, Duration::from_millis(200)).unwrap();
    }

    /// Another program renames a new file over the path between this run's lock and its check that
    /// the locked file is still the one at the path. Within the wait, the lock is taken again, on
    /// the new file; once the wait has passed, the run gives up at the first such change, as on a
    /// file changed on disk.
    #[cfg_attr(
        windows,
        ignore = "the race cannot be staged on Windows: the lock's open handle refuses a rename over its file"
    )]
    #[test]
    fn a_file_renamed_over_the_locked_one_is_locked_again_until_the_wait_has_passed() {
        let (dir, path) = setup();
        let renames = std::cell::Cell::new(0);
        let rename_over = |times: u32| {
            let (dir, renames) = (dir.path(), &renames);
            move |target: &Path| {
                if renames.get() < times {
                    renames.set(renames.get() + 1);
                    let new = dir.join("new.xml");
                    fs::write(&new, format!("new {}", renames.get())).unwrap();
                    fs::rename(&new, target).unwrap();
                }
            }
        };
        let lock = lock_racing(&path, Duration::from_secs(60), rename_over(1)).unwrap();
        assert_eq!(renames.get(), 1);
        assert_eq!(fs::read(lock.target()).unwrap(), b"new 1");
        assert_eq!(lock.id, fsys::file_id_at(&path).unwrap());
        drop(lock);
        renames.set(0);
        assert!(matches!(
            lock_racing(&path, Duration::ZERO, rename_over(3)),
            Err(WriteError::Changed { .. })
        ));
        assert_eq!(renames.get(), 1, "given up at the first change");
    }

    #[test]
    fn a_lock_says_whether_its_path_was_a_link() {
        let (dir, path) = setup();
        assert!(!lock(&path).unwrap().through_link());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.xml");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert!(lock(&link).unwrap().through_link());
        }
        let _ = dir;
    }

    /// Unix only: Windows refuses to open a folder as a file with access denied, which the lock
    /// reads as read-only (seen under Wine); that reading is left as it is (a folder reaches the
    /// lock only if it replaced the file after the run found it).
    #[cfg(unix)]
    #[test]
    fn a_folder_is_not_read_only_but_cannot_be_locked() {
        let (dir, _path) = setup();
        let err = lock(dir.path()).unwrap_err();
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
    }

    /// A file the system refuses to open for writing is read-only, for root too: here an immutable
    /// one (`chattr +i`, which binds root). Skipped, saying so, where `chattr +i` is not allowed; a
    /// user other than root sees the same refusal in `read_only_file_and_folder`.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_that_cannot_be_opened_for_writing_is_read_only() {
        let (_dir, path) = setup();
        let chattr = |flag: &str| {
            std::process::Command::new("chattr")
                .arg(flag)
                .arg(&path)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !chattr("+i") {
            eprintln!("skipped: chattr +i is not allowed here");
            return;
        }
        let result = lock(&path).map(|_| ());
        assert!(chattr("-i"));
        assert!(matches!(result, Err(WriteError::ReadOnly { .. })), "{result:?}");
    }

    /// A lock whose file's owner cannot be given to a new file: `group` says whether its group can.
    #[cfg(unix)]
    fn refusing_owner(lock: &mut Lock, group: bool) {
        lock.set_owner = if group {
            |_, uid, _| match uid {
                u32::MAX => Ok(()),
                _ => Err(io::Error::from(io::ErrorKind::PermissionDenied)),
            }
        } else {
            |_, _, _| Err(io::Error::from(io::ErrorKind::PermissionDenied))
        };
    }

    #[cfg(unix)]
    #[test]
    fn an_owner_that_cannot_be_kept_is_a_warning_and_a_group_that_cannot_drops_its_bits() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, path) = setup();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
        let probe = File::create(dir.path().join("probe")).unwrap();
        let mut lock = lock(&path).unwrap();
        refusing_owner(&mut lock, true);
        let mut warnings = Vec::new();
        assert_eq!(lock.keep_metadata(&probe, &mut warnings), 0o664);
        assert!(
            matches!(&warnings[..], [w] if w.starts_with("the owner (uid ") && w.contains("could not be kept")),
            "{warnings:?}"
        );
        refusing_owner(&mut lock, false);
        let mut warnings = Vec::new();
        assert_eq!(
            lock.keep_metadata(&probe, &mut warnings),
            0o604,
            "the group's bits dropped"
        );
        assert!(
            matches!(&warnings[..], [w] if w.contains("the group's permissions were dropped")),
            "{warnings:?}"
        );
        drop(probe);
        fs::remove_file(dir.path().join("probe")).unwrap();
        // The backup's warning is the file's: said once.
        let written = lock.replace(b"old".into(), b"new".into(), true, &mut Disk).unwrap();
        assert_eq!(written.warnings, warnings);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o604);
    }

    /// A name too long for the folder (a temporary file's, or a backup's) is an error, not a search
    /// for another name. Unix only: the limit staged is a name's (255 bytes); on Windows a whole
    /// path's (260 characters without `\\?\`) refuses the file itself first (error 234 under Wine).
    #[cfg(unix)]
    #[test]
    fn names_too_long_for_the_folder_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        // The file's own name fits; `.<name>.mblint-tmp.<pid>.<random>` does not.
        let path = dir.path().join(format!("{}.xml", "m".repeat(220)));
        fs::write(&path, b"old").unwrap();
        let err = replace(&path, b"old", b"new", false, &mut Disk).unwrap_err();
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(leftovers(dir.path()).len(), 1);
        // `<name>.bak` does not fit either, where the backup is copied.
        let path = dir.path().join("m".repeat(253));
        fs::write(&path, b"old").unwrap();
        let lock = lock(&path).unwrap();
        let temp = dir.path().join("t");
        fs::write(&temp, b"old").unwrap();
        let unsupported =
            |_: &Path, _: &Path| -> io::Result<()> { Err(io::Error::new(io::ErrorKind::Unsupported, "no links")) };
        let err = lock
            .name_backup(&temp, b"old".into(), &mut Disk, &mut Vec::new(), unsupported)
            .unwrap_err();
        assert!(!temp.exists(), "{err}");
    }

    /// A rename that fails (here: the temporary file is removed while it is written) is an error at
    /// once, the original untouched: only Windows retries, for a file held open elsewhere.
    #[cfg(unix)]
    #[test]
    fn a_failed_rename_is_an_error_at_once() {
        struct Unlinking(PathBuf);
        impl Sink for Unlinking {
            fn write(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
                for entry in fs::read_dir(&self.0)? {
                    let entry = entry?;
                    if entry.file_name().to_string_lossy().contains(TEMP_MARK) {
                        fs::remove_file(entry.path())?;
                    }
                }
                file.write_all(bytes)
            }
        }
        let (dir, path) = setup();
        let started = Instant::now();
        let err = replace(&path, b"old", b"new", false, &mut Unlinking(dir.path().to_path_buf())).unwrap_err();
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(leftovers(dir.path()), ["MetaBase.xml"]);
    }

    #[test]
    fn why_the_permissions_were_not_kept_is_the_errors_text() {
        let e = io::Error::new(
            io::ErrorKind::PermissionDenied,
            PermissionsNotKept("the owner cannot be set".into()),
        );
        assert_eq!(e.to_string(), "the owner cannot be set");
    }

    #[test]
    fn permissions_not_kept_are_their_own_error() {
        let e = io::Error::new(
            io::ErrorKind::PermissionDenied,
            PermissionsNotKept("the owner cannot be set".into()),
        );
        let err = write_error(Path::new("C:/m.xml"), e);
        assert!(matches!(err, WriteError::Permissions { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("the owner cannot be set") && text.contains("nothing written"),
            "{text}"
        );
        let err = write_error(Path::new("m.xml"), io::Error::other("disk on fire"));
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
    }

    /// The fixed file and its backup get MetaBase.xml's own owner and DACL, not the folder's: here
    /// a protected DACL with three entries, which nothing in the folder would give a new file.
    #[cfg(windows)]
    #[test]
    fn the_owner_and_dacl_are_kept() {
        use std::os::windows::io::AsRawHandle;
        use windows_sys::Win32::Security::Authorization::{
            ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1, SE_FILE_OBJECT, SetSecurityInfo,
        };
        use windows_sys::Win32::Security::{
            ACL, DACL_SECURITY_INFORMATION, GetSecurityDescriptorDacl, PROTECTED_DACL_SECURITY_INFORMATION,
            PSECURITY_DESCRIPTOR,
        };
        let (dir, path) = setup();
        let sddl: Vec<u16> = "D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)\0".encode_utf16().collect();
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        let (mut present, mut defaulted) = (0, 0);
        let mut dacl: *mut ACL = std::ptr::null_mut();
        // SAFETY: a NUL-terminated SDDL string; out-pointers to locals; `sd` is leaked (a test).
        unsafe {
            assert_ne!(
                ConvertStringSecurityDescriptorToSecurityDescriptorW(
                    sddl.as_ptr(),
                    SDDL_REVISION_1,
                    &mut sd,
                    std::ptr::null_mut()
                ),
                0
            );
            assert_ne!(
                GetSecurityDescriptorDacl(sd, &mut present, &mut dacl, &mut defaulted),
                0
            );
            let file = {
                use std::os::windows::fs::OpenOptionsExt;
                use windows_sys::Win32::Storage::FileSystem::{READ_CONTROL, WRITE_DAC};
                File::options()
                    .access_mode(READ_CONTROL | WRITE_DAC)
                    .open(&path)
                    .unwrap()
            };
            let status = SetSecurityInfo(
                file.as_raw_handle() as _,
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                dacl,
                std::ptr::null(),
            );
            assert_eq!(status, 0, "SetSecurityInfo");
        }
        let before = fsys::security(&File::open(&path).unwrap()).unwrap();
        let fresh = dir.path().join("fresh.xml");
        fs::write(&fresh, b"").unwrap();
        assert_ne!(
            fsys::security(&File::open(&fresh).unwrap()).unwrap(),
            before,
            "a new file in the folder gets other permissions: the test would prove nothing"
        );
        fs::remove_file(&fresh).unwrap();

        let backup = replace(&path, b"old", b"new", true, &mut Disk).unwrap().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(fsys::security(&File::open(&path).unwrap()).unwrap(), before);
        assert_eq!(fsys::security(&File::open(&backup).unwrap()).unwrap(), before);
    }

    #[cfg(unix)]
    #[test]
    fn read_only_file_and_folder() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, path) = setup();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        assert!(matches!(
            replace(&path, b"old", b"new", false, &mut Disk),
            Err(WriteError::ReadOnly { .. })
        ));
        assert_eq!(fs::read(&path).unwrap(), b"old");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        // A folder the temporary file cannot be created in (root ignores folder permissions, so
        // this part is checked only where they hold).
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
        let probe = dir.path().join("probe");
        if fs::write(&probe, b"").is_err() {
            assert!(matches!(
                replace(&path, b"old", b"new", false, &mut Disk),
                Err(WriteError::Io { .. })
            ));
            assert_eq!(fs::read(&path).unwrap(), b"old");
        }
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        // Permissions survive a replacement.
        replace(&path, b"old", b"new", false, &mut Disk).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
    }
}
