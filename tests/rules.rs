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
    ("MB201", "testdata/servers/missing-dll"),
    ("MB202", "testdata/servers/missing-dll"),
    ("MB203", "testdata/servers/no-isapi-exports"),
    ("MB204", "testdata/servers/missing-dll"),
    ("MB205", "testdata/servers/link-outside"),
    ("MB206", "testdata/servers/ambiguous-paths"),
    ("MB301", "testdata/metabases/rules/MB3xx-filters.xml"),
    ("MB302", "testdata/metabases/rules/MB3xx-filters.xml"),
    ("MB303", "testdata/metabases/rules/MB3xx-filters.xml"),
    ("MB401", "testdata/metabases/rules/MB4xx-lockdown.xml"),
    ("MB402", "testdata/metabases/rules/MB4xx-lockdown.xml"),
    ("MB501", "testdata/metabases/rules/MB5xx-pools.xml"),
    ("MB502", "testdata/metabases/rules/MB5xx-pools.xml"),
];

/// Fixtures on which no rule may fire: near misses of every rule, and clean servers.
const NEGATIVE: &[&str] = &[
    "testdata/metabases/rules/near-misses.xml",
    "testdata/metabases/rules/near-misses-iis5.xml",
    "testdata/metabases/clean-64bit.xml",
    "testdata/metabases/clean-32bit-mode.xml",
    "testdata/servers/clean-64bit",
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
