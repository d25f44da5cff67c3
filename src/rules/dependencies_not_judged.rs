//! MB211 dependencies-not-judged: dependencies mblint could not judge. A copy of the drive without
//! the system folder's core modules (a partial copy) gives one finding for the process, with the
//! folders it needs, instead of a false "missing" per module; a closure that hits a bound, an
//! unreadable manifest or an import name no search takes gives one per cause.

use super::dependency::{Kind, report};
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB211",
    name: "dependencies-not-judged",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "ISAPI DLL dependencies mblint could not judge on this copy (a partial copy, a bound hit)",
    doc: rule_doc!("MB211"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    if let Some(deps) = ctx.deps {
        let mb = ctx.metabase;
        for (site, partial, entries) in &deps.partial {
            let cause: std::sync::Arc<str> = std::sync::Arc::from(format!("partial|{}", site.process.bitness));
            let mut first = true;
            for &index in entries {
                let entry = &ctx.isapi.entries[index];
                if !first && out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
                    continue;
                }
                first = false;
                let (windir, _) = ctx.windir();
                out.push(
                    RULE.diagnostic(
                        entry.span,
                        format!(
                            "the copy of the drive lacks {} in {}, which every {} process loads: it is a partial copy, and the dependencies of the ISAPI DLLs a {} worker loads are not judged",
                            partial.missing.join(" and "),
                            partial.folder,
                            site.process.bitness,
                            site.process.bitness
                        ),
                    )
                    .label("its dependencies are not judged")
                    .at(mb, entry.key, Some(entry.attr))
                    .cause(cause.clone())
                    .help(format!(
                        "copy {} (with {windir}\\WinSxS and {windir}\\system32\\config\\SYSTEM) along with the rest of the drive to have them judged",
                        partial.folder
                    )),
                );
            }
        }
    }
    report(ctx, out, &RULE, Kind::NotJudged);
}
