//! MB109 raw-data-filter-in-worker-isolation: a loaded ISAPI filter that registers for raw data
//! (`NotifyReadRawData` in `FilterFlags`) while IIS runs in worker process isolation mode, which
//! does not support that notification: IIS does not load the filter (KB327611, event 2261).

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::props;

pub static RULE: Rule = Rule {
    code: "MB109",
    name: "raw-data-filter-in-worker-isolation",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "An ISAPI filter that reads raw data (NotifyReadRawData) in worker process isolation mode, which does not support it: IIS does not load the filter (event 2261)",
    doc: rule_doc!("MB109"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    // In IIS 5.0 isolation mode filters load into inetinfo.exe, where raw data is supported.
    if ctx.worker.iis5 {
        return;
    }
    let mb = ctx.metabase;
    for def in ctx.isapi.filters.iter().filter(|f| f.loads()) {
        let Some(key) = def.key else { continue };
        let Some(flags) = mb.own(key, props::FILTER_FLAGS) else {
            continue;
        };
        if !props::reads_raw_data(&mb.attr_value(flags)) {
            continue;
        }
        let mode = match &ctx.server.iis5_isolation {
            Some(s) => format!(
                "IIs5IsolationModeEnabled=\"{}\" at {}",
                mb.attr_value(s.attr),
                mb.location(s.key)
            ),
            None => "as the server model decided".to_string(),
        };
        let scope = if def.global {
            "every worker process refuses"
        } else {
            "the site's worker process refuses"
        };
        let mut d = RULE
            .diagnostic(
                mb.attr(flags).value,
                format!(
                    "the {} ISAPI filter `{}` registers for raw data (NotifyReadRawData in FilterFlags), which worker process isolation mode ({mode}) does not support: {scope} to load it and logs W3SVC-WP event 2261 (\"it requires the SF_NOTIFY_READ_RAW_DATA filter notification and this notification is not supported in Worker Process Isolation Mode\", KB327611), so what the filter does is never done",
                    if def.global { "global" } else { "site" },
                    def.name,
                ),
            )
            .label("not supported in worker process isolation mode")
            .at(mb, key, Some(flags))
            .help(format!(
                "two ways out: a build of `{}` that does not register for SF_NOTIFY_READ_RAW_DATA (ask its vendor for one written for IIS 6 worker process isolation mode), or IIS 5.0 isolation mode (IIs5IsolationModeEnabled=\"TRUE\" at /LM/W3SVC, then iisreset), where filters load into inetinfo.exe; on 64-bit Windows that process is 64-bit, so every 32-bit ISAPI DLL then fails",
                def.name
            ));
        if let Some(s) = &ctx.server.iis5_isolation {
            d = d.related(mb.attr(s.attr).value, "worker process isolation mode");
        }
        out.push(d);
    }
}
