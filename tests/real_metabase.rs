//! Checks the parser and the property table against a real MetaBase.xml and MBSchema.xml written by
//! IIS 6.0 on Windows Server 2003, kept outside the repository in `../shared/real/`. Skips, saying
//! so, when that folder is absent.

use std::path::PathBuf;

use mblint::lint::{Options, lint_bytes};
use mblint::metabase::isapi::{IsapiSet, Role, WorkerBitness};
use mblint::metabase::server::ServerConfig;
use mblint::metabase::{SourceFile, parse, props};
use mblint::platform::Platform;

fn real(file: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/real")
        .join(file);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            // Written to the process's stderr directly: libtest captures the print macros, so an
            // eprintln! here would be swallowed and the skip would look like a pass.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {} is absent; the real-metabase checks did not run",
                path.display()
            );
            None
        }
    }
}

#[test]
fn real_metabase_parses_losslessly_and_lints_clean() {
    let Some(bytes) = real("MetaBase.xml") else { return };
    let source = SourceFile::decode("MetaBase.xml", bytes.as_slice()).unwrap();
    let text = source.text.clone();
    let mb = parse(source).expect("the real metabase parses");

    // Every key element, none lost: one per `Location =` in the file.
    assert_eq!(mb.keys.len(), text.matches("\tLocation =\"").count());
    for key in &mb.keys {
        let element = mb.slice(key.span);
        let key_type = mb.slice(key.key_type);
        assert!(element.starts_with(&format!("<{key_type}")), "{element:.60}");
        assert!(element.ends_with(&format!("</{key_type}>")), "{element:.60}");
    }
    // Every attribute value span is the text between its quotes.
    for attr in &mb.attrs {
        let v = attr.value;
        assert_eq!(&text[v.end as usize..v.end as usize + 1], "\"");
        assert_eq!(&text[v.start as usize - 1..v.start as usize], "\"");
    }
    // Custom children count as properties of their key.
    let dcom = mb.find("/LM/IISADMIN/EXTENSIONS/DCOMCLSIDS").unwrap();
    assert_eq!(mb.key(dcom).attrs.len(), 1);
    assert_eq!(mb.attr_name(mb.key(dcom).attrs.start), "MD_IISADMIN_EXTENSIONS");

    // Multi-string values split on line breaks only.
    let svc = mb.find("/lm/w3svc").unwrap();
    let maps = mb.own(svc, props::SCRIPT_MAPS).unwrap();
    let lines: Vec<String> = mb.attr_lines(maps).map(|l| l.text().into_owned()).collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[7], ".stm,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll,5,GET,POST");
    let errors = mb.own(svc, mb_prop("HttpErrors")).unwrap();
    assert_eq!(mb.attr_lines(errors).count(), 42);

    // Inheritance: the root vdir of site 1 inherits the service's script maps.
    let root = mb.find("/LM/W3SVC/1/ROOT").unwrap();
    assert_eq!(mb.effective(root, props::SCRIPT_MAPS).map(|e| e.0), Some(svc));

    // The worker's view: a 32-bit server (no Enable32BitAppOnWin64, which would decide nothing there:
    // on x64 the same file would run 64-bit workers), UrlScan loads, the Compression filter key (no
    // FilterPath, not in the load order) does not; the gzip scheme DLLs are listed.
    assert_eq!(WorkerBitness::of(&mb, Platform::X86, false).bitness.bits(), 32);
    assert_eq!(WorkerBitness::of(&mb, Platform::X64, false).bitness.bits(), 64);
    let set = IsapiSet::of(&mb);
    let filters: Vec<_> = set
        .entries
        .iter()
        .filter(|e| e.role == Role::GlobalFilter)
        .map(|e| &*e.path)
        .collect();
    assert_eq!(filters, ["C:\\WINDOWS\\system32\\inetsrv\\urlscan\\urlscan.dll"]);
    assert_eq!(set.entries.iter().filter(|e| e.role == Role::ScriptMap).count(), 8);
    assert_eq!(
        set.entries.iter().filter(|e| e.role == Role::CompressionScheme).count(),
        2
    );
    assert!(set.filters.iter().any(|f| f.name == "Compression" && !f.loads()));
    assert!(set.bad_script_maps.is_empty());

    // Server-wide settings and lists.
    let cfg = ServerConfig::of(&mb);
    assert_eq!(cfg.iis5_isolation.as_ref().and_then(|s| s.value), Some(false));
    assert_eq!(cfg.edit_while_running.as_ref().and_then(|s| s.value), Some(false));
    assert_eq!(cfg.enable_history.as_ref().and_then(|s| s.value), Some(true));
    assert_eq!(cfg.max_history_files.as_ref().and_then(|s| s.value), Some(10));
    assert_eq!(cfg.restrictions.len(), 6);
    assert!(
        cfg.restrictions
            .iter()
            .all(|r| r.entry.as_ref().is_ok_and(|r| !r.allowed))
    );
    let groups: Vec<&str> = cfg
        .dependencies
        .iter()
        .flat_map(|d| d.entry.as_ref().unwrap().groups.iter().map(String::as_str))
        .collect();
    assert_eq!(groups, ["ASP", "HTTPODBC", "SSINC", "WEBDAV"]);
    assert_eq!(cfg.app_pools.len(), 2);
    assert_eq!(cfg.applications.len(), 1, "site templates are not applications");
    let (_, pool) = cfg.applications[0].app_pool.unwrap();
    assert!(cfg.pool_named(&mb.attr_value(pool)).is_some());

    // The server is in IIS 6's default lockdown: every Web Service Extension prohibited, so each of its
    // eight script maps gets 404.2 (MB401, info): three causes (asp.dll, httpodbc.dll, ssinc.dll),
    // eight places in all. Nothing else is wrong with it.
    let report = lint_bytes("MetaBase.xml", bytes.clone());
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["MB401"; 3], "{:#?}", report.diagnostics);
    let places: usize = report.diagnostics.iter().map(|d| d.places().count()).sum();
    assert_eq!(places, 8);
    // Nothing in it says which platform it runs on, and Windows is in C:\WINDOWS by its own paths.
    let server = report.server.as_ref().unwrap();
    assert_eq!(server.platform.value.key(), "unknown");
    assert_eq!(server.windir.value.to_string(), "C:\\WINDOWS");
    assert_eq!(server.windir.source, mblint::host::Source::Metabase);
}

/// The real (32-bit) metabase with one ordinary ASP.NET 2.0 script map added, as most IIS 6 servers
/// with ASP.NET had it.
fn real_with_aspnet(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let anchor = ".stm,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll,5,GET,POST";
    assert!(text.contains(anchor));
    let map = "\n\t\t\t.aspx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG";
    text.replacen(anchor, &format!("{anchor}{map}"), 1).into_bytes()
}

#[test]
fn a_32bit_server_with_aspnet_is_not_a_64bit_failure() {
    let Some(bytes) = real("MetaBase.xml") else { return };
    let bytes = real_with_aspnet(&bytes);
    let codes = |report: &mblint::lint::FileReport| -> Vec<&'static str> {
        let mut c: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
        c.dedup();
        c
    };
    // Undeclared: the map is fine on x86 and a 500 on x64 with 64-bit workers. No MB102 and no fix that
    // sets Enable32BitAppOnWin64: one warning that fails the gate until the platform is declared.
    let report = lint_bytes("MetaBase.xml", bytes.clone());
    assert_eq!(codes(&report), ["MB401", "MB107", "MB401"], "{:#?}", report.diagnostics);
    let mb107 = report.diagnostics.iter().find(|d| d.code == "MB107").unwrap();
    assert!(
        mb107.message.contains("on 64-bit Windows (x64 or IA64): MB102"),
        "{}",
        mb107.message
    );
    assert!(mb107.message.contains("aspnet_isapi.dll"), "{}", mb107.message);
    assert!(report.diagnostics.iter().all(|d| {
        d.fix
            .as_ref()
            .is_none_or(|f| f.edits.iter().all(|e| !e.content.contains("Enable32bit")))
    }));
    // Declared x86: only the lockdown's info findings.
    let options = Options {
        platform: Some(Platform::X86),
        ..Options::default()
    };
    let report = mblint::lint::lint_bytes_with("MetaBase.xml", bytes.clone(), &options);
    assert!(
        report.diagnostics.iter().all(|d| d.code == "MB401"),
        "{:#?}",
        report.diagnostics
    );
    assert_eq!(report.worker.as_ref().unwrap().bitness.map(|b| b.bits()), Some(32));
    // Declared x64: the real failure, MB102, with 64-bit workers.
    let options = Options {
        platform: Some(Platform::X64),
        ..Options::default()
    };
    let report = mblint::lint::lint_bytes_with("MetaBase.xml", bytes, &options);
    assert!(
        report.diagnostics.iter().any(|d| d.code == "MB102"),
        "{:#?}",
        report.diagnostics
    );
}

fn mb_prop(name: &'static str) -> props::Prop {
    props::Prop {
        name,
        id: 0,
        ty: props::PropType::MultiSz,
        inherit: false,
    }
}

#[test]
fn property_table_matches_the_real_schema() {
    let Some(bytes) = real("MBSchema.xml") else { return };
    let schema = String::from_utf8(bytes).unwrap();
    for prop in props::ALL {
        let needle = format!("InternalName =\"{}\"", prop.name);
        let line = schema
            .lines()
            .find(|l| l.contains(&needle) && l.contains("\tID=\""))
            .unwrap_or_else(|| panic!("{} is not in MBSchema.xml", prop.name));
        let field = |name: &str| {
            let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            line[start..].split('"').next().unwrap().to_string()
        };
        assert_eq!(field("ID"), prop.id.to_string(), "{}", prop.name);
        assert_eq!(field("Type"), prop.ty.name(), "{}", prop.name);
        assert_eq!(field("Attributes").contains("INHERIT"), prop.inherit, "{}", prop.name);
    }
    // Enable32BitAppOnWin64 is legal on the pools collection only, not on a single pool.
    let collection = |name: &str| -> String {
        let needle = format!("InternalName =\"{name}\"");
        let start = schema
            .lines()
            .find(|l| l.contains("<Collection") && l.contains(&needle))
            .map(|l| l.as_ptr() as usize - schema.as_ptr() as usize)
            .unwrap_or_else(|| panic!("no collection {name} in MBSchema.xml"));
        let end = schema[start..].find("</Collection>").unwrap() + start;
        schema[start..end].to_string()
    };
    assert!(collection("IIsApplicationPools").contains("IIsConfigObject:Enable32BitAppOnWin64"));
    assert!(!collection("IIsApplicationPool").contains("IIsConfigObject:Enable32BitAppOnWin64"));
    assert!(collection("IIsWebService").contains("IIsConfigObject:ScriptMaps"));
}

/// The built-in schema is the real MBSchema.xml: the generated table (gen_schema_table.py) and
/// mblint's own parse of the file agree on every property and class.
#[test]
fn builtin_schema_is_the_real_one() {
    use mblint::metabase::schema::Schema;
    let Some(bytes) = real("MBSchema.xml") else { return };
    let source = SourceFile::decode("MBSchema.xml", bytes.as_slice()).unwrap();
    let parsed = Schema::parse(&source.text).expect("the real MBSchema.xml reads");
    let builtin = Schema::builtin();
    assert_eq!(parsed.properties(), builtin.properties());
    assert_eq!(parsed.classes(), builtin.classes());
    assert_eq!(builtin.properties().len(), 507);
}

/// The real metabase checked against the real schema read from a drive copy: the same verdict as
/// with the built-in schema (no MB002, MB005 or MB006 on what IIS itself wrote), and the model says
/// which schema was used.
#[test]
fn real_metabase_against_its_drive_schema_has_no_schema_finding() {
    let (Some(metabase), Some(schema)) = (real("MetaBase.xml"), real("MBSchema.xml")) else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let inetsrv = root.path().join("WINDOWS/system32/inetsrv");
    std::fs::create_dir_all(&inetsrv).unwrap();
    std::fs::write(inetsrv.join("MetaBase.xml"), &metabase).unwrap();
    std::fs::write(inetsrv.join("MBSchema.xml"), &schema).unwrap();
    let options = Options {
        drive_copy: Some(root.path().to_path_buf()),
        ..Options::default()
    };
    let report = mblint::lint::lint_bytes_with("MetaBase.xml", metabase, &options);
    assert!(report.unread.is_empty(), "{:?}", report.unread);
    let server = report.server.as_ref().unwrap();
    assert_eq!(server.schema.value, mblint::host::SchemaSource::Drive);
    let schema_findings: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| matches!(d.code, "MB002" | "MB005" | "MB006"))
        .collect();
    assert!(schema_findings.is_empty(), "{schema_findings:#?}");
}
