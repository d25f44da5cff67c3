//! MB104 no-working-mode: some ISAPI DLLs exist only as 32-bit images and others only as 64-bit
//! ones, so no value of Enable32BitAppOnWin64 lets every one load.

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, path_list, rule_doc};
use crate::bitness::Bitness;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB104",
    name: "no-working-mode",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "Some ISAPI DLLs exist only as 32-bit, others only as 64-bit: no worker bitness loads them all",
    doc: rule_doc!("MB104"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let Some(images) = ctx.images else { return };
    // On 32-bit Windows there is one bitness and no mode to choose: MB102 reports each DLL.
    if !ctx.worker.platform.is_64bit() {
        return;
    }
    let mb = ctx.metabase;
    // Each distinct (path, role) first: unless some DLL loads only as 32-bit and some only as
    // 64-bit, no entry is walked.
    let only_at = |index: usize, b: Bitness| {
        let v = &images.viable[index];
        v.get(b).is_some() && v.get(b.other()).is_none()
    };
    let distinct = ctx.distinct_paths();
    if ![Bitness::Bits32, Bitness::Bits64]
        .iter()
        .all(|&b| distinct.representatives().any(|index| only_at(index, b)))
    {
        return;
    }
    let only = |b: Bitness| {
        ctx.isapi
            .entries
            .iter()
            .zip(&images.viable)
            .filter(move |(_, v)| v.get(b).is_some() && v.get(b.other()).is_none())
            .map(|(e, _)| e)
    };
    let (Some(first32), Some(first64)) = (only(Bitness::Bits32).next(), only(Bitness::Bits64).next()) else {
        return;
    };
    let worker = ctx.worker.bitness;
    let (here, there) = if worker == Bitness::Bits64 {
        (first32, first64)
    } else {
        (first64, first32)
    };
    let list = |b: Bitness| path_list(only(b).map(|e| &*e.path), 4, false).1;
    out.push(
        RULE.diagnostic(here.span,
            format!(
                "no worker bitness can load every ISAPI DLL: 32-bit only (no 64-bit build on the drive): {}; 64-bit only (no 32-bit build on the drive): {}. With Enable32BitAppOnWin64 either way, one side fails (503 for a filter, 500 for an extension)",
                list(Bitness::Bits32),
                list(Bitness::Bits64)
            ),
        )
        .label(format!("{} exists only as a {} image", subject(here), worker.other()))
        .related(there.span, format!("{} exists only as a {} image", subject(there), worker))
        .at(mb, here.key, Some(here.attr))
        .help("remove or replace one side: install the missing build of a component, or move an application off a 32-bit-only component (ASP.NET 1.1 -> 2.0 or later; FrontPage Server Extensions 2002 has no 64-bit build)"),
    );
}
