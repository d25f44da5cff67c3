//! The Win32 half of the platform seam: file identity, locks, renames, security descriptors and
//! processes, each a small safe function over one or two Win32 calls. Every `unsafe` block passes
//! a handle borrowed from a live `File` or buffers owned by the function.

use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_INVALID_PARAMETER, ERROR_LOCK_VIOLATION, ERROR_SUCCESS, HANDLE, LocalFree, STILL_ACTIVE,
};
use windows_sys::Win32::Security::Authorization::{GetSecurityInfo, SE_FILE_OBJECT, SetSecurityInfo};
use windows_sys::Win32::Security::{
    ACL, DACL_SECURITY_INFORMATION, EqualSid, GetLengthSid, GetSecurityDescriptorControl, OWNER_SECURITY_INFORMATION,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SE_DACL_PROTECTED,
    UNPROTECTED_DACL_SECURITY_INFORMATION,
};
use windows_sys::Win32::Storage::FileSystem::{
    BY_HANDLE_FILE_INFORMATION, GetFileInformationByHandle, LOCKFILE_EXCLUSIVE_LOCK, LOCKFILE_FAIL_IMMEDIATELY,
    LockFileEx, MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH, MoveFileExW,
};
use windows_sys::Win32::System::IO::OVERLAPPED;
use windows_sys::Win32::System::Threading::{GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION};

use super::{FileId, Ownership};

fn handle(file: &File) -> HANDLE {
    file.as_raw_handle() as HANDLE
}

fn wide(path: &Path) -> io::Result<Vec<u16>> {
    let mut w: Vec<u16> = path.as_os_str().encode_wide().collect();
    if w.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a NUL character in the path",
        ));
    }
    w.push(0);
    Ok(w)
}

fn info(file: &File) -> io::Result<BY_HANDLE_FILE_INFORMATION> {
    // SAFETY: an all-zero BY_HANDLE_FILE_INFORMATION is valid (integers only); the handle is live.
    let mut info: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
    if unsafe { GetFileInformationByHandle(handle(file), &mut info) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info)
}

/// The volume serial number and the file index name one file on one volume: what NTFS and the SMB
/// redirector report for the same file through every name and handle.
/// <https://learn.microsoft.com/en-us/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information>
/// ("the identifier that is stored in the nFileIndexHigh and nFileIndexLow members is called the
/// file ID ... In the NTFS file system, a file keeps the same file ID until it is deleted"; FAT's
/// can change when the file is defragmented, and a server may report zero: the size, time and
/// bytes are compared as well).
pub fn file_id(file: &File) -> io::Result<FileId> {
    let i = info(file)?;
    let write = (u64::from(i.ftLastWriteTime.dwHighDateTime) << 32) | u64::from(i.ftLastWriteTime.dwLowDateTime);
    Ok(FileId {
        dev: u64::from(i.dwVolumeSerialNumber),
        ino: (u64::from(i.nFileIndexHigh) << 32) | u64::from(i.nFileIndexLow),
        len: (u64::from(i.nFileSizeHigh) << 32) | u64::from(i.nFileSizeLow),
        // FILETIME counts 100 ns intervals; only equality matters here.
        mtime: i128::from(write) * 100,
        ctime: 0,
    })
}

pub fn ownership(file: &File) -> io::Result<Ownership> {
    Ok(Ownership {
        uid: 0,
        gid: 0,
        mode: 0,
        nlink: u64::from(info(file)?.nNumberOfLinks.max(1)),
    })
}

/// Where the lock is taken: one byte far past the end of any metabase. Windows byte-range locks
/// are mandatory (a locked range cannot be read through another handle), so locking the content
/// would stop mblint's own read and every reader's; a range past the end of the file is allowed
/// ("Locking a region that goes beyond the current end-of-file position is not an error",
/// <https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-lockfileex>). Below
/// 2^63 so that servers mapping SMB locks to POSIX locks (Samba, signed `off_t`) accept it.
pub const LOCK_OFFSET: u64 = 1 << 62;

/// `LockFileEx(LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY)` on [`LOCK_OFFSET`]: held until
/// the handle is closed ("If a process terminates with a portion of a file locked or closes a file
/// that has outstanding locks, the locks are unlocked by the operating system", same page).
/// `Ok(false)` when another handle holds it (`ERROR_LOCK_VIOLATION`).
pub fn try_lock(file: &File) -> io::Result<bool> {
    // SAFETY: a zeroed OVERLAPPED is the documented way to pass an offset to a synchronous handle.
    let mut overlapped: OVERLAPPED = unsafe { std::mem::zeroed() };
    overlapped.Anonymous.Anonymous.Offset = LOCK_OFFSET as u32;
    overlapped.Anonymous.Anonymous.OffsetHigh = (LOCK_OFFSET >> 32) as u32;
    let flags = LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY;
    // SAFETY: a live handle, opened without FILE_FLAG_OVERLAPPED (std's default), so the call
    // completes before it returns and `overlapped` outlives it.
    if unsafe { LockFileEx(handle(file), flags, 0, 1, 0, &mut overlapped) } != 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(ERROR_LOCK_VIOLATION as i32) {
        Ok(false)
    } else {
        Err(e)
    }
}

/// Renames `from` over `to`, replacing it: `MoveFileExW(MOVEFILE_REPLACE_EXISTING |
/// MOVEFILE_WRITE_THROUGH)`. Fails with "Access is denied" while any handle to `to` is open (on an
/// SMB share and before Windows 10's POSIX rename semantics), so the caller closes its own first.
/// <https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-movefileexw>: on one
/// volume the move is a rename; MOVEFILE_WRITE_THROUGH "does not return until the file is actually
/// moved on the disk".
pub fn rename_replace(from: &Path, to: &Path) -> io::Result<()> {
    let (f, t) = (wide(from)?, wide(to)?);
    // SAFETY: two NUL-terminated wide strings that outlive the call.
    if unsafe {
        MoveFileExW(
            f.as_ptr(),
            t.as_ptr(),
            MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH,
        )
    } == 0
    {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Renames `from` to `to` only if `to` does not exist: `MoveFileExW` without
/// MOVEFILE_REPLACE_EXISTING fails with ERROR_ALREADY_EXISTS (`ErrorKind::AlreadyExists`) instead of
/// replacing. A rename needs no hard links, so it works on FAT, exFAT and every SMB server.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    let (f, t) = (wide(from)?, wide(to)?);
    // SAFETY: two NUL-terminated wide strings that outlive the call.
    if unsafe { MoveFileExW(f.as_ptr(), t.as_ptr(), MOVEFILE_WRITE_THROUGH) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether process `pid` still runs: `OpenProcess` then `GetExitCodeProcess` (STILL_ACTIVE while
/// it runs). `ERROR_INVALID_PARAMETER` from OpenProcess means no such process; `None` when it
/// cannot be told (no right to open it).
/// <https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-getexitcodeprocess>
pub fn process_alive(pid: u32) -> Option<bool> {
    if pid == 0 {
        return None;
    }
    // SAFETY: OpenProcess takes plain values; the handle returned is closed below.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        let e = io::Error::last_os_error();
        return (e.raw_os_error() == Some(ERROR_INVALID_PARAMETER as i32)).then_some(false);
    }
    let mut code = 0u32;
    // SAFETY: a live process handle and a u32 to write into; the handle is closed once.
    let ok = unsafe { GetExitCodeProcess(process, &mut code) } != 0;
    unsafe { CloseHandle(process) };
    // A process that exited with code 259 looks alive: STRAY_AGE still retires its files.
    ok.then_some(code == STILL_ACTIVE as u32)
}

/// A file's owner and DACL, as self-contained copies (a SID and an ACL), and whether the DACL is
/// protected from inheritance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    owner: Vec<u32>,
    /// `None`: a NULL DACL (everyone has full access).
    dacl: Option<Vec<u32>>,
    protected: bool,
}

/// Frees what GetSecurityInfo allocated.
struct LocalBox(PSECURITY_DESCRIPTOR);

impl Drop for LocalBox {
    fn drop(&mut self) {
        // SAFETY: allocated by GetSecurityInfo with LocalAlloc, freed once.
        unsafe { LocalFree(self.0) };
    }
}

/// Copies `len` bytes at `ptr` into a buffer aligned for SIDs and ACLs.
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
unsafe fn copy_out(ptr: *const u8, len: usize) -> Vec<u32> {
    let mut buf = vec![0u32; len.div_ceil(4)];
    // SAFETY: the caller vouches for the source; the buffer holds at least `len` bytes.
    unsafe { std::ptr::copy_nonoverlapping(ptr, buf.as_mut_ptr().cast::<u8>(), len) };
    buf
}

/// The owner and DACL of an open file (its handle needs READ_CONTROL, which reading gives).
/// <https://learn.microsoft.com/en-us/windows/win32/api/aclapi/nf-aclapi-getsecurityinfo>
pub fn security(file: &File) -> io::Result<Security> {
    let mut owner: PSID = std::ptr::null_mut();
    let mut dacl: *mut ACL = std::ptr::null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: out-pointers to locals; owner and dacl point into `sd`, which is freed after copying.
    let status = unsafe {
        GetSecurityInfo(
            handle(file),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
            &mut owner,
            std::ptr::null_mut(),
            &mut dacl,
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    if status != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    let _sd = LocalBox(sd);
    if owner.is_null() {
        return Err(io::Error::other("the security descriptor names no owner"));
    }
    let mut control = 0u16;
    let mut revision = 0u32;
    // SAFETY: `sd` is a valid descriptor until `_sd` drops.
    if unsafe { GetSecurityDescriptorControl(sd, &mut control, &mut revision) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a valid SID and ACL inside `sd`; their lengths come from themselves.
    let owner = unsafe { copy_out(owner.cast(), GetLengthSid(owner) as usize) };
    let dacl = (!dacl.is_null()).then(|| unsafe { copy_out(dacl.cast(), usize::from((*dacl).AclSize)) });
    Ok(Security {
        owner,
        dacl,
        protected: control & SE_DACL_PROTECTED != 0,
    })
}

/// Gives an open file (its handle needs WRITE_DAC and WRITE_OWNER) the owner and DACL in `sec`,
/// then reads them back: `Err` unless the file now has exactly that owner and DACL. An unprotected
/// DACL is set as such, so the entries it inherits are worked out again from the folder, as they
/// were for the original in the same folder.
/// <https://learn.microsoft.com/en-us/windows/win32/api/aclapi/nf-aclapi-setsecurityinfo>
pub fn set_security(file: &File, sec: &Security) -> io::Result<()> {
    let protection = if sec.protected {
        PROTECTED_DACL_SECURITY_INFORMATION
    } else {
        UNPROTECTED_DACL_SECURITY_INFORMATION
    };
    let dacl = sec.dacl.as_ref().map_or(std::ptr::null(), |d| d.as_ptr().cast::<ACL>());
    // SAFETY: the SID and ACL live in `sec` for the call; SetSecurityInfo only reads them.
    let status = unsafe {
        SetSecurityInfo(
            handle(file),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | protection,
            sec.owner.as_ptr() as PSID,
            std::ptr::null_mut(),
            dacl,
            std::ptr::null(),
        )
    };
    if status != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    let now = security(file)?;
    // SAFETY: both buffers hold valid SIDs copied by `security`.
    let same_owner = unsafe { EqualSid(now.owner.as_ptr() as PSID, sec.owner.as_ptr() as PSID) } != 0;
    if !same_owner {
        return Err(io::Error::other("the owner read back differs from the one set"));
    }
    if now.dacl != sec.dacl || now.protected != sec.protected {
        return Err(io::Error::other(
            "the permissions (DACL) read back differ from the original's (the folder's inheritable permissions changed since the file got its own?)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_lock_and_rename() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.xml");
        std::fs::write(&a, b"one").unwrap();
        let file = File::options().read(true).write(true).open(&a).unwrap();
        let id = file_id(&file).unwrap();
        assert_eq!(id.len, 3);
        let again = File::open(&a).unwrap();
        let same = file_id(&again).unwrap();
        assert_eq!((same.dev, same.ino), (id.dev, id.ino), "two handles, one file");

        // The lock excludes a second handle, even in this process, and goes with the handle.
        assert!(try_lock(&file).unwrap());
        let other = File::options().read(true).write(true).open(&a).unwrap();
        assert!(!try_lock(&other).unwrap());
        // The content stays readable through other handles: the range is past the end.
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        drop(file);
        assert!(try_lock(&other).unwrap());
        drop(other);
        drop(again);

        let b = dir.path().join("b.xml");
        std::fs::write(&b, b"two").unwrap();
        let err = rename_noreplace(&b, &a).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        rename_replace(&b, &a).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"two");
        assert!(!b.exists());
        let moved = File::open(&a).unwrap();
        assert_ne!(file_id(&moved).unwrap().ino, id.ino, "a new file under the old name");
    }

    #[test]
    fn processes() {
        assert_eq!(process_alive(std::process::id()), Some(true));
        // Process ids are multiples of 4 on Windows; this one is not, so no process has it.
        assert_eq!(process_alive(0x7FFF_FFF3), Some(false));
    }

    #[test]
    fn security_descriptors_copy() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.xml");
        std::fs::write(&a, b"one").unwrap();
        let original = File::open(&a).unwrap();
        let sec = security(&original).unwrap();
        let b = dir.path().join("b.xml");
        let copy = super::super::create_new(&b, 0).unwrap();
        set_security(&copy, &sec).unwrap();
        assert_eq!(security(&copy).unwrap(), sec);
    }
}
