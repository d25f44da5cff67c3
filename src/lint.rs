//! Runs the whole pipeline on one file: bytes -> decoded text -> metabase -> ISAPI set -> findings.

use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::metabase::isapi::{IsapiSet, WorkerBitness};
use crate::metabase::server::ServerConfig;
use crate::metabase::{Metabase, SourceFile, Span, parse};
use crate::resolve::drive::{Drives, find_metabase};
use crate::resolve::images::Images;
use crate::resolve::resolver::Resolver;
use crate::resolve::winpath;
use crate::rules::{self, Context, malformed_metabase};

/// How to lint.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Drives to resolve DLL paths on; empty: judge by paths alone.
    pub drives: Drives,
    /// Which rules run, severity overrides, per-Location ignores.
    pub settings: Settings,
    /// `--worker-bitness`: the bitness fixes must aim for.
    pub forced_bitness: Option<crate::bitness::Bitness>,
}

/// What a user needs to know about the worker processes of a linted file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkerSummary {
    pub bitness: crate::bitness::Bitness,
    /// Why: the setting that decides it, in words.
    pub reason: String,
}

/// A drive mapping, for reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DriveSummary {
    pub letter: String,
    pub root: String,
}

/// The outcome of linting one file.
#[derive(Debug)]
pub struct FileReport {
    pub source: SourceFile,
    /// The drives DLL paths were resolved on (empty: path evidence only).
    pub drives: Vec<DriveSummary>,
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when the file did not parse.
    pub worker: Option<WorkerSummary>,
    /// The effective EnableEditWhileRunning at /LM, when the file parsed and sets it.
    pub edit_while_running: Option<bool>,
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
    #[error(
        "{path} is a folder without WINDOWS\\system32\\inetsrv\\MetaBase.xml (in any letter case): give a MetaBase.xml, or a copy of a server's system drive"
    )]
    NoMetabase { path: String },
    #[error("{path} is {size} bytes; mblint reads metabases up to 4 GiB")]
    TooLarge { path: String, size: u64 },
}

/// Lints every rule over a parsed metabase, reading images from `options.drives` when any are mapped.
pub fn lint_metabase(mb: &Metabase, options: &Options) -> (Vec<Diagnostic>, IsapiSet, WorkerBitness) {
    let isapi = IsapiSet::of(mb);
    let worker = WorkerBitness::of(mb);
    let images = (!options.drives.is_empty()).then(|| {
        let mut resolver = Resolver::new(options.drives.clone());
        Images::of(&isapi, worker.bitness, &mut resolver)
    });
    let server = ServerConfig::of(mb);
    let ctx = Context {
        metabase: mb,
        isapi: &isapi,
        server: &server,
        worker,
        images: images.as_ref(),
        forced_bitness: options.forced_bitness,
        windir: (!options.drives.is_empty()).then(|| options.drives.windir.to_string()),
        plan: Default::default(),
    };
    let mut diagnostics = rules::run(&ctx, |code| options.settings.enabled(code));
    options.settings.apply(&mut diagnostics);
    (diagnostics, isapi, worker)
}

/// Lints a file's bytes with paths judged by their text alone.
pub fn lint_bytes(name: &str, bytes: impl Into<Vec<u8>>) -> FileReport {
    lint_bytes_with(name, bytes, &Options::default())
}

/// Lints a file's bytes; `name` is how the file is shown. Pass a `Vec` to lend it without a copy.
pub fn lint_bytes_with(name: &str, bytes: impl Into<Vec<u8>>, options: &Options) -> FileReport {
    let drives: Vec<DriveSummary> = options
        .drives
        .mappings()
        .map(|(letter, root)| DriveSummary {
            letter: format!("{letter}:"),
            root: root.display().to_string(),
        })
        .collect();
    let source = match SourceFile::decode(name, bytes) {
        Ok(source) => source,
        Err(err) => {
            // Show the fault at the end of the text that did decode.
            let source = SourceFile::from_text(name, err.valid_prefix);
            let at = source.text.len();
            return FileReport {
                diagnostics: vec![malformed_metabase::diagnostic(Span::new(at, at), &err.message)],
                drives,
                source,
                worker: None,
                edit_while_running: None,
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
            drives,
            source: failure.source,
            worker: None,
            edit_while_running: None,
            isapi_count: 0,
        },
        Ok(mb) => {
            let (diagnostics, isapi, worker) = lint_metabase(&mb, options);
            let summary = WorkerSummary {
                bitness: worker.bitness,
                reason: worker.describe(&mb),
            };
            let edit_while_running = mb
                .effective_at("/LM", crate::metabase::props::ENABLE_EDIT_WHILE_RUNNING)
                .and_then(|(_, attr)| crate::metabase::props::parse_bool(&mb.attr_value(attr)));
            FileReport {
                diagnostics,
                drives,
                edit_while_running,
                worker: Some(summary),
                isapi_count: isapi.entries.len(),
                source: mb.source,
            }
        }
    }
}

/// What a path argument names: a metabase file, and the drive copy it was found on, if any.
#[derive(Debug, Clone)]
pub struct Input {
    pub metabase: PathBuf,
    /// The folder given, when it is a copy of a system drive (it stands for C:), with the name of
    /// its Windows folder.
    pub drive: Option<(PathBuf, String)>,
}

/// Works out what a path argument names: a MetaBase.xml, or a folder with
/// `WINDOWS\system32\inetsrv\MetaBase.xml` in any letter case.
pub fn input(path: &Path) -> Result<Input, InputError> {
    let meta = std::fs::metadata(path).map_err(|source| InputError::Read {
        path: path.display().to_string(),
        source,
    })?;
    if !meta.is_dir() {
        return Ok(Input {
            metabase: path.to_path_buf(),
            drive: None,
        });
    }
    let (metabase, windir) = find_metabase(path).ok_or(InputError::NoMetabase {
        path: path.display().to_string(),
    })?;
    Ok(Input {
        metabase,
        drive: Some((path.to_path_buf(), windir)),
    })
}

/// The options an input is linted with: a drive copy stands for C: unless `options` maps C:
/// already (an explicit mapping wins over the folder given).
pub fn effective_options(input: &Input, options: &Options) -> Options {
    let mut options = options.clone();
    if let Some((folder, windir)) = &input.drive
        && options.drives.mappings().all(|(letter, _)| letter != 'C')
    {
        options.drives.insert('C', folder.clone());
        if let Ok(w) = winpath::parse(&format!("C:\\{windir}")) {
            options.drives.windir = w;
        }
    }
    options
}

/// Lints an input with its [`effective_options`].
pub fn lint_input(input: &Input, options: &Options) -> Result<FileReport, InputError> {
    lint_file(&input.metabase, &effective_options(input, options))
}

/// Reads and lints a MetaBase.xml, or the metabase on a copy of a server's system drive.
pub fn lint_path(path: &Path, options: &Options) -> Result<FileReport, InputError> {
    lint_input(&input(path)?, options)
}

/// Reads and lints one MetaBase.xml file.
pub fn lint_file(path: &Path, options: &Options) -> Result<FileReport, InputError> {
    Ok(lint_bytes_with(
        &path.display().to_string(),
        read_metabase(path)?,
        options,
    ))
}

/// Reads a metabase file, refusing one too large for 32-bit spans before reading it.
pub fn read_metabase(path: &Path) -> Result<Vec<u8>, InputError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })?;
    if meta.len() > crate::metabase::source::MAX_FILE_SIZE as u64 {
        return Err(InputError::TooLarge {
            path: shown,
            size: meta.len(),
        });
    }
    std::fs::read(path).map_err(|source| InputError::Read { path: shown, source })
}
