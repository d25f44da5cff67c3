//! MB401 extension-prohibited: a script map whose processor the Web Service Extension restrictions
//! prohibit.

use std::collections::HashMap;

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::diagnostic::{Applicability, Fix};
use crate::metabase::props;
use crate::metabase::values::restriction_key;

pub static RULE: Rule = Rule {
    code: "MB401",
    name: "extension-prohibited",
    severity: Severity::Info,
    fix: FixAvailability::Always,
    summary: "A script map whose DLL or EXE WebSvcExtRestrictionList prohibits: requests get 404.2",
    doc: rule_doc!("MB401"),
    check: Some(check),
};

/// How allowing an extension would look: its entry's allow flag flipped, or an allowed entry added.
/// Display-only under every flag: allowing code to run is the administrator's decision, and mblint
/// never loosens the lockdown. The message says how to do it with Microsoft's own tools.
fn allow(ctx: &Context<'_>, path: &str, entry: Option<crate::metabase::Span>) -> Option<Fix> {
    let mb = ctx.metabase;
    let svc = mb.find("/LM/W3SVC")?;
    let attr = mb.own(svc, props::WEB_SVC_EXT_RESTRICTION_LIST)?;
    let file = path.rsplit(['\\', '/']).next().unwrap_or(path);
    let edit = match entry {
        Some(line) if mb.slice(line).starts_with('0') => crate::diagnostic::Edit {
            span: crate::metabase::Span::new(line.start as usize, line.start as usize + 1),
            content: "1".into(),
        },
        Some(_) => return None,
        None => {
            let group = file
                .rsplit_once('.')
                .map_or(file, |(stem, _)| stem)
                .to_ascii_uppercase();
            let end = mb.attr(attr).value.end as usize;
            crate::diagnostic::Edit {
                span: crate::metabase::Span::new(end, end),
                content: format!(
                    "{}\t\t\t1,{},1,{group},{file}",
                    crate::fix::edit::newline(mb),
                    crate::fix::edit::escape(path)
                ),
            }
        }
    };
    let how = if entry.is_some() {
        format!("`cscript %SystemRoot%\\system32\\iisext.vbs /EnFile \"{path}\"`")
    } else {
        format!("`cscript %SystemRoot%\\system32\\iisext.vbs /AddFile \"{path}\" 1 <GroupID> 1 \"<description>\"`")
    };
    let mut fix = Fix::new(
        Applicability::DisplayOnly,
        format!(
            "if the extension is wanted, allow `{file}`: IIS Manager, Web Service Extensions, Allow; or {how}. mblint never allows an extension itself: that is a security decision"
        ),
    );
    fix.edits.push(edit);
    fix.ops.push(crate::diagnostic::MetabaseOp::Set {
        location: mb.location(svc).into_owned(),
        property: props::WEB_SVC_EXT_RESTRICTION_LIST.name.to_string(),
    });
    Some(fix)
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let entries: Vec<_> = ctx
        .server
        .restrictions
        .iter()
        .filter_map(|e| e.entry.as_ref().ok().map(|r| (e.span, r)))
        .collect();
    if entries.is_empty() {
        return;
    }
    let listed: HashMap<String, (crate::metabase::Span, bool)> = entries
        .iter()
        .filter(|(_, r)| !r.is_wildcard())
        .map(|(span, r)| (restriction_key(&r.path), (*span, r.allowed)))
        .collect();
    let wildcard = |ext: &str| {
        entries
            .iter()
            .find(|(_, r)| r.path.eq_ignore_ascii_case(ext))
            .map(|(span, r)| (*span, r.allowed))
    };
    let wserl_attr = mb
        .find("/LM/W3SVC")
        .and_then(|k| mb.own(k, props::WEB_SVC_EXT_RESTRICTION_LIST));
    // Per distinct path (by the shared text's address): whether it is CGI, and its own entry.
    type Decision = (bool, Option<(crate::metabase::Span, bool)>, Option<Option<Fix>>);
    let mut memo: HashMap<*const u8, Decision> = HashMap::new();
    // ISAPI extensions by their path; CGI programs by their command line, arguments included.
    let isapi = ctx
        .isapi
        .entries
        .iter()
        .filter(|e| {
            matches!(
                e.role,
                crate::metabase::isapi::Role::ScriptMap | crate::metabase::isapi::Role::WildcardMap
            )
        })
        .map(|e| (e, &e.path));
    let cgi = ctx.isapi.cgi.iter().zip(&ctx.isapi.cgi_commands);
    for (entry, named) in isapi.chain(cgi) {
        // Once per distinct text: entries naming one DLL share it.
        let (cgi, listed_entry, fix) = memo.entry(named.as_ptr()).or_insert_with(|| {
            (
                entry.path.to_ascii_lowercase().ends_with(".exe"),
                listed.get(&restriction_key(named)).copied(),
                None,
            )
        });
        let (cgi, listed_entry) = (*cgi, *listed_entry);
        let (span, allowed, why) = match listed_entry {
            Some((span, allowed)) => (
                span,
                allowed,
                "its Web Service Extension entry is Prohibited".to_string(),
            ),
            None => match wildcard(if cgi { "*.exe" } else { "*.dll" }) {
                Some((span, allowed)) => (
                    span,
                    allowed,
                    format!(
                        "it is not listed, and \"All Unknown {} Extensions\" is Prohibited",
                        if cgi { "CGI" } else { "ISAPI" }
                    ),
                ),
                None => continue,
            },
        };
        if allowed {
            continue;
        }
        // The fix allows the DLL, the same edit wherever it is mapped: made once per DLL.
        let fix = fix.get_or_insert_with(|| allow(ctx, named, listed_entry.map(|(s, _)| s)));
        if out.join_same_fix(RULE.code, named, fix.as_ref(), || ctx.place(entry)) {
            continue;
        }
        let mut d = RULE.diagnostic(entry.span,
            format!(
                "{} runs `{named}`, which WebSvcExtRestrictionList prohibits ({why}): its requests get 404.2 \"Denied due to Lockdown Policy\"",
                subject(entry),
            ),
        )
        .label("prohibited")
        .fix(fix.clone())
        .at(mb, entry.key, Some(entry.attr))
        .cause(named.clone())
        .help("if the extension is wanted, allow it under Web Service Extensions in IIS Manager (its entry's first field 0 -> 1), or add an allowed entry for this path");
        if wserl_attr.is_some() {
            d = d.related(span, "prohibited here");
        }
        out.push(d);
    }
}
