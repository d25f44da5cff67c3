//! MB201 image-not-found: the DLL a worker would open does not exist on the mapped drive.

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, opened_as, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::isapi::Role;
use crate::resolve::resolver::{Found, Resolution};
use crate::winpath::{self, PathProblem};

pub static RULE: Rule = Rule {
    code: "MB201",
    name: "image-not-found",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "An ISAPI DLL that does not exist where the worker process looks for it",
    doc: rule_doc!("MB201"),
    check: Some(check),
};

fn symptom(role: Role, iis5: bool) -> &'static str {
    match role {
        // In IIS 5.0 isolation mode filters load into inetinfo.exe: one that fails stops W3SVC.
        Role::GlobalFilter | Role::SiteFilter if iis5 => {
            "the filter fails to load into inetinfo.exe (Win32 error 2) and the World Wide Web Publishing Service does not start: every site is down"
        }
        Role::GlobalFilter | Role::SiteFilter => {
            "the filter fails to load (Win32 error 2 in event 2214/2268) and the application pool is disabled: 503 Service Unavailable"
        }
        Role::ScriptMap | Role::WildcardMap => "requests it handles fail (Win32 error 2, the file is not found)",
        Role::DirectUrl => "requests for its URL fail (the file is not found)",
        Role::WebDav => "every WebDAV request (PROPFIND, PUT, MKCOL, ...) fails: the extension is not found",
        Role::CompressionScheme => "the compression filter cannot load it, so this scheme compresses nothing",
    }
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let worker = ctx.worker.bitness;
    // Why entry `index` is not found, if it is not: decided by the entry's path and role alone (its
    // resolution, or the path's text); the words are built only for a finding's first place.
    let missing = |index: usize| {
        let entry = &ctx.isapi.entries[index];
        match ctx.images.map(|i| &*i.current[index]) {
            Some(Resolution::Resolved {
                effective,
                redirected,
                found: Found::Missing { missing },
                ..
            }) => Some(Missing::File {
                effective,
                redirected: *redirected,
                missing,
            }),
            Some(Resolution::Unresolvable(PathProblem::SysnativeIn64Bit)) => Some(Missing::Sysnative),
            // With no drive the path's text still shows a Sysnative path a 64-bit worker cannot open.
            Some(Resolution::Unresolvable(PathProblem::SysnativeOnX86)) => Some(Missing::Sysnative),
            None if !entry.plain => {
                match winpath::parse(&entry.path)
                    .and_then(|p| winpath::redirect(&p, ctx.worker.process(), ctx.windir().0))
                {
                    Err(PathProblem::SysnativeIn64Bit | PathProblem::SysnativeOnX86) => Some(Missing::Sysnative),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    // Each distinct (path, role) first: when none is missing, no entry is walked.
    let distinct = ctx.distinct_paths();
    if !distinct.representatives().any(|index| missing(index).is_some()) {
        return;
    }
    for (index, entry) in ctx.isapi.entries.iter().enumerate() {
        if ctx.judged_as_filter(index) {
            continue; // Its filter entry says it.
        }
        let Some(why) = missing(index) else {
            continue;
        };
        let cause = ctx.cause(entry);
        if out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
            continue;
        }
        let (message, label) = match why {
            Missing::File {
                effective,
                redirected,
                missing,
            } => (
                format!(
                    "{} {} does not exist on the mapped drive ({missing} is missing): {}",
                    subject(entry),
                    opened_as(&entry.path, effective, redirected, worker),
                    symptom(entry.role, ctx.worker.iis5)
                ),
                format!("not found as a {worker} worker looks for it"),
            ),
            Missing::Sysnative => sysnative(entry, ctx),
        };
        out.push(
            RULE.diagnostic(entry.span, message)
                .label(label)
                .at(mb, entry.key, Some(entry.attr))
                .cause(cause)
                .help("install the component on the server, or correct the path; a path under system32 is opened from SysWOW64 by a 32-bit worker"),
        );
    }
}

/// Why a DLL is not found.
enum Missing<'a> {
    /// Not on the mapped drive where the worker opens it: the first missing component.
    File {
        effective: &'a crate::winpath::WinPath,
        redirected: bool,
        missing: &'a str,
    },
    /// Through Sysnative, which the worker cannot open.
    Sysnative,
}

fn sysnative(entry: &crate::metabase::isapi::IsapiRef, ctx: &Context<'_>) -> (String, String) {
    let worker = ctx.worker.bitness;
    let host = ctx.host(entry);
    if ctx.worker.platform.is_64bit() {
        (
            format!(
                "{} goes through Sysnative, which the {worker} {host} cannot open: the alias exists only for 32-bit processes (and on Windows Server 2003 only after hotfix KB942589); {}",
                subject(entry),
                symptom(entry.role, ctx.worker.iis5)
            ),
            "`Sysnative` does not exist for a 64-bit process".into(),
        )
    } else {
        (
            format!(
                "{} goes through Sysnative, which does not exist on 32-bit Windows (the alias is WOW64's, for 32-bit processes on 64-bit Windows); {}",
                subject(entry),
                symptom(entry.role, ctx.worker.iis5)
            ),
            "`Sysnative` does not exist on 32-bit Windows".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::symptom;
    use crate::metabase::isapi::Role;

    /// A filter that is not found stops W3SVC in IIS 5.0 isolation mode (it loads into
    /// inetinfo.exe) and disables its application pool in worker process isolation mode.
    #[test]
    fn a_missing_filter_stops_what_it_loads_into() {
        for role in [Role::GlobalFilter, Role::SiteFilter] {
            let iis5 = symptom(role, true);
            assert!(
                iis5.contains("inetinfo.exe") && iis5.contains("every site is down"),
                "{iis5}"
            );
            let pool = symptom(role, false);
            assert!(pool.contains("the application pool is disabled: 503"), "{pool}");
            assert!(!pool.contains("inetinfo.exe"), "{pool}");
        }
        assert!(symptom(Role::ScriptMap, true).starts_with("requests it handles fail"));
    }
}

#[cfg(test)]
mod sysnative_tests {
    use std::path::Path;

    use crate::lint::{Options, effective_options, input, lint_bytes_with};
    use crate::platform::Platform;

    /// MB201's messages and labels for the metabase of drive copy `server` with a script map through
    /// Sysnative added, linted with the drive mapped or, without it, on `platform`.
    fn mb201(server: &str, platform: Option<Platform>) -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/servers")
            .join(server);
        let input = input(&dir).unwrap();
        let options = match platform {
            None => effective_options(&input, &Options::default()),
            Some(platform) => Options {
                platform: Some(platform),
                ..Options::default()
            },
        };
        let text = std::fs::read_to_string(&input.metabase).unwrap();
        assert!(text.contains("ScriptMaps=\""));
        let text = text.replacen(
            "ScriptMaps=\"",
            "ScriptMaps=\".sn,C:\\WINDOWS\\Sysnative\\inetsrv\\asp.dll,1,GET\r\n\t\t\t",
            1,
        );
        let report = lint_bytes_with("MetaBase.xml", text.into_bytes(), &options);
        assert_eq!(report.drives.is_empty(), platform.is_some());
        report
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "MB201")
            .map(|d| (d.message, d.label))
            .collect()
    }

    /// A path through Sysnative is not found by a 64-bit worker, nor on 32-bit Windows: said with
    /// the drive mapped (the resolution says so) and without it (the path's text does).
    #[test]
    fn a_path_through_sysnative_is_not_found_by_a_64bit_worker_nor_on_32bit_windows() {
        for platform in [None, Some(Platform::X64)] {
            let found = mb201("clean-64bit", platform);
            assert_eq!(found.len(), 1, "{platform:?}: {found:#?}");
            let (message, label) = &found[0];
            assert!(
                message.contains(" for `.sn` goes through Sysnative, which the 64-bit w3wp.exe cannot open: "),
                "{message}"
            );
            assert!(
                message.ends_with("; requests it handles fail (Win32 error 2, the file is not found)"),
                "{message}"
            );
            assert_eq!(label, "`Sysnative` does not exist for a 64-bit process");
        }
        for platform in [None, Some(Platform::X86)] {
            let found = mb201("x86-64bit-filter", platform);
            assert_eq!(found.len(), 1, "{platform:?}: {found:#?}");
            let (message, label) = &found[0];
            assert!(
                message.contains(
                    " for `.sn` goes through Sysnative, which does not exist on 32-bit Windows (the alias is WOW64's"
                ),
                "{message}"
            );
            assert!(
                message.ends_with("; requests it handles fail (Win32 error 2, the file is not found)"),
                "{message}"
            );
            assert_eq!(label, "`Sysnative` does not exist on 32-bit Windows");
        }
    }
}
