//! MB004 edit-while-running-unsafe: edit-while-running on without the history it relies on.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB004",
    name: "edit-while-running-unsafe",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "EnableEditWhileRunning on with EnableHistory off or MaxHistoryFiles below 10",
    doc: rule_doc!("MB004"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let cfg = ctx.server;
    let Some(ewr) = cfg.edit_while_running.as_ref().filter(|s| s.value == Some(true)) else {
        return;
    };
    let mut problems = Vec::new();
    let mut related = Vec::new();
    if let Some(h) = cfg.enable_history.as_ref().filter(|s| s.value == Some(false)) {
        problems.push("EnableHistory is off (IIS logs a warning and turns it back on)".to_string());
        related.push((mb.attr(h.attr).value, "history is off here"));
    }
    if let Some(m) = cfg
        .max_history_files
        .as_ref()
        .filter(|s| s.value.is_some_and(|n| n < 10))
    {
        problems.push(format!(
            "MaxHistoryFiles is {}, below the minimum of 10",
            m.value.unwrap_or_default()
        ));
        related.push((mb.attr(m.attr).value, "fewer than 10 history files"));
    }
    if problems.is_empty() {
        return;
    }
    let mut d = RULE.diagnostic(mb.attr(ewr.attr).value,
        format!(
            "EnableEditWhileRunning is on but {}: a hand edit IIS rejects, or saves over, leaves too little history to recover the metabase from",
            problems.join(" and ")
        ),
    )
    .label("edit-while-running is on")
    .at(mb, ewr.key, Some(ewr.attr))
    .help("set EnableHistory=\"1\" and MaxHistoryFiles to 10 or more at /LM, or turn EnableEditWhileRunning off");
    for (span, message) in related {
        d = d.related(span, message);
    }
    out.push(d);
}
