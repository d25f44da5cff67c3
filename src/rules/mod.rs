//! The rule registry: one entry per rule, each rule in its own module with its document in
//! `rules/<CODE>.md` (embedded in the binary).

use crate::diagnostic::{Diagnostic, Severity};
use crate::metabase::Metabase;
use crate::metabase::isapi::{IsapiSet, WorkerBitness};

pub mod malformed_metabase;
pub mod misplaced_enable32bit;
pub mod mixed_bitness;
pub mod worker_bitness_mismatch;

/// Whether a rule can offer a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

/// What every rule sees: the parsed metabase and what follows from it.
pub struct Context<'a> {
    pub metabase: &'a Metabase,
    pub isapi: &'a IsapiSet,
    pub worker: WorkerBitness,
}

pub type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// A rule's identity and its check. `check` is `None` for a rule that another stage reports
/// (MB001 comes from the parser).
pub struct Rule {
    /// The stable code: `MB102`.
    pub code: &'static str,
    /// The kebab-case name: `worker-bitness-mismatch`.
    pub name: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// One line: what it finds.
    pub summary: &'static str,
    /// The rule's document (`rules/<CODE>.md`).
    pub doc: &'static str,
    pub check: Option<Check>,
}

macro_rules! rule_doc {
    ($code:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $code, ".md"))
    };
}
pub(crate) use rule_doc;

/// Every rule, by code.
pub static RULES: &[&Rule] = &[
    &malformed_metabase::RULE,
    &mixed_bitness::RULE,
    &worker_bitness_mismatch::RULE,
    &misplaced_enable32bit::RULE,
];

/// The rule with this code (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Runs every rule that has a check over one metabase; findings sorted by position, then code.
pub fn run(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        if let Some(check) = rule.check {
            check(ctx, &mut out);
        }
    }
    out.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(a.code.len() == 5 && a.code.starts_with("MB") && a.code[2..].bytes().all(|b| b.is_ascii_digit()));
            assert!(
                a.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            for b in &RULES[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn every_rule_has_a_document_and_every_document_a_rule() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut documented: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|name| name.strip_suffix(".md").map(str::to_string))
            .filter(|name| name.starts_with("MB"))
            .collect();
        documented.sort();
        let mut codes: Vec<String> = RULES.iter().map(|r| r.code.to_string()).collect();
        codes.sort();
        assert_eq!(documented, codes);
        for rule in RULES {
            let title = format!("# {} {}", rule.code, rule.name);
            assert!(
                rule.doc.starts_with(&title),
                "rules/{}.md must start with `{title}`",
                rule.code
            );
            for section in [
                "## What it checks",
                "## Why it matters",
                "## Example",
                "## Fix",
                "## References",
            ] {
                assert!(rule.doc.contains(section), "rules/{}.md lacks `{section}`", rule.code);
            }
        }
    }

    #[test]
    fn codes_are_pinned() {
        let listing: Vec<String> = RULES
            .iter()
            .map(|r| format!("{} {} {}", r.code, r.name, r.severity.as_str()))
            .collect();
        assert_eq!(
            listing,
            [
                "MB001 malformed-metabase error",
                "MB101 mixed-bitness error",
                "MB102 worker-bitness-mismatch error",
                "MB105 misplaced-enable32bit warning",
            ]
        );
    }
}
