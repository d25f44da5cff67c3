//! Fixes: edits on the original text that belong together, how safe they are, and what they mean
//! as metabase operations (for `--script adsutil`).
//!
//! `edit` builds edits in IIS's own layout, `changes` composes the edits of several passes and
//! renders them as bytes of the file or as a unified diff, `plan` chooses the worker bitness,
//! `engine` runs fix passes to a verified fixed point, `write` replaces the file atomically and
//! `script` prints the same changes as adsutil.vbs commands.

pub mod changes;
pub mod edit;
pub mod engine;
pub mod lockdown;
pub mod plan;
pub mod script;
pub mod write;

use serde::Serialize;

use crate::metabase::Span;

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
}

impl Fix {
    pub fn new(applicability: Applicability, message: impl Into<String>) -> Fix {
        Fix {
            applicability,
            message: message.into(),
            edits: Vec::new(),
            ops: Vec::new(),
            restart: false,
        }
    }

    /// The smallest and largest offsets the fix touches.
    pub fn extent(&self) -> Option<(u32, u32)> {
        let start = self.edits.iter().map(|e| e.span.start).min()?;
        let end = self.edits.iter().map(|e| e.span.end).max()?;
        Some((start, end))
    }
}
