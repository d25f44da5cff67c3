//! Runs fixes to a verified fixed point, in memory; `write` puts the result in place and `script`
//! prints it as a VBScript for the live metabase. It sits beside [`crate::lint`] at the top: it lints each pass.
//!
//! Each pass lints the current text, takes the fixes the request allows (non-overlapping; the rest
//! wait for the next pass), and composes their edits into one change set to the original text.
//! It stops when a pass finds nothing to apply, and fails loudly if that takes more than
//! [`MAX_PASSES`]. Then it verifies: the result parses, the findings whose fixes were applied are
//! gone, and no finding appeared that the original did not have (findings compared by identity,
//! never by their words). Each pass's result is linted by the limited re-lint ([`relint`]), which
//! runs again only the rules the pass's edits can reach and lints in full whenever that is not
//! certain; linting every pass in full ([`Relint::Full`]) is kept as its oracle. Nothing is
//! written here.

pub mod relint;
pub mod script;
pub mod write;

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::{Applicability, Fix};
use crate::fix::changes::ChangeSet;
use crate::lint::{FileReport, Options, lint_bytes_with};
use relint::Linted;
use write::Content;

/// Passes before fixing is declared not to converge.
pub const MAX_PASSES: usize = 10;

/// Which fixes to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// Also apply unsafe fixes.
    pub unsafe_fixes: bool,
}

impl Request {
    pub fn allows(self, fix: &Fix) -> bool {
        match fix.applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// A fix that was applied, and the finding it fixed.
#[derive(Debug, Clone)]
pub struct Applied {
    pub code: &'static str,
    pub location: Option<String>,
    pub fix: Fix,
    /// The finding's identity, and how many findings had it when the fix was taken.
    identity: OwnedIdentity,
    count: usize,
}

/// An [`Identity`] kept across passes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnedIdentity {
    code: &'static str,
    location: String,
    attribute: String,
    value_line: Option<u32>,
}

impl OwnedIdentity {
    fn borrow(&self) -> Identity<'_> {
        Identity {
            code: self.code,
            location: &self.location,
            attribute: &self.attribute,
            value_line: self.value_line,
        }
    }
}

/// A finding's identity across passes: rule, key, property and the line of its value, the key
/// and property compared without regard to case (as IIS compares them). Never the message: a
/// finding that existed before a fix is not new because its words name another path (a DLL
/// missing from system32 and SysWOW64 alike, named by where each bitness looks). Borrowed from
/// the finding: counting 680,000 places makes no string.
#[derive(Debug, Clone, Copy)]
struct Identity<'a> {
    code: &'static str,
    location: &'a str,
    attribute: &'a str,
    value_line: Option<u32>,
}

fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

fn same_folded(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        folded(a).eq(folded(b))
    }
}

impl PartialEq for Identity<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.value_line == other.value_line
            && same_folded(self.location, other.location)
            && same_folded(self.attribute, other.attribute)
    }
}

impl Eq for Identity<'_> {}

impl std::hash::Hash for Identity<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.code.hash(h);
        self.value_line.hash(h);
        for s in [self.location, self.attribute] {
            // Equal under case folding hashes alike: the UTF-8 of the characters each folds to (the
            // Kelvin sign is a `k`), fed in blocks rather than a character at a time.
            let mut block = [0u8; 64];
            let mut len = 0;
            let mut flush = |block: &[u8; 64], len: &mut usize| {
                h.write(&block[..*len]);
                *len = 0;
            };
            if s.is_ascii() {
                for chunk in s.as_bytes().chunks(64) {
                    for (i, b) in chunk.iter().enumerate() {
                        block[i] = b.to_ascii_lowercase();
                    }
                    len = chunk.len();
                    flush(&block, &mut len);
                }
            } else {
                for c in folded(s) {
                    if len + 4 > block.len() {
                        flush(&block, &mut len);
                    }
                    len += c.encode_utf8(&mut block[len..]).len();
                }
                flush(&block, &mut len);
            }
            h.write_u8(0xFF);
        }
    }
}

impl<'a> Identity<'a> {
    fn of(d: &'a Diagnostic) -> Identity<'a> {
        Identity::at(d.code, d.location.as_deref(), d.attribute.as_deref(), d.value_line)
    }

    fn at(code: &'static str, location: Option<&'a str>, attribute: Option<&'a str>, value_line: Option<u32>) -> Self {
        Identity {
            code,
            location: location.unwrap_or_default(),
            attribute: attribute.unwrap_or_default(),
            value_line,
        }
    }

    fn to_owned(self) -> OwnedIdentity {
        OwnedIdentity {
            code: self.code,
            location: self.location.to_lowercase(),
            attribute: self.attribute.to_lowercase(),
            value_line: self.value_line,
        }
    }
}

/// Findings counted per place: a grouped finding counts once for each place it shows.
fn counts(report: &FileReport) -> HashMap<Identity<'_>, usize> {
    let mut map = HashMap::new();
    for d in &report.diagnostics {
        *map.entry(Identity::of(d)).or_insert(0) += 1;
        for o in &d.occurrences {
            let id = Identity::at(d.code, o.location(), o.attribute(), o.value_line);
            *map.entry(id).or_insert(0) += 1;
        }
    }
    map
}

/// The outcome of fixing one file in memory.
#[derive(Debug)]
pub struct Fixed {
    /// The file as read; `None` for a UTF-8 file whose bytes the first lint took over: it is the
    /// original's text (after its byte order mark), made again only when asked for
    /// ([`Fixed::original`]), so that `--diff` never holds a second copy of a 100 MB file.
    original: Option<Vec<u8>>,
    /// The lint of the original.
    pub before: FileReport,
    /// All changes, in the original text's coordinates.
    pub changes: ChangeSet,
    /// The lint of the result; `None` when nothing changed (then it is `before`).
    pub after: Option<FileReport>,
    pub applied: Vec<Applied>,
    pub passes: usize,
    /// For each pass, how its result was linted: `None` by the limited re-lint, else in full and
    /// why (see [`relint`]).
    pub relints: Vec<Option<&'static str>>,
}

/// Why fixing stopped without a result to write.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("fixes did not converge: after {0} passes there were still fixes to apply (this is a bug in mblint)")]
    NoConvergence(usize),
    #[error("verification failed, nothing written: {0}")]
    Verification(String),
}

/// How each pass's result is linted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Relint {
    /// Only the rules the pass's edits can reach run again ([`relint`]); anything uncertain is
    /// linted in full.
    #[default]
    Limited,
    /// Every pass's file is linted from its bytes, as `check` would lint it: the oracle the limited
    /// re-lint is held to (`tests/relint.rs`).
    Full,
}
/// The edits taken in one pass, by span: whether a fix's edits fit beside them is a lookup, not a
/// scan, so a pass with an edit on each of 50,000 sites stays linear.
#[derive(Default)]
struct TakenEdits {
    by_span: std::collections::BTreeMap<(u32, u32), Vec<String>>,
}

impl TakenEdits {
    /// Whether `[start, end)` overlaps a taken edit: two replacements overlap when they share a
    /// byte; an insertion overlaps a replacement strictly around it; edits that only touch do not.
    fn overlaps(&self, start: u32, end: u32) -> bool {
        fn overlap((a, b): (u32, u32), (s, t): (u32, u32)) -> bool {
            match (a == b, s == t) {
                (true, true) => false,
                (true, false) => s < a && a < t,
                (false, true) => a < s && s < b,
                (false, false) => a < t && s < b,
            }
        }
        // Only the last edit starting at or before `start`, and those starting inside, can overlap.
        let before = self.by_span.range(..=(start, u32::MAX)).next_back().map(|(k, _)| *k);
        let inside = self.by_span.range((start, 0)..(end.max(start), 0)).map(|(k, _)| *k);
        before.into_iter().chain(inside).any(|k| overlap(k, (start, end)))
    }

    /// Takes all of a fix's edits, or none. An edit identical to a taken one (nine script maps
    /// allowed by one restriction entry) is made once.
    fn try_take(&mut self, edits: &[crate::diagnostic::Edit]) -> bool {
        let new: Vec<&crate::diagnostic::Edit> = edits
            .iter()
            .filter(|e| {
                !self
                    .by_span
                    .get(&(e.span.start, e.span.end))
                    .is_some_and(|c| c.contains(&e.content))
            })
            .collect();
        if new.iter().any(|e| self.overlaps(e.span.start, e.span.end)) {
            return false;
        }
        // The fix's own edits must not overlap each other either.
        if ChangeSet::from_edits(new.iter().map(|e| (*e).clone()).collect()).is_err() {
            return false;
        }
        for e in new {
            self.by_span
                .entry((e.span.start, e.span.end))
                .or_default()
                .push(e.content.clone());
        }
        true
    }

    fn into_edits(self) -> Vec<crate::diagnostic::Edit> {
        self.by_span
            .into_iter()
            .flat_map(|((start, end), contents)| {
                contents.into_iter().map(move |content| crate::diagnostic::Edit {
                    span: crate::metabase::Span { start, end },
                    content,
                })
            })
            .collect()
    }
}

/// Fixes `bytes` (named `name`) in memory, under `options`.
pub fn fix_bytes(name: &str, bytes: Vec<u8>, options: &Options, request: Request) -> Result<Fixed, FixError> {
    fix_bytes_with(name, bytes, options, request, Relint::Limited)
}

/// As [`fix_bytes`], re-linting each pass's result as `relint` says.
pub fn fix_bytes_with(
    name: &str,
    bytes: Vec<u8>,
    options: &Options,
    request: Request,
    relint: Relint,
) -> Result<Fixed, FixError> {
    if relint == Relint::Limited
        && let Some(bom) = utf8_file(&bytes, crate::metabase::source::MAX_FILE_SIZE)
    {
        // The text of a UTF-8 file is the file after its BOM, byte for byte: the lint takes the
        // bytes over (no copy), and the file as read is made again from the text at the end, so
        // that it is not held twice while the file is linted and re-linted.
        let len = bytes.len();
        let first = relint::lint_owned(name, bytes, options);
        if first.text().len() + bom != len || first.encoding().bom_len() != bom || first.encoding().is_utf16() {
            return Err(FixError::Verification(format!(
                "{name} did not decode as the UTF-8 file it is (this is a bug in mblint)"
            )));
        }
        return fix_loop(name, None, first, options, request, relint, |_| {});
    }
    let first = match relint {
        Relint::Limited => relint::lint_keeping_model(name, &bytes, options),
        Relint::Full => Linted::from_report(lint_bytes_with(name, bytes.as_slice(), options)),
    };
    fix_loop(name, Some(bytes), first, options, request, relint, |_| {})
}

/// The length of its BOM, when `bytes` is a UTF-8 file mblint reads (not UTF-16 by its first bytes,
/// valid UTF-8, not larger than `limit`, a file's size): then its decoded text is the rest of it, unchanged.
fn utf8_file(bytes: &[u8], limit: usize) -> Option<usize> {
    let utf16 = [&[0xFF, 0xFE][..], &[0xFE, 0xFF], b"<\0?\0", b"\0<\0?"];
    if utf16.iter().any(|p| bytes.starts_with(p)) || bytes.len() > limit {
        return None;
    }
    let bom = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
    std::str::from_utf8(&bytes[bom..]).is_ok().then_some(bom)
}

/// As [`fix_bytes`], from a lint already made, with a hook that may alter each pass's changes (for
/// tests that force a fix to break the file).
pub fn fix_from(
    name: &str,
    original: Vec<u8>,
    before: FileReport,
    options: &Options,
    request: Request,
    tamper: impl FnMut(&mut ChangeSet),
) -> Result<Fixed, FixError> {
    fix_loop(
        name,
        Some(original),
        Linted::from_report(before),
        options,
        request,
        Relint::Limited,
        tamper,
    )
}

/// `original`: the file as read; `None` for a UTF-8 file whose bytes the first lint took over
/// (made again from its text when needed).
fn fix_loop(
    name: &str,
    original: Option<Vec<u8>>,
    mut before: Linted,
    options: &Options,
    request: Request,
    mode: Relint,
    mut tamper: impl FnMut(&mut ChangeSet),
) -> Result<Fixed, FixError> {
    // A file that does not decode or parse (MB001) has nothing to fix; otherwise the lint already
    // holds its exact decoded text, so it is not decoded a second time.
    if before.report.diagnostics.iter().any(|d| d.code == "MB001") {
        let before = before.into_report();
        return Ok(Fixed {
            after: None,
            original,
            before,
            changes: ChangeSet::default(),
            applied: Vec::new(),
            passes: 0,
            relints: Vec::new(),
        });
    }
    let mut changes = ChangeSet::default();
    let mut applied: Vec<Applied> = Vec::new();
    let mut current: Option<Linted> = None;
    let mut passes = 0;
    let mut relints = Vec::new();
    loop {
        let report = &current.as_ref().unwrap_or(&before).report;
        if passes > 0 && report.diagnostics.iter().any(|d| d.code == "MB001") {
            return Err(FixError::Verification(format!(
                "the fixed file would not parse: {}",
                report
                    .diagnostics
                    .iter()
                    .find(|d| d.code == "MB001")
                    .map_or("", |d| d.message.as_str())
            )));
        }
        // Take allowed fixes in file order, skipping any that overlaps one already taken.
        let mut candidates: Vec<(&Diagnostic, &Fix)> = report
            .diagnostics
            .iter()
            .filter_map(|d| {
                d.fix
                    .as_ref()
                    .filter(|f| request.allows(f) && !f.edits.is_empty())
                    .map(|f| (d, f))
            })
            .collect();
        candidates.sort_by_key(|(_, f)| f.extent());
        let mut taken: Vec<(&Diagnostic, &Fix)> = Vec::new();
        let mut edits = TakenEdits::default();
        for (d, f) in candidates {
            if edits.try_take(&f.edits) {
                taken.push((d, f));
            }
        }
        let edits = edits.into_edits();
        if taken.is_empty() {
            break;
        }
        if passes == MAX_PASSES {
            return Err(FixError::NoConvergence(passes));
        }
        passes += 1;
        {
            let now = counts(report);
            applied.extend(taken.iter().map(|(d, f)| {
                let identity = Identity::of(d);
                Applied {
                    code: d.code,
                    location: d.location.clone(),
                    fix: (*f).clone(),
                    count: now[&identity],
                    identity: identity.to_owned(),
                }
            }));
        }
        let mut pass = ChangeSet::from_edits(edits).expect("checked above");
        tamper(&mut pass);
        // What the pass touches is read off the model of the text it was made on, which then goes.
        let touched = current.as_mut().unwrap_or(&mut before).release(&pass);
        changes = changes.compose(&before.report.source.text, &pass);
        let encoding = before.report.source.encoding;
        let previous = current.as_ref().unwrap_or(&before);
        let next = match mode {
            // The new text as the file's bytes decode to it: a pass that starts at the file's
            // first characters (which tell its encoding) or would outgrow a file goes that way too.
            _ if mode == Relint::Full
                || pass.changes().first().is_some_and(|c| c.start < 4)
                || too_large(previous.text(), &pass, encoding) =>
            {
                let bytes = match &original {
                    Some(original) => changes.to_file_bytes(&before.report.source, original),
                    None => changes.to_file_bytes(&before.report.source, &file_of_text(&before.report)),
                };
                match mode {
                    Relint::Full => Linted::from_report(lint_bytes_with(name, bytes, options)),
                    Relint::Limited => relint::lint_keeping_model(name, &bytes, options),
                }
            }
            _ => relint::relint(previous, touched, &pass, encoding, options),
        };
        relints.push(next.full_because);
        current = Some(next);
    }
    let before = before.into_report();
    let Some(after) = current.map(Linted::into_report) else {
        return Ok(Fixed {
            original,
            before,
            changes,
            after: None,
            applied,
            passes,
            relints,
        });
    };
    // Verification.
    {
        let old = counts(&before);
        let new = counts(&after);
        // In file order, so that the finding named is the first, whatever the hashing.
        let places = after.diagnostics.iter().flat_map(|d| {
            std::iter::once(Identity::of(d)).chain(
                d.occurrences
                    .iter()
                    .map(|o| Identity::at(d.code, o.location(), o.attribute(), o.value_line)),
            )
        });
        for id in places {
            let n = new[&id];
            if n > old.get(&id).copied().unwrap_or(0) {
                return Err(FixError::Verification(format!(
                    "the fixes would introduce a new {} finding ({}): {}",
                    id.code,
                    if id.location.is_empty() {
                        "no location"
                    } else {
                        id.location
                    },
                    // The finding the place belongs to, a further place of a grouped one too.
                    after
                        .diagnostics
                        .iter()
                        .find(|d| {
                            Identity::of(d) == id
                                || d.occurrences
                                    .iter()
                                    .any(|o| Identity::at(d.code, o.location(), o.attribute(), o.value_line) == id)
                        })
                        .map_or("", |d| d.message.as_str())
                )));
            }
        }
        for a in &applied {
            if new.get(&a.identity.borrow()).copied().unwrap_or(0) >= a.count {
                return Err(FixError::Verification(format!(
                    "the {} finding at {} that a fix addressed is still there",
                    a.code,
                    a.location.as_deref().unwrap_or("?")
                )));
            }
        }
    }
    Ok(Fixed {
        original,
        before,
        changes,
        after: Some(after),
        applied,
        passes,
        relints,
    })
}

/// The fixed file's bytes ([`Fixed::new_file`]): made (a file re-encoded, or taken from its bytes),
/// or parts borrowed from the results.
pub struct NewFile<'a> {
    owned: Option<Vec<u8>>,
    parts: Content<'a>,
}

impl NewFile<'_> {
    /// The bytes, as parts to write one after another.
    pub fn content(&self) -> Content<'_> {
        match &self.owned {
            Some(bytes) => Content([bytes, &[]]),
            None => self.parts,
        }
    }
}

/// The UTF-8 byte order mark when the file read had one.
fn bom_of(report: &FileReport) -> &'static [u8] {
    if report.source.encoding.bom_len() == 3 {
        "\u{feff}".as_bytes()
    } else {
        &[]
    }
}

/// A UTF-8 file made again from its decoded text: the BOM, then the text.
fn file_of_text(report: &FileReport) -> Vec<u8> {
    [bom_of(report), report.source.text.as_bytes()].concat()
}

/// Whether the text `pass` makes of `text` might not fit in a file mblint reads (then it is made as
/// bytes and decoded, which says so).
fn too_large(text: &str, pass: &ChangeSet, encoding: crate::metabase::source::Encoding) -> bool {
    outgrows(text.len(), pass, encoding, crate::metabase::source::MAX_FILE_SIZE)
}

/// Whether the text `pass` makes of a text of `len` bytes might take more than `limit` bytes as a
/// file in `encoding`: every byte the pass writes counted as added (none as removed).
fn outgrows(len: usize, pass: &ChangeSet, encoding: crate::metabase::source::Encoding, limit: usize) -> bool {
    let grown: usize = pass.changes().iter().map(|c| c.content.len()).sum();
    // A UTF-8 byte is at most one UTF-16 unit.
    let per_byte = if encoding.is_utf16() { 2 } else { 1 };
    (len + grown) * per_byte + encoding.bom_len() > limit
}

impl Fixed {
    /// The file with the changes made (encoded as the original is), in one buffer: [`Fixed::new_file`].
    pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Owned(self.new_file().content().to_vec())
    }

    /// The file with the changes made (encoded as the original is): made when asked for, so that
    /// `--diff`, which shows the changes, never builds it. A UTF-8 file the lint took over is its
    /// byte order mark and the result's text, the text the last lint read: nothing is copied.
    /// Unchanged, it is the file as read.
    pub fn new_file(&self) -> NewFile<'_> {
        match &self.original {
            Some(original) => NewFile {
                owned: Some(self.changes.to_file_bytes(&self.before.source, original)),
                parts: Content([&[], &[]]),
            },
            None => {
                // Without changes there is no result's lint: the original's is the result.
                debug_assert!(self.after.is_some() || self.changes.is_empty());
                let after = self.after();
                debug_assert_eq!(
                    self.changes.apply_after("", &self.before.source.text),
                    *after.source.text,
                    "the result's text is the changes made to the original's"
                );
                NewFile {
                    owned: None,
                    parts: Content([bom_of(&self.before), after.source.text.as_bytes()]),
                }
            }
        }
    }

    /// The file as read, in one buffer (made again from the original's text when the lint took
    /// its bytes over).
    pub fn original(&self) -> std::borrow::Cow<'_, [u8]> {
        match &self.original {
            Some(bytes) => std::borrow::Cow::Borrowed(bytes),
            None => std::borrow::Cow::Owned(self.original_content().to_vec()),
        }
    }

    /// The file as read: the bytes, or the byte order mark and the text the lint took them over as.
    pub fn original_content(&self) -> Content<'_> {
        match &self.original {
            Some(bytes) => Content([bytes, &[]]),
            None => Content([bom_of(&self.before), self.before.source.text.as_bytes()]),
        }
    }

    /// The lint of the result (the original's when nothing changed).
    pub fn after(&self) -> &FileReport {
        self.after.as_ref().unwrap_or(&self.before)
    }

    /// `fixed 2 problem(s) with 1 fix(es) in 1 pass(es), 0 remain`: what `--fix` says on standard
    /// error and the script's header says, from one place so that they agree.
    pub fn summary(&self) -> String {
        let remaining = self.after().diagnostics.len();
        format!(
            "fixed {} problem(s) with {} fix(es) in {} pass(es), {remaining} remain",
            self.before.diagnostics.len().saturating_sub(remaining),
            self.applied.len(),
            self.passes,
        )
    }

    /// The lint of the result, owned.
    pub fn into_after(self) -> FileReport {
        self.after.unwrap_or(self.before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Edit;
    use crate::metabase::Span;

    fn e(start: usize, end: usize, content: &str) -> Edit {
        Edit {
            span: Span::new(start, end),
            content: content.into(),
        }
    }

    /// A fixture with fixes as a UTF-8 file, as it is and with one more byte order mark in front.
    fn utf8_forms() -> [Vec<u8>; 2] {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/metabases/framework64-32bit-mode.xml"
        );
        let plain = std::fs::read(path).unwrap();
        let marked = [&[0xEF, 0xBB, 0xBF][..], &plain].concat();
        [plain, marked]
    }

    /// A UTF-8 file the lint took over (with its byte order mark or without) is made again as read,
    /// and the fixed file is the one the original's bytes and the changes make; a fix with nothing to
    /// change gives the original back.
    #[test]
    fn a_utf8_file_taken_over_is_made_again_as_read_and_fixed_as_its_bytes_say() {
        let request = Request { unsafe_fixes: true };
        for bytes in utf8_forms() {
            let fixed = fix_bytes("m.xml", bytes.clone(), &Options::default(), request).unwrap();
            assert!(fixed.original.is_none(), "the lint took the bytes over");
            assert!(!fixed.changes.is_empty(), "the file has fixes");
            assert_eq!(&*fixed.original(), &bytes[..]);
            assert_eq!(
                &*fixed.bytes(),
                &fixed.changes.to_file_bytes(&fixed.before.source, &bytes)[..]
            );
            // Written as the mark and the result's text, without a copy of either file.
            let new = fixed.new_file();
            let [mark, text] = new.content().0;
            assert_eq!(mark, &bytes[..bytes.len() - fixed.before.source.text.len()]);
            assert_eq!(
                text.as_ptr(),
                fixed.after().source.text.as_ptr(),
                "the result's text itself"
            );
            assert_eq!(new.content().to_vec(), &*fixed.bytes());
            let [mark, text] = fixed.original_content().0;
            assert_eq!(
                text.as_ptr(),
                fixed.before.source.text.as_ptr(),
                "the original's text itself"
            );
            assert_eq!([mark, text].concat(), bytes);
            // Taken from its bytes, the file is made by the changes: the same bytes.
            let expected = fixed.bytes().into_owned();
            let read = Fixed {
                original: Some(bytes.clone()),
                ..fixed
            };
            assert_eq!(read.new_file().content().to_vec(), expected);
            assert_eq!(read.original_content().to_vec(), bytes);
            // Nothing changed: no lint of a result, the file as read.
            let unchanged = Fixed {
                changes: ChangeSet::default(),
                original: None,
                after: None,
                ..read
            };
            assert_eq!(&*unchanged.bytes(), &bytes[..]);
        }
    }

    /// A pass that starts at the file's first characters is linted from the file's bytes: for a
    /// UTF-8 file the lint took over, the file as read is made again from its text (mark
    /// included) and the pass's changes made to it; the result is the file the changes make.
    #[test]
    fn a_pass_at_the_first_characters_of_a_file_taken_over_is_made_from_it_again() {
        let request = Request { unsafe_fixes: true };
        for bytes in utf8_forms() {
            // The first pass also writes the XML declaration's first character again (the same
            // text: the fixes are unchanged, the pass goes through the file's bytes).
            let linted = relint::lint_owned("m.xml", bytes.clone(), &Options::default());
            let c = linted.text().chars().next().unwrap();
            let mut first = true;
            let at_start = |pass: &mut ChangeSet| {
                if std::mem::take(&mut first) {
                    let mut edits: Vec<Edit> = pass.changes().iter().map(|c| e(c.start, c.end, &c.content)).collect();
                    edits.insert(0, e(0, c.len_utf8(), &c.to_string()));
                    *pass = ChangeSet::from_edits(edits).unwrap();
                }
            };
            let fixed = fix_loop(
                "m.xml",
                None,
                linted,
                &Options::default(),
                request,
                Relint::Limited,
                at_start,
            )
            .unwrap();
            assert!(!first, "the pass was made");
            assert!(
                fixed.relints[0].is_some(),
                "the first pass was linted from the bytes: {:?}",
                fixed.relints
            );
            let expected = fixed.changes.to_file_bytes(&fixed.before.source, &bytes);
            assert_eq!(&*fixed.bytes(), &expected[..]);
            assert!(fixed.after().diagnostics.iter().all(|d| d.code != "MB001"));
        }
    }

    #[test]
    fn counts_hold_every_place_of_every_finding() {
        // A 32-bit pool with the 64-bit Framework's script maps: one finding with ten places.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/metabases/framework64-32bit-mode.xml"
        );
        let report = lint_bytes_with("m.xml", std::fs::read(path).unwrap(), &Options::default());
        let places: usize = report.diagnostics.iter().map(|d| 1 + d.occurrences.len()).sum();
        assert!(
            report.diagnostics.iter().any(|d| d.occurrences.len() >= 2),
            "a grouped finding"
        );
        let counted = counts(&report);
        assert_eq!(counted.values().sum::<usize>(), places);
        for d in &report.diagnostics {
            assert!(counted[&Identity::of(d)] >= 1, "{}", d.code);
        }
    }

    #[test]
    fn a_pass_outgrows_a_file_by_what_it_writes_in_the_files_encoding() {
        use crate::metabase::source::Encoding;
        // Ten bytes of text; the pass writes five (replacing three: counted as added all the same).
        let pass = ChangeSet::from_edits(vec![e(2, 5, "abc"), e(7, 7, "de")]).unwrap();
        for (encoding, size) in [
            (Encoding::Utf8, 15),
            (Encoding::Utf8Bom, 18),
            (Encoding::Utf16Le, 30),
            (Encoding::Utf16LeBom, 32),
            (Encoding::Utf16Be, 30),
        ] {
            assert!(
                outgrows(10, &pass, encoding, size - 1),
                "{encoding:?} over {}",
                size - 1
            );
            assert!(!outgrows(10, &pass, encoding, size), "{encoding:?} fits {size}");
        }
        assert!(!too_large("0123456789", &pass, Encoding::Utf16LeBom));
    }

    #[test]
    fn only_a_valid_utf8_file_is_taken_as_its_text() {
        let utf8_file_read = |bytes: &[u8]| utf8_file(bytes, crate::metabase::source::MAX_FILE_SIZE);
        assert_eq!(utf8_file_read(b"<?xml?>"), Some(0));
        assert_eq!(utf8_file_read(b"\xEF\xBB\xBF<?xml?>"), Some(3));
        assert_eq!(utf8_file_read(b""), Some(0));
        assert_eq!(utf8_file_read(b"<a>\xFF</a>"), None, "not UTF-8");
        assert_eq!(utf8_file_read(b"\xEF\xBB\xBF\xC3"), None, "cut inside a character");
        // UTF-16 by its first bytes, though some of them are valid UTF-8 too.
        for utf16 in [
            &b"\xFF\xFE<\0"[..],
            b"\xFE\xFF\0<",
            b"<\0?\0x\0m\0l\0",
            b"\0<\0?\0x\0m\0l",
        ] {
            assert_eq!(utf8_file_read(utf16), None, "{utf16:?}");
        }
        // Not larger than a file mblint reads (`limit`), its BOM counted.
        assert_eq!(utf8_file(b"<?xml?>", 7), Some(0), "as long as the limit");
        assert_eq!(utf8_file(b"<?xml?>", 6), None, "longer than the limit");
        assert_eq!(
            utf8_file(b"\xEF\xBB\xBF<?xml?>", 10),
            Some(3),
            "as long as the limit with its BOM"
        );
        assert_eq!(
            utf8_file(b"\xEF\xBB\xBF<?xml?>", 9),
            None,
            "longer than the limit with its BOM"
        );
    }

    #[test]
    fn taken_edits_refuse_overlaps_and_merge_duplicates() {
        let mut t = TakenEdits::default();
        assert!(t.try_take(&[e(10, 20, "a")]));
        assert!(!t.try_take(&[e(15, 25, "b")]), "shares bytes");
        assert!(!t.try_take(&[e(5, 11, "b")]), "shares a byte");
        assert!(!t.try_take(&[e(12, 12, "b")]), "an insertion inside a replacement");
        assert!(t.try_take(&[e(20, 30, "c")]), "touching is fine");
        assert!(t.try_take(&[e(10, 10, "d")]), "an insertion at the boundary");
        assert!(t.try_take(&[e(10, 20, "a")]), "the same edit again is taken once");
        assert!(!t.try_take(&[e(40, 50, "x"), e(12, 13, "y")]), "all of a fix or none");
        assert!(
            t.try_take(&[e(40, 50, "x")]),
            "the first edit was not taken by the refused fix"
        );
        assert!(
            !t.try_take(&[e(60, 70, "p"), e(65, 66, "q")]),
            "a fix's own edits must not overlap"
        );
        let spans: Vec<(u32, u32)> = t.into_edits().iter().map(|e| (e.span.start, e.span.end)).collect();
        assert_eq!(spans, [(10, 10), (10, 20), (20, 30), (40, 50)]);
    }

    fn hash_of(id: &Identity<'_>) -> u64 {
        use std::hash::BuildHasher;
        // One RandomState for every call: its keys are drawn once per process.
        static STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> = std::sync::OnceLock::new();
        STATE.get_or_init(Default::default).hash_one(id)
    }

    /// A finding's identity folds the case of every letter, not only ASCII's, and hashes alike what
    /// it holds equal (the fix loop counts places in a HashMap by identity).
    #[test]
    fn identities_fold_case_beyond_ascii_and_hash_alike() {
        fn id<'a>(location: &'a str, attribute: &'a str) -> Identity<'a> {
            Identity::at("MB101", Some(location), Some(attribute), Some(3))
        }
        let cafe = id("/LM/W3SVC/1/ROOT/Caf\u{e9}", "ScriptMaps");
        let same = [
            id("/lm/w3svc/1/root/CAF\u{c9}", "scriptmaps"),
            id("/LM/W3SVC/1/ROOT/Caf\u{e9}", "SCRIPTMAPS"),
        ];
        for other in &same {
            assert_eq!(cafe, *other);
            assert_eq!(hash_of(&cafe), hash_of(other));
        }
        // The Kelvin sign folds to `k`: a non-ASCII name equal to an ASCII one.
        let kelvin = id("/LM/W3SVC/1/ROOT/\u{212a}", "ScriptMaps");
        let k = id("/LM/W3SVC/1/ROOT/k", "ScriptMaps");
        assert_eq!(kelvin, k);
        assert_eq!(hash_of(&kelvin), hash_of(&k));
        // Longer than the hash's 64-byte block, after a start of odd length (19 bytes, then 2-byte
        // letters): folded and fed in blocks, none left to overflow.
        let long = |c: &str| format!("/LM/W3SVC/1/ROOT/ab{}", c.repeat(40));
        let (upper, lower) = (long("\u{c9}"), long("\u{e9}"));
        let (a, b) = (id(&upper, "ScriptMaps"), id(&lower, "ScriptMaps"));
        assert_eq!(a, b);
        assert_eq!(hash_of(&a), hash_of(&b));
        // Different names are different identities, and (but for a chance in 2^64) hash apart.
        let others = [
            id("/LM/W3SVC/1/ROOT/Cafe", "ScriptMaps"),
            id("/LM/W3SVC/1/ROOT/Caf\u{e8}", "ScriptMaps"),
            id("/LM/W3SVC/1/ROOT/Caf\u{e9}", "ScriptMap\u{e9}"),
        ];
        for other in &others {
            assert_ne!(cafe, *other);
            assert_ne!(hash_of(&cafe), hash_of(other));
        }
        let longer = long("\u{e8}");
        assert_ne!(hash_of(&a), hash_of(&id(&longer, "ScriptMaps")));
        // Kept across passes, lower-cased, still the same identity.
        assert_eq!(cafe.to_owned().borrow(), same[0]);
    }

    /// An insertion overlaps a replacement only strictly inside it, either way round.
    #[test]
    fn taken_edits_overlap_an_insertion_only_strictly_inside() {
        let mut t = TakenEdits::default();
        assert!(t.try_take(&[e(15, 15, "i")]));
        assert!(t.overlaps(10, 20), "a replacement around a taken insertion");
        assert!(!t.overlaps(15, 20), "a replacement that starts at a taken insertion");
        assert!(t.try_take(&[e(30, 40, "r")]));
        assert!(t.overlaps(35, 35), "an insertion inside a taken replacement");
        assert!(!t.overlaps(30, 30), "an insertion where a taken replacement starts");
        assert!(!t.overlaps(40, 40), "an insertion where a taken replacement ends");
    }

    /// Only a place counted more often after the fixes than before is new: a finding the original
    /// has twice and the result once (a fix took the other) passes the verification.
    #[test]
    fn a_finding_left_fewer_times_than_before_is_not_new() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/metabases/framework64-32bit-mode.xml"
        );
        let bytes = std::fs::read(path).unwrap();
        let options = Options::default();
        let request = Request { unsafe_fixes: true };
        let fix = |before: FileReport| fix_from("m.xml", bytes.clone(), before, &options, request, |_| {});
        // A finding the fixes leave in place.
        let plain = fix(lint_bytes_with("m.xml", bytes.as_slice(), &options)).unwrap();
        assert!(!plain.applied.is_empty(), "a fix was applied");
        let left = Identity::of(&plain.after().diagnostics[0]).to_owned();
        // The same lint with that finding twice (its copy without a fix): once is fewer, not new.
        let mut before = lint_bytes_with("m.xml", bytes.as_slice(), &options);
        let mut twice = before
            .diagnostics
            .iter()
            .find(|d| Identity::of(d) == left.borrow())
            .expect("the finding left was there before")
            .clone();
        twice.fix = None;
        before.diagnostics.push(twice);
        let fixed = fix(before).unwrap();
        assert_eq!(fixed.applied.len(), plain.applied.len());
        let after = fixed.after();
        assert_eq!(
            after
                .diagnostics
                .iter()
                .filter(|d| Identity::of(d) == left.borrow())
                .count(),
            1,
            "left once"
        );
    }
}
