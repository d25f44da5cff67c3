//! MB103 unsupported-architecture: an image no worker on an x64 server can load, or a managed
//! assembly configured as an ISAPI DLL.

use super::worker_bitness_mismatch::subject;
use super::{Context, EntryImage, FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Evidence, Severity};
use crate::resolve::pe::{Machine, PeFormat};

pub static RULE: Rule = Rule {
    code: "MB103",
    name: "unsupported-architecture",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "An ISAPI image no process on the server's platform can load (IA64 on x64, AMD64 on IA64, ARM64), or a managed IL-only assembly",
    doc: rule_doc!("MB103"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    for EntryImage {
        entry,
        effective,
        file,
        image,
        ..
    } in ctx.entry_images()
    {
        let Ok(info) = image else { continue };
        if !info.is_dll || info.bitness_on(ctx.worker.platform).is_some() {
            continue;
        }
        let problem = match (info.machine, info.format, info.clr) {
            (_, _, Some(clr)) if clr.il_only => format!(
                "is a managed assembly ({}, IL only{}): IIS loads native ISAPI DLLs, and a managed one has no native GetFilterVersion or GetExtensionVersion to call",
                info.format.name(),
                if clr.requires_32bit { ", 32BIT-REQUIRED" } else { "" }
            ),
            (Machine::I386, PeFormat::Pe32Plus, _) | (Machine::Amd64, PeFormat::Pe32, _) => format!(
                "is {}: the machine type and the optional header disagree, and the loader refuses it",
                info.describe()
            ),
            (machine, ..) => format!(
                "is built for {} ({}): {} runs {}",
                machine.name(),
                info.describe(),
                ctx.worker.platform.describe(),
                ctx.worker.platform.runs()
            ),
        };
        let cause = ctx.cause(entry);
        if out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
            continue;
        }
        out.push(
            RULE.diagnostic(
                entry.span,
                format!(
                    "{} {problem}; loading it fails with Win32 error 193 in every worker bitness",
                    subject(entry)
                ),
            )
            .label(format!("image: {} at {effective}", info.describe()))
            .at(mb, entry.key, Some(entry.attr))
            .cause(cause)
            .help(if ctx.worker.platform.is_64bit() {
                format!(
                    "replace it with the component's {} (or x86) build, or remove the entry",
                    ctx.worker.platform.architecture(crate::bitness::Bitness::Bits64)
                )
            } else {
                "replace it with the component's x86 build, or remove the entry".to_string()
            })
            .evidence(Evidence::Image {
                configured: entry.path.clone(),
                resolved: effective.to_string(),
                file: file.display().to_string(),
                image: info.describe(),
                bitness: None,
            }),
        );
    }
}
