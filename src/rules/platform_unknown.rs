//! MB107 platform-unknown: some verdict depends on the platform (x86, x64, IA64), and nothing says
//! which it is. Reported by [`merge`], which runs after every rule has run once per platform.

use std::collections::{BTreeMap, HashMap};

use super::{FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Diagnostic, Severity};
use crate::host::ServerModel;
use crate::metabase::isapi::WorkerBitness;
use crate::metabase::{Metabase, Span};
use crate::platform::Platform;

pub static RULE: Rule = Rule {
    code: "MB107",
    name: "platform-unknown",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A verdict depends on whether Windows is x86, x64 or IA64, and nothing says which",
    doc: rule_doc!("MB107"),
    check: None,
};

/// What makes two runs' findings alike: code, place, severity and words.
/// A finding as the runs compare it: rule, primary place, severity, words, and every other place
/// (a cause found at other places on another platform is another verdict).
type Identity = (&'static str, Span, Severity, String, Vec<Span>);
/// Per platform, the findings only some runs give: (code, place text) -> (first span, count).
type Dependent = BTreeMap<Platform, BTreeMap<(&'static str, String), (Span, usize)>>;

/// How many findings MB107 names per platform before it counts the rest.
const SHOWN: usize = 4;

/// Merges the findings of one run per platform left open. A finding every run gives alike (code,
/// place, severity, words) stands; its fix stands only if every run offers the same. The others
/// depend on the platform: one MB107 names them, per platform, in place of a guess.
pub fn merge(
    mb: &Metabase,
    model: &ServerModel,
    mut runs: Vec<(WorkerBitness, Vec<Diagnostic>)>,
    enabled: impl Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    if runs.len() == 1 {
        return runs.pop().map(|(_, d)| d).unwrap_or_default();
    }
    let key = |d: &Diagnostic| -> Identity {
        (
            d.code,
            d.span,
            d.severity,
            d.message.clone(),
            d.occurrences.iter().map(|o| o.span).collect(),
        )
    };
    let indexes: Vec<HashMap<Identity, &Diagnostic>> = runs
        .iter()
        .map(|(_, diags)| diags.iter().map(|d| (key(d), d)).collect())
        .collect();
    let mut out = Vec::new();
    let mut dependent: Dependent = BTreeMap::new();
    // The gravest verdict MB107 stands for: an error on one platform stays an error, so a gate run
    // with `--fail-on error` still fails until the platform is declared.
    let mut gravest = RULE.severity;
    for (i, (worker, diags)) in runs.iter().enumerate() {
        for d in diags {
            let k = key(d);
            let alike: Vec<&Diagnostic> = indexes.iter().filter_map(|m| m.get(&k).copied()).collect();
            if alike.len() == runs.len() {
                if i == 0 {
                    let mut d = d.clone();
                    if alike.iter().any(|o| o.fix != d.fix) {
                        d.fix = None;
                    }
                    out.push(d);
                }
                continue;
            }
            gravest = gravest.max(d.severity);
            let what = mb.slice(d.span).trim().to_string();
            dependent
                .entry(worker.platform)
                .or_default()
                .entry((d.code, what))
                .and_modify(|(_, n)| *n += 1 + d.occurrences.len())
                .or_insert((d.span, 1 + d.occurrences.len()));
        }
    }
    if dependent.is_empty() || !enabled(RULE.code) {
        return out;
    }
    let mut spans: Vec<Span> = dependent.values().flat_map(|m| m.values().map(|(s, _)| *s)).collect();
    spans.sort_by_key(|s| (s.start, s.end));
    spans.dedup();
    let per_platform: Vec<String> = runs
        .iter()
        .map(|(w, _)| {
            let findings = dependent.get(&w.platform);
            let list = match findings {
                None => "no such finding".to_string(),
                Some(m) => {
                    super::findings_in_words(m.iter().map(|((code, what), (_, n))| (*code, what.as_str(), *n)), SHOWN)
                }
            };
            // Without a drive one run stands for both 64-bit platforms.
            let stands_for_both = w.platform == Platform::X64
                && model.platform.value.contains(Platform::Ia64)
                && runs.iter().all(|(o, _)| o.platform != Platform::Ia64);
            let name = if stands_for_both {
                "64-bit Windows (x64 or IA64)"
            } else {
                w.platform.describe()
            };
            format!("on {name}: {list}")
        })
        .collect();
    let mut d = RULE.diagnostic(spans[0],
        format!(
            "the verdict on this server depends on its platform, which is {}: {}",
            model.platform.value.describe(),
            per_platform.join("; ")
        ),
    )
    .label("the verdict here depends on the platform")
    .help(
        "declare the platform with --platform x86|x64|ia64 (or platform = \"x64\" in mblint.toml), or check a copy of the server's system drive, whose system32 images tell it: 32-bit Windows loads only 32-bit ISAPI DLLs, and 64-bit Windows in 64-bit mode only 64-bit ones",
    );
    d.severity = gravest;
    for &span in spans.iter().skip(1).take(3) {
        d = d.related(span, "this verdict depends on the platform too");
    }
    out.push(d);
    out.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitness::Bitness;
    use crate::diagnostic::{Applicability, Fix, Occurrence};
    use crate::lint::{Options, lint_metabase};
    use crate::metabase::{SourceFile, parse};
    use crate::platform::Platforms;
    use crate::rules::testing;

    fn worker(platform: Platform) -> WorkerBitness {
        let bitness = if platform == Platform::X86 {
            Bitness::Bits32
        } else {
            Bitness::Bits64
        };
        WorkerBitness {
            bitness,
            setting: None,
            platform,
            iis5: false,
        }
    }

    /// The metabase, its model left open to `platforms`, and the spans of two site roots' paths.
    fn setup(platforms: Platforms) -> (Metabase, ServerModel, Span, Span) {
        let keys = testing::root(1, "C:\\one", "") + &testing::root(2, "C:\\two", "");
        let mb = parse(SourceFile::from_text("m.xml", testing::server(false, "", &keys))).unwrap();
        let mut model = lint_metabase(&mb, &Options::default()).model;
        model.platform.value = platforms;
        let at = |what: &str| {
            let start = mb.source.text.find(what).unwrap();
            Span::new(start, start + what.len())
        };
        let (one, two) = (at("C:\\one"), at("C:\\two"));
        (mb, model, one, two)
    }

    fn finding(code: &'static str, span: Span, message: &str) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, span, message)
    }

    /// Without a drive the x64 run stands for both 64-bit platforms, and only it; findings of one
    /// code at one place text are counted with their other places (1, then 1 + 1 more place; 1 + 1
    /// for a first finding with another place).
    #[test]
    fn the_x64_run_stands_for_both_64_bit_platforms_and_places_are_counted() {
        let (mb, model, one, two) = setup(Platforms::ANY);
        let also = |mut d: Diagnostic, span: Span| {
            d.occurrences.push(Occurrence::new(span, None, None, None));
            d
        };
        let runs = vec![
            (worker(Platform::X86), vec![also(finding("MB101", two, "on x86"), one)]),
            (
                worker(Platform::X64),
                vec![finding("MB102", one, "a"), also(finding("MB102", one, "b"), two)],
            ),
        ];
        let out = merge(&mb, &model, runs, |_| true);
        assert_eq!(out.len(), 1, "{out:#?}");
        assert_eq!(out[0].code, "MB107");
        assert_eq!(
            out[0].message,
            "the verdict on this server depends on its platform, which is unknown (x86, x64 or IA64): on 32-bit Windows (x86): MB101 for `C:\\two` (2 places); on 64-bit Windows (x64 or IA64): MB102 for `C:\\one` (3 places)"
        );
    }

    /// With a run per platform each is named for itself, and a finding every run gives alike is
    /// kept once, with its fix when every run offers the same.
    #[test]
    fn with_a_run_per_platform_each_is_named_and_a_common_finding_kept_once() {
        let (mb, model, one, two) = setup(Platforms::ANY);
        let fix = || Some(Fix::new(Applicability::Safe, "the fix"));
        let common = || finding("MB101", two, "everywhere").fix(fix());
        let runs = vec![
            (worker(Platform::X86), vec![common()]),
            (worker(Platform::X64), vec![common(), finding("MB102", one, "a")]),
            (worker(Platform::Ia64), vec![common()]),
        ];
        let out = merge(&mb, &model, runs, |_| true);
        let codes: Vec<_> = out.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["MB107", "MB101"], "{out:#?}");
        assert_eq!(out[1].fix, fix());
        assert_eq!(
            out[0].message,
            "the verdict on this server depends on its platform, which is unknown (x86, x64 or IA64): on 32-bit Windows (x86): no such finding; on x64 Windows: MB102 for `C:\\one`; on Itanium Windows (IA64): no such finding"
        );
    }
}
