//! `mblint rules` and `mblint rule CODE`: the rule list and a rule's document.

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

pub fn list(args: &ListArgs) -> std::io::Result<u8> {
    let text = match args.format {
        ListFormat::Json => {
            let rules: Vec<_> = RULES.iter().map(|r| rule_json(r, false)).collect();
            serde_json::to_string_pretty(&rules).expect("serialisable") + "\n"
        }
        ListFormat::Text => {
            let width = RULES.iter().map(|r| r.name.len()).max().unwrap_or(0);
            // What a user gets from the fixes: their kinds, derived from what each rule makes.
            let fixes: Vec<String> = RULES.iter().map(|r| crate::rules::fixes::describe(r)).collect();
            let fix_width = fixes.iter().map(String::len).max().unwrap_or(0);
            let mut out = format!(
                "{:<6} {:<width$}  {:<8} {:<fix_width$} SUMMARY\n",
                "CODE", "NAME", "SEVERITY", "FIX"
            );
            for (r, fix) in RULES.iter().zip(&fixes) {
                out += &format!(
                    "{:<6} {:<width$}  {:<8} {:<fix_width$} {}\n",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    fix,
                    r.summary
                );
            }
            out
        }
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
