//! Findings and fixes as data: what a rule reports, where, on what evidence, how bad it is, and the
//! edits that would fix it. A leaf: it knows no rule, no engine and no output format (only the
//! model's spans, to say where), so every stage above can share it.

use serde::Serialize;

use crate::bitness::Bitness;
use crate::metabase::{AttrId, KeyId, Metabase, Span};

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a finding rests on, so that stronger evidence (the image on disk) can replace weaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Evidence {
    /// The DLL's path lies in a folder that holds only one bitness.
    PathPattern {
        path: std::sync::Arc<str>,
        pattern: &'static str,
        bitness: Bitness,
        reason: &'static str,
    },
    /// The image the worker would load, read from the mapped drive.
    Image {
        /// The path as configured.
        configured: std::sync::Arc<str>,
        /// The Windows path the worker opens (after WOW64 redirection).
        resolved: String,
        /// Where mblint read it.
        file: String,
        /// `PE32 i386 DLL`.
        image: String,
        /// `null` when no x86 or x64 worker can load it.
        bitness: Option<Bitness>,
    },
    /// A module the DLL needs, directly or through others, that stops (or may stop) its load: the
    /// chain from the DLL down to it, where it was looked for, and what the loader fails with.
    Dependency {
        /// The DLL as configured.
        configured: std::sync::Arc<str>,
        /// The process it is loaded into: `64-bit w3wp.exe`.
        process: String,
        /// `php5isapi.dll`, `php5ts.dll`: from the DLL down to the module at fault.
        chain: Vec<String>,
        /// The module at fault.
        module: String,
        /// The function it lacks (`GetTickCount64`, `#99`), for a missing function.
        #[serde(skip_serializing_if = "Option::is_none")]
        function: Option<String>,
        /// The forwarders followed, `kernel32.dll!HeapAlloc -> NTDLL!RtlAllocateHeap`.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        forwards: Vec<String>,
        /// The Win32 error the load fails with (126, 127, 193, 14001); `null` for a doubt.
        win32_error: Option<u32>,
        /// Where the module was found, when it was.
        #[serde(skip_serializing_if = "Option::is_none")]
        found: Option<String>,
        /// The folders searched, in order.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        searched: Vec<String>,
        /// What the search order holds that was not searched, and why.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        not_searched: Vec<String>,
        /// Reached only through a delay-load.
        delay: bool,
    },
}

/// A secondary place in the file that explains a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    #[serde(skip)]
    pub span: Span,
    pub message: String,
    /// The file the span lies in, as its report names it, when that is another file than the
    /// finding's (`mblint compare`: the same setting on another node); `None`: the finding's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<std::sync::Arc<str>>,
}

/// A place a finding shows: its span, key, property and the line of the value. The Location and
/// property name are shared with every other place of the same key and name (500,000 places of a
/// hosting server name a few thousand keys and a handful of properties), so a place is a small
/// record with no text of its own.
///
/// The two names are behind one shared pointer ([`PlaceNames`]): a place is 24 bytes, not the 48
/// two shared strings of their own would make it (680,000 places of a finding-heavy server).
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub span: Span,
    names: std::sync::Arc<PlaceNames>,
    pub value_line: Option<u32>,
}

/// The Location and property name of the places of one key's property, shared by all of them.
#[derive(Debug, PartialEq, Eq)]
pub struct PlaceNames {
    pub location: Option<std::sync::Arc<str>>,
    pub attribute: Option<std::sync::Arc<str>>,
}

impl PlaceNames {
    pub fn new(location: Option<std::sync::Arc<str>>, attribute: Option<std::sync::Arc<str>>) -> std::sync::Arc<Self> {
        if location.is_none() && attribute.is_none() {
            // The places with neither (a finding of the file) share one record.
            static NONE: std::sync::LazyLock<std::sync::Arc<PlaceNames>> = std::sync::LazyLock::new(|| {
                std::sync::Arc::new(PlaceNames {
                    location: None,
                    attribute: None,
                })
            });
            return NONE.clone();
        }
        std::sync::Arc::new(PlaceNames { location, attribute })
    }
}

impl Occurrence {
    /// A place with names of its own (see [`Occurrence::shared`] for the many places of one key).
    pub fn new(
        span: Span,
        location: Option<std::sync::Arc<str>>,
        attribute: Option<std::sync::Arc<str>>,
        value_line: Option<u32>,
    ) -> Occurrence {
        Occurrence::shared(span, PlaceNames::new(location, attribute), value_line)
    }

    /// A place whose Location and property are shared with other places.
    pub fn shared(span: Span, names: std::sync::Arc<PlaceNames>, value_line: Option<u32>) -> Occurrence {
        Occurrence {
            span,
            names,
            value_line,
        }
    }

    /// The Location of the key, as written.
    pub fn location(&self) -> Option<&str> {
        self.names.location.as_deref()
    }

    /// The property name, as written.
    pub fn attribute(&self) -> Option<&str> {
        self.names.attribute.as_deref()
    }
}

/// Places are equal by what they say (their names compared as text, not by pointer).
impl PartialEq for Occurrence {
    fn eq(&self, other: &Occurrence) -> bool {
        self.span == other.span && self.value_line == other.value_line && self.names == other.names
    }
}

impl Eq for Occurrence {}

/// One finding: one cause (a DLL of the wrong bitness in a role, a prohibited DLL, a missing image),
/// at its first place, with every other place it shows in `occurrences`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// What the primary span is (shown under it).
    pub label: String,
    pub span: Span,
    pub help: Option<String>,
    /// The Location of the key, as written.
    pub location: Option<String>,
    /// The property name, as written.
    pub attribute: Option<String>,
    /// The 0-based line within the property's value that the finding points at (0 for a single-line
    /// value). With the code, Location and property, what identifies a finding across a fix.
    pub value_line: Option<u32>,
    pub evidence: Vec<Evidence>,
    pub related: Vec<Related>,
    /// The fix, when the rule can offer one (for a grouped finding: every place's edits).
    pub fix: Option<Fix>,
    /// What one decision of the administrator fixes, for findings that repeat per place (the DLL and
    /// its role): findings of one rule with the same cause become one, with occurrences.
    pub cause: Option<std::sync::Arc<str>>,
    /// The other places of the same cause, in file order.
    pub occurrences: Vec<Occurrence>,
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            label: String::new(),
            span,
            help: None,
            location: None,
            attribute: None,
            value_line: None,
            evidence: Vec::new(),
            related: Vec::new(),
            fix: None,
            cause: None,
            occurrences: Vec::new(),
        }
    }

    /// Marks the finding as one place of a cause (see [`group`]).
    pub fn cause(mut self, key: impl Into<std::sync::Arc<str>>) -> Self {
        self.cause = Some(key.into());
        self
    }

    /// Every place, the primary first.
    pub fn places(&self) -> impl Iterator<Item = Occurrence> + '_ {
        std::iter::once(Occurrence::new(
            self.span,
            self.location.as_deref().map(std::sync::Arc::from),
            self.attribute.as_deref().map(std::sync::Arc::from),
            self.value_line,
        ))
        .chain(self.occurrences.iter().cloned())
    }

    /// The message, saying how many places share the cause when more than one does.
    pub fn headline(&self) -> std::borrow::Cow<'_, str> {
        match self.occurrences.len() {
            0 => std::borrow::Cow::Borrowed(&self.message),
            n => std::borrow::Cow::Owned(format!(
                "{} (and {n} more place{})",
                self.message,
                if n == 1 { "" } else { "s" }
            )),
        }
    }

    /// Keeps the places `keep` accepts; the first kept becomes the primary. `false` when none is.
    pub fn retain_places(&mut self, mut keep: impl FnMut(&Occurrence) -> bool) -> bool {
        let places: Vec<Occurrence> = self.places().filter(|p| keep(p)).collect();
        let mut places = places.into_iter();
        let Some(first) = places.next() else { return false };
        self.span = first.span;
        self.location = first.location().map(str::to_string);
        self.attribute = first.attribute().map(str::to_string);
        self.value_line = first.value_line;
        self.occurrences = places.collect();
        true
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Records the key and property the finding is about, and the line of the value it points at.
    pub fn at(mut self, mb: &Metabase, key: KeyId, attr: Option<AttrId>) -> Self {
        self.location = Some(mb.location(key).into_owned());
        self.attribute = attr.map(|a| mb.attr_name(a).into_owned());
        self.value_line = attr.and_then(|a| {
            let value = mb.attr(a).value;
            (value.start <= self.span.start && self.span.start <= value.end).then(|| {
                let before = &mb.text().as_bytes()[value.start as usize..self.span.start as usize];
                memchr::memchr_iter(b'\n', before).count() as u32
            })
        });
        self
    }

    pub fn evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    pub fn related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
            file: None,
        });
        self
    }

    /// A related place in another file (named as its report names it).
    pub fn related_in(mut self, file: impl Into<std::sync::Arc<str>>, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
            file: Some(file.into()),
        });
        self
    }
}

/// Merges the findings of one cause into one: same rule, same cause key, same severity and the same
/// fix in kind and words. The first (in the order given) is the primary; the others become its
/// occurrences, and their fixes' edits and operations join its fix. Findings without a cause key
/// stand alone. Linear: one hash lookup per finding.
pub fn group(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    use std::collections::HashMap;
    type Key = (
        &'static str,
        std::sync::Arc<str>,
        Severity,
        Option<(Applicability, String)>,
    );
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    let mut index: HashMap<Key, usize> = HashMap::new();
    // Per grouped finding, the edits and operations its fix already has: a merge is a lookup, so
    // 100,000 places of one cause stay linear.
    type Seen = (
        std::collections::HashSet<(u32, u32, String)>,
        std::collections::HashSet<MetabaseOp>,
    );
    let mut seen: HashMap<usize, Seen> = HashMap::new();
    for d in diagnostics {
        let Some(cause) = d.cause.clone() else {
            out.push(d);
            continue;
        };
        let key: Key = (
            d.code,
            cause,
            d.severity,
            d.fix.as_ref().map(|f| (f.applicability, f.message.clone())),
        );
        match index.get(&key) {
            None => {
                index.insert(key, out.len());
                out.push(d);
            }
            Some(&i) => {
                let primary = &mut out[i];
                primary.occurrences.push(Occurrence::new(
                    d.span,
                    d.location.map(std::sync::Arc::from),
                    d.attribute.map(std::sync::Arc::from),
                    d.value_line,
                ));
                primary.occurrences.extend(d.occurrences);
                if let (Some(into), Some(from)) = (primary.fix.as_mut(), d.fix) {
                    let (edits, ops) = seen.entry(i).or_insert_with(|| {
                        (
                            into.edits
                                .iter()
                                .map(|e| (e.span.start, e.span.end, e.content.clone()))
                                .collect(),
                            into.ops.iter().cloned().collect(),
                        )
                    });
                    for e in from.edits {
                        if edits.insert((e.span.start, e.span.end, e.content.clone())) {
                            into.edits.push(e);
                        }
                    }
                    for op in from.ops {
                        if ops.insert(op.clone()) {
                            into.ops.push(op);
                        }
                    }
                    into.restart |= from.restart;
                    for program in from.registrations {
                        if !into.registrations.iter().any(|p| p.eq_ignore_ascii_case(&program)) {
                            into.registrations.push(program);
                        }
                    }
                }
            }
        }
    }
    out
}

/// How safe a fix is. Ordered: `DisplayOnly < Unsafe < Safe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown, never applied: mblint cannot tell that it is right.
    DisplayOnly,
    /// Applied with `--fix --unsafe-fixes`: it changes more than the faulty value (a server-wide
    /// switch, a security decision) or rests on facts mblint could not check.
    Unsafe,
    /// Applied with `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace the text at `span` (a range of the decoded text) with `content`. An empty span inserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    #[serde(skip)]
    pub span: Span,
    pub content: String,
}

/// A metabase change a fix makes, as the live metabase would be told it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum MetabaseOp {
    /// Set a property to the value it has after the fix (a multi-string is set whole).
    Set { location: String, property: String },
    /// Remove a property from a key.
    Delete { location: String, property: String },
    /// Create a key.
    CreateKey { location: String, key_type: String },
}

/// A set of edits that belong together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// What it does, in one sentence.
    pub message: String,
    pub edits: Vec<Edit>,
    pub ops: Vec<MetabaseOp>,
    /// Whether IIS must be restarted for it to take effect (a worker bitness switch).
    pub restart: bool,
    /// The `aspnet_regiis.exe` of each Framework folder whose ASP.NET must be registered for the
    /// workers' new bitness after the change (KB894435), as Windows paths on the server. It is run
    /// with `-ir` only: see [`crate::rules::plan`]'s `aspnet_regiis`. `--script vbs` runs them.
    pub registrations: Vec<String>,
}

impl Fix {
    pub fn new(applicability: Applicability, message: impl Into<String>) -> Fix {
        Fix {
            applicability,
            message: message.into(),
            edits: Vec::new(),
            ops: Vec::new(),
            restart: false,
            registrations: Vec::new(),
        }
    }

    /// The smallest and largest offsets the fix touches.
    pub fn extent(&self) -> Option<(u32, u32)> {
        let start = self.edits.iter().map(|e| e.span.start).min()?;
        let end = self.edits.iter().map(|e| e.span.end).max()?;
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A place is a small record: its names are one shared pointer (680,000 places of a
    /// finding-heavy server are held until the report is written).
    #[test]
    fn a_place_is_a_small_record() {
        assert!(
            std::mem::size_of::<Occurrence>() <= 24,
            "{}",
            std::mem::size_of::<Occurrence>()
        );
    }

    /// Places compare by what they say: names shared or not, equal text is equal; each part counts.
    #[test]
    fn places_are_equal_by_their_span_names_and_line() {
        let names = PlaceNames::new(Some(Arc::from("/LM/W3SVC")), Some(Arc::from("ScriptMaps")));
        let span = Span::new(3, 9);
        let shared = Occurrence::shared(span, names.clone(), Some(2));
        let own = Occurrence::new(
            span,
            Some(Arc::from("/LM/W3SVC")),
            Some(Arc::from("ScriptMaps")),
            Some(2),
        );
        assert_eq!(shared, own);
        assert_eq!(
            (own.location(), own.attribute()),
            (Some("/LM/W3SVC"), Some("ScriptMaps"))
        );
        assert_ne!(shared, Occurrence::shared(Span::new(3, 10), names.clone(), Some(2)));
        assert_ne!(shared, Occurrence::shared(span, names.clone(), Some(1)));
        assert_ne!(
            shared,
            Occurrence::new(
                span,
                Some(Arc::from("/LM/W3SVC")),
                Some(Arc::from("ScriptMap")),
                Some(2)
            )
        );
        assert_ne!(
            shared,
            Occurrence::new(
                span,
                Some(Arc::from("/LM/W3SVC/1")),
                Some(Arc::from("ScriptMaps")),
                Some(2)
            )
        );
        let none = Occurrence::new(span, None, None, None);
        assert_eq!((none.location(), none.attribute()), (None, None));
        assert_eq!(none, Occurrence::new(span, None, None, None));
    }
}
