//! The human report: each finding drawn by miette with the source lines around it, a label under
//! the exact attribute value or multi-string line, the code and name, and a one-line help.
//!
//! Text from the file or a drive (messages, labels, help, source lines, file names) is shown with
//! its control characters escaped as `\u{1b}` (see [`escape`](super::escape)), and a long source
//! line is clipped to the characters around the finding, so that neither a terminal escape nor a
//! 100 KB line reaches the output.

use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use super::escape::{escape, push_escaped};
use super::{Counts, checked_report};
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{FileReport, InputFailure};
use crate::metabase::SourceFile;
use crate::rules;

/// Rendering options.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub color: bool,
    pub width: usize,
    /// `-q`: the findings (and unreadable inputs) only, no server lines and no summary.
    pub quiet: bool,
    /// Draw with ASCII only (`|`, `-`, `...`), for consoles that cannot show box-drawing characters.
    pub ascii: bool,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            color: false,
            width: 100,
            quiet: false,
            ascii: false,
        }
    }
}

/// A source line longer than this many characters is shown clipped.
const LINE_LIMIT: usize = 200;
/// How many characters of a clipped line are shown on each side of a label's start or end.
const CLIP_RADIUS: usize = 80;
/// What stands for the characters a clipped line leaves out (and for places not named).
const ELISION: &str = "…";
/// The same in ASCII.
const ASCII_ELISION: &str = "...";

/// One line of a [`Snippet`].
struct ShownLine {
    /// Its range in the snippet's text (without a line break).
    start: usize,
    end: usize,
    /// 0-based line of the file.
    line: usize,
    /// Lines of one group are consecutive lines of the file.
    group: usize,
}

/// The source lines one finding shows, as miette sees them: the lines around each label, each
/// with its control characters escaped (see [`escape`](super::escape)) and, when it is long,
/// clipped to the characters around the labels' ends, `…` standing for the rest. miette draws a
/// few hundred characters whatever the file, and reads only this text: its spans are offsets in
/// it, while the line numbers, and the line:column in the header, are the file's.
struct Snippet {
    name: String,
    text: String,
    lines: Vec<ShownLine>,
    /// Each label's start in the snippet, with its 0-based line and column (in characters) in the
    /// file, for the header.
    starts: Vec<(usize, usize, usize)>,
    /// What stands for the characters a clipped line leaves out.
    elision: &'static str,
}

impl Snippet {
    /// The snippet for labels at `spans` (text spans of `src`), and the labels' spans in it.
    fn new(src: &SourceFile, spans: &[crate::metabase::Span], elision: &'static str) -> (Snippet, Vec<SourceSpan>) {
        let text = src.text.as_str();
        let floor = |mut o: usize| {
            o = o.min(text.len());
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            o
        };
        let spans: Vec<(usize, usize)> = spans
            .iter()
            .map(|s| {
                let start = floor(s.start as usize);
                (start, floor(s.end as usize).max(start))
            })
            .collect();
        // The lines to show: one line of context around each label, overlapping or adjacent
        // ranges joined into groups (as miette joins them).
        let last_line = src.line_count() - 1;
        let mut ranges: Vec<(usize, usize)> = spans
            .iter()
            .map(|&(start, end)| {
                let last = src.line_index(if end > start { end - 1 } else { end });
                (src.line_index(start).saturating_sub(1), (last + 1).min(last_line))
            })
            .collect();
        ranges.sort_unstable();
        let mut groups: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (first, last) in ranges {
            match groups.last_mut() {
                Some(g) if first <= g.1 + 1 => g.1 = g.1.max(last),
                _ => groups.push((first, last)),
            }
        }
        // Every label end, with where it lands in the snippet once known.
        let mut points: Vec<usize> = spans.iter().flat_map(|&(s, e)| [s, e]).collect();
        points.sort_unstable();
        points.dedup();
        let mut shown_at: Vec<(usize, usize)> = Vec::with_capacity(points.len());

        let mut snippet = Snippet {
            name: escape(&src.name).into_owned(),
            text: String::new(),
            lines: Vec::new(),
            starts: Vec::new(),
            elision,
        };
        for (group, &(first, last)) in groups.iter().enumerate() {
            for line in first..=last {
                if !snippet.lines.is_empty() {
                    snippet.text.push('\n');
                }
                let a = src.line_start(line);
                let next = src.line_start(line + 1);
                let mut b = next;
                if b > a && text.as_bytes()[b - 1] == b'\n' {
                    b -= 1;
                }
                if b > a && text.as_bytes()[b - 1] == b'\r' {
                    b -= 1;
                }
                // The label ends on this line: (the offset, where it is shown from).
                let from = points.partition_point(|&p| p < a);
                let to = if line == last_line {
                    points.len()
                } else {
                    points.partition_point(|&p| p < next)
                };
                let on_line: Vec<(usize, usize)> = points[from..to].iter().map(|&p| (p, p.min(b))).collect();
                let start = snippet.text.len();
                snippet.push_line(text, a, b, &on_line, &mut shown_at);
                snippet.lines.push(ShownLine {
                    start,
                    end: snippet.text.len(),
                    line,
                    group,
                });
            }
        }
        shown_at.sort_unstable();
        let shown = |o: usize| {
            let i = shown_at.partition_point(|&(p, _)| p < o);
            shown_at.get(i).filter(|&&(p, _)| p == o).map_or(0, |&(_, s)| s)
        };
        let mut labels = Vec::with_capacity(spans.len());
        for &(start, end) in &spans {
            let (from, to) = (shown(start), shown(end));
            let (line, column) = src.line_col(start);
            snippet.starts.push((from, line - 1, column - 1));
            labels.push(SourceSpan::new(from.into(), to.max(from) - from));
        }
        (snippet, labels)
    }

    /// Appends the text of line `a..b`, clipped around `points` (offsets, and where on the line
    /// each is shown) when long, recording where each point lands.
    fn push_line(
        &mut self,
        text: &str,
        a: usize,
        b: usize,
        points: &[(usize, usize)],
        shown_at: &mut Vec<(usize, usize)>,
    ) {
        let content = &text[a..b];
        let back = |p: usize, n: usize| text[a..p].char_indices().rev().take(n).last().map_or(p, |(i, _)| a + i);
        let fwd = |p: usize, n: usize| text[p..b].char_indices().nth(n).map_or(b, |(i, _)| p + i);
        let mut windows: Vec<(usize, usize)> = if content.chars().nth(LINE_LIMIT).is_none() {
            vec![(a, b)]
        } else if points.is_empty() {
            vec![(a, fwd(a, 2 * CLIP_RADIUS))]
        } else {
            points
                .iter()
                .map(|&(_, at)| (back(at, CLIP_RADIUS), fwd(at, CLIP_RADIUS)))
                .collect()
        };
        windows.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(windows.len());
        for (from, to) in windows {
            match merged.last_mut() {
                Some(w) if from <= w.1 => w.1 = w.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        let mut cursor = a;
        let mut next_point = points.iter().peekable();
        for (from, to) in merged {
            if from > cursor {
                self.text.push_str(self.elision);
            }
            let mut at = from;
            while let Some(&&(point, on_line)) = next_point.peek() {
                if on_line > to {
                    break;
                }
                next_point.next();
                let on_line = on_line.max(at);
                push_escaped(&mut self.text, &text[at..on_line]);
                at = on_line;
                shown_at.push((point, self.text.len()));
            }
            push_escaped(&mut self.text, &text[at..to]);
            cursor = to;
        }
        if cursor < b {
            self.text.push_str(self.elision);
        }
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > self.text.len() || self.lines.is_empty() {
            return Err(MietteError::OutOfBounds);
        }
        let line_of = |o: usize| self.lines.partition_point(|l| l.start <= o).saturating_sub(1);
        let (i, j) = (line_of(start), line_of(if end > start { end - 1 } else { end }));
        let group = self.lines[i].group;
        if self.lines[j].group != group {
            return Err(MietteError::OutOfBounds);
        }
        let (mut first, mut last) = (i, j);
        for _ in 0..before {
            if first > 0 && self.lines[first - 1].group == group {
                first -= 1;
            }
        }
        for _ in 0..after {
            if last + 1 < self.lines.len() && self.lines[last + 1].group == group {
                last += 1;
            }
        }
        let (from, to) = (self.lines[first].start, self.lines[last].end);
        // miette reads the header's line:column from a window with no context around the span:
        // give the file's, not the snippet's.
        let (line, column) = match self.starts.iter().find(|s| s.0 == start) {
            Some(&(_, line, column)) if before == 0 => (line, column),
            _ => (self.lines[first].line, 0),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            line,
            column,
            last - first + 1,
        )))
    }
}

/// One finding as miette wants it, every piece of text from the file escaped.
struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: Snippet,
    title: String,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    /// Related places in other files (`mblint compare`: the same setting on another node), each
    /// drawn with its own file's lines after the finding.
    elsewhere: Vec<Elsewhere>,
}

impl<'a> Rendered<'a> {
    fn new(
        diagnostic: &'a Diagnostic,
        source: &SourceFile,
        reports: &[FileReport],
        elision: &'static str,
    ) -> Rendered<'a> {
        let d = diagnostic;
        let here: Vec<&crate::diagnostic::Related> = d.related.iter().filter(|r| r.file.is_none()).collect();
        let spans: Vec<_> = std::iter::once(d.span).chain(here.iter().map(|r| r.span)).collect();
        let (snippet, shown) = Snippet::new(source, &spans, elision);
        let label = Some(escape(&d.label).into_owned()).filter(|l| !l.is_empty());
        let labels = std::iter::once(LabeledSpan::new_primary_with_span(label, shown[0]))
            .chain(
                here.iter()
                    .zip(&shown[1..])
                    .map(|(r, &s)| LabeledSpan::new_with_span(Some(escape(&r.message).into_owned()), s)),
            )
            .collect();
        let elsewhere = d
            .related
            .iter()
            .filter_map(|r| {
                let name = r.file.as_deref()?;
                let other = reports.iter().find(|o| o.source.name == name)?;
                let (snippet, shown) = Snippet::new(&other.source, &[r.span], elision);
                Some(Elsewhere {
                    title: escape(&r.message).into_owned(),
                    label: LabeledSpan::new_primary_with_span(None, shown[0]),
                    source: snippet,
                })
            })
            .collect();
        Rendered {
            diagnostic,
            source: snippet,
            title: escape(&d.headline()).into_owned(),
            help: d.help.as_deref().map(|h| escape(h).into_owned()),
            labels,
            elsewhere,
        }
    }
}

/// A related place in another file, drawn by miette as a related diagnostic with that file's lines.
struct Elsewhere {
    title: String,
    label: LabeledSpan,
    source: Snippet,
}

impl std::fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for Elsewhere {}

impl miette::Diagnostic for Elsewhere {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
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
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(self.elsewhere.iter().map(|e| e as &dyn miette::Diagnostic)))
    }
}

/// Writes every finding of every report, each input that could not be checked, then a summary
/// line; one finding at a time.
pub fn write(
    reports: &[FileReport],
    failures: &[InputFailure],
    options: TextOptions,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let theme = match (options.color, options.ascii) {
        (true, false) => GraphicalTheme::unicode(),
        (false, false) => GraphicalTheme::unicode_nocolor(),
        (true, true) => GraphicalTheme::ascii(),
        (false, true) => GraphicalTheme::none(),
    };
    let elision = if options.ascii { ASCII_ELISION } else { ELISION };
    // Lines break at spaces only, and a word longer than a line is never split: a Location
    // (/LM/W3SVC/AppPools) or a path in a message stays whole, to be found and copied.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .with_context_lines(1)
        .with_show_related_as_nested(true)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_break_words(false);
    let mut buf = String::new();
    for report in reports {
        for diagnostic in &report.diagnostics {
            buf.clear();
            let rendered = Rendered::new(diagnostic, &report.source, reports, elision);
            if handler.render_report(&mut buf, &rendered).is_err() {
                // A span miette cannot draw still gets a plain line.
                buf.clear();
                let (line, col) = report.source.line_col(diagnostic.span.start as usize);
                let _ = writeln!(
                    buf,
                    "{}:{line}:{col}: {} {}",
                    escape(&report.source.name),
                    diagnostic.code,
                    rendered.title
                );
            }
            more_places(&mut buf, diagnostic, &report.source, elision);
            fix_line(&mut buf, diagnostic, options.width);
            buf.push('\n');
            out.write_all(buf.as_bytes())?;
        }
    }
    tail(reports, failures, options.quiet, out)
}

/// How many places the text report names after a finding's primary one.
const PLACES_SHOWN: usize = 3;

/// `  … and 12,726 more places: /LM/W3SVC/2/ROOT line 75, ...` under a grouped finding.
fn more_places(buf: &mut String, d: &Diagnostic, source: &SourceFile, elision: &str) {
    if d.occurrences.is_empty() {
        return;
    }
    let shown: Vec<String> = d
        .occurrences
        .iter()
        .take(PLACES_SHOWN)
        .map(|o| {
            let line = source.line_col(o.span.start as usize).0;
            match o.location() {
                Some(location) => format!("{} line {line}", escape(location)),
                None => format!("line {line}"),
            }
        })
        .collect();
    let rest = d.occurrences.len().saturating_sub(PLACES_SHOWN);
    let _ = writeln!(
        buf,
        "  {elision} and {} more place{}: {}{}",
        thousands(d.occurrences.len()),
        if d.occurrences.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if rest > 0 {
            format!(", and {} others", thousands(rest))
        } else {
            String::new()
        }
    );
}

/// What the finding's fix does, under it (ruff's `--show-fixes`): `  fix [~] with --fix
/// --unsafe-fixes: switch every worker process to 32-bit ...`. The one thing an administrator must
/// read before passing `--unsafe-fixes` is what it changes.
/// Wrapped at `width` as miette wraps the help above it, at spaces only.
fn fix_line(buf: &mut String, d: &Diagnostic, width: usize) {
    let Some(fix) = &d.fix else { return };
    let how = match fix.applicability {
        crate::diagnostic::Applicability::Safe => "[*] with --fix",
        crate::diagnostic::Applicability::Unsafe => "[~] with --fix --unsafe-fixes",
        crate::diagnostic::Applicability::DisplayOnly => "shown by --diff, never applied",
    };
    let text = format!("fix {how}: {}", escape(&fix.message));
    for line in wrap(&text, width, "  ", "        ") {
        buf.push_str(&line);
        buf.push('\n');
    }
}

/// The narrowest width [`wrap`] wraps to: narrower, every word would be a line.
pub const MIN_WRAP_WIDTH: usize = 20;

/// Wraps `text` to `width` columns (at least [`MIN_WRAP_WIDTH`]), the house's one way to wrap text
/// for people: lines break at spaces only, a word longer than a line (a path, a URL, a Location) is
/// never split but left whole on a line of its own, to be found and copied, and a code span
/// (`` `aspnet_regiis -ir -enable` ``) is never broken inside. The first line starts with
/// `initial_indent`, the others with `subsequent_indent`. The text report's fix lines,
/// `mblint rule`, `mblint rules` and `--statistics` all wrap with it. `text` is shown as given:
/// escape it first.
pub fn wrap<'a>(text: &'a str, width: usize, initial_indent: &'a str, subsequent_indent: &'a str) -> Vec<String> {
    let options = textwrap::Options::new(width.max(MIN_WRAP_WIDTH))
        .initial_indent(initial_indent)
        .subsequent_indent(subsequent_indent)
        .word_separator(textwrap::WordSeparator::Custom(words_outside_code_spans))
        // textwrap's default splits words at hyphens: a URL (`howto-diagnose-...`) or a name
        // (`worker-bitness-mismatch`) would be cut.
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(false);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|line| line.trim_end().to_string())
        .collect()
}

/// Splits a line after each run of spaces that is not inside a code span: a backtick opens a span
/// only when another one closes it later on the line (a lone backtick is text).
fn words_outside_code_spans(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let (mut start, mut i, mut in_code) = (0, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'`' if in_code => in_code = false,
            b'`' if bytes[i + 1..].contains(&b'`') => in_code = true,
            b' ' if !in_code => {
                let end = i + bytes[i..].iter().take_while(|&&b| b == b' ').count();
                words.push(textwrap::core::Word::from(&line[start..end]));
                (start, i) = (end, end);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

/// `12726` -> `12,726`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What follows the findings: each unreadable input, then (unless quiet) the server lines, the
/// summary and what `--fix` could do.
fn tail(
    reports: &[FileReport],
    failures: &[InputFailure],
    quiet: bool,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    for f in failures {
        match checked_report(f, reports) {
            Some(report) => writeln!(
                out,
                "{}: checked ({}), but its fixes were not written: {}",
                escape(&f.path),
                Counts::of(&report.diagnostics).words(),
                escape(&f.error)
            )?,
            None => writeln!(out, "{}: could not be checked: {}", escape(&f.path), escape(&f.error))?,
        }
    }
    if quiet {
        return Ok(());
    }
    for report in reports {
        if let Some(line) = server_line(report) {
            out.write_all(line.as_bytes())?;
        }
    }
    out.write_all(summary(reports, failures).as_bytes())?;
    out.write_all(fixable(reports, failures).as_bytes())
}

/// The marker a finding gets in the concise format: `[*]` for a fix `--fix` applies, `[~]` for one
/// that needs `--unsafe-fixes`, nothing otherwise.
fn marker(d: &Diagnostic) -> &'static str {
    match d.fix.as_ref().map(|f| f.applicability) {
        Some(crate::diagnostic::Applicability::Safe) => "[*] ",
        Some(crate::diagnostic::Applicability::Unsafe) => "[~] ",
        _ => "",
    }
}

/// `[*] 3 fixable with --fix (2 more with --unsafe-fixes).`, or nothing when nothing is. The
/// findings of a file whose fixes `--fix` could not write are left out: running it again would
/// fail again (the line about that file says what can work).
pub fn fixable(reports: &[FileReport], failures: &[InputFailure]) -> String {
    let (mut safe, mut unsafe_) = (0, 0);
    let not_written = |r: &FileReport| failures.iter().any(|f| f.path == r.source.name);
    for d in reports.iter().filter(|r| !not_written(r)).flat_map(|r| &r.diagnostics) {
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(crate::diagnostic::Applicability::Safe) => safe += 1,
            Some(crate::diagnostic::Applicability::Unsafe) => unsafe_ += 1,
            _ => {}
        }
    }
    match (safe, unsafe_) {
        (0, 0) => String::new(),
        (s, 0) => format!("[*] {s} fixable with --fix.\n"),
        (0, u) => format!("[~] {u} fixable with --fix --unsafe-fixes.\n"),
        (s, u) => format!("[*] {s} fixable with --fix ({u} more with --unsafe-fixes).\n"),
    }
}

/// The concise format: one line per finding, `file:line:col: CODE [*] message`, as ruff's
/// `concise` and shellcheck's `gcc` formats; the same tail as the text format.
pub fn write_concise(
    reports: &[FileReport],
    failures: &[InputFailure],
    quiet: bool,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    for report in reports {
        let name = escape(&report.source.name);
        for d in &report.diagnostics {
            let (line, col) = report.source.line_col(d.span.start as usize);
            writeln!(
                out,
                "{name}:{line}:{col}: {} {}{}",
                d.code,
                marker(d),
                escape(&d.headline())
            )?;
        }
    }
    tail(reports, failures, quiet, out)
}

/// `MetaBase.xml: x64 Windows (read from the drive), worker process isolation mode, Windows in
/// C:\WINDOWS (read from the drive); ISAPI DLLs load in 64-bit w3wp.exe`: what the verdicts rest on.
pub fn server_line(report: &FileReport) -> Option<String> {
    let (server, worker) = (report.server.as_ref()?, report.worker.as_ref()?);
    let processes = worker.processes.join(" and ");
    let load = match worker.bitness {
        Some(b) => format!("{b} {processes}"),
        None if worker.name_case => {
            format!("{processes}, 32- or 64-bit by how IIS reads a property name's letter case (MB005)")
        }
        None => format!("{processes}, 32- or 64-bit by the platform"),
    };
    // The Windows folder comes from the metabase or the drive: escaped like the file name.
    Some(format!(
        "{}: {}; ISAPI DLLs load in {load}\n",
        escape(&report.source.name),
        escape(&server.summary())
    ))
}

pub fn render(reports: &[FileReport], options: TextOptions) -> String {
    let mut out = Vec::new();
    write(reports, &[], options, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// `Found 3 problems (2 errors, 1 warning) in 1 of 2 files.` or `No problems found in 2 files.`;
/// with inputs that could not be checked, or fixes that could not be written, it never reads as a
/// pass: `No problems found in the 1 file checked; 1 of 2 files could not be checked: this is no
/// pass.`, and `1 input could not be checked: this is no pass.` when none was.
pub fn summary(reports: &[FileReport], failures: &[InputFailure]) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    // An input that failed after it was checked (its fixes not written) has a report too.
    let not_written = failures.iter().filter(|f| checked_report(f, reports).is_some()).count();
    let not_checked = failures.len() - not_written;
    let inputs = reports.len() + not_checked;
    if failures.is_empty() {
        return format!("{}.\n", found(reports, inputs));
    }
    if reports.is_empty() {
        // Nothing was checked: that comes first, and nothing reads as a pass.
        return format!(
            "{} could not be checked: this is no pass.\n",
            plural(not_checked, "input")
        );
    }
    let found_part = if Counts::of_reports(reports).total() == 0 {
        format!("No problems found in the {} checked", plural(reports.len(), "file"))
    } else {
        found(reports, inputs)
    };
    let mut failed = Vec::new();
    if not_checked > 0 {
        failed.push(format!(
            "{not_checked} of {} could not be checked",
            plural(inputs, "file")
        ));
    }
    if not_written > 0 {
        failed.push(format!(
            "the fixes to {not_written} of {} could not be written",
            plural(inputs, "file")
        ));
    }
    format!("{found_part}; {}: this is no pass.\n", failed.join("; "))
}

/// `Found 3 problems (2 errors, 1 warning) in 1 of 2 files` or `No problems found in 2 files`.
fn found(reports: &[FileReport], files: usize) -> String {
    let counts = Counts::of_reports(reports);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if counts.total() == 0 {
        return format!("No problems found in {}", plural(files, "file"));
    }
    let with = reports.iter().filter(|r| !r.diagnostics.is_empty()).count();
    format!(
        "Found {} ({}) in {with} of {}",
        plural(counts.total(), "problem"),
        counts.words(),
        plural(files, "file")
    )
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_within_the_width() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = wrap(text, 20, "", "  ");
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" ").split_whitespace().collect::<Vec<_>>().join(" "), text);
        assert!(lines[1..].iter().all(|l| l.starts_with("  ")), "{lines:?}");
    }

    #[test]
    fn never_breaks_a_code_span_a_path_or_a_url() {
        let text = "run `aspnet_regiis.exe -ir -enable` from C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727 as https://learn.microsoft.com/en-us/archive/blogs/david.wang/howto-diagnose-one-cause says, for worker-bitness-mismatch";
        let lines = wrap(text, 20, "", "");
        for whole in [
            "`aspnet_regiis.exe -ir -enable`",
            "C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727",
            "https://learn.microsoft.com/en-us/archive/blogs/david.wang/howto-diagnose-one-cause",
            "worker-bitness-mismatch",
        ] {
            assert!(lines.iter().any(|l| l.contains(whole)), "{whole} split: {lines:?}");
        }
    }

    #[test]
    fn a_lone_backtick_is_text() {
        let lines = wrap("a ` b c d e f g h i j k l m n o p q r s t u v w x y z", 20, "", "");
        assert!(
            lines.len() > 1 && lines.iter().all(|l| l.chars().count() <= 20),
            "{lines:?}"
        );
    }
}
