//! The HTML page (`--format html`): one self-contained file to look at a server with.
//!
//! # The kit ([`kit`])
//! Views are built with a small kit, so that every page looks alike and nothing from a metabase or
//! a drive can become markup:
//! - [`kit::Html`]: markup built only from `&'static str` tags and classes, numbers, and text that
//!   [`kit::push_text`] escapes (`& < > " '` as references; control, bidirectional and line
//!   separator characters and noncharacters in the visible `\u{hex}` form the text report uses).
//!   No method takes dynamic markup.
//! - [`kit::document`]: the shell: doctype, `charset`, a Content-Security-Policy ([`kit::CSP`])
//!   that forbids loading anything (no script at all, no image, font, frame or connection; only
//!   the inline `<style>`), the style, the body. Well formed as XML, so tests parse it strictly.
//! - [`kit::section`] (a titled `<section>` with an anchor), [`kit::collapsible`]
//!   (`<details>`/`<summary>`: collapsing needs no script), [`kit::table`] / [`kit::row`] /
//!   [`kit::cell`], [`kit::badge`] and [`kit::legend`] over five [`kit::Tone`]s (good, bad, warn,
//!   unknown, info: the same colours on every view), [`kit::Anchor`] for in-page links.
//! - [`kit::PAGE_BUDGET`]: a view checks [`kit::Html::len`] before each item of unbounded count
//!   (a file, a finding, a DLL) and, past the budget, lists what remains in one line each.
//!
//! # Views
//! - [`check`]: `mblint check --format html`. Failed inputs first (never fail open), findings by
//!   rule, then per file the server model (platform, isolation mode, worker bitness, Windows
//!   folder, each with its evidence), the ISAPI DLL map ([`crate::rules::map`]: one row per
//!   distinct DLL, role and host process, coloured by whether it loads) and the findings with
//!   their source lines and fix diffs.
//!
//! - [`compare`]: `mblint compare --format html`. Failed inputs first, the verdict (red when an
//!   MB6xx finding stands, amber when the nodes read agree but some were not, green only when all
//!   were read and agree), the nodes side by side (each fact with its evidence, a cell that differs
//!   from what most nodes have marked ≠), the node-by-DLL matrix ([`crate::compare::Comparison`]:
//!   one row per distinct DLL, one column per node, each cell coloured by whether the DLL loads
//!   there, with its image, version and short hash; rows an MB6xx finding names first, then rows
//!   with a cell that differs, then failing ones), findings by rule, the MB6xx findings with every
//!   node's source lines, and each node's own findings, collapsed.
//! - [`history`]: `mblint history --format html`. The current file read (green) or not (the red
//!   banner, and nothing else: [`history::write_failure`]), the history files skipped (amber:
//!   warnings), the timeline of versions, the current findings under the key diff of the version
//!   that introduced them, each version's introduced and removed findings (collapsed), the findings
//!   that came and went, and the current server.
//!
//! Every view is built from the same kit and the same tones, and from the check view's public
//! blocks: [`check::inputs_banner`] (first on every page: never fail open), [`check::server_cards`]
//! (one node's or one version's server model), [`check::fact_source`] and [`check::fact_clues`]
//! (a fact's evidence), [`check::dll_map`], [`check::file_section`] (a whole linted file),
//! [`check::finding`] and [`check::findings_where`] (findings with their source lines, related
//! places in other files drawn from those files), [`check::rule_summary`],
//! [`check::counts_badges`], [`check::severity_tone`] and [`check::status_tone`]. The kit's
//! [`kit::banner`] (red, amber, green), [`kit::wide_table`] (headers that are data, such as node
//! names) and [`kit::Tone::cell`] (a coloured cell) serve them all.
//!
//! # Size
//! The page is aggregated and capped whatever the input: a finding lists its first
//! [`check::OCCURRENCES_SHOWN`] places and counts the rest, a file's map shows at most
//! [`check::DLL_ROWS_SHOWN`] distinct DLLs (failing first), a fix diff at most
//! [`check::DIFF_EDITS_SHOWN`] edits and [`check::DIFF_LINES_SHOWN`] lines, a source line at most
//! [`check::LINE_BYTES_SHOWN`] bytes around the finding. The compare matrix shows at most
//! [`check::DLL_ROWS_SHOWN`] distinct DLLs (its per-node totals count them all); the history lists
//! [`check::OCCURRENCES_SHOWN`] findings a version introduced or removed (counted by rule), a key
//! diff's first [`history::KEY_DIFF_LINES_SHOWN`] lines and [`history::GONE_ROWS_SHOWN`] findings
//! that came and went. Past [`kit::PAGE_BUDGET`] (4 MiB) the page adds no more detail: each
//! remaining finding and file gets one row. `--format json` holds everything.

pub mod check;
pub mod compare;
pub mod history;
pub mod kit;
