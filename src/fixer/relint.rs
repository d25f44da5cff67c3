//! The fix loop's limited re-lint: after a pass's edits, only the rules whose reads the edits can
//! reach are run again; every other finding is carried over, its spans mapped into the new text.
//!
//! Sound by construction, and checked against the full re-lint (`tests/relint.rs`):
//! - The pass's edits must each lie inside one property value and must not contain that value's
//!   quote character, so no edit can add, remove or rename a key or a property; the new text is
//!   parsed in full and must have as many keys and properties as the old (the same ids, then).
//!   Anything else (an edit of a Location, a tag, a Custom child's ID) re-lints in full.
//! - A changed property is matched, by name or Custom ID, against each rule's declaration
//!   ([`crate::rules::reads`]); a rule with no declaration is re-run. A property no declaration
//!   names (a site's ServerComment but for MB503, which declares it) re-runs no declaring rule.
//! - The server model's decisions (platform, isolation mode, Windows folder, and what decided
//!   each) must come out the same, and one platform must be open before and after (with several,
//!   MB107 is made from every rule's runs); the ISAPI DLL map for the HTML page is built in full.
//! - A carried finding must not touch an edit anywhere (its span, occurrences, related places,
//!   fix edits); one that does re-lints in full.
//!
//! The new text is still parsed whole. Measured on the 50,000-site edits file, that parse is 11% of
//! `--diff`, a third of the re-lint; parsing only the keys the edits touch would still shift every
//! later span of the model, and would rest the model on a splice rather than on the text IIS reads.
//! The ISAPI set, the images and the rules that read what the edits change cost more.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::fix::changes::ChangeSet;
use crate::host::ServerModel;
use crate::lint::{Built, FileReport, Options, drive_summaries, lint_metabase_with, report_keeping};
use crate::metabase::props::Prop;
use crate::metabase::source::Encoding;
use crate::metabase::{AttrId, AttrKind, KeyId, Metabase, SourceFile, Span, parse};
use crate::rules::reads::{self, Reads};
use crate::rules::{self, Context};

/// A report, and while the fix loop still needs it, the parsed metabase it was made from (whose
/// source the report gets when the model is let go).
pub struct Linted {
    pub report: FileReport,
    model: Option<Model>,
    /// How it was made: `None` limited (some findings carried over); else in full, and why.
    pub full_because: Option<&'static str>,
    /// For a limited re-lint, per finding of the report: the index of the finding of the report
    /// before that it was carried over from (its spans mapped, nothing else changed), `None` for
    /// one found again. Empty for a lint in full.
    pub carried: Vec<Option<u32>>,
    /// Whether the rules ran on two readings of the names (MB005), whose findings are merged:
    /// none of them carries over. Kept when the model is let go, as the next re-lint reads it.
    readings: bool,
    /// Whether what the lint built from the ISAPI properties and the drive ([`Built`]) is kept with
    /// the model for the next re-lint: in a chain of versions (`mblint history`), where most saves
    /// change no ISAPI property; not in the fix loop, whose passes mostly do.
    keep: bool,
    /// Whether the ISAPI set, the images, the closures and the FastCGI reading were taken from the
    /// lint before (their places moved) rather than built.
    pub reused: bool,
}

struct Model {
    mb: Metabase,
    /// Whether one platform was open (one run of the rules).
    single: bool,
    /// With [`Linted::keep`]: what the lint built, for the next re-lint.
    built: Option<Built>,
}

impl Linted {
    /// A report made elsewhere, without a model: its first re-lint is in full.
    pub fn from_report(report: FileReport) -> Linted {
        Linted {
            report,
            model: None,
            full_because: Some(FIRST),
            carried: Vec::new(),
            readings: false,
            keep: false,
            reused: false,
        }
    }

    /// The decoded text the report is of.
    pub fn text(&self) -> &str {
        match &self.model {
            Some(m) => &m.mb.source.text,
            None => &self.report.source.text,
        }
    }

    /// The parsed metabase the report was made from, while it is held.
    pub fn metabase(&self) -> Option<&Metabase> {
        self.model.as_ref().map(|m| &m.mb)
    }

    /// The file's encoding.
    pub fn encoding(&self) -> Encoding {
        match &self.model {
            Some(m) => m.mb.source.encoding,
            None => self.report.source.encoding,
        }
    }

    /// Lets the model go, after working out what `pass` (made on this text) touches. What the lint
    /// built from the ISAPI properties and the drive goes with it into the [`Touched`] when the
    /// pass changes none of the properties it reads, its places moved past the changes.
    pub fn release(&mut self, pass: &ChangeSet) -> Option<Touched> {
        let model = self.model.take()?;
        let mut touched = model.single.then(|| touched(&model.mb, pass)).flatten();
        if let (Some(t), Some(mut built)) = (touched.as_mut(), model.built) {
            let isapi = |p: &Prop| reads::ISAPI_SET.contains(p) || reads::WORKER.contains(p);
            let mapper = Mapper::new(pass);
            if !t.props.iter().any(isapi) && built.isapi.move_spans(|s| mapper.span(s)) {
                t.built = Some(built);
            }
        }
        self.report.source = model.mb.source;
        touched
    }

    /// The report, with the model let go.
    pub fn into_report(mut self) -> FileReport {
        if let Some(model) = self.model.take() {
            self.report.source = model.mb.source;
        }
        self.report
    }
}

// Why a lint was made in full.
/// The first lint, or one from the file's bytes.
pub const FIRST: &str = "the file as read";
/// The pass may change more than values, or several platforms were open before it.
pub const UNTOUCHED: &str = "an edit outside a property value, or several platforms open";
/// The new text has other keys or properties, or the HTML map is wanted.
pub const STRUCTURE: &str = "keys or properties added or removed, or the ISAPI DLL map wanted";
/// A value-local rule without a partial check.
pub const VALUE_LOCAL: &str = "a value-local rule without a check on some values";
/// Several platforms open after the pass.
pub const PLATFORMS: &str = "several platforms open";
/// The server model decided otherwise.
pub const DECISIONS: &str = "the server model's decisions changed";
/// The file holds a property name that differs from the schema's only in case (MB005).
pub const READINGS: &str = "two readings of property names";
/// A finding to carry over touches an edit: a rule reads less than it declares. The oracle
/// (`tests/relint.rs`) requires that this never happens.
pub const TOUCHING: &str = "a carried finding touches an edit";

/// What a pass's edits change: property values only.
pub struct Touched {
    /// The changed values, as (key, property) of the old model, sorted by property.
    values: Vec<(KeyId, AttrId)>,
    /// Their old value spans, sorted.
    old_spans: Vec<Span>,
    /// The properties they are, as the rules' declarations name them (by name or Custom ID). A
    /// changed property no declaration names ([`reads::declared`]) is read by no rule that
    /// declares its reads: it re-runs none of them.
    props: Vec<Prop>,
    keys: usize,
    attrs: usize,
    /// What the lint before built from the ISAPI properties and the drive, moved into the new
    /// text, when the changes reach none of what it read ([`Linted::release`]).
    built: Option<Built>,
}

/// Works out which values `pass` changes, or `None` when it may change more than values.
fn touched(mb: &Metabase, pass: &ChangeSet) -> Option<Touched> {
    let text = mb.source.text.as_bytes();
    let mut values: Vec<AttrId> = Vec::new();
    for c in pass.changes() {
        let (start, end) = (c.start as u32, c.end as u32);
        // The key the edit lies in (keys are in the text's order), then the value that holds it
        // whole.
        let k = mb.keys.partition_point(|k| k.span.start <= start).checked_sub(1)?;
        let attr = mb.keys[k]
            .attrs
            .clone()
            .find(|&a| mb.attr(a).value.start <= start && end <= mb.attr(a).value.end)?;
        let value = mb.attr(attr).value;
        // The character that closes the value (a quote) must not appear in the new content.
        let quote = *text.get(value.end as usize)?;
        if !matches!(quote, b'"' | b'\'') || c.content.as_bytes().contains(&quote) {
            return None;
        }
        values.push(attr);
    }
    values.sort_unstable();
    values.dedup();
    // Keys hold ranges of properties in order; checked, not assumed.
    let key_of = |attr: AttrId| -> Option<KeyId> {
        let k = mb.keys.partition_point(|k| k.attrs.end <= attr);
        mb.keys
            .get(k)
            .filter(|key| key.attrs.contains(&attr))
            .map(|_| k as KeyId)
    };
    let mut props: Vec<Prop> = Vec::new();
    let global = mb.find(".");
    for &attr in &values {
        let a = mb.attr(attr);
        let name = mb.attr_name(attr);
        // IIS's bookkeeping on IIS_Global, which every save rewrites and no rule reads (MB002
        // re-checks the changed values; MB108 re-runs on every change).
        if global.is_some_and(|g| mb.key(g).attrs.contains(&attr))
            && matches!(a.kind, AttrKind::Attribute)
            && reads::READ_BY_NO_RULE.iter().any(|n| n.eq_ignore_ascii_case(&name))
        {
            continue;
        }
        // Every declared property it may be, by name or by Custom ID (a Custom child whose ID is
        // one property's and whose name is another's is both).
        for p in reads::declared() {
            let by_id = matches!(a.kind, AttrKind::Custom { id, .. } if id == p.id);
            if (by_id || p.name.eq_ignore_ascii_case(&name)) && !props.contains(p) {
                props.push(*p);
            }
        }
    }
    let mut old_spans: Vec<Span> = values.iter().map(|&a| mb.attr(a).value).collect();
    old_spans.sort_by_key(|s| (s.start, s.end));
    Some(Touched {
        values: values
            .iter()
            .map(|&a| key_of(a).map(|k| (k, a)))
            .collect::<Option<_>>()?,
        old_spans,
        props,
        keys: mb.keys.len(),
        attrs: mb.attrs.len(),
        built: None,
    })
}

/// Lints a metabase's bytes as [`crate::lint::lint_bytes_with`] does, keeping the model.
pub fn lint_keeping_model(name: &str, bytes: &[u8], options: &Options) -> Linted {
    let Ok(source) = SourceFile::decode(name, bytes) else {
        return Linted::from_report(crate::lint::lint_bytes_with(name, bytes, options));
    };
    lint_source(source, options)
}

/// As [`lint_keeping_model`], taking the bytes over: for a UTF-8 file, its text is made in them.
pub fn lint_owned(name: &str, bytes: Vec<u8>, options: &Options) -> Linted {
    match SourceFile::decode(name, bytes) {
        Ok(source) => lint_source(source, options),
        // Decoding checks what the caller checked: this is the error the full lint reports.
        Err(err) => Linted::from_report(crate::lint::undecodable(name, err, drive_summaries(&options.drives))),
    }
}

fn lint_source(source: SourceFile, options: &Options) -> Linted {
    match parse(source) {
        Err(failure) => lint_source_failed(*failure, options),
        Ok(mb) => full(mb, options, FIRST, false),
    }
}

/// The text `pass` makes of `previous`'s, re-linted: limited to what `touched` can reach when it
/// is known, in full otherwise. `encoding` is the file's; the new text is linted as the file the
/// changes would write (the caller checks that it fits the size a file may have).
pub fn relint(
    previous: &Linted,
    touched: Option<Touched>,
    pass: &ChangeSet,
    encoding: Encoding,
    options: &Options,
) -> Linted {
    let name = previous.report.source.name.clone();
    let source = SourceFile::with_encoding(name, encoding, pass.apply(previous.text()));
    relint_parsed(previous, touched, pass, parse(source), options)
}

/// The report of a text that does not parse (MB001), as the full lint gives it.
pub fn lint_parse_failure(failure: crate::metabase::parse::ParseFailure, options: &Options) -> Linted {
    lint_source_failed(failure, options)
}

/// Lints a parsed metabase in full, keeping the model (the start of a chain of re-lints of
/// versions, each of which keeps what it built from the ISAPI properties and the drive for the next).
pub fn lint_parsed(mb: Metabase, options: &Options) -> Linted {
    full(mb, options, FIRST, true)
}

/// As [`relint`], with the new text already parsed: `parsed` must be the text `pass` makes of
/// `previous`'s (its name and encoding are the new file's). `mblint history` lints each version
/// this way from the one before it, with `pass` from [`changes_between`].
pub fn relint_parsed(
    previous: &Linted,
    touched: Option<Touched>,
    pass: &ChangeSet,
    parsed: Result<Metabase, Box<crate::metabase::parse::ParseFailure>>,
    options: &Options,
) -> Linted {
    relint_from(previous, None, touched, pass, parsed, options)
}

/// As [`relint_parsed`], taking the previous lint's findings over: the carried ones are moved into
/// the new report, not copied, and `previous` is left with none (`mblint history`, which lets each
/// version go once the next is linted, and reads the next file into its text's memory).
pub fn relint_parsed_owned(
    previous: &mut Linted,
    touched: Option<Touched>,
    pass: &ChangeSet,
    parsed: Result<Metabase, Box<crate::metabase::parse::ParseFailure>>,
    options: &Options,
) -> Linted {
    let findings = std::mem::take(&mut previous.report.diagnostics);
    relint_from(previous, Some(findings), touched, pass, parsed, options)
}

/// The limited re-lint; `owned`: the previous report's findings, taken out of it.
fn relint_from(
    previous: &Linted,
    mut owned: Option<Vec<Diagnostic>>,
    touched: Option<Touched>,
    pass: &ChangeSet,
    parsed: Result<Metabase, Box<crate::metabase::parse::ParseFailure>>,
    options: &Options,
) -> Linted {
    debug_assert!(
        parsed
            .as_ref()
            .map_or(true, |mb| pass.apply(previous.text()) == *mb.source.text),
        "the pass makes the parsed text"
    );
    let keep = previous.keep;
    // A lint in full needs none of the previous findings: they are let go before it runs.
    let full = |mb, why, owned: &mut Option<Vec<Diagnostic>>| {
        *owned = None;
        full(mb, options, why, keep)
    };
    let (mb, mut touched) = match (parsed, touched) {
        (Err(failure), _) => {
            drop(owned);
            return lint_source_failed(*failure, options);
        }
        (Ok(mb), None) => return full(mb, UNTOUCHED, &mut owned),
        (Ok(mb), Some(t)) => (mb, t),
    };
    if options.dll_map || mb.keys.len() != touched.keys || mb.attrs.len() != touched.attrs {
        return full(mb, STRUCTURE, &mut owned);
    }
    // Two readings of the names (MB005) merge every rule's findings: nothing carries over. (The
    // previous model is let go by now: the flag is the report's.)
    if previous.readings {
        return full(mb, READINGS, &mut owned);
    }
    // Which rules run again, which carry their findings, and which re-run on the changed values.
    let mut carried: HashSet<&'static str> = HashSet::new();
    let mut by_value: Vec<&'static str> = Vec::new();
    for rule in rules::RULES
        .iter()
        .filter(|r| r.check.is_some() && options.settings.enabled(r.code))
    {
        match reads::of(rule.code) {
            None | Some(Reads::Everything) => {}
            Some(Reads::Values) => by_value.push(rule.code),
            Some(r @ Reads::Props(_)) => {
                if !touched.props.iter().any(|p| r.reads(p)) {
                    carried.insert(rule.code);
                }
            }
        }
    }
    // Only MB002 is value-local; a second such rule needs its own partial check here.
    if by_value.iter().any(|&c| c != "MB002") {
        return full(mb, VALUE_LOCAL, &mut owned);
    }
    // The previous findings that may carry over, with their indexes; the rest are let go before
    // the rules run again.
    let may_carry = |d: &Diagnostic| carried.contains(d.code) || by_value.contains(&d.code);
    let candidates: Vec<(u32, Cow<'_, Diagnostic>)> = match owned.take() {
        Some(findings) => findings
            .into_iter()
            .enumerate()
            .filter(|(_, d)| may_carry(d))
            .map(|(j, d)| (j as u32, Cow::Owned(d)))
            .collect(),
        None => previous
            .report
            .diagnostics
            .iter()
            .enumerate()
            .filter(|(_, d)| may_carry(d))
            .map(|(j, d)| (j as u32, Cow::Borrowed(d)))
            .collect(),
    };
    let mut restricted = options.clone();
    restricted
        .settings
        .ignore
        .extend(carried.iter().chain(&by_value).map(|c| c.to_string()));
    let reused = touched.built.is_some();
    let mut linted = lint_metabase_with(&mb, &restricted, touched.built.take(), keep);
    let (Some(old_model), true) = (previous.report.server.as_ref(), linted.workers.len() == 1) else {
        return full(mb, PLATFORMS, &mut owned);
    };
    if !same_decisions(old_model, &linted.model) {
        return full(mb, DECISIONS, &mut owned);
    }
    // Carried findings, and MB002's on the values the pass did not change, mapped.
    let mut kept: Vec<(Diagnostic, Option<u32>)> = Vec::new();
    let mapper = Mapper::new(pass);
    for (j, d) in candidates {
        let partial = by_value.contains(&d.code);
        if partial && within_any(d.span, &touched.old_spans) {
            continue;
        }
        match map_diagnostic(d, &mapper) {
            // MB002's findings on unchanged values are carried too: found again, they would be
            // these (the oracle holds the re-lint to that).
            Some(m) => kept.push((m, Some(j))),
            None => return full(mb, TOUCHING, &mut owned),
        }
    }
    let mut fresh = std::mem::take(&mut linted.diagnostics);
    if !by_value.is_empty() {
        let keep = |code: &str, location: Option<&str>| options.settings.keeps(code, location);
        let ctx = Context::new(
            &mb,
            &linted.isapi,
            &linted.server,
            linted.workers[0],
            None,
            options.forced_bitness,
            &linted.model,
            &keep,
        );
        let mut findings = rules::Findings::new(&keep);
        rules::invalid_property_value::check_values(&ctx, Some(&touched.values), &mut findings);
        let mut values = findings.into_vec();
        values.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
        options.settings.apply(&mut values);
        fresh = merge_sorted(fresh, values, |d| d);
    }
    let fresh = fresh.into_iter().map(|d| (d, None)).collect();
    let (diagnostics, carried) = merge_sorted(kept, fresh, |(d, _)| d).into_iter().unzip();
    linted.diagnostics = diagnostics;
    let (report, built) = report_keeping(&mb, linted);
    Linted {
        report,
        model: Some(Model {
            mb,
            single: true,
            built,
        }),
        full_because: None,
        carried,
        // The names are those of the previous version, which had one reading.
        readings: false,
        keep,
        reused,
    }
}

/// The changes that make `new`'s text of `old`'s, each as small as the common start and end of
/// what differs allow: key by key when both have as many keys (each key's text, and the text
/// between keys, compared with the other's), else the whole text as one stretch. Each change
/// starts and ends on a character boundary of both texts; a key that changed is compared value by
/// value when both versions give it as many properties; with keys added or removed, `new` parsed
/// after `old` ([`parse_after`](crate::metabase::parse::parse_after)), between the keys the parse
/// took whole. Linear in the texts' length; the
/// changes are exact (applied to `old`'s text they make `new`'s), whatever the keys are.
pub fn changes_between(old: &Metabase, new: &Metabase) -> ChangeSet {
    let (a, b) = (old.text(), new.text());
    let mut edits: Vec<crate::diagnostic::Edit> = Vec::new();
    let mut stretch = |a0: usize, a1: usize, b0: usize, b1: usize| {
        let (x, y) = (&a.as_bytes()[a0..a1], &b.as_bytes()[b0..b1]);
        if x == y {
            return;
        }
        let mut pre = x.iter().zip(y).take_while(|(p, q)| p == q).count();
        while !(a.is_char_boundary(a0 + pre) && b.is_char_boundary(b0 + pre)) {
            pre -= 1;
        }
        let room = x.len().min(y.len()) - pre;
        let mut suf = x
            .iter()
            .rev()
            .zip(y.iter().rev())
            .take(room)
            .take_while(|(p, q)| p == q)
            .count();
        while !(a.is_char_boundary(a1 - suf) && b.is_char_boundary(b1 - suf)) {
            suf -= 1;
        }
        edits.push(crate::diagnostic::Edit {
            span: Span::new(a0 + pre, a1 - suf),
            content: b[b0 + pre..b1 - suf].to_string(),
        });
    };
    // Keys in text order, none inside another: key by key; else between the keys taken whole.
    let ordered = |mb: &Metabase| mb.keys.windows(2).all(|w| w[0].span.end <= w[1].span.start);
    if old.keys.len() == new.keys.len() && ordered(old) && ordered(new) {
        let (mut pa, mut pb) = (0, 0);
        // Keys the parse took whole from the same place of `old` (when `new` was parsed after it).
        let taken = new.taken_in_place();
        for ((ka, kb), same) in old.keys.iter().zip(&new.keys).zip(taken) {
            let (sa, sb) = (ka.span, kb.span);
            stretch(pa, sa.start as usize, pb, sb.start as usize);
            (pa, pb) = (sa.start as usize, sb.start as usize);
            if same {
                debug_assert_eq!(old.slice(sa), new.slice(sb), "a key taken whole is the same text");
                (pa, pb) = (sa.end as usize, sb.end as usize);
                continue;
            }
            // A key that changed: value by value when both have as many, in text order (several
            // values of one key changed are then several changes, each inside its value).
            let values = |mb: &Metabase, k: &crate::metabase::Key| -> Vec<Span> {
                k.attrs.clone().map(|a| mb.attr(a).value).collect()
            };
            if old.slice(sa) != new.slice(sb) && ka.attrs.len() == kb.attrs.len() {
                let (va, vb) = (values(old, ka), values(new, kb));
                let in_order = |v: &[Span], k: Span| {
                    v.windows(2).all(|w| w[0].end <= w[1].start)
                        && v.iter().all(|s| k.start <= s.start && s.end <= k.end)
                };
                if in_order(&va, sa) && in_order(&vb, sb) {
                    for (x, y) in va.iter().zip(&vb) {
                        stretch(pa, x.start as usize, pb, y.start as usize);
                        stretch(x.start as usize, x.end as usize, y.start as usize, y.end as usize);
                        (pa, pb) = (x.end as usize, y.end as usize);
                    }
                }
            }
            stretch(pa, sa.end as usize, pb, sb.end as usize);
            (pa, pb) = (sa.end as usize, sb.end as usize);
        }
        stretch(pa, a.len(), pb, b.len());
    } else {
        // Keys added or removed, `new` parsed after `old`: the keys it took whole are anchors
        // (in the order of both texts), and what lies between two of them is one stretch. A key
        // added to a site and IIS's ChangeNumber at the top are two small changes, not one
        // stretch over most of the file (a copy of it, held while the version is linted). An
        // anchor out of order in either text is passed over; with none, the whole text is one
        // stretch.
        let (mut pa, mut pb) = (0, 0);
        for &(kn, ko) in &new.taken {
            let (Some(ka), Some(kb)) = (old.keys.get(ko as usize), new.keys.get(kn as usize)) else {
                continue;
            };
            let (sa, sb) = (ka.span, kb.span);
            if (sa.start as usize) < pa || (sb.start as usize) < pb {
                continue;
            }
            stretch(pa, sa.start as usize, pb, sb.start as usize);
            // Compared, not trusted: a key that is not the same text is a stretch of its own.
            stretch(sa.start as usize, sa.end as usize, sb.start as usize, sb.end as usize);
            (pa, pb) = (sa.end as usize, sb.end as usize);
        }
        stretch(pa, a.len(), pb, b.len());
    }
    ChangeSet::from_edits(edits).expect("stretches are disjoint and in order")
}

fn full(mb: Metabase, options: &Options, why: &'static str, keep: bool) -> Linted {
    let linted = lint_metabase_with(&mb, options, None, keep);
    let single = linted.workers.len() == 1;
    let readings = !linted.unknown_workers.is_empty();
    let (report, built) = report_keeping(&mb, linted);
    Linted {
        report,
        model: Some(Model { mb, single, built }),
        full_because: Some(why),
        carried: Vec::new(),
        readings,
        keep,
        reused: false,
    }
}

fn lint_source_failed(failure: crate::metabase::parse::ParseFailure, options: &Options) -> Linted {
    Linted::from_report(FileReport {
        diagnostics: vec![rules::malformed_metabase::diagnostic(
            failure.error.span,
            &failure.error.message,
        )],
        drives: drive_summaries(&options.drives),
        source: failure.source,
        worker: None,
        server: None,
        edit_while_running: None,
        isapi_count: 0,
        dll_map: None,
        unread: Vec::new(),
    })
}

/// Two lists each in report order (position, then code) as one. A code is in one list only, or
/// (MB002) on different values in each, so no two findings tie across the lists.
fn merge_sorted<T>(a: Vec<T>, b: Vec<T>, of: impl Fn(&T) -> &Diagnostic) -> Vec<T> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek().map(&of), b.peek().map(&of)) {
            (Some(x), Some(y)) => (x.span.start, x.code) <= (y.span.start, y.code),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.push(if take_a { a.next() } else { b.next() }.expect("peeked"));
    }
    out
}

/// Whether `span` lies within one of `spans` (sorted).
fn within_any(span: Span, spans: &[Span]) -> bool {
    let i = spans.partition_point(|s| s.start <= span.start);
    spans[..i]
        .iter()
        .rev()
        .take_while(|s| s.start <= span.start)
        .any(|s| span.end <= s.end)
}

/// Maps offsets of the text a pass was made on into the text it makes.
struct Mapper<'a> {
    changes: &'a [crate::fix::changes::Change],
    /// Before change `i`, how far offsets have moved.
    shift_before: Vec<isize>,
}

impl<'a> Mapper<'a> {
    fn new(pass: &'a ChangeSet) -> Mapper<'a> {
        let changes = pass.changes();
        let mut shift = 0isize;
        let shift_before = changes
            .iter()
            .map(|c| {
                let before = shift;
                shift += c.content.len() as isize - (c.end - c.start) as isize;
                before
            })
            .chain(std::iter::once(0))
            .collect::<Vec<_>>();
        let mut m = Mapper { changes, shift_before };
        if let Some(last) = m.shift_before.last_mut() {
            *last = shift;
        }
        m
    }

    /// The span in the new text, or `None` when it touches a change: it overlaps one, or is empty
    /// (or meets one with an empty side) where a change starts or ends.
    fn span(&self, span: Span) -> Option<Span> {
        let (a, b) = (span.start as usize, span.end as usize);
        // Most spans lie wholly before the first change or after the last (a save changes a few
        // places): no search. Before: every change starts after `b`, so none touches and nothing
        // moved; after: every change ends before `a`.
        let (Some(first), Some(last)) = (self.changes.first(), self.changes.last()) else {
            return Some(span);
        };
        if first.start > b {
            Some(span)
        } else if last.end < a {
            Some(shifted(span, self.shift_before[self.changes.len()]))
        } else {
            self.searched(span)
        }
    }

    /// [`span`](Self::span) by a search of the changes, for a span anywhere.
    fn searched(&self, span: Span) -> Option<Span> {
        let (a, b) = (span.start as usize, span.end as usize);
        // Changes ending at or before `a`, except those that meet an empty span at `a`.
        let i = self.changes.partition_point(|c| c.end <= a);
        if let Some(c) = self.changes.get(i) {
            // `c.end > a`: it touches unless it starts after the span, or at a non-empty span's
            // end with text of its own to replace.
            if !(c.start > b || (c.start == b && a < b && c.start < c.end)) {
                return None;
            }
        }
        if i > 0 {
            let c = &self.changes[i - 1];
            if c.end == a && (a == b || c.start == c.end) {
                return None;
            }
        }
        Some(shifted(span, self.shift_before[i]))
    }
}

fn shifted(span: Span, shift: isize) -> Span {
    Span {
        start: (span.start as isize + shift) as u32,
        end: (span.end as isize + shift) as u32,
    }
}

/// A carried finding in the new text, or `None` when any of its places touches a change (copied
/// only when borrowed).
fn map_diagnostic(d: Cow<'_, Diagnostic>, m: &Mapper<'_>) -> Option<Diagnostic> {
    let mut out = d.into_owned();
    out.span = m.span(out.span)?;
    for o in &mut out.occurrences {
        o.span = m.span(o.span)?;
    }
    for r in &mut out.related {
        if r.file.is_none() {
            r.span = m.span(r.span)?;
        }
    }
    if let Some(fix) = &mut out.fix {
        for e in &mut fix.edits {
            e.span = m.span(e.span)?;
        }
    }
    Some(out)
}

/// Whether the model's decisions came out the same: each fact's value and what decided it (its
/// clues may differ: MB108, which reads them, is re-run on every change).
fn same_decisions(old: &ServerModel, new: &ServerModel) -> bool {
    old.platform.value == new.platform.value
        && old.platform.source == new.platform.source
        && old.isolation.value == new.isolation.value
        && old.isolation.source == new.isolation.source
        && old.windir.value == new.windir.value
        && old.windir.source == new.windir.source
        && old.schema == new.schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Edit;

    fn pass(edits: &[(usize, usize, &str)]) -> ChangeSet {
        ChangeSet::from_edits(
            edits
                .iter()
                .map(|&(s, e, c)| Edit {
                    span: Span::new(s, e),
                    content: c.into(),
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn spans_map_past_changes_and_refuse_to_touch_them() {
        // "aaaa|bb|cccc": bb (4..6) becomes "XXXX".
        let p = pass(&[(4, 6, "XXXX")]);
        let m = Mapper::new(&p);
        assert_eq!(
            m.span(Span::new(0, 4)),
            Some(Span::new(0, 4)),
            "ends where the change starts"
        );
        assert_eq!(m.span(Span::new(6, 8)), Some(Span::new(8, 10)), "starts where it ends");
        assert_eq!(m.span(Span::new(9, 12)), Some(Span::new(11, 14)));
        assert_eq!(m.span(Span::new(3, 5)), None, "overlaps");
        assert_eq!(m.span(Span::new(4, 6)), None, "is the change");
        assert_eq!(m.span(Span::new(4, 4)), None, "empty where it starts");
        assert_eq!(m.span(Span::new(6, 6)), None, "empty where it ends");
        // An insertion at 4.
        let p = pass(&[(4, 4, "ZZ")]);
        let m = Mapper::new(&p);
        assert_eq!(m.span(Span::new(0, 4)), None, "meets an insertion");
        assert_eq!(m.span(Span::new(4, 8)), None, "meets an insertion");
        assert_eq!(m.span(Span::new(5, 8)), Some(Span::new(7, 10)));
        assert_eq!(m.span(Span::new(0, 3)), Some(Span::new(0, 3)));
    }

    #[test]
    fn spans_before_the_first_change_or_after_the_last_map_as_the_search_maps_them() {
        let passes = [
            pass(&[]),
            pass(&[(4, 6, "XXXX")]),
            pass(&[(4, 4, "ZZ")]),
            pass(&[(3, 7, "")]),
            pass(&[(2, 3, "Y"), (6, 6, "ZZZ"), (8, 10, "")]),
        ];
        for p in &passes {
            let m = Mapper::new(p);
            for a in 0..=12 {
                for b in a..=12 {
                    let span = Span::new(a, b);
                    assert_eq!(m.span(span), m.searched(span), "{span:?} past {:?}", p.changes());
                }
            }
        }
    }

    fn parsed(text: &str) -> Metabase {
        parse(SourceFile::decode("t.xml", text.as_bytes().to_vec()).unwrap()).unwrap()
    }

    const DOC: &str = "<?xml version =\"1.0\"?>\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\n<MBProperty>\n<IIS_Global\tLocation =\".\"\n\t\tChangeNumber=\"433\"\n\t\tHistoryMajorVersionNumber=\"65\"\n\t>\n</IIS_Global>\n<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\n\t\tServerComment=\"Caf\u{e9}\"\n\t>\n</IIsWebServer>\n</MBProperty>\n</configuration>\n";

    #[test]
    fn changes_between_versions_are_exact_and_each_inside_one_value() {
        let old = parsed(DOC);
        let cases: &[(&str, &str, usize)] = &[
            // Two values of one key: two changes, each inside its value.
            (
                "ChangeNumber=\"433\"\n\t\tHistoryMajorVersionNumber=\"65\"",
                "ChangeNumber=\"434\"\n\t\tHistoryMajorVersionNumber=\"66\"",
                2,
            ),
            // A multi-byte character replaced by another with the same first byte.
            ("Caf\u{e9}", "Caf\u{e8}", 1),
            ("Caf\u{e9}", "Caf", 1),
            // Values of two keys.
            ("433\"", "1\"", 1),
        ];
        for &(from, to, n) in cases {
            let text = DOC.replacen(from, to, 1);
            let new = parsed(&text);
            let pass = changes_between(&old, &new);
            assert_eq!(pass.apply(DOC), text, "{from} -> {to}");
            assert_eq!(pass.changes().len(), n, "{from} -> {to}: {:?}", pass.changes());
            let t = touched(&old, &pass).expect("inside values");
            assert_eq!(t.values.len(), n);
        }
        // Both keys' values at once; bookkeeping alone reaches no property a rule reads.
        let text = DOC.replace("433", "434").replace("Caf\u{e9}", "Bar");
        let pass = changes_between(&old, &parsed(&text));
        assert_eq!(pass.apply(DOC), text);
        assert_eq!(pass.changes().len(), 2);
        let bookkeeping = DOC.replace("433", "434").replace("\"65\"", "\"7\"");
        let t = touched(&old, &changes_between(&old, &parsed(&bookkeeping))).unwrap();
        assert!(t.props.is_empty(), "{:?}", t.props);
        // A key added: one stretch over the rest, exact; the re-lint goes in full.
        let text = DOC.replace(
            "</MBProperty>",
            "<IIsWebServer\tLocation =\"/LM/W3SVC/2\"\n\t>\n</IIsWebServer>\n</MBProperty>",
        );
        let pass = changes_between(&old, &parsed(&text));
        assert_eq!(pass.apply(DOC), text);
        assert_eq!(pass.changes().len(), 1);
        // Unchanged: nothing.
        assert!(changes_between(&old, &parsed(DOC)).changes().is_empty());
    }

    /// With keys added or removed and the new text parsed after the old, the keys taken whole are
    /// anchors: IIS's ChangeNumber and a site added are two small changes, not one stretch from
    /// the first to the last; a key removed is one change over it.
    #[test]
    fn keys_added_or_removed_change_only_between_the_keys_taken_whole() {
        let after = |old: &Metabase, text: &str| {
            let source = SourceFile::decode("t.xml", text.as_bytes().to_vec()).unwrap();
            crate::metabase::parse::parse_after(old, source).unwrap()
        };
        let site = |n: u32| format!("<IIsWebServer\tLocation =\"/LM/W3SVC/{n}\"\n\t>\n</IIsWebServer>\n");
        let three = DOC.replace("</MBProperty>", &format!("{}{}</MBProperty>", site(2), site(3)));
        let old = parsed(&three);
        // A site added between the two, and the bookkeeping number at the top.
        let added = three.replace("ChangeNumber=\"433\"", "ChangeNumber=\"434\"").replacen(
            &site(3),
            &format!("{}{}", site(9), site(3)),
            1,
        );
        let new = after(&old, &added);
        assert!(!new.taken.is_empty(), "the parse took the unchanged keys whole");
        let pass = changes_between(&old, &new);
        assert_eq!(pass.apply(&three), added);
        let changes: Vec<(usize, String)> = pass
            .changes()
            .iter()
            .map(|c| (c.end - c.start, c.content.clone()))
            .collect();
        assert_eq!(changes, [(1, "4".to_string()), (0, site(9))], "{:?}", pass.changes());
        // A site removed: one change over it alone.
        let removed = three.replacen(&site(2), "", 1);
        let pass = changes_between(&old, &after(&old, &removed));
        assert_eq!(pass.apply(&three), removed);
        assert_eq!(pass.changes().len(), 1, "{:?}", pass.changes());
        assert_eq!(pass.changes()[0].end - pass.changes()[0].start, site(2).len());
        assert_eq!(pass.changes()[0].content, "");
        // A parse that took nothing whole (the first lines differ): one stretch, exact.
        let pass = changes_between(&old, &parsed(&added));
        assert_eq!(pass.apply(&three), added);
        assert_eq!(pass.changes().len(), 1);
        {
            // A key taken whole right where the key before it ends (no line between them) is an
            // anchor too: a key added on each side of it is two changes, not one over it.
            let tight = |n: u32| site(n).trim_end().to_string();
            let adjacent = DOC.replace("</MBProperty>", &format!("{}{}\n</MBProperty>", tight(2), tight(3)));
            let old = parsed(&adjacent);
            let spread = adjacent.replacen(
                &format!("{}{}", tight(2), tight(3)),
                &format!("{}{}{}{}", tight(2), tight(8), tight(3), tight(9)),
                1,
            );
            let pass = changes_between(&old, &after(&old, &spread));
            assert_eq!(pass.apply(&adjacent), spread);
            assert_eq!(pass.changes().len(), 2, "{:?}", pass.changes());
            // And the same where the key before it ends in the new text only (the line between
            // them gone).
            let apart = adjacent.replacen(&tight(3), &format!("\n{}", tight(3)), 1);
            let old = parsed(&apart);
            let closed = adjacent.replacen(&tight(3), &format!("{}{}", tight(3), tight(9)), 1);
            let new = after(&old, &closed);
            assert!(
                new.taken
                    .iter()
                    .any(|&(k, _)| new.slice(new.keys[k as usize].span) == tight(3))
            );
            let pass = changes_between(&old, &new);
            assert_eq!(pass.apply(&apart), closed);
            assert_eq!(pass.changes().len(), 2, "{:?}", pass.changes());
        }
        // The anchors are checked, not trusted: pairs out of order, out of range or of keys that
        // differ still give the exact changes.
        let mut new = after(&old, &added);
        let n = new.keys.len() as KeyId;
        new.taken = vec![(1, 1), (2, 2), (1, 3), (0, 2), (n, 0), (3, n + 5), (n - 1, 0)];
        let pass = changes_between(&old, &new);
        assert_eq!(pass.apply(&three), added);
    }

    #[test]
    fn a_property_no_rule_declares_reaches_no_declaring_rule() {
        let old = parsed(DOC);
        let changed = |from: &str, to: &str| {
            let text = DOC.replacen(from, to, 1);
            touched(&old, &changes_between(&old, &parsed(&text))).expect("inside values")
        };
        // ServerComment: declared by MB503 alone (outside the shared property table).
        let t = changed("Caf\u{e9}", "Bar");
        assert_eq!(t.props, vec![crate::rules::extensionless_url_unmapped::SERVER_COMMENT]);
        let reached: Vec<&str> = reads::READS
            .iter()
            .filter(|(_, r)| matches!(r, Reads::Props(_)) && t.props.iter().any(|p| r.reads(p)))
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(reached, ["MB503"]);
        // A property no declaration names: no property it may be.
        let with_name = DOC.replace("ServerComment=", "AppFriendlyName=\"x\"\n\t\tServerComment=");
        let old = parsed(&with_name);
        let text = with_name.replace("AppFriendlyName=\"x\"", "AppFriendlyName=\"y\"");
        let t = touched(&old, &changes_between(&old, &parsed(&text))).expect("inside values");
        assert_eq!(t.values.len(), 1);
        assert!(t.props.is_empty(), "{:?}", t.props);
        // A declared property by name, in any letter case: the rules that read it.
        let with_maps = DOC.replace("ServerComment=", "scriptmaps=\".a,x.dll,1\"\n\t\tServerComment=");
        let old = parsed(&with_maps);
        let text = with_maps.replace(".a,x.dll,1", ".b,x.dll,1");
        let t = touched(&old, &changes_between(&old, &parsed(&text))).expect("inside values");
        assert_eq!(t.props, vec![crate::metabase::props::SCRIPT_MAPS]);
    }

    /// The HTML page's DLL map is made from every finding: with it wanted, a re-lint is in full,
    /// whatever the changes (a limited one would make it from the rules that ran again only).
    #[test]
    fn a_wanted_dll_map_relints_in_full() {
        let text = DOC.replacen("Caf\u{e9}", "Bar", 1);
        // One platform open, so a limited re-lint is possible at all.
        let one = Options {
            platform: Some(crate::platform::Platform::X64),
            ..Options::default()
        };
        let mut chain = lint_parsed(parsed(DOC), &one);
        let pass = changes_between(chain.metabase().expect("held"), &parsed(&text));
        let touched = chain.release(&pass);
        assert!(touched.is_some(), "a comment's change is inside a value");
        let with_map = Options {
            dll_map: true,
            ..one.clone()
        };
        let next = relint_parsed(&chain, touched, &pass, Ok(parsed(&text)), &with_map);
        assert_eq!(next.full_because, Some(STRUCTURE));
        assert!(next.report.dll_map.is_some());
        // Without the map, the same change is re-linted in part.
        let mut chain = lint_parsed(parsed(DOC), &one);
        let touched = chain.release(&pass);
        let next = relint_parsed(&chain, touched, &pass, Ok(parsed(&text)), &one);
        assert_eq!(next.full_because, None);
    }

    #[test]
    fn within_any_finds_the_holding_span() {
        let spans = [Span::new(0, 10), Span::new(20, 30)];
        assert!(within_any(Span::new(2, 5), &spans));
        assert!(within_any(Span::new(20, 30), &spans));
        assert!(!within_any(Span::new(8, 12), &spans));
        assert!(!within_any(Span::new(15, 16), &spans));
    }

    /// Each change is as small as the common start and end of the two values allow, backed off
    /// to a character boundary of both texts, never further.
    #[test]
    fn changes_between_versions_are_as_small_as_the_characters_allow() {
        let old = parsed(DOC);
        let spans = |text: &str| -> Vec<(usize, usize, String)> {
            let pass = changes_between(&old, &parsed(text));
            assert_eq!(pass.apply(DOC), text);
            pass.changes()
                .iter()
                .map(|c| (c.start, c.end, c.content.clone()))
                .collect()
        };
        let at = DOC.find("Caf\u{e9}").unwrap();
        // é (C3 A9) to è (C3 A8): the common lead byte is not kept alone.
        assert_eq!(
            spans(&DOC.replacen("Caf\u{e9}", "Caf\u{e8}", 1)),
            [(at + 3, at + 5, "\u{e8}".to_string())]
        );
        // é (C3 A9) to ѩ (D1 A9): the common continuation byte is not kept alone.
        assert_eq!(
            spans(&DOC.replacen("Caf\u{e9}", "Caf\u{469}", 1)),
            [(at + 3, at + 5, "\u{469}".to_string())]
        );
        // A longer common start and end, late in the text.
        let at = DOC.find("Caf\u{e9}").unwrap();
        assert_eq!(
            spans(&DOC.replacen("Caf\u{e9}", "Ca\u{e9}", 1)),
            [(at + 2, at + 3, String::new())]
        );
        // A key added at the end: one insertion, the common end as long as the old text allows.
        let added = "<IIsWebServer\tLocation =\"/LM/W3SVC/2\"\n\t>\n</IIsWebServer>\n";
        let end = DOC.find("</MBProperty>").unwrap();
        let text = format!("{}{added}{}", &DOC[..end], &DOC[end..]);
        // The inserted key's first `<` is kept as the old text's, the one `</MBProperty>` opens with.
        let inserted = format!("{}<", &added[1..]);
        assert_eq!(spans(&text), [(end + 1, end + 1, inserted)]);
    }

    /// An edit inside a value that holds the value's own quote would close it: that may change
    /// more than the value.
    #[test]
    fn an_edit_holding_the_values_quote_is_not_inside_the_value() {
        let old = parsed(DOC);
        let at = DOC.find("Caf\u{e9}").unwrap();
        assert!(touched(&old, &pass(&[(at, at + 3, "a\"b")])).is_none());
        // The other quote character is a character of the value like any other.
        let t = touched(&old, &pass(&[(at, at + 3, "a'b")])).expect("inside the value");
        assert_eq!(t.values.len(), 1);
    }

    /// Only IIS_Global's bookkeeping (ChangeNumber and the like) is passed over: any other
    /// property there is the declared property its name says.
    #[test]
    fn only_the_global_keys_bookkeeping_reaches_no_rule() {
        let with_maps = DOC.replace("\t\tChangeNumber=", "\t\tScriptMaps=\".a,x.dll,1\"\n\t\tChangeNumber=");
        let old = parsed(&with_maps);
        let text = with_maps.replace(".a,x.dll,1", ".b,x.dll,1");
        let t = touched(&old, &changes_between(&old, &parsed(&text))).expect("inside values");
        assert_eq!(t.props, vec![crate::metabase::props::SCRIPT_MAPS]);
    }

    /// With a key more or less, the keys are not paired: the whole text is one stretch, wherever
    /// the key is.
    #[test]
    fn a_key_added_before_another_is_one_change() {
        let old = parsed(DOC);
        let text = DOC.replace(
            "<IIsWebServer\tLocation =\"/LM/W3SVC/1\"",
            "<IIsWebServer\tLocation =\"/LM/W3SVC/0\"\n\t\tServerComment=\"Bar\"\n\t>\n</IIsWebServer>\n<IIsWebServer\tLocation =\"/LM/W3SVC/1\"",
        );
        let pass = changes_between(&old, &parsed(&text));
        assert_eq!(pass.apply(DOC), text);
        assert_eq!(pass.changes().len(), 1, "{:?}", pass.changes());
    }

    /// A key that changed is compared value by value only when both versions give it as many
    /// properties; else its text is one stretch.
    #[test]
    fn a_key_with_a_property_more_is_one_stretch() {
        let old = parsed(DOC);
        let text = DOC
            .replace("\"433\"", "\"434\"")
            .replace("\"65\"", "\"65\"\n\t\tSessionKey=\"x\"");
        let pass = changes_between(&old, &parsed(&text));
        assert_eq!(pass.apply(DOC), text);
        assert_eq!(pass.changes().len(), 1, "{:?}", pass.changes());
    }

    /// MB002's findings on the values a pass did not change are carried over; those on the
    /// changed values are made again.
    #[test]
    fn mb002_on_an_unchanged_value_is_carried_over() {
        let doc = DOC.replace("\t\tServerComment=", "\t\tServerAutoStart=\"yes\"\n\t\tServerComment=");
        let text = doc.replacen("Caf\u{e9}", "Bar", 1);
        let one = Options {
            platform: Some(crate::platform::Platform::X64),
            ..Options::default()
        };
        let mut chain = lint_parsed(parsed(&doc), &one);
        let codes = |r: &FileReport| r.diagnostics.iter().map(|d| (d.code, d.span)).collect::<Vec<_>>();
        assert!(
            chain.report.diagnostics.iter().any(|d| d.code == "MB002"),
            "{:?}",
            codes(&chain.report)
        );
        let pass = changes_between(chain.metabase().expect("held"), &parsed(&text));
        let touched = chain.release(&pass);
        let next = relint_parsed(&chain, touched, &pass, Ok(parsed(&text)), &one);
        assert_eq!(next.full_because, None);
        let full = lint_parsed(parsed(&text), &one);
        assert_eq!(codes(&next.report), codes(&full.report));
        assert!(next.report.diagnostics.iter().any(|d| d.code == "MB002"));
    }

    /// A rule turned off is not run again on the changed values either: with MB002 ignored, a
    /// value made invalid gets no MB002 finding from the limited re-lint, as from the full lint.
    #[test]
    fn an_ignored_mb002_is_not_made_on_a_changed_value() {
        let doc = DOC.replace("\t\tServerComment=", "\t\tServerAutoStart=\"TRUE\"\n\t\tServerComment=");
        let text = doc.replacen("\"TRUE\"", "\"yes\"", 1);
        let mut ignoring = Options {
            platform: Some(crate::platform::Platform::X64),
            ..Options::default()
        };
        ignoring.settings.ignore.push("MB002".into());
        let mut chain = lint_parsed(parsed(&doc), &ignoring);
        let pass = changes_between(chain.metabase().expect("held"), &parsed(&text));
        let touched = chain.release(&pass);
        let next = relint_parsed(&chain, touched, &pass, Ok(parsed(&text)), &ignoring);
        assert_eq!(next.full_because, None);
        let codes = |r: &FileReport| r.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
        assert!(!codes(&next.report).contains(&"MB002"), "{:?}", codes(&next.report));
        assert_eq!(
            codes(&next.report),
            codes(&lint_parsed(parsed(&text), &ignoring).report)
        );
        // Not ignored, the same change is an MB002 finding.
        let one = Options {
            platform: Some(crate::platform::Platform::X64),
            ..Options::default()
        };
        assert!(codes(&lint_parsed(parsed(&text), &one).report).contains(&"MB002"));
    }

    /// The limited re-lint goes on only when every decision of the server model, and what decided
    /// it, came out the same: any one of them different is another model.
    #[test]
    fn each_decision_and_what_decided_it_is_compared() {
        use crate::host::{IsolationMode, SchemaSource, Source};
        let model = |platform| {
            let options = Options {
                platform: Some(platform),
                ..Options::default()
            };
            lint_parsed(parsed(DOC), &options).report.server.expect("a model")
        };
        let m = model(crate::platform::Platform::X64);
        let x86 = model(crate::platform::Platform::X86);
        let other = |s: Source| {
            if s == Source::Default {
                Source::Metabase
            } else {
                Source::Default
            }
        };
        assert!(same_decisions(&m, &m.clone()));
        let mut changed: Vec<(&str, ServerModel)> = Vec::new();
        let mut n = m.clone();
        n.platform.value = x86.platform.value;
        changed.push(("platform", n));
        let mut n = m.clone();
        n.platform.source = other(n.platform.source);
        changed.push(("platform's source", n));
        let mut n = m.clone();
        n.isolation.value = match n.isolation.value {
            IsolationMode::Iis5 => IsolationMode::WorkerProcess,
            IsolationMode::WorkerProcess => IsolationMode::Iis5,
        };
        changed.push(("isolation", n));
        let mut n = m.clone();
        n.isolation.source = other(n.isolation.source);
        changed.push(("isolation's source", n));
        let mut n = m.clone();
        n.windir.value = crate::winpath::parse("D:\\WINNT").unwrap();
        changed.push(("Windows folder", n));
        let mut n = m.clone();
        n.windir.source = other(n.windir.source);
        changed.push(("Windows folder's source", n));
        let mut n = m.clone();
        n.schema.value = match n.schema.value {
            SchemaSource::Drive => SchemaSource::BuiltIn,
            SchemaSource::BuiltIn => SchemaSource::Drive,
        };
        changed.push(("schema", n));
        for (what, n) in &changed {
            assert!(!same_decisions(&m, n), "{what}");
            assert!(!same_decisions(n, &m), "{what}");
        }
    }
}
