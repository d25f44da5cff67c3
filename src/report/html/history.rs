//! The page of `mblint history`: whether the current file was read (first: an unreadable one is
//! the red banner and the page says nothing else), the history files that could not be read (red:
//! inputs not checked, exit 2), what the reader must know (amber: a history file standing in for a
//! missing current file, a current file older than the history or not where IIS keeps it), the
//! history files skipped (amber: warnings, not failures), a timeline of the versions in order, the current file's findings grouped by the
//! version that introduced them under that version's key diff (the findings collapsed, with their
//! source lines and fixes inside), each version's introduced and removed
//! findings (collapsed), the findings that appeared and went again, and the current server.

use std::collections::BTreeMap;

use super::check::{self, LINE_BYTES_SHOWN, OCCURRENCES_SHOWN};
use super::kit::{self, Anchor, CELL_BYTES, Html, PAGE_BUDGET, PAGE_LIMIT, Tone};
use crate::history::diff::{KeyChangeKind, KeyDiff, LineOp};
use crate::history::{FindingKey, History, Version};
use crate::lint::{FileReport, InputFailure};
use crate::report::Counts;

/// Lines of one version's key diff drawn (the JSON output lists its first keys in full).
pub const KEY_DIFF_LINES_SHOWN: usize = 400;
/// Rows of the findings that came and went.
pub const GONE_ROWS_SHOWN: usize = 1_000;

/// Writes the page.
pub fn write(history: &History, current: &FileReport, out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all(render(history, current).as_bytes())
}

/// Writes the page of a history that could not be read: the current file (or the History folder)
/// is `failure`, and the page is its red banner (never fail open).
pub fn write_failure(failure: &InputFailure, out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all(render_failure(failure).as_bytes())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", kit::grouped(n), if n == 1 { one } else { many })
}

/// `62.0`; the current file `current` (or `65.0 (current)` when a history file stands for it).
pub fn short(v: &Version) -> String {
    match (v.major, v.minor, v.current) {
        (Some(major), Some(minor), false) => format!("{major}.{minor}"),
        (Some(major), Some(minor), true) => format!("{major}.{minor} (current)"),
        _ => "current".to_string(),
    }
}

fn version_anchor(at: usize) -> Anchor {
    Anchor::new("v", &[at + 1])
}

fn header(h: &mut Html, meta: &str, counts: Option<Counts>) {
    h.open("header", "");
    h.el("h1", "", "mblint history");
    h.open("p", "meta");
    h.text(meta);
    if let Some(c) = counts {
        h.text(" · ");
        check::counts_badges(h, c);
    }
    h.close("p").close("header");
}

fn footer(h: &mut Html) {
    h.open("footer", "");
    h.text(&format!(
        "Written by mblint {}. Self-contained: no script, and nothing is loaded from anywhere. Limits: {OCCURRENCES_SHOWN} findings listed per version and change, {KEY_DIFF_LINES_SHOWN} lines per key diff, {GONE_ROWS_SHOWN} findings that came and went; past {} MiB the page lists what remains in brief. `mblint history --format json` holds everything.",
        env!("CARGO_PKG_VERSION"),
        PAGE_BUDGET >> 20
    ));
    h.close("footer");
}

/// The page of a history that could not be read.
pub fn render_failure(failure: &InputFailure) -> String {
    let mut h = Html::new();
    header(
        &mut h,
        &format!("mblint {} · nothing was checked", env!("CARGO_PKG_VERSION")),
        None,
    );
    check::inputs_banner(&mut h, 0, std::slice::from_ref(failure));
    footer(&mut h);
    kit::document("mblint history: not read", &h)
}

/// `1 key added, 1 key changed`.
fn changes_summary(d: &KeyDiff) -> String {
    let mut parts = Vec::new();
    if d.added > 0 {
        parts.push(format!("{} added", plural(d.added, "key", "keys")));
    }
    if d.changed > 0 {
        parts.push(format!("{} changed", plural(d.changed, "key", "keys")));
    }
    if d.removed > 0 {
        parts.push(format!("{} removed", plural(d.removed, "key", "keys")));
    }
    if parts.is_empty() {
        "no key changed".into()
    } else {
        parts.join(", ")
    }
}

/// What a version is, in a few words.
fn state(v: &Version) -> (Tone, String) {
    if let Some(error) = &v.error {
        return (if v.failed { Tone::Bad } else { Tone::Warn }, error.clone());
    }
    let tone = if !v.introduced.is_empty() {
        Tone::Bad
    } else if !v.removed.is_empty() {
        Tone::Good
    } else {
        Tone::Unknown
    };
    let what = match &v.changes {
        None if v.previous.is_none() && !v.current => "the oldest version read".to_string(),
        None if v.current => "does not parse (see its MB001), not compared".to_string(),
        None => String::new(),
        Some(_) if v.unchanged => "unchanged but for ChangeNumber and HistoryMajorVersionNumber".to_string(),
        Some(d) => changes_summary(d),
    };
    (tone, what)
}

/// The page.
pub fn render(history: &History, current: &FileReport) -> String {
    let v = &history.versions;
    let cur = &v[history.current];
    let read = v.iter().filter(|x| !x.current && x.error.is_none()).count();
    let skipped: Vec<(&str, &str)> = history
        .skipped()
        .map(|x| (x.path.as_str(), x.error.as_deref().unwrap_or("")))
        .chain(history.misnamed.iter().map(|m| (m.path.as_str(), m.reason.as_str())))
        .collect();
    let failures = history.failures();
    let counts = Counts::of(&current.diagnostics);
    let mut h = Html::new();
    header(
        &mut h,
        &format!(
            "History of {}: {} read, {} skipped{}, then {} · mblint {}",
            history.folder,
            plural(read, "history file", "history files"),
            kit::grouped(skipped.len()),
            if failures.is_empty() {
                String::new()
            } else {
                format!(", {} could not be read", kit::grouped(failures.len()))
            },
            cur.path,
            env!("CARGO_PKG_VERSION")
        ),
        Some(counts),
    );

    // First the verdict on the current file (what fails today, and what to do), then what could
    // not be read (never fail open), then whether the current file was read (it was, or there
    // would be no history) and parsed.
    check::verdict_banner(&mut h, std::slice::from_ref(current), failures.len());
    if !failures.is_empty() {
        check::inputs_banner(&mut h, read + 1, &failures);
    }
    if history.current_from_history {
        kit::banner(
            &mut h,
            Tone::Warn,
            None,
            "There is no current MetaBase.xml: the newest history file that reads stands in for it",
            |h| {
                h.open("p", "").el("code", "", &cur.path);
                h.text(&format!(
                    " was checked as the current file, with {}: the findings and the exit code are that version's.",
                    plural(read, "history file", "history files")
                ));
                h.close("p");
            },
        );
    } else if current.worker.is_some() {
        kit::banner(
            &mut h,
            Tone::Good,
            None,
            &format!(
                "The current file was read and checked, and {} with it",
                plural(read, "history file", "history files")
            ),
            |h| {
                h.open("p", "").el("code", "", &cur.path).close("p");
            },
        );
    } else {
        kit::banner(
            &mut h,
            Tone::Bad,
            None,
            "The current file does not parse: its MB001 finding says where, and no version is compared with it",
            |h| {
                h.open("p", "").el("code", "", &cur.path).close("p");
            },
        );
    }
    if !history.warnings.is_empty() {
        kit::banner(
            &mut h,
            Tone::Warn,
            Some(&Anchor::new("warnings", &[])),
            &format!(
                "{} about what was checked",
                plural(history.warnings.len(), "warning", "warnings")
            ),
            |h| {
                h.open("ul", "");
                for w in &history.warnings {
                    h.prose_el("li", "", &w.message);
                }
                h.close("ul");
            },
        );
    }
    if !skipped.is_empty() {
        kit::banner(
            &mut h,
            Tone::Warn,
            Some(&Anchor::new("skipped", &[])),
            &format!(
                "{} skipped: named like a version but not one, or not a whole metabase (a warning: the timeline goes on without {})",
                plural(skipped.len(), "history file", "history files"),
                if skipped.len() == 1 { "it" } else { "them" }
            ),
            |h| {
                h.open("ul", "");
                for (path, why) in skipped.iter().take(OCCURRENCES_SHOWN * 5) {
                    h.open("li", "").el("code", "", path).text(": ").text(why).close("li");
                }
                if skipped.len() > OCCURRENCES_SHOWN * 5 {
                    h.el(
                        "li",
                        "muted",
                        &format!("and {}", plural(skipped.len() - OCCURRENCES_SHOWN * 5, "more", "more")),
                    );
                }
                h.close("ul");
            },
        );
    }
    h.open("nav", "").open("p", "");
    h.link(&Anchor::new("timeline", &[]), "Timeline").text(" · ");
    h.link(&Anchor::new("findings", &[]), "Current findings by version")
        .text(" · ");
    h.link(&Anchor::new("versions", &[]), "Each version").text(" · ");
    h.link(&Anchor::new("gone", &[]), "Came and went").text(" · ");
    h.link(&Anchor::new("server", &[]), "The server");
    h.close("p").close("nav");

    timeline(&mut h, history);
    current_findings(&mut h, history, current);
    versions(&mut h, history);
    gone(&mut h, history);
    kit::section(
        &mut h,
        "server",
        &Anchor::new("server", &[]),
        "The server (current file)",
        |h| {
            check::server_cards(h, current);
        },
    );
    footer(&mut h);
    kit::document(&format!("mblint history: {}", history.folder), &h)
}

fn timeline(h: &mut Html, history: &History) {
    kit::section(
        h,
        "timeline",
        &Anchor::new("timeline", &[]),
        "Timeline (oldest first)",
        |h| {
            kit::legend(
                h,
                &[
                    (Tone::Bad, "introduced findings"),
                    (Tone::Good, "removed findings only"),
                    (Tone::Bad, "not read (exit 2)"),
                    (Tone::Warn, "skipped"),
                    (Tone::Unknown, "no finding came or went"),
                ],
            );
            let total = history.versions.len();
            let mut shown = 0;
            kit::table(
                h,
                "timeline",
                &["Version", "File", "State", "Findings", "Introduced", "Removed"],
                |h| {
                    for (at, x) in history.versions.iter().enumerate() {
                        if h.len() >= PAGE_LIMIT {
                            break;
                        }
                        shown += 1;
                        let (tone, what) = state(x);
                        kit::row(h, tone.row(), |h| {
                            h.open("td", "mono").link(&version_anchor(at), &short(x)).close("td");
                            h.open("td", "")
                                .open("code", "nowrap")
                                .text_max(if x.current { &x.path } else { &x.name }, CELL_BYTES)
                                .close("code")
                                .close("td");
                            h.open("td", "");
                            if x.failed {
                                kit::badge(h, Tone::Bad, "not read");
                                h.raw(" ");
                            } else if x.error.is_some() {
                                kit::badge(h, Tone::Warn, "skipped");
                                h.raw(" ");
                            } else if x.current {
                                kit::badge(h, Tone::Info, "current");
                                h.raw(" ");
                            }
                            h.text_max(&what, CELL_BYTES).close("td");
                            h.open("td", "n");
                            match (x.findings, x.places) {
                                (Some(f), Some(p)) if p != f => {
                                    h.num(f).text(&format!(" ({})", plural(p, "place", "places")));
                                }
                                (Some(f), _) => {
                                    h.num(f);
                                }
                                _ => {
                                    h.text("—");
                                }
                            }
                            h.close("td");
                            for (n, tone, sign) in
                                [(x.introduced.len(), Tone::Bad, "+"), (x.removed.len(), Tone::Good, "−")]
                            {
                                h.open("td", "n");
                                if n > 0 {
                                    kit::badge(h, tone, &format!("{sign}{}", kit::grouped(n)));
                                }
                                h.close("td");
                            }
                        });
                    }
                },
            );
            if shown < total {
                h.el(
                    "p",
                    "notice",
                    &format!(
                        "and {} not listed: the page stops at {} MiB.",
                        plural(total - shown, "more version", "more versions"),
                        PAGE_LIMIT >> 20
                    ),
                );
            }
            h.el(
            "p",
            "muted",
            "Findings are counted as check counts them (one per cause); introduced and removed count places, recognised across versions by rule, Location, property and cause (never by line).",
        );
        },
    );
}

/// A version's key diff against the one before it: only the keys that changed, as a unified diff.
fn key_diff(h: &mut Html, diff: &KeyDiff) {
    if diff.keys.is_empty() {
        h.el("p", "muted", "No key changed.");
        return;
    }
    h.open("pre", "diff");
    let mut lines = 0;
    let mut cut = false;
    'keys: for key in &diff.keys {
        let (what, at) = match key.change {
            KeyChangeKind::Added => ("added", format!("line {}", key.new_line.unwrap_or(0))),
            KeyChangeKind::Removed => ("removed", format!("was line {}", key.old_line.unwrap_or(0))),
            KeyChangeKind::Changed => (
                "changed",
                format!("line {} -> {}", key.old_line.unwrap_or(0), key.new_line.unwrap_or(0)),
            ),
        };
        h.open("span", "hunk")
            .text_max(
                &format!("@@ {} ({}) {what}, {at} @@", key.location, key.key_type),
                LINE_BYTES_SHOWN,
            )
            .close("span");
        for line in &key.lines {
            if lines >= KEY_DIFF_LINES_SHOWN || h.len() >= PAGE_BUDGET {
                cut = true;
                break 'keys;
            }
            lines += 1;
            let class = match line.op {
                LineOp::Added => "add",
                LineOp::Removed => "del",
                LineOp::Context => "ctx",
            };
            h.open("span", class)
                .text_max(&format!("{}{}", line.op.marker(), line.text), LINE_BYTES_SHOWN)
                .close("span");
        }
        if key.lines_omitted > 0 {
            h.open("span", "ctx")
                .text(&format!("  … {}", plural(key.lines_omitted, "more line", "more lines")))
                .close("span");
        }
    }
    h.close("pre");
    if cut {
        h.el(
            "p",
            "muted",
            &format!(
                "The diff stops after {KEY_DIFF_LINES_SHOWN} lines here; `mblint history --format json` lists the first {} changed keys in full.",
                crate::history::diff::MAX_KEYS_SHOWN
            ),
        );
    }
    if diff.keys_omitted > 0 {
        h.el(
            "p",
            "muted",
            &format!(
                "and {} not listed (the diff lists the first {}).",
                plural(diff.keys_omitted, "more changed key", "more changed keys"),
                diff.keys.len()
            ),
        );
    }
}

fn current_findings(h: &mut Html, history: &History, current: &FileReport) {
    let v = &history.versions;
    kit::section(
        h,
        "findings",
        &Anchor::new("findings", &[]),
        &format!(
            "Findings of the current file ({}), by the version that introduced them",
            kit::grouped(history.findings.len())
        ),
        |h| {
            if history.findings.is_empty() {
                h.el("p", "", "The current file has no findings.");
                return;
            }
            // Grouped by the introducing version, oldest first; "since the oldest read" first.
            let mut groups: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
            for (i, f) in history.findings.iter().enumerate() {
                groups.entry(f.introduced_in).or_default().push(i);
            }
            let mut left_out: Vec<usize> = Vec::new();
            for (version, members) in &groups {
                if h.len() >= PAGE_BUDGET {
                    left_out.extend(members);
                    continue;
                }
                h.open("div", "group");
                match version {
                    None => {
                        let oldest = v.iter().find(|x| x.error.is_none());
                        h.el(
                            "h3",
                            "",
                            &format!(
                                "Present since the oldest version read{} ({})",
                                oldest.map(|x| format!(" ({})", short(x))).unwrap_or_default(),
                                plural(members.len(), "finding", "findings")
                            ),
                        );
                        h.el(
                            "p",
                            "muted",
                            "The history does not reach back to the change that introduced these.",
                        );
                    }
                    Some(at) => {
                        let x = &v[*at];
                        h.open("h3", "")
                            .text("Introduced in ")
                            .link(&version_anchor(*at), &short(x))
                            .text(&format!(" ({})", plural(members.len(), "finding", "findings")))
                            .close("h3");
                        h.open("p", "meta")
                            .el("code", "", if x.current { &x.path } else { &x.name });
                        if let Some(p) = x.previous {
                            h.text(" compared with ").el("code", "", &v[p].name);
                        }
                        h.close("p");
                    }
                }
                if let Some(at) = version
                    && let Some(diff) = &v[*at].changes
                {
                    h.el(
                        "h4",
                        "",
                        &format!("The change that introduced them ({})", changes_summary(diff)),
                    );
                    key_diff(h, diff);
                }
                for &i in members {
                    let f = &history.findings[i];
                    if h.len() >= PAGE_BUDGET {
                        left_out.push(i);
                        continue;
                    }
                    let Some(d) = current.diagnostics.get(f.diagnostic) else {
                        continue;
                    };
                    check::finding(h, &Anchor::new("f", &[1, f.diagnostic + 1]), current, &[], d, false);
                    let later: Vec<String> = f
                        .places
                        .iter()
                        .filter(|p| p.introduced_in.is_some() && p.introduced_in != f.introduced_in)
                        .map(|p| {
                            format!(
                                "{} (in {})",
                                p.finding.location(),
                                short(&v[p.introduced_in.expect("filtered")])
                            )
                        })
                        .collect();
                    if !later.is_empty() {
                        let shown: Vec<&str> = later.iter().take(OCCURRENCES_SHOWN).map(String::as_str).collect();
                        let mut text = format!("Places added later: {}", shown.join(", "));
                        if later.len() > OCCURRENCES_SHOWN {
                            text += &format!(" and {} more", kit::grouped(later.len() - OCCURRENCES_SHOWN));
                        }
                        h.el("p", "muted small", &text);
                    }
                }
                h.close("div");
            }
            if !left_out.is_empty() {
                h.el(
                    "p",
                    "notice",
                    &format!(
                        "{} not drawn: the page reached its size limit ({} MiB). In brief:",
                        plural(left_out.len(), "more finding", "more findings"),
                        PAGE_BUDGET >> 20
                    ),
                );
                let total = left_out.len();
                let mut listed = 0;
                kit::table(h, "", &["Rule", "Line", "Introduced in", "Message"], |h| {
                    for i in left_out {
                        if h.len() >= PAGE_LIMIT {
                            break;
                        }
                        let f = &history.findings[i];
                        let Some(d) = current.diagnostics.get(f.diagnostic) else {
                            continue;
                        };
                        listed += 1;
                        kit::row(h, check::severity_tone(d.severity).row(), |h| {
                            kit::cell(h, "mono", d.code);
                            let (line, _) = current.source.line_col(d.span.start as usize);
                            h.open("td", "n").num(line).close("td");
                            kit::cell(
                                h,
                                "",
                                &f.introduced_in
                                    .map_or_else(|| "before the oldest read".into(), |a| short(&v[a])),
                            );
                            h.open("td", "").prose(&f.message).close("td");
                        });
                    }
                });
                if listed < total {
                    h.el(
                        "p",
                        "notice",
                        &format!(
                            "and {} not listed: the page stops at {} MiB.",
                            plural(total - listed, "more finding", "more findings"),
                            PAGE_LIMIT >> 20
                        ),
                    );
                }
            }
        },
    );
}

/// A finding identity in one line.
fn key_cells(h: &mut Html, f: &FindingKey) {
    kit::cell(h, "mono", f.code);
    kit::cell(h, "mono", f.location());
    kit::cell(h, "mono", f.attribute());
    kit::cell(h, "mono", f.cause());
}

/// The findings a version introduced or removed: counted by rule, the first listed.
fn finding_keys(h: &mut Html, keys: &[FindingKey], tone: Tone) {
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for k in keys {
        *by_code.entry(k.code).or_default() += 1;
    }
    h.open("p", "");
    for (code, n) in &by_code {
        kit::badge(h, tone, &format!("{code} × {}", kit::grouped(*n)));
        h.raw(" ");
    }
    h.close("p");
    kit::table(h, "", &["Rule", "Location", "Property", "Cause"], |h| {
        for k in keys.iter().take(OCCURRENCES_SHOWN) {
            kit::row(h, tone.row(), |h| key_cells(h, k));
        }
    });
    if keys.len() > OCCURRENCES_SHOWN {
        h.el(
            "p",
            "muted",
            &format!(
                "and {} not listed here (`--format json` lists them all).",
                plural(keys.len() - OCCURRENCES_SHOWN, "more", "more")
            ),
        );
    }
}

fn versions(h: &mut Html, history: &History) {
    let v = &history.versions;
    kit::section(h, "versions", &Anchor::new("versions", &[]), "Each version", |h| {
        let mut brief = 0;
        for (at, x) in v.iter().enumerate() {
            if h.len() >= PAGE_BUDGET {
                // Its row in the timeline says what it is; the anchor stays for the links.
                h.open_id("p", "muted", &version_anchor(at))
                    .text(&format!("{}: not drawn (the page reached its size limit)", short(x)))
                    .close("p");
                brief += 1;
                continue;
            }
            let (tone, what) = state(x);
            h.open_id("div", "", &version_anchor(at));
            kit::collapsible(
                h,
                "block",
                false,
                |h| {
                    h.el("span", "mono", &short(x)).raw(" ");
                    h.el("span", "muted", if x.current { &x.path } else { &x.name });
                    h.raw(" ");
                    if x.failed {
                        kit::badge(h, Tone::Bad, "not read");
                    } else if x.error.is_some() {
                        kit::badge(h, Tone::Warn, "skipped");
                    } else {
                        if !x.introduced.is_empty() {
                            kit::badge(
                                h,
                                Tone::Bad,
                                &format!("+{} introduced", kit::grouped(x.introduced.len())),
                            );
                            h.raw(" ");
                        }
                        if !x.removed.is_empty() {
                            kit::badge(h, Tone::Good, &format!("−{} removed", kit::grouped(x.removed.len())));
                            h.raw(" ");
                        }
                        if x.introduced.is_empty() && x.removed.is_empty() {
                            kit::badge(h, tone, "no finding came or went");
                        }
                    }
                },
                |h| {
                    h.open("p", "meta").el("code", "", &x.path);
                    if let Some(p) = x.previous {
                        h.text(" · compared with ").link(&version_anchor(p), &short(&v[p]));
                    }
                    h.close("p");
                    if let Some(error) = &x.error {
                        let what = if x.failed {
                            "Could not be read (an input not checked: exit code 2)"
                        } else {
                            "Skipped (a warning, not a failure)"
                        };
                        h.el("p", "notice", &format!("{what}: {error}"));
                        return;
                    }
                    h.el("p", "", &what);
                    if let Some(n) = x.findings {
                        h.el(
                            "p",
                            "",
                            &format!(
                                "{} in this version ({}).",
                                plural(n, "finding", "findings"),
                                plural(x.places.unwrap_or(n), "place", "places")
                            ),
                        );
                    }
                    if !x.introduced.is_empty() {
                        kit::collapsible(
                            h,
                            "",
                            x.introduced.len() <= 5,
                            |h| {
                                h.text(&format!(
                                    "Introduced: {}",
                                    plural(x.introduced.len(), "finding place", "finding places")
                                ));
                            },
                            |h| finding_keys(h, &x.introduced, Tone::Bad),
                        );
                    }
                    if !x.removed.is_empty() {
                        kit::collapsible(
                            h,
                            "",
                            x.removed.len() <= 5,
                            |h| {
                                h.text(&format!(
                                    "Removed: {}",
                                    plural(x.removed.len(), "finding place", "finding places")
                                ));
                            },
                            |h| finding_keys(h, &x.removed, Tone::Good),
                        );
                    }
                    if let Some(diff) = &x.changes
                        && !x.unchanged
                    {
                        kit::collapsible(
                            h,
                            "",
                            false,
                            |h| {
                                h.text(&format!("The keys it changed ({})", changes_summary(diff)));
                            },
                            |h| key_diff(h, diff),
                        );
                    }
                },
            );
            h.close("div");
        }
        if brief > 0 {
            h.el(
                "p",
                "notice",
                &format!(
                    "{} drawn in brief: the page reached its size limit ({} MiB).",
                    plural(brief, "version", "versions"),
                    PAGE_BUDGET >> 20
                ),
            );
        }
    });
}

fn gone(h: &mut Html, history: &History) {
    let v = &history.versions;
    kit::section(
        h,
        "gone",
        &Anchor::new("gone", &[]),
        &format!(
            "Findings that appeared and went again ({})",
            kit::grouped(history.gone.len())
        ),
        |h| {
            if history.gone.is_empty() {
                h.el("p", "", "None: every finding that appeared is still there.");
                return;
            }
            let mut shown = 0;
            kit::table(
                h,
                "",
                &["Rule", "Location", "Property", "Cause", "Appeared in", "Gone in"],
                |h| {
                    for e in &history.gone {
                        if shown >= GONE_ROWS_SHOWN || h.len() >= PAGE_LIMIT {
                            break;
                        }
                        shown += 1;
                        kit::row(h, Tone::Unknown.row(), |h| {
                            key_cells(h, &e.finding);
                            h.open("td", "");
                            match e.appeared_in {
                                Some(a) => h.link(&version_anchor(a), &short(&v[a])),
                                None => h.text("the oldest version read"),
                            };
                            h.close("td");
                            h.open("td", "")
                                .link(&version_anchor(e.gone_in), &short(&v[e.gone_in]))
                                .close("td");
                        });
                    }
                },
            );
            if shown < history.gone.len() {
                h.el(
                    "p",
                    "notice",
                    &format!(
                        "and {} not listed (at most {GONE_ROWS_SHOWN}): `--format json` lists them all.",
                        plural(history.gone.len() - shown, "more", "more")
                    ),
                );
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::diff::{DiffLine, KeyChange};

    #[test]
    fn a_long_key_diff_stops_and_says_so() {
        let key = |i: usize| KeyChange {
            location: format!("/LM/W3SVC/{i}/<b>"),
            key_type: "IIsWebServer".into(),
            change: KeyChangeKind::Changed,
            old_line: Some(i),
            new_line: Some(i),
            lines: (0..100)
                .map(|j| DiffLine {
                    op: if j % 2 == 0 { LineOp::Removed } else { LineOp::Added },
                    text: format!("\t\tServerComment=\"<i>{j}</i>\""),
                })
                .collect(),
            lines_omitted: 0,
        };
        let diff = KeyDiff {
            changed: 12,
            keys: (0..10).map(key).collect(),
            keys_omitted: 2,
            ..KeyDiff::default()
        };
        let mut h = Html::new();
        key_diff(&mut h, &diff);
        let out = h.as_str();
        let lines = out.matches("<span class=\"add\">").count() + out.matches("<span class=\"del\">").count();
        assert_eq!(lines, KEY_DIFF_LINES_SHOWN);
        assert!(out.contains("The diff stops after 400 lines"));
        assert!(out.contains("and 2 more changed keys not listed"));
        assert!(out.contains("/LM/W3SVC/0/&lt;b&gt;") && out.contains("&lt;i&gt;0&lt;/i&gt;"));
        assert!(!out.contains("<i>") && !out.contains("<b>"));
    }
}
