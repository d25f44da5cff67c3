//! Renders `mblint history`: a timeline of versions, each current finding under the version that
//! introduced it with the keys that version changed, the findings that came and went, and the
//! history files skipped (text); the history and the current file's `check` document (JSON); and
//! for SARIF and GitHub, the current file's findings with their introducing version in the help.

use std::io::Write;

use super::escape::escape;
use super::json;
use crate::history::diff::{KeyChangeKind, KeyDiff};
use crate::history::{FindingKey, History, Version};
use crate::lint::{FileReport, InputFailure};

/// `MetaBase_0000000062_0000000000.xml` as `62.0`; the current file by its name.
fn short(v: &Version) -> String {
    match (v.major, v.minor, v.current) {
        (Some(major), Some(minor), false) => format!("{major}.{minor}"),
        (Some(major), Some(minor), true) => format!("{major}.{minor} (current)"),
        _ => "current".to_string(),
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn changes_summary(d: &KeyDiff) -> String {
    let mut parts = Vec::new();
    if d.added > 0 {
        parts.push(format!("{} added", plural(d.added, "key")));
    }
    if d.changed > 0 {
        parts.push(format!("{} changed", plural(d.changed, "key")));
    }
    if d.removed > 0 {
        parts.push(format!("{} removed", plural(d.removed, "key")));
    }
    parts.join(", ")
}

fn finding_line(f: &FindingKey) -> String {
    let mut out = format!(
        "{} at {}",
        f.code,
        if f.location().is_empty() {
            "(file)"
        } else {
            f.location()
        }
    );
    if !f.attribute().is_empty() {
        out += &format!(" {}", f.attribute());
    }
    if !f.cause().is_empty() {
        let cause: String = f.cause().chars().take(120).collect();
        let more = if cause.len() < f.cause().len() { "…" } else { "" };
        out += &format!(": {cause}{more}");
    }
    out
}

/// The diff of a version against the one before it: only the keys that changed, unified style.
fn write_diff(out: &mut String, diff: &KeyDiff, indent: &str) {
    for key in &diff.keys {
        let (what, lines) = match key.change {
            KeyChangeKind::Added => ("added", format!("line {}", key.new_line.unwrap_or(0))),
            KeyChangeKind::Removed => ("removed", format!("was line {}", key.old_line.unwrap_or(0))),
            KeyChangeKind::Changed => (
                "changed",
                format!("line {} -> {}", key.old_line.unwrap_or(0), key.new_line.unwrap_or(0)),
            ),
        };
        out.push_str(&format!(
            "{indent}@@ {} ({}) {what}, {lines} @@\n",
            escape(&key.location),
            escape(&key.key_type)
        ));
        for line in &key.lines {
            // Tabs as the file has them would shift with the terminal's tab stops: two spaces.
            let text = line.text.replace('\t', "  ");
            out.push_str(&format!("{indent}{}{}\n", line.op.marker(), escape(&text)));
        }
        if key.lines_omitted > 0 {
            out.push_str(&format!("{indent}  … {} more\n", plural(key.lines_omitted, "line")));
        }
    }
    if diff.keys_omitted > 0 {
        out.push_str(&format!(
            "{indent}… and {} more (the JSON output lists the first {})\n",
            plural(diff.keys_omitted, "changed key"),
            diff.keys.len()
        ));
    }
}

/// The text report.
pub fn text(history: &History, current: &FileReport) -> String {
    text_with(history, current, &super::text::TextOptions::default())
}

/// The text report as `--color`, `--charset` and `-q` ask: the severity of each current finding
/// coloured, ASCII `...` for the ellipsis, and no closing summary (the width is not used: the
/// timeline draws no boxes).
pub fn text_with(history: &History, current: &FileReport, options: &super::text::TextOptions) -> String {
    let mut out = timeline(history, current, options);
    if options.ascii {
        // The only character the timeline draws that is not ASCII (a name from the drive that
        // holds one is shown as the console can: it cannot draw it either).
        out = out.replace('…', "...");
    }
    out
}

fn timeline(history: &History, current: &FileReport, options: &super::text::TextOptions) -> String {
    let v = &history.versions;
    let mut out = String::new();
    let cur = &v[history.current];
    let skipped = history.skipped().count() + history.misnamed.len();
    let failed: Vec<&Version> = history.failed().collect();
    out.push_str(&format!(
        "History of {} ({} read, {skipped} skipped{}), then {}{}\n",
        escape(&history.folder),
        plural(
            v.iter().filter(|x| !x.current && x.error.is_none()).count(),
            "history file"
        ),
        if failed.is_empty() {
            String::new()
        } else {
            format!(", {} could not be read", failed.len())
        },
        escape(&cur.path),
        if history.current_from_history {
            " (standing in: there is no current MetaBase.xml)"
        } else {
            ""
        }
    ));
    for w in &history.warnings {
        out.push_str(&format!("warning: {}\n", escape(&w.message)));
    }
    out.push_str("\nVersions, oldest first:\n");
    let width = v.iter().map(|x| short(x).len()).max().unwrap_or(0);
    for x in v {
        let what = if let Some(error) = &x.error {
            let state = if x.failed { "COULD NOT BE READ" } else { "skipped" };
            format!("{state}: {}", escape(error))
        } else {
            let mut parts = vec![plural(x.findings.unwrap_or(0), "finding")];
            match &x.changes {
                None if x.previous.is_none() && !x.current => parts.push("the oldest version read".into()),
                None => {}
                Some(_) if x.unchanged => parts.push("unchanged but for ChangeNumber/HistoryMajorVersionNumber".into()),
                Some(d) => parts.push(changes_summary(d)),
            }
            if !x.introduced.is_empty() {
                parts.push(format!("+{} introduced", x.introduced.len()));
            }
            if !x.removed.is_empty() {
                parts.push(format!("-{} removed", x.removed.len()));
            }
            parts.join(", ")
        };
        let name = if x.current { escape(&x.path) } else { escape(&x.name) };
        out.push_str(&format!("  {:<width$}  {name}: {what}\n", short(x)));
    }

    // The current findings grouped by the version that introduced them, oldest first.
    let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for (i, f) in history.findings.iter().enumerate() {
        match groups.iter_mut().find(|g| g.0 == f.introduced_in) {
            Some(g) => g.1.push(i),
            None => groups.push((f.introduced_in, vec![i])),
        }
    }
    groups.sort_by_key(|g| g.0.map_or(0, |i| i + 1));
    if history.findings.is_empty() {
        out.push_str("\nThe current file has no findings.\n");
    }
    for (version, members) in &groups {
        out.push('\n');
        match version {
            None => out.push_str(&format!(
                "Present since the oldest version read{}:\n",
                history
                    .versions
                    .iter()
                    .find(|x| x.error.is_none())
                    .map(|x| format!(" ({})", escape(&x.name)))
                    .unwrap_or_default()
            )),
            Some(at) => {
                let x = &v[*at];
                let previous = x
                    .previous
                    .map(|p| format!(", compared with {}", escape(&v[p].name)))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "Introduced in {} ({}){previous}:\n",
                    short(x),
                    escape(if x.current { &x.path } else { &x.name })
                ));
            }
        }
        for &i in members {
            let f = &history.findings[i];
            let d = &current.diagnostics[f.diagnostic];
            let (line, _) = current.source.line_col(d.span.start as usize);
            let severity = match (options.color, d.severity) {
                (false, _) => d.severity.as_str().to_string(),
                (true, crate::diagnostic::Severity::Error) => format!("\x1b[1;31m{}\x1b[0m", d.severity.as_str()),
                (true, crate::diagnostic::Severity::Warning) => format!("\x1b[1;33m{}\x1b[0m", d.severity.as_str()),
                (true, _) => format!("\x1b[1;36m{}\x1b[0m", d.severity.as_str()),
            };
            out.push_str(&format!(
                "  {severity} {}: {}\n    at {}{} (line {line})\n",
                d.code,
                escape(&f.message),
                escape(d.location.as_deref().unwrap_or("(file)")),
                d.attribute
                    .as_deref()
                    .map(|a| format!(" {}", escape(a)))
                    .unwrap_or_default()
            ));
            let later: Vec<String> = f
                .places
                .iter()
                .filter(|p| p.introduced_in.is_some() && p.introduced_in != f.introduced_in)
                .map(|p| {
                    format!(
                        "{} (in {})",
                        escape(p.finding.location()),
                        short(&v[p.introduced_in.expect("filtered")])
                    )
                })
                .collect();
            if !later.is_empty() {
                let shown = later.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
                let more = later.len().saturating_sub(5);
                out.push_str(&format!(
                    "    places added later: {shown}{}\n",
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ));
            }
        }
        if let Some(at) = version
            && let Some(diff) = &v[*at].changes
        {
            out.push_str(&format!("  the change ({}):\n", changes_summary(diff)));
            write_diff(&mut out, diff, "    ");
        }
    }

    if !history.gone.is_empty() {
        out.push_str("\nFindings that appeared and went again:\n");
        for e in &history.gone {
            let appeared = e
                .appeared_in
                .map_or_else(|| "the oldest version read".to_string(), |a| short(&v[a]));
            out.push_str(&format!(
                "  {}: in {appeared}, gone in {}\n",
                escape(&finding_line(&e.finding)),
                short(&v[e.gone_in])
            ));
        }
    }
    if !failed.is_empty() {
        out.push_str("\nHistory files that could not be read (inputs not checked: exit code 2):\n");
        for x in &failed {
            out.push_str(&format!(
                "  {}: {}\n",
                escape(&x.path),
                escape(x.error.as_deref().unwrap_or(""))
            ));
        }
    }
    if !history.unread.is_empty() {
        out.push_str("\nISAPI DLLs of the current file that could not be read (inputs not checked: exit code 2):\n");
        for f in &history.unread {
            out.push_str(&format!("  {}: {}\n", escape(&f.path), escape(&f.error)));
        }
    }
    if skipped > 0 {
        out.push_str("\nHistory files skipped (named like a version but not one, or not a whole metabase):\n");
        let listed = history
            .skipped()
            .map(|x| (&x.path, x.error.as_deref().unwrap_or("")))
            .chain(history.misnamed.iter().map(|m| (&m.path, m.reason.as_str())));
        for (path, why) in listed {
            out.push_str(&format!("  {}: {}\n", escape(path), escape(why)));
        }
    }
    if options.quiet {
        return out;
    }
    let counts = super::Counts::of(&current.diagnostics);
    let introduced_versions = groups.iter().filter(|g| g.0.is_some()).count();
    out.push_str(&format!(
        "\n{} in the current file ({} errors, {} warnings, {} info); introduced in {}; {} came and went; {} skipped{}.\n",
        plural(counts.total(), "finding"),
        counts.error,
        counts.warning,
        counts.info,
        plural(introduced_versions, "version"),
        plural(history.gone.len(), "finding"),
        plural(skipped, "history file"),
        match (failed.len(), history.unread.len()) {
            (0, 0) => String::new(),
            (0, dlls) => format!("; {} could not be read: this is no pass", plural(dlls, "ISAPI DLL")),
            (versions, 0) => format!(
                "; {} could not be read: this is no pass",
                plural(versions, "history file")
            ),
            (versions, dlls) => format!(
                "; {} and {} could not be read: this is no pass",
                plural(versions, "history file"),
                plural(dlls, "ISAPI DLL")
            ),
        }
    ));
    out
}

/// The text report of a history that could not be judged at all: what could not be read, and why.
pub fn failure_text(failure: &InputFailure, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"mblint history: nothing was checked.\n")?;
    super::text::write(&[], std::slice::from_ref(failure), Default::default(), out)
}

/// The JSON document of a history that could not be judged at all: `history` is null, and `check`
/// lists the input that could not be read, as `check --format json` lists one.
pub fn failure_json(failure: &InputFailure, out: &mut impl Write) -> std::io::Result<()> {
    let mut p = super::pretty::Pretty::new(&mut *out);
    p.begin_object();
    p.key("tool");
    p.value(&json::Tool {
        name: "mblint",
        version: env!("CARGO_PKG_VERSION"),
    })?;
    p.key("history");
    p.null();
    p.key("check");
    json::write_object(&mut p, &[], std::slice::from_ref(failure))?;
    p.end_object();
    p.raw(b"\n");
    p.finish()?;
    Ok(())
}

/// The JSON document: the history, and the current file as `check --format json` reports it
/// (written as `check` writes it: a finding's every place without serde's per-byte writes).
pub fn json(history: &History, current: &FileReport, out: &mut impl Write) -> std::io::Result<()> {
    let mut p = super::pretty::Pretty::new(&mut *out);
    p.begin_object();
    p.key("tool");
    p.value(&json::Tool {
        name: "mblint",
        version: env!("CARGO_PKG_VERSION"),
    })?;
    p.key("history");
    p.value(history)?;
    p.key("check");
    json::write_object(&mut p, std::slice::from_ref(current), &history.failures())?;
    p.end_object();
    p.raw(b"\n");
    p.finish()?;
    Ok(())
}

/// The current file's report with each finding's help saying when it appeared, for SARIF and
/// GitHub; the history files that could not be read, as inputs not checked; and the files skipped
/// and the warnings, as notes ([`History::notes`]).
pub fn annotated(history: &History, current: &FileReport) -> (FileReport, Vec<InputFailure>, Vec<InputFailure>) {
    let mut report = FileReport {
        source: crate::metabase::SourceFile::with_encoding(
            current.source.name.clone(),
            current.source.encoding,
            current.source.text.to_string(),
        ),
        drives: current.drives.clone(),
        diagnostics: current.diagnostics.clone(),
        worker: current.worker.clone(),
        server: current.server.clone(),
        edit_while_running: current.edit_while_running,
        isapi_count: current.isapi_count,
        dll_map: None,
        unread: current.unread.clone(),
    };
    for f in &history.findings {
        let d = &mut report.diagnostics[f.diagnostic];
        let when = match f.introduced_in {
            Some(at) => {
                let x = &history.versions[at];
                format!(
                    "history: introduced in {}{}",
                    x.name,
                    x.changes
                        .as_ref()
                        .map(|c| format!(" ({})", changes_summary(c)))
                        .unwrap_or_default()
                )
            }
            None => "history: present since the oldest metabase version read".to_string(),
        };
        d.help = Some(match d.help.take() {
            Some(h) => format!("{h}; {when}"),
            None => when,
        });
    }
    (report, history.failures(), history.notes())
}
