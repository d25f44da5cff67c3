//! MB204 unexpanded-variable: `%VAR%` in a ScriptMaps processor or a FilterPath, which IIS 6 does
//! not expand.

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::diagnostic::{Applicability, Fix};
use crate::fix::edit;
use crate::metabase::isapi::Role;
use crate::winpath::variable;

pub static RULE: Rule = Rule {
    code: "MB204",
    name: "unexpanded-variable",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "An environment variable in ScriptMaps or FilterPath, which IIS 6 does not expand",
    doc: rule_doc!("MB204"),
    check: Some(check),
};

/// Expands `%windir%`, `%SystemRoot%` and `%SystemDrive%`, whose values a drive copy makes certain
/// (safe); the metabase's own paths make it likely (unsafe); with nothing to go on the usual
/// `C:\WINDOWS` is only shown (display-only). Other variables are left alone.
fn expand(ctx: &Context<'_>, entry: &crate::metabase::isapi::IsapiRef) -> Option<Fix> {
    let mb = ctx.metabase;
    if mb.slice(entry.span) != &*entry.path {
        return None;
    }
    let (windir, certain) = ctx.windir();
    let windir = windir.to_string();
    let mut out = String::new();
    let mut rest: &str = &entry.path;
    while let Some(start) = rest.find('%') {
        let end = rest[start + 1..].find('%')? + start + 1;
        let value = match rest[start + 1..end].to_ascii_lowercase().as_str() {
            "windir" | "systemroot" => windir.clone(),
            "systemdrive" => windir[..2].to_string(),
            _ => return None,
        };
        out.push_str(&rest[..start]);
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    let source = ctx.model.windir.source;
    let mut fix = Fix::new(
        match source {
            _ if certain => Applicability::Safe,
            crate::host::Source::Metabase => Applicability::Unsafe,
            // A guess is shown, never written.
            _ => Applicability::DisplayOnly,
        },
        format!(
            "write the full path `{out}`{}",
            match source {
                crate::host::Source::Declared | crate::host::Source::Drive => String::new(),
                crate::host::Source::Metabase =>
                    format!(" (Windows is in {windir} by the metabase's own paths; map the drive to check)"),
                crate::host::Source::Default =>
                    format!(" (assumes Windows is in {windir}: nothing says where it is; map the drive to check)"),
            }
        ),
    );
    fix.edits.push(edit::replace(entry.span, &out));
    fix.ops.push(crate::diagnostic::MetabaseOp::Set {
        location: mb.location(entry.key).into_owned(),
        property: if entry.role.is_filter() {
            "FilterPath"
        } else {
            "ScriptMaps"
        }
        .to_string(),
    });
    Some(fix)
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    // The variable a path names, once per distinct path; entries read it by their path's index.
    let distinct = ctx.distinct_paths();
    let variables: Vec<Option<&str>> = distinct.paths.iter().map(|p| variable(p)).collect();
    // HcCompressionDll is EXPANDSZ: its variables are expanded.
    // (A URL's DLL is a file on disk: no variable names it.)
    let unexpanded = |index: usize| {
        let entry = &ctx.isapi.entries[index];
        let expanded = matches!(entry.role, Role::CompressionScheme | Role::DirectUrl | Role::WebDav);
        variables[distinct.of_entry[index] as usize].filter(|_| !expanded)
    };
    // Each distinct (path, role) first: when none names a variable, no entry is walked.
    if !distinct.representatives().any(|index| unexpanded(index).is_some()) {
        return;
    }
    for (index, entry) in ctx.isapi.entries.iter().enumerate() {
        let Some(name) = unexpanded(index) else { continue };
        let property = if entry.role.is_filter() {
            "FilterPath (a STRING property)"
        } else {
            "ScriptMaps (a MULTISZ property)"
        };
        let cause = ctx.cause(entry);
        let fix = match out.join(RULE.code, &cause, expand(ctx, entry), || ctx.place(entry)) {
            super::Joined::Yes => continue,
            super::Joined::No(fix) => fix,
        };
        out.push(
            RULE.diagnostic(entry.span,
                format!(
                    "{} names its DLL with %{name}%, but IIS 6 does not expand environment variables in {property}: only EXPANDSZ properties such as HcCompressionDll are expanded, so the DLL is not found",
                    subject(entry)
                ),
            )
            .label(format!("%{name}% is taken literally"))
            .fix(fix)
            .at(mb, entry.key, Some(entry.attr))
                .cause(cause)
            .help(format!(
                "write the full path, e.g. {} for %{name}% where it stands for the Windows folder",
                ctx.windir().0
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{Options, lint_metabase};
    use crate::metabase::{SourceFile, parse};
    use crate::platform::Platform;
    use crate::rules::testing;

    /// Every variable MB204's fix knows is expanded where it stands, the first of a path or after
    /// other text.
    #[test]
    fn each_variable_is_expanded_where_it_stands() {
        let service = "\t\tScriptMaps=\".one,%SystemRoot%\\system32\\inetsrv\\one.dll,1,GET\r\n\t\t\t.two,%SystemDrive%\\Tools\\%windir%\\two.dll,1,GET\"\r\n";
        let mb = parse(SourceFile::from_text("m.xml", testing::server(false, service, ""))).unwrap();
        let options = Options {
            platform: Some(Platform::X64),
            ..Options::default()
        };
        let fixes: Vec<String> = lint_metabase(&mb, &options)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "MB204")
            .map(|d| d.fix.expect("a fix for a known variable").edits[0].content.clone())
            .collect();
        assert_eq!(
            fixes,
            [r"C:\WINDOWS\system32\inetsrv\one.dll", r"C:\Tools\C:\WINDOWS\two.dll"]
        );
    }
}
