//! MB005 property-name-case: an attribute whose name differs from a schema property's only in the
//! letter case (`Enable32bitAppOnWin64` for the schema's `Enable32BitAppOnWin64`).
//!
//! No source says whether IIS 6 reads such an attribute as the property: the IIS 6.0 documentation
//! says "MetaBase.xml is case sensitive" (Writing Changes to MetaBase.xml), and says nothing of
//! what its reader then does with the name. So mblint never picks one reading silently: when the
//! file holds such a name, every rule runs on both readings ([`crate::lint`]), the findings both
//! give stand, and the others are named here, per reading, on an error ([`merge_readings`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Applicability, Diagnostic, Fix, MetabaseOp, Severity};
use crate::fix::edit;
use crate::metabase::props;
use crate::metabase::schema::{Lookup, Schema};
use crate::metabase::{AttrKind, Metabase, Span};

pub static RULE: Rule = Rule {
    code: "MB005",
    name: "property-name-case",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A property name that differs from the schema's only in letter case: whether IIS 6 reads it is unknown (an error when a verdict depends on it)",
    doc: rule_doc!("MB005"),
    check: Some(check),
};

const HELP: &str = "the IIS 6.0 documentation says MetaBase.xml is case-sensitive, and no source says whether IIS 6 reads an attribute whose name differs from the schema's only in case as the property or ignores it as a name it does not know: write the schema's spelling (the fix), so that the file means the same either way";

/// The help when the key also sets the property in the schema's spelling: no fix can know which
/// value the administrator meant.
const HELP_TWICE: &str = "the IIS 6.0 documentation says MetaBase.xml is case-sensitive, and no source says whether IIS 6 reads an attribute whose name differs from the schema's only in case as the property or ignores it as a name it does not know: delete the spelling whose value is not the one meant (mblint cannot tell which), so that the file means the same either way";

/// Whether the file holds an attribute whose name is a case variant of a schema property: then the
/// rules run on both readings.
pub fn has_case_variants(mb: &Metabase, schema: &Schema) -> bool {
    mb.attrs
        .iter()
        .any(|a| matches!(a.kind, AttrKind::Attribute) && matches!(schema.lookup(mb.slice(a.name)), Lookup::Case(_)))
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let schema = &*ctx.model.definitions;
    // Per distinct (written, schema) spelling: the cause, made once.
    let mut causes: HashMap<&str, Arc<str>> = HashMap::new();
    for key in 0..mb.keys.len() as u32 {
        for attr in mb.key(key).attrs.clone() {
            let a = mb.attr(attr);
            if !matches!(a.kind, AttrKind::Attribute) {
                continue;
            }
            let written = mb.slice(a.name);
            let Lookup::Case(i) = schema.lookup(written) else {
                continue;
            };
            let spelled: &str = &schema.property(i).name;
            // The key holds the schema's spelling (or another variant) too: renaming would write
            // the attribute twice. Which of the two IIS reads is unknown: the administrator keeps one.
            let twice = mb
                .key(key)
                .attrs
                .clone()
                .filter(|&o| o != attr && matches!(mb.attr(o).kind, AttrKind::Attribute))
                .any(|o| mb.slice(mb.attr(o).name).eq_ignore_ascii_case(spelled));
            let fix = (!twice).then(|| {
                let mut fix = Fix::new(
                    Applicability::Safe,
                    format!("write the schema's spelling, {spelled}, so that IIS reads the value whichever way it matches names"),
                );
                fix.edits.push(edit::replace(a.name, spelled));
                fix.ops.push(MetabaseOp::Set {
                    location: mb.location(key).into_owned(),
                    property: spelled.to_string(),
                });
                fix
            });
            let cause = causes
                .entry(written)
                .or_insert_with(|| Arc::from(format!("{written}|{spelled}|{twice}")))
                .clone();
            let fix = match out.join(RULE.code, &cause, fix, || super::place(mb, key, attr, a.name)) {
                super::Joined::Yes => continue,
                super::Joined::No(fix) => fix,
            };
            let also = if twice {
                format!(
                    "; the key also sets {spelled} under another spelling, and which value IIS takes is unknown: keep one"
                )
            } else {
                String::new()
            };
            out.push(
                RULE.diagnostic(
                    a.name,
                    format!(
                        "`{written}` differs from the schema's {spelled} only in letter case: whether IIS 6 reads it as {spelled} or ignores it is unknown{also}"
                    ),
                )
                .label("not the schema's spelling")
                .at(mb, key, Some(attr))
                .help(if twice { HELP_TWICE } else { HELP })
                .fix(fix)
                .cause(cause),
            );
        }
    }
}

/// A finding as the readings compare it: rule, place, severity, words, and every other place.
type Identity = (&'static str, Span, Severity, String, Vec<Span>);

/// How many findings of each reading MB005 names before it counts the rest.
const SHOWN: usize = 4;

/// Per reading, the findings only it gives: (code, place text) -> places.
type Only = [BTreeMap<(&'static str, String), usize>; 2];

/// Merges the findings of the two readings of a file that holds case variants: `as_schema` with
/// each variant read as the schema's property, `as_unknown` with each read as a name IIS does not
/// know. A finding both give alike stands (its fix only if both offer the same); the others depend
/// on the reading, and MB005 names them per reading in place of a guess, on the variant they
/// belong to, raised to an error (or graver, as the gravest of them). A finding at a variant's own
/// attribute belongs to that variant; any other to the variants of properties mblint's verdicts
/// read ([`props::ALL`]), or to every variant when none is. `workers`: what the two readings'
/// workers are, when they differ: writing the schema's spelling of a property that decides them
/// may switch every worker, so that fix is unsafe and needs a restart.
pub fn merge_readings(
    mb: &Metabase,
    schema: &Schema,
    as_schema: Vec<Diagnostic>,
    as_unknown: Vec<Diagnostic>,
    workers: Option<(String, String)>,
) -> Vec<Diagnostic> {
    let key = |d: &Diagnostic| -> Identity {
        (
            d.code,
            d.span,
            d.severity,
            d.message.clone(),
            d.occurrences.iter().map(|o| o.span).collect(),
        )
    };
    // Every variant: its written name, the schema's, and where its attribute lies.
    let variants: Vec<(&str, &str, Span)> = mb
        .attrs
        .iter()
        .filter(|a| matches!(a.kind, AttrKind::Attribute))
        .filter_map(|a| match schema.lookup(mb.slice(a.name)) {
            Lookup::Case(i) => Some((
                mb.slice(a.name),
                &*schema.property(i).name,
                Span::new(a.name.start as usize, a.value.end as usize),
            )),
            _ => None,
        })
        .collect();
    let read = |spelled: &str| props::ALL.iter().any(|p| p.name == spelled);
    let shared_owners: Vec<&str> = {
        let read_ones: Vec<&str> = variants.iter().filter(|v| read(v.1)).map(|v| v.0).collect();
        if read_ones.is_empty() {
            variants.iter().map(|v| v.0).collect()
        } else {
            read_ones
        }
    };
    let unknown_index: HashMap<Identity, &Diagnostic> = as_unknown.iter().map(|d| (key(d), d)).collect();
    let schema_keys: std::collections::HashSet<Identity> = as_schema.iter().map(key).collect();
    // Per written name: the findings only each reading gives, and the gravest of them.
    let mut owed: HashMap<&str, (Only, Severity)> = HashMap::new();
    let mut owe = |d: &Diagnostic, reading: usize| {
        let owners: Vec<&str> = match variants
            .iter()
            .find(|v| v.2.start <= d.span.start && d.span.end <= v.2.end)
        {
            Some(v) => vec![v.0],
            None => shared_owners.clone(),
        };
        for owner in owners {
            let (only, gravest) = owed
                .entry(owner)
                .or_insert_with(|| (Default::default(), Severity::Error));
            *gravest = (*gravest).max(d.severity);
            *only[reading].entry((d.code, shown(mb, d.span))).or_default() += 1 + d.occurrences.len();
        }
    };
    let mut out = Vec::new();
    for d in &as_schema {
        match unknown_index.get(&key(d)) {
            Some(other) => {
                let mut d = d.clone();
                if other.fix != d.fix {
                    d.fix = None;
                }
                out.push(d);
            }
            None => owe(d, 0),
        }
    }
    for d in &as_unknown {
        if !schema_keys.contains(&key(d)) {
            owe(d, 1);
        }
    }
    let deciding = |spelled: &str| crate::rules::reads::WORKER.iter().any(|p| p.name == spelled);
    let mut left = owed.len();
    for d in out.iter_mut().filter(|d| d.code == RULE.code) {
        let written = mb.slice(d.span);
        let Some((only, gravest)) = owed.remove(written) else {
            continue;
        };
        left -= 1;
        d.severity = d.severity.max(gravest);
        let spelled = variants.iter().find(|v| v.0 == written).map_or("", |v| v.1);
        let switches = workers.is_some() && deciding(spelled);
        d.message.push_str(&said(&only, workers.as_ref().filter(|_| switches)));
        if switches && let Some(fix) = &mut d.fix {
            fix.applicability = Applicability::Unsafe;
            fix.restart = true;
            fix.message.push_str(": the workers then run as the first reading says, which may change every application (iisreset needed)");
        }
    }
    // A variant whose MB005 finding was left out (a per-Location ignore): the dependence is still
    // reported, never dropped.
    if left > 0 {
        let mut rest: Vec<(&str, (Only, Severity))> = owed.into_iter().collect();
        rest.sort_by_key(|(w, _)| *w);
        for (written, (only, gravest)) in rest {
            let span = variants.iter().find(|v| v.0 == written).map_or(Span::new(0, 0), |v| {
                Span::new(v.2.start as usize, v.2.start as usize + written.len())
            });
            let mut d = RULE.diagnostic(
                span,
                format!(
                    "`{written}` differs from the schema's spelling only in letter case{}",
                    said(&only, workers.as_ref())
                ),
            );
            d.help = Some(HELP.to_string());
            d.severity = gravest;
            out.push(d);
        }
        out.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
    }
    out
}

/// What each reading gives that the other does not, in words.
fn said(only: &Only, workers: Option<&(String, String)>) -> String {
    let list = |m: &BTreeMap<(&'static str, String), usize>| -> String {
        if m.is_empty() {
            return "no such finding".into();
        }
        super::findings_in_words(m.iter().map(|((code, what), n)| (*code, what.as_str(), *n)), SHOWN)
    };
    let (a, b) = match workers {
        Some((a, b)) => (format!(" (workers: {a})"), format!(" (workers: {b})")),
        None => (String::new(), String::new()),
    };
    format!(
        "; the verdict depends on it: read as the schema's property{a}: {}; ignored as an unknown name{b}: {}",
        list(&only[0]),
        list(&only[1])
    )
}

/// The text at a finding's place, trimmed.
fn shown(mb: &Metabase, span: Span) -> String {
    mb.slice(span).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::{RULE, merge_readings};
    use crate::diagnostic::{Applicability, Fix};
    use crate::metabase::schema::Schema;
    use crate::metabase::{Metabase, SourceFile, Span, parse};
    use crate::rules::testing;
    use crate::rules::unknown_property;

    /// A service with two variants of property names, `defaultdoc` and `enable32BitAppOnWin64`:
    /// the metabase, the schema, and each variant's name and value spans.
    fn two_variants() -> (Metabase, std::sync::Arc<Schema>, [(Span, Span); 2]) {
        let service = "\t\tdefaultdoc=\"a.htm\"\r\n\t\tenable32BitAppOnWin64=\"TRUE\"\r\n";
        let text = testing::server(true, service, "");
        let mb = parse(SourceFile::from_text("m.xml", &text)).unwrap();
        let attr = |written: &str| {
            mb.attrs
                .iter()
                .find(|a| mb.slice(a.name) == written)
                .map(|a| (a.name, a.value))
                .unwrap()
        };
        let spans = [attr("defaultdoc"), attr("enable32BitAppOnWin64")];
        (mb, Schema::builtin(), spans)
    }

    /// A finding only one reading gives, lying in a variant's own attribute, is that variant's to
    /// name, beside a variant of a property mblint's verdicts read (which takes the findings that
    /// lie elsewhere).
    #[test]
    fn a_finding_in_a_variants_own_attribute_is_that_variants() {
        let (mb, schema, [(doc, doc_value), (e32, _)]) = two_variants();
        let both = vec![RULE.diagnostic(doc, "m"), RULE.diagnostic(e32, "m")];
        let mut unknown = both.clone();
        unknown.push(unknown_property::RULE.diagnostic(doc_value, "only when ignored"));
        let merged = merge_readings(&mb, &schema, both, unknown, None);
        let said = |at: Span| {
            merged
                .iter()
                .find(|d| d.code == RULE.code && d.span == at)
                .map(|d| d.message.clone())
                .unwrap()
        };
        assert_eq!(said(e32), "m");
        assert_eq!(
            said(doc),
            "m; the verdict depends on it: read as the schema's property: no such finding; ignored as an unknown name: MB006 for `a.htm`"
        );
    }

    /// Only when the readings' workers differ, and only for a variant of a property that decides
    /// them (Enable32BitAppOnWin64), is the fix unsafe and needs a restart, and do the words name
    /// the workers.
    #[test]
    fn only_a_variant_that_decides_differing_workers_gets_an_unsafe_fix() {
        let (mb, schema, [(doc, doc_value), (e32, e32_value)]) = two_variants();
        let fixed = |at: Span| {
            RULE.diagnostic(at, "m")
                .fix(Some(Fix::new(Applicability::Safe, "write the schema's spelling")))
        };
        let both = vec![fixed(doc), fixed(e32)];
        let mut unknown = both.clone();
        unknown.push(unknown_property::RULE.diagnostic(doc_value, "x"));
        unknown.push(unknown_property::RULE.diagnostic(e32_value, "y"));
        // The readings' workers the same: no fix needs a restart, and no words name workers.
        let merged = merge_readings(&mb, &schema, both.clone(), unknown.clone(), None);
        for d in merged.iter().filter(|d| d.code == RULE.code) {
            let fix = d.fix.as_ref().unwrap();
            assert_eq!((fix.applicability, fix.restart), (Applicability::Safe, false), "{d:#?}");
            assert!(!d.message.contains("workers:"), "{}", d.message);
        }
        let workers = Some(("32-bit".to_string(), "64-bit".to_string()));
        let merged = merge_readings(&mb, &schema, both, unknown, workers);
        let at = |at: Span| merged.iter().find(|d| d.code == RULE.code && d.span == at).unwrap();
        let (d, e) = (at(doc), at(e32));
        let (fd, fe) = (d.fix.as_ref().unwrap(), e.fix.as_ref().unwrap());
        assert_eq!((fd.applicability, fd.restart), (Applicability::Safe, false), "{d:#?}");
        assert_eq!((fe.applicability, fe.restart), (Applicability::Unsafe, true), "{e:#?}");
        assert!(!d.message.contains("workers:"), "{}", d.message);
        assert!(
            e.message
                .contains("; the verdict depends on it: read as the schema's property (workers: 32-bit): no such finding; ignored as an unknown name (workers: 64-bit): MB006 for `TRUE`"),
            "{}",
            e.message
        );
    }

    /// A variant whose MB005 finding was left out (a per-Location ignore) still has its dependence
    /// reported, in a finding of its own at its name.
    #[test]
    fn a_dependence_is_reported_without_the_variants_finding() {
        let text = testing::server(true, "\t\tdefaultdoc=\"a.htm\"\r\n", "");
        let mb = parse(SourceFile::from_text("m.xml", &text)).unwrap();
        let schema = Schema::builtin();
        let a = mb.attrs.iter().find(|a| mb.slice(a.name) == "defaultdoc").unwrap();
        let only_ignored = vec![unknown_property::RULE.diagnostic(a.value, "x")];
        let merged = merge_readings(&mb, &schema, Vec::new(), only_ignored, None);
        assert_eq!(merged.len(), 1, "{merged:#?}");
        assert_eq!((merged[0].code, merged[0].span), (RULE.code, a.name));
        assert_eq!(
            merged[0].message,
            "`defaultdoc` differs from the schema's spelling only in letter case; the verdict depends on it: read as the schema's property: no such finding; ignored as an unknown name: MB006 for `a.htm`"
        );
    }
}
