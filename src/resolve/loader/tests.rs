use super::*;
use crate::platform::Platform;
use crate::resolve::drive::Drives;
use crate::resolve::loader_facts::PathEntry;

fn image(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/testdata/images/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A drive with Server 2003's kernel32.dll and ntdll.dll stand-ins (x64 in System32, x86 in
/// SysWOW64) and the given files.
fn drive(files: &[(&str, &str)]) -> (tempfile::TempDir, Resolver) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("c");
    let mut all: Vec<(&str, &str)> = vec![
        ("WINDOWS/System32/kernel32.dll", "x64/system/kernel32.dll"),
        ("WINDOWS/System32/ntdll.dll", "x64/system/ntdll.dll"),
        ("WINDOWS/SysWOW64/kernel32.dll", "x86/system/kernel32.dll"),
        ("WINDOWS/SysWOW64/ntdll.dll", "x86/system/ntdll.dll"),
    ];
    all.extend_from_slice(files);
    for (path, source) in all {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, image(source)).unwrap();
    }
    let mut drives = Drives::default();
    drives.insert('C', root);
    (dir, Resolver::new(drives))
}

fn windir() -> WinPath {
    crate::winpath::parse(r"C:\WINDOWS").unwrap()
}

fn loader(path: Option<Vec<&str>>) -> Loader {
    let mut facts = LoaderFacts::defaults(&windir(), "test");
    facts.path = path.map(|entries| {
        entries
            .into_iter()
            .map(|e| PathEntry {
                written: e.to_string(),
                folder: crate::winpath::parse(e).ok(),
                problem: None,
            })
            .collect()
    });
    Loader::new(facts, windir())
}

fn site(bits: Bitness) -> Site {
    Site {
        process: Process::new(Platform::X64, bits),
        host: Host::W3wp,
    }
}

const APP: &str = r"C:\App\ext.dll";

#[test]
fn a_transitive_chain_is_followed_and_each_missing_module_named() {
    let (_d, mut r) = drive(&[
        ("App/ext.dll", "x64/deps/ext-helper.dll"),
        ("WINDOWS/System32/helper.dll", "x64/deps/helper.dll"),
    ]);
    let mut l = loader(Some(vec![]));
    let c = l.closure(&mut r, site(Bitness::Bits64), APP);
    assert_eq!(codes(&c), vec![("helper2.dll".to_string(), Some(126), false)]);
    assert_eq!(c.faults[0].chain_text(), "ext.dll -> helper.dll -> helper2.dll");
    let Problem::Missing { searched, .. } = &c.faults[0].problem else {
        panic!()
    };
    assert!(!searched.incomplete);
    assert_eq!(
        searched.folder_list(),
        r"C:\WINDOWS\system32\inetsrv, C:\WINDOWS\system32, C:\WINDOWS\system, C:\WINDOWS"
    );
    assert!(searched.not_searched[0].contains("current folder of w3wp.exe (no source gives it)"));
    // helper.dll was found in the system folder.
    assert_eq!(c.nodes[1].via, Some(Via::SystemFolder));

    // Without PATH, not found is not missing; a PATH folder that holds it is searched.
    let mut l = loader(None);
    let c = l.closure(&mut r, site(Bitness::Bits64), APP);
    let Problem::Missing { searched, .. } = &c.faults[0].problem else {
        panic!()
    };
    assert!(searched.incomplete);
    assert!(searched.not_searched.iter().any(|s| s.contains("PATH")));
}

#[test]
fn path_inetsrv_and_clean() {
    let (_d, mut r) = drive(&[
        ("App/ext.dll", "x64/deps/ext-helper.dll"),
        ("WINDOWS/System32/inetsrv/helper.dll", "x64/deps/helper.dll"),
        ("Tools/helper2.dll", "x64/deps/helper2.dll"),
    ]);
    let mut l = loader(Some(vec![r"C:\Tools"]));
    let c = l.closure(&mut r, site(Bitness::Bits64), APP);
    assert!(c.clean(), "{:?}", c.faults);
    assert_eq!(c.nodes[1].via, Some(Via::ProcessFolder));
    assert_eq!(
        c.nodes[2].via,
        Some(Via::Path {
            entry: r"C:\Tools".into()
        })
    );
    // dllhost.exe's folder is system32: inetsrv is not searched for it.
    let dllhost = Site {
        host: Host::Dllhost,
        ..site(Bitness::Bits64)
    };
    let c = l.closure(&mut r, dllhost, APP);
    assert_eq!(codes(&c), vec![("helper.dll".to_string(), Some(126), false)]);
}

#[test]
fn a_32_bit_worker_sees_syswow64_and_a_wrong_machine_fails_with_193() {
    let (_d, mut r) = drive(&[
        ("App/ext.dll", "x86/deps/ext-helper.dll"),
        ("WINDOWS/System32/helper.dll", "x86/deps/helper.dll"),
        ("WINDOWS/System32/helper2.dll", "x86/deps/helper2.dll"),
    ]);
    let mut l = loader(Some(vec![]));
    let c = l.closure(&mut r, site(Bitness::Bits32), APP);
    assert_eq!(codes(&c), vec![("helper.dll".to_string(), Some(126), false)]);
    let Problem::Missing { searched, .. } = &c.faults[0].problem else {
        panic!()
    };
    assert!(
        searched
            .folder_list()
            .contains(r"C:\WINDOWS\SysWOW64\inetsrv, C:\WINDOWS\SysWOW64,"),
        "{}",
        searched.folder_list()
    );

    let (_d, mut r) = drive(&[
        ("App/ext.dll", "x86/deps/ext-helper.dll"),
        ("WINDOWS/SysWOW64/helper.dll", "x64/deps/helper.dll"),
    ]);
    let mut l = loader(Some(vec![]));
    let c = l.closure(&mut r, site(Bitness::Bits32), APP);
    assert_eq!(codes(&c), vec![("helper.dll".to_string(), Some(193), false)]);
}

#[test]
fn missing_functions_ordinals_and_known_dlls() {
    let (_d, mut r) = drive(&[
        ("App/ext.dll", "x64/deps/ext-vista-kernel32.dll"),
        ("App/ord.dll", "x64/deps/ext-ordinal.dll"),
        ("WINDOWS/System32/helper.dll", "x64/deps/helper.dll"),
        ("WINDOWS/System32/helper2.dll", "x64/deps/helper2.dll"),
        // A copy of kernel32.dll beside the DLL does not shadow the known DLL.
        ("App/kernel32.dll", "x64/deps/helper2.dll"),
    ]);
    let mut l = loader(Some(vec![]));
    let c = l.closure(&mut r, site(Bitness::Bits64), APP);
    let missing: Vec<String> = c
        .faults
        .iter()
        .map(|f| match &f.problem {
            Problem::MissingFunction { function, module, .. } => format!("{module}!{function}"),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        missing,
        ["KERNEL32.dll!GetTickCount64", "KERNEL32.dll!InitializeSRWLock"]
    );
    assert_eq!(c.nodes[1].via, Some(Via::KnownDll { assumed: None }));
    let c = l.closure(&mut r, site(Bitness::Bits64), r"C:\App\ord.dll");
    assert_eq!(c.faults.len(), 1, "{:?}", c.faults);
    assert!(matches!(&c.faults[0].problem, Problem::MissingFunction { function, .. } if function == "#99"));
}

#[test]
fn delay_loads_and_beside_the_dll() {
    let (_d, mut r) = drive(&[
        ("App/ext.dll", "x64/deps/ext-delay.dll"),
        ("App/helper.dll", "x64/deps/helper.dll"),
    ]);
    let mut l = loader(Some(vec![]));
    let c = l.closure(&mut r, site(Bitness::Bits64), APP);
    // helper.dll only beside the DLL (a doubt), and helper2.dll nowhere: both under a delay-load.
    let faults: Vec<(&str, bool)> = c
        .faults
        .iter()
        .map(|f| {
            (
                match &f.problem {
                    Problem::BesideOnly { .. } => "beside",
                    Problem::Missing { .. } => "missing",
                    other => panic!("{other:?}"),
                },
                f.delay,
            )
        })
        .collect();
    assert_eq!(faults, [("beside", true), ("missing", true)]);
    let (_d, mut r) = drive(&[
        ("App/ext.dll", "x64/deps/ext-helper.dll"),
        ("App/helper.dll", "x64/deps/helper.dll"),
    ]);
    let mut l = loader(Some(vec![]));
    let c = l.closure(&mut r, site(Bitness::Bits64), APP);
    assert!(matches!(
        &c.faults[0],
        Fault {
            delay: false,
            problem: Problem::BesideOnly { .. },
            ..
        }
    ));
}

#[test]
fn side_by_side_assemblies_come_only_from_winsxs() {
    let sxs = "WINDOWS/WinSxS/x86_Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_8.0.50727.762_x-ww_6b128700";
    let (dir, mut r) = drive(&[
        ("App/ext.dll", "x86/deps/ext-vc80.dll"),
        ("WINDOWS/SysWOW64/msvcr80.dll", "x86/system/msvcr80.dll"),
    ]);
    let mut l = loader(Some(vec![]));
    let c = l.closure(&mut r, site(Bitness::Bits32), APP);
    match &c.faults[..] {
        [
            Fault {
                problem: Problem::AssemblyMissing {
                    identity, stray_copies, ..
                },
                ..
            },
        ] => {
            assert!(identity.contains("Microsoft.VC80.CRT"), "{identity}");
            assert_eq!(stray_copies.len(), 1);
            assert!(
                stray_copies[0].eq_ignore_ascii_case(r"C:\WINDOWS\SysWOW64\msvcr80.dll"),
                "{stray_copies:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The assembly in WinSxS, found through its manifest (the folder's name is not read).
    let root = dir.path().join("c");
    let manifests = root.join("WINDOWS/WinSxS/Manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    let name = "x86_Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_8.0.50727.762_x-ww_6b128700.manifest";
    std::fs::copy(
        format!("{}/testdata/images/winsxs/Manifests/{name}", env!("CARGO_MANIFEST_DIR")),
        manifests.join(name),
    )
    .unwrap();
    std::fs::create_dir_all(root.join(sxs)).unwrap();
    std::fs::write(root.join(sxs).join("MSVCR80.DLL"), image("x86/system/msvcr80.dll")).unwrap();
    let mut drives = Drives::default();
    drives.insert('C', root);
    let mut r = Resolver::new(drives);
    let mut l = loader(Some(vec![]));
    let c = l.closure(&mut r, site(Bitness::Bits32), APP);
    assert!(c.clean(), "{:?}", c.faults);
    assert!(matches!(&c.nodes[1].via, Some(Via::Assembly { identity }) if identity.contains("8.0.50727.762")));
}

#[test]
fn a_partial_copy_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("c/WINDOWS/system32/inetsrv")).unwrap();
    let mut drives = Drives::default();
    drives.insert('C', dir.path().join("c"));
    let mut r = Resolver::new(drives);
    let mut l = loader(None);
    let p = l.partial(&mut r, site(Bitness::Bits64)).unwrap();
    assert_eq!(p.missing, ["ntdll.dll", "kernel32.dll"]);
    let (_d, mut r) = drive(&[]);
    assert_eq!(l.partial(&mut r, site(Bitness::Bits32)), None);
}

#[test]
fn module_names_are_plain_file_names() {
    assert_eq!(module_file_name("KERNEL32").unwrap(), "KERNEL32.dll");
    assert_eq!(module_file_name("a.drv").unwrap(), "a.drv");
    assert_eq!(module_file_name("noext.").unwrap(), "noext");
    for bad in ["..\\x.dll", "C:x.dll", "a/b.dll", "", "x.dll ", ".", "a\u{1}.dll"] {
        assert!(module_file_name(bad).is_err(), "{bad:?}");
    }
}
