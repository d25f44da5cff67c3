//! MB402 unknown-dependency-group: ApplicationDependencies names a group no Web Service Extension has.

use std::collections::HashSet;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::props;

pub static RULE: Rule = Rule {
    code: "MB402",
    name: "unknown-dependency-group",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "ApplicationDependencies names a GroupID that no WebSvcExtRestrictionList entry has",
    doc: rule_doc!("MB402"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let groups: HashSet<String> = ctx
        .server
        .restrictions
        .iter()
        .filter_map(|e| e.entry.as_ref().ok()?.group_id.as_ref().map(|g| g.to_lowercase()))
        .collect();
    let Some((key, attr)) = mb
        .find("/LM/W3SVC")
        .and_then(|k| mb.own(k, props::APPLICATION_DEPENDENCIES).map(|a| (k, a)))
    else {
        return;
    };
    for line in &ctx.server.dependencies {
        let Ok(dep) = &line.entry else { continue };
        let missing: Vec<&str> = dep
            .groups
            .iter()
            .filter(|g| !groups.contains(&g.to_lowercase()))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            continue;
        }
        out.push(
            RULE.diagnostic(line.span,
                format!(
                    "the application `{}` depends on {} that no WebSvcExtRestrictionList entry defines: IIS Manager cannot enable it, and its extensions stay prohibited",
                    dep.application,
                    missing.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")
                ),
            )
            .label(if missing.len() == 1 { "unknown group" } else { "unknown groups" })
            .at(mb, key, Some(attr))
            .help("add a WebSvcExtRestrictionList entry with that GroupID (its fourth field), or correct the group name"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing;

    /// MB402 names every group no restriction-list entry defines, whatever its letter case, and
    /// its label says one group or several.
    #[test]
    fn each_unknown_group_is_named_and_counted_in_the_label() {
        let service = "\t\tApplicationDependencies=\"One;ASP\r\n\t\t\tTwo;Gone,asp,Lost\r\n\t\t\tThree;ASP\"\r\n\t\tWebSvcExtRestrictionList=\"1,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,0,asp,Active Server Pages\"\r\n";
        let found = testing::findings_on_x86(&testing::server(true, service, ""), "MB402");
        let said: Vec<(&str, &str)> = found.iter().map(|d| (d.label.as_str(), d.message.as_str())).collect();
        assert_eq!(
            said,
            [(
                "unknown groups",
                "the application `Two` depends on `Gone`, `Lost` that no WebSvcExtRestrictionList entry defines: IIS Manager cannot enable it, and its extensions stay prohibited"
            )]
        );
        let service = "\t\tApplicationDependencies=\"One;Gone\"\r\n";
        let found = testing::findings_on_x86(&testing::server(true, service, ""), "MB402");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].label, "unknown group");
    }
}
