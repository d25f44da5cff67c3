//! The platform seam: what kind of entry a path is, and opening a file for reading without following
//! a link or blocking on a FIFO. Everything platform-specific in the resolver is here.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

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
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}

/// Reads at most `cap` bytes; `Ok(None)` if the file is longer.
pub fn read_capped(mut file: File, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    (&mut file).take(cap + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
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
