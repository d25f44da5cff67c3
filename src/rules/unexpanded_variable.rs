//! MB204 unexpanded-variable: `%VAR%` in a ScriptMaps processor or a FilterPath, which IIS 6 does
//! not expand.

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Diagnostic, Severity};
use crate::metabase::isapi::Role;
use crate::resolve::winpath::variable;

pub static RULE: Rule = Rule {
    code: "MB204",
    name: "unexpanded-variable",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "An environment variable in ScriptMaps or FilterPath, which IIS 6 does not expand",
    doc: rule_doc!("MB204"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mb = ctx.metabase;
    for entry in &ctx.isapi.entries {
        // HcCompressionDll is EXPANDSZ: its variables are expanded.
        if entry.role == Role::CompressionScheme {
            continue;
        }
        let Some(name) = variable(&entry.path) else { continue };
        let property = if entry.role.is_filter() {
            "FilterPath (a STRING property)"
        } else {
            "ScriptMaps (a MULTISZ property)"
        };
        out.push(
            Diagnostic::new(
                &RULE,
                entry.span,
                format!(
                    "{} names its DLL with %{name}%, but IIS 6 does not expand environment variables in {property}: only EXPANDSZ properties such as HcCompressionDll are expanded, so the DLL is not found",
                    subject(entry)
                ),
            )
            .label(format!("%{name}% is taken literally"))
            .at(mb, entry.key, Some(entry.attr))
            .help(format!("write the full path, e.g. C:\\WINDOWS for %{name}% where it stands for the Windows folder")),
        );
    }
}
