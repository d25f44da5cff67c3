//! `mblint history`: the change that broke a server. IIS keeps every saved version of the metabase
//! in `<windir>\system32\inetsrv\History` as `MetaBase_<major>_<minor>.xml` (with its
//! `MBSchema_<major>_<minor>.xml`); this module finds them, lints each in version order and the
//! current MetaBase.xml last, and tells for each finding of the current file the version it
//! appeared in and the keys that version changed ([`diff`]), and which findings came and went.
//!
//! A finding is recognised across versions by the identity `--baseline` uses (rule, Location,
//! property, cause; never its line). The versions are read one after another, oldest first, and
//! only the one before is held: each is compared with it key by key ([`diff`]) and linted from it
//! by the fix loop's limited re-lint ([`crate::fixer::relint`]) of the changes between the two texts
//! ([`lint_after`]): the rules whose declared reads ([`crate::rules::reads`]) the changed values
//! cannot reach keep their findings, the others run again, and anything the re-lint cannot show
//! (a key or property added or removed, an edit outside a value, the model deciding otherwise)
//! falls back to the full lint. IIS's bookkeeping on IIS_Global (ChangeNumber,
//! HistoryMajorVersionNumber, ...) is declared read by no rule, so the save itself forces nothing.
//! The lints share what they read of the drive ([`crate::lint::DriveCache`]): the SYSTEM hive,
//! the schema and the images are read once per run. `tests/history_relint.rs` holds every version
//! to its full lint.

pub mod diff;
pub mod layout;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::baseline::place_identity;
use crate::diagnostic::Diagnostic;
use crate::fixer::relint::{Linted, changes_between, lint_parse_failure, lint_parsed, relint_parsed_owned};
use crate::lint::{DriveCache, FileReport, InputError, InputFailure, Options};
use crate::metabase::parse::parse_after;
use crate::metabase::{Metabase, SourceFile, parse};
use diff::{KeyDiff, KeyTable};
pub use layout::{Current, HistoryFile, Layout, LayoutError, Listing, Misnamed, layout, list, version_of};
use layout::{Refusal, read_regular_into};

/// The version of the `history` part of the JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// A finding as it is recognised across versions: the baseline's identity without the file
/// (Location and property compared without regard to case, as IIS compares them), shown with the
/// Location and property as the first version that has it writes them.
///
/// Held once per identity met in the run (tens of thousands on a large server): its strings are
/// one allocation.
#[derive(Debug, Clone)]
pub struct FindingKey {
    pub code: &'static str,
    /// The Location, property and cause as written, then the Location and property in lower case
    /// as `str::to_lowercase` makes them (what the identity compares).
    text: Box<str>,
    /// Where the first four of those end in `text`.
    ends: [u32; 4],
}

impl FindingKey {
    /// The key of one place of a finding in a version whose decoded text is `text`.
    pub fn of(text: &str, d: &Diagnostic, place: &crate::diagnostic::Occurrence) -> FindingKey {
        let (location, attribute) = (
            place.location().unwrap_or_default(),
            place.attribute().unwrap_or_default(),
        );
        let cause = text
            .get(place.span.start as usize..place.span.end as usize)
            .unwrap_or_default()
            .trim();
        let mut all = String::with_capacity(2 * (location.len() + attribute.len()) + cause.len());
        let mut ends = [0u32; 4];
        all.push_str(location);
        ends[0] = all.len() as u32;
        all.push_str(attribute);
        ends[1] = all.len() as u32;
        all.push_str(cause);
        ends[2] = all.len() as u32;
        push_lower(&mut all, location);
        ends[3] = all.len() as u32;
        push_lower(&mut all, attribute);
        let key = FindingKey {
            code: d.code,
            text: all.into_boxed_str(),
            ends,
        };
        debug_assert!(
            {
                let id = place_identity("", text, d, place);
                key.is(&id.code, &id.location, &id.attribute, &id.cause)
            },
            "the key is the baseline's identity"
        );
        key
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.text.len(), |&e| e as usize);
        &self.text[start..end]
    }

    /// The Location as written.
    pub fn location(&self) -> &str {
        self.part(0)
    }

    /// The property as written.
    pub fn attribute(&self) -> &str {
        self.part(1)
    }

    /// The text the finding is about, trimmed.
    pub fn cause(&self) -> &str {
        self.part(2)
    }

    /// What the identity is: code, Location and property in lower case, cause.
    fn order(&self) -> (&str, &str, &str, &str) {
        (self.code, self.part(3), self.part(4), self.cause())
    }

    /// Whether this is the identity of code, lower-case Location and property, and cause.
    fn is(&self, code: &str, location: &str, attribute: &str, cause: &str) -> bool {
        self.order() == (code, location, attribute, cause)
    }
}

impl Serialize for FindingKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("FindingKey", 4)?;
        s.serialize_field("code", self.code)?;
        s.serialize_field("location", self.location())?;
        s.serialize_field("attribute", self.attribute())?;
        s.serialize_field("cause", self.cause())?;
        s.end()
    }
}

impl PartialEq for FindingKey {
    fn eq(&self, other: &Self) -> bool {
        self.order() == other.order()
    }
}

impl Eq for FindingKey {}

impl std::hash::Hash for FindingKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.order().hash(state);
    }
}

impl PartialOrd for FindingKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FindingKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order().cmp(&other.order())
    }
}

/// Every finding identity met in the run, each held once: a version holds the numbers of its
/// places' identities (a cause named on every site has as many places in every version). A place
/// whose identity was met before is looked up without building its key (no allocation): by a hash
/// of what the identity is made of, then compared field by field with the keys of that hash.
#[derive(Default)]
struct Identities {
    /// Per hash of an identity, the numbers of the identities with that hash.
    numbers: foldhash::HashMap<u64, Vec<u32>>,
    keys: Vec<Arc<FindingKey>>,
    /// Seeded for this run: whoever writes the file cannot aim at the hash.
    state: foldhash::quality::RandomState,
    /// The place's Location then property, in lower case as the identity holds them (one buffer
    /// for every place).
    lower: String,
    /// Where `lower` splits, and the addresses and lengths of the Location and property it was
    /// made of: the places of a finding share their key's strings, so most places find `lower`
    /// made already. Cleared at each version's start (addresses are compared only while that
    /// version's findings are held).
    lowered: Option<(usize, [(usize, usize); 2])>,
}

/// A place of a finding as its identity reads it, borrowed: its span, Location and property.
type Place<'d> = (crate::metabase::Span, Option<&'d str>, Option<&'d str>);

/// The places of `d`, the primary first ([`Diagnostic::places`] without copying them).
fn places_of(d: &Diagnostic) -> impl Iterator<Item = Place<'_>> {
    std::iter::once((d.span, d.location.as_deref(), d.attribute.as_deref()))
        .chain(d.occurrences.iter().map(|o| (o.span, o.location(), o.attribute())))
}

/// Appends `s` in lower case as `str::to_lowercase` makes it, without allocating when it is ASCII.
fn push_lower(to: &mut String, s: &str) {
    if s.is_ascii() {
        let start = to.len();
        to.push_str(s);
        to[start..].make_ascii_lowercase();
    } else {
        to.push_str(&s.to_lowercase());
    }
}

/// A version's place identities by number, and where each finding's places begin among them.
struct Numbered {
    numbers: Vec<u32>,
    /// Per finding, the index in `numbers` of its first place; one more at the end.
    starts: Vec<u32>,
}

impl Identities {
    /// The identities of the places of `diagnostics`, by number.
    fn of(&mut self, text: &str, diagnostics: &[Diagnostic]) -> Vec<u32> {
        self.numbered(text, diagnostics, &[], None).numbers
    }

    /// As [`of`](Self::of), where `carried[i]` names the finding of the version before that
    /// finding `i` was carried over from (`before`: that version's numbers, and where each of its
    /// findings' places begin among them): a carried
    /// finding's places are the same identities (its spans were mapped past the changes, which
    /// none of them touches, so each cause reads the same text), taken from `before` without
    /// reading them again.
    fn numbered(
        &mut self,
        text: &str,
        diagnostics: &[Diagnostic],
        carried: &[Option<u32>],
        before: Option<(&[u32], &[u32])>,
    ) -> Numbered {
        let mut numbers = Vec::new();
        let mut starts = Vec::with_capacity(diagnostics.len() + 1);
        self.lowered = None;
        for (i, d) in diagnostics.iter().enumerate() {
            starts.push(numbers.len() as u32);
            let from = carried.get(i).copied().flatten().zip(before);
            match from {
                Some((j, (numbers_before, starts_before))) => {
                    let (a, z) = (
                        starts_before[j as usize] as usize,
                        starts_before[j as usize + 1] as usize,
                    );
                    debug_assert_eq!(z - a, d.occurrences.len() + 1, "a carried finding keeps its places");
                    numbers.extend_from_slice(&numbers_before[a..z]);
                    // The tests (debug builds) read every carried place again and hold it to this.
                    #[cfg(debug_assertions)]
                    for (k, p) in places_of(d).enumerate() {
                        let again = self.number(text, d, p);
                        debug_assert_eq!(again, numbers_before[a + k], "a carried place is the same identity");
                    }
                }
                None => {
                    for p in places_of(d) {
                        numbers.push(self.number(text, d, p));
                    }
                }
            }
        }
        starts.push(numbers.len() as u32);
        Numbered { numbers, starts }
    }

    /// The number of one place's identity ([`FindingKey::of`]), given one if it is new.
    fn number(&mut self, text: &str, d: &Diagnostic, (span, written_location, written_attribute): Place<'_>) -> u32 {
        let cause = text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
            .trim();
        let (l, a) = (
            written_location.unwrap_or_default(),
            written_attribute.unwrap_or_default(),
        );
        let made_of = [(l.as_ptr() as usize, l.len()), (a.as_ptr() as usize, a.len())];
        let split = match self.lowered {
            Some((split, of)) if of == made_of => split,
            _ => {
                self.lower.clear();
                push_lower(&mut self.lower, l);
                let split = self.lower.len();
                push_lower(&mut self.lower, a);
                self.lowered = Some((split, made_of));
                split
            }
        };
        let (location, attribute) = self.lower.split_at(split);
        debug_assert_eq!((location, attribute), (&*l.to_lowercase(), &*a.to_lowercase()));
        let h = std::hash::BuildHasher::hash_one(&self.state, (d.code, location, attribute, cause));
        let same = |k: &FindingKey| k.is(d.code, location, attribute, cause);
        let candidates = self.numbers.entry(h).or_default();
        if let Some(&n) = candidates.iter().find(|&&n| same(&self.keys[n as usize])) {
            return n;
        }
        let place = crate::diagnostic::Occurrence::new(
            span,
            written_location.map(Arc::from),
            written_attribute.map(Arc::from),
            None,
        );
        let key = FindingKey::of(text, d, &place);
        debug_assert!(same(&key), "the lookup reads the identity as place_identity makes it");
        let n = self.keys.len() as u32;
        self.keys.push(Arc::new(key));
        candidates.push(n);
        n
    }
}

/// One version: a history file, or the current MetaBase.xml (last).
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    /// The file name (`MetaBase_0000000062_0000000000.xml`, or the current file's).
    pub name: String,
    /// The path as shown.
    pub path: String,
    /// `null` for the current file.
    pub major: Option<u64>,
    pub minor: Option<u64>,
    pub current: bool,
    /// Why the file was not used (it could not be read, or it is not decodable, truncated or
    /// malformed); `null` when it was read.
    pub error: Option<String>,
    /// It could not be read at all (not a regular file, a link, too large, permission denied): an
    /// input that failed, which makes the exit code 2. A file that was read but is not a whole
    /// metabase is only skipped.
    pub failed: bool,
    /// The index in `versions` of the readable version this one is compared with.
    pub previous: Option<usize>,
    /// The same text as `previous` but for ChangeNumber and HistoryMajorVersionNumber: not linted
    /// again.
    pub unchanged: bool,
    /// Findings in this version, one per cause as `check` counts them (`null` when skipped).
    pub findings: Option<usize>,
    /// The places of those findings (a cause named on many sites has many).
    pub places: Option<usize>,
    /// Findings (by identity) that appeared in this version.
    pub introduced: Vec<FindingKey>,
    /// Findings that were in `previous` and are not in this version.
    pub removed: Vec<FindingKey>,
    /// The keys that differ from `previous` (`null` for the oldest readable version and skipped ones).
    pub changes: Option<KeyDiff>,
}

/// One place of a current finding and the version it appeared in.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceHistory {
    /// Shared with the run's table of identities where the current file writes it as that does.
    pub finding: Arc<FindingKey>,
    /// Index in `versions`; `null`: in every version since the oldest one read.
    pub introduced_in: Option<usize>,
}

/// A finding of the current file and the change that introduced it.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentFinding {
    /// Index into the current file's findings (`check.diagnostics` in JSON).
    pub diagnostic: usize,
    pub code: &'static str,
    pub message: String,
    /// The earliest version any of its places appeared in (and stayed since); `null`: it is in
    /// every version since the oldest one read, so the history does not hold the change.
    pub introduced_in: Option<usize>,
    pub places: Vec<PlaceHistory>,
}

/// A finding that appeared and went again.
#[derive(Debug, Clone, Serialize)]
pub struct Episode {
    pub finding: FindingKey,
    /// Index in `versions`; `null`: already in the oldest version read.
    pub appeared_in: Option<usize>,
    /// The first version without it.
    pub gone_in: usize,
}

/// What `mblint history` found: every version in order with the findings it introduced and removed,
/// each current finding with its introducing version, and the findings that came and went.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub schema_version: u32,
    /// The History folder as shown.
    pub folder: String,
    /// Oldest first; the current file last.
    pub versions: Vec<Version>,
    /// Index in `versions` of the current file.
    pub current: usize,
    /// The current file is the newest readable history file (there is no MetaBase.xml).
    pub current_from_history: bool,
    pub findings: Vec<CurrentFinding>,
    pub gone: Vec<Episode>,
    /// Files of the History folder named like a version that are not one: skipped, never read.
    pub misnamed: Vec<Misnamed>,
    /// What the reader must know to trust the report: that a history file stands in for a missing
    /// current file, or that the current file is not where IIS keeps it, or older than the history.
    pub warnings: Vec<Warning>,
    /// The ISAPI DLLs of the current file that were found on the drive but could not be read or
    /// examined: inputs not checked, like a failed version.
    #[serde(skip)]
    pub unread: Vec<InputFailure>,
}

/// A warning about one file of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The file it is about, as shown.
    pub path: String,
    pub message: String,
}

impl History {
    /// The history files that were read but are not a whole metabase, with why: skipped.
    pub fn skipped(&self) -> impl Iterator<Item = &Version> {
        self.versions.iter().filter(|v| v.error.is_some() && !v.failed)
    }

    /// The history files that could not be read, with why: failed inputs (exit 2).
    pub fn failed(&self) -> impl Iterator<Item = &Version> {
        self.versions.iter().filter(|v| v.failed)
    }

    /// The failed history files, and the current file's DLLs that could not be read, as inputs
    /// that could not be checked, for every report.
    pub fn failures(&self) -> Vec<InputFailure> {
        self.failed()
            .map(|v| InputFailure {
                path: v.path.clone(),
                error: format!("history file not read: {}", v.error.as_deref().unwrap_or_default()),
            })
            .chain(self.unread.iter().cloned())
            .collect()
    }

    /// Every file not used but not failed (skipped or misnamed), and every warning, each with its
    /// file and a sentence that reads alone: what SARIF and GitHub show as warnings.
    pub fn notes(&self) -> Vec<InputFailure> {
        self.skipped()
            .map(|v| (&v.path, v.error.as_deref().unwrap_or_default()))
            .chain(self.misnamed.iter().map(|m| (&m.path, m.reason.as_str())))
            .map(|(path, why)| InputFailure {
                path: path.clone(),
                error: format!("history file {path} skipped: {why}"),
            })
            .chain(self.warnings.iter().map(|w| InputFailure {
                path: w.path.clone(),
                error: w.message.clone(),
            }))
            .collect()
    }
}

/// The outcome: the history and the current file's report (as `check` would give it).
pub struct HistoryRun {
    pub history: History,
    pub current: FileReport,
}

/// Why a version was not used: it could not be read (a failed input), or it was read and is not a
/// whole metabase (skipped; the timeline goes on without it).
#[derive(Debug)]
enum NotLoaded {
    Unread(String),
    Malformed(String),
}

/// Parses a version's text: after the version before it when that is held ([`parse_after`]: only
/// the keys that differ are read again), else in one pass.
fn parse_version(
    previous: Option<&Metabase>,
    source: SourceFile,
) -> Result<Metabase, Box<crate::metabase::ParseFailure>> {
    match previous {
        Some(previous) => parse_after(previous, source),
        None => parse(source),
    }
}

/// Reads, decodes and parses a history file. A history file is in the drive copy or the History
/// folder: opened without following a link, and refused by its size before it is read.
fn load(path: &Path, name: &str, previous: Option<&Metabase>, buffer: Vec<u8>) -> Result<Metabase, NotLoaded> {
    let bytes = read_regular_into(path, false, buffer).map_err(|r| NotLoaded::Unread(r.reason()))?;
    let source =
        SourceFile::decode(name, bytes).map_err(|e| NotLoaded::Malformed(format!("not decodable: {}", e.message)))?;
    parse_version(previous, source).map_err(|failure| {
        let (line, col) = failure.source.line_col(failure.error.span.start as usize);
        NotLoaded::Malformed(format!(
            "truncated or malformed at line {line}, column {col}: {}",
            failure.error.message
        ))
    })
}

/// `HistoryMajorVersionNumber` on `IIS_Global` (Location `.`), when it holds a number.
fn history_major(mb: &Metabase) -> Option<u64> {
    let global = mb.find(".")?;
    let attr = mb
        .key(global)
        .attrs
        .clone()
        .find(|&a| mb.attr_name(a).eq_ignore_ascii_case("HistoryMajorVersionNumber"))?;
    mb.attr_value(attr).trim().parse().ok()
}

/// Why `mblint history` could not judge the current file: the report lists only this (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read {path}: {source}")]
    List {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The current file could not be read.
    #[error("{error}")]
    Current { path: String, error: InputError },
    #[error("{folder}: there is no MetaBase.xml beside it, and no history file that reads to stand in for it")]
    NothingReads { folder: String },
    /// A file named as current that is not the MetaBase.xml beside the History folder, and does not
    /// show it is the current version ([`belongs`]).
    #[error("{path} is not the current version of the history in {folder}: {reason}")]
    NotCurrent {
        path: String,
        folder: String,
        reason: String,
    },
}

impl RunError {
    /// The path at fault: what a report lists as the input that could not be checked.
    pub fn path(&self) -> &str {
        match self {
            RunError::List { path, .. } | RunError::Current { path, .. } | RunError::NotCurrent { path, .. } => path,
            RunError::NothingReads { folder } => folder,
        }
    }
}

/// Whether a current file named on the command line that is not the MetaBase.xml beside the
/// History folder is the current version of this history: its `HistoryMajorVersionNumber` must be
/// at least the newest history file's, since IIS raises the number on every save and names each
/// history copy after it. The warning that says what it was taken on; the error when it is not
/// shown to belong.
fn belongs(path: &Path, bytes: &[u8], listing: &Listing, folder: &Path) -> Result<String, RunError> {
    let shown = path.display().to_string();
    let home = layout::folder_above(folder).display().to_string();
    let Some(newest) = listing.versions.last() else {
        return Ok(format!(
            "{shown} is not the MetaBase.xml in the folder the History folder sits in ({home}), and the History folder holds no version to hold it to: it is taken as the current file as named"
        ));
    };
    let major = SourceFile::decode(&shown, bytes.to_vec())
        .ok()
        .and_then(|s| parse(s).ok())
        .map(|mb| history_major(&mb));
    let not_current = |why: String| RunError::NotCurrent {
        path: shown.clone(),
        folder: folder.display().to_string(),
        reason: format!(
            "it is not the MetaBase.xml in the folder the History folder sits in ({home}), the file IIS reads, and {why} (name the MetaBase.xml kept beside this History folder)"
        ),
    };
    match major {
        None => Err(not_current(
            "it does not parse, so its HistoryMajorVersionNumber cannot show that it is".into(),
        )),
        Some(None) => Err(not_current(
            "it has no HistoryMajorVersionNumber on IIS_Global to show that it is".into(),
        )),
        Some(Some(n)) if n < newest.major => Err(not_current(format!(
            "its HistoryMajorVersionNumber is {n}, below the newest history file's ({}, {}): IIS raises the number on every save, so this file is older than the history, or another server's",
            newest.major, newest.name
        ))),
        Some(Some(n)) => Ok(format!(
            "{shown} is not the MetaBase.xml in the folder the History folder sits in ({home}); it is taken as the current version because its HistoryMajorVersionNumber ({n}) is at least the newest history file's ({}, {})",
            newest.major, newest.name
        )),
    }
}

/// Lints version `mb` from the one before it (`previous`, its model held): the limited re-lint of
/// the changes between their texts ([`changes_between`], [`relint_parsed_owned`]), which falls back to
/// the full lint wherever it cannot show a finding stands; in full when there is no version before
/// or its encoding differs. What it finds is what the full lint of `mb` finds (`tests/history_relint.rs`).
pub fn lint_after(previous: Option<Linted>, mb: Metabase, options: &Options) -> Linted {
    lint_after_freeing(previous, mb, options).0
}

/// As [`lint_after`], with the memory of the previous version's text when nothing holds it any
/// more: the next file is read into it ([`read_regular_into`]).
fn lint_after_freeing(previous: Option<Linted>, mb: Metabase, options: &Options) -> (Linted, Option<Vec<u8>>) {
    match previous {
        Some(mut p) if p.encoding() == mb.source.encoding && p.metabase().is_some() => {
            let pass = changes_between(p.metabase().expect("held"), &mb);
            let touched = p.release(&pass);
            let linted = relint_parsed_owned(&mut p, touched, &pass, Ok(mb), options);
            let freed = p.report.source.text.try_into_string().map(String::into_bytes);
            (linted, freed)
        }
        _ => (lint_parsed(mb, options), None),
    }
}

/// What one reading of a file is known by: its length and a hash seeded for this run (whoever
/// writes the file cannot aim at the seed).
struct Fingerprint {
    state: foldhash::quality::RandomState,
    read: (usize, u64),
}

impl Fingerprint {
    fn of(bytes: &[u8]) -> Fingerprint {
        let state = foldhash::quality::RandomState::default();
        let read = (bytes.len(), std::hash::BuildHasher::hash_one(&state, bytes));
        Fingerprint { state, read }
    }

    /// Whether `bytes` are what was read (but for a 64-bit hash collision).
    fn matches(&self, bytes: &[u8]) -> bool {
        (bytes.len(), std::hash::BuildHasher::hash_one(&self.state, bytes)) == self.read
    }
}

/// The version before the one being read: its model and report, its keys' hashes and its
/// places' identities.
struct Previous {
    at: usize,
    linted: Linted,
    table: KeyTable,
    /// Per finding, where its places begin among the version's identities (`keys[at]`).
    starts: Vec<u32>,
}

/// Lints the history of `layout` with `options` (a drive copy's folder already in
/// `options.drive_copy`). The current file must read (else the error, exit 2 as for `check`), and
/// one named from elsewhere must show it is the current version ([`belongs`]); history files that
/// cannot be read are failed inputs, those that are not whole metabases are skipped, and files
/// named like a version that are not one are listed.
pub fn run(layout: &Layout, options: &Options) -> Result<HistoryRun, RunError> {
    let listing = list(&layout.folder).map_err(|source| RunError::List {
        path: layout.folder.display().to_string(),
        source,
    })?;
    let files = &listing.versions;
    let mut warnings: Vec<Warning> = Vec::new();
    let mut versions: Vec<Version> = Vec::new();
    let version = |name: String, path: String, major, minor, current| Version {
        name,
        path,
        major,
        minor,
        current,
        error: None,
        failed: false,
        previous: None,
        unchanged: false,
        findings: None,
        places: None,
        introduced: Vec::new(),
        removed: Vec::new(),
        changes: None,
    };
    for f in files {
        versions.push(version(
            f.name.clone(),
            f.path.display().to_string(),
            Some(f.major),
            Some(f.minor),
            false,
        ));
    }
    // The current file: read first, so that an unreadable one stops everything (exit 2). One found
    // beside the History folder is not reached through a link; one named on the command line is.
    let (current_path, current_from_history, follow) = match &layout.current {
        Current::Found(p) => (p.clone(), false, false),
        Current::NamedBeside(p) | Current::NamedElsewhere(p) => (p.clone(), false, true),
        Current::Absent { looked_in } => {
            // The newest history file that parses stands for the current file, and says so.
            let at = files
                .iter()
                .rposition(|f| load(&f.path, &f.name, None, Vec::new()).is_ok())
                .ok_or_else(|| RunError::NothingReads {
                    folder: layout.folder.display().to_string(),
                })?;
            let newer = files.len() - 1 - at;
            warnings.push(Warning {
                path: files[at].path.display().to_string(),
                message: format!(
                    "no current metabase: nothing named MetaBase.xml, in any letter case, is in {}; the newest history file that reads, {}, stands in for it, so the findings and the exit code are that version's{}",
                    looked_in.display(),
                    files[at].name,
                    match newer {
                        0 => String::new(),
                        n => format!(" ({n} newer history file{} did not read)", if n == 1 { "" } else { "s" }),
                    }
                ),
            });
            versions.remove(at);
            (files[at].path.clone(), true, false)
        }
    };
    let history_paths: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.path != current_path || !current_from_history)
        .map(|f| f.path.clone())
        .collect();
    let read_current = |buffer: Vec<u8>| {
        read_regular_into(&current_path, follow, buffer).map_err(|r: Refusal| RunError::Current {
            path: current_path.display().to_string(),
            error: r.into_input_error(&current_path),
        })
    };
    // The current file is read first, so that an unreadable one stops everything, and again at its
    // turn (last): its text is not held while every history version is read. What the second
    // reading gives must be what the first gave (its length and a hash seeded for this run), else
    // the file changed in between and nothing of it is judged (exit 2).
    let current_bytes = read_current(Vec::new())?;
    if let Current::NamedElsewhere(path) = &layout.current {
        warnings.push(Warning {
            path: path.display().to_string(),
            message: belongs(path, &current_bytes, &listing, &layout.folder)?,
        });
    }
    let current_read = Fingerprint::of(&current_bytes);
    // The memory a file was read into, free again: the next file is read into it (its pages
    // mapped already), not into fresh memory.
    let mut free = current_bytes;
    let current_shown = current_path.display().to_string();
    let current_name = current_path
        .file_name()
        .map_or_else(|| current_shown.clone(), |n| n.to_string_lossy().into_owned());
    let mut current_version = version(current_name, current_shown.clone(), None, None, true);
    if current_from_history && let Some((major, minor)) = version_of(&current_version.name) {
        current_version.major = Some(major);
        current_version.minor = Some(minor);
    }
    versions.push(current_version);
    let current_at = versions.len() - 1;

    let mut identities = Identities::default();
    let mut keys: Vec<Option<Vec<u32>>> = vec![None; versions.len()];
    let mut causes: Vec<usize> = vec![0; versions.len()];
    let mut current_report: Option<FileReport> = None;
    let mut current_major: Option<u64> = None;
    // Lints of the versions share what they read of the drive (the SYSTEM hive, the schema, the
    // images): the drive does not change between them.
    let mut shared = options.clone();
    if !shared.drive_cache.is_on() {
        shared.drive_cache = DriveCache::new();
    }
    let options = &shared;
    // One version after another, oldest first: the one before is held (its model and report)
    // while the next is read, parsed, compared with it and linted from it.
    let mut previous: Option<Previous> = None;
    for at in 0..versions.len() {
        let loaded = if at == current_at {
            let bytes = read_current(std::mem::take(&mut free))?;
            if !current_read.matches(&bytes) {
                return Err(RunError::Current {
                    path: current_shown.clone(),
                    error: InputError::Changed {
                        path: current_shown.clone(),
                    },
                });
            }
            // Not decodable or not parsed: MB001 (or why it does not decode) in its report, as
            // `check` gives it; no comparison.
            match SourceFile::decode(current_shown.clone(), bytes) {
                Err(err) => Err(crate::lint::undecodable(
                    &current_shown,
                    err,
                    crate::lint::drive_summaries(&options.drives),
                )),
                Ok(source) => match parse_version(previous.as_ref().and_then(|p| p.linted.metabase()), source) {
                    Ok(mb) => Ok(mb),
                    Err(failure) => Err(lint_parse_failure(*failure, options).into_report()),
                },
            }
        } else {
            let held = previous.as_ref().and_then(|p| p.linted.metabase());
            match load(&history_paths[at], &versions[at].name, held, std::mem::take(&mut free)) {
                Ok(mb) => Ok(mb),
                Err(error) => {
                    let (failed, why) = match error {
                        NotLoaded::Unread(why) => (true, why),
                        NotLoaded::Malformed(why) => (false, why),
                    };
                    versions[at].failed = failed;
                    versions[at].error = Some(why);
                    continue;
                }
            }
        };
        let mb = match loaded {
            Ok(mb) => mb,
            Err(report) => {
                keys[at] = Some(identities.of(&report.source.text, &report.diagnostics));
                causes[at] = report.diagnostics.len();
                current_report = Some(report);
                continue;
            }
        };
        if at == current_at {
            current_major = history_major(&mb);
        }
        // The keys the parse took whole from the version before keep their hashes.
        let table = KeyTable::after(&mb, previous.as_ref().map(|p| &p.table));
        let mut before: Option<(usize, Vec<u32>)> = None;
        let linted = match previous.take() {
            Some(p) => {
                before = Some((p.at, p.starts));
                versions[at].previous = Some(p.at);
                let pmb = p.linted.metabase().expect("the previous version's model is held");
                if p.table.same_document(pmb.text(), &table, mb.text()) {
                    versions[at].unchanged = true;
                    versions[at].changes = Some(KeyDiff::default());
                } else {
                    versions[at].changes = Some(KeyDiff::between(pmb, &p.table, &mb, &table));
                }
                let (linted, freed) = lint_after_freeing(Some(p.linted), mb, options);
                free = freed.unwrap_or_default();
                linted
            }
            None => lint_after(None, mb, options),
        };
        let numbered = identities.numbered(
            linted.text(),
            &linted.report.diagnostics,
            &linted.carried,
            before
                .as_ref()
                .and_then(|(b, starts)| Some((keys[*b].as_deref()?, starts.as_slice()))),
        );
        drop(before);
        keys[at] = Some(numbered.numbers);
        causes[at] = linted.report.diagnostics.len();
        if at == current_at {
            current_report = Some(linted.into_report());
        } else {
            previous = Some(Previous {
                at,
                linted,
                table,
                starts: numbered.starts,
            });
        }
    }
    drop(previous);
    for (v, n) in versions.iter_mut().zip(&causes) {
        v.findings = v.error.is_none().then_some(*n);
    }
    // A current file older than the history: put back by hand from an older copy, most likely.
    if !current_from_history
        && let (Some(n), Some(newest)) = (current_major, files.last())
        && n < newest.major
    {
        warnings.push(Warning {
            path: current_path.display().to_string(),
            message: format!(
                "the current file {} has HistoryMajorVersionNumber {n}, below the newest history file's ({}, {}): IIS raises the number on every save, so it was put back from an older copy (a restore by hand?) and the newer history files are not its past",
                current_path.display(),
                newest.major,
                newest.name
            ),
        });
    }
    let current = current_report.expect("the current file is always linted");
    let mut history = timeline(
        layout,
        versions,
        keys,
        &identities,
        current_at,
        current_from_history,
        &current,
    );
    history.misnamed = listing.misnamed;
    history.warnings = warnings;
    history.unread = current.unread.clone();
    Ok(HistoryRun { history, current })
}

/// Each identity's runs of consecutive readable versions, from the identity numbers of each
/// readable version's places, oldest first: one pass over the versions, by number, with no
/// ordered map of identities and no search per place.
#[derive(Debug, Default, PartialEq, Eq)]
struct Runs {
    /// Per readable version, the identities whose run began there (none for the oldest: those
    /// were there before the history).
    introduced: Vec<Vec<u32>>,
    /// Per readable version, the identities of the version before that it does not have.
    removed: Vec<Vec<u32>>,
    /// The runs that ended: (identity, readable index it began at, first readable index without it).
    ended: Vec<(u32, u32, u32)>,
    /// The identities of the newest readable version: (identity, readable index its run began at).
    open: Vec<(u32, u32)>,
}

impl Runs {
    /// `versions[r]`: the identity numbers (below `identities`) of readable version `r`'s places,
    /// an identity once or more.
    fn of(versions: &[&[u32]], identities: usize) -> Runs {
        const NEVER: u32 = u32::MAX;
        // Per identity, the readable index it was last seen in (NEVER: not in a run), and where
        // its run began.
        let mut last_seen: Vec<u32> = vec![NEVER; identities];
        let mut began: Vec<u32> = vec![0; identities];
        let mut runs = Runs {
            introduced: vec![Vec::new(); versions.len()],
            removed: vec![Vec::new(); versions.len()],
            ..Runs::default()
        };
        for (r, k) in versions.iter().enumerate() {
            let r32 = r as u32;
            for &id in *k {
                let i = id as usize;
                if last_seen[i] == r32 {
                    continue; // a second place with the same identity
                }
                if r == 0 || last_seen[i] != r32 - 1 {
                    began[i] = r32;
                    if r > 0 {
                        runs.introduced[r].push(id);
                    }
                }
                last_seen[i] = r32;
            }
            if r > 0 {
                // Seen in the version before and not in this one: the run ends here (marked, so a
                // second place of it in the version before does not end it twice).
                for &id in versions[r - 1] {
                    let i = id as usize;
                    if last_seen[i] == r32 - 1 {
                        last_seen[i] = NEVER;
                        runs.removed[r].push(id);
                        runs.ended.push((id, began[i], r32));
                    }
                }
            }
        }
        if let Some(newest) = versions.len().checked_sub(1) {
            for &id in versions[newest] {
                let i = id as usize;
                if last_seen[i] == newest as u32 {
                    last_seen[i] = NEVER;
                    runs.open.push((id, began[i]));
                }
            }
        }
        runs
    }
}

/// Per finding identity, the readable versions it is in; from that, what each version introduced
/// and removed, each current finding's introducing version and the episodes that ended.
fn timeline(
    layout: &Layout,
    mut versions: Vec<Version>,
    keys: Vec<Option<Vec<u32>>>,
    identities: &Identities,
    current_at: usize,
    current_from_history: bool,
    current: &FileReport,
) -> History {
    let readable: Vec<usize> = (0..versions.len()).filter(|&i| keys[i].is_some()).collect();
    // The version a readable index stands for; `None` for the oldest (appeared before history).
    let at = |r: usize| (r > 0).then(|| readable[r]);
    let by_readable: Vec<&[u32]> = readable
        .iter()
        .map(|&v| keys[v].as_deref().expect("readable"))
        .collect();
    for (&v, k) in readable.iter().zip(&by_readable) {
        versions[v].places = Some(k.len());
    }
    let runs = Runs::of(&by_readable, identities.keys.len());
    // Each version's lists in the identities' order, as the reports show them.
    let key = |id: u32| &*identities.keys[id as usize];
    for (r, (mut inn, mut out)) in runs.introduced.into_iter().zip(runs.removed).enumerate() {
        inn.sort_by(|a, b| key(*a).cmp(key(*b)));
        out.sort_by(|a, b| key(*a).cmp(key(*b)));
        let v = &mut versions[readable[r]];
        v.introduced = inn.into_iter().map(|id| key(id).clone()).collect();
        v.removed = out.into_iter().map(|id| key(id).clone()).collect();
    }
    let mut gone: Vec<Episode> = runs
        .ended
        .iter()
        .map(|&(id, start, end)| Episode {
            finding: key(id).clone(),
            appeared_in: at(start as usize),
            gone_in: readable[end as usize],
        })
        .collect();
    // Per identity number: the version the run it is in now began in (`Some(None)`: the oldest).
    let mut introduced_at: Vec<Option<Option<usize>>> = vec![None; identities.keys.len()];
    for &(id, start) in &runs.open {
        introduced_at[id as usize] = Some(at(start as usize));
    }
    let text = &current.source.text;
    // The current file's places by number, in the order of its findings' places (as numbered).
    let numbers = keys[current_at]
        .as_deref()
        .expect("the current file is always linted and numbered");
    let mut place = 0;
    let findings = current
        .diagnostics
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let places: Vec<PlaceHistory> = d
                .places()
                .map(|p| {
                    let id = numbers[place];
                    place += 1;
                    // Shown as the current file writes it (the identity's own key is the first
                    // version's spelling, which may differ in case).
                    let known = &identities.keys[id as usize];
                    let finding = if known.location() == p.location().unwrap_or_default()
                        && known.attribute() == p.attribute().unwrap_or_default()
                    {
                        Arc::clone(known)
                    } else {
                        Arc::new(FindingKey::of(text, d, &p))
                    };
                    debug_assert!(finding == *known, "the numbers are the current file's places");
                    let introduced_in = introduced_at[id as usize].flatten();
                    PlaceHistory { finding, introduced_in }
                })
                .collect();
            // The earliest: a place since the oldest version read makes the finding that old.
            let introduced_in = if places.iter().any(|p| p.introduced_in.is_none()) {
                None
            } else {
                places.iter().filter_map(|p| p.introduced_in).min()
            };
            CurrentFinding {
                diagnostic: i,
                code: d.code,
                message: d.headline().into_owned(),
                introduced_in,
                places,
            }
        })
        .collect();
    gone.sort_by(|a, b| (a.gone_in, &a.finding).cmp(&(b.gone_in, &b.finding)));
    History {
        schema_version: SCHEMA_VERSION,
        folder: layout.folder.display().to_string(),
        versions,
        current: current_at,
        current_from_history,
        findings,
        gone,
        misnamed: Vec::new(),
        warnings: Vec::new(),
        unread: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::FindingKey;
    use crate::diagnostic::{Diagnostic, Severity};

    fn key(location: &str, attribute: &str) -> FindingKey {
        let mut d = Diagnostic::new(
            "MB102",
            Severity::Error,
            crate::metabase::Span { start: 0, end: 3 },
            "m",
        );
        d.location = Some(location.into());
        d.attribute = Some(attribute.into());
        FindingKey::of("<x>", &d, &d.places().next().unwrap())
    }

    /// The look-up without a key finds exactly the identities `FindingKey::of` tells apart: case of
    /// the Location and property ignored as `to_lowercase` ignores it (non-ASCII too, final sigma
    /// included), the cause trimmed and compared as written.
    #[test]
    fn identities_are_numbered_as_their_keys_compare() {
        let text = "<x> ab  AB \u{3a3}";
        let place = |location: &str, attribute: &str, start: u32, end: u32| {
            let mut d = Diagnostic::new("MB102", Severity::Error, crate::metabase::Span { start, end }, "m");
            d.location = Some(location.into());
            d.attribute = Some(attribute.into());
            d
        };
        let cases = [
            place("/LM/W3SVC/2/ROOT", "ScriptMaps", 0, 3),
            place("/lm/w3svc/2/root", "scriptmaps", 0, 3),
            place("/LM/W3SVC/3/ROOT", "ScriptMaps", 0, 3),
            place("/LM/W3SVC/2/ROOT", "FilterPath", 0, 3),
            place("/LM/W3SVC/2/ROOT", "ScriptMaps", 3, 7),
            place("/LM/W3SVC/2/ROOT", "ScriptMaps", 4, 6),
            place("/LM/W3SVC/2/ROOT", "ScriptMaps", 7, 11),
            // Final sigma: to_lowercase makes it the final form after a letter.
            place("/LM/\u{c9}T\u{c9}\u{3a3}", "x", 0, 3),
            place("/lm/\u{e9}t\u{e9}\u{3c2}", "X", 0, 3),
            place("/lm/\u{e9}t\u{e9}\u{3c3}", "X", 0, 3),
            // The Kelvin sign's lower case is ASCII: one identity with the ASCII spelling.
            place("/LM/\u{212a}", "x", 0, 3),
            place("/LM/K", "X", 0, 3),
        ];
        let mut ids = super::Identities::default();
        for (i, a) in cases.iter().enumerate() {
            for (j, b) in cases.iter().enumerate() {
                let (ka, kb) = (key_of(text, a), key_of(text, b));
                let na = ids.of(text, std::slice::from_ref(a));
                let nb = ids.of(text, std::slice::from_ref(b));
                assert_eq!(ka == kb, na == nb, "{i} {j}: {ka:?} {kb:?}");
            }
        }
        // Rows 0-1, 4-5, 7-8 and 10-11 are one identity each; 6 differs from 4 in the cause's case.
        assert_eq!(ids.keys.len(), 8, "{:?}", ids.keys);
        // Equal keys hash alike and sort as one.
        let hash = |k: &FindingKey| {
            use std::hash::BuildHasher;
            std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(k)
        };
        for a in &cases {
            for b in &cases {
                let (ka, kb) = (key_of(text, a), key_of(text, b));
                assert_eq!(ka == kb, hash(&ka) == hash(&kb), "{ka:?} {kb:?}");
                assert_eq!(ka == kb, ka.cmp(&kb).is_eq());
            }
        }
    }

    /// The runs as the per-identity presence table reads them (what `timeline` did before it
    /// walked the versions by number): the reference [`super::Runs::of`] is held to.
    fn runs_by_presence(versions: &[Vec<u32>]) -> super::Runs {
        use std::collections::BTreeMap;
        let mut presence: BTreeMap<u32, Vec<bool>> = BTreeMap::new();
        for (r, k) in versions.iter().enumerate() {
            for &id in k {
                presence.entry(id).or_insert_with(|| vec![false; versions.len()])[r] = true;
            }
        }
        let mut runs = super::Runs {
            introduced: vec![Vec::new(); versions.len()],
            removed: vec![Vec::new(); versions.len()],
            ..super::Runs::default()
        };
        for (&id, present) in &presence {
            let mut r = 0;
            while r < present.len() {
                if !present[r] {
                    r += 1;
                    continue;
                }
                let start = r;
                while r < present.len() && present[r] {
                    r += 1;
                }
                if start > 0 {
                    runs.introduced[start].push(id);
                }
                if r < present.len() {
                    runs.removed[r].push(id);
                    runs.ended.push((id, start as u32, r as u32));
                } else {
                    runs.open.push((id, start as u32));
                }
            }
        }
        runs
    }

    fn sorted(mut runs: super::Runs) -> super::Runs {
        runs.introduced.iter_mut().for_each(|v| v.sort_unstable());
        runs.removed.iter_mut().for_each(|v| v.sort_unstable());
        runs.ended.sort_unstable();
        runs.open.sort_unstable();
        runs
    }

    proptest::proptest! {
        /// Every version's introduced and removed identities, the runs that ended and those still
        /// open are the presence table's, whatever the versions hold (repeats included).
        #[test]
        fn runs_are_the_presence_tables(
            versions in proptest::collection::vec(proptest::collection::vec(0u32..12, 0..10), 0..9)
        ) {
            let by: Vec<&[u32]> = versions.iter().map(Vec::as_slice).collect();
            proptest::prop_assert_eq!(sorted(super::Runs::of(&by, 12)), sorted(runs_by_presence(&versions)));
        }
    }

    #[test]
    fn a_second_reading_matches_only_the_same_bytes() {
        let text = b"<configuration><MBProperty/></configuration>".to_vec();
        let read = super::Fingerprint::of(&text);
        assert!(read.matches(&text.clone()));
        let mut flipped = text.clone();
        flipped[3] ^= 0x20;
        assert!(!read.matches(&flipped));
        assert!(!read.matches(&text[..text.len() - 1]));
        assert!(!read.matches(&[text.as_slice(), b" "].concat()));
    }

    #[test]
    fn a_run_ends_once_when_the_version_before_named_it_twice() {
        let versions: [&[u32]; 3] = [&[1, 1, 2], &[2], &[1, 2, 2]];
        let runs = super::Runs::of(&versions, 3);
        assert_eq!(runs.removed, vec![vec![], vec![1], vec![]]);
        assert_eq!(runs.introduced, vec![vec![], vec![], vec![1]]);
        assert_eq!(runs.ended, vec![(1, 0, 1)]);
        assert_eq!(runs.open, vec![(1, 2), (2, 0)]);
    }

    fn key_of(text: &str, d: &Diagnostic) -> FindingKey {
        FindingKey::of(text, d, &d.places().next().unwrap())
    }

    #[test]
    fn a_finding_is_recognised_whatever_the_case_of_its_location_and_shown_as_written() {
        let upper = key("/LM/W3SVC/2/ROOT", "ScriptMaps");
        let lower = key("/lm/w3svc/2/root", "scriptmaps");
        assert_eq!(upper, lower);
        assert_eq!(upper.cmp(&lower), std::cmp::Ordering::Equal);
        let hash = |k: &FindingKey| {
            use std::hash::BuildHasher;
            std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(k)
        };
        assert_eq!(hash(&upper), hash(&lower));
        assert_eq!(
            (upper.location(), upper.attribute()),
            ("/LM/W3SVC/2/ROOT", "ScriptMaps")
        );
        assert_ne!(key("/LM/W3SVC/3/ROOT", "ScriptMaps"), upper);
        assert_ne!(key("/LM/W3SVC/2/ROOT", "FilterPath"), upper);
    }
}
