//! What MB207-MB211 share: which rule a fault of a dependency closure belongs to, its words (the
//! symptom per role and host, the chain, the folders searched, what to install or copy where),
//! and one finding per cause, with every entry whose DLL reaches it as a place.
//!
//! A cause is the module at fault (and the function, for MB208) in one process: a missing
//! `php5ts.dll` needed by 3,000 script maps is one finding with 3,000 places.

use std::sync::Arc;

use super::worker_bitness_mismatch::subject;
use super::{Context, Findings, Rule};
use crate::diagnostic::{Diagnostic, Evidence, Severity};
use crate::metabase::isapi::{IsapiRef, Role};
use crate::resolve::loader::{self, Fault, Host, Problem};

/// The rule a fault belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// MB207: a module not found (126), not loadable (193), or an assembly not in WinSxS (14001).
    Missing,
    /// MB208: a function the module does not export (127).
    Function,
    /// MB209: found only beside the DLL.
    Beside,
    /// MB210: under a delay-load.
    Delay,
    /// MB211: not judged.
    NotJudged,
}

/// Which rule reports a fault; `None` for an unreadable file (an input not checked, exit 2).
pub fn kind_of(fault: &Fault) -> Option<Kind> {
    match (&fault.problem, fault.delay) {
        (Problem::Unreadable { .. }, _) => None,
        (Problem::NotJudged { .. }, _) => Some(Kind::NotJudged),
        (Problem::BesideOnly { .. }, _) => Some(Kind::Beside),
        (_, true) => Some(Kind::Delay),
        (Problem::MissingFunction { .. } | Problem::BadForwarder { .. }, false) => Some(Kind::Function),
        _ => Some(Kind::Missing),
    }
}

/// The Win32 error's text, as `net helpmsg` gives it.
fn error_text(code: u32) -> &'static str {
    match code {
        126 => "The specified module could not be found",
        127 => "The specified procedure could not be found",
        193 => "%1 is not a valid Win32 application",
        14001 => "This application has failed to start because the application configuration is incorrect",
        _ => "",
    }
}

/// The error as the event's data shows it: `7E 00 00 00`.
fn event_data(code: u32) -> String {
    code.to_le_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a failed load does, per role and host.
fn symptom(role: Role, host: Host, code: Option<u32>) -> String {
    let Some(code) = code else {
        return "the DLL may fail to load".into();
    };
    let error = format!("Win32 error {code}, \"{}\"", error_text(code));
    match (role, host) {
        (Role::GlobalFilter | Role::SiteFilter, Host::Inetinfo) => format!(
            "the filter fails to load into inetinfo.exe ({error}) and the World Wide Web Publishing Service does not start: every site is down"
        ),
        (Role::GlobalFilter | Role::SiteFilter, _) => format!(
            "the filter fails to load ({error}; event 2268 or 2274 with data {}) and the application pool is disabled: 503 Service Unavailable",
            event_data(code)
        ),
        (Role::ScriptMap | Role::WildcardMap | Role::DirectUrl, _) => {
            format!("requests it handles fail with 500 ({error})")
        }
        (Role::WebDav, _) => format!("every WebDAV request (PROPFIND, PUT, MKCOL, ...) fails with 500 ({error})"),
        (Role::CompressionScheme, _) => format!("the compression DLL fails to load ({error})"),
    }
}

/// The system folder a process searches, as it names it (a 32-bit process's `system32` is
/// `SysWOW64` on the disk).
fn system_folder(ctx: &Context<'_>) -> String {
    let (windir, _) = ctx.windir();
    if ctx.worker.process().wow64() {
        format!("{windir}\\SysWOW64")
    } else {
        format!("{windir}\\system32")
    }
}

fn arch(ctx: &Context<'_>) -> &'static str {
    ctx.worker.platform.architecture(ctx.worker.bitness)
}

/// What to install or copy where, for a module that is not found or not loadable by `process`.
fn install_help(ctx: &Context<'_>, module: &str, process: &str) -> String {
    let system = system_folder(ctx);
    let arch = arch(ctx);
    if loader::is_ucrt(module) {
        return format!(
            "the Universal C Runtime (ucrtbase.dll and the api-ms-win-crt-* forwarders) is not part of Windows Server 2003: it is on a server only if a Visual C++ 2015 or later redistributable for {arch} put it there; install one that supports Windows Server 2003 or copy its {arch} files into {system}, or use a build of the DLL that does not need it"
        );
    }
    match loader::vc_runtime(module) {
        Some((product, false)) => format!(
            "install the {product} redistributable for {arch}, which puts {module} into {system}, or copy the {arch} {module} into {system}"
        ),
        Some((product, true)) => format!(
            "install the {product} redistributable for {arch}; {product} runtimes load through the DLL's manifest from WinSxS"
        ),
        None => format!(
            "copy the {arch} build of {module} into {system} (or a folder on the server's PATH), where the {process} searches for it"
        ),
    }
}

/// The product an assembly identity belongs to, for the help.
fn assembly_product(identity: &str) -> String {
    let lower = identity.to_ascii_lowercase();
    let product = if lower.contains("microsoft.vc80.") {
        "Visual C++ 2005"
    } else if lower.contains("microsoft.vc90.") {
        "Visual C++ 2008"
    } else {
        return format!("the redistributable that installs {identity} into WinSxS");
    };
    let sp1 = if lower.contains("8.0.50727.762") || lower.contains("9.0.30729.") {
        " SP1"
    } else {
        ""
    };
    format!("the {product}{sp1} redistributable that installs {identity}")
}

/// The message, label, help and evidence of a fault, for an entry in a process.
fn words(ctx: &Context<'_>, entry: &IsapiRef, host: Host, fault: &Fault) -> (Severity, String, String, Evidence) {
    let process = format!("{} {}", ctx.worker.bitness, host.exe());
    let chain = fault.chain_text();
    let code = fault.problem.win32_error();
    let who = subject(entry);
    let dll = entry.path.rsplit(['\\', '/']).next().unwrap_or(&entry.path);
    let mut evidence_searched = Vec::new();
    let mut not_searched = Vec::new();
    let mut found = None;
    let mut function = None;
    let mut forwards_out = Vec::new();
    let sym = if fault.delay {
        format!(
            "{dll} loads all the same (the module is delay-loaded), but the first call into `{}` fails",
            fault.problem.module()
        )
    } else {
        symptom(entry.role, host, code)
    };
    let (severity, message, help) = match &fault.problem {
        Problem::Missing { module, searched } => {
            evidence_searched = searched.folders.iter().map(|(f, _)| f.clone()).collect();
            not_searched = searched.not_searched.clone();
            if searched.incomplete {
                (
                    Severity::Warning,
                    format!(
                        "{who} needs `{module}` ({chain}), which the {process} does not find in any folder mblint could search ({}); not searched: {}. If no folder of the server's PATH holds it, {}",
                        searched.folder_list(),
                        searched.not_searched.join("; "),
                        sym
                    ),
                    format!(
                        "{}; or give mblint a copy with Windows\\system32\\config\\SYSTEM so that PATH is known",
                        install_help(ctx, module, &process)
                    ),
                )
            } else {
                (
                    Severity::Error,
                    format!(
                        "{who} needs `{module}` ({chain}), which is nowhere the {process} searches ({}; not searched: {}): {}",
                        searched.folder_list(),
                        searched.not_searched.join("; "),
                        sym
                    ),
                    install_help(ctx, module, &process),
                )
            }
        }
        Problem::BadImage { module, path, why } => {
            found = Some(path.clone());
            (
                Severity::Error,
                format!(
                    "{who} needs `{module}` ({chain}); the {process} finds it at {path}, and {why}: {}",
                    sym
                ),
                install_help(ctx, module, &process),
            )
        }
        Problem::AssemblyMissing {
            module,
            identity,
            nearby,
            stray_copies,
        } => {
            let nearby = if nearby.is_empty() {
                "WinSxS holds no assembly of that name".to_string()
            } else {
                format!("WinSxS holds only {}", nearby.join(", "))
            };
            let stray = match stray_copies.as_slice() {
                [] => String::new(),
                [one] => format!(
                    "; the copy at {one} does not satisfy the manifest: side-by-side DLLs load only from WinSxS"
                ),
                many => format!(
                    "; the copies at {} do not satisfy the manifest: side-by-side DLLs load only from WinSxS",
                    many.join(", ")
                ),
            };
            let whose = if fault.chain.len() > 1 {
                format!("{who} loads `{module}` ({chain}), whose manifest")
            } else {
                format!("the manifest of {who} (`{module}`)")
            };
            (
                Severity::Error,
                format!(
                    "{whose} names the side-by-side assembly {identity}, which is not in WinSxS ({nearby}){stray}: {}",
                    sym
                ),
                format!(
                    "install {} for {} (a copy of its DLLs into system32 does not help)",
                    assembly_product(identity),
                    arch(ctx)
                ),
            )
        }
        Problem::SeveralManifests { module, ids } => (
            Severity::Error,
            format!(
                "`{module}` ({chain}) has {} manifest resources (IDs {ids:?}), which Windows Server 2003 refuses to load: {}",
                ids.len(),
                sym
            ),
            format!("rebuild {module} with one manifest resource"),
        ),
        Problem::MissingFunction {
            module,
            function: f,
            forwards,
            looked_in,
        } => {
            function = Some(f.clone());
            forwards_out = forwards.clone();
            let via = if forwards.is_empty() {
                String::new()
            } else {
                format!(", forwarded {} to `{looked_in}`", forwards.join(", "))
            };
            let system = crate::resolve::loader_facts::DEFAULT_KNOWN_DLLS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(module))
                || ["ntdll.dll", "kernel32.dll"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(module));
            let help = if system {
                format!(
                    "`{f}` is not in Windows Server 2003's {module}: {dll} was built for a later Windows; use a build that targets Windows Server 2003 (_WIN32_WINNT 0x0502 and a toolset that supports it)"
                )
            } else {
                format!(
                    "the {module} the {process} loads is not the version {dll} was built against: install the {module} that exports `{f}`"
                )
            };
            (
                Severity::Error,
                format!(
                    "{who} imports `{f}` from `{module}` ({chain}){via}, which does not export it: {}",
                    sym
                ),
                help,
            )
        }
        Problem::BadForwarder {
            module,
            function: f,
            text,
        } => {
            function = Some(f.clone());
            (
                Severity::Error,
                format!(
                    "`{f}`, which {who} imports ({chain}), is forwarded by `{module}` as `{text}`, which the loader cannot follow: {}",
                    sym
                ),
                format!("install an intact {module}"),
            )
        }
        Problem::BesideOnly { module, path, searched } => {
            found = Some(path.clone());
            evidence_searched = searched.folders.iter().map(|(f, _)| f.clone()).collect();
            not_searched = searched.not_searched.clone();
            (
                Severity::Warning,
                format!(
                    "{who} needs `{module}` ({chain}), found only beside the DLL at {path}: it loads only if IIS 6 loads ISAPI DLLs with LOAD_WITH_ALTERED_SEARCH_PATH, which no source settles; else the {process} does not find it ({}) and {}",
                    searched.folder_list(),
                    symptom(entry.role, host, Some(126))
                ),
                format!(
                    "copy {module} into {} (or a folder on the server's PATH) so that it loads either way",
                    system_folder(ctx)
                ),
            )
        }
        Problem::NotJudged { module, why } => (
            Severity::Info,
            format!("the dependencies of {who} are not judged at `{module}` ({chain}): {why}"),
            "check this DLL's dependencies on the server (Dependency Walker, or `mblint inspect --deps`)".to_string(),
        ),
        Problem::Unreadable { module, reason, .. } => (
            Severity::Error,
            format!("`{module}` ({chain}) could not be read: {reason}"),
            String::new(),
        ),
    };
    let (severity, message, help) = if fault.delay && kind_of(fault) == Some(Kind::Delay) {
        (
            Severity::Warning,
            message,
            format!("{help}; or leave it if that code is never called"),
        )
    } else {
        (severity, message, help)
    };
    let evidence = Evidence::Dependency {
        configured: entry.path.clone(),
        process,
        chain: fault.chain.clone(),
        module: fault.problem.module().to_string(),
        function,
        forwards: forwards_out,
        win32_error: code,
        found,
        searched: evidence_searched,
        not_searched,
        delay: fault.delay,
    };
    (severity, message, help, evidence)
}

/// The cause of a fault: the module (and function) in a process; the kind of problem too, and
/// whether the search was complete, so that one finding says one thing.
fn cause(host: Host, fault: &Fault) -> Arc<str> {
    let module = fault.problem.module().to_ascii_lowercase();
    let detail = match &fault.problem {
        Problem::MissingFunction { function, .. } | Problem::BadForwarder { function, .. } => function.clone(),
        Problem::Missing { searched, .. } => format!("missing{}", if searched.incomplete { "?" } else { "" }),
        Problem::AssemblyMissing { identity, .. } => identity.clone(),
        Problem::BadImage { path, .. } | Problem::BesideOnly { path, .. } => path.clone(),
        Problem::NotJudged { why, .. } => why.clone(),
        _ => String::new(),
    };
    Arc::from(format!("{}|{module}|{detail}", host.exe()))
}

/// Reports every fault of `kind` in the entries' closures: one finding per cause.
pub fn report(ctx: &Context<'_>, out: &mut Findings, rule: &Rule, kind: Kind) {
    let Some(deps) = ctx.deps else { return };
    let mb = ctx.metabase;
    // Per closure (by address), its faults' causes: built once, whatever the number of entries.
    let mut causes: crate::resolve::addr::AddrMap<usize, Vec<Arc<str>>> = Default::default();
    for (index, entry) in ctx.isapi.entries.iter().enumerate() {
        for (host, closure) in deps.closures(index) {
            if closure.faults.is_empty() {
                continue;
            }
            let key = Arc::as_ptr(closure) as usize;
            let keys = causes
                .entry(key)
                .or_insert_with(|| closure.faults.iter().map(|f| cause(*host, f)).collect())
                .clone();
            for (fault, cause) in closure.faults.iter().zip(keys) {
                if kind_of(fault) != Some(kind) {
                    continue;
                }
                if out.join_same_fix(rule.code, &cause, None, || ctx.place(entry)) {
                    continue;
                }
                let (severity, message, help, evidence) = words(ctx, entry, *host, fault);
                out.push(
                    Diagnostic::new(rule.code, severity, entry.span, message)
                        .label(format!("loads {}", fault.chain_text()))
                        .at(mb, entry.key, Some(entry.attr))
                        .cause(cause)
                        .help(help)
                        .evidence(evidence),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::{Kind, cause, kind_of, symptom, words};
    use crate::diagnostic::Severity;
    use crate::metabase::isapi::Role;
    use crate::resolve::loader::{Fault, Host, Problem, Searched};
    use crate::rules::testing;

    fn fault(problem: Problem, delay: bool) -> Fault {
        Fault {
            chain: vec!["x.dll".into(), "m.dll".into()],
            delay,
            problem,
        }
    }

    /// Which rule reports each problem, reached directly and through a delay-load: none for a file
    /// mblint could not read (an input not checked), MB211 and MB209 whatever the load, MB210 for
    /// any other under a delay-load.
    #[test]
    fn each_problem_belongs_to_its_rule() {
        let module = || "m.dll".to_string();
        let searched = Arc::new(Searched {
            folders: Vec::new(),
            not_searched: Vec::new(),
            incomplete: false,
        });
        let cases = [
            (
                Problem::Unreadable {
                    module: module(),
                    path: r"C:\m.dll".into(),
                    file: PathBuf::from("m.dll"),
                    reason: "denied".into(),
                },
                None,
                None,
            ),
            (
                Problem::NotJudged {
                    module: module(),
                    why: "a bound".into(),
                },
                Some(Kind::NotJudged),
                Some(Kind::NotJudged),
            ),
            (
                Problem::BesideOnly {
                    module: module(),
                    path: r"C:\Acme\m.dll".into(),
                    searched: searched.clone(),
                },
                Some(Kind::Beside),
                Some(Kind::Beside),
            ),
            (
                Problem::MissingFunction {
                    module: module(),
                    function: "F".into(),
                    forwards: Vec::new(),
                    looked_in: module(),
                },
                Some(Kind::Function),
                Some(Kind::Delay),
            ),
            (
                Problem::BadForwarder {
                    module: module(),
                    function: "F".into(),
                    text: "nowhere".into(),
                },
                Some(Kind::Function),
                Some(Kind::Delay),
            ),
            (
                Problem::Missing {
                    module: module(),
                    searched,
                },
                Some(Kind::Missing),
                Some(Kind::Delay),
            ),
            (
                Problem::SeveralManifests {
                    module: module(),
                    ids: vec![1, 2],
                },
                Some(Kind::Missing),
                Some(Kind::Delay),
            ),
        ];
        for (problem, direct, delayed) in cases {
            assert_eq!(kind_of(&fault(problem.clone(), false)), direct, "{problem:?}");
            assert_eq!(kind_of(&fault(problem.clone(), true)), delayed, "{problem:?}");
        }
    }

    /// A filter that fails to load in a worker process disables its pool, and the event's data is
    /// the Win32 error as the event log shows it: four bytes, least significant first.
    #[test]
    fn a_failed_filter_in_a_worker_names_the_events_data() {
        assert_eq!(
            symptom(Role::SiteFilter, Host::W3wp, Some(126)),
            "the filter fails to load (Win32 error 126, \"The specified module could not be found\"; event 2268 or 2274 with data 7E 00 00 00) and the application pool is disabled: 503 Service Unavailable"
        );
        assert!(
            symptom(Role::GlobalFilter, Host::W3wp, Some(14001))
                .contains("; event 2268 or 2274 with data B1 36 00 00)"),
            "{}",
            symptom(Role::GlobalFilter, Host::W3wp, Some(14001))
        );
    }

    /// `f` with the context of a server whose one entry is a script map to `C:\Acme\x.dll`.
    fn with_entry<T>(f: impl FnOnce(&super::Context<'_>, &crate::metabase::isapi::IsapiRef) -> T) -> T {
        let text = testing::server(true, "\t\tScriptMaps=\".x,C:\\Acme\\x.dll,1,GET\"\r\n", "");
        testing::with_context(&text, |ctx| f(ctx, &ctx.isapi.entries[0]))
    }

    /// A missing assembly is said as the manifest of the configured DLL when the chain is that
    /// DLL alone, and as the manifest of the module it loads when the chain is longer.
    #[test]
    fn a_missing_assembly_names_whose_manifest_names_it() {
        let missing = |chain: &[&str]| Fault {
            chain: chain.iter().map(|m| m.to_string()).collect(),
            delay: false,
            problem: Problem::AssemblyMissing {
                module: chain.last().unwrap().to_string(),
                identity: "Microsoft.VC80.CRT,8.0.50727.762,x86".into(),
                nearby: Vec::new(),
                stray_copies: Vec::new(),
            },
        };
        with_entry(|ctx, entry| {
            let (_, own, ..) = words(ctx, entry, Host::W3wp, &missing(&["x.dll"]));
            assert!(
                own.starts_with(
                    "the manifest of script map extension for `.x` (`x.dll`) names the side-by-side assembly "
                ),
                "{own}"
            );
            let (_, loaded, ..) = words(ctx, entry, Host::W3wp, &missing(&["x.dll", "m.dll"]));
            assert!(
                loaded.starts_with(
                    "script map extension for `.x` loads `m.dll` (x.dll -> m.dll), whose manifest names the side-by-side assembly "
                ),
                "{loaded}"
            );
        });
    }

    /// A function missing from a module of Windows (a KnownDLL, ntdll.dll or kernel32.dll) means a
    /// DLL built for a later Windows; from any other module, another version of that module.
    #[test]
    fn a_missing_function_of_windows_is_a_dll_built_for_a_later_windows() {
        let missing = |module: &str| Fault {
            chain: vec!["x.dll".into(), module.into()],
            delay: false,
            problem: Problem::MissingFunction {
                module: module.into(),
                function: "F".into(),
                forwards: Vec::new(),
                looked_in: module.into(),
            },
        };
        with_entry(|ctx, entry| {
            for (module, system) in [
                ("user32.dll", true),
                ("ntdll.dll", true),
                ("KERNEL32.DLL", true),
                ("php5ts.dll", false),
            ] {
                let (_, _, help, _) = words(ctx, entry, Host::W3wp, &missing(module));
                assert_eq!(
                    help.starts_with(&format!(
                        "`F` is not in Windows Server 2003's {module}: x.dll was built for a later Windows"
                    )),
                    system,
                    "{help}"
                );
                assert_eq!(help.starts_with(&format!("the {module} the ")), !system, "{help}");
            }
        });
    }

    /// Under a delay-load, a fault that MB210 reports is a warning that may be left alone; one that
    /// another rule reports (MB211's, MB209's) keeps its severity and help.
    #[test]
    fn only_a_delay_load_fault_of_mb210_may_be_left() {
        let fault = |problem: Problem, delay: bool| Fault {
            chain: vec!["x.dll".into(), "m.dll".into()],
            delay,
            problem,
        };
        let not_judged = || Problem::NotJudged {
            module: "m.dll".into(),
            why: "a bound".into(),
        };
        let missing = || Problem::MissingFunction {
            module: "m.dll".into(),
            function: "F".into(),
            forwards: Vec::new(),
            looked_in: "m.dll".into(),
        };
        with_entry(|ctx, entry| {
            for delay in [false, true] {
                let (severity, _, help, _) = words(ctx, entry, Host::W3wp, &fault(not_judged(), delay));
                assert_eq!(severity, Severity::Info);
                assert!(!help.contains("never called"), "{help}");
            }
            let (severity, _, help, _) = words(ctx, entry, Host::W3wp, &fault(missing(), false));
            assert_eq!(severity, Severity::Error);
            assert!(!help.contains("never called"), "{help}");
            let (severity, _, help, _) = words(ctx, entry, Host::W3wp, &fault(missing(), true));
            assert_eq!(severity, Severity::Warning);
            assert!(help.ends_with("; or leave it if that code is never called"), "{help}");
        });
    }

    /// A cause is one thing said: faults of one module differ by what the loader found (a complete
    /// or an incomplete search, the assembly, the file, why it was not judged), and are one cause
    /// only when that is the same too.
    #[test]
    fn a_cause_says_what_was_found_not_only_the_module() {
        let searched = |incomplete: bool| {
            Arc::new(Searched {
                folders: Vec::new(),
                not_searched: Vec::new(),
                incomplete,
            })
        };
        let module = || "m.dll".to_string();
        let pairs = [
            (
                Problem::Missing {
                    module: module(),
                    searched: searched(false),
                },
                Problem::Missing {
                    module: module(),
                    searched: searched(true),
                },
            ),
            (
                Problem::AssemblyMissing {
                    module: module(),
                    identity: "A,1.0,x86".into(),
                    nearby: Vec::new(),
                    stray_copies: Vec::new(),
                },
                Problem::AssemblyMissing {
                    module: module(),
                    identity: "A,2.0,x86".into(),
                    nearby: Vec::new(),
                    stray_copies: Vec::new(),
                },
            ),
            (
                Problem::BadImage {
                    module: module(),
                    path: r"C:\a\m.dll".into(),
                    why: "IA64".into(),
                },
                Problem::BadImage {
                    module: module(),
                    path: r"C:\b\m.dll".into(),
                    why: "IA64".into(),
                },
            ),
            (
                Problem::BesideOnly {
                    module: module(),
                    path: r"C:\a\m.dll".into(),
                    searched: searched(false),
                },
                Problem::BesideOnly {
                    module: module(),
                    path: r"C:\b\m.dll".into(),
                    searched: searched(false),
                },
            ),
            (
                Problem::NotJudged {
                    module: module(),
                    why: "a bound".into(),
                },
                Problem::NotJudged {
                    module: module(),
                    why: "a refused file".into(),
                },
            ),
            (
                Problem::MissingFunction {
                    module: module(),
                    function: "F".into(),
                    forwards: Vec::new(),
                    looked_in: module(),
                },
                Problem::MissingFunction {
                    module: module(),
                    function: "G".into(),
                    forwards: Vec::new(),
                    looked_in: module(),
                },
            ),
        ];
        for (a, b) in pairs {
            let (a, b) = (fault(a, false), fault(b, false));
            assert_eq!(cause(Host::W3wp, &a), cause(Host::W3wp, &a.clone()));
            assert_ne!(cause(Host::W3wp, &a), cause(Host::W3wp, &b), "{a:?}");
            assert_ne!(cause(Host::W3wp, &a), cause(Host::Inetinfo, &a), "{a:?}");
        }
    }
}
