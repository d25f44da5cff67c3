//! The oracle of the fix loop's limited re-lint: every metabase of testdata/ and generated ones,
//! under every fix mode, with and without a drive, fixed once re-linting each pass in full (from
//! the bytes, as `check` lints a file) and once with the limited re-lint. The two must agree
//! exactly: the same findings before and after (every field, in order), the same identities with
//! the same counts, and the same result (bytes, changes, applied fixes, passes, or the same error).

use std::path::{Path, PathBuf};

use mblint::bitness::Bitness;
use mblint::fixer::{FixError, Fixed, Relint, Request, fix_bytes_with};
use mblint::lint::{FileReport, Options};
use mblint::platform::Platform;
use mblint::resolve::drive::Drives;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a report says, every field that a re-lint can change.
fn report_view(r: &FileReport) -> String {
    format!(
        "text: {:?}\nworker: {:?}\nserver: {}\nedit_while_running: {:?}\nisapi: {}\ndrives: {:?}\n{:#?}",
        r.source.text,
        r.worker,
        serde_json::to_string(&r.server).unwrap(),
        r.edit_while_running,
        r.isapi_count,
        r.drives,
        r.diagnostics
    )
}

/// Findings counted per place by identity, as the fix loop compares them.
fn identities(r: &FileReport) -> Vec<(String, String, String, Option<u32>, usize)> {
    let mut map: std::collections::BTreeMap<(String, String, String, Option<u32>), usize> = Default::default();
    for d in &r.diagnostics {
        for p in d.places() {
            *map.entry((
                d.code.to_string(),
                p.location().unwrap_or_default().to_lowercase(),
                p.attribute().unwrap_or_default().to_lowercase(),
                p.value_line,
            ))
            .or_default() += 1;
        }
    }
    map.into_iter().map(|((a, b, c, d), n)| (a, b, c, d, n)).collect()
}

fn fixed_view(f: &Fixed) -> String {
    format!(
        "original: {:?}\nbytes: {:?}\nchanges: {:?}\npasses: {}\napplied: {:#?}\nbefore:\n{}\nafter:\n{}\nidentities after: {:?}\nsummary: {}",
        f.original(),
        String::from_utf8_lossy(&f.bytes()),
        f.changes,
        f.passes,
        f.applied
            .iter()
            .map(|a| (a.code, &a.location, &a.fix))
            .collect::<Vec<_>>(),
        report_view(&f.before),
        f.after.as_ref().map(report_view).unwrap_or_default(),
        f.after.as_ref().map(identities),
        f.summary(),
    )
}

fn outcome_view(r: &Result<Fixed, FixError>) -> String {
    match r {
        Ok(f) => fixed_view(f),
        Err(e) => format!("error: {e}"),
    }
}

/// Fixes `bytes` both ways and holds them to the same outcome; returns how many passes the
/// limited re-lint linted without falling back to a full one.
fn same_verdict(name: &str, bytes: &[u8], options: &Options, request: Request) -> Result<usize, String> {
    let full = fix_bytes_with(name, bytes.to_vec(), options, request, Relint::Full);
    let limited = fix_bytes_with(name, bytes.to_vec(), options, request, Relint::Limited);
    let (a, b) = (outcome_view(&full), outcome_view(&limited));
    if a != b {
        let first = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(a.lines().count().min(b.lines().count()));
        let around = |s: &str| {
            s.lines()
                .skip(first.saturating_sub(8))
                .take(24)
                .collect::<Vec<_>>()
                .join("\n")
        };
        return Err(format!(
            "{name} ({request:?}, forced {:?}, platform {:?}, drives {}): the limited re-lint disagrees with the full one at line {first}\n--- full\n{}\n--- limited\n{}",
            options.forced_bitness,
            options.platform,
            !options.drives.is_empty(),
            around(&a),
            around(&b)
        ));
    }
    let relints = limited.map(|f| f.relints).unwrap_or_default();
    // A carried finding that touches an edit means a rule reads more than its declaration says:
    // the re-lint falls back to a full one and stays right, but the declaration is wrong.
    if relints.contains(&Some(mblint::fixer::relint::TOUCHING)) {
        return Err(format!(
            "{name} ({request:?}, forced {:?}, platform {:?}, drives {}): a finding the limited re-lint would carry over touches an edit: a rule's declaration in rules/reads.rs misses what it reads",
            options.forced_bitness,
            options.platform,
            !options.drives.is_empty()
        ));
    }
    Ok(relints.iter().filter(|r| r.is_none()).count())
}

/// Every fix mode: safe, unsafe, and each worker bitness forced.
fn modes() -> Vec<(Request, Option<Bitness>)> {
    let mut out = Vec::new();
    for unsafe_fixes in [false, true] {
        for forced in [None, Some(Bitness::Bits32), Some(Bitness::Bits64)] {
            out.push((Request { unsafe_fixes }, forced));
        }
    }
    out
}

fn drive(dir: &Path) -> Drives {
    let mut d = Drives::default();
    d.insert('C', dir.to_path_buf());
    d
}

fn metabases_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            metabases_under(&p, out);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_ascii_lowercase().ends_with(".xml") && !n.eq_ignore_ascii_case("MBSchema.xml"))
        {
            out.push(p);
        }
    }
}

#[test]
fn every_testdata_metabase_gets_the_same_verdict_both_ways() {
    let mut files = Vec::new();
    metabases_under(&root().join("testdata/metabases"), &mut files);
    metabases_under(&root().join("testdata/servers"), &mut files);
    metabases_under(&root().join("testdata/farms"), &mut files);
    assert!(files.len() > 30, "found {} metabases", files.len());
    let server_drive = root().join("testdata/servers/fpse2002-64bit");
    let (mut failures, mut limited, mut fixed_files) = (Vec::new(), 0, 0);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        // A drive copy's own drive; every other file with and without a sample drive.
        let rel = file.strip_prefix(root()).unwrap();
        let own_drive = rel
            .components()
            .nth(2)
            .map(|c| root().join("testdata/servers").join(c))
            .filter(|_| rel.starts_with("testdata/servers"));
        let drives = match own_drive {
            Some(d) => vec![Drives::default(), drive(&d)],
            None => vec![Drives::default(), drive(&server_drive)],
        };
        for drives in drives {
            for (request, forced) in modes() {
                let options = Options {
                    drives: drives.clone(),
                    forced_bitness: forced,
                    ..Options::default()
                };
                match same_verdict(&rel.display().to_string(), &bytes, &options, request) {
                    Ok(n) => {
                        limited += n;
                        fixed_files += usize::from(n > 0);
                    }
                    Err(e) => failures.push(e),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The oracle is only worth its name if the limited re-lint ran.
    assert!(
        limited >= 20,
        "only {limited} limited re-lints over {fixed_files} fixed runs"
    );
}

const DLLS: [&str; 6] = [
    "C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll",
    "C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727\\aspnet_isapi.dll",
    "C:\\WINDOWS\\system32\\inetsrv\\asp.dll",
    "C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll",
    "C:\\WINDOWS\\SysWOW64\\inetsrv\\httpodbc.dll",
    "C:\\Program Files (x86)\\Vendor\\missing.dll",
];

const FILTERS: [&str; 3] = [
    "C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_filter.dll",
    "C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727\\aspnet_filter.dll",
    "C:\\WINDOWS\\system32\\inetsrv\\urlscan\\UrlScan.dll",
];

/// One site of a generated metabase.
#[derive(Debug, Clone)]
struct Site {
    maps: Vec<usize>,
    /// A malformed script map line.
    bad_map: bool,
    /// Its own pool (undefined when true and not listed), or the default.
    pool: Option<bool>,
    /// ServerAutoStart written as "yes" (MB002 with a display-only fix).
    odd_bool: bool,
    /// A Custom DWORD child whose value is not a number.
    bad_custom: bool,
    filter: Option<usize>,
}

fn site() -> impl Strategy<Value = Site> {
    (
        proptest::collection::vec(0usize..DLLS.len(), 1..4),
        any::<bool>(),
        proptest::option::of(any::<bool>()),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0usize..FILTERS.len()),
    )
        .prop_map(|(maps, bad_map, pool, odd_bool, bad_custom, filter)| Site {
            maps,
            bad_map,
            pool,
            odd_bool,
            bad_custom,
            filter,
        })
}

/// A server-level setup: the worker mode, the isolation mode, the restriction list, edit while
/// running, a misplaced Enable32BitAppOnWin64.
#[derive(Debug, Clone)]
struct Server {
    mode: Option<&'static str>,
    iis5: Option<&'static str>,
    lockdown: Option<(bool, Vec<(usize, bool)>)>,
    edit_while_running: Option<&'static str>,
    misplaced: bool,
    global_filter: Option<usize>,
    dependencies: bool,
    crlf: bool,
    bom: bool,
}

fn server() -> impl Strategy<Value = Server> {
    (
        proptest::option::of(prop_oneof![Just("TRUE"), Just("FALSE"), Just("1"), Just("yes")]),
        proptest::option::of(prop_oneof![Just("FALSE"), Just("TRUE")]),
        proptest::option::of((
            any::<bool>(),
            proptest::collection::vec((0usize..DLLS.len(), any::<bool>()), 0..4),
        )),
        proptest::option::of(prop_oneof![Just("0"), Just("1"), Just("yes")]),
        any::<bool>(),
        proptest::option::of(0usize..FILTERS.len()),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(mode, iis5, lockdown, edit_while_running, misplaced, global_filter, dependencies, crlf, bom)| Server {
                mode,
                iis5,
                lockdown,
                edit_while_running,
                misplaced,
                global_filter,
                dependencies,
                crlf,
                bom,
            },
        )
}

/// A metabase in IIS's layout from a server setup and its sites.
fn metabase(server: &Server, sites: &[Site]) -> Vec<u8> {
    let mut t = String::from("<?xml version =\"1.0\"?>\n<configuration>\n<MBProperty>\n");
    t += "<IIsComputer\tLocation =\"/LM\"\n";
    if let Some(v) = server.edit_while_running {
        t += &format!("\t\tEnableEditWhileRunning=\"{v}\"\n");
    }
    t += "\t>\n</IIsComputer>\n";
    t += "<IIsWebService\tLocation =\"/LM/W3SVC\"\n\t\tAppPoolId=\"DefaultAppPool\"\n";
    if server.dependencies {
        t += "\t\tApplicationDependencies=\"ASP.NET v2.0.50727;ASPNET\n\t\t\tActive Server Pages;ASP\n\t\t\tBroken;NOPE\"\n";
    }
    if let Some(v) = server.iis5 {
        t += &format!("\t\tIIs5IsolationModeEnabled=\"{v}\"\n");
    }
    t += &format!("\t\tScriptMaps=\".asp,{},5,GET,HEAD,POST\"\n", DLLS[2]);
    if let Some((unknown, entries)) = &server.lockdown {
        t += &format!("\t\tWebSvcExtRestrictionList=\"{},*.dll", u8::from(*unknown));
        let mut seen = Vec::new();
        for (i, allowed) in entries {
            if seen.contains(i) {
                continue;
            }
            seen.push(*i);
            t += &format!("\n\t\t\t{},{},1,G{i},Entry {i}", u8::from(*allowed), DLLS[*i]);
        }
        t += "\"\n";
    }
    t += "\t>\n</IIsWebService>\n";
    t += "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\n";
    if server.global_filter.is_some() {
        t += "\t\tFilterLoadOrder=\"Global\"\n";
    }
    t += "\t>\n</IIsFilters>\n";
    if let Some(f) = server.global_filter {
        t += &format!(
            "<IIsFilter\tLocation =\"/LM/W3SVC/Filters/Global\"\n\t\tFilterPath=\"{}\"\n\t>\n</IIsFilter>\n",
            FILTERS[f]
        );
    }
    for (i, s) in sites.iter().enumerate() {
        let n = i + 1;
        t += &format!("<IIsWebServer\tLocation =\"/LM/W3SVC/{n}\"\n");
        match s.pool {
            Some(true) => t += &format!("\t\tAppPoolId=\"Pool{n}\"\n"),
            Some(false) => t += "\t\tAppPoolId=\"Shared\"\n",
            None => {}
        }
        t += &format!(
            "\t\tServerAutoStart=\"{}\"\n\t\tServerComment=\"Site {n}\"\n\t>\n",
            if s.odd_bool { "yes" } else { "TRUE" }
        );
        t += &format!(
            "\t<Custom\n\t\tName=\"UnknownName_6000{n}\"\n\t\tID=\"6000{n}\"\n\t\tValue=\"{}\"\n\t\tType=\"DWORD\"\n\t\tUserType=\"IIS_MD_UT_SERVER\"\n\t\tAttributes=\"NO_ATTRIBUTES\"\n\t/>\n",
            if s.bad_custom { "many" } else { "7" }
        );
        t += "</IIsWebServer>\n";
        if let Some(f) = s.filter {
            t += &format!(
                "<IIsFilters\tLocation =\"/LM/W3SVC/{n}/Filters\"\n\t\tFilterLoadOrder=\"Site{n}\"\n\t>\n</IIsFilters>\n<IIsFilter\tLocation =\"/LM/W3SVC/{n}/Filters/Site{n}\"\n\t\tFilterPath=\"{}\"\n\t>\n</IIsFilter>\n",
                FILTERS[f]
            );
        }
        let mut lines: Vec<String> = s
            .maps
            .iter()
            .enumerate()
            .map(|(k, &d)| format!(".e{k},{},1,GET,POST", DLLS[d]))
            .collect();
        if s.bad_map {
            lines.insert(lines.len() / 2, ".bad,".to_string());
        }
        t += &format!(
            "<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/{n}/ROOT\"\n\t\tAccessFlags=\"AccessRead | AccessScript\"\n\t\tAppRoot=\"/LM/W3SVC/{n}/ROOT\"\n\t\tPath=\"D:\\Sites\\{n}\"\n\t\tScriptMaps=\"{}\"\n\t>\n</IIsWebVirtualDir>\n",
            lines.join("\n\t\t\t")
        );
    }
    t += "<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\n";
    if let Some(m) = server.mode {
        t += &format!("\t\tEnable32BitAppOnWin64=\"{m}\"\n");
    }
    t += "\t\tIdleTimeout=\"20\"\n\t>\n</IIsApplicationPools>\n";
    t += "<IIsApplicationPool\tLocation =\"/LM/W3SVC/AppPools/DefaultAppPool\"\n";
    if server.misplaced {
        t += "\t\tEnable32BitAppOnWin64=\"TRUE\"\n";
    }
    t += "\t>\n</IIsApplicationPool>\n";
    t += "<IIsApplicationPool\tLocation =\"/LM/W3SVC/AppPools/Shared\"\n\t>\n</IIsApplicationPool>\n";
    t += "</MBProperty>\n</configuration>\n";
    if server.crlf {
        t = t.replace('\n', "\r\n");
    }
    let mut bytes = if server.bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
    bytes.extend(t.into_bytes());
    bytes
}

fn platform() -> impl Strategy<Value = Option<Platform>> {
    proptest::option::of(prop_oneof![
        Just(Platform::X86),
        Just(Platform::X64),
        Just(Platform::Ia64)
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Generated metabases, every fix mode, with and without a drive: the same verdict both ways.
    #[test]
    fn generated_metabases_get_the_same_verdict_both_ways(
        server in server(),
        sites in proptest::collection::vec(site(), 1..6),
        unsafe_fixes: bool,
        forced in proptest::option::of(prop_oneof![Just(Bitness::Bits32), Just(Bitness::Bits64)]),
        platform in platform(),
        with_drive: bool,
        utf16: bool,
    ) {
        let mut bytes = metabase(&server, &sites);
        if utf16 {
            let text = String::from_utf8(bytes).unwrap();
            bytes = vec![0xFF, 0xFE];
            bytes.extend(text.trim_start_matches('\u{feff}').encode_utf16().flat_map(u16::to_le_bytes));
        }
        let options = Options {
            drives: if with_drive { drive(&root().join("testdata/servers/fpse2002-64bit")) } else { Drives::default() },
            forced_bitness: forced,
            platform,
            ..Options::default()
        };
        let verdict = same_verdict("m.xml", &bytes, &options, Request { unsafe_fixes });
        prop_assert!(verdict.is_ok(), "{}", verdict.unwrap_err());
    }
}

/// The generator reaches the limited re-lint: over a fixed sample, most fixed files are re-linted
/// by it, so the property above compares something.
#[test]
fn the_generated_sample_exercises_the_limited_relint() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (server(), proptest::collection::vec(site(), 1..6), any::<bool>());
    let (mut limited, mut fixed) = (0, 0);
    for _ in 0..64 {
        let (server, sites, unsafe_fixes) = strategy.new_tree(&mut runner).unwrap().current();
        let bytes = metabase(&server, &sites);
        let options = Options {
            drives: drive(&root().join("testdata/servers/fpse2002-64bit")),
            ..Options::default()
        };
        let n = same_verdict("m.xml", &bytes, &options, Request { unsafe_fixes }).unwrap();
        let f = fix_bytes_with("m.xml", bytes, &options, Request { unsafe_fixes }, Relint::Limited);
        if f.is_ok_and(|f| f.passes > 0) {
            fixed += 1;
            limited += usize::from(n > 0);
        }
    }
    assert!(fixed >= 16, "only {fixed} of 64 generated files had fixes");
    assert!(
        limited * 2 >= fixed,
        "only {limited} of {fixed} fixed files used the limited re-lint"
    );
}
