//! The JSON report: a stable, documented schema (see README, "JSON output").
//!
//! Lines and columns are 1-based, columns count characters. `span` is a byte range of the file on
//! disk (BOM and UTF-16 accounted for), so a program can cut the exact bytes a finding names.

use serde::Serialize;

use super::Counts;
use crate::diagnostic::{Diagnostic, Evidence};
use crate::lint::{FileReport, InputFailure, WorkerSummary};
use crate::metabase::SourceFile;
use crate::metabase::source::{Encoding, LineEnding};
use crate::rules;

/// Bumped when a field changes meaning or disappears; new fields do not bump it. 2: `files` lists
/// every input, those that could not be read with `error` set and `encoding`/`line_ending` null.
/// 3: a diagnostic is one cause; `occurrences` holds its other places (counts count causes).
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub schema_version: u32,
    pub tool: Tool,
    pub files: Vec<JsonFile<'a>>,
    /// Every finding, serialised one at a time as the document is written.
    pub diagnostics: Diagnostics<'a>,
    pub counts: Counts,
    /// How many inputs could not be checked (each is in `files` with its `error`).
    pub failed_inputs: usize,
}

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
pub struct JsonFile<'a> {
    pub path: &'a str,
    /// Why the input could not be checked (or fixed); null when it was.
    pub error: Option<&'a str>,
    pub encoding: Option<Encoding>,
    pub line_ending: Option<LineEnding>,
    /// Whether the file parsed as a metabase (false: see its MB001 finding).
    pub parsed: bool,
    pub worker: Option<&'a WorkerSummary>,
    /// The platform, isolation mode and Windows folder, each with its source and evidence.
    pub server: Option<&'a crate::host::ServerModel>,
    /// The drives DLL paths were resolved on; empty when judged by path alone.
    pub drives: &'a [crate::lint::DriveSummary],
    /// How many ISAPI DLL references the worker processes could load.
    pub isapi_references: usize,
    pub counts: Counts,
}

#[derive(Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Serialize)]
pub struct ByteSpan {
    pub start: usize,
    pub end: usize,
}

#[derive(Serialize)]
pub struct JsonOccurrence<'a> {
    pub line: usize,
    pub column: usize,
    pub end: Position,
    pub span: ByteSpan,
    pub location: Option<&'a str>,
    pub attribute: Option<&'a str>,
}

#[derive(Serialize)]
pub struct JsonRelated<'a> {
    pub message: &'a str,
    /// The file of the place when it is another than the finding's (`mblint compare`: another
    /// node's metabase); absent when it is the finding's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    pub line: usize,
    pub column: usize,
    pub span: ByteSpan,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub message: &'a str,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end: Position,
    pub span: ByteSpan,
    pub location: Option<&'a str>,
    pub attribute: Option<&'a str>,
    pub label: &'a str,
    pub help: Option<&'a str>,
    pub evidence: &'a [Evidence],
    pub related: Vec<JsonRelated<'a>>,
    /// The other places of the same cause (the DLL in the same role, named again elsewhere), in file
    /// order; empty when it shows in one place.
    pub occurrences: Occurrences<'a>,
    /// The fix, or null.
    pub fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
pub struct JsonEdit<'a> {
    /// Byte range of the file on disk that the content replaces (equal ends: an insertion).
    pub span: ByteSpan,
    pub line: usize,
    pub column: usize,
    pub end: Position,
    pub content: &'a str,
}

#[derive(Serialize)]
pub struct JsonFix<'a> {
    pub applicability: &'static str,
    pub message: &'a str,
    pub restart: bool,
    pub edits: Vec<JsonEdit<'a>>,
    pub ops: &'a [crate::diagnostic::MetabaseOp],
}

fn byte_span(source: &SourceFile, span: crate::metabase::Span) -> ByteSpan {
    let range = source.file_span(span);
    ByteSpan {
        start: range.start,
        end: range.end,
    }
}

/// Where a span stands, as every JSON place gives it: start line and column, end, and file bytes.
fn place(source: &SourceFile, span: crate::metabase::Span) -> (usize, usize, Position, ByteSpan) {
    let (line, column) = source.line_col(span.start as usize);
    let (end_line, end_column) = source.line_col(span.end as usize);
    let end = Position {
        line: end_line,
        column: end_column,
    };
    (line, column, end, byte_span(source, span))
}

/// The findings of every report, serialised one at a time: no finding's JSON outlives its writing.
pub struct Diagnostics<'a> {
    reports: &'a [FileReport],
}

impl Serialize for Diagnostics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.reports
                .iter()
                .flat_map(|r| r.diagnostics.iter().map(|d| diagnostic(&r.source, d, self.reports))),
        )
    }
}

/// A finding's other places, serialised one at a time.
pub struct Occurrences<'a> {
    source: &'a SourceFile,
    d: &'a Diagnostic,
}

impl Serialize for Occurrences<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.d.occurrences.iter().map(|o| {
            let (line, column, end, span) = place(self.source, o.span);
            JsonOccurrence {
                line,
                column,
                end,
                span,
                location: o.location.as_deref(),
                attribute: o.attribute.as_deref(),
            }
        }))
    }
}

fn diagnostic<'a>(source: &'a SourceFile, d: &'a Diagnostic, reports: &'a [FileReport]) -> JsonDiagnostic<'a> {
    let (line, column, end, span) = place(source, d.span);
    JsonDiagnostic {
        code: d.code,
        name: rules::by_code(d.code).map_or("", |r| r.name),
        severity: d.severity.as_str(),
        message: &d.message,
        file: &source.name,
        line,
        column,
        end,
        span,
        location: d.location.as_deref(),
        attribute: d.attribute.as_deref(),
        label: &d.label,
        help: d.help.as_deref(),
        evidence: &d.evidence,
        occurrences: Occurrences { source, d },
        related: d
            .related
            .iter()
            .filter_map(|r| {
                // A place in another file is placed in that file's text.
                let (file, source) = match r.file.as_deref() {
                    None => (None, source),
                    Some(name) => (
                        Some(name),
                        &reports.iter().find(|other| other.source.name == name)?.source,
                    ),
                };
                let (line, column) = source.line_col(r.span.start as usize);
                Some(JsonRelated {
                    message: &r.message,
                    file,
                    line,
                    column,
                    span: byte_span(source, r.span),
                })
            })
            .collect(),
        fix: d.fix.as_ref().map(|f| JsonFix {
            applicability: f.applicability.as_str(),
            message: &f.message,
            restart: f.restart,
            edits: f
                .edits
                .iter()
                .map(|e| {
                    let (line, column, end, span) = place(source, e.span);
                    JsonEdit {
                        span,
                        line,
                        column,
                        end,
                        content: &e.content,
                    }
                })
                .collect(),
            ops: &f.ops,
        }),
    }
}

pub fn build<'a>(reports: &'a [FileReport], failures: &'a [InputFailure]) -> JsonReport<'a> {
    let failed_file = |f: &'a InputFailure| JsonFile {
        path: &f.path,
        error: Some(&f.error),
        encoding: None,
        line_ending: None,
        parsed: false,
        worker: None,
        server: None,
        drives: &[],
        isapi_references: 0,
        counts: Counts::default(),
    };
    // A report whose input also failed (a fix not written) carries that error.
    let error_of = |name: &str| failures.iter().find(|f| f.path == name).map(|f| f.error.as_str());
    let mut files: Vec<JsonFile<'a>> = reports
        .iter()
        .map(|r| JsonFile {
            path: &r.source.name,
            error: error_of(&r.source.name),
            encoding: Some(r.source.encoding),
            line_ending: Some(r.source.line_ending()),
            parsed: r.worker.is_some(),
            worker: r.worker.as_ref(),
            server: r.server.as_ref(),
            drives: &r.drives,
            isapi_references: r.isapi_count,
            counts: Counts::of(&r.diagnostics),
        })
        .collect();
    files.extend(
        failures
            .iter()
            .filter(|f| !reports.iter().any(|r| r.source.name == f.path))
            .map(failed_file),
    );
    JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "mblint",
            version: env!("CARGO_PKG_VERSION"),
        },
        files,
        diagnostics: Diagnostics { reports },
        counts: Counts::of_reports(reports),
        failed_inputs: failures.len(),
    }
}

/// Writes the report as it is serialised, so a million findings are never one string in memory.
pub fn write(reports: &[FileReport], failures: &[InputFailure], out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(reports, failures))?;
    out.write_all(b"\n")
}

pub fn render(reports: &[FileReport]) -> String {
    let mut out = Vec::new();
    write(reports, &[], &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
