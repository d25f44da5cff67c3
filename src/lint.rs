//! Runs the whole pipeline on one file: bytes -> decoded text -> metabase -> ISAPI set -> findings.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::metabase::isapi::{IsapiSet, WorkerBitness};
use crate::metabase::{Metabase, SourceFile, Span, parse};
use crate::rules::{self, Context, malformed_metabase};

/// What a user needs to know about the worker processes of a linted file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkerSummary {
    pub bitness: crate::bitness::Bitness,
    /// Why: the setting that decides it, in words.
    pub reason: String,
}

/// The outcome of linting one file.
#[derive(Debug)]
pub struct FileReport {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when the file did not parse.
    pub worker: Option<WorkerSummary>,
    pub isapi_count: usize,
}

/// An input that could not be read at all (as opposed to one that reads but is malformed).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is a directory, not a MetaBase.xml file")]
    Directory { path: String },
    #[error("{path} is {size} bytes; mblint reads metabases up to 4 GiB")]
    TooLarge { path: String, size: u64 },
}

/// Lints every rule over a parsed metabase.
pub fn lint_metabase(mb: &Metabase) -> (Vec<Diagnostic>, IsapiSet, WorkerBitness) {
    let isapi = IsapiSet::of(mb);
    let worker = WorkerBitness::of(mb);
    let ctx = Context {
        metabase: mb,
        isapi: &isapi,
        worker,
    };
    (rules::run(&ctx), isapi, worker)
}

/// Lints a file's bytes; `name` is how the file is shown. Pass a `Vec` to lend it without a copy.
pub fn lint_bytes(name: &str, bytes: impl Into<Vec<u8>>) -> FileReport {
    let source = match SourceFile::decode(name, bytes) {
        Ok(source) => source,
        Err(err) => {
            // Show the fault at the end of the text that did decode.
            let source = SourceFile::from_text(name, err.valid_prefix);
            let at = source.text.len();
            return FileReport {
                diagnostics: vec![malformed_metabase::diagnostic(Span::new(at, at), &err.message)],
                source,
                worker: None,
                isapi_count: 0,
            };
        }
    };
    match parse(source) {
        Err(failure) => FileReport {
            diagnostics: vec![malformed_metabase::diagnostic(
                failure.error.span,
                &failure.error.message,
            )],
            source: failure.source,
            worker: None,
            isapi_count: 0,
        },
        Ok(mb) => {
            let (diagnostics, isapi, worker) = lint_metabase(&mb);
            let summary = WorkerSummary {
                bitness: worker.bitness,
                reason: worker.describe(&mb),
            };
            FileReport {
                diagnostics,
                worker: Some(summary),
                isapi_count: isapi.entries.len(),
                source: mb.source,
            }
        }
    }
}

/// Reads and lints a file.
pub fn lint_file(path: &Path) -> Result<FileReport, InputError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })?;
    if meta.is_dir() {
        return Err(InputError::Directory { path: shown });
    }
    if meta.len() > crate::metabase::source::MAX_FILE_SIZE as u64 {
        return Err(InputError::TooLarge {
            path: shown,
            size: meta.len(),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })?;
    Ok(lint_bytes(&shown, bytes))
}
