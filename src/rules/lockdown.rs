//! The Web Service Extension restriction list follows a repoint, as `aspnet_regiis -i -enable` of the
//! target Framework would make it: a DLL that replaces another is allowed exactly when the one it
//! replaces was. Where that would take turning a Prohibited entry to Allowed (or letting a DLL run
//! that was prohibited), the repoint is not applied: allowing code to run is the administrator's
//! decision, and no fix under any flag loosens the lockdown.

use super::Context;
use crate::diagnostic::{Edit, MetabaseOp};
use crate::fix::edit;
use crate::metabase::values::{Restriction, restriction_key};
use crate::metabase::{Span, props};

/// What the restriction list needs for a repoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    /// The target is allowed exactly as the source was.
    Nothing,
    /// An entry for the target, mirroring the source's: its line, to be added to the list.
    Add(String),
    /// Only loosening the lockdown would keep the repoint's effect: why.
    Refused(String),
}

/// How the list treats a path: its own entry, or the "All Unknown ISAPI Extensions" wildcard.
struct Status<'a> {
    allowed: bool,
    own: Option<&'a Restriction>,
}

fn status<'a>(ctx: &'a Context<'_>, path: &str) -> Option<Status<'a>> {
    let key = restriction_key(path);
    let entries = || ctx.server.restrictions.iter().filter_map(|e| e.entry.as_ref().ok());
    if let Some(own) = entries().find(|r| !r.is_wildcard() && restriction_key(&r.path) == key) {
        return Some(Status {
            allowed: own.allowed,
            own: Some(own),
        });
    }
    let wildcard = if key.ends_with(".exe") { "*.exe" } else { "*.dll" };
    entries()
        .find(|r| r.path.eq_ignore_ascii_case(wildcard))
        .map(|r| Status {
            allowed: r.allowed,
            own: None,
        })
}

/// A path as the restriction list would compare it if IIS took the text as written: letter case and
/// WOW64 (`SysWOW64` is `system32`) aside, nothing canonicalised.
fn written_key(path: &str) -> String {
    path.trim().to_lowercase().replace("\\syswow64\\", "\\system32\\")
}

/// Whether the list allows `path` when compared as written, and whether by an entry of its own
/// (else by the "All Unknown" wildcard of its kind); `None` with no list, or nothing that governs it.
fn allowed_as_written(ctx: &Context<'_>, path: &str) -> Option<(bool, bool)> {
    let key = written_key(path);
    let entries = || ctx.server.restrictions.iter().filter_map(|e| e.entry.as_ref().ok());
    if let Some(own) = entries().find(|r| !r.is_wildcard() && written_key(&r.path) == key) {
        return Some((own.allowed, true));
    }
    let wildcard = if restriction_key(path).ends_with(".exe") {
        "*.exe"
    } else {
        "*.dll"
    };
    entries()
        .find(|r| r.path.eq_ignore_ascii_case(wildcard))
        .map(|r| (r.allowed, false))
}

/// Whether writing `to` where a script map names `from` would let requests run that the list
/// prohibits by name if IIS compares paths as written (no source says it does not: MB206): `from`
/// has a Prohibited entry of its own, spelled as written, and `to` is allowed. (A DLL denied only
/// as an unknown extension that becomes one the list allows by name runs by the administrator's
/// own entry.) mblint's own comparison reads both as Win32 does, where a respelling changes nothing.
pub fn loosens_as_written(ctx: &Context<'_>, from: &str, to: &str) -> bool {
    matches!(
        (allowed_as_written(ctx, from), allowed_as_written(ctx, to)),
        (Some((false, true)), Some((true, _)))
    )
}

/// The description aspnet_regiis gives the target's entry: the 32-bit ASP.NET build on 64-bit
/// Windows is listed as `ASP.NET v2.0.50727 (32-bit)` (KB894435), the 64-bit one without a suffix.
fn description(source: &str, to: &str) -> String {
    const SUFFIX: &str = " (32-bit)";
    let base = source
        .strip_suffix(SUFFIX)
        .or_else(|| source.strip_suffix(" (64-bit)"))
        .unwrap_or(source);
    let lower = to.to_ascii_lowercase();
    if lower.contains("\\microsoft.net\\framework\\") {
        format!("{base}{SUFFIX}")
    } else {
        base.to_string()
    }
}

/// Whether some ISAPI or CGI entry already names `path` (as the restriction list compares paths).
fn in_use(ctx: &Context<'_>, path: &str) -> bool {
    let key = restriction_key(path);
    ctx.isapi.paths.iter().any(|p| restriction_key(p) == key)
}

/// What the list needs so that `to` is allowed exactly when `from` was.
pub fn follow(ctx: &Context<'_>, from: &str, to: &str) -> Follow {
    let (Some(before), Some(after)) = (status(ctx, from), status(ctx, to)) else {
        // No list, or neither path governed by it: nothing to follow.
        return Follow::Nothing;
    };
    if before.allowed == after.allowed {
        return Follow::Nothing;
    }
    match (before.own, after.own) {
        (_, Some(_)) if !after.allowed => Follow::Refused(format!(
            "`{to}` is Prohibited in WebSvcExtRestrictionList: after the repoint its requests would get 404.2, and allowing it is the administrator's decision (IIS Manager, Web Service Extensions)"
        )),
        (_, Some(_)) => Follow::Refused(format!(
            "`{from}` is Prohibited in WebSvcExtRestrictionList and `{to}` is Allowed: the repoint would let requests run that are denied today"
        )),
        // Prohibited before, allowed by "All Unknown" after: mirroring the prohibition keeps the
        // repointed map denied, but would deny the target to every map already using it.
        (Some(_), None) if !before.allowed && in_use(ctx, to) => Follow::Refused(format!(
            "`{from}` is Prohibited in WebSvcExtRestrictionList, and `{to}`, which other script maps use, is allowed as an unknown extension: the repoint would either let requests run that are denied today or deny those maps"
        )),
        // Allowed before, denied by "All Unknown" after, and other maps already use the target: an
        // Allowed entry for it (what `aspnet_regiis -i -enable` of the target Framework writes, KB894435)
        // would also let those maps run, which answer 404.2 today. Microsoft's procedure allows them;
        // mblint does not decide that for the administrator (rules/MB102.md, "The restriction list").
        (Some(_), None) if in_use(ctx, to) => Follow::Refused(format!(
            "`{to}` is prohibited as an unknown extension (\"All Unknown ISAPI Extensions\"), and other script maps that use it answer 404.2 today: an Allowed entry for it would let those run too, and allowing them is the administrator's decision (IIS Manager, Web Service Extensions, or `aspnet_regiis -ir -enable` of that Framework, which changes no script map)"
        )),
        // The target has no entry of its own: mirror the source's.
        (Some(own), None) => Follow::Add(format!(
            "{},{},{},{},{}",
            if own.allowed { 1 } else { 0 },
            to,
            match own.deletable {
                Some(false) => 0,
                _ => 1,
            },
            own.group_id.as_deref().unwrap_or_default(),
            description(own.description.as_deref().unwrap_or_default(), to)
        )),
        // Neither has an entry, yet they differ: cannot happen (one wildcard governs both).
        (None, None) => Follow::Nothing,
    }
}

/// The edit that appends `lines` to the restriction list at /LM/W3SVC, escaped for the attribute.
pub fn append(ctx: &Context<'_>, lines: &[String]) -> Option<(Edit, MetabaseOp)> {
    let mb = ctx.metabase;
    let svc = mb.find("/LM/W3SVC")?;
    let attr = mb.own(svc, props::WEB_SVC_EXT_RESTRICTION_LIST)?;
    let end = mb.attr(attr).value.end as usize;
    let nl = edit::newline(mb);
    let content: String = lines.iter().map(|l| format!("{nl}\t\t\t{}", edit::escape(l))).collect();
    Some((
        Edit {
            span: Span::new(end, end),
            content,
        },
        MetabaseOp::Set {
            location: mb.location(svc).into_owned(),
            property: props::WEB_SVC_EXT_RESTRICTION_LIST.name.to_string(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_as_aspnet_regiis_writes_them() {
        let fw = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll";
        let fw64 = r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll";
        assert_eq!(description("ASP.NET v2.0.50727", fw), "ASP.NET v2.0.50727 (32-bit)");
        assert_eq!(
            description("ASP.NET v2.0.50727 (32-bit)", fw),
            "ASP.NET v2.0.50727 (32-bit)"
        );
        assert_eq!(description("ASP.NET v2.0.50727 (32-bit)", fw64), "ASP.NET v2.0.50727");
        assert_eq!(
            description("ASP.NET v2.0.50727 (64-bit)", fw),
            "ASP.NET v2.0.50727 (32-bit)"
        );
        assert_eq!(description("Acme", r"C:\Program Files (x86)\Acme\a.dll"), "Acme");
    }

    /// Compared as written (letter case and SysWOW64 aside), a respelling loosens the lockdown
    /// exactly when the list prohibits the DLL by an entry spelled as the script map writes it and
    /// allows the new spelling (by name or as an unknown extension).
    #[test]
    fn a_respelling_loosens_the_lockdown_only_past_a_prohibition_as_written() {
        use crate::rules::testing::{server, with_context};
        let written = r"C:\WINDOWS\system32\inetsrv\asp.dll.";
        let canonical = r"C:\WINDOWS\system32\inetsrv\asp.dll";
        let cases = [
            // Prohibited as written, allowed by name: loosens.
            (
                vec![
                    "0,*.dll",
                    r"1,C:\WINDOWS\system32\inetsrv\asp.dll,0,ASP,Active Server Pages",
                    r"0,C:\WINDOWS\system32\inetsrv\asp.dll.,0,ASP,ASP as written",
                ],
                true,
            ),
            // The same, the prohibition spelled in other letters and with SysWOW64.
            (
                vec![
                    r"0,c:\windows\SysWOW64\INETSRV\asp.dll.,0,ASP,ASP as written",
                    "1,*.dll",
                ],
                true,
            ),
            // Prohibited as written, the new spelling prohibited too (as unknown): nothing runs that did not.
            (
                vec![
                    r"0,C:\WINDOWS\system32\inetsrv\asp.dll.,0,ASP,ASP as written",
                    "0,*.dll",
                ],
                false,
            ),
            // Denied as an unknown extension only: the administrator's own entry allows the new spelling.
            (
                vec![
                    "0,*.dll",
                    r"1,C:\WINDOWS\system32\inetsrv\asp.dll,0,ASP,Active Server Pages",
                ],
                false,
            ),
            // Allowed as written.
            (
                vec![
                    r"1,C:\WINDOWS\system32\inetsrv\asp.dll.,0,ASP,ASP as written",
                    "0,*.dll",
                ],
                false,
            ),
            // No list.
            (vec![], false),
        ];
        for (list, loosens) in cases {
            let service = if list.is_empty() {
                String::new()
            } else {
                format!("\t\tWebSvcExtRestrictionList=\"{}\"\r\n", list.join("\r\n\t\t\t"))
            };
            let text = server(
                false,
                &format!("{service}\t\tScriptMaps=\".asp,{written},5,GET\"\r\n"),
                "",
            );
            with_context(&text, |ctx| {
                assert_eq!(loosens_as_written(ctx, written, canonical), loosens, "{list:?}");
            });
        }
    }
}
