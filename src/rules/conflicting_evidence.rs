//! MB108 conflicting-evidence: the declaration, the drive copy and the metabase disagree about the
//! server's platform or Windows folder. mblint follows the strongest (declared, then drive, then
//! metabase) and says what it overruled: a wrong drive or a wrong declaration must not pass unseen.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::host::{Clue, Fact};
use crate::metabase::Span;

pub static RULE: Rule = Rule {
    code: "MB108",
    name: "conflicting-evidence",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "The declaration, the drive copy and the metabase disagree about the platform or the Windows folder",
    doc: rule_doc!("MB108"),
    check: Some(check),
};

fn report<T>(what: &str, fact: &Fact<T>, out: &mut super::Findings) {
    let Some(conflict) = &fact.conflict else { return };
    // Point at the metabase's evidence where there is some; else at the start of the file.
    let span = fact
        .evidence
        .iter()
        .find_map(|c: &Clue| c.span)
        .unwrap_or(Span::new(0, 0));
    out.push(
        RULE.diagnostic(span,
            format!("the evidence about the server's {what} disagrees: {conflict}"),
        )
        .label(format!("evidence about the {what}"))
        .help("check that the drive mapped is this server's and that the declared platform is right; the verdicts follow the declaration, then the drive, then the metabase"),
    );
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    report("platform", &ctx.model.platform, out);
    report("Windows folder", &ctx.model.windir, out);
}
