//! The human report: each finding drawn by miette with the source lines around it, a label under
//! the exact attribute value or multi-string line, the code and name, and a one-line help.

use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use super::Counts;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::FileReport;
use crate::metabase::SourceFile;
use crate::rules;

/// Rendering options.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub color: bool,
    pub width: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            color: false,
            width: 100,
        }
    }
}

/// The source as miette sees it: windows cut with the file's own line index, so that drawing a
/// finding near the end of a 100 MB file does not rescan it from the start.
struct Source<'a>(&'a SourceFile);

impl SourceCode for Source<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let src = self.0;
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > src.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = src.line_index(start).saturating_sub(before);
        let last_of_span = src.line_index(if end > start { end - 1 } else { end });
        let last = (last_of_span + after).min(src.line_count() - 1);
        let window_start = src.line_start(first);
        let mut window_end = src.line_start(last + 1);
        // Drop the final line break so miette does not draw an empty line.
        let bytes = src.text.as_bytes();
        while window_end > window_start && matches!(bytes[window_end - 1], b'\n' | b'\r') {
            window_end -= 1;
        }
        // miette reads the header's line:column from a window with no context around the span.
        let column = if before == 0 { src.line_col(start).1 - 1 } else { 0 };
        Ok(Box::new(MietteSpanContents::new_named(
            src.name.clone(),
            &bytes[window_start..window_end],
            SourceSpan::new(window_start.into(), window_end - window_start),
            first,
            column,
            last - first + 1,
        )))
    }
}

/// One finding as miette wants it.
struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: Source<'a>,
    title: String,
}

impl std::fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for Rendered<'_> {}

fn span(s: crate::metabase::Span) -> SourceSpan {
    SourceSpan::new((s.start as usize).into(), s.len())
}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let d = self.diagnostic;
        let name = rules::by_code(d.code).map_or("", |r| r.name);
        Some(Box::new(format!("{}({name})", d.code)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(Some(d.label.clone()).filter(|l| !l.is_empty()), span(d.span));
        let related = d
            .related
            .iter()
            .map(|r| LabeledSpan::new_with_span(Some(r.message.clone()), span(r.span)));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// Writes every finding of every report, then a summary line; one finding at a time.
pub fn write(reports: &[FileReport], options: TextOptions, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .with_context_lines(1);
    let mut buf = String::new();
    for report in reports {
        for diagnostic in &report.diagnostics {
            buf.clear();
            let rendered = Rendered {
                diagnostic,
                source: Source(&report.source),
                title: diagnostic.message.clone(),
            };
            if handler.render_report(&mut buf, &rendered).is_err() {
                // A span miette cannot draw still gets a plain line.
                let (line, col) = report.source.line_col(diagnostic.span.start as usize);
                let _ = writeln!(
                    buf,
                    "{}:{line}:{col}: {} {}",
                    report.source.name, diagnostic.code, diagnostic.message
                );
            }
            buf.push('\n');
            out.write_all(buf.as_bytes())?;
        }
    }
    for report in reports {
        if let Some(line) = server_line(report) {
            out.write_all(line.as_bytes())?;
        }
    }
    out.write_all(summary(reports).as_bytes())
}

/// `MetaBase.xml: x64 Windows (read from the drive), worker process isolation mode, Windows in
/// C:\WINDOWS (read from the drive); ISAPI DLLs load in 64-bit w3wp.exe`: what the verdicts rest on.
pub fn server_line(report: &FileReport) -> Option<String> {
    let (server, worker) = (report.server.as_ref()?, report.worker.as_ref()?);
    let processes = worker.processes.join(" and ");
    let load = match worker.bitness {
        Some(b) => format!("{b} {processes}"),
        None => format!("{processes}, 32- or 64-bit by the platform"),
    };
    Some(format!(
        "{}: {}; ISAPI DLLs load in {load}\n",
        report.source.name,
        server.summary()
    ))
}

pub fn render(reports: &[FileReport], options: TextOptions) -> String {
    let mut out = Vec::new();
    write(reports, options, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// `Found 3 problems (2 errors, 1 warning) in 1 of 2 files.` or `No problems found in 2 files.`
pub fn summary(reports: &[FileReport]) -> String {
    let counts = Counts::of_reports(reports);
    let files = reports.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if counts.total() == 0 {
        return format!("No problems found in {}.\n", plural(files, "file"));
    }
    let mut parts = Vec::new();
    if counts.error > 0 {
        parts.push(plural(counts.error, "error"));
    }
    if counts.warning > 0 {
        parts.push(plural(counts.warning, "warning"));
    }
    if counts.info > 0 {
        parts.push(format!("{} info", counts.info));
    }
    let with = reports.iter().filter(|r| !r.diagnostics.is_empty()).count();
    format!(
        "Found {} ({}) in {with} of {}.\n",
        plural(counts.total(), "problem"),
        parts.join(", "),
        plural(files, "file")
    )
}
