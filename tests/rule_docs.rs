//! The rule documents (rules/MBxxx.md) are true by construction: each has its sections in one order
//! (ruff's rule pages are the model), and each `## Example` is linted, as is its `## Use instead`.
//!
//! The `## Example` section opens with a marker that says how its ```` ```xml ```` blocks are tried:
//!
//! - `<!-- example: metabase -->`: the block is a MetaBase.xml (wrapped in `<configuration>` and
//!   `<MBProperty>` when it is a fragment), linted with no drive: the rule must fire on it.
//! - `<!-- example: drive=testdata/servers/NAME -->`: the same, with the block as the metabase of a
//!   copy of that drive copy (its own MetaBase.xml replaced).
//! - `<!-- example: compare -->`: each block is one node of a farm, and `mblint compare` over them
//!   must report the rule (the MB6xx drift rules); `drive=A,B` puts each node on a drive copy.
//! - `<!-- example: needs drive -->`: not tried: the rule needs a drive no test drive copy fits.
//!   Only the rules in [`NEEDS_DRIVE`] may say so, each with its reason.
//!
//! Any marker takes `platform=x86|x64|ia64` (the `--platform` of every run; for `compare`, a
//! comma-separated list, one per node). The `## Use instead` blocks are tried the same way (or as a
//! marker of their own says, for a fix that changes the drive, not the metabase) and must parse, and
//! must not report the rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mblint::compare::{NodeSpec, compare};
use mblint::lint::{Options, lint_path};
use mblint::platform::Platform;
use mblint::rules::RULES;

mod common;

/// A rule's document as it stands in rules/ (what `mblint rule` embeds; read from the file so that
/// a document can be tried without rebuilding the library).
fn doc(code: &str) -> String {
    std::fs::read_to_string(format!("rules/{code}.md")).unwrap_or_else(|e| panic!("rules/{code}.md: {e}"))
}

/// The sections every rule document has, in this order (others may stand between them).
const SECTIONS: &[&str] = &[
    "## What it checks",
    "## Symptom",
    "## Why it matters",
    "## Example",
    "## Use instead",
    "## Fix",
    "## References",
];

/// The rules whose example no test drive copy fits, and why (none today: every example is tried).
const NEEDS_DRIVE: &[(&str, &str)] = &[];

/// How a document's examples are tried.
#[derive(Debug, PartialEq)]
enum Mode {
    Metabase,
    Compare,
    NeedsDrive,
}

#[derive(Debug)]
struct Marker {
    mode: Mode,
    /// The drive copies the blocks are put on: none, or one per block.
    drives: Vec<PathBuf>,
    /// The declared platforms: none, one for every run, or one per node.
    platforms: Vec<Platform>,
}

fn marker(code: &str, section: &str) -> Marker {
    let line = section
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let inner = line
        .strip_prefix("<!-- example:")
        .and_then(|l| l.strip_suffix("-->"))
        .unwrap_or_else(|| panic!("rules/{code}.md: `## Example` must open with `<!-- example: ... -->`, not {line:?}"))
        .trim();
    let mut marker = Marker {
        mode: Mode::Metabase,
        drives: Vec::new(),
        platforms: Vec::new(),
    };
    if inner == "needs drive" {
        marker.mode = Mode::NeedsDrive;
        return marker;
    }
    for (i, word) in inner.split_whitespace().enumerate() {
        if i == 0 && word == "metabase" {
        } else if i == 0 && word == "compare" {
            marker.mode = Mode::Compare;
        } else if let Some(list) = word.strip_prefix("platform=") {
            marker.platforms = list
                .split(',')
                .map(|p| Platform::parse(p).unwrap_or_else(|| panic!("rules/{code}.md: platform {p:?}")))
                .collect();
        } else if let Some(list) = word.strip_prefix("drive=") {
            marker.drives = list.split(',').map(PathBuf::from).collect();
        } else {
            panic!("rules/{code}.md: unknown example word {word:?}");
        }
    }
    marker
}

/// The text of a `## ` section, up to the next `## ` heading (`### ` subsections are part of it).
fn section<'a>(code: &str, doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("rules/{code}.md lacks `{heading}`"))
        + heading.len()
        + 2;
    let rest = &doc[start..];
    let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// The ```` ```xml ```` blocks of a section.
fn xml_blocks(section: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section.lines() {
        match &mut current {
            None if line.trim_end() == "```xml" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.push(current.take().unwrap()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an ```xml block is not closed");
    blocks
}

/// A fragment as a whole MetaBase.xml; a block that is one already (MB001's) stays as written.
fn metabase(block: &str) -> String {
    if block.contains("<configuration") || block.trim_start().starts_with("<?xml") {
        return block.to_string();
    }
    format!(
        "<?xml version =\"1.0\"?>\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\n<MBProperty>\n{block}</MBProperty>\n</configuration>\n"
    )
}

fn options(platform: Option<Platform>) -> Options {
    Options {
        platform,
        ..Options::default()
    }
}

/// One of several per-block values: none, one for all, or one per block.
fn nth<T: Clone>(code: &str, what: &str, list: &[T], i: usize, blocks: usize) -> Option<T> {
    match list.len() {
        0 => None,
        1 => Some(list[0].clone()),
        n => {
            assert_eq!(n, blocks, "rules/{code}.md: {what} lists one value per block");
            Some(list[i].clone())
        }
    }
}

/// Writes a block as a metabase: alone, or as the metabase of a copy of a drive copy. Returns the
/// path to lint.
fn stage(code: &str, dir: &Path, name: &str, block: &str, drive: Option<&Path>) -> PathBuf {
    match drive {
        None => {
            let path = dir.join(format!("{name}.xml"));
            std::fs::write(&path, metabase(block)).unwrap();
            path
        }
        Some(drive) => {
            let input = mblint::lint::input(drive)
                .unwrap_or_else(|e| panic!("rules/{code}.md: drive {}: {e}", drive.display()));
            let inside = input.metabase.strip_prefix(drive).unwrap().to_path_buf();
            let copy = dir.join(name);
            common::copy_tree(drive, &copy);
            std::fs::write(copy.join(inside), metabase(block)).unwrap();
            copy
        }
    }
}

/// The codes reported for these blocks, tried as the marker says.
fn codes(code: &str, what: &str, marker: &Marker, blocks: &[String]) -> BTreeSet<&'static str> {
    assert!(!blocks.is_empty(), "rules/{code}.md: `{what}` holds no ```xml block");
    let dir = tempfile::tempdir().unwrap();
    let path = |i: usize, name: &str| {
        let drive = nth(code, "drive=", &marker.drives, i, blocks.len());
        stage(code, dir.path(), name, &blocks[i], drive.as_deref())
    };
    let platform = |i: usize| nth(code, "platform=", &marker.platforms, i, blocks.len());
    match marker.mode {
        Mode::NeedsDrive => unreachable!(),
        Mode::Metabase => {
            assert_eq!(blocks.len(), 1, "rules/{code}.md: `{what}` holds one metabase");
            let report = lint_path(&path(0, "MetaBase"), &options(platform(0)))
                .unwrap_or_else(|e| panic!("rules/{code}.md: `{what}`: {e}"));
            report.diagnostics.iter().map(|d| d.code).collect()
        }
        Mode::Compare => {
            assert!(
                blocks.len() >= 2,
                "rules/{code}.md: `{what}` holds one block per node, two at least"
            );
            let specs: Vec<NodeSpec> = (0..blocks.len())
                .map(|i| {
                    let name = format!("node-{}", (b'a' + i as u8) as char);
                    NodeSpec {
                        path: path(i, &name),
                        name,
                        options: options(platform(i)),
                    }
                })
                .collect();
            let outcome = compare(&specs);
            assert!(
                outcome.failures.is_empty(),
                "rules/{code}.md: `{what}`: {:?}",
                outcome.failures
            );
            outcome
                .reports
                .iter()
                .flat_map(|r| r.diagnostics.iter().map(|d| d.code))
                .collect()
        }
    }
}

#[test]
fn every_rule_document_has_its_sections_in_order() {
    for rule in RULES {
        let doc = doc(rule.code);
        let mut last = 0;
        for heading in SECTIONS {
            let at = doc
                .find(&format!("\n{heading}\n"))
                .unwrap_or_else(|| panic!("rules/{}.md lacks `{heading}`", rule.code));
            assert!(at > last, "rules/{}.md: `{heading}` is out of order", rule.code);
            last = at;
        }
        // A symptom no source gives is said to be so, never made up: every Symptom cites or says.
        let symptom = section(rule.code, &doc, "## Symptom");
        assert!(
            symptom.contains("http") || symptom.contains("KB") || symptom.contains("No source"),
            "rules/{}.md: `## Symptom` names no source and does not say none gives it",
            rule.code
        );
    }
}

#[test]
fn every_example_shows_its_rule_and_every_use_instead_does_not() {
    let mut needs_drive = BTreeSet::new();
    let mut wrong = Vec::new();
    for rule in RULES {
        let code = rule.code;
        let doc = doc(code);
        let example = section(code, &doc, "## Example");
        if example.trim_start().starts_with("<!-- example: needs drive -->") {
            needs_drive.insert(code);
            continue;
        }
        // Every document is tried, and every wrong one named, before the test fails.
        let tried = std::panic::catch_unwind(|| {
            let marker = marker(code, example);
            let found = codes(code, "## Example", &marker, &xml_blocks(example));
            assert!(
                found.contains(code),
                "rules/{code}.md: its `## Example` reports {found:?}, not {code}"
            );
            // `## Use instead` is tried as the example is, unless it opens with a marker of its own
            // (the same metabase on a drive copy that holds what the fix installs).
            let use_instead = section(code, &doc, "## Use instead");
            let fixed_marker = if use_instead.trim_start().starts_with("<!-- example:") {
                self::marker(code, use_instead)
            } else {
                marker
            };
            let fixed = codes(code, "## Use instead", &fixed_marker, &xml_blocks(use_instead));
            assert!(
                !fixed.contains(code) && !fixed.contains("MB001"),
                "rules/{code}.md: its `## Use instead` still reports {fixed:?}"
            );
        });
        if let Err(e) = tried {
            wrong.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default(),
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "{} documents are wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let listed: BTreeSet<&str> = NEEDS_DRIVE.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        needs_drive, listed,
        "the examples marked `needs drive` are the ones NEEDS_DRIVE lists"
    );
}

/// The harness itself: a fragment is wrapped and linted, so an example that does not show its rule
/// reports nothing of it, and one that does, does.
#[test]
fn a_fragment_is_linted_as_a_whole_metabase() {
    let marker = Marker {
        mode: Mode::Metabase,
        drives: Vec::new(),
        platforms: vec![Platform::X64],
    };
    let clean =
        "<IIsWebService\tLocation =\"/LM/W3SVC\"\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\n\t>\n</IIsWebService>\n";
    let found = codes("test", "## Example", &marker, &[clean.to_string()]);
    assert!(!found.contains("MB003"), "{found:?}");
    let twice = format!("{clean}{clean}");
    assert!(codes("test", "## Example", &marker, &[twice]).contains("MB003"));
}

#[test]
fn blocks_and_markers_are_read_as_documented() {
    let doc = "# X\n\n## Example\n<!-- example: drive=testdata/servers/missing-dll platform=x64 -->\ntext\n```xml\n<a/>\n```\n```\nnot xml\n```\n### Sub\n```xml\n<b/>\n```\n## Use instead\n```xml\n<c/>\n```\n";
    let example = section("X", doc, "## Example");
    assert_eq!(xml_blocks(example), ["<a/>\n", "<b/>\n"]);
    let m = marker("X", example);
    assert_eq!(m.mode, Mode::Metabase);
    assert_eq!(m.drives, [Path::new("testdata/servers/missing-dll")]);
    assert_eq!(m.platforms, [Platform::X64]);
    assert_eq!(xml_blocks(section("X", doc, "## Use instead")), ["<c/>\n"]);
}
