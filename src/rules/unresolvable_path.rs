//! MB205 unresolvable-path: a UNC, relative or unmapped path whose image mblint cannot look at.

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::resolve::resolver::{Found, Resolution};
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

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    for (index, entry) in ctx.isapi.entries.iter().enumerate() {
        let mut help = "use an absolute path on a local drive, and map that drive with --drive X:=DIR so mblint can read the image";
        let reason = match ctx.images.map(|i| &*i.current[index]) {
            Some(Resolution::Unresolvable(problem)) => match problem {
                // MB204 and MB201 report these.
                PathProblem::Variable { .. } | PathProblem::SysnativeIn64Bit | PathProblem::SysnativeOnX86 => continue,
                PathProblem::ShortName { .. } => {
                    help = "write the folder's long name (`dir /x` on the server lists both), so mblint can follow the path on a copy of the drive";
                    problem.describe()
                }
                other => other.describe(),
            },
            Some(Resolution::Resolved {
                found: Found::Refused { reason },
                ..
            }) => format!("cannot be examined: {reason}"),
            Some(_) => continue,
            // No drive mapped: only what the text alone shows.
            None if entry.plain => continue,
            None => match winpath::parse(&entry.path) {
                Err(
                    p @ (PathProblem::Unc
                    | PathProblem::Relative
                    | PathProblem::Device
                    | PathProblem::AboveRoot
                    | PathProblem::Empty
                    | PathProblem::TooLong { .. }),
                ) => p.describe(),
                _ => continue,
            },
        };
        let cause = ctx.cause(entry);
        if out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
            continue;
        }
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
