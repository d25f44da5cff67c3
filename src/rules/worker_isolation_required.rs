//! MB106 32bit-needs-worker-isolation: 32-bit worker processes while IIS runs in IIS 5.0 isolation mode.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::bitness::Bitness;
use crate::diagnostic::{Diagnostic, Severity};

pub static RULE: Rule = Rule {
    code: "MB106",
    name: "32bit-needs-worker-isolation",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "Enable32bitAppOnWin64 on while IIs5IsolationModeEnabled is TRUE: 32-bit mode needs worker process isolation",
    doc: rule_doc!("MB106"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mb = ctx.metabase;
    let Some(iis5) = ctx.server.iis5_isolation.as_ref().filter(|s| s.value == Some(true)) else {
        return;
    };
    if ctx.worker.bitness != Bitness::Bits32 {
        return;
    }
    let mut d = Diagnostic::new(
        &RULE,
        mb.attr(iis5.attr).value,
        "IIS runs in IIS 5.0 isolation mode, where ISAPI DLLs load into the 64-bit inetinfo.exe and dllhost.exe, but Enable32bitAppOnWin64 asks for 32-bit worker processes: 32-bit mode is supported only in worker process isolation mode, and the World Wide Web Publishing Service fails to start (Win32 error 193)",
    )
    .label("IIS 5.0 isolation mode")
    .at(mb, iis5.key, Some(iis5.attr))
    .help("set IIs5IsolationModeEnabled=\"FALSE\" (worker process isolation mode), or turn Enable32bitAppOnWin64 off with 64-bit ISAPI DLLs");
    if let Some((_, attr)) = ctx.worker.setting {
        d = d.related(mb.attr(attr).value, "32-bit worker processes requested here");
    }
    out.push(d);
}
