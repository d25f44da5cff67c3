//! `mblint rules` and `mblint rule CODE`: the rule list and a rule's document.

use crate::rules::{FixAvailability, RULES, by_code};

use super::args::ListFormat;
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
    /// Output format: the Markdown document, or JSON with the rule's fields and the document.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
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
        ListFormat::Json => serde_json::to_string_pretty(&rule_json(rule, true)).expect("serialisable") + "\n",
        ListFormat::Text => rule.doc.to_string(),
    };
    output(&text).map(|()| EXIT_CLEAN)
}
