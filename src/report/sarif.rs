//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one run, every rule with its
//! document as help, `results: []` when clean, 1-based regions counted in Unicode code points,
//! artifact URIs relative to the working folder (`%SRCROOT%`).

use serde_json::{Value, json};

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

fn region(source: &SourceFile, span: Span) -> Value {
    let (start_line, start_column) = source.line_col(span.start as usize);
    let (end_line, end_column) = source.line_col(span.end as usize);
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
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

/// The SARIF log of `reports`. Each input that could not be checked is a `toolExecutionNotifications`
/// entry saying why, and makes `executionSuccessful` false.
pub fn build(reports: &[FileReport], failures: &[InputFailure]) -> Value {
    let successful = failures.is_empty();
    let mut results = Vec::new();
    for report in reports {
        let artifact = artifact_location(&report.source.name);
        for d in &report.diagnostics {
            let rule_index = RULES.iter().position(|r| r.code == d.code);
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": region(&report.source, d.span),
                },
            });
            if let Some(loc) = &d.location {
                location["logicalLocations"] = json!([{ "fullyQualifiedName": loc, "kind": "object" }]);
            }
            // The other places of the same cause follow the related places, every one of them.
            let related: Vec<Value> = d
                .related
                .iter()
                .map(|r| (r.message.as_str(), r.span))
                .chain(d.occurrences.iter().map(|o| ("the same cause here", o.span)))
                .enumerate()
                .map(|(i, (message, span))| {
                    json!({
                        "id": i + 1,
                        "message": { "text": message },
                        "physicalLocation": { "artifactLocation": artifact, "region": region(&report.source, span) },
                    })
                })
                .collect();
            let mut message = d.headline().into_owned();
            if let Some(help) = &d.help {
                message.push_str("\n\nHelp: ");
                message.push_str(help);
            }
            let mut result = json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": { "text": message },
                "locations": [location],
                "properties": { "evidence": d.evidence },
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            if let Some(fix) = &d.fix {
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| json!({ "deletedRegion": region(&report.source, e.span), "insertedContent": { "text": e.content } }))
                    .collect();
                result["fixes"] = json!([{
                    "description": { "text": format!("{} ({} fix)", fix.message, fix.applicability.as_str()) },
                    "artifactChanges": [{ "artifactLocation": artifact, "replacements": replacements }],
                    "properties": { "applicability": fix.applicability.as_str(), "restart": fix.restart },
                }]);
            }
            results.push(result);
        }
    }
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
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mblint",
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules(),
                },
            },
            "invocations": [{ "executionSuccessful": successful, "toolExecutionNotifications": notifications }],
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "The folder mblint ran in." } },
            },
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts,
            "results": results,
        }],
    })
}

pub fn write(reports: &[FileReport], failures: &[InputFailure], out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(reports, failures))?;
    out.write_all(b"\n")
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
