//! The JSON report: a stable, documented schema (see docs/output-formats.md, "JSON output").
//!
//! Lines and columns are 1-based, columns count characters. `span` is a byte range of the file on
//! disk (BOM and UTF-16 accounted for), so a program can cut the exact bytes a finding names.

use serde::Serialize;

use super::Counts;
use super::pretty::{Cursor, Pretty};
use crate::diagnostic::{Diagnostic, Evidence};
use crate::lint::{FileReport, InputFailure, WorkerSummary};
use crate::metabase::SourceFile;
use crate::metabase::source::{Encoding, LineEnding};
use crate::rules;

/// Bumped when a field changes meaning or disappears; new fields do not bump it. 2: `files` lists
/// every input, those that could not be read with `error` set and `encoding`/`line_ending` null.
/// 3: a diagnostic is one cause; `occurrences` holds its other places (counts count causes).
pub const SCHEMA_VERSION: u32 = 3;

/// The document. [`write`] writes it by hand around serde-written members (tests/report_stream.rs
/// holds the two to the same bytes): a field added here is added there.
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

/// One finding. [`write`] writes it by hand, field for field (tests/report_stream.rs holds the two
/// to the same bytes): a field added here is added there.
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
                location: o.location(),
                attribute: o.attribute(),
            }
        }))
    }
}

/// A finding's related places; one in another file is placed in that file's text.
fn related<'a>(source: &'a SourceFile, d: &'a Diagnostic, reports: &'a [FileReport]) -> Vec<JsonRelated<'a>> {
    d.related
        .iter()
        .filter_map(|r| {
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
        .collect()
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
        related: related(source, d, reports),
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
///
/// The document is [`build`]'s, as `serde_json::to_writer_pretty` would write it (a test holds the
/// two to the same bytes), but the findings are written by hand: a finding's places and its fix's
/// edits, hundreds of thousands on a hosting server's metabase, are each a few appends to one large
/// buffer, their lines found by a cursor that walks the file in order.
pub fn write(reports: &[FileReport], failures: &[InputFailure], out: &mut impl std::io::Write) -> std::io::Result<()> {
    let mut p = Pretty::new(&mut *out);
    write_object(&mut p, reports, failures)?;
    p.raw(b"\n");
    p.finish()?;
    Ok(())
}

/// The document as a value where `p` stands (`mblint history` puts it inside its own).
pub fn write_object<W: std::io::Write>(
    p: &mut Pretty<W>,
    reports: &[FileReport],
    failures: &[InputFailure],
) -> std::io::Result<()> {
    let report = build(reports, failures);
    p.begin_object();
    p.key("schema_version");
    p.uint(u64::from(report.schema_version));
    p.key("tool");
    p.value(&report.tool)?;
    p.key("files");
    p.value(&report.files)?;
    p.key("diagnostics");
    p.begin_array();
    // A file without findings never builds its line index.
    for r in reports.iter().filter(|r| !r.diagnostics.is_empty()) {
        let mut cursor = Cursor::new(&r.source);
        for d in &r.diagnostics {
            p.element();
            write_diagnostic(p, &mut cursor, d, reports)?;
            p.flush_if_full()?;
        }
    }
    p.end_array();
    p.key("counts");
    p.value(&report.counts)?;
    p.key("failed_inputs");
    p.uint(report.failed_inputs as u64);
    p.end_object();
    Ok(())
}

/// `"line": L, "column": C, "end": {...}, "span": {...}` of a span, in the members of an open
/// object, as [`place`] gives them.
fn write_place<W: std::io::Write>(p: &mut Pretty<W>, cursor: &mut Cursor, span: crate::metabase::Span) {
    let (start, end) = (span.start as usize, span.end as usize);
    let (line, column) = cursor.line_col(start);
    let (end_line, end_column) = cursor.line_col(end);
    p.key("line");
    p.uint(line as u64);
    p.key("column");
    p.uint(column as u64);
    p.key("end");
    p.begin_object();
    p.key("line");
    p.uint(end_line as u64);
    p.key("column");
    p.uint(end_column as u64);
    p.end_object();
    p.key("span");
    p.begin_object();
    p.key("start");
    p.uint(cursor.file_offset(start) as u64);
    p.key("end");
    p.uint(cursor.file_offset(end) as u64);
    p.end_object();
}

/// A [`JsonOccurrence`], its values left as holes.
fn occurrence_shape<W: std::io::Write>(r: &mut Pretty<W>) {
    r.begin_object();
    for key in ["line", "column"] {
        r.key(key);
        r.hole();
    }
    r.key("end");
    r.begin_object();
    for key in ["line", "column"] {
        r.key(key);
        r.hole();
    }
    r.end_object();
    r.key("span");
    r.begin_object();
    for key in ["start", "end"] {
        r.key(key);
        r.hole();
    }
    r.end_object();
    for key in ["location", "attribute"] {
        r.key(key);
        r.hole();
    }
    r.end_object();
}

/// A [`JsonEdit`], its values left as holes.
fn edit_shape<W: std::io::Write>(r: &mut Pretty<W>) {
    r.begin_object();
    r.key("span");
    r.begin_object();
    for key in ["start", "end"] {
        r.key(key);
        r.hole();
    }
    r.end_object();
    for key in ["line", "column"] {
        r.key(key);
        r.hole();
    }
    r.key("end");
    r.begin_object();
    for key in ["line", "column"] {
        r.key(key);
        r.hole();
    }
    r.end_object();
    r.key("content");
    r.hole();
    r.end_object();
}

/// One finding, as [`diagnostic`] builds it and serde would write it.
fn write_diagnostic<W: std::io::Write>(
    p: &mut Pretty<W>,
    cursor: &mut Cursor,
    d: &Diagnostic,
    reports: &[FileReport],
) -> std::io::Result<()> {
    let source = cursor.source();
    p.begin_object();
    p.key("code");
    p.str(d.code);
    p.key("name");
    p.str(rules::by_code(d.code).map_or("", |r| r.name));
    p.key("severity");
    p.str(d.severity.as_str());
    p.key("message");
    p.str(&d.message);
    p.key("file");
    p.str(&source.name);
    write_place(p, cursor, d.span);
    p.key("location");
    p.opt_str(d.location.as_deref());
    p.key("attribute");
    p.opt_str(d.attribute.as_deref());
    p.key("label");
    p.str(&d.label);
    p.key("help");
    p.opt_str(d.help.as_deref());
    p.key("evidence");
    p.value(&d.evidence)?;
    p.key("related");
    p.value(&related(source, d, reports))?;
    p.key("occurrences");
    p.begin_array();
    let mut shape = None;
    for o in &d.occurrences {
        p.element();
        let shape = shape.get_or_insert_with(|| p.shape(occurrence_shape));
        let ((line, column), (end_line, end_column)) = (
            cursor.line_col(o.span.start as usize),
            cursor.line_col(o.span.end as usize),
        );
        let mut f = shape.fill(p);
        f.uint(line as u64);
        f.uint(column as u64);
        f.uint(end_line as u64);
        f.uint(end_column as u64);
        f.uint(cursor.file_offset(o.span.start as usize) as u64);
        f.uint(cursor.file_offset(o.span.end as usize) as u64);
        f.opt_str(o.location());
        f.opt_str(o.attribute());
        f.end();
        p.flush_if_full()?;
    }
    p.end_array();
    p.key("fix");
    match &d.fix {
        None => p.null(),
        Some(f) => {
            p.begin_object();
            p.key("applicability");
            p.str(f.applicability.as_str());
            p.key("message");
            p.str(&f.message);
            p.key("restart");
            p.bool(f.restart);
            p.key("edits");
            p.begin_array();
            let mut shape = None;
            for e in &f.edits {
                p.element();
                let shape = shape.get_or_insert_with(|| p.shape(edit_shape));
                let (start, end) = (e.span.start as usize, e.span.end as usize);
                let (file_start, file_end) = (cursor.file_offset(start), cursor.file_offset(end));
                let ((line, column), (end_line, end_column)) = (cursor.line_col(start), cursor.line_col(end));
                let mut w = shape.fill(p);
                w.uint(file_start as u64);
                w.uint(file_end as u64);
                w.uint(line as u64);
                w.uint(column as u64);
                w.uint(end_line as u64);
                w.uint(end_column as u64);
                w.str(&e.content);
                w.end();
                p.flush_if_full()?;
            }
            p.end_array();
            p.key("ops");
            p.value(&f.ops)?;
            p.end_object();
        }
    }
    p.end_object();
    Ok(())
}

pub fn render(reports: &[FileReport]) -> String {
    let mut out = Vec::new();
    write(reports, &[], &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
