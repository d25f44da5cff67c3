//! Key-level comparison of two versions of a metabase: which keys were added, removed or changed,
//! found by hashing each key's text, and for the keys that changed, the lines that did.
//!
//! IIS rewrites `ChangeNumber` and `HistoryMajorVersionNumber` (on `IIS_Global`, Location `.`) on
//! every save; they say nothing about the configuration, so a plain number there is left out of
//! both the key hashes and the whole-document comparison. Any other value there counts: a value no
//! rule would accept must not hide behind the exemption.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};

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
    path: Box<str>,
    hash: u64,
    span: Span,
}

/// Every key of a version with the hash of its text, and the spans left out of the comparison.
#[derive(Debug, Clone)]
pub struct KeyTable {
    entries: Vec<KeyEntry>,
    /// The hash of the whole text without the bookkeeping values.
    pub doc_hash: u64,
    /// The bookkeeping values' spans, in text order.
    ignored: Vec<Span>,
}

fn hash_segments(text: &str, span: Span, ignored: &[Span]) -> u64 {
    let mut h = DefaultHasher::new();
    let mut at = span.start as usize;
    for skip in ignored.iter().filter(|s| s.start >= span.start && s.end <= span.end) {
        h.write(&text.as_bytes()[at..skip.start as usize]);
        // A marker, so that moving text across a skipped value changes the hash.
        h.write_u8(0xff);
        at = skip.end as usize;
    }
    h.write(&text.as_bytes()[at..span.end as usize]);
    h.finish()
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
        let text = mb.text();
        let ignored = bookkeeping_spans(mb);
        let entries = mb
            .keys
            .iter()
            .map(|k| KeyEntry {
                path: k.path.clone(),
                hash: hash_segments(text, k.span, &ignored),
                span: k.span,
            })
            .collect();
        KeyTable {
            entries,
            doc_hash: hash_segments(text, Span::new(0, text.len()), &ignored),
            ignored,
        }
    }

    /// Whether two versions are the same text but for the bookkeeping values: then every rule
    /// finds the same. Compared in full, not by hash.
    pub fn same_document(&self, text: &str, other: &KeyTable, other_text: &str) -> bool {
        if self.doc_hash != other.doc_hash || self.ignored.len() != other.ignored.len() {
            return false;
        }
        let pieces = |t: &'_ str, ignored: &[Span]| -> Vec<(usize, usize)> {
            let mut out = Vec::with_capacity(ignored.len() + 1);
            let mut at = 0;
            for s in ignored {
                out.push((at, s.start as usize));
                at = s.end as usize;
            }
            out.push((at, t.len()));
            out
        };
        pieces(text, &self.ignored)
            .into_iter()
            .zip(pieces(other_text, &other.ignored))
            .all(|((a0, a1), (b0, b1))| text.as_bytes()[a0..a1] == other_text.as_bytes()[b0..b1])
    }
}

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
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut old_index: HashMap<(&str, usize), usize> = HashMap::with_capacity(old_table.entries.len());
        for (i, e) in old_table.entries.iter().enumerate() {
            let n = seen.entry(&e.path).or_insert(0);
            old_index.insert((&e.path, *n), i);
            *n += 1;
        }
        seen.clear();
        let mut matched = vec![false; old_table.entries.len()];
        // (path, change, old entry, new entry)
        let mut changes: Vec<(&str, KeyChangeKind, Option<usize>, Option<usize>)> = Vec::new();
        for (i, e) in new_table.entries.iter().enumerate() {
            let n = seen.entry(&e.path).or_insert(0);
            match old_index.get(&(&*e.path, *n)) {
                Some(&j) => {
                    matched[j] = true;
                    if old_table.entries[j].hash != e.hash {
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
        changes.sort_by(|a, b| a.0.cmp(b.0));
        let count = |kind| changes.iter().filter(|c| c.1 == kind).count();
        let mut diff = KeyDiff {
            added: count(KeyChangeKind::Added),
            removed: count(KeyChangeKind::Removed),
            changed: count(KeyChangeKind::Changed),
            keys: Vec::new(),
            keys_omitted: changes.len().saturating_sub(MAX_KEYS_SHOWN),
        };
        for (_, change, o, n) in changes.into_iter().take(MAX_KEYS_SHOWN) {
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
                old_line: old_key.map(|k| old.source.line_col(k.span.start as usize).0),
                new_line: new_key.map(|k| new.source.line_col(k.span.start as usize).0),
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
}
