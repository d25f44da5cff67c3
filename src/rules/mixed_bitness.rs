//! MB101 mixed-bitness: the ISAPI set holds DLLs of both bitnesses, so some fail whatever the
//! worker bitness.

use super::worker_bitness_mismatch::subject;
use super::{Context, EntryBitness, FixAvailability, Rule, path_list, rule_doc};
use crate::bitness::Bitness;
use crate::diagnostic::Severity;
use crate::metabase::isapi::IsapiRef;

pub static RULE: Rule = Rule {
    code: "MB101",
    name: "mixed-bitness",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "ISAPI DLLs of both bitnesses are configured: some fail to load whatever the worker bitness",
    doc: rule_doc!("MB101"),
    check: Some(check),
};

/// A DLL as the message names it, by its file name, then the entry that loads it:
/// `` `urlscan.dll` (global ISAPI filter `UrlScan`) ``. Where the filter's name is the file name
/// (FrontPage's `fpexedll.dll`) it is said once.
fn named(entry: &IsapiRef) -> String {
    let file = entry.path.rsplit(['\\', '/']).next().unwrap_or(&entry.path);
    let role = match entry.filter_name() {
        Some(name) if name.eq_ignore_ascii_case(file) => entry.role.describe().to_string(),
        _ => subject(entry),
    };
    format!("`{file}` ({role})")
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    // Only where Enable32BitAppOnWin64 chooses: on 32-bit Windows, and in IIS 5.0 isolation mode, the
    // bitness is fixed, and MB102 reports each DLL that does not fit it.
    if !ctx.worker.switchable() {
        return;
    }
    let bits = ctx.all_bits();
    let first = |b: Bitness| bits.iter().position(|&x| x == Some(b));
    let (Some(first32), Some(first64)) = (first(Bitness::Bits32), first(Bitness::Bits64)) else {
        return;
    };
    let detail =
        |i: usize| -> Option<(&IsapiRef, EntryBitness)> { Some((&ctx.isapi.entries[i], ctx.entry_bitness(i)?)) };
    let worker = ctx.worker.bitness;
    // Point at a DLL that fails now; show one of the other side beside it.
    let (failing, loading) = if worker == Bitness::Bits64 {
        (first32, first64)
    } else {
        (first64, first32)
    };
    let (Some(failing), Some(loading)) = (detail(failing), detail(loading)) else {
        return;
    };
    let of = |b: Bitness| {
        ctx.isapi
            .entries
            .iter()
            .zip(bits)
            .filter(move |(_, x)| **x == Some(b))
            .map(|(e, _)| e)
    };
    let names = |b: Bitness| {
        let (n, list) = path_list(of(b).map(|e| &*e.path), 3, true);
        format!("{n} {b} ({list})")
    };
    out.push(
        RULE.diagnostic(failing.0.span,
            format!(
                "the ISAPI DLLs worker processes load are of both bitnesses: {} and {}; whichever value Enable32BitAppOnWin64 takes, some of them fail to load",
                names(Bitness::Bits32),
                names(Bitness::Bits64)
            ),
        )
        .label(format!("{} is {} ({})", named(failing.0), failing.1.bitness, failing.1.basis))
        .at(mb, failing.0.key, Some(failing.0.attr))
        .related(
            loading.0.span,
            format!("{} is {} ({})", named(loading.0), loading.1.bitness, loading.1.basis),
        )
        .help(format!(
            "{}. Make every ISAPI DLL one bitness: point each entry at the build that matches, or remove the component that exists only in the other bitness",
            ctx.worker.describe(mb)
        ))
        .evidence(failing.1.evidence.clone())
        .evidence(loading.1.evidence.clone()),
    );
}
