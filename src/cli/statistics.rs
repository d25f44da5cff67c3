//! `--statistics`: findings counted per rule, with what each distinct fix does (text and JSON).

use std::collections::{BTreeMap, HashMap};

use crate::lint::{FileReport, InputFailure};
use crate::report::text::{MIN_WRAP_WIDTH, wrap};
use crate::report::{json, text};
use crate::rules::by_code;

/// Findings per rule, most first, with how many of them `--fix` (or `--fix --unsafe-fixes`) could fix.
fn rule_counts(reports: &[FileReport]) -> Vec<(&'static str, usize, usize, usize)> {
    let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        let c = counts.entry(d.code).or_default();
        c.0 += 1;
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(crate::diagnostic::Applicability::Safe) => c.1 += 1,
            Some(crate::diagnostic::Applicability::Unsafe) => c.2 += 1,
            _ => {}
        }
    }
    let mut rows: Vec<(&str, usize, usize, usize)> = counts.into_iter().map(|(k, (n, s, u))| (k, n, s, u)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    rows
}

/// The distinct fixes `--fix` can apply (with `--unsafe-fixes` or without) of a rule's findings:
/// (applicability, what it does, how many findings), in the order first found. Display-only advice
/// is left out: it is under each finding in the text report, and it is not what `--fix` does.
fn rule_fixes<'a>(reports: &'a [FileReport], code: &str) -> Vec<(crate::diagnostic::Applicability, &'a str, usize)> {
    let mut fixes: Vec<(crate::diagnostic::Applicability, &str, usize)> = Vec::new();
    let mut seen: HashMap<(crate::diagnostic::Applicability, &str), usize> = HashMap::new();
    for fix in reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .filter(|d| d.code == code)
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| f.applicability != crate::diagnostic::Applicability::DisplayOnly)
    {
        let key = (fix.applicability, fix.message.as_str());
        match seen.get(&key) {
            Some(&i) => fixes[i].2 += 1,
            None => {
                seen.insert(key, fixes.len());
                fixes.push((fix.applicability, fix.message.as_str(), 1));
            }
        }
    }
    fixes
}

/// How many distinct fixes `--statistics` shows under a rule.
const FIXES_SHOWN: usize = 3;

/// `10  MB102  worker-bitness-mismatch  error  [*] 9 fixable`, in aligned columns, with what each
/// distinct fix does under its rule; then the summary. Wrapped to `width` columns with the house's
/// [`wrap`]: the fixable column under itself, each fix's description under its text (past its
/// `[*]`), and the fixable column on a line of its own under the count when the columns before it
/// leave it fewer than [`MIN_WRAP_WIDTH`] columns.
pub fn statistics(reports: &[FileReport], failures: &[InputFailure], width: usize) -> String {
    let rows = rule_counts(reports);
    let count_width = rows.first().map_or(1, |r| r.1.to_string().len());
    let rule = |code: &str| by_code(code);
    let name_width = rows
        .iter()
        .map(|r| rule(r.0).map_or(0, |r| r.name.len()))
        .max()
        .unwrap_or(0);
    let code_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let severity_width = rows
        .iter()
        .map(|r| rule(r.0).map_or(0, |r| r.severity.as_str().len()))
        .max()
        .unwrap_or(0);
    // What is under a rule starts under its code.
    let indent = " ".repeat(count_width + 2);
    let fix_indent = " ".repeat(count_width + 2 + "[*] ".len());
    let mut out = String::new();
    let mut push = |lines: Vec<String>| {
        for line in lines {
            out += &line;
            out.push('\n');
        }
    };
    for (code, n, safe, unsafe_) in &rows {
        let rule = rule(code);
        let fixable = match (safe, unsafe_) {
            (0, 0) => String::new(),
            (s, 0) => format!("[*] {s} fixable"),
            (0, u) => format!("[~] {u} fixable with --unsafe-fixes"),
            (s, u) => format!("[*] {s} fixable, {u} more with --unsafe-fixes"),
        };
        let columns = format!(
            "{n:>count_width$}  {code:<code_width$}  {:<name_width$}  {:<severity_width$}  ",
            rule.map_or("", |r| r.name),
            rule.map_or("", |r| r.severity.as_str())
        );
        if fixable.is_empty() {
            push(vec![columns.trim_end().to_string()]);
        } else if columns.len() + MIN_WRAP_WIDTH <= width {
            let under = " ".repeat(columns.len());
            push(wrap(&fixable, width, &columns, &under));
        } else {
            push(vec![columns.trim_end().to_string()]);
            push(wrap(&fixable, width, &indent, &indent));
        }
        let fixes = rule_fixes(reports, code);
        for (applicability, message, count) in fixes.iter().take(FIXES_SHOWN) {
            let marker = match applicability {
                crate::diagnostic::Applicability::Safe => "[*]",
                _ => "[~]",
            };
            let times = if *count > 1 {
                format!(" ({count} findings)")
            } else {
                String::new()
            };
            let text = format!("{marker} {}{times}", crate::report::escape::escape(message));
            push(wrap(&text, width, &indent, &fix_indent));
        }
        if fixes.len() > FIXES_SHOWN {
            let text = format!(
                "... and {} other fixes (--format json lists them)",
                fixes.len() - FIXES_SHOWN
            );
            push(wrap(&text, width, &indent, &indent));
        }
    }
    for line in (text::summary(reports, failures) + &text::fixable(reports, failures)).lines() {
        push(wrap(line, width, "", "  "));
    }
    out
}

/// `--statistics --format json`: the same per rule, and the inputs that failed.
pub(super) fn statistics_json(reports: &[FileReport], failures: &[InputFailure]) -> String {
    let rules: Vec<serde_json::Value> = rule_counts(reports)
        .into_iter()
        .map(|(code, count, safe, unsafe_)| {
            let rule = by_code(code);
            serde_json::json!({
                "code": code,
                "name": rule.map_or("", |r| r.name),
                "severity": rule.map_or("", |r| r.severity.as_str()),
                "count": count,
                "fixable": safe,
                "fixable_unsafe": unsafe_,
                "fixes": rule_fixes(reports, code)
                    .into_iter()
                    .map(|(applicability, message, count)| serde_json::json!({
                        "applicability": applicability,
                        "message": message,
                        "count": count,
                    }))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "schema_version": json::SCHEMA_VERSION,
        "statistics": rules,
        "failed_inputs": failures,
    });
    serde_json::to_string_pretty(&doc).expect("serialisable") + "\n"
}
