//! MB205 unresolvable-path: a UNC, relative or unmapped path whose image mblint cannot look at.

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::resolve::resolver::{Found, Refusal, Resolution};
use crate::winpath::{self, PathProblem};

pub static RULE: Rule = Rule {
    code: "MB205",
    name: "unresolvable-path",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "An ISAPI path mblint cannot follow to an image (UNC, relative, unmapped drive, refused link): its bitness is unknown",
    doc: rule_doc!("MB205"),
    check: Some(check),
};

/// Why an entry's path cannot be followed.
enum Unresolved<'a> {
    /// A problem of the path as resolved on the mapped drive.
    Resolving(&'a PathProblem),
    /// The path's text alone shows it (no drive mapped).
    Text(PathProblem),
    /// Found, but refused or unreadable: why.
    Refused(&'a str, Refusal),
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    // Why entry `index` cannot be followed, if it cannot: decided by the entry's path and role
    // alone (its resolution, or the path's text); the words are built only for a finding's first
    // place.
    let unresolved = |index: usize| {
        let entry = &ctx.isapi.entries[index];
        match ctx.images.map(|i| &*i.current[index]) {
            Some(Resolution::Unresolvable(problem)) => match problem {
                // MB204 and MB201 report these.
                PathProblem::Variable { .. } | PathProblem::SysnativeIn64Bit | PathProblem::SysnativeOnX86 => None,
                other => Some(Unresolved::Resolving(other)),
            },
            Some(Resolution::Resolved {
                found: Found::Refused { reason, kind, .. },
                ..
            }) => Some(Unresolved::Refused(reason, *kind)),
            Some(_) => None,
            // No drive mapped: only what the text alone shows.
            None if entry.plain => None,
            None => match winpath::parse(&entry.path) {
                Err(
                    p @ (PathProblem::Unc
                    | PathProblem::Relative
                    | PathProblem::Device
                    | PathProblem::AboveRoot
                    | PathProblem::Empty
                    | PathProblem::TooLong { .. }),
                ) => Some(Unresolved::Text(p)),
                _ => None,
            },
        }
    };
    // Each distinct (path, role) first: when none is unresolved, no entry is walked.
    let distinct = ctx.distinct_paths();
    if !distinct.representatives().any(|index| unresolved(index).is_some()) {
        return;
    }
    for (index, entry) in ctx.isapi.entries.iter().enumerate() {
        let Some(why) = unresolved(index) else { continue };
        let cause = ctx.cause(entry);
        if out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
            continue;
        }
        let mut help = "use an absolute path on a local drive, and map that drive with --drive X:=DIR so mblint can read the image";
        let reason = match why {
            Unresolved::Resolving(problem @ PathProblem::ShortName { .. }) => {
                help = "write the folder's long name (`dir /x` on the server lists both), so mblint can follow the path on a copy of the drive";
                problem.describe()
            }
            Unresolved::Resolving(problem) => problem.describe(),
            Unresolved::Text(problem) => problem.describe(),
            Unresolved::Refused(reason, kind) => {
                help = match kind {
                    Refusal::Unreadable => {
                        "mblint could not read this file (a CIFS mount under a restricted account, say): give the account mblint runs as read access to it, or copy the drive with its files readable; until then the run exits 2"
                    }
                    Refusal::Special => {
                        "the drive copy holds a FIFO, device or socket where the DLL should be: copy the real file from the server; until then the run exits 2"
                    }
                    Refusal::Folder => {
                        "a folder stands where the DLL is named: IIS cannot load a folder; name the DLL inside it, or check the copy against the server; until then the run exits 2"
                    }
                    Refusal::Ambiguous => {
                        "the drive copy holds two files (or folders) whose names differ only in letter case, which no NTFS volume can: keep the one the server has; until then the run exits 2"
                    }
                    Refusal::Confined => {
                        "mblint follows no link out of the drive copy and no `..` above its root: copy the file itself into the drive copy; until then the run exits 2"
                    }
                };
                format!("cannot be examined: {reason}")
            }
        };
        out.push(
            RULE.diagnostic(
                entry.span,
                format!("{} {reason}; its bitness is unknown", subject(entry)),
            )
            .label("not followed")
            .at(mb, entry.key, Some(entry.attr))
            .cause(cause)
            .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing;

    /// With no drive mapped, what the path's text shows is said: a UNC path cannot be followed, and
    /// a plain path raises nothing.
    #[test]
    fn with_no_drive_a_unc_path_is_said_and_a_plain_one_is_not() {
        let service = "\t\tScriptMaps=\".unc,\\\\server\\share\\x.dll,1,GET\r\n\t\t\t.asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,1,GET\"\r\n";
        let found = testing::findings_on_x86(&testing::server(true, service, ""), "MB205");
        let said: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(said.len(), 1, "{said:#?}");
        assert_eq!(
            said,
            [
                "script map extension for `.unc` is a UNC path: the worker loads it with the application pool identity's network credentials, and mblint cannot follow it to a mapped drive; its bitness is unknown"
            ]
        );
    }
}
