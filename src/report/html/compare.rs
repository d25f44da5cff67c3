//! The page of `mblint compare`: the inputs that failed (first), the verdict, the nodes side
//! by side (platform, isolation mode, worker bitness and processes, Windows folder, drives, each
//! with its evidence), the node-by-DLL matrix (one row per distinct DLL, one column per node, each
//! cell coloured by whether the DLL loads there, cells that differ from the row's reference marked),
//! findings by rule, then the MB6xx findings with their source lines on every node, and each
//! node's own `check` findings, collapsed.
//!
//! The reference of a row is what most nodes have (a tie goes to the node named first), as the MB6xx
//! findings judge it.

use super::check::{self, DLL_ROWS_SHOWN};
use super::kit::{self, Anchor, CELL_BYTES, Html, PAGE_BUDGET, PAGE_LIMIT, Tone};
use crate::compare::{Comparison, DllCell, DllRow, ImageState, NodeModel};
use crate::diagnostic::Diagnostic;
use crate::lint::{FileReport, InputFailure};
use crate::report::Counts;

/// Characters of a SHA-256 a cell shows (the whole one is its title).
const HASH_SHOWN: usize = 12;

/// Writes the page.
pub fn write(
    comparison: &Comparison,
    reports: &[FileReport],
    failures: &[InputFailure],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    out.write_all(render(comparison, reports, failures).as_bytes())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", kit::grouped(n), if n == 1 { one } else { many })
}

/// Whether a finding is one of the comparison's (MB6xx) rather than a node's own.
pub fn is_drift(d: &Diagnostic) -> bool {
    d.code.starts_with("MB6")
}

/// For each value, whether it differs from the reference: the value most entries have, a tie going
/// to the one that comes first.
pub fn differs_from_reference<T: PartialEq>(values: &[T]) -> Vec<bool> {
    let mut groups: Vec<(usize, usize)> = Vec::new(); // (first index, count)
    for (i, v) in values.iter().enumerate() {
        match groups.iter_mut().find(|(first, _)| values[*first] == *v) {
            Some(g) => g.1 += 1,
            None => groups.push((i, 1)),
        }
    }
    let Some(&(reference, _)) = groups.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))) else {
        return Vec::new();
    };
    values.iter().map(|v| *v != values[reference]).collect()
}

/// The class of a cell: its tone, and whether it differs from the row's reference.
fn cell_class(tone: Tone, differs: bool) -> &'static str {
    match (tone, differs) {
        (Tone::Good, false) => "cell good",
        (Tone::Bad, false) => "cell bad",
        (Tone::Warn, false) => "cell warn",
        (Tone::Unknown, false) => "cell unknown",
        (Tone::Info, false) => "cell info",
        (Tone::Good, true) => "cell good differs",
        (Tone::Bad, true) => "cell bad differs",
        (Tone::Warn, true) => "cell warn differs",
        (Tone::Unknown, true) => "cell unknown differs",
        (Tone::Info, true) => "cell info differs",
    }
}

fn differs_mark(h: &mut Html) {
    h.open_titled(
        "span",
        "differs-mark",
        "differs from the reference (what most nodes have)",
    )
    .raw("≠ ")
    .close("span");
}

/// The report of a node (by its metabase).
fn report_of<'a>(node: &NodeModel, reports: &'a [FileReport]) -> Option<&'a FileReport> {
    reports.iter().find(|r| r.source.name == node.metabase)
}

/// The page as a string.
pub fn render(comparison: &Comparison, reports: &[FileReport], failures: &[InputFailure]) -> String {
    let mut h = Html::new();
    let totals = Counts::of_reports(reports);
    let drift = Counts::of(reports.iter().flat_map(|r| &r.diagnostics).filter(|d| is_drift(d)));
    h.open("header", "");
    h.el("h1", "", "mblint compare");
    h.open("p", "meta");
    h.text(&format!(
        "{} compared, {} could not be compared · mblint {} · ",
        plural(comparison.nodes.len(), "node", "nodes"),
        kit::grouped(comparison.not_compared.len()),
        env!("CARGO_PKG_VERSION")
    ));
    check::counts_badges(&mut h, totals);
    h.close("p").close("header");

    // The verdict first (whether the nodes differ), then the reading status.
    let mut status = Html::after(&h);
    check::inputs_banner(&mut status, reports.len(), failures);
    if comparison.nodes.len() < 2 {
        kit::banner(
            &mut h,
            Tone::Bad,
            None,
            &format!(
                "Nothing was compared: {} could be read, and a comparison needs two",
                plural(comparison.nodes.len(), "node", "nodes")
            ),
            |_| {},
        );
    } else {
        let (tone, h2) = if drift.total() == 0 && !failures.is_empty() {
            (
                Tone::Warn,
                format!(
                    "The {} read agree on everything that decides whether DLLs load, but {} not (see below)",
                    plural(comparison.nodes.len(), "node", "nodes"),
                    plural(failures.len(), "input was", "inputs were")
                ),
            )
        } else if drift.total() == 0 {
            (
                Tone::Good,
                "The nodes agree on everything that decides whether DLLs load".to_string(),
            )
        } else {
            (
                Tone::Bad,
                format!(
                    "The nodes differ: {} (MB6xx)",
                    plural(drift.total(), "difference", "differences")
                ),
            )
        };
        kit::banner(&mut h, tone, None, &h2, |h| {
            h.open("p", "");
            h.link(&Anchor::new("nodes", &[]), "The nodes").text(" · ");
            h.link(&Anchor::new("matrix", &[]), "DLLs by node").text(" · ");
            h.link(&Anchor::new("drift", &[]), "Differences").text(" · ");
            h.link(&Anchor::new("own", &[]), "Each node's own findings");
            h.close("p");
        });
    }
    h.append(&status);
    nodes_section(&mut h, comparison, reports);
    matrix_section(&mut h, comparison);
    check::rule_summary(&mut h, reports);
    drift_section(&mut h, comparison, reports);
    own_section(&mut h, comparison, reports);

    h.open("footer", "");
    h.text(&format!(
        "Written by mblint {}. Self-contained: no script, and nothing is loaded from anywhere. Limits: {DLL_ROWS_SHOWN} DLLs in the matrix (differing and failing first), {} places per finding; past {} MiB the page lists what remains in brief. `mblint compare --format json` holds everything.",
        env!("CARGO_PKG_VERSION"),
        check::OCCURRENCES_SHOWN,
        PAGE_BUDGET >> 20
    ));
    h.close("footer");
    let names: Vec<&str> = comparison.nodes.iter().map(|n| n.name.as_str()).collect();
    let title = if names.len() <= 6 {
        format!("mblint compare: {}", names.join(", "))
    } else {
        format!("mblint compare: {}", plural(names.len(), "node", "nodes"))
    };
    kit::document(&title, &h)
}

/// One row of the nodes table: a label, and per node a value (compared across nodes) with what
/// the cell shows below it.
fn fact_row<'a>(
    h: &mut Html,
    label: &'static str,
    values: &[String],
    tones: &[Tone],
    below: impl Fn(&mut Html, usize) + 'a,
) {
    let differs = differs_from_reference(values);
    kit::row(h, "", |h| {
        h.open("th", "").raw(label).close("th");
        for (i, value) in values.iter().enumerate() {
            h.open("td", cell_class(tones[i], differs[i]));
            if differs[i] {
                differs_mark(h);
            }
            h.el("span", "value", value);
            below(h, i);
            h.close("td");
        }
    });
}

/// A fact's source, and its clues collapsed.
fn evidence<T>(h: &mut Html, fact: &crate::host::Fact<T>) {
    h.raw(" ");
    check::fact_source(h, fact);
    kit::collapsible(
        h,
        "small",
        false,
        |h| {
            h.text(&format!("evidence ({})", kit::grouped(fact.evidence.len())));
        },
        |h| check::fact_clues(h, fact),
    );
}

fn nodes_section(h: &mut Html, comparison: &Comparison, reports: &[FileReport]) {
    kit::section(h, "nodes", &Anchor::new("nodes", &[]), "The nodes side by side", |h| {
        let nodes = &comparison.nodes;
        if nodes.is_empty() {
            h.el("p", "notice", "No node could be read.");
            return;
        }
        h.el(
            "p",
            "muted",
            "Each fact with what decided it. A cell marked ≠ differs from what most nodes have (a tie goes to the node named first).",
        );
        let node_reports: Vec<Option<&FileReport>> = nodes.iter().map(|n| report_of(n, reports)).collect();
        kit::wide_table(
            h,
            "nodes",
            |h| {
                h.open("th", "").raw("Node").close("th");
                for n in nodes {
                    kit::head_cell(h, &n.name);
                }
            },
            |h| {
                let info = vec![Tone::Info; nodes.len()];
                kit::row(h, "", |h| {
                    h.open("th", "").raw("Metabase").close("th");
                    for n in nodes {
                        h.open("td", "small")
                            .open("code", "")
                            .text_max(&n.metabase, CELL_BYTES)
                            .close("code")
                            .close("td");
                    }
                });
                let server = |i: usize| node_reports[i].and_then(|r| r.server.as_ref());
                let source_tone = |s: crate::host::Source| match s {
                    crate::host::Source::Declared | crate::host::Source::Drive => Tone::Good,
                    crate::host::Source::Metabase => Tone::Info,
                    crate::host::Source::Default => Tone::Warn,
                };
                let platforms: Vec<String> = (0..nodes.len())
                    .map(|i| server(i).map_or_else(|| nodes[i].platform.clone(), |s| s.platform.value.describe()))
                    .collect();
                let tones: Vec<Tone> = nodes.iter().map(|n| source_tone(n.platform_source)).collect();
                fact_row(h, "Platform", &platforms, &tones, |h, i| {
                    if let Some(s) = server(i) {
                        evidence(h, &s.platform);
                    }
                });
                let isolation: Vec<String> = nodes.iter().map(|n| n.isolation.describe().to_string()).collect();
                fact_row(h, "Isolation mode", &isolation, &info, |h, i| {
                    if let Some(s) = server(i) {
                        evidence(h, &s.isolation);
                    }
                });
                let bitness: Vec<String> = nodes
                    .iter()
                    .map(|n| match n.worker_bitness {
                        Some(b) => b.to_string(),
                        None => "depends on the platform".to_string(),
                    })
                    .collect();
                let tones: Vec<Tone> = nodes
                    .iter()
                    .map(|n| {
                        if n.worker_bitness.is_some() {
                            Tone::Info
                        } else {
                            Tone::Warn
                        }
                    })
                    .collect();
                fact_row(h, "Worker bitness", &bitness, &tones, |h, i| {
                    h.el("p", "small", &nodes[i].worker_reason);
                });
                let processes: Vec<String> = nodes.iter().map(|n| n.worker_processes.join(", ")).collect();
                fact_row(h, "Processes that load ISAPI DLLs", &processes, &info, |_, _| {});
                let windir: Vec<String> = nodes.iter().map(|n| n.windir.clone()).collect();
                fact_row(h, "Windows folder", &windir, &info, |h, i| {
                    if let Some(s) = server(i) {
                        evidence(h, &s.windir);
                    }
                });
                kit::row(h, "", |h| {
                    h.open("th", "").raw("Drives read").close("th");
                    for n in nodes {
                        if n.drives.is_empty() {
                            h.open("td", "cell warn");
                            kit::badge(h, Tone::Warn, "none: DLLs judged by their paths");
                        } else {
                            h.open("td", "small");
                            for d in &n.drives {
                                h.open("div", "")
                                    .text(&d.letter)
                                    .text(" = ")
                                    .el("code", "", &d.root)
                                    .close("div");
                            }
                        }
                        h.close("td");
                    }
                });
                kit::row(h, "", |h| {
                    h.open("th", "").raw("Findings").close("th");
                    for (i, _) in nodes.iter().enumerate() {
                        h.open("td", "");
                        match node_reports[i] {
                            Some(r) => {
                                let own = Counts::of(r.diagnostics.iter().filter(|d| !is_drift(d)));
                                let drift = Counts::of(r.diagnostics.iter().filter(|d| is_drift(d)));
                                h.open("div", "").el("span", "muted", "own: ");
                                check::counts_badges(h, own);
                                h.close("div").open("div", "").el("span", "muted", "differences here: ");
                                check::counts_badges(h, drift);
                                h.close("div");
                            }
                            None => {
                                h.text("no report");
                            }
                        }
                        h.close("td");
                    }
                });
            },
        );
        for name in &comparison.not_compared {
            h.open("p", "notice")
                .text("Not compared: ")
                .el("code", "", name)
                .text(" (see the inputs that could not be checked, at the top).")
                .close("p");
        }
    });
}

/// What a cell is, for comparing it with the other nodes': present or not, the state, and for an
/// image its kind, content and whether it loads.
fn signature(cell: Option<&DllCell>) -> String {
    let Some(cell) = cell else {
        return "absent".into();
    };
    match &cell.image {
        ImageState::NotRead => "not-read".into(),
        ImageState::Unresolvable { .. } => "unresolvable".into(),
        ImageState::Missing { .. } => "missing".into(),
        ImageState::Refused { .. } => "refused".into(),
        ImageState::Invalid { .. } => "invalid".into(),
        ImageState::Image(f) => format!(
            "image {} {:?} {:?} {:?}",
            f.image,
            f.content.as_ref().map(|c| &c.sha256),
            f.content
                .as_ref()
                .and_then(|c| c.version.as_ref())
                .and_then(|v| v.shown()),
            f.loads
        ),
    }
}

fn cell_tone(cell: &DllCell) -> Tone {
    match &cell.image {
        ImageState::Image(f) => match f.loads {
            Some(true) => Tone::Good,
            Some(false) => Tone::Bad,
            None => Tone::Warn,
        },
        ImageState::Missing { .. } | ImageState::Invalid { .. } => Tone::Bad,
        ImageState::Refused { .. } => Tone::Warn,
        ImageState::NotRead | ImageState::Unresolvable { .. } => Tone::Unknown,
    }
}

/// Per node, how many DLLs fall in each tone (good, bad, warn, unknown) and how many it configures.
fn node_totals(comparison: &Comparison) -> Vec<[usize; 5]> {
    let mut out = vec![[0usize; 5]; comparison.nodes.len()];
    for row in &comparison.dlls {
        for (n, cell) in row.cells.iter().enumerate() {
            if let Some(cell) = cell
                && n < out.len()
            {
                out[n][4] += 1;
                let i = match cell_tone(cell) {
                    Tone::Good => 0,
                    Tone::Bad => 1,
                    Tone::Warn => 2,
                    _ => 3,
                };
                out[n][i] += 1;
            }
        }
    }
    out
}

fn matrix_section(h: &mut Html, comparison: &Comparison) {
    kit::section(h, "matrix", &Anchor::new("matrix", &[]), "ISAPI DLLs by node", |h| {
        let nodes = &comparison.nodes;
        let rows = &comparison.dlls;
        // Rows an MB6xx finding names first, then rows with a cell that differs, then rows that
        // fail somewhere, then the rest; first seen first within each.
        let marks: Vec<Vec<bool>> = rows
            .iter()
            .map(|r| {
                let sigs: Vec<String> = r.cells.iter().map(|c| signature(c.as_ref())).collect();
                differs_from_reference(&sigs)
            })
            .collect();
        let rank = |i: usize| {
            let r = &rows[i];
            if r.differs {
                0
            } else if marks[i].iter().any(|m| *m) {
                1
            } else if r.cells.iter().flatten().any(|c| cell_tone(c) == Tone::Bad) {
                2
            } else {
                3
            }
        };
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| rank(i));
        let mut by_rank = [0usize; 4];
        for &i in &order {
            by_rank[rank(i)] += 1;
        }
        h.open("p", "meta");
        h.text(&format!(
            "{} across {}: ",
            plural(rows.len(), "distinct DLL", "distinct DLLs"),
            plural(nodes.len(), "node", "nodes")
        ));
        for (n, tone, words) in [
            (by_rank[0], Tone::Bad, "named by a difference (MB6xx)"),
            (by_rank[1], Tone::Warn, "look different on some node"),
            (by_rank[2], Tone::Bad, "alike but failing somewhere"),
            (by_rank[3], Tone::Good, "alike"),
        ] {
            if n > 0 {
                kit::badge(h, tone, &format!("{} {words}", kit::grouped(n)));
                h.raw(" ");
            }
        }
        h.close("p");
        kit::legend(
            h,
            &[
                (Tone::Good, "loads on that node"),
                (Tone::Bad, "does not load: other bitness, missing, invalid"),
                (Tone::Warn, "depends on the platform, or not read for safety"),
                (Tone::Unknown, "no drive: judged by its path"),
            ],
        );
        h.el(
            "p",
            "muted",
            "One row per distinct DLL (its path after resolution: letter case, / and the Windows folder do not matter). A cell framed and marked ≠ differs from what most nodes have there (a tie goes to the node named first); a hatched cell: the node does not configure it. Hover a hash for all of it.",
        );
        if rows.is_empty() {
            h.el("p", "muted", "No node configures an ISAPI DLL.");
            return;
        }
        let totals = node_totals(comparison);
        let mut shown = 0;
        kit::wide_table(
            h,
            "matrix",
            |h| {
                h.open("th", "").raw("DLL").close("th");
                for n in nodes {
                    kit::head_cell(h, &n.name);
                }
            },
            |h| {
                kit::row(h, "", |h| {
                    h.open("td", "").el("span", "value", "All DLLs").close("td");
                    for t in &totals {
                        h.open("td", "small");
                        h.text(&format!("{} configured: ", kit::grouped(t[4])));
                        for (n, tone, word) in [
                            (t[1], Tone::Bad, "fail"),
                            (t[2], Tone::Warn, "doubtful"),
                            (t[3], Tone::Unknown, "unknown"),
                            (t[0], Tone::Good, "load"),
                        ] {
                            if n > 0 {
                                kit::badge(h, tone, &format!("{} {word}", kit::grouped(n)));
                                h.raw(" ");
                            }
                        }
                        h.close("td");
                    }
                });
                for &i in &order {
                    if shown >= DLL_ROWS_SHOWN || h.len() >= PAGE_BUDGET {
                        break;
                    }
                    shown += 1;
                    matrix_row(h, &rows[i], &marks[i]);
                }
            },
        );
        if shown < rows.len() {
            h.el(
                "p",
                "notice",
                &format!(
                    "{} not shown (the matrix lists at most {DLL_ROWS_SHOWN}, differing and failing ones first; the counts above cover them all): `mblint compare --format json` holds every cell.",
                    plural(rows.len() - shown, "more DLL", "more DLLs")
                ),
            );
        }
    });
}

fn matrix_row(h: &mut Html, row: &DllRow, marks: &[bool]) {
    let tones: Vec<Tone> = row.cells.iter().flatten().map(cell_tone).collect();
    let tone = if tones.contains(&Tone::Bad) {
        Tone::Bad
    } else if row.differs || marks.iter().any(|m| *m) || tones.contains(&Tone::Warn) {
        Tone::Warn
    } else if tones.iter().all(|t| *t == Tone::Unknown) {
        Tone::Unknown
    } else {
        Tone::Good
    };
    kit::row(h, tone.row(), |h| {
        h.open("td", "");
        h.open("code", "").text_max(&row.path, CELL_BYTES).close("code");
        let roles: Vec<&str> = row.roles.iter().map(|r| r.describe()).collect();
        h.el("div", "muted small", &roles.join(", "));
        if row.differs {
            kit::badge(h, Tone::Bad, "an MB6xx finding names it");
        }
        h.close("td");
        for (n, cell) in row.cells.iter().enumerate() {
            let differs = marks.get(n).copied().unwrap_or(false);
            let Some(cell) = cell else {
                h.open("td", if differs { "absent differs" } else { "absent" });
                if differs {
                    differs_mark(h);
                }
                h.text("not configured").close("td");
                continue;
            };
            let tone = cell_tone(cell);
            h.open("td", cell_class(tone, differs));
            if differs {
                differs_mark(h);
            }
            cell_body(h, cell, &row.path, tone);
            h.close("td");
        }
    });
}

fn cell_body(h: &mut Html, cell: &DllCell, path: &str, tone: Tone) {
    match &cell.image {
        ImageState::Image(f) => {
            h.el("span", "value", &f.image);
            if let Some(b) = f.bitness {
                h.text(&format!(", {b}"));
            }
            if f.il_only {
                h.text(" (IL only)");
            }
            h.raw(" ");
            let word = match f.loads {
                Some(true) => "loads",
                Some(false) => "does not load",
                None => "loads or not by the platform",
            };
            kit::badge(h, tone, word);
            if let Some(content) = &f.content {
                h.open("div", "small");
                if let Some(v) = content.version.as_ref().and_then(|v| v.shown()) {
                    h.text("version ").text_max(v, 80).text(" · ");
                }
                let short = &content.sha256[..HASH_SHOWN.min(content.sha256.len())];
                h.open_titled("span", "mono", &format!("SHA-256 {}", content.sha256))
                    .text(&format!("{short}…"))
                    .close("span");
                h.text(&format!(" · {} bytes", kit::grouped(content.size as usize)));
                h.close("div");
            }
            if f.redirected {
                h.open("div", "muted small")
                    .text("opened as ")
                    .el("code", "", &f.opened_as)
                    .text(" (WOW64)")
                    .close("div");
            }
        }
        ImageState::Missing { opened_as, .. } => {
            kit::badge(h, tone, "missing");
            h.open("div", "small")
                .text("nothing at ")
                .el("code", "", &opened_as.clone())
                .close("div");
        }
        ImageState::Invalid { error, .. } => {
            kit::badge(h, tone, "not a loadable image");
            h.el("div", "small", error);
        }
        ImageState::Refused { reason, .. } => {
            kit::badge(h, tone, "not read");
            h.el("div", "small", reason);
        }
        ImageState::Unresolvable { why } => {
            kit::badge(h, tone, "not looked for");
            h.el("div", "small", &format!("the path {why}"));
        }
        ImageState::NotRead => {
            kit::badge(h, tone, "no drive mapped");
        }
    }
    h.open("div", "muted small");
    h.text(&format!("line {}", kit::grouped(cell.line)));
    if cell.places > 1 {
        h.text(&format!(
            " (and {})",
            plural(cell.places - 1, "more place", "more places")
        ));
    }
    h.close("div");
    if cell.configured != path {
        h.open("div", "muted small")
            .text("configured as ")
            .open("code", "")
            .text_max(&cell.configured, CELL_BYTES)
            .close("code")
            .close("div");
    }
}

/// The node a report is of, by its metabase; the file name when it was not compared.
fn node_name<'a>(comparison: &'a Comparison, report: &'a FileReport) -> &'a str {
    comparison
        .nodes
        .iter()
        .find(|n| n.metabase == report.source.name)
        .map_or(report.source.name.as_str(), |n| n.name.as_str())
}

fn drift_section(h: &mut Html, comparison: &Comparison, reports: &[FileReport]) {
    kit::section(
        h,
        "drift",
        &Anchor::new("drift", &[]),
        "Differences between the nodes (MB6xx)",
        |h| {
            let total: usize = reports
                .iter()
                .map(|r| r.diagnostics.iter().filter(|d| is_drift(d)).count())
                .sum();
            if total == 0 {
                h.el(
                    "p",
                    "",
                    if comparison.nodes.len() >= 2 {
                        "No difference: the nodes agree on platform, isolation mode, worker bitness, the ISAPI set, the images and what the restriction list allows. Machine-specific values (accounts, encrypted values, ChangeNumber, bindings) are never compared."
                    } else {
                        "Nothing was compared."
                    },
                );
                return;
            }
            h.el(
                "p",
                "muted",
                "Each difference stands in the file of the node that differs from the others, with the place on every other node drawn below it.",
            );
            for (i, report) in reports.iter().enumerate() {
                let n = report.diagnostics.iter().filter(|d| is_drift(d)).count();
                if n == 0 {
                    continue;
                }
                h.open("h3", "")
                    .text(node_name(comparison, report))
                    .text(&format!(": {}", plural(n, "difference", "differences")))
                    .close("h3");
                h.el("p", "muted small", &report.source.name);
                check::findings_where(h, i + 1, report, reports, check::FINDINGS_OPEN, is_drift);
            }
        },
    );
}

fn own_section(h: &mut Html, comparison: &Comparison, reports: &[FileReport]) {
    kit::section(
        h,
        "own",
        &Anchor::new("own", &[]),
        "Each node's own findings (as check finds them)",
        |h| {
            for (i, report) in reports.iter().enumerate() {
                let own = Counts::of(report.diagnostics.iter().filter(|d| !is_drift(d)));
                h.open_id("div", "", &Anchor::new("file", &[i + 1]));
                kit::collapsible(
                    h,
                    "block",
                    false,
                    |h| {
                        h.text(node_name(comparison, report)).text(" ");
                        check::counts_badges(h, own);
                    },
                    |h| {
                        h.el("p", "muted small", &report.source.name);
                        if h.len() >= PAGE_LIMIT {
                            h.el("p", "notice", "Not drawn: the page reached its size limit.");
                            return;
                        }
                        check::server_cards(h, report);
                        if own.total() == 0 {
                            h.el("p", "", "No findings of its own.");
                        } else {
                            check::findings_where(h, i + 1, report, reports, 0, |d| !is_drift(d));
                        }
                    },
                );
                h.close("div");
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_is_the_majority_and_a_tie_goes_to_the_first() {
        assert_eq!(differs_from_reference(&["a", "a", "b"]), [false, false, true]);
        assert_eq!(differs_from_reference(&["b", "a", "a"]), [true, false, false]);
        assert_eq!(differs_from_reference(&["a", "b"]), [false, true]);
        assert_eq!(
            differs_from_reference(&["a", "b", "c", "c", "b"]),
            [true, false, true, true, false]
        );
        assert!(differs_from_reference::<&str>(&[]).is_empty());
    }
}
