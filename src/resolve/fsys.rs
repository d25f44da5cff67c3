//! The platform seam: what kind of entry a path is, and opening a file for reading without following
//! a link or blocking on a FIFO. Everything platform-specific in the resolver is here.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

#[cfg(windows)]
mod win;
#[cfg(windows)]
pub use win::{LOCK_OFFSET, Security, security, set_security};

/// What a directory entry is, without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File {
        len: u64,
    },
    Dir,
    Symlink,
    /// A FIFO, a device, a socket: never opened.
    Special(&'static str),
}

pub fn entry_kind(path: &Path) -> io::Result<EntryKind> {
    let meta = std::fs::symlink_metadata(path)?;
    let ft = meta.file_type();
    Ok(if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_file() {
        EntryKind::File { len: meta.len() }
    } else {
        EntryKind::Special(special_kind(&ft))
    })
}

/// What a file that is not a regular file is, for messages: `a folder`, `a FIFO`, `a device file`.
pub fn kind_name(ft: &std::fs::FileType) -> &'static str {
    if ft.is_dir() { "a folder" } else { special_kind(ft) }
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device file"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// Opens a regular file for reading: never through a final symlink, never blocking on a FIFO, and
/// checked again after opening (the entry may have been swapped since it was looked at).
pub fn open_regular(path: &Path) -> io::Result<File> {
    open_checked(path, false)
}

/// Opens a file named by the user (a final link is followed: they named it) for reading, never
/// blocking on a FIFO; the caller checks the open file is regular.
pub fn open_named(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC);
    }
    options.open(path)
}

/// Opens a regular file, for reading or read-write: never through a final symlink, never blocking
/// on a FIFO, and checked again after opening.
fn open_checked(path: &Path, write: bool) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(write);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC);
    }
    // FILE_FLAG_OPEN_REPARSE_POINT opens a symbolic link or junction itself, never its target
    // (https://learn.microsoft.com/en-us/windows/win32/fileio/symbolic-link-effects-on-file-systems-functions#createfile-and-createfiletransacted);
    // the check below then refuses it, as O_NOFOLLOW's ELOOP does on unix.
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        options.custom_flags(windows_sys::Win32::Storage::FileSystem::FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if meta.file_type().is_symlink() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a symbolic link: not followed",
        ));
    }
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}

/// `dir` joined with `name`, with the separator `dir` is spelled with: on Windows a folder given as
/// `testdata/servers/x` (Win32 takes `/` for `\\`) gets `testdata/servers/x/Windows`, as on Linux,
/// not `testdata/servers/x\\Windows`, so that a Linux and a Windows run name one file the same way.
/// Elsewhere, and for paths spelled with `\\`, [`Path::join`].
pub fn child(dir: &Path, name: impl AsRef<std::ffi::OsStr>) -> PathBuf {
    #[cfg(windows)]
    if let (Some(text), Some(name)) = (dir.to_str(), name.as_ref().to_str())
        && slash_spelled(text)
    {
        let sep = if text.ends_with('/') { "" } else { "/" };
        return PathBuf::from(format!("{text}{sep}{name}"));
    }
    dir.join(name.as_ref())
}

/// Whether a Windows path is spelled with `/` only (no `\\`, not a `\\?\` path, which takes
/// no `/`).
pub fn slash_spelled(text: &str) -> bool {
    text.contains('/') && !text.contains('\\')
}

/// [`std::fs::canonicalize`], spelled as users write paths: on Windows without the `\\?\` prefix
/// canonicalize adds, wherever the plain path names the same file (see [`plain_windows`]), so that
/// it matches a root given as `C:\...` or `\\server\share\...` and reads as given in reports.
pub fn canonical(path: &Path) -> io::Result<PathBuf> {
    let full = std::fs::canonicalize(path)?;
    #[cfg(windows)]
    if let Some(plain) = full.to_str().and_then(plain_windows) {
        return Ok(PathBuf::from(plain));
    }
    Ok(full)
}

/// `\\?\C:\x` as `C:\x` and `\\?\UNC\server\share\x` as `\\server\share\x`, when Win32 would
/// read the plain path as the same one: shorter than MAX_PATH (260), no component ending in a dot
/// or a space (stripped from plain paths) and none a reserved device name (`NUL`, `CON.txt`, ...,
/// which a plain path opens as the device). `None` otherwise, or for any other form.
/// <https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file> ("Win32 File
/// Namespaces", "Naming Conventions", "Maximum Path Length Limitation").
pub fn plain_windows(verbatim: &str) -> Option<String> {
    let rest = verbatim.strip_prefix(r"\\?\")?;
    let plain = if let Some(unc) = rest.strip_prefix(r"UNC\") {
        format!(r"\\{unc}")
    } else {
        let b = rest.as_bytes();
        if !(b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\') {
            return None;
        }
        rest.to_string()
    };
    const RESERVED: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1",
        "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    let fine = |c: &str| {
        let stem = c.split('.').next().unwrap_or(c).trim_end();
        !c.ends_with('.') && !c.ends_with(' ') && !RESERVED.iter().any(|r| stem.eq_ignore_ascii_case(r))
    };
    let components = plain
        .trim_start_matches('\\')
        .split('\\')
        .skip(1)
        .filter(|c| !c.is_empty());
    (plain.encode_utf16().count() < 260 && components.clone().all(fine)).then_some(plain)
}

/// Reads at most `cap` bytes; `Ok(None)` if the file is longer.
pub fn read_capped(file: File, cap: u64) -> io::Result<Option<Vec<u8>>> {
    read_capped_into(file, cap, Vec::new())
}

/// As [`read_capped`], into `bytes`' memory (emptied first): a buffer let go by the reading before
/// is used again, its pages already mapped, where a fresh one costs a page fault for every page
/// the file fills (`mblint history` reads ten files of one size one after another).
pub fn read_capped_into(mut file: File, cap: u64, mut bytes: Vec<u8>) -> io::Result<Option<Vec<u8>>> {
    // Sized for the file as it stands (a file that grows meanwhile still reads whole, up to the cap).
    let hint = file.metadata().map_or(0, |m| m.len().min(cap)) as usize;
    bytes.clear();
    // Exactly: `reserve` would double a buffer a little smaller than the file.
    bytes.reserve_exact(hint.saturating_add(1));
    (&mut file).take(cap + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

// ---------------------------------------------------------------------------------------------
// Writing: the platform seam of `fixer::write`. Each function is small, with a `#[cfg(unix)]` body
// and a plain fallback elsewhere (Windows), which keeps less but never does anything unsafe.
// ---------------------------------------------------------------------------------------------

/// What identifies a file's version on disk: compared immediately before a replacement to detect
/// another writer. Fields a platform lacks are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub len: u64,
    /// Modification time, in nanoseconds since the epoch (or as close as the platform says).
    pub mtime: i128,
    /// Status-change time (chmod, chown, link) in nanoseconds; zero where there is none.
    pub ctime: i128,
}

/// Who owns a file and how it may be used: what a replacement must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ownership {
    pub uid: u32,
    pub gid: u32,
    /// Permission bits, with setuid, setgid and sticky (`0o7777`); zero where there are none.
    pub mode: u32,
    /// How many names the file has (hard links); 1 where the platform does not say.
    pub nlink: u64,
}

/// The identity of an open file: on unix its device, inode, size and times; on Windows its volume
/// serial number, file index, size and last write time.
#[cfg(unix)]
pub fn file_id(file: &File) -> io::Result<FileId> {
    Ok(id_of(&file.metadata()?))
}

#[cfg(unix)]
fn id_of(meta: &std::fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    FileId {
        dev: meta.dev(),
        ino: meta.ino(),
        len: meta.len(),
        mtime: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        ctime: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
    }
}

#[cfg(windows)]
pub use win::file_id;

/// The identity of the entry at `path`, not following a final link (a link is not the file).
#[cfg(unix)]
pub fn file_id_at(path: &Path) -> io::Result<FileId> {
    Ok(id_of(&std::fs::symlink_metadata(path)?))
}

/// The identity of the entry at `path`, not following a final link: opened for its attributes only
/// (FILE_READ_ATTRIBUTES, every sharing mode), and closed again before this returns, so it never
/// stands in the way of a rename.
#[cfg(windows)]
pub fn file_id_at(path: &Path) -> io::Result<FileId> {
    use std::os::windows::fs::OpenOptionsExt;
    use windows_sys::Win32::Storage::FileSystem::{FILE_FLAG_OPEN_REPARSE_POINT, FILE_READ_ATTRIBUTES};
    let file = std::fs::OpenOptions::new()
        .access_mode(FILE_READ_ATTRIBUTES)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)?;
    win::file_id(&file)
}

#[cfg(unix)]
pub fn ownership(file: &File) -> io::Result<Ownership> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata()?;
    Ok(Ownership {
        uid: meta.uid(),
        gid: meta.gid(),
        mode: meta.mode() & 0o7777,
        nlink: meta.nlink(),
    })
}

#[cfg(windows)]
pub use win::ownership;

#[cfg(unix)]
fn cstring(path: &Path) -> io::Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in the path"))
}

#[cfg(unix)]
fn check(ret: libc::c_int) -> io::Result<()> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Creates a new file for writing: never through a symlink, never over anything that exists
/// (`O_CREAT|O_EXCL|O_NOFOLLOW`), with at most the owner's bits of `mode` (less if the umask says
/// so). Only the creating user can open it; [`set_mode`] gives it the final bits once its owner and
/// group are right.
#[cfg(unix)]
pub fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o700)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Creates a new file for writing, never over anything that exists (CREATE_NEW fails on any
/// existing name, a link included), with the folder's inherited permissions until
/// [`set_security`] gives it the original's: the handle asks for WRITE_DAC and WRITE_OWNER for that
/// (the creator of a new file is granted the access it asks for).
#[cfg(windows)]
pub fn create_new(path: &Path, _mode: u32) -> io::Result<File> {
    use std::os::windows::fs::OpenOptionsExt;
    use windows_sys::Win32::Foundation::{GENERIC_READ, GENERIC_WRITE};
    use windows_sys::Win32::Storage::FileSystem::{READ_CONTROL, WRITE_DAC, WRITE_OWNER};
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .access_mode(GENERIC_READ | GENERIC_WRITE | READ_CONTROL | WRITE_DAC | WRITE_OWNER)
        .open(path)
}

/// Gives an open file the owner and group `uid`/`gid`. `Err` from the system call (EPERM for a user
/// who may not give files away); nothing to do off unix.
#[cfg(unix)]
pub fn set_owner(file: &File, uid: u32, gid: u32) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: fchown on a file descriptor this function borrows; no memory is passed.
    check(unsafe { libc::fchown(file.as_raw_fd(), uid, gid) })
}

#[cfg(not(unix))]
pub fn set_owner(_: &File, _: u32, _: u32) -> io::Result<()> {
    Ok(())
}

/// Sets an open file's permission bits exactly (`fchmod`); nothing to do off unix.
#[cfg(unix)]
pub fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
}

#[cfg(not(unix))]
pub fn set_mode(_: &File, _: u32) -> io::Result<()> {
    Ok(())
}

/// Copies the extended attributes of `from` to `to` (Linux: POSIX ACLs, SELinux labels, user
/// attributes). Returns the names that could not be copied, with why; an attribute `to` already
/// has with the same value (a default SELinux label) is not a failure. Elsewhere nothing is copied.
#[cfg(target_os = "linux")]
pub fn copy_xattrs(from: &File, to: &File) -> Vec<(String, io::Error)> {
    use std::os::fd::AsRawFd;
    let (src, dst) = (from.as_raw_fd(), to.as_raw_fd());
    let names = match xattr_buffer(|buf, len| unsafe { libc::flistxattr(src, buf, len) }) {
        Ok(names) => names,
        // No extended attributes on this file system: nothing to keep.
        Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => return Vec::new(),
        Err(e) => return vec![("(the list of extended attributes)".into(), e)],
    };
    let mut failed = Vec::new();
    for name in names.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let shown = String::from_utf8_lossy(name).into_owned();
        let Ok(cname) = std::ffi::CString::new(name) else {
            continue;
        };
        let get =
            |fd: libc::c_int| xattr_buffer(|buf, len| unsafe { libc::fgetxattr(fd, cname.as_ptr(), buf.cast(), len) });
        let value = match get(src) {
            Ok(value) => value,
            Err(e) => {
                failed.push((shown, e));
                continue;
            }
        };
        // SAFETY: the name is NUL-terminated, the value a live buffer of the length passed.
        let set = check(unsafe { libc::fsetxattr(dst, cname.as_ptr(), value.as_ptr().cast(), value.len(), 0) });
        if let Err(e) = set
            && get(dst).ok().as_deref() != Some(&value[..])
        {
            failed.push((shown, e));
        }
    }
    failed
}

/// Calls a `*xattr` function that fills a buffer: asks for the size, then reads (again if the
/// value grew in between).
#[cfg(target_os = "linux")]
fn xattr_buffer(mut call: impl FnMut(*mut libc::c_char, usize) -> libc::ssize_t) -> io::Result<Vec<u8>> {
    loop {
        let size = call(std::ptr::null_mut(), 0);
        if size < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut buf = vec![0u8; size as usize];
        let got = call(buf.as_mut_ptr().cast(), buf.len());
        if got >= 0 {
            buf.truncate(got as usize);
            return Ok(buf);
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::ERANGE) {
            return Err(e);
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn copy_xattrs(_: &File, _: &File) -> Vec<(String, io::Error)> {
    Vec::new()
}

/// Gives the file at `from` the name `to` only if `to` does not exist: never following or replacing
/// anything there, a dangling symlink included (`ErrorKind::AlreadyExists` then). Linux:
/// `renameat2(RENAME_NOREPLACE)`, or `link` + `unlink` where the file system lacks it; other unix:
/// `link` + `unlink`; elsewhere: a hard link (which also refuses an existing name) + removal.
#[cfg(unix)]
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    let (cfrom, cto) = (cstring(from)?, cstring(to)?);
    #[cfg(target_os = "linux")]
    {
        // SAFETY: two NUL-terminated paths; the syscall reads them and nothing else.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                cfrom.as_ptr(),
                libc::AT_FDCWD,
                cto.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if ret == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        // Old kernels (ENOSYS) and file systems without the flag (EINVAL): link + unlink below.
        if !matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EINVAL)) {
            return Err(e);
        }
    }
    // SAFETY: two NUL-terminated paths. link(2) fails with EEXIST on any existing name, a dangling
    // symlink included, and does not follow `from` either.
    check(unsafe { libc::link(cfrom.as_ptr(), cto.as_ptr()) })?;
    unlink_or_undo(from, to)
}

/// The second half of a rename by link: removes the old name, or the new one if that fails (so the
/// file keeps exactly one of the two names).
#[cfg(unix)]
fn unlink_or_undo(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::remove_file(from).inspect_err(|_| {
        let _ = std::fs::remove_file(to);
    })
}

#[cfg(windows)]
pub use win::rename_noreplace;

/// Renames `from` over `to`, replacing it: `rename(2)`, atomic on a local file system and on NFS
/// and CIFS mounts (the server renames).
#[cfg(unix)]
pub fn rename_replace(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

#[cfg(windows)]
pub use win::rename_replace;

/// Makes the entries of a folder durable (after a rename or link in it): `fsync` on the folder.
/// File systems that cannot sync a folder (EINVAL) count as done; nothing to do off unix, where
/// the rename is made durable by the file system itself.
#[cfg(unix)]
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    match File::open(dir)?.sync_all() {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
pub fn sync_dir(_: &Path) -> io::Result<()> {
    Ok(())
}

/// Opens an existing regular file for an advisory lock: read-write (so the lock also works where
/// `flock` is emulated by POSIX locks, as on NFS), never through a final symlink, never blocking on
/// a FIFO. `PermissionDenied` for a file the user may not write.
pub fn open_for_lock(path: &Path) -> io::Result<File> {
    open_checked(path, true)
}

/// Tries to take an exclusive advisory lock (`flock(LOCK_EX|LOCK_NB)`; on Windows `LockFileEx` on
/// a byte past the end, see [`win::try_lock`]) on an open file, held until the file is closed.
/// `Ok(false)` if another process holds it.
#[cfg(unix)]
pub fn try_lock(file: &File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: flock on a file descriptor this function borrows.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(e),
        }
    }
}

#[cfg(windows)]
pub use win::try_lock;

/// Whether a process with this id runs on this machine: `None` when that cannot be told (no
/// permission to ask).
#[cfg(unix)]
pub fn process_alive(pid: u32) -> Option<bool> {
    let pid = libc::pid_t::try_from(pid).ok().filter(|&p| p > 0)?;
    // SAFETY: signal 0 sends nothing; it only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return Some(true);
    }
    match io::Error::last_os_error().raw_os_error() {
        Some(libc::ESRCH) => Some(false),
        _ => None,
    }
}

#[cfg(windows)]
pub use win::process_alive;

#[cfg(test)]
mod portable_tests {
    use super::*;

    #[test]
    fn children_are_spelled_like_their_folder() {
        assert!(slash_spelled("testdata/servers/x"));
        assert!(slash_spelled("C:/x"));
        assert!(!slash_spelled(r"C:\x/y"));
        assert!(!slash_spelled("x"));
        let joined = child(Path::new("testdata/servers/x"), "Windows");
        assert_eq!(joined.to_str(), Some("testdata/servers/x/Windows"));
        let joined = child(Path::new("a/"), "b");
        assert_eq!(joined.to_str(), Some("a/b"));
        if cfg!(windows) {
            assert_eq!(child(Path::new(r"C:\x"), "y").to_str(), Some(r"C:\x\y"));
        }
    }

    #[test]
    fn verbatim_paths_made_plain() {
        assert_eq!(
            plain_windows(r"\\?\C:\srv\MetaBase.xml").as_deref(),
            Some(r"C:\srv\MetaBase.xml")
        );
        assert_eq!(plain_windows(r"\\?\C:\").as_deref(), Some(r"C:\"));
        assert_eq!(
            plain_windows(r"\\?\UNC\iis01\c$\WINDOWS").as_deref(),
            Some(r"\\iis01\c$\WINDOWS")
        );
        // Plain paths would name something else, or nothing.
        assert_eq!(plain_windows(r"\\?\C:\a.\b"), None, "a trailing dot is stripped");
        assert_eq!(plain_windows(r"\\?\C:\a \b"), None, "a trailing space is stripped");
        assert_eq!(plain_windows(r"\\?\C:\x\nul.txt"), None, "a device name");
        assert_eq!(plain_windows(r"\\?\C:\x\COM1"), None, "a device name");
        assert_eq!(
            plain_windows(r"\\?\C:\x\console.txt").as_deref(),
            Some(r"C:\x\console.txt")
        );
        assert_eq!(plain_windows(&format!(r"\\?\C:\{}", "a".repeat(300))), None, "too long");
        assert_eq!(plain_windows(r"\\?\Volume{1}\x"), None);
        assert_eq!(plain_windows(r"C:\x"), None);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.dll");
        std::fs::write(&file, b"MZ").unwrap();
        let link = dir.path().join("link.dll");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let fifo = dir.path().join("fifo.dll");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);

        assert_eq!(entry_kind(&file).unwrap(), EntryKind::File { len: 2 });
        assert_eq!(entry_kind(&link).unwrap(), EntryKind::Symlink);
        assert_eq!(entry_kind(dir.path()).unwrap(), EntryKind::Dir);
        assert_eq!(entry_kind(&fifo).unwrap(), EntryKind::Special("a FIFO"));
        assert_eq!(
            entry_kind(Path::new("/dev/null")).unwrap(),
            EntryKind::Special("a device file")
        );

        assert!(open_regular(&file).is_ok());
        assert!(open_regular(&link).is_err(), "a final symlink is not followed");
        assert!(open_regular(&fifo).is_err(), "a FIFO is refused without blocking");
        assert!(open_regular(Path::new("/dev/null")).is_err());
        assert_eq!(
            read_capped(open_regular(&file).unwrap(), 2).unwrap(),
            Some(b"MZ".to_vec())
        );
        assert_eq!(read_capped(open_regular(&file).unwrap(), 1).unwrap(), None);
    }
}

#[cfg(test)]
mod reading {
    use super::*;

    #[test]
    fn a_buffer_used_again_holds_only_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("MetaBase.xml");
        std::fs::write(&file, b"<configuration/>").unwrap();
        let used = b"the text of the version before, longer than this one".to_vec();
        let read = read_capped_into(File::open(&file).unwrap(), 100, used).unwrap();
        assert_eq!(read.as_deref(), Some(&b"<configuration/>"[..]));
        let small = Vec::with_capacity(2);
        assert_eq!(
            read_capped_into(File::open(&file).unwrap(), 100, small)
                .unwrap()
                .as_deref(),
            Some(&b"<configuration/>"[..]),
            "a buffer smaller than the file grows"
        );
        assert_eq!(
            read_capped_into(File::open(&file).unwrap(), 15, Vec::new()).unwrap(),
            None
        );
    }
}
