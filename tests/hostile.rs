//! Hostile input: each case ends in a clear finding or error, with no panic, no hang and no
//! unbounded memory. (Time is not asserted here; the benchmark measures it. A quadratic or
//! exponential path would make these tests visibly hang, and CI time out.)

use std::path::Path;

use assert_cmd::Command;
use mblint::lint::{Options, lint_bytes, lint_path};
use predicates::prelude::*;

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn codes(report: &mblint::lint::FileReport) -> Vec<&'static str> {
    report.diagnostics.iter().map(|d| d.code).collect()
}

fn wrap(keys: &str) -> String {
    format!(
        "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n{keys}</MBProperty>\r\n</configuration>\r\n"
    )
}

#[test]
fn a_20_mb_attribute_value() {
    let value = "x".repeat(20 * 1024 * 1024);
    let text = wrap(&format!(
        "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tServerComment=\"{value}\"\r\n\t>\r\n</IIsWebService>\r\n"
    ));
    let report = lint_bytes("big.xml", text.into_bytes());
    assert!(report.diagnostics.is_empty(), "{:?}", codes(&report));
    // And as a ScriptMaps line: one enormous malformed entry.
    let text = wrap(&format!(
        "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tScriptMaps=\".x,{value}\"\r\n\t>\r\n</IIsWebService>\r\n"
    ));
    assert_eq!(codes(&lint_bytes("big.xml", text.into_bytes())), ["MB002"]);
}

#[test]
fn a_million_sibling_keys() {
    let mut keys = String::with_capacity(60_000_000);
    for i in 0..1_000_000 {
        keys.push_str(&format!(
            "<IIsWebDirectory\tLocation =\"/LM/W3SVC/1/ROOT/d{i}\"\r\n\t>\r\n</IIsWebDirectory>\r\n"
        ));
    }
    let report = lint_bytes("many.xml", wrap(&keys).into_bytes());
    assert!(
        report.diagnostics.is_empty(),
        "{:?}",
        &codes(&report)[..codes(&report).len().min(5)]
    );
    // The same Location a million times: one MB003 per duplicate, no quadratic search.
    let dup = "<IIsWebDirectory\tLocation =\"/LM/W3SVC/1/ROOT/same\"\r\n\t>\r\n</IIsWebDirectory>\r\n".repeat(200_000);
    let report = lint_bytes("dups.xml", wrap(&dup).into_bytes());
    assert_eq!(report.diagnostics.len(), 199_999);
}

#[test]
fn deeply_nested_elements() {
    let depth = 1_000_000;
    let text = wrap(&format!(
        "<IIsWebService\tLocation =\"/LM/W3SVC\">{}{}</IIsWebService>\r\n",
        "<x>".repeat(depth),
        "</x>".repeat(depth)
    ));
    assert!(lint_bytes("deep.xml", text.into_bytes()).diagnostics.is_empty());
    // Unclosed: a finding that names the element, not a stack overflow; mismatched by the close
    // tags that follow, or cut off by the end of the file.
    let text = wrap(&format!(
        "<IIsWebService\tLocation =\"/LM/W3SVC\">{}",
        "<x>".repeat(depth)
    ));
    let report = lint_bytes("deep.xml", text.into_bytes());
    assert_eq!(codes(&report), ["MB001"]);
    assert!(
        report.diagnostics[0].message.contains("expected `</x>`"),
        "{}",
        report.diagnostics[0].message
    );
    let text = format!(
        "<configuration><MBProperty><IIsWebService Location=\"/LM/W3SVC\">{}",
        "<x>".repeat(depth)
    );
    let report = lint_bytes("deep.xml", text.into_bytes());
    assert!(
        report.diagnostics[0]
            .message
            .contains("<x> opened on line 1 is not closed"),
        "{}",
        report.diagnostics[0].message
    );
}

#[test]
fn entity_expansion_and_external_entities_are_refused() {
    let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n<!ENTITY xxe SYSTEM \"http://127.0.0.1:1/never\">\n]>\n<configuration><MBProperty><IIsWebService Location=\"/LM/W3SVC\" ServerComment=\"&lol3;&xxe;\"/></MBProperty></configuration>\n";
    let report = lint_bytes("lolz.xml", laughs);
    assert_eq!(codes(&report), ["MB001"]);
    assert!(report.diagnostics[0].message.contains("DOCTYPE"));
    // Without the DOCTYPE, an undeclared entity is a finding too, never a lookup.
    let text =
        wrap("<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tServerComment=\"&xxe;\"\r\n\t>\r\n</IIsWebService>\r\n");
    let report = lint_bytes("xxe.xml", text.into_bytes());
    assert_eq!(codes(&report), ["MB001"]);
    assert!(report.diagnostics[0].message.contains("&xxe;"));
}

#[test]
fn invalid_utf8_and_lying_boms() {
    let good = std::fs::read("testdata/metabases/clean-64bit.xml").unwrap();
    // A UTF-16 BOM on UTF-8 text: decoded as UTF-16 it is not a metabase.
    let mut lying = vec![0xFF, 0xFE];
    lying.extend_from_slice(&good[3..]);
    assert_eq!(codes(&lint_bytes("lying.xml", lying)), ["MB001"]);
    // A UTF-8 BOM on UTF-16 text.
    let mut lying = vec![0xEF, 0xBB, 0xBF];
    lying.extend(
        String::from_utf8_lossy(&good[3..])
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    assert_eq!(codes(&lint_bytes("lying.xml", lying)), ["MB001"]);
    // A declaration that claims another encoding changes nothing: the bytes decide.
    let claimed = String::from_utf8(good.clone()).unwrap().replace(
        "<?xml version =\"1.0\"?>",
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    );
    assert!(lint_bytes("claim.xml", claimed.into_bytes()).diagnostics.is_empty());
    // Invalid UTF-8 anywhere, including the last byte.
    for at in [3, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] = 0xFF;
        let report = lint_bytes("bad.xml", bad);
        assert_eq!(codes(&report), ["MB001"], "at {at}");
        assert!(report.diagnostics[0].message.contains(&format!("file offset {at}")));
    }
}

#[test]
fn truncated_at_every_offset() {
    let good = std::fs::read("testdata/metabases/fpse2002-64bit.xml").unwrap();
    let end = good.windows(16).position(|w| w == b"</configuration>").unwrap();
    for len in 0..end {
        let report = lint_bytes("cut.xml", &good[..len]);
        assert!(codes(&report).contains(&"MB001"), "cut at {len}: {:?}", codes(&report));
        assert_eq!(report.diagnostics.len(), 1, "cut at {len}");
    }
}

fn server(root: &Path, filter_target: &Path) {
    let inetsrv = root.join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    std::fs::write(
        inetsrv.join("MetaBase.xml"),
        wrap(&format!(
            "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"Hostile\"\r\n\t>\r\n</IIsFilters>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/Hostile\"\r\n\t\tFilterPath=\"C:\\{}\"\r\n\t>\r\n</IIsFilter>\r\n",
            filter_target.display().to_string().replace('/', "\\")
        )),
    )
    .unwrap();
}

fn finding(root: &Path) -> (String, String) {
    let report = lint_path(root, &Options::default()).unwrap();
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code.starts_with("MB2"))
        .unwrap_or_else(|| panic!("{:?}", codes(&report)));
    (d.code.to_string(), d.message.clone())
}

#[test]
fn a_multi_gigabyte_sparse_dll_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    server(dir.path(), Path::new("huge.dll"));
    let huge = std::fs::File::create(dir.path().join("huge.dll")).unwrap();
    huge.set_len(5 * 1024 * 1024 * 1024).unwrap();
    let (code, message) = finding(dir.path());
    assert_eq!(code, "MB202");
    assert!(message.contains("larger than any ISAPI DLL"), "{message}");
}

#[cfg(unix)]
#[test]
fn special_files_at_a_dll_path() {
    // A FIFO: refused without blocking on it.
    let dir = tempfile::tempdir().unwrap();
    server(dir.path(), Path::new("fifo.dll"));
    let fifo = std::ffi::CString::new(dir.path().join("fifo.dll").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let (code, message) = finding(dir.path());
    assert_eq!(
        (code.as_str(), message.contains("a FIFO")),
        ("MB205", true),
        "{message}"
    );

    // A device file, where this process may make one.
    let dir = tempfile::tempdir().unwrap();
    server(dir.path(), Path::new("device.dll"));
    let dev = std::ffi::CString::new(dir.path().join("device.dll").to_str().unwrap()).unwrap();
    if unsafe { libc::mknod(dev.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 3)) } == 0 {
        let (code, message) = finding(dir.path());
        assert_eq!(
            (code.as_str(), message.contains("a device file")),
            ("MB205", true),
            "{message}"
        );
    } else {
        eprintln!("SKIPPED: cannot create a device node here (not root); the FIFO case covers special files");
    }

    // An unreadable file (root reads it anyway: then it is classified, which is right too).
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    server(dir.path(), Path::new("locked.dll"));
    std::fs::copy("testdata/images/x64/isapi-filter.dll", dir.path().join("locked.dll")).unwrap();
    std::fs::set_permissions(dir.path().join("locked.dll"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // Nothing on this bare drive says x64 (no system32 images, no SysWOW64): declare it, so the x64
    // filter's verdict does not depend on the platform.
    let x64 = Options {
        platform: Some(mblint::platform::Platform::X64),
        ..Options::default()
    };
    let report = lint_path(dir.path(), &x64).unwrap();
    if std::fs::read(dir.path().join("locked.dll")).is_err() {
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.code == "MB205")
            .expect("an unreadable DLL is reported");
        assert!(d.message.contains("cannot be read"), "{}", d.message);
    } else {
        assert!(report.diagnostics.is_empty(), "{:?}", codes(&report));
    }
}

#[cfg(unix)]
#[test]
fn link_loops_and_links_out_of_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("drive");
    std::fs::create_dir_all(&root).unwrap();
    server(&root, Path::new("loop\\x.dll"));
    std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
    let (code, message) = finding(&root);
    assert_eq!(code, "MB205");
    assert!(message.contains("link loop"), "{message}");
    // Out of the root: through a folder link, and through `..` in the configured path.
    std::fs::remove_file(root.join("loop")).unwrap();
    std::fs::write(
        dir.path().join("x.dll"),
        std::fs::read("testdata/images/x86/isapi-filter.dll").unwrap(),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path(), root.join("loop")).unwrap();
    let (code, message) = finding(&root);
    assert_eq!(code, "MB205");
    assert!(message.contains("outside the mapped drive root"), "{message}");
    server(&root, Path::new("..\\x.dll"));
    let report = lint_path(&root, &Options::default()).unwrap();
    assert!(codes(&report).contains(&"MB205"), "{:?}", codes(&report));
}

#[test]
fn hostile_inputs_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MetaBase.xml");
    std::fs::write(&path, b"\xFF\xFE<\x00").unwrap();
    mblint()
        .args(["check", path.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MB001"));
    std::fs::write(&path, b"").unwrap();
    mblint()
        .args(["check", path.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("the file is empty"));
    mblint().args(["inspect", "/dev/null"]).assert().code(2);
}
