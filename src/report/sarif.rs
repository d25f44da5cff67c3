//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one run, every rule with its
//! document as help, `results: []` when clean, 1-based regions counted in Unicode code points,
//! artifact URIs relative to the working folder (`%SRCROOT%`).

use serde::Serialize;
use serde::ser::SerializeSeq;
use serde_json::{Value, json};

use super::Lazy;

use crate::diagnostic::Severity;
use crate::lint::{FileReport, InputFailure};
use crate::metabase::{SourceFile, Span};
use crate::rules::{FixAvailability, RULES};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encodes a path for a URI, keeping `/`.
fn encode(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The artifact location of a file as named on the command line: relative to `%SRCROOT%` (the
/// working folder) when it can be, else an absolute `file://` URI.
pub fn artifact_location(name: &str) -> Value {
    let path = std::path::Path::new(name);
    let relative = if path.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.to_path_buf()))
    } else {
        Some(path.to_path_buf())
    };
    match relative {
        Some(rel) => {
            let text = rel.to_string_lossy().replace('\\', "/");
            let text = text.trim_start_matches("./");
            json!({ "uri": encode(text), "uriBaseId": "%SRCROOT%" })
        }
        None => {
            let text = name.replace('\\', "/");
            let text = if text.starts_with('/') {
                text
            } else {
                format!("/{text}")
            };
            json!({ "uri": format!("file://{}", encode(&text)) })
        }
    }
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
                },
            })
        })
        .collect()
}

/// `{ "text": ... }`.
#[derive(Serialize)]
struct Text<T: Serialize> {
    text: T,
}

/// An artifact location, computed once per file and borrowed by every place in it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

impl Artifact {
    fn of(name: &str) -> Artifact {
        let value = artifact_location(name);
        Artifact {
            uri: value["uri"].as_str().unwrap_or_default().to_string(),
            uri_base_id: value.get("uriBaseId").map(|_| "%SRCROOT%"),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

fn region(source: &SourceFile, span: Span) -> Region {
    let (start_line, start_column) = source.line_col(span.start as usize);
    let (end_line, end_column) = source.line_col(span.end as usize);
    Region {
        end_column,
        end_line,
        start_column,
        start_line,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'a> {
    artifact_location: &'a Artifact,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[Logical<'a>; 1]>,
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    message: Text<&'a str>,
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a, R: Serialize> {
    artifact_location: &'a Artifact,
    replacements: R,
}

#[derive(Serialize)]
struct FixProperties {
    applicability: &'static str,
    restart: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a, R: Serialize> {
    artifact_changes: [ArtifactChange<'a, R>; 1],
    description: Text<String>,
    properties: FixProperties,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    evidence: &'a [crate::diagnostic::Evidence],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a, L: Serialize, F: Serialize> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[F; 1]>,
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<String>,
    properties: ResultProperties<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_locations: Option<L>,
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

/// Every result of every report, serialised one at a time: only one finding's SARIF is ever built.
struct Results<'a> {
    reports: &'a [FileReport],
    artifacts: &'a [Artifact],
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for (report, artifact) in self.reports.iter().zip(self.artifacts) {
            let source = &report.source;
            for d in &report.diagnostics {
                let mut message = d.headline().into_owned();
                if let Some(help) = &d.help {
                    message.push_str("\n\nHelp: ");
                    message.push_str(help);
                }
                // The other places of the same cause follow the related places, every one of them.
                // A related place in another file (`mblint compare`: another node) is placed in it.
                let has_related = !d.related.is_empty() || !d.occurrences.is_empty();
                let (reports, artifacts) = (self.reports, self.artifacts);
                let related = has_related.then_some({
                    Lazy(move || {
                        d.related
                            .iter()
                            .filter_map(move |r| match r.file.as_deref() {
                                None => Some((r.message.as_str(), r.span, source, artifact)),
                                Some(name) => reports
                                    .iter()
                                    .position(|other| other.source.name == name)
                                    .map(|j| (r.message.as_str(), r.span, &reports[j].source, &artifacts[j])),
                            })
                            .chain(
                                d.occurrences
                                    .iter()
                                    .map(move |o| ("the same cause here", o.span, source, artifact)),
                            )
                            .enumerate()
                            .map(move |(i, (message, span, of, artifact_location))| RelatedLocation {
                                id: i + 1,
                                message: Text { text: message },
                                physical_location: Physical {
                                    artifact_location,
                                    region: region(of, span),
                                },
                            })
                    })
                });
                let fix = d.fix.as_ref().map(|fix| {
                    [SarifFix {
                        artifact_changes: [ArtifactChange {
                            artifact_location: artifact,
                            replacements: Lazy(move || {
                                fix.edits.iter().map(move |e| Replacement {
                                    deleted_region: region(source, e.span),
                                    inserted_content: Text { text: &e.content },
                                })
                            }),
                        }],
                        description: Text {
                            text: format!("{} ({} fix)", fix.message, fix.applicability.as_str()),
                        },
                        properties: FixProperties {
                            applicability: fix.applicability.as_str(),
                            restart: fix.restart,
                        },
                    }]
                });
                seq.serialize_element(&SarifResult {
                    fixes: fix,
                    level: level(d.severity),
                    locations: [Location {
                        logical_locations: d.location.as_deref().map(|loc| {
                            [Logical {
                                fully_qualified_name: loc,
                                kind: "object",
                            }]
                        }),
                        physical_location: Physical {
                            artifact_location: artifact,
                            region: region(source, d.span),
                        },
                    }],
                    message: Text { text: message },
                    properties: ResultProperties { evidence: &d.evidence },
                    related_locations: related,
                    rule_id: d.code,
                    rule_index: RULES.iter().position(|r| r.code == d.code),
                })?;
            }
        }
        seq.end()
    }
}

/// The SARIF log of `reports`, written as it is serialised: the constant parts are small values,
/// the results a stream, so memory does not grow with the number of findings or places. Each input
/// that could not be checked is a `toolExecutionNotifications` entry saying why, and makes
/// `executionSuccessful` false.
pub fn write(reports: &[FileReport], failures: &[InputFailure], out: &mut impl std::io::Write) -> std::io::Result<()> {
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
            json!({
                "level": "error",
                "message": { "text": format!("{} could not be checked: {}", f.path, f.error) },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact_location(&f.path) } }],
            })
        })
        .collect();
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Run<'a> {
        artifacts: Vec<Value>,
        column_kind: &'static str,
        invocations: Value,
        original_uri_base_ids: Value,
        results: Results<'a>,
        tool: Value,
    }
    #[derive(Serialize)]
    struct Log<'a> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        runs: [Run<'a>; 1],
        version: &'static str,
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            artifacts,
            column_kind: "unicodeCodePoints",
            invocations: json!([{ "executionSuccessful": successful, "toolExecutionNotifications": notifications }]),
            original_uri_base_ids: json!({
                "%SRCROOT%": { "description": { "text": "The folder mblint ran in." } },
            }),
            results: Results {
                reports,
                artifacts: &file_artifacts,
            },
            tool: json!({
                "driver": {
                    "name": "mblint",
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules(),
                },
            }),
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
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
        assert_eq!(artifact_location("./a\\b.xml")["uri"], "a/b.xml");
        assert_eq!(
            artifact_location("/elsewhere/MetaBase.xml")["uri"],
            "file:///elsewhere/MetaBase.xml"
        );
    }
}
