//! MB106 32bit-needs-worker-isolation: 32-bit worker processes while IIS runs in IIS 5.0 isolation mode.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::bitness::Bitness;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB106",
    name: "32bit-needs-worker-isolation",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Enable32BitAppOnWin64 on in IIS 5.0 isolation mode, where it is ignored: 32-bit mode needs worker process isolation",
    doc: rule_doc!("MB106"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    // On 32-bit Windows the setting means nothing in either mode.
    if !(ctx.worker.iis5 && ctx.worker.platform.is_64bit() && ctx.worker.asks_32bit(mb)) {
        return;
    }
    let Some((_, setting)) = ctx.worker.setting else { return };
    let mode = match &ctx.server.iis5_isolation {
        Some(s) => format!(
            "IIs5IsolationModeEnabled=\"{}\" at {}",
            mb.attr_value(s.attr),
            mb.location(s.key)
        ),
        None => "IIs5IsolationModeEnabled is not set at /LM/W3SVC, and its default is TRUE".to_string(),
    };
    let mut d = RULE.diagnostic(mb.attr(setting).value,
        format!(
            "Enable32BitAppOnWin64 asks for 32-bit worker processes, but IIS runs in IIS 5.0 isolation mode ({mode}), where the setting is ignored: ISAPI DLLs load into inetinfo.exe and dllhost.exe, which are {} on {}, so every 32-bit ISAPI DLL fails to load",
            Bitness::Bits64,
            ctx.platform_name()
        ),
    )
    .label("ignored in IIS 5.0 isolation mode")
    .at(mb, ctx.worker.setting.expect("set").0, Some(setting))
    .help("to run 32-bit ISAPI DLLs, switch to worker process isolation mode (IIs5IsolationModeEnabled=\"FALSE\"; ISAPI filters that read raw data are not supported there); otherwise remove Enable32BitAppOnWin64 and keep 64-bit ISAPI DLLs");
    if let Some(s) = &ctx.server.iis5_isolation {
        d = d.related(mb.attr(s.attr).value, "IIS 5.0 isolation mode");
    }
    out.push(d);
}
