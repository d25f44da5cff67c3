//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one run, every rule with its
//! document as help, `results: []` when clean, 1-based regions counted in Unicode code points,
//! artifact URIs relative to the working folder (`%SRCROOT%`).

use std::io::Write;

use serde_json::{Value, json};

use super::pretty::{self, Cursor, Fill, Pretty};

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{FileReport, InputFailure};
use crate::metabase::Span;
use crate::rules::{FixAvailability, RULES};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encodes a path for a URI, keeping `/`, the unreserved characters and `$` (a sub-delim
/// RFC 3986 allows in a path segment, and the `$` of `c$` that every admin share has). Everything
/// else, `:` included, is encoded, so no segment of a relative reference reads as a scheme.
fn encode(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b'$' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The artifact location of a file as named on the command line: relative to `%SRCROOT%` (the
/// working folder) when it can be, else an absolute `file:` URI as RFC 8089 writes them.
pub fn artifact_location(name: &str) -> Value {
    let cwd = std::env::current_dir().ok();
    #[cfg(windows)]
    {
        // `\reports\x.xml` and `D:x.xml` are relative to a drive, not to the working folder:
        // made absolute as Windows reads them (GetFullPathNameW, through std::path::absolute).
        let path = std::path::Path::new(name);
        if !path.is_absolute()
            && path
                .components()
                .next()
                .is_some_and(|c| matches!(c, std::path::Component::Prefix(_) | std::path::Component::RootDir))
            && let Ok(full) = std::path::absolute(path)
        {
            return location(&full.to_string_lossy(), cwd.as_deref().and_then(|c| c.to_str()), true);
        }
    }
    location(name, cwd.as_deref().and_then(|c| c.to_str()), cfg!(windows))
}

/// A path's root, as a URI sees it: none (relative), the local root, a drive, or a UNC share's host.
#[derive(Debug, PartialEq)]
enum Root<'a> {
    Relative,
    Local,
    Drive(char),
    Host(&'a str),
}

/// Splits a path into its root and its components (no empty ones, no `.`). With `windows`, `\`
/// and `/` both separate, and `\\?\C:\`, `\\?\UNC\host\`, `\\host\` and `C:\` are roots (the
/// share name is the first component after a host); without, only `/` separates and roots.
fn split(path: &str, windows: bool) -> (Root<'_>, Vec<&str>) {
    let is_sep = |c: char| c == '/' || (windows && c == '\\');
    let mut rest = path;
    let mut root = Root::Relative;
    if windows {
        if let Some(r) = rest.strip_prefix(r"\\?\").or_else(|| rest.strip_prefix("//?/")) {
            rest = r;
            if let Some(unc) = r.strip_prefix(r"UNC\") {
                let (host, tail) = unc.split_once('\\').unwrap_or((unc, ""));
                return (Root::Host(host), components(tail, is_sep));
            }
        } else if rest.len() > 2 && rest.starts_with(is_sep) && rest[1..].starts_with(is_sep) {
            let unc = &rest[2..];
            let (host, tail) = unc.split_once(is_sep).unwrap_or((unc, ""));
            return (Root::Host(host), components(tail, is_sep));
        }
        let b = rest.as_bytes();
        if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
            root = Root::Drive(char::from(b[0]).to_ascii_uppercase());
            rest = &rest[2..];
        } else if rest.starts_with(is_sep) {
            root = Root::Local;
        }
    } else if rest.starts_with('/') {
        root = Root::Local;
    }
    (root, components(rest, is_sep))
}

fn components(path: &str, is_sep: impl Fn(char) -> bool) -> Vec<&str> {
    path.split(is_sep).filter(|c| !c.is_empty() && *c != ".").collect()
}

/// [`artifact_location`] for a working folder `cwd` and a platform (`windows`: Windows paths,
/// compared without regard to letter case, as NTFS names them): a pure function, so both
/// platforms' URIs are tested on each.
///
/// RFC 8089 (<https://www.rfc-editor.org/rfc/rfc8089>): a local file is `file:///path`; a DOS
/// drive path keeps its letter and colon as the first segment, `file:///C:/x.xml` (appendix E.2);
/// a UNC path puts its host in the authority, `file://iis01/c$/x.xml` (appendix E.3.1, the
/// "non-local files" form).
fn location(name: &str, cwd: Option<&str>, windows: bool) -> Value {
    let (root, parts) = split(name, windows);
    if root == Root::Relative {
        // On Windows a relative path with a drive-less root never gets here (made absolute first);
        // a bare drive-relative `C:x` did not either.
        return json!({ "uri": encode(&parts.join("/")), "uriBaseId": "%SRCROOT%" });
    }
    if let Some((cwd_root, cwd_parts)) = cwd.map(|c| split(c, windows)) {
        let same = |a: &str, b: &str| {
            if windows {
                a.to_lowercase() == b.to_lowercase()
            } else {
                a == b
            }
        };
        let same_root = match (&root, &cwd_root) {
            (Root::Host(a), Root::Host(b)) => same(a, b),
            (a, b) => a == b,
        };
        if same_root && parts.len() > cwd_parts.len() && parts.iter().zip(&cwd_parts).all(|(a, b)| same(a, b)) {
            return json!({ "uri": encode(&parts[cwd_parts.len()..].join("/")), "uriBaseId": "%SRCROOT%" });
        }
    }
    let path = encode(&parts.join("/"));
    let uri = match root {
        Root::Drive(letter) => format!("file:///{letter}:/{path}"),
        Root::Host(host) => format!("file://{}/{path}", encode(host)),
        _ => format!("file:///{path}"),
    };
    json!({ "uri": uri })
}

fn rules() -> Vec<Value> {
    RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.doc, "markdown": r.doc },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": {
                    "fix": match r.fix {
                        FixAvailability::None => "none",
                        FixAvailability::Sometimes => "sometimes",
                        FixAvailability::Always => "always",
                    },
                    "fixKinds": crate::rules::fixes::kinds(r.code).iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                },
            })
        })
        .collect()
}

/// A file's artifact location as JSON text, escaped once and written into every place in it.
struct Artifact {
    uri: Vec<u8>,
    relative: bool,
}

impl Artifact {
    fn of(name: &str) -> Artifact {
        let value = artifact_location(name);
        Artifact {
            uri: pretty::escaped(value["uri"].as_str().unwrap_or_default()),
            relative: value.get("uriBaseId").is_some(),
        }
    }

    fn write<W: Write>(&self, p: &mut Pretty<W>) {
        p.begin_object();
        p.key("uri");
        p.raw(&self.uri);
        if self.relative {
            p.key("uriBaseId");
            p.raw(b"\"%SRCROOT%\"");
        }
        p.end_object();
    }
}

/// `{ "text": ... }`.
fn text<W: Write>(p: &mut Pretty<W>, text: &str) {
    p.begin_object();
    p.key("text");
    p.str(text);
    p.end_object();
}

/// A region: 1-based lines, columns in code points, keys in SARIF's (alphabetical) order.
fn region<W: Write>(
    p: &mut Pretty<W>,
    (start_line, start_column): (usize, usize),
    (end_line, end_column): (usize, usize),
) {
    p.begin_object();
    p.key("endColumn");
    p.uint(end_column as u64);
    p.key("endLine");
    p.uint(end_line as u64);
    p.key("startColumn");
    p.uint(start_column as u64);
    p.key("startLine");
    p.uint(start_line as u64);
    p.end_object();
}

/// A region, its four numbers left as holes (see [`fill_region`]).
fn region_shape<W: Write>(r: &mut Pretty<W>) {
    r.begin_object();
    for key in ["endColumn", "endLine", "startColumn", "startLine"] {
        r.key(key);
        r.hole();
    }
    r.end_object();
}

/// The values of a [`region_shape`].
#[inline]
fn fill_region<W: Write>(
    w: &mut Fill<'_, '_, W>,
    (start_line, start_column): (usize, usize),
    (end_line, end_column): (usize, usize),
) {
    w.uint(end_column as u64);
    w.uint(end_line as u64);
    w.uint(start_column as u64);
    w.uint(start_line as u64);
}

/// A physical location: the file and the region of `span` in it.
fn physical<W: Write>(p: &mut Pretty<W>, artifact: &Artifact, start: (usize, usize), end: (usize, usize)) {
    p.begin_object();
    p.key("artifactLocation");
    artifact.write(p);
    p.key("region");
    region(p, start, end);
    p.end_object();
}

/// Where a span starts and ends, found by the cursor of its file.
fn ends(cursor: &mut Cursor, span: Span) -> ((usize, usize), (usize, usize)) {
    (cursor.line_col(span.start as usize), cursor.line_col(span.end as usize))
}

/// One result: the finding at its primary place, every other place a related location, the fix's
/// every edit a replacement. Written by hand, in the order and form serde wrote it (keys sorted, as
/// SARIF tools and our tests expect).
fn write_result<W: Write>(
    p: &mut Pretty<W>,
    cursor: &mut Cursor,
    d: &Diagnostic,
    artifact: &Artifact,
    reports: &[FileReport],
    artifacts: &[Artifact],
) -> std::io::Result<()> {
    p.begin_object();
    if let Some(fix) = &d.fix {
        p.key("fixes");
        p.begin_array();
        p.element();
        p.begin_object();
        p.key("artifactChanges");
        p.begin_array();
        p.element();
        p.begin_object();
        p.key("artifactLocation");
        artifact.write(p);
        p.key("replacements");
        p.begin_array();
        let mut shape = None;
        for e in &fix.edits {
            p.element();
            let shape = shape.get_or_insert_with(|| {
                p.shape(|r| {
                    r.begin_object();
                    r.key("deletedRegion");
                    region_shape(r);
                    r.key("insertedContent");
                    r.begin_object();
                    r.key("text");
                    r.hole();
                    r.end_object();
                    r.end_object();
                })
            });
            let (start, end) = ends(cursor, e.span);
            let mut w = shape.fill(p);
            fill_region(&mut w, start, end);
            w.str(&e.content);
            w.end();
            p.flush_if_full()?;
        }
        p.end_array();
        p.end_object();
        p.end_array();
        p.key("description");
        text(p, &format!("{} ({} fix)", fix.message, fix.applicability.as_str()));
        p.key("properties");
        p.begin_object();
        p.key("applicability");
        p.str(fix.applicability.as_str());
        p.key("restart");
        p.bool(fix.restart);
        p.end_object();
        p.end_object();
        p.end_array();
    }
    p.key("level");
    p.str(level(d.severity));
    p.key("locations");
    p.begin_array();
    p.element();
    p.begin_object();
    if let Some(location) = d.location.as_deref() {
        p.key("logicalLocations");
        p.begin_array();
        p.element();
        p.begin_object();
        p.key("fullyQualifiedName");
        p.str(location);
        p.key("kind");
        p.str("object");
        p.end_object();
        p.end_array();
    }
    p.key("physicalLocation");
    let (start, end) = ends(cursor, d.span);
    physical(p, artifact, start, end);
    p.end_object();
    p.end_array();
    p.key("message");
    let mut message = d.headline().into_owned();
    if let Some(help) = &d.help {
        message.push_str("\n\nHelp: ");
        message.push_str(help);
    }
    text(p, &message);
    p.key("properties");
    p.begin_object();
    p.key("evidence");
    p.value(&d.evidence)?;
    p.end_object();
    // The other places of the same cause follow the related places, every one of them. A related
    // place in another file (`mblint compare`: another node) is placed in it; one in a file no
    // report holds is left out.
    if !d.related.is_empty() || !d.occurrences.is_empty() {
        p.key("relatedLocations");
        p.begin_array();
        let mut id = 0u64;
        for r in &d.related {
            let (start, end, artifact) = match r.file.as_deref() {
                None => {
                    let (start, end) = ends(cursor, r.span);
                    (start, end, artifact)
                }
                Some(name) => {
                    let Some(j) = reports.iter().position(|other| other.source.name == name) else {
                        continue;
                    };
                    let source = &reports[j].source;
                    let start = source.line_col(r.span.start as usize);
                    (start, source.line_col(r.span.end as usize), &artifacts[j])
                }
            };
            id += 1;
            related(p, id, &r.message, artifact, start, end);
        }
        let mut shape = None;
        for o in &d.occurrences {
            id += 1;
            p.element();
            // The message and the file are the same for every place: part of the shape.
            let shape = shape.get_or_insert_with(|| {
                p.shape(|r| {
                    r.begin_object();
                    r.key("id");
                    r.hole();
                    r.key("message");
                    text(r, "the same cause here");
                    r.key("physicalLocation");
                    r.begin_object();
                    r.key("artifactLocation");
                    artifact.write(r);
                    r.key("region");
                    region_shape(r);
                    r.end_object();
                    r.end_object();
                })
            });
            let (start, end) = ends(cursor, o.span);
            let mut w = shape.fill(p);
            w.uint(id);
            fill_region(&mut w, start, end);
            w.end();
            p.flush_if_full()?;
        }
        p.end_array();
    }
    p.key("ruleId");
    p.str(d.code);
    if let Some(index) = RULES.iter().position(|r| r.code == d.code) {
        p.key("ruleIndex");
        p.uint(index as u64);
    }
    p.end_object();
    Ok(())
}

fn related<W: Write>(
    p: &mut Pretty<W>,
    id: u64,
    message: &str,
    artifact: &Artifact,
    start: (usize, usize),
    end: (usize, usize),
) {
    p.element();
    p.begin_object();
    p.key("id");
    p.uint(id);
    p.key("message");
    text(p, message);
    p.key("physicalLocation");
    physical(p, artifact, start, end);
    p.end_object();
}

/// The SARIF log of `reports`, written as it is serialised: the constant parts are small values,
/// the results a stream, so memory does not grow with the number of findings or places. Each input
/// that could not be checked is a `toolExecutionNotifications` entry saying why, and makes
/// `executionSuccessful` false.
pub fn write(reports: &[FileReport], failures: &[InputFailure], out: &mut impl std::io::Write) -> std::io::Result<()> {
    write_with_warnings(reports, failures, &[], out)
}

/// [`write`], and a `warning` notification for each of `warnings`: inputs passed over on purpose,
/// or what the reader must know about one, each `error` a sentence that reads alone. Warnings leave
/// `executionSuccessful` as the failures make it.
pub fn write_with_warnings(
    reports: &[FileReport],
    failures: &[InputFailure],
    warnings: &[InputFailure],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let successful = failures.is_empty();
    let file_artifacts: Vec<Artifact> = reports.iter().map(|r| Artifact::of(&r.source.name)).collect();
    // Each file's server model (platform, isolation mode, Windows folder, with their evidence) and
    // worker summary, as properties of its artifact.
    let mut artifacts: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({
                "location": artifact_location(&r.source.name),
                "properties": { "server": r.server, "worker": r.worker },
            })
        })
        .collect();
    artifacts.extend(
        failures
            .iter()
            .filter(|f| !reports.iter().any(|r| r.source.name == f.path))
            .map(|f| json!({ "location": artifact_location(&f.path), "properties": { "error": f.error } })),
    );
    let notifications: Vec<Value> = failures
        .iter()
        .map(|f| {
            let text = match super::checked_report(f, reports) {
                Some(_) => format!("{} was checked, but its fixes were not written: {}", f.path, f.error),
                None => format!("{} could not be checked: {}", f.path, f.error),
            };
            json!({
                "level": "error",
                "message": { "text": text },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact_location(&f.path) } }],
            })
        })
        .chain(warnings.iter().map(|w| {
            json!({
                "level": "warning",
                "message": { "text": w.error },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact_location(&w.path) } }],
            })
        }))
        .collect();
    let invocations = json!([{ "executionSuccessful": successful, "toolExecutionNotifications": notifications }]);
    let original_uri_base_ids = json!({
        "%SRCROOT%": { "description": { "text": "The folder mblint ran in." } },
    });
    let tool = json!({
        "driver": {
            "name": "mblint",
            "informationUri": env!("CARGO_PKG_REPOSITORY"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules(),
        },
    });
    let mut p = Pretty::new(&mut *out);
    p.begin_object();
    p.key("$schema");
    p.str("https://json.schemastore.org/sarif-2.1.0.json");
    p.key("runs");
    p.begin_array();
    p.element();
    p.begin_object();
    p.key("artifacts");
    p.value(&artifacts)?;
    p.key("columnKind");
    p.str("unicodeCodePoints");
    p.key("invocations");
    p.value(&invocations)?;
    p.key("originalUriBaseIds");
    p.value(&original_uri_base_ids)?;
    // Every result of every report, written one at a time: only one finding's SARIF is ever in
    // memory, and each place is a few appends.
    p.key("results");
    p.begin_array();
    for (report, artifact) in reports.iter().zip(&file_artifacts) {
        if report.diagnostics.is_empty() {
            // A file without findings never builds its line index.
            continue;
        }
        let mut cursor = Cursor::new(&report.source);
        for d in &report.diagnostics {
            p.element();
            write_result(&mut p, &mut cursor, d, artifact, reports, &file_artifacts)?;
            p.flush_if_full()?;
        }
    }
    p.end_array();
    p.key("tool");
    p.value(&tool)?;
    p.end_object();
    p.end_array();
    p.key("version");
    p.str("2.1.0");
    p.end_object();
    p.raw(b"\n");
    p.finish()?;
    Ok(())
}

/// The SARIF log as a value, for tests and tools that want to inspect it.
pub fn build(reports: &[FileReport], failures: &[InputFailure]) -> Value {
    let mut out = Vec::new();
    write(reports, failures, &mut out).expect("writing to memory does not fail");
    serde_json::from_slice(&out).expect("mblint writes valid JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            artifact_location("testdata/servers/x/Program Files (x86)/MetaBase.xml"),
            json!({ "uri": "testdata/servers/x/Program%20Files%20%28x86%29/MetaBase.xml", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(artifact_location("./a/b.xml")["uri"], "a/b.xml");
        let outside = if cfg!(windows) {
            r"\\elsewhere\share\MetaBase.xml"
        } else {
            "/elsewhere/MetaBase.xml"
        };
        let expected = if cfg!(windows) {
            "file://elsewhere/share/MetaBase.xml"
        } else {
            "file:///elsewhere/MetaBase.xml"
        };
        assert_eq!(artifact_location(outside)["uri"], expected);
        let inside = std::env::current_dir().unwrap().join("reports").join("x.xml");
        assert_eq!(
            artifact_location(&inside.to_string_lossy()),
            json!({ "uri": "reports/x.xml", "uriBaseId": "%SRCROOT%" })
        );
    }

    fn uri(name: &str, cwd: &str, windows: bool) -> Value {
        location(name, Some(cwd), windows)
    }

    #[test]
    fn windows_paths_are_rfc_8089_file_uris() {
        let w = |name| uri(name, r"D:\work", true);
        assert_eq!(w(r"C:\x.xml"), json!({ "uri": "file:///C:/x.xml" }));
        assert_eq!(
            w(r"c:\Program Files\x.xml"),
            json!({ "uri": "file:///C:/Program%20Files/x.xml" })
        );
        assert_eq!(
            w(r"\\iis01\c$\WINDOWS\system32\inetsrv\MetaBase.xml"),
            json!({ "uri": "file://iis01/c$/WINDOWS/system32/inetsrv/MetaBase.xml" })
        );
        assert_eq!(w(r"\\?\C:\x.xml"), json!({ "uri": "file:///C:/x.xml" }));
        assert_eq!(w(r"\\?\UNC\iis01\c$\x.xml"), json!({ "uri": "file://iis01/c$/x.xml" }));
        assert_eq!(w("C:/x.xml"), json!({ "uri": "file:///C:/x.xml" }));
        // Relative stays relative, in either separator; under the working folder becomes relative,
        // in any letter case.
        assert_eq!(
            w(r"reports\x.xml"),
            json!({ "uri": "reports/x.xml", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            w(r"d:\WORK\reports\x.xml"),
            json!({ "uri": "reports/x.xml", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(w(r"D:\workshop\x.xml"), json!({ "uri": "file:///D:/workshop/x.xml" }));
        // A relative name whose first segment has a colon is not read as a scheme.
        assert_eq!(uri("a:b.xml", "/w", false)["uri"], "a%3Ab.xml");
        // The working folder on a share.
        let on_share = uri(r"\\IIS01\C$\x\y.xml", r"\\iis01\c$\x", true);
        assert_eq!(on_share, json!({ "uri": "y.xml", "uriBaseId": "%SRCROOT%" }));
    }

    #[test]
    fn unix_paths_are_file_uris() {
        assert_eq!(uri("/srv/x.xml", "/work", false), json!({ "uri": "file:///srv/x.xml" }));
        assert_eq!(
            uri("/work/a/x.xml", "/work", false),
            json!({ "uri": "a/x.xml", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            uri("/WORK/a/x.xml", "/work", false),
            json!({ "uri": "file:///WORK/a/x.xml" })
        );
        // On unix a backslash is part of a name.
        assert_eq!(uri(r"a\b.xml", "/work", false)["uri"], "a%5Cb.xml");
    }
}
