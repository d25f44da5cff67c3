//! The JSON and SARIF writers write findings by hand (one large buffer, a line cursor per file) for
//! speed on finding-heavy files. Here they are held to what they must equal, on every fixture, every
//! server scenario and every farm, in UTF-8 and UTF-16, with hostile Locations and file names:
//! - JSON: byte for byte what serde_json's pretty printer writes of `json::build` (the document
//!   `mblint compare` embeds), the schema's own definition; `mblint history`'s document too;
//! - SARIF: its results byte for byte what serde writes of results built here from the findings
//!   (the SARIF shape, evidence in serde's order), placed by the source's own line index rather
//!   than the writer's cursor.

use std::path::{Path, PathBuf};

use mblint::compare::{NodeSpec, compare};
use mblint::lint::{FileReport, Options, lint_bytes, lint_path};
use mblint::report::{json, sarif};
use serde::Serialize;
use serde_json::{Value, json};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

/// Every fixture metabase as given, in UTF-16 (both byte orders), and with a hostile Location
/// (quotes, a backslash, a tab, an escape character, non-ASCII) in place of the first site's root.
fn fixture_reports() -> Vec<Vec<FileReport>> {
    let mut paths = Vec::new();
    files_under(Path::new("testdata/metabases"), &mut paths);
    assert!(paths.len() > 20, "the fixtures are found");
    let mut out = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.to_string_lossy().into_owned();
        out.push(vec![lint_bytes(&name, bytes.as_slice())]);
        let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)) else {
            continue;
        };
        out.push(vec![lint_bytes(&format!("{name} (UTF-16LE)"), utf16(text, false))]);
        out.push(vec![lint_bytes("dir with space/\"q\" é.xml", utf16(text, true))]);
        let hostile = text.replace("/LM/W3SVC/1/ROOT\"", "/LM/W3SVC/1/ROOT/&quot;a\\b&#9;c&#27;[31m é€😀\"");
        if hostile != text {
            out.push(vec![lint_bytes(&name, hostile.as_bytes())]);
        }
    }
    out
}

fn server_reports() -> Vec<Vec<FileReport>> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("testdata/servers")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        out.push(vec![lint_path(&dir, &Options::default()).unwrap()]);
    }
    assert!(out.len() > 10, "the scenarios are found");
    out
}

/// Each farm compared, all its nodes' reports together: findings with related places in another
/// node's file.
fn farm_reports() -> Vec<Vec<FileReport>> {
    let mut out = Vec::new();
    let mut farms: Vec<PathBuf> = std::fs::read_dir("testdata/farms")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    farms.sort();
    for farm in farms {
        let mut nodes: Vec<PathBuf> = std::fs::read_dir(&farm).unwrap().map(|e| e.unwrap().path()).collect();
        nodes.sort();
        let specs: Vec<NodeSpec> = nodes
            .iter()
            .map(|node| NodeSpec {
                name: node.file_name().unwrap().to_string_lossy().into_owned(),
                path: node.clone(),
                options: Options::default(),
            })
            .collect();
        out.push(compare(&specs).reports);
    }
    assert!(
        out.iter()
            .flatten()
            .flat_map(|r| &r.diagnostics)
            .any(|d| d.related.iter().any(|r| r.file.is_some())),
        "a farm has a finding placed in another node's file"
    );
    out
}

fn every_report_set() -> Vec<Vec<FileReport>> {
    let mut all = fixture_reports();
    all.extend(server_reports());
    all.extend(farm_reports());
    assert!(
        all.iter()
            .flatten()
            .any(|r| r.diagnostics.iter().any(|d| d.occurrences.len() > 1 && d.fix.is_some())),
        "some finding has several places and a fix"
    );
    all
}

#[test]
fn json_is_serde_jsons_pretty_output_of_the_document() {
    for reports in every_report_set() {
        let mut written = Vec::new();
        json::write(&reports, &[], &mut written).unwrap();
        let mut expected = serde_json::to_vec_pretty(&json::build(&reports, &[])).unwrap();
        expected.push(b'\n');
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(expected).unwrap(),
            "{}",
            reports[0].source.name
        );
    }
}

/// A region, by the source's own line index.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

fn region(report: &FileReport, span: mblint::metabase::Span) -> Region {
    let (start_line, start_column) = report.source.line_col(span.start as usize);
    let (end_line, end_column) = report.source.line_col(span.end as usize);
    Region {
        end_column,
        end_line,
        start_column,
        start_line,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Value,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<Value>,
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Related {
    id: usize,
    message: Value,
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Change {
    artifact_location: Value,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix {
    artifact_changes: [Change; 1],
    description: Value,
    properties: Value,
}

#[derive(Serialize)]
struct Properties<'a> {
    evidence: &'a [mblint::diagnostic::Evidence],
}

/// A SARIF result, its members in SARIF's order (sorted), evidence as serde writes it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[Fix; 1]>,
    level: &'static str,
    locations: [Location; 1],
    message: Value,
    properties: Properties<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_locations: Option<Vec<Related>>,
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

/// The results of a SARIF log, built independently of the writer.
fn reference_results(reports: &[FileReport]) -> Vec<SarifResult<'_>> {
    let artifact = |name: &str| sarif::artifact_location(name);
    let mut results = Vec::new();
    for r in reports {
        for d in &r.diagnostics {
            let mut message = d.headline().into_owned();
            if let Some(help) = &d.help {
                message = format!("{message}\n\nHelp: {help}");
            }
            let mut related = Vec::new();
            for rel in &d.related {
                let of = match rel.file.as_deref() {
                    None => r,
                    Some(name) => match reports.iter().find(|o| o.source.name == name) {
                        Some(other) => other,
                        None => continue,
                    },
                };
                related.push((rel.message.clone(), of, rel.span));
            }
            for o in &d.occurrences {
                related.push(("the same cause here".to_string(), r, o.span));
            }
            let related_locations = (!related.is_empty()).then(|| {
                related
                    .into_iter()
                    .enumerate()
                    .map(|(i, (message, of, span))| Related {
                        id: i + 1,
                        message: json!({ "text": message }),
                        physical_location: Physical {
                            artifact_location: artifact(&of.source.name),
                            region: region(of, span),
                        },
                    })
                    .collect()
            });
            let fixes = d.fix.as_ref().map(|fix| {
                [Fix {
                    artifact_changes: [Change {
                        artifact_location: artifact(&r.source.name),
                        replacements: fix
                            .edits
                            .iter()
                            .map(|e| Replacement {
                                deleted_region: region(r, e.span),
                                inserted_content: json!({ "text": e.content }),
                            })
                            .collect(),
                    }],
                    description: json!({ "text": format!("{} ({} fix)", fix.message, fix.applicability.as_str()) }),
                    properties: json!({ "applicability": fix.applicability.as_str(), "restart": fix.restart }),
                }]
            });
            results.push(SarifResult {
                fixes,
                level: match d.severity.as_str() {
                    "info" => "note",
                    s => s,
                },
                locations: [Location {
                    logical_locations: d
                        .location
                        .as_ref()
                        .map(|loc| json!([{ "fullyQualifiedName": loc, "kind": "object" }])),
                    physical_location: Physical {
                        artifact_location: artifact(&r.source.name),
                        region: region(r, d.span),
                    },
                }],
                message: json!({ "text": message }),
                properties: Properties { evidence: &d.evidence },
                related_locations,
                rule_id: d.code,
                rule_index: mblint::rules::RULES.iter().position(|rule| rule.code == d.code),
            });
        }
    }
    results
}

#[test]
fn sarif_results_are_the_findings_as_serde_writes_them() {
    for reports in every_report_set() {
        let mut written = Vec::new();
        sarif::write(&reports, &[], &mut written).unwrap();
        let written = String::from_utf8(written).unwrap();
        let name = &reports[0].source.name;
        // The results array, as serde's pretty printer writes it three levels deep.
        let expected = serde_json::to_string_pretty(&reference_results(&reports))
            .unwrap()
            .replace('\n', "\n      ");
        let start = written.find("\n      \"results\": ").expect("results") + 18;
        let end = written.find(",\n      \"tool\": {").expect("tool after the results");
        assert_eq!(&written[start..end], expected, "{name}");
        // The document around them holds what it held.
        let log: Value = serde_json::from_str(&written).unwrap();
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
        assert_eq!(log["runs"][0]["artifacts"].as_array().unwrap().len(), reports.len());
    }
}

/// Output errors surface as errors, whichever part of the document is being written.
#[test]
fn a_failing_writer_is_an_error() {
    struct Full(usize);
    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 < buf.len() {
                return Err(std::io::Error::other("disk full"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let reports = server_reports();
    let reports = &reports[1];
    assert!(!reports[0].diagnostics.is_empty());
    for room in [0, 100, 10_000] {
        assert!(json::write(reports, &[], &mut Full(room)).is_err());
        assert!(sarif::write(reports, &[], &mut Full(room)).is_err());
    }
}

/// `mblint history --format json` puts the current file's JSON report inside its own document:
/// what serde writes of the same document.
#[test]
fn history_json_is_serde_jsons_pretty_output_of_its_document() {
    use mblint::history;
    let layout = history::layout(Path::new("testdata/history/fpse-64bit"), None).unwrap();
    let options = Options {
        drive_copy: layout.drive.clone(),
        ..Options::default()
    };
    let result = history::run(&layout, &options).unwrap();
    assert!(!result.current.diagnostics.is_empty());
    #[derive(Serialize)]
    struct Doc<'a> {
        tool: json::Tool,
        history: &'a history::History,
        check: json::JsonReport<'a>,
    }
    let doc = Doc {
        tool: json::Tool {
            name: "mblint",
            version: env!("CARGO_PKG_VERSION"),
        },
        history: &result.history,
        check: json::build(std::slice::from_ref(&result.current), &[]),
    };
    let mut expected = serde_json::to_vec_pretty(&doc).unwrap();
    expected.push(b'\n');
    let mut written = Vec::new();
    mblint::report::history::json(&result.history, &result.current, &mut written).unwrap();
    assert_eq!(
        String::from_utf8(written).unwrap(),
        String::from_utf8(expected).unwrap()
    );
}
