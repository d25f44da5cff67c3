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
