//! MB105 misplaced-enable32bit: `Enable32bitAppOnWin64` where IIS 6 does not read it, or with a
//! value that is not a boolean.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Diagnostic, Severity};
use crate::metabase::isapi::APP_POOLS;
use crate::metabase::props::{self, is_canonical_bool};

pub static RULE: Rule = Rule {
    code: "MB105",
    name: "misplaced-enable32bit",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Enable32bitAppOnWin64 set where IIS 6 ignores it, or to a value that is not TRUE/FALSE/1/0",
    doc: rule_doc!("MB105"),
    check: Some(check),
};

/// Keys whose value reaches `/LM/W3SVC/AppPools` (the property inherits).
fn decides_worker_bitness(path: &str) -> bool {
    matches!(path, "/" | "/lm" | "/lm/w3svc" | "/lm/w3svc/apppools")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mb = ctx.metabase;
    for (key, attr) in mb.keys_with(props::ENABLE_32BIT_APP_ON_WIN64) {
        let path = &*mb.key(key).path;
        let value = mb.attr_value(attr);
        let location = mb.location(key);
        let span = mb.attr(attr).value;
        if !decides_worker_bitness(path) {
            let in_pool = path.starts_with("/lm/w3svc/apppools/") || mb.key_type(key) == "IIsApplicationPool";
            let message = if in_pool {
                format!(
                    "Enable32bitAppOnWin64 is set on the application pool {location}, where IIS 6 ignores it: all worker processes share one bitness, set at {APP_POOLS} (a per-pool setting is IIS 7's)"
                )
            } else {
                format!(
                    "Enable32bitAppOnWin64 is set at {location}, where it decides nothing: IIS 6 reads it at {APP_POOLS} only"
                )
            };
            out.push(
                Diagnostic::new(&RULE, span, message)
                    .label("ignored here")
                    .at(mb, key, Some(attr))
                    .help(format!(
                        "{}. Remove this property; to change the worker bitness, set Enable32bitAppOnWin64 on {APP_POOLS}",
                        ctx.worker.describe(mb)
                    )),
            );
        } else if !is_canonical_bool(&value) {
            out.push(
                Diagnostic::new(
                    &RULE,
                    span,
                    format!(
                        "Enable32bitAppOnWin64=\"{value}\" is not TRUE, FALSE, 1 or 0; IIS 6 treats any value other than 0 as TRUE, so worker processes run {}",
                        ctx.worker.bitness
                    ),
                )
                .label("not a boolean")
                .at(mb, key, Some(attr))
                .help("write TRUE for 32-bit worker processes or FALSE for 64-bit ones"),
            );
        }
    }
}
