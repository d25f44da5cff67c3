//! `mblint rules` and `mblint rule CODE`: the rule list and a rule's document.

use crate::report::escape::escape;
use crate::report::text::wrap;
use crate::rules::{FixAvailability, RULES, by_code};

use super::args::{Color, ListFormat, output_width};
use super::{EXIT_CLEAN, EXIT_ERROR, output};

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output format: a table (code, name, severity, fix, summary), or a JSON array of the same.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// A rule code (MB102) or name (worker-bitness-mismatch), in any letter case.
    #[arg(value_name = "CODE|NAME")]
    pub code: String,
    /// Output format: the document drawn for a terminal (wrapped to its width, else COLUMNS, else
    /// 80), the Markdown document as written, or JSON with the rule's fields and the document.
    #[arg(long, value_enum, default_value_t = RuleFormat::Text)]
    pub format: RuleFormat,
    /// Colour in the text format: bold headings (auto: on a terminal, unless NO_COLOR is set and not
    /// empty, or TERM is dumb).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// `mblint rule --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RuleFormat {
    /// The document drawn for a terminal, as `man` draws a page: headings emphasised, text wrapped
    /// to the width, code blocks indented, HTML comments hidden, links as `text (url)`. The same
    /// on a terminal and in a pipe; only the colour follows --color.
    Text,
    /// The Markdown document as written (comments included), to save or feed a Markdown viewer.
    Markdown,
    /// JSON, for scripts: the rule's fields and the Markdown document as a string.
    Json,
}

fn fix_name(fix: FixAvailability) -> &'static str {
    match fix {
        FixAvailability::None => "none",
        FixAvailability::Sometimes => "sometimes",
        FixAvailability::Always => "always",
    }
}

fn rule_json(rule: &crate::rules::Rule, with_doc: bool) -> serde_json::Value {
    let mut v = serde_json::json!({
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.as_str(),
        "fix": fix_name(rule.fix),
        "fix_kinds": crate::rules::fixes::kinds(rule.code).iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "summary": rule.summary,
    });
    if with_doc {
        v["doc"] = serde_json::json!(rule.doc);
    }
    v
}

/// The narrowest summary column `mblint rules` keeps beside the others; narrower, the summary goes
/// under its rule.
const MIN_SUMMARY_WIDTH: usize = 30;
/// Where the lines under a rule start in the narrow table: under its name.
const UNDER_NAME: &str = "       ";

/// `mblint rules` as a table `width` columns wide: code, name, severity, fix and summary in aligned
/// columns, the summary wrapped under itself; when that would leave the summary fewer than
/// [`MIN_SUMMARY_WIDTH`] columns, each rule's line holds its code, name, severity (and fix when it
/// fits), and the fix and summary are wrapped on indented lines under it.
pub fn table(width: usize) -> String {
    let name_width = RULES.iter().map(|r| r.name.len()).max().unwrap_or(0);
    // What a user gets from the fixes: their kinds, derived from what each rule makes.
    let fixes: Vec<String> = RULES.iter().map(|r| crate::rules::fixes::describe(r)).collect();
    let fix_width = fixes.iter().map(String::len).max().unwrap_or(0);
    let row = |code: &str, name: &str, severity: &str, fix: Option<&str>| match fix {
        Some(fix) => format!("{code:<6} {name:<name_width$}  {severity:<8} {fix:<fix_width$} "),
        None => format!("{code:<6} {name:<name_width$}  {severity}"),
    };
    let summary_column = row("", "", "", Some("")).len();
    let mut out = String::new();
    if width >= summary_column + MIN_SUMMARY_WIDTH {
        out += &row("CODE", "NAME", "SEVERITY", Some("FIX"));
        out += "SUMMARY\n";
        let indent = " ".repeat(summary_column);
        for (r, fix) in RULES.iter().zip(&fixes) {
            let first = row(r.code, r.name, r.severity.as_str(), Some(fix));
            for line in wrap(&escape(r.summary), width, &first, &indent) {
                out += &line;
                out.push('\n');
            }
        }
        return out;
    }
    // The row with its fix column, the trailing separator left out.
    let fix_in_row = summary_column - 1 <= width;
    let fix_or_not = |fix| fix_in_row.then_some(fix);
    out += row("CODE", "NAME", "SEVERITY", fix_or_not("FIX")).trim_end();
    out.push('\n');
    for (r, fix) in RULES.iter().zip(&fixes) {
        out += row(r.code, r.name, r.severity.as_str(), fix_or_not(fix)).trim_end();
        out.push('\n');
        let mut under = Vec::new();
        if !fix_in_row {
            under.extend(wrap(&format!("fix: {fix}"), width, UNDER_NAME, UNDER_NAME));
        }
        under.extend(wrap(&escape(r.summary), width, UNDER_NAME, UNDER_NAME));
        for line in under {
            out += &line;
            out.push('\n');
        }
    }
    out
}

pub fn list(args: &ListArgs) -> std::io::Result<u8> {
    let text = match args.format {
        ListFormat::Json => {
            let rules: Vec<_> = RULES.iter().map(|r| rule_json(r, false)).collect();
            serde_json::to_string_pretty(&rules).expect("serialisable") + "\n"
        }
        ListFormat::Text => table(output_width()),
    };
    output(&text).map(|()| EXIT_CLEAN)
}

pub fn show(args: &RuleArgs) -> std::io::Result<u8> {
    let Some(rule) =
        by_code(&args.code).or_else(|| RULES.iter().copied().find(|r| r.name.eq_ignore_ascii_case(&args.code)))
    else {
        say!("mblint: error: no rule `{}` (`mblint rules` lists them)", args.code);
        return Ok(EXIT_ERROR);
    };
    let text = match args.format {
        RuleFormat::Json => serde_json::to_string_pretty(&rule_json(rule, true)).expect("serialisable") + "\n",
        RuleFormat::Markdown => rule.doc.to_string(),
        RuleFormat::Text => crate::report::markdown::render(rule.doc, args.color.on_stdout(), output_width()),
    };
    output(&text).map(|()| EXIT_CLEAN)
}
