//! MB202 invalid-image: the file at an ISAPI path is not a loadable DLL.

use super::worker_bitness_mismatch::subject;
use super::{Context, EntryImage, FixAvailability, Rule, opened_as, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB202",
    name: "invalid-image",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "The file at an ISAPI path is not a PE image, not a DLL, truncated or corrupt",
    doc: rule_doc!("MB202"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    for EntryImage {
        entry,
        effective,
        redirected,
        image,
        ..
    } in ctx.entry_images()
    {
        if entry.from_filter {
            continue; // Its filter entry says it.
        }
        let problem = match image {
            Err(e) => e.to_string(),
            Ok(info) if !info.is_dll => format!("a {}: LoadLibrary refuses an executable as a DLL", info.describe()),
            Ok(_) => continue,
        };
        let cause = ctx.cause(entry);
        if out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
            continue;
        }
        out.push(
            RULE.diagnostic(entry.span,
                format!(
                    "{} {} is not a loadable DLL: {problem}; loading it fails with Win32 error 193 (ERROR_BAD_EXE_FORMAT)",
                    subject(entry),
                    opened_as(&entry.path, effective, redirected, ctx.worker.bitness),
                ),
            )
            .label("not a loadable DLL")
            .at(mb, entry.key, Some(entry.attr))
                .cause(cause)
            .help("reinstall the component that owns this DLL, or correct the path to its real DLL"),
        );
    }
}
