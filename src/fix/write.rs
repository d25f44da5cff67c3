//! Replaces a file atomically: a temporary file in the same folder, written and synced, given the
//! original's permissions, then renamed over it. Refused when the file changed since it was read or
//! is read-only. The original is never lost or half-written: until the rename it is untouched, and
//! the rename is atomic.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path} changed on disk since mblint read it; nothing written (run mblint again)")]
    Changed { path: String },
    #[error("{path} is read-only; nothing written")]
    ReadOnly { path: String },
    #[error("cannot write {path}: {source}; the original is unchanged")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// Where the bytes go: the seam through which tests simulate a full disk.
pub trait Sink {
    fn create(&mut self, path: &Path) -> io::Result<Box<dyn Write>>;
}

/// The real file system.
pub struct Disk;

impl Sink for Disk {
    fn create(&mut self, path: &Path) -> io::Result<Box<dyn Write>> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(Box::new(Synced(file)))
    }
}

/// A file that is synced to disk when flushed.
struct Synced(File);

impl Write for Synced {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()?;
        self.0.sync_all()
    }
}

fn unchanged(path: &Path, original: &[u8]) -> Result<(), WriteError> {
    let shown = path.display().to_string();
    match fs::read(path) {
        Ok(now) if now == original => Ok(()),
        Ok(_) => Err(WriteError::Changed { path: shown }),
        Err(source) => Err(WriteError::Io { path: shown, source }),
    }
}

/// A name beside `path` that does not exist yet: `MetaBase.xml.bak`, `MetaBase.xml.bak.1`, ...
fn free_name(path: &Path, suffix: &str) -> PathBuf {
    let base = format!("{}{suffix}", path.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}.{n}"));
        n += 1;
    }
    candidate
}

/// Writes `new` over `path`, whose content was `original` when read. With `backup`, the original is
/// kept beside it first (`<name>.bak`, or `.bak.N` if that exists); its path is returned.
pub fn replace(
    path: &Path,
    original: &[u8],
    new: &[u8],
    backup: bool,
    sink: &mut dyn Sink,
) -> Result<Option<PathBuf>, WriteError> {
    let shown = path.display().to_string();
    let io = |source| WriteError::Io {
        path: shown.clone(),
        source,
    };
    let meta = fs::metadata(path).map_err(io)?;
    if meta.permissions().readonly() {
        return Err(WriteError::ReadOnly { path: shown });
    }
    unchanged(path, original)?;
    let temp = free_name(path, ".mblint-tmp");
    let written = (|| {
        let mut out = sink.create(&temp)?;
        out.write_all(new)?;
        out.flush()?;
        drop(out);
        fs::set_permissions(&temp, meta.permissions())
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&temp);
        return Err(io(source));
    }
    let backup_path = if backup {
        let b = free_name(path, ".bak");
        if let Err(source) = fs::write(&b, original) {
            let _ = fs::remove_file(&temp);
            return Err(io(source));
        }
        Some(b)
    } else {
        None
    };
    // Last look before the rename: someone may have saved the file meanwhile.
    if let Err(e) = unchanged(path, original) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    if let Err(source) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(io(source));
    }
    Ok(backup_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Full;
    impl Sink for Full {
        fn create(&mut self, _: &Path) -> io::Result<Box<dyn Write>> {
            struct Short(usize);
            impl Write for Short {
                fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                    if self.0 == 0 {
                        return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left on device"));
                    }
                    let n = buf.len().min(self.0);
                    self.0 -= n;
                    Ok(n)
                }
                fn flush(&mut self) -> io::Result<()> {
                    Ok(())
                }
            }
            Ok(Box::new(Short(3)))
        }
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
