//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding, which
//! the runner turns into annotations on the file and line.

use std::io::Write;

use crate::diagnostic::Severity;
use crate::lint::FileReport;

/// Escapes a command's message (GitHub's `escapeData`).
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command's property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(reports: &[FileReport], out: &mut impl Write) -> std::io::Result<()> {
    for report in reports {
        let file = property(&report.source.name.replace('\\', "/"));
        for d in &report.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let (line, col) = report.source.line_col(d.span.start as usize);
            let (end_line, end_col) = report.source.line_col(d.span.end as usize);
            let name = crate::rules::by_code(d.code).map_or("", |r| r.name);
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nHelp: ");
                message.push_str(help);
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
