//! The page of `mblint check`: the inputs that failed (first), a summary per rule, then per file
//! the server model with its evidence, the ISAPI DLL map and the findings with their source lines
//! and fix diffs.

use std::collections::BTreeMap;

use super::kit::{self, Anchor, CELL_BYTES, Html, PAGE_BUDGET, PAGE_LIMIT, Tone};
use crate::diagnostic::{Applicability, Diagnostic, Evidence, Severity};
use crate::fix::changes::ChangeSet;
use crate::host::{Fact, Source};
use crate::lint::{FileReport, InputFailure};
use crate::metabase::{SourceFile, Span};
use crate::report::Counts;
use crate::rules::map::{DllGroup, DllMap, LoadStatus};
use crate::rules::{self, by_code};

/// Places of one finding listed (the rest are counted).
pub const OCCURRENCES_SHOWN: usize = 20;
/// Findings of a file drawn open; the others are collapsed.
pub const FINDINGS_OPEN: usize = 12;
/// Rows of a file's DLL map (distinct DLLs); the rest are counted.
pub const DLL_ROWS_SHOWN: usize = 1_000;
/// Edits of one fix drawn in its diff, and lines of the diff.
pub const DIFF_EDITS_SHOWN: usize = 20;
pub const DIFF_LINES_SHOWN: usize = 150;
/// Lines of a finding's span drawn (with one line of context on each side).
pub const SPAN_LINES_SHOWN: usize = 10;
/// Bytes of a source or diff line drawn: a longer line is cut around the finding.
pub const LINE_BYTES_SHOWN: usize = 400;
/// Files listed in the contents at the top.
pub const NAV_FILES: usize = 200;
/// Names (extensions, filters) kept per DLL, and evidence clues per fact.
const CLUES_SHOWN: usize = 12;

/// Writes the page.
pub fn write(reports: &[FileReport], failures: &[InputFailure], out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all(render(reports, failures).as_bytes())
}

/// The tone of a severity: error red, warning amber, info blue.
pub fn severity_tone(severity: Severity) -> Tone {
    match severity {
        Severity::Error => Tone::Bad,
        Severity::Warning => Tone::Warn,
        Severity::Info => Tone::Info,
    }
}

/// The tone of a DLL's load status.
pub fn status_tone(status: LoadStatus) -> Tone {
    match status {
        LoadStatus::Loads => Tone::Good,
        LoadStatus::Fails => Tone::Bad,
        LoadStatus::Doubtful => Tone::Warn,
        LoadStatus::Unknown => Tone::Unknown,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", kit::grouped(n), if n == 1 { one } else { many })
}

/// Badges counting findings by severity, or `no findings`.
pub fn counts_badges(h: &mut Html, c: Counts) {
    if c.total() == 0 {
        kit::badge(h, Tone::Good, "no findings");
        return;
    }
    for (n, tone, one, many) in [
        (c.error, Tone::Bad, "error", "errors"),
        (c.warning, Tone::Warn, "warning", "warnings"),
        (c.info, Tone::Info, "info", "info"),
    ] {
        if n > 0 {
            kit::badge(h, tone, &plural(n, one, many));
            h.raw(" ");
        }
    }
}

/// How many findings the verdict names, most severe first.
const VERDICT_FINDINGS: usize = 5;
/// How many distinct fixes the verdict names.
const VERDICT_FIXES: usize = 3;

/// The verdict, first on every page: what fails and how badly (the most severe findings, with
/// where), and what to do (the fixes `--fix` can apply, each saying what it changes). Red for
/// errors or an input that could not be checked (no pass: exit code 2), amber for warnings, green
/// for none. The reading status comes after it ([`inputs_banner`]).
pub fn verdict_banner(h: &mut Html, reports: &[FileReport], not_checked: usize) {
    let c = Counts::of_reports(reports);
    let found = match (c.error, c.warning) {
        (0, 0) => String::new(),
        (e, 0) => plural(e, "error", "errors"),
        (0, w) => plural(w, "warning", "warnings"),
        (e, w) => format!("{}, {}", plural(e, "error", "errors"), plural(w, "warning", "warnings")),
    };
    let (tone, heading) = if not_checked > 0 {
        let rest = if found.is_empty() {
            String::new()
        } else {
            format!("; in what was read: {found}")
        };
        (
            Tone::Bad,
            format!(
                "Not a pass: {} could not be checked (exit code 2){rest}",
                plural(not_checked, "input", "inputs")
            ),
        )
    } else if c.error > 0 {
        (Tone::Bad, format!("This configuration fails on the server: {found}"))
    } else if c.warning > 0 {
        (Tone::Warn, format!("No errors, but {found} to look at"))
    } else if c.info > 0 {
        (
            Tone::Good,
            format!("No errors or warnings ({})", plural(c.info, "info note", "info notes")),
        )
    } else {
        (
            Tone::Good,
            "No findings: nothing stops these ISAPI DLLs from loading".to_string(),
        )
    };
    kit::banner(h, tone, Some(&Anchor::new("verdict", &[])), &heading, |h| {
        let mut worst: Vec<(&FileReport, &Diagnostic)> = reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
            .filter(|(_, d)| d.severity > Severity::Info)
            .collect();
        worst.sort_by_key(|(_, d)| std::cmp::Reverse(d.severity));
        if !worst.is_empty() {
            h.open("ul", "");
            for (r, d) in worst.iter().take(VERDICT_FINDINGS) {
                let (line, _) = r.source.line_col(d.span.start as usize);
                h.open("li", "");
                kit::badge(h, severity_tone(d.severity), d.severity.as_str());
                h.raw(" ").el("span", "mono", d.code).raw(" ").prose(&d.headline());
                h.raw(" ").open("span", "muted");
                h.text(&format!("({} line {})", r.source.name, kit::grouped(line)));
                h.close("span").close("li");
            }
            if worst.len() > VERDICT_FINDINGS {
                h.el(
                    "li",
                    "muted",
                    &format!("and {} below", plural(worst.len() - VERDICT_FINDINGS, "more", "more")),
                );
            }
            h.close("ul");
        }
        let mut fixes: Vec<(crate::diagnostic::Applicability, &str)> = Vec::new();
        for fix in reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .filter_map(|d| d.fix.as_ref())
        {
            let key = (fix.applicability, fix.message.as_str());
            if fix.applicability != crate::diagnostic::Applicability::DisplayOnly && !fixes.contains(&key) {
                fixes.push(key);
            }
        }
        fixes.sort_by_key(|(a, _)| std::cmp::Reverse(*a));
        if !fixes.is_empty() {
            h.el("h3", "", "What to do");
            h.open("ul", "");
            for (applicability, message) in fixes.iter().take(VERDICT_FIXES) {
                h.open("li", "");
                h.el(
                    "code",
                    "",
                    match applicability {
                        crate::diagnostic::Applicability::Safe => "mblint check --fix",
                        _ => "mblint check --fix --unsafe-fixes",
                    },
                );
                h.text(": ").prose(message).close("li");
            }
            if fixes.len() > VERDICT_FIXES {
                h.el(
                    "li",
                    "muted",
                    &format!(
                        "and {} under the findings",
                        plural(fixes.len() - VERDICT_FIXES, "more fix", "more fixes")
                    ),
                );
            }
            h.close("ul");
        } else if c.error + c.warning > 0 {
            h.el(
                "p",
                "",
                "No fix mblint can apply: each finding's help below says what to do.",
            );
        }
    });
}

/// Whether every input was read: green when it was, else red with every input that was not and
/// why. Comes after the verdict on every page (never fail open); the red one has the anchor `failed`.
pub fn inputs_banner(h: &mut Html, checked: usize, failures: &[InputFailure]) {
    if failures.is_empty() {
        h.open("div", "banner clean");
        h.el(
            "h2",
            "",
            &format!(
                "Every input was read and checked ({})",
                plural(checked, "file", "files")
            ),
        );
        h.close("div");
    } else {
        h.open_id("div", "banner", &Anchor::new("failed", &[]));
        h.el(
            "h2",
            "",
            &format!(
                "{} could not be checked: this page does not cover {} (exit code 2)",
                plural(failures.len(), "input", "inputs"),
                if failures.len() == 1 { "it" } else { "them" }
            ),
        );
        h.open("ul", "");
        for f in failures {
            h.open("li", "")
                .el("code", "", &f.path)
                .text(": ")
                .text(&f.error)
                .close("li");
        }
        h.close("ul").close("div");
    }
}

/// The page as a string.
pub fn render(reports: &[FileReport], failures: &[InputFailure]) -> String {
    let mut h = Html::new();
    let totals = Counts::of_reports(reports);
    h.open("header", "");
    h.el("h1", "", "mblint check");
    h.open("p", "meta");
    // A file whose fixes were not written was checked: it has a banner of its own.
    let (not_written, not_checked): (Vec<InputFailure>, Vec<InputFailure>) = failures
        .iter()
        .cloned()
        .partition(|f| crate::report::checked_report(f, reports).is_some());
    h.text(&format!(
        "{} checked, {} could not be checked · mblint {} · ",
        plural(reports.len(), "file", "files"),
        kit::grouped(not_checked.len()),
        env!("CARGO_PKG_VERSION")
    ));
    counts_badges(&mut h, totals);
    h.close("p").close("header");

    verdict_banner(&mut h, reports, not_checked.len());
    inputs_banner(&mut h, reports.len(), &not_checked);
    if !not_written.is_empty() {
        h.open_id("div", "banner", &Anchor::new("not-written", &[]));
        h.el(
            "h2",
            "",
            &format!(
                "The fixes to {} could not be written: {} checked, and {} as found below (exit code 2)",
                plural(not_written.len(), "file", "files"),
                if not_written.len() == 1 { "it was" } else { "they were" },
                if not_written.len() == 1 { "stays" } else { "stay" }
            ),
        );
        h.open("ul", "");
        for f in &not_written {
            h.open("li", "")
                .el("code", "", &f.path)
                .text(": ")
                .text(&f.error)
                .close("li");
        }
        h.close("ul").close("div");
    }

    let mut rest = Html::after(&h);
    rule_summary(&mut rest, reports);
    // Files drawn in full while the budget lasts, then in brief; `anchored` have an anchor.
    let mut anchored = 0;
    let mut compact: Vec<(usize, &FileReport)> = Vec::new();
    for (i, report) in reports.iter().enumerate() {
        if rest.len() >= PAGE_BUDGET {
            compact.push((i, report));
            continue;
        }
        file_section(&mut rest, i + 1, report, failures, reports);
        anchored += 1;
    }
    if !compact.is_empty() {
        kit::section(
            &mut rest,
            "file",
            &Anchor::new("more-files", &[]),
            &format!("{} more (in brief)", plural(compact.len(), "file", "files")),
            |h| {
                h.el(
                    "p",
                    "notice",
                    &format!(
                        "The page reached its size limit ({} MiB): these files are listed in brief. `--format json` reports every finding of every file.",
                        PAGE_BUDGET >> 20
                    ),
                );
                kit::table(h, "", &["File", "Errors", "Warnings", "Info"], |h| {
                    for (i, r) in &compact {
                        if h.len() >= PAGE_LIMIT {
                            break;
                        }
                        anchored += 1;
                        let c = Counts::of(&r.diagnostics);
                        let tone = if c.error > 0 { Tone::Bad } else { Tone::Good };
                        kit::row(h, tone.row(), |h| {
                            h.open_id("td", "", &Anchor::new("file", &[i + 1]))
                                .text_max(&r.source.name, CELL_BYTES)
                                .close("td");
                            for n in [c.error, c.warning, c.info] {
                                h.open("td", "n").num(n).close("td");
                            }
                        });
                    }
                });
                if anchored < reports.len() {
                    h.el(
                        "p",
                        "notice",
                        &format!(
                            "and {} not listed: the page stops at {} MiB.",
                            plural(reports.len() - anchored, "more file", "more files"),
                            PAGE_LIMIT >> 20
                        ),
                    );
                }
            },
        );
    }
    if reports.len() > 1 {
        h.open("nav", "").el("h2", "", "Files").open("ul", "");
        for (i, r) in reports.iter().enumerate().take(anchored.min(NAV_FILES)) {
            h.open("li", "");
            h.link(&Anchor::new("file", &[i + 1]), &r.source.name).raw(" ");
            counts_badges(&mut h, Counts::of(&r.diagnostics));
            h.close("li");
        }
        if reports.len() > NAV_FILES.min(anchored) {
            h.el(
                "li",
                "muted",
                &format!(
                    "and {}",
                    plural(reports.len() - NAV_FILES.min(anchored), "more file", "more files")
                ),
            );
        }
        h.close("ul").close("nav");
    }
    h.append(&rest);

    h.open("footer", "");
    h.text(&format!(
        "Written by mblint {}. Self-contained: no script, and nothing is loaded from anywhere. Limits: {OCCURRENCES_SHOWN} places per finding, {DLL_ROWS_SHOWN} DLLs per file, {DIFF_EDITS_SHOWN} edits and {DIFF_LINES_SHOWN} lines per fix diff, {LINE_BYTES_SHOWN} bytes per source line; past {} MiB the page lists what remains in brief. `--format json` holds everything.",
        env!("CARGO_PKG_VERSION"),
        PAGE_BUDGET >> 20
    ));
    h.close("footer");
    let title = match reports {
        [one] => format!("mblint check: {}", one.source.name),
        _ => format!("mblint check: {}", plural(reports.len(), "file", "files")),
    };
    kit::document(&title, &h)
}

/// Findings counted by rule across the reports (anchor `rules`); nothing when there are none.
pub fn rule_summary(h: &mut Html, reports: &[FileReport]) {
    // code -> (findings, places)
    let mut by_rule: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        let e = by_rule.entry(d.code).or_default();
        e.0 += 1;
        e.1 += 1 + d.occurrences.len();
    }
    if by_rule.is_empty() {
        return;
    }
    kit::section(h, "summary", &Anchor::new("rules", &[]), "Findings by rule", |h| {
        kit::table(h, "", &["Rule", "Name", "Severity", "Findings", "Places"], |h| {
            for (code, (findings, places)) in &by_rule {
                let rule = by_code(code);
                let severity = rule.map_or(Severity::Info, |r| r.severity);
                kit::row(h, severity_tone(severity).row(), |h| {
                    kit::cell(h, "mono", code);
                    kit::cell(h, "", rule.map_or("", |r| r.name));
                    h.open("td", "");
                    kit::badge(h, severity_tone(severity), severity.as_str());
                    h.close("td");
                    h.open("td", "n").num(*findings).close("td");
                    h.open("td", "n").num(*places).close("td");
                });
            }
        });
        h.el(
            "p",
            "muted",
            "Severity is the rule's default; a configuration may rate a finding otherwise (each finding shows its own). A finding is one cause (a DLL in a role); its places are every key that names it.",
        );
    });
}

/// One file's section (anchor `file-N`): its counts, its failure if any, the server, the DLL
/// map and the findings. `others` are the files a finding's related places may lie in.
pub fn file_section(h: &mut Html, n: usize, report: &FileReport, failures: &[InputFailure], others: &[FileReport]) {
    kit::section(h, "file", &Anchor::new("file", &[n]), &report.source.name, |h| {
        h.open("p", "meta");
        counts_badges(h, Counts::of(&report.diagnostics));
        h.text(&format!(
            " · {} · {} · {}",
            plural(report.isapi_count, "ISAPI reference", "ISAPI references"),
            encoding_name(report),
            if report.worker.is_some() {
                "parsed"
            } else {
                "did not parse (see MB001)"
            }
        ));
        h.close("p");
        if let Some(f) = failures.iter().find(|f| f.path == report.source.name) {
            h.open("div", "banner");
            h.el("h2", "", "Checked, but its fixes were not written");
            h.el("p", "", &f.error);
            h.close("div");
        }
        server_cards(h, report);
        if let Some(map) = &report.dll_map {
            dll_map(h, n, report, map);
        }
        findings(h, n, report, others);
    });
}

/// `utf8-bom, crlf`: as the JSON report names them.
fn encoding_name(report: &FileReport) -> String {
    let name = |v: serde_json::Result<serde_json::Value>| match v {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    };
    format!(
        "{}, {}",
        name(serde_json::to_value(report.source.encoding)),
        name(serde_json::to_value(report.source.line_ending()))
    )
}

fn fact_card<T>(h: &mut Html, heading: &'static str, value: &str, fact: &Fact<T>) {
    h.open("div", "card");
    h.el("h4", "", heading);
    h.el("div", "value", value);
    fact_evidence(h, fact);
    h.close("div");
}

/// What decided a fact: a badge for its source, any conflicting evidence ([`fact_source`]), and
/// every clue ([`fact_clues`]).
pub fn fact_evidence<T>(h: &mut Html, fact: &Fact<T>) {
    fact_source(h, fact);
    fact_clues(h, fact);
}

/// A badge for where a fact comes from, and any conflicting evidence.
pub fn fact_source<T>(h: &mut Html, fact: &Fact<T>) {
    let tone = match fact.source {
        Source::Declared | Source::Drive => Tone::Good,
        Source::Metabase => Tone::Info,
        Source::Default => Tone::Warn,
    };
    kit::badge(h, tone, fact.source.describe());
    if let Some(conflict) = &fact.conflict {
        h.raw(" ");
        kit::badge(h, Tone::Bad, "conflicting evidence");
        h.el("p", "notice", conflict);
    }
}

/// A fact's clues as a list: at most a dozen, the rest counted.
pub fn fact_clues<T>(h: &mut Html, fact: &Fact<T>) {
    h.open("ul", "");
    for clue in fact.evidence.iter().take(CLUES_SHOWN) {
        h.open("li", "")
            .el("span", "muted", &format!("{}: ", clue.source.describe()))
            .prose(&clue.detail)
            .close("li");
    }
    if fact.evidence.len() > CLUES_SHOWN {
        h.el(
            "li",
            "muted",
            &format!("and {} more", kit::grouped(fact.evidence.len() - CLUES_SHOWN)),
        );
    }
    h.close("ul");
}

/// The server model of one file, a card per fact with its source and every clue.
pub fn server_cards(h: &mut Html, report: &FileReport) {
    h.el("h3", "", "The server");
    let Some(server) = &report.server else {
        h.el(
            "p",
            "notice",
            "The file did not parse: nothing is known of the server (see the MB001 finding).",
        );
        return;
    };
    h.open("div", "cards");
    fact_card(h, "Platform", &server.platform.value.describe(), &server.platform);
    fact_card(
        h,
        "Isolation mode",
        server.isolation.value.describe(),
        &server.isolation,
    );
    if let Some(worker) = &report.worker {
        h.open("div", "card");
        h.el("h4", "", "Worker bitness");
        let unsettled = if worker.name_case {
            "depends on a property name's letter case (MB005)"
        } else {
            "depends on the platform"
        };
        let value = match worker.bitness {
            Some(b) => format!("{b} {}", worker.processes.join(", ")),
            None => format!("{unsettled} ({})", worker.processes.join(", ")),
        };
        h.el("div", "value", &value);
        kit::badge(
            h,
            if worker.bitness.is_some() {
                Tone::Good
            } else {
                Tone::Warn
            },
            if worker.bitness.is_some() {
                "decided"
            } else if worker.name_case {
                "name case unknown"
            } else {
                "platform unknown"
            },
        );
        h.open("ul", "").el("li", "", &worker.reason).close("ul");
        h.close("div");
    }
    fact_card(h, "Windows folder", &server.windir.value.to_string(), &server.windir);
    if let Some(loader) = &server.loader {
        let value = if loader.value.from_hive() {
            loader.value.summary()
        } else {
            "Server 2003 defaults, PATH unknown".to_string()
        };
        fact_card(h, "DLL search", &value, loader);
    }
    fact_card(h, "Schema", server.schema.value.describe(), &server.schema);
    if let Some(fastcgi) = &server.fastcgi {
        fact_card(h, "FastCGI", fastcgi.value.describe(), fastcgi);
    }
    h.open("div", "card");
    h.el("h4", "", "Drives read");
    if report.drives.is_empty() {
        h.el("div", "value", "none");
        kit::badge(h, Tone::Warn, "paths only");
        h.el(
            "p",
            "muted",
            "No drive was mapped: DLLs are judged by their paths alone.",
        );
    } else {
        h.open("ul", "");
        for d in &report.drives {
            h.open("li", "")
                .text(&d.letter)
                .text(" = ")
                .el("code", "", &d.root)
                .close("li");
        }
        h.close("ul");
    }
    h.close("div");
    h.close("div");
}

/// The ISAPI DLL map of one file (anchor `dlls-N`): per host process, one row per distinct DLL
/// and role, coloured by [`status_tone`], failing first.
pub fn dll_map(h: &mut Html, file: usize, report: &FileReport, map: &DllMap) {
    let mut groups_by = [0usize; 4];
    let mut places_by = [0usize; 4];
    for g in &map.groups {
        groups_by[g.status as usize] += 1;
        for (i, n) in g.by_status.iter().enumerate() {
            places_by[i] += n;
        }
    }
    let anchor = Anchor::new("dlls", &[file]);
    h.open_id("div", "", &anchor);
    kit::collapsible(
        h,
        "block",
        true,
        |h| {
            h.text(&format!(
                "ISAPI DLLs: {} in {} ",
                plural(map.groups.len(), "distinct DLL and role", "distinct DLLs and roles"),
                plural(map.references, "place", "places")
            ));
            for (status, tone) in [
                (LoadStatus::Fails, Tone::Bad),
                (LoadStatus::Doubtful, Tone::Warn),
                (LoadStatus::Unknown, Tone::Unknown),
                (LoadStatus::Loads, Tone::Good),
            ] {
                let n = groups_by[status as usize];
                if n > 0 {
                    kit::badge(h, tone, &format!("{} {}", kit::grouped(n), status.as_str()));
                    h.raw(" ");
                }
            }
        },
        |h| {
            kit::legend(
                h,
                &[
                    (Tone::Good, "loads: its image (or folder) is of the worker's bitness"),
                    (
                        Tone::Bad,
                        "fails: other bitness, missing, invalid, or an error names it",
                    ),
                    (
                        Tone::Warn,
                        "doubtful: a warning names it, or it depends on the platform",
                    ),
                    (Tone::Unknown, "unknown: nothing tells its bitness"),
                ],
            );
            if map.groups.is_empty() {
                h.el(
                    "p",
                    "muted",
                    "The worker processes load no ISAPI DLL this metabase names.",
                );
                return;
            }
            h.el(
                "p",
                "muted",
                &format!(
                    "Places: {} fail, {} doubtful, {} unknown, {} load.",
                    kit::grouped(places_by[LoadStatus::Fails as usize]),
                    kit::grouped(places_by[LoadStatus::Doubtful as usize]),
                    kit::grouped(places_by[LoadStatus::Unknown as usize]),
                    kit::grouped(places_by[LoadStatus::Loads as usize]),
                ),
            );
            // First finding of each code in this file, for links.
            let mut first_of: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, d) in ordered(&report.diagnostics).into_iter().enumerate() {
                first_of.entry(d.code).or_insert(i);
            }
            let bitness = report.worker.as_ref().and_then(|w| w.bitness);
            let mut shown = 0;
            let mut left_out = 0;
            let mut host_start = 0;
            while host_start < map.groups.len() {
                let host = map.groups[host_start].host;
                let end = map.groups[host_start..]
                    .iter()
                    .position(|g| g.host != host)
                    .map_or(map.groups.len(), |p| host_start + p);
                let of_host = &map.groups[host_start..end];
                host_start = end;
                if shown >= DLL_ROWS_SHOWN || h.len() >= PAGE_BUDGET {
                    left_out += of_host.len();
                    continue;
                }
                h.el(
                    "h4",
                    "",
                    &match bitness {
                        Some(b) => format!("{host} ({b})"),
                        None => host.to_string(),
                    },
                );
                kit::table(
                    h,
                    "map",
                    &[
                        "Status",
                        "DLL",
                        "Role",
                        "Serves",
                        "Evidence",
                        "Places",
                        "First place",
                        "Findings",
                    ],
                    |h| {
                        for g in of_host {
                            if shown >= DLL_ROWS_SHOWN || h.len() >= PAGE_BUDGET {
                                left_out += 1;
                                continue;
                            }
                            shown += 1;
                            dll_row(h, file, &report.source, g, &first_of);
                        }
                    },
                );
            }
            if left_out > 0 {
                h.el(
                    "p",
                    "notice",
                    &format!(
                        "{} not shown (the page lists at most {DLL_ROWS_SHOWN} per file, failing ones first): `--format json` lists every finding.",
                        plural(left_out, "more DLL", "more DLLs")
                    ),
                );
            }
        },
    );
    h.close("div");
}

fn dll_row(h: &mut Html, file: usize, source: &SourceFile, g: &DllGroup, first_of: &BTreeMap<&str, usize>) {
    let tone = status_tone(g.status);
    kit::row(h, tone.row(), |h| {
        h.open("td", "");
        kit::badge(h, tone, g.status.as_str());
        h.close("td");
        h.open("td", "")
            .open("code", "")
            .text_max(&g.path, CELL_BYTES)
            .close("code")
            .close("td");
        kit::cell(h, "", g.role.describe());
        h.open("td", "");
        let names: Vec<&str> = g.names.iter().map(|n| &**n).collect();
        h.text_max(&names.join(", "), CELL_BYTES);
        if g.more_names > 0 {
            h.el("span", "muted", &format!(" and {} more", kit::grouped(g.more_names)));
        }
        h.close("td");
        h.open("td", "").text_max(&g.basis, CELL_BYTES);
        if !g.dependencies.is_empty() {
            h.open("div", "muted")
                .text_max(&format!("needs: {}", g.dependencies.join("; ")), CELL_BYTES)
                .close("div");
        }
        h.close("td");
        h.open("td", "n").num(g.places);
        if g.by_status.iter().filter(|n| **n > 0).count() > 1 {
            h.open("div", "muted");
            let parts: Vec<String> = [
                LoadStatus::Fails,
                LoadStatus::Doubtful,
                LoadStatus::Unknown,
                LoadStatus::Loads,
            ]
            .iter()
            .filter(|s| g.by_status[**s as usize] > 0)
            .map(|s| format!("{} {}", kit::grouped(g.by_status[*s as usize]), s.as_str()))
            .collect();
            h.text(&parts.join(", ")).close("div");
        }
        h.close("td");
        let (line, _) = source.line_col(g.first.start as usize);
        h.open("td", "")
            .open("code", "")
            .text_max(&g.location, CELL_BYTES)
            .close("code")
            .text_max(&format!(" {} line {}", g.attribute, kit::grouped(line)), CELL_BYTES)
            .close("td");
        h.open("td", "");
        for (i, code) in g.codes.iter().enumerate() {
            if i > 0 {
                h.raw(" ");
            }
            match first_of.get(code) {
                Some(at) => h.link(&Anchor::new("f", &[file, at + 1]), code),
                None => h.text(code),
            };
        }
        h.close("td");
    });
}

/// Findings as the page shows them: the gravest first, then in file order.
fn ordered(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut out: Vec<&Diagnostic> = diagnostics.iter().collect();
    out.sort_by_key(|d| std::cmp::Reverse(d.severity));
    out
}

fn findings(h: &mut Html, file: usize, report: &FileReport, others: &[FileReport]) {
    h.el(
        "h3",
        "",
        &format!("Findings ({})", kit::grouped(report.diagnostics.len())),
    );
    if report.diagnostics.is_empty() {
        h.el("p", "", "No findings.");
        return;
    }
    findings_where(h, file, report, others, FINDINGS_OPEN, |_| true);
}

/// The findings of one file that `keep` selects, gravest first, each anchored `f-FILE-N` (N its
/// place among all the file's findings, so that several selections of one file never share an
/// anchor), the first `open` drawn open; past [`PAGE_BUDGET`] in brief, past [`PAGE_LIMIT`]
/// counted. Returns how many were selected.
pub fn findings_where(
    h: &mut Html,
    file: usize,
    report: &FileReport,
    others: &[FileReport],
    open: usize,
    keep: impl Fn(&Diagnostic) -> bool,
) -> usize {
    let all = ordered(&report.diagnostics);
    let mut left_out: Vec<&Diagnostic> = Vec::new();
    let mut selected = 0;
    for (i, d) in all.iter().enumerate() {
        if !keep(d) {
            continue;
        }
        selected += 1;
        if h.len() >= PAGE_BUDGET {
            left_out.push(d);
            continue;
        }
        finding(
            h,
            &Anchor::new("f", &[file, i + 1]),
            report,
            others,
            d,
            selected <= open,
        );
    }
    if !left_out.is_empty() {
        h.el(
            "p",
            "notice",
            &format!(
                "{} not drawn: the page reached its size limit ({} MiB). They are listed in brief below; `--format json` reports them in full.",
                plural(left_out.len(), "more finding", "more findings"),
                PAGE_BUDGET >> 20
            ),
        );
        let total = left_out.len();
        let mut listed = 0;
        kit::table(h, "", &["Rule", "Line", "Location", "Message"], |h| {
            for d in left_out {
                if h.len() >= PAGE_LIMIT {
                    break;
                }
                listed += 1;
                kit::row(h, severity_tone(d.severity).row(), |h| {
                    kit::cell(h, "mono", d.code);
                    let (line, _) = report.source.line_col(d.span.start as usize);
                    h.open("td", "n").num(line).close("td");
                    kit::cell(h, "mono", d.location.as_deref().unwrap_or(""));
                    // One line per finding: the message, clipped.
                    kit::cell(h, "", &d.headline());
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
    selected
}

/// At most `max` bytes of `s` (at a character boundary).
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// One finding (anchor `id`), collapsible: its source lines with the value marked, label, help,
/// evidence, related places (in `others` when they lie in another file: drawn with their own
/// lines), its places and its fix.
pub fn finding(h: &mut Html, id: &Anchor, report: &FileReport, others: &[FileReport], d: &Diagnostic, open: bool) {
    let source = &report.source;
    let class = match d.severity {
        Severity::Error => "finding error",
        Severity::Warning => "finding warning",
        Severity::Info => "finding info",
    };
    let (line, column) = source.line_col(d.span.start as usize);
    h.open_id("div", "", id);
    kit::collapsible(
        h,
        class,
        open,
        |h| {
            kit::badge(h, severity_tone(d.severity), d.severity.as_str());
            h.raw(" ").el("span", "mono", d.code).raw(" ");
            h.el("span", "muted", rules::by_code(d.code).map_or("", |r| r.name));
            h.raw(" ").prose(&d.headline());
        },
        |h| {
            h.open("p", "meta");
            h.text(&format!("line {}, column {}", kit::grouped(line), kit::grouped(column)));
            if let Some(location) = &d.location {
                h.text(" · ").el("code", "", location);
            }
            if let Some(attribute) = &d.attribute {
                h.text(" · ").el("code", "", attribute);
            }
            h.close("p");
            source_lines(h, source, d.span);
            if !d.label.is_empty() {
                h.prose_el("p", "muted", &format!("↳ {}", d.label));
            }
            if let Some(help) = &d.help {
                h.prose_el("p", "help", help);
            }
            if !d.evidence.is_empty() {
                h.el("h4", "", "Evidence").open("ul", "");
                for e in &d.evidence {
                    h.prose_el("li", "", &evidence(e));
                }
                h.close("ul");
            }
            if !d.related.is_empty() {
                h.el("h4", "", "Related").open("ul", "");
                for r in d.related.iter().take(OCCURRENCES_SHOWN) {
                    let elsewhere = r.file.as_deref().filter(|f| **f != *source.name);
                    match elsewhere {
                        None => {
                            let (line, _) = source.line_col(r.span.start as usize);
                            h.open("li", "")
                                .text(&format!("line {}: ", kit::grouped(line)))
                                .prose(&r.message)
                                .close("li");
                        }
                        Some(file) => {
                            h.open("li", "");
                            match others.iter().find(|o| *o.source.name == *file) {
                                Some(other) => {
                                    let (line, _) = other.source.line_col(r.span.start as usize);
                                    h.prose(&r.message)
                                        .text(" · ")
                                        .el("code", "", file)
                                        .text(&format!(" line {}", kit::grouped(line)));
                                    source_lines(h, &other.source, r.span);
                                }
                                None => {
                                    h.prose(&r.message).text(" · ").el("code", "", file);
                                }
                            }
                            h.close("li");
                        }
                    }
                }
                if d.related.len() > OCCURRENCES_SHOWN {
                    h.el(
                        "li",
                        "muted",
                        &format!("and {} more", kit::grouped(d.related.len() - OCCURRENCES_SHOWN)),
                    );
                }
                h.close("ul");
            }
            if !d.occurrences.is_empty() {
                occurrences(h, report, d);
            }
            if let Some(fix) = &d.fix {
                fix_block(h, source, fix);
            }
        },
    );
    h.close("div");
}

fn evidence(e: &Evidence) -> String {
    match e {
        Evidence::Image {
            configured,
            resolved,
            file,
            image,
            ..
        } => {
            if **configured == **resolved {
                format!("image: {image} at {resolved} (read from {file})")
            } else {
                format!("image: {image} at {resolved}, configured as {configured} (read from {file})")
            }
        }
        Evidence::PathPattern {
            path,
            pattern,
            bitness,
            reason,
        } => format!("path: {path} lies in `{pattern}`, a {bitness} folder: {reason}"),
        Evidence::Dependency {
            configured,
            process,
            chain,
            win32_error,
            found,
            searched,
            not_searched,
            ..
        } => {
            let mut text = format!(
                "dependency chain in the {process}: {} (of {configured})",
                chain.join(" -> ")
            );
            if let Some(code) = win32_error {
                text.push_str(&format!("; Win32 error {code}"));
            }
            if let Some(found) = found {
                text.push_str(&format!("; found at {found}"));
            }
            if !searched.is_empty() {
                text.push_str(&format!("; searched {}", searched.join(", ")));
            }
            if !not_searched.is_empty() {
                text.push_str(&format!("; not searched: {}", not_searched.join("; ")));
            }
            text
        }
    }
}

fn occurrences(h: &mut Html, report: &FileReport, d: &Diagnostic) {
    let total = d.occurrences.len() + 1;
    kit::collapsible(
        h,
        "",
        total <= 5,
        |h| {
            h.text(&format!("{} of this cause", plural(total, "place", "places")));
        },
        |h| {
            kit::table(h, "", &["#", "Location", "Property", "Line"], |h| {
                for (i, place) in d.places().take(OCCURRENCES_SHOWN).enumerate() {
                    kit::row(h, "", |h| {
                        h.open("td", "n").num(i + 1).close("td");
                        kit::cell(h, "mono", place.location().unwrap_or(""));
                        kit::cell(h, "mono", place.attribute().unwrap_or(""));
                        let (line, _) = report.source.line_col(place.span.start as usize);
                        h.open("td", "n").num(line).close("td");
                    });
                }
            });
            if total > OCCURRENCES_SHOWN {
                h.el(
                    "p",
                    "muted",
                    &format!(
                        "and {} not listed here (`--format json` lists every place).",
                        plural(total - OCCURRENCES_SHOWN, "more place", "more places")
                    ),
                );
            }
        },
    );
}

/// The text of a line without its line break.
fn line_text(source: &SourceFile, line: usize) -> (usize, &str) {
    let text = &source.text;
    let start = source.line_start(line);
    let mut end = source.line_start(line + 1).min(text.len());
    let bytes = text.as_bytes();
    if end > start && bytes[end - 1] == b'\n' {
        end -= 1;
    }
    if end > start && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    (start, &text[start..end])
}

fn floor(s: &str, mut at: usize) -> usize {
    at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The span's lines, with one line of context each side, the span marked; long lines cut around it.
fn source_lines(h: &mut Html, source: &SourceFile, span: Span) {
    let text_len = source.text.len();
    let (start, end) = ((span.start as usize).min(text_len), (span.end as usize).min(text_len));
    let first = source.line_index(start);
    let last = source.line_index(if end > start { end - 1 } else { end });
    let lines = source.line_count();
    let from = first.saturating_sub(1);
    let to = (last + 1).min(lines.saturating_sub(1));
    h.open("pre", "src");
    let mut skipped = 0;
    for line in from..=to {
        if line > first + SPAN_LINES_SHOWN && line < last {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            h.open("span", "muted")
                .text(&format!("… {} more\n", plural(skipped, "line", "lines")))
                .close("span");
            skipped = 0;
        }
        let (line_start, content) = line_text(source, line);
        // The marked part of this line, in its own offsets.
        let ms = start.saturating_sub(line_start).min(content.len());
        let me = end.saturating_sub(line_start).min(content.len());
        let marked = (first..=last).contains(&line);
        let (ms, me) = if marked {
            (floor(content, ms), floor(content, me))
        } else {
            (content.len(), content.len())
        };
        h.open("span", "ln").num(line + 1).close("span");
        // The window shown: all of a short line, else around the mark.
        let (ws, we) = if content.len() <= LINE_BYTES_SHOWN {
            (0, content.len())
        } else {
            let ws = floor(content, ms.saturating_sub(LINE_BYTES_SHOWN / 3));
            let we = floor(
                content,
                (me.min(ms + LINE_BYTES_SHOWN / 2) + LINE_BYTES_SHOWN / 3).min(content.len()),
            );
            (ws, we)
        };
        if ws > 0 {
            h.el("span", "muted", "…");
        }
        let (ms, me) = (ms.clamp(ws, we), me.clamp(ws, we));
        h.text(&content[ws..ms]);
        if me > ms || (marked && start == end) {
            h.el("mark", "", &content[ms..me]);
        }
        h.text(&content[me..we]);
        if we < content.len() {
            h.el("span", "muted", "…");
        }
        h.raw("\n");
    }
    h.close("pre");
}

fn fix_block(h: &mut Html, source: &SourceFile, fix: &crate::diagnostic::Fix) {
    let tone = match fix.applicability {
        Applicability::Safe => Tone::Good,
        Applicability::Unsafe => Tone::Warn,
        Applicability::DisplayOnly => Tone::Unknown,
    };
    let how = match fix.applicability {
        Applicability::Safe => "applied by --fix",
        Applicability::Unsafe => "applied by --fix --unsafe-fixes",
        Applicability::DisplayOnly => "shown, never applied",
    };
    h.open("div", "fix");
    h.open("h4", "").text("Fix ");
    kit::badge(h, tone, fix.applicability.as_str());
    h.raw(" ").el("span", "muted", how).close("h4");
    h.prose_el("p", "", &fix.message);
    if fix.restart {
        h.el("p", "notice", "IIS must be restarted (iisreset) for it to take effect.");
    }
    if fix.edits.is_empty() {
        h.close("div");
        return;
    }
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let total = edits.len();
    edits.truncate(DIFF_EDITS_SHOWN);
    let name = source.name.replace('\\', "/");
    match ChangeSet::from_edits(edits) {
        Ok(changes) => {
            let diff = changes.unified_diff(source, name.trim_start_matches("./"), 3);
            h.open("pre", "diff");
            for line in diff.lines().take(DIFF_LINES_SHOWN) {
                let line = line.strip_suffix('\r').unwrap_or(line);
                let class = if line.starts_with("+++") || line.starts_with("---") {
                    "hunk"
                } else if line.starts_with('+') {
                    "add"
                } else if line.starts_with('-') {
                    "del"
                } else if line.starts_with("@@") {
                    "hunk"
                } else {
                    "ctx"
                };
                let shown = clip(line, LINE_BYTES_SHOWN);
                h.open("span", class).text(shown.trim_start_matches('\u{feff}'));
                if shown.len() < line.len() {
                    h.raw("…");
                }
                h.close("span");
            }
            let more_lines = diff.lines().count().saturating_sub(DIFF_LINES_SHOWN);
            h.close("pre");
            if total > DIFF_EDITS_SHOWN || more_lines > 0 {
                h.el(
                    "p",
                    "muted",
                    &format!(
                        "The diff shows {} of {}{}; `mblint check --diff` prints the whole change.",
                        plural(total.min(DIFF_EDITS_SHOWN), "edit", "edits"),
                        kit::grouped(total),
                        if more_lines > 0 {
                            format!(" and stops after {DIFF_LINES_SHOWN} lines")
                        } else {
                            String::new()
                        }
                    ),
                );
            }
        }
        Err(_) => {
            h.el(
                "p",
                "muted",
                "The fix's edits overlap when drawn alone: `mblint check --diff` shows the composed change.",
            );
        }
    }
    h.el(
        "p",
        "muted",
        "The change this fix makes on its own; --fix composes every fix, verifies the result and only then writes.",
    );
    h.close("div");
}
