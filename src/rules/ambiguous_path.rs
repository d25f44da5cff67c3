//! MB206 ambiguous-path: a path IIS 6 opens otherwise than Win32 reads it (`\\?\` and the text as
//! written: trailing dots and spaces kept, `/`, `.` and `..` not applied), or one longer than
//! MAX_PATH: whether it loads hangs on what no source settles. The other rules judge the image the
//! Win32 reading finds (what an IIS that canonicalised the path would load), or the file the name as
//! written leads to when the drive holds one; this rule names the doubt.

use std::collections::HashMap;
use std::sync::Arc;

use super::worker_bitness_mismatch::subject;
use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Applicability, Edit, Evidence, Fix, MetabaseOp, Severity};
use crate::fix::edit;
use crate::metabase::isapi::{IsapiRef, Role};
use crate::metabase::props;
use crate::resolve::images::load_path;
use crate::resolve::resolver::{Found, Readings, Resolution};
use crate::winpath::{self, Difference, Literal, Opened};

pub static RULE: Rule = Rule {
    code: "MB206",
    name: "ambiguous-path",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A path IIS 6 opens as written (`\\\\?\\`: trailing dots and spaces kept, `/`, `.` and `..` not applied) where Win32 reads another, or one longer than MAX_PATH: whether it loads is not settled",
    doc: rule_doc!("MB206"),
    check: Some(check),
};

/// What is known of a path IIS 6 and Win32 read differently.
enum Known<'a> {
    /// Both readings looked for on the drive.
    Drive(&'a Readings),
    /// The text alone: no drive, or Win32's reading names nothing mblint can look for there.
    Text(std::borrow::Cow<'a, Opened>),
}

impl Known<'_> {
    fn opened(&self) -> &Opened {
        match self {
            Known::Drive(r) => &r.opened,
            Known::Text(o) => o,
        }
    }
}

/// The words of a finding, made once per cause, and the fix each place writes.
struct Words {
    message: String,
    label: &'static str,
    help: String,
    /// (applicability, message, the text to write), when the spelling can be made canonical.
    fix: Option<(Applicability, String, String)>,
    evidence: Option<Evidence>,
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let windir = ctx.windir().0.to_string();
    let restriction_attr = ctx
        .metabase
        .find("/LM/W3SVC")
        .and_then(|svc| ctx.metabase.own(svc, props::WEB_SVC_EXT_RESTRICTION_LIST));
    // What the text of each distinct path shows (compression schemes' own: their `%windir%` is
    // expanded), worked out once per path however many entries name it.
    let distinct = ctx.distinct_paths();
    let texts: Vec<Option<Opened>> = distinct.paths.iter().map(|p| winpath::opened(p)).collect();
    let known = |index: usize| -> Option<Known<'_>> {
        let entry = &ctx.isapi.entries[index];
        // A URL's DLL listed in the restriction list is that list's entry (below).
        if matches!(entry.role, Role::DirectUrl | Role::WebDav) && Some(entry.attr) == restriction_attr {
            return None;
        }
        if let Some(Resolution::Resolved {
            readings: Some(readings),
            found,
            ..
        }) = ctx.images.map(|i| &*i.current[index])
        {
            // A length or a device name is in doubt only for a file that is there: a missing one
            // fails whatever IIS does (MB201 says so).
            let moot = !readings.opened.spelling() && matches!(found, Found::Missing { .. });
            return (!moot).then_some(Known::Drive(readings));
        }
        if entry.plain {
            return None;
        }
        if entry.role == Role::CompressionScheme {
            return winpath::opened(&load_path(entry, &windir)).map(|o| Known::Text(std::borrow::Cow::Owned(o)));
        }
        texts[distinct.of_entry[index] as usize]
            .as_ref()
            .map(|o| Known::Text(std::borrow::Cow::Borrowed(o)))
    };
    if distinct.representatives().any(|index| known(index).is_some()) {
        let mut words: HashMap<Arc<str>, Words> = HashMap::new();
        for (index, entry) in ctx.isapi.entries.iter().enumerate() {
            let Some(known) = known(index) else { continue };
            let cause = ctx.cause(entry);
            let w = words
                .entry(cause.clone())
                .or_insert_with(|| entry_words(ctx, index, &known));
            let fix = w.fix.as_ref().and_then(|(applicability, message, to)| {
                let (e, op) = super::plan::path_edit(ctx, entry, to, &edit::escape(to))?;
                Some(fix_of(*applicability, message, e, op))
            });
            let fix = match out.join(RULE.code, &cause, fix, || ctx.place(entry)) {
                super::Joined::Yes => continue,
                super::Joined::No(fix) => fix,
            };
            let mut d = RULE
                .diagnostic(entry.span, w.message.clone())
                .label(w.label)
                .fix(fix)
                .at(ctx.metabase, entry.key, Some(entry.attr))
                .cause(cause)
                .help(w.help.clone());
            if let Some(e) = &w.evidence {
                d = d.evidence(e.clone());
            }
            out.push(d);
        }
    }
    restriction_entries(ctx, out);
}

fn fix_of(applicability: Applicability, message: &str, e: Edit, op: MetabaseOp) -> Fix {
    let mut fix = Fix::new(applicability, message);
    fix.edits.push(e);
    fix.ops.push(op);
    fix
}

/// The difference that decides what the name as written leads to.
fn decisive(opened: &Opened) -> Difference {
    match opened.literal {
        Literal::Invalid(d) | Literal::Unsettled(d) => d,
        Literal::Names(_) => [
            Difference::FolderTrailingDot,
            Difference::TrailingDot,
            Difference::TrailingSpace,
            Difference::DosDevice,
            Difference::LongerThanMaxPath,
        ]
        .into_iter()
        .find(|d| opened.has(*d))
        .unwrap_or(Difference::LongerThanMaxPath),
    }
}

/// `ends in a dot, which Win32 removes, and uses ...`: every difference, as a phrase.
fn differences(opened: &Opened) -> String {
    let all: Vec<&str> = opened.differences.iter().map(|d| d.describe()).collect();
    match all.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{}, and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// What the entry's DLL does when the open fails, by role.
fn symptom(ctx: &Context<'_>, entry: &IsapiRef) -> &'static str {
    match entry.role {
        Role::GlobalFilter | Role::SiteFilter if ctx.worker.iis5 => {
            "the filter fails to load into inetinfo.exe and the World Wide Web Publishing Service does not start"
        }
        Role::GlobalFilter | Role::SiteFilter => {
            "the filter fails to load (event 2214 or 2268, with the open's Win32 error as data: 02 00 00 00 when the name is not found, 7B 00 00 00 when it is invalid) and its application pool is disabled: 503 Service Unavailable"
        }
        Role::ScriptMap | Role::WildcardMap => {
            "requests it handles fail (404 when the file is not found, 500 when it cannot be loaded)"
        }
        Role::CompressionScheme => "the compression filter cannot load it, so this scheme compresses nothing",
        Role::DirectUrl => "requests for its URL fail",
        Role::WebDav => "every WebDAV request fails",
    }
}

/// The file name of a Windows path, for messages.
fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

fn entry_words(ctx: &Context<'_>, index: usize, known: &Known<'_>) -> Words {
    let entry = &ctx.isapi.entries[index];
    let opened = known.opened();
    let path = load_path(entry, &ctx.windir().0.to_string());
    let as_opened = winpath::opened::as_opened(&path);
    let readings = match known {
        Known::Drive(r) => Some(*r),
        Known::Text(_) => None,
    };
    let canonical = match readings {
        Some(r) => r.canonical.clone(),
        None => winpath::parse(&path)
            .map(|p| p.to_string())
            .unwrap_or_else(|_| path.clone()),
    };
    let decisive = decisive(opened);
    let evidence = ctx
        .entry_bitness(index)
        .map(|b| b.evidence)
        .filter(|e| matches!(e, Evidence::Image { .. }));
    let subject = format!("{} `{}`", subject(entry), entry.path);
    if entry.role == Role::DirectUrl {
        return Words {
            message: format!(
                "{subject} {}: IIS compares the path of the DLL a URL runs with this entry, and no source says whether it compares the text as written or as Win32 reads it (`{canonical}`); compared as written, the DLL at `{canonical}` does not match it",
                differences(opened)
            ),
            label: "compared as written or as Win32 reads it?",
            help: format!("write `{canonical}`, the spelling both readings agree on"),
            fix: compared_fix(opened, &canonical),
            evidence,
        };
    }
    // A path that differs only in its length: both readings open the same names.
    if !opened.spelling() && decisive == Difference::LongerThanMaxPath {
        let found = match readings.and_then(|r| r.win32.as_ref()) {
            Some((effective, Found::Image { .. })) => format!(", and the image mblint found there is `{effective}`"),
            _ => String::new(),
        };
        return Words {
            message: format!(
                "{subject} is {} UTF-16 code units, longer than MAX_PATH (259 without the terminating NUL): IIS 6 opens it as `\\\\?\\...`, which lifts MAX_PATH for the file APIs{found}, but whether the Windows Server 2003 loader (LoadLibraryEx) takes a DLL path this long is not documented; if it does not, {}",
                path.trim().encode_utf16().count(),
                symptom(ctx, entry)
            ),
            label: "longer than MAX_PATH",
            help: "install the DLL in a folder with a shorter path and point the metabase there (an 8.3 short name shortens it too, but a copy of the drive cannot check one)".into(),
            fix: None,
            evidence,
        };
    }
    let as_written = match (&opened.literal, readings) {
        (Literal::Names(_), Some(r)) if r.literal_exists() => match &r.literal {
            Some((effective, Found::Image { .. })) => {
                format!("leads to `{effective}`: the drive holds a file spelled that way, and IIS 6 loads it")
            }
            Some((effective, _)) => format!("leads to `{effective}` on the drive, which mblint cannot examine"),
            None => decisive.as_written().to_string(),
        },
        (Literal::Names(_), Some(_)) if decisive != Difference::DosDevice => {
            "is a name nothing on the drive has: the open fails (Win32 error 2, the file is not found, or 3 for a folder)"
                .to_string()
        }
        _ => decisive.as_written().to_string(),
    };
    let image = |effective: &winpath::WinPath, found: &Found| match found {
        Found::Image { image, .. } => match image.as_ref() {
            Ok(info) => format!("`{effective}` ({})", info.describe()),
            Err(_) => format!("`{effective}`"),
        },
        _ => format!("`{effective}`"),
    };
    let canonicalised = match decisive {
        Difference::DosDevice => {
            let device = file_name(&canonical)
                .split('.')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            format!(
                "if IIS canonicalised the path first it would open the {device} device, not a file, and fail to load it"
            )
        }
        // Win32 keeps a trailing separator: canonicalising does not take it away.
        Difference::TrailingSeparator => format!(
            "Win32 keeps the separator too, so canonicalising the path would not help; mblint judges the image the path names without it, `{canonical}`"
        ),
        _ => match readings.map(|r| &r.win32) {
            Some(Some((effective, found @ Found::Image { .. }))) => format!(
                "if IIS canonicalised the path first it would load {}, the image mblint found under the Win32 reading",
                image(effective, found)
            ),
            Some(Some((_, Found::Missing { missing }))) => format!(
                "if IIS canonicalised the path first it would not find the DLL either (`{missing}` is missing: MB201)"
            ),
            Some(Some((effective, Found::Refused { .. }))) => format!(
                "if IIS canonicalised the path first it would open `{effective}`, which mblint cannot examine (MB205)"
            ),
            Some(None) => "if IIS canonicalised the path first it would not open it either".to_string(),
            None => format!("if IIS canonicalised the path first it would open `{canonical}`"),
        },
    };
    let consequence = match decisive {
        Difference::DosDevice => format!(". If IIS canonicalises it, {}", symptom(ctx, entry)),
        Difference::TrailingSeparator => format!(". If the file system refuses the name, {}", symptom(ctx, entry)),
        _ if readings.is_some_and(|r| r.literal_exists()) => String::new(),
        _ => format!(". If IIS 6 opens it as written, {}", symptom(ctx, entry)),
    };
    let message = format!(
        "{subject} {}: IIS 6 opens it as `{as_opened}`, which {as_written}; {canonicalised}. No source says which IIS 6 does{consequence}",
        differences(opened)
    );
    let fix = opened_fix(ctx, entry, opened, readings, &canonical);
    Words {
        message,
        label: "IIS 6 opens it as written",
        help: match &fix {
            Some(_) => format!(
                "write `{canonical}`, the path as Win32 reads it: IIS 6 opens that alike whether or not it canonicalises"
            ),
            None if opened.has(Difference::DosDevice) => {
                "give the DLL a name that is no DOS device (CON, PRN, AUX, NUL, COM1-9, LPT1-9) and point the metabase there".into()
            }
            None => format!("write the path as Win32 reads it (`{canonical}`) once the file is spelled so on the server"),
        },
        fix,
        evidence,
    }
}

/// The fix of an entry IIS opens: write the canonical spelling. Safe when nothing answers to the
/// name as written (the drive says so, or no file can have it): both readings then agree on the
/// result and it is what a canonicalising IIS loads today. Unsafe with no drive to look, when a file
/// could be spelled as written; display-only when the drive holds one (IIS 6 loads it today), or
/// when the restriction list, compared as written, would let the respelled DLL run where it is
/// denied now.
fn opened_fix(
    ctx: &Context<'_>,
    entry: &IsapiRef,
    opened: &Opened,
    readings: Option<&Readings>,
    canonical: &str,
) -> Option<(Applicability, String, String)> {
    if !opened.spelling() || opened.has(Difference::DosDevice) {
        return None;
    }
    // The compression scheme's `%windir%` was expanded to read it: its text is not the path.
    if entry.role == Role::CompressionScheme && winpath::variable(&entry.path).is_some() {
        return None;
    }
    if winpath::opened(canonical).is_some_and(|o| o.spelling()) {
        return None;
    }
    let mut message = format!("write `{canonical}`, the spelling IIS 6 and Win32 open alike");
    let applicability = match readings {
        Some(r) if r.literal_exists() => {
            message += &format!(
                " (display-only: the drive holds a file spelled as written, which IIS 6 loads today; `{canonical}` names another)"
            );
            Applicability::DisplayOnly
        }
        Some(_) => Applicability::Safe,
        None if matches!(opened.literal, Literal::Names(_)) => {
            message += " (unsafe: with no drive mapped mblint cannot check that no file is spelled as written, which IIS 6 would load today)";
            Applicability::Unsafe
        }
        None => Applicability::Safe,
    };
    let governed = matches!(entry.role, Role::ScriptMap | Role::WildcardMap);
    if governed
        && applicability != Applicability::DisplayOnly
        && super::lockdown::loosens_as_written(ctx, &entry.path, canonical)
    {
        return Some((
            Applicability::DisplayOnly,
            format!(
                "write `{canonical}`, the spelling IIS 6 and Win32 open alike (display-only: compared as written, WebSvcExtRestrictionList denies `{}` and allows `{canonical}`, so the respelling could let requests run that are denied today; that is the administrator's decision)",
                entry.path
            ),
            canonical.to_string(),
        ));
    }
    Some((applicability, message, canonical.to_string()))
}

/// The fix of an entry IIS compares: display-only, since which DLLs the restriction list allows (or
/// runs in process) is the administrator's decision.
fn compared_fix(opened: &Opened, canonical: &str) -> Option<(Applicability, String, String)> {
    (opened.spelling() && !winpath::opened(canonical).is_some_and(|o| o.spelling())).then(|| {
        (
            Applicability::DisplayOnly,
            format!(
                "write `{canonical}`, the spelling both readings agree on (display-only: it changes which DLL the entry governs if IIS compares as written, and what the list allows is the administrator's decision)"
            ),
            canonical.to_string(),
        )
    })
}

/// Entries of WebSvcExtRestrictionList whose paths IIS 6 and Win32 read differently: IIS compares
/// the path of the DLL a request runs with them, as written or canonicalised, no source says.
fn restriction_entries(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let Some(svc) = mb.find("/LM/W3SVC") else { return };
    let Some(attr) = mb.own(svc, props::WEB_SVC_EXT_RESTRICTION_LIST) else {
        return;
    };
    let wildcard = |path: &str| -> Option<bool> {
        let kind = if path.to_ascii_lowercase().ends_with(".exe") {
            "*.exe"
        } else {
            "*.dll"
        };
        ctx.server
            .restrictions
            .iter()
            .filter_map(|e| e.entry.as_ref().ok())
            .find(|r| r.path.eq_ignore_ascii_case(kind))
            .map(|r| r.allowed)
    };
    for line in mb.attr_lines(attr) {
        let Some(Ok(r)) = crate::metabase::values::Restriction::parse(&line) else {
            continue;
        };
        if r.is_wildcard() {
            continue;
        }
        let Some(opened) = winpath::opened(&r.path).filter(|o| o.spelling()) else {
            continue;
        };
        let Ok(canonical) = winpath::parse(&r.path).map(|p| p.to_string()) else {
            continue;
        };
        // Compared as written, a DLL spelled canonically falls under "All Unknown": when that says
        // what the entry says, both readings give the same verdict.
        let unknown = wildcard(&canonical);
        if unknown == Some(r.allowed) {
            continue;
        }
        let cause: Arc<str> = Arc::from(format!("restriction list|{}", r.path));
        let place = || super::place(mb, svc, attr, line.span);
        let fix = compared_fix(&opened, &canonical).and_then(|(applicability, message, to)| {
            let text = line.text();
            let after_flag = text.find(',')? + 1;
            let at = text[after_flag..].find(r.path.as_str())? + after_flag;
            let content = edit::escape(&format!("{}{to}{}", &text[..at], &text[at + r.path.len()..]));
            let op = MetabaseOp::Set {
                location: mb.location(svc).into_owned(),
                property: props::WEB_SVC_EXT_RESTRICTION_LIST.name.to_string(),
            };
            Some(fix_of(
                applicability,
                &message,
                Edit {
                    span: line.span,
                    content,
                },
                op,
            ))
        });
        let fix = match out.join(RULE.code, &cause, fix, place) {
            super::Joined::Yes => continue,
            super::Joined::No(fix) => fix,
        };
        let unknown = match unknown {
            Some(true) => " and falls under the \"All Unknown ISAPI Extensions\" entry, which is Allowed",
            Some(false) => {
                " and falls under the \"All Unknown ISAPI Extensions\" entry, which is Prohibited: its requests get 404.2"
            }
            None => "",
        };
        out.push(
            RULE.diagnostic(
                line.span,
                format!(
                    "WebSvcExtRestrictionList entry `{}` ({}) {}: IIS compares the path of the DLL a request runs with it, and no source says whether it compares the text as written or as Win32 reads it (`{canonical}`); compared as written, a DLL configured as `{canonical}` does not match it{unknown}",
                    r.path,
                    if r.allowed { "Allowed" } else { "Prohibited" },
                    differences(&opened)
                ),
            )
            .label("compared as written or as Win32 reads it?")
            .fix(fix)
            .at(mb, svc, Some(attr))
            .cause(cause)
            .help(format!("write `{canonical}`, the spelling both readings agree on")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing;

    /// The MB206 findings of a copy of a system drive holding the x64 ISAPI filter at each of
    /// `files` (relative, `/`-separated), whose one global filter is configured as `path`, linted
    /// on x64 in IIS 5.0 isolation mode or worker process isolation mode.
    fn on_drive(files: &[&str], path: &str, iis5: bool) -> Vec<crate::diagnostic::Diagnostic> {
        let dir = tempfile::tempdir().unwrap();
        let inetsrv = dir.path().join("WINDOWS/system32/inetsrv");
        std::fs::create_dir_all(&inetsrv).unwrap();
        let mode = if iis5 { "TRUE" } else { "FALSE" };
        let text = format!(
            "<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"{mode}\"\r\n\t>\r\n</IIsWebService>\r\n<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"Hostile\"\r\n\t>\r\n</IIsFilters>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/Hostile\"\r\n\t\tFilterPath=\"{path}\"\r\n\t>\r\n</IIsFilter>\r\n</MBProperty>\r\n</configuration>\r\n"
        );
        std::fs::write(inetsrv.join("MetaBase.xml"), text).unwrap();
        let image = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/images/x64/isapi-filter.dll"
        ))
        .unwrap();
        for file in files {
            let full = dir.path().join(file);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, &image).unwrap();
        }
        let options = crate::lint::Options {
            platform: Some(crate::platform::Platform::X64),
            ..Default::default()
        };
        crate::lint::lint_path(dir.path(), &options)
            .unwrap()
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "MB206")
            .collect()
    }

    #[test]
    fn every_difference_is_listed_once() {
        let o = winpath::opened(r"C:/a/..\x.dll.").unwrap();
        assert_eq!(
            differences(&o),
            "uses `/` as a separator, which Win32 reads as `\\`, has a `..` name, which Win32 applies, and ends in a dot, which Win32 removes"
        );
        assert_eq!(decisive(&o), Difference::ForwardSlash);
        let o = winpath::opened(r"C:\a.\x.dll").unwrap();
        assert_eq!(decisive(&o), Difference::FolderTrailingDot);
    }

    /// What MB206 says of each place with no drive, on x86: (property, message, help, the fix).
    fn said(service: &str, keys: &str) -> Vec<(String, String, String, Option<crate::diagnostic::Fix>)> {
        testing::findings_on_x86(&testing::server(false, service, keys), "MB206")
            .into_iter()
            .map(|d| {
                (
                    d.attribute.unwrap_or_default(),
                    d.message,
                    d.help.unwrap_or_default(),
                    d.fix,
                )
            })
            .collect()
    }

    /// A URL's DLL is judged as an entry where InProcessIsapiApps names it, with a display-only fix
    /// only for a spelling (not for a DOS device name alone), and where WebSvcExtRestrictionList
    /// names it only as that list's entry: once, in the list's words, its fix rewriting the path in
    /// the line.
    #[test]
    fn a_urls_dll_in_the_restriction_list_is_said_once_as_the_lists_entry() {
        let service = "\t\tInProcessIsapiApps=\"C:\\Inetpub\\scripts/a.dll\r\n\t\t\tC:\\Inetpub\\scripts\\con.dll\"\r\n\t\tWebSvcExtRestrictionList=\"1,C:\\Inetpub\\scripts/b.dll,0,B,B\"\r\n";
        let keys = testing::root(
            1,
            "C:\\Inetpub\\scripts",
            "\t\tAccessFlags=\"AccessRead | AccessExecute\"\r\n",
        );
        let found = said(service, &keys);
        assert_eq!(found.len(), 3, "{found:#?}");
        let url = r"ISAPI extension called by URL (site 1: /a.dll) `C:\Inetpub\scripts/a.dll` uses `/` as a separator, which Win32 reads as `\`: IIS compares the path of the DLL a URL runs with this entry";
        assert!(
            found[0].0 == "InProcessIsapiApps" && found[0].1.starts_with(url),
            "{found:#?}"
        );
        let fix = found[0].3.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        let device =
            r"ISAPI extension called by URL (site 1: /con.dll) `C:\Inetpub\scripts\con.dll` ends in a DOS device name";
        assert!(
            found[1].0 == "InProcessIsapiApps" && found[1].1.starts_with(device),
            "{found:#?}"
        );
        assert!(found[1].3.is_none(), "{found:#?}");
        let list = r"WebSvcExtRestrictionList entry `C:\Inetpub\scripts/b.dll` (Allowed) uses `/` as a separator";
        assert!(
            found[2].0 == "WebSvcExtRestrictionList" && found[2].1.starts_with(list),
            "{found:#?}"
        );
        let fix = found[2].3.as_ref().unwrap();
        assert_eq!(fix.edits.len(), 1);
        assert_eq!(fix.edits[0].content, r"1,C:\Inetpub\scripts\b.dll,0,B,B");
    }

    /// A compression scheme's path is read with its `%windir%` expanded, and then no fix is offered
    /// (the text is not the path): the help says to write the path as Win32 reads it. One written
    /// without a variable gets the fix.
    #[test]
    fn a_compression_schemes_windir_is_expanded_and_its_text_not_rewritten() {
        let scheme = |path: &str| {
            format!(
                "<IIsCompressionScheme\tLocation =\"/LM/W3SVC/Filters/Compression/gzip\"\r\n\t\tHcCompressionDll=\"{path}\"\r\n\t>\r\n</IIsCompressionScheme>\r\n"
            )
        };
        let opens = r"IIS 6 opens it as `\\?\C:\WINDOWS/system32/inetsrv/gzip.dll`, which holds `/` inside a name";
        let found = said("", &scheme("%windir%/system32/inetsrv/gzip.dll"));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].1.contains(opens), "{}", found[0].1);
        assert!(found[0].3.is_none());
        assert_eq!(
            found[0].2,
            r"write the path as Win32 reads it (`C:\WINDOWS\system32\inetsrv\gzip.dll`) once the file is spelled so on the server"
        );
        let found = said("", &scheme(r"C:\WINDOWS/system32/inetsrv/gzip.dll"));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].1.contains(opens), "{}", found[0].1);
        assert_eq!(found[0].3.as_ref().unwrap().applicability, Applicability::Safe);
    }

    /// MB206's words on a drive copy, where both readings are looked for: what the name as written
    /// leads to, what a canonicalising IIS would load, what fails if IIS 6 opens it as written (in
    /// each isolation mode), and the help.
    #[test]
    // The test stages files named as Win32 cannot create them (a trailing dot, a DOS device name):
    // on Windows the dot is stripped and `con.dll` opens the console. The readings it checks are the
    // same code on every platform.
    #[cfg_attr(
        windows,
        ignore = "stages file names Win32 cannot create (a trailing dot, a DOS device name)"
    )]
    fn the_words_follow_what_the_drive_holds_under_each_reading() {
        let one = |files: &[&str], path: &str, iis5: bool| {
            let found = on_drive(files, path, iis5);
            assert_eq!(found.len(), 1, "{path}: {found:#?}");
            let d = found.into_iter().next().unwrap();
            (d.message, d.help.unwrap_or_default(), d.fix)
        };
        let worker = "the filter fails to load (event 2214 or 2268, with the open's Win32 error as data: 02 00 00 00 when the name is not found, 7B 00 00 00 when it is invalid) and its application pool is disabled: 503 Service Unavailable";
        let inetinfo =
            "the filter fails to load into inetinfo.exe and the World Wide Web Publishing Service does not start";
        // Nothing spelled as written; Win32's reading finds the image.
        for (iis5, symptom) in [(false, worker), (true, inetinfo)] {
            let (m, _, fix) = one(&["Filters/f.dll"], r"C:\Filters\f.dll.", iis5);
            assert!(
                m.ends_with(&format!(
                    r"which is a name nothing on the drive has: the open fails (Win32 error 2, the file is not found, or 3 for a folder); if IIS canonicalised the path first it would load `C:\Filters\f.dll` (PE32+ AMD64 DLL), the image mblint found under the Win32 reading. No source says which IIS 6 does. If IIS 6 opens it as written, {symptom}"
                )),
                "{m}"
            );
            assert_eq!(fix.unwrap().applicability, Applicability::Safe);
        }
        // A file spelled as written, and none under Win32's reading: no consequence to state.
        let (m, _, _) = one(&["Filters/g.dll."], r"C:\Filters\g.dll.", false);
        assert!(
            m.ends_with(r"which leads to `C:\Filters\g.dll.`: the drive holds a file spelled that way, and IIS 6 loads it; if IIS canonicalised the path first it would not find the DLL either (`C:\Filters\g.dll` is missing: MB201). No source says which IIS 6 does"),
            "{m}"
        );
        // A DOS device name: the file as written, the device if canonicalised; no fix.
        let (m, help, fix) = one(&["Filters/con.dll"], r"C:\Filters\con.dll", false);
        assert!(
            m.ends_with(&format!(
                "which opens the file of that name, where Win32 would open the device; if IIS canonicalised the path first it would open the CON device, not a file, and fail to load it. No source says which IIS 6 does. If IIS canonicalises it, {worker}"
            )),
            "{m}"
        );
        assert!(fix.is_none());
        assert!(help.starts_with("give the DLL a name that is no DOS device"), "{help}");
        // A spelling and a DOS device name: still no fix (the canonical name is the device).
        let (m, help, fix) = one(&["Filters/f.dll"], r"C:/Filters/con.dll", false);
        assert!(m.contains("which holds `/` inside a name"), "{m}");
        assert!(fix.is_none());
        assert!(help.starts_with("give the DLL a name that is no DOS device"), "{help}");
        // A trailing separator, which Win32 keeps.
        let (m, _, _) = one(&["Filters/f.dll"], r"C:\Filters\f.dll\", false);
        assert!(
            m.ends_with(&format!(
                r"Win32 keeps the separator too, so canonicalising the path would not help; mblint judges the image the path names without it, `C:\Filters\f.dll`. No source says which IIS 6 does. If the file system refuses the name, {worker}"
            )),
            "{m}"
        );
        // A `/` alone is a spelling, not a length.
        let (m, _, _) = one(&["Filters/f.dll"], r"C:/Filters/f.dll", false);
        assert!(
            m.contains(r"IIS 6 opens it as `\\?\C:/Filters/f.dll`, which holds `/` inside a name")
                && !m.contains("MAX_PATH"),
            "{m}"
        );
        // A length alone, the image found there.
        let folder = format!("{}/{}/{}", "a".repeat(100), "b".repeat(100), "c".repeat(60));
        let file = format!("{folder}/f.dll");
        let path = format!(r"C:\{}", file.replace('/', "\\"));
        let (m, _, fix) = one(&[&file], &path, false);
        assert!(
            m.contains(&format!(
                "longer than MAX_PATH (259 without the terminating NUL): IIS 6 opens it as `\\\\?\\...`, which lifts MAX_PATH for the file APIs, and the image mblint found there is `{path}`, but whether"
            )),
            "{m}"
        );
        assert!(fix.is_none());
    }
}
