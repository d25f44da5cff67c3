//! MB203 missing-isapi-exports: a filter or extension DLL without the entry points IIS calls.

use super::worker_bitness_mismatch::subject;
use super::{Context, EntryImage, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::isapi::Role;
use crate::resolve::pe::ImageInfo;

pub static RULE: Rule = Rule {
    code: "MB203",
    name: "missing-isapi-exports",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A filter or extension DLL that does not export the ISAPI entry points by their plain names",
    doc: rule_doc!("MB203"),
    check: Some(check),
};

/// The entry points IIS looks up for a role.
pub fn required_exports(role: Role) -> &'static [&'static str] {
    match role {
        Role::GlobalFilter | Role::SiteFilter => &["GetFilterVersion", "HttpFilterProc"],
        Role::ScriptMap | Role::WildcardMap | Role::DirectUrl | Role::WebDav => {
            &["GetExtensionVersion", "HttpExtensionProc"]
        }
        Role::CompressionScheme => &[],
    }
}

/// A stdcall-decorated export of `name`: `_Name@N` (MSVC) or `Name@N` (MinGW).
pub fn decorated<'a>(info: &'a ImageInfo, name: &str) -> Option<&'a str> {
    info.exports.iter().map(String::as_str).find(|e| {
        let e = e.strip_prefix('_').unwrap_or(e);
        e.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('@'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    for EntryImage { entry, image, .. } in ctx.entry_images() {
        let Ok(info) = image else { continue };
        if !info.is_dll || info.clr.is_some_and(|c| c.il_only) {
            continue; // MB202 and MB103 say what is wrong with those.
        }
        // A filter's DLL in an execute folder is an extension too only when it exports one of the
        // extension's entry points (a connector); else it is judged as the filter it is.
        if entry.from_filter && !super::exports_an_extension_entry(info) {
            continue;
        }
        let required = required_exports(entry.role);
        let missing: Vec<&str> = required.iter().copied().filter(|n| !info.exports(n)).collect();
        if missing.is_empty() {
            continue;
        }
        let decorations: Vec<(&str, &str)> = missing
            .iter()
            .filter_map(|n| decorated(info, n).map(|d| (*n, d)))
            .collect();
        let (message, help) = if !decorations.is_empty() {
            let found: Vec<String> = decorations.iter().map(|(_, d)| format!("`{d}`")).collect();
            let style = if decorations[0].1.starts_with('_') {
                "MSVC"
            } else {
                "MinGW"
            };
            (
                format!(
                    "{} exports only the stdcall-decorated {} ({style} decoration), but IIS looks up {} by the plain name: loading fails with Win32 error 127 (the specified procedure could not be found)",
                    subject(entry),
                    found.join(", "),
                    missing
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
                format!(
                    "rebuild the DLL with a .def file that exports the plain names (EXPORTS {}){}",
                    required.join(" "),
                    if style == "MinGW" {
                        ", or link with -Wl,--kill-at"
                    } else {
                        ""
                    }
                ),
            )
        } else {
            (
                format!(
                    "{} does not export {}: it is not an ISAPI {}, and loading it fails with Win32 error 127 (the specified procedure could not be found){}",
                    subject(entry),
                    missing
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" or "),
                    if entry.role.is_filter() { "filter" } else { "extension" },
                    if entry.role.is_filter() {
                        ": 503 Service Unavailable"
                    } else {
                        ""
                    }
                ),
                "point the entry at the component's ISAPI DLL; the one configured is some other DLL".to_string(),
            )
        };
        let cause = ctx.cause(entry);
        if out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
            continue;
        }
        out.push(
            RULE.diagnostic(entry.span, message)
                .label(format!("image exports: {}", summary(&info.exports)))
                .at(mb, entry.key, Some(entry.attr))
                .cause(cause)
                .help(help),
        );
    }
}

fn summary(exports: &[String]) -> String {
    if exports.is_empty() {
        return "nothing".into();
    }
    let shown: Vec<&str> = exports.iter().take(4).map(String::as_str).collect();
    let more = exports.len().saturating_sub(4);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DLL of the testdata exporting `exports`.
    fn exporting(exports: &[&str]) -> ImageInfo {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/servers/no-isapi-exports/Windows/System32/InetSrv/ASP.DLL"
        );
        let mut info = crate::resolve::pe::classify(&std::fs::read(path).unwrap()).unwrap();
        info.exports = exports.iter().map(|e| e.to_string()).collect();
        info
    }

    /// A stdcall decoration is `@` and a number of bytes, after the name with or without `_`:
    /// `@` alone, or `@` and anything but digits, is no decoration.
    #[test]
    fn a_decoration_is_an_at_sign_and_digits() {
        let proc = "HttpFilterProc";
        for (exports, found) in [
            (&["_HttpFilterProc@12"][..], Some("_HttpFilterProc@12")),
            (&["HttpFilterProc@12"], Some("HttpFilterProc@12")),
            (&["HttpFilterProc@", "_HttpFilterProc@"], None),
            (&["HttpFilterProc@x", "_HttpFilterProc@1x", "_HttpFilterProc@x2"], None),
            (
                &["HttpFilterProc12", "_HttpFilterProcX@12", "__HttpFilterProc@12"],
                None,
            ),
            (&["HttpFilterProc@", "_HttpFilterProc@8"], Some("_HttpFilterProc@8")),
        ] {
            assert_eq!(decorated(&exporting(exports), proc), found, "{exports:?}");
        }
    }

    /// The label lists the first four exports and counts the rest.
    #[test]
    fn the_label_shows_four_exports_and_counts_the_rest() {
        let names: Vec<String> = ["A", "B", "C", "D", "E"].iter().map(|s| s.to_string()).collect();
        assert_eq!(summary(&names), "A, B, C, D and 1 more");
        assert_eq!(summary(&names[..4]), "A, B, C, D");
        assert_eq!(summary(&names[..1]), "A");
        assert_eq!(summary(&[]), "nothing");
    }
}
