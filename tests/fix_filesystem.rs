//! `--fix` on the file system: symbolic and hard links, owner, mode and extended attributes, safe
//! backups, concurrent runs, temporary files, several files. The disk-full and race simulations go
//! through the `Sink` seam of `mblint::fixer::write`.
//!
//! Run on Windows too (under Wine in CI): backups, locks, concurrent runs, the identity check and
//! temporary files. Symbolic links, owner, group, mode and extended attributes are unix's and their
//! tests unix-only; Windows' owner and DACL are tested beside the code (src/fixer/write.rs).

use std::fs::{self, File};
use std::io::{self, Write};
#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use mblint::fixer::write::{self, Disk, Sink, WriteError};
#[cfg(unix)]
use mblint::fixer::{Request, fix_bytes};
#[cfg(unix)]
use mblint::lint::Options;

const SAFE_FIX: &str = "testdata/metabases/enable32bit-misplaced-agreeing.xml";

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn setup(content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MetaBase.xml");
    fs::write(&path, content).unwrap();
    (dir, path)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Lock, read, write: what `mblint check --fix` does with one file.
fn fix(path: &Path, new: &[u8], backup: bool, sink: &mut dyn Sink) -> Result<write::Written, WriteError> {
    let lock = write::lock(path)?;
    let original = fs::read(path).unwrap();
    lock.replace(original[..].into(), new.into(), backup, sink)
}

/// Calls `then` on the n-th write (counting from 1) after writing; the others go to disk.
struct OnWrite<F: FnMut(&mut File, &[u8]) -> io::Result<()>> {
    n: usize,
    count: usize,
    then: F,
}

impl<F: FnMut(&mut File, &[u8]) -> io::Result<()>> Sink for OnWrite<F> {
    fn write(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
        self.count += 1;
        if self.count == self.n {
            return (self.then)(file, bytes);
        }
        file.write_all(bytes)
    }
}

fn on_write<F: FnMut(&mut File, &[u8]) -> io::Result<()>>(n: usize, then: F) -> OnWrite<F> {
    OnWrite { n, count: 0, then }
}

/// A disk that fills up after a few bytes of the n-th write.
fn full_at(n: usize) -> impl Sink {
    on_write(n, |file, bytes| {
        file.write_all(&bytes[..bytes.len().min(3)])?;
        Err(io::Error::new(io::ErrorKind::StorageFull, "no space left on device"))
    })
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

// 1. Symbolic links -------------------------------------------------------------------------------

#[cfg(unix)] // Windows symbolic links need a privilege, and Wine makes none.
#[test]
fn a_symlinked_metabase_is_written_through_to_its_target() {
    let real = tempfile::tempdir().unwrap();
    let links = tempfile::tempdir().unwrap();
    let target = real.path().join("MetaBase.xml");
    fs::copy(SAFE_FIX, &target).unwrap();
    let original = fs::read(&target).unwrap();
    // A chain: link -> link2 -> target in another folder.
    let link2 = links.path().join("second.xml");
    let link = links.path().join("MetaBase.xml");
    std::os::unix::fs::symlink(&target, &link2).unwrap();
    std::os::unix::fs::symlink(&link2, &link).unwrap();

    let fixed = fix_bytes(
        "m",
        original.clone(),
        &Options::default(),
        Request { unsafe_fixes: false },
    )
    .unwrap();
    assert_ne!(fixed.bytes(), original, "the fixture needs a fix");
    mblint()
        .args(["check", "--fix", "--backup", link.to_str().unwrap()])
        .assert()
        .stderr(predicates::str::contains("fixed"));
    assert!(
        fs::symlink_metadata(&link).unwrap().file_type().is_symlink(),
        "the link stays a link"
    );
    assert!(fs::symlink_metadata(&link2).unwrap().file_type().is_symlink());
    assert_eq!(fs::read(&target).unwrap(), *fixed.bytes(), "the target is fixed");
    assert_eq!(
        names(links.path()),
        ["MetaBase.xml", "second.xml"],
        "nothing beside the link"
    );
    assert_eq!(
        names(real.path()),
        ["MetaBase.xml", "MetaBase.xml.bak"],
        "the backup beside the target"
    );
    assert_eq!(fs::read(real.path().join("MetaBase.xml.bak")).unwrap(), original);

    // The library says where it wrote.
    let lock = write::lock(&link).unwrap();
    assert!(lock.through_link());
    assert_eq!(lock.target(), fs::canonicalize(&target).unwrap());
    let written = lock
        .replace(fixed.new_file().content(), b"again".into(), false, &mut Disk)
        .unwrap();
    assert!(written.through_link);
    assert_eq!(written.path, fs::canonicalize(&target).unwrap());
    assert_eq!(fs::read(&target).unwrap(), b"again");
}

// 2. Hard links -----------------------------------------------------------------------------------

#[test]
fn a_hard_linked_metabase_is_replaced_with_a_warning() {
    let (dir, path) = setup(b"old");
    let other = dir.path().join("snapshot.xml");
    fs::hard_link(&path, &other).unwrap();
    let written = fix(&path, b"new", false, &mut Disk).unwrap();
    assert!(
        written
            .warnings
            .iter()
            .any(|w| w.contains("has 2 hard links; the others keep the old content")),
        "{:?}",
        written.warnings
    );
    assert_eq!(fs::read(&path).unwrap(), b"new");
    assert_eq!(fs::read(&other).unwrap(), b"old");
    // A single name: no warning.
    let written = fix(&other, b"newer", false, &mut Disk).unwrap();
    assert!(written.warnings.is_empty(), "{:?}", written.warnings);
}

// 3. Owner, group, mode, extended attributes --------------------------------------------------

#[cfg(unix)]
#[test]
fn owner_group_and_mode_are_kept() {
    let (_dir, path) = setup(b"old");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o604)).unwrap();
    if is_root() {
        std::os::unix::fs::chown(&path, Some(4321), Some(4322)).unwrap();
    }
    let before = fs::metadata(&path).unwrap();
    // While the bytes are written, the temporary file is no more open than the original.
    let mut sink = on_write(1, |file: &mut File, bytes: &[u8]| {
        let mode = file.metadata()?.mode() & 0o7777;
        assert_eq!(mode & !0o604, 0, "temporary file mode {mode:o} wider than 604");
        file.write_all(bytes)
    });
    let written = fix(&path, b"new", false, &mut sink).unwrap();
    assert!(written.warnings.is_empty(), "{:?}", written.warnings);
    let after = fs::metadata(&path).unwrap();
    assert_ne!(after.ino(), before.ino(), "replaced by rename");
    assert_eq!(after.mode() & 0o7777, 0o604);
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
}

#[cfg(unix)]
#[test]
fn a_private_metabase_never_has_a_readable_temporary_file() {
    let (dir, path) = setup(b"old");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let mut seen = Vec::new();
    let mut sink = on_write(1, |file: &mut File, bytes: &[u8]| {
        seen.push(file.metadata()?.mode() & 0o777);
        file.write_all(bytes)
    });
    fix(&path, b"new", false, &mut sink).unwrap();
    assert_eq!(seen, [0o600]);
    assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
    assert_eq!(names(dir.path()), ["MetaBase.xml"]);
}

#[cfg(target_os = "linux")]
#[test]
fn extended_attributes_are_kept() {
    use std::os::unix::ffi::OsStrExt;
    let (_dir, path) = setup(b"old");
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let value = b"kept by mblint";
    // SAFETY: NUL-terminated strings and a live buffer of the length passed.
    let set = unsafe {
        libc::setxattr(
            c.as_ptr(),
            c"user.mblint".as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if set != 0 {
        eprintln!(
            "skipped: no user extended attributes here ({})",
            io::Error::last_os_error()
        );
        return;
    }
    let written = fix(&path, b"new", false, &mut Disk).unwrap();
    assert!(written.warnings.is_empty(), "{:?}", written.warnings);
    let mut buf = [0u8; 64];
    // SAFETY: as above.
    let n = unsafe { libc::getxattr(c.as_ptr(), c"user.mblint".as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(n, value.len() as isize, "{}", io::Error::last_os_error());
    assert_eq!(&buf[..value.len()], value);
}

// 4. Backups --------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_planted_symlink_at_the_backup_name_is_not_followed() {
    let (dir, path) = setup(b"secret metabase");
    let planted = dir.path().join("attacker-chosen");
    std::os::unix::fs::symlink(&planted, dir.path().join("MetaBase.xml.bak")).unwrap();
    let written = fix(&path, b"new", true, &mut Disk).unwrap();
    assert!(!planted.exists(), "the dangling link was followed");
    let backup = written.backup.unwrap();
    assert!(
        backup.to_string_lossy().ends_with("MetaBase.xml.bak.1"),
        "{}",
        backup.display()
    );
    assert_eq!(fs::read(&backup).unwrap(), b"secret metabase");
    assert!(
        fs::symlink_metadata(dir.path().join("MetaBase.xml.bak"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_backup_name_planted_during_the_write_is_never_replaced() {
    let (dir, path) = setup(b"old");
    let planted = dir.path().join("MetaBase.xml.bak");
    // The second write is the backup's: the name appears after any check mblint could make.
    let mut sink = on_write(2, |file: &mut File, bytes: &[u8]| {
        fs::write(&planted, b"planted").unwrap();
        file.write_all(bytes)
    });
    let written = fix(&path, b"new", true, &mut sink).unwrap();
    assert_eq!(fs::read(&planted).unwrap(), b"planted");
    assert_eq!(fs::read(written.backup.unwrap()).unwrap(), b"old");
    assert_eq!(
        names(dir.path()),
        ["MetaBase.xml", "MetaBase.xml.bak", "MetaBase.xml.bak.1"]
    );
}

#[test]
fn a_full_disk_during_the_backup_leaves_nothing() {
    for n in [1, 2] {
        let (dir, path) = setup(b"the original metabase");
        let err = fix(&path, b"new", true, &mut full_at(n)).unwrap_err();
        assert!(err.to_string().contains("no space left"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"the original metabase");
        assert_eq!(
            names(dir.path()),
            ["MetaBase.xml"],
            "write {n} failing leaves nothing behind"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_backup_has_the_original_mode() {
    let (_dir, path) = setup(b"old");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let backup = fix(&path, b"new", true, &mut Disk).unwrap().backup.unwrap();
    assert_eq!(fs::metadata(&backup).unwrap().mode() & 0o777, 0o600);
    assert_eq!(fs::read(&backup).unwrap(), b"old");
}

#[test]
fn a_change_seen_at_the_last_moment_removes_the_backup_too() {
    let (dir, path) = setup(b"old");
    let lock = write::lock(&path).unwrap();
    let target = path.clone();
    // IIS saves the metabase (in place, without the lock) while mblint writes its backup.
    let mut sink = on_write(2, move |file: &mut File, bytes: &[u8]| {
        fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .unwrap()
            .write_all(b"IIS")
            .unwrap();
        file.write_all(bytes)
    });
    let err = lock.replace(b"old".into(), b"new".into(), true, &mut sink).unwrap_err();
    assert!(matches!(err, WriteError::Changed { .. }), "{err}");
    assert_eq!(fs::read(&path).unwrap(), b"IIS");
    assert_eq!(names(dir.path()), ["MetaBase.xml"]);
}

// 5. Concurrent runs ------------------------------------------------------------------------------

#[test]
fn concurrent_fixes_are_serialised_and_none_is_lost() {
    let (_dir, path) = setup(b"");
    let runs = 8;
    std::thread::scope(|s| {
        for i in 0..runs {
            let path = &path;
            s.spawn(move || {
                let lock = write::lock(path).unwrap();
                let original = fs::read(path).unwrap();
                let mut new = original.clone();
                new.extend_from_slice(format!("run {i}\n").as_bytes());
                // A slow fix: without the lock, the others would read the same content meanwhile.
                std::thread::sleep(Duration::from_millis(20));
                lock.replace(original[..].into(), new[..].into(), false, &mut Disk)
                    .unwrap();
            });
        }
    });
    let text = String::from_utf8(fs::read(&path).unwrap()).unwrap();
    for i in 0..runs {
        assert!(text.contains(&format!("run {i}\n")), "run {i} lost:\n{text}");
    }
}

#[test]
fn a_locked_file_is_waited_for_then_refused() {
    let (_dir, path) = setup(b"old");
    let held = write::lock(&path).unwrap();
    let err = write::lock_waiting(&path, Duration::from_millis(100)).unwrap_err();
    assert!(matches!(err, WriteError::Locked { .. }), "{err}");
    drop(held);
    write::lock_waiting(&path, Duration::from_millis(100)).unwrap();
}

// On Windows no program can rename over the file while mblint's lock holds it open, so this cannot
// be staged there; the Windows half of the identity (a new file under the old name has another file
// index) is tested in src/resolve/fsys/win.rs.
#[cfg(unix)]
#[test]
fn a_file_replaced_with_the_same_bytes_is_still_a_change() {
    // Another program saved the same bytes by rename: the inode differs, so mblint's read may
    // belong to a different version; it refuses rather than guess.
    let (dir, path) = setup(b"old");
    let lock = write::lock(&path).unwrap();
    let other = dir.path().join("saved-by-iis");
    fs::write(&other, b"old").unwrap();
    fs::rename(&other, &path).unwrap();
    let err = lock
        .replace(b"old".into(), b"new".into(), false, &mut Disk)
        .unwrap_err();
    assert!(matches!(err, WriteError::Changed { .. }), "{err}");
    assert_eq!(fs::read(&path).unwrap(), b"old");
}

// 6. Temporary files ------------------------------------------------------------------------------

/// The id of a process that has ended: this test binary run again to list its tests and exit.
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
fn the_temporary_file_is_hidden_beside_the_file_and_named_for_the_run() {
    let (dir, path) = setup(b"old");
    let folder = dir.path().to_path_buf();
    let mut seen = Vec::new();
    let mut sink = on_write(1, |file: &mut File, bytes: &[u8]| {
        seen = names(&folder);
        file.write_all(bytes)
    });
    fix(&path, b"new", false, &mut sink).unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let temp = &seen[0];
    let prefix = format!(".MetaBase.xml.mblint-tmp.{}.", std::process::id());
    assert!(temp.starts_with(&prefix), "{temp}");
    let random = &temp[prefix.len()..];
    assert!(
        random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit()),
        "{temp}"
    );
    assert_eq!(names(dir.path()), ["MetaBase.xml"]);
}

#[test]
fn stray_temporary_files_are_cleaned_up_and_reported() {
    let (dir, path) = setup(b"old");
    let dead_pid = ended_process();
    let me = std::process::id();
    let stray_dead = format!(".MetaBase.xml.mblint-tmp.{dead_pid}.0123456789abcdef");
    let stray_old = format!(".Other.xml.mblint-tmp.{me}.fedcba9876543210");
    let running = format!(".MetaBase.xml.mblint-tmp.{me}.00000000000000aa");
    for name in [&stray_dead, &stray_old, &running] {
        fs::write(dir.path().join(name), b"partial").unwrap();
    }
    let eleven_minutes_ago = std::time::SystemTime::now() - Duration::from_secs(11 * 60);
    // The running process's file was last written a minute ago: kept, and (on Windows) not a
    // rename about to happen, which a second mblint would wait for.
    File::options()
        .write(true)
        .open(dir.path().join(&running))
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    File::options()
        .write(true)
        .open(dir.path().join(&stray_old))
        .unwrap()
        .set_modified(eleven_minutes_ago)
        .unwrap();
    // Not ours, or not a regular file: kept.
    let unrelated = ".MetaBase.xml.mblint-tmp.notes";
    fs::write(dir.path().join(unrelated), b"").unwrap();
    let link = format!(".MetaBase.xml.mblint-tmp.{dead_pid}.1111111111111111");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join(&link)).unwrap();
    // No symbolic link on Windows (see above): a folder is not a regular file either.
    #[cfg(windows)]
    fs::create_dir(dir.path().join(&link)).unwrap();

    let lock = write::lock(&path).unwrap();
    let cleaned: Vec<String> = lock
        .cleaned()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut expected = vec![stray_dead.clone(), stray_old.clone()];
    expected.sort();
    assert_eq!(cleaned, expected);
    let warnings = lock.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&stray_dead) && w.contains("interrupted")),
        "{warnings:?}"
    );
    let mut left = vec!["MetaBase.xml".to_string(), running, unrelated.to_string(), link];
    left.sort();
    assert_eq!(names(dir.path()), left);
}

#[test]
fn the_cli_cleans_up_after_a_killed_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MetaBase.xml");
    fs::copy(SAFE_FIX, &path).unwrap();
    let pid = ended_process();
    let stray = dir
        .path()
        .join(format!(".MetaBase.xml.mblint-tmp.{pid}.0123456789abcdef"));
    fs::write(&stray, b"half a metabase").unwrap();
    mblint()
        .args(["check", "--fix", path.to_str().unwrap()])
        .assert()
        .stderr(predicates::str::contains("fixed"));
    assert!(!stray.exists());
    assert_eq!(names(dir.path()), ["MetaBase.xml"]);
}

// 7. Several files --------------------------------------------------------------------------------

#[test]
fn each_file_is_written_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.xml");
    let b = dir.path().join("b.xml");
    fs::write(&a, b"a old").unwrap();
    fs::write(&b, b"b old").unwrap();
    // Both locked at once: the locks are per file.
    let lock_a = write::lock(&a).unwrap();
    let lock_b = write::lock_waiting(&b, Duration::ZERO).unwrap();
    // The disk fills up during a's backup; b is written after it.
    let err = lock_a
        .replace(b"a old".into(), b"a new".into(), true, &mut full_at(2))
        .unwrap_err();
    assert!(matches!(err, WriteError::Io { .. }), "{err}");
    let written = lock_b
        .replace(b"b old".into(), b"b new".into(), true, &mut Disk)
        .unwrap();
    assert_eq!(fs::read(&a).unwrap(), b"a old");
    assert_eq!(fs::read(&b).unwrap(), b"b new");
    assert_eq!(fs::read(written.backup.unwrap()).unwrap(), b"b old");
    assert_eq!(names(dir.path()), ["a.xml", "b.xml", "b.xml.bak"]);
}
