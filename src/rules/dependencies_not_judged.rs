//! MB211 dependencies-not-judged: dependencies mblint could not judge. A copy of the drive without
//! the system folder's core modules (a partial copy) gives one finding for the process, with the
//! folders it needs, instead of a false "missing" per module; a closure that hits a bound, an
//! unreadable manifest or an import name no search takes gives one per cause.

use super::dependency::{Kind, report};
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: "MB211",
    name: "dependencies-not-judged",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "ISAPI DLL dependencies mblint could not judge on this copy (a partial copy, a bound hit)",
    doc: rule_doc!("MB211"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    if let Some(deps) = ctx.deps {
        let mb = ctx.metabase;
        for (site, partial, entries) in &deps.partial {
            let cause: std::sync::Arc<str> = std::sync::Arc::from(format!("partial|{}", site.process.bitness));
            let mut first = true;
            for &index in entries {
                let entry = &ctx.isapi.entries[index];
                if !first && out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
                    continue;
                }
                first = false;
                let (windir, _) = ctx.windir();
                out.push(
                    RULE.diagnostic(
                        entry.span,
                        format!(
                            "the copy of the drive lacks {} in {}, which every {} process loads: it is a partial copy, and the dependencies of the ISAPI DLLs a {} worker loads are not judged",
                            partial.missing.join(" and "),
                            partial.folder,
                            site.process.bitness,
                            site.process.bitness
                        ),
                    )
                    .label("its dependencies are not judged")
                    .at(mb, entry.key, Some(entry.attr))
                    .cause(cause.clone())
                    .help(format!(
                        "copy {} (with {windir}\\WinSxS and {windir}\\system32\\config\\SYSTEM) along with the rest of the drive to have them judged",
                        partial.folder
                    )),
                );
            }
        }
    }
    report(ctx, out, &RULE, Kind::NotJudged);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::bitness::Bitness;
    use crate::platform::{Platform, Process};
    use crate::resolve::deps::Dependencies;
    use crate::resolve::loader::{Host, Partial, Site};
    use crate::rules::testing;

    /// A partial copy is one finding for its process, whatever number of entries it leaves
    /// unjudged: the entries after the first are its other places.
    #[test]
    fn a_partial_copy_is_one_finding_with_every_entry_a_place() {
        let text = testing::server(
            true,
            "\t\tScriptMaps=\".x,C:\\Acme\\x.dll,1,GET\r\n\t\t\t.y,C:\\Acme\\y.dll,1,GET\r\n\t\t\t.z,C:\\Acme\\z.dll,1,GET\"\r\n",
            "",
        );
        let mut deps = Dependencies::per_entry(vec![Vec::new(); 3]);
        let site = Site {
            process: Process::new(Platform::X64, Bitness::Bits32),
            host: Host::W3wp,
        };
        let partial = Partial {
            folder: r"C:\WINDOWS\SysWOW64".into(),
            missing: vec!["kernel32.dll".into()],
        };
        deps.partial.push((site, Arc::new(partial), vec![0, 1, 2]));
        testing::with_deps(&text, Some(&deps), |ctx| {
            let keep = |_: &str, _: Option<&str>| true;
            let mut out = crate::rules::Findings::new(&keep);
            super::check(ctx, &mut out);
            let found = out.into_vec();
            assert_eq!(found.len(), 1, "{found:#?}");
            assert_eq!(found[0].occurrences.len(), 2, "{found:#?}");
        });
    }
}
