//! A DLL that the metabase names and the drive copy holds, but that mblint could not read or
//! examine (permission denied, a folder, a FIFO, a link out of the copy), is an input not checked:
//! exit 2 in every format, listed with its reason, never an info finding in a passing run.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

mod common;
use common::copy_tree;

const FORMATS: [&str; 6] = ["text", "concise", "json", "sarif", "github", "html"];

/// A copy of `clean-64bit`, its script maps and lockdown entry pointed at `framework`
/// (`Framework64` as shipped, or `Framework`, the 32-bit folder), readable by every account.
fn server(framework: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("c");
    copy_tree(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/servers/clean-64bit")),
        &root,
    );
    let metabase = root.join("Windows/System32/InetSrv/MetaBase.xml");
    let text = std::fs::read_to_string(&metabase).unwrap();
    std::fs::write(&metabase, text.replace(r"\Framework64\", &format!(r"\{framework}\"))).unwrap();
    // Another account may have to read it (see `as_unprivileged`).
    std::process::Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(dir.path())
        .status()
        .unwrap();
    (dir, root)
}

fn aspnet_isapi(root: &Path, framework: &str) -> PathBuf {
    root.join(format!("Windows/Microsoft.NET/{framework}/v2.0.50727/aspnet_isapi.dll"))
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// mblint, as an account that a file with mode 000 denies: this one, or `nobody` when the tests
/// run as root (root reads any file).
fn mblint_unprivileged() -> Command {
    let mut std = std::process::Command::new(assert_cmd::cargo::cargo_bin("mblint"));
    if is_root() {
        use std::os::unix::process::CommandExt;
        std.uid(65534).gid(65534);
    }
    let mut c = Command::from_std(std);
    c.timeout(Duration::from_secs(60));
    c
}

fn mblint() -> Command {
    let mut c = Command::cargo_bin("mblint").unwrap();
    c.timeout(Duration::from_secs(60));
    c
}

/// Checks `root` in every format: exit 2 each time, and the DLL named in each output.
fn fails_closed_in_every_format(run: impl Fn() -> Command, root: &Path, dll: &str) {
    for format in FORMATS {
        let out = run().args(["check", "--format", format]).arg(root).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stdout}\n{stderr}");
        assert!(stdout.contains(dll), "{format}: the output names {dll}:\n{stdout}");
        match format {
            "json" => {
                let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(json["failed_inputs"], 1, "{json}");
                let failed = json["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["path"].as_str().unwrap().ends_with(dll))
                    .unwrap_or_else(|| panic!("{json}"));
                assert_eq!(failed["parsed"], false);
                assert!(failed["error"].as_str().unwrap().contains("MetaBase.xml:"), "{failed}");
            }
            "sarif" => {
                let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                let invocation = &sarif["runs"][0]["invocations"][0];
                assert_eq!(invocation["executionSuccessful"], false);
                assert_eq!(invocation["toolExecutionNotifications"][0]["level"], "error");
            }
            "github" => assert!(stdout.contains("::error file="), "{stdout}"),
            "text" => {
                assert!(stdout.contains("this is no pass"), "{stdout}");
                assert!(!stdout.contains("No problems found in 1 file"), "{stdout}");
            }
            _ => {}
        }
        assert!(stderr.contains(dll), "{format}: stderr names {dll}: {stderr}");
    }
}

#[test]
fn a_32bit_dll_is_judged_by_its_image_or_its_path() {
    let (_dir, root) = server("Framework");
    // Readable: a 32-bit image in a 64-bit worker.
    mblint().arg("check").arg(&root).assert().code(1);
    // No drive at all: the path alone says 32-bit.
    mblint()
        .arg("check")
        .arg(root.join("Windows/System32/InetSrv/MetaBase.xml"))
        .assert()
        .code(1);
}

#[test]
fn a_dll_that_cannot_be_read_fails_closed() {
    for framework in ["Framework", "Framework64"] {
        let (_dir, root) = server(framework);
        let dll = aspnet_isapi(&root, framework);
        std::fs::set_permissions(&dll, std::fs::Permissions::from_mode(0o000)).unwrap();
        fails_closed_in_every_format(mblint_unprivileged, &root, "aspnet_isapi.dll");
        // The finding's advice is about reading the file, not about mapping a drive.
        let out = mblint_unprivileged().arg("check").arg(&root).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("read access"), "{stdout}");
        assert!(!stdout.contains("map that drive"), "{stdout}");
    }
}

#[test]
fn a_folder_where_the_dll_is_named_fails_closed() {
    for framework in ["Framework", "Framework64"] {
        let (_dir, root) = server(framework);
        let dll = aspnet_isapi(&root, framework);
        std::fs::remove_file(&dll).unwrap();
        std::fs::create_dir(&dll).unwrap();
        fails_closed_in_every_format(mblint, &root, "aspnet_isapi.dll");
    }
}

#[test]
fn a_fifo_where_the_dll_is_named_fails_closed_without_blocking() {
    let (_dir, root) = server("Framework64");
    let dll = aspnet_isapi(&root, "Framework64");
    std::fs::remove_file(&dll).unwrap();
    let c = std::ffi::CString::new(dll.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    fails_closed_in_every_format(mblint, &root, "aspnet_isapi.dll");
}

#[test]
fn a_link_out_of_the_drive_copy_fails_closed() {
    let (dir, root) = server("Framework64");
    let dll = aspnet_isapi(&root, "Framework64");
    let outside = dir.path().join("outside.dll");
    std::fs::rename(&dll, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &dll).unwrap();
    fails_closed_in_every_format(mblint, &root, "aspnet_isapi.dll");
}

#[test]
fn a_fix_is_not_written_while_a_dll_cannot_be_read() {
    // The switch to 32-bit workers would fix the readable 32-bit DLLs, but nothing says what it does
    // to the one that could not be read.
    let (_dir, root) = server("Framework");
    let metabase = root.join("Windows/System32/InetSrv/MetaBase.xml");
    let before = std::fs::read(&metabase).unwrap();
    let dll = aspnet_isapi(&root, "Framework");
    std::fs::remove_file(&dll).unwrap();
    std::fs::create_dir(&dll).unwrap();
    let out = mblint()
        .args(["check", "--fix", "--unsafe-fixes"])
        .arg(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not written"), "{stderr}");
    assert_eq!(std::fs::read(&metabase).unwrap(), before, "the metabase is unchanged");
}

#[test]
fn two_metabases_that_differ_only_in_case_are_an_ambiguous_copy() {
    // `MetaBase.xml` (clean) and `metabase.xml` (broken) side by side: NTFS cannot hold both.
    let (_dir, root) = server("Framework64");
    let inetsrv = root.join("Windows/System32/InetSrv");
    std::fs::write(inetsrv.join("metabase.xml"), "<configuration><MBProperty>").unwrap();
    for format in FORMATS {
        let out = mblint()
            .args(["check", "--format", format])
            .arg(&root)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stdout}\n{stderr}");
        assert!(stderr.contains("ambiguous"), "{stderr}");
        assert!(stdout.contains("ambiguous"), "{format}: {stdout}");
    }
    // Named directly, either file is checked as given.
    mblint().arg("check").arg(inetsrv.join("MetaBase.xml")).assert().code(0);
    // A second spelling of a folder on the way is as ambiguous.
    std::fs::remove_file(inetsrv.join("metabase.xml")).unwrap();
    std::fs::create_dir_all(root.join("Windows/system32/inetsrv")).unwrap();
    mblint().arg("check").arg(&root).assert().code(2);
}

#[test]
fn two_dlls_that_differ_only_in_case_fail_closed() {
    // `ASP.DLL` as shipped, and an `asp.dll` of the other bitness beside it: which one the server has
    // decides the verdict, and the copy cannot say.
    let (_dir, root) = server("Framework64");
    let inetsrv = root.join("Windows/System32/InetSrv");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/images/x86/isapi-extension.dll"),
        inetsrv.join("asp.dll"),
    )
    .unwrap();
    fails_closed_in_every_format(mblint, &root, "asp.dll");
}

#[test]
fn a_metabase_without_keys_is_no_pass() {
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in [
        "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty/>\r\n</configuration>\r\n",
        "<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n<!--<IIS_Global\tLocation =\".\"\r\n\t>\r\n</IIS_Global>-->\r\n</MBProperty>\r\n</configuration>\r\n",
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("{i}.xml"));
        std::fs::write(&path, text).unwrap();
        let out = mblint().args(["check", "--format", "json"]).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let d = &json["diagnostics"][0];
        assert_eq!(d["code"], "MB001", "{json}");
        assert!(d["message"].as_str().unwrap().contains("holds no key"), "{d}");
        // Reported at the <MBProperty> tag, line 3.
        assert_eq!(d["line"], 3, "{d}");
    }
}

#[test]
fn history_and_compare_fail_closed_on_a_dll_that_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("c");
    copy_tree(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/history/fpse-64bit")),
        &root,
    );
    let dll = aspnet_isapi(&root, "Framework64");
    std::fs::remove_file(&dll).unwrap();
    std::fs::create_dir(&dll).unwrap();
    for format in ["text", "json", "sarif", "github", "html"] {
        let out = mblint()
            .args(["history", "--exit-zero", "--format", format])
            .arg(&root)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "history {format}: {stdout}");
        assert!(stdout.contains("aspnet_isapi.dll"), "history {format}: {stdout}");
    }
    let (_other, node) = server("Framework64");
    for format in ["text", "json", "sarif"] {
        let out = mblint()
            .args(["compare", "--exit-zero", "--format", format])
            .arg(format!("a={}", root.display()))
            .arg(format!("b={}", node.display()))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "compare {format}: {stdout}");
        assert!(stdout.contains("aspnet_isapi.dll"), "compare {format}: {stdout}");
    }
}

/// A copy refreshed under a running gate (`cp` over the file: truncated, then written) is an
/// ordinary event: every run ends with an exit code and, when the file changed while it was read,
/// exit 2 and a message; never a signal (a memory-mapped file cut short killed mblint with SIGBUS).
#[test]
fn a_metabase_rewritten_while_it_is_checked_never_kills_mblint() {
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/metabases/clean-64bit.xml"
    ))
    .unwrap();
    let mut sites = String::new();
    for i in 0..12_000 {
        sites.push_str(&format!(
            "<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/app{i}\"\n\t\tAppFriendlyName=\"app{i}\"\n\t\tPath=\"D:\\Sites\\app{i}\"\n\t>\n</IIsWebVirtualDir>\n"
        ));
    }
    let content = base.replacen("</MBProperty>", &format!("{sites}</MBProperty>"), 1);
    assert!(content.len() > 1_000_000, "{}", content.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MetaBase.xml");
    std::fs::write(&path, &content).unwrap();
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let rewrites = std::sync::Arc::new(AtomicU32::new(0));
    let writer = {
        let (stop, rewrites, path, content) = (stop.clone(), rewrites.clone(), path.clone(), content.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::fs::write(&path, &content).unwrap();
                rewrites.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let (mut runs, mut changed) = (0, 0);
    // At least 8 runs, and on until the file was rewritten 8 times while they ran (a loaded machine
    // may run the writer slowly).
    while runs < 8 || (rewrites.load(Ordering::Relaxed) < 8 && runs < 200) {
        let out = mblint().args(["check", "--isolated"]).arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        assert!(code.is_some(), "killed by a signal: {:?}\n{stderr}", out.status);
        if code == Some(2) {
            assert!(stderr.contains("changed while it was read"), "{stderr}");
            changed += 1;
        }
        runs += 1;
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let rewrites = rewrites.load(Ordering::Relaxed);
    assert!(
        rewrites >= 8,
        "the file was rewritten during the runs ({rewrites} times)"
    );
    eprintln!("{changed} of {runs} runs saw the file change while it was read ({rewrites} rewrites)");
}

/// Standard input is read as it streams in: an endless stream that cannot be a metabase is refused
/// after its first bytes (MB001), not buffered up to the 4 GiB a metabase may have.
#[test]
fn endless_standard_input_that_is_no_metabase_is_refused_at_once() {
    use std::io::Write;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mblint"))
        .args(["check", "--isolated", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = b"y\n".repeat(32 * 1024);
        let mut written = 0u64;
        // Until mblint closes the pipe (or 1 GiB, so a broken mblint cannot keep the test running).
        while written < 1 << 30 && stdin.write_all(&chunk).is_ok() {
            written += chunk.len() as u64;
        }
        written
    });
    let out = child.wait_with_output().unwrap();
    let written = feeder.join().unwrap();
    assert!(written < 64 << 20, "{written} bytes were taken in");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["diagnostics"][0]["code"], "MB001", "{json}");
}

/// A copy of `php-fastcgi` (PHP through FastCGI, 32-bit workers: SysWOW64's fcgiext.dll reads
/// SysWOW64's fcgiext.ini), readable by every account, and the path of the ini the workers read.
fn fastcgi_server() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("c");
    copy_tree(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/servers/php-fastcgi")),
        &root,
    );
    std::process::Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(dir.path())
        .status()
        .unwrap();
    let ini = root.join("Windows/SysWOW64/InetSrv/fcgiext.ini");
    (dir, root, ini)
}

// Unix only, as this whole file: permission bits, FIFOs and symbolic links are how a copy on a
// CIFS mount or a Linux host holds a file mblint cannot read.
#[test]
fn an_fcgiext_ini_that_cannot_be_read_fails_closed() {
    let (_dir, root, ini) = fastcgi_server();
    // Readable: clean.
    mblint().arg("check").arg(&root).assert().code(0);
    std::fs::set_permissions(&ini, std::fs::Permissions::from_mode(0o000)).unwrap();
    fails_closed_in_every_format(mblint_unprivileged, &root, "fcgiext.ini");
}

#[test]
fn an_fcgiext_ini_that_is_a_fifo_or_a_link_out_of_the_copy_fails_closed() {
    let (dir, root, ini) = fastcgi_server();
    let outside = dir.path().join("outside.ini");
    std::fs::rename(&ini, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &ini).unwrap();
    fails_closed_in_every_format(mblint, &root, "fcgiext.ini");
    std::fs::remove_file(&ini).unwrap();
    let c = std::ffi::CString::new(ini.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    fails_closed_in_every_format(mblint, &root, "fcgiext.ini");
}

#[test]
fn an_fcgiext_ini_too_large_or_not_its_encoding_fails_closed() {
    let (_dir, root, ini) = fastcgi_server();
    // UTF-16 by its byte order mark, with an odd number of bytes.
    let mut bytes = std::fs::read(&ini).unwrap();
    bytes.push(b'x');
    std::fs::write(&ini, &bytes).unwrap();
    fails_closed_in_every_format(mblint, &root, "fcgiext.ini");
    // Larger than the 1 MiB mblint reads of it.
    std::fs::write(&ini, vec![b';'; 1 << 21]).unwrap();
    fails_closed_in_every_format(mblint, &root, "fcgiext.ini");
}

#[test]
fn a_fastcgi_program_whose_folder_cannot_be_listed_fails_closed() {
    let (_dir, root, _) = fastcgi_server();
    let php = root.join("PHP");
    std::fs::set_permissions(&php, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = mblint_unprivileged().arg("check").arg(&root).output().unwrap();
    std::fs::set_permissions(&php, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("FastCGI program `C:\\PHP\\php-cgi.exe`"), "{stdout}");
    assert!(!stdout.contains("MB403"), "{stdout}");
}
