//! MB105 misplaced-enable32bit: `Enable32BitAppOnWin64` where IIS 6 does not read it, or with a
//! value that is not a boolean.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::bitness::Bitness;
use crate::diagnostic::Severity;
use crate::diagnostic::{Applicability, Fix};
use crate::fix::edit;
use crate::metabase::isapi::APP_POOLS;
use crate::metabase::props::{self, is_canonical_bool};

pub static RULE: Rule = Rule {
    code: "MB105",
    name: "misplaced-enable32bit",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "Enable32BitAppOnWin64 set where IIS 6 ignores it, or to a value that is not TRUE/FALSE/1/0",
    doc: rule_doc!("MB105"),
    check: Some(check),
};

/// Removes an ignored value. When it agrees with the bitness the server runs, that changes
/// nothing (safe); otherwise the administrator's intent is the server-wide setting, which moves
/// with it to /LM/W3SVC/AppPools and changes every application (unsafe).
fn misplaced_fix(
    ctx: &Context<'_>,
    key: crate::metabase::KeyId,
    attr: crate::metabase::AttrId,
    value: &str,
) -> Option<Fix> {
    let mb = ctx.metabase;
    let wants_32 = props::parse_bool(value).unwrap_or(true);
    let (delete, op) = edit::delete_property(mb, key, attr);
    // Where the server-wide setting decides nothing either (32-bit Windows, IIS 5.0 isolation
    // mode), or already says the same, removing the ignored copy changes nothing.
    if !ctx.worker.switchable() || wants_32 == (ctx.worker.bitness == Bitness::Bits32) {
        let mut fix = Fix::new(
            Applicability::Safe,
            format!("remove the ignored setting; {}", ctx.worker.describe(mb)),
        );
        fix.edits.push(delete);
        fix.ops.push(op);
        return Some(fix);
    }
    let target = if wants_32 { "TRUE" } else { "FALSE" };
    let mut fix = Fix::new(
        Applicability::Unsafe,
        format!(
            "move the setting to {APP_POOLS} (Enable32BitAppOnWin64={target}): every worker process then runs {}, which changes every application on the server",
            if wants_32 { "32-bit" } else { "64-bit" }
        ),
    );
    fix.edits.push(delete);
    fix.ops.push(op);
    match mb.find(APP_POOLS) {
        Some(pools) => {
            let own = mb.own(pools, props::ENABLE_32BIT_APP_ON_WIN64);
            let (e, op) = edit::set_property(mb, pools, "Enable32BitAppOnWin64", own, target);
            fix.edits.push(e);
            fix.ops.push(op);
        }
        None => {
            let (e, ops) = edit::create_key(
                mb,
                "IIsApplicationPools",
                APP_POOLS,
                &[("Enable32BitAppOnWin64", target)],
            );
            fix.edits.push(e);
            fix.ops.extend(ops);
        }
    }
    fix.restart = true;
    Some(fix)
}

/// Keys whose value reaches `/LM/W3SVC/AppPools` (the property inherits).
fn decides_worker_bitness(path: &str) -> bool {
    matches!(path, "/" | "/lm" | "/lm/w3svc" | "/lm/w3svc/apppools")
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
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
                    "Enable32BitAppOnWin64 is set on the application pool {location}, where IIS 6 ignores it: all worker processes share one bitness, set at {APP_POOLS} (a per-pool setting is IIS 7's)"
                )
            } else {
                format!(
                    "Enable32BitAppOnWin64 is set at {location}, where it decides nothing: IIS 6 reads it at {APP_POOLS} only"
                )
            };
            out.push(
                RULE.diagnostic(span, message)
                    .label("ignored here")
                    .fix(misplaced_fix(ctx, key, attr, &value))
                    .at(mb, key, Some(attr))
                    .help(format!(
                        "{}. Remove this property; to change the worker bitness, set Enable32BitAppOnWin64 on {APP_POOLS}",
                        ctx.worker.describe(mb)
                    )),
            );
        } else if !is_canonical_bool(&value) {
            out.push(
                RULE.diagnostic(span,
                    format!(
                        "Enable32BitAppOnWin64=\"{value}\" is not TRUE, FALSE, 1 or 0; IIS 6 treats any value other than 0 as TRUE, so worker processes run {}",
                        ctx.worker.bitness
                    ),
                )
                .label("not a boolean")
                .fix(Some({
                    // Display-only: how IIS reads a word like `off` is unverified (MB002 calls it
                    // undocumented), and TRUE may switch the whole server to 32-bit workers.
                    let mut fix = Fix::new(
                        Applicability::DisplayOnly,
                        "write TRUE if 32-bit worker processes are meant (KB895976 reads any value other than 0 as TRUE), or FALSE for 64-bit ones",
                    );
                    let (edit, op) = edit::set_property(mb, key, &mb.attr_name(attr), Some(attr), "TRUE");
                    fix.edits.push(edit);
                    fix.ops.push(op);
                    fix
                }))
                .at(mb, key, Some(attr))
                .help("write TRUE for 32-bit worker processes or FALSE for 64-bit ones"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{root, server};

    /// An ignored Enable32BitAppOnWin64 is said to be on an application pool when its key is under
    /// /LM/W3SVC/AppPools or is an IIsApplicationPool (either is enough), and otherwise to decide
    /// nothing where it is.
    #[test]
    fn an_ignored_setting_is_said_to_be_a_pools_only_on_a_pool() {
        let set = "\t\tEnable32BitAppOnWin64=\"TRUE\"\r\n";
        let key =
            |kind: &str, location: &str| format!("<{kind}\tLocation =\"{location}\"\r\n{set}\t>\r\n</{kind}>\r\n");
        let keys = format!(
            "{}{}{}",
            root(1, r"D:\Sites\One", set),
            key("IIsApplicationPool", "/LM/W3SVC/Pools/Elsewhere"),
            key("IIsConfigObject", "/LM/W3SVC/AppPools/Other"),
        );
        let text = server(true, "", &keys);
        let options = crate::lint::Options {
            platform: Some(crate::platform::Platform::X64),
            ..crate::lint::Options::default()
        };
        let report = crate::lint::lint_bytes_with("m.xml", text.as_bytes(), &options);
        let said: Vec<(&str, bool)> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == "MB105")
            .map(|d| {
                let location = d.location.as_deref().unwrap_or_default();
                (location, d.message.contains("on the application pool"))
            })
            .collect();
        assert_eq!(
            said,
            [
                ("/LM/W3SVC/1/ROOT", false),
                ("/LM/W3SVC/Pools/Elsewhere", true),
                ("/LM/W3SVC/AppPools/Other", true),
            ],
            "{:#?}",
            report.diagnostics
        );
    }
}
