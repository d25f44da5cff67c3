//! MB403 fastcgi-misconfigured: a script map sends requests to the FastCGI extension
//! (`fcgiext.dll`), and the `fcgiext.ini` beside the fcgiext.dll the worker loads does not give
//! them an application that can start: no file, no `[Types]` mapping that applies, a mapping to a
//! section that is not there, a section without `ExePath`, or an `ExePath` that is not on the
//! drive. Drive-only: without a drive copy nothing is read (the server model says so).

use std::sync::Arc;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::isapi::IsapiRef;
use crate::resolve::fastcgi::{self, Exe, IniFile, IniState, TypeMapping};
use crate::resolve::resolver::{Found, Resolution};
use crate::winpath::PathProblem;

pub static RULE: Rule = Rule {
    code: "MB403",
    name: "fastcgi-misconfigured",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A script map to the FastCGI extension whose fcgiext.ini gives its requests no application that can start",
    doc: rule_doc!("MB403"),
    check: Some(check),
};

/// What every request a broken mapping handles gets: the extension has no process to send it to.
const FAILS: &str = "fcgiext.dll has no FastCGI process to send these requests to, and none of them is served";

/// One thing wrong, with the words of its finding.
struct Problem {
    /// Distinguishes the problems of one (ini, extension) for grouping.
    key: String,
    message: String,
    label: String,
    help: String,
    severity: Severity,
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let Some(fcgi) = ctx.fastcgi.filter(|f| f.any()) else {
        return;
    };
    let mb = ctx.metabase;
    for (index, entry) in ctx.isapi.entries.iter().enumerate() {
        let Some(ini) = fcgi.of_entry.get(index).copied().flatten() else {
            continue;
        };
        let ini = &fcgi.inis[ini as usize];
        let location = mb.location(entry.key);
        for problem in problems(ini, entry, &location) {
            let cause: Arc<str> = Arc::from(format!("{}|{}", ini.path, problem.key));
            if out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
                continue;
            }
            let mut d = RULE
                .diagnostic(entry.span, problem.message)
                .label(problem.label)
                .at(mb, entry.key, Some(entry.attr))
                .cause(cause)
                .help(problem.help);
            d.severity = problem.severity;
            out.push(d);
        }
    }
}

/// The extension a script map entry sends, as `[Types]` writes it: `php` for `.php`, `*` for a
/// wildcard map.
fn extension(entry: &IsapiRef) -> String {
    let ext = entry.extension().unwrap_or("*");
    ext.strip_prefix('.').unwrap_or(ext).to_ascii_lowercase()
}

/// `.php` or `*` (wildcard), for messages.
fn shown_ext(ext: &str) -> String {
    if ext == "*" {
        "the wildcard script map (`*`)".to_string()
    } else {
        format!("`.{ext}`")
    }
}

fn problems(ini: &IniFile, entry: &IsapiRef, location: &str) -> Vec<Problem> {
    let ext = extension(entry);
    let dll = if ini.redirected {
        format!("`{}` (opened as `{}` by a 32-bit worker)", entry.path, ini.dll)
    } else {
        format!("`{}`", entry.path)
    };
    let what = format!("{} is mapped to the FastCGI extension {dll}", shown_ext(&ext));
    match &ini.state {
        // An input not checked: the run exits 2 with it listed (lint.rs).
        IniState::Unread { .. } => Vec::new(),
        IniState::Missing { missing } => vec![Problem {
            key: format!("no-ini|{ext}"),
            message: format!(
                "{what}, which reads its applications from `{}` beside itself, and the drive has no such file (`{missing}` is missing): {FAILS}",
                ini.path
            ),
            label: "fcgiext.ini is missing".into(),
            help: format!(
                "restore {} (the FastCGI installer writes it; `fcgiconfig.js -add` adds an application to it), with a [Types] entry for the extension and the application's section",
                fastcgi::INI_NAME
            ),
            severity: Severity::Error,
        }],
        IniState::Read {
            types,
            ini: parsed,
            exes,
            ..
        } => {
            let mut out = Vec::new();
            let at = |line: u32| format!("`{}` line {line}", ini.path);
            let applied = fastcgi::applied(types, &ext, location);
            match applied {
                None => {
                    let dotted = types
                        .iter()
                        .find(|m| m.dotted() && m.extension[1..] == ext)
                        .map(|m| {
                            format!(
                                " ({} maps `{}` with its dot; the documentation writes extensions without it, and whether fcgiext.dll matches it no source says)",
                                at(m.line),
                                m.extension
                            )
                        })
                        .unwrap_or_default();
                    let section = if parsed.section("Types").is_none() {
                        "has no [Types] section".to_string()
                    } else if ext == "*" {
                        format!("has no `*` entry in [Types] that applies at {location}")
                    } else {
                        format!("has no entry in [Types] for `{ext}` or `*` that applies at {location}")
                    };
                    out.push(Problem {
                        key: format!("no-type|{ext}|{location}"),
                        message: format!("{what}, and `{}` {section}{dotted}: {FAILS}", ini.path),
                        label: "no FastCGI application for this extension".into(),
                        help: if ext == "*" {
                            "add `*=<application>` to [Types] in fcgiext.ini, or map only the extensions FastCGI serves".into()
                        } else {
                            format!(
                                "add `{ext}=<application>` to [Types] in fcgiext.ini (`fcgiconfig.js -add -section:<application> -extension:{ext} -path:<exe>` writes both), or remove the script map"
                            )
                        },
                        severity: Severity::Error,
                    });
                }
                Some(m) => out.extend(application(ini, parsed, exes, m, &what)),
            }
            // Sites and applications below this Location with mappings of their own: their
            // requests reach fcgiext.dll through this script map too.
            for m in fastcgi::narrower(types, &ext, location) {
                if applied.is_some_and(|a| std::ptr::eq(a, m)) {
                    continue;
                }
                out.extend(application(ini, parsed, exes, m, &what));
            }
            out
        }
    }
}

/// What is wrong with the application a mapping names, if anything.
fn application(
    ini: &IniFile,
    parsed: &fastcgi::Ini,
    exes: &std::collections::HashMap<String, Exe>,
    m: &TypeMapping,
    what: &str,
) -> Option<Problem> {
    let at = |line: u32| format!("line {line}");
    let name = &m.application;
    let key = |kind: &str| format!("{kind}|{}", name.to_ascii_lowercase());
    let mapping = format!(
        "[Types] in `{}` maps `{}` to the application `{name}` (line {})",
        ini.path,
        mapping_key(m),
        m.line
    );
    let Some(section) = parsed.section(name) else {
        return Some(Problem {
            key: key("no-section"),
            message: format!("{what}; {mapping}, and the file has no [{name}] section: {FAILS}"),
            label: format!("no [{name}] section in fcgiext.ini"),
            help: format!(
                "add a [{name}] section with ExePath= the FastCGI program (php-cgi.exe), or map the extension to an application that has one"
            ),
            severity: Severity::Error,
        });
    };
    match exes.get(&name.to_ascii_lowercase())? {
        Exe::NoExePath => Some(Problem {
            key: key("no-exepath"),
            message: format!(
                "{what}; {mapping}, and its section [{}] ({}) has no ExePath: {FAILS}",
                section.name,
                at(section.line)
            ),
            label: format!("[{name}] has no ExePath"),
            help: format!("set ExePath= in [{name}] to the FastCGI program's full path"),
            severity: Severity::Error,
        }),
        Exe::UnknownText { line } => Some(Problem {
            key: key("exe-unknown-text"),
            message: format!(
                "{what}; {mapping}, and its ExePath ({}) holds characters outside ASCII in a file without a byte order mark: Windows reads it in the server's ANSI code page, which the copy does not tell, so the program was not looked for",
                at(*line)
            ),
            label: "ExePath not checked".into(),
            help: "save fcgiext.ini as UTF-16 (Unicode) so its paths mean the same everywhere, or check the path on the server".into(),
            severity: Severity::Info,
        }),
        Exe::Looked {
            value,
            line,
            resolution,
        } => exe_problem(resolution).map(|(kind, why, severity)| {
            let help = if severity == Severity::Info {
                "map the drive that holds it (-d X:=DIR), or check the path on the server".to_string()
            } else {
                format!("install the program at `{value}`, or set ExePath in [{name}] to where it is")
            };
            Problem {
                key: key(kind),
                message: format!("{what}; {mapping}, and its ExePath `{value}` ({}) {why}", at(*line)),
                label: format!("[{name}] ExePath {}", if severity == Severity::Info { "not checked" } else { "is not there" }),
                help,
                severity,
            }
        }),
    }
}

/// `php`, `php:1`, `*:/lm/w3svc/1/root/app1`: a mapping's key as written (lower-cased).
fn mapping_key(m: &TypeMapping) -> String {
    match &m.scope {
        fastcgi::Scope::All => m.extension.clone(),
        fastcgi::Scope::Site(id) => format!("{}:{id}", m.extension),
        fastcgi::Scope::App(p) => format!("{}:{p}", m.extension),
        fastcgi::Scope::Unknown(s) => format!("{}:{s}", m.extension),
    }
}

/// What is wrong with an ExePath as the drive shows it: (kind, words, severity). Its bitness does
/// not matter (it runs in a process of its own), only that a program is there to start.
fn exe_problem(resolution: &Resolution) -> Option<(&'static str, String, Severity)> {
    match resolution {
        Resolution::Resolved {
            found: Found::Image { .. },
            ..
        } => None,
        Resolution::Resolved {
            effective,
            redirected,
            found: Found::Missing { missing },
            ..
        } => {
            let opened = if *redirected {
                format!(" (started as `{effective}`: the worker is 32-bit and its path is redirected)")
            } else {
                String::new()
            };
            Some((
                "exe-missing",
                format!(
                    "does not exist on the drive{opened} (`{missing}` is missing): fcgiext.dll cannot start the application, and none of these requests is served"
                ),
                Severity::Error,
            ))
        }
        Resolution::Resolved {
            found: Found::Refused { kind, reason, .. },
            ..
        } => match kind {
            crate::resolve::resolver::Refusal::Folder | crate::resolve::resolver::Refusal::Special => Some((
                "exe-not-file",
                format!(
                    "is not a program ({reason}): fcgiext.dll cannot start it, and none of these requests is served"
                ),
                Severity::Error,
            )),
            // Unreadable, a link out of the copy, two names in one case: an input not checked,
            // listed by the run (lint.rs), which exits 2.
            _ => None,
        },
        Resolution::Unresolvable(problem) => {
            let why = match problem {
                PathProblem::Variable { name } => format!(
                    "contains %{name}%, and whether fcgiext.dll expands environment variables in ExePath no source says: the program was not looked for"
                ),
                PathProblem::UnmappedDrive { drive } => {
                    format!("is on drive {drive}:, which no drive mapping covers: the program was not looked for")
                }
                other => format!("names no file mblint can look for ({})", other.describe()),
            };
            Some(("exe-not-checked", why, Severity::Info))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;

    use super::*;
    use crate::rules::testing;
    use crate::winpath;

    /// An fcgiext.ini beside C:\WINDOWS\system32\inetsrv\fcgiext.dll, read from `text`, whose
    /// applications' ExePaths were not looked for.
    fn ini_file(text: &str) -> IniFile {
        let ini = fastcgi::parse(text.as_bytes()).unwrap();
        let types = fastcgi::types(&ini);
        IniFile {
            path: winpath::parse(r"C:\WINDOWS\system32\inetsrv\fcgiext.ini").unwrap(),
            dll: winpath::parse(r"C:\WINDOWS\system32\inetsrv\fcgiext.dll").unwrap(),
            redirected: false,
            state: IniState::Read {
                file: PathBuf::from("fcgiext.ini"),
                ini,
                types,
                exes: HashMap::new(),
            },
        }
    }

    /// The messages of the problems of `/LM/W3SVC`'s `.php` script map to fcgiext.dll under `ini`.
    fn messages(ini: &str) -> Vec<String> {
        let service = "\t\tScriptMaps=\".php,C:\\WINDOWS\\system32\\inetsrv\\fcgiext.dll,5,GET,HEAD,POST\"\r\n";
        testing::with_context(&testing::server(false, service, ""), |ctx| {
            let entry = &ctx.isapi.entries[0];
            assert_eq!(entry.extension(), Some(".php"));
            problems(&ini_file(ini), entry, "/LM/W3SVC")
                .into_iter()
                .map(|p| p.message)
                .collect()
        })
    }

    /// With no mapping for the extension, the message points at a mapping of the same extension
    /// written with its dot, and only at such a one: not at another extension's dotted mapping,
    /// nor at one whose name only ends in the extension.
    #[test]
    fn only_the_extension_written_with_its_dot_is_pointed_at() {
        let dotted = messages("[Types]\r\n.asp=ASP\r\n.php=PHP\r\n");
        assert_eq!(dotted.len(), 1, "{dotted:?}");
        assert!(
            dotted[0].contains("has no entry in [Types] for `php` or `*` that applies at /LM/W3SVC ("),
            "{dotted:?}"
        );
        assert!(
            dotted[0].contains("fcgiext.ini` line 3 maps `.php` with its dot;"),
            "{dotted:?}"
        );
        for other in ["[Types]\r\n.asp=ASP\r\n", "[Types]\r\nxphp=PHP\r\n"] {
            let undotted = messages(other);
            assert_eq!(undotted.len(), 1, "{undotted:?}");
            assert!(
                undotted[0].contains("that applies at /LM/W3SVC: fcgiext.dll has no"),
                "{undotted:?}"
            );
            assert!(!undotted[0].contains("with its dot"), "{undotted:?}");
        }
    }
}
