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

#[cfg(test)]
mod tests {
    use crate::rules::testing;

    /// MB004's message and its related labels for /LM with `attrs` (each line ending in CRLF).
    fn mb004(attrs: &str) -> Vec<(String, Vec<String>)> {
        let keys = format!("<IIsComputer\tLocation =\"/LM\"\r\n{attrs}\t>\r\n</IIsComputer>\r\n");
        testing::findings_on_x86(&testing::server(true, "", &keys), "MB004")
            .into_iter()
            .map(|d| (d.message, d.related.into_iter().map(|r| r.message).collect()))
            .collect()
    }

    /// Edit-while-running needs history on and at least 10 history files: each shortfall is
    /// said, both together, and 10 files are enough.
    #[test]
    fn each_shortfall_of_the_history_is_said() {
        let on = "\t\tEnableEditWhileRunning=\"1\"\r\n";
        assert!(
            mb004(&format!(
                "{on}\t\tEnableHistory=\"1\"\r\n\t\tMaxHistoryFiles=\"10\"\r\n"
            ))
            .is_empty()
        );
        assert!(mb004("\t\tEnableEditWhileRunning=\"0\"\r\n\t\tEnableHistory=\"0\"\r\n").is_empty());
        let both = mb004(&format!("{on}\t\tEnableHistory=\"0\"\r\n\t\tMaxHistoryFiles=\"9\"\r\n"));
        assert_eq!(both.len(), 1, "{both:#?}");
        assert!(
            both[0].0.starts_with("EnableEditWhileRunning is on but EnableHistory is off (IIS logs a warning and turns it back on) and MaxHistoryFiles is 9, below the minimum of 10: "),
            "{both:#?}"
        );
        assert_eq!(both[0].1, ["history is off here", "fewer than 10 history files"]);
        let few = mb004(&format!("{on}\t\tMaxHistoryFiles=\"9\"\r\n"));
        assert_eq!(few.len(), 1, "{few:#?}");
        assert!(
            few[0]
                .0
                .starts_with("EnableEditWhileRunning is on but MaxHistoryFiles is 9, below"),
            "{few:#?}"
        );
        assert_eq!(few[0].1, ["fewer than 10 history files"]);
    }
}
