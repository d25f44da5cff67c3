//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding, which
//! the runner turns into annotations on the file and line.
//!
//! Text from the metabase or a drive has its control characters shown as `\u{1b}` first (see
//! [`escape`](super::escape)), so no ESC or BEL reaches the log; then the command's own escaping
//! keeps `%`, line breaks and, in properties, `:` and `,` from ending a field or the command.

use std::io::Write;

use super::escape::escape;
use crate::diagnostic::Severity;
use crate::lint::{FileReport, InputFailure};

/// Escapes a command's message (GitHub's `escapeData`).
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command's property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One annotation per finding, and one `::error` per input that could not be checked (on the file,
/// with no line), so a workflow never shows a clean run for an input it did not read.
pub fn write(reports: &[FileReport], failures: &[InputFailure], out: &mut impl Write) -> std::io::Result<()> {
    write_with_warnings(reports, failures, &[], out)
}

/// [`write`], and a `::warning` on the file for each of `warnings` (inputs passed over on purpose,
/// or what the reader must know about one; each `error` a sentence that reads alone).
pub fn write_with_warnings(
    reports: &[FileReport],
    failures: &[InputFailure],
    warnings: &[InputFailure],
    out: &mut impl Write,
) -> std::io::Result<()> {
    for w in warnings {
        writeln!(
            out,
            "::warning file={},title={}::{}",
            property(&escape(&w.path.replace('\\', "/"))),
            property("mblint: about an input"),
            data(&escape(&w.error))
        )?;
    }
    for f in failures {
        let (title, message) = match super::checked_report(f, reports) {
            Some(_) => (
                "mblint: fixes not written",
                format!("{} was checked, but its fixes were not written: {}", f.path, f.error),
            ),
            None => (
                "mblint: input not checked",
                format!("{} could not be checked: {}", f.path, f.error),
            ),
        };
        writeln!(
            out,
            "::error file={},title={}::{}",
            property(&escape(&f.path.replace('\\', "/"))),
            property(title),
            data(&escape(&message))
        )?;
    }
    for report in reports {
        let file = property(&escape(&report.source.name.replace('\\', "/")));
        for d in &report.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let (line, col) = report.source.line_col(d.span.start as usize);
            let (end_line, end_col) = report.source.line_col(d.span.end as usize);
            let name = crate::rules::by_code(d.code).map_or("", |r| r.name);
            // The one line break is the separator; any in the finding's own text is escaped.
            let mut message = escape(&d.headline()).into_owned();
            if let Some(help) = &d.help {
                message.push_str("\nHelp: ");
                message.push_str(&escape(help));
            }
            writeln!(
                out,
                "::{command} file={file},line={line},endLine={end_line},col={col},endColumn={end_col},title={}::{}",
                property(&format!("{} {name}", d.code)),
                data(&message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
