//! MB401 extension-prohibited: a script map whose processor, or a DLL called by URL (through an
//! execute-enabled virtual directory, or forwarded to by a connector filter), the Web Service
//! Extension restrictions prohibit.

use std::collections::HashMap;

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::diagnostic::{Applicability, Fix};
use crate::metabase::props;
use crate::metabase::values::restriction_key;
use crate::resolve::addr::{AddrMap, addr};

pub static RULE: Rule = Rule {
    code: "MB401",
    name: "extension-prohibited",
    severity: Severity::Info,
    fix: FixAvailability::Always,
    summary: "A script map, or a DLL called by URL, whose DLL or EXE WebSvcExtRestrictionList prohibits: requests get 404.2",
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

/// What the message adds for an extension that is prohibited by a known habit of its installer:
/// .NET Framework 4.0 registers "ASP.NET v4.0.30319" on IIS 6 and leaves it Prohibited, so a
/// server that had no ASP.NET 4 answers 404.2 for its pages after a plain install (Ran Wolff,
/// 2011-03-03, "404.2 and ISAPI restriction and Web Service Extension": "ASP.NET 4.0 ISAPI was not
/// allowed (occurs on machines installed initially without .Net 4.0)").
fn installer_note(path: &str) -> &'static str {
    let folded = path.to_ascii_lowercase().replace('/', "\\");
    if folded.contains("\\v4.0.30319\\") {
        "; this is \"ASP.NET v4.0.30319\", which the .NET Framework 4.0 setup leaves Prohibited on IIS 6: allow it (IIS Manager, Web Service Extensions, or `aspnet_regiis -ir -enable` of that Framework folder, which changes no script map) if ASP.NET 4 applications are meant to run"
    } else {
        ""
    }
}

/// Why the list prohibits a path: its own entry, or the "All Unknown" wildcard of its kind.
#[derive(Clone, Copy)]
enum Why {
    Own,
    Unknown { cgi: bool },
}

impl Why {
    fn describe(self) -> String {
        match self {
            Why::Own => "its Web Service Extension entry is Prohibited".to_string(),
            Why::Unknown { cgi } => format!(
                "it is not listed, and \"All Unknown {} Extensions\" is Prohibited",
                if cgi { "CGI" } else { "ISAPI" }
            ),
        }
    }
}

/// What the list decides for one text (a DLL's path, a CGI command line): where it is prohibited
/// and why (`None`: allowed, or not governed), its own entry, and the fix, made when first needed.
struct Decision {
    prohibited: Option<(crate::metabase::Span, Why)>,
    own: Option<crate::metabase::Span>,
    fix: Option<Option<Fix>>,
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
    let decide = |path: &str, named: &str| {
        let cgi = path.to_ascii_lowercase().ends_with(".exe");
        let own = listed.get(&restriction_key(named)).copied();
        let governed = match own {
            Some((span, allowed)) => Some((span, allowed, Why::Own)),
            None => wildcard(if cgi { "*.exe" } else { "*.dll" })
                .map(|(span, allowed)| (span, allowed, Why::Unknown { cgi })),
        };
        Decision {
            prohibited: governed.filter(|g| !g.1).map(|(span, _, why)| (span, why)),
            own: own.map(|(span, _)| span),
            fix: None,
        }
    };
    let wserl_attr = mb
        .find("/LM/W3SVC")
        .and_then(|k| mb.own(k, props::WEB_SVC_EXT_RESTRICTION_LIST));
    // Once per distinct text: ISAPI entries by their path's index, CGI ones by their command line's
    // address (entries naming one text share it).
    let distinct = ctx.distinct_paths();
    let mut by_path: Vec<Option<Decision>> = (0..distinct.paths.len()).map(|_| None).collect();
    let mut by_command: AddrMap<usize, Decision> = AddrMap::default();
    // IIS checks the list "before loading an ISAPI extension .dll file or CGI .exe file"
    // (cc759233): a mapped one, and one a URL names. Filters are not Web Service Extensions.
    let governs = |role| {
        use crate::metabase::isapi::Role;
        matches!(role, Role::ScriptMap | Role::WildcardMap | Role::DirectUrl)
    };
    // Each distinct (path, role) first: when the list prohibits none of them, no ISAPI entry is
    // walked.
    let mut prohibits = false;
    for index in distinct.representatives() {
        let entry = &ctx.isapi.entries[index];
        if governs(entry.role) {
            let decision =
                by_path[distinct.of_entry[index] as usize].get_or_insert_with(|| decide(&entry.path, &entry.path));
            prohibits |= decision.prohibited.is_some();
        }
    }
    let walked = if prohibits { ctx.isapi.entries.len() } else { 0 };
    // ISAPI extensions by their path; CGI programs by their command line, arguments included.
    let isapi = ctx.isapi.entries[..walked]
        .iter()
        .enumerate()
        .filter(|&(index, e)| governs(e.role) && ctx.called_by_url(index))
        .map(|(index, e)| (e, &e.path, Some(distinct.of_entry[index] as usize)));
    let cgi = ctx
        .isapi
        .cgi
        .iter()
        .zip(&ctx.isapi.cgi_commands)
        .map(|(e, c)| (e, c, None));
    for (entry, named, path_index) in isapi.chain(cgi) {
        let decision = match path_index {
            Some(i) => by_path[i].get_or_insert_with(|| decide(&entry.path, named)),
            None => by_command
                .entry(addr(named))
                .or_insert_with(|| decide(&entry.path, named)),
        };
        let Some((span, why)) = decision.prohibited else {
            continue;
        };
        // The fix allows the DLL, the same edit wherever it is mapped: made once per DLL.
        let own = decision.own;
        let fix = decision.fix.get_or_insert_with(|| allow(ctx, named, own));
        if out.join_same_fix(RULE.code, named, fix.as_ref(), || ctx.place(entry)) {
            continue;
        }
        let mut d = RULE.diagnostic(entry.span,
            format!(
                "{} runs `{named}`, which WebSvcExtRestrictionList prohibits ({}): its requests get 404.2 \"Denied due to Lockdown Policy\"{}",
                subject(entry),
                why.describe(),
                installer_note(named),
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

#[cfg(test)]
mod tests {
    #[test]
    fn aspnet_4_is_named_as_the_installer_leaves_it() {
        for path in [
            "C:\\WINDOWS\\Microsoft.NET\\Framework\\v4.0.30319\\aspnet_isapi.dll",
            "c:/windows/microsoft.net/framework64/V4.0.30319/ASPNET_ISAPI.DLL",
        ] {
            assert!(super::installer_note(path).contains("ASP.NET v4.0.30319"), "{path}");
        }
        assert_eq!(
            super::installer_note("C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll"),
            ""
        );
    }
}

#[cfg(test)]
mod allow_tests {
    use crate::rules::testing;

    fn mb401(flag: &str) -> Vec<crate::diagnostic::Diagnostic> {
        let service = format!(
            "\t\tScriptMaps=\".xyz,C:\\WINDOWS\\system32\\inetsrv\\xyz.dll,5,GET\"\r\n\t\tWebSvcExtRestrictionList=\"{flag},C:\\WINDOWS\\system32\\inetsrv\\xyz.dll,0,XYZ,XYZ\"\r\n"
        );
        testing::findings_on_x86(&testing::server(true, &service, ""), "MB401")
    }

    /// The fix flips a prohibited entry's allow flag where the text starts with `0`; an entry whose
    /// flag is written as a character reference (`&#48;`) gets no fix (overwriting its first byte
    /// would break the reference), though it is prohibited all the same.
    #[test]
    fn the_allow_flag_is_flipped_only_where_written_as_0() {
        let plain = mb401("0");
        assert_eq!(plain.len(), 1, "{plain:#?}");
        let fix = plain[0].fix.as_ref().expect("a fix for a flag written 0");
        assert_eq!(fix.edits.len(), 1);
        assert_eq!(fix.edits[0].content, "1");
        let reference = mb401("&#48;");
        assert_eq!(reference.len(), 1, "{reference:#?}");
        assert_eq!(reference[0].fix, None);
    }
}
