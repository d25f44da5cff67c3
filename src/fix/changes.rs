//! A set of changes in the coordinates of the original text: composed across fix passes, applied to
//! the original bytes (everything outside the changes stays byte-identical: BOM, UTF-16, CRLF, tabs),
//! and rendered as a unified diff built from the changes alone, never by diffing two whole texts.

use crate::diagnostic::Edit;
use crate::metabase::source::{Encoding, SourceFile};

/// Replace original `start..end` with `content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub start: usize,
    pub end: usize,
    pub content: String,
}

/// Sorted, non-overlapping changes to one original text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    changes: Vec<Change>,
}

/// Two edits of one pass touch the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap;

impl ChangeSet {
    /// The changes of edits made on one text; overlapping edits are refused.
    pub fn from_edits(mut edits: Vec<Edit>) -> Result<ChangeSet, Overlap> {
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        for pair in edits.windows(2) {
            if pair[0].span.end > pair[1].span.start || (pair[0].span == pair[1].span && !pair[0].span.is_empty()) {
                return Err(Overlap);
            }
        }
        Ok(ChangeSet {
            changes: edits
                .into_iter()
                .map(|e| Change {
                    start: e.span.start as usize,
                    end: e.span.end as usize,
                    content: e.content,
                })
                .collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The original text with the changes made.
    pub fn apply(&self, original: &str) -> String {
        self.apply_after("", original)
    }

    /// `prefix`, then the original text with the changes made (a UTF-8 file's byte order mark and
    /// text, in one buffer).
    pub fn apply_after(&self, prefix: &str, original: &str) -> String {
        let grown: usize = self.changes.iter().map(|c| c.content.len()).sum();
        let mut out = String::with_capacity(prefix.len() + original.len() + grown);
        out.push_str(prefix);
        let mut at = 0;
        for c in &self.changes {
            out.push_str(&original[at..c.start]);
            out.push_str(&c.content);
            at = c.end;
        }
        out.push_str(&original[at..]);
        out
    }

    /// Composes `later`, made on `self.apply(original)`, into one set of changes to `original`.
    pub fn compose(&self, original: &str, later: &ChangeSet) -> ChangeSet {
        if later.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            // The first pass: its changes are already on the original. Merged and dropped as below
            // (touching changes form one region; one that leaves the text as it was goes), without
            // making the whole text twice.
            let mut out: Vec<Change> = Vec::with_capacity(later.changes.len());
            for c in &later.changes {
                match out.last_mut() {
                    Some(last) if c.start <= last.end => {
                        last.content.push_str(&original[last.end..c.start]);
                        last.content.push_str(&c.content);
                        last.end = c.end;
                    }
                    _ => out.push(c.clone()),
                }
            }
            out.retain(|c| original[c.start..c.end] != c.content);
            return ChangeSet { changes: out };
        }
        let current = self.apply(original);
        let after = later.apply(&current);
        // Intervals in the current text: this set's contents, and the later changes. Touching or
        // overlapping ones form one region of the result.
        let mut intervals: Vec<(usize, usize, bool)> = Vec::new();
        let mut shift: isize = 0;
        for c in &self.changes {
            let start = (c.start as isize + shift) as usize;
            intervals.push((start, start + c.content.len(), false));
            shift += c.content.len() as isize - (c.end - c.start) as isize;
        }
        intervals.extend(later.changes.iter().map(|c| (c.start, c.end, true)));
        intervals.sort();
        let mut groups: Vec<(usize, usize, bool)> = Vec::new();
        for (s, e, new) in intervals {
            match groups.last_mut() {
                Some(g) if s <= g.1 => {
                    g.1 = g.1.max(e);
                    g.2 |= new;
                }
                _ => groups.push((s, e, new)),
            }
        }
        // Map group boundaries with one forward sweep over each list (groups ascend), so that
        // composing passes of 50,000 edits stays linear. `at_end`: a boundary that ends a group
        // counts the changes that end there; one that starts a group does not.
        struct Sweep {
            spans: Vec<(usize, usize, isize)>,
            next: usize,
            shift: isize,
        }
        impl Sweep {
            fn shift_at(&mut self, p: usize, at_end: bool) -> isize {
                while let Some(&(a, b, delta)) = self.spans.get(self.next) {
                    let counts = if at_end { a <= p && b <= p } else { b <= p && a < p };
                    if !counts {
                        break;
                    }
                    self.shift += delta;
                    self.next += 1;
                }
                self.shift
            }
        }
        let mut old = Sweep {
            spans: {
                let mut shift = 0isize;
                self.changes
                    .iter()
                    .map(|c| {
                        let start = (c.start as isize + shift) as usize;
                        let delta = c.content.len() as isize - (c.end - c.start) as isize;
                        shift += delta;
                        (start, start + c.content.len(), delta)
                    })
                    .collect()
            },
            next: 0,
            shift: 0,
        };
        let mut new = Sweep {
            spans: later
                .changes
                .iter()
                .map(|c| (c.start, c.end, c.content.len() as isize - (c.end - c.start) as isize))
                .collect(),
            next: 0,
            shift: 0,
        };
        let mut mapped = Vec::with_capacity(groups.len());
        for &(s, e, _) in &groups {
            let (s0, s2) = (s as isize - old.shift_at(s, false), s as isize + new.shift_at(s, false));
            let (e0, e2) = (e as isize - old.shift_at(e, true), e as isize + new.shift_at(e, true));
            mapped.push((s0 as usize, e0 as usize, s2 as usize, e2 as usize));
        }
        let mut out: Vec<Change> = mapped
            .into_iter()
            .map(|(start, end, from, to)| Change {
                start,
                end,
                content: after[from..to].to_string(),
            })
            .filter(|c| original[c.start..c.end] != c.content)
            .collect();
        out.sort_by_key(|c| (c.start, c.end));
        ChangeSet { changes: out }
    }

    /// The file's bytes with the changes made: bytes outside the changes are copied unchanged, and
    /// new text is encoded as the file is (UTF-8, or UTF-16 in its byte order).
    pub fn to_file_bytes(&self, source: &SourceFile, original: &[u8]) -> Vec<u8> {
        let offsets: Vec<usize> = self.changes.iter().flat_map(|c| [c.start, c.end]).collect();
        let file_offsets = source.file_offsets(&offsets);
        let mut out =
            Vec::with_capacity(original.len() + self.changes.iter().map(|c| c.content.len() * 2).sum::<usize>());
        let mut at = 0;
        for (i, c) in self.changes.iter().enumerate() {
            let (start, end) = (file_offsets[2 * i], file_offsets[2 * i + 1]);
            out.extend_from_slice(&original[at..start]);
            match source.encoding {
                Encoding::Utf8 | Encoding::Utf8Bom => out.extend_from_slice(c.content.as_bytes()),
                Encoding::Utf16LeBom | Encoding::Utf16Le => {
                    out.extend(c.content.encode_utf16().flat_map(u16::to_le_bytes))
                }
                Encoding::Utf16BeBom | Encoding::Utf16Be => {
                    out.extend(c.content.encode_utf16().flat_map(u16::to_be_bytes))
                }
            }
            at = end;
        }
        out.extend_from_slice(&original[at..]);
        out
    }

    /// A unified diff (`--- a/path`, `+++ b/path`, hunks with `context` lines) of the changes, for
    /// `patch -p1` and `git apply`. Lines keep their own line endings; a UTF-8 BOM stays on line 1.
    /// Built from the changes alone: only the lines they touch are read.
    pub fn unified_diff(&self, source: &SourceFile, path: &str, context: usize) -> String {
        let text = &source.text;
        let line_count = source.line_count();
        let line = |l: usize| &text[source.line_start(l)..source.line_start(l + 1)];
        // Blocks: changes touching the same lines, each as (first old line, old lines, new lines).
        let mut blocks: Vec<(usize, Vec<&str>, Vec<String>)> = Vec::new();
        let mut i = 0;
        while i < self.changes.len() {
            let first = source.line_index(self.changes[i].start);
            let mut last = first;
            let mut j = i;
            while j < self.changes.len() {
                let c = &self.changes[j];
                let (a, b) = (
                    source.line_index(c.start),
                    source.line_index(c.end.saturating_sub(1).max(c.start)),
                );
                // Changes on the same or the next line read best as one block.
                if a > last + 1 {
                    break;
                }
                last = last.max(b);
                j += 1;
            }
            let (block_start, block_end) = (source.line_start(first), source.line_start(last + 1));
            let mut new_text = String::new();
            let mut at = block_start;
            for c in &self.changes[i..j] {
                new_text.push_str(&text[at..c.start]);
                new_text.push_str(&c.content);
                at = c.end;
            }
            new_text.push_str(&text[at..block_end]);
            let mut old: Vec<&str> = text[block_start..block_end].split_inclusive('\n').collect();
            let mut new: Vec<String> = new_text.split_inclusive('\n').map(str::to_string).collect();
            // Lines the changes leave as they were are context, not a removal and an addition.
            let mut first = first;
            while !old.is_empty() && !new.is_empty() && old[0] == new[0] {
                old.remove(0);
                new.remove(0);
                first += 1;
            }
            while !old.is_empty()
                && !new.is_empty()
                && old.last().copied() == new.last().map(String::as_str)
                && new.last().is_some_and(|l| l.ends_with('\n'))
            {
                old.pop();
                new.pop();
            }
            if !(old.is_empty() && new.is_empty()) {
                blocks.push((first, old, new));
            }
            i = j;
        }
        if blocks.is_empty() {
            return String::new();
        }
        let bom = if source.encoding == Encoding::Utf8Bom {
            "\u{feff}"
        } else {
            ""
        };
        let mut out = format!("--- a/{path}\n+++ b/{path}\n");
        let emit = |out: &mut String, prefix: char, content: &str, first_line: bool| {
            out.push(prefix);
            if first_line {
                out.push_str(bom);
            }
            out.push_str(content);
            if !content.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        };
        let mut delta: isize = 0;
        let mut b = 0;
        while b < blocks.len() {
            // A hunk: blocks whose gaps are at most 2 * context lines.
            let mut e = b + 1;
            while e < blocks.len() && blocks[e].0 <= blocks[e - 1].0 + blocks[e - 1].1.len() + 2 * context {
                e += 1;
            }
            let hunk = &blocks[b..e];
            let start = hunk[0].0.saturating_sub(context);
            let end = {
                let last = &hunk[hunk.len() - 1];
                (last.0 + last.1.len() + context).min(line_count)
            };
            let mut body = String::new();
            let (mut old_count, mut new_count) = (0usize, 0usize);
            let mut at = start;
            let mut new_line_zero = hunk[0].0 == 0;
            for (first, old, new) in hunk {
                for l in at..*first {
                    emit(&mut body, ' ', line(l), l == 0);
                    old_count += 1;
                    new_count += 1;
                }
                for (k, l) in old.iter().enumerate() {
                    emit(&mut body, '-', l, *first + k == 0);
                }
                for l in new {
                    emit(&mut body, '+', l, std::mem::take(&mut new_line_zero));
                }
                old_count += old.len();
                new_count += new.len();
                at = first + old.len();
            }
            for l in at..end {
                if line(l).is_empty() {
                    break;
                }
                emit(&mut body, ' ', line(l), l == 0);
                old_count += 1;
                new_count += 1;
            }
            let range = |from: usize, count: usize| {
                if count == 0 {
                    format!("{from},0")
                } else {
                    format!("{},{count}", from + 1)
                }
            };
            let new_start = (start as isize + delta) as usize;
            out.push_str(&format!(
                "@@ -{} +{} @@\n",
                range(start, old_count),
                range(new_start, new_count)
            ));
            out.push_str(&body);
            delta += new_count as isize - old_count as isize;
            b = e;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metabase::Span;

    fn edit(start: usize, end: usize, content: &str) -> Edit {
        Edit {
            span: Span::new(start, end),
            content: content.into(),
        }
    }

    #[test]
    fn apply_and_refuse_overlaps() {
        let set = ChangeSet::from_edits(vec![edit(6, 11, "there"), edit(0, 5, "hi")]).unwrap();
        assert_eq!(set.apply("hello world!"), "hi there!");
        assert_eq!(
            ChangeSet::from_edits(vec![edit(0, 5, "a"), edit(3, 6, "b")]),
            Err(Overlap)
        );
        assert!(ChangeSet::from_edits(vec![edit(5, 5, "a"), edit(5, 7, "b")]).is_ok());
    }

    #[test]
    fn composing_a_first_pass_merges_touching_changes_and_drops_no_ops() {
        let original = "abcdef";
        let later =
            ChangeSet::from_edits(vec![edit(1, 2, "X"), edit(2, 3, "Y"), edit(4, 5, "e"), edit(6, 6, "!")]).unwrap();
        let composed = ChangeSet::default().compose(original, &later);
        assert_eq!(composed.apply(original), later.apply(original));
        assert_eq!(
            composed.changes(),
            [
                Change {
                    start: 1,
                    end: 3,
                    content: "XY".into()
                },
                Change {
                    start: 6,
                    end: 6,
                    content: "!".into()
                }
            ]
        );
        // The same as composing it onto a set that is not empty and then taking that back out:
        // one region per group of touching changes, whichever way it was composed.
        let none = ChangeSet::from_edits(vec![edit(0, 0, "")]).unwrap();
        assert_eq!(none.compose(original, &later), composed);
    }

    #[test]
    fn composing_passes_gives_changes_to_the_original() {
        let original = "aaa bbb ccc ddd";
        let first = ChangeSet::from_edits(vec![edit(4, 7, "BBBBB"), edit(12, 15, "")]).unwrap();
        let current = first.apply(original);
        assert_eq!(current, "aaa BBBBB ccc ");
        // A later pass edits inside the first change, next to it, and elsewhere.
        let later = ChangeSet::from_edits(vec![edit(0, 3, "A"), edit(5, 7, "x"), edit(10, 13, "C")]).unwrap();
        let composed = first.compose(original, &later);
        assert_eq!(composed.apply(original), later.apply(&current));
        // `A`, the merged `BBBBB`/`x` region, `C`, and the deletion of `ddd` (it does not touch `C`).
        assert_eq!(composed.changes().len(), 4);
        assert!(composed.changes().iter().all(|c| c.start <= c.end));
        // Composing nothing changes nothing; composing back to the original drops the change.
        assert_eq!(first.compose(original, &ChangeSet::default()), first);
        let undo = ChangeSet::from_edits(vec![edit(4, 9, "bbb")]).unwrap();
        assert_eq!(first.compose(original, &undo).changes().len(), 1);
    }

    #[test]
    fn bytes_outside_changes_are_untouched_in_utf16() {
        let text = "<a>\r\n\u{e9}x</a>\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let source = SourceFile::decode("t", bytes.clone()).unwrap();
        let x = text.find('x').unwrap();
        let set = ChangeSet::from_edits(vec![edit(x, x + 1, "yz")]).unwrap();
        let out = set.to_file_bytes(&source, &bytes);
        let mut expected = vec![0xFF, 0xFE];
        expected.extend(text.replace('x', "yz").encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(out, expected);
    }

    #[test]
    fn a_diff_keeps_crlf_and_the_bom() {
        let text = "one\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven\r\neight\r\nnine\r\nten";
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        let source = SourceFile::decode("t", bytes).unwrap();
        let set = ChangeSet::from_edits(vec![
            edit(0, 3, "ONE"),
            edit(text.find("ten").unwrap(), text.len(), "TEN"),
        ])
        .unwrap();
        let diff = set.unified_diff(&source, "m.xml", 3);
        assert_eq!(
            diff,
            "--- a/m.xml\n+++ b/m.xml\n@@ -1,4 +1,4 @@\n-\u{feff}one\r\n+\u{feff}ONE\r\n two\r\n three\r\n four\r\n@@ -7,4 +7,4 @@\n seven\r\n eight\r\n nine\r\n-ten\n\\ No newline at end of file\n+TEN\n\\ No newline at end of file\n"
        );
    }
}
