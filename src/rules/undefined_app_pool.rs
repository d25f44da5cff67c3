//! MB502 undefined-app-pool: AppPoolId names a pool that does not exist.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::props;

pub static RULE: Rule = Rule {
    code: "MB502",
    name: "undefined-app-pool",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "AppPoolId names an application pool that has no IIsApplicationPool key",
    doc: rule_doc!("MB502"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    if ctx.server.iis5_isolation_on() {
        return; // AppPoolId is ignored in IIS 5.0 isolation mode.
    }
    for (key, attr) in mb.keys_with(props::APP_POOL_ID) {
        let path = &*mb.key(key).path;
        let served = path == "/lm/w3svc"
            || (path.starts_with("/lm/w3svc/")
                && !path.starts_with("/lm/w3svc/info")
                && !path.starts_with("/lm/w3svc/apppools"));
        if !served {
            continue;
        }
        let name = mb.attr_value(attr);
        if name.trim().is_empty() || ctx.server.pool_named(&name).is_some() {
            continue;
        }
        out.push(
            RULE.diagnostic(mb.attr(attr).value,
                format!(
                    "AppPoolId=\"{name}\" at {} names no application pool (no key /LM/W3SVC/AppPools/{name}): requests to the applications there get 503 Service Unavailable",
                    mb.location(key)
                ),
            )
            .label("no such pool")
            .at(mb, key, Some(attr))
            .help("create the IIsApplicationPool key, or name an existing pool"),
        );
    }
}
