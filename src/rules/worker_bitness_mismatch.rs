//! MB102 worker-bitness-mismatch: an ISAPI DLL whose bitness differs from the worker processes'.

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::bitness::Bitness;
use crate::diagnostic::Severity;
use crate::metabase::isapi::{IsapiRef, Role};

pub static RULE: Rule = Rule {
    code: "MB102",
    name: "worker-bitness-mismatch",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "An ISAPI filter or extension DLL whose bitness differs from the worker processes'",
    doc: rule_doc!("MB102"),
    check: Some(check),
};

/// What the user sees when a DLL of the wrong bitness is configured in this role. In IIS 5.0
/// isolation mode a filter loads into inetinfo.exe, and one that fails stops the World Wide Web
/// Publishing Service from starting (Win32 error 193; David Wang, 2005-12-14).
pub fn symptom(role: Role, iis5: bool) -> &'static str {
    match role {
        Role::GlobalFilter | Role::SiteFilter if iis5 => {
            "the filter fails to load into inetinfo.exe (Win32 error 193) and the World Wide Web Publishing Service does not start: every site is down"
        }
        Role::GlobalFilter | Role::SiteFilter => {
            "the filter fails to load (Win32 error 193), IIS logs W3SVC-WP event 2268 or 2274 and disables the application pool: every request gets 503 Service Unavailable"
        }
        Role::ScriptMap => "requests for the extension get HTTP 500 \"%1 is not a valid Win32 application\"",
        Role::WildcardMap => "every request of the application gets HTTP 500 \"%1 is not a valid Win32 application\"",
        Role::DirectUrl => {
            "requests for its URL get HTTP 500 \"%1 is not a valid Win32 application\" (for FrontPage's _vti_bin DLLs: publishing and authoring fail)"
        }
        Role::WebDav => {
            "every WebDAV request (PROPFIND, PUT, MKCOL, ...) fails: the worker cannot load httpext.dll (Win32 error 193)"
        }
        Role::CompressionScheme => {
            "the compression filter cannot load it (Win32 error 193), so responses are not compressed with this scheme"
        }
    }
}

/// How a DLL is named in messages: `global ISAPI filter URLSCAN`, `script map extension for .aspx`.
pub fn subject(entry: &IsapiRef) -> String {
    match (entry.filter_name(), entry.extension()) {
        (Some(name), _) => format!("{} `{name}`", entry.role.describe()),
        (None, Some(ext)) if entry.role == Role::WildcardMap => format!("{} `{ext}`", entry.role.describe()),
        (None, _) if entry.role == Role::WebDav => format!("{} `{}`", entry.role.describe(), entry.path),
        (None, Some(url)) if entry.role == Role::DirectUrl => format!("{} ({url})", entry.role.describe()),
        (None, Some(ext)) => format!("{} for `{ext}`", entry.role.describe()),
        (None, None) => entry.role.describe().to_string(),
    }
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let worker = ctx.worker.bitness;
    for (index, entry) in ctx.isapi.entries.iter().enumerate() {
        if ctx.bits(index).is_none_or(|b| b == worker) || ctx.judged_as_filter(index) {
            continue;
        }
        let cause = ctx.cause(entry);
        // The place's fix as words (once per DLL and target) and its own edits: the whole fix is
        // built only for a cause's first place.
        let words = super::plan::repoint_key(ctx, index);
        let parts = words.as_ref().and_then(|w| super::plan::repoint_parts(ctx, index, w));
        let fix = words.as_ref().zip(parts).map(|(w, parts)| (w.key(), parts));
        if out.join_with(RULE.code, &cause, fix, || ctx.place(entry)) {
            continue;
        }
        let fix = super::plan::repoint_fix(ctx, index);
        let Some(found) = ctx.entry_bitness(index) else {
            continue;
        };
        let host = ctx.host(entry);
        let remedy = if ctx.worker.switchable() {
            format!(
                "Point this entry at a {worker} build of the DLL, or, if every ISAPI DLL on the server exists as {}, set Enable32BitAppOnWin64 at /LM/W3SVC/AppPools to {}",
                found.bitness,
                if found.bitness == Bitness::Bits32 {
                    "TRUE"
                } else {
                    "FALSE"
                }
            )
        } else if ctx.worker.iis5 && ctx.worker.platform.is_64bit() {
            format!(
                "Point this entry at a {worker} build of the DLL; 32-bit DLLs load only in worker process isolation mode (IIs5IsolationModeEnabled=\"FALSE\") with Enable32BitAppOnWin64 on"
            )
        } else {
            format!("Point this entry at a {worker} build of the DLL, or remove the component")
        };
        let mut d = RULE
            .diagnostic(
                entry.span,
                format!(
                    "{} is {} but {host} is {worker} on {}: {}",
                    subject(entry),
                    found.bitness,
                    ctx.platform_name(),
                    symptom(entry.role, ctx.worker.iis5)
                ),
            )
            .label(found.basis)
            .at(mb, entry.key, Some(entry.attr))
            .cause(cause)
            .fix(fix)
            .help(format!("{}. {remedy}", ctx.worker.describe(mb)))
            .evidence(found.evidence);
        if let Some((_, attr)) = ctx.worker.setting.filter(|_| ctx.worker.switchable()) {
            d = d.related(mb.attr(attr).value, format!("this makes worker processes {worker}"));
        }
        out.push(d);
    }
}
