//! Key-level comparison of two versions of a metabase: which keys were added, removed or changed,
//! found by hashing each key's text, and for the keys that changed, the lines that did.
//!
//! IIS rewrites `ChangeNumber` and `HistoryMajorVersionNumber` (on `IIS_Global`, Location `.`) on
//! every save; they say nothing about the configuration, so a plain number there is left out of
//! both the key hashes and the whole-document comparison. Any other value there counts: a value no
//! rule would accept must not hide behind the exemption.

use std::hash::{BuildHasher, Hasher};

use serde::Serialize;

use crate::metabase::{Metabase, Span};

/// The most keys a diff lists (the counts are always whole).
pub const MAX_KEYS_SHOWN: usize = 100;
/// The most lines shown of one key.
pub const MAX_LINES_PER_KEY: usize = 200;
/// Line pairs above which a changed key is compared by its common start and end only.
const MAX_LCS_CELLS: usize = 4_000_000;

/// The properties IIS rewrites on every save.
const BOOKKEEPING: &[&str] = &["ChangeNumber", "HistoryMajorVersionNumber"];

/// One key of a version, as the comparison needs it.
#[derive(Debug, Clone)]
struct KeyEntry {
    /// The normalised Location.
    path: std::sync::Arc<str>,
    hash: u64,
    span: Span,
}

/// Every key of a version with the hash of its text, and the spans left out of the comparison.
#[derive(Debug, Clone)]
pub struct KeyTable {
    entries: Vec<KeyEntry>,
    /// The bookkeeping values' spans, in text order.
    ignored: Vec<Span>,
}

/// The hasher of key texts: foldhash (several times SipHash's speed on long texts), seeded once
/// per process so that every table of a run hashes alike. A hash only finds candidates: texts
/// whose hashes agree are compared byte by byte ([`same_segments`]).
fn text_hasher() -> impl Hasher {
    static STATE: std::sync::OnceLock<foldhash::quality::RandomState> = std::sync::OnceLock::new();
    STATE
        .get_or_init(foldhash::quality::RandomState::default)
        .build_hasher()
}

/// The pieces of `span` of a text around the skipped spans inside it.
fn segments(span: Span, ignored: &[Span]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut at = span.start as usize;
    let mut skips = ignored
        .iter()
        .filter(move |s| s.start >= span.start && s.end <= span.end);
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match skips.next() {
            Some(skip) => {
                let piece = (at, skip.start as usize);
                at = skip.end as usize;
                Some(piece)
            }
            None => {
                done = true;
                Some((at, span.end as usize))
            }
        }
    })
}

fn hash_segments(text: &str, span: Span, ignored: &[Span]) -> u64 {
    let mut h = text_hasher();
    for (n, (a, b)) in segments(span, ignored).enumerate() {
        if n > 0 {
            // A marker, so that moving text across a skipped value changes the hash.
            h.write_u8(0xff);
        }
        h.write(&text.as_bytes()[a..b]);
    }
    h.finish()
}

/// Whether two spans hold the same text but for their skipped values.
fn same_segments(a: &str, sa: Span, ia: &[Span], b: &str, sb: Span, ib: &[Span]) -> bool {
    let (mut pa, mut pb) = (segments(sa, ia), segments(sb, ib));
    loop {
        match (pa.next(), pb.next()) {
            (None, None) => return true,
            (Some((a0, a1)), Some((b0, b1))) if a.as_bytes()[a0..a1] == b.as_bytes()[b0..b1] => {}
            _ => return false,
        }
    }
}

/// The spans of `ChangeNumber` and `HistoryMajorVersionNumber` values on `IIS_Global` that hold a
/// plain 32-bit number.
fn bookkeeping_spans(mb: &Metabase) -> Vec<Span> {
    let Some(global) = mb.find(".") else {
        return Vec::new();
    };
    let mut spans: Vec<Span> = mb
        .key(global)
        .attrs
        .clone()
        .filter(|&a| {
            let name = mb.attr_name(a);
            BOOKKEEPING.iter().any(|b| b.eq_ignore_ascii_case(&name))
        })
        .map(|a| mb.attr(a).value)
        .filter(|&v| {
            let value = mb.slice(v);
            !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) && value.parse::<u32>().is_ok()
        })
        .collect();
    spans.sort_by_key(|s| s.start);
    spans
}

impl KeyTable {
    pub fn of(mb: &Metabase) -> KeyTable {
        KeyTable::after(mb, None)
    }

    /// As [`of`](Self::of), for a version parsed after the one `before` is the table of
    /// ([`Metabase::taken`]): a key taken whole from it has the hash it had there, not hashed
    /// again (but a key of Location `.`, whose bookkeeping values are left out of the hash only
    /// where it is the first such key).
    pub fn after(mb: &Metabase, before: Option<&KeyTable>) -> KeyTable {
        let text = mb.text();
        let ignored = bookkeeping_spans(mb);
        let mut taken = mb.taken.iter().peekable();
        let entries = mb
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let old = taken
                    .next_if(|(new, _)| *new as usize == i)
                    .and_then(|&(_, old)| before?.entries.get(old as usize))
                    .filter(|e| e.span.len() == k.span.len() && &*k.path != ".");
                KeyEntry {
                    path: k.path.clone(),
                    hash: match old {
                        Some(e) => {
                            debug_assert_eq!(
                                e.hash,
                                hash_segments(text, k.span, &ignored),
                                "a key taken whole hashes alike"
                            );
                            e.hash
                        }
                        None => hash_segments(text, k.span, &ignored),
                    },
                    span: k.span,
                }
            })
            .collect();
        KeyTable { entries, ignored }
    }

    /// Whether two versions are the same text but for the bookkeeping values: then every rule
    /// finds the same. Two versions whose keys' hashes differ are not; others are compared in full
    /// (the text between keys too), not by hash.
    pub fn same_document(&self, text: &str, other: &KeyTable, other_text: &str) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|(a, b)| a.hash == b.hash)
            && self.ignored.len() == other.ignored.len()
            && same_segments(
                text,
                Span::new(0, text.len()),
                &self.ignored,
                other_text,
                Span::new(0, other_text.len()),
                &other.ignored,
            )
    }

    /// Whether entry `i` of this table and entry `j` of `other` hold the same text but for the
    /// bookkeeping values: by hash, then byte by byte.
    fn same_key(&self, text: &str, i: usize, other: &KeyTable, other_text: &str, j: usize) -> bool {
        let (a, b) = (&self.entries[i], &other.entries[j]);
        a.hash == b.hash && same_segments(text, a.span, &self.ignored, other_text, b.span, &other.ignored)
    }
}

/// A key that differs: its normalised Location, how, and its entries in the older and newer table.
type Change<'t> = (&'t str, KeyChangeKind, Option<usize>, Option<usize>);

/// How a key changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyChangeKind {
    Added,
    Removed,
    Changed,
}

/// What a diff line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineOp {
    /// Unchanged, shown for orientation (the key's first line, the property a changed line of a
    /// multi-string value belongs to).
    Context,
    Removed,
    Added,
}

impl LineOp {
    pub fn marker(self) -> char {
        match self {
            LineOp::Context => ' ',
            LineOp::Removed => '-',
            LineOp::Added => '+',
        }
    }
}

/// One line of a key's diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub op: LineOp,
    pub text: String,
}

/// One key that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyChange {
    /// The Location as written (in the newer version, or the older one for a removed key).
    pub location: String,
    pub key_type: String,
    pub change: KeyChangeKind,
    /// 1-based line of the key's first line in the older version (`null` for an added key).
    pub old_line: Option<usize>,
    /// 1-based line of the key's first line in the newer version (`null` for a removed key).
    pub new_line: Option<usize>,
    /// Only the lines that changed, with the key's first line (and the property a changed
    /// multi-string line belongs to) as context.
    pub lines: Vec<DiffLine>,
    /// Lines left out of `lines` (a key of more than [`MAX_LINES_PER_KEY`] changed lines).
    pub lines_omitted: usize,
}

/// The keys that differ between a version and the one before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KeyDiff {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    /// At most [`MAX_KEYS_SHOWN`] of them, in Location order.
    pub keys: Vec<KeyChange>,
    /// Keys changed but not listed in `keys`.
    pub keys_omitted: usize,
}

impl KeyDiff {
    pub fn is_empty(&self) -> bool {
        self.added + self.removed + self.changed == 0
    }

    /// Compares `new` with `old`. Keys are matched by normalised Location (a repeated Location by
    /// its occurrence), their texts by hash, and only changed keys are compared line by line.
    pub fn between(old: &Metabase, old_table: &KeyTable, new: &Metabase, new_table: &KeyTable) -> KeyDiff {
        // The usual save keeps every key where it was: the same Locations in the same order match
        // key for key (the n-th key of a Location is the n-th in both), with no table of them.
        let aligned = old_table.entries.len() == new_table.entries.len()
            && old_table
                .entries
                .iter()
                .zip(&new_table.entries)
                .all(|(a, b)| a.path == b.path);
        let changes = if aligned {
            // A key the parse took whole from the same place of the version before is the same.
            let taken = new.taken_in_place();
            (0..new_table.entries.len())
                .filter(|&i| {
                    debug_assert!(
                        !taken[i] || old_table.same_key(old.text(), i, new_table, new.text(), i),
                        "a key taken whole is the same"
                    );
                    !(taken[i] || old_table.same_key(old.text(), i, new_table, new.text(), i))
                })
                .map(|i| (&*new_table.entries[i].path, KeyChangeKind::Changed, Some(i), Some(i)))
                .collect()
        } else {
            Self::matched(old_table, old.text(), new_table, new.text())
        };
        Self::of_changes(old, old_table, new, new_table, changes)
    }

    /// The changes between two tables whose keys are not in the same order: keys matched by
    /// normalised Location and occurrence.
    fn matched<'t>(
        old_table: &'t KeyTable,
        old_text: &str,
        new_table: &'t KeyTable,
        new_text: &str,
    ) -> Vec<Change<'t>> {
        let mut seen: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
        let mut old_index: foldhash::HashMap<(&str, usize), usize> =
            foldhash::HashMap::with_capacity_and_hasher(old_table.entries.len(), Default::default());
        for (i, e) in old_table.entries.iter().enumerate() {
            let n = seen.entry(&e.path).or_insert(0);
            old_index.insert((&e.path, *n), i);
            *n += 1;
        }
        seen.clear();
        let mut matched = vec![false; old_table.entries.len()];
        // (path, change, old entry, new entry)
        let mut changes: Vec<Change<'_>> = Vec::new();
        for (i, e) in new_table.entries.iter().enumerate() {
            let n = seen.entry(&e.path).or_insert(0);
            match old_index.get(&(&*e.path, *n)) {
                Some(&j) => {
                    matched[j] = true;
                    if !old_table.same_key(old_text, j, new_table, new_text, i) {
                        changes.push((&e.path, KeyChangeKind::Changed, Some(j), Some(i)));
                    }
                }
                None => changes.push((&e.path, KeyChangeKind::Added, None, Some(i))),
            }
            *n += 1;
        }
        for (j, e) in old_table.entries.iter().enumerate() {
            if !matched[j] {
                changes.push((&e.path, KeyChangeKind::Removed, Some(j), None));
            }
        }
        changes
    }

    fn of_changes(
        old: &Metabase,
        old_table: &KeyTable,
        new: &Metabase,
        new_table: &KeyTable,
        mut changes: Vec<Change<'_>>,
    ) -> KeyDiff {
        changes.sort_by(|a, b| a.0.cmp(b.0));
        let count = |kind| changes.iter().filter(|c| c.1 == kind).count();
        let mut diff = KeyDiff {
            added: count(KeyChangeKind::Added),
            removed: count(KeyChangeKind::Removed),
            changed: count(KeyChangeKind::Changed),
            keys: Vec::new(),
            keys_omitted: changes.len().saturating_sub(MAX_KEYS_SHOWN),
        };
        changes.truncate(MAX_KEYS_SHOWN);
        // The keys' first lines, counted in each text once for all of them.
        let starts = |table: &KeyTable, entry: fn(&Change<'_>) -> Option<usize>| {
            changes
                .iter()
                .filter_map(entry)
                .map(|j| table.entries[j].span.start as usize)
                .collect::<Vec<_>>()
        };
        let mut old_lines = old.source.lines_of(&starts(old_table, |c| c.2)).into_iter();
        let mut new_lines = new.source.lines_of(&starts(new_table, |c| c.3)).into_iter();
        for (_, change, o, n) in changes {
            let old_key = o.map(|j| &old_table.entries[j]);
            let new_key = n.map(|i| &new_table.entries[i]);
            let old_text = old_key.map(|k| old.slice(k.span));
            let new_text = new_key.map(|k| new.slice(k.span));
            let (mb, id) = match n {
                Some(i) => (new, i),
                None => (old, o.expect("a removed key is in the older version")),
            };
            let lines = match (old_text, new_text) {
                (Some(a), Some(b)) => changed_lines(a, b),
                (None, Some(b)) => split_lines(b).map(|t| (LineOp::Added, t)).collect(),
                (Some(a), None) => split_lines(a).map(|t| (LineOp::Removed, t)).collect(),
                (None, None) => Vec::new(),
            };
            let shown = lines.len().min(MAX_LINES_PER_KEY);
            diff.keys.push(KeyChange {
                location: mb.location(id as _).into_owned(),
                key_type: mb.key_type(id as _).to_string(),
                change,
                old_line: old_key.and_then(|_| old_lines.next()),
                new_line: new_key.and_then(|_| new_lines.next()),
                lines_omitted: lines.len() - shown,
                lines: lines
                    .into_iter()
                    .take(shown)
                    .map(|(op, text)| DiffLine {
                        op,
                        text: text.to_string(),
                    })
                    .collect(),
            });
        }
        diff
    }
}

fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Whether a line of a key starts a property (`\t\tName="...`), not continues a multi-string.
fn starts_property(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('<')
        || t.split_once('=')
            .is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// The lines that differ between two texts of one key: the longest common subsequence of lines
/// (by common start and end only for a huge key), with the key's first line and, before each run
/// of changes, the line that starts the property it belongs to.
fn changed_lines<'a>(old: &'a str, new: &'a str) -> Vec<(LineOp, &'a str)> {
    let a: Vec<&str> = split_lines(old).collect();
    let b: Vec<&str> = split_lines(new).collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    // Every line of both texts, marked: (op, index into the text it comes from).
    let mut script: Vec<(LineOp, usize)> = (0..prefix).map(|i| (LineOp::Context, i)).collect();
    if am.len().saturating_mul(bm.len()) <= MAX_LCS_CELLS {
        // lcs[i][j]: the common subsequence length of am[i..] and bm[j..].
        let w = bm.len() + 1;
        let mut lcs = vec![0u32; (am.len() + 1) * w];
        for i in (0..am.len()).rev() {
            for j in (0..bm.len()).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < am.len() || j < bm.len() {
            if i < am.len() && j < bm.len() && am[i] == bm[j] {
                script.push((LineOp::Context, prefix + j));
                i += 1;
                j += 1;
            } else if i < am.len() && (j == bm.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                // Removed lines before added ones, as a unified diff shows a replaced line.
                script.push((LineOp::Removed, prefix + i));
                i += 1;
            } else {
                script.push((LineOp::Added, prefix + j));
                j += 1;
            }
        }
    } else {
        script.extend((0..am.len()).map(|i| (LineOp::Removed, prefix + i)));
        script.extend((0..bm.len()).map(|j| (LineOp::Added, prefix + j)));
    }
    script.extend((0..suffix).map(|k| (LineOp::Context, b.len() - suffix + k)));
    let text = |op: LineOp, i: usize| if op == LineOp::Removed { a[i] } else { b[i] };
    let mut out: Vec<(LineOp, &str)> = Vec::new();
    // Context lines are in the newer text's numbering.
    let mut shown_context: Option<usize> = None;
    for (k, &(op, i)) in script.iter().enumerate() {
        if op == LineOp::Context {
            continue;
        }
        let first_of_run = k == 0 || script[k - 1].0 == LineOp::Context;
        if first_of_run {
            // The key's first line, once; then the property this run belongs to, if it started
            // above the run.
            if shown_context.is_none() && !(k == 0 && i == 0) && !b.is_empty() {
                out.push((LineOp::Context, b[0]));
                shown_context = Some(0);
            }
            if !starts_property(text(op, i))
                && let Some(&(_, at)) = script[..k]
                    .iter()
                    .rev()
                    .find(|&&(o, j)| o == LineOp::Context && starts_property(b[j]))
                && shown_context.is_none_or(|s| s < at)
            {
                out.push((LineOp::Context, b[at]));
                shown_context = Some(at);
            }
        }
        out.push((op, text(op, i)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metabase::{SourceFile, parse};

    fn mb(text: &str) -> Metabase {
        parse(SourceFile::from_text("m.xml", text.replace('\n', "\r\n"))).unwrap()
    }

    fn doc(global: &str, keys: &str) -> String {
        format!(
            "<?xml version =\"1.0\"?>\n<configuration>\n<MBProperty>\n<IIS_Global\tLocation =\".\"\n{global}\t>\n</IIS_Global>\n{keys}</MBProperty>\n</configuration>\n"
        )
    }

    const SERVICE: &str = "<IIsWebService\tLocation =\"/LM/W3SVC\"\n\t\tAppPoolId=\"DefaultAppPool\"\n\t\tScriptMaps=\".asp,C:\\a.dll,1\n\t\t\t.cer,C:\\a.dll,1\n\t\t\t.idc,C:\\b.dll,1\"\n\t>\n</IIsWebService>\n";

    #[test]
    fn bookkeeping_alone_is_no_change() {
        let a = mb(&doc(
            "\t\tChangeNumber=\"1\"\n\t\tHistoryMajorVersionNumber=\"7\"\n",
            SERVICE,
        ));
        let b = mb(&doc(
            "\t\tChangeNumber=\"1234\"\n\t\tHistoryMajorVersionNumber=\"8\"\n",
            SERVICE,
        ));
        let (ta, tb) = (KeyTable::of(&a), KeyTable::of(&b));
        assert!(ta.same_document(a.text(), &tb, b.text()));
        assert!(KeyDiff::between(&a, &ta, &b, &tb).is_empty());
        // A value that is not a plain number counts.
        let c = mb(&doc(
            "\t\tChangeNumber=\"x\"\n\t\tHistoryMajorVersionNumber=\"8\"\n",
            SERVICE,
        ));
        let tc = KeyTable::of(&c);
        assert!(!ta.same_document(a.text(), &tc, c.text()));
        assert_eq!(KeyDiff::between(&a, &ta, &c, &tc).changed, 1);
    }

    #[test]
    fn text_between_keys_counts_when_every_key_is_the_same() {
        let a = mb(&doc("", SERVICE));
        let ta = KeyTable::of(&a);
        for other in [
            doc("", SERVICE).replace("</IIS_Global>\n", "</IIS_Global>\n<!-- a note -->\n"),
            doc("", SERVICE).replace("</MBProperty>\n", "</MBProperty>\n\n"),
            doc("", SERVICE).replacen("<configuration>", "<configuration >", 1),
        ] {
            let b = mb(&other);
            let tb = KeyTable::of(&b);
            assert!(
                ta.entries.iter().zip(&tb.entries).all(|(x, y)| x.hash == y.hash),
                "the keys alike"
            );
            assert!(!ta.same_document(a.text(), &tb, b.text()), "{other}");
            assert!(!tb.same_document(b.text(), &ta, a.text()), "{other}");
        }
        assert!(ta.same_document(a.text(), &KeyTable::of(&a), a.text()));
    }

    #[test]
    fn only_changed_keys_and_lines_are_shown() {
        let a = mb(&doc("", SERVICE));
        let changed = SERVICE.replace(".cer,C:\\a.dll,1", ".cer,C:\\x86\\fp.dll,1");
        let added =
            "<IIsFilter\tLocation =\"/LM/W3SVC/Filters/fp\"\n\t\tFilterPath=\"C:\\fp.dll\"\n\t>\n</IIsFilter>\n";
        let b = mb(&doc("", &format!("{changed}{added}")));
        let diff = KeyDiff::between(&a, &KeyTable::of(&a), &b, &KeyTable::of(&b));
        assert_eq!((diff.added, diff.removed, diff.changed), (1, 0, 1));
        let service = &diff.keys[0];
        assert_eq!(service.location, "/LM/W3SVC");
        let shown: Vec<String> = service
            .lines
            .iter()
            .map(|l| format!("{}{}", l.op.marker(), l.text))
            .collect();
        assert_eq!(
            shown,
            [
                " <IIsWebService\tLocation =\"/LM/W3SVC\"",
                " \t\tScriptMaps=\".asp,C:\\a.dll,1",
                "-\t\t\t.cer,C:\\a.dll,1",
                "+\t\t\t.cer,C:\\x86\\fp.dll,1",
            ]
        );
        assert_eq!(service.old_line, Some(7));
        let filter = &diff.keys[1];
        assert_eq!(filter.change, KeyChangeKind::Added);
        assert!(filter.lines.iter().all(|l| l.op == LineOp::Added));
        assert_eq!(filter.lines.len(), 4);
        // And back: the filter is removed.
        let back = KeyDiff::between(&b, &KeyTable::of(&b), &a, &KeyTable::of(&a));
        assert_eq!((back.added, back.removed, back.changed), (0, 1, 1));
    }

    /// Keys in the same order are matched key for key, as matching them by Location and
    /// occurrence does: a repeated Location, a changed key among unchanged ones, and keys whose
    /// texts differ but whose Locations agree.
    #[test]
    fn keys_in_the_same_order_are_matched_as_by_location() {
        let site = |n: u32, comment: &str| {
            format!(
                "<IIsWebServer\tLocation =\"/LM/W3SVC/{n}\"\n\t\tServerComment=\"{comment}\"\n\t>\n</IIsWebServer>\n"
            )
        };
        let a = mb(&doc(
            "",
            &format!(
                "{SERVICE}{}{}{}{}",
                site(1, "a"),
                site(2, "b"),
                site(1, "dup"),
                site(3, "c")
            ),
        ));
        let b = mb(&doc(
            "",
            &format!(
                "{}{}{}{}{}",
                SERVICE.replace("C:\\b.dll", "C:\\c.dll"),
                site(1, "a"),
                site(2, "B"),
                site(1, "dup2"),
                site(3, "c")
            ),
        ));
        let (ta, tb) = (KeyTable::of(&a), KeyTable::of(&b));
        let aligned = KeyDiff::between(&a, &ta, &b, &tb);
        let matched = KeyDiff::of_changes(&a, &ta, &b, &tb, KeyDiff::matched(&ta, a.text(), &tb, b.text()));
        assert_eq!(aligned, matched);
        assert_eq!((aligned.added, aligned.removed, aligned.changed), (0, 0, 3));
        let locations: Vec<&str> = aligned.keys.iter().map(|k| k.location.as_str()).collect();
        assert_eq!(locations, ["/LM/W3SVC", "/LM/W3SVC/1", "/LM/W3SVC/2"]);
    }
}
