//! A rule's Markdown document drawn for a terminal (`mblint rule`), as `man` draws a page: HTML
//! comments (the `<!-- example: ... -->` markers tests/rule_docs.rs reads) hidden, headings
//! emphasised, paragraphs and list items wrapped to the width with [`super::text::wrap`] (never
//! inside a code span, a path or a URL), fenced code blocks verbatim and indented, tables aligned,
//! links as `text (url)`.
//!
//! Only the Markdown the rule documents use is read (ATX headings, paragraphs, `-`/`*`/`1.` lists,
//! fenced code, pipe tables, `**strong**`, code spans, links, backslash escapes); anything else is
//! shown as written. Every line of the document is [escaped](super::escape) before it is drawn, so
//! nothing in it reaches the terminal as a control character: the only escape sequences in the
//! output are the bold on and off this module writes when `color` is on.

use std::fmt::Write as _;

use super::escape::escape;
use super::text::wrap;

const BOLD: &str = "\u{1b}[1m";
const RESET: &str = "\u{1b}[0m";
/// How far a fenced code block is indented.
const CODE_INDENT: &str = "    ";

/// A block being gathered from the document's lines.
enum Block {
    None,
    /// A paragraph's text, its lines joined by spaces.
    Paragraph(String),
    /// A list item: the indent and marker that start it (`  - `), and its text.
    Item(String, String),
    /// A pipe table's rows, the alignment row left out.
    Table(Vec<Vec<String>>),
}

/// Draws `doc` for a terminal `width` columns wide; with `color`, headings and `**strong**` text
/// in bold, else headings underlined (`=`, `-`) or upper-cased (`##`).
pub fn render(doc: &str, color: bool, width: usize) -> String {
    let mut out = String::new();
    let mut block = Block::None;
    let mut fence: Option<String> = None;
    let mut in_comment = false;
    for raw in doc.lines() {
        let line = escape(raw);
        if let Some(marker) = &fence {
            if line.trim_start().starts_with(marker.as_str())
                && line.trim().trim_start_matches(marker.as_str()).trim().is_empty()
            {
                fence = None;
            } else {
                out.push_str(CODE_INDENT);
                out.push_str(&line);
                out.push('\n');
            }
            continue;
        }
        let line = without_comments(&line, &mut in_comment);
        if in_comment && line.trim().is_empty() {
            continue;
        }
        let trimmed = line.trim_start();
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            flush(&mut out, &mut block, color, width);
            separate(&mut out);
            fence = Some(marker.to_string());
            continue;
        }
        if trimmed.is_empty() {
            // A line that held only a comment ends nothing: the marker sits between a heading and
            // its text.
            if raw.trim().is_empty() {
                flush(&mut out, &mut block, color, width);
                separate(&mut out);
            }
            continue;
        }
        if let Some((level, text)) = heading(trimmed) {
            flush(&mut out, &mut block, color, width);
            separate(&mut out);
            draw_heading(&mut out, level, &inline(text, color), color);
            continue;
        }
        if trimmed.starts_with('|') {
            let cells = table_cells(trimmed);
            if let Block::Table(rows) = &mut block {
                if !is_alignment_row(&cells) {
                    rows.push(cells);
                }
            } else {
                flush(&mut out, &mut block, color, width);
                block = Block::Table(vec![cells]);
            }
            continue;
        }
        if let Some((marker, text)) = list_item(&line) {
            flush(&mut out, &mut block, color, width);
            block = Block::Item(marker, text.to_string());
            continue;
        }
        match &mut block {
            Block::Paragraph(text) | Block::Item(_, text) => {
                text.push(' ');
                text.push_str(trimmed.trim_end());
            }
            _ => {
                flush(&mut out, &mut block, color, width);
                block = Block::Paragraph(trimmed.trim_end().to_string());
            }
        }
    }
    flush(&mut out, &mut block, color, width);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// `line` without its HTML comments (`<!-- ... -->`, which may span lines: `in_comment` carries
/// that over).
fn without_comments(line: &str, in_comment: &mut bool) -> String {
    let mut kept = String::new();
    let mut rest = line;
    loop {
        if *in_comment {
            match rest.find("-->") {
                Some(end) => {
                    rest = &rest[end + 3..];
                    *in_comment = false;
                }
                None => return kept,
            }
        }
        match rest.find("<!--") {
            Some(start) => {
                kept.push_str(&rest[..start]);
                rest = &rest[start + 4..];
                *in_comment = true;
            }
            None => {
                kept.push_str(rest);
                return kept;
            }
        }
    }
}

/// One blank line between blocks, never two, none at the start.
fn separate(out: &mut String) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
}

/// `## Use instead` -> (2, "Use instead").
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    let text = line[level..].strip_prefix(' ')?;
    (1..=6)
        .contains(&level)
        .then(|| (level, text.trim().trim_end_matches('#').trim_end()))
}

fn draw_heading(out: &mut String, level: usize, text: &str, color: bool) {
    let text = if level == 2 {
        text.to_uppercase()
    } else {
        text.to_string()
    };
    if color {
        let _ = writeln!(out, "{BOLD}{text}{RESET}");
        return;
    }
    out.push_str(&text);
    out.push('\n');
    let rule = match level {
        1 => '=',
        2 => return,
        _ => '-',
    };
    let width = textwrap::core::display_width(&text);
    out.extend(std::iter::repeat_n(rule, width));
    out.push('\n');
}

/// `  - text` -> ("  - ", "text"); `1. text` -> ("1. ", "text").
fn list_item(line: &str) -> Option<(String, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let marker_len = if rest.starts_with("- ") || rest.starts_with("* ") || rest.starts_with("+ ") {
        2
    } else {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 || !rest[digits..].starts_with(". ") {
            return None;
        }
        digits + 2
    };
    Some((line[..indent + marker_len].to_string(), rest[marker_len..].trim()))
}

/// Draws the block gathered so far, and starts none.
fn flush(out: &mut String, block: &mut Block, color: bool, width: usize) {
    match std::mem::replace(block, Block::None) {
        Block::None => {}
        Block::Paragraph(text) => {
            for line in wrap(&inline(&text, color), width, "", "") {
                out.push_str(&line);
                out.push('\n');
            }
        }
        Block::Item(marker, text) => {
            let hanging = " ".repeat(marker.chars().count());
            for line in wrap(&inline(&text, color), width, &marker, &hanging) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        Block::Table(rows) => draw_table(out, &rows, color, width),
    }
}

/// `| a | `b|c` | d |` -> ["a", "`b|c`", "d"]: split at pipes outside code spans and not escaped.
fn table_cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').filter(|s| !s.ends_with('\\')).unwrap_or(inner);
    let mut cells = vec![String::new()];
    let (mut in_code, mut escaped) = (false, false);
    for c in inner.chars() {
        let cell = cells.last_mut().expect("one cell at least");
        match c {
            '|' if !in_code && !escaped => cells.push(String::new()),
            _ => {
                if c == '`' && !escaped {
                    in_code = !in_code;
                }
                escaped = c == '\\' && !escaped && !in_code;
                cell.push(c);
            }
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// `|---|:---:|` separates a table's header from its rows.
fn is_alignment_row(cells: &[String]) -> bool {
    cells.iter().all(|c| {
        let c = c.trim_matches(':');
        !c.is_empty() && c.bytes().all(|b| b == b'-')
    })
}

/// Aligned columns two spaces apart, the header underlined (or bold); a table wider than `width`
/// is drawn as one entry per row instead, each other column a `header: value` line under it, so
/// no line needs more than the width.
fn draw_table(out: &mut String, rows: &[Vec<String>], color: bool, width: usize) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| inline(cell, color)).collect())
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(textwrap::core::display_width(cell));
        }
    }
    let total = widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
    let Some((header, body)) = rows.split_first() else {
        return;
    };
    if total <= width {
        let line = |row: &[String]| {
            let mut s = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                s.push_str(cell);
                if i + 1 < columns {
                    s.extend(std::iter::repeat_n(' ', w - textwrap::core::display_width(cell) + 2));
                }
            }
            s.trim_end().to_string()
        };
        if color {
            let _ = writeln!(out, "{BOLD}{}{RESET}", line(header));
        } else {
            let _ = writeln!(out, "{}", line(header));
            let rules: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            let _ = writeln!(out, "{}", rules.join("  "));
        }
        for row in body {
            let _ = writeln!(out, "{}", line(row));
        }
        return;
    }
    // One entry a row: its first cell after a dash, the others indented under it, each cell named
    // by its column's header (an empty row is still an entry).
    for row in body {
        for i in 0..row.len().max(1) {
            let cell = row.get(i).map_or("", String::as_str);
            let name = header.get(i).map_or("", String::as_str);
            let text = if name.is_empty() {
                cell.to_string()
            } else {
                format!("{name}: {cell}")
            };
            let (first, rest) = if i == 0 { ("- ", "  ") } else { ("  ", "    ") };
            for line in wrap(&text, width, first, rest) {
                let _ = writeln!(out, "{line}");
            }
        }
    }
}

/// Inline Markdown for a terminal: code spans kept with their backticks (they mark what to type
/// or find), `**strong**` bold with colour and plain without, `[text](url)` as `text (url)`,
/// `<url>` as `url`, backslash escapes resolved.
fn inline(text: &str, color: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut strong = false;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            let run = rest.bytes().take_while(|&b| b == b'`').count();
            let fence = &rest[..run];
            if let Some(end) = rest[run..].find(fence) {
                let span_end = run + end + run;
                out.push_str(&rest[..span_end]);
                rest = &rest[span_end..];
                continue;
            }
            out.push_str(fence);
            rest = &rest[run..];
            continue;
        }
        if c == '\\' && rest[1..].starts_with(|n: char| n.is_ascii_punctuation()) {
            out.push_str(&rest[1..2]);
            rest = &rest[2..];
            continue;
        }
        if rest.starts_with("**") && (strong || rest[2..].contains("**")) {
            strong = !strong;
            if color {
                out.push_str(if strong { BOLD } else { RESET });
            }
            rest = &rest[2..];
            continue;
        }
        if c == '['
            && let Some((label, url, len)) = link(rest)
        {
            let label = inline(label, color);
            if label == url {
                out.push_str(url);
            } else {
                let _ = write!(out, "{label} ({url})");
            }
            rest = &rest[len..];
            continue;
        }
        if c == '<'
            && let Some(end) = rest.find('>')
            && (rest[1..end].starts_with("http://") || rest[1..end].starts_with("https://"))
            && !rest[1..end].contains(' ')
        {
            out.push_str(&rest[1..end]);
            rest = &rest[end + 1..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if strong && color {
        out.push_str(RESET);
    }
    out
}

/// `[text](url)...` -> (text, url, length of the link).
fn link(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find("](")?;
    let label = &s[1..close];
    if label.contains('[') || label.contains(']') {
        return None;
    }
    let url_start = close + 2;
    let url_len = s[url_start..].find(')')?;
    let url = &s[url_start..url_start + url_len];
    if url.is_empty() || url.contains(' ') {
        return None;
    }
    Some((label, url, url_start + url_len + 1))
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn comments_are_hidden_and_headings_emphasised() {
        let doc = "# MB999 some-rule\n\n## Example\n<!-- example: metabase -->\nText.\n\n### Detail\nMore.\n";
        let plain = render(doc, false, 80);
        assert_eq!(
            plain,
            "MB999 some-rule\n===============\n\nEXAMPLE\nText.\n\nDetail\n------\nMore.\n"
        );
        let bold = render(doc, true, 80);
        assert!(bold.starts_with("\u{1b}[1mMB999 some-rule\u{1b}[0m\n"), "{bold:?}");
        assert!(!bold.contains("<!--") && !bold.contains("example: metabase"));
    }

    #[test]
    fn a_comment_over_several_lines_and_inside_a_line_is_hidden() {
        let out = render("Before <!-- one\ntwo\nthree --> after.\n", false, 80);
        assert_eq!(out, "Before after.\n");
    }

    #[test]
    fn paragraphs_and_items_wrap_within_the_width_and_code_stays_verbatim() {
        let long = "word ".repeat(40);
        let doc = format!(
            "{long}\n\n- {long}\n  {long}\n\n```xml\n<IIsWebService\tLocation =\"/LM/W3SVC\" ScriptMaps=\"{long}\"/>\n```\n"
        );
        let out = render(&doc, false, 40);
        let (prose, code) = out.split_once("    <IIsWebService").unwrap();
        assert!(prose.lines().all(|l| l.chars().count() <= 40), "{prose}");
        assert!(prose.lines().any(|l| l.starts_with("- word")));
        assert!(prose.lines().filter(|l| l.starts_with("  word")).count() > 2, "{prose}");
        assert!(
            code.starts_with("\tLocation =\"/LM/W3SVC\" ScriptMaps=\"word word"),
            "kept whole: {code}"
        );
        assert!(!out.contains("```"));
    }

    #[test]
    fn links_strong_and_escapes() {
        let out = render(
            "See [the fixes](../docs/fixes.md#x), <https://a.example/b>, **Allowed** and C:\\\\WINDOWS and `C:\\\\x`.\n",
            false,
            200,
        );
        assert_eq!(
            out,
            "See the fixes (../docs/fixes.md#x), https://a.example/b, Allowed and C:\\WINDOWS and `C:\\\\x`.\n"
        );
        let bold = render("**Allowed** x\n", true, 80);
        assert_eq!(bold, "\u{1b}[1mAllowed\u{1b}[0m x\n");
    }

    #[test]
    fn tables_align_or_become_entries_when_too_wide() {
        let doc = "| pattern | bitness |\n|---|---|\n| `\\Framework64\\` | 64 |\n| `\\SysWOW64\\` | 32 |\n";
        assert_eq!(
            render(doc, false, 80),
            "pattern          bitness\n---------------  -------\n`\\Framework64\\`  64\n`\\SysWOW64\\`     32\n"
        );
        let narrow = render(doc, false, 20);
        assert!(narrow.lines().all(|l| l.chars().count() <= 20), "{narrow}");
        assert!(
            narrow.contains("- pattern:\n  `\\Framework64\\`\n  bitness: 64\n"),
            "{narrow}"
        );
    }

    #[test]
    fn nothing_from_the_document_reaches_the_terminal_as_a_control_character() {
        for color in [false, true] {
            let out = render(
                "# T\u{1b}]0;x\u{7}\n\nA \u{1b}[31mred\u{9b} \u{202e}x\n\n```\n\u{1b}[2J\n```\n",
                color,
                80,
            );
            let controls: String = out
                .replace("\u{1b}[1m", "")
                .replace("\u{1b}[0m", "")
                .chars()
                .filter(|&c| c != '\n' && crate::report::escape::is_escaped(c))
                .collect();
            assert!(controls.is_empty(), "{out:?}");
            assert!(out.contains("\\u{1b}[2J"), "{out:?}");
        }
    }
}
