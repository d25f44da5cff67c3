//! MB6xx: drift between the nodes of a farm or cluster, reported by `mblint compare`.
//!
//! These rules look at several metabases at once, so no per-file check runs them (`check: None`):
//! [`crate::compare`] lints each node, then compares what decides whether DLLs load and reports
//! each difference under one of these codes. They are registered here like every rule, so that
//! `mblint rules`, `mblint rule MB603`, `--select`, `--ignore`, severity overrides and SARIF's rule
//! list know them.

use super::{FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static PLATFORM_DRIFT: Rule = Rule {
    code: "MB601",
    name: "platform-drift",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "Nodes run different platforms (x86, x64, IA64): the same configuration loads different DLLs",
    doc: rule_doc!("MB601"),
    check: None,
};

pub static ISOLATION_DRIFT: Rule = Rule {
    code: "MB602",
    name: "isolation-mode-drift",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "Nodes run in different isolation modes: DLLs load into different processes",
    doc: rule_doc!("MB602"),
    check: None,
};

pub static WORKER_BITNESS_DRIFT: Rule = Rule {
    code: "MB603",
    name: "worker-bitness-drift",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "Nodes load ISAPI DLLs in workers of different bitness: a failover is a 503 or 500",
    doc: rule_doc!("MB603"),
    check: None,
};

pub static ISAPI_SET_DRIFT: Rule = Rule {
    code: "MB604",
    name: "isapi-set-drift",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A filter, script map, wildcard map, compression DLL or URL-called extension is on some nodes only, or names another DLL",
    doc: rule_doc!("MB604"),
    check: None,
};

pub static FILTER_ORDER_DRIFT: Rule = Rule {
    code: "MB605",
    name: "filter-order-drift",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "FilterLoadOrder loads the same filters in another order on some nodes",
    doc: rule_doc!("MB605"),
    check: None,
};

pub static IMAGE_DRIFT: Rule = Rule {
    code: "MB606",
    name: "image-drift",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "The same configured DLL is another kind of image on some nodes: machine, format, missing or unreadable",
    doc: rule_doc!("MB606"),
    check: None,
};

pub static IMAGE_VERSION_DRIFT: Rule = Rule {
    code: "MB607",
    name: "image-version-drift",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "The same configured DLL is another file on some nodes: different hash or version resource",
    doc: rule_doc!("MB607"),
    check: None,
};

pub static LOCKDOWN_DRIFT: Rule = Rule {
    code: "MB608",
    name: "lockdown-drift",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "WebSvcExtRestrictionList or ApplicationDependencies allow different things on different nodes",
    doc: rule_doc!("MB608"),
    check: None,
};

/// Every drift rule, by code.
pub static DRIFT_RULES: [&Rule; 8] = [
    &PLATFORM_DRIFT,
    &ISOLATION_DRIFT,
    &WORKER_BITNESS_DRIFT,
    &ISAPI_SET_DRIFT,
    &FILTER_ORDER_DRIFT,
    &IMAGE_DRIFT,
    &IMAGE_VERSION_DRIFT,
    &LOCKDOWN_DRIFT,
];

/// Whether a code is a drift rule's: one `mblint compare` reports, never `mblint check`.
pub fn is_drift(code: &str) -> bool {
    DRIFT_RULES.iter().any(|r| r.code.eq_ignore_ascii_case(code))
}
