//! Every rule in the registry fires on its positive fixture and stays silent on the negative ones.
//! (The findings themselves are snapshot-tested by fixtures.rs and servers.rs.)

use std::collections::BTreeSet;
use std::path::Path;

use mblint::lint::{Options, lint_path};
use mblint::rules::RULES;

fn codes(path: &str) -> BTreeSet<&'static str> {
    let report = lint_path(Path::new(path), &Options::default()).unwrap_or_else(|e| panic!("{path}: {e}"));
    report.diagnostics.iter().map(|d| d.code).collect()
}

/// Each rule and a fixture (metabase or drive copy) on which it must fire.
const POSITIVE: &[(&str, &str)] = &[
    ("MB001", "testdata/metabases/malformed/mismatched-tag.xml"),
    ("MB002", "testdata/metabases/rules/MB002-invalid-values.xml"),
    ("MB002", "testdata/metabases/rules/MB002-schema-ranges.xml"),
    ("MB005", "testdata/metabases/rules/MB005-name-case.xml"),
    ("MB006", "testdata/metabases/rules/MB006-unknown-properties.xml"),
    ("MB003", "testdata/metabases/rules/MB003-duplicate-location.xml"),
    ("MB004", "testdata/metabases/rules/MB004-edit-while-running.xml"),
    ("MB101", "testdata/servers/fpse2002-64bit"),
    ("MB102", "testdata/servers/framework64-32bit-mode"),
    ("MB103", "testdata/servers/ia64-image"),
    ("MB104", "testdata/servers/aspnet11-no-working-mode"),
    ("MB105", "testdata/metabases/pool-enable32bit.xml"),
    ("MB106", "testdata/metabases/rules/MB106-iis5-isolation-32bit.xml"),
    ("MB107", "testdata/metabases/x86-aspnet20.xml"),
    ("MB108", "testdata/metabases/rules/MB108-conflicting-windir.xml"),
    ("MB109", "testdata/servers/rawdata-filter-worker-isolation"),
    ("MB201", "testdata/servers/missing-dll"),
    ("MB202", "testdata/servers/missing-dll"),
    ("MB203", "testdata/servers/no-isapi-exports"),
    ("MB204", "testdata/servers/missing-dll"),
    ("MB205", "testdata/servers/link-outside"),
    ("MB206", "testdata/servers/ambiguous-paths"),
    ("MB301", "testdata/metabases/rules/MB3xx-filters.xml"),
    ("MB302", "testdata/metabases/rules/MB3xx-filters.xml"),
    ("MB303", "testdata/metabases/rules/MB3xx-filters.xml"),
    ("MB304", "testdata/servers/urlscan-after-rewriter"),
    ("MB401", "testdata/metabases/rules/MB4xx-lockdown.xml"),
    ("MB402", "testdata/metabases/rules/MB4xx-lockdown.xml"),
    // fcgiext.ini is read from a drive copy only.
    ("MB403", "testdata/servers/php-fastcgi-missing-exe"),
    ("MB501", "testdata/metabases/rules/MB5xx-pools.xml"),
    ("MB502", "testdata/metabases/rules/MB5xx-pools.xml"),
    ("MB503", "testdata/servers/aspnet40-eurl-shared-pool"),
    // The dependency closure needs a drive copy: the scenarios of tests/servers.rs.
    ("MB207", "testdata/servers/deps-missing-direct"),
    ("MB208", "testdata/servers/deps-missing-function"),
    ("MB209", "testdata/servers/deps-beside-dll"),
    ("MB210", "testdata/servers/deps-delay-missing"),
    ("MB211", "testdata/servers/deps-partial"),
];

/// Fixtures on which no rule may fire: near misses of every rule, and clean servers.
const NEGATIVE: &[&str] = &[
    "testdata/metabases/rules/near-misses.xml",
    "testdata/metabases/rules/near-misses-iis5.xml",
    "testdata/metabases/clean-64bit.xml",
    "testdata/metabases/clean-32bit-mode.xml",
    "testdata/servers/clean-64bit",
    "testdata/servers/php-fastcgi",
];

#[test]
fn every_rule_fires_on_its_positive_fixture() {
    // The MB6xx drift rules compare nodes: tests/compare.rs holds each to a farm it fires on.
    let registered: BTreeSet<&str> = RULES
        .iter()
        .map(|r| r.code)
        .filter(|c| !mblint::rules::drift::is_drift(c))
        .collect();
    let covered: BTreeSet<&str> = POSITIVE.iter().map(|(c, _)| *c).collect();
    assert_eq!(registered, covered, "every registered rule has a positive fixture");
    for (code, fixture) in POSITIVE {
        // The fixture's escape is a symbolic link in the repository; Windows (and Wine, which
        // follows unix links where Windows would see a reparse point) cannot stage it.
        if cfg!(windows) && fixture.ends_with("link-outside") {
            continue;
        }
        assert!(codes(fixture).contains(code), "{code} does not fire on {fixture}");
    }
}

#[test]
fn no_rule_fires_on_the_negative_fixtures() {
    for fixture in NEGATIVE {
        assert_eq!(codes(fixture), BTreeSet::new(), "{fixture}");
    }
}

#[test]
fn positive_rule_fixtures_show_only_their_own_rules() {
    for (fixture, own) in [
        ("testdata/metabases/rules/MB002-invalid-values.xml", &["MB002"][..]),
        ("testdata/metabases/rules/MB003-duplicate-location.xml", &["MB003"]),
        ("testdata/metabases/rules/MB004-edit-while-running.xml", &["MB004"]),
        ("testdata/metabases/rules/MB106-iis5-isolation-32bit.xml", &["MB106"]),
        ("testdata/metabases/rules/MB108-conflicting-windir.xml", &["MB108"]),
        ("testdata/metabases/rules/MB206-ambiguous-paths.xml", &["MB206"]),
        ("testdata/metabases/x86-aspnet20.xml", &["MB107"]),
        (
            "testdata/metabases/rules/MB3xx-filters.xml",
            &["MB301", "MB302", "MB303"],
        ),
        ("testdata/metabases/rules/MB4xx-lockdown.xml", &["MB401", "MB402"]),
        ("testdata/metabases/rules/MB5xx-pools.xml", &["MB501", "MB502"]),
    ] {
        assert_eq!(codes(fixture), own.iter().copied().collect(), "{fixture}");
    }
}

/// On 32-bit Windows every process is 32-bit, in IIS 5.0 isolation mode too: MB102's help says so,
/// and does not send the administrator to Enable32BitAppOnWin64, which 32-bit Windows does not have.
#[test]
fn mb102_on_x86_in_iis5_mode_advises_no_64bit_switch() {
    let options = Options {
        platform: Some(mblint::platform::Platform::X86),
        ..Options::default()
    };
    let report = lint_path(Path::new("testdata/metabases/iis5-mode-framework64.xml"), &options).unwrap();
    let helps: BTreeSet<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "MB102")
        .filter_map(|d| d.help.as_deref())
        .collect();
    assert_eq!(
        helps.into_iter().collect::<Vec<_>>(),
        [
            "ISAPI DLLs load into 32-bit processes: 32-bit Windows runs no others. Point this entry at a 32-bit build of the DLL, or remove the component"
        ]
    );
}

/// Every fixture the rules are tried on: the metabases (malformed ones included) and the drive copies.
fn all_fixtures() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "xml") {
                out.push(path.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new("testdata/metabases"), &mut out);
    for entry in std::fs::read_dir("testdata/servers").unwrap() {
        out.push(entry.unwrap().path().to_string_lossy().into_owned());
    }
    out.sort();
    out
}

/// `mblint rules` says what a user gets from each rule's fixes (issue 21: it said MB401's fix was
/// "always" when it is display-only): the column is derived from the kinds each rule declares
/// ([`mblint::rules::fixes::FIXES`]), and here the declarations are held to the fixes the rules really
/// make on every fixture. A kind no fixture shows, a fix of a kind not declared, a finding without
/// a fix where the rule says "always", or one with a fix where it says "none": each fails.
#[test]
fn the_fix_column_says_what_the_fixes_are() {
    use mblint::diagnostic::Applicability;
    use mblint::rules::FixAvailability;
    use std::collections::BTreeMap;
    // Per code: the kinds seen, and how many findings had a fix and how many had none.
    let mut seen: BTreeMap<&str, (BTreeSet<&str>, usize, usize)> = BTreeMap::new();
    for fixture in all_fixtures() {
        let Ok(report) = lint_path(Path::new(&fixture), &Options::default()) else {
            continue;
        };
        for d in &report.diagnostics {
            let s = seen.entry(d.code).or_default();
            match &d.fix {
                Some(fix) => {
                    s.0.insert(fix.applicability.as_str());
                    s.1 += 1;
                }
                None => s.2 += 1,
            }
        }
    }
    let mut wrong = Vec::new();
    for rule in RULES.iter().filter(|r| r.check.is_some() || r.code == "MB001") {
        let declared: BTreeSet<&str> = mblint::rules::fixes::kinds(rule.code)
            .iter()
            .map(|k: &Applicability| k.as_str())
            .collect();
        let (kinds, with, without) = seen.get(rule.code).cloned().unwrap_or_default();
        // Kinds the code makes that no fixture shows, each with why.
        const UNEXERCISED: &[(&str, &str, &str)] = &[(
            "MB101",
            "display-only",
            "the planner's switch is display-only when a raw-data filter forbids it, and goes on MB101 only when the set is mixed; no fixture has both",
        )];
        let declared_seen: BTreeSet<&str> = declared
            .iter()
            .copied()
            .filter(|k| !UNEXERCISED.iter().any(|(c, u, _)| *c == rule.code && u == k))
            .collect();
        if kinds != declared_seen {
            wrong.push(format!(
                "{}: the fixtures show fixes {kinds:?}, {declared:?} are declared",
                rule.code
            ));
        }
        let holds = match rule.fix {
            FixAvailability::None => with == 0,
            FixAvailability::Always => without == 0,
            FixAvailability::Sometimes => with > 0 && without > 0,
        };
        if !holds {
            wrong.push(format!(
                "{}: {:?}, but the fixtures show {with} findings with a fix and {without} without",
                rule.code, rule.fix
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// MB503 (ASP.NET 4's eurl.axd), on small metabases without a drive.
const EURL_FW2: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727";
const EURL_FW4: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v4.0.30319";

/// A metabase with the given ASP.NET filter folder, and sites (root ScriptMaps, AppPoolId).
fn eurl_metabase(filter: Option<&str>, iis5: bool, sites: &[(&str, &str)]) -> String {
    let mut keys = vec![format!(
        "<IIsWebService Location=\"/LM/W3SVC\" IIs5IsolationModeEnabled=\"{}\" AppPoolId=\"DefaultAppPool\"></IIsWebService>",
        if iis5 { "TRUE" } else { "FALSE" }
    )];
    for (n, (maps, pool)) in sites.iter().enumerate() {
        let n = n + 1;
        keys.push(format!(
            "<IIsWebServer Location=\"/LM/W3SVC/{n}\" ServerComment=\"Site {n}\"></IIsWebServer>\n<IIsWebVirtualDir Location=\"/LM/W3SVC/{n}/ROOT\" AppRoot=\"/LM/W3SVC/{n}/ROOT\" AppPoolId=\"{pool}\" ScriptMaps=\"{maps}\"></IIsWebVirtualDir>"
        ));
    }
    keys.push("<IIsApplicationPools Location=\"/LM/W3SVC/AppPools\"></IIsApplicationPools>".into());
    for pool in ["DefaultAppPool", "Other"] {
        keys.push(format!(
            "<IIsApplicationPool Location=\"/LM/W3SVC/AppPools/{pool}\"></IIsApplicationPool>"
        ));
    }
    if let Some(folder) = filter {
        keys.push(format!(
            "<IIsFilters Location=\"/LM/W3SVC/Filters\" FilterLoadOrder=\"ASP.NET\"></IIsFilters>\n<IIsFilter Location=\"/LM/W3SVC/Filters/ASP.NET\" FilterPath=\"{folder}\\aspnet_filter.dll\"></IIsFilter>"
        ));
    }
    format!(
        "<?xml version=\"1.0\"?>\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\n<MBProperty>\n{}\n</MBProperty>\n</configuration>\n",
        keys.join("\n")
    )
}

fn axd(folder: &str) -> String {
    format!(".axd,{folder}\\aspnet_isapi.dll,5,GET,HEAD,POST,DEBUG")
}

fn wildcard(folder: &str) -> String {
    format!("*,{folder}\\aspnet_isapi.dll,0")
}

/// The MB503 findings' messages.
fn mb503(text: &str) -> Vec<String> {
    let report = mblint::lint::lint_bytes("MetaBase.xml", text.as_bytes().to_vec());
    assert!(report.unread.is_empty(), "{:?}", report.unread.len());
    assert!(!report.diagnostics.iter().any(|d| d.code == "MB001"));
    let mut out: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "MB503")
        .map(|d| d.message.clone())
        .collect();
    out.dedup();
    out
}

#[test]
fn mb503_a_site_without_the_v4_axd_map_beside_a_v4_site_in_one_pool_is_reported() {
    let (v2, v4) = (axd(EURL_FW2), axd(EURL_FW4));
    let found = mb503(&eurl_metabase(
        Some(EURL_FW4),
        false,
        &[(&v2, "DefaultAppPool"), (&v4, "DEFAULTAPPPOOL")],
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(
            "site /LM/W3SVC/1 (`Site 1`) shares application pool `DefaultAppPool` with site /LM/W3SVC/2 (`Site 2`)"
        ),
        "{}",
        found[0]
    );
    assert!(found[0].contains("goes to ASP.NET v2.0.50727"), "{}", found[0]);
    assert!(found[0].contains("EnableExtensionlessUrls"), "{}", found[0]);
    // No `.axd` line at all: the static file handler's 404.
    let found = mb503(&eurl_metabase(
        Some(EURL_FW4),
        false,
        &[(".htm,C:\\x.dll,1", "DefaultAppPool"), (&v4, "DefaultAppPool")],
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("maps no `.axd` to ASP.NET 4") && found[0].contains("answers 404"),
        "{}",
        found[0]
    );
}

#[test]
fn mb503_nothing_is_reported_without_a_shared_v4_process_or_without_the_v4_filter() {
    let (v2, v4) = (axd(EURL_FW2), axd(EURL_FW4));
    // Separate pools.
    assert!(
        mb503(&eurl_metabase(
            Some(EURL_FW4),
            false,
            &[(&v2, "DefaultAppPool"), (&v4, "Other")]
        ))
        .is_empty()
    );
    // Every site on ASP.NET 4, by its `.axd` line or a wildcard map.
    assert!(
        mb503(&eurl_metabase(
            Some(EURL_FW4),
            false,
            &[(&wildcard(EURL_FW4), "DefaultAppPool"), (&v4, "DefaultAppPool")]
        ))
        .is_empty()
    );
    // No site on ASP.NET 4: the feature is never turned on.
    assert!(
        mb503(&eurl_metabase(
            Some(EURL_FW4),
            false,
            &[(&v2, "DefaultAppPool"), (&v2, "DefaultAppPool")]
        ))
        .is_empty()
    );
    // ASP.NET 2.0's filter, or none.
    assert!(
        mb503(&eurl_metabase(
            Some(EURL_FW2),
            false,
            &[(&v2, "DefaultAppPool"), (&v4, "DefaultAppPool")]
        ))
        .is_empty()
    );
    assert!(
        mb503(&eurl_metabase(
            None,
            false,
            &[(&v2, "DefaultAppPool"), (&v4, "DefaultAppPool")]
        ))
        .is_empty()
    );
}

#[test]
fn mb503_in_iis5_isolation_mode_every_site_shares_inetinfo() {
    let (v2, v4) = (axd(EURL_FW2), axd(EURL_FW4));
    let found = mb503(&eurl_metabase(
        Some(EURL_FW4),
        true,
        &[(&v2, "DefaultAppPool"), (&v4, "Other")],
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("shares the same inetinfo.exe (IIS 5.0 isolation mode)"),
        "{}",
        found[0]
    );
}
