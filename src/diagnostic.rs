//! Findings: what a rule reports, where, on what evidence, and how bad it is.

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
}

/// A secondary place in the file that explains a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    #[serde(skip)]
    pub span: Span,
    pub message: String,
}

/// One finding.
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
    /// The fix, when the rule can offer one.
    pub fix: Option<crate::fix::Fix>,
}

impl Diagnostic {
    pub fn new(rule: &crate::rules::Rule, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: rule.code,
            severity: rule.severity,
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
        }
    }

    pub fn fix(mut self, fix: Option<crate::fix::Fix>) -> Self {
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
        });
        self
    }
}
